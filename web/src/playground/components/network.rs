use franz_core::sim::network::NetworkConfig;
use franz_core::view::NetworkView;
use yew::prelude::*;

use super::input_text;

#[derive(Properties, PartialEq)]
pub struct NetworkPanelProps {
    pub network: NetworkView,
    pub on_apply: Callback<NetworkConfig>,
    pub on_heal: Callback<()>,
}

/// Latency, jitter and drop rate for every link, and the partition if there is one.
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
            // Unparsable numbers go through as out-of-range values so the cluster explains what is allowed.
            cb.emit(NetworkConfig {
                latency_ms: latency.trim().parse().unwrap_or(u64::MAX),
                jitter_ms: jitter.trim().parse().unwrap_or(u64::MAX),
                drop_rate: drop_rate.trim().parse().unwrap_or(f64::NAN),
            });
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
            <form class="network-form" onsubmit={on_submit}>
                <label>{ "latency ms" }<input data-testid="latency" value={(*latency).clone()} oninput={field(&latency)} /></label>
                <label>{ "jitter ms" }<input data-testid="jitter" value={(*jitter).clone()} oninput={field(&jitter)} /></label>
                <label>{ "drop rate" }<input data-testid="drop-rate" value={(*drop_rate).clone()} oninput={field(&drop_rate)} /></label>
                <button data-testid="apply-network" type="submit">{ "Apply" }</button>
            </form>
            <div class="network-state" data-testid="network-state">
                if n.sides.is_empty() {
                    { "Every node reaches every other." }
                } else {
                    { format!("Partitioned: {} | everyone else. ", n.sides.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(" | ")) }
                    <button class="small" data-testid="heal" onclick={on_heal}>{ "Heal" }</button>
                }
            </div>
            <div class="meta">{ format!("{} message(s) lost so far", n.dropped_messages) }</div>
        </section>
    }
}
