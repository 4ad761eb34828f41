//! Restart + 1 s of a broker hosting N partitions: `cargo run --release -p franz-tests --example restart_scale N`.
use franz_core::config::ConfigMap;
use franz_core::sim::{ClusterConfig, World};
fn main() {
    let partitions: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let mut w = World::new(ClusterConfig { seed: 2, brokers: 3, ..Default::default() }).unwrap();
    w.create_topic("big", partitions, None, ConfigMap::new()).unwrap();
    w.run_for(15_000);
    w.crash_broker(1).unwrap();
    w.run_for(15_000);
    let before = w.events_dispatched();
    let t = std::time::Instant::now();
    w.restart_broker(1).unwrap();
    w.run_for(1_000);
    let whole = w.describe_topic("big").unwrap().partitions.iter().filter(|p| p.isr.len() == 3).count();
    println!(
        "{partitions} partitions: {:?}, {} events, {whole} ISRs whole, trace {:016x}",
        t.elapsed(),
        w.events_dispatched() - before,
        w.trace().hash()
    );
}
