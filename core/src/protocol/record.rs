//! A record batch as brokers store and send it (Kafka's v2 batch: header and records), with the idempotent
//! producer's stamp, and who made it as only the simulation knows it.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ops::Deref;

use crate::types::{LeaderEpoch, NodeId, Offset, Record};

/// Bytes Kafka's v2 batch header takes, counted toward `segment.bytes`.
pub const BATCH_OVERHEAD_BYTES: usize = 61;

/// Kafka's "no producer id" (a non-idempotent producer).
pub const NO_PRODUCER_ID: i64 = -1;

/// The idempotent producer's stamp on a batch: who wrote it, and its place in that producer's sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProducerStamp {
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
}

impl ProducerStamp {
    /// A batch from a producer without idempotence.
    pub const NONE: ProducerStamp =
        ProducerStamp { producer_id: NO_PRODUCER_ID, producer_epoch: -1, base_sequence: -1 };
}

/// Who made a batch, as only the simulation knows it (it is not on Kafka's wire): the producer client and
/// its batch number, kept through retries, replication, restarts and compaction. The checker identifies a
/// written record by it, so a retry appended twice is told apart from one value sent twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct BatchOrigin {
    pub producer: NodeId,
    pub batch_id: u64,
}

/// One produce request's records for one partition, as Kafka keeps them: a batch with a header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordBatch {
    pub base_offset: Offset,
    /// Kept when compaction empties the batch: offsets are never reused.
    pub last_offset: Offset,
    pub leader_epoch: LeaderEpoch,
    pub producer: ProducerStamp,
    /// `None` for records no simulated producer made (offset commits, group metadata).
    pub origin: Option<BatchOrigin>,
    /// When the cleaner may drop this batch's tombstones (set when it first cleans them).
    pub delete_horizon_ms: Option<u64>,
    /// Kafka's `sizeInBytes`: [`BATCH_OVERHEAD_BYTES`] plus its records' sizes, counted once when the batch
    /// is made and again only when it loses records.
    pub size_bytes: usize,
    pub records: BatchRecords,
}

impl RecordBatch {
    /// Drops the records `keep` refuses, and counts the batch's size again.
    pub fn retain_records(&mut self, keep: impl FnMut(&Record) -> bool) {
        if self.records.retain(keep) {
            self.size_bytes = batch_size_bytes(&self.records);
        }
    }
}

/// [`BATCH_OVERHEAD_BYTES`] plus the records' sizes.
pub fn batch_size_bytes(records: &[Record]) -> usize {
    BATCH_OVERHEAD_BYTES + records.iter().map(Record::size_bytes).sum::<usize>()
}

/// A batch's records, shared: as Kafka hands a fetch a slice of the segment file rather than a copy, a
/// fetch, a follower's replica and a read of the log take a reference-counted view of the records the leader
/// appended, never a copy of each record.
#[derive(Clone)]
pub struct BatchRecords {
    all: Arc<[Record]>,
    start: usize,
    end: usize,
}

impl BatchRecords {
    /// The records `range` of this view (indexes into it), sharing them.
    pub fn slice(&self, range: core::ops::Range<usize>) -> BatchRecords {
        assert!(range.start <= range.end && range.end <= self.len(), "a slice within the batch");
        BatchRecords { all: self.all.clone(), start: self.start + range.start, end: self.start + range.end }
    }

    /// Keeps the records `keep` accepts, in order; whether any went. A kept run at either end stays shared.
    pub fn retain(&mut self, mut keep: impl FnMut(&Record) -> bool) -> bool {
        let kept: Vec<bool> = self.iter().map(&mut keep).collect();
        let (first, last) = (kept.iter().position(|&k| k), kept.iter().rposition(|&k| k));
        match (first, last) {
            _ if kept.iter().all(|&k| k) => return false,
            (Some(first), Some(last)) if kept[first..=last].iter().all(|&k| k) => *self = self.slice(first..last + 1),
            _ => {
                let records: Vec<Record> = self.iter().zip(&kept).filter(|(_, &k)| k).map(|(r, _)| r.clone()).collect();
                *self = BatchRecords::from(records);
            }
        }
        true
    }
}

impl From<Vec<Record>> for BatchRecords {
    fn from(records: Vec<Record>) -> Self {
        let end = records.len();
        BatchRecords { all: Arc::from(records), start: 0, end }
    }
}

impl Deref for BatchRecords {
    type Target = [Record];

    fn deref(&self) -> &[Record] {
        &self.all[self.start..self.end]
    }
}

impl PartialEq for BatchRecords {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for BatchRecords {}

impl core::fmt::Debug for BatchRecords {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}
