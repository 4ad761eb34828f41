//! The consumer: for each assigned partition it finds a starting position (`auto.offset.reset` through
//! ListOffsets, or the user's `seek`), keeps one long-polling Fetch in flight to the leader while its
//! buffer is empty, and hands buffered records out on `poll`, advancing the position.
//!
//! Not yet modelled (issue 7): group membership (`subscribe`), committed offsets, pause/resume.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;

use super::metadata::MetadataCache;
use super::{Bootstrap, RETRY_BACKOFF_MS};
use crate::error::{ErrorCode, FranzError, Result};
use crate::message::{Actor, CorrelationId, FetchedPartition, Message, OffsetSpec, Outbox};
use crate::sim::history::{Op, PolledRecord};
use crate::sim::trace::TraceKind;
use crate::types::{Bytes, Header, NodeId, Offset, Record, TopicPartition, NO_NODE};

/// Franz's bound on partitions one consumer is assigned.
pub const ASSIGNED_PARTITIONS_MAX: usize = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AutoOffsetReset {
    Earliest,
    Latest,
    None,
}

impl AutoOffsetReset {
    pub fn parse(s: &str) -> Option<AutoOffsetReset> {
        match s {
            "earliest" => Some(AutoOffsetReset::Earliest),
            "latest" => Some(AutoOffsetReset::Latest),
            "none" => Some(AutoOffsetReset::None),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            AutoOffsetReset::Earliest => "earliest",
            AutoOffsetReset::Latest => "latest",
            AutoOffsetReset::None => "none",
        }
    }
}

/// The consumer's settings, Kafka's names in camelCase (`maxPollRecords` is `max.poll.records`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ConsumerConfig {
    /// `client.id`; Kafka's `consumer-N` when absent.
    pub client_id: Option<String>,
    pub group_id: Option<String>,
    pub auto_offset_reset: AutoOffsetReset,
    pub max_poll_records: usize,
    pub fetch_max_wait_ms: u64,
    pub max_partition_fetch_bytes: usize,
    pub request_timeout_ms: u64,
}

impl Default for ConsumerConfig {
    /// Kafka's consumer defaults.
    fn default() -> Self {
        ConsumerConfig {
            client_id: None,
            group_id: None,
            auto_offset_reset: AutoOffsetReset::Latest,
            max_poll_records: 500,
            fetch_max_wait_ms: 500,
            max_partition_fetch_bytes: 1_048_576,
            request_timeout_ms: 30_000,
        }
    }
}

impl ConsumerConfig {
    /// Kafka's ranges (and Franz's bounds), so that no setting can stall or overflow the simulation.
    pub fn validate(&self) -> Result<()> {
        use super::producer::CLIENT_TIMEOUT_MS_MAX;
        super::check_range("request.timeout.ms", self.request_timeout_ms, 1, CLIENT_TIMEOUT_MS_MAX)?;
        super::check_range("fetch.max.wait.ms", self.fetch_max_wait_ms, 0, CLIENT_TIMEOUT_MS_MAX)?;
        super::check_range("max.poll.records", self.max_poll_records as u64, 1, 1_000_000)?;
        super::check_range("max.partition.fetch.bytes", self.max_partition_fetch_bytes as u64, 1, 1 << 30)
    }

    /// Kafka's defaults with a `client.id`.
    pub fn named(client_id: impl Into<String>) -> ConsumerConfig {
        ConsumerConfig { client_id: Some(client_id.into()), ..ConsumerConfig::default() }
    }
}

/// A record as `poll` returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerRecord {
    pub topic: String,
    pub partition: u32,
    pub offset: Offset,
    pub timestamp_ms: i64,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub headers: Vec<Header>,
}

#[derive(Clone, Debug, Default)]
struct PartitionState {
    /// The offset of the next record `poll` returns; `None` until reset or seek.
    position: Option<Offset>,
    /// Fetched records not yet returned, each with the HW its fetch response reported.
    buffer: VecDeque<(Record, Offset)>,
    /// No request for this partition before this time (after an error).
    backoff_until_ms: u64,
    request_in_flight: bool,
    high_watermark: Option<Offset>,
}

#[derive(Clone, Debug)]
enum Pending {
    Metadata,
    ListOffsets(TopicPartition),
    Fetch(TopicPartition, Offset),
}

#[derive(Clone, Debug)]
pub struct Consumer {
    id: NodeId,
    config: ConsumerConfig,
    bootstrap: Bootstrap,
    metadata: MetadataCache,
    assignment: BTreeMap<TopicPartition, PartitionState>,
    next_correlation_id: CorrelationId,
    in_flight: BTreeMap<CorrelationId, (Pending, u64)>,
    /// An error `poll` must throw (e.g. `OFFSET_OUT_OF_RANGE` with `auto.offset.reset=none`).
    error: Option<FranzError>,
}

impl Consumer {
    pub fn new(id: NodeId, config: ConsumerConfig, bootstrap: Vec<NodeId>) -> Consumer {
        Consumer {
            id,
            config,
            bootstrap: Bootstrap::new(bootstrap),
            metadata: MetadataCache::default(),
            assignment: BTreeMap::new(),
            next_correlation_id: 1,
            in_flight: BTreeMap::new(),
            error: None,
        }
    }

    pub fn id(&self) -> NodeId {
        self.id
    }

    pub fn config(&self) -> &ConsumerConfig {
        &self.config
    }

    /// Manual assignment (`KafkaConsumer.assign`): replaces the assignment; kept partitions keep their
    /// positions.
    pub fn assign(&mut self, now_ms: u64, partitions: Vec<TopicPartition>, out: &mut Outbox) -> Result<()> {
        if partitions.len() > ASSIGNED_PARTITIONS_MAX {
            return Err(franz_err!(
                InvalidRequest,
                "A consumer is assigned at most {ASSIGNED_PARTITIONS_MAX} partitions; got {}",
                partitions.len()
            ));
        }
        for tp in &partitions {
            crate::types::validate_topic_name(&tp.topic)?;
        }
        let mut old = core::mem::take(&mut self.assignment);
        for tp in partitions {
            let state = old.remove(&tp).unwrap_or_default();
            self.assignment.insert(tp, state);
        }
        self.in_flight.retain(|_, (p, _)| match p {
            Pending::Metadata => true,
            Pending::ListOffsets(tp) | Pending::Fetch(tp, _) => !old.contains_key(tp),
        });
        self.error = None;
        out.history(Op::PositionReset { consumer: self.id, partitions: self.assignment.keys().cloned().collect() });
        self.fill(now_ms, out);
        Ok(())
    }

    pub fn assignment(&self) -> Vec<TopicPartition> {
        self.assignment.keys().cloned().collect()
    }

    /// `KafkaConsumer.seek`: the next poll returns records from `offset`.
    pub fn seek(&mut self, now_ms: u64, tp: &TopicPartition, offset: i64, out: &mut Outbox) -> Result<()> {
        if offset < 0 {
            return Err(franz_err!(OffsetOutOfRange, "Seek offset must not be a negative number, got {offset}"));
        }
        let Some(state) = self.assignment.get_mut(tp) else {
            return Err(franz_err!(
                UnknownTopicOrPartition,
                "No current assignment for partition {tp}: assign it first"
            ));
        };
        state.position = Some(offset as Offset);
        state.buffer.clear();
        // An answer to a request made before the seek must not move the position.
        state.request_in_flight = false;
        self.in_flight.retain(|_, (p, _)| !matches!(p, Pending::ListOffsets(t) | Pending::Fetch(t, _) if t == tp));
        self.fill(now_ms, out);
        Ok(())
    }

    /// The offset of the next record `poll` would return, if known.
    pub fn position(&self, tp: &TopicPartition) -> Result<Option<Offset>> {
        match self.assignment.get(tp) {
            Some(state) => Ok(state.position),
            None => {
                Err(franz_err!(UnknownTopicOrPartition, "No current assignment for partition {tp}: assign it first"))
            }
        }
    }

    /// Whether `poll` has something to return now: records, or an error.
    pub fn has_poll_result(&self) -> bool {
        self.error.is_some() || self.assignment.values().any(|s| !s.buffer.is_empty())
    }

    /// Takes up to `max.poll.records` buffered records, partition by partition in order, advancing
    /// positions; or the pending error.
    pub fn take_records(&mut self, now_ms: u64, out: &mut Outbox) -> Result<Vec<ConsumerRecord>> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        let mut records = Vec::new();
        let mut polled = Vec::new();
        for (tp, state) in self.assignment.iter_mut() {
            while records.len() < self.config.max_poll_records {
                let Some((record, high_watermark)) = state.buffer.pop_front() else {
                    break;
                };
                polled.push(PolledRecord {
                    topic: tp.topic.clone(),
                    partition: tp.partition,
                    offset: record.offset,
                    key: record.key.clone(),
                    value: record.value.clone(),
                    high_watermark,
                });
                debug_assert!(
                    state.position.is_some_and(|p| record.offset >= p),
                    "poll returns records in offset order"
                );
                state.position = Some(record.offset + 1);
                records.push(ConsumerRecord {
                    topic: tp.topic.clone(),
                    partition: tp.partition,
                    offset: record.offset,
                    timestamp_ms: record.timestamp_ms,
                    key: record.key,
                    value: record.value,
                    headers: record.headers,
                });
            }
        }
        if !polled.is_empty() {
            out.history(Op::Polled { consumer: self.id, records: polled });
        }
        self.fill(now_ms, out);
        Ok(records)
    }

    fn next_correlation_id(&mut self) -> CorrelationId {
        let id = self.next_correlation_id;
        self.next_correlation_id += 1;
        id
    }

    fn request(
        &mut self,
        now_ms: u64,
        to: NodeId,
        pending: Pending,
        make: impl FnOnce(CorrelationId) -> Message,
        out: &mut Outbox,
    ) {
        let correlation_id = self.next_correlation_id();
        let deadline = now_ms.saturating_add(self.config.request_timeout_ms);
        self.in_flight.insert(correlation_id, (pending, deadline));
        out.send(to, make(correlation_id));
    }

    /// Sends every request the assignment needs now: metadata, offset resets and fetches.
    fn fill(&mut self, now_ms: u64, out: &mut Outbox) {
        for state in self.assignment.values_mut() {
            if state.backoff_until_ms <= now_ms {
                state.backoff_until_ms = 0;
            }
        }
        let metadata_in_flight = self.in_flight.values().any(|(p, _)| matches!(p, Pending::Metadata));
        let mut missing_topics: Vec<String> = Vec::new();
        let mut work: Vec<(TopicPartition, NodeId, Option<Offset>)> = Vec::new();
        for (tp, state) in &self.assignment {
            if state.request_in_flight || !state.buffer.is_empty() || state.backoff_until_ms > now_ms {
                continue;
            }
            let leader = self.metadata.leader(&tp.topic, tp.partition);
            if leader == NO_NODE {
                if !missing_topics.contains(&tp.topic) {
                    missing_topics.push(tp.topic.clone());
                }
                continue;
            }
            work.push((tp.clone(), leader, state.position));
        }
        if !missing_topics.is_empty() && !metadata_in_flight {
            let to = self.bootstrap.current();
            self.request(
                now_ms,
                to,
                Pending::Metadata,
                |correlation_id| Message::MetadataRequest { correlation_id, topics: missing_topics },
                out,
            );
        }
        for (tp, leader, position) in work {
            if let Some(state) = self.assignment.get_mut(&tp) {
                state.request_in_flight = true;
            }
            match position {
                Some(fetch_offset) => {
                    let (max_wait_ms, max_bytes) =
                        (self.config.fetch_max_wait_ms, self.config.max_partition_fetch_bytes);
                    let pending = Pending::Fetch(tp.clone(), fetch_offset);
                    let current_leader_epoch = self.metadata.leader_epoch(&tp.topic, tp.partition);
                    self.request(
                        now_ms,
                        leader,
                        pending,
                        |correlation_id| Message::FetchRequest {
                            correlation_id,
                            max_wait_ms,
                            topic: tp.topic.clone(),
                            partition: tp.partition,
                            current_leader_epoch,
                            fetch_offset,
                            max_bytes,
                        },
                        out,
                    );
                }
                None => {
                    let spec = match self.config.auto_offset_reset {
                        AutoOffsetReset::Earliest => OffsetSpec::Earliest,
                        AutoOffsetReset::Latest => OffsetSpec::Latest,
                        AutoOffsetReset::None => {
                            if let Some(state) = self.assignment.get_mut(&tp) {
                                state.request_in_flight = false;
                            }
                            self.error = Some(franz_err!(
                                OffsetOutOfRange,
                                "No position for partition {tp} and auto.offset.reset is none: seek first"
                            ));
                            continue;
                        }
                    };
                    let pending = Pending::ListOffsets(tp.clone());
                    self.request(
                        now_ms,
                        leader,
                        pending,
                        |correlation_id| Message::ListOffsetsRequest {
                            correlation_id,
                            topic: tp.topic.clone(),
                            partition: tp.partition,
                            spec,
                        },
                        out,
                    );
                }
            }
        }
    }

    /// After a retriable error: wait `retry.backoff.ms`, relearn the leader.
    fn back_off(&mut self, now_ms: u64, tp: &TopicPartition, error: &FranzError) {
        if let Some(state) = self.assignment.get_mut(tp) {
            state.backoff_until_ms = now_ms + RETRY_BACKOFF_MS;
        }
        if matches!(
            error.code,
            ErrorCode::NotLeaderOrFollower
                | ErrorCode::UnknownTopicOrPartition
                | ErrorCode::LeaderNotAvailable
                | ErrorCode::RequestTimedOut
                | ErrorCode::FencedLeaderEpoch
        ) {
            self.metadata.forget(&tp.topic);
        }
    }

    fn on_fetch_response(
        &mut self,
        now_ms: u64,
        tp: TopicPartition,
        fetch_offset: Offset,
        result: Result<FetchedPartition>,
        out: &mut Outbox,
    ) {
        let Some(state) = self.assignment.get_mut(&tp) else {
            return;
        };
        state.request_in_flight = false;
        match result {
            Ok(data) => {
                state.high_watermark = Some(data.high_watermark);
                if state.position == Some(fetch_offset) {
                    let hw = data.high_watermark;
                    let fresh = data.records.into_iter().filter(|r| r.offset >= fetch_offset);
                    state.buffer.extend(fresh.map(|r| (r, hw)));
                }
            }
            Err(e) if e.code == ErrorCode::OffsetOutOfRange => {
                // Kafka's rule: out of range → apply auto.offset.reset (or fail with `none`).
                state.position = None;
                if self.config.auto_offset_reset == AutoOffsetReset::None {
                    self.error = Some(franz_err!(
                        OffsetOutOfRange,
                        "Fetch position {fetch_offset} is out of range for partition {tp} and auto.offset.reset is none"
                    ));
                }
            }
            Err(e) => {
                let (topic, partition, error) = (tp.topic.clone(), tp.partition, e.code);
                out.trace(TraceKind::ConsumerRetry { topic, partition, error });
                self.back_off(now_ms, &tp, &e)
            }
        }
    }

    fn on_list_offsets_response(&mut self, now_ms: u64, tp: TopicPartition, result: Result<Offset>, out: &mut Outbox) {
        let Some(state) = self.assignment.get_mut(&tp) else {
            return;
        };
        state.request_in_flight = false;
        match result {
            Ok(offset) => {
                state.position = Some(offset);
                out.history(Op::PositionReset { consumer: self.id, partitions: alloc::vec![tp.clone()] });
                out.trace(TraceKind::ConsumerOffsetReset {
                    topic: tp.topic.clone(),
                    partition: tp.partition,
                    offset,
                    policy: String::from(self.config.auto_offset_reset.name()),
                });
            }
            Err(e) => {
                let (topic, partition, error) = (tp.topic.clone(), tp.partition, e.code);
                out.trace(TraceKind::ConsumerRetry { topic, partition, error });
                self.back_off(now_ms, &tp, &e)
            }
        }
    }
}

impl Actor for Consumer {
    fn on_message(&mut self, now_ms: u64, _from: NodeId, message: Message, out: &mut Outbox) {
        let correlation_id = match &message {
            Message::MetadataResponse { correlation_id, .. }
            | Message::FetchResponse { correlation_id, .. }
            | Message::ListOffsetsResponse { correlation_id, .. } => *correlation_id,
            _ => return,
        };
        let Some((pending, _)) = self.in_flight.remove(&correlation_id) else {
            return;
        };
        match (pending, message) {
            (Pending::Metadata, Message::MetadataResponse { topics, .. }) => {
                for t in &topics {
                    if let Err(e) = &t.partitions {
                        let assigned: Vec<TopicPartition> =
                            self.assignment.keys().filter(|tp| tp.topic == t.name).cloned().collect();
                        for tp in assigned {
                            self.back_off(now_ms, &tp, e);
                        }
                    }
                }
                self.metadata.update(now_ms, topics);
            }
            (Pending::Fetch(tp, offset), Message::FetchResponse { result, .. }) => {
                self.on_fetch_response(now_ms, tp, offset, result, out)
            }
            (Pending::ListOffsets(tp), Message::ListOffsetsResponse { result, .. }) => {
                self.on_list_offsets_response(now_ms, tp, result, out)
            }
            _ => {}
        }
        self.fill(now_ms, out);
    }

    fn on_timer(&mut self, now_ms: u64, out: &mut Outbox) {
        let expired: Vec<CorrelationId> =
            self.in_flight.iter().filter(|(_, (_, d))| *d <= now_ms).map(|(&c, _)| c).collect();
        for correlation_id in expired {
            if let Some((pending, _)) = self.in_flight.remove(&correlation_id) {
                match pending {
                    Pending::Metadata => self.bootstrap.rotate(),
                    Pending::ListOffsets(tp) | Pending::Fetch(tp, _) => {
                        if let Some(state) = self.assignment.get_mut(&tp) {
                            state.request_in_flight = false;
                            state.backoff_until_ms = now_ms + RETRY_BACKOFF_MS; // retry.backoff.ms
                        }
                        self.metadata.forget(&tp.topic);
                    }
                }
            }
        }
        self.fill(now_ms, out);
    }

    fn next_timer_ms(&self) -> Option<u64> {
        let deadlines = self.in_flight.values().map(|(_, d)| *d);
        let backoffs = self
            .assignment
            .values()
            .filter(|s| !s.request_in_flight && s.buffer.is_empty())
            .map(|s| s.backoff_until_ms)
            .filter(|&t| t > 0);
        deadlines.chain(backoffs).min()
    }
}
