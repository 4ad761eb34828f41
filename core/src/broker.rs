//! One broker: it hosts partition replicas, answers Produce, Fetch, ListOffsets and Metadata, and, until
//! the controller quorum lands, also decides topic creation (as a one-node cluster's combined
//! broker+controller would).
//!
//! Requests that cannot be answered yet wait in a purgatory, as in Kafka: a fetch waits up to its
//! `max_wait_ms` for data, and an `acks=all` produce waits for the high watermark to pass its batch.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::config::{ConfigMap, TopicConfig};
use crate::error::{FranzError, Result};
use crate::log::{PartitionLog, RecordData};
use crate::message::{Acks, Actor, CorrelationId, FetchedPartition, Message, OffsetSpec, Outbox};
use crate::message::{PartitionMetadata, TopicMetadata};
use crate::sim::trace::TraceKind;
use crate::types::{is_internal_topic, validate_topic_name, LeaderEpoch, NodeId, Offset, TopicPartition};

/// Franz's bound on one topic's partitions (Kafka has none; a browser does).
pub const PARTITIONS_PER_TOPIC_MAX: u32 = 1024;
/// Franz's bound on topics in a cluster.
pub const TOPICS_MAX: usize = 1024;
/// Kafka's `replica.high.watermark.checkpoint.interval.ms`: how often HWs are written to disk.
pub const HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS: u64 = 5_000;

/// One replica of one partition, as this broker holds it.
#[derive(Clone, Debug)]
pub struct Partition {
    /// On disk: survives a crash; what was not flushed does not survive a power loss.
    pub log: PartitionLog,
    /// On disk: the HW as last checkpointed; a restarted broker starts from it.
    pub high_watermark_checkpoint: Offset,
    pub last_flush_ms: u64,
    pub high_watermark: Offset,
    pub leader: NodeId,
    pub leader_epoch: LeaderEpoch,
    pub replicas: Vec<NodeId>,
    pub isr: Vec<NodeId>,
}

impl Partition {
    /// Kafka's rule: HW = the smallest LEO over the ISR, never moving back. With only the leader in the
    /// replica set that is the leader's own LEO.
    fn maybe_advance_high_watermark(&mut self) -> Option<Offset> {
        let candidate = self.log.log_end_offset();
        if candidate > self.high_watermark {
            self.high_watermark = candidate;
            self.assert_invariants();
            Some(candidate)
        } else {
            None
        }
    }

    /// Flushes when `flush.messages` records wait or `flush.ms` passed since the last flush.
    fn maybe_flush(&mut self, now_ms: u64, config: &TopicConfig) {
        let unflushed = self.log.unflushed_count();
        if unflushed == 0 {
            return;
        }
        let by_count = unflushed as i64 >= config.flush_messages;
        let by_time = now_ms.saturating_sub(self.last_flush_ms) as i64 >= config.flush_ms;
        if by_count || by_time {
            self.log.flush();
            self.last_flush_ms = now_ms;
        }
    }

    /// When `maybe_flush` will next want to flush by time, if ever.
    fn next_flush_ms(&self, config: &TopicConfig) -> Option<u64> {
        if self.log.unflushed_count() == 0 || config.flush_ms == i64::MAX {
            return None;
        }
        Some(self.last_flush_ms.saturating_add(config.flush_ms as u64))
    }

    fn assert_invariants(&self) {
        debug_assert!(self.high_watermark <= self.log.log_end_offset(), "HW ≤ LEO");
        debug_assert!(self.high_watermark >= self.log.log_start_offset(), "HW ≥ log start");
        debug_assert!(self.isr.iter().all(|r| self.replicas.contains(r)), "ISR ⊆ replicas");
    }
}

#[derive(Clone, Debug)]
pub struct Topic {
    pub config_overrides: ConfigMap,
    pub config: TopicConfig,
    pub partitions: Vec<Partition>,
}

/// A fetch parked until data arrives or its wait runs out.
#[derive(Clone, Debug)]
struct DelayedFetch {
    from: NodeId,
    correlation_id: CorrelationId,
    tp: TopicPartition,
    fetch_offset: Offset,
    max_bytes: usize,
    deadline_ms: u64,
}

/// An `acks=all` produce parked until the high watermark reaches `required_offset`.
#[derive(Clone, Debug)]
struct DelayedProduce {
    from: NodeId,
    correlation_id: CorrelationId,
    tp: TopicPartition,
    base_offset: Offset,
    required_offset: Offset,
    deadline_ms: u64,
}

#[derive(Clone, Debug)]
pub struct Broker {
    id: NodeId,
    /// Every broker of the cluster, for replication-factor checks and metadata answers.
    cluster_brokers: Vec<NodeId>,
    /// Broker-level defaults for topic configs (`min.insync.replicas` ...).
    default_config: ConfigMap,
    topics: BTreeMap<String, Topic>,
    delayed_fetches: Vec<DelayedFetch>,
    delayed_produces: Vec<DelayedProduce>,
    last_high_watermark_checkpoint_ms: u64,
}

impl Broker {
    pub fn new(id: NodeId, cluster_brokers: Vec<NodeId>, default_config: ConfigMap) -> Broker {
        Broker {
            id,
            cluster_brokers,
            default_config,
            topics: BTreeMap::new(),
            delayed_fetches: Vec::new(),
            delayed_produces: Vec::new(),
            last_high_watermark_checkpoint_ms: 0,
        }
    }

    /// The process dies: requests waiting in purgatory are gone. With `power_loss`, so is every record
    /// not flushed. Returns, per partition that lost records, how many.
    pub fn crash(&mut self, power_loss: bool) -> Vec<(TopicPartition, u64)> {
        self.delayed_fetches.clear();
        self.delayed_produces.clear();
        let mut lost = Vec::new();
        for (name, topic) in &mut self.topics {
            for (i, p) in topic.partitions.iter_mut().enumerate() {
                if power_loss && p.log.unflushed_count() > 0 {
                    lost.push((TopicPartition::new(name.clone(), i as u32), p.log.unflushed_count()));
                    p.log.lose_unflushed();
                }
                p.high_watermark_checkpoint = p.high_watermark_checkpoint.min(p.log.log_end_offset());
            }
        }
        lost
    }

    /// Restart: recover from disk as Kafka does. The HW starts from its checkpoint; the broker, sole
    /// replica of its partitions, is elected leader again at the next leader epoch.
    pub fn restart(&mut self, now_ms: u64, out: &mut Outbox) {
        self.last_high_watermark_checkpoint_ms = now_ms;
        let id = self.id;
        for (name, topic) in &mut self.topics {
            for (i, p) in topic.partitions.iter_mut().enumerate() {
                p.high_watermark = p.high_watermark_checkpoint.min(p.log.log_end_offset());
                p.last_flush_ms = now_ms;
                p.leader = id;
                p.leader_epoch += 1;
                out.trace(TraceKind::LeaderElected {
                    topic: name.clone(),
                    partition: i as u32,
                    leader: id,
                    leader_epoch: p.leader_epoch,
                });
                if let Some(high_watermark) = p.maybe_advance_high_watermark() {
                    out.trace(TraceKind::HighWatermarkAdvanced {
                        topic: name.clone(),
                        partition: i as u32,
                        high_watermark,
                    });
                }
            }
        }
    }

    /// Flushes what is due and checkpoints HWs when their interval passed.
    fn on_housekeeping(&mut self, now_ms: u64) {
        for topic in self.topics.values_mut() {
            let config = &topic.config;
            for p in &mut topic.partitions {
                p.maybe_flush(now_ms, config);
            }
        }
        if now_ms >= self.last_high_watermark_checkpoint_ms + HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS {
            self.last_high_watermark_checkpoint_ms = now_ms;
            for p in self.topics.values_mut().flat_map(|t| t.partitions.iter_mut()) {
                p.high_watermark_checkpoint = p.high_watermark;
            }
        }
    }

    fn next_housekeeping_ms(&self) -> Option<u64> {
        let flushes = self
            .topics
            .values()
            .flat_map(|t| t.partitions.iter().filter_map(|p| p.next_flush_ms(&t.config)));
        let checkpoint_due = self
            .topics
            .values()
            .flat_map(|t| t.partitions.iter())
            .any(|p| p.high_watermark != p.high_watermark_checkpoint);
        let checkpoint = checkpoint_due.then(|| {
            self.last_high_watermark_checkpoint_ms
                .saturating_add(HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS)
        });
        flushes.chain(checkpoint).min()
    }

    pub fn id(&self) -> NodeId {
        self.id
    }

    pub fn topics(&self) -> &BTreeMap<String, Topic> {
        &self.topics
    }

    pub fn partition(&self, topic: &str, partition: u32) -> Option<&Partition> {
        self.topics.get(topic)?.partitions.get(partition as usize)
    }

    fn create_topic(
        &mut self,
        name: &str,
        partitions: u32,
        replication_factor: u32,
        config: &ConfigMap,
        now_ms: u64,
        out: &mut Outbox,
    ) -> Result<()> {
        validate_topic_name(name)?;
        if is_internal_topic(name) {
            return Err(franz_err!(
                InvalidTopicException,
                "Topic name \"{name}\" is reserved: names starting with \"__\" are internal topics"
            ));
        }
        if self.topics.contains_key(name) {
            return Err(franz_err!(TopicAlreadyExists, "Topic '{name}' already exists."));
        }
        if self.topics.len() >= TOPICS_MAX {
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
        let brokers = self.cluster_brokers.len() as u32;
        if replication_factor == 0 || replication_factor > brokers {
            return Err(franz_err!(
                InvalidReplicationFactor,
                "Unable to replicate the partition {replication_factor} time(s): the target replication factor \
                 of {replication_factor} cannot be reached because only {brokers} broker(s) are registered"
            ));
        }
        let mut overrides = self.default_config.clone();
        overrides.extend(config.iter().map(|(k, v)| (k.clone(), v.clone())));
        let topic_config = TopicConfig::parse(&overrides)?;
        let replicas = alloc::vec![self.id];
        let partitions_vec = (0..partitions)
            .map(|_| Partition {
                log: PartitionLog::new(),
                high_watermark_checkpoint: 0,
                last_flush_ms: now_ms,
                high_watermark: 0,
                leader: self.id,
                leader_epoch: 0,
                replicas: replicas.clone(),
                isr: replicas.clone(),
            })
            .collect();
        self.topics.insert(
            String::from(name),
            Topic {
                config_overrides: config.clone(),
                config: topic_config,
                partitions: partitions_vec,
            },
        );
        out.trace(TraceKind::TopicCreated {
            topic: String::from(name),
            partitions,
            replication_factor,
        });
        Ok(())
    }

    fn leader_partition_mut(&mut self, topic: &str, partition: u32) -> Result<(&mut Partition, &TopicConfig)> {
        let Some(t) = self.topics.get_mut(topic) else {
            return Err(franz_err!(
                UnknownTopicOrPartition,
                "This server does not host topic {topic}"
            ));
        };
        let count = t.partitions.len();
        let Some(p) = t.partitions.get_mut(partition as usize) else {
            return Err(franz_err!(
                UnknownTopicOrPartition,
                "Topic {topic} has {count} partition(s); partition {partition} does not exist"
            ));
        };
        if p.leader != self.id {
            return Err(franz_err!(
                NotLeaderOrFollower,
                "Broker {} is not the leader of {topic}-{partition}",
                self.id
            ));
        }
        Ok((p, &t.config))
    }

    /// Validates and appends a produce batch; returns its base offset and the offset the HW must reach.
    fn append(
        &mut self,
        topic: &str,
        partition: u32,
        acks: Acks,
        records: Vec<RecordData>,
        now_ms: u64,
        out: &mut Outbox,
    ) -> Result<(Offset, Offset)> {
        let (p, config) = self.leader_partition_mut(topic, partition)?;
        if records.is_empty() {
            return Err(franz_err!(
                InvalidRecord,
                "A produce request must carry at least one record"
            ));
        }
        let batch_bytes: usize = records.iter().map(RecordData::size_bytes).sum();
        if batch_bytes as i64 > config.max_message_bytes {
            return Err(franz_err!(
                MessageTooLarge,
                "The batch is {batch_bytes} bytes, larger than max.message.bytes ({}) of topic {topic}",
                config.max_message_bytes
            ));
        }
        let min_isr = config.min_insync_replicas.min(p.replicas.len() as i64);
        if acks == Acks::All && (p.isr.len() as i64) < min_isr {
            return Err(franz_err!(
                NotEnoughReplicas,
                "The ISR of {topic}-{partition} has {} replica(s), fewer than min.insync.replicas ({min_isr})",
                p.isr.len()
            ));
        }
        let count = records.len() as Offset;
        let base_offset = p.log.append(records, p.leader_epoch);
        p.maybe_flush(now_ms, config);
        let leader_epoch = p.leader_epoch;
        let new_hw = p.maybe_advance_high_watermark();
        out.trace(TraceKind::RecordsAppended {
            topic: String::from(topic),
            partition,
            base_offset,
            count,
            leader_epoch,
        });
        if let Some(high_watermark) = new_hw {
            out.trace(TraceKind::HighWatermarkAdvanced {
                topic: String::from(topic),
                partition,
                high_watermark,
            });
        }
        Ok((base_offset, base_offset + count))
    }

    fn on_produce(&mut self, now_ms: u64, from: NodeId, request: ProduceArgs, out: &mut Outbox) {
        let ProduceArgs {
            correlation_id,
            acks,
            timeout_ms,
            topic,
            partition,
            records,
        } = request;
        let result = self.append(&topic, partition, acks, records, now_ms, out);
        match (acks, result) {
            (Acks::None, _) => {}
            (Acks::All, Ok((base_offset, required_offset))) => {
                self.delayed_produces.push(DelayedProduce {
                    from,
                    correlation_id,
                    tp: TopicPartition::new(topic, partition),
                    base_offset,
                    required_offset,
                    deadline_ms: now_ms.saturating_add(timeout_ms),
                });
            }
            (_, result) => {
                let result = result.map(|(base, _)| base);
                out.send(
                    from,
                    Message::ProduceResponse {
                        correlation_id,
                        topic,
                        partition,
                        result,
                    },
                );
            }
        }
        self.complete_delayed(now_ms, out);
    }

    fn read(&self, tp: &TopicPartition, fetch_offset: Offset, max_bytes: usize) -> Result<FetchedPartition> {
        let Some(p) = self.partition(&tp.topic, tp.partition) else {
            return Err(franz_err!(UnknownTopicOrPartition, "This server does not host {tp}"));
        };
        if p.leader != self.id {
            return Err(franz_err!(
                NotLeaderOrFollower,
                "Broker {} is not the leader of {tp}",
                self.id
            ));
        }
        // Consumers (read_uncommitted) read only below the high watermark.
        let records = p.log.read(fetch_offset, p.high_watermark, max_bytes)?;
        Ok(FetchedPartition {
            high_watermark: p.high_watermark,
            log_start_offset: p.log.log_start_offset(),
            records,
        })
    }

    fn on_fetch(&mut self, now_ms: u64, from: NodeId, fetch: DelayedFetch, out: &mut Outbox) {
        match self.read(&fetch.tp, fetch.fetch_offset, fetch.max_bytes) {
            Ok(data) if data.records.is_empty() && fetch.deadline_ms > now_ms => self.delayed_fetches.push(fetch),
            result => respond_fetch(from, &fetch, result, out),
        }
    }

    /// Answers every parked request that can be answered now: data arrived, HW passed, or time ran out.
    fn complete_delayed(&mut self, now_ms: u64, out: &mut Outbox) {
        let fetches = core::mem::take(&mut self.delayed_fetches);
        for fetch in fetches {
            let result = self.read(&fetch.tp, fetch.fetch_offset, fetch.max_bytes);
            let ready = !matches!(&result, Ok(data) if data.records.is_empty());
            if ready || now_ms >= fetch.deadline_ms {
                respond_fetch(fetch.from, &fetch, result, out);
            } else {
                self.delayed_fetches.push(fetch);
            }
        }
        let produces = core::mem::take(&mut self.delayed_produces);
        for produce in produces {
            let hw = self
                .partition(&produce.tp.topic, produce.tp.partition)
                .map(|p| p.high_watermark);
            let result = match hw {
                Some(hw) if hw >= produce.required_offset => Some(Ok(produce.base_offset)),
                _ if now_ms >= produce.deadline_ms => Some(Err(franz_err!(
                    RequestTimedOut,
                    "The high watermark of {} did not reach offset {} within the request's timeout",
                    produce.tp,
                    produce.required_offset
                ))),
                _ => None,
            };
            match result {
                Some(result) => out.send(
                    produce.from,
                    Message::ProduceResponse {
                        correlation_id: produce.correlation_id,
                        topic: produce.tp.topic.clone(),
                        partition: produce.tp.partition,
                        result,
                    },
                ),
                None => self.delayed_produces.push(produce),
            }
        }
    }

    fn list_offsets(&self, topic: &str, partition: u32, spec: OffsetSpec) -> Result<Offset> {
        let tp = TopicPartition::new(topic, partition);
        let Some(p) = self.partition(topic, partition) else {
            return Err(franz_err!(UnknownTopicOrPartition, "This server does not host {tp}"));
        };
        if p.leader != self.id {
            return Err(franz_err!(
                NotLeaderOrFollower,
                "Broker {} is not the leader of {tp}",
                self.id
            ));
        }
        Ok(match spec {
            OffsetSpec::Earliest => p.log.log_start_offset(),
            OffsetSpec::Latest => p.high_watermark,
        })
    }

    fn metadata(&self, topics: &[String]) -> Vec<TopicMetadata> {
        topics
            .iter()
            .map(|name| TopicMetadata {
                name: name.clone(),
                partitions: match self.topics.get(name) {
                    None => Err(FranzError::new(
                        crate::error::ErrorCode::UnknownTopicOrPartition,
                        alloc::format!("Topic {name} does not exist (auto.create.topics.enable is false in Franz)"),
                    )),
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
                },
            })
            .collect()
    }
}

struct ProduceArgs {
    correlation_id: CorrelationId,
    acks: Acks,
    timeout_ms: u64,
    topic: String,
    partition: u32,
    records: Vec<RecordData>,
}

fn respond_fetch(to: NodeId, fetch: &DelayedFetch, result: Result<FetchedPartition>, out: &mut Outbox) {
    out.send(
        to,
        Message::FetchResponse {
            correlation_id: fetch.correlation_id,
            topic: fetch.tp.topic.clone(),
            partition: fetch.tp.partition,
            result,
        },
    );
}

impl Actor for Broker {
    fn on_message(&mut self, now_ms: u64, from: NodeId, message: Message, out: &mut Outbox) {
        match message {
            Message::CreateTopicsRequest {
                correlation_id,
                name,
                partitions,
                replication_factor,
                config,
            } => {
                let result = self.create_topic(&name, partitions, replication_factor, &config, now_ms, out);
                out.send(from, Message::CreateTopicsResponse { correlation_id, result });
            }
            Message::MetadataRequest { correlation_id, topics } => {
                let topics = self.metadata(&topics);
                let brokers = self.cluster_brokers.clone();
                out.send(
                    from,
                    Message::MetadataResponse {
                        correlation_id,
                        brokers,
                        topics,
                    },
                );
            }
            Message::ProduceRequest {
                correlation_id,
                acks,
                timeout_ms,
                topic,
                partition,
                records,
            } => {
                let args = ProduceArgs {
                    correlation_id,
                    acks,
                    timeout_ms,
                    topic,
                    partition,
                    records,
                };
                self.on_produce(now_ms, from, args, out);
            }
            Message::FetchRequest {
                correlation_id,
                max_wait_ms,
                topic,
                partition,
                fetch_offset,
                max_bytes,
            } => {
                let fetch = DelayedFetch {
                    from,
                    correlation_id,
                    tp: TopicPartition::new(topic, partition),
                    fetch_offset,
                    max_bytes,
                    deadline_ms: now_ms.saturating_add(max_wait_ms),
                };
                self.on_fetch(now_ms, from, fetch, out);
            }
            Message::ListOffsetsRequest {
                correlation_id,
                topic,
                partition,
                spec,
            } => {
                let result = self.list_offsets(&topic, partition, spec);
                out.send(
                    from,
                    Message::ListOffsetsResponse {
                        correlation_id,
                        topic,
                        partition,
                        result,
                    },
                );
            }
            // Responses are for clients; a broker ignores a stray one.
            Message::CreateTopicsResponse { .. }
            | Message::MetadataResponse { .. }
            | Message::ProduceResponse { .. }
            | Message::FetchResponse { .. }
            | Message::ListOffsetsResponse { .. } => {}
        }
    }

    fn on_timer(&mut self, now_ms: u64, out: &mut Outbox) {
        self.on_housekeeping(now_ms);
        self.complete_delayed(now_ms, out);
    }

    fn next_timer_ms(&self) -> Option<u64> {
        let fetches = self.delayed_fetches.iter().map(|f| f.deadline_ms);
        let produces = self.delayed_produces.iter().map(|p| p.deadline_ms);
        fetches.chain(produces).chain(self.next_housekeeping_ms()).min()
    }
}
