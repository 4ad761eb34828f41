//! The admin client: topic creation, deletion, partition growth and config changes, as Kafka's
//! `AdminClient` asks for them.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::Bootstrap;
use crate::error::Result;
use crate::protocol::actor::{TimerName, Timers};
use crate::protocol::message::{Actor, AdminOp, CorrelationId, Message, Outbox};
use crate::types::NodeId;

/// Kafka's `default.api.timeout.ms`.
pub const DEFAULT_API_TIMEOUT_MS: u64 = 60_000;
/// How long one attempt waits for a controller before the next controller is asked (Franz's: a crashed
/// controller is silent in the simulation, where a real one would reset the connection).
pub const ADMIN_ATTEMPT_TIMEOUT_MS: u64 = 5_000;

/// One admin call: the request, where it was sent last and until when it may go on.
#[derive(Clone, Debug)]
struct AdminCall {
    op: AdminOp,
    /// The correlation id of the attempt in flight, if one is.
    attempt: Option<(CorrelationId, u64)>,
    retry_at_ms: u64,
    deadline_ms: u64,
    last_error: Option<crate::error::FranzError>,
}

#[derive(Clone, Debug)]
pub struct AdminClient {
    id: NodeId,
    /// The controllers: admin requests go to the active one (found by asking, as KIP-919's admin
    /// client does with `bootstrap.controllers`).
    bootstrap: Bootstrap,
    correlation_ids: crate::protocol::message::CorrelationIds,
    calls: BTreeMap<u64, AdminCall>,
    next_request_id: u64,
    results: BTreeMap<u64, Result<()>>,
}

impl AdminClient {
    pub fn new(id: NodeId, controllers: Vec<NodeId>) -> AdminClient {
        AdminClient {
            id,
            bootstrap: Bootstrap::new(controllers),
            correlation_ids: Default::default(),
            calls: BTreeMap::new(),
            next_request_id: 1,
            results: BTreeMap::new(),
        }
    }

    pub fn id(&self) -> NodeId {
        self.id
    }

    /// Starts an admin call; its result appears in [`AdminClient::take_result`].
    pub fn request(&mut self, now_ms: u64, op: AdminOp, out: &mut Outbox) -> u64 {
        let request_id = self.next_request_id;
        self.next_request_id += 1;
        let deadline_ms = now_ms.saturating_add(DEFAULT_API_TIMEOUT_MS);
        self.calls
            .insert(request_id, AdminCall { op, attempt: None, retry_at_ms: now_ms, deadline_ms, last_error: None });
        self.send_due(now_ms, out);
        request_id
    }

    pub fn take_result(&mut self, request: u64) -> Option<Result<()>> {
        self.results.remove(&request)
    }

    fn send_due(&mut self, now_ms: u64, out: &mut Outbox) {
        let to = self.bootstrap.current();
        for call in self.calls.values_mut() {
            if call.attempt.is_none() && now_ms >= call.retry_at_ms {
                let correlation_id = self.correlation_ids.next_id();
                call.attempt = Some((correlation_id, now_ms.saturating_add(ADMIN_ATTEMPT_TIMEOUT_MS)));
                out.send(to, Message::AdminRequest { correlation_id, op: call.op.clone() });
            }
        }
    }

    /// The controller asked was not the active one, or did not answer: ask the next after a backoff.
    fn retry(&mut self, request_id: u64, now_ms: u64, error: crate::error::FranzError) {
        self.bootstrap.rotate();
        if let Some(call) = self.calls.get_mut(&request_id) {
            call.attempt = None;
            call.retry_at_ms = now_ms + super::RETRY_BACKOFF_MS;
            call.last_error = Some(error);
        }
    }
}

impl Actor for AdminClient {
    fn on_message(&mut self, now_ms: u64, from: NodeId, message: Message, out: &mut Outbox) {
        if let Message::Disconnected { correlation_id: refused } = message {
            // The controller's process is down: the attempt it refused is lost; ask the next one.
            let lost = |c: &&mut AdminCall| c.attempt.is_some_and(|(id, _)| refused.is_none_or(|r| r == id));
            if from != self.bootstrap.current() || !self.calls.values_mut().any(|c| lost(&c)) {
                return;
            }
            self.bootstrap.rotate();
            for call in self.calls.values_mut().filter(lost) {
                call.attempt = None;
                call.retry_at_ms = now_ms;
                call.last_error = Some(franz_err!(NetworkException, "Controller {from} is down"));
            }
        }
        if let Message::AdminResponse { correlation_id, result } = message {
            let found =
                self.calls.iter().find(|(_, c)| c.attempt.is_some_and(|(id, _)| id == correlation_id)).map(|(&r, _)| r);
            let Some(request_id) = found else { return };
            match result {
                Err(e) if e.code == crate::error::ErrorCode::NotController => self.retry(request_id, now_ms, e),
                result => {
                    self.calls.remove(&request_id);
                    self.results.insert(request_id, result);
                }
            }
        }
        self.send_due(now_ms, out);
    }

    fn on_timer(&mut self, now_ms: u64, out: &mut Outbox) {
        let silent: Vec<u64> = self
            .calls
            .iter()
            .filter(|(_, c)| c.attempt.is_some_and(|(_, until)| now_ms >= until))
            .map(|(&r, _)| r)
            .collect();
        for request_id in silent {
            let error = franz_err!(RequestTimedOut, "Controller {} did not answer", self.bootstrap.current());
            self.retry(request_id, now_ms, error);
        }
        let expired: Vec<u64> = self.calls.iter().filter(|(_, c)| now_ms >= c.deadline_ms).map(|(&r, _)| r).collect();
        for request_id in expired {
            let Some(call) = self.calls.remove(&request_id) else { continue };
            let why = call.last_error.map(|e| alloc::format!(" (last: {e})")).unwrap_or_default();
            let err = franz_err!(
                RequestTimedOut,
                "No answer to {} within default.api.timeout.ms ({DEFAULT_API_TIMEOUT_MS} ms){why}: is a controller \
                 quorum up?",
                call.op.api_name()
            );
            self.results.insert(request_id, Err(err));
        }
        self.send_due(now_ms, out);
    }

    fn timers(&self, timers: &mut Timers) {
        for call in self.calls.values() {
            match call.attempt {
                Some((_, until)) => timers.set(TimerName::RequestTimeout, until),
                None => timers.set(TimerName::RetryBackoff, call.retry_at_ms),
            }
            timers.set(TimerName::DefaultApiTimeout, call.deadline_ms);
        }
    }
}
