//! The metadata log's records, as KRaft has them: the controllers replicate them with Raft; every broker
//! fetches them in order and applies them to its image (`metadata::MetadataImage`).

use alloc::string::String;
use alloc::vec::Vec;

use crate::types::{NodeId, TopicId};

/// The records of one controller write: one Raft entry, so that they commit together, and brokers apply them
/// together (KRaft's record batch: a topic is never seen without its partitions, nor a reassignment's new
/// replicas without its completion).
pub type MetadataBatch = alloc::vec::Vec<MetadataRecord>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MetadataRecord {
    /// A broker (re)joined; it starts fenced.
    RegisterBroker {
        broker: NodeId,
        incarnation: u64,
    },
    FenceBroker {
        broker: NodeId,
    },
    UnfenceBroker {
        broker: NodeId,
    },
    /// A topic is created with an id (KIP-516) that tells it apart from an earlier topic of the same name.
    Topic {
        name: String,
        topic_id: TopicId,
    },
    Partition {
        topic: String,
        partition: u32,
        replicas: Vec<NodeId>,
        isr: Vec<NodeId>,
        leader: NodeId,
    },
    /// What changed for a partition; `None` fields stay. A new leader bumps the leader epoch; any change
    /// bumps the partition epoch (which AlterPartition requests are checked against).
    PartitionChange {
        topic: String,
        partition: u32,
        leader: Option<NodeId>,
        isr: Option<Vec<NodeId>>,
        replicas: Option<Vec<NodeId>>,
    },
    /// A reassignment starts (`Some`: the replicas it moves to) or ends (`None`).
    PartitionReassignment {
        topic: String,
        partition: u32,
        target: Option<Vec<NodeId>>,
    },
    RemoveTopic {
        name: String,
    },
    /// A topic config set (`Some`) or returned to its default (`None`).
    Config {
        topic: String,
        key: String,
        value: Option<String>,
    },
}

impl MetadataRecord {
    /// The topic it is about (broker records are about none).
    pub fn topic(&self) -> Option<&str> {
        use MetadataRecord::*;
        match self {
            Topic { name, .. } | RemoveTopic { name } => Some(name),
            Partition { topic, .. }
            | PartitionChange { topic, .. }
            | PartitionReassignment { topic, .. }
            | Config { topic, .. } => Some(topic),
            RegisterBroker { .. } | FenceBroker { .. } | UnfenceBroker { .. } => None,
        }
    }

    /// The one partition of its topic it is about (`None`: the whole topic, or none).
    pub fn partition(&self) -> Option<u32> {
        use MetadataRecord::*;
        match self {
            Partition { partition, .. }
            | PartitionChange { partition, .. }
            | PartitionReassignment { partition, .. } => Some(*partition),
            _ => None,
        }
    }
}
