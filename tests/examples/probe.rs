//! A scratch scenario for looking at a trace by hand: `cargo run -p franz-tests --example probe`.
use franz_core::client::{AutoOffsetReset, ConsumerConfig, ProducerConfig};
use franz_core::config::ConfigMap;
use franz_core::sim::{ClusterConfig, World};
use franz_core::types::TopicPartition;
use franz_tests::value;
fn main() {
    let mut w = World::new(ClusterConfig { seed: 4, ..Default::default() }).unwrap();
    let config: ConfigMap = [("min.insync.replicas".to_string(), "2".to_string())].into();
    w.create_topic("t", 1, None, config).unwrap();
    let d = w.describe_topic("t").unwrap();
    let leader = d.partitions[0].leader.unwrap();
    let follower = d.partitions[0].replicas.iter().copied().find(|&r| r != leader).unwrap();
    let p = w.add_producer(ProducerConfig { enable_idempotence: Some(false), ..ProducerConfig::named("p") }).unwrap();
    w.crash_broker(follower).unwrap();
    println!("{:?}", w.send(p, "t", vec![value("during-shrink")]));
    let start = w.now_ms();
    w.create_topic("after", 3, Some(2), ConfigMap::new()).unwrap();
    let p2 = w.add_producer(ProducerConfig::named("p2")).unwrap();
    let sent = w.send(p2, "after", vec![value("still")]).unwrap();
    println!("{sent:?} {:?}", w.describe_topic("after").unwrap().partitions[sent[0].partition as usize]);
    let c = w
        .add_consumer(ConsumerConfig { auto_offset_reset: AutoOffsetReset::Earliest, ..ConsumerConfig::named("c") })
        .unwrap();
    w.assign(c, vec![TopicPartition::new("after", sent[0].partition)]).unwrap();
    for _ in 0..3 {
        println!("{:?}", w.poll(c, 1_000).map(|r| r.len()));
    }
    for e in w.trace().since(0).iter().filter(|e| e.time_ms >= start) {
        println!("{}", e.text());
    }
}
