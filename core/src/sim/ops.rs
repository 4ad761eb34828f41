//! What a user does to the world: create topics, produce, consume. Each blocking call starts the work on
//! a client actor, then advances virtual time until the result is there or Kafka's timeout for it passes,
//! so that a script reads like ordinary client code.

use alloc::string::String;
use alloc::vec::Vec;

use super::{Node, World};
use crate::client::admin::DEFAULT_API_TIMEOUT_MS;
use crate::client::{Consumer, ConsumerConfig, ConsumerRecord, Producer, ProducerConfig, RecordMetadata, SendResult};
use crate::config::ConfigMap;
use crate::error::Result;
use crate::types::{NodeId, Offset, ProducerRecord, TopicPartition};

/// A finished asynchronous send, as `producer.results()` lists it.
pub type SendOutcome = SendResult;

impl World {
    /// `AdminClient.createTopics`: waits for the answer up to `default.api.timeout.ms`.
    /// `replication_factor: None` means Kafka's default, min(3, brokers).
    pub fn create_topic(
        &mut self,
        name: &str,
        partitions: u32,
        replication_factor: Option<u32>,
        config: ConfigMap,
    ) -> Result<()> {
        let rf = replication_factor.unwrap_or_else(|| (self.brokers.len() as u32).min(3));
        let admin = self.admin;
        let name = String::from(name);
        let request = self
            .command(admin, |node, now, out| match node {
                Node::Admin(a) => Some(a.create_topic(now, name, partitions, rf, config, out)),
                _ => None,
            })
            .flatten()
            .ok_or_else(|| franz_err!(UnknownServerError, "the admin client is missing"))?;
        let deadline = self.now_ms.saturating_add(DEFAULT_API_TIMEOUT_MS + 1);
        let mut result = None;
        self.run_until(deadline, |w| {
            result = match w.nodes.get_mut(&admin) {
                Some(Node::Admin(a)) => a.take_result(request),
                _ => None,
            };
            result.is_some()
        });
        result.unwrap_or_else(|| Err(franz_err!(RequestTimedOut, "CreateTopics got no answer in time")))
    }

    /// Starts a producer client; returns its node id.
    pub fn add_producer(&mut self, mut config: ProducerConfig, client_id_given: bool) -> Result<NodeId> {
        let given = client_id_given.then(|| config.client_id.clone());
        self.add_client("producer", given, |id, client_id, brokers, rng| {
            config.client_id = client_id;
            Node::Producer(Producer::new(id, config, brokers, rng))
        })
    }

    /// Starts a consumer client; returns its node id.
    pub fn add_consumer(&mut self, mut config: ConsumerConfig, client_id_given: bool) -> Result<NodeId> {
        let given = client_id_given.then(|| config.client_id.clone());
        self.add_client("consumer", given, |id, client_id, brokers, _rng| {
            config.client_id = client_id;
            Node::Consumer(Consumer::new(id, config, brokers))
        })
    }

    /// Stops a client: it sends nothing more and answers to it are lost.
    pub fn close_client(&mut self, id: NodeId) -> Result<()> {
        match self.nodes.get(&id) {
            Some(Node::Producer(_) | Node::Consumer(_)) => {
                self.remove_node(id);
                Ok(())
            }
            _ => Err(franz_err!(
                InvalidRequest,
                "Client {id} is not running (closed already?)"
            )),
        }
    }

    fn producer_mut(&mut self, id: NodeId) -> Result<&mut Producer> {
        match self.nodes.get_mut(&id) {
            Some(Node::Producer(p)) => Ok(p),
            _ => Err(franz_err!(InvalidRequest, "Producer {id} is closed; create a new one")),
        }
    }

    fn consumer_mut(&mut self, id: NodeId) -> Result<&mut Consumer> {
        match self.nodes.get_mut(&id) {
            Some(Node::Consumer(c)) => Ok(c),
            _ => Err(franz_err!(InvalidRequest, "Consumer {id} is closed; create a new one")),
        }
    }

    /// `producer.send(...)` without waiting; returns the request id that `producer_results` reports.
    pub fn send_async(&mut self, producer: NodeId, topic: &str, records: Vec<ProducerRecord>) -> Result<u64> {
        self.producer_mut(producer)?;
        let topic = String::from(topic);
        self.command(producer, |node, now, out| match node {
            Node::Producer(p) => p.send(now, topic, records, out),
            _ => Err(franz_err!(InvalidRequest, "Producer {producer} is closed")),
        })
        .unwrap_or_else(|| Err(franz_err!(InvalidRequest, "Producer {producer} is closed")))
    }

    /// `producer.send(...).get()`: sends and waits up to `delivery.timeout.ms`.
    pub fn send(&mut self, producer: NodeId, topic: &str, records: Vec<ProducerRecord>) -> Result<Vec<RecordMetadata>> {
        let delivery_timeout_ms = self.producer_mut(producer)?.config().delivery_timeout_ms;
        let request = self.send_async(producer, topic, records)?;
        let deadline = self.now_ms.saturating_add(delivery_timeout_ms + 1);
        let mut result = None;
        self.run_until(deadline, |w| {
            result = w.producer_mut(producer).ok().and_then(|p| p.take_result(request));
            result.is_some()
        });
        match result {
            Some(r) => r.result,
            None => Err(franz_err!(
                RequestTimedOut,
                "No outcome for the send within delivery.timeout.ms"
            )),
        }
    }

    /// Finished asynchronous sends not yet reported.
    pub fn producer_results(&mut self, producer: NodeId) -> Result<Vec<SendOutcome>> {
        Ok(self.producer_mut(producer)?.take_results())
    }

    pub fn assign(&mut self, consumer: NodeId, partitions: Vec<TopicPartition>) -> Result<()> {
        self.consumer_mut(consumer)?;
        self.command(consumer, |node, now, out| match node {
            Node::Consumer(c) => c.assign(now, partitions, out),
            _ => Ok(()),
        })
        .unwrap_or(Ok(()))
    }

    pub fn seek(&mut self, consumer: NodeId, tp: &TopicPartition, offset: i64) -> Result<()> {
        self.consumer_mut(consumer)?;
        self.command(consumer, |node, now, out| match node {
            Node::Consumer(c) => c.seek(now, tp, offset, out),
            _ => Ok(()),
        })
        .unwrap_or(Ok(()))
    }

    pub fn assignment(&mut self, consumer: NodeId) -> Result<Vec<TopicPartition>> {
        Ok(self.consumer_mut(consumer)?.assignment())
    }

    /// `consumer.position(tp)`: like Kafka's, it waits (up to `default.api.timeout.ms`) for a position
    /// to be found when none is known yet.
    pub fn position(&mut self, consumer: NodeId, tp: &TopicPartition) -> Result<Offset> {
        if let Some(p) = self.consumer_mut(consumer)?.position(tp)? {
            return Ok(p);
        }
        let deadline = self.now_ms.saturating_add(DEFAULT_API_TIMEOUT_MS);
        let mut found = None;
        self.run_until(deadline, |w| {
            found = w
                .consumer_mut(consumer)
                .ok()
                .and_then(|c| c.position(tp).ok().flatten());
            found.is_some()
        });
        found.ok_or_else(|| franz_err!(RequestTimedOut, "No position for {tp} within default.api.timeout.ms"))
    }

    /// `consumer.poll(timeout)`: waits until records (or an error) are there, or `timeout_ms` passes.
    pub fn poll(&mut self, consumer: NodeId, timeout_ms: u64) -> Result<Vec<ConsumerRecord>> {
        self.consumer_mut(consumer)?;
        let deadline = self.now_ms.saturating_add(timeout_ms);
        self.run_until(deadline, |w| {
            w.consumer_mut(consumer).is_ok_and(|c| c.has_poll_result())
        });
        self.command(consumer, |node, now, out| match node {
            Node::Consumer(c) => c.take_records(now, out),
            _ => Ok(Vec::new()),
        })
        .unwrap_or_else(|| Ok(Vec::new()))
    }
}
