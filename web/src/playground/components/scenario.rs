use yew::prelude::*;

use super::input_text;
use crate::playground::format::ms;

#[derive(Properties, PartialEq)]
pub struct ScenarioPanelProps {
    pub now_ms: u64,
    pub seed: u64,
    /// The page shows an earlier moment of the run (its present is kept).
    pub in_past: bool,
    pub notice: Html,
    pub on_share: Callback<()>,
    /// The time to go back to, as typed.
    pub on_time_travel: Callback<String>,
    pub on_back_to_now: Callback<()>,
    /// The seed of a new cluster, as typed.
    pub on_new: Callback<String>,
}

/// The run as a scenario: copy it as a link, replay it to an earlier time (and come back), or start over
/// with a seed.
#[function_component(ScenarioPanel)]
pub fn scenario_panel(p: &ScenarioPanelProps) -> Html {
    let until = use_state(String::new);
    let seed = use_state(|| p.seed.to_string());
    let on_travel = {
        let (until, cb) = (until.clone(), p.on_time_travel.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            cb.emit((*until).clone());
        })
    };
    let on_new = {
        let (seed, cb) = (seed.clone(), p.on_new.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            cb.emit((*seed).clone());
        })
    };
    let on_until = {
        let until = until.clone();
        Callback::from(move |e: InputEvent| until.set(input_text(&e)))
    };
    let on_seed = {
        let seed = seed.clone();
        Callback::from(move |e: InputEvent| seed.set(input_text(&e)))
    };
    let on_share = p.on_share.reform(|_: MouseEvent| ());
    let on_now = p.on_back_to_now.reform(|_: MouseEvent| ());
    html! {
        <section class="panel scenario" data-testid="scenario">
            <h2>{ "Replay" }</h2>
            <div class="meta">{ format!("seed {} · now {}", p.seed, ms(p.now_ms)) }</div>
            { p.notice.clone() }
            <button data-testid="share" onclick={on_share} title="copy a link that replays this run (it goes in the address bar too)">{ "Copy link" }</button>
            <form class="inline-form" onsubmit={on_travel}>
                <input data-testid="travel-to" placeholder="t ms" inputmode="numeric" value={(*until).clone()} oninput={on_until}
                       title="virtual time to go back to (the run is replayed from its seed; its present is kept)" />
                <button data-testid="time-travel" type="submit">{ "Go back to" }</button>
            </form>
            if p.in_past {
                <button class="small primary" data-testid="replay-back-to-now" onclick={on_now}
                        title="back to the run's present, kept until you act here">{ "Back to now" }</button>
                <p class="hint">{ "Playing or acting here forks the run: what came after this moment is discarded." }</p>
            }
            <form class="inline-form" onsubmit={on_new}>
                <input data-testid="seed" inputmode="numeric" value={(*seed).clone()} oninput={on_seed} title="seed of a new cluster" />
                <button data-testid="new-cluster" type="submit">{ "New cluster" }</button>
            </form>
        </section>
    }
}
