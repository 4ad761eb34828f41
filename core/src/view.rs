//! Read-only snapshots of the world for user interfaces: what `describeTopic`, `readLog` and the
//! playground display. Views never change the world.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use serde::Serialize;

use crate::check::{check, CheckReport, Checking, LoggedRecord, RecordOrigin, ReplicaSnapshot, Replicas};
use crate::config::{describe_topic_config, ConfigEntry, ConfigMap};
use crate::controller::raft::Role;
use crate::error::Result;
use crate::group::coordinator::GroupState;
use crate::sim::{Node, World};
use crate::types::{Bytes, Header, LeaderEpoch, NodeId, Offset, TopicPartition, NO_NODE};
use crate::vec_map::VecMap;

/// Franz's bound on records one `readLog` call returns.
pub const READ_LOG_RECORDS_MAX: usize = 10_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub struct PartitionDescription {
    pub partition: u32,
    /// `None` when the partition has no leader (Kafka's `-1`).
    pub leader: Option<NodeId>,
    pub leader_epoch: LeaderEpoch,
    pub replicas: Vec<NodeId>,
    pub isr: Vec<NodeId>,
    pub high_watermark: Offset,
    pub log_start_offset: Offset,
    /// Each replica's log end offset, by broker id.
    #[cfg_attr(feature = "tsify", tsify(type = "Record<string, Offset>"))]
    pub log_end_offsets: VecMap<String, Offset>,
    /// The replicas on brokers that are down (crashed, stopped or without power): their logs wait on disk.
    /// (Kafka's metadata names offline replicas; the controller may not know yet, and keep one as leader.)
    pub offline_replicas: Vec<NodeId>,
}

impl PartitionDescription {
    /// The replica the HW, log start and LEO are read from: the leader, or while the partition has none (or
    /// its leader is down, not yet fenced), the first in the ISR whose log is known (the one an election
    /// would pick; one up first, else one down), and only without any the longest log (up first): an
    /// out-of-sync replica up would show what it lacks (an adversary saw the HW fall 9 → 0). Not merely the first
    /// replica: after a power loss that one may be the replica whose log was erased, and the partition
    /// would look empty while the others hold every acknowledged record; nor a crashed leader, whose high
    /// watermark went with its memory.
    pub fn shown_replica(&self) -> Option<NodeId> {
        let known = |b: &NodeId| self.log_end_offsets.contains_key(&format!("{b}"));
        let leo = |b: &NodeId| self.log_end_offsets.get(&format!("{b}")).copied().unwrap_or(0);
        let up = |b: &NodeId| known(b) && !self.offline_replicas.contains(b);
        let in_sync = |usable: &dyn Fn(&NodeId) -> bool| {
            self.leader.filter(|b| usable(b)).or_else(|| self.isr.iter().copied().find(|b| usable(b)))
        };
        let longest =
            |usable: &dyn Fn(&NodeId) -> bool| self.replicas.iter().copied().filter(|b| usable(b)).max_by_key(leo);
        in_sync(&up).or_else(|| in_sync(&known)).or_else(|| longest(&up)).or_else(|| longest(&known))
    }

    /// The log end offset of the replica the HW and log start were read from (so that HW ≤ LEO as shown).
    pub fn log_end_offset(&self) -> Option<Offset> {
        self.shown_replica().and_then(|b| self.log_end_offsets.get(&format!("{b}")).copied())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub struct TopicDescription {
    pub name: String,
    /// Every topic config with the value in force (the topic's, else the cluster's default, else Kafka's).
    #[cfg_attr(feature = "tsify", tsify(type = "Record<string, string>"))]
    pub config: ConfigMap,
    /// The same configs with where each value comes from, as `kafka-configs --describe --all` shows them.
    pub config_entries: Vec<ConfigEntry>,
    pub partitions: Vec<PartitionDescription>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordView {
    pub offset: Offset,
    pub timestamp_ms: i64,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub headers: Vec<Header>,
    pub leader_epoch: LeaderEpoch,
}

/// One segment of a replica's log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SegmentView {
    pub base_offset: Offset,
    pub records: usize,
    pub size_bytes: usize,
    /// The active segment takes appends; retention and compaction never touch it while it is young.
    pub active: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BrokerView {
    pub id: NodeId,
    pub state: BrokerStatus,
    /// Down ("crashed") after a controlled shutdown (`kafka-server-stop`), not a crash; written only when true.
    #[serde(default, skip_serializing_if = "is_false")]
    pub stopped: bool,
    /// Set while the broker is in a stop-the-world pause.
    pub paused_until_ms: Option<u64>,
    /// Partitions this broker leads, as "topic-p".
    pub leader_of: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientView {
    pub id: NodeId,
    pub client_id: String,
    pub role: ClientRole,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkView {
    pub latency_ms: u64,
    pub jitter_ms: u64,
    pub drop_rate: f64,
    /// While partitioned, the named sides (everyone else is on one more side).
    pub sides: Vec<Vec<NodeId>>,
    /// Messages lost so far to drops, partitions and crashes.
    pub dropped_messages: u64,
    /// The same, by cause.
    pub lost: crate::sim::network::MessagesLost,
    /// Links with settings of their own.
    pub links: Vec<LinkView>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkView {
    pub a: NodeId,
    pub b: NodeId,
    /// These settings apply to messages from `a` to `b` only.
    pub one_way: bool,
    pub latency_ms: u64,
    pub jitter_ms: u64,
    pub drop_rate: f64,
}

/// `describeCluster()`: the controller quorum and the brokers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub struct ClusterDescription {
    pub controller: ControllerDescription,
    pub brokers: Vec<BrokerState>,
}

/// The controller quorum: the active controller (Raft leader), its term, and every voter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub struct ControllerDescription {
    /// `None` while no running controller leads (an election, or the quorum lost).
    pub leader_id: Option<NodeId>,
    pub term: u64,
    pub voters: Vec<VoterState>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub struct VoterState {
    pub id: NodeId,
    pub state: VoterStatus,
    /// A crashed controller is a follower (it comes back as one).
    pub role: VoterRole,
    pub term: u64,
    /// Metadata records this controller knows are committed (and has applied).
    pub committed_offset: u64,
    /// Records in its Raft log, committed or not (Raft's own entries included).
    pub log_length: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub struct BrokerState {
    pub id: NodeId,
    pub state: BrokerStatus,
    /// Down ("crashed") after a controlled shutdown (`stopBroker`), not a crash; written only when true.
    #[serde(default, skip_serializing_if = "is_false")]
    pub stopped: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// `describeGroup(groupId)`, as its coordinator knows the group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub struct GroupDescription {
    pub group_id: String,
    pub state: ConsumerGroupState,
    pub generation: i32,
    pub protocol: Option<String>,
    pub leader: Option<String>,
    pub coordinator: Option<NodeId>,
    pub members: Vec<GroupMemberDescription>,
}

impl GroupDescription {
    /// As Kafka's DescribeGroups answers (`GroupMetadata.summary`): outside Stable, no protocol and no
    /// member's assignment, as an eager rebalance has revoked them and the next is not handed out yet
    /// (adversary 32). The playground and the lessons read the coordinator's own state instead.
    pub fn as_kafka_describes_it(mut self) -> GroupDescription {
        if self.state != ConsumerGroupState::Stable {
            self.protocol = None;
            self.members.iter_mut().for_each(|m| m.assignment.clear());
        }
        self
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub struct GroupMemberDescription {
    pub member_id: String,
    pub client_id: String,
    pub group_instance_id: Option<String>,
    pub assignment: Vec<TopicPartition>,
}

/// `groupOffsets(groupId)`: one partition's committed offset and lag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub struct GroupOffset {
    pub topic: String,
    pub partition: u32,
    pub committed: Offset,
    pub high_watermark: Offset,
    /// HW − committed: records the group has not committed past yet. Negative for a commit past the HW,
    /// as Kafka's `kafka-consumer-groups.sh` shows it (the next owner will reset per `auto.offset.reset`).
    pub lag: i64,
}

/// A broker's state in the views: `"running"` | `"fenced"` | `"crashed"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub enum BrokerStatus {
    /// Registered and unfenced: the controller lets it lead and be in ISRs.
    Running,
    /// Alive (or restarting) but fenced by the controller: not registered yet, not caught up, or its
    /// heartbeats stopped.
    Fenced,
    Crashed,
}

impl BrokerStatus {
    /// The name the views serialize: "running", "fenced", "crashed".
    pub fn name(self) -> &'static str {
        match self {
            BrokerStatus::Running => "running",
            BrokerStatus::Fenced => "fenced",
            BrokerStatus::Crashed => "crashed",
        }
    }
}

/// A controller's process state in the views: `"running"` | `"crashed"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub enum VoterStatus {
    Running,
    Crashed,
}

impl VoterStatus {
    /// The name the views serialize: "running", "crashed".
    pub fn name(self) -> &'static str {
        match self {
            VoterStatus::Running => "running",
            VoterStatus::Crashed => "crashed",
        }
    }
}

/// A controller's Raft role in the views: `"leader"` | `"follower"` | `"candidate"` | `"prospective"`
/// (KIP-996's pre-vote).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub enum VoterRole {
    Leader,
    Follower,
    Candidate,
    /// KIP-996's pre-vote: asking whether an election could be won before starting one.
    Prospective,
}

impl VoterRole {
    /// The name the views serialize: "leader", "follower", "candidate", "prospective".
    pub fn name(self) -> &'static str {
        match self {
            VoterRole::Leader => "leader",
            VoterRole::Follower => "follower",
            VoterRole::Candidate => "candidate",
            VoterRole::Prospective => "prospective",
        }
    }
}

impl From<Role> for VoterRole {
    fn from(role: Role) -> VoterRole {
        match role {
            Role::Leader => VoterRole::Leader,
            Role::Follower => VoterRole::Follower,
            Role::Candidate => VoterRole::Candidate,
            Role::Prospective => VoterRole::Prospective,
        }
    }
}

/// What a client node is: `"producer"` | `"consumer"` | `"admin"`. Only the playground's [`ClusterView`]
/// carries it, so it has no TypeScript type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientRole {
    Producer,
    Consumer,
    Admin,
}

impl ClientRole {
    /// The name the views serialize: "producer", "consumer", "admin".
    pub fn name(self) -> &'static str {
        match self {
            ClientRole::Producer => "producer",
            ClientRole::Consumer => "consumer",
            ClientRole::Admin => "admin",
        }
    }
}

/// A consumer group's state as `describeGroup` reports it, with the names Kafka's admin client gives them:
/// the group coordinator's state, or `"Dead"` for a group its coordinator does not know.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub enum ConsumerGroupState {
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
    /// Unknown to the coordinator (never created, or no coordinator is reachable).
    Dead,
}

impl ConsumerGroupState {
    /// The name the views serialize: "Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead".
    pub fn name(self) -> &'static str {
        match self {
            ConsumerGroupState::Empty => "Empty",
            ConsumerGroupState::PreparingRebalance => "PreparingRebalance",
            ConsumerGroupState::CompletingRebalance => "CompletingRebalance",
            ConsumerGroupState::Stable => "Stable",
            ConsumerGroupState::Dead => "Dead",
        }
    }
}

/// The coordinator's [`GroupState`] (a group it holds is never dead).
impl From<GroupState> for ConsumerGroupState {
    fn from(state: GroupState) -> ConsumerGroupState {
        match state {
            GroupState::Empty => ConsumerGroupState::Empty,
            GroupState::PreparingRebalance => ConsumerGroupState::PreparingRebalance,
            GroupState::CompletingRebalance => ConsumerGroupState::CompletingRebalance,
            GroupState::Stable => ConsumerGroupState::Stable,
        }
    }
}

macro_rules! display_by_name {
    ($($t:ty),*) => {$(
        impl core::fmt::Display for $t {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.name())
            }
        }
    )*};
}
display_by_name!(BrokerStatus, VoterStatus, VoterRole, ClientRole, ConsumerGroupState);

/// Everything the playground draws in one frame.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterView {
    pub now_ms: u64,
    pub controller: ControllerDescription,
    pub brokers: Vec<BrokerView>,
    pub topics: Vec<TopicDescription>,
    pub clients: Vec<ClientView>,
    pub network: NetworkView,
}

impl World {
    pub fn describe_cluster(&self) -> ClusterDescription {
        let brokers = self
            .brokers()
            .iter()
            .map(|&id| BrokerState { id, state: self.broker_status(id), stopped: self.is_stopped(id) })
            .collect();
        let voters: Vec<VoterState> = self
            .controllers()
            .iter()
            .filter_map(|&id| self.controller(id))
            .map(|c| {
                let crashed = self.is_crashed(c.id());
                VoterState {
                    id: c.id(),
                    state: if crashed { VoterStatus::Crashed } else { VoterStatus::Running },
                    role: if crashed { VoterRole::Follower } else { c.role().into() },
                    term: c.term(),
                    committed_offset: c.committed_offset(),
                    log_length: c.raft().last_log_index(),
                }
            })
            .collect();
        let leader = voters.iter().filter(|v| v.role == VoterRole::Leader).max_by_key(|v| v.term);
        let term = voters.iter().filter(|v| v.state == VoterStatus::Running).map(|v| v.term).max().unwrap_or(0);
        ClusterDescription {
            controller: ControllerDescription { leader_id: leader.map(|v| v.id), term, voters },
            brokers,
        }
    }

    /// Crashed, else running once the committed metadata has it registered and unfenced, else fenced.
    pub fn broker_status(&self, id: NodeId) -> BrokerStatus {
        if self.is_crashed(id) {
            BrokerStatus::Crashed
        } else if self.metadata_image().brokers.get(&id).is_some_and(|r| !r.fenced) {
            BrokerStatus::Running
        } else {
            BrokerStatus::Fenced
        }
    }

    pub fn list_topics(&self) -> Vec<String> {
        self.metadata_image().topics.keys().cloned().collect()
    }

    /// What the committed metadata says of the topic, with each replica's progress as its broker holds it.
    pub fn describe_topic(&self, name: &str) -> Result<TopicDescription> {
        let Some(t) = self.metadata_image().topics.get(name) else {
            return Err(franz_err!(UnknownTopicOrPartition, "Topic {name} does not exist"));
        };
        let topic_id = t.topic_id;
        let partitions = t
            .partitions
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let i = i as u32;
                // A log of an earlier topic of that name (on a broker down when it was deleted) is not this one.
                let replica = |b: NodeId| {
                    let topic = self.broker(b)?.topics().get(name).filter(|t| t.topic_id == topic_id)?;
                    topic.partitions.get(&i)
                };
                let hosted: Vec<(NodeId, &crate::broker::Partition)> =
                    p.replicas.iter().filter_map(|&b| Some((b, replica(b)?))).collect();
                let mut d = PartitionDescription {
                    partition: i,
                    leader: (p.leader != NO_NODE).then_some(p.leader),
                    leader_epoch: p.leader_epoch,
                    replicas: p.replicas.clone(),
                    isr: p.isr.clone(),
                    high_watermark: 0,
                    log_start_offset: 0,
                    log_end_offsets: hosted.iter().map(|(b, r)| (format!("{b}"), r.log.log_end_offset())).collect(),
                    // Kafka's metadata cache counts a fenced broker's replicas offline too (one cut off from
                    // the controllers, still running; adversary 32).
                    offline_replicas: p
                        .replicas
                        .iter()
                        .copied()
                        .filter(|&b| !self.serves_clients(b) || self.broker_status(b) != BrokerStatus::Running)
                        .collect(),
                };
                let shown = d.shown_replica().and_then(|s| hosted.iter().find(|(b, _)| *b == s)).map(|(_, r)| *r);
                // As an admin client sees it, the HW does not fall within a leader epoch: a leader just
                // restarted reads its checkpoint until its followers fetch, so an in-sync replica up that
                // knows more counts; with none up, the HW last given out by an in-sync replica (at its crash,
                // else its checkpoint), within what every in-sync log holds. (An adversary saw 3 → 0 with the
                // only one down; another 3 → 5 → 3 when the log end counted: the leader's log held records
                // acks=1 wrote under min.insync.replicas, never committed, and back it leads from HW 3.)
                // A crashed leader not fenced yet may have given out more than its followers heard of: what it
                // had said counts (adversary 26: 2 → 1 when the leader crashed as it acknowledged).
                let in_isr = |b: &NodeId| p.isr.contains(b);
                let up_isr = hosted.iter().filter(|(b, _)| in_isr(b) && self.serves_clients(*b));
                let said_by_crashed_leader = d
                    .leader
                    .filter(|&l| !self.serves_clients(l))
                    .and_then(|l| self.high_watermark_at_crash(l, topic_id, i))
                    .filter(|&(epoch, _)| epoch == p.leader_epoch)
                    .map_or(0, |(_, high_watermark)| high_watermark);
                let known = match up_isr.map(|(_, r)| r.high_watermark).max() {
                    Some(high_watermark) => high_watermark.max(said_by_crashed_leader),
                    None => {
                        let in_sync = || hosted.iter().filter(|(b, _)| in_isr(b));
                        let held = in_sync().map(|(_, r)| r.log.log_end_offset()).min().unwrap_or(0);
                        let at_crash = |b: NodeId| self.high_watermark_at_crash(b, topic_id, i).map_or(0, |(_, hw)| hw);
                        let heard = in_sync().map(|(b, r)| r.high_watermark.max(at_crash(*b))).max().unwrap_or(0);
                        heard.min(held)
                    }
                };
                d.high_watermark = shown.map_or(0, |r| r.high_watermark.max(known).min(r.log.log_end_offset()));
                d.log_start_offset = shown.map_or(0, |r| r.log.log_start_offset());
                d
            })
            .collect();
        let config_entries = describe_topic_config(&self.broker_config().topic_defaults, &t.config);
        let config = config_entries.iter().map(|e| (e.name.clone(), e.value.clone())).collect();
        Ok(TopicDescription { name: String::from(name), config, config_entries, partitions })
    }

    /// The group as its coordinator (the leader of its `__consumer_offsets` partition) holds it.
    pub fn describe_group(&self, group_id: &str) -> GroupDescription {
        use crate::group::{coordinator_partition, OFFSETS_TOPIC};
        let image = self.metadata_image();
        let offsets = image.topics.get(OFFSETS_TOPIC).and_then(|t| {
            let partition = coordinator_partition(group_id, t.partitions.len() as u32);
            Some((partition, t.partitions.get(partition as usize)?))
        });
        let coordinator = offsets.and_then(|(_, p)| (p.leader != NO_NODE).then_some(p.leader));
        let group = coordinator
            .filter(|c| !self.is_crashed(*c))
            .zip(offsets)
            .and_then(|(c, (partition, _))| self.broker(c)?.group_as_served(partition, group_id));
        match group.as_deref() {
            Some(g) => GroupDescription {
                group_id: String::from(group_id),
                state: g.state.into(),
                generation: g.generation,
                protocol: g.protocol.clone(),
                leader: g.leader.clone(),
                coordinator,
                members: g
                    .members
                    .values()
                    .map(|m| GroupMemberDescription {
                        member_id: m.member_id.clone(),
                        client_id: m.client_id.clone(),
                        group_instance_id: m.group_instance_id.clone(),
                        assignment: m.assignment.clone(),
                    })
                    .collect(),
            },
            // A group with committed offsets and no members (its consumers used assign(), or the
            // coordinator has not loaded it yet) is Empty, as Kafka describes it; one with neither, or whose
            // coordinator is down (Kafka's describe fails with COORDINATOR_NOT_AVAILABLE), is Dead.
            None => GroupDescription {
                group_id: String::from(group_id),
                state: if coordinator.is_none_or(|c| self.is_crashed(c)) || self.group_offsets(group_id).is_empty() {
                    ConsumerGroupState::Dead
                } else {
                    ConsumerGroupState::Empty
                },
                generation: 0,
                protocol: None,
                leader: None,
                coordinator,
                members: Vec::new(),
            },
        }
    }

    /// The group's committed offsets, as the leader of its `__consumer_offsets` partition serves them; while
    /// it is down, as the next leader will (an ISR member: live first, else one down, whose log the restart
    /// keeps; never an out-of-sync replica while an ISR member exists, as no clean election picks one), with
    /// each partition's lag. Empty when the group never committed.
    pub fn group_offsets(&self, group_id: &str) -> Vec<GroupOffset> {
        use crate::group::{coordinator_partition, OFFSETS_TOPIC};
        let image = self.metadata_image();
        let Some(offsets_topic) = image.topics.get(OFFSETS_TOPIC) else { return Vec::new() };
        let partition = coordinator_partition(group_id, offsets_topic.partitions.len() as u32);
        let Some(p) = offsets_topic.partitions.get(partition as usize) else { return Vec::new() };
        let live = |b: &NodeId| !self.is_crashed(*b);
        let holds = |b: &NodeId| self.broker(*b).is_some_and(|r| r.partition(OFFSETS_TOPIC, partition).is_some());
        let in_isr = |b: &&NodeId| p.isr.contains(b) && holds(b);
        let furthest_live = || {
            p.replicas.iter().filter(|b| live(b) && holds(b)).max_by_key(|&&b| {
                self.broker(b).and_then(|r| r.partition(OFFSETS_TOPIC, partition)).map_or(0, |r| r.high_watermark)
            })
        };
        let reader = Some(&p.leader)
            .filter(|b| live(b) && holds(b))
            .or_else(|| p.isr.iter().filter(in_isr).find(|b| live(b)))
            .or_else(|| p.isr.iter().find(in_isr))
            .or_else(furthest_live);
        let Some(reader) = reader.and_then(|&b| self.broker(b)) else { return Vec::new() };
        // Each topic described once (its partitions' HWs), not once per committed partition.
        let mut high_watermarks: VecMap<String, Vec<Offset>> = VecMap::new();
        reader
            .committed_offsets_as_served(partition, group_id)
            .into_iter()
            .map(|(tp, committed)| {
                let topic = high_watermarks.entry(tp.topic.clone()).or_insert_with(|| {
                    self.describe_topic(&tp.topic)
                        .map(|d| d.partitions.iter().map(|p| p.high_watermark).collect())
                        .unwrap_or_default()
                });
                let high_watermark = topic.get(tp.partition as usize).copied().unwrap_or(0);
                GroupOffset {
                    topic: tp.topic,
                    partition: tp.partition,
                    committed,
                    high_watermark,
                    lag: high_watermark as i64 - committed as i64,
                }
            })
            .collect()
    }

    /// One replica's log, as that broker holds it (beyond the high watermark too).
    pub fn read_log(
        &self,
        broker: NodeId,
        topic: &str,
        partition: u32,
        from_offset: Offset,
        max_records: usize,
    ) -> Result<Vec<RecordView>> {
        let Some(b) = self.broker(broker) else {
            return Err(franz_err!(InvalidRequest, "There is no broker {broker}"));
        };
        let Some(p) = b.partition(topic, partition) else {
            return Err(franz_err!(UnknownTopicOrPartition, "Broker {broker} has no replica of {topic}-{partition}"));
        };
        let from = from_offset.max(p.log.log_start_offset());
        Ok(p.log
            .records_from(from)
            .take(max_records.min(READ_LOG_RECORDS_MAX))
            .map(|r| RecordView {
                offset: r.offset,
                timestamp_ms: r.timestamp_ms,
                key: r.key,
                value: r.value,
                headers: r.headers,
                leader_epoch: r.leader_epoch,
            })
            .collect())
    }

    /// One replica's segments, oldest first.
    pub fn segments(&self, broker: NodeId, topic: &str, partition: u32) -> Vec<SegmentView> {
        let Some(p) = self.broker(broker).and_then(|b| b.partition(topic, partition)) else { return Vec::new() };
        let count = p.log.segments().count();
        p.log
            .segments()
            .enumerate()
            .map(|(i, s)| SegmentView {
                base_offset: s.base_offset,
                records: s.record_count(),
                size_bytes: s.size_bytes,
                active: i + 1 == count,
            })
            .collect()
    }

    /// Runs the checker over this run's history and every replica's log (a crashed broker's disk included).
    pub fn check(&self) -> CheckReport {
        check(self.history(), self.replica_snapshots())
    }

    /// A check to run a pass at a time ([`Checking::advance`] with this world's history, unchanged meanwhile).
    pub fn start_check(&self) -> Checking {
        Checking::new(self.replica_snapshots())
    }

    /// Every replica's log as the checker reads it.
    fn replica_snapshots(&self) -> Replicas {
        let mut snapshots = Vec::new();
        let image = self.metadata_image();
        // The leader is the one the committed metadata names (a cut-off old leader may still think it leads,
        // and a restarting one does not know yet that it leads).
        let leads = |id: NodeId, topic: &str, partition: u32| {
            image.topics.get(topic).and_then(|t| t.partitions.get(partition as usize)).is_some_and(|p| p.leader == id)
        };
        for &id in self.brokers() {
            let Some(b) = self.broker(id) else { continue };
            for (name, topic) in b.topics() {
                // A log of an earlier topic of that name (its broker was down when it was deleted) is stray:
                // it is deleted once that broker reads the metadata, and is no replica of today's topic.
                if image.topics.get(name).is_none_or(|t| t.topic_id != topic.topic_id) {
                    continue;
                }
                for (&i, p) in &topic.partitions {
                    snapshots.push((
                        TopicPartition::new(name.clone(), i),
                        ReplicaSnapshot {
                            broker: id,
                            // Even while that broker restarts: its disk is what the partition serves next.
                            is_leader: leads(id, name, i),
                            // Or restarted and not registered again yet (the committed metadata names its
                            // earlier run): it serves nothing, and truncates what it must once it catches up.
                            down: self.is_crashed(id)
                                || image.brokers.get(&id).is_some_and(|r| r.incarnation != b.incarnation()),
                            high_watermark: p.high_watermark,
                            log_start_offset: p.log.log_start_offset(),
                            cleaned_up_to: p.log.cleaned_up_to(),
                            latest_epoch: p.log.latest_epoch().unwrap_or(-1),
                            records: p
                                .log
                                .segments()
                                .flat_map(|s| &s.batches)
                                .flat_map(|b| {
                                    b.records.iter().map(move |r| LoggedRecord {
                                        origin: b.origin.map(|first| RecordOrigin {
                                            batch: first.batch,
                                            index: first.index + (r.offset - b.base_offset) as u32,
                                        }),
                                        offset: r.offset,
                                        key: r.key,
                                        value: r.value,
                                        leader_epoch: r.leader_epoch,
                                    })
                                })
                                .collect(),
                        },
                    ));
                }
            }
        }
        Replicas::grouped(snapshots)
    }

    pub fn view(&self) -> ClusterView {
        let cluster = self.describe_cluster();
        let mut brokers = Vec::new();
        let mut clients = Vec::new();
        for (&id, node) in self.nodes() {
            let client = |role| ClientView { id, client_id: self.node_name(id), role };
            match node {
                Node::Broker(b) => brokers.push(BrokerView {
                    id,
                    state: self.broker_status(id),
                    stopped: self.is_stopped(id),
                    paused_until_ms: self.paused_until_ms(id),
                    leader_of: b
                        .topics()
                        .iter()
                        .flat_map(|(name, t)| {
                            t.partitions.iter().filter(|(_, p)| p.leader == id).map(move |(i, _)| format!("{name}-{i}"))
                        })
                        .collect(),
                }),
                Node::Controller(_) => {}
                Node::Admin(_) => clients.push(client(ClientRole::Admin)),
                Node::Producer(_) => clients.push(client(ClientRole::Producer)),
                Node::Consumer(_) => clients.push(client(ClientRole::Consumer)),
            }
        }
        let topics = self.list_topics().iter().filter_map(|t| self.describe_topic(t).ok()).collect();
        let config = self.network().config();
        let network = NetworkView {
            latency_ms: config.latency_ms,
            jitter_ms: config.jitter_ms,
            drop_rate: config.drop_rate,
            sides: self.network().sides(),
            dropped_messages: self.network().dropped_count(),
            lost: self.network().lost(),
            links: self
                .network()
                .link_overrides()
                .map(|(a, b, one_way, c)| LinkView {
                    a,
                    b,
                    one_way,
                    latency_ms: c.latency_ms,
                    jitter_ms: c.jitter_ms,
                    drop_rate: c.drop_rate,
                })
                .collect(),
        };
        ClusterView { now_ms: self.now_ms(), controller: cluster.controller, brokers, topics, clients, network }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    /// A leaderless partition shows the LEO of the replica its HW was read from, never 0 beside an HW of 1
    /// (found by the adversary: every replica down, the page read "HW 1 · LEO 0").
    #[test]
    fn the_log_end_offset_is_the_one_beside_the_hw() {
        let mut d = PartitionDescription {
            partition: 0,
            leader: Some(2),
            leader_epoch: 1,
            replicas: alloc::vec![1, 2, 3],
            isr: alloc::vec![2],
            high_watermark: 1,
            log_start_offset: 0,
            log_end_offsets: [("2".to_string(), 1), ("3".to_string(), 1)].into_iter().collect(),
            offline_replicas: Vec::new(),
        };
        assert_eq!(d.log_end_offset(), Some(1));
        d.leader = None;
        assert_eq!(d.log_end_offset(), Some(1), "replica 1's log is not known: replica 2's is the first");
        d.log_end_offsets.clear();
        assert_eq!(d.log_end_offset(), None);
    }

    /// Leaderless after a power loss erased the first replica's log: the strip shows the ISR's replica (the
    /// one an election would pick), else the longest log, not the first replica's empty one (a UI
    /// adversary's run: "leader none · HW 0 · LEO 0", while two replicas held both acknowledged records).
    #[test]
    fn a_leaderless_partition_is_shown_from_the_replica_an_election_would_pick() {
        let mut d = PartitionDescription {
            partition: 0,
            leader: None,
            leader_epoch: 1,
            replicas: alloc::vec![2, 3, 1],
            isr: alloc::vec![3],
            high_watermark: 0,
            log_start_offset: 0,
            log_end_offsets: [("2".to_string(), 0), ("3".to_string(), 2), ("1".to_string(), 2)].into_iter().collect(),
            offline_replicas: Vec::new(),
        };
        assert_eq!(d.shown_replica(), Some(3));
        d.isr.clear();
        d.log_end_offsets.insert("1".to_string(), 3);
        assert_eq!(d.shown_replica(), Some(1), "no ISR member: the longest log");
        d.leader = Some(2);
        assert_eq!(d.shown_replica(), Some(2), "the leader's, whatever it holds");
        d.isr = alloc::vec![2, 3];
        d.offline_replicas = alloc::vec![2];
        assert_eq!(d.shown_replica(), Some(3), "not a leader that is down: an ISR member that is up");
        d.offline_replicas = alloc::vec![2, 3, 1];
        assert_eq!(d.shown_replica(), Some(2), "every replica down: as if all were up");
    }

    /// The enums serialize to the very strings the views had when they were strings (the JS API's JSON).
    #[test]
    fn view_states_serialize_as_their_names() {
        fn json<T: Serialize>(t: T) -> String {
            serde_json::to_string(&t).unwrap()
        }
        for s in [BrokerStatus::Running, BrokerStatus::Fenced, BrokerStatus::Crashed] {
            assert_eq!(json(s), format!("\"{}\"", s.name()));
            assert_eq!(s.to_string(), s.name());
        }
        assert_eq!(json(BrokerStatus::Fenced), "\"fenced\"");
        for s in [VoterStatus::Running, VoterStatus::Crashed] {
            assert_eq!(json(s), format!("\"{}\"", s.name()));
        }
        assert_eq!(json(VoterStatus::Crashed), "\"crashed\"");
        for r in [VoterRole::Leader, VoterRole::Follower, VoterRole::Candidate, VoterRole::Prospective] {
            assert_eq!(json(r), format!("\"{}\"", r.name()));
        }
        assert_eq!(json(VoterRole::Prospective), "\"prospective\"");
        for r in [ClientRole::Producer, ClientRole::Consumer, ClientRole::Admin] {
            assert_eq!(json(r), format!("\"{}\"", r.name()));
        }
        assert_eq!(json(ClientRole::Admin), "\"admin\"");
        for s in
            [GroupState::Empty, GroupState::PreparingRebalance, GroupState::CompletingRebalance, GroupState::Stable]
        {
            let view = ConsumerGroupState::from(s);
            assert_eq!(view.name(), s.name());
            assert_eq!(json(view), json(s), "the coordinator's state and the view's serialize alike");
        }
        assert_eq!(json(ConsumerGroupState::Dead), "\"Dead\"");
    }

    #[test]
    fn a_new_cluster_describes_itself_with_the_enums() {
        let mut w = World::new(crate::sim::ClusterConfig::default()).unwrap();
        w.run_for(5_000);
        let d = w.describe_cluster();
        assert!(d.brokers.iter().all(|b| b.state == BrokerStatus::Running), "{:?}", d.brokers);
        assert_eq!(d.controller.voters.iter().filter(|v| v.role == VoterRole::Leader).count(), 1);
        assert!(d.controller.voters.iter().all(|v| v.state == VoterStatus::Running));
        let json = serde_json::to_string(&d.brokers[0]).unwrap();
        assert_eq!(json, format!("{{\"id\":{},\"state\":\"running\"}}", d.brokers[0].id));
        assert_eq!(w.describe_group("nobody").state, ConsumerGroupState::Dead);
        let view = w.view();
        assert_eq!(view.clients.first().map(|c| c.role), Some(ClientRole::Admin));
        assert!(view.brokers.iter().all(|b| b.state == BrokerStatus::Running));
        let id = d.brokers[0].id;
        w.stop_broker(id).unwrap();
        let stopped = w.describe_cluster().brokers.into_iter().find(|b| b.id == id).unwrap();
        let json = serde_json::to_string(&stopped).unwrap();
        assert_eq!(json, format!("{{\"id\":{id},\"state\":\"crashed\",\"stopped\":true}}"));
        w.restart_broker(id).unwrap();
    }
}
