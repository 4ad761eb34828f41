//! A record batch as brokers store and send it (Kafka's v2 batch: header and records), with the idempotent
//! producer's stamp, and who made it as only the simulation knows it.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::types::{Bytes, Header, LeaderEpoch, NodeId, Offset, Record};

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

/// Who wrote a record: the record at `index` of a simulated producer's batch. A batch's part (the producer
/// split a batch the leader refused as too large, KIP-126) names the record it starts at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RecordOrigin {
    pub batch: BatchOrigin,
    pub index: u32,
}

/// A run of records a replica removed on purpose: retention (its own, or its leader's log start it took) or
/// the cleaner. For the checker only (the broker notes them in the history; Kafka keeps no such list): a write
/// acknowledged at an offset the log no longer holds was removed on purpose only if *it* is what the
/// partition's leader removed there. A write lost in a failover, whose offset a later record took before
/// retention deleted that one, is still lost (adversary 37: it passed as deleted by retention once the log
/// start moved past its offset).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Removal {
    /// The first and last offsets removed: consecutive records of one batch.
    pub first_offset: Offset,
    pub last_offset: Offset,
    /// Who wrote the record at `first_offset`; the next offsets are that batch's next records.
    pub origin: RecordOrigin,
    pub cause: RemovalCause,
}

/// Why a record was removed on purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RemovalCause {
    /// Retention, or the log start of its leader, which a follower takes.
    Retention,
    /// The cleaner: a later record has its key, at this offset.
    Superseded { by: Offset },
    /// The cleaner: a tombstone whose delete horizon (`delete.retention.ms` after its first cleaning) passed.
    TombstoneExpired,
    /// The cleaner: a record without a key.
    Keyless,
}

impl Removal {
    /// Who wrote the record removed at `offset`, if this removal covers it.
    pub fn origin_at(&self, offset: Offset) -> Option<RecordOrigin> {
        (self.first_offset..=self.last_offset)
            .contains(&offset)
            .then(|| RecordOrigin { index: self.origin.index + (offset - self.first_offset) as u32, ..self.origin })
    }
}

/// One produce request's records for one partition, as Kafka keeps them: a batch with a header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordBatch {
    pub base_offset: Offset,
    /// Kept when compaction empties the batch: offsets are never reused.
    pub last_offset: Offset,
    pub leader_epoch: LeaderEpoch,
    pub producer: ProducerStamp,
    /// Who wrote its first record; `None` for records no simulated producer made (offset commits, group
    /// metadata).
    pub origin: Option<RecordOrigin>,
    /// When the cleaner may drop this batch's tombstones (set when it first cleans them).
    pub delete_horizon_ms: Option<u64>,
    /// The largest timestamp its records had, once compaction emptied it (it is kept for its producer's
    /// state): Kafka writes an emptied batch's header with it, so time retention still reaches the batch.
    pub emptied_max_timestamp_ms: Option<i64>,
    /// Kafka's `sizeInBytes`: [`BATCH_OVERHEAD_BYTES`] plus its records' sizes, counted once when the batch
    /// is made and again only when it loses records.
    pub size_bytes: usize,
    pub records: BatchRecords,
}

impl RecordBatch {
    /// Drops the records `keep` refuses, and counts the batch's size again.
    pub fn retain_records(&mut self, keep: impl FnMut(&Record) -> bool) {
        let max_timestamp_ms = self.max_timestamp_ms();
        if self.records.retain(keep) {
            self.size_bytes = BATCH_OVERHEAD_BYTES + self.records.size_bytes(0..self.records.len());
            if self.records.is_empty() {
                self.emptied_max_timestamp_ms = Some(max_timestamp_ms);
            }
        }
    }

    /// What time retention measures: its records' largest timestamp, or theirs before compaction emptied it.
    pub fn max_timestamp_ms(&self) -> i64 {
        self.emptied_max_timestamp_ms.unwrap_or_else(|| self.records.max_timestamp_ms())
    }
}

/// [`BATCH_OVERHEAD_BYTES`] plus the records' sizes.
pub fn batch_size_bytes(records: &[Record]) -> usize {
    BATCH_OVERHEAD_BYTES + records.iter().map(Record::size_bytes).sum::<usize>()
}

/// A batch's records, shared and packed. Shared: as Kafka hands a fetch a slice of the segment file rather
/// than a copy, a fetch, a follower's replica and a read of the log take a reference-counted view of the
/// records the leader appended. Packed: every key and value lies in one buffer and each record is a
/// 32-byte entry, so a retained record costs about that beyond its payload (a [`Record`] is 112 bytes). A
/// record is made (its key and value shared views of the buffer) when someone asks for it.
#[derive(Clone)]
pub struct BatchRecords {
    data: Arc<PackedRecords>,
    start: usize,
    end: usize,
}

struct PackedRecords {
    /// Every key and value, back to back.
    payload: Bytes,
    entries: Box<[RecordEntry]>,
    /// The headers of the records that have any, by entry index, ascending (most records have none).
    headers: Box<[(u32, Vec<Header>)]>,
    /// Who wrote the record at this offset (a tag only the simulation keeps, for the checker): the records
    /// after it in the batch are the next ones its producer sent.
    origin: Option<(RecordOrigin, Offset)>,
}

/// One record of a packed batch: its value follows its key in the payload. `NULL_LEN` is a null key or value.
#[derive(Clone, Copy)]
struct RecordEntry {
    offset: Offset,
    timestamp_ms: i64,
    key_at: u32,
    key_len: u32,
    value_len: u32,
    leader_epoch: LeaderEpoch,
}

const NULL_LEN: u32 = u32::MAX;

impl RecordEntry {
    fn len(length: u32) -> usize {
        if length == NULL_LEN {
            0
        } else {
            length as usize
        }
    }

    fn value_at(&self) -> usize {
        self.key_at as usize + RecordEntry::len(self.key_len)
    }
}

impl BatchRecords {
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    fn entries(&self) -> &[RecordEntry] {
        &self.data.entries[self.start..self.end]
    }

    fn headers_of(&self, index: usize) -> &[Header] {
        let headers = &self.data.headers;
        headers.binary_search_by_key(&(index as u32), |(i, _)| *i).map_or(&[][..], |found| &headers[found].1)
    }

    fn field(&self, at: usize, length: u32) -> Option<Bytes> {
        (length != NULL_LEN).then(|| self.data.payload.slice(at..at + length as usize))
    }

    /// The record at `i` of this view.
    pub fn get(&self, i: usize) -> Option<Record> {
        let e = self.entries().get(i)?;
        Some(Record {
            offset: e.offset,
            timestamp_ms: e.timestamp_ms,
            key: self.field(e.key_at as usize, e.key_len),
            value: self.field(e.value_at(), e.value_len),
            headers: self.headers_of(self.start + i).to_vec(),
            leader_epoch: e.leader_epoch,
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = Record> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    pub fn first(&self) -> Option<Record> {
        self.get(0)
    }

    pub fn last(&self) -> Option<Record> {
        self.get(self.len().checked_sub(1)?)
    }

    /// Who wrote record `i` (for the checker: the same record of the same producer batch at two offsets is a
    /// duplicate).
    pub fn origin(&self, i: usize) -> Option<RecordOrigin> {
        let (first, base_offset) = self.data.origin?;
        let e = self.entries().get(i)?;
        Some(RecordOrigin { batch: first.batch, index: first.index + (e.offset - base_offset) as u32 })
    }

    /// The records' offsets, ascending.
    pub fn offsets(&self) -> impl DoubleEndedIterator<Item = Offset> + '_ {
        self.entries().iter().map(|e| e.offset)
    }

    /// How many records come before `offset` (the index of the first at or after it).
    pub fn count_below(&self, offset: Offset) -> usize {
        self.entries().partition_point(|e| e.offset < offset)
    }

    /// The largest record timestamp, `i64::MIN` when empty.
    pub fn max_timestamp_ms(&self) -> i64 {
        self.entries().iter().map(|e| e.timestamp_ms).max().unwrap_or(i64::MIN)
    }

    /// What the records `range` count toward batch and fetch sizes ([`Record::size_bytes`] each).
    pub fn size_bytes(&self, range: core::ops::Range<usize>) -> usize {
        range.map(|i| self.record_size_bytes(i)).sum()
    }

    fn record_size_bytes(&self, i: usize) -> usize {
        let e = &self.entries()[i];
        let headers: usize = self.headers_of(self.start + i).iter().map(Header::size_bytes).sum();
        crate::types::RECORD_OVERHEAD_BYTES + RecordEntry::len(e.key_len) + RecordEntry::len(e.value_len) + headers
    }

    /// Each record's offset, timestamp and size, without making the record.
    pub fn sizes(&self) -> impl Iterator<Item = (Offset, i64, usize)> + '_ {
        self.entries().iter().enumerate().map(|(i, e)| (e.offset, e.timestamp_ms, self.record_size_bytes(i)))
    }

    /// The records `range` of this view (indexes into it), sharing them.
    pub fn slice(&self, range: core::ops::Range<usize>) -> BatchRecords {
        assert!(range.start <= range.end && range.end <= self.len(), "a slice within the batch");
        BatchRecords { data: self.data.clone(), start: self.start + range.start, end: self.start + range.end }
    }

    /// Keeps the records `keep` accepts, in order; whether any went. A kept run stays a view of the shared
    /// records while it holds at least half of them; less is copied out, so that what the log dropped
    /// (compaction keeps a key's last record, often a batch's last) frees its memory.
    pub fn retain(&mut self, mut keep: impl FnMut(&Record) -> bool) -> bool {
        let kept: Vec<bool> = self.iter().map(|r| keep(&r)).collect();
        let (first, last) = (kept.iter().position(|&k| k), kept.iter().rposition(|&k| k));
        match (first, last) {
            _ if kept.iter().all(|&k| k) => return false,
            (Some(first), Some(last))
                if kept[first..=last].iter().all(|&k| k) && 2 * (last + 1 - first) >= self.data.entries.len() =>
            {
                *self = self.slice(first..last + 1)
            }
            _ => {
                let records: Vec<Record> = self.iter().zip(&kept).filter(|(_, &k)| k).map(|(r, _)| r).collect();
                let origin = self.data.origin;
                *self = BatchRecords::from(records);
                if let Some(data) = Arc::get_mut(&mut self.data) {
                    data.origin = origin;
                }
            }
        }
        true
    }
}

/// One record as a client hands it to [`BatchRecords::pack`]: borrowed, so packing copies each payload
/// once and shares nothing it must count.
pub struct RecordParts<'a> {
    pub timestamp_ms: i64,
    pub key: Option<&'a [u8]>,
    pub value: Option<&'a [u8]>,
    pub headers: &'a [Header],
}

impl BatchRecords {
    /// A producer's batch: the records packed in order, offsets as deltas from 0 (the leader stamps them).
    pub fn pack<'a>(records: impl Iterator<Item = RecordParts<'a>> + Clone) -> BatchRecords {
        let payload_bytes: usize =
            records.clone().map(|r| r.key.map_or(0, <[u8]>::len) + r.value.map_or(0, <[u8]>::len)).sum();
        // A producer's batch holds at most batch.size (1 GiB at most) or one send (SEND_BYTES_MAX).
        assert!(payload_bytes < NULL_LEN as usize, "a batch's payload fits u32 offsets");
        let mut payload = Vec::with_capacity(payload_bytes);
        let mut headers = Vec::new();
        let mut entries = Vec::new();
        for (i, r) in records.enumerate() {
            let key_at = payload.len() as u32;
            let mut put = |field: Option<&[u8]>| match field {
                Some(bytes) => {
                    payload.extend_from_slice(bytes);
                    bytes.len() as u32
                }
                None => NULL_LEN,
            };
            let (key_len, value_len) = (put(r.key), put(r.value));
            entries.push(RecordEntry {
                offset: i as Offset,
                timestamp_ms: r.timestamp_ms,
                key_at,
                key_len,
                value_len,
                leader_epoch: -1,
            });
            if !r.headers.is_empty() {
                headers.push((i as u32, r.headers.to_vec()));
            }
        }
        let end = entries.len();
        let data = PackedRecords {
            payload: Bytes::from(payload),
            entries: entries.into_boxed_slice(),
            headers: headers.into_boxed_slice(),
            origin: None,
        };
        BatchRecords { data: Arc::new(data), start: 0, end }
    }

    /// The records as the leader appends them: offsets from `base_offset` on, its `leader_epoch`, and with
    /// `log_append_time` its clock as every timestamp. The payload is shared, not copied (Kafka's broker
    /// rewrites the batch header in place).
    pub fn stamped(
        &self,
        base_offset: Offset,
        leader_epoch: LeaderEpoch,
        log_append_time: Option<i64>,
        origin: Option<RecordOrigin>,
    ) -> BatchRecords {
        let entries: Box<[RecordEntry]> = self
            .entries()
            .iter()
            .enumerate()
            .map(|(i, e)| RecordEntry {
                offset: base_offset + i as Offset,
                timestamp_ms: log_append_time.unwrap_or(e.timestamp_ms),
                leader_epoch,
                ..*e
            })
            .collect();
        let (start, end) = (self.start as u32, self.end as u32);
        let headers = self.data.headers.iter().filter(|(i, _)| (start..end).contains(i));
        let data = PackedRecords {
            payload: self.data.payload.clone(),
            headers: headers.map(|(i, h)| (i - start, h.clone())).collect(),
            entries,
            origin: origin.map(|o| (o, base_offset)),
        };
        BatchRecords { end: data.entries.len(), data: Arc::new(data), start: 0 }
    }

    /// Each record's timestamp, in order.
    pub fn timestamps_ms(&self) -> impl Iterator<Item = i64> + '_ {
        self.entries().iter().map(|e| e.timestamp_ms)
    }

    /// Whether some record has a null key (a compacted topic refuses the batch).
    pub fn any_null_key(&self) -> bool {
        self.entries().iter().any(|e| e.key_len == NULL_LEN)
    }
}

impl From<Vec<Record>> for BatchRecords {
    fn from(records: Vec<Record>) -> Self {
        let payload_bytes: usize =
            records.iter().map(|r| r.key.as_ref().map_or(0, Bytes::len) + r.value.as_ref().map_or(0, Bytes::len)).sum();
        // Offsets and lengths are u32 (u32::MAX is null): max.message.bytes keeps a batch far below.
        debug_assert!(payload_bytes < NULL_LEN as usize, "a batch's payload fits u32 offsets");
        let mut payload = Vec::with_capacity(payload_bytes);
        let mut headers = Vec::new();
        let mut entries = Vec::with_capacity(records.len());
        for (i, r) in records.into_iter().enumerate() {
            let key_at = payload.len() as u32;
            let mut put = |field: Option<Bytes>| match field {
                Some(bytes) => {
                    payload.extend_from_slice(&bytes);
                    bytes.len() as u32
                }
                None => NULL_LEN,
            };
            let (key_len, value_len) = (put(r.key), put(r.value));
            entries.push(RecordEntry {
                offset: r.offset,
                timestamp_ms: r.timestamp_ms,
                key_at,
                key_len,
                value_len,
                leader_epoch: r.leader_epoch,
            });
            if !r.headers.is_empty() {
                headers.push((i as u32, r.headers));
            }
        }
        let end = entries.len();
        let data = PackedRecords {
            payload: Bytes::from(payload),
            entries: entries.into_boxed_slice(),
            headers: headers.into_boxed_slice(),
            origin: None,
        };
        BatchRecords { data: Arc::new(data), start: 0, end }
    }
}

impl PartialEq for BatchRecords {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for BatchRecords {}

impl core::fmt::Debug for BatchRecords {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use alloc::string::ToString;

    use proptest::prelude::*;

    use super::*;

    fn record(offset: Offset, key: Option<u8>, value: Option<u8>, headers: u8) -> Record {
        let bytes = |b: u8| Bytes::from(alloc::vec![b; b as usize % 7]);
        Record {
            offset,
            timestamp_ms: offset as i64 * 3 - 5,
            key: key.map(bytes),
            value: value.map(bytes),
            headers: (0..headers % 3).map(|h| Header { key: h.to_string(), value: value.map(bytes) }).collect(),
            leader_epoch: (offset % 4) as LeaderEpoch,
        }
    }

    /// A producer's packed batch, stamped by the leader: the same records (headers of a view included),
    /// with the leader's offsets and epoch, and its clock with LogAppendTime.
    #[test]
    fn a_packed_batch_stamped_keeps_its_records_with_the_leaders_offsets_and_epoch() {
        let records: Vec<Record> =
            (0..6).map(|o| record(o, (o != 3).then_some(o as u8), Some(o as u8 + 1), o as u8)).collect();
        let parts = records.iter().map(|r| RecordParts {
            timestamp_ms: r.timestamp_ms,
            key: r.key.as_deref(),
            value: r.value.as_deref(),
            headers: &r.headers,
        });
        let packed = BatchRecords::pack(parts);
        assert_eq!(packed.offsets().collect::<Vec<_>>(), [0, 1, 2, 3, 4, 5], "offsets are deltas");
        let view = packed.slice(2..5);
        let stamped = view.stamped(100, 7, None, None);
        let expected: Vec<Record> = records[2..5]
            .iter()
            .enumerate()
            .map(|(i, r)| Record { offset: 100 + i as Offset, leader_epoch: 7, ..r.clone() })
            .collect();
        assert_eq!(stamped.iter().collect::<Vec<_>>(), expected);
        assert!(stamped.any_null_key() && !packed.slice(4..6).any_null_key());
        let appended = view.stamped(0, 1, Some(42), None);
        assert!(appended.timestamps_ms().all(|t| t == 42));
        assert_eq!(appended.size_bytes(0..3), view.size_bytes(0..3));
    }

    proptest! {
        /// Review of `stamped`: any view (of a packed batch or of a stamped one), headers wherever they
        /// fall, stamps to the same records with the leader's offsets and epoch, sized as the records are.
        #[test]
        fn any_view_stamped_is_its_records_restamped_and_sized_alike(
            specs in proptest::collection::vec((any::<Option<u8>>(), any::<Option<u8>>(), 0u8..3), 1..12),
            cut in (0usize..12, 0usize..12),
            log_append_time in any::<Option<i16>>(),
        ) {
            let records: Vec<Record> =
                specs.iter().enumerate().map(|(o, &(k, v, h))| record(o as Offset, k, v, h)).collect();
            let parts = records.iter().map(|r| RecordParts {
                timestamp_ms: r.timestamp_ms,
                key: r.key.as_deref(),
                value: r.value.as_deref(),
                headers: &r.headers,
            });
            let packed = BatchRecords::pack(parts);
            let (a, b) = (cut.0 % (records.len() + 1), cut.1 % (records.len() + 1));
            let range = a.min(b)..a.max(b);
            let log_append_time = log_append_time.map(i64::from);
            for source in [packed.clone(), packed.stamped(1_000, 2, None, None)] {
                let view = source.slice(range.clone());
                let stamped = view.stamped(50, 9, log_append_time, None);
                let expected: Vec<Record> = records[range.clone()]
                    .iter()
                    .enumerate()
                    .map(|(i, r)| Record {
                        offset: 50 + i as Offset,
                        leader_epoch: 9,
                        timestamp_ms: log_append_time.unwrap_or(r.timestamp_ms),
                        ..r.clone()
                    })
                    .collect();
                prop_assert_eq!(stamped.iter().collect::<Vec<_>>(), expected.clone());
                prop_assert_eq!(
                    BATCH_OVERHEAD_BYTES + stamped.size_bytes(0..stamped.len()),
                    batch_size_bytes(&expected)
                );
                prop_assert_eq!(stamped.any_null_key(), expected.iter().any(|r| r.key.is_none()));
                let sizes: Vec<usize> = stamped.sizes().map(|(_, _, s)| s).collect();
                prop_assert_eq!(sizes, expected.iter().map(Record::size_bytes).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn a_few_records_kept_of_many_are_copied_out_so_the_rest_is_freed() {
        let records: Vec<Record> = (0..1000).map(|i| record(i, Some(1), Some(200), 0)).collect();
        let mut tail = BatchRecords::from(records.clone());
        tail.retain(|r| r.offset == 999);
        assert_eq!(tail.iter().collect::<Vec<_>>(), records[999..]);
        assert_eq!(tail.data.entries.len(), 1, "the one record kept no longer holds the 999 dropped");
        let mut most = BatchRecords::from(records.clone());
        most.retain(|r| r.offset >= 10);
        assert_eq!(most.iter().collect::<Vec<_>>(), records[10..]);
        assert_eq!(most.data.entries.len(), 1000, "most of the batch kept: still a view of it");
    }

    proptest! {
        #[test]
        fn packed_records_are_the_records_packed(
            fields in proptest::collection::vec((any::<Option<u8>>(), any::<Option<u8>>(), any::<u8>(), any::<bool>()), 0..30),
            cut in (0usize..30, 0usize..30),
        ) {
            let records: Vec<Record> =
                fields.iter().enumerate().map(|(i, &(k, v, h, _))| record(i as Offset * 2, k, v, h)).collect();
            let packed = BatchRecords::from(records.clone());
            prop_assert_eq!(packed.iter().collect::<Vec<_>>(), records.clone());
            prop_assert_eq!(packed.size_bytes(0..packed.len()), records.iter().map(Record::size_bytes).sum::<usize>());
            prop_assert_eq!(packed.max_timestamp_ms(), records.iter().map(|r| r.timestamp_ms).max().unwrap_or(i64::MIN));
            // A view of a slice is that slice; the offsets below one are counted.
            let (from, to) = (cut.0.min(cut.1).min(records.len()), cut.0.max(cut.1).min(records.len()));
            let view = packed.slice(from..to);
            prop_assert_eq!(view.iter().collect::<Vec<_>>(), records[from..to].to_vec());
            prop_assert_eq!(view.size_bytes(0..view.len()), records[from..to].iter().map(Record::size_bytes).sum::<usize>());
            prop_assert_eq!(packed.count_below(from as Offset * 2), from);
            // Keeping some is Vec::retain, whether the kept ones are a run or not.
            let mut kept = view.clone();
            let mut keep = fields[from..to].iter().map(|f| f.3);
            let changed = kept.retain(|_| keep.next().unwrap_or(true));
            let mut expected = records[from..to].to_vec();
            let mut keep = fields[from..to].iter().map(|f| f.3);
            expected.retain(|_| keep.next().unwrap_or(true));
            prop_assert_eq!(changed, expected.len() < to - from);
            prop_assert_eq!(kept.iter().collect::<Vec<_>>(), expected);
        }
    }
}
