//! A client's view of where partitions live, refreshed by Metadata requests.

use crate::vec_map::VecMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::error::FranzError;
use crate::protocol::message::{PartitionMetadata, TopicMetadata};
use crate::types::{LeaderEpoch, NodeId, TopicId, NO_NODE};

#[derive(Clone, Debug, Default)]
pub struct MetadataCache {
    topics: VecMap<String, Result<Vec<PartitionMetadata>, FranzError>>,
    /// When each topic's metadata arrived, for `metadata.max.age.ms`.
    fetched_ms: VecMap<String, u64>,
    /// KIP-320 (Kafka's `Metadata.lastSeenLeaderEpochs`): the newest leader epoch seen for each partition of
    /// each topic incarnation. It outlives `forget`, so that an answer from a broker that has not yet learned
    /// of a newer leader never takes the client back to the old one (which may still take writes: an
    /// idempotent producer refused there would start a new epoch and write its batch twice).
    last_seen_epochs: VecMap<String, (Option<TopicId>, Vec<LeaderEpoch>)>,
    /// Counts the answers taken and topics forgotten: what a client worked out from the topics known holds
    /// while it stays the same.
    version: u64,
}

impl MetadataCache {
    /// Takes a Metadata answer. Returns whether it was older than what this client has seen for some
    /// partition (kept as cached, or leaderless until a newer answer): the caller asks another broker.
    #[must_use]
    pub fn update(&mut self, now_ms: u64, topics: Vec<TopicMetadata>) -> bool {
        self.version += 1;
        let mut stale = false;
        for mut t in topics {
            // An error ("no such topic") forgets no epoch: it may come from a broker that has not learned of
            // the topic yet; a topic created again comes back under a new id, which starts its epochs over.
            if let Ok(partitions) = &mut t.partitions {
                let seen = self.last_seen_epochs.entry(t.name.clone()).or_insert((t.topic_id, Vec::new()));
                if let (Some(seen_id), Some(id)) = (seen.0, t.topic_id) {
                    if id < seen_id {
                        // An older incarnation, from a broker that missed the deletion (a zombie leader of the
                        // deleted topic, which still takes writes): as for an older leader epoch, the cache
                        // keeps what it had. Franz's topic ids grow with each creation; Kafka's are random
                        // UUIDs, so its client takes either id and may go back to the deleted topic (an
                        // idempotent producer's retry then lands in both, and is renumbered: soak seed
                        // 10,009,393).
                        stale = true;
                        continue;
                    }
                }
                if seen.0 != t.topic_id {
                    *seen = (t.topic_id, Vec::new()); // created again: its epochs start over
                }
                let cached = match self.topics.get(&t.name) {
                    Some(Ok(cached)) => cached.as_slice(),
                    _ => &[],
                };
                for p in partitions.iter_mut() {
                    let i = p.partition as usize;
                    if seen.1.len() <= i {
                        seen.1.resize(i + 1, -1);
                    }
                    let newest = seen.1[i];
                    if p.leader_epoch >= newest {
                        seen.1[i] = p.leader_epoch;
                        continue;
                    }
                    stale = true;
                    match cached.get(i).filter(|c| c.leader_epoch >= newest) {
                        Some(c) => *p = c.clone(),
                        None => {
                            p.leader = NO_NODE;
                            p.leader_epoch = newest;
                        }
                    }
                }
            }
            self.fetched_ms.insert(t.name.clone(), now_ms);
            self.topics.insert(t.name, t.partitions);
        }
        stale
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

    /// The topic id the cached metadata names (KIP-516), if any.
    pub fn topic_id(&self, topic: &str) -> Option<TopicId> {
        self.topics.get(topic)?.as_ref().ok()?;
        self.last_seen_epochs.get(topic).and_then(|(id, _)| *id)
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

    /// A leader of `epoch` took a write to the partition (of the topic incarnation `topic_id`): no metadata
    /// answer of an older epoch is taken from now on. Kafka's producer learns epochs from metadata answers
    /// only (and KIP-951's hints with NOT_LEADER_OR_FOLLOWER); one that never asked while the leadership
    /// went round and back took a lagging broker's answer naming itself leader, in an epoch older than the
    /// one that had just acknowledged, and that zombie refused a retry as out of order: a new epoch (KIP-360)
    /// wrote the batch twice (soak seed 10,158,589).
    pub fn saw_leader_epoch(&mut self, topic: &str, partition: u32, topic_id: Option<TopicId>, epoch: LeaderEpoch) {
        let Some(seen) = self.last_seen_epochs.get_mut(topic).filter(|s| s.0 == topic_id) else { return };
        let i = partition as usize;
        if seen.1.len() <= i {
            seen.1.resize(i + 1, -1);
        }
        seen.1[i] = seen.1[i].max(epoch);
    }

    /// A request to the partition's leader failed as if it moved: that partition's leader is asked for
    /// again, while its siblings keep theirs (Kafka's clients request a metadata update and keep the cache).
    pub fn forget_leader(&mut self, topic: &str, partition: u32) {
        if let Some(Ok(partitions)) = self.topics.get_mut(topic) {
            if let Some(p) = partitions.get_mut(partition as usize) {
                p.leader = NO_NODE;
            }
        }
    }

    /// Every partition `node` leads, as far as the cache knows, has no known leader (Kafka's client asks for
    /// metadata again when a connection breaks).
    pub fn forget_leaders_on(&mut self, node: NodeId) {
        for partitions in self.topics.values_mut().filter_map(|t| t.as_mut().ok()) {
            for p in partitions.iter_mut().filter(|p| p.leader == node) {
                p.leader = NO_NODE;
            }
        }
    }

    pub fn forget(&mut self, topic: &str) {
        self.version += 1;
        self.topics.remove(topic);
        self.fetched_ms.remove(topic);
    }

    /// Changes whenever a topic may have come or gone.
    pub fn version(&self) -> u64 {
        self.version
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn answer(topic_id: u64, leader: NodeId, leader_epoch: LeaderEpoch) -> Vec<TopicMetadata> {
        let partition = PartitionMetadata { partition: 0, leader, leader_epoch, replicas: vec![1, 2], isr: vec![1, 2] };
        vec![TopicMetadata { name: "t".into(), topic_id: Some(topic_id), partitions: Ok(vec![partition]) }]
    }

    #[test]
    fn an_answer_naming_an_older_leader_epoch_never_takes_the_client_back() {
        let mut cache = MetadataCache::default();
        assert!(!cache.update(0, answer(7, 1, 3)));
        assert!(!cache.update(1, answer(7, 2, 4)), "a newer leader");
        assert!(cache.update(2, answer(7, 1, 3)), "a broker that has not learned of epoch 4 yet");
        assert_eq!((cache.leader("t", 0), cache.leader_epoch("t", 0)), (2, 4), "the cached leader stays");
        // Forgotten (after an error, or metadata.max.age.ms), the stale answer leaves the partition leaderless.
        cache.forget("t");
        assert!(cache.update(3, answer(7, 1, 3)));
        assert_eq!(cache.leader("t", 0), NO_NODE);
        assert!(!cache.update(4, answer(7, 2, 4)), "the same epoch again");
        assert_eq!(cache.leader("t", 0), 2);
        // "No such topic" from a broker that has not learned of it yet forgets no epoch.
        let unknown = FranzError::new(crate::error::ErrorCode::UnknownTopicOrPartition, "unknown");
        assert!(!cache.update(5, vec![TopicMetadata { name: "t".into(), topic_id: None, partitions: Err(unknown) }]));
        assert!(cache.update(6, answer(7, 1, 3)), "still older than epoch 4");
        assert_eq!(cache.leader("t", 0), NO_NODE);
    }

    /// Soak seed 10,158,589: a producer whose metadata named epoch 1 wrote to the leader of epoch 5; a
    /// lagging broker then named itself leader in epoch 4, which the producer must not take.
    #[test]
    fn a_write_acknowledged_in_a_leader_epoch_makes_older_answers_stale() {
        let mut cache = MetadataCache::default();
        assert!(!cache.update(0, answer(7, 2, 1)));
        cache.saw_leader_epoch("t", 0, Some(7), 5);
        cache.saw_leader_epoch("t", 0, Some(7), 3); // epochs seen only grow
        cache.forget_leader("t", 0);
        assert!(cache.update(1, answer(7, 1, 4)), "epoch 4 is older than the acknowledging leader's");
        assert_eq!(cache.leader("t", 0), NO_NODE);
        assert!(!cache.update(2, answer(7, 2, 5)));
        assert_eq!((cache.leader("t", 0), cache.leader_epoch("t", 0)), (2, 5));
        // An acknowledgement from another incarnation of the topic (a zombie of a deleted one) counts for none.
        cache.saw_leader_epoch("t", 0, Some(6), 9);
        assert!(!cache.update(3, answer(7, 3, 6)));
    }

    #[test]
    fn a_topic_created_again_starts_its_leader_epochs_over() {
        let mut cache = MetadataCache::default();
        assert!(!cache.update(0, answer(7, 2, 9)));
        assert!(!cache.update(1, answer(8, 1, 0)), "another incarnation (topic id)");
        assert_eq!((cache.leader("t", 0), cache.leader_epoch("t", 0)), (1, 0));
        // A broker that missed the deletion names the deleted incarnation: the client stays on the new one.
        assert!(cache.update(2, answer(7, 3, 12)), "an older incarnation is stale");
        assert_eq!((cache.topic_id("t"), cache.leader("t", 0), cache.leader_epoch("t", 0)), (Some(8), 1, 0));
        cache.forget("t");
        assert!(cache.update(3, answer(7, 3, 12)), "forgotten, still stale");
        assert_eq!(cache.topic("t").map(Result::is_ok), None, "nothing cached: asked again");
        assert!(!cache.update(4, answer(8, 1, 0)));
        assert_eq!(cache.leader("t", 0), 1);
    }
}
