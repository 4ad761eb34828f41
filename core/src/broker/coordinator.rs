//! The group coordinator: committed offsets and group membership. A group's coordinator is the leader of
//! its partition of `__consumer_offsets` (created on first use, compacted, replicated like any topic); a
//! commit is a record appended there, answered once replicated (the high watermark passed it), so committed
//! offsets survive the coordinator's crash: the next leader of the partition reads them from its own replica.
//! The group itself ([`Group`]) is written there too when a rebalance completes, and the next leader reads it
//! back ([`Broker::load_groups`]): members keep their ids and generation when the coordinator moves.

use crate::vec_map::VecMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::{Broker, DelayedProduce, Parked, Partition, PartitionWait};
use crate::config::ConfigMap;
use crate::error::Result;
use crate::group::coordinator::{Effects, Group, GroupState};
use crate::group::{
    coordinator_partition, group_metadata_key, offset_commit_key, offset_commit_value, parse_group_metadata_key,
    parse_offset_commit_key, parse_offset_commit_value, GroupMetadataValue, OFFSETS_TOPIC,
};
use crate::log::ProducerStamp;
use crate::protocol::message::{Acks, AdminOp, CorrelationId, Message, OffsetCommit, Outbox};
use crate::types::{NodeId, Offset, Record, TopicPartition, NO_NODE};

/// Franz's bound on partitions in one OffsetCommit or OffsetFetch: as many as a consumer may be assigned.
pub const OFFSETS_PER_REQUEST_MAX: usize = crate::client::consumer::ASSIGNED_PARTITIONS_MAX;

impl Broker {
    /// FindCoordinator: the leader of the group's `__consumer_offsets` partition. Before the topic exists,
    /// this broker asks the controller to create it and answers `COORDINATOR_NOT_AVAILABLE` (the client
    /// asks again), as Kafka's brokers do.
    pub(super) fn find_coordinator(&mut self, now_ms: u64, group_id: &str, out: &mut Outbox) -> Result<NodeId> {
        let Some(topic) = self.image.topics.get(OFFSETS_TOPIC) else {
            if self.offsets_topic_requested_ms.is_none_or(|t| now_ms >= t + 1_000) {
                self.offsets_topic_requested_ms = Some(now_ms);
                // Kafka asks for offsets.topic.replication.factor replicas, and the controller refuses while
                // fewer brokers are registered ("can be ignored if the cluster is starting up"); Franz once
                // took min(it, live brokers), and a group used on a small or half-down cluster got an offsets
                // topic under-replicated for good (adversary 31).
                let replication_factor = self.config.offsets_topic_replication_factor.unwrap_or(3);
                // Kafka's `groupMetadataTopicConfigs`.
                let config: ConfigMap = [
                    (String::from("cleanup.policy"), String::from("compact")),
                    (String::from("compression.type"), String::from("producer")),
                    (String::from("segment.bytes"), alloc::format!("{}", self.config.offsets_topic_segment_bytes)),
                ]
                .into();
                let op = AdminOp::CreateTopic {
                    name: String::from(OFFSETS_TOPIC),
                    partitions: self.config.offsets_topic_num_partitions,
                    replication_factor,
                    config,
                };
                let correlation_id = self.correlation_ids.next_id();
                self.offsets_topic_request = Some(correlation_id);
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

    /// The controller's answer to this broker's request to create `__consumer_offsets`: a refusal goes into
    /// the trace once (as Kafka's broker logs it), not at each of the requests that repeat it.
    pub(super) fn on_offsets_topic_created(
        &mut self,
        correlation_id: CorrelationId,
        result: Result<()>,
        out: &mut Outbox,
    ) {
        if self.offsets_topic_request != Some(correlation_id) {
            return;
        }
        self.offsets_topic_request = None;
        match result {
            Err(e) if e.code != crate::error::ErrorCode::TopicAlreadyExists => {
                if self.offsets_topic_refusal.as_ref() != Some(&e.message) {
                    self.offsets_topic_refusal = Some(e.message.clone());
                    out.trace(crate::protocol::trace::TraceKind::OffsetsTopicNotCreated {
                        error: e.code,
                        message: e.message,
                    });
                }
            }
            _ => self.offsets_topic_refusal = None,
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

    /// OffsetCommit, checked against the group (Kafka's `validateOffsetCommit`), then appended with
    /// `acks=all` and answered once replicated.
    fn on_offset_commit(
        &mut self,
        now_ms: u64,
        from: NodeId,
        correlation_id: CorrelationId,
        commit: OffsetCommit,
        out: &mut Outbox,
    ) {
        let OffsetCommit { group_id, generation, member_id, group_instance_id, offsets } = commit;
        let result = (|| {
            if offsets.is_empty() || offsets.len() > OFFSETS_PER_REQUEST_MAX {
                return Err(franz_err!(
                    InvalidRequest,
                    "An OffsetCommit carries 1 to {OFFSETS_PER_REQUEST_MAX} partitions"
                ));
            }
            let tp = self.coordinated_partition(&group_id)?;
            // Kafka's GroupMetadataManager stores offsets only for partitions the metadata knows.
            let unknown = offsets.iter().map(|(committed, _)| committed).find(|committed| {
                self.image
                    .topics
                    .get(&committed.topic)
                    .is_none_or(|t| committed.partition as usize >= t.partitions.len())
            });
            if let Some(unknown) = unknown {
                return Err(franz_err!(
                    UnknownTopicOrPartition,
                    "Cannot commit an offset for {unknown}: no such partition"
                ));
            }
            match self.groups.get(&group_id) {
                Some(group) => group.validate_offset_commit(&member_id, group_instance_id.as_deref(), generation)?,
                None if generation < 0 => {} // a consumer using assign, for a group with no members
                // Kafka before OffsetCommit v9 (which says GROUP_ID_NOT_FOUND).
                None => {
                    return Err(franz_err!(
                        IllegalGeneration,
                        "Group {group_id} has no generation {generation}: it has no members here"
                    ))
                }
            }
            let records: Vec<Record> = offsets
                .iter()
                .map(|(committed, offset)| {
                    let key = offset_commit_key(&group_id, committed);
                    Record::new(now_ms as i64, Some(key.into()), Some(offset_commit_value(*offset).into()))
                })
                .collect();
            let mut topic_ids: Vec<(String, crate::types::TopicId)> = Vec::new();
            for (committed, _) in &offsets {
                if let Some(t) = self.image.topics.get(&committed.topic) {
                    if !topic_ids.iter().any(|(name, _)| *name == committed.topic) {
                        topic_ids.push((committed.topic.clone(), t.topic_id));
                    }
                }
            }
            // Kafka 4's coordinator runtime appends with acks=1 and answers once the high watermark passes the
            // commit: below min.insync.replicas it is written, and lands when the ISR grows back.
            let (base_offset, required_offset) = self
                .append(&tp, Acks::Leader, (ProducerStamp::NONE, None), records.into(), now_ms, out)
                .map_err(store_error)?;
            Ok((tp, base_offset, required_offset, topic_ids))
        })();
        match result {
            Ok((tp, base_offset, required_offset, topic_ids)) => {
                let deadline_ms = now_ms.saturating_add(self.config.offsets_commit_timeout_ms);
                let wait = PartitionWait {
                    tp,
                    topic_id: None,
                    log_start_offset: 0,
                    leader_epoch: -1,
                    base_offset,
                    required_offset,
                    result: None,
                };
                self.delayed_produces.push(DelayedProduce {
                    from,
                    correlation_id,
                    deadline_ms,
                    parked: Parked::OffsetCommit(topic_ids),
                    partitions: alloc::vec![wait],
                });
                self.complete_delayed(now_ms, out);
            }
            Err(e) => {
                out.send(from, Message::OffsetCommitResponse { correlation_id, result: Err(e), topic_ids: Vec::new() })
            }
        }
    }

    /// OffsetFetch: the latest committed offset per partition, as of every record in this coordinator's log,
    /// answered once those are replicated (Kafka's consumer asks with `requireStable`): a new owner of a
    /// partition must not start from an older commit while a later one is still replicating. What a new
    /// leader loaded from above its high watermark waits too, as Kafka's loader counts as committed only what
    /// is below it: adversary 64 saw a commit read from there, then lost with the next failover.
    pub(super) fn on_offset_fetch(
        &mut self,
        now_ms: u64,
        from: NodeId,
        correlation_id: CorrelationId,
        group_id: &str,
        partitions: &[TopicPartition],
        out: &mut Outbox,
    ) {
        let read = (|| {
            if partitions.len() > OFFSETS_PER_REQUEST_MAX {
                return Err(franz_err!(
                    InvalidRequest,
                    "An OffsetFetch asks for at most {OFFSETS_PER_REQUEST_MAX} partitions"
                ));
            }
            let tp = self.coordinated_partition(group_id)?;
            self.load_groups(now_ms, tp.partition, out);
            let p = self.partition(&tp.topic, tp.partition).ok_or_else(|| {
                franz_err!(NotCoordinator, "Broker {} is not the coordinator of group {group_id}", self.id)
            })?;
            let written = p.log.log_end_offset();
            let committed = committed_offsets_through(p, group_id, written);
            let answer = partitions.iter().map(|tp| (tp.clone(), committed.get(tp).copied())).collect();
            let pending = (p.high_watermark < written).then_some((tp, written));
            Ok((answer, pending))
        })();
        match read {
            Ok((answer, Some((tp, written)))) => {
                let wait = PartitionWait {
                    tp,
                    topic_id: None,
                    log_start_offset: 0,
                    leader_epoch: -1,
                    base_offset: 0,
                    required_offset: written,
                    result: None,
                };
                self.delayed_produces.push(DelayedProduce {
                    from,
                    correlation_id,
                    deadline_ms: now_ms.saturating_add(self.config.offsets_commit_timeout_ms),
                    parked: Parked::OffsetFetch(answer),
                    partitions: alloc::vec![wait],
                });
            }
            result => {
                let result = result.map(|(answer, _)| answer);
                out.send(from, Message::OffsetFetchResponse { correlation_id, result });
            }
        }
    }

    /// For the views: the group as this broker serves it, or as it will once it loads its offsets partition
    /// (a restart, or a leadership just taken: Kafka answers COORDINATOR_LOAD_IN_PROGRESS meanwhile, and an
    /// admin client asks again). An adversary saw the group read Empty at generation 0 in that gap.
    pub fn group_as_served(&self, partition: u32, group_id: &str) -> Option<alloc::borrow::Cow<'_, Group>> {
        let p = self.partition(OFFSETS_TOPIC, partition)?;
        if self.groups_loaded.get(&partition) == Some(&(self.incarnation, p.leader_epoch)) {
            return self.groups.get(group_id).map(alloc::borrow::Cow::Borrowed);
        }
        let latest = latest_group_records(p);
        let (value, _) = latest.get(group_id)?;
        Some(alloc::borrow::Cow::Owned(Group::load(group_id, value, 0, "")))
    }

    /// For the views: the group's committed offsets in this replica of its offsets partition, as it serves
    /// them (a leader that loaded it: below its HW, or all it loaded), or will once it leads and loads (its
    /// whole log, as Kafka's load reads to the log end). An adversary saw a restarted coordinator's view go
    /// back to its HW checkpoint.
    /// (`partition`: the group's, by the cluster's metadata; a broker down holds only its snapshot's.)
    pub fn committed_offsets_as_served(&self, partition: u32, group_id: &str) -> VecMap<TopicPartition, Offset> {
        let Some(p) = self.partition(OFFSETS_TOPIC, partition) else { return VecMap::new() };
        let loaded = self.groups_loaded.get(&partition) == Some(&(self.incarnation, p.leader_epoch));
        let end = match self.offsets_loaded_through.get(&partition) {
            Some(&through) if loaded && p.leader == self.id => p.high_watermark.max(through),
            _ => p.log.log_end_offset(),
        };
        committed_offsets_through(p, group_id, end)
    }
}

/// The error a group request gets from a broker that cannot serve it.
fn refusal(message: &Message, e: crate::error::FranzError) -> Option<Message> {
    Some(match *message {
        Message::JoinGroupRequest { correlation_id, .. } => {
            Message::JoinGroupResponse { correlation_id, member_id: String::new(), result: Err(e) }
        }
        Message::SyncGroupRequest { correlation_id, .. } => {
            Message::SyncGroupResponse { correlation_id, result: Err(e) }
        }
        Message::HeartbeatRequest { correlation_id, .. } => {
            Message::HeartbeatResponse { correlation_id, result: Err(e) }
        }
        Message::LeaveGroupRequest { correlation_id, .. } => {
            Message::LeaveGroupResponse { correlation_id, result: Err(e) }
        }
        Message::OffsetCommitRequest { correlation_id, .. } => {
            Message::OffsetCommitResponse { correlation_id, result: Err(e), topic_ids: Vec::new() }
        }
        _ => return None,
    })
}

/// Kafka's `appendGroupMetadataErrorToResponseError` (and its coordinator runtime's
/// `handleOperationException`): what members hear when the group's record or their commit could not be written.
pub(super) fn store_error(e: crate::error::FranzError) -> crate::error::FranzError {
    use crate::error::ErrorCode::*;
    match e.code {
        NotLeaderOrFollower => {
            franz_err!(
                NotCoordinator,
                "The coordinator moved while writing to the group's offsets partition: {}",
                e.message
            )
        }
        UnknownTopicOrPartition | NotEnoughReplicas | NotEnoughReplicasAfterAppend | RequestTimedOut => {
            franz_err!(CoordinatorNotAvailable, "Could not write to the group's offsets partition: {}", e.message)
        }
        MessageTooLarge | RecordListTooLarge => {
            franz_err!(UnknownServerError, "The group's record is too large: {}", e.message)
        }
        _ => e,
    }
}

impl Broker {
    /// JoinGroup, SyncGroup, Heartbeat, LeaveGroup and OffsetCommit, for groups this broker coordinates.
    pub(super) fn on_group_request(&mut self, now_ms: u64, from: NodeId, message: Message, out: &mut Outbox) {
        let group_id = match &message {
            Message::JoinGroupRequest { group_id, .. }
            | Message::SyncGroupRequest { group_id, .. }
            | Message::HeartbeatRequest { group_id, .. }
            | Message::LeaveGroupRequest { group_id, .. }
            | Message::OffsetCommitRequest { commit: OffsetCommit { group_id, .. }, .. } => group_id.clone(),
            _ => return,
        };
        let tp = match self.coordinated_partition(&group_id) {
            Ok(tp) => tp,
            Err(e) => {
                if let Some(reply) = refusal(&message, e) {
                    out.send(from, reply);
                }
                return;
            }
        };
        if let Message::JoinGroupRequest { join, .. } = &message {
            let (min, max) = (self.config.group_min_session_timeout_ms, self.config.group_max_session_timeout_ms);
            if !(min..=max).contains(&join.session_timeout_ms) {
                let e = franz_err!(
                    InvalidSessionTimeout,
                    "session.timeout.ms {} is outside the brokers' group.min.session.timeout.ms ({min}) .. group.max.session.timeout.ms ({max})",
                    join.session_timeout_ms
                );
                if let Some(reply) = refusal(&message, e) {
                    out.send(from, reply);
                }
                return;
            }
        }
        self.load_groups(now_ms, tp.partition, out);
        if let Message::OffsetCommitRequest { correlation_id, commit } = message {
            return self.on_offset_commit(now_ms, from, correlation_id, commit, out);
        }
        if !self.groups.contains_key(&group_id) {
            if !matches!(message, Message::JoinGroupRequest { .. }) {
                let e = franz_err!(UnknownMemberId, "Group {group_id} has no members");
                if let Some(reply) = refusal(&message, e) {
                    out.send(from, reply);
                }
                return;
            }
            let mut tag = self.member_id_tag(&tp);
            if let Some(deleted) = self.groups_deleted.get(&group_id) {
                tag = alloc::format!("{tag}.{deleted}");
            }
            let mut group = Group::new(&group_id, &tag);
            group.initial_rebalance_delay_ms = self.config.group_initial_rebalance_delay_ms;
            self.groups.insert(group_id.clone(), group);
        }
        let Some(group) = self.groups.get_mut(&group_id) else { return };
        let generation_before = group.generation;
        let mut fx = Effects::default();
        match message {
            Message::JoinGroupRequest { correlation_id, join, .. } => {
                group.join(now_ms, from, correlation_id, join, &mut fx)
            }
            Message::SyncGroupRequest { correlation_id, sync, .. } => {
                group.sync(now_ms, from, correlation_id, sync, &mut fx)
            }
            Message::HeartbeatRequest { correlation_id, generation, member_id, group_instance_id, .. } => {
                let result = group.heartbeat(now_ms, generation, &member_id, group_instance_id.as_deref());
                fx.out.send(from, Message::HeartbeatResponse { correlation_id, result });
            }
            Message::LeaveGroupRequest { correlation_id, member_id, .. } => {
                let result = group.leave(now_ms, &member_id, &mut fx);
                fx.out.send(from, Message::LeaveGroupResponse { correlation_id, result });
            }
            _ => {}
        }
        trace_generation(group, generation_before, out);
        self.apply_group_effects(now_ms, &group_id, fx, out);
    }

    /// Session timeouts and join deadlines; groups whose coordinator this broker no longer is are dropped
    /// (their members find the new coordinator, which reads the group back from the log).
    pub(super) fn tick_groups(&mut self, now_ms: u64, out: &mut Outbox) {
        // Runs at every timer: only the partitions this broker newly leads are looked at twice.
        let newly_led: Vec<u32> = self.topics.get(OFFSETS_TOPIC).map_or_else(Vec::new, |t| {
            let term = |p: &Partition| (self.incarnation, p.leader_epoch);
            let unloaded = |(i, p): &(&u32, &Partition)| self.groups_loaded.get(i) != Some(&term(p));
            t.partitions.iter().filter(|(_, p)| p.leader == self.id).filter(unloaded).map(|(i, _)| *i).collect()
        });
        for partition in newly_led {
            self.load_groups(now_ms, partition, out);
        }
        let ids: Vec<String> = self.groups.keys().cloned().collect();
        for id in ids {
            if self.coordinated_partition(&id).is_err() {
                self.complete_group_stores(now_ms, out); // those waiting for its writes hear NOT_COORDINATOR
                if let Some(mut group) = self.groups.remove(&id) {
                    let mut fx = Effects::default();
                    group.unload(&mut fx);
                    out.absorb(fx.out, |to, message| (to != NO_NODE).then_some(message));
                }
                continue;
            }
            let Some(group) = self.groups.get_mut(&id) else { continue };
            let before = group.generation;
            let mut fx = Effects::default();
            group.tick(now_ms, &mut fx);
            trace_generation(group, before, out);
            self.apply_group_effects(now_ms, &id, fx, out);
        }
    }

    /// A coordinator run's tag for the member ids it hands out: the offsets partition's leader epoch and this
    /// broker's incarnation (one leader per epoch; a restart within an epoch is a new incarnation).
    fn member_id_tag(&self, tp: &TopicPartition) -> String {
        let epoch = self.partition(&tp.topic, tp.partition).map_or(-1, |p| p.leader_epoch);
        alloc::format!("{epoch}.{}", self.incarnation)
    }

    /// Kafka's `loadGroupsAndOffsets`: on becoming leader of an offsets partition (a new leader epoch, or a
    /// new run of this broker), the groups it holds are read back from the log, their latest record each;
    /// what was in memory for that partition belonged to an earlier term and goes.
    fn load_groups(&mut self, now_ms: u64, partition: u32, out: &mut Outbox) {
        let tp = TopicPartition::new(OFFSETS_TOPIC, partition);
        let Some(p) = self.partition(OFFSETS_TOPIC, partition).filter(|p| p.leader == self.id) else { return };
        let term = (self.incarnation, p.leader_epoch);
        if self.groups_loaded.get(&partition) == Some(&term) {
            return;
        }
        let latest = latest_group_records(p);
        let loaded_through = p.log.log_end_offset();
        let count = self.image.topics.get(OFFSETS_TOPIC).map_or(0, |t| t.partitions.len() as u32);
        let tag = self.member_id_tag(&tp);
        let stale: Vec<String> =
            self.groups.keys().filter(|id| coordinator_partition(id, count) == partition).cloned().collect();
        for id in stale {
            // Whoever waits for a write of that earlier term hears NOT_COORDINATOR, and finds us again.
            let Some(mut group) = self.groups.remove(&id) else { continue };
            let mut fx = Effects::default();
            for (store, _, _) in group.stores_in_flight() {
                let e = franz_err!(NotCoordinator, "Group {id} was loaded again by a new coordinator term");
                group.store_completed(now_ms, store, Err(e), &mut fx);
            }
            group.unload(&mut fx);
            for (to, message) in fx.out.take_messages().into_iter().filter(|(to, _)| *to != NO_NODE) {
                out.send(to, message);
            }
        }
        for (id, (value, written_ms)) in latest {
            let mut group = Group::load(&id, &value, now_ms, &tag);
            group.initial_rebalance_delay_ms = self.config.group_initial_rebalance_delay_ms;
            if group.members.is_empty() {
                group.empty_since_ms = Some(written_ms); // its record was written when it became Empty
            }
            out.trace(crate::protocol::trace::TraceKind::GroupLoaded {
                group: id.clone(),
                generation: group.generation,
                members: group.members.keys().cloned().collect(),
            });
            self.groups.insert(id, group);
        }
        self.offsets_loaded_through.insert(partition, loaded_through);
        self.groups_loaded.insert(partition, term);
    }

    /// Appends the group records a group call asked for, then forwards its outbox (removed members, answers).
    fn apply_group_effects(&mut self, now_ms: u64, group_id: &str, mut fx: Effects, out: &mut Outbox) {
        while !fx.stores.is_empty() {
            for (store, value) in core::mem::take(&mut fx.stores) {
                let key = group_metadata_key(group_id);
                let record = Record::new(now_ms as i64, Some(key.into()), Some(value.to_bytes().into()));
                // (acks=1 as a commit: Kafka 4 writes every group record so, and one below min.insync.replicas
                // fails after offsets.commit.timeout.ms, not at once: adversary 63 saw a rebalance every 0.3 s.)
                let appended = self.coordinated_partition(group_id).and_then(|tp| {
                    self.append(&tp, Acks::Leader, (ProducerStamp::NONE, None), alloc::vec![record].into(), now_ms, out)
                });
                let Some(group) = self.groups.get_mut(group_id) else { break };
                match appended {
                    Ok((_, required_offset)) => group.store_appended(
                        store,
                        required_offset,
                        now_ms.saturating_add(self.config.offsets_commit_timeout_ms),
                    ),
                    Err(e) => group.store_completed(now_ms, store, Err(store_error(e)), &mut fx),
                }
            }
        }
        out.absorb(fx.out, |to, message| (to != NO_NODE).then_some(message));
    }

    /// Group writes whose record the high watermark passed are done; those that cannot be (this broker no
    /// longer leads the partition, or `offsets.commit.timeout.ms` passed) fail.
    pub(super) fn complete_group_stores(&mut self, now_ms: u64, out: &mut Outbox) {
        let waiting: Vec<String> =
            self.groups.iter().filter(|(_, g)| g.has_stores_in_flight()).map(|(id, _)| id.clone()).collect();
        for id in waiting {
            let high_watermark = self
                .coordinated_partition(&id)
                .ok()
                .and_then(|tp| self.partition(&tp.topic, tp.partition))
                .map(|p| p.high_watermark);
            let Some(group) = self.groups.get_mut(&id) else { continue };
            let mut fx = Effects::default();
            for (store, required_offset, deadline_ms) in group.stores_in_flight() {
                let result = match (high_watermark, required_offset) {
                    (None, _) => Err(franz_err!(NotCoordinator, "Broker {} no longer coordinates group {id}", self.id)),
                    (Some(hw), Some(required)) if hw >= required => Ok(()),
                    _ if now_ms >= deadline_ms => Err(franz_err!(
                        CoordinatorNotAvailable,
                        "The group's record was not replicated within offsets.commit.timeout.ms"
                    )),
                    _ => continue,
                };
                group.store_completed(now_ms, store, result, &mut fx);
            }
            self.apply_group_effects(now_ms, &id, fx, out);
        }
    }
}

impl Broker {
    /// Kafka's `onPartitionsDeleted`: once a topic is deleted (or recreated under a new id), every group's
    /// committed offsets for it are removed, with tombstones in the offsets partitions this broker leads, so
    /// that a topic created again under that name is read from where `auto.offset.reset` says.
    pub(super) fn delete_offsets_of_deleted_topics(&mut self, now_ms: u64, out: &mut Outbox) {
        let current: VecMap<String, crate::types::TopicId> =
            self.image.topics.iter().map(|(name, t)| (name.clone(), t.topic_id)).collect();
        let gone: Vec<String> = self
            .topic_ids_seen
            .iter()
            .filter(|(name, id)| current.get(*name) != Some(id))
            .map(|(n, _)| n.clone())
            .collect();
        self.topic_ids_seen = current;
        if gone.is_empty() {
            return;
        }
        let led: Vec<u32> = self
            .topics
            .get(OFFSETS_TOPIC)
            .map(|t| t.partitions.iter().filter(|(_, p)| p.leader == self.id).map(|(&i, _)| i).collect())
            .unwrap_or_default();
        for partition in led {
            let Some(p) = self.partition(OFFSETS_TOPIC, partition) else { continue };
            let mut live: VecMap<(String, TopicPartition), bool> = VecMap::new();
            for r in p.log.iter() {
                let Some((group, tp)) = r.key.as_deref().and_then(parse_offset_commit_key) else { continue };
                if gone.contains(&tp.topic) {
                    live.insert((group, tp), r.value.is_some());
                }
            }
            let tombstones: Vec<Record> = live
                .into_iter()
                .filter(|(_, committed)| *committed)
                .map(|((group, tp), _)| Record::new(now_ms as i64, Some(offset_commit_key(&group, &tp).into()), None))
                .collect();
            if !tombstones.is_empty() {
                let tp = TopicPartition::new(OFFSETS_TOPIC, partition);
                let _ = self.append(&tp, Acks::All, (ProducerStamp::NONE, None), tombstones.into(), now_ms, out);
            }
        }
    }
}

impl Broker {
    /// Kafka's offsets retention (KIP-211, the coordinator's `cleanupGroupMetadata` every
    /// `offsets.retention.check.interval.ms`), in each offsets partition this broker leads and has loaded:
    /// an Empty group's committed offsets expire `offsets.retention.minutes` after it became Empty; a group
    /// without members or record (consumers that `assign` and commit) loses each offset that long after its
    /// commit; a Stable group, those of topics no member subscribes to. Each goes with a tombstone, and an
    /// Empty group left without offsets is deleted (its record too): a consumer that comes back starts from
    /// `auto.offset.reset`.
    pub(super) fn expire_offsets(&mut self, now_ms: u64, out: &mut Outbox) {
        let retention_ms = self.config.offsets_retention_ms;
        let count = self.image.topics.get(OFFSETS_TOPIC).map_or(0, |t| t.partitions.len() as u32);
        let led: Vec<u32> = self
            .topics
            .get(OFFSETS_TOPIC)
            .map(|t| {
                t.partitions
                    .iter()
                    .filter(|(i, p)| {
                        p.leader == self.id && self.groups_loaded.get(*i) == Some(&(self.incarnation, p.leader_epoch))
                    })
                    .map(|(&i, _)| i)
                    .collect()
            })
            .unwrap_or_default();
        for partition in led {
            let Some(p) = self.partition(OFFSETS_TOPIC, partition) else { continue };
            // Each (group, partition)'s latest commit: when it was made (`None`: deleted since). The whole log,
            // as the coordinator's memory holds it: a commit still replicating is the latest, and recent.
            let commits: Vec<((String, TopicPartition), Option<u64>)> = p
                .log
                .iter()
                .filter_map(|r| {
                    let key = r.key.as_deref().and_then(parse_offset_commit_key)?;
                    Some((key, r.value.is_some().then(|| u64::try_from(r.timestamp_ms).unwrap_or(0))))
                })
                .collect();
            let committed: VecMap<(String, TopicPartition), Option<u64>> = VecMap::from_pairs(commits);
            let mut group_ids: Vec<String> =
                self.groups.keys().filter(|id| coordinator_partition(id, count) == partition).cloned().collect();
            group_ids.extend(committed.iter().filter(|(_, at)| at.is_some()).map(|((g, _), _)| g.clone()));
            crate::collect::sort(&mut group_ids);
            group_ids.dedup();
            let mut tombstones: Vec<Record> = Vec::new();
            for group_id in group_ids {
                let group = self.groups.get(&group_id);
                let subscribed = |topic: &str| {
                    group.is_some_and(|g| g.members.values().any(|m| m.topics.iter().any(|t| t == topic)))
                };
                // Since when each offset counts (`None`: it does not expire now).
                let since = |tp: &TopicPartition, committed_ms: u64| match group {
                    None => Some(committed_ms),
                    Some(g) if g.state == GroupState::Empty => Some(g.empty_since_ms.unwrap_or(committed_ms)),
                    Some(g) if g.state == GroupState::Stable && !subscribed(&tp.topic) => Some(committed_ms),
                    Some(_) => None,
                };
                let offsets: Vec<(&TopicPartition, u64)> = committed
                    .iter()
                    .filter(|((g, _), _)| *g == group_id)
                    .filter_map(|((_, tp), at)| Some((tp, (*at)?)))
                    .collect();
                let expired: Vec<TopicPartition> = offsets
                    .iter()
                    .filter(|(tp, at)| since(tp, *at).is_some_and(|since| now_ms.saturating_sub(since) >= retention_ms))
                    .map(|(tp, _)| (*tp).clone())
                    .collect();
                let delete_group = expired.len() == offsets.len()
                    && group.is_some_and(|g| g.state == GroupState::Empty && !g.has_stores_in_flight());
                if expired.is_empty() && !delete_group {
                    continue;
                }
                tombstones.extend(
                    expired
                        .iter()
                        .map(|tp| Record::new(now_ms as i64, Some(offset_commit_key(&group_id, tp).into()), None)),
                );
                if delete_group {
                    tombstones.push(Record::new(now_ms as i64, Some(group_metadata_key(&group_id).into()), None));
                    self.groups.remove(&group_id);
                    *self.groups_deleted.entry(group_id.clone()).or_default() += 1;
                    out.history(crate::protocol::history::Op::GroupDeleted {
                        group: group_id.clone(),
                        coordinator: self.id,
                    });
                }
                if !expired.is_empty() {
                    out.history(crate::protocol::history::Op::OffsetsExpired {
                        group: group_id.clone(),
                        partitions: expired.clone(),
                        coordinator: self.id,
                    });
                }
                out.trace(crate::protocol::trace::TraceKind::OffsetsExpired {
                    group: group_id,
                    partitions: expired.iter().map(|tp| alloc::format!("{tp}")).collect(),
                    group_deleted: delete_group,
                });
            }
            if !tombstones.is_empty() {
                let tp = TopicPartition::new(OFFSETS_TOPIC, partition);
                let _ = self.append(&tp, Acks::All, (ProducerStamp::NONE, None), tombstones.into(), now_ms, out);
            }
        }
    }
}

/// Traces a new generation; within one coordinator's run a group's generation only grows (a new one bumps
/// it, nothing takes it back).
fn trace_generation(group: &crate::group::coordinator::Group, before: i32, out: &mut Outbox) {
    assert!(
        group.generation >= before,
        "group {} went back from generation {before} to {}",
        group.group_id,
        group.generation
    );
    if group.generation != before {
        out.trace(crate::protocol::trace::TraceKind::GroupRebalanced {
            group: group.group_id.clone(),
            generation: group.generation,
            members: group.members.keys().cloned().collect(),
            leader: group.leader.clone().filter(|_| !group.members.is_empty()),
            protocol: group.protocol.clone(),
        });
    }
}

/// The latest metadata record of each group in an offsets partition, the whole log read (a leader's log is
/// the partition's: what lies above its high watermark will be committed). A tombstone removes the group.
/// Each with when it was written.
fn latest_group_records(p: &super::Partition) -> VecMap<String, (GroupMetadataValue, u64)> {
    let mut groups = VecMap::new();
    for r in p.log.iter() {
        let Some(group) = r.key.as_deref().and_then(parse_group_metadata_key) else { continue };
        match r.value.as_deref().and_then(GroupMetadataValue::parse) {
            Some(value) => groups.insert(group, (value, u64::try_from(r.timestamp_ms).unwrap_or(0))),
            None => groups.remove(&group),
        };
    }
    groups
}

/// A group's committed offsets in the records of `p` below `end`.
fn committed_offsets_through(p: &super::Partition, group_id: &str, end: Offset) -> VecMap<TopicPartition, Offset> {
    let mut committed = VecMap::new();
    for r in p.log.iter().take_while(|r| r.offset < end) {
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
