//! Ids, offsets, records and topic names: the vocabulary every actor shares.

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// A node of the world: broker (1, 2, 3 ...), controller (1001 ...) or client (10001 ...), as Kafka's
/// `int` node ids. `-1` is Kafka's "none" (no leader).
pub type NodeId = i32;
/// Kafka's "no leader".
pub const NO_NODE: NodeId = -1;
/// Client ids start here, so that a trace line names every sender without colliding with brokers.
pub const FIRST_CLIENT_ID: NodeId = 10_001;

/// A position in a partition log. Kafka uses a signed `long`; Franz keeps offsets unsigned inside and
/// rejects negative ones where they enter.
pub type Offset = u64;
/// Kafka's leader epoch (`int`).
pub type LeaderEpoch = i32;

/// Kafka's limit on a topic name's length (`Topic.MAX_NAME_LENGTH`).
pub const TOPIC_NAME_LENGTH_MAX: usize = 249;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TopicPartition {
    pub topic: String,
    pub partition: u32,
}

impl TopicPartition {
    pub fn new(topic: impl Into<String>, partition: u32) -> Self {
        TopicPartition {
            topic: topic.into(),
            partition,
        }
    }
}

impl core::fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub key: String,
    pub value: Option<Vec<u8>>,
}

/// One record as a producer hands it over. A `None` value is a tombstone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducerRecord {
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    #[serde(default)]
    pub headers: Vec<Header>,
    /// An explicit partition wins over the key (Kafka's rule).
    #[serde(default)]
    pub partition: Option<u32>,
    /// CreateTime; the producer's clock when absent.
    #[serde(default)]
    pub timestamp_ms: Option<i64>,
}

/// A record as it sits in a partition log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub offset: Offset,
    pub timestamp_ms: i64,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<Header>,
    /// The leader epoch of the batch that carried it (KIP-101).
    pub leader_epoch: LeaderEpoch,
}

impl Record {
    /// Bytes Kafka would count toward `batch.size` and `max.message.bytes`, approximately: payload plus
    /// the v2 record overhead (attributes, deltas, lengths), which Franz takes as a flat 21 bytes.
    pub fn size_bytes(&self) -> usize {
        record_size_bytes(&self.key, &self.value, &self.headers)
    }
}

pub(crate) fn record_size_bytes(key: &Option<Vec<u8>>, value: &Option<Vec<u8>>, headers: &[Header]) -> usize {
    const RECORD_OVERHEAD_BYTES: usize = 21;
    let header_bytes: usize = headers
        .iter()
        .map(|h| h.key.len() + h.value.as_ref().map_or(0, Vec::len) + 2)
        .sum();
    RECORD_OVERHEAD_BYTES + key.as_ref().map_or(0, Vec::len) + value.as_ref().map_or(0, Vec::len) + header_bytes
}

/// Kafka's topic-name rule (`Topic.validate`): 1..=249 of `[a-zA-Z0-9._-]`, not `.` or `..`.
pub fn validate_topic_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(franz_err!(
            InvalidTopicException,
            "Topic name is illegal, it can't be empty"
        ));
    }
    if name == "." || name == ".." {
        return Err(franz_err!(
            InvalidTopicException,
            "Topic name cannot be \".\" or \"..\""
        ));
    }
    if name.len() > TOPIC_NAME_LENGTH_MAX {
        return Err(franz_err!(
            InvalidTopicException,
            "Topic name is illegal, it can't be longer than {TOPIC_NAME_LENGTH_MAX} characters, topic name: {name}"
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(franz_err!(
            InvalidTopicException,
            "Topic name \"{name}\" is illegal: {bad:?} is not one of the legal characters ASCII alphanumerics, '.', '_' and '-'"
        ));
    }
    Ok(())
}

/// Internal topics (`__consumer_offsets` ...) belong to the cluster, not to users.
pub fn is_internal_topic(name: &str) -> bool {
    name.starts_with("__")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

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
