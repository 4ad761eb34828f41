//! The trace: every meaningful event of the world, in structured fields and in words a person reads.
//!
//! The trace is also the determinism witness: [`Trace::hash`] folds every event ever recorded (not only
//! those still kept in memory), so two runs agree bit for bit exactly when their hashes agree. It folds the
//! fields, not the words: an event's sentence is written only when someone reads it ([`TraceEvent::text`]),
//! as formatting every event when it happened cost a twentieth of a busy cluster's time.

use alloc::collections::VecDeque;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::{self, Write as _};
use core::hash::{Hash, Hasher};
use serde::Serialize;

use crate::error::ErrorCode;
use crate::types::{LeaderEpoch, NodeId, Offset};

/// Franz keeps this many trace events in memory; older ones are dropped (their hash is kept).
pub const TRACE_EVENTS_KEPT_MAX: usize = 10_000;

/// What happened, with the fields a program reads.
#[derive(Clone, Debug, PartialEq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", rename_all_fields = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub enum TraceKind {
    TopicCreated {
        topic: String,
        partitions: u32,
        replication_factor: u32,
    },
    RecordsAppended {
        topic: String,
        partition: u32,
        base_offset: Offset,
        count: u64,
        leader_epoch: LeaderEpoch,
    },
    HighWatermarkAdvanced {
        topic: String,
        partition: u32,
        high_watermark: Offset,
    },
    ProduceRetry {
        topic: String,
        partition: u32,
        error: ErrorCode,
        attempt: u32,
    },
    /// The controller refused an ISR change a leader asked for (a stale partition epoch, a fenced or
    /// restarted replica: KIP-903's INELIGIBLE_REPLICA).
    AlterPartitionRefused {
        topic: String,
        partition: u32,
        isr: Vec<NodeId>,
        error: ErrorCode,
        message: String,
    },
    ProduceFailed {
        topic: String,
        partition: Option<u32>,
        error: ErrorCode,
        message: String,
    },
    ConsumerOffsetReset {
        topic: String,
        partition: u32,
        offset: Offset,
        policy: String,
    },
    ClientStarted {
        client_id: String,
        role: String,
    },
    ClientStopped {
        crashed: bool,
    },
    TopicDeleted {
        topic: String,
    },
    PartitionsCreated {
        topic: String,
        from: u32,
        to: u32,
    },
    TopicConfigChanged {
        topic: String,
        keys: Vec<String>,
    },
    SegmentsDeleted {
        topic: String,
        partition: u32,
        segments: u64,
        records: u64,
        log_start_offset: Offset,
    },
    LogCompacted {
        topic: String,
        partition: u32,
        records_removed: u64,
        tombstones_removed: u64,
    },
    LeaderElected {
        topic: String,
        partition: u32,
        leader: NodeId,
        leader_epoch: LeaderEpoch,
    },
    /// `stopBroker`: the broker asked the controller to move its leaderships away, then stopped cleanly.
    ControlledShutdown {
        broker: NodeId,
    },
    /// `controlled`: false when the controller did not approve the shutdown within
    /// `CONTROLLED_SHUTDOWN_TIMEOUT_MS` (no quorum), so the broker's leaderships were not moved first.
    BrokerStopped {
        controlled: bool,
    },
    BrokerCrashed {
        power_loss: bool,
    },
    RecordsLostOnPowerLoss {
        topic: String,
        partition: u32,
        count: u64,
    },
    BrokerRestarted,
    NodePaused {
        ms: u64,
    },
    NetworkPartitioned {
        sides: Vec<Vec<NodeId>>,
    },
    NetworkHealed,
    NetworkChanged {
        latency_ms: u64,
        jitter_ms: u64,
        #[cfg_attr(feature = "tsify", tsify(type = "number"))]
        drop_rate: DropRate,
    },
    LinkChanged {
        a: NodeId,
        b: NodeId,
        network: Option<crate::config::NetworkConfig>,
        /// Only messages from `a` to `b`.
        one_way: bool,
    },
    ControllerElected {
        term: u64,
    },
    BrokerRegistered {
        broker: NodeId,
        incarnation: u64,
    },
    BrokerFenced {
        broker: NodeId,
        silent_ms: u64,
    },
    BrokerUnfenced {
        broker: NodeId,
    },
    PartitionChanged {
        topic: String,
        partition: u32,
        leader: NodeId,
        leader_epoch: LeaderEpoch,
        isr: Vec<NodeId>,
        unclean: bool,
    },
    BecameFollower {
        topic: String,
        partition: u32,
        leader: NodeId,
        leader_epoch: LeaderEpoch,
    },
    LogTruncated {
        topic: String,
        partition: u32,
        from_offset: Offset,
        to_offset: Offset,
    },
    /// A replica's log that the metadata no longer assigns here (its topic was deleted, perhaps created
    /// again with another id, or the replica moved away) is deleted.
    StrayLogDeleted {
        topic: String,
        partition: u32,
        records: u64,
    },
    NodeAdded {
        role: String,
    },
    ReassignmentStarted {
        topic: String,
        partition: u32,
        target: Vec<NodeId>,
    },
    ConsumerRetry {
        topic: String,
        partition: u32,
        error: ErrorCode,
    },
    GroupRebalanced {
        group: String,
        generation: i32,
        members: Vec<String>,
        leader: Option<String>,
        protocol: Option<String>,
    },
    GroupAssigned {
        group: String,
        generation: i32,
        member: String,
        partitions: Vec<String>,
    },
    /// Committed offsets past `offsets.retention.minutes` were deleted (and the group, Empty without them).
    OffsetsExpired {
        group: String,
        partitions: Vec<String>,
        group_deleted: bool,
    },
    /// A new coordinator read the group back from its `__consumer_offsets` partition.
    GroupLoaded {
        group: String,
        generation: i32,
        members: Vec<String>,
    },
    GroupMemberRemoved {
        group: String,
        member: String,
        reason: crate::protocol::history::RemovalReason,
    },
    /// A consumer was fenced: its `group.instance.id` is another member at the coordinator.
    ConsumerFenced {
        group: String,
        member: String,
    },
    /// `close()`'s commit of the positions was refused or got no answer in time (Kafka logs "Synchronous
    /// auto-commit of offsets failed"): the consumer leaves anyway, its positions not committed.
    ConsumerCloseCommitFailed {
        group: String,
        error: ErrorCode,
    },
    /// The controller refused this broker's request to create `__consumer_offsets` (fewer brokers registered
    /// than `offsets.topic.replication.factor`, say): groups have no coordinator (COORDINATOR_NOT_AVAILABLE)
    /// until it can.
    OffsetsTopicNotCreated {
        error: ErrorCode,
        message: String,
    },
    /// The coordinator could not write a generation's assignment to `__consumer_offsets` (its partition under
    /// `min.insync.replicas`, say): the members waiting in SyncGroup get the error and the group rebalances
    /// again (Kafka's `resetAndPropagateAssignmentError`), round after round while it lasts.
    GroupAssignmentNotStored {
        group: String,
        generation: i32,
        error: ErrorCode,
        message: String,
    },
    /// The leader refused a batch as larger than `max.message.bytes`: the producer sends its `records` again
    /// in `parts` smaller batches (KIP-126).
    ProduceBatchSplit {
        topic: String,
        partition: u32,
        records: u32,
        parts: u32,
    },
    /// A replica that forgot its producers (its log restarted at its leader's log start) took a first batch
    /// from a producer it has no state for at a sequence other than 0 (Kafka since KIP-360): an earlier batch
    /// of that producer, still to come, can no longer be placed before it.
    UnknownProducerSequenceTaken {
        topic: String,
        partition: u32,
        producer_id: i64,
        base_sequence: i32,
    },
    /// The idempotent producer started a new epoch for a partition whose leader refused a batch as out of
    /// order with nothing earlier to fill the gap (KIP-360, Kafka's `bumpIdempotentProducerEpoch`): its
    /// `renumbered` unacknowledged batches go again from sequence 0. `sent_later` of them were sent after the
    /// refused one and may be in the log already (a leader without the producer's state takes any
    /// sequence): the refused batch then lands after them, as in Kafka.
    ProducerEpochBumped {
        topic: String,
        partition: u32,
        producer_epoch: i16,
        renumbered: u32,
        sent_later: u32,
    },
}

impl TraceKind {
    /// The `kind` field's value in JSON (`records_appended` ...).
    pub fn kind_name(&self) -> &'static str {
        match self {
            TraceKind::TopicCreated { .. } => "topic_created",
            TraceKind::RecordsAppended { .. } => "records_appended",
            TraceKind::HighWatermarkAdvanced { .. } => "high_watermark_advanced",
            TraceKind::ProduceRetry { .. } => "produce_retry",
            TraceKind::AlterPartitionRefused { .. } => "alter_partition_refused",
            TraceKind::ProduceFailed { .. } => "produce_failed",
            TraceKind::ConsumerOffsetReset { .. } => "consumer_offset_reset",
            TraceKind::ClientStarted { .. } => "client_started",
            TraceKind::ClientStopped { .. } => "client_stopped",
            TraceKind::TopicDeleted { .. } => "topic_deleted",
            TraceKind::PartitionsCreated { .. } => "partitions_created",
            TraceKind::TopicConfigChanged { .. } => "topic_config_changed",
            TraceKind::SegmentsDeleted { .. } => "segments_deleted",
            TraceKind::LogCompacted { .. } => "log_compacted",
            TraceKind::LeaderElected { .. } => "leader_elected",
            TraceKind::ControlledShutdown { .. } => "controlled_shutdown",
            TraceKind::BrokerStopped { .. } => "broker_stopped",
            TraceKind::BrokerCrashed { .. } => "broker_crashed",
            TraceKind::RecordsLostOnPowerLoss { .. } => "records_lost_on_power_loss",
            TraceKind::BrokerRestarted => "broker_restarted",
            TraceKind::NodePaused { .. } => "node_paused",
            TraceKind::NetworkPartitioned { .. } => "network_partitioned",
            TraceKind::NetworkHealed => "network_healed",
            TraceKind::NetworkChanged { .. } => "network_changed",
            TraceKind::LinkChanged { .. } => "link_changed",
            TraceKind::ControllerElected { .. } => "controller_elected",
            TraceKind::BrokerRegistered { .. } => "broker_registered",
            TraceKind::BrokerFenced { .. } => "broker_fenced",
            TraceKind::BrokerUnfenced { .. } => "broker_unfenced",
            TraceKind::PartitionChanged { .. } => "partition_changed",
            TraceKind::BecameFollower { .. } => "became_follower",
            TraceKind::LogTruncated { .. } => "log_truncated",
            TraceKind::StrayLogDeleted { .. } => "stray_log_deleted",
            TraceKind::NodeAdded { .. } => "node_added",
            TraceKind::ReassignmentStarted { .. } => "reassignment_started",
            TraceKind::ConsumerRetry { .. } => "consumer_retry",
            TraceKind::GroupRebalanced { .. } => "group_rebalanced",
            TraceKind::GroupAssigned { .. } => "group_assigned",
            TraceKind::GroupLoaded { .. } => "group_loaded",
            TraceKind::OffsetsExpired { .. } => "offsets_expired",
            TraceKind::GroupMemberRemoved { .. } => "group_member_removed",
            TraceKind::ConsumerFenced { .. } => "consumer_fenced",
            TraceKind::ConsumerCloseCommitFailed { .. } => "consumer_close_commit_failed",
            TraceKind::GroupAssignmentNotStored { .. } => "group_assignment_not_stored",
            TraceKind::OffsetsTopicNotCreated { .. } => "offsets_topic_not_created",
            TraceKind::ProduceBatchSplit { .. } => "produce_batch_split",
            TraceKind::UnknownProducerSequenceTaken { .. } => "unknown_producer_sequence_taken",
            TraceKind::ProducerEpochBumped { .. } => "producer_epoch_bumped",
        }
    }

    /// The sentence after `t=… ms <node>:`.
    pub fn describe(&self) -> String {
        self.to_string()
    }
}

/// The sentence, written where it goes (the trace writes its line in one buffer).
impl fmt::Display for TraceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceKind::TopicCreated { topic, partitions, replication_factor } => {
                write!(f, "created topic {topic} with {partitions} partition(s), replication factor {replication_factor}")
            }
            TraceKind::RecordsAppended { topic, partition, base_offset, count, leader_epoch } => {
                if *count == 1 {
                    write!(f, "appended 1 record to {topic}-{partition} at offset {base_offset} (leader epoch {leader_epoch})")
                } else {
                    write!(f,
                        "appended {count} records to {topic}-{partition} at offsets {base_offset}..{} (leader epoch {leader_epoch})",
                        base_offset + count - 1
                    )
                }
            }
            TraceKind::HighWatermarkAdvanced { topic, partition, high_watermark } => {
                write!(f, "high watermark of {topic}-{partition} is now {high_watermark}")
            }
            TraceKind::ProduceRetry { topic, partition, error, attempt } => {
                write!(f, "retrying its send to {topic}-{partition} after {error} (attempt {attempt})")
            }
            TraceKind::AlterPartitionRefused { topic, partition, isr, error, message } => {
                write!(f, "the controller refused ISR {isr:?} for {topic}-{partition}: {error}: {message}")
            }
            TraceKind::ProduceFailed { topic, partition, error, message } => match partition {
                Some(p) => write!(f, "send to {topic}-{p} failed with {error}: {message}"),
                None => write!(f, "send to {topic} failed with {error}: {message}"),
            },
            TraceKind::ConsumerOffsetReset { topic, partition, offset, policy } => {
                write!(f, "reset position of {topic}-{partition} to offset {offset} (auto.offset.reset={policy})")
            }
            TraceKind::ClientStarted { role, .. } => write!(f, "started ({role})"),
            TraceKind::ClientStopped { crashed: true } => f.write_str("crashed: requests in flight are lost"),
            TraceKind::ClientStopped { crashed: false } => f.write_str("closed"),
            TraceKind::TopicDeleted { topic } => write!(f, "deleted topic {topic}"),
            TraceKind::PartitionsCreated { topic, from, to } => {
                write!(f, "grew topic {topic} from {from} to {to} partitions")
            }
            TraceKind::TopicConfigChanged { topic, keys } => write!(f, "changed {} of topic {topic}", keys.join(", ")),
            TraceKind::SegmentsDeleted { topic, partition, segments, records, log_start_offset } => write!(f,
                "retention deleted {segments} segment(s), {records} record(s), of {topic}-{partition}: the log now starts at offset {log_start_offset}"
            ),
            TraceKind::LogCompacted { topic, partition, records_removed, tombstones_removed } => write!(f,
                "compacted {topic}-{partition}: removed {records_removed} record(s) superseded by a later one with the same key ({tombstones_removed} expired tombstone(s))"
            ),
            TraceKind::LeaderElected { topic, partition, leader_epoch, .. } => {
                write!(f, "became leader of {topic}-{partition} at epoch {leader_epoch}")
            }
            TraceKind::ControlledShutdown { broker } => write!(f,
                "proposes broker {broker}'s controlled shutdown: fence it, take it out of every ISR it need not be in, \
                 move its leaderships (once committed)"
            ),
            TraceKind::BrokerStopped { controlled: true } => {
                f.write_str("stopped cleanly (kafka-server-stop): logs flushed, high watermarks checkpointed")
            }
            TraceKind::BrokerStopped { controlled: false } => f.write_str(
                "stopped without the controller's approval (timed out waiting for the controller to approve \
                 controlled shutdown, 5 min): its leaderships were not moved; logs flushed, high watermarks checkpointed",
            ),
            TraceKind::BrokerCrashed { power_loss: false } => {
                f.write_str("crashed: memory lost, disk kept (the page cache survives a process crash)")
            }
            TraceKind::BrokerCrashed { power_loss: true } => {
                f.write_str("lost power: memory and every record not yet flushed to disk are gone")
            }
            TraceKind::RecordsLostOnPowerLoss { topic, partition, count } => {
                write!(f, "power loss erased {count} unflushed record(s) of {topic}-{partition} (see flush.messages, flush.ms)")
            }
            TraceKind::BrokerRestarted => f.write_str("restarted and recovered its logs from disk"),
            TraceKind::NodePaused { ms } => write!(f, "paused for {ms} ms (a stop-the-world pause): alive but silent"),
            TraceKind::NetworkPartitioned { sides } => {
                f.write_str("network partitioned into ")?;
                for (i, side) in sides.iter().enumerate() {
                    write!(f, "{}{side:?}", if i > 0 { " | " } else { "" })?;
                }
                f.write_str(" | everyone else")
            }
            TraceKind::NetworkHealed => f.write_str("network healed: every node can reach every other"),
            TraceKind::NetworkChanged { latency_ms, jitter_ms, drop_rate } => {
                write!(f, "network set to latency {latency_ms} ms, jitter {jitter_ms} ms, drop rate {drop_rate}")
            }
            TraceKind::LinkChanged { a, b, network: Some(n), one_way } => write!(f,
                "link {a} {} {b} set to latency {} ms, jitter {} ms, drop rate {}",
                if *one_way { "->" } else { "<->" },
                n.latency_ms,
                n.jitter_ms,
                n.drop_rate
            ),
            TraceKind::LinkChanged { a, b, network: None, one_way } => {
                write!(f, "link {a} {} {b} back to the network's settings", if *one_way { "->" } else { "<->" })
            }
            TraceKind::ControllerElected { term } => {
                write!(f, "became the active controller (Raft leader of the metadata log) in term {term}")
            }
            TraceKind::BrokerRegistered { broker, incarnation } => {
                write!(f, "registered broker {broker} (incarnation {incarnation}); it stays fenced until it catches up")
            }
            TraceKind::BrokerFenced { broker, silent_ms } => write!(f,
                "fenced broker {broker}: no heartbeat for {silent_ms} ms (broker.session.timeout.ms); it leaves every ISR"
            ),
            TraceKind::BrokerUnfenced { broker } => {
                write!(f, "unfenced broker {broker}: it caught up with the metadata log")
            }
            TraceKind::PartitionChanged { topic, partition, leader, leader_epoch, isr, unclean } => {
                let leader = if *leader < 0 { String::from("none") } else { leader.to_string() };
                let unclean = if *unclean {
                    " (UNCLEAN election: the new leader was not in the ISR; acknowledged records it lacks are lost)"
                } else {
                    ""
                };
                // (Traced when proposed: the panels, the brokers' metadata, show it once the quorum commits it.)
                write!(f, "proposes {topic}-{partition}: leader {leader}, leader epoch {leader_epoch}, ISR {isr:?}{unclean}")
            }
            TraceKind::BecameFollower { topic, partition, leader, leader_epoch } => {
                write!(f, "became follower of {topic}-{partition}, fetching from broker {leader} (leader epoch {leader_epoch})")
            }
            TraceKind::LogTruncated { topic, partition, from_offset, to_offset } => write!(f,
                "truncated {topic}-{partition} from offset {from_offset} to {to_offset}: those records diverged from the leader's log"
            ),
            TraceKind::StrayLogDeleted { topic, partition, records } => write!(f,
                "deleted its log of {topic}-{partition} ({records} record(s)): the metadata no longer places that replica here"
            ),
            TraceKind::NodeAdded { role } => write!(f, "joined the cluster ({role})"),
            TraceKind::GroupRebalanced { group, generation, members, leader, protocol } => match leader {
                Some(leader) => write!(f,
                    "group {group} generation {generation}: members {}, leader {leader}, assignor {}",
                    Listed(members),
                    protocol.as_deref().unwrap_or("none")
                ),
                None => write!(f, "group {group} generation {generation}: no members left (Empty)"),
            },
            TraceKind::GroupAssigned { group, generation, member, partitions } => {
                write!(f, "{member} owns {} in group {group} generation {generation}", Listed(partitions))
            }
            TraceKind::OffsetsExpired { group, partitions, group_deleted } => {
                if !partitions.is_empty() {
                    let partitions = Listed(partitions);
                    write!(f, "deleted group {group}'s committed offsets of {partitions}: offsets.retention.minutes passed")?;
                    write!(f, " since it became Empty (or, without members, since each commit)")?;
                    if *group_deleted {
                        write!(f, "; ")?;
                    }
                }
                if *group_deleted {
                    write!(f, "deleted group {group}: Empty, with no committed offsets left")?;
                }
                Ok(())
            }
            TraceKind::GroupLoaded { group, generation, members } => write!(f,
                "became coordinator of group {group}: read generation {generation} back from the log, members {}",
                Listed(members)
            ),
            TraceKind::GroupMemberRemoved { group, member, reason } => {
                write!(f, "removed {member} from group {group}: {}", reason.describe())
            }
            TraceKind::ConsumerFenced { group, member } => write!(f,
                "fenced (FENCED_INSTANCE_ID): the coordinator knows this group.instance.id as another member than {member} of group {group} (a newer consumer took its place, or a former coordinator handed out {member}); this consumer stops"
            ),
            TraceKind::ConsumerCloseCommitFailed { group, error } => write!(f,
                "close() could not commit its positions in group {group} ({error}): unless the commit landed late, its partitions' next owners read again from the last commit"
            ),
            TraceKind::OffsetsTopicNotCreated { error, message } => write!(f,
                "could not create __consumer_offsets ({error}: {message}): groups have no coordinator (COORDINATOR_NOT_AVAILABLE) until it can be; see offsets.topic.replication.factor"
            ),
            TraceKind::GroupAssignmentNotStored { group, generation, error, message } => write!(f,
                "could not write group {group}'s generation {generation} assignment to __consumer_offsets ({message}): its members hear {error} and join again"
            ),
            TraceKind::ConsumerRetry { topic, partition, error } => write!(f,
                "reading {topic}-{partition} failed with {error}; trying again after retry.backoff.ms (with fresh metadata if the leader may have moved)"
            ),
            TraceKind::ReassignmentStarted { topic, partition, target } => write!(f,
                "reassigning {topic}-{partition} to {target:?}: new replicas copy the log, join the ISR, then the old ones go"
            ),
            TraceKind::ProduceBatchSplit { topic, partition, records, parts: 1 } => write!(f,
                "the leader refused a batch of {records} records for {topic}-{partition} as larger than max.message.bytes (MESSAGE_TOO_LARGE): split at batch.size, as a first split is, it stays one batch and goes again; refused again, it will be halved (KIP-126, KAFKA-8350)"
            ),
            TraceKind::ProduceBatchSplit { topic, partition, records, parts } => write!(f,
                "the leader refused a batch of {records} records for {topic}-{partition} as larger than max.message.bytes (MESSAGE_TOO_LARGE): sending them again as {parts} smaller batches (KIP-126)"
            ),
            TraceKind::UnknownProducerSequenceTaken { topic, partition, producer_id, base_sequence } => write!(f,
                "took sequence {base_sequence} of producer {producer_id} into {topic}-{partition}, though it has no state for that producer: its log restarted at its leader's log start and forgot its producers, so, as Kafka since KIP-360, any first sequence goes (an earlier batch of that producer, if still to come, lands after this one)"
            ),
            TraceKind::ProducerEpochBumped { topic, partition, producer_epoch, renumbered, sent_later: 0 } => write!(f,
                "the leader of {topic}-{partition} refused a batch as out of order, and no earlier batch can fill the gap (OUT_OF_ORDER_SEQUENCE_NUMBER): new epoch {producer_epoch}, its {renumbered} unacknowledged batch(es) numbered again from sequence 0 (KIP-360)"
            ),
            TraceKind::ProducerEpochBumped { topic, partition, producer_epoch, renumbered, sent_later } => write!(f,
                "the leader of {topic}-{partition} refused a batch as out of order, and no earlier batch can fill the gap (OUT_OF_ORDER_SEQUENCE_NUMBER): new epoch {producer_epoch}, its {renumbered} unacknowledged batch(es) numbered again from sequence 0 (KIP-360); {sent_later} of them went after the refused one and may be in the log already: then the refused one lands after them, as in Kafka"
            ),
        }
    }
}

/// A network's drop rate in a trace event: a probability in [0, 1], hashed by its bits.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(transparent)]
pub struct DropRate(pub f64);

impl core::hash::Hash for DropRate {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.0.to_bits());
    }
}

/// A list of names as the trace shows it: whole up to `LISTED_MAX`, then its first ones and how many more
/// (a member of 10,000 partitions made a line of 100,000 characters).
struct Listed<'a>(&'a [String]);

const LISTED_MAX: usize = 20;

impl fmt::Display for Listed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.len() <= LISTED_MAX {
            return write!(f, "{:?}", self.0);
        }
        f.write_str("[")?;
        for name in &self.0[..LISTED_MAX] {
            write!(f, "{name:?}, ")?;
        }
        write!(f, "… and {} more]", group_thousands((self.0.len() - LISTED_MAX) as u64))
    }
}

impl fmt::Display for DropRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// One event of the trace. JS sees it with its sentence (`text`) as well as its fields.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceEvent {
    pub seq: u64,
    pub time_ms: u64,
    pub node: NodeId,
    /// The node as a person names it: "broker 1", "producer-1".
    pub node_name: String,
    pub kind: TraceKind,
}

impl TraceEvent {
    /// The event as a sentence: `t=12,340 ms broker 1: created topic orders with 1 partition(s), ...`.
    pub fn text(&self) -> String {
        let mut text = String::with_capacity(TRACE_LINE_BYTES);
        let _ = write!(text, "t={} ms {}: {}", Thousands(self.time_ms), self.node_name, self.kind);
        text
    }
}

/// A trace event as JS reads it: its fields, its kind's fields flattened, and its sentence. (In a module of
/// its own so that tsify names its TypeScript type `TraceEvent`.)
mod js {
    use super::{NodeId, String, TraceKind};

    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    #[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
    pub(super) struct TraceEvent {
        pub seq: u64,
        pub time_ms: u64,
        pub node: NodeId,
        /// The node as a person names it: "broker 1", "producer-1".
        pub node_name: String,
        /// The whole line: "t=12,340 ms broker 2: appended …".
        pub text: String,
        #[serde(flatten)]
        // A named type, not a reference: tsify then writes an intersection (an interface cannot extend a union).
        #[cfg_attr(feature = "tsify", tsify(type = "TraceKind"))]
        pub kind: TraceKind,
    }
}

impl Serialize for TraceEvent {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> core::result::Result<S::Ok, S::Error> {
        js::TraceEvent {
            seq: self.seq,
            time_ms: self.time_ms,
            node: self.node,
            node_name: self.node_name.clone(),
            text: self.text(),
            kind: self.kind.clone(),
        }
        .serialize(serializer)
    }
}

#[derive(Clone, Debug)]
pub struct Trace {
    events: VecDeque<TraceEvent>,
    next_seq: u64,
    hash: u64,
}

impl Default for Trace {
    fn default() -> Self {
        Trace { events: VecDeque::new(), next_seq: 1, hash: FNV_OFFSET_BASIS }
    }
}

const FNV_OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

impl Trace {
    pub fn record(&mut self, time_ms: u64, node: NodeId, node_name: String, kind: TraceKind) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let mut hasher = Fnv1a(self.hash);
        (seq, time_ms, node, &node_name, &kind).hash(&mut hasher);
        self.hash = hasher.0;
        if self.events.len() == TRACE_EVENTS_KEPT_MAX {
            self.events.pop_front();
        }
        self.events.push_back(TraceEvent { seq, time_ms, node, node_name, kind });
    }

    /// Events with `seq > since_seq` still kept in memory, oldest first.
    pub fn since(&self, since_seq: u64) -> Vec<TraceEvent> {
        let first_kept = self.events.front().map_or(self.next_seq, |e| e.seq);
        let skip = usize::try_from(since_seq.saturating_sub(first_kept.saturating_sub(1))).unwrap_or(usize::MAX);
        self.events.iter().skip(skip).cloned().collect()
    }

    /// The events still kept in memory, oldest first, without copying them (a view that filters them
    /// walks them from the newest end).
    pub fn kept(&self) -> impl DoubleEndedIterator<Item = &TraceEvent> + ExactSizeIterator + '_ {
        self.events.iter()
    }

    /// FNV-1a over every event recorded so far: equal hashes, equal traces.
    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// How many events were ever recorded.
    pub fn len(&self) -> u64 {
        self.next_seq - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// FNV-1a, fed the same bytes on every target: lengths and enum discriminants (usize, isize) as 64 bits,
/// integers little-endian (as both wasm32 and x86-64 are).
struct Fnv1a(u64);

impl Hasher for Fnv1a {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(FNV_PRIME);
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.write(&(n as u64).to_le_bytes());
    }

    fn write_isize(&mut self, n: isize) {
        self.write(&(n as i64).to_le_bytes());
    }
}

/// A trace line's usual length: most fit without the buffer growing.
const TRACE_LINE_BYTES: usize = 112;

/// `12340` → `"12,340"`, as the trace prints times.
pub fn group_thousands(n: u64) -> String {
    Thousands(n).to_string()
}

/// A number written with its thousands grouped, without a buffer of its own.
struct Thousands(u64);

impl fmt::Display for Thousands {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 20];
        let digits = crate::types::decimal_digits(self.0, &mut buf);
        for (i, d) in digits.iter().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                f.write_char(',')?;
            }
            f.write_char(char::from(*d))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn created(topic: &str) -> TraceKind {
        TraceKind::TopicCreated { topic: topic.into(), partitions: 1, replication_factor: 1 }
    }

    #[test]
    fn a_long_list_of_partitions_is_shown_by_its_first_ones() {
        let assigned = |n: usize| {
            let partitions = (0..n).map(|i| alloc::format!("t-{i}")).collect();
            let kind = TraceKind::GroupAssigned { group: "g".into(), generation: 1, member: "m".into(), partitions };
            kind.to_string()
        };
        assert_eq!(assigned(2), r#"m owns ["t-0", "t-1"] in group g generation 1"#);
        let long = assigned(10_000);
        assert!(long.contains(r#""t-19", … and 9,980 more] in group g"#), "{long}");
        assert!(long.len() < 300, "{}", long.len());
    }

    #[test]
    fn lines_read_like_sentences() {
        let mut trace = Trace::default();
        trace.record(12_340, 1, "broker 1".into(), created("orders"));
        let e = &trace.since(0)[0];
        assert_eq!(e.text(), "t=12,340 ms broker 1: created topic orders with 1 partition(s), replication factor 1");
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(1_000_000), "1,000,000");
    }

    #[test]
    fn kind_name_is_the_json_tag() {
        let kind = created("t");
        let json = serde_json::to_value(&kind).unwrap();
        assert_eq!(json["kind"], kind.kind_name());
        assert_eq!(json["replicationFactor"], 1, "fields are camelCase for JS");
    }

    #[test]
    fn since_and_memory_bound() {
        let mut trace = Trace::default();
        for i in 0..(TRACE_EVENTS_KEPT_MAX as u64 + 5) {
            trace.record(i, 1, "broker 1".into(), created("t"));
        }
        assert_eq!(trace.len(), TRACE_EVENTS_KEPT_MAX as u64 + 5);
        let all = trace.since(0);
        assert_eq!(all.len(), TRACE_EVENTS_KEPT_MAX);
        assert_eq!(all[0].seq, 6);
        let tail = trace.since(TRACE_EVENTS_KEPT_MAX as u64 + 3);
        assert_eq!(tail.iter().map(|e| e.seq).collect::<Vec<_>>(), [10_004, 10_005]);
    }

    #[test]
    fn hash_depends_on_every_event() {
        let (mut a, mut b) = (Trace::default(), Trace::default());
        a.record(1, 1, "broker 1".into(), created("x"));
        b.record(1, 1, "broker 1".into(), created("y"));
        assert_ne!(a.hash(), b.hash());
    }
}
