//! One controller alone, fed hand-made requests as raft-rs tests one Raft node: a single-voter quorum, so
//! whatever it proposes commits at once, and what it sends back is the whole of what it does.

use alloc::vec;
use alloc::vec::Vec;

use super::Controller;
use crate::config::{BrokerConfig, ConfigMap};
use crate::controller::raft::Role;
use crate::error::{ErrorCode, FranzError};
use crate::protocol::actor::{Actor, Outbox, TimerName, Timers};
use crate::protocol::message::{AdminOp, Message};
use crate::rng::{stream_rng, Stream};
use crate::types::NodeId;

const ME: NodeId = 1001;
const ADMIN: NodeId = 10_001;

fn controller(voters: Vec<NodeId>) -> Controller {
    Controller::new(
        ME,
        voters,
        BrokerConfig::default(),
        stream_rng(1, Stream::Actor(ME)),
        stream_rng(1, Stream::Placement(ME)),
        0,
    )
}

/// The single voter, elected: it runs its timers until it leads.
fn active() -> (Controller, u64) {
    let mut c = controller(vec![ME]);
    let mut out = Outbox::default();
    let mut now_ms = 0;
    while c.role() != Role::Leader {
        now_ms = c.next_timer_ms().expect("a follower always has an election timeout");
        c.on_timer(now_ms, &mut out);
        assert!(now_ms < 10_000, "a lone voter elects itself within a few election timeouts");
    }
    (c, now_ms)
}

fn answer(out: &mut Outbox, to: NodeId) -> Message {
    let mut answers: Vec<Message> = out.take_messages().into_iter().filter(|(n, _)| *n == to).map(|(_, m)| m).collect();
    assert_eq!(answers.len(), 1, "one answer to {to}: {answers:?}");
    answers.remove(0)
}

/// Registers `broker` and heartbeats it past its registration, so that it is unfenced.
fn register(c: &mut Controller, now_ms: u64, broker: NodeId) {
    let mut out = Outbox::default();
    c.on_message(now_ms, broker, Message::BrokerRegistrationRequest { correlation_id: 1, incarnation: 7 }, &mut out);
    assert!(matches!(answer(&mut out, broker), Message::BrokerRegistrationResponse { result: Ok(()), .. }));
    let heartbeat = Message::BrokerHeartbeatRequest {
        correlation_id: 2,
        incarnation: 7,
        metadata_offset: c.committed_offset(),
        want_fence: false,
        want_shut_down: false,
    };
    c.on_message(now_ms, broker, heartbeat.clone(), &mut out);
    assert!(
        matches!(answer(&mut out, broker), Message::BrokerHeartbeatResponse { result: Ok(true), .. }),
        "fenced until caught up and answered"
    );
    c.on_message(now_ms, broker, heartbeat, &mut out);
    assert!(matches!(answer(&mut out, broker), Message::BrokerHeartbeatResponse { result: Ok(false), .. }), "unfenced");
}

fn create(c: &mut Controller, now_ms: u64, name: &str, replication_factor: u32) -> Result<(), FranzError> {
    let mut out = Outbox::default();
    let op = AdminOp::CreateTopic { name: name.into(), partitions: 2, replication_factor, config: ConfigMap::new() };
    c.on_message(now_ms, ADMIN, Message::AdminRequest { correlation_id: 9, op }, &mut out);
    match answer(&mut out, ADMIN) {
        Message::AdminResponse { correlation_id: 9, result } => result,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_controller_that_is_not_active_refuses_with_not_controller() {
    let mut c = controller(vec![ME, 1002, 1003]);
    let mut out = Outbox::default();
    let heartbeat = Message::BrokerHeartbeatRequest {
        correlation_id: 5,
        incarnation: 1,
        metadata_offset: 0,
        want_fence: false,
        want_shut_down: false,
    };
    c.on_message(0, 1, heartbeat, &mut out);
    match answer(&mut out, 1) {
        Message::BrokerHeartbeatResponse { correlation_id: 5, result: Err(e) } => {
            assert_eq!(e.code, ErrorCode::NotController)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn brokers_register_are_unfenced_once_caught_up_and_fenced_when_silent() {
    let (mut c, now_ms) = active();
    register(&mut c, now_ms, 1);
    register(&mut c, now_ms, 2);
    assert!(c.image().brokers.values().all(|r| !r.fenced));
    let mut timers = Timers::listing();
    c.timers(&mut timers);
    let sessions: Vec<u64> =
        timers.into_list().iter().filter(|t| t.name == TimerName::BrokerSessionTimeout).map(|t| t.at_ms).collect();
    let timeout = BrokerConfig::default().broker_session_timeout_ms;
    assert_eq!(sessions, [now_ms + timeout, now_ms + timeout], "one broker.session.timeout.ms per broker");
    // Broker 2 keeps heartbeating; broker 1 goes silent.
    let mut out = Outbox::default();
    let heartbeat = |offset| Message::BrokerHeartbeatRequest {
        correlation_id: 3,
        incarnation: 7,
        metadata_offset: offset,
        want_fence: false,
        want_shut_down: false,
    };
    c.on_message(now_ms + timeout - 1, 2, heartbeat(c.committed_offset()), &mut out);
    c.on_timer(now_ms + timeout, &mut out);
    assert!(c.image().brokers[&1].fenced, "silent for broker.session.timeout.ms: fenced");
    assert!(!c.image().brokers[&2].fenced, "it heartbeated");
}

#[test]
fn topics_are_created_on_unfenced_brokers_and_refused_in_kafkas_words() {
    let (mut c, now_ms) = active();
    assert_eq!(create(&mut c, now_ms, "t", 1).unwrap_err().code, ErrorCode::InvalidReplicationFactor, "no broker yet");
    register(&mut c, now_ms, 1);
    register(&mut c, now_ms, 2);
    assert_eq!(create(&mut c, now_ms, "t", 3).unwrap_err().code, ErrorCode::InvalidReplicationFactor);
    create(&mut c, now_ms, "t", 2).unwrap();
    let topic = &c.image().topics["t"];
    assert_eq!(topic.partitions.len(), 2);
    for p in &topic.partitions {
        assert_eq!(p.replicas.len(), 2);
        assert!(p.replicas.contains(&p.leader) && p.isr == p.replicas, "{p:?}");
    }
    assert_eq!(create(&mut c, now_ms, "t", 1).unwrap_err().code, ErrorCode::TopicAlreadyExists);
    assert_eq!(create(&mut c, now_ms, "bad/name", 1).unwrap_err().code, ErrorCode::InvalidTopicException);
}

/// KRaft counts a fenced broker (registered, down a moment) when it places replicas: one broker of three
/// down, a topic with RF 3 is created under-replicated, led by unfenced brokers, the fenced one outside the
/// ISR. With every broker fenced it is refused in Kafka's words. (An adversary: Franz refused it.)
#[test]
fn a_topic_is_created_under_replicated_while_a_broker_is_fenced() {
    let (mut c, now_ms) = active();
    for b in [1, 2, 3] {
        register(&mut c, now_ms, b);
    }
    let timeout = BrokerConfig::default().broker_session_timeout_ms;
    let mut out = Outbox::default();
    for b in [2, 3] {
        let heartbeat = Message::BrokerHeartbeatRequest {
            correlation_id: 3,
            incarnation: 7,
            metadata_offset: c.committed_offset(),
            want_fence: false,
            want_shut_down: false,
        };
        c.on_message(now_ms + timeout - 1, b, heartbeat, &mut out);
    }
    c.on_timer(now_ms + timeout, &mut out);
    assert!(c.image().brokers[&1].fenced && !c.image().brokers[&2].fenced);
    create(&mut c, now_ms + timeout, "t", 3).unwrap();
    for p in &c.image().topics["t"].partitions {
        assert_eq!(p.replicas.len(), 3, "{p:?}");
        assert_eq!(p.isr.len(), 2, "the fenced broker is outside the ISR: {p:?}");
        assert!(!p.isr.contains(&1) && p.isr.contains(&p.leader) && p.leader == p.replicas[0], "{p:?}");
    }
    assert_eq!(create(&mut c, now_ms + timeout, "four", 4).unwrap_err().code, ErrorCode::InvalidReplicationFactor);
    for ms in 0..3 {
        c.on_timer(now_ms + 3 * timeout + ms, &mut out); // one stale broker fenced at a time
    }
    assert!(c.image().brokers.values().all(|r| r.fenced));
    let refused = create(&mut c, now_ms + 3 * timeout, "u", 1).unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidReplicationFactor);
    assert!(refused.message.contains("All brokers are currently fenced"), "{}", refused.message);
}
