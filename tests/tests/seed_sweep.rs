//! Seeded sweeps: many runs with random faults (crashes, power losses, pauses, partitions, drops, slow
//! links, controller crashes), each checked by the checker after every step. Two promises of Kafka's:
//! with one broker and `flush.messages=1`, nothing acknowledged with `acks=all` is lost even across a
//! power loss; with three brokers, RF=3, `min.insync.replicas=2` and clean elections, nothing acknowledged
//! is lost while brokers crash, lose power (flushed) and are cut off, one at a time or more. CI runs
//! sweeps sized for it; `make soak` runs long ones (`FRANZ_SOAK=1`).

use franz_core::client::{AutoOffsetReset, ConsumerConfig, ProducerConfig};
use franz_core::config::ConfigMap;
use franz_core::sim::network::NetworkConfig;
use franz_core::sim::rng::{stream_rng, Stream};
use franz_core::types::{Bytes, ProducerRecord, TopicPartition};
use franz_core::{ClusterConfig, ErrorCode, World};
use rand_core::RngCore;

/// One run: a producer and a consumer at work while faults come and go. Returns what the run did.
fn run(seed: u64, brokers: u32) -> (u64, u64, u64) {
    let mut dice = stream_rng(seed, Stream::Workload);
    let network = NetworkConfig {
        latency_ms: 1 + u64::from(dice.next_u32() % 5),
        jitter_ms: u64::from(dice.next_u32() % 10),
        drop_rate: 0.0,
    };
    let broker_config: ConfigMap =
        [("log.retention.check.interval.ms", "1000")].map(|(k, v)| (k.into(), v.into())).into();
    let mut w = World::new(ClusterConfig { seed, network, broker_config, brokers, ..Default::default() }).unwrap();
    let topic_config: ConfigMap = [("flush.messages", "1"), ("segment.bytes", "2000"), ("min.insync.replicas", "2")]
        .map(|(k, v)| (k.into(), v.into()))
        .into();
    w.create_topic("t", 3, None, topic_config).unwrap();
    let nodes: Vec<i32> = w.brokers().iter().chain(w.controllers()).copied().collect();
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
        let broker = 1 + (dice.next_u32() % brokers) as i32;
        let controller = w.controllers()[(dice.next_u32() as usize) % w.controllers().len()];
        match dice.next_u32() % 22 {
            0 => {
                let _ = w.crash_broker(broker);
            }
            1 => {
                let _ = w.power_loss(broker);
            }
            2 | 3 => {
                for b in 1..=brokers as i32 {
                    let _ = w.restart_broker(b);
                }
            }
            4 => {
                let _ = w.pause_node(broker, u64::from(dice.next_u32() % 800)); // refused while it is down
            }
            5 => {
                let node = nodes[(dice.next_u32() as usize) % nodes.len()];
                w.partition_network(vec![vec![node]]).unwrap()
            }
            20 => {
                let _ = w.crash_controller(controller);
            }
            21 => {
                let _ = w.restart_controller(controller);
            }
            6 | 7 => w.heal_network().unwrap(),
            8 => w
                .set_network(NetworkConfig {
                    drop_rate: f64::from(dice.next_u32() % 30) / 100.0,
                    ..w.network().config()
                })
                .unwrap(),
            9 => w
                .set_link(broker, producer, Some(NetworkConfig { latency_ms: 50, jitter_ms: 50, drop_rate: 0.0 }))
                .unwrap(),
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
        if !report.ok && std::env::var("FRANZ_SWEEP_TRACE").is_ok() {
            for e in w.trace().since(0) {
                eprintln!("{}", e.text);
            }
        }
        assert!(
            report.ok,
            "seed {seed} step {step}: {:#?}\nreplay: {}",
            report.violations,
            w.scenario().unwrap().to_json()
        );
    }
    let failovers = w.trace().since(0).iter().filter(|e| e.kind.kind_name() == "became_follower").count() as u64;
    (acked, polled, failovers)
}

fn sweep(seeds: std::ops::Range<u64>, brokers: u32) {
    let (mut acked, mut polled, mut failovers) = (0, 0, 0);
    for seed in seeds.clone() {
        let (a, p, f) = run(seed, brokers);
        acked += a;
        polled += p;
        failovers += f;
    }
    println!("{brokers} broker(s), seeds {seeds:?}: {acked} sends acknowledged, {polled} records polled, {failovers} replicas following a new leader");
    if brokers > 1 {
        assert!(failovers > seeds.end - seeds.start, "leadership moved only {failovers} times");
    }
    // A sweep that acknowledges nothing checks nothing.
    assert!(acked > 5 * (seeds.end - seeds.start), "only {acked} acknowledged sends");
    assert!(polled > 0);
}

#[test]
fn one_broker_nothing_acknowledged_is_lost_across_200_seeds() {
    sweep(0..200, 1);
}

#[test]
fn three_brokers_nothing_acknowledged_is_lost_across_200_seeds() {
    sweep(0..200, 3);
}

fn soak_seeds() -> u64 {
    std::env::var("FRANZ_SOAK_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(5_000)
}

#[test]
#[ignore = "long: run with `make soak`"]
fn soak_one_broker_nothing_acknowledged_is_lost() {
    sweep(1_000_000..1_000_000 + soak_seeds(), 1);
}

#[test]
#[ignore = "long: run with `make soak`"]
fn soak_three_brokers_nothing_acknowledged_is_lost() {
    let first = std::env::var("FRANZ_SOAK_FIRST").ok().and_then(|s| s.parse().ok()).unwrap_or(2_000_000);
    sweep(first..first + soak_seeds(), 3);
}
