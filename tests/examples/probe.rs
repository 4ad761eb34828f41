use franz_core::sim::{ClusterConfig, World};
fn main() {
    for brokers in [1, 3] {
        let mut w = World::new(ClusterConfig { brokers, ..Default::default() }).unwrap();
        w.create_topic("t", 3, None, Default::default()).unwrap();
        let e0 = w.events_dispatched();
        let t = std::time::Instant::now();
        w.run_for(3_600_000);
        println!("brokers {brokers}: {} events per idle hour, {:?}", w.events_dispatched() - e0, t.elapsed());
    }
}
