//! Issue 17's admin, broker and network items, each as the adversarial user met it: client configs Kafka
//! refuses, what `describeTopic` shows, partitions added during a reassignment, when `flush.ms` flushes,
//! one-way network faults and what the checker calls divergence on compacted topics.

use franz_core::check::ViolationKind;
use franz_core::client::ProducerConfig;
use franz_core::config::ConfigMap;
use franz_core::message::Acks;
use franz_core::types::NodeId;
use franz_core::view::BrokerStatus;
use franz_core::{ClusterConfig, ErrorCode, World};
use franz_tests::{kv, value};

fn map(pairs: &[(&str, &str)]) -> ConfigMap {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn cluster(brokers: u32, broker_config: ConfigMap) -> World {
    World::new(ClusterConfig { seed: 17, brokers, broker_config, ..Default::default() }).unwrap()
}

/// Adversary 31: Kafka's broker keys for topic creation and deletion were refused as unknown. They work as
/// Kafka's do; `auto.create.topics.enable` only as false (Franz creates no topic on first use).
#[test]
fn broker_keys_for_topic_defaults_and_deletion() {
    let mut w = cluster(3, map(&[("default.replication.factor", "2"), ("delete.topic.enable", "false")]));
    w.create_topic("t", 2, None, ConfigMap::new()).unwrap();
    assert!(w.describe_topic("t").unwrap().partitions.iter().all(|p| p.replicas.len() == 2));
    // Said before any name is looked at, as Kafka's `ControllerApis.deleteTopics` (adversary 35).
    for name in ["t", "no-such-topic", "__consumer_offsets"] {
        let e = w.delete_topic(name).unwrap_err();
        assert_eq!(e.code, ErrorCode::TopicDeletionDisabled, "{name}: {e}");
    }
    assert!(w.list_topics().contains(&"t".to_string()));
    assert_eq!(w.broker_config().num_partitions, 1, "Kafka's default");
    let w = cluster(3, map(&[("num.partitions", "6"), ("auto.create.topics.enable", "false")]));
    assert_eq!(w.broker_config().num_partitions, 6);
    for bad in [
        map(&[("auto.create.topics.enable", "true")]),
        map(&[("num.partitions", "0")]),
        map(&[("default.replication.factor", "x")]),
        map(&[("delete.topic.enable", "yes")]),
    ] {
        let e = World::new(ClusterConfig { broker_config: bad.clone(), ..Default::default() }).err().unwrap();
        assert_eq!(e.code, ErrorCode::InvalidConfig, "{bad:?}: {e}");
    }
}

#[test]
fn delivery_timeout_below_linger_plus_request_timeout_is_refused() {
    let mut w = cluster(1, ConfigMap::new());
    let short = ProducerConfig {
        delivery_timeout_ms: 30_004,
        linger_ms: 5,
        request_timeout_ms: 30_000,
        ..ProducerConfig::named("short")
    };
    let err = w.add_producer(short.clone()).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidConfig, "{err}");
    assert!(
        err.message.contains("delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms"),
        "Kafka's wording: {err}"
    );
    // Near miss: exactly linger.ms + request.timeout.ms is what Kafka accepts.
    w.add_producer(ProducerConfig { delivery_timeout_ms: 30_005, ..short }).unwrap();
}

#[test]
fn describe_topic_config_shows_the_cluster_defaults_in_force_and_where_each_value_comes_from() {
    use franz_core::config::ConfigSource;
    let defaults = map(&[
        ("log.retention.ms", "60000"),
        ("min.insync.replicas", "2"),
        ("unclean.leader.election.enable", "true"),
        ("log.segment.bytes", "1048576"),
    ]);
    let mut w = cluster(3, defaults);
    w.create_topic("t", 1, Some(3), map(&[("segment.bytes", "4096"), ("compression.type", "zstd")])).unwrap();
    let d = w.describe_topic("t").unwrap();
    // The values the brokers and the controller apply, not Kafka's built-in defaults.
    assert_eq!(d.config["retention.ms"], "60000");
    assert_eq!(d.config["min.insync.replicas"], "2");
    assert_eq!(d.config["unclean.leader.election.enable"], "true");
    assert_eq!(d.config["segment.bytes"], "4096", "the topic's override wins over the cluster's default");
    assert_eq!(d.config["cleanup.policy"], "delete", "Kafka's default where nobody set it");
    assert_eq!(d.config["compression.type"], "zstd", "accepted configs show too, as --describe --all does");
    let source = |name: &str| d.config_entries.iter().find(|e| e.name == name).map(|e| (e.value.as_str(), e.source));
    assert_eq!(source("retention.ms"), Some(("60000", ConfigSource::StaticBrokerConfig)));
    assert_eq!(source("min.insync.replicas"), Some(("2", ConfigSource::StaticBrokerConfig)));
    assert_eq!(source("segment.bytes"), Some(("4096", ConfigSource::DynamicTopicConfig)));
    assert_eq!(source("cleanup.policy"), Some(("delete", ConfigSource::DefaultConfig)));
    assert_eq!(d.config_entries.len(), d.config.len(), "one entry per config, as the map");
    assert!(d.config_entries.iter().all(|e| d.config[&e.name] == e.value));

    // Back to the default: the cluster's value is in force again, and says so.
    w.alter_topic_config("t", [("segment.bytes".to_string(), None)].into()).unwrap();
    let d = w.describe_topic("t").unwrap();
    assert_eq!(d.config["segment.bytes"], "1048576");
    let entry = d.config_entries.iter().find(|e| e.name == "segment.bytes").unwrap();
    assert_eq!(entry.source, ConfigSource::StaticBrokerConfig);
}

/// Cuts `from → to` only (every message that way is dropped; the other way works).
fn cut_one_way(w: &mut World, from: NodeId, to: NodeId) {
    let lost = franz_core::sim::network::NetworkConfig { drop_rate: 1.0, ..Default::default() };
    w.set_link_one_way(from, to, Some(lost)).unwrap();
}

#[test]
fn create_partitions_during_a_reassignment_is_reassignment_in_progress() {
    let mut w = cluster(6, ConfigMap::new());
    w.create_topic("t", 1, Some(3), ConfigMap::new()).unwrap();
    let p0 = w.describe_topic("t").unwrap().partitions[0].clone();
    let target: Vec<NodeId> = w.brokers().iter().copied().filter(|b| !p0.replicas.contains(b)).collect();
    // The new replicas cannot fetch from the leader, so the move stays in progress (six replicas listed).
    let leader = p0.leader.unwrap();
    for &r in &target {
        cut_one_way(&mut w, leader, r);
    }
    w.reassign_partitions("t", [(0, target.clone())].into()).unwrap();
    w.run_for(1_000);
    assert_eq!(w.describe_topic("t").unwrap().partitions[0].replicas.len(), 6, "old and new replicas, moving");
    let err = w.create_partitions("t", 2).unwrap_err();
    assert_eq!(err.code, ErrorCode::ReassignmentInProgress, "{err}");
    assert_eq!(w.describe_topic("t").unwrap().partitions.len(), 1, "nothing was created");

    // Once the move is done, new partitions get the topic's replication factor.
    for &r in &target {
        w.set_link_one_way(leader, r, None).unwrap();
    }
    w.run_for(10_000);
    assert_eq!(w.describe_topic("t").unwrap().partitions[0].replicas, target, "the move completed");
    w.create_partitions("t", 3).unwrap();
    let d = w.describe_topic("t").unwrap();
    assert!(d.partitions.iter().all(|p| p.replicas.len() == 3), "{:?}", d.partitions);
}

/// Any change of a partition being reassigned may complete the move, as Kafka's `PartitionChangeBuilder`
/// looks at each change it builds: here an unclean election leaves only the target replica in the ISR. Franz
/// once completed moves only after some ISR change or admin request, and the partition kept its old replica
/// listed (and refused createPartitions) until one came.
#[test]
fn an_election_that_leaves_only_target_replicas_completes_the_reassignment() {
    for seed in [17, 18, 19] {
        let broker_config = map(&[("unclean.leader.election.interval.ms", "5000")]);
        let mut w = World::new(ClusterConfig { seed, brokers: 3, broker_config, ..Default::default() }).unwrap();
        w.create_topic("t", 1, Some(2), map(&[("unclean.leader.election.enable", "true")])).unwrap();
        let p0 = w.describe_topic("t").unwrap().partitions[0].clone();
        let leader = p0.leader.unwrap();
        let follower = p0.replicas.iter().copied().find(|&r| r != leader).unwrap();
        w.crash_broker(follower).unwrap();
        w.run_for(40_000); // out of the ISR (replica.lag.time.max.ms)
        w.reassign_partitions("t", [(0, vec![follower])].into()).unwrap();
        w.run_for(1_000);
        assert_eq!(w.describe_topic("t").unwrap().partitions[0].replicas.len(), 2, "seed {seed}: moving");
        w.crash_broker(leader).unwrap();
        w.restart_broker(follower).unwrap();
        w.run_for(20_000);
        let p0 = w.describe_topic("t").unwrap().partitions[0].clone();
        assert_eq!((p0.leader, p0.replicas), (Some(follower), vec![follower]), "seed {seed}: the move completed");
        w.create_partitions("t", 2).unwrap();
        w.restart_broker(leader).unwrap();
        w.run_for(15_000);
        franz_tests::assert_serving_beside_its_losses(&mut w, &format!("seed {seed}"));
    }
}

/// A producer whose sends promise nothing beyond the leader's append, so that power losses in between
/// leave it no state to sort out.
fn leader_acks_producer(w: &mut World, name: &str) -> i32 {
    let config = ProducerConfig { acks: Acks::Leader, enable_idempotence: Some(false), ..ProducerConfig::named(name) };
    w.add_producer(config).unwrap()
}

fn values_on(w: &World, broker: NodeId) -> Vec<String> {
    let records = w.read_log(broker, "t", 0, 0, 100).unwrap();
    records.iter().map(|r| franz_tests::text(&r.value).unwrap_or("null").to_string()).collect()
}

#[test]
fn flush_ms_is_the_log_flushers_job_not_the_appends() {
    // Kafka's defaults: the log flusher runs once, log.initial.task.delay.ms (30 s) after the broker
    // starts, and never again (log.flush.scheduler.interval.ms is Long.MAX_VALUE).
    let mut w = cluster(1, ConfigMap::new());
    w.create_topic("t", 1, None, map(&[("flush.ms", "100")])).unwrap();
    let p = leader_acks_producer(&mut w, "p");
    w.send(p, "t", vec![value("a")]).unwrap();
    w.run_for(500);
    // More than flush.ms since the last flush: an append does not flush for that, only flush.messages.
    w.send(p, "t", vec![value("b")]).unwrap();
    assert!(w.now_ms() < 30_000, "before the flusher's first run");
    w.power_loss(1).unwrap();
    assert_eq!(values_on(&w, 1), Vec::<String>::new(), "nothing was flushed");
    w.restart_broker(1).unwrap();
    w.run_for(3_000);
    w.send(p, "t", vec![value("c")]).unwrap();
    w.run_for(31_000); // the restarted broker's flusher runs once, 30 s after its start
    w.send(p, "t", vec![value("d")]).unwrap();
    w.run_for(60_000); // and never again
    w.power_loss(1).unwrap();
    assert_eq!(values_on(&w, 1), ["c"], "c flushed by the flusher's one run, d never");

    // With log.flush.scheduler.interval.ms set, flush.ms is checked on each run.
    let flusher = map(&[("log.flush.scheduler.interval.ms", "1000"), ("log.initial.task.delay.ms", "0")]);
    let mut w = cluster(1, flusher);
    w.create_topic("t", 1, None, map(&[("flush.ms", "100")])).unwrap();
    let p = leader_acks_producer(&mut w, "p");
    w.send(p, "t", vec![value("a")]).unwrap();
    w.run_for(1_200); // a run at least 100 ms after the append flushed it
    w.run_for(1_050 - w.now_ms() % 1_000); // 50 ms after a run (runs are at whole seconds from the start)
    w.send(p, "t", vec![value("b")]).unwrap();
    w.run_for(900 - w.now_ms() % 1_000); // b is older than flush.ms, but the next run is yet to come
    w.power_loss(1).unwrap();
    assert_eq!(values_on(&w, 1), ["a"]);
    // Setting only the interval makes it every topic's flush.ms too (Kafka's log.flush.interval.ms default).
    let d = w.describe_topic("t").unwrap();
    assert_eq!(d.config["flush.ms"], "100");
    w.create_topic("u", 1, None, ConfigMap::new()).unwrap();
    assert_eq!(w.describe_topic("u").unwrap().config["flush.ms"], "1000");
}

#[test]
fn replica_divergence_is_not_reported_when_replicas_compact_on_their_own_schedules() {
    let cleaner = map(&[("log.cleaner.backoff.ms", "1000"), ("log.retention.check.interval.ms", "1000")]);
    let mut w = cluster(3, cleaner);
    let compacted =
        map(&[("cleanup.policy", "compact"), ("segment.bytes", "400"), ("min.cleanable.dirty.ratio", "0.1")]);
    w.create_topic("t", 1, Some(3), compacted).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    let mut compactions = 0;
    for round in 0..60 {
        for key in 0..8 {
            w.send(p, "t", vec![kv(&format!("k{key}"), &format!("v{round}"))]).unwrap();
        }
        w.run_for(377); // out of step with every broker's cleaner
        compactions = w.trace().since(0).iter().filter(|e| e.kind.kind_name() == "log_compacted").count();
        let report = w.check();
        let divergent: Vec<_> =
            report.violations.iter().filter(|v| v.kind == ViolationKind::ReplicaDivergence).collect();
        assert!(divergent.is_empty(), "round {round}, {compactions} compactions: {divergent:?}");
    }
    assert!(compactions >= 3, "the replicas' cleaners ran ({compactions} compactions)");
    let lengths: Vec<usize> = w.brokers().iter().map(|&b| w.read_log(b, "t", 0, 0, 10_000).unwrap().len()).collect();
    assert!(lengths.iter().all(|&n| n < 480), "records were compacted away on every replica: {lengths:?}");
    assert!(w.check().ok, "{:?}", w.check().violations);
}

fn broker_state(w: &World, broker: NodeId) -> Option<BrokerStatus> {
    w.describe_cluster().brokers.iter().find(|b| b.id == broker).map(|b| b.state)
}

#[test]
fn a_one_way_cut_loses_messages_one_way_only_and_replays() {
    use franz_core::sim::scenario::{Action, Scenario};
    let mut w = cluster(3, ConfigMap::new());
    let active = w.describe_cluster().controller.leader_id.unwrap();
    // The broker's heartbeats never reach the controller: fenced after broker.session.timeout.ms.
    cut_one_way(&mut w, 2, active);
    w.run_for(12_000);
    assert_eq!(broker_state(&w, 2), Some(BrokerStatus::Fenced));
    w.set_link_one_way(2, active, None).unwrap();
    w.run_for(5_000);
    assert_eq!(broker_state(&w, 2), Some(BrokerStatus::Running), "heartbeats get through again");
    // The other way: the controller's answers are lost, but it hears every heartbeat, so the broker stays.
    cut_one_way(&mut w, active, 2);
    w.run_for(12_000);
    assert_eq!(w.describe_cluster().controller.leader_id, Some(active));
    assert_eq!(broker_state(&w, 2), Some(BrokerStatus::Running), "only the answers are lost");
    let texts: Vec<String> = w.trace().since(0).iter().map(|e| e.text()).collect();
    assert!(texts.iter().any(|t| t.contains(&format!("link {active} -> 2 set to"))), "the trace names the direction");
    w.set_link_one_way(active, 2, None).unwrap();
    w.run_for(1_000);
    assert!(w.check().ok, "{:?}", w.check().violations);

    // The scenario says oneWay, and replays to the same trace; one written before oneWay existed still reads.
    let scenario = w.scenario().unwrap();
    let json = scenario.to_json();
    assert!(json.contains("\"oneWay\":true"), "{json}");
    let again = World::replay(&Scenario::parse(&json).unwrap(), None).unwrap();
    assert_eq!(again.trace().hash(), w.trace().hash());
    let old = r#"{"version":1,"seed":1,"brokers":1,"actions":[
        {"atMs":0,"action":{"type":"setLink","a":1,"b":2,"network":null}}]}"#;
    let old = Scenario::parse(old).unwrap();
    assert_eq!(old.actions[0].action, Action::SetLink { a: 1, b: 2, network: None, one_way: false });
    assert!(!old.to_json().contains("oneWay"), "two-way links are written as before");
}

/// Kafka lets `__consumer_offsets` be reconfigured and moved, the routine step of retiring a broker (an
/// adversary: Franz refused both with INVALID_TOPIC_EXCEPTION). Every partition of it moved off one broker;
/// the group's commits stay, and it commits again through the moved coordinator.
#[test]
fn consumer_offsets_can_be_reconfigured_and_moved_off_a_broker() {
    let mut w = cluster(4, ConfigMap::new());
    w.create_topic("t", 1, Some(3), ConfigMap::new()).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    for i in 0..10 {
        w.send(p, "t", vec![value(&format!("v{i}"))]).unwrap();
    }
    let config = franz_core::client::ConsumerConfig {
        group_id: Some("g".into()),
        auto_offset_reset: franz_core::client::AutoOffsetReset::Earliest,
        enable_auto_commit: false,
        max_poll_records: 4,
        ..franz_core::client::ConsumerConfig::named("c")
    };
    let c = w.add_consumer(config).unwrap();
    w.subscribe(c, vec!["t".into()]).unwrap();
    let mut read = 0;
    while read < 4 {
        read += w.poll(c, 1_000).unwrap().len();
    }
    w.commit_sync(c, None).unwrap();
    let committed = |w: &World| w.group_offsets("g").iter().map(|o| o.committed).sum::<u64>();
    assert_eq!(committed(&w), 4);

    w.alter_topic_config("__consumer_offsets", [("segment.bytes".into(), Some("1048576".into()))].into()).unwrap();
    let retired = w.brokers()[0];
    let others: Vec<NodeId> = w.brokers().iter().copied().filter(|&b| b != retired).collect();
    let moves: franz_core::vec_map::VecMap<u32, Vec<NodeId>> = w
        .describe_topic("__consumer_offsets")
        .unwrap()
        .partitions
        .iter()
        .map(|p| (p.partition, others.clone()))
        .collect();
    w.reassign_partitions("__consumer_offsets", moves).unwrap();
    w.run_for(20_000);
    let d = w.describe_topic("__consumer_offsets").unwrap();
    assert!(d.partitions.iter().all(|p| !p.replicas.contains(&retired)), "{:?}", d.partitions);
    assert_eq!(d.config.get("segment.bytes").map(String::as_str), Some("1048576"));
    assert_eq!(committed(&w), 4, "the commit moved with its partition");
    while read < 8 {
        read += w.poll(c, 1_000).unwrap().len();
    }
    w.commit_sync(c, None).unwrap();
    assert_eq!(committed(&w), 8);
    assert!(w.check().ok, "{:#?}", w.check().violations);
}

/// A page has ~4 GiB: a cluster holds at most 20,000 partitions and 60,000 replicas, every topic's together,
/// and an admin call past either is refused `POLICY_VIOLATION` (adversary 49: six topics of 10,000
/// partitions with 64 replicas each took the wasm module past 4 GiB, and it died).
#[test]
fn a_cluster_holds_at_most_twenty_thousand_partitions_and_sixty_thousand_replicas() {
    use franz_core::config::{CLUSTER_PARTITIONS_MAX, CLUSTER_REPLICAS_MAX};
    let mut w = cluster(4, ConfigMap::new());
    w.create_topic("a", 10_000, Some(3), ConfigMap::new()).unwrap();
    w.create_topic("b", 9_999, Some(3), ConfigMap::new()).unwrap();
    w.create_topic("c", 1, Some(3), ConfigMap::new()).unwrap(); // 20,000 partitions, 60,000 replicas: the bounds
    let policy = |e: franz_core::error::FranzError| {
        assert_eq!(e.code, ErrorCode::PolicyViolation, "{e}");
        e.message
    };
    let more = policy(w.create_topic("d", 1, Some(1), ConfigMap::new()).unwrap_err());
    assert!(more.contains(&format!("at most {CLUSTER_PARTITIONS_MAX} partitions")), "{more}");
    policy(w.create_partitions("c", 2).unwrap_err());
    let wider = policy(w.reassign_partitions("c", [(0, vec![1, 2, 3, 4])].into()).unwrap_err());
    assert!(wider.contains(&format!("at most {CLUSTER_REPLICAS_MAX} partition replicas")), "{wider}");
    // A move to fewer of its replicas adds none (one to another broker would, until it ends: Kafka's replica
    // set is then the target and the replicas leaving).
    let fewer = w.describe_topic("c").unwrap().partitions[0].replicas[..2].to_vec();
    w.reassign_partitions("c", [(0, fewer)].into()).unwrap();
    // Room made by a deletion is room again.
    w.delete_topic("b").unwrap();
    w.create_topic("d", 9_999, Some(3), ConfigMap::new()).unwrap();
    policy(w.create_topic("e", 2, Some(3), ConfigMap::new()).unwrap_err());
}
