//! The benchmark workloads, defined once so that benchmarks natively and in wasm (and across changes)
//! measure the same thing.
//!
//! - The standard workload: the default cluster (3 controllers, 3 brokers) formed, one topic of 4 partitions
//!   replicated 3 times, a producer sending 20 batches of 100 keyed records of 100 bytes with `acks=all`
//!   (each acknowledged once replicated to the ISR), and a consumer reading all 2,000 back, over the default
//!   network.
//! - Bulk throughput: the same, with 12 partitions and 20,000 records sent in batches of 500.
//! - A loaded cluster ([`LoadedCluster`]): 12 partitions replicated 3 times, a producer streaming 10,000
//!   keyed records of 100 bytes per second of virtual time with `acks=all`, a consumer polling every 20 ms;
//!   run in slices so that a harness can time each one (is the cost of a virtual second flat?).
//! - An idle cluster ([`idle_cluster`]): brokers and a topic, nothing sent, time passing (heartbeats, follower
//!   fetches, long polls: the background a cluster pays for doing nothing).

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use crate::client::{AutoOffsetReset, ConsumerConfig, ProducerConfig};
use crate::config::ConfigMap;
use crate::error::Result;
use crate::sim::stream::{StreamKey, StreamSpec, STREAM_KEYS_MAX};
use crate::sim::{ClusterConfig, World};
use crate::types::{Bytes, NodeId, ProducerRecord, TopicPartition};

pub const WORKLOAD_PARTITIONS: u32 = 4;
pub const WORKLOAD_BATCHES: usize = 20;
pub const WORKLOAD_RECORDS_PER_BATCH: usize = 100;
pub const WORKLOAD_VALUE_BYTES: usize = 100;
/// Bulk throughput: partitions, records, records per send.
pub const BULK_PARTITIONS: u32 = 12;
pub const BULK_RECORDS: usize = 20_000;
pub const BULK_RECORDS_PER_SEND: usize = 500;
/// The loaded cluster: partitions, records per second of virtual time, the consumer's poll interval.
pub const LOADED_PARTITIONS: u32 = 12;
pub const LOADED_RECORDS_PER_SEC: u32 = 10_000;
pub const LOADED_POLL_INTERVAL_MS: u64 = 20;

/// What one run of the standard workload did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadStats {
    /// Records produced, acknowledged and consumed.
    pub records: u64,
    /// Simulator events (deliveries and timers) run.
    pub events: u64,
    /// Virtual time the run took.
    pub virtual_ms: u64,
}

/// Runs the standard workload once.
pub fn standard_workload(seed: u64) -> Result<WorkloadStats> {
    produce_then_consume(
        seed,
        WORKLOAD_PARTITIONS,
        WORKLOAD_BATCHES * WORKLOAD_RECORDS_PER_BATCH,
        WORKLOAD_RECORDS_PER_BATCH,
    )
}

/// Runs the bulk throughput workload once: 20,000 records into 12 partitions in sends of 500, then read back.
pub fn bulk_workload(seed: u64) -> Result<WorkloadStats> {
    produce_then_consume(seed, BULK_PARTITIONS, BULK_RECORDS, BULK_RECORDS_PER_SEND)
}

/// The default cluster with one topic of `partitions` partitions (RF 3): `records` keyed records of 100 bytes
/// sent `per_send` at a time with `acks=all`, each send waited for, then all read back by one consumer.
fn produce_then_consume(seed: u64, partitions: u32, records: usize, per_send: usize) -> Result<WorkloadStats> {
    let mut w = World::new(ClusterConfig { seed, ..ClusterConfig::default() })?;
    w.create_topic("bench", partitions, None, ConfigMap::new())?;
    let producer = w.add_producer(ProducerConfig::named("bench-producer"))?;
    let value = Bytes::from(vec![b'x'; WORKLOAD_VALUE_BYTES]);
    for b in 0..records.div_ceil(per_send) {
        let indexes = b * per_send..((b + 1) * per_send).min(records);
        // The send's keys (`key-<i>`) written into one buffer and handed out as views of it, as a client
        // serialising a batch would: the harness's own `format!` and allocation per key cost a tenth of the run.
        let mut key_bytes = Vec::with_capacity(indexes.len() * 10);
        let mut key_ends = Vec::with_capacity(indexes.len());
        for i in indexes.clone() {
            key_bytes.extend_from_slice(b"key-");
            key_bytes.extend_from_slice(crate::types::decimal_digits(i as u64, &mut [0u8; 20]));
            key_ends.push(key_bytes.len());
        }
        let key_bytes = Bytes::from(key_bytes);
        let batch: Vec<ProducerRecord> = key_ends
            .iter()
            .scan(0, |start, &end| Some((core::mem::replace(start, end), end)))
            .map(|(start, end)| ProducerRecord {
                key: Some(key_bytes.slice(start..end)),
                value: Some(value.clone()),
                ..Default::default()
            })
            .collect();
        w.send(producer, "bench", batch)?;
    }
    let mut config = ConsumerConfig::named("bench-consumer");
    config.auto_offset_reset = AutoOffsetReset::Earliest;
    let consumer = w.add_consumer(config)?;
    w.assign(consumer, (0..partitions).map(|p| TopicPartition::new("bench", p)).collect())?;
    let mut read = 0;
    while read < records {
        let polled = w.poll(consumer, 1_000)?.len();
        if polled == 0 {
            return Err(franz_err!(RequestTimedOut, "the workload stalled after {read} of {records} records"));
        }
        read += polled;
    }
    Ok(WorkloadStats { records: read as u64, events: w.events_dispatched(), virtual_ms: w.now_ms() })
}

/// The loaded cluster, running: call [`LoadedCluster::run_ms`] slice by slice and time each.
pub struct LoadedCluster {
    world: World,
    producer: NodeId,
    consumer: NodeId,
    start_events: u64,
    start_ms: u64,
}

/// What a loaded cluster has done so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadedStats {
    /// Records the stream sent, and those acknowledged (`acks=all`).
    pub sent: u64,
    pub acknowledged: u64,
    /// Records the consumer polled.
    pub consumed: u64,
    pub events: u64,
    /// Virtual time since the load started.
    pub virtual_ms: u64,
}

impl LoadedCluster {
    /// The default cluster formed, the topic created, the stream and the poll loop started.
    pub fn new(seed: u64) -> Result<LoadedCluster> {
        let mut world = World::new(ClusterConfig { seed, ..ClusterConfig::default() })?;
        world.create_topic("bench", LOADED_PARTITIONS, None, ConfigMap::new())?;
        let producer = world.add_producer(ProducerConfig::named("bench-producer"))?;
        let mut config = ConsumerConfig::named("bench-consumer");
        config.auto_offset_reset = AutoOffsetReset::Earliest;
        let consumer = world.add_consumer(config)?;
        world.assign(consumer, (0..LOADED_PARTITIONS).map(|p| TopicPartition::new("bench", p)).collect())?;
        // Record n's value is "{value}-{n}": 100 bytes for n of 5 digits.
        let value = String::from_utf8(vec![b'x'; WORKLOAD_VALUE_BYTES - 6]).unwrap_or_default();
        let key = StreamKey::Rotating { prefix: String::from("key"), keys: STREAM_KEYS_MAX };
        world.stream(
            producer,
            StreamSpec { topic: String::from("bench"), records_per_sec: LOADED_RECORDS_PER_SEC, key, value },
        )?;
        world.poll_loop(consumer, LOADED_POLL_INTERVAL_MS)?;
        let (start_events, start_ms) = (world.events_dispatched(), world.now_ms());
        Ok(LoadedCluster { world, producer, consumer, start_events, start_ms })
    }

    /// Runs `ms` more of virtual time.
    pub fn run_ms(&mut self, ms: u64) -> LoadedStats {
        self.world.run_for(ms);
        self.stats()
    }

    pub fn stats(&self) -> LoadedStats {
        let stream = self.world.streams().into_iter().find(|s| s.producer == self.producer);
        let consumed =
            self.world.poll_loops().into_iter().find(|l| l.consumer == self.consumer).map_or(0, |l| l.records);
        LoadedStats {
            sent: stream.as_ref().map_or(0, |s| s.sent),
            acknowledged: stream.as_ref().map_or(0, |s| s.acknowledged),
            consumed,
            events: self.world.events_dispatched() - self.start_events,
            virtual_ms: self.world.now_ms() - self.start_ms,
        }
    }

    pub fn world(&self) -> &World {
        &self.world
    }
}

/// What an idle cluster cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdleStats {
    pub events: u64,
    pub virtual_ms: u64,
}

/// A cluster of `brokers` brokers (and 3 controllers), formed, with one topic of `partitions` partitions
/// replicated 3 times when `partitions > 0`, nothing sent: returns it ready to idle.
pub fn idle_cluster(seed: u64, brokers: u32, partitions: u32) -> Result<World> {
    let mut world = World::new(ClusterConfig { seed, brokers, ..ClusterConfig::default() })?;
    if partitions > 0 {
        world.create_topic("idle", partitions, None, ConfigMap::new())?;
    }
    Ok(world)
}

/// Runs an idle cluster for `ms` of virtual time.
pub fn run_idle(world: &mut World, ms: u64) -> IdleStats {
    let (events_before, start_ms) = (world.events_dispatched(), world.now_ms());
    world.run_for(ms);
    IdleStats { events: world.events_dispatched() - events_before, virtual_ms: world.now_ms() - start_ms }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_standard_workload_completes_the_same_way_each_time() {
        let a = super::standard_workload(1).unwrap();
        assert_eq!(a.records, 2_000);
        assert!(a.events > 0 && a.virtual_ms > 0);
        assert_eq!(a, super::standard_workload(1).unwrap());
    }

    #[test]
    fn a_loaded_cluster_keeps_up_with_its_stream() {
        let mut loaded = super::LoadedCluster::new(1).unwrap();
        let stats = loaded.run_ms(2_000);
        assert_eq!(stats.virtual_ms, 2_000);
        assert!(stats.sent >= 19_000, "{stats:?}");
        // Acknowledged and consumed trail the stream by at most a few hundred milliseconds of records.
        assert!(stats.acknowledged + 3_000 >= stats.sent, "{stats:?}");
        assert!(stats.consumed + 3_000 >= stats.sent, "{stats:?}");
    }

    #[test]
    fn an_idle_cluster_only_passes_time() {
        let mut world = super::idle_cluster(1, 3, 0).unwrap();
        let stats = super::run_idle(&mut world, 60_000);
        assert_eq!(stats.virtual_ms, 60_000);
        assert!(stats.events > 0);
    }
}
