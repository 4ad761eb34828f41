use franz_core::vec_map::VecMap;

use franz_core::sim::network::LossCause;
use franz_core::types::NodeId;
use franz_core::view::{BrokerStatus, ClientRole, ClientView, VoterRole, VoterStatus};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::playground::shared::Shared;
use crate::playground::state::{state_text, Action, Flight, MapAction, MapPartition, MapPicture, MapView, MessageKind};

#[derive(Properties, PartialEq)]
pub struct ClusterMapProps {
    /// The controllers, brokers, clients and replicas of the last refresh.
    pub picture: Shared<MapPicture>,
    /// Messages on their way (they move every frame).
    pub flights: Shared<Vec<Flight>>,
    /// The open menu, the sides being chosen, the kinds drawn, the links cut.
    pub map: MapView,
    /// What the last action taken on the map did.
    pub notice: Html,
    /// A map action, or an item of a node's menu (the broker cards' own actions).
    pub on_action: Callback<Action>,
}

/// The map's width in SVG units (it scales to the panel).
const WIDTH: f64 = 1000.0;
/// ... on a phone: a narrower picture (fewer nodes side by side, more rows) scaled less, so that its text and
/// tap targets keep their size (found by an adversary: at 390 px the wide picture's labels were 4 px high).
const NARROW_WIDTH: f64 = 420.0;
/// The page's width (CSS px) up to which the map takes its narrow picture.
const NARROW_PAGE_PX: f64 = 700.0;
const CONTROLLER_Y: f64 = 12.0;
const NODE_H: f64 = 40.0;
const BROKERS_Y: f64 = 84.0;
const CHIP_W: f64 = 78.0;
const CHIP_H: f64 = 16.0;
/// Replica chips a broker shows (then "+n more").
const CHIPS_MAX: usize = 12;
/// Clients the map shows (then "+n more").
const CLIENTS_MAX: usize = 10;
/// Brokers side by side; more go in further rows (a cluster has up to 64).
const BROKERS_PER_ROW: usize = 16;
/// The space between two rows of brokers.
const BROKER_ROW_GAP: f64 = 14.0;

/// One replica a broker hosts: its partition, and whether it leads it or is in its ISR.
#[derive(PartialEq)]
struct Replica {
    name: String,
    leader: bool,
    in_isr: bool,
    summary: String,
}

/// Each broker's replicas, in the order of the picture's partitions (user topics first, the internal
/// `__consumer_offsets` last: the snapshot's order).
fn replicas(partitions: &[MapPartition]) -> VecMap<NodeId, Vec<Replica>> {
    let mut by_broker: VecMap<NodeId, Vec<Replica>> = VecMap::new();
    for p in partitions {
        let leader = p.leader.map_or(String::from("none"), |l| l.to_string());
        let summary =
            format!("{}-{}: leader {leader}, ISR {:?}, replicas {:?}", p.topic, p.partition, p.isr, p.replicas);
        for &r in &p.replicas {
            by_broker.entry(r).or_default().push(Replica {
                name: format!("{}-{}", p.topic, p.partition),
                leader: p.leader == Some(r),
                in_isr: p.isr.contains(&r),
                summary: summary.clone(),
            });
        }
    }
    by_broker
}

/// The height of the middle of the gap between the controllers' row and the brokers'.
const GAP_Y: f64 = (CONTROLLER_Y + NODE_H + BROKERS_Y) / 2.0;

/// Where each node is drawn (its centre), and the links between them.
#[derive(PartialEq)]
struct Layout(VecMap<NodeId, (f64, f64)>);

impl Layout {
    /// The ends of the link from `a` to `b`, and its control point: its middle (a straight line), unless
    /// other nodes of their row stand between two nodes of one row; then the link arches into the gap between
    /// the controllers' row and the brokers' (the controllers' links a little above the brokers'), so that it
    /// does not run under them.
    fn link(&self, a: NodeId, b: NodeId) -> Option<[(f64, f64); 3]> {
        let (from, to) = (*self.0.get(&a)?, *self.0.get(&b)?);
        let mid = ((from.0 + to.0) / 2.0, (from.1 + to.1) / 2.0);
        let (left, right) = (from.0.min(to.0), from.0.max(to.0));
        let between = self.0.values().any(|&(x, y)| (y - from.1).abs() < 1.0 && x > left + 1.0 && x < right - 1.0);
        let control = match (from.1 - to.1).abs() < 1.0 && between {
            // A quadratic curve passes halfway between its ends' middle and its control point.
            true => (mid.0, 2.0 * (GAP_Y + if from.1 < GAP_Y { -6.0 } else { 6.0 }) - mid.1),
            false => mid,
        };
        Some([from, control, to])
    }

    /// The point `t` of the way along the link from `a` to `b` (0 at `a`, 1 at `b`).
    fn along(&self, a: NodeId, b: NodeId, t: f64) -> Option<(f64, f64)> {
        let [p, c, q] = self.link(a, b)?;
        let u = 1.0 - t;
        Some((u * u * p.0 + 2.0 * u * t * c.0 + t * t * q.0, u * u * p.1 + 2.0 * u * t * c.1 + t * t * q.1))
    }
}

/// The x of the centre of slot `i` of `n` across a map `width` wide.
fn slot_x(width: f64, i: usize, n: usize) -> f64 {
    width * (i as f64 + 0.5) / n.max(1) as f64
}

/// Whether the page is a phone's (the map takes its narrow picture).
fn page_is_narrow() -> bool {
    let width = web_sys::window().and_then(|w| w.inner_width().ok()).and_then(|w| w.as_f64());
    width.is_some_and(|w| w <= NARROW_PAGE_PX)
}

/// A name cut to `chars` characters (with an ellipsis), to fit its node; the full name is in its tooltip.
fn short(name: &str, chars: usize) -> String {
    match name.char_indices().nth(chars.saturating_sub(1)) {
        Some((i, _)) if name.chars().count() > chars => format!("{}…", &name[..i]),
        _ => name.to_string(),
    }
}

/// A name cut to its last `chars` characters (with an ellipsis before): a replica's partition number is at
/// its end.
fn short_tail(name: &str, chars: usize) -> String {
    let count = name.chars().count();
    match count > chars {
        true => format!("…{}", name.chars().skip(count - chars.saturating_sub(1).max(1)).collect::<String>()),
        false => name.to_string(),
    }
}

fn loss_text(cause: LossCause) -> &'static str {
    match cause {
        LossCause::Partition => "lost: the link is cut",
        LossCause::DropRate => "lost: dropped by the network's drop rate",
        LossCause::NodeDown => "lost: its receiver was down",
    }
}

/// What a click, Enter or Space on a node does (its menu, or its side while choosing sides).
fn node_events(id: NodeId, cb: &Callback<Action>) -> (Callback<MouseEvent>, Callback<KeyboardEvent>) {
    let on_click = {
        let cb = cb.clone();
        Callback::from(move |_: MouseEvent| cb.emit(Action::Map(MapAction::Node(id))))
    };
    let on_key = {
        let cb = cb.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                cb.emit(Action::Map(MapAction::Node(id)));
            }
        })
    };
    (on_click, on_key)
}

/// A picture of the cluster: the controller quorum (the active controller marked, with its term), the
/// brokers (crashed, fenced, paused or cut off shown) each with the replicas it hosts (★ leads it, dashed:
/// out of the ISR), the clients, and the messages in flight as dots along their links, coloured by kind
/// (each kind can be hidden); the links a network partition cuts are dashed red with ✂, and messages lost
/// lately show as ✕ where they died. Click a broker or controller (or Tab to it and press Enter) for its
/// actions; "Partition…" lets you click the nodes of side A, then cut the network between the two sides.
/// The picture's geometry and each broker's replicas: computed when a refresh brings a new view or new
/// topics, not every frame.
#[derive(PartialEq)]
struct MapLayout {
    layout: Layout,
    /// The picture's width (`WIDTH`, or `NARROW_WIDTH` on a phone).
    width: f64,
    /// A controller's width.
    controller_w: f64,
    /// Each broker's replicas (the chips it shows).
    hosted: VecMap<NodeId, Vec<Replica>>,
    broker_w: f64,
    broker_h: f64,
    /// A replica chip's width: narrower than `CHIP_W` in narrow brokers.
    chip_w: f64,
    /// Replica chips per row of a broker.
    per_row: usize,
    /// Replica chips a broker shows (then "+n more"): fewer when the brokers take several rows.
    chips_max: usize,
    /// The rows of brokers.
    broker_rows: usize,
    /// The clients drawn (the others are counted), the y of their first row, and a client's width.
    clients_shown: usize,
    clients_y: f64,
    client_w: f64,
    height: f64,
}

impl MapLayout {
    /// The picture of `picture`, `narrow` on a phone: three brokers and three clients side by side rather
    /// than sixteen and ten, and two replica chips across a broker.
    fn new(picture: &MapPicture, narrow: bool) -> MapLayout {
        let width = if narrow { NARROW_WIDTH } else { WIDTH };
        let (brokers_per_row, clients_per_row, clients_max) =
            if narrow { (3, 3, CLIENTS_MAX / 2) } else { (BROKERS_PER_ROW, CLIENTS_MAX, CLIENTS_MAX) };
        let mut at: VecMap<NodeId, (f64, f64)> = VecMap::new();
        let voters = &picture.voters;
        for (i, v) in voters.iter().enumerate() {
            at.insert(v.id, (slot_x(width, i, voters.len()), CONTROLLER_Y + NODE_H / 2.0));
        }
        let controller_w = (width / voters.len().max(1) as f64 - 8.0).min(140.0);
        let hosted = replicas(&picture.partitions);
        let brokers = &picture.brokers;
        let across = brokers.len().clamp(3, brokers_per_row);
        let broker_w = (width / across as f64 - 16.0).min(2.0 * CHIP_W + 24.0);
        let chip_w = if narrow { ((broker_w - 16.0) / 2.0).min(CHIP_W) } else { CHIP_W.min(broker_w - 12.0) };
        let per_row = (((broker_w - 8.0) / (chip_w + 4.0)).floor() as usize).max(1);
        let broker_rows = brokers.len().div_ceil(brokers_per_row).max(1);
        let chips_max = if broker_rows > 1 { (2 * per_row).min(CHIPS_MAX) } else { CHIPS_MAX };
        let chip_rows = |id: NodeId| hosted.get(&id).map_or(0, |r| r.len().min(chips_max + 1)).div_ceil(per_row);
        let rows = brokers.iter().map(|b| chip_rows(b.id)).max().unwrap_or(0);
        let broker_h = NODE_H + rows as f64 * (CHIP_H + 4.0);
        let row_h = broker_h + BROKER_ROW_GAP;
        for (i, b) in brokers.iter().enumerate() {
            let row = i / brokers_per_row;
            let in_row = (brokers.len() - row * brokers_per_row).min(brokers_per_row);
            at.insert(b.id, (slot_x(width, i % brokers_per_row, in_row), BROKERS_Y + row as f64 * row_h + 20.0));
        }
        let clients: Vec<&ClientView> = drawn_clients(picture).collect();
        let clients_shown = clients.len().min(clients_max);
        let clients_y = BROKERS_Y + broker_rows as f64 * row_h - BROKER_ROW_GAP + 40.0;
        const CLIENT_ROW_H: f64 = 34.0;
        for (i, c) in clients.iter().take(clients_shown).enumerate() {
            let row = i / clients_per_row;
            let in_row = (clients_shown - row * clients_per_row).min(clients_per_row);
            let y = clients_y + 13.0 + row as f64 * CLIENT_ROW_H;
            at.insert(c.id, (slot_x(width, i % clients_per_row, in_row), y));
        }
        let client_w = (width / clients_shown.clamp(1, clients_per_row) as f64 - 12.0).min(150.0);
        MapLayout {
            layout: Layout(at),
            width,
            controller_w,
            hosted,
            broker_w,
            broker_h,
            chip_w,
            per_row,
            chips_max,
            broker_rows,
            clients_shown,
            clients_y,
            client_w,
            height: clients_y + CLIENT_ROW_H * clients_shown.div_ceil(clients_per_row).max(1) as f64,
        }
    }
}

/// The clients the map knows of (the admin client is the page's own).
fn drawn_clients(picture: &MapPicture) -> impl Iterator<Item = &ClientView> {
    picture.clients.iter().filter(|c| c.role != ClientRole::Admin)
}

/// A picture of the cluster: the controller quorum (the active controller marked, with its term), the
/// brokers (crashed, fenced, paused or cut off shown) each with the replicas it hosts (★ leads it, dashed:
/// out of the ISR), the clients, and the messages in flight as dots along their links, coloured by kind
/// (each kind can be hidden); the links a network partition cuts are dashed red with ✂, and messages lost
/// lately show as ✕ where they died. Click a broker or controller (or Tab to it and press Enter) for its
/// actions; "Partition…" lets you click the nodes of side A, then cut the network between the two sides.
/// It renders every frame (the messages move); its nodes ([`MapNodes`]) only when a refresh changed them.
#[function_component(ClusterMap)]
pub fn cluster_map(p: &ClusterMapProps) -> Html {
    // A phone's narrow picture, or the wide one: taken again when the window is resized (or turned).
    let narrow = use_state_eq(page_is_narrow);
    {
        let narrow = narrow.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|window| {
                gloo::events::EventListener::new(&window, "resize", move |_| narrow.set(page_is_narrow()))
            });
            move || drop(listener)
        });
    }
    let geometry = use_memo((p.picture.clone(), *narrow), |(picture, narrow)| MapLayout::new(picture, *narrow));
    let geometry = Shared::from_rc(geometry);
    let layout = &geometry.layout;
    let at = &layout.0;
    let voters = &p.picture.voters;
    let clients = drawn_clients(&p.picture).count();
    let height = geometry.height;
    // Each further row of brokers lets the picture grow taller on the page (rather than shrink).
    // (A phone's picture is as tall as it needs: the page scrolls.)
    let svg_style = match *narrow {
        true => String::from("max-height: none"),
        false => format!("max-height: {}px", 340 + 110 * (geometry.broker_rows - 1)),
    };
    let width = geometry.width;
    let choosing = p.map.side_a.as_ref();
    let cut_links = p.map.cut_links.iter().filter_map(|&(a, b)| {
        let [from, (cx, cy), to] = layout.link(a, b)?;
        let (mx, my) = layout.along(a, b, 0.5)?;
        let d = format!("M{:.1} {:.1} Q{cx:.1} {cy:.1} {:.1} {:.1}", from.0, from.1, to.0, to.1);
        Some(html! {
            <g class="cut-link" data-testid="map-cut-link" data-a={a.to_string()} data-b={b.to_string()}>
                <title>{ format!("the link between {a} and {b} is cut: messages between them are lost") }</title>
                <path {d} />
                <text x={format!("{mx:.1}")} y={format!("{:.1}", my + 5.0)}>{ "✂" }</text>
            </g>
        })
    });
    let flights = p.flights.iter().filter_map(|f| {
        let (x, y) = layout.along(f.from, f.to, f.progress)?;
        let refused = (f.api == "Disconnect").then_some("refused");
        Some(match f.lost {
            None => html! {
                <circle class={classes!("flight", f.kind.name(), refused)} cx={format!("{x:.1}")} cy={format!("{y:.1}")} r="4" data-api={f.api} data-kind={f.kind.name()}>
                    <title>{ format!("{} {} → {}", f.api, f.from, f.to) }</title>
                </circle>
            },
            Some(cause) => html! {
                <text class={classes!("lost", f.kind.name())} x={format!("{x:.1}")} y={format!("{:.1}", y + 5.0)} data-testid="map-lost" data-api={f.api} data-kind={f.kind.name()}>
                    <title>{ format!("{} {} → {} {}", f.api, f.from, f.to, loss_text(cause)) }</title>
                    { "✕" }
                </text>
            },
        })
    });
    let in_flight = p.flights.iter().filter(|f| f.lost.is_none()).count();
    let summary = format!(
        "{} controller(s) (active: {}), {} broker(s), {} client(s), {} message(s) in flight",
        voters.len(),
        p.picture.leader_id.map_or(String::from("none"), |c| c.to_string()),
        p.picture.brokers.len(),
        clients,
        in_flight
    );
    let crashed = p.picture.brokers.iter().filter(|b| b.state == BrokerStatus::Crashed).count();
    let candidates = voters.iter().filter(|v| v.role == VoterRole::Candidate).count();
    let lost = p.flights.len() - in_flight;
    let head = format!(
        "{summary}{}{}{}",
        if crashed > 0 { format!(" · {crashed} broker(s) down") } else { String::new() },
        if candidates > 0 { " · election under way" } else { "" },
        if lost > 0 { format!(" · {lost} lost lately (✕)") } else { String::new() }
    );
    let emit = |action: Action| {
        let cb = p.on_action.clone();
        Callback::from(move |_: MouseEvent| cb.emit(action.clone()))
    };
    // The open menu, beside its node (in % of the picture, so that it follows the picture's scale).
    let menu = p.map.menu.as_ref().and_then(|(id, items)| {
        let (x, y) = *at.get(id)?;
        // A node's centre is 20 below its top (a broker's name row), and its menu hangs below its header.
        let bottom =
            if *id >= franz_core::sim::FIRST_CONTROLLER_ID { CONTROLLER_Y + NODE_H } else { y - 20.0 + NODE_H };
        let style = format!(
            "left: clamp(70px, {:.2}%, calc(100% - 70px)); top: {:.2}%;",
            x / width * 100.0,
            bottom / height * 100.0
        );
        let name = if *id >= franz_core::sim::FIRST_CONTROLLER_ID {
            format!("controller {id}")
        } else {
            format!("broker {id}")
        };
        let node = if *id >= franz_core::sim::FIRST_CONTROLLER_ID {
            format!("map-controller-{id}")
        } else {
            format!("map-broker-{id}")
        };
        Some(html! {
            <MapMenu {name} {node} {style} items={items.clone()} on_action={p.on_action.clone()} />
        })
    });
    html! {
        <section class="panel map" data-testid="cluster-map">
            <div class="map-head">
                <h2>{ "Cluster map" }</h2>
                <span class="meta" data-testid="map-summary" title={head.clone()}>{ head }</span>
                <span class="map-tools">
                    if choosing.is_none() {
                        <button class="small" data-testid="map-partition" onclick={emit(Action::Map(MapAction::ChooseSides(true)))}
                                title="choose the nodes of side A on the map, then cut the network between the two sides">{ "Partition…" }</button>
                    }
                    if !p.picture.sides.is_empty() {
                        <button class="small primary" data-testid="map-heal" onclick={emit(Action::Map(MapAction::Heal))}
                                title="heal the network: every node reaches every other again">{ "Heal" }</button>
                    }
                </span>
            </div>
            { p.notice.clone() }
            if let Some(side_a) = choosing {
                <div class="map-sides" data-testid="map-sides">
                    <span>{ if side_a.is_empty() {
                        String::from("Click the brokers and controllers for side A. Every other node, the clients too, stays on side B.")
                    } else {
                        format!("Side A: {}. Side B: every other node, the clients too.",
                            side_a.iter().map(|id| id.to_string()).collect::<Vec<_>>().join(", "))
                    } }</span>
                </div>
            }
            <div class="map-stage">
                <svg class="map-svg" style={svg_style.clone()} viewBox={format!("0 0 {width} {height:.0}")} role="group" aria-label={summary.clone()}>
                    <title>{ summary }</title>
                    // Links under the nodes; each layer always there, however often it empties.
                    <g class="links">{ for cut_links }</g>
                    <MapNodes picture={p.picture.clone()} geometry={geometry.clone()} menu={p.map.menu.as_ref().map(|(id, _)| *id)}
                              side_a={p.map.side_a.clone()} on_action={p.on_action.clone()} />
                </svg>
                // The messages move every frame: drawn over the picture in a picture of their own, so that
                // the nodes' picture is left as it is between refreshes.
                <svg class="map-svg map-flights" style={svg_style} viewBox={format!("0 0 {width} {height:.0}")} aria-hidden="true">
                    <g class="flights">{ for flights }</g>
                </svg>
                { for menu }
            </div>
            // Under the map, after its nodes: Tab reaches Cut once the sides are chosen (adversary 40).
            if let Some(side_a) = choosing {
                <div class="map-sides map-sides-actions">
                    <button class="small danger" data-testid="map-cut" disabled={side_a.is_empty()} onclick={emit(Action::Map(MapAction::Cut))}
                            title="partition the network: messages between the two sides are lost">{ "✂ Cut" }</button>
                    <button class="small" data-testid="map-partition-cancel" onclick={emit(Action::Map(MapAction::ChooseSides(false)))}>{ "Cancel" }</button>
                </div>
            }
            <fieldset class="map-filter" data-testid="map-filter">
                <legend>{ "Messages drawn" }</legend>
                { for MessageKind::ALL.iter().map(|&k| {
                    let cb = p.on_action.clone();
                    let on = p.map.shown.contains(&k);
                    let onchange = Callback::from(move |_: Event| cb.emit(Action::Map(MapAction::Show(k, !on))));
                    html! {
                        <label>
                            <input type="checkbox" data-testid={format!("map-filter-{}", k.name())} checked={on} {onchange} />
                            <svg width="10" height="10" aria-hidden="true"><circle class={classes!("flight", k.name())} cx="5" cy="5" r="4" /></svg>
                            { k.label() }
                        </label>
                    }
                }) }
            </fieldset>
            <p class="legend meta">{ "★ leader · dashed: out of the ISR · dots: messages in flight (drawn at the speed you run; slow down or Step to watch them) · ✕ lost · click a node for its actions" }</p>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct MapNodesProps {
    picture: Shared<MapPicture>,
    geometry: Shared<MapLayout>,
    /// The node whose menu is open.
    menu: Option<NodeId>,
    /// While choosing sides: the nodes on side A.
    side_a: Option<Vec<NodeId>>,
    on_action: Callback<Action>,
}

/// The map's nodes: controllers, brokers with their replicas, clients.
#[function_component(MapNodes)]
fn map_nodes(p: &MapNodesProps) -> Html {
    let g = &*p.geometry;
    let at = &g.layout.0;
    let (broker_w, broker_h, chip_w, per_row, chips_max, shown, clients_y) =
        (g.broker_w, g.broker_h, g.chip_w, g.per_row, g.chips_max, g.clients_shown, g.clients_y);
    let controller_w = g.controller_w;
    let hosted = &g.hosted;
    let voters = &p.picture.voters;
    let cut: Vec<NodeId> = p.picture.sides.iter().flatten().copied().collect();
    let clients: Vec<&ClientView> = drawn_clients(&p.picture).collect();
    let cut_class = |id: NodeId| cut.contains(&id).then_some("cut");
    let choosing = p.side_a.as_ref();
    // While choosing sides: which side each broker and controller is on.
    let side = |id: NodeId| choosing.map(|a| if a.contains(&id) { "a" } else { "b" });
    let menu_open = |id: NodeId| p.menu == Some(id);

    let controllers = voters.iter().map(|v| {
        let (x, _) = at[&v.id];
        let active = p.picture.leader_id == Some(v.id);
        let crashed = v.state == VoterStatus::Crashed;
        // As the Cluster panel says it (adversary 51: the map left "isolated" out).
        let state = match (crashed, cut.contains(&v.id)) {
            (true, _) => String::from("crashed"),
            (false, true) => format!("isolated · {} · term {}", v.role, v.term),
            (false, false) => format!("{} · term {}", v.role, v.term),
        };
        let (onclick, onkeydown) = node_events(v.id, &p.on_action);
        let what = format!("controller {}: {state}{}", v.id, if active { " (the active controller)" } else { "" });
        let label = match side(v.id) {
            Some(s) => format!("{what}. Side {}: press Enter to move it to the other side", s.to_ascii_uppercase()),
            None => format!("{what}. Press Enter for its actions"),
        };
        html! {
            <g class={classes!("map-node", "controller", v.state.name(), v.role.name(), active.then_some("active"), cut_class(v.id), side(v.id).map(|s| format!("side-{s}")))}
               data-testid={format!("map-controller-{}", v.id)} data-active={active.to_string()} data-side={side(v.id)}
               tabindex="0" role="button" aria-label={label} aria-haspopup={choosing.is_none().then_some("menu")}
               aria-expanded={choosing.is_none().then(|| menu_open(v.id).to_string())} {onclick} {onkeydown}>
                <title>{ what }</title>
                <rect x={(x - controller_w / 2.0).to_string()} y={CONTROLLER_Y.to_string()} width={controller_w.to_string()} height={NODE_H.to_string()} rx="6" />
                <text x={x.to_string()} y={(CONTROLLER_Y + 16.0).to_string()} class="name">
                    { match (active, controller_w < 112.0) {
                        (true, false) => format!("★ controller {}", v.id),
                        (false, false) => format!("controller {}", v.id),
                        (true, true) => format!("★ {}", v.id),
                        (false, true) => v.id.to_string(),
                    } }
                </text>
                <text x={x.to_string()} y={(CONTROLLER_Y + 31.0).to_string()} class="state">{ short(&state, (controller_w / 5.5) as usize) }</text>
            </g>
        }
    });
    let brokers = p.picture.brokers.iter().map(|b| {
        let (x, y) = at[&b.id];
        let (left, top) = (x - broker_w / 2.0, y - 20.0);
        let list = hosted.get(&b.id).map(Vec::as_slice).unwrap_or_default();
        let state = match b.paused_until_ms {
            Some(_) => format!("{} · paused", b.state),
            None => state_text(b.state, b.stopped),
        };
        let chips = list.iter().take(chips_max).enumerate().map(|(i, r)| {
            let cx = left + 6.0 + (i % per_row) as f64 * (chip_w + 4.0);
            let cy = top + NODE_H + (i / per_row) as f64 * (CHIP_H + 4.0) - 4.0;
            let name = short_tail(&r.name, ((chip_w / 6.5) as usize).saturating_sub(usize::from(r.leader)));
            let name = if r.leader { format!("★ {name}") } else { name };
            html! {
                <g class={classes!("replica-chip", r.leader.then_some("leader"), (!r.in_isr).then_some("out-of-isr"))}
                   data-testid={format!("map-replica-{}-{}", r.name, b.id)} data-leader={r.leader.to_string()} data-isr={r.in_isr.to_string()}>
                    <title>{ &r.summary }</title>
                    <rect x={cx.to_string()} y={cy.to_string()} width={chip_w.to_string()} height={CHIP_H.to_string()} rx="3" />
                    <text x={(cx + chip_w / 2.0).to_string()} y={(cy + 12.0).to_string()}>
                        { name }
                    </text>
                </g>
            }
        });
        let more = list.len().saturating_sub(chips_max);
        let (onclick, onkeydown) = node_events(b.id, &p.on_action);
        // What it leads as the controller decided (the chips' stars); what it still believes it leads beyond
        // that, cut off from the news, is a zombie's (found by an adversary: the label named the zombie).
        let leads: Vec<&str> = list.iter().filter(|r| r.leader).map(|r| r.name.as_str()).collect();
        let mut what = match leads.is_empty() {
            true => format!("broker {}: {state}; leads nothing", b.id),
            false => format!("broker {}: {state}; leads {}", b.id, leads.join(", ")),
        };
        let zombie: Vec<&str> = b.leader_of.iter().map(String::as_str).filter(|n| !leads.contains(n)).collect();
        if b.state != BrokerStatus::Crashed && !zombie.is_empty() {
            what.push_str(&format!(
                "; still believes it leads {} (a zombie leader: the controller moved leadership on)",
                zombie.join(", ")
            ));
        }
        let label = match side(b.id) {
            Some(s) => format!("{what}. Side {}: press Enter to move it to the other side", s.to_ascii_uppercase()),
            None => format!("{what}. Press Enter for its actions"),
        };
        html! {
            <g class={classes!("map-node", "broker", b.state.name(), b.paused_until_ms.is_some().then_some("paused"), cut_class(b.id), side(b.id).map(|s| format!("side-{s}")))}
               data-testid={format!("map-broker-{}", b.id)} data-state={b.state.name()} data-side={side(b.id)}
               tabindex="0" role="button" aria-label={label} aria-haspopup={choosing.is_none().then_some("menu")}
               aria-expanded={choosing.is_none().then(|| menu_open(b.id).to_string())} {onclick} {onkeydown}>
                <title>{ what }</title>
                <rect x={left.to_string()} y={top.to_string()} width={broker_w.to_string()} height={broker_h.to_string()} rx="6" />
                <text x={x.to_string()} y={(top + 16.0).to_string()} class="name">
                    { if broker_w < 60.0 { b.id.to_string() } else { format!("broker {}", b.id) } }
                </text>
                <text x={x.to_string()} y={(top + 30.0).to_string()} class="state">{ short(&state, (broker_w / 5.5) as usize) }</text>
                { for chips }
                if more > 0 {
                    <text x={x.to_string()} y={(top + broker_h - 4.0).to_string()} class="state">
                        { if broker_w < 60.0 { format!("+{more}") } else { format!("+{more} more") } }
                    </text>
                }
            </g>
        }
    });
    let client_nodes = clients.iter().take(shown).map(|c| {
        let (x, y) = at[&c.id];
        let w = g.client_w;
        html! {
            <g class={classes!("map-node", "client", c.role.name(), cut_class(c.id), choosing.map(|_| "side-b"))} data-testid={format!("map-client-{}", c.id)}>
                <title>{ format!("{} ({})", c.client_id, c.role.name()) }</title>
                <rect x={(x - w / 2.0).to_string()} y={(y - 13.0).to_string()} width={w.to_string()} height="26" rx="13" />
                // (Its name's end tells it apart: "…group-member-2", "…acks-all-idempotent"; found by an adversary,
                // every member read "playground-g…".)
                <text x={x.to_string()} y={(y + 4.0).to_string()} class="name">{ short_tail(&c.client_id, (w / 6.5) as usize) }</text>
            </g>
        }
    });
    html! {
        <g class="nodes">
            { for controllers }
            { for brokers }
            { for client_nodes }
            if clients.len() > shown {
                <text x={(g.width - 4.0).to_string()} y={(clients_y - 6.0).to_string()} class="state more">{ format!("+{} more clients", clients.len() - shown) }</text>
            }
        </g>
    }
}

#[derive(Properties, PartialEq)]
struct MapMenuProps {
    /// "broker 2".
    name: String,
    /// The `data-testid` of the node it belongs to, which takes the focus back when it closes.
    node: String,
    /// Where it shows, over the picture.
    style: String,
    items: Vec<crate::playground::state::MenuItem>,
    on_action: Callback<Action>,
}

/// A node's actions, next to it: its first item takes the focus (so that Enter on a node, then Enter,
/// crashes it), ↑ and ↓ move between items, Escape or a click elsewhere closes it.
#[function_component(MapMenu)]
fn map_menu(p: &MapMenuProps) -> Html {
    let menu = use_node_ref();
    {
        let menu = menu.clone();
        use_effect_with(p.node.clone(), move |node| {
            let first = menu.cast::<web_sys::Element>().and_then(|m| m.query_selector("button").ok().flatten());
            if let Some(button) = first.and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = button.focus();
            }
            // Closed (an item chosen, Escape): the focus goes back to its node, not to the page's start,
            // unless the user moved it elsewhere meanwhile.
            // (Once the page is drawn again: the node may be drawn anew.)
            let node = node.clone();
            move || {
                gloo::timers::callback::Timeout::new(0, move || {
                    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
                    let body: Option<web_sys::Element> = document.body().map(Into::into);
                    let lost = document.active_element().is_none_or(|a| Some(&a) == body.as_ref());
                    let node = document.query_selector(&format!("[data-testid=\"{node}\"]")).ok().flatten();
                    if let Some(node) = node.filter(|_| lost).and_then(|n| n.dyn_into::<web_sys::SvgElement>().ok()) {
                        let _ = node.focus();
                    }
                })
                .forget();
            }
        });
    }
    let onkeydown = {
        let menu = menu.clone();
        Callback::from(move |e: KeyboardEvent| {
            let step: i32 = match e.key().as_str() {
                "ArrowDown" => 1,
                "ArrowUp" => -1,
                _ => return,
            };
            e.prevent_default();
            let Some(m) = menu.cast::<web_sys::Element>() else { return };
            let Ok(buttons) = m.query_selector_all("button") else { return };
            let n = buttons.length() as i32;
            let focused = web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element());
            let at =
                (0..n).find(|&i| buttons.item(i as u32).map(|b| b.unchecked_into::<web_sys::Element>()) == focused);
            let next = at.map_or(0, |i| (i + step).rem_euclid(n));
            if let Some(b) = buttons.item(next as u32).and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = b.focus();
            }
        })
    };
    // Tab out of it closes it, as a click elsewhere does: left open, it covered what had the focus, and
    // Escape there (a checkbox) was the control's own (found by an adversary). A focus lost to no element
    // (another window) keeps it.
    let onfocusout = {
        let (menu, on_action) = (menu.clone(), p.on_action.clone());
        Callback::from(move |e: FocusEvent| {
            let to = e.related_target().and_then(|t| t.dyn_into::<web_sys::Node>().ok());
            let inside = menu.cast::<web_sys::Element>().is_some_and(|m| m.contains(to.as_ref()));
            if to.is_some() && !inside {
                on_action.emit(Action::Map(MapAction::CloseMenu));
            }
        })
    };
    html! {
        <div class="map-actions" role="menu" data-testid="map-actions" aria-label={format!("actions on {}", p.name)}
             style={p.style.clone()} ref={menu} {onkeydown} {onfocusout}>
            <div class="map-actions-title">{ &p.name }</div>
            { for p.items.iter().map(|item| {
                let (cb, action) = (p.on_action.clone(), item.action.clone());
                html! {
                    <button class="small" role="menuitem" data-testid={item.testid()} title={item.title}
                            onclick={Callback::from(move |_: MouseEvent| cb.emit(action.clone()))}>{ item.label }</button>
                }
            }) }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::{short_tail, MapLayout, NARROW_WIDTH, WIDTH};
    use crate::playground::state::{Action, BrokerAction, Playground, TopicAction};

    /// A free-play cluster of 9 brokers with a topic of 12 partitions, run for `ms`.
    fn nine_brokers() -> Playground {
        let mut p = Playground::from_fragment("#play");
        for _ in 0..6 {
            p.reduce(Action::Broker(0, BrokerAction::AddBroker));
        }
        let (name, partitions, replication_factor, config) = ("orders".into(), 12, Some(3), String::new());
        p.reduce(Action::Topic(TopicAction::Create { name, partitions, replication_factor, config }));
        let mut t = 0.0;
        for _ in 0..100 {
            p.reduce(Action::Frame(t));
            t += 50.0;
        }
        p
    }

    /// Found by an adversary: on a phone the wide picture, scaled to 360 px, had 4 px labels and 14 px nodes.
    #[test]
    fn on_a_phone_the_map_is_narrower_and_its_nodes_keep_their_size() {
        let p = nine_brokers();
        let picture = p.snapshot().map;
        assert_eq!(picture.brokers.len(), 9);
        let wide = MapLayout::new(&picture, false);
        let narrow = MapLayout::new(&picture, true);
        assert_eq!((wide.width, wide.broker_rows), (WIDTH, 1));
        assert_eq!((narrow.width, narrow.broker_rows), (NARROW_WIDTH, 3));
        // At 360 px (a phone's panel) a narrow broker is wider than a 44 px tap target, and its chips still
        // show a partition's name.
        let scale = 360.0 / narrow.width;
        assert!(narrow.broker_w * scale >= 44.0 && narrow.chip_w * scale >= 40.0, "{}", narrow.broker_w);
        assert!(narrow.controller_w * scale >= 44.0);
        // Every node inside the picture; no two brokers of a row overlap.
        let at = &narrow.layout.0;
        for b in &picture.brokers {
            let (x, _) = at[&b.id];
            assert!(x - narrow.broker_w / 2.0 >= 0.0 && x + narrow.broker_w / 2.0 <= narrow.width, "broker {}", b.id);
            for o in picture.brokers.iter().filter(|o| o.id != b.id) {
                let (ox, oy) = at[&o.id];
                if (oy - at[&b.id].1).abs() < 1.0 {
                    assert!((ox - x).abs() >= narrow.broker_w, "brokers {} and {} overlap", b.id, o.id);
                }
            }
        }
        for v in &picture.voters {
            let (x, _) = at[&v.id];
            assert!(x - narrow.controller_w / 2.0 >= 0.0 && x + narrow.controller_w / 2.0 <= narrow.width);
        }
        assert!(narrow.height > wide.height, "the narrow picture grows down, not smaller");
    }

    #[test]
    fn a_narrow_chip_keeps_the_partition_number() {
        assert_eq!(short_tail("orders-0", 12), "orders-0");
        assert_eq!(short_tail("wide-127", 5), "…-127");
        assert_eq!(short_tail("wide-127", 4), "…127");
        assert_eq!(short_tail("wide-127", 0), "…7");
    }
}
