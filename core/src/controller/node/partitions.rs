//! Partition leadership at the active controller (KRaft's `ReplicationControlManager`): AlterPartition
//! requests checked against partition and broker epochs, preferred leader election, reassignments.

use super::*;

impl Controller {
    pub(super) fn unclean_allowed(&self, topic: &str) -> bool {
        let overrides = self.latest.topics.get(topic).map(|t| t.config.clone()).unwrap_or_default();
        self.topic_config(&overrides).is_ok_and(|c| c.unclean_leader_election_enable)
    }

    /// `auto.leader.rebalance.enable`: each partition goes back to its preferred (first) replica when that
    /// one is in the ISR and unfenced.
    pub(super) fn rebalance_leaders(&mut self, now_ms: u64, out: &mut Outbox) {
        self.last_rebalance_ms = now_ms;
        let mut trace = Vec::new();
        let records = self.preferred_leader_changes(None, &mut trace);
        trace.into_iter().for_each(|t| out.trace(t));
        self.propose(now_ms, records, out);
    }

    /// Kafka's periodic unclean election (`unclean.leader.election.interval.ms`): a partition left without a
    /// leader, of a topic that allows unclean elections (perhaps only since a config change), gets a live
    /// replica from outside its ISR, and loses what only its ISR held.
    pub(super) fn elect_unclean_leaders(&mut self, now_ms: u64, out: &mut Outbox) {
        self.last_unclean_check_ms = now_ms;
        let mut trace = Vec::new();
        let mut records = Vec::new();
        for (name, topic) in self.latest.topics.iter().filter(|(name, _)| self.unclean_allowed(name)) {
            for (i, p) in topic.partitions.iter().enumerate().filter(|(_, p)| p.leader == NO_NODE) {
                let election = elect_leader(&p.replicas, &p.isr, NO_NODE, |b| self.unfenced(b), true);
                records.extend(change(name, i as u32, p, election.leader, election.isr, election.unclean, &mut trace));
            }
        }
        trace.into_iter().for_each(|t| out.trace(t));
        if !records.is_empty() {
            self.propose(now_ms, records, out);
        }
    }

    /// Partitions (of `topic`, or all) whose preferred replica is in the ISR, unfenced and not leading.
    pub(super) fn preferred_leader_changes(
        &self,
        topic: Option<&str>,
        trace: &mut Vec<TraceKind>,
    ) -> Vec<MetadataRecord> {
        let mut records = Vec::new();
        for (name, t) in self.latest.topics.iter().filter(|(name, _)| topic.is_none_or(|n| n == name.as_str())) {
            for (i, p) in t.partitions.iter().enumerate() {
                let Some(&preferred) = p.replicas.first() else { continue };
                if p.leader != preferred && p.isr.contains(&preferred) && self.unfenced(preferred) {
                    records.extend(change(name, i as u32, p, preferred, p.isr.clone(), false, trace));
                }
            }
        }
        records
    }

    pub(super) fn on_alter_partition(&mut self, now_ms: u64, from: NodeId, request: AlterPartition, out: &mut Outbox) {
        let AlterPartition { correlation_id, topic, partition, leader_epoch, partition_epoch, isr, broker_epochs } =
            request;
        let reply = Reply::AlterPartition { correlation_id, topic: topic.clone(), partition };
        if !self.is_active() {
            return self.wait_for_commit(None, from, reply, out);
        }
        let checked = (|| {
            let p = self
                .latest
                .topics
                .get(&topic)
                .and_then(|t| t.partitions.get(partition as usize))
                .ok_or_else(|| franz_err!(UnknownTopicOrPartition, "{topic}-{partition} does not exist"))?;
            if p.leader != from || p.leader_epoch != leader_epoch {
                return Err(franz_err!(
                    FencedLeaderEpoch,
                    "Broker {from} at leader epoch {leader_epoch} is not the leader of {topic}-{partition} (epoch {})",
                    p.leader_epoch
                ));
            }
            if p.partition_epoch != partition_epoch {
                return Err(franz_err!(
                    InvalidUpdateVersion,
                    "{topic}-{partition} is at partition epoch {}, the request at {partition_epoch}",
                    p.partition_epoch
                ));
            }
            if !isr.contains(&from) || isr.iter().any(|r| !p.replicas.contains(r)) {
                return Err(franz_err!(InvalidRequest, "The ISR {isr:?} must hold the leader and only replicas"));
            }
            if let Some(&r) = isr.iter().find(|&&r| !p.isr.contains(&r) && !self.unfenced(r)) {
                return Err(franz_err!(IneligibleReplica, "Broker {r} is fenced and cannot join the ISR"));
            }
            // KIP-903: a member seen under another broker epoch has restarted since (its disk may be empty).
            // 0: the leader has not seen it fetch yet (Kafka's -1), nothing to check.
            for (&r, &epoch) in isr.iter().zip(&broker_epochs).filter(|(_, &e)| e != 0) {
                let current = self.latest.brokers.get(&r).map(|b| b.broker_epoch);
                if current != Some(epoch) {
                    return Err(franz_err!(
                        IneligibleReplica,
                        "Broker {r} was seen at broker epoch {epoch}, but its registration is at {current:?}: it restarted"
                    ));
                }
            }
            Ok(p.clone())
        })();
        match checked {
            Ok(p) => {
                let mut trace = Vec::new();
                let records = change(&topic, partition, &p, p.leader, isr, false, &mut trace);
                trace.into_iter().for_each(|t| out.trace(t));
                let index = self.propose(now_ms, records.into_iter().collect(), out);
                self.wait_for_commit(index, from, reply, out);
            }
            Err(e) => self.refuse(from, reply, e, out),
        }
    }

    /// Records that finish reassignments whose target replicas are all in the ISR: the replica set becomes
    /// the target, the ISR keeps only target replicas, and a leader outside the target hands over.
    /// `only`: the partitions just changed (nothing else can have become completable by them); a look at every
    /// partition after each ISR change made a restart at 20,000 partitions quadratic.
    pub(super) fn complete_reassignments(&mut self, now_ms: u64, only: Option<&[(String, u32)]>, out: &mut Outbox) {
        let mut trace = Vec::new();
        let mut records = Vec::new();
        let looked_at: Vec<(&String, usize)> = match only {
            Some(named) => named.iter().map(|(name, i)| (name, *i as usize)).collect(),
            None => self
                .latest
                .topics
                .iter()
                .flat_map(|(name, t)| (0..t.partitions.len()).map(move |i| (name, i)))
                .collect(),
        };
        let partitions = looked_at
            .into_iter()
            .filter_map(|(name, i)| Some((name, i, self.latest.topics.get(name)?.partitions.get(i)?)));
        for (name, i, p) in partitions {
            let Some(target) = &p.target_replicas else { continue };
            if !target.iter().all(|r| p.isr.contains(r)) {
                continue;
            }
            let isr: Vec<NodeId> = target.iter().copied().filter(|r| p.isr.contains(r)).collect();
            let leader = if target.contains(&p.leader) {
                p.leader
            } else {
                isr.iter().copied().find(|&r| self.unfenced(r)).unwrap_or(NO_NODE)
            };
            let leader_changed = leader != p.leader;
            let removes_replicas = p.replicas.iter().any(|r| !target.contains(r));
            let leader_epoch = if leader_changed || removes_replicas { p.leader_epoch + 1 } else { p.leader_epoch };
            let (topic, partition) = (name.clone(), i as u32);
            trace.push(TraceKind::PartitionChanged {
                topic: topic.clone(),
                partition,
                leader,
                leader_epoch,
                isr: isr.clone(),
                unclean: false,
            });
            records.push(MetadataRecord::PartitionChange {
                topic: topic.clone(),
                partition,
                leader: leader_changed.then_some(leader),
                isr: Some(isr),
                replicas: Some(target.clone()),
            });
            records.push(MetadataRecord::PartitionReassignment { topic, partition, target: None });
        }
        trace.into_iter().for_each(|t| out.trace(t));
        self.propose(now_ms, records, out);
    }
}
