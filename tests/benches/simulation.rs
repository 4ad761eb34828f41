//! `make bench` (criterion): the standard workload (`franz_core::sim::workload`), natively.
//! Throughput is reported twice: in records (produced, acknowledged, consumed) and in simulator events.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use franz_core::sim::workload::standard_workload;

fn simulation(c: &mut Criterion) {
    let stats = standard_workload(1).expect("the standard workload runs");
    let mut group = c.benchmark_group("standard_workload");
    group.throughput(Throughput::Elements(stats.records));
    group.bench_function("records", |b| b.iter(|| standard_workload(1)));
    group.throughput(Throughput::Elements(stats.events));
    group.bench_function("events", |b| b.iter(|| standard_workload(1)));
    group.finish();
}

criterion_group!(benches, simulation);
criterion_main!(benches);
