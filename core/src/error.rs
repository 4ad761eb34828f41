//! Kafka's error names, and the error every public entry of Franz returns.
//!
//! The names are Kafka's own strings (`org.apache.kafka.common.protocol.Errors`), so a person who knows
//! Kafka reads them without a glossary. `retriable` follows Kafka's `RetriableException` hierarchy.

use alloc::string::String;
use core::fmt;
use serde::{Deserialize, Serialize};

/// A Kafka error code, by its protocol name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub enum ErrorCode {
    UnknownServerError,
    OffsetOutOfRange,
    CorruptMessage,
    UnknownTopicOrPartition,
    InvalidFetchSize,
    LeaderNotAvailable,
    NotLeaderOrFollower,
    RequestTimedOut,
    MessageTooLarge,
    InvalidTopicException,
    RecordListTooLarge,
    NotEnoughReplicas,
    NotEnoughReplicasAfterAppend,
    InvalidRequiredAcks,
    TopicAlreadyExists,
    InvalidPartitions,
    InvalidReplicationFactor,
    InvalidRequest,
    InvalidConfig,
    PolicyViolation,
    TopicAuthorizationFailed,
    InvalidRecord,
    InvalidTimestamp,
    OutOfOrderSequenceNumber,
    InvalidProducerEpoch,
    UnsupportedVersion,
    NotController,
    FencedLeaderEpoch,
    UnknownLeaderEpoch,
    InvalidUpdateVersion,
    IneligibleReplica,
    /// KIP-516: the request names another incarnation of the topic (a topic id) than the broker's log.
    InconsistentTopicId,
    StaleBrokerEpoch,
    InvalidReplicaAssignment,
    ReassignmentInProgress,
    CoordinatorNotAvailable,
    NotCoordinator,
    InvalidGroupId,
    RebalanceInProgress,
    IllegalGeneration,
    UnknownMemberId,
    InconsistentGroupProtocol,
    NetworkException,
    OffsetNotAvailable,
    FencedInstanceId,
    MemberIdRequired,
    /// KIP-227: the leader keeps no fetch session of that id (it restarted, or replaced it).
    FetchSessionIdNotFound,
    /// KIP-227: a fetch out of its session's order.
    InvalidFetchSessionEpoch,
    /// Not a protocol error: the consumer's `NoOffsetForPartitionException` (no committed offset, no
    /// position, and `auto.offset.reset=none`).
    NoOffsetForPartition,
    /// KIP-516: a fetch names a topic id the broker does not know (the topic was deleted, perhaps created
    /// again under its name).
    UnknownTopicId,
    /// A JoinGroup's `session.timeout.ms` outside the brokers' `group.min.session.timeout.ms` ..
    /// `group.max.session.timeout.ms`.
    InvalidSessionTimeout,
    TopicDeletionDisabled,
}

impl ErrorCode {
    /// The name Kafka prints, e.g. `NOT_ENOUGH_REPLICAS`.
    pub fn name(self) -> &'static str {
        use ErrorCode::*;
        match self {
            UnknownServerError => "UNKNOWN_SERVER_ERROR",
            OffsetOutOfRange => "OFFSET_OUT_OF_RANGE",
            CorruptMessage => "CORRUPT_MESSAGE",
            UnknownTopicOrPartition => "UNKNOWN_TOPIC_OR_PARTITION",
            InvalidFetchSize => "INVALID_FETCH_SIZE",
            LeaderNotAvailable => "LEADER_NOT_AVAILABLE",
            NotLeaderOrFollower => "NOT_LEADER_OR_FOLLOWER",
            RequestTimedOut => "REQUEST_TIMED_OUT",
            MessageTooLarge => "MESSAGE_TOO_LARGE",
            InvalidTopicException => "INVALID_TOPIC_EXCEPTION",
            RecordListTooLarge => "RECORD_LIST_TOO_LARGE",
            NotEnoughReplicas => "NOT_ENOUGH_REPLICAS",
            NotEnoughReplicasAfterAppend => "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
            InvalidRequiredAcks => "INVALID_REQUIRED_ACKS",
            TopicAlreadyExists => "TOPIC_ALREADY_EXISTS",
            InvalidPartitions => "INVALID_PARTITIONS",
            InvalidReplicationFactor => "INVALID_REPLICATION_FACTOR",
            TopicDeletionDisabled => "TOPIC_DELETION_DISABLED",
            InvalidRequest => "INVALID_REQUEST",
            InvalidConfig => "INVALID_CONFIG",
            PolicyViolation => "POLICY_VIOLATION",
            TopicAuthorizationFailed => "TOPIC_AUTHORIZATION_FAILED",
            InvalidRecord => "INVALID_RECORD",
            InvalidTimestamp => "INVALID_TIMESTAMP",
            OutOfOrderSequenceNumber => "OUT_OF_ORDER_SEQUENCE_NUMBER",
            InvalidProducerEpoch => "INVALID_PRODUCER_EPOCH",
            UnsupportedVersion => "UNSUPPORTED_VERSION",
            NotController => "NOT_CONTROLLER",
            FencedLeaderEpoch => "FENCED_LEADER_EPOCH",
            UnknownLeaderEpoch => "UNKNOWN_LEADER_EPOCH",
            InvalidUpdateVersion => "INVALID_UPDATE_VERSION",
            IneligibleReplica => "INELIGIBLE_REPLICA",
            InconsistentTopicId => "INCONSISTENT_TOPIC_ID",
            StaleBrokerEpoch => "STALE_BROKER_EPOCH",
            InvalidReplicaAssignment => "INVALID_REPLICA_ASSIGNMENT",
            ReassignmentInProgress => "REASSIGNMENT_IN_PROGRESS",
            CoordinatorNotAvailable => "COORDINATOR_NOT_AVAILABLE",
            NotCoordinator => "NOT_COORDINATOR",
            InvalidGroupId => "INVALID_GROUP_ID",
            RebalanceInProgress => "REBALANCE_IN_PROGRESS",
            IllegalGeneration => "ILLEGAL_GENERATION",
            UnknownMemberId => "UNKNOWN_MEMBER_ID",
            InconsistentGroupProtocol => "INCONSISTENT_GROUP_PROTOCOL",
            NetworkException => "NETWORK_EXCEPTION",
            OffsetNotAvailable => "OFFSET_NOT_AVAILABLE",
            FencedInstanceId => "FENCED_INSTANCE_ID",
            MemberIdRequired => "MEMBER_ID_REQUIRED",
            FetchSessionIdNotFound => "FETCH_SESSION_ID_NOT_FOUND",
            InvalidFetchSessionEpoch => "INVALID_FETCH_SESSION_EPOCH",
            NoOffsetForPartition => "NO_OFFSET_FOR_PARTITION",
            UnknownTopicId => "UNKNOWN_TOPIC_ID",
            InvalidSessionTimeout => "INVALID_SESSION_TIMEOUT",
        }
    }

    /// Whether Kafka's client would retry it (a `RetriableException` subclass).
    pub fn retriable(self) -> bool {
        use ErrorCode::*;
        matches!(
            self,
            CorruptMessage
                | UnknownTopicOrPartition
                | LeaderNotAvailable
                | NotLeaderOrFollower
                | RequestTimedOut
                | NotEnoughReplicas
                | NotEnoughReplicasAfterAppend
                | NotController
                | FencedLeaderEpoch
                | UnknownLeaderEpoch
                | CoordinatorNotAvailable
                | NotCoordinator
                | NetworkException
                | OffsetNotAvailable
                | InconsistentTopicId
                | UnknownTopicId
                | FetchSessionIdNotFound
                | InvalidFetchSessionEpoch
        )
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An error from a public entry of Franz: a Kafka error name and a sentence that says what to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FranzError {
    pub code: ErrorCode,
    pub message: String,
}

impl FranzError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        FranzError { code, message: message.into() }
    }

    pub fn retriable(&self) -> bool {
        self.code.retriable()
    }
}

impl fmt::Display for FranzError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.name(), self.message)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for FranzError {}

pub type Result<T, E = FranzError> = core::result::Result<T, E>;
