use franz_core::view::NetworkView;
use yew::prelude::*;

use super::input_text;
use crate::playground::shared::Shared;
use crate::playground::state::NetworkSummary;

#[derive(Properties, PartialEq)]
pub struct NetworkPanelProps {
    pub network: NetworkView,
    /// The network as it is, and what it lost and why.
    pub summary: Shared<NetworkSummary>,
    pub notice: Html,
    /// (latency ms, jitter ms, drop rate) as typed.
    pub on_apply: Callback<(String, String, String)>,
    pub on_heal: Callback<()>,
}

/// Latency, jitter and drop rate for every link; the network as it is (partitions, links of their own,
/// nodes down), and the messages lost so far by cause.
#[function_component(NetworkPanel)]
pub fn network_panel(p: &NetworkPanelProps) -> Html {
    let n = &p.network;
    let latency = use_state(|| n.latency_ms.to_string());
    let jitter = use_state(|| n.jitter_ms.to_string());
    let drop_rate = use_state(|| n.drop_rate.to_string());
    let on_submit = {
        let (latency, jitter, drop_rate, cb) = (latency.clone(), jitter.clone(), drop_rate.clone(), p.on_apply.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            cb.emit(((*latency).clone(), (*jitter).clone(), (*drop_rate).clone()));
        })
    };
    let field = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: InputEvent| state.set(input_text(&e)))
    };
    let on_heal = p.on_heal.reform(|_: MouseEvent| ());
    html! {
        <section class="panel network" data-testid="network">
            <h2>{ "Network" }</h2>
            { p.notice.clone() }
            <form class="network-form" onsubmit={on_submit}>
                <label>{ "latency ms" }<input data-testid="latency" inputmode="numeric" value={(*latency).clone()} oninput={field(&latency)} /></label>
                <label>{ "jitter ms" }<input data-testid="jitter" inputmode="numeric" value={(*jitter).clone()} oninput={field(&jitter)} /></label>
                <label>{ "drop rate" }<input data-testid="drop-rate" inputmode="decimal" value={(*drop_rate).clone()} oninput={field(&drop_rate)} /></label>
                <button data-testid="apply-network" type="submit">{ "Apply" }</button>
            </form>
            <div class="network-state" data-testid="network-state">
                { for p.summary.lines.iter().map(|l| html! { <div>{ l }</div> }) }
                if !n.sides.is_empty() {
                    <button class="small primary" data-testid="heal" onclick={on_heal}>{ "Heal" }</button>
                }
            </div>
            <div class="meta" data-testid="network-lost" title="messages the network did not deliver, by cause">{ &p.summary.lost }</div>
        </section>
    }
}
