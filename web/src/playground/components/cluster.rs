use franz_core::types::NodeId;
use franz_core::view::BrokerView;
use yew::prelude::*;

use crate::playground::format::ms;

/// What the buttons on a broker card do.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BrokerAction {
    Crash,
    Restart,
    PowerLoss,
    Isolate,
    Pause,
}

impl BrokerAction {
    pub fn done_text(self, id: NodeId) -> String {
        match self {
            BrokerAction::Crash => format!("Broker {id} crashed: its memory is gone, its disk is kept."),
            BrokerAction::Restart => format!("Broker {id} restarted and recovered from its disk."),
            BrokerAction::PowerLoss => format!("Broker {id} lost power: what it had not flushed is gone."),
            BrokerAction::Isolate => format!("Broker {id} is cut off from every other node. Heal the network to undo."),
            BrokerAction::Pause => format!("Broker {id} is paused (a long GC): alive but silent for a while."),
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct ClusterPanelProps {
    pub brokers: Vec<BrokerView>,
    pub on_action: Callback<(NodeId, BrokerAction)>,
}

#[function_component(ClusterPanel)]
pub fn cluster_panel(p: &ClusterPanelProps) -> Html {
    let button = |id: NodeId, action: BrokerAction, label: &str, title: &str| {
        let cb = p.on_action.clone();
        html! {
            <button class="small" data-testid={format!("broker-{id}-{}", label.to_lowercase().replace(' ', "-"))}
                    title={title.to_string()} onclick={Callback::from(move |_| cb.emit((id, action)))}>{ label }</button>
        }
    };
    html! {
        <section class="panel cluster" data-testid="cluster">
            <h2>{ "Cluster" }</h2>
            <div class="brokers">
                { for p.brokers.iter().map(|b| {
                    let crashed = b.state == "crashed";
                    html! {
                        <div class={classes!("broker", b.state.clone(), b.paused_until_ms.is_some().then_some("paused"))} data-testid={format!("broker-{}", b.id)}>
                            <div class="broker-name">{ format!("broker {}", b.id) }</div>
                            <div class="broker-state" data-testid={format!("broker-{}-state", b.id)}>
                                { match b.paused_until_ms { Some(t) => format!("{} · paused until {}", b.state, ms(t)), None => b.state.clone() } }
                            </div>
                            <div class="broker-leads">
                                { if b.leader_of.is_empty() { "leads no partition".to_string() } else { format!("leader of {}", b.leader_of.join(", ")) } }
                            </div>
                            <div class="buttons">
                                if crashed {
                                    { button(b.id, BrokerAction::Restart, "Restart", "start it again; it recovers from its disk") }
                                } else {
                                    { button(b.id, BrokerAction::Crash, "Crash", "the process dies: memory lost, disk kept") }
                                    { button(b.id, BrokerAction::PowerLoss, "Power loss", "the machine dies: unflushed records are lost too") }
                                    { button(b.id, BrokerAction::Pause, "Pause", "a 5 s stop-the-world pause, like a long GC") }
                                    { button(b.id, BrokerAction::Isolate, "Isolate", "cut it off from every other node") }
                                }
                            </div>
                        </div>
                    }
                }) }
            </div>
            <p class="hint">{ "One broker decides everything in this build; the controller quorum comes next." }</p>
        </section>
    }
}
