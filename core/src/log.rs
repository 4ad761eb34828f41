//! A partition log: record batches in segments, with dense offsets, a log start offset, a recovery point
//! (what was flushed) and a leader-epoch cache, plus Kafka's two cleanup policies.
//!
//! Offsets are positions: the first record appended gets the log end offset (LEO), which then grows by
//! one per record. Compaction removes records but never renumbers the rest, so a compacted log has gaps;
//! a read from an offset in a gap starts at the next record, as Kafka's does. Reads are bounded in bytes
//! (`max.partition.fetch.bytes`) but, as Kafka does since KIP-74, return at least one record.
//!
//! Retention deletes whole segments, oldest first, and only those entirely below the high watermark.
//! Compaction keeps the latest record per key below the first uncleanable offset (the active segment, the
//! high watermark, and `min.compaction.lag.ms` bound it); tombstones stay `delete.retention.ms` after the
//! cleaner first saw them (KIP-534's delete horizon).

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use crate::config::TopicConfig;
use crate::error::Result;
pub use crate::protocol::record::{
    batch_size_bytes, BatchOrigin, BatchRecords, ProducerStamp, RecordBatch, RecordOrigin, Removal, RemovalCause,
    BATCH_OVERHEAD_BYTES, NO_PRODUCER_ID,
};
use crate::types::{LeaderEpoch, Offset, Record};
/// A piece of the log: retention deletes whole segments; the last one (active) takes appends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub base_offset: Offset,
    pub batches: Vec<RecordBatch>,
    pub size_bytes: usize,
    pub created_ms: u64,
    /// The largest record timestamp in it (retention.ms is measured from it); `i64::MIN` when empty.
    pub max_timestamp_ms: i64,
}

impl Segment {
    fn new(base_offset: Offset, now_ms: u64) -> Segment {
        Segment { base_offset, batches: Vec::new(), size_bytes: 0, created_ms: now_ms, max_timestamp_ms: i64::MIN }
    }

    pub fn record_count(&self) -> usize {
        self.batches.iter().map(|b| b.records.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.batches.is_empty()
    }

    fn records(&self) -> impl Iterator<Item = Record> + '_ {
        self.batches.iter().flat_map(|b| b.records.iter())
    }

    fn recompute(&mut self) {
        self.size_bytes = self.batches.iter().map(|b| b.size_bytes).sum();
        self.max_timestamp_ms = self.batches.iter().map(RecordBatch::max_timestamp_ms).max().unwrap_or(i64::MIN);
    }
}

/// What a retention pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RetentionOutcome {
    pub segments_deleted: usize,
    pub records_deleted: u64,
    /// The records a simulated producer wrote among them (for the checker).
    pub removed: Vec<Removal>,
}

/// What a cleaning (compaction) pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompactionOutcome {
    pub records_removed: u64,
    pub tombstones_removed: u64,
    /// The records a simulated producer wrote among them (for the checker).
    pub removed: Vec<Removal>,
}

/// The removals of `batch`'s records (its runs of consecutive offsets), if a simulated producer wrote it.
fn removals_of(batch: &RecordBatch, cause: RemovalCause, into: &mut Vec<Removal>) {
    let Some(first) = batch.origin else { return };
    let mut run: Option<(Offset, Offset)> = None;
    let close = |(first_offset, last_offset): (Offset, Offset), into: &mut Vec<Removal>| {
        let origin = RecordOrigin { index: first.index + (first_offset - batch.base_offset) as u32, ..first };
        into.push(Removal { first_offset, last_offset, origin, cause });
    };
    for offset in batch.records.offsets() {
        run = match run {
            Some((start, last)) if last + 1 == offset => Some((start, offset)),
            Some(done) => {
                close(done, into);
                Some((offset, offset))
            }
            None => Some((offset, offset)),
        };
    }
    if let Some(done) = run {
        close(done, into);
    }
}

#[derive(Clone, Debug)]
pub struct PartitionLog {
    /// Never empty: the last segment is the active one.
    segments: VecDeque<Segment>,
    log_start_offset: Offset,
    log_end_offset: Offset,
    /// Kafka's recovery point: records below it were flushed (fsynced) and survive a power loss.
    recovery_point: Offset,
    /// KIP-101's leader-epoch cache: each epoch and the first offset written in it, ascending.
    epoch_cache: Vec<(LeaderEpoch, Offset)>,
    /// Records below it went through the cleaner at least once (compacted topics).
    cleaned_up_to: Offset,
}

impl Default for PartitionLog {
    fn default() -> Self {
        PartitionLog::new(0)
    }
}

impl PartitionLog {
    pub fn new(now_ms: u64) -> Self {
        PartitionLog {
            segments: VecDeque::from([Segment::new(0, now_ms)]),
            log_start_offset: 0,
            log_end_offset: 0,
            recovery_point: 0,
            epoch_cache: Vec::new(),
            cleaned_up_to: 0,
        }
    }

    pub fn log_start_offset(&self) -> Offset {
        self.log_start_offset
    }

    /// The offset the next appended record will get.
    pub fn log_end_offset(&self) -> Offset {
        self.log_end_offset
    }

    pub fn is_empty(&self) -> bool {
        self.segments.iter().all(Segment::is_empty)
    }

    pub fn segments(&self) -> impl Iterator<Item = &Segment> {
        self.segments.iter()
    }

    pub fn size_bytes(&self) -> usize {
        self.segments.iter().map(|s| s.size_bytes).sum()
    }

    pub fn recovery_point(&self) -> Offset {
        self.recovery_point
    }

    /// Offsets below it were compacted at least once: a gap there is compaction's doing.
    pub fn cleaned_up_to(&self) -> Offset {
        self.cleaned_up_to
    }

    /// Records appended but not yet flushed to disk.
    pub fn unflushed_count(&self) -> u64 {
        self.log_end_offset - self.recovery_point
    }

    /// fsync: everything appended so far survives a power loss.
    pub fn flush(&mut self) {
        self.recovery_point = self.log_end_offset;
    }

    fn active(&mut self) -> &mut Segment {
        if self.segments.is_empty() {
            self.segments.push_back(Segment::new(self.log_end_offset, 0));
        }
        let last = self.segments.len() - 1;
        &mut self.segments[last]
    }

    /// Starts a new active segment at the LEO (Kafka rolls, and flushes the old one).
    fn roll(&mut self, now_ms: u64) {
        self.segments.push_back(Segment::new(self.log_end_offset, now_ms));
        self.recovery_point = self.log_end_offset;
    }

    /// Appends a batch at the log end; returns the offset of its first record.
    pub fn append(
        &mut self,
        records: BatchRecords,
        leader_epoch: LeaderEpoch,
        producer: ProducerStamp,
        origin: Option<RecordOrigin>,
        now_ms: u64,
        config: &TopicConfig,
    ) -> Offset {
        let base_offset = self.log_end_offset;
        if records.is_empty() {
            return base_offset;
        }
        // As Kafka does, the batch arrives with offset deltas; the log stamps absolute offsets (and, with
        // `message.timestamp.type=LogAppendTime`, its clock).
        let log_append_time = config.log_append_time.then_some(now_ms as i64);
        let records = records.stamped(base_offset, leader_epoch, log_append_time, origin);
        let last_offset = base_offset + records.len() as Offset - 1;
        let size_bytes = BATCH_OVERHEAD_BYTES + records.size_bytes(0..records.len());
        let batch = RecordBatch {
            base_offset,
            last_offset,
            leader_epoch,
            producer,
            origin,
            delete_horizon_ms: None,
            emptied_max_timestamp_ms: None,
            size_bytes,
            records,
        };
        self.push_batch(batch, now_ms, config);
        base_offset
    }

    /// A follower's append: the leader's batch as it is, offsets, epoch and producer stamp kept. Its base
    /// offset may lie above the LEO (the leader's log has a compaction gap there), never below.
    pub fn append_replicated(&mut self, batch: RecordBatch, now_ms: u64, config: &TopicConfig) -> Result<()> {
        if batch.base_offset < self.log_end_offset || batch.last_offset < batch.base_offset {
            return Err(franz_err!(
                CorruptMessage,
                "A replicated batch at [{}, {}] does not follow the log end offset {}",
                batch.base_offset,
                batch.last_offset,
                self.log_end_offset
            ));
        }
        if self.is_empty() && batch.base_offset > self.log_end_offset {
            // Nothing below it is held here: the log starts where the leader's data does.
            self.log_start_offset = batch.base_offset;
            self.active().base_offset = batch.base_offset;
        }
        // Offsets missing before or inside it are the leader cleaner's work (offsets are never reused): this
        // log holds them cleaned, as far as the batch goes (what the checker excuses, and no dirty bytes).
        let held = batch.records.len() as Offset;
        let cleaned = batch.base_offset > self.log_end_offset || held < batch.last_offset + 1 - batch.base_offset;
        let end = batch.last_offset + 1;
        self.push_batch(batch, now_ms, config);
        if cleaned {
            self.cleaned_up_to = self.cleaned_up_to.max(end);
        }
        Ok(())
    }

    fn push_batch(&mut self, batch: RecordBatch, now_ms: u64, config: &TopicConfig) {
        let batch_bytes = batch.size_bytes;
        let active = self.active();
        // No `as usize`: on wasm32 it would cut 2^32 to 0 and roll a segment per batch where native does not.
        let segment_bytes = usize::try_from(config.segment_bytes.max(0)).unwrap_or(usize::MAX);
        let full = active.size_bytes + batch_bytes > segment_bytes;
        // Kafka's `timeWaitedForRoll`: from the first batch's timestamp to this batch's (record time, so that
        // old records written now roll and age as their time says), or from the segment's creation when the
        // first batch has no timestamp (adversary 26: a backfill of hour-old records never rolled).
        let max_ts = batch.records.max_timestamp_ms();
        let waited_ms = match active.batches.first().map(RecordBatch::max_timestamp_ms) {
            Some(first_ms) if first_ms >= 0 => max_ts.saturating_sub(first_ms),
            _ => now_ms.saturating_sub(active.created_ms) as i64,
        };
        let old = waited_ms > config.segment_ms;
        if !active.is_empty() && (full || old) {
            self.roll(now_ms);
        }
        if self.epoch_cache.last().is_none_or(|&(e, _)| batch.leader_epoch > e) {
            self.epoch_cache.push((batch.leader_epoch, batch.base_offset));
        }
        self.log_end_offset = batch.last_offset + 1;
        let active = self.active();
        active.size_bytes += batch_bytes;
        active.max_timestamp_ms = active.max_timestamp_ms.max(max_ts);
        active.batches.push(batch);
        self.assert_invariants();
    }

    /// What a follower fetches: whole batches from `fetch_offset` to the LEO, at most `max_bytes` (but at
    /// least one batch). A batch that starts below `fetch_offset` comes trimmed to start there.
    pub fn read_batches(&self, fetch_offset: Offset, max_bytes: usize) -> Result<Vec<RecordBatch>> {
        if fetch_offset < self.log_start_offset || fetch_offset > self.log_end_offset {
            return Err(franz_err!(
                OffsetOutOfRange,
                "Fetch offset {fetch_offset} is out of range: the log holds [{}, {})",
                self.log_start_offset,
                self.log_end_offset
            ));
        }
        let mut out = Vec::new();
        let mut bytes = 0usize;
        for batch in self.batches_from(fetch_offset) {
            let size = batch.size_bytes;
            if !out.is_empty() && bytes + size > max_bytes {
                break;
            }
            bytes += size;
            let mut batch = batch.clone();
            if batch.base_offset < fetch_offset {
                let skipped = (fetch_offset - batch.base_offset) as i32;
                // A view of the rest of the batch: the fetch shares it, as it shares every whole batch.
                let skipped_records = batch.records.count_below(fetch_offset);
                batch.records = batch.records.slice(skipped_records..batch.records.len());
                batch.size_bytes = BATCH_OVERHEAD_BYTES + batch.records.size_bytes(0..batch.records.len());
                // Its first record now is a later one of the producer's batch (soak seed 10,136,541: a follower
                // whose log started mid-batch held the right record under the batch's first record's origin, and
                // the two replicas differed for good).
                if let Some(origin) = batch.origin.as_mut() {
                    origin.index += (fetch_offset - batch.base_offset) as u32;
                }
                batch.base_offset = fetch_offset;
                if batch.producer.producer_id >= 0 {
                    batch.producer.base_sequence = batch.producer.base_sequence.wrapping_add(skipped);
                }
            }
            out.push(batch);
        }
        Ok(out)
    }

    /// Records from `fetch_offset` (or the next one after a gap) up to, not including, `upper_offset`, in
    /// whole batches: at most `max_bytes` of them, but the first batch there even when it is larger (Kafka's
    /// `max.partition.fetch.bytes` / `fetch.max.bytes` rule, KIP-74). `fetch_offset` outside
    /// `[log start, LEO]` is `OFFSET_OUT_OF_RANGE`; at or above `upper_offset` it is an empty read.
    /// The records come as views of the log's batches (none empty), not copies: a read costs a step per
    /// batch, and a step per record only in a batch it cuts.
    pub fn read(&self, fetch_offset: Offset, upper_offset: Offset, max_bytes: usize) -> Result<Vec<BatchRecords>> {
        let leo = self.log_end_offset;
        if fetch_offset < self.log_start_offset || fetch_offset > leo {
            return Err(franz_err!(
                OffsetOutOfRange,
                "Fetch offset {fetch_offset} is out of range: the log holds [{}, {leo})",
                self.log_start_offset
            ));
        }
        let upper = upper_offset.min(leo);
        let mut out = Vec::new();
        let (mut bytes, mut count) = (0usize, 0usize);
        for batch in self.batches_from(fetch_offset) {
            let records = &batch.records;
            let from = if batch.base_offset < fetch_offset { records.count_below(fetch_offset) } else { 0 };
            let to = if batch.last_offset < upper { records.len() } else { records.count_below(upper) };
            if from < to {
                let whole = from == 0 && to == records.len();
                let size = if whole { batch.size_bytes - BATCH_OVERHEAD_BYTES } else { records.size_bytes(from..to) };
                if bytes + size <= max_bytes {
                    bytes += size;
                    count += to - from;
                    out.push(if whole { records.clone() } else { records.slice(from..to) });
                } else {
                    // Kafka hands out whole batches: the first one even when it is larger than max_bytes (so
                    // that the consumer makes progress), none that does not fit after it.
                    if count == 0 {
                        out.push(if whole { records.clone() } else { records.slice(from..to) });
                    }
                    break;
                }
            }
            if to < records.len() {
                break;
            }
        }
        Ok(out)
    }

    /// Whether [`PartitionLog::read`] with these offsets would return no record and no error: what a parked
    /// fetch checks after every change, without copying a record.
    pub fn read_is_empty(&self, fetch_offset: Offset, upper_offset: Offset) -> bool {
        let in_range = fetch_offset >= self.log_start_offset && fetch_offset <= self.log_end_offset;
        // A parked fetch usually waits at the bound (the HW) itself: nothing to look up.
        in_range
            && (fetch_offset >= upper_offset || self.first_offset_from(fetch_offset).is_none_or(|o| o >= upper_offset))
    }

    /// Every batch holding a record at or after `offset`, in order. Kafka's offset index: a binary search
    /// for the segment, then for the batch, so a read costs the same at any point of a long log.
    fn batches_from(&self, offset: Offset) -> impl Iterator<Item = &RecordBatch> {
        let first_segment = self.segments.partition_point(|s| s.base_offset <= offset).saturating_sub(1);
        self.segments.iter().skip(first_segment).enumerate().flat_map(move |(i, s)| {
            let first_batch = if i == 0 { s.batches.partition_point(|b| b.last_offset < offset) } else { 0 };
            s.batches[first_batch..].iter()
        })
    }

    /// Every record at or after `offset`, in order (each made from its batch as it comes).
    pub fn records_from(&self, offset: Offset) -> impl Iterator<Item = Record> + '_ {
        self.batches_from(offset)
            .flat_map(move |b| (b.records.count_below(offset)..b.records.len()).filter_map(|i| b.records.get(i)))
    }

    /// The offset of the first record at or after `offset`, if any.
    fn first_offset_from(&self, offset: Offset) -> Option<Offset> {
        self.batches_from(offset).find_map(|b| b.records.offsets().find(|&o| o >= offset))
    }

    /// The record at `offset`, if the log holds it.
    pub fn get(&self, offset: Offset) -> Option<Record> {
        self.records_from(offset).next().filter(|r| r.offset == offset)
    }

    pub fn iter(&self) -> impl Iterator<Item = Record> + '_ {
        self.segments.iter().flat_map(Segment::records)
    }

    /// Drops every record at or above `offset` (a follower's divergence, or what a power loss took).
    pub fn truncate_to(&mut self, offset: Offset) {
        if offset >= self.log_end_offset {
            // No record goes, but an epoch that starts at the log end does, as in Kafka's `truncateTo`: one
            // this replica assigned as leader and wrote nothing in, that its new leader never had (else the
            // follower would name it again and be told again that it diverged).
            let end = self.log_end_offset;
            self.epoch_cache.retain(|&(_, start)| start < end);
            return;
        }
        let offset = offset.max(self.log_start_offset);
        while self.segments.len() > 1 && self.segments.back().is_some_and(|s| s.base_offset >= offset) {
            self.segments.pop_back();
        }
        let active = self.active();
        if active.base_offset > offset {
            active.base_offset = offset;
        }
        active.batches.retain(|b| b.base_offset < offset);
        if let Some(last) = active.batches.last_mut() {
            last.retain_records(|r| r.offset < offset);
            last.last_offset = last.last_offset.min(offset - 1);
        }
        active.recompute();
        self.log_end_offset = offset;
        self.recovery_point = self.recovery_point.min(offset);
        self.cleaned_up_to = self.cleaned_up_to.min(offset);
        self.epoch_cache.retain(|&(_, start)| start < offset);
        self.assert_invariants();
    }

    /// Kafka's `maybeIncrementLogStartOffset` on a follower: its leader's log now starts at `offset`
    /// (retention there), so this replica's records below it go too, as whole batches (one that straddles
    /// `offset` stays, and the log starts at its base). A record a zombie leader appended there, which its
    /// truncation kept because the leader no longer knows that epoch, goes with them. Returns what went.
    pub fn advance_start_to(&mut self, offset: Offset) -> RetentionOutcome {
        let offset = offset.min(self.log_end_offset);
        let mut outcome = RetentionOutcome::default();
        if offset <= self.log_start_offset {
            return outcome;
        }
        let mut gone: Vec<RecordBatch> = Vec::new();
        while self.segments.len() > 1 && self.segments[1].base_offset <= offset {
            gone.extend(self.segments.pop_front().map(|s| s.batches).unwrap_or_default());
        }
        let first = &mut self.segments[0];
        let below = first.batches.partition_point(|b| b.last_offset < offset);
        gone.extend(first.batches.drain(..below));
        for b in &gone {
            outcome.records_deleted += b.records.len() as u64;
            removals_of(b, RemovalCause::Retention, &mut outcome.removed);
        }
        first.recompute();
        let start = first.batches.first().map_or(offset, |b| b.base_offset.min(offset));
        first.base_offset = start;
        self.log_start_offset = start;
        self.cleaned_up_to = self.cleaned_up_to.max(start);
        self.recovery_point = self.recovery_point.max(start);
        self.epoch_cache_drop_below_start();
        self.assert_invariants();
        outcome
    }

    /// A follower that fell below the leader's log start: everything goes, the log restarts at `offset`.
    pub fn truncate_fully_and_start_at(&mut self, offset: Offset, now_ms: u64) {
        self.segments = VecDeque::from([Segment::new(offset, now_ms)]);
        self.log_start_offset = offset;
        self.log_end_offset = offset;
        self.recovery_point = offset;
        self.cleaned_up_to = offset;
        self.epoch_cache.clear();
        self.assert_invariants();
    }

    /// A power loss: whatever was not flushed is gone.
    pub fn lose_unflushed(&mut self) {
        self.truncate_to(self.recovery_point);
    }

    /// Kafka's `maybeAssignEpochStartOffset` in `makeLeader`: a new leader's epoch starts at its log end
    /// before it appends anything (an entry there of an older epoch, which covers no record, gives way).
    /// Without it, a follower that fetched up to here in an epoch this log never wrote was told it diverged
    /// again and again, never caught up, and the partition stayed below `min.insync.replicas` with nothing
    /// to append (soak seed 10,010,519).
    pub fn assign_epoch(&mut self, epoch: LeaderEpoch) {
        if self.epoch_cache.last().is_some_and(|&(latest, _)| latest >= epoch) {
            return;
        }
        let start = self.log_end_offset;
        self.epoch_cache.retain(|&(_, s)| s < start);
        self.epoch_cache.push((epoch, start));
        self.assert_invariants();
    }

    /// The latest leader epoch written to this log, if any.
    pub fn latest_epoch(&self) -> Option<LeaderEpoch> {
        self.epoch_cache.last().map(|&(e, _)| e)
    }

    /// KIP-101's OffsetsForLeaderEpoch: the largest epoch ≤ `epoch` this log knows, and the offset where it
    /// ended (the start of the next epoch, or the LEO for the latest). `None` if the log has no such epoch.
    pub fn end_offset_for_epoch(&self, epoch: LeaderEpoch) -> Option<(LeaderEpoch, Offset)> {
        let index = self.epoch_cache.partition_point(|&(e, _)| e <= epoch);
        let (found, _) = *self.epoch_cache.get(index.checked_sub(1)?)?;
        let end = self.epoch_cache.get(index).map_or(self.log_end_offset, |&(_, start)| start);
        Some((found, end))
    }

    pub fn epoch_cache(&self) -> &[(LeaderEpoch, Offset)] {
        &self.epoch_cache
    }

    /// Kafka's retention: whole segments, oldest first, stopping at the first that does not qualify, and
    /// only segments entirely below the high watermark. Time: now − the segment's largest timestamp >
    /// `retention.ms`. Size: while the log stays ≥ `retention.bytes` without the segment. Either reaches the
    /// active segment once the high watermark is at its end (Kafka rolls it first).
    pub fn apply_retention(&mut self, now_ms: u64, high_watermark: Offset, config: &TopicConfig) -> RetentionOutcome {
        let mut outcome = RetentionOutcome::default();
        if !config.cleanup_policy_delete {
            return outcome;
        }
        let mut excess =
            if config.retention_bytes >= 0 { self.size_bytes() as i64 - config.retention_bytes } else { 0 };
        while let Some(first) = self.segments.front() {
            let is_active = self.segments.len() == 1;
            let upper = if is_active { self.log_end_offset } else { self.segments[1].base_offset };
            if (first.is_empty() && is_active) || upper > high_watermark {
                break;
            }
            // A segment compaction emptied holds nothing: it goes, so that retention can reach the next.
            let empty = first.is_empty();
            let expired = config.retention_ms >= 0
                && first.max_timestamp_ms != i64::MIN
                && (now_ms as i64).saturating_sub(first.max_timestamp_ms) > config.retention_ms;
            // (The active segment too, as Kafka's `deletableSegments` offers it once the HW reaches its end:
            // with `retention.bytes` 0 the log empties. Adversary 26.)
            let too_big = config.retention_bytes >= 0 && excess - first.size_bytes as i64 >= 0;
            if !(empty || expired || too_big) {
                break;
            }
            if is_active {
                self.roll(now_ms); // Kafka rolls an expired active segment so that it can be deleted
            }
            let Some(gone) = self.segments.pop_front() else { break };
            gone.batches.iter().for_each(|b| removals_of(b, RemovalCause::Retention, &mut outcome.removed));
            excess -= gone.size_bytes as i64;
            outcome.segments_deleted += 1;
            outcome.records_deleted += gone.record_count() as u64;
            self.log_start_offset = self.segments.front().map_or(self.log_end_offset, |s| s.base_offset);
        }
        self.cleaned_up_to = self.cleaned_up_to.max(self.log_start_offset);
        self.recovery_point = self.recovery_point.max(self.log_start_offset);
        self.epoch_cache_drop_below_start();
        self.assert_invariants();
        outcome
    }

    /// Keeps the epoch entry that covers the log start, drops those entirely before it.
    fn epoch_cache_drop_below_start(&mut self) {
        let start = self.log_start_offset;
        let covering = self.epoch_cache.partition_point(|&(_, s)| s <= start);
        if covering > 1 {
            self.epoch_cache.drain(..covering - 1);
        }
        if let Some(first) = self.epoch_cache.first_mut() {
            first.1 = first.1.max(start);
        }
    }

    /// One pass of Kafka's log cleaner over a compacted log: below the first uncleanable offset, keep only
    /// the latest record per key; drop tombstones whose delete horizon passed. Offsets never change.
    /// When the cleaner should next compact this log, if ever: now (0) once the dirty part (not yet cleaned,
    /// below the active segment and the HW) is more than `min.cleanable.dirty.ratio` of the cleanable log,
    /// else when its oldest dirty record passes `max.compaction.lag.ms` (Kafka's `grabFilthiestCompactedLog`).
    /// A tombstone past its delete horizon goes only when a cleaning comes for these reasons: Kafka does not
    /// clean a log for its tombstones alone (KAFKA-8522).
    pub fn compaction_due_ms(&self, high_watermark: Offset, config: &TopicConfig) -> Option<u64> {
        if !config.cleanup_policy_compact || self.segments.len() < 2 {
            return None;
        }
        let upper = self.segments[self.segments.len() - 1].base_offset.min(high_watermark);
        let (mut clean_bytes, mut dirty_bytes, mut oldest_dirty_ms) = (0usize, 0usize, i64::MAX);
        let records = self.segments.iter().flat_map(|s| &s.batches).flat_map(|b| b.records.sizes());
        for (offset, timestamp_ms, size) in records.take_while(|&(offset, ..)| offset < upper) {
            if offset < self.cleaned_up_to {
                clean_bytes += size;
            } else {
                dirty_bytes += size;
                oldest_dirty_ms = oldest_dirty_ms.min(timestamp_ms);
            }
        }
        if dirty_bytes == 0 {
            return None;
        }
        let ratio = dirty_bytes as f64 / (clean_bytes + dirty_bytes) as f64;
        if ratio > config.min_cleanable_dirty_ratio {
            return Some(0);
        }
        (config.max_compaction_lag_ms != i64::MAX)
            .then(|| oldest_dirty_ms.saturating_add(config.max_compaction_lag_ms).max(0) as u64)
    }

    pub fn compact(&mut self, now_ms: u64, high_watermark: Offset, config: &TopicConfig) -> CompactionOutcome {
        let mut outcome = CompactionOutcome::default();
        if self.compaction_due_ms(high_watermark, config).is_none_or(|due| due > now_ms) {
            return outcome;
        }
        // The active segment, the HW and min.compaction.lag.ms bound what may be cleaned.
        let lag_cutoff = (now_ms as i64).saturating_sub(config.min_compaction_lag_ms);
        let mut uncleanable = self.segments[self.segments.len() - 1].base_offset.min(high_watermark);
        if let Some(young) = self.segments.iter().find(|s| !s.is_empty() && s.max_timestamp_ms > lag_cutoff) {
            uncleanable = uncleanable.min(young.base_offset);
        }
        let cleanable_segments = self.segments.partition_point(|s| s.base_offset < uncleanable);
        let upper = |i: usize, segments: &VecDeque<Segment>| segments.get(i + 1).map_or(Offset::MAX, |s| s.base_offset);
        let cleanable_segments =
            (0..cleanable_segments).take_while(|&i| upper(i, &self.segments) <= uncleanable).count();
        if cleanable_segments == 0 {
            return outcome;
        }
        let end = self.segments[cleanable_segments].base_offset;
        // Each key's latest offset (the map built at once: a tree type costs its own code in the wasm).
        let keyed = self.segments.iter().take(cleanable_segments).flat_map(Segment::records);
        let latest = crate::vec_map::VecMap::from_pairs(keyed.filter_map(|r| Some((r.key?, r.offset))).collect());
        let horizon = now_ms.saturating_add(config.delete_retention_ms.max(0) as u64);
        for segment in self.segments.iter_mut().take(cleanable_segments) {
            for batch in &mut segment.batches {
                let before = batch.records.len();
                let mut tombstones_removed = 0;
                let (batch_horizon, base_offset, origin) = (batch.delete_horizon_ms, batch.base_offset, batch.origin);
                let removals = &mut outcome.removed;
                let mut removed = |offset: Offset, cause: RemovalCause| {
                    if let Some(first) = origin {
                        let origin = RecordOrigin { index: first.index + (offset - base_offset) as u32, ..first };
                        removals.push(Removal { first_offset: offset, last_offset: offset, origin, cause });
                    }
                    false
                };
                batch.retain_records(|r| {
                    // A record without a key (written before the topic became compacted: a compacted topic
                    // refuses them) goes, as Kafka's `Cleaner.shouldRetainRecord` drops it.
                    let Some(key) = &r.key else { return removed(r.offset, RemovalCause::Keyless) };
                    if latest.get(key) != Some(&r.offset) {
                        // A later record has this key (`by`; itself, which the checker refuses, if none had).
                        let by = latest.get(key).copied().unwrap_or(r.offset);
                        return removed(r.offset, RemovalCause::Superseded { by });
                    }
                    let expired_tombstone = r.value.is_none() && batch_horizon.is_some_and(|h| now_ms >= h);
                    tombstones_removed += u64::from(expired_tombstone);
                    !expired_tombstone || removed(r.offset, RemovalCause::TombstoneExpired)
                });
                if batch.delete_horizon_ms.is_none() && batch.records.iter().any(|r| r.value.is_none()) {
                    batch.delete_horizon_ms = Some(horizon);
                }
                outcome.records_removed += (before - batch.records.len()) as u64;
                outcome.tombstones_removed += tombstones_removed;
            }
            segment.batches.retain(|b| !b.records.is_empty() || b.producer.producer_id != NO_PRODUCER_ID);
            segment.recompute();
        }
        // Empty segments (but the first, whose base is the log start) go, as Kafka merges them away.
        let mut i = 1;
        while i < cleanable_segments.min(self.segments.len() - 1) {
            if self.segments[i].is_empty() {
                self.segments.remove(i);
            } else {
                i += 1;
            }
        }
        self.cleaned_up_to = self.cleaned_up_to.max(end);
        self.assert_invariants();
        outcome
    }

    fn assert_invariants(&self) {
        debug_assert!(!self.segments.is_empty(), "a log always has an active segment");
        debug_assert!(self.log_start_offset <= self.log_end_offset, "log start ≤ LEO");
        debug_assert!(self.recovery_point <= self.log_end_offset, "recovery point ≤ LEO");
        let offsets = || self.segments.iter().flat_map(|s| &s.batches).flat_map(|b| b.records.offsets());
        debug_assert!(offsets().zip(offsets().skip(1)).all(|(a, b)| a < b), "offsets strictly increase");
        debug_assert!(offsets().all(|o| o >= self.log_start_offset && o < self.log_end_offset));
        debug_assert!(
            self.segments
                .iter()
                .flat_map(|s| &s.batches)
                .all(|b| b.size_bytes == BATCH_OVERHEAD_BYTES + b.records.size_bytes(0..b.records.len())
                    && b.records.offsets().next_back().is_none_or(|o| o <= b.last_offset)),
            "a batch's size is its records', and they lie within its offsets"
        );
        debug_assert!(self
            .segments
            .iter()
            .zip(self.segments.iter().skip(1))
            .all(|(a, b)| a.base_offset <= b.base_offset));
        debug_assert!(self.epoch_cache.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1), "epoch cache ascends");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigMap;
    use crate::error::ErrorCode;
    use crate::types::Bytes;
    use alloc::string::ToString;
    use alloc::vec;
    use proptest::prelude::*;

    fn data(value: &str) -> Record {
        Record::new(0, None, Some(Bytes::copy_from_slice(value.as_bytes())))
    }

    fn keyed(key: &str, value: Option<&str>, timestamp_ms: i64) -> Record {
        Record::new(
            timestamp_ms,
            Some(Bytes::copy_from_slice(key.as_bytes())),
            value.map(|v| Bytes::copy_from_slice(v.as_bytes())),
        )
    }

    fn config(pairs: &[(&str, &str)]) -> TopicConfig {
        let map: ConfigMap = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        TopicConfig::parse(&map).unwrap()
    }

    fn append(log: &mut PartitionLog, batch: Vec<Record>, now_ms: u64, config: &TopicConfig) -> Offset {
        log.append(batch.into(), 0, ProducerStamp::NONE, None, now_ms, config)
    }

    /// A read's records, copied out of the views.
    fn read(log: &PartitionLog, fetch_offset: Offset, upper: Offset, max_bytes: usize) -> Result<Vec<Record>> {
        Ok(log.read(fetch_offset, upper, max_bytes)?.iter().flat_map(|b| b.iter()).collect())
    }

    /// What a read returns, record by record: the rule `read` implements a batch at a time.
    /// Kafka's rule, batch by batch: the records of each batch from `fetch_offset` below `upper`, whole
    /// batches while they fit in `max_bytes`, the first one even when it does not.
    fn read_batch_by_batch(log: &PartitionLog, fetch_offset: Offset, upper: Offset, max_bytes: usize) -> Vec<Record> {
        let upper = upper.min(log.log_end_offset());
        let (mut out, mut bytes) = (Vec::new(), 0usize);
        for batch in log.segments().flat_map(|s| s.batches.iter()) {
            let all: Vec<Record> = batch.records.iter().collect();
            let records: Vec<Record> =
                all.iter().filter(|r| r.offset >= fetch_offset && r.offset < upper).cloned().collect();
            let size: usize = records.iter().map(Record::size_bytes).sum();
            if !records.is_empty() {
                if !out.is_empty() && bytes + size > max_bytes {
                    break;
                }
                bytes += size;
                out.extend(records);
            }
            if all.iter().any(|r| r.offset >= upper) {
                break;
            }
        }
        out
    }

    #[test]
    fn offsets_start_at_zero_and_are_dense() {
        let c = TopicConfig::default();
        let mut log = PartitionLog::new(0);
        assert_eq!(append(&mut log, vec![data("a"), data("b")], 0, &c), 0);
        assert_eq!(append(&mut log, vec![data("c")], 0, &c), 2);
        assert_eq!(log.log_end_offset(), 3);
        let read = read(&log, 1, 3, usize::MAX).unwrap();
        assert_eq!(read.iter().map(|r| r.offset).collect::<Vec<_>>(), vec![1, 2]);
    }

    #[test]
    fn read_bounds() {
        let c = TopicConfig::default();
        let mut log = PartitionLog::new(0);
        append(&mut log, vec![data("a"), data("b"), data("c")], 0, &c);
        assert!(log.read(3, 3, 100).unwrap().is_empty(), "at LEO: empty, not an error");
        assert!(log.read(2, 1, 100).unwrap().is_empty(), "above the upper bound: empty");
        assert_eq!(log.read(4, 4, 100).unwrap_err().code, ErrorCode::OffsetOutOfRange);
        assert_eq!(read(&log, 0, 3, 1).unwrap().len(), 3, "the whole first batch even if over max bytes");
        append(&mut log, vec![data("d")], 0, &c);
        let first_batch = read(&log, 0, 4, usize::MAX).unwrap()[..3].iter().map(Record::size_bytes).sum::<usize>();
        assert_eq!(read(&log, 0, 4, first_batch).unwrap().len(), 3, "a batch that does not fit after it stays");
        assert_eq!(read(&log, 0, 4, first_batch + 100).unwrap().len(), 4, "one that fits comes too");
        let views = log.read(1, 3, usize::MAX).unwrap();
        assert_eq!(views.len(), 1, "one view of the batch, cut to the records asked for");
        assert_eq!(views[0].iter().map(|r| r.offset).collect::<Vec<_>>(), [1, 2]);
    }

    #[test]
    fn segments_roll_by_bytes_and_by_time() {
        let c = config(&[("segment.bytes", "300"), ("segment.ms", "1000")]);
        let mut log = PartitionLog::new(0);
        for i in 0..6 {
            append(&mut log, vec![data(&"x".repeat(50))], i, &c); // ~132 bytes a batch: two fit in 300
        }
        assert_eq!(log.segments().map(|s| s.base_offset).collect::<Vec<_>>(), [0, 2, 4]);
        assert_eq!(log.read(3, 10, usize::MAX).unwrap().len(), 3, "reads cross segments");
        // segment.ms counts in record time, from the active segment's first batch (Kafka's
        // `timeWaitedForRoll`): a record written late but stamped as the others rolls nothing.
        let c = config(&[("segment.ms", "1000")]);
        let mut log = PartitionLog::new(0);
        let stamped = |ms: i64| vec![Record::new(ms, None, Some(Bytes::from_static(b"v")))];
        append(&mut log, stamped(0), 0, &c);
        append(&mut log, stamped(0), 5_000, &c);
        append(&mut log, stamped(1_000), 5_000, &c);
        assert_eq!(log.segments().count(), 1, "stamped within segment.ms of the first batch");
        append(&mut log, stamped(1_001), 5_000, &c);
        assert_eq!(log.segments().last().unwrap().base_offset, 3, "rolled by segment.ms");
        // A backfill: records stamped an hour ago, then one stamped now, rolls at once (adversary 26).
        let mut log = PartitionLog::new(0);
        append(&mut log, vec![Record::new(0, None, Some(Bytes::from_static(b"old")))], 3_600_000, &c);
        append(&mut log, vec![Record::new(3_600_000, None, Some(Bytes::from_static(b"new")))], 3_600_000, &c);
        assert_eq!(log.segments().map(|s| s.base_offset).collect::<Vec<_>>(), [0, 1]);
    }

    #[test]
    fn power_loss_keeps_only_what_was_flushed() {
        let c = TopicConfig::default();
        let mut log = PartitionLog::new(0);
        append(&mut log, vec![data("a"), data("b")], 0, &c);
        log.flush();
        append(&mut log, vec![data("c")], 0, &c);
        assert_eq!(log.unflushed_count(), 1);
        log.lose_unflushed();
        assert_eq!(log.log_end_offset(), 2);
        assert_eq!(
            log.append(vec![data("d")].into(), 1, ProducerStamp::NONE, None, 0, &c),
            2,
            "dense after truncation"
        );
        log.truncate_to(1);
        assert_eq!((log.log_end_offset(), log.recovery_point()), (1, 1));
    }

    #[test]
    fn leader_epoch_cache_answers_offsets_for_leader_epoch() {
        let c = TopicConfig::default();
        let mut log = PartitionLog::new(0);
        log.append(vec![data("a"), data("b")].into(), 0, ProducerStamp::NONE, None, 0, &c);
        log.append(vec![data("c")].into(), 2, ProducerStamp::NONE, None, 0, &c);
        log.append(vec![data("d")].into(), 2, ProducerStamp::NONE, None, 0, &c);
        log.append(vec![data("e")].into(), 5, ProducerStamp::NONE, None, 0, &c);
        assert_eq!(log.epoch_cache(), [(0, 0), (2, 2), (5, 4)]);
        assert_eq!(log.end_offset_for_epoch(0), Some((0, 2)));
        assert_eq!(log.end_offset_for_epoch(1), Some((0, 2)), "largest epoch ≤ 1 is 0");
        assert_eq!(log.end_offset_for_epoch(2), Some((2, 4)));
        assert_eq!(log.end_offset_for_epoch(9), Some((5, 5)), "the latest ends at the LEO");
        assert_eq!(log.end_offset_for_epoch(-1), None);
        log.truncate_to(3);
        assert_eq!(log.epoch_cache(), [(0, 0), (2, 2)]);
        assert_eq!(log.latest_epoch(), Some(2));
    }

    /// Soak seed 10,010,519. A new leader's epoch starts at its log end before it appends (Kafka's
    /// `makeLeader`), so a follower whose last epoch this log never wrote is not told it diverged; and a
    /// replica that led an epoch without writing in it drops that epoch when it truncates to its log end (the
    /// new leader never had it), so that it names it no more.
    #[test]
    fn a_leaders_epoch_starts_at_its_log_end_and_an_empty_one_goes_at_truncation() {
        let c = TopicConfig::default();
        let mut log = PartitionLog::new(0);
        log.append(vec![data("a"), data("b")].into(), 0, ProducerStamp::NONE, None, 0, &c);
        log.advance_start_to(2); // retention, say: nothing left, yet epoch 0 covers the start
        assert_eq!(log.epoch_cache(), [(0, 2)]);
        log.assign_epoch(2);
        assert_eq!(log.epoch_cache(), [(2, 2)], "epoch 0 covered no record");
        assert_eq!(log.end_offset_for_epoch(1), None, "a follower at offset 2 of epoch 1 has not diverged");
        assert_eq!(log.end_offset_for_epoch(2), Some((2, 2)));
        log.assign_epoch(1);
        assert_eq!(log.epoch_cache(), [(2, 2)], "epochs only grow");
        // It led epoch 2 and wrote nothing; its new leader says epoch 0 ended at 2: the log keeps its records.
        log.truncate_to(2);
        assert_eq!((log.epoch_cache(), log.log_end_offset()), (&[][..], 2));
        let mut log = PartitionLog::new(0);
        log.append(vec![data("a")].into(), 0, ProducerStamp::NONE, None, 0, &c);
        log.assign_epoch(3);
        assert_eq!(log.epoch_cache(), [(0, 0), (3, 1)]);
        log.truncate_to(5);
        assert_eq!((log.epoch_cache(), log.latest_epoch()), (&[(0, 0)][..], Some(0)));
    }

    #[test]
    fn a_follower_takes_its_leaders_log_start_dropping_whole_batches_below_it() {
        let c = config(&[("segment.bytes", "200")]);
        let mut log = PartitionLog::new(0);
        for epoch in [0, 0, 1, 1, 2] {
            log.append(vec![data("a"), data("b")].into(), epoch, ProducerStamp::NONE, None, 0, &c);
        }
        assert_eq!(log.advance_start_to(0).records_deleted, 0, "never back");
        // Offset 3 lies inside the batch [2, 3]: it stays, and the log starts at its base.
        assert_eq!(log.advance_start_to(3).records_deleted, 2);
        assert_eq!((log.log_start_offset(), log.log_end_offset()), (2, 10));
        assert_eq!(log.iter().map(|r| r.offset).collect::<Vec<_>>(), (2..10).collect::<Vec<_>>());
        assert_eq!(log.advance_start_to(8).records_deleted, 6);
        assert_eq!(log.log_start_offset(), 8);
        assert_eq!(log.epoch_cache(), [(2, 8)], "the epoch covering the new start is kept");
        assert_eq!(log.advance_start_to(50).records_deleted, 2, "at most to the LEO");
        assert_eq!((log.log_start_offset(), log.log_end_offset(), log.is_empty()), (10, 10, true));
    }

    #[test]
    fn time_retention_deletes_whole_old_segments_below_the_high_watermark() {
        let c = config(&[("segment.bytes", "200"), ("retention.ms", "1000")]);
        let mut log = PartitionLog::new(0);
        for t in [0, 100, 200, 5_000] {
            log.append(
                vec![Record { timestamp_ms: t, ..data(&"y".repeat(60)) }].into(),
                0,
                ProducerStamp::NONE,
                None,
                t as u64,
                &c,
            );
        }
        assert_eq!(log.segments().count(), 4);
        let hw_low = log.apply_retention(5_500, 1, &c);
        assert_eq!(hw_low.segments_deleted, 1, "the second segment is not wholly below HW 1");
        assert_eq!(log.log_start_offset(), 1);
        let done = log.apply_retention(5_500, 4, &c);
        assert_eq!(done, RetentionOutcome { segments_deleted: 2, records_deleted: 2, removed: Vec::new() });
        assert_eq!(log.log_start_offset(), 3, "the young segment stays");
        assert_eq!(log.read(0, 4, 100).unwrap_err().code, ErrorCode::OffsetOutOfRange);
        let all = log.apply_retention(100_000, 4, &c);
        assert_eq!(all.segments_deleted, 1, "an expired active segment is rolled, then deleted");
        assert_eq!((log.log_start_offset(), log.log_end_offset()), (4, 4));
        assert_eq!(log.append(vec![data("z")].into(), 0, ProducerStamp::NONE, None, 100_000, &c), 4);
    }

    #[test]
    fn size_retention_keeps_the_log_under_retention_bytes() {
        let c = config(&[("segment.bytes", "200"), ("retention.bytes", "300")]);
        let mut log = PartitionLog::new(0);
        for _ in 0..5 {
            append(&mut log, vec![data(&"y".repeat(60))], 0, &c);
        }
        let before = log.size_bytes();
        let outcome = log.apply_retention(0, 5, &c);
        assert!(outcome.segments_deleted >= 2, "{outcome:?}");
        assert!(log.size_bytes() >= 300 - 150 && log.size_bytes() < before);
        // retention.bytes 0 empties the log, the active segment too once the HW is at its end (adversary 26).
        let none_kept = config(&[("segment.bytes", "200"), ("retention.bytes", "0")]);
        assert_eq!(log.apply_retention(0, 4, &none_kept).records_deleted, 2, "below the HW only");
        assert_eq!(log.log_start_offset(), 4);
        assert_eq!(log.apply_retention(0, 5, &none_kept).records_deleted, 1);
        assert_eq!((log.log_start_offset(), log.log_end_offset(), log.size_bytes()), (5, 5, 0));
        let policy_compact = config(&[("cleanup.policy", "compact"), ("retention.bytes", "1")]);
        assert_eq!(
            log.apply_retention(0, 5, &policy_compact),
            RetentionOutcome::default(),
            "compact alone never deletes"
        );
    }

    #[test]
    fn compaction_keeps_the_latest_value_per_key_and_tombstones_for_a_while() {
        let c = config(&[("cleanup.policy", "compact"), ("segment.bytes", "100"), ("delete.retention.ms", "1000")]);
        let mut log = PartitionLog::new(0);
        for (k, v) in
            [("a", Some("1")), ("b", Some("1")), ("a", Some("2")), ("b", None), ("c", Some("1")), ("a", Some("3"))]
        {
            append(&mut log, vec![keyed(k, v, 0)], 0, &c);
        }
        append(&mut log, vec![keyed("z", Some("active"), 0)], 0, &c);
        let outcome = log.compact(10, log.log_end_offset(), &c);
        assert_eq!(outcome.records_removed, 3, "{outcome:?}");
        let left: Vec<(Offset, Option<Bytes>)> = log.iter().map(|r| (r.offset, r.value)).collect();
        let value = |v: &'static str| Some(Bytes::from_static(v.as_bytes()));
        assert_eq!(left, [(3, None), (4, value("1")), (5, value("3")), (6, value("active"))]);
        assert_eq!(log.log_start_offset(), 0, "compaction never moves the log start");
        assert_eq!(read(&log, 0, 10, usize::MAX).unwrap()[0].offset, 3, "a read in a gap starts at the next record");
        assert_eq!(log.compact(500, log.log_end_offset(), &c).tombstones_removed, 0, "tombstone kept");
        // Past its delete horizon, a tombstone goes with the log's next cleaning, which needs new dirty data
        // (Kafka cleans no log for its tombstones alone).
        assert_eq!(log.compaction_due_ms(log.log_end_offset(), &c), None, "nothing dirty: no cleaning due");
        assert_eq!(log.compact(1_011, log.log_end_offset(), &c).tombstones_removed, 0, "kept past its horizon");
        for v in ["4", "5", "6", "7", "8", "9"] {
            append(&mut log, vec![keyed("c", Some(v), 0)], 0, &c);
        }
        assert_eq!(log.compact(1_012, log.log_end_offset(), &c).tombstones_removed, 1, "dropped by the next cleaning");
        assert!(log.get(3).is_none());
    }

    /// A read from the middle of a batch hands out the rest of it: its first record is a later one of the
    /// producer's batch, and its origin says so (soak seed 10,136,541: a follower whose log started mid-batch
    /// held the right record under the batch's first record's origin).
    #[test]
    fn a_batch_read_from_its_middle_names_its_first_record_s_origin() {
        let c = config(&[]);
        let mut log = PartitionLog::new(0);
        let origin = RecordOrigin { batch: BatchOrigin { producer: 7, batch_id: 3 }, index: 0 };
        let batch: Vec<Record> = (0..3).map(|i| data(&format!("{i}"))).collect();
        log.append(batch.into(), 0, ProducerStamp::NONE, Some(origin), 0, &c);
        let read = log.read_batches(2, usize::MAX).unwrap();
        assert_eq!((read[0].base_offset, read[0].records.len()), (2, 1));
        assert_eq!(read[0].origin, Some(RecordOrigin { index: 2, ..origin }));
        let mut follower = PartitionLog::new(2);
        follower.append_replicated(read[0].clone(), 0, &c).unwrap();
        let held = follower.segments().flat_map(|s| &s.batches).next().unwrap();
        assert_eq!(held.origin, Some(RecordOrigin { index: 2, ..origin }), "as the leader's offset 2");
    }

    /// The checker's list of what was removed on purpose: each record once, with who wrote it and why, and
    /// none at offsets a truncation gave up (the log reuses them).
    #[test]
    fn removals_name_each_record_retention_or_the_cleaner_removed() {
        let origin = |batch_id| Some(RecordOrigin { batch: BatchOrigin { producer: 7, batch_id }, index: 0 });
        let c = config(&[("cleanup.policy", "compact"), ("segment.bytes", "100"), ("delete.retention.ms", "1000")]);
        let mut log = PartitionLog::new(0);
        for (i, (k, v)) in [("a", Some("1")), ("b", Some("1")), ("a", Some("2")), ("b", None), ("a", Some("3"))]
            .into_iter()
            .enumerate()
        {
            log.append(vec![keyed(k, v, 0)].into(), 0, ProducerStamp::NONE, origin(i as u64), 0, &c);
        }
        append(&mut log, vec![keyed("z", Some("active"), 0)], 0, &c); // no simulated producer's: not listed
        let named = |removed: &[Removal]| {
            removed
                .iter()
                .map(|r| (r.first_offset, r.last_offset, r.origin.batch.batch_id, r.cause))
                .collect::<Vec<_>>()
        };
        let superseded = |by| RemovalCause::Superseded { by };
        let first = log.compact(10, log.log_end_offset(), &c).removed;
        assert_eq!(named(&first), [(0, 0, 0, superseded(4)), (1, 1, 1, superseded(3)), (2, 2, 2, superseded(4))]);
        for v in ["4", "5", "6", "7", "8", "9"] {
            append(&mut log, vec![keyed("c", Some(v), 0)], 0, &c);
        }
        let later = log.compact(1_012, log.log_end_offset(), &c).removed;
        assert!(named(&later).contains(&(3, 3, 3, RemovalCause::TombstoneExpired)), "{:?}", named(&later));
        // Retention: whole batches, one run each, the origin of a batch's later records following its first.
        let c = config(&[("segment.bytes", "100"), ("retention.bytes", "0")]);
        let mut log = PartitionLog::new(0);
        for b in 0..3 {
            let batch: Vec<Record> = (0..3).map(|i| data(&format!("{b}{i}"))).collect();
            log.append(batch.into(), 0, ProducerStamp::NONE, origin(b), 0, &c);
        }
        let mut follower = log.clone();
        let removed = log.apply_retention(0, log.log_end_offset(), &c).removed;
        let retention = RemovalCause::Retention;
        assert_eq!(named(&removed), [(0, 2, 0, retention), (3, 5, 1, retention), (6, 8, 2, retention)]);
        assert_eq!(removed[1].origin_at(5).map(|o| (o.batch.batch_id, o.index)), Some((1, 2)));
        assert_eq!(removed[1].origin_at(6), None);
        // A follower taking its leader's log start removes whole batches below it.
        assert_eq!(named(&follower.advance_start_to(4).removed), [(0, 2, 0, retention)]);
    }

    /// Adversary 26: records without a key, written while the topic was `delete`, stayed through every
    /// cleaning once it became `compact`; Kafka's cleaner drops them.
    #[test]
    fn compaction_drops_records_without_a_key() {
        let c = config(&[("cleanup.policy", "compact"), ("segment.bytes", "100")]);
        let mut log = PartitionLog::new(0);
        append(&mut log, vec![Record::new(0, None, Some(Bytes::from_static(b"no key")))], 0, &c);
        append(&mut log, vec![keyed("a", Some("1"), 0)], 0, &c);
        append(&mut log, vec![keyed("z", Some("active"), 0)], 0, &c);
        assert_eq!(log.compact(10, log.log_end_offset(), &c).records_removed, 1);
        let left: Vec<Offset> = log.iter().map(|r| r.offset).collect();
        assert_eq!(left, [1, 2], "the keyed records stay");
    }

    /// Adversary 18: compaction emptied the oldest segment's idempotent batches (kept for their producer's
    /// state); the segment read as never expiring, and time retention stopped at it for good.
    #[test]
    fn time_retention_reaches_batches_compaction_emptied() {
        let c = config(&[
            ("cleanup.policy", "compact,delete"),
            ("segment.bytes", "100"),
            ("retention.ms", "20000"),
            ("delete.retention.ms", "0"),
        ]);
        let mut log = PartitionLog::new(0);
        let producer = ProducerStamp { producer_id: 7, producer_epoch: 0, base_sequence: 0 };
        for (i, k) in ["a", "b", "a", "b", "c", "d"].into_iter().enumerate() {
            let stamp = ProducerStamp { base_sequence: i as i32, ..producer };
            log.append(vec![keyed(k, Some("v"), i as i64 * 1_000)].into(), 0, stamp, None, i as u64 * 1_000, &c);
        }
        assert!(log.compact(6_000, log.log_end_offset(), &c).records_removed >= 2);
        let first = log.segments().next().unwrap();
        assert!(first.batches.iter().all(|b| b.records.is_empty()), "the first segment emptied: {first:?}");
        assert_eq!(first.max_timestamp_ms, 0, "an emptied batch keeps its records' largest timestamp");
        let outcome = log.apply_retention(40_000, log.log_end_offset(), &c);
        assert!(outcome.segments_deleted >= 3, "every segment but the active one expired: {outcome:?}");
        assert_eq!(log.log_start_offset(), log.segments().next().unwrap().base_offset);
        assert!(log.log_start_offset() >= 5, "{}", log.log_start_offset());
    }

    #[test]
    fn compaction_respects_the_high_watermark_and_min_compaction_lag() {
        let c = config(&[("cleanup.policy", "compact"), ("segment.bytes", "100"), ("min.compaction.lag.ms", "1000")]);
        let mut log = PartitionLog::new(0);
        for t in 0..4 {
            append(&mut log, vec![keyed("k", Some("v"), t * 1_000)], 0, &c);
        }
        assert_eq!(log.compact(2_500, 4, &c).records_removed, 1, "only records older than the lag");
        assert_eq!(log.compact(10_000, 1, &c).records_removed, 0, "nothing at or above the HW");
        // Dirty bytes exactly min.cleanable.dirty.ratio (0.5) of the cleanable log: Kafka cleans only above it.
        assert_eq!(log.compact(10_000, 4, &c).records_removed, 0, "a dirty ratio of exactly 0.5");
        append(&mut log, vec![keyed("k", Some("v"), 4_000)], 0, &c);
        assert_eq!(log.compact(10_000, 5, &c).records_removed, 2, "above it");
    }

    proptest! {
        #[test]
        fn offsets_stay_dense_and_increasing(batches in proptest::collection::vec(1usize..20, 0..30)) {
            let c = config(&[("segment.bytes", "500")]);
            let mut log = PartitionLog::new(0);
            let mut expected_base = 0;
            for n in batches {
                let base = append(&mut log, (0..n).map(|_| data("x")).collect(), 0, &c);
                prop_assert_eq!(base, expected_base);
                expected_base += n as Offset;
            }
            let all = read(&log, 0, Offset::MAX, usize::MAX).unwrap();
            prop_assert_eq!(all.len() as Offset, expected_base);
            for (i, r) in all.iter().enumerate() {
                prop_assert_eq!(r.offset, i as Offset);
            }
        }

        #[test]
        fn compaction_keeps_exactly_the_latest_per_key_in_order(
            writes in proptest::collection::vec((0u8..6, 0u16..1000), 1..80),
            hw_fraction in 0.0f64..=1.0,
        ) {
            let c = config(&[("cleanup.policy", "compact"), ("segment.bytes", "150")]);
            let mut log = PartitionLog::new(0);
            for (k, v) in &writes {
                append(&mut log, vec![keyed(&k.to_string(), Some(&v.to_string()), 0)], 0, &c);
            }
            let before: Vec<Record> = log.iter().collect();
            let hw = (log.log_end_offset() as f64 * hw_fraction) as Offset;
            log.compact(0, hw, &c);
            let after: Vec<Record> = log.iter().collect();
            // Never reorders, never renumbers, never invents.
            prop_assert!(after.windows(2).all(|w| w[0].offset < w[1].offset));
            prop_assert!(after.iter().all(|r| before.iter().any(|b| b == r)));
            // Removed records: each had a later record with the same key, below what may be cleaned.
            let cleaned = log.cleaned_up_to();
            prop_assert!(cleaned <= hw);
            for r in &before {
                if !after.contains(r) {
                    prop_assert!(r.offset < cleaned);
                    prop_assert!(before.iter().any(|b| b.key == r.key && b.offset > r.offset && b.offset < cleaned));
                }
            }
            // Kept below the cleaned point: exactly the latest per key there.
            let mut keys: Vec<&Option<Bytes>> = after.iter().filter(|r| r.offset < cleaned).map(|r| &r.key).collect();
            let n = keys.len();
            keys.sort();
            keys.dedup();
            prop_assert_eq!(keys.len(), n, "one record per key below the cleaned point");
            // The latest value of every key is still readable.
            for r in &before {
                let latest = before.iter().filter(|b| b.key == r.key).max_by_key(|b| b.offset);
                prop_assert!(after.iter().any(|a| Some(a) == latest));
            }
        }

        #[test]
        fn a_read_returns_what_the_batch_by_batch_rule_returns(
            batches in proptest::collection::vec(proptest::collection::vec((0u8..5, 1usize..40), 1..8), 1..20),
            compact_at in proptest::option::of(0.0f64..=1.0),
            truncate_at in proptest::option::of(0.0f64..=1.0),
            fetch_fraction in 0.0f64..=1.0,
            upper_fraction in 0.0f64..=1.2,
            max_bytes in 1usize..400,
        ) {
            let c = config(&[("cleanup.policy", "compact"), ("segment.bytes", "400")]);
            let mut log = PartitionLog::new(0);
            for batch in &batches {
                let records = batch.iter().map(|(k, len)| keyed(&k.to_string(), Some(&"v".repeat(*len)), 0)).collect();
                append(&mut log, records, 0, &c);
            }
            if let Some(f) = compact_at {
                log.compact(0, (log.log_end_offset() as f64 * f) as Offset, &c);
            }
            if let Some(f) = truncate_at {
                log.truncate_to((log.log_end_offset() as f64 * f) as Offset);
            }
            let (start, end) = (log.log_start_offset(), log.log_end_offset());
            let fetch_offset = start + ((end - start) as f64 * fetch_fraction) as Offset;
            let upper = (end as f64 * upper_fraction) as Offset;
            let views = log.read(fetch_offset, upper, max_bytes).unwrap();
            prop_assert!(views.iter().all(|v| !v.is_empty()), "no empty view");
            let records: Vec<Record> = views.iter().flat_map(|v| v.iter()).collect();
            prop_assert_eq!(records, read_batch_by_batch(&log, fetch_offset, upper, max_bytes));
            prop_assert_eq!(log.read_is_empty(fetch_offset, upper), views.is_empty());
            // A batch's size is what its records make, after every cut.
            for batch in log.segments().flat_map(|s| s.batches.iter()) {
                prop_assert_eq!(batch.size_bytes, batch_size_bytes(&batch.records.iter().collect::<Vec<_>>()));
            }
        }

        #[test]
        fn retention_never_deletes_at_or_above_the_high_watermark(
            sizes in proptest::collection::vec(1usize..120, 1..40),
            hw_fraction in 0.0f64..=1.0,
            retention_bytes in 0i64..2000,
        ) {
            let c = config(&[("segment.bytes", "300"), ("retention.bytes", &retention_bytes.to_string()), ("retention.ms", "10")]);
            let mut log = PartitionLog::new(0);
            for (t, n) in sizes.iter().enumerate() {
                log.append(vec![Record { timestamp_ms: t as i64, ..data(&"v".repeat(*n)) }].into(), 0, ProducerStamp::NONE, None, t as u64, &c);
            }
            let before: Vec<Record> = log.iter().collect();
            let hw = (log.log_end_offset() as f64 * hw_fraction) as Offset;
            log.apply_retention(1_000_000, hw, &c);
            prop_assert!(log.log_start_offset() <= hw, "start {} hw {}", log.log_start_offset(), hw);
            for r in before.iter().filter(|r| r.offset >= hw) {
                prop_assert_eq!(log.get(r.offset), Some(r.clone()));
            }
        }
    }
}
