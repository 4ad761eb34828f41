//! `make bench`: how fast the simulated cluster runs, natively.
//!
//! The standard workload (kept fixed so that later changes compare): one topic of 4 partitions, one
//! producer sending batches of 100 records of 100 bytes with acks=all, one consumer reading them all back.
//! Reported as records per second produced+acknowledged+consumed, and simulator events per second.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use franz_core::client::{AutoOffsetReset, ConsumerConfig, ProducerConfig};
use franz_core::config::ConfigMap;
use franz_core::types::{ProducerRecord, TopicPartition};
use franz_core::{ClusterConfig, World};

const BATCHES: usize = 20;
const RECORDS_PER_BATCH: usize = 100;
const RECORD_VALUE_BYTES: usize = 100;

/// Produces and consumes the standard workload; returns the events the simulator ran.
fn standard_workload() -> u64 {
    let mut w = World::new(ClusterConfig::default()).unwrap();
    w.create_topic("bench", 4, None, ConfigMap::new()).unwrap();
    let producer = w.add_producer(ProducerConfig::named("bench-producer")).unwrap();
    let value = vec![b'x'; RECORD_VALUE_BYTES];
    for b in 0..BATCHES {
        let batch = (0..RECORDS_PER_BATCH)
            .map(|i| ProducerRecord {
                key: Some(format!("key-{b}-{i}").into_bytes()),
                value: Some(value.clone()),
                ..Default::default()
            })
            .collect();
        w.send(producer, "bench", batch).unwrap();
    }
    let mut config = ConsumerConfig::named("bench-consumer");
    config.auto_offset_reset = AutoOffsetReset::Earliest;
    let consumer = w.add_consumer(config).unwrap();
    w.assign(consumer, (0..4).map(|p| TopicPartition::new("bench", p)).collect())
        .unwrap();
    let mut read = 0;
    while read < BATCHES * RECORDS_PER_BATCH {
        read += w.poll(consumer, 1_000).unwrap().len();
    }
    w.events_dispatched()
}

fn simulation(c: &mut Criterion) {
    let events = standard_workload();
    let mut group = c.benchmark_group("standard_workload");
    group.throughput(Throughput::Elements((BATCHES * RECORDS_PER_BATCH) as u64));
    group.bench_function("records", |b| b.iter(standard_workload));
    group.throughput(Throughput::Elements(events));
    group.bench_function("events", |b| b.iter(standard_workload));
    group.finish();
}

criterion_group!(benches, simulation);
criterion_main!(benches);
