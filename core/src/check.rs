//! The checker: over the history and the replicas' logs, report what Jepsen's Kafka checker reports, and
//! what only an omniscient observer of every replica can see.
//!
//! - `lost_write`: a send was acknowledged at an offset, but the log no longer holds that record there.
//! - `duplicate`: one record of one producer batch appears in the log at two offsets (a retry appended
//!   again). A record is known by who wrote it (the simulation's [`BatchOrigin`]), not by its value, so a
//!   value sent again on purpose is no duplicate, and no history is needed to judge it.
//! - `inconsistent_offsets`: two different records were seen (acknowledged or polled) at one offset.
//! - `nonmonotonic_send`: a producer's later send got a lower offset on the same partition.
//! - `nonmonotonic_poll`: a consumer's polls on a partition went back (or repeated) without a seek/assign.
//! - `poll_skip`: a consumer's polls jumped over records the log holds, without a seek/assign.
//! - `read_past_high_watermark`: a poll returned a record at or above the high watermark it came with.
//! - `high_watermark_went_back`: a consumer saw a partition's high watermark go back within one leader
//!   epoch (a new leader may start lower, KIP-207; one leader's HW only grows).
//! - `replica_divergence`: two replicas hold different records below both their high watermarks.
//! - `phantom_read`: a consumer read a record that no producer ever sent to that topic.
//! - `two_owners`: a consumer was handed a partition of its group that another consumer instance still
//!   believed it owned, while the other was still a member (the coordinator had not removed its member id,
//!   and it had not given the partition up). A consumer the coordinator removed (session timeout, a newer
//!   instance of its `group.instance.id`) may still believe it owns partitions: that zombie is legal in
//!   Kafka, whose commits it cannot make any more. Also: an eager member (range, roundrobin, sticky) sent
//!   a JoinGroup still owning partitions (Kafka's `onJoinPrepare` gives them all up first, so that the next
//!   generation can hand them to another member while nobody reads them).
//! - `generation_went_back`: a consumer got an assignment of a generation older than one its group had
//!   already handed out.
//! - `committed_offset_went_back`: an OffsetFetch returned a committed offset lower than (or none instead
//!   of) the one acknowledged (or read back: reads are of stable offsets) last before it was sent, and no
//!   commit acknowledged after that named it.
//! - `stale_commit_accepted`: an offset commit naming generation g was acknowledged, though a consumer of
//!   the group had been handed a newer generation before the commit was sent (the coordinator must answer
//!   ILLEGAL_GENERATION: a zombie's commit would overwrite what the new owner committed). The generation
//!   continues across coordinator moves, so this holds whichever coordinator answered. Commits of consumers
//!   using `assign` (generation -1) are not judged here.
//! - `committed_unread`: a group committed its consumer's position past a record the log holds that no
//!   poll of the group's consumers ever returned (at-least-once broken: nobody will read it). Judged
//!   between two commits of the consumers' own positions, unless a seek, an `assign` or
//!   `auto.offset.reset` moved a position in between (the application's choice), and only with the whole
//!   history.
//!
//! Offsets below a log's start offset were deleted on purpose (retention): they are not lost.
//!
//! The history is bounded: when its oldest entries were dropped, every rule judges only what it still
//! holds (a rule never counts what it no longer remembers), and the report says how many sends it judged
//! and how many it forgot.

use crate::vec_map::{VecMap, VecSet};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::log::{BatchOrigin, Removal, RemovalCause};
use crate::protocol::history::{History, Op, Remover};
pub use crate::protocol::record::RecordOrigin;
use crate::types::{Bytes, NodeId, Offset, TopicPartition};

/// Franz reports at most this many violations (the first ones found).
pub const VIOLATIONS_REPORTED_MAX: usize = 1_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub enum ViolationKind {
    LostWrite,
    Duplicate,
    InconsistentOffsets,
    NonmonotonicSend,
    NonmonotonicPoll,
    PollSkip,
    ReadPastHighWatermark,
    HighWatermarkWentBack,
    ReplicaDivergence,
    TwoOwners,
    PhantomRead,
    GenerationWentBack,
    CommittedOffsetWentBack,
    CommittedUnread,
    StaleCommitAccepted,
}

impl ViolationKind {
    /// The name the report serializes, e.g. `lost_write`.
    pub fn name(self) -> &'static str {
        use ViolationKind::*;
        match self {
            LostWrite => "lost_write",
            Duplicate => "duplicate",
            InconsistentOffsets => "inconsistent_offsets",
            NonmonotonicSend => "nonmonotonic_send",
            NonmonotonicPoll => "nonmonotonic_poll",
            PollSkip => "poll_skip",
            ReadPastHighWatermark => "read_past_high_watermark",
            HighWatermarkWentBack => "high_watermark_went_back",
            ReplicaDivergence => "replica_divergence",
            TwoOwners => "two_owners",
            PhantomRead => "phantom_read",
            GenerationWentBack => "generation_went_back",
            CommittedOffsetWentBack => "committed_offset_went_back",
            CommittedUnread => "committed_unread",
            StaleCommitAccepted => "stale_commit_accepted",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub struct Violation {
    pub kind: ViolationKind,
    pub topic: String,
    pub partition: u32,
    pub offset: Option<Offset>,
    /// A sentence a person reads.
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub struct CheckReport {
    pub ok: bool,
    pub violations: Vec<Violation>,
    /// False when the oldest history was dropped to bound memory: the check then saw only part of the run.
    pub history_complete: bool,
    /// Sends whose records the check judged (those the history still holds).
    pub sends_judged: u64,
    /// The oldest sends, dropped from the history, whose records it could not judge.
    pub sends_forgotten: u64,
}

impl CheckReport {
    /// What the verdict covers, in a sentence: "judged 48,000 sends; the oldest 12,000 left the history".
    pub fn scope(&self) -> String {
        let judged = format!("judged {} send(s)", thousands(self.sends_judged));
        match self.sends_forgotten {
            0 if self.history_complete => format!("{judged}, the whole run"),
            0 => format!("{judged}; the oldest history entries (no sends) left the history"),
            n => format!("{judged}; the oldest {} left the history and were not judged", thousands(n)),
        }
    }
}

fn thousands(n: u64) -> String {
    let digits = format!("{n}");
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A record as a replica holds it, for comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedRecord {
    pub offset: Offset,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub leader_epoch: i32,
    /// `None` for a record no simulated producer wrote.
    pub origin: Option<RecordOrigin>,
}

/// One replica of one partition as the checker sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaSnapshot {
    pub broker: NodeId,
    /// This replica is the partition's current leader (and its process runs).
    pub is_leader: bool,
    /// Its broker is down (crashed, stopped, without power): its disk still counts for what was written,
    /// but its high watermark is the one it last checkpointed, and the log may hold a tail it truncates
    /// when it comes back (after its leader lost data to a power loss, and was elected again).
    pub down: bool,
    pub high_watermark: Offset,
    pub log_start_offset: Offset,
    /// Below it, compaction may have removed records (offsets are never reused): a gap there is not a loss.
    pub cleaned_up_to: Offset,
    /// The newest leader epoch its log was written in (its leader-epoch cache, which outlives the records
    /// retention removes); -1 for a log never written.
    pub latest_epoch: crate::types::LeaderEpoch,
    pub records: Vec<LoggedRecord>,
}

impl ReplicaSnapshot {
    fn log_end_offset(&self) -> Offset {
        self.records.last().map_or(self.log_start_offset, |r| r.offset + 1)
    }

    /// The record at `offset` (compacted logs have gaps, so search rather than index).
    fn at(&self, offset: Offset) -> Option<&LoggedRecord> {
        self.records.binary_search_by_key(&offset, |r| r.offset).ok().and_then(|i| self.records.get(i))
    }
}

pub type Replicas = VecMap<TopicPartition, Vec<ReplicaSnapshot>>;

/// What brokers removed on purpose, by partition: each removal with who removed it and how the committed
/// metadata saw it then ([`Op::RecordsRemoved`]), sorted by first offset, with the largest last offset so
/// far beside each (so that every removal covering an offset is found without a scan).
struct Removals {
    by_partition: VecMap<TopicPartition, Vec<(Removal, NodeId, Remover, Offset)>>,
}

impl Removals {
    fn new(history: &History) -> Removals {
        let mut pairs = Vec::new();
        for entry in history.entries() {
            if let Op::RecordsRemoved { topic, partition, broker, removals, remover, .. } = &entry.op {
                let tp = TopicPartition::new(topic.clone(), *partition);
                pairs.extend(removals.iter().map(|r| (tp.clone(), (*r, *broker, *remover, 0))));
            }
        }
        let mut by_partition = VecMap::grouped(pairs);
        for list in by_partition.values_mut() {
            crate::collect::sort_by(list, |a, b| a.0.first_offset.cmp(&b.0.first_offset));
            let mut reach = 0;
            for entry in list.iter_mut() {
                reach = reach.max(entry.0.last_offset);
                entry.3 = reach;
            }
        }
        Removals { by_partition }
    }

    /// Every removal of the record at `offset` of `tp`.
    fn at(&self, tp: &TopicPartition, offset: Offset) -> impl Iterator<Item = &(Removal, NodeId, Remover, Offset)> {
        let list = self.by_partition.get(tp).map_or(&[][..], |l| &l[..]);
        let end = list.partition_point(|e| e.0.first_offset <= offset);
        list[..end].iter().rev().take_while(move |e| e.3 >= offset).filter(move |e| e.0.last_offset >= offset)
    }
}

/// What the removals say of a write acknowledged at an offset the partition's log (`log`) does not hold:
/// `Some(Ok)` it was removed on purpose, `Some(Err(why))` it was not, `None` nothing decides. The partition's
/// leader of the committed epoch decides: its removal of this record excuses it (if the cleaner's reason
/// holds), its removal of another record there says this one was gone before (adversary 37). Without one, a
/// follower's removal of this record excuses it. A removal by a broker behind the committed epoch (a zombie
/// cut off from the controller) counts for nothing: a write an unclean election lost stays lost when the
/// zombie's retention later deletes its own copy (adversary 38).
fn removal_verdict(log: &ReplicaSnapshot, removals: &Removals, ack: &Ack) -> Option<Result<(), String>> {
    let offset = ack.offset;
    let found: Vec<&(Removal, NodeId, Remover, Offset)> = removals.at(&ack.tp, offset).collect();
    let ours = |e: &&&(Removal, NodeId, Remover, Offset)| e.0.origin_at(offset).is_some_and(|o| o.batch == ack.batch);
    let by = |remover: Remover| found.iter().filter(move |e| e.2 == remover);
    let (removal, broker) = match by(Remover::Leader).find(ours).or_else(|| by(Remover::Follower).find(ours)) {
        Some(e) => (e.0, e.1),
        None => {
            let (other, broker, ..) = by(Remover::Leader).next()?;
            let origin = other.origin_at(offset)?;
            let cause = if other.cause == RemovalCause::Retention { "retention" } else { "compaction" };
            return Some(Err(format!(
                "its leader, broker {broker}, removed another record there (producer {}'s batch #{}, by {cause}): \
                 the acknowledged one was gone before",
                origin.batch.producer, origin.batch.batch_id
            )));
        }
    };
    let (key, value) = &ack.payload;
    let refused = match removal.cause {
        RemovalCause::Retention => return Some(Ok(())),
        // A later record with its key: held there with another key, the cleaner was wrong; and so it was if the
        // log now ends before it (a record above the HW, truncated since: Kafka's cleaner stops at the HW), unless
        // a later record of its key is held.
        RemovalCause::Superseded { by } => {
            let other_key = log.at(by).is_some_and(|r| r.key != *key);
            let truncated =
                by >= log.log_end_offset() && !log.records.iter().any(|r| r.offset > offset && r.key == *key);
            (by <= offset || other_key || truncated).then(|| format!("at offset {by} no later record has its key"))
        }
        RemovalCause::TombstoneExpired => {
            (key.is_none() || value.is_some()).then(|| String::from("as an expired tombstone, though it is none"))
        }
        RemovalCause::Keyless => key.is_some().then(|| String::from("as a record without a key, though it has one")),
    };
    Some(refused.map_or(Ok(()), |why| Err(format!("broker {broker}'s cleaner removed it {why}"))))
}

type Payload = (Option<Bytes>, Option<Bytes>);

struct Report {
    violations: Vec<Violation>,
}

impl Report {
    fn add(&mut self, kind: ViolationKind, tp: &TopicPartition, offset: Option<Offset>, detail: String) {
        if self.violations.len() < VIOLATIONS_REPORTED_MAX {
            let (topic, partition) = (tp.topic.clone(), tp.partition);
            self.violations.push(Violation { kind, topic, partition, offset, detail });
        }
    }
}

/// What replicas' cleaners removed so far, by partition (first and last offsets), from the history's
/// removals: a consumer reading from such a replica skips them legitimately, whichever role the replica had
/// when it cleaned (each compacts on its own schedule), even once retention took the evidence from every log
/// (soak seed 10,127,889: a follower's cleaner removed an offset, it led later, and by the end its retention
/// had moved past it while the new leader still held it).
/// (A list, looked through only when a poll skips or a commit passes a record: no map type of its own in the
/// wasm.)
#[derive(Default)]
struct Cleaned(Vec<(String, u32, Offset, Offset)>);

impl Cleaned {
    fn note(&mut self, op: &Op) {
        match op {
            Op::TopicDeleted { topic, .. } => self.0.retain(|c| c.0 != *topic),
            Op::RecordsRemoved { topic, partition, removals, .. } => {
                for r in removals.iter().filter(|r| r.cause != crate::protocol::record::RemovalCause::Retention) {
                    self.0.push((topic.clone(), *partition, r.first_offset, r.last_offset));
                }
            }
            _ => {}
        }
    }

    fn covers(&self, tp: &TopicPartition, offset: Offset) -> bool {
        self.0.iter().any(|c| c.1 == tp.partition && (c.2..=c.3).contains(&offset) && c.0 == tp.topic)
    }
}

/// Partitions by number, so that the checker's maps and sorts, which order every record of a run, compare
/// numbers rather than topic names (string comparisons were a fifth of its time).
#[derive(Default)]
struct Partitions<'a> {
    numbers: VecMap<(&'a str, u32), usize>,
    names: Vec<(&'a str, u32)>,
}

impl<'a> Partitions<'a> {
    fn number(&mut self, topic: &'a str, partition: u32) -> usize {
        let next = self.names.len();
        let number = *self.numbers.entry((topic, partition)).or_insert(next);
        if number == next {
            self.names.push((topic, partition));
        }
        number
    }

    /// Each number's rank in (topic, partition) order: sorts by rank keep the order of sorts by name (it
    /// decides which violations a report holds once it is full: adversary 54).
    fn ranks(&self) -> Vec<usize> {
        let mut ranks = alloc::vec![0; self.names.len()];
        for (rank, &number) in self.numbers.values().enumerate() {
            ranks[number] = rank;
        }
        ranks
    }

    fn topic(&self, number: usize) -> &'a str {
        self.names[number].0
    }

    fn ranked_tp(&self, rank: usize) -> Option<TopicPartition> {
        let (&(topic, partition), _) = self.numbers.get_index(rank)?;
        Some(TopicPartition::new(topic, partition))
    }

    fn tp(&self, number: usize) -> TopicPartition {
        let (topic, partition) = self.names[number];
        TopicPartition::new(topic, partition)
    }
}

/// Some replica's cleaner removed `offset`: each replica compacts on its own schedule, so a consumer that
/// read from that replica skipped it legitimately, though the leader now may still hold it.
fn compacted_somewhere(replicas: &[ReplicaSnapshot], offset: Offset) -> bool {
    replicas.iter().any(|r| offset >= r.log_start_offset && offset < r.cleaned_up_to && r.at(offset).is_none())
}

/// The replica whose log counts as the partition's log: the leader the metadata names, else the one whose
/// log would win an election.
fn authoritative(replicas: &[ReplicaSnapshot]) -> Option<&ReplicaSnapshot> {
    // Without a leader, the most up-to-date log as Raft and KIP-101 compare them: the newest leader epoch
    // first (its epoch cache's, not its last record's: retention may have removed every record, as on the
    // followers of seed 67's retention topic, whose stale crashed leader then looked newer), then the length. A zombie leader of an old epoch may have appended more records than the
    // replica that holds what was committed since; its log is the one that will be truncated. So nothing is
    // reported lost that the log a leader would come back with still has.
    // A leader that is down counts only as one log among the others: if it lost power, what it had not
    // flushed is gone, and the controller elects another replica before it could serve again.
    replicas
        .iter()
        .find(|r| r.is_leader && !r.down)
        .or_else(|| replicas.iter().max_by_key(|r| (r.latest_epoch, r.log_end_offset(), r.high_watermark, r.broker)))
}

fn show(bytes: &Option<Bytes>) -> String {
    match bytes {
        None => String::from("null"),
        Some(b) => match core::str::from_utf8(b) {
            Ok(s) => format!("{s:?}"),
            Err(_) => format!("{} bytes", b.len()),
        },
    }
}

fn show_record(key: &Option<Bytes>, value: &Option<Bytes>) -> String {
    format!("{}={}", show(key), show(value))
}

/// The history without what a topic deletion made moot. Acknowledgements and polls say which topic id
/// (KIP-516) took or served a record, so a write taken by a deleted topic, or a read from one (a broker that
/// had not learned of the deletion yet), goes with it, while a send made before a deletion and retried into
/// the topic created again counts for the new one. Operations that name no topic id (assignments, resets,
/// commits) count from the last deletion of their topic's name on.
fn live_history(history: &History) -> History {
    let mut last_deletion: VecMap<&str, usize> = VecMap::new();
    let mut deleted_ids: VecSet<(&str, crate::types::TopicId)> = VecSet::new();
    for (i, entry) in history.entries().enumerate() {
        if let Op::TopicDeleted { topic, topic_id } = &entry.op {
            last_deletion.insert(topic.as_str(), i);
            deleted_ids.insert((topic.as_str(), *topic_id));
        }
    }
    let before_deletion = |i: usize, topic: &str| last_deletion.get(topic).is_some_and(|&d| i < d);
    // Without a topic id (a history made by hand), by time: what came before the topic's last deletion.
    let gone = |i: usize, topic: &str, id: Option<crate::types::TopicId>| match id {
        Some(id) => deleted_ids.contains(&(topic, id)),
        None => before_deletion(i, topic),
    };
    let mut entries = Vec::new();
    for (i, entry) in history.entries().enumerate() {
        let mut entry = entry.clone();
        match &mut entry.op {
            Op::SendInvoked { .. } | Op::SendFailed { .. } => {}
            Op::SendAcked { topic, records, .. } => {
                for r in records.iter_mut() {
                    if gone(i, topic, r.topic_id) {
                        r.offset = None;
                    }
                }
            }
            Op::Polled { records, .. } => records.retain(|r| !gone(i, &r.topic, r.topic_id)),
            Op::PositionReset { partitions, .. }
            | Op::AssignmentReceived { partitions, .. }
            | Op::AssignmentRevoked { partitions, .. } => partitions.retain(|tp| !before_deletion(i, &tp.topic)),
            // A commit goes with the topic id it was written under: a coordinator that had not learned of a
            // deletion yet took it for the old topic, and deletes it with that topic (`onPartitionsDeleted`).
            Op::OffsetsCommitted { offsets, .. } => offsets.retain(|o| !gone(i, &o.topic, o.topic_id)),
            Op::CommittedOffsetsFetched { offsets, .. } => offsets.retain(|o| !before_deletion(i, &o.topic)),
            Op::OffsetCommitSent { offsets, .. } => offsets.retain(|o| !before_deletion(i, &o.topic)),
            Op::OffsetsExpired { partitions, .. } => partitions.retain(|tp| !before_deletion(i, &tp.topic)),
            Op::RecordsRemoved { topic, topic_id, removals, .. } => {
                if gone(i, topic, Some(*topic_id)) {
                    removals.clear();
                }
            }
            Op::TopicDeleted { .. }
            | Op::GroupMemberRemoved { .. }
            | Op::GroupDeleted { .. }
            | Op::JoinGroupSent { .. }
            | Op::OffsetCommitRefused { .. } => {}
        }
        entries.push(entry);
    }
    history.with_entries(entries)
}

/// Checks a run: its history against the replicas' logs.
pub fn check(history: &History, replicas: Replicas) -> CheckReport {
    let mut checking = Checking::new(replicas);
    loop {
        if let Some(report) = checking.advance(history) {
            return report;
        }
    }
}

/// A check run a pass at a time, so that a page spreads a long run's check over frames (a 90-second run of
/// 200 records/s took ~100 ms natively at once). Each pass reads the history the check began with.
pub struct Checking {
    replicas: Replicas,
    next_pass: usize,
    /// The history without what a topic deletion made moot, when one did.
    live: Option<History>,
    acks: Vec<Ack>,
    /// Between the phantom-read pass's halves: what was sent.
    sent: Option<SentIndex>,
    report: Report,
}

impl Checking {
    /// The passes of a check: [`Checking::advance`] runs one each time. (Each is as short as the checker's
    /// rules allow: a page runs one or more a frame.)
    pub const PASSES: usize = 10;

    pub fn new(replicas: Replicas) -> Checking {
        let report = Report { violations: Vec::new() };
        Checking { replicas, next_pass: 0, live: None, acks: Vec::new(), sent: None, report }
    }

    /// The passes run so far.
    pub fn passes_done(&self) -> usize {
        self.next_pass
    }

    /// Runs the next pass over `history` (the one the check began with, every time); the report after the
    /// last.
    pub fn advance(&mut self, history: &History) -> Option<CheckReport> {
        let complete = history.dropped() == 0;
        let recorded = history;
        let Checking { replicas, next_pass, live, acks, sent, report } = self;
        if *next_pass == 0 {
            if recorded.entries().any(|e| matches!(e.op, Op::TopicDeleted { .. })) {
                *live = Some(live_history(recorded));
            }
            *acks = acknowledged(live.as_ref().unwrap_or(recorded));
        }
        let history = live.as_ref().unwrap_or(recorded);
        match *next_pass {
            0 => {} // (what was acknowledged, above)
            1 => check_sends(history, acks, replicas, report),
            2 => {
                check_duplicates(replicas, report);
                check_polled_duplicates(history, replicas, report);
            }
            3 => check_polls(history, replicas, report),
            4 if complete => *sent = Some(SentIndex::new(recorded, history)),
            5 => {
                if let Some(sent) = sent.take() {
                    check_phantom_reads(history, &sent, report);
                }
            }
            6 => check_observations(history, acks, report),
            7 => check_replicas(replicas, report),
            8 => {
                check_owners(history, report);
                check_committed_offsets(history, report);
                check_commit_generations(history, report);
            }
            9 if complete => check_committed_unread(recorded, history, replicas, report),
            _ => {}
        }
        *next_pass += 1;
        if *next_pass < Self::PASSES {
            return None;
        }
        let mut violations = core::mem::take(&mut report.violations);
        crate::collect::sort_by(&mut violations, |a, b| {
            (a.kind, &a.topic, a.partition, a.offset).cmp(&(b.kind, &b.topic, b.partition, b.offset))
        });
        let sends_judged = history.entries().filter(|e| matches!(e.op, Op::SendInvoked { .. })).count() as u64;
        Some(CheckReport {
            ok: violations.is_empty(),
            violations,
            history_complete: complete,
            sends_judged,
            sends_forgotten: history.dropped_sends(),
        })
    }
}

/// One acknowledged record: a send's record paired with the offset its acknowledgement gave it.
struct Ack {
    time_ms: u64,
    producer: NodeId,
    request_id: u64,
    index: usize,
    tp: TopicPartition,
    offset: Offset,
    payload: Payload,
    /// The batch that carried it.
    batch: BatchOrigin,
    /// The log start offset the leader answered with.
    log_start_offset: Offset,
}

/// Every record acknowledged with an offset (`acks=0` promises none), in acknowledgement order.
fn acknowledged(history: &History) -> Vec<Ack> {
    let invoked: VecMap<(NodeId, u64), &Vec<crate::protocol::history::SentRecord>> = VecMap::from_pairs(
        history
            .entries()
            .filter_map(|entry| match &entry.op {
                Op::SendInvoked { producer, request_id, records, .. } => Some(((*producer, *request_id), records)),
                _ => None,
            })
            .collect(),
    );
    let mut acks = Vec::new();
    for entry in history.entries() {
        let Op::SendAcked { producer, request_id, topic, records } = &entry.op else { continue };
        let Some(sent) = invoked.get(&(*producer, *request_id)) else { continue };
        for (index, (ack, record)) in records.iter().zip(sent.iter()).enumerate() {
            let Some(offset) = ack.offset else { continue };
            acks.push(Ack {
                time_ms: entry.time_ms,
                producer: *producer,
                request_id: *request_id,
                index,
                tp: TopicPartition::new(topic.clone(), ack.partition),
                offset,
                payload: (record.key.clone(), record.value.clone()),
                batch: BatchOrigin { producer: *producer, batch_id: ack.batch_id },
                log_start_offset: ack.log_start_offset,
            });
        }
    }
    acks
}

/// Lost writes, non-monotonic sends and duplicates.
fn check_sends(history: &History, acks: &[Ack], replicas: &Replicas, report: &mut Report) {
    let removals = Removals::new(history);
    // How many records were sent with each key, by topic: a record compaction removed needs a later one with
    // its key (held, or sent: it may have been a tombstone, since removed in turn). A record acknowledged at
    // an earlier offset (or on another partition) is no later one; one never acknowledged with an offset (more
    // sent with the key than acknowledged) may be anywhere.
    // (Counted only once a cleaner removed an acknowledged record: a sort of every key sent was a fifth of the
    // checker's time.)
    let mut sent_with_key: Option<VecMap<(&str, &Bytes), Vec<()>>> = None;
    let mut count_keys_sent = || {
        let mut keys_sent = Vec::new();
        for entry in history.entries() {
            if let Op::SendInvoked { topic, records, .. } = &entry.op {
                keys_sent.extend(records.iter().filter_map(|r| Some(((topic.as_str(), r.key.as_ref()?), ()))));
            }
        }
        VecMap::grouped(keys_sent)
    };
    // (Acknowledgements come a batch at a time: the partition's log looked up once for each run of them.)
    let mut partition_log: Option<(&TopicPartition, Option<&ReplicaSnapshot>)> = None;
    for ack in acks {
        let (tp, offset) = (&ack.tp, ack.offset);
        let log = match partition_log {
            Some((last, log)) if last == tp => log,
            _ => replicas.get(tp).and_then(|r| authoritative(r)),
        };
        partition_log = Some((tp, log));
        let Some(log) = log else {
            let detail = format!(
                "acknowledged at offset {offset} at t={} ms, but no replica of the partition remains",
                ack.time_ms
            );
            report.add(ViolationKind::LostWrite, tp, Some(offset), detail);
            continue;
        };
        let held = log.at(offset);
        // The same bytes written by another batch at this offset do not make up for the record lost.
        let other_batch = |h: &LoggedRecord| h.origin.is_some_and(|o| o.batch != ack.batch);
        let equal = |h: &LoggedRecord| h.key == ack.payload.0 && h.value == ack.payload.1;
        if held.is_some_and(|h| equal(h) && !other_batch(h)) {
            continue;
        }
        // Removed on purpose, if it is what the partition's leader removed there (then, after an unclean
        // election, the offset may hold another record since: adversary 38).
        let why = match removal_verdict(log, &removals, ack).filter(|verdict| held.is_none() || verdict.is_ok()) {
            Some(Ok(())) => continue,
            Some(Err(why)) => Some(why),
            None => None,
        };
        // No leader's removal there says anything: its log never held it (a follower's removal of it excused
        // it above), or the removals left the bounded history.
        if why.is_none() && offset < log.log_start_offset {
            continue; // deleted on purpose (retention), for all that can be told
        }
        if why.is_none() && held.is_none() && offset < log.cleaned_up_to {
            // Compacted away, if a later record has its key (Kafka's cleaner keeps each key's latest), or a
            // tombstone (its cleaner removes them `delete.retention.ms` after it first cleaned them), or a
            // record without a key (its cleaner drops them: written before the topic became compacted).
            let tombstone = ack.payload.0.is_some() && ack.payload.1.is_none();
            let superseded = tombstone
                || ack.payload.0.is_none()
                || ack.payload.0.as_ref().is_some_and(|key| {
                    let later_held = log.records.iter().any(|r| r.offset > offset && r.key.as_ref() == Some(key));
                    // (A scan of the acknowledgements: only for a record the cleaner removed.)
                    let with_key =
                        || acks.iter().filter(|a| a.tp.topic == tp.topic && a.payload.0.as_ref() == Some(key));
                    let acked_later = with_key().any(|a| a.tp.partition == tp.partition && a.offset > offset);
                    let sent_with_key = sent_with_key.get_or_insert_with(&mut count_keys_sent);
                    let sent = sent_with_key.get(&(tp.topic.as_str(), key)).map_or(0, Vec::len);
                    let sent_again = acked_later || sent > with_key().count();
                    later_held || sent_again
                });
            if superseded {
                continue;
            }
        }
        let now_there = why.unwrap_or_else(|| match held {
            Some(h) if equal(h) => format!(
                "broker {} holds an equal record there, written by another batch (producer {}'s batch #{}, not \
                 producer {}'s #{})",
                log.broker,
                h.origin.map_or(0, |o| o.batch.producer),
                h.origin.map_or(0, |o| o.batch.batch_id),
                ack.batch.producer,
                ack.batch.batch_id
            ),
            Some(h) => format!("broker {} holds {} there", log.broker, show_record(&h.key, &h.value)),
            None if offset < log.cleaned_up_to => {
                format!("broker {}'s cleaner removed it, though no later record has its key", log.broker)
            }
            None if offset < log.log_end_offset() => format!("broker {}'s log has a gap there", log.broker),
            None => format!("broker {}'s log ends at offset {}", log.broker, log.log_end_offset()),
        });
        let detail = format!(
            "{} was acknowledged to producer {} at offset {offset} (t={} ms), but {now_there}",
            show_record(&ack.payload.0, &ack.payload.1),
            ack.producer,
            ack.time_ms
        );
        report.add(ViolationKind::LostWrite, tp, Some(offset), detail);
    }
    // Jepsen's non-monotonic send: in the order a producer made its sends, offsets on a partition increase.
    let mut partitions = Partitions::default();
    let mut by_invocation: Vec<(usize, &Ack)> =
        acks.iter().map(|a| (partitions.number(&a.tp.topic, a.tp.partition), a)).collect();
    let ranks = partitions.ranks();
    by_invocation.iter_mut().for_each(|(p, _)| *p = ranks[*p]);
    crate::collect::sort_by(&mut by_invocation, |(p, a), (q, b)| {
        (a.producer, p, a.request_id, a.index).cmp(&(b.producer, q, b.request_id, b.index))
    });
    for pair in by_invocation.windows(2) {
        let ((p, a), (q, b)) = (pair[0], pair[1]);
        if a.producer == b.producer && p == q && a.request_id != b.request_id && b.offset <= a.offset {
            let detail = format!(
                "producer {}'s send #{} got offset {}, not above offset {} of its earlier send #{}",
                b.producer, b.request_id, b.offset, a.offset, a.request_id
            );
            report.add(ViolationKind::NonmonotonicSend, &b.tp, Some(b.offset), detail);
        }
    }
}

/// One record of one producer batch polled at two offsets of a partition (of one topic id): a retry appended
/// again, seen by a consumer, though retention may since have removed one copy from the log. (Both copies
/// still in the log are [`check_duplicates`]' to report.)
fn check_polled_duplicates(history: &History, replicas: &Replicas, report: &mut Report) {
    type Place = (usize, Option<crate::types::TopicId>);
    let mut partitions = Partitions::default();
    let mut polls: Vec<((Place, RecordOrigin), Offset)> = Vec::new();
    for entry in history.entries() {
        let Op::Polled { records, .. } = &entry.op else { continue };
        for r in records {
            let Some(origin) = r.origin else { continue };
            let place = (partitions.number(&r.topic, r.partition), r.topic_id);
            polls.push(((place, origin), r.offset));
        }
    }
    // By rank: the groups in the order of (topic, partition), as they are reported.
    let ranks = partitions.ranks();
    polls.iter_mut().for_each(|(((p, _), _), _)| *p = ranks[*p]);
    for (&((rank, _), origin), polled) in VecMap::grouped(polls).iter() {
        let mut offsets: Vec<Offset> = Vec::new();
        for &o in polled {
            if !offsets.contains(&o) {
                offsets.push(o);
            }
        }
        if offsets.len() < 2 {
            continue;
        }
        let Some(tp) = &partitions.ranked_tp(rank) else { continue };
        let in_log = |o: &Offset| {
            replicas
                .get(tp)
                .and_then(|r| authoritative(r))
                .and_then(|log| log.at(*o))
                .is_some_and(|h| h.origin == Some(origin))
        };
        if offsets.iter().filter(|o| in_log(o)).count() > 1 {
            continue; // the log's duplicate, reported from the log
        }
        let detail = format!(
            "producer {} sent record {} of its batch #{} once, but consumers polled it at offsets {offsets:?}",
            origin.batch.producer, origin.index, origin.batch.batch_id
        );
        report.add(ViolationKind::Duplicate, tp, offsets.get(1).copied(), detail);
    }
}

/// One record of one producer batch at two offsets of the log: a retry appended again.
fn check_duplicates(replicas: &Replicas, report: &mut Report) {
    for (tp, list) in replicas {
        let Some(log) = authoritative(list) else { continue };
        let seen = VecMap::grouped(log.records.iter().filter_map(|r| Some((r.origin?, r))).collect());
        for (origin, copies) in seen.iter().filter(|(_, copies)| copies.len() > 1) {
            let offsets: Vec<Offset> = copies.iter().map(|r| r.offset).collect();
            let detail = format!(
                "producer {} sent {} once (record {} of its batch #{}), but the log holds it at offsets {offsets:?}",
                origin.batch.producer,
                show_record(&copies[0].key, &copies[0].value),
                origin.index,
                origin.batch.batch_id
            );
            report.add(ViolationKind::Duplicate, tp, offsets.get(1).copied(), detail);
        }
    }
}

/// Non-monotonic polls, poll skips, reads past the high watermark, and the high watermark going back.
fn check_polls(history: &History, replicas: &Replicas, report: &mut Report) {
    // A reset (at each eager rebalance, every partition of every consumer) forgets the offset but keeps the
    // key: removing it from the middle of a sorted vector, and inserting it again, would cost every reset.
    let mut numbers = Partitions::default();
    let mut last: VecMap<(NodeId, usize), Option<Offset>> = VecMap::new();
    // A consumer's fetches of one partition are answered in order, so the HWs its polls carry are too.
    let mut seen_hw: VecMap<(NodeId, usize), (crate::types::LeaderEpoch, Offset)> = VecMap::new();
    let mut cleaned = Cleaned::default();
    for entry in history.entries() {
        cleaned.note(&entry.op);
        match &entry.op {
            Op::TopicDeleted { topic, .. } => seen_hw.retain(|&(_, n), _| numbers.topic(n) != *topic),
            Op::PositionReset { consumer, partitions, .. } => {
                for tp in partitions {
                    if let Some(position) = last.get_mut(&(*consumer, numbers.number(&tp.topic, tp.partition))) {
                        *position = None;
                    }
                }
            }
            Op::Polled { consumer, records } => {
                for r in records {
                    let n = numbers.number(&r.topic, r.partition);
                    let tp = || TopicPartition::new(r.topic.clone(), r.partition);
                    if r.offset >= r.high_watermark {
                        report.add(
                            ViolationKind::ReadPastHighWatermark,
                            &tp(),
                            Some(r.offset),
                            format!(
                                "consumer {consumer} read offset {} though the high watermark was {}",
                                r.offset, r.high_watermark
                            ),
                        );
                    }
                    match seen_hw.get(&(*consumer, n)) {
                        Some(&(epoch, hw)) if epoch == r.leader_epoch && r.high_watermark < hw => report.add(
                            ViolationKind::HighWatermarkWentBack,
                            &tp(),
                            Some(r.offset),
                            format!(
                                "consumer {consumer} saw the high watermark go back from {hw} to {} within leader epoch {epoch}",
                                r.high_watermark
                            ),
                        ),
                        Some(&(epoch, _)) if epoch > r.leader_epoch => {}
                        _ => {
                            seen_hw.insert((*consumer, n), (r.leader_epoch, r.high_watermark));
                        }
                    }
                    if let Some(&Some(previous)) = last.get(&(*consumer, n)) {
                        if r.offset <= previous {
                            report.add(
                                ViolationKind::NonmonotonicPoll,
                                &tp(),
                                Some(r.offset),
                                format!("consumer {consumer} polled offset {} after offset {previous}, with no seek in between", r.offset),
                            );
                        } else if r.offset > previous + 1 {
                            let tp = tp();
                            let list = replicas.get(&tp).map_or(&[][..], |l| &l[..]);
                            let log = authoritative(list);
                            let skipped: Vec<Offset> = (previous + 1..r.offset)
                                .filter(|&o| log.is_some_and(|l| l.at(o).is_some()))
                                .filter(|&o| !compacted_somewhere(list, o) && !cleaned.covers(&tp, o))
                                .collect();
                            if !skipped.is_empty() {
                                report.add(
                                    ViolationKind::PollSkip,
                                    &tp,
                                    skipped.first().copied(),
                                    format!("consumer {consumer} jumped from offset {previous} to {} over {} record(s) the log holds", r.offset, skipped.len()),
                                );
                            }
                        }
                    }
                    last.insert((*consumer, n), Some(r.offset));
                }
            }
            _ => {}
        }
    }
}

/// Every record read was sent to its topic, and to that topic (KIP-516's topic id) rather than to an earlier
/// one of the same name: a record acknowledged by the log of a deleted topic cannot be in the topic created
/// again (a leader that had not heard of the deletion handing the old log to followers of the new one would
/// put it there, at the offsets it had). A record never acknowledged (failed, pending, or `acks=0`) may be in
/// either. So may one a zombie acknowledged, a leader of the deleted topic that answered after the deletion,
/// at another offset than the one read: an earlier attempt whose answer was lost may have been written to
/// the new topic, before the producer's metadata went back to the old one, as Kafka's client lets it when a
/// broker that missed the deletion answers (soak seed 10,008,991). Needs the whole history: an old send may
/// have left memory; and the history as recorded (`recorded`), where a deleted topic's acknowledgements keep
/// their offsets. Two passes: what was sent ([`SentIndex::new`]), then the polls read against it (together,
/// the checker's longest pass, ~100 ms in a page for a 35-second run of 1,000 records/s).
fn check_phantom_reads(history: &History, sent: &SentIndex, report: &mut Report) {
    for entry in history.entries() {
        let Op::Polled { consumer, records } = &entry.op else { continue };
        // The cluster writes its internal topics (a monitoring consumer may read `__consumer_offsets`).
        for r in records.iter().filter(|r| !crate::types::is_internal_topic(&r.topic)) {
            let topic = sent.topics.get(r.topic.as_str()).copied();
            // Its batch was written to another partition of the topic: served from the wrong log (adversary
            // 37 saw the payload alone compared, whatever the partition).
            let home = r.origin.and_then(|o| sent.batch_partition.get(&o.batch).map(|&home| (o.batch, home)));
            let misplaced = home.filter(|&(_, (t, partition))| Some(t) == topic && partition != r.partition);
            let detail = if let Some((batch, (_, partition))) = misplaced {
                format!(
                    "consumer {consumer} read {} at offset {} of partition {}, a record producer {}'s batch #{} wrote \
                     to partition {partition}",
                    show_record(&r.key, &r.value),
                    r.offset,
                    r.partition,
                    batch.producer,
                    batch.batch_id
                )
            } else {
                let payloads = topic.and_then(|t| sent.homes.get(&(t, payload_hash(&r.key, &r.value))));
                let found = payloads.and_then(|list| list.iter().find(|(k, v, ..)| (k, v) == (&r.key, &r.value)));
                match (found.map(|(_, _, list, homed)| (list, *homed)), r.topic_id) {
                    (None, _) => format!(
                        "consumer {consumer} read {} at offset {}, which no producer ever sent to {}",
                        show_record(&r.key, &r.value),
                        r.offset,
                        r.topic
                    ),
                    (Some((list, true)), Some(id))
                        if !list.iter().flatten().any(|h| h.topic_id == id)
                            && !list.iter().flatten().all(|h| h.zombie && h.offset != Some(r.offset)) =>
                    {
                        let mut ids: Vec<String> = list.iter().flatten().map(|h| format!("{}", h.topic_id)).collect();
                        ids.dedup();
                        format!(
                        "consumer {consumer} read {} at offset {} of {} (topic id {id}), a record acknowledged by the \
                         topic of that name with id {}, deleted since",
                        show_record(&r.key, &r.value),
                        r.offset,
                        r.topic,
                        ids.join(", ")
                    )
                    }
                    _ => continue,
                }
            };
            report.add(
                ViolationKind::PhantomRead,
                &TopicPartition::new(r.topic.clone(), r.partition),
                Some(r.offset),
                detail,
            );
        }
    }
}

/// Where an acknowledgement put a record: the log's topic id, the offset, and whether that topic was deleted
/// already when the answer came.
struct Home {
    topic_id: crate::types::TopicId,
    offset: Option<Offset>,
    zombie: bool,
}

/// Each payload sent to a topic, with the homes of its sends and whether every one has a home.
type Sent = Vec<(Option<Bytes>, Option<Bytes>, Vec<Option<Home>>, bool)>;

/// What the phantom-read pass reads the polls against: every record sent, where its acknowledgement put it.
#[derive(Default)]
struct SentIndex {
    /// The topics' names, numbered.
    topics: VecMap<String, usize>,
    /// By (topic number, payload hash): each payload sent, its sends' homes.
    homes: VecMap<(usize, u64), Sent>,
    /// The partition each producer batch went to (a batch is one partition's, through retries and splits), by
    /// topic number.
    batch_partition: VecMap<BatchOrigin, (usize, u32)>,
}

impl SentIndex {
    fn new(recorded: &History, history: &History) -> SentIndex {
        let mut topics: VecMap<String, usize> = VecMap::new();
        let mut number = |name: &str| match topics.get(name) {
            Some(&n) => n,
            None => {
                let n = topics.len();
                topics.insert(String::from(name), n);
                n
            }
        };
        let mut deleted: VecSet<(&str, crate::types::TopicId)> = VecSet::new();
        let mut acked = Vec::new();
        let mut batch_partition = Vec::new();
        for entry in recorded.entries() {
            match &entry.op {
                Op::TopicDeleted { topic, topic_id } => {
                    deleted.insert((topic.as_str(), *topic_id));
                }
                Op::SendAcked { producer, request_id, topic, records } => {
                    let topic_number = number(topic);
                    for a in records {
                        let batch = BatchOrigin { producer: *producer, batch_id: a.batch_id };
                        batch_partition.push((batch, (topic_number, a.partition)));
                    }
                    let homes = records.iter().map(|a| {
                        a.topic_id.map(|topic_id| Home {
                            topic_id,
                            offset: a.offset,
                            zombie: deleted.contains(&(topic.as_str(), topic_id)),
                        })
                    });
                    acked.push(((*producer, *request_id), homes.collect::<Vec<_>>()));
                }
                _ => {}
            }
        }
        let mut acked: VecMap<(NodeId, u64), Vec<Option<Home>>> = VecMap::from_pairs(acked);
        let batch_partition = VecMap::from_pairs(batch_partition);
        // The logs each record sent can be in: each send of it, with where its acknowledgement put it (`None`
        // anywhere: any topic of its name).
        // Grouped by topic number and the payload's hash, then split by payload: a sort by topic name and bytes
        // of every record sent (a key sent thousands of times with one value) dominated the checker's time.
        let mut sends = Vec::new();
        for entry in history.entries() {
            let Op::SendInvoked { producer, request_id, topic, records } = &entry.op else { continue };
            let mut acks = acked.get_mut(&(*producer, *request_id)).map(core::mem::take).map(Vec::into_iter);
            let topic_number = number(topic);
            for r in records {
                let home = acks.as_mut().and_then(Iterator::next).flatten();
                sends.push(((topic_number, payload_hash(&r.key, &r.value)), ((&r.key, &r.value), home)));
            }
        }
        let mut homes: VecMap<(usize, u64), Sent> = VecMap::new();
        for (key, list) in VecMap::grouped(sends).into_iter() {
            let mut payloads: Sent = Vec::new();
            for ((k, v), home) in list {
                match payloads.iter_mut().find(|(pk, pv, ..)| (pk, pv) == (k, v)) {
                    Some((_, _, homes, all_homed)) => {
                        *all_homed &= home.is_some();
                        homes.push(home);
                    }
                    None => {
                        let homed = home.is_some();
                        payloads.push((k.clone(), v.clone(), alloc::vec![home], homed));
                    }
                }
            }
            homes.insert(key, payloads); // (in order: a push at the end)
        }
        SentIndex { topics, homes, batch_partition }
    }
}

/// A record's key and value hashed (FNV-1a), to sort by before comparing their bytes.
fn payload_hash(key: &Option<Bytes>, value: &Option<Bytes>) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for part in [key, value] {
        let bytes = part.as_deref().unwrap_or_default();
        for &b in [u8::from(part.is_some())].iter().chain(bytes) {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// One offset, two different records, across every acknowledgement and poll. An acknowledgement below the
/// log start its leader answered with names no record anyone can read: Kafka answers a retry that its
/// producer state finds a duplicate of with the first write's offsets, and a leader that kept that write
/// below its predecessor's log start (a follower truncates no lower than its leader's log start, KIP-101)
/// still answers so once retention has removed what the partition held there (soak seed 10,068,541).
fn check_observations(history: &History, acks: &[Ack], report: &mut Report) {
    /// Who saw a record, said only of a conflict.
    #[derive(Clone, Copy)]
    enum Seer {
        Ack(NodeId),
        Poll(NodeId),
    }
    let says = |seer: Seer| match seer {
        Seer::Ack(producer) => format!("producer {producer}'s ack"),
        Seer::Poll(consumer) => format!("consumer {consumer}'s poll"),
    };
    let mut partitions = Partitions::default();
    type Observation<'a> = ((usize, Offset), (usize, (&'a Option<Bytes>, &'a Option<Bytes>), Seer));
    let mut observed: Vec<Observation> = Vec::new();
    for a in acks.iter().filter(|a| a.offset >= a.log_start_offset) {
        let key = (partitions.number(&a.tp.topic, a.tp.partition), a.offset);
        observed.push((key, (observed.len(), (&a.payload.0, &a.payload.1), Seer::Ack(a.producer))));
    }
    for entry in history.entries() {
        let Op::Polled { consumer, records } = &entry.op else { continue };
        for r in records {
            let key = (partitions.number(&r.topic, r.partition), r.offset);
            observed.push((key, (observed.len(), (&r.key, &r.value), Seer::Poll(*consumer))));
        }
    }
    // Each observation is judged against the first of its offset, and reported in the order it was made.
    let mut conflicts = Vec::new();
    for (&(partition, offset), seen) in VecMap::grouped(observed).iter() {
        let (_, first, first_seer) = seen[0];
        for &(i, payload, seer) in seen[1..].iter().filter(|(_, payload, _)| *payload != first) {
            let detail = format!(
                "{} saw {} at offset {offset}, {} saw {}",
                says(first_seer),
                show_record(first.0, first.1),
                says(seer),
                show_record(payload.0, payload.1)
            );
            conflicts.push((i, partition, offset, detail));
        }
    }
    crate::collect::sort_by(&mut conflicts, |a, b| a.0.cmp(&b.0));
    for (_, partition, offset, detail) in conflicts {
        report.add(ViolationKind::InconsistentOffsets, &partitions.tp(partition), Some(offset), detail);
    }
}

/// Replicas must agree below the high watermark (both replicas' HWs: each knows only its own), at every
/// offset both still hold. Each replica compacts on its own schedule, so a record one has cleaned away and
/// another still holds is not divergence; two different records at one offset is.
fn check_replicas(replicas: &Replicas, report: &mut Report) {
    for (tp, list) in replicas {
        // A replica on a broker that is down is judged when it is back (it truncates what diverged then).
        let up: Vec<&ReplicaSnapshot> = list.iter().filter(|r| !r.down).collect();
        for (i, a) in up.iter().enumerate() {
            for b in &up[i + 1..] {
                let from = a.log_start_offset.max(b.log_start_offset);
                let to = a.high_watermark.min(b.high_watermark);
                let first = a.records.partition_point(|r| r.offset < from);
                let both_hold =
                    a.records[first..].iter().take_while(|r| r.offset < to).filter_map(|r| Some((r, b.at(r.offset)?)));
                if let Some(offset) = both_hold.filter(|(x, y)| x != y).map(|(x, _)| x.offset).next() {
                    report.add(
                        ViolationKind::ReplicaDivergence,
                        tp,
                        Some(offset),
                        format!(
                            "brokers {} and {} hold different records at offset {offset}, below both high watermarks",
                            a.broker, b.broker
                        ),
                    );
                }
            }
        }
    }
}

/// What one consumer instance believes it owns in one group.
struct Belief {
    member_id: String,
    generation: i32,
    partitions: Vec<TopicPartition>,
}

/// Two owners and generations going back, from the consumers' side: keyed by consumer instance (node id),
/// not member id, since two instances can claim one member id.
fn check_owners(history: &History, report: &mut Report) {
    let mut beliefs: VecMap<(&str, NodeId), Belief> = VecMap::new();
    let mut removed: VecSet<(&str, &str)> = VecSet::new();
    let mut newest: VecMap<&str, (i32, NodeId)> = VecMap::new();
    for entry in history.entries() {
        match &entry.op {
            // Its next life starts again from generation 0 (Kafka's group deleted with its offsets).
            Op::GroupDeleted { group, .. } => {
                newest.remove(group.as_str());
            }
            Op::GroupMemberRemoved { group, member_id, .. } => {
                removed.insert((group.as_str(), member_id.as_str()));
            }
            Op::AssignmentRevoked { consumer, group, partitions, .. } => {
                if let Some(b) = beliefs.get_mut(&(group.as_str(), *consumer)) {
                    b.partitions.retain(|tp| !partitions.contains(tp));
                }
            }
            // Eager: the next generation may hand its partitions to another member while it still reads them
            // (which `AssignmentReceived` below sees only if that member's SyncGroup answer comes first).
            Op::JoinGroupSent { consumer, group, eager: true } => {
                let Some(b) = beliefs.get(&(group.as_str(), *consumer)) else { continue };
                if let Some(tp) = b.partitions.first() {
                    report.add(
                        ViolationKind::TwoOwners,
                        tp,
                        None,
                        format!(
                            "group {group}: consumer {consumer} (member {}, generation {}) joined the group again still owning {tp}: an eager member gives its partitions up before it joins (Kafka's onJoinPrepare)",
                            b.member_id, b.generation
                        ),
                    );
                }
            }
            Op::AssignmentReceived { consumer, group, generation, member_id, partitions } => {
                // A zombie reading a late SyncGroup answer after the coordinator removed it (a paused
                // process): as Kafka's, it believes the old assignment until its next heartbeat or commit is
                // refused, but it is no member, so what it believes is no second owner. (A removed member's
                // id never comes back: a member joining again gets a new one.)
                if removed.contains(&(group.as_str(), member_id.as_str())) {
                    let belief = Belief {
                        member_id: member_id.clone(),
                        generation: *generation,
                        partitions: partitions.clone(),
                    };
                    beliefs.insert((group.as_str(), *consumer), belief);
                    continue;
                }
                let tp_of = || partitions.first().cloned().unwrap_or_else(|| TopicPartition::new("", 0));
                match newest.get(group.as_str()) {
                    Some(&(seen, by)) if *generation < seen => report.add(
                        ViolationKind::GenerationWentBack,
                        &tp_of(),
                        None,
                        format!(
                            "group {group}: consumer {consumer} got generation {generation} after consumer {by} had got generation {seen}"
                        ),
                    ),
                    Some(&(seen, _)) if *generation == seen => {}
                    _ => {
                        newest.insert(group.as_str(), (*generation, *consumer));
                    }
                }
                for tp in partitions {
                    let holders = beliefs.iter().filter(|((g, c), b)| {
                        *g == group.as_str()
                            && c != consumer
                            && b.partitions.contains(tp)
                            && !removed.contains(&(group.as_str(), b.member_id.as_str()))
                    });
                    for ((_, other), b) in holders {
                        report.add(
                            ViolationKind::TwoOwners,
                            tp,
                            None,
                            format!(
                                "group {group}: consumer {consumer} (member {member_id}, generation {generation}) was handed {tp} while consumer {other} (member {}, generation {}) still owned it and was still a member",
                                b.member_id, b.generation
                            ),
                        );
                    }
                }
                let belief =
                    Belief { member_id: member_id.clone(), generation: *generation, partitions: partitions.clone() };
                beliefs.insert((group.as_str(), *consumer), belief);
            }
            _ => {}
        }
    }
}

/// Kafka's `validateOffsetCommit`: a commit of an older generation than the group's is refused. The group
/// had moved past generation g once any of its consumers was handed a newer one, so a commit of g sent
/// after that moment must not be acknowledged.
fn check_commit_generations(history: &History, report: &mut Report) {
    // Per group: (received at, generation), generations in the order they were handed out; and when the group
    // was deleted (its next life starts again from generation 0).
    let mut handed: VecMap<&str, Vec<(u64, i32)>> = VecMap::new();
    let mut newest: VecMap<&str, i32> = VecMap::new();
    let mut deleted_ms: VecMap<&str, Vec<u64>> = VecMap::new();
    for entry in history.entries() {
        match &entry.op {
            Op::AssignmentReceived { group, generation, .. }
                if newest.get(group.as_str()).is_none_or(|g| generation > g) =>
            {
                newest.insert(group.as_str(), *generation);
                handed.entry(group.as_str()).or_default().push((entry.time_ms, *generation));
            }
            Op::GroupDeleted { group, .. } => {
                newest.remove(group.as_str());
                deleted_ms.entry(group.as_str()).or_default().push(entry.time_ms);
            }
            _ => {}
        }
    }
    for entry in history.entries() {
        let Op::OffsetsCommitted { consumer, group, offsets, generation, member_id, requested_ms, .. } = &entry.op
        else {
            continue;
        };
        if *generation < 0 {
            continue;
        }
        let Some(list) = handed.get(group.as_str()) else { continue };
        let life_began =
            deleted_ms.get(group.as_str()).and_then(|d| d.iter().rev().find(|&&d| d <= *requested_ms)).copied();
        let newer = list
            .iter()
            .filter(|(at, _)| life_began.is_none_or(|d| *at > d))
            .take_while(|(at, _)| at < requested_ms)
            .find(|(_, g)| g > generation);
        let (Some(&(at_ms, newer)), Some(o)) = (newer, offsets.first()) else { continue };
        report.add(
            ViolationKind::StaleCommitAccepted,
            &TopicPartition::new(o.topic.clone(), o.partition),
            Some(o.offset),
            format!(
                "group {group} acknowledged consumer {consumer}'s commit as member {member_id} of generation {generation} (sent at t={requested_ms} ms), though generation {newer} had been handed out at t={at_ms} ms"
            ),
        );
    }
}

/// An acknowledged commit of one partition's offset: when it was acknowledged and sent.
struct AckedCommit {
    acked_ms: u64,
    sent_ms: u64,
    offset: Offset,
    /// Known from a read of it (asked at this time), not from its answer: it explains no other read.
    read_requested_ms: Option<u64>,
}

impl AckedCommit {
    /// Written, for certain, after a commit acknowledged at `acked_ms` and before `before_ms`: whatever
    /// that commit wrote was overwritten by then (by this commit, or by the one this read found).
    fn overwrote(&self, acked_ms: u64, before_ms: u64) -> bool {
        self.read_requested_ms.unwrap_or(self.sent_ms) > acked_ms && self.acked_ms < before_ms
    }
}

/// A commit attempt: when it was sent, its offset, and by which consumer.
type SentCommit = (u64, Offset, NodeId);

/// A committed offset read back must be at least the one acknowledged last before the read was sent,
/// unless a commit that may have been written last named what was read. A read counts as an
/// acknowledgement of what it read: Kafka's consumer asks for stable offsets, which the coordinator gives only
/// once replicated (adversary 64: one read from above a new coordinator's high watermark was then lost).
fn check_committed_offsets(history: &History, report: &mut Report) {
    // Per (group, partition): every acknowledged (or read) commit, in order.
    let mut acked: VecMap<(&str, TopicPartition), Vec<AckedCommit>> = VecMap::new();
    // When each topic name was deleted (or created again under a new id).
    let mut deleted_ms: VecMap<&str, Vec<u64>> = VecMap::new();
    // Per (group, partition): every commit sent (when, its offset and consumer), answered or not.
    let mut sent: VecMap<(&str, TopicPartition), Vec<SentCommit>> = VecMap::new();
    // The attempts answered, acknowledged or refused before being written: (consumer, when sent).
    let mut answered_attempts: Vec<(NodeId, u64)> = Vec::new();
    // Per (group, partition): when its committed offset expired (`offsets.retention.minutes`).
    let mut expired_ms: VecMap<(&str, TopicPartition), Vec<u64>> = VecMap::new();
    for entry in history.entries() {
        match &entry.op {
            Op::OffsetCommitSent { consumer, group, offsets } => {
                for o in offsets {
                    let tp = TopicPartition::new(o.topic.clone(), o.partition);
                    sent.entry((group.as_str(), tp)).or_default().push((entry.time_ms, o.offset, *consumer));
                }
            }
            Op::OffsetCommitRefused { consumer, requested_ms, .. } => {
                answered_attempts.push((*consumer, *requested_ms))
            }
            Op::OffsetsCommitted { consumer, group, offsets, requested_ms, .. } => {
                answered_attempts.push((*consumer, *requested_ms));
                for o in offsets {
                    let tp = TopicPartition::new(o.topic.clone(), o.partition);
                    let commit = AckedCommit {
                        acked_ms: entry.time_ms,
                        sent_ms: *requested_ms,
                        offset: o.offset,
                        read_requested_ms: None,
                    };
                    acked.entry((group.as_str(), tp)).or_default().push(commit);
                }
            }
            Op::CommittedOffsetsFetched { group, offsets, stale_coordinator: false, requested_ms, .. } => {
                for o in offsets {
                    let (tp, Some(offset)) = (TopicPartition::new(o.topic.clone(), o.partition), o.offset) else {
                        continue;
                    };
                    // The commit read: the last one of that offset sent before.
                    let sent_ms = sent.get(&(group.as_str(), tp.clone())).and_then(|sent| {
                        sent.iter().rev().find(|&&(_, sent_offset, _)| sent_offset == offset).map(|&(at, ..)| at)
                    });
                    if let Some(sent_ms) = sent_ms {
                        let read_requested_ms = Some(*requested_ms);
                        let commit = AckedCommit { acked_ms: entry.time_ms, sent_ms, offset, read_requested_ms };
                        acked.entry((group.as_str(), tp)).or_default().push(commit);
                    }
                }
            }
            Op::TopicDeleted { topic, .. } => deleted_ms.entry(topic.as_str()).or_default().push(entry.time_ms),
            Op::OffsetsExpired { group, partitions, .. } => {
                for tp in partitions {
                    expired_ms.entry((group.as_str(), tp.clone())).or_default().push(entry.time_ms);
                }
            }
            _ => {}
        }
    }
    crate::collect::sort(&mut answered_attempts);
    for entry in history.entries() {
        let Op::CommittedOffsetsFetched { consumer, group, requested_ms, offsets, stale_coordinator, .. } = &entry.op
        else {
            continue;
        };
        // A broker the metadata no longer names the coordinator answered from its own state: Kafka's classic
        // group protocol fences no OffsetFetch, so a zombie coordinator may answer stale (soak seed 10,006,688).
        if *stale_coordinator {
            continue;
        }
        for o in offsets {
            let tp = TopicPartition::new(o.topic.clone(), o.partition);
            let Some(commits) = acked.get(&(group.as_str(), tp.clone())) else { continue };
            let Some(last) = commits.iter().rev().find(|c| c.acked_ms < *requested_ms) else { continue };
            // Kafka's `onPartitionsDeleted`: a deleted topic's committed offsets are deleted with it, and so is
            // a commit sent before the deletion, even if its answer came after (its write precedes the
            // coordinator's tombstone).
            let deleted = deleted_ms.get(tp.topic.as_str());
            if deleted.is_some_and(|times| times.iter().any(|&d| last.sent_ms <= d && d <= *requested_ms)) {
                continue;
            }
            // Expired since (the coordinator expires no commit still being written: it was the latest then).
            let expired = expired_ms.get(&(group.as_str(), tp.clone()));
            if expired.is_some_and(|times| times.iter().any(|&e| last.acked_ms <= e && e <= *requested_ms)) {
                continue;
            }
            // A commit of the offset read, sent before the read was answered, that nothing is known to have
            // overwritten before the read was asked: concurrent with the read, or with a later commit that it
            // may have been written after (adversary 65: two consumers' commits written in the other order
            // than they were acknowledged).
            let overlapping = commits.iter().any(|w| {
                w.read_requested_ms.is_none()
                    && Some(w.offset) == o.offset
                    && w.sent_ms <= entry.time_ms
                    && !commits.iter().any(|d| Some(d.offset) != o.offset && d.overwrote(w.acked_ms, *requested_ms))
            });
            // A commit of the offset read, sent before the read was answered and never acknowledged (its answer
            // lost or refused, or its consumer gone), may be written after the last acknowledged one, even if
            // sent before it (its request still travelling): the group's committed offset is then lower by a
            // commit, not by a loss (soak seed 10,049,991; adversary 66: a crashed consumer's commit, sent before
            // another consumer's, written after it). One refused before being written excuses nothing
            // (adversary 66: a refused commit of 2 hid the loss of an acknowledged 20).
            let unanswered = sent.get(&(group.as_str(), tp.clone())).is_some_and(|sent| {
                sent.iter().any(|&(at, offset, by)| {
                    at <= entry.time_ms
                        && Some(offset) == o.offset
                        && answered_attempts.binary_search(&(by, at)).is_err()
                })
            });
            if o.offset.is_some_and(|fetched| fetched >= last.offset) || overlapping || unanswered {
                continue;
            }
            let fetched = o.offset.map_or(String::from("no committed offset"), |f| format!("offset {f}"));
            report.add(
                ViolationKind::CommittedOffsetWentBack,
                &tp,
                o.offset,
                format!(
                    "consumer {consumer} read {fetched} as group {group}'s committed offset (asked at t={requested_ms} ms), but offset {} had been acknowledged at t={} ms",
                    last.offset, last.acked_ms
                ),
            );
        }
    }
}

/// At-least-once: between a group's commit of offset `from` and its next commit of `to` > `from` (both the
/// consumers' positions), every record the log holds in [from, to) was returned by some poll of the group.
/// `recorded` is the history as recorded, `history` its live part (entry for entry): a poll that returned
/// records of a deleted incarnation of a topic (fetched before the deletion, returned after) moved the
/// position by a read this log cannot show, as a seek would. Kafka's consumer does the same with what it
/// prefetched; the next commit is not judged from one sent before that read.
fn check_committed_unread(recorded: &History, history: &History, replicas: &Replicas, report: &mut Report) {
    debug_assert_eq!(recorded.entries().count(), history.entries().count(), "the live history keeps every entry");
    use crate::protocol::history::ResetReason;
    // Which consumers belong to which group (a consumer has one group id).
    let mut group_of: VecMap<NodeId, &str> = VecMap::new();
    for entry in history.entries() {
        match &entry.op {
            Op::OffsetsCommitted { consumer, group, .. }
            | Op::AssignmentReceived { consumer, group, .. }
            | Op::CommittedOffsetsFetched { consumer, group, .. } => {
                group_of.insert(*consumer, group.as_str());
            }
            _ => {}
        }
    }
    let mut numbers = Partitions::default();
    type Key<'a> = (&'a str, usize);
    let mut polled: VecMap<Key, VecSet<Offset>> = VecMap::new();
    // The last commit of positions per (group, partition): its offset, whether a position jumped since, and
    // who committed it when. A commit by another consumer is judged from it only if that consumer's position
    // came from it (it fetched the group's committed offsets since): two consumers of one group id, one of them
    // assigned its partitions by hand, each commit their own positions (soak seed 10,091,296).
    let mut last: VecMap<Key, (Offset, bool, NodeId, u64)> = VecMap::new();
    // When each consumer last read the group's committed offset of a partition (an offset, not none).
    let mut fetched_ms: VecMap<(NodeId, usize), u64> = VecMap::new();
    // When a position was last moved on purpose (a seek), per (group, partition).
    let mut reset_ms: VecMap<Key, u64> = VecMap::new();
    let mut cleaned = Cleaned::default();
    for (as_recorded, entry) in recorded.entries().zip(history.entries()) {
        cleaned.note(&entry.op);
        match &entry.op {
            Op::Polled { consumer, records } => {
                let Some(&group) = group_of.get(consumer) else { continue };
                for r in records {
                    polled.entry((group, numbers.number(&r.topic, r.partition))).or_default().insert(r.offset);
                }
                // As a seek: the position moved without the current log's records. (The live history only
                // leaves records out: as many means the same.)
                let Op::Polled { records: all, .. } = &as_recorded.op else { continue };
                if all.len() == records.len() {
                    continue;
                }
                for gone in all.iter().filter(|r| !records.contains(r)) {
                    let key = (group, numbers.number(&gone.topic, gone.partition));
                    if let Some(l) = last.get_mut(&key) {
                        l.1 = true;
                    }
                    reset_ms.insert(key, entry.time_ms);
                }
            }
            Op::PositionReset { consumer, partitions, reason } if *reason != ResetReason::GroupAssignment => {
                let Some(&group) = group_of.get(consumer) else { continue };
                for tp in partitions {
                    let key = (group, numbers.number(&tp.topic, tp.partition));
                    if let Some(l) = last.get_mut(&key) {
                        l.1 = true;
                    }
                    reset_ms.insert(key, entry.time_ms);
                }
            }
            Op::CommittedOffsetsFetched { consumer, offsets, .. } => {
                for o in offsets.iter().filter(|o| o.offset.is_some()) {
                    fetched_ms.insert((*consumer, numbers.number(&o.topic, o.partition)), entry.time_ms);
                }
            }
            Op::OffsetsCommitted { group, offsets, explicit, consumer, positions_ms, .. } => {
                for o in offsets {
                    let key = (group.as_str(), numbers.number(&o.topic, o.partition));
                    // An explicit commit is the application's choice, and one sent before a seek it was
                    // acknowledged after holds a position from before the jump: the next one is not judged
                    // from either.
                    // (Taken before it: a commit that waited for a coordinator is sent long after.)
                    let sent_before_a_seek = reset_ms.get(&key).is_some_and(|&at| at >= *positions_ms);
                    let now = (o.offset, *explicit || sent_before_a_seek, *consumer, entry.time_ms);
                    let previous = last.insert(key, now);
                    let started_there = |by: NodeId, at: u64| {
                        by == *consumer || fetched_ms.get(&(*consumer, key.1)).is_some_and(|&f| f >= at)
                    };
                    let judged = previous.filter(|&(from, jumped, by, at)| {
                        !jumped && !explicit && from < o.offset && started_there(by, at)
                    });
                    let Some((from, ..)) = judged else {
                        continue;
                    };
                    let tp = numbers.tp(key.1);
                    let Some(list) = replicas.get(&tp) else { continue };
                    let Some(log) = authoritative(list) else { continue };
                    let read = polled.get(&key);
                    let unread = log
                        .records
                        .iter()
                        .filter(|r| r.offset >= from.max(log.log_start_offset) && r.offset < o.offset)
                        .filter(|r| !compacted_somewhere(list, r.offset) && !cleaned.covers(&tp, r.offset))
                        .find(|r| read.is_none_or(|read| !read.contains(&r.offset)));
                    if let Some(r) = unread {
                        let detail = format!(
                            "consumer {consumer} committed group {group}'s offset {} (t={} ms), past {} at offset {}, which no poll of the group returned",
                            o.offset,
                            entry.time_ms,
                            show_record(&r.key, &r.value),
                            r.offset
                        );
                        report.add(ViolationKind::CommittedUnread, &tp, Some(r.offset), detail);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_violation_kind_s_name_is_its_json() {
        use ViolationKind::*;
        for kind in [
            LostWrite,
            Duplicate,
            InconsistentOffsets,
            NonmonotonicSend,
            NonmonotonicPoll,
            PollSkip,
            ReadPastHighWatermark,
            HighWatermarkWentBack,
            ReplicaDivergence,
            TwoOwners,
            PhantomRead,
            GenerationWentBack,
            CommittedOffsetWentBack,
            CommittedUnread,
            StaleCommitAccepted,
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.name());
        }
    }
    use crate::protocol::history::{AckedRecord, HistoryEntry, PolledRecord, SentRecord};
    use alloc::vec;

    fn b(s: &str) -> Option<Bytes> {
        Some(Bytes::copy_from_slice(s.as_bytes()))
    }

    fn tp() -> TopicPartition {
        TopicPartition::new("t", 0)
    }

    fn at(time_ms: u64, op: Op) -> HistoryEntry {
        HistoryEntry { time_ms, op }
    }

    fn sent(request_id: u64, values: &[&str]) -> Op {
        Op::SendInvoked {
            producer: 10_002,
            request_id,
            topic: "t".into(),
            records: values.iter().map(|v| SentRecord { key: None, value: b(v) }).collect(),
        }
    }

    fn acked(request_id: u64, offsets: &[u64]) -> Op {
        acked_by(request_id, offsets, 1)
    }

    /// Acknowledged by the log of topic id `topic_id`.
    fn acked_by(request_id: u64, offsets: &[u64], topic_id: u64) -> Op {
        Op::SendAcked {
            producer: 10_002,
            request_id,
            topic: "t".into(),
            records: offsets
                .iter()
                .map(|&o| AckedRecord {
                    partition: 0,
                    offset: Some(o),
                    topic_id: Some(topic_id),
                    log_start_offset: 0,
                    batch_id: request_id,
                })
                .collect(),
        }
    }

    fn polled(records: &[(u64, &str, u64)]) -> Op {
        polled_at_epoch(0, records)
    }

    fn polled_at_epoch(leader_epoch: i32, records: &[(u64, &str, u64)]) -> Op {
        Op::Polled {
            consumer: 10_003,
            records: records
                .iter()
                .map(|&(offset, v, high_watermark)| PolledRecord {
                    topic: "t".into(),
                    partition: 0,
                    offset,
                    key: None,
                    value: b(v),
                    high_watermark,
                    leader_epoch,
                    topic_id: Some(1),
                    origin: None,
                })
                .collect(),
        }
    }

    /// Adversary 37: a read matched the sends by topic and payload alone, so a record served from another
    /// partition's log passed. A batch is one partition's.
    #[test]
    fn a_record_read_from_a_partition_its_batch_was_not_written_to_is_a_phantom() {
        let read_at = |partition: u32| {
            let origin = RecordOrigin { batch: crate::log::BatchOrigin { producer: 10_002, batch_id: 1 }, index: 0 };
            let mut poll = polled(&[(0, "a", 1)]);
            if let Op::Polled { records, .. } = &mut poll {
                records[0].partition = partition;
                records[0].origin = Some(origin);
            }
            run(vec![sent(1, &["a"]), acked(1, &[0]), poll], vec![replica(1, true, 1, &["a"])])
        };
        assert_eq!(read_at(0), []);
        assert_eq!(read_at(1), [ViolationKind::PhantomRead]);
    }

    #[test]
    fn a_high_watermark_going_back_within_one_leader_epoch_is_reported() {
        let log = || vec![replica(1, true, 4, &["a", "b", "c", "d"])];
        let sends = || vec![sent(1, &["a", "b", "c", "d"]), acked(1, &[0, 1, 2, 3])];
        let with = |polls: Vec<Op>| run(sends().into_iter().chain(polls).collect(), log());
        let back = ViolationKind::HighWatermarkWentBack;
        assert_eq!(with(vec![polled_at_epoch(3, &[(0, "a", 4)]), polled_at_epoch(3, &[(1, "b", 2)])]), [back]);
        // Near misses: a new leader may start lower; an answer from an older leader is no news.
        assert_eq!(with(vec![polled_at_epoch(3, &[(0, "a", 4)]), polled_at_epoch(4, &[(1, "b", 2)])]), []);
        assert_eq!(
            with(vec![
                polled_at_epoch(4, &[(0, "a", 4)]),
                polled_at_epoch(3, &[(1, "b", 2)]),
                polled_at_epoch(4, &[(2, "c", 4)])
            ]),
            []
        );
    }

    fn replica(broker: NodeId, is_leader: bool, high_watermark: Offset, values: &[&str]) -> ReplicaSnapshot {
        ReplicaSnapshot {
            broker,
            is_leader,
            down: false,
            high_watermark,
            log_start_offset: 0,
            cleaned_up_to: 0,
            latest_epoch: if values.is_empty() { -1 } else { 0 },
            records: values
                .iter()
                .enumerate()
                .map(|(i, v)| LoggedRecord { offset: i as u64, key: None, value: b(v), leader_epoch: 0, origin: None })
                .collect(),
        }
    }

    fn run(ops: Vec<Op>, logs: Vec<ReplicaSnapshot>) -> Vec<ViolationKind> {
        let history = History::from_entries(ops.into_iter().enumerate().map(|(i, op)| at(i as u64, op)).collect());
        let replicas: Replicas = [(tp(), logs)].into();
        check(&history, replicas).violations.into_iter().map(|v| v.kind).collect()
    }

    /// Records sent with keys, each `(key, value)`.
    fn sent_keyed(request_id: u64, records: &[(&str, &str)]) -> Op {
        let records = records.iter().map(|&(k, v)| SentRecord { key: b(k), value: b(v) }).collect();
        Op::SendInvoked { producer: 10_002, request_id, topic: "t".into(), records }
    }

    fn keyed(offset: Offset, key: &str, value: &str, origin: Option<RecordOrigin>) -> LoggedRecord {
        LoggedRecord { offset, key: b(key), value: b(value), leader_epoch: 0, origin }
    }

    #[test]
    fn a_record_compaction_removed_without_a_later_one_of_its_key_is_lost() {
        // Found by an adversary: acknowledged with acks=1, truncated away, and the offsets taken by other
        // keys that the cleaner removed in turn. Offsets 0..5 are below the cleaner's point.
        let log = |records: Vec<LoggedRecord>| {
            let mut r = replica(1, true, 6, &[]);
            r.cleaned_up_to = 5;
            r.records = records;
            vec![r]
        };
        let sends = || vec![sent_keyed(1, &[("a0", "x")]), acked(1, &[3])];
        let lost = run(sends(), log(vec![keyed(5, "b", "y", None)]));
        assert_eq!(lost, [ViolationKind::LostWrite]);
        // Near misses: a later record of its key, held; or sent (a tombstone, removed since).
        assert_eq!(run(sends(), log(vec![keyed(5, "a0", "z", None)])), []);
        let mut tombstoned = sends();
        tombstoned.push(sent_keyed(2, &[("a0", "")]));
        assert_eq!(run(tombstoned, log(vec![keyed(5, "b", "y", None)])), []);
        // An adversary's run: the key's only other record was acknowledged at an earlier offset, so it
        // supersedes nothing (a cleaner keeps the latest of a key, never an older one instead).
        let earlier =
            vec![sent_keyed(1, &[("a0", "old")]), acked(1, &[1]), sent_keyed(2, &[("a0", "x")]), acked(2, &[3])];
        assert_eq!(
            run(earlier, log(vec![keyed(1, "a0", "old", None), keyed(5, "b", "y", None)])),
            [ViolationKind::LostWrite]
        );
        // Near miss: the record removed was a tombstone, which the cleaner removes in its time.
        let tombstone = Op::SendInvoked {
            producer: 10_002,
            request_id: 1,
            topic: "t".into(),
            records: vec![SentRecord { key: b("a0"), value: None }],
        };
        assert_eq!(run(vec![tombstone, acked(1, &[3])], log(vec![keyed(5, "b", "y", None)])), []);
    }

    #[test]
    fn a_record_is_removed_on_purpose_only_if_it_is_what_the_leader_removed() {
        use crate::log::{BatchOrigin, Removal, RemovalCause};
        use crate::protocol::history::Remover;
        // Offset 3 acknowledged (producer 10_002's batch #1), and the log now starts at 5: what the brokers
        // removed at offset 3, and as whom, decides.
        let removed = |remover: Remover, batch_id: u64, cause: RemovalCause| Op::RecordsRemoved {
            topic: "t".into(),
            partition: 0,
            topic_id: 1,
            broker: if remover == Remover::Leader { 1 } else { 2 },
            leader_epoch: 0,
            removals: vec![Removal {
                first_offset: 2,
                last_offset: 4,
                origin: RecordOrigin { batch: BatchOrigin { producer: 10_002, batch_id }, index: 0 },
                cause,
            }],
            remover,
        };
        let log = |records: Vec<LoggedRecord>| {
            let mut r = replica(1, true, 6, &[]);
            r.log_start_offset = 5;
            r.records = records;
            vec![r]
        };
        let held = || log(vec![keyed(5, "b", "y", None)]);
        let sends = |removals: Vec<Op>| {
            let mut ops = vec![sent_keyed(1, &[("a", "x")]), acked(1, &[3])];
            ops.extend(removals);
            ops
        };
        let verdict = |removals: Vec<Op>| run(sends(removals), held());
        let (leader, follower, stale) = (Remover::Leader, Remover::Follower, Remover::Stale);
        let lost = [ViolationKind::LostWrite];
        // Its own record, by the leader's retention or superseded (offset 9, compacted away since): on purpose.
        assert_eq!(verdict(vec![removed(leader, 1, RemovalCause::Retention)]), []);
        let longer = || log(vec![keyed(5, "b", "y", None), keyed(12, "c", "z", None)]);
        assert_eq!(run(sends(vec![removed(leader, 1, RemovalCause::Superseded { by: 9 })]), longer()), []);
        // Superseded by a record past the log's end (a cleaner that cleaned above the HW, its later record
        // truncated since): lost, unless a later record of its key is held.
        assert_eq!(verdict(vec![removed(leader, 1, RemovalCause::Superseded { by: 9 })]), lost);
        let rewritten = log(vec![keyed(5, "a", "again", None)]);
        assert_eq!(run(sends(vec![removed(leader, 1, RemovalCause::Superseded { by: 9 })]), rewritten), []);
        // The leader removed another batch's record there: the acknowledged one was lost before (adversary
        // 37), whatever a follower removed.
        assert_eq!(verdict(vec![removed(leader, 7, RemovalCause::Retention)]), lost);
        // (Its own removal of this record counts wherever it is in the history.)
        let both = vec![removed(leader, 7, RemovalCause::Retention), removed(leader, 1, RemovalCause::Retention)];
        assert_eq!(verdict(both), []);
        // Without the leader's word, a follower's removal of this record excuses it; of another, nothing.
        assert_eq!(verdict(vec![removed(follower, 1, RemovalCause::Retention)]), []);
        assert_eq!(verdict(vec![removed(follower, 7, RemovalCause::Retention)]), [], "below the log start");
        // A zombie's removal counts for nothing (adversary 38): with the log ending before offset 3, lost.
        let short = |removals: Vec<Op>| {
            let mut empty = log(vec![]);
            empty[0].log_start_offset = 0;
            run(sends(removals), empty)
        };
        assert_eq!(short(vec![removed(stale, 1, RemovalCause::Retention)]), lost);
        assert_eq!(short(vec![removed(follower, 1, RemovalCause::Retention)]), []);
        // The cleaner's reason must hold: a later record of its key (offset 5 holds key "b": not its key), a
        // tombstone, a record without a key.
        assert_eq!(verdict(vec![removed(leader, 1, RemovalCause::Superseded { by: 3 })]), lost);
        assert_eq!(verdict(vec![removed(leader, 1, RemovalCause::Superseded { by: 5 })]), lost);
        let a_key = log(vec![keyed(5, "a", "later", None)]);
        assert_eq!(run(sends(vec![removed(leader, 1, RemovalCause::Superseded { by: 5 })]), a_key), []);
        assert_eq!(verdict(vec![removed(leader, 1, RemovalCause::TombstoneExpired)]), lost);
        assert_eq!(verdict(vec![removed(leader, 1, RemovalCause::Keyless)]), lost);
        let tombstone = vec![
            Op::SendInvoked {
                producer: 10_002,
                request_id: 1,
                topic: "t".into(),
                records: vec![SentRecord { key: b("a"), value: None }],
            },
            acked(1, &[3]),
            removed(leader, 1, RemovalCause::TombstoneExpired),
        ];
        assert_eq!(run(tombstone, held()), []);
        // The leader removed it before an unclean election gave its offset to another record: not lost
        // (adversary 38); another record there with no such removal: lost.
        let mut reused = log(vec![keyed(3, "c", "after", None), keyed(5, "b", "y", None)]);
        reused[0].log_start_offset = 3;
        assert_eq!(run(sends(vec![removed(leader, 1, RemovalCause::Retention)]), reused.clone()), []);
        assert_eq!(run(sends(vec![removed(follower, 7, RemovalCause::Retention)]), reused), lost);
        // A removal from a deleted incarnation of the topic says nothing of today's.
        let mut old = removed(leader, 7, RemovalCause::Retention);
        if let Op::RecordsRemoved { topic_id, .. } = &mut old {
            *topic_id = 9;
        }
        assert_eq!(verdict(vec![Op::TopicDeleted { topic: "t".into(), topic_id: 9 }, old]), []);
    }

    #[test]
    fn an_equal_record_another_batch_wrote_at_the_offset_does_not_hide_a_loss() {
        // Found by an adversary: "tick" acknowledged at offset 0 and truncated away; another producer's
        // "tick" now sits there.
        let origin = |producer: NodeId, batch_id: u64| {
            Some(RecordOrigin { batch: crate::log::BatchOrigin { producer, batch_id }, index: 0 })
        };
        let log = |origin: Option<RecordOrigin>| {
            let mut r = replica(1, true, 1, &[]);
            r.records = vec![LoggedRecord { offset: 0, key: None, value: b("tick"), leader_epoch: 0, origin }];
            vec![r]
        };
        let sends = || vec![sent(1, &["tick"]), acked(1, &[0])];
        assert_eq!(run(sends(), log(origin(10_009, 4))), [ViolationKind::LostWrite]);
        // Near misses: the acknowledged batch's own record (batch #1 of producer 10_002), or one of unknown
        // origin.
        assert_eq!(run(sends(), log(origin(10_002, 1))), []);
        assert_eq!(run(sends(), log(None)), []);
    }

    #[test]
    fn writes_to_a_deleted_topic_are_not_lost() {
        let ops = vec![
            sent(1, &["old"]),
            acked(1, &[0]),
            Op::TopicDeleted { topic: "t".into(), topic_id: 1 },
            sent(2, &["new"]),
            acked_by(2, &[0], 2),
        ];
        assert_eq!(run(ops.clone(), vec![replica(1, true, 1, &["new"])]), [], "recreated: the old offset 0 is moot");
        assert_eq!(
            run(ops, vec![replica(1, true, 1, &["other"])]),
            [ViolationKind::LostWrite],
            "the new one still counts"
        );
    }

    #[test]
    fn a_write_the_deleted_topic_took_after_its_deletion_is_not_lost() {
        // A leader that had not learned of the deletion yet appended to the old topic's log.
        let ops = vec![Op::TopicDeleted { topic: "t".into(), topic_id: 1 }, sent(1, &["late"]), acked_by(1, &[0], 1)];
        assert_eq!(run(ops, vec![replica(1, true, 1, &["other"])]), []);
        // Near miss: the same write, taken by the new topic, is lost if the log no longer has it.
        let ops = vec![Op::TopicDeleted { topic: "t".into(), topic_id: 1 }, sent(1, &["late"]), acked_by(1, &[0], 2)];
        assert_eq!(run(ops, vec![replica(1, true, 1, &["other"])]), [ViolationKind::LostWrite]);
    }

    #[test]
    fn without_a_leader_the_log_of_the_newest_epoch_counts_not_a_longer_zombies() {
        // The soak's seed 10000041: broker 2, cut off from the controllers since epoch 0, kept appending as
        // leader (nothing it took was acknowledged); broker 1 holds what epoch 1 committed.
        let ops = vec![sent(1, &["a", "b"]), acked(1, &[0, 1])];
        let mut committed = replica(1, false, 2, &["a", "b"]);
        committed.records.iter_mut().for_each(|r| r.leader_epoch = 1);
        committed.latest_epoch = 1;
        let zombie = replica(2, false, 0, &["z0", "z1", "z2", "z3"]);
        assert_eq!(run(ops.clone(), vec![committed.clone(), zombie.clone()]), []);
        // Near miss: the same zombie log in the newest epoch would be what a leader comes back with.
        let mut newer = zombie;
        newer.records.iter_mut().for_each(|r| r.leader_epoch = 2);
        newer.latest_epoch = 2;
        assert_eq!(
            run(ops.clone(), vec![committed.clone(), newer]),
            [ViolationKind::LostWrite, ViolationKind::LostWrite]
        );
        // Explorer seed 67: retention removed every record of the newest epoch's replica; its epoch cache still
        // says epoch 1, newer than a crashed old leader's log of epoch 0, whose longer past is no truth.
        let mut emptied = committed;
        emptied.records.clear();
        emptied.log_start_offset = 2;
        let stale = replica(2, false, 1, &["a"]);
        assert_eq!(run(ops, vec![emptied, stale]), []);
    }

    #[test]
    fn skipping_what_one_replicas_cleaner_removed_is_no_poll_skip() {
        // Issue 11's adversary: read from a leader that had compacted 1..4 away; a follower that has not
        // cleaned yet leads now.
        let values = ["a", "b", "c", "d", "e", "f"];
        let ops = vec![sent(1, &values), acked(1, &[0, 1, 2, 3, 4, 5]), polled(&[(0, "a", 6), (5, "f", 6)])];
        let mut cleaned = replica(2, false, 6, &values);
        cleaned.records.retain(|r| r.offset == 0 || r.offset == 5);
        cleaned.cleaned_up_to = 5;
        assert_eq!(run(ops.clone(), vec![replica(1, true, 6, &values), cleaned]), []);
        // Near miss: no replica cleaned them, so the consumer did skip records.
        assert_eq!(run(ops, vec![replica(1, true, 6, &values)]), [ViolationKind::PollSkip]);
    }

    #[test]
    fn a_send_made_before_a_deletion_and_retried_into_the_new_topic_counts_for_the_new_topic() {
        // Issue 11's adversary: the retry landed in the topic created again (id 2) and was read there.
        let mut read = polled(&[(0, "early", 1)]);
        if let Op::Polled { records, .. } = &mut read {
            records[0].topic_id = Some(2);
        }
        let ops =
            vec![sent(1, &["early"]), Op::TopicDeleted { topic: "t".into(), topic_id: 1 }, acked_by(1, &[0], 2), read];
        assert_eq!(run(ops.clone(), vec![replica(1, true, 1, &["early"])]), []);
        // Near miss: the new topic took it, so losing it is a lost write.
        assert_eq!(run(ops, vec![replica(1, true, 1, &["other"])]), [ViolationKind::LostWrite]);
    }

    #[test]
    fn a_record_of_the_deleted_topic_polled_after_the_deletion_is_moot() {
        // Fetched before the deletion, returned by a poll after it: Kafka's consumer may do that.
        let ops = vec![
            sent(1, &["old"]),
            acked(1, &[0]),
            Op::TopicDeleted { topic: "t".into(), topic_id: 1 },
            sent(2, &["new"]),
            acked_by(2, &[0], 2),
            polled(&[(0, "old", 1)]),
        ];
        assert_eq!(run(ops, vec![replica(1, true, 1, &["new"])]), []);
    }

    #[test]
    fn a_record_acknowledged_by_a_deleted_topic_read_from_the_one_created_again_is_a_phantom_read() {
        // KIP-516's mutant: a leader that had not heard of the deletion served the old log to the new topic's
        // followers, one of which then led the new topic.
        let mut read = polled(&[(0, "old", 1)]);
        if let Op::Polled { records, .. } = &mut read {
            records[0].topic_id = Some(2);
        }
        let deleted = || Op::TopicDeleted { topic: "t".into(), topic_id: 1 };
        let ops = vec![sent(1, &["old"]), acked(1, &[0]), deleted(), read.clone()];
        assert_eq!(run(ops.clone(), vec![replica(1, true, 1, &["old"])]), [ViolationKind::PhantomRead]);
        // Soak seed 10,008,991: acknowledged by a zombie of the deleted topic (after the deletion), at another
        // offset than the one read: an earlier attempt whose answer was lost may be in the new topic.
        let zombie = |offset| vec![sent(1, &["old"]), deleted(), acked_by(1, &[offset], 1), read.clone()];
        assert_eq!(run(zombie(41), vec![replica(1, true, 1, &["old"])]), []);
        // Near miss: at the offset read, as the deleted topic's log handed to the new one would hold it.
        assert_eq!(run(zombie(0), vec![replica(1, true, 1, &["old"])]), [ViolationKind::PhantomRead]);
        // Near miss: the same record never acknowledged may have been written to either topic.
        let unacked: Vec<Op> = ops.into_iter().filter(|op| !matches!(op, Op::SendAcked { .. })).collect();
        assert_eq!(run(unacked, vec![replica(1, true, 1, &["old"])]), []);
    }

    #[test]
    fn a_record_never_sent_is_a_phantom_read() {
        let ops = vec![sent(1, &["a"]), acked(1, &[0]), polled(&[(0, "made-up", 1)])];
        let kinds = run(ops, vec![replica(1, true, 1, &["a"])]);
        assert!(kinds.contains(&ViolationKind::PhantomRead), "{kinds:?}");
        let fine = vec![sent(1, &["a"]), acked(1, &[0]), polled(&[(0, "a", 1)])];
        assert_eq!(run(fine, vec![replica(1, true, 1, &["a"])]), []);
    }

    #[test]
    fn a_truncated_history_judges_only_what_it_still_holds() {
        // One value sent again and again for longer than the history holds (two entries per send, each
        // counting its one record too: four): half the sends leave it. Each copy in the log is its own batch's,
        // so none is a duplicate.
        let sends = crate::protocol::history::HISTORY_ENTRIES_MAX as u64 / 2;
        let mut history = History::default();
        for i in 0..sends {
            history.record(i, sent(i, &["hello-0"]));
            history.record(i, acked(i, &[i]));
        }
        let mut log = replica(1, true, sends, &vec!["hello-0"; sends as usize]);
        for r in &mut log.records {
            r.origin = Some(RecordOrigin { batch: BatchOrigin { producer: 10_002, batch_id: r.offset }, index: 0 });
        }
        let report = check(&history, [(tp(), vec![log.clone()])].into());
        assert!(report.ok, "{:?}", report.violations.first());
        assert!(!report.history_complete);
        assert_eq!((report.sends_judged, report.sends_forgotten), (sends / 2, sends / 2));
        // What it still holds is judged: a retained acknowledged record overwritten is a lost write.
        log.records[sends as usize - 1].value = b("other");
        let report = check(&history, [(tp(), vec![log])].into());
        assert_eq!(report.violations.iter().map(|v| v.kind).collect::<Vec<_>>(), [ViolationKind::LostWrite]);
    }

    #[test]
    fn the_scope_says_what_was_judged() {
        let report = |judged, forgotten, complete| CheckReport {
            ok: true,
            violations: vec![],
            history_complete: complete,
            sends_judged: judged,
            sends_forgotten: forgotten,
        };
        assert_eq!(report(3, 0, true).scope(), "judged 3 send(s), the whole run");
        assert_eq!(
            report(48_000, 12_000, false).scope(),
            "judged 48,000 send(s); the oldest 12,000 left the history and were not judged"
        );
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn a_clean_run_passes() {
        let ops = vec![sent(1, &["a", "b"]), acked(1, &[0, 1]), polled(&[(0, "a", 2), (1, "b", 2)])];
        assert_eq!(run(ops, vec![replica(1, true, 2, &["a", "b"])]), []);
    }

    #[test]
    fn an_acknowledged_record_missing_from_the_log_is_a_lost_write() {
        let ops = vec![sent(1, &["a"]), acked(1, &[0]), sent(2, &["b"]), acked(2, &[1])];
        assert_eq!(run(ops.clone(), vec![replica(1, true, 1, &["a"])]), [ViolationKind::LostWrite]);
        assert_eq!(
            run(ops, vec![replica(1, true, 2, &["a", "x"])]),
            [ViolationKind::LostWrite],
            "another record in its place"
        );
    }

    /// A full report keeps the violations found first, in the order of (topic, partition) as the checker
    /// always found them, whatever partition was acknowledged first (adversary 54: numbering partitions as
    /// they came kept t-1's non-monotonic send where t-0's had been kept).
    #[test]
    fn a_full_report_keeps_the_first_violations_in_partition_order() {
        let ack = |request_id: u64, partition: u32, offset: u64| Op::SendAcked {
            producer: 10_002,
            request_id,
            topic: "t".into(),
            records: alloc::vec![AckedRecord {
                partition,
                offset: Some(offset),
                topic_id: Some(1),
                log_start_offset: 0,
                batch_id: request_id,
            }],
        };
        let mut ops = Vec::new();
        // Non-monotonic sends on t-1, then t-0 (t-1 acknowledged first), as the last violations to fit.
        for (request_id, partition, offset) in [(1, 1, 1), (2, 0, 1), (3, 1, 0), (4, 0, 0)] {
            ops.push(sent(request_id, &["x"]));
            ops.push(ack(request_id, partition, offset));
        }
        // Lost writes (t-0 at offsets the log does not hold) to fill the report but one.
        for i in 0..VIOLATIONS_REPORTED_MAX as u64 - 1 {
            ops.push(sent(100 + i, &["lost"]));
            ops.push(ack(100 + i, 0, 10 + i));
        }
        let history = History::from_entries(ops.into_iter().enumerate().map(|(i, op)| at(i as u64, op)).collect());
        let log = |partition: u32| {
            let mut log = replica(1, true, 2, &["x", "x"]);
            log.records.iter_mut().for_each(|r| r.origin = None);
            (TopicPartition::new("t", partition), alloc::vec![log])
        };
        let report = check(&history, [log(0), log(1)].into());
        let nonmonotonic: Vec<_> =
            report.violations.iter().filter(|v| v.kind == ViolationKind::NonmonotonicSend).collect();
        assert_eq!(report.violations.len(), VIOLATIONS_REPORTED_MAX);
        assert_eq!(nonmonotonic.len(), 1, "{nonmonotonic:?}");
        assert_eq!(nonmonotonic[0].partition, 0, "{nonmonotonic:?}");
    }

    /// A page runs a check a pass a frame: nothing until the last pass, then the report a check at once gives.
    #[test]
    fn a_check_a_pass_at_a_time_reports_after_its_last_pass() {
        let ops = vec![sent(1, &["a"]), acked(1, &[0]), sent(2, &["b"]), acked(2, &[1])];
        let history = History::from_entries(ops.into_iter().enumerate().map(|(i, op)| at(i as u64, op)).collect());
        let replicas: Replicas = [(tp(), vec![replica(1, true, 1, &["a"])])].into();
        let mut checking = Checking::new(replicas.clone());
        for pass in 1..Checking::PASSES {
            assert_eq!(checking.advance(&history), None);
            assert_eq!(checking.passes_done(), pass);
        }
        let report = checking.advance(&history).unwrap();
        assert_eq!(report, check(&history, replicas));
        assert_eq!(report.violations.len(), 1);
    }

    #[test]
    fn a_gap_left_by_compaction_is_not_a_lost_write() {
        // Two values of one key: the cleaner keeps the later.
        let ops = vec![sent_keyed(1, &[("k", "a")]), acked(1, &[0]), sent_keyed(2, &[("k", "b")]), acked(2, &[1])];
        let mut compacted = replica(1, true, 2, &[]);
        compacted.records = vec![keyed(1, "k", "b", None)];
        assert_eq!(run(ops.clone(), vec![compacted.clone()]), [ViolationKind::LostWrite], "not cleaned: lost");
        compacted.cleaned_up_to = 1;
        assert_eq!(run(ops, vec![compacted]), []);
        // A record without a key, cleaned away (Kafka's cleaner drops them), is not lost either; kept
        // above the cleaner's point, it must be there.
        let ops = vec![sent(1, &["a"]), acked(1, &[0]), sent_keyed(2, &[("k", "b")]), acked(2, &[1])];
        let mut compacted = replica(1, true, 2, &[]);
        compacted.records = vec![keyed(1, "k", "b", None)];
        assert_eq!(run(ops.clone(), vec![compacted.clone()]), [ViolationKind::LostWrite], "not cleaned: lost");
        compacted.cleaned_up_to = 1;
        assert_eq!(run(ops, vec![compacted]), []);
    }

    #[test]
    fn one_record_of_one_batch_at_two_offsets_is_a_duplicate() {
        // Producer 10_002's batch #n carries its send #n (`acked`).
        let origin = |batch_id| RecordOrigin { batch: BatchOrigin { producer: 10_002, batch_id }, index: 0 };
        let ops = vec![sent(1, &["a"]), acked(1, &[0])];
        let mut log = replica(1, true, 2, &["a", "a"]);
        log.records.iter_mut().for_each(|r| r.origin = Some(origin(1)));
        assert_eq!(run(ops, vec![log.clone()]), [ViolationKind::Duplicate]);
        // Near miss: the same value in two batches, sent twice on purpose.
        let twice = vec![sent(1, &["a"]), acked(1, &[0]), sent(2, &["a"]), acked(2, &[1])];
        log.records[1].origin = Some(origin(2));
        assert_eq!(run(twice, vec![log.clone()]), [], "sent twice, held twice: fine");
        // Near miss: the history that saw the sends is gone; the log alone says who wrote what.
        assert_eq!(run(vec![], vec![log]), []);
    }

    #[test]
    fn one_record_of_one_batch_polled_at_two_offsets_is_a_duplicate_though_retention_removed_one() {
        // An adversary's run: a retry appended again; retention then removed the first copy (offset 1), which a
        // consumer had polled, as it polled the second (offset 2).
        let origin = Some(RecordOrigin { batch: BatchOrigin { producer: 10_002, batch_id: 1 }, index: 0 });
        let polled_with_origin = |offsets: &[u64]| {
            let mut op = polled(&offsets.iter().map(|&o| (o, "a", 3)).collect::<Vec<_>>());
            if let Op::Polled { records, .. } = &mut op {
                records.iter_mut().for_each(|r| r.origin = origin);
            }
            op
        };
        let mut log = replica(1, true, 3, &["x", "a", "a"]);
        log.records.iter_mut().skip(1).for_each(|r| r.origin = origin);
        log.log_start_offset = 2;
        log.records.retain(|r| r.offset >= 2);
        let ops = || vec![sent(1, &["a"]), acked(1, &[1]), polled_with_origin(&[1]), polled_with_origin(&[2])];
        assert_eq!(run(ops(), vec![log.clone()]), [ViolationKind::Duplicate]);
        // Near misses: polled at one offset only; with both copies still in the log, the log's duplicate is
        // reported once.
        let once = vec![sent(1, &["a"]), acked(1, &[2]), polled_with_origin(&[2])];
        assert_eq!(run(once, vec![log]), []);
        let mut both = replica(1, true, 3, &["x", "a", "a"]);
        both.records.iter_mut().skip(1).for_each(|r| r.origin = origin);
        assert_eq!(run(ops(), vec![both]), [ViolationKind::Duplicate]);
    }

    /// Soak seed 10,068,541: a leader answered a retry as a duplicate of a write it kept below its log start
    /// (its predecessor's retention had removed what the partition held there): Kafka's answer, naming no
    /// record anyone can read.
    #[test]
    fn an_acknowledgement_below_the_log_start_its_leader_answered_with_names_no_record() {
        let mut log = replica(1, true, 6, &["p", "q", "a", "x", "y", "z"]);
        log.log_start_offset = 5;
        log.records.retain(|r| r.offset >= 5);
        // Another producer's retry, answered from the log that kept its first write at offset 2.
        let with_log_start = |log_start_offset: Offset| {
            let (mut first_write, mut retry) = (sent(2, &["b"]), acked(2, &[2]));
            if let Op::SendInvoked { producer, .. } = &mut first_write {
                *producer = 10_005;
            }
            if let Op::SendAcked { producer, records, .. } = &mut retry {
                *producer = 10_005;
                records.iter_mut().for_each(|r| r.log_start_offset = log_start_offset);
            }
            vec![sent(1, &["a"]), acked(1, &[2]), first_write, retry]
        };
        assert_eq!(run(with_log_start(5), vec![log.clone()]), []);
        // Near miss: at or above the log start it answered with, the record was there to read.
        assert_eq!(run(with_log_start(2), vec![log]), [ViolationKind::InconsistentOffsets]);
    }

    #[test]
    fn two_records_at_one_offset_are_inconsistent_offsets() {
        let ops = vec![sent(1, &["a"]), acked(1, &[0]), sent(2, &["z"]), polled(&[(0, "z", 1)])];
        assert_eq!(run(ops, vec![replica(1, true, 1, &["a"])]), [ViolationKind::InconsistentOffsets]);
        // Near miss: one offset seen by an acknowledgement and by two polls, the same record each time.
        let same = vec![sent(1, &["a"]), acked(1, &[0]), polled(&[(0, "a", 1)]), polled(&[(0, "a", 1)])];
        let seek = Op::PositionReset {
            consumer: 10_003,
            partitions: vec![tp()],
            reason: crate::protocol::history::ResetReason::Seek,
        };
        let mut same = same;
        same.insert(3, seek);
        assert_eq!(run(same, vec![replica(1, true, 1, &["a"])]), []);
    }

    #[test]
    fn a_later_send_at_a_lower_offset_is_nonmonotonic() {
        let ops = vec![sent(1, &["a"]), acked(1, &[1]), sent(2, &["b"]), acked(2, &[0])];
        assert_eq!(run(ops, vec![replica(1, true, 2, &["b", "a"])]), [ViolationKind::NonmonotonicSend]);
        // Two sends in flight, acknowledged in the other order: what counts is the order they were made.
        let concurrent = vec![sent(1, &["a"]), sent(2, &["b"]), acked(2, &[1]), acked(1, &[0])];
        assert_eq!(run(concurrent, vec![replica(1, true, 2, &["a", "b"])]), []);
    }

    #[test]
    fn polls_going_back_or_skipping_without_a_seek() {
        let sends = || sent(1, &["a", "b", "c"]);
        let back = vec![sends(), polled(&[(0, "a", 3), (1, "b", 3)]), polled(&[(1, "b", 3)])];
        assert_eq!(run(back, vec![replica(1, true, 3, &["a", "b", "c"])]), [ViolationKind::NonmonotonicPoll]);
        let skip = vec![sends(), polled(&[(0, "a", 3)]), polled(&[(2, "c", 3)])];
        assert_eq!(run(skip, vec![replica(1, true, 3, &["a", "b", "c"])]), [ViolationKind::PollSkip]);
        let seek = vec![
            sends(),
            polled(&[(0, "a", 3), (1, "b", 3)]),
            Op::PositionReset {
                consumer: 10_003,
                partitions: vec![tp()],
                reason: crate::protocol::history::ResetReason::Seek,
            },
            polled(&[(0, "a", 3)]),
        ];
        assert_eq!(run(seek, vec![replica(1, true, 3, &["a", "b", "c"])]), [], "a seek makes going back legal");
        // Soak seed 10,127,889: a replica's cleaner removed offset 1 (as a follower), it led and served the
        // skip; by the end no log shows the cleaning (the leader now holds 1): the history's removal excuses it.
        use crate::log::{BatchOrigin, Removal, RemovalCause};
        let cleaned = |cause| Op::RecordsRemoved {
            topic: "t".into(),
            partition: 0,
            topic_id: 1,
            broker: 2,
            leader_epoch: 0,
            removals: vec![Removal {
                first_offset: 1,
                last_offset: 1,
                origin: RecordOrigin { batch: BatchOrigin { producer: 10_002, batch_id: 1 }, index: 1 },
                cause,
            }],
            remover: crate::protocol::history::Remover::Follower,
        };
        let skip = |removal| vec![sends(), polled(&[(0, "a", 3)]), removal, polled(&[(2, "c", 3)])];
        let held = || vec![replica(1, true, 3, &["a", "b", "c"])];
        assert_eq!(run(skip(cleaned(RemovalCause::Superseded { by: 2 })), held()), []);
        // Near miss: retention's removal is no cleaning (the log start would have moved past it).
        assert_eq!(run(skip(cleaned(RemovalCause::Retention)), held()), [ViolationKind::PollSkip]);
    }

    #[test]
    fn a_read_at_or_above_the_high_watermark() {
        let ops = vec![sent(1, &["a"]), polled(&[(0, "a", 0)])];
        assert_eq!(run(ops, vec![replica(1, true, 1, &["a"])]), [ViolationKind::ReadPastHighWatermark]);
        // Near miss: the last record below the high watermark.
        let ops = vec![sent(1, &["a"]), polled(&[(0, "a", 1)])];
        assert_eq!(run(ops, vec![replica(1, true, 1, &["a"])]), []);
    }

    #[test]
    fn replicas_that_differ_below_both_high_watermarks() {
        let logs = vec![replica(1, true, 2, &["a", "b"]), replica(2, false, 2, &["a", "x"])];
        assert_eq!(run(vec![], logs), [ViolationKind::ReplicaDivergence]);
        let above = vec![replica(1, true, 2, &["a", "b", "c"]), replica(2, false, 2, &["a", "b", "y"])];
        assert_eq!(run(vec![], above), [], "above the HW replicas may differ");
        // A replica whose broker is down is judged once it is back: it truncates a diverged tail then (its
        // leader lost the records to a power loss and was elected again; soak seed 10,004,772).
        let down =
            vec![replica(1, true, 1, &["new"]), ReplicaSnapshot { down: true, ..replica(2, false, 1, &["old"]) }];
        assert_eq!(run(vec![], down), []);
    }

    #[test]
    fn replica_divergence_compares_only_the_offsets_both_replicas_hold() {
        // Broker 1 compacted offset 1 away (its cleaner ran), broker 2 not yet: not divergence.
        let mut cleaned = replica(1, true, 4, &["a", "b", "c", "d"]);
        cleaned.records.remove(1);
        cleaned.cleaned_up_to = 3;
        let not_yet = replica(2, false, 4, &["a", "b", "c", "d"]);
        assert_eq!(run(vec![], vec![cleaned.clone(), not_yet.clone()]), []);
        assert_eq!(run(vec![], vec![not_yet.clone(), cleaned.clone()]), [], "either way round");
        // Near miss: at an offset both still hold, different records are divergence, gaps elsewhere or not.
        let mut differs = not_yet;
        differs.records[2].value = b("x");
        assert_eq!(run(vec![], vec![cleaned, differs]), [ViolationKind::ReplicaDivergence]);
    }

    fn received(consumer: NodeId, member: &str, generation: i32) -> Op {
        Op::AssignmentReceived {
            consumer,
            group: "g".into(),
            generation,
            member_id: member.into(),
            partitions: vec![tp()],
        }
    }

    fn kinds(ops: Vec<Op>) -> Vec<ViolationKind> {
        run(ops, vec![])
    }

    #[test]
    fn a_partition_handed_to_a_second_live_consumer_is_two_owners() {
        // Bug 3's shape: two instances, one member id, one generation.
        assert_eq!(kinds(vec![received(1, "m", 1), received(2, "m", 1)]), [ViolationKind::TwoOwners]);
        // Bug 4's shape: a newcomer handed what a member of another generation still reads.
        assert_eq!(
            kinds(vec![received(1, "m1", 5), received(2, "m2", 6)]),
            [ViolationKind::TwoOwners],
            "whatever generation each thinks it is in"
        );
    }

    #[test]
    fn a_partition_given_up_or_held_by_a_removed_member_may_move() {
        let revoked = Op::AssignmentRevoked {
            consumer: 1,
            group: "g".into(),
            partitions: vec![tp()],
            reason: crate::protocol::history::RevokeReason::Rebalance,
        };
        assert_eq!(kinds(vec![received(1, "m1", 1), revoked, received(2, "m2", 2)]), []);
        let removed = |member: &str| Op::GroupMemberRemoved {
            group: "g".into(),
            member_id: member.into(),
            reason: crate::protocol::history::RemovalReason::SessionTimeout,
        };
        assert_eq!(kinds(vec![received(1, "m1", 1), removed("m1"), received(2, "m2", 2)]), [], "a zombie");
        assert_eq!(
            kinds(vec![received(1, "m1", 1), removed("m1"), received(2, "m2", 1)]),
            [],
            "a static member's replacement keeps the generation"
        );
        assert_eq!(kinds(vec![received(1, "m1", 1), received(1, "m1", 2)]), [], "one consumer, a new generation");
        let other_group = Op::AssignmentReceived {
            consumer: 2,
            group: "h".into(),
            generation: 1,
            member_id: "m2".into(),
            partitions: vec![tp()],
        };
        assert_eq!(kinds(vec![received(1, "m1", 1), other_group]), [], "groups read independently");
    }

    #[test]
    fn an_assignment_of_an_older_generation_is_generation_went_back() {
        let revoked = |consumer| Op::AssignmentRevoked {
            consumer,
            group: "g".into(),
            partitions: vec![tp()],
            reason: crate::protocol::history::RevokeReason::Lost,
        };
        assert_eq!(
            kinds(vec![received(1, "m1", 7), revoked(1), received(2, "m2", 1)]),
            [ViolationKind::GenerationWentBack]
        );
        assert_eq!(
            kinds(vec![received(1, "m1", 7), revoked(1), received(2, "m2", 7), revoked(2), received(1, "m1", 8)]),
            []
        );
    }

    fn committed(offset: Offset) -> Op {
        commit_as(-1, "", 0, offset, false)
    }

    /// An acknowledged commit of `offset` as `member` of `generation`, sent at `requested_ms`.
    fn commit_as(generation: i32, member: &str, requested_ms: u64, offset: Offset, explicit: bool) -> Op {
        let offsets =
            vec![crate::protocol::history::CommittedOffset { topic: "t".into(), partition: 0, offset, topic_id: None }];
        Op::OffsetsCommitted {
            consumer: 10_003,
            group: "g".into(),
            offsets,
            explicit,
            generation,
            member_id: member.into(),
            requested_ms,
            positions_ms: requested_ms,
        }
    }

    #[test]
    fn a_commit_of_a_generation_the_group_had_left_is_stale_commit_accepted() {
        // Consumer 1 gave the partition up, so there is no second owner, only a late commit.
        let with = |commit: Op| {
            let revoked = Op::AssignmentRevoked {
                consumer: 1,
                group: "g".into(),
                partitions: vec![tp()],
                reason: crate::protocol::history::RevokeReason::Lost,
            };
            kinds(vec![received(1, "m1", 7), revoked, received(2, "m2", 8), commit])
        };
        // `run` stamps entry i at t=i ms: generation 8 is handed out at t=2.
        assert_eq!(with(commit_as(7, "m1", 3, 5, false)), [ViolationKind::StaleCommitAccepted]);
        // Near misses: sent before the newer generation was handed out, of the newest generation, or with
        // `assign`.
        assert_eq!(with(commit_as(7, "m1", 2, 5, false)), []);
        assert_eq!(with(commit_as(8, "m2", 3, 5, false)), []);
        assert_eq!(with(commit_as(-1, "", 3, 5, false)), []);
    }

    fn fetched(requested_ms: u64, offset: Option<Offset>) -> Op {
        let offsets =
            vec![crate::protocol::history::FetchedCommittedOffset { topic: "t".into(), partition: 0, offset }];
        Op::CommittedOffsetsFetched {
            consumer: 10_004,
            group: "g".into(),
            requested_ms,
            offsets,
            coordinator: 1,
            stale_coordinator: false,
        }
    }

    #[test]
    fn a_committed_offset_read_below_the_last_acknowledged_one_went_back() {
        // `run` stamps entry i at t=i ms.
        let back = ViolationKind::CommittedOffsetWentBack;
        assert_eq!(kinds(vec![committed(10), fetched(1, Some(5))]), [back]);
        assert_eq!(kinds(vec![committed(10), fetched(1, None)]), [back], "the commit vanished");
        assert_eq!(kinds(vec![committed(10), committed(3), fetched(2, Some(0))]), [back]);
        // Near miss: answered by a broker the metadata no longer named the coordinator (a zombie answers from
        // its own state; Kafka's classic protocol fences no OffsetFetch). Soak seed 10,006,688.
        let zombie = match fetched(1, None) {
            Op::CommittedOffsetsFetched { consumer, group, requested_ms, offsets, coordinator, .. } => {
                Op::CommittedOffsetsFetched {
                    consumer,
                    group,
                    requested_ms,
                    offsets,
                    coordinator,
                    stale_coordinator: true,
                }
            }
            _ => unreachable!(),
        };
        assert_eq!(kinds(vec![committed(10), zombie]), []);
        // Near miss: a commit of 5 sent after the acknowledged one and never answered may be written after it
        // (soak seed 10,049,991); one sent before it, or of another offset, explains nothing.
        let sent = |offset: Offset| Op::OffsetCommitSent {
            consumer: 10_003,
            group: "g".into(),
            offsets: vec![crate::protocol::history::CommittedOffset::new(&tp(), offset, None)],
        };
        assert_eq!(kinds(vec![committed(10), sent(5), fetched(2, Some(5))]), []);
        assert_eq!(kinds(vec![committed(10), sent(4), fetched(2, Some(5))]), [back]);
        // A commit of 5 sent before an acknowledged 10 and never answered may be written after it (adversary
        // 66: its request still travelling).
        let late_ack = commit_as(-1, "", 1, 10, false);
        assert_eq!(kinds(vec![sent(5), late_ack, fetched(2, Some(5))]), []);
        // A stable read of a commit never answered counts as its acknowledgement (adversary 64: read from
        // above a new coordinator's high watermark, then lost in the next failover).
        assert_eq!(kinds(vec![committed(2), sent(15), fetched(2, Some(15)), fetched(4, Some(2))]), [back]);
        // Near misses: read again; a commit of 2 sent since may be written after it; asked before the read.
        assert_eq!(kinds(vec![committed(2), sent(15), fetched(2, Some(15)), fetched(4, Some(15))]), []);
        assert_eq!(kinds(vec![committed(2), sent(15), fetched(2, Some(15)), sent(2), fetched(5, Some(2))]), []);
        assert_eq!(kinds(vec![committed(2), sent(15), fetched(2, Some(15)), fetched(1, Some(2))]), []);
        // Adversary 65: 5 sent (t=0), then 15 (t=1); 15 written first and acknowledged last (t=3): 5 may be
        // the committed offset. Near miss: 15 sent after 5 was acknowledged overwrote it.
        let acked = |sent_ms, offset| commit_as(-1, "", sent_ms, offset, false);
        assert_eq!(kinds(vec![sent(5), sent(15), acked(0, 5), acked(1, 15), fetched(4, Some(5))]), []);
        assert_eq!(kinds(vec![sent(5), acked(0, 5), sent(15), acked(2, 15), fetched(4, Some(5))]), [back]);
        // Adversary 65: a commit of what was read, sent after the read was answered, explains nothing (a lost
        // commit read back as the one before it, then committed again by the reader).
        let again = vec![acked(0, 2), acked(1, 20), fetched(2, Some(2)), sent(2), acked(3, 2)];
        assert_eq!(kinds(again), [back]);
        // An acknowledged attempt is no unanswered one: 2, sent and acknowledged, then 20: a read of 2 went back.
        assert_eq!(kinds(vec![sent(2), acked(0, 2), sent(20), acked(2, 20), fetched(4, Some(2))]), [back]);
        // Adversary 66: a commit of 2 refused before it was written (UNKNOWN_MEMBER_ID), then 20 acknowledged:
        // a read of 2 went back. Near misses: unanswered, or refused in a way that says nothing of the write.
        use crate::error::ErrorCode::UnknownMemberId;
        let refused = |requested_ms| Op::OffsetCommitRefused {
            consumer: 10_003,
            group: "g".into(),
            requested_ms,
            error: UnknownMemberId,
        };
        let after = |refusal| vec![sent(2), refusal, sent(20), acked(2, 20), fetched(4, Some(2))];
        assert_eq!(kinds(after(refused(0))), [back]);
        assert_eq!(kinds(after(refused(1))), [], "another attempt was refused");
        assert_eq!(kinds(vec![sent(2), sent(20), acked(1, 20), fetched(3, Some(2))]), []);
    }

    #[test]
    fn a_commit_sent_before_its_topic_was_deleted_is_deleted_with_it() {
        // Found by the soak (seed 10000512): a commit sent, its topic deleted (the coordinator writes the
        // tombstone after the commit), the commit acknowledged, then a fetch that finds nothing committed.
        let back = ViolationKind::CommittedOffsetWentBack;
        let deleted = || Op::TopicDeleted { topic: "t".into(), topic_id: 1 };
        // `run` stamps entry i at t=i ms: the commit is sent at t=0, the topic deleted at t=1.
        assert_eq!(kinds(vec![deleted(), committed(10), fetched(3, None)]), []);
        assert_eq!(kinds(vec![committed(10), deleted(), fetched(3, None)]), []);
        // Near miss: a commit sent after the deletion (for the topic created again) still counts.
        let after = commit_as(-1, "", 2, 10, false);
        assert_eq!(kinds(vec![deleted(), fetched(0, None), after, fetched(3, None)]), [back]);
    }

    #[test]
    fn a_commit_a_stale_coordinator_wrote_for_the_deleted_topic_is_deleted_with_it() {
        // Found by the soak (seed 10003338): the topic deleted and created again, then a commit sent and
        // acknowledged by a coordinator that had not learned of the deletion yet (it wrote the commit under
        // the old topic id), which it deleted on learning of it: a fetch then finds nothing committed.
        let back = ViolationKind::CommittedOffsetWentBack;
        let under = |topic_id: Option<u64>| {
            let mut commit = commit_as(-1, "", 1, 10, false);
            if let Op::OffsetsCommitted { offsets, .. } = &mut commit {
                offsets[0].topic_id = topic_id;
            }
            commit
        };
        let deleted = || Op::TopicDeleted { topic: "t".into(), topic_id: 1 };
        assert_eq!(kinds(vec![deleted(), fetched(0, None), under(Some(1)), fetched(3, None)]), []);
        // Near misses: written under the new topic's id, or with no id (by time, after the deletion).
        assert_eq!(kinds(vec![deleted(), fetched(0, None), under(Some(2)), fetched(3, None)]), [back]);
        assert_eq!(kinds(vec![deleted(), fetched(0, None), under(None), fetched(3, None)]), [back]);
    }

    fn commit_positions(offset: Offset, explicit: bool) -> Op {
        commit_as(-1, "", 0, offset, explicit)
    }

    #[test]
    fn a_position_moved_by_a_read_of_a_deleted_incarnation_is_not_judged() {
        // Found by the soak (seed 10001462): a consumer prefetched offset 0 of a topic, the topic was deleted
        // and created again, its next poll returned that old record (position 1), and it committed 1 past
        // the new incarnation's offset 0, as Kafka's consumer does with what it prefetched.
        let log = || vec![replica(1, true, 1, &["new"])];
        let ops = |poll: Option<Op>| {
            let mut ops = vec![
                sent(1, &["old"]),
                acked_by(1, &[0], 1),
                Op::TopicDeleted { topic: "t".into(), topic_id: 1 },
                sent(2, &["new"]),
                acked_by(2, &[0], 2),
                commit_positions(0, false),
            ];
            ops.extend(poll);
            ops.push(commit_positions(1, false));
            ops
        };
        let stale = || polled(&[(0, "old", 1)]); // topic id 1, the deleted one
        assert_eq!(run(ops(Some(stale())), log()), []);
        // Near miss: no poll moved it, so the commit skipped the new record unread.
        assert_eq!(run(ops(None), log()), [ViolationKind::CommittedUnread]);
        // The soak's order: the stale poll (t=5), then the commit of 0 that poll's auto-commit had sent as it
        // began (t=5), then the commit of 1.
        let mut soak = ops(None);
        soak.truncate(5);
        soak.extend([stale(), commit_as(-1, "", 5, 0, false), commit_as(-1, "", 7, 1, false)]);
        assert_eq!(run(soak, log()), []);
        // Soak seed 10,036,095: that auto-commit waited for a coordinator (its broker was down) and was sent
        // long after the stale poll, with the positions it took as it began: still before the jump.
        let waited = |positions_ms: u64| {
            let mut commit = commit_as(-1, "", 9, 0, false);
            if let Op::OffsetsCommitted { positions_ms: at, .. } = &mut commit {
                *at = positions_ms;
            }
            commit
        };
        let mut late = ops(None);
        late.truncate(5);
        late.extend([stale(), waited(5), commit_as(-1, "", 10, 1, false)]);
        assert_eq!(run(late, log()), []);
        // Near miss: positions taken after the stale poll (t=5), so the commit of 0 went back and 1 skips.
        let mut after = ops(None);
        after.truncate(5);
        after.extend([stale(), waited(8), commit_as(-1, "", 10, 1, false)]);
        assert_eq!(run(after, log()), [ViolationKind::CommittedUnread]);
    }

    /// Soak seed 10,091,296: a group member committed 0; then a consumer of the same group id with partitions
    /// assigned by hand (its position its own: an auto.offset.reset, a read of a deleted incarnation) committed
    /// 3. Kafka takes both; the second was never a read on from the first. Judged only once that consumer
    /// started from the group's committed offset.
    #[test]
    fn a_commit_is_judged_from_another_consumers_only_if_it_started_there() {
        let log = || vec![replica(1, true, 4, &["a", "b", "c", "d"])];
        let by = |consumer: NodeId, offset: Offset| {
            let mut commit = commit_positions(offset, false);
            if let Op::OffsetsCommitted { consumer: c, .. } = &mut commit {
                *c = consumer;
            }
            commit
        };
        let fetched = Op::CommittedOffsetsFetched {
            consumer: 10_004,
            group: "g".into(),
            requested_ms: 2,
            offsets: vec![crate::protocol::history::FetchedCommittedOffset {
                topic: "t".into(),
                partition: 0,
                offset: Some(0),
            }],
            coordinator: 1,
            stale_coordinator: false,
        };
        let own = vec![sent(1, &["a", "b", "c", "d"]), by(10_003, 0), by(10_004, 3)];
        assert_eq!(run(own, log()), []);
        // Near miss: it read the group's committed 0, then committed 3 without a poll.
        let from_the_group = vec![sent(1, &["a", "b", "c", "d"]), by(10_003, 0), fetched, by(10_004, 3)];
        assert_eq!(run(from_the_group, log()), [ViolationKind::CommittedUnread]);
    }

    #[test]
    fn a_commit_past_a_record_no_poll_returned_is_committed_unread() {
        let log = || vec![replica(1, true, 4, &["a", "b", "c", "d"])];
        let unread = vec![
            sent(1, &["a", "b", "c", "d"]),
            commit_positions(0, false),
            polled(&[(0, "a", 4)]),
            commit_positions(3, false),
        ];
        assert_eq!(run(unread, log()), [ViolationKind::CommittedUnread], "b and c were never returned");
        // Near misses: everything below the commit was returned; a seek moved the position; the
        // application committed an offset of its choosing.
        let read = vec![
            sent(1, &["a", "b", "c", "d"]),
            commit_positions(0, false),
            polled(&[(0, "a", 4), (1, "b", 4), (2, "c", 4)]),
            commit_positions(3, false),
        ];
        assert_eq!(run(read, log()), []);
        let seek = Op::PositionReset {
            consumer: 10_003,
            partitions: vec![tp()],
            reason: crate::protocol::history::ResetReason::Seek,
        };
        let sought = vec![
            sent(1, &["a", "b", "c", "d"]),
            commit_positions(0, false),
            seek,
            polled(&[(2, "c", 4)]),
            commit_positions(3, false),
        ];
        assert_eq!(run(sought, log()), []);
        let chosen = vec![sent(1, &["a", "b", "c", "d"]), commit_positions(0, false), commit_positions(3, true)];
        assert_eq!(run(chosen, log()), []);
        // Found by an adversary: an auto-commit sent before a seek forward and acknowledged after it (`run`
        // stamps entry i at t=i ms) holds a position from before the jump.
        let seek = || Op::PositionReset {
            consumer: 10_003,
            partitions: vec![tp()],
            reason: crate::protocol::history::ResetReason::Seek,
        };
        let late = vec![
            sent(1, &["a", "b", "c", "d"]),
            commit_as(-1, "", 0, 0, false),
            polled(&[(0, "a", 4)]),
            seek(),
            commit_as(-1, "", 2, 1, false),
            polled(&[(3, "d", 4)]),
            commit_as(-1, "", 6, 4, false),
        ];
        assert_eq!(run(late, log()), [], "b and c were skipped by the seek");
        // The near miss: the same commit sent after the seek, and b and c unread since.
        let after = vec![
            sent(1, &["a", "b", "c", "d"]),
            commit_as(-1, "", 0, 0, false),
            polled(&[(0, "a", 4)]),
            seek(),
            commit_as(-1, "", 4, 1, false),
            polled(&[(3, "d", 4)]),
            commit_as(-1, "", 6, 4, false),
        ];
        assert_eq!(run(after, log()), [ViolationKind::CommittedUnread]);
    }

    #[test]
    fn committed_offsets_read_at_or_after_the_last_acknowledged_one_are_fine() {
        assert_eq!(kinds(vec![committed(10), fetched(1, Some(10))]), []);
        assert_eq!(kinds(vec![committed(10), fetched(1, Some(12))]), [], "a commit not yet acknowledged");
        assert_eq!(kinds(vec![committed(10), committed(3), fetched(2, Some(3))]), [], "rewound on purpose");
        assert_eq!(kinds(vec![committed(3), fetched(0, Some(1))]), [], "asked before the commit was acknowledged");
        assert_eq!(
            kinds(vec![committed(10), fetched(2, Some(4)), committed(4)]),
            [],
            "a commit acknowledged after the read was sent may have been what it read"
        );
    }
}
