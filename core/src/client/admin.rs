//! The admin client: topic creation (and, later, the other AdminClient calls).

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::Bootstrap;
use crate::config::ConfigMap;
use crate::error::Result;
use crate::message::{Actor, CorrelationId, Message, Outbox};
use crate::types::NodeId;

/// Kafka's `default.api.timeout.ms`.
pub const DEFAULT_API_TIMEOUT_MS: u64 = 60_000;

#[derive(Clone, Debug)]
pub struct AdminClient {
    id: NodeId,
    bootstrap: Bootstrap,
    next_correlation_id: CorrelationId,
    /// Requests awaiting an answer, with their deadlines.
    in_flight: BTreeMap<CorrelationId, u64>,
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

    /// Starts a CreateTopics request; its result appears in [`AdminClient::take_result`].
    pub fn create_topic(
        &mut self,
        now_ms: u64,
        name: String,
        partitions: u32,
        replication_factor: u32,
        config: ConfigMap,
        out: &mut Outbox,
    ) -> CorrelationId {
        let correlation_id = self.next_correlation_id;
        self.next_correlation_id += 1;
        self.in_flight
            .insert(correlation_id, now_ms.saturating_add(DEFAULT_API_TIMEOUT_MS));
        let request = Message::CreateTopicsRequest {
            correlation_id,
            name,
            partitions,
            replication_factor,
            config,
        };
        out.send(self.bootstrap.current(), request);
        correlation_id
    }

    pub fn take_result(&mut self, request: CorrelationId) -> Option<Result<()>> {
        self.results.remove(&request)
    }
}

impl Actor for AdminClient {
    fn on_message(&mut self, _now_ms: u64, _from: NodeId, message: Message, _out: &mut Outbox) {
        if let Message::CreateTopicsResponse { correlation_id, result } = message {
            if self.in_flight.remove(&correlation_id).is_some() {
                self.results.insert(correlation_id, result);
            }
        }
    }

    fn on_timer(&mut self, now_ms: u64, _out: &mut Outbox) {
        let expired: Vec<CorrelationId> = self
            .in_flight
            .iter()
            .filter(|(_, &deadline)| deadline <= now_ms)
            .map(|(&id, _)| id)
            .collect();
        for id in expired {
            self.in_flight.remove(&id);
            self.bootstrap.rotate();
            let err = franz_err!(
                RequestTimedOut,
                "No answer to CreateTopics within default.api.timeout.ms ({DEFAULT_API_TIMEOUT_MS} ms)"
            );
            self.results.insert(id, Err(err));
        }
    }

    fn next_timer_ms(&self) -> Option<u64> {
        self.in_flight.values().copied().min()
    }
}
