//! Replication, Kafka's way. A follower fetches from its leader (one session per leader broker, all the
//! partitions it follows there) with its LEO and the epoch of its last batch; the leader checks the
//! epoch (KIP-320: a diverging follower is told where to truncate), records the follower's progress,
//! advances the high watermark over the ISR and answers with batches and the HW. The leader shrinks the
//! ISR when a follower has not caught up for `replica.lag.time.max.ms` and expands it when one catches
//! up, both through AlterPartition to the controller.

use crate::vec_map::VecMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::partition::PendingIsr;
use super::{min_isr, Broker};
use crate::error::Result;
use crate::protocol::actor::{TimerName, Timers};
use crate::protocol::message::{
    CorrelationId, Message, Outbox, PartitionState, ReplicaFetchData, ReplicaFetchPartition, ReplicaFetchResult,
};
use crate::protocol::trace::TraceKind;
use crate::types::{NodeId, Offset, NO_NODE};

/// Kafka's `replica.fetch.max.bytes`.
pub const REPLICA_FETCH_MAX_BYTES: usize = 1_048_576;
/// Kafka's `replica.fetch.backoff.ms`: the pause after a failed fetch.
pub const REPLICA_FETCH_BACKOFF_MS: u64 = 1_000;
/// How long a follower waits for a fetch answer beyond the leader's wait, before asking again.
pub const REPLICA_FETCH_TIMEOUT_MS: u64 = 2_000;
/// How long a leader waits for the controller's answer to an AlterPartition.
pub const ALTER_PARTITION_TIMEOUT_MS: u64 = 5_000;

/// A follower's fetch parked at the leader until there is something to send or its wait ends.
#[derive(Clone, Debug)]
pub(super) struct DelayedReplicaFetch {
    pub from: NodeId,
    pub correlation_id: CorrelationId,
    pub broker_epoch: u64,
    pub max_bytes: usize,
    pub partitions: Vec<ReplicaFetchPartition>,
    pub deadline_ms: u64,
}

/// A follower's fetch session with one leader broker.
#[derive(Clone, Debug, Default)]
pub(super) struct FetchSession {
    in_flight: Option<(CorrelationId, u64)>,
    backoff_until_ms: u64,
}

impl Broker {
    // The leader's side.

    pub(super) fn on_replica_fetch(&mut self, now_ms: u64, fetch: DelayedReplicaFetch, out: &mut Outbox) {
        for request in &fetch.partitions {
            self.record_follower_fetch(now_ms, fetch.from, fetch.broker_epoch, request, out);
        }
        let results = self.replica_fetch_results(fetch.from, &fetch.partitions, fetch.max_bytes);
        if worth_answering(&fetch.partitions, &results) || now_ms >= fetch.deadline_ms {
            out.send(
                fetch.from,
                Message::ReplicaFetchResponse { correlation_id: fetch.correlation_id, partitions: results },
            );
        } else {
            self.delayed_replica_fetches.push(fetch);
        }
    }

    pub(super) fn complete_replica_fetches(&mut self, now_ms: u64, out: &mut Outbox) {
        // Kafka's purgatory looks again only at the fetches watching a partition that changed. Here: while
        // no partition changed since the last look, only the fetches whose wait ended are answered (each of
        // the others was parked because its answer was not worth sending then: it still is not).
        let version = self.topics.led_version();
        let unchanged = self.replica_fetches_checked_version == Some(version);
        self.replica_fetches_checked_version = Some(version);
        for fetch in core::mem::take(&mut self.delayed_replica_fetches) {
            let due = now_ms >= fetch.deadline_ms;
            if unchanged && !due {
                debug_assert!(
                    !fetch.partitions.iter().any(|request| self.may_answer(fetch.from, request))
                        || !worth_answering(
                            &fetch.partitions,
                            &self.replica_fetch_results(fetch.from, &fetch.partitions, fetch.max_bytes)
                        ),
                    "a parked follower fetch became worth answering with no partition changed"
                );
                self.delayed_replica_fetches.push(fetch);
                continue;
            }
            // A check that reads and allocates nothing passes over the parked fetches nothing has changed for.
            if !due && !fetch.partitions.iter().any(|request| self.may_answer(fetch.from, request)) {
                self.delayed_replica_fetches.push(fetch);
                continue;
            }
            let results = self.replica_fetch_results(fetch.from, &fetch.partitions, fetch.max_bytes);
            if worth_answering(&fetch.partitions, &results) || due {
                let correlation_id = fetch.correlation_id;
                out.send(fetch.from, Message::ReplicaFetchResponse { correlation_id, partitions: results });
            } else {
                self.delayed_replica_fetches.push(fetch);
            }
        }
    }

    /// Whether [`worth_answering`] could hold for this partition of a parked fetch: true whenever the answer
    /// would carry an error, a divergence, batches, a newer HW or a moved log start (and perhaps more often).
    fn may_answer(&self, follower: NodeId, request: &ReplicaFetchPartition) -> bool {
        let Some(topic) = self.topics.get(request.topic.as_str()) else { return true };
        let Some(p) = topic.partitions.get(&request.partition) else { return true };
        p.leader != self.id
            || topic.topic_id != request.topic_id
            || request.current_leader_epoch != p.leader_epoch
            || !p.replicas.contains(&follower)
            || request.fetch_offset < p.log.log_end_offset()
            || p.high_watermark != request.high_watermark
            || p.log.log_start_offset() > request.fetch_offset
            || divergence(p, request).is_some()
    }

    /// Checks one partition of a follower's fetch against this leader; its replica if the fetch may be served.
    fn check_follower(&self, follower: NodeId, request: &ReplicaFetchPartition) -> Result<&super::Partition> {
        // Every fetch of every follower comes here: the usual case first, with nothing allocated.
        let served = self
            .topics
            .get(request.topic.as_str())
            .filter(|t| t.topic_id == request.topic_id)
            .and_then(|t| t.partitions.get(&request.partition))
            .filter(|p| {
                p.leader == self.id && p.leader_epoch == request.current_leader_epoch && p.replicas.contains(&follower)
            });
        if let Some(p) = served {
            return Ok(p);
        }
        let tp = crate::types::TopicPartition::new(request.topic.clone(), request.partition);
        let (p, _) = self.leader_partition(&tp)?;
        let topic_id = self.topics.get(&request.topic).map(|t| t.topic_id);
        if topic_id != Some(request.topic_id) {
            return Err(franz_err!(
                InconsistentTopicId,
                "{tp}: broker {follower} follows topic id {} but this leader's log has topic id {}",
                request.topic_id,
                topic_id.map_or(alloc::string::String::from("none"), |id| alloc::format!("{id}"))
            ));
        }
        super::check_leader_epoch(&tp, p, request.current_leader_epoch)?;
        if !p.replicas.contains(&follower) {
            return Err(franz_err!(NotLeaderOrFollower, "Broker {follower} is not a replica of {tp}"));
        }
        Ok(p)
    }

    /// The leader learns the follower's LEO from its fetch offset (Kafka's `updateFollowerFetchState`),
    /// may advance the HW and may ask to add the follower to the ISR.
    fn record_follower_fetch(
        &mut self,
        now_ms: u64,
        follower: NodeId,
        broker_epoch: u64,
        request: &ReplicaFetchPartition,
        out: &mut Outbox,
    ) {
        if !self.check_follower(follower, request).is_ok_and(|p| divergence(p, request).is_none()) {
            return;
        }
        let id = self.id;
        // A follower's progress alone changes nothing a parked fetch or a timer looks at.
        let Some(topic) = self.topics.quietly().get_mut(&request.topic) else { return };
        let min_isr = |p: &super::Partition| min_isr(&topic.config, p);
        let Some(p) = topic.partitions.get_mut(&request.partition) else { return };
        let leo = p.log.log_end_offset();
        if request.fetch_offset > leo {
            return;
        }
        let state = p.followers.entry(follower).or_default();
        if request.fetch_offset >= leo {
            state.last_caught_up_ms = now_ms;
        } else if request.fetch_offset >= state.last_fetch_leader_log_end_offset {
            state.last_caught_up_ms = state.last_caught_up_ms.max(state.last_fetch_ms);
        }
        state.log_end_offset = request.fetch_offset;
        state.last_fetch_ms = now_ms;
        state.broker_epoch = broker_epoch;
        state.last_fetch_leader_log_end_offset = leo;
        // Expand: caught up to the HW and to the start of this leader's epoch.
        let epoch_start = p.leader_epoch_start_offset.unwrap_or(leo);
        let expand = !p.isr.contains(&follower)
            && p.pending_isr.is_none()
            && request.fetch_offset >= p.high_watermark
            && request.fetch_offset >= epoch_start;
        let min = min_isr(p);
        let advanced = p.maybe_advance_high_watermark(id, min);
        let isr = expand.then(|| {
            let mut isr = p.isr.clone();
            isr.push(follower);
            let position = |r: &NodeId| p.replicas.iter().position(|x| x == r);
            crate::collect::sort_by(&mut isr, |a, b| position(a).cmp(&position(b)));
            isr
        });
        if let Some(high_watermark) = advanced {
            let (topic, partition) = (request.topic.clone(), request.partition);
            out.trace(TraceKind::HighWatermarkAdvanced { topic, partition, high_watermark });
            self.topics.changed();
        }
        if let Some(isr) = isr {
            self.send_alter_partition(now_ms, &request.topic, request.partition, isr, out);
        }
    }

    fn replica_fetch_results(
        &self,
        follower: NodeId,
        partitions: &[ReplicaFetchPartition],
        max_bytes: usize,
    ) -> Vec<ReplicaFetchResult> {
        let mut budget = max_bytes;
        partitions
            .iter()
            .map(|request| {
                let result = self.check_follower(follower, request).and_then(|p| {
                    let (high_watermark, log_start_offset) = (p.high_watermark, p.log.log_start_offset());
                    if let Some(diverging) = divergence(p, request) {
                        return Ok(ReplicaFetchData {
                            high_watermark,
                            log_start_offset,
                            diverging_epoch: Some(diverging),
                            batches: Vec::new(),
                        });
                    }
                    if request.fetch_offset < log_start_offset || request.fetch_offset > p.log.log_end_offset() {
                        // Below our log start: the follower starts over there (it sees log_start_offset).
                        return Ok(ReplicaFetchData {
                            high_watermark,
                            log_start_offset,
                            diverging_epoch: None,
                            batches: Vec::new(),
                        });
                    }
                    let batches =
                        if budget > 0 { p.log.read_batches(request.fetch_offset, budget)? } else { Vec::new() };
                    let bytes: usize = batches.iter().map(|b| b.size_bytes - crate::log::BATCH_OVERHEAD_BYTES).sum();
                    budget = budget.saturating_sub(bytes);
                    Ok(ReplicaFetchData { high_watermark, log_start_offset, diverging_epoch: None, batches })
                });
                ReplicaFetchResult { topic: request.topic.clone(), partition: request.partition, result }
            })
            .collect()
    }

    /// Every `replica.lag.time.max.ms / 2`, a leader drops followers that have not caught up for
    /// `replica.lag.time.max.ms` from the ISR.
    pub(super) fn check_isr(&mut self, now_ms: u64, out: &mut Outbox) {
        // An unanswered AlterPartition is asked again, never dropped (Kafka's AlterPartitionManager retries
        // until it hears back): until then the HW counts the ISR it would add (the maximal ISR), so a leader
        // cut off from the controllers cannot fall back to an older, smaller ISR and acknowledge alone.
        let mut unanswered = Vec::new();
        for (name, topic) in self.topics.iter() {
            for (&i, p) in &topic.partitions {
                if let Some(pending) = p.pending_isr.as_ref().filter(|pending| now_ms >= pending.deadline_ms) {
                    unanswered.push((name.clone(), i, pending.isr.clone()));
                }
            }
        }
        for (topic, partition, isr) in unanswered {
            self.send_alter_partition(now_ms, &topic, partition, isr, out);
        }
        let interval = self.config.replica_lag_time_max_ms / 2;
        if now_ms < self.last_isr_check_ms + interval {
            return;
        }
        self.last_isr_check_ms = now_ms;
        let lag_max = self.config.replica_lag_time_max_ms;
        let id = self.id;
        let mut shrinks = Vec::new();
        for (name, topic) in self.topics.iter() {
            for (&i, p) in &topic.partitions {
                if p.leader != id || p.pending_isr.is_some() {
                    continue;
                }
                // Kafka's isCaughtUp: at the leader's LEO, or caught up within replica.lag.time.max.ms.
                let leo = p.log.log_end_offset();
                let lagging = |r: &NodeId| {
                    *r != id
                        && p.followers.get(r).is_none_or(|f| {
                            f.log_end_offset != leo && now_ms.saturating_sub(f.last_caught_up_ms) > lag_max
                        })
                };
                if p.isr.iter().any(lagging) {
                    let isr: Vec<NodeId> = p.isr.iter().copied().filter(|r| !lagging(r)).collect();
                    shrinks.push((name.clone(), i, isr));
                }
            }
        }
        for (topic, partition, isr) in shrinks {
            self.send_alter_partition(now_ms, &topic, partition, isr, out);
        }
    }

    fn send_alter_partition(&mut self, now_ms: u64, topic: &str, partition: u32, isr: Vec<NodeId>, out: &mut Outbox) {
        let correlation_id = self.correlation_ids.next_id();
        let own_epoch = self.broker_epoch();
        let controller = self.channel.controller();
        let Some(p) = self.topics.changing().get_mut(topic).and_then(|t| t.partitions.get_mut(&partition)) else {
            return;
        };
        let (leader_epoch, partition_epoch) = (p.leader_epoch, p.partition_epoch);
        let broker_epochs = isr
            .iter()
            .map(|r| if *r == self.id { own_epoch } else { p.followers.get(r).map_or(0, |f| f.broker_epoch) })
            .collect();
        p.pending_isr =
            Some(PendingIsr { correlation_id, isr: isr.clone(), deadline_ms: now_ms + ALTER_PARTITION_TIMEOUT_MS });
        let topic = alloc::string::String::from(topic);
        out.send(
            controller,
            Message::AlterPartitionRequest(crate::protocol::message::AlterPartition {
                correlation_id,
                topic,
                partition,
                leader_epoch,
                partition_epoch,
                isr,
                broker_epochs,
            }),
        );
    }

    #[allow(clippy::too_many_arguments)] // the response's fields, as the message carries them
    pub(super) fn on_alter_partition_response(
        &mut self,
        now_ms: u64,
        from: NodeId,
        correlation_id: CorrelationId,
        topic: &str,
        partition: u32,
        result: Result<PartitionState>,
        out: &mut Outbox,
    ) {
        let id = self.id;
        let Some(t) = self.topics.changing().get_mut(topic) else { return };
        let min = |p: &super::Partition| min_isr(&t.config, p);
        let Some(p) = t.partitions.get_mut(&partition) else { return };
        if p.pending_isr.as_ref().is_none_or(|pending| pending.correlation_id != correlation_id) {
            return;
        }
        let Some(asked) = p.pending_isr.take() else { return };
        match result {
            Ok(state) if state.leader_epoch == p.leader_epoch && state.partition_epoch > p.partition_epoch => {
                p.isr = state.isr;
                p.partition_epoch = state.partition_epoch;
                let min = min(p);
                if let Some(high_watermark) = p.maybe_advance_high_watermark(id, min) {
                    let topic = alloc::string::String::from(topic);
                    out.trace(TraceKind::HighWatermarkAdvanced { topic, partition, high_watermark });
                }
            }
            Ok(_) => {}
            Err(e) if e.code == crate::error::ErrorCode::NotController => self.channel.rotate(now_ms, from),
            Err(e) => out.trace(TraceKind::AlterPartitionRefused {
                topic: alloc::string::String::from(topic),
                partition,
                isr: asked.isr,
                error: e.code,
                message: e.message,
            }),
        }
        self.complete_delayed(now_ms, out);
    }

    // The follower's side.

    /// Sends a fetch to every leader this broker follows and has no fetch out to.
    pub(super) fn send_replica_fetches(&mut self, now_ms: u64, out: &mut Outbox) {
        // Runs after every event of this broker, and a follower's fetch to each leader is almost always out
        // (parked there): the partitions followed are kept between images, and requests built only for the
        // leaders due.
        let followed = self.followed.take().unwrap_or_else(|| self.partitions_followed());
        debug_assert_eq!(followed, self.partitions_followed(), "the partitions kept are those the replicas follow");
        self.fetch_sessions.retain(|leader, s| followed.contains_key(leader) || s.in_flight.is_some());
        let max_wait_ms = self.config.replica_fetch_wait_max_ms;
        for (&leader, followed) in &followed {
            let session = self.fetch_sessions.entry(leader).or_default();
            if session.in_flight.is_some_and(|(_, deadline)| now_ms >= deadline) {
                session.in_flight = None; // the leader went silent
            }
            if session.in_flight.is_some() || now_ms < session.backoff_until_ms {
                continue;
            }
            let partitions = followed
                .iter()
                .filter_map(|(name, i)| {
                    let topic = self.topics.get(name)?;
                    let p = topic.partitions.get(i)?;
                    Some(ReplicaFetchPartition {
                        topic: name.clone(),
                        topic_id: topic.topic_id,
                        partition: *i,
                        current_leader_epoch: p.leader_epoch,
                        fetch_offset: p.log.log_end_offset(),
                        last_fetched_epoch: p.log.latest_epoch(),
                        high_watermark: p.high_watermark,
                    })
                })
                .collect();
            let correlation_id = self.correlation_ids.next_id();
            let session = self.fetch_sessions.entry(leader).or_default();
            session.in_flight = Some((correlation_id, now_ms + max_wait_ms + REPLICA_FETCH_TIMEOUT_MS));
            let max_bytes = REPLICA_FETCH_MAX_BYTES;
            let broker_epoch = self.broker_epoch();
            out.send(
                leader,
                Message::ReplicaFetchRequest { correlation_id, broker_epoch, max_wait_ms, max_bytes, partitions },
            );
        }
        self.followed = Some(followed);
    }

    /// The partitions this broker's replicas follow, by leader (in the topics' order).
    fn partitions_followed(&self) -> VecMap<NodeId, Vec<(String, u32)>> {
        let mut followed: VecMap<NodeId, Vec<(String, u32)>> = VecMap::new();
        for (name, topic) in self.topics.iter() {
            for (&i, p) in &topic.partitions {
                if p.leader != self.id && p.leader != NO_NODE {
                    followed.entry(p.leader).or_default().push((name.clone(), i));
                }
            }
        }
        followed
    }

    pub(super) fn on_replica_fetch_response(
        &mut self,
        now_ms: u64,
        leader: NodeId,
        correlation_id: CorrelationId,
        partitions: Vec<ReplicaFetchResult>,
        out: &mut Outbox,
    ) {
        let Some(session) = self.fetch_sessions.get_mut(&leader) else { return };
        if session.in_flight.is_none_or(|(id, _)| id != correlation_id) {
            return;
        }
        session.in_flight = None;
        let (mut failed, mut changed) = (false, false);
        for result in partitions {
            // An empty answer (a long poll that ended) changes nothing: only what moved counts as a change.
            let Some(topic) = self.topics.quietly().get_mut(&result.topic) else { continue };
            let config = topic.config.clone();
            let Some(p) = topic.partitions.get_mut(&result.partition) else { continue };
            if p.leader != leader {
                continue; // the leadership moved while the fetch was out
            }
            let data = match result.result {
                Ok(data) => data,
                Err(_) => {
                    failed = true;
                    continue;
                }
            };
            let (name, partition) = (result.topic, result.partition);
            let before = p.progress();
            if let Some((epoch, end)) = data.diverging_epoch {
                changed = true;
                let own_end =
                    if epoch < 0 { end } else { p.log.end_offset_for_epoch(epoch).map_or(end, |(_, e)| e.min(end)) };
                let from_offset = p.log.log_end_offset();
                let to_offset = own_end.max(p.log.log_start_offset()).min(from_offset);
                p.log.truncate_to(to_offset);
                p.high_watermark = p.high_watermark.min(to_offset);
                p.rebuild_producer_state();
                if to_offset < from_offset {
                    out.trace(TraceKind::LogTruncated { topic: name, partition, from_offset, to_offset });
                }
                continue;
            }
            if data.log_start_offset > p.log.log_end_offset() {
                p.log.truncate_fully_and_start_at(data.log_start_offset, now_ms);
                p.high_watermark = data.log_start_offset;
                p.producers.clear();
            }
            for batch in data.batches {
                let (count, stamp, base) = (batch.records.len(), batch.producer, batch.base_offset);
                if p.log.append_replicated(batch, now_ms, &config).is_err() {
                    failed = true;
                    break;
                }
                if stamp.producer_id >= 0 && count > 0 {
                    p.remember_batch(stamp, count, base);
                }
            }
            p.flush_if_messages_due(now_ms, &config);
            let leo = p.log.log_end_offset();
            p.high_watermark = data.high_watermark.min(leo).max(p.log.log_start_offset().min(leo));
            p.assert_invariants();
            changed |= p.progress() != before;
        }
        if changed {
            // Partitions led elsewhere: no parked fetch here waits on them.
            self.topics.changed_as_follower();
        }
        if failed {
            if let Some(session) = self.fetch_sessions.get_mut(&leader) {
                session.backoff_until_ms = now_ms + REPLICA_FETCH_BACKOFF_MS;
            }
        }
    }

    /// A follower fetch is out to `leader`.
    pub(super) fn fetching_from(&self, leader: NodeId) -> bool {
        self.fetch_sessions.get(&leader).is_some_and(|s| s.in_flight.is_some())
    }

    /// The leader's process is down: the fetch out to it is lost; fetch again after `replica.fetch.backoff.ms`
    /// (by then the controller may have named another leader).
    pub(super) fn leader_unreachable(&mut self, now_ms: u64, leader: NodeId, refused: Option<CorrelationId>) {
        let session = self.fetch_sessions.get_mut(&leader);
        if let Some(session) = session.filter(|s| refused.is_none_or(|id| s.in_flight.is_some_and(|(c, _)| c == id))) {
            session.in_flight = None;
            session.backoff_until_ms = now_ms + REPLICA_FETCH_BACKOFF_MS;
        }
    }

    pub(super) fn replication_timers(&self, partitions: &super::PartitionTimers, timers: &mut Timers) {
        for session in self.fetch_sessions.values() {
            match session.in_flight {
                Some((_, deadline)) => timers.set(TimerName::ReplicaSocketTimeout, deadline),
                None => timers.set(TimerName::ReplicaFetchBackoff, session.backoff_until_ms),
            }
        }
        let interval_ms = self.config.replica_lag_time_max_ms / 2;
        let isr_check = partitions.leads_with_followers.then(|| self.last_isr_check_ms + interval_ms);
        timers.set(TimerName::ReplicaLagTimeMax, isr_check);
        timers.set_all(TimerName::RequestTimeout, partitions.pending_isr_deadlines_ms.iter().copied());
    }
}

/// Where the follower's log diverges from the leader's replica `p`, if it does (KIP-320).
fn divergence(p: &super::Partition, request: &ReplicaFetchPartition) -> Option<(i32, Offset)> {
    let epoch = request.last_fetched_epoch?;
    match p.log.end_offset_for_epoch(epoch) {
        Some((found, end)) if found == epoch && end >= request.fetch_offset => None,
        Some((found, end)) => Some((found, end.min(request.fetch_offset))),
        // This leader has nothing from that epoch or before: the follower keeps nothing above our start.
        None if request.fetch_offset > p.log.log_start_offset() => Some((-1, p.log.log_start_offset())),
        None => None,
    }
}

/// A parked follower fetch is answered when some partition has batches, a divergence, an error or a
/// newer HW for it.
fn worth_answering(requests: &[ReplicaFetchPartition], results: &[ReplicaFetchResult]) -> bool {
    requests.iter().zip(results).any(|(request, result)| match &result.result {
        Err(_) => true,
        Ok(data) => {
            !data.batches.is_empty()
                || data.diverging_epoch.is_some()
                || data.high_watermark != request.high_watermark
                || data.log_start_offset > request.fetch_offset
        }
    })
}
