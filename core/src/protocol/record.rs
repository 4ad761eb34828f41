//! A record batch as brokers store and send it (Kafka's v2 batch: header and records), with the idempotent
//! producer's stamp, and who made it as only the simulation knows it.

use alloc::vec::Vec;

use crate::types::{LeaderEpoch, NodeId, Offset, Record};

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
    pub records: Vec<Record>,
}
