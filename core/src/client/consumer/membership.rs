//! The consumer's group membership (Kafka's `AbstractCoordinator`): finding the coordinator, JoinGroup and
//! SyncGroup (the leader assigns), heartbeats, revocation and rejoining, leaving, and being fenced as a
//! static member that a newer instance replaced.

use alloc::vec::Vec;

use super::*;

impl Consumer {
    /// LeaveGroup, for a dynamic member (a static one waits for its session to expire instead).
    pub(super) fn leave_group(&mut self, now_ms: u64, out: &mut Outbox) {
        let (Some(group_id), Some(coordinator)) = (self.config.group_id.clone(), self.coordinator) else { return };
        if self.config.group_instance_id.is_some() {
            return;
        }
        let Some(m) = self.membership.as_ref().filter(|m| !m.member_id.is_empty()) else { return };
        let member_id = m.member_id.clone();
        self.request(
            now_ms,
            coordinator,
            Pending::LeaveGroup,
            |correlation_id| Message::LeaveGroupRequest { correlation_id, group_id, member_id },
            out,
        );
    }

    /// Eager rebalancing: every partition is given up before joining again (committed first with
    /// auto-commit, as Kafka's `onPartitionsRevoked` does; not when the group no longer knows this member:
    /// Kafka's `onPartitionsLost`, whose commit would be refused).
    pub(super) fn revoke_all(&mut self, now_ms: u64, commit: bool, reason: RevokeReason, out: &mut Outbox) {
        if self.assignment.is_empty() {
            return;
        }
        if commit && self.config.enable_auto_commit {
            let positions = self.positions();
            self.start_commit(now_ms, positions, CommitKind::Revocation);
        }
        let revoked = core::mem::take(&mut self.assignment);
        self.forget_requests_for(|tp| revoked.contains_key(tp));
        self.in_flight.retain(|p| !matches!(p, Pending::OffsetFetch(..)));
        // Kafka's onPartitionsLost (and a member that leaves): what it held is no longer its to claim, so its
        // next JoinGroup names no owned partitions (a stale claim would let the cooperative assignor hand a
        // partition over without the revocation phase). An eager revocation keeps the claim, for stickiness,
        // and so does the eager `sticky` assignor through a loss: it keeps its last assignment and generation
        // in its own user data (`StickyAssignor.onAssignment`; it has no `onPartitionsLost`: adversary 41).
        if reason != RevokeReason::Rebalance && (self.cooperative() || self.config.assignor != "sticky") {
            if let Some(m) = self.membership.as_mut() {
                m.owned.clear();
            }
        }
        if let (Some(group), true) = (self.config.group_id.clone(), self.membership.is_some()) {
            let partitions = revoked.into_keys().collect();
            out.history(Op::AssignmentRevoked { consumer: self.id, group, partitions, reason });
        }
    }

    /// KIP-429: a cooperative member keeps its partitions through a rebalance and gives up only those the
    /// new assignment moves away.
    pub(super) fn cooperative(&self) -> bool {
        self.config.assignor == "cooperative-sticky"
    }

    /// The group handed this member `partitions` for `generation`.
    pub(super) fn adopt(&mut self, now_ms: u64, partitions: Vec<TopicPartition>, out: &mut Outbox) {
        // Kafka's `onJoinComplete`: an assignment of topics the member no longer subscribes to (it changed
        // its subscription while joining) is not taken; it joins again with the current one at its next poll.
        if let Some(m) = self.membership.as_mut().filter(|m| partitions.iter().any(|tp| !m.topics.contains(&tp.topic)))
        {
            m.phase = Phase::Stable;
            m.next_heartbeat_ms = now_ms + self.config.heartbeat_interval_ms;
            m.session_ok_ms = now_ms;
            m.rejoin_requested = true;
            return;
        }
        if self.cooperative() {
            self.revoke_moved(&partitions, out);
        }
        let Some(m) = self.membership.as_mut() else { return };
        m.phase = Phase::Stable;
        m.next_heartbeat_ms = now_ms + self.config.heartbeat_interval_ms;
        m.session_ok_ms = now_ms;
        m.owned = partitions.clone();
        m.owned_generation = m.generation;
        if core::mem::take(&mut m.follow_up) {
            m.phase = Phase::NeedJoin;
            m.rejoin_at_ms = now_ms;
        }
        let (generation, member) = (m.generation, m.member_id.clone());
        let group = self.config.group_id.clone().unwrap_or_default();
        // A partition new to this member starts afresh (its position from the committed offset); one it
        // keeps (cooperative) keeps its position and what it fetched. Fetches still out for a partition that
        // starts afresh are answered into nothing, so that no record is buffered twice.
        let fresh: Vec<TopicPartition> =
            partitions.iter().filter(|tp| !self.assignment.contains_key(*tp)).cloned().collect();
        self.forget_requests_for(|tp| fresh.contains(tp));
        let mut kept = core::mem::take(&mut self.assignment);
        self.assignment = partitions.iter().map(|tp| (tp.clone(), kept.remove(tp).unwrap_or_default())).collect();
        out.history(Op::AssignmentReceived {
            consumer: self.id,
            group: group.clone(),
            generation,
            member_id: member.clone(),
            partitions: partitions.clone(),
        });
        let reason = ResetReason::GroupAssignment;
        out.history(Op::PositionReset { consumer: self.id, partitions: fresh, reason });
        let partitions = partitions.iter().map(|tp| alloc::format!("{tp}")).collect();
        out.trace(TraceKind::GroupAssigned { group, generation, member, partitions });
    }

    /// Cooperative: the partitions the new assignment no longer gives this member are revoked, and a member
    /// that gave some up joins again at once so that the follow-up rebalance can hand them to their new
    /// owner (KIP-429). Nothing is committed here: as Kafka's `onJoinComplete`, which may run while the
    /// application still processes what its last poll returned; the auto-commit happened when the join
    /// began, inside a poll (see `rejoin`).
    pub(super) fn revoke_moved(&mut self, partitions: &[TopicPartition], out: &mut Outbox) {
        let moved: Vec<TopicPartition> =
            self.assignment.keys().filter(|tp| !partitions.contains(tp)).cloned().collect();
        if moved.is_empty() {
            return;
        }
        for tp in &moved {
            self.assignment.remove(tp);
        }
        self.forget_requests_for(|tp| moved.contains(tp));
        if let Some(m) = self.membership.as_mut() {
            m.follow_up = true;
        }
        let group = self.config.group_id.clone().unwrap_or_default();
        out.history(Op::AssignmentRevoked {
            consumer: self.id,
            group,
            partitions: moved,
            reason: RevokeReason::Rebalance,
        });
    }

    /// A group error: join again (after a backoff for errors that are not about the rebalance itself), or
    /// stop for good if another instance took this one's `group.instance.id`.
    pub(super) fn rejoin(&mut self, now_ms: u64, error: &FranzError, out: &mut Outbox) {
        if error.code == ErrorCode::FencedInstanceId {
            return self.fence(now_ms, error, out);
        }
        if self.is_fenced() {
            return; // fenced for good, as Kafka's fatal FencedInstanceIdException (soak seed 10,022,128)
        }
        if is_coordinator_error(error.code) {
            self.lose_coordinator(now_ms);
        }
        let lost = matches!(error.code, ErrorCode::UnknownMemberId | ErrorCode::IllegalGeneration);
        if lost && !self.in_poll && self.membership.as_ref().is_some_and(|m| m.phase == Phase::Stable) {
            // Kafka's heartbeat thread only resets the generation: the member's partitions are lost, and it
            // joins again from the next poll, not while the application is away (it might never poll, and
            // would hold partitions it never reads until max.poll.interval.ms).
            if let Some(m) = self.membership.as_mut() {
                if error.code == ErrorCode::UnknownMemberId {
                    m.member_id.clear();
                }
                m.phase = Phase::LeftUntilPoll;
                m.rejoin_requested = false;
            }
            return self.revoke_all(now_ms, false, RevokeReason::Lost, out);
        }
        if !lost && !self.in_poll {
            if let Some(m) = self.membership.as_mut().filter(|m| m.phase == Phase::Stable) {
                m.rejoin_requested = true;
                return;
            }
        }
        let backoff = if error.code == ErrorCode::RebalanceInProgress { 0 } else { RETRY_BACKOFF_MS };
        // Kafka's `needsJoinPrepare`: the rebalance begins once, when a Stable member first joins again.
        let begins = self.membership.as_ref().is_some_and(|m| m.phase == Phase::Stable);
        if let Some(m) = self.membership.as_mut() {
            if matches!(error.code, ErrorCode::UnknownMemberId) {
                m.member_id.clear();
            }
            m.phase = Phase::NeedJoin;
            m.rejoin_at_ms = now_ms + backoff;
            m.rejoin_requested = false;
        }
        // A cooperative member keeps its partitions while it joins again (KIP-429), committing its positions
        // first with auto-commit as Kafka's `onJoinPrepare` does (here, inside a poll, before it returns
        // anything new); a lost member has none.
        if lost {
            self.revoke_all(now_ms, false, RevokeReason::Lost, out);
        } else if !self.cooperative() {
            self.revoke_all(now_ms, true, RevokeReason::Rebalance, out);
        } else if begins && self.config.enable_auto_commit {
            let positions = self.positions();
            self.start_commit(now_ms, positions, CommitKind::Revocation);
        }
    }

    /// FENCED_INSTANCE_ID: a newer consumer with this `group.instance.id` took the member's place. Fatal, as
    /// in Kafka: the partitions are gone, no group request follows, and every poll throws the error.
    pub(super) fn fence(&mut self, now_ms: u64, error: &FranzError, out: &mut Outbox) {
        let Some(m) = self.membership.as_mut() else { return };
        if m.phase == Phase::Fenced {
            return;
        }
        m.phase = Phase::Fenced;
        let (group, member) = (self.config.group_id.clone().unwrap_or_default(), m.member_id.clone());
        out.trace(TraceKind::ConsumerFenced { group, member });
        self.error = Some(error.clone());
        self.revoke_all(now_ms, false, RevokeReason::Fenced, out);
    }

    /// Fenced for good (Kafka's fatal `FencedInstanceIdException`): no group request goes out again.
    pub(super) fn is_fenced(&self) -> bool {
        self.membership.as_ref().is_some_and(|m| m.phase == Phase::Fenced)
    }

    /// A fenced consumer refuses everything with the error that fenced it.
    pub(super) fn check_not_fenced(&self) -> Result<()> {
        if self.is_fenced() {
            let instance = self.config.group_instance_id.as_deref().unwrap_or_default();
            return Err(franz_err!(
                FencedInstanceId,
                "This consumer was fenced: the coordinator knows group.instance.id {instance} as another member (a newer \
                 consumer took its place, or this one's member id came from a former coordinator); close it"
            ));
        }
        Ok(())
    }

    /// The coordinator is gone or unknown: find it again after `retry.backoff.ms`. As Kafka's
    /// `markCoordinatorUnknown` closes the connection, what was in flight to it fails now rather than at
    /// its timeout: commits are retried with the next coordinator, a join or sync starts again.
    pub(super) fn lose_coordinator(&mut self, now_ms: u64) {
        // Nor is the lost coordinator asked where the coordinator is: Kafka's client asks its least loaded
        // node, never one whose connection just failed (cut off, it would time out again, and members
        // would outlive their session before a second broker is asked).
        if self.coordinator.is_some_and(|c| c == self.bootstrap.current()) {
            self.bootstrap.rotate();
        }
        // The connection is closed: the next request to that broker goes on a new one (one a lost message
        // broke would otherwise lose every heartbeat after it).
        if let Some(old) = self.coordinator.take() {
            self.in_flight.close(old);
        }
        let retry_at_ms = now_ms + RETRY_BACKOFF_MS;
        self.coordinator_backoff_until_ms = retry_at_ms;
        let to_coordinator: Vec<CorrelationId> = self
            .in_flight
            .iter()
            .filter(|(_, r)| {
                let p = &r.pending;
                matches!(
                    p,
                    Pending::OffsetFetch(..)
                        | Pending::OffsetCommit(_)
                        | Pending::JoinGroup
                        | Pending::SyncGroup
                        | Pending::Heartbeat(..)
                        | Pending::LeaveGroup
                )
            })
            .map(|(c, _)| c)
            .collect();
        for correlation_id in to_coordinator {
            let Some(InFlightRequest { pending, .. }) = self.in_flight.take(correlation_id) else { continue };
            match pending {
                Pending::OffsetCommit(id) => self.drop_or_retry_commit(now_ms, id),
                Pending::OffsetFetch(asked, _) => {
                    for tp in &asked {
                        if let Some(state) = self.assignment.get_mut(tp) {
                            state.request_in_flight = false;
                        }
                    }
                }
                Pending::JoinGroup | Pending::SyncGroup => {
                    // (A fenced member stays fenced: soak seed 10,022,128.)
                    if let Some(m) = self.membership.as_mut().filter(|m| m.phase != Phase::Fenced) {
                        m.phase = Phase::NeedJoin;
                        m.rejoin_at_ms = retry_at_ms;
                    }
                }
                _ => {}
            }
        }
    }

    /// KIP-814: a static member that took the leader's place is told so without assigning (`skipAssignment`);
    /// it keeps watching the group's topics as a leader does (Kafka's `onLeaderElected` keeps the assignment
    /// snapshot), so that partitions added later still reach the group. The snapshot is the partition counts
    /// it knows, else those the current assignment implies.
    pub(super) fn keep_assignment_snapshot(&mut self, now_ms: u64, join: &crate::protocol::message::JoinResult) {
        let mut counts: crate::vec_map::VecMap<String, u32> = crate::vec_map::VecMap::new();
        for member in &join.members {
            for topic in &member.topics {
                counts.entry(topic.clone()).or_insert(0);
            }
            for tp in &member.owned {
                let count = counts.entry(tp.topic.clone()).or_insert(0);
                *count = (*count).max(tp.partition + 1);
            }
        }
        for (topic, count) in counts.iter_mut() {
            if let Some(known) = self.metadata.partition_count(topic) {
                *count = known;
            }
        }
        if let Some(m) = self.membership.as_mut().filter(|_| !counts.is_empty()) {
            m.assigned_counts = Some(counts);
            m.metadata_checked_ms = now_ms;
        }
    }

    /// As the group's leader, every `metadata.max.age.ms`: reread the topics it assigned; an answer that
    /// differs from what it assigned from makes it rejoin (Kafka's `rejoinNeededOrPending`).
    pub(super) fn refresh_assigned_metadata(&mut self, now_ms: u64, out: &mut Outbox) {
        if self.assigned_metadata_due_ms().is_none_or(|due_ms| now_ms < due_ms) {
            return;
        }
        let unknown = self.assigned_topic_unknown();
        let Some(m) = self.membership.as_mut() else { return };
        let Some(snapshot) = &m.assigned_counts else { return };
        if self.in_flight.any(|p| matches!(p, Pending::Metadata))
            || self.metadata_retry_at_ms.is_some_and(|t| t > now_ms)
        {
            return;
        }
        m.metadata_checked_ms = now_ms;
        let topics: Vec<String> = snapshot.keys().cloned().collect();
        if unknown {
            self.bootstrap.rotate(); // the broker that did not know the topic may not have caught up yet
        }
        let to = self.bootstrap.current();
        self.request(
            now_ms,
            to,
            Pending::Metadata,
            |correlation_id| Message::MetadataRequest { correlation_id, topics },
            out,
        );
    }

    /// When the leader next rereads the topics it assigned: after `metadata.max.age.ms`, or, while one of
    /// them is unknown to it (a broker that had not yet learned of it answered), after
    /// `retry.backoff.max.ms` (Kafka's client asks again for a topic answered with
    /// UNKNOWN_TOPIC_OR_PARTITION, with backoff up to that), so that the topic is assigned once it is known.
    pub(super) fn assigned_metadata_due_ms(&self) -> Option<u64> {
        let m = self.membership.as_ref().filter(|m| m.phase == Phase::Stable && m.assigned_counts.is_some())?;
        if self.closing.is_some() {
            return None; // a closing leader assigns nothing more
        }
        let wait_ms =
            if self.assigned_topic_unknown() { RETRY_BACKOFF_MAX_MS } else { self.config.metadata_max_age_ms };
        Some(m.metadata_checked_ms.saturating_add(wait_ms))
    }

    /// Whether a topic this leader assigned is unknown to its metadata.
    fn assigned_topic_unknown(&self) -> bool {
        let snapshot = self.membership.as_ref().and_then(|m| m.assigned_counts.as_ref());
        snapshot.is_some_and(|s| s.keys().any(|t| self.metadata.partition_count(t).is_none()))
    }

    /// After a metadata answer: has a topic this leader assigned gained partitions or gone?
    pub(super) fn check_assignment_snapshot(&mut self, now_ms: u64, out: &mut Outbox) {
        let Some(m) = self.membership.as_ref().filter(|m| m.phase == Phase::Stable) else { return };
        let Some(snapshot) = &m.assigned_counts else { return };
        let changed = snapshot
            .iter()
            .find(|(t, &n)| self.metadata.topic(t).is_some() && self.metadata.partition_count(t).unwrap_or(0) != n);
        let Some((topic, &before)) = changed else { return };
        let now = self.metadata.partition_count(topic).unwrap_or(0);
        let reason = alloc::format!("the partitions of {topic} changed from {before} to {now}: rebalancing");
        if let Some(m) = self.membership.as_mut() {
            m.assigned_counts = None;
        }
        self.rejoin(now_ms, &FranzError::new(ErrorCode::RebalanceInProgress, reason), out);
    }

    /// The group's requests: find the coordinator, fetch committed offsets, send commits.
    pub(super) fn fill_group(&mut self, now_ms: u64, needs_committed: Vec<TopicPartition>, out: &mut Outbox) {
        let Some(group_id) = self.config.group_id.clone() else { return };
        self.refresh_assigned_metadata(now_ms, out);
        let commits_waiting = self.commits.values().any(|c| !c.in_flight && c.retry_at_ms <= now_ms);
        let membership_work = self.membership.as_ref().is_some_and(|m| match &m.phase {
            Phase::NeedJoin => now_ms >= m.rejoin_at_ms,
            Phase::Assigning(_) => true,
            Phase::Syncing => now_ms >= m.next_heartbeat_ms,
            Phase::Stable => {
                now_ms >= m.next_heartbeat_ms
                    || (now_ms >= m.last_poll_ms + self.config.max_poll_interval_ms && !self.in_poll)
                    || now_ms >= m.session_ok_ms + self.config.session_timeout_ms
            }
            _ => false,
        });
        if needs_committed.is_empty() && !commits_waiting && !membership_work {
            return;
        }
        let Some(coordinator) = self.coordinator else {
            let asking = self.in_flight.any(|p| matches!(p, Pending::FindCoordinator));
            if !asking && now_ms >= self.coordinator_backoff_until_ms {
                let to = self.bootstrap.current();
                let group_id = group_id.clone();
                self.request(
                    now_ms,
                    to,
                    Pending::FindCoordinator,
                    |correlation_id| Message::FindCoordinatorRequest { correlation_id, group_id },
                    out,
                );
            }
            return;
        };
        if !needs_committed.is_empty() {
            for tp in &needs_committed {
                if let Some(state) = self.assignment.get_mut(tp) {
                    state.request_in_flight = true;
                }
            }
            let (group_id, partitions) = (group_id.clone(), needs_committed.clone());
            self.request(
                now_ms,
                coordinator,
                Pending::OffsetFetch(needs_committed, now_ms),
                |correlation_id| Message::OffsetFetchRequest { correlation_id, group_id, partitions },
                out,
            );
        }
        // Commits before a JoinGroup: the positions of the generation being left count in it.
        let due: Vec<u64> =
            self.commits.iter().filter(|(_, c)| !c.in_flight && c.retry_at_ms <= now_ms).map(|(&id, _)| id).collect();
        for id in due {
            let Some(commit) = self.commits.get_mut(&id) else { continue };
            commit.in_flight = true;
            commit.sent_ms = now_ms;
            let (group_id, offsets) = (group_id.clone(), commit.offsets.clone());
            let (generation, member_id) = (commit.generation, commit.member_id.clone());
            let group_instance_id = if generation >= 0 { self.config.group_instance_id.clone() } else { None };
            let sent =
                offsets.iter().map(|(tp, offset)| crate::protocol::history::CommittedOffset::new(tp, *offset, None));
            out.history(Op::OffsetCommitSent { consumer: self.id, group: group_id.clone(), offsets: sent.collect() });
            self.request(
                now_ms,
                coordinator,
                Pending::OffsetCommit(id),
                |correlation_id| Message::OffsetCommitRequest {
                    correlation_id,
                    commit: OffsetCommit { group_id, generation, member_id, group_instance_id, offsets },
                },
                out,
            );
        }
        if membership_work {
            self.fill_membership(now_ms, coordinator, &group_id, out);
        }
    }

    /// Join, assign (as leader), heartbeat, or leave for a missed poll.
    pub(super) fn fill_membership(&mut self, now_ms: u64, coordinator: NodeId, group_id: &str, out: &mut Outbox) {
        let Some(m) = self.membership.clone().filter(|m| self.closing.is_none() || self.heartbeats_while_closing(m))
        else {
            return;
        };
        let group_id = String::from(group_id);
        match m.phase {
            Phase::NeedJoin if self.commit_before_join() => {}
            Phase::NeedJoin => {
                let join = crate::group::coordinator::JoinRequest {
                    member_id: m.member_id.clone(),
                    client_id: self.config.client_id.clone().unwrap_or_default(),
                    group_instance_id: self.config.group_instance_id.clone(),
                    session_timeout_ms: self.config.session_timeout_ms,
                    rebalance_timeout_ms: self.config.max_poll_interval_ms,
                    topics: m.topics.clone(),
                    protocols: alloc::vec![self.config.assignor.clone()],
                    owned: m.owned.clone(),
                    generation: m.owned_generation,
                };
                // The JoinGroup names the current subscription: a rejoin asked for before is done by it.
                if let Some(m) = self.membership.as_mut() {
                    m.phase = Phase::Joining;
                    m.rejoin_requested = false;
                }
                // Kafka's client has one join under way at most (`AbstractCoordinator.initiateJoinGroup`): a
                // second one left the first in flight, whose loss later made a Stable member join again
                // without giving its partitions up (adversary 69).
                debug_assert!(!self.in_flight.any(|p| matches!(p, Pending::JoinGroup)), "a second JoinGroup in flight");
                let eager = !self.cooperative();
                out.history(Op::JoinGroupSent { consumer: self.id, group: group_id.clone(), eager });
                self.request(
                    now_ms,
                    coordinator,
                    Pending::JoinGroup,
                    |correlation_id| Message::JoinGroupRequest { correlation_id, group_id, join },
                    out,
                );
            }
            Phase::Assigning(join) => {
                let mut topics: Vec<String> = join.members.iter().flat_map(|x| x.topics.iter().cloned()).collect();
                crate::collect::sort(&mut topics);
                topics.dedup();
                // A topic the brokers said does not exist (deleted) counts as none: only unasked ones wait.
                let missing: Vec<String> =
                    topics.iter().filter(|t| self.metadata.topic(t).is_none()).cloned().collect();
                if !missing.is_empty() {
                    if !self.in_flight.any(|p| matches!(p, Pending::Metadata)) {
                        let to = self.bootstrap.current();
                        self.request(
                            now_ms,
                            to,
                            Pending::Metadata,
                            |correlation_id| Message::MetadataRequest { correlation_id, topics: missing },
                            out,
                        );
                    }
                    return;
                }
                let counts =
                    topics.iter().filter_map(|t| Some((t.clone(), self.metadata.partition_count(t)?))).collect();
                let members: Vec<crate::group::assignor::Member> = join
                    .members
                    .iter()
                    .map(|x| crate::group::assignor::Member {
                        member_id: x.member_id.clone(),
                        group_instance_id: x.group_instance_id.clone(),
                        topics: x.topics.clone(),
                        generation: x.generation,
                    })
                    .collect();
                let assignor = crate::group::assignor::Assignor::parse(&join.protocol)
                    .unwrap_or(crate::group::assignor::Assignor::Range);
                let previous = join.members.iter().map(|x| (x.member_id.clone(), x.owned.clone())).collect();
                let assignments: Vec<(String, Vec<TopicPartition>)> =
                    crate::group::assignor::assign(assignor, &members, &counts, &previous)
                        .map(|a| a.into_iter().collect())
                        .unwrap_or_default();
                // Cooperative-sticky's first phase withholds the partitions that move (they are revoked);
                // the leader asks for the follow-up rebalance that hands them out (KIP-429).
                let assigned: usize = assignments.iter().map(|(_, p)| p.len()).sum();
                let wanted: u32 = counts.values().sum();
                if let Some(m) = self.membership.as_mut() {
                    m.follow_up = (assigned as u32) < wanted;
                    let snapshot = topics.iter().map(|t| (t.clone(), counts.get(t).copied().unwrap_or(0))).collect();
                    m.assigned_counts = Some(snapshot);
                    m.metadata_checked_ms = now_ms;
                }
                self.send_sync(now_ms, coordinator, group_id, join.generation, assignments, out);
            }
            Phase::Stable if now_ms >= m.session_ok_ms + self.config.session_timeout_ms => {
                // Kafka's heartbeat thread: no heartbeat answered for session.timeout.ms, so the coordinator
                // may be gone; what is in flight to it fails, and the coordinator is sought again (its
                // lookup resets the session timer).
                self.lose_coordinator(now_ms);
            }
            Phase::Stable
                if now_ms >= m.last_poll_ms + self.config.max_poll_interval_ms
                    && !self.in_poll
                    && self.closing.is_none() =>
            {
                // Kafka's heartbeat thread: a consumer that stopped polling leaves, so its partitions move. It
                // commits nothing: the application may still be processing what its last poll returned.
                self.leave_group(now_ms, out);
                if let Some(m) = self.membership.as_mut() {
                    m.phase = Phase::LeftUntilPoll;
                    m.member_id.clear();
                    m.rejoin_requested = false;
                }
                self.revoke_all(now_ms, false, RevokeReason::PollTimeout, out);
            }
            // Kafka's heartbeat thread runs once the JoinGroup is answered, while the SyncGroup waits too (the
            // leader may never send its own): a member that only waited was removed with the leader (soak
            // seed 10,041,466, a crashed leader's last JoinGroup kept it in the next generation).
            Phase::Syncing if now_ms < m.next_heartbeat_ms => {}
            Phase::Stable | Phase::Syncing => {
                if self.in_flight.any(|p| matches!(p, Pending::Heartbeat(..))) {
                    return;
                }
                if let Some(m) = self.membership.as_mut() {
                    m.next_heartbeat_ms = now_ms + self.config.heartbeat_interval_ms;
                }
                let (generation, member_id) = (m.generation, m.member_id.clone());
                let group_instance_id = self.config.group_instance_id.clone();
                self.request(
                    now_ms,
                    coordinator,
                    Pending::Heartbeat(generation, member_id.clone()),
                    |correlation_id| Message::HeartbeatRequest {
                        correlation_id,
                        group_id,
                        generation,
                        member_id,
                        group_instance_id,
                    },
                    out,
                );
            }
            _ => {}
        }
    }

    pub(super) fn send_sync(
        &mut self,
        now_ms: u64,
        coordinator: NodeId,
        group_id: String,
        generation: i32,
        assignments: Vec<(String, Vec<TopicPartition>)>,
        out: &mut Outbox,
    ) {
        let Some(m) = self.membership.as_mut() else { return };
        m.phase = Phase::Syncing;
        m.next_heartbeat_ms = now_ms + self.config.heartbeat_interval_ms;
        let member_id = m.member_id.clone();
        let group_instance_id = self.config.group_instance_id.clone();
        self.request(
            now_ms,
            coordinator,
            Pending::SyncGroup,
            |correlation_id| Message::SyncGroupRequest {
                correlation_id,
                group_id,
                sync: crate::group::coordinator::SyncRequest { generation, member_id, group_instance_id, assignments },
            },
            out,
        );
    }

    /// A heartbeat that failed. The coordinator moved or went silent: find it again and keep heartbeating
    /// as the same member of the same generation (the new coordinator read the group back), keeping the
    /// partitions. Any other error is about the membership: join again (or stop, if fenced).
    pub(super) fn on_heartbeat_error(&mut self, now_ms: u64, error: &FranzError, out: &mut Outbox) {
        if error.code == ErrorCode::RebalanceInProgress {
            if let Some(m) = self.membership.as_mut() {
                m.session_ok_ms = now_ms; // the coordinator answered: Kafka's receiveHeartbeat
            }
        }
        if !is_coordinator_error(error.code) {
            return self.rejoin(now_ms, error, out);
        }
        self.lose_coordinator(now_ms);
        if let Some(m) = self.membership.as_mut() {
            m.next_heartbeat_ms = now_ms + RETRY_BACKOFF_MS;
        }
    }
}
