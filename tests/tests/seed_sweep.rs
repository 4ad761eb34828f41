//! Seeded sweeps: many runs with random faults (crashes, power losses, pauses, partitions, drops, slow
//! links), each checked by the checker. With `flush.messages=1` Kafka promises that nothing acknowledged
//! with `acks=all` is lost even across a power loss, so every run must check clean. CI runs a sweep sized
//! for it; `make soak` runs a long one (`FRANZ_SOAK=1`).

use franz_core::client::{AutoOffsetReset, ConsumerConfig, ProducerConfig};
use franz_core::config::ConfigMap;
use franz_core::sim::network::NetworkConfig;
use franz_core::sim::rng::{stream_rng, Stream};
use franz_core::types::{Bytes, ProducerRecord, TopicPartition};
use franz_core::{ClusterConfig, ErrorCode, World};
use rand_core::RngCore;

/// One run: a producer and a consumer at work while faults come and go. Returns what the run did.
fn run(seed: u64) -> (u64, u64) {
    let mut dice = stream_rng(seed, Stream::Workload);
    let network = NetworkConfig {
        latency_ms: 1 + u64::from(dice.next_u32() % 5),
        jitter_ms: u64::from(dice.next_u32() % 10),
        drop_rate: 0.0,
    };
    let broker_config: ConfigMap =
        [("log.retention.check.interval.ms", "1000")].map(|(k, v)| (k.into(), v.into())).into();
    let mut w = World::new(ClusterConfig { seed, network, broker_config, ..franz_tests::one_broker() }).unwrap();
    let topic_config: ConfigMap =
        [("flush.messages", "1"), ("segment.bytes", "2000")].map(|(k, v)| (k.into(), v.into())).into();
    w.create_topic("t", 3, None, topic_config).unwrap();
    let producer_config =
        ProducerConfig { request_timeout_ms: 500, delivery_timeout_ms: 3_000, ..ProducerConfig::named("p") };
    let producer = w.add_producer(producer_config).unwrap();
    let consumer_config = ConsumerConfig {
        auto_offset_reset: AutoOffsetReset::Earliest,
        request_timeout_ms: 500,
        ..ConsumerConfig::named("c")
    };
    let consumer = w.add_consumer(consumer_config).unwrap();
    w.assign(consumer, (0..3).map(|p| TopicPartition::new("t", p)).collect()).unwrap();
    let (mut acked, mut polled) = (0, 0);
    for step in 0..120u32 {
        match dice.next_u32() % 20 {
            0 => {
                let _ = w.crash_broker(1);
            }
            1 => {
                let _ = w.power_loss(1);
            }
            2 | 3 => {
                let _ = w.restart_broker(1);
            }
            4 => {
                let _ = w.pause_node(1, u64::from(dice.next_u32() % 800)); // refused while it is down
            }
            5 => w.partition_network(vec![vec![1]]).unwrap(),
            6 | 7 => w.heal_network().unwrap(),
            8 => w
                .set_network(NetworkConfig {
                    drop_rate: f64::from(dice.next_u32() % 30) / 100.0,
                    ..w.network().config()
                })
                .unwrap(),
            9 => {
                w.set_link(1, producer, Some(NetworkConfig { latency_ms: 50, jitter_ms: 50, drop_rate: 0.0 })).unwrap()
            }
            10..=15 => {
                let key = dice.next_u32().is_multiple_of(2).then(|| Bytes::from(format!("k{}", dice.next_u32() % 7)));
                let record =
                    ProducerRecord { key, value: Some(Bytes::from(format!("{seed}-{step}"))), ..Default::default() };
                match w.send(producer, "t", vec![record]) {
                    Ok(_) => acked += 1,
                    Err(e) => assert!(e.retriable(), "seed {seed}: a send failed with {e}"),
                }
            }
            _ => match w.poll(consumer, 300) {
                Ok(records) => polled += records.len() as u64,
                Err(e) => assert_eq!(e.code, ErrorCode::OffsetOutOfRange, "seed {seed}: {e}"),
            },
        }
        let report = w.check();
        assert!(
            report.ok,
            "seed {seed} step {step}: {:#?}\nreplay: {}",
            report.violations,
            w.scenario().unwrap().to_json()
        );
    }
    (acked, polled)
}

fn sweep(seeds: std::ops::Range<u64>) {
    let (mut acked, mut polled) = (0, 0);
    for seed in seeds.clone() {
        let (a, p) = run(seed);
        acked += a;
        polled += p;
    }
    // A sweep that acknowledges nothing checks nothing.
    assert!(acked > 5 * (seeds.end - seeds.start), "only {acked} acknowledged sends");
    assert!(polled > 0);
}

#[test]
fn nothing_acknowledged_is_lost_across_200_seeds() {
    sweep(0..200);
}

#[test]
#[ignore = "long: run with `make soak`"]
fn soak_nothing_acknowledged_is_lost_across_5000_seeds() {
    let seeds = std::env::var("FRANZ_SOAK_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(5_000);
    sweep(1_000_000..1_000_000 + seeds);
}
