//! One component per file; each renders what it is given and reports the user's actions upward.

pub mod checker;
pub mod clients;
pub mod cluster;
pub mod cluster_map;
pub mod groups;
pub mod lesson;
pub mod log_strip;
pub mod network;
pub mod notice;
pub mod scenario;
pub mod scrubber;
pub mod shortcuts;
pub mod timeline;
pub mod top_bar;
pub mod topics;

use web_sys::HtmlInputElement;
use yew::prelude::*;

/// The current text of the input an event came from.
pub fn input_value(e: &Event) -> String {
    e.target_unchecked_into::<HtmlInputElement>().value()
}

pub fn input_text(e: &InputEvent) -> String {
    e.target_unchecked_into::<HtmlInputElement>().value()
}
