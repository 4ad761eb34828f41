//! Consumer groups: the [`assignor`]s as pure functions (also `franz.assignPartitions` in JS, to ask "what
//! would range do here?"), and committed offsets: where a group's coordinator lives and how a commit is
//! written to the internal topic `__consumer_offsets` (compacted: the latest commit per key stays).

pub mod assignor;
pub mod coordinator;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

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
}
