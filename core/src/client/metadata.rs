//! A client's view of where partitions live, refreshed by Metadata requests.

use crate::vec_map::VecMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::error::FranzError;
use crate::protocol::message::{PartitionMetadata, TopicMetadata};
use crate::types::{NodeId, NO_NODE};

#[derive(Clone, Debug, Default)]
pub struct MetadataCache {
    topics: VecMap<String, Result<Vec<PartitionMetadata>, FranzError>>,
    /// When each topic's metadata arrived, for `metadata.max.age.ms`.
    fetched_ms: VecMap<String, u64>,
}

impl MetadataCache {
    pub fn update(&mut self, now_ms: u64, topics: Vec<TopicMetadata>) {
        for t in topics {
            self.fetched_ms.insert(t.name.clone(), now_ms);
            self.topics.insert(t.name, t.partitions);
        }
    }

    /// Forgets what is older than `max_age_ms` (Kafka's `metadata.max.age.ms`), so it is asked again.
    pub fn expire(&mut self, now_ms: u64, max_age_ms: u64) {
        let stale: Vec<String> = self
            .fetched_ms
            .iter()
            .filter(|(_, &at)| now_ms.saturating_sub(at) > max_age_ms)
            .map(|(t, _)| t.clone())
            .collect();
        for topic in stale {
            self.forget(&topic);
        }
    }

    /// `None`: never asked; `Some(Err)`: the cluster said the topic does not exist.
    pub fn topic(&self, topic: &str) -> Option<&Result<Vec<PartitionMetadata>, FranzError>> {
        self.topics.get(topic)
    }

    pub fn partition_count(&self, topic: &str) -> Option<u32> {
        match self.topics.get(topic)? {
            Ok(partitions) => Some(partitions.len() as u32),
            Err(_) => None,
        }
    }

    pub fn leader(&self, topic: &str, partition: u32) -> NodeId {
        match self.topics.get(topic) {
            Some(Ok(partitions)) => partitions.get(partition as usize).map_or(NO_NODE, |p| p.leader),
            _ => NO_NODE,
        }
    }

    /// The leader epoch the cached metadata names for the partition (-1 when unknown).
    pub fn leader_epoch(&self, topic: &str, partition: u32) -> crate::types::LeaderEpoch {
        match self.topics.get(topic) {
            Some(Ok(partitions)) => partitions.get(partition as usize).map_or(-1, |p| p.leader_epoch),
            _ => -1,
        }
    }

    pub fn forget(&mut self, topic: &str) {
        self.topics.remove(topic);
        self.fetched_ms.remove(topic);
    }
}
