//! A consumer group as its coordinator keeps it (Kafka's classic protocol, eager rebalancing): members join
//! (JoinGroup), the coordinator waits for every known member or the rebalance timeout, bumps the generation
//! and names a leader; the leader's consumer computes the assignment and hands it in (SyncGroup); members
//! heartbeat within `session.timeout.ms` or are removed, which starts a new rebalance.
//!
//! The group's metadata is written to its `__consumer_offsets` partition when a rebalance completes (the
//! members get their assignment only once that record is replicated), when a static member takes an old
//! member's place, and when the group becomes Empty; a new coordinator [`Group::load`]s the latest record and
//! the generation goes on. Every request names the member (and its `group.instance.id`), checked as Kafka's
//! `ClassicGroup.validateMember` does: an unknown member is `UNKNOWN_MEMBER_ID`, an old instance whose
//! `group.instance.id` a newer one took is `FENCED_INSTANCE_ID`.
//!
//! Sans-IO like the actors: calls fill [`Effects`] (an outbox of answers and removed members, records to write);
//! `next_timer_ms` says when the coordinator must look again.

use crate::vec_map::VecMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use serde::Serialize;

use super::{GroupMetadataValue, MemberMetadataValue};
use crate::error::{FranzError, Result};
use crate::protocol::actor::{TimerName, Timers};
use crate::protocol::history::{Op, RemovalReason};
use crate::protocol::message::{CorrelationId, JoinResult, JoinedMember, Message, Outbox};
pub use crate::protocol::message::{JoinRequest, SyncRequest};
use crate::protocol::trace::TraceKind;
use crate::types::{NodeId, Offset, TopicPartition, NO_NODE};

/// Kafka's default `group.initial.rebalance.delay.ms`: a new group waits this long for more members.
pub const GROUP_INITIAL_REBALANCE_DELAY_MS: u64 = 3_000;
/// Franz's bound on members in one group.
pub const GROUP_MEMBERS_MAX: usize = 1_000;
/// Franz's bound on one group's metadata writes waiting for replication.
pub const GROUP_STORES_PENDING_MAX: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum GroupState {
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
}

impl GroupState {
    pub fn name(self) -> &'static str {
        match self {
            GroupState::Empty => "Empty",
            GroupState::PreparingRebalance => "PreparingRebalance",
            GroupState::CompletingRebalance => "CompletingRebalance",
            GroupState::Stable => "Stable",
        }
    }
}

#[derive(Clone, Debug)]
pub struct GroupMember {
    pub member_id: String,
    pub client_id: String,
    pub group_instance_id: Option<String>,
    /// Where its parked JoinGroup or SyncGroup is answered (`NO_NODE` for a member loaded from the log
    /// that has not spoken to this coordinator yet).
    pub node: NodeId,
    pub session_timeout_ms: u64,
    pub rebalance_timeout_ms: u64,
    pub topics: Vec<String>,
    pub protocols: Vec<String>,
    pub last_heartbeat_ms: u64,
    pub assignment: Vec<TopicPartition>,
    owned: Vec<TopicPartition>,
    /// The generation its JoinGroup said it is in (its `owned` partitions').
    owned_generation: i32,
    /// A JoinGroup waiting for the rebalance to complete.
    join: Option<CorrelationId>,
    /// A SyncGroup waiting for the leader's assignment.
    sync: Option<CorrelationId>,
}

impl GroupMember {
    fn new(member_id: String, from: NodeId, request: &JoinRequest, now_ms: u64) -> GroupMember {
        GroupMember {
            member_id,
            client_id: request.client_id.clone(),
            group_instance_id: request.group_instance_id.clone(),
            node: from,
            session_timeout_ms: request.session_timeout_ms,
            rebalance_timeout_ms: request.rebalance_timeout_ms,
            topics: request.topics.clone(),
            protocols: request.protocols.clone(),
            last_heartbeat_ms: now_ms,
            assignment: Vec::new(),
            owned: Vec::new(),
            owned_generation: request.generation,
            join: None,
            sync: None,
        }
    }

    /// A member as a group record holds it; its session starts afresh with the new coordinator.
    fn loaded(m: &MemberMetadataValue, generation: i32, now_ms: u64) -> GroupMember {
        GroupMember {
            member_id: m.member_id.clone(),
            client_id: m.client_id.clone(),
            group_instance_id: m.group_instance_id.clone(),
            node: NO_NODE,
            session_timeout_ms: m.session_timeout_ms,
            rebalance_timeout_ms: m.rebalance_timeout_ms,
            topics: m.topics.clone(),
            protocols: m.protocols.clone(),
            last_heartbeat_ms: now_ms,
            assignment: m.assignment.clone(),
            owned: m.assignment.clone(),
            owned_generation: generation,
            join: None,
            sync: None,
        }
    }

    /// What a (re)join says about the member: where it is, its settings and what it owns now.
    fn update(&mut self, from: NodeId, now_ms: u64, request: &JoinRequest) {
        self.node = from;
        self.client_id = request.client_id.clone();
        self.protocols = request.protocols.clone();
        self.session_timeout_ms = request.session_timeout_ms;
        self.rebalance_timeout_ms = request.rebalance_timeout_ms;
        self.last_heartbeat_ms = now_ms;
        self.owned = request.owned.clone();
        self.owned_generation = request.generation;
    }

    /// Whether its session can expire: not while its JoinGroup or SyncGroup waits at the coordinator (in
    /// Kafka its heartbeat thread keeps it alive through CompletingRebalance; the parked SyncGroup is
    /// answered REBALANCE_IN_PROGRESS when the group moves on, e.g. because the leader's session expired).
    fn awaits_session(&self) -> bool {
        self.join.is_none() && self.sync.is_none()
    }
}

/// What a group write is for: who waits for it to be replicated.
#[derive(Clone, Debug)]
enum StorePurpose {
    /// The leader's assignment of `generation`: the members get it once the record is replicated.
    Assignment { generation: i32, assignment: VecMap<String, Vec<TopicPartition>> },
    /// A static member took `old_member_id`'s place without a rebalance: its JoinGroup waits.
    StaticReplacement { new_member_id: String, old_member_id: String },
    /// The group became Empty: nobody waits.
    Empty,
}

/// A group record appended to the offsets partition, waiting for the high watermark to pass it.
#[derive(Clone, Debug)]
struct PendingStore {
    id: u64,
    purpose: StorePurpose,
    /// The offset the high watermark must reach, once appended.
    required_offset: Option<Offset>,
    deadline_ms: u64,
}

/// What a group call asks of its coordinator.
#[derive(Debug, Default)]
pub struct Effects {
    /// Answers to members (a member loaded from the log, whose node is not known, is [`NO_NODE`]: its
    /// answer is not sent), and the trace and history of members the group no longer has.
    pub out: Outbox,
    /// Group records to append, each with the id of the store waiting for it.
    pub stores: Vec<(u64, GroupMetadataValue)>,
}

impl Effects {
    fn member_removed(&mut self, group: &str, member_id: String, reason: RemovalReason) {
        let group = String::from(group);
        self.out.history(Op::GroupMemberRemoved { group: group.clone(), member_id: member_id.clone(), reason });
        self.out.trace(TraceKind::GroupMemberRemoved { group, member: member_id, reason });
    }
}

#[derive(Clone, Debug)]
pub struct Group {
    pub group_id: String,
    pub state: GroupState,
    pub generation: i32,
    pub protocol: Option<String>,
    pub leader: Option<String>,
    /// By member id.
    pub members: VecMap<String, GroupMember>,
    /// When it last became Empty (Kafka's `currentStateTimestamp`, in its record): its committed offsets
    /// expire `offsets.retention.minutes` after.
    pub empty_since_ms: Option<u64>,
    /// PreparingRebalance: when the join phase ends whoever has not rejoined.
    rebalance_deadline_ms: u64,
    /// The join phase started from Empty: it waits `group.initial.rebalance.delay.ms` for more members.
    initial_join: bool,
    /// The coordinator's `group.initial.rebalance.delay.ms`.
    pub initial_rebalance_delay_ms: u64,
    /// Member ids are `<client or instance id>-<tag>-<n>`: the tag names this coordinator's run (Kafka uses a
    /// random UUID), so that no id handed out before is handed out again after the coordinator moves.
    member_id_tag: String,
    next_member_number: u64,
    /// KIP-394: ids handed out with `MEMBER_ID_REQUIRED` that have not joined yet, and until when they are
    /// kept. A JoinGroup that times out is sent again with the id, so no ghost member waits in the group.
    pending_members: VecMap<String, u64>,
    stores: Vec<PendingStore>,
    next_store_id: u64,
}

fn fenced(instance: &str, by: &str) -> FranzError {
    franz_err!(
        FencedInstanceId,
        "group.instance.id {instance} is now member {by}: a newer consumer with this instance id took its place"
    )
}

fn rebalancing() -> FranzError {
    franz_err!(RebalanceInProgress, "The group is rebalancing; join again")
}

impl Group {
    pub fn new(group_id: &str, member_id_tag: &str) -> Group {
        Group {
            group_id: String::from(group_id),
            state: GroupState::Empty,
            generation: 0,
            protocol: None,
            leader: None,
            members: VecMap::new(),
            empty_since_ms: None,
            rebalance_deadline_ms: 0,
            initial_join: false,
            initial_rebalance_delay_ms: GROUP_INITIAL_REBALANCE_DELAY_MS,
            member_id_tag: String::from(member_id_tag),
            next_member_number: 1,
            pending_members: VecMap::new(),
            stores: Vec::new(),
            next_store_id: 1,
        }
    }

    /// The group as its latest record left it (Kafka's `loadGroup`): Stable with its members, or Empty.
    pub fn load(group_id: &str, value: &GroupMetadataValue, now_ms: u64, member_id_tag: &str) -> Group {
        let mut group = Group::new(group_id, member_id_tag);
        group.generation = value.generation;
        group.protocol = value.protocol.clone();
        group.members = value
            .members
            .iter()
            .take(GROUP_MEMBERS_MAX)
            .map(|m| (m.member_id.clone(), GroupMember::loaded(m, value.generation, now_ms)))
            .collect();
        group.leader = value.leader.clone().filter(|l| group.members.contains_key(l));
        if group.leader.is_none() {
            group.leader = group.members.keys().next().cloned();
        }
        group.state = if group.members.is_empty() { GroupState::Empty } else { GroupState::Stable };
        group
    }

    /// The record a store writes: the group now, with `assignment` if one is being handed out.
    fn metadata_value(&self, assignment: Option<&VecMap<String, Vec<TopicPartition>>>) -> GroupMetadataValue {
        let members = self
            .members
            .values()
            .map(|m| MemberMetadataValue {
                member_id: m.member_id.clone(),
                group_instance_id: m.group_instance_id.clone(),
                client_id: m.client_id.clone(),
                session_timeout_ms: m.session_timeout_ms,
                rebalance_timeout_ms: m.rebalance_timeout_ms,
                topics: m.topics.clone(),
                protocols: m.protocols.clone(),
                assignment: match assignment {
                    Some(a) => a.get(&m.member_id).cloned().unwrap_or_default(),
                    None => m.assignment.clone(),
                },
            })
            .collect();
        GroupMetadataValue {
            protocol_type: String::from("consumer"),
            generation: self.generation,
            protocol: self.protocol.clone(),
            leader: self.leader.clone(),
            members,
        }
    }

    fn static_member_id(&self, instance: &str) -> Option<&str> {
        self.members.values().find(|m| m.group_instance_id.as_deref() == Some(instance)).map(|m| m.member_id.as_str())
    }

    /// Kafka's `validateMember`: a static member must be the instance's current member id.
    fn validate_member(&self, member_id: &str, instance: Option<&str>) -> Result<()> {
        if let Some(instance) = instance {
            match self.static_member_id(instance) {
                None => {
                    return Err(franz_err!(
                        UnknownMemberId,
                        "group.instance.id {instance} has no member in group {}",
                        self.group_id
                    ))
                }
                // Not always a newer consumer: a coordinator since replaced (cut off, still answering) may have
                // handed this very consumer the id it presents.
                Some(current) if current != member_id => {
                    return Err(franz_err!(
                        FencedInstanceId,
                        "group.instance.id {instance} is member {current} in group {}, not {member_id}: a newer \
                         consumer with this instance id took its place, or {member_id} came from a coordinator that \
                         has since lost the group",
                        self.group_id
                    ))
                }
                Some(_) => {}
            }
        }
        if !self.members.contains_key(member_id) {
            return Err(franz_err!(UnknownMemberId, "Member {member_id} is not in group {}", self.group_id));
        }
        Ok(())
    }

    fn new_member_id(&mut self, request: &JoinRequest) -> String {
        let prefix = request.group_instance_id.as_deref().unwrap_or(&request.client_id);
        let id = format!("{prefix}-{}-{}", self.member_id_tag, self.next_member_number);
        self.next_member_number += 1;
        id
    }

    fn prepare_rebalance(&mut self, now_ms: u64, fx: &mut Effects) {
        let timeout = self.members.values().map(|m| m.rebalance_timeout_ms).max().unwrap_or(0);
        if self.state == GroupState::Empty {
            self.initial_join = true;
            self.rebalance_deadline_ms = now_ms + self.initial_rebalance_delay_ms.min(timeout.max(1));
        } else if self.state != GroupState::PreparingRebalance {
            self.initial_join = false;
            self.rebalance_deadline_ms = now_ms + timeout;
        }
        // Members waiting in SyncGroup learn that another rebalance began.
        for m in self.members.values_mut() {
            if let Some(correlation_id) = m.sync.take() {
                fx.out.send(m.node, Message::SyncGroupResponse { correlation_id, result: Err(rebalancing()) });
            }
        }
        self.state = GroupState::PreparingRebalance;
    }

    pub fn join(
        &mut self,
        now_ms: u64,
        from: NodeId,
        correlation_id: CorrelationId,
        request: JoinRequest,
        fx: &mut Effects,
    ) {
        let refuse = |e: FranzError, fx: &mut Effects| {
            fx.out.send(from, Message::JoinGroupResponse { correlation_id, member_id: String::new(), result: Err(e) })
        };
        let member_id = request.member_id.clone();
        // Kafka's supportsProtocols: a member whose assignors share none with every other member's is refused
        // alone; the group carries on without it.
        let others = self.members.values().filter(|m| m.member_id != member_id);
        let mut common: Option<Vec<&String>> = None;
        for m in others {
            let mine: Vec<&String> = m.protocols.iter().collect();
            common = Some(match common {
                None => mine,
                Some(c) => c.into_iter().filter(|p| mine.contains(p)).collect(),
            });
        }
        if let Some(common) = common.filter(|c| !c.iter().any(|p| request.protocols.contains(p))) {
            let e = franz_err!(
                InconsistentGroupProtocol,
                "The group's members use {common:?}; this consumer offers {:?} (partition.assignment.strategy)",
                request.protocols
            );
            return refuse(e, fx);
        }
        if self.pending_members.remove(&member_id).is_some() && request.group_instance_id.is_none() {
            self.members.insert(member_id.clone(), GroupMember::new(member_id.clone(), from, &request, now_ms));
            return self.rejoin(now_ms, from, correlation_id, &member_id, request, fx);
        }
        if !member_id.is_empty() {
            if let Err(e) = self.validate_member(&member_id, request.group_instance_id.as_deref()) {
                return refuse(e, fx);
            }
            return self.rejoin(now_ms, from, correlation_id, &member_id, request, fx);
        }
        let known = request.group_instance_id.as_deref().and_then(|i| self.static_member_id(i)).map(String::from);
        if let Some(old_member_id) = known {
            return self.replace_static_member(now_ms, from, correlation_id, &old_member_id, request, fx);
        }
        if self.members.len() + self.pending_members.len() >= GROUP_MEMBERS_MAX {
            return refuse(franz_err!(PolicyViolation, "Franz groups hold at most {GROUP_MEMBERS_MAX} members"), fx);
        }
        let member_id = self.new_member_id(&request);
        if request.group_instance_id.is_some() {
            // A static member's id is bound to its instance id: it joins at once.
            self.members.insert(member_id.clone(), GroupMember::new(member_id.clone(), from, &request, now_ms));
            return self.rejoin(now_ms, from, correlation_id, &member_id, request, fx);
        }
        // KIP-394: a dynamic member learns its id first, then joins with it.
        self.pending_members.insert(member_id.clone(), now_ms.saturating_add(request.session_timeout_ms));
        let result = Err(franz_err!(MemberIdRequired, "Join again with member id {member_id}"));
        fx.out.send(from, Message::JoinGroupResponse { correlation_id, member_id, result });
    }

    /// A member's JoinGroup: it waits for the join phase, which this starts (the eager protocol) or joins.
    fn rejoin(
        &mut self,
        now_ms: u64,
        from: NodeId,
        correlation_id: CorrelationId,
        member_id: &str,
        request: JoinRequest,
        fx: &mut Effects,
    ) {
        let Some(member) = self.members.get_mut(member_id) else { return };
        member.update(from, now_ms, &request);
        member.topics = request.topics;
        member.join = Some(correlation_id);
        if self.state != GroupState::PreparingRebalance {
            self.prepare_rebalance(now_ms, fx);
        }
        self.tick(now_ms, fx);
    }

    /// KIP-345: a static member joins with no member id while its `group.instance.id` has one. The newcomer
    /// gets a new member id and the old one's place and assignment; the old id is gone, so the instance
    /// still holding it is fenced (`FENCED_INSTANCE_ID`) at its next request. Without a change of
    /// subscription in a Stable group there is no rebalance: the record of the replacement is written, then
    /// the newcomer is answered with the current generation.
    fn replace_static_member(
        &mut self,
        now_ms: u64,
        from: NodeId,
        correlation_id: CorrelationId,
        old_member_id: &str,
        request: JoinRequest,
        fx: &mut Effects,
    ) {
        let new_member_id = self.new_member_id(&request);
        let Some(mut member) = self.members.remove(old_member_id) else { return };
        let instance = request.group_instance_id.clone().unwrap_or_default();
        if let Some(correlation_id) = member.join.take() {
            let result = Err(fenced(&instance, &new_member_id));
            fx.out.send(member.node, Message::JoinGroupResponse { correlation_id, member_id: String::new(), result });
        }
        if let Some(correlation_id) = member.sync.take() {
            let result = Err(fenced(&instance, &new_member_id));
            fx.out.send(member.node, Message::SyncGroupResponse { correlation_id, result });
        }
        fx.member_removed(&self.group_id, String::from(old_member_id), RemovalReason::Replaced);
        let unchanged =
            member.topics == request.topics && self.protocol.as_ref().is_some_and(|p| request.protocols.contains(p));
        member.member_id = new_member_id.clone();
        member.update(from, now_ms, &request);
        member.topics = request.topics;
        member.join = Some(correlation_id);
        self.members.insert(new_member_id.clone(), member);
        if self.leader.as_deref() == Some(old_member_id) {
            self.leader = Some(new_member_id.clone());
        }
        match self.state {
            GroupState::Stable if unchanged => {
                let purpose =
                    StorePurpose::StaticReplacement { new_member_id, old_member_id: String::from(old_member_id) };
                let value = self.metadata_value(None);
                self.store(now_ms, purpose, value, fx);
            }
            GroupState::PreparingRebalance => self.tick(now_ms, fx),
            // A changed subscription, or an assignment already computed for the old member id: rebalance.
            _ => {
                self.prepare_rebalance(now_ms, fx);
                self.tick(now_ms, fx);
            }
        }
    }

    pub fn sync(
        &mut self,
        now_ms: u64,
        from: NodeId,
        correlation_id: CorrelationId,
        request: SyncRequest,
        fx: &mut Effects,
    ) {
        let SyncRequest { generation, member_id, group_instance_id, assignments } = request;
        let (member_id, instance) = (member_id.as_str(), group_instance_id.as_deref());
        let reply =
            |result: Result<Vec<TopicPartition>, FranzError>| Message::SyncGroupResponse { correlation_id, result };
        if let Err(e) = self.validate_member(member_id, instance) {
            return fx.out.send(from, reply(Err(e)));
        }
        if generation != self.generation {
            let e =
                franz_err!(IllegalGeneration, "Generation {generation} is over; the group is at {}", self.generation);
            return fx.out.send(from, reply(Err(e)));
        }
        let is_leader = self.leader.as_deref() == Some(member_id);
        let storing = self
            .stores
            .iter()
            .any(|s| matches!(&s.purpose, StorePurpose::Assignment { generation: g, .. } if *g == generation));
        let Some(member) = self.members.get_mut(member_id) else { return };
        match self.state {
            GroupState::PreparingRebalance | GroupState::Empty => fx.out.send(from, reply(Err(rebalancing()))),
            GroupState::Stable => fx.out.send(from, reply(Ok(member.assignment.clone()))),
            GroupState::CompletingRebalance => {
                member.sync = Some(correlation_id);
                member.node = from;
                if is_leader && !storing {
                    // Kafka's storeGroup: the assignment reaches the members once its record is replicated,
                    // so that a new coordinator never starts from an older generation than a member saw.
                    let given: VecMap<String, Vec<TopicPartition>> = assignments.into_iter().collect();
                    let assignment = self
                        .members
                        .keys()
                        .map(|id| (id.clone(), given.get(id).cloned().unwrap_or_default()))
                        .collect();
                    let value = self.metadata_value(Some(&assignment));
                    self.store(now_ms, StorePurpose::Assignment { generation, assignment }, value, fx);
                }
            }
        }
    }

    /// Heartbeat, checked as Kafka does: the member, then its generation, then the state.
    pub fn heartbeat(&mut self, now_ms: u64, generation: i32, member_id: &str, instance: Option<&str>) -> Result<()> {
        self.validate_member(member_id, instance)?;
        if generation != self.generation {
            return Err(franz_err!(
                IllegalGeneration,
                "Generation {generation} is over; the group is at {}",
                self.generation
            ));
        }
        if let Some(member) = self.members.get_mut(member_id) {
            member.last_heartbeat_ms = now_ms;
        }
        if self.state == GroupState::PreparingRebalance {
            return Err(rebalancing());
        }
        Ok(())
    }

    pub fn leave(&mut self, now_ms: u64, member_id: &str, fx: &mut Effects) -> Result<()> {
        if self.members.remove(member_id).is_none() {
            return Err(franz_err!(UnknownMemberId, "Member {member_id} is not in group {}", self.group_id));
        }
        fx.member_removed(&self.group_id, String::from(member_id), RemovalReason::Left);
        self.after_removal(now_ms, fx);
        Ok(())
    }

    /// Kafka's `ClassicGroup.validateOffsetCommit`: a member commits in its generation; a consumer that uses
    /// `assign` (generation -1, no member id) only while the group has no members.
    pub fn validate_offset_commit(&self, member_id: &str, instance: Option<&str>, generation: i32) -> Result<()> {
        if generation < 0 && self.state == GroupState::Empty {
            return Ok(());
        }
        if generation >= 0 || !member_id.is_empty() || instance.is_some() {
            self.validate_member(member_id, instance)?;
            if generation != self.generation {
                return Err(franz_err!(
                    IllegalGeneration,
                    "The commit is from generation {generation}; group {} is at generation {}",
                    self.group_id,
                    self.generation
                ));
            }
        } else if self.state != GroupState::Empty {
            return Err(franz_err!(
                UnknownMemberId,
                "Group {} has members: a commit without a member id (a consumer using assign) is refused",
                self.group_id
            ));
        }
        if self.state == GroupState::CompletingRebalance {
            return Err(rebalancing());
        }
        Ok(())
    }

    fn after_removal(&mut self, now_ms: u64, fx: &mut Effects) {
        if self.members.is_empty() {
            self.become_empty(now_ms, fx);
        } else if self.state != GroupState::PreparingRebalance {
            self.prepare_rebalance(now_ms, fx);
        }
        self.tick(now_ms, fx);
    }

    /// No members left: the next generation is an empty one (Kafka's `initNextGeneration`), written down.
    fn become_empty(&mut self, now_ms: u64, fx: &mut Effects) {
        self.generation += 1;
        self.state = GroupState::Empty;
        self.empty_since_ms = Some(now_ms);
        self.leader = None;
        self.protocol = None;
        let value = self.metadata_value(None);
        self.store(now_ms, StorePurpose::Empty, value, fx);
    }

    /// Ends a join phase that can end, and removes members whose session expired.
    pub fn tick(&mut self, now_ms: u64, fx: &mut Effects) {
        self.pending_members.retain(|_, until_ms| now_ms < *until_ms);
        let expired: Vec<String> = self
            .members
            .values()
            .filter(|m| m.awaits_session() && now_ms >= m.last_heartbeat_ms.saturating_add(m.session_timeout_ms))
            .map(|m| m.member_id.clone())
            .collect();
        if !expired.is_empty() {
            for id in expired {
                self.members.remove(&id);
                fx.member_removed(&self.group_id, id, RemovalReason::SessionTimeout);
            }
            return self.after_removal(now_ms, fx);
        }
        if self.state != GroupState::PreparingRebalance {
            return;
        }
        let all_joined = self.members.values().all(|m| m.join.is_some());
        if !(now_ms >= self.rebalance_deadline_ms || (all_joined && !self.initial_join)) {
            return;
        }
        // Those that did not rejoin in time are out.
        let late: Vec<String> =
            self.members.values().filter(|m| m.join.is_none()).map(|m| m.member_id.clone()).collect();
        for id in late {
            self.members.remove(&id);
            fx.member_removed(&self.group_id, id, RemovalReason::RebalanceTimeout);
        }
        if self.members.is_empty() {
            return self.become_empty(now_ms, fx);
        }
        self.complete_join_phase(now_ms, fx);
    }

    /// The next generation: a leader, an assignor every member supports, and the join responses.
    fn complete_join_phase(&mut self, now_ms: u64, fx: &mut Effects) {
        self.generation += 1;
        let leader = match &self.leader {
            Some(l) if self.members.contains_key(l) => l.clone(),
            _ => self.members.keys().next().cloned().unwrap_or_default(),
        };
        let protocol = self
            .members
            .get(&leader)
            .and_then(|l| l.protocols.iter().find(|p| self.members.values().all(|m| m.protocols.contains(p))).cloned());
        self.leader = Some(leader.clone());
        self.protocol = protocol.clone();
        self.state = GroupState::CompletingRebalance;
        let everyone: Vec<JoinedMember> = self
            .members
            .values()
            .map(|m| JoinedMember {
                member_id: m.member_id.clone(),
                group_instance_id: m.group_instance_id.clone(),
                topics: m.topics.clone(),
                owned: m.owned.clone(),
                generation: m.owned_generation,
            })
            .collect();
        for m in self.members.values_mut() {
            m.assignment.clear();
            m.last_heartbeat_ms = now_ms;
            let Some(correlation_id) = m.join.take() else { continue };
            let result = match &protocol {
                None => Err(franz_err!(InconsistentGroupProtocol, "The members share no assignor")),
                Some(protocol) => Ok(JoinResult {
                    generation: self.generation,
                    protocol: protocol.clone(),
                    leader: leader.clone(),
                    member_id: m.member_id.clone(),
                    members: if m.member_id == leader { everyone.clone() } else { Vec::new() },
                    skip_assignment: false,
                }),
            };
            fx.out.send(m.node, Message::JoinGroupResponse { correlation_id, member_id: String::new(), result });
        }
    }

    pub fn timers(&self, timers: &mut Timers) {
        for m in self.members.values().filter(|m| m.awaits_session()) {
            let at_ms = m.last_heartbeat_ms.saturating_add(m.session_timeout_ms);
            timers.set_about(TimerName::SessionTimeout, at_ms, || Some(m.member_id.clone()));
        }
        let rebalance = (self.state == GroupState::PreparingRebalance).then_some(self.rebalance_deadline_ms);
        timers.set(TimerName::RebalanceTimeout, rebalance);
        timers.set_all(TimerName::OffsetsCommitTimeout, self.stores.iter().map(|s| s.deadline_ms));
        for (member_id, &at_ms) in &self.pending_members {
            timers.set_about(TimerName::SessionTimeout, at_ms, || Some(member_id.clone()));
        }
    }

    pub fn next_timer_ms(&self) -> Option<u64> {
        let mut timers = Timers::earliest();
        self.timers(&mut timers);
        timers.next_ms()
    }
}

/// Writing the group down: the coordinator appends each record the group asks for ([`Effects::stores`]),
/// tells the group where it landed, and reports when it is replicated or cannot be.
impl Group {
    fn store(&mut self, now_ms: u64, purpose: StorePurpose, value: GroupMetadataValue, fx: &mut Effects) {
        let id = self.next_store_id;
        self.next_store_id += 1;
        self.stores.push(PendingStore { id, purpose, required_offset: None, deadline_ms: now_ms });
        if self.stores.len() > GROUP_STORES_PENDING_MAX {
            let e = franz_err!(CoordinatorNotAvailable, "Too many writes of group {} in flight", self.group_id);
            return self.store_completed(now_ms, id, Err(e), fx);
        }
        fx.stores.push((id, value));
    }

    /// The record of store `id` is in the log: it counts once the high watermark reaches `required_offset`.
    pub fn store_appended(&mut self, id: u64, required_offset: Offset, deadline_ms: u64) {
        if let Some(s) = self.stores.iter_mut().find(|s| s.id == id) {
            s.required_offset = Some(required_offset);
            s.deadline_ms = deadline_ms;
        }
    }

    pub fn has_stores_in_flight(&self) -> bool {
        !self.stores.is_empty()
    }

    /// Kafka's `onGroupUnloaded`: this broker no longer coordinates the group, so the members whose JoinGroup
    /// or SyncGroup waits here hear NOT_COORDINATOR now (and find the new coordinator) rather than after
    /// their request timeout.
    pub fn unload(&mut self, fx: &mut Effects) {
        let e = || {
            FranzError::new(
                crate::error::ErrorCode::NotCoordinator,
                format!("Group {} moved to another coordinator", self.group_id),
            )
        };
        for m in self.members.values_mut() {
            if let Some(correlation_id) = m.join.take() {
                let result = Err(e());
                fx.out.send(m.node, Message::JoinGroupResponse { correlation_id, member_id: String::new(), result });
            }
            if let Some(correlation_id) = m.sync.take() {
                fx.out.send(m.node, Message::SyncGroupResponse { correlation_id, result: Err(e()) });
            }
        }
    }

    /// The writes in flight: (store id, the offset the high watermark must reach, deadline).
    pub fn stores_in_flight(&self) -> Vec<(u64, Option<Offset>, u64)> {
        self.stores.iter().map(|s| (s.id, s.required_offset, s.deadline_ms)).collect()
    }

    /// Store `id` is replicated (`Ok`) or failed: those waiting for it get their answer.
    pub fn store_completed(&mut self, now_ms: u64, id: u64, result: Result<()>, fx: &mut Effects) {
        let Some(i) = self.stores.iter().position(|s| s.id == id) else { return };
        let store = self.stores.remove(i);
        match (store.purpose, result) {
            (StorePurpose::Assignment { generation, assignment }, result) => {
                if self.state == GroupState::CompletingRebalance && self.generation == generation {
                    self.hand_out(now_ms, assignment, result, fx);
                }
            }
            (StorePurpose::StaticReplacement { new_member_id, old_member_id }, result) => {
                self.answer_static_member(&new_member_id, &old_member_id, result, fx);
            }
            (StorePurpose::Empty, _) => {}
        }
    }

    /// The generation's assignment is written: every member waiting in SyncGroup gets its share. If the
    /// write failed they get the error and the group rebalances again (Kafka's
    /// `resetAndPropagateAssignmentError`, then `maybePrepareRebalance`).
    fn hand_out(
        &mut self,
        now_ms: u64,
        mut assignment: VecMap<String, Vec<TopicPartition>>,
        result: Result<()>,
        fx: &mut Effects,
    ) {
        if let Err(e) = result {
            fx.out.trace(TraceKind::GroupAssignmentNotStored {
                group: self.group_id.clone(),
                generation: self.generation,
                error: e.code,
                message: e.message.clone(),
            });
            for m in self.members.values_mut() {
                if let Some(correlation_id) = m.sync.take() {
                    fx.out.send(m.node, Message::SyncGroupResponse { correlation_id, result: Err(e.clone()) });
                }
            }
            self.prepare_rebalance(now_ms, fx);
            return;
        }
        self.state = GroupState::Stable;
        for m in self.members.values_mut() {
            m.assignment = assignment.remove(&m.member_id).unwrap_or_default();
            if let Some(correlation_id) = m.sync.take() {
                m.last_heartbeat_ms = now_ms; // its session counts from its answer
                fx.out.send(m.node, Message::SyncGroupResponse { correlation_id, result: Ok(m.assignment.clone()) });
            }
        }
    }

    /// The replacement of a static member is written: the newcomer learns its member id and the current
    /// generation (the leader is told to skip the assignment, which stands). If the write failed, the old
    /// member id is put back and the newcomer gets the error.
    fn answer_static_member(&mut self, new_member_id: &str, old_member_id: &str, result: Result<()>, fx: &mut Effects) {
        if self.state != GroupState::Stable {
            return; // a rebalance began meanwhile: the newcomer's join waits for it
        }
        let Some(member) = self.members.get_mut(new_member_id) else { return };
        let Some(correlation_id) = member.join.take() else { return };
        let node = member.node;
        let result = match result {
            Ok(()) => {
                let is_leader = self.leader.as_deref() == Some(new_member_id);
                let members = if is_leader {
                    let (owned, generation) = (|m: &GroupMember| m.assignment.clone(), self.generation);
                    self.members
                        .values()
                        .map(|m| JoinedMember {
                            member_id: m.member_id.clone(),
                            group_instance_id: m.group_instance_id.clone(),
                            topics: m.topics.clone(),
                            owned: owned(m),
                            generation,
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                Ok(JoinResult {
                    generation: self.generation,
                    protocol: self.protocol.clone().unwrap_or_default(),
                    leader: self.leader.clone().unwrap_or_default(),
                    member_id: String::from(new_member_id),
                    members,
                    skip_assignment: is_leader,
                })
            }
            Err(e) => {
                if let Some(mut m) = self.members.remove(new_member_id) {
                    m.member_id = String::from(old_member_id);
                    self.members.insert(String::from(old_member_id), m);
                }
                if self.leader.as_deref() == Some(new_member_id) {
                    self.leader = Some(String::from(old_member_id));
                }
                Err(e)
            }
        };
        fx.out.send(node, Message::JoinGroupResponse { correlation_id, member_id: String::new(), result });
    }
}

/// One group alone, fed hand-made requests as raft-rs tests one Raft node: what it answers, and the
/// records it asks to store, are the whole of what it does.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use alloc::vec;

    const MEMBER_NODE: NodeId = 10_001;
    const TWIN_NODE: NodeId = 10_002;

    fn join_request(member_id: &str, instance: Option<&str>) -> JoinRequest {
        JoinRequest {
            member_id: member_id.into(),
            client_id: "c".into(),
            group_instance_id: instance.map(String::from),
            session_timeout_ms: 10_000,
            rebalance_timeout_ms: 30_000,
            topics: vec!["t".into()],
            protocols: vec!["range".into()],
            owned: Vec::new(),
            generation: -1,
        }
    }

    fn tp(p: u32) -> TopicPartition {
        TopicPartition::new("t", p)
    }

    /// Completes every store the effects ask for, as the broker does once the record is replicated.
    fn replicate(group: &mut Group, now_ms: u64, fx: &mut Effects) {
        for (id, _) in core::mem::take(&mut fx.stores) {
            group.store_appended(id, 1, now_ms + 5_000);
            group.store_completed(now_ms, id, Ok(()), fx);
        }
    }

    /// A dynamic member joins (KIP-394, then the initial rebalance delay), syncs as leader and is Stable.
    fn stable_group_of_one() -> (Group, String) {
        let mut g = Group::new("g", "0.1");
        let mut fx = Effects::default();
        g.join(0, MEMBER_NODE, 1, join_request("", None), &mut fx);
        let member_id = match fx.out.messages.pop() {
            Some((MEMBER_NODE, Message::JoinGroupResponse { member_id, result: Err(e), .. })) => {
                assert_eq!(e.code, ErrorCode::MemberIdRequired);
                member_id
            }
            other => panic!("a new dynamic member learns its id first: {other:?}"),
        };
        g.join(1, MEMBER_NODE, 2, join_request(&member_id, None), &mut fx);
        assert!(
            fx.out.messages.is_empty(),
            "the first join waits group.initial.rebalance.delay.ms: {:?}",
            fx.out.messages
        );
        g.tick(1 + GROUP_INITIAL_REBALANCE_DELAY_MS, &mut fx);
        match fx.out.messages.pop() {
            Some((MEMBER_NODE, Message::JoinGroupResponse { correlation_id: 2, result: Ok(joined), .. })) => {
                assert_eq!((joined.generation, joined.leader.as_str()), (1, member_id.as_str()));
            }
            other => panic!("{other:?}"),
        }
        let assignments = vec![(member_id.clone(), vec![tp(0), tp(1)])];
        let sync = SyncRequest { generation: 1, member_id: member_id.clone(), group_instance_id: None, assignments };
        g.sync(3_100, MEMBER_NODE, 3, sync, &mut fx);
        assert!(fx.out.messages.is_empty(), "the assignment is answered once its record is replicated");
        assert_eq!(fx.stores.len(), 1);
        replicate(&mut g, 3_200, &mut fx);
        match fx.out.messages.pop() {
            Some((MEMBER_NODE, Message::SyncGroupResponse { correlation_id: 3, result: Ok(partitions) })) => {
                assert_eq!(partitions, [tp(0), tp(1)]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!((g.state, g.generation), (GroupState::Stable, 1));
        (g, member_id)
    }

    #[test]
    fn a_group_forms_in_kafkas_order_and_fences_what_is_not_its_generation() {
        let (g, member_id) = stable_group_of_one();
        assert!(g.validate_offset_commit(&member_id, None, 1).is_ok());
        let code = |r: Result<()>| r.err().map(|e| e.code);
        assert_eq!(code(g.validate_offset_commit(&member_id, None, 0)), Some(ErrorCode::IllegalGeneration));
        assert_eq!(code(g.validate_offset_commit("someone-else", None, 1)), Some(ErrorCode::UnknownMemberId));
        assert!(
            g.validate_offset_commit("", None, -1).is_err(),
            "a consumer using assign cannot commit while members exist"
        );
    }

    #[test]
    fn a_second_instance_of_a_group_instance_id_replaces_the_first_under_a_new_member_id() {
        let mut g = Group::new("g", "0.1");
        let mut fx = Effects::default();
        g.join(0, MEMBER_NODE, 1, join_request("", Some("i")), &mut fx);
        g.tick(GROUP_INITIAL_REBALANCE_DELAY_MS, &mut fx);
        let first = match fx.out.messages.pop() {
            Some((MEMBER_NODE, Message::JoinGroupResponse { result: Ok(joined), .. })) => joined.member_id,
            other => panic!("a static member joins at once: {other:?}"),
        };
        let sync = SyncRequest {
            generation: 1,
            member_id: first.clone(),
            group_instance_id: Some("i".into()),
            assignments: vec![(first.clone(), vec![tp(0)])],
        };
        g.sync(3_100, MEMBER_NODE, 2, sync, &mut fx);
        replicate(&mut g, 3_200, &mut fx);
        fx.out.messages.clear();
        // The twin: same instance id, no member id.
        g.join(4_000, TWIN_NODE, 1, join_request("", Some("i")), &mut fx);
        replicate(&mut g, 4_100, &mut fx);
        let second = match fx.out.messages.pop() {
            Some((TWIN_NODE, Message::JoinGroupResponse { result: Ok(joined), .. })) => joined.member_id,
            other => panic!("{other:?}"),
        };
        assert_ne!(second, first, "KIP-345: the newcomer gets a new member id");
        assert_eq!(g.generation, 1, "a Stable group with an unchanged subscription does not rebalance");
        let removed: Vec<&str> = fx
            .out
            .history
            .iter()
            .filter_map(|op| match op {
                Op::GroupMemberRemoved { member_id, reason: RemovalReason::Replaced, .. } => Some(member_id.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(removed, [first.as_str()]);
        let fenced = g.heartbeat(4_200, 1, &first, Some("i")).unwrap_err();
        assert_eq!(fenced.code, ErrorCode::FencedInstanceId, "the old instance is fenced");
        assert!(g.heartbeat(4_200, 1, &second, Some("i")).is_ok());
        assert_eq!(
            g.validate_offset_commit(&first, Some("i"), 1).unwrap_err().code,
            ErrorCode::FencedInstanceId,
            "and so are its commits"
        );
    }
}
