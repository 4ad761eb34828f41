use franz_core::types::NodeId;
use franz_core::view::{BrokerStatus, BrokerView, ControllerDescription, VoterStatus};
use yew::prelude::*;

use crate::playground::format::ms;
use crate::playground::state::BrokerAction;

#[derive(Properties, PartialEq)]
pub struct ClusterPanelProps {
    pub brokers: Vec<BrokerView>,
    pub controller: ControllerDescription,
    pub on_action: Callback<(NodeId, BrokerAction)>,
}

#[function_component(ClusterPanel)]
pub fn cluster_panel(p: &ClusterPanelProps) -> Html {
    let button = |id: NodeId, action: BrokerAction, label: &str, title: &str| {
        let cb = p.on_action.clone();
        let kind = if matches!(action, BrokerAction::CrashController | BrokerAction::RestartController)
            || id >= franz_core::sim::FIRST_CONTROLLER_ID
        {
            "controller"
        } else {
            "broker"
        };
        html! {
            <button class="small" data-testid={format!("{kind}-{id}-{}", label.to_lowercase().replace(' ', "-"))}
                    title={title.to_string()} onclick={Callback::from(move |_| cb.emit((id, action)))}>{ label }</button>
        }
    };
    let add = {
        let cb = p.on_action.clone();
        Callback::from(move |_| cb.emit((0, BrokerAction::AddBroker)))
    };
    let q = &p.controller;
    html! {
        <section class="panel cluster" data-testid="cluster">
            <h2>{ "Cluster" }</h2>
            <h3 class="subhead">{ "Controllers (Raft quorum of the metadata log)" }</h3>
            <div class="controllers" data-testid="controllers">
                { for q.voters.iter().map(|v| {
                    let crashed = v.state == VoterStatus::Crashed;
                    html! {
                        <div class={classes!("broker", "controller", v.state.name(), v.role.name())} data-testid={format!("controller-{}", v.id)}>
                            <div class="broker-name">{ format!("controller {}", v.id) }</div>
                            <div class="broker-state" data-testid={format!("controller-{}-state", v.id)}>
                                { if crashed { "crashed".to_string() } else { format!("{} · term {}", v.role, v.term) } }
                            </div>
                            <div class="broker-leads">{ format!("committed metadata offset {} · log {} entries", v.committed_offset, v.log_length) }</div>
                            <div class="buttons">
                                if crashed {
                                    { button(v.id, BrokerAction::RestartController, "Restart", "start it again from its Raft log") }
                                } else {
                                    { button(v.id, BrokerAction::CrashController, "Crash", "the controller process dies") }
                                    { button(v.id, BrokerAction::Isolate, "Isolate", "cut it off from every other node") }
                                }
                            </div>
                        </div>
                    }
                }) }
                <p class="hint" data-testid="quorum">{ match q.leader_id {
                    Some(id) => format!("active controller: {id} (term {})", q.term),
                    None => "no active controller: an election is under way, or the quorum is lost".to_string(),
                } }</p>
            </div>
            <h3 class="subhead">{ "Brokers" }</h3>
            <div class="brokers">
                { for p.brokers.iter().map(|b| {
                    let crashed = b.state == BrokerStatus::Crashed;
                    html! {
                        <div class={classes!("broker", b.state.name(), b.paused_until_ms.is_some().then_some("paused"))} data-testid={format!("broker-{}", b.id)}>
                            <div class="broker-name">{ format!("broker {}", b.id) }</div>
                            <div class="broker-state" data-testid={format!("broker-{}-state", b.id)}>
                                { match b.paused_until_ms { Some(t) => format!("{} · paused until {}", b.state, ms(t)), None => b.state.to_string() } }
                            </div>
                            <div class="broker-leads">
                                { if b.leader_of.is_empty() { "leads no partition".to_string() } else { format!("leader of {}", b.leader_of.join(", ")) } }
                            </div>
                            <div class="buttons">
                                if crashed {
                                    { button(b.id, BrokerAction::Restart, "Restart", "start it again; it recovers from its disk") }
                                } else {
                                    { button(b.id, BrokerAction::Stop, "Stop", "kafka-server-stop: a controlled shutdown, leaderships move away first") }
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
            <button class="small" data-testid="add-broker" onclick={add} title="a new broker joins with the next free id">{ "+ broker" }</button>
        </section>
    }
}
