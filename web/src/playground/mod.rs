//! The playground: a live view of a simulated cluster, built with Yew.
//!
//! [`app::App`] owns the world and advances it on animation frames at the chosen speed; the components
//! under `components/` only render the snapshots they are given and send messages back.

mod app;
mod components;
mod format;
mod share;

pub use app::App;

/// Mounts the playground on the page's body.
pub fn run() {
    console_error_panic_hook::set_once();
    yew::Renderer::<App>::new().render();
}
