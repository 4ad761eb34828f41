//! The page's own clients: the producer (one per acks/idempotence setting, found again by its name after a
//! replay), its stream (a `stream` action of the core: one action for the whole stream, so that a share
//! link stays short and a replayed stream goes on), and the consumer panel (one consumer per partition
//! polled, with its position, the partition's range and its lag).

use franz_core::client::{AutoOffsetReset, ConsumerConfig, ConsumerRecord, ProducerConfig};
use franz_core::message::Acks;
use franz_core::protocol::actor::TimerName;
use franz_core::sim::scenario::Action as ScenarioAction;
use franz_core::sim::stream::{StreamKey, StreamSpec, STREAM_RECORDS_PER_SEC_MAX};
use franz_core::sim::{Node, Outcome as CallOutcome};
use franz_core::types::{NodeId, ProducerRecord, TopicPartition};
use franz_core::view::ClusterView;

use super::explain::Countdown;
use super::{input, is_internal, Playground};
use crate::playground::format::bytes;

/// Records the consumer panel keeps (the newest).
const POLLED_RECORDS_MAX: usize = 50;
/// The page simulates at most this many stream records per second of wall time: a faster stream slows the
/// page's speed down (and says so) rather than sending fewer records than it claims.
pub const STREAM_RECORDS_PER_WALL_SEC_MAX: f64 = 12_000.0;
/// A producer's wait is shown once it has lasted this long (most requests are answered in milliseconds).
const WAIT_SHOWN_AFTER_MS: u64 = 1_000;
/// The page's producers are named by their settings, with this prefix.
const PRODUCER_PREFIX: &str = "playground-producer-";

/// What the producer form asks for: a record, and the producer settings to send it with.
#[derive(Clone, PartialEq, Debug)]
pub struct SendRequest {
    pub topic: String,
    pub key: String,
    pub value: String,
    /// "all", "1" or "0".
    pub acks: String,
    pub idempotent: bool,
}

/// How a stream keys its records.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum KeyMode {
    /// No key: Kafka's sticky partitioner picks a partition, and moves on after `batch.size` bytes.
    None,
    /// The form's key on every record: one partition.
    Fixed,
    /// The form's key (or `k`) with a number, `key-0` to `key-(n−1)` in turn.
    Rotating(u32),
}

/// A stream as the form asks for it: the form's record and settings, the rate as typed, the key mode.
#[derive(Clone, PartialEq, Debug)]
pub struct StreamRequest {
    pub send: SendRequest,
    pub records_per_sec: String,
    pub key: KeyMode,
}

/// The stream running, as the producer panel shows it.
#[derive(Clone, PartialEq, Debug)]
pub struct StreamStatus {
    pub producer: NodeId,
    pub topic: String,
    pub records_per_sec: u32,
    /// "no key", "key alice", "keys k-0 … k-3 in turn".
    pub key: String,
    pub sent: u64,
    pub acknowledged: u64,
    pub failed: u64,
    /// Sent, without an outcome yet.
    pub pending: u64,
    /// The speed the page runs at while the stream runs, when it is below the speed chosen.
    pub speed_limit: Option<f64>,
}

/// A record a playground consumer polled, ready to show.
#[derive(Clone, PartialEq, Debug)]
pub struct PolledRecord {
    pub partition: String,
    pub offset: u64,
    pub key: String,
    pub value: String,
}

impl From<ConsumerRecord> for PolledRecord {
    fn from(r: ConsumerRecord) -> Self {
        PolledRecord {
            partition: format!("{}-{}", r.topic, r.partition),
            offset: r.offset,
            key: bytes(&r.key),
            value: bytes(&r.value),
        }
    }
}

/// What the consumer panel shows for the partition chosen.
#[derive(Clone, PartialEq, Debug)]
pub struct ConsumerPanel {
    /// The topic chosen (the first user topic when none is).
    pub topic: String,
    /// The partition as typed.
    pub partition_text: String,
    /// The partition to poll, or why Poll is off.
    pub target: Result<u32, String>,
    /// "log start 0 · HW 12 · LEO 12" for the partition chosen.
    pub range: Option<String>,
    /// The panel's consumer of that partition: its position (the next offset it reads) and the lag to the HW.
    pub position: Option<u64>,
    pub lag: Option<u64>,
}

impl Default for ConsumerPanel {
    fn default() -> Self {
        ConsumerPanel {
            topic: String::new(),
            partition_text: String::new(),
            target: Err(String::new()),
            range: None,
            position: None,
            lag: None,
        }
    }
}

impl Playground {
    /// Sends one record and waits for its outcome (Kafka's `send().get()`).
    pub(super) fn send(&mut self, request: SendRequest) -> Result<String, String> {
        let SendRequest { topic, key, value, acks, idempotent } = request;
        let producer = self.producer(&acks, idempotent)?;
        let record = ProducerRecord {
            key: (!key.is_empty()).then(|| key.into_bytes().into()),
            value: Some(value.into_bytes().into()),
            ..Default::default()
        };
        let started_ms = self.world.now_ms();
        let send = ScenarioAction::Send { producer, topic: topic.clone(), records: vec![record], wait: true };
        let waiting = format!("Sending to {topic} with acks={acks}: waiting for its outcome");
        self.call(
            send,
            &waiting,
            Box::new(move |p, sent| {
                // The page's Send waits for its outcome: when that takes a while, the clock jumped with it.
                let waited_ms = p.world.now_ms() - started_ms;
                let waited = match waited_ms {
                    0..=999 => String::new(),
                    ms => format!(
                        " The send waited {} ms of virtual time for its outcome (the clock moved on with it; \
                         retries last up to delivery.timeout.ms).",
                        franz_core::trace::group_thousands(ms)
                    ),
                };
                let meta = match sent.map_err(|e| format!("{e}{waited}"))? {
                    CallOutcome::Sent(meta) => meta,
                    other => return Err(format!("Franz bug: the send gave {other:?}")),
                };
                let m = meta.first().ok_or("the send returned no record")?;
                Ok(match m.offset {
                    Some(offset) => format!("Acknowledged: {topic}-{} at offset {offset}.{waited}", m.partition),
                    None => {
                        format!("Sent to {topic}-{} with acks=0: no acknowledgement, no offset.{waited}", m.partition)
                    }
                })
            }),
        )
    }

    /// Starts the stream (stopping the one running) or stops it.
    pub(super) fn stream_action(&mut self, request: Option<StreamRequest>) -> Result<String, String> {
        let running: Vec<NodeId> = self.world.streams().iter().map(|s| s.producer).collect();
        let Some(StreamRequest { send, records_per_sec, key }) = request else {
            if running.is_empty() {
                return Err("No stream is running.".into());
            }
            for producer in running {
                self.world.stop_stream(producer).map_err(|e| e.to_string())?;
            }
            return Ok("Stream stopped.".into());
        };
        let rate = input::records_per_sec(&records_per_sec, STREAM_RECORDS_PER_SEC_MAX)?;
        let key = match key {
            KeyMode::None => StreamKey::None,
            KeyMode::Fixed => StreamKey::Fixed { key: send.key.clone() },
            KeyMode::Rotating(keys) => {
                let prefix = if send.key.is_empty() { String::from("k") } else { send.key.clone() };
                StreamKey::Rotating { prefix, keys }
            }
        };
        let producer = self.producer(&send.acks, send.idempotent)?;
        for other in running.into_iter().filter(|&p| p != producer) {
            self.world.stop_stream(other).map_err(|e| e.to_string())?;
        }
        let described = key.describe();
        let spec = StreamSpec { topic: send.topic.clone(), records_per_sec: rate, key, value: send.value };
        self.world.stream(producer, spec).map_err(|e| e.to_string())?;
        let mut text = format!("Streaming {rate} records/s to {} with acks={}, {described}.", send.topic, send.acks);
        if let Some(limit) = self.speed_limit() {
            text += &format!(" {}", speed_limit_text(rate, limit));
        }
        Ok(text)
    }

    /// The stream running, if any.
    pub fn stream(&self) -> Option<StreamStatus> {
        let s = self.world.streams().into_iter().next()?;
        Some(StreamStatus {
            producer: s.producer,
            topic: s.spec.topic.clone(),
            records_per_sec: s.spec.records_per_sec,
            key: s.spec.key.describe(),
            sent: s.sent,
            acknowledged: s.acknowledged,
            failed: s.failed,
            pending: s.pending,
            speed_limit: self.speed_limit(),
        })
    }

    /// The speed the page runs at while streams run, when their rate holds it below the speed chosen.
    pub fn speed_limit(&self) -> Option<f64> {
        let rate: u32 = self.world.streams().iter().map(|s| s.spec.records_per_sec).sum();
        let limit = STREAM_RECORDS_PER_WALL_SEC_MAX / f64::from(rate.max(1));
        (rate > 0 && limit < self.speed).then_some(limit)
    }

    /// The speed frames run at: the one chosen, or the streams' limit on it.
    pub(super) fn effective_speed(&self) -> f64 {
        self.speed_limit().unwrap_or(self.speed)
    }

    /// The playground's producer for these settings, started on first use (found by its name, which says its
    /// settings, so it survives a replay).
    /// Ticked, "idempotent" is Kafka's default (unset): on with acks=all, given way to acks 0 and 1.
    fn producer(&mut self, acks: &str, idempotent: bool) -> Result<NodeId, String> {
        let idempotent = idempotent && acks == "all";
        let name = format!("{PRODUCER_PREFIX}acks-{acks}{}", if idempotent { "-idempotent" } else { "" });
        if let Some(id) = self.world.client_by_name(&name) {
            return Ok(id);
        }
        let acks = Acks::parse(acks).ok_or("acks must be all, 1 or 0")?;
        let enable_idempotence = (!idempotent).then_some(false);
        let config = ProducerConfig { acks, enable_idempotence, ..ProducerConfig::named(name) };
        self.world.add_producer(config).map_err(|e| e.to_string())
    }

    /// What the page's producers wait for, once a wait has lasted a second: a request's answer, a send's
    /// delivery timeout, a topic's metadata.
    pub(super) fn producer_waits(&self) -> Vec<Countdown> {
        let now = self.world.now_ms();
        let mut waits = Vec::new();
        for (&id, node) in self.world.nodes() {
            let Node::Producer(p) = node else { continue };
            let name = self.world.node_name(id);
            if !name.starts_with(PRODUCER_PREFIX) {
                continue;
            }
            let c = p.config();
            let timers = self.world.timers(id).unwrap_or_default();
            let waits_of = |timer: TimerName, full_ms: u64, what: &str| {
                let t = timers.iter().filter(|t| t.name == timer).min_by_key(|t| t.at_ms)?;
                let left = t.at_ms.saturating_sub(now);
                (left + WAIT_SHOWN_AFTER_MS <= full_ms).then(|| Countdown {
                    what: format!("{name}: {what}"),
                    in_ms: left,
                    config_key: timer.config_key(),
                })
            };
            waits.extend(waits_of(
                TimerName::RequestTimeout,
                c.request_timeout_ms,
                "send waiting: the request times out",
            ));
            waits.extend(waits_of(TimerName::MaxBlock, c.max_block_ms, "waiting for the topic's metadata: gives up"));
            waits.extend(waits_of(
                TimerName::DeliveryTimeout,
                c.delivery_timeout_ms,
                "a send not acknowledged yet fails",
            ));
        }
        waits
    }

    /// Polls the panel's consumer of `topic-partition` (up to 1 s of virtual time).
    pub(super) fn poll(&mut self, topic: String, partition: u32) -> Result<String, String> {
        let tp = TopicPartition::new(topic, partition);
        let consumer = self.consumer(&tp)?;
        let poll = ScenarioAction::Poll { consumer, timeout_ms: 1_000 };
        self.call(
            poll,
            &format!("Polling {tp}"),
            Box::new(move |p, polled| {
                let records = match polled.map_err(|e| e.to_string())? {
                    CallOutcome::Polled(records) => records,
                    other => return Err(format!("Franz bug: the poll gave {other:?}")),
                };
                let n = records.len();
                p.polled.extend(records.into_iter().map(PolledRecord::from));
                let over = p.polled.len().saturating_sub(POLLED_RECORDS_MAX);
                p.polled.drain(..over);
                let position = p.consumer_position(&tp).map_or(String::new(), |p| format!(" Its position is now {p}."));
                let why = if n == 0 { p.why_nothing_polled(&tp) } else { String::new() };
                Ok(format!("Polled {n} record(s) from {tp}.{position}{why}"))
            }),
        )
    }

    /// One consumer per partition polled, assigned to it, reading from the earliest offset.
    fn consumer(&mut self, tp: &TopicPartition) -> Result<NodeId, String> {
        let name = consumer_name(tp);
        if let Some(id) = self.world.client_by_name(&name) {
            return Ok(id);
        }
        let config = ConsumerConfig { auto_offset_reset: AutoOffsetReset::Earliest, ..ConsumerConfig::named(name) };
        let id = self.world.add_consumer(config).map_err(|e| e.to_string())?;
        self.world.assign(id, vec![tp.clone()]).map_err(|e| e.to_string())?;
        Ok(id)
    }

    /// The position of the panel's consumer of `tp`, if it has one yet.
    /// Why a poll of `tp` brought nothing, as Kafka's consumer would not say (it returns no records, no error):
    /// no leader, a leader down the controller still names, or nothing new below the high watermark (adversary
    /// 57: "Polled 0 record(s)" with the leader crashed, and no reason).
    fn why_nothing_polled(&self, tp: &TopicPartition) -> String {
        let described = self.world.describe_topic(&tp.topic).ok();
        let Some(d) = described.as_ref().and_then(|t| t.partitions.get(tp.partition as usize)) else {
            return String::new();
        };
        match d.leader {
            None => String::from(" The partition has no leader: nothing can be read until one is elected."),
            Some(leader) if self.world.is_crashed(leader) => format!(
                " Its leader, broker {leader}, is down: the consumer's fetches get no answer until the controller \
                 fences it (broker.session.timeout.ms) and elects another."
            ),
            Some(_) if self.consumer_position(tp).is_some_and(|p| p >= d.high_watermark) => format!(
                " It has read everything up to the high watermark ({}): nothing newer is committed yet.",
                d.high_watermark
            ),
            Some(_) => String::new(),
        }
    }

    fn consumer_position(&self, tp: &TopicPartition) -> Option<u64> {
        match self.world.node(self.world.client_by_name(&consumer_name(tp))?)? {
            Node::Consumer(c) => c.position(tp).ok().flatten(),
            _ => None,
        }
    }

    /// The consumer panel for the topic and partition chosen.
    pub(super) fn consumer_panel(&self, view: &ClusterView) -> ConsumerPanel {
        let (chosen, partition_text) = &self.poll_target;
        let user_topics = view.topics.iter().filter(|t| !is_internal(&t.name));
        let topic = view.topics.iter().find(|t| t.name == *chosen).or(user_topics.clone().next());
        let Some(topic) = topic else {
            let target = Err(String::from("Create a topic first: there is nothing to poll."));
            return ConsumerPanel { partition_text: partition_text.clone(), target, ..ConsumerPanel::default() };
        };
        let target = input::partition(partition_text, &topic.name, topic.partitions.len() as u32);
        let mut panel = ConsumerPanel {
            topic: topic.name.clone(),
            partition_text: partition_text.clone(),
            target: target.clone(),
            ..ConsumerPanel::default()
        };
        let Ok(partition) = target else { return panel };
        let Some(d) = topic.partitions.get(partition as usize) else { return panel };
        let leo = d.log_end_offset().unwrap_or(0);
        panel.range = Some(format!("log start {} · HW {} · LEO {leo}", d.log_start_offset, d.high_watermark));
        panel.position = self.consumer_position(&TopicPartition::new(topic.name.clone(), partition));
        panel.lag = panel.position.map(|p| d.high_watermark.saturating_sub(p));
        panel
    }
}

fn consumer_name(tp: &TopicPartition) -> String {
    format!("playground-consumer-{tp}")
}

/// What the page says when a stream holds its speed down.
pub fn speed_limit_text(rate: u32, limit: f64) -> String {
    format!(
        "The page runs at {limit:.1}× (not the speed chosen) while it streams {rate} records/s: it simulates at \
         most {} stream records per second of your time, and sends every record the rate says.",
        franz_core::trace::group_thousands(STREAM_RECORDS_PER_WALL_SEC_MAX as u64)
    )
}

#[cfg(test)]
mod tests {
    use super::super::tests::{create_topic, frames, record, stream_request};
    use super::super::{Action, BrokerAction, Playground, TopicAction};
    use super::*;

    fn stream(topic: &str, rate: u32, key: &str, mode: KeyMode) -> StreamRequest {
        let send = SendRequest { key: key.into(), ..record(topic, "v", "all") };
        StreamRequest { send, records_per_sec: rate.to_string(), key: mode }
    }

    /// Found by the adversary: a Send that cannot be acknowledged made the clock jump two minutes unexplained.
    #[test]
    fn a_send_that_waits_for_its_outcome_says_how_long_the_clock_moved() {
        let mut p = Playground::from_fragment("#play");
        let config = String::from("min.insync.replicas=2");
        p.reduce(Action::Topic(TopicAction::Create {
            name: "strict".into(),
            partitions: 1,
            replication_factor: None,
            config,
        }));
        // Both followers down and fenced: the ISR is the leader alone, below min.insync.replicas.
        let d = p.world().describe_topic("strict").unwrap().partitions[0].clone();
        for follower in d.replicas.iter().filter(|&&b| Some(b) != d.leader) {
            p.reduce(Action::Broker(*follower, BrokerAction::Crash));
        }
        p.reduce(Action::SetSpeed(100.0));
        frames(&mut p, 30, 10.0);
        assert_eq!(p.world().describe_topic("strict").unwrap().partitions[0].isr.len(), 1);
        let before = p.world().now_ms();
        let notice = p.reduce(Action::Send(record("strict", "a", "all"))).notice.unwrap();
        let waited = p.world().now_ms() - before;
        assert!(waited >= 100_000, "{waited}: {}", notice.text);
        assert!(notice.error && notice.text.contains("NOT_ENOUGH_REPLICAS"), "{}", notice.text);
        let said = format!("The send waited {} ms of virtual time", franz_core::trace::group_thousands(waited));
        assert!(notice.text.contains(&said), "{}", notice.text);
        let quick = p.reduce(Action::Send(record("strict", "b", "1"))).notice.unwrap();
        assert!(!quick.text.contains("waited"), "{}", quick.text);
    }

    #[test]
    fn a_fast_stream_slows_the_page_down_and_says_so_rather_than_sending_less() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "clicks", 1);
        p.reduce(Action::SetSpeed(100.0));
        let notice = p.reduce(Action::Stream(Some(stream_request("clicks", 1_000)))).notice.unwrap();
        assert!(
            notice.text.contains("The page runs at 12.0× (not the speed chosen) while it streams 1000 records/s"),
            "{}",
            notice.text
        );
        assert_eq!(p.speed_limit(), Some(12.0));
        let (t0, sent0) = (p.world().now_ms(), p.stream().unwrap().sent);
        frames(&mut p, 5, 100.0);
        let elapsed = p.world().now_ms() - t0;
        assert_eq!(elapsed, 6_000, "5 frames of 100 ms at 12×");
        let status = p.stream().unwrap();
        assert_eq!(status.sent - sent0, 6_001, "every record the rate says: due at 0, 1 ... 6000 ms");
        assert_eq!(status.speed_limit, Some(12.0));
        // A slow stream leaves the speed alone.
        p.reduce(Action::Stream(Some(stream_request("clicks", 20))));
        assert_eq!(p.speed_limit(), None);
        assert_eq!(p.stream().unwrap().records_per_sec, 20);
        assert_eq!(p.world().streams().len(), 1, "one stream at a time");
    }

    #[test]
    fn a_stream_keys_its_records_none_fixed_or_rotating() {
        let partitions_used = |mode: KeyMode| {
            let mut p = Playground::from_fragment("#play");
            create_topic(&mut p, "t", 4);
            let notice = p.reduce(Action::Stream(Some(stream("t", 100, "user", mode)))).notice.unwrap();
            frames(&mut p, 20, 100.0);
            let t = p.world().describe_topic("t").unwrap();
            (notice.text, t.partitions.iter().filter(|p| p.high_watermark > 0).count())
        };
        let (text, used) = partitions_used(KeyMode::Fixed);
        assert!(text.ends_with("with acks=all, key user."), "{text}");
        assert_eq!(used, 1, "one key, one partition");
        let (text, used) = partitions_used(KeyMode::Rotating(8));
        assert!(text.ends_with("keys user-0 … user-7 in turn."), "{text}");
        assert!(used >= 3, "eight keys over four partitions: {used}");
        let (text, used) = partitions_used(KeyMode::None);
        assert!(text.ends_with("no key."), "{text}");
        // Kafka's sticky partitioner (KIP-794) moves on after batch.size bytes: 2 KB of small records stay on
        // one partition.
        assert_eq!(used, 1, "no key: one partition until batch.size bytes went to it");
    }

    #[test]
    fn the_consumer_panel_shows_the_range_position_and_lag_and_why_poll_is_off() {
        let mut p = Playground::from_fragment("#play");
        let panel = p.snapshot().consumer;
        assert_eq!(panel.target, Err(String::from("Create a topic first: there is nothing to poll.")));
        create_topic(&mut p, "orders", 1);
        for v in ["a", "b", "c"] {
            p.reduce(Action::Send(record("orders", v, "all")));
        }
        p.reduce(Action::SetPollTarget { topic: "orders".into(), partition: "99".into() });
        let panel = p.snapshot().consumer;
        assert_eq!(panel.target, Err(String::from("orders has no partition 99: its only partition is 0.")));
        assert_eq!(panel.range, None);

        p.reduce(Action::SetPollTarget { topic: "orders".into(), partition: "0".into() });
        let panel = p.snapshot().consumer;
        assert_eq!(panel.target, Ok(0));
        assert_eq!(panel.range.as_deref(), Some("log start 0 · HW 3 · LEO 3"));
        assert_eq!((panel.position, panel.lag), (None, None), "not polled yet");
        p.reduce(Action::Poll { topic: "orders".into(), partition: 0 });
        p.reduce(Action::Send(record("orders", "d", "all")));
        let panel = p.snapshot().consumer;
        assert_eq!((panel.position, panel.lag), (Some(3), Some(1)), "one record behind the HW");
        let offsets: Vec<u64> = p.polled().iter().map(|r| r.offset).collect();
        assert_eq!(offsets, [0, 1, 2], "oldest first");

        // An empty poll says why, where Kafka's consumer says nothing (adversary 57).
        p.reduce(Action::Poll { topic: "orders".into(), partition: 0 });
        let caught_up = p.reduce(Action::Poll { topic: "orders".into(), partition: 0 }).notice.unwrap().text;
        assert!(
            caught_up.ends_with("It has read everything up to the high watermark (4): nothing newer is committed yet.")
        );
        let leader = p.world().describe_topic("orders").unwrap().partitions[0].leader.unwrap();
        p.reduce(Action::Broker(leader, BrokerAction::Crash));
        let down = p.reduce(Action::Poll { topic: "orders".into(), partition: 0 }).notice.unwrap().text;
        assert!(down.starts_with("Polled 0 record(s)"), "{down}");
        assert!(down.contains(&format!("Its leader, broker {leader}, is down: ")), "{down}");
    }

    #[test]
    fn a_producer_waiting_on_a_cut_off_leader_counts_down_to_its_request_timeout() {
        let mut p = Playground::from_fragment("#play");
        p.reduce(Action::Topic(TopicAction::Create {
            name: "orders".into(),
            partitions: 1,
            replication_factor: None,
            config: String::new(),
        }));
        p.reduce(Action::Send(record("orders", "a", "all")));
        assert!(p.snapshot().producer_waits.is_empty(), "answered in milliseconds");
        let leader = p.world().describe_topic("orders").unwrap().partitions[0].leader.unwrap();
        p.reduce(Action::Stream(Some(stream_request("orders", 10))));
        p.reduce(Action::Broker(leader, BrokerAction::Isolate));
        p.reduce(Action::SetSpeed(10.0));
        frames(&mut p, 3, 100.0);
        let waits = p.snapshot().producer_waits;
        let wait = waits.iter().find(|w| w.config_key == "request.timeout.ms").expect("a request waits");
        assert!(
            wait.text().starts_with("playground-producer-acks-all-idempotent: send waiting: the request times out in "),
            "{}",
            wait.text()
        );
        assert!(wait.in_ms < 30_000 - 1_000, "{wait:?}");
        let status = p.stream().unwrap();
        assert!(status.pending > 0 && status.sent > status.acknowledged, "{status:?}");
    }
}
