//! The deterministic world under faults: crashes, power loss, partitions, pauses, drops; the checker over
//! real runs; and scenarios that replay bit for bit.

use franz_core::check::ViolationKind;
use franz_core::client::{AutoOffsetReset, ConsumerConfig, ProducerConfig};
use franz_core::config::ConfigMap;
use franz_core::error::FranzError;
use franz_core::message::Acks;
use franz_core::sim::network::NetworkConfig;
use franz_core::sim::scenario::{Action, Scenario};
use franz_core::sim::Outcome;
use franz_core::sim::Replay;
use franz_core::trace::TraceKind;
use franz_core::types::TopicPartition;
use franz_core::{ClusterConfig, ErrorCode, World};
use franz_tests::{text, value};

fn world_with_topic(config: ConfigMap) -> (World, i32) {
    let mut w = World::new(franz_tests::one_broker()).unwrap();
    w.create_topic("t", 1, None, config).unwrap();
    let producer = w.add_producer(ProducerConfig::named("p")).unwrap();
    (w, producer)
}

fn kinds(w: &World) -> Vec<&'static str> {
    w.trace().since(0).iter().map(|e| e.kind.kind_name()).collect()
}

#[test]
fn a_send_to_a_crashed_broker_times_out_and_succeeds_after_restart() {
    let (mut w, producer) = world_with_topic(ConfigMap::new());
    w.send(producer, "t", vec![value("before")]).unwrap();
    w.crash_broker(1).unwrap();
    let mut config = ProducerConfig::named("impatient");
    config.request_timeout_ms = 1_000;
    let impatient = w.add_producer(config).unwrap();
    let err = w.send(impatient, "t", vec![value("during")]).unwrap_err();
    assert_eq!(err.code, ErrorCode::RequestTimedOut);
    assert!(err.retriable());

    w.restart_broker(1).unwrap();
    let meta = w.send(producer, "t", vec![value("after")]).unwrap();
    assert_eq!(meta[0].offset, Some(1), "a process crash keeps every appended record");
    let description = w.describe_topic("t").unwrap();
    // The new incarnation's registration fences the old one (epoch 1, no leader); unfenced, it leads (2).
    assert_eq!(description.partitions[0].leader_epoch, 2, "re-elected at a new epoch");
    let k = kinds(&w);
    for expected in ["broker_crashed", "broker_restarted", "leader_elected"] {
        assert!(k.contains(&expected), "{expected} in {k:?}");
    }
    assert!(w.check().ok, "{:?}", w.check().violations);
}

#[test]
fn power_loss_erases_unflushed_acknowledged_records_and_the_checker_reports_each() {
    // Kafka's defaults flush only on segment roll: with one replica, a power loss loses acknowledged data.
    let (mut w, producer) = world_with_topic(ConfigMap::new());
    for i in 0..3 {
        w.send(producer, "t", vec![value(&format!("v{i}"))]).unwrap();
    }
    w.power_loss(1).unwrap();
    w.restart_broker(1).unwrap();
    let report = w.check();
    assert!(!report.ok);
    let lost: Vec<_> = report.violations.iter().filter(|v| v.kind == ViolationKind::LostWrite).collect();
    assert_eq!(lost.iter().map(|v| v.offset).collect::<Vec<_>>(), [Some(0), Some(1), Some(2)]);
    assert!(lost[0].detail.contains("\"v0\" was acknowledged"), "{}", lost[0].detail);
    assert!(kinds(&w).contains(&"records_lost_on_power_loss"));
}

#[test]
fn power_loss_keeps_what_flush_messages_made_durable() {
    let flush_each: ConfigMap = [("flush.messages".to_string(), "1".to_string())].into();
    let (mut w, producer) = world_with_topic(flush_each);
    for i in 0..3 {
        w.send(producer, "t", vec![value(&format!("v{i}"))]).unwrap();
    }
    w.power_loss(1).unwrap();
    w.restart_broker(1).unwrap();
    assert!(w.check().ok, "{:?}", w.check().violations);
    assert_eq!(w.read_log(1, "t", 0, 0, 10).unwrap().len(), 3);
}

#[test]
fn flush_ms_flushes_on_the_log_flushers_runs() {
    // Kafka's log flusher runs every log.flush.scheduler.interval.ms (never again after its first run, by
    // default): here every 100 ms, from the broker's start.
    let flusher = [("log.flush.scheduler.interval.ms", "100"), ("log.initial.task.delay.ms", "0")];
    let broker_config = flusher.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let mut w = World::new(ClusterConfig { broker_config, ..franz_tests::one_broker() }).unwrap();
    w.create_topic("t", 1, None, [("flush.ms".to_string(), "100".to_string())].into()).unwrap();
    let producer = w.add_producer(ProducerConfig::named("p")).unwrap();
    w.send(producer, "t", vec![value("a")]).unwrap();
    w.run_for(250);
    w.power_loss(1).unwrap();
    assert_eq!(w.read_log(1, "t", 0, 0, 10).unwrap().len(), 1, "flushed by flush.ms before the power went");
}

#[test]
fn a_partition_cuts_clients_off_and_healing_restores_them() {
    let (mut w, producer) = world_with_topic(ConfigMap::new());
    w.partition_network(vec![vec![1]]).unwrap(); // broker 1 alone; clients on the other side
    let mut config = ProducerConfig::named("cut-off");
    config.request_timeout_ms = 500;
    let cut_off = w.add_producer(config).unwrap();
    assert_eq!(w.send(cut_off, "t", vec![value("x")]).unwrap_err().code, ErrorCode::RequestTimedOut);
    assert!(w.view().network.dropped_messages > 0);
    w.heal_network().unwrap();
    let sent = w.send(producer, "t", vec![value("y")]);
    assert_eq!(sent.unwrap()[0].offset, Some(0));
    let k = kinds(&w);
    assert!(k.contains(&"network_partitioned") && k.contains(&"network_healed"), "{k:?}");
}

#[test]
fn a_consumer_whose_fetch_answer_a_cut_lost_reads_again_once_the_cut_heals() {
    // Over TCP a short cut only delays: the lost answer is sent again once the link is back. Franz loses the
    // answer, so at the heal the consumer sees its connection reset and fetches again, rather than waiting
    // out request.timeout.ms (30 s). Kafka's consumer resumes as soon as the network does.
    let (mut w, producer) = world_with_topic(ConfigMap::new());
    w.send(producer, "t", vec![value("before")]).unwrap();
    let config = ConsumerConfig { auto_offset_reset: AutoOffsetReset::Earliest, ..ConsumerConfig::named("c") };
    let consumer = w.add_consumer(config).unwrap();
    let tp = TopicPartition { topic: "t".into(), partition: 0 };
    w.assign(consumer, vec![tp.clone()]).unwrap();
    assert_eq!(w.poll(consumer, 2_000).unwrap().len(), 1);
    w.poll(consumer, 100).unwrap(); // the next fetch is parked at the leader (fetch.max.wait.ms 500)
    w.partition_network(vec![vec![1]]).unwrap(); // its answer is lost on the way back
    w.run_for(1_000);
    w.heal_network().unwrap();
    let healed_ms = w.now_ms();
    w.send(producer, "t", vec![value("after")]).unwrap();
    let mut got = Vec::new();
    while got.is_empty() && w.now_ms() < healed_ms + 5_000 {
        got = w.poll(consumer, 100).unwrap();
    }
    assert_eq!(got.iter().map(|r| r.offset).collect::<Vec<_>>(), [1]);
    let waited_ms = w.now_ms() - healed_ms;
    assert!(waited_ms < 1_000, "read {waited_ms} ms after the heal");
    assert!(w.check().ok, "{:?}", w.check().violations);
}

#[test]
fn messages_in_flight_across_a_new_partition_are_lost() {
    let (mut w, producer) = world_with_topic(ConfigMap::new());
    let slow = NetworkConfig { latency_ms: 50, ..Default::default() };
    w.set_network(slow).unwrap();
    let request = w.send_async(producer, "t", vec![value("in flight")]).unwrap();
    w.run_for(10); // the Produce request is on the wire
    w.partition_network(vec![vec![1]]).unwrap();
    w.run_for(200);
    w.heal_network().unwrap();
    assert!(w.producer_results(producer).unwrap().iter().all(|r| r.request_id != request));
    assert_eq!(w.describe_topic("t").unwrap().partitions[0].log_end_offsets["1"], 0, "never arrived");
}

/// Sends one record whose Produce response is lost on the way back, so the producer retries it.
fn send_with_lost_response(idempotent: bool) -> World {
    let mut w = World::new(ClusterConfig {
        network: NetworkConfig { latency_ms: 10, jitter_ms: 0, drop_rate: 0.0 },
        ..franz_tests::one_broker()
    })
    .unwrap();
    w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
    // Sent at once (no linger.ms), so that the answer is on the wire at 12 ms.
    let config = ProducerConfig {
        request_timeout_ms: 500,
        enable_idempotence: Some(idempotent),
        linger_ms: 0,
        ..ProducerConfig::named("p")
    };
    let producer = w.add_producer(config).unwrap();
    w.send(producer, "t", vec![value("warm-up")]).unwrap(); // producer id and metadata known
    let request = w.send_async(producer, "t", vec![value("once")]).unwrap();
    w.run_for(12); // the request has arrived and been appended; the response is on the wire
    w.partition_network(vec![vec![1]]).unwrap(); // ... and lost
    w.heal_network().unwrap();
    w.run_for(2_000);
    let results = w.producer_results(producer).unwrap();
    let outcome = results.iter().find(|r| r.request_id == request).map(|r| r.result.clone());
    assert!(matches!(outcome, Some(Ok(_))), "the retry succeeded: {outcome:?}");
    w
}

#[test]
fn a_retried_send_is_not_duplicated_by_an_idempotent_producer() {
    let w = send_with_lost_response(true);
    let values: Vec<_> = w.read_log(1, "t", 0, 0, 10).unwrap().into_iter().map(|r| r.value).collect();
    assert_eq!(values.len(), 2, "warm-up and once, once: {values:?}");
    assert!(w.trace().since(0).iter().any(|e| e.kind.kind_name() == "produce_retry"));
    assert!(w.check().ok, "{:?}", w.check().violations);
}

#[test]
fn a_retried_send_is_duplicated_without_idempotence_and_the_checker_says_so() {
    let w = send_with_lost_response(false);
    assert_eq!(w.read_log(1, "t", 0, 0, 10).unwrap().len(), 3, "warm-up, once, once again");
    let kinds: Vec<ViolationKind> = w.check().violations.iter().map(|v| v.kind).collect();
    assert_eq!(kinds, [ViolationKind::Duplicate]);
}

#[test]
fn a_paused_broker_answers_after_its_pause() {
    let (mut w, producer) = world_with_topic(ConfigMap::new());
    w.pause_node(1, 2_000).unwrap();
    let before = w.now_ms();
    assert_eq!(w.send(producer, "t", vec![value("x")]).unwrap()[0].offset, Some(0));
    assert!(w.now_ms() - before >= 2_000, "answered only once the pause ended: {} ms", w.now_ms() - before);
    assert!(w.view().brokers[0].paused_until_ms.is_none());
}

#[test]
fn a_lossy_network_never_loses_an_acknowledged_record() {
    let mut w = World::new(ClusterConfig {
        seed: 3,
        network: NetworkConfig { latency_ms: 2, jitter_ms: 5, drop_rate: 0.2 },
        ..franz_tests::one_broker()
    })
    .unwrap();
    let flush_each: ConfigMap = [("flush.messages".to_string(), "1".to_string())].into();
    // createTopic itself may be lost; like Kafka's admin client, retry (TOPIC_ALREADY_EXISTS means it landed).
    while let Err(e) = w.create_topic("t", 2, None, flush_each.clone()) {
        assert!(matches!(e.code, ErrorCode::RequestTimedOut | ErrorCode::TopicAlreadyExists), "{e}");
        if e.code == ErrorCode::TopicAlreadyExists {
            break;
        }
    }
    let mut config = ProducerConfig::named("p");
    config.request_timeout_ms = 200;
    let producer = w.add_producer(config).unwrap();
    for i in 0..200 {
        // Lost requests and responses are retried (idempotently) within delivery.timeout.ms.
        w.send(producer, "t", vec![value(&format!("v{i}"))]).unwrap();
    }
    let retries = w.trace().since(0).iter().filter(|e| e.kind.kind_name() == "produce_retry").count();
    assert!(retries > 10, "{retries} retries");
    let report = w.check();
    assert!(report.ok, "{:?}", report.violations);
}

#[test]
fn same_seed_same_trace_and_another_seed_another_trace() {
    let run = |seed| {
        let mut w = World::new(ClusterConfig {
            seed,
            network: NetworkConfig { latency_ms: 3, jitter_ms: 7, drop_rate: 0.05 },
            ..franz_tests::one_broker()
        })
        .unwrap();
        let _ = w.create_topic("t", 3, None, ConfigMap::new());
        let producer = w.add_producer(ProducerConfig::default()).unwrap();
        for i in 0..30 {
            let _ = w.send(producer, "t", vec![value(&i.to_string())]);
            if i == 10 {
                w.crash_broker(1).unwrap();
            }
            if i == 12 {
                w.restart_broker(1).unwrap();
            }
        }
        (w.trace().hash(), w.trace().len(), w.now_ms())
    };
    assert_eq!(run(11), run(11));
    assert_ne!(run(11).0, run(12).0);
}

/// A run with every kind of action, used by the replay tests.
fn eventful_run() -> World {
    let mut w = World::new(ClusterConfig {
        seed: 5,
        network: NetworkConfig { latency_ms: 2, jitter_ms: 3, drop_rate: 0.0 },
        ..franz_tests::one_broker()
    })
    .unwrap();
    w.create_topic("orders", 2, None, ConfigMap::new()).unwrap();
    let producer = w.add_producer(ProducerConfig::named("p")).unwrap();
    for i in 0..5 {
        w.send(producer, "orders", vec![value(&format!("o{i}"))]).unwrap();
    }
    let _ = w.create_topic("bad name", 1, None, ConfigMap::new()); // failures replay too
    w.run_for(500);
    w.crash_broker(1).unwrap();
    w.run_for(1_000);
    w.restart_broker(1).unwrap();
    let mut acks_one = ProducerConfig::named("fast");
    acks_one.acks = Acks::Leader;
    let fast = w.add_producer(acks_one).unwrap();
    w.send_async(fast, "orders", vec![value("async")]).unwrap();
    w.step();
    w.step();
    let mut config = ConsumerConfig::named("c");
    config.auto_offset_reset = AutoOffsetReset::Earliest;
    let consumer = w.add_consumer(config).unwrap();
    w.assign(consumer, vec![TopicPartition::new("orders", 0), TopicPartition::new("orders", 1)]).unwrap();
    w.poll(consumer, 1_000).unwrap();
    w.seek(consumer, &TopicPartition::new("orders", 0), 0).unwrap();
    w.poll(consumer, 1_000).unwrap();
    w.pause_node(1, 300).unwrap();
    w.partition_network(vec![vec![1]]).unwrap();
    w.run_for(700);
    w.heal_network().unwrap();
    w.set_network(NetworkConfig { latency_ms: 10, jitter_ms: 0, drop_rate: 0.1 }).unwrap();
    w.run_for(2_000);
    w.power_loss(1).unwrap();
    w.restart_broker(1).unwrap();
    w.crash_client(fast).unwrap();
    w.close_client(consumer).unwrap();
    w.run_for(100);
    w
}

#[test]
fn a_scenario_replays_to_the_same_trace() {
    let original = eventful_run();
    let scenario = original.scenario().unwrap();
    let json = scenario.to_json();
    let replayed = World::replay(&Scenario::parse(&json).unwrap(), None).unwrap();
    assert_eq!(replayed.trace().hash(), original.trace().hash());
    assert_eq!(replayed.trace().len(), original.trace().len());
    assert_eq!(replayed.now_ms(), original.now_ms());
    assert_eq!(replayed.scenario().unwrap().to_json(), json, "a replay records the same scenario");
    assert_eq!(replayed.check(), original.check());
}

/// Acting after going back forks the run: the fork's own scenario must replay it as it happened, with the new
/// action at the moment it was taken (found by the adversary: a runFor or a blocking send spanning the moment
/// was recorded whole, so the link replayed the action late by the discarded future's length).
#[test]
fn a_run_forked_in_the_past_replays_as_it_happened() {
    let original = eventful_run();
    let scenario = original.scenario().unwrap();
    // Including the moment a blocking call began, moments in its middle, and in long runs; and moments while
    // the cluster formed (before the first action), which a scenario does not record step by step: acting
    // there finishes forming first (adversary 45: the fork's actions landed before the formation's end, and
    // its replay put them after it).
    let first_ms = scenario.actions[0].at_ms;
    let forming = [0, first_ms / 3, first_ms / 2, first_ms - 1];
    let moments = [0, 1, 3, 9, 12, 40, 1_200, 2_600].map(|ms| first_ms + ms).into_iter().chain([original.now_ms() - 1]);
    for until in forming.into_iter().chain(moments).filter(|&t| t < original.now_ms()) {
        let mut fork = World::replay(&scenario, Some(until)).unwrap();
        let crashed = fork.crash_broker(1).is_ok();
        fork.run_for(500);
        let again = World::replay(&fork.scenario().unwrap(), None).unwrap();
        assert_eq!(again.now_ms(), fork.now_ms(), "forked at {until} ms");
        assert_eq!(again.trace().hash(), fork.trace().hash(), "forked at {until} ms");
        if crashed {
            let mut crashes =
                again.trace().since(0).into_iter().filter(|e| matches!(e.kind, TraceKind::BrokerCrashed { .. }));
            assert_eq!(crashes.next_back().map(|e| e.time_ms), Some(until.max(first_ms)), "forked at {until} ms");
        }
    }
}

/// Adversary 52: a step is recorded at the instant it was asked, its event comes later. A run forked between
/// the two recorded the step whole, so the fork's own scenario ran the event its run had not: another run.
#[test]
fn a_run_forked_between_a_step_and_its_event_replays_as_it_happened() {
    for seed in 1..=3 {
        let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
        w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
        w.run_for(1_000);
        let mut gaps = Vec::new();
        for _ in 0..20 {
            let asked = w.now_ms();
            assert!(w.step(), "seed {seed}: something is scheduled");
            if w.now_ms() > asked + 1 {
                gaps.push((asked, w.now_ms()));
            }
        }
        w.run_for(100);
        let scenario = w.scenario().unwrap();
        assert!(!gaps.is_empty(), "seed {seed}: some step waited for its event");
        for (asked, ran) in gaps {
            for until in [asked, asked + 1, ran - 1] {
                let mut fork = World::replay(&scenario, Some(until)).unwrap();
                assert_eq!(fork.now_ms(), until, "seed {seed}");
                fork.crash_broker(2).unwrap();
                fork.run_for(300);
                let again = World::replay(&fork.scenario().unwrap(), None).unwrap();
                assert_eq!(again.now_ms(), fork.now_ms(), "seed {seed}, forked at {until} ms");
                assert_eq!(again.trace().hash(), fork.trace().hash(), "seed {seed}, forked at {until} ms");
            }
        }
    }
}

#[test]
fn replay_until_a_time_is_time_travel() {
    let original = eventful_run();
    let scenario = original.scenario().unwrap();
    let full = original.trace().since(0);
    // Every time, including ones in the middle of a blocking send (the first sends end near t=10).
    for until in [0, 3, 9, 12, 40, 1_200, 2_600, original.now_ms()] {
        let past = World::replay(&scenario, Some(until)).unwrap();
        assert_eq!(past.now_ms(), until);
        let partial = past.trace().since(0);
        assert!(partial.len() <= full.len());
        assert_eq!(full[..partial.len()], partial[..], "the past at {until} ms is a prefix of the whole run");
        let expected = full.iter().take_while(|e| e.time_ms <= until).count();
        assert_eq!(partial.len(), expected, "everything up to {until} ms happened, nothing after");
    }
}

/// Where a runFor ends does not change the run: a page's frames (runs of a few ms each, of any length) and
/// the replay of its scenario (one long runFor) are the same events. An adversary found a live run and its
/// replay apart after a minute at 1,000 records/s: a stale timer skipped let a producer's linger timer pass
/// a stream's record due at the same instant, only when a runFor had ended just before.
#[test]
fn where_a_run_for_ends_does_not_change_the_run() {
    use franz_core::sim::stream::StreamKey;
    for seed in 1..=3 {
        let make = || {
            let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
            w.create_topic("t", 2, None, ConfigMap::new()).unwrap();
            let p = w.add_producer(ProducerConfig::named("p")).unwrap();
            let stream = Action::Stream {
                producer: p,
                topic: "t".into(),
                records_per_sec: 1_000,
                key: StreamKey::None,
                value: "v".into(),
            };
            w.apply(stream).unwrap();
            let c = w.add_consumer(ConsumerConfig::named("c")).unwrap();
            w.assign(c, vec![TopicPartition::new("t", 0), TopicPartition::new("t", 1)]).unwrap();
            w.apply(Action::PollLoop { consumer: c, interval_ms: 20 }).unwrap();
            w
        };
        let mut whole = make();
        whole.run_for(15_000);
        let mut framed = make();
        let mut x = seed;
        while framed.now_ms() < whole.now_ms() {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            framed.run_for(((x >> 33) % 60 + 1).min(whole.now_ms() - framed.now_ms()));
        }
        assert_eq!(framed.trace().hash(), whole.trace().hash(), "seed {seed}");
        let replayed = World::replay(&framed.scenario().unwrap(), None).unwrap();
        assert_eq!(replayed.trace().hash(), framed.trace().hash(), "seed {seed}: the replay of the framed run");
    }
}

/// A replay in slices of a few events (the page going back in time across frames) runs the same events as
/// one done whole: to the end, to instants inside blocking calls, and moved to a later instant midway.
#[test]
fn a_replay_in_slices_is_the_replay_whole() {
    let original = eventful_run();
    let scenario = original.scenario().unwrap();
    let sliced = |until: Option<u64>, events: u64| {
        let mut replay = Replay::start(&scenario, until).unwrap();
        let mut slices = 1;
        while !replay.advance(events) {
            slices += 1;
        }
        (replay.finish(), slices)
    };
    for until in [None, Some(0), Some(3), Some(9), Some(12), Some(1_200), Some(original.now_ms())] {
        let whole = World::replay(&scenario, until).unwrap();
        for events in [1, 7, 500] {
            let (world, slices) = sliced(until, events);
            assert_eq!(world.trace().hash(), whole.trace().hash(), "until {until:?} in slices of {events} events");
            assert_eq!(world.now_ms(), whole.now_ms());
            assert_eq!(world.scenario().unwrap(), whole.scenario().unwrap(), "the same run recorded");
            // (The cluster forms in `start`, to 1,739 ms.)
            assert!(until.is_some_and(|u| u < 2_000) || events > 100 || slices > 1, "{until:?}/{events}: {slices}");
        }
    }
    // Moved to a later instant before reaching the first: as if asked for the later one at the start.
    let mut replay = Replay::start(&scenario, Some(3_000)).unwrap();
    assert!(!replay.advance(5) && replay.now_ms() < 3_000);
    assert!(replay.retarget(2_600));
    assert_eq!(replay.end_ms(), 2_600);
    let moved = replay.finish();
    assert_eq!(moved.trace().hash(), World::replay(&scenario, Some(2_600)).unwrap().trace().hash());
    // Not once it reached its instant (an action may have been cut there), nor to an instant passed.
    let mut replay = Replay::start(&scenario, Some(40)).unwrap();
    while !replay.advance(u64::MAX) {}
    assert!(!replay.retarget(2_600));
    let mut replay = Replay::start(&scenario, Some(2_600)).unwrap();
    while replay.now_ms() == 0 {
        replay.advance(50);
    }
    assert!(!replay.retarget(0), "an instant already passed");
}

#[test]
fn the_fixture_scenario_has_a_known_trace_hash() {
    // The same file and hash are checked in wasm (web/tests/node.rs): native and wasm agree bit for bit.
    let json = include_str!("fixtures/basic-scenario.json");
    let w = World::replay(&Scenario::parse(json).unwrap(), None).unwrap();
    assert_eq!(format!("{:016x}", w.trace().hash()), franz_tests::FIXTURE_TRACE_HASH.trim());
    assert!(w.trace().since(0).iter().any(|e| matches!(e.kind, TraceKind::BrokerCrashed { .. })));
}

/// A cluster whose clock starts at a moment near today (`clockStartMs`) behaves exactly as one started at 0,
/// shifted: every saved scenario (the basic one and each explorer regression, rich in faults) replays with
/// the same events at the same offsets from its start and the same verdict. Nothing in the core may read a
/// time as an age since 1970 (a "never" of 0, a session from 0).
#[test]
fn a_cluster_started_at_any_moment_runs_as_one_started_at_zero() {
    const START_MS: u64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/regressions");
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files.push(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/basic-scenario.json").into());
    let events = |w: &World, start: u64| -> Vec<(u64, &'static str)> {
        w.trace().since(0).iter().map(|e| (e.time_ms - start, e.kind.kind_name())).collect()
    };
    for file in &files {
        let scenario = Scenario::parse(&std::fs::read_to_string(file).unwrap()).unwrap();
        let mut shifted = scenario.clone();
        shifted.clock_start_ms += START_MS;
        for entry in &mut shifted.actions {
            entry.at_ms += START_MS;
            entry.cut_at_ms = entry.cut_at_ms.map(|t| t + START_MS);
        }
        let (w, moved) = (World::replay(&scenario, None).unwrap(), World::replay(&shifted, None).unwrap());
        assert_eq!(moved.now_ms() - START_MS, w.now_ms(), "{file:?}");
        let start = scenario.clock_start_ms;
        let (a, b) = (events(&moved, start + START_MS), events(&w, start));
        let first = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
        let near = |v: &[(u64, &'static str)]| v[first.saturating_sub(3)..(first + 3).min(v.len())].to_vec();
        assert!(a == b, "{file:?}: event {first} differs: shifted {:?}, at zero {:?}", near(&a), near(&b));
        let kinds = |w: &World| w.check().violations.iter().map(|v| (v.kind, v.offset)).collect::<Vec<_>>();
        assert_eq!(kinds(&moved), kinds(&w), "{file:?}");
    }
    // A record stamped with the wall clock's now is taken, and one left unstamped gets the cluster's time.
    let mut w = World::new(ClusterConfig { clock_start_ms: START_MS, ..franz_tests::one_broker() }).unwrap();
    w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    let now = w.now_ms() as i64;
    w.send(p, "t", vec![franz_core::types::ProducerRecord { timestamp_ms: Some(now), ..value("stamped") }]).unwrap();
    w.send(p, "t", vec![value("unstamped")]).unwrap();
    let read = w.read_log(1, "t", 0, 0, 10).unwrap();
    assert_eq!(read[0].timestamp_ms, now);
    assert!(read[1].timestamp_ms >= now && read[1].timestamp_ms < now + 1_000, "{read:?}");
    let too_late = ClusterConfig { clock_start_ms: franz_core::sim::CLOCK_START_MS_MAX + 1, ..Default::default() };
    assert_eq!(World::new(too_late).err().unwrap().code, ErrorCode::InvalidConfig);
}

#[test]
fn bad_fault_requests_are_refused() {
    let (mut w, _) = world_with_topic(ConfigMap::new());
    assert_eq!(w.crash_broker(7).unwrap_err().code, ErrorCode::InvalidRequest);
    assert_eq!(w.restart_broker(1).unwrap_err().code, ErrorCode::InvalidRequest, "running already");
    assert_eq!(w.partition_network(vec![vec![1], vec![1]]).unwrap_err().code, ErrorCode::InvalidRequest);
    assert_eq!(w.partition_network(vec![vec![99]]).unwrap_err().code, ErrorCode::InvalidRequest);
    assert_eq!(w.partition_network(vec![]).unwrap_err().code, ErrorCode::InvalidRequest);
    assert_eq!(w.pause_node(1, u64::MAX).unwrap_err().code, ErrorCode::InvalidRequest);
    let bad = NetworkConfig { latency_ms: 1, jitter_ms: 1, drop_rate: -0.5 };
    assert_eq!(w.set_network(bad).unwrap_err().code, ErrorCode::InvalidConfig);
    let absurd = r#"{"version":1,"seed":1,"brokers":1000000000}"#;
    assert_eq!(World::replay(&Scenario::parse(absurd).unwrap(), None).err().unwrap().code, ErrorCode::InvalidConfig);
    // And the world still works.
    let consumer = w.add_consumer(ConsumerConfig::named("c")).unwrap();
    w.assign(consumer, vec![TopicPartition::new("t", 0)]).unwrap();
    assert!(w.poll(consumer, 10).unwrap().is_empty());
    assert!(text(&None).is_none());
}

#[test]
fn an_idempotent_producer_carries_on_after_the_broker_lost_its_records() {
    // The broker's producer state comes back from its log; records lost to a power loss leave a gap in the
    // sequence, and the producer starts a new epoch rather than retrying forever (KIP-360).
    let (mut w, producer) = world_with_topic([("flush.messages".to_string(), "2".to_string())].into());
    for v in ["a", "b", "c"] {
        w.send(producer, "t", vec![value(v)]).unwrap();
    }
    w.power_loss(1).unwrap(); // a and b were flushed together; c is gone
    w.restart_broker(1).unwrap();
    let meta = w.send(producer, "t", vec![value("after")]).unwrap();
    assert_eq!(meta[0].offset, Some(2), "appended after a and b");
    assert!(w.trace().since(0).iter().any(|e| e.text().contains("OUT_OF_ORDER_SEQUENCE_NUMBER")));
}

#[test]
fn lost_messages_are_counted_by_cause() {
    let mut w = World::new(ClusterConfig { seed: 5, ..Default::default() }).unwrap();
    w.create_topic("t", 3, None, ConfigMap::new()).unwrap();
    w.run_for(2_000);
    let lost = |w: &World| w.view().network.lost;
    assert_eq!(lost(&w).total(), 0, "drop rate 0, nothing cut, nothing down: nothing lost");
    w.crash_broker(2).unwrap();
    w.run_for(3_000);
    let after_crash = lost(&w);
    assert!(after_crash.node_down > 0, "messages to the crashed broker: {after_crash:?}");
    assert_eq!((after_crash.drop_rate, after_crash.partition), (0, 0), "drop rate 0 and no partition: {after_crash:?}");
    w.restart_broker(2).unwrap();
    w.partition_network(vec![vec![3]]).unwrap();
    w.run_for(3_000);
    let cut = lost(&w);
    assert!(cut.partition > 0, "{cut:?}");
    assert_eq!(cut.drop_rate, 0, "{cut:?}");
    assert_eq!(w.view().network.dropped_messages, cut.total());
    w.heal_network().unwrap();
    w.set_network(NetworkConfig { latency_ms: 1, jitter_ms: 0, drop_rate: 0.5 }).unwrap();
    w.run_for(3_000);
    assert!(lost(&w).drop_rate > 0);
}

/// A call refused by its arguments changes nothing, and leaves nothing in the scenario (adversary 45: share
/// links carried every refused call, and 100,000 of them made `scenario()` refuse). A refused call that did
/// act (an admin request answered by the controller, a poll) stays recorded: its replay is refused alike.
#[test]
fn calls_refused_by_their_arguments_leave_no_trace_in_the_scenario() {
    for seed in 1..=3 {
        let run = |refusing: bool| {
            let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
            w.create_topic("t", 2, None, ConfigMap::new()).unwrap();
            let p = w.add_producer(ProducerConfig::named("p")).unwrap();
            if refusing {
                assert!(w.crash_broker(99).is_err());
                assert!(w.restart_broker(1).is_err(), "running");
                assert!(w.crash_controller(1).is_err());
                assert!(w.set_network(NetworkConfig { latency_ms: 0, ..Default::default() }).is_err());
                assert!(w.partition_network(vec![vec![1], vec![1]]).is_err());
                assert!(w.pause_node(12_345, 10).is_err());
                let bad = ProducerConfig { acks: Acks::Leader, enable_idempotence: Some(true), ..Default::default() };
                assert!(w.add_producer(bad).is_err());
                assert!(w
                    .add_consumer(ConsumerConfig { group_id: Some(String::new()), ..Default::default() })
                    .is_err());
                assert!(w.send_async(p, "", vec![value("x")]).is_err());
                assert!(w.close_client(4_242).is_err());
            }
            w.send(p, "t", vec![value("a")]).unwrap();
            w.run_for(1_000);
            w
        };
        let (refused, clean) = (run(true), run(false));
        assert_eq!(refused.scenario().unwrap().to_json(), clean.scenario().unwrap().to_json(), "seed {seed}");
        assert_eq!(refused.trace().hash(), clean.trace().hash(), "seed {seed}");
        let replayed = World::replay(&refused.scenario().unwrap(), None).unwrap();
        assert_eq!(replayed.trace().hash(), refused.trace().hash(), "seed {seed}");
    }
    // Refused after acting: recorded, and refused again by the replay.
    let mut w = World::new(ClusterConfig::default()).unwrap();
    assert_eq!(w.delete_topic("nope").unwrap_err().code, ErrorCode::UnknownTopicOrPartition);
    assert_eq!(w.scenario().unwrap().actions.len(), 1);
    let replayed = World::replay(&w.scenario().unwrap(), None).unwrap();
    assert_eq!(replayed.trace().hash(), w.trace().hash());
}

/// A scenario may stamp an action before the cluster formed (written by hand, or saved from a fork made there
/// by an older Franz): a whole replay runs it once formed. A replay to an instant while it formed runs none of
/// it, and a fork acted on there replays as it ran (adversary 47).
#[test]
fn an_action_stamped_before_the_cluster_formed_waits_for_it_in_every_replay() {
    for seed in 1..=4 {
        let formed = World::new(ClusterConfig { seed, ..Default::default() }).unwrap().now_ms();
        let mut scenario = World::new(ClusterConfig { seed, ..Default::default() }).unwrap().scenario().unwrap();
        let early = |action| franz_core::sim::scenario::ScenarioEntry { at_ms: 0, action, cut_at_ms: None };
        scenario.actions.push(early(Action::CreateTopic {
            name: "x".into(),
            partitions: 1,
            replication_factor: None,
            config: ConfigMap::new(),
        }));
        scenario.actions.push(franz_core::sim::scenario::ScenarioEntry {
            at_ms: formed + 1_000,
            action: Action::CrashBroker { id: 1 },
            cut_at_ms: None,
        });
        let whole = World::replay(&scenario, None).unwrap();
        assert!(whole.describe_topic("x").is_ok(), "seed {seed}");
        for t in [0, formed / 3, formed / 2, formed - 1] {
            let mut fork = World::replay(&scenario, Some(t)).unwrap();
            assert_eq!(fork.now_ms(), t, "seed {seed}");
            fork.run_for(2_000);
            let again = World::replay(&fork.scenario().unwrap(), None).unwrap();
            assert_eq!(
                (again.now_ms(), again.trace().hash()),
                (fork.now_ms(), fork.trace().hash()),
                "seed {seed} t {t}"
            );
            assert!(fork.describe_topic("x").is_err(), "seed {seed} t {t}: the early action was in the future");
        }
        let after = World::replay(&scenario, Some(formed + 500)).unwrap();
        assert!(after.describe_topic("x").is_ok(), "seed {seed}: run once formed, as in the whole replay");
    }
}

/// An action stamped during a blocking call (a hand-made scenario) runs when the call returns, in a whole
/// replay and in one to any instant: a replay to a moment inside the call ends there, the action still to
/// come (adversary 59: a broker added during a minute's createTopic had joined in a replay to 30 s).
#[test]
fn an_action_stamped_during_a_blocking_call_comes_after_it_in_every_replay() {
    let scenario = Scenario::parse(
        r#"{ "version": 2, "seed": 1, "brokers": 3, "controllers": 1, "actions": [
            { "atMs": 2000, "action": { "type": "crashController", "id": 1001 } },
            { "atMs": 3000, "action": { "type": "createTopic", "name": "x", "partitions": 1, "config": {} } },
            { "atMs": 4000, "action": { "type": "addBroker" } },
            { "atMs": 5000, "action": { "type": "runFor", "ms": 1000 } } ] }"#,
    )
    .unwrap();
    let joined = |w: &World| w.trace().since(0).iter().find(|e| e.text().contains("broker 4")).map(|e| e.time_ms);
    let whole = World::replay(&scenario, None).unwrap();
    let added_ms = joined(&whole).unwrap();
    assert!(added_ms >= 63_000, "after createTopic's minute: {added_ms}");
    for until_ms in [30_000, 50_000, added_ms - 1] {
        let part = World::replay(&scenario, Some(until_ms)).unwrap();
        assert_eq!(part.now_ms(), until_ms);
        assert_eq!(joined(&part), None, "not yet at {until_ms}");
        assert_eq!(part.brokers(), &[1, 2, 3], "at {until_ms}");
    }
    let after = World::replay(&scenario, Some(added_ms + 1_000)).unwrap();
    assert_eq!(joined(&after), Some(added_ms));

    // A stop without a quorum ends at its wait's end: a replay to that instant shows the broker stopped, as the
    // run did (adversary 60: it was left running); one to just before, still stopping.
    let mut w = World::new(ClusterConfig { seed: 1, ..Default::default() }).unwrap();
    w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
    for c in w.controllers().to_vec() {
        w.crash_controller(c).unwrap();
    }
    w.stop_broker(1).unwrap();
    let end_ms = w.now_ms();
    w.run_for(1_000);
    let scenario = w.scenario().unwrap();
    assert!(World::replay(&scenario, Some(end_ms)).unwrap().is_stopped(1));
    assert!(!World::replay(&scenario, Some(end_ms - 1)).unwrap().is_stopped(1));
    let mut at_end = World::replay(&scenario, Some(end_ms)).unwrap();
    at_end.run_for(1_000);
    assert_eq!(at_end.trace().hash(), w.trace().hash());
    // Cut inside the stop, the broker goes on shutting down, as Kafka's does: it stops where the stop's wait
    // ended (adversary 60: it stayed "stopping" for good).
    for cut_ms in [end_ms - 1, end_ms - 100_000] {
        let mut cut = World::replay(&scenario, Some(cut_ms)).unwrap();
        cut.run_for(end_ms - cut_ms - 1);
        assert!(!cut.is_stopped(1), "cut at {cut_ms}: still stopping just before its deadline");
        cut.run_for(1);
        assert_eq!(cut.stop_was_controlled(1), Some(false), "cut at {cut_ms}: stopped at its deadline, uncontrolled");
    }
    // With the quorum back, the controller approves the stop: the broker stops controlled, before the deadline.
    let mut cut = World::replay(&scenario, Some(end_ms - 200_000)).unwrap();
    for c in cut.controllers().to_vec() {
        cut.restart_controller(c).unwrap();
    }
    cut.run_for(30_000);
    assert_eq!(cut.stop_was_controlled(1), Some(true), "the controller moved its leaderships, then it stopped");
    assert!(cut.check().ok, "{:?}", cut.check().violations);
    // A second stop of a broker stopping waits for that shutdown, as a second SIGTERM does (adversary 61: it
    // waited 5 minutes more, and the broker stopped twice).
    let mut cut = World::replay(&scenario, Some(end_ms - 100_000)).unwrap();
    cut.stop_broker(1).unwrap();
    assert_eq!(
        (cut.now_ms(), cut.stop_was_controlled(1)),
        (end_ms, Some(false)),
        "stopped at the first stop's deadline"
    );
    let stops = cut.trace().kept().filter(|e| matches!(e.kind, TraceKind::BrokerStopped { .. })).count();
    assert_eq!(stops, 1, "one stop");
    // Crashed and restarted meanwhile, the broker's stop is over: a new stop is a new controlled shutdown
    // (adversary 62: the old one took it over, and stopped it unapproved at its deadline).
    let mut cut = World::replay(&scenario, Some(end_ms - 200_000)).unwrap();
    for c in cut.controllers().to_vec() {
        cut.restart_controller(c).unwrap();
    }
    cut.crash_broker(1).unwrap();
    cut.restart_broker(1).unwrap();
    cut.run_for(10_000);
    cut.stop_broker(1).unwrap();
    assert_eq!(cut.stop_was_controlled(1), Some(true), "the new stop approved");
    assert!(cut.now_ms() < end_ms - 100_000, "long before the old stop's deadline");
}

/// Adversary 61: a replay cut inside a stop, then run on, differed from the run when another event fell at
/// the stop's deadline (a member's `max.poll.interval.ms`): the cut stop ended before it, the call after it.
#[test]
fn a_stop_cut_by_a_replay_ends_after_what_else_happens_at_its_deadline() {
    for seed in 1..=4 {
        let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
        w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
        let config = ConsumerConfig {
            group_id: Some("g".into()),
            max_poll_interval_ms: franz_core::sim::CONTROLLED_SHUTDOWN_TIMEOUT_MS,
            ..ConsumerConfig::named("a")
        };
        let a = w.add_consumer(config).unwrap();
        w.subscribe(a, vec!["t".into()]).unwrap();
        for _ in 0..5 {
            w.poll(a, 1_000).unwrap();
        }
        for c in w.controllers().to_vec() {
            w.crash_controller(c).unwrap();
        }
        w.poll(a, 0).unwrap();
        let started_ms = w.now_ms();
        w.stop_broker(1).unwrap();
        w.run_for(10_000);
        let scenario = w.scenario().unwrap();
        for cut_ms in [started_ms + 1, started_ms + 150_000] {
            let mut cut = World::replay(&scenario, Some(cut_ms)).unwrap();
            cut.run_for(w.now_ms() - cut_ms);
            assert_eq!(cut.trace().hash(), w.trace().hash(), "seed {seed}: replayed to {cut_ms}, then run");
        }
    }
}

/// A run keeps what its scenario needs to replay it, up to what a scenario holds: past 16 MiB of sent
/// records (or 100,000 actions) `scenario()` refuses, and the actions are let go rather than kept for good
/// (adversary 49: a run of large sends grew a page's memory by its every record).
#[test]
fn a_run_past_what_a_scenario_holds_lets_its_actions_go() {
    let mut w = World::new(ClusterConfig { seed: 3, ..Default::default() }).unwrap();
    w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    let big = |i: usize| franz_core::types::ProducerRecord {
        value: Some(vec![b'a' + (i % 26) as u8; 500_000].into()),
        ..Default::default()
    };
    // A send refused for its size (past 32 MiB) leaves no action, and its records count for nothing.
    let too_big =
        franz_core::types::ProducerRecord { value: Some(vec![b'z'; (1 << 20) - 100].into()), ..Default::default() };
    assert_eq!(w.send(p, "t", vec![too_big; 33]).unwrap_err().code, ErrorCode::RecordListTooLarge);
    assert!(w.scenario().is_ok());
    for i in 0..30 {
        w.send(p, "t", vec![big(i)]).unwrap();
        assert!(w.scenario().is_ok(), "send {i} (15 MB in all): {:?}", w.scenario().err());
    }
    for i in 30..40 {
        w.send(p, "t", vec![big(i)]).unwrap();
    }
    let e = w.scenario().unwrap_err();
    assert_eq!(e.code, ErrorCode::PolicyViolation, "{e}");
    assert!(e.message.contains("sends their records"), "{e}");
    // The run itself goes on.
    w.send(p, "t", vec![value("after")]).unwrap();
    assert!(w.check().ok);
}

/// Every kind of blocking call, most of them waiting long (an admin call and a send out of a lost quorum or
/// ISR, a controlled shutdown): played by `apply` at once, or a slice at a time as a page plays one.
fn blocking_calls(act: &mut dyn FnMut(&mut World, Action) -> Result<Outcome, FranzError>) -> (World, Vec<String>) {
    let mut w = World::new(ClusterConfig { seed: 5, ..ClusterConfig::default() }).unwrap();
    let controllers = w.controllers().to_vec();
    let mut outcomes = Vec::new();
    let mut run = |w: &mut World, action: Action| {
        let outcome = act(w, action);
        outcomes.push(format!("{outcome:?}"));
        outcome
    };
    let mut config = ConfigMap::new();
    config.insert("min.insync.replicas".into(), "2".into());
    let create = |name: &str| Action::CreateTopic {
        name: name.into(),
        partitions: 2,
        replication_factor: None,
        config: config.clone(),
    };
    run(&mut w, create("t")).unwrap();
    let client = |outcome: Result<Outcome, FranzError>| match outcome {
        Ok(Outcome::ClientId(id)) => id,
        other => panic!("{other:?}"),
    };
    let producer = client(run(&mut w, Action::AddProducer { config: ProducerConfig::named("p") }));
    let mut consumer_config = ConsumerConfig::named("c");
    consumer_config.group_id = Some("g".into());
    let consumer = client(run(&mut w, Action::AddConsumer { config: consumer_config }));
    let send = |value: &str| Action::Send {
        producer,
        topic: "t".into(),
        records: vec![franz_tests::kv("k", value)],
        wait: true,
    };
    run(&mut w, send("a")).unwrap();
    run(&mut w, Action::Subscribe { consumer, topics: vec!["t".into()] }).unwrap();
    run(&mut w, Action::Poll { consumer, timeout_ms: 9_000 }).unwrap();
    run(&mut w, Action::CommitSync { consumer, offsets: None }).unwrap();
    run(&mut w, Action::Position { consumer, topic: "t".into(), partition: 1 }).unwrap();
    // The quorum lost: the admin call waits out default.api.timeout.ms.
    for &id in &controllers[1..] {
        run(&mut w, Action::CrashController { id }).unwrap();
    }
    let lost = run(&mut w, create("u")).unwrap_err();
    assert_eq!(lost.code, ErrorCode::RequestTimedOut);
    for &id in &controllers[1..] {
        run(&mut w, Action::RestartController { id }).unwrap();
    }
    // Two brokers down: an acks=all send waits for an ISR of two until delivery.timeout.ms.
    run(&mut w, Action::CrashBroker { id: 2 }).unwrap();
    run(&mut w, Action::CrashBroker { id: 3 }).unwrap();
    assert!(run(&mut w, send("b")).is_err());
    run(&mut w, Action::RestartBroker { id: 2 }).unwrap();
    run(&mut w, Action::RestartBroker { id: 3 }).unwrap();
    run(&mut w, Action::RunFor { ms: 10_000 }).unwrap();
    run(&mut w, Action::StopBroker { id: 1 }).unwrap();
    run(&mut w, Action::Poll { consumer, timeout_ms: 3_000 }).unwrap();
    run(&mut w, Action::CloseClient { id: consumer }).unwrap();
    run(&mut w, Action::CloseClient { id: producer }).unwrap();
    (w, outcomes)
}

/// A blocking call played a slice at a time (a page's frames) is the same call: the same outcomes, trace and
/// scenario as played at once, whatever the slice; a replay sliced by events is the same run too.
#[test]
fn a_blocking_call_played_in_slices_is_the_call_whole() {
    let (whole, outcomes) = blocking_calls(&mut |w, action| w.apply(action));
    for slice_ms in [1, 250, 7_001] {
        let mut slices = 0;
        let mut sliced_play = |w: &mut World, action: Action| {
            let mut outcome = w.apply_for(action, slice_ms);
            while outcome.is_none() {
                assert!(w.call_under_way());
                slices += 1;
                outcome = w.continue_call(slice_ms);
            }
            assert!(!w.call_under_way());
            outcome.unwrap()
        };
        let (sliced, sliced_outcomes) = blocking_calls(&mut sliced_play);
        assert_eq!(sliced_outcomes, outcomes, "slices of {slice_ms} ms");
        assert_eq!(sliced.trace().hash(), whole.trace().hash(), "slices of {slice_ms} ms");
        assert_eq!(sliced.scenario().unwrap(), whole.scenario().unwrap(), "slices of {slice_ms} ms");
        assert!(slices > 60_000 / slice_ms as usize, "the lost quorum's call alone waits 60 s: {slices} slices");
    }
    // Another action while a call is under way ends the call first.
    let quorum_lost = || {
        let mut w = World::new(ClusterConfig::default()).unwrap();
        let controllers = w.controllers().to_vec();
        for &id in &controllers[1..] {
            w.crash_controller(id).unwrap();
        }
        w
    };
    let create =
        || Action::CreateTopic { name: "t".into(), partitions: 1, replication_factor: None, config: ConfigMap::new() };
    let (mut cut, mut at_once) = (quorum_lost(), quorum_lost());
    assert!(cut.apply_for(create(), 100).is_none());
    cut.run_for(1);
    assert!(!cut.call_under_way());
    assert!(at_once.apply(create()).is_err());
    at_once.run_for(1);
    assert_eq!(cut.trace().hash(), at_once.trace().hash());
    assert_eq!((cut.now_ms(), cut.scenario().unwrap()), (at_once.now_ms(), at_once.scenario().unwrap()));
    let scenario = whole.scenario().unwrap();
    let replayed = World::replay(&scenario, None).unwrap();
    assert_eq!(replayed.trace().hash(), whole.trace().hash());
    let mut replay = Replay::start(&scenario, None).unwrap();
    let mut chunks = 0;
    while !replay.advance(3) {
        chunks += 1;
    }
    assert_eq!(replay.finish().trace().hash(), whole.trace().hash(), "a replay in chunks of 3 events ({chunks})");
}

/// Adversary 61: a replay to an instant inside a blocking `close()` ended the client there: its commit and
/// LeaveGroup never went (the member waited out its session), and a producer's pending record was never
/// written. Kafka's client goes on closing whatever its caller does: replayed to any instant inside the
/// close, then run on, the run is the original's, bit for bit.
#[test]
fn a_replay_cut_inside_a_close_goes_on_closing_as_the_run_did() {
    let same_run = |w: &mut World, started_ms: u64, seed: u64| {
        let closed_ms = w.now_ms();
        w.run_for(20_000);
        let scenario = w.scenario().unwrap();
        for cut_ms in [started_ms + 5, (started_ms + closed_ms) / 2, closed_ms - 1] {
            let mut cut = World::replay(&scenario, Some(cut_ms)).unwrap();
            cut.run_for(w.now_ms() - cut_ms);
            assert_eq!(cut.trace().hash(), w.trace().hash(), "seed {seed}: replayed to {cut_ms}, then run");
            // Stepped (the page's "."), it closes as well (adversary 62: stepping never ended it).
            let mut stepped = World::replay(&scenario, Some(cut_ms)).unwrap();
            while stepped.now_ms() <= closed_ms {
                assert!(stepped.step(), "seed {seed}: something to step");
            }
            stepped.run_for(w.now_ms() - stepped.now_ms());
            assert_eq!(stepped.trace().hash(), w.trace().hash(), "seed {seed}: replayed to {cut_ms}, then stepped");
        }
        assert!(w.check().ok, "seed {seed}: {:?}", w.check().violations);
    };
    for seed in 1..=3 {
        let mut w = World::new(ClusterConfig { seed, brokers: 3, ..Default::default() }).unwrap();
        w.create_topic("t", 2, Some(3), ConfigMap::new()).unwrap();
        let p = w.add_producer(ProducerConfig::named("p")).unwrap();
        w.send(p, "t", (0..10).map(|i| value(&format!("v{i}"))).collect()).unwrap();
        let config = ConsumerConfig {
            group_id: Some("g".into()),
            auto_offset_reset: AutoOffsetReset::Earliest,
            session_timeout_ms: 6_000,
            heartbeat_interval_ms: 2_000,
            ..ConsumerConfig::named("a")
        };
        let a = w.add_consumer(config).unwrap();
        w.subscribe(a, vec!["t".into()]).unwrap();
        for _ in 0..5 {
            w.poll(a, 1_000).unwrap();
        }
        let coordinator = w.describe_group("g").coordinator.unwrap();
        w.partition_network(vec![vec![coordinator]]).unwrap();
        let started_ms = w.now_ms();
        w.close_client(a).unwrap();
        assert!(w.group_offsets("g").iter().any(|o| o.committed > 0), "seed {seed}: the close committed");
        same_run(&mut w, started_ms, seed);
        // A client closing takes no more calls, as Kafka's after close() (adversary 62: a fork's poll did).
        let mut closing = World::replay(&w.scenario().unwrap(), Some(started_ms + 5)).unwrap();
        assert_eq!(closing.poll(a, 100).unwrap_err().code, ErrorCode::InvalidRequest, "seed {seed}");

        // A producer's close with a send under way, the leader slow to answer.
        let mut w = World::new(ClusterConfig { seed, brokers: 3, ..Default::default() }).unwrap();
        w.create_topic("t", 1, Some(3), ConfigMap::new()).unwrap();
        let p = w.add_producer(ProducerConfig::named("p")).unwrap();
        let leader = w.describe_topic("t").unwrap().partitions[0].leader.unwrap();
        let slow = NetworkConfig { latency_ms: 2_000, jitter_ms: 0, drop_rate: 0.0 };
        w.set_link(p, leader, Some(slow)).unwrap();
        w.send_async(p, "t", vec![value("late")]).unwrap();
        let started_ms = w.now_ms();
        w.close_client(p).unwrap();
        assert!(w.now_ms() - started_ms >= 4_000, "seed {seed}: close() waited for the send's answer");
        same_run(&mut w, started_ms, seed);
    }
}

/// Adversary 62: a client in a stop-the-world pause (`pauseNode`) went on sending: its poll loop polled (and
/// heartbeat, so a paused member was never removed from its group), its stream sent, the user's calls went
/// out, and a close going on ended at its deadline inside the pause. A paused process is frozen whole, its
/// application with it: its loops wait for the pause to end (a stream goes on at its rate, the records it
/// would have sent meanwhile never sent), calls on it are refused, and a close going on ends no earlier than
/// the pause.
#[test]
fn a_paused_client_is_frozen_with_its_application() {
    use franz_core::sim::stream::{StreamKey, StreamSpec};
    for seed in 1..=3 {
        let mut w = World::new(ClusterConfig { seed, brokers: 3, ..Default::default() }).unwrap();
        w.create_topic("t", 2, Some(3), ConfigMap::new()).unwrap();
        let member = |w: &mut World, name: &str| {
            let config = ConsumerConfig {
                group_id: Some("g".into()),
                session_timeout_ms: 6_000,
                heartbeat_interval_ms: 2_000,
                ..ConsumerConfig::named(name)
            };
            let c = w.add_consumer(config).unwrap();
            w.subscribe(c, vec!["t".into()]).unwrap();
            w.poll_loop(c, 500).unwrap();
            c
        };
        let (a, b) = (member(&mut w, "a"), member(&mut w, "b"));
        let p = w.add_producer(ProducerConfig::named("p")).unwrap();
        let spec = StreamSpec { topic: "t".into(), records_per_sec: 10, key: StreamKey::None, value: "v".into() };
        w.stream(p, spec).unwrap();
        w.run_for(15_000);
        let owners = |w: &World| w.describe_group("g").members.iter().map(|m| m.client_id.clone()).collect::<Vec<_>>();
        assert_eq!(owners(&w).len(), 2, "seed {seed}");
        let polled = |w: &World| w.poll_loops().iter().find(|l| l.consumer == a).map(|l| l.records + l.errors);
        let sent = |w: &World| w.streams()[0].sent;
        let (polled_before, sent_before) = (polled(&w), sent(&w));
        w.pause_node(a, 20_000).unwrap();
        w.pause_node(p, 20_000).unwrap();
        for refused in [
            w.poll(a, 100).map(|_| ()),
            w.commit_sync(a, None),
            w.close_client(a),
            w.send_async(p, "t", vec![value("x")]).map(|_| ()),
        ] {
            assert_eq!(refused.unwrap_err().code, ErrorCode::InvalidRequest, "seed {seed}");
        }
        w.run_for(15_000);
        assert_eq!(owners(&w), vec![String::from("b")], "seed {seed}: the paused member's session expired");
        assert_eq!((polled(&w), sent(&w)), (polled_before, sent_before), "seed {seed}: nothing while paused");
        w.run_for(20_000);
        assert_eq!(owners(&w).len(), 2, "seed {seed}: it joins again after its pause");
        // 15 s awake at 10 records/s: the stream goes on at its rate, without a burst of the 20 s paused.
        let after = sent(&w) - sent_before;
        assert!((140..=160).contains(&after), "seed {seed}: {after} records after the pause");
        franz_tests::assert_serving(&mut w, &format!("seed {seed}, after the pause"));
        let _ = b;

        // A close cut by a replay, then the client paused past the close's 30 s: it ends when the pause does.
        let coordinator = w.describe_group("g").coordinator.unwrap();
        w.stop_poll_loop(a).unwrap();
        w.partition_network(vec![vec![coordinator]]).unwrap();
        let started_ms = w.now_ms();
        w.close_client(a).unwrap();
        let mut fork = World::replay(&w.scenario().unwrap(), Some(started_ms + 5)).unwrap();
        fork.pause_node(a, 60_000).unwrap();
        fork.run_for(59_000);
        assert!(fork.node(a).is_some(), "seed {seed}: still closing, paused");
        fork.run_for(2_000);
        assert!(fork.node(a).is_none(), "seed {seed}: closed once its pause ended");
    }
}
