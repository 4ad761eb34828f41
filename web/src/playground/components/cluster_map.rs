use std::collections::BTreeMap;

use franz_core::types::NodeId;
use franz_core::view::{
    BrokerStatus, BrokerView, ClientRole, ClientView, ControllerDescription, TopicDescription, VoterRole, VoterStatus,
};
use yew::prelude::*;

use crate::playground::state::Flight;

#[derive(Properties, PartialEq)]
pub struct ClusterMapProps {
    pub controller: ControllerDescription,
    pub brokers: Vec<BrokerView>,
    pub topics: Vec<TopicDescription>,
    pub clients: Vec<ClientView>,
    /// Nodes named in a network partition's sides (cut off from the others).
    pub sides: Vec<Vec<NodeId>>,
    pub flights: Vec<Flight>,
}

/// The map's width in SVG units (it scales to the panel).
const WIDTH: f64 = 1000.0;
const CONTROLLER_Y: f64 = 12.0;
const NODE_H: f64 = 40.0;
const BROKERS_Y: f64 = 84.0;
const CHIP_W: f64 = 78.0;
const CHIP_H: f64 = 16.0;
/// Replica chips a broker shows (then "+n more").
const CHIPS_MAX: usize = 12;
/// Clients the map shows (then "+n more").
const CLIENTS_MAX: usize = 10;

/// One replica a broker hosts: its partition, and whether it leads it or is in its ISR.
struct Replica {
    name: String,
    leader: bool,
    in_isr: bool,
    summary: String,
}

/// Each broker's replicas, user topics first (the internal `__consumer_offsets` last).
fn replicas(topics: &[TopicDescription]) -> BTreeMap<NodeId, Vec<Replica>> {
    let mut by_broker: BTreeMap<NodeId, Vec<Replica>> = BTreeMap::new();
    let mut sorted: Vec<&TopicDescription> = topics.iter().collect();
    sorted.sort_by_key(|t| (t.name.starts_with("__"), t.name.clone()));
    for t in sorted {
        for p in &t.partitions {
            let leader = p.leader.map_or(String::from("none"), |l| l.to_string());
            let summary =
                format!("{}-{}: leader {leader}, ISR {:?}, replicas {:?}", t.name, p.partition, p.isr, p.replicas);
            for &r in &p.replicas {
                by_broker.entry(r).or_default().push(Replica {
                    name: format!("{}-{}", t.name, p.partition),
                    leader: p.leader == Some(r),
                    in_isr: p.isr.contains(&r),
                    summary: summary.clone(),
                });
            }
        }
    }
    by_broker
}

/// The x of the centre of slot `i` of `n` across the map.
fn slot_x(i: usize, n: usize) -> f64 {
    WIDTH * (i as f64 + 0.5) / n.max(1) as f64
}

/// A name cut to `chars` characters (with an ellipsis), to fit its node; the full name is in its tooltip.
fn short(name: &str, chars: usize) -> String {
    match name.char_indices().nth(chars.saturating_sub(1)) {
        Some((i, _)) if name.chars().count() > chars => format!("{}…", &name[..i]),
        _ => name.to_string(),
    }
}

fn flight_kind(api: &str) -> &'static str {
    match api {
        "Produce" => "produce",
        "Fetch" | "ListOffsets" => "fetch",
        "Vote" | "AppendEntries" => "raft",
        "JoinGroup" | "SyncGroup" | "Heartbeat" | "LeaveGroup" | "OffsetCommit" | "OffsetFetch" | "FindCoordinator" => {
            "group"
        }
        "Disconnect" => "refused",
        _ => "control",
    }
}

/// A picture of the cluster: the controller quorum (the active controller marked, with its term), the
/// brokers (crashed, fenced, paused or cut off shown) each with the replicas it hosts (★ leads it, dashed:
/// out of the ISR), the clients, and the messages in flight as dots along their links, coloured by kind.
#[function_component(ClusterMap)]
pub fn cluster_map(p: &ClusterMapProps) -> Html {
    let cut: Vec<NodeId> = p.sides.iter().flatten().copied().collect();
    let mut at: BTreeMap<NodeId, (f64, f64)> = BTreeMap::new();
    let voters = &p.controller.voters;
    for (i, v) in voters.iter().enumerate() {
        at.insert(v.id, (slot_x(i, voters.len()), CONTROLLER_Y + NODE_H / 2.0));
    }
    let hosted = replicas(&p.topics);
    let broker_w = (WIDTH / p.brokers.len().max(3) as f64 - 16.0).min(2.0 * CHIP_W + 24.0);
    let per_row = (((broker_w - 8.0) / (CHIP_W + 4.0)).floor() as usize).max(1);
    let chip_rows = |id: NodeId| hosted.get(&id).map_or(0, |r| r.len().min(CHIPS_MAX + 1)).div_ceil(per_row);
    let rows = p.brokers.iter().map(|b| chip_rows(b.id)).max().unwrap_or(0);
    let broker_h = NODE_H + rows as f64 * (CHIP_H + 4.0);
    for (i, b) in p.brokers.iter().enumerate() {
        at.insert(b.id, (slot_x(i, p.brokers.len()), BROKERS_Y + 20.0));
    }
    let clients: Vec<&ClientView> = p.clients.iter().filter(|c| c.role != ClientRole::Admin).collect();
    let shown = clients.len().min(CLIENTS_MAX);
    let clients_y = BROKERS_Y + broker_h + 40.0;
    for (i, c) in clients.iter().take(shown).enumerate() {
        at.insert(c.id, (slot_x(i, shown), clients_y + 13.0));
    }
    let height = clients_y + 34.0;
    let cut_class = |id: NodeId| cut.contains(&id).then_some("cut");

    let controllers = voters.iter().map(|v| {
        let (x, _) = at[&v.id];
        let active = p.controller.leader_id == Some(v.id);
        let crashed = v.state == VoterStatus::Crashed;
        let state = if crashed { String::from("crashed") } else { format!("{} · term {}", v.role, v.term) };
        html! {
            <g class={classes!("map-node", "controller", v.state.name(), v.role.name(), active.then_some("active"), cut_class(v.id))}
               data-testid={format!("map-controller-{}", v.id)} data-active={active.to_string()}>
                <title>{ format!("controller {}: {state}{}", v.id, if active { " (the active controller)" } else { "" }) }</title>
                <rect x={(x - 70.0).to_string()} y={CONTROLLER_Y.to_string()} width="140" height={NODE_H.to_string()} rx="6" />
                <text x={x.to_string()} y={(CONTROLLER_Y + 16.0).to_string()} class="name">
                    { if active { format!("★ controller {}", v.id) } else { format!("controller {}", v.id) } }
                </text>
                <text x={x.to_string()} y={(CONTROLLER_Y + 31.0).to_string()} class="state">{ state }</text>
            </g>
        }
    });
    let brokers = p.brokers.iter().map(|b| {
        let (x, _) = at[&b.id];
        let left = x - broker_w / 2.0;
        let list = hosted.get(&b.id).map(Vec::as_slice).unwrap_or_default();
        let state = match b.paused_until_ms {
            Some(_) => format!("{} · paused", b.state),
            None => b.state.to_string(),
        };
        let chips = list.iter().take(CHIPS_MAX).enumerate().map(|(i, r)| {
            let cx = left + 6.0 + (i % per_row) as f64 * (CHIP_W + 4.0);
            let cy = BROKERS_Y + NODE_H + (i / per_row) as f64 * (CHIP_H + 4.0) - 4.0;
            html! {
                <g class={classes!("replica-chip", r.leader.then_some("leader"), (!r.in_isr).then_some("out-of-isr"))}
                   data-testid={format!("map-replica-{}-{}", r.name, b.id)} data-leader={r.leader.to_string()} data-isr={r.in_isr.to_string()}>
                    <title>{ &r.summary }</title>
                    <rect x={cx.to_string()} y={cy.to_string()} width={CHIP_W.to_string()} height={CHIP_H.to_string()} rx="3" />
                    <text x={(cx + CHIP_W / 2.0).to_string()} y={(cy + 12.0).to_string()}>
                        { if r.leader { format!("★ {}", r.name) } else { r.name.clone() } }
                    </text>
                </g>
            }
        });
        let more = list.len().saturating_sub(CHIPS_MAX);
        html! {
            <g class={classes!("map-node", "broker", b.state.name(), b.paused_until_ms.is_some().then_some("paused"), cut_class(b.id))}
               data-testid={format!("map-broker-{}", b.id)} data-state={b.state.name()}>
                <title>{ format!("broker {}: {state}; leads {}", b.id, if b.leader_of.is_empty() { String::from("nothing") } else { b.leader_of.join(", ") }) }</title>
                <rect x={left.to_string()} y={BROKERS_Y.to_string()} width={broker_w.to_string()} height={broker_h.to_string()} rx="6" />
                <text x={x.to_string()} y={(BROKERS_Y + 16.0).to_string()} class="name">{ format!("broker {}", b.id) }</text>
                <text x={x.to_string()} y={(BROKERS_Y + 30.0).to_string()} class="state">{ state }</text>
                { for chips }
                if more > 0 {
                    <text x={x.to_string()} y={(BROKERS_Y + broker_h - 4.0).to_string()} class="state">{ format!("+{more} more") }</text>
                }
            </g>
        }
    });
    let client_nodes = clients.iter().take(shown).map(|c| {
        let (x, y) = at[&c.id];
        let w = (WIDTH / shown.max(1) as f64 - 12.0).min(150.0);
        html! {
            <g class={classes!("map-node", "client", c.role.name(), cut_class(c.id))} data-testid={format!("map-client-{}", c.id)}>
                <title>{ format!("{} ({})", c.client_id, c.role.name()) }</title>
                <rect x={(x - w / 2.0).to_string()} y={(y - 13.0).to_string()} width={w.to_string()} height="26" rx="13" />
                <text x={x.to_string()} y={(y + 4.0).to_string()} class="name">{ short(&c.client_id, (w / 6.5) as usize) }</text>
            </g>
        }
    });
    let flights = p.flights.iter().filter_map(|f| {
        let ((x1, y1), (x2, y2)) = (*at.get(&f.from)?, *at.get(&f.to)?);
        let (x, y) = (x1 + (x2 - x1) * f.progress, y1 + (y2 - y1) * f.progress);
        Some(html! {
            <circle class={classes!("flight", flight_kind(f.api))} cx={format!("{x:.1}")} cy={format!("{y:.1}")} r="4" data-api={f.api}>
                <title>{ format!("{} {} → {}", f.api, f.from, f.to) }</title>
            </circle>
        })
    });
    let summary = format!(
        "{} controller(s) (active: {}), {} broker(s), {} client(s), {} message(s) in flight",
        voters.len(),
        p.controller.leader_id.map_or(String::from("none"), |c| c.to_string()),
        p.brokers.len(),
        clients.len(),
        p.flights.len()
    );
    let crashed = p.brokers.iter().filter(|b| b.state == BrokerStatus::Crashed).count();
    let candidates = voters.iter().filter(|v| v.role == VoterRole::Candidate).count();
    html! {
        <section class="panel map" data-testid="cluster-map">
            <div class="map-head">
                <h2>{ "Cluster map" }</h2>
                <span class="meta" data-testid="map-summary">{ format!("{summary}{}{}",
                    if crashed > 0 { format!(" · {crashed} broker(s) down") } else { String::new() },
                    if candidates > 0 { " · election under way" } else { "" }) }</span>
            </div>
            <svg class="map-svg" viewBox={format!("0 0 {WIDTH} {height:.0}")} role="img" aria-label={summary.clone()}>
                <title>{ summary }</title>
                { for controllers }
                { for brokers }
                { for client_nodes }
                if clients.len() > shown {
                    <text x={(WIDTH - 4.0).to_string()} y={(clients_y - 6.0).to_string()} class="state more">{ format!("+{} more clients", clients.len() - shown) }</text>
                }
                { for flights }
            </svg>
            <ul class="legend">
                { for ["produce", "fetch", "raft", "group", "control", "refused"].iter().map(|k| html! {
                    <li><svg width="10" height="10"><circle class={classes!("flight", *k)} cx="5" cy="5" r="4" /></svg>{ *k }</li>
                }) }
                <li>{ "★ leader · dashed: out of the ISR · dots: messages in flight (drawn at the speed you run; slow down or Step to watch them)" }</li>
            </ul>
        </section>
    }
}
