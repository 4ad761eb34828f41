//! The walking skeleton's promise: one topic, end to end, through the simulated network.

use franz_core::client::{AutoOffsetReset, ConsumerConfig, ProducerConfig};
use franz_core::config::ConfigMap;
use franz_core::message::Acks;
use franz_core::trace::TraceKind;
use franz_core::types::TopicPartition;
use franz_core::{ClusterConfig, ErrorCode, World};
use franz_tests::{kv, text, value};

fn world() -> World {
    World::new(franz_tests::one_broker()).unwrap()
}

#[test]
fn a_record_sent_is_appended_at_offset_zero_then_one_and_read_back() {
    let mut w = world();
    w.create_topic("orders", 1, None, ConfigMap::new()).unwrap();
    let producer = w.add_producer(ProducerConfig::named("p")).unwrap();
    let first = w.send(producer, "orders", vec![kv("alice", "apple")]).unwrap();
    assert_eq!((first[0].partition, first[0].offset), (0, Some(0)));
    let second = w.send(producer, "orders", vec![kv("bob", "banana"), kv("carol", "cherry")]).unwrap();
    assert_eq!(second.iter().map(|m| m.offset).collect::<Vec<_>>(), [Some(1), Some(2)]);

    let log = w.read_log(1, "orders", 0, 0, 100).unwrap();
    assert_eq!(log.iter().map(|r| text(&r.value).unwrap()).collect::<Vec<_>>(), ["apple", "banana", "cherry"]);
    assert!(log[0].timestamp_ms <= log[2].timestamp_ms, "CreateTime follows the virtual clock");

    let mut config = ConsumerConfig::named("c");
    config.auto_offset_reset = AutoOffsetReset::Earliest;
    let consumer = w.add_consumer(config).unwrap();
    let tp = TopicPartition::new("orders", 0);
    w.assign(consumer, vec![tp.clone()]).unwrap();
    let records = w.poll(consumer, 1_000).unwrap();
    assert_eq!(records.iter().map(|r| r.offset).collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(text(&records[1].key), Some("bob"));
    assert_eq!(w.position(consumer, &tp).unwrap(), 3);

    let described = w.describe_topic("orders").unwrap();
    let p0 = &described.partitions[0];
    assert_eq!((p0.leader, p0.high_watermark, p0.log_start_offset), (Some(1), 3, 0));
    assert_eq!(p0.log_end_offsets["1"], 3);
    assert_eq!(described.config["retention.ms"], "604800000");
}

#[test]
fn seek_rereads_and_latest_skips_what_was_there() {
    let mut w = world();
    w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
    let producer = w.add_producer(ProducerConfig::named("p")).unwrap();
    w.send(producer, "t", (0..5).map(|i| value(&i.to_string())).collect()).unwrap();

    let consumer = w.add_consumer(ConsumerConfig::named("c")).unwrap(); // auto.offset.reset=latest
    let tp = TopicPartition::new("t", 0);
    w.assign(consumer, vec![tp.clone()]).unwrap();
    assert!(w.poll(consumer, 200).unwrap().is_empty(), "latest starts at the high watermark");
    assert_eq!(w.position(consumer, &tp).unwrap(), 5);

    w.seek(consumer, &tp, 3).unwrap();
    // As in Kafka, the fetch already out to the leader (parked there for up to fetch.max.wait.ms, 500 ms)
    // is answered first: a consumer has one fetch at a time in flight to a broker.
    assert!(w.poll(consumer, 100).unwrap().is_empty(), "the parked fetch has not come back yet");
    let again = w.poll(consumer, 500).unwrap();
    assert_eq!(again.iter().map(|r| text(&r.value).unwrap()).collect::<Vec<_>>(), ["3", "4"]);
}

#[test]
fn a_waiting_poll_wakes_when_a_record_arrives() {
    let mut w = world();
    w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
    let producer = w.add_producer(ProducerConfig::named("p")).unwrap();
    let consumer = w.add_consumer(ConsumerConfig::named("c")).unwrap();
    w.assign(consumer, vec![TopicPartition::new("t", 0)]).unwrap();
    assert!(w.poll(consumer, 100).unwrap().is_empty());
    let request = w.send_async(producer, "t", vec![value("late")]).unwrap();
    let before = w.now_ms();
    let records = w.poll(consumer, 5_000).unwrap();
    assert_eq!(records.len(), 1);
    assert!(w.now_ms() - before < 100, "the parked fetch answers as soon as the record is there");
    w.run_for(50); // the producer's acknowledgement may still be on its way
    let results = w.producer_results(producer).unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].request_id, request);
}

/// Found by an adversary of the per-broker Fetch: a partition that shares its leader with an idle one got
/// each record only after fetch.max.wait.ms, because the next fetch went out (naming only the idle partition,
/// the busy one's records still buffered) before poll took the records, and was parked there.
#[test]
fn a_busy_partition_beside_an_idle_one_on_its_leader_gets_each_record_at_once() {
    let mut w = world();
    w.create_topic("t", 2, None, ConfigMap::new()).unwrap();
    let producer = w.add_producer(ProducerConfig::named("p")).unwrap();
    let config = ConsumerConfig { auto_offset_reset: AutoOffsetReset::Earliest, ..ConsumerConfig::named("c") };
    let consumer = w.add_consumer(config).unwrap();
    w.assign(consumer, vec![TopicPartition::new("t", 0), TopicPartition::new("t", 1)]).unwrap();
    assert!(w.poll(consumer, 1_000).unwrap().is_empty());
    for i in 0..5 {
        let record = franz_core::types::ProducerRecord { partition: Some(0), ..value(&i.to_string()) };
        w.send(producer, "t", vec![record]).unwrap(); // acks=all: committed when it returns
        let acknowledged_ms = w.now_ms();
        let polled = w.poll(consumer, 1_000).unwrap();
        assert_eq!(polled.iter().map(|r| r.offset).collect::<Vec<_>>(), [i], "record {i}");
        let waited_ms = w.now_ms() - acknowledged_ms;
        assert!(waited_ms < 50, "record {i} reached poll {waited_ms} ms after its acknowledgement");
    }
}

/// Found by an adversary: a paused partition got no position (Kafka's `updateFetchPositions` resets paused
/// partitions too: pause stops fetching only), and a seek to the position threw away what was fetched.
#[test]
fn a_paused_partition_gets_its_position_and_a_seek_to_the_position_keeps_what_was_fetched() {
    let mut w = world();
    w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
    let producer = w.add_producer(ProducerConfig::named("p")).unwrap();
    w.send(producer, "t", vec![value("a"), value("b")]).unwrap();
    let tp = TopicPartition::new("t", 0);
    let earliest = ConsumerConfig { auto_offset_reset: AutoOffsetReset::Earliest, ..ConsumerConfig::named("e") };
    let consumer = w.add_consumer(earliest).unwrap();
    w.assign(consumer, vec![tp.clone()]).unwrap();
    w.pause_partitions(consumer, vec![tp.clone()], true).unwrap();
    let before = w.now_ms();
    assert_eq!(w.position(consumer, &tp).unwrap(), 0);
    assert!(w.now_ms() - before < 100, "looked up at once, paused or not");
    // auto.offset.reset=latest, paused: the position is the log end when assigned, so a record written
    // while paused is read after resume.
    let latest = w.add_consumer(ConsumerConfig::named("l")).unwrap();
    w.assign(latest, vec![tp.clone()]).unwrap();
    w.pause_partitions(latest, vec![tp.clone()], true).unwrap();
    assert!(w.poll(latest, 200).unwrap().is_empty());
    w.send(producer, "t", vec![value("c")]).unwrap();
    w.pause_partitions(latest, vec![tp.clone()], false).unwrap();
    let read = w.poll(latest, 1_000).unwrap();
    assert_eq!(read.iter().map(|r| text(&r.value).unwrap()).collect::<Vec<_>>(), ["c"]);
    // A seek to where the consumer stands changes nothing: what it fetched is still returned.
    w.pause_partitions(consumer, vec![tp.clone()], false).unwrap();
    w.run_for(100);
    w.seek(consumer, &tp, 0).unwrap();
    let read = w.poll(consumer, 0).unwrap();
    assert_eq!(read.iter().map(|r| text(&r.value).unwrap()).collect::<Vec<_>>(), ["a", "b", "c"]);
}

#[test]
fn keyed_records_go_where_kafkas_partitioner_puts_them() {
    let mut w = world();
    w.create_topic("keyed", 6, None, ConfigMap::new()).unwrap();
    let producer = w.add_producer(ProducerConfig::named("p")).unwrap();
    for key in ["foobar", "21", "a-little-bit-long-string"] {
        let meta = w.send(producer, "keyed", vec![kv(key, "v")]).unwrap();
        let expected = franz_core::partitioner::partition_for_key(key.as_bytes(), 6);
        assert_eq!(meta[0].partition, expected, "{key}");
    }
    let mut explicit = kv("foobar", "v");
    explicit.partition = Some(5);
    assert_eq!(w.send(producer, "keyed", vec![explicit]).unwrap()[0].partition, 5);
}

#[test]
fn acks_zero_gets_no_offset_but_the_record_lands() {
    let mut w = world();
    w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
    let mut config = ProducerConfig::named("fire-and-forget");
    config.acks = Acks::None;
    let producer = w.add_producer(config).unwrap();
    let meta = w.send(producer, "t", vec![value("x")]).unwrap();
    assert_eq!(meta[0].offset, None);
    w.run_for(10);
    assert_eq!(w.describe_topic("t").unwrap().partitions[0].log_end_offsets["1"], 1);
}

#[test]
fn the_trace_tells_what_happened() {
    let mut w = world();
    w.create_topic("orders", 1, None, ConfigMap::new()).unwrap();
    let producer = w.add_producer(ProducerConfig::named("p")).unwrap();
    w.send(producer, "orders", vec![value("a")]).unwrap();
    let events = w.trace().since(0);
    assert!(events.iter().any(|e| matches!(&e.kind, TraceKind::TopicCreated { topic, .. } if topic == "orders")));
    let appended = events.iter().find(|e| matches!(e.kind, TraceKind::RecordsAppended { .. })).unwrap();
    assert!(appended.text().contains("broker 1: appended 1 record to orders-0 at offset 0"), "{}", appended.text());
}

#[test]
fn the_same_seed_gives_the_same_trace() {
    let run = |seed| {
        let mut w = World::new(ClusterConfig { seed, ..franz_tests::one_broker() }).unwrap();
        w.create_topic("t", 4, None, ConfigMap::new()).unwrap();
        let producer = w.add_producer(ProducerConfig::named("p")).unwrap();
        for i in 0..50 {
            w.send(producer, "t", vec![value(&i.to_string())]).unwrap();
        }
        (w.trace().hash(), w.now_ms())
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7).0, run(8).0, "jitter and the sticky partitioner follow the seed");
}

mod bad_input {
    use super::*;

    #[test]
    fn illegal_topic_names() {
        let mut w = world();
        for name in ["", ".", "..", "has space", "slash/ed", &"x".repeat(250)] {
            let err = w.create_topic(name, 1, None, ConfigMap::new()).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidTopicException, "{name:?}");
        }
        let err = w.create_topic("__consumer_offsets", 1, None, ConfigMap::new()).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidTopicException);
    }

    #[test]
    fn topic_creation_rules() {
        let mut w = world();
        w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
        assert_eq!(w.create_topic("t", 1, None, ConfigMap::new()).unwrap_err().code, ErrorCode::TopicAlreadyExists);
        assert_eq!(w.create_topic("u", 0, None, ConfigMap::new()).unwrap_err().code, ErrorCode::InvalidPartitions);
        assert_eq!(
            w.create_topic("u", 1_000_000, None, ConfigMap::new()).unwrap_err().code,
            ErrorCode::InvalidPartitions
        );
        assert_eq!(
            w.create_topic("u", 1, Some(3), ConfigMap::new()).unwrap_err().code,
            ErrorCode::InvalidReplicationFactor
        );
        let bad_config: ConfigMap = [("retention.ms".to_string(), "forever".to_string())].into();
        assert_eq!(w.create_topic("u", 1, None, bad_config).unwrap_err().code, ErrorCode::InvalidConfig);
        assert_eq!(w.list_topics(), ["t"], "nothing half-created by a refused request");
    }

    #[test]
    fn send_to_a_missing_topic_or_partition() {
        let mut w = world();
        let producer = w.add_producer(ProducerConfig::named("p")).unwrap();
        let err = w.send(producer, "nope", vec![value("x")]).unwrap_err();
        assert_eq!(err.code, ErrorCode::UnknownTopicOrPartition);
        w.create_topic("t", 2, None, ConfigMap::new()).unwrap();
        let mut r = value("x");
        r.partition = Some(2);
        assert_eq!(w.send(producer, "t", vec![r]).unwrap_err().code, ErrorCode::UnknownTopicOrPartition);
        let err = w.send(producer, "bad name", vec![value("x")]).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidTopicException);
    }

    #[test]
    fn a_record_larger_than_max_message_bytes() {
        let mut w = world();
        let small: ConfigMap = [("max.message.bytes".to_string(), "100".to_string())].into();
        w.create_topic("t", 1, None, small).unwrap();
        let producer = w.add_producer(ProducerConfig::named("p")).unwrap();
        let err = w.send(producer, "t", vec![value(&"x".repeat(200))]).unwrap_err();
        assert_eq!(err.code, ErrorCode::MessageTooLarge);
        assert_eq!(w.describe_topic("t").unwrap().partitions[0].high_watermark, 0, "nothing appended");
        assert_eq!(w.send(producer, "t", vec![value("ok")]).unwrap()[0].offset, Some(0));
        // The batch's 61-byte header counts, as Kafka's sizeInBytes: a 918-byte value is a 1,000-byte batch.
        let exact: ConfigMap = [("max.message.bytes".to_string(), "1000".to_string())].into();
        w.create_topic("u", 1, None, exact).unwrap();
        assert_eq!(w.send(producer, "u", vec![value(&"x".repeat(918))]).unwrap()[0].offset, Some(0));
        let err = w.send(producer, "u", vec![value(&"x".repeat(919))]).unwrap_err();
        assert_eq!(err.code, ErrorCode::MessageTooLarge);
        assert!(err.message.contains("is 1001 bytes which exceeds the maximum configured value of 1000"), "{err}");
    }

    /// Kafka's producer refuses a record larger than `max.request.size` (1 MiB) before sending it (its size
    /// as Kafka estimates it: a batch header, the most a record adds, varint lengths); raised
    /// above the topic's `max.message.bytes`, the leader refuses it instead. Either way nothing is appended.
    #[test]
    fn a_record_larger_than_max_request_size_fails_in_the_producer() {
        let mut w = world();
        w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
        let producer = w.add_producer(ProducerConfig::named("p")).unwrap();
        let two_mib = "x".repeat(2 << 20);
        let err = w.send(producer, "t", vec![value("fits"), value(&two_mib)]).unwrap_err();
        assert_eq!(err.code, ErrorCode::MessageTooLarge);
        assert_eq!(
            err.message,
            "The message is 2097240 bytes when serialized which is larger than 1048576, which is the value of the \
             max.request.size configuration."
        );
        let trace_len = w.trace().len();
        assert_eq!(w.describe_topic("t").unwrap().partitions[0].high_watermark, 0, "nothing sent, not even `fits`");
        assert_eq!(w.send(producer, "t", vec![value("ok")]).unwrap()[0].offset, Some(0), "the producer goes on");
        assert!(w.trace().len() > trace_len);

        let config = ProducerConfig { max_request_size_bytes: 4 << 20, ..ProducerConfig::named("big") };
        let big = w.add_producer(config).unwrap();
        let err = w.send(big, "t", vec![value(&two_mib)]).unwrap_err();
        assert_eq!(err.code, ErrorCode::MessageTooLarge, "now the leader's max.message.bytes refuses it: {err}");
        assert!(err.message.contains("max.message.bytes"), "{err}");
        assert_eq!(w.describe_topic("t").unwrap().partitions[0].high_watermark, 1);
        // Kafka accepts 0 (every record then fails), and Franz bounds it at 1 GiB.
        let none = ProducerConfig { max_request_size_bytes: 0, ..ProducerConfig::named("none") };
        let none = w.add_producer(none).unwrap();
        assert_eq!(w.send(none, "t", vec![value("x")]).unwrap_err().code, ErrorCode::MessageTooLarge);
        let bad = ProducerConfig { max_request_size_bytes: (1 << 30) + 1, ..ProducerConfig::named("bad") };
        assert_eq!(w.add_producer(bad).unwrap_err().code, ErrorCode::InvalidConfig);
    }

    #[test]
    fn negative_or_unassigned_seek() {
        let mut w = world();
        w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
        let consumer = w.add_consumer(ConsumerConfig::named("c")).unwrap();
        let tp = TopicPartition::new("t", 0);
        assert_eq!(w.seek(consumer, &tp, 0).unwrap_err().code, ErrorCode::InvalidRequest, "IllegalStateException");
        w.assign(consumer, vec![tp.clone()]).unwrap();
        assert_eq!(w.seek(consumer, &tp, -1).unwrap_err().code, ErrorCode::OffsetOutOfRange);
    }

    #[test]
    fn seek_past_the_end_applies_auto_offset_reset() {
        let mut w = world();
        w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
        let producer = w.add_producer(ProducerConfig::named("p")).unwrap();
        w.send(producer, "t", vec![value("a"), value("b")]).unwrap();
        let mut config = ConsumerConfig::named("c");
        config.auto_offset_reset = AutoOffsetReset::Earliest;
        let consumer = w.add_consumer(config).unwrap();
        let tp = TopicPartition::new("t", 0);
        w.assign(consumer, vec![tp.clone()]).unwrap();
        w.seek(consumer, &tp, 99).unwrap();
        let records = w.poll(consumer, 1_000).unwrap();
        assert_eq!(records.iter().map(|r| r.offset).collect::<Vec<_>>(), [0, 1]);

        let mut strict = ConsumerConfig::named("strict");
        strict.auto_offset_reset = AutoOffsetReset::None;
        let strict = w.add_consumer(strict).unwrap();
        w.assign(strict, vec![tp.clone()]).unwrap();
        // Kafka's NoOffsetForPartitionException, from poll and at once from position.
        assert_eq!(w.poll(strict, 1_000).unwrap_err().code, ErrorCode::NoOffsetForPartition);
        let before = w.now_ms();
        assert_eq!(w.position(strict, &tp).unwrap_err().code, ErrorCode::NoOffsetForPartition);
        assert!(w.now_ms() - before < 1_000, "position says so without waiting default.api.timeout.ms");
        // Out of range after a seek past the end: OFFSET_OUT_OF_RANGE (Kafka's OffsetOutOfRangeException).
        w.seek(strict, &tp, 99).unwrap();
        assert_eq!(w.poll(strict, 1_000).unwrap_err().code, ErrorCode::OffsetOutOfRange);
        assert_eq!(w.position(strict, &tp).unwrap(), 99, "the position stays until the application seeks");
        assert_eq!(w.poll(strict, 1_000).unwrap_err().code, ErrorCode::OffsetOutOfRange, "and poll keeps saying so");
    }

    #[test]
    fn closed_clients() {
        let mut w = world();
        let producer = w.add_producer(ProducerConfig::named("p")).unwrap();
        w.close_client(producer).unwrap();
        assert_eq!(w.send(producer, "t", vec![value("x")]).unwrap_err().code, ErrorCode::InvalidRequest);
        w.close_client(producer).unwrap(); // again: nothing, as Kafka's close()
        assert_eq!(w.crash_client(producer).unwrap_err().code, ErrorCode::InvalidRequest, "not running");
    }
}

mod review_fixes {
    use super::*;
    use franz_core::sim::network::NetworkConfig;

    #[test]
    fn settings_that_would_stall_time_are_refused() {
        let zero_latency = NetworkConfig { latency_ms: 0, jitter_ms: 0, drop_rate: 0.0 };
        let err = World::new(ClusterConfig { network: zero_latency, ..franz_tests::one_broker() }).err().unwrap();
        assert_eq!(err.code, ErrorCode::InvalidConfig);
        let mut w = world();
        let producer = ProducerConfig { request_timeout_ms: 0, ..ProducerConfig::default() };
        assert_eq!(w.add_producer(producer).unwrap_err().code, ErrorCode::InvalidConfig);
        let consumer = ConsumerConfig { request_timeout_ms: 0, ..ConsumerConfig::default() };
        assert_eq!(w.add_consumer(consumer).unwrap_err().code, ErrorCode::InvalidConfig);
        let forever = ProducerConfig { delivery_timeout_ms: u64::MAX, ..ProducerConfig::default() };
        assert_eq!(w.add_producer(forever).unwrap_err().code, ErrorCode::InvalidConfig);
        let none = ConsumerConfig { max_poll_records: 0, ..ConsumerConfig::default() };
        assert_eq!(w.add_consumer(none).unwrap_err().code, ErrorCode::InvalidConfig);
    }

    #[test]
    fn a_topic_created_after_a_failed_send_is_found() {
        let mut w = world();
        let producer = w.add_producer(ProducerConfig::named("early")).unwrap();
        assert_eq!(w.send(producer, "later", vec![value("x")]).unwrap_err().code, ErrorCode::UnknownTopicOrPartition);
        w.create_topic("later", 1, None, ConfigMap::new()).unwrap();
        assert_eq!(w.send(producer, "later", vec![value("x")]).unwrap()[0].offset, Some(0), "not cached for 5 minutes");
    }

    #[test]
    fn negative_timestamps_are_invalid() {
        let mut w = world();
        w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
        let producer = w.add_producer(ProducerConfig::named("p")).unwrap();
        let mut r = value("x");
        r.timestamp_ms = Some(-5);
        assert_eq!(w.send(producer, "t", vec![r]).unwrap_err().code, ErrorCode::InvalidTimestamp);
    }

    #[test]
    fn long_runs_merge_into_valid_actions_and_replay_the_same() {
        // One controller and one broker: two idle days are cheap to simulate (and to replay).
        let mut w = World::new(ClusterConfig { controllers: 1, ..franz_tests::one_broker() }).unwrap();
        w.create_topic("t", 1, None, ConfigMap::new()).unwrap();
        w.run_for(86_400_000);
        w.run_for(86_400_000);
        w.run_for(5);
        let scenario = w.scenario().unwrap();
        let replayed = World::replay(&scenario, None).unwrap();
        assert_eq!((replayed.now_ms(), replayed.trace().hash()), (w.now_ms(), w.trace().hash()));
    }
}
