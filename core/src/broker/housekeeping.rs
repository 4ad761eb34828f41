//! What a broker does on its own clock: the log flusher (`flush.ms`, checked every
//! `log.flush.scheduler.interval.ms`), high-watermark checkpoints, retention (deleting old segments) and
//! the log cleaner (compaction).

use alloc::string::String;

use super::{Broker, Partition, PartitionTimer, PartitionTimers, Topic, HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS};
use crate::protocol::actor::{TimerName, Timers};
use crate::protocol::message::Outbox;
use crate::protocol::trace::TraceKind;

impl Broker {
    /// Kafka's log flusher (`LogManager.flushDirtyLogs`), run at a fixed rate: each run flushes the logs
    /// whose last flush is at least `flush.ms` old. Called before the broker handles anything, so that runs
    /// passed since are settled on the state they saw: the timer is armed only for runs that find a log to
    /// flush, and nothing changed since the last event, so a run passed unarmed had nothing to do. A paused
    /// broker makes its due run late, once, as a fixed-rate scheduler catching up.
    pub(super) fn run_log_flusher(&mut self, now_ms: u64) {
        if now_ms < self.log_flusher_next_run_ms {
            return;
        }
        let run_ms = self.log_flusher_run_at_or_before(now_ms);
        for topic in self.topics.changing().values_mut() {
            let config = &topic.config;
            for p in topic.partitions.values_mut() {
                p.flush_if_time_due(run_ms, now_ms, config);
            }
        }
        self.log_flusher_next_run_ms = run_ms.saturating_add(self.config.log_flush_scheduler_interval_ms);
    }

    pub(super) fn on_housekeeping(&mut self, now_ms: u64, out: &mut Outbox) {
        if now_ms >= self.last_high_watermark_checkpoint_ms + HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS {
            self.last_high_watermark_checkpoint_ms = now_ms;
            // A checkpoint changes nothing a parked fetch waits on, and an unchanged one nothing at all.
            let mut written = false;
            for p in self.topics.quietly().values_mut().flat_map(|t| t.partitions.values_mut()) {
                written |= p.high_watermark_checkpoint != p.high_watermark;
                p.high_watermark_checkpoint = p.high_watermark;
            }
            if written {
                self.topics.changed_not_led();
            }
        }
        if now_ms >= self.last_retention_check_ms + self.config.log_retention_check_interval_ms {
            self.last_retention_check_ms = now_ms;
            self.apply_retention(now_ms, out);
        }
        if now_ms >= self.last_cleaner_run_ms + self.config.log_cleaner_backoff_ms {
            self.last_cleaner_run_ms = now_ms;
            self.clean(now_ms, out);
        }
        if now_ms
            >= self.last_offsets_retention_check_ms.saturating_add(self.config.offsets_retention_check_interval_ms)
        {
            self.last_offsets_retention_check_ms = now_ms;
            self.expire_offsets(now_ms, out);
        }
    }

    fn apply_retention(&mut self, now_ms: u64, out: &mut Outbox) {
        for (name, topic) in self.topics.changing().iter_mut() {
            for (&i, p) in topic.partitions.iter_mut() {
                let mut outcome = p.log.apply_retention(now_ms, p.high_watermark, &topic.config);
                removed(out, self.id, name, i, topic.topic_id, p.leader_epoch, core::mem::take(&mut outcome.removed));
                if outcome.segments_deleted > 0 {
                    p.assert_invariants();
                    out.trace(TraceKind::SegmentsDeleted {
                        topic: name.clone(),
                        partition: i,
                        segments: outcome.segments_deleted as u64,
                        records: outcome.records_deleted,
                        log_start_offset: p.log.log_start_offset(),
                    });
                }
            }
        }
    }

    fn clean(&mut self, now_ms: u64, out: &mut Outbox) {
        let due = |t: &super::Topic| {
            let due = |p: &super::Partition| p.log.compaction_due_ms(p.high_watermark, &t.config);
            t.partitions.values().any(|p| due(p).is_some_and(|due| due <= now_ms))
        };
        if !self.topics.values().any(due) {
            return; // nothing to clean: nothing changes
        }
        for (name, topic) in self.topics.changing().iter_mut() {
            for (&i, p) in topic.partitions.iter_mut() {
                let mut outcome = p.log.compact(now_ms, p.high_watermark, &topic.config);
                removed(out, self.id, name, i, topic.topic_id, p.leader_epoch, core::mem::take(&mut outcome.removed));
                if outcome.records_removed > 0 {
                    out.trace(TraceKind::LogCompacted {
                        topic: String::from(name.as_str()),
                        partition: i,
                        records_removed: outcome.records_removed,
                        tombstones_removed: outcome.tombstones_removed,
                    });
                }
            }
        }
    }

    /// The log flusher's latest run at or before `ms` (it runs at the first run, then every interval).
    fn log_flusher_run_at_or_before(&self, ms: u64) -> u64 {
        let (first, interval) = (self.log_flusher_first_run_ms, self.config.log_flush_scheduler_interval_ms.max(1));
        first + (ms.saturating_sub(first) / interval) * interval
    }

    /// The log flusher's first run at or after `ms` not yet made, if it ever runs again.
    fn log_flusher_run_at_or_after(&self, ms: u64) -> Option<u64> {
        let ms = ms.max(self.log_flusher_next_run_ms);
        let (first, interval) = (self.log_flusher_first_run_ms, self.config.log_flush_scheduler_interval_ms.max(1));
        let runs = ms.saturating_sub(first).div_ceil(interval);
        runs.checked_mul(interval).and_then(|d| first.checked_add(d))
    }

    /// What the timers take from the partitions, in one pass. Kept between changes of `topics`: whatever it
    /// reads that a follower's answer can move must be in `Partition::progress`.
    pub(super) fn compute_partition_timers(&self) -> PartitionTimers {
        let by_topic =
            self.topics.values().map(|t| t.partitions.values().map(|p| self.partition_timer(t, p)).collect());
        PartitionTimers::from_partitions(self.topics.version(), by_topic.collect())
    }

    fn partition_timer(&self, topic: &Topic, p: &Partition) -> PartitionTimer {
        PartitionTimer {
            flush_due_ms: p.flush_due_ms(&topic.config),
            checkpoint_due: p.high_watermark != p.high_watermark_checkpoint,
            retention_due: topic.config.cleanup_policy_delete && p.log.log_start_offset() < p.high_watermark,
            cleaning_due_ms: p.log.compaction_due_ms(p.high_watermark, &topic.config),
            leads_with_followers: p.leader == self.id && p.replicas.len() > 1,
            pending_isr_deadline_ms: p.pending_isr.as_ref().and_then(|pending| pending.deadline_ms),
        }
    }

    /// Keeps the partitions' part of the timers for the events that change no partition, and computes again
    /// only the partitions that changed when they are known one by one.
    pub(super) fn refresh_partition_timers(&mut self) {
        let version = self.topics.version();
        if self.partition_timers.version != version {
            let mut timers = core::mem::take(&mut self.partition_timers);
            let mut by_topic = core::mem::take(&mut timers.by_topic);
            let mut summed = true;
            let changes = self.topics.changes_since(timers.version);
            let updated = changes.is_some_and(|mut changes| {
                by_topic.len() == self.topics.len()
                    && changes.all(|tp| {
                        let Some(i) = self.topics.index_of(tp.topic.as_str()) else { return false };
                        let Some((_, topic)) = self.topics.get_index(i) else { return false };
                        let Some(j) = topic.partitions.index_of(&tp.partition) else { return false };
                        let Some((_, p)) = topic.partitions.get_index(j) else { return false };
                        let Some(slots) = by_topic.get_mut(i).filter(|t| t.len() == topic.partitions.len()) else {
                            return false;
                        };
                        let Some(slot) = slots.get_mut(j) else { return false };
                        let timer = self.partition_timer(topic, p);
                        if *slot != timer {
                            summed &= timers.replace(slot, &timer);
                            *slot = timer;
                        }
                        true
                    })
            });
            self.partition_timers = match (updated, summed) {
                (false, _) => self.compute_partition_timers(),
                (true, false) => PartitionTimers::from_partitions(version, by_topic),
                (true, true) => PartitionTimers { version, by_topic, ..timers },
            };
        }
        let (fetches, replica_fetches) = (self.fetches_checked_version, self.replica_fetches_checked_version);
        let led_version = fetches.unwrap_or(0).min(replica_fetches.unwrap_or(0));
        self.topics.forget_changes_until(version, led_version);
    }

    /// The next time housekeeping has something to do. Nothing is armed for an idle broker, so that an
    /// idle world has no events.
    pub(super) fn housekeeping_timers(&self, partitions: &PartitionTimers, timers: &mut Timers) {
        let PartitionTimers {
            flush_due_ms: flush_due,
            checkpoints_due,
            retentions_due,
            cleaning_due_ms: cleaning_due,
            ..
        } = *partitions;
        let (checkpoint_due, retention_due) = (checkpoints_due > 0, retentions_due > 0);
        // Only the flusher runs that will find a log to flush.
        let flushes = flush_due.and_then(|due| self.log_flusher_run_at_or_after(due));
        let checkpoint = checkpoint_due
            .then(|| self.last_high_watermark_checkpoint_ms.saturating_add(HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS));
        let retention = retention_due
            .then(|| self.last_retention_check_ms.saturating_add(self.config.log_retention_check_interval_ms));
        // Only when some log is due for cleaning (min.cleanable.dirty.ratio, max.compaction.lag.ms).
        let next_run = self.last_cleaner_run_ms.saturating_add(self.config.log_cleaner_backoff_ms);
        let cleaning = cleaning_due.map(|due| due.max(next_run));
        timers.set(TimerName::LogFlushScheduler, flushes);
        timers.set(TimerName::HighWatermarkCheckpoint, checkpoint);
        timers.set(TimerName::LogRetentionCheck, retention);
        timers.set(TimerName::LogCleanerBackoff, cleaning);
        // Only a coordinator with something that can expire: a group, or an offsets partition it leads that
        // holds records.
        let coordinates = !self.groups.is_empty()
            || self.topics.get(crate::group::OFFSETS_TOPIC).is_some_and(|t| {
                t.partitions.values().any(|p| p.leader == self.id && p.log.log_end_offset() > p.log.log_start_offset())
            });
        let offsets_check =
            self.last_offsets_retention_check_ms.saturating_add(self.config.offsets_retention_check_interval_ms);
        timers.set(TimerName::OffsetsRetentionCheck, coordinates.then_some(offsets_check));
    }
}

/// Notes in the history what a log removed on purpose (for the checker: [`crate::log::Removal`]).
pub(super) fn removed(
    out: &mut Outbox,
    broker: crate::types::NodeId,
    topic: &str,
    partition: u32,
    topic_id: crate::types::TopicId,
    leader_epoch: crate::types::LeaderEpoch,
    removals: alloc::vec::Vec<crate::log::Removal>,
) {
    if !removals.is_empty() {
        out.history(crate::protocol::history::Op::RecordsRemoved {
            topic: String::from(topic),
            partition,
            topic_id,
            broker,
            leader_epoch,
            removals,
            remover: crate::protocol::history::Remover::Stale, // (the world says)
        });
    }
}
