//! The standard workload, defined once so that benchmarks natively and in wasm (and across changes)
//! measure the same thing: the default cluster (3 controllers, 3 brokers) formed, one topic of 4 partitions
//! replicated 3 times, a producer sending 20 batches of 100 keyed records of 100 bytes with `acks=all`
//! (each acknowledged once replicated to the ISR), and a consumer reading all 2,000 back, over the default
//! network.

use alloc::format;
use alloc::vec;
use alloc::vec::Vec;

use crate::client::{AutoOffsetReset, ConsumerConfig, ProducerConfig};
use crate::config::ConfigMap;
use crate::error::Result;
use crate::sim::{ClusterConfig, World};
use crate::types::{Bytes, ProducerRecord, TopicPartition};

pub const WORKLOAD_PARTITIONS: u32 = 4;
pub const WORKLOAD_BATCHES: usize = 20;
pub const WORKLOAD_RECORDS_PER_BATCH: usize = 100;
pub const WORKLOAD_VALUE_BYTES: usize = 100;

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
    let mut w = World::new(ClusterConfig { seed, ..ClusterConfig::default() })?;
    w.create_topic("bench", WORKLOAD_PARTITIONS, None, ConfigMap::new())?;
    let producer = w.add_producer(ProducerConfig::named("bench-producer"))?;
    let value = Bytes::from(vec![b'x'; WORKLOAD_VALUE_BYTES]);
    for b in 0..WORKLOAD_BATCHES {
        let batch: Vec<ProducerRecord> = (0..WORKLOAD_RECORDS_PER_BATCH)
            .map(|i| ProducerRecord {
                key: Some(format!("key-{b}-{i}").into_bytes().into()),
                value: Some(value.clone()),
                ..Default::default()
            })
            .collect();
        w.send(producer, "bench", batch)?;
    }
    let mut config = ConsumerConfig::named("bench-consumer");
    config.auto_offset_reset = AutoOffsetReset::Earliest;
    let consumer = w.add_consumer(config)?;
    w.assign(consumer, (0..WORKLOAD_PARTITIONS).map(|p| TopicPartition::new("bench", p)).collect())?;
    let total = WORKLOAD_BATCHES * WORKLOAD_RECORDS_PER_BATCH;
    let mut read = 0;
    while read < total {
        let polled = w.poll(consumer, 1_000)?.len();
        if polled == 0 {
            return Err(franz_err!(RequestTimedOut, "the standard workload stalled after {read} of {total} records"));
        }
        read += polled;
    }
    Ok(WorkloadStats { records: read as u64, events: w.events_dispatched(), virtual_ms: w.now_ms() })
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
}
