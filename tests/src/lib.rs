//! Helpers shared by Franz's integration tests: small builders that keep scenarios readable.

use franz_core::types::ProducerRecord;

/// A record with a UTF-8 key and value.
pub fn kv(key: &str, value: &str) -> ProducerRecord {
    ProducerRecord { key: Some(key.as_bytes().to_vec()), value: Some(value.as_bytes().to_vec()), ..Default::default() }
}

/// A record with no key (spread by the sticky partitioner).
pub fn value(value: &str) -> ProducerRecord {
    ProducerRecord { value: Some(value.as_bytes().to_vec()), ..Default::default() }
}

pub fn text(bytes: &Option<Vec<u8>>) -> Option<&str> {
    bytes.as_deref().and_then(|b| std::str::from_utf8(b).ok())
}

/// The trace hash of `tests/fixtures/basic-scenario.json`, checked natively and in wasm (web/tests/node.rs
/// reads the same file).
pub const FIXTURE_TRACE_HASH: &str = include_str!("../tests/fixtures/basic-scenario.hash");
