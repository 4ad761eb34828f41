//! Layer 2, the protocol: everything actors exchange or record, and nothing that acts. Requests and
//! responses ([`message`]), the interface every actor implements ([`actor`]: messages and timers in, an
//! outbox out, named timers, in-flight requests), the metadata log's
//! records ([`metadata`]), Raft's messages ([`raft`]), record batches ([`record`]), and what actors tell
//! the world: trace events ([`trace`]) and the history the checker judges ([`history`]).
//!
//! It imports only layer 1 (types, errors, configs, limits), so every actor and the world can import it
//! without a cycle.

pub mod actor;
pub mod history;
pub mod message;
pub mod metadata;
pub mod raft;
pub mod record;
pub mod trace;
