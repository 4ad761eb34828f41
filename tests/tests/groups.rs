//! Committed offsets: a consumer with a group id stores its positions with the group's coordinator (the
//! leader of its `__consumer_offsets` partition) and a consumer of the same group resumes from them; the
//! offsets are replicated, so they survive the coordinator's crash.

use franz_core::client::{AutoOffsetReset, ConsumerConfig, ProducerConfig};
use franz_core::config::ConfigMap;
use franz_core::group::{coordinator_partition, OFFSETS_TOPIC};
use franz_core::types::{NodeId, TopicPartition};
use franz_core::{ClusterConfig, ErrorCode, World};
use franz_tests::{text, value};

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
