//! What crosses the network: Kafka-shaped requests and responses, and the outbox actors fill.
//!
//! Every actor talks only through these. A request carries a `correlation_id` that its response echoes,
//! as in Kafka's wire protocol, so a client can match answers to questions.

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::config::ConfigMap;
use crate::error::FranzError;
use crate::protocol::metadata::{MetadataBatch, MetadataRecord};
use crate::protocol::raft::RaftMessage;
use crate::protocol::record::{ProducerStamp, RecordBatch};
use crate::types::{LeaderEpoch, NodeId, Offset, Record, TopicPartition};

pub use crate::protocol::actor::{Actor, CorrelationId, CorrelationIds, Outbox};

/// Kafka's `acks`: how many replicas must have a batch before the leader answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub enum Acks {
    /// `acks=0`: no response at all.
    #[serde(rename = "0")]
    None,
    /// `acks=1`: after the leader's own append.
    #[serde(rename = "1")]
    Leader,
    /// `acks=all` (`-1`): once the high watermark passes the batch.
    #[serde(rename = "all", alias = "-1")]
    All,
}

impl Acks {
    /// Kafka's spellings: `"0"`, `"1"`, `"all"` or `"-1"`.
    pub fn parse(s: &str) -> Option<Acks> {
        match s {
            "0" => Some(Acks::None),
            "1" => Some(Acks::Leader),
            "all" | "-1" => Some(Acks::All),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Acks::None => "0",
            Acks::Leader => "1",
            Acks::All => "all",
        }
    }
}

/// Kafka's `isolation.level`: how far a consumer reads. Without transactions the last stable offset is the
/// high watermark, so both read the same; `read_committed` will skip aborted batches once transactions come.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub enum IsolationLevel {
    #[default]
    ReadUncommitted,
    ReadCommitted,
}

/// Where a consumer without a position starts (`ListOffsets` with a special timestamp).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OffsetSpec {
    /// The log start offset (`-2`).
    Earliest,
    /// The high watermark (`-1`).
    Latest,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionMetadata {
    pub partition: u32,
    pub leader: NodeId,
    pub leader_epoch: LeaderEpoch,
    pub replicas: Vec<NodeId>,
    pub isr: Vec<NodeId>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicMetadata {
    pub name: String,
    /// The topic's id (Metadata v10+, KIP-516), when it exists: a client's leader epochs are of one
    /// incarnation of the topic, and start over when it is created again.
    pub topic_id: Option<crate::types::TopicId>,
    /// `Err(UNKNOWN_TOPIC_OR_PARTITION)` when the broker does not know the topic.
    pub partitions: Result<Vec<PartitionMetadata>, FranzError>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchedPartition {
    pub high_watermark: Offset,
    /// The leader's epoch when it answered: within one epoch the high watermark it reports never goes back.
    pub leader_epoch: crate::types::LeaderEpoch,
    /// The topic id of the log read (Fetch v13 answers carry it, KIP-516): a broker that has not yet
    /// learned of a deletion still serves the deleted topic.
    pub topic_id: Option<crate::types::TopicId>,
    pub log_start_offset: Offset,
    /// Views of the leader's batches (none empty), shared rather than copied.
    pub records: Vec<crate::protocol::record::BatchRecords>,
}

impl FetchedPartition {
    /// The records read, in offset order.
    pub fn records(&self) -> impl Iterator<Item = Record> + '_ {
        self.records.iter().flat_map(|batch| batch.iter())
    }
}

/// What an OffsetCommit stores, and as which member of which generation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OffsetCommit {
    pub group_id: String,
    pub generation: i32,
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub offsets: Vec<(TopicPartition, Offset)>,
}

/// A member's SyncGroup: its generation and identity, and from the leader the assignment of every member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncRequest {
    pub generation: i32,
    pub member_id: String,
    pub group_instance_id: Option<String>,
    /// The leader's assignment for every member; empty from the others.
    pub assignments: Vec<(String, Vec<TopicPartition>)>,
}

/// What a member asks for when it joins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinRequest {
    pub member_id: String,
    pub client_id: String,
    pub group_instance_id: Option<String>,
    pub session_timeout_ms: u64,
    pub rebalance_timeout_ms: u64,
    pub topics: Vec<String>,
    pub protocols: Vec<String>,
    pub owned: Vec<TopicPartition>,
    /// The generation it is in (-1 if none): its `owned` partitions' (`ConsumerProtocolSubscription`'s
    /// `generationId`, for the sticky assignors).
    pub generation: i32,
}

/// An AlterPartition request: the ISR a leader wants, at the epochs it knows. Each member comes with the
/// broker epoch the leader saw it fetch with (KIP-903), so that a broker that restarted since (perhaps
/// with an empty disk) is not put back by a stale request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlterPartition {
    pub correlation_id: CorrelationId,
    pub topic: String,
    pub partition: u32,
    pub leader_epoch: LeaderEpoch,
    pub partition_epoch: i32,
    pub isr: Vec<NodeId>,
    /// The broker epoch of each ISR member, in `isr`'s order.
    pub broker_epochs: Vec<u64>,
}

/// A page of the committed metadata log, and where the committed log ends (Raft's high watermark): a
/// broker publishes its image only once it has read that far (Kafka's `MetadataLoader`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetadataFetchData {
    /// The records from the requested offset on (at most a page).
    pub records: Vec<MetadataRecord>,
    pub high_watermark: u64,
}

/// A partition's leadership and ISR as the controller last decided them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionState {
    pub leader: NodeId,
    pub leader_epoch: LeaderEpoch,
    pub isr: Vec<NodeId>,
    pub partition_epoch: i32,
}

/// One partition of a consumer's fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchPartition {
    pub topic: String,
    /// The topic id the consumer's metadata names (KIP-516's Fetch v13; none if it has none): a broker
    /// whose topic of that name is another incarnation answers UNKNOWN_TOPIC_ID.
    pub topic_id: Option<crate::types::TopicId>,
    pub partition: u32,
    /// The leader epoch the consumer's metadata names (KIP-320); a stale one is `FENCED_LEADER_EPOCH`.
    pub current_leader_epoch: LeaderEpoch,
    pub fetch_offset: Offset,
    /// Kafka's `max.partition.fetch.bytes`.
    pub max_bytes: usize,
}

/// One partition of a consumer's fetch answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchPartitionResult {
    pub topic: String,
    pub partition: u32,
    pub result: Result<FetchedPartition, FranzError>,
}

/// Kafka's fetch session id (KIP-227); 0 names none.
pub type FetchSessionId = i32;

/// A follower's fetch from one leader in its fetch session there (KIP-227): a full fetch (session id 0)
/// names every partition the follower follows there and opens a session; an incremental one names only the
/// partitions whose fetch state changed since the last, and those no longer fetched, so that an idle pair
/// of brokers exchanges empty fetches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaFetch {
    pub correlation_id: CorrelationId,
    /// The follower's broker epoch (KIP-903's `ReplicaEpoch`).
    pub broker_epoch: u64,
    pub max_wait_ms: u64,
    pub max_bytes: usize,
    /// 0: a full fetch, opening a new session.
    pub session_id: FetchSessionId,
    /// The fetch's place in its session: 0 for the full fetch, then 1, 2, ...
    pub session_epoch: i32,
    /// Full: every partition followed there; incremental: those whose fetch state changed. Sorted by topic
    /// and partition.
    pub partitions: Vec<ReplicaFetchPartition>,
    /// Incremental: the partitions no longer fetched in this session.
    pub forgotten: Vec<(String, u32)>,
}

/// One partition of a follower's fetch: where its log ends and what it last got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaFetchPartition {
    pub topic: String,
    /// The follower's topic id (KIP-516's Fetch v13): a leader still holding a deleted topic of the same
    /// name refuses, so a follower of the new topic never copies the old one's records.
    pub topic_id: crate::types::TopicId,
    pub partition: u32,
    /// The leader epoch the follower knows; a leader at another epoch refuses (KIP-320).
    pub current_leader_epoch: LeaderEpoch,
    /// The follower's LEO.
    pub fetch_offset: Offset,
    /// The epoch of the follower's last batch, for the divergence check.
    pub last_fetched_epoch: Option<LeaderEpoch>,
    /// The HW the follower knows, so that a leader answers at once when it has a newer one.
    pub high_watermark: Offset,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaFetchData {
    pub high_watermark: Offset,
    pub log_start_offset: Offset,
    /// The follower's log diverged: truncate to (at most) this end offset of this epoch, then fetch again.
    pub diverging_epoch: Option<(LeaderEpoch, Offset)>,
    pub batches: Vec<RecordBatch>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaFetchResult {
    pub topic: String,
    /// The topic id the fetch named (Fetch v13 answers by id): a follower that saw the topic deleted and
    /// created again while the fetch was out drops an answer about the old one.
    pub topic_id: crate::types::TopicId,
    pub partition: u32,
    pub result: Result<ReplicaFetchData, FranzError>,
}

/// A member as the group leader's JoinGroup response lists it, for the assignor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinedMember {
    pub member_id: String,
    /// Its `group.instance.id` (static membership): the assignors order static members by it.
    pub group_instance_id: Option<String>,
    pub topics: Vec<String>,
    /// What it owned before this rebalance (for the sticky assignors), and from which generation.
    pub owned: Vec<TopicPartition>,
    pub generation: i32,
}

/// A completed join: the generation, the chosen assignor, the leader, this member's id, and (for the
/// leader only) every member with its subscription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinResult {
    pub generation: i32,
    pub protocol: String,
    pub leader: String,
    pub member_id: String,
    pub members: Vec<JoinedMember>,
    /// KIP-814: the leader rejoined (a static member's return) without a rebalance; the assignment stands,
    /// so it syncs without computing one.
    pub skip_assignment: bool,
}

/// Topic administration, as Kafka's admin APIs ask for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdminOp {
    CreateTopic {
        name: String,
        partitions: u32,
        replication_factor: u32,
        config: ConfigMap,
    },
    DeleteTopic {
        name: String,
    },
    /// Grows the topic to `total_count` partitions.
    CreatePartitions {
        name: String,
        total_count: u32,
    },
    /// IncrementalAlterConfigs: `Some` sets a key, `None` removes the topic's override.
    AlterConfigs {
        name: String,
        changes: Vec<(String, Option<String>)>,
    },
    /// AlterPartitionReassignments: each listed partition moves to the given replicas.
    ReassignPartitions {
        name: String,
        assignments: Vec<(u32, Vec<NodeId>)>,
    },
    /// ElectLeaders (preferred): each partition of the topic (or of every topic) back to its first replica.
    ElectPreferredLeaders {
        name: Option<String>,
    },
}

impl AdminOp {
    pub fn api_name(&self) -> &'static str {
        match self {
            AdminOp::CreateTopic { .. } => "CreateTopics",
            AdminOp::DeleteTopic { .. } => "DeleteTopics",
            AdminOp::CreatePartitions { .. } => "CreatePartitions",
            AdminOp::AlterConfigs { .. } => "IncrementalAlterConfigs",
            AdminOp::ReassignPartitions { .. } => "AlterPartitionReassignments",
            AdminOp::ElectPreferredLeaders { .. } => "ElectLeaders",
        }
    }
}

/// One partition's batch in a Produce request (Kafka's `PartitionProduceData`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProducePartition {
    pub topic: String,
    /// The topic id (KIP-516, Kafka's Produce v13) of the incarnation the producer's metadata names: a leader
    /// holding another incarnation under that name refuses the batch (`UNKNOWN_TOPIC_ID`) rather than take
    /// it. None: addressed by name alone (an older client).
    pub topic_id: Option<crate::types::TopicId>,
    pub partition: u32,
    /// The idempotent producer's id, epoch and this batch's first sequence number (or none).
    pub producer: ProducerStamp,
    /// Offsets are deltas within the batch until the leader appends it.
    pub records: crate::protocol::record::BatchRecords,
    /// The simulation's provenance of its first record (not Kafka's wire); `None` from a client it did not
    /// make.
    pub origin: Option<crate::protocol::record::RecordOrigin>,
}

/// One partition's answer to a Produce (Kafka's `PartitionProduceResponse`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProducePartitionResult {
    pub topic: String,
    pub partition: u32,
    /// The topic id (KIP-516) of the log that took the batch: a leader that has not yet learned of a
    /// deletion appends to the old topic, which then goes with everything written to it.
    pub topic_id: Option<crate::types::TopicId>,
    /// The base offset of the appended batch.
    pub result: Result<Offset, FranzError>,
    /// The log's start offset when it took the batch (0 with an error).
    pub log_start_offset: Offset,
    /// The leader epoch of the replica that took the batch (-1 with an error): the producer never goes back
    /// to an older leader of the partition, as its metadata never goes back to an older epoch (KIP-320).
    pub leader_epoch: crate::types::LeaderEpoch,
}

impl ProducePartitionResult {
    /// A batch appended at `base_offset` to the log `topic_id`, which started at `log_start_offset`.
    pub fn appended(
        topic: &str,
        partition: u32,
        topic_id: Option<crate::types::TopicId>,
        base_offset: Offset,
        log_start_offset: Offset,
        leader_epoch: crate::types::LeaderEpoch,
    ) -> Self {
        let result = Ok(base_offset);
        ProducePartitionResult { topic: topic.into(), partition, topic_id, result, log_start_offset, leader_epoch }
    }

    /// A batch refused with `error`.
    pub fn refused(topic: &str, partition: u32, topic_id: Option<crate::types::TopicId>, error: FranzError) -> Self {
        let result = Err(error);
        ProducePartitionResult {
            topic: topic.into(),
            partition,
            topic_id,
            result,
            log_start_offset: 0,
            leader_epoch: -1,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    AdminRequest {
        correlation_id: CorrelationId,
        op: AdminOp,
    },
    AdminResponse {
        correlation_id: CorrelationId,
        result: Result<(), FranzError>,
    },
    /// The idempotent producer asks for its producer id (Kafka's InitProducerId).
    InitProducerIdRequest {
        correlation_id: CorrelationId,
    },
    InitProducerIdResponse {
        correlation_id: CorrelationId,
        /// Producer id and epoch.
        result: Result<(i64, i16), FranzError>,
    },
    MetadataRequest {
        correlation_id: CorrelationId,
        topics: Vec<String>,
    },
    MetadataResponse {
        correlation_id: CorrelationId,
        brokers: Vec<NodeId>,
        topics: Vec<TopicMetadata>,
    },
    /// A batch for each of some partitions this broker leads, at most one per partition (Kafka's producer
    /// drains one batch per partition for each node into one request).
    ProduceRequest {
        correlation_id: CorrelationId,
        acks: Acks,
        timeout_ms: u64,
        partitions: Vec<ProducePartition>,
    },
    /// One answer per partition of the request, in its order; with acks=all, once all are replicated (or
    /// failed, or the request's timeout ended).
    ProduceResponse {
        correlation_id: CorrelationId,
        partitions: Vec<ProducePartitionResult>,
    },
    /// A consumer's fetch: every partition it reads from this leader with nothing buffered, in one request
    /// (Kafka's consumer keeps one Fetch in flight per broker). The leader answers when some partition has
    /// records or an error, or when `max_wait_ms` ends.
    FetchRequest {
        correlation_id: CorrelationId,
        max_wait_ms: u64,
        isolation_level: IsolationLevel,
        partitions: Vec<FetchPartition>,
    },
    /// The partitions asked for that have records or an error, in the request's order; those with nothing
    /// new are left out, as in an incremental answer of a fetch session (KIP-227).
    FetchResponse {
        correlation_id: CorrelationId,
        partitions: Vec<FetchPartitionResult>,
    },
    /// Every partition a consumer resets at one leader, in one request (Kafka's `OffsetFetcher` groups them
    /// by node: one request each made 10,000 partitions cost 10,000 round trips, adversary 60).
    ListOffsetsRequest {
        correlation_id: CorrelationId,
        partitions: Vec<TopicPartition>,
        spec: OffsetSpec,
    },
    /// One result per partition asked, in the request's order.
    ListOffsetsResponse {
        correlation_id: CorrelationId,
        partitions: Vec<(TopicPartition, Result<Offset, FranzError>)>,
    },
    /// Between controllers: KRaft's quorum traffic, as Raft's two RPCs.
    Raft(RaftMessage<MetadataBatch>),
    /// The sender's host refused the connection, or reset it: its process is down (a crash, not a power
    /// loss, which is silent). Requests out to it are lost; the receiver learns at once instead of by
    /// timeout, as a Kafka client's `NetworkClient` sees a disconnect.
    Disconnected {
        /// The request refused, when it had one (Raft traffic has none): only that request is lost.
        correlation_id: Option<CorrelationId>,
    },
    /// A broker (re)starting announces itself; `incarnation` tells this run from its earlier ones.
    BrokerRegistrationRequest {
        correlation_id: CorrelationId,
        incarnation: u64,
    },
    BrokerRegistrationResponse {
        correlation_id: CorrelationId,
        result: Result<(), FranzError>,
    },
    /// Every `broker.heartbeat.interval.ms`: alive, and how far it has applied the metadata log.
    BrokerHeartbeatRequest {
        correlation_id: CorrelationId,
        incarnation: u64,
        metadata_offset: u64,
        /// Kafka's `wantFence`: the broker has not loaded the metadata log yet and must stay fenced.
        want_fence: bool,
        /// Kafka's `wantShutDown`: a controlled shutdown; move this broker's leaderships away.
        want_shut_down: bool,
    },
    BrokerHeartbeatResponse {
        correlation_id: CorrelationId,
        /// Whether the broker is fenced.
        result: Result<bool, FranzError>,
    },
    /// A broker reads the committed metadata log from `offset` (waiting up to `max_wait_ms` for news).
    MetadataFetchRequest {
        correlation_id: CorrelationId,
        offset: u64,
        max_wait_ms: u64,
    },
    MetadataFetchResponse {
        correlation_id: CorrelationId,
        result: Result<MetadataFetchData, FranzError>,
        /// The quorum's leader as the answering controller knows it (KRaft's `currentLeader`): how brokers
        /// find a new active controller.
        current_leader: Option<NodeId>,
    },
    /// A leader asks the controller to change a partition's ISR (checked against the partition epoch).
    AlterPartitionRequest(AlterPartition),
    AlterPartitionResponse {
        correlation_id: CorrelationId,
        topic: String,
        partition: u32,
        result: Result<PartitionState, FranzError>,
    },
    /// A follower's fetch from a leader, in its fetch session there.
    ReplicaFetchRequest(ReplicaFetch),
    /// Full: every partition of the fetch; incremental: those with something to say (records, a new HW or
    /// log start, a divergence, an error).
    ReplicaFetchResponse {
        correlation_id: CorrelationId,
        /// The session's id (a new one after a full fetch), or why the fetch was refused
        /// (`FETCH_SESSION_ID_NOT_FOUND`, `INVALID_FETCH_SESSION_EPOCH`: fetch in full again).
        session: Result<FetchSessionId, FranzError>,
        partitions: Vec<ReplicaFetchResult>,
    },
    /// Which broker coordinates the group (the leader of its `__consumer_offsets` partition).
    FindCoordinatorRequest {
        correlation_id: CorrelationId,
        group_id: String,
    },
    FindCoordinatorResponse {
        correlation_id: CorrelationId,
        result: Result<NodeId, FranzError>,
    },
    /// Stores the group's next offsets to read, replicated like any record. A member names its generation,
    /// member id and `group.instance.id`, so that the coordinator refuses a member that is no longer in the
    /// group (a zombie); a consumer using `assign` sends generation -1 and no member id.
    OffsetCommitRequest {
        correlation_id: CorrelationId,
        commit: OffsetCommit,
    },
    OffsetCommitResponse {
        correlation_id: CorrelationId,
        result: Result<(), FranzError>,
        /// The simulation's provenance (not Kafka's wire): the topic ids (KIP-516) the coordinator knew the
        /// committed topics by when it wrote the commit. A coordinator that learns of a topic's deletion
        /// later deletes the commit with the topic, so the checker counts it for that topic id.
        topic_ids: Vec<(String, crate::types::TopicId)>,
    },
    OffsetFetchRequest {
        correlation_id: CorrelationId,
        group_id: String,
        partitions: Vec<TopicPartition>,
    },
    OffsetFetchResponse {
        correlation_id: CorrelationId,
        /// Per partition, the committed offset (`None`: nothing committed).
        result: Result<Vec<(TopicPartition, Option<Offset>)>, FranzError>,
    },
    JoinGroupRequest {
        correlation_id: CorrelationId,
        group_id: String,
        join: JoinRequest,
    },
    JoinGroupResponse {
        correlation_id: CorrelationId,
        /// With `MEMBER_ID_REQUIRED` (KIP-394): the member id to join again with; empty otherwise (a
        /// completed join names it in its result).
        member_id: String,
        result: Result<JoinResult, FranzError>,
    },
    SyncGroupRequest {
        correlation_id: CorrelationId,
        group_id: String,
        sync: SyncRequest,
    },
    SyncGroupResponse {
        correlation_id: CorrelationId,
        result: Result<Vec<TopicPartition>, FranzError>,
    },
    HeartbeatRequest {
        correlation_id: CorrelationId,
        group_id: String,
        generation: i32,
        member_id: String,
        group_instance_id: Option<String>,
    },
    HeartbeatResponse {
        correlation_id: CorrelationId,
        result: Result<(), FranzError>,
    },
    LeaveGroupRequest {
        correlation_id: CorrelationId,
        group_id: String,
        member_id: String,
    },
    LeaveGroupResponse {
        correlation_id: CorrelationId,
        result: Result<(), FranzError>,
    },
}

impl Message {
    /// The correlation id a request or its response carries (Raft traffic and disconnects carry none).
    pub fn correlation_id(&self) -> Option<CorrelationId> {
        match self {
            Message::AdminRequest { correlation_id, .. }
            | Message::AdminResponse { correlation_id, .. }
            | Message::InitProducerIdRequest { correlation_id, .. }
            | Message::InitProducerIdResponse { correlation_id, .. }
            | Message::MetadataRequest { correlation_id, .. }
            | Message::MetadataResponse { correlation_id, .. }
            | Message::ProduceRequest { correlation_id, .. }
            | Message::ProduceResponse { correlation_id, .. }
            | Message::FetchRequest { correlation_id, .. }
            | Message::FetchResponse { correlation_id, .. }
            | Message::ListOffsetsRequest { correlation_id, .. }
            | Message::ListOffsetsResponse { correlation_id, .. }
            | Message::BrokerRegistrationRequest { correlation_id, .. }
            | Message::BrokerRegistrationResponse { correlation_id, .. }
            | Message::BrokerHeartbeatRequest { correlation_id, .. }
            | Message::BrokerHeartbeatResponse { correlation_id, .. }
            | Message::MetadataFetchRequest { correlation_id, .. }
            | Message::MetadataFetchResponse { correlation_id, .. }
            | Message::AlterPartitionResponse { correlation_id, .. }
            | Message::ReplicaFetchRequest(ReplicaFetch { correlation_id, .. })
            | Message::ReplicaFetchResponse { correlation_id, .. }
            | Message::FindCoordinatorRequest { correlation_id, .. }
            | Message::FindCoordinatorResponse { correlation_id, .. }
            | Message::OffsetCommitRequest { correlation_id, .. }
            | Message::OffsetCommitResponse { correlation_id, .. }
            | Message::OffsetFetchRequest { correlation_id, .. }
            | Message::OffsetFetchResponse { correlation_id, .. }
            | Message::JoinGroupRequest { correlation_id, .. }
            | Message::JoinGroupResponse { correlation_id, .. }
            | Message::SyncGroupRequest { correlation_id, .. }
            | Message::SyncGroupResponse { correlation_id, .. }
            | Message::HeartbeatRequest { correlation_id, .. }
            | Message::HeartbeatResponse { correlation_id, .. }
            | Message::LeaveGroupRequest { correlation_id, .. }
            | Message::LeaveGroupResponse { correlation_id, .. } => Some(*correlation_id),
            Message::AlterPartitionRequest(request) => Some(request.correlation_id),
            Message::Raft(_) | Message::Disconnected { .. } => None,
        }
    }

    /// Kafka's API name, for the trace and the network view.
    pub fn api_name(&self) -> &'static str {
        match self {
            Message::AdminRequest { op, .. } => op.api_name(),
            Message::AdminResponse { .. } => "Admin",
            Message::MetadataRequest { .. } | Message::MetadataResponse { .. } => "Metadata",
            Message::InitProducerIdRequest { .. } | Message::InitProducerIdResponse { .. } => "InitProducerId",
            Message::ProduceRequest { .. } | Message::ProduceResponse { .. } => "Produce",
            Message::FetchRequest { .. } | Message::FetchResponse { .. } => "Fetch",
            Message::ListOffsetsRequest { .. } | Message::ListOffsetsResponse { .. } => "ListOffsets",
            Message::Raft(RaftMessage::RequestVote { .. } | RaftMessage::VoteResponse { .. }) => "Vote",
            Message::Raft(_) => "AppendEntries",
            Message::Disconnected { .. } => "Disconnect",
            Message::BrokerRegistrationRequest { .. } | Message::BrokerRegistrationResponse { .. } => {
                "BrokerRegistration"
            }
            Message::BrokerHeartbeatRequest { .. } | Message::BrokerHeartbeatResponse { .. } => "BrokerHeartbeat",
            Message::MetadataFetchRequest { .. } | Message::MetadataFetchResponse { .. } => "MetadataFetch",
            Message::AlterPartitionRequest(_) | Message::AlterPartitionResponse { .. } => "AlterPartition",
            Message::ReplicaFetchRequest(_) | Message::ReplicaFetchResponse { .. } => "Fetch",
            Message::FindCoordinatorRequest { .. } | Message::FindCoordinatorResponse { .. } => "FindCoordinator",
            Message::OffsetCommitRequest { .. } | Message::OffsetCommitResponse { .. } => "OffsetCommit",
            Message::OffsetFetchRequest { .. } | Message::OffsetFetchResponse { .. } => "OffsetFetch",
            Message::JoinGroupRequest { .. } | Message::JoinGroupResponse { .. } => "JoinGroup",
            Message::SyncGroupRequest { .. } | Message::SyncGroupResponse { .. } => "SyncGroup",
            Message::HeartbeatRequest { .. } | Message::HeartbeatResponse { .. } => "Heartbeat",
            Message::LeaveGroupRequest { .. } | Message::LeaveGroupResponse { .. } => "LeaveGroup",
        }
    }
}
