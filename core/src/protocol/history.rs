//! The history: every client operation's invocation and completion, as the checker needs them.
//!
//! A send is invoked (with its records) and later completes (acknowledged with offsets, or failed with an
//! error name); a send that never completes (its producer crashed) is indeterminate. A poll records what it
//! returned, with the high watermark the broker reported alongside.
//!
//! Groups: each consumer notes what it believes it owns (an assignment received, partitions given up), and
//! each commit acknowledged and each committed offset read; the coordinator notes when it removes a member
//! (so the checker can tell a zombie, which Kafka fences, from a second live owner).

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;
use serde::Serialize;

use crate::error::ErrorCode;
use crate::types::{Bytes, NodeId, Offset, TopicPartition};

/// Franz keeps this many history entries, each counted with the records it carries (a send of 1,000 records
/// counts 1,001); beyond it the oldest go, and the checker says its view is partial. A record costs the
/// history ~300 B sent and ~200 B polled (its value kept after the log dropped it): counted by entries alone,
/// sends of 1,000 records grew a page's memory past 2.5 GB (adversary 49); this bounds it near 100 MB.
pub const HISTORY_ENTRIES_MAX: usize = 300_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SentRecord {
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AckedRecord {
    pub partition: u32,
    /// `None` with `acks=0`.
    pub offset: Option<Offset>,
    /// The topic id of the log that acknowledged it (`None` with `acks=0`).
    pub topic_id: Option<crate::types::TopicId>,
    /// The log start offset its leader answered with: an offset below it names a record deleted by then (a
    /// retry answered as a duplicate of a write that retention has removed since).
    pub log_start_offset: Offset,
    /// The producer's batch that carried it: the checker tells it from an equal record another batch wrote
    /// at the same offset.
    pub batch_id: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolledRecord {
    pub topic: String,
    pub partition: u32,
    pub offset: Offset,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    /// The high watermark the broker reported with the fetch that brought this record.
    pub high_watermark: Offset,
    /// The leader epoch of the broker that answered that fetch.
    pub leader_epoch: crate::types::LeaderEpoch,
    /// The topic id of the log that fetch read.
    pub topic_id: Option<crate::types::TopicId>,
    /// The producer batch that wrote it (a tag only the simulation keeps): one record of one batch polled at
    /// two offsets is a duplicate, even once retention removed one of them.
    #[serde(skip)]
    pub origin: Option<crate::protocol::record::RecordOrigin>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case", rename_all_fields = "camelCase")]
pub enum Op {
    SendInvoked {
        producer: NodeId,
        request_id: u64,
        topic: String,
        records: Vec<SentRecord>,
    },
    SendAcked {
        producer: NodeId,
        request_id: u64,
        topic: String,
        records: Vec<AckedRecord>,
    },
    SendFailed {
        producer: NodeId,
        request_id: u64,
        topic: String,
        error: ErrorCode,
    },
    Polled {
        consumer: NodeId,
        records: Vec<PolledRecord>,
    },
    /// The consumer's position was set other than by polling, so polls may go back or skip.
    PositionReset {
        consumer: NodeId,
        partitions: Vec<TopicPartition>,
        reason: ResetReason,
    },
    /// A broker removed records on purpose (retention, its leader's log start, the cleaner), as its log says.
    /// The world notes how the committed metadata saw the broker then (`remover`): a write acknowledged at an
    /// offset the log no longer holds went on purpose only if the partition's leader removed it (a follower's
    /// removal only excuses, and a zombie's counts for nothing: adversary 38).
    RecordsRemoved {
        topic: String,
        partition: u32,
        topic_id: crate::types::TopicId,
        broker: NodeId,
        /// The leader epoch the broker knew.
        leader_epoch: crate::types::LeaderEpoch,
        #[serde(skip)]
        removals: Vec<crate::protocol::record::Removal>,
        remover: Remover,
    },
    /// A group coordinator deleted committed offsets past `offsets.retention.minutes`: gone on purpose.
    OffsetsExpired {
        group: String,
        partitions: Vec<TopicPartition>,
        coordinator: NodeId,
    },
    /// A group coordinator deleted an Empty group left without committed offsets: the group's next life starts
    /// again from generation 0.
    GroupDeleted {
        group: String,
        coordinator: NodeId,
    },
    /// A topic was deleted: what was written to it before is gone on purpose.
    TopicDeleted {
        topic: String,
        /// Which incarnation of the name (KIP-516): a write one acknowledged went with it.
        topic_id: crate::types::TopicId,
    },
    /// A consumer got its assignment from SyncGroup: from now on it believes it owns `partitions` (and
    /// nothing else) in `group`, as member `member_id` of `generation`.
    AssignmentReceived {
        consumer: NodeId,
        group: String,
        generation: i32,
        member_id: String,
        partitions: Vec<TopicPartition>,
    },
    /// A consumer sent a JoinGroup. An eager member (range, roundrobin, sticky) owns nothing when it does:
    /// Kafka's `onJoinPrepare` gives every partition up first.
    JoinGroupSent {
        consumer: NodeId,
        group: String,
        eager: bool,
    },
    /// A consumer gave partitions up: it no longer believes it owns them.
    AssignmentRevoked {
        consumer: NodeId,
        group: String,
        partitions: Vec<TopicPartition>,
        reason: RevokeReason,
    },
    /// The coordinator removed a member id from the group (a member it replaced, expired or that left).
    GroupMemberRemoved {
        group: String,
        member_id: String,
        reason: RemovalReason,
    },
    /// An OffsetCommit was sent (each attempt): without an answer (lost, timed out, or its consumer gone), it
    /// may still be the group's committed offsets, and a later OffsetFetch may rightly return them.
    OffsetCommitSent {
        consumer: NodeId,
        group: String,
        offsets: Vec<CommittedOffset>,
    },
    /// The coordinator refused the attempt sent at `requested_ms` before writing it (the group's checks:
    /// ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID ...): unlike one unanswered, it is not the group's committed offset.
    OffsetCommitRefused {
        consumer: NodeId,
        group: String,
        requested_ms: u64,
        error: ErrorCode,
    },
    /// An OffsetCommit was acknowledged: these are the group's committed offsets now.
    OffsetsCommitted {
        consumer: NodeId,
        group: String,
        offsets: Vec<CommittedOffset>,
        /// `commitSync(offsets)`: offsets the application chose, rather than the consumer's positions.
        explicit: bool,
        /// The generation and member id the commit named (-1 and "" with `assign`): the coordinator must
        /// refuse a generation the group has left (ILLEGAL_GENERATION).
        generation: i32,
        member_id: String,
        /// When the acknowledged attempt was sent.
        requested_ms: u64,
        /// When the consumer took the positions it commits (the commit began; a retry, or one waiting for a
        /// coordinator, is sent later with them). Soak seed 10,036,095.
        positions_ms: u64,
    },
    /// An OffsetFetch, sent at `requested_ms`, answered these committed offsets (`None`: nothing committed).
    CommittedOffsetsFetched {
        consumer: NodeId,
        group: String,
        requested_ms: u64,
        offsets: Vec<FetchedCommittedOffset>,
        /// The broker that answered.
        coordinator: NodeId,
        /// The committed metadata named another broker the leader of the group's offsets partition when the
        /// answer was recorded (a zombie coordinator answered from its own state; set by the world).
        stale_coordinator: bool,
    },
}

/// How the committed metadata saw a broker when it removed records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Remover {
    /// The partition's leader, in the epoch the controller had committed.
    Leader,
    /// A replica that knew the committed epoch.
    Follower,
    /// A broker behind the committed epoch, or no replica of the topic the controller knows (a zombie).
    Stale,
}

/// Why a consumer's position was set other than by polling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResetReason {
    /// `assign(partitions)`.
    Assign,
    /// `seek(partition, offset)`.
    Seek,
    /// The group assigned the partition: the position comes from the committed offset (or a reset).
    GroupAssignment,
    /// `auto.offset.reset` moved it (no committed offset, or out of range).
    AutoOffsetReset,
}

/// Why a consumer gave its partitions up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevokeReason {
    /// Eager rebalancing: everything goes before joining again.
    Rebalance,
    /// The group no longer knows this member (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION): Kafka's "lost".
    Lost,
    /// Another instance with the same `group.instance.id` took its place (FENCED_INSTANCE_ID).
    Fenced,
    /// It left for exceeding `max.poll.interval.ms`.
    PollTimeout,
    /// `close()`.
    Closed,
    /// `unsubscribe()`, or `subscribe([])`.
    Unsubscribed,
}

/// Why the coordinator removed a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub enum RemovalReason {
    /// No heartbeat within `session.timeout.ms`.
    SessionTimeout,
    /// It did not join again before the rebalance timeout.
    RebalanceTimeout,
    /// LeaveGroup.
    Left,
    /// A new instance with its `group.instance.id` replaced it (KIP-345).
    Replaced,
}

impl RemovalReason {
    pub fn describe(self) -> &'static str {
        match self {
            RemovalReason::SessionTimeout => "no heartbeat within session.timeout.ms",
            RemovalReason::RebalanceTimeout => "it did not join again before the rebalance timeout",
            RemovalReason::Left => "it left (LeaveGroup)",
            RemovalReason::Replaced => "a new consumer with its group.instance.id took its place",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommittedOffset {
    pub topic: String,
    pub partition: u32,
    pub offset: Offset,
    /// The topic id the coordinator wrote the commit under (`None` in a history made by hand).
    #[serde(default)]
    pub topic_id: Option<crate::types::TopicId>,
}

impl CommittedOffset {
    pub fn new(tp: &crate::types::TopicPartition, offset: Offset, topic_id: Option<crate::types::TopicId>) -> Self {
        CommittedOffset { topic: tp.topic.clone(), partition: tp.partition, offset, topic_id }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FetchedCommittedOffset {
    pub topic: String,
    pub partition: u32,
    pub offset: Option<Offset>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    pub time_ms: u64,
    #[serde(flatten)]
    pub op: Op,
}

impl Op {
    /// What it counts towards [`HISTORY_ENTRIES_MAX`]: one, and one more per record it carries.
    fn weight(&self) -> usize {
        1 + match self {
            Op::SendInvoked { records, .. } => records.len(),
            Op::SendAcked { records, .. } => records.len(),
            Op::Polled { records, .. } => records.len(),
            _ => 0,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct History {
    entries: VecDeque<HistoryEntry>,
    /// The entries' [`Op::weight`]s, summed.
    weight: usize,
    dropped: u64,
    dropped_sends: u64,
}

impl History {
    pub fn record(&mut self, time_ms: u64, op: Op) {
        self.weight += op.weight();
        while self.weight > HISTORY_ENTRIES_MAX {
            let Some(oldest) = self.entries.pop_front() else { break };
            self.weight -= oldest.op.weight();
            if let Op::SendInvoked { .. } = oldest.op {
                self.dropped_sends += 1;
            }
            self.dropped += 1;
        }
        self.entries.push_back(HistoryEntry { time_ms, op });
        debug_assert!(self.weight >= self.entries.len(), "each entry weighs one at least");
    }

    pub fn entries(&self) -> impl Iterator<Item = &HistoryEntry> {
        self.entries.iter()
    }

    /// Every entry ever recorded, dropped ones too.
    pub fn recorded(&self) -> u64 {
        self.entries.len() as u64 + self.dropped
    }

    /// How many of the oldest entries were dropped to stay within [`HISTORY_ENTRIES_MAX`].
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// How many of the dropped entries were sends (their records can no longer be judged).
    pub fn dropped_sends(&self) -> u64 {
        self.dropped_sends
    }

    pub fn from_entries(entries: Vec<HistoryEntry>) -> History {
        let weight = entries.iter().map(|e| e.op.weight()).sum();
        History { entries: entries.into(), weight, dropped: 0, dropped_sends: 0 }
    }

    /// Other entries in place of these, with what was dropped before them still counted.
    pub fn with_entries(&self, entries: Vec<HistoryEntry>) -> History {
        let weight = entries.iter().map(|e| e.op.weight()).sum();
        History { entries: entries.into(), weight, ..*self }
    }
}
