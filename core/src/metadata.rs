//! The metadata log's records and the image built by replaying them, as KRaft has them: the controllers
//! replicate the records with Raft; every broker fetches them in order and applies them to its image.

use crate::vec_map::VecMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::config::ConfigMap;
use crate::error::Result;
pub use crate::protocol::metadata::{MetadataBatch, MetadataRecord};
use crate::types::{LeaderEpoch, NodeId, TopicId, NO_NODE};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokerRegistration {
    pub incarnation: u64,
    pub fenced: bool,
    /// Kafka's broker epoch: the metadata offset of the registration record. A broker is caught up once it
    /// has applied the log this far; requests naming another epoch come from an older run (KIP-903).
    pub broker_epoch: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionImage {
    pub replicas: Vec<NodeId>,
    pub isr: Vec<NodeId>,
    pub leader: NodeId,
    pub leader_epoch: LeaderEpoch,
    pub partition_epoch: i32,
    /// While a reassignment runs: the replicas it moves to (`replicas` holds old and new until it ends).
    pub target_replicas: Option<Vec<NodeId>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TopicImage {
    pub topic_id: TopicId,
    pub partitions: Vec<PartitionImage>,
    pub config: ConfigMap,
}

/// The cluster's metadata as of some offset of the metadata log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetadataImage {
    pub brokers: VecMap<NodeId, BrokerRegistration>,
    pub topics: VecMap<String, TopicImage>,
    /// How many records were applied.
    pub applied: u64,
}

impl MetadataImage {
    /// The image of an empty log.
    pub const EMPTY: MetadataImage = MetadataImage { brokers: VecMap::new(), topics: VecMap::new(), applied: 0 };

    /// Applies the next record. A record that does not fit the image (a partition of a missing topic) is an
    /// error: the log is replicated by Raft, so that would be a bug, reported rather than panicking.
    pub fn apply(&mut self, record: &MetadataRecord) -> Result<()> {
        match record {
            MetadataRecord::RegisterBroker { broker, incarnation } => {
                let broker_epoch = self.applied + 1;
                self.brokers
                    .insert(*broker, BrokerRegistration { incarnation: *incarnation, fenced: true, broker_epoch });
            }
            MetadataRecord::FenceBroker { broker } | MetadataRecord::UnfenceBroker { broker } => {
                let fenced = matches!(record, MetadataRecord::FenceBroker { .. });
                let registration = self
                    .brokers
                    .get_mut(broker)
                    .ok_or_else(|| franz_err!(UnknownServerError, "metadata: broker {broker} is not registered"))?;
                registration.fenced = fenced;
            }
            MetadataRecord::Topic { name, topic_id } => {
                if self.topics.contains_key(name) {
                    return Err(franz_err!(UnknownServerError, "metadata: topic {name} exists already"));
                }
                self.topics.insert(name.clone(), TopicImage { topic_id: *topic_id, ..Default::default() });
            }
            MetadataRecord::Partition { topic, partition, replicas, isr, leader } => {
                let t = self.topic_mut(topic)?;
                if *partition as usize != t.partitions.len() {
                    return Err(franz_err!(UnknownServerError, "metadata: partition {topic}-{partition} out of order"));
                }
                let (replicas, isr, leader) = (replicas.clone(), isr.clone(), *leader);
                let p = PartitionImage {
                    replicas,
                    isr,
                    leader,
                    leader_epoch: 0,
                    partition_epoch: 0,
                    target_replicas: None,
                };
                t.partitions.push(p);
            }
            MetadataRecord::PartitionChange { topic, partition, leader, isr, replicas } => {
                let p = self
                    .topic_mut(topic)?
                    .partitions
                    .get_mut(*partition as usize)
                    .ok_or_else(|| franz_err!(UnknownServerError, "metadata: no partition {topic}-{partition}"))?;
                let new_leader = leader.filter(|&l| l != p.leader);
                if let Some(leader) = new_leader {
                    p.leader = leader;
                    p.leader_epoch += 1;
                }
                if let Some(isr) = isr {
                    p.isr = isr.clone();
                }
                if let Some(replicas) = replicas {
                    // Replicas removed (a reassignment ending): a new leader epoch, so that a removed replica
                    // fetching at the old one is fenced, as KRaft's PartitionChangeBuilder does (once: a new
                    // leader in the same record bumped it already).
                    let removed = p.replicas.iter().any(|r| !replicas.contains(r));
                    if removed && new_leader.is_none() {
                        p.leader_epoch += 1;
                    }
                    p.replicas = replicas.clone();
                }
                p.partition_epoch += 1;
                debug_assert!(p.isr.iter().all(|r| p.replicas.contains(r)), "ISR ⊆ replicas");
                debug_assert!(p.leader == NO_NODE || p.isr.contains(&p.leader), "the leader is in the ISR");
            }
            MetadataRecord::PartitionReassignment { topic, partition, target } => {
                let p = self
                    .topic_mut(topic)?
                    .partitions
                    .get_mut(*partition as usize)
                    .ok_or_else(|| franz_err!(UnknownServerError, "metadata: no partition {topic}-{partition}"))?;
                p.target_replicas = target.clone();
            }
            MetadataRecord::RemoveTopic { name } => {
                self.topics.remove(name);
            }
            MetadataRecord::Config { topic, key, value } => {
                let t = self.topic_mut(topic)?;
                match value {
                    Some(v) => t.config.insert(key.clone(), v.clone()),
                    None => t.config.remove(key),
                };
            }
        }
        self.applied += 1;
        Ok(())
    }

    fn topic_mut(&mut self, topic: &str) -> Result<&mut TopicImage> {
        self.topics.get_mut(topic).ok_or_else(|| franz_err!(UnknownServerError, "metadata: no topic {topic}"))
    }

    /// Brokers that are registered and unfenced: the ones that may lead or join an ISR.
    pub fn live_brokers(&self) -> Vec<NodeId> {
        self.brokers.iter().filter(|(_, r)| !r.fenced).map(|(&id, _)| id).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn replay(records: &[MetadataRecord]) -> Result<MetadataImage> {
        let mut image = MetadataImage::default();
        for r in records {
            image.apply(r)?;
        }
        Ok(image)
    }

    #[test]
    fn the_image_is_the_replay_of_the_log() {
        let records = vec![
            MetadataRecord::RegisterBroker { broker: 1, incarnation: 1 },
            MetadataRecord::RegisterBroker { broker: 2, incarnation: 1 },
            MetadataRecord::UnfenceBroker { broker: 1 },
            MetadataRecord::Topic { name: "t".into(), topic_id: 1 },
            MetadataRecord::Partition {
                topic: "t".into(),
                partition: 0,
                replicas: vec![1, 2],
                isr: vec![1, 2],
                leader: 1,
            },
            MetadataRecord::Config { topic: "t".into(), key: "retention.ms".into(), value: Some("1000".into()) },
            MetadataRecord::PartitionChange {
                topic: "t".into(),
                partition: 0,
                leader: None,
                isr: Some(vec![1]),
                replicas: None,
            },
            MetadataRecord::PartitionChange {
                topic: "t".into(),
                partition: 0,
                leader: Some(2),
                isr: Some(vec![2]),
                replicas: None,
            },
        ];
        let image = replay(&records).unwrap();
        assert_eq!(image.live_brokers(), [1], "broker 2 registered but still fenced");
        let p = &image.topics["t"].partitions[0];
        assert_eq!((p.leader, p.leader_epoch, p.partition_epoch), (2, 1, 2), "leader change bumps both epochs");
        assert_eq!(p.isr, [2]);
        assert_eq!(image.topics["t"].config["retention.ms"], "1000");
        assert_eq!(image.applied, 8);
        assert_eq!(replay(&records).unwrap(), image, "replay is deterministic");
    }

    #[test]
    fn records_that_do_not_fit_are_errors_not_panics() {
        assert!(replay(&[MetadataRecord::FenceBroker { broker: 9 }]).is_err());
        let orphan =
            MetadataRecord::Partition { topic: "x".into(), partition: 0, replicas: vec![1], isr: vec![1], leader: 1 };
        assert!(replay(&[orphan]).is_err());
        let skipped = vec![
            MetadataRecord::Topic { name: "t".into(), topic_id: 1 },
            MetadataRecord::Partition { topic: "t".into(), partition: 1, replicas: vec![1], isr: vec![1], leader: 1 },
        ];
        assert!(replay(&skipped).is_err());
        let removed = replay(&[
            MetadataRecord::Topic { name: "t".into(), topic_id: 1 },
            MetadataRecord::RemoveTopic { name: "t".into() },
        ]);
        assert!(removed.unwrap().topics.is_empty());
    }
}
