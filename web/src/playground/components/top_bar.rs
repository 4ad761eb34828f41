use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::playground::format::ms;

/// Speeds offered: virtual milliseconds per wall millisecond.
const SPEEDS: [f64; 7] = [0.1, 0.25, 0.5, 1.0, 2.0, 10.0, 100.0];

/// What the top bar shows, and its callbacks.
pub struct TopBarProps {
    pub now_ms: u64,
    pub playing: bool,
    pub speed: f64,
    /// The speed a stream holds the page to, when below the one chosen.
    pub speed_limit: Option<f64>,
    /// The speed the page manages when the simulation's events cost more than frames have.
    pub speed_lag: Option<f64>,
    /// The frames a second the page draws, when few, and the cluster's partitions.
    pub slow_frames: Option<(f64, usize)>,
    pub events_dispatched: u64,
    pub on_toggle: Callback<()>,
    pub on_step: Callback<()>,
    pub on_speed: Callback<f64>,
    /// Open the list of keyboard shortcuts.
    pub on_help: Callback<()>,
}

/// The top bar. (A function, not a component: it changes every frame (the clock), so a component's check
/// for unchanged props never spares a render, and its machinery costs the wasm about 2 KB.)
pub fn top_bar(p: TopBarProps) -> Html {
    let on_toggle = p.on_toggle.reform(|_: MouseEvent| ());
    let on_step = p.on_step.reform(|_: MouseEvent| ());
    let on_help = p.on_help.reform(|_: MouseEvent| ());
    let on_speed = p.on_speed.reform(|e: Event| {
        franz_core::json::parse_f64(&e.target_unchecked_into::<HtmlSelectElement>().value()).unwrap_or(1.0)
    });
    html! {
        <header class="top-bar">
            <h1 class="brand">{ "Franz" }<span class="tagline">{ "a Kafka cluster you can watch" }</span></h1>
            <div class="clock" data-testid="clock" title="virtual time since the cluster started">{ format!("t = {}", ms(p.now_ms)) }</div>
            <button class="play" data-testid="play" onclick={on_toggle} title="play or pause (Space)">{ if p.playing { "Pause" } else { "Play" } }</button>
            <button data-testid="step" onclick={on_step} title="run the next event (a delivery or a timer) (.)">{ "Step" }</button>
            <label class="speed">{ "Speed " }
                <select data-testid="speed" onchange={on_speed}>
                    { for SPEEDS.iter().map(|&s| html! {
                        <option value={s.to_string()} selected={(s - p.speed).abs() < 1e-9}>{ format!("{s}×") }</option>
                    }) }
                </select>
            </label>
            if let Some(lag) = p.speed_lag {
                <span class="speed-limit" data-testid="speed-lag" title="each frame runs only as much of the simulation as keeps the page responsive">
                    { format!("running at {lag:.1}×: the simulation needs more time than the frames have") }
                </span>
            } else if let Some(limit) = p.speed_limit {
                <span class="speed-limit" data-testid="top-speed-limit" title="a fast stream holds the page's speed down: see the producer panel">{ format!("running at {limit:.1}×") }</span>
            }
            if let Some((fps, partitions)) = p.slow_frames {
                <span class="speed-limit" data-testid="slow-frames" title="the simulation and the drawing of every partition share each frame">
                    { format!(
                        "{fps:.0} frames/s: this cluster ({} partitions) is more than the page draws smoothly",
                        franz_core::trace::group_thousands(partitions as u64)
                    ) }
                </span>
            }
            <div class="events-count" title="events the simulator has run">{ format!("{} events", p.events_dispatched) }</div>
            <button class="small" data-testid="shortcuts" onclick={on_help} title="keyboard shortcuts (?)" aria-label="keyboard shortcuts">{ "?" }</button>
        </header>
    }
}
