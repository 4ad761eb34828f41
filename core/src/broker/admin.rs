//! Topic administration as the broker (standing in for the controller until issue 5) decides it, with
//! Kafka's validations and error names.

use alloc::string::String;
use alloc::vec::Vec;

use super::{Broker, Partition, Topic, PARTITIONS_PER_TOPIC_MAX, TOPICS_MAX};
use crate::config::{ConfigMap, TopicConfig};
use crate::error::Result;
use crate::message::{AdminOp, Outbox};
use crate::sim::history::Op;
use crate::sim::trace::TraceKind;
use crate::types::{is_internal_topic, validate_topic_name};

impl Broker {
    pub(super) fn on_admin(&mut self, op: AdminOp, now_ms: u64, out: &mut Outbox) -> Result<()> {
        match op {
            AdminOp::CreateTopic { name, partitions, replication_factor, config } => {
                self.create_topic(&name, partitions, replication_factor, &config, now_ms, out)
            }
            AdminOp::DeleteTopic { name } => self.delete_topic(&name, out),
            AdminOp::CreatePartitions { name, total_count } => self.create_partitions(&name, total_count, now_ms, out),
            AdminOp::AlterConfigs { name, changes } => self.alter_configs(&name, &changes, out),
        }
    }

    /// The effective config of a topic with `overrides`: broker defaults, then the topic's own.
    fn topic_config(&self, overrides: &ConfigMap) -> Result<TopicConfig> {
        let mut merged = self.config.topic_defaults.clone();
        merged.extend(overrides.iter().map(|(k, v)| (k.clone(), v.clone())));
        TopicConfig::parse(&merged)
    }

    fn user_topic(name: &str) -> Result<()> {
        validate_topic_name(name)?;
        if is_internal_topic(name) {
            return Err(franz_err!(
                InvalidTopicException,
                "Topic \"{name}\" is internal (names starting with \"__\" belong to the cluster)"
            ));
        }
        Ok(())
    }

    fn existing_topic(&mut self, name: &str) -> Result<&mut Topic> {
        self.topics
            .get_mut(name)
            .ok_or_else(|| franz_err!(UnknownTopicOrPartition, "This server does not host topic {name}"))
    }

    fn create_topic(
        &mut self,
        name: &str,
        partitions: u32,
        replication_factor: u32,
        overrides: &ConfigMap,
        now_ms: u64,
        out: &mut Outbox,
    ) -> Result<()> {
        Self::user_topic(name)?;
        if self.topics.contains_key(name) {
            return Err(franz_err!(TopicAlreadyExists, "Topic '{name}' already exists."));
        }
        if self.topics.len() >= TOPICS_MAX {
            return Err(franz_err!(PolicyViolation, "Franz keeps at most {TOPICS_MAX} topics; delete one first"));
        }
        if partitions == 0 || partitions > PARTITIONS_PER_TOPIC_MAX {
            return Err(franz_err!(
                InvalidPartitions,
                "Number of partitions must be between 1 and {PARTITIONS_PER_TOPIC_MAX}, got {partitions}"
            ));
        }
        let brokers = self.cluster_brokers.len() as u32;
        if replication_factor == 0 || replication_factor > brokers {
            return Err(franz_err!(
                InvalidReplicationFactor,
                "Unable to replicate the partition {replication_factor} time(s): the target replication factor \
                 of {replication_factor} cannot be reached because only {brokers} broker(s) are registered"
            ));
        }
        let config = self.topic_config(overrides)?;
        let partitions_vec = (0..partitions).map(|_| Partition::new(self.id, now_ms)).collect();
        let topic = Topic { config_overrides: crate::config::trimmed(overrides), config, partitions: partitions_vec };
        self.topics.insert(String::from(name), topic);
        out.trace(TraceKind::TopicCreated { topic: String::from(name), partitions, replication_factor });
        Ok(())
    }

    fn delete_topic(&mut self, name: &str, out: &mut Outbox) -> Result<()> {
        Self::user_topic(name)?;
        self.existing_topic(name)?;
        self.topics.remove(name);
        out.trace(TraceKind::TopicDeleted { topic: String::from(name) });
        out.history(Op::TopicDeleted { topic: String::from(name) });
        Ok(())
    }

    /// Kafka's CreatePartitions: only ever more partitions; existing ones are untouched.
    fn create_partitions(&mut self, name: &str, total_count: u32, now_ms: u64, out: &mut Outbox) -> Result<()> {
        Self::user_topic(name)?;
        let id = self.id;
        let topic = self.existing_topic(name)?;
        let current = topic.partitions.len() as u32;
        if total_count <= current {
            return Err(franz_err!(
                InvalidPartitions,
                "Topic currently has {current} partitions, which is higher than the requested {total_count}."
            ));
        }
        if total_count > PARTITIONS_PER_TOPIC_MAX {
            return Err(franz_err!(
                InvalidPartitions,
                "Franz keeps at most {PARTITIONS_PER_TOPIC_MAX} partitions a topic"
            ));
        }
        topic.partitions.extend((current..total_count).map(|_| Partition::new(id, now_ms)));
        out.trace(TraceKind::PartitionsCreated { topic: String::from(name), from: current, to: total_count });
        Ok(())
    }

    /// Kafka's IncrementalAlterConfigs: `Some(value)` sets a key, `None` removes the override.
    fn alter_configs(&mut self, name: &str, changes: &[(String, Option<String>)], out: &mut Outbox) -> Result<()> {
        Self::user_topic(name)?;
        let mut overrides = self.existing_topic(name)?.config_overrides.clone();
        for (key, value) in changes {
            match value {
                Some(v) => overrides.insert(key.clone(), String::from(v.trim())),
                None => overrides.remove(key),
            };
        }
        let config = self.topic_config(&overrides)?;
        let topic = self.existing_topic(name)?;
        topic.config = config;
        topic.config_overrides = overrides;
        let keys: Vec<String> = changes.iter().map(|(k, _)| k.clone()).collect();
        out.trace(TraceKind::TopicConfigChanged { topic: String::from(name), keys });
        Ok(())
    }
}
