//! Helpers shared by Franz's integration tests: small builders that keep scenarios readable.

pub mod explorer;

use franz_core::types::Bytes;
use franz_core::types::ProducerRecord;

/// A record with a UTF-8 key and value.
pub fn kv(key: &str, value: &str) -> ProducerRecord {
    ProducerRecord {
        key: Some(Bytes::copy_from_slice(key.as_bytes())),
        value: Some(Bytes::copy_from_slice(value.as_bytes())),
        ..Default::default()
    }
}

/// A record with no key (spread by the sticky partitioner).
pub fn value(value: &str) -> ProducerRecord {
    ProducerRecord { value: Some(Bytes::copy_from_slice(value.as_bytes())), ..Default::default() }
}

pub fn text(bytes: &Option<Bytes>) -> Option<&str> {
    bytes.as_deref().and_then(|b| std::str::from_utf8(b).ok())
}

/// The trace hash of `tests/fixtures/basic-scenario.json`, checked natively and in wasm (web/tests/node.rs
/// reads the same file).
pub const FIXTURE_TRACE_HASH: &str = include_str!("../tests/fixtures/basic-scenario.hash");

/// A cluster of one broker (and the default three controllers): the single-partition-replica tests of the
/// log, the simulator and the clients, where which broker leads is not the question.
pub fn one_broker() -> franz_core::ClusterConfig {
    franz_core::ClusterConfig { brokers: 1, ..Default::default() }
}
