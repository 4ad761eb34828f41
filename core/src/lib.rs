//! # franz-core
//!
//! A whole Kafka cluster (controllers, brokers, clients and the network between them) as deterministic state
//! machines, driven by a simulator on virtual time. No I/O, no clock, no threads, no OS randomness:
//! given a seed and the same inputs, the world produces the same trace, natively and in wasm.
//!
//! Where each Kafka concept lives:
//! - [`types`]: node ids, offsets, records, topic names; [`error`]: Kafka's error names;
//!   [`config`]: topic and broker configs with Kafka's keys and defaults.
//! - [`log`]: a partition log: batches in segments, dense offsets, recovery point, leader-epoch cache,
//!   retention and compaction.
//! - [`partitioner`]: murmur2 (byte-compatible with Kafka) and the uniform sticky partitioner.
//! - [`message`]: the Kafka-shaped requests and responses actors exchange, and the [`message::Actor`] shape.
//! - [`broker`]: one broker: partition replicas, Produce/Fetch/ListOffsets/Metadata/InitProducerId, the
//!   group coordinator (groups it coordinates, OffsetCommit/OffsetFetch),
//!   idempotent-producer state, purgatories, housekeeping (flush, HW checkpoints, retention, cleaner), its
//!   life with the controllers (registration, heartbeats, the metadata log) and replication (follower
//!   fetches, HW, ISR changes, leader epochs and truncation).
//! - [`client`]: the admin client, the producer (record accumulator, retries, idempotence) and the consumer
//!   (manual assignment or group membership, committed offsets).
//! - [`controller`]: the coordinator quorum: Raft, the metadata records and image, the controller actor
//!   (placement, leader election, broker liveness, AlterPartition, reassignment).
//! - [`group`]: consumer groups: the assignors (range, roundrobin, sticky, cooperative-sticky), the
//!   coordinator's group state machine, and where committed offsets live (`__consumer_offsets`).
//! - [`sim`]: the world: virtual clock, event queue, network model and faults, seeded RNG streams, trace,
//!   history, scenarios and replay, the standard benchmark workload.
//! - [`check`]: the checker: lost writes, duplicates, inconsistent offsets, non-monotonic sends and polls,
//!   poll skips, reads past the HW, diverging replicas, two owners in a generation.
//! - [`view`]: read-only snapshots for user interfaces (`describeTopic`, `describeCluster`, `readLog` ...).
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
pub mod metadata;
pub mod partitioner;
pub mod protocol;
pub mod rng;
pub mod sim;
pub mod types;
pub mod view;

pub use error::{ErrorCode, FranzError, Result};
pub use protocol::message;
pub use sim::{trace, ClusterConfig, World};
