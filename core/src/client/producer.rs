//! The producer: partitions records (explicit partition, murmur2 of the key, or sticky for null keys),
//! sends one Produce request per partition to its leader, and reports each record's offset.
//!
//! Not yet modelled (issue 6): batching across sends (`linger.ms`), retries and the idempotent
//! producer's sequence numbers. Without retries a send is never duplicated, which is the guarantee
//! idempotence gives, so `enable.idempotence=true` is honoured in effect.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use rand_pcg::Pcg32;

use super::metadata::MetadataCache;
use super::Bootstrap;
use crate::error::{FranzError, Result};
use crate::message::{Acks, Actor, CorrelationId, Message, Outbox};
use crate::partitioner::{partition_for_key, StickyPartitioner};
use crate::sim::history::{AckedRecord, Op, SentRecord};
use crate::sim::trace::TraceKind;
use crate::types::{NodeId, Offset, ProducerRecord, Record, NO_NODE};

/// Franz's bound on records in one `send` call.
pub const RECORDS_PER_SEND_MAX: usize = 10_000;
/// Franz's bound on sends awaiting an answer, per producer (Kafka bounds it by `buffer.memory`).
pub const SENDS_IN_FLIGHT_MAX: usize = 10_000;

/// The producer's settings, Kafka's names in camelCase (`deliveryTimeoutMs` is `delivery.timeout.ms`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ProducerConfig {
    /// `client.id`; Kafka's `producer-N` when absent.
    pub client_id: Option<String>,
    pub acks: Acks,
    /// `batch.size`: also how many bytes the sticky partitioner puts on one partition before moving on.
    pub batch_size_bytes: usize,
    pub delivery_timeout_ms: u64,
    pub request_timeout_ms: u64,
    pub enable_idempotence: bool,
    /// `metadata.max.age.ms`: how long partition counts and leaders are trusted before asking again.
    pub metadata_max_age_ms: u64,
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
            enable_idempotence: true,
            metadata_max_age_ms: 300_000,
        }
    }
}

/// Franz's bound on a client timeout: a day of virtual time.
pub const CLIENT_TIMEOUT_MS_MAX: u64 = 86_400_000;

impl ProducerConfig {
    /// Kafka's ranges (and Franz's bounds), so that no setting can stall or overflow the simulation.
    pub fn validate(&self) -> Result<()> {
        let in_range = |name: &str, v: u64, min: u64, max: u64| {
            if v < min || v > max {
                return Err(franz_err!(InvalidConfig, "{name} must be between {min} and {max}, got {v}"));
            }
            Ok(())
        };
        in_range("request.timeout.ms", self.request_timeout_ms, 1, CLIENT_TIMEOUT_MS_MAX)?;
        in_range("delivery.timeout.ms", self.delivery_timeout_ms, 1, CLIENT_TIMEOUT_MS_MAX)?;
        in_range("metadata.max.age.ms", self.metadata_max_age_ms, 1, CLIENT_TIMEOUT_MS_MAX)?;
        in_range("batch.size", self.batch_size_bytes as u64, 0, 1 << 30)
    }

    /// Kafka's defaults with a `client.id`.
    pub fn named(client_id: impl Into<String>) -> ProducerConfig {
        ProducerConfig { client_id: Some(client_id.into()), ..ProducerConfig::default() }
    }
}

/// Where a record landed. `offset` is `None` with `acks=0`, where Kafka reports `-1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RecordMetadata {
    pub partition: u32,
    pub offset: Option<Offset>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendResult {
    pub request_id: u64,
    pub result: Result<Vec<RecordMetadata>>,
}

/// One user `send` call in progress.
#[derive(Clone, Debug)]
struct PendingSend {
    topic: String,
    records: Vec<ProducerRecord>,
    /// Filled per record as partitions answer.
    outcome: Vec<Option<RecordMetadata>>,
    deadline_ms: u64,
    requests_left: usize,
    dispatched: bool,
    /// Metadata was asked again for this send once already (an explicit partition the cache did not know).
    metadata_refreshed: bool,
}

#[derive(Clone, Debug)]
struct InFlightProduce {
    send_id: u64,
    partition: u32,
    record_indexes: Vec<usize>,
    deadline_ms: u64,
}

#[derive(Clone, Debug)]
pub struct Producer {
    id: NodeId,
    config: ProducerConfig,
    bootstrap: Bootstrap,
    rng: Pcg32,
    metadata: MetadataCache,
    /// Metadata request in flight, with its deadline.
    metadata_in_flight: Option<(CorrelationId, u64)>,
    sticky: BTreeMap<String, StickyPartitioner>,
    next_correlation_id: CorrelationId,
    next_send_id: u64,
    sends: BTreeMap<u64, PendingSend>,
    in_flight: BTreeMap<CorrelationId, InFlightProduce>,
    completed: Vec<SendResult>,
}

impl Producer {
    pub fn new(id: NodeId, config: ProducerConfig, bootstrap: Vec<NodeId>, rng: Pcg32) -> Producer {
        Producer {
            id,
            config,
            bootstrap: Bootstrap::new(bootstrap),
            rng,
            metadata: MetadataCache::default(),
            metadata_in_flight: None,
            sticky: BTreeMap::new(),
            next_correlation_id: 1,
            next_send_id: 1,
            sends: BTreeMap::new(),
            in_flight: BTreeMap::new(),
            completed: Vec::new(),
        }
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
            return Err(franz_err!(
                RecordListTooLarge,
                "A send carries at most {RECORDS_PER_SEND_MAX} records; this one has {}",
                records.len()
            ));
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
        out.history(Op::SendInvoked {
            producer: self.id,
            request_id: send_id,
            topic: topic.clone(),
            records: records.iter().map(|r| SentRecord { key: r.key.clone(), value: r.value.clone() }).collect(),
        });
        let send = PendingSend {
            topic,
            outcome: alloc::vec![None; records.len()],
            records,
            deadline_ms: now_ms.saturating_add(self.config.delivery_timeout_ms),
            requests_left: 0,
            dispatched: false,
            metadata_refreshed: false,
        };
        self.sends.insert(send_id, send);
        self.dispatch_ready(now_ms, out);
        Ok(send_id)
    }

    pub fn take_result(&mut self, request_id: u64) -> Option<SendResult> {
        let index = self.completed.iter().position(|r| r.request_id == request_id)?;
        Some(self.completed.remove(index))
    }

    /// Every finished send not yet taken, oldest first.
    pub fn take_results(&mut self) -> Vec<SendResult> {
        core::mem::take(&mut self.completed)
    }

    fn next_correlation_id(&mut self) -> CorrelationId {
        let id = self.next_correlation_id;
        self.next_correlation_id += 1;
        id
    }

    /// Sends whatever waiting sends can go now, and asks for metadata the others need.
    fn dispatch_ready(&mut self, now_ms: u64, out: &mut Outbox) {
        self.metadata.expire(now_ms, self.config.metadata_max_age_ms);
        let waiting: Vec<u64> = self.sends.iter().filter(|(_, s)| !s.dispatched).map(|(&id, _)| id).collect();
        let mut needs_metadata: Vec<String> = Vec::new();
        for send_id in waiting {
            let Some(topic) = self.sends.get(&send_id).map(|s| s.topic.clone()) else {
                continue;
            };
            match self.metadata.topic(&topic) {
                None => {
                    if !needs_metadata.contains(&topic) {
                        needs_metadata.push(topic);
                    }
                }
                Some(Err(e)) => {
                    // Kafka's producer keeps asking; Franz fails the send at once, but does not remember the
                    // answer: the next send asks again (the topic may have been created since).
                    let e = e.clone();
                    self.metadata.forget(&topic);
                    self.fail(send_id, e, out);
                }
                Some(Ok(_)) => self.dispatch(now_ms, send_id, out),
            }
        }
        if !needs_metadata.is_empty() {
            self.request_metadata(now_ms, needs_metadata, out);
        }
    }

    /// Asks a broker where `topics` live, unless a Metadata request is already out (its answer will
    /// trigger another round for whatever is still missing).
    fn request_metadata(&mut self, now_ms: u64, topics: Vec<String>, out: &mut Outbox) {
        if self.metadata_in_flight.is_some() {
            return;
        }
        let correlation_id = self.next_correlation_id();
        self.metadata_in_flight = Some((correlation_id, now_ms.saturating_add(self.config.request_timeout_ms)));
        out.send(self.bootstrap.current(), Message::MetadataRequest { correlation_id, topics });
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
        Ok(sticky.partition(count, bytes, self.config.batch_size_bytes, &mut self.rng))
    }

    /// Splits one send by partition and sends a Produce request to each partition's leader.
    fn dispatch(&mut self, now_ms: u64, send_id: u64, out: &mut Outbox) {
        let Some(send) = self.sends.get(&send_id) else {
            return;
        };
        let topic = send.topic.clone();
        let records = send.records.clone();
        let count = self.metadata.partition_count(&topic).unwrap_or(0);
        // An explicit partition beyond what the cache knows: the topic may have grown. Ask once more.
        if records.iter().any(|r| r.partition.is_some_and(|p| p >= count)) && !send.metadata_refreshed {
            if let Some(send) = self.sends.get_mut(&send_id) {
                send.metadata_refreshed = true;
            }
            self.metadata.forget(&topic);
            self.request_metadata(now_ms, alloc::vec![topic], out);
            return;
        }
        let mut by_partition: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
        for (i, record) in records.iter().enumerate() {
            match self.choose_partition(&topic, record, count) {
                Ok(p) => by_partition.entry(p).or_default().push(i),
                Err(e) => return self.fail(send_id, e, out),
            }
        }
        if let Some((&p, _)) = by_partition.iter().find(|(&p, _)| self.metadata.leader(&topic, p) == NO_NODE) {
            let e = franz_err!(LeaderNotAvailable, "Partition {topic}-{p} has no leader right now");
            return self.fail(send_id, e, out);
        }
        let requests_left = by_partition.len();
        for (partition, record_indexes) in by_partition {
            let correlation_id = self.next_correlation_id();
            let batch: Vec<Record> = record_indexes
                .iter()
                .enumerate()
                .map(|(delta, &i)| {
                    let r = &records[i];
                    let timestamp_ms = r.timestamp_ms.unwrap_or(now_ms as i64);
                    let mut record = Record::new(timestamp_ms, r.key.clone(), r.value.clone());
                    record.offset = delta as Offset;
                    record.headers = r.headers.clone();
                    record
                })
                .collect();
            let leader = self.metadata.leader(&topic, partition);
            out.send(
                leader,
                Message::ProduceRequest {
                    correlation_id,
                    acks: self.config.acks,
                    timeout_ms: self.config.request_timeout_ms,
                    topic: topic.clone(),
                    partition,
                    records: batch,
                },
            );
            if self.config.acks == Acks::None {
                // acks=0: nothing will answer; the record counts as sent once it is on the wire.
                self.record_outcome(send_id, &record_indexes, partition, None);
            } else {
                let deadline_ms = now_ms.saturating_add(self.config.request_timeout_ms);
                self.in_flight
                    .insert(correlation_id, InFlightProduce { send_id, partition, record_indexes, deadline_ms });
            }
        }
        if let Some(send) = self.sends.get_mut(&send_id) {
            send.dispatched = true;
            send.requests_left = if self.config.acks == Acks::None { 0 } else { requests_left };
        }
        self.maybe_complete(send_id, out);
    }

    fn record_outcome(&mut self, send_id: u64, indexes: &[usize], partition: u32, base_offset: Option<Offset>) {
        let Some(send) = self.sends.get_mut(&send_id) else {
            return;
        };
        for (n, &i) in indexes.iter().enumerate() {
            if let Some(slot) = send.outcome.get_mut(i) {
                *slot = Some(RecordMetadata { partition, offset: base_offset.map(|b| b + n as Offset) });
            }
        }
    }

    fn maybe_complete(&mut self, send_id: u64, out: &mut Outbox) {
        let done = self.sends.get(&send_id).is_some_and(|s| s.dispatched && s.requests_left == 0);
        if !done {
            return;
        }
        if let Some(send) = self.sends.remove(&send_id) {
            let metadata: Vec<RecordMetadata> = send.outcome.into_iter().flatten().collect();
            debug_assert_eq!(metadata.len(), send.records.len(), "every record of a finished send has an outcome");
            out.history(Op::SendAcked {
                producer: self.id,
                request_id: send_id,
                topic: send.topic,
                records: metadata.iter().map(|m| AckedRecord { partition: m.partition, offset: m.offset }).collect(),
            });
            self.completed.push(SendResult { request_id: send_id, result: Ok(metadata) });
        }
    }

    /// Fails a whole send: Franz's `send` reports one outcome per call, as a `Future` per batch would.
    fn fail(&mut self, send_id: u64, error: FranzError, out: &mut Outbox) {
        let Some(send) = self.sends.remove(&send_id) else {
            return;
        };
        self.in_flight.retain(|_, f| f.send_id != send_id);
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

    fn on_produce_response(&mut self, correlation_id: CorrelationId, result: Result<Offset>, out: &mut Outbox) {
        let Some(request) = self.in_flight.remove(&correlation_id) else {
            return;
        };
        match result {
            Ok(base_offset) => {
                self.record_outcome(request.send_id, &request.record_indexes, request.partition, Some(base_offset));
                if let Some(send) = self.sends.get_mut(&request.send_id) {
                    send.requests_left -= 1;
                }
                self.maybe_complete(request.send_id, out);
            }
            Err(error) => {
                if matches!(
                    error.code,
                    crate::error::ErrorCode::NotLeaderOrFollower | crate::error::ErrorCode::UnknownTopicOrPartition
                ) {
                    if let Some(send) = self.sends.get(&request.send_id) {
                        let topic = send.topic.clone();
                        self.metadata.forget(&topic);
                    }
                }
                self.fail(request.send_id, error, out);
            }
        }
    }
}

impl Actor for Producer {
    fn on_message(&mut self, now_ms: u64, _from: NodeId, message: Message, out: &mut Outbox) {
        match message {
            Message::MetadataResponse { correlation_id, topics, .. }
                if self.metadata_in_flight.is_some_and(|(id, _)| id == correlation_id) =>
            {
                self.metadata_in_flight = None;
                self.metadata.update(now_ms, topics);
                self.dispatch_ready(now_ms, out);
            }
            Message::ProduceResponse { correlation_id, result, .. } => {
                self.on_produce_response(correlation_id, result, out);
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, now_ms: u64, out: &mut Outbox) {
        if self.metadata_in_flight.is_some_and(|(_, deadline)| deadline <= now_ms) {
            self.metadata_in_flight = None;
            self.bootstrap.rotate();
            self.dispatch_ready(now_ms, out);
        }
        let timed_out: Vec<(CorrelationId, u64)> =
            self.in_flight.iter().filter(|(_, f)| f.deadline_ms <= now_ms).map(|(&c, f)| (c, f.send_id)).collect();
        for (correlation_id, send_id) in timed_out {
            self.in_flight.remove(&correlation_id);
            let e = franz_err!(
                RequestTimedOut,
                "No answer to Produce within request.timeout.ms ({} ms)",
                self.config.request_timeout_ms
            );
            self.fail(send_id, e, out);
        }
        let expired: Vec<u64> = self.sends.iter().filter(|(_, s)| s.deadline_ms <= now_ms).map(|(&id, _)| id).collect();
        for send_id in expired {
            let e = franz_err!(
                RequestTimedOut,
                "Expiring the send: delivery.timeout.ms ({} ms) has passed since it was made",
                self.config.delivery_timeout_ms
            );
            self.fail(send_id, e, out);
        }
    }

    fn next_timer_ms(&self) -> Option<u64> {
        let metadata = self.metadata_in_flight.map(|(_, d)| d);
        let requests = self.in_flight.values().map(|f| f.deadline_ms);
        let sends = self.sends.values().map(|s| s.deadline_ms);
        requests.chain(sends).chain(metadata).min()
    }
}
