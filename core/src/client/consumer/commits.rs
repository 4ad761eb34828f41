//! The consumer's commits (Kafka's `ConsumerCoordinator` commit path): `commitSync`, auto-commit and the
//! commit of revoked positions, each as the member and generation it was made in, retried until
//! `default.api.timeout.ms`, and refused as Kafka's `CommitFailedException` when the group moved on.

use alloc::vec::Vec;

use super::*;

impl Consumer {
    /// `commitSync(offsets?)`: stores the given offsets (or every known position) as the group's next
    /// offsets to read; the outcome appears in [`Consumer::take_commit_result`].
    pub fn commit(
        &mut self,
        now_ms: u64,
        offsets: Option<Vec<(TopicPartition, Offset)>>,
        out: &mut Outbox,
    ) -> Result<u64> {
        if self.config.group_id.is_none() {
            return Err(franz_err!(
                InvalidGroupId,
                "To commit offsets the consumer needs a group id (groupId / group.id)"
            ));
        }
        self.check_not_fenced()?;
        // (As many as it may be assigned: unbounded, a list of millions went whole through the request path.)
        let max = super::ASSIGNED_PARTITIONS_MAX;
        if let Some(n) = offsets.as_ref().map(Vec::len).filter(|&n| n > max) {
            return Err(franz_err!(InvalidRequest, "A commit names at most {max} partitions; this one has {n}"));
        }
        if let Some((tp, offset)) = offsets.iter().flatten().find(|(_, o)| *o > crate::types::OFFSET_MAX) {
            return Err(franz_err!(
                InvalidRequest,
                "Cannot commit offset {offset} for {tp}: offsets go up to 2^53 - 1 ({})",
                crate::types::OFFSET_MAX
            ));
        }
        let explicit = offsets.is_some();
        let offsets = offsets.unwrap_or_else(|| self.positions());
        // Nothing to commit is done at once, whatever the group's state (Kafka's `commitOffsetsSync` returns
        // for empty offsets before it looks at the generation: a member owning nothing while the group
        // rebalances is not refused). Not for a member that left or was removed since its last poll: Franz
        // shows its partitions gone at once, where Kafka's consumer keeps them until the next poll, so its
        // commit fails there (CommitFailedException).
        let left = self.membership.as_ref().is_some_and(|m| m.phase == Phase::LeftUntilPoll);
        if offsets.is_empty() && !left {
            return Ok(self.start_commit(now_ms, offsets, CommitKind::Sync));
        }
        if let Some(m) = self.membership.as_ref().filter(|m| m.phase != Phase::Stable) {
            // Kafka's client refuses before asking: no generation to commit in.
            return Err(match m.phase {
                Phase::LeftUntilPoll => franz_err!(
                    UnknownMemberId,
                    "CommitFailedException: the consumer is not part of an active group (it left for exceeding max.poll.interval.ms, or the coordinator removed it); poll to rejoin"
                ),
                _ => franz_err!(
                    RebalanceInProgress,
                    "RebalanceInProgressException: the consumer is rebalancing; call poll() to complete the rebalance, then commit again"
                ),
            });
        }
        let id = self.start_commit(now_ms, offsets, CommitKind::Sync);
        if let Some(commit) = self.commits.get_mut(&id) {
            commit.explicit = explicit;
        }
        self.fill(now_ms, out);
        Ok(id)
    }

    pub fn take_commit_result(&mut self, id: u64) -> Option<Result<()>> {
        self.commit_results.remove(&id)
    }

    pub(super) fn positions(&self) -> Vec<(TopicPartition, Offset)> {
        self.assignment.iter().filter_map(|(tp, s)| Some((tp.clone(), s.position?))).collect()
    }

    pub(super) fn start_commit(
        &mut self,
        now_ms: u64,
        offsets: Vec<(TopicPartition, Offset)>,
        kind: CommitKind,
    ) -> u64 {
        let id = self.next_commit_id;
        self.next_commit_id += 1;
        if offsets.is_empty() {
            if kind == CommitKind::Sync {
                self.commit_results.insert(id, Ok(()));
            }
            return id;
        }
        let deadline_ms = now_ms.saturating_add(crate::client::admin::DEFAULT_API_TIMEOUT_MS);
        // As this member of this generation (Kafka: -1 and no member id for a consumer using assign).
        let (generation, member_id) = match &self.membership {
            Some(m) => (m.generation, m.member_id.clone()),
            None => (-1, String::new()),
        };
        let commit = PendingCommit {
            offsets,
            generation,
            member_id,
            in_flight: false,
            retry_at_ms: now_ms,
            deadline_ms,
            kind,
            explicit: false,
            sent_ms: now_ms,
            started_ms: now_ms,
        };
        self.commits.insert(id, commit);
        id
    }

    /// A commit that failed in a way worth retrying: again after `retry.backoff.ms`, unless it is an
    /// auto-commit (then the next auto-commit comes after the backoff, with the positions of then).
    pub(super) fn drop_or_retry_commit(&mut self, now_ms: u64, id: u64) {
        let Some(commit) = self.commits.get_mut(&id) else { return };
        commit.in_flight = false;
        commit.retry_at_ms = now_ms + RETRY_BACKOFF_MS;
        if commit.kind == CommitKind::Auto {
            self.commits.remove(&id);
            let next_ms = now_ms + RETRY_BACKOFF_MS;
            self.last_auto_commit_ms = next_ms.saturating_sub(self.config.auto_commit_interval_ms);
        }
    }

    /// Kafka's `onJoinPrepare` waits for the commit of the positions it revoked: a JoinGroup first would let
    /// the group move to the next generation and refuse that commit.
    pub(super) fn commit_before_join(&self) -> bool {
        let Some(m) = self.membership.as_ref() else { return false };
        let revoking = |c: &PendingCommit| c.kind == CommitKind::Revocation && c.generation == m.generation;
        m.generation >= 0 && self.commits.values().any(|c| c.in_flight && revoking(c))
    }

    /// A commit's answer: with the topic ids the coordinator wrote it under, once accepted.
    pub(super) fn on_commit_result(
        &mut self,
        now_ms: u64,
        id: u64,
        result: Result<Vec<(String, crate::types::TopicId)>>,
        out: &mut Outbox,
    ) {
        let Some(commit) = self.commits.get_mut(&id) else { return };
        commit.in_flight = false;
        if let Err(e) = &result {
            // Kafka's coordinator checks the request and the member before it writes anything: these answers
            // come only from there (a write that fails later answers NOT_COORDINATOR or
            // COORDINATOR_NOT_AVAILABLE, which say nothing of whether it landed).
            use ErrorCode::*;
            let before_writing =
                [IllegalGeneration, UnknownMemberId, RebalanceInProgress, FencedInstanceId, UnknownTopicOrPartition];
            if before_writing.contains(&e.code) {
                let group = self.config.group_id.clone().unwrap_or_default();
                let requested_ms = commit.sent_ms;
                out.history(Op::OffsetCommitRefused { consumer: self.id, group, requested_ms, error: e.code });
            }
            // Kafka's OffsetCommit handler fails at once on a partition that does not exist.
            if e.retriable() && e.code != ErrorCode::UnknownTopicOrPartition && now_ms < commit.deadline_ms {
                self.drop_or_retry_commit(now_ms, id);
                if is_coordinator_error(e.code) {
                    self.lose_coordinator(now_ms);
                }
                return;
            }
        }
        let Some(commit) = self.commits.remove(&id) else { return };
        let result = match result {
            Ok(topic_ids) => {
                let group = self.config.group_id.clone().unwrap_or_default();
                let topic_id = |topic: &str| topic_ids.iter().find(|(name, _)| name == topic).map(|&(_, id)| id);
                let offsets = commit
                    .offsets
                    .iter()
                    .map(|(tp, offset)| CommittedOffset::new(tp, *offset, topic_id(&tp.topic)))
                    .collect();
                out.history(Op::OffsetsCommitted {
                    consumer: self.id,
                    group,
                    offsets,
                    explicit: commit.explicit,
                    generation: commit.generation,
                    member_id: commit.member_id.clone(),
                    requested_ms: commit.sent_ms,
                    positions_ms: commit.started_ms,
                });
                Ok(())
            }
            Err(e) => {
                if commit.kind == CommitKind::Revocation && self.closing == Some(super::Closing::Committing) {
                    self.fail_close_commit(e.code, out);
                }
                Err(self.on_commit_refused(now_ms, &commit, e, out))
            }
        };
        if commit.kind == CommitKind::Sync {
            self.commit_results.insert(id, result);
        }
        self.maybe_finish_close(now_ms, out);
    }

    /// A commit the group refused because this member is not (or no longer) in the generation it named:
    /// Kafka's `CommitFailedException`. If the member still stands where the commit did, it joins again.
    pub(super) fn on_commit_refused(
        &mut self,
        now_ms: u64,
        commit: &PendingCommit,
        e: FranzError,
        out: &mut Outbox,
    ) -> FranzError {
        // Kafka's `generationUnchanged`: only an answer about the member as it still stands changes it.
        let unchanged = self
            .membership
            .as_ref()
            .is_some_and(|m| m.generation == commit.generation && m.member_id == commit.member_id);
        let stable = self.membership.as_ref().is_some_and(|m| m.phase == Phase::Stable);
        match e.code {
            ErrorCode::FencedInstanceId if unchanged => {
                self.fence(now_ms, &e, out);
                e
            }
            ErrorCode::IllegalGeneration
            | ErrorCode::UnknownMemberId
            | ErrorCode::RebalanceInProgress
            | ErrorCode::FencedInstanceId => {
                if unchanged && stable {
                    self.rejoin(now_ms, &e, out);
                }
                FranzError::new(
                    e.code,
                    alloc::format!(
                        "CommitFailedException: the commit cannot be completed since the group has already rebalanced and may have assigned the partitions to another member; this consumer must join the group again (poll), then commit what it processes after that ({})",
                        e.message
                    ),
                )
            }
            _ => e,
        }
    }
}
