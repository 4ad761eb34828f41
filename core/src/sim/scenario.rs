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
use crate::sim::network::NetworkConfig;
use crate::sim::stream::StreamKey;
use crate::sim::ClusterConfig;
use crate::types::{NodeId, ProducerRecord, TopicPartition};

/// The format version `scenario()` writes and `replay` reads.
pub const SCENARIO_VERSION: u32 = 1;
/// Franz's bound on a scenario's JSON text.
pub const SCENARIO_JSON_BYTES_MAX: usize = 16 * 1024 * 1024;
/// Franz's bound on a scenario's actions (consecutive `runFor`s count as one).
pub const SCENARIO_ACTIONS_MAX: usize = 100_000;
/// Franz's bound on the virtual time a scenario covers: 30 days. A replay never runs past it, so a hostile
/// link cannot keep a page busy for long.
pub const SCENARIO_VIRTUAL_MS_MAX: u64 = 30 * 86_400_000;

/// Something a user does to the world. Reads (describe, events, check) are not actions: they change nothing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase", deny_unknown_fields)]
pub enum Action {
    RunFor {
        ms: u64,
    },
    Step,
    CreateTopic {
        name: String,
        partitions: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replication_factor: Option<u32>,
        #[serde(default, skip_serializing_if = "ConfigMap::is_empty")]
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
        config: alloc::collections::BTreeMap<String, Option<String>>,
    },
    /// Moves partitions to new replicas: `{ partition: [broker ids] }`.
    ReassignPartitions {
        name: String,
        #[serde(deserialize_with = "partition_keys")]
        assignments: alloc::collections::BTreeMap<u32, Vec<NodeId>>,
    },
    /// Leadership back to each partition's first replica, for one topic or all.
    ElectPreferredLeaders {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    AddProducer {
        #[serde(default)]
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
        #[serde(default)]
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
        #[serde(default, skip_serializing_if = "Option::is_none")]
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
        #[serde(default, skip_serializing_if = "is_false")]
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
    #[serde(default)]
    pub actions: Vec<ScenarioEntry>,
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
        let scenario: Scenario =
            serde_json::from_str(json).map_err(|e| franz_err!(InvalidRequest, "The scenario is not valid: {e}"))?;
        if scenario.version != SCENARIO_VERSION {
            return Err(franz_err!(
                UnsupportedVersion,
                "Scenario version {} is not supported; this Franz reads version {SCENARIO_VERSION}",
                scenario.version
            ));
        }
        if let Some(late) = scenario.actions.iter().find(|e| e.at_ms > SCENARIO_VIRTUAL_MS_MAX) {
            return Err(franz_err!(
                InvalidRequest,
                "A scenario covers at most {SCENARIO_VIRTUAL_MS_MAX} ms of virtual time; an action is at {} ms",
                late.at_ms
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
}

/// JSON object keys are strings; an internally tagged enum buffers them, and serde then cannot turn `"1"`
/// into a `u32` by itself. A scenario with a reassignment must read back what `to_json` wrote.
fn partition_keys<'de, D>(
    deserializer: D,
) -> core::result::Result<alloc::collections::BTreeMap<u32, Vec<NodeId>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::de::Error;
    let by_name: alloc::collections::BTreeMap<String, Vec<NodeId>> = serde::Deserialize::deserialize(deserializer)?;
    by_name
        .into_iter()
        .map(|(k, v)| {
            k.parse::<u32>()
                .map(|p| (p, v))
                .map_err(|_| D::Error::custom(alloc::format!("partition {k:?} is not a partition number")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

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
        ];
        for (json, code) in cases {
            assert_eq!(Scenario::parse(json).unwrap_err().code, code, "{json}");
        }
        let huge = alloc::format!("{{\"pad\":\"{}\"}}", "x".repeat(SCENARIO_JSON_BYTES_MAX));
        assert_eq!(Scenario::parse(&huge).unwrap_err().code, ErrorCode::InvalidRequest);
    }
}
