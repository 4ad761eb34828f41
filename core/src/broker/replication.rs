//! Replication, Kafka's way. A follower fetches from its leader (one session per leader broker, all the
//! partitions it follows there) with its LEO and the epoch of its last batch; the leader checks the
//! epoch (KIP-320: a diverging follower is told where to truncate), records the follower's progress,
//! advances the high watermark over the ISR and answers with batches and the HW. The leader shrinks the
//! ISR when a follower has not caught up for `replica.lag.time.max.ms` and expands it when one catches
//! up, both through AlterPartition to the controller.

use crate::vec_map::VecMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::lifecycle::CONTROLLER_RETRY_BACKOFF_MS;
use super::partition::PendingIsr;
use super::{min_isr, Broker};
use crate::error::Result;
use crate::protocol::actor::{TimerName, Timers};
use crate::protocol::message::{
    CorrelationId, FetchSessionId, Message, Outbox, PartitionState, ReplicaFetch, ReplicaFetchData,
    ReplicaFetchPartition, ReplicaFetchResult,
};
use crate::protocol::trace::TraceKind;
use crate::types::{LeaderEpoch, NodeId, Offset, TopicId, NO_NODE};

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
    /// The session it came in (its partitions are the session's).
    pub session_id: FetchSessionId,
    /// The session's full fetch: answered for every partition.
    pub full: bool,
    pub max_bytes: usize,
    pub deadline_ms: u64,
}

/// A follower's fetch session as its leader keeps it (KIP-227): what the follower last told of each
/// partition it fetches here, so that its fetches need to name only what changed.
#[derive(Clone, Debug, Default)]
pub(super) struct ReplicaFetchSession {
    id: FetchSessionId,
    /// The epoch the next incremental fetch carries.
    next_epoch: i32,
    /// Sorted by topic and partition.
    partitions: Vec<ReplicaFetchPartition>,
    broker_epoch: u64,
    /// When the follower last fetched: what a state kept in the session ([`FollowerState::in_fetch_session`])
    /// reads as its last fetch.
    ///
    /// [`FollowerState::in_fetch_session`]: super::partition::FollowerState::in_fetch_session
    pub(super) last_fetch_ms: u64,
    /// The led version once the last fetch was recorded: while it holds, a partition a fetch does not name
    /// records nothing new.
    recorded_at_led_version: Option<u64>,
    /// The led version at which no partition of the session had anything to answer.
    quiet_at_led_version: Option<u64>,
}

impl ReplicaFetchSession {
    fn position(&self, topic: &str, partition: u32) -> core::result::Result<usize, usize> {
        self.partitions.binary_search_by(|p| (p.topic.as_str(), p.partition).cmp(&(topic, partition)))
    }
}

/// A follower's fetch session with one leader broker.
#[derive(Clone, Debug, Default)]
pub(super) struct FetchSession {
    in_flight: Option<(CorrelationId, u64)>,
    backoff_until_ms: u64,
    /// The leader's session for this broker and the epoch of the next fetch in it; `None`: the next fetch
    /// is full (Kafka's `FetchSessionHandler`).
    session: Option<(FetchSessionId, i32)>,
    /// What the leader's session holds: each partition as last told, sorted by topic and partition.
    told: Vec<ReplicaFetchPartition>,
    /// The topics' version when `told` was last compared with the replicas.
    told_at_version: Option<u64>,
    /// Partitions whose last answer was an error, left out of the fetches until the time given (Kafka's
    /// `delayPartitions` by `replica.fetch.backoff.ms`): the session's other partitions go on at once.
    /// Cleared when the partitions followed change (new metadata may have resolved the error).
    delayed: Vec<(String, u32, u64)>,
}

impl FetchSession {
    /// A fetch failed or was refused: the next one is full, in a new session.
    fn reset(&mut self) {
        self.session = None;
        self.told.clear();
        self.told_at_version = None;
    }
}

impl Broker {
    // The leader's side.

    pub(super) fn on_replica_fetch(&mut self, now_ms: u64, from: NodeId, fetch: ReplicaFetch, out: &mut Outbox) {
        let ReplicaFetch { correlation_id, broker_epoch, max_wait_ms, max_bytes, .. } = fetch;
        let full = fetch.session_id == 0;
        let (mut session, named) = match self.open_replica_fetch_session(from, fetch) {
            Ok(opened) => opened,
            Err(e) => return refuse_replica_fetch(from, correlation_id, e, out),
        };
        // Only the partitions the fetch names, unless this leader's side changed since the last fetch.
        let led_version = self.topics.led_version();
        let lazy =
            !full && session.recorded_at_led_version == Some(led_version) && session.broker_epoch == broker_epoch;
        session.broker_epoch = broker_epoch;
        let since_ms = session.last_fetch_ms;
        if lazy {
            for &i in &named {
                self.record_follower_fetch(now_ms, from, broker_epoch, &session.partitions[i], since_ms, out);
            }
        } else {
            for request in &session.partitions {
                self.record_follower_fetch(now_ms, from, broker_epoch, request, since_ms, out);
            }
        }
        session.last_fetch_ms = now_ms;
        session.recorded_at_led_version = Some(self.topics.led_version());
        let deadline_ms = now_ms.saturating_add(max_wait_ms);
        let (partitions, worth) = self.replica_fetch_answer(from, &session, full, Some(&named), max_bytes, false);
        session.quiet_at_led_version = (!worth).then_some(self.topics.led_version());
        let session_id = session.id;
        self.replica_fetch_sessions.insert(from, session); // in place: VecMap replaces
        if worth || now_ms >= deadline_ms {
            out.send(from, Message::ReplicaFetchResponse { correlation_id, session: Ok(session_id), partitions });
        } else {
            let parked = DelayedReplicaFetch { from, correlation_id, session_id, full, max_bytes, deadline_ms };
            self.delayed_replica_fetches.push(parked);
        }
    }

    /// The follower's session after this fetch (a new one for a full fetch), taken out of the map (to be
    /// put back), and the indexes of the partitions the fetch names; or why the fetch is refused.
    fn open_replica_fetch_session(
        &mut self,
        from: NodeId,
        fetch: ReplicaFetch,
    ) -> Result<(ReplicaFetchSession, Vec<usize>)> {
        // Taken out by a swap, so that the map's entries do not move for each fetch.
        let existing = self.replica_fetch_sessions.get_mut(&from).map(core::mem::take);
        if fetch.session_id == 0 {
            if let Some(old) = existing {
                self.close_replica_fetch_session(from, &old, old.partitions.iter());
            }
            self.last_replica_fetch_session_id = self.last_replica_fetch_session_id % i32::MAX + 1;
            let mut partitions = fetch.partitions;
            crate::collect::sort_by(&mut partitions, |a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
            partitions.dedup_by(|a, b| a.topic == b.topic && a.partition == b.partition);
            let named = (0..partitions.len()).collect();
            let session = ReplicaFetchSession {
                id: self.last_replica_fetch_session_id,
                next_epoch: 1,
                partitions,
                broker_epoch: fetch.broker_epoch,
                ..ReplicaFetchSession::default()
            };
            return Ok((session, named));
        }
        let mut session = match existing {
            Some(session) if session.id == fetch.session_id => session,
            other => {
                // Another session (a newer one) stays as it is.
                if let Some(other) = other {
                    self.replica_fetch_sessions.insert(from, other);
                }
                return Err(franz_err!(
                    FetchSessionIdNotFound,
                    "Broker {} keeps no fetch session {} for broker {from}: fetch in full",
                    self.id,
                    fetch.session_id
                ));
            }
        };
        if fetch.session_epoch != session.next_epoch {
            self.close_replica_fetch_session(from, &session, session.partitions.iter());
            self.replica_fetch_sessions.remove(&from);
            return Err(franz_err!(
                InvalidFetchSessionEpoch,
                "Fetch session {} of broker {from} expected epoch {}, got {}: fetch in full",
                session.id,
                session.next_epoch,
                fetch.session_epoch
            ));
        }
        session.next_epoch = session.next_epoch % i32::MAX + 1;
        for (topic, partition) in &fetch.forgotten {
            if let Ok(i) = session.position(topic, *partition) {
                let forgotten = session.partitions.remove(i);
                self.close_replica_fetch_session(from, &session, core::iter::once(&forgotten));
            }
        }
        // Whether each of the session's partitions is named, kept aligned with them as they are inserted.
        let mut named = alloc::vec![false; session.partitions.len()];
        for request in fetch.partitions {
            match session.position(&request.topic, request.partition) {
                Ok(i) => {
                    session.partitions[i] = request;
                    named[i] = true;
                }
                Err(i) => {
                    session.partitions.insert(i, request);
                    named.insert(i, true);
                }
            }
        }
        let named = named.iter().enumerate().filter(|(_, &named)| named).map(|(i, _)| i).collect();
        Ok((session, named))
    }

    /// The follower no longer fetches these partitions in `session`: what the session kept of them lazily
    /// is written down.
    fn close_replica_fetch_session<'a>(
        &mut self,
        follower: NodeId,
        session: &ReplicaFetchSession,
        partitions: impl Iterator<Item = &'a ReplicaFetchPartition>,
    ) {
        for request in partitions {
            let topic = self.topics.quietly().get_mut(&request.topic);
            let p = topic.and_then(|t| t.partitions.get_mut(&request.partition));
            if let Some(state) = p.and_then(|p| p.followers.get_mut(&follower)) {
                *state = state.settled(session.last_fetch_ms);
                state.in_fetch_session = false;
            }
        }
    }

    /// What to answer a fetch of `session`: every partition for a full fetch, those worth answering for an
    /// incremental one; and whether it is worth answering (else it waits, unless its wait ended: `due`).
    /// `named`: the partitions the fetch just named, the only ones that can have something to answer while
    /// the session is quiet.
    fn replica_fetch_answer(
        &self,
        follower: NodeId,
        session: &ReplicaFetchSession,
        full: bool,
        named: Option<&[usize]>,
        max_bytes: usize,
        due: bool,
    ) -> (Vec<ReplicaFetchResult>, bool) {
        let quiet = session.quiet_at_led_version == Some(self.topics.led_version());
        let all = session.partitions.iter();
        if full {
            if quiet && !due {
                return (Vec::new(), false);
            }
            let results = self.replica_fetch_results(follower, all, max_bytes, false);
            let worth = worth_answering(&session.partitions, &results);
            return (results, worth);
        }
        let results = match named {
            _ if !quiet => self.replica_fetch_results(follower, all, max_bytes, true),
            Some(named) => {
                let named = named.iter().map(|&i| &session.partitions[i]);
                self.replica_fetch_results(follower, named, max_bytes, true)
            }
            None => Vec::new(),
        };
        let worth = !results.is_empty();
        (results, worth)
    }

    pub(super) fn complete_replica_fetches(&mut self, now_ms: u64, out: &mut Outbox) {
        // Kafka's purgatory looks again only at the fetches watching a partition that changed: here, a parked
        // fetch whose wait has not ended is looked at again only if one of its session's partitions changed
        // since the last look (each was parked because its answer was not worth sending then: if none of
        // its partitions changed, it still is not). All are, when what changed is not known one by one.
        let version = self.topics.led_version();
        let checked = self.replica_fetches_checked_version;
        let changed = self.topics.led_changes_since(checked);
        self.replica_fetches_checked_version = Some(version);
        let unchanged = changed.as_ref().is_some_and(|changed| changed.is_empty());
        if unchanged && self.delayed_replica_fetches.iter().all(|f| now_ms < f.deadline_ms) {
            debug_assert!(
                self.delayed_replica_fetches.iter().all(|fetch| !self.parked_replica_fetch_worth_answering(fetch)),
                "a parked follower fetch became worth answering with no partition changed"
            );
            return;
        }
        // Those still waiting go back into a list with room for all (growing it from nothing each time cost).
        let parked = self.delayed_replica_fetches.len();
        for fetch in core::mem::replace(&mut self.delayed_replica_fetches, Vec::with_capacity(parked)) {
            let due = now_ms >= fetch.deadline_ms;
            let session = self.replica_fetch_sessions.get_mut(&fetch.from).filter(|s| s.id == fetch.session_id);
            if let (false, Some(session), Some(changed)) = (due, session, &changed) {
                if !changed.iter().any(|tp| session.position(&tp.topic, tp.partition).is_ok()) {
                    // Still as quiet as when it was last found so, if that was since the last look.
                    if session.quiet_at_led_version.is_some_and(|quiet| checked.is_some_and(|c| quiet >= c)) {
                        session.quiet_at_led_version = Some(version);
                    }
                    debug_assert!(
                        !self.parked_replica_fetch_worth_answering(&fetch),
                        "a parked follower fetch became worth answering with none of its partitions changed"
                    );
                    self.delayed_replica_fetches.push(fetch);
                    continue;
                }
            }
            let Some(session) = self.replica_fetch_sessions.get(&fetch.from).filter(|s| s.id == fetch.session_id)
            else {
                // The follower gave up on this fetch and opened another session (or none is left): answered
                // when its wait ends, as every request is, though no longer awaited.
                if due {
                    let e = franz_err!(FetchSessionIdNotFound, "Fetch session {} was replaced", fetch.session_id);
                    refuse_replica_fetch(fetch.from, fetch.correlation_id, e, out);
                } else {
                    self.delayed_replica_fetches.push(fetch);
                }
                continue;
            };
            let (partitions, worth) = match (&changed, due) {
                // Only its partitions that changed since the last look can have become worth answering (at
                // that look, or when it was parked, none was): read whole at each change, a restarted follower's
                // fetch of thousands of partitions cost their square as their ISR changes came one by one
                // (adversary 56). (In the session's order, as a whole reading answers; a full fetch is read
                // whole once it is worth answering.)
                (Some(changed), false) => {
                    let mut touched: Vec<usize> =
                        changed.iter().filter_map(|tp| session.position(&tp.topic, tp.partition).ok()).collect();
                    crate::collect::sort(&mut touched);
                    touched.dedup();
                    let touched = touched.iter().map(|&i| &session.partitions[i]);
                    let results = self.replica_fetch_results(fetch.from, touched, fetch.max_bytes, true);
                    let answer = match (fetch.full, results.is_empty()) {
                        (true, false) => {
                            self.replica_fetch_answer(fetch.from, session, true, None, fetch.max_bytes, false)
                        }
                        (true, true) => (Vec::new(), false),
                        (false, empty) => (results, !empty),
                    };
                    debug_assert!(
                        {
                            let whole = self.replica_fetch_answer(
                                fetch.from,
                                session,
                                fetch.full,
                                None,
                                fetch.max_bytes,
                                false,
                            );
                            whole.1 == answer.1 && (!whole.1 || whole.0 == answer.0)
                        },
                        "a parked fetch became worth answering in a partition that changed"
                    );
                    answer
                }
                _ => self.replica_fetch_answer(fetch.from, session, fetch.full, None, fetch.max_bytes, due),
            };
            if let Some(session) = self.replica_fetch_sessions.get_mut(&fetch.from) {
                session.quiet_at_led_version = (!worth).then_some(version);
            }
            if worth || due {
                let (correlation_id, session) = (fetch.correlation_id, Ok(fetch.session_id));
                out.send(fetch.from, Message::ReplicaFetchResponse { correlation_id, session, partitions });
            } else {
                self.delayed_replica_fetches.push(fetch);
            }
        }
    }

    /// Whether a parked fetch's answer, read in full, would be worth sending (for debug assertions).
    fn parked_replica_fetch_worth_answering(&self, fetch: &DelayedReplicaFetch) -> bool {
        let session = self.replica_fetch_sessions.get(&fetch.from).filter(|s| s.id == fetch.session_id);
        session.is_some_and(|session| {
            let results = self.replica_fetch_results(fetch.from, session.partitions.iter(), fetch.max_bytes, false);
            worth_answering(&session.partitions, &results)
        })
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
        session_last_fetch_ms: u64,
        out: &mut Outbox,
    ) {
        let valid = self.check_follower(follower, request).is_ok_and(|p| divergence(p, request).is_none());
        let id = self.id;
        // A follower's progress alone changes nothing a parked fetch or a timer looks at.
        let Some(topic) = self.topics.quietly().get_mut(&request.topic) else { return };
        let min_isr = |p: &super::Partition| min_isr(&topic.config, p);
        let Some(p) = topic.partitions.get_mut(&request.partition) else { return };
        let leo = p.log.log_end_offset();
        if !valid || request.fetch_offset > leo {
            // Not recorded: what the session kept of it lazily is written down, and stays as it is.
            if let Some(state) = p.followers.get_mut(&follower) {
                *state = state.settled(session_last_fetch_ms);
                state.in_fetch_session = false;
            }
            return;
        }
        let state = p.followers.entry(follower).or_default();
        *state = state.settled(session_last_fetch_ms);
        state.in_fetch_session = true;
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
        let advanced = if expand {
            let mut isr = p.isr.clone();
            isr.push(follower);
            let position = |r: &NodeId| p.replicas.iter().position(|x| x == r);
            crate::collect::sort_by(&mut isr, |a, b| position(a).cmp(&position(b)));
            // As Kafka's `updateFollowerFetchState`: the expansion first, then the HW, over the maximal ISR
            // that now counts the follower at the offset it was judged in sync at. The other way round, the HW
            // passed the follower's log end while it joined the ISR, and it was elected without a record
            // acknowledged (soak seed 10,010,911).
            self.send_alter_partition(now_ms, &request.topic, request.partition, isr, None, out);
            let topic = self.topics.quietly().get_mut(&request.topic);
            let Some((config, p)) = topic.and_then(|t| Some((&t.config, t.partitions.get_mut(&request.partition)?)))
            else {
                return;
            };
            let min = super::min_isr(config, p);
            p.maybe_advance_high_watermark(id, min)
        } else {
            let min = min_isr(p);
            p.maybe_advance_high_watermark(id, min)
        };
        if let Some(high_watermark) = advanced {
            let (topic, partition) = (request.topic.clone(), request.partition);
            out.trace(TraceKind::HighWatermarkAdvanced { topic, partition, high_watermark });
            self.topics.changed_partition(&request.topic, request.partition);
        }
    }

    /// The answer for each partition, in order, within `max_bytes` of records; with `only_worth`, only the
    /// partitions worth answering (an incremental fetch's answer).
    fn replica_fetch_results<'a>(
        &self,
        follower: NodeId,
        partitions: impl Iterator<Item = &'a ReplicaFetchPartition>,
        max_bytes: usize,
        only_worth: bool,
    ) -> Vec<ReplicaFetchResult> {
        let mut budget = max_bytes;
        partitions
            .filter(|request| !only_worth || self.may_answer(follower, request))
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
                    if request.fetch_offset > p.log.log_end_offset() {
                        // Past our log end, with no epoch to compare (a follower whose log retention emptied,
                        // after an unclean election): as Kafka's follower does on OFFSET_OUT_OF_RANGE above the
                        // leader's end, it truncates to that end (soak seed 10,039,266: it stayed above, out of
                        // the ISR for good).
                        return Ok(ReplicaFetchData {
                            high_watermark,
                            log_start_offset,
                            diverging_epoch: Some((-1, p.log.log_end_offset())),
                            batches: Vec::new(),
                        });
                    }
                    if request.fetch_offset < log_start_offset {
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
                let (topic, topic_id, partition) = (request.topic.clone(), request.topic_id, request.partition);
                (request, ReplicaFetchResult { topic, topic_id, partition, result })
            })
            .filter(|(request, result)| !only_worth || worth_answering_partition(request, result))
            .map(|(_, result)| result)
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
                if let Some(pending) =
                    p.pending_isr.as_ref().filter(|pending| pending.deadline_ms.is_some_and(|d| now_ms >= d))
                {
                    unanswered.push((name.clone(), i, pending.isr.clone(), pending.broker_epochs.clone()));
                }
            }
        }
        // The same change, as Kafka's AlterPartitionManager resends the same item: with the broker epochs it was
        // judged at, not the members' current ones (soak seed 10,041,848: a follower judged in sync lost power
        // and its unflushed records; the retry named its new incarnation, and the controller took it into the
        // ISR with an empty log, then elected it).
        for (topic, partition, isr, broker_epochs) in unanswered {
            self.send_alter_partition(now_ms, &topic, partition, isr, Some(broker_epochs), out);
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
                            let f = f.settled(self.replica_fetch_sessions.get(r).map_or(0, |s| s.last_fetch_ms));
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
            self.send_alter_partition(now_ms, &topic, partition, isr, None, out);
        }
    }

    /// Asks the controller for `isr`; `broker_epochs`: a retry's (see `PendingIsr`), None to take each member's
    /// current one.
    fn send_alter_partition(
        &mut self,
        now_ms: u64,
        topic: &str,
        partition: u32,
        isr: Vec<NodeId>,
        broker_epochs: Option<Vec<u64>>,
        out: &mut Outbox,
    ) {
        let correlation_id = self.correlation_ids.next_id();
        let own_epoch = self.broker_epoch();
        let controller = self.channel.controller();
        let topics = self.topics.changing_partition(topic, partition);
        let Some(p) = topics.get_mut(topic).and_then(|t| t.partitions.get_mut(&partition)) else {
            return;
        };
        let (leader_epoch, partition_epoch) = (p.leader_epoch, p.partition_epoch);
        let broker_epochs: Vec<u64> = broker_epochs.unwrap_or_else(|| {
            isr.iter()
                .map(|r| if *r == self.id { own_epoch } else { p.followers.get(r).map_or(0, |f| f.broker_epoch) })
                .collect()
        });
        p.pending_isr = Some(PendingIsr {
            correlation_id,
            isr: isr.clone(),
            broker_epochs: broker_epochs.clone(),
            deadline_ms: Some(now_ms + ALTER_PARTITION_TIMEOUT_MS),
        });
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
        let Some(t) = self.topics.changing_partition(topic, partition).get_mut(topic) else { return };
        let min = |p: &super::Partition| min_isr(&t.config, p);
        let Some(p) = t.partitions.get_mut(&partition) else { return };
        if p.pending_isr.as_ref().is_none_or(|pending| pending.correlation_id != correlation_id) {
            return;
        }
        // When the change is asked again; None: once the metadata log shows the partition's next state.
        let ask_again = |p: &mut super::Partition, deadline_ms: Option<u64>| {
            if let Some(pending) = p.pending_isr.as_mut() {
                pending.deadline_ms = deadline_ms;
            }
        };
        // Kafka's `Partition.handleAlterPartitionUpdate` and `handleAlterPartitionError`. Only an answer that
        // says the change was not made, from the partition state this leader has, drops the pending change;
        // any other keeps it in the maximal ISR: the change may be committed already (an earlier attempt
        // whose answer was lost), and a leader that fell back to its smaller ISR would advance the HW without
        // a replica the controller counts in sync, and may elect. (Soak seed 10,008,615: __consumer_offsets
        // acknowledged by a leader alone, then led by the replica it left out, which had none of it.)
        use crate::error::ErrorCode;
        match result {
            Ok(state) if state.leader_epoch == p.leader_epoch && state.partition_epoch >= p.partition_epoch => {
                p.pending_isr = None;
                p.isr = state.isr;
                p.partition_epoch = state.partition_epoch;
                let min = min(p);
                if let Some(high_watermark) = p.maybe_advance_high_watermark(id, min) {
                    let topic = alloc::string::String::from(topic);
                    out.trace(TraceKind::HighWatermarkAdvanced { topic, partition, high_watermark });
                }
            }
            // An answer from a state this leader does not have yet: the metadata log will bring it.
            Ok(_) => ask_again(p, None),
            // Asked again (of the next controller, or once there is room): Kafka's AlterPartitionManager
            // retries these itself.
            Err(e) if matches!(e.code, ErrorCode::NotController | ErrorCode::PolicyViolation) => {
                ask_again(p, Some(now_ms + CONTROLLER_RETRY_BACKOFF_MS));
                if e.code == ErrorCode::NotController {
                    self.channel.rotate(now_ms, from);
                }
            }
            Err(e) => {
                let asked_isr = p.pending_isr.as_ref().map(|pending| pending.isr.clone()).unwrap_or_default();
                if e.code == ErrorCode::IneligibleReplica {
                    // Refused at this leader's partition epoch: the change was not made, by any controller.
                    p.pending_isr = None;
                } else {
                    // A stale leader epoch or partition epoch, or a partition the controller does not know.
                    ask_again(p, None);
                }
                out.trace(TraceKind::AlterPartitionRefused {
                    topic: alloc::string::String::from(topic),
                    partition,
                    isr: asked_isr,
                    error: e.code,
                    message: e.message,
                });
            }
        }
        self.complete_delayed(now_ms, out);
    }

    // The follower's side.

    /// Sends a fetch to every leader this broker follows and has no fetch out to.
    pub(super) fn send_replica_fetches(&mut self, now_ms: u64, out: &mut Outbox) {
        // Runs after every event of this broker, and a follower's fetch to each leader is almost always out
        // (parked there): the partitions followed are kept between images, and requests built only for the
        // leaders due.
        let recomputed = self.followed.is_none();
        if !recomputed && now_ms < self.replica_fetches_due_ms {
            debug_assert!(
                self.followed.iter().flat_map(|f| f.keys()).all(|leader| self.fetch_sessions.get(leader).is_some_and(
                    |s| s.in_flight.map_or(now_ms < s.backoff_until_ms, |(_, deadline_ms)| now_ms < deadline_ms)
                )),
                "no fetch is due before replica_fetches_due_ms"
            );
            return; // every fetch is out, or backing off
        }
        let followed = self.followed.take().unwrap_or_else(|| self.partitions_followed());
        debug_assert_eq!(followed, self.partitions_followed(), "the partitions kept are those the replicas follow");
        // Every leader followed has a session, and no other session is kept once its fetch is back; so while
        // the leaders followed stay the same, the sessions are walked beside them (no lookup per leader).
        if recomputed || self.fetch_sessions.len() != followed.len() {
            // (A session no longer followed is kept while its fetch may still be answered; one whose answer
            // was lost goes at its deadline, or its timer would fire every millisecond: found by an adversary,
            // ~1,000 events a second per broker for minutes after a lossy network healed.)
            self.fetch_sessions.retain(|leader, s| {
                followed.contains_key(leader) || s.in_flight.is_some_and(|(_, deadline_ms)| now_ms < deadline_ms)
            });
            for &leader in followed.keys() {
                self.fetch_sessions.entry(leader).or_default();
            }
        }
        let max_wait_ms = self.config.replica_fetch_wait_max_ms;
        let version = self.topics.version();
        let broker_epoch = self.broker_epoch();
        let mut sessions = self.fetch_sessions.iter_mut();
        for (&leader, followed) in &followed {
            let Some(session) = sessions.by_ref().find_map(|(&l, s)| (l == leader).then_some(s)) else {
                debug_assert!(false, "every leader followed has a fetch session");
                break;
            };
            if recomputed {
                session.told_at_version = None;
            }
            if session.in_flight.is_some_and(|(_, deadline)| now_ms >= deadline) {
                session.in_flight = None; // the leader went silent
                session.reset();
            }
            if recomputed {
                session.delayed.clear();
            }
            if session.in_flight.is_some() || now_ms < session.backoff_until_ms {
                continue;
            }
            let delays_before = session.delayed.len();
            session.delayed.retain(|&(_, _, until_ms)| now_ms < until_ms);
            if session.delayed.len() != delays_before {
                session.told_at_version = None; // partitions back from their delay are told again
            }
            let kept: Vec<(String, u32)>;
            let followed: &[(String, u32)] = if session.delayed.is_empty() {
                followed
            } else {
                let delayed = &session.delayed;
                kept = followed
                    .iter()
                    .filter(|(name, i)| !delayed.iter().any(|(t, p, _)| t == name && p == i))
                    .cloned()
                    .collect();
                &kept
            };
            let (session_id, session_epoch, partitions, forgotten) = match session.session {
                None => {
                    let partitions: Vec<ReplicaFetchPartition> =
                        followed.iter().filter_map(|(name, i)| fetch_state(&self.topics, name, *i)).collect();
                    session.told = partitions.clone();
                    (0, 0, partitions, Vec::new())
                }
                // Nothing changed on this broker since the leader was last told: an empty fetch.
                Some((id, epoch)) if session.told_at_version == Some(version) => (id, epoch, Vec::new(), Vec::new()),
                Some((id, epoch)) => {
                    let (partitions, forgotten) = tell_changes(&self.topics, followed, &mut session.told);
                    (id, epoch, partitions, forgotten)
                }
            };
            session.told_at_version = Some(version);
            if let Some((_, epoch)) = session.session.as_mut() {
                *epoch = *epoch % i32::MAX + 1;
            }
            let correlation_id = self.correlation_ids.next_id();
            session.in_flight = Some((correlation_id, now_ms + max_wait_ms + REPLICA_FETCH_TIMEOUT_MS));
            let max_bytes = REPLICA_FETCH_MAX_BYTES;
            out.send(
                leader,
                Message::ReplicaFetchRequest(ReplicaFetch {
                    correlation_id,
                    broker_epoch,
                    max_wait_ms,
                    max_bytes,
                    session_id,
                    session_epoch,
                    partitions,
                    forgotten,
                }),
            );
        }
        self.followed = Some(followed);
        self.replica_fetches_due_ms = self
            .fetch_sessions
            .values()
            .map(|s| s.in_flight.map_or(s.backoff_until_ms, |(_, deadline_ms)| deadline_ms))
            .min()
            .unwrap_or(u64::MAX);
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
        session_id: Result<FetchSessionId>,
        partitions: Vec<ReplicaFetchResult>,
        out: &mut Outbox,
    ) {
        let Some(session) = self.fetch_sessions.get_mut(&leader) else { return };
        if session.in_flight.is_none_or(|(id, _)| id != correlation_id) {
            return;
        }
        session.in_flight = None;
        self.replica_fetches_due_ms = 0;
        match session_id {
            // The full fetch opened this session: the next fetches are incremental.
            Ok(id) if session.session.is_none() => session.session = Some((id, 1)),
            Ok(_) => {}
            // FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH: at once in full (Kafka's fetcher does
            // not back off for these).
            Err(_) => session.reset(),
        }
        let mut failed: Vec<(String, u32)> = Vec::new();
        for result in partitions {
            // An empty answer (a long poll that ended) changes nothing: only what moved counts as a change.
            let Some(topic) = self.topics.quietly().get_mut(&result.topic) else { continue };
            if topic.topic_id != result.topic_id {
                continue; // the topic was deleted and created again while the fetch was out
            }
            let (config, topic_id) = (topic.config.clone(), topic.topic_id);
            let Some(p) = topic.partitions.get_mut(&result.partition) else { continue };
            if p.leader != leader {
                continue; // the leadership moved while the fetch was out
            }
            let (name, partition) = (result.topic, result.partition);
            let data = match result.result {
                Ok(data) => data,
                Err(_) => {
                    failed.push((name, partition));
                    continue;
                }
            };
            let before = p.progress();
            if let Some((epoch, end)) = data.diverging_epoch {
                let own_end = match p.log.end_offset_for_epoch(epoch) {
                    _ if epoch < 0 => end,
                    Some((_, e)) => e.min(end),
                    // Every epoch this log knows came after the leader's: all it holds from its first epoch on
                    // diverged (Kafka's `endOffsetFor` answers the first epoch's start offset). Explorer seed
                    // 181: a zombie leader's records at epoch 9 matched an unclean leader's log end at epoch 3,
                    // and the replica stayed out of the ISR for good.
                    None => p.log.epoch_cache().first().map_or(end, |&(_, start)| start.min(end)),
                };
                let from_offset = p.log.log_end_offset();
                let to_offset = own_end.min(from_offset);
                if to_offset < p.log.log_start_offset() {
                    // Below this replica's log start (retention moved it past where the new leader's log
                    // ends, after an unclean election): as Kafka's `truncateTo`, the log restarts empty there.
                    p.restart_log_at(to_offset, now_ms);
                } else {
                    p.log.truncate_to(to_offset);
                }
                p.high_watermark = p.high_watermark.min(to_offset);
                p.rebuild_producer_state();
                self.topics.changed_partition_not_led(&name, partition);
                if to_offset < from_offset {
                    out.trace(TraceKind::LogTruncated { topic: name, partition, from_offset, to_offset });
                }
                continue;
            }
            if data.log_start_offset > p.log.log_end_offset() {
                p.restart_log_at(data.log_start_offset, now_ms);
                p.high_watermark = data.log_start_offset;
            }
            for batch in data.batches {
                let (count, stamp, base) = (batch.records.len(), batch.producer, batch.base_offset);
                if p.log.append_replicated(batch, now_ms, &config).is_err() {
                    failed.push((name.clone(), partition));
                    break;
                }
                if stamp.producer_id >= 0 && count > 0 {
                    p.remember_batch(stamp, count, base);
                }
            }
            p.flush_if_messages_due(now_ms, &config);
            // The leader's log start, as Kafka's follower takes it (`maybeIncrementLogStartOffset`).
            let removed = p.log.advance_start_to(data.log_start_offset).removed;
            super::housekeeping::removed(out, self.id, &name, partition, topic_id, p.leader_epoch, removed);
            let leo = p.log.log_end_offset();
            p.high_watermark = data.high_watermark.min(leo).max(p.log.log_start_offset().min(leo));
            p.assert_invariants();
            if p.progress() != before {
                self.topics.changed_partition_not_led(&name, partition);
            }
        }
        if !failed.is_empty() {
            if let Some(session) = self.fetch_sessions.get_mut(&leader) {
                let until_ms = now_ms + REPLICA_FETCH_BACKOFF_MS;
                session.delayed.extend(failed.into_iter().map(|(name, partition)| (name, partition, until_ms)));
                session.told_at_version = None; // the next fetch leaves them out
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
            session.reset();
            self.replica_fetches_due_ms = 0;
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
        let isr_check = (partitions.led_with_followers > 0).then(|| self.last_isr_check_ms + interval_ms);
        timers.set(TimerName::ReplicaLagTimeMax, isr_check);
        timers.set_all(TimerName::RequestTimeout, partitions.pending_isr_deadlines_ms.iter().copied());
    }
}

/// Answers a follower's fetch with a session error (it fetches in full next).
fn refuse_replica_fetch(to: NodeId, correlation_id: CorrelationId, e: crate::error::FranzError, out: &mut Outbox) {
    out.send(to, Message::ReplicaFetchResponse { correlation_id, session: Err(e), partitions: Vec::new() });
}

/// What a follower tells its leader of a partition, beyond its name: topic id, leader epoch, LEO, last
/// fetched epoch, HW.
type FetchPosition = (TopicId, LeaderEpoch, Offset, Option<LeaderEpoch>, Offset);

fn fetch_position(topic: &super::Topic, p: &super::Partition) -> FetchPosition {
    (topic.topic_id, p.leader_epoch, p.log.log_end_offset(), p.log.latest_epoch(), p.high_watermark)
}

fn fetch_partition(topic: &str, partition: u32, position: FetchPosition) -> ReplicaFetchPartition {
    let (topic_id, current_leader_epoch, fetch_offset, last_fetched_epoch, high_watermark) = position;
    let topic = String::from(topic);
    ReplicaFetchPartition {
        topic,
        topic_id,
        partition,
        current_leader_epoch,
        fetch_offset,
        last_fetched_epoch,
        high_watermark,
    }
}

/// What a follower tells its leader of one partition it follows there; `None` if it hosts no such replica.
fn fetch_state(topics: &super::HostedTopics, name: &str, partition: u32) -> Option<ReplicaFetchPartition> {
    let topic = topics.get(name)?;
    let p = topic.partitions.get(&partition)?;
    Some(fetch_partition(name, partition, fetch_position(topic, p)))
}

/// An incremental fetch's partitions: those `followed` whose state differs from what the leader was `told`
/// (which becomes what it is told now), and those told before and no longer followed (forgotten). What was
/// told is updated in place: a partition that did not move costs no allocation.
fn tell_changes(
    topics: &super::HostedTopics,
    followed: &[(String, u32)],
    told: &mut Vec<ReplicaFetchPartition>,
) -> (Vec<ReplicaFetchPartition>, Vec<(String, u32)>) {
    let (mut changed, mut forgotten) = (Vec::new(), Vec::new());
    let mut before = core::mem::take(told).into_iter().peekable();
    for (name, i) in followed {
        let Some(topic) = topics.get(name.as_str()) else { continue };
        let Some(p) = topic.partitions.get(i) else { continue };
        while let Some(gone) = before.next_if(|t| (t.topic.as_str(), t.partition) < (name.as_str(), *i)) {
            forgotten.push((gone.topic, gone.partition));
        }
        let position = fetch_position(topic, p);
        let now = match before.next_if(|t| t.topic == *name && t.partition == *i) {
            Some(was) => {
                let told_position = (
                    was.topic_id,
                    was.current_leader_epoch,
                    was.fetch_offset,
                    was.last_fetched_epoch,
                    was.high_watermark,
                );
                if told_position == position {
                    was
                } else {
                    let now = ReplicaFetchPartition { topic: was.topic, ..fetch_partition("", *i, position) };
                    changed.push(now.clone());
                    now
                }
            }
            None => {
                let now = fetch_partition(name, *i, position);
                changed.push(now.clone());
                now
            }
        };
        told.push(now);
    }
    forgotten.extend(before.map(|gone| (gone.topic, gone.partition)));
    (changed, forgotten)
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
    requests.iter().zip(results).any(|(request, result)| worth_answering_partition(request, result))
}

fn worth_answering_partition(request: &ReplicaFetchPartition, result: &ReplicaFetchResult) -> bool {
    match &result.result {
        Err(_) => true,
        Ok(data) => {
            !data.batches.is_empty()
                || data.diverging_epoch.is_some()
                || data.high_watermark != request.high_watermark
                || data.log_start_offset > request.fetch_offset
        }
    }
}
