//! # franz-web
//!
//! Franz's JS API (`Cluster`, `Producer`, `Consumer` and pure helpers) over `franz-core`, through
//! wasm-bindgen, and, behind the `playground` feature, the Yew playground. This crate only translates:
//! every Kafka rule lives in `franz-core`.

mod api;
mod convert;
#[cfg(feature = "playground")]
pub mod playground;

pub use api::{murmur2, partition_for_key, Cluster, Consumer, Producer};

use wasm_bindgen::prelude::*;

/// Makes a bug in Franz show in the console with its Rust message rather than as "unreachable".
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}
