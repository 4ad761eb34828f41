//! The group coordinator's committed offsets. A group's coordinator is the leader of its partition of
//! `__consumer_offsets` (created on first use, compacted, replicated like any topic); a commit is a record
//! appended there with `acks=all`, answered once replicated, so committed offsets survive the
//! coordinator's crash: the next leader of the partition reads them from its own replica.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::{Broker, DelayedProduce};
use crate::config::ConfigMap;
use crate::error::Result;
use crate::group::{
    coordinator_partition, offset_commit_key, offset_commit_value, parse_offset_commit_key, parse_offset_commit_value,
    OFFSETS_TOPIC,
};
use crate::log::ProducerStamp;
use crate::message::{Acks, AdminOp, CorrelationId, Message, Outbox};
use crate::types::{NodeId, Offset, Record, TopicPartition, NO_NODE};

/// Franz's bound on partitions in one OffsetCommit or OffsetFetch.
pub const OFFSETS_PER_REQUEST_MAX: usize = 4096;
/// How long an OffsetCommit may wait for replication.
pub const OFFSET_COMMIT_TIMEOUT_MS: u64 = 5_000;

impl Broker {
    /// FindCoordinator: the leader of the group's `__consumer_offsets` partition. Before the topic exists,
    /// this broker asks the controller to create it and answers `COORDINATOR_NOT_AVAILABLE` (the client
    /// asks again), as Kafka's brokers do.
    pub(super) fn find_coordinator(&mut self, now_ms: u64, group_id: &str, out: &mut Outbox) -> Result<NodeId> {
        let Some(topic) = self.image.topics.get(OFFSETS_TOPIC) else {
            if self.offsets_topic_requested_ms.is_none_or(|t| now_ms >= t + 1_000) {
                self.offsets_topic_requested_ms = Some(now_ms);
                let live = self.image.live_brokers().len() as u32;
                let replication_factor = self.config.offsets_topic_replication_factor.min(live).max(1);
                let config: ConfigMap = [(String::from("cleanup.policy"), String::from("compact"))].into();
                let op = AdminOp::CreateTopic {
                    name: String::from(OFFSETS_TOPIC),
                    partitions: self.config.offsets_topic_num_partitions,
                    replication_factor,
                    config,
                };
                let correlation_id = self.next_correlation_id();
                out.send(self.channel.controller(), Message::AdminRequest { correlation_id, op });
            }
            return Err(franz_err!(CoordinatorNotAvailable, "{OFFSETS_TOPIC} is being created; ask again"));
        };
        let partition = coordinator_partition(group_id, topic.partitions.len() as u32);
        match topic.partitions.get(partition as usize).map(|p| p.leader) {
            Some(leader) if leader != NO_NODE => Ok(leader),
            _ => Err(franz_err!(
                CoordinatorNotAvailable,
                "{OFFSETS_TOPIC}-{partition}, which holds group {group_id}, has no leader"
            )),
        }
    }

    /// This broker coordinates `group_id` if it leads the group's offsets partition.
    fn coordinated_partition(&self, group_id: &str) -> Result<TopicPartition> {
        let count = self.image.topics.get(OFFSETS_TOPIC).map_or(0, |t| t.partitions.len() as u32);
        if count == 0 {
            return Err(franz_err!(CoordinatorNotAvailable, "{OFFSETS_TOPIC} does not exist yet"));
        }
        let tp = TopicPartition::new(OFFSETS_TOPIC, coordinator_partition(group_id, count));
        match self.leader_partition(&tp) {
            Ok(_) => Ok(tp),
            Err(_) => Err(franz_err!(NotCoordinator, "Broker {} is not the coordinator of group {group_id}", self.id)),
        }
    }

    pub(super) fn on_offset_commit(
        &mut self,
        now_ms: u64,
        from: NodeId,
        correlation_id: CorrelationId,
        group_id: &str,
        offsets: Vec<(TopicPartition, Offset)>,
        out: &mut Outbox,
    ) {
        let result = (|| {
            if offsets.is_empty() || offsets.len() > OFFSETS_PER_REQUEST_MAX {
                return Err(franz_err!(
                    InvalidRequest,
                    "An OffsetCommit carries 1 to {OFFSETS_PER_REQUEST_MAX} partitions"
                ));
            }
            let tp = self.coordinated_partition(group_id)?;
            let records = offsets
                .iter()
                .map(|(committed, offset)| {
                    let key = offset_commit_key(group_id, committed);
                    Record::new(now_ms as i64, Some(key.into()), Some(offset_commit_value(*offset).into()))
                })
                .collect();
            let (base_offset, required_offset) =
                self.append(&tp, Acks::All, ProducerStamp::NONE, records, now_ms, out)?;
            Ok((tp, base_offset, required_offset))
        })();
        match result {
            Ok((tp, base_offset, required_offset)) => {
                let deadline_ms = now_ms + OFFSET_COMMIT_TIMEOUT_MS;
                self.delayed_produces.push(DelayedProduce {
                    from,
                    correlation_id,
                    tp,
                    base_offset,
                    required_offset,
                    deadline_ms,
                    offset_commit: true,
                });
                self.complete_delayed(now_ms, out);
            }
            Err(e) => out.send(from, Message::OffsetCommitResponse { correlation_id, result: Err(e) }),
        }
    }

    /// OffsetFetch: the latest committed offset per partition, read from the replicated (below-HW) part of
    /// the coordinator's log.
    pub(super) fn offset_fetch(
        &self,
        group_id: &str,
        partitions: &[TopicPartition],
    ) -> Result<Vec<(TopicPartition, Option<Offset>)>> {
        if partitions.len() > OFFSETS_PER_REQUEST_MAX {
            return Err(franz_err!(
                InvalidRequest,
                "An OffsetFetch asks for at most {OFFSETS_PER_REQUEST_MAX} partitions"
            ));
        }
        let tp = self.coordinated_partition(group_id)?;
        let committed =
            self.partition(&tp.topic, tp.partition).map(|p| committed_offsets(p, group_id)).unwrap_or_default();
        Ok(partitions.iter().map(|tp| (tp.clone(), committed.get(tp).copied())).collect())
    }
}

impl Broker {
    /// JoinGroup, SyncGroup, Heartbeat and LeaveGroup, for groups this broker coordinates.
    pub(super) fn on_group_request(&mut self, now_ms: u64, from: NodeId, message: Message, out: &mut Outbox) {
        use crate::group::coordinator::Group;
        let (group_id, correlation_id) = match &message {
            Message::JoinGroupRequest { group_id, correlation_id, .. }
            | Message::SyncGroupRequest { group_id, correlation_id, .. }
            | Message::HeartbeatRequest { group_id, correlation_id, .. }
            | Message::LeaveGroupRequest { group_id, correlation_id, .. } => (group_id.clone(), *correlation_id),
            _ => return,
        };
        if let Err(e) = self.coordinated_partition(&group_id) {
            let reply = match message {
                Message::JoinGroupRequest { .. } => Message::JoinGroupResponse { correlation_id, result: Err(e) },
                Message::SyncGroupRequest { .. } => Message::SyncGroupResponse { correlation_id, result: Err(e) },
                Message::HeartbeatRequest { .. } => Message::HeartbeatResponse { correlation_id, result: Err(e) },
                _ => Message::LeaveGroupResponse { correlation_id, result: Err(e) },
            };
            return out.send(from, reply);
        }
        let group = self.groups.entry(group_id.clone()).or_insert_with(|| Group::new(&group_id));
        let generation_before = group.generation;
        let sends = match message {
            Message::JoinGroupRequest { join, .. } => group.join(now_ms, from, correlation_id, join),
            Message::SyncGroupRequest { generation, member_id, assignments, .. } => {
                group.sync(from, correlation_id, generation, &member_id, assignments)
            }
            Message::HeartbeatRequest { generation, member_id, .. } => {
                let result = group.heartbeat(now_ms, generation, &member_id);
                alloc::vec![(from, Message::HeartbeatResponse { correlation_id, result })]
            }
            Message::LeaveGroupRequest { member_id, .. } => {
                let (result, mut sends) = group.leave(now_ms, &member_id);
                sends.push((from, Message::LeaveGroupResponse { correlation_id, result }));
                sends
            }
            _ => Vec::new(),
        };
        trace_generation(group, generation_before, out);
        for (to, message) in sends {
            out.send(to, message);
        }
    }

    /// Session timeouts and join deadlines; groups whose coordinator this broker no longer is are dropped
    /// (their members find the new coordinator and join again).
    pub(super) fn tick_groups(&mut self, now_ms: u64, out: &mut Outbox) {
        let ids: Vec<String> = self.groups.keys().cloned().collect();
        for id in ids {
            if self.coordinated_partition(&id).is_err() {
                self.groups.remove(&id);
                continue;
            }
            let Some(group) = self.groups.get_mut(&id) else { continue };
            let before = group.generation;
            let sends = group.tick(now_ms);
            trace_generation(group, before, out);
            for (to, message) in sends {
                out.send(to, message);
            }
        }
    }
}

fn trace_generation(group: &crate::group::coordinator::Group, before: i32, out: &mut Outbox) {
    if group.generation != before {
        out.trace(crate::sim::trace::TraceKind::GroupRebalanced {
            group: group.group_id.clone(),
            generation: group.generation,
            members: group.members.keys().cloned().collect(),
            leader: group.leader.clone().filter(|_| !group.members.is_empty()),
            protocol: group.protocol.clone(),
        });
    }
}

/// A group's committed offsets as one replica of its offsets partition holds them, below its HW.
pub fn committed_offsets(p: &super::Partition, group_id: &str) -> BTreeMap<TopicPartition, Offset> {
    let mut committed = BTreeMap::new();
    for r in p.log.iter().take_while(|r| r.offset < p.high_watermark) {
        let Some((group, tp)) = r.key.as_deref().and_then(parse_offset_commit_key) else { continue };
        if group != group_id {
            continue;
        }
        match r.value.as_deref().and_then(parse_offset_commit_value) {
            Some(offset) => committed.insert(tp, offset),
            None => committed.remove(&tp), // a tombstone: the commit was deleted
        };
    }
    committed
}
