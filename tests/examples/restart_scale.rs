//! Restart + 1 s of a broker hosting N partitions: `cargo run --release -p franz-tests --example restart_scale N`.
use franz_core::config::ConfigMap;
use franz_core::sim::{ClusterConfig, World};
fn main() {
    let partitions: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let mut w = World::new(ClusterConfig { seed: 2, brokers: 3, ..Default::default() }).unwrap();
    // (Topics of at most 10,000 partitions, Franz's bound.)
    let topics: Vec<String> = (0..partitions.div_ceil(10_000)).map(|i| format!("big{i}")).collect();
    for (i, t) in topics.iter().enumerate() {
        w.create_topic(t, (partitions - i as u32 * 10_000).min(10_000), None, ConfigMap::new()).unwrap();
    }
    w.run_for(15_000);
    w.crash_broker(1).unwrap();
    w.run_for(15_000);
    let before = w.events_dispatched();
    let t = std::time::Instant::now();
    w.restart_broker(1).unwrap();
    w.run_for(1_000);
    let whole: usize = topics
        .iter()
        .map(|t| w.describe_topic(t).unwrap().partitions.iter().filter(|p| p.isr.len() == 3).count())
        .sum();
    println!(
        "{partitions} partitions: {:?}, {} events, {whole} ISRs whole, trace {:016x}",
        t.elapsed(),
        w.events_dispatched() - before,
        w.trace().hash()
    );
}
