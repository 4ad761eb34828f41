//! Client state machines: the admin client, the producer and the consumer.
//!
//! Each is an actor like a broker: the user's calls (send, poll ...) enter as commands that fill an
//! outbox, answers arrive as messages, and deadlines fire as timers. None of them blocks; the simulator's
//! blocking helpers (`World::send`, `World::poll`) advance virtual time until a result is there.

pub mod admin;
pub mod consumer;
pub mod metadata;
pub mod producer;

pub use admin::AdminClient;
pub use consumer::{AutoOffsetReset, Consumer, ConsumerConfig, ConsumerRecord};
pub use producer::{Producer, ProducerConfig, RecordMetadata, SendResult};

use crate::types::NodeId;

/// A client setting must lie in `[min, max]` (Kafka's ranges and Franz's bounds).
pub(crate) fn check_range(name: &str, value: u64, min: u64, max: u64) -> crate::error::Result<()> {
    if value < min || value > max {
        return Err(franz_err!(InvalidConfig, "{name} must be between {min} and {max}, got {value}"));
    }
    Ok(())
}

/// Kafka's `retry.backoff.ms` default.
pub const RETRY_BACKOFF_MS: u64 = 100;

/// Kafka's `retry.backoff.max.ms` default (KIP-580): the longest a client backs off between retries.
pub const RETRY_BACKOFF_MAX_MS: u64 = 1_000;

/// Picks the broker a client asks first: the bootstrap list, rotated on each failure, as Kafka's
/// `LeastLoadedNode` would settle on a live one.
#[derive(Clone, Debug)]
pub(crate) struct Bootstrap {
    brokers: alloc::vec::Vec<NodeId>,
    next: usize,
}

impl Bootstrap {
    pub(crate) fn new(brokers: alloc::vec::Vec<NodeId>) -> Bootstrap {
        Bootstrap { brokers, next: 0 }
    }

    pub(crate) fn current(&self) -> NodeId {
        self.brokers.get(self.next % self.brokers.len().max(1)).copied().unwrap_or(crate::types::NO_NODE)
    }

    pub(crate) fn rotate(&mut self) {
        self.next = self.next.wrapping_add(1);
    }
}
