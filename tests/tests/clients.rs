//! Kafka's clients, faithfully (issue 17): what an application of Kafka's producer and consumer would
//! notice, each test named after the behaviour.

use franz_core::client::{ConsumerConfig, ProducerConfig};
use franz_core::config::ConfigMap;
use franz_core::message::Acks;
use franz_core::sim::network::NetworkConfig;
use franz_core::{ClusterConfig, ErrorCode, World};
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
        // The outcomes close() completed stay readable (Kafka fires every callback before close returns).
        let results = w.producer_results(warm).unwrap();
        assert_eq!(results.len(), 3, "seed {seed}");
        assert!(results.iter().all(|r| r.result.is_ok()), "seed {seed}: {results:?}");
        assert_eq!(w.producer_results(fresh).unwrap().len(), 1);
        assert!(w.producer_results(warm).unwrap().is_empty(), "then none, as for a running one read twice");
        assert!(w.send_async(warm, "t", vec![value("late")]).is_err(), "a closed producer sends nothing");
        // Closing again does nothing, as Kafka's close() (adversary 27: it threw); so does closing a crashed
        // one. Crashing a client that is gone, or closing a node that never was a client, is refused.
        let trace = w.trace().hash();
        w.close_client(warm).unwrap();
        let crashed = w.add_producer(ProducerConfig::named("crashed")).unwrap();
        w.crash_client(crashed).unwrap();
        w.close_client(crashed).unwrap();
        assert_ne!(w.trace().hash(), trace, "the new producer's start and crash");
        let trace = w.trace().hash();
        w.close_client(crashed).unwrap();
        assert_eq!(w.trace().hash(), trace, "a close of a closed client changes nothing");
        assert!(w.crash_client(warm).is_err() && w.close_client(1).is_err() && w.close_client(crashed + 1).is_err());
        assert!(w.check().ok, "{:?}", w.check().violations);
    }
}

/// Issue 17, item 11: a reassignment moves the leader while acks=all sends wait on it. Kafka's old leader
/// answers them NOT_LEADER_OR_FOLLOWER (the partition still exists, elsewhere), and the producer retries
/// with the new leader: every send succeeds, each record once.
#[test]
fn sends_parked_on_a_leader_a_reassignment_moves_away_are_retried_not_failed() {
    for seed in 1..=3 {
        let mut w = World::new(ClusterConfig { seed, brokers: 4, ..Default::default() }).unwrap();
        w.create_topic("t", 1, Some(2), ConfigMap::new()).unwrap();
        let p = w.add_producer(ProducerConfig::named("p")).unwrap();
        w.send(p, "t", vec![value("first")]).unwrap();
        let before = w.describe_topic("t").unwrap().partitions[0].clone();
        let target: Vec<_> = w.brokers().iter().copied().filter(|b| !before.replicas.contains(b)).collect();
        // Slow replication: acks=all sends wait on the old leader when the reassignment removes it.
        let slow = NetworkConfig { latency_ms: 150, jitter_ms: 0, drop_rate: 0.0 };
        let leader = before.leader.unwrap();
        for b in w.brokers().to_vec().into_iter().filter(|&b| b != leader) {
            w.set_link(leader, b, Some(slow)).unwrap();
        }
        w.reassign_partitions("t", [(0, target.clone())].into()).unwrap();
        for i in 0..150 {
            w.send_async(p, "t", vec![value(&format!("v{i}"))]).unwrap();
            w.run_for(20);
        }
        w.run_for(10_000);
        assert_eq!(w.describe_topic("t").unwrap().partitions[0].replicas, target, "seed {seed}");
        let failed: Vec<_> = w.producer_results(p).unwrap().into_iter().filter(|r| r.result.is_err()).collect();
        assert!(failed.is_empty(), "seed {seed}: {failed:?}");
        assert_eq!(high_watermark(&w, "t"), 151, "seed {seed}");
        assert!(w.check().ok, "{:?}", w.check().violations);
    }
}

/// Issue 17, item 9: a leader that has not yet learned a new topic answers UNKNOWN_TOPIC_OR_PARTITION,
/// which is retriable in Kafka: the producer retries until the leader knows, rather than failing.
#[test]
fn a_send_to_a_leader_that_has_not_learned_the_topic_yet_is_retried() {
    for seed in 1..=3 {
        let mut w = World::new(ClusterConfig { seed, brokers: 3, ..Default::default() }).unwrap();
        let p = w.add_producer(ProducerConfig::named("p")).unwrap();
        w.create_topic("warm", 1, Some(1), ConfigMap::new()).unwrap();
        w.send(p, "warm", vec![value("warm")]).unwrap();
        // Broker 3 hears the controllers late: it learns of new topics a second after the others.
        let slow = NetworkConfig { latency_ms: 1_000, jitter_ms: 0, drop_rate: 0.0 };
        for c in w.controllers().to_vec() {
            w.set_link(c, 3, Some(slow)).unwrap();
        }
        w.create_topic("t", 3, Some(1), ConfigMap::new()).unwrap();
        let on_3 = w.describe_topic("t").unwrap().partitions.iter().position(|p| p.leader == Some(3));
        let partition = on_3.expect("a partition led by broker 3") as u32;
        let record = franz_core::types::ProducerRecord { partition: Some(partition), ..value("to-3") };
        let sent = w.send(p, "t", vec![record]);
        assert!(sent.is_ok(), "seed {seed}: {sent:?}");
        assert!(w.check().ok, "{:?}", w.check().violations);
    }
}

/// Issue 17, item 10: `send` waits for metadata at most `max.block.ms`, even when no broker answers at all
/// (not `delivery.timeout.ms`); and right after `createPartitions` a send to a new partition waits for
/// the metadata that names it rather than failing at once.
#[test]
fn a_send_waits_for_metadata_max_block_ms_and_no_longer() {
    for seed in 1..=3 {
        let mut w = World::new(ClusterConfig { seed, brokers: 3, ..Default::default() }).unwrap();
        w.create_topic("t", 1, Some(3), ConfigMap::new()).unwrap();
        let p = w
            .add_producer(ProducerConfig {
                max_block_ms: 5_000,
                enable_idempotence: Some(false),
                ..ProducerConfig::named("p")
            })
            .unwrap();
        for b in w.brokers().to_vec() {
            w.crash_broker(b).unwrap();
        }
        let before = w.now_ms();
        let e = w.send(p, "t", vec![value("nobody answers")]).unwrap_err();
        let waited = w.now_ms() - before;
        assert!((5_000..6_000).contains(&waited), "seed {seed}: waited {waited} ms: {e}");
        assert!(e.message.contains("max.block.ms"), "{e}");
    }
}

/// Adversary 19: an idempotent producer (Kafka's default) waiting for its first metadata failed at
/// `delivery.timeout.ms` (40 s), before `max.block.ms` (60 s): its send waited for the producer id before
/// asking for metadata, and its delivery clock ran all along. Kafka's `send()` waits for metadata first;
/// the delivery clock starts when the records join batches.
#[test]
fn a_send_waiting_for_its_first_metadata_is_bounded_by_max_block_ms_idempotent_or_not() {
    for (seed, idempotent) in [(1, true), (2, true), (3, true), (1, false)] {
        for brokers_back in [true, false] {
            let mut w = World::new(ClusterConfig { seed, brokers: 3, ..Default::default() }).unwrap();
            w.create_topic("t", 1, Some(3), ConfigMap::new()).unwrap();
            for b in w.brokers().to_vec() {
                w.crash_broker(b).unwrap();
            }
            w.run_for(1_000);
            let config = ProducerConfig {
                delivery_timeout_ms: 40_000,
                max_block_ms: 60_000,
                enable_idempotence: Some(idempotent),
                ..ProducerConfig::named("p")
            };
            let p = w.add_producer(config).unwrap();
            let before = w.now_ms();
            let id = w.send_async(p, "t", vec![value("v")]).unwrap();
            w.run_for(44_000);
            if brokers_back {
                for b in w.brokers().to_vec() {
                    w.restart_broker(b).unwrap();
                }
            }
            w.run_for(60_000);
            let outcome = w.producer_results(p).unwrap().into_iter().find(|o| o.request_id == id).unwrap();
            let why = format!("seed {seed}, idempotent {idempotent}, brokers back {brokers_back}: {outcome:?}");
            if brokers_back {
                assert!(outcome.result.is_ok(), "{why}");
            } else {
                let e = outcome.result.unwrap_err();
                assert!(e.message.contains("max.block.ms"), "{why}");
            }
            let failed_at = w.trace().since(0).into_iter().find_map(|e| {
                let failed =
                    matches!(e.kind, franz_core::trace::TraceKind::ProduceFailed { .. }) && e.time_ms >= before;
                failed.then(|| e.time_ms - before)
            });
            assert!(failed_at.is_none_or(|t| t >= 60_000), "{why}: failed at +{failed_at:?} ms");
        }
    }
}

/// Adversary 19: `retries` was refused as an unknown option. As Kafka's: a batch goes again at most
/// `retries` times, then fails with its last error (well before `delivery.timeout.ms`); `retries: 0` turns
/// idempotence off where it was left unset, and is refused with `enableIdempotence: true`.
#[test]
fn retries_bounds_how_often_a_batch_goes_again() {
    for retries in [0u32, 2] {
        let mut w = World::new(ClusterConfig { seed: 1, brokers: 3, ..Default::default() }).unwrap();
        w.create_topic("t", 1, Some(1), ConfigMap::new()).unwrap();
        let config = ProducerConfig { request_timeout_ms: 500, linger_ms: 0, retries, ..ProducerConfig::named("p") };
        assert_eq!(config.idempotent(), retries > 0, "retries=0 turns idempotence off where unset");
        let p = w.add_producer(config).unwrap();
        w.send(p, "t", vec![value("warm-up")]).unwrap();
        // The leader's answers to the producer are lost: each attempt times out; the others answer metadata.
        let leader = w.describe_topic("t").unwrap().partitions[0].leader.unwrap();
        w.set_link_one_way(leader, p, Some(NetworkConfig { drop_rate: 1.0, ..Default::default() })).unwrap();
        let before = w.now_ms();
        let e = w.send(p, "t", vec![value("cut off")]).unwrap_err();
        let took = w.now_ms() - before;
        let retried =
            w.trace().since(0).iter().filter(|e| e.time_ms >= before && e.kind.kind_name() == "produce_retry").count();
        assert_eq!(retried, retries as usize, "retries {retries}: {e}");
        assert!(e.retriable() && took < 5_000, "retries {retries}: failed after {took} ms with {e}");
    }
    let refused = ProducerConfig { retries: 0, enable_idempotence: Some(true), ..ProducerConfig::named("p") };
    let e = refused.validate().unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidConfig);
    assert!(e.message.contains("Must set retries to non-zero"), "{e}");
}

#[test]
fn a_send_to_a_partition_just_added_waits_for_the_metadata_that_names_it() {
    for seed in 1..=3 {
        let mut w = World::new(ClusterConfig { seed, brokers: 3, ..Default::default() }).unwrap();
        w.create_topic("t", 1, Some(3), ConfigMap::new()).unwrap();
        let p = w.add_producer(ProducerConfig::named("p")).unwrap();
        w.send(p, "t", vec![value("old partition")]).unwrap();
        w.create_partitions("t", 3).unwrap();
        let record = franz_core::types::ProducerRecord { partition: Some(2), ..value("new partition") };
        let sent = w.send(p, "t", vec![record]).unwrap();
        assert_eq!(sent[0].partition, 2, "seed {seed}");
        let record = franz_core::types::ProducerRecord { partition: Some(7), ..value("no such partition") };
        let before = w.now_ms();
        let e = w.send(p, "t", vec![record]).unwrap_err();
        assert!(w.now_ms() - before >= 60_000, "seed {seed}: waits max.block.ms for partition 7: {e}");
        assert!(e.message.contains("Partition 7 of topic t with partition count 3"), "{e}");
    }
}

/// Issue 17, item 7: commitSync validates as Kafka does: a partition the metadata does not know is
/// UNKNOWN_TOPIC_OR_PARTITION, and an offset beyond what reaches JS exactly (2^53 − 1) is refused, so
/// groupOffsets keeps working.
#[test]
fn commit_sync_refuses_unknown_partitions_and_offsets_beyond_two_to_the_53() {
    use franz_core::client::ConsumerConfig;
    use franz_core::sim::scenario::PartitionOffset;
    use franz_core::types::TopicPartition;
    use franz_core::ErrorCode;
    let at = |topic: &str, partition, offset| Some(vec![PartitionOffset { topic: topic.into(), partition, offset }]);
    let mut w = World::new(ClusterConfig { seed: 1, ..Default::default() }).unwrap();
    w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
    let c = w.add_consumer(ConsumerConfig { group_id: Some("g".into()), ..ConsumerConfig::named("c") }).unwrap();
    let tp = TopicPartition::new("t", 0);
    w.assign(c, vec![tp.clone()]).unwrap();
    let e = w.commit_sync(c, at("nope", 0, 1)).unwrap_err();
    assert_eq!(e.code, ErrorCode::UnknownTopicOrPartition, "{e}");
    let e = w.commit_sync(c, at("t", 5, 1)).unwrap_err();
    assert_eq!(e.code, ErrorCode::UnknownTopicOrPartition, "{e}");
    let e = w.commit_sync(c, at("t", 0, (1 << 53) + 2)).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidRequest, "{e}");
    assert_eq!(w.seek(c, &tp, (1 << 53) + 2).unwrap_err().code, ErrorCode::InvalidRequest);
    w.commit_sync(c, at("t", 0, 7)).unwrap();
    assert_eq!(w.group_offsets("g").iter().map(|o| o.committed).collect::<Vec<_>>(), [7]);
    // At most as many partitions as a consumer may be assigned (the audit of 94: no bound at all).
    let many = |n: u32| Some((0..n).map(|_| PartitionOffset { topic: "t".into(), partition: 0, offset: 1 }).collect());
    let max = franz_core::client::consumer::ASSIGNED_PARTITIONS_MAX as u32;
    let e = w.commit_sync(c, many(max + 1)).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidRequest, "{e}");
    w.commit_sync(c, many(max)).unwrap();
}

/// Issue 17, item 20: seek() is in the history, so the checker judges polls from the new position: a
/// rewind is no nonmonotonic_poll, and a skip ahead no poll_skip.
#[test]
fn a_seek_back_or_ahead_is_no_anomaly() {
    use franz_core::client::{AutoOffsetReset, ConsumerConfig};
    use franz_core::types::TopicPartition;
    let mut w = World::new(ClusterConfig { seed: 2, ..Default::default() }).unwrap();
    w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    w.send(p, "t", (0..10).map(|i| value(&format!("v{i}"))).collect()).unwrap();
    let config = ConsumerConfig {
        auto_offset_reset: AutoOffsetReset::Earliest,
        max_poll_records: 3,
        ..ConsumerConfig::named("c")
    };
    let c = w.add_consumer(config).unwrap();
    let tp = TopicPartition::new("t", 0);
    w.assign(c, vec![tp.clone()]).unwrap();
    let first = w.poll(c, 1_000).unwrap();
    assert_eq!(first.iter().map(|r| r.offset).collect::<Vec<_>>(), [0, 1, 2]);
    w.seek(c, &tp, 1).unwrap();
    assert_eq!(w.poll(c, 1_000).unwrap()[0].offset, 1, "rewound");
    w.seek(c, &tp, 8).unwrap();
    assert_eq!(w.poll(c, 1_000).unwrap()[0].offset, 8, "skipped ahead");
    assert!(w.check().ok, "{:?}", w.check().violations);
}

/// Kafka's send() blocks its caller while it waits for metadata, so a later send cannot overtake it: here
/// a send with a record for a partition the producer does not know yet (just added) holds back the next
/// send to that topic, and the partition they share gets their records in the order they were sent.
#[test]
fn a_send_waiting_for_metadata_is_not_overtaken_by_a_later_one() {
    for seed in 1..=3 {
        let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
        w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
        let p = w.add_producer(ProducerConfig::named("p")).unwrap();
        w.send(p, "t", vec![value("first")]).unwrap();
        w.create_partitions("t", 2).unwrap();
        let on = |partition, v: &str| franz_core::types::ProducerRecord { partition: Some(partition), ..value(v) };
        w.send_async(p, "t", vec![on(1, "a-on-1"), on(0, "a-on-0")]).unwrap();
        w.send_async(p, "t", vec![on(0, "b-on-0")]).unwrap();
        w.run_for(5_000);
        let log: Vec<String> = w
            .read_log(w.describe_topic("t").unwrap().partitions[0].leader.unwrap(), "t", 0, 0, 10)
            .unwrap()
            .iter()
            .map(|r| franz_tests::text(&r.value).unwrap().to_string())
            .collect();
        assert_eq!(log, ["first", "a-on-0", "b-on-0"], "seed {seed}");
        assert!(w.check().ok, "{:?}", w.check().violations);
    }
}

#[test]
fn one_partitions_fetch_error_does_not_hold_back_its_siblings() {
    // After a reassignment, the consumer's fetch of the moved partition fails (FENCED_LEADER_EPOCH or
    // NOT_LEADER_OR_FOLLOWER). Kafka's consumer asks for new metadata and keeps the leaders it knows for the
    // topic's other partitions; forgetting them all left those partitions out of the next fetch to their
    // leader, which then waited fetch.max.wait.ms (500) with only another topic's partitions.
    use franz_core::client::{AutoOffsetReset, ConsumerConfig};
    use franz_core::message::Acks;
    use franz_core::types::{ProducerRecord, TopicPartition};
    for seed in [1, 2, 4, 5] {
        let (mut w, target, siblings) = franz_tests::moving_one_partition(seed, &["b"]);
        let producer =
            w.add_producer(ProducerConfig { acks: Acks::Leader, linger_ms: 0, ..ProducerConfig::named("p") }).unwrap();
        let consumer = w
            .add_consumer(ConsumerConfig { auto_offset_reset: AutoOffsetReset::Earliest, ..ConsumerConfig::named("c") })
            .unwrap();
        let every = (0..8).flat_map(|p| ["a", "b"].map(|t| TopicPartition { topic: t.into(), partition: p }));
        w.assign(consumer, every.collect()).unwrap();
        w.poll(consumer, 500).unwrap();
        w.reassign_partitions("a", [(0, target)].into()).unwrap();
        let (start_ms, mut worst_ms) = (w.now_ms(), 0);
        let mut i = 0;
        while w.now_ms() < start_ms + 2_500 {
            let partition = siblings[i % siblings.len()];
            i += 1;
            let sent = w.send(producer, "a", vec![ProducerRecord { partition: Some(partition), ..value("v") }]);
            let (offset, acked_ms) = (sent.unwrap()[0].offset, w.now_ms());
            let mut got = false;
            while !got && w.now_ms() < acked_ms + 2_000 {
                let records = w.poll(consumer, 5).unwrap();
                got = records.iter().any(|r| r.topic == "a" && r.partition == partition && Some(r.offset) == offset);
            }
            worst_ms = worst_ms.max(w.now_ms() - acked_ms);
        }
        assert!(worst_ms < 300, "seed {seed}: a sibling's record reached the consumer {worst_ms} ms after its ack");
        assert!(w.check().ok, "{:?}", w.check().violations);
    }
}

/// The default three brokers, formed, with topic `t` (one partition, RF 3).
fn three_brokers_with_topic_t(seed: u64) -> World {
    let mut w = World::new(ClusterConfig { seed, brokers: 3, ..ClusterConfig::default() }).unwrap();
    w.create_topic("t", 1, Some(3), ConfigMap::new()).unwrap();
    w.run_for(1_000);
    w
}

#[test]
fn one_request_in_flight_keeps_a_partitions_order_across_a_leader_change() {
    // Kafka's producer with max.in.flight.requests.per.connection=1 (and no idempotence) mutes a partition
    // while one of its batches is out, whichever broker that went to. Franz limited only the requests per
    // broker: a batch sent after a new leader was learned went to it while the one before was still out to
    // the old, cut-off leader, whose retry then landed after it (an adversary's run, seeds 1, 3, 4, 5).
    use franz_core::message::Acks;
    for seed in 1..=5 {
        let mut w = three_brokers_with_topic_t(seed);
        let config = ProducerConfig {
            enable_idempotence: Some(false),
            acks: Acks::All,
            max_in_flight_requests_per_connection: 1,
            linger_ms: 0,
            request_timeout_ms: 20_000,
            delivery_timeout_ms: 60_000,
            metadata_max_age_ms: 1_000,
            ..ProducerConfig::named("p")
        };
        let producer = w.add_producer(config).unwrap();
        w.send(producer, "t", vec![value("warm")]).unwrap();
        let old_leader = w.describe_topic("t").unwrap().partitions[0].leader.unwrap();
        w.partition_network(vec![vec![old_leader]]).unwrap();
        w.send_async(producer, "t", vec![value("B1")]).unwrap();
        let leader = |w: &World| w.describe_topic("t").unwrap().partitions[0].leader;
        while leader(&w).is_none_or(|l| l == old_leader) && w.now_ms() < 30_000 {
            w.run_for(100);
        }
        w.run_for(1_500); // metadata.max.age.ms: the producer learns the new leader
        w.send_async(producer, "t", vec![value("B2")]).unwrap();
        w.run_for(500);
        w.heal_network().unwrap();
        w.run_for(40_000);
        let new_leader = leader(&w).unwrap();
        let log = w.read_log(new_leader, "t", 0, 0, 100).unwrap();
        let values: Vec<&[u8]> = log.iter().filter_map(|r| r.value.as_deref()).collect();
        let at = |v: &[u8]| values.iter().position(|x| *x == v);
        assert!(at(b"B1").is_some() && at(b"B2").is_some(), "seed {seed}: both batches land: {values:?}");
        assert!(at(b"B1") < at(b"B2"), "seed {seed}: B2 was sent after B1, so it follows it: {values:?}");
        // The aftermath: the healed cluster still takes writes from the same producer.
        assert!(w.send(producer, "t", vec![value("after")]).is_ok(), "seed {seed}: a send after the heal");
        assert!(w.check().ok, "seed {seed}: {:?}", w.check().violations);
    }
}

#[test]
fn a_sends_delivery_timeout_counts_from_when_its_topic_is_known() {
    // Kafka's send() waits for the topic's metadata (up to max.block.ms) before it appends the record, and
    // delivery.timeout.ms counts from the append. With delivery.timeout.ms 2 s and max.block.ms 10 s, a send to
    // a topic created 2.5 s later is delivered; Franz failed it at 2 s (an adversary's run, seeds 1-5).
    for seed in 1..=3 {
        let mut w = three_brokers_with_topic_t(seed);
        let config = ProducerConfig {
            delivery_timeout_ms: 2_000,
            request_timeout_ms: 1_000,
            max_block_ms: 10_000,
            ..ProducerConfig::named("p")
        };
        let producer = w.add_producer(config).unwrap();
        w.send(producer, "t", vec![value("warm")]).unwrap();
        let request = w.send_async(producer, "later", vec![value("d")]).unwrap();
        w.run_for(2_500);
        w.create_topic("later", 1, Some(3), ConfigMap::new()).unwrap();
        w.run_for(5_000);
        let results = w.producer_results(producer).unwrap();
        let outcome = results.iter().find(|r| r.request_id == request).map(|r| r.result.clone());
        assert!(
            matches!(outcome, Some(Ok(_))),
            "seed {seed}: the send is delivered once its topic exists: {outcome:?}"
        );
        assert!(w.check().ok, "seed {seed}: {:?}", w.check().violations);
    }
}

/// A batch that expires while it backs off before a retry (its outcome unknown: its last request timed out)
/// frees its partition: the batch behind it goes at once, not at its own `delivery.timeout.ms`. (The
/// adversary's run: the link from the producer to the leader cut, healed 50 ms before the first batch
/// expires; sends every 500 ms meanwhile.)
#[test]
fn the_batch_behind_one_that_expired_in_its_backoff_goes_at_once() {
    for seed in [1, 3, 4] {
        let mut w = World::new(ClusterConfig { seed, ..ClusterConfig::default() }).unwrap();
        w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
        w.run_for(3_000);
        let config = ProducerConfig {
            request_timeout_ms: 1_000,
            delivery_timeout_ms: 4_700,
            max_in_flight_requests_per_connection: 1,
            ..ProducerConfig::named("p")
        };
        let p = w.add_producer(config).unwrap();
        w.send(p, "t", vec![value("warm")]).unwrap();
        let leader = w.describe_topic("t").unwrap().partitions[0].leader.unwrap();
        let cut = NetworkConfig { drop_rate: 1.0, ..NetworkConfig::default() };
        w.set_link(p, leader, Some(cut)).unwrap();
        let mut sent_at = std::collections::BTreeMap::new();
        let mut done_at = std::collections::BTreeMap::new();
        for ms in (0..12_000).step_by(5) {
            if ms == 4_650 {
                w.set_link(p, leader, None).unwrap();
            }
            if ms == 0 || (ms >= 3_000 && ms % 500 == 0 && ms <= 8_000) {
                sent_at.insert(w.send_async(p, "t", vec![value(&ms.to_string())]).unwrap(), ms);
            }
            w.run_for(5);
            for r in w.producer_results(p).unwrap() {
                done_at.insert(r.request_id, (ms + 5, r.result.is_ok()));
            }
        }
        for (id, at) in &sent_at {
            let (done, ok) = done_at.get(id).copied().unwrap_or((u64::MAX, false));
            if *at >= 5_000 {
                assert!(ok && done - at < 1_000, "seed {seed}: the send at {at} ms ended at {done} ms (ok: {ok})");
            }
        }
        // The aftermath: a new send is acknowledged, and nothing Kafka promises was broken.
        w.send(p, "t", vec![value("after")]).unwrap();
        let report = w.check();
        assert!(report.ok, "seed {seed}: {:?}", report.violations);
    }
}

/// A producer driven by hand (no world): the states where a ready batch has no timer of its own and must be
/// sent by the event that frees it.
mod producer_wakeups {
    use franz_core::client::producer::{Producer, ProducerConfig};
    use franz_core::error::{ErrorCode, FranzError};
    use franz_core::protocol::message::{
        Actor, CorrelationId, Message, Outbox, PartitionMetadata, ProducePartitionResult, TopicMetadata,
    };
    use franz_core::rng::{stream_rng, Stream};
    use franz_core::types::ProducerRecord;

    const BROKER: i32 = 1;

    fn only(out: &mut Outbox) -> Message {
        let mut sent = out.take_messages();
        assert_eq!(sent.len(), 1, "{sent:?}");
        sent.remove(0).1
    }

    /// Topic `t`: two partitions, both led by broker 1.
    fn metadata(correlation_id: CorrelationId) -> Message {
        let partitions = (0..2)
            .map(|partition| PartitionMetadata {
                partition,
                leader: BROKER,
                leader_epoch: 0,
                replicas: vec![1],
                isr: vec![1],
            })
            .collect();
        let topics = vec![TopicMetadata { name: "t".into(), topic_id: Some(1), partitions: Ok(partitions) }];
        Message::MetadataResponse { correlation_id, brokers: vec![1], topics }
    }

    fn record_to(partition: u32) -> Vec<ProducerRecord> {
        vec![ProducerRecord { value: Some("v".into()), partition: Some(partition), ..Default::default() }]
    }

    /// A producer without idempotence, one request in flight a connection, `linger.ms=5` (and `configure`'s
    /// settings), whose first batch (to partition 0) is out at 5 ms: that Produce's correlation id.
    fn first_batch_out(configure: impl FnOnce(&mut ProducerConfig), out: &mut Outbox) -> (Producer, CorrelationId) {
        let mut config = ProducerConfig {
            linger_ms: 5,
            enable_idempotence: Some(false),
            max_in_flight_requests_per_connection: 1,
            ..ProducerConfig::named("p")
        };
        configure(&mut config);
        let mut p = Producer::new(10_002, config, vec![BROKER], stream_rng(1, Stream::Actor(10_002)));
        p.send(0, "t".into(), record_to(0), out).unwrap();
        let Message::MetadataRequest { correlation_id, .. } = only(out) else { panic!("metadata first") };
        p.on_message(0, BROKER, metadata(correlation_id), out);
        p.on_timer(5, out);
        let Message::ProduceRequest { correlation_id, .. } = only(out) else { panic!("the first batch goes") };
        (p, correlation_id)
    }

    /// Broker 1's answer to a Produce of partition 0: appended at offset 0.
    fn acknowledged(correlation_id: CorrelationId) -> Message {
        let ok = vec![ProducePartitionResult::appended("t", 0, Some(1), 0, 0, 0)];
        Message::ProduceResponse { correlation_id, partitions: ok }
    }

    /// A batch waiting for room behind a Produce whose sends expired: dropping that request frees the room.
    #[test]
    fn a_batch_waiting_for_room_goes_once_an_expired_send_drops_the_request_ahead_of_it() {
        let mut out = Outbox::default();
        let (mut p, x) = first_batch_out(
            |c| {
                c.request_timeout_ms = 1_000;
                c.delivery_timeout_ms = 1_005;
            },
            &mut out,
        );
        let retry = vec![ProducePartitionResult::refused(
            "t",
            0,
            None,
            FranzError::new(ErrorCode::NotEnoughReplicas, "not enough replicas"),
        )];
        p.on_message(10, BROKER, Message::ProduceResponse { correlation_id: x, partitions: retry }, &mut out);
        // X backs off retry.backoff.ms, within its ±20% jitter (KIP-580).
        let again = p.next_timer_ms().unwrap();
        assert!((90..=130).contains(&again), "X backs off: {again}");
        p.on_timer(again, &mut out);
        let Message::ProduceRequest { .. } = only(&mut out) else { panic!("X again, out for request.timeout.ms") };
        p.send(again + 10, "t".into(), record_to(1), &mut out).unwrap();
        p.on_timer(again + 15, &mut out);
        assert!(out.take_messages().is_empty(), "batch B waits for room (max.in.flight=1)");
        assert_eq!(p.next_timer_ms(), Some(1_005), "X's send expires first");
        p.on_timer(1_005, &mut out);
        let Message::ProduceRequest { .. } = only(&mut out) else { panic!("B goes as X's request is dropped") };
    }

    /// A batch that waited for room and then found its partition's leader unknown backs off and asks again.
    #[test]
    fn a_batch_that_waited_for_room_then_found_no_leader_retries_after_the_backoff() {
        let mut out = Outbox::default();
        let (mut p, a) = first_batch_out(|c| c.metadata_max_age_ms = 1_000, &mut out);
        p.send(6, "t".into(), record_to(1), &mut out).unwrap();
        p.on_timer(11, &mut out);
        assert!(out.take_messages().is_empty(), "batch B waits for room (max.in.flight=1)");
        // The metadata ages out; a new send asks for it again.
        p.send(2_000, "t".into(), record_to(1), &mut out).unwrap();
        let Message::MetadataRequest { correlation_id: m, .. } = only(&mut out) else { panic!("metadata again") };
        // A is acknowledged: there is room, but B's leader is unknown until the answer.
        p.on_message(2_001, BROKER, acknowledged(a), &mut out);
        assert!(out.take_messages().is_empty());
        p.on_message(2_002, BROKER, metadata(m), &mut out);
        let at = p.next_timer_ms().expect("B has a timer");
        assert!(at <= 2_101, "B backs off retry.backoff.ms, not until its delivery timeout: {at}");
        p.on_timer(at, &mut out);
        let Message::ProduceRequest { .. } = only(&mut out) else { panic!("B goes after its backoff") };
    }

    /// A lingered batch held behind its partition's batch in flight (one request in flight a connection)
    /// waits for that answer without waking the producer every millisecond.
    #[test]
    fn a_lingered_batch_held_behind_one_in_flight_arms_no_timer() {
        let mut out = Outbox::default();
        let (mut p, a) = first_batch_out(|_| {}, &mut out);
        p.send(6, "t".into(), record_to(0), &mut out).unwrap();
        let mut wakeups = 0;
        let mut now = 6;
        while let Some(at) = p.next_timer_ms().filter(|&at| at < 1_000) {
            now = at.max(now + 1);
            p.on_timer(now, &mut out);
            wakeups += 1;
        }
        assert!(out.take_messages().is_empty(), "B waits for A's answer");
        assert!(wakeups <= 1, "{wakeups} wakeups while A is out");
        p.on_message(1_000, BROKER, acknowledged(a), &mut out);
        let Message::ProduceRequest { .. } = only(&mut out) else { panic!("B goes at A's answer") };
    }
}

/// KIP-126: a batch the leader refuses as larger than the topic's `max.message.bytes` is split and sent
/// again, where each part fits; only a record too large on its own fails.
mod batch_split {
    use franz_core::client::{AutoOffsetReset, ConsumerConfig, ProducerConfig};
    use franz_core::config::ConfigMap;
    use franz_core::error::ErrorCode;
    use franz_core::trace::TraceKind;
    use franz_core::types::{NodeId, TopicPartition};
    use franz_core::{ClusterConfig, World};
    use franz_tests::{text, value};

    /// A topic `t` of one partition taking batches of at most 1,000 bytes, and a producer whose sends linger
    /// long enough to share one batch (idempotent or not).
    fn small_batches(seed: u64, idempotent: bool) -> (World, NodeId) {
        let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
        let config: ConfigMap = [("max.message.bytes".to_string(), "1000".to_string())].into();
        w.create_topic("t", 1, None, config).unwrap();
        let producer =
            ProducerConfig { linger_ms: 50, enable_idempotence: Some(idempotent), ..ProducerConfig::named("p") };
        let p = w.add_producer(producer).unwrap();
        w.send(p, "t", vec![value("first")]).unwrap(); // metadata and producer id known: the next sends linger
        (w, p)
    }

    /// What the log holds, in order.
    fn log_values(w: &mut World) -> Vec<String> {
        let reader = ConsumerConfig { auto_offset_reset: AutoOffsetReset::Earliest, ..ConsumerConfig::named("reader") };
        let c = w.add_consumer(reader).unwrap();
        w.assign(c, vec![TopicPartition::new("t", 0)]).unwrap();
        let mut values = Vec::new();
        for _ in 0..20 {
            values.extend(w.poll(c, 100).unwrap().iter().map(|r| text(&r.value).unwrap_or("?").to_string()));
        }
        values
    }

    fn splits(w: &World) -> usize {
        split_parts(w).len()
    }

    /// Into how many parts each split cut its batch.
    fn split_parts(w: &World) -> Vec<u32> {
        let events = w.trace().since(0);
        let parts = events.iter().filter_map(|e| match e.kind {
            TraceKind::ProduceBatchSplit { parts, .. } => Some(parts),
            _ => None,
        });
        parts.collect()
    }

    #[test]
    fn sends_that_fit_alone_but_not_together_are_all_delivered_in_order() {
        for seed in 1..=3 {
            for idempotent in [true, false] {
                let (mut w, p) = small_batches(seed, idempotent);
                let values: Vec<String> = (0..4).map(|i| format!("{i}{}", "x".repeat(599))).collect();
                for v in &values {
                    w.send_async(p, "t", vec![value(v)]).unwrap();
                }
                w.run_for(2_000);
                let results = w.producer_results(p).unwrap();
                let offsets: Vec<_> = results.iter().map(|r| r.result.as_ref().map(|m| m[0].offset)).collect();
                let expected: Vec<_> = (1..=4).map(|o| Ok(Some(o))).collect();
                assert_eq!(offsets, expected, "seed {seed}, idempotent {idempotent}: each send, in order");
                // As Kafka's: a first split aims at batch.size, so this batch (within it) goes again whole;
                // refused again, it is halved (KAFKA-8350), and each half of two records halved again.
                assert_eq!(split_parts(&w), [1, 2, 2, 2], "seed {seed}, idempotent {idempotent}");
                let mut expected_log = vec!["first".to_string()];
                expected_log.extend(values.iter().cloned());
                assert_eq!(log_values(&mut w), expected_log, "seed {seed}, idempotent {idempotent}");
                assert!(w.check().ok, "seed {seed}: {:?}", w.check().violations);
            }
        }
    }

    #[test]
    fn one_large_send_splits_again_until_each_part_fits() {
        for seed in 1..=3 {
            let (mut w, p) = small_batches(seed, true);
            // One send keeps a partition's records in one batch: 50 records of ~120 bytes, ~6 KB.
            let values: Vec<String> = (0..50).map(|i| format!("{i:03}{}", "y".repeat(97))).collect();
            let sent = w.send(p, "t", values.iter().map(|v| value(v)).collect()).unwrap();
            let offsets: Vec<_> = sent.iter().map(|m| m.offset).collect();
            assert_eq!(offsets, (1..=50).map(Some).collect::<Vec<_>>(), "seed {seed}");
            assert!(splits(&w) >= 2, "seed {seed}: a part still too large was split again");
            assert_eq!(log_values(&mut w)[1..], values[..], "seed {seed}");
            // The parts did not leave the producer's sequence behind: a later send is written once, after.
            assert_eq!(w.send(p, "t", vec![value("after")]).unwrap()[0].offset, Some(51));
            assert!(w.check().ok, "seed {seed}: {:?}", w.check().violations);
        }
    }

    #[test]
    fn a_record_too_large_alone_fails_and_the_sends_beside_it_are_delivered() {
        for seed in 1..=3 {
            for idempotent in [true, false] {
                let (mut w, p) = small_batches(seed, idempotent);
                let big = "b".repeat(1_500);
                for v in ["a", big.as_str(), "c"] {
                    w.send_async(p, "t", vec![value(v)]).unwrap();
                }
                w.run_for(2_000);
                let results = w.producer_results(p).unwrap();
                let outcome: Vec<_> = results.iter().map(|r| r.result.as_ref().map_err(|e| e.code).is_ok()).collect();
                assert_eq!(outcome, [true, false, true], "seed {seed}, idempotent {idempotent}: {results:?}");
                assert_eq!(results[1].result.as_ref().unwrap_err().code, ErrorCode::MessageTooLarge);
                assert_eq!(log_values(&mut w), ["first", "a", "c"], "seed {seed}, idempotent {idempotent}");
                assert_eq!(w.send(p, "t", vec![value("after")]).unwrap()[0].offset, Some(3), "seed {seed}");
                assert!(w.check().ok, "seed {seed}: {:?}", w.check().violations);
            }
        }
    }
}

/// Kafka's `socket.connection.setup.timeout.ms` (10 s): a new client whose first bootstrap broker has lost
/// its power (the machine says nothing, where a host whose process is down refuses at once) gives that
/// connection up after 10 s and asks the next broker, rather than waiting out `request.timeout.ms` (30 s).
/// A node that says nothing again waits longer (doubling, up to 30 s): the client's next try goes elsewhere.
#[test]
fn a_new_client_gets_past_a_bootstrap_broker_without_power_after_the_connection_setup_timeout() {
    use franz_core::client::{AutoOffsetReset, ConsumerConfig};
    use franz_core::types::TopicPartition;
    for seed in 1..=3 {
        let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
        w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
        w.power_loss(1).unwrap();
        let start = w.now_ms();
        let p = w.add_producer(ProducerConfig::named("p")).unwrap();
        w.send(p, "t", vec![value("past the silent broker")]).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let took_ms = w.now_ms() - start;
        assert!((10_000..20_000).contains(&took_ms), "seed {seed}: the send took {took_ms} ms");
        let start = w.now_ms();
        let c = w
            .add_consumer(ConsumerConfig { auto_offset_reset: AutoOffsetReset::Earliest, ..ConsumerConfig::named("c") })
            .unwrap();
        w.assign(c, vec![TopicPartition::new("t", 0)]).unwrap();
        let mut read = 0;
        while read == 0 && w.now_ms() - start < 60_000 {
            read += w.poll(c, 1_000).unwrap().len();
        }
        let took_ms = w.now_ms() - start;
        assert!(read == 1 && (10_000..20_000).contains(&took_ms), "seed {seed}: read {read} in {took_ms} ms");
        assert!(w.check().ok, "seed {seed}: {:?}", w.check().violations);
    }
}

fn leader_of(w: &World, topic: &str) -> franz_core::types::NodeId {
    w.describe_topic(topic).unwrap().partitions[0].leader.unwrap()
}

/// An acks=0 producer whose leader moved: the old leader refuses its batches and, as Kafka's broker, closes
/// the connection (a crashed one's host refuses it), so the producer asks for metadata and writes to the new
/// leader. Found by an adversary: it wrote into the old leader for `metadata.max.age.ms` (285 s).
#[test]
fn an_acks_0_producer_follows_a_moved_leader_at_once() {
    use franz_core::message::Acks;
    for seed in 1..=4 {
        for stop in [false, true] {
            let mut w = World::new(ClusterConfig { seed, brokers: 3, ..Default::default() }).unwrap();
            w.create_topic("t", 1, Some(3), ConfigMap::new()).unwrap();
            let config =
                ProducerConfig { acks: Acks::None, enable_idempotence: Some(false), ..ProducerConfig::named("p") };
            let p = w.add_producer(config).unwrap();
            w.send(p, "t", vec![value("warm")]).unwrap();
            w.run_for(100);
            let old = leader_of(&w, "t");
            if stop {
                w.stop_broker(old).unwrap()
            } else {
                w.crash_broker(old).unwrap()
            }
            w.run_for(15_000);
            let before = high_watermark(&w, "t");
            for i in 0..10 {
                w.send_async(p, "t", vec![value(&format!("x{i}"))]).unwrap();
                w.run_for(1_000);
            }
            let landed = high_watermark(&w, "t") - before;
            assert!(landed >= 8, "seed {seed}, stopped {stop}: {landed} of 10 sends reached the new leader");
        }
    }
}

/// A short cut, however it ends (a heal, a link's settings, the network's, a new partition): the connections
/// it broke are reset as it ends, so a send goes through within about a second, not after
/// `request.timeout.ms` (found by an adversary: 28-30 s unless the cut ended with `healNetwork`).
#[test]
fn a_send_across_a_short_cut_goes_through_as_it_ends_however_it_ends() {
    for seed in 1..=3 {
        for how in ["heal", "link", "network", "repartition"] {
            let mut w = World::new(ClusterConfig { seed, brokers: 3, ..Default::default() }).unwrap();
            w.create_topic("t", 1, Some(3), ConfigMap::new()).unwrap();
            let p = w.add_producer(ProducerConfig::named("p")).unwrap();
            w.send(p, "t", vec![value("warm")]).unwrap();
            let leader = leader_of(&w, "t");
            // (A new partition that cuts off a controller: clients talk to none.)
            let controller = w.controllers()[0];
            let cut = NetworkConfig { latency_ms: 2, jitter_ms: 1, drop_rate: 1.0 };
            match how {
                "link" => w.set_link(p, leader, Some(cut)).unwrap(),
                "network" => w.set_network(cut).unwrap(),
                _ => w.partition_network(vec![vec![leader]]).unwrap(),
            }
            let id = w.send_async(p, "t", vec![value("across")]).unwrap();
            w.run_for(2_000);
            match how {
                "link" => w.set_link(p, leader, None).unwrap(),
                "network" => w.set_network(NetworkConfig { drop_rate: 0.0, ..cut }).unwrap(),
                "heal" => w.heal_network().unwrap(),
                _ => w.partition_network(vec![vec![controller]]).unwrap(),
            }
            let ended = w.now_ms();
            let mut acked = None;
            while acked.is_none() && w.now_ms() - ended < 60_000 {
                w.run_for(100);
                let results = w.producer_results(p).unwrap();
                acked = results.iter().find(|r| r.request_id == id).map(|r| r.result.is_ok());
            }
            let took = w.now_ms() - ended;
            assert_eq!(acked, Some(true), "seed {seed}, {how}");
            assert!(took <= 3_000, "seed {seed}, {how}: acknowledged {took} ms after the cut ended");
        }
    }
}

/// A request that times out closes its connection, and every request out on it fails with it (Kafka's
/// `NetworkClient`): sends a few seconds apart over a cut link are retried together, with the partition's
/// new leader, not each after its own `request.timeout.ms` (found by an adversary: 30, 35, 40, 45, 50 s).
#[test]
fn requests_out_on_a_connection_that_timed_out_fail_with_it() {
    for seed in 1..=4 {
        let mut w = World::new(ClusterConfig { seed, brokers: 3, ..Default::default() }).unwrap();
        w.create_topic("t", 1, Some(3), ConfigMap::new()).unwrap();
        let p = w.add_producer(ProducerConfig::named("p")).unwrap();
        w.send(p, "t", vec![value("warm")]).unwrap();
        let leader = leader_of(&w, "t");
        let cut = NetworkConfig { latency_ms: 2, jitter_ms: 1, drop_rate: 1.0 };
        w.set_link_one_way(p, leader, Some(cut)).unwrap();
        let start = w.now_ms();
        let ids: Vec<u64> = (0..5)
            .map(|i| {
                let id = w.send_async(p, "t", vec![value(&format!("v{i}"))]).unwrap();
                w.run_for(5_000);
                id
            })
            .collect();
        // The partition's leadership moves away from the old leader, which stays up.
        let replicas = w.describe_topic("t").unwrap().partitions[0].replicas.clone();
        let order: Vec<_> = replicas.iter().copied().filter(|&r| r != leader).chain([leader]).collect();
        w.reassign_partitions("t", [(0, order)].into_iter().collect()).unwrap();
        w.run_for(1_000);
        w.elect_preferred_leaders(Some("t")).unwrap();
        let mut acked_ms = std::collections::BTreeMap::new();
        while w.now_ms() - start < 90_000 {
            w.run_for(100);
            for r in w.producer_results(p).unwrap() {
                assert!(r.result.is_ok(), "seed {seed}: {:?}", r.result);
                acked_ms.insert(r.request_id, w.now_ms() - start);
            }
        }
        let times: Vec<u64> = ids.iter().map(|id| acked_ms[id]).collect();
        let spread = times.iter().max().unwrap() - times.iter().min().unwrap();
        assert!(spread <= 1_000, "seed {seed}: acknowledged at {times:?} ms");
        assert!(*times.iter().max().unwrap() <= 45_000, "seed {seed}: acknowledged at {times:?} ms");
        assert!(w.check().ok, "seed {seed}: {:#?}", w.check().violations);
    }
}

/// Adversary 27: a partition without a leader (its only replica down, fenced) kept getting keyless records
/// from the sticky partitioner, which timed out; Kafka's partitioner picks among partitions with a leader.
#[test]
fn keyless_records_avoid_a_partition_without_a_leader() {
    for seed in 1..=4 {
        let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
        w.create_topic("t", 3, Some(1), ConfigMap::new()).unwrap();
        let down = w.describe_topic("t").unwrap().partitions[0].leader.unwrap();
        w.crash_broker(down).unwrap();
        w.run_for(15_000);
        let leaderless: Vec<u32> = w
            .describe_topic("t")
            .unwrap()
            .partitions
            .iter()
            .filter(|p| p.leader.is_none())
            .map(|p| p.partition)
            .collect();
        assert!(leaderless.contains(&0), "seed {seed}: fenced, so partition 0 has no leader");
        let config = ProducerConfig {
            batch_size_bytes: 100,
            delivery_timeout_ms: 10_000,
            request_timeout_ms: 5_000,
            ..ProducerConfig::named("p")
        };
        let p = w.add_producer(config).unwrap();
        for i in 0..60 {
            w.send_async(p, "t", vec![value(&format!("v{i}"))]).unwrap();
            w.run_for(200);
        }
        w.run_for(15_000);
        let results = w.producer_results(p).unwrap();
        assert_eq!(results.len(), 60, "seed {seed}");
        let failed: Vec<_> = results.iter().filter_map(|r| r.result.as_ref().err()).collect();
        assert!(failed.is_empty(), "seed {seed}: {failed:?}");
        w.restart_broker(down).unwrap();
        w.run_for(5_000);
        franz_tests::assert_serving(&mut w, &format!("seed {seed}, the broker back"));
    }
}

/// Adversary 28: a broker restarted while it cannot catch up with the metadata log (the quorum lost, or the
/// broker cut off from every controller) answered clients from the metadata it had, without the topic: a new
/// producer that asked it failed its send after `max.block.ms` with UNKNOWN_TOPIC_OR_PARTITION, though the
/// other brokers led the partitions it wrote to. Kafka's broker opens its client listener only once caught up,
/// so the connection is refused and the client asks another broker.
#[test]
fn a_restarted_broker_not_caught_up_refuses_clients_and_they_ask_another() {
    use franz_core::partitioner::partition_for_key;
    for seed in 1..=4 {
        for quorum_lost in [true, false] {
            let what = format!("seed {seed}, {}", if quorum_lost { "quorum lost" } else { "broker cut off" });
            let mut w = World::new(ClusterConfig { seed, brokers: 3, ..Default::default() }).unwrap();
            w.create_topic("big", 6, Some(3), ConfigMap::new()).unwrap();
            w.run_for(1_000);
            let controllers = w.controllers().to_vec();
            if quorum_lost {
                w.crash_controller(controllers[0]).unwrap();
                w.crash_controller(controllers[1]).unwrap();
            } else {
                let cut = NetworkConfig { drop_rate: 1.0, ..w.network().config() };
                for &c in &controllers {
                    w.set_link(1, c, Some(cut)).unwrap();
                }
            }
            w.crash_broker(1).unwrap();
            w.run_for(100);
            w.restart_broker(1).unwrap();
            w.run_for(if quorum_lost { 3_000 } else { 12_000 });
            assert!(!w.serves_clients(1), "{what}: broker 1 cannot have caught up");
            let leaders: Vec<_> = w.describe_topic("big").unwrap().partitions.iter().map(|p| p.leader).collect();
            let keys: Vec<String> = (0..)
                .map(|i| format!("k{i}"))
                .filter(|k| leaders[partition_for_key(k.as_bytes(), 6) as usize].is_some_and(|l| l != 1))
                .take(2)
                .collect();
            // acks=1: with the quorum lost the ISR cannot shrink, so acks=all would wait for broker 1, in Kafka too.
            let config = ProducerConfig {
                acks: Acks::Leader,
                enable_idempotence: Some(false),
                linger_ms: 0,
                max_block_ms: 8_000,
                ..ProducerConfig::named("late")
            };
            let p = w.add_producer(config).unwrap();
            let records = keys.iter().map(|k| franz_tests::kv(k, "v")).collect();
            let sent = w.send(p, "big", records);
            assert!(sent.is_ok(), "{what}: {sent:?}");
            // The fault heals: broker 1 catches up, and the cluster serves as before.
            if quorum_lost {
                w.restart_controller(controllers[0]).unwrap();
                w.restart_controller(controllers[1]).unwrap();
            } else {
                for &c in &controllers {
                    w.set_link(1, c, None).unwrap();
                }
            }
            w.run_for(15_000);
            assert!(w.serves_clients(1), "{what}: broker 1 caught up once the fault healed");
            franz_tests::assert_serving(&mut w, &format!("{what}, healed"));
        }
    }
}

/// A send spanning partitions fails as a whole at its first failure (as KafkaJS's `send`), and says that its
/// records for other partitions may yet be written; the checker counts those as sent, never as lost
/// (adversary 48: a record too large for one partition's segment, the other partition's leader down).
#[test]
fn a_send_failed_at_one_partition_says_its_other_records_may_yet_be_written() {
    for seed in 1..=3 {
        let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
        w.create_topic("t", 2, Some(1), [("segment.bytes".into(), "300".into())].into()).unwrap();
        let leader_of = |w: &World, p: usize| w.describe_topic("t").unwrap().partitions[p].leader.unwrap();
        let down = leader_of(&w, 1);
        let p = w.add_producer(ProducerConfig { linger_ms: 0, ..ProducerConfig::named("p") }).unwrap();
        w.crash_broker(down).unwrap();
        w.run_for(100);
        let on = |partition, v: &str| franz_core::types::ProducerRecord { partition: Some(partition), ..value(v) };
        let id = w.send_async(p, "t", vec![on(0, &"x".repeat(400)), on(1, "small")]).unwrap();
        w.run_for(2_000);
        let results = w.producer_results(p).unwrap();
        let outcome = results.iter().find(|r| r.request_id == id).expect("the send failed at once");
        let e = outcome.result.as_ref().unwrap_err();
        assert_eq!(e.code, ErrorCode::RecordListTooLarge, "seed {seed}: {e:?}");
        assert!(e.message.contains("those of 1 partition(s) still out may yet be written"), "seed {seed}: {e}");
        w.restart_broker(down).unwrap();
        w.run_for(30_000);
        let log = w.read_log(leader_of(&w, 1), "t", 1, 0, 10).unwrap();
        assert_eq!(log.len(), 1, "seed {seed}: the record of partition 1 was written after all");
        assert!(w.producer_results(p).unwrap().is_empty(), "seed {seed}: one outcome per send");
        assert!(w.check().ok, "seed {seed}: {:?}", w.check().violations);
    }
}

/// Adversary 50: a client refused for its client.id still took a number of its role's sequence, so the next
/// one was `consumer-…-2` in the run and `…-1` in its replay (the scenario leaves refused calls out): not the
/// same run. Default ids are Kafka's: `producer-N`, `consumer-<group>-<N>` (an empty client.id counts as none
/// for a consumer; a static member's instance id stands for N).
#[test]
fn default_client_ids_are_kafkas_and_a_refused_client_takes_no_number() {
    let mut w = World::new(ClusterConfig { seed: 3, ..Default::default() }).unwrap();
    let long = "x".repeat(300);
    assert_eq!(w.add_consumer(ConsumerConfig::named(&long)).unwrap_err().code, ErrorCode::InvalidConfig);
    let grouped = ConsumerConfig { group_id: Some("orders".into()), ..ConsumerConfig::default() };
    let a = w.add_consumer(grouped.clone()).unwrap();
    let b = w.add_consumer(ConsumerConfig { client_id: Some(String::new()), ..grouped.clone() }).unwrap();
    let lone = w.add_consumer(ConsumerConfig::default()).unwrap();
    let static_member = ConsumerConfig { group_instance_id: Some("i-7".into()), ..grouped };
    let s = w.add_consumer(static_member).unwrap();
    assert_eq!(w.add_producer(ProducerConfig::named(&long)).unwrap_err().code, ErrorCode::InvalidConfig);
    let p = w.add_producer(ProducerConfig::default()).unwrap();
    let names: Vec<String> = [a, b, lone, s, p].iter().map(|&id| w.node_name(id)).collect();
    assert_eq!(
        names,
        ["consumer-orders-1", "consumer-orders-2", "consumer-null-3", "consumer-orders-i-7", "producer-1"]
    );
    w.run_for(1_000);
    let replayed = World::replay(&w.scenario().unwrap(), None).unwrap();
    assert_eq!(replayed.trace().hash(), w.trace().hash(), "the replay is the same run");
}

/// `max.partition.fetch.bytes` takes Kafka's range, 0 included: a fetch still returns the first batch at its
/// position, however large (KIP-74), so a consumer set to 0 reads a batch per fetch and reads everything.
#[test]
fn max_partition_fetch_bytes_0_reads_one_batch_per_fetch() {
    use franz_core::client::AutoOffsetReset;
    use franz_core::types::TopicPartition;
    let mut w = World::new(ClusterConfig { seed: 3, ..Default::default() }).unwrap();
    w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    for batch in 0..4 {
        w.send(p, "t", (0..5).map(|i| value(&format!("v{batch}-{i}"))).collect()).unwrap();
    }
    let config = ConsumerConfig {
        auto_offset_reset: AutoOffsetReset::Earliest,
        max_partition_fetch_bytes: 0,
        ..ConsumerConfig::named("c")
    };
    let c = w.add_consumer(config).unwrap();
    w.assign(c, vec![TopicPartition::new("t", 0)]).unwrap();
    let mut polls = Vec::new();
    while polls.iter().map(Vec::len).sum::<usize>() < 20 {
        let polled = w.poll(c, 1_000).unwrap();
        assert!(!polled.is_empty(), "every fetch brings a batch: {polls:?}");
        polls.push(polled.iter().map(|r| r.offset).collect::<Vec<_>>());
    }
    assert_eq!(polls, [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11, 12, 13, 14], [15, 16, 17, 18, 19]]);
    assert!(w.check().ok, "{:?}", w.check().violations);
}
