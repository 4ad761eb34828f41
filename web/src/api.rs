//! The JS API (`../shared/JS-API.md`): `Cluster`, `Producer`, `Consumer` and the pure helpers.
//!
//! Every entry point takes its arguments as `JsValue` (or an `Option` of an imported JS type, which
//! wasm-bindgen passes as an opaque handle): a Rust `String` or `&str` parameter lets wasm-bindgen's glue read
//! `.length` of whatever JS passed, and a number or an object there traps the module ("memory access out of
//! bounds"). Each argument is then checked here into a Kafka error (`INVALID_REQUEST`, `INVALID_CONFIG` ...).
//!
//! The TypeScript types come from the Rust types (tsify: the core's views, report, trace and configs, this
//! crate's options), so they cannot drift; the custom section below holds only what no Rust type describes.

use franz_core::vec_map::VecMap;
use std::cell::RefCell;
use std::rc::Rc;

use franz_core::client::producer::CLIENT_TIMEOUT_MS_MAX;
use franz_core::client::{ConsumerConfig, ConsumerRecord, ProducerConfig, RecordMetadata};
use franz_core::error::ErrorCode;
use franz_core::group::assignor::{assign, Assignor, Member};
use franz_core::sim::network::NetworkConfig;
use franz_core::sim::scenario::{PartitionOffset, Scenario, SCENARIO_JSON_BYTES_MAX};
use franz_core::types::{NodeId, TopicPartition};
use franz_core::{ClusterConfig, World};
use js_sys::Array;
use serde::Deserialize;
use tsify::Tsify;
use wasm_bindgen::prelude::*;

use crate::convert::*;

/// What no Rust type describes: the thrown error (a JS `Error` with fields added), keys and values (a string
/// or a `Uint8Array`, chosen per value at run time), the records and send results built field by field, and
/// the options' JS conveniences on top of the core's configs (numbers and booleans for config values, the
/// names JS-API.md promised before the configs had theirs: `batchSize`, `idempotent`).
#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** Thrown by every call that fails: `code` is Kafka's error name. */
export interface FranzError extends Error { code: ErrorCode; retriable: boolean; }
/** A string is UTF-8; a `Uint8Array` passes bytes through. Read back as a string when the bytes are UTF-8. */
export type Bytes = string | Uint8Array;
/** A header repeated (Kafka allows a key more than once) has its values as an array, in order (KafkaJS's form). */
export type RecordHeaders = Record<string, Bytes | null | (Bytes | null)[]>;
export interface ProducerRecord {
  key?: Bytes | null; value: Bytes | null; partition?: number; headers?: RecordHeaders; timestamp?: number;
}
export interface SendResult {
  requestId: number; ok: boolean; partition?: number; offset?: number | null; records?: RecordMetadata[];
  code?: ErrorCode; message?: string;
}
export interface ConsumerRecord {
  topic: string; partition: number; offset: number; key: Bytes | null; value: Bytes | null; timestamp: number;
  headers: RecordHeaders;
}
export interface LogRecord {
  offset: number; timestamp: number; key: Bytes | null; value: Bytes | null; headers: RecordHeaders;
  leaderEpoch: number;
}
/** `new Cluster(options)`: a scenario's head (`ClusterConfig`), with config values as numbers or booleans too. */
export type ClusterOptions = Omit<ClusterConfig, "config"> & { config?: Record<string, ConfigValue> };
/** `producer(options)`: `ProducerConfig`, with `acks` as a number too, and JS-API.md's `batchSize` (for
 * `batchSizeBytes`) and `idempotent` (for `enableIdempotence`). An unset `deliveryTimeoutMs` is raised to
 * `lingerMs + requestTimeoutMs`, as KafkaProducer does. */
export type ProducerOptions = Omit<ProducerConfig, "acks"> & {
  acks?: Acks | "-1" | 0 | 1 | -1; batchSize?: number; idempotent?: boolean;
};
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
    #[wasm_bindgen(typescript_type = "ConsumerConfig")]
    pub type ConsumerOptionsJs;
    #[wasm_bindgen(typescript_type = "LinkOptions")]
    pub type LinkOptionsJs;
    /// An optional number argument (`poll(timeoutMs?)`): a handle to any JS value, checked in Rust, since an
    /// `Option<f64>` would let the glue coerce `"5"` and throw a bare `TypeError` on a BigInt.
    #[wasm_bindgen(typescript_type = "number")]
    pub type NumberJs;
    /// An optional string argument (`electPreferredLeaders(topic?)`), checked in Rust as `NumberJs` is.
    #[wasm_bindgen(typescript_type = "string")]
    pub type StringJs;
    #[wasm_bindgen(typescript_type = "PartitionOffset[]")]
    pub type PartitionOffsetsJs;
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

/// `setLink`'s fourth argument.
#[derive(Deserialize, Default, Tsify)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
#[tsify(missing_as_null)]
struct LinkOptions {
    /// The settings apply to messages from the first node to the second only (an asymmetric fault).
    one_way: bool,
}

/// `createTopic(name, options)`.
#[derive(Deserialize, Default, Tsify)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
#[tsify(missing_as_null, hashmap_as_object)]
struct TopicOptions {
    /// Default 1.
    partitions: Option<u32>,
    /// Default min(3, brokers).
    replication_factor: Option<u32>,
    /// Topic configs with Kafka's keys: `{ "cleanup.policy": "compact", "min.insync.replicas": 2 }`.
    #[tsify(type = "Record<string, ConfigValue> | null")]
    config: Option<franz_core::config::ConfigMap>,
}

/// `readLog(brokerId, topic, partition, options)`.
#[derive(Deserialize, Default, Tsify)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
#[tsify(missing_as_null)]
struct ReadLogOptions {
    /// Default 0.
    from_offset: Option<u64>,
    /// Default 100.
    max_records: Option<u64>,
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

fn node_id_arg(id: &JsValue) -> Result<NodeId, JsValue> {
    Ok(number_arg(id, "node id", f64::from(i32::MAX))? as NodeId)
}

/// Network options over `base`: what is not given keeps its value. Counts are checked as everywhere;
/// `dropRate` is a fraction, which the core checks.
fn network_config(value: &JsValue, base: NetworkConfig, what: &str) -> Result<NetworkConfig, JsValue> {
    let Some(given) = options_map(value, what, &["dropRate"])? else {
        return Ok(base);
    };
    let serde_json::Value::Object(mut map) = serde_json::to_value(base).unwrap_or_default() else {
        return Err(invalid(ErrorCode::UnknownServerError, "The network settings did not convert to JSON"));
    };
    map.extend(given);
    from_map(map, what)
}

fn opt_js<T: Into<JsValue>>(value: Option<T>) -> JsValue {
    value.map_or(JsValue::UNDEFINED, Into::into)
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
        let config: ClusterConfig = parse_options_with(opt_js(options), "cluster", &["dropRate", "config"], |map| {
            config_strings(map, "config")
        })?;
        let world = World::new(config).map_err(js_error)?;
        Ok(Cluster { world: Rc::new(RefCell::new(world)) })
    }

    /// Virtual time, in milliseconds since 1970-01-01 UTC: the cluster's clock starts at its `clockStartMs`
    /// (0 unless given).
    pub fn now(&self) -> f64 {
        self.world.try_borrow().map_or(0.0, |w| w.now_ms() as f64)
    }

    /// Advances virtual time by `ms`, running everything scheduled until then.
    #[wasm_bindgen(js_name = runFor)]
    pub fn run_for(&self, #[wasm_bindgen(unchecked_param_type = "number")] ms: JsValue) -> Result<(), JsValue> {
        let ms = number_arg(&ms, "runFor's ms", RUN_FOR_MS_MAX)?;
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
    pub fn crash_broker(&self, #[wasm_bindgen(unchecked_param_type = "number")] id: JsValue) -> Result<(), JsValue> {
        let id = node_id_arg(&id)?;
        with_world(&self.world, |w| w.crash_broker(id).map_err(js_error))
    }

    /// `kafka-server-stop` for broker `id`: a controlled shutdown. Its leaderships move to other ISR
    /// members first, then it flushes and stops; `restartBroker` brings it back.
    #[wasm_bindgen(js_name = stopBroker)]
    pub fn stop_broker(&self, #[wasm_bindgen(unchecked_param_type = "number")] id: JsValue) -> Result<(), JsValue> {
        let id = node_id_arg(&id)?;
        with_world(&self.world, |w| w.stop_broker(id).map_err(js_error))
    }

    /// Broker `id` restarts and recovers from its disk.
    #[wasm_bindgen(js_name = restartBroker)]
    pub fn restart_broker(&self, #[wasm_bindgen(unchecked_param_type = "number")] id: JsValue) -> Result<(), JsValue> {
        let id = node_id_arg(&id)?;
        with_world(&self.world, |w| w.restart_broker(id).map_err(js_error))
    }

    /// Controller `id`'s process dies; its Raft log and vote stay on disk. If it was active, the others
    /// elect a new one within the election timeout.
    #[wasm_bindgen(js_name = crashController)]
    pub fn crash_controller(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] id: JsValue,
    ) -> Result<(), JsValue> {
        let id = node_id_arg(&id)?;
        with_world(&self.world, |w| w.crash_controller(id).map_err(js_error))
    }

    /// Controller `id` restarts from its disk and catches up with the quorum.
    #[wasm_bindgen(js_name = restartController)]
    pub fn restart_controller(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] id: JsValue,
    ) -> Result<(), JsValue> {
        let id = node_id_arg(&id)?;
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
    pub fn power_loss(&self, #[wasm_bindgen(unchecked_param_type = "number")] id: JsValue) -> Result<(), JsValue> {
        let id = node_id_arg(&id)?;
        with_world(&self.world, |w| w.power_loss(id).map_err(js_error))
    }

    /// A stop-the-world pause (a long GC): node `id` stays alive but silent for `ms`; a client takes no calls
    /// meanwhile (its application is paused with it).
    #[wasm_bindgen(js_name = pauseNode)]
    pub fn pause_node(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] ms: JsValue,
    ) -> Result<(), JsValue> {
        let id = node_id_arg(&id)?;
        let ms = number_arg(&ms, "ms", RUN_FOR_MS_MAX)?;
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
        #[wasm_bindgen(unchecked_param_type = "NetworkConfig")] network: JsValue,
    ) -> Result<(), JsValue> {
        with_world(&self.world, |w| {
            let config = network_config(&network, w.network().config(), "network")?;
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
        #[wasm_bindgen(unchecked_param_type = "number")] a: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] b: JsValue,
        #[wasm_bindgen(unchecked_param_type = "NetworkConfig | null")] network: JsValue,
        link: Option<LinkOptionsJs>,
    ) -> Result<(), JsValue> {
        let (a, b) = (node_id_arg(&a)?, node_id_arg(&b)?);
        let link: LinkOptions = parse_options(opt_js(link), "setLink")?;
        with_world(&self.world, |w| {
            let config = if network.is_null() || network.is_undefined() {
                None
            } else {
                Some(network_config(&network, w.network().config(), "link")?)
            };
            if link.one_way {
                w.set_link_one_way(a, b, config).map_err(js_error)
            } else {
                w.set_link(a, b, config).map_err(js_error)
            }
        })
    }

    /// `describeGroup(groupId)`: state, generation, assignor, leader and each member's partitions, as the
    /// group's coordinator answers Kafka's DescribeGroups (`state: "Dead"` for a group it does not know;
    /// `"Empty"` for one with committed offsets and no members; outside `"Stable"` no assignor and no
    /// member's partitions).
    #[wasm_bindgen(js_name = describeGroup, unchecked_return_type = "GroupDescription")]
    pub fn describe_group(
        &self,
        #[wasm_bindgen(js_name = "groupId", unchecked_param_type = "string")] group_id: JsValue,
    ) -> Result<JsValue, JsValue> {
        let group_id = string_arg(&group_id, "The group id", ErrorCode::InvalidGroupId)?;
        read_world(&self.world, |w| to_js(&w.describe_group(&group_id).as_kafka_describes_it()))
    }

    /// `groupOffsets(groupId)`: `[{ topic, partition, committed, highWatermark, lag }]`, lag = HW − committed.
    #[wasm_bindgen(js_name = groupOffsets, unchecked_return_type = "GroupOffset[]")]
    pub fn group_offsets(
        &self,
        #[wasm_bindgen(js_name = "groupId", unchecked_param_type = "string")] group_id: JsValue,
    ) -> Result<JsValue, JsValue> {
        let group_id = string_arg(&group_id, "The group id", ErrorCode::InvalidGroupId)?;
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
        scenario.to_json_within_bounds().map_err(js_error)
    }

    /// Rebuilds a run from `scenario()`'s JSON, up to `untilMs` of virtual time if given.
    pub fn replay(
        #[wasm_bindgen(unchecked_param_type = "string")] scenario: JsValue,
        #[wasm_bindgen(js_name = "untilMs")] until_ms: Option<NumberJs>,
    ) -> Result<Cluster, JsValue> {
        console_error_panic_hook::set_once();
        let scenario = string_arg_within(
            &scenario,
            "The scenario (scenario()'s JSON)",
            ErrorCode::InvalidRequest,
            SCENARIO_JSON_BYTES_MAX,
        )?;
        let until = until_ms.map(|u| number_arg(&u.into(), "untilMs", MAX_SAFE_INTEGER)).transpose()?;
        let scenario = Scenario::parse(&scenario).map_err(js_error)?;
        let world = World::replay(&scenario, until).map_err(js_error)?;
        Ok(Cluster { world: Rc::new(RefCell::new(world)) })
    }

    /// A 64-bit hash (16 hex digits) of the whole trace: equal hashes, identical runs.
    #[wasm_bindgen(js_name = traceHash)]
    pub fn trace_hash(&self) -> String {
        self.world.try_borrow().map_or_else(|_| String::new(), |w| format!("{:016x}", w.trace().hash()))
    }

    /// `createTopic(name, { partitions = num.partitions (1), replicationFactor = default.replication.factor
    /// (unset: min(3, brokers)), config = {} })`.
    #[wasm_bindgen(js_name = createTopic)]
    pub fn create_topic(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
        options: Option<TopicOptionsJs>,
    ) -> Result<(), JsValue> {
        let name = string_arg(&name, "The topic name", ErrorCode::InvalidTopicException)?;
        let o: TopicOptions =
            parse_options_with(opt_js(options), "topic", &["config", "partitions", "replicationFactor"], |map| {
                // KIP-464: -1 asks for the default; any other count below 1 (or not a whole number) is refused
                // with Kafka's error and text, not a JSON type error.
                let counts = [
                    (
                        "partitions",
                        i32::MAX as u64,
                        ErrorCode::InvalidPartitions,
                        "Number of partitions was set to an invalid non-positive value.",
                    ),
                    (
                        "replicationFactor",
                        i16::MAX as u64,
                        ErrorCode::InvalidReplicationFactor,
                        "Replication factor must be larger than 0, or -1 to use the default value.",
                    ),
                ];
                config_strings(map, "config")?;
                for (key, max, code, text) in counts {
                    match map.get(key) {
                        None | Some(serde_json::Value::Null) => {}
                        Some(v) if v.as_i64() == Some(-1) => {
                            map.remove(key);
                        }
                        Some(v) if v.as_u64().is_some_and(|n| (1..=max).contains(&n)) => {}
                        // (The value said as a number, or not at all: Value's Display would bring its serializer.)
                        Some(v) => {
                            let said = v.as_f64().map(|n| format!(" ({key}: {n})")).unwrap_or_default();
                            // Kafka's text for a count below 1; beyond its INT32 (or not a whole number), ours.
                            let text = match v.as_f64() {
                                Some(n) if n <= 0.0 => String::from(text),
                                _ => format!("{key} must be a whole number from 1 to {max}, or -1 for the default."),
                            };
                            return Err(invalid(code, format!("{text}{said}")));
                        }
                    }
                }
                Ok(())
            })?;
        let config = o.config.unwrap_or_default();
        with_world(&self.world, |w| {
            let partitions = o.partitions.unwrap_or(w.broker_config().num_partitions);
            w.create_topic(&name, partitions, o.replication_factor, config).map_err(js_error)
        })
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
        #[wasm_bindgen(js_name = "totalCount", unchecked_param_type = "number")] total_count: JsValue,
    ) -> Result<(), JsValue> {
        let name = string_arg(&name, "The topic name", ErrorCode::InvalidTopicException)?;
        // A negative count is Kafka's INVALID_PARTITIONS, said as its controller says it (adversary 31).
        if let Some(n) = total_count.as_f64().filter(|n| n.fract() == 0.0 && *n < 0.0) {
            let current = read_world(&self.world, |w| Ok(w.describe_topic(&name).map_err(js_error)?.partitions.len()))?;
            return Err(invalid(
                ErrorCode::InvalidPartitions,
                format!("The topic {name} currently has {current} partition(s); {n} would not be an increase."),
            ));
        }
        let total = number_arg(&total_count, "totalCount", f64::from(u32::MAX))? as u32;
        with_world(&self.world, |w| w.create_partitions(&name, total).map_err(js_error))
    }

    /// `alterTopicConfig(name, { "retention.ms": "60000", "cleanup.policy": null })`: sets keys; `null`
    /// returns a key to its default.
    #[wasm_bindgen(js_name = alterTopicConfig)]
    pub fn alter_topic_config(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Record<string, ConfigValue | null>")] config: JsValue,
    ) -> Result<(), JsValue> {
        let name = string_arg(&name, "The topic name", ErrorCode::InvalidTopicException)?;
        let Some(given) = options_object(&config, "topic config")? else {
            return Err(invalid(ErrorCode::InvalidConfig, "alterTopicConfig takes an object of configs"));
        };
        let mut changes = VecMap::new();
        for (key, value) in given {
            let value = config_string(&key, value)?;
            changes.insert(key, value);
        }
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
        let raw: VecMap<String, Vec<f64>> = from_json(&assignments)
            .map_err(|e| invalid(ErrorCode::InvalidReplicaAssignment, format!("Invalid reassignment: {e}")))?;
        let mut parsed = VecMap::new();
        for (partition, replicas) in raw {
            // A whole number no partition has (-1) is one Kafka's controller does not find.
            let digits = partition.strip_prefix('-').unwrap_or(&partition);
            let partition: u32 = partition.parse().map_err(|_| {
                match !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                    true => invalid(
                        ErrorCode::UnknownTopicOrPartition,
                        format!("Unable to find partition {name}:{partition}"),
                    ),
                    false => invalid(
                        ErrorCode::InvalidReplicaAssignment,
                        format!("\"{partition}\" is not a partition number"),
                    ),
                }
            })?;
            let replicas = replicas.into_iter().map(node_id).collect::<Result<Vec<_>, _>>()?;
            parsed.insert(partition, replicas);
        }
        with_world(&self.world, |w| w.reassign_partitions(&name, parsed).map_err(js_error))
    }

    /// `electPreferredLeaders(name?)`: leadership back to each partition's first replica where it is in the
    /// ISR (Kafka's `kafka-leader-election --election-type PREFERRED`).
    #[wasm_bindgen(js_name = electPreferredLeaders)]
    pub fn elect_preferred_leaders(&self, name: Option<StringJs>) -> Result<(), JsValue> {
        let name = opt_js(name);
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
        #[wasm_bindgen(js_name = "brokerId", unchecked_param_type = "number")] broker_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] topic: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] partition: JsValue,
        options: Option<ReadLogOptionsJs>,
    ) -> Result<JsValue, JsValue> {
        let broker = number_arg(&broker_id, "brokerId", f64::from(i32::MAX))? as NodeId;
        let topic = string_arg(&topic, "The topic name", ErrorCode::InvalidTopicException)?;
        let partition = number_arg(&partition, "partition", f64::from(i32::MAX))? as u32;
        let o: ReadLogOptions = parse_options(opt_js(options), "readLog")?;
        let from = o.from_offset.unwrap_or(0);
        let max = usize::try_from(o.max_records.unwrap_or(100)).unwrap_or(usize::MAX);
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
    pub fn events(
        &self,
        #[wasm_bindgen(js_name = "sinceSeq")] since_seq: Option<NumberJs>,
    ) -> Result<JsValue, JsValue> {
        let since = opt_number_arg(since_seq.map(Into::into), "sinceSeq", MAX_SAFE_INTEGER, 0)?;
        read_world(&self.world, |w| to_js(&w.trace().since(since)))
    }

    /// A producer client: `producer({ clientId, acks = "all", idempotent = true, ... })`.
    pub fn producer(&self, options: Option<ProducerOptionsJs>) -> Result<Producer, JsValue> {
        let mut delivery_timeout_given = false;
        let mut config: ProducerConfig = parse_options_with(opt_js(options), "producer", &["acks"], |map| {
            delivery_timeout_given = map.contains_key("deliveryTimeoutMs");
            producer_conveniences(map)
        })?;
        if !delivery_timeout_given {
            // As KafkaProducer: an unset delivery.timeout.ms is raised to linger.ms + request.timeout.ms; one the
            // user set below that is refused (by the core's validation). Raised no higher than Franz's bound, so
            // that a linger.ms near it is refused for what the user set (adversary 56: the refusal named
            // delivery.timeout.ms, which the user never set, out of its range).
            let floor = config.linger_ms.saturating_add(config.request_timeout_ms);
            config.delivery_timeout_ms = config.delivery_timeout_ms.max(floor.min(CLIENT_TIMEOUT_MS_MAX));
        }
        let id = with_world(&self.world, |w| w.add_producer(config).map_err(js_error))?;
        Ok(Producer { world: self.world.clone(), id })
    }

    /// A consumer client: `consumer({ clientId, autoOffsetReset = "latest", maxPollRecords, ... })`.
    pub fn consumer(&self, options: Option<ConsumerOptionsJs>) -> Result<Consumer, JsValue> {
        let mut auto_commit_given = None;
        let config: ConsumerConfig = parse_options_with(opt_js(options), "consumer", &[], |map| {
            auto_commit_given = map.get("enableAutoCommit").and_then(serde_json::Value::as_bool);
            Ok(())
        })?;
        config.check_auto_commit_given(auto_commit_given).map_err(js_error)?;
        let id = with_world(&self.world, |w| w.add_consumer(config).map_err(js_error))?;
        Ok(Consumer { world: self.world.clone(), id })
    }
}

/// The producer options' JS conveniences as `ProducerConfig`'s JSON: `acks` as a number (`-1`, `0`, `1`),
/// and JS-API.md's `batchSize` and `idempotent` for `batchSizeBytes` and `enableIdempotence`.
fn producer_conveniences(map: &mut JsonMap) -> Result<(), JsValue> {
    if let Some(serde_json::Value::Number(n)) = map.get("acks") {
        let text = n.to_string();
        map.insert(String::from("acks"), serde_json::Value::String(text));
    }
    for (short, long) in [("batchSize", "batchSizeBytes"), ("idempotent", "enableIdempotence")] {
        if let Some(v) = map.remove(short) {
            if map.contains_key(long) {
                return Err(invalid(ErrorCode::InvalidConfig, format!("Give {short} or {long}, not both")));
            }
            map.insert(String::from(long), v);
        }
    }
    Ok(())
}

fn metadata_to_js(records: &[RecordMetadata]) -> JsValue {
    to_js(records).unwrap_or(JsValue::NULL)
}

/// A producer client of a [`Cluster`].
#[wasm_bindgen]
pub struct Producer {
    world: Shared,
    id: NodeId,
}

#[wasm_bindgen]
impl Producer {
    /// The producer's `max.request.size` (a closed producer's send is refused later, by the world).
    fn max_request_size_bytes(&self) -> usize {
        let node = |w: &franz_core::World| match w.node(self.id) {
            Some(franz_core::sim::Node::Producer(p)) => Some(p.config().max_request_size_bytes),
            _ => None,
        };
        with_world(&self.world, |w| Ok(node(w))).ok().flatten().unwrap_or(usize::MAX)
    }

    /// Sends and waits (advancing virtual time) for every record's `{ partition, offset }`.
    #[wasm_bindgen(unchecked_return_type = "RecordMetadata[]")]
    pub fn send(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] topic: JsValue,
        #[wasm_bindgen(unchecked_param_type = "ProducerRecord[]")] records: JsValue,
    ) -> Result<JsValue, JsValue> {
        let topic = string_arg(&topic, "The topic name", ErrorCode::InvalidTopicException)?;
        let records = producer_records(records, self.max_request_size_bytes())?;
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
        let records = producer_records(records, self.max_request_size_bytes())?;
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

fn topic_partition_arg(topic: &JsValue, partition: &JsValue) -> Result<TopicPartition, JsValue> {
    let topic = string_arg(topic, "The topic name", ErrorCode::InvalidTopicException)?;
    let partition = number_arg(partition, "partition", f64::from(i32::MAX))? as u32;
    Ok(TopicPartition::new(topic, partition))
}

fn topic_partition(topic: &JsValue, partition: f64) -> Result<TopicPartition, JsValue> {
    let topic = string_arg(topic, "The topic name", ErrorCode::InvalidTopicException)?;
    let partition = whole(partition, "partition", f64::from(i32::MAX))? as u32;
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
        #[wasm_bindgen(unchecked_param_type = "number")] partition: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] offset: JsValue,
    ) -> Result<(), JsValue> {
        let tp = topic_partition_arg(&topic, &partition)?;
        let Some(offset) = offset.as_f64() else {
            let got = type_name(&offset);
            return Err(invalid(ErrorCode::InvalidRequest, format!("Seek offset must be a number, got {got}")));
        };
        if !offset.is_finite() || offset.fract() != 0.0 || offset.abs() > MAX_SAFE_INTEGER {
            return Err(invalid(
                ErrorCode::OffsetOutOfRange,
                format!(
                    "Seek offset must be a whole number from -{MAX_SAFE_INTEGER} to {MAX_SAFE_INTEGER}, got {offset}"
                ),
            ));
        }
        with_world(&self.world, |w| w.seek(self.id, &tp, offset as i64).map_err(js_error))
    }

    /// The offset of the next record `poll` returns for that partition.
    pub fn position(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] topic: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] partition: JsValue,
    ) -> Result<f64, JsValue> {
        let tp = topic_partition_arg(&topic, &partition)?;
        with_world(&self.world, |w| w.position(self.id, &tp).map(|o| o as f64).map_err(js_error))
    }

    /// Waits up to `timeoutMs` (default 1000) of virtual time for records.
    #[wasm_bindgen(unchecked_return_type = "ConsumerRecord[]")]
    pub fn poll(
        &self,
        #[wasm_bindgen(js_name = "timeoutMs")] timeout_ms: Option<NumberJs>,
    ) -> Result<JsValue, JsValue> {
        let timeout = opt_number_arg(timeout_ms.map(Into::into), "timeoutMs", RUN_FOR_MS_MAX, 1_000)?;
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
    pub fn commit_sync(&self, offsets: Option<PartitionOffsetsJs>) -> Result<(), JsValue> {
        let offsets = opt_js(offsets);
        let offsets: Option<Vec<PartitionOffset>> = if offsets.is_undefined() || offsets.is_null() {
            None
        } else {
            let bad = |e: String| invalid(ErrorCode::InvalidRequest, format!("Invalid offsets: {e}"));
            Some(from_json(&offsets).map_err(|e| {
                // Kafka's OffsetAndMetadata refuses a negative offset ("Invalid negative offset"): said so,
                // not as a JSON type error. (Read again as plain JSON only then: no second typed reader.)
                let list: Option<serde_json::Value> = from_json(&offsets).ok();
                let entries = list.as_ref().and_then(|l| l.as_array()).map(|a| a.as_slice()).unwrap_or_default();
                let offset =
                    entries.iter().filter_map(|e| e.get("offset")).find(|v| v.is_number() && v.as_u64().is_none());
                bad(match offset.and_then(|v| v.as_f64()) {
                    Some(n) if n < 0.0 => format!("Invalid negative offset {n}"),
                    Some(n) => format!("the offset {n} is not a whole number"),
                    None => e,
                })
            })?)
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

/// A key as a send would carry it (so at most a send's bytes: a 2 GiB array panicked copying it).
fn key_bytes(key: &JsValue) -> Result<Vec<u8>, JsValue> {
    let max = franz_core::client::producer::SEND_BYTES_MAX;
    let too_long = |_| invalid(ErrorCode::InvalidRequest, format!("A key has at most {max} bytes (a send's most)"));
    crate::convert::SendBytes::for_a_send(usize::MAX)
        .copy(key)
        .map_err(too_long)?
        .ok_or_else(|| invalid(ErrorCode::InvalidRequest, "The key must be a string or a Uint8Array"))
}

/// A group member as an assignor sees it.
#[derive(Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AssignMember {
    member_id: String,
    /// Its `group.instance.id`, if static: range and roundrobin deal to static members first, by it.
    #[serde(default)]
    #[tsify(optional)]
    group_instance_id: Option<String>,
    /// The topics it subscribes to.
    topics: Vec<String>,
    /// The generation its `previous` partitions are from (sticky assignors; default -1, unknown): of two
    /// members claiming one partition, the later generation keeps it, and two of one generation both lose it.
    #[serde(default = "no_generation")]
    #[tsify(optional)]
    generation: i32,
}

fn no_generation() -> i32 {
    franz_core::group::assignor::NO_GENERATION
}

/// `assignPartitions(strategy, question)`'s question.
#[derive(Deserialize, Tsify)]
#[serde(deny_unknown_fields)]
#[tsify(hashmap_as_object)]
struct AssignQuestion {
    members: Vec<AssignMember>,
    /// Partitions per topic.
    #[tsify(type = "Record<string, number>")]
    partitions: VecMap<String, u32>,
    /// What each member owned before (the sticky assignors keep it where they can).
    #[serde(default)]
    #[tsify(type = "Record<string, TopicPartition[]>")]
    previous: VecMap<String, Vec<JsTopicPartition>>,
}

/// What a Kafka assignor would do: `assignPartitions("range", { members: [{ memberId, groupInstanceId?, topics,
/// generation? }],
/// partitions: { topic: count }, previous?: { memberId: [{ topic, partition }] } })` →
/// `{ memberId: [{ topic, partition }] }`. Strategies: range, roundrobin, sticky, cooperative-sticky.
#[wasm_bindgen(js_name = assignPartitions, unchecked_return_type = "Record<string, TopicPartition[]>")]
pub fn assign_partitions(
    #[wasm_bindgen(unchecked_param_type = "ConsumerConfig[\"assignor\"]")] strategy: JsValue,
    #[wasm_bindgen(unchecked_param_type = "AssignQuestion")] question: JsValue,
) -> Result<JsValue, JsValue> {
    let strategy = string_arg(&strategy, "The strategy", ErrorCode::InvalidConfig)?;
    let assignor = Assignor::parse(&strategy).map_err(js_error)?;
    let q: AssignQuestion = from_json(&question).map_err(|e| {
        invalid(ErrorCode::InvalidRequest, format!("assignPartitions takes {{ members, partitions, previous? }}: {e}"))
    })?;
    // (A JS object keyed `__proto__` sets its prototype: that member would vanish from the answer.)
    if q.members.iter().any(|m| m.member_id == "__proto__") {
        return Err(invalid(ErrorCode::InvalidRequest, "A member id cannot be __proto__"));
    }
    let members: Vec<Member> = q
        .members
        .into_iter()
        .map(|m| Member {
            member_id: m.member_id,
            group_instance_id: m.group_instance_id,
            topics: m.topics,
            generation: m.generation,
        })
        .collect();
    let mut previous = franz_core::vec_map::VecMap::new();
    for (member, list) in q.previous {
        let tps = list
            .into_iter()
            .map(|tp| topic_partition(&JsValue::from_str(&tp.topic), tp.partition))
            .collect::<Result<Vec<_>, _>>()?;
        previous.insert(member, tps);
    }
    let partitions = q.partitions.into_iter().collect();
    let assignment = assign(assignor, &members, &partitions, &previous).map_err(js_error)?;
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
    #[wasm_bindgen(js_name = "numPartitions", unchecked_param_type = "number")] num_partitions: JsValue,
) -> Result<u32, JsValue> {
    let n = number_arg(&num_partitions, "numPartitions", f64::from(u32::MAX))? as u32;
    if n == 0 {
        return Err(invalid(ErrorCode::InvalidPartitions, "numPartitions must be at least 1"));
    }
    Ok(franz_core::partitioner::partition_for_key(&key_bytes(&key)?, n))
}
