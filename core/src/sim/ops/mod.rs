//! What a user does to the world. Every change goes through [`World::apply`], which records the action for
//! `scenario()` and runs it; the typed methods below are conveniences over it. Blocking calls start the work
//! on a client actor, then advance virtual time until the result is there or Kafka's timeout for it passes,
//! so that a script reads like ordinary client code.

mod actions;
mod calls;
pub(in crate::sim) use calls::{PendingCall, Waiting};
mod faults;
mod replay;
pub use replay::Replay;
mod streams;

use crate::vec_map::VecMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::network::{LossCause, NetworkConfig, PARTITION_SIDES_MAX};
use super::rng::{stream_rng, Stream};
use super::scenario::{Action, Scenario, SCENARIO_VERSION, SCENARIO_VIRTUAL_MS_MAX};
use super::trace::{DropRate, TraceKind};
use super::{ClusterConfig, Node, World};
use crate::client::admin::DEFAULT_API_TIMEOUT_MS;
use crate::client::{Consumer, ConsumerConfig, ConsumerRecord, Producer, ProducerConfig, RecordMetadata, SendResult};
use crate::config::ConfigMap;
use crate::error::{FranzError, Result};
use crate::protocol::message::AdminOp;
use crate::types::{NodeId, Offset, ProducerRecord, TopicPartition};

/// A finished asynchronous send, as `producer.results()` lists it.
pub type SendOutcome = SendResult;

/// How long `stopBroker` waits for the controller to move leaderships away before stopping anyway: KRaft's
/// `BrokerServer.shutdown` waits five minutes for the controller's approval (an adversary: Franz gave up
/// after 30 s, as ZooKeeper-era retries did, without saying the shutdown was not controlled).
pub const CONTROLLED_SHUTDOWN_TIMEOUT_MS: u64 = 300_000;

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

/// (Named, not `Debug`-printed: printing an outcome's records cost the npm wasm 1 KB for a Franz bug.)
fn unexpected(outcome: Outcome) -> FranzError {
    let kind = match outcome {
        Outcome::Done => "Done",
        Outcome::Stepped(_) => "Stepped",
        Outcome::ClientId(_) => "ClientId",
        Outcome::Sent(_) => "Sent",
        Outcome::RequestId(_) => "RequestId",
        Outcome::Position(_) => "Position",
        Outcome::Polled(_) => "Polled",
    };
    franz_err!(UnknownServerError, "Franz bug: an action gave an unexpected outcome, {kind}")
}

impl Action {
    /// Actions whose refusals by their arguments come from checks made before they change anything (so a
    /// refused one that changed nothing measurable may go unrecorded; a blocking send or position that timed
    /// out moved the clock). Not a poll, whose refusal may hand over the error an earlier event left, nor an
    /// admin request, refused after its round trip to the controller.
    fn refused_before_it_acts(&self) -> bool {
        matches!(
            self,
            Action::AddProducer { .. }
                | Action::AddConsumer { .. }
                | Action::Send { .. }
                | Action::Seek { .. }
                | Action::Pause { .. }
                | Action::Position { .. }
                | Action::CloseClient { .. }
                | Action::CrashClient { .. }
                | Action::CrashBroker { .. }
                | Action::StopBroker { .. }
                | Action::PowerLoss { .. }
                | Action::RestartBroker { .. }
                | Action::CrashController { .. }
                | Action::RestartController { .. }
                | Action::AddBroker
                | Action::PauseNode { .. }
                | Action::PartitionNetwork { .. }
                | Action::SetLink { .. }
                | Action::SetNetwork { .. }
        )
    }
}

impl World {
    /// What changes whenever the world does (time, events, the trace, the history, clients made): equal
    /// before and after a call, the call changed nothing a replay could tell.
    fn change_count(&self) -> [u64; 6] {
        let (events, trace, history) = (self.events_dispatched, self.trace.len(), self.history.recorded());
        [self.now_ms, self.next_event_seq, events, trace, history, self.next_client_id as u64]
    }

    /// Records and runs one user action (a blocking call to its answer or timeout).
    pub fn apply(&mut self, action: Action) -> Result<Outcome> {
        let mut outcome = self.apply_for(action, u64::MAX);
        loop {
            match outcome {
                Some(outcome) => return outcome,
                None => outcome = self.continue_call(u64::MAX),
            }
        }
    }

    /// Checks, records and begins an action: a refusal before anything ran, or how it begun.
    fn begin_action(&mut self, action: Action) -> Result<(calls::Applied, Result<calls::Call>)> {
        self.finish_forming();
        if let Action::RunFor { ms } = action {
            if ms > RUN_FOR_MS_MAX {
                return Err(franz_err!(InvalidRequest, "runFor takes at most {RUN_FOR_MS_MAX} ms, got {ms}"));
            }
        }
        // Replaying to an instant (time travel) cuts what runs past it: the scenario this world records says
        // what it ran, a runFor only up to the instant. Drop rates are kept to a billionth, as recorded.
        let action = match (action, self.horizon_ms) {
            (Action::RunFor { ms }, Some(horizon_ms)) => {
                Action::RunFor { ms: ms.min(horizon_ms.saturating_sub(self.now_ms)) }
            }
            (Action::SetNetwork { network }, _) => Action::SetNetwork { network: network.normalized() },
            (Action::SetLink { a, b, network, one_way }, _) => {
                Action::SetLink { a, b, network: network.map(NetworkConfig::normalized), one_way }
            }
            (action, _) => action,
        };
        let applied = calls::Applied {
            run: matches!(action, Action::RunFor { .. }),
            step: matches!(action, Action::Step),
            checked_first: action.refused_before_it_acts(),
            recorded: self.actions.len(),
            before: self.change_count(),
        };
        self.record_action(&action);
        let call = self.execute(action);
        Ok((applied, call))
    }

    /// Ends an action with its outcome: what the scenario keeps of it.
    fn end_action(&mut self, applied: calls::Applied, outcome: Result<Outcome>) -> Result<Outcome> {
        let calls::Applied { recorded, before, checked_first, run, step } = applied;
        // A call refused by its arguments (no such broker, a config out of range) changed nothing: it leaves no
        // entry in the scenario (share links and drafts without the junk; replays run the same either way).
        if checked_first && outcome.is_err() && self.change_count() == before && self.actions.len() == recorded + 1 {
            if let Some(entry) = self.actions.pop() {
                self.actions_bytes -= super::action_json_bytes(&entry.action);
            }
            return outcome;
        }
        if self.actions_bytes > crate::sim::scenario::SCENARIO_JSON_BYTES_MAX {
            self.let_actions_go();
        }
        // A call that ran into the instant is recorded as cut off there, so that a run forked here replays
        // as it happened (the user's next action at this instant, not after the call's end). So is a step whose
        // event lies past it (it ran nothing: adversary 52, the fork's replay ran the event).
        let stepped_short = step && matches!(outcome, Ok(Outcome::Stepped(false)));
        let cut = |h: u64| !run && !self.actions_overflowed && (self.now_ms >= h || stepped_short);
        if let Some(horizon_ms) = self.horizon_ms.filter(|&h| cut(h)) {
            if let Some(entry) = self.actions.last_mut() {
                entry.cut_at_ms = Some(horizon_ms);
            }
        }
        outcome
    }

    fn execute(&mut self, action: Action) -> Result<calls::Call> {
        let outcome = match action {
            Action::RunFor { ms } => {
                self.advance(ms);
                Ok(Outcome::Done)
            }
            Action::Step => Ok(Outcome::Stepped(self.step_with_streams())),
            Action::CreateTopic { name, partitions, replication_factor, config } => {
                let default = self.broker_config.default_replication_factor;
                let replication_factor =
                    replication_factor.or(default).unwrap_or_else(|| (self.brokers.len() as u32).min(3));
                return self.exec_admin(AdminOp::CreateTopic { name, partitions, replication_factor, config });
            }
            Action::DeleteTopic { name } => return self.exec_admin(AdminOp::DeleteTopic { name }),
            Action::CreatePartitions { name, total_count } => {
                return self.exec_admin(AdminOp::CreatePartitions { name, total_count });
            }
            Action::AlterTopicConfig { name, config } => {
                let changes = config.into_iter().collect();
                return self.exec_admin(AdminOp::AlterConfigs { name, changes });
            }
            Action::ReassignPartitions { name, assignments } => {
                let assignments = assignments.into_iter().collect();
                return self.exec_admin(AdminOp::ReassignPartitions { name, assignments });
            }
            Action::ElectPreferredLeaders { name } => {
                return self.exec_admin(AdminOp::ElectPreferredLeaders { name });
            }
            Action::AddProducer { config } => self.exec_add_producer(config).map(Outcome::ClientId),
            Action::Send { producer, topic, records, wait: false } => {
                self.exec_send_async(producer, topic, records).map(Outcome::RequestId)
            }
            Action::Send { producer, topic, records, wait: true } => {
                return self.exec_send(producer, topic, records);
            }
            Action::Stream { producer, topic, records_per_sec, key, value } => {
                let spec = crate::sim::stream::StreamSpec { topic, records_per_sec, key, value };
                self.exec_stream(producer, spec).map(|_| Outcome::Done)
            }
            Action::StopStream { producer } => self.exec_stop_stream(producer).map(|_| Outcome::Done),
            Action::PollLoop { consumer, interval_ms } => {
                self.exec_poll_loop(consumer, interval_ms).map(|_| Outcome::Done)
            }
            Action::StopPollLoop { consumer } => self.exec_stop_poll_loop(consumer).map(|_| Outcome::Done),
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
                return self.exec_position(consumer, TopicPartition::new(topic, partition));
            }
            Action::Poll { consumer, timeout_ms } => return self.exec_poll(consumer, timeout_ms),
            Action::CommitSync { consumer, offsets } => {
                let offsets = offsets.map(|list| {
                    list.into_iter().map(|o| (TopicPartition::new(o.topic, o.partition), o.offset)).collect()
                });
                return self.exec_commit_sync(consumer, offsets);
            }
            Action::CloseClient { id } => return self.exec_stop_client(id, false),
            Action::CrashClient { id } => return self.exec_stop_client(id, true),
            Action::CrashBroker { id } => self.exec_crash_broker(id, false).map(|_| Outcome::Done),
            Action::StopBroker { id } => return self.exec_stop_broker(id),
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
                    self.reset_healed_connections();
                }
                Ok(Outcome::Done)
            }
            Action::SetLink { a, b, network, one_way } => {
                for id in [a, b] {
                    if !self.names.contains_key(&id) || id == super::NO_NODE_NETWORK {
                        return Err(franz_err!(InvalidRequest, "There is no node {id}"));
                    }
                }
                if a == b {
                    return Err(franz_err!(InvalidRequest, "A link joins two nodes: node {a} has no link to itself"));
                }
                self.network.set_link(a, b, network, one_way)?;
                self.record(super::NO_NODE_NETWORK, TraceKind::LinkChanged { a, b, network, one_way });
                self.reset_healed_connections();
                Ok(Outcome::Done)
            }
            Action::SetNetwork { network } => {
                self.network.set_config(network)?;
                let NetworkConfig { latency_ms, jitter_ms, drop_rate } = network;
                self.record(
                    super::NO_NODE_NETWORK,
                    TraceKind::NetworkChanged { latency_ms, jitter_ms, drop_rate: DropRate(drop_rate) },
                );
                self.reset_healed_connections();
                Ok(Outcome::Done)
            }
        };
        outcome.map(calls::Call::Now)
    }

    /// Runs every event up to `now + ms` (at most a day per call), then sets the clock there.
    pub fn run_for(&mut self, ms: u64) {
        let _ = self.apply(Action::RunFor { ms: ms.min(RUN_FOR_MS_MAX) });
    }

    /// Runs one event; `false` when nothing is scheduled.
    pub fn step(&mut self) -> bool {
        matches!(self.apply(Action::Step), Ok(Outcome::Stepped(true)))
    }

    /// `AdminClient.createTopics`: waits for the answer up to `default.api.timeout.ms`.
    /// `replication_factor: None` means `default.replication.factor`, unset min(3, brokers) (Kafka's: 1).
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
    pub fn alter_topic_config(&mut self, name: &str, config: VecMap<String, Option<String>>) -> Result<()> {
        self.apply(Action::AlterTopicConfig { name: String::from(name), config }).map(|_| ())
    }

    /// `AdminClient.alterPartitionReassignments`: each listed partition moves to the given brokers (the
    /// call returns once the move started; it ends when the new replicas are in the ISR).
    pub fn reassign_partitions(&mut self, name: &str, assignments: VecMap<u32, Vec<NodeId>>) -> Result<()> {
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

    /// Finished asynchronous sends not yet reported; after `close()`, those it completed, then none. (A read:
    /// the world's future does not depend on it.)
    pub fn producer_results(&mut self, producer: NodeId) -> Result<Vec<SendOutcome>> {
        if let Some(results) = self.closed_producer_results.get_mut(&producer) {
            return Ok(core::mem::take(results));
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
    /// to `CONTROLLED_SHUTDOWN_TIMEOUT_MS`, as Kafka's retries), then the broker flushes and stops.
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
}
