//! The producer: partitions records (explicit partition, murmur2 of the key, or sticky for null keys),
//! sends one Produce request per partition to its leader, retries what failed for a retriable reason
//! (after `retry.backoff.ms`, until `delivery.timeout.ms`), and reports each record's offset.
//!
//! The idempotent producer (`enable.idempotence`, with `acks=all`) gets a producer id from a broker and
//! numbers each partition's batches; a retried batch keeps its numbers, so the broker can recognise a batch
//! it already has and answer with the original offset instead of appending it twice. Without it, a retry
//! after a lost response writes the records again: a duplicate, as in Kafka.
//!
//! Records wait in Kafka's record accumulator: per partition, a batch collects records (from one send or
//! several) until `batch.size` bytes or `linger.ms` pass, and goes when its leader has fewer than
//! `max.in.flight.requests.per.connection` requests out. A batch is sent, retried and numbered as one.

use crate::vec_map::{IdMap, VecMap};
use alloc::string::String;
use alloc::vec::Vec;
use rand_pcg::Pcg32;

use super::metadata::MetadataCache;
use super::{Bootstrap, RETRY_BACKOFF_MAX_MS, RETRY_BACKOFF_MS};
use crate::error::ErrorCode;
use crate::error::{FranzError, Result};
use crate::log::{BatchOrigin, ProducerStamp};
use crate::partitioner::{partition_for_key, StickyPartitioner};
use crate::protocol::actor::{InFlight, TimerName, Timers};
use crate::protocol::history::{AckedRecord, Op, SentRecord};
use crate::protocol::message::{Acks, Actor, CorrelationId, Message, Outbox, ProducePartition, ProducePartitionResult};
use crate::protocol::record::{BatchRecords, RecordOrigin, RecordParts, NO_PRODUCER_ID};
use crate::protocol::trace::TraceKind;
use crate::types::{NodeId, Offset, ProducerRecord, TopicId, TopicPartition, NO_NODE};

/// Franz's bound on records in one `send` call.
pub const RECORDS_PER_SEND_MAX: usize = 10_000;
/// The bytes one send may carry: Kafka's default `buffer.memory`. Kafka's producer would block the caller
/// until that much had drained; Franz's send keeps a partition's records in one batch, so it refuses more.
pub const SEND_BYTES_MAX: usize = 32 * 1024 * 1024;

/// The refusal of a send of more than [`RECORDS_PER_SEND_MAX`] records (here, and by the JS API before it
/// copies them).
pub fn too_many_records_in_a_send(count: usize) -> crate::error::FranzError {
    franz_err!(RecordListTooLarge, "A send carries at most {RECORDS_PER_SEND_MAX} records; this one has {count}")
}

/// Kafka's estimate of a record alone in a batch (`AbstractRecords.estimateSizeInBytesUpperBound`: a batch
/// header, `DefaultRecord.MAX_RECORD_OVERHEAD`, and each field's length as a varint).
pub fn serialized_size_upper_bound_bytes(record: &ProducerRecord) -> usize {
    let varint = |n: usize| {
        let zigzag = (n as u64) << 1;
        (64 - (zigzag | 1).leading_zeros() as usize).div_ceil(7)
    };
    let field = |len: Option<usize>| len.map_or(1, |n| varint(n) + n); // null: the varint of -1
    let headers: usize =
        record.headers.iter().map(|h| field(Some(h.key.len())) + field(h.value.as_ref().map(|v| v.len()))).sum();
    crate::protocol::record::BATCH_OVERHEAD_BYTES
        + crate::types::RECORD_OVERHEAD_BYTES
        + field(record.key.as_ref().map(|k| k.len()))
        + field(record.value.as_ref().map(|v| v.len()))
        + varint(record.headers.len())
        + headers
}

/// KafkaProducer's `ensureValidRecordSize`: a record that could not go even alone in a request, or in the
/// producer's buffer (`buffer.memory`, Franz's [`SEND_BYTES_MAX`]), fails before it is sent
/// (RecordTooLargeException: MESSAGE_TOO_LARGE). `None`: more than `SEND_BYTES_MAX` (the JS API stops
/// counting there).
pub fn record_too_large(
    serialized_bytes: Option<usize>,
    max_request_size_bytes: usize,
) -> Option<crate::error::FranzError> {
    // Not counted to the end: more than the buffer, which is what is known.
    let bytes = serialized_bytes.unwrap_or(SEND_BYTES_MAX + 1);
    let size =
        || serialized_bytes.map_or_else(|| alloc::format!("more than {SEND_BYTES_MAX}"), |b| alloc::format!("{b}"));
    if bytes > max_request_size_bytes {
        return Some(franz_err!(
            MessageTooLarge,
            "The message is {} bytes when serialized which is larger than {max_request_size_bytes}, which is the value \
             of the max.request.size configuration.",
            size()
        ));
    }
    (bytes > SEND_BYTES_MAX).then(|| {
        franz_err!(
            MessageTooLarge,
            "The message is {} bytes when serialized which is larger than the total memory buffer you have \
             configured with the buffer.memory configuration ({SEND_BYTES_MAX} bytes in Franz).",
            size()
        )
    })
}

/// The refusal of a send of more than [`SEND_BYTES_MAX`] bytes in all (the JS API stops counting at the bound).
pub fn too_many_bytes_in_a_send() -> crate::error::FranzError {
    franz_err!(
        RecordListTooLarge,
        "A send carries at most {SEND_BYTES_MAX} bytes (Kafka's default buffer.memory); this one has more"
    )
}
/// Franz's bound on sends awaiting an answer, per producer (Kafka bounds it by `buffer.memory`).
pub const SENDS_IN_FLIGHT_MAX: usize = 10_000;

/// The producer's settings, Kafka's names in camelCase (`deliveryTimeoutMs` is `delivery.timeout.ms`).
/// Read by hand (`Deserialize` below, with [`crate::json::Object`]) as this derive would read it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub struct ProducerConfig {
    /// `client.id`; Kafka's `producer-N` when absent.
    pub client_id: Option<String>,
    pub acks: Acks,
    /// `batch.size`: also how many bytes the sticky partitioner puts on one partition before moving on.
    pub batch_size_bytes: usize,
    pub delivery_timeout_ms: u64,
    pub request_timeout_ms: u64,
    /// `enable.idempotence`: unset (`None`) it is on, and gives way to `acks` 0 or 1 as Kafka's does; set
    /// to true, `acks` other than all are refused (KafkaProducer's ConfigException).
    pub enable_idempotence: Option<bool>,
    /// `metadata.max.age.ms`: how long partition counts and leaders are trusted before asking again.
    pub metadata_max_age_ms: u64,
    /// `max.block.ms`: how long `send` waits for the topic to appear in metadata (a topic just created
    /// reaches the brokers a moment after the controller commits it).
    pub max_block_ms: u64,
    /// `linger.ms`: how long a batch waits for more records before it goes.
    pub linger_ms: u64,
    /// `max.in.flight.requests.per.connection`: requests one leader may have unanswered at once.
    pub max_in_flight_requests_per_connection: u32,
    /// `max.request.size`: a record larger than this, as one batch, is refused before it is sent.
    pub max_request_size_bytes: usize,
    /// `retries`: how many times a batch that failed with a retriable error goes again (within
    /// `delivery.timeout.ms`). 0 turns idempotence off where it was left unset, as Kafka's does; with
    /// `enableIdempotence: true` it is refused.
    #[serde(skip_serializing_if = "ProducerConfig::retries_unbounded")]
    pub retries: u32,
}

impl Default for ProducerConfig {
    /// Kafka's producer defaults.
    fn default() -> Self {
        ProducerConfig {
            client_id: None,
            acks: Acks::All,
            batch_size_bytes: 16_384,
            delivery_timeout_ms: 120_000,
            request_timeout_ms: 30_000,
            enable_idempotence: None,
            metadata_max_age_ms: 300_000,
            max_block_ms: 60_000,
            linger_ms: 5,
            max_in_flight_requests_per_connection: 5,
            max_request_size_bytes: 1_048_576,
            retries: RETRIES_MAX,
        }
    }
}

/// Kafka's default `retries` (`Integer.MAX_VALUE`): a batch goes again until `delivery.timeout.ms`.
pub const RETRIES_MAX: u32 = i32::MAX as u32;

impl<'de> serde::Deserialize<'de> for ProducerConfig {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> core::result::Result<Self, D::Error> {
        let mut o = crate::json::Object::read(deserializer)?;
        let d = ProducerConfig::default();
        let read = |o: &mut crate::json::Object| {
            Ok(ProducerConfig {
                client_id: o.opt_or("clientId", d.client_id)?,
                acks: o.opt_or("acks", d.acks)?,
                batch_size_bytes: o.opt_or("batchSizeBytes", d.batch_size_bytes)?,
                delivery_timeout_ms: o.opt_or("deliveryTimeoutMs", d.delivery_timeout_ms)?,
                request_timeout_ms: o.opt_or("requestTimeoutMs", d.request_timeout_ms)?,
                enable_idempotence: o.opt_or("enableIdempotence", d.enable_idempotence)?,
                metadata_max_age_ms: o.opt_or("metadataMaxAgeMs", d.metadata_max_age_ms)?,
                max_block_ms: o.opt_or("maxBlockMs", d.max_block_ms)?,
                linger_ms: o.opt_or("lingerMs", d.linger_ms)?,
                max_in_flight_requests_per_connection: o
                    .opt_or("maxInFlightRequestsPerConnection", d.max_in_flight_requests_per_connection)?,
                max_request_size_bytes: o.opt_or("maxRequestSizeBytes", d.max_request_size_bytes)?,
                retries: o.opt_or("retries", d.retries)?,
            })
        };
        read(&mut o).and_then(|config| o.end(config)).map_err(serde::de::Error::custom)
    }
}

/// Franz's bound on a client timeout: a day of virtual time.
pub const CLIENT_TIMEOUT_MS_MAX: u64 = 86_400_000;

impl ProducerConfig {
    /// Kafka's ranges (and Franz's bounds), so that no setting can stall or overflow the simulation.
    pub fn validate(&self) -> Result<()> {
        super::check_range("request.timeout.ms", self.request_timeout_ms, 1, CLIENT_TIMEOUT_MS_MAX)?;
        super::check_range("delivery.timeout.ms", self.delivery_timeout_ms, 1, CLIENT_TIMEOUT_MS_MAX)?;
        super::check_range("metadata.max.age.ms", self.metadata_max_age_ms, 1, CLIENT_TIMEOUT_MS_MAX)?;
        super::check_range("max.block.ms", self.max_block_ms, 0, CLIENT_TIMEOUT_MS_MAX)?;
        super::check_range("linger.ms", self.linger_ms, 0, CLIENT_TIMEOUT_MS_MAX)?;
        // Kafka's KafkaProducer refuses this (a ConfigException): a batch could expire before its first
        // request had the chance to time out.
        if self.delivery_timeout_ms < self.linger_ms + self.request_timeout_ms {
            return Err(franz_err!(
                InvalidConfig,
                "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms \
                 (got {} < {} + {})",
                self.delivery_timeout_ms,
                self.linger_ms,
                self.request_timeout_ms
            ));
        }
        let in_flight = u64::from(self.max_in_flight_requests_per_connection);
        super::check_range("max.in.flight.requests.per.connection", in_flight, 1, 1_000)?;
        super::check_range("retries", u64::from(self.retries), 0, u64::from(RETRIES_MAX))?;
        if self.enable_idempotence == Some(true) && self.retries == 0 {
            return Err(franz_err!(InvalidConfig, "Must set retries to non-zero when using the idempotent producer."));
        }
        if self.enable_idempotence == Some(true) && self.acks != Acks::All {
            return Err(franz_err!(
                InvalidConfig,
                "Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee \
                 idempotence."
            ));
        }
        if self.idempotent() && in_flight > 5 {
            return Err(franz_err!(
                InvalidConfig,
                "Must set max.in.flight.requests.per.connection to at most 5 to use the idempotent producer"
            ));
        }
        super::check_range("max.request.size", self.max_request_size_bytes as u64, 0, 1 << 30)?;
        super::check_range("batch.size", self.batch_size_bytes as u64, 0, 1 << 30)
    }

    /// Whether the producer numbers its batches: idempotence on (set or left to its default) with
    /// `acks=all` (left to its default, it gives way to acks 0 or 1, or to `retries=0`, as Kafka's does).
    pub fn idempotent(&self) -> bool {
        self.enable_idempotence != Some(false) && self.acks == Acks::All && self.retries > 0
    }

    fn retries_unbounded(retries: &u32) -> bool {
        *retries == RETRIES_MAX
    }

    /// Kafka's defaults with a `client.id`.
    pub fn named(client_id: impl Into<String>) -> ProducerConfig {
        ProducerConfig { client_id: Some(client_id.into()), ..ProducerConfig::default() }
    }
}

/// Where a record landed. `offset` is `None` with `acks=0`, where Kafka reports `-1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub struct RecordMetadata {
    pub partition: u32,
    pub offset: Option<Offset>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendResult {
    pub request_id: u64,
    pub result: Result<Vec<RecordMetadata>>,
}

/// The log that acknowledged a batch, as its leader's answer names it.
#[derive(Clone, Copy, Debug, Default)]
struct AckedLog {
    topic_id: Option<TopicId>,
    /// Kafka's `logStartOffset` in a Produce answer: a retry answered as a duplicate names the offsets of the
    /// first write, which may be below it (deleted since, as a follower that kept records below its leader's
    /// log start can have them when it leads).
    log_start_offset: Offset,
    /// The leader epoch of the replica that took it.
    leader_epoch: crate::types::LeaderEpoch,
}

/// One user `send` call in progress.
#[derive(Clone, Debug)]
struct PendingSend {
    topic: String,
    records: Vec<ProducerRecord>,
    /// Filled per record as partitions answer.
    outcome: Vec<Option<RecordMetadata>>,
    /// The log that took each record (for the checker: a leader that had not learned of a deletion may have
    /// taken them into the deleted topic; the parts of a split batch may land on both sides of a deletion).
    acked_by: Vec<AckedLog>,
    /// The batch that carried its records of each partition (a send's records of one partition share one).
    batch_of: VecMap<u32, u64>,
    deadline_ms: u64,
    /// Until when the send waits for its topic to appear in metadata (`max.block.ms`).
    metadata_deadline_ms: u64,
    /// It waited for metadata: its `delivery.timeout.ms` then counts from when its records join batches, as
    /// Kafka's `send()` blocks for the metadata before it appends.
    waited_for_metadata: bool,
    /// Why the last attempt failed, for the message when the send finally expires.
    last_error: Option<FranzError>,
    /// Partition shares of this send not yet acknowledged.
    shares_left: usize,
    dispatched: bool,
}

impl PendingSend {
    /// A send waiting for its topic's metadata is bounded by `max.block.ms` alone (Kafka's caller is still
    /// blocked in `send()`); its `delivery.timeout.ms` starts once its records join batches.
    fn delivery_clock_running(&self) -> bool {
        self.dispatched || !self.waited_for_metadata
    }
}

/// One send's records for one partition, inside a batch.
#[derive(Clone, Debug)]
struct Share {
    send_id: u64,
    /// Its records, indexes into the send's.
    record_indexes: Vec<usize>,
    /// The producer's clock when they joined the batch: the timestamp of those that carry none.
    joined_ms: u64,
    size_bytes: usize,
}

/// A send's records in one part of a split batch.
struct PartShare {
    send_id: u64,
    record_indexes: Vec<usize>,
    /// Where its first record is in the part.
    place_in_part: usize,
    /// They were the send's last records in the batch.
    last_of_send: bool,
}

/// Kafka's `ProducerBatch`: records for one partition, from one or more sends, sent and retried as one
/// (same records, same sequence numbers), so that the broker can recognise a retry.
#[derive(Clone, Debug)]
struct ProducerBatch {
    topic: String,
    partition: u32,
    shares: Vec<Share>,
    size_bytes: usize,
    created_ms: u64,
    /// Stamped when first sent; `None` while the batch still takes records.
    producer: Option<ProducerStamp>,
    attempts: u32,
    /// When to send it again after a retriable failure.
    retry_at_ms: Option<u64>,
    in_flight: bool,
    /// Due, but it waits for an answer: its leader has `max.in.flight.requests.per.connection` requests out,
    /// or a batch before it in its partition is out or backing off (or its idempotence window is full). It
    /// then arms no timer (its linger or backoff has passed: the timer would wake the producer every
    /// millisecond until the answer); the event that frees it drains (an answer, a request timeout, a
    /// disconnect, a request dropped as its sends expire, the backoff timer of the batch holding it back).
    waits_for_answer: bool,
    /// Its place among the batches its partition numbered (idempotence), counting from 0.
    ordinal: u64,
    /// Its records as first sent, packed once: a retry sends the same.
    packed: Option<BatchRecords>,
    /// After the leader refused it as larger than `max.message.bytes` (KIP-126): where its parts end, in
    /// records from its start. The first part goes; acknowledged, it leaves the batch. Empty: one part.
    part_ends: Vec<usize>,
    /// How many of its records earlier parts took: the place of its first record in the batch as first sent.
    first_index: u32,
    /// It was split before (Kafka's `isSplitBatch`): a part refused again is halved.
    split: bool,
}

impl ProducerBatch {
    fn record_count(&self) -> usize {
        self.shares.iter().map(|s| s.record_indexes.len()).sum()
    }
}

/// What the producer awaits an answer to.
#[derive(Clone, Debug)]
enum ProducerRequest {
    Metadata,
    InitProducerId,
    Produce {
        /// Its batches, one per partition, in the request's order.
        batch_ids: Vec<u64>,
        /// The connection to the leader broke while it was out.
        disconnected: bool,
    },
}

#[derive(Clone, Debug)]
pub struct Producer {
    id: NodeId,
    config: ProducerConfig,
    bootstrap: Bootstrap,
    rng: Pcg32,
    metadata: MetadataCache,
    /// When to ask again for a topic the brokers did not know yet.
    metadata_retry_at_ms: Option<u64>,
    sticky: VecMap<String, StickyPartitioner>,
    next_send_id: u64,
    /// Queues that empty from their oldest end (up to `SENDS_IN_FLIGHT_MAX` sends while a leader is away, a
    /// batch per partition and more in flight): a tree, where a sorted vector would shift at every removal.
    sends: IdMap<PendingSend>,
    /// The sends not split into batches yet, oldest first (most sends are split at once: `dispatch_ready`
    /// runs at every send and answer, and must not walk every send in flight to find none). Ids of sends
    /// since failed or dispatched are dropped when next read.
    undispatched: Vec<u64>,
    /// While the producer id is awaited: the metadata's version and the counts of sends waiting and in all when
    /// the waiting sends' delivery clocks were last held. Until one changes, holding them again changes
    /// nothing (10,000 sends waiting while the brokers were down cost each of the producer's events a walk
    /// over all of them, 11 s a virtual minute; adversary 59).
    clocks_held_at: Option<(u64, usize, usize)>,
    /// The record accumulator: batches by id, oldest first.
    batches: IdMap<ProducerBatch>,
    next_batch_id: u64,
    /// Metadata, InitProducerId and Produce requests awaiting answers (one Metadata and one InitProducerId
    /// at most).
    in_flight: InFlight<ProducerRequest>,
    completed: Vec<SendResult>,
    /// The idempotent producer's id and epoch, once a broker gave them.
    producer_id: Option<(i64, i16)>,
    /// Per partition: the epoch its batches are numbered in, and the next sequence (idempotence). A
    /// partition moves to a new producer epoch only once none of its batches is out (Kafka's
    /// `maybeUpdateProducerIdAndEpoch`), so that a batch whose first attempt may have landed keeps the
    /// numbers the broker knows it by.
    sequences: VecMap<TopicPartition, PartitionSequence>,
    /// `close()` was called: lingering batches go at once, and the producer is done once nothing is left.
    closing: bool,
}

#[derive(Clone, Copy, Debug)]
struct PartitionSequence {
    epoch: i16,
    next_sequence: i32,
    /// Batches numbered so far, in any epoch: how far ahead of the oldest unacknowledged one it is.
    batches_numbered: u64,
    /// The topic id (KIP-516) of the log that acknowledged the partition's latest batch.
    acked_topic_id: Option<TopicId>,
    /// The latest place (`ProducerBatch::ordinal`) among the partition's batches that was acknowledged.
    acked_ordinal_max: Option<u64>,
}

impl Producer {
    pub fn new(id: NodeId, config: ProducerConfig, bootstrap: Vec<NodeId>, rng: Pcg32) -> Producer {
        Producer {
            id,
            config,
            bootstrap: Bootstrap::new(bootstrap),
            rng,
            metadata: MetadataCache::default(),
            metadata_retry_at_ms: None,
            sticky: VecMap::new(),
            next_send_id: 1,
            sends: IdMap::new(),
            undispatched: Vec::new(),
            clocks_held_at: None,
            batches: IdMap::new(),
            next_batch_id: 1,
            in_flight: InFlight::with_connections(),
            completed: Vec::new(),
            producer_id: None,
            sequences: VecMap::new(),
            closing: false,
        }
    }

    fn idempotent(&self) -> bool {
        self.config.idempotent()
    }

    pub fn id(&self) -> NodeId {
        self.id
    }

    pub fn config(&self) -> &ProducerConfig {
        &self.config
    }

    /// Starts sending `records` to `topic`; the outcome appears in [`Producer::take_result`].
    pub fn send(&mut self, now_ms: u64, topic: String, records: Vec<ProducerRecord>, out: &mut Outbox) -> Result<u64> {
        crate::types::validate_topic_name(&topic)?;
        if records.len() > RECORDS_PER_SEND_MAX {
            return Err(too_many_records_in_a_send(records.len()));
        }
        let max_request_size = self.config.max_request_size_bytes;
        let too_large =
            records.iter().find_map(|r| record_too_large(Some(serialized_size_upper_bound_bytes(r)), max_request_size));
        if let Some(e) = too_large {
            return Err(e);
        }
        let record_bytes = |r: &ProducerRecord| crate::types::record_size_bytes(&r.key, &r.value, &r.headers);
        if records.iter().map(record_bytes).sum::<usize>() > SEND_BYTES_MAX {
            return Err(too_many_bytes_in_a_send());
        }
        if let Some(t) = records.iter().filter_map(|r| r.timestamp_ms).find(|&t| t < 0) {
            return Err(franz_err!(
                InvalidTimestamp,
                "Invalid negative timestamp {t}: a record's timestamp is ms since the epoch"
            ));
        }
        if self.sends.len() >= SENDS_IN_FLIGHT_MAX {
            return Err(franz_err!(
                RequestTimedOut,
                "{SENDS_IN_FLIGHT_MAX} sends are already waiting; let time advance before sending more"
            ));
        }
        let send_id = self.next_send_id;
        self.next_send_id += 1;
        if records.is_empty() {
            // Nothing to send (Kafka's client sends record by record): done at once.
            self.completed.push(SendResult { request_id: send_id, result: Ok(Vec::new()) });
            return Ok(send_id);
        }
        out.history(Op::SendInvoked {
            producer: self.id,
            request_id: send_id,
            topic: topic.clone(),
            records: records.iter().map(|r| SentRecord { key: r.key.clone(), value: r.value.clone() }).collect(),
        });
        let send = PendingSend {
            topic,
            outcome: alloc::vec![None; records.len()],
            acked_by: alloc::vec![AckedLog::default(); records.len()],
            batch_of: VecMap::new(),
            records,
            deadline_ms: now_ms.saturating_add(self.config.delivery_timeout_ms),
            metadata_deadline_ms: now_ms.saturating_add(self.config.max_block_ms),
            waited_for_metadata: false,
            last_error: None,
            shares_left: 0,
            dispatched: false,
        };
        self.sends.insert(send_id, send);
        self.undispatched.push(send_id);
        self.dispatch_ready(now_ms, out);
        Ok(send_id)
    }

    /// `close()`: as Kafka's, it sends what lingers at once and completes every send (acknowledged, or
    /// failed at its `delivery.timeout.ms`) before the producer goes; [`Producer::is_closed`] says when.
    pub fn close(&mut self, now_ms: u64, out: &mut Outbox) {
        self.closing = true;
        self.drain(now_ms, out);
    }

    /// After `close()`: every send has its outcome.
    pub fn is_closed(&self) -> bool {
        self.closing && self.sends.is_empty() && self.batches.is_empty()
    }

    pub fn take_result(&mut self, request_id: u64) -> Option<SendResult> {
        let index = self.completed.iter().position(|r| r.request_id == request_id)?;
        Some(self.completed.remove(index))
    }

    /// Every finished send not yet taken, oldest first.
    pub fn take_results(&mut self) -> Vec<SendResult> {
        core::mem::take(&mut self.completed)
    }

    /// The finished sends `mine` claims, oldest first; the others stay for their own callers.
    pub fn take_results_where(&mut self, mine: impl Fn(u64) -> bool) -> Vec<SendResult> {
        let (taken, kept) = core::mem::take(&mut self.completed).into_iter().partition(|r| mine(r.request_id));
        self.completed = kept;
        taken
    }

    /// Sends whatever waiting sends can go now, and asks for metadata the others need.
    fn dispatch_ready(&mut self, now_ms: u64, out: &mut Outbox) {
        self.metadata.expire(now_ms, self.config.metadata_max_age_ms);
        if self.idempotent() && self.producer_id.is_none() {
            let held = (self.metadata.version(), self.undispatched.len(), self.sends.len());
            if self.clocks_held_at != Some(held) {
                let sends = &self.sends;
                self.undispatched.retain(|id| sends.get(id).is_some_and(|s| !s.dispatched));
                self.hold_delivery_clocks_until_metadata(now_ms);
                self.clocks_held_at = Some((self.metadata.version(), self.undispatched.len(), self.sends.len()));
            }
            let asking = self.in_flight.any(|r| matches!(r, ProducerRequest::InitProducerId));
            if !asking && !self.undispatched.is_empty() {
                let (to, deadline_ms) =
                    (self.bootstrap.current(), now_ms.saturating_add(self.config.request_timeout_ms));
                let correlation_id = self.in_flight.start(now_ms, to, deadline_ms, ProducerRequest::InitProducerId);
                out.send(to, Message::InitProducerIdRequest { correlation_id });
            }
            return;
        }
        if self.undispatched.is_empty() {
            return;
        }
        // Taken while the sends are dispatched (nothing below adds a send); those still waiting are put back.
        let waiting = core::mem::take(&mut self.undispatched);
        let mut still_waiting = Vec::with_capacity(waiting.len());
        let mut needs_metadata: Vec<String> = Vec::new();
        // Kafka's send() blocks its caller while it waits for metadata, so a later send cannot overtake an
        // earlier one: here, a send waits behind an earlier send to its topic that still waits.
        let mut blocked: Vec<String> = Vec::new();
        for send_id in waiting {
            // (One lookup for a send behind a blocked one: 10,000 sends waiting for a topic's metadata cost
            // each of the producer's events a scan with several lookups a send, 11 s a virtual minute;
            // adversary 59.)
            let Some(send) = self.sends.get_mut(&send_id).filter(|s| !s.dispatched) else { continue };
            if blocked.contains(&send.topic) {
                // Kafka's caller is still blocked in the earlier send: this one has not started yet.
                send.waited_for_metadata = true;
                still_waiting.push(send_id);
                continue;
            }
            let topic = send.topic.clone();
            let this_topic = topic.clone();
            match self.metadata.topic(&topic) {
                None => {
                    self.mark_waited_for_metadata(send_id);
                    if !needs_metadata.contains(&topic) {
                        needs_metadata.push(topic);
                    }
                }
                Some(Err(e)) => {
                    // As Kafka's producer: keep asking (every retry.backoff.ms) until max.block.ms, then fail.
                    // The answer is not remembered: the next send asks again.
                    let e = e.clone();
                    self.metadata.forget(&topic);
                    if let Some(send) = self.sends.get_mut(&send_id) {
                        send.last_error = Some(e.clone());
                        send.waited_for_metadata = true;
                    }
                    let deadline = self.sends.get(&send_id).map_or(0, |s| s.metadata_deadline_ms);
                    if now_ms >= deadline {
                        let e = FranzError::new(
                            e.code,
                            alloc::format!(
                                "Topic {topic} not present in metadata after {} ms (max.block.ms): {}",
                                self.config.max_block_ms,
                                e.message
                            ),
                        );
                        self.fail(send_id, e, out);
                    } else {
                        self.metadata_retry_at_ms = Some(now_ms + RETRY_BACKOFF_MS);
                    }
                }
                Some(Ok(_)) => self.dispatch(now_ms, send_id, out),
            }
            if self.sends.get(&send_id).is_some_and(|s| !s.dispatched) {
                blocked.push(this_topic);
                still_waiting.push(send_id);
            }
        }
        self.undispatched = still_waiting;
        if !needs_metadata.is_empty() {
            self.request_metadata(now_ms, needs_metadata, out);
        }
    }

    /// Kafka's `send()` waits for its topic's metadata (up to `max.block.ms`) whatever the producer id, which
    /// the sender gets meanwhile: a send's `delivery.timeout.ms` starts when its partitions are known (its
    /// records join batches then), not while the metadata is missing. (Franz asks for the metadata once the
    /// id has come, a round trip later than Kafka.)
    fn hold_delivery_clocks_until_metadata(&mut self, now_ms: u64) {
        for send_id in &self.undispatched {
            let Some(send) = self.sends.get_mut(send_id) else { continue };
            match self.metadata.topic(&send.topic) {
                Some(Ok(_)) if send.waited_for_metadata => {
                    send.waited_for_metadata = false;
                    send.deadline_ms = now_ms.saturating_add(self.config.delivery_timeout_ms);
                }
                Some(Ok(_)) => {}
                _ => send.waited_for_metadata = true,
            }
        }
    }

    fn mark_waited_for_metadata(&mut self, send_id: u64) {
        if let Some(send) = self.sends.get_mut(&send_id) {
            send.waited_for_metadata = true;
        }
    }

    /// Asks a broker where `topics` live, unless a Metadata request is already out (its answer will
    /// trigger another round for whatever is still missing).
    fn request_metadata(&mut self, now_ms: u64, topics: Vec<String>, out: &mut Outbox) {
        if self.in_flight.any(|r| matches!(r, ProducerRequest::Metadata)) {
            return;
        }
        let (to, deadline_ms) = (self.bootstrap.current(), now_ms.saturating_add(self.config.request_timeout_ms));
        let correlation_id = self.in_flight.start(now_ms, to, deadline_ms, ProducerRequest::Metadata);
        out.send(to, Message::MetadataRequest { correlation_id, topics });
    }

    fn choose_partition(&mut self, topic: &str, record: &ProducerRecord, count: u32) -> Result<u32> {
        if let Some(p) = record.partition {
            if p >= count {
                return Err(franz_err!(
                    UnknownTopicOrPartition,
                    "Invalid partition given with record: {p} is not in the range [0...{count})"
                ));
            }
            return Ok(p);
        }
        if let Some(key) = &record.key {
            return Ok(partition_for_key(key, count));
        }
        let bytes = crate::types::record_size_bytes(&record.key, &record.value, &record.headers);
        let sticky = self.sticky.entry(String::from(topic)).or_default();
        let metadata = &self.metadata;
        let has_leader = |p: u32| metadata.leader(topic, p) != NO_NODE;
        Ok(sticky.partition(count, has_leader, bytes, self.config.batch_size_bytes, &mut self.rng))
    }

    /// Splits one send by partition into the accumulator's batches, then sends what is ready.
    fn dispatch(&mut self, now_ms: u64, send_id: u64, out: &mut Outbox) {
        let Some(send) = self.sends.get(&send_id) else {
            return;
        };
        let topic = send.topic.clone();
        let count = self.metadata.partition_count(&topic).unwrap_or(0);
        // An explicit partition beyond what the cache knows: the topic may have grown (createPartitions).
        // As Kafka's `waitOnMetadata`, ask again every retry.backoff.ms until max.block.ms.
        if let Some(p) = send.records.iter().filter_map(|r| r.partition).find(|&p| p >= count) {
            if now_ms >= send.metadata_deadline_ms {
                let e = franz_err!(
                    UnknownTopicOrPartition,
                    "Partition {p} of topic {topic} with partition count {count} is not present in metadata after {} ms (max.block.ms)",
                    self.config.max_block_ms
                );
                return self.fail(send_id, e, out);
            }
            self.mark_waited_for_metadata(send_id);
            self.metadata_retry_at_ms = Some(now_ms + RETRY_BACKOFF_MS);
            self.request_metadata(now_ms, alloc::vec![topic], out);
            return;
        }
        // The records leave the send while the partitioner (which needs `self`) places them, and come back.
        let records = self.sends.get_mut(&send_id).map(|s| core::mem::take(&mut s.records)).unwrap_or_default();
        // (partition, record index), then sorted: each partition's records in a run, in send order.
        let mut placed: Vec<(u32, usize)> = Vec::with_capacity(records.len());
        let mut refused = None;
        for (i, record) in records.iter().enumerate() {
            match self.choose_partition(&topic, record, count) {
                Ok(p) => placed.push((p, i)),
                Err(e) => {
                    refused = Some(e);
                    break;
                }
            }
        }
        sort_by_partition(&mut placed, count);
        let Some(send) = self.sends.get_mut(&send_id) else { return };
        send.records = records;
        if let Some(e) = refused {
            return self.fail(send_id, e, out);
        }
        send.dispatched = true;
        if send.waited_for_metadata {
            send.deadline_ms = now_ms.saturating_add(self.config.delivery_timeout_ms);
        }
        send.shares_left = placed.chunk_by(|a, b| a.0 == b.0).count();
        let Some(records) = self.sends.get(&send_id).map(|s| &s.records) else { return };
        // Only a batch that became ready can change what `drain` sends (Kafka's `append` wakes the sender only
        // for a new or full batch): one now full, an open batch closed by a new one behind it, or a new batch
        // ready at once (`linger.ms=0`, or larger than `batch.size`). A batch that lingered long enough went
        // to `drain` at its linger timer; if it is still here, it waits for room at its leader or for an
        // earlier batch of its partition, and the event that frees it drains (an answer, a timeout, a backoff's
        // end): draining again at each record it gained cost a busy producer ~7,800 drains per 10 s.
        let mut drain = false;
        for run in placed.chunk_by(|a, b| a.0 == b.0) {
            let partition = run[0].0;
            let record_indexes: Vec<usize> = run.iter().map(|&(_, i)| i).collect();
            let bytes: usize = record_indexes
                .iter()
                .map(|&i| crate::types::record_size_bytes(&records[i].key, &records[i].value, &records[i].headers))
                .sum();
            let share = Share { send_id, record_indexes, joined_ms: now_ms, size_bytes: bytes };
            let open = self
                .batches
                .iter_mut()
                .rev()
                .find(|(_, b)| b.partition == partition && b.producer.is_none() && b.topic == topic);
            match open {
                Some((_, batch)) if batch.size_bytes + bytes <= self.config.batch_size_bytes => {
                    batch.size_bytes += bytes;
                    batch.shares.push(share);
                    drain |= self.closing
                        || (batch.size_bytes >= self.config.batch_size_bytes
                            && batch.size_bytes - bytes < self.config.batch_size_bytes);
                }
                open => {
                    drain |= open.is_some()
                        || self.closing
                        || bytes >= self.config.batch_size_bytes
                        || self.config.linger_ms == 0;
                    let id = self.next_batch_id;
                    self.next_batch_id += 1;
                    let batch = ProducerBatch {
                        topic: topic.clone(),
                        partition,
                        shares: alloc::vec![share],
                        size_bytes: bytes,
                        created_ms: now_ms,
                        producer: None,
                        attempts: 0,
                        retry_at_ms: None,
                        in_flight: false,
                        waits_for_answer: false,
                        ordinal: 0,
                        packed: None,
                        part_ends: Vec::new(),
                        first_index: 0,
                        split: false,
                    };
                    self.batches.insert(id, batch);
                }
            }
        }
        if drain {
            self.drain(now_ms, out);
        }
    }

    /// Sends every batch that is ready (full, lingered long enough, or due for a retry) and whose leader has
    /// room for another request, partition by partition in order, as Kafka's `RecordAccumulator.drain`
    /// takes the head of each partition's queue: a head backing off before a retry holds the partition
    /// back (a later batch must not overtake it), and an idempotent producer sends a retried batch only once
    /// no earlier sequence of its partition is out (in flight drops to one until the retries are through).
    ///
    /// An idempotent producer also numbers no batch `max.in.flight.requests.per.connection` or more places
    /// after its partition's oldest unacknowledged one. Over Kafka's TCP connection that follows from the
    /// request limit (a lost answer resets the connection, so nothing later is acknowledged before the
    /// retry); Franz's network loses single messages, so the window is kept here. Either way a retried
    /// batch is among the last five the broker appended, which it remembers: a duplicate, not a gap.
    fn drain(&mut self, now_ms: u64, out: &mut Outbox) {
        /// What `drain` needs to know of one partition's batches, gathered in one pass (the batches of a
        /// busy producer number in the hundreds: comparing each with all others cost more than the rest).
        struct PartitionDrain<'a> {
            topic: &'a str,
            partition: u32,
            /// The newest batch still taking records.
            newest_open: u64,
            /// The oldest batch sent and not yet acknowledged (idempotence: its place among the numbered).
            oldest_unacknowledged: Option<u64>,
            /// Batches of this partition found ready in this pass, and whether a batch holds the ones after it.
            ready: u64,
            held: bool,
            /// Batches numbered so far (idempotence).
            numbered: u64,
        }
        let idempotent = self.idempotent();
        let sequences = &self.sequences;
        let numbered = |topic: &str, partition: u32| {
            let found = sequences.iter().find(|(tp, _)| tp.partition == partition && tp.topic == topic);
            found.map_or(0, |(_, s)| s.batches_numbered)
        };
        let mut partitions: Vec<PartitionDrain> = Vec::with_capacity(self.batches.len());
        // Each batch's place in `partitions`, in the batches' order, for the second pass.
        let mut slots: Vec<usize> = Vec::with_capacity(self.batches.len());
        for (&id, b) in self.batches.iter() {
            let slot = match partitions.iter().position(|p| p.partition == b.partition && p.topic == b.topic) {
                Some(slot) => slot,
                None => {
                    partitions.push(PartitionDrain {
                        topic: &b.topic,
                        partition: b.partition,
                        newest_open: 0,
                        oldest_unacknowledged: None,
                        ready: 0,
                        held: false,
                        numbered: if idempotent { numbered(&b.topic, b.partition) } else { 0 },
                    });
                    partitions.len() - 1
                }
            };
            slots.push(slot);
            let entry = &mut partitions[slot];
            if b.producer.is_none() {
                entry.newest_open = entry.newest_open.max(id);
            } else {
                entry.oldest_unacknowledged = Some(entry.oldest_unacknowledged.map_or(b.ordinal, |o| o.min(b.ordinal)));
            }
        }
        let mut ready: Vec<u64> = Vec::with_capacity(self.batches.len());
        let unacknowledged_max = u64::from(self.config.max_in_flight_requests_per_connection);
        let guarantee_order = self.config.max_in_flight_requests_per_connection == 1;
        // Due batches held back by one before them: they wait for its answer (or its backoff's end).
        let mut held_due: Vec<u64> = Vec::new();
        for ((&id, b), &slot) in self.batches.iter().zip(&slots) {
            let entry = &mut partitions[slot];
            if b.in_flight {
                // Kafka's `guaranteeMessageOrder`: with one request in flight a connection, a partition is muted
                // while a batch of it is out, whichever broker it went to (a new leader must not get the next
                // batch before the old one's retry).
                entry.held |= guarantee_order;
                continue;
            }
            let due = match (b.producer, b.retry_at_ms) {
                (_, Some(at)) => now_ms >= at,
                (None, None) => {
                    entry.newest_open > id
                        || self.closing
                        || b.size_bytes >= self.config.batch_size_bytes
                        || now_ms >= b.created_ms.saturating_add(self.config.linger_ms)
                }
                (Some(_), None) => false,
            };
            if entry.held {
                if due && !b.waits_for_answer {
                    held_due.push(id);
                }
                continue;
            }
            let retry = b.producer.is_some();
            let earlier_out = retry && idempotent && self.earlier_sequence_in_flight(id);
            let too_many_unacknowledged = !retry
                && idempotent
                && entry.oldest_unacknowledged.is_some_and(|o| entry.numbered + entry.ready - o >= unacknowledged_max);
            if due && !earlier_out && !too_many_unacknowledged {
                ready.push(id);
                entry.ready += 1;
            } else if due && !b.waits_for_answer {
                held_due.push(id);
            }
            if !due || earlier_out || retry || too_many_unacknowledged {
                entry.held = true;
            }
        }
        for id in held_due {
            if let Some(batch) = self.batches.get_mut(&id) {
                batch.waits_for_answer = true;
            }
        }
        self.send_ready(now_ms, ready, out);
    }

    /// Kafka's `RecordAccumulator.drain` and `Sender.sendProduceRequests`: the ready batches go to their
    /// leaders, one request to a leader carrying at most one batch of a partition, while the leader has room
    /// for another request (`max.in.flight.requests.per.connection`).
    fn send_ready(&mut self, now_ms: u64, ready: Vec<u64>, out: &mut Outbox) {
        let mut by_leader: VecMap<NodeId, Vec<u64>> = VecMap::new();
        for batch_id in ready {
            let Some(batch) = self.batches.get_mut(&batch_id) else { continue };
            let leader = self.metadata.leader(&batch.topic, batch.partition);
            if leader == NO_NODE {
                // No leader known: ask where it is, and try again after the backoff.
                batch.retry_at_ms = Some(now_ms + RETRY_BACKOFF_MS);
                batch.waits_for_answer = false; // it waits for its backoff now (its RetryBackoff timer)
                let topic = batch.topic.clone();
                self.request_metadata(now_ms, alloc::vec![topic], out);
                continue;
            }
            by_leader.entry(leader).or_default().push(batch_id);
        }
        let room = self.config.max_in_flight_requests_per_connection as usize;
        for (leader, mut waiting) in by_leader {
            while !waiting.is_empty() {
                if self.in_flight.count_to(leader, |r| matches!(r, ProducerRequest::Produce { .. })) >= room {
                    // They wait for an answer from that broker (which drains again).
                    for batch_id in waiting {
                        if let Some(batch) = self.batches.get_mut(&batch_id) {
                            batch.waits_for_answer = true;
                        }
                    }
                    break;
                }
                let (mut request, mut later) = (Vec::new(), Vec::new());
                for batch_id in waiting {
                    let Some(b) = self.batches.get(&batch_id) else { continue };
                    let taken = |id: &u64| {
                        self.batches.get(id).is_some_and(|o| o.partition == b.partition && o.topic == b.topic)
                    };
                    match request.iter().any(taken) {
                        true => later.push(batch_id),
                        false => request.push(batch_id),
                    }
                }
                self.send_request(now_ms, leader, request, out);
                waiting = later;
            }
        }
    }

    /// Whether a batch of the same partition with a lower sequence (this epoch) is in flight.
    fn earlier_sequence_in_flight(&self, batch_id: u64) -> bool {
        let Some(this) = self.batches.get(&batch_id) else { return false };
        let Some(stamp) = this.producer else { return false };
        self.batches.values().any(|b| {
            b.in_flight
                && b.topic == this.topic
                && b.partition == this.partition
                && b.producer
                    .is_some_and(|p| p.producer_epoch == stamp.producer_epoch && p.base_sequence < stamp.base_sequence)
        })
    }

    /// Sends (or re-sends) batches of distinct partitions to their leader in one Produce; an idempotent
    /// producer numbers each batch's records the first time it goes.
    fn send_request(&mut self, now_ms: u64, leader: NodeId, batch_ids: Vec<u64>, out: &mut Outbox) {
        let mut partitions = Vec::with_capacity(batch_ids.len());
        for &batch_id in &batch_ids {
            let Some(batch) = self.batches.get(&batch_id) else { continue };
            let (topic, partition) = (batch.topic.clone(), batch.partition);
            let mut ordinal = batch.ordinal;
            let stamp = match (batch.producer, self.producer_id) {
                (Some(stamp), _) => stamp,
                (None, Some((producer_id, producer_epoch))) if self.idempotent() => {
                    let tp = TopicPartition::new(topic.clone(), partition);
                    let batches = &self.batches;
                    // A scan of every batch: asked only at a new epoch.
                    let outstanding = || {
                        batches.values().any(|b| b.partition == partition && b.producer.is_some() && b.topic == topic)
                    };
                    let entry = self.sequences.entry(tp).or_insert(PartitionSequence {
                        epoch: producer_epoch,
                        next_sequence: 0,
                        batches_numbered: 0,
                        acked_topic_id: None,
                        acked_ordinal_max: None,
                    });
                    if entry.epoch != producer_epoch && !outstanding() {
                        (entry.epoch, entry.next_sequence) = (producer_epoch, 0);
                    }
                    let base_sequence = entry.next_sequence;
                    entry.next_sequence = entry.next_sequence.wrapping_add(batch.record_count() as i32);
                    ordinal = entry.batches_numbered;
                    entry.batches_numbered += 1;
                    ProducerStamp { producer_id, producer_epoch: entry.epoch, base_sequence }
                }
                (None, _) => ProducerStamp::NONE,
            };
            let records = match &batch.packed {
                Some(packed) => packed.clone(),
                None => self.pack(batch),
            };
            let part = batch.part_ends.first().map(|&end| records.slice(0..end));
            let origin =
                Some(RecordOrigin { batch: BatchOrigin { producer: self.id, batch_id }, index: batch.first_index });
            let Some(batch) = self.batches.get_mut(&batch_id) else { continue };
            batch.packed = Some(records.clone());
            batch.producer = Some(stamp);
            batch.ordinal = ordinal;
            batch.retry_at_ms = None;
            batch.waits_for_answer = false;
            batch.attempts += 1;
            batch.in_flight = self.config.acks != Acks::None;
            let records = part.unwrap_or(records);
            let topic_id = self.metadata.topic_id(&topic);
            partitions.push(ProducePartition { topic, topic_id, partition, producer: stamp, records, origin });
        }
        if partitions.is_empty() {
            return;
        }
        let (acks, timeout_ms) = (self.config.acks, self.config.request_timeout_ms);
        let correlation_id = if acks == Acks::None {
            self.in_flight.unawaited_id(leader)
        } else {
            let request = ProducerRequest::Produce { batch_ids: batch_ids.clone(), disconnected: false };
            self.in_flight.start(now_ms, leader, now_ms.saturating_add(timeout_ms), request)
        };
        out.send(leader, Message::ProduceRequest { correlation_id, acks, timeout_ms, partitions });
        if acks == Acks::None {
            // acks=0: nothing will answer; the records count as sent once they are on the wire.
            for batch_id in batch_ids {
                self.batch_done(batch_id, None, AckedLog::default(), out);
            }
        }
    }

    /// A batch's records as its first request carries them, packed from its sends' records (offsets are
    /// deltas within the batch).
    fn pack(&self, batch: &ProducerBatch) -> BatchRecords {
        let sends = &self.sends;
        let records = batch.shares.iter().flat_map(|share| {
            let send = sends.get(&share.send_id);
            share.record_indexes.iter().filter_map(move |&i| {
                let r = send?.records.get(i)?;
                Some(RecordParts {
                    timestamp_ms: r.timestamp_ms.unwrap_or(share.joined_ms as i64),
                    key: r.key.as_deref(),
                    value: r.value.as_deref(),
                    headers: &r.headers,
                })
            })
        });
        debug_assert_eq!(records.clone().count(), batch.record_count(), "an unsent batch's sends are all here");
        BatchRecords::pack(records)
    }

    /// A batch was acknowledged (or, with acks=0, sent): each send with records in it gets their offsets.
    fn batch_done(&mut self, batch_id: u64, base_offset: Option<Offset>, acked: AckedLog, out: &mut Outbox) {
        let Some(batch) = self.batches.remove(&batch_id) else { return };
        let mut delta = 0;
        for share in batch.shares {
            let base = base_offset.map(|b| b + delta);
            delta += share.record_indexes.len() as Offset;
            self.record_outcome(share.send_id, &share.record_indexes, batch.partition, base, acked);
            self.share_done(share.send_id, batch.partition, batch_id, out);
        }
    }

    /// A send's records in a batch are all acknowledged.
    fn share_done(&mut self, send_id: u64, partition: u32, batch_id: u64, out: &mut Outbox) {
        if let Some(send) = self.sends.get_mut(&send_id) {
            send.shares_left = send.shares_left.saturating_sub(1);
            send.batch_of.insert(partition, batch_id);
        }
        self.maybe_complete(send_id, out);
    }

    /// A part of a split batch was acknowledged, and not its last: its records leave the batch (their sends
    /// get their offsets, and those it finishes are done), and the next part goes at once, numbered on from
    /// the sequence after it. False for a batch's last or only part (`batch_done`).
    fn part_done(
        &mut self,
        now_ms: u64,
        batch_id: u64,
        base_offset: Offset,
        acked: AckedLog,
        out: &mut Outbox,
    ) -> bool {
        let Some((partition, part)) = self.take_part(now_ms, batch_id) else { return false };
        for share in part {
            let base = base_offset + share.place_in_part as Offset;
            self.record_outcome(share.send_id, &share.record_indexes, partition, Some(base), acked);
            if share.last_of_send {
                self.share_done(share.send_id, partition, batch_id, out);
            }
        }
        true
    }

    /// A part of one record the leader refused as too large, with parts after it. Its send fails with
    /// MESSAGE_TOO_LARGE (Kafka fails that record's future) and the parts after it go on: as Kafka's
    /// idempotent producer does after a failed batch, in a new epoch, numbered from 0. False for a batch's
    /// last or only part (the batch fails).
    fn drop_part(&mut self, now_ms: u64, batch_id: u64, error: &FranzError, out: &mut Outbox) -> bool {
        let Some((_, part)) = self.take_part(now_ms, batch_id) else { return false };
        for share in part {
            self.fail(share.send_id, error.clone(), out);
        }
        self.bump_epoch(batch_id, out);
        true
    }

    /// Takes a split batch's first part off its front, if it has another part after it, and readies the
    /// next to go at once: the part's records send by send, and the partition.
    fn take_part(&mut self, now_ms: u64, batch_id: u64) -> Option<(u32, Vec<PartShare>)> {
        let batch = self.batches.get_mut(&batch_id)?;
        let &end = batch.part_ends.first()?;
        batch.part_ends.remove(0);
        batch.part_ends.iter_mut().for_each(|e| *e -= end);
        batch.first_index += end as u32;
        if let Some(stamp) = batch.producer.as_mut().filter(|s| s.producer_id != NO_PRODUCER_ID) {
            stamp.base_sequence = stamp.base_sequence.wrapping_add(end as i32);
        }
        batch.packed = batch.packed.as_ref().map(|p| p.slice(end..p.len()));
        batch.in_flight = false;
        batch.retry_at_ms = Some(now_ms);
        batch.waits_for_answer = false;
        let mut part = Vec::new();
        let mut taken = 0;
        while taken < end {
            let Some(share) = batch.shares.first_mut() else { break };
            let n = (end - taken).min(share.record_indexes.len());
            let indexes: Vec<usize> = share.record_indexes.drain(..n).collect();
            let finished = share.record_indexes.is_empty();
            part.push(PartShare {
                send_id: share.send_id,
                record_indexes: indexes,
                place_in_part: taken,
                last_of_send: finished,
            });
            if finished {
                batch.shares.remove(0);
            }
            taken += n;
        }
        debug_assert_eq!(taken, end, "a part's records are the batch's first");
        debug_assert_eq!(
            batch.record_count(),
            batch.packed.as_ref().map_or(0, BatchRecords::len),
            "shares match records"
        );
        Some((batch.partition, part))
    }

    /// The leader refused the batch's current part as larger than `max.message.bytes`. As Kafka's producer
    /// does (`RecordAccumulator.splitAndReenqueue`, KIP-126), its records go again at once in smaller parts,
    /// numbered on from its sequence and ahead of the partition's later batches: of `batch.size` each the
    /// first time (a batch within it goes again whole), then of half the refused part, or its largest record
    /// (Kafka since KAFKA-8350). False for a single record, which no split can help: it fails with
    /// MESSAGE_TOO_LARGE.
    fn split(&mut self, now_ms: u64, batch_id: u64, out: &mut Outbox) -> bool {
        let batch_size_bytes = self.config.batch_size_bytes;
        let Some(batch) = self.batches.get_mut(&batch_id) else { return false };
        let Some(packed) = batch.packed.clone() else { return false };
        let end = batch.part_ends.first().copied().unwrap_or(packed.len());
        if end < 2 {
            return false;
        }
        let target_bytes = if batch.split {
            let largest = (0..end).map(|i| packed.size_bytes(i..i + 1)).max().unwrap_or(0);
            largest.max(packed.size_bytes(0..end) / 2)
        } else {
            batch_size_bytes
        };
        // Where new parts start: none only in a first split of a part within `batch.size`; after that at
        // least one (two records or more add up to more than half their size, and more than the largest).
        let mut cuts = Vec::new();
        let mut part_bytes = 0;
        for i in 0..end {
            let record_bytes = packed.size_bytes(i..i + 1);
            if part_bytes > 0 && part_bytes + record_bytes > target_bytes {
                cuts.push(i);
                part_bytes = 0;
            }
            part_bytes += record_bytes;
        }
        debug_assert!(!cuts.is_empty() || !batch.split, "a part refused again splits");
        batch.split = true;
        let parts = cuts.len() as u32 + 1;
        cuts.extend_from_slice(&batch.part_ends);
        batch.part_ends = cuts;
        batch.in_flight = false;
        batch.retry_at_ms = Some(now_ms);
        batch.waits_for_answer = false;
        let (topic, partition) = (batch.topic.clone(), batch.partition);
        out.trace(TraceKind::ProduceBatchSplit { topic, partition, records: end as u32, parts });
        true
    }

    /// A retriable failure: the batch goes again after its backoff (within `delivery.timeout.ms`), unless
    /// it was tried `retries` times already (Kafka's `canRetry`), when it fails with the error.
    fn schedule_retry(&mut self, now_ms: u64, batch_id: u64, error: &FranzError, out: &mut Outbox) {
        let retries = self.config.retries;
        if self.batches.get(&batch_id).is_some_and(|b| b.attempts > retries) {
            return self.fail_batch(batch_id, error, out);
        }
        let jitter = rand_core::RngCore::next_u32(&mut self.rng);
        let Some(batch) = self.batches.get_mut(&batch_id) else { return };
        batch.in_flight = false;
        batch.retry_at_ms = Some(now_ms + retry_backoff_ms(batch.attempts, jitter));
        let (topic, partition, attempt) = (batch.topic.clone(), batch.partition, batch.attempts + 1);
        let senders: Vec<u64> = batch.shares.iter().map(|s| s.send_id).collect();
        // The leader may have moved (a silent leader may be dead): relearn it, as Kafka's client does when
        // a request fails this way or a connection times out.
        match error.code {
            ErrorCode::UnknownTopicOrPartition | ErrorCode::UnknownTopicId => self.metadata.forget(&topic),
            ErrorCode::NotLeaderOrFollower
            | ErrorCode::LeaderNotAvailable
            | ErrorCode::RequestTimedOut
            | ErrorCode::NetworkException => self.metadata.forget_leader(&topic, partition),
            _ => {}
        }
        for send_id in senders {
            if let Some(send) = self.sends.get_mut(&send_id) {
                send.last_error = Some(error.clone());
            }
        }
        out.trace(TraceKind::ProduceRetry { topic, partition, error: error.code, attempt });
    }

    fn record_outcome(
        &mut self,
        send_id: u64,
        indexes: &[usize],
        partition: u32,
        base_offset: Option<Offset>,
        acked: AckedLog,
    ) {
        let Some(send) = self.sends.get_mut(&send_id) else {
            return;
        };
        for (n, &i) in indexes.iter().enumerate() {
            if let Some(slot) = send.outcome.get_mut(i) {
                *slot = Some(RecordMetadata { partition, offset: base_offset.map(|b| b + n as Offset) });
            }
            if let Some(slot) = send.acked_by.get_mut(i) {
                *slot = acked;
            }
        }
    }

    fn maybe_complete(&mut self, send_id: u64, out: &mut Outbox) {
        let done = self.sends.get(&send_id).is_some_and(|s| s.dispatched && s.shares_left == 0);
        if !done {
            return;
        }
        if let Some(send) = self.sends.remove(&send_id) {
            let mut metadata = Vec::with_capacity(send.outcome.len());
            let mut acked_by = Vec::with_capacity(send.outcome.len());
            for (outcome, acked) in send.outcome.into_iter().zip(send.acked_by) {
                metadata.extend(outcome);
                acked_by.extend(outcome.map(|_| acked));
            }
            debug_assert_eq!(metadata.len(), send.records.len(), "every record of a finished send has an outcome");
            out.history(Op::SendAcked {
                producer: self.id,
                request_id: send_id,
                topic: send.topic,
                records: metadata
                    .iter()
                    .zip(acked_by)
                    .map(|(m, acked)| AckedRecord {
                        partition: m.partition,
                        offset: m.offset,
                        topic_id: acked.topic_id,
                        log_start_offset: acked.log_start_offset,
                        batch_id: send.batch_of.get(&m.partition).copied().unwrap_or_default(),
                    })
                    .collect(),
            });
            self.completed.push(SendResult { request_id: send_id, result: Ok(metadata) });
        }
    }

    /// Fails a whole send at its first failure, as KafkaJS's `send` rejects at its first failed request
    /// (Kafka's Java client fails each record's future alone). Its records leave the batches not yet sent;
    /// those already sent stay as they are (a retry must match), and may yet be written: the message says so.
    fn fail(&mut self, send_id: u64, mut error: FranzError, out: &mut Outbox) {
        let Some(send) = self.sends.remove(&send_id) else {
            return;
        };
        for batch in self.batches.values_mut().filter(|b| b.producer.is_none()) {
            batch.shares.retain(|s| s.send_id != send_id);
            batch.size_bytes = batch.shares.iter().map(|s| s.size_bytes).sum();
        }
        self.batches.retain(|_, b| !b.shares.is_empty());
        let written = send.outcome.iter().flatten().count();
        let out_still = self.batches.values().filter(|b| b.shares.iter().any(|s| s.send_id == send_id)).count();
        if written > 0 || out_still > 0 {
            error.message = alloc::format!(
                "{} (the send failed as a whole; of its other records, {written} were written already, and those \
                 of {out_still} partition(s) still out may yet be written)",
                error.message
            );
        }
        out.history(Op::SendFailed {
            producer: self.id,
            request_id: send_id,
            topic: send.topic.clone(),
            error: error.code,
        });
        out.trace(TraceKind::ProduceFailed {
            topic: send.topic,
            partition: None,
            error: error.code,
            message: error.message.clone(),
        });
        self.completed.push(SendResult { request_id: send_id, result: Err(error) });
    }

    fn on_produce_response(
        &mut self,
        now_ms: u64,
        correlation_id: CorrelationId,
        mut answers: Vec<ProducePartitionResult>,
        out: &mut Outbox,
    ) {
        if !self.awaits(correlation_id, |r| matches!(r, ProducerRequest::Produce { .. })) {
            return;
        }
        let Some(ProducerRequest::Produce { batch_ids, .. }) = self.in_flight.take(correlation_id).map(|r| r.pending)
        else {
            return;
        };
        for batch_id in batch_ids {
            let Some(batch) = self.batches.get(&batch_id) else { continue };
            let found = answers.iter().position(|a| a.partition == batch.partition && a.topic == batch.topic);
            let (result, acked) = match found.map(|i| answers.swap_remove(i)) {
                Some(answer) => {
                    let acked = AckedLog {
                        topic_id: answer.topic_id,
                        log_start_offset: answer.log_start_offset,
                        leader_epoch: answer.leader_epoch,
                    };
                    (answer.result, acked)
                }
                // Franz's brokers answer every partition; one left out is retried, as a lost answer would be.
                None => (
                    Err(franz_err!(
                        NetworkException,
                        "The Produce answer left out {}-{}",
                        batch.topic,
                        batch.partition
                    )),
                    AckedLog::default(),
                ),
            };
            self.on_batch_result(now_ms, batch_id, result, acked, out);
        }
        self.drain(now_ms, out);
    }

    /// One batch's answer (from the log `acked` names): acknowledged, to be retried, or failed for good.
    fn on_batch_result(
        &mut self,
        now_ms: u64,
        batch_id: u64,
        result: Result<Offset>,
        acked: AckedLog,
        out: &mut Outbox,
    ) {
        let (topic_id, leader_epoch) = (acked.topic_id, acked.leader_epoch);
        match result {
            Ok(base_offset) => {
                if let Some(batch) = self.batches.get(&batch_id) {
                    self.metadata.saw_leader_epoch(&batch.topic, batch.partition, topic_id, leader_epoch);
                }
                if let Some(batch) = self.batches.get(&batch_id).filter(|b| b.producer.is_some()) {
                    let tp = TopicPartition::new(batch.topic.clone(), batch.partition);
                    if let Some(sequence) = self.sequences.get_mut(&tp) {
                        sequence.acked_topic_id = topic_id;
                        sequence.acked_ordinal_max = sequence.acked_ordinal_max.max(Some(batch.ordinal));
                    }
                }
                if !self.part_done(now_ms, batch_id, base_offset, acked, out) {
                    self.batch_done(batch_id, Some(base_offset), acked, out);
                }
            }
            // A zombie leader of an older incarnation of the topic (whose max.message.bytes may be smaller)
            // refused it: the batch may be in today's log already (an attempt whose answer was lost), so
            // splitting it into new sequences would write it twice. Metadata again, and a retry as it is.
            // (Soak seed 10,006,874.)
            Err(error)
                if error.code == ErrorCode::MessageTooLarge
                    && self.refused_by_an_older_incarnation(batch_id, topic_id) =>
            {
                let topic = self.batches.get(&batch_id).map(|b| b.topic.clone()).unwrap_or_default();
                self.metadata.forget(&topic);
                self.schedule_retry(now_ms, batch_id, &error, out);
            }
            Err(error) if error.code == ErrorCode::MessageTooLarge && self.split(now_ms, batch_id, out) => {}
            Err(error) if error.code == ErrorCode::MessageTooLarge && self.drop_part(now_ms, batch_id, &error, out) => {
            }
            Err(error) if Self::retry_worthy(error.code) => {
                if error.code == ErrorCode::OutOfOrderSequenceNumber && !self.gap_pending(batch_id) {
                    if self.later_batch_acked(batch_id) {
                        // A batch of ours sent after this one is acknowledged: the log has moved past this
                        // one, and renumbering it would write it after that later one. As Kafka's `canRetry`
                        // (a batch that is not the next in sequence), a retry as numbered, until an answer
                        // shows it was written or it expires at delivery.timeout.ms (adversary 26, seed 92:
                        // a leader that had no state for us took the later batch first).
                    } else if self.refused_by_an_older_incarnation(batch_id, topic_id) {
                        // A replica of an older incarnation of the topic than the log that took our last
                        // batch here refused it: a zombie leader of a deleted topic, that never saw us. This
                        // batch may be in today's log already (an attempt whose answer was lost), so
                        // renumbering it would write it twice. Metadata again, and a retry as numbered.
                        // (Soak seed 10,005,067.)
                        let topic = self.batches.get(&batch_id).map(|b| b.topic.clone()).unwrap_or_default();
                        self.metadata.forget(&topic);
                    } else {
                        // No earlier batch of ours can fill the gap: the broker lost records it had (a power
                        // loss, an unclean election). As Kafka's idempotent producer does (KIP-360), start a
                        // new epoch.
                        self.bump_epoch(batch_id, out);
                    }
                }
                self.schedule_retry(now_ms, batch_id, &error, out);
            }
            Err(error) => self.fail_batch(batch_id, &error, out),
        }
    }

    /// The batch fails for good with `error`, and every send with records in it.
    fn fail_batch(&mut self, batch_id: u64, error: &FranzError, out: &mut Outbox) {
        let Some(batch) = self.batches.remove(&batch_id) else { return };
        if error.code == ErrorCode::UnknownTopicOrPartition {
            self.metadata.forget(&batch.topic);
        }
        // Its sequence numbers will never be in the log: as Kafka's idempotent producer does
        // (`handleFailedBatch`), a new epoch, which the partition takes up from sequence 0 once none
        // of its batches is out, so that the next batch leaves no gap.
        if let (Some(_), Some((producer_id, epoch))) = (batch.producer, self.producer_id) {
            self.producer_id = next_epoch(producer_id, epoch);
        }
        for share in batch.shares {
            self.fail(share.send_id, error.clone(), out);
        }
    }

    /// Kafka's retriable errors, UNKNOWN_TOPIC_OR_PARTITION among them (a leader that has not yet learned a
    /// new topic says so; a deleted topic's batches expire at `delivery.timeout.ms`, as in Kafka). An
    /// out-of-order sequence means an earlier batch is being retried: this one goes again after it.
    fn retry_worthy(code: ErrorCode) -> bool {
        code.retriable() || matches!(code, ErrorCode::OutOfOrderSequenceNumber | ErrorCode::InvalidProducerEpoch)
    }

    /// Whether `batch_id` was refused by a log of an older incarnation of its topic than the one that
    /// acknowledged its partition's latest batch. (Franz's topic ids are the metadata offsets of the
    /// topics' creation, so a later incarnation has a larger id; Kafka's are random UUIDs, and its zombie
    /// leader takes the batch instead of refusing it.) A refusal from a later incarnation (the topic was
    /// deleted and created again since) is a log that never saw us: a new epoch, as for a lost log.
    fn refused_by_an_older_incarnation(&self, batch_id: u64, topic_id: Option<TopicId>) -> bool {
        let Some(batch) = self.batches.get(&batch_id) else { return false };
        let tp = TopicPartition::new(batch.topic.clone(), batch.partition);
        let acked = self.sequences.get(&tp).and_then(|s| s.acked_topic_id);
        matches!((acked, topic_id), (Some(acked), Some(refuser)) if refuser < acked)
    }

    /// Whether a batch of ours numbered after `batch_id` in its partition was acknowledged.
    fn later_batch_acked(&self, batch_id: u64) -> bool {
        let Some(batch) = self.batches.get(&batch_id) else { return false };
        let tp = TopicPartition::new(batch.topic.clone(), batch.partition);
        self.sequences.get(&tp).and_then(|s| s.acked_ordinal_max).is_some_and(|acked| acked > batch.ordinal)
    }

    /// Whether an unacknowledged batch of ours, earlier in the same partition's sequence, is still to land.
    fn gap_pending(&self, batch_id: u64) -> bool {
        let Some(this) = self.batches.get(&batch_id) else { return false };
        let Some(stamp) = this.producer else { return false };
        self.batches.iter().any(|(&id, b)| {
            id != batch_id
                && b.topic == this.topic
                && b.partition == this.partition
                && b.producer
                    .is_some_and(|p| p.producer_epoch == stamp.producer_epoch && p.base_sequence < stamp.base_sequence)
        })
    }

    /// A new epoch, for the partition of `batch_id` whose broker lost what it had (KIP-360): its batches
    /// sent but not yet acknowledged are renumbered from 0, in the order they were first sent (each was
    /// refused, so none of them is in the log). Other partitions move to the new epoch once nothing of
    /// theirs is out.
    fn bump_epoch(&mut self, batch_id: u64, out: &mut Outbox) {
        let Some((producer_id, epoch)) = self.producer_id else { return };
        let Some((tp, refused)) =
            self.batches.get(&batch_id).map(|b| (TopicPartition::new(b.topic.clone(), b.partition), b.ordinal))
        else {
            return;
        };
        self.producer_id = next_epoch(producer_id, epoch);
        // At the last epoch: a new producer id first (its answer comes back here through the next refusal).
        let Some((producer_id, producer_epoch)) = self.producer_id else { return };
        let (mut next, mut renumbered, mut sent_later) = (0i32, 0u32, 0u32);
        for batch in self.batches.values_mut().filter(|b| b.producer.is_some()) {
            if batch.topic == tp.topic && batch.partition == tp.partition {
                batch.producer = Some(ProducerStamp { producer_id, producer_epoch, base_sequence: next });
                next = next.wrapping_add(batch.record_count() as i32);
                renumbered += 1;
                sent_later += u32::from(batch.ordinal > refused && batch.attempts > 0);
            }
        }
        let (topic, partition) = (tp.topic.clone(), tp.partition);
        out.trace(TraceKind::ProducerEpochBumped { topic, partition, producer_epoch, renumbered, sent_later });
        let (batches_numbered, acked_topic_id, acked_ordinal_max) = self
            .sequences
            .get(&tp)
            .map_or((0, None, None), |s| (s.batches_numbered, s.acked_topic_id, s.acked_ordinal_max));
        let epoch = producer_epoch;
        let sequence =
            PartitionSequence { epoch, next_sequence: next, batches_numbered, acked_topic_id, acked_ordinal_max };
        self.sequences.insert(tp, sequence);
    }
}

/// Kafka's producer backoff since KIP-580 (3.7, `RecordAccumulator`'s `ExponentialBackoff`): before the
/// batch's retry after its `attempts`-th try, `retry.backoff.ms` doubled per earlier retry, up to
/// `retry.backoff.max.ms`, times a random factor within ±20% (`jitter` is the draw). A constant 100 ms made a
/// producer facing NOT_ENOUGH_REPLICAS retry ~48 times in 5 s where Kafka's does ~9 (adversary 33).
fn retry_backoff_ms(attempts: u32, jitter: u32) -> u64 {
    // The base is capped before the jitter, as Kafka's `ExponentialBackoff` caps the exponent: capped retries
    // still spread over 800-1,000 ms rather than all waiting exactly 1 s (adversary 35).
    let doublings = attempts.saturating_sub(1).min(16);
    let term = RETRY_BACKOFF_MS.saturating_mul(1 << doublings).min(RETRY_BACKOFF_MAX_MS);
    // A factor in [0.8, 1.2), in thousandths, from the draw.
    let factor = 800 + u64::from(jitter % 400);
    (term.saturating_mul(factor) / 1_000).min(RETRY_BACKOFF_MAX_MS)
}

/// The producer's next epoch; past the last one, none: the producer asks for a new producer id (Kafka's
/// `bumpIdempotentProducerEpoch` resets the id at `Short.MAX_VALUE`), and its partitions start over at
/// sequence 0 under it.
fn next_epoch(producer_id: i64, epoch: i16) -> Option<(i64, i16)> {
    (epoch < i16::MAX).then(|| (producer_id, epoch + 1))
}

impl Actor for Producer {
    fn awaits_answer_from(&self, node: NodeId) -> bool {
        self.in_flight.count_to(node, |_| true) > 0
    }

    fn connection(&self, node: NodeId) -> Option<(u32, bool)> {
        self.in_flight.connection(node)
    }

    fn on_message(&mut self, now_ms: u64, from: NodeId, message: Message, out: &mut Outbox) {
        if !matches!(message, Message::Disconnected { .. }) {
            self.in_flight.heard_from(from, message.correlation_id());
        }
        match message {
            Message::Disconnected { correlation_id } => self.on_disconnected(now_ms, from, correlation_id, out),
            Message::MetadataResponse { correlation_id, topics, .. }
                if self.awaits(correlation_id, |r| matches!(r, ProducerRequest::Metadata)) =>
            {
                self.in_flight.take(correlation_id);
                if self.metadata.update(now_ms, topics) {
                    self.bootstrap.rotate(); // that broker has not learned of a newer leader yet
                }
                self.dispatch_ready(now_ms, out);
            }
            Message::ProduceResponse { correlation_id, partitions } => {
                self.on_produce_response(now_ms, correlation_id, partitions, out);
            }
            Message::InitProducerIdResponse { correlation_id, result }
                if self.awaits(correlation_id, |r| matches!(r, ProducerRequest::InitProducerId)) =>
            {
                self.in_flight.take(correlation_id);
                if let Ok(id) = result {
                    self.producer_id = Some(id);
                }
                self.dispatch_ready(now_ms, out);
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, now_ms: u64, out: &mut Outbox) {
        self.expire_requests(now_ms, out);
        self.drain(now_ms, out);
        self.expire_sends(now_ms, out);
    }

    fn timers(&self, timers: &mut Timers) {
        self.producer_timers(timers)
    }
}

impl Producer {
    /// A broker's process is down: what was out to it is lost now (Kafka's NetworkClient sees the
    /// disconnect), so it is retried at once rather than after `request.timeout.ms`.
    fn on_disconnected(&mut self, now_ms: u64, node: NodeId, refused: Option<CorrelationId>, out: &mut Outbox) {
        // A connection awaiting nothing (acks=0) broke: its leader may have moved, so its partitions wait for
        // new metadata (Kafka's broker closes an acks=0 producer's connection on an error so that it does; found
        // by an adversary: the producer wrote into the old leader for metadata.max.age.ms, 5 minutes).
        if self.in_flight.count_to(node, |_| true) == 0 {
            self.metadata.forget_leaders_on(node);
        }
        // Only the request refused is lost: one sent since went out on a new connection.
        self.in_flight.disconnected(now_ms, node, refused, |r| {
            if let ProducerRequest::Produce { disconnected, .. } = r {
                *disconnected = true;
            }
        });
        self.expire_requests(now_ms, out);
        self.drain(now_ms, out);
    }

    /// Requests whose answer did not come in time (or whose connection broke) are retried.
    fn expire_requests(&mut self, now_ms: u64, out: &mut Outbox) {
        if self.metadata_retry_at_ms.is_some_and(|t| t <= now_ms) {
            self.metadata_retry_at_ms = None;
            self.dispatch_ready(now_ms, out);
        }
        for kind in [ProducerRequest::Metadata, ProducerRequest::InitProducerId] {
            let same = |r: &ProducerRequest| core::mem::discriminant(r) == core::mem::discriminant(&kind);
            for correlation_id in self.in_flight.due(now_ms, same) {
                self.in_flight.take(correlation_id);
                self.bootstrap.rotate();
                self.dispatch_ready(now_ms, out);
            }
        }
        let produces = self.in_flight.due(now_ms, |r| matches!(r, ProducerRequest::Produce { .. }));
        for correlation_id in produces {
            let Some(request) = self.in_flight.take(correlation_id) else { continue };
            let connecting = request.timed_out_connecting();
            let ProducerRequest::Produce { batch_ids, disconnected } = request.pending else { continue };
            let e = if disconnected {
                franz_err!(NetworkException, "Broker {} disconnected while the Produce was out", request.to)
            } else if connecting {
                franz_err!(
                    NetworkException,
                    "No connection to broker {} within socket.connection.setup.timeout.ms: it says nothing",
                    request.to
                )
            } else {
                franz_err!(
                    RequestTimedOut,
                    "No answer to Produce within request.timeout.ms ({} ms)",
                    self.config.request_timeout_ms
                )
            };
            for batch_id in batch_ids {
                self.schedule_retry(now_ms, batch_id, &e, out);
            }
        }
    }

    /// Whether `send` waits for metadata its topic has not got: the topic, or a partition it names.
    fn blocked_on_metadata(&self, send: &PendingSend) -> bool {
        match self.metadata.partition_count(&send.topic) {
            None => true,
            Some(count) => send.records.iter().any(|r| r.partition.is_some_and(|p| p >= count)),
        }
    }

    /// Sends older than `delivery.timeout.ms` fail.
    fn expire_sends(&mut self, now_ms: u64, out: &mut Outbox) {
        let batches_before = self.batches.len();
        // A send still without its topic's metadata fails at max.block.ms (Kafka's send() blocks that long),
        // even when no broker answers at all.
        let blocked: Vec<u64> = self
            .sends
            .iter()
            .filter(|(_, s)| !s.dispatched && s.metadata_deadline_ms <= now_ms && self.blocked_on_metadata(s))
            .map(|(&id, _)| id)
            .collect();
        for send_id in blocked {
            let Some(send) = self.sends.get(&send_id) else { continue };
            if self.metadata.partition_count(&send.topic).is_some() {
                // A partition the topic's metadata does not have yet: `dispatch` fails it, past max.block.ms.
                self.dispatch(now_ms, send_id, out);
                continue;
            }
            // The brokers' last word on the topic (UNKNOWN_TOPIC_OR_PARTITION), or none at all (a timeout).
            let (code, why) = match &send.last_error {
                Some(e) => (e.code, alloc::format!(": {}", e.message)),
                None => (ErrorCode::RequestTimedOut, String::new()),
            };
            let message = alloc::format!(
                "Topic {} not present in metadata after {} ms (max.block.ms){why}",
                send.topic,
                self.config.max_block_ms
            );
            self.fail(send_id, FranzError::new(code, message), out);
        }
        let expired: Vec<u64> = self
            .sends
            .iter()
            .filter(|(_, s)| s.delivery_clock_running() && s.deadline_ms <= now_ms)
            .map(|(&id, _)| id)
            .collect();
        for send_id in expired {
            let Some(send) = self.sends.get(&send_id) else { continue }; // failed with an earlier batch
            let why = send.last_error.as_ref().map(|e| alloc::format!("; the last attempt failed with {e}"));
            let e = franz_err!(
                RequestTimedOut,
                "Expiring the send: delivery.timeout.ms ({} ms) has passed since its records joined batches{}",
                self.config.delivery_timeout_ms,
                why.unwrap_or_default()
            );
            // As Kafka expires batches: every batch with records of this send stops, and every send with
            // records in those batches fails. (Sequence numbers left unused make the next batch out of
            // order; the producer then starts a new epoch.)
            let batches: Vec<u64> = self
                .batches
                .iter()
                .filter(|(_, b)| b.shares.iter().any(|s| s.send_id == send_id))
                .map(|(&id, _)| id)
                .collect();
            let mut senders = alloc::vec![send_id];
            for batch_id in batches {
                if let Some(batch) = self.batches.remove(&batch_id) {
                    senders.extend(batch.shares.iter().map(|s| s.send_id));
                }
            }
            self.forget_requests_of_gone_batches();
            crate::collect::sort(&mut senders);
            senders.dedup();
            for id in senders {
                self.fail(id, e.clone(), out);
            }
        }
        // A batch expires on its own clock too (Kafka's `hasReachedDeliveryTimeout`), even when the sends it
        // carried failed already: none is retried forever.
        let stale: Vec<u64> = self
            .batches
            .iter()
            .filter(|(_, b)| b.created_ms.saturating_add(self.config.delivery_timeout_ms) <= now_ms)
            .map(|(&id, _)| id)
            .collect();
        for batch_id in stale {
            let Some(batch) = self.batches.remove(&batch_id) else { continue };
            let e = franz_err!(
                RequestTimedOut,
                "Expiring a batch for {}-{}: delivery.timeout.ms ({} ms) has passed since it was made",
                batch.topic,
                batch.partition,
                self.config.delivery_timeout_ms
            );
            for share in batch.shares {
                self.fail(share.send_id, e.clone(), out);
            }
        }
        self.forget_requests_of_gone_batches();
        // A batch gone frees what waited behind it (room at its leader, the head of its partition): those go
        // now, as they arm no timer while they wait.
        if self.batches.len() < batches_before {
            self.drain(now_ms, out);
        }
    }

    /// The producer's answer to `correlation_id` is awaited, for a request `which` selects.
    fn awaits(&self, correlation_id: CorrelationId, which: impl Fn(&ProducerRequest) -> bool) -> bool {
        self.in_flight.get(correlation_id).is_some_and(|r| which(&r.pending))
    }

    fn forget_requests_of_gone_batches(&mut self) {
        let batches = &self.batches;
        self.in_flight.retain(|r| match r {
            ProducerRequest::Produce { batch_ids, .. } => batch_ids.iter().any(|id| batches.contains_key(id)),
            _ => true,
        });
    }

    fn producer_timers(&self, timers: &mut Timers) {
        timers.set_all(TimerName::RequestTimeout, self.in_flight.deadlines_ms());
        if !self.in_flight.any(|r| matches!(r, ProducerRequest::Metadata)) {
            timers.set(TimerName::RetryBackoff, self.metadata_retry_at_ms);
        }
        for send in self.sends.values().filter(|s| s.delivery_clock_running()) {
            timers.set(TimerName::DeliveryTimeout, send.deadline_ms);
        }
        // Sends wait in the order they were made, each max.block.ms after it was: the first waiting is the next.
        // (Only those `expire_sends` can fail: a timer set for another fired every millisecond, doing nothing.)
        let waiting = self.undispatched.iter().filter_map(|id| self.sends.get(id));
        let waiting = waiting.filter(|s| !s.dispatched && self.blocked_on_metadata(s));
        for send in waiting.take(if timers.lists_all() { usize::MAX } else { 1 }) {
            timers.set(TimerName::MaxBlock, send.metadata_deadline_ms);
        }
        // Batches expire in the order they were made (each `delivery.timeout.ms` after it was): the oldest is
        // the next, and a busy producer has hundreds (this runs after every event).
        let all = if timers.lists_all() { usize::MAX } else { 1 };
        let delivery_timeout_ms = self.config.delivery_timeout_ms;
        for batch in self.batches.values().take(all) {
            timers.set(TimerName::DeliveryTimeout, batch.created_ms.saturating_add(delivery_timeout_ms));
        }
        for batch in self.batches.values() {
            if batch.in_flight || batch.waits_for_answer {
                continue;
            }
            match (batch.producer, batch.retry_at_ms) {
                (_, Some(at)) => timers.set(TimerName::RetryBackoff, at),
                (None, None) => timers.set(TimerName::Linger, batch.created_ms.saturating_add(self.config.linger_ms)),
                // Sent once, waiting for room at its leader: an answer (or a request timeout) frees it.
                (Some(_), None) => {}
            }
        }
    }
}

/// Orders a send's `(partition, record index)` pairs by partition, keeping send order within each: a counting
/// sort when the partitions are few beside the records (a sort of a 500-record send cost a tenth of a bulk run).
fn sort_by_partition(placed: &mut Vec<(u32, usize)>, partition_count: u32) {
    let buckets = partition_count as usize;
    if buckets > placed.len().saturating_mul(4) || placed.iter().any(|&(p, _)| p as usize >= buckets) {
        crate::collect::sort(placed);
        return;
    }
    let mut next = alloc::vec![0usize; buckets];
    for &(p, _) in placed.iter() {
        next[p as usize] += 1;
    }
    let mut start = 0;
    for slot in &mut next {
        start += core::mem::replace(slot, start);
    }
    let mut sorted = alloc::vec![(0, 0); placed.len()];
    for &(p, i) in placed.iter() {
        sorted[next[p as usize]] = (p, i);
        next[p as usize] += 1;
    }
    *placed = sorted;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::message::{PartitionMetadata, TopicMetadata};
    use crate::rng::{stream_rng, Stream};

    const BROKER: NodeId = 1;

    fn only_request(out: &mut Outbox) -> Message {
        let mut sent = out.take_messages();
        assert_eq!(sent.len(), 1, "{sent:?}");
        sent.remove(0).1
    }

    /// KIP-580: 100 ms doubled per retry up to 1 s, within ±20%.
    #[test]
    fn the_retry_backoff_grows_exponentially_with_jitter_up_to_its_max() {
        for (attempts, low, high) in [(1, 80, 120), (2, 160, 240), (3, 320, 480), (4, 640, 960), (5, 800, 1_000)] {
            for jitter in [0, 1, 199, 200, 399, u32::MAX] {
                let ms = retry_backoff_ms(attempts, jitter);
                assert!((low..=high).contains(&ms), "attempt {attempts}, draw {jitter}: {ms}");
            }
        }
        assert_eq!(retry_backoff_ms(u32::MAX, 7), 807, "capped, then jittered");
        assert_eq!(retry_backoff_ms(9, 399), RETRY_BACKOFF_MAX_MS);
    }

    /// The counting sort orders as a sort of the pairs would (partition, then send order), for few
    /// partitions or many.
    #[test]
    fn sort_by_partition_orders_by_partition_then_send_order() {
        let mut rng = stream_rng(7, Stream::Workload);
        for (records, partitions) in [(0, 3), (1, 1), (500, 12), (500, 3), (10, 10_000), (64, 16)] {
            let placed: Vec<(u32, usize)> =
                (0..records).map(|i| ((rand_core::RngCore::next_u32(&mut rng)) % partitions, i)).collect();
            let (mut counted, mut sorted) = (placed.clone(), placed);
            sort_by_partition(&mut counted, partitions);
            sorted.sort_unstable();
            assert_eq!(counted, sorted, "{records} records, {partitions} partitions");
        }
    }

    /// KafkaProducer's `postProcessAndValidateIdempotenceConfigs`: idempotence asked for refuses acks 0 and 1;
    /// left unset it gives way to them; on (set or not) with acks=all, it allows at most 5 in flight.
    #[test]
    fn idempotence_set_refuses_acks_other_than_all_and_unset_gives_way() {
        let config = |acks, enable_idempotence, in_flight| ProducerConfig {
            acks,
            enable_idempotence,
            max_in_flight_requests_per_connection: in_flight,
            ..ProducerConfig::default()
        };
        for acks in [Acks::Leader, Acks::None] {
            let err = config(acks, Some(true), 5).validate().unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidConfig);
            assert!(err.message.contains("Must set acks to all"), "{}", err.message);
            for unset_or_off in [None, Some(false)] {
                let c = config(acks, unset_or_off, 10);
                assert!(c.validate().is_ok() && !c.idempotent(), "{c:?}");
            }
        }
        for on in [None, Some(true)] {
            assert!(config(Acks::All, on, 5).idempotent());
            assert_eq!(config(Acks::All, on, 6).validate().unwrap_err().code, ErrorCode::InvalidConfig);
        }
        let off = config(Acks::All, Some(false), 6);
        assert!(off.validate().is_ok() && !off.idempotent());
    }

    /// An idempotent producer at its last epoch, with its metadata: its send goes out as a Produce.
    fn at_last_epoch(out: &mut Outbox) -> Producer {
        let config = ProducerConfig { linger_ms: 0, ..ProducerConfig::named("p") };
        let mut p = Producer::new(10_002, config, vec![BROKER], stream_rng(1, Stream::Actor(10_002)));
        p.send(0, "t".into(), vec![ProducerRecord { value: Some("v".into()), ..Default::default() }], out).unwrap();
        let Message::InitProducerIdRequest { correlation_id } = only_request(out) else {
            panic!("InitProducerId first")
        };
        let answer = Message::InitProducerIdResponse { correlation_id, result: Ok((5, i16::MAX)) };
        p.on_message(1, BROKER, answer, out);
        let Message::MetadataRequest { correlation_id, .. } = only_request(out) else { panic!("then metadata") };
        let partition =
            PartitionMetadata { partition: 0, leader: BROKER, leader_epoch: 0, replicas: vec![1], isr: vec![1] };
        let topics = vec![TopicMetadata { name: "t".into(), topic_id: Some(1), partitions: Ok(vec![partition]) }];
        p.on_message(2, BROKER, Message::MetadataResponse { correlation_id, brokers: vec![1], topics }, out);
        p
    }

    /// A send larger than Kafka's default buffer.memory is refused at once (its records would share one
    /// batch, whose offsets are 32-bit), and the producer goes on sending.
    #[test]
    fn a_send_of_more_than_buffer_memory_is_refused_and_the_producer_goes_on() {
        let mut out = Outbox::default();
        let mut p =
            Producer::new(10_002, ProducerConfig::named("p"), vec![BROKER], stream_rng(1, Stream::Actor(10_002)));
        // Each record within max.request.size (1 MiB), 33 of them above buffer.memory (32 MiB).
        let mebibyte = crate::types::Bytes::from(vec![7u8; (1 << 20) - 100]);
        let big: Vec<ProducerRecord> =
            (0..33).map(|_| ProducerRecord { value: Some(mebibyte.clone()), ..Default::default() }).collect();
        let e = p.send(0, "t".into(), big, &mut out).unwrap_err();
        assert_eq!(e.code, ErrorCode::RecordListTooLarge, "{e}");
        assert!(out.take_messages().is_empty(), "nothing asked for");
        let fits: Vec<ProducerRecord> =
            (0..31).map(|_| ProducerRecord { value: Some(mebibyte.clone()), ..Default::default() }).collect();
        p.send(0, "t".into(), fits, &mut out).expect("31 MiB fit");
        let first = only_request(&mut out);
        assert!(matches!(first, Message::InitProducerIdRequest { .. }), "the send goes on: {first:?}");
        // One record above buffer.memory is Kafka's RecordTooLargeException, whatever max.request.size says
        // (adversary 64: it was refused as a list too large).
        let huge = ProducerRecord { value: Some(vec![7u8; SEND_BYTES_MAX + 1].into()), ..Default::default() };
        for max_request_size_bytes in [1 << 20, 1 << 30] {
            let config = ProducerConfig { max_request_size_bytes, ..ProducerConfig::named("q") };
            let mut q = Producer::new(10_003, config, vec![BROKER], stream_rng(1, Stream::Actor(10_003)));
            let e = q.send(0, "t".into(), vec![huge.clone()], &mut out).unwrap_err();
            assert_eq!(e.code, ErrorCode::MessageTooLarge, "{e}");
            let said = if max_request_size_bytes == 1 << 20 { "max.request.size" } else { "buffer.memory" };
            assert!(e.message.contains(said), "{e}");
        }
        // Kafka's estimate, to the byte (adversary 65): a value of 1,048,490 bytes alone is 1,048,577 with a
        // batch header, the record's most overhead and its fields' varint lengths; 33,554,345 is 32 MiB + 1.
        let of = |n: usize| ProducerRecord { value: Some(vec![7u8; n].into()), ..Default::default() };
        assert_eq!(record_too_large(Some(serialized_size_upper_bound_bytes(&of(1_048_489))), 1 << 20), None);
        assert!(record_too_large(Some(serialized_size_upper_bound_bytes(&of(1_048_490))), 1 << 20).is_some());
        assert_eq!(record_too_large(Some(serialized_size_upper_bound_bytes(&of(33_554_344))), 1 << 30), None);
        assert!(record_too_large(Some(serialized_size_upper_bound_bytes(&of(33_554_345))), 1 << 30).is_some());
    }

    /// Review of the packed-batch change: a batch that carries a failed send's records (and another's) is
    /// retried with the very records it first carried, each record without a timestamp stamped with the
    /// clock when it joined the batch (not when the batch went).
    #[test]
    fn a_retried_batch_carries_its_first_records_after_a_send_in_it_failed() {
        let mut out = Outbox::default();
        let config = ProducerConfig { linger_ms: 10, enable_idempotence: Some(false), ..ProducerConfig::named("p") };
        let mut p = Producer::new(10_002, config, vec![BROKER], stream_rng(1, Stream::Actor(10_002)));
        let rec = |v: &'static str, partition: u32| ProducerRecord {
            value: Some(v.into()),
            partition: Some(partition),
            headers: vec![crate::types::Header { key: v.into(), value: Some(v.into()) }],
            ..Default::default()
        };
        let a = p.send(0, "t".into(), vec![rec("a1", 0), rec("a2", 1)], &mut out).unwrap();
        let Message::MetadataRequest { correlation_id, .. } = only_request(&mut out) else { panic!("metadata") };
        let partitions = (0..2)
            .map(|partition| PartitionMetadata {
                partition,
                leader: BROKER,
                leader_epoch: 0,
                replicas: vec![1],
                isr: vec![1],
            })
            .collect();
        let topics = vec![TopicMetadata { name: "t".into(), topic_id: Some(1), partitions: Ok(partitions) }];
        p.on_message(1, BROKER, Message::MetadataResponse { correlation_id, brokers: vec![1], topics }, &mut out);
        assert!(out.take_messages().is_empty(), "the batches linger");
        let b = p.send(4, "t".into(), vec![rec("b1", 0)], &mut out).unwrap();
        assert!(out.take_messages().is_empty(), "the batches linger");
        p.on_timer(11, &mut out);
        let Message::ProduceRequest { correlation_id, partitions: first, .. } = only_request(&mut out) else {
            panic!("the batches go")
        };
        let p0 = first.iter().find(|b| b.partition == 0).unwrap().records.clone();
        let values: Vec<_> = p0.iter().map(|r| (r.value.unwrap(), r.timestamp_ms, r.offset, r.headers.len())).collect();
        assert_eq!(values, [("a1".into(), 1, 0, 1), ("b1".into(), 4, 1, 1)], "joined at 1 and 4");
        let answers = vec![
            ProducePartitionResult::refused("t", 0, None, franz_err!(NotEnoughReplicas, "retry")),
            ProducePartitionResult::refused("t", 1, None, franz_err!(InvalidRecord, "for good")),
        ];
        p.on_message(12, BROKER, Message::ProduceResponse { correlation_id, partitions: answers }, &mut out);
        let results = p.take_results();
        assert_eq!(results.len(), 1);
        assert_eq!(results[0].request_id, a, "send a failed with partition 1");
        p.on_timer(12 + RETRY_BACKOFF_MS * 6 / 5, &mut out); // the backoff's most, with jitter
        let Message::ProduceRequest { correlation_id, partitions: retry, .. } = only_request(&mut out) else {
            panic!("the partition-0 batch is retried")
        };
        assert_eq!(retry.len(), 1);
        assert_eq!(retry[0].records, p0, "the retry carries the first attempt's records, a's included");
        let ok = vec![ProducePartitionResult::appended("t", 0, Some(1), 40, 0, 0)];
        p.on_message(
            13 + RETRY_BACKOFF_MS * 6 / 5,
            BROKER,
            Message::ProduceResponse { correlation_id, partitions: ok },
            &mut out,
        );
        let results = p.take_results();
        assert_eq!(results.len(), 1);
        assert_eq!(results[0].request_id, b);
        assert_eq!(results[0].result, Ok(vec![RecordMetadata { partition: 0, offset: Some(41) }]), "b1 is second");
    }

    // Answers what the producer asks for (time passing while it asks nothing) until a Produce goes out.
    fn produce(p: &mut Producer, out: &mut Outbox, now: &mut u64) -> (CorrelationId, ProducerStamp) {
        let deadline = *now + 600_000;
        loop {
            while out.messages.is_empty() {
                *now += 1;
                assert!(*now < deadline, "no request for 600 s: {:?}", p.take_results());
                p.on_timer(*now, out);
            }
            match only_request(out) {
                Message::InitProducerIdRequest { correlation_id } => {
                    let answer = Message::InitProducerIdResponse { correlation_id, result: Ok((5, 0)) };
                    p.on_message(*now, BROKER, answer, out);
                }
                Message::MetadataRequest { correlation_id, .. } => {
                    let leader = BROKER;
                    let partition =
                        PartitionMetadata { partition: 0, leader, leader_epoch: 0, replicas: vec![1], isr: vec![1] };
                    let topic = TopicMetadata { name: "t".into(), topic_id: Some(1), partitions: Ok(vec![partition]) };
                    let answer = Message::MetadataResponse { correlation_id, brokers: vec![1], topics: vec![topic] };
                    p.on_message(*now, BROKER, answer, out);
                }
                Message::ProduceRequest { correlation_id, partitions, .. } => {
                    return (correlation_id, partitions[0].producer)
                }
                other => panic!("{other:?}"),
            }
        }
    }

    /// Adversary 26 (seed 92): a batch's request was lost, and a later batch of the partition reached a
    /// new leader that had no state for this producer (retention had emptied its log), which took it. The
    /// earlier batch's retry is then refused as out of order. Renumbered in a new epoch it would be written
    /// after the later one, both acknowledged out of order; as Kafka's `canRetry` does for a batch that is
    /// not the next in sequence, it goes again as numbered (until delivery.timeout.ms).
    #[test]
    fn a_batch_refused_as_out_of_order_after_a_later_one_was_acknowledged_keeps_its_numbers() {
        let mut out = Outbox::default();
        let config = ProducerConfig { linger_ms: 0, ..ProducerConfig::named("p") };
        let mut p = Producer::new(10_002, config, vec![BROKER], stream_rng(1, Stream::Actor(10_002)));
        let record = || vec![ProducerRecord { value: Some("v".into()), partition: Some(0), ..Default::default() }];
        let mut now = 0;
        p.send(now, "t".into(), record(), &mut out).unwrap();
        let (_, first) = produce(&mut p, &mut out, &mut now); // its request is lost
        p.send(now, "t".into(), record(), &mut out).unwrap();
        let (correlation_id, second) = produce(&mut p, &mut out, &mut now);
        assert_eq!((second.producer_epoch, second.base_sequence), (first.producer_epoch, 1), "pipelined");
        let ok = vec![ProducePartitionResult::appended("t", 0, Some(1), 3, 0, 0)];
        p.on_message(now, BROKER, Message::ProduceResponse { correlation_id, partitions: ok }, &mut out);
        assert_eq!(p.take_results().len(), 1, "the later batch is acknowledged");
        // The first batch's request times out; its retry is refused as out of order.
        let (correlation_id, retry) = produce(&mut p, &mut out, &mut now);
        assert_eq!(retry, first, "a retry as numbered");
        let refused = franz_err!(OutOfOrderSequenceNumber, "sequence 0 is below the last, 1");
        let partitions = vec![ProducePartitionResult::refused("t", 0, Some(1), refused)];
        p.on_message(now, BROKER, Message::ProduceResponse { correlation_id, partitions }, &mut out);
        let (_, again) = produce(&mut p, &mut out, &mut now);
        assert_eq!(again, first, "not renumbered after the acknowledged later batch");
    }

    /// Soak seed 10,005,067: a batch whose attempt got no answer (it may be in the log) is refused as out of
    /// order by a replica of an older topic id than the log that acknowledged the batch before it (a zombie
    /// leader of a deleted topic that never saw this producer). Renumbered in a new epoch it would be written
    /// twice once it reached the real leader; it keeps its numbers and goes again after a metadata refresh.
    /// Refused by the log that acknowledged before, or by a later incarnation of the topic (deleted and
    /// created again), it starts a new epoch (KIP-360) as it did. The same holds for a refusal as too large
    /// (soak seed 10,006,874): split, its parts would meet the real leader as out of order and be renumbered.
    #[test]
    fn a_refusal_from_an_older_incarnation_of_the_topic_renumbers_no_batch() {
        let out_of_order = || franz_err!(OutOfOrderSequenceNumber, "Producer 5 is unknown here");
        let too_large = || franz_err!(MessageTooLarge, "The batch is larger than max.message.bytes (100)");
        for (refusal, refuser, renumbered) in [
            (out_of_order(), 0, false),
            (out_of_order(), 1, true),
            (out_of_order(), 2, true),
            // Soak seed 10,006,874: the zombie's older incarnation had a smaller max.message.bytes.
            (too_large(), 0, false),
            (too_large(), 1, true),
        ] {
            let mut out = Outbox::default();
            let config = ProducerConfig { linger_ms: 0, ..ProducerConfig::named("p") };
            let mut p = Producer::new(10_002, config, vec![BROKER], stream_rng(1, Stream::Actor(10_002)));
            let record = || vec![ProducerRecord { value: Some("v".into()), partition: Some(0), ..Default::default() }];
            p.send(0, "t".into(), record(), &mut out).unwrap();
            let mut now = 0;
            let (correlation_id, first) = produce(&mut p, &mut out, &mut now);
            let ok = vec![ProducePartitionResult::appended("t", 0, Some(1), 0, 0, 0)];
            p.on_message(now, BROKER, Message::ProduceResponse { correlation_id, partitions: ok }, &mut out);
            assert_eq!(p.take_results().len(), 1, "the first batch is acknowledged by topic id 1");
            p.send(now, "t".into(), record(), &mut out).unwrap();
            let (_, second) = produce(&mut p, &mut out, &mut now);
            assert_eq!((second.producer_epoch, second.base_sequence), (first.producer_epoch, 1));
            // No answer within request.timeout.ms: it may be in the log.
            let (correlation_id, retry) = produce(&mut p, &mut out, &mut now);
            assert_eq!(retry, second, "a retry as numbered");
            let too_large_here = refusal.code == ErrorCode::MessageTooLarge && refuser > 0;
            let partitions = vec![ProducePartitionResult::refused("t", 0, Some(refuser), refusal)];
            p.on_message(now, BROKER, Message::ProduceResponse { correlation_id, partitions }, &mut out);
            if too_large_here {
                // The log that took the last batch judges it too large: one record cannot be split.
                let results = p.take_results();
                assert_eq!(results.len(), 1);
                assert_eq!(results[0].result.as_ref().map_err(|e| e.code), Err(ErrorCode::MessageTooLarge));
                continue;
            }
            let (_, again) = produce(&mut p, &mut out, &mut now);
            if renumbered {
                assert_eq!((again.producer_epoch, again.base_sequence), (first.producer_epoch + 1, 0), "KIP-360");
            } else {
                assert_eq!(again, second, "refused by topic id {refuser}: the same numbers again");
            }
        }
    }

    #[test]
    fn past_the_last_epoch_the_producer_asks_for_a_new_producer_id() {
        let mut out = Outbox::default();
        let mut p = at_last_epoch(&mut out);
        let Message::ProduceRequest { correlation_id, partitions, .. } = only_request(&mut out) else {
            panic!("the send goes out")
        };
        let producer = partitions[0].producer;
        assert_eq!((producer.producer_id, producer.producer_epoch), (5, i16::MAX));
        let refused = franz_err!(InvalidRecord, "a keyless record on a compacted topic");
        let partitions = vec![ProducePartitionResult::refused("t", 0, None, refused)];
        let answer = Message::ProduceResponse { correlation_id, partitions };
        p.on_message(3, BROKER, answer, &mut out);
        assert_eq!(p.take_results().len(), 1, "the send fails for good");
        p.send(4, "t".into(), vec![ProducerRecord { value: Some("w".into()), ..Default::default() }], &mut out)
            .unwrap();
        let Message::InitProducerIdRequest { correlation_id } = only_request(&mut out) else {
            panic!("no epoch after the last: a new producer id, not a wrapped epoch")
        };
        p.on_message(5, BROKER, Message::InitProducerIdResponse { correlation_id, result: Ok((6, 0)) }, &mut out);
        let Message::ProduceRequest { partitions, .. } = only_request(&mut out) else { panic!("the send goes out") };
        let producer = partitions[0].producer;
        assert_eq!((producer.producer_id, producer.producer_epoch, producer.base_sequence), (6, 0, 0));
    }
}
