//! Broker liveness at the active controller (KRaft's `BrokerHeartbeatManager`): registrations, heartbeats,
//! unfencing once a broker has caught up, fencing a silent one and moving its leaderships, controlled shutdown.

use super::*;

impl Controller {
    pub(super) fn unfenced(&self, broker: NodeId) -> bool {
        self.latest.brokers.get(&broker).is_some_and(|r| !r.fenced)
    }

    /// Records that move partitions off `broker` (fenced, or re-registered as a new incarnation): it leaves
    /// every ISR (never emptying one) and loses its leaderships to the next eligible replica.
    pub(super) fn leave_partitions(&self, broker: NodeId, trace: &mut Vec<TraceKind>) -> Vec<MetadataRecord> {
        let alive = |b: NodeId| b != broker && self.unfenced(b);
        let mut records = Vec::new();
        for (name, topic) in &self.latest.topics {
            let unclean = self.unclean_allowed(name);
            for (i, p) in topic.partitions.iter().enumerate() {
                if !p.isr.contains(&broker) && p.leader != broker {
                    continue;
                }
                let isr = isr_without(&p.isr, broker);
                let current = if p.leader == broker { NO_NODE } else { p.leader };
                let election = elect_leader(&p.replicas, &isr, current, alive, unclean);
                records.extend(change(name, i as u32, p, election.leader, election.isr, election.unclean, trace));
            }
        }
        records
    }

    /// Partitions without a leader that `broker`, now unfenced, can lead.
    pub(super) fn elect_leaderless(&self, broker: NodeId, trace: &mut Vec<TraceKind>) -> Vec<MetadataRecord> {
        let alive = |b: NodeId| b == broker || self.unfenced(b);
        let mut records = Vec::new();
        for (name, topic) in &self.latest.topics {
            let unclean = self.unclean_allowed(name);
            for (i, p) in topic.partitions.iter().enumerate() {
                if p.leader != NO_NODE || !p.replicas.contains(&broker) {
                    continue;
                }
                let election = elect_leader(&p.replicas, &p.isr, NO_NODE, alive, unclean);
                records.extend(change(name, i as u32, p, election.leader, election.isr, election.unclean, trace));
            }
        }
        records
    }

    pub(super) fn on_registration(
        &mut self,
        now_ms: u64,
        from: NodeId,
        correlation_id: CorrelationId,
        incarnation: u64,
        out: &mut Outbox,
    ) {
        let reply = Reply::Registration { correlation_id };
        if !self.is_active() {
            return self.wait_for_commit(None, from, reply, out);
        }
        if self.latest.brokers.get(&from).is_some_and(|r| r.incarnation == incarnation) {
            // A retry: the registration is written already.
            let index = self.raft.last_log_index();
            return self.wait_for_commit(Some(index), from, reply, out);
        }
        let mut trace = Vec::new();
        let mut records = self.leave_partitions(from, &mut trace);
        records.push(MetadataRecord::RegisterBroker { broker: from, incarnation });
        self.last_heartbeat_ms.insert(from, now_ms);
        trace.push(TraceKind::BrokerRegistered { broker: from, incarnation });
        trace.into_iter().for_each(|t| out.trace(t));
        let index = self.propose(now_ms, records, out);
        self.wait_for_commit(index, from, reply, out);
    }

    pub(super) fn on_heartbeat(&mut self, now_ms: u64, from: NodeId, incarnation: u64) -> Result<bool> {
        if !self.is_active() {
            return Err(self.not_controller());
        }
        let Some(registration) = self.latest.brokers.get(&from) else {
            return Err(franz_err!(StaleBrokerEpoch, "Broker {from} is not registered; it must register first"));
        };
        if registration.incarnation != incarnation {
            return Err(franz_err!(StaleBrokerEpoch, "Broker {from} heartbeated with an old incarnation"));
        }
        self.last_heartbeat_ms.insert(from, now_ms);
        Ok(registration.fenced)
    }

    /// Unfences a fenced broker whose heartbeat shows it caught up with the log up to its registration.
    pub(super) fn maybe_unfence(&mut self, now_ms: u64, broker: NodeId, metadata_offset: u64, out: &mut Outbox) {
        let committed = self.image.brokers.get(&broker).map(|r| r.incarnation);
        let latest = self.latest.brokers.get(&broker).map(|r| (r.incarnation, r.fenced));
        let Some((incarnation, true)) = latest else { return };
        if committed != Some(incarnation) {
            return; // the registration is not committed yet
        }
        // Caught up: it has applied the log up to its own registration (its broker epoch), which a new
        // controller knows from the log as well as the old one did.
        let needed = self.latest.brokers.get(&broker).map_or(u64::MAX, |r| r.broker_epoch);
        if metadata_offset < needed {
            return;
        }
        let mut trace = alloc::vec![TraceKind::BrokerUnfenced { broker }];
        let mut records = alloc::vec![MetadataRecord::UnfenceBroker { broker }];
        // Elect as if the broker were unfenced already.
        self.latest.brokers.entry(broker).and_modify(|r| r.fenced = false);
        records.extend(self.elect_leaderless(broker, &mut trace));
        self.latest.brokers.entry(broker).and_modify(|r| r.fenced = true);
        trace.into_iter().for_each(|t| out.trace(t));
        self.propose(now_ms, records, out);
    }

    /// Kafka's controlled shutdown: the broker is fenced, leaves every ISR it need not stay in, and its
    /// leaderships move to other ISR members, before it stops.
    pub(super) fn controlled_shutdown(&mut self, now_ms: u64, broker: NodeId, out: &mut Outbox) {
        let mut trace = alloc::vec![TraceKind::ControlledShutdown { broker }];
        let mut records = self.leave_partitions(broker, &mut trace);
        records.insert(0, MetadataRecord::FenceBroker { broker });
        trace.into_iter().for_each(|t| out.trace(t));
        self.propose(now_ms, records, out);
    }

    /// Kafka's `maybeFenceOneStaleBroker`: the broker silent longest, and one at a time; the next is looked
    /// at as a new event, after what arrived meanwhile. An active controller back from a pause (or a long
    /// stall) thus hears the heartbeats that waited for it before it fences another broker, where fencing
    /// every broker at once dropped every ISR to one replica, and one failure then lost acknowledged
    /// writes (found by an adversary: a 10 s pause of the active controller).
    pub(super) fn fence_silent_brokers(&mut self, now_ms: u64, out: &mut Outbox) {
        if now_ms < self.fence_check_not_before_ms {
            return;
        }
        let timeout = self.config.broker_session_timeout_ms;
        let silent = self
            .latest
            .brokers
            .iter()
            .filter(|(_, r)| !r.fenced)
            .map(|(&b, _)| (self.last_heartbeat_ms.get(&b).copied(), b))
            .filter(|&(last, _)| last.is_none_or(|t| now_ms >= t + timeout))
            .min();
        let Some((_, broker)) = silent else { return };
        let mut trace = alloc::vec![TraceKind::BrokerFenced { broker, silent_ms: timeout }];
        let mut records = self.leave_partitions(broker, &mut trace);
        records.insert(0, MetadataRecord::FenceBroker { broker });
        trace.into_iter().for_each(|t| out.trace(t));
        self.propose(now_ms, records, out);
        self.fence_check_not_before_ms = now_ms + 1;
    }
}
