//! Ids, offsets, records and topic names: the vocabulary every actor shares.

use alloc::string::String;
use alloc::vec::Vec;

/// Record bytes (keys, values, header values): reference-counted, so that copies share them.
pub use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// A node of the world: broker (1, 2, 3 ...), controller (1001 ...) or client (10001 ...), as Kafka's
/// `int` node ids. `-1` is Kafka's "none" (no leader).
#[cfg_attr(feature = "tsify", tsify::declare)]
pub type NodeId = i32;
/// Kafka's "no leader".
pub const NO_NODE: NodeId = -1;
/// Client ids start here, so that a trace line names every sender without colliding with brokers.
pub const FIRST_CLIENT_ID: NodeId = 10_001;

/// A position in a partition log. Kafka uses a signed `long`; Franz keeps offsets unsigned inside and
/// rejects negative ones where they enter.
#[cfg_attr(feature = "tsify", tsify::declare)]
pub type Offset = u64;
/// The largest offset Franz accepts from a user (a commit, a seek): 2^53 − 1, so that every offset reaches
/// JavaScript exactly (Kafka's limit is 2^63 − 1, far beyond any simulated log).
pub const OFFSET_MAX: Offset = (1 << 53) - 1;
/// Kafka's leader epoch (`int`).
#[cfg_attr(feature = "tsify", tsify::declare)]
pub type LeaderEpoch = i32;

/// A topic's id (KIP-516): the metadata offset of the record that created it, so a topic deleted and
/// created again under the same name is another topic. 0 is "not known".
#[cfg_attr(feature = "tsify", tsify::declare)]
pub type TopicId = u64;

/// Kafka's limit on a topic name's length (`Topic.MAX_NAME_LENGTH`).
pub const TOPIC_NAME_LENGTH_MAX: usize = 249;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub struct TopicPartition {
    pub topic: String,
    pub partition: u32,
}

impl TopicPartition {
    pub fn new(topic: impl Into<String>, partition: u32) -> Self {
        TopicPartition { topic: topic.into(), partition }
    }
}

impl core::fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub key: String,
    #[serde(with = "bytes_json")]
    pub value: Option<Bytes>,
}

impl Header {
    /// What a header adds to its record's size: its key and value and two bytes of framing.
    pub fn size_bytes(&self) -> usize {
        self.key.len() + self.value.as_ref().map_or(0, Bytes::len) + 2
    }
}

/// One record as a producer hands it over. A `None` value is a tombstone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProducerRecord {
    #[serde(default, with = "bytes_json", skip_serializing_if = "Option::is_none")]
    pub key: Option<Bytes>,
    #[serde(default, with = "bytes_json")]
    pub value: Option<Bytes>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<Header>,
    /// An explicit partition wins over the key (Kafka's rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<u32>,
    /// CreateTime; the producer's clock when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_ms: Option<i64>,
}

/// Bytes in scenario JSON: a string when they are UTF-8 (the usual case, and readable), else
/// `{"hex": "ff00"}`; `null` for none.
pub mod bytes_json {
    use super::Bytes;
    use alloc::string::String;
    use alloc::vec::Vec;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize)]
    #[serde(untagged)]
    enum Repr {
        Text(String),
        Hex { hex: String },
    }

    pub fn serialize<S: Serializer>(bytes: &Option<Bytes>, s: S) -> Result<S::Ok, S::Error> {
        match bytes {
            None => s.serialize_none(),
            Some(b) => match core::str::from_utf8(b) {
                Ok(text) => Repr::Text(String::from(text)).serialize(s),
                Err(_) => Repr::Hex { hex: b.iter().map(|x| alloc::format!("{x:02x}")).collect() }.serialize(s),
            },
        }
    }

    /// `Repr` as serde's derive read it (untagged: a string, else an object with a string `hex`), by hand: the derive buffers the value and costs the playground's wasm a few KB.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Bytes>, D::Error> {
        let hex = match serde_json::Value::deserialize(d)? {
            serde_json::Value::Null => return Ok(None),
            serde_json::Value::String(t) => return Ok(Some(Bytes::from(t.into_bytes()))),
            serde_json::Value::Object(fields) => fields.into_iter().find_map(|(k, v)| (k == "hex").then_some(v)),
            _ => None,
        };
        let Some(serde_json::Value::String(hex)) = hex else {
            return Err(serde::de::Error::custom("data did not match any variant of untagged enum Repr"));
        };
        let digits = hex.as_bytes();
        if digits.len() % 2 != 0 {
            return Err(serde::de::Error::custom("hex bytes need an even number of digits"));
        }
        digits
            .chunks(2)
            .map(|pair| {
                let text = core::str::from_utf8(pair).map_err(serde::de::Error::custom)?;
                u8::from_str_radix(text, 16).map_err(serde::de::Error::custom)
            })
            .collect::<Result<Vec<u8>, _>>()
            .map(|b| Some(Bytes::from(b)))
    }
}

/// A record as it sits in a partition log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub offset: Offset,
    pub timestamp_ms: i64,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub headers: Vec<Header>,
    /// The leader epoch of the batch that carried it (KIP-101).
    pub leader_epoch: LeaderEpoch,
}

impl Record {
    /// A record as a producer sends it: its offset (a delta within the batch) and leader epoch are set
    /// when a leader appends it.
    pub fn new(timestamp_ms: i64, key: Option<Bytes>, value: Option<Bytes>) -> Record {
        Record { offset: 0, timestamp_ms, key, value, headers: Vec::new(), leader_epoch: -1 }
    }

    /// Bytes Kafka would count toward `batch.size` and `max.message.bytes`, approximately: payload plus
    /// the v2 record overhead (attributes, deltas, lengths), which Franz takes as a flat 21 bytes.
    pub fn size_bytes(&self) -> usize {
        record_size_bytes(&self.key, &self.value, &self.headers)
    }
}

/// What Franz counts for a record beyond its key, value and headers (Kafka's v2 record framing, roughly).
pub const RECORD_OVERHEAD_BYTES: usize = 21;

pub(crate) fn record_size_bytes(key: &Option<Bytes>, value: &Option<Bytes>, headers: &[Header]) -> usize {
    let header_bytes: usize = headers.iter().map(Header::size_bytes).sum();
    RECORD_OVERHEAD_BYTES + key.as_ref().map_or(0, Bytes::len) + value.as_ref().map_or(0, Bytes::len) + header_bytes
}

/// Kafka's topic-name rule (`Topic.validate`): 1..=249 of `[a-zA-Z0-9._-]`, not `.` or `..`.
pub fn validate_topic_name(name: &str) -> Result<()> {
    validate_name("Topic name", "topic name", name).map_err(|message| franz_err!(InvalidTopicException, "{message}"))
}

/// Kafka's rule for a `group.instance.id` (`JoinGroupRequest.validateGroupInstanceId`): the topic-name
/// rule, refused when the consumer is made (`InvalidConfigurationException`).
pub fn validate_group_instance_id(id: &str) -> Result<()> {
    validate_name("Group instance id", "group instance id", id)
        .map_err(|message| franz_err!(InvalidConfig, "{message}"))
}

/// `Topic.validate(name, what)`: what is wrong with `name`, in Kafka's words (`what` begins a sentence,
/// `what_lower` goes within one).
fn validate_name(what: &str, what_lower: &str, name: &str) -> core::result::Result<(), String> {
    if name.is_empty() {
        return Err(alloc::format!("{what} is illegal, it can't be empty"));
    }
    if name == "." || name == ".." {
        return Err(alloc::format!("{what} cannot be \".\" or \"..\""));
    }
    if name.len() > TOPIC_NAME_LENGTH_MAX {
        return Err(alloc::format!(
            "{what} is illegal, it can't be longer than {TOPIC_NAME_LENGTH_MAX} characters, {what_lower}: {name}"
        ));
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))) {
        return Err(alloc::format!(
            "{what} \"{name}\" is illegal: {bad:?} is not one of the legal characters ASCII alphanumerics, '.', '_' and '-'"
        ));
    }
    Ok(())
}

/// Kafka's internal topics (`Topic.INTERNAL_TOPICS`, and the metadata log's name) belong to the cluster, not
/// to users. Other names starting with `__` are users' (Debezium's `__debezium-heartbeat.*`; adversary 31).
pub fn is_internal_topic(name: &str) -> bool {
    matches!(name, "__consumer_offsets" | "__transaction_state" | "__cluster_metadata")
}

/// `n`'s decimal digits, written into `buf` (no allocation, no formatting machinery: the trace and the
/// streams write numbers per event and per record).
pub(crate) fn decimal_digits(n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let (mut rest, mut start) = (n, buf.len());
    loop {
        start -= 1;
        buf[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            return &buf[start..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn bytes_in_json_are_text_or_hex() {
        let text = ProducerRecord { value: Some(Bytes::from_static(b"hi")), ..Default::default() };
        let binary = ProducerRecord { key: Some(Bytes::from_static(&[0xff, 0])), value: None, ..Default::default() };
        assert_eq!(serde_json::to_string(&text).unwrap(), r#"{"value":"hi"}"#);
        assert_eq!(serde_json::to_string(&binary).unwrap(), r#"{"key":{"hex":"ff00"},"value":null}"#);
        for r in [text, binary] {
            let back: ProducerRecord = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
            assert_eq!(back, r);
        }
        assert!(serde_json::from_str::<ProducerRecord>(r#"{"value":{"hex":"f"}}"#).is_err());
    }

    #[test]
    fn topic_names_follow_kafkas_rule() {
        for ok in ["orders", "a", "a.b_c-D9", &"x".repeat(249)] {
            assert!(validate_topic_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".", "..", "a b", "naïve", "a/b", &"x".repeat(250)] {
            let err = validate_topic_name(bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidTopicException, "{bad}");
        }
    }
}
