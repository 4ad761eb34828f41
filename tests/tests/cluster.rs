//! The controller quorum and replication across brokers, as a user of Kafka would check them: brokers
//! dying and partitions moving, controllers failing over, a lost quorum, acks and the ISR, leader epochs,
//! unclean elections and what the checker says about each.

use franz_core::check::ViolationKind;
use franz_core::client::{AutoOffsetReset, ConsumerConfig, ProducerConfig};
use franz_core::config::ConfigMap;
use franz_core::message::Acks;
use franz_core::sim::network::NetworkConfig;
use franz_core::trace::TraceKind;
use franz_core::types::{NodeId, ProducerRecord, TopicPartition};
use franz_core::view::{BrokerStatus, PartitionDescription, VoterRole};
use franz_core::{ClusterConfig, ErrorCode, World};
use franz_tests::{assert_serving, kv, text, value};

fn config(pairs: &[(&str, &str)]) -> ConfigMap {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn cluster(seed: u64) -> World {
    World::new(ClusterConfig { seed, ..Default::default() }).unwrap()
}

fn leader(w: &World, topic: &str, partition: usize) -> Option<NodeId> {
    w.describe_topic(topic).unwrap().partitions[partition].leader
}

/// Cuts the link between two nodes both ways (every message on it is dropped).
fn cut(w: &mut World, a: NodeId, b: NodeId) {
    w.set_link(a, b, Some(NetworkConfig { drop_rate: 1.0, ..Default::default() })).unwrap();
}

fn kinds(w: &World) -> Vec<TraceKind> {
    w.trace().since(0).into_iter().map(|e| e.kind).collect()
}

#[test]
fn a_new_cluster_has_an_active_controller_and_every_broker_unfenced() {
    let w = cluster(1);
    let d = w.describe_cluster();
    let leader = d.controller.leader_id.expect("an active controller");
    assert!(w.controllers().contains(&leader));
    assert_eq!(d.controller.voters.iter().filter(|v| v.role == VoterRole::Leader).count(), 1);
    assert!(d.brokers.iter().all(|b| b.state == BrokerStatus::Running), "{:?}", d.brokers);
    let active = d.controller.voters.iter().find(|v| v.id == leader).unwrap();
    assert!(active.committed_offset >= 6, "three registrations and three unfencings: {active:?}");
}

#[test]
fn a_dead_brokers_partitions_move_to_isr_members_within_the_session_timeout() {
    let mut w = cluster(2);
    w.create_topic("t", 6, None, ConfigMap::new()).unwrap();
    let before = w.describe_topic("t").unwrap();
    let victim = before.partitions[0].leader.unwrap();
    let crashed_at = w.now_ms();
    w.crash_broker(victim).unwrap();
    w.run_for(9_000 + 500);
    let fenced_at = w
        .trace()
        .since(0)
        .iter()
        .find(|e| matches!(e.kind, TraceKind::BrokerFenced { broker, .. } if broker == victim))
        .map(|e| e.time_ms)
        .expect("the controller fenced the silent broker");
    assert!(fenced_at <= crashed_at + 9_000, "fenced within broker.session.timeout.ms: {} ms", fenced_at - crashed_at);
    let after = w.describe_topic("t").unwrap();
    for (b, a) in before.partitions.iter().zip(&after.partitions) {
        let new_leader = a.leader.expect("an ISR member took over");
        assert_ne!(new_leader, victim);
        assert!(b.isr.contains(&new_leader), "the new leader comes from the ISR");
        assert!(!a.isr.contains(&victim), "the fenced broker left the ISR");
        if b.leader == Some(victim) {
            assert_eq!(a.leader_epoch, b.leader_epoch + 1, "a new leader, a new epoch");
        } else {
            assert_eq!(a.leader, b.leader, "a leader still in the ISR stays");
        }
    }
    assert_eq!(w.describe_cluster().brokers.iter().find(|b| b.id == victim).unwrap().state, BrokerStatus::Crashed);
    // Back: it registers again, catches up and rejoins the ISR.
    w.restart_broker(victim).unwrap();
    w.run_for(3_000);
    let healed = w.describe_topic("t").unwrap();
    assert!(healed.partitions.iter().all(|p| p.isr.contains(&victim)), "{:?}", healed.partitions);
    assert!(w.check().ok, "{:?}", w.check().violations);
}

/// A broker restarted with thousands of partitions rejoins every ISR in work linear in them: its ISR changes,
/// each a controller write, made Raft's appends multiply (an append per proposal and another per answer, 65,000
/// of them for 2,000 partitions) and the world copy the metadata image at each commit (adversary 56: 10,000
/// partitions never finished their first second in wasm). Events are counted, not time.
#[test]
fn a_broker_restarted_with_thousands_of_partitions_rejoins_every_isr_in_events_linear_in_them() {
    let partitions = 2_000;
    let mut w = World::new(ClusterConfig { seed: 2, brokers: 3, ..Default::default() }).unwrap();
    w.create_topic("big", partitions, None, ConfigMap::new()).unwrap();
    w.run_for(15_000);
    w.crash_broker(1).unwrap();
    w.run_for(15_000);
    let before = w.events_dispatched();
    w.restart_broker(1).unwrap();
    w.run_for(1_000);
    let events = w.events_dispatched() - before;
    assert!(events < 4 * u64::from(partitions), "{events} events for {partitions} partitions");
    let described = w.describe_topic("big").unwrap();
    assert!(described.partitions.iter().all(|p| p.isr.len() == 3), "every ISR whole again within the second");
    assert_serving(&mut w, "big");
}

/// A topic's preferred leader (its first replica) crashed, lost its leadership, and restarted `then_ms` ago.
fn preferred_leader_restarted(imbalance_check_interval_s: &str, then_ms: u64) -> (World, NodeId) {
    preferred_leader_restarted_with(&[("leader.imbalance.check.interval.seconds", imbalance_check_interval_s)], then_ms)
}

fn preferred_leader_restarted_with(broker_config: &[(&str, &str)], then_ms: u64) -> (World, NodeId) {
    let broker_config = config(broker_config);
    let mut w = World::new(ClusterConfig { seed: 3, broker_config, ..Default::default() }).unwrap();
    w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
    let preferred = w.describe_topic("t").unwrap().partitions[0].replicas[0];
    w.crash_broker(preferred).unwrap();
    w.run_for(10_000);
    assert_ne!(leader(&w, "t", 0), Some(preferred));
    w.restart_broker(preferred).unwrap();
    w.run_for(then_ms);
    (w, preferred)
}

#[test]
fn the_preferred_leader_comes_back_after_the_imbalance_check() {
    let (w, preferred) = preferred_leader_restarted("10", 12_000);
    assert_eq!(leader(&w, "t", 0), Some(preferred), "auto.leader.rebalance.enable restores the first replica");
}

/// Adversary 31: Kafka's `auto.leader.rebalance.enable=false` was refused as unknown. It leaves leadership
/// where the failover put it.
#[test]
fn without_auto_leader_rebalance_the_preferred_leader_does_not_come_back_by_itself() {
    let config = [("leader.imbalance.check.interval.seconds", "10"), ("auto.leader.rebalance.enable", "false")];
    let (mut w, preferred) = preferred_leader_restarted_with(&config, 30_000);
    assert_ne!(leader(&w, "t", 0), Some(preferred), "no imbalance check ran");
    w.elect_preferred_leaders(Some("t")).unwrap();
    w.run_for(1_000);
    assert_eq!(leader(&w, "t", 0), Some(preferred), "asked, it leads again");
}

/// An interval too long to ever end means no imbalance check, not an overflow (a panic in a debug build, a
/// check on every timer in release).
#[test]
fn a_leader_imbalance_check_interval_too_long_to_end_never_checks() {
    let (mut w, preferred) = preferred_leader_restarted("9223372036854775807", 60_000);
    assert_ne!(leader(&w, "t", 0), Some(preferred), "no imbalance check ran");
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    w.send(p, "t", vec![value("still served")]).unwrap();
    assert!(w.check().ok, "{:?}", w.check().violations);
}

#[test]
fn crashing_the_active_controller_elects_another_and_loses_no_committed_record() {
    let mut w = cluster(4);
    w.create_topic("a", 2, None, ConfigMap::new()).unwrap();
    w.create_topic("b", 1, None, ConfigMap::new()).unwrap();
    let before = w.describe_cluster().controller;
    let active = before.leader_id.unwrap();
    let committed = w.controller(active).unwrap().image().clone();
    w.crash_controller(active).unwrap();
    let crashed_at = w.now_ms();
    // Within Raft's election timeout (1 to 2 s after the last heartbeat) and a vote round trip.
    let mut elected_after = None;
    for _ in 0..30 {
        w.run_for(100);
        if let Some(new) = w.describe_cluster().controller.leader_id.filter(|&l| l != active) {
            elected_after = Some((new, w.now_ms() - crashed_at));
            break;
        }
    }
    let (new, after_ms) = elected_after.expect("a new active controller");
    assert!(after_ms <= 2_600, "elected after {after_ms} ms");
    let image = w.controller(new).unwrap().image();
    assert!(image.applied >= committed.applied, "nothing committed is lost");
    assert_eq!(image.topics, committed.topics);
    // The new controller decides: a topic, and the old one rejoins as a follower.
    w.create_topic("c", 1, None, ConfigMap::new()).unwrap();
    w.restart_controller(active).unwrap();
    w.run_for(2_000);
    let c = w.controller(active).unwrap();
    assert!(c.image().topics.contains_key("c"), "the restarted controller caught up");
    assert!(w.describe_cluster().controller.term > before.term);
}

#[test]
fn without_a_quorum_metadata_changes_wait_while_partitions_keep_serving() {
    let mut w = cluster(5);
    w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
    let producer = w.add_producer(ProducerConfig::named("p")).unwrap();
    w.send(producer, "t", vec![value("before")]).unwrap();
    let voters = w.controllers().to_vec();
    w.crash_controller(voters[0]).unwrap();
    w.crash_controller(voters[1]).unwrap();
    assert_eq!(w.send(producer, "t", vec![value("during")]).unwrap()[0].offset, Some(1), "the leader keeps serving");
    let err = w.create_topic("u", 1, None, ConfigMap::new()).unwrap_err();
    assert_eq!(err.code, ErrorCode::RequestTimedOut, "{err}");
    assert_eq!(w.describe_cluster().controller.leader_id, None, "one voter of three cannot lead");
    w.restart_controller(voters[0]).unwrap();
    w.run_for(3_000);
    w.create_topic("u", 1, None, ConfigMap::new()).unwrap();
    assert_eq!(w.list_topics(), ["t", "u"]);
    assert!(w.check().ok, "{:?}", w.check().violations);
}

/// KRaft's broker waits five minutes for the controller to approve its controlled shutdown; without a quorum
/// none comes, so it stops then with its leaderships in place, and says the shutdown was not controlled.
#[test]
fn without_a_quorum_stop_broker_waits_five_minutes_then_stops_uncontrolled() {
    let mut w = cluster(5);
    w.create_topic("t", 3, None, ConfigMap::new()).unwrap();
    let voters = w.controllers().to_vec();
    w.crash_controller(voters[0]).unwrap();
    w.crash_controller(voters[1]).unwrap();
    let leader = w.describe_topic("t").unwrap().partitions[0].leader.unwrap();
    let (start, before) = (w.now_ms(), w.trace().len());
    w.stop_broker(leader).unwrap();
    assert_eq!(w.now_ms() - start, 300_000, "Kafka's wait for the controller's approval");
    let stopped: Vec<_> =
        w.trace().since(before).into_iter().filter(|e| matches!(e.kind, TraceKind::BrokerStopped { .. })).collect();
    assert_eq!(stopped.len(), 1);
    assert_eq!(stopped[0].kind, TraceKind::BrokerStopped { controlled: false });
    assert!(stopped[0].text().contains("without the controller's approval"), "{}", stopped[0].text());
    assert_eq!(w.stop_was_controlled(leader), Some(false), "the world says so too, for views");
    // With the quorum back, a stop is approved within a heartbeat or two and says so.
    w.restart_controller(voters[0]).unwrap();
    w.restart_controller(voters[1]).unwrap();
    w.restart_broker(leader).unwrap();
    w.run_for(20_000);
    let (start, before) = (w.now_ms(), w.trace().len());
    w.stop_broker(leader).unwrap();
    assert!(w.now_ms() - start < 10_000, "took {} ms", w.now_ms() - start);
    let controlled = w.trace().since(before).iter().any(|e| e.kind == TraceKind::BrokerStopped { controlled: true });
    assert!(controlled);
    assert_eq!(w.stop_was_controlled(leader), Some(true));
    w.restart_broker(leader).unwrap();
    assert_eq!(w.stop_was_controlled(leader), None, "running again");
}

#[test]
fn a_broker_added_later_registers_and_takes_new_replicas() {
    let mut w = cluster(6);
    let id = w.add_broker().unwrap();
    assert_eq!(id, 4);
    w.run_for(200);
    assert_eq!(w.describe_cluster().brokers.iter().find(|b| b.id == 4).unwrap().state, BrokerStatus::Running);
    w.create_topic("wide", 8, Some(1), ConfigMap::new()).unwrap();
    let leaders: Vec<_> = w.describe_topic("wide").unwrap().partitions.iter().map(|p| p.leader.unwrap()).collect();
    assert!(leaders.contains(&4), "placement spreads over all four brokers: {leaders:?}");
}

/// A producer writes while the leader of its partition crashes: with RF=3, min.insync.replicas=2 and
/// acks=all nothing acknowledged may be lost.
#[test]
fn a_leader_crash_under_acks_all_loses_nothing_acknowledged() {
    for seed in 0..6 {
        let mut w = cluster(100 + seed);
        w.create_topic("t", 1, Some(3), config(&[("min.insync.replicas", "2")])).unwrap();
        let p = w.add_producer(ProducerConfig { request_timeout_ms: 2_000, ..ProducerConfig::named("p") }).unwrap();
        let first_leader = leader(&w, "t", 0).unwrap();
        for i in 0..40 {
            let _ = w.send_async(p, "t", vec![value(&format!("v{i}"))]);
            w.run_for(20);
            if i == 20 {
                w.crash_broker(first_leader).unwrap();
            }
        }
        w.run_for(30_000);
        let results = w.producer_results(p).unwrap();
        assert!(results.iter().filter(|r| r.result.is_ok()).count() >= 30, "seed {seed}: most sends succeeded");
        assert_ne!(leader(&w, "t", 0), Some(first_leader));
        let report = w.check();
        assert!(report.ok, "seed {seed}: {:?}", report.violations);
    }
}

/// A crashed leader the controller has not fenced yet is still named leader, and is offline: the HW shown
/// is an in-sync replica's, not the crashed one's (its HW went with its memory), so the records every ISR
/// member acknowledged stay committed in the description.
#[test]
fn a_crashed_leader_not_yet_fenced_is_offline_and_the_hw_is_read_from_a_live_isr_member() {
    let mut w = cluster(7);
    w.create_topic("t", 1, Some(3), ConfigMap::new()).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    for v in ["a", "b", "c"] {
        w.send(p, "t", vec![value(v)]).unwrap();
    }
    w.run_for(1_000);
    let l = leader(&w, "t", 0).unwrap();
    w.crash_broker(l).unwrap();
    w.run_for(100);
    let d = w.describe_topic("t").unwrap().partitions[0].clone();
    assert_eq!((d.leader, d.offline_replicas.clone()), (Some(l), vec![l]), "not fenced yet");
    assert_eq!(d.high_watermark, 3, "{d:?}");
    assert_ne!(d.shown_replica(), Some(l));
    w.run_for(20_000);
    let d = w.describe_topic("t").unwrap().partitions[0].clone();
    assert!(d.leader.is_some_and(|n| n != l) && d.high_watermark == 3, "{d:?}");
    w.restart_broker(l).unwrap();
    // Offline until it has caught up with the metadata log: until then it refuses clients, as Kafka's broker.
    assert_eq!(w.describe_topic("t").unwrap().partitions[0].offline_replicas, [l]);
    w.run_for(2_000);
    assert!(w.describe_topic("t").unwrap().partitions[0].offline_replicas.is_empty());
}

/// acks=1: the leader answers after its own append. If it dies before a follower copied the records,
/// they are gone, and the checker names exactly them.
#[test]
fn acks_1_and_a_leader_crash_lose_exactly_what_no_follower_had() {
    let mut w = cluster(7);
    w.create_topic("t", 1, Some(3), ConfigMap::new()).unwrap();
    let p = w.add_producer(ProducerConfig { acks: Acks::Leader, ..ProducerConfig::named("p") }).unwrap();
    w.send(p, "t", vec![value("safe")]).unwrap();
    w.run_for(1_000); // followers have it
    let l = leader(&w, "t", 0).unwrap();
    for f in w.brokers().to_vec().into_iter().filter(|&b| b != l) {
        cut(&mut w, l, f);
    }
    let lost = w.send(p, "t", vec![value("lost-1"), value("lost-2")]).unwrap();
    assert_eq!(lost.iter().map(|m| m.offset).collect::<Vec<_>>(), [Some(1), Some(2)], "acknowledged by the leader");
    w.crash_broker(l).unwrap();
    w.run_for(10_000); // fenced; a follower (still in the ISR) leads without them
    let new_leader = leader(&w, "t", 0).unwrap();
    assert_ne!(new_leader, l);
    let report = w.check();
    let lost_offsets: Vec<_> =
        report.violations.iter().filter(|v| v.kind == ViolationKind::LostWrite).map(|v| v.offset).collect();
    assert_eq!(lost_offsets, [Some(1), Some(2)], "{:?}", report.violations);
    // The old leader comes back, finds its log diverged and truncates to the new leader's.
    for f in w.brokers().to_vec() {
        if f != l {
            w.set_link(l, f, None).unwrap();
        }
    }
    w.send(p, "t", vec![value("after")]).unwrap();
    w.restart_broker(l).unwrap();
    w.run_for(3_000);
    assert!(
        kinds(&w).iter().any(|k| matches!(k, TraceKind::LogTruncated { .. })),
        "the returning replica truncated its divergent suffix"
    );
    let logs: Vec<Vec<_>> = w
        .brokers()
        .iter()
        .map(|&b| w.read_log(b, "t", 0, 0, 100).unwrap().into_iter().map(|r| r.value).collect())
        .collect();
    assert!(logs.windows(2).all(|pair| pair[0] == pair[1]), "replicas agree again: {logs:?}");
}

/// A follower cut off from its leader leaves the ISR after replica.lag.time.max.ms and comes back once it
/// catches up; while the ISR is below min.insync.replicas, acks=all is refused.
#[test]
fn the_isr_shrinks_and_expands_and_acks_all_needs_min_insync_replicas() {
    let mut w = cluster(8);
    w.create_topic("t", 1, Some(3), config(&[("min.insync.replicas", "2")])).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    w.send(p, "t", vec![value("a")]).unwrap();
    let l = leader(&w, "t", 0).unwrap();
    let followers: Vec<NodeId> = w.brokers().iter().copied().filter(|&b| b != l).collect();
    for &f in &followers {
        cut(&mut w, l, f);
    }
    // Kafka's isCaughtUp: a follower at the leader's LEO stays in sync however long it is silent, so the
    // leader must have something new for the silent followers to fall behind.
    let nudge = w.add_producer(ProducerConfig { acks: Acks::None, ..ProducerConfig::named("nudge") }).unwrap();
    w.send(nudge, "t", vec![value("news")]).unwrap();
    w.run_for(31_000 + 15_000);
    assert_eq!(w.describe_topic("t").unwrap().partitions[0].isr, [l], "both followers lagged out");
    // NOT_ENOUGH_REPLICAS is retriable: the producer retries until delivery.timeout.ms, then gives up.
    let impatient =
        ProducerConfig { delivery_timeout_ms: 2_000, request_timeout_ms: 1_000, ..ProducerConfig::named("i") };
    let impatient = w.add_producer(impatient).unwrap();
    let err = w.send(impatient, "t", vec![value("refused")]).unwrap_err();
    assert_eq!(err.code, ErrorCode::RequestTimedOut, "{err}");
    assert!(err.message.contains("NOT_ENOUGH_REPLICAS"), "{err}");
    assert!(kinds(&w).iter().any(|k| matches!(k, TraceKind::ProduceRetry { error: ErrorCode::NotEnoughReplicas, .. })));
    // KAFKA-15583 (Kafka 3.7): under min.insync.replicas the HW stays, so what only the leader holds (the
    // acks=0 news, an acks=1 record it acknowledged) is not served to consumers; it is once the ISR is back.
    let acks_1 = w.add_producer(ProducerConfig { acks: Acks::Leader, ..ProducerConfig::named("acks-1") }).unwrap();
    w.send(acks_1, "t", vec![value("leader only")]).unwrap();
    let hw = |w: &World| w.describe_topic("t").unwrap().partitions[0].high_watermark;
    assert_eq!(hw(&w), 1, "the HW stays under min.insync.replicas");
    let reader = w
        .add_consumer(ConsumerConfig { auto_offset_reset: AutoOffsetReset::Earliest, ..ConsumerConfig::named("r") })
        .unwrap();
    w.assign(reader, vec![TopicPartition::new("t", 0)]).unwrap();
    let values = |records: Vec<franz_core::client::ConsumerRecord>| -> Vec<String> {
        records.iter().filter_map(|r| text(&r.value).map(String::from)).collect()
    };
    assert_eq!(values(w.poll(reader, 2_000).unwrap()), ["a"]);
    for &f in &followers {
        w.set_link(l, f, None).unwrap();
    }
    w.run_for(5_000); // the followers' fetches that were lost time out; the next ones get through
    let isr = w.describe_topic("t").unwrap().partitions[0].isr.clone();
    assert_eq!(isr.len(), 3, "caught up, back in the ISR: {isr:?}");
    assert_eq!(hw(&w), 3);
    assert_eq!(values(w.poll(reader, 2_000).unwrap()), ["news", "leader only"]);
    w.send(p, "t", vec![value("b")]).unwrap();
    assert!(w.check().ok, "{:?}", w.check().violations);
}

/// A topic `t` whose leader `l`, alone in the ISR, acknowledged a record no follower has, then crashed;
/// 10 s later. Unclean election enabled or not on the topic.
fn sole_isr_member_crashed(unclean: bool) -> (World, NodeId, NodeId) {
    let mut w = cluster(9);
    let topic_config = config(&[("unclean.leader.election.enable", if unclean { "true" } else { "false" })]);
    w.create_topic("t", 1, Some(3), topic_config).unwrap();
    let patient_enough =
        ProducerConfig { delivery_timeout_ms: 5_000, request_timeout_ms: 2_000, ..ProducerConfig::named("p") };
    let p = w.add_producer(patient_enough).unwrap();
    w.send(p, "t", vec![value("everyone has it")]).unwrap();
    let l = leader(&w, "t", 0).unwrap();
    for f in w.brokers().to_vec().into_iter().filter(|&b| b != l) {
        cut(&mut w, l, f);
    }
    // Something new on the leader (acks=0 promises nothing), so that the silent followers fall behind.
    let nudge = w.add_producer(ProducerConfig { acks: Acks::None, ..ProducerConfig::named("nudge") }).unwrap();
    w.send(nudge, "t", vec![value("news")]).unwrap();
    w.run_for(46_000); // the ISR shrinks to the leader alone
    w.send(p, "t", vec![value("only the leader has it")]).unwrap();
    w.crash_broker(l).unwrap();
    w.run_for(10_000);
    (w, l, p)
}

/// An out-of-sync replica leads `t`, not `l`, and the record only `l` had is reported lost.
fn assert_unclean_leader_lost_the_record(w: &World, l: NodeId) {
    let d = w.describe_topic("t").unwrap().partitions[0].clone();
    assert!(d.leader.is_some_and(|n| n != l), "an out-of-sync replica leads: {d:?}");
    assert!(!d.isr.contains(&l), "the ISR restarted from the new leader: {:?}", d.isr);
    let report = w.check();
    let lost: Vec<_> = report.violations.iter().filter(|v| v.kind == ViolationKind::LostWrite).collect();
    assert_eq!(lost.len(), 1, "{:?}", report.violations);
    assert_eq!(lost[0].offset, Some(2));
    assert!(kinds(w).iter().any(|k| matches!(k, TraceKind::PartitionChanged { unclean: true, .. })));
}

/// The last ISR member dies: without unclean election the partition waits with no leader; with it, an
/// out-of-sync replica leads and what it lacked is lost, which the checker reports.
#[test]
fn unclean_election_loses_acknowledged_records_and_the_checker_says_so() {
    for unclean in [false, true] {
        let (mut w, l, p) = sole_isr_member_crashed(unclean);
        let d = w.describe_topic("t").unwrap().partitions[0].clone();
        if unclean {
            assert_unclean_leader_lost_the_record(&w, l);
        } else {
            assert_eq!(d.leader, None, "no ISR member alive: the partition has no leader");
            assert_eq!(d.isr, [l], "the ISR is never emptied");
            let err = w.send(p, "t", vec![value("nowhere to go")]).unwrap_err();
            assert!(err.retriable(), "{err}");
            assert!(w.check().ok, "{:?}", w.check().violations);
        }
    }
}

/// Found by an adversary: enabling unclean election on a topic whose partition has no leader left it
/// leaderless for good. Kafka's controller looks for such partitions every `unclean.leader.election.interval.ms`
/// (5 minutes by default).
#[test]
fn unclean_election_enabled_later_elects_a_leader_within_its_interval() {
    let (mut w, l, p) = sole_isr_member_crashed(false);
    let enable = [("unclean.leader.election.enable".to_string(), Some("true".to_string()))].into();
    w.alter_topic_config("t", enable).unwrap();
    w.run_for(200_000);
    assert_eq!(leader(&w, "t", 0), None, "not before the controller's next look");
    w.run_for(100_000);
    assert_unclean_leader_lost_the_record(&w, l);
    // And the partition serves again.
    w.send(p, "t", vec![value("after")]).unwrap();
}

/// Adversary 18: a replica down at offset 5 is elected uncleanly while the old replicas' logs, moved on by
/// `retention.bytes`, start above 5. Each old replica truncated only to its own log start, kept a log end
/// above its new leader's, and never fetched again: out of the ISR for good. Kafka's `truncateTo` below the
/// first segment restarts the log empty at the divergence point; the replicas catch up and rejoin.
#[test]
fn replicas_whose_log_starts_above_an_unclean_leaders_end_restart_their_logs_and_rejoin() {
    for seed in 1..=4 {
        let broker_config = config(&[("log.retention.check.interval.ms", "1000")]);
        let mut w = World::new(ClusterConfig { seed, broker_config, ..Default::default() }).unwrap();
        let topic_config =
            config(&[("segment.bytes", "200"), ("retention.bytes", "400"), ("unclean.leader.election.enable", "true")]);
        w.create_topic("t", 1, Some(3), topic_config).unwrap();
        let p = w.add_producer(ProducerConfig { linger_ms: 0, ..ProducerConfig::named("p") }).unwrap();
        for i in 0..5 {
            w.send(p, "t", vec![value(&format!("a{i}"))]).unwrap();
        }
        let l = leader(&w, "t", 0).unwrap();
        let others: Vec<NodeId> = w.brokers().iter().copied().filter(|&b| b != l).collect();
        let (f, r) = (others[0], others[1]);
        w.crash_broker(r).unwrap();
        w.run_for(12_000);
        for i in 5..60 {
            w.send(p, "t", vec![value(&format!("a{i}"))]).unwrap();
        }
        w.run_for(5_000);
        let start = w.describe_topic("t").unwrap().partitions[0].log_start_offset;
        assert!(start > 5, "seed {seed}: retention moved the log start past the lagging replica's end: {start}");
        w.crash_broker(l).unwrap();
        w.crash_broker(f).unwrap();
        w.run_for(12_000);
        w.restart_broker(r).unwrap();
        w.run_for(20_000);
        assert_eq!(leader(&w, "t", 0), Some(r), "seed {seed}: elected uncleanly");
        let p2 = w.add_producer(ProducerConfig { linger_ms: 0, ..ProducerConfig::named("p2") }).unwrap();
        w.send(p2, "t", vec![value("b")]).unwrap();
        w.restart_broker(l).unwrap();
        w.restart_broker(f).unwrap();
        w.run_for(30_000);
        let d = w.describe_topic("t").unwrap().partitions[0].clone();
        assert_eq!(d.isr.len(), 3, "seed {seed}: the old replicas caught up and rejoined: {d:?}");
        let truncated_to: Vec<u64> = kinds(&w)
            .into_iter()
            .filter_map(|k| match k {
                TraceKind::LogTruncated { to_offset, .. } => Some(to_offset),
                _ => None,
            })
            .collect();
        assert!(truncated_to.iter().all(|&o| o <= 6), "seed {seed}: to the divergence point: {truncated_to:?}");
    }
}

/// A reassignment copies the log to the new replicas, waits for them in the ISR, then drops the old ones;
/// a leader that is not in the target hands over.
#[test]
fn a_partition_reassignment_moves_replicas_and_keeps_every_record() {
    let mut w = cluster(10);
    w.add_broker().unwrap();
    w.run_for(200);
    w.create_topic("t", 1, Some(2), ConfigMap::new()).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    for i in 0..20 {
        w.send(p, "t", vec![value(&format!("v{i}"))]).unwrap();
    }
    let before = w.describe_topic("t").unwrap().partitions[0].clone();
    let target: Vec<NodeId> = [1, 2, 3, 4].into_iter().filter(|b| !before.replicas.contains(b)).collect();
    assert_eq!(target.len(), 2);
    w.reassign_partitions("t", [(0, target.clone())].into()).unwrap();
    w.run_for(3_000);
    let after = w.describe_topic("t").unwrap().partitions[0].clone();
    assert_eq!(after.replicas, target, "{after:?}");
    assert!(target.contains(&after.leader.unwrap()), "the leader moved into the target");
    assert_eq!(after.isr.len(), 2);
    for &b in &target {
        assert_eq!(w.read_log(b, "t", 0, 0, 100).unwrap().len(), 20, "broker {b} copied the whole log");
    }
    for &b in &before.replicas {
        assert!(w.read_log(b, "t", 0, 0, 100).is_err(), "broker {b} dropped its replica");
    }
    w.send(p, "t", vec![value("after the move")]).unwrap();
    assert!(w.check().ok, "{:?}", w.check().violations);
    let err = w.reassign_partitions("t", [(0, vec![9])].into()).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidReplicaAssignment);
    let err = w.reassign_partitions("t", [(5, vec![1])].into()).unwrap_err();
    assert_eq!(err.code, ErrorCode::UnknownTopicOrPartition);
}

#[test]
fn one_partitions_fetch_error_delays_only_that_partition_not_its_leaders_others() {
    // Moving one partition fences its followers' fetches of it (FENCED_LEADER_EPOCH) for a moment. As in
    // Kafka (`delayPartitions`), only that partition waits replica.fetch.backoff.ms: the follower's fetch
    // session goes on with the leader's other partitions, whose acks=all sends take milliseconds, not a second.
    for seed in [1, 4, 5] {
        let (mut w, target, others) = franz_tests::moving_one_partition(seed, &[]);
        assert!(!others.is_empty(), "seed {seed}: the leader of a-0 leads others");
        let p = w.add_producer(ProducerConfig { linger_ms: 0, ..ProducerConfig::named("p") }).unwrap();
        w.send(p, "a", vec![ProducerRecord { partition: Some(0), ..value("x") }]).unwrap();
        w.reassign_partitions("a", [(0, target)].into()).unwrap();
        let (start_ms, mut worst_ms) = (w.now_ms(), 0);
        while w.now_ms() < start_ms + 3_000 {
            for &partition in &others {
                let sent_ms = w.now_ms();
                w.send(p, "a", vec![ProducerRecord { partition: Some(partition), ..value("v") }]).unwrap();
                worst_ms = worst_ms.max(w.now_ms() - sent_ms);
            }
        }
        assert!(worst_ms < 200, "seed {seed}: an acks=all send to a sibling partition took {worst_ms} ms");
        assert!(w.check().ok, "{:?}", w.check().violations);
    }
}

#[test]
fn electing_preferred_leaders_on_demand() {
    let mut w = cluster(11);
    w.create_topic("t", 3, None, ConfigMap::new()).unwrap();
    let victim = w.describe_topic("t").unwrap().partitions[0].replicas[0];
    w.crash_broker(victim).unwrap();
    w.run_for(10_000);
    w.restart_broker(victim).unwrap();
    w.run_for(2_000);
    assert_ne!(leader(&w, "t", 0), Some(victim), "not yet: the imbalance check runs every 300 s by default");
    w.elect_preferred_leaders(Some("t")).unwrap();
    w.run_for(100);
    let d = w.describe_topic("t").unwrap();
    assert!(d.partitions.iter().all(|p| p.leader == Some(p.replicas[0])), "{:?}", d.partitions);
    assert_eq!(w.elect_preferred_leaders(Some("nope")).unwrap_err().code, ErrorCode::UnknownTopicOrPartition);
}

/// The record accumulator: with `linger.ms`, sends made close together travel in one batch (one append);
/// `batch.size` caps a batch; `max.in.flight.requests.per.connection` holds batches back until answers come.
#[test]
fn linger_ms_and_batch_size_shape_the_batches() {
    let appends =
        |w: &World| w.trace().since(0).iter().filter(|e| matches!(e.kind, TraceKind::RecordsAppended { .. })).count();
    let mut w = cluster(12);
    w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
    let lingering = w.add_producer(ProducerConfig { linger_ms: 50, ..ProducerConfig::named("lingering") }).unwrap();
    w.send(lingering, "t", vec![value("warm-up")]).unwrap(); // producer id and metadata known
    let before = appends(&w);
    let ids: Vec<u64> = (0..10).map(|i| w.send_async(lingering, "t", vec![value(&format!("v{i}"))]).unwrap()).collect();
    w.run_for(40);
    assert!(w.producer_results(lingering).unwrap().is_empty(), "still lingering");
    w.run_for(100);
    let results = w.producer_results(lingering).unwrap();
    assert_eq!(results.len(), 10);
    let offsets: Vec<_> = ids
        .iter()
        .map(|id| results.iter().find(|r| r.request_id == *id).unwrap().result.as_ref().unwrap()[0].offset.unwrap())
        .collect();
    assert_eq!(offsets, (1..=10).collect::<Vec<_>>(), "in send order");
    assert_eq!(appends(&w) - before, 1, "ten sends, one batch, one append on the leader");

    // batch.size of about two records: ten sends make five batches.
    let small = ProducerConfig { linger_ms: 50, batch_size_bytes: 60, ..ProducerConfig::named("small") };
    let small = w.add_producer(small).unwrap();
    w.send(small, "t", vec![value("warm-up")]).unwrap();
    let before = appends(&w);
    for i in 0..10 {
        w.send_async(small, "t", vec![value(&format!("s{i}"))]).unwrap();
    }
    w.run_for(200);
    assert_eq!(w.producer_results(small).unwrap().iter().filter(|r| r.result.is_ok()).count(), 10);
    assert_eq!(appends(&w) - before, 5);

    // One request in flight at a time: sends made meanwhile wait, then go together.
    let one = ProducerConfig { max_in_flight_requests_per_connection: 1, linger_ms: 0, ..ProducerConfig::named("one") };
    let one = w.add_producer(one).unwrap();
    w.send(one, "t", vec![value("warm-up")]).unwrap();
    let before = appends(&w);
    for i in 0..6 {
        w.send_async(one, "t", vec![value(&format!("o{i}"))]).unwrap();
    }
    w.run_for(200);
    assert_eq!(w.producer_results(one).unwrap().iter().filter(|r| r.result.is_ok()).count(), 6);
    assert_eq!(appends(&w) - before, 2, "the first alone, the other five batched behind it");
    assert!(w.check().ok, "{:?}", w.check().violations);

    let err = w
        .add_producer(ProducerConfig { max_in_flight_requests_per_connection: 6, ..ProducerConfig::named("x") })
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidConfig, "idempotence allows at most 5 in flight");
}

/// KIP-996: a controller cut off from the quorum asks for pre-votes, which change no term, so when it comes
/// back it does not depose the active controller with a higher term.
#[test]
fn a_controller_back_from_a_partition_does_not_disturb_the_quorum() {
    for seed in 1..=5 {
        let mut w = cluster(seed);
        let d = w.describe_cluster();
        let (leader, term) = (d.controller.leader_id.unwrap(), d.controller.term);
        let loner = *w.controllers().iter().find(|&&c| c != leader).unwrap();
        w.partition_network(vec![vec![loner]]).unwrap();
        w.run_for(20_000);
        let cut_off = w.describe_cluster().controller.voters.into_iter().find(|v| v.id == loner).unwrap();
        assert_eq!(cut_off.term, term, "seed {seed}: pre-votes moved no term: {cut_off:?}");
        assert_eq!(cut_off.role, VoterRole::Prospective, "seed {seed}");
        w.heal_network().unwrap();
        w.run_for(5_000);
        let after = w.describe_cluster();
        assert_eq!((after.controller.leader_id, after.controller.term), (Some(leader), term), "seed {seed}");
        w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
    }
}

/// Issue 13's scale: 64 brokers and a topic of 10,000 partitions (RF 1 here, to keep the debug build quick;
/// `sim_speed idle 64 10000 10` times the RF 3 cluster), and no further.
#[test]
fn a_cluster_of_64_brokers_serves_a_topic_of_10000_partitions() {
    let mut w = World::new(ClusterConfig { brokers: 64, seed: 9, ..Default::default() }).unwrap();
    assert_eq!(w.describe_cluster().brokers.iter().filter(|b| b.state == BrokerStatus::Running).count(), 64);
    assert_eq!(w.add_broker().unwrap_err().code, ErrorCode::PolicyViolation, "64 is the most");
    assert_eq!(
        w.create_topic("too-wide", 10_001, Some(1), ConfigMap::new()).unwrap_err().code,
        ErrorCode::InvalidPartitions
    );
    w.create_topic("wide", 10_000, Some(1), ConfigMap::new()).unwrap();
    let described = w.describe_topic("wide").unwrap();
    assert_eq!(described.partitions.len(), 10_000);
    let leaders: std::collections::BTreeSet<NodeId> = described.partitions.iter().filter_map(|p| p.leader).collect();
    assert_eq!(leaders.len(), 64, "every broker leads some of them");
    let producer = w.add_producer(ProducerConfig::named("p")).unwrap();
    let record = franz_core::types::ProducerRecord { partition: Some(9_999), ..value("last") };
    let sent = w.send(producer, "wide", vec![record]).unwrap();
    assert_eq!((sent[0].partition, sent[0].offset), (9_999, Some(0)));
}

/// Found by an adversary: a consumer never refreshed its metadata by age, so one fetching from a zombie
/// leader (cut off from the controllers and the other brokers, still reachable by clients, answering every
/// fetch with nothing) never learned the new leader. Kafka's `metadata.max.age.ms` bounds that.
#[test]
fn a_consumer_of_a_zombie_leader_finds_the_new_one_within_metadata_max_age_ms() {
    use franz_core::client::{AutoOffsetReset, ConsumerConfig};
    use franz_core::types::{ProducerRecord, TopicPartition};
    let mut w = cluster(3);
    w.create_topic("t", 3, None, ConfigMap::new()).unwrap();
    let described = w.describe_topic("t").unwrap();
    let p = described.partitions.iter().find(|p| p.leader != Some(1)).unwrap();
    let (partition, zombie) = (p.partition, p.leader.unwrap());
    let producer = w.add_producer(ProducerConfig::named("p")).unwrap();
    let config = ConsumerConfig {
        auto_offset_reset: AutoOffsetReset::Earliest,
        metadata_max_age_ms: 10_000,
        ..ConsumerConfig::named("c")
    };
    let consumer = w.add_consumer(config).unwrap();
    w.assign(consumer, vec![TopicPartition::new("t", partition)]).unwrap();
    assert!(w.poll(consumer, 1_000).unwrap().is_empty());
    for n in [1, 2, 3, 1001, 1002, 1003].into_iter().filter(|&n| n != zombie) {
        cut(&mut w, zombie, n);
    }
    w.run_for(15_000);
    assert_ne!(leader(&w, "t", partition as usize), Some(zombie), "the controller moved the leadership away");
    w.send(producer, "t", vec![ProducerRecord { partition: Some(partition), ..value("after") }]).unwrap();
    let start = w.now_ms();
    let mut polled = Vec::new();
    while polled.is_empty() && w.now_ms() - start < 60_000 {
        polled = w.poll(consumer, 1_000).unwrap();
    }
    assert_eq!(polled.len(), 1, "the record reached the consumer");
    assert!(w.now_ms() - start <= 10_000 + 1_000, "within metadata.max.age.ms: {} ms", w.now_ms() - start);
}

/// A fetch session a follower no longer needs goes once its fetch's deadline passes, answered or not. Found by
/// an adversary: after 30% loss, a session whose answer was lost kept its timeout timer in the past, which
/// fired every millisecond (~1,000 events a second per broker) for minutes after the network healed.
#[test]
fn a_lossy_network_healed_leaves_the_cluster_as_quiet_as_before() {
    for seed in 1..=6 {
        let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
        w.create_topic("t", 6, None, ConfigMap::new()).unwrap();
        let events_in_10_s = |w: &mut World| {
            let before = w.events_dispatched();
            w.run_for(10_000);
            w.events_dispatched() - before
        };
        let quiet = events_in_10_s(&mut w);
        let network = w.network().config();
        w.set_network(NetworkConfig { drop_rate: 0.3, ..network }).unwrap();
        w.run_for(60_000);
        w.set_network(network).unwrap();
        w.run_for(30_000);
        let after = events_in_10_s(&mut w);
        assert!(after <= 2 * quiet, "seed {seed}: {after} events in 10 s after the heal, {quiet} before");
    }
}

/// Found by an adversary: an active controller paused past `broker.session.timeout.ms` while an admin
/// request waited at it fenced every broker the moment it resumed, before reading the heartbeats that had
/// waited too; every ISR fell to one replica, and one power loss then lost acknowledged writes. As Kafka's
/// `maybeFenceOneStaleBroker`, it fences one broker at a time, each check a new event: at most one here.
#[test]
fn an_active_controller_back_from_a_pause_fences_one_broker_at_most() {
    for seed in 1..=4 {
        let mut w = World::new(ClusterConfig { seed, brokers: 3, ..Default::default() }).unwrap();
        w.create_topic("t", 3, Some(3), config(&[("min.insync.replicas", "2")])).unwrap();
        let p = w.add_producer(ProducerConfig::named("p")).unwrap();
        w.send(p, "t", vec![value("before")]).unwrap();
        let active = w.describe_cluster().controller.leader_id.expect("an active controller");
        let follower = *w.controllers().iter().find(|&&c| c != active).expect("another controller");
        w.crash_controller(follower).unwrap(); // two of three: a quorum still
        w.run_for(3_000);
        w.crash_broker(2).unwrap();
        w.run_for(800);
        w.restart_broker(2).unwrap();
        w.run_for(2_700);
        let paused_at = w.now_ms();
        w.pause_node(active, 10_000).unwrap();
        w.run_for(300);
        w.elect_preferred_leaders(Some("t")).unwrap(); // waits for the paused controller's answer
        w.run_for(5_000);
        let fenced = w
            .trace()
            .since(0)
            .into_iter()
            .filter(|e| e.time_ms >= paused_at && matches!(e.kind, TraceKind::BrokerFenced { .. }))
            .count();
        assert!(fenced <= 1, "seed {seed}: {fenced} brokers fenced by a controller back from a pause");
        let d = w.describe_topic("t").unwrap();
        assert!(d.partitions.iter().all(|p| p.isr.len() >= 2), "seed {seed}: {:?}", d.partitions);
        assert!(w.check().ok, "seed {seed}: {:?}", w.check().violations);
    }
}

/// An adversary's finding: the active controller cut off just after it committed the ISR change that let
/// a reassignment complete, and before its completion committed. The next controller never completed it:
/// the partition kept its old and new replicas for good, and `createPartitions` failed with
/// REASSIGNMENT_IN_PROGRESS an hour later. (Kafka writes both in one record.) Every cut moment over the
/// first 30 events after the reassignment was asked, on 3 seeds: it completes within a minute of the heal.
#[test]
fn a_reassignment_completes_whenever_the_active_controller_is_cut_off() {
    for seed in 1..=3 {
        for events in 0..30 {
            let mut w = World::new(ClusterConfig { seed, brokers: 4, ..Default::default() }).unwrap();
            w.create_topic("t", 1, Some(3), config(&[("min.insync.replicas", "2")])).unwrap();
            let p = w.add_producer(ProducerConfig::named("p")).unwrap();
            for i in 0..10 {
                w.send(p, "t", vec![value(&format!("v{i}"))]).unwrap();
            }
            let old = w.describe_topic("t").unwrap().partitions[0].replicas.clone();
            let newcomer = (1..=4).find(|b| !old.contains(b)).unwrap();
            let target = vec![old[0], old[1], newcomer];
            w.reassign_partitions("t", [(0, target.clone())].into()).unwrap();
            for _ in 0..events {
                w.step();
            }
            let active = w.describe_cluster().controller.leader_id.unwrap();
            w.partition_network(vec![vec![active]]).unwrap();
            w.run_for(10_000);
            w.heal_network().unwrap();
            w.run_for(60_000);
            let p = &w.describe_topic("t").unwrap().partitions[0];
            assert_eq!(p.replicas, target, "seed {seed}, cut after {events} events: {p:?}");
            w.create_partitions("t", 2).unwrap_or_else(|e| panic!("seed {seed}, {events} events: {e}"));
        }
    }
}

/// Adversary 20: with the partition's only in-sync replica stopped, an out-of-sync replica coming up (its log
/// empty) was the one `describeTopic` read: the HW fell 9 → 0 within one leader epoch. In-sync replicas are
/// read first, down or not.
#[test]
fn the_high_watermark_view_reads_an_in_sync_replica_down_before_an_out_of_sync_one_up() {
    for seed in 1..=5 {
        let mut w = cluster(seed);
        w.create_topic("t", 1, Some(3), config(&[("min.insync.replicas", "2")])).unwrap();
        let d = w.describe_topic("t").unwrap().partitions[0].clone();
        let lead = d.leader.unwrap();
        let followers: Vec<NodeId> = d.replicas.iter().copied().filter(|&r| r != lead).collect();
        let (f1, f2) = (followers[0], followers[1]);
        w.crash_broker(f2).unwrap(); // misses every write
        w.run_for(12_000);
        let p = w.add_producer(ProducerConfig { linger_ms: 0, ..ProducerConfig::named("p") }).unwrap();
        for i in 0..9 {
            w.send(p, "t", vec![value(&format!("v{i}"))]).unwrap();
        }
        w.stop_broker(f1).unwrap();
        w.run_for(5_000);
        w.stop_broker(lead).unwrap();
        w.run_for(5_000);
        let before = w.describe_topic("t").unwrap().partitions[0].clone();
        assert_eq!((before.leader, before.isr.clone(), before.high_watermark), (None, vec![lead], 9), "seed {seed}");
        w.restart_broker(f2).unwrap();
        w.run_for(5_000);
        let during = w.describe_topic("t").unwrap().partitions[0].clone();
        assert_eq!(during.leader_epoch, before.leader_epoch, "seed {seed}: {during:?}");
        assert_eq!(during.high_watermark, 9, "seed {seed}: {before:?} -> {during:?}");
    }
}

/// Adversary 26: a leader crashed at the instant its HW passed an acknowledged record, before its followers
/// heard of it. Still named leader (not fenced yet), it showed its followers' HW, one lower, within its epoch.
/// The HW it had given out counts until the next leader gives it out.
#[test]
fn the_high_watermark_view_does_not_fall_when_the_leader_crashes_as_it_acknowledges() {
    for seed in 1..=8 {
        let mut w = cluster(seed);
        let config: ConfigMap = [("min.insync.replicas".to_string(), "2".to_string())].into();
        w.create_topic("t", 1, Some(3), config).unwrap();
        let p = w.add_producer(ProducerConfig { linger_ms: 0, ..ProducerConfig::named("p") }).unwrap();
        w.send(p, "t", vec![value("x")]).unwrap();
        let acked = w.send(p, "t", vec![value("y")]).unwrap()[0].offset.unwrap();
        let before = w.describe_topic("t").unwrap().partitions[0].clone();
        assert_eq!(before.high_watermark, acked + 1, "seed {seed}");
        w.crash_broker(before.leader.unwrap()).unwrap();
        let after = w.describe_topic("t").unwrap().partitions[0].clone();
        assert_eq!(after.leader_epoch, before.leader_epoch, "seed {seed}: not fenced yet");
        assert_eq!(after.high_watermark, before.high_watermark, "seed {seed}: {before:?} -> {after:?}");
        w.run_for(15_000);
        let failed_over = w.describe_topic("t").unwrap().partitions[0].clone();
        assert!(failed_over.leader_epoch > before.leader_epoch, "seed {seed}");
        assert_eq!(failed_over.high_watermark, acked + 1, "seed {seed}: the next leader gives it out");
        assert_serving(&mut w, &format!("seed {seed}, after the failover"));
    }
}

/// Adversary 28: a leader lost power and restarted before the controller moved its leaderships. Still named
/// leader, it showed its erased log's HW, 0, while both followers held all 20 records. Until it has caught up
/// with the metadata log it serves no client (Kafka's broker enables its listeners only then): its replica is
/// offline, and the HW it had given out counts.
#[test]
fn the_high_watermark_view_does_not_fall_when_the_leader_loses_power_and_restarts() {
    for seed in 1..=8 {
        let config: ConfigMap = [("min.insync.replicas".to_string(), "2".to_string())].into();
        let (mut w, leader, before) = t0_written(seed, config, 20);
        w.power_loss(leader).unwrap();
        w.run_for(500);
        w.restart_broker(leader).unwrap();
        let last = the_hw_of_t0_never_falls_within_an_epoch(&mut w, seed, before, 60, 50);
        assert_eq!(last.high_watermark, 20, "seed {seed}");
        assert_serving(&mut w, &format!("seed {seed}, after the power loss and restart"));
    }
}

/// A cluster (seeded) with topic `t` of one partition, RF 3, `records` acknowledged: the world, t-0's leader
/// and its description then.
fn t0_written(seed: u64, config: ConfigMap, records: usize) -> (World, NodeId, PartitionDescription) {
    let mut w = cluster(seed);
    w.create_topic("t", 1, Some(3), config).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    for i in 0..records {
        w.send(p, "t", vec![value(&format!("v{i}"))]).unwrap();
    }
    let leader = leader(&w, "t", 0).unwrap();
    let before = w.describe_topic("t").unwrap().partitions[0].clone();
    (w, leader, before)
}

/// Samples t-0's description `samples` times, `every_ms` apart, from `before`: within one leader epoch its HW
/// never falls. The last description.
fn the_hw_of_t0_never_falls_within_an_epoch(
    w: &mut World,
    seed: u64,
    mut before: PartitionDescription,
    samples: usize,
    every_ms: u64,
) -> PartitionDescription {
    for _ in 0..samples {
        w.run_for(every_ms);
        let now = w.describe_topic("t").unwrap().partitions[0].clone();
        if now.leader_epoch == before.leader_epoch {
            assert!(
                now.high_watermark >= before.high_watermark,
                "seed {seed} at {}: {before:?} -> {now:?}",
                w.now_ms()
            );
        }
        before = now;
    }
    before
}

/// An adversary's finding: a leader crashed and restarted before the controller fenced it read its HW
/// checkpoint, and `describeTopic` showed the HW fall 5 → 0 within one leader epoch while both in-sync
/// followers held 5. An admin client never sees that; the view counts the in-sync replicas up.
#[test]
fn the_high_watermark_view_does_not_fall_within_a_leader_epoch_across_a_quick_restart() {
    for seed in 1..=8 {
        let (mut w, leader, before) = t0_written(seed, ConfigMap::new(), 5);
        w.crash_broker(leader).unwrap();
        w.run_for(1_000);
        w.restart_broker(leader).unwrap();
        the_hw_of_t0_never_falls_within_an_epoch(&mut w, seed, before, 100, 20);
        assert_serving(&mut w, &format!("seed {seed}, after the quick restart"));
    }
}

/// Adversary 32: a partition's last in-sync replica (its leader, alone in the ISR under min.insync.replicas=2)
/// held two records acks=1 wrote, never committed, when it crashed. Offline, the view showed its log end as
/// the HW (3 → 5), and back as leader it led from HW 3 (5 → 3). The HW last given out counts: 3 throughout,
/// as a consumer reads.
#[test]
fn an_offline_partitions_high_watermark_is_the_one_last_given_out_not_its_log_end() {
    for seed in 1..=6 {
        let config: ConfigMap = [("min.insync.replicas".to_string(), "2".to_string())].into();
        let (mut w, leader, before) = t0_written(seed, config, 3);
        assert_eq!(before.high_watermark, 3, "seed {seed}");
        for f in w.brokers().to_vec().into_iter().filter(|&b| b != leader) {
            w.crash_broker(f).unwrap();
        }
        let p = w.add_producer(ProducerConfig { acks: Acks::Leader, ..ProducerConfig::named("p1") }).unwrap();
        w.send(p, "t", vec![value("x"), value("y")]).unwrap();
        w.run_for(12_000); // the followers fenced: the ISR is the leader alone
        w.crash_broker(leader).unwrap();
        w.run_for(12_000); // the leader fenced too: offline
        let offline = w.describe_topic("t").unwrap().partitions.remove(0);
        assert_eq!(offline.leader, None, "seed {seed}: {offline:?}");
        assert_eq!(offline.high_watermark, 3, "seed {seed}: not the log end: {offline:?}");
        assert_eq!(offline.log_end_offsets.get(&leader.to_string()), Some(&5), "seed {seed}");
        w.restart_broker(leader).unwrap();
        w.run_for(5_000);
        let back = w.describe_topic("t").unwrap().partitions.remove(0);
        assert_eq!((back.leader, back.high_watermark), (Some(leader), 3), "seed {seed}: {back:?}");
        for f in w.brokers().to_vec().into_iter().filter(|&b| b != leader) {
            w.restart_broker(f).unwrap();
        }
        w.run_for(10_000);
        assert_serving(&mut w, &format!("seed {seed}, after the followers came back"));
    }
}

/// Adversary 32: a broker cut off from everyone is fenced, still running; Kafka's metadata cache counts its
/// replicas offline (`isReplicaOffline`: a fenced broker), and so does the view, until it is back.
#[test]
fn a_fenced_brokers_replicas_are_offline() {
    for seed in 1..=4 {
        let mut w = cluster(seed);
        w.create_topic("t", 3, Some(3), ConfigMap::new()).unwrap();
        w.partition_network(vec![vec![3]]).unwrap();
        w.run_for(15_000);
        let d = w.describe_cluster();
        assert!(d.brokers.iter().any(|b| b.id == 3 && b.state == BrokerStatus::Fenced), "seed {seed}: {d:?}");
        for p in w.describe_topic("t").unwrap().partitions {
            assert_eq!(p.offline_replicas, [3], "seed {seed}: {p:?}");
            assert_ne!(p.leader, Some(3), "seed {seed}: {p:?}");
        }
        w.heal_network().unwrap();
        w.run_for(10_000);
        for p in w.describe_topic("t").unwrap().partitions {
            assert!(p.offline_replicas.is_empty(), "seed {seed}: {p:?}");
        }
        assert_serving(&mut w, &format!("seed {seed}, after the heal"));
    }
}

/// Adversary 35: every replica crashed, the leader first; once fenced, the last in-sync replica named was a
/// follower, whose HW had gone with its memory, and the view fell 5 -> 0 -> 5 (the group's lag -5). A
/// follower's HW at its crash counts as much as a leader's.
#[test]
fn an_offline_partitions_high_watermark_does_not_fall_when_its_last_in_sync_replica_was_a_follower() {
    for seed in 1..=8 {
        let (mut w, leader, before) = t0_written(seed, ConfigMap::new(), 5);
        assert_eq!(before.high_watermark, 5, "seed {seed}");
        w.run_for(2_000);
        w.crash_broker(leader).unwrap();
        for f in w.brokers().to_vec().into_iter().filter(|&b| b != leader) {
            w.run_for(500);
            w.crash_broker(f).unwrap();
        }
        w.run_for(15_000);
        let offline = w.describe_topic("t").unwrap().partitions.remove(0);
        assert_eq!(offline.leader, None, "seed {seed}: {offline:?}");
        assert_eq!(offline.high_watermark, 5, "seed {seed}: {offline:?}");
        let last = offline.isr[0];
        w.restart_broker(last).unwrap();
        w.run_for(15_000);
        let back = w.describe_topic("t").unwrap().partitions.remove(0);
        assert_eq!((back.leader, back.high_watermark), (Some(last), 5), "seed {seed}: {back:?}");
        for b in w.brokers().to_vec().into_iter().filter(|&b| b != last) {
            w.restart_broker(b).unwrap();
        }
        w.run_for(15_000);
        assert_serving(&mut w, &format!("seed {seed}, with every broker back"));
    }
}

/// Kafka's cleaner stops at the first uncleanable offset, the HW among them (`LogCleanerManager.
/// cleanableOffsets`): a newer value of a key that only the leader holds may still be truncated, so the
/// committed value it would replace stays. Once the followers have it, the old value goes.
#[test]
fn the_cleaner_keeps_a_committed_value_whose_newer_value_is_above_the_high_watermark() {
    for seed in [3, 4, 5] {
        let broker_config: ConfigMap = [("log.cleaner.backoff.ms".to_string(), "1000".to_string())].into();
        let mut w = World::new(ClusterConfig { seed, broker_config, ..Default::default() }).unwrap();
        let compacted = config(&[
            ("cleanup.policy", "compact"),
            ("segment.bytes", "100"),
            ("min.cleanable.dirty.ratio", "0.01"),
            ("min.insync.replicas", "2"),
        ]);
        w.create_topic("c", 1, Some(3), compacted).unwrap();
        let p = w.add_producer(ProducerConfig::named("p")).unwrap();
        w.send(p, "c", vec![kv("k", "old")]).unwrap();
        let l = leader(&w, "c", 0).unwrap();
        let followers: Vec<NodeId> = w.brokers().iter().copied().filter(|&b| b != l).collect();
        for &f in &followers {
            cut(&mut w, l, f);
        }
        let acks_1 = w.add_producer(ProducerConfig { acks: Acks::Leader, ..ProducerConfig::named("acks-1") }).unwrap();
        w.send(acks_1, "c", vec![kv("k", "new")]).unwrap();
        for i in 0..4 {
            w.send(acks_1, "c", vec![kv(&format!("filler{i}"), "x")]).unwrap(); // rolls the segments
        }
        w.run_for(5_000); // cleaner runs
        let values_of_k = |w: &World, b: NodeId| -> Vec<String> {
            let log = w.read_log(b, "c", 0, 0, 100).unwrap();
            log.iter().filter(|r| text(&r.key) == Some("k")).filter_map(|r| text(&r.value).map(String::from)).collect()
        };
        let d = w.describe_topic("c").unwrap().partitions[0].clone();
        assert_eq!(d.high_watermark, 1, "seed {seed}: {d:?}");
        assert_eq!(values_of_k(&w, l), ["old", "new"], "seed {seed}: nothing cleaned above the HW");
        for &f in &followers {
            w.set_link(l, f, None).unwrap();
        }
        w.run_for(10_000);
        assert_eq!(w.describe_topic("c").unwrap().partitions[0].high_watermark, 6, "seed {seed}");
        assert_eq!(values_of_k(&w, l), ["new"], "seed {seed}: cleaned once committed");
        assert!(w.check().ok, "seed {seed}: {:?}", w.check().violations);
    }
}
