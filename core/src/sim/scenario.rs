//! Scenarios: a seed, a cluster and the list of timestamped user actions. Replaying one gives the same
//! trace bit for bit, natively and in wasm, which is what makes a run shareable and explainable.
//!
//! A scenario is untrusted input (a link someone sent): it is size-checked before parsing, parsed strictly,
//! and every action goes through the same validation as a live call.

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::client::{ConsumerConfig, ProducerConfig};
use crate::config::ConfigMap;
use crate::error::Result;
use crate::json;
use crate::sim::network::NetworkConfig;
use crate::sim::stream::StreamKey;
use crate::sim::ClusterConfig;
use crate::types::{NodeId, ProducerRecord, TopicPartition};

/// The format version `scenario()` writes. `replay` reads it and version 1, which wrote a producer's
/// `enableIdempotence` left to its default as `true`: read as unset (version 2 writes `null`), so that a
/// run recorded with `acks: "1"` and the default still replays rather than being refused.
pub const SCENARIO_VERSION: u32 = 2;
/// Franz's bound on a scenario's JSON text.
pub const SCENARIO_JSON_BYTES_MAX: usize = 16 * 1024 * 1024;
/// Franz's bound on a scenario's actions (consecutive `runFor`s count as one).
pub const SCENARIO_ACTIONS_MAX: usize = 100_000;
/// Franz's bound on the virtual time a scenario covers: 30 days. A replay never runs past it, so a hostile
/// link cannot keep a page busy for long.
pub const SCENARIO_VIRTUAL_MS_MAX: u64 = 30 * 86_400_000;

/// Something a user does to the world. Reads (describe, events, check) are not actions: they change nothing.
///
/// Read by hand (`Deserialize` below, with [`crate::json::Object`]) in the format this derive writes.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Action {
    RunFor {
        ms: u64,
    },
    Step,
    CreateTopic {
        name: String,
        partitions: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        replication_factor: Option<u32>,
        #[serde(skip_serializing_if = "ConfigMap::is_empty")]
        config: ConfigMap,
    },
    DeleteTopic {
        name: String,
    },
    CreatePartitions {
        name: String,
        total_count: u32,
    },
    /// `config` values set keys; `null` removes the topic's override (back to the default).
    AlterTopicConfig {
        name: String,
        config: crate::vec_map::VecMap<String, Option<String>>,
    },
    /// Moves partitions to new replicas: `{ partition: [broker ids] }`.
    ReassignPartitions {
        name: String,
        assignments: crate::vec_map::VecMap<u32, Vec<NodeId>>,
    },
    /// Leadership back to each partition's first replica, for one topic or all.
    ElectPreferredLeaders {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    AddProducer {
        config: ProducerConfig,
    },
    /// A producer sends records at a steady rate as virtual time passes (`sim::stream`) until `stopStream`;
    /// a second `stream` on one producer replaces the first. One action for the whole stream, so that a long
    /// run stays a short scenario.
    Stream {
        producer: NodeId,
        topic: String,
        records_per_sec: u32,
        key: StreamKey,
        value: String,
    },
    StopStream {
        producer: NodeId,
    },
    /// A consumer polls every `intervalMs` of virtual time, without waiting (an application's poll loop), until
    /// `stopPollLoop`; see `sim::stream`.
    PollLoop {
        consumer: NodeId,
        interval_ms: u64,
    },
    StopPollLoop {
        consumer: NodeId,
    },
    /// `wait: true` is `send` (blocks until the outcome), `false` is `sendAsync`.
    Send {
        producer: NodeId,
        topic: String,
        records: Vec<ProducerRecord>,
        wait: bool,
    },
    AddConsumer {
        config: ConsumerConfig,
    },
    Assign {
        consumer: NodeId,
        partitions: Vec<TopicPartition>,
    },
    Subscribe {
        consumer: NodeId,
        topics: Vec<String>,
    },
    /// `pause(partitions)` with `paused: true`, `resume(partitions)` with `false`.
    Pause {
        consumer: NodeId,
        partitions: Vec<TopicPartition>,
        paused: bool,
    },
    Seek {
        consumer: NodeId,
        topic: String,
        partition: u32,
        offset: i64,
    },
    /// `position` is an action because finding a position may advance time.
    Position {
        consumer: NodeId,
        topic: String,
        partition: u32,
    },
    Poll {
        consumer: NodeId,
        timeout_ms: u64,
    },
    /// `commitSync(offsets?)`: without offsets, the consumer's positions.
    CommitSync {
        consumer: NodeId,
        #[serde(skip_serializing_if = "Option::is_none")]
        offsets: Option<Vec<PartitionOffset>>,
    },
    CloseClient {
        id: NodeId,
    },
    CrashClient {
        id: NodeId,
    },
    CrashBroker {
        id: NodeId,
    },
    /// A controlled shutdown (`kafka-server-stop`): leaderships move away first, then a clean stop.
    StopBroker {
        id: NodeId,
    },
    CrashController {
        id: NodeId,
    },
    RestartController {
        id: NodeId,
    },
    /// A new broker joins with the next free id.
    AddBroker,
    RestartBroker {
        id: NodeId,
    },
    PowerLoss {
        id: NodeId,
    },
    PauseNode {
        id: NodeId,
        ms: u64,
    },
    PartitionNetwork {
        sides: Vec<Vec<NodeId>>,
    },
    HealNetwork,
    SetNetwork {
        network: NetworkConfig,
    },
    /// Settings for the link between two nodes (both ways, or only from `a` to `b` if `oneWay`: an
    /// asymmetric fault); `network: null` removes them.
    SetLink {
        a: NodeId,
        b: NodeId,
        network: Option<NetworkConfig>,
        /// Absent in scenarios written before one-way links: they replay as they did.
        #[serde(skip_serializing_if = "is_false")]
        one_way: bool,
    },
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One partition's offset, as `commitSync` takes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub struct PartitionOffset {
    pub topic: String,
    pub partition: u32,
    pub offset: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScenarioEntry {
    /// Virtual time when the action was taken.
    pub at_ms: u64,
    pub action: Action,
    /// When the action (a blocking call, a run) was cut off before its end: the run was replayed to that
    /// moment and the user acted there, forking it. A replay stops the action there too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cut_at_ms: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Scenario {
    pub version: u32,
    pub seed: u64,
    pub brokers: u32,
    #[serde(default = "default_controllers")]
    pub controllers: u32,
    #[serde(default)]
    pub network: NetworkConfig,
    /// Broker defaults for topic configs.
    #[serde(default)]
    pub config: ConfigMap,
    /// [`ClusterConfig::clock_start_ms`]; absent when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub clock_start_ms: u64,
    #[serde(default)]
    pub actions: Vec<ScenarioEntry>,
}

fn is_zero(ms: &u64) -> bool {
    *ms == 0
}

fn default_controllers() -> u32 {
    ClusterConfig::default().controllers
}

impl Scenario {
    pub fn cluster_config(&self) -> ClusterConfig {
        ClusterConfig {
            seed: self.seed,
            brokers: self.brokers,
            controllers: self.controllers,
            network: self.network,
            broker_config: self.config.clone(),
            clock_start_ms: self.clock_start_ms,
        }
    }

    /// Parses untrusted JSON: size first, then strict structure, then limits.
    pub fn parse(json: &str) -> Result<Scenario> {
        if json.len() > SCENARIO_JSON_BYTES_MAX {
            return Err(franz_err!(
                InvalidRequest,
                "A scenario is at most {SCENARIO_JSON_BYTES_MAX} bytes of JSON; this one is {}",
                json.len()
            ));
        }
        let mut scenario: Scenario =
            serde_json::from_str(json).map_err(|e| franz_err!(InvalidRequest, "The scenario is not valid: {e}"))?;
        match scenario.version {
            SCENARIO_VERSION => {}
            1 => {
                for entry in &mut scenario.actions {
                    if let Action::AddProducer { config } = &mut entry.action {
                        if config.enable_idempotence == Some(true) {
                            config.enable_idempotence = None;
                        }
                    }
                }
                scenario.version = SCENARIO_VERSION;
            }
            version => {
                return Err(franz_err!(
                    UnsupportedVersion,
                    "Scenario version {version} is not supported; this Franz reads versions 1 and {SCENARIO_VERSION}"
                ))
            }
        }
        // An action's end: a `runFor` of 10^12 ms at 0 would replay for minutes before the page shows a thing.
        let end_ms = |e: &ScenarioEntry| match e.action {
            Action::RunFor { ms } => e.at_ms.saturating_add(ms),
            _ => e.at_ms,
        };
        let last_ms = scenario.clock_start_ms.saturating_add(SCENARIO_VIRTUAL_MS_MAX);
        if let Some(late) = scenario.actions.iter().map(end_ms).find(|&end| end > last_ms) {
            return Err(franz_err!(
                InvalidRequest,
                "A scenario covers at most {SCENARIO_VIRTUAL_MS_MAX} ms of virtual time; an action reaches {late} ms"
            ));
        }
        if scenario.actions.len() > SCENARIO_ACTIONS_MAX {
            return Err(franz_err!(
                InvalidRequest,
                "A scenario holds at most {SCENARIO_ACTIONS_MAX} actions; this one has {}",
                scenario.actions.len()
            ));
        }
        Ok(scenario)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Its JSON, if [`Scenario::parse`] would read it back: within [`SCENARIO_JSON_BYTES_MAX`] (a run's sends
    /// carry their records, and 32 MiB may go in one send: adversary 49).
    pub fn to_json_within_bounds(&self) -> Result<String> {
        let json = self.to_json();
        if json.len() > SCENARIO_JSON_BYTES_MAX {
            return Err(franz_err!(
                PolicyViolation,
                "This run's scenario is {} bytes of JSON, more than a scenario holds ({SCENARIO_JSON_BYTES_MAX}): its actions carry their arguments, sends their records",
                json.len()
            ));
        }
        Ok(json)
    }
}

/// JSON object keys are strings: `"1"` is partition 1. A scenario with a reassignment must read back what
/// `to_json` wrote.
fn partition_keys(value: serde_json::Value) -> json::Result<crate::vec_map::VecMap<u32, Vec<NodeId>>> {
    use serde::de::Error;
    let by_name: crate::vec_map::VecMap<String, Vec<NodeId>> = serde::Deserialize::deserialize(value)?;
    let mut by_partition = crate::vec_map::VecMap::new();
    for (k, v) in by_name {
        let p = k
            .parse::<u32>()
            .map_err(|_| json::Error::custom(alloc::format!("partition {k:?} is not a partition number")))?;
        by_partition.insert(p, v);
    }
    Ok(by_partition)
}

const ACTIONS: &[&str] = &[
    "runFor",
    "step",
    "createTopic",
    "deleteTopic",
    "createPartitions",
    "alterTopicConfig",
    "reassignPartitions",
    "electPreferredLeaders",
    "addProducer",
    "stream",
    "stopStream",
    "pollLoop",
    "stopPollLoop",
    "send",
    "addConsumer",
    "assign",
    "subscribe",
    "pause",
    "seek",
    "position",
    "poll",
    "commitSync",
    "closeClient",
    "crashClient",
    "crashBroker",
    "stopBroker",
    "crashController",
    "restartController",
    "addBroker",
    "restartBroker",
    "powerLoss",
    "pauseNode",
    "partitionNetwork",
    "healNetwork",
    "setNetwork",
    "setLink",
];

impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> core::result::Result<Self, D::Error> {
        let (name, object) = json::Object::read_tagged(deserializer, "type")?;
        Action::from_object(&name, object).map_err(serde::de::Error::custom)
    }
}

impl Action {
    /// Its `type` in the JSON, e.g. `createTopic`.
    pub fn name(&self) -> &'static str {
        use Action::*;
        match self {
            RunFor { .. } => "runFor",
            Step => "step",
            CreateTopic { .. } => "createTopic",
            DeleteTopic { .. } => "deleteTopic",
            CreatePartitions { .. } => "createPartitions",
            AlterTopicConfig { .. } => "alterTopicConfig",
            ReassignPartitions { .. } => "reassignPartitions",
            ElectPreferredLeaders { .. } => "electPreferredLeaders",
            AddProducer { .. } => "addProducer",
            Stream { .. } => "stream",
            StopStream { .. } => "stopStream",
            PollLoop { .. } => "pollLoop",
            StopPollLoop { .. } => "stopPollLoop",
            Send { .. } => "send",
            AddConsumer { .. } => "addConsumer",
            Assign { .. } => "assign",
            Subscribe { .. } => "subscribe",
            Pause { .. } => "pause",
            Seek { .. } => "seek",
            Position { .. } => "position",
            Poll { .. } => "poll",
            CommitSync { .. } => "commitSync",
            CloseClient { .. } => "closeClient",
            CrashClient { .. } => "crashClient",
            CrashBroker { .. } => "crashBroker",
            StopBroker { .. } => "stopBroker",
            CrashController { .. } => "crashController",
            RestartController { .. } => "restartController",
            AddBroker => "addBroker",
            RestartBroker { .. } => "restartBroker",
            PowerLoss { .. } => "powerLoss",
            PauseNode { .. } => "pauseNode",
            PartitionNetwork { .. } => "partitionNetwork",
            HealNetwork => "healNetwork",
            SetNetwork { .. } => "setNetwork",
            SetLink { .. } => "setLink",
        }
    }

    /// The action named `name` (its `type`), from the object's other fields.
    fn from_object(name: &str, mut o: json::Object) -> json::Result<Action> {
        use Action::*;
        let action = match name {
            "runFor" => RunFor { ms: o.req("ms")? },
            "step" => return Ok(Step),
            "createTopic" => CreateTopic {
                name: o.req("name")?,
                partitions: o.req("partitions")?,
                replication_factor: o.opt("replicationFactor")?,
                config: o.opt("config")?,
            },
            "deleteTopic" => DeleteTopic { name: o.req("name")? },
            "createPartitions" => CreatePartitions { name: o.req("name")?, total_count: o.req("totalCount")? },
            "alterTopicConfig" => AlterTopicConfig { name: o.req("name")?, config: o.req("config")? },
            "reassignPartitions" => {
                ReassignPartitions { name: o.req("name")?, assignments: o.req_with("assignments", partition_keys)? }
            }
            "electPreferredLeaders" => ElectPreferredLeaders { name: o.opt("name")? },
            "addProducer" => AddProducer { config: o.opt("config")? },
            "stream" => Stream {
                producer: o.req("producer")?,
                topic: o.req("topic")?,
                records_per_sec: o.req("recordsPerSec")?,
                key: o.req("key")?,
                value: o.req("value")?,
            },
            "stopStream" => StopStream { producer: o.req("producer")? },
            "pollLoop" => PollLoop { consumer: o.req("consumer")?, interval_ms: o.req("intervalMs")? },
            "stopPollLoop" => StopPollLoop { consumer: o.req("consumer")? },
            "send" => Send {
                producer: o.req("producer")?,
                topic: o.req("topic")?,
                records: o.req("records")?,
                wait: o.req("wait")?,
            },
            "addConsumer" => AddConsumer { config: o.opt("config")? },
            "assign" => Assign { consumer: o.req("consumer")?, partitions: o.req("partitions")? },
            "subscribe" => Subscribe { consumer: o.req("consumer")?, topics: o.req("topics")? },
            "pause" => {
                Pause { consumer: o.req("consumer")?, partitions: o.req("partitions")?, paused: o.req("paused")? }
            }
            "seek" => Seek {
                consumer: o.req("consumer")?,
                topic: o.req("topic")?,
                partition: o.req("partition")?,
                offset: o.req("offset")?,
            },
            "position" => {
                Position { consumer: o.req("consumer")?, topic: o.req("topic")?, partition: o.req("partition")? }
            }
            "poll" => Poll { consumer: o.req("consumer")?, timeout_ms: o.req("timeoutMs")? },
            "commitSync" => CommitSync { consumer: o.req("consumer")?, offsets: o.opt("offsets")? },
            "closeClient" => CloseClient { id: o.req("id")? },
            "crashClient" => CrashClient { id: o.req("id")? },
            "crashBroker" => CrashBroker { id: o.req("id")? },
            "stopBroker" => StopBroker { id: o.req("id")? },
            "crashController" => CrashController { id: o.req("id")? },
            "restartController" => RestartController { id: o.req("id")? },
            "addBroker" => return Ok(AddBroker),
            "restartBroker" => RestartBroker { id: o.req("id")? },
            "powerLoss" => PowerLoss { id: o.req("id")? },
            "pauseNode" => PauseNode { id: o.req("id")?, ms: o.req("ms")? },
            "partitionNetwork" => PartitionNetwork { sides: o.req("sides")? },
            "healNetwork" => return Ok(HealNetwork),
            "setNetwork" => SetNetwork { network: o.req("network")? },
            "setLink" => {
                SetLink { a: o.req("a")?, b: o.req("b")?, network: o.opt("network")?, one_way: o.opt("oneWay")? }
            }
            _ => return Err(json::unknown_variant(name, ACTIONS)),
        };
        o.end(action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    /// Version 1 wrote a producer's idempotence left to its default as `true`; read so, a run recorded with
    /// acks=1 would now be refused. It reads as unset, and the run is written back as version 2.
    #[test]
    fn version_1_reads_its_default_idempotence_as_unset() {
        let producer = |version: u32, idempotence: &str| {
            let json = alloc::format!(
                r#"{{"version":{version},"seed":7,"brokers":1,"actions":[{{"atMs":0,"action":{{"type":"addProducer","config":{{"acks":"1","enableIdempotence":{idempotence}}}}}}}]}}"#
            );
            let s = Scenario::parse(&json).unwrap();
            assert_eq!(s.version, SCENARIO_VERSION);
            match &s.actions[0].action {
                Action::AddProducer { config } => (config.enable_idempotence, s.clone()),
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(producer(1, "true").0, None);
        assert_eq!(producer(1, "false").0, Some(false));
        let (asked, v2) = producer(2, "true");
        assert_eq!(asked, Some(true), "version 2 means what it says");
        assert_eq!(Scenario::parse(&v2.to_json()).unwrap(), v2, "round trip");
        let (unset, v1) = producer(1, "true");
        assert!(v1.to_json().contains(r#""enableIdempotence":null"#), "{}", v1.to_json());
        assert_eq!(unset, None);
    }

    #[test]
    fn actions_read_as_json_a_person_can_write() {
        let json = r#"{"version":1,"seed":7,"brokers":1,"actions":[
            {"atMs":0,"action":{"type":"createTopic","name":"orders","partitions":2}},
            {"atMs":0,"action":{"type":"addProducer"}},
            {"atMs":3,"action":{"type":"send","producer":10002,"topic":"orders","records":[{"key":"k","value":"v"}],"wait":true}},
            {"atMs":9,"action":{"type":"runFor","ms":1000}}
        ]}"#;
        let s = Scenario::parse(json).unwrap();
        assert_eq!(s.actions.len(), 4);
        assert_eq!(s.network, NetworkConfig::default());
        assert_eq!(Scenario::parse(&s.to_json()).unwrap(), s, "round trip");
    }

    #[test]
    fn a_reassignment_reads_back_what_to_json_wrote() {
        // JSON keys are strings: `{"1": [6, 3, 1]}` is partition 1 (the soak's seed 10000041 could not be
        // saved as a fixture before).
        let json = r#"{"version":1,"seed":7,"brokers":4,"actions":[
            {"atMs":0,"action":{"type":"reassignPartitions","name":"t","assignments":{"1":[4,3,1]}}}
        ]}"#;
        let s = Scenario::parse(json).unwrap();
        let Action::ReassignPartitions { assignments, .. } = &s.actions[0].action else { panic!("{s:?}") };
        assert_eq!(assignments.get(&1), Some(&alloc::vec![4, 3, 1]));
        assert_eq!(Scenario::parse(&s.to_json()).unwrap(), s, "round trip");
        let bad = json.replace(r#""1""#, r#""one""#);
        assert_eq!(Scenario::parse(&bad).unwrap_err().code, ErrorCode::InvalidRequest);
    }

    #[test]
    fn bad_scenarios_are_refused_with_a_reason() {
        let cases = [
            ("not json", ErrorCode::InvalidRequest),
            (
                r#"{"version":1,"seed":1,"brokers":1,"actions":[{"atMs":0,"action":{"type":"explode"}}]}"#,
                ErrorCode::InvalidRequest,
            ),
            (
                r#"{"version":1,"seed":1,"brokers":1,"actions":[{"atMs":-5,"action":{"type":"step"}}]}"#,
                ErrorCode::InvalidRequest,
            ),
            (r#"{"version":1,"seed":1,"brokers":1,"surprise":true}"#, ErrorCode::InvalidRequest),
            (r#"{"version":99,"seed":1,"brokers":1}"#, ErrorCode::UnsupportedVersion),
            // Found by an adversary: a link whose runFor reaches far past 30 days kept the page replaying.
            (
                r#"{"version":1,"seed":1,"brokers":1,"actions":[{"atMs":0,"action":{"type":"runFor","ms":1000000000000}}]}"#,
                ErrorCode::InvalidRequest,
            ),
        ];
        for (json, code) in cases {
            assert_eq!(Scenario::parse(json).unwrap_err().code, code, "{json}");
        }
        let huge = alloc::format!("{{\"pad\":\"{}\"}}", "x".repeat(SCENARIO_JSON_BYTES_MAX));
        assert_eq!(Scenario::parse(&huge).unwrap_err().code, ErrorCode::InvalidRequest);
    }

    /// What `scenario()` hands out reads back: a run whose sends carried more than a scenario holds says so
    /// rather than giving JSON that `replay` refuses.
    #[test]
    fn a_scenario_too_large_to_read_back_is_refused_when_written() {
        let small = r#"{"version":2,"seed":1,"brokers":1,"actions":[{"atMs":0,"action":{"type":"send","producer":10002,"topic":"t","records":[{"value":"v"}],"wait":true}}]}"#;
        let mut scenario = Scenario::parse(small).unwrap();
        assert_eq!(Scenario::parse(&scenario.to_json_within_bounds().unwrap()).unwrap(), scenario);
        if let Action::Send { records, .. } = &mut scenario.actions[0].action {
            records[0].value = Some("x".repeat(SCENARIO_JSON_BYTES_MAX).into_bytes().into());
        }
        let e = scenario.to_json_within_bounds().unwrap_err();
        assert_eq!(e.code, ErrorCode::PolicyViolation, "{e}");
    }

    /// One action of each type, every optional field given (and some left out): what `to_json` writes reads
    /// back the same. Actions are read by hand, so this is what keeps the reader and the writer in step.
    const EVERY_ACTION: &str = r#"{"version":1,"seed":7,"brokers":3,"controllers":3,"network":{"latencyMs":3,"jitterMs":2,"dropRate":0.125},"config":{"retention.ms":"1000"},"actions":[
        {"atMs":0,"action":{"type":"runFor","ms":10}},
        {"atMs":0,"action":{"type":"step"}},
        {"atMs":0,"action":{"type":"createTopic","name":"t","partitions":3,"replicationFactor":2,"config":{"cleanup.policy":"compact"}}},
        {"atMs":0,"action":{"type":"createTopic","name":"u","partitions":1}},
        {"atMs":0,"action":{"type":"deleteTopic","name":"u"}},
        {"atMs":0,"action":{"type":"createPartitions","name":"t","totalCount":4}},
        {"atMs":0,"action":{"type":"alterTopicConfig","name":"t","config":{"retention.ms":"5","segment.bytes":null}}},
        {"atMs":0,"action":{"type":"reassignPartitions","name":"t","assignments":{"0":[1,2],"3":[2,3]}}},
        {"atMs":0,"action":{"type":"electPreferredLeaders","name":"t"}},
        {"atMs":0,"action":{"type":"electPreferredLeaders"}},
        {"atMs":0,"action":{"type":"addProducer","config":{"clientId":"p","acks":"all","enableIdempotence":true,"lingerMs":5}}},
        {"atMs":0,"action":{"type":"addProducer"}},
        {"atMs":0,"action":{"type":"stream","producer":10004,"topic":"t","recordsPerSec":5,"key":{"mode":"none"},"value":"v"}},
        {"atMs":0,"action":{"type":"stream","producer":10004,"topic":"t","recordsPerSec":5,"key":{"mode":"fixed","key":"k"},"value":"v"}},
        {"atMs":0,"action":{"type":"stream","producer":10004,"topic":"t","recordsPerSec":5,"key":{"mode":"rotating","prefix":"k","keys":3},"value":"v"}},
        {"atMs":0,"action":{"type":"stopStream","producer":10004}},
        {"atMs":0,"action":{"type":"addConsumer","config":{"groupId":"g","clientId":"c","autoOffsetReset":"earliest"}}},
        {"atMs":0,"action":{"type":"addConsumer"}},
        {"atMs":0,"action":{"type":"pollLoop","consumer":10006,"intervalMs":100}},
        {"atMs":0,"action":{"type":"stopPollLoop","consumer":10006}},
        {"atMs":0,"action":{"type":"send","producer":10004,"topic":"t","records":[{"key":"k","value":"v"},{"key":{"hex":"ff00"},"value":null,"headers":[{"key":"h","value":"x"},{"key":"h2","value":null}],"partition":1,"timestampMs":-3}],"wait":true}},
        {"atMs":0,"action":{"type":"send","producer":10004,"topic":"t","records":[{"value":"v"}],"wait":false}},
        {"atMs":0,"action":{"type":"assign","consumer":10007,"partitions":[{"topic":"t","partition":0}]}},
        {"atMs":0,"action":{"type":"subscribe","consumer":10006,"topics":["t"]}},
        {"atMs":0,"action":{"type":"pause","consumer":10006,"partitions":[{"topic":"t","partition":0}],"paused":true}},
        {"atMs":0,"action":{"type":"seek","consumer":10007,"topic":"t","partition":0,"offset":-1}},
        {"atMs":0,"action":{"type":"position","consumer":10007,"topic":"t","partition":0}},
        {"atMs":0,"action":{"type":"poll","consumer":10006,"timeoutMs":100}},
        {"atMs":0,"action":{"type":"commitSync","consumer":10006}},
        {"atMs":0,"action":{"type":"commitSync","consumer":10006,"offsets":[{"topic":"t","partition":0,"offset":1}]}},
        {"atMs":0,"action":{"type":"closeClient","id":10006}},
        {"atMs":0,"action":{"type":"crashClient","id":10007}},
        {"atMs":0,"action":{"type":"crashBroker","id":1}},
        {"atMs":0,"action":{"type":"stopBroker","id":2}},
        {"atMs":0,"action":{"type":"crashController","id":9001}},
        {"atMs":0,"action":{"type":"restartController","id":9001}},
        {"atMs":0,"action":{"type":"addBroker"}},
        {"atMs":0,"action":{"type":"restartBroker","id":1}},
        {"atMs":0,"action":{"type":"powerLoss","id":1}},
        {"atMs":0,"action":{"type":"pauseNode","id":1,"ms":100}},
        {"atMs":0,"action":{"type":"partitionNetwork","sides":[[1],[2,3]]}},
        {"atMs":0,"action":{"type":"healNetwork"}},
        {"atMs":0,"action":{"type":"setNetwork","network":{"latencyMs":5,"jitterMs":0,"dropRate":0.1}}},
        {"atMs":0,"action":{"type":"setLink","a":1,"b":2,"network":{"latencyMs":5}}},
        {"atMs":0,"action":{"type":"setLink","a":1,"b":2,"network":null,"oneWay":true}},
        {"atMs":5,"action":{"type":"runFor","ms":10},"cutAtMs":3}
    ]}"#;

    #[test]
    fn every_action_reads_back_what_to_json_wrote() {
        let s = Scenario::parse(EVERY_ACTION).unwrap();
        assert_eq!(Scenario::parse(&s.to_json()).unwrap(), s, "round trip");
        let written: alloc::collections::BTreeSet<String> = s
            .actions
            .iter()
            .map(|e| {
                let name = serde_json::to_value(&e.action).unwrap()["type"].as_str().unwrap().to_owned();
                assert_eq!(e.action.name(), name);
                name
            })
            .collect();
        let read: alloc::collections::BTreeSet<String> = ACTIONS.iter().map(|&n| n.into()).collect();
        assert_eq!(written, read, "one of each action, and every type the reader knows is one the writer writes");
        assert_eq!(
            s.actions[2].action,
            Action::CreateTopic {
                name: "t".into(),
                partitions: 3,
                replication_factor: Some(2),
                config: [("cleanup.policy".into(), "compact".into())].into(),
            }
        );
        assert_eq!(
            s.actions[3].action,
            Action::CreateTopic { name: "u".into(), partitions: 1, replication_factor: None, config: ConfigMap::new() }
        );
        assert_eq!(s.actions[9].action, Action::ElectPreferredLeaders { name: None });
        assert_eq!(s.actions[11].action, Action::AddProducer { config: ProducerConfig::default() });
        assert_eq!(
            s.actions[44].action,
            Action::SetLink { a: 1, b: 2, network: None, one_way: true },
            "null and an absent field are both None"
        );
        assert_eq!(s.actions[45].cut_at_ms, Some(3));
    }

    #[test]
    fn actions_are_read_strictly_as_the_derive_read_them() {
        let action = |json: &str| {
            let scenario =
                alloc::format!(r#"{{"version":1,"seed":1,"brokers":1,"actions":[{{"atMs":0,"action":{json}}}]}}"#);
            Scenario::parse(&scenario).map(|s| s.actions[0].action.clone()).map_err(|e| e.message)
        };
        // The tag anywhere in the object; the extra fields of a fieldless action ignored.
        assert_eq!(action(r#"{"ms":5,"type":"runFor"}"#), Ok(Action::RunFor { ms: 5 }));
        assert_eq!(action(r#"{"type":"step","ms":5}"#), Ok(Action::Step));
        for (json, message) in [
            (r#"{"type":"runFor","ms":5,"sm":1}"#, "unknown field `sm`, expected `ms`"),
            (r#"{"type":"pauseNode","id":1,"ms":5,"sm":1}"#, "unknown field `sm`, expected `id` or `ms`"),
            (r#"{"type":"runFor"}"#, "missing field `ms`"),
            (r#"{"type":"runFor","ms":"5"}"#, "invalid type: string \"5\", expected u64"),
            (r#"{"type":"runFor","ms":5,"ms":6}"#, "duplicate field `ms`"),
            (r#"{"ms":5}"#, "missing field `type`"),
            (r#"{"type":"walk"}"#, "unknown variant `walk`, expected one of `runFor`"),
            (r#"{"type":1}"#, "type must be a string"),
            (r#"["runFor",5]"#, "expected an object"),
            (
                r#"{"type":"stream","producer":1,"topic":"t","recordsPerSec":1,"value":"v","key":{"mode":"fixed"}}"#,
                "missing field `key`",
            ),
            (
                r#"{"type":"stream","producer":1,"topic":"t","recordsPerSec":1,"value":"v","key":{"mode":"none","x":1}}"#,
                "",
            ),
            (
                r#"{"type":"reassignPartitions","name":"t","assignments":{"one":[1]}}"#,
                "partition \"one\" is not a partition number",
            ),
        ] {
            match action(json) {
                Err(e) => assert!(e.contains(message), "{json}: {e}"),
                Ok(a) => assert!(message.is_empty(), "{json} read as {a:?}"),
            }
        }
    }
}
