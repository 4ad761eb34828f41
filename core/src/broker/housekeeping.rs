//! What a broker does on its own clock: flush logs (`flush.messages`, `flush.ms`), checkpoint high
//! watermarks, delete old segments (retention) and compact (the log cleaner).

use alloc::string::String;

use super::{Broker, HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS};
use crate::message::Outbox;
use crate::sim::trace::TraceKind;

impl Broker {
    pub(super) fn on_housekeeping(&mut self, now_ms: u64, out: &mut Outbox) {
        for topic in self.topics.values_mut() {
            let config = &topic.config;
            for p in topic.partitions.values_mut() {
                p.maybe_flush(now_ms, config);
            }
        }
        if now_ms >= self.last_high_watermark_checkpoint_ms + HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS {
            self.last_high_watermark_checkpoint_ms = now_ms;
            for p in self.topics.values_mut().flat_map(|t| t.partitions.values_mut()) {
                p.high_watermark_checkpoint = p.high_watermark;
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
    }

    fn apply_retention(&mut self, now_ms: u64, out: &mut Outbox) {
        for (name, topic) in &mut self.topics {
            for (&i, p) in topic.partitions.iter_mut() {
                let outcome = p.log.apply_retention(now_ms, p.high_watermark, &topic.config);
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
        for (name, topic) in &mut self.topics {
            for (&i, p) in topic.partitions.iter_mut() {
                let outcome = p.log.compact(now_ms, p.high_watermark, &topic.config);
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

    /// The next time housekeeping has something to do. Nothing is armed for an idle broker, so that an
    /// idle world has no events.
    pub(super) fn next_housekeeping_ms(&self) -> Option<u64> {
        let partitions = || self.topics.values().flat_map(|t| t.partitions.values().map(move |p| (t, p)));
        let flushes = partitions().filter_map(|(t, p)| p.next_flush_ms(&t.config));
        let checkpoint = partitions()
            .any(|(_, p)| p.high_watermark != p.high_watermark_checkpoint)
            .then(|| self.last_high_watermark_checkpoint_ms.saturating_add(HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS));
        let retention = partitions()
            .any(|(t, p)| t.config.cleanup_policy_delete && p.log.log_start_offset() < p.high_watermark)
            .then(|| self.last_retention_check_ms.saturating_add(self.config.log_retention_check_interval_ms));
        // Only when some log is due for cleaning (min.cleanable.dirty.ratio, max.compaction.lag.ms).
        let next_run = self.last_cleaner_run_ms.saturating_add(self.config.log_cleaner_backoff_ms);
        let cleaning = partitions()
            .filter_map(|(t, p)| p.log.compaction_due_ms(p.high_watermark, &t.config))
            .map(|due| due.max(next_run))
            .min();
        flushes.chain(checkpoint).chain(retention).chain(cleaning).min()
    }
}
