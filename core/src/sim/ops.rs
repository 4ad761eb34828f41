//! What a user does to the world. Every change goes through [`World::apply`], which records the action for
//! `scenario()` and runs it; the typed methods below are conveniences over it. Blocking calls start the work
//! on a client actor, then advance virtual time until the result is there or Kafka's timeout for it passes,
//! so that a script reads like ordinary client code.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::network::{NetworkConfig, PARTITION_SIDES_MAX};
use super::rng::{stream_rng, Stream};
use super::scenario::{Action, Scenario, SCENARIO_VERSION, SCENARIO_VIRTUAL_MS_MAX};
use super::trace::TraceKind;
use super::{ClusterConfig, Node, World};
use crate::client::admin::DEFAULT_API_TIMEOUT_MS;
use crate::client::{Consumer, ConsumerConfig, ConsumerRecord, Producer, ProducerConfig, RecordMetadata, SendResult};
use crate::config::ConfigMap;
use crate::error::{FranzError, Result};
use crate::protocol::message::AdminOp;
use crate::types::{NodeId, Offset, ProducerRecord, TopicPartition};

/// A finished asynchronous send, as `producer.results()` lists it.
pub type SendOutcome = SendResult;

/// How long `stopBroker` waits for the controller to move leaderships away before stopping anyway (Kafka
/// retries `controlled.shutdown.max.retries` times, then shuts down uncleanly).
pub const CONTROLLED_SHUTDOWN_TIMEOUT_MS: u64 = 30_000;

/// Franz's bound on one `runFor` or pause: a day of virtual time.
pub const RUN_FOR_MS_MAX: u64 = 86_400_000;
/// How long a consumer's `close()` waits for its commit and LeaveGroup (Kafka's `DEFAULT_CLOSE_TIMEOUT_MS`).
pub const CONSUMER_CLOSE_TIMEOUT_MS: u64 = 30_000;

/// What an action gave back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Stepped(bool),
    ClientId(NodeId),
    Sent(Vec<RecordMetadata>),
    RequestId(u64),
    Position(Offset),
    Polled(Vec<ConsumerRecord>),
}

fn unexpected(outcome: Outcome) -> FranzError {
    franz_err!(UnknownServerError, "Franz bug: an action gave an unexpected outcome {outcome:?}")
}

impl World {
    /// Records and runs one user action.
    pub fn apply(&mut self, action: Action) -> Result<Outcome> {
        if let Action::RunFor { ms } = action {
            if ms > RUN_FOR_MS_MAX {
                return Err(franz_err!(InvalidRequest, "runFor takes at most {RUN_FOR_MS_MAX} ms, got {ms}"));
            }
        }
        self.record_action(&action);
        self.execute(action)
    }

    fn execute(&mut self, action: Action) -> Result<Outcome> {
        match action {
            Action::RunFor { ms } => {
                self.advance(ms);
                Ok(Outcome::Done)
            }
            Action::Step => Ok(Outcome::Stepped(self.step_event(u64::MAX))),
            Action::CreateTopic { name, partitions, replication_factor, config } => {
                let replication_factor = replication_factor.unwrap_or_else(|| (self.brokers.len() as u32).min(3));
                self.exec_admin(AdminOp::CreateTopic { name, partitions, replication_factor, config })
                    .map(|_| Outcome::Done)
            }
            Action::DeleteTopic { name } => self.exec_admin(AdminOp::DeleteTopic { name }).map(|_| Outcome::Done),
            Action::CreatePartitions { name, total_count } => {
                self.exec_admin(AdminOp::CreatePartitions { name, total_count }).map(|_| Outcome::Done)
            }
            Action::AlterTopicConfig { name, config } => {
                let changes = config.into_iter().collect();
                self.exec_admin(AdminOp::AlterConfigs { name, changes }).map(|_| Outcome::Done)
            }
            Action::ReassignPartitions { name, assignments } => {
                let assignments = assignments.into_iter().collect();
                self.exec_admin(AdminOp::ReassignPartitions { name, assignments }).map(|_| Outcome::Done)
            }
            Action::ElectPreferredLeaders { name } => {
                self.exec_admin(AdminOp::ElectPreferredLeaders { name }).map(|_| Outcome::Done)
            }
            Action::AddProducer { config } => self.exec_add_producer(config).map(Outcome::ClientId),
            Action::Send { producer, topic, records, wait: false } => {
                self.exec_send_async(producer, topic, records).map(Outcome::RequestId)
            }
            Action::Send { producer, topic, records, wait: true } => {
                self.exec_send(producer, topic, records).map(Outcome::Sent)
            }
            Action::AddConsumer { config } => self.exec_add_consumer(config).map(Outcome::ClientId),
            Action::Assign { consumer, partitions } => {
                self.on_consumer(consumer, |c, now, out| c.assign(now, partitions, out))
            }
            Action::Pause { consumer, partitions, paused } => {
                self.on_consumer(consumer, |c, now, out| c.set_paused(now, &partitions, paused, out))
            }
            Action::Subscribe { consumer, topics } => {
                self.on_consumer(consumer, |c, now, out| c.subscribe(now, topics, out))
            }
            Action::Seek { consumer, topic, partition, offset } => {
                let tp = TopicPartition::new(topic, partition);
                self.on_consumer(consumer, |c, now, out| c.seek(now, &tp, offset, out))
            }
            Action::Position { consumer, topic, partition } => {
                self.exec_position(consumer, &TopicPartition::new(topic, partition)).map(Outcome::Position)
            }
            Action::Poll { consumer, timeout_ms } => self.exec_poll(consumer, timeout_ms).map(Outcome::Polled),
            Action::CommitSync { consumer, offsets } => {
                let offsets = offsets.map(|list| {
                    list.into_iter().map(|o| (TopicPartition::new(o.topic, o.partition), o.offset)).collect()
                });
                self.exec_commit_sync(consumer, offsets).map(|_| Outcome::Done)
            }
            Action::CloseClient { id } => self.exec_stop_client(id, false).map(|_| Outcome::Done),
            Action::CrashClient { id } => self.exec_stop_client(id, true).map(|_| Outcome::Done),
            Action::CrashBroker { id } => self.exec_crash_broker(id, false).map(|_| Outcome::Done),
            Action::StopBroker { id } => self.exec_stop_broker(id).map(|_| Outcome::Done),
            Action::PowerLoss { id } => self.exec_crash_broker(id, true).map(|_| Outcome::Done),
            Action::RestartBroker { id } => self.exec_restart_broker(id).map(|_| Outcome::Done),
            Action::CrashController { id } => self.exec_crash_controller(id).map(|_| Outcome::Done),
            Action::RestartController { id } => self.exec_restart_controller(id).map(|_| Outcome::Done),
            Action::AddBroker => self.exec_add_broker().map(Outcome::ClientId),
            Action::PauseNode { id, ms } => self.exec_pause(id, ms).map(|_| Outcome::Done),
            Action::PartitionNetwork { sides } => self.exec_partition(sides).map(|_| Outcome::Done),
            Action::HealNetwork => {
                if self.network.is_partitioned() {
                    self.network.heal();
                    self.record(super::NO_NODE_NETWORK, TraceKind::NetworkHealed);
                }
                Ok(Outcome::Done)
            }
            Action::SetLink { a, b, network, one_way } => {
                for id in [a, b] {
                    if !self.names.contains_key(&id) || id == super::NO_NODE_NETWORK {
                        return Err(franz_err!(InvalidRequest, "There is no node {id}"));
                    }
                }
                self.network.set_link(a, b, network, one_way)?;
                self.record(super::NO_NODE_NETWORK, TraceKind::LinkChanged { a, b, network, one_way });
                Ok(Outcome::Done)
            }
            Action::SetNetwork { network } => {
                self.network.set_config(network)?;
                let NetworkConfig { latency_ms, jitter_ms, drop_rate } = network;
                self.record(super::NO_NODE_NETWORK, TraceKind::NetworkChanged { latency_ms, jitter_ms, drop_rate });
                Ok(Outcome::Done)
            }
        }
    }

    /// The run so far as a scenario: seed, cluster and every action with its time.
    pub fn scenario(&self) -> Result<Scenario> {
        if self.now_ms > SCENARIO_VIRTUAL_MS_MAX {
            return Err(franz_err!(
                PolicyViolation,
                "This run is longer than a scenario covers (30 days of virtual time)"
            ));
        }
        if self.actions_overflowed {
            return Err(franz_err!(
                PolicyViolation,
                "This run took more than {} actions, more than a scenario holds",
                super::scenario::SCENARIO_ACTIONS_MAX
            ));
        }
        let ClusterConfig { seed, brokers, controllers, network, broker_config } = self.config.clone();
        Ok(Scenario {
            version: SCENARIO_VERSION,
            seed,
            brokers,
            controllers,
            network,
            config: broker_config,
            actions: self.actions.clone(),
        })
    }

    /// Rebuilds a run from its scenario, up to `until_ms` of virtual time if given (time travel: nothing runs
    /// past it, not even the rest of an action in progress then). Actions that failed when recorded fail the
    /// same way again, and are part of the same trace.
    pub fn replay(scenario: &Scenario, until_ms: Option<u64>) -> Result<World> {
        if until_ms.is_some_and(|u| u > SCENARIO_VIRTUAL_MS_MAX) {
            return Err(franz_err!(InvalidRequest, "untilMs is at most {SCENARIO_VIRTUAL_MS_MAX} (30 days)"));
        }
        let horizon = until_ms.unwrap_or(SCENARIO_VIRTUAL_MS_MAX);
        let mut world = World::form(scenario.cluster_config(), Some(horizon))?;
        for entry in &scenario.actions {
            if entry.at_ms > horizon {
                break;
            }
            while world.now_ms < entry.at_ms {
                let _ = world.apply(Action::RunFor { ms: (entry.at_ms - world.now_ms).min(RUN_FOR_MS_MAX) });
            }
            let _ = world.apply(entry.action.clone());
        }
        if let Some(until) = until_ms {
            while world.now_ms < until {
                let _ = world.apply(Action::RunFor { ms: (until - world.now_ms).min(RUN_FOR_MS_MAX) });
            }
        }
        world.horizon_ms = None;
        Ok(world)
    }

    // The typed conveniences.

    /// Runs every event up to `now + ms` (at most a day per call), then sets the clock there.
    pub fn run_for(&mut self, ms: u64) {
        let _ = self.apply(Action::RunFor { ms: ms.min(RUN_FOR_MS_MAX) });
    }

    /// Runs one event; `false` when nothing is scheduled.
    pub fn step(&mut self) -> bool {
        matches!(self.apply(Action::Step), Ok(Outcome::Stepped(true)))
    }

    /// `AdminClient.createTopics`: waits for the answer up to `default.api.timeout.ms`.
    /// `replication_factor: None` means Kafka's default, min(3, brokers).
    pub fn create_topic(
        &mut self,
        name: &str,
        partitions: u32,
        replication_factor: Option<u32>,
        config: ConfigMap,
    ) -> Result<()> {
        self.apply(Action::CreateTopic { name: String::from(name), partitions, replication_factor, config }).map(|_| ())
    }

    /// `AdminClient.deleteTopics`.
    pub fn delete_topic(&mut self, name: &str) -> Result<()> {
        self.apply(Action::DeleteTopic { name: String::from(name) }).map(|_| ())
    }

    /// `AdminClient.createPartitions`: grows the topic to `total_count` partitions.
    pub fn create_partitions(&mut self, name: &str, total_count: u32) -> Result<()> {
        self.apply(Action::CreatePartitions { name: String::from(name), total_count }).map(|_| ())
    }

    /// `AdminClient.incrementalAlterConfigs`: `Some` sets a key, `None` returns it to the default.
    pub fn alter_topic_config(&mut self, name: &str, config: BTreeMap<String, Option<String>>) -> Result<()> {
        self.apply(Action::AlterTopicConfig { name: String::from(name), config }).map(|_| ())
    }

    /// `AdminClient.alterPartitionReassignments`: each listed partition moves to the given brokers (the
    /// call returns once the move started; it ends when the new replicas are in the ISR).
    pub fn reassign_partitions(&mut self, name: &str, assignments: BTreeMap<u32, Vec<NodeId>>) -> Result<()> {
        self.apply(Action::ReassignPartitions { name: String::from(name), assignments }).map(|_| ())
    }

    /// `AdminClient.electLeaders(PREFERRED, ...)` for one topic, or every topic with `None`.
    pub fn elect_preferred_leaders(&mut self, name: Option<&str>) -> Result<()> {
        self.apply(Action::ElectPreferredLeaders { name: name.map(String::from) }).map(|_| ())
    }

    /// Starts a producer client; returns its node id.
    pub fn add_producer(&mut self, config: ProducerConfig) -> Result<NodeId> {
        match self.apply(Action::AddProducer { config })? {
            Outcome::ClientId(id) => Ok(id),
            other => Err(unexpected(other)),
        }
    }

    /// Starts a consumer client; returns its node id.
    pub fn add_consumer(&mut self, config: ConsumerConfig) -> Result<NodeId> {
        match self.apply(Action::AddConsumer { config })? {
            Outcome::ClientId(id) => Ok(id),
            other => Err(unexpected(other)),
        }
    }

    /// `producer.send(...).get()`: sends and waits up to `delivery.timeout.ms`.
    pub fn send(&mut self, producer: NodeId, topic: &str, records: Vec<ProducerRecord>) -> Result<Vec<RecordMetadata>> {
        match self.apply(Action::Send { producer, topic: String::from(topic), records, wait: true })? {
            Outcome::Sent(metadata) => Ok(metadata),
            other => Err(unexpected(other)),
        }
    }

    /// `producer.send(...)` without waiting; returns the request id that `producer_results` reports.
    pub fn send_async(&mut self, producer: NodeId, topic: &str, records: Vec<ProducerRecord>) -> Result<u64> {
        match self.apply(Action::Send { producer, topic: String::from(topic), records, wait: false })? {
            Outcome::RequestId(id) => Ok(id),
            other => Err(unexpected(other)),
        }
    }

    /// Finished asynchronous sends not yet reported. (A read: the world's future does not depend on it.)
    pub fn producer_results(&mut self, producer: NodeId) -> Result<Vec<SendOutcome>> {
        if let Some(results) = self.closed_producer_results.remove(&producer) {
            return Ok(results);
        }
        Ok(self.producer_mut(producer)?.take_results())
    }

    pub fn assign(&mut self, consumer: NodeId, partitions: Vec<TopicPartition>) -> Result<()> {
        self.apply(Action::Assign { consumer, partitions }).map(|_| ())
    }

    /// `consumer.pause(partitions)` (`paused: true`) or `resume` (`false`).
    pub fn pause_partitions(&mut self, consumer: NodeId, partitions: Vec<TopicPartition>, paused: bool) -> Result<()> {
        self.apply(Action::Pause { consumer, partitions, paused }).map(|_| ())
    }

    /// `consumer.subscribe(topics)`: the consumer's group assigns its partitions.
    pub fn subscribe(&mut self, consumer: NodeId, topics: Vec<String>) -> Result<()> {
        self.apply(Action::Subscribe { consumer, topics }).map(|_| ())
    }

    pub fn seek(&mut self, consumer: NodeId, tp: &TopicPartition, offset: i64) -> Result<()> {
        let (topic, partition) = (tp.topic.clone(), tp.partition);
        self.apply(Action::Seek { consumer, topic, partition, offset }).map(|_| ())
    }

    pub fn assignment(&mut self, consumer: NodeId) -> Result<Vec<TopicPartition>> {
        Ok(self.consumer_mut(consumer)?.assignment())
    }

    /// `consumer.position(tp)`: like Kafka's, it waits (up to `default.api.timeout.ms`) for a position
    /// to be found when none is known yet.
    pub fn position(&mut self, consumer: NodeId, tp: &TopicPartition) -> Result<Offset> {
        let (topic, partition) = (tp.topic.clone(), tp.partition);
        match self.apply(Action::Position { consumer, topic, partition })? {
            Outcome::Position(offset) => Ok(offset),
            other => Err(unexpected(other)),
        }
    }

    /// `consumer.poll(timeout)`: waits until records (or an error) are there, or `timeout_ms` passes.
    pub fn poll(&mut self, consumer: NodeId, timeout_ms: u64) -> Result<Vec<ConsumerRecord>> {
        match self.apply(Action::Poll { consumer, timeout_ms })? {
            Outcome::Polled(records) => Ok(records),
            other => Err(unexpected(other)),
        }
    }

    /// `consumer.commitSync(offsets?)`: stores the offsets (or the consumer's positions) with the group's
    /// coordinator, waiting up to `default.api.timeout.ms`.
    pub fn commit_sync(
        &mut self,
        consumer: NodeId,
        offsets: Option<Vec<super::scenario::PartitionOffset>>,
    ) -> Result<()> {
        self.apply(Action::CommitSync { consumer, offsets }).map(|_| ())
    }

    /// Stops a client cleanly (`close()`).
    pub fn close_client(&mut self, id: NodeId) -> Result<()> {
        self.apply(Action::CloseClient { id }).map(|_| ())
    }

    /// The client process dies with its requests in flight.
    pub fn crash_client(&mut self, id: NodeId) -> Result<()> {
        self.apply(Action::CrashClient { id }).map(|_| ())
    }

    /// The broker process dies: memory lost, disk (including unflushed page cache) kept.
    pub fn crash_broker(&mut self, id: NodeId) -> Result<()> {
        self.apply(Action::CrashBroker { id }).map(|_| ())
    }

    /// `kafka-server-stop`: a controlled shutdown. The controller moves the broker's leaderships away (up
    /// to [`CONTROLLED_SHUTDOWN_TIMEOUT_MS`], as Kafka's retries), then the broker flushes and stops.
    pub fn stop_broker(&mut self, id: NodeId) -> Result<()> {
        self.apply(Action::StopBroker { id }).map(|_| ())
    }

    /// The broker's machine loses power: memory and unflushed records lost.
    pub fn power_loss(&mut self, id: NodeId) -> Result<()> {
        self.apply(Action::PowerLoss { id }).map(|_| ())
    }

    pub fn restart_broker(&mut self, id: NodeId) -> Result<()> {
        self.apply(Action::RestartBroker { id }).map(|_| ())
    }

    /// The controller process dies; its Raft log and vote stay on disk.
    pub fn crash_controller(&mut self, id: NodeId) -> Result<()> {
        self.apply(Action::CrashController { id }).map(|_| ())
    }

    pub fn restart_controller(&mut self, id: NodeId) -> Result<()> {
        self.apply(Action::RestartController { id }).map(|_| ())
    }

    /// A new broker joins; returns its id.
    pub fn add_broker(&mut self) -> Result<NodeId> {
        match self.apply(Action::AddBroker)? {
            Outcome::ClientId(id) => Ok(id),
            other => Err(unexpected(other)),
        }
    }

    /// A stop-the-world pause (a long GC): alive but silent for `ms`.
    pub fn pause_node(&mut self, id: NodeId, ms: u64) -> Result<()> {
        self.apply(Action::PauseNode { id, ms }).map(|_| ())
    }

    /// Each list is one side; every node not named (clients included) is on one more side, together.
    pub fn partition_network(&mut self, sides: Vec<Vec<NodeId>>) -> Result<()> {
        self.apply(Action::PartitionNetwork { sides }).map(|_| ())
    }

    pub fn heal_network(&mut self) -> Result<()> {
        self.apply(Action::HealNetwork).map(|_| ())
    }

    pub fn set_network(&mut self, network: NetworkConfig) -> Result<()> {
        self.apply(Action::SetNetwork { network }).map(|_| ())
    }

    /// Settings for one link (both ways), or `None` to use the network's again.
    pub fn set_link(&mut self, a: NodeId, b: NodeId, network: Option<NetworkConfig>) -> Result<()> {
        self.apply(Action::SetLink { a, b, network, one_way: false }).map(|_| ())
    }

    /// Settings for messages from `from` to `to` only (the other way keeps its own): an asymmetric fault,
    /// such as a cut that loses a broker's requests but not the answers to it.
    pub fn set_link_one_way(&mut self, from: NodeId, to: NodeId, network: Option<NetworkConfig>) -> Result<()> {
        self.apply(Action::SetLink { a: from, b: to, network, one_way: true }).map(|_| ())
    }

    // The executors.

    /// Sends an admin request and waits for its answer up to `default.api.timeout.ms`.
    fn exec_admin(&mut self, op: AdminOp) -> Result<()> {
        let admin = self.admin;
        let request = self
            .command(admin, |node, now, out| match node {
                Node::Admin(a) => Some(a.request(now, op, out)),
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
        result.unwrap_or_else(|| Err(franz_err!(RequestTimedOut, "The admin request got no answer in time")))
    }

    fn exec_add_producer(&mut self, config: ProducerConfig) -> Result<NodeId> {
        config.validate()?;
        let given = config.client_id.clone();
        self.add_client("producer", given, |id, client_id, brokers, rng| {
            let config = ProducerConfig { client_id: Some(client_id), ..config };
            Node::Producer(Producer::new(id, config, brokers, rng))
        })
    }

    fn exec_add_consumer(&mut self, config: ConsumerConfig) -> Result<NodeId> {
        config.validate()?;
        let given = config.client_id.clone();
        self.add_client("consumer", given, |id, client_id, brokers, _rng| {
            let config = ConsumerConfig { client_id: Some(client_id), ..config };
            Node::Consumer(Consumer::new(id, config, brokers))
        })
    }

    fn exec_stop_client(&mut self, id: NodeId, crashed: bool) -> Result<()> {
        match self.nodes.get(&id) {
            Some(Node::Producer(_) | Node::Consumer(_)) => {
                if !crashed {
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
                    let deadline = self.now_ms.saturating_add(timeout_ms);
                    self.run_until(deadline, |w| match w.nodes.get(&id) {
                        Some(Node::Consumer(c)) => c.is_closed(),
                        Some(Node::Producer(p)) => p.is_closed(),
                        _ => true,
                    });
                }
                self.record(id, TraceKind::ClientStopped { crashed });
                if let (false, Some(Node::Producer(p))) = (crashed, self.nodes.get_mut(&id)) {
                    // close() completed these sends: their outcomes stay readable, as Kafka's callbacks fire.
                    let results = p.take_results();
                    if !results.is_empty() {
                        self.closed_producer_results.insert(id, results);
                    }
                }
                self.remove_node(id);
                self.drop_in_flight(|_, to| to == id);
                Ok(())
            }
            _ => Err(franz_err!(InvalidRequest, "Client {id} is not running (closed already?)")),
        }
    }

    fn producer_mut(&mut self, id: NodeId) -> Result<&mut Producer> {
        match self.nodes.get_mut(&id) {
            Some(Node::Producer(p)) => Ok(p),
            _ => Err(franz_err!(InvalidRequest, "Producer {id} is not running; create a new one")),
        }
    }

    fn consumer_mut(&mut self, id: NodeId) -> Result<&mut Consumer> {
        match self.nodes.get_mut(&id) {
            Some(Node::Consumer(c)) => Ok(c),
            _ => Err(franz_err!(InvalidRequest, "Consumer {id} is not running; create a new one")),
        }
    }

    fn on_consumer(
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

    fn exec_send_async(&mut self, producer: NodeId, topic: String, records: Vec<ProducerRecord>) -> Result<u64> {
        self.producer_mut(producer)?;
        self.command(producer, |node, now, out| match node {
            Node::Producer(p) => p.send(now, topic, records, out),
            _ => Err(franz_err!(InvalidRequest, "Producer {producer} is not running")),
        })
        .unwrap_or_else(|| Err(franz_err!(InvalidRequest, "Producer {producer} is not running")))
    }

    fn exec_send(
        &mut self,
        producer: NodeId,
        topic: String,
        records: Vec<ProducerRecord>,
    ) -> Result<Vec<RecordMetadata>> {
        let delivery_timeout_ms = self.producer_mut(producer)?.config().delivery_timeout_ms;
        let request = self.exec_send_async(producer, topic, records)?;
        let deadline = self.now_ms.saturating_add(delivery_timeout_ms.saturating_add(1));
        let mut result = None;
        self.run_until(deadline, |w| {
            result = w.producer_mut(producer).ok().and_then(|p| p.take_result(request));
            result.is_some()
        });
        match result {
            Some(r) => r.result,
            None => Err(franz_err!(RequestTimedOut, "No outcome for the send within delivery.timeout.ms")),
        }
    }

    fn exec_position(&mut self, consumer: NodeId, tp: &TopicPartition) -> Result<Offset> {
        if let Some(p) = self.consumer_mut(consumer)?.position(tp)? {
            return Ok(p);
        }
        let deadline = self.now_ms.saturating_add(DEFAULT_API_TIMEOUT_MS);
        let mut found = None;
        self.run_until(deadline, |w| {
            found = w.consumer_mut(consumer).ok().and_then(|c| c.position(tp).transpose());
            found.is_some()
        });
        found.unwrap_or_else(|| Err(franz_err!(RequestTimedOut, "No position for {tp} within default.api.timeout.ms")))
    }

    fn exec_poll(&mut self, consumer: NodeId, timeout_ms: u64) -> Result<Vec<ConsumerRecord>> {
        if timeout_ms > RUN_FOR_MS_MAX {
            return Err(franz_err!(InvalidRequest, "poll waits at most {RUN_FOR_MS_MAX} ms, got {timeout_ms}"));
        }
        self.consumer_mut(consumer)?;
        self.command(consumer, |node, now, out| {
            if let Node::Consumer(c) = node {
                c.begin_poll(now, out);
            }
        });
        let deadline = self.now_ms.saturating_add(timeout_ms);
        self.run_until(deadline, |w| w.consumer_mut(consumer).is_ok_and(|c| c.has_poll_result()));
        self.command(consumer, |node, now, out| match node {
            Node::Consumer(c) => c.take_records(now, out),
            _ => Ok(Vec::new()),
        })
        .unwrap_or_else(|| Ok(Vec::new()))
    }

    fn exec_commit_sync(&mut self, consumer: NodeId, offsets: Option<Vec<(TopicPartition, Offset)>>) -> Result<()> {
        self.consumer_mut(consumer)?;
        let id = self
            .command(consumer, |node, now, out| match node {
                Node::Consumer(c) => c.commit(now, offsets, out),
                _ => Err(franz_err!(InvalidRequest, "Consumer {consumer} is not running")),
            })
            .unwrap_or_else(|| Err(franz_err!(InvalidRequest, "Consumer {consumer} is not running")))?;
        let deadline = self.now_ms.saturating_add(DEFAULT_API_TIMEOUT_MS + 1);
        let mut result = None;
        self.run_until(deadline, |w| {
            result = w.consumer_mut(consumer).ok().and_then(|c| c.take_commit_result(id));
            result.is_some()
        });
        result.unwrap_or_else(|| {
            Err(franz_err!(RequestTimedOut, "The commit got no answer within default.api.timeout.ms"))
        })
    }

    fn broker_mut(&mut self, id: NodeId) -> Result<&mut crate::broker::Broker> {
        match self.nodes.get_mut(&id) {
            Some(Node::Broker(b)) => Ok(b),
            _ => Err(franz_err!(InvalidRequest, "There is no broker {id}; brokers are {:?}", self.brokers)),
        }
    }

    fn exec_stop_broker(&mut self, id: NodeId) -> Result<()> {
        self.broker_mut(id)?;
        if self.crashed.contains(&id) {
            return Err(franz_err!(InvalidRequest, "Broker {id} is down already"));
        }
        self.command(id, |node, now, out| {
            if let Node::Broker(b) = node {
                b.request_controlled_shutdown(now, out);
            }
        });
        let deadline = self.now_ms.saturating_add(CONTROLLED_SHUTDOWN_TIMEOUT_MS);
        self.run_until(deadline, |w| w.broker(id).is_none_or(|b| b.controlled_shutdown_done()));
        if self.horizon_ms.is_some_and(|h| self.now_ms >= h)
            && !self.broker(id).is_none_or(|b| b.controlled_shutdown_done())
        {
            return Ok(()); // time travel stopped in the middle of the shutdown
        }
        if let Ok(b) = self.broker_mut(id) {
            b.flush_for_stop();
        }
        self.take_down_broker(id, false, TraceKind::BrokerStopped);
        Ok(())
    }

    fn exec_crash_broker(&mut self, id: NodeId, power_loss: bool) -> Result<()> {
        self.broker_mut(id)?;
        if self.crashed.contains(&id) && !power_loss {
            return Err(franz_err!(InvalidRequest, "Broker {id} is down already"));
        }
        self.take_down_broker(id, power_loss, TraceKind::BrokerCrashed { power_loss });
        Ok(())
    }

    /// The broker's process ends (its disk stays): crashed, powered off or stopped, as `why` says.
    fn take_down_broker(&mut self, id: NodeId, power_loss: bool, why: TraceKind) {
        let now_ms = self.now_ms;
        let Ok(broker) = self.broker_mut(id) else { return };
        let lost = broker.crash(power_loss, now_ms);
        self.crashed.insert(id);
        if power_loss {
            self.powered_off.insert(id);
        }
        self.timer_at_ms.remove(&id);
        self.paused_until_ms.remove(&id);
        // Connections to it are reset (its peers learn, unless the machine lost power: then it is silent,
        // and what it was sending is lost too).
        for (from, to, correlation_id) in self.drop_in_flight(|from, to| to == id || (power_loss && from == id)) {
            if to == id {
                self.refuse(id, from, correlation_id);
            }
        }
        self.record(id, why);
        for (tp, count) in lost {
            self.record(id, TraceKind::RecordsLostOnPowerLoss { topic: tp.topic, partition: tp.partition, count });
        }
    }

    fn exec_restart_broker(&mut self, id: NodeId) -> Result<()> {
        self.broker_mut(id)?;
        if !self.crashed.remove(&id) {
            return Err(franz_err!(InvalidRequest, "Broker {id} is running; crash it first"));
        }
        self.powered_off.remove(&id);
        self.record(id, TraceKind::BrokerRestarted);
        self.command(id, |node, now, _out| {
            if let Node::Broker(b) = node {
                b.restart(now);
            }
        });
        Ok(())
    }

    fn exec_crash_controller(&mut self, id: NodeId) -> Result<()> {
        if self.controller(id).is_none() {
            return Err(franz_err!(
                InvalidRequest,
                "There is no controller {id}; controllers are {:?}",
                self.controllers
            ));
        }
        if !self.crashed.insert(id) {
            return Err(franz_err!(InvalidRequest, "Controller {id} is down already"));
        }
        self.timer_at_ms.remove(&id);
        self.paused_until_ms.remove(&id);
        for (from, _, correlation_id) in self.drop_in_flight(|_, to| to == id) {
            self.refuse(id, from, correlation_id);
        }
        self.record(id, TraceKind::BrokerCrashed { power_loss: false });
        Ok(())
    }

    fn exec_restart_controller(&mut self, id: NodeId) -> Result<()> {
        if self.controller(id).is_none() {
            return Err(franz_err!(
                InvalidRequest,
                "There is no controller {id}; controllers are {:?}",
                self.controllers
            ));
        }
        if !self.crashed.remove(&id) {
            return Err(franz_err!(InvalidRequest, "Controller {id} is running; crash it first"));
        }
        self.record(id, TraceKind::BrokerRestarted);
        // A new run's election timeouts come from a stream of its own (the seed and the restart time).
        let rng = stream_rng(self.config.seed ^ self.now_ms, Stream::Actor(id));
        self.command(id, |node, now, _out| {
            if let Node::Controller(c) = node {
                c.restart(now, rng);
            }
        });
        Ok(())
    }

    /// `addBroker()`: the next free id joins, registers and (once unfenced) takes new partitions.
    fn exec_add_broker(&mut self) -> Result<NodeId> {
        if self.brokers.len() as u32 >= super::BROKERS_MAX {
            return Err(franz_err!(PolicyViolation, "Franz runs at most {} brokers", super::BROKERS_MAX));
        }
        let id = self.brokers.iter().max().copied().unwrap_or(0) + 1;
        self.start_broker(id);
        self.record(id, TraceKind::NodeAdded { role: String::from("broker") });
        Ok(id)
    }

    fn exec_pause(&mut self, id: NodeId, ms: u64) -> Result<()> {
        if !self.nodes.contains_key(&id) || self.crashed.contains(&id) {
            return Err(franz_err!(InvalidRequest, "Node {id} is not running"));
        }
        if ms > RUN_FOR_MS_MAX {
            return Err(franz_err!(InvalidRequest, "A pause lasts at most {RUN_FOR_MS_MAX} ms, got {ms}"));
        }
        let until = self.now_ms + ms;
        let current = self.paused_until_ms.get(&id).copied().unwrap_or(0);
        self.paused_until_ms.insert(id, until.max(current));
        self.record(id, TraceKind::NodePaused { ms });
        Ok(())
    }

    fn exec_partition(&mut self, sides: Vec<Vec<NodeId>>) -> Result<()> {
        if sides.is_empty() || sides.len() > PARTITION_SIDES_MAX {
            return Err(franz_err!(
                InvalidRequest,
                "A partition has 1 to {PARTITION_SIDES_MAX} sides, got {}",
                sides.len()
            ));
        }
        let mut seen = alloc::collections::BTreeSet::new();
        for &node in sides.iter().flatten() {
            if !self.brokers.contains(&node) && !self.controllers.contains(&node) {
                return Err(franz_err!(
                    InvalidRequest,
                    "Sides name brokers and controllers (brokers are {:?}, controllers {:?}); {node} is not one",
                    self.brokers,
                    self.controllers
                ));
            }
            if !seen.insert(node) {
                return Err(franz_err!(InvalidRequest, "Node {node} is on two sides"));
            }
        }
        self.network.partition(&sides);
        // What was in flight between the sides is lost, as a reset TCP connection loses it.
        let network = self.network.clone();
        self.drop_in_flight(|from, to| !network.connected(from, to));
        self.record(super::NO_NODE_NETWORK, TraceKind::NetworkPartitioned { sides });
        Ok(())
    }
}
