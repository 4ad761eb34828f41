use franz_core::view::BrokerView;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ClusterPanelProps {
    pub brokers: Vec<BrokerView>,
}

#[function_component(ClusterPanel)]
pub fn cluster_panel(p: &ClusterPanelProps) -> Html {
    html! {
        <section class="panel cluster" data-testid="cluster">
            <h2>{ "Cluster" }</h2>
            <div class="brokers">
                { for p.brokers.iter().map(|b| html! {
                    <div class={classes!("broker", b.state.clone())} data-testid={format!("broker-{}", b.id)}>
                        <div class="broker-name">{ format!("broker {}", b.id) }</div>
                        <div class="broker-state">{ &b.state }</div>
                        <div class="broker-leads">
                            { if b.leader_of.is_empty() { "leads no partition".to_string() } else { format!("leader of {}", b.leader_of.join(", ")) } }
                        </div>
                    </div>
                }) }
            </div>
            <p class="hint">{ "One broker decides everything in this build; the controller quorum comes next." }</p>
        </section>
    }
}
