//! A new group's first member joining a topic of N partitions, until its first poll returns:
//! `cargo run --release -p franz-tests --example group_join_scale N`.
use franz_core::client::{AutoOffsetReset, ConsumerConfig};
use franz_core::config::ConfigMap;
use franz_core::sim::{ClusterConfig, World};
fn main() {
    let partitions: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let mut w = World::new(ClusterConfig { seed: 2, brokers: 3, ..Default::default() }).unwrap();
    w.create_topic("big", partitions.min(10_000), None, ConfigMap::new()).unwrap();
    w.run_for(15_000);
    let before = w.events_dispatched();
    let t = std::time::Instant::now();
    let config = ConsumerConfig {
        group_id: Some("g".into()),
        auto_offset_reset: AutoOffsetReset::Earliest,
        ..ConsumerConfig::named("c")
    };
    let c = w.add_consumer(config).unwrap();
    w.subscribe(c, vec!["big".into()]).unwrap();
    let mut polls = 0;
    while w.assignment(c).unwrap().is_empty() && polls < 60 {
        w.poll(c, 1_000).unwrap();
        polls += 1;
    }
    w.poll(c, 1_000).unwrap();
    println!(
        "{partitions} partitions: {:?}, {} polls, {} events, {} assigned, trace {:016x}",
        t.elapsed(),
        polls + 1,
        w.events_dispatched() - before,
        w.assignment(c).unwrap().len(),
        w.trace().hash()
    );
}
