//! One controller process: a Raft voter for the metadata log and, while it leads, the active controller
//! that decides (topic administration, broker liveness, leaders and ISRs) by writing metadata records.
//!
//! The active controller validates each request against its *latest* image (the committed records plus
//! its own uncommitted ones, so that two requests in a row see each other, as Kafka's timeline state
//! does) and answers only once the records it wrote are committed. A controller that loses leadership
//! answers what it still owed with `NOT_CONTROLLER`; its uncommitted records may vanish, and the client
//! tries again.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use rand_pcg::Pcg32;

use super::election::{elect_leader, isr_without};
use super::metadata::{MetadataImage, MetadataRecord, PartitionImage};
use super::placement::assign_replicas_random;
use super::raft::{LogIndex, RaftDisk, RaftMessage, RaftNode, Role, Term};
use crate::config::{BrokerConfig, ConfigMap, TopicConfig};
use crate::config::{PARTITIONS_PER_TOPIC_MAX, TOPICS_MAX};
use crate::error::{FranzError, Result};
use crate::protocol::message::{Actor, AdminOp, AlterPartition, CorrelationId, Message, Outbox, PartitionState};
use crate::protocol::trace::TraceKind;
use crate::types::{is_internal_topic, validate_topic_name, NodeId, NO_NODE};

/// Franz's bound on metadata records in one MetadataFetch response.
pub const METADATA_RECORDS_PER_FETCH_MAX: usize = 1_000;
/// Franz's bound on requests waiting for their records to commit, and on parked metadata fetches.
pub const PENDING_REQUESTS_MAX: usize = 10_000;

/// What to answer once a request's records are committed.
#[derive(Clone, Debug)]
enum Reply {
    Admin { correlation_id: CorrelationId, trace: Vec<TraceKind> },
    Registration { correlation_id: CorrelationId },
    AlterPartition { correlation_id: CorrelationId, topic: String, partition: u32 },
}

#[derive(Clone, Debug)]
struct Pending {
    /// The request's last record; answered when it is committed in this term.
    index: LogIndex,
    term: Term,
    to: NodeId,
    reply: Reply,
}

#[derive(Clone, Debug)]
struct ParkedFetch {
    from: NodeId,
    correlation_id: CorrelationId,
    offset: u64,
    deadline_ms: u64,
}

#[derive(Clone, Debug)]
pub struct Controller {
    id: NodeId,
    voters: Vec<NodeId>,
    config: BrokerConfig,
    raft: RaftNode<MetadataRecord>,
    /// Placement's dice (Kafka draws the start index and shift at random).
    rng: Pcg32,
    /// The committed records in order (the metadata log brokers fetch) and the image they build.
    records: Vec<MetadataRecord>,
    image: MetadataImage,
    /// Raft entries applied to `image`.
    applied_index: LogIndex,
    /// Leader only: the image with this leader's uncommitted records too, and up to which entry.
    latest: MetadataImage,
    latest_index: LogIndex,
    /// The term `latest` was built in; a new term rebuilds it.
    latest_term: Term,
    /// Leader only: when each broker last heartbeated.
    last_heartbeat_ms: BTreeMap<NodeId, u64>,
    last_rebalance_ms: u64,
    pending: Vec<Pending>,
    parked: Vec<ParkedFetch>,
}

impl Controller {
    pub fn new(id: NodeId, voters: Vec<NodeId>, config: BrokerConfig, rng: Pcg32, placement_rng: Pcg32) -> Controller {
        let disk = RaftDisk { term: 0, voted_for: None, log: Vec::new() };
        Controller::from_disk(id, voters, config, disk, rng, placement_rng, 0)
    }

    /// A controller process starting with `disk` (Raft's term, vote and log); the rest is memory, rebuilt
    /// from the log as entries commit.
    fn from_disk(
        id: NodeId,
        voters: Vec<NodeId>,
        config: BrokerConfig,
        disk: RaftDisk<MetadataRecord>,
        rng: Pcg32,
        placement_rng: Pcg32,
        now_ms: u64,
    ) -> Controller {
        Controller {
            id,
            raft: RaftNode::new(id, voters.clone(), disk, rng, now_ms),
            voters,
            config,
            rng: placement_rng,
            records: Vec::new(),
            image: MetadataImage::default(),
            applied_index: 0,
            latest: MetadataImage::default(),
            latest_index: 0,
            latest_term: 0,
            last_heartbeat_ms: BTreeMap::new(),
            last_rebalance_ms: now_ms,
            pending: Vec::new(),
            parked: Vec::new(),
        }
    }

    pub fn id(&self) -> NodeId {
        self.id
    }

    pub fn role(&self) -> Role {
        self.raft.role()
    }

    pub fn term(&self) -> Term {
        self.raft.term()
    }

    /// The leader this controller knows of, if any.
    pub fn leader(&self) -> Option<NodeId> {
        self.raft.leader()
    }

    /// The committed metadata records this controller has applied.
    pub fn committed_offset(&self) -> u64 {
        self.records.len() as u64
    }

    pub fn image(&self) -> &MetadataImage {
        &self.image
    }

    pub fn raft(&self) -> &RaftNode<MetadataRecord> {
        &self.raft
    }

    /// The process restarts from its disk (Raft's term, vote and log); everything else is rebuilt.
    pub fn restart(&mut self, now_ms: u64, rng: Pcg32) {
        let (voters, config, placement_rng) = (self.voters.clone(), self.config.clone(), self.rng.clone());
        let disk = self.raft.disk().clone();
        *self = Controller::from_disk(self.id, voters, config, disk, rng, placement_rng, now_ms);
    }

    fn is_active(&self) -> bool {
        self.raft.role() == Role::Leader
    }

    fn not_controller(&self) -> FranzError {
        match self.raft.leader() {
            Some(leader) if leader != self.id => {
                franz_err!(NotController, "Controller {} is not the active controller; {leader} is", self.id)
            }
            _ => franz_err!(NotController, "Controller {} is not the active controller (no leader is known)", self.id),
        }
    }

    fn raft_step(
        &mut self,
        out: &mut Outbox,
        f: impl FnOnce(&mut RaftNode<MetadataRecord>, &mut Vec<(NodeId, RaftMessage<MetadataRecord>)>),
    ) {
        let mut raft_out = Vec::new();
        f(&mut self.raft, &mut raft_out);
        for (to, message) in raft_out {
            out.send(to, Message::Raft(message));
        }
    }

    /// Writes records (leader only) and applies them to the latest image; returns the last one's index.
    fn propose(&mut self, now_ms: u64, records: Vec<MetadataRecord>, out: &mut Outbox) -> Option<LogIndex> {
        if records.is_empty() {
            return Some(self.raft.last_log_index());
        }
        let mut index = None;
        self.raft_step(out, |raft, raft_out| index = raft.propose(now_ms, records, raft_out));
        self.sync_latest();
        index
    }

    fn sync_latest(&mut self) {
        if !self.is_active() {
            return;
        }
        if self.latest_term != self.raft.term() {
            self.latest = self.image.clone();
            self.latest_index = self.applied_index;
            self.latest_term = self.raft.term();
        }
        let entries: Vec<MetadataRecord> =
            self.raft.entries_from(self.latest_index + 1).iter().filter_map(|e| e.payload.clone()).collect();
        for record in &entries {
            // A record that does not fit would be a Franz bug; the image stays as it was for it.
            let applied = self.latest.apply(record);
            debug_assert!(applied.is_ok(), "the active controller wrote a record its image refuses: {record:?}");
        }
        self.latest_index = self.raft.last_log_index();
    }

    /// After every event: apply what was committed, notice a change of role, answer what can be answered.
    fn sync(&mut self, now_ms: u64, out: &mut Outbox) {
        let commit = self.raft.commit_index();
        if commit > self.applied_index {
            let newly: Vec<MetadataRecord> = self.raft.entries_from(self.applied_index + 1)
                [..(commit - self.applied_index) as usize]
                .iter()
                .filter_map(|e| e.payload.clone())
                .collect();
            for record in newly {
                let applied = self.image.apply(&record);
                debug_assert!(applied.is_ok(), "a committed record does not fit the image: {record:?}");
                self.records.push(record);
            }
            self.applied_index = commit;
        }
        if self.is_active() && self.latest_term != self.raft.term() {
            self.sync_latest();
            out.trace(TraceKind::ControllerElected { term: self.raft.term() });
            // A new leader gives every broker a full session before judging it.
            self.last_heartbeat_ms = self.latest.brokers.keys().map(|&b| (b, now_ms)).collect();
            self.last_rebalance_ms = now_ms;
        }
        if !self.is_active() {
            self.latest_term = 0;
            let owed = core::mem::take(&mut self.pending);
            for p in owed {
                self.answer(p, Err(self.not_controller()), out);
            }
            for f in core::mem::take(&mut self.parked) {
                let (result, current_leader) = (Err(self.not_controller()), self.raft.leader());
                let correlation_id = f.correlation_id;
                out.send(f.from, Message::MetadataFetchResponse { correlation_id, result, current_leader });
            }
            return;
        }
        let commit = self.raft.commit_index();
        let (done, waiting): (Vec<Pending>, Vec<Pending>) =
            core::mem::take(&mut self.pending).into_iter().partition(|p| p.index <= commit);
        self.pending = waiting;
        for p in done {
            let result = if self.raft.entry_term(p.index) == p.term { Ok(()) } else { Err(self.not_controller()) };
            self.answer(p, result, out);
        }
        let parked = core::mem::take(&mut self.parked);
        for f in parked {
            if (f.offset as usize) < self.records.len() || now_ms >= f.deadline_ms {
                self.answer_fetch(f.from, f.correlation_id, f.offset, out);
            } else {
                self.parked.push(f);
            }
        }
    }

    fn answer(&mut self, p: Pending, result: Result<()>, out: &mut Outbox) {
        match p.reply {
            Reply::Admin { correlation_id, trace } => {
                if result.is_ok() {
                    trace.into_iter().for_each(|t| out.trace(t));
                }
                out.send(p.to, Message::AdminResponse { correlation_id, result });
            }
            Reply::Registration { correlation_id } => {
                out.send(p.to, Message::BrokerRegistrationResponse { correlation_id, result });
            }
            Reply::AlterPartition { correlation_id, topic, partition } => {
                let result = result.and_then(|()| {
                    let p = self.image.topics.get(&topic).and_then(|t| t.partitions.get(partition as usize));
                    p.map(partition_state)
                        .ok_or_else(|| franz_err!(UnknownTopicOrPartition, "{topic}-{partition} is gone"))
                });
                out.send(p.to, Message::AlterPartitionResponse { correlation_id, topic, partition, result });
            }
        }
    }

    fn answer_fetch(&self, to: NodeId, correlation_id: CorrelationId, offset: u64, out: &mut Outbox) {
        let from = (offset as usize).min(self.records.len());
        let to_index = (from + METADATA_RECORDS_PER_FETCH_MAX).min(self.records.len());
        let records = self.records[from..to_index].to_vec();
        let result =
            Ok(crate::protocol::message::MetadataFetchData { records, high_watermark: self.records.len() as u64 });
        let current_leader = Some(self.id);
        out.send(to, Message::MetadataFetchResponse { correlation_id, result, current_leader });
    }

    fn wait_for_commit(&mut self, index: Option<LogIndex>, to: NodeId, reply: Reply, out: &mut Outbox) {
        match index {
            Some(index) if self.pending.len() < PENDING_REQUESTS_MAX => {
                let term = self.raft.term();
                self.pending.push(Pending { index, term, to, reply });
            }
            Some(_) => {
                let err = franz_err!(PolicyViolation, "The controller has too many requests waiting; try again");
                let p = Pending { index: 0, term: 0, to, reply };
                self.answer(p, Err(err), out);
            }
            None => {
                let p = Pending { index: 0, term: 0, to, reply };
                let err = self.not_controller();
                self.answer(p, Err(err), out);
            }
        }
    }

    fn unfenced(&self, broker: NodeId) -> bool {
        self.latest.brokers.get(&broker).is_some_and(|r| !r.fenced)
    }

    fn topic_config(&self, overrides: &ConfigMap) -> Result<TopicConfig> {
        let mut merged = self.config.topic_defaults.clone();
        merged.extend(overrides.iter().map(|(k, v)| (k.clone(), v.clone())));
        TopicConfig::parse(&merged)
    }

    fn unclean_allowed(&self, topic: &str) -> bool {
        let overrides = self.latest.topics.get(topic).map(|t| t.config.clone()).unwrap_or_default();
        self.topic_config(&overrides).is_ok_and(|c| c.unclean_leader_election_enable)
    }

    /// Records that move partitions off `broker` (fenced, or re-registered as a new incarnation): it leaves
    /// every ISR (never emptying one) and loses its leaderships to the next eligible replica.
    fn leave_partitions(&self, broker: NodeId, trace: &mut Vec<TraceKind>) -> Vec<MetadataRecord> {
        let alive = |b: NodeId| b != broker && self.unfenced(b);
        let mut records = Vec::new();
        for (name, topic) in &self.latest.topics {
            let unclean = self.unclean_allowed(name);
            for (i, p) in topic.partitions.iter().enumerate() {
                if !p.isr.contains(&broker) && p.leader != broker {
                    continue;
                }
                let isr = isr_without(&p.isr, broker);
                let current = if p.leader == broker { NO_NODE } else { p.leader };
                let election = elect_leader(&p.replicas, &isr, current, alive, unclean);
                records.extend(change(name, i as u32, p, election.leader, election.isr, election.unclean, trace));
            }
        }
        records
    }

    /// Partitions without a leader that `broker`, now unfenced, can lead.
    fn elect_leaderless(&self, broker: NodeId, trace: &mut Vec<TraceKind>) -> Vec<MetadataRecord> {
        let alive = |b: NodeId| b == broker || self.unfenced(b);
        let mut records = Vec::new();
        for (name, topic) in &self.latest.topics {
            let unclean = self.unclean_allowed(name);
            for (i, p) in topic.partitions.iter().enumerate() {
                if p.leader != NO_NODE || !p.replicas.contains(&broker) {
                    continue;
                }
                let election = elect_leader(&p.replicas, &p.isr, NO_NODE, alive, unclean);
                records.extend(change(name, i as u32, p, election.leader, election.isr, election.unclean, trace));
            }
        }
        records
    }

    fn on_registration(
        &mut self,
        now_ms: u64,
        from: NodeId,
        correlation_id: CorrelationId,
        incarnation: u64,
        out: &mut Outbox,
    ) {
        let reply = Reply::Registration { correlation_id };
        if !self.is_active() {
            return self.wait_for_commit(None, from, reply, out);
        }
        if self.latest.brokers.get(&from).is_some_and(|r| r.incarnation == incarnation) {
            // A retry: the registration is written already.
            let index = self.raft.last_log_index();
            return self.wait_for_commit(Some(index), from, reply, out);
        }
        let mut trace = Vec::new();
        let mut records = self.leave_partitions(from, &mut trace);
        records.push(MetadataRecord::RegisterBroker { broker: from, incarnation });
        self.last_heartbeat_ms.insert(from, now_ms);
        trace.push(TraceKind::BrokerRegistered { broker: from, incarnation });
        trace.into_iter().for_each(|t| out.trace(t));
        let index = self.propose(now_ms, records, out);
        self.wait_for_commit(index, from, reply, out);
    }

    fn on_heartbeat(&mut self, now_ms: u64, from: NodeId, incarnation: u64) -> Result<bool> {
        if !self.is_active() {
            return Err(self.not_controller());
        }
        let Some(registration) = self.latest.brokers.get(&from) else {
            return Err(franz_err!(StaleBrokerEpoch, "Broker {from} is not registered; it must register first"));
        };
        if registration.incarnation != incarnation {
            return Err(franz_err!(StaleBrokerEpoch, "Broker {from} heartbeated with an old incarnation"));
        }
        self.last_heartbeat_ms.insert(from, now_ms);
        Ok(registration.fenced)
    }

    /// Unfences a fenced broker whose heartbeat shows it caught up with the log up to its registration.
    fn maybe_unfence(&mut self, now_ms: u64, broker: NodeId, metadata_offset: u64, out: &mut Outbox) {
        let committed = self.image.brokers.get(&broker).map(|r| r.incarnation);
        let latest = self.latest.brokers.get(&broker).map(|r| (r.incarnation, r.fenced));
        let Some((incarnation, true)) = latest else { return };
        if committed != Some(incarnation) {
            return; // the registration is not committed yet
        }
        // Caught up: it has applied the log up to its own registration (its broker epoch), which a new
        // controller knows from the log as well as the old one did.
        let needed = self.latest.brokers.get(&broker).map_or(u64::MAX, |r| r.broker_epoch);
        if metadata_offset < needed {
            return;
        }
        let mut trace = alloc::vec![TraceKind::BrokerUnfenced { broker }];
        let mut records = alloc::vec![MetadataRecord::UnfenceBroker { broker }];
        // Elect as if the broker were unfenced already.
        self.latest.brokers.entry(broker).and_modify(|r| r.fenced = false);
        records.extend(self.elect_leaderless(broker, &mut trace));
        self.latest.brokers.entry(broker).and_modify(|r| r.fenced = true);
        trace.into_iter().for_each(|t| out.trace(t));
        self.propose(now_ms, records, out);
    }

    /// Kafka's controlled shutdown: the broker is fenced, leaves every ISR it need not stay in, and its
    /// leaderships move to other ISR members, before it stops.
    fn controlled_shutdown(&mut self, now_ms: u64, broker: NodeId, out: &mut Outbox) {
        let mut trace = alloc::vec![TraceKind::ControlledShutdown { broker }];
        let mut records = self.leave_partitions(broker, &mut trace);
        records.insert(0, MetadataRecord::FenceBroker { broker });
        trace.into_iter().for_each(|t| out.trace(t));
        self.propose(now_ms, records, out);
    }

    fn fence_silent_brokers(&mut self, now_ms: u64, out: &mut Outbox) {
        let timeout = self.config.broker_session_timeout_ms;
        let silent: Vec<NodeId> = self
            .latest
            .brokers
            .iter()
            .filter(|(b, r)| !r.fenced && self.last_heartbeat_ms.get(b).is_none_or(|&t| now_ms >= t + timeout))
            .map(|(&b, _)| b)
            .collect();
        for broker in silent {
            let mut trace = alloc::vec![TraceKind::BrokerFenced { broker, silent_ms: timeout }];
            let mut records = self.leave_partitions(broker, &mut trace);
            records.insert(0, MetadataRecord::FenceBroker { broker });
            trace.into_iter().for_each(|t| out.trace(t));
            self.propose(now_ms, records, out);
        }
    }

    /// `auto.leader.rebalance.enable`: each partition goes back to its preferred (first) replica when that
    /// one is in the ISR and unfenced.
    fn rebalance_leaders(&mut self, now_ms: u64, out: &mut Outbox) {
        self.last_rebalance_ms = now_ms;
        let mut trace = Vec::new();
        let records = self.preferred_leader_changes(None, &mut trace);
        trace.into_iter().for_each(|t| out.trace(t));
        self.propose(now_ms, records, out);
    }

    /// Partitions (of `topic`, or all) whose preferred replica is in the ISR, unfenced and not leading.
    fn preferred_leader_changes(&self, topic: Option<&str>, trace: &mut Vec<TraceKind>) -> Vec<MetadataRecord> {
        let mut records = Vec::new();
        for (name, t) in self.latest.topics.iter().filter(|(name, _)| topic.is_none_or(|n| n == name.as_str())) {
            for (i, p) in t.partitions.iter().enumerate() {
                let Some(&preferred) = p.replicas.first() else { continue };
                if p.leader != preferred && p.isr.contains(&preferred) && self.unfenced(preferred) {
                    records.extend(change(name, i as u32, p, preferred, p.isr.clone(), false, trace));
                }
            }
        }
        records
    }

    fn on_alter_partition(&mut self, now_ms: u64, from: NodeId, request: AlterPartition, out: &mut Outbox) {
        let AlterPartition { correlation_id, topic, partition, leader_epoch, partition_epoch, isr, broker_epochs } =
            request;
        let reply = Reply::AlterPartition { correlation_id, topic: topic.clone(), partition };
        if !self.is_active() {
            return self.wait_for_commit(None, from, reply, out);
        }
        let checked = (|| {
            let p = self
                .latest
                .topics
                .get(&topic)
                .and_then(|t| t.partitions.get(partition as usize))
                .ok_or_else(|| franz_err!(UnknownTopicOrPartition, "{topic}-{partition} does not exist"))?;
            if p.leader != from || p.leader_epoch != leader_epoch {
                return Err(franz_err!(
                    FencedLeaderEpoch,
                    "Broker {from} at leader epoch {leader_epoch} is not the leader of {topic}-{partition} (epoch {})",
                    p.leader_epoch
                ));
            }
            if p.partition_epoch != partition_epoch {
                return Err(franz_err!(
                    InvalidUpdateVersion,
                    "{topic}-{partition} is at partition epoch {}, the request at {partition_epoch}",
                    p.partition_epoch
                ));
            }
            if !isr.contains(&from) || isr.iter().any(|r| !p.replicas.contains(r)) {
                return Err(franz_err!(InvalidRequest, "The ISR {isr:?} must hold the leader and only replicas"));
            }
            if let Some(&r) = isr.iter().find(|&&r| !p.isr.contains(&r) && !self.unfenced(r)) {
                return Err(franz_err!(IneligibleReplica, "Broker {r} is fenced and cannot join the ISR"));
            }
            // KIP-903: a member seen under another broker epoch has restarted since (its disk may be empty).
            // 0: the leader has not seen it fetch yet (Kafka's -1), nothing to check.
            for (&r, &epoch) in isr.iter().zip(&broker_epochs).filter(|(_, &e)| e != 0) {
                let current = self.latest.brokers.get(&r).map(|b| b.broker_epoch);
                if current != Some(epoch) {
                    return Err(franz_err!(
                        IneligibleReplica,
                        "Broker {r} was seen at broker epoch {epoch}, but its registration is at {current:?}: it restarted"
                    ));
                }
            }
            Ok(p.clone())
        })();
        match checked {
            Ok(p) => {
                let mut trace = Vec::new();
                let records = change(&topic, partition, &p, p.leader, isr, false, &mut trace);
                trace.into_iter().for_each(|t| out.trace(t));
                let index = self.propose(now_ms, records.into_iter().collect(), out);
                self.wait_for_commit(index, from, reply, out);
                self.complete_reassignments(now_ms, out);
            }
            Err(e) => {
                out.send(from, Message::AlterPartitionResponse { correlation_id, topic, partition, result: Err(e) });
            }
        }
    }

    fn on_admin(&mut self, now_ms: u64, from: NodeId, correlation_id: CorrelationId, op: AdminOp, out: &mut Outbox) {
        if !self.is_active() {
            let reply = Reply::Admin { correlation_id, trace: Vec::new() };
            return self.wait_for_commit(None, from, reply, out);
        }
        let mut trace = Vec::new();
        // Brokers may create internal topics (`__consumer_offsets` on first use); clients may not.
        let internal_allowed = self.latest.brokers.contains_key(&from);
        match self.admin_records(op, internal_allowed, &mut trace) {
            Ok(records) => {
                let index = self.propose(now_ms, records, out);
                self.wait_for_commit(index, from, Reply::Admin { correlation_id, trace }, out);
                self.complete_reassignments(now_ms, out);
            }
            Err(e) => out.send(from, Message::AdminResponse { correlation_id, result: Err(e) }),
        }
    }

    /// Kafka's validations of topic administration, and the records that carry it out.
    fn admin_records(
        &mut self,
        op: AdminOp,
        internal_allowed: bool,
        trace: &mut Vec<TraceKind>,
    ) -> Result<Vec<MetadataRecord>> {
        match op {
            AdminOp::CreateTopic { name, partitions, replication_factor, config } => {
                if internal_allowed && is_internal_topic(&name) {
                    validate_topic_name(&name)?;
                } else {
                    user_topic(&name)?;
                }
                if self.latest.topics.contains_key(&name) {
                    return Err(franz_err!(TopicAlreadyExists, "Topic '{name}' already exists."));
                }
                // Kafka's Topic.hasCollision: '.' and '_' read the same in metric names.
                let unified = |n: &str| n.replace('.', "_");
                if let Some(other) = self.latest.topics.keys().find(|t| unified(t) == unified(&name)) {
                    return Err(franz_err!(
                        InvalidTopicException,
                        "Topic '{name}' collides with existing topic: {other} ('.' and '_' are the same in metric names)"
                    ));
                }
                if self.latest.topics.len() >= TOPICS_MAX {
                    return Err(franz_err!(
                        PolicyViolation,
                        "Franz keeps at most {TOPICS_MAX} topics; delete one first"
                    ));
                }
                if partitions == 0 || partitions > PARTITIONS_PER_TOPIC_MAX {
                    return Err(franz_err!(
                        InvalidPartitions,
                        "Number of partitions must be between 1 and {PARTITIONS_PER_TOPIC_MAX}, got {partitions}"
                    ));
                }
                self.topic_config(&config)?;
                let brokers = self.latest.live_brokers();
                let assignment = assign_replicas_random(&brokers, partitions, replication_factor, &mut self.rng)?;
                // The record's own offset in the metadata log, once committed: unique, and the same everywhere.
                let topic_id = self.latest.applied + 1;
                let mut records = alloc::vec![MetadataRecord::Topic { name: name.clone(), topic_id }];
                for (partition, replicas) in assignment.into_iter().enumerate() {
                    let leader = replicas[0];
                    let isr = replicas.clone();
                    records.push(MetadataRecord::Partition {
                        topic: name.clone(),
                        partition: partition as u32,
                        replicas,
                        isr,
                        leader,
                    });
                }
                for (key, value) in crate::config::trimmed(&config) {
                    records.push(MetadataRecord::Config { topic: name.clone(), key, value: Some(value) });
                }
                trace.push(TraceKind::TopicCreated { topic: name, partitions, replication_factor });
                Ok(records)
            }
            AdminOp::DeleteTopic { name } => {
                user_topic(&name)?;
                self.existing_topic(&name)?;
                trace.push(TraceKind::TopicDeleted { topic: name.clone() });
                Ok(alloc::vec![MetadataRecord::RemoveTopic { name }])
            }
            AdminOp::CreatePartitions { name, total_count } => {
                user_topic(&name)?;
                let topic = self.existing_topic(&name)?;
                // A moving partition lists its old and new replicas together, so its replica count is not the
                // topic's replication factor: refused, as ZooKeeper-era Kafka's createPartitions does (KRaft's
                // controller takes whichever partition it meets first, and can give the new ones six).
                if topic.partitions.iter().any(|p| p.target_replicas.is_some()) {
                    return Err(franz_err!(
                        ReassignmentInProgress,
                        "A partition reassignment is in progress for the topic '{name}'."
                    ));
                }
                let current = topic.partitions.len() as u32;
                let replication_factor = topic.partitions.first().map_or(1, |p| p.replicas.len() as u32);
                if total_count <= current {
                    return Err(franz_err!(
                        InvalidPartitions,
                        "Topic currently has {current} partitions, which is higher than the requested {total_count}."
                    ));
                }
                if total_count > PARTITIONS_PER_TOPIC_MAX {
                    return Err(franz_err!(
                        InvalidPartitions,
                        "Franz keeps at most {PARTITIONS_PER_TOPIC_MAX} partitions a topic"
                    ));
                }
                let brokers = self.latest.live_brokers();
                let assignment =
                    assign_replicas_random(&brokers, total_count - current, replication_factor, &mut self.rng)?;
                let records = assignment
                    .into_iter()
                    .enumerate()
                    .map(|(i, replicas)| MetadataRecord::Partition {
                        topic: name.clone(),
                        partition: current + i as u32,
                        leader: replicas[0],
                        isr: replicas.clone(),
                        replicas,
                    })
                    .collect();
                trace.push(TraceKind::PartitionsCreated { topic: name, from: current, to: total_count });
                Ok(records)
            }
            AdminOp::AlterConfigs { name, changes } => {
                user_topic(&name)?;
                let mut overrides = self.existing_topic(&name)?.config.clone();
                for (key, value) in &changes {
                    match value {
                        Some(v) => overrides.insert(key.clone(), String::from(v.trim())),
                        None => overrides.remove(key),
                    };
                }
                self.topic_config(&overrides)?;
                let records = changes
                    .iter()
                    .map(|(key, value)| MetadataRecord::Config {
                        topic: name.clone(),
                        key: key.clone(),
                        value: value.as_ref().map(|v| String::from(v.trim())),
                    })
                    .collect();
                let keys = changes.into_iter().map(|(k, _)| k).collect();
                trace.push(TraceKind::TopicConfigChanged { topic: name, keys });
                Ok(records)
            }
            AdminOp::ReassignPartitions { name, assignments } => {
                user_topic(&name)?;
                let topic = self.existing_topic(&name)?;
                let mut records = Vec::new();
                for (partition, target) in assignments {
                    let p = topic.partitions.get(partition as usize).ok_or_else(|| {
                        franz_err!(UnknownTopicOrPartition, "Topic {name} has no partition {partition}")
                    })?;
                    let mut seen = Vec::new();
                    for &r in &target {
                        if !self.latest.brokers.contains_key(&r) {
                            return Err(franz_err!(InvalidReplicaAssignment, "Broker {r} is not registered"));
                        }
                        if seen.contains(&r) {
                            return Err(franz_err!(InvalidReplicaAssignment, "Broker {r} is listed twice"));
                        }
                        seen.push(r);
                    }
                    if target.is_empty() {
                        return Err(franz_err!(
                            InvalidReplicaAssignment,
                            "{name}-{partition} needs at least one replica"
                        ));
                    }
                    if target == p.replicas || p.target_replicas.as_ref() == Some(&target) {
                        continue;
                    }
                    // Kafka's way: the replica set is the target plus the replicas leaving, until the end.
                    let mut replicas = target.clone();
                    replicas.extend(p.replicas.iter().filter(|r| !target.contains(r)));
                    let topic = name.clone();
                    trace.push(TraceKind::ReassignmentStarted {
                        topic: topic.clone(),
                        partition,
                        target: target.clone(),
                    });
                    records.push(MetadataRecord::PartitionChange {
                        topic: topic.clone(),
                        partition,
                        leader: None,
                        isr: None,
                        replicas: Some(replicas),
                    });
                    records.push(MetadataRecord::PartitionReassignment { topic, partition, target: Some(target) });
                }
                Ok(records)
            }
            AdminOp::ElectPreferredLeaders { name } => {
                if let Some(name) = &name {
                    self.existing_topic(name)?;
                }
                Ok(self.preferred_leader_changes(name.as_deref(), trace))
            }
        }
    }

    /// Records that finish reassignments whose target replicas are all in the ISR: the replica set becomes
    /// the target, the ISR keeps only target replicas, and a leader outside the target hands over.
    fn complete_reassignments(&mut self, now_ms: u64, out: &mut Outbox) {
        let mut trace = Vec::new();
        let mut records = Vec::new();
        for (name, topic) in &self.latest.topics {
            for (i, p) in topic.partitions.iter().enumerate() {
                let Some(target) = &p.target_replicas else { continue };
                if !target.iter().all(|r| p.isr.contains(r)) {
                    continue;
                }
                let isr: Vec<NodeId> = target.iter().copied().filter(|r| p.isr.contains(r)).collect();
                let leader = if target.contains(&p.leader) {
                    p.leader
                } else {
                    isr.iter().copied().find(|&r| self.unfenced(r)).unwrap_or(NO_NODE)
                };
                let leader_changed = leader != p.leader;
                let removes_replicas = p.replicas.iter().any(|r| !target.contains(r));
                let leader_epoch = if leader_changed || removes_replicas { p.leader_epoch + 1 } else { p.leader_epoch };
                let (topic, partition) = (name.clone(), i as u32);
                trace.push(TraceKind::PartitionChanged {
                    topic: topic.clone(),
                    partition,
                    leader,
                    leader_epoch,
                    isr: isr.clone(),
                    unclean: false,
                });
                records.push(MetadataRecord::PartitionChange {
                    topic: topic.clone(),
                    partition,
                    leader: leader_changed.then_some(leader),
                    isr: Some(isr),
                    replicas: Some(target.clone()),
                });
                records.push(MetadataRecord::PartitionReassignment { topic, partition, target: None });
            }
        }
        trace.into_iter().for_each(|t| out.trace(t));
        self.propose(now_ms, records, out);
    }

    fn existing_topic(&self, name: &str) -> Result<&super::metadata::TopicImage> {
        self.latest
            .topics
            .get(name)
            .ok_or_else(|| franz_err!(UnknownTopicOrPartition, "This server does not host topic {name}"))
    }

    fn on_metadata_fetch(
        &mut self,
        now_ms: u64,
        from: NodeId,
        correlation_id: CorrelationId,
        offset: u64,
        max_wait_ms: u64,
        out: &mut Outbox,
    ) {
        if !self.is_active() {
            let (result, current_leader) = (Err(self.not_controller()), self.raft.leader());
            return out.send(from, Message::MetadataFetchResponse { correlation_id, result, current_leader });
        }
        if (offset as usize) < self.records.len() || max_wait_ms == 0 || self.parked.len() >= PENDING_REQUESTS_MAX {
            return self.answer_fetch(from, correlation_id, offset, out);
        }
        self.parked.push(ParkedFetch { from, correlation_id, offset, deadline_ms: now_ms.saturating_add(max_wait_ms) });
    }
}

fn user_topic(name: &str) -> Result<()> {
    validate_topic_name(name)?;
    if is_internal_topic(name) {
        return Err(franz_err!(
            InvalidTopicException,
            "Topic \"{name}\" is internal (names starting with \"__\" belong to the cluster)"
        ));
    }
    Ok(())
}

pub fn partition_state(p: &PartitionImage) -> PartitionState {
    PartitionState {
        leader: p.leader,
        leader_epoch: p.leader_epoch,
        isr: p.isr.clone(),
        partition_epoch: p.partition_epoch,
    }
}

/// The PartitionChange record for a new leader and ISR, if anything changes, with its trace line.
fn change(
    topic: &str,
    partition: u32,
    p: &PartitionImage,
    leader: NodeId,
    isr: Vec<NodeId>,
    unclean: bool,
    trace: &mut Vec<TraceKind>,
) -> Option<MetadataRecord> {
    let leader_changed = leader != p.leader;
    let isr_changed = isr != p.isr;
    if !leader_changed && !isr_changed {
        return None;
    }
    let leader_epoch = if leader_changed { p.leader_epoch + 1 } else { p.leader_epoch };
    trace.push(TraceKind::PartitionChanged {
        topic: String::from(topic),
        partition,
        leader,
        leader_epoch,
        isr: isr.clone(),
        unclean,
    });
    Some(MetadataRecord::PartitionChange {
        topic: String::from(topic),
        partition,
        leader: leader_changed.then_some(leader),
        isr: isr_changed.then_some(isr),
        replicas: None,
    })
}

impl Actor for Controller {
    fn on_message(&mut self, now_ms: u64, from: NodeId, message: Message, out: &mut Outbox) {
        match message {
            Message::Raft(m) => self.raft_step(out, |raft, raft_out| raft.on_message(now_ms, from, m, raft_out)),
            Message::AdminRequest { correlation_id, op } => self.on_admin(now_ms, from, correlation_id, op, out),
            Message::BrokerRegistrationRequest { correlation_id, incarnation } => {
                self.on_registration(now_ms, from, correlation_id, incarnation, out)
            }
            Message::BrokerHeartbeatRequest {
                correlation_id,
                incarnation,
                metadata_offset,
                want_fence,
                want_shut_down,
            } => {
                let result = self.on_heartbeat(now_ms, from, incarnation);
                let fenced = matches!(result, Ok(true));
                if matches!(result, Ok(false)) && want_shut_down {
                    self.controlled_shutdown(now_ms, from, out);
                }
                out.send(from, Message::BrokerHeartbeatResponse { correlation_id, result });
                if fenced && !want_fence && !want_shut_down {
                    self.maybe_unfence(now_ms, from, metadata_offset, out);
                }
            }
            Message::MetadataFetchRequest { correlation_id, offset, max_wait_ms } => {
                self.on_metadata_fetch(now_ms, from, correlation_id, offset, max_wait_ms, out)
            }
            Message::AlterPartitionRequest(request) => self.on_alter_partition(now_ms, from, request, out),
            Message::MetadataRequest { correlation_id, .. } => {
                // Clients ask brokers; a controller answers with nothing it leads.
                out.send(from, Message::MetadataResponse { correlation_id, brokers: Vec::new(), topics: Vec::new() });
            }
            _ => {}
        }
        self.sync(now_ms, out);
    }

    fn on_timer(&mut self, now_ms: u64, out: &mut Outbox) {
        self.raft_step(out, |raft, raft_out| raft.on_timer(now_ms, raft_out));
        self.sync(now_ms, out);
        if self.is_active() {
            self.fence_silent_brokers(now_ms, out);
            if now_ms >= self.last_rebalance_ms + self.config.leader_imbalance_check_interval_ms {
                self.rebalance_leaders(now_ms, out);
            }
            self.sync(now_ms, out);
        }
    }

    fn next_timer_ms(&self) -> Option<u64> {
        let raft = self.raft.next_timer_ms();
        if !self.is_active() {
            return raft;
        }
        let timeout = self.config.broker_session_timeout_ms;
        let fences = self
            .latest
            .brokers
            .iter()
            .filter(|(_, r)| !r.fenced)
            .map(|(b, _)| self.last_heartbeat_ms.get(b).map_or(0, |&t| t + timeout));
        let fetches = self.parked.iter().map(|f| f.deadline_ms);
        let rebalance = self.last_rebalance_ms.saturating_add(self.config.leader_imbalance_check_interval_ms);
        raft.into_iter().chain(fences).chain(fetches).chain(Some(rebalance)).min()
    }
}

/// Names a controller for the trace: `controller 1001`.
pub fn controller_name(id: NodeId) -> String {
    format!("controller {id}")
}
