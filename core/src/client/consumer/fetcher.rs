//! The consumer's fetcher (Kafka's `Fetcher` and `OffsetFetcher`): for each assigned partition, the
//! metadata that names its leader and a starting position (`auto.offset.reset` through ListOffsets); to
//! each leader, one long-polling Fetch in flight at a time for every partition it leads whose buffer is
//! empty. Errors back a partition off.

use alloc::vec::Vec;

use super::*;

impl Consumer {
    /// Sends every request the assignment needs now: metadata, offset resets and fetches.
    pub(super) fn fill(&mut self, now_ms: u64, out: &mut Outbox) {
        for state in self.assignment.values_mut() {
            if state.backoff_until_ms <= now_ms {
                state.backoff_until_ms = 0;
            }
        }
        if self.metadata_retry_at_ms.is_some_and(|t| t <= now_ms) {
            self.metadata_retry_at_ms = None;
        }
        // Kafka's `metadata.max.age.ms`: leaders learned that long ago are asked for again (a leader that
        // lost its leadership without knowing it keeps answering fetches with nothing).
        self.metadata.expire(now_ms, self.config.metadata_max_age_ms);
        let metadata_in_flight =
            self.in_flight.any(|p| matches!(p, Pending::Metadata)) || self.metadata_retry_at_ms.is_some();
        // Kafka's `prepareFetchRequests`: a node with a fetch in flight gets no other until it answers. And
        // as Kafka's consumer sends its next fetches from `poll`, once poll has taken what was buffered, a
        // leader whose records wait for poll gets the next fetch then, for all of its partitions: sent now,
        // it would leave those out and be parked for up to fetch.max.wait.ms, holding them back as long.
        let mut busy: Vec<NodeId> =
            self.in_flight.iter().filter(|(_, r)| matches!(r.pending, Pending::Fetch(_))).map(|(_, r)| r.to).collect();
        for (tp, _) in self.assignment.iter().filter(|(_, s)| !s.paused && !s.buffer.is_empty()) {
            busy.push(self.metadata.leader(&tp.topic, tp.partition));
        }
        let mut missing_topics: Vec<String> = Vec::new();
        // (In the partitions' order, as each request lists them: their answers are read in that order.)
        let mut work: Vec<(TopicPartition, NodeId, Option<Offset>)> = Vec::new();
        let grouped = self.config.group_id.is_some();
        let mut needs_committed: Vec<TopicPartition> = Vec::new();
        for (tp, state) in &self.assignment {
            if state.request_in_flight || !state.buffer.is_empty() || state.backoff_until_ms > now_ms {
                continue;
            }
            // A paused partition is not fetched, but gets its position (Kafka's `updateFetchPositions` resets
            // every assigned partition awaiting one).
            if grouped && state.position.is_none() && !state.committed_checked {
                needs_committed.push(tp.clone());
                continue;
            }
            if state.paused && state.position.is_some() {
                continue;
            }
            let leader = self.metadata.leader(&tp.topic, tp.partition);
            if leader == NO_NODE {
                if !missing_topics.contains(&tp.topic) {
                    missing_topics.push(tp.topic.clone());
                }
                continue;
            }
            if state.position.is_some() && busy.contains(&leader) {
                continue; // its leader has this consumer's fetch already, or records for poll
            }
            work.push((tp.clone(), leader, state.position));
        }
        self.fill_group(now_ms, needs_committed, out);
        if !missing_topics.is_empty() && !metadata_in_flight {
            let to = self.bootstrap.current();
            self.request(
                now_ms,
                to,
                Pending::Metadata,
                |correlation_id| Message::MetadataRequest { correlation_id, topics: missing_topics },
                out,
            );
        }
        let mut fetches: VecMap<NodeId, Vec<(TopicPartition, Offset)>> = VecMap::new();
        let mut resets: VecMap<NodeId, Vec<TopicPartition>> = VecMap::new();
        for (tp, leader, position) in work {
            match position {
                Some(fetch_offset) => {
                    if let Some(state) = self.assignment.get_mut(&tp) {
                        state.request_in_flight = true;
                    }
                    fetches.entry(leader).or_default().push((tp, fetch_offset));
                }
                None => {
                    if self.config.auto_offset_reset == AutoOffsetReset::None {
                        if let Some(state) = self.assignment.get_mut(&tp) {
                            state.no_offset = true;
                        }
                        // An out-of-range error not yet thrown says more; it goes first.
                        self.error.get_or_insert_with(|| no_offset_error(&tp));
                        continue;
                    }
                    if let Some(state) = self.assignment.get_mut(&tp) {
                        state.request_in_flight = true;
                    }
                    resets.entry(leader).or_default().push(tp);
                }
            }
        }
        let spec = match self.config.auto_offset_reset {
            AutoOffsetReset::Latest => OffsetSpec::Latest,
            _ => OffsetSpec::Earliest,
        };
        for (leader, partitions) in resets {
            self.request(
                now_ms,
                leader,
                Pending::ListOffsets(partitions.clone()),
                |correlation_id| Message::ListOffsetsRequest { correlation_id, partitions, spec },
                out,
            );
        }
        let (max_wait_ms, max_bytes) = (self.config.fetch_max_wait_ms, self.config.max_partition_fetch_bytes);
        let isolation_level = self.config.isolation_level;
        for (leader, wanted) in fetches {
            let partitions = wanted
                .iter()
                .map(|(tp, fetch_offset)| FetchPartition {
                    topic: tp.topic.clone(),
                    topic_id: self.metadata.topic_id(&tp.topic),
                    partition: tp.partition,
                    current_leader_epoch: self.metadata.leader_epoch(&tp.topic, tp.partition),
                    fetch_offset: *fetch_offset,
                    max_bytes,
                })
                .collect();
            self.request(
                now_ms,
                leader,
                Pending::Fetch(wanted),
                |correlation_id| Message::FetchRequest { correlation_id, max_wait_ms, isolation_level, partitions },
                out,
            );
        }
    }

    /// The answers still due for these partitions must not be used (a seek, or a new assignment that
    /// starts them afresh): their ListOffsets are forgotten, and they are dropped from the Fetches out
    /// (whose other partitions are still awaited).
    pub(super) fn forget_requests_for(&mut self, forget: impl Fn(&TopicPartition) -> bool) {
        self.in_flight.retain(|p| match p {
            Pending::ListOffsets(asked) => {
                asked.retain(|tp| !forget(tp));
                true
            }
            Pending::Fetch(asked) => {
                asked.retain(|(tp, _)| !forget(tp));
                true
            }
            _ => true,
        });
    }

    /// A request for this partition went unanswered: back off, and relearn its leader.
    pub(super) fn request_lost(&mut self, now_ms: u64, tp: &TopicPartition) {
        if let Some(state) = self.assignment.get_mut(tp) {
            state.request_in_flight = false;
            state.backoff_until_ms = now_ms + RETRY_BACKOFF_MS; // retry.backoff.ms
        }
        self.metadata.forget_leader(&tp.topic, tp.partition);
    }

    /// After a retriable error: wait `retry.backoff.ms`, relearn the leader.
    pub(super) fn back_off(&mut self, now_ms: u64, tp: &TopicPartition, error: &FranzError) {
        if let Some(state) = self.assignment.get_mut(tp) {
            state.backoff_until_ms = now_ms + RETRY_BACKOFF_MS;
        }
        match error.code {
            // The topic may be gone (or not yet known to that broker): all of it is asked for again.
            ErrorCode::UnknownTopicOrPartition | ErrorCode::UnknownTopicId => self.metadata.forget(&tp.topic),
            ErrorCode::NotLeaderOrFollower
            | ErrorCode::LeaderNotAvailable
            | ErrorCode::RequestTimedOut
            | ErrorCode::FencedLeaderEpoch => self.metadata.forget_leader(&tp.topic, tp.partition),
            _ => {}
        }
    }

    /// A fetch's answer: each partition asked for at the offset it was asked at (those no longer asked for
    /// were dropped from `asked` by a seek or a new assignment, and their answers are not used).
    pub(super) fn on_fetch_response(
        &mut self,
        now_ms: u64,
        asked: Vec<(TopicPartition, Offset)>,
        answers: Vec<FetchPartitionResult>,
        out: &mut Outbox,
    ) {
        // Both in the request's order, which is the partitions' (see `fill`): walked side by side (a search
        // of the answers for each partition asked made a fetch of 10,000 partitions cost 10⁸ comparisons).
        let mut answers = answers.into_iter();
        let mut next = answers.next();
        for (tp, fetch_offset) in asked {
            let key =
                |a: &FetchPartitionResult| (a.topic.as_str(), a.partition).cmp(&(tp.topic.as_str(), tp.partition));
            while next.as_ref().is_some_and(|a| key(a).is_lt()) {
                next = answers.next();
            }
            match next.take_if(|a| key(a).is_eq()) {
                Some(answer) => {
                    next = answers.next();
                    self.on_partition_fetched(now_ms, tp, fetch_offset, answer.result, out)
                }
                None => {
                    if let Some(state) = self.assignment.get_mut(&tp) {
                        state.request_in_flight = false;
                    }
                }
            }
        }
    }

    fn on_partition_fetched(
        &mut self,
        now_ms: u64,
        tp: TopicPartition,
        fetch_offset: Offset,
        result: Result<FetchedPartition>,
        out: &mut Outbox,
    ) {
        let Some(state) = self.assignment.get_mut(&tp) else {
            return;
        };
        state.request_in_flight = false;
        match result {
            Ok(data) => {
                state.high_watermark = Some(data.high_watermark);
                // Kafka drops fetched data whose offset is no longer the position, or that a buffer holds already.
                if state.position == Some(fetch_offset) && state.buffer.is_empty() {
                    let with = FetchedWith {
                        high_watermark: data.high_watermark,
                        leader_epoch: data.leader_epoch,
                        topic_id: data.topic_id,
                    };
                    state.buffer = CompletedFetch::new(data.records, fetch_offset, with);
                }
            }
            Err(e) if e.code == ErrorCode::OffsetOutOfRange => {
                // Kafka's rule: out of range → apply auto.offset.reset; with `none` the position stays and
                // poll throws (and tries again after the backoff) until the application seeks.
                if self.config.auto_offset_reset == AutoOffsetReset::None {
                    self.error = Some(franz_err!(
                        OffsetOutOfRange,
                        "Fetch position {fetch_offset} is out of range for partition {tp} and auto.offset.reset is none"
                    ));
                    self.back_off(now_ms, &tp, &e);
                } else {
                    state.position = None;
                }
            }
            Err(e) => {
                let (topic, partition, error) = (tp.topic.clone(), tp.partition, e.code);
                out.trace(TraceKind::ConsumerRetry { topic, partition, error });
                self.back_off(now_ms, &tp, &e)
            }
        }
    }

    /// The answers to the partitions still `asked` (those forgotten since are left alone).
    pub(super) fn on_list_offsets_response(
        &mut self,
        now_ms: u64,
        asked: Vec<TopicPartition>,
        answers: Vec<(TopicPartition, Result<Offset>)>,
        out: &mut Outbox,
    ) {
        let mut answers = answers.into_iter();
        let mut next = answers.next();
        for tp in asked {
            while next.as_ref().is_some_and(|(answered, _)| *answered < tp) {
                next = answers.next();
            }
            match next.take_if(|(answered, _)| *answered == tp) {
                Some((_, result)) => {
                    next = answers.next();
                    self.on_partition_reset(now_ms, tp, result, out)
                }
                None => {
                    if let Some(state) = self.assignment.get_mut(&tp) {
                        state.request_in_flight = false;
                    }
                }
            }
        }
    }

    fn on_partition_reset(&mut self, now_ms: u64, tp: TopicPartition, result: Result<Offset>, out: &mut Outbox) {
        let Some(state) = self.assignment.get_mut(&tp) else {
            return;
        };
        state.request_in_flight = false;
        match result {
            Ok(offset) => {
                state.position = Some(offset);
                let (partitions, reason) = (alloc::vec![tp.clone()], ResetReason::AutoOffsetReset);
                out.history(Op::PositionReset { consumer: self.id, partitions, reason });
                out.trace(TraceKind::ConsumerOffsetReset {
                    topic: tp.topic.clone(),
                    partition: tp.partition,
                    offset,
                    policy: String::from(self.config.auto_offset_reset.name()),
                });
            }
            Err(e) => {
                let (topic, partition, error) = (tp.topic.clone(), tp.partition, e.code);
                out.trace(TraceKind::ConsumerRetry { topic, partition, error });
                self.back_off(now_ms, &tp, &e)
            }
        }
    }
}
