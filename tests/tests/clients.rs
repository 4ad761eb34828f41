//! Kafka's clients, faithfully (issue 17): what an application of Kafka's producer and consumer would
//! notice, each test named after the behaviour.

use franz_core::client::ProducerConfig;
use franz_core::config::ConfigMap;
use franz_core::{ClusterConfig, World};
use franz_tests::value;

fn high_watermark(w: &World, topic: &str) -> u64 {
    w.describe_topic(topic).unwrap().partitions.iter().map(|p| p.high_watermark).sum()
}

#[test]
fn producer_close_sends_what_lingers_and_waits_for_every_send() {
    for seed in 1..=3 {
        let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
        w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
        let lingering = ProducerConfig { linger_ms: 5_000, ..ProducerConfig::named("p") };
        let warm = w.add_producer(lingering.clone()).unwrap();
        w.send(warm, "t", vec![value("first")]).unwrap();
        for i in 0..3 {
            w.send_async(warm, "t", vec![value(&format!("lingering-{i}"))]).unwrap();
        }
        // A fresh producer: its sends still wait for metadata and a producer id.
        let fresh = w.add_producer(ProducerConfig { client_id: Some("fresh".into()), ..lingering }).unwrap();
        w.send_async(fresh, "t", vec![value("before-metadata")]).unwrap();
        let before = w.now_ms();
        w.close_client(warm).unwrap();
        w.close_client(fresh).unwrap();
        assert!(w.now_ms() - before < 5_000, "seed {seed}: close does not wait out linger.ms");
        assert_eq!(high_watermark(&w, "t"), 5, "seed {seed}: close() delivered every send");
        assert!(w.check().ok, "{:?}", w.check().violations);
    }
}
