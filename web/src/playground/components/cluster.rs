use franz_core::types::NodeId;
use franz_core::view::{BrokerStatus, ControllerDescription, VoterStatus};
use yew::prelude::*;

use crate::playground::shared::Shared;
use crate::playground::state::{BrokerAction, BrokerCard};

#[derive(Properties, PartialEq)]
pub struct ClusterPanelProps {
    pub brokers: Shared<Vec<BrokerCard>>,
    pub controller: ControllerDescription,
    /// Nodes cut off by a network partition (they get Heal rather than Isolate).
    pub cut_off: Vec<NodeId>,
    /// What the last action taken here did.
    pub notice: Html,
    pub on_action: Callback<(NodeId, BrokerAction)>,
    pub on_heal: Callback<()>,
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
            <button class="small" data-testid={format!("{kind}-{id}-{}", label.to_ascii_lowercase().replace(' ', "-"))}
                    title={title.to_string()} onclick={Callback::from(move |_| cb.emit((id, action)))}>{ label }</button>
        }
    };
    let heal = |kind: &str, id: NodeId| {
        let cb = p.on_heal.reform(|_: MouseEvent| ());
        html! {
            <button class="small primary" data-testid={format!("{kind}-{id}-heal")} onclick={cb}
                    title="heal the network: every node reaches every other again">{ "Heal" }</button>
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
            { p.notice.clone() }
            <h3 class="subhead">{ "Controllers (Raft quorum of the metadata log)" }</h3>
            <div class="controllers" data-testid="controllers">
                { for q.voters.iter().map(|v| {
                    let crashed = v.state == VoterStatus::Crashed;
                    let cut = p.cut_off.contains(&v.id);
                    let state = match (crashed, cut) {
                        (true, _) => "crashed".to_string(),
                        (false, true) => format!("isolated · {} · term {}", v.role, v.term),
                        (false, false) => format!("{} · term {}", v.role, v.term),
                    };
                    html! {
                        <div class={classes!("broker", "controller", v.state.name(), v.role.name(), cut.then_some("isolated"))} data-testid={format!("controller-{}", v.id)}>
                            <div class="broker-name">{ format!("controller {}", v.id) }</div>
                            <div class="broker-state" data-testid={format!("controller-{}-state", v.id)}>{ state }</div>
                            <div class="broker-leads">{ format!("committed metadata offset {} · log {} entries", v.committed_offset, v.log_length) }</div>
                            <div class="buttons">
                                if crashed {
                                    { button(v.id, BrokerAction::RestartController, "Restart", "start it again from its Raft log") }
                                } else {
                                    { button(v.id, BrokerAction::CrashController, "Crash", "the controller process dies") }
                                    if cut {
                                        { heal("controller", v.id) }
                                    } else {
                                        { button(v.id, BrokerAction::Isolate, "Isolate", "cut it off from every other node") }
                                    }
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
                    let zombie = b.leads.iter().any(|l| l.zombie.is_some());
                    html! {
                        <div class={classes!("broker", b.state.name(), b.paused_until_ms.is_some().then_some("paused"), b.cut_off.then_some("isolated"))} data-testid={format!("broker-{}", b.id)}>
                            <div class="broker-name">{ format!("broker {}", b.id) }</div>
                            <div class="broker-state" data-testid={format!("broker-{}-state", b.id)}>{ b.status_text() }</div>
                            if let Some(c) = &b.fencing {
                                <div class="countdown" data-testid={format!("broker-{}-fencing", b.id)}
                                     title="the active controller fences a broker it has not heard from for broker.session.timeout.ms">{ c.text() }</div>
                            }
                            <div class="broker-leads" data-testid={format!("broker-{}-leads", b.id)}>
                                if b.leads.is_empty() {
                                    { b.leads_nothing_text() }
                                } else {
                                    { "leader of " }
                                    { for b.leads.iter().enumerate().map(|(i, l)| html! {
                                        <>
                                            if i > 0 { { ", " } }
                                            <span class={classes!(l.zombie.is_some().then_some("zombie"))}
                                                  data-testid={l.zombie.is_some().then(|| format!("zombie-{}-{}", b.id, l.partition))}>{ l.text() }</span>
                                        </>
                                    }) }
                                }
                            </div>
                            if zombie {
                                <div class="hint zombie">{ "It has not heard that the controller moved leadership on: clients that still write to it wait, and its acks=all writes cannot reach the ISR." }</div>
                            }
                            <div class="buttons">
                                if crashed {
                                    { button(b.id, BrokerAction::Restart, "Restart", "start it again; it recovers from its disk") }
                                } else {
                                    { button(b.id, BrokerAction::Stop, "Stop", "kafka-server-stop: a controlled shutdown, leaderships move away first") }
                                    { button(b.id, BrokerAction::Crash, "Crash", "the process dies: memory lost, disk kept") }
                                    { button(b.id, BrokerAction::PowerLoss, "Power loss", "the machine dies: unflushed records are lost too") }
                                    { button(b.id, BrokerAction::Pause, "Pause", "a 5 s stop-the-world pause, like a long GC") }
                                    if b.cut_off {
                                        { heal("broker", b.id) }
                                    } else {
                                        { button(b.id, BrokerAction::Isolate, "Isolate", "cut it off from every other node") }
                                    }
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
