//! One broker alone, fed hand-made messages as raft-rs tests one Raft node: what it sends back is the
//! whole of what it does.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::Broker;
use crate::config::BrokerConfig;
use crate::error::{ErrorCode, FranzError};
use crate::protocol::message::{
    Acks, Actor, FetchPartition, IsolationLevel, Message, MetadataFetchData, Outbox, PartitionState, ProducePartition,
    ReplicaFetch, ReplicaFetchPartition,
};
use crate::protocol::metadata::MetadataRecord;
use crate::protocol::record::ProducerStamp;
use crate::types::{Bytes, NodeId, Record};
use crate::types::{Offset, TopicId};

const CONTROLLER: NodeId = 1001;
const CLIENT: NodeId = 10_001;
const TOPIC_ID: u64 = 7;

fn sent(out: Outbox) -> Vec<(NodeId, Message)> {
    out.messages
}

fn record(value: &str) -> Record {
    Record {
        offset: 0,
        timestamp_ms: 0,
        key: None,
        value: Some(Bytes::from(String::from(value))),
        headers: Vec::new(),
        leader_epoch: 0,
    }
}

/// Broker 1 registered with the controller and read a metadata log that makes it the only replica (and
/// so the leader) of `t-0`.
fn leader_of_t() -> Broker {
    replica_of_t(&[1], 1)
}

/// Broker 1 registered with the controller and read a metadata log that makes it a replica of `t-0`, with
/// these replicas (all in the ISR) and this leader.
fn replica_of_t(replicas: &[NodeId], leader: NodeId) -> Broker {
    let mut b = Broker::new(1, vec![CONTROLLER], BrokerConfig::default(), 0);
    let mut out = Outbox::default();
    b.on_timer(0, &mut out);
    let (incarnation, registration) = match &sent(out)[..] {
        [(CONTROLLER, Message::BrokerRegistrationRequest { correlation_id, incarnation })] => {
            (*incarnation, *correlation_id)
        }
        other => panic!("a new broker registers first: {other:?}"),
    };
    let mut out = Outbox::default();
    b.on_message(
        1,
        CONTROLLER,
        Message::BrokerRegistrationResponse { correlation_id: registration, result: Ok(()) },
        &mut out,
    );
    b.on_timer(1, &mut out);
    let fetch = sent(out)
        .into_iter()
        .find_map(|(to, m)| match m {
            Message::MetadataFetchRequest { correlation_id, offset: 0, .. } if to == CONTROLLER => Some(correlation_id),
            _ => None,
        })
        .expect("then reads the metadata log from its start");
    let mut records = Vec::new();
    for &broker in replicas {
        let incarnation = if broker == 1 { incarnation } else { 1 };
        records.push(MetadataRecord::RegisterBroker { broker, incarnation });
        records.push(MetadataRecord::UnfenceBroker { broker });
    }
    records.push(MetadataRecord::Topic { name: "t".into(), topic_id: TOPIC_ID });
    let (replicas, isr) = (replicas.to_vec(), replicas.to_vec());
    records.push(MetadataRecord::Partition { topic: "t".into(), partition: 0, replicas, isr, leader });
    let data = MetadataFetchData { high_watermark: records.len() as u64, records };
    let response =
        Message::MetadataFetchResponse { correlation_id: fetch, result: Ok(data), current_leader: Some(CONTROLLER) };
    let mut out = Outbox::default();
    b.on_message(2, CONTROLLER, response, &mut out);
    assert!(
        b.partition("t", 0).is_some_and(|p| p.leader == leader),
        "it knows t-0's leader once the image is complete"
    );
    b
}

/// A consumer's Fetch of these (topic, partition 0, leader epoch, offset)s.
fn consumer_fetch(correlation_id: u64, max_wait_ms: u64, partitions: &[(&str, i32, u64)]) -> Message {
    let partitions = partitions
        .iter()
        .map(|&(topic, current_leader_epoch, fetch_offset)| FetchPartition {
            topic: topic.into(),
            topic_id: None,
            partition: 0,
            current_leader_epoch,
            fetch_offset,
            max_bytes: 1 << 20,
        })
        .collect();
    Message::FetchRequest { correlation_id, max_wait_ms, isolation_level: IsolationLevel::ReadUncommitted, partitions }
}

/// One partition's batch of a Produce, from a client Franz did not make.
fn batch(topic: &str, partition: u32, values: &[&str]) -> ProducePartition {
    let records = values.iter().map(|v| record(v)).collect::<Vec<_>>().into();
    ProducePartition {
        topic: topic.into(),
        topic_id: None,
        partition,
        producer: ProducerStamp::NONE,
        records,
        origin: None,
    }
}

fn produce_request(correlation_id: u64, acks: Acks, partitions: Vec<ProducePartition>) -> Message {
    Message::ProduceRequest { correlation_id, acks, timeout_ms: 30_000, partitions }
}

/// The answer to a Produce of one partition: its correlation id, topic id and result.
fn produced(answer: Message) -> (u64, Option<TopicId>, Result<Offset, FranzError>) {
    match answer {
        Message::ProduceResponse { correlation_id, mut partitions } if partitions.len() == 1 => {
            let p = partitions.remove(0);
            (correlation_id, p.topic_id, p.result)
        }
        other => panic!("one partition's answer: {other:?}"),
    }
}

fn produce(b: &mut Broker, now_ms: u64, correlation_id: u64, topic: &str, values: &[&str]) -> Message {
    let request = produce_request(correlation_id, Acks::Leader, vec![batch(topic, 0, values)]);
    let mut out = Outbox::default();
    b.on_message(now_ms, CLIENT, request, &mut out);
    let mut answers = sent(out);
    assert_eq!(answers.len(), 1, "one answer per produce: {answers:?}");
    let (to, answer) = answers.remove(0);
    assert_eq!(to, CLIENT);
    answer
}

/// KIP-516: a consumer's fetch names the topic id it knows; a leader whose topic of that name is another
/// incarnation (the topic was deleted and created again) answers UNKNOWN_TOPIC_ID, so that the consumer
/// asks for metadata rather than read the new topic as if it were the old one.
#[test]
fn a_fetch_of_another_incarnation_of_the_topic_is_unknown_topic_id() {
    let mut b = leader_of_t();
    assert_eq!(produced(produce(&mut b, 10, 1, "t", &["a"])).2, Ok(0));
    let fetch = |topic_id| match consumer_fetch(3, 0, &[("t", 0, 0)]) {
        Message::FetchRequest { correlation_id, max_wait_ms, isolation_level, mut partitions } => {
            partitions[0].topic_id = topic_id;
            Message::FetchRequest { correlation_id, max_wait_ms, isolation_level, partitions }
        }
        _ => unreachable!(),
    };
    for (topic_id, expected) in
        [(Some(TOPIC_ID + 1), Err(ErrorCode::UnknownTopicId)), (Some(TOPIC_ID), Ok(1)), (None, Ok(1))]
    {
        let mut out = Outbox::default();
        b.on_message(12, CLIENT, fetch(topic_id), &mut out);
        match &sent(out)[..] {
            [(CLIENT, Message::FetchResponse { partitions, .. })] => {
                let result = partitions[0].result.as_ref().map(|d| d.records().count()).map_err(|e| e.code);
                assert_eq!(result, expected, "topic id {topic_id:?}");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_leader_appends_at_its_log_end_and_answers_with_the_offset_and_topic_id() {
    let mut b = leader_of_t();
    assert_eq!(produced(produce(&mut b, 10, 1, "t", &["a", "b"])), (1, Some(TOPIC_ID), Ok(0)));
    assert_eq!(produced(produce(&mut b, 11, 2, "t", &["c"])).2, Ok(2), "the next batch goes at the log end");
    // One replica: the HW follows the log end, and a consumer reads everything below it.
    let mut out = Outbox::default();
    b.on_message(12, CLIENT, consumer_fetch(3, 0, &[("t", 0, 1)]), &mut out);
    match &sent(out)[..] {
        [(CLIENT, Message::FetchResponse { partitions, .. })] => match &partitions[..] {
            [p] => {
                let data = p.result.as_ref().unwrap();
                assert_eq!(data.high_watermark, 3);
                assert_eq!(data.leader_epoch, 0);
                let offsets: Vec<u64> = data.records().map(|r| r.offset).collect();
                assert_eq!(offsets, [1, 2]);
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_consumer_fetch_waits_for_any_of_its_partitions_and_answers_them_all_in_order() {
    let mut b = leader_of_t();
    produce(&mut b, 10, 1, "t", &["a"]);
    // At the log end with no time to wait: answered at once, leaving out the partition with nothing new
    // (as a fetch session's incremental answer does).
    let mut out = Outbox::default();
    b.on_message(11, CLIENT, consumer_fetch(9, 0, &[("t", 0, 1)]), &mut out);
    match &sent(out)[..] {
        [(CLIENT, Message::FetchResponse { correlation_id: 9, partitions })] => assert!(partitions.is_empty()),
        other => panic!("{other:?}"),
    }
    // At the log end, nothing to send: it waits (fetch.max.wait.ms).
    let mut out = Outbox::default();
    b.on_message(11, CLIENT, consumer_fetch(2, 500, &[("t", 0, 1)]), &mut out);
    assert!(sent(out).is_empty(), "a fetch with nothing to read is parked");
    // A record arrives: the parked fetch is answered with it.
    let mut out = Outbox::default();
    b.on_message(12, CLIENT, consumer_fetch(3, 500, &[("missing", 0, 0), ("t", 0, 0)]), &mut out);
    match &sent(out)[..] {
        [(CLIENT, Message::FetchResponse { correlation_id: 3, partitions })] => {
            let names: Vec<&str> = partitions.iter().map(|p| p.topic.as_str()).collect();
            assert_eq!(names, ["missing", "t"], "the partitions with an answer, in the request's order");
            assert_eq!(partitions[0].result.as_ref().unwrap_err().code, ErrorCode::UnknownTopicOrPartition);
            let offsets: Vec<u64> = partitions[1].result.as_ref().unwrap().records().map(|r| r.offset).collect();
            assert_eq!(offsets, [0], "an error in one partition answers at once, with the others' records");
        }
        other => panic!("an error answers at once: {other:?}"),
    }
    let request = produce_request(4, Acks::Leader, vec![batch("t", 0, &["b"])]);
    let mut out = Outbox::default();
    b.on_message(13, CLIENT, request, &mut out);
    let answered: Vec<u64> = sent(out)
        .into_iter()
        .filter_map(|(_, m)| match m {
            Message::FetchResponse { correlation_id: 2, partitions } => {
                Some(partitions[0].result.as_ref().unwrap().records().map(|r| r.offset).collect::<Vec<_>>())
            }
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(answered, [1], "the parked fetch is answered with the new record");
}

/// Kafka's producer sends a leader one request with a batch for each of its partitions: each is appended
/// or refused on its own, and one answer names every partition, in the request's order.
#[test]
fn one_produce_carries_several_partitions_each_answered_on_its_own() {
    let mut b = leader_of_t();
    for (correlation_id, acks) in [(1, Acks::Leader), (2, Acks::All)] {
        let partitions = vec![batch("missing", 0, &["x"]), batch("t", 0, &["a", "b"]), batch("t", 7, &["y"])];
        let mut out = Outbox::default();
        b.on_message(10, CLIENT, produce_request(correlation_id, acks, partitions), &mut out);
        let mut answers = sent(out);
        assert_eq!(answers.len(), 1, "one answer for the whole request: {answers:?}");
        let Message::ProduceResponse { correlation_id: answered, partitions } = answers.remove(0).1 else {
            panic!("a Produce answer")
        };
        assert_eq!(answered, correlation_id);
        let named: Vec<(&str, u32)> = partitions.iter().map(|p| (p.topic.as_str(), p.partition)).collect();
        assert_eq!(named, [("missing", 0), ("t", 0), ("t", 7)], "in the request's order");
        let codes: Vec<Option<ErrorCode>> =
            partitions.iter().map(|p| p.result.as_ref().err().map(|e| e.code)).collect();
        assert_eq!(codes, [Some(ErrorCode::UnknownTopicOrPartition), None, Some(ErrorCode::UnknownTopicOrPartition)]);
        let base = 2 * (correlation_id - 1);
        assert_eq!((partitions[1].result.clone(), partitions[1].topic_id), (Ok(base), Some(TOPIC_ID)));
    }
}

#[test]
fn a_broker_refuses_what_it_does_not_lead_by_name() {
    let mut b = leader_of_t();
    let (_, topic_id, result) = produced(produce(&mut b, 10, 1, "missing", &["a"]));
    assert_eq!((topic_id, result.unwrap_err().code), (None, ErrorCode::UnknownTopicOrPartition));
    // A consumer whose metadata names a newer leader epoch than this broker knows.
    let mut out = Outbox::default();
    b.on_message(11, CLIENT, consumer_fetch(2, 0, &[("t", 5, 0)]), &mut out);
    match &sent(out)[..] {
        [(CLIENT, Message::FetchResponse { partitions, .. })] => {
            assert_eq!(partitions[0].result.as_ref().unwrap_err().code, ErrorCode::UnknownLeaderEpoch)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_broker_stays_fenced_until_it_has_read_the_log_up_to_the_quorums_high_watermark() {
    let mut b = Broker::new(1, vec![CONTROLLER], BrokerConfig::default(), 0);
    let mut out = Outbox::default();
    b.on_timer(0, &mut out);
    let (incarnation, registration) = match &sent(out)[..] {
        [(_, Message::BrokerRegistrationRequest { correlation_id, incarnation })] => (*incarnation, *correlation_id),
        other => panic!("{other:?}"),
    };
    let mut out = Outbox::default();
    let registered = Message::BrokerRegistrationResponse { correlation_id: registration, result: Ok(()) };
    b.on_message(1, CONTROLLER, registered, &mut out);
    b.on_timer(1, &mut out);
    let first = sent(out);
    let fetch = first
        .iter()
        .find_map(|(_, m)| match m {
            Message::MetadataFetchRequest { correlation_id, .. } => Some(*correlation_id),
            _ => None,
        })
        .unwrap();
    let heartbeat = |messages: &[(NodeId, Message)]| {
        messages.iter().find_map(|(_, m)| match m {
            Message::BrokerHeartbeatRequest { correlation_id, want_fence, .. } => Some((*correlation_id, *want_fence)),
            _ => None,
        })
    };
    let (beat, want_fence) = heartbeat(&first).expect("a registered broker heartbeats");
    assert!(want_fence, "before it has read anything");
    // A first page of a longer log: the image is not complete, so nothing is published and the broker
    // still asks to stay fenced.
    let records = vec![
        MetadataRecord::RegisterBroker { broker: 1, incarnation },
        MetadataRecord::Topic { name: "t".into(), topic_id: TOPIC_ID },
        MetadataRecord::Partition { topic: "t".into(), partition: 0, replicas: vec![1], isr: vec![1], leader: 1 },
    ];
    let data = MetadataFetchData { high_watermark: 2_000, records };
    let mut out = Outbox::default();
    let page = Message::MetadataFetchResponse { correlation_id: fetch, result: Ok(data), current_leader: None };
    b.on_message(2, CONTROLLER, page, &mut out);
    assert!(b.partition("t", 0).is_none(), "a partial image makes no replica");
    b.on_message(3, CONTROLLER, Message::BrokerHeartbeatResponse { correlation_id: beat, result: Ok(true) }, &mut out);
    let mut next = None;
    for now_ms in (4..20_000).step_by(50) {
        b.on_timer(now_ms, &mut out);
        next = next.or(heartbeat(&core::mem::take(&mut out.messages)));
    }
    assert_eq!(next.map(|(_, want_fence)| want_fence), Some(true), "it heartbeats wantFence until caught up");
}

#[test]
fn a_leader_refuses_a_follower_of_another_incarnation_of_the_topic() {
    // KIP-516: a broker that still holds a deleted topic must not feed a follower of the topic created
    // again under the same name (nor count it toward its high watermark).
    let mut b = leader_of_t();
    let fetch = |topic_id| {
        Message::ReplicaFetchRequest(crate::protocol::message::ReplicaFetch {
            correlation_id: 9,
            broker_epoch: 0,
            max_wait_ms: 0,
            max_bytes: 1 << 20,
            session_id: 0,
            session_epoch: 0,
            forgotten: vec![],
            partitions: vec![crate::protocol::message::ReplicaFetchPartition {
                topic: "t".into(),
                topic_id,
                partition: 0,
                current_leader_epoch: 0,
                fetch_offset: 0,
                last_fetched_epoch: None,
                high_watermark: 0,
            }],
        })
    };
    let answer = |b: &mut Broker, topic_id| {
        let mut out = Outbox::default();
        b.on_message(20, 2, fetch(topic_id), &mut out);
        match sent(out).pop() {
            Some((2, Message::ReplicaFetchResponse { mut partitions, .. })) => {
                partitions.remove(0).result.err().map(|e| e.code)
            }
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(answer(&mut b, TOPIC_ID + 1), Some(ErrorCode::InconsistentTopicId));
    assert_ne!(answer(&mut b, TOPIC_ID), Some(ErrorCode::InconsistentTopicId));
}

/// A follower's fetch of `t-0` in a fetch session (`session_id` 0: a full fetch), answered at once.
fn replica_fetch(correlation_id: u64, session_id: i32, session_epoch: i32, partitions: &[(u64, u64)]) -> Message {
    Message::ReplicaFetchRequest(ReplicaFetch {
        correlation_id,
        broker_epoch: 0,
        max_wait_ms: 0,
        max_bytes: 1 << 20,
        session_id,
        session_epoch,
        partitions: partitions
            .iter()
            .map(|&(fetch_offset, high_watermark)| ReplicaFetchPartition {
                topic: "t".into(),
                topic_id: TOPIC_ID,
                partition: 0,
                current_leader_epoch: 0,
                fetch_offset,
                last_fetched_epoch: None,
                high_watermark,
            })
            .collect(),
        forgotten: vec![],
    })
}

/// The answer to a follower's fetch: its session (or error) and how many partitions it names.
fn replica_fetch_answer(out: Outbox) -> (Result<i32, ErrorCode>, usize) {
    let answers: Vec<_> = sent(out)
        .into_iter()
        .filter_map(|(to, m)| match m {
            Message::ReplicaFetchResponse { session, partitions, .. } if to == 2 => {
                Some((session.map_err(|e| e.code), partitions.len()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(answers.len(), 1, "one answer per fetch: {answers:?}");
    answers[0]
}

fn isr_asked(out: Outbox) -> Option<Vec<NodeId>> {
    sent(out).into_iter().find_map(|(_, m)| match m {
        Message::AlterPartitionRequest(alter) => Some(alter.isr),
        _ => None,
    })
}

#[test]
fn an_idle_follower_fetches_nothing_in_its_session_and_stays_caught_up() {
    // KIP-227: after the full fetch, an idle follower's fetches name no partition and get empty answers;
    // the leader records nothing for the partitions they do not name, yet counts each fetch: a follower
    // that fetched until a record arrived is not lagging for replica.lag.time.max.ms after its last fetch.
    let mut b = replica_of_t(&[1, 2], 1);
    let mut out = Outbox::default();
    b.on_message(10, 2, replica_fetch(1, 0, 0, &[(0, 0)]), &mut out);
    let (session, named) = replica_fetch_answer(out);
    let session = session.expect("a full fetch opens a session");
    assert_eq!(named, 1, "a full fetch is answered for every partition");
    for (epoch, now_ms) in (1..).zip((500..=60_000).step_by(500)) {
        let mut out = Outbox::default();
        b.on_message(now_ms, 2, replica_fetch(now_ms, session, epoch, &[]), &mut out);
        assert_eq!(replica_fetch_answer(out), (Ok(session), 0), "nothing to say at {now_ms} ms");
        let mut out = Outbox::default();
        b.on_timer(now_ms, &mut out);
        assert_eq!(isr_asked(out), None, "a follower at the log end stays in the ISR ({now_ms} ms)");
    }
    let mut out = Outbox::default();
    let request = produce_request(1, Acks::Leader, vec![batch("t", 0, &["a"])]);
    b.on_message(60_100, CLIENT, request, &mut out);
    // The follower's last fetch was at 60,000 ms: it lags from 90,000 ms on, not before.
    for now_ms in (60_200..=89_900).step_by(100) {
        let mut out = Outbox::default();
        b.on_timer(now_ms, &mut out);
        assert_eq!(isr_asked(out), None, "caught up at its last fetch, 60,000 ms ({now_ms} ms)");
    }
    let shrunk = (90_000..=110_000).step_by(100).find_map(|now_ms| {
        let mut out = Outbox::default();
        b.on_timer(now_ms, &mut out);
        isr_asked(out)
    });
    assert_eq!(shrunk, Some(vec![1]), "a follower silent for replica.lag.time.max.ms leaves the ISR");
}

#[test]
fn a_fetch_outside_its_session_is_refused_and_the_follower_starts_again_in_full() {
    let mut b = replica_of_t(&[1, 2], 1);
    let mut out = Outbox::default();
    b.on_message(10, 2, replica_fetch(1, 0, 0, &[(0, 0)]), &mut out);
    let session = replica_fetch_answer(out).0.unwrap();
    let mut out = Outbox::default();
    b.on_message(20, 2, replica_fetch(2, session + 1, 1, &[]), &mut out);
    assert_eq!(replica_fetch_answer(out).0, Err(ErrorCode::FetchSessionIdNotFound));
    let mut out = Outbox::default();
    b.on_message(30, 2, replica_fetch(3, session, 1, &[]), &mut out);
    assert_eq!(replica_fetch_answer(out), (Ok(session), 0), "the session outlived a stray fetch");
    let mut out = Outbox::default();
    b.on_message(40, 2, replica_fetch(4, session, 5, &[]), &mut out);
    assert_eq!(replica_fetch_answer(out).0, Err(ErrorCode::InvalidFetchSessionEpoch));
    let mut out = Outbox::default();
    b.on_message(50, 2, replica_fetch(5, session, 2, &[]), &mut out);
    assert_eq!(replica_fetch_answer(out).0, Err(ErrorCode::FetchSessionIdNotFound), "a session out of order is closed");
    let mut out = Outbox::default();
    b.on_message(60, 2, replica_fetch(6, 0, 0, &[(0, 0)]), &mut out);
    let (again, named) = replica_fetch_answer(out);
    assert!(again.is_ok_and(|id| id != session), "a full fetch opens a new session: {again:?}");
    assert_eq!(named, 1);
}

#[test]
fn a_follower_names_only_what_changed_and_fetches_in_full_after_its_session_is_lost() {
    let mut b = replica_of_t(&[2, 1], 2);
    let next_fetch = |out: Outbox| {
        let fetches: Vec<ReplicaFetch> = sent(out)
            .into_iter()
            .filter_map(|(to, m)| match m {
                Message::ReplicaFetchRequest(fetch) if to == 2 => Some(fetch),
                _ => None,
            })
            .collect();
        assert_eq!(fetches.len(), 1, "one fetch at a time to a leader: {fetches:?}");
        fetches.into_iter().next().unwrap()
    };
    // Its first fetch went out with the image that made it a follower; it goes unanswered, and after
    // replica.fetch.wait.max.ms and the request timeout the follower asks again, in full.
    let mut out = Outbox::default();
    b.on_timer(2 + 500 + 2_000, &mut out);
    let full = next_fetch(out);
    assert_eq!((full.session_id, full.session_epoch, full.partitions.len()), (0, 0, 1));
    let answer = |fetch: &ReplicaFetch, session: Result<i32, ErrorCode>| Message::ReplicaFetchResponse {
        correlation_id: fetch.correlation_id,
        session: session.map_err(|code| crate::error::FranzError::new(code, "")),
        partitions: vec![],
    };
    let mut out = Outbox::default();
    b.on_message(2_505, 2, answer(&full, Ok(7)), &mut out);
    let first = next_fetch(out);
    assert_eq!((first.session_id, first.session_epoch), (7, 1));
    assert!(first.partitions.is_empty() && first.forgotten.is_empty(), "nothing changed: {first:?}");
    let mut out = Outbox::default();
    b.on_message(2_510, 2, answer(&first, Ok(7)), &mut out);
    let second = next_fetch(out);
    assert_eq!((second.session_id, second.session_epoch, second.partitions.len()), (7, 2, 0));
    let mut out = Outbox::default();
    b.on_message(2_515, 2, answer(&second, Err(ErrorCode::FetchSessionIdNotFound)), &mut out);
    let again = next_fetch(out);
    assert_eq!((again.session_id, again.session_epoch, again.partitions.len()), (0, 0, 1), "at once, in full");
}

#[test]
fn a_follower_drops_an_answer_about_a_deleted_incarnation_of_its_topic() {
    // The follower's fetch went out for topic id 7; before its answer arrives, the follower learns that `t`
    // was deleted and created again (id 8, same replicas, empty). The answer carries the old topic's
    // records: appending them would put a deleted topic's data at the start of the new one.
    let mut b = replica_of_t(&[2, 1], 2);
    let mut out = Outbox::default();
    b.on_timer(2 + 500 + 2_000, &mut out);
    let messages = sent(out);
    let fetch = messages
        .iter()
        .find_map(|(to, m)| match m {
            Message::ReplicaFetchRequest(fetch) if *to == 2 => Some(fetch.clone()),
            _ => None,
        })
        .expect("a follower fetches from its leader");
    assert_eq!(fetch.partitions.iter().map(|p| p.topic_id).collect::<Vec<_>>(), vec![TOPIC_ID]);
    let records = vec![
        MetadataRecord::RemoveTopic { name: "t".into() },
        MetadataRecord::Topic { name: "t".into(), topic_id: TOPIC_ID + 1 },
        MetadataRecord::Partition { topic: "t".into(), partition: 0, replicas: vec![2, 1], isr: vec![2, 1], leader: 2 },
    ];
    let now_ms = apply_metadata(&mut b, 2_505, &messages, records);
    assert_eq!(b.partition("t", 0).map(|p| (p.leader, p.log.log_end_offset())), Some((2, 0)));

    let batch = batch_from_0(&["a", "b"], 0);
    let answer = Message::ReplicaFetchResponse {
        correlation_id: fetch.correlation_id,
        session: Ok(3),
        partitions: vec![crate::protocol::message::ReplicaFetchResult {
            topic: "t".into(),
            topic_id: TOPIC_ID,
            partition: 0,
            result: Ok(crate::protocol::message::ReplicaFetchData {
                high_watermark: 2,
                log_start_offset: 0,
                diverging_epoch: None,
                batches: vec![batch],
            }),
        }],
    };
    let mut out = Outbox::default();
    b.on_message(now_ms + 1, 2, answer, &mut out);
    let p = b.partition("t", 0).expect("the new t-0");
    assert_eq!(
        (p.log.log_end_offset(), p.high_watermark),
        (0, 0),
        "the deleted topic's records and high watermark stay out of the new topic's replica"
    );
    // And it goes on replicating the new topic: its next fetch names t-0 by the new id, from offset 0.
    let next = sent(out)
        .into_iter()
        .find_map(|(to, m)| match m {
            Message::ReplicaFetchRequest(fetch) if to == 2 => Some(fetch),
            _ => None,
        })
        .expect("the follower fetches again at once");
    let told: Vec<_> = next.partitions.iter().map(|p| (p.topic.as_str(), p.topic_id, p.fetch_offset)).collect();
    assert_eq!(told, vec![("t", TOPIC_ID + 1, 0)], "{next:?}");
}

/// A replicated batch of `values` from offset 0, written at `leader_epoch`, as a leader's fetch answer carries it.
fn batch_from_0(values: &[&str], leader_epoch: crate::types::LeaderEpoch) -> crate::protocol::record::RecordBatch {
    let records: Vec<Record> =
        values.iter().enumerate().map(|(offset, v)| Record { offset: offset as u64, ..record(v) }).collect();
    crate::protocol::record::RecordBatch {
        base_offset: 0,
        last_offset: records.len() as u64 - 1,
        leader_epoch,
        producer: ProducerStamp::NONE,
        origin: None,
        delete_horizon_ms: None,
        emptied_max_timestamp_ms: None,
        size_bytes: crate::protocol::record::batch_size_bytes(&records),
        records: records.into(),
    }
}

/// The broker's next MetadataFetchRequest (driving its timers from `now_ms` if none is out yet), answered with
/// `records`; the time it was answered at.
fn apply_metadata(b: &mut Broker, mut now_ms: u64, already: &[(NodeId, Message)], records: Vec<MetadataRecord>) -> u64 {
    let find = |messages: &[(NodeId, Message)]| {
        messages.iter().find_map(|(_, m)| match m {
            Message::MetadataFetchRequest { correlation_id, offset, .. } => Some((*correlation_id, *offset)),
            _ => None,
        })
    };
    let mut request = find(already);
    let until_ms = now_ms + 10_000;
    while request.is_none() && now_ms < until_ms {
        let mut out = Outbox::default();
        b.on_timer(now_ms, &mut out);
        request = find(&sent(out));
        now_ms += 100;
    }
    let (correlation_id, offset) = request.expect("the broker keeps reading the metadata log");
    let data = MetadataFetchData { high_watermark: offset + records.len() as u64, records };
    let response =
        Message::MetadataFetchResponse { correlation_id, result: Ok(data), current_leader: Some(CONTROLLER) };
    b.on_message(now_ms, CONTROLLER, response, &mut Outbox::default());
    now_ms
}

/// The AlterPartition the broker sent, if any: its correlation id and the ISR asked.
fn asked(out: Outbox) -> Option<(u64, Vec<NodeId>)> {
    sent(out).into_iter().find_map(|(_, m)| match m {
        Message::AlterPartitionRequest(alter) => Some((alter.correlation_id, alter.isr)),
        _ => None,
    })
}

/// The controller's answer to the AlterPartition `correlation_id` about `t-0`.
fn answer(b: &mut Broker, now_ms: u64, correlation_id: u64, result: Result<PartitionState, FranzError>) {
    let response = Message::AlterPartitionResponse { correlation_id, topic: "t".into(), partition: 0, result };
    b.on_message(now_ms, CONTROLLER, response, &mut Outbox::default());
}

/// Broker 2 (or another follower) fetches `t-0` from broker 1 in full at `fetch_offset`; what broker 1 sent.
fn follower_fetch(b: &mut Broker, now_ms: u64, follower: NodeId, fetch_offset: u64, high_watermark: u64) -> Outbox {
    let mut out = Outbox::default();
    b.on_message(now_ms, follower, replica_fetch(now_ms, 0, 0, &[(fetch_offset, high_watermark)]), &mut out);
    out
}

/// Soak seed 10,008,615: a leader's ISR expansion was committed, its answer lost; asked again at the old
/// partition epoch, the controller refused it (INVALID_UPDATE_VERSION), and the leader, back on its smaller
/// ISR, advanced the HW without the replica the controller counted in sync, which later led with none of it.
/// As Kafka's `handleAlterPartitionError`: a change refused as stale, or unanswered by a controller that is
/// not the active one, stays in the maximal ISR (the stale ones until the metadata log shows the partition's
/// next state, without asking again); only INELIGIBLE_REPLICA, refused at the leader's own partition epoch,
/// drops it.
#[test]
fn an_isr_expansion_refused_as_stale_stays_in_the_maximal_isr_until_the_metadata_shows_the_partition() {
    let refusals = [
        (ErrorCode::InvalidUpdateVersion, true),
        (ErrorCode::FencedLeaderEpoch, true),
        (ErrorCode::NotController, true),
        (ErrorCode::IneligibleReplica, false),
    ];
    for (refusal, kept) in refusals {
        let mut b = replica_of_t(&[1, 2], 1);
        produce(&mut b, 5, 6, "t", &["x"]);
        // Broker 2 silent for replica.lag.time.max.ms: out of the ISR (partition epoch 1), and the HW is 1.
        let (mut now, (correlation_id, isr)) = (1_000..=60_000)
            .step_by(100)
            .find_map(|now| {
                let mut out = Outbox::default();
                b.on_timer(now, &mut out);
                asked(out).map(|a| (now, a))
            })
            .expect("a shrink");
        assert_eq!(isr, vec![1]);
        let shrunk = PartitionState { leader: 1, leader_epoch: 0, isr: vec![1], partition_epoch: 1 };
        answer(&mut b, now, correlation_id, Ok(shrunk));
        // It fetches again, caught up: the leader asks to add it back, and is refused.
        now += 100;
        let mut out = Outbox::default();
        b.on_message(now, 2, replica_fetch(1, 0, 0, &[(1, 1)]), &mut out);
        let (correlation_id, isr) = asked(out).expect("an expansion");
        assert_eq!(isr, vec![1, 2]);
        answer(&mut b, now, correlation_id, Err(FranzError::new(refusal, String::from("refused"))));
        produce(&mut b, now, 7, "t", &["a"]);
        let p = b.partition("t", 0).expect("t-0");
        if !kept {
            assert_eq!((p.high_watermark, p.pending_isr.is_none()), (2, true), "{refusal:?}: not made");
            continue;
        }
        assert_eq!(p.high_watermark, 1, "{refusal:?}: broker 2 may be in the committed ISR, the HW waits for it");
        let asked_again = (now + 50..now + 10_000).step_by(50).find(|&t| {
            let mut out = Outbox::default();
            b.on_timer(t, &mut out);
            asked(out).is_some_and(|(_, isr)| isr == vec![1, 2])
        });
        if refusal == ErrorCode::NotController {
            assert!(asked_again.is_some_and(|t| t <= now + 200), "asked again of the next controller: {asked_again:?}");
            continue;
        }
        assert_eq!(asked_again, None, "{refusal:?}: not asked again before the metadata shows the partition");
        // The metadata log: the shrink (partition epoch 1), then the expansion (2).
        let change = |isr: Vec<NodeId>| MetadataRecord::PartitionChange {
            topic: "t".into(),
            partition: 0,
            leader: None,
            isr: Some(isr),
            replicas: None,
        };
        apply_metadata(&mut b, now + 10_000, &[], vec![change(vec![1]), change(vec![1, 2])]);
        let p = b.partition("t", 0).expect("t-0");
        assert_eq!((p.isr.clone(), p.pending_isr.clone()), (vec![1, 2], None), "{refusal:?}: the committed state");
    }
}

/// Soak seed 10,010,911: a pending expansion of broker 3 held the HW at 1 (broker 3 had offset 0 only); the
/// controller refused it (INELIGIBLE_REPLICA), which drops it without moving the HW. Broker 3's next fetch,
/// at offset 1 (the HW), both qualified it for the ISR and let the HW pass it, to 2, over the ISR without it:
/// it joined an ISR whose HW it was below, was elected, and an acknowledged record was lost. As Kafka's
/// `updateFollowerFetchState`, the expansion comes first and the HW counts the follower.
#[test]
fn a_follower_judged_in_sync_holds_the_high_watermark_it_was_judged_at() {
    let mut b = replica_of_t(&[1, 2, 3], 1);
    produce(&mut b, 5, 7, "t", &["a"]);
    // Broker 3 fetches nothing for replica.lag.time.max.ms: out of the ISR (partition epoch 1).
    let mut now = 10;
    let (correlation_id, isr) = loop {
        now += 100;
        follower_fetch(&mut b, now, 2, 1, 0);
        let mut out = Outbox::default();
        b.on_timer(now, &mut out);
        if let Some(asked) = asked(out) {
            break asked;
        }
        assert!(now < 60_000, "a shrink");
    };
    assert_eq!(isr, vec![1, 2]);
    answer(&mut b, now, correlation_id, Ok(PartitionState { leader: 1, leader_epoch: 0, isr, partition_epoch: 1 }));
    assert_eq!(b.partition("t", 0).map(|p| p.high_watermark), Some(1));
    // Broker 3 catches up to the HW: the leader asks to add it.
    now += 100;
    let (correlation_id, isr) = asked(follower_fetch(&mut b, now, 3, 1, 1)).expect("an expansion");
    assert_eq!(isr, vec![1, 2, 3]);
    // A record broker 2 takes: the pending expansion holds the HW at broker 3's offset.
    produce(&mut b, now, 8, "t", &["b"]);
    follower_fetch(&mut b, now + 10, 2, 2, 1);
    assert_eq!(b.partition("t", 0).map(|p| p.high_watermark), Some(1), "the maximal ISR counts broker 3");
    let refused = FranzError::new(ErrorCode::IneligibleReplica, String::from("Broker 3 is fenced"));
    answer(&mut b, now + 20, correlation_id, Err(refused));
    // Broker 3 fetches again at offset 1: in sync at HW 1, so asked for again, and the HW stays below it.
    let out = follower_fetch(&mut b, now + 30, 3, 1, 1);
    assert_eq!(asked(out).map(|(_, isr)| isr), Some(vec![1, 2, 3]));
    let p = b.partition("t", 0).expect("t-0");
    assert_eq!(p.high_watermark, 1, "not past broker 3, which the ISR asked for holds only offset 0");
    // Once broker 3 has offset 1 the HW moves.
    follower_fetch(&mut b, now + 40, 3, 2, 1);
    assert_eq!(b.partition("t", 0).map(|p| p.high_watermark), Some(2));
}

/// Kafka's `makeLeader`: a new leader's epoch starts at its log end before it appends anything, so that a
/// follower whose last fetched epoch this log never wrote is not told it diverged (soak seed 10,010,519).
#[test]
fn a_new_leader_starts_its_epoch_at_its_log_end() {
    let mut b = replica_of_t(&[1, 2], 1);
    assert_eq!(b.partition("t", 0).map(|p| p.log.epoch_cache().to_vec()), Some(vec![(0, 0)]), "before any record");
    produce(&mut b, 5, 7, "t", &["a"]);
    // Broker 2 leads (epoch 1), then broker 1 again (epoch 2): its epoch 2 starts at offset 1, its log end.
    let change = |leader| MetadataRecord::PartitionChange {
        topic: "t".into(),
        partition: 0,
        leader: Some(leader),
        isr: Some(vec![1, 2]),
        replicas: None,
    };
    apply_metadata(&mut b, 10, &[], vec![change(2), change(1)]);
    let p = b.partition("t", 0).expect("t-0");
    assert_eq!((p.leader, p.leader_epoch), (1, 2));
    assert_eq!(p.log.epoch_cache(), [(0, 0), (2, 1)]);
}

/// Soak seed 10,039,266: a follower fetching past its leader's log end with no epoch to compare (retention had
/// emptied its log, after an unclean election) is told to truncate to that end, as Kafka's follower does on
/// OFFSET_OUT_OF_RANGE above its leader's end; told nothing, it stayed above, out of the ISR for good.
#[test]
fn a_follower_past_its_leaders_end_with_no_epoch_is_told_to_truncate_to_it() {
    let mut b = replica_of_t(&[1, 2], 1);
    produce(&mut b, 5, 7, "t", &["a", "b"]);
    let answers: Vec<_> = sent(follower_fetch(&mut b, 10, 2, 5, 0))
        .into_iter()
        .filter_map(|(to, m)| match m {
            Message::ReplicaFetchResponse { partitions, .. } if to == 2 => Some(partitions),
            _ => None,
        })
        .collect();
    let [partitions] = &answers[..] else { panic!("one answer: {answers:?}") };
    let data = partitions[0].result.as_ref().expect("an answer, not an error");
    assert_eq!(data.diverging_epoch, Some((-1, 2)), "truncate to the leader's end: {data:?}");
    assert!(data.batches.is_empty());
}

/// Explorer seed 181 (its saved regression stopped reaching this when timings moved): a follower whose every
/// epoch came after the one its leader says they diverge at holds nothing the leader has from its first
/// epoch on, and truncates to that epoch's start (Kafka's `endOffsetFor`), not to the leader's end.
#[test]
fn a_follower_whose_epochs_all_follow_the_diverging_one_truncates_to_its_first_epochs_start() {
    use crate::protocol::message::{ReplicaFetchData, ReplicaFetchResult};
    let mut b = replica_of_t(&[2, 1], 2);
    let next_fetch = |out: Outbox| {
        sent(out)
            .into_iter()
            .find_map(|(to, m)| match m {
                Message::ReplicaFetchRequest(fetch) if to == 2 => Some(fetch.correlation_id),
                _ => None,
            })
            .expect("the follower fetches from its leader")
    };
    let answer = |correlation_id, data: ReplicaFetchData| Message::ReplicaFetchResponse {
        correlation_id,
        session: Ok(3),
        partitions: vec![ReplicaFetchResult { topic: "t".into(), topic_id: TOPIC_ID, partition: 0, result: Ok(data) }],
    };
    let mut out = Outbox::default();
    b.on_timer(2 + 500 + 2_000, &mut out);
    let first = next_fetch(out);
    // Two records a zombie leader wrote at epoch 9.
    let batch = batch_from_0(&["z1", "z2"], 9);
    let data = ReplicaFetchData { high_watermark: 0, log_start_offset: 0, diverging_epoch: None, batches: vec![batch] };
    let mut out = Outbox::default();
    b.on_message(2_503, 2, answer(first, data), &mut out);
    assert_eq!(b.partition("t", 0).map(|p| p.log.epoch_cache().to_vec()), Some(vec![(9, 0)]));
    let second = next_fetch(out);
    // The leader's log ends at offset 1 at epoch 3, which this log never saw.
    let data =
        ReplicaFetchData { high_watermark: 0, log_start_offset: 0, diverging_epoch: Some((3, 1)), batches: vec![] };
    let mut out = Outbox::default();
    b.on_message(2_505, 2, answer(second, data), &mut out);
    let p = b.partition("t", 0).expect("t-0");
    assert_eq!(p.log.log_end_offset(), 0, "all it held came after the divergence: {:?}", p.log.epoch_cache());
}
