//! Topic configuration with Kafka's keys, defaults and type checks.
//!
//! Configs cross the API as Kafka does: string keys to string values. They are parsed once, here, into
//! [`TopicConfig`]; an unknown key or an ill-typed value is `INVALID_CONFIG`, as `AdminClient` would say.

use alloc::borrow::ToOwned;
use alloc::string::{String, ToString};

use crate::error::{FranzError, Result};

/// Franz's bound on one topic's partitions (Kafka has none; a browser does).
pub const PARTITIONS_PER_TOPIC_MAX: u32 = 10_000;
/// Franz's bound on topics in a cluster.
pub const TOPICS_MAX: usize = 1024;
/// Franz's bounds on a cluster's partitions, every topic's together (`__consumer_offsets` too), and on their
/// replicas (a reassignment counts the replicas leaving until it ends). Kafka has none; a page has ~4 GiB, and
/// every broker keeps every partition's metadata and each replica its log and fetch state: 64 brokers with
/// 10,000 partitions of 64 replicas (640,000) took 1.8 GB in wasm, 60,000 replicas ~170 MB (adversary 49).
pub const CLUSTER_PARTITIONS_MAX: u64 = 20_000;
pub const CLUSTER_REPLICAS_MAX: u64 = 60_000;

/// String keys to string values, Kafka's config shape. Ordered, so iteration is deterministic.
pub type ConfigMap = crate::vec_map::VecMap<String, String>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A `long` at least `min`.
    Long {
        min: i64,
    },
    /// An `int` (Kafka's type: at most 2,147,483,647) at least `min`.
    Int {
        min: i64,
    },
    Boolean,
    /// A compression level: `default`, or an `int` from `min` to `max` (Kafka's `CompressionType` level
    /// validators).
    Level {
        min: i64,
        max: i64,
        default: i64,
    },
    /// `cleanup.policy`: a comma-separated list of `delete` and `compact`.
    CleanupPolicy,
    /// A number between 0 and 1 (`min.cleanable.dirty.ratio`).
    Ratio,
    /// One of the listed words.
    OneOf(&'static [&'static str]),
    /// Any text (accepted, not modelled).
    Text,
}

struct ConfigDef {
    key: &'static str,
    default: &'static str,
    kind: Kind,
}

/// The topic-level configs Franz models, with Kafka's defaults (`TopicConfig`, `LogConfig`).
const TOPIC_CONFIG_DEFS: &[ConfigDef] = &[
    ConfigDef { key: "cleanup.policy", default: "delete", kind: Kind::CleanupPolicy },
    ConfigDef { key: "delete.retention.ms", default: "86400000", kind: Kind::Long { min: 0 } },
    ConfigDef { key: "flush.messages", default: "9223372036854775807", kind: Kind::Long { min: 1 } },
    ConfigDef { key: "flush.ms", default: "9223372036854775807", kind: Kind::Long { min: 0 } },
    ConfigDef { key: "max.message.bytes", default: "1048588", kind: Kind::Int { min: 0 } },
    ConfigDef { key: "min.compaction.lag.ms", default: "0", kind: Kind::Long { min: 0 } },
    ConfigDef { key: "min.insync.replicas", default: "1", kind: Kind::Int { min: 1 } },
    // (No lower bound, as in Kafka: any negative size means no limit.)
    ConfigDef { key: "retention.bytes", default: "-1", kind: Kind::Long { min: i64::MIN } },
    ConfigDef { key: "retention.ms", default: "604800000", kind: Kind::Long { min: -1 } },
    ConfigDef { key: "segment.bytes", default: "1073741824", kind: Kind::Int { min: 14 } },
    ConfigDef { key: "segment.ms", default: "604800000", kind: Kind::Long { min: 1 } },
    ConfigDef { key: "unclean.leader.election.enable", default: "false", kind: Kind::Boolean },
    ConfigDef { key: "min.cleanable.dirty.ratio", default: "0.5", kind: Kind::Ratio },
    ConfigDef { key: "max.compaction.lag.ms", default: "9223372036854775807", kind: Kind::Long { min: 1 } },
    ConfigDef {
        key: "message.timestamp.type",
        default: "CreateTime",
        kind: Kind::OneOf(&["CreateTime", "LogAppendTime"]),
    },
    ConfigDef { key: "message.timestamp.before.max.ms", default: "9223372036854775807", kind: Kind::Long { min: 0 } },
    ConfigDef { key: "message.timestamp.after.max.ms", default: "3600000", kind: Kind::Long { min: 0 } },
];

/// Topic configs Kafka accepts that change nothing Franz shows (compression, throttles, index and file
/// layout, tiered storage, formats): accepted with Kafka's type checks, so copied settings work. The README
/// lists them.
const TOPIC_CONFIG_ACCEPTED: &[ConfigDef] = &[
    ConfigDef {
        key: "compression.type",
        default: "producer",
        kind: Kind::OneOf(&["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"]),
    },
    ConfigDef { key: "compression.gzip.level", default: "-1", kind: Kind::Level { min: 1, max: 9, default: -1 } },
    ConfigDef { key: "compression.lz4.level", default: "9", kind: Kind::Level { min: 1, max: 17, default: 9 } },
    ConfigDef { key: "compression.zstd.level", default: "3", kind: Kind::Level { min: -131072, max: 22, default: 3 } },
    ConfigDef { key: "file.delete.delay.ms", default: "60000", kind: Kind::Long { min: 0 } },
    ConfigDef { key: "follower.replication.throttled.replicas", default: "", kind: Kind::Text },
    ConfigDef { key: "leader.replication.throttled.replicas", default: "", kind: Kind::Text },
    ConfigDef { key: "index.interval.bytes", default: "4096", kind: Kind::Int { min: 0 } },
    ConfigDef { key: "local.retention.bytes", default: "-2", kind: Kind::Long { min: -2 } },
    ConfigDef { key: "local.retention.ms", default: "-2", kind: Kind::Long { min: -2 } },
    ConfigDef { key: "message.downconversion.enable", default: "true", kind: Kind::Boolean },
    ConfigDef { key: "message.format.version", default: "3.0-IV1", kind: Kind::Text },
    ConfigDef {
        key: "message.timestamp.difference.max.ms",
        default: "9223372036854775807",
        kind: Kind::Long { min: 0 },
    },
    ConfigDef { key: "preallocate", default: "false", kind: Kind::Boolean },
    ConfigDef { key: "remote.storage.enable", default: "false", kind: Kind::Boolean },
    ConfigDef { key: "remote.log.copy.disable", default: "false", kind: Kind::Boolean },
    ConfigDef { key: "remote.log.delete.on.disable", default: "false", kind: Kind::Boolean },
    ConfigDef { key: "segment.index.bytes", default: "10485760", kind: Kind::Int { min: 4 } },
    ConfigDef { key: "segment.jitter.ms", default: "0", kind: Kind::Long { min: 0 } },
];

/// The definition of a topic config key Kafka knows, modelled or only accepted.
fn topic_config_def(key: &str) -> Option<&'static ConfigDef> {
    TOPIC_CONFIG_DEFS.iter().chain(TOPIC_CONFIG_ACCEPTED).find(|d| d.key == key)
}

/// A topic's effective configuration, parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct TopicConfig {
    pub cleanup_policy_delete: bool,
    pub cleanup_policy_compact: bool,
    pub delete_retention_ms: i64,
    pub flush_messages: i64,
    pub flush_ms: i64,
    pub max_message_bytes: i64,
    pub min_compaction_lag_ms: i64,
    pub min_insync_replicas: i64,
    /// `-1`: no size limit.
    pub retention_bytes: i64,
    /// `-1`: keep forever.
    pub retention_ms: i64,
    pub segment_bytes: i64,
    pub segment_ms: i64,
    pub unclean_leader_election_enable: bool,
    /// The cleaner compacts a log only when this share of it is dirty (not yet cleaned)...
    pub min_cleanable_dirty_ratio: f64,
    /// ...or when its oldest dirty record is older than this.
    pub max_compaction_lag_ms: i64,
    /// `LogAppendTime`: the leader stamps each record with its append time.
    pub log_append_time: bool,
    /// With `CreateTime`, a record's timestamp may be at most this far in the past / future of the broker's
    /// clock (`INVALID_TIMESTAMP` otherwise).
    pub message_timestamp_before_max_ms: i64,
    pub message_timestamp_after_max_ms: i64,
}

impl Default for TopicConfig {
    fn default() -> Self {
        TopicConfig::build(&ConfigMap::new())
    }
}

impl TopicConfig {
    /// Effective config: `overrides` over Kafka's defaults. Rejects unknown keys and ill-typed values.
    pub fn parse(overrides: &ConfigMap) -> Result<TopicConfig> {
        let trimmed = trimmed(overrides);
        validate(&trimmed)?;
        let config = TopicConfig::build(&trimmed);
        // Kafka's `LogConfig.validateValues`, its one check across keys (adversary 31).
        if config.min_compaction_lag_ms > config.max_compaction_lag_ms {
            return Err(franz_err!(
                InvalidConfig,
                "conflict topic config setting min.compaction.lag.ms ({}) > max.compaction.lag.ms ({})",
                config.min_compaction_lag_ms,
                config.max_compaction_lag_ms
            ));
        }
        Ok(config)
    }

    /// Reads validated overrides; a value that does not parse (impossible after `validate`) reads as 0.
    fn build(overrides: &ConfigMap) -> TopicConfig {
        let get = |key: &str| effective_value(overrides, key);
        let long = |key: &str| get(key).parse::<i64>().unwrap_or_default();
        let bool_ = |key: &str| get(key).eq_ignore_ascii_case("true");
        let policy = get("cleanup.policy");
        // Kafka 3.6-3.9's deprecated `message.timestamp.difference.max.ms` (`LogConfig.getMessageTimestamp
        // BeforeMaxMs`): the bound on both sides where `before`/`after.max.ms` are unset or Long.MAX_VALUE
        // (adversary 50: it was accepted and ignored). Kafka 4.0 removed it; a pasted 3.x config keeps its sense.
        let difference = overrides.get("message.timestamp.difference.max.ms").and_then(|v| v.parse::<i64>().ok());
        let timestamp_bound = |key: &str| match (overrides.get(key).and_then(|v| v.parse::<i64>().ok()), difference) {
            (Some(set), _) if set != i64::MAX => set,
            (_, Some(difference)) => difference,
            _ => long(key),
        };
        TopicConfig {
            cleanup_policy_delete: policy.split(',').any(|p| p.trim() == "delete"),
            cleanup_policy_compact: policy.split(',').any(|p| p.trim() == "compact"),
            delete_retention_ms: long("delete.retention.ms"),
            flush_messages: long("flush.messages"),
            flush_ms: long("flush.ms"),
            max_message_bytes: long("max.message.bytes"),
            min_compaction_lag_ms: long("min.compaction.lag.ms"),
            min_insync_replicas: long("min.insync.replicas"),
            retention_bytes: long("retention.bytes"),
            retention_ms: long("retention.ms"),
            segment_bytes: long("segment.bytes"),
            segment_ms: long("segment.ms"),
            unclean_leader_election_enable: bool_("unclean.leader.election.enable"),
            min_cleanable_dirty_ratio: crate::json::parse_f64(get("min.cleanable.dirty.ratio")).unwrap_or(0.5),
            max_compaction_lag_ms: long("max.compaction.lag.ms"),
            log_append_time: get("message.timestamp.type") == "LogAppendTime",
            message_timestamp_before_max_ms: timestamp_bound("message.timestamp.before.max.ms"),
            message_timestamp_after_max_ms: timestamp_bound("message.timestamp.after.max.ms"),
        }
    }
}

/// Kafka's effective min ISR (3.7+): `min.insync.replicas` above the replication factor counts as the
/// replication factor, so acks=all needs every replica in the ISR rather than being refused outright.
pub fn effective_min_insync_replicas(min_insync_replicas: i64, replication_factor: usize) -> usize {
    // No `as usize`: on wasm32 it would cut 2^32 to 0 and let acks=all through where native refuses.
    usize::try_from(min_insync_replicas.max(1)).unwrap_or(usize::MAX).min(replication_factor.max(1))
}

/// Values as Kafka reads them: surrounding whitespace is not part of a value.
pub fn trimmed(map: &ConfigMap) -> ConfigMap {
    map.iter().map(|(k, v)| (k.clone(), v.trim().to_owned())).collect()
}

/// Where a topic config's value in force comes from, in Kafka's words (`ConfigEntry.ConfigSource`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub enum ConfigSource {
    /// Set on the topic (at creation or by `alterTopicConfig`).
    DynamicTopicConfig,
    /// The cluster's `config`, Kafka's `server.properties`: a default for every topic.
    StaticBrokerConfig,
    /// Kafka's own default.
    DefaultConfig,
}

/// One topic config as `kafka-configs --describe --all` shows it: the value in force and its source.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub struct ConfigEntry {
    pub name: String,
    pub value: String,
    pub source: ConfigSource,
}

/// Every topic config Kafka knows (modelled or only accepted), by name, with the value in force: the topic's
/// override, else the cluster's default for topics (`broker_defaults`, by topic-level names), else Kafka's.
pub fn describe_topic_config(broker_defaults: &ConfigMap, overrides: &ConfigMap) -> alloc::vec::Vec<ConfigEntry> {
    let mut defs: alloc::vec::Vec<&ConfigDef> = TOPIC_CONFIG_DEFS.iter().chain(TOPIC_CONFIG_ACCEPTED).collect();
    crate::collect::sort_by(&mut defs, |a, b| a.key.cmp(b.key));
    defs.into_iter()
        .map(|def| {
            let (value, source) = match (overrides.get(def.key), broker_defaults.get(def.key)) {
                (Some(v), _) => (v.trim(), ConfigSource::DynamicTopicConfig),
                (None, Some(v)) => (v.trim(), ConfigSource::StaticBrokerConfig),
                (None, None) => (def.default, ConfigSource::DefaultConfig),
            };
            ConfigEntry { name: def.key.to_owned(), value: value.to_owned(), source }
        })
        .collect()
}

fn effective_value<'a>(overrides: &'a ConfigMap, key: &str) -> &'a str {
    match overrides.get(key) {
        Some(value) => value.as_str(),
        None => topic_config_def(key).map_or("", |d| d.default),
    }
}

/// Checks every key is known and every value has its type, with Kafka's wording.
pub fn validate(overrides: &ConfigMap) -> Result<()> {
    for (key, value) in overrides {
        let Some(def) = topic_config_def(key) else {
            return Err(franz_err!(InvalidConfig, "Unknown topic config name: {key}"));
        };
        check_value(def, value)?;
    }
    Ok(())
}

/// Checks that `value` has `def`'s type, with Kafka's wording.
fn check_value(def: &ConfigDef, value: &str) -> Result<()> {
    let (key, value) = (def.key, value.trim());
    let ok = match def.kind {
        Kind::Long { min } => value.parse::<i64>().is_ok_and(|v| v >= min),
        Kind::Int { min } => value.parse::<i32>().is_ok_and(|v| i64::from(v) >= min),
        Kind::Boolean => value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false"),
        Kind::Level { min, max, default } => {
            value.parse::<i32>().is_ok_and(|v| i64::from(v) == default || (min..=max).contains(&i64::from(v)))
        }
        // Kafka reads "" as an empty list: neither delete nor compact, so the log is kept whole.
        Kind::CleanupPolicy => value.is_empty() || value.split(',').all(|p| matches!(p.trim(), "delete" | "compact")),
        Kind::Ratio => crate::json::parse_f64(value).is_some_and(|v| (0.0..=1.0).contains(&v)),
        Kind::OneOf(words) => words.contains(&value),
        Kind::Text => true,
    };
    if !ok {
        let expected = match def.kind {
            Kind::Long { min } => alloc::format!("a whole number of at least {min}"),
            Kind::Int { min } => alloc::format!("a whole number from {min} to {} (an INT)", i32::MAX),
            Kind::Boolean => "true or false".to_string(),
            Kind::Level { min, max, default } => alloc::format!("{default}, or a level from {min} to {max}"),
            Kind::CleanupPolicy => "a list of delete and compact".to_string(),
            Kind::Ratio => "a number between 0 and 1".to_string(),
            Kind::OneOf(words) => alloc::format!("one of {}", words.join(", ")),
            Kind::Text => String::new(),
        };
        return Err(franz_err!(InvalidConfig, "Invalid value {value} for configuration {key}: expected {expected}"));
    }
    Ok(())
}

/// Kafka's broker-level names for topic-config defaults (`log.retention.ms` sets every topic's
/// `retention.ms` unless the topic overrides it).
const BROKER_SYNONYMS: &[(&str, &str)] = &[
    ("log.cleaner.delete.retention.ms", "delete.retention.ms"),
    ("log.cleaner.min.cleanable.ratio", "min.cleanable.dirty.ratio"),
    ("log.cleaner.max.compaction.lag.ms", "max.compaction.lag.ms"),
    ("log.message.timestamp.type", "message.timestamp.type"),
    ("log.message.timestamp.before.max.ms", "message.timestamp.before.max.ms"),
    ("log.message.timestamp.after.max.ms", "message.timestamp.after.max.ms"),
    ("compression.type", "compression.type"),
    ("log.cleaner.min.compaction.lag.ms", "min.compaction.lag.ms"),
    ("log.cleanup.policy", "cleanup.policy"),
    ("log.flush.interval.messages", "flush.messages"),
    ("log.flush.interval.ms", "flush.ms"),
    ("log.retention.bytes", "retention.bytes"),
    ("log.retention.ms", "retention.ms"),
    ("log.roll.ms", "segment.ms"),
    ("log.roll.jitter.ms", "segment.jitter.ms"),
    ("log.segment.bytes", "segment.bytes"),
    ("message.max.bytes", "max.message.bytes"),
    ("log.index.size.max.bytes", "segment.index.bytes"),
    ("log.index.interval.bytes", "index.interval.bytes"),
    ("log.segment.delete.delay.ms", "file.delete.delay.ms"),
    ("log.preallocate", "preallocate"),
    ("log.message.format.version", "message.format.version"),
    ("log.message.timestamp.difference.max.ms", "message.timestamp.difference.max.ms"),
    ("log.message.downconversion.enable", "message.downconversion.enable"),
    ("log.local.retention.ms", "local.retention.ms"),
    ("log.local.retention.bytes", "local.retention.bytes"),
];

/// Kafka's coarser names for the same topic defaults, in whole minutes or hours (INTs): the finest one set
/// wins (`log.retention.ms`, then `.minutes`, then `.hours`), and a negative retention is -1 (unlimited), as
/// `KafkaConfig.logRetentionTimeMillis` reads them. Kafka's own `server.properties` sets `log.retention.hours`.
const BROKER_TIME_SYNONYMS: &[(&str, &str, i64, i64)] = &[
    // (broker key, topic key, ms in its unit, least value)
    ("log.retention.minutes", "retention.ms", 60_000, i32::MIN as i64),
    ("log.retention.hours", "retention.ms", 3_600_000, i32::MIN as i64),
    ("log.roll.hours", "segment.ms", 3_600_000, 1),
    ("log.roll.jitter.hours", "segment.jitter.ms", 3_600_000, 0),
];

/// Broker settings that are not topic defaults, with Kafka's defaults.
const BROKER_ONLY_DEFS: &[ConfigDef] = &[
    ConfigDef { key: "log.cleaner.backoff.ms", default: "15000", kind: Kind::Long { min: 1 } },
    ConfigDef { key: "log.retention.check.interval.ms", default: "300000", kind: Kind::Long { min: 1 } },
    ConfigDef { key: "broker.heartbeat.interval.ms", default: "2000", kind: Kind::Int { min: 1 } },
    ConfigDef { key: "broker.session.timeout.ms", default: "9000", kind: Kind::Int { min: 1 } },
    ConfigDef { key: "replica.lag.time.max.ms", default: "30000", kind: Kind::Long { min: 1 } },
    ConfigDef { key: "replica.fetch.wait.max.ms", default: "500", kind: Kind::Int { min: 1 } },
    ConfigDef { key: "leader.imbalance.check.interval.seconds", default: "300", kind: Kind::Long { min: 1 } },
    ConfigDef { key: "unclean.leader.election.interval.ms", default: "300000", kind: Kind::Long { min: 1 } },
    ConfigDef { key: "offsets.topic.num.partitions", default: "50", kind: Kind::Int { min: 1 } },
    ConfigDef { key: "offsets.topic.replication.factor", default: "3", kind: Kind::Long { min: 1 } },
    ConfigDef { key: "offsets.topic.segment.bytes", default: "104857600", kind: Kind::Int { min: 1 } },
    ConfigDef { key: "offsets.retention.minutes", default: "10080", kind: Kind::Int { min: 1 } },
    ConfigDef { key: "offsets.commit.timeout.ms", default: "5000", kind: Kind::Int { min: 1 } },
    ConfigDef { key: "offsets.retention.check.interval.ms", default: "600000", kind: Kind::Long { min: 1 } },
    ConfigDef { key: "log.flush.scheduler.interval.ms", default: "9223372036854775807", kind: Kind::Long { min: 1 } },
    ConfigDef { key: "log.initial.task.delay.ms", default: "30000", kind: Kind::Long { min: 0 } },
    ConfigDef { key: "group.min.session.timeout.ms", default: "6000", kind: Kind::Int { min: 0 } },
    ConfigDef { key: "group.max.session.timeout.ms", default: "1800000", kind: Kind::Int { min: 0 } },
    ConfigDef { key: "group.initial.rebalance.delay.ms", default: "3000", kind: Kind::Int { min: 0 } },
];

/// Kafka takes any INT partition count; Franz's topics have at most `PARTITIONS_PER_TOPIC_MAX`, and a count
/// above it is refused here rather than lowered without a word (adversary 56).
fn above_partitions_max(key: &str, v: impl core::fmt::Display) -> FranzError {
    franz_err!(
        InvalidConfig,
        "Invalid value {v} for configuration {key}: Franz's topics have at most {PARTITIONS_PER_TOPIC_MAX} partitions"
    )
}

/// The broker settings for topic creation and deletion and for leader balance (`None` for another key).
/// Kafka's `auto.create.topics.enable` is accepted only as false: Franz creates no topic on first use.
fn parse_broker_switch(config: &mut BrokerConfig, key: &str, value: &str) -> Option<Result<()>> {
    let value = value.trim();
    let count = || value.parse::<i32>().ok().filter(|&v| v >= 1).map(|v| v as u32);
    let boolean = || match value.to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    };
    let parsed = match key {
        "num.partitions" => match count() {
            Some(v) if v > PARTITIONS_PER_TOPIC_MAX => return Some(Err(above_partitions_max(key, v))),
            v => v.map(|v| config.num_partitions = v),
        },
        "default.replication.factor" => count().map(|v| config.default_replication_factor = Some(v)),
        "delete.topic.enable" => boolean().map(|v| config.delete_topic_enable = v),
        "auto.leader.rebalance.enable" => boolean().map(|v| config.auto_leader_rebalance_enable = v),
        "auto.create.topics.enable" if boolean() == Some(true) => {
            return Some(Err(franz_err!(
                InvalidConfig,
                "auto.create.topics.enable can only be false in Franz: it creates no topic on first use (create \
                 topics with createTopic)"
            )));
        }
        "auto.create.topics.enable" => boolean().map(|_| ()),
        _ => return None,
    };
    let expected =
        if key.ends_with(".enable") { "true or false" } else { "a whole number from 1 to 2147483647 (an INT)" };
    Some(
        parsed.ok_or_else(|| {
            franz_err!(InvalidConfig, "Invalid value {value} for configuration {key}: expected {expected}")
        }),
    )
}

/// A broker's configuration: its own settings and the defaults it gives topics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokerConfig {
    /// Topic-config defaults, by their topic-level names.
    pub topic_defaults: ConfigMap,
    pub log_retention_check_interval_ms: u64,
    pub log_cleaner_backoff_ms: u64,
    pub broker_heartbeat_interval_ms: u64,
    pub broker_session_timeout_ms: u64,
    pub replica_lag_time_max_ms: u64,
    pub replica_fetch_wait_max_ms: u64,
    /// Kafka's `leader.imbalance.check.interval.seconds`, in ms: how often preferred leaders are restored.
    pub leader_imbalance_check_interval_ms: u64,
    /// Kafka's `unclean.leader.election.interval.ms`: how often the controller gives leaderless partitions
    /// of topics that allow it an unclean leader (so that enabling it later takes effect).
    pub unclean_leader_election_interval_ms: u64,
    pub offsets_topic_num_partitions: u32,
    /// Kafka's `offsets.topic.replication.factor`, as set; unset, Franz's default for topics, min(3, the
    /// cluster's brokers), which the world fills in (Kafka's 3 otherwise). `__consumer_offsets` is not
    /// created, and groups have no coordinator, while fewer brokers are registered.
    pub offsets_topic_replication_factor: Option<u32>,
    /// Kafka's `offsets.topic.segment.bytes`: `__consumer_offsets`' own `segment.bytes`.
    pub offsets_topic_segment_bytes: u64,
    /// Kafka's `offsets.retention.minutes`, in ms: how long a group's committed offsets outlive its last
    /// member (or, without members, their commit).
    pub offsets_retention_ms: u64,
    /// How often a coordinator looks for committed offsets past their retention.
    pub offsets_retention_check_interval_ms: u64,
    /// How long the coordinator's writes (commits, group records) may wait for replication before they fail,
    /// and a consumer's read of its committed offsets for the writes before it.
    pub offsets_commit_timeout_ms: u64,
    /// How often the log flusher looks for logs unflushed longer than their `flush.ms` (Kafka's default:
    /// never again after its first run).
    pub log_flush_scheduler_interval_ms: u64,
    /// When the log flusher first runs after the broker starts.
    pub log_initial_task_delay_ms: u64,
    /// The `session.timeout.ms` a consumer may join a group with (Kafka refuses others with
    /// `INVALID_SESSION_TIMEOUT`).
    pub group_min_session_timeout_ms: u64,
    pub group_max_session_timeout_ms: u64,
    /// How long a new (Empty) group waits for more members before its first rebalance completes.
    pub group_initial_rebalance_delay_ms: u64,
    /// Kafka's `num.partitions`: a new topic's partitions when the request names none (or -1).
    pub num_partitions: u32,
    /// Kafka's `default.replication.factor`, as set; unset, Franz's min(3, brokers) (Kafka: 1).
    pub default_replication_factor: Option<u32>,
    /// Kafka's `delete.topic.enable`: false refuses DeleteTopics with TOPIC_DELETION_DISABLED.
    pub delete_topic_enable: bool,
    /// Kafka's `auto.leader.rebalance.enable`: false leaves leadership where failovers put it.
    pub auto_leader_rebalance_enable: bool,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            topic_defaults: ConfigMap::new(),
            log_retention_check_interval_ms: 300_000,
            log_cleaner_backoff_ms: 15_000,
            broker_heartbeat_interval_ms: 2_000,
            broker_session_timeout_ms: 9_000,
            replica_lag_time_max_ms: 30_000,
            replica_fetch_wait_max_ms: 500,
            leader_imbalance_check_interval_ms: 300_000,
            unclean_leader_election_interval_ms: 300_000,
            offsets_topic_num_partitions: 50,
            offsets_topic_replication_factor: None,
            offsets_topic_segment_bytes: 104_857_600,
            offsets_retention_ms: 10_080 * 60_000,
            offsets_retention_check_interval_ms: 600_000,
            offsets_commit_timeout_ms: 5_000,
            log_flush_scheduler_interval_ms: i64::MAX as u64,
            log_initial_task_delay_ms: 30_000,
            group_min_session_timeout_ms: 6_000,
            group_max_session_timeout_ms: 1_800_000,
            group_initial_rebalance_delay_ms: 3_000,
            num_partitions: 1,
            default_replication_factor: None,
            delete_topic_enable: true,
            auto_leader_rebalance_enable: true,
        }
    }
}

impl BrokerConfig {
    /// Reads a cluster's `config`: broker keys (`log.retention.check.interval.ms`), Kafka's broker names for
    /// topic defaults (`log.retention.ms`), or topic-level names directly (`min.insync.replicas`).
    pub fn parse(map: &ConfigMap) -> Result<BrokerConfig> {
        let mut config = BrokerConfig::default();
        // (topic key, unit in ms, value in ms) of the coarse names set, applied after the finer ones.
        let mut coarse: alloc::vec::Vec<(&str, i64, i64)> = alloc::vec::Vec::new();
        for (key, value) in map {
            if let Some(&(_, topic_key, unit_ms, min)) = BROKER_TIME_SYNONYMS.iter().find(|s| s.0 == key.as_str()) {
                let Some(v) = value.trim().parse::<i32>().ok().map(i64::from).filter(|&v| v >= min) else {
                    return Err(franz_err!(
                        InvalidConfig,
                        "Invalid value {value} for configuration {key}: expected a whole number from {min} to {} \
                         (an INT)",
                        i32::MAX
                    ));
                };
                coarse.push((topic_key, unit_ms, if v < 0 { -1 } else { v * unit_ms }));
                continue;
            }
            if let Some(done) = parse_broker_switch(&mut config, key, value) {
                done?;
                continue;
            }
            if let Some(def) = BROKER_ONLY_DEFS.iter().find(|d| d.key == key.as_str()) {
                check_value(def, value)?;
                // (Every broker-only key is a whole number of at least 0: checked just above.)
                let v = value.trim().parse::<u64>().unwrap_or_default();
                match def.key {
                    "log.cleaner.backoff.ms" => config.log_cleaner_backoff_ms = v,
                    "broker.heartbeat.interval.ms" => config.broker_heartbeat_interval_ms = v,
                    "broker.session.timeout.ms" => config.broker_session_timeout_ms = v,
                    "replica.lag.time.max.ms" => config.replica_lag_time_max_ms = v,
                    "replica.fetch.wait.max.ms" => config.replica_fetch_wait_max_ms = v,
                    "offsets.topic.num.partitions" => match u32::try_from(v) {
                        Ok(v) if v <= PARTITIONS_PER_TOPIC_MAX => config.offsets_topic_num_partitions = v,
                        _ => return Err(above_partitions_max(key, v)),
                    },
                    "offsets.topic.segment.bytes" => config.offsets_topic_segment_bytes = v.min(i32::MAX as u64),
                    "offsets.retention.minutes" => config.offsets_retention_ms = v.saturating_mul(60_000),
                    "offsets.retention.check.interval.ms" => config.offsets_retention_check_interval_ms = v,
                    "offsets.commit.timeout.ms" => config.offsets_commit_timeout_ms = v,
                    "offsets.topic.replication.factor" => {
                        config.offsets_topic_replication_factor = Some(v.min(u64::from(i16::MAX as u16)) as u32)
                    }
                    "leader.imbalance.check.interval.seconds" => {
                        config.leader_imbalance_check_interval_ms = v.saturating_mul(1_000)
                    }
                    "unclean.leader.election.interval.ms" => config.unclean_leader_election_interval_ms = v,
                    "log.flush.scheduler.interval.ms" => config.log_flush_scheduler_interval_ms = v,
                    "log.initial.task.delay.ms" => config.log_initial_task_delay_ms = v,
                    "group.min.session.timeout.ms" => config.group_min_session_timeout_ms = v,
                    "group.max.session.timeout.ms" => config.group_max_session_timeout_ms = v,
                    "group.initial.rebalance.delay.ms" => config.group_initial_rebalance_delay_ms = v,
                    _ => config.log_retention_check_interval_ms = v,
                }
                continue;
            }
            let topic_key = BROKER_SYNONYMS.iter().find(|(b, _)| *b == key.as_str()).map_or(key.as_str(), |(_, t)| *t);
            if topic_config_def(topic_key).is_none() {
                return Err(franz_err!(InvalidConfig, "Unknown broker config name: {key}"));
            }
            config.topic_defaults.insert(topic_key.to_owned(), value.clone());
        }
        crate::collect::sort_by(&mut coarse, |a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        for (topic_key, _, ms) in coarse {
            config.topic_defaults.entry(topic_key.to_owned()).or_insert_with(|| ms.to_string());
        }
        // Kafka's log.flush.interval.ms defaults to the flusher's interval: setting only the interval makes
        // every topic flush on each run.
        if let Some(interval) = map.get("log.flush.scheduler.interval.ms") {
            config.topic_defaults.entry(String::from("flush.ms")).or_insert_with(|| interval.clone());
        }
        TopicConfig::parse(&config.topic_defaults)?;
        if config.group_min_session_timeout_ms > config.group_max_session_timeout_ms {
            return Err(franz_err!(
                InvalidConfig,
                "group.min.session.timeout.ms ({}) must not exceed group.max.session.timeout.ms ({})",
                config.group_min_session_timeout_ms,
                config.group_max_session_timeout_ms
            ));
        }
        if config.broker_heartbeat_interval_ms >= config.broker_session_timeout_ms {
            return Err(franz_err!(
                InvalidConfig,
                "broker.heartbeat.interval.ms ({}) must be less than broker.session.timeout.ms ({})",
                config.broker_heartbeat_interval_ms,
                config.broker_session_timeout_ms
            ));
        }
        Ok(config)
    }
}

/// The network's settings (the simulated network itself is the world's, in `sim::network`).
/// Franz's bound on one-way latency and jitter: a minute.
pub const LATENCY_MS_MAX: u64 = 60_000;

#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub struct NetworkConfig {
    pub latency_ms: u64,
    pub jitter_ms: u64,
    /// Probability in [0, 1] that a message is lost.
    pub drop_rate: f64,
}

/// By the drop rate's bits: a trace event carries a link's settings, and the trace hashes its events.
impl core::hash::Hash for NetworkConfig {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        (self.latency_ms, self.jitter_ms, self.drop_rate.to_bits()).hash(state);
    }
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig { latency_ms: 2, jitter_ms: 1, drop_rate: 0.0 }
    }
}

impl NetworkConfig {
    /// The drop rate kept to a billionth (rounded): its shortest text then has at most 9 decimals, which
    /// serde_json reads back to the same bits (without its `float_roundtrip` reader, ~10 KB gzip of wasm,
    /// a 17-digit number may read one unit in the last place off: a replay would drop other messages). A
    /// rate out of range is left for `validate` to refuse.
    pub fn normalized(self) -> NetworkConfig {
        let mut n = self;
        if (0.0..=1.0).contains(&n.drop_rate) {
            n.drop_rate = ((n.drop_rate * 1e9 + 0.5) as u64) as f64 / 1e9;
        }
        n
    }

    pub fn validate(&self) -> Result<()> {
        if self.latency_ms == 0 {
            // Every message takes time; zero latency would let two actors talk forever at one instant.
            return Err(franz_err!(InvalidConfig, "latencyMs must be at least 1"));
        }
        for (name, ms) in [("latencyMs", self.latency_ms), ("jitterMs", self.jitter_ms)] {
            if ms > LATENCY_MS_MAX {
                return Err(franz_err!(InvalidConfig, "{name} must be at most {LATENCY_MS_MAX}, got {ms}"));
            }
        }
        // NaN fails this too (no comparison holds for it), as do the infinities.
        if !(0.0..=1.0).contains(&self.drop_rate) {
            return Err(franz_err!(InvalidConfig, "dropRate must be between 0 and 1, got {}", self.drop_rate));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn map(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn kafka_defaults() {
        let c = TopicConfig::default();
        assert_eq!(c.retention_ms, 604_800_000);
        assert_eq!(c.retention_bytes, -1);
        assert_eq!(c.segment_bytes, 1_073_741_824);
        assert_eq!(c.min_insync_replicas, 1);
        assert!(c.cleanup_policy_delete && !c.cleanup_policy_compact);
        assert!(!c.unclean_leader_election_enable);
    }

    #[test]
    fn drop_rates_are_kept_to_a_billionth_and_read_back_exactly() {
        let kept = |x: f64| NetworkConfig { drop_rate: x, ..Default::default() }.normalized().drop_rate;
        for x in [0.0, 0.1, 0.25, 0.3, 1.0, 0.123456789, 1e-9] {
            assert_eq!(kept(x).to_bits(), x.to_bits(), "{x}: already a billionth's multiple");
        }
        assert_eq!(kept(0.1 + 0.2), 0.3);
        assert_eq!(kept(1e-10), 0.0);
        assert!(kept(f64::NAN).is_nan() && kept(2.0) == 2.0, "left for validate to refuse");
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..100_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let q = kept((seed >> 11) as f64 / (1u64 << 53) as f64);
            let back: f64 = serde_json::from_str(&serde_json::to_string(&q).unwrap()).unwrap();
            assert_eq!(back.to_bits(), q.to_bits(), "{q}");
        }
    }

    #[test]
    fn timestamp_difference_max_ms_bounds_both_sides_where_they_are_unset() {
        let bounds = |pairs: &[(&str, &str)]| {
            let c = TopicConfig::parse(&map(pairs)).unwrap();
            (c.message_timestamp_before_max_ms, c.message_timestamp_after_max_ms)
        };
        assert_eq!(bounds(&[]), (i64::MAX, 3_600_000));
        assert_eq!(bounds(&[("message.timestamp.difference.max.ms", "60000")]), (60_000, 60_000));
        let before_set = [("message.timestamp.difference.max.ms", "60000"), ("message.timestamp.before.max.ms", "5")];
        assert_eq!(bounds(&before_set), (5, 60_000));
        let after_max =
            [("message.timestamp.difference.max.ms", "7"), ("message.timestamp.after.max.ms", "9223372036854775807")];
        assert_eq!(bounds(&after_max), (7, 7));
    }

    #[test]
    fn kafkas_int_configs_refuse_more_than_an_int() {
        // Found by an adversary: max.message.bytes = 2^40 was accepted; Kafka's ConfigDef says INT.
        for key in ["max.message.bytes", "min.insync.replicas", "segment.bytes", "segment.index.bytes"] {
            let e = validate(&map(&[(key, "2147483648")])).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidConfig, "{key}");
            assert!(e.message.contains("2147483647 (an INT)"), "{}", e.message);
            validate(&map(&[(key, "2147483647")])).unwrap();
        }
        // A long stays a long.
        validate(&map(&[("retention.bytes", "1099511627776")])).unwrap();
    }

    #[test]
    fn overrides_apply() {
        let c =
            TopicConfig::parse(&map(&[("cleanup.policy", "compact,delete"), ("min.insync.replicas", "2")])).unwrap();
        assert!(c.cleanup_policy_delete && c.cleanup_policy_compact);
        assert_eq!(c.min_insync_replicas, 2);
        // Kafka's empty list: the log neither deletes nor compacts.
        let kept_whole = TopicConfig::parse(&map(&[("cleanup.policy", " ")])).unwrap();
        assert!(!kept_whole.cleanup_policy_delete && !kept_whole.cleanup_policy_compact);
        let spaced =
            TopicConfig::parse(&map(&[("retention.ms", " 1000 "), ("unclean.leader.election.enable", " true")]))
                .unwrap();
        assert_eq!(
            (spaced.retention_ms, spaced.unclean_leader_election_enable),
            (1000, true),
            "whitespace is not read as 0/false"
        );
    }

    #[test]
    fn broker_config_takes_broker_keys_synonyms_and_topic_names() {
        let c = BrokerConfig::parse(&map(&[
            ("log.retention.check.interval.ms", "5000"),
            ("log.retention.ms", "60000"),
            ("min.insync.replicas", "2"),
        ]))
        .unwrap();
        assert_eq!(c.log_retention_check_interval_ms, 5_000);
        assert_eq!(c.log_cleaner_backoff_ms, 15_000);
        assert_eq!(c.topic_defaults, map(&[("retention.ms", "60000"), ("min.insync.replicas", "2")]));
        // Adversary 18: Kafka's coarser names, the finest one set winning.
        let coarse = |pairs: &[(&str, &str)]| BrokerConfig::parse(&map(pairs)).unwrap().topic_defaults;
        assert_eq!(coarse(&[("log.retention.hours", "1")]), map(&[("retention.ms", "3600000")]));
        assert_eq!(
            coarse(&[("log.retention.hours", "1"), ("log.retention.minutes", "2")]),
            map(&[("retention.ms", "120000")])
        );
        assert_eq!(coarse(&[("log.retention.minutes", "2"), ("log.retention.ms", "5")]), map(&[("retention.ms", "5")]));
        assert_eq!(coarse(&[("log.retention.hours", "-5")]), map(&[("retention.ms", "-1")]), "unlimited");
        assert_eq!(
            coarse(&[("log.roll.hours", "2"), ("log.roll.jitter.hours", "1")]),
            map(&[("segment.ms", "7200000"), ("segment.jitter.ms", "3600000")])
        );
        for bad in [("log.roll.hours", "0"), ("log.retention.hours", "9999999999"), ("log.retention.minutes", "x")] {
            assert_eq!(BrokerConfig::parse(&map(&[bad])).unwrap_err().code, ErrorCode::InvalidConfig, "{bad:?}");
        }
        // Adversary 36: Kafka's INT keys stop at 2,147,483,647.
        let delay = |v: &str| BrokerConfig::parse(&map(&[("group.initial.rebalance.delay.ms", v)]));
        assert_eq!(delay("2147483647").unwrap().group_initial_rebalance_delay_ms, 2_147_483_647);
        for bad in
            [map(&[("log.retention.check.interval.ms", "0")]), map(&[("log.retention.ms", "x")]), map(&[("nope", "1")])]
                .into_iter()
                .chain(
                    ["group.initial.rebalance.delay.ms", "broker.session.timeout.ms", "offsets.topic.num.partitions"]
                        .map(|k| map(&[(k, "2147483648")])),
                )
        {
            assert_eq!(BrokerConfig::parse(&bad).unwrap_err().code, ErrorCode::InvalidConfig, "{bad:?}");
        }
        // Adversary 56: a partition count above Franz's bound was lowered to it without a word.
        for key in ["offsets.topic.num.partitions", "num.partitions"] {
            let parsed = |v: &str| BrokerConfig::parse(&map(&[(key, v)]));
            let refused = parsed("10001").unwrap_err();
            assert_eq!(refused.code, ErrorCode::InvalidConfig, "{key}");
            assert!(refused.message.contains("at most 10000 partitions"), "{key}: {}", refused.message);
            assert!(parsed("10000").is_ok(), "{key}");
        }
        assert_eq!(BrokerConfig::parse(&map(&[("num.partitions", "10000")])).unwrap().num_partitions, 10_000);
    }

    #[test]
    fn every_broker_synonym_of_kafkas_sets_its_topic_default() {
        // Kafka's ServerTopicConfigSynonyms: a server.properties pasted in is read (adversary 43 found seven
        // refused as unknown).
        for (broker_key, value, topic_key) in [
            ("log.index.size.max.bytes", "20971520", "segment.index.bytes"),
            ("log.index.interval.bytes", "8192", "index.interval.bytes"),
            ("log.segment.delete.delay.ms", "30000", "file.delete.delay.ms"),
            ("log.preallocate", "true", "preallocate"),
            ("log.message.timestamp.difference.max.ms", "60000", "message.timestamp.difference.max.ms"),
            ("log.local.retention.ms", "-2", "local.retention.ms"),
            ("log.local.retention.bytes", "-2", "local.retention.bytes"),
            ("log.cleaner.delete.retention.ms", "1000", "delete.retention.ms"),
            ("message.max.bytes", "2000000", "max.message.bytes"),
        ] {
            let c = BrokerConfig::parse(&map(&[(broker_key, value)])).unwrap_or_else(|e| panic!("{broker_key}: {e}"));
            assert_eq!(c.topic_defaults.get(topic_key).map(String::as_str), Some(value), "{broker_key}");
        }
    }

    #[test]
    fn unknown_keys_and_bad_values_are_invalid_config() {
        for bad in [
            map(&[("retention.hours", "1")]),
            map(&[("retention.ms", "soon")]),
            map(&[("min.insync.replicas", "0")]),
            map(&[("cleanup.policy", "forget")]),
            map(&[("cleanup.policy", " , ")]),
            map(&[("unclean.leader.election.enable", "yes")]),
            map(&[("min.compaction.lag.ms", "1000"), ("max.compaction.lag.ms", "10")]),
            map(&[("max.compaction.lag.ms", "0")]),
            map(&[("compression.gzip.level", "0")]),
            map(&[("compression.gzip.level", "10")]),
            map(&[("compression.lz4.level", "18")]),
            map(&[("compression.zstd.level", "23")]),
        ] {
            assert_eq!(TopicConfig::parse(&bad).unwrap_err().code, ErrorCode::InvalidConfig, "{bad:?}");
        }
        let conflict = TopicConfig::parse(&map(&[("min.compaction.lag.ms", "1000"), ("max.compaction.lag.ms", "10")]));
        assert!(conflict.unwrap_err().message.contains("min.compaction.lag.ms (1000) > max.compaction.lag.ms (10)"));
        assert!(TopicConfig::parse(&map(&[("min.compaction.lag.ms", "10"), ("max.compaction.lag.ms", "10")])).is_ok());
        // Kafka's compression level validators: the default, or a level in range (adversary 31).
        for (key, value) in
            [("compression.gzip.level", "-1"), ("compression.gzip.level", "9"), ("compression.zstd.level", "-5")]
        {
            assert!(TopicConfig::parse(&map(&[(key, value)])).is_ok(), "{key}={value}");
        }
        let broker = map(&[("log.cleaner.min.compaction.lag.ms", "1000"), ("log.cleaner.max.compaction.lag.ms", "10")]);
        assert_eq!(BrokerConfig::parse(&broker).unwrap_err().code, ErrorCode::InvalidConfig);
    }
}
