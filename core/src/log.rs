//! A partition log: an ordered, append-only sequence of records with dense offsets.
//!
//! Offsets are positions: the first record appended gets the log end offset (LEO), which then grows by
//! one per record, with no gaps. Reads by offset are bounded in bytes (`max.partition.fetch.bytes`) but,
//! as Kafka does since KIP-74, always return at least one record so that a large record cannot block a
//! consumer.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use crate::error::Result;
use crate::types::{Header, LeaderEpoch, Offset, Record};

/// A record's content as it arrives in a produce request, before the log gives it an offset.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecordData {
    pub timestamp_ms: i64,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<Header>,
}

impl RecordData {
    pub fn size_bytes(&self) -> usize {
        crate::types::record_size_bytes(&self.key, &self.value, &self.headers)
    }
}

#[derive(Clone, Debug, Default)]
pub struct PartitionLog {
    /// Offset of `records[0]`; older records were deleted.
    log_start_offset: Offset,
    records: VecDeque<Record>,
    /// Kafka's recovery point: records below it were flushed (fsynced) and survive a power loss.
    recovery_point: Offset,
}

impl PartitionLog {
    pub fn new() -> Self {
        PartitionLog::default()
    }

    pub fn log_start_offset(&self) -> Offset {
        self.log_start_offset
    }

    /// The offset the next appended record will get.
    pub fn log_end_offset(&self) -> Offset {
        self.log_start_offset + self.records.len() as Offset
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    pub fn recovery_point(&self) -> Offset {
        self.recovery_point
    }

    /// Records appended but not yet flushed to disk.
    pub fn unflushed_count(&self) -> u64 {
        self.log_end_offset() - self.recovery_point
    }

    /// fsync: everything appended so far survives a power loss.
    pub fn flush(&mut self) {
        self.recovery_point = self.log_end_offset();
    }

    /// Drops every record at or above `offset` (a follower's divergence, or what a power loss took).
    pub fn truncate_to(&mut self, offset: Offset) {
        let keep = offset
            .saturating_sub(self.log_start_offset)
            .min(self.records.len() as Offset);
        self.records.truncate(keep as usize);
        self.recovery_point = self.recovery_point.min(self.log_end_offset());
        self.assert_dense();
    }

    /// A power loss: whatever was not flushed is gone.
    pub fn lose_unflushed(&mut self) {
        self.truncate_to(self.recovery_point);
    }

    /// Appends a batch at the log end; returns the offset of its first record.
    pub fn append(&mut self, batch: Vec<RecordData>, leader_epoch: LeaderEpoch) -> Offset {
        let base_offset = self.log_end_offset();
        for (i, data) in batch.into_iter().enumerate() {
            let offset = base_offset + i as Offset;
            self.records.push_back(Record {
                offset,
                timestamp_ms: data.timestamp_ms,
                key: data.key,
                value: data.value,
                headers: data.headers,
                leader_epoch,
            });
        }
        self.assert_dense();
        base_offset
    }

    /// Records from `fetch_offset` up to (not including) `upper_offset`, at most `max_bytes` of them but
    /// never fewer than one when one is there. `fetch_offset` outside `[log start, LEO]` is
    /// `OFFSET_OUT_OF_RANGE`; at or above `upper_offset` it is an empty read, not an error.
    pub fn read(&self, fetch_offset: Offset, upper_offset: Offset, max_bytes: usize) -> Result<Vec<Record>> {
        let leo = self.log_end_offset();
        if fetch_offset < self.log_start_offset || fetch_offset > leo {
            return Err(franz_err!(
                OffsetOutOfRange,
                "Fetch offset {fetch_offset} is out of range: the log holds [{}, {leo})",
                self.log_start_offset
            ));
        }
        let upper = upper_offset.min(leo);
        let mut out = Vec::new();
        let mut bytes = 0usize;
        let first = (fetch_offset - self.log_start_offset) as usize;
        for record in self.records.iter().skip(first).take_while(|r| r.offset < upper) {
            let size = record.size_bytes();
            if !out.is_empty() && bytes + size > max_bytes {
                break;
            }
            bytes += size;
            out.push(record.clone());
        }
        Ok(out)
    }

    /// The record at `offset`, if the log holds it.
    pub fn get(&self, offset: Offset) -> Option<&Record> {
        let index = offset.checked_sub(self.log_start_offset)?;
        self.records.get(index as usize)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Record> {
        self.records.iter()
    }

    fn assert_dense(&self) {
        debug_assert!(self
            .records
            .iter()
            .enumerate()
            .all(|(i, r)| r.offset == self.log_start_offset + i as Offset));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use alloc::vec;
    use proptest::prelude::*;

    fn data(value: &str) -> RecordData {
        RecordData {
            timestamp_ms: 0,
            key: None,
            value: Some(value.as_bytes().to_vec()),
            headers: vec![],
        }
    }

    #[test]
    fn offsets_start_at_zero_and_are_dense() {
        let mut log = PartitionLog::new();
        assert_eq!(log.append(vec![data("a"), data("b")], 0), 0);
        assert_eq!(log.append(vec![data("c")], 0), 2);
        assert_eq!(log.log_end_offset(), 3);
        let read = log.read(1, 3, usize::MAX).unwrap();
        assert_eq!(read.iter().map(|r| r.offset).collect::<Vec<_>>(), vec![1, 2]);
    }

    #[test]
    fn read_bounds() {
        let mut log = PartitionLog::new();
        log.append(vec![data("a"), data("b"), data("c")], 0);
        assert!(log.read(3, 3, 100).unwrap().is_empty(), "at LEO: empty, not an error");
        assert!(log.read(2, 1, 100).unwrap().is_empty(), "above the upper bound: empty");
        assert_eq!(log.read(4, 4, 100).unwrap_err().code, ErrorCode::OffsetOutOfRange);
        assert_eq!(
            log.read(0, 3, 1).unwrap().len(),
            1,
            "at least one record even if over max bytes"
        );
    }

    #[test]
    fn power_loss_keeps_only_what_was_flushed() {
        let mut log = PartitionLog::new();
        log.append(vec![data("a"), data("b")], 0);
        log.flush();
        log.append(vec![data("c")], 0);
        assert_eq!(log.unflushed_count(), 1);
        log.lose_unflushed();
        assert_eq!(log.log_end_offset(), 2);
        assert_eq!(
            log.append(vec![data("d")], 1),
            2,
            "offsets continue densely after truncation"
        );
        log.truncate_to(1);
        assert_eq!((log.log_end_offset(), log.recovery_point()), (1, 1));
    }

    proptest! {
        #[test]
        fn offsets_stay_dense_and_increasing(batches in proptest::collection::vec(1usize..20, 0..30)) {
            let mut log = PartitionLog::new();
            let mut expected_base = 0;
            for n in batches {
                let base = log.append((0..n).map(|_| data("x")).collect(), 0);
                prop_assert_eq!(base, expected_base);
                expected_base += n as Offset;
            }
            let all = log.read(0, Offset::MAX, usize::MAX).unwrap();
            prop_assert_eq!(all.len() as Offset, expected_base);
            for (i, r) in all.iter().enumerate() {
                prop_assert_eq!(r.offset, i as Offset);
            }
        }
    }
}
