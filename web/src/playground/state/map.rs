//! The cluster map's own state: the node whose action menu is open (and the actions that make sense for
//! it), the sides the user is choosing for a network partition, the kinds of message the map draws, the
//! messages the network lost (drawn where they died); and the page's keyboard shortcuts.
//!
//! The menu's items are the broker cards' own actions (`Action::Broker`, `Action::HealNetwork`), so what
//! they do, the notice they post and how they fork a past or a lesson are the cards'; only the notice shows
//! on the map, where the user clicked. Cutting the network is the world's `partitionNetwork` scenario action,
//! so a share link or a replay cuts it again.

use std::collections::BTreeSet;

use franz_core::sim::network::LossCause;
use franz_core::sim::FIRST_CONTROLLER_ID;
use franz_core::types::NodeId;
use franz_core::view::{BrokerView, ClientView, ClusterView, TopicDescription, VoterRole, VoterStatus};

use super::{Action, BrokerAction, Flight, Outcome, Playground};

/// Lost messages stay on the map for about this much wall time (at the speed chosen).
const LOST_SHOWN_WALL_MS: f64 = 1_000.0;
/// ... and never for less than this much virtual time (a slow run, a step).
const LOST_SHOWN_MS_MIN: u64 = 200;

/// What the user does on the map.
#[derive(Clone, PartialEq, Debug)]
pub enum MapAction {
    /// A node clicked (or Enter / Space on it): its action menu opens (or closes); while choosing sides,
    /// it moves to side A or back to side B.
    Node(NodeId),
    /// Escape, or a click elsewhere.
    CloseMenu,
    /// Start choosing the sides of a partition (`true`), or give up (`false`).
    ChooseSides(bool),
    /// Cut the network between the nodes chosen (side A) and the others (side B).
    Cut,
    /// Heal the network (as the Network panel's Heal does).
    Heal,
    /// Draw this kind of message, or not.
    Show(MessageKind, bool),
}

impl MapAction {
    /// Whether it acts on the world (and posts a notice); the others only change what the map shows.
    pub(super) fn changes_world(&self) -> bool {
        matches!(self, MapAction::Cut | MapAction::Heal)
    }
}

/// The kinds of message the map tells apart (by colour) and filters.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum MessageKind {
    Produce,
    /// A consumer's fetch (and its ListOffsets).
    Fetch,
    /// A follower fetching from its leader.
    ReplicaFetch,
    /// Brokers' heartbeats to the controller, and group members' to their coordinator.
    Heartbeat,
    /// Joining, syncing, leaving a group; committing and fetching offsets; finding the coordinator.
    Group,
    /// The controllers' Raft: votes and AppendEntries (the metadata log).
    Raft,
    /// Metadata, registrations, ISR changes, admin requests, refused connections.
    Other,
}

impl MessageKind {
    pub const ALL: [MessageKind; 7] = [
        MessageKind::Produce,
        MessageKind::Fetch,
        MessageKind::ReplicaFetch,
        MessageKind::Heartbeat,
        MessageKind::Group,
        MessageKind::Raft,
        MessageKind::Other,
    ];

    /// Its CSS class and test name.
    pub fn name(self) -> &'static str {
        match self {
            MessageKind::Produce => "produce",
            MessageKind::Fetch => "fetch",
            MessageKind::ReplicaFetch => "replica-fetch",
            MessageKind::Heartbeat => "heartbeat",
            MessageKind::Group => "group",
            MessageKind::Raft => "raft",
            MessageKind::Other => "other",
        }
    }

    /// Its name beside its checkbox.
    pub fn label(self) -> &'static str {
        match self {
            MessageKind::Produce => "Produce",
            MessageKind::Fetch => "Fetch",
            MessageKind::ReplicaFetch => "replica fetch",
            MessageKind::Heartbeat => "heartbeats",
            MessageKind::Group => "group",
            MessageKind::Raft => "Raft",
            MessageKind::Other => "metadata & other",
        }
    }

    /// The kind of a message of Kafka's API `api` from `from` to `to` (a fetch between two brokers is a
    /// follower's).
    pub fn of(api: &str, from: NodeId, to: NodeId, brokers: &[NodeId]) -> MessageKind {
        match api {
            "Produce" | "InitProducerId" => MessageKind::Produce,
            "Fetch" if brokers.contains(&from) && brokers.contains(&to) => MessageKind::ReplicaFetch,
            "Fetch" | "ListOffsets" => MessageKind::Fetch,
            "BrokerHeartbeat" | "Heartbeat" => MessageKind::Heartbeat,
            "JoinGroup" | "SyncGroup" | "LeaveGroup" | "OffsetCommit" | "OffsetFetch" | "FindCoordinator" => {
                MessageKind::Group
            }
            "Vote" | "AppendEntries" => MessageKind::Raft,
            _ => MessageKind::Other,
        }
    }
}

/// One action in a node's menu.
#[derive(Clone, PartialEq, Debug)]
pub struct MenuItem {
    pub label: &'static str,
    /// What it does, in a few words (the button's tooltip).
    pub title: &'static str,
    pub action: Action,
}

impl MenuItem {
    /// Its test name: `map-action-power-loss`.
    pub fn testid(&self) -> String {
        format!("map-action-{}", self.label.to_ascii_lowercase().replace(' ', "-"))
    }
}

/// What the map shows beside the world: the open menu, the sides being chosen, the kinds drawn, the cut.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct MapView {
    /// The node whose menu is open, and its items.
    pub menu: Option<(NodeId, Vec<MenuItem>)>,
    /// While choosing sides: the nodes on side A (every other node is on side B).
    pub side_a: Option<Vec<NodeId>>,
    /// The kinds of message drawn.
    pub shown: Vec<MessageKind>,
    /// The links a network partition cuts (between two brokers or controllers, or a client and a broker).
    pub cut_links: Vec<(NodeId, NodeId)>,
}

/// What the map's nodes show, taken at a refresh: only what changes the picture (not offsets or counters,
/// which change at every refresh while time runs), so that the nodes are drawn again only when a node, a
/// leader or an ISR changed.
#[derive(Clone, PartialEq, Debug)]
pub struct MapPicture {
    /// The active controller.
    pub leader_id: Option<NodeId>,
    pub voters: Vec<MapVoter>,
    pub brokers: Vec<BrokerView>,
    pub clients: Vec<ClientView>,
    /// Nodes named in a network partition's sides (cut off from the others).
    pub sides: Vec<Vec<NodeId>>,
    /// Every partition, in the page's order of topics (the user's, then the internal ones).
    pub partitions: Vec<MapPartition>,
}

#[derive(Clone, PartialEq, Debug)]
pub struct MapVoter {
    pub id: NodeId,
    pub state: VoterStatus,
    pub role: VoterRole,
    pub term: u64,
}

/// A partition as the map shows it: on which brokers, led by which, with which in its ISR.
#[derive(Clone, PartialEq, Debug)]
pub struct MapPartition {
    pub topic: String,
    pub partition: u32,
    pub leader: Option<NodeId>,
    pub replicas: Vec<NodeId>,
    pub isr: Vec<NodeId>,
}

impl MapPicture {
    /// `topics` in the page's order (`Snapshot::topics`).
    pub fn new(view: &ClusterView, topics: &[TopicDescription]) -> MapPicture {
        let c = &view.controller;
        MapPicture {
            leader_id: c.leader_id,
            voters: c
                .voters
                .iter()
                .map(|v| MapVoter { id: v.id, state: v.state, role: v.role, term: v.term })
                .collect(),
            brokers: view.brokers.clone(),
            clients: view.clients.clone(),
            sides: view.network.sides.clone(),
            partitions: topics
                .iter()
                .flat_map(|t| {
                    t.partitions.iter().map(|p| MapPartition {
                        topic: t.name.clone(),
                        partition: p.partition,
                        leader: p.leader,
                        replicas: p.replicas.clone(),
                        isr: p.isr.clone(),
                    })
                })
                .collect(),
        }
    }
}

/// The map's part of the playground's state.
#[derive(Clone, PartialEq, Debug, Default)]
pub(super) struct MapState {
    menu: Option<NodeId>,
    side_a: Option<Vec<NodeId>>,
    hidden: BTreeSet<MessageKind>,
}

/// Every shortcut of the page: the key as the help shows it, and what it does.
pub const SHORTCUTS: [(&str, &str); 6] = [
    ("Space", "play or pause (a lesson not begun yet: its first step)"),
    ("←", "go to the previous mark on the timeline"),
    ("→", "go to the next mark (past the last one: back to now)"),
    (".", "run the next event (step), and pause"),
    ("?", "show or hide this list"),
    ("Esc", "close a menu, this list, or choosing sides"),
];

/// The keys [`Playground::shortcut`] reads, as the browser names them.
pub const SHORTCUT_KEYS: [&str; 6] = [" ", "ArrowLeft", "ArrowRight", ".", "?", "Escape"];

impl Playground {
    /// What the map shows beside the world.
    pub fn map_view(&self) -> MapView {
        MapView {
            menu: self.map.menu.and_then(|id| self.node_menu(id).map(|items| (id, items))),
            side_a: self.map.side_a.clone(),
            shown: MessageKind::ALL.into_iter().filter(|k| !self.map.hidden.contains(k)).collect(),
            cut_links: self.cut_links(),
        }
    }

    /// Whether the list of shortcuts is open.
    pub fn help_open(&self) -> bool {
        self.help
    }

    /// The actions that make sense for node `id` in its state (the broker cards' own); `None` for a node
    /// without any (a client, a node that is gone).
    pub fn node_menu(&self, id: NodeId) -> Option<Vec<MenuItem>> {
        let w = &self.world;
        let item = |label, title, action| MenuItem { label, title, action };
        let cut = w.network().sides().iter().flatten().any(|&n| n == id);
        let isolate_or_heal = match cut {
            true => item("Heal", "heal the network: every node reaches every other again", Action::HealNetwork),
            false => item("Isolate", "cut it off from every other node", Action::Broker(id, BrokerAction::Isolate)),
        };
        let down = w.is_crashed(id);
        if w.controllers().contains(&id) {
            return Some(match down {
                true => vec![item(
                    "Restart",
                    "start the controller again from its Raft log",
                    Action::Broker(id, BrokerAction::RestartController),
                )],
                false => vec![
                    item("Crash", "the controller process dies", Action::Broker(id, BrokerAction::CrashController)),
                    isolate_or_heal,
                ],
            });
        }
        if !w.brokers().contains(&id) {
            return None;
        }
        let broker = |a, label, title| item(label, title, Action::Broker(id, a));
        Some(match down {
            true => vec![broker(BrokerAction::Restart, "Restart", "start it again; it recovers from its disk")],
            false => vec![
                broker(BrokerAction::Crash, "Crash", "the process dies: memory lost, disk kept"),
                broker(BrokerAction::PowerLoss, "Power loss", "the machine dies: unflushed records are lost too"),
                broker(BrokerAction::Pause, "Pause", "a 5 s stop-the-world pause, like a long GC"),
                isolate_or_heal,
                broker(
                    BrokerAction::Stop,
                    "Stop",
                    "kafka-server-stop: a controlled shutdown, leaderships move away first",
                ),
            ],
        })
    }

    /// The links the network's partition cuts: between brokers and controllers on different sides, and
    /// between a client (on the side of the nodes not named) and a broker on another side; and a link cut
    /// both ways on its own (drop rate 1, as a lesson's "cut the link between the leader and broker 3").
    fn cut_links(&self) -> Vec<(NodeId, NodeId)> {
        let w = &self.world;
        let mut links: Vec<(NodeId, NodeId)> = w
            .network()
            .link_overrides()
            .filter(|&(_, _, one_way, c)| !one_way && c.drop_rate >= 1.0)
            .map(|(a, b, _, _)| (a, b))
            .collect();
        let sides = w.network().sides();
        if sides.is_empty() {
            return links;
        }
        let side = |id: NodeId| sides.iter().position(|s| s.contains(&id)).unwrap_or(sides.len());
        let servers: Vec<NodeId> = w.controllers().iter().chain(w.brokers()).copied().collect();
        for (i, &a) in servers.iter().enumerate() {
            for &b in &servers[i + 1..] {
                if side(a) != side(b) && !links.contains(&(a, b)) && !links.contains(&(b, a)) {
                    links.push((a, b));
                }
            }
        }
        let clients = w.nodes().map(|(&id, _)| id).filter(|&id| !servers.contains(&id));
        for c in clients {
            links.extend(w.brokers().iter().filter(|&&b| side(b) != side(c)).map(|&b| (b, c)));
        }
        links
    }

    /// The map's own actions that do not touch the world; whether the page must be drawn again.
    pub(super) fn map_ui(&mut self, action: MapAction) -> bool {
        let map = &mut self.map;
        match action {
            MapAction::Node(id) => match &mut map.side_a {
                Some(side_a) => {
                    let server = self.world.brokers().contains(&id) || self.world.controllers().contains(&id);
                    match side_a.iter().position(|&n| n == id) {
                        Some(i) => {
                            side_a.remove(i);
                        }
                        None if server => side_a.push(id),
                        None => return false,
                    }
                    franz_core::collect::sort(side_a);
                    true
                }
                None if map.menu == Some(id) => {
                    map.menu = None;
                    true
                }
                None => {
                    let opens = self.node_menu(id).is_some();
                    self.map.menu = opens.then_some(id);
                    opens
                }
            },
            MapAction::CloseMenu => map.menu.take().is_some(),
            MapAction::ChooseSides(on) => {
                map.menu = None;
                map.side_a = on.then(Vec::new);
                true
            }
            MapAction::Show(kind, on) => {
                match on {
                    true => map.hidden.remove(&kind),
                    false => map.hidden.insert(kind),
                };
                true
            }
            MapAction::Cut | MapAction::Heal => false,
        }
    }

    /// Cuts the network between side A and the rest, or heals it.
    pub(super) fn map_act(&mut self, action: MapAction, outcome: &mut Outcome) -> Result<String, String> {
        match action {
            MapAction::Heal => self.act(Action::HealNetwork, outcome),
            MapAction::Cut => {
                let side_a = self.map.side_a.clone().unwrap_or_default();
                if side_a.is_empty() {
                    return Err(
                        "Click the brokers and controllers for side A first: every other node is on side B.".into()
                    );
                }
                self.world.partition_network(vec![side_a.clone()]).map_err(|e| e.to_string())?;
                self.map.side_a = None;
                let names: Vec<String> = side_a.iter().map(|&id| node_label(id)).collect();
                Ok(format!(
                    "Network partitioned: side A is {}; side B is every other node, the clients too. Messages between \
                     the sides are lost until you Heal.",
                    names.join(", ")
                ))
            }
            other => {
                self.map_ui(other);
                Ok(String::new())
            }
        }
    }

    /// The action a key pressed outside a text field stands for, if it is a shortcut (`key` as the browser
    /// names it: `" "`, `"ArrowLeft"`, `"?"`, `"Escape"` ...).
    pub fn shortcut(&self, key: &str) -> Option<Action> {
        Some(match key {
            // The shortcut list is a dialog: while it is open, only its own keys act (nothing behind it).
            "?" | "Escape" if self.help => Action::Help(false),
            _ if self.help => return None,
            "Escape" if self.pending_fork.is_some() => Action::ConfirmFork(false),
            " " if self.lesson_not_begun() => Action::LessonNext,
            // (While a step plays, Next is off and Space does nothing: it forked the lesson, adversary 55.)
            " " if self.lesson_step_under_way() => return None,
            " " => Action::TogglePlay,
            "ArrowLeft" => Action::JumpToMark(super::Toward::Previous),
            "ArrowRight" => Action::JumpToMark(super::Toward::Next),
            "." => Action::Step,
            "?" => Action::Help(!self.help),
            "Escape" if self.help => Action::Help(false),
            "Escape" if self.map.menu.is_some() => Action::Map(MapAction::CloseMenu),
            "Escape" if self.map.side_a.is_some() => Action::Map(MapAction::ChooseSides(false)),
            _ => return None,
        })
    }

    /// Whether `action` is an item of the open menu (then its notice shows on the map, and the menu closes).
    pub(super) fn is_menu_item(&self, action: &Action) -> bool {
        let open = self.map.menu.and_then(|id| self.node_menu(id));
        open.is_some_and(|items| items.iter().any(|i| &i.action == action))
    }

    pub(super) fn close_map_menu(&mut self) {
        self.map.menu = None;
    }

    /// A new world: what the map was doing with the old one is over (its kinds filter is kept).
    pub(super) fn reset_map(&mut self) {
        self.map.menu = None;
        self.map.side_a = None;
    }

    /// The messages the network lost lately, for the map: each drawn where it died (at the cut, or at the
    /// receiver that was down), while the map shows its kind.
    pub(super) fn lost_flights(&self) -> Vec<Flight> {
        let w = &self.world;
        let window_ms = ((self.speed * LOST_SHOWN_WALL_MS) as u64).max(LOST_SHOWN_MS_MIN);
        let since = w.now_ms().saturating_sub(window_ms);
        let lost = w.messages_lost_since(since).into_iter().map(|m| {
            let kind = MessageKind::of(m.api, m.from, m.to, w.brokers());
            // At the receiver that was down; otherwise on the sender's side of the link's middle (where the
            // map draws a cut).
            let progress = if m.cause == LossCause::NodeDown { 0.85 } else { 0.4 };
            Flight { from: m.from, to: m.to, api: m.api, kind, progress, lost: Some(m.cause) }
        });
        lost.filter(|f| !self.map.hidden.contains(&f.kind)).collect()
    }

    /// Whether the map draws messages of this kind.
    pub(super) fn shows(&self, kind: MessageKind) -> bool {
        !self.map.hidden.contains(&kind)
    }
}

/// "broker 2", "controller 1001".
pub(super) fn node_label(id: NodeId) -> String {
    match id >= FIRST_CONTROLLER_ID {
        true => format!("controller {id}"),
        false => format!("broker {id}"),
    }
}

#[cfg(test)]
mod tests {
    use franz_core::types::FIRST_CLIENT_ID;

    use super::super::tests::{create_topic, frames, record, stream_request};
    use super::super::{Notice, Place, Toward};
    use super::*;

    fn labels(p: &Playground) -> Vec<&'static str> {
        p.map_view().menu.map(|(_, items)| items.iter().map(|i| i.label).collect()).unwrap_or_default()
    }

    /// The action of the open menu's item with this label.
    fn item(p: &Playground, label: &str) -> Action {
        let (_, items) = p.map_view().menu.expect("a menu is open");
        items.into_iter().find(|i| i.label == label).expect(label).action
    }

    #[test]
    fn a_node_menu_offers_what_makes_sense_for_its_state_and_acts_as_the_cards_do() {
        let mut p = Playground::from_fragment("#play");
        assert!(p.reduce(Action::Map(MapAction::Node(2))).changed);
        assert_eq!(labels(&p), ["Crash", "Power loss", "Pause", "Isolate", "Stop"]);
        assert_eq!(p.map_view().menu.unwrap().1[1].testid(), "map-action-power-loss");
        let outcome = p.reduce(item(&p, "Crash"));
        assert_eq!(outcome.notice, Some(Notice::info(BrokerAction::Crash.done_text(2))), "the card's own notice");
        assert_eq!(p.notice_place(), Place::Map, "shown on the map, where the user clicked");
        assert!(p.map_view().menu.is_none(), "the menu closes");
        assert!(p.world().is_crashed(2));

        p.reduce(Action::Map(MapAction::Node(2)));
        assert_eq!(labels(&p), ["Restart"], "a broker that is down can only restart");
        p.reduce(Action::Map(MapAction::Node(2)));
        assert!(p.map_view().menu.is_none(), "a second click closes it");
        p.reduce(Action::Map(MapAction::Node(2)));
        assert!(p.reduce(Action::Map(MapAction::CloseMenu)).changed);
        assert!(!p.reduce(Action::Map(MapAction::CloseMenu)).changed, "nothing to close: nothing to draw");

        p.reduce(Action::Map(MapAction::Node(1001)));
        assert_eq!(labels(&p), ["Crash", "Isolate"]);
        p.reduce(item(&p, "Isolate"));
        p.reduce(Action::Map(MapAction::Node(1001)));
        assert_eq!(labels(&p), ["Crash", "Heal"], "a node cut off is healed");
        assert_eq!(item(&p, "Heal"), Action::HealNetwork);
        p.reduce(item(&p, "Crash"));
        p.reduce(Action::Map(MapAction::Node(1001)));
        assert_eq!(item(&p, "Restart"), Action::Broker(1001, BrokerAction::RestartController));
        assert_eq!(p.reduce(Action::Shortcut("Escape".into())), Outcome::changed(), "Escape closes it");
        assert!(p.map_view().menu.is_none());

        assert!(!p.reduce(Action::Map(MapAction::Node(FIRST_CLIENT_ID))).changed, "a client has no menu");
        p.reduce(Action::Broker(3, BrokerAction::Pause));
        assert_eq!(p.notice_place(), Place::Cluster, "the cards' buttons post on the cards");
    }

    #[test]
    fn a_menu_action_in_the_past_forks_the_run_as_the_cards_do() {
        let mut p = Playground::from_fragment("#play");
        p.reduce(Action::SetSpeed(100.0));
        frames(&mut p, 5, 100.0);
        p.reduce(Action::TimeTravel(p.world().now_ms() / 2));
        assert!(p.timeline().in_past());
        p.reduce(Action::Map(MapAction::Node(3)));
        let ask = p.reduce(item(&p, "Crash")).notice.unwrap();
        assert!(ask.confirm_fork && p.timeline().in_past(), "the page asks before it discards the future");
        assert_eq!(p.notice_place(), Place::Map, "where the user acted");
        let notice = p.reduce(Action::ConfirmFork(true)).notice.unwrap();
        assert!(notice.text.starts_with("Forked at t = ") && notice.text.ends_with("disk is kept."), "{}", notice.text);
        assert!(!p.timeline().in_past() && p.world().is_crashed(3));
        assert_eq!(p.notice_place(), Place::Map);
    }

    /// Found by an adversary: the isr-shrink lesson's "cut the link" (a drop rate of 1 both ways) was drawn
    /// as no cut, and the network panel told it as a latency.
    #[test]
    fn a_link_cut_on_its_own_is_drawn_cut_and_said_so() {
        let p = Playground::from_fragment("#lesson=isr-shrink&step=2");
        assert_eq!(p.map_view().cut_links, [(2, 3)]);
        let said = super::super::explain::network_summary(p.world(), &p.world().view()).lines.join("\n");
        assert!(said.contains("Link broker 2 ↔ broker 3: cut (drop rate 1)"), "{said}");
        let p = Playground::from_fragment("#lesson=isr-shrink&step=6");
        assert!(p.map_view().cut_links.is_empty(), "healed");
    }

    #[test]
    fn choosing_sides_cuts_the_network_between_them_and_a_share_link_cuts_it_again() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "orders", 1);
        p.reduce(Action::Map(MapAction::Node(2)));
        p.reduce(Action::Map(MapAction::ChooseSides(true)));
        assert!(p.map_view().menu.is_none(), "choosing sides closes the menu");
        let notice = p.reduce(Action::Map(MapAction::Cut)).notice.unwrap();
        assert!(
            notice.error && notice.text.starts_with("Click the brokers and controllers for side A"),
            "{}",
            notice.text
        );
        for id in [1, 1001, 2, 2, FIRST_CLIENT_ID] {
            p.reduce(Action::Map(MapAction::Node(id)));
        }
        assert_eq!(p.map_view().side_a, Some(vec![1, 1001]), "a second click moves it back; clients stay on B");
        assert!(p.map_view().cut_links.is_empty());

        let outcome = p.reduce(Action::Map(MapAction::Cut));
        let text = outcome.notice.unwrap().text;
        assert!(
            text.starts_with("Network partitioned: side A is broker 1, controller 1001; side B is every other"),
            "{text}"
        );
        assert_eq!(p.notice_place(), Place::Map);
        assert_eq!(p.world().network().sides(), [vec![1, 1001]]);
        let view = p.map_view();
        assert_eq!(view.side_a, None);
        let servers: Vec<_> =
            view.cut_links.iter().filter(|(a, b)| *a < FIRST_CLIENT_ID && *b < FIRST_CLIENT_ID).collect();
        assert_eq!(servers.len(), 2 * 4, "each of side A's two servers to each of side B's four");
        assert!(view.cut_links.contains(&(1001, 1002)) && view.cut_links.contains(&(1, 2)));
        assert!(!view.cut_links.contains(&(2, 3)) && !view.cut_links.contains(&(1, 1001)), "not within a side");

        // A client made after the cut (with the nodes not named: side B) is cut off from side A's broker.
        p.reduce(Action::Send(record("orders", "x", "1")));
        let client = p.world().nodes().map(|(&id, _)| id).find(|&id| id >= FIRST_CLIENT_ID).unwrap();
        let cut = &p.map_view().cut_links;
        assert!(cut.contains(&(1, client)) && !cut.contains(&(2, client)), "{cut:?}");

        // Messages sent across are lost, and the map shows them where they died.
        p.reduce(Action::SetSpeed(1.0));
        frames(&mut p, 30, 100.0);
        let lost: Vec<Flight> = p.snapshot().flights.iter().filter(|f| f.lost.is_some()).cloned().collect();
        assert!(!lost.is_empty());
        let side_a = |n: NodeId| n == 1 || n == 1001;
        for f in &lost {
            assert_eq!(f.lost, Some(LossCause::Partition), "{f:?}");
            assert_ne!(side_a(f.from), side_a(f.to), "{f:?}");
            assert!(f.progress < 0.5, "before the cut, on its sender's side: {f:?}");
        }

        let fragment = p.reduce(Action::Share).fragment.unwrap();
        let replayed = Playground::from_fragment(&fragment);
        assert_eq!(replayed.world().network().sides(), [vec![1, 1001]], "the link replays the cut");
        assert_eq!(replayed.world().trace().hash(), p.world().trace().hash());

        let notice = p.reduce(Action::Map(MapAction::Heal)).notice.unwrap();
        assert_eq!(notice.text, "Network healed: every node reaches every other again.");
        assert_eq!(p.notice_place(), Place::Map);
        assert!(p.map_view().cut_links.is_empty() && !p.world().network().is_partitioned());
        p.reduce(Action::Map(MapAction::ChooseSides(true)));
        assert_eq!(p.reduce(Action::Shortcut("Escape".into())), Outcome::changed(), "Escape stops choosing");
        assert_eq!(p.map_view().side_a, None);
    }

    #[test]
    fn messages_are_told_apart_by_kind() {
        let brokers = [1, 2, 3];
        let kind = |api, from, to| MessageKind::of(api, from, to, &brokers);
        assert_eq!(kind("Fetch", 2, 1), MessageKind::ReplicaFetch, "a follower fetching");
        assert_eq!(kind("Fetch", FIRST_CLIENT_ID + 1, 1), MessageKind::Fetch, "a consumer fetching");
        assert_eq!(kind("Fetch", 1, FIRST_CLIENT_ID + 1), MessageKind::Fetch, "and its answer");
        assert_eq!(kind("BrokerHeartbeat", 1, 1001), MessageKind::Heartbeat);
        assert_eq!(kind("Heartbeat", FIRST_CLIENT_ID + 1, 2), MessageKind::Heartbeat);
        assert_eq!(kind("JoinGroup", FIRST_CLIENT_ID + 1, 2), MessageKind::Group);
        assert_eq!(kind("AppendEntries", 1001, 1002), MessageKind::Raft);
        assert_eq!(kind("Produce", FIRST_CLIENT_ID + 1, 2), MessageKind::Produce);
        assert_eq!(kind("Metadata", FIRST_CLIENT_ID + 1, 2), MessageKind::Other);
        assert_eq!(kind("Disconnect", 2, FIRST_CLIENT_ID + 1), MessageKind::Other);
    }

    #[test]
    fn the_map_draws_only_the_kinds_shown() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "orders", 1);
        p.reduce(Action::Stream(Some(stream_request("orders", 50))));
        p.reduce(Action::SetSpeed(0.1));
        assert!(p.reduce(Action::Map(MapAction::Show(MessageKind::Produce, false))).changed);
        assert!(!p.map_view().shown.contains(&MessageKind::Produce));
        assert_eq!(p.map_view().shown.len(), MessageKind::ALL.len() - 1);
        let mut seen = BTreeSet::new();
        for _ in 0..3_000 {
            p.reduce(Action::Step);
            for f in p.snapshot().flights.iter() {
                assert_ne!(f.kind, MessageKind::Produce, "hidden: {f:?}");
                seen.insert(f.kind);
            }
            if seen.contains(&MessageKind::ReplicaFetch) && seen.contains(&MessageKind::Raft) {
                break;
            }
        }
        assert!(seen.contains(&MessageKind::ReplicaFetch) && seen.contains(&MessageKind::Raft), "{seen:?}");
        p.reduce(Action::Map(MapAction::Show(MessageKind::Produce, true)));
        let mut produce = false;
        for _ in 0..3_000 {
            p.reduce(Action::Step);
            produce = p.snapshot().flights.iter().any(|f| f.kind == MessageKind::Produce && f.api == "Produce");
            if produce {
                break;
            }
        }
        assert!(produce, "shown again");
        p.reduce(Action::NewCluster(3));
        assert_eq!(p.map_view().shown.len(), MessageKind::ALL.len(), "kept across worlds");
    }

    #[test]
    fn shortcuts_play_step_jump_between_marks_and_open_the_list() {
        let mut p = Playground::from_fragment("#play");
        assert!(p.playing());
        p.reduce(Action::Shortcut(" ".into()));
        assert!(!p.playing(), "Space pauses");
        p.reduce(Action::Shortcut(" ".into()));
        assert!(p.playing(), "and plays");
        let events = p.world().events_dispatched();
        p.reduce(Action::Shortcut(".".into()));
        assert_eq!((p.world().events_dispatched(), p.playing()), (events + 1, false), ". steps one event");

        p.reduce(Action::Broker(1, BrokerAction::Crash));
        p.reduce(Action::SetSpeed(100.0));
        p.reduce(Action::TogglePlay);
        frames(&mut p, 10, 100.0);
        p.reduce(Action::Shortcut("ArrowLeft".into()));
        assert!(p.timeline().in_past(), "← goes to the previous mark");
        let last = p.timeline().marks.last().unwrap().time_ms;
        assert_eq!(p.world().now_ms(), last);
        let notice = p.reduce(Action::Shortcut("ArrowRight".into())).notice.unwrap();
        assert!(notice.text.starts_with("Back to now"), "→ past the last mark: {}", notice.text);

        assert!(!p.help_open());
        p.reduce(Action::Shortcut("?".into()));
        assert!(p.help_open());
        p.reduce(Action::Shortcut("?".into()));
        assert!(!p.help_open(), "? closes it again");
        p.reduce(Action::Shortcut("?".into()));
        let playing = p.playing();
        assert_eq!(p.shortcut(" "), None, "behind the open shortcut list, nothing acts");
        assert_eq!(p.shortcut("ArrowLeft"), None);
        assert_eq!(p.playing(), playing);
        p.reduce(Action::Shortcut("Escape".into()));
        assert!(!p.help_open(), "so does Escape");
        assert_eq!(p.reduce(Action::Shortcut("Escape".into())), Outcome::default(), "nothing open: nothing to do");
        assert_eq!(p.reduce(Action::Shortcut("x".into())), Outcome::default());
        assert_eq!(p.shortcut("ArrowRight"), Some(Action::JumpToMark(Toward::Next)));

        for key in SHORTCUT_KEYS.iter().filter(|&&k| k != "Escape") {
            assert!(p.shortcut(key).is_some(), "{key:?} does something");
        }
        p.reduce(Action::Help(true));
        assert!(p.shortcut("Escape").is_some(), "Escape closes the list");
        assert_eq!(SHORTCUTS.len(), SHORTCUT_KEYS.len(), "the list shows every key");
    }
}
