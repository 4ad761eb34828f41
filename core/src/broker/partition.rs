//! One replica of one partition, as a broker holds it: the log on disk, the high watermark in memory.

use alloc::vec::Vec;

use crate::config::TopicConfig;
use crate::log::PartitionLog;
use crate::types::{LeaderEpoch, NodeId, Offset};

#[derive(Clone, Debug)]
pub struct Partition {
    /// On disk: survives a crash; what was not flushed does not survive a power loss.
    pub log: PartitionLog,
    /// On disk: the HW as last checkpointed; a restarted broker starts from it.
    pub high_watermark_checkpoint: Offset,
    pub last_flush_ms: u64,
    pub high_watermark: Offset,
    pub leader: NodeId,
    pub leader_epoch: LeaderEpoch,
    pub replicas: Vec<NodeId>,
    pub isr: Vec<NodeId>,
}

impl Partition {
    /// A new partition led by `leader`, the sole replica until replication lands.
    pub fn new(leader: NodeId, now_ms: u64) -> Partition {
        Partition {
            log: PartitionLog::new(now_ms),
            high_watermark_checkpoint: 0,
            last_flush_ms: now_ms,
            high_watermark: 0,
            leader,
            leader_epoch: 0,
            replicas: alloc::vec![leader],
            isr: alloc::vec![leader],
        }
    }

    /// Kafka's rule: HW = the smallest LEO over the ISR, never moving back. With only the leader in the
    /// replica set that is the leader's own LEO.
    pub(super) fn maybe_advance_high_watermark(&mut self) -> Option<Offset> {
        let candidate = self.log.log_end_offset();
        if candidate > self.high_watermark {
            self.high_watermark = candidate;
            self.assert_invariants();
            Some(candidate)
        } else {
            None
        }
    }

    /// Flushes when `flush.messages` records wait or `flush.ms` passed since the last flush.
    pub(super) fn maybe_flush(&mut self, now_ms: u64, config: &TopicConfig) {
        let unflushed = self.log.unflushed_count();
        if unflushed == 0 {
            return;
        }
        let by_count = unflushed as i64 >= config.flush_messages;
        let by_time = now_ms.saturating_sub(self.last_flush_ms) as i64 >= config.flush_ms;
        if by_count || by_time {
            self.log.flush();
            self.last_flush_ms = now_ms;
        }
    }

    /// When `maybe_flush` will next want to flush by time, if ever.
    pub(super) fn next_flush_ms(&self, config: &TopicConfig) -> Option<u64> {
        if self.log.unflushed_count() == 0 || config.flush_ms == i64::MAX {
            return None;
        }
        Some(self.last_flush_ms.saturating_add(config.flush_ms as u64))
    }

    pub(super) fn assert_invariants(&self) {
        debug_assert!(self.high_watermark <= self.log.log_end_offset(), "HW ≤ LEO");
        debug_assert!(self.high_watermark >= self.log.log_start_offset(), "HW ≥ log start");
        debug_assert!(self.isr.iter().all(|r| self.replicas.contains(r)), "ISR ⊆ replicas");
    }
}
