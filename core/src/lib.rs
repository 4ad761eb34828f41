//! # franz-core
//!
//! A whole Kafka cluster (controllers, brokers, clients and the network between them) as deterministic state
//! machines, driven by a simulator on virtual time. No I/O, no clock, no threads, no OS randomness:
//! given a seed and the same inputs, the world produces the same trace, natively and in wasm.
//!
//! ## Layers
//!
//! Each layer imports only from the layers below it (`core/tests/layers.rs` fails on an upward import or
//! an import cycle between top-level modules):
//!
//! 1. **Types, errors, configs, limits, randomness**: [`types`] (node ids, offsets, records), [`error`]
//!    (Kafka's error names), [`config`] (topic, broker and network configs with Kafka's keys and defaults,
//!    Franz's limits), [`rng`] (the seeded RNG streams), [`json`] (reading the JSON of tagged enums),
//!    [`collect`] (maps built without std's per-call-site sort).
//! 2. **The protocol** ([`protocol`]): everything actors exchange or record and nothing that acts: the
//!    Kafka-shaped requests and responses, the actor interface ([`protocol::actor`]: [`message::Actor`],
//!    its [`message::Outbox`], named timers, in-flight requests), the metadata log's records, Raft's messages, record batches, trace events and the history the
//!    checker judges.
//! 3. **Machinery**: [`log`] (a partition log: batches in segments, leader-epoch cache, retention,
//!    compaction), [`partitioner`] (murmur2, byte-compatible with Kafka, and the sticky partitioner),
//!    [`metadata`] (the image brokers and controllers build from the metadata log).
//! 4. **Actors**, each a sans-IO state machine (messages and timers in, an outbox out): [`broker`]
//!    (replicas, Produce/Fetch/ListOffsets/Metadata, the group coordinator it hosts, its life with the
//!    controllers, replication), [`controller`] (the KRaft quorum: Raft, placement, elections, broker
//!    liveness, AlterPartition, reassignment), [`client`] (admin client, producer, consumer), [`group`]
//!    (the assignors and the coordinator's group state machine).
//! 5. **The world**: [`sim`] (virtual clock, event queue, network and faults, scenarios and replay),
//!    [`check`] (the checker), [`view`] (read-only snapshots for user interfaces), [`lesson`] (narrated
//!    lessons whose every claim is checked against the simulation).
//!
//! ## The actor interface
//!
//! Every process implements [`message::Actor`]: `on_message(now, from, message, out)` and
//! `on_timer(now, out)` feed it, and everything it does goes into the [`message::Outbox`]: messages to
//! send, trace events, and history operations for the checker. Raft and a group's state machine write into
//! an outbox too (their host wraps or forwards it). `timers(table)` names each timer the actor waits for by
//! the Kafka setting behind it ([`protocol::actor::TimerName`]: `request.timeout.ms`,
//! `heartbeat.interval.ms`, `broker.session.timeout.ms` ...); the earliest is when the world calls
//! `on_timer`, and `World::timers(node)` lists them. Requests awaiting answers live in one
//! [`protocol::actor::InFlight`] table per actor: correlation ids, where each went, its deadline, and what
//! its answer is for; a disconnect loses only the request it names. The world alone owns time, the network
//! and randomness; an actor never sees another actor. Commands from the user (`send`, `poll`,
//! `createTopic` ...) are methods on the client actors that fill the same outbox, and their results are
//! read back by the world (`take_result`, `poll`'s return).
//!
//! ## How a record travels from `send` to `poll`
//!
//! `World::send` calls `Producer::send`, which partitions the records (murmur2 on the key, or sticky),
//! appends them to a batch per partition, and once `linger.ms` passes sends each leader (from its
//! metadata) a `ProduceRequest` with a ready batch of each of its partitions. The world queues it with the
//! link's latency. The leader's `Broker::on_produce` checks each batch's producer sequence (idempotence),
//! appends it to its [`log::PartitionLog`] at the log end offset, and with `acks=all` parks the request
//! until the high watermark of every partition passes its batch. Followers fetch (`ReplicaFetchRequest`), append the same batch, and their next
//! fetch offsets let the leader advance the HW (the smallest log end of the ISR); the parked request is
//! then answered and the producer completes the send, recording `SendAcked` in the history. A consumer's
//! `FetchRequest` reads below the HW; its `poll` hands the records out in offset order and records
//! `Polled`. `check()` then compares the history with every replica's log.
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
pub mod collect;
pub mod config;
pub mod controller;
pub mod error;
pub mod group;
pub mod json;
pub mod lesson;
pub mod log;
pub mod metadata;
pub mod partitioner;
pub mod protocol;
pub mod rng;
pub mod sim;
pub mod types;
pub mod vec_map;
pub mod view;

pub use error::{ErrorCode, FranzError, Result};
pub use protocol::message;
pub use sim::{trace, ClusterConfig, World};
