//! `make bench` (criterion): the standard workload (`franz_core::sim::workload`), natively.
//! Throughput is reported twice: in records (produced, acknowledged, consumed) and in simulator events.
//! And the checker over a playground-like run (the page's "Check this run"), in history entries.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use franz_core::client::{AutoOffsetReset, ConsumerConfig, ProducerConfig};
use franz_core::config::ConfigMap;
use franz_core::sim::stream::{StreamKey, StreamSpec};
use franz_core::sim::workload::standard_workload;
use franz_core::{ClusterConfig, World};

fn simulation(c: &mut Criterion) {
    let stats = standard_workload(1).expect("the standard workload runs");
    let mut group = c.benchmark_group("standard_workload");
    group.throughput(Throughput::Elements(stats.records));
    group.bench_function("records", |b| b.iter(|| standard_workload(1)));
    group.throughput(Throughput::Elements(stats.events));
    group.bench_function("events", |b| b.iter(|| standard_workload(1)));
    group.finish();
}

/// 90 s of a stream of 200 keyed records/s to six partitions, read by two groups: the run a page checks.
fn checked_run() -> World {
    let mut w = World::new(ClusterConfig { seed: 4, ..ClusterConfig::default() }).unwrap();
    w.create_topic("t", 6, None, ConfigMap::new()).unwrap();
    let producer = w.add_producer(ProducerConfig::named("p")).unwrap();
    let key = StreamKey::Rotating { prefix: "k".into(), keys: 20 };
    w.stream(producer, StreamSpec { topic: "t".into(), records_per_sec: 200, key, value: "v".into() }).unwrap();
    for group in ["a", "b"] {
        let config = ConsumerConfig {
            group_id: Some(group.into()),
            auto_offset_reset: AutoOffsetReset::Earliest,
            ..ConsumerConfig::named(group)
        };
        let consumer = w.add_consumer(config).unwrap();
        w.subscribe(consumer, vec!["t".into()]).unwrap();
        w.poll_loop(consumer, 1_000).unwrap();
    }
    w.run_for(90_000);
    w
}

fn checker(c: &mut Criterion) {
    let world = checked_run();
    assert!(world.check().ok);
    let mut group = c.benchmark_group("checker");
    group.throughput(Throughput::Elements(world.history().recorded()));
    group.sample_size(20);
    group.bench_function("history_entries", |b| b.iter(|| world.check()));
    group.finish();
}

criterion_group!(benches, simulation, checker);
criterion_main!(benches);
