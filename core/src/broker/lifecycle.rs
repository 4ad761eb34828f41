//! A broker's life with the controllers: it registers (and starts fenced), heartbeats every
//! `broker.heartbeat.interval.ms`, reads the metadata log (a long-polling MetadataFetch) and applies each
//! record to its image, then makes its replicas match: create or delete logs, lead or follow.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::{Broker, Partition, Topic};
use crate::config::TopicConfig;
use crate::controller::metadata::MetadataRecord;
use crate::error::{ErrorCode, FranzError, Result};
use crate::message::{CorrelationId, Message, Outbox};
use crate::sim::trace::TraceKind;
use crate::types::{NodeId, TopicPartition, NO_NODE};

/// How long a broker waits for a controller's answer before asking another.
pub const CONTROLLER_REQUEST_TIMEOUT_MS: u64 = 2_000;
/// How long the controller may hold a MetadataFetch with nothing new.
pub const METADATA_FETCH_MAX_WAIT_MS: u64 = 1_000;
/// Pause before asking another controller after a refusal (no leader yet, or not the leader).
pub const CONTROLLER_RETRY_BACKOFF_MS: u64 = 100;

/// Requests to the controller quorum and where they stand.
#[derive(Clone, Debug)]
pub(super) struct ControllerChannel {
    controllers: Vec<NodeId>,
    /// Which controller this broker believes active (rotated on refusal or silence).
    current: usize,
    pub(super) registered: bool,
    pub(super) fenced: bool,
    registration: Option<(CorrelationId, u64)>,
    heartbeat: Option<(CorrelationId, u64)>,
    metadata_fetch: Option<(CorrelationId, u64)>,
    next_heartbeat_ms: u64,
    backoff_until_ms: u64,
}

impl ControllerChannel {
    pub(super) fn new(controllers: Vec<NodeId>) -> ControllerChannel {
        ControllerChannel {
            controllers,
            current: 0,
            registered: false,
            fenced: true,
            registration: None,
            heartbeat: None,
            metadata_fetch: None,
            next_heartbeat_ms: 0,
            backoff_until_ms: 0,
        }
    }

    /// A crash: every request in flight is forgotten; the broker registers again.
    pub(super) fn reset(&mut self) {
        *self = ControllerChannel::new(core::mem::take(&mut self.controllers));
    }

    pub(super) fn controller(&self) -> NodeId {
        self.controllers.get(self.current % self.controllers.len().max(1)).copied().unwrap_or(NO_NODE)
    }

    pub(super) fn rotate(&mut self, now_ms: u64) {
        self.current = self.current.wrapping_add(1);
        self.backoff_until_ms = now_ms + CONTROLLER_RETRY_BACKOFF_MS;
    }

    pub(super) fn next_timer_ms(&self) -> Option<u64> {
        let deadlines = [self.registration, self.heartbeat, self.metadata_fetch].into_iter().flatten().map(|(_, d)| d);
        let idle = if self.registration.is_none() && !self.registered {
            Some(self.backoff_until_ms)
        } else if self.registered {
            let heartbeat = self.heartbeat.is_none().then_some(self.next_heartbeat_ms.max(self.backoff_until_ms));
            let fetch = self.metadata_fetch.is_none().then_some(self.backoff_until_ms);
            heartbeat.into_iter().chain(fetch).min()
        } else {
            None
        };
        deadlines.chain(idle).min()
    }
}

impl Broker {
    /// Sends what the controller channel owes: registration, heartbeat, metadata fetch; then the
    /// follower fetches. Called after every event.
    pub(super) fn drive(&mut self, now_ms: u64, out: &mut Outbox) {
        self.expire_controller_requests(now_ms);
        let controller = self.channel.controller();
        if now_ms >= self.channel.backoff_until_ms {
            if !self.channel.registered {
                if self.channel.registration.is_none() {
                    let correlation_id = self.next_correlation_id();
                    let incarnation = self.incarnation;
                    out.send(controller, Message::BrokerRegistrationRequest { correlation_id, incarnation });
                    self.channel.registration = Some((correlation_id, now_ms + CONTROLLER_REQUEST_TIMEOUT_MS));
                }
            } else {
                if self.channel.heartbeat.is_none() && now_ms >= self.channel.next_heartbeat_ms {
                    self.send_heartbeat(now_ms, out);
                }
                if self.channel.metadata_fetch.is_none() {
                    let correlation_id = self.next_correlation_id();
                    let offset = self.image.applied;
                    let max_wait_ms = METADATA_FETCH_MAX_WAIT_MS;
                    out.send(controller, Message::MetadataFetchRequest { correlation_id, offset, max_wait_ms });
                    let deadline = now_ms + max_wait_ms + CONTROLLER_REQUEST_TIMEOUT_MS;
                    self.channel.metadata_fetch = Some((correlation_id, deadline));
                }
            }
        }
        self.send_replica_fetches(now_ms, out);
    }

    fn send_heartbeat(&mut self, now_ms: u64, out: &mut Outbox) {
        let correlation_id = self.next_correlation_id();
        let (incarnation, metadata_offset) = (self.incarnation, self.image.applied);
        let to = self.channel.controller();
        out.send(to, Message::BrokerHeartbeatRequest { correlation_id, incarnation, metadata_offset });
        self.channel.heartbeat = Some((correlation_id, now_ms + CONTROLLER_REQUEST_TIMEOUT_MS));
        self.channel.next_heartbeat_ms = now_ms + self.config.broker_heartbeat_interval_ms;
    }

    /// A controller that does not answer in time is given up on: the next one is asked.
    fn expire_controller_requests(&mut self, now_ms: u64) {
        let c = &mut self.channel;
        let mut expired = false;
        for slot in [&mut c.registration, &mut c.heartbeat, &mut c.metadata_fetch] {
            if slot.is_some_and(|(_, deadline)| now_ms >= deadline) {
                *slot = None;
                expired = true;
            }
        }
        if expired {
            c.rotate(now_ms);
        }
    }

    /// A refusal (`NOT_CONTROLLER`, no leader): ask the next controller after a short backoff.
    fn controller_refused(&mut self, now_ms: u64, error: &FranzError) {
        if error.code == ErrorCode::StaleBrokerEpoch {
            self.channel.registered = false;
            self.channel.fenced = true;
        }
        self.channel.rotate(now_ms);
    }

    pub(super) fn on_registration_response(
        &mut self,
        now_ms: u64,
        correlation_id: CorrelationId,
        result: Result<()>,
        out: &mut Outbox,
    ) {
        if self.channel.registration.is_none_or(|(id, _)| id != correlation_id) {
            return;
        }
        self.channel.registration = None;
        match result {
            Ok(()) => {
                self.channel.registered = true;
                self.channel.fenced = true;
                self.channel.next_heartbeat_ms = now_ms;
                self.drive(now_ms, out);
            }
            Err(e) => self.controller_refused(now_ms, &e),
        }
    }

    pub(super) fn on_heartbeat_response(
        &mut self,
        now_ms: u64,
        correlation_id: CorrelationId,
        result: Result<bool>,
        _out: &mut Outbox,
    ) {
        if self.channel.heartbeat.is_none_or(|(id, _)| id != correlation_id) {
            return;
        }
        self.channel.heartbeat = None;
        match result {
            Ok(fenced) => self.channel.fenced = fenced,
            Err(e) => self.controller_refused(now_ms, &e),
        }
    }

    pub(super) fn on_metadata_fetch_response(
        &mut self,
        now_ms: u64,
        correlation_id: CorrelationId,
        result: Result<Vec<MetadataRecord>>,
        out: &mut Outbox,
    ) {
        if self.channel.metadata_fetch.is_none_or(|(id, _)| id != correlation_id) {
            return;
        }
        self.channel.metadata_fetch = None;
        let records = match result {
            Ok(records) => records,
            Err(e) => return self.controller_refused(now_ms, &e),
        };
        if records.is_empty() {
            return;
        }
        for record in &records {
            if self.image.apply(record).is_err() {
                // A record that does not fit means this image is off: read the log again from the start.
                self.image = Default::default();
                break;
            }
        }
        self.reconcile(now_ms, out);
        // While fenced, tell the controller at once how far the log is read, so it can unfence.
        if self.channel.fenced && self.channel.heartbeat.is_none() {
            self.send_heartbeat(now_ms, out);
        }
    }

    /// Makes this broker's replicas match the image: logs for the partitions it hosts, none for the
    /// others, and each replica leading or following as the metadata says.
    fn reconcile(&mut self, now_ms: u64, out: &mut Outbox) {
        let id = self.id;
        // Topics and replicas no longer here.
        let image = &self.image;
        self.topics.retain(|name, _| image.topics.contains_key(name));
        for (name, t) in &mut self.topics {
            let hosted = &image.topics[name].partitions;
            t.partitions.retain(|&i, _| hosted.get(i as usize).is_some_and(|p| p.replicas.contains(&id)));
        }
        let names: Vec<String> = self.image.topics.keys().cloned().collect();
        let mut moved = Vec::new();
        for name in names {
            let timage = &self.image.topics[&name];
            let mut merged = self.config.topic_defaults.clone();
            merged.extend(timage.config.iter().map(|(k, v)| (k.clone(), v.clone())));
            let config = TopicConfig::parse(&merged).unwrap_or_default();
            let hosted: Vec<(u32, crate::controller::metadata::PartitionImage)> = timage
                .partitions
                .iter()
                .enumerate()
                .filter(|(_, p)| p.replicas.contains(&id))
                .map(|(i, p)| (i as u32, p.clone()))
                .collect();
            let overrides = timage.config.clone();
            if hosted.is_empty() {
                self.topics.remove(&name);
                continue;
            }
            let topic = self.topics.entry(name.clone()).or_insert_with(|| Topic {
                config_overrides: BTreeMap::new(),
                config: TopicConfig::default(),
                partitions: BTreeMap::new(),
            });
            topic.config = config;
            topic.config_overrides = overrides;
            for (i, pimage) in hosted {
                let p = topic.partitions.entry(i).or_insert_with(|| Partition::new(now_ms));
                let was_leader = p.leader == id;
                let epoch_changed = pimage.leader_epoch != p.leader_epoch || pimage.leader != p.leader;
                p.replicas = pimage.replicas.clone();
                if pimage.partition_epoch > p.partition_epoch {
                    p.isr = pimage.isr.clone();
                    p.partition_epoch = pimage.partition_epoch;
                    if p.pending_isr.as_ref().is_some_and(|pending| pending.isr == p.isr) {
                        p.pending_isr = None;
                    }
                }
                if !epoch_changed {
                    continue;
                }
                p.leader = pimage.leader;
                p.leader_epoch = pimage.leader_epoch;
                p.pending_isr = None;
                p.followers.clear();
                if pimage.leader == id {
                    // Kafka's makeLeader: followers start caught up (as of now) with an unknown LEO.
                    for &r in p.replicas.iter().filter(|&&r| r != id) {
                        let state = super::FollowerState { last_caught_up_ms: now_ms, ..Default::default() };
                        p.followers.insert(r, state);
                    }
                    p.rebuild_producer_state();
                    out.trace(TraceKind::LeaderElected {
                        topic: name.clone(),
                        partition: i,
                        leader: id,
                        leader_epoch: pimage.leader_epoch,
                    });
                } else if pimage.leader != NO_NODE {
                    out.trace(TraceKind::BecameFollower {
                        topic: name.clone(),
                        partition: i,
                        leader: pimage.leader,
                        leader_epoch: pimage.leader_epoch,
                    });
                }
                if was_leader || pimage.leader == id {
                    moved.push(TopicPartition::new(name.clone(), i));
                }
            }
        }
        for tp in moved {
            self.fail_parked_for(&tp, out);
        }
        self.complete_delayed(now_ms, out);
    }

    /// Requests parked under a leadership that ended are answered `NOT_LEADER_OR_FOLLOWER`.
    fn fail_parked_for(&mut self, tp: &TopicPartition, out: &mut Outbox) {
        let (gone, kept): (Vec<_>, Vec<_>) =
            core::mem::take(&mut self.delayed_produces).into_iter().partition(|p| &p.tp == tp);
        self.delayed_produces = kept;
        for produce in gone {
            let result = Err(franz_err!(
                NotLeaderOrFollower,
                "The leadership of {tp} changed while the batch waited for replication"
            ));
            produce.answer(result, out);
        }
    }
}
