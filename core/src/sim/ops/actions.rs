//! What the user asks of clients and the admin client: create and stop clients, send, poll, seek, commit,
//! and the admin calls, each run until its answer as Kafka's blocking calls are.

use super::calls::{Call, Waiting};
use super::*;
use alloc::format;

impl World {
    /// Sends an admin request; the call waits for its answer up to `default.api.timeout.ms`.
    pub(in crate::sim) fn exec_admin(&mut self, op: AdminOp) -> Result<Call> {
        let admin = self.admin;
        let request = self
            .command(admin, |node, now, out| match node {
                Node::Admin(a) => Some(a.request(now, op, out)),
                _ => None,
            })
            .flatten()
            .ok_or_else(|| franz_err!(UnknownServerError, "the admin client is missing"))?;
        let deadline_ms = self.now_ms.saturating_add(DEFAULT_API_TIMEOUT_MS + 1);
        Ok(Call::Wait(Waiting::Admin { admin, request, result: None }, deadline_ms))
    }

    pub(in crate::sim) fn exec_add_producer(&mut self, config: ProducerConfig) -> Result<NodeId> {
        config.validate()?;
        let given = config.client_id.clone();
        let generated = |sequence: &mut u32| {
            *sequence += 1;
            format!("producer-{sequence}")
        };
        self.add_client("producer", given, generated, |id, client_id, brokers, rng| {
            let config = ProducerConfig { client_id: Some(client_id), ..config };
            Node::Producer(Producer::new(id, config, brokers, rng))
        })
    }

    pub(in crate::sim) fn exec_add_consumer(&mut self, config: ConsumerConfig) -> Result<NodeId> {
        config.validate()?;
        let (given, now_ms) = (config.client_id.clone(), self.now_ms);
        // Kafka's consumer takes an empty client.id as none, and names it by its group and instance id.
        let given = given.filter(|id| !id.is_empty());
        let group = config.group_id.clone().unwrap_or_else(|| String::from("null"));
        let instance = config.group_instance_id.clone();
        let generated = |sequence: &mut u32| match instance {
            Some(instance) => format!("consumer-{group}-{instance}"),
            None => {
                *sequence += 1;
                format!("consumer-{group}-{sequence}")
            }
        };
        self.add_client("consumer", given, generated, |id, client_id, brokers, _rng| {
            let config = ConsumerConfig { client_id: Some(client_id), ..config };
            Node::Consumer(Consumer::new(id, config, brokers, now_ms))
        })
    }

    pub(in crate::sim) fn exec_stop_client(&mut self, id: NodeId, crashed: bool) -> Result<Call> {
        match self.nodes.get(&id) {
            Some(Node::Producer(_) | Node::Consumer(_)) => {
                // Closing already (its close call was cut): this one waits for that close.
                if !crashed {
                    if let Some(going_on) = self.take_call_finishing(id) {
                        return Ok(going_on);
                    }
                    self.refuse_unless_callable(id)?;
                }
                // Its application loop stops first: `close()` is called from the thread that polls or sends.
                self.streams.remove(&id);
                self.poll_loops.remove(&id);
                if crashed {
                    self.end_client(id, true);
                    return Ok(Call::Now(Outcome::Done));
                }
                // A clean close says goodbye and waits, as Kafka's does: the consumer commits (auto-commit),
                // then leaves its group; the producer completes every send.
                self.command(id, |node, now, out| match node {
                    Node::Consumer(c) => c.close(now, out),
                    Node::Producer(p) => p.close(now, out),
                    _ => {}
                });
                let timeout_ms = match self.nodes.get(&id) {
                    Some(Node::Producer(p)) => p.config().delivery_timeout_ms + p.config().max_block_ms,
                    _ => CONSUMER_CLOSE_TIMEOUT_MS,
                };
                Ok(Call::Wait(Waiting::Close { id }, self.now_ms.saturating_add(timeout_ms)))
            }
            // Kafka's close() of a client closed already does nothing (Java's `Closeable`: "closing a closed
            // stream has no effect"); nor does closing one Franz crashed (adversary 27: it threw).
            _ if !crashed && self.was_a_client(id) => Ok(Call::Now(Outcome::Done)),
            _ => Err(franz_err!(InvalidRequest, "Client {id} is not running (closed already?)")),
        }
    }

    /// The client's process ends, closed (once its close returned) or crashed.
    pub(in crate::sim) fn end_client(&mut self, id: NodeId, crashed: bool) {
        self.record(id, TraceKind::ClientStopped { crashed });
        if let (false, Some(Node::Producer(p))) = (crashed, self.nodes.get_mut(&id)) {
            // close() completed these sends: their outcomes stay readable, as Kafka's callbacks fire.
            // Kept (empty once read) so that reading a closed producer's results goes on working.
            self.closed_producer_results.insert(id, p.take_results());
        }
        if let Some(error) = self.consumer_mut(id).ok().and_then(|c| c.close_commit_failed()) {
            self.close_commits_failed.insert(id, error);
        }
        self.remove_node(id);
        self.drop_in_flight(LossCause::NodeDown, |_, to| to == id);
    }

    /// Whether `id` named a client once (one now closed or crashed, if it is no node now).
    fn was_a_client(&self, id: NodeId) -> bool {
        (crate::types::FIRST_CLIENT_ID + 1..self.next_client_id).contains(&id)
    }

    /// A client whose close goes on (cut by time travel) takes no more calls, as Kafka's throws
    /// IllegalStateException after `close()` (adversary 62: a fork's send on one was written); nor does one
    /// in a stop-the-world pause, whose application is frozen with it (adversary 62: a paused client sent).
    fn refuse_unless_callable(&self, id: NodeId) -> Result<()> {
        if let Some(until) = self.paused_until_ms(id) {
            return Err(franz_err!(InvalidRequest, "Client {id} is paused until {until} ms, its application too"));
        }
        match self.closing_or_stopping(id) {
            true => Err(franz_err!(InvalidRequest, "Client {id} is closing")),
            false => Ok(()),
        }
    }

    #[inline(never)]
    pub(in crate::sim) fn producer_mut(&mut self, id: NodeId) -> Result<&mut Producer> {
        self.refuse_unless_callable(id)?;
        match self.nodes.get_mut(&id) {
            Some(Node::Producer(p)) => Ok(p),
            _ => Err(franz_err!(InvalidRequest, "Producer {id} is not running; create a new one")),
        }
    }

    #[inline(never)]
    pub(in crate::sim) fn consumer_mut(&mut self, id: NodeId) -> Result<&mut Consumer> {
        self.refuse_unless_callable(id)?;
        match self.nodes.get_mut(&id) {
            Some(Node::Consumer(c)) => Ok(c),
            _ => Err(franz_err!(InvalidRequest, "Consumer {id} is not running; create a new one")),
        }
    }

    pub(in crate::sim) fn on_consumer(
        &mut self,
        consumer: NodeId,
        f: impl FnOnce(&mut Consumer, u64, &mut crate::protocol::message::Outbox) -> Result<()>,
    ) -> Result<Outcome> {
        self.consumer_mut(consumer)?;
        self.command(consumer, |node, now, out| match node {
            Node::Consumer(c) => f(c, now, out),
            _ => Ok(()),
        })
        .unwrap_or(Ok(()))
        .map(|_| Outcome::Done)
    }

    pub(in crate::sim) fn exec_send_async(
        &mut self,
        producer: NodeId,
        topic: String,
        records: Vec<ProducerRecord>,
    ) -> Result<u64> {
        self.producer_mut(producer)?;
        self.command(producer, |node, now, out| match node {
            Node::Producer(p) => p.send(now, topic, records, out),
            _ => Err(franz_err!(InvalidRequest, "Producer {producer} is not running")),
        })
        .unwrap_or_else(|| Err(franz_err!(InvalidRequest, "Producer {producer} is not running")))
    }

    pub(in crate::sim) fn exec_send(
        &mut self,
        producer: NodeId,
        topic: String,
        records: Vec<ProducerRecord>,
    ) -> Result<Call> {
        // Kafka's send() blocks up to max.block.ms for the topic's metadata, then delivery.timeout.ms runs.
        let config = self.producer_mut(producer)?.config();
        let outcome_within_ms = config.max_block_ms.saturating_add(config.delivery_timeout_ms).saturating_add(1);
        let request = self.exec_send_async(producer, topic, records)?;
        let deadline_ms = self.now_ms.saturating_add(outcome_within_ms);
        Ok(Call::Wait(Waiting::Send { producer, request, result: None }, deadline_ms))
    }

    pub(in crate::sim) fn exec_position(&mut self, consumer: NodeId, tp: TopicPartition) -> Result<Call> {
        if let Some(p) = self.consumer_mut(consumer)?.position(&tp)? {
            return Ok(Call::Now(Outcome::Position(p)));
        }
        let deadline_ms = self.now_ms.saturating_add(DEFAULT_API_TIMEOUT_MS);
        Ok(Call::Wait(Waiting::Position { consumer, tp, found: None }, deadline_ms))
    }

    pub(in crate::sim) fn exec_poll(&mut self, consumer: NodeId, timeout_ms: u64) -> Result<Call> {
        if timeout_ms > RUN_FOR_MS_MAX {
            return Err(franz_err!(InvalidRequest, "poll waits at most {RUN_FOR_MS_MAX} ms, got {timeout_ms}"));
        }
        self.consumer_mut(consumer)?;
        self.command(consumer, |node, now, out| {
            if let Node::Consumer(c) = node {
                c.begin_poll(now, out);
            }
        });
        Ok(Call::Wait(Waiting::Poll { consumer }, self.now_ms.saturating_add(timeout_ms)))
    }

    pub(in crate::sim) fn exec_commit_sync(
        &mut self,
        consumer: NodeId,
        offsets: Option<Vec<(TopicPartition, Offset)>>,
    ) -> Result<Call> {
        self.consumer_mut(consumer)?;
        let id = self
            .command(consumer, |node, now, out| match node {
                Node::Consumer(c) => c.commit(now, offsets, out),
                _ => Err(franz_err!(InvalidRequest, "Consumer {consumer} is not running")),
            })
            .unwrap_or_else(|| Err(franz_err!(InvalidRequest, "Consumer {consumer} is not running")))?;
        let deadline_ms = self.now_ms.saturating_add(DEFAULT_API_TIMEOUT_MS + 1);
        Ok(Call::Wait(Waiting::Commit { consumer, id, result: None }, deadline_ms))
    }
}
