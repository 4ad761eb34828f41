//! A consumer group as its coordinator keeps it (Kafka's classic protocol, eager rebalancing): members join
//! (JoinGroup), the coordinator waits for every known member or the rebalance timeout, bumps the generation
//! and names a leader; the leader's consumer computes the assignment and hands it in (SyncGroup); members
//! heartbeat within `session.timeout.ms` or are removed, which starts a new rebalance.
//!
//! Sans-IO like the actors: calls return what to send (`Vec<(to, Message)>`), `next_timer_ms` says when the
//! coordinator must look again. Memory only: after a coordinator moves, members rejoin.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use serde::Serialize;

use crate::error::{FranzError, Result};
use crate::message::{CorrelationId, JoinedMember, Message};
use crate::types::{NodeId, TopicPartition};

/// Kafka's `group.initial.rebalance.delay.ms`: a new group waits this long for more members.
pub const GROUP_INITIAL_REBALANCE_DELAY_MS: u64 = 3_000;
/// Franz's bound on members in one group.
pub const GROUP_MEMBERS_MAX: usize = 1_000;

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

/// What a member asks for when it joins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinRequest {
    pub member_id: String,
    pub client_id: String,
    pub group_instance_id: Option<String>,
    pub session_timeout_ms: u64,
    pub rebalance_timeout_ms: u64,
    pub topics: Vec<String>,
    pub protocols: Vec<String>,
    pub owned: Vec<TopicPartition>,
}

#[derive(Clone, Debug)]
pub struct GroupMember {
    pub member_id: String,
    pub client_id: String,
    pub group_instance_id: Option<String>,
    pub node: NodeId,
    pub session_timeout_ms: u64,
    pub rebalance_timeout_ms: u64,
    pub topics: Vec<String>,
    pub protocols: Vec<String>,
    pub last_heartbeat_ms: u64,
    pub assignment: Vec<TopicPartition>,
    owned: Vec<TopicPartition>,
    /// A JoinGroup waiting for the rebalance to complete.
    join: Option<CorrelationId>,
    /// A SyncGroup waiting for the leader's assignment.
    sync: Option<CorrelationId>,
}

#[derive(Clone, Debug)]
pub struct Group {
    pub group_id: String,
    pub state: GroupState,
    pub generation: i32,
    pub protocol: Option<String>,
    pub leader: Option<String>,
    /// By member id.
    pub members: BTreeMap<String, GroupMember>,
    /// PreparingRebalance: when the join phase ends whoever has not rejoined.
    rebalance_deadline_ms: u64,
    next_member_number: u64,
}

type Out = Vec<(NodeId, Message)>;

impl Group {
    pub fn new(group_id: &str) -> Group {
        Group {
            group_id: String::from(group_id),
            state: GroupState::Empty,
            generation: 0,
            protocol: None,
            leader: None,
            members: BTreeMap::new(),
            rebalance_deadline_ms: 0,
            next_member_number: 1,
        }
    }

    fn prepare_rebalance(&mut self, now_ms: u64, out: &mut Out) {
        let timeout = self.members.values().map(|m| m.rebalance_timeout_ms).max().unwrap_or(0);
        if self.state == GroupState::Empty {
            self.rebalance_deadline_ms = now_ms + GROUP_INITIAL_REBALANCE_DELAY_MS.min(timeout.max(1));
        } else if self.state != GroupState::PreparingRebalance {
            self.rebalance_deadline_ms = now_ms + timeout;
        }
        // Members waiting in SyncGroup learn that another rebalance began.
        for m in self.members.values_mut() {
            if let Some(correlation_id) = m.sync.take() {
                let result = Err(franz_err!(RebalanceInProgress, "The group is rebalancing; join again"));
                out.push((m.node, Message::SyncGroupResponse { correlation_id, result }));
            }
        }
        self.state = GroupState::PreparingRebalance;
    }

    pub fn join(&mut self, now_ms: u64, from: NodeId, correlation_id: CorrelationId, request: JoinRequest) -> Out {
        let mut out = Vec::new();
        let mut member_id = request.member_id.clone();
        if member_id.is_empty() {
            // Static membership: the same instance keeps its member id (and, if nothing changed, its share).
            let known = request
                .group_instance_id
                .as_ref()
                .and_then(|i| self.members.values().find(|m| m.group_instance_id.as_ref() == Some(i)));
            member_id = match known {
                Some(m) => m.member_id.clone(),
                None => {
                    if self.members.len() >= GROUP_MEMBERS_MAX {
                        let result =
                            Err(franz_err!(PolicyViolation, "Franz groups hold at most {GROUP_MEMBERS_MAX} members"));
                        out.push((from, Message::JoinGroupResponse { correlation_id, result }));
                        return out;
                    }
                    let id = format!("{}-{}", request.client_id, self.next_member_number);
                    self.next_member_number += 1;
                    id
                }
            };
        } else if !self.members.contains_key(&member_id) {
            let result = Err(franz_err!(UnknownMemberId, "Member {member_id} is not in group {}", self.group_id));
            out.push((from, Message::JoinGroupResponse { correlation_id, result }));
            return out;
        }
        let member = self.members.entry(member_id.clone()).or_insert_with(|| GroupMember {
            member_id: member_id.clone(),
            client_id: request.client_id.clone(),
            group_instance_id: request.group_instance_id.clone(),
            node: from,
            session_timeout_ms: request.session_timeout_ms,
            rebalance_timeout_ms: request.rebalance_timeout_ms,
            topics: Vec::new(),
            protocols: Vec::new(),
            last_heartbeat_ms: now_ms,
            assignment: Vec::new(),
            owned: Vec::new(),
            join: None,
            sync: None,
        });
        member.node = from;
        member.protocols = request.protocols;
        member.session_timeout_ms = request.session_timeout_ms;
        member.rebalance_timeout_ms = request.rebalance_timeout_ms;
        member.last_heartbeat_ms = now_ms;
        member.owned = request.owned;
        // A static member coming back (a restart within its session) with the same subscription gets its
        // place back without a rebalance, as KIP-345 has it.
        let static_return = request.group_instance_id.is_some()
            && request.member_id.is_empty()
            && self.state == GroupState::Stable
            && self.generation > 0
            && member.topics == request.topics;
        if static_return {
            member.node = from;
            let result = Ok(crate::message::JoinResult {
                generation: self.generation,
                protocol: self.protocol.clone().unwrap_or_default(),
                leader: self.leader.clone().unwrap_or_default(),
                member_id: member_id.clone(),
                members: Vec::new(),
            });
            out.push((from, Message::JoinGroupResponse { correlation_id, result }));
            return out;
        }
        member.topics = request.topics;
        member.join = Some(correlation_id);
        // Any other join starts a rebalance (the eager protocol), or joins the one under way.
        if self.state != GroupState::PreparingRebalance {
            self.prepare_rebalance(now_ms, &mut out);
        }
        out.extend(self.tick(now_ms));
        out
    }

    pub fn sync(
        &mut self,
        from: NodeId,
        correlation_id: CorrelationId,
        generation: i32,
        member_id: &str,
        assignments: Vec<(String, Vec<TopicPartition>)>,
    ) -> Out {
        let mut out = Vec::new();
        let reply =
            |result: Result<Vec<TopicPartition>, FranzError>| Message::SyncGroupResponse { correlation_id, result };
        let Some(member) = self.members.get_mut(member_id) else {
            out.push((from, reply(Err(franz_err!(UnknownMemberId, "Member {member_id} is not in the group")))));
            return out;
        };
        if generation != self.generation {
            let e =
                franz_err!(IllegalGeneration, "Generation {generation} is over; the group is at {}", self.generation);
            out.push((from, reply(Err(e))));
            return out;
        }
        match self.state {
            GroupState::PreparingRebalance | GroupState::Empty => {
                out.push((from, reply(Err(franz_err!(RebalanceInProgress, "The group is rebalancing; join again")))));
            }
            GroupState::Stable => out.push((from, reply(Ok(member.assignment.clone())))),
            GroupState::CompletingRebalance => {
                member.sync = Some(correlation_id);
                member.node = from;
                if self.leader.as_deref() == Some(member_id) {
                    let assigned: BTreeMap<String, Vec<TopicPartition>> = assignments.into_iter().collect();
                    for m in self.members.values_mut() {
                        m.assignment = assigned.get(&m.member_id).cloned().unwrap_or_default();
                    }
                    self.state = GroupState::Stable;
                    for m in self.members.values_mut() {
                        if let Some(correlation_id) = m.sync.take() {
                            let result = Ok(m.assignment.clone());
                            out.push((m.node, Message::SyncGroupResponse { correlation_id, result }));
                        }
                    }
                }
            }
        }
        out
    }

    pub fn heartbeat(&mut self, now_ms: u64, generation: i32, member_id: &str) -> Result<()> {
        let Some(member) = self.members.get_mut(member_id) else {
            return Err(franz_err!(UnknownMemberId, "Member {member_id} is not in group {}", self.group_id));
        };
        member.last_heartbeat_ms = now_ms;
        if generation != self.generation {
            return Err(franz_err!(
                IllegalGeneration,
                "Generation {generation} is over; the group is at {}",
                self.generation
            ));
        }
        if self.state == GroupState::PreparingRebalance {
            return Err(franz_err!(RebalanceInProgress, "The group is rebalancing; join again"));
        }
        Ok(())
    }

    pub fn leave(&mut self, now_ms: u64, member_id: &str) -> (Result<()>, Out) {
        let mut out = Vec::new();
        if self.members.remove(member_id).is_none() {
            let e = franz_err!(UnknownMemberId, "Member {member_id} is not in group {}", self.group_id);
            return (Err(e), out);
        }
        self.after_removal(now_ms, &mut out);
        (Ok(()), out)
    }

    fn after_removal(&mut self, now_ms: u64, out: &mut Out) {
        if self.members.is_empty() {
            self.state = GroupState::Empty;
            self.leader = None;
            self.generation += 1;
        } else if self.state != GroupState::PreparingRebalance {
            self.prepare_rebalance(now_ms, out);
        }
        out.extend(self.tick(now_ms));
    }

    /// Ends a join phase that can end, and removes members whose session expired.
    pub fn tick(&mut self, now_ms: u64) -> Out {
        let mut out = Vec::new();
        let expired: Vec<String> = self
            .members
            .values()
            .filter(|m| m.join.is_none() && now_ms >= m.last_heartbeat_ms.saturating_add(m.session_timeout_ms))
            .map(|m| m.member_id.clone())
            .collect();
        if !expired.is_empty() {
            for id in &expired {
                self.members.remove(id);
            }
            self.after_removal(now_ms, &mut out);
            return out;
        }
        if self.state != GroupState::PreparingRebalance {
            return out;
        }
        let all_joined = self.members.values().all(|m| m.join.is_some());
        if !(now_ms >= self.rebalance_deadline_ms || (all_joined && self.generation > 0)) {
            return out;
        }
        self.members.retain(|_, m| m.join.is_some()); // those that did not rejoin in time are out
        if self.members.is_empty() {
            self.state = GroupState::Empty;
            return out;
        }
        self.generation += 1;
        let leader = match &self.leader {
            Some(l) if self.members.contains_key(l) => l.clone(),
            _ => self.members.keys().next().cloned().unwrap_or_default(),
        };
        let protocol = self.members[&leader]
            .protocols
            .iter()
            .find(|p| self.members.values().all(|m| m.protocols.contains(p)))
            .cloned();
        self.leader = Some(leader.clone());
        self.protocol = protocol.clone();
        self.state = GroupState::CompletingRebalance;
        let everyone: Vec<JoinedMember> = self
            .members
            .values()
            .map(|m| JoinedMember { member_id: m.member_id.clone(), topics: m.topics.clone(), owned: m.owned.clone() })
            .collect();
        for m in self.members.values_mut() {
            m.assignment.clear();
            m.last_heartbeat_ms = now_ms;
            let Some(correlation_id) = m.join.take() else { continue };
            let result = match &protocol {
                None => Err(franz_err!(InconsistentGroupProtocol, "The members share no assignor")),
                Some(protocol) => Ok(crate::message::JoinResult {
                    generation: self.generation,
                    protocol: protocol.clone(),
                    leader: leader.clone(),
                    member_id: m.member_id.clone(),
                    members: if m.member_id == leader { everyone.clone() } else { Vec::new() },
                }),
            };
            out.push((m.node, Message::JoinGroupResponse { correlation_id, result }));
        }
        out
    }

    pub fn next_timer_ms(&self) -> Option<u64> {
        let sessions = self
            .members
            .values()
            .filter(|m| m.join.is_none())
            .map(|m| m.last_heartbeat_ms.saturating_add(m.session_timeout_ms));
        let rebalance = (self.state == GroupState::PreparingRebalance).then_some(self.rebalance_deadline_ms);
        sessions.chain(rebalance).min()
    }
}
