//! One consumer alone, fed hand-made answers as raft-rs tests one Raft node: its requests are the whole of
//! what it does.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::{AutoOffsetReset, Consumer, ConsumerConfig};
use crate::error::ErrorCode;
use crate::error::FranzError;
use crate::protocol::actor::{Actor, Outbox, TimerName, Timers};
use crate::protocol::message::{
    CorrelationId, FetchPartitionResult, FetchedPartition, Message, OffsetSpec, PartitionMetadata, TopicMetadata,
};
use crate::types::{Bytes, LeaderEpoch, NodeId, Offset, Record, TopicPartition};

const BROKER: NodeId = 1;
const OTHER_BROKER: NodeId = 2;
const ME: NodeId = 10_001;
const REQUEST_TIMEOUT_MS: u64 = 30_000;

fn sent(out: &mut Outbox) -> Vec<(NodeId, Message)> {
    out.take_messages()
}

fn tp() -> TopicPartition {
    TopicPartition::new("t", 0)
}

fn record(offset: u64, value: &str) -> Record {
    Record {
        offset,
        timestamp_ms: 0,
        key: None,
        value: Some(Bytes::from(String::from(value))),
        headers: Vec::new(),
        leader_epoch: 0,
    }
}

/// The one request the consumer sent, which must be to `to`.
fn only_request(out: &mut Outbox, to: NodeId) -> Message {
    match &mut sent(out)[..] {
        [(node, message)] if *node == to => message.clone(),
        other => panic!("expected one request to {to}: {other:?}"),
    }
}

/// A Fetch for `t-0` alone: its correlation id, offset and leader epoch.
fn fetch_of_t0(message: &Message) -> Option<(CorrelationId, Offset, LeaderEpoch)> {
    match message {
        Message::FetchRequest { correlation_id, partitions, .. } => match &partitions[..] {
            [p] if p.topic == "t" && p.partition == 0 => {
                Some((*correlation_id, p.fetch_offset, p.current_leader_epoch))
            }
            other => panic!("a fetch of t-0 alone: {other:?}"),
        },
        _ => None,
    }
}

/// The one request sent, a Fetch of `t-0` alone to the broker: its correlation id and offset.
fn only_fetch(out: &mut Outbox) -> (CorrelationId, Offset) {
    let (correlation_id, offset, _) = fetch_of_t0(&only_request(out, BROKER)).expect("a fetch");
    (correlation_id, offset)
}

/// The answer to a Fetch of `t-0`.
fn answer_t0(correlation_id: CorrelationId, result: Result<FetchedPartition, FranzError>) -> Message {
    let partitions = vec![FetchPartitionResult { topic: "t".into(), partition: 0, result }];
    Message::FetchResponse { correlation_id, partitions }
}

/// A consumer (no group) assigned `t-0`, told that broker 1 leads it at epoch 3, with its position reset
/// to the earliest offset, 0: what it sends next is its first Fetch.
fn consumer_at_zero(now_ms: u64) -> (Consumer, Outbox) {
    let config = ConsumerConfig { auto_offset_reset: AutoOffsetReset::Earliest, ..ConsumerConfig::named("c") };
    let mut c = Consumer::new(ME, config, vec![BROKER], 0);
    let mut out = Outbox::default();
    c.assign(now_ms, vec![tp()], &mut out).unwrap();
    let Message::MetadataRequest { correlation_id, topics } = only_request(&mut out, BROKER) else {
        panic!("a consumer first asks where its partition lives")
    };
    assert_eq!(topics, ["t"]);
    let partition =
        PartitionMetadata { partition: 0, leader: BROKER, leader_epoch: 3, replicas: vec![1], isr: vec![1] };
    let topics = vec![TopicMetadata { name: "t".into(), topic_id: Some(1), partitions: Ok(vec![partition]) }];
    c.on_message(now_ms + 1, BROKER, Message::MetadataResponse { correlation_id, brokers: vec![1], topics }, &mut out);
    let Message::ListOffsetsRequest { correlation_id, spec, .. } = only_request(&mut out, BROKER) else {
        panic!("without a committed offset, auto.offset.reset=earliest asks the leader for the log start")
    };
    assert_eq!(spec, OffsetSpec::Earliest);
    let answer = Message::ListOffsetsResponse { correlation_id, partitions: vec![(tp(), Ok(0))] };
    c.on_message(now_ms + 2, BROKER, answer, &mut out);
    assert_eq!(c.position(&tp()).unwrap(), Some(0));
    (c, out)
}

fn fetched(records: Vec<Record>, high_watermark: u64) -> FetchedPartition {
    FetchedPartition {
        high_watermark,
        leader_epoch: 3,
        topic_id: Some(7),
        log_start_offset: 0,
        records: if records.is_empty() { vec![] } else { vec![records.into()] },
    }
}

#[test]
fn fetches_from_the_leader_at_its_position_and_polls_in_order() {
    let (mut c, mut out) = consumer_at_zero(0);
    let (correlation_id, fetch_offset, current_leader_epoch) =
        fetch_of_t0(&only_request(&mut out, BROKER)).expect("then it fetches");
    assert_eq!((fetch_offset, current_leader_epoch), (0, 3), "at its position, naming the epoch it knows (KIP-320)");
    let answer = answer_t0(correlation_id, Ok(fetched(vec![record(0, "a"), record(1, "b")], 2)));
    c.on_message(10, BROKER, answer, &mut out);
    c.begin_poll(11, &mut out);
    let records = c.take_records(11, &mut out).unwrap();
    let offsets: Vec<u64> = records.iter().map(|r| r.offset).collect();
    assert_eq!(offsets, [0, 1]);
    assert_eq!(c.position(&tp()).unwrap(), Some(2), "the position is past what poll returned");
    let next = sent(&mut out).iter().find_map(|(_, m)| fetch_of_t0(m)).map(|(_, offset, _)| offset);
    assert_eq!(next, Some(2), "the next fetch starts where poll left off");
}

#[test]
fn a_fetch_unanswered_within_request_timeout_is_retried_after_the_backoff_with_fresh_metadata() {
    let (mut c, mut out) = consumer_at_zero(0);
    only_fetch(&mut out);
    let mut timers = Timers::listing();
    c.timers(&mut timers);
    let deadline = timers.into_list().into_iter().find(|t| t.name == TimerName::RequestTimeout).map(|t| t.at_ms);
    assert_eq!(deadline, Some(2 + REQUEST_TIMEOUT_MS), "it waits request.timeout.ms for the answer");
    assert_eq!(c.next_timer_ms(), deadline);
    c.on_timer(2 + REQUEST_TIMEOUT_MS, &mut out);
    assert!(
        !sent(&mut out).iter().any(|(_, m)| matches!(m, Message::FetchRequest { .. })),
        "no new fetch before retry.backoff.ms"
    );
    let retry_at = c.next_timer_ms().unwrap();
    assert!(retry_at > 2 + REQUEST_TIMEOUT_MS, "it backs off");
    c.on_timer(retry_at, &mut out);
    assert!(
        sent(&mut out).iter().any(|(_, m)| matches!(m, Message::MetadataRequest { .. })),
        "the leader may have moved: it asks for metadata again"
    );
}

#[test]
fn a_disconnect_loses_only_the_request_it_names() {
    let (mut c, mut out) = consumer_at_zero(0);
    let (correlation_id, _) = only_fetch(&mut out);
    // A refusal of some other request, from another broker: the fetch is still awaited.
    c.on_message(5, OTHER_BROKER, Message::Disconnected { correlation_id: Some(correlation_id) }, &mut out);
    assert!(sent(&mut out).is_empty());
    assert_eq!(c.next_timer_ms(), Some(2 + REQUEST_TIMEOUT_MS));
    // Another correlation id refused by the leader: nothing lost either.
    c.on_message(6, BROKER, Message::Disconnected { correlation_id: Some(correlation_id + 100) }, &mut out);
    assert_eq!(c.next_timer_ms(), Some(2 + REQUEST_TIMEOUT_MS));
    // The fetch itself: lost now, not after request.timeout.ms.
    c.on_message(7, BROKER, Message::Disconnected { correlation_id: Some(correlation_id) }, &mut out);
    assert!(c.next_timer_ms().is_some_and(|t| t < 2 + REQUEST_TIMEOUT_MS), "it retries after the backoff");
}

#[test]
fn an_answer_to_a_request_it_never_sent_is_ignored() {
    let (mut c, mut out) = consumer_at_zero(0);
    let (correlation_id, _) = only_fetch(&mut out);
    let stray = answer_t0(correlation_id + 1, Ok(fetched(vec![record(0, "forged")], 1)));
    c.on_message(3, BROKER, stray, &mut out);
    c.begin_poll(4, &mut out);
    assert!(c.take_records(4, &mut out).unwrap().is_empty(), "nothing it did not ask for reaches poll");
    assert_eq!(c.position(&tp()).unwrap(), Some(0));
}

#[test]
fn out_of_range_with_no_reset_policy_keeps_the_position_and_throws_until_a_seek() {
    let config = ConsumerConfig { auto_offset_reset: AutoOffsetReset::None, ..ConsumerConfig::named("c") };
    let mut c = Consumer::new(ME, config, vec![BROKER], 0);
    let mut out = Outbox::default();
    c.assign(0, vec![tp()], &mut out).unwrap();
    c.seek(0, &tp(), 5, &mut out).unwrap();
    let Message::MetadataRequest { correlation_id, .. } = only_request(&mut out, BROKER) else { panic!("metadata") };
    let partition =
        PartitionMetadata { partition: 0, leader: BROKER, leader_epoch: 3, replicas: vec![1], isr: vec![1] };
    let topics = vec![TopicMetadata { name: "t".into(), topic_id: Some(1), partitions: Ok(vec![partition]) }];
    c.on_message(1, BROKER, Message::MetadataResponse { correlation_id, brokers: vec![1], topics }, &mut out);
    let mut now_ms = 2;
    for _ in 0..2 {
        let (correlation_id, fetch_offset) = only_fetch(&mut out);
        assert_eq!(fetch_offset, 5, "it fetches at the offset it was told");
        let e = franz_err!(OffsetOutOfRange, "5 is past the log end 2");
        let answer = answer_t0(correlation_id, Err(e));
        c.on_message(now_ms, BROKER, answer, &mut out);
        c.begin_poll(now_ms, &mut out);
        assert!(c.has_poll_result());
        assert_eq!(c.take_records(now_ms, &mut out).unwrap_err().code, ErrorCode::OffsetOutOfRange);
        assert_eq!(c.position(&tp()).unwrap(), Some(5), "auto.offset.reset=none moves nothing");
        // It tries again after retry.backoff.ms, and poll throws again.
        now_ms = c.next_timer_ms().unwrap();
        c.on_timer(now_ms, &mut out);
    }
    let (correlation_id, fetch_offset) = only_fetch(&mut out);
    assert_eq!(fetch_offset, 5, "again at 5");
    c.seek(now_ms, &tp(), 1, &mut out).unwrap();
    assert!(sent(&mut out).is_empty(), "one fetch at a time to a broker (Kafka's consumer): the one at 5 is out");
    // Its answer comes (records from 5): not used, the position is 1 now; the next fetch is from there.
    c.on_message(now_ms + 1, BROKER, answer_t0(correlation_id, Ok(fetched(vec![record(5, "late")], 6))), &mut out);
    assert_eq!(only_fetch(&mut out).1, 1, "a seek moves it on");
    c.begin_poll(now_ms + 2, &mut out);
    assert!(c.take_records(now_ms + 2, &mut out).unwrap().is_empty(), "nothing fetched before the seek is polled");
}

/// Review of `CompletedFetch`: empty batches are dropped, records below the fetch offset are skipped (in
/// the first batch, or a whole batch below it), `len` counts what is left, and the cursor crosses batches.
#[test]
fn a_completed_fetch_skips_below_its_offset_and_empty_batches() {
    use super::{CompletedFetch, FetchedWith};
    use crate::protocol::record::BatchRecords;
    let batch =
        |offsets: core::ops::Range<u64>| -> BatchRecords { offsets.map(|o| record(o, "v")).collect::<Vec<_>>().into() };
    let with = FetchedWith { high_watermark: 9, leader_epoch: 3, topic_id: Some(7) };
    let batches = || vec![batch(0..0), batch(0..2), batch(2..5), batch(5..5), batch(5..6), batch(6..6)];
    for (from, expected) in
        [(0, vec![0, 1, 2, 3, 4, 5]), (2, vec![2, 3, 4, 5]), (3, vec![3, 4, 5]), (5, vec![5]), (6, vec![])]
    {
        let mut fetch = CompletedFetch::new(batches(), from, with);
        assert_eq!(fetch.len(), expected.len(), "from {from}");
        assert_eq!(fetch.is_empty(), expected.is_empty(), "from {from}");
        assert!(fetch.batches.iter().all(|b| !b.is_empty()));
        assert!(fetch.batches.front().is_none_or(|b| fetch.next < b.len()));
        let mut got = Vec::new();
        while let Some((r, _, w)) = fetch.pop_front() {
            assert_eq!(w.high_watermark, 9);
            got.push(r.offset);
            assert_eq!(fetch.len(), expected.len() - got.len());
            assert!(fetch.batches.front().is_none_or(|b| fetch.next < b.len()));
        }
        assert_eq!(got, expected, "from {from}");
        assert!(fetch.is_empty());
    }
}

/// Review of `CompletedFetch` in the consumer: after a seek, a fetch whose first batch starts below the
/// position (with an empty batch between) is polled from the position, across batches, `max.poll.records`
/// at a time; a paused partition keeps its buffer and hands it out once resumed.
#[test]
fn a_fetch_cut_below_the_position_is_polled_from_it_across_pause_and_resume() {
    let (mut c, mut out) = consumer_at_zero(0);
    c.config.max_poll_records = 3;
    let (first, _) = only_fetch(&mut out);
    c.seek(3, &tp(), 2, &mut out).unwrap();
    c.on_message(3, BROKER, answer_t0(first, Ok(fetched(vec![record(0, "stale")], 6))), &mut out);
    let (correlation_id, offset) = only_fetch(&mut out);
    assert_eq!(offset, 2);
    let mut data = fetched(vec![record(0, "a"), record(1, "b"), record(2, "c"), record(3, "d")], 6);
    data.records.push(Vec::<Record>::new().into());
    data.records.push(vec![record(4, "e"), record(5, "f")].into());
    c.on_message(4, BROKER, answer_t0(correlation_id, Ok(data)), &mut out);
    c.begin_poll(5, &mut out);
    let offsets: Vec<u64> = c.take_records(5, &mut out).unwrap().iter().map(|r| r.offset).collect();
    assert_eq!(offsets, [2, 3, 4]);
    c.set_paused(6, &[tp()], true, &mut out).unwrap();
    assert!(!c.has_poll_result());
    assert!(c.take_records(6, &mut out).unwrap().is_empty());
    c.set_paused(7, &[tp()], false, &mut out).unwrap();
    assert!(c.has_poll_result());
    let records = c.take_records(7, &mut out).unwrap();
    assert_eq!(records.iter().map(|r| (r.offset, r.value.clone().unwrap())).collect::<Vec<_>>(), [(5, "f".into())]);
    assert_eq!(c.position(&tp()).unwrap(), Some(6));
}

/// Every request the consumer sends from `from_ms` until `until_ms`, firing its timers and answering none.
fn requests_until(c: &mut Consumer, out: &mut Outbox, from_ms: u64, until_ms: u64) -> Vec<Message> {
    let mut requests: Vec<Message> = sent(out).into_iter().map(|(_, m)| m).collect();
    let mut now_ms = from_ms;
    while let Some(at_ms) = c.next_timer_ms().filter(|&t| t <= until_ms) {
        now_ms = at_ms.max(now_ms + 1);
        c.on_timer(now_ms, out);
        requests.extend(sent(out).into_iter().map(|(_, m)| m));
    }
    requests
}

/// The correlation id of the one request among `requests` that `is_it` picks.
fn correlation_of(requests: &[Message], is_it: impl Fn(&Message) -> bool) -> CorrelationId {
    match requests.iter().filter(|m| is_it(m)).collect::<Vec<_>>()[..] {
        [m] => m.correlation_id().expect("a request has a correlation id"),
        ref other => panic!("expected one such request: {other:?}"),
    }
}

/// How a group request that was out when the member was fenced ends.
#[derive(Clone, Copy, Debug)]
enum JoinOutcome {
    Answered,
    TimedOut,
    Disconnected,
    /// Another request to the coordinator answered NOT_COORDINATOR: what was out to it fails at once.
    CoordinatorLost,
}

/// Soak seed 10,022,128: a static member fenced with FENCED_INSTANCE_ID while its JoinGroup was out joined
/// again by itself, whatever became of that JoinGroup, and held partitions nobody polled. Kafka's
/// `FencedInstanceIdException` is fatal: the member sends no group request again, and every call throws.
#[test]
fn a_member_fenced_while_its_join_group_is_out_stays_fenced() {
    for outcome in
        [JoinOutcome::Answered, JoinOutcome::TimedOut, JoinOutcome::Disconnected, JoinOutcome::CoordinatorLost]
    {
        let config = ConsumerConfig {
            group_id: Some("g".into()),
            group_instance_id: Some("i1".into()),
            enable_auto_commit: false,
            ..ConsumerConfig::named("c")
        };
        let mut c = Consumer::new(ME, config, vec![BROKER], 0);
        let mut out = Outbox::default();
        c.subscribe(0, vec!["t".into()], &mut out).unwrap();
        let requests = requests_until(&mut c, &mut out, 0, 0);
        let find = correlation_of(&requests, |m| matches!(m, Message::FindCoordinatorRequest { .. }));
        let found = Message::FindCoordinatorResponse { correlation_id: find, result: Ok(BROKER) };
        c.on_message(1, BROKER, found, &mut out);
        let requests = requests_until(&mut c, &mut out, 1, 1);
        let join = correlation_of(&requests, |m| matches!(m, Message::JoinGroupRequest { .. }));
        let joined = |correlation_id, generation| Message::JoinGroupResponse {
            correlation_id,
            member_id: String::new(),
            result: Ok(crate::protocol::message::JoinResult {
                generation,
                protocol: "range".into(),
                leader: "another".into(),
                member_id: "m1".into(),
                members: Vec::new(),
                skip_assignment: false,
            }),
        };
        c.on_message(2, BROKER, joined(join, 1), &mut out);
        let sync = correlation_of(&sent(&mut out).into_iter().map(|(_, m)| m).collect::<Vec<_>>(), |m| {
            matches!(m, Message::SyncGroupRequest { .. })
        });
        c.on_message(3, BROKER, Message::SyncGroupResponse { correlation_id: sync, result: Ok(vec![tp()]) }, &mut out);
        assert_eq!(c.assignment(), [tp()], "{outcome:?}: a member of generation 1");
        sent(&mut out);

        // Three commits out; the first answered REBALANCE_IN_PROGRESS: the member joins again at its next poll.
        for _ in 0..3 {
            c.commit(4, Some(vec![(tp(), 0)]), &mut out).unwrap();
        }
        let commits: Vec<CorrelationId> = sent(&mut out)
            .into_iter()
            .filter(|(_, m)| matches!(m, Message::OffsetCommitRequest { .. }))
            .filter_map(|(_, m)| m.correlation_id())
            .collect();
        let [first, second, third] = commits[..] else { panic!("{outcome:?}: three commits out: {commits:?}") };
        let refused = |correlation_id, code: ErrorCode| Message::OffsetCommitResponse {
            correlation_id,
            result: Err(FranzError::new(code, "refused")),
            topic_ids: Vec::new(),
        };
        c.on_message(5, BROKER, refused(first, ErrorCode::RebalanceInProgress), &mut out);
        c.begin_poll(6, &mut out);
        let requests = requests_until(&mut c, &mut out, 6, 6);
        let rejoin = correlation_of(&requests, |m| matches!(m, Message::JoinGroupRequest { .. }));
        assert!(c.take_records(6, &mut out).unwrap().is_empty());

        // Another instance took `i1`'s place: the second commit says so while the JoinGroup is out.
        c.on_message(7, BROKER, refused(second, ErrorCode::FencedInstanceId), &mut out);
        assert!(c.assignment().is_empty(), "{outcome:?}: fenced, it gives its partitions up");
        match outcome {
            JoinOutcome::Answered => c.on_message(8, BROKER, joined(rejoin, 2), &mut out),
            JoinOutcome::TimedOut => {} // its request.timeout.ms passes below
            JoinOutcome::Disconnected => {
                c.on_message(8, BROKER, Message::Disconnected { correlation_id: Some(rejoin) }, &mut out)
            }
            JoinOutcome::CoordinatorLost => {
                c.on_message(8, BROKER, refused(third, ErrorCode::NotCoordinator), &mut out)
            }
        }
        // (The third commit, still out, may look for the coordinator again: a commit is not a membership.)
        let later = requests_until(&mut c, &mut out, 8, 8 + 3 * REQUEST_TIMEOUT_MS);
        let group_requests: Vec<&Message> = later
            .iter()
            .filter(|m| {
                matches!(
                    m,
                    Message::JoinGroupRequest { .. }
                        | Message::SyncGroupRequest { .. }
                        | Message::HeartbeatRequest { .. }
                )
            })
            .collect();
        assert!(group_requests.is_empty(), "{outcome:?}: fenced for good, yet it sent {group_requests:?}");
        assert!(c.assignment().is_empty(), "{outcome:?}");
        let now_ms = 10 + 3 * REQUEST_TIMEOUT_MS;
        c.begin_poll(now_ms, &mut out);
        assert_eq!(c.take_records(now_ms, &mut out).unwrap_err().code, ErrorCode::FencedInstanceId, "{outcome:?}");
        assert_eq!(c.commit(now_ms, None, &mut out).unwrap_err().code, ErrorCode::FencedInstanceId, "{outcome:?}");
    }
}

#[test]
fn auto_commit_given_without_a_group_is_kafkas_invalid_config() {
    let loner = ConsumerConfig::named("c");
    assert_eq!(loner.check_auto_commit_given(Some(true)).unwrap_err().code, ErrorCode::InvalidConfig);
    assert!(loner.check_auto_commit_given(None).is_ok() && loner.check_auto_commit_given(Some(false)).is_ok());
    let grouped = ConsumerConfig { group_id: Some("g".into()), ..ConsumerConfig::named("c") };
    assert!(grouped.check_auto_commit_given(Some(true)).is_ok());
}
