//! Issue 17's admin, broker and network items, each as the adversarial user met it: client configs Kafka
//! refuses, what `describeTopic` shows, partitions added during a reassignment, when `flush.ms` flushes,
//! one-way network faults and what the checker calls divergence on compacted topics.

use std::collections::BTreeMap;

use franz_core::check::ViolationKind;
use franz_core::client::ProducerConfig;
use franz_core::config::ConfigMap;
use franz_core::message::Acks;
use franz_core::types::NodeId;
use franz_core::{ClusterConfig, ErrorCode, World};
use franz_tests::{kv, value};

fn map(pairs: &[(&str, &str)]) -> ConfigMap {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn cluster(brokers: u32, broker_config: ConfigMap) -> World {
    World::new(ClusterConfig { seed: 17, brokers, broker_config, ..Default::default() }).unwrap()
}

#[test]
fn delivery_timeout_below_linger_plus_request_timeout_is_refused() {
    let mut w = cluster(1, ConfigMap::new());
    let short = ProducerConfig {
        delivery_timeout_ms: 30_004,
        linger_ms: 5,
        request_timeout_ms: 30_000,
        ..ProducerConfig::named("short")
    };
    let err = w.add_producer(short.clone()).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidConfig, "{err}");
    assert!(
        err.message.contains("delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms"),
        "Kafka's wording: {err}"
    );
    // Near miss: exactly linger.ms + request.timeout.ms is what Kafka accepts.
    w.add_producer(ProducerConfig { delivery_timeout_ms: 30_005, ..short }).unwrap();
}
