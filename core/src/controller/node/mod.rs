//! One controller process: a Raft voter for the metadata log and, while it leads, the active controller
//! that decides (topic administration, broker liveness, leaders and ISRs) by writing metadata records.
//!
//! The active controller validates each request against its *latest* image (the committed records plus
//! its own uncommitted ones, so that two requests in a row see each other, as Kafka's timeline state
//! does) and answers only once the records it wrote are committed. A refusal is judged against the same
//! image, so it too waits until every record written before it is committed, as Kafka's `ControllerWriteEvent`
//! waits for the highest pending offset: a refusal because of a record that a failover then discards would
//! be a false answer (a leader told its partition does not exist kept its ISR change pending for good). A
//! controller that loses leadership answers what it still owed with `NOT_CONTROLLER`; its uncommitted
//! records may vanish, and the client tries again.
//!
//! Split by job, as KRaft's controller is: `admin` (topic administration), `liveness` (registrations,
//! heartbeats, fencing) and `partitions` (AlterPartition, preferred leaders, reassignments); this file
//! holds the Raft glue, answering and the metadata log's readers.

mod admin;
mod liveness;
mod partitions;

use crate::vec_map::VecMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use rand_pcg::Pcg32;

use super::election::{elect_leader, isr_without};
use super::metadata::{MetadataBatch, MetadataImage, MetadataRecord, PartitionImage};
use super::placement::assign_replicas_random;
use super::raft::{LogIndex, RaftDisk, RaftMessage, RaftNode, Role, Term};
use crate::config::{BrokerConfig, ConfigMap, TopicConfig};
use crate::config::{CLUSTER_PARTITIONS_MAX, CLUSTER_REPLICAS_MAX, PARTITIONS_PER_TOPIC_MAX, TOPICS_MAX};
use crate::error::{FranzError, Result};
use crate::protocol::actor::{TimerName, Timers};
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
    /// Why the request was refused, judged against the records up to `index`; answered once they stand.
    refusal: Option<FranzError>,
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
    raft: RaftNode<MetadataBatch>,
    /// Placement's dice (Kafka draws the start index and shift at random).
    rng: Pcg32,
    /// The committed records in order (the metadata log brokers fetch) and the image they build.
    records: Vec<MetadataRecord>,
    /// Where each committed batch ends in `records` (a fetch never cuts one).
    batch_ends: Vec<usize>,
    image: MetadataImage,
    /// Raft entries applied to `image`.
    applied_index: LogIndex,
    /// Leader only: the image with this leader's uncommitted records too, and up to which entry.
    latest: MetadataImage,
    latest_index: LogIndex,
    /// The term `latest` was built in; a new term rebuilds it.
    latest_term: Term,
    /// Leader only: when each broker last heartbeated.
    last_heartbeat_ms: VecMap<NodeId, u64>,
    /// Leader only: no broker is fenced for silence before this time (the check after a fence is a new
    /// event, after what arrived meanwhile).
    fence_check_not_before_ms: u64,
    last_rebalance_ms: u64,
    last_unclean_check_ms: u64,
    pending: Vec<Pending>,
    parked: Vec<ParkedFetch>,
}

impl Controller {
    /// A controller process starting for the first time at `now_ms`.
    pub fn new(
        id: NodeId,
        voters: Vec<NodeId>,
        config: BrokerConfig,
        rng: Pcg32,
        placement_rng: Pcg32,
        now_ms: u64,
    ) -> Controller {
        let disk = RaftDisk { term: 0, voted_for: None, log: Vec::new() };
        Controller::from_disk(id, voters, config, disk, rng, placement_rng, now_ms)
    }

    /// A controller process starting with `disk` (Raft's term, vote and log); the rest is memory, rebuilt
    /// from the log as entries commit.
    fn from_disk(
        id: NodeId,
        voters: Vec<NodeId>,
        config: BrokerConfig,
        disk: RaftDisk<MetadataBatch>,
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
            batch_ends: Vec::new(),
            image: MetadataImage::default(),
            applied_index: 0,
            latest: MetadataImage::default(),
            latest_index: 0,
            latest_term: 0,
            last_heartbeat_ms: VecMap::new(),
            fence_check_not_before_ms: 0,
            last_rebalance_ms: now_ms,
            last_unclean_check_ms: now_ms,
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

    /// The committed metadata records this controller has applied, in the metadata log's order.
    pub fn committed_records(&self) -> &[MetadataRecord] {
        &self.records
    }

    pub fn raft(&self) -> &RaftNode<MetadataBatch> {
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
        f: impl FnOnce(&mut RaftNode<MetadataBatch>, &mut Outbox<RaftMessage<MetadataBatch>>),
    ) {
        let mut raft_out = Outbox::default();
        f(&mut self.raft, &mut raft_out);
        out.absorb(raft_out, |_, message| Some(Message::Raft(message)));
    }

    /// Writes records (leader only) and applies them to the latest image; returns the last one's index.
    fn propose(&mut self, now_ms: u64, records: Vec<MetadataRecord>, out: &mut Outbox) -> Option<LogIndex> {
        if records.is_empty() {
            return Some(self.raft.last_log_index());
        }
        // Any change of a partition being reassigned may complete it (Kafka's PartitionChangeBuilder looks at
        // each change it builds): an ISR grown to the target, or an election leaving only target replicas.
        let mut reassigned: Vec<(String, u32)> = records
            .iter()
            .filter_map(|r| match r {
                MetadataRecord::PartitionChange { topic, partition, .. } => Some((topic, *partition)),
                _ => None,
            })
            .filter(|&(topic, partition)| {
                let p = self.latest.topics.get(topic).and_then(|t| t.partitions.get(partition as usize));
                p.is_some_and(|p| p.target_replicas.is_some())
            })
            .map(|(topic, partition)| (topic.clone(), partition))
            .collect();
        crate::collect::sort(&mut reassigned);
        reassigned.dedup();
        let mut index = None;
        self.raft_step(out, |raft, raft_out| index = raft.propose(now_ms, alloc::vec![records], raft_out));
        self.sync_latest();
        if !reassigned.is_empty() {
            self.complete_reassignments(now_ms, Some(&reassigned), out);
        }
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
            self.raft.entries_from(self.latest_index + 1).iter().filter_map(|e| e.payload.clone()).flatten().collect();
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
            let newly: Vec<MetadataBatch> = self.raft.entries_from(self.applied_index + 1)
                [..(commit - self.applied_index) as usize]
                .iter()
                .filter_map(|e| e.payload.clone())
                .collect();
            for batch in newly.into_iter().filter(|b| !b.is_empty()) {
                for record in batch {
                    let applied = self.image.apply(&record);
                    debug_assert!(applied.is_ok(), "a committed record does not fit the image: {record:?}");
                    self.records.push(record);
                }
                self.batch_ends.push(self.records.len());
            }
            self.applied_index = commit;
        }
        if self.is_active() && self.latest_term != self.raft.term() {
            self.sync_latest();
            out.trace(TraceKind::ControllerElected { term: self.raft.term() });
            // A new leader gives every broker a full session before judging it.
            self.last_heartbeat_ms = self.latest.brokers.keys().map(|&b| (b, now_ms)).collect();
            self.last_rebalance_ms = now_ms;
            self.last_unclean_check_ms = now_ms;
            // A reassignment whose targets all joined the ISR, but whose completion (written after that change,
            // by the controller before this one) was not committed, completes now. Kafka writes both in one
            // record; here they are two, and an adversary cut the active controller off between them: the
            // partition kept its old and new replicas for good, and createPartitions refused the topic.
            self.complete_reassignments(now_ms, None, out);
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
        // Waiting in the order of their indexes: those committed are a prefix (a scan of all after every event
        // was quadratic when a restarted broker's thousands of ISR changes waited at once, adversary 56).
        let commit = self.raft.commit_index();
        let committed = self.pending.partition_point(|p| p.index <= commit);
        let done: Vec<Pending> = self.pending.drain(..committed).collect();
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
        let result = result.and_then(|()| p.refusal.map_or(Ok(()), Err));
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
        // Whole batches, as many as fit (at least one, however large): a broker applies what a fetch brings
        // at once, so a cut batch would show it half a write (a topic without its partitions).
        let first_end = self.batch_ends.partition_point(|&end| end <= from);
        let fitting = self.batch_ends.partition_point(|&end| end <= from + METADATA_RECORDS_PER_FETCH_MAX);
        let to_index = match self.batch_ends.get(fitting.max(first_end + 1).saturating_sub(1)) {
            Some(&end) if end > from => end,
            _ => self.records.len(),
        };
        let records = self.records[from..to_index].to_vec();
        let result =
            Ok(crate::protocol::message::MetadataFetchData { records, high_watermark: self.records.len() as u64 });
        let current_leader = Some(self.id);
        out.send(to, Message::MetadataFetchResponse { correlation_id, result, current_leader });
    }

    fn wait_for_commit(&mut self, index: Option<LogIndex>, to: NodeId, reply: Reply, out: &mut Outbox) {
        self.answer_when_committed(index, to, reply, None, out);
    }

    /// Answers a request the active controller refused once every record it was judged against is committed
    /// (at once if none is pending), so that the refusal stands in every future of the metadata log.
    fn refuse(&mut self, to: NodeId, reply: Reply, refusal: FranzError, out: &mut Outbox) {
        let last = self.raft.last_log_index();
        if last <= self.raft.commit_index() {
            let p = Pending { index: 0, term: 0, to, reply, refusal: None };
            return self.answer(p, Err(refusal), out);
        }
        self.answer_when_committed(Some(last), to, reply, Some(refusal), out);
    }

    fn answer_when_committed(
        &mut self,
        index: Option<LogIndex>,
        to: NodeId,
        reply: Reply,
        refusal: Option<FranzError>,
        out: &mut Outbox,
    ) {
        match index {
            Some(index) if self.pending.len() < PENDING_REQUESTS_MAX => {
                assert!(self.pending.last().is_none_or(|p| p.index <= index), "the controller's writes wait in order");
                let term = self.raft.entry_term(index);
                self.pending.push(Pending { index, term, to, reply, refusal });
            }
            Some(_) => {
                let err = franz_err!(PolicyViolation, "The controller has too many requests waiting; try again");
                let p = Pending { index: 0, term: 0, to, reply, refusal: None };
                self.answer(p, Err(err), out);
            }
            None => {
                let p = Pending { index: 0, term: 0, to, reply, refusal: None };
                let err = self.not_controller();
                self.answer(p, Err(err), out);
            }
        }
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
        return Err(franz_err!(InvalidTopicException, "Topic \"{name}\" is internal: it belongs to the cluster"));
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
            if self.config.auto_leader_rebalance_enable
                && now_ms >= self.last_rebalance_ms.saturating_add(self.config.leader_imbalance_check_interval_ms)
            {
                self.rebalance_leaders(now_ms, out);
            }
            if now_ms >= self.last_unclean_check_ms.saturating_add(self.config.unclean_leader_election_interval_ms) {
                self.elect_unclean_leaders(now_ms, out);
            }
            self.sync(now_ms, out);
        }
    }

    fn timers(&self, timers: &mut Timers) {
        let quorum = match self.raft.role() {
            Role::Leader => TimerName::QuorumFetchTimeout,
            _ => TimerName::QuorumElectionTimeout,
        };
        timers.set(quorum, self.raft.next_timer_ms());
        if !self.is_active() {
            return;
        }
        let timeout = self.config.broker_session_timeout_ms;
        for (&broker, _) in self.latest.brokers.iter().filter(|(_, r)| !r.fenced) {
            let at_ms =
                self.last_heartbeat_ms.get(&broker).map_or(0, |&t| t + timeout).max(self.fence_check_not_before_ms);
            timers.set_about(TimerName::BrokerSessionTimeout, at_ms, || Some(format!("broker {broker}")));
        }
        timers.set_all(TimerName::ReplicaFetchWaitMax, self.parked.iter().map(|f| f.deadline_ms));
        if self.config.auto_leader_rebalance_enable {
            let rebalance = self.last_rebalance_ms.saturating_add(self.config.leader_imbalance_check_interval_ms);
            timers.set(TimerName::LeaderImbalanceCheck, rebalance);
        }
        let unclean = self.last_unclean_check_ms.saturating_add(self.config.unclean_leader_election_interval_ms);
        timers.set(TimerName::UncleanLeaderElectionCheck, unclean);
    }
}

/// Names a controller for the trace: `controller 1001`.
pub fn controller_name(id: NodeId) -> String {
    format!("controller {id}")
}

#[cfg(test)]
mod tests;
