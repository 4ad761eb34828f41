//! Committed offsets: a consumer with a group id stores its positions with the group's coordinator (the
//! leader of its `__consumer_offsets` partition) and a consumer of the same group resumes from them; the
//! offsets are replicated, so they survive the coordinator's crash.

use franz_core::client::{AutoOffsetReset, ConsumerConfig, ProducerConfig};
use franz_core::config::ConfigMap;
use franz_core::group::{coordinator_partition, OFFSETS_TOPIC};
use franz_core::types::{NodeId, ProducerRecord, TopicPartition};
use franz_core::view::ConsumerGroupState;
use franz_core::{ClusterConfig, ErrorCode, World};
use franz_tests::{kv, text, value};

fn world_with_records(seed: u64, count: usize) -> World {
    let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
    w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    w.send(p, "t", (0..count).map(|i| value(&format!("v{i}"))).collect()).unwrap();
    w
}

fn group_consumer(w: &mut World, group: &str, name: &str) -> NodeId {
    let config = ConsumerConfig {
        group_id: Some(group.into()),
        auto_offset_reset: AutoOffsetReset::Earliest,
        max_poll_records: 5,
        ..ConsumerConfig::named(name)
    };
    let c = w.add_consumer(config).unwrap();
    w.assign(c, vec![TopicPartition::new("t", 0)]).unwrap();
    c
}

fn values(records: &[franz_core::client::ConsumerRecord]) -> Vec<String> {
    records.iter().map(|r| text(&r.value).unwrap().to_string()).collect()
}

#[test]
fn a_consumer_of_the_same_group_resumes_from_the_committed_offset() {
    let mut w = world_with_records(1, 12);
    let first = group_consumer(&mut w, "g", "first");
    assert_eq!(values(&w.poll(first, 1_000).unwrap()), ["v0", "v1", "v2", "v3", "v4"]);
    w.commit_sync(first, None).unwrap();
    assert!(w.list_topics().contains(&OFFSETS_TOPIC.to_string()), "created on first use");
    let offsets = w.group_offsets("g");
    assert_eq!(offsets.len(), 1);
    assert_eq!((offsets[0].committed, offsets[0].high_watermark, offsets[0].lag), (5, 12, 7));
    w.crash_client(first).unwrap();

    let second = group_consumer(&mut w, "g", "second");
    assert_eq!(w.position(second, &TopicPartition::new("t", 0)).unwrap(), 5, "not auto.offset.reset: the commit");
    assert_eq!(values(&w.poll(second, 1_000).unwrap()), ["v5", "v6", "v7", "v8", "v9"], "nothing skipped");
    assert!(w.check().ok, "{:?}", w.check().violations);
}

#[test]
fn two_groups_read_the_same_records_independently() {
    let mut w = world_with_records(2, 6);
    let a = group_consumer(&mut w, "a", "a1");
    let b = group_consumer(&mut w, "b", "b1");
    w.poll(a, 1_000).unwrap();
    w.commit_sync(a, None).unwrap();
    w.commit_sync(
        b,
        Some(vec![franz_core::sim::scenario::PartitionOffset { topic: "t".into(), partition: 0, offset: 2 }]),
    )
    .unwrap();
    assert_eq!(w.group_offsets("a")[0].committed, 5);
    assert_eq!(w.group_offsets("b")[0].committed, 2);
    let b2 = group_consumer(&mut w, "b", "b2");
    assert_eq!(values(&w.poll(b2, 1_000).unwrap()), ["v2", "v3", "v4", "v5"]);
}

#[test]
fn committed_offsets_survive_the_coordinator_crash() {
    let mut w = world_with_records(3, 10);
    let c = group_consumer(&mut w, "survivors", "c");
    w.poll(c, 1_000).unwrap();
    w.commit_sync(c, None).unwrap();
    let partition = coordinator_partition("survivors", 50);
    let coordinator = w.describe_topic(OFFSETS_TOPIC).unwrap().partitions[partition as usize].leader.unwrap();
    w.crash_broker(coordinator).unwrap();
    // Before the controller fences it: the offsets shown are the live replicas' (the crashed leader's HW
    // went with its memory), and the group's coordinator is down (Kafka's describe fails: here Dead).
    w.run_for(100);
    assert_eq!(w.describe_topic(OFFSETS_TOPIC).unwrap().partitions[partition as usize].leader, Some(coordinator));
    assert_eq!(w.group_offsets("survivors")[0].committed, 5);
    let described = w.describe_group("survivors");
    assert_eq!((described.state, described.coordinator), (ConsumerGroupState::Dead, Some(coordinator)));
    w.run_for(10_000); // fenced; another replica of the offsets partition leads
    let new_coordinator = w.describe_topic(OFFSETS_TOPIC).unwrap().partitions[partition as usize].leader.unwrap();
    assert_ne!(new_coordinator, coordinator);
    assert_eq!(w.group_offsets("survivors")[0].committed, 5);
    let after = group_consumer(&mut w, "survivors", "after");
    assert_eq!(values(&w.poll(after, 1_000).unwrap()), ["v5", "v6", "v7", "v8", "v9"]);
    w.commit_sync(after, None).unwrap(); // the commit finds the new coordinator
    assert_eq!(w.group_offsets("survivors")[0].committed, 10);
    assert!(w.check().ok, "{:?}", w.check().violations);
}

/// Found by an adversary: the coordinator loses power right after acknowledging a commit; the new one's
/// HW, as it knew it as a follower, lags until the other follower fetches again, and OffsetFetch read only
/// below it: a new member started from the commit before (10, not 40). Kafka's coordinator serves what it
/// loaded on becoming leader, its whole log.
#[test]
fn a_new_coordinator_serves_every_commit_acknowledged_before_the_old_one_lost_power() {
    use franz_core::sim::scenario::PartitionOffset;
    let commit = |offset| Some(vec![PartitionOffset { topic: "t".into(), partition: 0, offset }]);
    for seed in [13, 19, 28] {
        for after_ms in (6_900..7_700).step_by(200) {
            let config = [("min.insync.replicas".to_string(), "2".to_string())].into();
            let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
            w.create_topic("t", 1, Some(3), config).unwrap();
            let p = w.add_producer(ProducerConfig::named("p")).unwrap();
            for i in 0..50 {
                w.send(p, "t", vec![value(&format!("v{i}"))]).unwrap();
            }
            let a = member(&mut w, "g", "a", &["t"], |c| c.enable_auto_commit = false);
            let mut read = 0;
            while read < 50 {
                read += w.poll(a, 200).unwrap().len();
            }
            w.commit_sync(a, commit(10)).unwrap();
            w.run_for(2_000);
            w.commit_sync(a, commit(40)).unwrap();
            let coordinator = w.describe_group("g").coordinator.unwrap();
            w.power_loss(coordinator).unwrap();
            w.run_for(after_ms);
            let config = ConsumerConfig {
                group_id: Some("g".into()),
                auto_offset_reset: AutoOffsetReset::None,
                enable_auto_commit: false,
                ..ConsumerConfig::named("b")
            };
            let b = w.add_consumer(config).unwrap();
            w.assign(b, vec![TopicPartition::new("t", 0)]).unwrap();
            let first = (0..200).find_map(|_| w.poll(b, 200).unwrap().first().map(|r| r.offset));
            assert_eq!(first, Some(40), "seed {seed}, {after_ms} ms after the power loss");
            assert!(w.check().ok, "seed {seed}, {after_ms} ms: {:?}", w.check().violations);
        }
    }
}

#[test]
fn auto_commit_stores_what_earlier_polls_returned() {
    let mut w = world_with_records(4, 20);
    let c = group_consumer(&mut w, "auto", "c");
    w.poll(c, 1_000).unwrap(); // 0..5; the first poll commits what was before it (nothing)
    w.run_for(5_000);
    w.poll(c, 1_000).unwrap(); // commits 5 (what the first poll returned), returns 5..10
    w.run_for(100);
    assert_eq!(w.group_offsets("auto")[0].committed, 5);

    let no_group = w.add_consumer(ConsumerConfig::named("loner")).unwrap();
    assert_eq!(w.commit_sync(no_group, None).unwrap_err().code, ErrorCode::InvalidGroupId);
}

fn member(w: &mut World, group: &str, name: &str, topics: &[&str], tweak: impl FnOnce(&mut ConsumerConfig)) -> NodeId {
    let mut config = ConsumerConfig {
        group_id: Some(group.into()),
        auto_offset_reset: AutoOffsetReset::Earliest,
        ..ConsumerConfig::named(name)
    };
    tweak(&mut config);
    let c = w.add_consumer(config).unwrap();
    w.subscribe(c, topics.iter().map(|t| t.to_string()).collect()).unwrap();
    c
}

/// Adversary 41: two members of an eager `sticky` group leave for exceeding `max.poll.interval.ms` and join
/// again; Kafka's StickyAssignor keeps each one's last assignment (and its generation) in its user data
/// through the loss, so each gets its partitions back. Cooperative-sticky forgets them (its owned partitions
/// are the consumer's, which `onPartitionsLost` empties), and still balances.
#[test]
fn an_eager_sticky_member_claims_its_partitions_again_after_a_loss() {
    for assignor in ["sticky", "cooperative-sticky"] {
        for seed in 1..=4 {
            let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
            w.create_topic("t", 4, None, ConfigMap::new()).unwrap();
            let tweak = |c: &mut ConsumerConfig| {
                c.assignor = assignor.into();
                c.max_poll_interval_ms = 10_000;
            };
            let a = member(&mut w, "g", "A", &["t"], tweak);
            for _ in 0..50 {
                w.poll(a, 100).unwrap();
            }
            let b = member(&mut w, "g", "B", &["t"], tweak);
            for _ in 0..80 {
                w.poll(a, 100).unwrap();
                w.poll(b, 100).unwrap();
            }
            let before = [w.assignment(a).unwrap(), w.assignment(b).unwrap()];
            assert_eq!(before.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2], "{assignor} seed {seed}");
            w.run_for(20_000); // neither polls: both leave the group
            for _ in 0..80 {
                w.poll(a, 100).unwrap();
                w.poll(b, 100).unwrap();
            }
            let after = [w.assignment(a).unwrap(), w.assignment(b).unwrap()];
            assert_eq!(after.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2], "{assignor} seed {seed}: balanced");
            if assignor == "sticky" {
                assert_eq!(after, before, "seed {seed}: each member's partitions back");
            }
            franz_tests::assert_serving(&mut w, &format!("{assignor} seed {seed}, both members back"));
        }
    }
}

fn owned(w: &World, group: &str) -> Vec<(String, Vec<String>)> {
    w.describe_group(group)
        .members
        .into_iter()
        .map(|m| (m.client_id, m.assignment.iter().map(|tp| tp.to_string()).collect()))
        .collect()
}

#[test]
fn subscribed_members_share_the_partitions_by_range_and_rebalance_when_one_crashes() {
    let mut w = World::new(ClusterConfig { seed: 5, ..Default::default() }).unwrap();
    w.create_topic("t", 4, None, ConfigMap::new()).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    for i in 0..40 {
        w.send(p, "t", vec![franz_tests::kv(&format!("k{i}"), &format!("v{i}"))]).unwrap();
    }
    let a = member(&mut w, "g", "a", &["t"], |c| c.max_poll_records = 5);
    let b = member(&mut w, "g", "b", &["t"], |_| {});
    w.run_for(4_000); // group.initial.rebalance.delay.ms, join, sync
    let d = w.describe_group("g");
    assert_eq!(d.state, ConsumerGroupState::Stable);
    assert_eq!(d.protocol.as_deref(), Some("range"));
    assert_eq!(
        owned(&w, "g"),
        [("a".into(), vec!["t-0".into(), "t-1".into()]), ("b".into(), vec!["t-2".into(), "t-3".into()])]
    );
    let mut seen: Vec<String> = Vec::new();
    seen.extend(values(&w.poll(a, 1_000).unwrap()));
    seen.extend(values(&w.poll(b, 1_000).unwrap()));
    assert!(!seen.is_empty());
    w.commit_sync(a, None).unwrap();
    w.commit_sync(b, None).unwrap();
    let generation = d.generation;

    // a crashes: after session.timeout.ms (45 s) b owns everything and resumes from the commits.
    w.crash_client(a).unwrap();
    for _ in 0..20 {
        seen.extend(values(&w.poll(b, 3_000).unwrap()));
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 40, "every record read by a or b: the new owner resumed where a committed");
    let d = w.describe_group("g");
    assert!(d.generation > generation, "a new generation");
    assert_eq!(owned(&w, "g"), [("b".into(), (0..4).map(|p| format!("t-{p}")).collect())]);
    let kinds: Vec<&str> = w.trace().since(0).iter().map(|e| e.kind.kind_name()).collect();
    assert!(kinds.contains(&"group_rebalanced") && kinds.contains(&"group_assigned"));
    let report = w.check();
    assert!(report.ok, "{:?}", report.violations);
}

#[test]
fn a_clean_close_leaves_at_once_and_a_slow_consumer_is_removed_after_max_poll_interval() {
    let mut w = World::new(ClusterConfig { seed: 6, ..Default::default() }).unwrap();
    w.create_topic("t", 2, None, ConfigMap::new()).unwrap();
    let a = member(&mut w, "g", "a", &["t"], |c| c.max_poll_interval_ms = 10_000);
    let b = member(&mut w, "g", "b", &["t"], |_| {});
    w.run_for(4_000);
    assert_eq!(w.describe_group("g").members.len(), 2);
    // b polls, a does not: after max.poll.interval.ms a leaves and b gets both partitions.
    for _ in 0..8 {
        w.poll(b, 2_000).unwrap();
    }
    assert_eq!(owned(&w, "g"), [("b".into(), vec!["t-0".into(), "t-1".into()])]);
    // a polls again and rejoins; then b closes cleanly and a owns everything without waiting 45 s.
    for _ in 0..3 {
        w.poll(a, 2_000).unwrap();
        w.poll(b, 100).unwrap();
    }
    assert_eq!(w.describe_group("g").members.len(), 2, "{:?}", owned(&w, "g"));
    w.close_client(b).unwrap();
    for _ in 0..3 {
        w.poll(a, 1_000).unwrap();
    }
    assert_eq!(owned(&w, "g"), [("a".into(), vec!["t-0".into(), "t-1".into()])]);
    assert!(w.check().ok, "{:?}", w.check().violations);
}

#[test]
fn group_errors_are_kafkas() {
    let mut w = World::new(ClusterConfig { seed: 7, ..Default::default() }).unwrap();
    let loner = w.add_consumer(ConsumerConfig::named("loner")).unwrap();
    assert_eq!(w.subscribe(loner, vec!["t".into()]).unwrap_err().code, ErrorCode::InvalidGroupId);
    let c = member(&mut w, "g", "c", &["t"], |_| {});
    assert_eq!(w.assign(c, vec![TopicPartition::new("t", 0)]).unwrap_err().code, ErrorCode::InvalidRequest);
    let bad = ConsumerConfig { group_id: Some("g".into()), assignor: "fastest".into(), ..ConsumerConfig::named("x") };
    assert_eq!(w.add_consumer(bad).unwrap_err().code, ErrorCode::InvalidConfig);
    assert_eq!(w.describe_group("nobody").state, ConsumerGroupState::Dead);
}

#[test]
fn a_group_carries_on_when_its_coordinator_crashes() {
    let mut w = World::new(ClusterConfig { seed: 8, ..Default::default() }).unwrap();
    w.create_topic("t", 2, None, ConfigMap::new()).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    w.send(p, "t", (0..10).map(|i| franz_tests::kv(&format!("k{i}"), &format!("v{i}"))).collect()).unwrap();
    let c = member(&mut w, "g", "c", &["t"], |_| {});
    w.run_for(4_000); // group.initial.rebalance.delay.ms, then join and sync
    let mut read = 0;
    for _ in 0..3 {
        read += w.poll(c, 1_000).unwrap().len();
    }
    assert_eq!(read, 10);
    w.commit_sync(c, None).unwrap();
    let coordinator = w.describe_group("g").coordinator.unwrap();
    w.crash_broker(coordinator).unwrap();
    w.send(p, "t", (10..14).map(|i| franz_tests::kv(&format!("k{i}"), &format!("v{i}"))).collect()).unwrap();
    // The consumer notices when its heartbeat goes unanswered (request.timeout.ms, 30 s), finds the new
    // coordinator and joins again.
    let mut after = Vec::new();
    for _ in 0..45 {
        after.extend(w.poll(c, 1_000).unwrap().into_iter().map(|r| text(&r.value).unwrap().to_string()));
    }
    let d = w.describe_group("g");
    assert_ne!(d.coordinator, Some(coordinator), "another broker coordinates");
    assert_eq!(d.state, ConsumerGroupState::Stable);
    after.sort();
    assert_eq!(after, ["v10", "v11", "v12", "v13"], "committed offsets intact: nothing re-read, nothing skipped");
    assert!(w.check().ok, "{:?}", w.check().violations);
}

#[test]
fn static_members_keep_their_place_and_cooperative_sticky_moves_in_two_rebalances() {
    let mut w = World::new(ClusterConfig { seed: 9, ..Default::default() }).unwrap();
    w.create_topic("t", 4, None, ConfigMap::new()).unwrap();
    let a = member(&mut w, "s", "a", &["t"], |c| c.group_instance_id = Some("host-a".into()));
    w.run_for(4_000);
    let generation = w.describe_group("s").generation;
    w.crash_client(a).unwrap();
    let a2 = member(&mut w, "s", "a-again", &["t"], |c| c.group_instance_id = Some("host-a".into()));
    w.run_for(1_000);
    assert_eq!(w.describe_group("s").generation, generation, "no rebalance for a static member's return");
    assert_eq!(w.assignment(a2).unwrap().len(), 4);

    let coop = |c: &mut ConsumerConfig| c.assignor = "cooperative-sticky".into();
    let x = member(&mut w, "c", "x", &["t"], coop);
    w.run_for(4_000);
    let before = w.describe_group("c").generation;
    let y = member(&mut w, "c", "y", &["t"], coop);
    // Both poll, as Kafka's members must: a rebalance's revocation and rejoin happen inside poll().
    for _ in 0..10 {
        w.poll(x, 1_000).unwrap();
        w.poll(y, 1_000).unwrap();
    }
    let d = w.describe_group("c");
    assert!(d.generation >= before + 2, "revoke, then assign: {} → {}", before, d.generation);
    assert_eq!(d.members.iter().map(|m| m.assignment.len()).collect::<Vec<_>>(), [2, 2]);
}

fn keyed_records(w: &mut World, count: usize) {
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    let records = (0..count).map(|i| franz_tests::kv(&format!("k{i}"), &format!("v{i}"))).collect();
    w.send(p, "t", records).unwrap();
}

fn static_member(w: &mut World, group: &str, name: &str, instance: &str) -> NodeId {
    member(w, group, name, &["t"], |c| {
        c.group_instance_id = Some(instance.into());
        c.max_poll_records = 5;
    })
}

/// Bug 3 of issue 11: a second consumer with the same `group.instance.id` used to get the same member id
/// while the first kept heartbeating, so both owned every partition. Kafka (KIP-345, `replaceStaticMember`):
/// the newcomer gets a new member id and the old one's place; the old instance is fenced.
#[test]
fn two_consumers_with_one_group_instance_id_never_both_own_the_partitions() {
    let mut w = World::new(ClusterConfig { seed: 11, ..Default::default() }).unwrap();
    w.create_topic("t", 4, None, ConfigMap::new()).unwrap();
    keyed_records(&mut w, 20);
    let first = static_member(&mut w, "s", "first", "host-a");
    w.run_for(4_000);
    let before = w.describe_group("s");
    let old_member = before.members[0].member_id.clone();
    let mut read = values(&w.poll(first, 1_000).unwrap());
    assert_eq!(read.len(), 5);
    w.commit_sync(first, None).unwrap();

    // The same instance id again while `first` still runs (a restart whose old process is not dead yet).
    let second = static_member(&mut w, "s", "second", "host-a");
    w.run_for(1_000);
    let after = w.describe_group("s");
    assert_eq!(after.generation, before.generation, "no rebalance: the newcomer takes the old member's place");
    assert_eq!(after.members.len(), 1);
    assert_ne!(after.members[0].member_id, old_member, "the newcomer has a new member id");
    assert_eq!(after.members[0].client_id, "second");
    assert_eq!(w.assignment(second).unwrap().len(), 4, "the old member's assignment");

    // `first` learns at its next heartbeat: fenced, it gives its partitions up and stops for good.
    w.run_for(3_500);
    assert!(w.assignment(first).unwrap().is_empty());
    assert_eq!(w.poll(first, 100).unwrap_err().code, ErrorCode::FencedInstanceId);
    assert_eq!(w.poll(first, 100).unwrap_err().code, ErrorCode::FencedInstanceId, "every poll says so");
    assert_eq!(w.commit_sync(first, None).unwrap_err().code, ErrorCode::FencedInstanceId);
    let kinds: Vec<&str> = w.trace().since(0).iter().map(|e| e.kind.kind_name()).collect();
    assert!(kinds.contains(&"consumer_fenced") && kinds.contains(&"group_member_removed"));

    // The group keeps serving: `second` resumes from `first`'s commit, reads the rest and commits.
    for _ in 0..6 {
        read.extend(values(&w.poll(second, 1_000).unwrap()));
    }
    read.sort();
    read.dedup();
    assert_eq!(read.len(), 20, "nothing skipped");
    w.commit_sync(second, None).unwrap();
    assert_eq!(w.group_offsets("s").iter().map(|o| o.committed).sum::<u64>(), 20);
    w.close_client(first).unwrap();
    assert_eq!(w.describe_group("s").members.len(), 1, "the fenced consumer's close changes nothing");

    // A static member does not leave on close: its place waits session.timeout.ms for it.
    w.close_client(second).unwrap();
    w.run_for(1_000);
    assert_eq!(w.describe_group("s").members.len(), 1);
    w.run_for(45_000);
    assert_eq!(w.describe_group("s").state, ConsumerGroupState::Empty);
    let report = w.check();
    assert!(report.ok, "{:?}", report.violations);
}

/// Each partition held by at most one of `consumers`, as they believe it.
fn assert_disjoint(w: &mut World, consumers: &[NodeId]) {
    let mut held: Vec<TopicPartition> = consumers.iter().flat_map(|&c| w.assignment(c).unwrap()).collect();
    let count = held.len();
    held.sort();
    held.dedup();
    assert_eq!(held.len(), count, "a partition held twice at t={} ms: {held:?}", w.now_ms());
}

/// A second at a time, up to `seconds`: each running consumer of `polling` polls, and no partition is held
/// twice among `owners`; stops once `done` holds.
fn run_until(
    w: &mut World,
    seconds: u32,
    polling: &[NodeId],
    owners: &[NodeId],
    read: &mut Vec<String>,
    done: impl Fn(&World) -> bool,
) -> bool {
    for _ in 0..seconds {
        if done(w) {
            return true;
        }
        for &consumer in polling {
            read.extend(values(&w.poll(consumer, 0).unwrap()));
        }
        w.run_for(1_000);
        assert_disjoint(w, owners);
    }
    done(w)
}

/// Bug 4 of issue 11: after the coordinator moved, the group started again at generation 1 while the old
/// members kept consuming, so a newcomer was handed partitions they still read. Kafka: the group is a record
/// in `__consumer_offsets`; the new coordinator loads it and the generation goes on, the members keep their
/// ids, and a commit from a member that is no longer in the generation is refused.
#[test]
fn after_the_coordinator_moves_the_group_keeps_its_generation_and_old_commits_are_refused() {
    let mut w = World::new(ClusterConfig { seed: 12, ..Default::default() }).unwrap();
    w.create_topic("t", 2, None, ConfigMap::new()).unwrap();
    keyed_records(&mut w, 40);
    // Shorter than Kafka's defaults (30 s, 45 s) so that the run is shorter; the same story.
    let settings = |c: &mut ConsumerConfig| {
        c.max_poll_records = 2;
        c.request_timeout_ms = 20_000;
        c.session_timeout_ms = 30_000;
    };
    let a = member(&mut w, "g", "a", &["t"], settings);
    w.run_for(4_000);
    let b = member(&mut w, "g", "b", &["t"], settings);
    let mut read: Vec<String> = Vec::new();
    // A rebalance completes inside the members' polls (Kafka's consumer rejoins in poll()).
    for round in 0.. {
        read.extend(values(&w.poll(a, 1_000).unwrap()));
        read.extend(values(&w.poll(b, 1_000).unwrap()));
        let d = w.describe_group("g");
        if round >= 2 && d.state == ConsumerGroupState::Stable && d.members.iter().all(|m| !m.assignment.is_empty()) {
            break;
        }
        assert!(round < 20, "the group settles: {d:?}");
    }
    w.commit_sync(a, None).unwrap();
    w.commit_sync(b, None).unwrap();
    let before = w.describe_group("g");
    assert_eq!((before.state, before.members.len()), (ConsumerGroupState::Stable, 2));
    assert!(before.generation >= 2);
    let ids: Vec<String> = before.members.iter().map(|m| m.member_id.clone()).collect();

    // The coordinator crashes. Once another broker leads the group's offsets partition, a newcomer
    // arrives, before a and b notice (when a heartbeat goes unanswered for request.timeout.ms).
    let coordinator = before.coordinator.unwrap();
    w.crash_broker(coordinator).unwrap();
    let moved_on = |w: &World| w.describe_group("g").coordinator.is_some_and(|n| n != coordinator);
    assert!(run_until(&mut w, 15, &[], &[a, b], &mut read, moved_on));
    let c = member(&mut w, "g", "c", &["t"], settings);
    let consumers = [a, b, c];
    let c_joined = |w: &World| w.describe_group("g").members.iter().any(|m| m.client_id == "c");
    assert!(run_until(&mut w, 30, &[], &consumers, &mut read, c_joined));
    let moved = w.describe_group("g");
    assert_ne!(moved.coordinator, Some(coordinator));
    assert_eq!(moved.generation, before.generation, "read back from the log, not started again: {moved:?}");
    assert!(ids.iter().all(|id| moved.members.iter().any(|m| &m.member_id == id)), "{moved:?}");
    assert!(w.assignment(c).unwrap().is_empty(), "the rebalance waits for a and b, who still own their partitions");

    // a and b find the new coordinator, keep their member ids, and rebalance with c.
    let stable_with = |n: usize| {
        move |w: &World| {
            let d = w.describe_group("g");
            d.state == ConsumerGroupState::Stable && d.members.len() == n
        }
    };
    assert!(run_until(&mut w, 60, &consumers, &consumers, &mut read, stable_with(3)), "{:?}", w.describe_group("g"));
    let joined = w.describe_group("g");
    assert!(joined.generation > before.generation);
    assert!(ids.iter().all(|id| joined.members.iter().any(|m| &m.member_id == id)), "same member ids: {joined:?}");

    // A zombie: b stops for longer than session.timeout.ms and the group moves on without it (b still
    // believes it owns its partitions: legal, and the reason commits name their generation). Its commit is
    // refused (Kafka's CommitFailedException), and b joins again.
    w.pause_node(b, 40_000).unwrap();
    assert!(run_until(&mut w, 38, &[a, c], &[a, c], &mut read, stable_with(2)), "{:?}", w.describe_group("g"));
    let without_b = w.describe_group("g");
    // It wakes (a paused client takes no calls: its application is paused with it).
    assert!(run_until(&mut w, 40, &[a, c], &[a, c], &mut read, |w| w.paused_until_ms(b).is_none()));
    let e = w.commit_sync(b, None).unwrap_err();
    assert!(matches!(e.code, ErrorCode::UnknownMemberId | ErrorCode::IllegalGeneration), "{e:?}");
    assert!(e.message.starts_with("CommitFailedException:"), "{}", e.message);
    assert!(run_until(&mut w, 30, &consumers, &consumers, &mut read, stable_with(3)), "{:?}", w.describe_group("g"));
    assert!(w.describe_group("g").generation > without_b.generation);

    // The group keeps serving: everything read, from the committed offsets on, and committed.
    run_until(&mut w, 10, &consumers, &consumers, &mut read, |_| false);
    for &consumer in &consumers {
        w.commit_sync(consumer, None).unwrap();
    }
    read.sort();
    read.dedup();
    assert_eq!(read.len(), 40);
    assert_eq!(w.group_offsets("g").iter().map(|o| o.committed).sum::<u64>(), 40);
    let report = w.check();
    assert!(report.ok, "{:?}", report.violations);
}

/// Kafka's rule for a commit without a member id (a consumer using `assign`): only while the group has no
/// members.
#[test]
fn a_consumer_using_assign_cannot_commit_for_a_group_with_members() {
    let mut w = world_with_records(13, 10);
    let loner = group_consumer(&mut w, "g", "loner");
    w.poll(loner, 1_000).unwrap();
    w.commit_sync(loner, None).unwrap();
    let m = member(&mut w, "g", "m", &["t"], |_| {});
    w.run_for(4_000);
    assert_eq!(w.describe_group("g").members.len(), 1);
    assert_eq!(w.commit_sync(loner, None).unwrap_err().code, ErrorCode::UnknownMemberId);
    assert_eq!(values(&w.poll(m, 1_000).unwrap()), ["v5", "v6", "v7", "v8", "v9"], "from the loner's commit");
    w.commit_sync(m, None).unwrap();
    assert_eq!(w.group_offsets("g")[0].committed, 10);
    assert!(w.check().ok, "{:?}", w.check().violations);
}

/// One seeded run of a group under faults: members come and go (closed, crashed, paused past their session,
/// replaced by a second instance of their `group.instance.id`), the coordinator crashes and restarts, and
/// everyone polls and commits. Returns how many records were polled and rebalances completed.
fn group_under_faults(seed: u64) -> (usize, usize) {
    use franz_core::sim::rng::{stream_rng, Stream};
    use rand_core::RngCore;
    let mut dice = stream_rng(seed, Stream::Workload);
    let broker_config: ConfigMap = [("offsets.topic.num.partitions", "3")].map(|(k, v)| (k.into(), v.into())).into();
    let mut w = World::new(ClusterConfig { seed, broker_config, ..Default::default() }).unwrap();
    w.create_topic("t", 4, None, ConfigMap::new()).unwrap();
    keyed_records(&mut w, 200);
    let settings = |c: &mut ConsumerConfig| {
        c.max_poll_records = 3;
        c.request_timeout_ms = 5_000;
        c.session_timeout_ms = 10_000;
        c.max_poll_interval_ms = 20_000;
    };
    let mut members: Vec<NodeId> = Vec::new();
    let mut next_name = 0;
    let mut polled = 0;
    for _ in 0..90 {
        let (roll, which, pause_ms) = (dice.next_u32(), dice.next_u32() as usize, dice.next_u32() % 15_000);
        let pick = |n: usize| which % n.max(1);
        match roll % 16 {
            0 | 1 if members.len() < 4 => {
                next_name += 1;
                let name = format!("m{next_name}");
                let instance = (roll % 4 < 2).then(|| format!("host-{}", which % 2));
                members.push(member(&mut w, "g", &name, &["t"], |c| {
                    settings(c);
                    c.group_instance_id = instance;
                }));
            }
            2 if !members.is_empty() => {
                let gone = members.remove(pick(members.len()));
                let _ = if roll % 2 == 0 { w.close_client(gone) } else { w.crash_client(gone) };
            }
            3 if !members.is_empty() => {
                let _ = w.pause_node(members[pick(members.len())], u64::from(pause_ms));
            }
            4 => {
                if let Some(coordinator) = w.describe_group("g").coordinator {
                    let _ = w.crash_broker(coordinator);
                }
            }
            5 | 6 => {
                for b in 1..=3 {
                    let _ = w.restart_broker(b);
                }
            }
            7 if !members.is_empty() => {
                let _ = w.commit_sync(members[pick(members.len())], None);
            }
            _ => {}
        }
        for &m in &members {
            match w.poll(m, 0) {
                Ok(records) => polled += records.len(),
                // (A paused member takes no calls.)
                Err(e) if w.paused_until_ms(m).is_some() => assert_eq!(e.code, ErrorCode::InvalidRequest, "{e}"),
                Err(e) => assert_eq!(e.code, ErrorCode::FencedInstanceId, "seed {seed}: {e}"),
            }
        }
        w.run_for(1_000);
    }
    let report = w.check();
    assert!(report.ok, "seed {seed}: {:#?}", report.violations);
    let rebalances = w.trace().since(0).iter().filter(|e| e.kind.kind_name() == "group_rebalanced").count();
    (polled, rebalances)
}

#[test]
fn a_group_under_faults_never_has_two_live_owners_nor_goes_back() {
    let (mut polled, mut rebalances) = (0, 0);
    let seeds: u64 = std::env::var("FRANZ_GROUP_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(4);
    for seed in 0..seeds {
        let (p, r) = group_under_faults(seed);
        polled += p;
        rebalances += r;
    }
    println!("{polled} records polled, {rebalances} rebalances");
    assert!(polled > 0 && rebalances > 8, "{polled} records polled, {rebalances} rebalances");
}

fn cooperative(w: &mut World, name: &str, max_poll_interval_ms: u64) -> NodeId {
    let config = ConsumerConfig {
        group_id: Some("g".into()),
        auto_offset_reset: AutoOffsetReset::Earliest,
        enable_auto_commit: false,
        assignor: "cooperative-sticky".into(),
        max_poll_interval_ms,
        ..ConsumerConfig::named(name)
    };
    let c = w.add_consumer(config).unwrap();
    w.subscribe(c, vec!["t".into()]).unwrap();
    c
}

/// Found by an adversary: a member that left for exceeding max.poll.interval.ms rejoined claiming the
/// partitions it held before, and cooperative-sticky handed them over from their new owner at once.
#[test]
fn a_member_back_after_a_poll_timeout_claims_nothing_it_lost() {
    for seed in 1..=8 {
        let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
        w.create_topic("t", 4, None, ConfigMap::new()).unwrap();
        let a = cooperative(&mut w, "a", 20_000);
        w.poll(a, 100).unwrap();
        w.run_for(15_000);
        let b = cooperative(&mut w, "b", 20_000);
        for _ in 0..12 {
            w.poll(b, 1_000).unwrap();
        }
        let d = cooperative(&mut w, "d", 20_000);
        w.poll(d, 100).unwrap();
        let _ = w.poll(a, 3_000);
        for _ in 0..5 {
            for c in [b, d, a] {
                let _ = w.poll(c, 1_000);
            }
        }
        let report = w.check();
        assert!(report.ok, "seed {seed}: {:#?}", report.violations);
    }
}

/// Found by an adversary: after cooperative-sticky's follow-up rebalance, a fetch still out for the
/// earlier assignment and a new one for the same offset both filled the buffer: one poll, one record twice.
#[test]
fn a_poll_never_returns_a_record_twice_after_a_follow_up_rebalance() {
    for seed in 1..=8 {
        let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
        w.create_topic("t", 2, None, ConfigMap::new()).unwrap();
        let a = cooperative(&mut w, "a", 300_000);
        for _ in 0..5 {
            w.poll(a, 1_000).unwrap();
        }
        let b = cooperative(&mut w, "b", 300_000);
        w.poll(b, 8_000).unwrap();
        let p = w.add_producer(ProducerConfig::named("p")).unwrap();
        let record = franz_core::types::ProducerRecord { partition: Some(0), ..value("one") };
        w.send(p, "t", vec![record]).unwrap();
        let mut offsets = Vec::new();
        for _ in 0..3 {
            offsets.extend(w.poll(a, 1_000).unwrap().iter().map(|r| (r.partition, r.offset)));
        }
        let mut unique = offsets.clone();
        unique.dedup();
        assert_eq!(offsets, unique, "seed {seed}: a record came twice");
        let report = w.check();
        assert!(report.ok, "seed {seed}: {:#?}", report.violations);
    }
}

/// Kafka reads `subscribe([])` as `unsubscribe()`: the member leaves and its partitions go to the others.
#[test]
fn subscribing_to_nothing_unsubscribes() {
    let mut w = World::new(ClusterConfig { seed: 3, ..Default::default() }).unwrap();
    w.create_topic("t", 2, None, ConfigMap::new()).unwrap();
    let a = cooperative(&mut w, "a", 300_000);
    let b = cooperative(&mut w, "b", 300_000);
    for _ in 0..8 {
        w.poll(a, 1_000).unwrap();
        w.poll(b, 1_000).unwrap();
    }
    assert_eq!(w.assignment(a).unwrap().len() + w.assignment(b).unwrap().len(), 2);
    w.subscribe(b, vec![]).unwrap();
    assert!(w.assignment(b).unwrap().is_empty());
    for _ in 0..8 {
        w.poll(a, 1_000).unwrap();
    }
    assert_eq!(w.assignment(a).unwrap().len(), 2, "the one left holds both");
    assert_eq!(w.describe_group("g").members.len(), 1);
    assert!(w.check().ok, "{:?}", w.check().violations);
}

/// Issue 17, item 1: Kafka's consumer auto-commits only inside `poll()` (and in `close()`), so records a
/// poll returned are committed only once the application polls again. A member that learns of a
/// rebalance from a heartbeat while it processes, or that leaves on `max.poll.interval.ms`, commits
/// nothing behind the application's back: if it then dies, its successor reads those records again.
#[test]
fn auto_commit_never_commits_what_the_application_may_still_be_processing() {
    for seed in 1..=3 {
        for poll_timeout in [false, true] {
            let mut w = world_with_records(seed, 10);
            let settings = |c: &mut ConsumerConfig| {
                c.max_poll_records = 100;
                c.auto_commit_interval_ms = 100;
                c.max_poll_interval_ms = 8_000;
            };
            let a = member(&mut w, "g", "a", &["t"], settings);
            w.run_for(4_000);
            let mut got = Vec::new();
            while got.len() < 10 {
                got.extend(values(&w.poll(a, 1_000).unwrap()));
            }
            // The application processes the ten records and does not poll. Meanwhile b joins (a's
            // heartbeat learns of the rebalance), or the poll interval runs out.
            if !poll_timeout {
                member(&mut w, "g", "b", &["t"], settings);
            }
            w.run_for(if poll_timeout { 12_000 } else { 5_000 });
            assert!(w.group_offsets("g").iter().all(|o| o.committed == 0), "seed {seed}");
            w.crash_client(a).unwrap();
            let b =
                if poll_timeout { member(&mut w, "g", "b", &["t"], settings) } else { w.client_by_name("b").unwrap() };
            let mut again = Vec::new();
            for _ in 0..60 {
                again.extend(values(&w.poll(b, 1_000).unwrap()));
                if again.len() >= 10 {
                    break;
                }
            }
            assert_eq!(again, got, "seed {seed}, poll timeout {poll_timeout}: at least once");
            assert!(w.check().ok, "{:?}", w.check().violations);
        }
    }
}

/// Issue 17, item 2: `close()` commits and waits for the answer before it leaves, as Kafka's does; were
/// the LeaveGroup first, the next owner's OffsetFetch could overtake the commit (here the commit's
/// replication is slow) and hand out again what the closed consumer's polls had returned.
#[test]
fn close_commits_before_it_leaves_so_the_next_owner_starts_after_what_was_returned() {
    for seed in 1..=4 {
        let mut w = World::new(ClusterConfig { seed, brokers: 3, ..Default::default() }).unwrap();
        w.create_topic("t", 2, Some(3), ConfigMap::new()).unwrap();
        keyed_records(&mut w, 40);
        let settings = |c: &mut ConsumerConfig| {
            c.max_poll_records = 3;
            c.auto_commit_interval_ms = 60_000;
            c.heartbeat_interval_ms = 100; // b learns of the rebalance at once
        };
        let a = member(&mut w, "g", "a", &["t"], settings);
        // b commits nothing itself, so nothing of its own holds its next JoinGroup back.
        let b = member(&mut w, "g", "b", &["t"], |c| {
            settings(c);
            c.enable_auto_commit = false;
        });
        let (mut read_a, mut read_b) = (Vec::new(), Vec::new());
        for _ in 0..8 {
            read_a.extend(values(&w.poll(a, 500).unwrap()));
            read_b.extend(values(&w.poll(b, 500).unwrap()));
        }
        assert!(!read_a.is_empty(), "seed {seed}");
        let coordinator = w.describe_group("g").coordinator.unwrap();
        let slow = franz_core::sim::network::NetworkConfig { latency_ms: 1_000, jitter_ms: 0, drop_rate: 0.0 };
        for &other in w.brokers().to_vec().iter().filter(|&&x| x != coordinator) {
            w.set_link(coordinator, other, Some(slow)).unwrap();
        }
        let positions: Vec<(u32, u64)> =
            w.assignment(a).unwrap().iter().map(|tp| (tp.partition, w.position(a, tp).unwrap())).collect();
        w.close_client(a).unwrap();
        // close() returned: its commit is acknowledged (replicated), not merely sent.
        for (partition, position) in positions {
            let committed = w.group_offsets("g").into_iter().find(|o| o.partition == partition).map(|o| o.committed);
            assert_eq!(committed, Some(position), "seed {seed}: a's commit of partition {partition}");
        }
        for _ in 0..30 {
            read_b.extend(values(&w.poll(b, 500).unwrap()));
        }
        let twice: Vec<&String> = read_b.iter().filter(|v| read_a.contains(v)).collect();
        assert!(twice.is_empty(), "seed {seed}: b read again what a's polls returned: {twice:?}");
        let mut all: Vec<&String> = read_a.iter().chain(&read_b).collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 40, "seed {seed}: every record read");
    }
}

/// Issue 17, item 5: a consumer closed while its first JoinGroup is out is not left in the group: with
/// KIP-394 the coordinator first answers MEMBER_ID_REQUIRED with the id, so close() can leave with it (or
/// the coordinator never made it a member), and no partition waits `session.timeout.ms` for it.
#[test]
fn a_consumer_closed_while_joining_leaves_no_member_behind() {
    for seed in 1..=3 {
        for wait_ms in [0, 1, 3, 6, 10] {
            let mut w = world_with_records(seed, 10);
            let a = member(&mut w, "g", "a", &["t"], |_| {});
            w.run_for(4_000);
            let b = member(&mut w, "g", "b", &["t"], |_| {});
            w.run_for(wait_ms);
            w.close_client(b).unwrap();
            let mut read = Vec::new();
            for _ in 0..8 {
                read.extend(values(&w.poll(a, 1_000).unwrap()));
            }
            let d = w.describe_group("g");
            assert_eq!(d.members.len(), 1, "seed {seed}, {wait_ms} ms: {d:?}");
            assert_eq!(read.len(), 10, "seed {seed}, {wait_ms} ms: a reads everything within seconds");
        }
    }
}

/// Issue 17, item 3: a newcomer whose assignor no member supports is refused alone with
/// INCONSISTENT_GROUP_PROTOCOL, thrown from its poll(); the group keeps its members and partitions.
#[test]
fn a_newcomer_with_another_assignor_is_refused_alone() {
    for seed in 1..=3 {
        let mut w = world_with_records(seed, 6);
        let a = member(&mut w, "g", "a", &["t"], |_| {});
        let b = member(&mut w, "g", "b", &["t"], |_| {});
        for _ in 0..5 {
            w.poll(a, 500).unwrap();
            w.poll(b, 500).unwrap();
        }
        let before = w.describe_group("g");
        let odd = member(&mut w, "g", "odd", &["t"], |c| c.assignor = "roundrobin".into());
        let mut refused = None;
        for _ in 0..5 {
            w.poll(a, 500).unwrap();
            w.poll(b, 500).unwrap();
            if let Err(e) = w.poll(odd, 500) {
                refused = Some(e);
            }
        }
        assert_eq!(refused.map(|e| e.code), Some(ErrorCode::InconsistentGroupProtocol), "seed {seed}");
        let after = w.describe_group("g");
        assert_eq!((after.generation, after.members.len()), (before.generation, 2), "seed {seed}: {after:?}");
        let assignments = |d: &franz_core::view::GroupDescription| {
            d.members.iter().map(|m| (m.member_id.clone(), m.assignment.clone())).collect::<Vec<_>>()
        };
        assert_eq!(assignments(&after), assignments(&before), "seed {seed}: nobody lost partitions");
    }
}

/// Issue 17, item 4: the group's leader rereads its topics every `metadata.max.age.ms`; partitions added
/// to a subscribed topic get assigned, and a deleted topic's partitions leave every assignment.
#[test]
fn metadata_changes_rebalance_the_group() {
    for seed in 1..=3 {
        let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
        w.create_topic("t", 2, None, ConfigMap::new()).unwrap();
        w.create_topic("u", 2, None, ConfigMap::new()).unwrap();
        let settings = |c: &mut ConsumerConfig| c.metadata_max_age_ms = 5_000;
        let a = member(&mut w, "g", "a", &["t", "u"], settings);
        let b = member(&mut w, "g", "b", &["t", "u"], settings);
        let assigned = |w: &World| {
            let mut all: Vec<String> = w
                .describe_group("g")
                .members
                .iter()
                .flat_map(|m| m.assignment.iter().map(|tp| format!("{}-{}", tp.topic, tp.partition)))
                .collect();
            all.sort();
            all
        };
        let poll_both = |w: &mut World| {
            for _ in 0..12 {
                w.poll(a, 500).unwrap();
                w.poll(b, 500).unwrap();
            }
        };
        poll_both(&mut w);
        assert_eq!(assigned(&w), ["t-0", "t-1", "u-0", "u-1"], "seed {seed}");
        w.create_partitions("t", 4).unwrap();
        poll_both(&mut w);
        assert_eq!(assigned(&w), ["t-0", "t-1", "t-2", "t-3", "u-0", "u-1"], "seed {seed}: added partitions");
        w.delete_topic("u").unwrap();
        poll_both(&mut w);
        assert_eq!(assigned(&w), ["t-0", "t-1", "t-2", "t-3"], "seed {seed}: the deleted topic left");
        assert!(w.check().ok, "{:?}", w.check().violations);
    }
}

/// A survivor waiting in SyncGroup while the leader that should assign has died keeps its membership
/// (Kafka's heartbeat thread runs through CompletingRebalance): when the leader's session expires, the
/// parked SyncGroup is answered REBALANCE_IN_PROGRESS and the survivor takes every partition then.
#[test]
fn a_member_waiting_in_sync_group_outlives_a_leader_that_died_before_assigning() {
    for seed in 1..=4 {
        let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
        w.create_topic("t", 2, None, ConfigMap::new()).unwrap();
        let settings = |c: &mut ConsumerConfig| {
            c.session_timeout_ms = 10_000;
            c.heartbeat_interval_ms = 1_000;
        };
        let a = member(&mut w, "g", "a", &["t"], settings);
        let b = member(&mut w, "g", "b", &["t"], settings);
        while w.describe_group("g").state != ConsumerGroupState::CompletingRebalance {
            assert!(w.step(), "seed {seed}: the group reaches its first assignment");
        }
        let leader = w.describe_group("g").leader.unwrap();
        let (dead, survivor) = if leader.starts_with('a') { (a, b) } else { (b, a) };
        let survivor_id =
            w.describe_group("g").members.iter().find(|m| m.member_id != leader).unwrap().member_id.clone();
        let crashed_at = w.now_ms();
        w.crash_client(dead).unwrap();
        let mut owned_at = None;
        for _ in 0..60 {
            let _ = w.poll(survivor, 1_000);
            if w.assignment(survivor).unwrap().len() == 2 {
                owned_at = Some(w.now_ms());
                break;
            }
        }
        let after = owned_at.map(|t| t - crashed_at);
        assert!(after.is_some_and(|ms| ms <= 16_000), "seed {seed}: the survivor owns both after {after:?} ms");
        let d = w.describe_group("g");
        assert_eq!(d.members.len(), 1, "seed {seed}: {d:?}");
        // It was never removed: it kept its member id (without its heartbeats it went with the leader's
        // session and joined again as a new member).
        assert_eq!(d.members[0].member_id, survivor_id, "seed {seed}: {d:?}");
        assert!(w.check().ok, "{:?}", w.check().violations);
    }
}

/// Deleting a topic removes every group's committed offsets for it (Kafka's `onPartitionsDeleted` writes
/// tombstones): a topic created again under the name is read from `auto.offset.reset`, not from an offset
/// of the old one (found by the adversary).
#[test]
fn deleting_a_topic_deletes_the_groups_committed_offsets_for_it() {
    for seed in 1..=4 {
        let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
        w.create_topic("u", 1, None, ConfigMap::new()).unwrap();
        let p = w.add_producer(ProducerConfig::named("p")).unwrap();
        w.send(p, "u", (0..5).map(|i| value(&format!("old{i}"))).collect()).unwrap();
        let a = group_consumer(&mut w, "g", "a");
        w.assign(a, vec![TopicPartition::new("u", 0)]).unwrap();
        let mut n = 0;
        while n < 5 {
            n += w.poll(a, 1_000).unwrap().len();
        }
        w.commit_sync(a, None).unwrap();
        w.close_client(a).unwrap();
        assert_eq!(w.group_offsets("g").len(), 1);
        w.delete_topic("u").unwrap();
        w.run_for(5_000);
        assert_eq!(w.group_offsets("g"), [], "seed {seed}: no offsets for a deleted topic");
        w.create_topic("u", 1, None, ConfigMap::new()).unwrap();
        w.send(p, "u", (0..7).map(|i| value(&format!("new{i}"))).collect()).unwrap();
        let b = group_consumer(&mut w, "g", "b");
        w.assign(b, vec![TopicPartition::new("u", 0)]).unwrap();
        let mut got = Vec::new();
        for _ in 0..5 {
            got.extend(values(&w.poll(b, 1_000).unwrap()));
        }
        assert_eq!(got.len(), 7, "seed {seed}: {got:?}");
    }
}

#[test]
fn every_node_names_what_it_waits_for() {
    use franz_core::protocol::actor::TimerName;
    let mut w = World::new(ClusterConfig { seed: 3, ..Default::default() }).unwrap();
    w.create_topic("t", 2, None, ConfigMap::new()).unwrap();
    let c = member(&mut w, "g", "c", &["t"], |_| {});
    w.run_for(10_000);
    assert_eq!(owned(&w, "g").len(), 1, "the member joined");
    let names =
        |w: &World, node: NodeId| -> Vec<TimerName> { w.timers(node).unwrap().iter().map(|t| t.name).collect() };
    let now = w.now_ms();
    for node in [c].into_iter().chain(w.brokers().iter().copied()).chain(w.controllers().iter().copied()) {
        let timers = w.timers(node).unwrap();
        assert!(timers.windows(2).all(|p| p[0].at_ms <= p[1].at_ms), "earliest first: {timers:?}");
        assert!(timers.iter().all(|t| t.at_ms + 1 >= now), "nothing overdue at {now}: {timers:?}");
    }
    let consumer = names(&w, c);
    assert!(consumer.contains(&TimerName::HeartbeatInterval), "{consumer:?}");
    assert!(consumer.contains(&TimerName::MaxPollInterval), "{consumer:?}");
    let coordinator = w.describe_group("g").coordinator.unwrap();
    let broker = names(&w, coordinator);
    assert!(broker.contains(&TimerName::SessionTimeout), "the coordinator watches the member: {broker:?}");
    assert!(broker.contains(&TimerName::BrokerHeartbeatInterval), "{broker:?}");
    let active = w.controllers().iter().copied().find(|&n| names(&w, n).contains(&TimerName::BrokerSessionTimeout));
    let active = active.expect("the active controller watches every broker's session");
    let fences: Vec<String> = w
        .timers(active)
        .unwrap()
        .into_iter()
        .filter(|t| t.name == TimerName::BrokerSessionTimeout)
        .filter_map(|t| t.about)
        .collect();
    let mut fences_sorted = fences.clone();
    fences_sorted.sort();
    let every_broker: Vec<String> = w.brokers().iter().map(|b| format!("broker {b}")).collect();
    assert_eq!(fences_sorted, every_broker, "one broker.session.timeout.ms per unfenced broker, each named");
    let member_id = w.describe_group("g").members[0].member_id.clone();
    let session = w.timers(coordinator).unwrap().into_iter().find(|t| t.name == TimerName::SessionTimeout).unwrap();
    assert_eq!(session.about, Some(member_id), "the coordinator's session.timeout.ms names its member");
    assert!(names(&w, active).contains(&TimerName::QuorumFetchTimeout), "the quorum leader");
    assert_eq!(TimerName::BrokerSessionTimeout.config_key(), "broker.session.timeout.ms");
    let other = w.brokers().iter().copied().find(|&b| b != coordinator).unwrap();
    w.crash_broker(other).unwrap();
    assert!(w.timers(other).unwrap().is_empty(), "a crashed broker waits for nothing");
    assert_eq!(w.timers(4242).unwrap_err().code, ErrorCode::InvalidRequest);
}

#[test]
fn a_group_whose_last_member_left_stays_empty_with_its_offsets_and_lag() {
    let mut w = world_with_records(4, 6);
    let c = group_consumer(&mut w, "g", "c");
    assert_eq!(values(&w.poll(c, 1_000).unwrap()).len(), 5);
    w.commit_sync(c, None).unwrap();
    w.close_client(c).unwrap();
    w.run_for(1_000);
    let p = w.add_producer(ProducerConfig::named("more")).unwrap();
    w.send(p, "t", vec![value("late")]).unwrap();
    w.run_for(1_000);
    let group = w.describe_group("g");
    assert_eq!(group.state.name(), "Empty", "Kafka keeps a group with committed offsets, Empty");
    assert!(group.members.is_empty());
    let offsets = w.group_offsets("g");
    assert_eq!(offsets.len(), 1);
    assert_eq!((offsets[0].committed, offsets[0].lag), (5, 2), "its lag grows with the log");
}

/// KIP-429 with auto-commit: a cooperative member commits its positions when the rebalance begins, inside
/// a poll (Kafka's `onJoinPrepare`), and revokes the moving partitions later without a commit of its own
/// (`onJoinComplete`). What its polls returned during the rebalance is not committed for it, so if it dies
/// while processing them, the new owner reads them again (at least once, never lost). Found by the
/// adversary: the revocation committed positions outside poll.
#[test]
fn a_cooperative_member_never_commits_what_it_may_still_be_processing() {
    let cooperative = |c: &mut ConsumerConfig| {
        c.assignor = "cooperative-sticky".into();
        c.max_poll_records = 500;
        // The rebalance timeout: a member that crashed while it waited to join holds the group up this long.
        c.max_poll_interval_ms = 20_000;
    };
    for seed in 1..=3 {
        let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
        w.create_topic("t", 4, None, ConfigMap::new()).unwrap();
        let p = w.add_producer(ProducerConfig::named("p")).unwrap();
        let batch = |from: usize, partition: u32| -> Vec<ProducerRecord> {
            (0..5).map(|i| ProducerRecord { partition: Some(partition), ..value(&format!("v{}", from + i)) }).collect()
        };
        for partition in 0..4 {
            w.send(p, "t", batch(0, partition)).unwrap();
        }
        let a = member(&mut w, "g", "a", &["t"], cooperative);
        for _ in 0..6 {
            w.poll(a, 1_000).unwrap();
        }
        w.run_for(6_000);
        w.poll(a, 100).unwrap(); // auto-commits what earlier polls returned: 5 per partition
        let b = member(&mut w, "g", "b", &["t"], cooperative);
        for partition in 0..4 {
            w.send(p, "t", batch(5, partition)).unwrap();
        }
        w.run_for(4_000); // a's heartbeat learns of the rebalance while it is not polling
        let last = w.poll(a, 1_000).unwrap(); // the join begins here; buffered records come back at once
        w.run_for(2_000); // a "processes" them, outside poll, while the rebalance completes
        let kept: Vec<u32> = owned(&w, "g")
            .into_iter()
            .find(|(client, _)| client == "a")
            .map(|(_, parts)| parts.iter().map(|tp| tp.rsplit('-').next().unwrap().parse().unwrap()).collect())
            .unwrap_or_default();
        let moved: Vec<u32> = (0..4).filter(|p| !kept.contains(p)).collect();
        assert!(!moved.is_empty(), "seed {seed}: b took some partitions");
        for o in w.group_offsets("g").into_iter().filter(|o| moved.contains(&o.partition)) {
            let returned_last = last.iter().filter(|r| r.partition == o.partition).map(|r| r.offset + 1).max();
            assert!(
                returned_last.is_none_or(|end| o.committed < end),
                "seed {seed}: partition {} committed at {} though a's last poll returned up to {:?} while the \
                 rebalance ran",
                o.partition,
                o.committed,
                returned_last
            );
        }
        w.crash_client(a).unwrap();
        let mut again = Vec::new();
        for _ in 0..120 {
            again.extend(w.poll(b, 1_000).unwrap());
        }
        for r in last.iter().filter(|r| moved.contains(&r.partition)) {
            assert!(
                again.iter().any(|x| x.partition == r.partition && x.offset == r.offset),
                "seed {seed}: {}-{} was returned to a during the rebalance and never to b",
                r.partition,
                r.offset
            );
        }
        assert!(w.check().ok, "{:?}", w.check().violations);
    }
}

/// KIP-814: a static member that took the leader's place without a rebalance (`skipAssignment`) still
/// watches the group's topics, so partitions added later reach the group (found by the adversary: they
/// were never assigned).
#[test]
fn a_restarted_static_leader_still_assigns_partitions_added_later() {
    for (seed, assignor) in [(1, "range"), (2, "cooperative-sticky"), (3, "range")] {
        let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
        w.create_topic("t", 2, None, ConfigMap::new()).unwrap();
        let config = |instance: String| {
            move |c: &mut ConsumerConfig| {
                c.group_instance_id = Some(instance);
                c.assignor = assignor.into();
                c.metadata_max_age_ms = 5_000;
            }
        };
        let a = member(&mut w, "g", "a", &["t"], config("ia".into()));
        for _ in 0..6 {
            w.poll(a, 500).unwrap();
        }
        let b = member(&mut w, "g", "b", &["t"], config("ib".into()));
        for _ in 0..10 {
            w.poll(a, 500).unwrap();
            w.poll(b, 500).unwrap();
        }
        let group = w.describe_group("g");
        let leader_instance = group.members.iter().find(|m| Some(&m.member_id) == group.leader.as_ref()).unwrap();
        let leader_instance = leader_instance.group_instance_id.clone().unwrap();
        let (leader, other) = if leader_instance == "ia" { (a, b) } else { (b, a) };
        w.crash_client(leader).unwrap();
        let again = member(&mut w, "g", "again", &["t"], config(leader_instance.clone()));
        for _ in 0..6 {
            w.poll(again, 500).unwrap();
            w.poll(other, 500).unwrap();
        }
        w.create_partitions("t", 4).unwrap();
        for _ in 0..60 {
            w.poll(again, 500).unwrap();
            w.poll(other, 500).unwrap();
        }
        let mut owned: Vec<String> = owned(&w, "g").into_iter().flat_map(|(_, parts)| parts).collect();
        owned.sort();
        assert_eq!(owned, ["t-0", "t-1", "t-2", "t-3"], "seed {seed}, {assignor}: every partition reaches the group");
    }
}

#[test]
fn a_member_waiting_at_a_coordinator_that_lost_the_group_hears_not_coordinator() {
    // An adversary's run (seed 2): the group's coordinator went stale (its requests to the active controller
    // lost), then a partition cut the clients off from it and from the controller until the member was
    // expelled; healed at 80,980 ms. The member asked the stale broker to join again; once that broker
    // learned it no longer coordinated the group, it dropped the group without a word, and the member waited
    // out request.timeout.ms (30 s, owning partitions again at ~114 s). Kafka's onGroupUnloaded answers
    // NOT_COORDINATOR, and the member finds the real coordinator within seconds.
    let json = include_str!("fixtures/regressions/a-join-parked-at-a-coordinator-that-lost-the-group.json");
    let scenario = franz_core::sim::scenario::Scenario::parse(json).unwrap();
    let w = World::replay(&scenario, Some(90_000)).unwrap();
    let member = w.client_by_name("cg").unwrap();
    let group = w.describe_group("g");
    assert_eq!(group.state, ConsumerGroupState::Stable, "{group:?}");
    assert_eq!(group.members.len(), 1, "{group:?}");
    assert!(group.generation >= 3, "{group:?}");
    assert_eq!(group.members[0].assignment.len(), 6, "{group:?} (member {member})");
}

#[test]
fn a_leader_that_assigned_from_an_unknown_topic_asks_again_and_rebalances() {
    // An adversary's run: after a coordinator failover the group's only member, its leader, was answered
    // "topic t does not exist" by a broker that had not yet learned of it, assigned itself nothing
    // (generation 2, at 55,995 ms) and would have looked again only after metadata.max.age.ms (5 min).
    // Kafka's client asks again for a topic answered UNKNOWN_TOPIC_OR_PARTITION (backing off up to
    // retry.backoff.max.ms), sees the partitions, and rebalances.
    use std::io::Read;
    let gz = include_bytes!(
        "fixtures/regressions/a-group-leader-assigning-from-a-topic-a-stale-broker-did-not-know.json.gz"
    );
    let mut json = String::new();
    flate2::read::GzDecoder::new(&gz[..]).read_to_string(&mut json).unwrap();
    let scenario = franz_core::sim::scenario::Scenario::parse(&json).unwrap();
    let mut w = World::replay(&scenario, None).unwrap();
    let member = w.client_by_name("cg").unwrap();
    let until_ms = w.now_ms() + 5_000;
    while w.now_ms() < until_ms {
        w.poll(member, 100).unwrap();
    }
    let group = w.describe_group("g");
    assert_eq!(group.state, ConsumerGroupState::Stable, "{group:?}");
    assert_eq!(group.members.iter().map(|m| m.assignment.len()).sum::<usize>(), 6, "{group:?}");
}

/// Whichever broker coordinates the group, a member cut off from it finds the next coordinator after
/// `request.timeout.ms` and keeps its place: its commit succeeds within `default.api.timeout.ms`, and the
/// group does not rebalance. (An adversary's run: the consumer asked its bootstrap broker where the
/// coordinator had gone even when that broker was the coordinator it had just lost; cut off, it timed out
/// again, the commit failed and the members outlived their session, whenever broker 2 coordinated.)
#[test]
fn a_member_cut_from_its_coordinator_finds_the_next_one_whichever_broker_it_was() {
    use franz_core::sim::scenario::PartitionOffset;
    let seed = 1;
    // With a session shorter than request.timeout.ms the member notices first that no heartbeat is answered
    // (Kafka's heartbeat thread: session.timeout.ms without an answer, the coordinator is sought again).
    for (coordinator, session_timeout_ms) in [(1, 45_000), (2, 45_000), (3, 45_000), (1, 10_000), (2, 10_000)] {
        let mut w = world_with_records(seed, 3);
        let first = member(&mut w, "first", "first", &["t"], |_| {}); // creates __consumer_offsets
        while w.describe_group("first").coordinator.is_none() {
            w.poll(first, 100).unwrap();
        }
        w.close_client(first).unwrap();
        let named = (0..100).map(|g| format!("g{g}"));
        let group = named.clone().find(|g| w.describe_group(g).coordinator == Some(coordinator)).unwrap();
        let c = member(&mut w, &group, "c", &["t"], |c| c.session_timeout_ms = session_timeout_ms);
        for _ in 0..30 {
            w.poll(c, 300).unwrap(); // past group.initial.rebalance.delay.ms: a stable member
        }
        let generation = w.describe_group(&group).generation;
        w.partition_network(vec![vec![coordinator]]).unwrap();
        let start_ms = w.now_ms();
        let offsets = vec![PartitionOffset { topic: "t".into(), partition: 0, offset: 1 }];
        let committed = w.commit_sync(c, Some(offsets));
        let took_ms = w.now_ms() - start_ms;
        assert!(committed.is_ok(), "seed {seed}, coordinator {coordinator}: {committed:?} after {took_ms} ms");
        let bound_ms = if session_timeout_ms < 30_000 { 30_000 } else { 31_000 }; // before request.timeout.ms if sooner
        assert!(took_ms < bound_ms, "seed {seed}, coordinator {coordinator}: {took_ms} ms");
        // Past the new coordinator's load plus session.timeout.ms (45 s), had no heartbeat reached it.
        for _ in 0..40 {
            w.poll(c, 1_000).unwrap();
        }
        let after = w.describe_group(&group);
        assert_ne!(after.coordinator, Some(coordinator), "seed {seed}");
        assert_eq!(after.generation, generation, "seed {seed}, coordinator {coordinator}: no rebalance");
        // The aftermath: the member still reads, and nothing Kafka promises was broken.
        let p = w.add_producer(ProducerConfig::named("p-after")).unwrap();
        w.send(p, "t", vec![value("after")]).unwrap();
        let mut read = 0;
        for _ in 0..20 {
            read += w.poll(c, 200).unwrap().iter().filter(|r| text(&r.value) == Some("after")).count();
        }
        assert_eq!(read, 1, "seed {seed}, coordinator {coordinator}: a record sent after the cut is read");
        assert!(w.check().ok, "seed {seed}, coordinator {coordinator}: {:?}", w.check().violations);
    }
}

/// A member the coordinator removed while its process was paused learns it from its next heartbeat, and,
/// as Kafka's heartbeat thread only resets the generation, joins again from its application's next poll,
/// not before. (An adversary's run: it joined again by itself, took a partition back, and, never polled,
/// left it unread until max.poll.interval.ms, 270 s later.)
#[test]
fn a_removed_member_joins_again_only_when_it_polls() {
    for seed in 1..=3 {
        let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
        w.create_topic("t", 2, None, ConfigMap::new()).unwrap();
        let p = w.add_producer(ProducerConfig::named("p")).unwrap();
        let short_session = |c: &mut ConsumerConfig| c.session_timeout_ms = 10_000;
        let a = member(&mut w, "g", "a", &["t"], short_session);
        let b = member(&mut w, "g", "b", &["t"], short_session);
        for _ in 0..8 {
            w.poll(a, 500).unwrap();
            w.poll(b, 500).unwrap();
        }
        assert_eq!(owned(&w, "g").len(), 2, "seed {seed}: two members");
        w.pause_node(a, 30_000).unwrap();
        let mut read_by_b = 0;
        for i in 0..60 {
            w.send_async(p, "t", vec![ProducerRecord { partition: Some(i % 2), ..value("v") }]).unwrap();
            read_by_b += w.poll(b, 100).unwrap().len();
            w.run_for(1_000); // b's application processes what it got
        }
        // a woke at 30 s, heard it was removed, and has not polled since: b has read everything.
        assert_eq!(owned(&w, "g"), [("b".to_string(), vec!["t-0".to_string(), "t-1".to_string()])], "seed {seed}");
        for _ in 0..5 {
            read_by_b += w.poll(b, 1_000).unwrap().len();
        }
        assert_eq!(read_by_b, 60, "seed {seed}: no partition left to a member that does not poll");
        for _ in 0..20 {
            w.poll(a, 500).unwrap();
            w.poll(b, 500).unwrap();
        }
        assert_eq!(owned(&w, "g").len(), 2, "seed {seed}: polling again, a joined again");
        assert!(w.check().ok, "seed {seed}: {:?}", w.check().violations);
    }
}

/// A topic deleted and created again under its name, with more partitions, while the members are paused: they
/// wake to a topic of the same name. A fetch of the old one fails (UNKNOWN_TOPIC_OR_PARTITION from a leader
/// that dropped it, or UNKNOWN_TOPIC_ID from one that holds the new one: KIP-516), the consumer asks for
/// metadata at once, the group's leader sees the new partition count, and the group rebalances over it,
/// rather than at the next `metadata.max.age.ms` (five minutes).
#[test]
fn a_group_takes_up_a_topic_created_again_with_more_partitions() {
    for seed in 1..=3 {
        let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
        w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
        let a = member(&mut w, "g", "a", &["t"], |_| {});
        let b = member(&mut w, "g", "b", &["t"], |_| {});
        for _ in 0..30 {
            w.poll(a, 300).unwrap();
            w.poll(b, 300).unwrap();
        }
        assert_eq!(owned(&w, "g").iter().map(|(_, p)| p.len()).sum::<usize>(), 1, "seed {seed}");
        // Paused meanwhile (a GC), the members see no fetch of the deleted topic fail: they wake to a topic of
        // the same name, whose partition 0 their fetches would read as if nothing had happened.
        for c in [a, b] {
            w.pause_node(c, 10_000).unwrap();
        }
        w.delete_topic("t").unwrap();
        w.create_topic("t", 3, None, ConfigMap::new()).unwrap();
        w.run_for(10_000);
        let start_ms = w.now_ms();
        while owned(&w, "g").iter().map(|(_, p)| p.len()).sum::<usize>() < 3 {
            assert!(w.now_ms() - start_ms < 30_000, "seed {seed}: the group still holds {:?}", owned(&w, "g"));
            let _ = w.poll(a, 200);
            let _ = w.poll(b, 200);
        }
        for e in w.trace().since(0).iter().filter(|e| e.time_ms > start_ms - 12_000) {
            if seed == 1 {
                eprintln!("{}", e.text());
            }
        }
        assert!(w.check().ok, "seed {seed}: {:?}", w.check().violations);
    }
}

/// Found by an adversary: Kafka's coordinator refuses a JoinGroup whose `session.timeout.ms` is outside
/// the brokers' `group.min.session.timeout.ms` (6 s) .. `group.max.session.timeout.ms` (30 min) with
/// `INVALID_SESSION_TIMEOUT`, which `poll` throws; a cluster that lowers the minimum takes it.
#[test]
fn a_session_timeout_outside_the_brokers_bounds_is_refused() {
    for seed in 1..=3 {
        let mut w = world_with_records(seed, 3);
        for session_timeout_ms in [1_000, 1_800_001] {
            let c = member(&mut w, "g", "c", &["t"], |c| {
                c.session_timeout_ms = session_timeout_ms;
                c.heartbeat_interval_ms = 300;
            });
            let refused = (0..5).find_map(|_| w.poll(c, 500).err());
            assert_eq!(refused.map(|e| e.code), Some(ErrorCode::InvalidSessionTimeout), "seed {seed}");
            assert!(w.describe_group("g").members.is_empty(), "seed {seed}: it never joined");
            w.close_client(c).unwrap();
        }
        let config: ConfigMap = [("group.min.session.timeout.ms".to_string(), "1000".to_string())].into();
        let mut w = World::new(ClusterConfig { seed, broker_config: config, ..Default::default() }).unwrap();
        w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
        let c = member(&mut w, "g", "c", &["t"], |c| {
            c.session_timeout_ms = 1_000;
            c.heartbeat_interval_ms = 300;
        });
        for _ in 0..10 {
            w.poll(c, 500).unwrap();
        }
        assert_eq!(w.describe_group("g").members.len(), 1, "seed {seed}: group.min.session.timeout.ms=1000");
    }
}

/// Found by an adversary: Kafka's consumer refuses a `group.instance.id` that breaks the topic-name rule
/// (`JoinGroupRequest.validateGroupInstanceId`: empty, `.`, `..`, over 249 characters, or characters other
/// than ASCII alphanumerics, `.`, `_` and `-`) when it is made, with `InvalidConfigurationException`.
#[test]
fn an_illegal_group_instance_id_is_refused_when_the_consumer_is_made() {
    let mut w = world_with_records(1, 1);
    let long = "x".repeat(250);
    for id in ["", ".", "..", "a/b", "a b", long.as_str()] {
        let config = ConsumerConfig {
            group_id: Some("g".into()),
            group_instance_id: Some(id.into()),
            ..ConsumerConfig::named("c")
        };
        let e = w.add_consumer(config).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidConfig, "{id:?}: {e}");
        assert!(e.message.starts_with("Group instance id"), "{id:?}: {e}");
    }
    let fine = ConsumerConfig {
        group_id: Some("g".into()),
        group_instance_id: Some(format!("host-a.{}_-9", "x".repeat(239))),
        ..ConsumerConfig::named("c")
    };
    w.add_consumer(fine).expect("249 legal characters");
}

/// Found by an adversary: a commit past the high watermark shows a negative lag, as Kafka's
/// `kafka-consumer-groups.sh` computes it (log end − committed), not a lag of 0 that hides it.
#[test]
fn a_commit_past_the_high_watermark_shows_a_negative_lag() {
    let mut w = world_with_records(1, 10);
    let c = group_consumer(&mut w, "g", "c");
    let past = franz_core::sim::scenario::PartitionOffset { topic: "t".into(), partition: 0, offset: 1_000 };
    w.commit_sync(c, Some(vec![past])).unwrap();
    let offsets = w.group_offsets("g");
    assert_eq!((offsets[0].committed, offsets[0].high_watermark, offsets[0].lag), (1_000, 10, -990));
}

/// A member whose brokers' answers are cut off (a one-way cut towards it) cannot open a new connection (TCP's
/// handshake needs the way back), so once its connection times out no heartbeat reaches the coordinator: it
/// leaves the group after `session.timeout.ms` and the other member takes its partition. Found by an
/// adversary: each new connection's first heartbeat got through and kept the member in the group for ever,
/// its partition's lag growing.
#[test]
fn a_member_cut_off_one_way_from_its_brokers_is_removed_and_its_partition_moves() {
    for seed in 1..=6 {
        let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
        w.create_topic("t", 2, None, ConfigMap::new()).unwrap();
        let member = |w: &mut World, name: &str| {
            let config = ConsumerConfig {
                group_id: Some("g".into()),
                auto_offset_reset: AutoOffsetReset::Earliest,
                ..ConsumerConfig::named(name)
            };
            let c = w.add_consumer(config).unwrap();
            w.subscribe(c, vec!["t".into()]).unwrap();
            c
        };
        let (c0, c1) = (member(&mut w, "c0"), member(&mut w, "c1"));
        for _ in 0..50 {
            for c in [c0, c1] {
                let _ = w.poll(c, 100);
            }
        }
        let mine = w.assignment(c0).unwrap();
        assert_eq!(mine.len(), 1, "seed {seed}");
        let leader = w.describe_topic("t").unwrap().partitions[mine[0].partition as usize].leader.unwrap();
        let coordinator = w.describe_group("g").coordinator.unwrap();
        let cut = franz_core::sim::network::NetworkConfig { drop_rate: 1.0, ..w.network().config() };
        for broker in [leader, coordinator] {
            w.set_link_one_way(broker, c0, Some(cut)).unwrap();
        }
        for _ in 0..1_500 {
            for c in [c0, c1] {
                let _ = w.poll(c, 100);
            }
        }
        let group = w.describe_group("g");
        let names: Vec<&str> = group.members.iter().map(|m| m.client_id.as_str()).collect();
        assert_eq!(names, ["c1"], "seed {seed}: after 150 s");
        assert_eq!(w.assignment(c1).unwrap().len(), 2, "seed {seed}");
    }
}

/// A consumer of group `g` at offset 30 of `t` (committed), having committed 10 more than a HW checkpoint
/// interval before; `__consumer_offsets` has one partition.
fn committed_at_30(seed: u64, broker_config: &[(&str, &str)]) -> (World, NodeId) {
    let mut broker_config: ConfigMap = broker_config.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    broker_config.insert("offsets.topic.num.partitions".into(), "1".into());
    let mut w = World::new(ClusterConfig { seed, broker_config, ..Default::default() }).unwrap();
    w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    for i in 0..50 {
        w.send(p, "t", vec![value(&format!("v{i}"))]).unwrap();
    }
    let config = ConsumerConfig {
        group_id: Some("g".into()),
        auto_offset_reset: AutoOffsetReset::Earliest,
        enable_auto_commit: false,
        max_poll_records: 10,
        ..ConsumerConfig::named("a")
    };
    let a = w.add_consumer(config).unwrap();
    w.subscribe(a, vec!["t".into()]).unwrap();
    let tp = TopicPartition::new("t", 0);
    for target in [10, 30] {
        while w.position(a, &tp).unwrap_or(0) < target {
            w.poll(a, 1_000).unwrap();
        }
        w.commit_sync(a, None).unwrap();
        w.run_for(6_000); // past the HW checkpoint interval
    }
    assert_eq!(w.group_offsets("g")[0].committed, 30);
    (w, a)
}

/// An adversary's finding (the views only; no client misbehaved): the group's coordinator restarted before
/// the controller fenced it, and for a while the views read its state before it loaded the group again:
/// `groupOffsets` its HW checkpoint (10, not the acknowledged 30), `describeGroup` an Empty group at
/// generation 0. Kafka's admin client hears COORDINATOR_LOAD_IN_PROGRESS there and asks again; the views
/// show what the load brings.
#[test]
fn the_group_views_do_not_go_back_while_a_restarted_coordinator_loads() {
    for seed in 1..=4 {
        let (mut w, _) = committed_at_30(seed, &[]);
        let before = w.describe_group("g");
        assert_eq!(before.state, ConsumerGroupState::Stable);
        let coordinator = before.coordinator.unwrap();
        w.crash_broker(coordinator).unwrap();
        w.run_for(100);
        w.restart_broker(coordinator).unwrap();
        for _ in 0..100 {
            let offsets = w.group_offsets("g");
            assert_eq!(offsets.first().map(|o| o.committed), Some(30), "seed {seed} at {}", w.now_ms());
            let g = w.describe_group("g");
            if g.coordinator.is_some_and(|c| w.describe_cluster().brokers.iter().any(|b| b.id == c)) {
                assert!(
                    g.state == ConsumerGroupState::Dead || g.generation >= before.generation,
                    "seed {seed} at {}: {g:?}",
                    w.now_ms()
                );
                assert_ne!(g.state, ConsumerGroupState::Empty, "seed {seed} at {}: {g:?}", w.now_ms());
            }
            w.run_for(10);
        }
    }
}

/// An adversary's finding: with `min.insync.replicas` 1 the offsets partition's ISR shrank to its leader,
/// which then crashed: `groupOffsets` showed an out-of-sync follower's older commit (10), which no clean
/// election can make the next coordinator. The view reads the ISR member's log, as the next leader will.
/// (Here the group is at 30 everywhere, then commits 40 on the leader alone.)
#[test]
fn the_group_offsets_view_reads_the_in_sync_replica_while_it_is_down() {
    for seed in 1..=4 {
        let (mut w, consumer) = committed_at_30(seed, &[("min.insync.replicas", "1")]);
        let leader = w.describe_topic(OFFSETS_TOPIC).unwrap().partitions[0].leader.unwrap();
        // The followers fall out of the ISR (cut off from the leader), then the group commits 40.
        let followers: Vec<NodeId> = w.brokers().iter().copied().filter(|&b| b != leader).collect();
        for &f in &followers {
            w.set_link(
                leader,
                f,
                Some(franz_core::sim::network::NetworkConfig { drop_rate: 1.0, ..Default::default() }),
            )
            .unwrap();
        }
        let tp = TopicPartition::new("t", 0);
        while w.position(consumer, &tp).unwrap_or(0) < 40 {
            w.poll(consumer, 1_000).unwrap();
        }
        // Acknowledged once the leader drops the silent followers from the ISR (replica.lag.time.max.ms).
        w.commit_sync(consumer, None).unwrap();
        assert_eq!(w.describe_topic(OFFSETS_TOPIC).unwrap().partitions[0].isr, [leader], "seed {seed}");
        w.crash_broker(leader).unwrap();
        w.run_for(1_000);
        assert_eq!(w.group_offsets("g").first().map(|o| o.committed), Some(40), "seed {seed}");
    }
}

/// An adversary's finding: the offsets partition's ISR down to the coordinator (the others crashed and
/// fenced), then the coordinator crashed too: `groupOffsets` was empty, as if the group had never
/// committed (Kafka's admin client is told COORDINATOR_NOT_AVAILABLE, never "no offsets"). Its log, which
/// its restart keeps, says 3. And the topic's HW (RF 1, its only replica down) read 0 from a checkpoint.
#[test]
fn the_views_keep_what_the_last_in_sync_replica_holds_while_it_is_down() {
    for seed in 1..=4 {
        let broker_config: ConfigMap = [("flush.messages".to_string(), "1".to_string())].into();
        let mut w = World::new(ClusterConfig { seed, broker_config, ..Default::default() }).unwrap();
        w.create_topic("t", 1, Some(3), ConfigMap::new()).unwrap();
        w.create_topic("one", 1, Some(1), ConfigMap::new()).unwrap();
        let p = w.add_producer(ProducerConfig::named("p")).unwrap();
        w.send(p, "t", vec![value("a"), value("b"), value("c")]).unwrap();
        w.send(p, "one", vec![value("a"), value("b"), value("c")]).unwrap();
        let config = ConsumerConfig {
            group_id: Some("g".into()),
            auto_offset_reset: AutoOffsetReset::Earliest,
            enable_auto_commit: false,
            ..ConsumerConfig::named("c")
        };
        let c = w.add_consumer(config).unwrap();
        w.subscribe(c, vec!["t".into()]).unwrap();
        let mut read = 0;
        while read < 3 {
            read += w.poll(c, 1_000).unwrap().len();
        }
        w.commit_sync(c, None).unwrap();
        let coordinator = w.describe_group("g").coordinator.unwrap();
        for b in w.brokers().to_vec().into_iter().filter(|&b| b != coordinator) {
            w.crash_broker(b).unwrap();
        }
        w.run_for(12_000);
        w.crash_broker(coordinator).unwrap();
        let one_leader = w.describe_topic("one").unwrap().partitions[0].replicas[0];
        w.crash_broker(one_leader).unwrap_or(()); // perhaps down already
        for when in ["crashed", "fenced"] {
            let offsets = w.group_offsets("g");
            assert_eq!(offsets.iter().map(|o| o.committed).collect::<Vec<_>>(), [3], "seed {seed}, {when}");
            assert_eq!(offsets[0].lag, 0, "seed {seed}, {when}: {offsets:?}");
            assert_eq!(w.describe_topic("one").unwrap().partitions[0].high_watermark, 3, "seed {seed}, {when}");
            w.run_for(12_000);
        }
    }
}

/// `group.initial.rebalance.delay.ms` is a broker config, as in Kafka (an adversary found it refused as
/// unknown): a new group's first rebalance waits it for more members, 3 s by default, 0 here.
#[test]
fn group_initial_rebalance_delay_ms_is_the_brokers_to_set() {
    let first_assignment_ms = |delay: Option<&str>| {
        let broker_config: ConfigMap =
            delay.map(|d| ("group.initial.rebalance.delay.ms".to_string(), d.to_string())).into_iter().collect();
        let mut w = World::new(ClusterConfig { seed: 3, broker_config, ..Default::default() }).unwrap();
        w.create_topic("t", 2, None, ConfigMap::new()).unwrap();
        let config = ConsumerConfig { group_id: Some("g".into()), ..ConsumerConfig::named("c") };
        let c = w.add_consumer(config).unwrap();
        w.subscribe(c, vec!["t".into()]).unwrap();
        let started_ms = w.now_ms();
        while w.assignment(c).unwrap().is_empty() {
            w.poll(c, 100).unwrap();
        }
        w.now_ms() - started_ms
    };
    let by_default = first_assignment_ms(None);
    let without = first_assignment_ms(Some("0"));
    assert!(by_default >= 3_000, "{by_default} ms");
    assert!(without < 1_000, "{without} ms");
}

/// Kafka's `commitOffsetsSync` returns at once for empty offsets, before it looks at the generation: a member
/// that owns nothing yet (the group's first rebalance, or a newcomer to a stable group) is not refused with
/// REBALANCE_IN_PROGRESS. (Adversary 21.)
#[test]
fn a_member_owning_nothing_commits_nothing_without_error_while_its_group_rebalances() {
    for seed in 1..=4 {
        let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
        w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
        let first = member(&mut w, "g", "first", &["t"], |_| {});
        w.poll(first, 1_000).unwrap(); // within group.initial.rebalance.delay.ms: nothing assigned yet
        assert_eq!(w.describe_group("g").state, ConsumerGroupState::PreparingRebalance, "seed {seed}");
        w.commit_sync(first, None).unwrap_or_else(|e| panic!("seed {seed}: commitSync(): {e}"));
        w.commit_sync(first, Some(vec![])).unwrap_or_else(|e| panic!("seed {seed}: commitSync([]): {e}"));
        for _ in 0..6 {
            w.poll(first, 1_000).unwrap();
        }
        let newcomer = member(&mut w, "g", "newcomer", &["t"], |_| {});
        w.commit_sync(newcomer, None).unwrap_or_else(|e| panic!("seed {seed}: the newcomer's commitSync(): {e}"));
    }
}

/// Kafka's consumer wakes inside a long `poll` at its auto-commit deadline (`timeToNextPoll` counts the
/// auto-commit timer), so a consumer blocked on an idle partition still commits what earlier polls returned
/// every `auto.commit.interval.ms`. (Adversary 21: after `poll(30000)` the group's lag was still 2.)
#[test]
fn auto_commit_runs_while_a_poll_waits() {
    for seed in 1..=4 {
        let mut w = world_with_records(seed, 2);
        let c = group_consumer(&mut w, "auto", "c");
        let mut got = 0;
        while got < 2 {
            got += w.poll(c, 500).unwrap().len();
        }
        let start_ms = w.now_ms();
        assert!(w.poll(c, 30_000).unwrap().is_empty());
        assert_eq!(w.group_offsets("auto")[0].committed, 2, "seed {seed}: committed inside the 30 s poll");
        let commits: Vec<u64> = w
            .trace()
            .kept()
            .filter(|e| e.time_ms > start_ms)
            .filter(|e| matches!(&e.kind, franz_core::trace::TraceKind::RecordsAppended { topic, .. } if topic == OFFSETS_TOPIC))
            .map(|e| e.time_ms - start_ms)
            .collect();
        assert!(commits.first().is_some_and(|&t| t <= 5_100), "seed {seed}: commits {commits:?} ms into the poll");
        assert!(commits.len() >= 5, "seed {seed}: one commit every 5 s of the poll: {commits:?}");
    }
}

/// Only the cluster writes `__consumer_offsets` (Kafka's `appendToLocalLog` refuses a client's Produce to an
/// internal topic with INVALID_TOPIC_EXCEPTION); reading it is ordinary (lag exporters, the console consumer),
/// and the checker does not call its records phantom reads. (Adversary 21: a forged commit record was
/// acknowledged and became the group's committed offset once its coordinator moved.)
#[test]
fn clients_read_consumer_offsets_but_never_write_it() {
    for seed in 1..=4 {
        let mut w = world_with_records(seed, 5);
        let c = group_consumer(&mut w, "app", "app");
        assert_eq!(w.poll(c, 2_000).unwrap().len(), 5);
        w.commit_sync(c, None).unwrap();
        let p = w.add_producer(ProducerConfig::named("forger")).unwrap();
        let forged =
            ProducerRecord { key: Some("offset:app:t:0".into()), value: Some("0".into()), ..Default::default() };
        let refused = w.send(p, OFFSETS_TOPIC, vec![forged]).unwrap_err();
        assert_eq!(refused.code, ErrorCode::InvalidTopicException, "seed {seed}: {refused}");
        let monitor = w
            .add_consumer(ConsumerConfig {
                auto_offset_reset: AutoOffsetReset::Earliest,
                ..ConsumerConfig::named("lag")
            })
            .unwrap();
        let partitions = w.describe_topic(OFFSETS_TOPIC).unwrap().partitions.len() as u32;
        w.assign(monitor, (0..partitions).map(|i| TopicPartition::new(OFFSETS_TOPIC, i)).collect()).unwrap();
        let mut read = 0;
        for _ in 0..5 {
            read += w.poll(monitor, 1_000).unwrap().len();
        }
        assert!(read > 0, "seed {seed}: the monitor read the group's records");
        let report = w.check();
        assert!(report.ok, "seed {seed}: {:#?}", report.violations);
        assert_eq!(w.group_offsets("app")[0].committed, 5, "seed {seed}");
    }
}

/// Adversary 32: a group whose `__consumer_offsets` partition is under `min.insync.replicas` rebalances round
/// after round (its coordinator cannot write an assignment; Kafka's `resetAndPropagateAssignmentError`), and
/// the trace said only "generation N". It now says why, each round; once the followers are back the group
/// settles.
#[test]
fn a_group_that_cannot_store_its_assignment_says_why_and_settles_once_it_can() {
    use franz_core::trace::TraceKind;
    for seed in 1..=4 {
        let broker_config: ConfigMap = [("min.insync.replicas".to_string(), "2".to_string())].into();
        let mut w = World::new(ClusterConfig { seed, broker_config, ..Default::default() }).unwrap();
        w.create_topic("a", 3, Some(3), ConfigMap::new()).unwrap();
        let consumers: Vec<NodeId> = ["c0", "c1"]
            .iter()
            .map(|name| {
                let config = ConsumerConfig { group_id: Some("g".into()), ..ConsumerConfig::named(*name) };
                let c = w.add_consumer(config).unwrap();
                w.subscribe(c, vec!["a".into()]).unwrap();
                c
            })
            .collect();
        for &c in &consumers {
            w.poll(c, 500).unwrap();
        }
        let coordinator = w.describe_group("g").coordinator.unwrap();
        let others: Vec<NodeId> = w.brokers().iter().copied().filter(|&b| b != coordinator).collect();
        for &b in &others {
            w.crash_broker(b).unwrap();
        }
        w.run_for(35_000); // the followers leave the ISR (replica.lag.time.max.ms)
        let since = w.trace().since(0).last().map_or(0, |e| e.seq);
        for _ in 0..10 {
            for &c in &consumers {
                let _ = w.poll(c, 500);
            }
        }
        let not_stored: Vec<_> = w
            .trace()
            .since(since)
            .into_iter()
            .filter_map(|e| match e.kind {
                TraceKind::GroupAssignmentNotStored { group, error, message, .. } => Some((group, error, message)),
                _ => None,
            })
            .collect();
        assert!(!not_stored.is_empty(), "seed {seed}: the trace says why the group rebalances again");
        // Written with acks=1 as Kafka 4 writes them, each waits offsets.commit.timeout.ms (5 s) for the high
        // watermark before it fails: a few rounds in these ~10 s, not one every 0.3 s (adversary 63).
        assert!(not_stored.len() <= 3, "seed {seed}: {} rounds", not_stored.len());
        for (group, error, message) in &not_stored {
            assert_eq!((group.as_str(), *error), ("g", ErrorCode::CoordinatorNotAvailable), "seed {seed}");
            assert!(message.contains("not replicated within offsets.commit.timeout.ms"), "seed {seed}: {message}");
        }
        for &b in &others {
            w.restart_broker(b).unwrap();
        }
        w.run_for(15_000);
        for _ in 0..10 {
            for &c in &consumers {
                w.poll(c, 500).unwrap();
            }
        }
        assert_eq!(w.describe_group("g").state, ConsumerGroupState::Stable, "seed {seed}");
        franz_tests::assert_serving(&mut w, &format!("seed {seed}, once the followers are back"));
    }
}

/// Adversary 31: `offsets.topic.replication.factor` was quietly capped at the brokers alive, so a group used
/// on a cluster too small for it worked, where Kafka's is Kafka's best-known single-broker pitfall: the
/// controller refuses to create `__consumer_offsets` while fewer brokers are registered, and groups have no
/// coordinator (COORDINATOR_NOT_AVAILABLE). Once enough brokers are there, it is created and the group works.
#[test]
fn offsets_topic_replication_factor_above_the_brokers_leaves_groups_without_a_coordinator() {
    use franz_core::trace::TraceKind;
    for seed in 1..=3 {
        let broker_config: ConfigMap = [("offsets.topic.replication.factor".to_string(), "3".to_string())].into();
        let mut w = World::new(ClusterConfig { seed, brokers: 1, broker_config, ..Default::default() }).unwrap();
        w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
        let p = w.add_producer(ProducerConfig::named("p")).unwrap();
        w.send(p, "t", vec![value("a")]).unwrap();
        let c = group_consumer(&mut w, "g", "c");
        // Its position waits for the group's committed offset (Kafka's `refreshCommittedOffsetsIfNeeded`).
        assert!(w.poll(c, 1_000).unwrap().is_empty(), "seed {seed}: no coordinator, no committed offset, no position");
        let at =
            |offset| Some(vec![franz_core::sim::scenario::PartitionOffset { topic: "t".into(), partition: 0, offset }]);
        let e = w.commit_sync(c, at(0)).unwrap_err();
        // (Kafka's commitSync retries COORDINATOR_NOT_AVAILABLE until default.api.timeout.ms: a timeout.)
        assert_eq!(e.code, ErrorCode::RequestTimedOut, "seed {seed}: {e}");
        assert!(!w.list_topics().contains(&OFFSETS_TOPIC.to_string()), "seed {seed}");
        let refusals: Vec<String> = w
            .trace()
            .since(0)
            .into_iter()
            .filter_map(|e| match e.kind {
                TraceKind::OffsetsTopicNotCreated { error: ErrorCode::InvalidReplicationFactor, message } => {
                    Some(message)
                }
                _ => None,
            })
            .collect();
        assert_eq!(refusals.len(), 1, "seed {seed}: said once, not at every retry: {refusals:?}");
        assert!(refusals[0].contains("only 1 broker(s) are registered"), "seed {seed}: {}", refusals[0]);
        w.add_broker().unwrap();
        w.add_broker().unwrap();
        w.run_for(5_000);
        assert_eq!(values(&w.poll(c, 1_000).unwrap()), ["a"], "seed {seed}");
        w.commit_sync(c, None).unwrap();
        let d = w.describe_topic(OFFSETS_TOPIC).unwrap();
        assert!(d.partitions.iter().all(|p| p.replicas.len() == 3), "seed {seed}");
        assert_eq!(w.group_offsets("g")[0].committed, 1, "seed {seed}");
    }
}

/// Unset, `offsets.topic.replication.factor` is min(3, brokers), as a topic's replication factor: with two
/// of three brokers down when a group is first used, `__consumer_offsets` still gets three replicas (the
/// fenced ones as followers, as KRaft places), not one for good.
#[test]
fn the_offsets_topic_created_while_brokers_are_down_gets_its_full_replication_factor() {
    for seed in 1..=3 {
        let mut w = world_with_records(seed, 3);
        w.crash_broker(2).unwrap();
        w.crash_broker(3).unwrap();
        w.run_for(12_000);
        let c = group_consumer(&mut w, "g", "c");
        w.poll(c, 1_000).unwrap();
        let _ = w.commit_sync(c, None);
        w.restart_broker(2).unwrap();
        w.restart_broker(3).unwrap();
        w.run_for(40_000);
        let d = w.describe_topic(OFFSETS_TOPIC).unwrap();
        assert!(d.partitions.iter().all(|p| p.replicas.len() == 3 && p.isr.len() == 3), "seed {seed}: {d:?}");
        // Kafka's `groupMetadataTopicConfigs`, as topic configs (adversary 31: it showed a 1 GiB default).
        for (key, value) in
            [("cleanup.policy", "compact"), ("compression.type", "producer"), ("segment.bytes", "104857600")]
        {
            let entry = d.config_entries.iter().find(|e| e.name == key).unwrap();
            assert_eq!(entry.value, value, "seed {seed}: {key}");
            assert_eq!(entry.source, franz_core::config::ConfigSource::DynamicTopicConfig, "seed {seed}: {key}");
        }
        franz_tests::assert_serving(&mut w, &format!("seed {seed}"));
    }
}

/// Adversary 34: a member that subscribed to more topics gave its partitions up at once, with a commit under
/// no generation that never landed, and read everything again; subscribing again to the same topics
/// rebalanced too. Kafka's `subscribe` changes nothing when the topics are the same, and otherwise the member
/// joins again at its next poll, committing first with auto-commit (`onJoinPrepare`). Eager and
/// cooperative alike: nothing is read twice, and the new topic is read.
#[test]
fn changing_a_subscription_commits_first_and_the_same_subscription_changes_nothing() {
    for seed in 1..=3 {
        for assignor in ["range", "cooperative-sticky"] {
            let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
            w.create_topic("t", 3, None, ConfigMap::new()).unwrap();
            w.create_topic("u", 1, None, ConfigMap::new()).unwrap();
            let p = w.add_producer(ProducerConfig::named("p")).unwrap();
            for i in 0..30 {
                w.send(p, "t", vec![kv(&format!("k{i}"), &format!("t{i}"))]).unwrap();
            }
            w.send(p, "u", vec![value("u0")]).unwrap();
            // (No periodic auto-commit meanwhile: the commit as the member joins again is the one that counts.)
            let c = member(&mut w, "g", "c", &["t"], |c| {
                c.assignor = assignor.into();
                c.auto_commit_interval_ms = 600_000;
            });
            let mut read = Vec::new();
            for _ in 0..20 {
                read.extend(values(&w.poll(c, 500).unwrap()));
            }
            assert_eq!(read.len(), 30, "seed {seed} {assignor}");
            let generation = w.describe_group("g").generation;
            w.subscribe(c, vec!["t".into()]).unwrap();
            assert_eq!(w.assignment(c).unwrap().len(), 3, "seed {seed} {assignor}: the same topics change nothing");
            w.poll(c, 500).unwrap();
            assert_eq!(w.describe_group("g").generation, generation, "seed {seed} {assignor}: no rebalance");
            w.subscribe(c, vec!["t".into(), "u".into()]).unwrap();
            for _ in 0..20 {
                read.extend(values(&w.poll(c, 500).unwrap()));
            }
            let mut sorted = read.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), read.len(), "seed {seed} {assignor}: a record read twice: {read:?}");
            assert!(read.contains(&"u0".to_string()), "seed {seed} {assignor}: the new topic is read");
            assert_eq!(w.assignment(c).unwrap().len(), 4, "seed {seed} {assignor}");
            assert!(w.check().ok, "seed {seed} {assignor}: {:?}", w.check().violations);
        }
    }
}

/// Adversary 34: Kafka's `unsubscribe()` gives the partitions up and leaves without committing
/// (`onLeavePrepare`, then `maybeLeaveGroup`); Franz committed first, so the group's next member did not read
/// again what Kafka's would.
#[test]
fn unsubscribing_commits_nothing() {
    for seed in 1..=3 {
        let mut w = world_with_records(seed, 10);
        let a = member(&mut w, "g", "a", &["t"], |c| c.auto_commit_interval_ms = 60_000);
        let mut got = Vec::new();
        for _ in 0..10 {
            got.extend(values(&w.poll(a, 500).unwrap()));
        }
        assert_eq!(got.len(), 10, "seed {seed}");
        w.subscribe(a, vec![]).unwrap();
        w.run_for(2_000);
        assert!(w.group_offsets("g").is_empty(), "seed {seed}: {:?}", w.group_offsets("g"));
        let b = member(&mut w, "g", "b", &["t"], |_| {});
        let mut again = Vec::new();
        for _ in 0..20 {
            again.extend(values(&w.poll(b, 500).unwrap()));
        }
        assert_eq!(again.len(), 10, "seed {seed}: the next member reads them again");
    }
}

/// A cluster whose committed offsets expire a minute after their group became Empty (Kafka's
/// `offsets.retention.minutes`, 7 days by default), checked every 5 s.
fn world_with_offsets_retention(seed: u64, records: usize) -> World {
    let broker_config: ConfigMap = [
        ("offsets.retention.minutes".to_string(), "1".to_string()),
        ("offsets.retention.check.interval.ms".to_string(), "5000".to_string()),
    ]
    .into();
    let mut w = World::new(ClusterConfig { seed, broker_config, ..Default::default() }).unwrap();
    w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    w.send(p, "t", (0..records).map(|i| value(&format!("v{i}"))).collect()).unwrap();
    w
}

fn subscriber(w: &mut World, group: &str, name: &str, reset: AutoOffsetReset) -> NodeId {
    let config = ConsumerConfig {
        group_id: Some(group.into()),
        auto_offset_reset: reset,
        max_poll_records: 3,
        enable_auto_commit: false,
        ..ConsumerConfig::named(name)
    };
    let c = w.add_consumer(config).unwrap();
    w.subscribe(c, vec!["t".into()]).unwrap();
    c
}

fn expired_groups(w: &World) -> Vec<String> {
    w.trace()
        .kept()
        .filter_map(|e| match &e.kind {
            franz_core::trace::TraceKind::OffsetsExpired { group, .. } => Some(group.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn an_empty_groups_committed_offsets_expire_after_offsets_retention_minutes_and_a_returning_consumer_resets() {
    for seed in 1..=4 {
        let mut w = world_with_offsets_retention(seed, 5);
        let c = subscriber(&mut w, "g", "c1", AutoOffsetReset::Earliest);
        let mut polled = Vec::new();
        for _ in 0..20 {
            polled.extend(values(&w.poll(c, 1_000).unwrap()));
            if !polled.is_empty() {
                break;
            }
        }
        assert_eq!(polled, ["v0", "v1", "v2"], "seed {seed}");
        w.commit_sync(c, None).unwrap();
        w.close_client(c).unwrap();
        w.run_for(50_000);
        assert_eq!(w.group_offsets("g").first().map(|o| o.committed), Some(3), "seed {seed}: kept under a minute");
        assert_eq!(w.describe_group("g").state, ConsumerGroupState::Empty, "seed {seed}");
        w.run_for(20_000); // a minute since it became Empty, and a check
        assert!(w.group_offsets("g").iter().all(|o| o.committed == 0), "seed {seed}: {:?}", w.group_offsets("g"));
        assert_eq!(w.describe_group("g").state, ConsumerGroupState::Dead, "seed {seed}: the empty group is deleted");
        assert_eq!(expired_groups(&w), ["g"], "seed {seed}");
        // Kafka's consumer with auto.offset.reset=latest starts at the end, not at the expired commit (3).
        let back = subscriber(&mut w, "g", "c2", AutoOffsetReset::Latest);
        w.poll(back, 3_000).unwrap();
        w.poll(back, 3_000).unwrap();
        assert_eq!(w.position(back, &TopicPartition::new("t", 0)).unwrap(), 5, "seed {seed}");
        let report = w.check();
        assert!(report.ok, "seed {seed}: {:?}", report.violations);
        franz_tests::assert_serving(&mut w, &format!("seed {seed}, after the offsets expired"));
    }
}

#[test]
fn a_stable_groups_offsets_wait_for_it_to_empty_and_assigned_consumers_offsets_expire_after_their_commit() {
    for seed in 1..=3 {
        let mut w = world_with_offsets_retention(seed, 9);
        let member = subscriber(&mut w, "live", "m", AutoOffsetReset::Earliest);
        let standalone = group_consumer(&mut w, "standalone", "s");
        for _ in 0..20 {
            if !w.poll(member, 1_000).unwrap().is_empty() {
                break;
            }
        }
        w.commit_sync(member, None).unwrap();
        w.poll(standalone, 1_000).unwrap();
        w.commit_sync(standalone, None).unwrap();
        // Three minutes: the member keeps polling (its group Stable, its topic subscribed); the standalone
        // consumer (assign, no members) commits no more.
        for _ in 0..36 {
            w.poll(member, 5_000).unwrap();
        }
        let committed = |w: &World, g: &str| w.group_offsets(g).first().map(|o| o.committed);
        assert_eq!(committed(&w, "live"), Some(3), "seed {seed}: a Stable group's subscribed topic keeps its offsets");
        assert_eq!(committed(&w, "standalone"), None, "seed {seed}: expired a minute after its commit");
        assert_eq!(expired_groups(&w), ["standalone"], "seed {seed}");
        // Once Empty, the minute counts from then (KIP-211), not from the three-minute-old commit.
        w.close_client(member).unwrap();
        w.run_for(50_000);
        assert_eq!(w.describe_group("live").state, ConsumerGroupState::Empty, "seed {seed}");
        assert_eq!(committed(&w, "live"), Some(3), "seed {seed}: a minute from when the group emptied");
        w.run_for(20_000);
        assert_eq!(committed(&w, "live"), None, "seed {seed}: expired a minute after the group emptied");
        assert_eq!(expired_groups(&w), ["standalone", "live"], "seed {seed}");
        let report = w.check();
        assert!(report.ok, "seed {seed}: {:?}", report.violations);
    }
}

#[test]
fn offsets_retention_takes_kafkas_keys_and_ranges() {
    let config = |k: &str, v: &str| ClusterConfig {
        broker_config: [(k.to_string(), v.to_string())].into(),
        ..Default::default()
    };
    assert!(World::new(config("offsets.retention.minutes", "10080")).is_ok());
    assert!(World::new(config("offsets.retention.check.interval.ms", "600000")).is_ok());
    for (k, v) in [
        ("offsets.retention.minutes", "0"),
        ("offsets.retention.check.interval.ms", "0"),
        ("offsets.retention.minutes", "2147483648"),
        ("offsets.commit.timeout.ms", "0"),
        ("offsets.commit.timeout.ms", "2147483648"),
    ] {
        let e = World::new(config(k, v)).err().unwrap();
        assert_eq!(e.code, ErrorCode::InvalidConfig, "{k}={v}");
    }
}

/// Kafka's classic coordinator never takes a member id back once it removed it: a JoinGroup naming it (here
/// a's, which learnt of the rebalance only after it went on without it: the coordinator's answers to a are
/// slower than the rebalance timeout) is refused
/// UNKNOWN_MEMBER_ID, and the consumer joins again as new, under a new id. (A removed id coming back would
/// also blind the checker, which takes a removed member's later beliefs for a zombie's.)
#[test]
fn a_member_a_rebalance_went_on_without_joins_again_under_a_new_member_id() {
    for seed in 1..=4 {
        let mut w = world_with_records(seed, 10);
        let tweak = |c: &mut ConsumerConfig| {
            c.enable_auto_commit = false;
            c.max_poll_interval_ms = 2_000; // the rebalance timeout
            c.session_timeout_ms = 20_000;
            c.heartbeat_interval_ms = 1_000;
        };
        let a = member(&mut w, "g", "a", &["t"], tweak);
        for _ in 0..20 {
            w.poll(a, 200).unwrap();
        }
        let id_of = |w: &World, client: &str| -> Option<String> {
            let group = w.describe_group("g");
            group.members.iter().find(|m| m.client_id == client).map(|m| m.member_id.clone())
        };
        let first_id = id_of(&w, "a").expect("a is a member");
        let coordinator = w.describe_group("g").coordinator.unwrap();
        let slow = franz_core::sim::network::NetworkConfig { latency_ms: 3_000, jitter_ms: 0, drop_rate: 0.0 };
        w.set_link_one_way(coordinator, a, Some(slow)).unwrap();
        let b = member(&mut w, "g", "b", &["t"], tweak);
        for _ in 0..60 {
            w.poll(a, 100).unwrap();
            w.poll(b, 100).unwrap();
        }
        w.set_link_one_way(coordinator, a, None).unwrap();
        for _ in 0..100 {
            w.poll(a, 100).unwrap();
            w.poll(b, 100).unwrap();
        }
        let removed: Vec<String> = w
            .trace()
            .kept()
            .filter_map(|e| match &e.kind {
                franz_core::trace::TraceKind::GroupMemberRemoved { member, .. } => Some(member.clone()),
                _ => None,
            })
            .collect();
        assert!(removed.contains(&first_id), "seed {seed}: the rebalance went on without a: {removed:?}");
        let group = w.describe_group("g");
        assert_eq!(group.state, ConsumerGroupState::Stable, "seed {seed}");
        assert_eq!(group.members.len(), 2, "seed {seed}: {group:?}");
        assert!(group.members.iter().all(|m| !removed.contains(&m.member_id)), "seed {seed}: {group:?} {removed:?}");
        assert_ne!(id_of(&w, "a"), Some(first_id), "seed {seed}");
        assert!(w.check().ok, "seed {seed}: {:?}", w.check().violations);
    }
}

/// Adversary 50: with `auto.offset.reset=none` and nothing committed, poll threw `NoOffsetForPartition` for
/// ever, even once the group had committed an offset (the coordinator was asked once, at the assignment).
/// Kafka asks again at every poll (`refreshCommittedOffsetsIfNeeded`) while a partition has no position.
#[test]
fn a_partition_without_a_position_asks_for_its_committed_offset_again_at_each_poll() {
    for seed in 1..=4 {
        let mut w = world_with_records(seed, 10);
        let tp = TopicPartition::new("t", 0);
        let strict = ConsumerConfig {
            group_id: Some("g".into()),
            auto_offset_reset: AutoOffsetReset::None,
            enable_auto_commit: false,
            ..ConsumerConfig::named("strict")
        };
        let b = w.add_consumer(strict).unwrap();
        w.assign(b, vec![tp.clone()]).unwrap();
        assert_eq!(w.poll(b, 500).unwrap_err().code, ErrorCode::NoOffsetForPartition, "seed {seed}");
        assert_eq!(w.poll(b, 500).unwrap_err().code, ErrorCode::NoOffsetForPartition, "seed {seed}: still none");
        // Another consumer of the group commits 7: the next poll starts there.
        let a = group_consumer(&mut w, "g", "a");
        let at = |offset| franz_core::sim::scenario::PartitionOffset { topic: "t".into(), partition: 0, offset };
        w.commit_sync(a, Some(vec![at(7)])).unwrap();
        let records = w.poll(b, 1_000).unwrap();
        assert_eq!(records.first().map(|r| r.offset), Some(7), "seed {seed}");
        // And a consumer that commits for itself before it has a position (case A of the report).
        let c = w.add_consumer(ConsumerConfig { group_id: Some("h".into()), ..w_strict("c") }).unwrap();
        w.assign(c, vec![tp.clone()]).unwrap();
        assert_eq!(w.poll(c, 500).unwrap_err().code, ErrorCode::NoOffsetForPartition, "seed {seed}");
        w.commit_sync(c, Some(vec![at(4)])).unwrap();
        assert_eq!(w.poll(c, 1_000).unwrap().first().map(|r| r.offset), Some(4), "seed {seed}");
        assert!(w.check().ok, "seed {seed}: {:?}", w.check().violations);
    }
}

/// Adversary 53: while one partition has no offset (`none`), Kafka's poll throws, naming every such
/// partition, paused or not; Franz handed out the other partitions' records while it asked the coordinator
/// again.
#[test]
fn a_partition_without_an_offset_holds_back_the_others_records_paused_or_not() {
    for (seed, pause) in [(1, false), (2, true), (3, false)] {
        let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
        w.create_topic("u", 3, None, ConfigMap::new()).unwrap();
        let p = w.add_producer(ProducerConfig::named("p")).unwrap();
        for partition in 0..3 {
            let records = (0..4).map(|i| ProducerRecord { partition: Some(partition), ..value(&format!("v{i}")) });
            w.send(p, "u", records.collect()).unwrap();
        }
        let tps: Vec<TopicPartition> = (0..3).map(|p| TopicPartition::new("u", p)).collect();
        let a = w.add_consumer(ConsumerConfig { group_id: Some("g".into()), ..w_strict("a") }).unwrap();
        w.assign(a, tps.clone()).unwrap();
        let at =
            |partition, offset| franz_core::sim::scenario::PartitionOffset { topic: "u".into(), partition, offset };
        w.commit_sync(a, Some(vec![at(0, 1)])).unwrap();
        w.close_client(a).unwrap();
        let b = w.add_consumer(ConsumerConfig { group_id: Some("g".into()), ..w_strict("b") }).unwrap();
        w.assign(b, tps.clone()).unwrap();
        if pause {
            w.pause_partitions(b, tps[2..].to_vec(), true).unwrap();
        }
        for _ in 0..5 {
            let e = w.poll(b, 500).unwrap_err();
            assert_eq!(e.code, ErrorCode::NoOffsetForPartition, "seed {seed}");
            assert!(e.message.contains("[u-1, u-2]"), "seed {seed}: {}", e.message);
        }
        w.seek(b, &tps[1], 0).unwrap();
        w.seek(b, &tps[2], 3).unwrap();
        let mut offsets: Vec<(u32, u64)> = Vec::new();
        for _ in 0..10 {
            offsets.extend(w.poll(b, 200).unwrap().iter().map(|r| (r.partition, r.offset)));
        }
        offsets.sort();
        let expected: Vec<(u32, u64)> = [(0, 1), (0, 2), (0, 3), (1, 0), (1, 1), (1, 2), (1, 3)]
            .into_iter()
            .chain((!pause).then_some((2, 3)))
            .collect();
        assert_eq!(offsets, expected, "seed {seed}");
    }
}

fn w_strict(name: &str) -> ConsumerConfig {
    ConsumerConfig {
        auto_offset_reset: AutoOffsetReset::None,
        enable_auto_commit: false,
        ..ConsumerConfig::named(name)
    }
}

/// Adversary 50: `subscribe` on a consumer assigned partitions by hand dropped them and joined the group;
/// Kafka throws IllegalStateException. `unsubscribe` (and `subscribe([])`) clears a manual assignment.
#[test]
fn subscribe_after_assign_is_refused_and_unsubscribe_clears_the_assignment() {
    let mut w = world_with_records(1, 3);
    let c = group_consumer(&mut w, "g", "c");
    let e = w.subscribe(c, vec!["t".into()]).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidRequest, "{e}");
    assert_eq!(w.assignment(c).unwrap(), [TopicPartition::new("t", 0)], "the manual assignment stays");
    w.subscribe(c, vec![]).unwrap();
    assert!(w.assignment(c).unwrap().is_empty(), "subscribe([]) is unsubscribe(), which clears it");
    w.subscribe(c, vec!["t".into()]).unwrap();
    let mut polled = 0;
    for _ in 0..20 {
        polled += w.poll(c, 500).unwrap().len();
    }
    assert_eq!(polled, 3, "a member now");
    // assign([]) is unsubscribe(), a member's too (adversary 53).
    w.assign(c, vec![]).unwrap();
    assert!(w.assignment(c).unwrap().is_empty(), "assign([]) left the group");
    w.assign(c, vec![TopicPartition::new("t", 0)]).unwrap();
}

/// A poll longer than `max.poll.interval.ms` is no lapse (Kafka's poll resets its poll timer as it waits),
/// and costs what its time costs: the member stays, and the lapse's timer, past due in the poll, fired every
/// millisecond (the audit of 94: an hour's poll took 4.9 M events, an hour's runFor 0.2 M).
#[test]
fn an_hour_long_poll_keeps_the_member_and_costs_what_its_time_costs() {
    let mut w = world_with_records(2, 0);
    let member = |w: &mut World, name: &str| {
        let config = ConsumerConfig { group_id: Some("g".into()), ..ConsumerConfig::named(name) };
        let c = w.add_consumer(config).unwrap();
        w.subscribe(c, vec!["t".into()]).unwrap();
        c
    };
    let (a, b) = (member(&mut w, "a"), member(&mut w, "b"));
    for c in [a, b, a, b] {
        w.poll(c, 5_000).unwrap();
    }
    let before = w.events_dispatched();
    w.poll(a, 100_000).unwrap();
    w.poll(b, 100_000).unwrap();
    let two_short_polls = w.events_dispatched() - before;
    let before = w.events_dispatched();
    assert_eq!(w.poll(a, 3_600_000).unwrap().len(), 0);
    let hour = w.events_dispatched() - before;
    assert!(hour < two_short_polls * 18 * 3 / 2, "an hour's poll: {hour} events; 200 s of polls: {two_short_polls}");
    let members = w.describe_group("g").members;
    assert_eq!(members.len(), 1, "b stopped polling an hour ago and left; a stayed: {members:?}");
    assert_eq!(members[0].client_id, "a");
}

/// A member takes whatever its group hands it: at Franz's old bound of 4,096 partitions a consumer, a
/// member given more read nothing, silently (its OffsetFetch was refused; adversary 59).
#[test]
fn a_member_given_thousands_of_partitions_reads_them() {
    let mut w = World::new(ClusterConfig { seed: 1, ..Default::default() }).unwrap();
    w.create_topic("big", 4_100, None, ConfigMap::new()).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    w.send(p, "big", vec![ProducerRecord { partition: Some(4_099), ..value("last") }]).unwrap();
    let config = ConsumerConfig {
        group_id: Some("g".into()),
        auto_offset_reset: AutoOffsetReset::Earliest,
        ..ConsumerConfig::named("k")
    };
    let k = w.add_consumer(config).unwrap();
    w.subscribe(k, vec!["big".into()]).unwrap();
    let mut read = Vec::new();
    for _ in 0..10 {
        read.extend(values(&w.poll(k, 1_000).unwrap()));
    }
    assert_eq!(w.assignment(k).unwrap().len(), 4_100);
    assert_eq!(read, ["last"]);
}

/// Adversary 60, F1: `close()` with its coordinator cut off and a short `session.timeout.ms` (6 s). Kafka's
/// heartbeat thread runs until the closing commit is answered: its session timer marks the silent
/// coordinator unknown, the commit goes to the new coordinator, and the member, still heartbeating, is
/// still in the group there. Franz's closing member sent no heartbeat, so the new coordinator removed it,
/// refused the commit, and `close()` returned after ~30 s with the positions lost.
#[test]
fn close_with_its_coordinator_cut_off_commits_to_the_new_coordinator() {
    for seed in 1..=4 {
        let mut w = World::new(ClusterConfig { seed, brokers: 3, ..Default::default() }).unwrap();
        w.create_topic("t", 6, Some(3), ConfigMap::new()).unwrap();
        keyed_records(&mut w, 60);
        let settings = |c: &mut ConsumerConfig| {
            c.session_timeout_ms = 6_000;
            c.heartbeat_interval_ms = 2_000;
            c.auto_commit_interval_ms = 60_000;
        };
        let a = member(&mut w, "g", "a", &["t"], settings);
        let b = member(&mut w, "g", "b", &["t"], settings);
        for _ in 0..6 {
            w.poll(a, 500).unwrap();
            w.poll(b, 500).unwrap();
        }
        let positions: Vec<(u32, u64)> =
            w.assignment(a).unwrap().iter().map(|tp| (tp.partition, w.position(a, tp).unwrap())).collect();
        assert!(positions.iter().any(|&(_, p)| p > 0), "seed {seed}: a read something");
        let coordinator = w.describe_group("g").coordinator.unwrap();
        w.partition_network(vec![vec![coordinator]]).unwrap();
        let started_ms = w.now_ms();
        w.close_client(a).unwrap();
        let took_ms = w.now_ms() - started_ms;
        assert!(took_ms < 20_000, "seed {seed}: close() took {took_ms} ms (30 s is its whole timeout)");
        let offsets = w.group_offsets("g");
        for (partition, position) in positions {
            let committed = offsets.iter().find(|o| o.partition == partition).map(|o| o.committed);
            assert_eq!(committed, Some(position), "seed {seed}: a's closing commit of partition {partition}");
        }
        assert!(w.check().ok, "seed {seed}: {:?}", w.check().violations);
    }
}

/// A consumer that `assign`s itself partitions, in a group others joined: its closing commit is refused
/// (Kafka's coordinator takes a commit from outside the generation only while the group is Empty). Kafka's
/// `close()` logs the failure and returns; Franz's says so in the trace and to the page.
#[test]
fn a_refused_closing_commit_is_told() {
    for seed in 1..=3 {
        let mut w = world_with_records(seed, 10);
        let b = member(&mut w, "g", "b", &["t"], |_| {});
        w.poll(b, 1_000).unwrap();
        let a = group_consumer(&mut w, "g", "a");
        assert!(!w.poll(a, 1_000).unwrap().is_empty(), "seed {seed}");
        w.close_client(a).unwrap();
        let refused = w.close_commit_failed(a);
        assert!(
            matches!(refused, Some(ErrorCode::UnknownMemberId | ErrorCode::IllegalGeneration)),
            "seed {seed}: {refused:?}"
        );
        let line =
            w.trace().kept().rev().find(|e| e.kind.kind_name() == "consumer_close_commit_failed").map(|e| e.text());
        assert!(line.is_some_and(|l| l.contains("close() could not commit its positions in group g")), "seed {seed}");
        assert_eq!(w.close_commit_failed(b), None, "seed {seed}: b is not closed");
    }
}

/// Adversary 60, F2: a new group's first member on a topic of thousands of partitions took time growing with
/// their square (10,000 partitions: 2 s natively; 19,999: 10 s). Each partition's `auto.offset.reset` was
/// one ListOffsets request, and each answer an event that looked at every partition. Kafka's consumer asks
/// each leader once for all of its partitions: so does Franz's, and the join costs events per leader.
#[test]
fn a_new_groups_first_join_resets_every_partition_with_one_request_per_leader() {
    for seed in 1..=2 {
        let mut w = World::new(ClusterConfig { seed, brokers: 3, ..Default::default() }).unwrap();
        w.create_topic("big", 2_000, None, ConfigMap::new()).unwrap();
        let p = w.add_producer(ProducerConfig::named("p")).unwrap();
        let records = (0..20).map(|i| ProducerRecord { partition: Some(i * 100), ..value(&format!("v{i}")) });
        w.send(p, "big", records.collect()).unwrap();
        w.run_for(5_000);
        let before = w.events_dispatched();
        let c = member(&mut w, "g", "c", &["big"], |c| c.max_poll_records = 100);
        let mut read = Vec::new();
        for _ in 0..10 {
            read.extend(values(&w.poll(c, 1_000).unwrap()));
        }
        let events = w.events_dispatched() - before;
        assert_eq!(w.assignment(c).unwrap().len(), 2_000, "seed {seed}");
        assert_eq!(read.len(), 20, "seed {seed}: every record read");
        let lists = w.trace().kept().filter(|e| e.kind.kind_name() == "consumer_offset_reset").count();
        assert_eq!(lists, 2_000, "seed {seed}: every partition reset to its earliest offset");
        // (Before: 4,348 events, two per partition.)
        assert!(events < 1_000, "seed {seed}: {events} events to join and read (two per partition: 4,493)");
        assert!(w.check().ok, "seed {seed}: {:?}", w.check().violations);
    }
}

/// Adversary 61: `close()` lost the positions without a word in two cases Kafka logs. (a) Its commit got no
/// answer within the 30 s close (the clients cut off from every broker): REQUEST_TIMED_OUT. (b) A
/// cooperative member consuming during a rebalance closes: Kafka commits only in a stable generation, so the
/// commit fails with RebalanceInProgressException. Either way the trace and the world say so.
#[test]
fn a_closing_commit_that_times_out_or_meets_a_rebalance_is_told() {
    for seed in 1..=3 {
        let mut w = world_with_records(seed, 10);
        let a = member(&mut w, "g", "a", &["t"], |c| c.auto_commit_interval_ms = 60_000);
        let mut read = 0;
        for _ in 0..5 {
            read += w.poll(a, 2_000).unwrap().len();
        }
        assert_eq!(read, 10, "seed {seed}");
        let brokers = w.brokers().to_vec();
        w.partition_network(vec![brokers]).unwrap();
        let started_ms = w.now_ms();
        w.close_client(a).unwrap();
        assert_eq!(w.now_ms() - started_ms, 30_000, "seed {seed}: close() waited its whole 30 s");
        assert_eq!(w.close_commit_failed(a), Some(ErrorCode::RequestTimedOut), "seed {seed}");
        w.heal_network().unwrap();

        let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
        w.create_topic("t", 2, None, ConfigMap::new()).unwrap();
        let p = w.add_producer(ProducerConfig::named("p")).unwrap();
        let records = (0..40).map(|i| ProducerRecord { partition: Some(i % 2), ..value(&format!("v{i}")) });
        w.send(p, "t", records.collect()).unwrap();
        let settings = |c: &mut ConsumerConfig| {
            c.assignor = "cooperative-sticky".into();
            c.max_poll_records = 3;
            c.session_timeout_ms = 10_000;
            c.max_poll_interval_ms = 20_000;
        };
        let a = member(&mut w, "g", "a", &["t"], settings);
        let b = member(&mut w, "g", "b", &["t"], settings);
        for _ in 0..10 {
            w.poll(a, 500).unwrap();
            w.poll(b, 500).unwrap();
        }
        // b stops polling: the rebalance a newcomer starts waits for it, while a goes on consuming.
        member(&mut w, "g", "x", &["t"], settings);
        w.run_for(3_500);
        for _ in 0..3 {
            w.poll(a, 200).unwrap();
        }
        assert_eq!(w.describe_group("g").state, ConsumerGroupState::PreparingRebalance, "seed {seed}");
        w.close_client(a).unwrap();
        assert_eq!(w.close_commit_failed(a), Some(ErrorCode::RebalanceInProgress), "seed {seed}");
        let told = w.trace().kept().any(|e| e.kind.kind_name() == "consumer_close_commit_failed");
        assert!(told, "seed {seed}: the trace says so");
    }
}

/// Group `g` committed offset 5 of `a-0` (ten records, one replica), then the other replicas of its offsets
/// partition crashed and left the ISR (`min.insync.replicas` 2): a commit now is written, not replicated.
/// The world and the group's consumer `c`, and the crashed brokers.
fn offsets_partition_alone(seed: u64, config: &[(&str, &str)]) -> (World, NodeId, Vec<NodeId>) {
    let broker_config: ConfigMap =
        [("min.insync.replicas", "2")].iter().chain(config).map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let mut w = World::new(ClusterConfig { seed, broker_config, ..Default::default() }).unwrap();
    w.create_topic("a", 1, Some(1), ConfigMap::new()).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    w.send(p, "a", (0..10).map(|i| value(&format!("v{i}"))).collect()).unwrap();
    let c = w.add_consumer(ConsumerConfig { group_id: Some("g".into()), ..ConsumerConfig::named("c") }).unwrap();
    w.commit_sync(c, commit_of_a(5)).unwrap();
    let coordinator = w.describe_group("g").coordinator.unwrap();
    let followers: Vec<NodeId> = w.brokers().iter().copied().filter(|&b| b != coordinator).collect();
    for &b in &followers {
        w.crash_broker(b).unwrap();
    }
    w.run_for(60_000); // the followers leave the ISR (replica.lag.time.max.ms)
    (w, c, followers)
}

fn commit_of_a(offset: u64) -> Option<Vec<franz_core::sim::scenario::PartitionOffset>> {
    Some(vec![franz_core::sim::scenario::PartitionOffset { topic: "a".into(), partition: 0, offset }])
}

/// Kafka 4's coordinator appends a commit with acks=1 and answers once the high watermark passes it, so a
/// commit under `min.insync.replicas` is written, fails after `offsets.commit.timeout.ms` with
/// COORDINATOR_NOT_AVAILABLE (the consumer looks for its coordinator again and retries), and lands once the
/// ISR grows back. Before, Franz refused it at once with NOT_ENOUGH_REPLICAS, which Kafka's consumer does not
/// expect from a commit, and nothing was written.
#[test]
fn a_commit_under_min_insync_replicas_lands_once_the_isr_grows_back() {
    for seed in 1..=4 {
        let (mut w, c, followers) = offsets_partition_alone(seed, &[]);
        let e = w.commit_sync(c, commit_of_a(9)).unwrap_err();
        assert_ne!(e.code, ErrorCode::NotEnoughReplicas, "seed {seed}: {e}");
        assert_eq!(w.group_offsets("g")[0].committed, 5, "seed {seed}: not replicated, not yet committed");
        for &b in &followers {
            w.restart_broker(b).unwrap();
        }
        w.run_for(30_000);
        assert_eq!(w.group_offsets("g")[0].committed, 9, "seed {seed}: the written commit lands");
        franz_tests::assert_serving(&mut w, &format!("seed {seed}"));
    }
}

/// Adversary 64: a new coordinator loads its offsets partition to the log end, but a commit it loaded from
/// above its high watermark is not replicated yet: Kafka's loader counts as committed only what is below it, so
/// a stable OffsetFetch waits. Franz answered with it at once; the next failover lost it, and the consumer
/// had started from an offset the group never committed (skipping records nobody had read).
#[test]
fn a_commit_loaded_from_above_the_high_watermark_is_not_read_before_it_is_replicated() {
    use franz_core::sim::network::NetworkConfig;
    for seed in 1..=4 {
        let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
        w.create_topic("t", 1, Some(3), ConfigMap::new()).unwrap();
        let p = w.add_producer(ProducerConfig::named("p")).unwrap();
        w.send(p, "t", (0..20).map(|i| value(&format!("v{i}"))).collect()).unwrap();
        let tp = TopicPartition::new("t", 0);
        let config = |name: &str| ConsumerConfig {
            group_id: Some("g".into()),
            auto_offset_reset: AutoOffsetReset::Earliest,
            ..ConsumerConfig::named(name)
        };
        let x = w.add_consumer(config("x")).unwrap();
        w.assign(x, vec![tp.clone()]).unwrap();
        let at =
            |offset| Some(vec![franz_core::sim::scenario::PartitionOffset { topic: "t".into(), partition: 0, offset }]);
        w.commit_sync(x, at(2)).unwrap();
        let gp = coordinator_partition("g", 50) as usize;
        let offsets = |w: &mut World| w.describe_topic(OFFSETS_TOPIC).unwrap().partitions[gp].clone();
        let d = offsets(&mut w);
        let leader = d.leader.unwrap();
        let others: Vec<NodeId> = d.replicas.iter().copied().filter(|&r| r != leader).collect();
        let (next, last) = (others[0], others[1]); // `next` is elected first when the leader goes
        let lost = NetworkConfig { drop_rate: 1.0, ..Default::default() };
        w.set_link(leader, last, Some(lost)).unwrap();
        w.set_link(next, last, Some(lost)).unwrap();
        w.run_for(50);
        // A commit of 15 reaches `next`, not `last`, and is never acknowledged.
        let auto_commit = ConsumerConfig { enable_auto_commit: true, auto_commit_interval_ms: 100, ..config("x2") };
        let x2 = w.add_consumer(auto_commit).unwrap();
        w.assign(x2, vec![tp.clone()]).unwrap();
        w.seek(x2, &tp, 15).unwrap();
        w.poll(x2, 150).unwrap();
        w.poll(x2, 150).unwrap();
        w.crash_client(x2).unwrap();
        w.run_for(200);
        w.crash_broker(leader).unwrap();
        while offsets(&mut w).leader != Some(next) {
            w.run_for(500);
        }
        let y = w.add_consumer(config("y")).unwrap();
        w.assign(y, vec![tp.clone()]).unwrap();
        w.poll(y, 200).unwrap();
        w.crash_broker(next).unwrap();
        while offsets(&mut w).leader != Some(last) {
            w.run_for(500);
        }
        w.heal_network().unwrap();
        assert_eq!(w.position(y, &tp).unwrap(), 2, "seed {seed}: 15 was never committed, and is lost now");
        franz_tests::assert_serving(&mut w, &format!("seed {seed}"));
    }
}

/// `offsets.commit.timeout.ms` sets how long a commit waits for replication before the coordinator answers
/// COORDINATOR_NOT_AVAILABLE and the consumer sends it again (Franz once fixed it at Kafka's 5,000 ms and
/// refused the key).
#[test]
fn offsets_commit_timeout_ms_sets_how_long_a_commit_waits_for_replication() {
    use franz_core::protocol::history::Op;
    for (seed, timeout_ms) in [(1, 1_000), (2, 2_500), (3, 5_000)] {
        let (mut w, c, _) = offsets_partition_alone(seed, &[("offsets.commit.timeout.ms", &timeout_ms.to_string())]);
        w.commit_sync(c, commit_of_a(9)).unwrap_err();
        let sent: Vec<u64> = w
            .history()
            .entries()
            .filter(|e| matches!(&e.op, Op::OffsetCommitSent { offsets, .. } if offsets[0].offset == 9))
            .map(|e| e.time_ms)
            .collect();
        assert!(sent.len() >= 60_000 / (timeout_ms + 1_000) as usize, "seed {seed}: {sent:?}");
        for gap in sent.windows(2).map(|w| w[1] - w[0]) {
            // The wait, then the coordinator looked up again (retry.backoff.ms and round trips).
            assert!((timeout_ms..timeout_ms + 1_000).contains(&gap), "seed {seed}, {timeout_ms} ms: {sent:?}");
        }
    }
}

/// Kafka's consumer fetches committed offsets with `requireStable`, and Kafka 4's coordinator holds the answer
/// until its writes before it are replicated. Franz once answered from below the high watermark at once: a
/// partition's new owner started from the commit before one still replicating, and read records again that the
/// group had already committed past (adversary 63).
#[test]
fn a_new_owner_does_not_start_from_a_commit_older_than_one_still_replicating() {
    for seed in 1..=4 {
        let (mut w, c, followers) = offsets_partition_alone(seed, &[]);
        let tp = TopicPartition::new("a", 0);
        let config = ConsumerConfig { group_id: Some("g".into()), ..ConsumerConfig::named("c") };
        w.commit_sync(c, commit_of_a(9)).unwrap_err(); // written, not replicated
        w.crash_client(c).unwrap();

        let owner = w.add_consumer(ConsumerConfig { client_id: Some("owner".into()), ..config.clone() }).unwrap();
        w.assign(owner, vec![tp.clone()]).unwrap();
        let e = w.position(owner, &tp).unwrap_err();
        assert_eq!(e.code, ErrorCode::RequestTimedOut, "seed {seed}: no stable offset while 9 replicates: {e}");
        for &b in &followers {
            w.restart_broker(b).unwrap();
        }
        // Asked at once: the followers have not fetched the commit yet.
        let late = w.add_consumer(ConsumerConfig { client_id: Some("late".into()), ..config }).unwrap();
        w.assign(late, vec![tp.clone()]).unwrap();
        assert_eq!(w.position(late, &tp).unwrap(), 9, "seed {seed}: the commit still replicating");
        assert_eq!(w.position(owner, &tp).unwrap(), 9, "seed {seed}");
        franz_tests::assert_serving(&mut w, &format!("seed {seed}"));
    }
}

/// Adversary 69: a member whose subscription changes while its JoinGroup waits at the coordinator joins once,
/// as Kafka's client does (one join under way at most; the joined subscription differing from the current
/// one makes it join again at its next poll). It had sent a second JoinGroup, the first staying in flight;
/// when it later lost its coordinator, that stale join made the Stable eager member join the next generation
/// in the background, keeping and reading partitions it should have given up first (committing them with
/// auto-commit); and its timeout, 30 s on, rebalanced a stable group for nothing.
#[test]
fn a_subscription_changed_while_joining_joins_once_and_gives_up_before_the_next_generation() {
    for (seed, assignor) in [(1, "range"), (3, "range"), (4, "roundrobin"), (5, "range"), (2, "cooperative-sticky")] {
        let what = format!("seed {seed}, {assignor}");
        let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
        w.create_topic("t", 2, None, ConfigMap::new()).unwrap();
        w.create_topic("u", 2, None, ConfigMap::new()).unwrap();
        let tweak = |c: &mut ConsumerConfig| {
            c.assignor = assignor.into();
            c.session_timeout_ms = 10_000;
            c.heartbeat_interval_ms = 1_000;
            c.max_poll_records = 5;
        };
        let c0 = member(&mut w, "g", "c0", &["t"], tweak);
        w.run_for(500); // its JoinGroup waits out group.initial.rebalance.delay.ms
        w.subscribe(c0, vec!["t".into(), "u".into()]).unwrap();
        for _ in 0..10 {
            w.poll(c0, 500).unwrap();
        }
        let p = w.add_producer(ProducerConfig::named("p")).unwrap();
        let records = (0..400).map(|i| ProducerRecord { partition: Some(1), ..value(&format!("r{i}")) }).collect();
        w.send(p, "t", records).unwrap();
        for _ in 0..3 {
            w.poll(c0, 300).unwrap();
        }
        // Rebalances so far: the first generation, and the one joining with the new subscription.
        let rebalances =
            |w: &World| w.trace().since(0).iter().filter(|e| e.kind.kind_name() == "group_rebalanced").count();
        let settled = rebalances(&w);
        let d = w.describe_group("g");
        assert_eq!(d.state, ConsumerGroupState::Stable, "{what}");
        assert_eq!(owned(&w, "g"), [("c0".into(), ["t-0", "t-1", "u-0", "u-1"].map(String::from).to_vec())], "{what}");
        // The first JoinGroup's timeout (request.timeout.ms) passes: no rebalance for nothing.
        for _ in 0..40 {
            w.poll(c0, 1_000).unwrap();
        }
        assert_eq!(rebalances(&w), settled, "{what}: a stable group rebalanced");
        // The coordinator stops while c0 is paused past its session; a newcomer comes.
        let coordinator = w.describe_group("g").coordinator.unwrap();
        w.pause_node(c0, 9_700).unwrap();
        w.stop_broker(coordinator).unwrap();
        let c2 = member(&mut w, "g", "c2", &["t", "u"], tweak);
        let start = w.now_ms();
        while w.now_ms() < start + 15_000 {
            w.poll(c2, 5).unwrap();
            if w.now_ms() > start + 9_700 {
                w.poll(c0, 0).unwrap();
            }
        }
        let report = w.check();
        assert!(report.ok, "{what}: {:?}", report.violations);
        franz_tests::assert_serving(&mut w, &what);
    }
}

/// Kafka's `onJoinComplete`: an assignment naming a topic the member gave up while joining is not taken; the
/// member joins again with its current subscription and reads nothing of the topic it left.
#[test]
fn an_assignment_for_a_subscription_left_while_joining_is_not_taken() {
    for (seed, assignor) in [(1, "range"), (2, "cooperative-sticky"), (3, "sticky")] {
        let what = format!("seed {seed}, {assignor}");
        let mut w = World::new(ClusterConfig { seed, ..Default::default() }).unwrap();
        w.create_topic("t", 2, None, ConfigMap::new()).unwrap();
        w.create_topic("u", 2, None, ConfigMap::new()).unwrap();
        let p = w.add_producer(ProducerConfig::named("p")).unwrap();
        w.send(p, "u", vec![value("of u")]).unwrap();
        let c = member(&mut w, "g", "c", &["t", "u"], |c| c.assignor = assignor.into());
        w.run_for(500);
        w.subscribe(c, vec!["t".into()]).unwrap();
        let mut read = Vec::new();
        for _ in 0..20 {
            read.extend(values(&w.poll(c, 500).unwrap()));
        }
        assert!(read.is_empty(), "{what}: read {read:?} of a topic it no longer subscribes to");
        assert_eq!(owned(&w, "g"), [("c".into(), vec!["t-0".into(), "t-1".into()])], "{what}");
        assert!(w.check().ok, "{what}: {:?}", w.check().violations);
        franz_tests::assert_serving(&mut w, &what);
    }
}
