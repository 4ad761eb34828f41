//! The admin client: topic creation, deletion, partition growth and config changes, as Kafka's
//! `AdminClient` asks for them.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::Bootstrap;
use crate::error::Result;
use crate::message::{Actor, AdminOp, CorrelationId, Message, Outbox};
use crate::types::NodeId;

/// Kafka's `default.api.timeout.ms`.
pub const DEFAULT_API_TIMEOUT_MS: u64 = 60_000;

#[derive(Clone, Debug)]
pub struct AdminClient {
    id: NodeId,
    bootstrap: Bootstrap,
    next_correlation_id: CorrelationId,
    /// Requests awaiting an answer: their API name and deadline.
    in_flight: BTreeMap<CorrelationId, (&'static str, u64)>,
    results: BTreeMap<CorrelationId, Result<()>>,
}

impl AdminClient {
    pub fn new(id: NodeId, bootstrap: Vec<NodeId>) -> AdminClient {
        AdminClient {
            id,
            bootstrap: Bootstrap::new(bootstrap),
            next_correlation_id: 1,
            in_flight: BTreeMap::new(),
            results: BTreeMap::new(),
        }
    }

    pub fn id(&self) -> NodeId {
        self.id
    }

    /// Sends an admin request; its result appears in [`AdminClient::take_result`].
    pub fn request(&mut self, now_ms: u64, op: AdminOp, out: &mut Outbox) -> CorrelationId {
        let correlation_id = self.next_correlation_id;
        self.next_correlation_id += 1;
        self.in_flight.insert(correlation_id, (op.api_name(), now_ms.saturating_add(DEFAULT_API_TIMEOUT_MS)));
        out.send(self.bootstrap.current(), Message::AdminRequest { correlation_id, op });
        correlation_id
    }

    pub fn take_result(&mut self, request: CorrelationId) -> Option<Result<()>> {
        self.results.remove(&request)
    }
}

impl Actor for AdminClient {
    fn on_message(&mut self, _now_ms: u64, _from: NodeId, message: Message, _out: &mut Outbox) {
        if let Message::AdminResponse { correlation_id, result } = message {
            if self.in_flight.remove(&correlation_id).is_some() {
                self.results.insert(correlation_id, result);
            }
        }
    }

    fn on_timer(&mut self, now_ms: u64, _out: &mut Outbox) {
        let expired: Vec<(CorrelationId, &'static str)> = self
            .in_flight
            .iter()
            .filter(|(_, (_, deadline))| *deadline <= now_ms)
            .map(|(&id, (api, _))| (id, *api))
            .collect();
        for (id, api) in expired {
            self.in_flight.remove(&id);
            self.bootstrap.rotate();
            let err = franz_err!(
                RequestTimedOut,
                "No answer to {api} within default.api.timeout.ms ({DEFAULT_API_TIMEOUT_MS} ms)"
            );
            self.results.insert(id, Err(err));
        }
    }

    fn next_timer_ms(&self) -> Option<u64> {
        self.in_flight.values().map(|(_, deadline)| *deadline).min()
    }
}
