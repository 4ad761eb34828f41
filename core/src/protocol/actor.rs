//! The actor interface every simulated process implements, in quinn-proto's and raft-rs's spirit: messages
//! and timers in, an [`Outbox`] out; the timers an actor waits for, named in a table ([`Timers`]); and the
//! requests it awaits answers to ([`InFlight`]).
//!
//! Commands (a user's `send`, `poll`, `createTopic` ...) are each actor's own methods, called by the world
//! between steps: they fill the same outbox, and their results are read back from the actor (a producer's
//! `take_results`, an admin client's `take_result`), so an answer that takes network round trips arrives as
//! a result to collect, as with Kafka's futures.

use crate::vec_map::{VecMap, VecSet};
use alloc::string::String;
use alloc::vec::Vec;
use serde::Serialize;

use crate::protocol::history::Op;
use crate::protocol::message::Message;
use crate::protocol::trace::TraceKind;
use crate::types::NodeId;

pub type CorrelationId = u64;

/// An actor's correlation ids, from 1 (Kafka's clients number their requests the same way): one counter
/// per actor, so that an answer matches exactly one question.
#[derive(Clone, Debug)]
pub struct CorrelationIds {
    next: CorrelationId,
}

impl Default for CorrelationIds {
    fn default() -> Self {
        CorrelationIds { next: 1 }
    }
}

impl CorrelationIds {
    pub fn next_id(&mut self) -> CorrelationId {
        let id = self.next;
        self.next += 1;
        id
    }
}

/// What a state machine hands back from one step: messages to send, trace lines and history entries to record.
/// Every state machine writes into one: the actors (`Outbox<Message>`, which the simulator empties after every
/// dispatch), Raft (`Outbox<RaftMessage>`, which the controller wraps into messages) and a group (whose host
/// broker forwards it).
#[derive(Debug)]
pub struct Outbox<M = Message> {
    pub(crate) messages: Vec<(NodeId, M)>,
    pub(crate) trace: Vec<TraceKind>,
    pub(crate) history: Vec<Op>,
}

impl<M> Default for Outbox<M> {
    fn default() -> Self {
        Outbox { messages: Vec::new(), trace: Vec::new(), history: Vec::new() }
    }
}

impl<M> Outbox<M> {
    pub fn send(&mut self, to: NodeId, message: M) {
        self.messages.push((to, message));
    }

    pub fn trace(&mut self, kind: TraceKind) {
        self.trace.push(kind);
    }

    /// A client operation's invocation or completion, for the checker.
    pub fn history(&mut self, op: Op) {
        self.history.push(op);
    }

    /// The messages sent so far, in order, leaving the trace and history.
    pub fn take_messages(&mut self) -> Vec<(NodeId, M)> {
        core::mem::take(&mut self.messages)
    }

    /// Moves what an inner state machine produced into this outbox, its messages wrapped by `wrap` (those
    /// `wrap` drops are not sent), after what is here already.
    pub fn absorb<N>(&mut self, inner: Outbox<N>, mut wrap: impl FnMut(NodeId, N) -> Option<M>) {
        self.trace.extend(inner.trace);
        self.history.extend(inner.history);
        for (to, message) in inner.messages {
            if let Some(message) = wrap(to, message) {
                self.messages.push((to, message));
            }
        }
    }
}

/// The shape every simulated process has (raft-rs's step/tick, quinn-proto's handle/poll_timeout).
pub trait Actor {
    fn on_message(&mut self, now_ms: u64, from: NodeId, message: Message, out: &mut Outbox);
    /// Runs whatever is due at `now_ms`; the world calls it at [`Actor::next_timer_ms`].
    fn on_timer(&mut self, now_ms: u64, out: &mut Outbox);
    /// Every timer the actor waits for, by name.
    fn timers(&self, timers: &mut Timers);
    /// Whether it awaits an answer from `node`: if `node`'s process dies, the world resets the connection
    /// (a `Disconnected` without a correlation id), as a peer's TCP stack sees a closed socket.
    fn awaits_answer_from(&self, _node: NodeId) -> bool {
        false
    }
    /// Which of its connections to `node` it uses now, counted from 1, and whether `node` has answered on it,
    /// if it keeps connections (clients): a connection a lost message broke stays broken until the next one
    /// (the world's network keeps TCP's order).
    fn connection(&self, _node: NodeId) -> Option<(u32, bool)> {
        None
    }
    /// When `on_timer` wants to run next, if ever: the earliest of [`Actor::timers`].
    fn next_timer_ms(&self) -> Option<u64> {
        let mut timers = Timers::earliest();
        self.timers(&mut timers);
        timers.next_ms()
    }
}

/// What an actor waits for, named by the Kafka setting that sets the wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub enum TimerName {
    /// An answer awaited (clients, a broker's requests to the controller).
    RequestTimeout,
    /// Waiting before asking again after a failure (metadata, coordinator, a commit, a rejoin).
    RetryBackoff,
    /// A producer batch waiting for more records.
    Linger,
    /// A send that fails if not acknowledged by then.
    DeliveryTimeout,
    /// A send waiting for its topic's metadata.
    MaxBlock,
    /// A group member's next heartbeat.
    HeartbeatInterval,
    /// A member's liveness, as its coordinator sees it (and KIP-394's pending members).
    SessionTimeout,
    /// A consumer that has not polled leaves its group then.
    MaxPollInterval,
    /// A consumer waiting in `poll` commits its positions then (auto-commit).
    AutoCommitInterval,
    /// Metadata reread (a group leader's assigned topics).
    MetadataMaxAge,
    /// A rebalance's join phase ends then, without whoever has not rejoined.
    RebalanceTimeout,
    /// A group record awaiting replication.
    OffsetsCommitTimeout,
    /// An admin call's overall deadline.
    DefaultApiTimeout,
    /// A long-polling consumer fetch.
    FetchMaxWait,
    /// A produce waiting for its acks.
    ProduceTimeout,
    /// A parked follower fetch (or a broker's metadata fetch at the controller).
    ReplicaFetchWaitMax,
    /// A follower fetch awaited from its leader.
    ReplicaSocketTimeout,
    /// A follower waiting before fetching again from a leader that failed.
    ReplicaFetchBackoff,
    /// The leader's next look at its followers' lag.
    ReplicaLagTimeMax,
    /// The log flusher (flush.ms, flush.messages).
    LogFlushScheduler,
    /// The high watermark checkpoint file.
    HighWatermarkCheckpoint,
    /// The retention check (retention.ms, retention.bytes).
    LogRetentionCheck,
    /// The log cleaner's next run (compaction).
    LogCleanerBackoff,
    /// A group coordinator's look for committed offsets past `offsets.retention.minutes`.
    OffsetsRetentionCheck,
    /// A broker's next heartbeat to the controller.
    BrokerHeartbeatInterval,
    /// The controller fences a broker that has not heartbeated by then.
    BrokerSessionTimeout,
    /// A quorum follower or candidate starts an election.
    QuorumElectionTimeout,
    /// A quorum leader that hears from no majority steps down.
    QuorumFetchTimeout,
    /// The controller's preferred-leader check.
    LeaderImbalanceCheck,
    /// The controller's look for leaderless partitions that may now take an unclean leader.
    UncleanLeaderElectionCheck,
}

impl TimerName {
    /// The Kafka setting (or constant) behind the wait, as the page names it.
    pub fn config_key(self) -> &'static str {
        match self {
            TimerName::RequestTimeout => "request.timeout.ms",
            TimerName::RetryBackoff => "retry.backoff.ms",
            TimerName::Linger => "linger.ms",
            TimerName::DeliveryTimeout => "delivery.timeout.ms",
            TimerName::MaxBlock => "max.block.ms",
            TimerName::HeartbeatInterval => "heartbeat.interval.ms",
            TimerName::SessionTimeout => "session.timeout.ms",
            TimerName::MaxPollInterval => "max.poll.interval.ms",
            TimerName::AutoCommitInterval => "auto.commit.interval.ms",
            TimerName::MetadataMaxAge => "metadata.max.age.ms",
            TimerName::RebalanceTimeout => "rebalance.timeout.ms",
            TimerName::OffsetsCommitTimeout => "offsets.commit.timeout.ms",
            TimerName::DefaultApiTimeout => "default.api.timeout.ms",
            TimerName::FetchMaxWait => "fetch.max.wait.ms",
            TimerName::ProduceTimeout => "timeout.ms",
            TimerName::ReplicaFetchWaitMax => "replica.fetch.wait.max.ms",
            TimerName::ReplicaSocketTimeout => "replica.socket.timeout.ms",
            TimerName::ReplicaFetchBackoff => "replica.fetch.backoff.ms",
            TimerName::ReplicaLagTimeMax => "replica.lag.time.max.ms",
            TimerName::LogFlushScheduler => "log.flush.scheduler.interval.ms",
            TimerName::HighWatermarkCheckpoint => "replica.high.watermark.checkpoint.interval.ms",
            TimerName::LogRetentionCheck => "log.retention.check.interval.ms",
            TimerName::LogCleanerBackoff => "log.cleaner.backoff.ms",
            TimerName::OffsetsRetentionCheck => "offsets.retention.check.interval.ms",
            TimerName::BrokerHeartbeatInterval => "broker.heartbeat.interval.ms",
            TimerName::BrokerSessionTimeout => "broker.session.timeout.ms",
            TimerName::QuorumElectionTimeout => "controller.quorum.election.timeout.ms",
            TimerName::QuorumFetchTimeout => "controller.quorum.fetch.timeout.ms",
            TimerName::LeaderImbalanceCheck => "leader.imbalance.check.interval.seconds",
            TimerName::UncleanLeaderElectionCheck => "unclean.leader.election.interval.ms",
        }
    }
}

/// One timer an actor waits for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Timer {
    pub name: TimerName,
    pub at_ms: u64,
    /// Whom it is about, when not the actor itself: "broker 2" (its session at the controller), a group
    /// member's id (its session at the coordinator).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
}

/// The table of timers an actor reports. Asked for its next wake-up only ([`Timers::earliest`]) it keeps
/// the minimum and allocates nothing; asked to list them ([`Timers::listing`]) it keeps each.
#[derive(Clone, Debug)]
pub struct Timers {
    earliest: Option<u64>,
    listed: Option<Vec<Timer>>,
}

impl Timers {
    pub fn earliest() -> Timers {
        Timers { earliest: None, listed: None }
    }

    pub fn listing() -> Timers {
        Timers { earliest: None, listed: Some(Vec::new()) }
    }

    /// Whether every timer is wanted (a view), not just the earliest: an actor whose timers fall due in a
    /// known order may then skip all but the first.
    pub fn lists_all(&self) -> bool {
        self.listed.is_some()
    }

    /// The actor wants to run at `at_ms` (nothing if `None`) for `name`.
    pub fn set(&mut self, name: TimerName, at_ms: impl Into<Option<u64>>) {
        self.set_about(name, at_ms, || None);
    }

    /// As [`Timers::set`], for a timer about someone (`about` is only called when listing).
    pub fn set_about(
        &mut self,
        name: TimerName,
        at_ms: impl Into<Option<u64>>,
        about: impl FnOnce() -> Option<String>,
    ) {
        let Some(at_ms) = at_ms.into() else { return };
        self.earliest = Some(self.earliest.map_or(at_ms, |e| e.min(at_ms)));
        if let Some(listed) = self.listed.as_mut() {
            listed.push(Timer { name, at_ms, about: about() });
        }
    }

    /// Several timers of one name.
    pub fn set_all(&mut self, name: TimerName, at_ms: impl IntoIterator<Item = u64>) {
        for at in at_ms {
            self.set(name, at);
        }
    }

    pub fn next_ms(&self) -> Option<u64> {
        self.earliest
    }

    /// The timers listed, earliest first (ties by name); empty unless made with [`Timers::listing`].
    pub fn into_list(self) -> Vec<Timer> {
        let mut listed = self.listed.unwrap_or_default();
        crate::collect::sort_by(&mut listed, |a, b| (a.at_ms, a.name, &a.about).cmp(&(b.at_ms, b.name, &b.about)));
        listed
    }
}

/// Kafka's `socket.connection.setup.timeout.ms` and `socket.connection.setup.timeout.max.ms` (client
/// defaults): how long a client waits for a connection to a node that says nothing (a machine without power,
/// a cut link), doubling after each failure to that node up to the maximum. (Kafka adds ±20% jitter.)
pub const SOCKET_CONNECTION_SETUP_TIMEOUT_MS: u64 = 10_000;
pub const SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS: u64 = 30_000;

/// One request awaiting its answer.
#[derive(Clone, Debug)]
pub struct InFlightRequest<P> {
    pub to: NodeId,
    /// The answer is given up on at this time (the sender's request timeout; earlier while the connection
    /// is being set up), or at once if the connection to `to` broke.
    pub deadline_ms: u64,
    /// The request timeout's deadline, once the connection is up.
    request_deadline_ms: u64,
    /// It waits for a connection to `to` to be set up (no answer from `to` since the last one broke).
    connecting: bool,
    /// Past its deadline, as [`InFlight::due`] found (counted once).
    expired: bool,
    /// What the sender must remember to handle the answer.
    pub pending: P,
}

impl<P> InFlightRequest<P> {
    /// Given up on while its connection was being set up: the node said nothing.
    pub fn timed_out_connecting(&self) -> bool {
        self.connecting && self.expired
    }
}

/// The requests an actor sent and awaits, by correlation id (Kafka's `InFlightRequests` of its
/// `NetworkClient`), with the counter that numbers them.
#[derive(Clone, Debug)]
pub struct InFlight<P> {
    ids: CorrelationIds,
    requests: VecMap<CorrelationId, InFlightRequest<P>>,
    /// Whether connections are modelled (Kafka's clients: [`InFlight::with_connections`]).
    connections: bool,
    links: Connections,
}

/// A client's connections (Kafka's `ClusterConnectionStates`); apart from the requests, so that its code
/// exists once for every kind of request.
#[derive(Clone, Debug, Default)]
struct Connections {
    /// Nodes with a connection up: one answered since the last break.
    connected: VecSet<NodeId>,
    /// Connections being set up, until when; and the setups to each node that failed in a row.
    setups: VecMap<NodeId, u64>,
    failed_setups: VecMap<NodeId, u32>,
    /// The connections set up to each node so far (the one in use is the last).
    generations: VecMap<NodeId, u32>,
    /// Requests the client gave up on before their answer came, by correlation id: to whom, until when, and
    /// whether while connecting. Kafka's `NetworkClient` still awaits them on their connection, and closes it
    /// if no answer comes in time (a connection a lost message broke is found so, whatever the client wanted).
    abandoned: VecMap<CorrelationId, (NodeId, u64, bool)>,
}

impl Connections {
    /// When a request to `to` sent at `now_ms` with its request deadline is given up on, and whether it
    /// waits for its connection to be set up.
    fn deadline_ms(&mut self, now_ms: u64, to: NodeId, deadline_ms: u64) -> (u64, bool) {
        if self.connected.contains(&to) {
            return (deadline_ms, false);
        }
        let failures = self.failed_setups.get(&to).copied().unwrap_or(0);
        let timeout_ms =
            (SOCKET_CONNECTION_SETUP_TIMEOUT_MS << failures.min(8)).min(SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS);
        let setup_ms = match self.setups.get(&to) {
            Some(&setup_ms) => setup_ms,
            None => {
                *self.generations.entry(to).or_insert(0) += 1;
                let setup_ms = now_ms.saturating_add(timeout_ms);
                self.setups.insert(to, setup_ms);
                setup_ms
            }
        };
        (setup_ms.min(deadline_ms), true)
    }

    /// `from` answered: false if its connection was up already.
    fn heard_from(&mut self, from: NodeId) -> bool {
        if !self.connected.insert(from) {
            return false;
        }
        self.setups.remove(&from);
        self.failed_setups.remove(&from);
        true
    }

    /// The connection to `node` broke (`closed`: not a refusal naming one request); a refusal needs no
    /// timeout to be known, so the next connection is tried at once.
    fn broke(&mut self, node: NodeId, closed: bool) {
        if closed {
            self.connected.remove(&node);
        }
        self.setups.remove(&node);
    }

    /// The connections whose given-up requests went unanswered past their deadline are closed.
    /// Returns the nodes whose connection it closed.
    fn close_unanswered(&mut self, now_ms: u64) -> Vec<NodeId> {
        let gone: Vec<CorrelationId> = self
            .abandoned
            .iter()
            .filter(|(_, &(_, deadline_ms, _))| deadline_ms <= now_ms)
            .map(|(&id, _)| id)
            .collect();
        let mut closed = Vec::new();
        for id in gone {
            if let Some((to, _, connecting)) = self.abandoned.remove(&id) {
                self.timed_out(to, connecting);
                closed.push(to);
            }
        }
        closed
    }

    /// A request to `to` timed out (`connecting`: while its connection was being set up).
    fn timed_out(&mut self, to: NodeId, connecting: bool) {
        self.connected.remove(&to);
        if connecting && self.setups.remove(&to).is_some() {
            *self.failed_setups.entry(to).or_insert(0) += 1;
        }
    }
}

impl<P> Default for InFlight<P> {
    fn default() -> Self {
        InFlight {
            ids: CorrelationIds::default(),
            requests: VecMap::new(),
            connections: false,
            links: Connections::default(),
        }
    }
}

impl<P> InFlight<P> {
    /// A client's requests, over connections: the first request to a node that has not answered since its
    /// connection broke waits for the connection to be set up, and is given up on after
    /// `socket.connection.setup.timeout.ms` if the node says nothing (a host whose process is down refuses
    /// at once: [`InFlight::disconnected`]). Kafka's `ClusterConnectionStates`.
    pub fn with_connections() -> Self {
        InFlight { connections: true, ..InFlight::default() }
    }

    /// Numbers a new request to `to`, sent at `now_ms` with its request timeout's deadline, and records it;
    /// the caller sends it with the id returned.
    pub fn start(&mut self, now_ms: u64, to: NodeId, deadline_ms: u64, pending: P) -> CorrelationId {
        let correlation_id = self.ids.next_id();
        let (effective_ms, connecting) =
            if self.connections { self.links.deadline_ms(now_ms, to, deadline_ms) } else { (deadline_ms, false) };
        let request = InFlightRequest {
            to,
            deadline_ms: effective_ms,
            request_deadline_ms: deadline_ms,
            connecting,
            expired: false,
            pending,
        };
        self.requests.insert(correlation_id, request);
        correlation_id
    }

    /// `from` answered (`correlation_id`, if its message answers one): the connection to it is up (its
    /// requests waiting for it now wait for their answers).
    pub fn heard_from(&mut self, from: NodeId, correlation_id: Option<CorrelationId>) {
        if let Some(id) = correlation_id {
            self.links.abandoned.remove(&id);
        }
        if !self.connections || !self.links.heard_from(from) {
            return;
        }
        for (_, r) in self.requests.iter_mut().filter(|(_, r)| r.to == from && r.connecting) {
            (r.connecting, r.deadline_ms) = (false, r.deadline_ms.max(r.request_deadline_ms));
        }
    }

    /// Which of its connections to `to` a request sent now goes on (see [`Actor::connection`]).
    pub fn connection(&self, to: NodeId) -> Option<(u32, bool)> {
        let generation = self.links.generations.get(&to).copied().unwrap_or(0);
        self.connections.then(|| (generation, self.links.connected.contains(&to)))
    }

    /// A number for a request to `to` no answer is awaited to (acks=0). It goes on the connection up, or on a
    /// new one, taken as up at once (nothing will answer on it to say so).
    pub fn unawaited_id(&mut self, to: NodeId) -> CorrelationId {
        if self.connections && !self.links.connected.contains(&to) && !self.links.setups.contains_key(&to) {
            *self.links.generations.entry(to).or_insert(0) += 1;
            self.links.connected.insert(to);
        }
        self.ids.next_id()
    }

    /// The answer to `correlation_id` came, or it is given up on: what it was for, if still awaited.
    pub fn take(&mut self, correlation_id: CorrelationId) -> Option<InFlightRequest<P>> {
        self.links.abandoned.remove(&correlation_id);
        self.requests.remove(&correlation_id)
    }

    pub fn get(&self, correlation_id: CorrelationId) -> Option<&InFlightRequest<P>> {
        self.requests.get(&correlation_id)
    }

    /// The requests past their deadline that `which` selects, oldest first; the caller [`InFlight::take`]s
    /// each in turn (handling one may forget another).
    /// Kafka's client closes a connection whose request timed out, and counts a setup that timed out: the
    /// next request to that node sets up a new one, waiting longer.
    pub fn due(&mut self, now_ms: u64, which: impl Fn(&P) -> bool) -> Vec<CorrelationId> {
        let mut closed = self.links.close_unanswered(now_ms);
        if self.connections {
            // Kafka's NetworkClient: a request that times out closes its connection, and every request out on
            // it fails with it, to be retried together rather than each after its own timeout (found by an
            // adversary: five sends a few seconds apart came back 5 s apart, each after its own 30 s).
            closed.extend(self.requests.values().filter(|r| r.deadline_ms <= now_ms && !r.expired).map(|r| r.to));
            for r in self.requests.values_mut().filter(|r| !r.expired && closed.contains(&r.to)) {
                r.deadline_ms = r.deadline_ms.min(now_ms);
            }
        }
        let mut due = Vec::new();
        for (&id, r) in self.requests.iter_mut().filter(|(_, r)| r.deadline_ms <= now_ms && which(&r.pending)) {
            due.push(id);
            if core::mem::replace(&mut r.expired, true) || !self.connections {
                continue;
            }
            self.links.timed_out(r.to, r.connecting);
        }
        due
    }

    /// The connection to `node` broke: its requests (only `refused`, when the refusal names one: those sent
    /// since went out on a new connection) are due now; `mark` notes the cause on each.
    pub fn disconnected(
        &mut self,
        now_ms: u64,
        node: NodeId,
        refused: Option<CorrelationId>,
        mut mark: impl FnMut(&mut P),
    ) {
        let lost = |id: CorrelationId| refused.is_none_or(|r| r == id);
        self.links.broke(node, refused.is_none());
        self.links.abandoned.retain(|&id, &mut (to, _, _)| to != node || !lost(id));
        for (_, request) in self.requests.iter_mut().filter(|(&id, r)| r.to == node && lost(id)) {
            request.deadline_ms = now_ms;
            mark(&mut request.pending);
        }
    }

    /// The client closes its connection to `node` (Kafka's consumer, losing its coordinator): the next
    /// request to it sets up a new one. What is still out to it keeps its deadline.
    pub fn close(&mut self, node: NodeId) {
        if self.connections {
            self.links.broke(node, true);
        }
    }

    /// Forgets the requests whose answer no longer matters (`keep` may also narrow what one awaits).
    pub fn retain(&mut self, mut keep: impl FnMut(&mut P) -> bool) {
        let (connections, abandoned) = (self.connections, &mut self.links.abandoned);
        self.requests.retain(|&id, r| {
            let kept = keep(&mut r.pending);
            if !kept && connections && !r.expired {
                abandoned.insert(id, (r.to, r.deadline_ms, r.connecting));
            }
            kept
        });
    }

    pub fn any(&self, f: impl Fn(&P) -> bool) -> bool {
        self.requests.values().any(|r| f(&r.pending))
    }

    /// The requests, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = (CorrelationId, &InFlightRequest<P>)> {
        self.requests.iter().map(|(&id, r)| (id, r))
    }

    /// Requests to `to` that `which` selects.
    pub fn count_to(&self, to: NodeId, which: impl Fn(&P) -> bool) -> usize {
        self.requests.values().filter(|r| r.to == to && which(&r.pending)).count()
    }

    pub fn deadlines_ms(&self) -> impl Iterator<Item = u64> + '_ {
        self.requests
            .values()
            .map(|r| r.deadline_ms)
            .chain(self.links.abandoned.values().map(|&(_, deadline_ms, _)| deadline_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_setup_times_out_doubling_to_its_maximum_and_an_answer_opens_it() {
        let mut in_flight: InFlight<()> = InFlight::with_connections();
        let request_timeout_ms = 30_000;
        let mut waited = Vec::new();
        let mut now = 0;
        for _ in 0..3 {
            let id = in_flight.start(now, 1, now + request_timeout_ms, ());
            let deadline = in_flight.get(id).unwrap().deadline_ms;
            waited.push(deadline - now);
            assert_eq!(in_flight.due(deadline, |_| true), [id]);
            assert!(in_flight.take(id).unwrap().timed_out_connecting());
            now = deadline;
        }
        assert_eq!(waited, [10_000, 20_000, 30_000], "socket.connection.setup.timeout.ms, doubled, to .max.ms");
        // A second request while the first sets up waits for the same setup; an answer opens the connection,
        // and both then wait their request timeouts.
        let a = in_flight.start(now, 2, now + request_timeout_ms, ());
        let b = in_flight.start(now + 5, 2, now + 5 + request_timeout_ms, ());
        assert_eq!(in_flight.get(b).unwrap().deadline_ms, now + 10_000);
        in_flight.heard_from(2, None);
        assert_eq!(in_flight.get(a).unwrap().deadline_ms, now + request_timeout_ms);
        assert_eq!(in_flight.get(b).unwrap().deadline_ms, now + 5 + request_timeout_ms);
        // A request timeout closes the connection, and what was out on it fails with it (Kafka's NetworkClient).
        assert_eq!(in_flight.due(now + request_timeout_ms, |_| true), [a, b]);
        // A request timeout closes the connection: the next request sets one up again (from 10 s: it had
        // answered since its last failed setup).
        let c = in_flight.start(now + request_timeout_ms, 2, now + 2 * request_timeout_ms, ());
        assert_eq!(in_flight.get(c).unwrap().deadline_ms, now + request_timeout_ms + 10_000);
        // Node 1 answers at last: its failures are forgotten, and a request to it waits its request timeout.
        in_flight.heard_from(1, None);
        let d = in_flight.start(now, 1, now + request_timeout_ms, ());
        assert_eq!(in_flight.get(d).unwrap().deadline_ms, now + request_timeout_ms);
        // Without connections (a broker's, the admin client's): the request timeout alone.
        let mut plain: InFlight<()> = InFlight::default();
        let e = plain.start(0, 1, request_timeout_ms, ());
        assert_eq!(plain.get(e).unwrap().deadline_ms, request_timeout_ms);
    }

    /// Kafka's `NetworkClient` awaits a request the client gave up on: if its answer never comes (a lost
    /// message broke the connection), the connection is closed at its deadline, and the next request goes on
    /// a new one. Found by the explorer: a consumer's heartbeats went on a broken connection for minutes.
    #[test]
    fn a_request_given_up_on_still_closes_its_connection_when_no_answer_comes() {
        let mut in_flight: InFlight<u8> = InFlight::with_connections();
        let a = in_flight.start(0, 1, 100, 0);
        in_flight.heard_from(1, None);
        assert_eq!(in_flight.connection(1).map(|c| c.0), Some(1));
        // Given up on, answered: nothing to close.
        in_flight.retain(|_| false);
        in_flight.heard_from(1, Some(a));
        assert!(in_flight.due(100, |_| true).is_empty());
        in_flight.start(100, 1, 200, 0);
        assert_eq!(in_flight.connection(1).map(|c| c.0), Some(1), "the same connection");
        // Given up on, never answered: closed at its deadline.
        in_flight.retain(|_| false);
        assert_eq!(in_flight.deadlines_ms().collect::<Vec<_>>(), [200]);
        assert!(in_flight.due(200, |_| true).is_empty(), "nothing for the caller");
        assert_eq!(in_flight.deadlines_ms().count(), 0);
        in_flight.start(200, 1, 300, 0);
        assert_eq!(in_flight.connection(1).map(|c| c.0), Some(2), "a new connection");
        // Closed by the client (a consumer losing its coordinator): the next request opens a new one too.
        in_flight.close(1);
        in_flight.start(210, 1, 310, 0);
        assert_eq!(in_flight.connection(1).map(|c| c.0), Some(3));
    }
}
