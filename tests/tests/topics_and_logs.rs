//! Topics, partition logs, retention and compaction, as a Kafka user meets them.

use franz_core::vec_map::VecMap;

use franz_core::check::ViolationKind;
use franz_core::client::{AutoOffsetReset, ConsumerConfig, ProducerConfig};
use franz_core::config::ConfigMap;
use franz_core::types::{ProducerRecord, TopicPartition};
use franz_core::{ClusterConfig, ErrorCode, World};
use franz_tests::{kv, text, value};

fn map(pairs: &[(&str, &str)]) -> ConfigMap {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// A cluster whose broker checks retention every second and cleans every second (Kafka: 5 min, 15 s).
fn quick_cluster() -> World {
    let config = map(&[("log.retention.check.interval.ms", "1000"), ("log.cleaner.backoff.ms", "1000")]);
    World::new(ClusterConfig { broker_config: config, ..franz_tests::one_broker() }).unwrap()
}

fn earliest_consumer(w: &mut World, name: &str, tp: &TopicPartition) -> i32 {
    let config = ConsumerConfig { auto_offset_reset: AutoOffsetReset::Earliest, ..ConsumerConfig::named(name) };
    let c = w.add_consumer(config).unwrap();
    w.assign(c, vec![tp.clone()]).unwrap();
    c
}

fn read_all(w: &mut World, consumer: i32) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    loop {
        let batch = w.poll(consumer, 200).unwrap();
        if batch.is_empty() {
            return out;
        }
        out.extend(batch.iter().map(|r| (r.offset, text(&r.value).unwrap_or("null").to_string())));
    }
}

#[test]
fn topic_lifecycle_create_describe_delete_recreate() {
    let mut w = quick_cluster();
    w.create_topic("orders", 2, None, map(&[("retention.ms", "60000")])).unwrap();
    w.create_topic("audit", 1, None, ConfigMap::new()).unwrap();
    assert_eq!(w.list_topics(), ["audit", "orders"]);
    let d = w.describe_topic("orders").unwrap();
    assert_eq!(d.partitions.len(), 2);
    assert_eq!(d.config["retention.ms"], "60000");
    assert_eq!(d.config["segment.bytes"], "1073741824", "Kafka's default where not overridden");

    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    w.send(p, "orders", vec![value("x")]).unwrap();
    w.delete_topic("orders").unwrap();
    assert_eq!(w.list_topics(), ["audit"]);
    assert_eq!(w.describe_topic("orders").unwrap_err().code, ErrorCode::UnknownTopicOrPartition);
    // The producer still knows the old topic: as Kafka's, it retries UNKNOWN_TOPIC_OR_PARTITION (retriable)
    // until delivery.timeout.ms, then expires the send naming the last error.
    let err = w.send(p, "orders", vec![value("y")]).unwrap_err();
    assert_eq!(err.code, ErrorCode::RequestTimedOut, "{err}");
    assert!(err.message.contains("UNKNOWN_TOPIC_OR_PARTITION"), "{err}");
    // A producer that never knew it waits max.block.ms for its metadata, then says the topic is unknown.
    let fresh = w.add_producer(ProducerConfig::named("fresh")).unwrap();
    let err = w.send(fresh, "orders", vec![value("y")]).unwrap_err();
    assert_eq!(err.code, ErrorCode::UnknownTopicOrPartition, "{err}");
    assert_eq!(w.delete_topic("orders").unwrap_err().code, ErrorCode::UnknownTopicOrPartition);

    w.create_topic("orders", 1, None, ConfigMap::new()).unwrap();
    let meta = w.send(p, "orders", vec![value("fresh")]).unwrap();
    assert_eq!((meta[0].partition, meta[0].offset), (0, Some(0)), "a new topic starts at offset 0");
    assert!(w.trace().since(0).iter().any(|e| e.text().contains("deleted topic orders")));
}

#[test]
fn internal_topics_belong_to_the_cluster() {
    let mut w = quick_cluster();
    for result in [
        w.create_topic("__consumer_offsets", 1, None, ConfigMap::new()),
        w.delete_topic("__consumer_offsets"),
        w.create_partitions("__transaction_state", 5),
    ] {
        assert_eq!(result.unwrap_err().code, ErrorCode::InvalidTopicException);
    }
    let metadata_log = w.create_topic("__cluster_metadata", 1, None, ConfigMap::new()).unwrap_err();
    assert_eq!(metadata_log.code, ErrorCode::InvalidRequest, "as Kafka's ControllerApis: {metadata_log}");
    // Other names starting with `__` are users' (adversary 31: Debezium's heartbeat topics), produced to and
    // deleted as any.
    w.create_topic("__debezium-heartbeat.server1", 1, None, ConfigMap::new()).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    w.send(p, "__debezium-heartbeat.server1", vec![value("beat")]).unwrap();
    w.delete_topic("__debezium-heartbeat.server1").unwrap();
}

#[test]
fn create_partitions_only_grows_and_new_partitions_take_records() {
    let mut w = quick_cluster();
    w.create_topic("t", 2, None, ConfigMap::new()).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    w.send(p, "t", vec![value("before")]).unwrap(); // the producer now caches 2 partitions
    for (total, says) in [
        (1, "The topic t currently has 2 partition(s); 1 would not be an increase."),
        (2, "Topic already has 2 partition(s)."),
    ] {
        let err = w.create_partitions("t", total).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidPartitions);
        assert_eq!(err.message, says);
    }
    assert_eq!(w.create_partitions("t", 100_000).unwrap_err().code, ErrorCode::InvalidPartitions);
    assert_eq!(w.create_partitions("missing", 3).unwrap_err().code, ErrorCode::UnknownTopicOrPartition);
    w.create_partitions("t", 4).unwrap();
    assert_eq!(w.describe_topic("t").unwrap().partitions.len(), 4);
    let to_new = ProducerRecord { partition: Some(3), ..value("to a new partition") };
    let meta = w.send(p, "t", vec![to_new]).unwrap();
    assert_eq!((meta[0].partition, meta[0].offset), (3, Some(0)), "the producer refreshed its metadata");
    let beyond = ProducerRecord { partition: Some(4), ..value("x") };
    assert_eq!(w.send(p, "t", vec![beyond]).unwrap_err().code, ErrorCode::UnknownTopicOrPartition);
}

#[test]
fn alter_topic_config_validates_and_takes_effect() {
    let mut w = quick_cluster();
    w.create_topic("t", 1, None, map(&[("max.message.bytes", "100")])).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    let big = value(&"x".repeat(150));
    assert_eq!(w.send(p, "t", vec![big.clone()]).unwrap_err().code, ErrorCode::MessageTooLarge);
    let bad: VecMap<String, Option<String>> = [("max.message.bytes".to_string(), Some("lots".to_string()))].into();
    assert_eq!(w.alter_topic_config("t", bad).unwrap_err().code, ErrorCode::InvalidConfig);
    let unknown: VecMap<String, Option<String>> = [("retention.hours".to_string(), Some("1".to_string()))].into();
    assert_eq!(w.alter_topic_config("t", unknown).unwrap_err().code, ErrorCode::InvalidConfig);
    let back_to_default: VecMap<String, Option<String>> = [("max.message.bytes".to_string(), None)].into();
    w.alter_topic_config("t", back_to_default).unwrap();
    assert_eq!(w.describe_topic("t").unwrap().config["max.message.bytes"], "1048588");
    assert_eq!(w.send(p, "t", vec![big]).unwrap()[0].offset, Some(0));
    assert_eq!(w.alter_topic_config("nope", VecMap::new()).unwrap_err().code, ErrorCode::UnknownTopicOrPartition);
}

#[test]
fn records_stay_after_they_are_consumed_until_retention_removes_them() {
    let mut w = quick_cluster();
    let tp = TopicPartition::new("events", 0);
    let config = map(&[("retention.ms", "10000"), ("segment.bytes", "200")]);
    w.create_topic("events", 1, None, config).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    for i in 0..6 {
        w.send(p, "events", vec![value(&format!("e{i}"))]).unwrap();
    }
    let reader = earliest_consumer(&mut w, "reader", &tp);
    assert_eq!(read_all(&mut w, reader).len(), 6);

    // Consumed or not makes no difference: 5 s later every record is still there for anyone.
    w.run_for(5_000);
    let late = earliest_consumer(&mut w, "late-reader", &tp);
    assert_eq!(read_all(&mut w, late).len(), 6, "a consumer that read everything is no reason to delete");

    // Past retention.ms, old segments go, read or unread; the log start moves.
    w.send(p, "events", vec![value("recent")]).unwrap();
    w.run_for(12_000);
    let d = w.describe_topic("events").unwrap();
    assert!(d.partitions[0].log_start_offset >= 6, "log start {}", d.partitions[0].log_start_offset);
    let unread = earliest_consumer(&mut w, "never-read", &tp);
    let left = read_all(&mut w, unread);
    assert!(left.iter().all(|(o, _)| *o >= 6), "{left:?}");
    assert!(w.trace().since(0).iter().any(|e| e.text().contains("retention deleted")));
    // A consumer positioned on a deleted offset gets OFFSET_OUT_OF_RANGE and applies auto.offset.reset.
    w.seek(late, &tp, 0).unwrap();
    assert!(read_all(&mut w, late).is_empty());
    assert_eq!(w.position(late, &tp).unwrap(), d.partitions[0].log_start_offset, "reset to the earliest offset");
    let next = w.send(p, "events", vec![value("next")]).unwrap()[0].offset.unwrap();
    assert_eq!(read_all(&mut w, late), [(next, "next".to_string())]);
    let report = w.check();
    assert!(report.ok, "retention is not loss: {:?}", report.violations);
}

#[test]
fn retention_bytes_bounds_the_log() {
    let mut w = quick_cluster();
    w.create_topic("bounded", 1, None, map(&[("retention.bytes", "1000"), ("segment.bytes", "300")])).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    for i in 0..40 {
        w.send(p, "bounded", vec![value(&format!("{i:0>40}"))]).unwrap();
    }
    w.run_for(1_500);
    let log = w.read_log(1, "bounded", 0, 0, 1_000).unwrap();
    let bytes: usize = log.iter().map(|r| 21 + r.value.as_ref().map_or(0, |v| v.len())).sum();
    assert!(log.len() < 40 && bytes < 1_400, "{} records, {bytes} bytes", log.len());
    assert_eq!(log.last().unwrap().offset, 39, "the newest stay");
}

#[test]
fn a_compacted_topic_keeps_the_latest_value_per_key() {
    let mut w = quick_cluster();
    let tp = TopicPartition::new("profiles", 0);
    let config = map(&[("cleanup.policy", "compact"), ("segment.bytes", "200"), ("delete.retention.ms", "3000")]);
    w.create_topic("profiles", 1, None, config).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    let writes =
        [("alice", Some("v1")), ("bob", Some("v1")), ("alice", Some("v2")), ("carol", Some("v1")), ("bob", None)];
    for (k, v) in writes {
        let record = ProducerRecord { value: v.map(|v| v.as_bytes().to_vec().into()), ..kv(k, "") };
        w.send(p, "profiles", vec![record]).unwrap();
    }
    for i in 0..4 {
        w.send(p, "profiles", vec![kv("dave", &format!("filler{i}"))]).unwrap();
        // rolls the active segment on
    }
    w.run_for(1_500);
    let reader = earliest_consumer(&mut w, "reader", &tp);
    let read = read_all(&mut w, reader);
    let offsets: Vec<u64> = read.iter().map(|(o, _)| *o).collect();
    assert!(!offsets.contains(&0) && !offsets.contains(&1), "superseded alice=v1 and bob=v1 are gone: {read:?}");
    assert!(read.contains(&(2, "v2".to_string())) && read.contains(&(3, "v1".to_string())));
    assert!(read.contains(&(4, "null".to_string())), "bob's tombstone stays for delete.retention.ms: {read:?}");
    assert!(w.trace().since(0).iter().any(|e| e.text().contains("compacted profiles-0")));
    assert!(w.check().ok, "compaction is not loss: {:?}", w.check().violations);

    // Past delete.retention.ms the tombstone goes with the next cleaning, which needs new dirty data (Kafka
    // cleans no log for its tombstones alone).
    w.run_for(5_000);
    assert!(w.read_log(1, "profiles", 0, 0, 100).unwrap().iter().any(|r| r.offset == 4), "nothing dirty: it stays");
    for i in 0..6 {
        w.send(p, "profiles", vec![kv("erin", &format!("e{i}"))]).unwrap();
    }
    w.run_for(1_500);
    assert!(w.read_log(1, "profiles", 0, 0, 100).unwrap().iter().all(|r| r.offset != 4), "then the tombstone goes");
    let err = w.send(p, "profiles", vec![value("no key")]).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidRecord, "{err}");
}

#[test]
fn a_record_lost_from_a_compacted_topic_is_still_caught() {
    // Compaction explains gaps, not different records: a power loss there is still a lost write.
    let mut w = quick_cluster();
    w.create_topic("c", 1, None, map(&[("cleanup.policy", "compact")])).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    w.send(p, "c", vec![kv("k", "v")]).unwrap();
    w.power_loss(1).unwrap();
    w.restart_broker(1).unwrap();
    let report = w.check();
    assert_eq!(report.violations.iter().map(|v| v.kind).collect::<Vec<_>>(), [ViolationKind::LostWrite]);
}

#[test]
fn every_topic_config_kafka_accepts_is_accepted_and_type_checked() {
    let mut w = quick_cluster();
    // Settings copied from a real Kafka topic: the ones Franz does not model are accepted as they are.
    let copied = map(&[
        ("compression.type", "zstd"),
        ("min.cleanable.dirty.ratio", "0.1"),
        ("max.compaction.lag.ms", "60000"),
        ("message.timestamp.type", "LogAppendTime"),
        ("preallocate", "false"),
        ("segment.index.bytes", "10485760"),
        ("segment.jitter.ms", "0"),
        ("index.interval.bytes", "4096"),
        ("file.delete.delay.ms", "60000"),
        ("remote.storage.enable", "false"),
        ("leader.replication.throttled.replicas", ""),
    ]);
    w.create_topic("copied", 1, None, copied).unwrap();
    for (key, bad) in [
        ("min.cleanable.dirty.ratio", "1.5"),
        ("compression.type", "brotli"),
        ("message.timestamp.type", "Sometime"),
        ("preallocate", "maybe"),
        ("no.such.config", "1"),
    ] {
        let err = w.create_topic("bad", 1, None, map(&[(key, bad)])).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidConfig, "{key}={bad}: {err}");
    }
}

#[test]
fn message_timestamp_type_and_bounds() {
    let mut w = quick_cluster();
    w.create_topic("appended", 1, None, map(&[("message.timestamp.type", "LogAppendTime")])).unwrap();
    w.create_topic("created", 1, None, map(&[("message.timestamp.after.max.ms", "1000")])).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    let old = ProducerRecord { timestamp_ms: Some(5), ..value("old") };
    w.send(p, "appended", vec![old.clone()]).unwrap();
    let stamped = w.read_log(1, "appended", 0, 0, 10).unwrap();
    assert!(stamped[0].timestamp_ms > 1_000, "LogAppendTime: the broker's clock, not 5: {stamped:?}");
    let future = ProducerRecord { timestamp_ms: Some(w.now_ms() as i64 + 60_000), ..value("future") };
    let err = w.send(p, "created", vec![future]).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidTimestamp, "{err}");
    w.send(p, "created", vec![old]).unwrap(); // before.max.ms is unbounded by default
}

#[test]
fn the_cleaner_waits_for_min_cleanable_dirty_ratio_unless_max_compaction_lag_passes() {
    let mut w = quick_cluster();
    let base = [("cleanup.policy", "compact"), ("segment.bytes", "200")];
    let lazy: Vec<(&str, &str)> = base.iter().copied().chain([("min.cleanable.dirty.ratio", "0.99")]).collect();
    let lagged: Vec<(&str, &str)> = lazy.iter().copied().chain([("max.compaction.lag.ms", "20000")]).collect();
    w.create_topic("lazy", 1, None, map(&lazy)).unwrap();
    w.create_topic("lagged", 1, None, map(&lagged)).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    let compactions = |w: &World, topic: &str| {
        w.trace().since(0).iter().filter(|e| e.text().contains(&format!("compacted {topic}-0"))).count()
    };
    // A new log is all dirty: the first cleaning comes at once.
    for topic in ["lazy", "lagged"] {
        for i in 0..20 {
            w.send(p, topic, vec![kv(&format!("k{}", i % 4), &format!("v{i}"))]).unwrap();
        }
    }
    w.run_for(3_000);
    assert_eq!((compactions(&w, "lazy"), compactions(&w, "lagged")), (1, 1), "all dirty: cleaned");
    // Then a few rewrites: a dirty share well below 0.99.
    for topic in ["lazy", "lagged"] {
        for i in 0..6 {
            w.send(p, topic, vec![kv(&format!("k{}", i % 4), &format!("again{i}"))]).unwrap();
        }
    }
    w.run_for(5_000);
    assert_eq!(compactions(&w, "lazy"), 1, "a dirty ratio below 0.99 waits");
    assert_eq!(compactions(&w, "lagged"), 1, "not yet: the oldest dirty record is younger than 20 s");
    w.run_for(30_000);
    assert_eq!(compactions(&w, "lazy"), 1, "still below the ratio, and no max.compaction.lag.ms");
    assert_eq!(compactions(&w, "lagged"), 2, "max.compaction.lag.ms passed: cleaned whatever the ratio");
    assert!(w.check().ok, "{:?}", w.check().violations);
}

#[test]
fn topic_names_that_collide_in_metric_names_are_refused() {
    let mut w = quick_cluster();
    w.create_topic("orders.eu", 1, None, ConfigMap::new()).unwrap();
    let err = w.create_topic("orders_eu", 1, None, ConfigMap::new()).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidTopicException, "{err}");
    assert!(err.message.contains("collides with existing topic: orders.eu"), "{err}");
}

#[test]
fn an_empty_send_is_done_at_once() {
    let mut w = quick_cluster();
    w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    let before = w.now_ms();
    assert_eq!(w.send(p, "t", vec![]).unwrap(), []);
    assert_eq!(w.now_ms(), before, "no time passes for nothing");
}

/// A compacted log copied to another broker holds the gaps the leader's cleaner left, as cleaned: moved to a
/// new broker (no fault at all), nothing of it is a lost write. (An adversary's run: the checker reported
/// every offset the old leader's cleaner had removed as lost, because the copy's own cleaner had not run.)
#[test]
fn a_compacted_log_copied_to_a_new_broker_keeps_its_gaps_as_cleaned() {
    for seed in 1..=5 {
        let broker_config = [("log.cleaner.backoff.ms".to_string(), "1000".to_string())].into();
        let mut w = World::new(ClusterConfig { seed, broker_config, ..Default::default() }).unwrap();
        let config = [("cleanup.policy", "compact"), ("segment.bytes", "200"), ("min.cleanable.dirty.ratio", "0.01")];
        w.create_topic("c", 1, Some(1), config.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()).unwrap();
        let p = w.add_producer(ProducerConfig::named("p")).unwrap();
        for i in 0..40 {
            let record = ProducerRecord { key: Some(format!("k{}", i % 3).into()), ..value(&format!("v{i}")) };
            w.send(p, "c", vec![record]).unwrap();
        }
        w.run_for(3_000);
        let b = w.add_broker().unwrap();
        w.run_for(3_000);
        w.alter_topic_config("c", [("segment.bytes".to_string(), Some("1000000".to_string()))].into()).unwrap();
        w.reassign_partitions("c", [(0, vec![b])].into()).unwrap();
        w.run_for(10_000);
        let d = w.describe_topic("c").unwrap().partitions[0].clone();
        assert_eq!((d.replicas.clone(), d.leader), (vec![b], Some(b)), "seed {seed}");
        let held = d.log_end_offsets.get(&b.to_string()).copied();
        assert_eq!(held, Some(40), "seed {seed}: {d:?}");
        let report = w.check();
        assert!(report.ok, "seed {seed}: {:#?}", report.violations.first());
    }
}

/// Kafka's `UnifiedLog.append`: a batch larger than `segment.bytes` is refused with RECORD_LIST_TOO_LARGE,
/// whatever `max.message.bytes` allows, and nothing is written. (An adversary: Franz wrote it.)
#[test]
fn a_batch_larger_than_a_segment_is_record_list_too_large() {
    let mut w = quick_cluster();
    let config = map(&[("segment.bytes", "200"), ("max.message.bytes", "3000000")]);
    w.create_topic("t", 1, Some(1), config).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    let big = ProducerRecord { value: Some("x".repeat(500).into_bytes().into()), ..Default::default() };
    let e = w.send(p, "t", vec![big]).unwrap_err();
    assert_eq!(e.code, ErrorCode::RecordListTooLarge, "{e}");
    assert!(e.message.contains("segment size of 200"), "{e}");
    w.send(p, "t", vec![value("small")]).unwrap();
    let d = &w.describe_topic("t").unwrap().partitions[0];
    assert_eq!(d.high_watermark, 1, "only the small record was written: {d:?}");
}
