//! The world: every actor, the network between them, virtual time and the trace.
//!
//! The simulator pops the earliest event, ordered by (time, sequence number), hands it to its actor,
//! then routes what the actor put in its outbox: each message through the network model (which may
//! delay or drop it), each trace line into the trace. Timers are re-armed from `next_timer_ms` after
//! every dispatch. Nothing here reads a clock or the OS: a seed and the same inputs give the same trace.

pub mod network;
/// The history, trace and RNG streams live below the world (actors record into them); here for old paths.
pub use crate::protocol::{history, trace};
pub use crate::rng;
mod ops;
pub mod scenario;
pub mod stream;
pub mod workload;

use crate::vec_map::{VecMap, VecSet};
use alloc::boxed::Box;
use alloc::collections::{BinaryHeap, VecDeque};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::{Ordering, Reverse};

use crate::broker::Broker;
use crate::client::{AdminClient, Consumer, Producer};
use crate::config::{self, ConfigMap};
use crate::controller::node::Controller;
use crate::error::Result;
use crate::protocol::actor::{Timer, Timers};
use crate::protocol::message::{Actor, CorrelationId, Message, Outbox};
use crate::types::{LeaderEpoch, NodeId, Offset, TopicId, FIRST_CLIENT_ID};
use history::History;
use network::{LossCause, Network, NetworkConfig};
use rng::{stream_rng, Stream};
use scenario::{Action, ScenarioEntry, SCENARIO_ACTIONS_MAX};

/// What an action (or a record of a send) adds to a scenario's JSON besides its records' bytes, about.
const ACTION_JSON_BYTES: usize = 40;
use trace::{Trace, TraceKind};

pub use ops::{
    Outcome, Replay, SendOutcome, CONSUMER_CLOSE_TIMEOUT_MS, CONTROLLED_SHUTDOWN_TIMEOUT_MS, RUN_FOR_MS_MAX,
};

/// Franz's bound on brokers in a cluster (`addBroker` included): a page shows them all.
pub const BROKERS_MAX: u32 = 64;
/// Kafka's quorum sizes that make sense: 1 to 7 voters.
pub const CONTROLLERS_MAX: u32 = 7;
/// Controllers' node ids start here (brokers are 1, 2, 3 ...).
pub const FIRST_CONTROLLER_ID: NodeId = 1_001;
/// How long `World::new` lets a new cluster form (a controller elected, every broker unfenced).
pub const CLUSTER_FORMATION_MS_MAX: u64 = 60_000;
/// Franz's bound on clients (producers, consumers, admin) alive at once.
pub const CLIENTS_MAX: usize = 1_000;
/// Franz's bound on events waiting in the queue; a message beyond it is lost, as on an overloaded link.
pub const EVENTS_QUEUED_MAX: usize = 1_000_000;

/// The trace's name for events of the network itself (partitions, heals).
const NO_NODE_NETWORK: NodeId = crate::types::NO_NODE;
/// How many idle firings of a node's timer in a virtual second a debug build takes before it calls it stuck.
const IDLE_TIMER_FIRINGS_MAX: u32 = 900;

/// What a cluster is made of: the part of a scenario that is not its actions. Its JSON names are the
/// scenario's (`seed`, `brokers`, `controllers`, `network`, `config`), so `new Cluster(options)` and a
/// scenario's head read alike; what is not given keeps its default.
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub struct ClusterConfig {
    pub seed: u64,
    pub brokers: u32,
    /// Voters of the controller quorum (KRaft's `controller.quorum.voters`).
    pub controllers: u32,
    pub network: NetworkConfig,
    /// Broker-wide defaults for topic configs, with Kafka's keys (`min.insync.replicas` ...).
    #[cfg_attr(feature = "tsify", tsify(type = "Record<string, string>"))]
    #[serde(rename = "config")]
    pub broker_config: ConfigMap,
    /// Where virtual time starts, in ms since 1970-01-01 UTC (0 by default). Kafka's brokers check a record's
    /// timestamp against their wall clock (`message.timestamp.after.max.ms`, an hour): a cluster started at
    /// a fixed moment near today (`Date.parse("2026-01-01")`) takes records stamped with today's time.
    pub clock_start_ms: u64,
}

/// The latest [`ClusterConfig::clock_start_ms`]: the end of year 9999, so that no clock overflows.
pub const CLOCK_START_MS_MAX: u64 = 253_402_300_799_999;

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            seed: 1,
            brokers: 3,
            controllers: 3,
            network: NetworkConfig::default(),
            broker_config: ConfigMap::new(),
            clock_start_ms: 0,
        }
    }
}

/// The connection a message from `from` to `to` travels on, when one end is a client that keeps connections.
fn connection(nodes: &VecMap<NodeId, Node>, from: NodeId, to: NodeId) -> Option<network::Connection> {
    let of = |client: NodeId, server: NodeId| {
        let (generation, open) = nodes.get(&client)?.as_actor().connection(server)?;
        Some(network::Connection { client, server, generation, open })
    };
    of(from, to).or_else(|| of(to, from))
}

/// A simulated process.
#[derive(Clone, Debug)]
pub enum Node {
    /// Boxed: a broker's state is the largest of the nodes'.
    Broker(Box<Broker>),
    Controller(Controller),
    Admin(AdminClient),
    Producer(Producer),
    Consumer(Consumer),
}

impl Node {
    fn actor(&mut self) -> &mut dyn Actor {
        match self {
            Node::Broker(b) => b.as_mut(),
            Node::Controller(c) => c,
            Node::Admin(a) => a,
            Node::Producer(p) => p,
            Node::Consumer(c) => c,
        }
    }

    fn as_actor(&self) -> &dyn Actor {
        match self {
            Node::Broker(b) => b.as_ref(),
            Node::Controller(c) => c,
            Node::Admin(a) => a,
            Node::Producer(p) => p,
            Node::Consumer(c) => c,
        }
    }

    fn next_timer_ms(&self) -> Option<u64> {
        self.as_actor().next_timer_ms()
    }
}

/// A message on its way from one node to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageInFlight {
    pub from: NodeId,
    pub to: NodeId,
    pub arrives_ms: u64,
    /// Kafka's API name (`Produce`, `Fetch`, `Heartbeat`, Raft's `Vote` ...).
    pub api: &'static str,
}

/// A message the network did not deliver, kept for pictures of the cluster (the playground's map shows it
/// dying at a cut link); the simulation never reads it back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageLost {
    pub from: NodeId,
    pub to: NodeId,
    pub lost_ms: u64,
    /// Kafka's API name, as in [`MessageInFlight`].
    pub api: &'static str,
    pub cause: LossCause,
}

/// Franz's bound on the lost messages the world remembers for pictures (the newest are kept).
pub const MESSAGES_LOST_KEPT_MAX: usize = 64;

/// A queued event stays small (the heap moves events as it sifts them): a message waits in its slot of
/// [`World::carried`], and the event names the slot.
#[derive(Debug, Clone, Copy)]
enum EventKind {
    Deliver { slot: u32 },
    Timer { node: NodeId },
}

/// A message the network carries, in its slot until it arrives or is lost.
#[derive(Debug)]
struct Carried {
    from: NodeId,
    to: NodeId,
    message: Message,
}

#[derive(Debug)]
struct Event {
    time_ms: u64,
    seq: u64,
    kind: EventKind,
}

impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        (self.time_ms, self.seq) == (other.time_ms, other.seq)
    }
}
impl Eq for Event {}
impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Event {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.time_ms, self.seq).cmp(&(other.time_ms, other.seq))
    }
}

pub struct World {
    config: ClusterConfig,
    now_ms: u64,
    next_event_seq: u64,
    queue: BinaryHeap<Reverse<Event>>,
    /// The messages of the queue's `Deliver` events, by slot; a slot is reused once its message is out.
    carried: Vec<Option<Carried>>,
    free_slots: Vec<u32>,
    /// The outbox every dispatch writes into, kept empty between dispatches: reused, it allocates nothing
    /// once its lists have room (an event sends a message or two, and each new list cost an allocation).
    outbox: Outbox,
    nodes: VecMap<NodeId, Node>,
    names: VecMap<NodeId, String>,
    /// The time each node's timer is armed for; a queued timer event at another time is stale.
    timer_at_ms: VecMap<NodeId, u64>,
    /// When each node's timer last fired.
    timer_fired_ms: VecMap<NodeId, u64>,
    /// Debug builds: how many times each node's timer fired doing nothing (no message, trace or history)
    /// in the second from the time given. Hundreds mean a timer left past due.
    idle_timer_firings: VecMap<NodeId, (u64, u32)>,
    network: Network,
    trace: Trace,
    brokers: Vec<NodeId>,
    controllers: Vec<NodeId>,
    broker_config: config::BrokerConfig,
    /// For views only (it never feeds back into the simulation): the newest committed metadata image.
    committed_image: crate::metadata::MetadataImage,
    /// Raft's election safety, asserted as it happens: who led each term (at most one controller may).
    leaders_by_term: VecMap<u64, NodeId>,
    admin: NodeId,
    next_client_id: NodeId,
    /// Per-role sequences for Kafka's default client ids (`producer-1`, `consumer-orders-1`).
    client_counters: VecMap<&'static str, u32>,
    events_dispatched: u64,
    /// Brokers whose process is down (crashed or powered off); their disk stays in `nodes`.
    crashed: VecSet<NodeId>,
    /// Of those, the machines without power: they refuse nothing, they are silent.
    powered_off: VecSet<NodeId>,
    /// Of those, the brokers stopped by a controlled shutdown (`kafka-server-stop`), not a crash, each with
    /// whether the controller approved it (false: its wait ran out, its leaderships unmoved).
    stopped: VecMap<NodeId, bool>,
    /// Pairs of nodes (lower id first) that lost a message to a network partition since it cut them apart.
    /// Over TCP such a connection is broken; when the cut heals, whichever of the two still awaits an answer
    /// from the other learns it (as a retransmission meets a reset socket), and retries at once rather than
    /// after its whole request timeout (a consumer's 30 s `request.timeout.ms`).
    cut_losses: VecSet<(NodeId, NodeId)>,
    /// Nodes in a stop-the-world pause, until when.
    paused_until_ms: VecMap<NodeId, u64>,
    /// The outcomes a producer completed in `close()`, not yet taken: `producer_results` still reads them.
    closed_producer_results: VecMap<NodeId, Vec<crate::client::SendResult>>,
    /// Closed consumers whose `close()` could not commit their positions, and why.
    close_commits_failed: VecMap<NodeId, crate::ErrorCode>,
    history: History,
    /// The user's actions so far, for `scenario()`.
    actions: Vec<ScenarioEntry>,
    /// Set when more actions came than a scenario holds: `scenario()` then refuses rather than lie, and the
    /// actions are let go (a run of large sends kept every record it sent: adversary 49).
    actions_overflowed: bool,
    /// About how many bytes of JSON the actions make (a send's records counted by their size).
    actions_bytes: usize,
    /// While replaying to a time: nothing runs past it, not even inside a blocking call.
    horizon_ms: Option<u64>,
    /// Replayed to an instant before the cluster had formed: the first action finishes forming it, so that
    /// the action lands where a replay of the scenario (which forms the whole cluster first) puts it.
    formation_cut: bool,
    /// The last blocking call ended at the horizon, unanswered before its deadline (the replay's instant fell
    /// inside it): what the scenario does after it comes later in a whole replay.
    call_cut: bool,
    /// Closes and broker stops whose call was cut, with its deadline: each goes on, as Kafka's client goes
    /// on closing and its broker on shutting down, and ends as its call would have (adversaries 60 and 61:
    /// a broker replayed to an instant inside its stop stayed "stopping" for good, and a closing client
    /// ended there, its commit and LeaveGroup never sent).
    calls_finishing: Vec<(ops::Waiting, u64)>,
    /// Producers streaming records as time passes (`stream` actions), by producer id.
    streams: VecMap<NodeId, stream::ProducerStream>,
    /// Consumers polling as time passes (`pollLoop` actions), by consumer id.
    poll_loops: VecMap<NodeId, stream::PollLoop>,
    /// For pictures only (never read by the simulation): the newest messages the network lost, oldest first.
    recent_losses: VecDeque<MessageLost>,
    /// For views only (never read by the simulation): the high watermark each broker's replicas knew (as
    /// leader, given out) when it last went down (its memory went with it), by (broker, topic id, partition):
    /// with its leader epoch, what an admin client last heard from it, until it serves again.
    high_watermarks_at_crash: VecMap<(NodeId, TopicId, u32), (LeaderEpoch, Offset)>,
    /// A blocking call played a slice at a time (`apply_for`), waiting for its answer.
    pending_call: Option<ops::PendingCall>,
}

impl World {
    /// A new cluster, already formed: the controllers elected a leader and every broker registered and
    /// was unfenced (the trace shows how), so that the first action finds a working cluster.
    pub fn new(config: ClusterConfig) -> Result<World> {
        World::form(config, None)
    }

    /// Builds the cluster and lets it form, never running past `horizon_ms` (time travel to an instant
    /// before the cluster had formed shows it forming).
    fn form(config: ClusterConfig, horizon_ms: Option<u64>) -> Result<World> {
        let config = ClusterConfig { network: config.network.normalized(), ..config };
        if config.brokers == 0 || config.brokers > BROKERS_MAX {
            return Err(franz_err!(
                InvalidConfig,
                "brokers must be between 1 and {BROKERS_MAX} in Franz, got {}",
                config.brokers
            ));
        }
        if config.controllers == 0 || config.controllers > CONTROLLERS_MAX {
            return Err(franz_err!(
                InvalidConfig,
                "controllers must be between 1 and {CONTROLLERS_MAX} (a Raft quorum), got {}",
                config.controllers
            ));
        }
        config.network.validate()?;
        if config.clock_start_ms > CLOCK_START_MS_MAX {
            return Err(franz_err!(
                InvalidConfig,
                "clockStartMs must be at most {CLOCK_START_MS_MAX} (the end of year 9999), got {}",
                config.clock_start_ms
            ));
        }
        let mut broker_config = config::BrokerConfig::parse(&config.broker_config)?;
        // As topics get min(3, brokers) replicas unless asked (a cluster of one broker serves groups).
        broker_config.offsets_topic_replication_factor.get_or_insert(config.brokers.min(3));
        let network = Network::new(config.network, stream_rng(config.seed, Stream::Network));
        let brokers: Vec<NodeId> = (1..=config.brokers as NodeId).collect();
        let controllers: Vec<NodeId> =
            (FIRST_CONTROLLER_ID..FIRST_CONTROLLER_ID + config.controllers as NodeId).collect();
        let mut world = World {
            now_ms: config.clock_start_ms,
            next_event_seq: 0,
            queue: BinaryHeap::new(),
            carried: Vec::new(),
            free_slots: Vec::new(),
            outbox: Outbox::default(),
            nodes: VecMap::new(),
            names: VecMap::new(),
            timer_at_ms: VecMap::new(),
            timer_fired_ms: VecMap::new(),
            idle_timer_firings: VecMap::new(),
            network,
            trace: Trace::default(),
            brokers: Vec::new(),
            controllers: controllers.clone(),
            broker_config,
            committed_image: Default::default(),
            leaders_by_term: VecMap::new(),
            admin: FIRST_CLIENT_ID,
            next_client_id: FIRST_CLIENT_ID + 1,
            client_counters: VecMap::new(),
            events_dispatched: 0,
            crashed: VecSet::new(),
            powered_off: VecSet::new(),
            stopped: VecMap::new(),
            cut_losses: VecSet::new(),
            closed_producer_results: VecMap::new(),
            close_commits_failed: VecMap::new(),
            paused_until_ms: VecMap::new(),
            history: History::default(),
            actions: Vec::new(),
            actions_overflowed: false,
            actions_bytes: 0,
            horizon_ms,
            formation_cut: false,
            call_cut: false,
            calls_finishing: Vec::new(),
            streams: VecMap::new(),
            poll_loops: VecMap::new(),
            recent_losses: VecDeque::new(),
            high_watermarks_at_crash: VecMap::new(),
            pending_call: None,
            config,
        };
        for &id in &controllers {
            let raft_rng = stream_rng(world.config.seed, Stream::Actor(id));
            let placement_rng = stream_rng(world.config.seed, Stream::Placement(id));
            let (config, now_ms) = (world.broker_config.clone(), world.now_ms);
            let controller = Controller::new(id, controllers.clone(), config, raft_rng, placement_rng, now_ms);
            world.nodes.insert(id, Node::Controller(controller));
            world.names.insert(id, crate::controller::node::controller_name(id));
            world.arm_timer(id);
        }
        for &id in &brokers {
            world.start_broker(id);
        }
        world.nodes.insert(FIRST_CLIENT_ID, Node::Admin(AdminClient::new(FIRST_CLIENT_ID, controllers)));
        world.names.insert(FIRST_CLIENT_ID, String::from("adminclient-1"));
        let formed = world.run_until(world.formation_deadline_ms(), |w| w.is_formed());
        world.formation_cut = !formed && world.horizon_ms.is_some_and(|h| world.now_ms >= h);
        Ok(world)
    }

    fn formation_deadline_ms(&self) -> u64 {
        self.config.clock_start_ms + CLUSTER_FORMATION_MS_MAX
    }

    /// A world replayed to an instant before it had formed, now acted on: it forms first (see
    /// `formation_cut`). Unrecorded: a replay of its scenario forms the cluster alike.
    pub(crate) fn finish_forming(&mut self) {
        if self.formation_cut && self.horizon_ms.is_none() {
            self.formation_cut = false;
            self.run_until(self.formation_deadline_ms(), |w| w.is_formed());
        }
    }

    fn start_broker(&mut self, id: NodeId) {
        let broker = Broker::new(id, self.controllers.clone(), self.broker_config.clone(), self.now_ms);
        self.nodes.insert(id, Node::Broker(Box::new(broker)));
        self.names.insert(id, format!("broker {id}"));
        self.brokers.push(id);
        self.arm_timer(id);
    }

    /// Every running broker is unfenced in the committed metadata.
    fn is_formed(&self) -> bool {
        let image = self.metadata_image();
        self.brokers
            .iter()
            .filter(|b| !self.crashed.contains(b))
            .all(|b| image.brokers.get(b).is_some_and(|r| !r.fenced))
    }

    pub fn controllers(&self) -> &[NodeId] {
        &self.controllers
    }

    pub fn controller(&self, id: NodeId) -> Option<&Controller> {
        match self.nodes.get(&id)? {
            Node::Controller(c) => Some(c),
            _ => None,
        }
    }

    /// The newest committed metadata any controller has applied so far. Committed records are one log, so
    /// the world keeps the longest image it has seen: a controller that knew it may have crashed or
    /// restarted since (Raft's commit index is memory), yet what was committed stays committed.
    pub fn metadata_image(&self) -> &crate::metadata::MetadataImage {
        &self.committed_image
    }

    pub fn config(&self) -> &ClusterConfig {
        &self.config
    }

    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    pub fn history(&self) -> &History {
        &self.history
    }

    pub fn network(&self) -> &Network {
        &self.network
    }

    /// The brokers' settings and the defaults they give topics, parsed from the cluster's `config`.
    pub fn broker_config(&self) -> &config::BrokerConfig {
        &self.broker_config
    }

    /// What `node` waits for, earliest first, each named by the Kafka setting behind it (nothing while it is
    /// crashed).
    pub fn timers(&self, node: NodeId) -> Result<Vec<Timer>> {
        let actor = self.nodes.get(&node).ok_or_else(|| franz_err!(InvalidRequest, "No node {node}"))?;
        if self.crashed.contains(&node) {
            return Ok(Vec::new());
        }
        let mut timers = Timers::listing();
        actor.as_actor().timers(&mut timers);
        Ok(timers.into_list())
    }

    /// The high watermark broker `broker`'s replica of `partition` of topic `topic_id` knew (given out, if it
    /// led) when it last went down, with its leader epoch (none if it held no replica then). Read only while
    /// the broker does not serve.
    pub fn high_watermark_at_crash(
        &self,
        broker: NodeId,
        topic_id: TopicId,
        partition: u32,
    ) -> Option<(LeaderEpoch, Offset)> {
        self.high_watermarks_at_crash.get(&(broker, topic_id, partition)).copied()
    }

    /// Whether broker `node` runs and takes clients' requests (it has caught up with the metadata log since
    /// it started): a replica on a broker that does not is offline, as clients see it.
    pub fn serves_clients(&self, node: NodeId) -> bool {
        !self.is_crashed(node) && self.broker(node).is_some_and(Broker::serves_clients)
    }

    pub fn is_crashed(&self, node: NodeId) -> bool {
        self.crashed.contains(&node)
    }

    /// Down after a controlled shutdown rather than a crash.
    pub fn is_stopped(&self, node: NodeId) -> bool {
        self.stopped.contains_key(&node)
    }

    /// For a stopped broker, whether the controller approved its controlled shutdown (its leaderships moved
    /// first) or no controller answered within `CONTROLLED_SHUTDOWN_TIMEOUT_MS` and it stopped anyway.
    pub fn stop_was_controlled(&self, node: NodeId) -> Option<bool> {
        self.stopped.get(&node).copied()
    }

    /// For a closed consumer, why its `close()` could not commit its positions, if it could not.
    pub fn close_commit_failed(&self, consumer: NodeId) -> Option<crate::ErrorCode> {
        self.close_commits_failed.get(&consumer).copied()
    }

    /// Until when `node` is paused, if it is.
    pub fn paused_until_ms(&self, node: NodeId) -> Option<u64> {
        self.paused_until_ms.get(&node).copied().filter(|&t| t > self.now_ms)
    }

    /// How many events (deliveries and timers) ran since the world began.
    pub fn events_dispatched(&self) -> u64 {
        self.events_dispatched
    }

    pub fn brokers(&self) -> &[NodeId] {
        &self.brokers
    }

    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(&id)
    }

    /// Every node, by id.
    pub fn nodes(&self) -> impl Iterator<Item = (&NodeId, &Node)> {
        self.nodes.iter()
    }

    /// The running client whose `client.id` is `name`.
    pub fn client_by_name(&self, name: &str) -> Option<NodeId> {
        self.names
            .iter()
            .find(|(id, n)| n.as_str() == name && **id >= FIRST_CLIENT_ID && self.nodes.contains_key(id))
            .map(|(&id, _)| id)
    }

    /// The node as a person names it; the network's own events (partitions, heals, link settings) are the
    /// network's (adversary 51: the page said "node -1").
    pub fn node_name(&self, id: NodeId) -> String {
        if id == NO_NODE_NETWORK {
            return String::from("network");
        }
        self.names.get(&id).cloned().unwrap_or_else(|| format!("node {id}"))
    }

    pub fn broker(&self, id: NodeId) -> Option<&Broker> {
        match self.nodes.get(&id)? {
            Node::Broker(b) => Some(b.as_ref()),
            _ => None,
        }
    }

    /// The time of the next event, if any is scheduled.
    pub fn next_event_ms(&self) -> Option<u64> {
        self.queue.peek().map(|Reverse(e)| e.time_ms)
    }

    /// The first `max` messages the network is carrying now, in the order they will arrive. Read-only, for
    /// pictures of the cluster (the playground's map draws them along their links).
    pub fn messages_in_flight(&self, max: usize) -> Vec<MessageInFlight> {
        let mut messages: Vec<(u64, u64, MessageInFlight)> = self
            .queue
            .iter()
            .filter_map(|Reverse(e)| match e.kind {
                EventKind::Deliver { slot } => {
                    let Carried { from, to, message } = self.carried[slot as usize].as_ref()?;
                    let m = MessageInFlight { from: *from, to: *to, arrives_ms: e.time_ms, api: message.api_name() };
                    Some((e.time_ms, e.seq, m))
                }
                EventKind::Timer { .. } => None,
            })
            .collect();
        // Only the first `max` are ordered: a busy queue is not sorted whole for a picture.
        if max < messages.len() {
            messages.select_nth_unstable_by_key(max, |(time_ms, seq, _)| (*time_ms, *seq));
            messages.truncate(max);
        }
        messages.sort_unstable_by_key(|(time_ms, seq, _)| (*time_ms, *seq));
        messages.into_iter().map(|(_, _, m)| m).collect()
    }

    /// The messages the network lost at or after `since_ms` (of the newest [`MESSAGES_LOST_KEPT_MAX`]), oldest
    /// first: a cut link, the drop rate, a receiver that was down. Read-only, for pictures of the cluster.
    pub fn messages_lost_since(&self, since_ms: u64) -> Vec<MessageLost> {
        self.recent_losses.iter().filter(|m| m.lost_ms >= since_ms).copied().collect()
    }

    /// Keeps a lost message for pictures (the oldest kept goes first).
    fn remember_loss(&mut self, from: NodeId, to: NodeId, api: &'static str, cause: LossCause) {
        if self.recent_losses.len() >= MESSAGES_LOST_KEPT_MAX {
            self.recent_losses.pop_front();
        }
        self.recent_losses.push_back(MessageLost { from, to, lost_ms: self.now_ms, api, cause });
    }

    /// Runs the next event due by `limit_ms`; `false` when there is none. (Unrecorded: users call
    /// [`World::step`].)
    fn step_event(&mut self, limit_ms: u64) -> bool {
        let limit_ms = limit_ms.min(self.horizon_ms.unwrap_or(u64::MAX));
        loop {
            if self.next_event_ms().is_none_or(|t| t > limit_ms) {
                return false;
            }
            let Some(Reverse(event)) = self.queue.pop() else {
                return false;
            };
            debug_assert!(event.time_ms >= self.now_ms, "virtual time never goes back");
            let node = match event.kind {
                EventKind::Timer { node } => node,
                EventKind::Deliver { slot } => match self.carried.get(slot as usize).and_then(Option::as_ref) {
                    Some(carried) => carried.to,
                    None => {
                        debug_assert!(false, "a queued delivery's slot holds its message");
                        continue;
                    }
                },
            };
            if let EventKind::Timer { node } = event.kind {
                if self.timer_at_ms.get(&node) != Some(&event.time_ms) {
                    continue; // re-armed or disarmed since: stale
                }
            }
            // A paused process neither reads its socket nor runs timers until the pause ends.
            if let Some(&until) = self.paused_until_ms.get(&node) {
                if until > event.time_ms {
                    if let EventKind::Timer { node } = event.kind {
                        self.timer_at_ms.insert(node, until);
                    }
                    self.push_event(until, event.kind);
                    continue;
                }
                self.paused_until_ms.remove(&node);
            }
            self.now_ms = event.time_ms;
            self.events_dispatched += 1;
            match event.kind {
                EventKind::Timer { node } => {
                    self.timer_at_ms.remove(&node);
                    self.timer_fired_ms.insert(node, event.time_ms);
                    let acted = self.dispatch(node, |actor, now, out| actor.on_timer(now, out));
                    if cfg!(debug_assertions) {
                        self.note_idle_timer(node, acted);
                    }
                }
                EventKind::Deliver { slot } => {
                    let Some(Carried { from, to, message }) = self.carried[slot as usize].take() else {
                        continue;
                    };
                    self.free_slots.push(slot);
                    if self.crashed.contains(&to) || !self.nodes.contains_key(&to) {
                        self.network.count_loss(LossCause::NodeDown);
                        self.remember_loss(from, to, message.api_name(), LossCause::NodeDown);
                        if !matches!(message, Message::Disconnected { .. }) {
                            self.refuse(to, from, message.correlation_id());
                        }
                    } else if from >= FIRST_CLIENT_ID && self.broker(to).is_some_and(|b| !b.serves_clients()) {
                        // A broker restarted and not yet caught up with the metadata log has not opened its
                        // client listener (Kafka's `BrokerServer` enables it after that first catch-up): the
                        // client's connection is refused, and it tries another broker.
                        self.refuse(to, from, message.correlation_id());
                    } else {
                        self.dispatch(to, |actor, now, out| actor.on_message(now, from, message, out));
                    }
                }
            }
            return true;
        }
    }

    /// Runs every event up to `now + ms`, then sets the clock there. (Unrecorded: users call
    /// [`World::run_for`].)
    fn advance(&mut self, ms: u64) {
        let until = self.now_ms.saturating_add(ms);
        self.run_until(until, |_| false);
    }

    /// Runs events until `done` holds or the next event is after `deadline_ms` (the clock then moves to
    /// the deadline). Returns whether `done` held.
    fn run_until(&mut self, deadline_ms: u64, mut done: impl FnMut(&mut World) -> bool) -> bool {
        let deadline_ms = deadline_ms.min(self.horizon_ms.unwrap_or(u64::MAX));
        loop {
            if done(self) {
                return true;
            }
            let finishing_ms = self.finishing_deadline_ms().filter(|&t| t <= deadline_ms);
            if let Some(t) = finishing_ms.filter(|&t| self.nothing_due_by(t)) {
                self.now_ms = self.now_ms.max(t);
                self.finish_calls();
                continue;
            }
            // Streams' records and poll loops due before the next event go first.
            if let Some(s) = self.next_client_loop_ms().filter(|&s| s <= deadline_ms) {
                if self.next_event_ms().is_none_or(|t| s <= t) {
                    self.run_client_loops(s);
                    continue;
                }
            }
            match self.next_event_ms() {
                Some(t) if t <= deadline_ms => {
                    // Only an event before the client loops due (those at their instant come after them):
                    // a stale timer skipped first must not let a later event pass the loops, or where a runFor
                    // ends would change the run (a live page's frames against its replay).
                    let loops_ms = self.next_client_loop_ms().filter(|&s| s <= deadline_ms);
                    let limit_ms = loops_ms.map_or(deadline_ms, |s| s.saturating_sub(1));
                    self.step_event(finishing_ms.map_or(limit_ms, |t| t.min(limit_ms)));
                    self.finish_calls();
                }
                _ => {
                    self.now_ms = self.now_ms.max(deadline_ms);
                    return done(self);
                }
            }
        }
    }

    /// Runs `f` on `node`'s actor and routes what it did; returns whether it did anything (sent, traced or
    /// recorded history).
    fn dispatch(&mut self, node: NodeId, f: impl FnOnce(&mut dyn Actor, u64, &mut Outbox)) -> bool {
        let now = self.now_ms;
        let Some(n) = self.nodes.get_mut(&node) else {
            return false;
        }; // a message to a node that is gone
        let mut out = core::mem::take(&mut self.outbox);
        f(n.actor(), now, &mut out);
        let acted = !out.messages.is_empty() || !out.trace.is_empty() || !out.history.is_empty();
        if let Node::Controller(c) = n {
            if c.role() == crate::controller::raft::Role::Leader {
                let leader = *self.leaders_by_term.entry(c.term()).or_insert(node);
                assert_eq!(leader, node, "Raft's election safety: two leaders in term {}", c.term());
            }
            if c.committed_offset() > self.committed_image.applied {
                // The records committed since, applied to the world's image (a copy of the controller's at each
                // commit cost a restarted broker's thousands of ISR changes their square, adversary 56).
                let records = &c.committed_records()[self.committed_image.applied as usize..];
                // (Only a topic's removal or creation can delete one: ISR changes copy no names.)
                let about_topics = records.iter().any(|r| r.topic().is_some() && r.partition().is_none());
                let before: Vec<(String, crate::types::TopicId)> = match about_topics {
                    true => self.committed_image.topics.iter().map(|(name, t)| (name.clone(), t.topic_id)).collect(),
                    false => Vec::new(),
                };
                for record in records {
                    let applied = self.committed_image.apply(record);
                    debug_assert!(applied.is_ok(), "a committed record does not fit the world's image: {record:?}");
                }
                debug_assert_eq!(&self.committed_image, c.image(), "the world's image is the controller's");
                // A topic removed (or created again under a new id) in the committed log is deleted, whether or
                // not its admin call was answered: the checker forgets what was written to it before.
                for (topic, topic_id) in before {
                    if self.committed_image.topics.get(&topic).is_none_or(|t| t.topic_id != topic_id) {
                        self.history.record(now, history::Op::TopicDeleted { topic, topic_id });
                    }
                }
            }
        }
        self.route(node, out);
        acted
    }

    /// A timer that fires again and again doing nothing was left set to a time past (a consumer's
    /// max.poll.interval.ms during a long poll fired every millisecond: audit 94). 900 idle firings of one
    /// node's timer in a virtual second fail debug builds, the explorer's among them.
    fn note_idle_timer(&mut self, node: NodeId, acted: bool) {
        let now_ms = self.now_ms;
        let window = self.idle_timer_firings.entry(node).or_insert((now_ms, 0));
        if now_ms >= window.0 + 1_000 {
            *window = (now_ms, 0);
        }
        window.1 += u32::from(!acted);
        if window.1 >= IDLE_TIMER_FIRINGS_MAX {
            let due: Vec<_> = self.timers(node).unwrap_or_default().into_iter().filter(|t| t.at_ms <= now_ms).collect();
            debug_assert!(
                false,
                "node {node}'s timer fired {IDLE_TIMER_FIRINGS_MAX} times doing nothing in the second to t = {now_ms} ms; \
                 due: {due:?}"
            );
        }
    }

    /// Whether the committed metadata names `broker` the leader of `group`'s offsets partition (its
    /// coordinator, as Kafka places it).
    fn leads_offsets_of(&self, group: &str, broker: NodeId) -> bool {
        let offsets = self.committed_image.topics.get(crate::group::OFFSETS_TOPIC);
        offsets.is_none_or(|t| {
            let p = crate::group::coordinator_partition(group, t.partitions.len() as u32);
            t.partitions.get(p as usize).is_none_or(|p| p.leader == broker)
        })
    }

    /// Sends an actor's outbox into the world and re-arms its timer.
    fn route(&mut self, from: NodeId, mut out: Outbox) {
        for kind in out.trace.drain(..) {
            self.record(from, kind);
        }
        for mut op in out.history.drain(..) {
            if let history::Op::CommittedOffsetsFetched { group, coordinator, stale_coordinator, .. } = &mut op {
                *stale_coordinator = !self.leads_offsets_of(group, *coordinator);
            }
            if let history::Op::RecordsRemoved { topic, partition, topic_id, broker, leader_epoch, remover, .. } =
                &mut op
            {
                let committed = self.committed_image.topics.get(topic.as_str()).filter(|t| t.topic_id == *topic_id);
                let committed = committed.and_then(|t| t.partitions.get(*partition as usize));
                *remover = match committed {
                    Some(p) if p.leader_epoch == *leader_epoch && p.leader == *broker => history::Remover::Leader,
                    Some(p) if p.leader_epoch == *leader_epoch => history::Remover::Follower,
                    _ => history::Remover::Stale,
                };
            }
            self.history.record(self.now_ms, op);
        }
        for (to, message) in out.messages.drain(..) {
            if self.queue.len() >= EVENTS_QUEUED_MAX {
                continue;
            }
            let nodes = &self.nodes;
            match self.network.deliver(self.now_ms, from, to, || connection(nodes, from, to)) {
                Ok(at) => self.push_message(at, from, to, message),
                Err(lost) => {
                    if lost.cause == LossCause::Partition {
                        self.cut_losses.insert((from.min(to), from.max(to)));
                    }
                    self.remember_loss(from, to, message.api_name(), lost.cause);
                    // A client's connection a lossy link broke (a drop rate below 1, both ways) is reset at once:
                    // the client connects again and retries (where TCP would retransmit, it costs a round trip,
                    // not a request timeout). One a cut broke (a drop rate of 1 either way, a partition), the
                    // client finds out when an answer it awaits times out (Kafka's clients then close it), or
                    // when the cut ends (`reset_healed_connections`).
                    let reset = lost
                        .broke
                        .filter(|&c| lost.cause == LossCause::DropRate && self.network.passable(c.client, c.server));
                    if let Some(c) = reset {
                        if let Some(at) = self.network.reset_time_ms(self.now_ms, c.server, c.client) {
                            self.push_message(at, c.server, c.client, Message::Disconnected { correlation_id: None });
                        }
                    }
                }
            }
        }
        self.outbox = out;
        self.arm_timer(from);
    }

    fn arm_timer(&mut self, node: NodeId) {
        let wanted =
            if self.crashed.contains(&node) { None } else { self.nodes.get(&node).and_then(Node::next_timer_ms) };
        match wanted {
            None => {
                self.timer_at_ms.remove(&node);
            }
            Some(t) => {
                // Progress: a timer never fires twice at one instant for the same node.
                let floor = self.timer_fired_ms.get(&node).map_or(self.now_ms, |&fired| self.now_ms.max(fired + 1));
                let t = t.max(floor);
                if self.timer_at_ms.get(&node) != Some(&t) {
                    self.timer_at_ms.insert(node, t);
                    self.push_event(t, EventKind::Timer { node });
                }
            }
        }
    }

    fn push_message(&mut self, time_ms: u64, from: NodeId, to: NodeId, message: Message) {
        let carried = Some(Carried { from, to, message });
        let slot = match self.free_slots.pop() {
            Some(slot) => {
                debug_assert!(self.carried[slot as usize].is_none(), "a free slot holds no message");
                self.carried[slot as usize] = carried;
                slot
            }
            None => {
                self.carried.push(carried);
                (self.carried.len() - 1) as u32
            }
        };
        self.push_event(time_ms, EventKind::Deliver { slot });
    }

    fn push_event(&mut self, time_ms: u64, kind: EventKind) {
        let seq = self.next_event_seq;
        self.next_event_seq += 1;
        self.queue.push(Reverse(Event { time_ms, seq, kind }));
    }

    fn record(&mut self, node: NodeId, kind: TraceKind) {
        let name = self.node_name(node);
        self.trace.record(self.now_ms, node, name, kind);
    }

    /// Runs a user command on a node (a client call such as `send`) and routes what it produced.
    fn command<T>(&mut self, node: NodeId, f: impl FnOnce(&mut Node, u64, &mut Outbox) -> T) -> Option<T> {
        let now = self.now_ms;
        let n = self.nodes.get_mut(&node)?;
        let mut out = core::mem::take(&mut self.outbox);
        let value = f(n, now, &mut out);
        self.route(node, out);
        Some(value)
    }

    /// Starts a client named `client_id`, or as `generated` names it from the role's sequence (Kafka's
    /// `CONSUMER_CLIENT_ID_SEQUENCE` and `PRODUCER_CLIENT_ID_SEQUENCE`: counted only when a name is made, and
    /// only for a client that starts, so that a refused one leaves a replay the same run; adversary 50).
    fn add_client(
        &mut self,
        role: &'static str,
        client_id: Option<String>,
        generated: impl FnOnce(&mut u32) -> String,
        make: impl FnOnce(NodeId, String, Vec<NodeId>, rand_pcg::Pcg32) -> Node,
    ) -> Result<NodeId> {
        if self.nodes.len() - self.brokers.len() - self.controllers.len() >= CLIENTS_MAX {
            return Err(franz_err!(
                PolicyViolation,
                "Franz runs at most {CLIENTS_MAX} clients at once; close some first"
            ));
        }
        let client_id = match client_id {
            Some(id) if id.is_empty() || id.len() > 255 => {
                return Err(franz_err!(InvalidConfig, "client.id must be 1 to 255 characters"));
            }
            Some(id) => id,
            None => generated(self.client_counters.entry(role).or_insert(0)),
        };
        let id = self.next_client_id;
        self.next_client_id += 1;
        let rng = stream_rng(self.config.seed, Stream::Actor(id));
        let node = make(id, client_id.clone(), self.brokers.clone(), rng);
        self.nodes.insert(id, node);
        self.names.insert(id, client_id.clone());
        self.record(id, TraceKind::ClientStarted { client_id, role: String::from(role) });
        Ok(id)
    }

    fn remove_node(&mut self, id: NodeId) {
        self.nodes.remove(&id);
        self.timer_at_ms.remove(&id);
        self.paused_until_ms.remove(&id);
    }

    /// The host of `node`, whose process is down, refuses `sender`'s connection: the sender learns at once
    /// (a machine without power, or a node that is gone, says nothing).
    fn refuse(&mut self, node: NodeId, sender: NodeId, correlation_id: Option<CorrelationId>) {
        let silent = self.powered_off.contains(&node) || !self.nodes.contains_key(&node);
        if silent || self.crashed.contains(&sender) || !self.nodes.contains_key(&sender) {
            return;
        }
        if let Some(at) = self.network.delivery_time_ms(self.now_ms, node, sender) {
            self.push_message(at, node, sender, Message::Disconnected { correlation_id });
        }
    }

    /// `node`'s process died (its machine still runs): every peer awaiting an answer from it sees the
    /// connection reset and gives up what was out to it at once (Kafka's clients fail such requests with
    /// NETWORK_EXCEPTION and retry), rather than after its request timeout.
    fn reset_connections(&mut self, node: NodeId) {
        let peers: Vec<NodeId> = self
            .nodes
            .iter()
            .filter(|(&peer, n)| peer != node && !self.crashed.contains(&peer) && n.as_actor().awaits_answer_from(node))
            .map(|(&peer, _)| peer)
            .collect();
        for peer in peers {
            if let Some(at) = self.network.delivery_time_ms(self.now_ms, node, peer) {
                let reset = Message::Disconnected { correlation_id: None };
                self.push_message(at, node, peer, reset);
            }
        }
    }

    /// The cut between pairs that lost messages to it has healed: each side that still awaits an answer from
    /// the other sees its connection reset (see `cut_losses`); so does every client whose connection a cut or
    /// lost message broke, once both ways pass again (however the cut ended: a heal, a link's settings, a new
    /// partition).
    pub(crate) fn reset_healed_connections(&mut self) {
        let repaired: Vec<(NodeId, NodeId)> =
            self.network.broken_connections().filter(|&(c, s)| self.network.passable(c, s)).collect();
        for (client, server) in repaired {
            if self.crashed.contains(&client) || !self.nodes.contains_key(&client) {
                continue;
            }
            if let Some(at) = self.network.reset_time_ms(self.now_ms, server, client) {
                self.push_message(at, server, client, Message::Disconnected { correlation_id: None });
            }
        }
        let healed: Vec<(NodeId, NodeId)> =
            self.cut_losses.iter().copied().filter(|&(a, b)| self.network.connected(a, b)).collect();
        for (a, b) in healed {
            self.cut_losses.remove(&(a, b));
            for (waiting, peer) in [(a, b), (b, a)] {
                // (A client whose connection the cut broke was reset above.)
                let waits = !self.crashed.contains(&waiting)
                    && !self.network.connection_broken(waiting, peer)
                    && self.nodes.get(&waiting).is_some_and(|n| n.as_actor().awaits_answer_from(peer));
                if waits {
                    if let Some(at) = self.network.delivery_time_ms(self.now_ms, peer, waiting) {
                        let reset = Message::Disconnected { correlation_id: None };
                        self.push_message(at, peer, waiting, reset);
                    }
                }
            }
        }
    }

    /// Drops queued messages that `lost` says a fault took (a reset connection, a cut link). Returns the
    /// sender, receiver and correlation id of each.
    fn drop_in_flight(
        &mut self,
        cause: LossCause,
        mut lost: impl FnMut(NodeId, NodeId) -> bool,
    ) -> Vec<(NodeId, NodeId, Option<CorrelationId>)> {
        let mut dropped = Vec::new();
        let mut pictured = Vec::new();
        let (carried, free_slots) = (&mut self.carried, &mut self.free_slots);
        self.queue.retain(|Reverse(e)| {
            let EventKind::Deliver { slot } = e.kind else { return true };
            let Some(Carried { from, to, message }) = carried[slot as usize].as_ref() else { return true };
            if !lost(*from, *to) {
                return true;
            }
            if !matches!(message, Message::Disconnected { .. }) {
                dropped.push((*from, *to, message.correlation_id()));
                pictured.push((e.time_ms, e.seq, *from, *to, message.api_name()));
            }
            carried[slot as usize] = None;
            free_slots.push(slot);
            false
        });
        for &(from, to, _) in &dropped {
            self.network.count_loss(cause);
            if cause == LossCause::Partition {
                self.cut_losses.insert((from.min(to), from.max(to)));
            }
        }
        // In the order they would have arrived (the queue's own order is a heap's).
        crate::collect::sort_by(&mut pictured, |a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        for (_, _, from, to, api) in pictured {
            self.remember_loss(from, to, api, cause);
        }
        dropped
    }

    /// Remembers a user action for `scenario()`; consecutive `RunFor`s merge (running a then b is
    /// running a + b: events run in the same order either way).
    fn record_action(&mut self, action: &Action) {
        if let (Action::RunFor { ms }, Some(ScenarioEntry { action: Action::RunFor { ms: last }, .. })) =
            (action, self.actions.last_mut())
        {
            if last.saturating_add(*ms) <= ops::RUN_FOR_MS_MAX {
                *last += *ms;
                return;
            }
        }
        if self.actions_overflowed {
            return;
        }
        if self.actions.len() >= SCENARIO_ACTIONS_MAX {
            self.let_actions_go();
            return;
        }
        self.actions_bytes += action_json_bytes(action);
        self.actions.push(ScenarioEntry { at_ms: self.now_ms, action: action.clone(), cut_at_ms: None });
    }

    /// Past what a scenario holds, `scenario()` refuses, and the actions are let go. (Judged once a call is
    /// done: a refused call leaves no action, and its records count for nothing.)
    fn let_actions_go(&mut self) {
        self.actions_overflowed = true;
        self.actions = Vec::new();
    }
}

/// About how many bytes of JSON an action makes (a send's records counted by their size).
fn action_json_bytes(action: &Action) -> usize {
    ACTION_JSON_BYTES
        + match action {
            Action::Send { records, .. } => records
                .iter()
                .map(|r| ACTION_JSON_BYTES + crate::types::record_size_bytes(&r.key, &r.value, &r.headers))
                .sum(),
            _ => 0,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_pop_in_time_then_sequence_order() {
        let mut heap = BinaryHeap::new();
        for (time_ms, seq) in [(5, 0), (1, 1), (5, 2), (1, 3), (0, 4)] {
            heap.push(Reverse(Event { time_ms, seq, kind: EventKind::Timer { node: 1 } }));
        }
        let order: Vec<(u64, u64)> = core::iter::from_fn(|| heap.pop().map(|Reverse(e)| (e.time_ms, e.seq))).collect();
        assert_eq!(order, [(0, 4), (1, 1), (1, 3), (5, 0), (5, 2)]);
    }

    #[test]
    fn run_for_moves_the_clock_even_when_idle() {
        let mut world = World::new(ClusterConfig::default()).unwrap();
        let start = world.now_ms();
        assert!(start > 0, "forming the cluster takes an election and registrations");
        world.run_for(1_500);
        assert_eq!(world.now_ms(), start + 1_500);
    }

    #[test]
    fn messages_in_flight_are_listed_in_arrival_order() {
        let mut world = World::new(ClusterConfig::default()).unwrap();
        world.create_topic("orders", 1, None, ConfigMap::new()).unwrap();
        let config = crate::client::ProducerConfig { linger_ms: 0, ..crate::client::ProducerConfig::default() };
        let producer = world.add_producer(config).unwrap();
        world.send(producer, "orders", alloc::vec![crate::types::ProducerRecord::default()]).unwrap();
        world.send_async(producer, "orders", alloc::vec![crate::types::ProducerRecord::default()]).unwrap();
        let mut produce = None;
        while produce.is_none() && world.step() {
            let flying = world.messages_in_flight(usize::MAX);
            assert!(flying.windows(2).all(|w| w[0].arrives_ms <= w[1].arrives_ms));
            assert!(flying.iter().all(|m| m.arrives_ms >= world.now_ms()));
            produce = flying.into_iter().find(|m| m.api == "Produce" && m.from == producer);
        }
        let leader = world.describe_topic("orders").unwrap().partitions[0].leader;
        assert_eq!(produce.map(|m| Some(m.to)), Some(leader), "the request is on its way to the leader");
        let all = world.messages_in_flight(usize::MAX);
        let first = all.len() - 1;
        assert!(first >= 1, "{all:?}");
        assert_eq!(world.messages_in_flight(first), all[..first], "the first to arrive");
    }

    #[test]
    fn messages_lost_at_a_cut_are_remembered_for_pictures_only() {
        let run = |look: bool| {
            let mut world = World::new(ClusterConfig::default()).unwrap();
            world.run_for(1_000);
            let cut_at = world.now_ms();
            world.partition_network(alloc::vec![alloc::vec![1, FIRST_CONTROLLER_ID]]).unwrap();
            world.run_for(3_000);
            if look {
                let lost = world.messages_lost_since(cut_at);
                assert!(!lost.is_empty() && lost.len() <= MESSAGES_LOST_KEPT_MAX, "{lost:?}");
                let side_a = |n: NodeId| n == 1 || n == FIRST_CONTROLLER_ID;
                for m in &lost {
                    assert_eq!(m.cause, LossCause::Partition, "{m:?}");
                    assert_ne!(side_a(m.from), side_a(m.to), "only messages across the cut are lost: {m:?}");
                    assert!(m.lost_ms >= cut_at && m.lost_ms <= world.now_ms());
                }
                assert!(lost.windows(2).all(|w| w[0].lost_ms <= w[1].lost_ms), "oldest first");
                assert!(lost.iter().any(|m| m.api == "BrokerHeartbeat" || m.api == "AppendEntries"), "{lost:?}");
            }
            world.heal_network().unwrap();
            let healed_at = world.now_ms();
            world.run_for(3_000);
            if look {
                let after = world.messages_lost_since(healed_at + 1);
                assert!(after.iter().all(|m| m.cause != LossCause::Partition), "{after:?}");
            }
            world.trace().hash()
        };
        assert_eq!(run(true), run(false), "reading them changes nothing in the run");
    }

    #[test]
    fn absurd_clusters_are_refused() {
        for brokers in [0, BROKERS_MAX + 1, 1_000_000_000] {
            let err = World::new(ClusterConfig { brokers, ..Default::default() }).err().unwrap();
            assert_eq!(err.code, crate::error::ErrorCode::InvalidConfig);
        }
    }
}
