//! One replica of one partition, as a broker holds it: the log on disk, the high watermark in memory.

use crate::vec_map::VecMap;
use alloc::collections::VecDeque;
use alloc::vec::Vec;

use crate::config::TopicConfig;
use crate::log::{PartitionLog, ProducerStamp};
use crate::metadata::PartitionImage;
use crate::types::{LeaderEpoch, NodeId, Offset, NO_NODE};

/// Kafka keeps the last five batches of each idempotent producer, to recognise a retried one.
pub const PRODUCER_BATCHES_KEPT: usize = 5;

/// What a partition remembers of one idempotent producer (rebuilt from the log after a restart).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProducerEntry {
    pub epoch: i16,
    /// (first sequence, last sequence, base offset) of its latest batches, oldest first.
    pub batches: VecDeque<(i32, i32, Offset)>,
}

/// Where a batch from an idempotent producer stands against what the partition has seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SequenceCheck {
    /// The next batch: append it.
    Next,
    /// Already appended (a retry): answer with this base offset, do not append again.
    Duplicate(Offset),
    /// The first batch of a producer this replica forgot (its log restarted), at a sequence other than 0:
    /// append it, as Kafka does since KIP-360, though an earlier batch of that producer may still come.
    NextOfForgottenProducer,
}

/// What a metadata update did to this replica.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartitionTransition {
    /// A new leader epoch names this broker.
    BecameLeader,
    /// A new leader epoch names another broker (or none).
    BecameFollower,
    /// Same leader epoch; the ISR or the replicas may have changed.
    Updated,
}

/// What a leader knows of one follower (Kafka's `Replica` state).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FollowerState {
    /// The follower's LEO, from its last fetch; 0 until it fetches under this leader.
    pub log_end_offset: Offset,
    /// The last time it was caught up (Kafka's `lastCaughtUpTimeMs`).
    pub last_caught_up_ms: u64,
    pub last_fetch_ms: u64,
    /// The leader's LEO at the follower's last fetch.
    pub last_fetch_leader_log_end_offset: Offset,
    /// The broker epoch the follower fetched with (KIP-903).
    pub broker_epoch: u64,
    /// Recorded in the follower's fetch session, and since then neither side changed: each later fetch of
    /// the session would record the same, only at its own time. So the leader records nothing for it
    /// (an idle partition costs a fetch nothing) and [`FollowerState::settled`] reads the session's time.
    pub in_fetch_session: bool,
}

impl FollowerState {
    /// The state as recording every fetch would leave it, given when the follower's fetch session last
    /// fetched: its last fetch then, and, if it was caught up, caught up then (Kafka's
    /// `updateFollowerFetchState` with an unchanged fetch offset and leader LEO).
    pub fn settled(self, session_last_fetch_ms: u64) -> FollowerState {
        if !self.in_fetch_session {
            return self;
        }
        let caught_up = self.log_end_offset >= self.last_fetch_leader_log_end_offset;
        FollowerState {
            last_fetch_ms: session_last_fetch_ms,
            last_caught_up_ms: if caught_up { session_last_fetch_ms } else { self.last_caught_up_ms },
            ..self
        }
    }
}

/// An AlterPartition this leader sent and waits on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingIsr {
    pub correlation_id: u64,
    pub isr: Vec<NodeId>,
    /// Each member's broker epoch as this leader saw it when it judged the change (KIP-903), sent again
    /// unchanged on a retry: a member that restarted since may have lost what made it eligible.
    pub broker_epochs: Vec<u64>,
    /// When it is asked again if no answer came. None: the controller answered from a partition state other
    /// than this leader's (a lost answer's change may be committed already), so the change stays pending,
    /// counted in the maximal ISR, until the metadata log shows the partition's next state (Kafka's
    /// `handleAlterPartitionError`: "awaiting the latest metadata").
    pub deadline_ms: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct Partition {
    /// On disk: survives a crash; what was not flushed does not survive a power loss.
    pub log: PartitionLog,
    /// On disk: the HW as last checkpointed; a restarted broker starts from it.
    pub high_watermark_checkpoint: Offset,
    pub last_flush_ms: u64,
    pub high_watermark: Offset,
    /// As the metadata log says (`NO_NODE` until this broker has read it).
    pub leader: NodeId,
    pub leader_epoch: LeaderEpoch,
    pub partition_epoch: i32,
    pub replicas: Vec<NodeId>,
    pub isr: Vec<NodeId>,
    /// Leader only: each follower's progress, and an ISR change waiting on the controller.
    pub followers: VecMap<NodeId, FollowerState>,
    pub pending_isr: Option<PendingIsr>,
    /// Leader only: the LEO when this replica became leader (Kafka's `leaderEpochStartOffsetOpt`).
    pub leader_epoch_start_offset: Option<Offset>,
    /// Idempotent producers' recent batches, by producer id.
    pub producers: VecMap<i64, ProducerEntry>,
    /// What producers wrote here was forgotten (this follower's log was emptied to start at its leader's log
    /// start): a producer unknown here may have written before.
    pub producers_forgotten: bool,
}

impl Partition {
    /// A replica this broker just learned it hosts; the metadata log fills in who leads it.
    pub fn new(now_ms: u64) -> Partition {
        Partition {
            log: PartitionLog::new(now_ms),
            high_watermark_checkpoint: 0,
            last_flush_ms: now_ms,
            high_watermark: 0,
            leader: crate::types::NO_NODE,
            leader_epoch: -1,
            partition_epoch: -1,
            replicas: Vec::new(),
            isr: Vec::new(),
            followers: VecMap::new(),
            pending_isr: None,
            leader_epoch_start_offset: None,
            producers: VecMap::new(),
            producers_forgotten: false,
        }
    }

    /// A replica recovered from disk at a restart: the HW from its checkpoint (Kafka's recovery), producer
    /// state from the log; leadership and the rest come from the metadata log.
    pub fn from_disk(
        log: PartitionLog,
        high_watermark_checkpoint: Offset,
        producer_snapshot: VecMap<i64, ProducerEntry>,
        now_ms: u64,
    ) -> Partition {
        let mut p =
            Partition { log, high_watermark_checkpoint, producers: producer_snapshot, ..Partition::new(now_ms) };
        p.high_watermark = high_watermark_checkpoint.clamp(p.log.log_start_offset(), p.log.log_end_offset());
        p.rebuild_producer_state();
        p.assert_invariants();
        p
    }

    /// Takes the partition's state from a complete metadata image: the only way leader, leader epoch,
    /// partition epoch, replicas and ISR change (besides an AlterPartition this leader asked for). A new
    /// leader epoch makes this replica leader (Kafka's `makeLeader`: followers start caught up as of now,
    /// with an unknown LEO; producer state is rebuilt from the log) or follower.
    pub fn apply_metadata(&mut self, self_id: NodeId, state: &PartitionImage, now_ms: u64) -> PartitionTransition {
        debug_assert!(state.leader_epoch >= self.leader_epoch, "leader epochs only grow");
        let new_epoch = state.leader_epoch != self.leader_epoch || state.leader != self.leader;
        self.replicas = state.replicas.clone();
        if state.partition_epoch > self.partition_epoch {
            // The committed state replaces a pending change (Kafka's `makeLeader`): a change still out was
            // asked at an older partition epoch, so the controller refuses it unless it is this very state.
            self.isr = state.isr.clone();
            self.partition_epoch = state.partition_epoch;
            self.pending_isr = None;
        }
        let transition = if !new_epoch {
            PartitionTransition::Updated
        } else {
            self.leader = state.leader;
            self.leader_epoch = state.leader_epoch;
            self.pending_isr = None;
            self.followers.clear();
            self.leader_epoch_start_offset = (state.leader == self_id).then(|| self.log.log_end_offset());
            if state.leader == self_id {
                self.log.assign_epoch(state.leader_epoch);
                for &r in self.replicas.iter().filter(|&&r| r != self_id) {
                    self.followers.insert(r, FollowerState { last_caught_up_ms: now_ms, ..Default::default() });
                }
                self.rebuild_producer_state();
                PartitionTransition::BecameLeader
            } else {
                PartitionTransition::BecameFollower
            }
        };
        if self.leader == self_id {
            // Replicas added by a reassignment are followers too; removed ones are forgotten.
            let replicas = &self.replicas;
            self.followers.retain(|r, _| replicas.contains(r));
            for &r in self.replicas.iter().filter(|&&r| r != self_id) {
                self.followers.entry(r).or_default();
            }
        }
        self.assert_invariants();
        transition
    }

    /// Kafka's last stable offset: below it no transaction is open. Franz has no transactions yet, so it is
    /// the high watermark.
    pub fn last_stable_offset(&self) -> Offset {
        self.high_watermark
    }

    /// The ISR the HW is computed over: the committed one plus replicas a pending change adds (Kafka's
    /// "maximal ISR": an expansion counts at once, a shrink only once committed).
    /// (An iterator: it is read at every produce and fetch answer, and a list would be an allocation each.)
    pub fn maximal_isr(&self) -> impl Iterator<Item = NodeId> + '_ {
        let added = self.pending_isr.iter().flat_map(|p| p.isr.iter()).filter(|r| !self.isr.contains(r));
        self.isr.iter().chain(added).copied()
    }

    /// Kafka's idempotence check for a batch with `count` records.
    pub(super) fn check_sequence(&self, stamp: ProducerStamp, count: usize) -> crate::error::Result<SequenceCheck> {
        let Some(entry) = self.producers.get(&stamp.producer_id) else {
            // Kafka accepts any sequence from a producer it has no state for (KIP-360: its state may have
            // expired), and over one TCP connection a batch cannot overtake an earlier one.
            // Franz's network loses single messages, and producer state outlives retention (KAFKA-7190), so
            // unless this replica forgot its producers, a first batch that is not sequence 0 means an earlier
            // one is missing: refuse it, and the producer retries in order (or, with nothing of its own in
            // flight, starts a new epoch). (Soak seed 10,005,115: after retention the first batch of a new
            // producer was lost on a cut, the second taken at sequence 3, and the first written after it.)
            return match (stamp.base_sequence, self.producers_forgotten) {
                (0, _) => Ok(SequenceCheck::Next),
                (_, true) => Ok(SequenceCheck::NextOfForgottenProducer),
                (_, false) => Err(franz_err!(
                    OutOfOrderSequenceNumber,
                    "Producer {} is unknown here and sent sequence {}, not 0: an earlier batch is missing",
                    stamp.producer_id,
                    stamp.base_sequence
                )),
            };
        };
        if stamp.producer_epoch < entry.epoch {
            return Err(franz_err!(
                InvalidProducerEpoch,
                "Producer {} has epoch {}, older than the current {}: a newer instance fenced it",
                stamp.producer_id,
                stamp.producer_epoch,
                entry.epoch
            ));
        }
        if stamp.producer_epoch > entry.epoch {
            // A new epoch numbers from scratch (Kafka: "Invalid sequence number for new epoch").
            if stamp.base_sequence != 0 {
                return Err(franz_err!(
                    OutOfOrderSequenceNumber,
                    "Producer {} starts epoch {} at sequence {}, not 0",
                    stamp.producer_id,
                    stamp.producer_epoch,
                    stamp.base_sequence
                ));
            }
            return Ok(SequenceCheck::Next);
        }
        let last_sequence = stamp.base_sequence.wrapping_add(count as i32 - 1);
        if let Some(&(_, _, base)) =
            entry.batches.iter().find(|(first, last, _)| *first == stamp.base_sequence && *last == last_sequence)
        {
            return Ok(SequenceCheck::Duplicate(base));
        }
        let expected = entry.batches.back().map_or(0, |(_, last, _)| last.wrapping_add(1));
        if stamp.producer_epoch == entry.epoch && stamp.base_sequence != expected {
            return Err(franz_err!(
                OutOfOrderSequenceNumber,
                "Producer {} sent sequence {} but {expected} was expected next",
                stamp.producer_id,
                stamp.base_sequence
            ));
        }
        Ok(SequenceCheck::Next)
    }

    /// Remembers an appended batch of an idempotent producer.
    pub(super) fn remember_batch(&mut self, stamp: ProducerStamp, count: usize, base_offset: Offset) {
        remember(&mut self.producers, stamp, count, base_offset);
    }

    /// After a restart, a truncation or a new leadership: what the producers wrote is read back from the log's
    /// batch headers. A producer none of whose batches the log holds any more (retention or compaction
    /// removed them) keeps what was known of its batches below the log's end, as Kafka's producer state
    /// outlives its records (KAFKA-7190, Kafka 2.4; its snapshots keep it across restarts): otherwise a new
    /// leader would take any sequence from it, and a retry or a gap would be written out of order or twice.
    /// Kafka's `truncateFullyAndStartAt`: the log restarts empty at `offset`, and its producers' state with it.
    pub(super) fn restart_log_at(&mut self, offset: Offset, now_ms: u64) {
        self.log.truncate_fully_and_start_at(offset, now_ms);
        self.producers.clear();
        self.producers_forgotten = true;
    }

    pub(super) fn rebuild_producer_state(&mut self) {
        let mut producers = VecMap::new();
        for batch in self.log.segments().flat_map(|s| s.batches.iter()).filter(|b| b.producer.producer_id >= 0) {
            let count = (batch.last_offset + 1 - batch.base_offset) as usize;
            remember(&mut producers, batch.producer, count, batch.base_offset);
        }
        let end = self.log.log_end_offset();
        for (producer_id, mut entry) in core::mem::take(&mut self.producers) {
            if producers.contains_key(&producer_id) {
                continue;
            }
            // Batches at or past the end were truncated away (or lost with the power): they never happened.
            entry.batches.retain(|&(_, _, base_offset)| base_offset < end);
            if !entry.batches.is_empty() {
                producers.insert(producer_id, entry);
            }
        }
        self.producers = producers;
    }

    /// Kafka's rule (≥ 3.7): while the ISR has fewer than `min_isr` members the HW stays; otherwise it is
    /// the smallest LEO over the (maximal) ISR, never moving back. Leader only.
    pub(super) fn maybe_advance_high_watermark(&mut self, self_id: NodeId, min_isr: usize) -> Option<Offset> {
        if self.isr.len() < min_isr {
            return None;
        }
        let leo = self.log.log_end_offset();
        let candidate = self
            .maximal_isr()
            .map(|r| if r == self_id { leo } else { self.followers.get(&r).map_or(0, |f| f.log_end_offset) })
            .min()
            .unwrap_or(leo)
            .min(leo);
        if candidate > self.high_watermark {
            self.high_watermark = candidate;
            self.assert_invariants();
            Some(candidate)
        } else {
            None
        }
    }

    /// At append (leader or follower), as Kafka's `UnifiedLog.append`: flushes once `flush.messages` records
    /// wait. Time (`flush.ms`) is the periodic log flusher's business, not the append's.
    pub(super) fn flush_if_messages_due(&mut self, now_ms: u64, config: &TopicConfig) {
        let unflushed = self.log.unflushed_count();
        if unflushed > 0 && unflushed as i64 >= config.flush_messages {
            self.flush(now_ms);
        }
    }

    /// The log flusher's check at its run `run_ms` (Kafka's `LogManager.flushDirtyLogs`): flushes if the
    /// last flush is at least `flush.ms` old.
    pub(super) fn flush_if_time_due(&mut self, run_ms: u64, now_ms: u64, config: &TopicConfig) {
        if self.flush_due_ms(config).is_some_and(|due| due <= run_ms) {
            self.flush(now_ms);
        }
    }

    fn flush(&mut self, now_ms: u64) {
        self.log.flush();
        self.last_flush_ms = now_ms;
    }

    /// What a follower's fetch answer may move: the log's ends, the HW, what is flushed (see
    /// [`super::HostedTopics::quietly`]). It must cover whatever that path writes and the broker's kept state
    /// reads (`Broker::compute_partition_timers`, the parked follower fetches' checks).
    pub(super) fn progress(&self) -> (Offset, Offset, Offset, u64, u64) {
        let log = &self.log;
        (log.log_start_offset(), log.log_end_offset(), self.high_watermark, log.unflushed_count(), self.last_flush_ms)
    }

    /// From when the log flusher would flush this log (it has unflushed records and `flush.ms` passed since
    /// the last flush), if ever.
    pub(super) fn flush_due_ms(&self, config: &TopicConfig) -> Option<u64> {
        if self.log.unflushed_count() == 0 || config.flush_ms == i64::MAX {
            return None;
        }
        Some(self.last_flush_ms.saturating_add(config.flush_ms.max(0) as u64))
    }

    pub(super) fn assert_invariants(&self) {
        debug_assert!(self.high_watermark <= self.log.log_end_offset(), "HW ≤ LEO");
        debug_assert!(self.high_watermark >= self.log.log_start_offset(), "HW ≥ log start");
        debug_assert!(self.isr.iter().all(|r| self.replicas.contains(r)), "ISR ⊆ replicas");
        debug_assert!(self.leader == NO_NODE || self.isr.is_empty() || self.isr.contains(&self.leader), "leader ∈ ISR");
    }
}

fn remember(producers: &mut VecMap<i64, ProducerEntry>, stamp: ProducerStamp, count: usize, base_offset: Offset) {
    let entry = producers.entry(stamp.producer_id).or_default();
    if stamp.producer_epoch > entry.epoch {
        entry.batches.clear();
    }
    entry.epoch = entry.epoch.max(stamp.producer_epoch);
    entry.batches.push_back((stamp.base_sequence, stamp.base_sequence.wrapping_add(count as i32 - 1), base_offset));
    while entry.batches.len() > PRODUCER_BATCHES_KEPT {
        entry.batches.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn stamp(epoch: i16, base_sequence: i32) -> ProducerStamp {
        ProducerStamp { producer_id: 7, producer_epoch: epoch, base_sequence }
    }

    #[test]
    fn kafkas_sequence_rules() {
        let mut p = Partition::new(0);
        assert_eq!(p.check_sequence(stamp(0, 0), 2).unwrap(), SequenceCheck::Next, "a new producer");
        assert_eq!(
            p.check_sequence(stamp(0, 2), 2).unwrap_err().code,
            ErrorCode::OutOfOrderSequenceNumber,
            "a new producer's batch overtook its first"
        );
        p.remember_batch(stamp(0, 0), 2, 10);
        p.remember_batch(stamp(0, 2), 1, 12);
        assert_eq!(p.check_sequence(stamp(0, 0), 2).unwrap(), SequenceCheck::Duplicate(10), "a retry of an old batch");
        assert_eq!(p.check_sequence(stamp(0, 3), 1).unwrap(), SequenceCheck::Next);
        assert_eq!(p.check_sequence(stamp(0, 5), 1).unwrap_err().code, ErrorCode::OutOfOrderSequenceNumber);
        assert_eq!(p.check_sequence(stamp(1, 0), 1).unwrap(), SequenceCheck::Next, "a new epoch starts over");
        assert_eq!(p.check_sequence(stamp(1, 4), 1).unwrap_err().code, ErrorCode::OutOfOrderSequenceNumber, "at 0");
        p.remember_batch(stamp(1, 0), 1, 13);
        assert_eq!(p.check_sequence(stamp(0, 3), 1).unwrap_err().code, ErrorCode::InvalidProducerEpoch, "fenced");
        for i in 1..10 {
            p.remember_batch(stamp(1, i), 1, 13 + i as u64);
        }
        assert_eq!(p.producers[&7].batches.len(), PRODUCER_BATCHES_KEPT, "the last five batches");
    }

    /// A log restarted at its leader's log start forgot its producers: any first sequence goes (KIP-360),
    /// and the append says so (the checker's judge needs to know).
    #[test]
    fn a_replica_that_forgot_its_producers_takes_any_first_sequence() {
        let mut p = Partition::new(0);
        p.remember_batch(stamp(0, 0), 2, 0);
        p.restart_log_at(40, 0);
        assert_eq!(p.check_sequence(stamp(0, 0), 1).unwrap(), SequenceCheck::Next, "sequence 0 is a new producer's");
        assert_eq!(p.check_sequence(stamp(0, 2), 1).unwrap(), SequenceCheck::NextOfForgottenProducer);
        p.remember_batch(stamp(0, 2), 1, 40);
        assert_eq!(
            p.check_sequence(stamp(0, 0), 2).unwrap_err().code,
            ErrorCode::OutOfOrderSequenceNumber,
            "known now"
        );
    }
}
