//! Prints the benchmark workloads' speed natively, one JSON object, for `make bench`'s table:
//! `web/bench/sim_speed.mjs` runs the same workloads in wasm and prints both side by side.
//! `sim_speed loaded [seconds]` runs only the loaded cluster, printing each 10 s slice, and `sim_speed idle-big`
//! only the idle 16-broker cluster and `sim_speed bulk` only the bulk workload (for a profiler), `sim_speed idle [brokers] [partitions] [seconds]` any idle
//! cluster, `sim_speed check [seconds]` the loaded cluster's `check()` after each 10 s, `sim_speed frames-cluster [seconds]` the cluster of the playground's frame bench
//! (`web/bench/frames.mjs`), each 5 s of virtual time timed.

use std::time::Instant;

use franz_core::config::TopicConfig;
use franz_core::log::{PartitionLog, ProducerStamp};
use franz_core::sim::scenario::Scenario;
use franz_core::sim::workload::{
    bulk_workload, idle_cluster, run_idle, standard_workload, LoadedCluster, WorkloadStats,
};
use franz_core::sim::World;
use franz_core::types::Record;
use serde_json::{json, Value};

/// Runs `f` for at least `WARM_UP_MS` of wall time, then `runs` times timed: its stats, the fastest run's wall
/// milliseconds, and the first run's. The same method as `web/bench/sim_speed.mjs` (where the warm-up matters:
/// V8 runs a wasm function in its baseline tier until it is optimized), so that the ratios compare like with
/// like; the fastest run, because other load on a shared machine only adds time.
fn timed(runs: usize, f: impl Fn() -> WorkloadStats) -> Value {
    let start = Instant::now();
    let stats = f();
    let first_ms = start.elapsed().as_secs_f64() * 1000.0;
    while start.elapsed().as_secs_f64() * 1000.0 < WARM_UP_MS {
        std::hint::black_box(f());
    }
    let wall_ms = (0..runs)
        .map(|_| {
            let run = Instant::now();
            std::hint::black_box(f());
            run.elapsed().as_secs_f64() * 1000.0
        })
        .fold(f64::INFINITY, f64::min);
    json!({ "records": stats.records, "events": stats.events, "virtualMs": stats.virtual_ms, "wallMs": wall_ms, "firstMs": first_ms })
}

/// How long a workload runs before it is timed.
const WARM_UP_MS: f64 = 1_000.0;

/// The loaded cluster, 60 s of virtual time in slices of 10 s, each timed (its stats are cumulative).
fn loaded() -> Value {
    let mut loaded = LoadedCluster::new(1).expect("the loaded cluster starts");
    let slices: Vec<Value> = (0..6)
        .map(|_| {
            let start = Instant::now();
            let stats = loaded.run_ms(10_000);
            let mut slice = serde_json::to_value(stats).expect("stats serialize");
            slice["wallMs"] = json!(start.elapsed().as_secs_f64() * 1000.0);
            slice
        })
        .collect();
    Value::Array(slices)
}

/// Idles a formed cluster for `ms` of virtual time.
fn idle(brokers: u32, partitions: u32, ms: u64) -> Value {
    let mut world = idle_cluster(1, brokers, partitions).expect("the idle cluster forms");
    let start = Instant::now();
    let stats = run_idle(&mut world, ms);
    json!({ "events": stats.events, "virtualMs": stats.virtual_ms, "wallMs": start.elapsed().as_secs_f64() * 1000.0 })
}

/// Reading a partition log of 10,000 records of 100 bytes in 1 MiB fetches, against copying the same bytes
/// out of a `Vec<u8>` in 1 MiB chunks (the machine's raw-copy baseline, in the same run).
fn log_read() -> Value {
    const RECORDS: usize = 10_000;
    const FETCH_MAX_BYTES: usize = 1_048_576;
    let config = TopicConfig::default();
    let mut log = PartitionLog::new(0);
    for b in 0..RECORDS / 100 {
        let batch = (0..100).map(|i| Record::new(0, None, Some(vec![(b + i) as u8; 100].into()))).collect::<Vec<_>>();
        log.append(batch.into(), 0, ProducerStamp::NONE, None, 0, &config);
    }
    let bytes = vec![7u8; RECORDS * 100];
    let runs = 200;
    let start = Instant::now();
    for _ in 0..runs {
        let mut offset = 0;
        while offset < log.log_end_offset() {
            let records = log.read(offset, log.log_end_offset(), FETCH_MAX_BYTES).expect("in range");
            offset = records.last().and_then(|batch| batch.last()).map_or(offset, |r| r.offset + 1);
            std::hint::black_box(records);
        }
    }
    let log_ms = start.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
    let start = Instant::now();
    for _ in 0..runs {
        for chunk in bytes.chunks(FETCH_MAX_BYTES) {
            std::hint::black_box(chunk.to_vec());
        }
    }
    let raw_ms = start.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
    json!({ "bytes": bytes.len(), "logMs": log_ms, "rawMs": raw_ms })
}

/// `web/bench/frames.mjs`'s shared run: 9 brokers, one topic of 200 partitions RF 3, a producer streaming 200
/// keyed records/s, a group member polling every 100 ms. Its simulation is what bounds the playground's speed
/// on that cluster (a frame gives it 5 ms).
const FRAMES_CLUSTER: &str = r#"{"version":1,"seed":7,"brokers":9,"controllers":3,
  "network":{"latencyMs":1,"jitterMs":1,"dropRate":0},"config":{},"actions":[
  {"atMs":3000,"action":{"type":"createTopic","name":"load","partitions":200,"replicationFactor":3,"config":{}}},
  {"atMs":3000,"action":{"type":"addProducer","config":{"acks":"all","lingerMs":5}}},
  {"atMs":3000,"action":{"type":"addConsumer","config":{"groupId":"bench","autoOffsetReset":"earliest"}}},
  {"atMs":3000,"action":{"type":"subscribe","consumer":10003,"topics":["load"]}},
  {"atMs":3000,"action":{"type":"pollLoop","consumer":10003,"intervalMs":100}},
  {"atMs":3000,"action":{"type":"stream","producer":10002,"topic":"load","recordsPerSec":200,
    "key":{"mode":"rotating","prefix":"k","keys":1000},"value":"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"}},
  {"atMs":3000,"action":{"type":"runFor","ms":5000}}]}"#;

fn main() {
    if std::env::args().nth(1).as_deref() == Some("frames-cluster") {
        let scenario = Scenario::parse(FRAMES_CLUSTER).expect("the frame bench's run parses");
        let mut world = World::replay(&scenario, None).expect("the frame bench's run replays");
        let seconds: u64 = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(30);
        for _ in 0..seconds / 5 {
            let (events, start) = (world.events_dispatched(), Instant::now());
            world.run_for(5_000);
            let wall_ms = start.elapsed().as_secs_f64() * 1000.0;
            println!("{wall_ms:.0} ms per 5 s of virtual time, {} events", world.events_dispatched() - events);
        }
        return;
    }
    if std::env::args().nth(1).as_deref() == Some("idle") {
        let arg = |i: usize, default: u64| std::env::args().nth(i).and_then(|s| s.parse().ok()).unwrap_or(default);
        let (brokers, partitions, seconds) = (arg(2, 16) as u32, arg(3, 1_000) as u32, arg(4, 60));
        let start = Instant::now();
        let mut world = idle_cluster(1, brokers, partitions).expect("the idle cluster forms");
        let formed_ms = start.elapsed().as_secs_f64() * 1000.0;
        let stats = run_idle(&mut world, seconds * 1000);
        let wall_ms = start.elapsed().as_secs_f64() * 1000.0 - formed_ms;
        println!("{brokers} brokers, {partitions} partitions: formed in {formed_ms:.0} ms, {seconds} s idle in {wall_ms:.0} ms ({} events)", stats.events);
        return;
    }
    if std::env::args().nth(1).as_deref() == Some("idle-big") {
        println!("{}", idle(16, 1_000, 60_000));
        return;
    }
    if std::env::args().nth(1).as_deref() == Some("bulk") {
        println!("{}", timed(1, || bulk_workload(1).expect("the bulk workload runs")));
        return;
    }
    if std::env::args().nth(1).as_deref() == Some("check") {
        let mut loaded = LoadedCluster::new(1).expect("the loaded cluster starts");
        let seconds: u64 = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(60);
        for _ in 0..seconds / 10 {
            loaded.run_ms(10_000);
            let start = Instant::now();
            let report = loaded.world().check();
            let wall_ms = start.elapsed().as_secs_f64() * 1000.0;
            let history = loaded.world().history();
            let (kept, dropped) = (history.entries().count(), history.dropped());
            println!("check() in {wall_ms:.0} ms: ok {}, history {kept} entries kept, {dropped} dropped", report.ok);
        }
        return;
    }
    if std::env::args().nth(1).as_deref() == Some("loaded") {
        let mut loaded = LoadedCluster::new(1).expect("the loaded cluster starts");
        let seconds: u64 = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(60);
        for _ in 0..seconds / 10 {
            let start = Instant::now();
            let stats = loaded.run_ms(10_000);
            println!("{:.0} ms {stats:?}", start.elapsed().as_secs_f64() * 1000.0);
        }
        return;
    }
    let report = json!({
        "where": "native",
        "standard": timed(21, || standard_workload(1).expect("the standard workload runs")),
        "bulk": timed(11, || bulk_workload(1).expect("the bulk workload runs")),
        "loaded": loaded(),
        "idleHour": idle(3, 0, 3_600_000),
        "idleBig": idle(16, 1_000, 60_000),
        "logRead": log_read(),
    });
    println!("{report}");
}
