//! One broker: it hosts partition replicas, answers Produce, Fetch, ListOffsets and Metadata, runs its
//! housekeeping (flush, HW checkpoints, retention, compaction), follows the controllers' metadata log
//! (`lifecycle`) and replicates (`replication`): as leader it serves followers' fetches and keeps the
//! ISR, as follower it fetches from the leader.
//!
//! Requests that cannot be answered yet wait in a purgatory, as in Kafka: a fetch waits up to its
//! `max_wait_ms` for data, and an `acks=all` produce waits for the high watermark to pass its batch.

mod coordinator;
mod housekeeping;
mod lifecycle;
mod partition;
mod replication;

use crate::vec_map::VecMap;
use alloc::string::String;
use alloc::vec::Vec;

use partition::SequenceCheck;
pub use partition::{FollowerState, Partition};

use crate::config::{BrokerConfig, ConfigMap, TopicConfig};
use crate::error::{FranzError, Result};
use crate::log::{ProducerStamp, RecordOrigin};
use crate::metadata::MetadataImage;
use crate::protocol::actor::{TimerName, Timers};
use crate::protocol::message::{
    Acks, Actor, CorrelationId, FetchPartitionResult, FetchedPartition, IsolationLevel, Message, OffsetSpec, Outbox,
    ProducePartition, ProducePartitionResult,
};
use crate::protocol::message::{PartitionMetadata, TopicMetadata};
use crate::protocol::record::BatchRecords;
use crate::protocol::trace::TraceKind;
use crate::types::{NodeId, Offset, TopicId, TopicPartition};
use lifecycle::ControllerChannel;
use replication::{DelayedReplicaFetch, FetchSession, ReplicaFetchSession};

pub use crate::config::{PARTITIONS_PER_TOPIC_MAX, TOPICS_MAX};
/// Kafka's `replica.high.watermark.checkpoint.interval.ms`: how often HWs are written to disk.
pub const HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS: u64 = 5_000;

#[derive(Clone, Debug)]
pub struct Topic {
    /// On disk with each log (Kafka's `partition.metadata`): which incarnation of the name these logs are.
    pub topic_id: TopicId,
    /// The topic's own settings (what `alterTopicConfig` changes).
    pub config_overrides: ConfigMap,
    /// Effective: broker defaults, then the overrides.
    pub config: TopicConfig,
    /// The replicas this broker hosts, by partition number.
    pub partitions: VecMap<u32, Partition>,
}

/// The replicas a broker hosts, by topic. Every mutable access counts as a change (`version`), so that work
/// that depends only on them (parked follower fetches, the partitions' timers) is redone only after one:
/// an idle broker's events (a follower's fetch parked, an empty answer to its own) then cost no pass over
/// every partition. Derived state is checked against a fresh computation under debug assertions.
#[derive(Clone, Debug, Default)]
pub struct HostedTopics {
    topics: VecMap<String, Topic>,
    /// Counts every change.
    version: u64,
    /// Counts the changes that may concern the partitions this broker leads (all but a follower's progress):
    /// what the parked fetches, which only a leader answers, wait on.
    led_version: u64,
    /// The partitions changed one at a time, oldest first, each with the version (and led version) of its
    /// last change, complete since `journal_since` (a version, a led version): a parked fetch is looked at
    /// again only when one of its partitions changed (Kafka's purgatory watches each fetch by partition), and
    /// the timers are computed again only for the partitions that changed. A change of many at once
    /// (metadata, housekeeping) starts it again.
    journal: Vec<JournalEntry>,
    journal_since: (u64, u64),
}

#[derive(Clone, Debug)]
struct JournalEntry {
    version: u64,
    /// `None` while only what no parked fetch waits on changed (a followed partition's progress).
    led_version: Option<u64>,
    tp: TopicPartition,
}

/// More single-partition changes than this in one event count as a change of all (a look at the parked
/// fetches then reads each whole, rather than finding its partitions among the changed).
const JOURNAL_MAX: usize = 4096;

/// Past this many changed partitions, a parked consumer fetch reads whether it has an answer rather than
/// looking for its partitions among the changed.
const CHANGES_SEARCHED_MAX: usize = 64;

impl core::ops::Deref for HostedTopics {
    type Target = VecMap<String, Topic>;

    fn deref(&self) -> &VecMap<String, Topic> {
        &self.topics
    }
}

impl HostedTopics {
    /// The topics, to change: counts as a change.
    fn changing(&mut self) -> &mut VecMap<String, Topic> {
        self.changed();
        &mut self.topics
    }

    /// The topics, to record a follower's progress or a follower's empty answer: the caller calls
    /// [`HostedTopics::changed`] if anything else changed (the logs' offsets, a HW, a flush).
    fn quietly(&mut self) -> &mut VecMap<String, Topic> {
        &mut self.topics
    }

    /// Any of the partitions may have changed.
    fn changed(&mut self) {
        self.version += 1;
        self.led_version += 1;
        self.journal.clear();
        self.journal_since = (self.version, self.led_version);
    }

    /// Only what no parked fetch waits on changed, in any of the partitions (a HW checkpoint).
    fn changed_not_led(&mut self) {
        self.version += 1;
        self.journal_since.0 = self.version;
    }

    /// The topics, to change one partition (led or not) and nothing else: counts as a change of that one.
    fn changing_partition(&mut self, topic: &str, partition: u32) -> &mut VecMap<String, Topic> {
        self.changed_partition(topic, partition);
        &mut self.topics
    }

    fn changed_partition(&mut self, topic: &str, partition: u32) {
        if self.journal.len() >= JOURNAL_MAX {
            return self.changed();
        }
        self.led_version += 1;
        self.journal_partition(topic, partition, Some(self.led_version));
    }

    /// A partition this broker follows moved (what it copied from its leader): no parked fetch waits on it.
    fn changed_partition_not_led(&mut self, topic: &str, partition: u32) {
        if self.journal.len() >= JOURNAL_MAX {
            return self.changed_not_led();
        }
        self.journal_partition(topic, partition, None);
    }

    fn journal_partition(&mut self, topic: &str, partition: u32, led_version: Option<u64>) {
        self.version += 1;
        let version = self.version;
        match self.journal.last_mut() {
            Some(last) if last.tp.partition == partition && last.tp.topic == topic => {
                last.version = version;
                last.led_version = led_version.or(last.led_version);
            }
            _ => {
                let tp = TopicPartition::new(String::from(topic), partition);
                self.journal.push(JournalEntry { version, led_version, tp });
            }
        }
    }

    /// The partitions changed since version `since`, if they are known one by one.
    fn changes_since(&self, since: u64) -> Option<impl Iterator<Item = &TopicPartition> + '_> {
        (since >= self.journal_since.0).then(|| self.journal.iter().filter(move |e| e.version > since).map(|e| &e.tp))
    }

    /// The partitions changed in a way a parked fetch may wait on since led version `since`, if they are
    /// known one by one.
    fn led_changes_since(&self, since: Option<u64>) -> Option<Vec<TopicPartition>> {
        let since = since.filter(|&since| since >= self.journal_since.1)?;
        let changed = self.journal.iter().filter(|e| e.led_version.is_some_and(|led| led > since));
        Some(changed.map(|e| e.tp.clone()).collect())
    }

    /// No one will ask for the changes up to this version and led version any more.
    fn forget_changes_until(&mut self, version: u64, led_version: u64) {
        self.journal.retain(|e| e.version > version || e.led_version.is_some_and(|led| led > led_version));
        self.journal_since = (self.journal_since.0.max(version), self.journal_since.1.max(led_version));
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn led_version(&self) -> u64 {
        self.led_version
    }
}

/// What the broker's timers take from its partitions, kept with the [`HostedTopics::version`] it was
/// computed at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct PartitionTimers {
    version: u64,
    /// The earliest time some log is due for a flush (`flush.ms`).
    flush_due_ms: Option<u64>,
    /// How many HWs moved since their checkpoint.
    checkpoints_due: u32,
    /// How many logs of `delete` topics have records below their HW (retention may delete them).
    retentions_due: u32,
    /// The earliest time some log is due for cleaning.
    cleaning_due_ms: Option<u64>,
    /// How many partitions with followers this broker leads (the ISR check runs while there is one).
    led_with_followers: u32,
    /// The deadlines of unanswered AlterPartition requests, earliest first.
    pending_isr_deadlines_ms: Vec<u64>,
    /// Each partition's part, by topic and partition in order: a change of one partition computes only its
    /// own again.
    by_topic: Vec<Vec<PartitionTimer>>,
}

impl PartitionTimers {
    fn from_partitions(version: u64, by_topic: Vec<Vec<PartitionTimer>>) -> PartitionTimers {
        let mut t = PartitionTimers { version, ..PartitionTimers::default() };
        for p in by_topic.iter().flatten() {
            t.flush_due_ms = earliest(t.flush_due_ms, p.flush_due_ms);
            t.checkpoints_due += u32::from(p.checkpoint_due);
            t.retentions_due += u32::from(p.retention_due);
            t.cleaning_due_ms = earliest(t.cleaning_due_ms, p.cleaning_due_ms);
            t.led_with_followers += u32::from(p.leads_with_followers);
            t.pending_isr_deadlines_ms.extend(p.pending_isr_deadline_ms);
        }
        crate::collect::sort(&mut t.pending_isr_deadlines_ms);
        t.by_topic = by_topic;
        t
    }

    /// One partition's part went from `old` to `new`: the sums follow (a restarted broker's thousands of ISR
    /// changes each summed every partition again: adversary 58). False when an earliest time may have gone with
    /// `old`: then they are summed again.
    fn replace(&mut self, old: &PartitionTimer, new: &PartitionTimer) -> bool {
        let count = |n: &mut u32, old: bool, new: bool| *n = (*n + u32::from(new)) - u32::from(old);
        count(&mut self.checkpoints_due, old.checkpoint_due, new.checkpoint_due);
        count(&mut self.retentions_due, old.retention_due, new.retention_due);
        count(&mut self.led_with_followers, old.leads_with_followers, new.leads_with_followers);
        if old.pending_isr_deadline_ms != new.pending_isr_deadline_ms {
            let deadlines = &mut self.pending_isr_deadlines_ms;
            if let Some(at) = old.pending_isr_deadline_ms {
                if let Ok(i) = deadlines.binary_search(&at) {
                    deadlines.remove(i);
                }
            }
            if let Some(at) = new.pending_isr_deadline_ms {
                deadlines.insert(deadlines.partition_point(|&d| d <= at), at);
            }
        }
        earliest_kept(&mut self.flush_due_ms, old.flush_due_ms, new.flush_due_ms)
            & earliest_kept(&mut self.cleaning_due_ms, old.cleaning_due_ms, new.cleaning_due_ms)
    }
}

fn earliest(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The earliest of times when one of them went from `old` to `new`; false when it was `old` and only a
/// new look at all of them tells the next.
fn earliest_kept(earliest_ms: &mut Option<u64>, old: Option<u64>, new: Option<u64>) -> bool {
    match new {
        _ if old == new => true,
        Some(n) if earliest_ms.is_none_or(|e| n <= e) => {
            *earliest_ms = Some(n);
            true
        }
        _ => old.is_none() || old != *earliest_ms,
    }
}

/// What the broker's timers take from one partition.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct PartitionTimer {
    flush_due_ms: Option<u64>,
    checkpoint_due: bool,
    retention_due: bool,
    cleaning_due_ms: Option<u64>,
    leads_with_followers: bool,
    pending_isr_deadline_ms: Option<u64>,
}

/// Kafka's `metadata.log.max.record.bytes.between.snapshots`, in records: how often a broker writes the
/// metadata image to disk, so that a restart reads only the rest of the log. As in Kafka (20 MiB between
/// snapshots, 8 MiB a fetch), the rest can span several MetadataFetch pages: a broker must not act on the
/// image until it has read them all.
pub const METADATA_SNAPSHOT_INTERVAL_RECORDS: u64 = 5_000;

/// What survives a broker's crash: its disk. A crash drops the broker; a restart builds a new one from
/// this ([`Broker::from_disk`]), so nothing held in memory survives by accident.
#[derive(Clone, Debug)]
pub struct BrokerDisk {
    /// How many times this broker started; the controller tells runs apart by it.
    pub incarnation: u64,
    /// The next producer id to hand out (InitProducerId), unique across restarts and brokers.
    pub next_producer_id: i64,
    /// The newest metadata snapshot: the image at some offset of the metadata log.
    pub metadata_snapshot: MetadataImage,
    /// Each replica's log (with its leader-epoch cache), topic id and HW checkpoint.
    pub replicas: VecMap<TopicPartition, ReplicaDisk>,
}

#[derive(Clone, Debug)]
pub struct ReplicaDisk {
    pub topic_id: TopicId,
    pub log: crate::log::PartitionLog,
    pub high_watermark_checkpoint: Offset,
    /// Kafka's producer snapshot: what the partition knew of idempotent producers, including those whose
    /// records retention has since removed.
    pub producer_snapshot: VecMap<i64, partition::ProducerEntry>,
}

/// A consumer's fetch, parked until some partition has records or an error, or its wait runs out (Kafka's
/// `DelayedFetch` with `fetch.min.bytes=1`).
#[derive(Clone, Debug)]
struct DelayedFetch {
    from: NodeId,
    correlation_id: CorrelationId,
    isolation_level: crate::protocol::message::IsolationLevel,
    deadline_ms: u64,
    partitions: Vec<PartitionFetch>,
}

/// One partition of a consumer's fetch.
#[derive(Clone, Debug)]
struct PartitionFetch {
    tp: TopicPartition,
    topic_id: Option<crate::types::TopicId>,
    current_leader_epoch: i32,
    fetch_offset: Offset,
    max_bytes: usize,
}

/// An `acks=all` produce (or a coordinator's request) parked until the high watermark of each of its partitions
/// reaches the end of its batch (Kafka's `DelayedProduce`): answered once every partition has its answer.
#[derive(Clone, Debug)]
struct DelayedProduce {
    from: NodeId,
    correlation_id: CorrelationId,
    deadline_ms: u64,
    parked: Parked,
    partitions: Vec<PartitionWait>,
}

/// The request a [`DelayedProduce`] answers.
#[derive(Clone, Debug)]
enum Parked {
    Produce,
    /// An OffsetCommit waiting for its records to be replicated (one partition): the topic ids it was
    /// written under.
    OffsetCommit(Vec<(String, TopicId)>),
    /// An OffsetFetch asking for stable offsets (Kafka's consumer always does): its answer, read when it came,
    /// held until the coordinator's writes before it are replicated (Kafka 4 runs it as a write operation
    /// without records).
    OffsetFetch(Vec<(TopicPartition, Option<Offset>)>),
}

/// One partition of a parked produce: the offset its high watermark must reach, and its answer once known.
#[derive(Clone, Debug)]
struct PartitionWait {
    tp: TopicPartition,
    /// The id of the topic whose log took the batch.
    topic_id: Option<TopicId>,
    /// The log's start offset when it took the batch.
    log_start_offset: Offset,
    /// The leader epoch it took the batch in.
    leader_epoch: crate::types::LeaderEpoch,
    base_offset: Offset,
    required_offset: Offset,
    result: Option<Result<Offset>>,
}

impl DelayedProduce {
    fn resolved(&self) -> bool {
        self.partitions.iter().all(|w| w.result.is_some())
    }

    /// The answer, once every partition has its own (replicated, or cannot be).
    fn answer(self, out: &mut Outbox) {
        let DelayedProduce { from, correlation_id, parked, partitions, .. } = self;
        let unanswered = |tp: &TopicPartition| Err(franz_err!(RequestTimedOut, "{tp} was not answered"));
        let coordinator_result = |partitions: Vec<PartitionWait>| match partitions.into_iter().next() {
            Some(w) => w.result.unwrap_or_else(|| unanswered(&w.tp)),
            None => Err(franz_err!(InvalidRequest, "A group request without a partition")),
        };
        match parked {
            Parked::OffsetCommit(topic_ids) => {
                let result = coordinator_result(partitions).map(|_| ()).map_err(coordinator::store_error);
                out.send(from, Message::OffsetCommitResponse { correlation_id, result, topic_ids });
            }
            Parked::OffsetFetch(committed) => {
                let result = match coordinator_result(partitions) {
                    // It wrote nothing of its own, so the ISR's size does not matter.
                    Ok(_) => Ok(committed),
                    Err(e) if e.code == crate::error::ErrorCode::NotEnoughReplicasAfterAppend => Ok(committed),
                    // Kafka's handleOffsetFetchException: NOT_COORDINATOR sends the consumer to look its
                    // coordinator up again (a zombie's, or a moved one).
                    Err(e) => Err(franz_err!(
                        NotCoordinator,
                        "The group's offsets partition did not replicate the writes before this OffsetFetch: {}",
                        e.message
                    )),
                };
                out.send(from, Message::OffsetFetchResponse { correlation_id, result });
            }
            Parked::Produce => {
                let partitions = partitions
                    .into_iter()
                    .map(|w| {
                        let result = w.result.unwrap_or_else(|| unanswered(&w.tp));
                        let TopicPartition { topic, partition } = w.tp;
                        let (log_start_offset, leader_epoch) =
                            if result.is_ok() { (w.log_start_offset, w.leader_epoch) } else { (0, -1) };
                        let topic_id = w.topic_id;
                        ProducePartitionResult { topic, partition, topic_id, result, log_start_offset, leader_epoch }
                    })
                    .collect();
                out.send(from, Message::ProduceResponse { correlation_id, partitions });
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct Broker {
    id: NodeId,
    config: BrokerConfig,
    /// On disk: how many times this broker started; the controller tells runs apart by it.
    incarnation: u64,
    /// On disk: the newest metadata snapshot ([`METADATA_SNAPSHOT_INTERVAL_RECORDS`]).
    metadata_snapshot: MetadataImage,
    /// Memory: the metadata log as far as this broker has read it.
    image: MetadataImage,
    /// Memory: this run has read the metadata log up to the controller's high watermark once. Until
    /// then the image is incomplete (a restart starts from a snapshot), so nothing is published: no log
    /// is created or deleted, no replica leads or follows (Kafka's `MetadataLoader`).
    metadata_published: bool,
    /// Memory: `stopBroker` asked for a controlled shutdown.
    shutdown_requested: bool,
    channel: ControllerChannel,
    /// On disk: the logs. In memory: leadership, ISR and follower progress (rebuilt from metadata).
    topics: HostedTopics,
    /// Memory: the partitions' part of the timers, as of a version of `topics`.
    partition_timers: PartitionTimers,
    /// Memory: the led version of `topics` the parked follower fetches were last checked against.
    replica_fetches_checked_version: Option<u64>,
    /// The hosted partitions' led version when the parked consumer fetches were last looked at.
    fetches_checked_version: Option<u64>,
    delayed_fetches: Vec<DelayedFetch>,
    delayed_produces: Vec<DelayedProduce>,
    /// The topics (and ids) of the last published image, so that the coordinator sees a deletion.
    topic_ids_seen: VecMap<String, crate::types::TopicId>,
    delayed_replica_fetches: Vec<DelayedReplicaFetch>,
    /// As leader: each follower's fetch session (KIP-227).
    replica_fetch_sessions: VecMap<NodeId, ReplicaFetchSession>,
    /// The id of the last fetch session opened here.
    last_replica_fetch_session_id: crate::protocol::message::FetchSessionId,
    /// As follower: the earliest time a fetch may be due (one came back, one timed out, a backoff ended);
    /// before it, and while the partitions followed stay, no fetch is due.
    replica_fetches_due_ms: u64,
    /// As follower: one fetch session per leader broker.
    fetch_sessions: VecMap<NodeId, FetchSession>,
    /// Memory: the partitions this broker's replicas follow, by leader; `None` after anything that may
    /// change a leadership (a published image), until the next look. Read after every event, so kept.
    followed: Option<VecMap<NodeId, Vec<(String, u32)>>>,
    correlation_ids: crate::protocol::message::CorrelationIds,
    last_high_watermark_checkpoint_ms: u64,
    last_retention_check_ms: u64,
    last_offsets_retention_check_ms: u64,
    last_cleaner_run_ms: u64,
    last_isr_check_ms: u64,
    /// The log flusher's schedule: it runs `log.initial.task.delay.ms` after the broker starts, then every
    /// `log.flush.scheduler.interval.ms` at a fixed rate; the next run not yet made.
    log_flusher_first_run_ms: u64,
    log_flusher_next_run_ms: u64,
    /// Memory: the consumer groups this broker coordinates.
    groups: VecMap<String, crate::group::coordinator::Group>,
    /// Memory: how many times each group was deleted in this run (offsets retention): a group created again
    /// hands out member ids of its own (Kafka's carry a random UUID), never one its earlier life handed out.
    groups_deleted: VecMap<String, u32>,
    /// Memory: per `__consumer_offsets` partition, the (incarnation, leader epoch) whose groups were loaded.
    groups_loaded: VecMap<u32, (u64, crate::types::LeaderEpoch)>,
    /// Per offsets partition, its log end when this coordinator term loaded it: Kafka's coordinator loads
    /// every record there (a new leader keeps its whole log), so its offsets are served from then on even
    /// while the partition's high watermark, as the new leader knows it, still lags behind.
    offsets_loaded_through: VecMap<u32, Offset>,
    /// When this broker last asked the controller to create `__consumer_offsets` (at most once a second).
    offsets_topic_requested_ms: Option<u64>,
    /// The CreateTopics for `__consumer_offsets` awaiting the controller's answer, and the last refusal said.
    offsets_topic_request: Option<CorrelationId>,
    offsets_topic_refusal: Option<String>,
    /// On disk: the next producer id to hand out (InitProducerId), unique across restarts and brokers.
    next_producer_id: i64,
}

impl Broker {
    /// A broker process starting for the first time at `now_ms`, with empty disks.
    pub fn new(id: NodeId, controllers: Vec<NodeId>, config: BrokerConfig, now_ms: u64) -> Broker {
        let disk = BrokerDisk {
            incarnation: 0,
            // Each broker hands out its own range (Kafka's controller allocates blocks of ids instead).
            next_producer_id: i64::from(id) << 32,
            metadata_snapshot: MetadataImage::default(),
            replicas: VecMap::new(),
        };
        Broker::from_disk(id, controllers, config, disk, now_ms)
    }

    /// A broker process starting at `now_ms` with `disk`: the logs are recovered as Kafka does (the HW
    /// from its checkpoint, producer state from the log), the metadata image from the snapshot; it then
    /// registers as a new incarnation and reads the rest of the metadata log. Everything else starts empty.
    pub fn from_disk(
        id: NodeId,
        controllers: Vec<NodeId>,
        config: BrokerConfig,
        disk: BrokerDisk,
        now_ms: u64,
    ) -> Broker {
        let BrokerDisk { incarnation, next_producer_id, metadata_snapshot, replicas } = disk;
        let mut topics: VecMap<String, Topic> = VecMap::new();
        for (tp, replica) in replicas {
            let topic = topics.entry(tp.topic.clone()).or_insert_with(|| {
                let overrides = metadata_snapshot.topics.get(&tp.topic).map(|t| t.config.clone()).unwrap_or_default();
                Topic {
                    topic_id: replica.topic_id,
                    config: effective_config(&config, &overrides),
                    config_overrides: overrides,
                    partitions: VecMap::new(),
                }
            });
            topic.partitions.insert(
                tp.partition,
                Partition::from_disk(replica.log, replica.high_watermark_checkpoint, replica.producer_snapshot, now_ms),
            );
        }
        let log_flusher_first_run_ms = now_ms.saturating_add(config.log_initial_task_delay_ms);
        Broker {
            id,
            config,
            incarnation: incarnation + 1,
            image: metadata_snapshot.clone(),
            metadata_snapshot,
            metadata_published: false,
            shutdown_requested: false,
            channel: ControllerChannel::new(controllers),
            topics: HostedTopics { topics, ..HostedTopics::default() },
            partition_timers: PartitionTimers { version: u64::MAX, ..PartitionTimers::default() },
            replica_fetches_checked_version: None,
            fetches_checked_version: None,
            delayed_fetches: Vec::new(),
            delayed_produces: Vec::new(),
            topic_ids_seen: VecMap::new(),
            delayed_replica_fetches: Vec::new(),
            replica_fetch_sessions: VecMap::new(),
            replica_fetches_due_ms: 0,
            last_replica_fetch_session_id: 0,
            fetch_sessions: VecMap::new(),
            followed: None,
            correlation_ids: Default::default(),
            last_high_watermark_checkpoint_ms: now_ms,
            last_retention_check_ms: now_ms,
            last_offsets_retention_check_ms: now_ms,
            last_cleaner_run_ms: now_ms,
            last_isr_check_ms: now_ms,
            log_flusher_first_run_ms,
            log_flusher_next_run_ms: log_flusher_first_run_ms,
            offsets_topic_requested_ms: None,
            offsets_topic_request: None,
            offsets_topic_refusal: None,
            groups: VecMap::new(),
            next_producer_id,
            groups_loaded: VecMap::new(),
            groups_deleted: VecMap::new(),
            offsets_loaded_through: VecMap::new(),
        }
    }

    /// What a crash keeps. With `power_loss`, records not flushed are gone too; returns, per partition that
    /// lost records, how many.
    fn take_disk(&mut self, power_loss: bool) -> (BrokerDisk, Vec<(TopicPartition, u64)>) {
        let mut lost = Vec::new();
        let mut replicas = VecMap::new();
        for (name, topic) in core::mem::take(self.topics.changing()) {
            for (i, p) in topic.partitions {
                let tp = TopicPartition::new(name.clone(), i);
                let mut log = p.log;
                if power_loss && log.unflushed_count() > 0 {
                    lost.push((tp.clone(), log.unflushed_count()));
                    log.lose_unflushed();
                }
                let (high_watermark_checkpoint, producer_snapshot) = (p.high_watermark_checkpoint, p.producers);
                let replica =
                    ReplicaDisk { topic_id: topic.topic_id, log, high_watermark_checkpoint, producer_snapshot };
                replicas.insert(tp, replica);
            }
        }
        let disk = BrokerDisk {
            incarnation: self.incarnation,
            next_producer_id: self.next_producer_id,
            metadata_snapshot: core::mem::take(&mut self.metadata_snapshot),
            replicas,
        };
        (disk, lost)
    }

    pub fn id(&self) -> NodeId {
        self.id
    }

    pub fn topics(&self) -> &VecMap<String, Topic> {
        &self.topics
    }

    pub fn partition(&self, topic: &str, partition: u32) -> Option<&Partition> {
        self.topics.get(topic)?.partitions.get(&partition)
    }

    /// The metadata this broker has applied.
    pub fn metadata(&self) -> &MetadataImage {
        &self.image
    }

    /// The consumer groups this broker coordinates now.
    pub fn groups(&self) -> &VecMap<String, crate::group::coordinator::Group> {
        &self.groups
    }

    /// Which run of this broker this is (each restart is a new one, registered anew).
    pub fn incarnation(&self) -> u64 {
        self.incarnation
    }

    /// This run's broker epoch: the offset of its registration in the metadata log (0 until it has read it).
    fn broker_epoch(&self) -> u64 {
        self.image.brokers.get(&self.id).filter(|r| r.incarnation == self.incarnation).map_or(0, |r| r.broker_epoch)
    }

    /// Whether it would take clients' requests in Kafka: only once it has published the metadata log it read
    /// up to the quorum's high watermark since it started (Kafka's `BrokerServer` enables its listeners only
    /// after that first catch-up). Views count its replicas offline until then, and the world refuses
    /// clients' connections to it.
    pub fn serves_clients(&self) -> bool {
        self.metadata_published
    }

    /// Registered with the controller and unfenced, as the last heartbeat said.
    pub fn is_fenced(&self) -> bool {
        self.channel.fenced
    }

    /// The process dies at `now_ms`: memory is gone (purgatories, metadata, leadership, follower progress,
    /// groups). What stays is a broker built from its disk, inert until [`Broker::restart`]. With
    /// `power_loss`, every record not flushed is gone too. Returns, per partition that lost records, how many.
    pub fn crash(&mut self, power_loss: bool, now_ms: u64) -> Vec<(TopicPartition, u64)> {
        let (disk, lost) = self.take_disk(power_loss);
        let controllers = self.channel.controllers().to_vec();
        *self = Broker::from_disk(self.id, controllers, self.config.clone(), disk, now_ms);
        lost
    }

    /// The process starts again (on the disk a crash left, as a new incarnation): its clocks start now.
    pub fn restart(&mut self, now_ms: u64) {
        self.last_high_watermark_checkpoint_ms = now_ms;
        self.last_retention_check_ms = now_ms;
        self.last_offsets_retention_check_ms = now_ms;
        self.last_cleaner_run_ms = now_ms;
        self.last_isr_check_ms = now_ms;
        self.log_flusher_first_run_ms = now_ms.saturating_add(self.config.log_initial_task_delay_ms);
        self.log_flusher_next_run_ms = self.log_flusher_first_run_ms;
        for p in self.topics.changing().values_mut().flat_map(|t| t.partitions.values_mut()) {
            p.last_flush_ms = now_ms;
        }
    }

    fn leader_partition(&self, tp: &TopicPartition) -> Result<(&Partition, &TopicConfig)> {
        // Kafka's getPartitionOrError: a partition the metadata knows is elsewhere (the client's metadata is
        // stale); one it does not know is unknown.
        let elsewhere = || {
            let known = self.image.topics.get(&tp.topic).is_some_and(|t| (tp.partition as usize) < t.partitions.len());
            match known {
                true => franz_err!(NotLeaderOrFollower, "Broker {} is not a replica of {tp}", self.id),
                false => franz_err!(UnknownTopicOrPartition, "This server does not host {tp}"),
            }
        };
        let Some(t) = self.topics.get(&tp.topic) else { return Err(elsewhere()) };
        let Some(p) = t.partitions.get(&tp.partition) else { return Err(elsewhere()) };
        if p.leader != self.id {
            return Err(franz_err!(NotLeaderOrFollower, "Broker {} is not the leader of {tp}", self.id));
        }
        Ok((p, &t.config))
    }

    fn leader_partition_mut(&mut self, tp: &TopicPartition) -> Result<(&mut Partition, &TopicConfig)> {
        self.leader_partition(tp)?; // the checks and their messages
        let found = self
            .topics
            .changing_partition(&tp.topic, tp.partition)
            .get_mut(&tp.topic)
            .and_then(|Topic { config, partitions, .. }| partitions.get_mut(&tp.partition).map(|p| (p, &*config)));
        found.ok_or_else(|| franz_err!(UnknownTopicOrPartition, "This server does not host {tp}"))
    }

    /// Validates and appends a produce batch; returns its base offset and the offset the HW must reach.
    fn append(
        &mut self,
        tp: &TopicPartition,
        acks: Acks,
        (producer, origin): (ProducerStamp, Option<RecordOrigin>),
        records: BatchRecords,
        now_ms: u64,
        out: &mut Outbox,
    ) -> Result<(Offset, Offset)> {
        let id = self.id;
        let (p, config) = self.leader_partition_mut(tp)?;
        check_timestamps(&records, now_ms, config, tp)?;
        if records.is_empty() {
            return Err(franz_err!(InvalidRecord, "A produce request must carry at least one record"));
        }
        if config.cleanup_policy_compact && records.any_null_key() {
            return Err(franz_err!(
                InvalidRecord,
                "Compacted topic cannot accept message without key in topic partition {tp}."
            ));
        }
        // Kafka compares the whole batch, its header included (`sizeInBytes`), with max.message.bytes.
        let batch_bytes = crate::protocol::record::BATCH_OVERHEAD_BYTES + records.size_bytes(0..records.len());
        if batch_bytes as i64 > config.max_message_bytes {
            return Err(franz_err!(
                MessageTooLarge,
                "The record batch size in the append to {tp} is {batch_bytes} bytes which exceeds the maximum \
                 configured value of {} (max.message.bytes of topic {})",
                config.max_message_bytes,
                tp.topic
            ));
        }
        // Kafka's `UnifiedLog.append`: a batch must fit in one segment (an adversary: Franz took one larger).
        if batch_bytes as i64 > config.segment_bytes {
            return Err(franz_err!(
                RecordListTooLarge,
                "Message batch size is {batch_bytes} bytes in append to partition {tp} which exceeds the maximum \
                 configured segment size of {} (segment.bytes)",
                config.segment_bytes
            ));
        }
        let min_isr = min_isr(config, p);
        if acks == Acks::All && p.isr.len() < min_isr {
            return Err(franz_err!(
                NotEnoughReplicas,
                "The ISR of {tp} has {} replica(s), fewer than min.insync.replicas ({min_isr})",
                p.isr.len()
            ));
        }
        let count = records.len() as Offset;
        let idempotent = producer.producer_id >= 0;
        if idempotent {
            match p.check_sequence(producer, records.len())? {
                SequenceCheck::Duplicate(base_offset) => return Ok((base_offset, base_offset + count)), // a retry
                SequenceCheck::NextOfForgottenProducer => out.trace(TraceKind::UnknownProducerSequenceTaken {
                    topic: tp.topic.clone(),
                    partition: tp.partition,
                    producer_id: producer.producer_id,
                    base_sequence: producer.base_sequence,
                }),
                SequenceCheck::Next => {}
            }
        }
        let base_offset = p.log.append(records, p.leader_epoch, producer, origin, now_ms, config);
        if idempotent {
            p.remember_batch(producer, count as usize, base_offset);
        }
        p.flush_if_messages_due(now_ms, config);
        let leader_epoch = p.leader_epoch;
        let new_hw = p.maybe_advance_high_watermark(id, min_isr);
        let (topic, partition) = (tp.topic.clone(), tp.partition);
        out.trace(TraceKind::RecordsAppended { topic: topic.clone(), partition, base_offset, count, leader_epoch });
        if let Some(high_watermark) = new_hw {
            out.trace(TraceKind::HighWatermarkAdvanced { topic, partition, high_watermark });
        }
        Ok((base_offset, base_offset + count))
    }

    /// Each partition's batch is appended on its own (one refused does not stop the others); with acks=all
    /// the answer waits until every appended batch is replicated.
    fn on_produce(&mut self, now_ms: u64, from: NodeId, request: ProduceArgs, out: &mut Outbox) {
        let ProduceArgs { correlation_id, acks, timeout_ms, partitions } = request;
        let mut waits = Vec::with_capacity(partitions.len());
        for ProducePartition { topic, topic_id: asked, partition, producer, records, origin } in partitions {
            let tp = TopicPartition { topic, partition };
            let topic_id = self.topics.get(&tp.topic).map(|t| t.topic_id);
            // A batch addressed to another incarnation of the topic (deleted and created again) is not this
            // log's: taken here, a retry of it could land in both (soak seed 10,041,315).
            let appended = match (asked, topic_id) {
                // Only the cluster writes its internal topics (Kafka's `appendToLocalLog`: a client's Produce
                // may not; a forged commit record would move a group's offsets once its coordinator moves).
                _ if crate::types::is_internal_topic(&tp.topic) => {
                    Err(franz_err!(InvalidTopicException, "Cannot append to internal topic {}", tp.topic))
                }
                (Some(asked), Some(held)) if asked != held => Err(franz_err!(
                    UnknownTopicId,
                    "{tp}: topic id {asked} is not the topic this broker holds under that name (deleted, and \
                     created again?)"
                )),
                _ => self.append(&tp, acks, (producer, origin), records, now_ms, out),
            };
            let (base_offset, required_offset, result) = match appended {
                Ok((base, required)) if acks == Acks::All => (base, required, None),
                Ok((base, required)) => (base, required, Some(Ok(base))),
                Err(e) => (0, 0, Some(Err(e))),
            };
            let held = self.partition(&tp.topic, tp.partition);
            let (log_start_offset, leader_epoch) = held.map_or((0, -1), |p| (p.log.log_start_offset(), p.leader_epoch));
            waits.push(PartitionWait {
                tp,
                topic_id,
                log_start_offset,
                leader_epoch,
                base_offset,
                required_offset,
                result,
            });
        }
        // acks=0: nothing answers, so a refused batch closes the connection, as Kafka's broker does, for the
        // producer to ask for metadata again.
        if acks == Acks::None && waits.iter().any(|w| matches!(w.result, Some(Err(_)))) {
            out.send(from, Message::Disconnected { correlation_id: None });
        }
        if acks != Acks::None {
            let deadline_ms = now_ms.saturating_add(timeout_ms);
            let delayed =
                DelayedProduce { from, correlation_id, deadline_ms, parked: Parked::Produce, partitions: waits };
            match delayed.resolved() {
                true => delayed.answer(out),
                false => self.delayed_produces.push(delayed),
            }
        }
        self.complete_delayed(now_ms, out);
    }

    /// The partition a consumer's fetch reads and the offset its read stops below, or why it cannot read.
    fn fetch_bounds(&self, fetch: &PartitionFetch, isolation_level: IsolationLevel) -> Result<(&Partition, Offset)> {
        let (p, _) = self.leader_partition(&fetch.tp)?;
        let topic_id = self.topics.get(&fetch.tp.topic).map(|t| t.topic_id);
        if let Some(asked) = fetch.topic_id.filter(|&asked| Some(asked) != topic_id) {
            return Err(franz_err!(
                UnknownTopicId,
                "{}: topic id {asked} is not the topic this broker holds under that name (deleted, and created again?)",
                fetch.tp
            ));
        }
        if fetch.current_leader_epoch >= 0 {
            check_leader_epoch(&fetch.tp, p, fetch.current_leader_epoch)?;
        }
        // Consumers read only below the high watermark (read_uncommitted) or the last stable offset
        // (read_committed), which is the HW while there are no transactions.
        let upper = match isolation_level {
            IsolationLevel::ReadUncommitted => p.high_watermark,
            IsolationLevel::ReadCommitted => p.last_stable_offset(),
        };
        Ok((p, upper))
    }

    fn read(&self, fetch: &PartitionFetch, isolation_level: IsolationLevel) -> Result<FetchedPartition> {
        let (p, upper) = self.fetch_bounds(fetch, isolation_level)?;
        let records = p.log.read(fetch.fetch_offset, upper, fetch.max_bytes)?;
        Ok(FetchedPartition {
            high_watermark: p.high_watermark,
            leader_epoch: p.leader_epoch,
            topic_id: self.topics.get(&fetch.tp.topic).map(|t| t.topic_id),
            log_start_offset: p.log.log_start_offset(),
            records,
        })
    }

    /// Whether a read of this partition would give records or an error, checked without reading.
    fn has_answer(&self, fetch: &PartitionFetch, isolation_level: IsolationLevel) -> bool {
        match self.fetch_bounds(fetch, isolation_level) {
            Ok((p, upper)) => !p.log.read_is_empty(fetch.fetch_offset, upper),
            Err(_) => true,
        }
    }

    /// The partitions of the fetch with records or an error, read (Kafka answers at once when there is one).
    /// The others are left out, as a fetch session's incremental answer leaves out the partitions with
    /// nothing new (KIP-227): the consumer asks for them again in its next fetch.
    fn answers(&self, fetch: &DelayedFetch) -> Vec<(usize, Result<FetchedPartition>)> {
        let answered = fetch.partitions.iter().enumerate().filter(|(_, f)| self.has_answer(f, fetch.isolation_level));
        let read = answered.map(|(i, f)| (i, self.read(f, fetch.isolation_level)));
        read.filter(|(_, r)| !matches!(r, Ok(data) if data.records.is_empty())).collect()
    }

    fn on_fetch(&mut self, now_ms: u64, fetch: DelayedFetch, out: &mut Outbox) {
        match self.answers(&fetch) {
            answers if answers.is_empty() && fetch.deadline_ms > now_ms => self.delayed_fetches.push(fetch),
            answers => respond_fetch(fetch, answers, out),
        }
    }

    /// Answers every parked request that can be answered now: data arrived, HW passed, or time ran out.
    fn complete_delayed(&mut self, now_ms: u64, out: &mut Outbox) {
        // Kafka's DelayedFetch.tryComplete: a parked fetch is read again only when it has something to
        // answer (an error, or a record below its bound) or its wait ended. Its answer depends on its
        // partitions alone (a parked fetch met no error), so only those that changed since the last look
        // are looked at (all of them when what changed is not known partition by partition).
        let version = self.topics.led_version();
        let changed = self.topics.led_changes_since(self.fetches_checked_version);
        self.fetches_checked_version = Some(version);
        // In place: most parked requests stay parked, and taking the list out to push them back made it grow
        // again from nothing at every look (a tenth of an idle cluster's time).
        let mut i = 0;
        while i < self.delayed_fetches.len() {
            let fetch = &self.delayed_fetches[i];
            let due = now_ms >= fetch.deadline_ms;
            let touched = changed.as_ref().is_none_or(|changed| {
                changed.len() > CHANGES_SEARCHED_MAX || fetch.partitions.iter().any(|f| changed.contains(&f.tp))
            });
            let has_answer = || fetch.partitions.iter().any(|f| self.has_answer(f, fetch.isolation_level));
            if !due && (!touched || !has_answer()) {
                debug_assert!(
                    !has_answer()
                        && fetch.partitions.iter().all(|f| {
                            matches!(self.read(f, fetch.isolation_level), Ok(data) if data.records.is_empty())
                        }),
                    "a parked fetch has an answer it was not given"
                );
                i += 1;
                continue;
            }
            let answers = self.answers(fetch);
            if answers.is_empty() && !due {
                i += 1;
                continue;
            }
            respond_fetch(self.delayed_fetches.remove(i), answers, out);
        }
        let mut i = 0;
        while i < self.delayed_produces.len() {
            let due = now_ms >= self.delayed_produces[i].deadline_ms;
            for j in 0..self.delayed_produces[i].partitions.len() {
                let wait = &self.delayed_produces[i].partitions[j];
                if wait.result.is_none() {
                    let result = self.produce_wait_result(wait, due);
                    self.delayed_produces[i].partitions[j].result = result;
                }
            }
            match self.delayed_produces[i].resolved() {
                true => self.delayed_produces.remove(i).answer(out),
                false => i += 1,
            }
        }
        self.complete_group_stores(now_ms, out);
        self.complete_replica_fetches(now_ms, out);
    }

    /// A parked partition's answer, once it has one: replicated to its offset, or why it cannot be.
    fn produce_wait_result(&self, wait: &PartitionWait, due: bool) -> Option<Result<Offset>> {
        let tp = &wait.tp;
        let state = self.topics.get(&tp.topic).and_then(|t| {
            let p = t.partitions.get(&tp.partition)?;
            // Kafka's checkEnoughReplicasReachOffset: judged against the maximal ISR.
            Some((p.high_watermark, p.leader == self.id, p.maximal_isr().count() >= min_isr(&t.config, p)))
        });
        match state {
            // Kafka's getPartitionOrError: a partition still in the metadata moved away (a reassignment
            // removed this replica), and the producer retries with the new leader.
            None if self.image.topics.get(&tp.topic).is_some_and(|t| (tp.partition as usize) < t.partitions.len()) => {
                Some(Err(franz_err!(NotLeaderOrFollower, "Broker {} is no longer a replica of {tp}", self.id)))
            }
            None => Some(Err(franz_err!(UnknownTopicOrPartition, "{tp} was deleted"))),
            Some((_, false, _)) => {
                Some(Err(franz_err!(NotLeaderOrFollower, "Broker {} is no longer the leader of {tp}", self.id)))
            }
            Some((hw, true, enough)) if hw >= wait.required_offset => Some(if enough {
                Ok(wait.base_offset)
            } else {
                Err(franz_err!(
                    NotEnoughReplicasAfterAppend,
                    "The batch is in the log of {tp}, but the ISR shrank below min.insync.replicas"
                ))
            }),
            _ if due => Some(Err(franz_err!(
                RequestTimedOut,
                "The high watermark of {tp} did not reach offset {} within the request's timeout",
                wait.required_offset
            ))),
            _ => None,
        }
    }

    fn list_offsets(&self, tp: &TopicPartition, spec: OffsetSpec) -> Result<Offset> {
        let (p, _) = self.leader_partition(tp)?;
        Ok(match spec {
            OffsetSpec::Earliest => p.log.log_start_offset(),
            OffsetSpec::Latest => {
                // KIP-207: a new leader learns the HW from its followers; until it passes the start of its
                // epoch, its HW may be older than the one its predecessor gave out.
                if p.leader_epoch_start_offset.is_some_and(|start| p.high_watermark < start) {
                    return Err(franz_err!(
                        OffsetNotAvailable,
                        "The leader of {tp} has not caught its high watermark up to its epoch's start yet; retry"
                    ));
                }
                p.high_watermark
            }
        })
    }

    /// Answers a client's Metadata request from the metadata image.
    fn topic_metadata(&self, topics: &[String]) -> Vec<TopicMetadata> {
        topics
            .iter()
            .map(|name| TopicMetadata {
                name: name.clone(),
                topic_id: self.image.topics.get(name).map(|t| t.topic_id),
                partitions: match self.image.topics.get(name) {
                    Some(t) => Ok(t
                        .partitions
                        .iter()
                        .enumerate()
                        .map(|(i, p)| PartitionMetadata {
                            partition: i as u32,
                            leader: p.leader,
                            leader_epoch: p.leader_epoch,
                            replicas: p.replicas.clone(),
                            isr: p.isr.clone(),
                        })
                        .collect()),
                    None => Err(FranzError::new(
                        crate::error::ErrorCode::UnknownTopicOrPartition,
                        alloc::format!("Topic {name} does not exist (auto.create.topics.enable is false in Franz)"),
                    )),
                },
            })
            .collect()
    }
}

/// KIP-320: a fetch names the leader epoch its sender knows. An older one is fenced (its sender must
/// refresh its metadata); a newer one is not known here yet (this broker must catch up first).
fn check_leader_epoch(tp: &TopicPartition, p: &Partition, known: crate::types::LeaderEpoch) -> Result<()> {
    if known < p.leader_epoch {
        return Err(franz_err!(
            FencedLeaderEpoch,
            "The request names leader epoch {known} of {tp}; the leader is at epoch {}",
            p.leader_epoch
        ));
    }
    if known > p.leader_epoch {
        return Err(franz_err!(UnknownLeaderEpoch, "Leader epoch {known} of {tp} is not known here yet"));
    }
    Ok(())
}

/// `message.timestamp.type`: `LogAppendTime` stamps each record with the leader's clock; `CreateTime` keeps
/// the producer's, if within `message.timestamp.before.max.ms` / `after.max.ms` of the leader's clock.
/// With `CreateTime`, each record's timestamp must lie within the topic's window around the broker's clock;
/// with `LogAppendTime` the log stamps its own.
fn check_timestamps(records: &BatchRecords, now_ms: u64, config: &TopicConfig, tp: &TopicPartition) -> Result<()> {
    let now = now_ms as i64;
    if config.log_append_time {
        return Ok(());
    }
    let earliest = now.saturating_sub(config.message_timestamp_before_max_ms);
    let latest = now.saturating_add(config.message_timestamp_after_max_ms);
    match records.timestamps_ms().find(|&t| t < earliest || t > latest) {
        Some(timestamp_ms) => {
            let allowed = match config.message_timestamp_before_max_ms {
                i64::MAX => alloc::format!("up to {latest}"),
                _ => alloc::format!("[{earliest}, {latest}]"),
            };
            Err(franz_err!(
                InvalidTimestamp,
                "Timestamp {timestamp_ms} of a record for {tp} is out of range: the broker's clock is {now} ms \
                 since 1970 (a cluster's clock starts at its clockStartMs, 0 unless given), and \
                 message.timestamp.before.max.ms / after.max.ms allow {allowed}"
            ))
        }
        None => Ok(()),
    }
}

/// A topic's effective config: the broker's defaults, then the topic's overrides (refused ones fall back to
/// the defaults: the controller validated them).
fn effective_config(config: &BrokerConfig, overrides: &ConfigMap) -> TopicConfig {
    let mut merged = config.topic_defaults.clone();
    merged.extend(overrides.iter().map(|(k, v)| (k.clone(), v.clone())));
    TopicConfig::parse(&merged).unwrap_or_default()
}

/// Kafka's effective minimum ISR: `min.insync.replicas`, but never more than the replicas there are.
fn min_isr(config: &TopicConfig, p: &Partition) -> usize {
    min_isr_of(config.min_insync_replicas, p)
}

fn min_isr_of(min_insync_replicas: i64, p: &Partition) -> usize {
    crate::config::effective_min_insync_replicas(min_insync_replicas, p.replicas.len())
}

struct ProduceArgs {
    correlation_id: CorrelationId,
    acks: Acks,
    timeout_ms: u64,
    partitions: Vec<ProducePartition>,
}

fn respond_fetch(fetch: DelayedFetch, answers: Vec<(usize, Result<FetchedPartition>)>, out: &mut Outbox) {
    let mut asked = fetch.partitions;
    let partitions = answers
        .into_iter()
        .map(|(i, result)| {
            let (topic, partition) = (core::mem::take(&mut asked[i].tp.topic), asked[i].tp.partition);
            FetchPartitionResult { topic, partition, result }
        })
        .collect();
    out.send(fetch.from, Message::FetchResponse { correlation_id: fetch.correlation_id, partitions });
}

impl Actor for Broker {
    fn awaits_answer_from(&self, node: NodeId) -> bool {
        self.fetching_from(node) || self.channel.awaits(node)
    }

    fn on_message(&mut self, now_ms: u64, from: NodeId, message: Message, out: &mut Outbox) {
        self.run_log_flusher(now_ms);
        match message {
            Message::AdminRequest { correlation_id, .. } => {
                let result = Err(franz_err!(
                    NotController,
                    "Broker {} is not a controller: send admin requests to the active controller",
                    self.id
                ));
                out.send(from, Message::AdminResponse { correlation_id, result });
            }
            Message::MetadataRequest { correlation_id, topics } => {
                let topics = self.topic_metadata(&topics);
                let brokers = self.image.live_brokers();
                out.send(from, Message::MetadataResponse { correlation_id, brokers, topics });
            }
            Message::ProduceRequest { correlation_id, acks, timeout_ms, partitions } => {
                self.on_produce(now_ms, from, ProduceArgs { correlation_id, acks, timeout_ms, partitions }, out);
            }
            Message::InitProducerIdRequest { correlation_id } => {
                let producer_id = self.next_producer_id;
                self.next_producer_id += 1;
                out.send(from, Message::InitProducerIdResponse { correlation_id, result: Ok((producer_id, 0)) });
            }
            Message::FetchRequest { correlation_id, max_wait_ms, isolation_level, partitions } => {
                let partitions = partitions
                    .into_iter()
                    .map(|p| PartitionFetch {
                        topic_id: p.topic_id,
                        tp: TopicPartition::new(p.topic, p.partition),
                        current_leader_epoch: p.current_leader_epoch,
                        fetch_offset: p.fetch_offset,
                        max_bytes: p.max_bytes,
                    })
                    .collect();
                let deadline_ms = now_ms.saturating_add(max_wait_ms);
                let fetch = DelayedFetch { from, correlation_id, isolation_level, deadline_ms, partitions };
                self.on_fetch(now_ms, fetch, out);
            }
            Message::ListOffsetsRequest { correlation_id, partitions, spec } => {
                let partitions = partitions
                    .into_iter()
                    .map(|tp| {
                        let result = self.list_offsets(&tp, spec);
                        (tp, result)
                    })
                    .collect();
                out.send(from, Message::ListOffsetsResponse { correlation_id, partitions });
            }
            Message::ReplicaFetchRequest(fetch) => self.on_replica_fetch(now_ms, from, fetch, out),
            Message::ReplicaFetchResponse { correlation_id, session, partitions } => {
                self.on_replica_fetch_response(now_ms, from, correlation_id, session, partitions, out);
            }
            Message::AlterPartitionResponse { correlation_id, topic, partition, result } => {
                self.on_alter_partition_response(now_ms, from, correlation_id, &topic, partition, result, out);
            }
            Message::BrokerRegistrationResponse { correlation_id, result } => {
                self.on_registration_response(now_ms, from, correlation_id, result, out);
            }
            Message::BrokerHeartbeatResponse { correlation_id, result } => {
                self.on_heartbeat_response(now_ms, from, correlation_id, result);
            }
            Message::Disconnected { correlation_id } => {
                if self.channel.controllers().contains(&from) {
                    self.controller_unreachable(now_ms, from, correlation_id);
                } else {
                    self.leader_unreachable(now_ms, from, correlation_id);
                }
            }
            Message::MetadataFetchResponse { correlation_id, result, current_leader } => {
                self.on_metadata_fetch_response(now_ms, from, correlation_id, result, current_leader, out);
            }
            Message::FindCoordinatorRequest { correlation_id, group_id } => {
                let result = self.find_coordinator(now_ms, &group_id, out);
                out.send(from, Message::FindCoordinatorResponse { correlation_id, result });
            }
            Message::OffsetFetchRequest { correlation_id, group_id, partitions } => {
                self.on_offset_fetch(now_ms, from, correlation_id, &group_id, &partitions, out);
            }
            Message::JoinGroupRequest { .. }
            | Message::SyncGroupRequest { .. }
            | Message::HeartbeatRequest { .. }
            | Message::LeaveGroupRequest { .. }
            | Message::OffsetCommitRequest { .. } => self.on_group_request(now_ms, from, message, out),
            Message::AdminResponse { correlation_id, result } => {
                self.on_offsets_topic_created(correlation_id, result, out)
            }
            // Responses are for clients, Raft is for controllers, the rest for controllers too: a broker
            // ignores a stray one.
            _ => {}
        }
        self.complete_delayed(now_ms, out);
        self.drive(now_ms, out);
        self.refresh_partition_timers();
    }

    fn on_timer(&mut self, now_ms: u64, out: &mut Outbox) {
        self.run_log_flusher(now_ms);
        self.on_housekeeping(now_ms, out);
        self.tick_groups(now_ms, out);
        self.check_isr(now_ms, out);
        self.complete_delayed(now_ms, out);
        self.drive(now_ms, out);
        self.refresh_partition_timers();
    }

    fn timers(&self, timers: &mut Timers) {
        timers.set_all(TimerName::FetchMaxWait, self.delayed_fetches.iter().map(|f| f.deadline_ms));
        timers.set_all(TimerName::ProduceTimeout, self.delayed_produces.iter().map(|p| p.deadline_ms));
        timers.set_all(TimerName::ReplicaFetchWaitMax, self.delayed_replica_fetches.iter().map(|f| f.deadline_ms));
        let fresh;
        let partitions = if self.partition_timers.version == self.topics.version() {
            debug_assert_eq!(self.partition_timers, self.compute_partition_timers(), "kept timers are current");
            &self.partition_timers
        } else {
            fresh = self.compute_partition_timers();
            &fresh
        };
        self.housekeeping_timers(partitions, timers);
        self.channel.timers(timers);
        self.replication_timers(partitions, timers);
        for group in self.groups.values() {
            group.timers(timers);
        }
    }
}

#[cfg(test)]
mod tests;
