//! Faults and the processes' lives: crash, stop (controlled shutdown), power loss and restart of brokers and
//! controllers, added brokers, pauses and network partitions.

use super::calls::{Call, Waiting};
use super::*;

impl World {
    pub(in crate::sim) fn broker_mut(&mut self, id: NodeId) -> Result<&mut crate::broker::Broker> {
        match self.nodes.get_mut(&id) {
            Some(Node::Broker(b)) => Ok(b.as_mut()),
            _ => Err(franz_err!(InvalidRequest, "There is no broker {id}; brokers are {:?}", self.brokers)),
        }
    }

    pub(in crate::sim) fn exec_stop_broker(&mut self, id: NodeId) -> Result<Call> {
        self.broker_mut(id)?;
        if self.crashed.contains(&id) {
            return Err(franz_err!(InvalidRequest, "Broker {id} is down already"));
        }
        // Stopping already (its stop call was cut): this call waits for that shutdown, as a second SIGTERM does.
        if let Some(going_on) = self.take_call_finishing(id) {
            return Ok(going_on);
        }
        self.command(id, |node, now, out| {
            if let Node::Broker(b) = node {
                b.request_controlled_shutdown(now, out);
            }
        });
        let deadline_ms = self.now_ms.saturating_add(CONTROLLED_SHUTDOWN_TIMEOUT_MS);
        Ok(Call::Wait(Waiting::ControlledShutdown { broker: id }, deadline_ms))
    }

    /// The broker stops once the controller moved its leaderships away, or the wait for that timed out.
    pub(in crate::sim) fn end_stopped_broker(&mut self, id: NodeId) {
        let controlled = self.broker(id).is_none_or(|b| b.controlled_shutdown_done());
        if let Ok(b) = self.broker_mut(id) {
            b.flush_for_stop();
        }
        self.take_down_broker(id, false, TraceKind::BrokerStopped { controlled });
        self.stopped.insert(id, controlled);
    }

    pub(in crate::sim) fn exec_crash_broker(&mut self, id: NodeId, power_loss: bool) -> Result<()> {
        self.broker_mut(id)?;
        if self.crashed.contains(&id) && !power_loss {
            return Err(franz_err!(InvalidRequest, "Broker {id} is down already"));
        }
        self.take_down_broker(id, power_loss, TraceKind::BrokerCrashed { power_loss });
        Ok(())
    }

    /// The broker's process ends (its disk stays): crashed, powered off or stopped, as `why` says.
    pub(in crate::sim) fn take_down_broker(&mut self, id: NodeId, power_loss: bool, why: TraceKind) {
        let now_ms = self.now_ms;
        let Ok(broker) = self.broker_mut(id) else { return };
        // Every replica's HW, a follower's too: the HW last given out, for views while no in-sync replica is
        // up (adversary 35: the last in-sync one a follower, the view fell 5 -> 0).
        let held = broker
            .topics()
            .values()
            .flat_map(|t| t.partitions.iter().map(|(&i, p)| ((id, t.topic_id, i), (p.leader_epoch, p.high_watermark))));
        let held: Vec<_> = held.collect();
        let lost = broker.crash(power_loss, now_ms);
        self.high_watermarks_at_crash.retain(|(b, _, _), _| *b != id);
        self.high_watermarks_at_crash.extend(held);
        self.crashed.insert(id);
        if power_loss {
            self.powered_off.insert(id);
        }
        self.timer_at_ms.remove(&id);
        self.paused_until_ms.remove(&id);
        // Connections to it are reset (its peers learn, unless the machine lost power: then it is silent,
        // and what it was sending is lost too).
        for (from, to, correlation_id) in
            self.drop_in_flight(LossCause::NodeDown, |from, to| to == id || (power_loss && from == id))
        {
            if to == id {
                self.refuse(id, from, correlation_id);
            }
        }
        if !power_loss {
            self.reset_connections(id);
        }
        self.record(id, why);
        for (tp, count) in lost {
            self.record(id, TraceKind::RecordsLostOnPowerLoss { topic: tp.topic, partition: tp.partition, count });
        }
    }

    pub(in crate::sim) fn exec_restart_broker(&mut self, id: NodeId) -> Result<()> {
        self.broker_mut(id)?;
        if !self.crashed.remove(&id) {
            return Err(franz_err!(InvalidRequest, "Broker {id} is running; crash it first"));
        }
        self.powered_off.remove(&id);
        self.stopped.remove(&id);
        self.record(id, TraceKind::BrokerRestarted);
        self.command(id, |node, now, _out| {
            if let Node::Broker(b) = node {
                b.restart(now);
            }
        });
        Ok(())
    }

    pub(in crate::sim) fn exec_crash_controller(&mut self, id: NodeId) -> Result<()> {
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
        for (from, _, correlation_id) in self.drop_in_flight(LossCause::NodeDown, |_, to| to == id) {
            self.refuse(id, from, correlation_id);
        }
        self.reset_connections(id);
        self.record(id, TraceKind::BrokerCrashed { power_loss: false });
        Ok(())
    }

    pub(in crate::sim) fn exec_restart_controller(&mut self, id: NodeId) -> Result<()> {
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
        // A new run's election timeouts come from a stream of its own (the seed and the restart time, counted
        // from the clock's start so that a cluster runs the same whenever it starts).
        let rng = stream_rng(self.config.seed ^ (self.now_ms - self.config.clock_start_ms), Stream::Actor(id));
        self.command(id, |node, now, _out| {
            if let Node::Controller(c) = node {
                c.restart(now, rng);
            }
        });
        Ok(())
    }

    /// `addBroker()`: the next free id joins, registers and (once unfenced) takes new partitions.
    pub(in crate::sim) fn exec_add_broker(&mut self) -> Result<NodeId> {
        if self.brokers.len() as u32 >= crate::sim::BROKERS_MAX {
            return Err(franz_err!(PolicyViolation, "Franz runs at most {} brokers", crate::sim::BROKERS_MAX));
        }
        let id = self.brokers.iter().max().copied().unwrap_or(0) + 1;
        self.start_broker(id);
        self.record(id, TraceKind::NodeAdded { role: String::from("broker") });
        Ok(id)
    }

    pub(in crate::sim) fn exec_pause(&mut self, id: NodeId, ms: u64) -> Result<()> {
        if !self.nodes.contains_key(&id) || self.crashed.contains(&id) {
            return Err(franz_err!(InvalidRequest, "Node {id} is not running"));
        }
        if ms > RUN_FOR_MS_MAX {
            return Err(franz_err!(InvalidRequest, "A pause lasts at most {RUN_FOR_MS_MAX} ms, got {ms}"));
        }
        let until = self.now_ms + ms;
        let current = self.paused_until_ms.get(&id).copied().unwrap_or(0);
        self.paused_until_ms.insert(id, until.max(current));
        // A paused client's application waits with it: its stream goes on at its rate after the pause, its
        // poll loop polls then, and a close going on ends no earlier (adversary 62: a paused client sent).
        if let Some(stream) = self.streams.get_mut(&id) {
            stream.pause(until.saturating_sub(current.max(self.now_ms)));
        }
        if let Some(poll_loop) = self.poll_loops.get_mut(&id) {
            poll_loop.next_ms = poll_loop.next_ms.max(until);
        }
        self.pause_call_finishing(id, until);
        self.record(id, TraceKind::NodePaused { ms });
        Ok(())
    }

    pub(in crate::sim) fn exec_partition(&mut self, sides: Vec<Vec<NodeId>>) -> Result<()> {
        if sides.is_empty() || sides.len() > PARTITION_SIDES_MAX {
            return Err(franz_err!(
                InvalidRequest,
                "A partition has 1 to {PARTITION_SIDES_MAX} sides, got {}",
                sides.len()
            ));
        }
        let mut seen = crate::vec_map::VecSet::new();
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
        self.drop_in_flight(LossCause::Partition, |from, to| !network.connected(from, to));
        self.record(crate::sim::NO_NODE_NETWORK, TraceKind::NetworkPartitioned { sides });
        // A new partition can join what the last one cut apart.
        self.reset_healed_connections();
        Ok(())
    }
}
