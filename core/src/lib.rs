//! # franz-core
//!
//! A whole Kafka cluster (brokers, clients and the network between them) as deterministic state
//! machines, driven by a simulator on virtual time. No I/O, no clock, no threads, no OS randomness:
//! given a seed and the same inputs, the world produces the same trace, natively and in wasm.
//!
//! Where each Kafka concept lives:
//! - [`types`]: node ids, offsets, records, topic names; [`error`]: Kafka's error names;
//!   [`config`]: topic configs with Kafka's keys and defaults.
//! - [`log`]: a partition log with dense offsets.
//! - [`partitioner`]: murmur2 (byte-compatible with Kafka) and the sticky partitioner.
//! - [`message`]: the Kafka-shaped requests and responses actors exchange, and the [`message::Actor`] shape.
//! - [`broker`]: one broker: partition replicas, Produce/Fetch/ListOffsets/Metadata, purgatories.
//! - [`client`]: the admin client, the producer and the consumer.
//! - [`controller`]: the coordinator quorum; so far its Raft core.
//! - [`sim`]: the world: virtual clock, event queue, network model, seeded RNG streams, trace.
//! - [`group`]: consumer groups; so far the assignors (range, roundrobin, sticky, cooperative-sticky).
//! - [`check`]: the checker: lost writes, duplicates, reordering, reads past the HW, diverging replicas.
//! - [`view`]: read-only snapshots for user interfaces.
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

/// Builds a [`error::FranzError`] from a Kafka error name and a `format!` message.
macro_rules! franz_err {
    ($code:ident, $($arg:tt)*) => {
        $crate::error::FranzError::new($crate::error::ErrorCode::$code, alloc::format!($($arg)*))
    };
}

pub mod broker;
pub mod check;
pub mod client;
pub mod config;
pub mod controller;
pub mod error;
pub mod group;
pub mod log;
pub mod message;
pub mod partitioner;
pub mod sim;
pub mod types;
pub mod view;

pub use error::{ErrorCode, FranzError, Result};
pub use sim::{trace, ClusterConfig, World};
