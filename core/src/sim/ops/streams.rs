//! Producer streams and consumer poll loops (`sim::stream`): started and stopped by an action, run by the
//! world between events.

use super::*;
use crate::client::producer::RECORDS_PER_SEND_MAX;
use crate::sim::stream::{PollLoop, PollLoopView, ProducerStream, StreamSpec, StreamView};

impl World {
    pub(in crate::sim) fn exec_stream(&mut self, producer: NodeId, spec: StreamSpec) -> Result<()> {
        spec.validate()?;
        self.producer_mut(producer)?;
        self.streams.insert(producer, ProducerStream::new(spec, self.now_ms));
        Ok(())
    }

    pub(in crate::sim) fn exec_stop_stream(&mut self, producer: NodeId) -> Result<()> {
        match self.streams.remove(&producer) {
            Some(_) => Ok(()),
            None => Err(franz_err!(InvalidRequest, "Producer {producer} is not streaming")),
        }
    }

    /// One event (a `step`), the streams' records and poll loops due before it run first.
    pub(in crate::sim) fn step_with_streams(&mut self) -> bool {
        let stepped = self.step_once();
        // (A step ends a close or stop going on as `run_until` does: adversary 62, stepping never ended one.)
        self.finish_calls();
        stepped
    }

    fn step_once(&mut self) -> bool {
        let horizon = self.horizon_ms.unwrap_or(u64::MAX);
        if let Some(t) = self.finishing_deadline_ms().filter(|&t| t <= horizon && self.nothing_due_by(t)) {
            self.now_ms = self.now_ms.max(t);
            return true;
        }
        loop {
            match (self.next_client_loop_ms().filter(|&s| s <= horizon), self.next_event_ms()) {
                (None, _) => return self.step_event(u64::MAX),
                (Some(s), None) => {
                    self.run_client_loops(s);
                    return self.step_event(u64::MAX);
                }
                (Some(s), Some(t)) if s <= t => self.run_client_loops(s),
                // An event comes first (or a stale timer, skipped: then look again; nothing at the loops'
                // instant or later passes them).
                (Some(s), Some(_)) => {
                    if self.step_event(s.saturating_sub(1)) {
                        return true;
                    }
                }
            }
        }
    }

    pub(in crate::sim) fn exec_poll_loop(&mut self, consumer: NodeId, interval_ms: u64) -> Result<()> {
        self.consumer_mut(consumer)?;
        let poll_loop = PollLoop::new(interval_ms, self.now_ms)?;
        self.poll_loops.insert(consumer, poll_loop);
        Ok(())
    }

    pub(in crate::sim) fn exec_stop_poll_loop(&mut self, consumer: NodeId) -> Result<()> {
        match self.poll_loops.remove(&consumer) {
            Some(_) => Ok(()),
            None => Err(franz_err!(InvalidRequest, "Consumer {consumer} has no poll loop")),
        }
    }

    /// When the next stream record or poll loop is due, if any runs.
    pub(in crate::sim) fn next_client_loop_ms(&self) -> Option<u64> {
        let streams = self.streams.values().map(ProducerStream::next_ms);
        streams.chain(self.poll_loops.values().map(|l| l.next_ms)).min()
    }

    /// Moves the clock to `at_ms`, sends every stream's records due by then (counting the outcomes of the
    /// streams' earlier sends), and polls with every poll loop due. A stream whose producer is gone (closed,
    /// crashed) ends, as does a poll loop whose consumer is gone.
    pub(in crate::sim) fn run_client_loops(&mut self, at_ms: u64) {
        debug_assert!(at_ms >= self.now_ms, "virtual time never goes back");
        self.now_ms = self.now_ms.max(at_ms);
        let producers: Vec<NodeId> = self.streams.keys().copied().collect();
        for producer in producers {
            if !matches!(self.nodes.get(&producer), Some(Node::Producer(_))) {
                self.streams.remove(&producer);
                continue;
            }
            let Some(stream) = self.streams.get_mut(&producer) else { continue };
            let records = stream.take_due(self.now_ms, RECORDS_PER_SEND_MAX);
            let topic = stream.spec.topic.clone();
            if !records.is_empty() {
                let count = records.len() as u64;
                let request = self.exec_send_async(producer, topic, records);
                if let Some(stream) = self.streams.get_mut(&producer) {
                    stream.sent_as(request, count);
                }
            }
            self.count_stream_outcomes(producer);
        }
        self.run_poll_loops();
        self.finish_calls();
    }

    /// Each poll loop due polls once, without waiting (what the consumer has buffered; the poll also does the
    /// group's work: heartbeats, rejoining, auto-commit). A loop whose consumer is gone ends.
    fn run_poll_loops(&mut self) {
        let due: Vec<NodeId> =
            self.poll_loops.iter().filter(|(_, l)| l.next_ms <= self.now_ms).map(|(&c, _)| c).collect();
        for consumer in due {
            if !matches!(self.nodes.get(&consumer), Some(Node::Consumer(_))) {
                self.poll_loops.remove(&consumer);
                continue;
            }
            self.command(consumer, |node, now, out| {
                if let Node::Consumer(c) = node {
                    c.begin_poll(now, out);
                }
            });
            let polled = self.command(consumer, |node, now, out| match node {
                Node::Consumer(c) => c.take_records(now, out).map(|r| r.len() as u64),
                _ => Ok(0),
            });
            let now = self.now_ms;
            if let Some(l) = self.poll_loops.get_mut(&consumer) {
                match polled {
                    Some(Ok(n)) => l.records += n,
                    _ => l.errors += 1,
                }
                l.next_ms = now.saturating_add(l.interval_ms);
            }
        }
    }

    fn count_stream_outcomes(&mut self, producer: NodeId) {
        let Some(stream) = self.streams.get(&producer) else { return };
        let Some(Node::Producer(p)) = self.nodes.get_mut(&producer) else { return };
        let done = p.take_results_where(|id| stream.owns(id));
        if let Some(stream) = self.streams.get_mut(&producer) {
            done.iter().for_each(|r| stream.completed(r));
        }
    }

    /// The streams running now, by producer id. (A read: the counts of outcomes are those seen at the
    /// stream's last send.)
    pub fn streams(&self) -> Vec<StreamView> {
        self.streams.iter().map(|(&producer, s)| s.view(producer)).collect()
    }

    /// The poll loops running now, by consumer id.
    pub fn poll_loops(&self) -> Vec<PollLoopView> {
        self.poll_loops.iter().map(|(&consumer, l)| l.view(consumer)).collect()
    }

    /// Starts a poll loop on `consumer`: it polls every `interval_ms` (replacing its loop, if it had one).
    pub fn poll_loop(&mut self, consumer: NodeId, interval_ms: u64) -> Result<()> {
        self.apply(Action::PollLoop { consumer, interval_ms }).map(|_| ())
    }

    pub fn stop_poll_loop(&mut self, consumer: NodeId) -> Result<()> {
        self.apply(Action::StopPollLoop { consumer }).map(|_| ())
    }

    /// Starts a stream on `producer` (replacing its stream, if it had one).
    pub fn stream(&mut self, producer: NodeId, spec: StreamSpec) -> Result<()> {
        let StreamSpec { topic, records_per_sec, key, value } = spec;
        self.apply(Action::Stream { producer, topic, records_per_sec, key, value }).map(|_| ())
    }

    pub fn stop_stream(&mut self, producer: NodeId) -> Result<()> {
        self.apply(Action::StopStream { producer }).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ProducerConfig;
    use crate::sim::scenario::Scenario;
    use crate::sim::stream::StreamKey;

    fn spec(records_per_sec: u32, key: StreamKey) -> StreamSpec {
        StreamSpec { topic: String::from("clicks"), records_per_sec, key, value: String::from("c") }
    }

    fn world_with_topic(partitions: u32) -> (World, NodeId) {
        let mut w = World::new(ClusterConfig::default()).unwrap();
        w.create_topic("clicks", partitions, None, ConfigMap::new()).unwrap();
        let producer = w.add_producer(ProducerConfig::named("streamer")).unwrap();
        (w, producer)
    }

    fn log_end(w: &World, partition: u32) -> u64 {
        w.describe_topic("clicks").unwrap().partitions[partition as usize].high_watermark
    }

    #[test]
    fn a_stream_sends_at_its_rate_as_one_action_and_stops() {
        let (mut w, producer) = world_with_topic(1);
        let actions_before = w.scenario().unwrap().actions.len();
        w.stream(producer, spec(200, StreamKey::None)).unwrap();
        for _ in 0..100 {
            w.run_for(20); // frame-sized runs, as the page makes them
        }
        let s = &w.streams()[0];
        assert_eq!(s.sent, 401, "2 s at 200 records/s: records due at 0, 5 ... 2000 ms");
        assert!(s.acknowledged >= 390 && s.failed == 0, "{s:?}");
        assert_eq!(s.acknowledged + s.pending, 401);
        assert!(log_end(&w, 0) >= 390);
        let actions = &w.scenario().unwrap().actions[actions_before..];
        assert_eq!(actions.len(), 2, "the stream and one merged run: {actions:?}");
        assert!(matches!(actions[1].action, Action::RunFor { ms: 2_000 }));

        w.stop_stream(producer).unwrap();
        assert!(w.streams().is_empty());
        w.run_for(1_000);
        assert!(log_end(&w, 0) <= 401, "nothing more is sent");
        assert_eq!(w.stop_stream(producer).unwrap_err().code, crate::error::ErrorCode::InvalidRequest);
    }

    #[test]
    fn stepping_sends_a_streams_records_when_they_fall_due() {
        let (mut w, producer) = world_with_topic(1);
        w.stream(producer, spec(1_000, StreamKey::None)).unwrap();
        let start = w.now_ms();
        let mut last = start;
        while w.now_ms() < start + 50 {
            assert!(w.step());
            assert!(w.now_ms() >= last, "virtual time never goes back");
            last = w.now_ms();
        }
        let sent = w.streams()[0].sent;
        assert!((50..=52).contains(&sent), "one a millisecond: {sent}");
    }

    #[test]
    fn a_rotating_key_spreads_a_stream_a_fixed_key_does_not() {
        let (mut w, producer) = world_with_topic(4);
        w.stream(producer, spec(100, StreamKey::Fixed { key: String::from("alice") })).unwrap();
        w.run_for(1_000);
        let used = (0..4).filter(|&p| log_end(&w, p) > 0).count();
        assert_eq!(used, 1, "one key, one partition");

        let (mut w, producer) = world_with_topic(4);
        w.stream(producer, spec(100, StreamKey::Rotating { prefix: String::from("k"), keys: 8 })).unwrap();
        w.run_for(1_000);
        assert!((0..4).filter(|&p| log_end(&w, p) > 0).count() >= 2, "eight keys over four partitions");
        let mut keys = alloc::collections::BTreeSet::new();
        for p in w.describe_topic("clicks").unwrap().partitions {
            for r in w.read_log(p.leader.unwrap(), "clicks", p.partition, 0, 1_000).unwrap() {
                keys.insert(String::from_utf8(r.key.unwrap().to_vec()).unwrap());
            }
        }
        assert_eq!(keys.len(), 8, "{keys:?}");
    }

    #[test]
    fn a_replayed_stream_is_the_same_run_and_goes_on() {
        let (mut w, producer) = world_with_topic(2);
        w.stream(producer, spec(50, StreamKey::Rotating { prefix: String::from("k"), keys: 3 })).unwrap();
        for _ in 0..30 {
            w.run_for(33);
        }
        let json = w.scenario().unwrap().to_json();
        let mut replayed = World::replay(&Scenario::parse(&json).unwrap(), None).unwrap();
        assert_eq!(replayed.trace().hash(), w.trace().hash(), "bit for bit");
        assert_eq!(replayed.streams(), w.streams());
        // The stream runs on after the replay, as in the original.
        w.run_for(1_000);
        replayed.run_for(1_000);
        assert_eq!(replayed.trace().hash(), w.trace().hash());
        assert_eq!(replayed.streams()[0].sent, 100);

        // Back to the middle: the stream is there, as it was then.
        let scenario = w.scenario().unwrap();
        let started = scenario.actions.iter().find(|e| matches!(e.action, Action::Stream { .. })).unwrap().at_ms;
        let past = World::replay(&scenario, Some(started + 500)).unwrap();
        assert_eq!(past.streams()[0].sent, 26, "records 0 to 25 are due by 500 ms at 50/s");
    }

    #[test]
    fn bad_streams_are_refused_and_a_gone_producer_ends_its_stream() {
        let (mut w, producer) = world_with_topic(1);
        let err = w.stream(producer, spec(0, StreamKey::None)).unwrap_err();
        assert_eq!(err.code, crate::error::ErrorCode::InvalidConfig);
        assert_eq!(
            w.stream(99_999, spec(5, StreamKey::None)).unwrap_err().code,
            crate::error::ErrorCode::InvalidRequest
        );
        w.stream(producer, spec(5, StreamKey::None)).unwrap();
        w.crash_client(producer).unwrap();
        w.run_for(1_000);
        assert!(w.streams().is_empty());
        // A stream to a topic that does not exist fails its records, as sends would.
        let other = w.add_producer(ProducerConfig { max_block_ms: 100, ..ProducerConfig::named("lost") }).unwrap();
        let to_nowhere = StreamSpec { topic: String::from("nowhere"), ..spec(10, StreamKey::None) };
        w.stream(other, to_nowhere).unwrap();
        w.run_for(2_000);
        let s = &w.streams()[0];
        assert!(s.failed > 0 && s.acknowledged == 0, "{s:?}");
    }

    #[test]
    fn scenarios_written_before_streams_still_replay() {
        let json = r#"{"version":1,"seed":3,"brokers":1,"actions":[
            {"atMs":0,"action":{"type":"createTopic","name":"t","partitions":1}},
            {"atMs":0,"action":{"type":"runFor","ms":100}}]}"#;
        assert!(World::replay(&Scenario::parse(json).unwrap(), None).is_ok());
        let stream = r#"{"version":1,"seed":3,"brokers":1,"actions":[
            {"atMs":0,"action":{"type":"createTopic","name":"t","partitions":1}},
            {"atMs":0,"action":{"type":"addProducer"}},
            {"atMs":0,"action":{"type":"stream","producer":10002,"topic":"t","recordsPerSec":10,
             "key":{"mode":"rotating","prefix":"k","keys":2},"value":"v"}},
            {"atMs":0,"action":{"type":"runFor","ms":1000}}]}"#;
        let scenario = Scenario::parse(stream).unwrap();
        assert_eq!(Scenario::parse(&scenario.to_json()).unwrap(), scenario, "round trip");
        let w = World::replay(&scenario, None).unwrap();
        assert_eq!(w.streams().first().map(|s| s.sent), Some(11), "records due at 0, 100 ... 1000 ms");
    }

    fn member(w: &mut World, name: &str) -> NodeId {
        let config = crate::client::ConsumerConfig {
            group_id: Some(String::from("g")),
            auto_offset_reset: crate::client::AutoOffsetReset::Earliest,
            max_poll_interval_ms: 10_000,
            ..crate::client::ConsumerConfig::named(name)
        };
        let id = w.add_consumer(config).unwrap();
        w.subscribe(id, alloc::vec![String::from("clicks")]).unwrap();
        id
    }

    #[test]
    fn a_poll_loop_keeps_a_member_in_its_group_reading_and_committing_as_two_actions() {
        let (mut w, producer) = world_with_topic(2);
        w.stream(producer, spec(50, StreamKey::Rotating { prefix: String::from("k"), keys: 4 })).unwrap();
        let consumer = member(&mut w, "m1");
        let before = w.scenario().unwrap().actions.len();
        w.poll_loop(consumer, 1_000).unwrap();
        for _ in 0..60 {
            w.run_for(1_000);
        }
        let actions = &w.scenario().unwrap().actions[before..];
        assert_eq!(actions.len(), 2, "the loop and one merged run: {actions:?}");
        let group = w.describe_group("g");
        assert_eq!((group.state, group.members.len()), (crate::view::ConsumerGroupState::Stable, 1), "{group:?}");
        let l = &w.poll_loops()[0];
        assert!(l.records > 2_500, "a minute at 50/s, read as it comes: {l:?}");
        let lag: i64 = w.group_offsets("g").iter().map(|o| o.lag).sum();
        assert!(lag < 500, "auto-commit keeps up: lag {lag}");

        // Replayed, the same run, and the loop goes on.
        let mut replayed = World::replay(&w.scenario().unwrap(), None).unwrap();
        assert_eq!(replayed.trace().hash(), w.trace().hash());
        assert_eq!(replayed.poll_loops(), w.poll_loops());

        // Stopped, the member misses max.poll.interval.ms and leaves the group.
        replayed.stop_poll_loop(consumer).unwrap();
        replayed.run_for(20_000);
        assert!(replayed.describe_group("g").members.is_empty());
        assert_eq!(replayed.stop_poll_loop(consumer).unwrap_err().code, crate::error::ErrorCode::InvalidRequest);
        assert_eq!(replayed.poll_loop(consumer, 0).unwrap_err().code, crate::error::ErrorCode::InvalidConfig);
        replayed.poll_loop(consumer, 1_000).unwrap();
        replayed.close_client(consumer).unwrap();
        assert!(replayed.poll_loops().is_empty(), "a closed consumer's loop ends with it");
        replayed.poll_loop(producer, 5).unwrap_err();
    }
}
