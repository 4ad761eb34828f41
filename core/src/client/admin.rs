//! The admin client: topic creation, deletion, partition growth and config changes, as Kafka's
//! `AdminClient` asks for them.

use crate::vec_map::VecMap;
use alloc::vec::Vec;

use super::Bootstrap;
use crate::error::Result;
use crate::protocol::actor::{InFlight, TimerName, Timers};
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
    /// Attempts out, by the admin call (request id) each is for: at most one per call.
    in_flight: InFlight<u64>,
    calls: VecMap<u64, AdminCall>,
    next_request_id: u64,
    results: VecMap<u64, Result<()>>,
}

impl AdminClient {
    pub fn new(id: NodeId, controllers: Vec<NodeId>) -> AdminClient {
        AdminClient {
            id,
            bootstrap: Bootstrap::new(controllers),
            in_flight: InFlight::default(),
            calls: VecMap::new(),
            next_request_id: 1,
            results: VecMap::new(),
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
        self.calls.insert(request_id, AdminCall { op, retry_at_ms: now_ms, deadline_ms, last_error: None });
        self.send_due(now_ms, out);
        request_id
    }

    pub fn take_result(&mut self, request: u64) -> Option<Result<()>> {
        self.results.remove(&request)
    }

    fn send_due(&mut self, now_ms: u64, out: &mut Outbox) {
        let to = self.bootstrap.current();
        for (&request_id, call) in &self.calls {
            if !self.in_flight.any(|&r| r == request_id) && now_ms >= call.retry_at_ms {
                let deadline_ms = now_ms.saturating_add(ADMIN_ATTEMPT_TIMEOUT_MS);
                let correlation_id = self.in_flight.start(now_ms, to, deadline_ms, request_id);
                out.send(to, Message::AdminRequest { correlation_id, op: call.op.clone() });
            }
        }
    }

    /// The controller asked was not the active one, or did not answer: ask the next after a backoff.
    fn retry(&mut self, request_id: u64, now_ms: u64, error: crate::error::FranzError) {
        self.bootstrap.rotate();
        self.in_flight.retain(|r| *r != request_id);
        if let Some(call) = self.calls.get_mut(&request_id) {
            call.retry_at_ms = now_ms + super::RETRY_BACKOFF_MS;
            call.last_error = Some(error);
        }
    }
}

impl Actor for AdminClient {
    fn awaits_answer_from(&self, node: NodeId) -> bool {
        self.in_flight.count_to(node, |_| true) > 0
    }

    fn on_message(&mut self, now_ms: u64, from: NodeId, message: Message, out: &mut Outbox) {
        if let Message::Disconnected { correlation_id: refused } = message {
            // The controller's process is down: the attempt it refused is lost; ask the next one.
            let lost: Vec<(CorrelationId, u64)> = self
                .in_flight
                .iter()
                .filter(|&(id, r)| r.to == from && refused.is_none_or(|refused| refused == id))
                .map(|(id, r)| (id, r.pending))
                .collect();
            if from != self.bootstrap.current() || lost.is_empty() {
                return;
            }
            self.bootstrap.rotate();
            for (correlation_id, request_id) in lost {
                self.in_flight.take(correlation_id);
                if let Some(call) = self.calls.get_mut(&request_id) {
                    call.retry_at_ms = now_ms;
                    call.last_error = Some(franz_err!(NetworkException, "Controller {from} is down"));
                }
            }
        }
        if let Message::AdminResponse { correlation_id, result } = message {
            let Some(request_id) = self.in_flight.take(correlation_id).map(|r| r.pending) else { return };
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
            .in_flight
            .due(now_ms, |_| true)
            .into_iter()
            .filter_map(|id| self.in_flight.get(id).map(|r| r.pending))
            .collect();
        for request_id in silent {
            let error = franz_err!(RequestTimedOut, "Controller {} did not answer", self.bootstrap.current());
            self.retry(request_id, now_ms, error);
        }
        let expired: Vec<u64> = self.calls.iter().filter(|(_, c)| now_ms >= c.deadline_ms).map(|(&r, _)| r).collect();
        for request_id in expired {
            let Some(call) = self.calls.remove(&request_id) else { continue };
            self.in_flight.retain(|r| *r != request_id);
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
        timers.set_all(TimerName::RequestTimeout, self.in_flight.deadlines_ms());
        for (&request_id, call) in &self.calls {
            if !self.in_flight.any(|&r| r == request_id) {
                timers.set(TimerName::RetryBackoff, call.retry_at_ms);
            }
            timers.set(TimerName::DefaultApiTimeout, call.deadline_ms);
        }
    }
}
