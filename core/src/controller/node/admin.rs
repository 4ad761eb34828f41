//! Admin requests at the active controller: create and delete topics, add partitions, alter configs,
//! reassign partitions and elect leaders, each checked and turned into metadata records.

use super::*;

impl Controller {
    pub(super) fn topic_config(&self, overrides: &ConfigMap) -> Result<TopicConfig> {
        let mut merged = self.config.topic_defaults.clone();
        merged.extend(overrides.iter().map(|(k, v)| (k.clone(), v.clone())));
        TopicConfig::parse(&merged)
    }

    pub(super) fn on_admin(
        &mut self,
        now_ms: u64,
        from: NodeId,
        correlation_id: CorrelationId,
        op: AdminOp,
        out: &mut Outbox,
    ) {
        if !self.is_active() {
            let reply = Reply::Admin { correlation_id, trace: Vec::new() };
            return self.wait_for_commit(None, from, reply, out);
        }
        let mut trace = Vec::new();
        // Brokers may create internal topics (`__consumer_offsets` on first use); clients may not.
        let internal_allowed = self.latest.brokers.contains_key(&from);
        match self.admin_records(op, internal_allowed, &mut trace) {
            Ok(records) => {
                let index = self.propose(now_ms, records, out);
                self.wait_for_commit(index, from, Reply::Admin { correlation_id, trace }, out);
                self.complete_reassignments(now_ms, None, out);
            }
            Err(e) => self.refuse(from, Reply::Admin { correlation_id, trace: Vec::new() }, e, out),
        }
    }

    /// Kafka's validations of topic administration, and the records that carry it out.
    pub(super) fn admin_records(
        &mut self,
        op: AdminOp,
        internal_allowed: bool,
        trace: &mut Vec<TraceKind>,
    ) -> Result<Vec<MetadataRecord>> {
        match op {
            AdminOp::CreateTopic { name, partitions, replication_factor, config } => {
                if name == "__cluster_metadata" {
                    // Kafka's `ControllerApis.createTopics` refuses only this internal name; Franz keeps the
                    // others too (the cluster creates `__consumer_offsets` with its own settings).
                    return Err(franz_err!(
                        InvalidRequest,
                        "Creation of internal topic __cluster_metadata is prohibited."
                    ));
                }
                if internal_allowed && is_internal_topic(&name) {
                    validate_topic_name(&name)?;
                } else {
                    user_topic(&name)?;
                }
                if self.latest.topics.contains_key(&name) {
                    return Err(franz_err!(TopicAlreadyExists, "Topic '{name}' already exists."));
                }
                // Kafka's Topic.hasCollision: '.' and '_' read the same in metric names.
                let unified = |n: &str| n.replace('.', "_");
                if let Some(other) = self.latest.topics.keys().find(|t| unified(t) == unified(&name)) {
                    return Err(franz_err!(
                        InvalidTopicException,
                        "Topic '{name}' collides with existing topic: {other} ('.' and '_' are the same in metric names)"
                    ));
                }
                if self.latest.topics.len() >= TOPICS_MAX {
                    return Err(franz_err!(
                        PolicyViolation,
                        "Franz keeps at most {TOPICS_MAX} topics; delete one first"
                    ));
                }
                if partitions == 0 || partitions > PARTITIONS_PER_TOPIC_MAX {
                    return Err(franz_err!(
                        InvalidPartitions,
                        "Number of partitions must be between 1 and {PARTITIONS_PER_TOPIC_MAX}, got {partitions}"
                    ));
                }
                self.topic_config(&config)?;
                let assignment = self.place_replicas(partitions, replication_factor)?;
                self.placed_within_bounds(&assignment)?;
                // The record's own offset in the metadata log, once committed: unique, and the same everywhere.
                let topic_id = self.latest.applied + 1;
                let mut records = alloc::vec![MetadataRecord::Topic { name: name.clone(), topic_id }];
                for (partition, (replicas, isr)) in assignment.into_iter().enumerate() {
                    let leader = replicas[0];
                    records.push(MetadataRecord::Partition {
                        topic: name.clone(),
                        partition: partition as u32,
                        replicas,
                        isr,
                        leader,
                    });
                }
                for (key, value) in crate::config::trimmed(&config) {
                    records.push(MetadataRecord::Config { topic: name.clone(), key, value: Some(value) });
                }
                trace.push(TraceKind::TopicCreated { topic: name, partitions, replication_factor });
                Ok(records)
            }
            AdminOp::DeleteTopic { name } => {
                // Kafka's `ControllerApis.deleteTopics` says so before it looks at any name (adversary 35).
                if !self.config.delete_topic_enable {
                    return Err(franz_err!(
                        TopicDeletionDisabled,
                        "Topic deletion is disabled (delete.topic.enable=false)."
                    ));
                }
                user_topic(&name)?;
                self.existing_topic(&name)?;
                trace.push(TraceKind::TopicDeleted { topic: name.clone() });
                Ok(alloc::vec![MetadataRecord::RemoveTopic { name }])
            }
            AdminOp::CreatePartitions { name, total_count } => {
                user_topic(&name)?;
                let topic = self.existing_topic(&name)?;
                // A moving partition lists its old and new replicas together, so its replica count is not the
                // topic's replication factor: refused, as ZooKeeper-era Kafka's createPartitions does (KRaft's
                // controller takes whichever partition it meets first, and can give the new ones six).
                if topic.partitions.iter().any(|p| p.target_replicas.is_some()) {
                    return Err(franz_err!(
                        ReassignmentInProgress,
                        "A partition reassignment is in progress for the topic '{name}'."
                    ));
                }
                let current = topic.partitions.len() as u32;
                let replication_factor = topic.partitions.first().map_or(1, |p| p.replicas.len() as u32);
                // KRaft's words (an adversary: the equal count read "higher than the requested").
                if total_count == current {
                    return Err(franz_err!(InvalidPartitions, "Topic already has {current} partition(s)."));
                }
                if total_count < current {
                    return Err(franz_err!(
                        InvalidPartitions,
                        "The topic {name} currently has {current} partition(s); {total_count} would not be an increase."
                    ));
                }
                if total_count > PARTITIONS_PER_TOPIC_MAX {
                    return Err(franz_err!(
                        InvalidPartitions,
                        "Franz keeps at most {PARTITIONS_PER_TOPIC_MAX} partitions a topic"
                    ));
                }
                let assignment = self.place_replicas(total_count - current, replication_factor)?;
                self.placed_within_bounds(&assignment)?;
                let records = assignment
                    .into_iter()
                    .enumerate()
                    .map(|(i, (replicas, isr))| MetadataRecord::Partition {
                        topic: name.clone(),
                        partition: current + i as u32,
                        leader: replicas[0],
                        isr,
                        replicas,
                    })
                    .collect();
                trace.push(TraceKind::PartitionsCreated { topic: name, from: current, to: total_count });
                Ok(records)
            }
            // Kafka lets an internal topic be reconfigured and moved (to retire the brokers it is on); only
            // creating, deleting and growing it belong to the cluster.
            AdminOp::AlterConfigs { name, changes } => {
                validate_topic_name(&name)?;
                let mut overrides = self.existing_topic(&name)?.config.clone();
                for (key, value) in &changes {
                    match value {
                        Some(v) => overrides.insert(key.clone(), String::from(v.trim())),
                        None => overrides.remove(key),
                    };
                }
                self.topic_config(&overrides)?;
                let records = changes
                    .iter()
                    .map(|(key, value)| MetadataRecord::Config {
                        topic: name.clone(),
                        key: key.clone(),
                        value: value.as_ref().map(|v| String::from(v.trim())),
                    })
                    .collect();
                let keys = changes.into_iter().map(|(k, _)| k).collect();
                trace.push(TraceKind::TopicConfigChanged { topic: name, keys });
                Ok(records)
            }
            AdminOp::ReassignPartitions { name, assignments } => {
                validate_topic_name(&name)?;
                let topic = self.existing_topic(&name)?;
                let mut records = Vec::new();
                let mut added_replicas = 0u64;
                for (partition, target) in assignments {
                    let p = topic.partitions.get(partition as usize).ok_or_else(|| {
                        franz_err!(UnknownTopicOrPartition, "Topic {name} has no partition {partition}")
                    })?;
                    let mut seen = Vec::new();
                    for &r in &target {
                        if !self.latest.brokers.contains_key(&r) {
                            return Err(franz_err!(InvalidReplicaAssignment, "Broker {r} is not registered"));
                        }
                        if seen.contains(&r) {
                            return Err(franz_err!(InvalidReplicaAssignment, "Broker {r} is listed twice"));
                        }
                        seen.push(r);
                    }
                    if target.is_empty() {
                        return Err(franz_err!(
                            InvalidReplicaAssignment,
                            "{name}-{partition} needs at least one replica"
                        ));
                    }
                    if target == p.replicas || p.target_replicas.as_ref() == Some(&target) {
                        continue;
                    }
                    // Kafka's way: the replica set is the target plus the replicas leaving, until the end.
                    let mut replicas = target.clone();
                    replicas.extend(p.replicas.iter().filter(|r| !target.contains(r)));
                    added_replicas += replicas.len().saturating_sub(p.replicas.len()) as u64;
                    let topic = name.clone();
                    trace.push(TraceKind::ReassignmentStarted {
                        topic: topic.clone(),
                        partition,
                        target: target.clone(),
                    });
                    records.push(MetadataRecord::PartitionChange {
                        topic: topic.clone(),
                        partition,
                        leader: None,
                        isr: None,
                        replicas: Some(replicas),
                    });
                    records.push(MetadataRecord::PartitionReassignment { topic, partition, target: Some(target) });
                }
                self.within_cluster_bounds(0, added_replicas)?;
                Ok(records)
            }
            AdminOp::ElectPreferredLeaders { name } => {
                if let Some(name) = &name {
                    self.existing_topic(name)?;
                }
                Ok(self.preferred_leader_changes(name.as_deref(), trace))
            }
        }
    }

    /// Replicas and ISR for new partitions. Placed over the unfenced brokers while there are enough; else
    /// KRaft's placer also counts the fenced (registered, down a moment): each partition is led by an unfenced
    /// broker, and the fenced replicas are outside the ISR until they are back and caught up. (An adversary:
    /// one broker of three down made `createTopic` with RF 3 fail, where Kafka creates it under-replicated.)
    fn place_replicas(&mut self, partitions: u32, replication_factor: u32) -> Result<Vec<(Vec<NodeId>, Vec<NodeId>)>> {
        let unfenced = self.latest.live_brokers();
        let assignment = if replication_factor as usize <= unfenced.len() {
            assign_replicas_random(&unfenced, partitions, replication_factor, &mut self.rng)?
        } else {
            let fenced: Vec<NodeId> = self.latest.brokers.iter().filter(|(_, r)| r.fenced).map(|(&id, _)| id).collect();
            crate::controller::placement::assign_replicas_with_fenced(
                &unfenced,
                &fenced,
                partitions,
                replication_factor,
                &mut self.rng,
            )?
        };
        Ok(assignment
            .into_iter()
            .map(|replicas| {
                let isr = replicas.iter().copied().filter(|r| unfenced.contains(r)).collect();
                (replicas, isr)
            })
            .collect())
    }

    /// [`Self::within_cluster_bounds`] with new partitions placed on these replicas.
    fn placed_within_bounds(&self, assignment: &[(Vec<NodeId>, Vec<NodeId>)]) -> Result<()> {
        let replicas = assignment.iter().map(|(r, _)| r.len() as u64).sum();
        self.within_cluster_bounds(assignment.len() as u64, replicas)
    }

    /// Franz's bounds on a cluster's partitions and replicas, with `partitions` and `replicas` more.
    fn within_cluster_bounds(&self, partitions: u64, replicas: u64) -> Result<()> {
        let all = self.latest.topics.values().flat_map(|t| &t.partitions);
        let (now_partitions, now_replicas) = all.fold((0u64, 0u64), |(p, r), x| (p + 1, r + x.replicas.len() as u64));
        let (want_partitions, want_replicas) = (now_partitions + partitions, now_replicas + replicas);
        if partitions > 0 && want_partitions > CLUSTER_PARTITIONS_MAX {
            return Err(franz_err!(
                PolicyViolation,
                "Franz keeps at most {CLUSTER_PARTITIONS_MAX} partitions in a cluster (every topic's); this would make {want_partitions}"
            ));
        }
        if replicas > 0 && want_replicas > CLUSTER_REPLICAS_MAX {
            return Err(franz_err!(
                PolicyViolation,
                "Franz keeps at most {CLUSTER_REPLICAS_MAX} partition replicas in a cluster; this would make {want_replicas}"
            ));
        }
        Ok(())
    }

    pub(super) fn existing_topic(&self, name: &str) -> Result<&crate::metadata::TopicImage> {
        self.latest
            .topics
            .get(name)
            .ok_or_else(|| franz_err!(UnknownTopicOrPartition, "This server does not host topic {name}"))
    }
}
