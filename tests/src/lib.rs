//! Helpers shared by Franz's integration tests: small builders that keep scenarios readable.

pub mod explorer;

use franz_core::types::Bytes;
use franz_core::types::ProducerRecord;

/// A record with a UTF-8 key and value.
pub fn kv(key: &str, value: &str) -> ProducerRecord {
    ProducerRecord {
        key: Some(Bytes::copy_from_slice(key.as_bytes())),
        value: Some(Bytes::copy_from_slice(value.as_bytes())),
        ..Default::default()
    }
}

/// A record with no key (spread by the sticky partitioner).
pub fn value(value: &str) -> ProducerRecord {
    ProducerRecord { value: Some(Bytes::copy_from_slice(value.as_bytes())), ..Default::default() }
}

pub fn text(bytes: &Option<Bytes>) -> Option<&str> {
    bytes.as_deref().and_then(|b| std::str::from_utf8(b).ok())
}

/// The cluster still does everything a user asks: every running broker unfenced, a new topic created, a
/// record sent with acks=all and read back, and the checker clean.
pub fn assert_serving(w: &mut franz_core::World, what: &str) {
    serving(w, what);
    let report = w.check();
    assert!(report.ok, "{what}: {:#?}", report.violations);
}

/// [`assert_serving`] after a fault whose losses the checker rightly reports (acks=1, unclean elections):
/// the checker finds nothing beyond what it found before.
pub fn assert_serving_beside_its_losses(w: &mut franz_core::World, what: &str) {
    let before = w.check().violations;
    serving(w, what);
    assert_eq!(w.check().violations, before, "{what}: the checker finds what it found before, no more");
}

fn serving(w: &mut franz_core::World, what: &str) {
    use franz_core::client::{AutoOffsetReset, ConsumerConfig, ProducerConfig};
    use franz_core::config::ConfigMap;
    use franz_core::types::TopicPartition;
    use franz_core::view::BrokerStatus;
    let d = w.describe_cluster();
    assert!(d.controller.leader_id.is_some(), "{what}: an active controller");
    for b in &d.brokers {
        assert_ne!(b.state, BrokerStatus::Fenced, "{what}: broker {} is still fenced: {:?}", b.id, d.brokers);
    }
    let running = d.brokers.iter().filter(|b| b.state == BrokerStatus::Running).count() as u32;
    let topic = format!("after-{}", w.now_ms());
    w.create_topic(&topic, 3, Some(running.min(3)), ConfigMap::new())
        .unwrap_or_else(|e| panic!("{what}: createTopic: {e}"));
    let p = w.add_producer(ProducerConfig::named(format!("p-{topic}"))).unwrap();
    let sent = w.send(p, &topic, vec![value("still-serving")]).unwrap_or_else(|e| panic!("{what}: send: {e}"));
    let c = w
        .add_consumer(ConsumerConfig { auto_offset_reset: AutoOffsetReset::Earliest, ..ConsumerConfig::named("c") })
        .unwrap();
    w.assign(c, vec![TopicPartition::new(topic.as_str(), sent[0].partition)]).unwrap();
    let mut got = Vec::new();
    for _ in 0..10 {
        got.extend(w.poll(c, 1_000).unwrap_or_else(|e| panic!("{what}: poll: {e}")));
        if !got.is_empty() {
            break;
        }
    }
    assert_eq!(got.len(), 1, "{what}: the record sent is read back");
}

/// The trace hash of `tests/fixtures/basic-scenario.json`, checked natively and in wasm (web/tests/node.rs
/// reads the same file).
pub const FIXTURE_TRACE_HASH: &str = include_str!("../tests/fixtures/basic-scenario.hash");

/// A cluster of one broker (and the default three controllers): the single-partition-replica tests of the
/// log, the simulator and the clients, where which broker leads is not the question.
pub fn one_broker() -> franz_core::ClusterConfig {
    franz_core::ClusterConfig { brokers: 1, ..Default::default() }
}

/// A 4-broker cluster (`min.insync.replicas` 2, seeded) with topic `a` of 8 partitions RF 3 (and any `more`
/// topics alike), about to move a-0 off one of its followers onto the broker without it: the world, that
/// target replica list, and the other partitions a-0's leader leads (the ones a reassignment must not slow).
pub fn moving_one_partition(seed: u64, more: &[&str]) -> (franz_core::World, Vec<i32>, Vec<u32>) {
    use franz_core::config::ConfigMap;
    let broker_config: ConfigMap = [("min.insync.replicas".to_string(), "2".to_string())].into();
    let config = franz_core::ClusterConfig { seed, brokers: 4, broker_config, ..Default::default() };
    let mut w = franz_core::World::new(config).unwrap();
    for topic in core::iter::once(&"a").chain(more) {
        w.create_topic(topic, 8, Some(3), ConfigMap::new()).unwrap();
    }
    w.run_for(1_000);
    let partitions = w.describe_topic("a").unwrap().partitions;
    let moved = &partitions[0];
    let spare = [1, 2, 3, 4].into_iter().find(|b| !moved.replicas.contains(b)).unwrap();
    let target = vec![moved.replicas[0], moved.replicas[1], spare];
    let siblings =
        partitions.iter().filter(|p| p.partition != 0 && p.leader == moved.leader).map(|p| p.partition).collect();
    (w, target, siblings)
}
