//! Producer streams and consumer poll loops: a producer sending records at a steady rate as virtual time
//! passes, and a consumer polling at a steady interval, each started and stopped by one scenario action
//! (`stream` / `stopStream`, `pollLoop` / `stopPollLoop`) rather than one `send` or `poll` per step, so that a
//! long run stays a short scenario (and a short share link), and a replay carries them on.
//!
//! Record `n` of a stream started at `started_ms` is due at `started_ms + n × 1000 / recordsPerSec` (whole
//! milliseconds): the world sends it then, between events, with `send` semantics that do not wait (Kafka's
//! `producer.send()` without `.get()`). Records due at the same millisecond go in one send. The stream counts
//! what it sent and, as the producer completes its own sends, what was acknowledged or failed.

use crate::vec_map::VecMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::client::SendResult;
use crate::error::Result;
use crate::json;
use crate::types::{NodeId, ProducerRecord};

/// Franz's bound on a stream's rate, in records per second of virtual time.
pub const STREAM_RECORDS_PER_SEC_MAX: u32 = 10_000;
/// Franz's bound on the keys a rotating stream cycles through.
pub const STREAM_KEYS_MAX: u32 = 10_000;
/// Franz's bound on a stream's value (and key) text, in bytes, before the record number is appended.
pub const STREAM_TEXT_BYTES_MAX: usize = 1_000;

/// The key each record of a stream gets. Read by hand (`Deserialize` below) in the format this derive writes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "mode", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum StreamKey {
    /// No key: Kafka's sticky partitioner picks a partition, and another after `batch.size` bytes.
    None,
    /// Every record has this key, so all go to one partition.
    Fixed { key: String },
    /// Keys `prefix-0` ... `prefix-(keys−1)`, in turn: record `n` has key `prefix-(n mod keys)`.
    Rotating { prefix: String, keys: u32 },
}

impl<'de> Deserialize<'de> for StreamKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> core::result::Result<Self, D::Error> {
        let (mode, mut o) = json::Object::read_tagged(deserializer, "mode")?;
        let key = match mode.as_str() {
            "none" => return Ok(StreamKey::None),
            "fixed" => o.req("key").map(|key| StreamKey::Fixed { key }),
            "rotating" => o.req("prefix").and_then(|prefix| Ok(StreamKey::Rotating { prefix, keys: o.req("keys")? })),
            _ => Err(json::unknown_variant(&mode, &["none", "fixed", "rotating"])),
        };
        key.and_then(|key| o.end(key)).map_err(serde::de::Error::custom)
    }
}

/// Appends `<prefix>-<n>` to `out`, without `format!` (its machinery, and its buffer growing as it writes,
/// cost a tenth of a loaded run: a loaded stream writes two per record).
fn push_numbered(out: &mut Vec<u8>, prefix: &str, n: u64) {
    out.extend_from_slice(prefix.as_bytes());
    out.push(b'-');
    out.extend_from_slice(crate::types::decimal_digits(n, &mut [0u8; 20]));
}

#[cfg(test)]
fn numbered(prefix: &str, n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    push_numbered(&mut out, prefix, n);
    out
}

impl StreamKey {
    /// Appends the key of record `n` to `out`; false if records have no key.
    fn push_key(&self, out: &mut Vec<u8>, n: u64) -> bool {
        match self {
            StreamKey::None => return false,
            StreamKey::Fixed { key } => out.extend_from_slice(key.as_bytes()),
            StreamKey::Rotating { prefix, keys } => push_numbered(out, prefix, n % u64::from((*keys).max(1))),
        }
        true
    }

    /// As a person reads it: "no key", "key alice", "keys k-0 … k-3 in turn".
    pub fn describe(&self) -> String {
        match self {
            StreamKey::None => String::from("no key"),
            StreamKey::Fixed { key } => format!("key {key}"),
            StreamKey::Rotating { prefix, keys } => {
                format!("keys {prefix}-0 … {prefix}-{} in turn", keys.saturating_sub(1))
            }
        }
    }
}

/// What a stream sends: where, how fast, and what each record holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StreamSpec {
    pub topic: String,
    pub records_per_sec: u32,
    pub key: StreamKey,
    /// Record `n`'s value is `"{value}-{n}"`.
    pub value: String,
}

impl StreamSpec {
    /// Checks the limits, with Kafka's error name for a bad value.
    pub fn validate(&self) -> Result<()> {
        if self.records_per_sec == 0 || self.records_per_sec > STREAM_RECORDS_PER_SEC_MAX {
            return Err(franz_err!(
                InvalidConfig,
                "A stream sends 1 to {STREAM_RECORDS_PER_SEC_MAX} records per second of virtual time, got {}",
                self.records_per_sec
            ));
        }
        let texts = match &self.key {
            StreamKey::None => [&self.value, &self.value],
            StreamKey::Fixed { key } => [&self.value, key],
            StreamKey::Rotating { prefix, keys } => {
                if *keys == 0 || *keys > STREAM_KEYS_MAX {
                    return Err(franz_err!(
                        InvalidConfig,
                        "A rotating stream key cycles through 1 to {STREAM_KEYS_MAX} keys, got {keys}"
                    ));
                }
                [&self.value, prefix]
            }
        };
        if texts.iter().any(|t| t.len() > STREAM_TEXT_BYTES_MAX) {
            return Err(franz_err!(
                InvalidConfig,
                "A stream's key and value are at most {STREAM_TEXT_BYTES_MAX} bytes each"
            ));
        }
        Ok(())
    }
}

/// A running stream, as the world keeps it.
#[derive(Clone, Debug)]
pub struct ProducerStream {
    pub spec: StreamSpec,
    pub started_ms: u64,
    /// Records sent so far (also the number of the next one).
    pub sent: u64,
    pub acknowledged: u64,
    pub failed: u64,
    /// The stream's sends not completed yet: request id → records in it.
    pending: VecMap<u64, u64>,
    /// How long its producer was paused: its application's loop froze, and goes on at its rate after the
    /// pause, without the records it would have sent meanwhile (a day's pause is no burst of a day's records).
    paused_ms: u64,
}

/// A stream as the views show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamView {
    pub producer: NodeId,
    pub spec: StreamSpec,
    pub started_ms: u64,
    pub sent: u64,
    pub acknowledged: u64,
    pub failed: u64,
    /// Sent, with no outcome yet (batched, lingering, in flight, or waiting for the ISR).
    pub pending: u64,
}

impl ProducerStream {
    pub fn new(spec: StreamSpec, started_ms: u64) -> ProducerStream {
        ProducerStream { spec, started_ms, sent: 0, acknowledged: 0, failed: 0, pending: VecMap::new(), paused_ms: 0 }
    }

    /// When record `n` is due.
    fn due_ms(&self, n: u64) -> u64 {
        let offset_ms = u128::from(n) * 1_000 / u128::from(self.spec.records_per_sec.max(1));
        let offset_ms = u64::try_from(offset_ms).unwrap_or(u64::MAX).saturating_add(self.paused_ms);
        self.started_ms.saturating_add(offset_ms)
    }

    /// Its producer paused `ms` longer: the schedule moves on by as much.
    pub fn pause(&mut self, ms: u64) {
        self.paused_ms = self.paused_ms.saturating_add(ms);
    }

    /// When the next record is due.
    pub fn next_ms(&self) -> u64 {
        self.due_ms(self.sent)
    }

    /// The records due by `now_ms` (at most `max`), numbered from `sent`, which moves past them.
    ///
    /// Their keys and values are slices of one buffer: two allocations a send rather than four a record.
    pub fn take_due(&mut self, now_ms: u64, max: usize) -> Vec<ProducerRecord> {
        let first = self.sent;
        while ((self.sent - first) as usize) < max && self.due_ms(self.sent) <= now_ms {
            self.sent += 1;
        }
        let count = (self.sent - first) as usize;
        if count == 0 {
            return Vec::new();
        }
        let mut text = Vec::with_capacity(count * (2 * (self.spec.value.len() + 8)));
        // Per record: where its key ends (if it has one) and where its value ends.
        let mut ends = Vec::with_capacity(count);
        for n in first..self.sent {
            let key_end = self.spec.key.push_key(&mut text, n).then_some(text.len());
            push_numbered(&mut text, &self.spec.value, n);
            ends.push((key_end, text.len()));
        }
        let text = Bytes::from(text);
        let mut start = 0;
        ends.into_iter()
            .map(|(key_end, value_end)| {
                let key = key_end.map(|end| text.slice(start..end));
                let value = Some(text.slice(key_end.unwrap_or(start)..value_end));
                start = value_end;
                ProducerRecord { key, value, ..Default::default() }
            })
            .collect()
    }

    /// A send of `records` records went out as `request_id`, or was refused at once.
    pub fn sent_as(&mut self, request: Result<u64>, records: u64) {
        match request {
            Ok(id) => {
                self.pending.insert(id, records);
            }
            Err(_) => self.failed += records,
        }
    }

    /// Whether `request_id` is one of this stream's sends in progress.
    pub fn owns(&self, request_id: u64) -> bool {
        self.pending.contains_key(&request_id)
    }

    /// Counts the outcome of one of its sends.
    pub fn completed(&mut self, result: &SendResult) {
        let Some(records) = self.pending.remove(&result.request_id) else { return };
        match &result.result {
            Ok(_) => self.acknowledged += records,
            Err(_) => self.failed += records,
        }
    }

    pub fn view(&self, producer: NodeId) -> StreamView {
        StreamView {
            producer,
            spec: self.spec.clone(),
            started_ms: self.started_ms,
            sent: self.sent,
            acknowledged: self.acknowledged,
            failed: self.failed,
            pending: self.pending.values().sum(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_writes_the_prefix_a_dash_and_the_number() {
        for n in [0, 7, 10, 12_345, u64::MAX] {
            assert_eq!(numbered("v", n), format!("v-{n}").into_bytes());
        }
        assert_eq!(numbered("", 3), b"-3");
    }

    fn spec(records_per_sec: u32, key: StreamKey) -> StreamSpec {
        StreamSpec { topic: "t".into(), records_per_sec, key, value: "v".into() }
    }

    #[test]
    fn records_fall_due_at_the_rate_with_their_key_and_number() {
        let rotating = StreamKey::Rotating { prefix: "k".into(), keys: 3 };
        let mut s = ProducerStream::new(spec(4, rotating), 1_000);
        assert_eq!(s.next_ms(), 1_000, "the first record goes at once");
        let first = s.take_due(1_000, 100);
        assert_eq!(first.len(), 1);
        assert_eq!(s.next_ms(), 1_250);
        let more = s.take_due(2_000, 100);
        let keys: Vec<String> =
            first.iter().chain(&more).map(|r| String::from_utf8(r.key.clone().unwrap().to_vec()).unwrap()).collect();
        assert_eq!(keys, ["k-0", "k-1", "k-2", "k-0", "k-1"], "records 0 to 4: due at 1000, 1250 ... 2000");
        assert_eq!(more.last().unwrap().value.as_deref(), Some(&b"v-4"[..]));
        assert_eq!(s.take_due(2_000, 100).len(), 0);
        let fast = &mut ProducerStream::new(spec(10_000, StreamKey::None), 0);
        assert_eq!(fast.take_due(0, 100).len(), 10, "ten a millisecond at 10,000/s");
        assert_eq!(fast.take_due(1, 100).len(), 10);
        assert_eq!(fast.take_due(1_000, 7).len(), 7, "at most max at once");
        assert!(fast.take_due(2, 100).first().unwrap().key.is_none());
    }

    #[test]
    fn a_stream_counts_its_own_sends_outcomes() {
        let mut s = ProducerStream::new(spec(1, StreamKey::Fixed { key: "a".into() }), 0);
        s.sent_as(Ok(7), 2);
        s.sent_as(Err(franz_err!(InvalidRequest, "no")), 1);
        assert!(s.owns(7) && !s.owns(8));
        s.completed(&SendResult { request_id: 8, result: Ok(Vec::new()) });
        assert_eq!(s.view(1).pending, 2);
        s.completed(&SendResult { request_id: 7, result: Ok(Vec::new()) });
        let v = s.view(1);
        assert_eq!((v.acknowledged, v.failed, v.pending), (2, 1, 0));
    }

    #[test]
    fn limits_are_checked() {
        assert!(spec(1, StreamKey::None).validate().is_ok());
        assert!(spec(0, StreamKey::None).validate().is_err());
        assert!(spec(STREAM_RECORDS_PER_SEC_MAX + 1, StreamKey::None).validate().is_err());
        assert!(spec(5, StreamKey::Rotating { prefix: "k".into(), keys: 0 }).validate().is_err());
        let long = StreamKey::Fixed { key: "x".repeat(STREAM_TEXT_BYTES_MAX + 1) };
        assert!(spec(5, long).validate().is_err());
        assert_eq!(StreamKey::Rotating { prefix: "k".into(), keys: 4 }.describe(), "keys k-0 … k-3 in turn");
    }
}

/// Franz's bounds on a poll loop's interval, in ms of virtual time.
pub const POLL_LOOP_INTERVAL_MS_MIN: u64 = 1;
pub const POLL_LOOP_INTERVAL_MS_MAX: u64 = 3_600_000;

/// A consumer's application loop (`while (true) consumer.poll(...)`), as the world keeps it: it polls every
/// `interval_ms` of virtual time, without waiting, and counts what it got. Started and stopped by one action
/// each (`pollLoop`, `stopPollLoop`), so that a group member polling for an hour is two actions, not 3,600.
#[derive(Clone, Debug)]
pub struct PollLoop {
    pub interval_ms: u64,
    pub next_ms: u64,
    /// Records polled so far.
    pub records: u64,
    /// Polls that failed (a rebalance under way, a fenced member ...): Kafka's `poll` throws, the loop goes on.
    pub errors: u64,
}

/// A poll loop as the views show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PollLoopView {
    pub consumer: NodeId,
    pub interval_ms: u64,
    pub records: u64,
    pub errors: u64,
}

impl PollLoop {
    pub fn new(interval_ms: u64, now_ms: u64) -> Result<PollLoop> {
        if !(POLL_LOOP_INTERVAL_MS_MIN..=POLL_LOOP_INTERVAL_MS_MAX).contains(&interval_ms) {
            return Err(franz_err!(
                InvalidConfig,
                "A poll loop polls every {POLL_LOOP_INTERVAL_MS_MIN} to {POLL_LOOP_INTERVAL_MS_MAX} ms, got {interval_ms}"
            ));
        }
        Ok(PollLoop { interval_ms, next_ms: now_ms, records: 0, errors: 0 })
    }

    pub fn view(&self, consumer: NodeId) -> PollLoopView {
        PollLoopView { consumer, interval_ms: self.interval_ms, records: self.records, errors: self.errors }
    }
}
