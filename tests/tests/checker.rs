//! The checker's verdicts, trusted both ways: for each violation a correct Kafka can show (under a weak
//! configuration Kafka documents), a run that really produces it; and beside it a run that comes close
//! without crossing the line, which must stay clean. Kinds that no configuration of a correct cluster can
//! produce (two owners, a read past the HW ...) are shown on hand-made histories in `core/src/check.rs`
//! and caught through mutants (`tests/mutants/`).

use franz_core::check::ViolationKind;
use franz_core::client::ProducerConfig;
use franz_core::config::ConfigMap;
use franz_core::message::Acks;
use franz_core::sim::network::NetworkConfig;
use franz_core::types::{NodeId, ProducerRecord};
use franz_core::{ClusterConfig, World};
use franz_tests::{assert_serving_beside_its_losses, kv, value};

fn config(pairs: &[(&str, &str)]) -> ConfigMap {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn kinds(w: &World) -> Vec<ViolationKind> {
    let mut kinds: Vec<_> = w.check().violations.iter().map(|v| v.kind).collect();
    kinds.dedup();
    kinds
}

fn leader(w: &World, topic: &str) -> NodeId {
    w.describe_topic(topic).unwrap().partitions[0].leader.expect("a leader")
}

/// A one-partition topic on three brokers, whose leader answers the producer only after its request
/// timed out: the producer retries a batch the leader already appended.
fn slow_answers(seed: u64, idempotent: bool) -> World {
    let mut w = World::new(ClusterConfig { seed, brokers: 3, ..Default::default() }).unwrap();
    w.create_topic("t", 1, Some(3), ConfigMap::new()).unwrap();
    let p = w
        .add_producer(ProducerConfig {
            enable_idempotence: Some(idempotent),
            request_timeout_ms: 500,
            delivery_timeout_ms: 20_000,
            ..ProducerConfig::named("p")
        })
        .unwrap();
    w.send(p, "t", vec![value("warm-up")]).unwrap();
    let slow = NetworkConfig { latency_ms: 800, jitter_ms: 0, drop_rate: 0.0 };
    w.set_link(leader(&w, "t"), p, Some(slow)).unwrap();
    w.send_async(p, "t", vec![value("once")]).unwrap();
    w.run_for(1_200);
    w.set_link(leader(&w, "t"), p, None).unwrap();
    w.run_for(5_000);
    w
}

#[test]
fn duplicate_a_retry_without_idempotence_appends_twice() {
    for seed in 1..=3 {
        let w = slow_answers(seed, false);
        assert_eq!(kinds(&w), [ViolationKind::Duplicate], "seed {seed}: {:#?}", w.check().violations);
    }
}

#[test]
fn duplicate_near_miss_the_idempotent_producers_retry_is_recognised() {
    for seed in 1..=3 {
        let w = slow_answers(seed, true);
        assert!(w.check().ok, "seed {seed}: {:#?}", w.check().violations);
    }
}

#[test]
fn duplicate_near_miss_one_value_sent_again_and_again() {
    // Four producers each number their values from hello-0 again (the playground's stream): every copy in
    // the log is a send of its own. (A history too long to keep is judged in `core/src/check.rs`.)
    let mut w = World::new(ClusterConfig { seed: 7, brokers: 1, ..Default::default() }).unwrap();
    w.create_topic("t", 1, Some(1), ConfigMap::new()).unwrap();
    let producers: Vec<NodeId> =
        (0..4).map(|i| w.add_producer(ProducerConfig::named(format!("p{i}"))).unwrap()).collect();
    for round in 0..500 {
        for &p in &producers {
            w.send_async(p, "t", vec![value(&format!("hello-{}", round % 10))]).unwrap();
        }
        w.run_for(2);
    }
    w.run_for(1_000);
    let report = w.check();
    assert!(report.ok, "{:#?}", &report.violations[..report.violations.len().min(3)]);
    assert_eq!((report.sends_judged, report.sends_forgotten), (2_000, 0));
    assert_eq!(w.describe_topic("t").unwrap().partitions[0].high_watermark, 2_000);
}

/// acks=1 on three replicas: the leader acknowledges before its followers have the record; cut off and
/// replaced, it takes the record with it. Kafka documents this loss.
fn acks_one_leader_cut_off(seed: u64, acks: Acks) -> World {
    let mut w = World::new(ClusterConfig { seed, brokers: 3, ..Default::default() }).unwrap();
    w.create_topic("t", 1, Some(3), config(&[("min.insync.replicas", "2")])).unwrap();
    let p = w.add_producer(ProducerConfig { acks, ..ProducerConfig::named("p") }).unwrap();
    w.send(p, "t", vec![value("before")]).unwrap();
    let old = leader(&w, "t");
    let others: Vec<NodeId> = w.brokers().iter().copied().filter(|&b| b != old).collect();
    // The followers stop hearing the leader; the producer still does.
    for &b in &others {
        w.set_link(old, b, Some(NetworkConfig { latency_ms: 1, jitter_ms: 0, drop_rate: 1.0 })).unwrap();
    }
    let _ = w.send_async(p, "t", vec![value("acknowledged-by-the-old-leader-alone")]);
    w.run_for(300);
    w.crash_broker(old).unwrap();
    for &b in &others {
        w.set_link(old, b, None).unwrap();
    }
    w.run_for(15_000);
    let _ = w.send(p, "t", vec![value("after")]);
    w.restart_broker(old).unwrap();
    w.run_for(15_000);
    w
}

#[test]
fn lost_write_acks_1_loses_what_only_the_leader_had_and_gives_its_offset_to_another() {
    // The next send lands at the lost record's offset: two records seen at one offset, and a later send
    // at an offset not above an earlier one's. Jepsen's checker reports all three for this one loss.
    let mut lost = 0;
    for seed in 1..=4 {
        let w = acks_one_leader_cut_off(seed, Acks::Leader);
        let k = kinds(&w);
        let consequences =
            [ViolationKind::LostWrite, ViolationKind::InconsistentOffsets, ViolationKind::NonmonotonicSend];
        assert!(k.iter().all(|k| consequences.contains(k)), "seed {seed}: {k:?}");
        if k == consequences {
            lost += 1;
        }
    }
    assert!(lost >= 3, "acks=1 lost an acknowledged write in {lost} of 4 runs");
}

#[test]
fn lost_write_near_miss_acks_all_loses_nothing_in_the_same_fault() {
    for seed in 1..=4 {
        let w = acks_one_leader_cut_off(seed, Acks::All);
        assert!(w.check().ok, "seed {seed}: {:#?}", w.check().violations);
    }
}

/// acks=1 loses `lost` (as in `acks_one_leader_cut_off`, on a topic of two partitions and `topic_config`);
/// then an acks=0 producer (which learns no offset) sends `fill` to partition 0, over the lost record's offset,
/// and `then` more; the cleaner and retention run. Returns the world and the offset reported lost before
/// the filling.
fn lost_then_written_over(
    seed: u64,
    acks: Acks,
    topic_config: &[(&str, &str)],
    lost: ProducerRecord,
    fill: impl Fn(usize) -> ProducerRecord,
    then: &[ProducerRecord],
) -> (World, Option<u64>) {
    let brokers = config(&[("log.retention.check.interval.ms", "1000"), ("log.cleaner.backoff.ms", "1000")]);
    let mut w = World::new(ClusterConfig { seed, brokers: 3, broker_config: brokers, ..Default::default() }).unwrap();
    let mut topic = config(&[("min.insync.replicas", "2")]);
    topic.extend(config(topic_config));
    w.create_topic("t", 2, Some(3), topic).unwrap();
    let p = w.add_producer(ProducerConfig { acks, linger_ms: 0, ..ProducerConfig::named("p") }).unwrap();
    let filler = w.add_producer(ProducerConfig { acks: Acks::None, linger_ms: 0, ..ProducerConfig::named("fill") });
    let filler = filler.unwrap();
    let to_0 = |r: ProducerRecord| ProducerRecord { partition: Some(0), ..r };
    w.send(p, "t", vec![to_0(kv("a", "before"))]).unwrap();
    let old = leader(&w, "t");
    let others: Vec<NodeId> = w.brokers().iter().copied().filter(|&b| b != old).collect();
    for &b in &others {
        w.set_link(old, b, Some(NetworkConfig { latency_ms: 1, jitter_ms: 0, drop_rate: 1.0 })).unwrap();
    }
    let _ = w.send_async(p, "t", vec![to_0(lost)]);
    w.run_for(300);
    w.crash_broker(old).unwrap();
    for &b in &others {
        w.set_link(old, b, None).unwrap();
    }
    w.run_for(15_000);
    w.restart_broker(old).unwrap();
    w.run_for(15_000);
    let reported = w.check().violations.iter().find(|v| v.kind == ViolationKind::LostWrite).and_then(|v| v.offset);
    let _ = w.send(filler, "t", then.to_vec());
    for i in 0..20 {
        let _ = w.send(filler, "t", vec![to_0(fill(i))]);
        w.run_for(50);
    }
    w.run_for(30_000);
    (w, reported)
}

fn lost_writes(w: &World) -> Vec<u64> {
    w.check().violations.iter().filter(|v| v.kind == ViolationKind::LostWrite).filter_map(|v| v.offset).collect()
}

#[test]
fn lost_write_stays_reported_after_retention_deletes_the_record_written_over_it() {
    // Adversary 37: retention moved the log start past the lost record's offset, and the loss passed as
    // deleted by retention, though what retention deleted there was another record.
    let retention = [("segment.bytes", "200"), ("retention.bytes", "400")];
    for seed in 1..=4 {
        let (w, reported) =
            lost_then_written_over(seed, Acks::Leader, &retention, value("lost"), |i| value(&format!("fill{i}")), &[]);
        let lost = reported.unwrap_or_else(|| panic!("seed {seed}: acks=1 lost nothing"));
        let start = w.describe_topic("t").unwrap().partitions[0].log_start_offset;
        assert!(start > lost, "seed {seed}: retention left the log start at {start}, not past {lost}");
        assert_eq!(lost_writes(&w), [lost], "seed {seed}: {:#?}", w.check().violations);
    }
}

#[test]
fn lost_write_near_miss_retention_deletes_acknowledged_records() {
    let retention = [("segment.bytes", "200"), ("retention.bytes", "400")];
    for seed in 1..=4 {
        let (w, reported) =
            lost_then_written_over(seed, Acks::All, &retention, value("kept"), |i| value(&format!("fill{i}")), &[]);
        assert_eq!(reported, None, "seed {seed}");
        assert!(w.describe_topic("t").unwrap().partitions[0].log_start_offset > 2, "seed {seed}: retention ran");
        assert!(w.check().ok, "seed {seed}: {:#?}", w.check().violations);
    }
}

#[test]
fn lost_write_stays_reported_after_the_cleaner_removes_the_record_written_over_it() {
    // Adversary 37: the lost record's key sent again to another partition, or the lost record a tombstone,
    // excused it as compacted away; what the cleaner removed there was another record.
    let compact = [("cleanup.policy", "compact"), ("segment.bytes", "150"), ("min.cleanable.dirty.ratio", "0.01")];
    let other_partition = ProducerRecord { partition: Some(1), ..kv("k", "on-partition-1") };
    let tombstone = ProducerRecord { value: None, ..kv("k", "") };
    for seed in 1..=4 {
        for (lost, then) in [(kv("k", "lost"), &[other_partition.clone()][..]), (tombstone.clone(), &[][..])] {
            let (w, reported) =
                lost_then_written_over(seed, Acks::Leader, &compact, lost, |i| kv("x", &format!("x{i}")), then);
            let lost = reported.unwrap_or_else(|| panic!("seed {seed}: acks=1 lost nothing"));
            let w_log = w.read_log(leader(&w, "t"), "t", 0, lost, 1).unwrap();
            assert!(w_log.first().is_none_or(|r| r.offset > lost), "seed {seed}: the cleaner removed offset {lost}");
            assert_eq!(lost_writes(&w), [lost], "seed {seed}: {:#?}", w.check().violations);
        }
    }
}

#[test]
fn lost_write_near_miss_the_cleaner_removes_superseded_acknowledged_records() {
    let compact = [("cleanup.policy", "compact"), ("segment.bytes", "150"), ("min.cleanable.dirty.ratio", "0.01")];
    for seed in 1..=4 {
        let (w, _) = lost_then_written_over(
            seed,
            Acks::All,
            &compact,
            kv("x", "superseded"),
            |i| kv("x", &format!("x{i}")),
            &[],
        );
        let held: Vec<u64> = w.read_log(leader(&w, "t"), "t", 0, 0, 100).unwrap().iter().map(|r| r.offset).collect();
        assert!(!held.contains(&1), "seed {seed}: the cleaner kept offset 1: {held:?}");
        assert!(w.check().ok, "seed {seed}: {:#?}", w.check().violations);
    }
}

/// Two brokers, one controller, a topic of RF 2 with unclean elections and `retention.ms`; the follower is
/// down (fenced, out of the ISR) while the leader, alone, acknowledges `k`=`value` with acks=1. Returns the
/// world, the leader and the follower.
fn alone_in_the_isr(seed: u64, retention_ms: &str, value: &str) -> (World, NodeId, NodeId) {
    let brokers = config(&[("log.retention.check.interval.ms", "1000")]);
    let cluster = ClusterConfig { seed, brokers: 2, controllers: 1, broker_config: brokers, ..Default::default() };
    let mut w = World::new(cluster).unwrap();
    let topic =
        [("unclean.leader.election.enable", "true"), ("min.insync.replicas", "1"), ("retention.ms", retention_ms)];
    w.create_topic("t", 1, Some(2), config(&topic)).unwrap();
    w.run_for(2_000);
    let leader = leader(&w, "t");
    let follower = w.brokers().iter().copied().find(|&b| b != leader).unwrap();
    w.crash_broker(follower).unwrap();
    w.run_for(15_000);
    let p = w.add_producer(ProducerConfig {
        acks: Acks::Leader,
        enable_idempotence: Some(false),
        ..ProducerConfig::named("p")
    });
    w.send(p.unwrap(), "t", vec![kv("k", value)]).unwrap();
    (w, leader, follower)
}

#[test]
fn lost_write_stays_lost_when_a_zombie_deletes_its_own_copy() {
    // Adversary 38: the leader, cut off, is replaced by an unclean election that loses the write; its own
    // retention then deletes its copy. A removal by a broker behind the committed epoch counts for nothing.
    for seed in 1..=4 {
        let (mut w, zombie, follower) = alone_in_the_isr(seed, "30000", "W");
        w.run_for(500);
        w.partition_network(vec![vec![zombie]]).unwrap();
        w.run_for(12_000);
        w.restart_broker(follower).unwrap();
        w.run_for(6_000);
        assert_eq!(leader(&w, "t"), follower, "seed {seed}: the unclean election");
        assert_eq!(lost_writes(&w), [0], "seed {seed}: lost in the election");
        w.run_for(30_000);
        assert!(w.read_log(zombie, "t", 0, 0, 10).unwrap().is_empty(), "seed {seed}: the zombie's retention ran");
        assert_eq!(lost_writes(&w), [0], "seed {seed}: still lost after the zombie's retention");
        w.heal_network().unwrap();
        w.run_for(30_000);
        assert_eq!(lost_writes(&w), [0], "seed {seed}: still lost once the zombie is back");
        assert_serving_beside_its_losses(&mut w, &format!("seed {seed}, the zombie back"));
    }
}

#[test]
fn lost_write_near_miss_the_leaders_retention_before_an_unclean_election() {
    // Adversary 38: deleted by its leader's retention before the unclean election gave its offset to
    // another record: removed on purpose, not lost.
    for seed in 1..=4 {
        let (mut w, old, follower) = alone_in_the_isr(seed, "10000", "Y");
        w.run_for(15_000);
        assert_eq!(w.describe_topic("t").unwrap().partitions[0].log_start_offset, 1, "seed {seed}: retention ran");
        w.crash_broker(old).unwrap();
        w.run_for(12_000);
        w.restart_broker(follower).unwrap();
        w.run_for(8_000);
        let q = w.add_producer(ProducerConfig { acks: Acks::Leader, ..ProducerConfig::named("q") }).unwrap();
        assert_eq!(w.send(q, "t", vec![kv("k", "W")]).unwrap()[0].offset, Some(0), "seed {seed}: the offset reused");
        // (Two acknowledgements at offset 0 are what an unclean election shows: `inconsistent_offsets`.)
        assert_eq!(kinds(&w), [ViolationKind::InconsistentOffsets], "seed {seed}: {:#?}", w.check().violations);
        w.run_for(15_000);
        assert_eq!(kinds(&w), [ViolationKind::InconsistentOffsets], "seed {seed}, after the new leader's retention");
        w.restart_broker(old).unwrap();
        w.run_for(30_000);
        assert_serving_beside_its_losses(&mut w, &format!("seed {seed}, the old leader back"));
    }
}

#[test]
fn lost_write_stays_reported_after_the_partition_moves_to_brokers_that_never_held_it() {
    // Adversary 38: lost in a clean failover (acks=1), its offset taken and deleted by the new leader's
    // retention, then the partition reassigned to two other brokers, which copy the log from its start.
    let brokers = config(&[("log.retention.check.interval.ms", "1000")]);
    for seed in 1..=4 {
        let cluster =
            ClusterConfig { seed, brokers: 4, controllers: 1, broker_config: brokers.clone(), ..Default::default() };
        let mut w = World::new(cluster).unwrap();
        w.create_topic("t", 1, Some(2), config(&[("retention.ms", "20000"), ("segment.bytes", "100")])).unwrap();
        w.run_for(2_000);
        let old = leader(&w, "t");
        let replicas = w.describe_topic("t").unwrap().partitions[0].replicas.clone();
        let follower = replicas.iter().copied().find(|&b| b != old).unwrap();
        let p = w.add_producer(ProducerConfig { acks: Acks::Leader, ..ProducerConfig::named("p") }).unwrap();
        w.send(p, "t", vec![kv("a", "before")]).unwrap();
        w.run_for(1_000);
        w.pause_node(follower, 3_000).unwrap();
        let lost = w.send(p, "t", vec![kv("w", "W")]).unwrap()[0].offset.unwrap();
        w.run_for(20);
        w.crash_broker(old).unwrap();
        w.run_for(15_000);
        let q = w.add_producer(ProducerConfig { acks: Acks::None, ..ProducerConfig::named("q") }).unwrap();
        for i in 0..3 {
            let _ = w.send(q, "t", vec![kv("y", &format!("Y{i}"))]);
            w.run_for(500);
        }
        w.run_for(30_000);
        assert_eq!(lost_writes(&w), [lost], "seed {seed}");
        let others: Vec<NodeId> = w.brokers().iter().copied().filter(|b| !replicas.contains(b)).collect();
        w.reassign_partitions("t", [(0, others.clone())].into()).unwrap();
        w.run_for(20_000);
        assert_eq!(w.describe_topic("t").unwrap().partitions[0].replicas, others, "seed {seed}: moved");
        assert_eq!(lost_writes(&w), [lost], "seed {seed}: still lost");
        w.restart_broker(old).unwrap();
        w.run_for(30_000);
        assert_serving_beside_its_losses(&mut w, &format!("seed {seed}, after the move"));
    }
}

/// Two replicas with `unclean.leader.election.enable=true`: the follower is cut off from every node until
/// the controller fences it and drops it from the ISR (a follower at the leader's LEO stays in sync in
/// Kafka however long it is silent, so a cut link alone would not do), `writes` records go to the leader
/// alone, then the leader dies, the network heals, and the follower is elected uncleanly.
fn unclean_election(seed: u64, writes: usize) -> World {
    let mut w = World::new(ClusterConfig { seed, brokers: 2, ..Default::default() }).unwrap();
    let unclean = config(&[("unclean.leader.election.enable", "true"), ("min.insync.replicas", "1")]);
    w.create_topic("t", 1, Some(2), unclean).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    w.send(p, "t", vec![value("replicated")]).unwrap();
    let old = leader(&w, "t");
    let follower = *w.brokers().iter().find(|&&b| b != old).unwrap();
    w.partition_network(vec![vec![follower]]).unwrap();
    w.run_for(20_000); // broker.session.timeout.ms (9 s): fenced, and out of the ISR
    assert_eq!(w.describe_topic("t").unwrap().partitions[0].isr, [old], "seed {seed}");
    for i in 0..writes {
        w.send(p, "t", vec![value(&format!("leader-only-{i}"))]).unwrap();
    }
    w.crash_broker(old).unwrap();
    w.heal_network().unwrap();
    w.run_for(20_000);
    assert_eq!(leader(&w, "t"), follower, "seed {seed}: elected uncleanly");
    w.restart_broker(old).unwrap();
    w.run_for(20_000);
    w
}

#[test]
fn lost_write_an_unclean_election_loses_what_the_isr_had_alone() {
    for seed in 1..=3 {
        let w = unclean_election(seed, 2);
        assert_eq!(kinds(&w), [ViolationKind::LostWrite], "seed {seed}: {:#?}", w.check().violations);
    }
}

#[test]
fn lost_write_near_miss_an_unclean_election_loses_nothing_when_nothing_was_unreplicated() {
    for seed in 1..=3 {
        let w = unclean_election(seed, 0);
        assert!(w.check().ok, "seed {seed}: {:#?}", w.check().violations);
    }
}

/// A stream of single-record sends at five requests in flight over a link to the leader that loses a
/// third of the messages: a loss breaks the connection (TCP delivers in order or not at all), the requests
/// out on it time out and are retried on a new one. Without a warm-up, the producer's very first batches face
/// the losses (the broker does not know the producer yet, and would take any sequence number first).
fn lossy_stream(seed: u64, idempotent: bool, warm_up: bool) -> World {
    let mut w = World::new(ClusterConfig { seed, brokers: 3, ..Default::default() }).unwrap();
    w.create_topic("t", 1, Some(3), ConfigMap::new()).unwrap();
    let p = w
        .add_producer(ProducerConfig {
            enable_idempotence: Some(idempotent),
            max_in_flight_requests_per_connection: 5,
            request_timeout_ms: 300,
            delivery_timeout_ms: 60_000,
            ..ProducerConfig::named("p")
        })
        .unwrap();
    if warm_up {
        w.send(p, "t", vec![value("warm-up")]).unwrap();
    }
    let lossy = NetworkConfig { latency_ms: 2, jitter_ms: 1, drop_rate: 0.3 };
    w.set_link(p, leader(&w, "t"), Some(lossy)).unwrap();
    for i in 0..200 {
        w.send_async(p, "t", vec![value(&format!("v{i}"))]).unwrap();
        w.run_for(3);
    }
    w.set_link(p, leader(&w, "t"), None).unwrap();
    w.run_for(30_000);
    w
}

/// A stream of single-record sends at five requests in flight, over a slow link (200 ms), to the leader of a
/// topic with `min.insync.replicas=2` whose only follower restarts: while it catches up, sends fail with
/// NOT_ENOUGH_REPLICAS and are retried after their backoff; the first request to arrive after it rejoins
/// the ISR succeeds before the retry of the one that arrived just before. (It restarts as the stream begins:
/// the backoff doubles per retry, KIP-580, and after a longer outage the stream's head waits up to a second
/// between tries, holding the rest back, so that nothing is in flight when it rejoins.)
fn isr_expansion_stream(seed: u64, idempotent: bool) -> World {
    let mut w = World::new(ClusterConfig { seed, brokers: 3, ..Default::default() }).unwrap();
    w.create_topic("t", 1, Some(2), config(&[("min.insync.replicas", "2")])).unwrap();
    let p = w
        .add_producer(ProducerConfig {
            enable_idempotence: Some(idempotent),
            max_in_flight_requests_per_connection: 5,
            delivery_timeout_ms: 60_000,
            ..ProducerConfig::named("p")
        })
        .unwrap();
    w.send(p, "t", vec![value("warm-up")]).unwrap();
    let follower =
        w.describe_topic("t").unwrap().partitions[0].replicas.iter().copied().find(|&r| r != leader(&w, "t"));
    let follower = follower.unwrap();
    w.crash_broker(follower).unwrap();
    w.run_for(40_000);
    let slow = NetworkConfig { latency_ms: 200, jitter_ms: 0, drop_rate: 0.0 };
    w.set_link_one_way(p, leader(&w, "t"), Some(slow)).unwrap();
    // (A send every 60 ms: five out cover the 300 ms of a request's way there and its retry's backoff, so
    // that requests arrive all the time the follower catches up.)
    for i in 0..200 {
        if i == 5 {
            w.restart_broker(follower).unwrap();
        }
        w.send_async(p, "t", vec![value(&format!("v{i}"))]).unwrap();
        w.run_for(60);
    }
    w.run_for(30_000);
    w
}

#[test]
fn nonmonotonic_send_retries_without_idempotence_reorder() {
    // Kafka documents it: retries with max.in.flight.requests.per.connection > 1 and no idempotence may
    // reorder, when a request fails and a later one on the same connection succeeds.
    // (Whether one arrives just before the follower rejoins and the next just after depends on the seed.)
    let mut reordered = Vec::new();
    for seed in 1..=8 {
        let w = isr_expansion_stream(seed, false);
        let k = kinds(&w);
        assert!(k.iter().all(|k| *k == ViolationKind::NonmonotonicSend), "seed {seed}: {k:?}");
        if !k.is_empty() {
            reordered.push(seed);
        }
    }
    assert!(reordered.len() >= 2, "reordered in seeds {reordered:?}");
}

#[test]
fn nonmonotonic_send_near_miss_the_idempotent_producer_keeps_order_through_an_isr_expansion() {
    for seed in 1..=6 {
        let w = isr_expansion_stream(seed, true);
        assert!(w.check().ok, "seed {seed}: {:#?}", w.check().violations);
    }
}

/// Lost messages on the producer's connection do not reorder even without idempotence: TCP delivers what
/// follows a loss only on a new connection, and the producer retries in order (a lost answer duplicates).
#[test]
fn nonmonotonic_send_near_miss_losses_alone_do_not_reorder() {
    for seed in 1..=3 {
        let w = lossy_stream(seed, false, seed % 2 == 0);
        let k = kinds(&w);
        assert!(k.iter().all(|k| *k == ViolationKind::Duplicate), "seed {seed}: {k:?}");
    }
}

#[test]
fn nonmonotonic_send_near_miss_the_idempotent_producer_keeps_order_through_the_same_losses() {
    for seed in 1..=6 {
        for warm_up in [true, false] {
            let w = lossy_stream(seed, true, warm_up);
            assert!(w.check().ok, "seed {seed}, warm-up {warm_up}: {:#?}", w.check().violations);
            let hw = w.describe_topic("t").unwrap().partitions[0].high_watermark;
            assert_eq!(hw, 200 + u64::from(warm_up), "seed {seed}: every send landed once");
        }
    }
}

/// A member's process pauses (a long GC) after it sent its SyncGroup and before the answer came, for longer
/// than `session.timeout.ms`: the coordinator removes it and gives its partitions to the others in a new
/// generation; when it wakes it reads the old answer and believes the old assignment, as Kafka's consumer
/// would until its next heartbeat or commit is refused. It is no member then, so it is no second owner, and
/// its generation going back is no group's generation going back. (An adversary's run: `check()` reported
/// both, for a pause at any millisecond between the rebalance and the answer, on every seed.)
#[test]
fn a_removed_member_reading_a_late_sync_answer_is_no_second_owner() {
    use franz_core::client::{AutoOffsetReset, ConsumerConfig};
    use franz_core::protocol::history::Op;
    use franz_core::trace::TraceKind;
    for seed in 1..=3 {
        let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
        w.create_topic("t", 4, None, ConfigMap::new()).unwrap();
        let member = |w: &mut World, name: &str| {
            let config = ConsumerConfig {
                group_id: Some("g".into()),
                auto_offset_reset: AutoOffsetReset::Earliest,
                session_timeout_ms: 6_000,
                heartbeat_interval_ms: 2_000,
                ..ConsumerConfig::named(name)
            };
            let c = w.add_consumer(config).unwrap();
            w.subscribe(c, vec!["t".into()]).unwrap();
            c
        };
        let (a, b) = (member(&mut w, "a"), member(&mut w, "b"));
        for _ in 0..8 {
            w.poll(a, 300).unwrap();
            w.poll(b, 300).unwrap();
        }
        let d = member(&mut w, "d");
        let rebalanced = |w: &World| {
            let events = w.trace().since(0);
            events.iter().any(|e| matches!(e.kind, TraceKind::GroupRebalanced { generation: 2, .. }))
        };
        while !rebalanced(&w) {
            for c in [a, b, d] {
                w.poll(c, 0).unwrap();
            }
            w.run_for(1);
        }
        // The members have their JoinGroup answers; a's SyncGroup goes out, and a pauses before its answer.
        for c in [a, b, d] {
            w.poll(c, 0).unwrap();
        }
        w.run_for(3);
        w.pause_node(a, 15_000).unwrap();
        for _ in 0..60 {
            w.poll(b, 100).unwrap();
            w.poll(d, 100).unwrap();
            w.run_for(500);
        }
        for _ in 0..10 {
            for c in [a, b, d] {
                w.poll(c, 100).unwrap();
            }
        }
        // The run is the one meant: a got an assignment after the coordinator removed it.
        let mut removed = Vec::new();
        let mut zombie_assignment = false;
        for entry in w.history().entries() {
            match &entry.op {
                Op::GroupMemberRemoved { member_id, .. } => removed.push(member_id.clone()),
                Op::AssignmentReceived { consumer, member_id, .. } if *consumer == a => {
                    zombie_assignment |= removed.contains(member_id);
                }
                _ => {}
            }
        }
        assert!(zombie_assignment, "seed {seed}: a read its SyncGroup answer after its removal");
        assert!(w.check().ok, "seed {seed}: {:?}", w.check().violations);
    }
}

/// An acknowledged commit lost in an unclean election of the group's `__consumer_offsets` partition: a reader
/// starts from the commit before it, and `check()` says so, even when a commit of that older offset was sent
/// in between and refused before it was written (UNKNOWN_MEMBER_ID: an `assign` consumer's commit while the
/// group has a member). Adversary 66: the refused commit counted as one that may have been written last, and
/// hid the loss on every seed.
#[test]
fn committed_offset_went_back_an_unclean_election_of_the_offsets_partition_loses_an_acknowledged_commit() {
    use franz_core::client::{AutoOffsetReset, ConsumerConfig};
    use franz_core::group::{coordinator_partition, OFFSETS_TOPIC};
    use franz_core::sim::scenario::PartitionOffset;
    use franz_core::types::TopicPartition;
    use franz_core::ErrorCode;
    for (seed, refused_in_between) in [(1, true), (2, true), (3, true), (4, false)] {
        let broker_config = config(&[("unclean.leader.election.enable", "true")]);
        let mut w = World::new(ClusterConfig { seed, broker_config, ..Default::default() }).unwrap();
        w.create_topic("t", 1, Some(3), ConfigMap::new()).unwrap();
        let p = w.add_producer(ProducerConfig::named("p")).unwrap();
        w.send(p, "t", (0..30).map(|i| value(&format!("v{i}"))).collect()).unwrap();
        let tp = TopicPartition::new("t", 0);
        let at = |offset| Some(vec![PartitionOffset { topic: "t".into(), partition: 0, offset }]);
        let assigned = |w: &mut World, name: &str| {
            let config = ConsumerConfig {
                group_id: Some("g".into()),
                auto_offset_reset: AutoOffsetReset::Earliest,
                ..ConsumerConfig::named(name)
            };
            let c = w.add_consumer(config).unwrap();
            w.assign(c, vec![tp.clone()]).unwrap();
            c
        };
        let x = assigned(&mut w, "x");
        w.commit_sync(x, at(2)).unwrap();
        let offsets =
            w.describe_topic(OFFSETS_TOPIC).unwrap().partitions[coordinator_partition("g", 50) as usize].clone();
        let leader = offsets.leader.unwrap();
        let followers: Vec<Vec<NodeId>> = offsets.replicas.iter().filter(|&&r| r != leader).map(|&r| vec![r]).collect();
        w.partition_network(followers).unwrap();
        w.run_for(40_000); // the followers leave the ISR, and the commit of 20 is on the leader alone
        w.commit_sync(x, at(20)).unwrap();
        if refused_in_between {
            let s =
                w.add_consumer(ConsumerConfig { group_id: Some("g".into()), ..ConsumerConfig::named("s") }).unwrap();
            w.create_topic("other", 1, Some(1), ConfigMap::new()).unwrap();
            w.subscribe(s, vec!["other".into()]).unwrap();
            for _ in 0..10 {
                w.poll(s, 500).unwrap();
            }
            let z = assigned(&mut w, "z");
            let e = w.commit_sync(z, at(2)).unwrap_err();
            assert_eq!(e.code, ErrorCode::UnknownMemberId, "seed {seed}: {e}");
            w.close_client(s).unwrap();
            w.crash_client(z).unwrap();
        }
        w.heal_network().unwrap();
        w.partition_network(vec![vec![leader]]).unwrap();
        w.crash_broker(leader).unwrap();
        w.heal_network().unwrap();
        w.run_for(20_000); // a follower without the commit of 20 leads the offsets partition
        let y = assigned(&mut w, "y");
        let polled = w.poll(y, 5_000).unwrap();
        assert_eq!(polled.first().map(|r| r.offset), Some(2), "seed {seed}: y starts from the commit before 20");
        assert_eq!(kinds(&w), [ViolationKind::CommittedOffsetWentBack], "seed {seed}");
        assert_serving_beside_its_losses(&mut w, &format!("seed {seed}"));
    }
}
