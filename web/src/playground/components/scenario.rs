use yew::prelude::*;

use super::input_text;
use crate::playground::format::ms;

#[derive(Properties, PartialEq)]
pub struct ScenarioPanelProps {
    pub now_ms: u64,
    pub seed: u64,
    pub on_share: Callback<()>,
    pub on_time_travel: Callback<u64>,
    pub on_new: Callback<u64>,
}

/// The run as a scenario: share it as a link, replay it to an earlier time, or start over with a seed.
#[function_component(ScenarioPanel)]
pub fn scenario_panel(p: &ScenarioPanelProps) -> Html {
    let until = use_state(String::new);
    let seed = use_state(|| p.seed.to_string());
    let on_travel = {
        let (until, cb, now) = (until.clone(), p.on_time_travel.clone(), p.now_ms);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            cb.emit(until.trim().parse::<u64>().unwrap_or(now / 2).min(now));
        })
    };
    let on_new = {
        let (seed, cb) = (seed.clone(), p.on_new.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            cb.emit(seed.trim().parse().unwrap_or(1));
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
    html! {
        <section class="panel scenario" data-testid="scenario">
            <h2>{ "Replay" }</h2>
            <div class="meta">{ format!("seed {} · now {}", p.seed, ms(p.now_ms)) }</div>
            <button data-testid="share" onclick={on_share} title="put this run in the address bar, to share or reload">{ "Share link" }</button>
            <form class="inline-form" onsubmit={on_travel}>
                <input data-testid="travel-to" placeholder="t ms" value={(*until).clone()} oninput={on_until} title="virtual time to go back to" />
                <button data-testid="time-travel" type="submit">{ "Go back to" }</button>
            </form>
            <form class="inline-form" onsubmit={on_new}>
                <input data-testid="seed" value={(*seed).clone()} oninput={on_seed} title="seed of a new cluster" />
                <button data-testid="new-cluster" type="submit">{ "New cluster" }</button>
            </form>
        </section>
    }
}
