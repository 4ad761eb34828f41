//! Consumer groups: the [`assignor`]s as pure functions (also `franz.assignPartitions` in JS, to ask "what
//! would range do here?"), and committed offsets: where a group's coordinator lives and how a commit is
//! written to the internal topic `__consumer_offsets` (compacted: the latest commit per key stays).
//!
//! The group's metadata (generation, leader, members and their assignment) is a record in the same
//! partition, keyed by the group alone, so compaction keeps the latest: a new coordinator reads it back and
//! the group carries on where it was (Kafka's `GroupMetadataManager.storeGroup` / `loadGroupsAndOffsets`).

pub mod assignor;
pub mod coordinator;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::types::{Offset, TopicPartition};

/// The internal topic that holds committed offsets.
pub const OFFSETS_TOPIC: &str = "__consumer_offsets";

/// Java's `String.hashCode`, over UTF-16 code units, wrapping.
pub fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| h.wrapping_mul(31).wrapping_add(i32::from(unit)))
}

/// Kafka's coordinator partition: `abs(groupId.hashCode()) % offsets.topic.num.partitions`, with
/// abs(Integer.MIN_VALUE) = 0.
pub fn coordinator_partition(group_id: &str, partitions: u32) -> u32 {
    let hash = java_string_hash(group_id);
    let abs = if hash == i32::MIN { 0 } else { hash.unsigned_abs() };
    abs % partitions.max(1)
}

/// The key of a commit record: the group, topic and partition, unambiguous (the group's length first,
/// since a group id may hold any character).
pub fn offset_commit_key(group_id: &str, tp: &TopicPartition) -> Vec<u8> {
    format!("offset:{}:{group_id}:{}:{}", group_id.len(), tp.topic, tp.partition).into_bytes()
}

/// Reads a commit record's key back: `Some((group, topic-partition))` if it is one.
pub fn parse_offset_commit_key(key: &[u8]) -> Option<(String, TopicPartition)> {
    let text = core::str::from_utf8(key).ok()?.strip_prefix("offset:")?;
    let (len, rest) = text.split_once(':')?;
    let len: usize = len.parse().ok()?;
    let group = rest.get(..len)?;
    let (topic, partition) = rest.get(len..)?.strip_prefix(':')?.rsplit_once(':')?;
    Some((String::from(group), TopicPartition::new(topic, partition.parse().ok()?)))
}

/// A commit record's value: the next offset to read, as text.
pub fn offset_commit_value(offset: Offset) -> Vec<u8> {
    format!("{offset}").into_bytes()
}

pub fn parse_offset_commit_value(value: &[u8]) -> Option<Offset> {
    core::str::from_utf8(value).ok()?.parse().ok()
}

/// The key of a group metadata record: the group alone (so the latest one survives compaction), with a
/// prefix no commit key has.
pub fn group_metadata_key(group_id: &str) -> Vec<u8> {
    format!("group:{}:{group_id}", group_id.len()).into_bytes()
}

/// Reads a group metadata record's key back: `Some(group)` if it is one.
pub fn parse_group_metadata_key(key: &[u8]) -> Option<String> {
    let text = core::str::from_utf8(key).ok()?.strip_prefix("group:")?;
    let (len, group) = text.split_once(':')?;
    (group.len() == len.parse::<usize>().ok()?).then(|| String::from(group))
}

/// A group as its coordinator writes it when a rebalance completes and when it becomes Empty (Kafka's
/// `GroupMetadataValue`), as JSON so that `readLog` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupMetadataValue {
    /// Always `consumer` in Franz.
    pub protocol_type: String,
    pub generation: i32,
    /// The assignor the generation chose (`None` once Empty).
    pub protocol: Option<String>,
    pub leader: Option<String>,
    pub members: Vec<MemberMetadataValue>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberMetadataValue {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub client_id: String,
    pub session_timeout_ms: u64,
    pub rebalance_timeout_ms: u64,
    /// The subscription: topics, and the assignors the member supports.
    pub topics: Vec<String>,
    pub protocols: Vec<String>,
    pub assignment: Vec<TopicPartition>,
}

impl GroupMetadataValue {
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// `None` for a value that is not a group (or a tombstone's absent value). (Through `json::from_str`, as
    /// every other JSON Franz reads: `from_slice` would be a second copy of serde_json's parser in the wasm.)
    pub fn parse(value: &[u8]) -> Option<GroupMetadataValue> {
        core::str::from_utf8(value).ok().and_then(|text| crate::json::from_str(text).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kafkas_coordinator_partition() {
        assert_eq!(java_string_hash("foo"), 101_574, "KAFKA-SEMANTICS' vector");
        assert_eq!(coordinator_partition("foo", 50), 101_574 % 50);
        assert_eq!(java_string_hash(""), 0);
        // "polygenelubricants".hashCode() is Integer.MIN_VALUE: Kafka's abs makes it 0.
        assert_eq!(java_string_hash("polygenelubricants"), i32::MIN);
        assert_eq!(coordinator_partition("polygenelubricants", 50), 0);
        assert!(coordinator_partition("any group at all", 7) < 7);
    }

    #[test]
    fn commit_keys_read_back_whatever_the_group_id() {
        for group in ["g", "with:colons:", "", "ünïcode"] {
            let tp = TopicPartition::new("orders", 12);
            let key = offset_commit_key(group, &tp);
            assert_eq!(parse_offset_commit_key(&key), Some((String::from(group), tp)));
        }
        assert_eq!(parse_offset_commit_key(b"something else"), None);
        assert_eq!(parse_offset_commit_value(&offset_commit_value(42)), Some(42));
    }

    #[test]
    fn group_keys_read_back_and_never_pass_for_commit_keys() {
        for group in ["g", "with:colons:", "", "ünïcode"] {
            let key = group_metadata_key(group);
            assert_eq!(parse_group_metadata_key(&key), Some(String::from(group)));
            assert_eq!(parse_offset_commit_key(&key), None);
            let commit = offset_commit_key(group, &TopicPartition::new("t", 0));
            assert_eq!(parse_group_metadata_key(&commit), None);
        }
        assert_eq!(parse_group_metadata_key(b"group:3:ab"), None, "the length must match");
        let value = GroupMetadataValue {
            protocol_type: "consumer".into(),
            generation: 7,
            protocol: Some("range".into()),
            leader: Some("a-1".into()),
            members: alloc::vec![MemberMetadataValue {
                member_id: "a-1".into(),
                group_instance_id: None,
                client_id: "a".into(),
                session_timeout_ms: 45_000,
                rebalance_timeout_ms: 300_000,
                topics: alloc::vec!["t".into()],
                protocols: alloc::vec!["range".into()],
                assignment: alloc::vec![TopicPartition::new("t", 0)],
            }],
        };
        assert_eq!(GroupMetadataValue::parse(&value.to_bytes()), Some(value));
        assert_eq!(GroupMetadataValue::parse(b"42"), None);
    }
}
