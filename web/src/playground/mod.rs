//! The playground: a live view of a simulated cluster, built with Yew.
//!
//! [`state::Playground`] holds the world and what the page did with it, and changes only through its
//! reducer (`reduce(action) -> Outcome`: pure Rust, no DOM, tested natively); [`app::App`] feeds it animation
//! frames and the user's actions, writes the URL it asks for, and renders its snapshot; the components under
//! `components/` only render what they are given and send actions back. [`library::Root`] fetches the lessons
//! first.

mod app;
mod components;
mod format;
mod library;
mod share;
mod shared;
mod state;

pub use app::App;
pub use library::Root;

/// Mounts the playground on the page's body.
pub fn run() {
    console_error_panic_hook::set_once();
    yew::Renderer::<Root>::new().render();
}
