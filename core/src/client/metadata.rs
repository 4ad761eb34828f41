//! A client's view of where partitions live, refreshed by Metadata requests.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::error::FranzError;
use crate::message::{PartitionMetadata, TopicMetadata};
use crate::types::{NodeId, NO_NODE};

#[derive(Clone, Debug, Default)]
pub struct MetadataCache {
    topics: BTreeMap<String, Result<Vec<PartitionMetadata>, FranzError>>,
}

impl MetadataCache {
    pub fn update(&mut self, topics: Vec<TopicMetadata>) {
        for t in topics {
            self.topics.insert(t.name, t.partitions);
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

    pub fn forget(&mut self, topic: &str) {
        self.topics.remove(topic);
    }
}
