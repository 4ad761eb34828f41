//! A broker's life with the controllers: it registers (and starts fenced), heartbeats every
//! `broker.heartbeat.interval.ms`, reads the metadata log (a long-polling MetadataFetch) and applies each
//! record to its image, then makes its replicas match: create or delete logs, lead or follow.

use crate::vec_map::VecMap;
use alloc::vec::Vec;

use super::partition::PartitionTransition;
use super::{Broker, Partition, Topic};
use crate::config::{ConfigMap, TopicConfig};
use crate::error::{ErrorCode, FranzError, Result};
use crate::protocol::actor::{TimerName, Timers};
use crate::protocol::message::{CorrelationId, Message, MetadataFetchData, Outbox};
use crate::protocol::trace::TraceKind;
use crate::types::{NodeId, TopicPartition, NO_NODE};

/// How long a broker waits for a controller's answer before asking another.
pub const CONTROLLER_REQUEST_TIMEOUT_MS: u64 = 2_000;
/// How long the controller may hold a MetadataFetch with nothing new.
pub const METADATA_FETCH_MAX_WAIT_MS: u64 = 1_000;
/// Pause before asking another controller after a refusal (no leader yet, or not the leader).
pub const CONTROLLER_RETRY_BACKOFF_MS: u64 = 100;

/// A request out to a controller: which one, and when it is given up on. The channel keeps one slot per
/// purpose (registration, heartbeat, metadata fetch), as Kafka's controller channel has one outstanding
/// request of each; the numbering is the broker's one counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct ControllerRequest {
    pub(super) correlation_id: CorrelationId,
    pub(super) to: NodeId,
    pub(super) deadline_ms: u64,
}

/// Requests to the controller quorum and where they stand. Every request goes to the controller this
/// broker believes active. It learns the active one as KRaft's observers do, from the quorum: a
/// controller that is not active names the leader it knows in its MetadataFetch answer. Without a name (no
/// leader known, or a silent controller), it asks the next controller in turn.
#[derive(Clone, Debug)]
pub(super) struct ControllerChannel {
    controllers: Vec<NodeId>,
    /// The controller this broker believes active.
    active: NodeId,
    pub(super) registered: bool,
    pub(super) fenced: bool,
    registration: Option<ControllerRequest>,
    heartbeat: Option<ControllerRequest>,
    metadata_fetch: Option<ControllerRequest>,
    next_heartbeat_ms: u64,
    backoff_until_ms: u64,
}

impl ControllerChannel {
    pub(super) fn new(controllers: Vec<NodeId>) -> ControllerChannel {
        let active = controllers.first().copied().unwrap_or(NO_NODE);
        ControllerChannel {
            controllers,
            active,
            registered: false,
            fenced: true,
            registration: None,
            heartbeat: None,
            metadata_fetch: None,
            next_heartbeat_ms: 0,
            backoff_until_ms: 0,
        }
    }

    /// A request is out to `controller`.
    pub(super) fn awaits(&self, controller: NodeId) -> bool {
        [self.registration, self.heartbeat, self.metadata_fetch].into_iter().flatten().any(|r| r.to == controller)
    }

    pub(super) fn controllers(&self) -> &[NodeId] {
        &self.controllers
    }

    pub(super) fn controller(&self) -> NodeId {
        self.active
    }

    fn request(&self, correlation_id: CorrelationId, deadline_ms: u64) -> Option<ControllerRequest> {
        Some(ControllerRequest { correlation_id, to: self.active, deadline_ms })
    }

    /// Turns to `controller` (named by the quorum, or the next in turn): requests out to another one are
    /// given up, to be sent again at once.
    fn switch_to(&mut self, controller: NodeId) {
        if controller == self.active {
            return;
        }
        self.active = controller;
        for slot in [&mut self.registration, &mut self.heartbeat, &mut self.metadata_fetch] {
            if slot.is_some_and(|r| r.to != controller) {
                *slot = None;
            }
        }
    }

    /// `from` refused or went silent: if it is the one this broker believes active, ask the next one
    /// after a short backoff. (A refusal from a controller already left behind changes nothing.)
    pub(super) fn rotate(&mut self, now_ms: u64, from: NodeId) {
        if from != self.active {
            return;
        }
        let at = self.controllers.iter().position(|&c| c == self.active).unwrap_or(0);
        let next = self.controllers.get((at + 1) % self.controllers.len().max(1)).copied().unwrap_or(NO_NODE);
        self.switch_to(next);
        self.backoff_until_ms = now_ms + CONTROLLER_RETRY_BACKOFF_MS;
    }

    /// The quorum named its leader.
    pub(super) fn learned_leader(&mut self, leader: NodeId) {
        if self.controllers.contains(&leader) {
            self.switch_to(leader);
        }
    }

    pub(super) fn timers(&self, timers: &mut Timers) {
        let deadlines =
            [self.registration, self.heartbeat, self.metadata_fetch].into_iter().flatten().map(|r| r.deadline_ms);
        timers.set_all(TimerName::RequestTimeout, deadlines);
        if self.registration.is_none() && !self.registered {
            timers.set(TimerName::RetryBackoff, self.backoff_until_ms);
        } else if self.registered {
            if self.heartbeat.is_none() {
                let at_ms = self.next_heartbeat_ms.max(self.backoff_until_ms);
                timers.set(TimerName::BrokerHeartbeatInterval, at_ms);
            }
            if self.metadata_fetch.is_none() {
                timers.set(TimerName::RetryBackoff, self.backoff_until_ms);
            }
        }
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
                    let correlation_id = self.correlation_ids.next_id();
                    let incarnation = self.incarnation;
                    out.send(controller, Message::BrokerRegistrationRequest { correlation_id, incarnation });
                    self.channel.registration =
                        self.channel.request(correlation_id, now_ms + CONTROLLER_REQUEST_TIMEOUT_MS);
                }
            } else {
                if self.channel.heartbeat.is_none() && now_ms >= self.channel.next_heartbeat_ms {
                    self.send_heartbeat(now_ms, out);
                }
                if self.channel.metadata_fetch.is_none() {
                    let correlation_id = self.correlation_ids.next_id();
                    let offset = self.image.applied;
                    let max_wait_ms = METADATA_FETCH_MAX_WAIT_MS;
                    out.send(controller, Message::MetadataFetchRequest { correlation_id, offset, max_wait_ms });
                    let deadline = now_ms + max_wait_ms + CONTROLLER_REQUEST_TIMEOUT_MS;
                    self.channel.metadata_fetch = self.channel.request(correlation_id, deadline);
                }
            }
        }
        self.send_replica_fetches(now_ms, out);
    }

    fn send_heartbeat(&mut self, now_ms: u64, out: &mut Outbox) {
        let correlation_id = self.correlation_ids.next_id();
        let (incarnation, metadata_offset) = (self.incarnation, self.image.applied);
        // Kafka's wantFence: until this run has loaded the metadata log, it must not be unfenced.
        let (want_fence, want_shut_down) = (!self.metadata_published, self.shutdown_requested);
        let to = self.channel.controller();
        let heartbeat = Message::BrokerHeartbeatRequest {
            correlation_id,
            incarnation,
            metadata_offset,
            want_fence,
            want_shut_down,
        };
        out.send(to, heartbeat);
        self.channel.heartbeat = self.channel.request(correlation_id, now_ms + CONTROLLER_REQUEST_TIMEOUT_MS);
        self.channel.next_heartbeat_ms = now_ms + self.config.broker_heartbeat_interval_ms;
    }

    /// `stopBroker` (Kafka's controlled shutdown): the next heartbeat, sent now, asks the controller to move
    /// this broker's leaderships away and fence it.
    pub fn request_controlled_shutdown(&mut self, now_ms: u64, out: &mut Outbox) {
        self.shutdown_requested = true;
        if self.channel.registered && self.channel.heartbeat.is_none() {
            self.send_heartbeat(now_ms, out);
        }
    }

    pub fn controlled_shutdown_requested(&self) -> bool {
        self.shutdown_requested
    }

    /// The controller has fenced this broker and it leads nothing: it may stop.
    pub fn controlled_shutdown_done(&self) -> bool {
        let id = self.id;
        let leads = self.image.topics.values().flat_map(|t| t.partitions.iter()).any(|p| p.leader == id);
        self.shutdown_requested && self.image.brokers.get(&id).is_none_or(|r| r.fenced) && !leads
    }

    /// A clean stop: every log flushed and every HW checkpointed, as Kafka does on shutdown.
    pub fn flush_for_stop(&mut self) {
        for p in self.topics.changing().values_mut().flat_map(|t| t.partitions.values_mut()) {
            p.log.flush();
            p.high_watermark_checkpoint = p.high_watermark;
        }
    }

    /// A controller that does not answer in time is given up on: if it is the active one, the next one is
    /// asked.
    fn expire_controller_requests(&mut self, now_ms: u64) {
        let c = &mut self.channel;
        let mut silent = Vec::new();
        for slot in [&mut c.registration, &mut c.heartbeat, &mut c.metadata_fetch] {
            if let Some(request) = slot.filter(|r| now_ms >= r.deadline_ms) {
                *slot = None;
                silent.push(request.to);
            }
        }
        for controller in silent {
            c.rotate(now_ms, controller);
        }
    }

    /// A refusal (`NOT_CONTROLLER`, no leader) from `from`: ask the next controller after a short backoff.
    fn controller_refused(&mut self, now_ms: u64, from: NodeId, error: &FranzError) {
        if error.code == ErrorCode::StaleBrokerEpoch {
            self.channel.registered = false;
            self.channel.fenced = true;
        }
        self.channel.rotate(now_ms, from);
    }

    /// The host of `node` refused a connection (its process is down): requests out to it are lost, and if
    /// it was the active controller the next one is asked at once.
    /// `node` refused `refused` (or every request, if `None`): those are lost. A refusal of a request
    /// already answered or given up changes nothing.
    pub(super) fn controller_unreachable(&mut self, now_ms: u64, node: NodeId, refused: Option<CorrelationId>) {
        let c = &mut self.channel;
        let mut lost_any = false;
        for slot in [&mut c.registration, &mut c.heartbeat, &mut c.metadata_fetch] {
            if slot.is_some_and(|r| r.to == node && refused.is_none_or(|id| id == r.correlation_id)) {
                *slot = None;
                lost_any = true;
            }
        }
        if lost_any || refused.is_none() {
            c.rotate(now_ms, node);
        }
    }

    pub(super) fn on_registration_response(
        &mut self,
        now_ms: u64,
        from: NodeId,
        correlation_id: CorrelationId,
        result: Result<()>,
        out: &mut Outbox,
    ) {
        if self.channel.registration.is_none_or(|r| r.correlation_id != correlation_id) {
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
            Err(e) => self.controller_refused(now_ms, from, &e),
        }
    }

    pub(super) fn on_heartbeat_response(
        &mut self,
        now_ms: u64,
        from: NodeId,
        correlation_id: CorrelationId,
        result: Result<bool>,
    ) {
        if self.channel.heartbeat.is_none_or(|r| r.correlation_id != correlation_id) {
            return;
        }
        self.channel.heartbeat = None;
        match result {
            Ok(fenced) => self.channel.fenced = fenced,
            Err(e) => self.controller_refused(now_ms, from, &e),
        }
    }

    pub(super) fn on_metadata_fetch_response(
        &mut self,
        now_ms: u64,
        from: NodeId,
        correlation_id: CorrelationId,
        result: Result<MetadataFetchData>,
        current_leader: Option<NodeId>,
        out: &mut Outbox,
    ) {
        if self.channel.metadata_fetch.is_none_or(|r| r.correlation_id != correlation_id) {
            return;
        }
        self.channel.metadata_fetch = None;
        let data = match result {
            Ok(data) => data,
            Err(e) => {
                return match current_leader {
                    Some(leader) if leader != from => self.channel.learned_leader(leader),
                    _ => self.controller_refused(now_ms, from, &e),
                };
            }
        };
        for record in &data.records {
            if self.image.apply(record).is_err() {
                // A record that does not fit means this image is off: read the log again from the start.
                self.image = Default::default();
                self.metadata_published = false;
                return;
            }
        }
        // Fetches bring whole controller writes (one Raft entry each): never a topic without its partitions
        // (soak seed 10,088,769: a producer hashed a key modulo the 0 partitions a broker's answer named).
        debug_assert!(
            self.image.topics.values().all(|t| !t.partitions.is_empty()),
            "broker {}: a metadata fetch brought half a controller write",
            self.id
        );
        // Published once this run read the log up to the quorum's high watermark, then after every page.
        if !self.metadata_published && self.image.applied < data.high_watermark {
            return;
        }
        if data.records.is_empty() && self.metadata_published {
            return;
        }
        // The first publication of this run reconciles every topic; later ones the topics and partitions their
        // records name (Kafka's brokers apply metadata deltas): with a thousand topics, each creation reconciled
        // them all, and with 10,000 partitions in a topic, each ISR change all of them (adversary 58).
        let touched = self.metadata_published.then(|| {
            let mut named: Vec<(&str, Option<u32>)> =
                data.records.iter().filter_map(|r| Some((r.topic()?, r.partition()))).collect();
            crate::collect::sort(&mut named);
            named.dedup();
            named
        });
        self.metadata_published = true;
        if self.image.applied >= self.metadata_snapshot.applied + super::METADATA_SNAPSHOT_INTERVAL_RECORDS {
            self.metadata_snapshot = self.image.clone();
        }
        self.reconcile(now_ms, touched.as_deref(), out);
        // While fenced, tell the controller at once how far the log is read, so it can unfence.
        if self.channel.fenced && self.channel.heartbeat.is_none() {
            self.send_heartbeat(now_ms, out);
        }
    }

    /// Makes this broker's replicas match a complete image: logs for the partitions it hosts (of the topic
    /// id the image names), none for the others, and each replica leading or following as the metadata
    /// says, through the partition's own transitions. `touched`: only those topics changed (all if `None`).
    fn reconcile(&mut self, now_ms: u64, touched: Option<&[(&str, Option<u32>)]>, out: &mut Outbox) {
        self.followed = None;
        self.delete_stray_logs(touched, out);
        self.delete_offsets_of_deleted_topics(now_ms, out);
        let id = self.id;
        let mut ended = Vec::new();
        for (name, timage) in self.image.topics.iter() {
            let Some(only) = scope_of(touched, name) else { continue };
            let named = |i: usize| only.as_ref().is_none_or(|o| o.binary_search(&(i as u32)).is_ok());
            let hosted = || timage.partitions.iter().enumerate().filter(|&(i, p)| named(i) && p.replicas.contains(&id));
            if hosted().next().is_none() {
                continue;
            }
            // A publication naming partitions changes those alone: journaled one by one, a parked fetch is
            // looked at again only if it follows one of them (a restarted broker's ISR changes, a few dozen
            // per publication, had every parked follower fetch read whole each time).
            let one_by_one = only.as_ref().is_some_and(|named| named.len() <= super::JOURNAL_MAX);
            let topics = if one_by_one { self.topics.quietly() } else { self.topics.changing() };
            let topic = topics.entry(name.clone()).or_insert_with(|| Topic {
                topic_id: timage.topic_id,
                config_overrides: ConfigMap::new(),
                config: TopicConfig::default(),
                partitions: VecMap::new(),
            });
            let config = super::effective_config(&self.config, &timage.config);
            let config_changed = topic.config != config;
            topic.config = config;
            topic.config_overrides = timage.config.clone();
            let min_isr_config = topic.config.min_insync_replicas;
            for (i, state) in hosted() {
                let i = i as u32;
                let p = topic.partitions.entry(i).or_insert_with(|| Partition::new(now_ms));
                let was_leader = p.leader == id;
                let change = p.apply_metadata(id, state, now_ms);
                let tp = || (name.clone(), i);
                match change {
                    PartitionTransition::BecameLeader => {
                        let (topic, partition) = tp();
                        let leader_epoch = state.leader_epoch;
                        out.trace(TraceKind::LeaderElected { topic, partition, leader: id, leader_epoch });
                    }
                    PartitionTransition::BecameFollower if state.leader != NO_NODE => {
                        let (topic, partition) = tp();
                        let (leader, leader_epoch) = (state.leader, state.leader_epoch);
                        out.trace(TraceKind::BecameFollower { topic, partition, leader, leader_epoch });
                    }
                    _ => {}
                }
                if was_leader && p.leader != id {
                    ended.push(TopicPartition::new(name.clone(), i));
                }
                // Kafka's makeLeader and ISR updates end with maybeIncrementLeaderHW: a smaller ISR, or a
                // replica leading alone, may let the HW move at once.
                if p.leader == id {
                    let min_isr = super::min_isr_of(min_isr_config, p);
                    if let Some(high_watermark) = p.maybe_advance_high_watermark(id, min_isr) {
                        let (topic, partition) = tp();
                        out.trace(TraceKind::HighWatermarkAdvanced { topic, partition, high_watermark });
                    }
                }
            }
            if one_by_one && config_changed {
                self.topics.changed();
            } else if one_by_one {
                for (i, _) in hosted() {
                    self.topics.changed_partition(name, i as u32);
                }
            }
        }
        for tp in ended {
            self.fail_parked_for(&tp, out);
        }
        self.complete_delayed(now_ms, out);
    }

    /// Stray detection on a complete image: logs of topics deleted (or created again under a new id) and
    /// of replicas that moved away are deleted.
    fn delete_stray_logs(&mut self, touched: Option<&[(&str, Option<u32>)]>, out: &mut Outbox) {
        let (id, image) = (self.id, &self.image);
        let mut stray = Vec::new();
        for (name, topic) in self.topics.iter() {
            // (Only a record about a partition makes its log stray: a removal, a reassignment, a new topic id.)
            let Some(only) = scope_of(touched, name) else { continue };
            let current = image.topics.get(name).filter(|t| t.topic_id == topic.topic_id);
            let named = |i: u32| only.as_ref().is_none_or(|o| o.binary_search(&i).is_ok());
            for (&i, p) in topic.partitions.iter().filter(|(&i, _)| named(i)) {
                let hosted =
                    current.and_then(|t| t.partitions.get(i as usize)).is_some_and(|s| s.replicas.contains(&id));
                if !hosted {
                    stray.push((name.clone(), i, p.log.log_end_offset() - p.log.log_start_offset()));
                }
            }
        }
        for (topic, partition, records) in stray {
            if let Some(t) = self.topics.changing().get_mut(&topic) {
                t.partitions.remove(&partition);
                if t.partitions.is_empty() {
                    self.topics.changing().remove(&topic);
                }
            }
            let tp = TopicPartition::new(topic.clone(), partition);
            self.fail_parked_for(&tp, out);
            out.trace(TraceKind::StrayLogDeleted { topic, partition, records });
        }
    }

    /// Requests parked under a leadership that ended are answered `NOT_LEADER_OR_FOLLOWER`.
    fn fail_parked_for(&mut self, tp: &TopicPartition, out: &mut Outbox) {
        for produce in &mut self.delayed_produces {
            for wait in produce.partitions.iter_mut().filter(|w| &w.tp == tp && w.result.is_none()) {
                wait.result = Some(Err(franz_err!(
                    NotLeaderOrFollower,
                    "The leadership of {tp} changed while the batch waited for replication"
                )));
            }
        }
        let (answered, kept): (Vec<_>, Vec<_>) =
            core::mem::take(&mut self.delayed_produces).into_iter().partition(|p| p.resolved());
        self.delayed_produces = kept;
        for produce in answered {
            produce.answer(out);
        }
    }
}

/// Of topic `name`, what a metadata publication `touched` (its records' topics and partitions, sorted; `None`:
/// all) changed: every partition (`Some(None)`), those named (sorted), or nothing (`None`).
fn scope_of(touched: Option<&[(&str, Option<u32>)]>, name: &str) -> Option<Option<Vec<u32>>> {
    let Some(touched) = touched else { return Some(None) };
    let from = touched.partition_point(|&(n, _)| n < name);
    let mut of_topic = touched[from..].iter().take_while(|&&(n, _)| n == name).peekable();
    match of_topic.peek()? {
        (_, None) => Some(None), // (sorted: a record about the whole topic comes first)
        _ => Some(Some(of_topic.filter_map(|&(_, p)| p).collect())),
    }
}
