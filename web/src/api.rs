//! The JS API (`../shared/JS-API.md`): `Cluster`, `Producer`, `Consumer` and the pure helpers.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use franz_core::client::{AutoOffsetReset, ConsumerConfig, ConsumerRecord, ProducerConfig, RecordMetadata};
use franz_core::error::ErrorCode;
use franz_core::group::assignor::{assign, Assignor, Member};
use franz_core::message::{Acks, IsolationLevel};
use franz_core::sim::network::NetworkConfig;
use franz_core::sim::scenario::{PartitionOffset, Scenario};
use franz_core::types::{NodeId, TopicPartition};
use franz_core::{ClusterConfig, World};
use js_sys::Array;
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use crate::convert::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** Thrown by every call that fails: `code` is Kafka's error name. */
export interface FranzError extends Error { code: string; retriable: boolean; }
export interface NetworkOptions { latencyMs?: number; jitterMs?: number; dropRate?: number; }
/** `oneWay`: the settings apply to messages from the first node to the second only (an asymmetric fault). */
export interface LinkOptions { oneWay?: boolean; }
export interface ClusterOptions {
  /** Brokers (ids 1, 2, 3 ...), default 3; controllers (the Raft quorum, ids 1001 ...), 1 to 7, default 3. */
  brokers?: number; controllers?: number; seed?: number; network?: NetworkOptions;
  /** Broker defaults for topic configs, with Kafka's keys: { "min.insync.replicas": "2" }. */
  config?: Record<string, string | number | boolean>;
}
export interface TopicOptions { partitions?: number; replicationFactor?: number; config?: Record<string, string | number | boolean>; }
export interface PartitionDescription {
  partition: number; leader: number | null; leaderEpoch: number; replicas: number[]; isr: number[];
  highWatermark: number; logStartOffset: number; logEndOffsets: Record<string, number>;
}
/** One topic config as `kafka-configs --describe --all` shows it: the value in force and where it comes from. */
export interface ConfigEntry {
  name: string; value: string;
  /** The topic's own setting, the cluster's `config` (Kafka's server.properties), or Kafka's default. */
  source: "DYNAMIC_TOPIC_CONFIG" | "STATIC_BROKER_CONFIG" | "DEFAULT_CONFIG";
}
export interface TopicDescription {
  name: string;
  /** Every topic config with the value in force: the topic's, else the cluster's default, else Kafka's. */
  config: Record<string, string>;
  /** The same, with each value's source, sorted by name. */
  configEntries: ConfigEntry[];
  partitions: PartitionDescription[];
}
export type Bytes = string | Uint8Array;
export interface ProducerRecord {
  key?: Bytes | null; value: Bytes | null; partition?: number; headers?: Record<string, Bytes | null>; timestamp?: number;
}
export interface RecordMetadata { partition: number; offset: number | null; }
export interface SendResult { requestId: number; ok: boolean; partition?: number; offset?: number | null; records?: RecordMetadata[]; code?: string; message?: string; }
export interface ProducerOptions {
  clientId?: string; acks?: "0" | "1" | "all" | "-1" | 0 | 1 | -1; idempotent?: boolean; batchSize?: number;
  /** At least lingerMs + requestTimeoutMs (else INVALID_CONFIG, as Kafka); when not given, 120000 or that sum. */
  deliveryTimeoutMs?: number; requestTimeoutMs?: number; lingerMs?: number; maxInFlightRequestsPerConnection?: number;
  /** How long a send waits for its topic to appear in metadata (Kafka's max.block.ms, default 60000). */ maxBlockMs?: number;
}
export interface ConsumerOptions {
  clientId?: string; groupId?: string; autoOffsetReset?: "earliest" | "latest" | "none"; maxPollRecords?: number;
  fetchMaxWaitMs?: number; maxPartitionFetchBytes?: number; requestTimeoutMs?: number;
  /** With a groupId: commit positions every autoCommitIntervalMs (5000), on poll. */
  enableAutoCommit?: boolean; autoCommitIntervalMs?: number;
  assignor?: "range" | "roundrobin" | "sticky" | "cooperative-sticky"; sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number; maxPollIntervalMs?: number; groupInstanceId?: string;
  /** metadata.max.age.ms (300000): how often the group's leader rereads its topics, to rebalance on a change. */
  metadataMaxAgeMs?: number;
  /** Kafka's isolation.level; without transactions both read up to the high watermark. */
  isolationLevel?: "read_uncommitted" | "read_committed";
}
export interface GroupDescription {
  groupId: string; state: "Empty" | "PreparingRebalance" | "CompletingRebalance" | "Stable" | "Dead";
  generation: number; protocol: string | null; leader: string | null; coordinator: number | null;
  members: { memberId: string; clientId: string; groupInstanceId: string | null; assignment: TopicPartition[] }[];
}
export interface TopicPartition { topic: string; partition: number; }
export interface AssignQuestion {
  members: { memberId: string; topics: string[] }[];
  partitions: Record<string, number>;
  previous?: Record<string, TopicPartition[]>;
}
export interface ConsumerRecord {
  topic: string; partition: number; offset: number; key: Bytes | null; value: Bytes | null; timestamp: number;
  headers: Record<string, Bytes | null>;
}
export interface LogRecord { offset: number; timestamp: number; key: Bytes | null; value: Bytes | null; headers: Record<string, Bytes | null>; leaderEpoch: number; }
export interface ReadLogOptions { fromOffset?: number; maxRecords?: number; }
export interface Violation { kind: string; topic: string; partition: number; offset: number | null; detail: string; }
export interface ClusterDescription {
  controller: {
    leaderId: number | null; term: number;
    voters: { id: number; state: "running" | "crashed"; role: "leader" | "follower" | "candidate"; term: number;
              committedOffset: number; logLength: number }[];
  };
  brokers: { id: number; state: "running" | "fenced" | "crashed" }[];
}
export interface GroupOffset { topic: string; partition: number; committed: number; highWatermark: number; lag: number; }
export interface CheckReport {
  ok: boolean;
  violations: Violation[];
  /** False once the oldest history was dropped to bound memory: then only what it still holds is judged. */
  historyComplete: boolean;
  /** Sends whose records were judged. */
  sendsJudged: number;
  /** The oldest sends, dropped from the history, that were not judged. */
  sendsForgotten: number;
}
export interface TraceEvent { seq: number; timeMs: number; node: number; nodeName: string; kind: string; text: string; [field: string]: unknown; }
"#;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(typescript_type = "ClusterOptions")]
    pub type ClusterOptionsJs;
    #[wasm_bindgen(typescript_type = "TopicOptions")]
    pub type TopicOptionsJs;
    #[wasm_bindgen(typescript_type = "ReadLogOptions")]
    pub type ReadLogOptionsJs;
    #[wasm_bindgen(typescript_type = "ProducerOptions")]
    pub type ProducerOptionsJs;
    #[wasm_bindgen(typescript_type = "ConsumerOptions")]
    pub type ConsumerOptionsJs;
}

type Shared = Rc<RefCell<World>>;

fn read_world<T>(world: &Shared, f: impl FnOnce(&World) -> Result<T, JsValue>) -> Result<T, JsValue> {
    let w =
        world.try_borrow().map_err(|_| invalid(ErrorCode::InvalidRequest, "The cluster is busy with another call"))?;
    f(&w)
}

fn with_world<T>(world: &Shared, f: impl FnOnce(&mut World) -> Result<T, JsValue>) -> Result<T, JsValue> {
    let mut w = world
        .try_borrow_mut()
        .map_err(|_| invalid(ErrorCode::InvalidRequest, "The cluster is busy with another call"))?;
    f(&mut w)
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NetworkOptions {
    latency_ms: Option<f64>,
    jitter_ms: Option<f64>,
    drop_rate: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LinkOptions {
    one_way: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClusterOptions {
    brokers: Option<f64>,
    controllers: Option<f64>,
    seed: Option<f64>,
    network: Option<NetworkOptions>,
    config: Option<BTreeMap<String, ConfigValue>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TopicOptions {
    partitions: Option<f64>,
    replication_factor: Option<f64>,
    config: Option<BTreeMap<String, ConfigValue>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum AcksOption {
    Text(String),
    Number(f64),
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ProducerOptions {
    client_id: Option<String>,
    acks: Option<AcksOption>,
    idempotent: Option<bool>,
    batch_size: Option<f64>,
    delivery_timeout_ms: Option<f64>,
    request_timeout_ms: Option<f64>,
    linger_ms: Option<f64>,
    max_in_flight_requests_per_connection: Option<f64>,
    max_block_ms: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConsumerOptions {
    client_id: Option<String>,
    group_id: Option<String>,
    auto_offset_reset: Option<String>,
    max_poll_records: Option<f64>,
    fetch_max_wait_ms: Option<f64>,
    max_partition_fetch_bytes: Option<f64>,
    request_timeout_ms: Option<f64>,
    enable_auto_commit: Option<bool>,
    auto_commit_interval_ms: Option<f64>,
    assignor: Option<String>,
    session_timeout_ms: Option<f64>,
    heartbeat_interval_ms: Option<f64>,
    max_poll_interval_ms: Option<f64>,
    group_instance_id: Option<String>,
    isolation_level: Option<String>,
    metadata_max_age_ms: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ReadLogOptions {
    from_offset: Option<f64>,
    max_records: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsTopicPartition {
    topic: String,
    partition: f64,
}

/// A whole day of virtual time: the most one `runFor` call or pause lasts.
const RUN_FOR_MS_MAX: f64 = franz_core::sim::RUN_FOR_MS_MAX as f64;

fn node_id(id: f64) -> Result<NodeId, JsValue> {
    Ok(whole(id, "node id", f64::from(i32::MAX))? as NodeId)
}

/// Network options over `base`: what is not given keeps its value.
fn network_config(n: NetworkOptions, base: NetworkConfig) -> Result<NetworkConfig, JsValue> {
    Ok(NetworkConfig {
        latency_ms: opt_whole(n.latency_ms, "network.latencyMs", MAX_SAFE_INTEGER, base.latency_ms)?,
        jitter_ms: opt_whole(n.jitter_ms, "network.jitterMs", MAX_SAFE_INTEGER, base.jitter_ms)?,
        drop_rate: n.drop_rate.unwrap_or(base.drop_rate),
    })
}

fn opt_whole(value: Option<f64>, what: &str, max: f64, default: u64) -> Result<u64, JsValue> {
    value.map_or(Ok(default), |v| whole(v, what, max))
}

/// A simulated Kafka cluster: brokers, clients and the network between them, on virtual time.
#[wasm_bindgen]
pub struct Cluster {
    world: Shared,
}

#[wasm_bindgen]
impl Cluster {
    /// `new Cluster({ brokers, seed, network: { latencyMs, jitterMs, dropRate }, config })`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: Option<ClusterOptionsJs>) -> Result<Cluster, JsValue> {
        // A bug in Franz then shows in the console with its Rust message rather than as "unreachable".
        console_error_panic_hook::set_once();
        let o: ClusterOptions = parse_options(options.map_or(JsValue::UNDEFINED, JsValue::from), "cluster")?;
        let network = network_config(o.network.unwrap_or_default(), NetworkConfig::default())?;
        let config = ClusterConfig {
            seed: opt_whole(o.seed, "seed", MAX_SAFE_INTEGER, 1)?,
            brokers: opt_whole(o.brokers, "brokers", MAX_SAFE_INTEGER, 3)?.min(u64::from(u32::MAX)) as u32,
            controllers: opt_whole(o.controllers, "controllers", MAX_SAFE_INTEGER, 3)?.min(u64::from(u32::MAX)) as u32,
            network,
            broker_config: config_map(o.config),
        };
        let world = World::new(config).map_err(js_error)?;
        Ok(Cluster { world: Rc::new(RefCell::new(world)) })
    }

    /// Virtual time, in milliseconds since the cluster started.
    pub fn now(&self) -> f64 {
        self.world.try_borrow().map_or(0.0, |w| w.now_ms() as f64)
    }

    /// Advances virtual time by `ms`, running everything scheduled until then.
    #[wasm_bindgen(js_name = runFor)]
    pub fn run_for(&self, ms: f64) -> Result<(), JsValue> {
        let ms = whole(ms, "runFor's ms", RUN_FOR_MS_MAX)?;
        with_world(&self.world, |w| {
            w.run_for(ms);
            Ok(())
        })
    }

    /// Runs one event; `false` when nothing is scheduled.
    pub fn step(&self) -> Result<bool, JsValue> {
        with_world(&self.world, |w| Ok(w.step()))
    }

    /// The process of broker `id` dies: memory lost, disk kept.
    #[wasm_bindgen(js_name = crashBroker)]
    pub fn crash_broker(&self, id: f64) -> Result<(), JsValue> {
        let id = node_id(id)?;
        with_world(&self.world, |w| w.crash_broker(id).map_err(js_error))
    }

    /// `kafka-server-stop` for broker `id`: a controlled shutdown. Its leaderships move to other ISR
    /// members first, then it flushes and stops; `restartBroker` brings it back.
    #[wasm_bindgen(js_name = stopBroker)]
    pub fn stop_broker(&self, id: f64) -> Result<(), JsValue> {
        let id = node_id(id)?;
        with_world(&self.world, |w| w.stop_broker(id).map_err(js_error))
    }

    /// Broker `id` restarts and recovers from its disk.
    #[wasm_bindgen(js_name = restartBroker)]
    pub fn restart_broker(&self, id: f64) -> Result<(), JsValue> {
        let id = node_id(id)?;
        with_world(&self.world, |w| w.restart_broker(id).map_err(js_error))
    }

    /// Controller `id`'s process dies; its Raft log and vote stay on disk. If it was active, the others
    /// elect a new one within the election timeout.
    #[wasm_bindgen(js_name = crashController)]
    pub fn crash_controller(&self, id: f64) -> Result<(), JsValue> {
        let id = node_id(id)?;
        with_world(&self.world, |w| w.crash_controller(id).map_err(js_error))
    }

    /// Controller `id` restarts from its disk and catches up with the quorum.
    #[wasm_bindgen(js_name = restartController)]
    pub fn restart_controller(&self, id: f64) -> Result<(), JsValue> {
        let id = node_id(id)?;
        with_world(&self.world, |w| w.restart_controller(id).map_err(js_error))
    }

    /// A new broker joins with the next free id (returned); it registers, is unfenced once caught up and
    /// takes replicas of topics created from then on.
    #[wasm_bindgen(js_name = addBroker)]
    pub fn add_broker(&self) -> Result<f64, JsValue> {
        with_world(&self.world, |w| w.add_broker().map(f64::from).map_err(js_error))
    }

    /// Broker `id`'s machine loses power: memory and unflushed records are lost (`flush.messages`, `flush.ms`).
    #[wasm_bindgen(js_name = powerLoss)]
    pub fn power_loss(&self, id: f64) -> Result<(), JsValue> {
        let id = node_id(id)?;
        with_world(&self.world, |w| w.power_loss(id).map_err(js_error))
    }

    /// A stop-the-world pause (a long GC): node `id` stays alive but silent for `ms`.
    #[wasm_bindgen(js_name = pauseNode)]
    pub fn pause_node(&self, id: f64, ms: f64) -> Result<(), JsValue> {
        let id = node_id(id)?;
        let ms = whole(ms, "ms", RUN_FOR_MS_MAX)?;
        with_world(&self.world, |w| w.pause_node(id, ms).map_err(js_error))
    }

    /// `partitionNetwork([[1], [2, 3]])`: each list is one side; every node not named (clients included) is
    /// on one more side, together. Messages in flight between sides are lost.
    #[wasm_bindgen(js_name = partitionNetwork)]
    pub fn partition_network(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number[][]")] sides: JsValue,
    ) -> Result<(), JsValue> {
        let sides: Vec<Vec<NodeId>> = from_json(&sides).map_err(|e| {
            invalid(ErrorCode::InvalidRequest, format!("partitionNetwork takes lists of node ids: {e}"))
        })?;
        with_world(&self.world, |w| w.partition_network(sides).map_err(js_error))
    }

    #[wasm_bindgen(js_name = healNetwork)]
    pub fn heal_network(&self) -> Result<(), JsValue> {
        with_world(&self.world, |w| w.heal_network().map_err(js_error))
    }

    /// `setNetwork({ latencyMs, jitterMs, dropRate })`: what is not given keeps its current value.
    #[wasm_bindgen(js_name = setNetwork)]
    pub fn set_network(
        &self,
        #[wasm_bindgen(unchecked_param_type = "NetworkOptions")] network: JsValue,
    ) -> Result<(), JsValue> {
        let n: NetworkOptions = parse_options(network, "network")?;
        with_world(&self.world, |w| {
            let current = w.network().config();
            let config = network_config(n, current)?;
            w.set_network(config).map_err(js_error)
        })
    }

    /// `setLink(a, b, { latencyMs, jitterMs, dropRate }, { oneWay })`: settings for the link between two
    /// nodes, starting from the network's; both ways, or only for messages from `a` to `b` with `oneWay` (an
    /// asymmetric fault, as Jepsen's one-way partitions). `null` goes back to the network's settings (that
    /// way only, with `oneWay`).
    #[wasm_bindgen(js_name = setLink)]
    pub fn set_link(
        &self,
        a: f64,
        b: f64,
        #[wasm_bindgen(unchecked_param_type = "NetworkOptions | null")] network: JsValue,
        #[wasm_bindgen(unchecked_param_type = "LinkOptions | undefined")] link: JsValue,
    ) -> Result<(), JsValue> {
        let (a, b) = (node_id(a)?, node_id(b)?);
        let options: Option<NetworkOptions> =
            if network.is_null() || network.is_undefined() { None } else { Some(parse_options(network, "link")?) };
        let link: LinkOptions = parse_options(link, "setLink")?;
        let one_way = link.one_way.unwrap_or(false);
        with_world(&self.world, |w| {
            let config = options.map(|n| network_config(n, w.network().config())).transpose()?;
            if one_way {
                w.set_link_one_way(a, b, config).map_err(js_error)
            } else {
                w.set_link(a, b, config).map_err(js_error)
            }
        })
    }

    /// `describeGroup(groupId)`: state, generation, assignor, leader and each member's partitions, as the
    /// group's coordinator knows them (`state: "Dead"` for a group it does not know).
    #[wasm_bindgen(js_name = describeGroup, unchecked_return_type = "GroupDescription")]
    pub fn describe_group(&self, #[wasm_bindgen(js_name = "groupId")] group_id: String) -> Result<JsValue, JsValue> {
        read_world(&self.world, |w| to_js(&w.describe_group(&group_id)))
    }

    /// `groupOffsets(groupId)`: `[{ topic, partition, committed, highWatermark, lag }]`, lag = HW − committed.
    #[wasm_bindgen(js_name = groupOffsets, unchecked_return_type = "GroupOffset[]")]
    pub fn group_offsets(&self, #[wasm_bindgen(js_name = "groupId")] group_id: String) -> Result<JsValue, JsValue> {
        read_world(&self.world, |w| to_js(&w.group_offsets(&group_id)))
    }

    /// `{ controller: { leaderId, term, voters }, brokers: [{ id, state }] }`: the quorum (each voter's role,
    /// term and committed metadata offset) and each broker's state (running, fenced, crashed).
    #[wasm_bindgen(js_name = describeCluster, unchecked_return_type = "ClusterDescription")]
    pub fn describe_cluster(&self) -> Result<JsValue, JsValue> {
        read_world(&self.world, |w| to_js(&w.describe_cluster()))
    }

    /// The checker's verdict on the run so far: `{ ok, violations: [{ kind, topic, partition, offset, detail }] }`.
    #[wasm_bindgen(unchecked_return_type = "CheckReport")]
    pub fn check(&self) -> Result<JsValue, JsValue> {
        read_world(&self.world, |w| to_js(&w.check()))
    }

    /// The run so far as JSON: seed, cluster and every action with its virtual time.
    pub fn scenario(&self) -> Result<String, JsValue> {
        let scenario = read_world(&self.world, |w| w.scenario().map_err(js_error))?;
        Ok(scenario.to_json())
    }

    /// Rebuilds a run from `scenario()`'s JSON, up to `untilMs` of virtual time if given.
    pub fn replay(
        scenario: &str,
        #[wasm_bindgen(js_name = "untilMs")] until_ms: Option<f64>,
    ) -> Result<Cluster, JsValue> {
        console_error_panic_hook::set_once();
        let until = until_ms.map(|u| whole(u, "untilMs", MAX_SAFE_INTEGER)).transpose()?;
        let scenario = Scenario::parse(scenario).map_err(js_error)?;
        let world = World::replay(&scenario, until).map_err(js_error)?;
        Ok(Cluster { world: Rc::new(RefCell::new(world)) })
    }

    /// A 64-bit hash (16 hex digits) of the whole trace: equal hashes, identical runs.
    #[wasm_bindgen(js_name = traceHash)]
    pub fn trace_hash(&self) -> String {
        self.world.try_borrow().map_or_else(|_| String::new(), |w| format!("{:016x}", w.trace().hash()))
    }

    /// `createTopic(name, { partitions = 1, replicationFactor = min(3, brokers), config = {} })`.
    #[wasm_bindgen(js_name = createTopic)]
    pub fn create_topic(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
        options: Option<TopicOptionsJs>,
    ) -> Result<(), JsValue> {
        let name = string_arg(&name, "The topic name", ErrorCode::InvalidTopicException)?;
        let o: TopicOptions = parse_options(options.map_or(JsValue::UNDEFINED, JsValue::from), "topic")?;
        let partitions = opt_whole(o.partitions, "partitions", f64::from(u32::MAX), 1)? as u32;
        let rf = o.replication_factor.map(|r| whole(r, "replicationFactor", f64::from(u32::MAX))).transpose()?;
        let config = config_map(o.config);
        with_world(&self.world, |w| w.create_topic(&name, partitions, rf.map(|r| r as u32), config).map_err(js_error))
    }

    /// Deletes a topic and its records.
    #[wasm_bindgen(js_name = deleteTopic)]
    pub fn delete_topic(&self, #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue) -> Result<(), JsValue> {
        let name = string_arg(&name, "The topic name", ErrorCode::InvalidTopicException)?;
        with_world(&self.world, |w| w.delete_topic(&name).map_err(js_error))
    }

    /// Grows a topic to `totalCount` partitions (never shrinks, as in Kafka).
    #[wasm_bindgen(js_name = createPartitions)]
    pub fn create_partitions(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
        #[wasm_bindgen(js_name = "totalCount")] total_count: f64,
    ) -> Result<(), JsValue> {
        let name = string_arg(&name, "The topic name", ErrorCode::InvalidTopicException)?;
        let total = whole(total_count, "totalCount", f64::from(u32::MAX))? as u32;
        with_world(&self.world, |w| w.create_partitions(&name, total).map_err(js_error))
    }

    /// `alterTopicConfig(name, { "retention.ms": "60000", "cleanup.policy": null })`: sets keys; `null`
    /// returns a key to its default.
    #[wasm_bindgen(js_name = alterTopicConfig)]
    pub fn alter_topic_config(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Record<string, string | number | boolean | null>")] config: JsValue,
    ) -> Result<(), JsValue> {
        let name = string_arg(&name, "The topic name", ErrorCode::InvalidTopicException)?;
        let changes: BTreeMap<String, Option<ConfigValue>> =
            from_json(&config).map_err(|e| invalid(ErrorCode::InvalidConfig, format!("Invalid topic config: {e}")))?;
        let changes = changes.into_iter().map(|(k, v)| (k, v.map(ConfigValue::into_kafka_string))).collect();
        with_world(&self.world, |w| w.alter_topic_config(&name, changes).map_err(js_error))
    }

    /// `reassignPartitions(name, { 0: [2, 3, 4] })`: moves partitions to new replicas. Returns once the move
    /// started; the new replicas copy the log, join the ISR, and then the old ones are dropped.
    #[wasm_bindgen(js_name = reassignPartitions)]
    pub fn reassign_partitions(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Record<number, number[]>")] assignments: JsValue,
    ) -> Result<(), JsValue> {
        let name = string_arg(&name, "The topic name", ErrorCode::InvalidTopicException)?;
        let raw: BTreeMap<String, Vec<f64>> = from_json(&assignments)
            .map_err(|e| invalid(ErrorCode::InvalidReplicaAssignment, format!("Invalid reassignment: {e}")))?;
        let mut parsed = BTreeMap::new();
        for (partition, replicas) in raw {
            let partition: u32 = partition.parse().map_err(|_| {
                invalid(ErrorCode::InvalidReplicaAssignment, format!("\"{partition}\" is not a partition number"))
            })?;
            let replicas = replicas.into_iter().map(node_id).collect::<Result<Vec<_>, _>>()?;
            parsed.insert(partition, replicas);
        }
        with_world(&self.world, |w| w.reassign_partitions(&name, parsed).map_err(js_error))
    }

    /// `electPreferredLeaders(name?)`: leadership back to each partition's first replica where it is in the
    /// ISR (Kafka's `kafka-leader-election --election-type PREFERRED`).
    #[wasm_bindgen(js_name = electPreferredLeaders)]
    pub fn elect_preferred_leaders(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | undefined")] name: JsValue,
    ) -> Result<(), JsValue> {
        let name = if name.is_undefined() || name.is_null() {
            None
        } else {
            Some(string_arg(&name, "The topic name", ErrorCode::InvalidTopicException)?)
        };
        with_world(&self.world, |w| w.elect_preferred_leaders(name.as_deref()).map_err(js_error))
    }

    #[wasm_bindgen(js_name = listTopics, unchecked_return_type = "string[]")]
    pub fn list_topics(&self) -> Result<JsValue, JsValue> {
        read_world(&self.world, |w| to_js(&w.list_topics()))
    }

    #[wasm_bindgen(js_name = describeTopic, unchecked_return_type = "TopicDescription")]
    pub fn describe_topic(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
    ) -> Result<JsValue, JsValue> {
        let name = string_arg(&name, "The topic name", ErrorCode::InvalidTopicException)?;
        let description = read_world(&self.world, |w| w.describe_topic(&name).map_err(js_error))?;
        to_js(&description)
    }

    /// One replica's log as that broker holds it: `readLog(brokerId, topic, partition, { fromOffset, maxRecords })`.
    #[wasm_bindgen(js_name = readLog, unchecked_return_type = "LogRecord[]")]
    pub fn read_log(
        &self,
        #[wasm_bindgen(js_name = "brokerId")] broker_id: f64,
        #[wasm_bindgen(unchecked_param_type = "string")] topic: JsValue,
        partition: f64,
        options: Option<ReadLogOptionsJs>,
    ) -> Result<JsValue, JsValue> {
        let broker = whole(broker_id, "brokerId", f64::from(i32::MAX))? as NodeId;
        let topic = string_arg(&topic, "The topic name", ErrorCode::InvalidTopicException)?;
        let partition = whole(partition, "partition", f64::from(u32::MAX))? as u32;
        let o: ReadLogOptions = parse_options(options.map_or(JsValue::UNDEFINED, JsValue::from), "readLog")?;
        let from = opt_whole(o.from_offset, "fromOffset", MAX_SAFE_INTEGER, 0)?;
        let max = opt_whole(o.max_records, "maxRecords", MAX_SAFE_INTEGER, 100)? as usize;
        let records = read_world(&self.world, |w| w.read_log(broker, &topic, partition, from, max).map_err(js_error))?;
        let out = Array::new();
        for r in &records {
            out.push(&object(&[
                ("offset", (r.offset as f64).into()),
                ("timestamp", (r.timestamp_ms as f64).into()),
                ("key", bytes_to_js(&r.key)),
                ("value", bytes_to_js(&r.value)),
                ("headers", headers_to_js(&r.headers)),
                ("leaderEpoch", r.leader_epoch.into()),
            ]));
        }
        Ok(out.into())
    }

    /// The trace since `sinceSeq` (exclusive), in words a person reads and with structured fields.
    #[wasm_bindgen(unchecked_return_type = "TraceEvent[]")]
    pub fn events(&self, #[wasm_bindgen(js_name = "sinceSeq")] since_seq: Option<f64>) -> Result<JsValue, JsValue> {
        let since = opt_whole(since_seq, "sinceSeq", MAX_SAFE_INTEGER, 0)?;
        read_world(&self.world, |w| to_js(&w.trace().since(since)))
    }

    /// A producer client: `producer({ clientId, acks = "all", idempotent = true, ... })`.
    pub fn producer(&self, options: Option<ProducerOptionsJs>) -> Result<Producer, JsValue> {
        let o: ProducerOptions = parse_options(options.map_or(JsValue::UNDEFINED, JsValue::from), "producer")?;
        let mut config = ProducerConfig { client_id: o.client_id, ..ProducerConfig::default() };
        if let Some(acks) = o.acks {
            let text = match acks {
                AcksOption::Text(s) => s,
                AcksOption::Number(n) => format!("{n}"),
            };
            config.acks = Acks::parse(&text).ok_or_else(|| {
                invalid(ErrorCode::InvalidConfig, format!("acks must be \"0\", \"1\" or \"all\", got {text}"))
            })?;
        }
        config.enable_idempotence = o.idempotent.unwrap_or(true);
        config.linger_ms = opt_whole(o.linger_ms, "lingerMs", MAX_SAFE_INTEGER, config.linger_ms)?;
        config.max_in_flight_requests_per_connection = opt_whole(
            o.max_in_flight_requests_per_connection,
            "maxInFlightRequestsPerConnection",
            MAX_SAFE_INTEGER,
            u64::from(config.max_in_flight_requests_per_connection),
        )?
        .min(u64::from(u32::MAX)) as u32;
        config.max_block_ms = opt_whole(o.max_block_ms, "maxBlockMs", MAX_SAFE_INTEGER, config.max_block_ms)?;
        config.batch_size_bytes = opt_whole(o.batch_size, "batchSize", 1.0e9, config.batch_size_bytes as u64)? as usize;
        config.delivery_timeout_ms =
            opt_whole(o.delivery_timeout_ms, "deliveryTimeoutMs", MAX_SAFE_INTEGER, config.delivery_timeout_ms)?;
        config.request_timeout_ms =
            opt_whole(o.request_timeout_ms, "requestTimeoutMs", MAX_SAFE_INTEGER, config.request_timeout_ms)?;
        if o.delivery_timeout_ms.is_none() {
            // As KafkaProducer: an unset delivery.timeout.ms is raised to linger.ms + request.timeout.ms; one the
            // user set below that is refused (by the core's validation).
            let floor = config.linger_ms.saturating_add(config.request_timeout_ms);
            config.delivery_timeout_ms = config.delivery_timeout_ms.max(floor);
        }
        let id = with_world(&self.world, |w| w.add_producer(config).map_err(js_error))?;
        Ok(Producer { world: self.world.clone(), id })
    }

    /// A consumer client: `consumer({ clientId, autoOffsetReset = "latest", maxPollRecords, ... })`.
    pub fn consumer(&self, options: Option<ConsumerOptionsJs>) -> Result<Consumer, JsValue> {
        let o: ConsumerOptions = parse_options(options.map_or(JsValue::UNDEFINED, JsValue::from), "consumer")?;
        let mut config = ConsumerConfig { client_id: o.client_id, ..ConsumerConfig::default() };
        config.group_id = o.group_id;
        if let Some(reset) = o.auto_offset_reset {
            config.auto_offset_reset = AutoOffsetReset::parse(&reset).ok_or_else(|| {
                invalid(
                    ErrorCode::InvalidConfig,
                    format!("autoOffsetReset must be earliest, latest or none, got {reset}"),
                )
            })?;
        }
        config.max_poll_records =
            opt_whole(o.max_poll_records, "maxPollRecords", 1.0e6, config.max_poll_records as u64)? as usize;
        config.fetch_max_wait_ms =
            opt_whole(o.fetch_max_wait_ms, "fetchMaxWaitMs", MAX_SAFE_INTEGER, config.fetch_max_wait_ms)?;
        config.max_partition_fetch_bytes = opt_whole(
            o.max_partition_fetch_bytes,
            "maxPartitionFetchBytes",
            1.0e9,
            config.max_partition_fetch_bytes as u64,
        )? as usize;
        config.request_timeout_ms =
            opt_whole(o.request_timeout_ms, "requestTimeoutMs", MAX_SAFE_INTEGER, config.request_timeout_ms)?;
        config.enable_auto_commit = o.enable_auto_commit.unwrap_or(config.enable_auto_commit);
        config.auto_commit_interval_ms = opt_whole(
            o.auto_commit_interval_ms,
            "autoCommitIntervalMs",
            MAX_SAFE_INTEGER,
            config.auto_commit_interval_ms,
        )?;
        if let Some(assignor) = o.assignor {
            config.assignor = assignor;
        }
        config.session_timeout_ms =
            opt_whole(o.session_timeout_ms, "sessionTimeoutMs", MAX_SAFE_INTEGER, config.session_timeout_ms)?;
        config.heartbeat_interval_ms =
            opt_whole(o.heartbeat_interval_ms, "heartbeatIntervalMs", MAX_SAFE_INTEGER, config.heartbeat_interval_ms)?;
        config.max_poll_interval_ms =
            opt_whole(o.max_poll_interval_ms, "maxPollIntervalMs", MAX_SAFE_INTEGER, config.max_poll_interval_ms)?;
        config.metadata_max_age_ms =
            opt_whole(o.metadata_max_age_ms, "metadataMaxAgeMs", MAX_SAFE_INTEGER, config.metadata_max_age_ms)?;
        config.group_instance_id = o.group_instance_id;
        config.isolation_level = match o.isolation_level.as_deref() {
            None | Some("read_uncommitted") => IsolationLevel::ReadUncommitted,
            Some("read_committed") => IsolationLevel::ReadCommitted,
            Some(other) => {
                return Err(invalid(
                    ErrorCode::InvalidConfig,
                    format!("isolationLevel must be read_uncommitted or read_committed, got {other}"),
                ))
            }
        };
        let id = with_world(&self.world, |w| w.add_consumer(config).map_err(js_error))?;
        Ok(Consumer { world: self.world.clone(), id })
    }
}

fn metadata_to_js(records: &[RecordMetadata]) -> JsValue {
    let out = Array::new();
    for m in records {
        let offset = m.offset.map_or(JsValue::NULL, |o| (o as f64).into());
        out.push(&object(&[("partition", m.partition.into()), ("offset", offset)]));
    }
    out.into()
}

/// A producer client of a [`Cluster`].
#[wasm_bindgen]
pub struct Producer {
    world: Shared,
    id: NodeId,
}

#[wasm_bindgen]
impl Producer {
    /// Sends and waits (advancing virtual time) for every record's `{ partition, offset }`.
    #[wasm_bindgen(unchecked_return_type = "RecordMetadata[]")]
    pub fn send(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] topic: JsValue,
        #[wasm_bindgen(unchecked_param_type = "ProducerRecord[]")] records: JsValue,
    ) -> Result<JsValue, JsValue> {
        let topic = string_arg(&topic, "The topic name", ErrorCode::InvalidTopicException)?;
        let records = producer_records(records)?;
        let metadata = with_world(&self.world, |w| w.send(self.id, &topic, records).map_err(js_error))?;
        Ok(metadata_to_js(&metadata))
    }

    /// Starts a send and returns its request id at once; `results()` reports it as time advances.
    #[wasm_bindgen(js_name = sendAsync)]
    pub fn send_async(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] topic: JsValue,
        #[wasm_bindgen(unchecked_param_type = "ProducerRecord[]")] records: JsValue,
    ) -> Result<f64, JsValue> {
        let topic = string_arg(&topic, "The topic name", ErrorCode::InvalidTopicException)?;
        let records = producer_records(records)?;
        with_world(&self.world, |w| w.send_async(self.id, &topic, records).map(|id| id as f64).map_err(js_error))
    }

    /// Finished sends not reported before: `[{ requestId, ok, partition?, offset?, records?, code? }]`.
    #[wasm_bindgen(unchecked_return_type = "SendResult[]")]
    pub fn results(&self) -> Result<JsValue, JsValue> {
        let results = with_world(&self.world, |w| w.producer_results(self.id).map_err(js_error))?;
        let out = Array::new();
        for r in results {
            let id = ("requestId", JsValue::from(r.request_id as f64));
            let item = match &r.result {
                Ok(records) => {
                    let first = records.first();
                    object(&[
                        id,
                        ("ok", true.into()),
                        ("partition", first.map_or(JsValue::UNDEFINED, |m| m.partition.into())),
                        ("offset", first.and_then(|m| m.offset).map_or(JsValue::NULL, |o| (o as f64).into())),
                        ("records", metadata_to_js(records)),
                    ])
                }
                Err(e) => object(&[
                    id,
                    ("ok", false.into()),
                    ("code", e.code.name().into()),
                    ("message", e.message.as_str().into()),
                ]),
            };
            out.push(&item);
        }
        Ok(out.into())
    }

    /// Stops the producer; later calls throw.
    pub fn close(&self) -> Result<(), JsValue> {
        with_world(&self.world, |w| w.close_client(self.id).map_err(js_error))
    }

    /// The producer process dies with its requests in flight: their outcome is never known.
    pub fn crash(&self) -> Result<(), JsValue> {
        with_world(&self.world, |w| w.crash_client(self.id).map_err(js_error))
    }
}

/// A consumer client of a [`Cluster`].
#[wasm_bindgen]
pub struct Consumer {
    world: Shared,
    id: NodeId,
}

fn topic_partition(topic: &JsValue, partition: f64) -> Result<TopicPartition, JsValue> {
    let topic = string_arg(topic, "The topic name", ErrorCode::InvalidTopicException)?;
    let partition = whole(partition, "partition", f64::from(u32::MAX))? as u32;
    Ok(TopicPartition::new(topic, partition))
}

/// `[{ topic, partition }]` from JS, validated.
fn topic_partitions(value: &JsValue, call: &str) -> Result<Vec<TopicPartition>, JsValue> {
    let list: Vec<JsTopicPartition> = from_json(value)
        .map_err(|e| invalid(ErrorCode::InvalidRequest, format!("{call} takes [{{ topic, partition }}]: {e}")))?;
    list.into_iter().map(|tp| topic_partition(&JsValue::from_str(&tp.topic), tp.partition)).collect()
}

#[wasm_bindgen]
impl Consumer {
    /// Manual assignment, no group: `assign([{ topic, partition }])`.
    pub fn assign(
        &self,
        #[wasm_bindgen(unchecked_param_type = "TopicPartition[]")] partitions: JsValue,
    ) -> Result<(), JsValue> {
        let tps = topic_partitions(&partitions, "assign")?;
        with_world(&self.world, |w| w.assign(self.id, tps).map_err(js_error))
    }

    /// `pause([{ topic, partition }])`: not fetched, and `poll` returns none of their records until `resume`.
    pub fn pause(
        &self,
        #[wasm_bindgen(unchecked_param_type = "TopicPartition[]")] partitions: JsValue,
    ) -> Result<(), JsValue> {
        let tps = topic_partitions(&partitions, "pause")?;
        with_world(&self.world, |w| w.pause_partitions(self.id, tps, true).map_err(js_error))
    }

    /// `resume([{ topic, partition }])`.
    pub fn resume(
        &self,
        #[wasm_bindgen(unchecked_param_type = "TopicPartition[]")] partitions: JsValue,
    ) -> Result<(), JsValue> {
        let tps = topic_partitions(&partitions, "resume")?;
        with_world(&self.world, |w| w.pause_partitions(self.id, tps, false).map_err(js_error))
    }

    #[wasm_bindgen(unchecked_return_type = "TopicPartition[]")]
    pub fn assignment(&self) -> Result<JsValue, JsValue> {
        let tps = with_world(&self.world, |w| w.assignment(self.id).map_err(js_error))?;
        to_js(&tps)
    }

    /// The next poll returns records of that partition from `offset`.
    pub fn seek(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] topic: JsValue,
        partition: f64,
        offset: f64,
    ) -> Result<(), JsValue> {
        let tp = topic_partition(&topic, partition)?;
        if !offset.is_finite() || offset.fract() != 0.0 || offset.abs() > MAX_SAFE_INTEGER {
            return Err(invalid(
                ErrorCode::OffsetOutOfRange,
                format!("Seek offset must be a whole number, got {offset}"),
            ));
        }
        with_world(&self.world, |w| w.seek(self.id, &tp, offset as i64).map_err(js_error))
    }

    /// The offset of the next record `poll` returns for that partition.
    pub fn position(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] topic: JsValue,
        partition: f64,
    ) -> Result<f64, JsValue> {
        let tp = topic_partition(&topic, partition)?;
        with_world(&self.world, |w| w.position(self.id, &tp).map(|o| o as f64).map_err(js_error))
    }

    /// Waits up to `timeoutMs` (default 1000) of virtual time for records.
    #[wasm_bindgen(unchecked_return_type = "ConsumerRecord[]")]
    pub fn poll(&self, #[wasm_bindgen(js_name = "timeoutMs")] timeout_ms: Option<f64>) -> Result<JsValue, JsValue> {
        let timeout = opt_whole(timeout_ms, "timeoutMs", RUN_FOR_MS_MAX, 1_000)?;
        let records = with_world(&self.world, |w| w.poll(self.id, timeout).map_err(js_error))?;
        Ok(consumer_records_to_js(&records))
    }

    /// `subscribe(topics)`: the consumer joins its group, which assigns it partitions (needs a `groupId`).
    pub fn subscribe(&self, #[wasm_bindgen(unchecked_param_type = "string[]")] topics: JsValue) -> Result<(), JsValue> {
        let topics: Vec<String> =
            from_json(&topics).map_err(|e| invalid(ErrorCode::InvalidRequest, format!("Invalid topics: {e}")))?;
        with_world(&self.world, |w| w.subscribe(self.id, topics).map_err(js_error))
    }

    /// `commitSync(offsets?)`: stores `[{ topic, partition, offset }]` (or every position) as the group's next
    /// offsets to read, in `__consumer_offsets`; waits until replicated. Needs a `groupId`.
    #[wasm_bindgen(js_name = commitSync)]
    pub fn commit_sync(
        &self,
        #[wasm_bindgen(unchecked_param_type = "{ topic: string; partition: number; offset: number }[] | undefined")]
        offsets: JsValue,
    ) -> Result<(), JsValue> {
        let offsets: Option<Vec<PartitionOffset>> = if offsets.is_undefined() || offsets.is_null() {
            None
        } else {
            Some(from_json(&offsets).map_err(|e| invalid(ErrorCode::InvalidRequest, format!("Invalid offsets: {e}")))?)
        };
        with_world(&self.world, |w| w.commit_sync(self.id, offsets).map_err(js_error))
    }

    /// Stops the consumer; later calls throw.
    pub fn close(&self) -> Result<(), JsValue> {
        with_world(&self.world, |w| w.close_client(self.id).map_err(js_error))
    }

    /// The consumer process dies: no goodbye, nothing more sent.
    pub fn crash(&self) -> Result<(), JsValue> {
        with_world(&self.world, |w| w.crash_client(self.id).map_err(js_error))
    }
}

fn consumer_records_to_js(records: &[ConsumerRecord]) -> JsValue {
    let out = Array::new();
    for r in records {
        out.push(&object(&[
            ("topic", r.topic.as_str().into()),
            ("partition", r.partition.into()),
            ("offset", (r.offset as f64).into()),
            ("key", bytes_to_js(&r.key)),
            ("value", bytes_to_js(&r.value)),
            ("timestamp", (r.timestamp_ms as f64).into()),
            ("headers", headers_to_js(&r.headers)),
        ]));
    }
    out.into()
}

fn key_bytes(key: &JsValue) -> Result<Vec<u8>, JsValue> {
    if let Some(s) = key.as_string() {
        Ok(s.into_bytes())
    } else if let Some(a) = key.dyn_ref::<js_sys::Uint8Array>() {
        Ok(a.to_vec())
    } else {
        Err(invalid(ErrorCode::InvalidRequest, "The key must be a string or a Uint8Array"))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsMember {
    member_id: String,
    topics: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignQuestion {
    members: Vec<JsMember>,
    partitions: BTreeMap<String, u32>,
    #[serde(default)]
    previous: BTreeMap<String, Vec<JsTopicPartition>>,
}

/// What a Kafka assignor would do: `assignPartitions("range", { members: [{ memberId, topics }],
/// partitions: { topic: count }, previous?: { memberId: [{ topic, partition }] } })` →
/// `{ memberId: [{ topic, partition }] }`. Strategies: range, roundrobin, sticky, cooperative-sticky.
#[wasm_bindgen(js_name = assignPartitions, unchecked_return_type = "Record<string, TopicPartition[]>")]
pub fn assign_partitions(
    strategy: &str,
    #[wasm_bindgen(unchecked_param_type = "AssignQuestion")] question: JsValue,
) -> Result<JsValue, JsValue> {
    let assignor = Assignor::parse(strategy).map_err(js_error)?;
    let q: AssignQuestion = from_json(&question).map_err(|e| {
        invalid(ErrorCode::InvalidRequest, format!("assignPartitions takes {{ members, partitions, previous? }}: {e}"))
    })?;
    let members: Vec<Member> =
        q.members.into_iter().map(|m| Member { member_id: m.member_id, topics: m.topics }).collect();
    let mut previous = BTreeMap::new();
    for (member, list) in q.previous {
        let tps = list
            .into_iter()
            .map(|tp| topic_partition(&JsValue::from_str(&tp.topic), tp.partition))
            .collect::<Result<Vec<_>, _>>()?;
        previous.insert(member, tps);
    }
    let assignment = assign(assignor, &members, &q.partitions, &previous).map_err(js_error)?;
    to_js(&assignment)
}

/// Kafka's `Utils.murmur2` of a key (UTF-8 for strings), as a signed 32-bit number.
#[wasm_bindgen]
pub fn murmur2(#[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] key: JsValue) -> Result<i32, JsValue> {
    Ok(franz_core::partitioner::murmur2(&key_bytes(&key)?))
}

/// The partition Kafka's default partitioner picks for a key among `numPartitions`.
#[wasm_bindgen(js_name = partitionForKey)]
pub fn partition_for_key(
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] key: JsValue,
    #[wasm_bindgen(js_name = "numPartitions")] num_partitions: f64,
) -> Result<u32, JsValue> {
    let n = whole(num_partitions, "numPartitions", f64::from(u32::MAX))? as u32;
    if n == 0 {
        return Err(invalid(ErrorCode::InvalidPartitions, "numPartitions must be at least 1"));
    }
    Ok(franz_core::partitioner::partition_for_key(&key_bytes(&key)?, n))
}
