//! The consumer: for each assigned partition it finds a starting position (`auto.offset.reset` through
//! ListOffsets, or the user's `seek`), keeps one long-polling Fetch in flight to the leader while its
//! buffer is empty, and hands buffered records out on `poll`, advancing the position.
//!
//! With a `group.id` it also keeps committed offsets: a partition without a position first asks the group's
//! coordinator (FindCoordinator, OffsetFetch) and starts from the committed offset, if any; `commitSync` and
//! auto-commit (every `auto.commit.interval.ms`, on poll) store positions (OffsetCommit).
//!
//! `subscribe` makes it a group member (Kafka's classic protocol, eager): it finds the coordinator, joins,
//! the leader computes the assignment with the group's assignor, everyone syncs it and heartbeats every
//! `heartbeat.interval.ms`; a rebalance revokes every partition (committing first with auto-commit) and
//! joins again. A consumer that does not poll within `max.poll.interval.ms` leaves the group. Commits name
//! the member and its generation: one the group refused (the group rebalanced without it) fails as Kafka's
//! `CommitFailedException` and the consumer joins again. A static member (`group.instance.id`) that a newer
//! instance replaced is fenced (`FENCED_INSTANCE_ID`): it stops, and every poll says so. A static member does
//! not leave on `close()`: the group keeps its place for `session.timeout.ms`.
//!
//! For the checker it notes what it believes it owns: each assignment received and each one given up.
//!
//! The work is split as Kafka's client splits it: `fetcher` (positions and fetches), `commits` and
//! `membership` (coordinator, join, sync, heartbeats); this file holds the state, the application's calls
//! and the actor's entry points.

mod commits;
mod fetcher;
mod membership;

use crate::vec_map::VecMap;
use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;

use super::metadata::MetadataCache;
use super::{Bootstrap, RETRY_BACKOFF_MAX_MS, RETRY_BACKOFF_MS};
use crate::error::{ErrorCode, FranzError, Result};
use crate::protocol::actor::{InFlight, InFlightRequest, TimerName, Timers};
use crate::protocol::history::{CommittedOffset, FetchedCommittedOffset, Op, PolledRecord, ResetReason, RevokeReason};
use crate::protocol::message::{
    Actor, CorrelationId, FetchPartition, FetchPartitionResult, FetchedPartition, Message, OffsetCommit, OffsetSpec,
    Outbox,
};
use crate::protocol::record::BatchRecords;
use crate::protocol::trace::TraceKind;
use crate::types::{Bytes, Header, LeaderEpoch, NodeId, Offset, Record, TopicPartition, NO_NODE};

/// Franz's bound on partitions one consumer is assigned: every partition of a cluster, so that whatever a
/// group hands one member it takes (at 4,096, a member given more by its group read nothing, silently: the
/// coordinator refused its OffsetFetch; adversary 59).
pub const ASSIGNED_PARTITIONS_MAX: usize = crate::config::CLUSTER_PARTITIONS_MAX as usize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub enum AutoOffsetReset {
    Earliest,
    Latest,
    None,
}

impl AutoOffsetReset {
    pub fn parse(s: &str) -> Option<AutoOffsetReset> {
        match s {
            "earliest" => Some(AutoOffsetReset::Earliest),
            "latest" => Some(AutoOffsetReset::Latest),
            "none" => Some(AutoOffsetReset::None),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            AutoOffsetReset::Earliest => "earliest",
            AutoOffsetReset::Latest => "latest",
            AutoOffsetReset::None => "none",
        }
    }
}

/// The consumer's settings, Kafka's names in camelCase (`maxPollRecords` is `max.poll.records`).
/// Read by hand (`Deserialize` below, with [`crate::json::Object`]) as this derive would read it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub struct ConsumerConfig {
    /// `client.id`; when absent or empty, Kafka's `consumer-<group.id>-<N>` (`consumer-null-<N>` without a group;
    /// a static member's `group.instance.id` for `<N>`).
    pub client_id: Option<String>,
    pub group_id: Option<String>,
    pub auto_offset_reset: AutoOffsetReset,
    pub max_poll_records: usize,
    pub fetch_max_wait_ms: u64,
    pub max_partition_fetch_bytes: usize,
    pub request_timeout_ms: u64,
    /// `enable.auto.commit`: with a group id, positions are committed every `auto.commit.interval.ms`. Without
    /// one it is off (see `check_auto_commit_given`).
    pub enable_auto_commit: bool,
    pub auto_commit_interval_ms: u64,
    /// `partition.assignment.strategy` (one assignor): range, roundrobin, sticky or cooperative-sticky.
    #[cfg_attr(feature = "tsify", tsify(type = "\"range\" | \"roundrobin\" | \"sticky\" | \"cooperative-sticky\""))]
    pub assignor: String,
    pub session_timeout_ms: u64,
    pub heartbeat_interval_ms: u64,
    pub max_poll_interval_ms: u64,
    /// `group.instance.id`: a static member keeps its member id across restarts.
    pub group_instance_id: Option<String>,
    /// `isolation.level`: `read_uncommitted` (Kafka's default) reads to the HW, `read_committed` to the
    /// last stable offset.
    pub isolation_level: crate::protocol::message::IsolationLevel,
    /// `metadata.max.age.ms`: how often a group's leader rereads its subscribed topics, to rebalance when
    /// their partitions changed (added, or the topic deleted).
    pub metadata_max_age_ms: u64,
}

impl Default for ConsumerConfig {
    /// Kafka's consumer defaults.
    fn default() -> Self {
        ConsumerConfig {
            client_id: None,
            group_id: None,
            auto_offset_reset: AutoOffsetReset::Latest,
            max_poll_records: 500,
            fetch_max_wait_ms: 500,
            max_partition_fetch_bytes: 1_048_576,
            request_timeout_ms: 30_000,
            enable_auto_commit: true,
            auto_commit_interval_ms: 5_000,
            assignor: String::from("range"),
            session_timeout_ms: 45_000,
            heartbeat_interval_ms: 3_000,
            max_poll_interval_ms: 300_000,
            group_instance_id: None,
            isolation_level: crate::protocol::message::IsolationLevel::ReadUncommitted,
            metadata_max_age_ms: 300_000,
        }
    }
}

impl<'de> serde::Deserialize<'de> for ConsumerConfig {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> core::result::Result<Self, D::Error> {
        let mut o = crate::json::Object::read(deserializer)?;
        let d = ConsumerConfig::default();
        let read = |o: &mut crate::json::Object| {
            Ok(ConsumerConfig {
                client_id: o.opt_or("clientId", d.client_id)?,
                group_id: o.opt_or("groupId", d.group_id)?,
                auto_offset_reset: o.opt_or("autoOffsetReset", d.auto_offset_reset)?,
                max_poll_records: o.opt_or("maxPollRecords", d.max_poll_records)?,
                fetch_max_wait_ms: o.opt_or("fetchMaxWaitMs", d.fetch_max_wait_ms)?,
                max_partition_fetch_bytes: o.opt_or("maxPartitionFetchBytes", d.max_partition_fetch_bytes)?,
                request_timeout_ms: o.opt_or("requestTimeoutMs", d.request_timeout_ms)?,
                enable_auto_commit: o.opt_or("enableAutoCommit", d.enable_auto_commit)?,
                auto_commit_interval_ms: o.opt_or("autoCommitIntervalMs", d.auto_commit_interval_ms)?,
                assignor: o.opt_or("assignor", d.assignor)?,
                session_timeout_ms: o.opt_or("sessionTimeoutMs", d.session_timeout_ms)?,
                heartbeat_interval_ms: o.opt_or("heartbeatIntervalMs", d.heartbeat_interval_ms)?,
                max_poll_interval_ms: o.opt_or("maxPollIntervalMs", d.max_poll_interval_ms)?,
                group_instance_id: o.opt_or("groupInstanceId", d.group_instance_id)?,
                isolation_level: o.opt_or("isolationLevel", d.isolation_level)?,
                metadata_max_age_ms: o.opt_or("metadataMaxAgeMs", d.metadata_max_age_ms)?,
            })
        };
        read(&mut o).and_then(|config| o.end(config)).map_err(serde::de::Error::custom)
    }
}

impl ConsumerConfig {
    /// Kafka's ranges (and Franz's bounds), so that no setting can stall or overflow the simulation.
    pub fn validate(&self) -> Result<()> {
        use super::producer::CLIENT_TIMEOUT_MS_MAX;
        super::check_range("request.timeout.ms", self.request_timeout_ms, 1, CLIENT_TIMEOUT_MS_MAX)?;
        super::check_range("fetch.max.wait.ms", self.fetch_max_wait_ms, 0, CLIENT_TIMEOUT_MS_MAX)?;
        super::check_range("max.poll.records", self.max_poll_records as u64, 1, 1_000_000)?;
        super::check_range("auto.commit.interval.ms", self.auto_commit_interval_ms, 1, CLIENT_TIMEOUT_MS_MAX)?;
        crate::group::assignor::Assignor::parse(&self.assignor)?;
        super::check_range("session.timeout.ms", self.session_timeout_ms, 1, CLIENT_TIMEOUT_MS_MAX)?;
        super::check_range("heartbeat.interval.ms", self.heartbeat_interval_ms, 1, CLIENT_TIMEOUT_MS_MAX)?;
        super::check_range("max.poll.interval.ms", self.max_poll_interval_ms, 1, CLIENT_TIMEOUT_MS_MAX)?;
        super::check_range("metadata.max.age.ms", self.metadata_max_age_ms, 1, CLIENT_TIMEOUT_MS_MAX)?;
        if self.heartbeat_interval_ms >= self.session_timeout_ms {
            return Err(franz_err!(InvalidConfig, "heartbeat.interval.ms must be lower than session.timeout.ms"));
        }
        if self.group_id.as_ref().is_some_and(|g| g.len() > 255) {
            return Err(franz_err!(InvalidGroupId, "group.id is at most 255 characters in Franz"));
        }
        // Kafka's coordinator refuses an empty group id (KIP-289): the consumer then fails with
        // InvalidGroupIdException. Franz refuses it when the consumer is made, with the same error.
        if self.group_id.as_deref() == Some("") {
            return Err(franz_err!(
                InvalidGroupId,
                "group.id must not be empty (leave it unset for a consumer without a group)"
            ));
        }
        if let Some(id) = &self.group_instance_id {
            crate::types::validate_group_instance_id(id)?;
        }
        super::check_range("max.partition.fetch.bytes", self.max_partition_fetch_bytes as u64, 0, 1 << 30)
    }

    /// KafkaConsumer's rule for an `enable.auto.commit` the user gave (`given`): without a group, unset reads
    /// false, and `true` is refused. (The default here is Kafka's with a group; a scenario records it whole.)
    pub fn check_auto_commit_given(&self, given: Option<bool>) -> Result<()> {
        if self.group_id.is_none() && given == Some(true) {
            return Err(franz_err!(
                InvalidConfig,
                "enable.auto.commit cannot be set to true when default group id (null) is used."
            ));
        }
        Ok(())
    }

    /// Kafka's defaults with a `client.id`.
    pub fn named(client_id: impl Into<String>) -> ConsumerConfig {
        ConsumerConfig { client_id: Some(client_id.into()), ..ConsumerConfig::default() }
    }
}

/// A record as `poll` returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerRecord {
    pub topic: String,
    pub partition: u32,
    pub offset: Offset,
    pub timestamp_ms: i64,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub headers: Vec<Header>,
}

#[derive(Clone, Debug, Default)]
struct PartitionState {
    /// The offset of the next record `poll` returns; `None` until reset or seek.
    position: Option<Offset>,
    /// Fetched records not yet returned, with what their fetch answer said besides.
    buffer: CompletedFetch,
    /// No request for this partition before this time (after an error).
    backoff_until_ms: u64,
    request_in_flight: bool,
    high_watermark: Option<Offset>,
    /// With a group: the coordinator was asked for a committed offset (so a reset may follow).
    committed_checked: bool,
    /// `pause`d: not fetched, and `poll` returns nothing of it until `resume`.
    paused: bool,
    /// No committed offset and `auto.offset.reset=none`: `position` and `poll` throw until a seek.
    no_offset: bool,
}

#[derive(Clone, Debug)]
enum Pending {
    Metadata,
    ListOffsets(Vec<TopicPartition>),
    /// The partitions a Fetch asked for, each at its offset.
    Fetch(Vec<(TopicPartition, Offset)>),
    FindCoordinator,
    /// The partitions asked for, and when.
    OffsetFetch(Vec<TopicPartition>, u64),
    OffsetCommit(u64),
    JoinGroup,
    SyncGroup,
    /// Sent as this member id of this generation.
    Heartbeat(i32, String),
    LeaveGroup,
}

/// Where a subscribed consumer stands in its group.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Phase {
    /// Must (re)join, not before `rejoin_at_ms`.
    NeedJoin,
    Joining,
    /// The leader computes the assignment once it knows every subscribed topic's partitions.
    Assigning(crate::protocol::message::JoinResult),
    Syncing,
    Stable,
    /// Out of the group until the application polls again: it left for exceeding `max.poll.interval.ms`, or
    /// learned outside `poll` that the coordinator removed it.
    LeftUntilPoll,
    /// Another instance with this `group.instance.id` took its place: no more group requests; every poll
    /// throws `FENCED_INSTANCE_ID` (fatal in Kafka).
    Fenced,
}

#[derive(Clone, Debug)]
struct Membership {
    topics: Vec<String>,
    member_id: String,
    generation: i32,
    phase: Phase,
    rejoin_at_ms: u64,
    next_heartbeat_ms: u64,
    /// Kafka's session timer: when the coordinator last answered a heartbeat, or was found, or the member
    /// joined. `session.timeout.ms` past it, the coordinator is taken for lost and sought again.
    session_ok_ms: u64,
    last_poll_ms: u64,
    /// What the last generation gave this member (sent when joining, for the sticky assignors), and that
    /// generation.
    owned: Vec<TopicPartition>,
    owned_generation: i32,
    /// The group rebalances (a heartbeat said so) while the application is not in `poll`: as Kafka's
    /// `requestRejoin`, the revocation (and its auto-commit) and the JoinGroup wait for the next poll, so
    /// that nothing the application may still be processing is committed behind its back.
    rejoin_requested: bool,
    /// The leader withheld partitions (cooperative-sticky's first phase): rebalance again once synced.
    follow_up: bool,
    /// As the group's leader: the partition count of each topic it assigned, and when it last reread them
    /// (Kafka's `assignmentSnapshot` against the metadata, every `metadata.max.age.ms`).
    assigned_counts: Option<VecMap<String, u32>>,
    metadata_checked_ms: u64,
}

/// Who asked for a commit, which says whether it is retried and whether someone waits for its outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CommitKind {
    /// `commitSync`: retried until `default.api.timeout.ms`; its outcome is reported.
    Sync,
    /// Auto-commit on poll: not retried (Kafka's async commit; the next one carries newer positions), so
    /// that a stale commit never lands after a newer one.
    Auto,
    /// The positions given up before a rebalance or on close: retried; the next JoinGroup waits for it.
    Revocation,
}

/// A partition's fetched records not yet returned by `poll` (Kafka's `CompletedFetch`): views of the leader's
/// batches and a cursor. A record is made only when `poll` hands it out (copying every fetched record into
/// a queue on arrival cost a tenth of a bulk read).
#[derive(Clone, Debug, Default)]
struct CompletedFetch {
    /// None empty; the first holds the next record at `next`.
    batches: VecDeque<BatchRecords>,
    next: usize,
    with: Option<FetchedWith>,
}

impl CompletedFetch {
    /// The records of `batches` from `from` on.
    fn new(batches: Vec<BatchRecords>, from: Offset, with: FetchedWith) -> CompletedFetch {
        let mut batches: VecDeque<BatchRecords> = batches.into_iter().filter(|b| !b.is_empty()).collect();
        let mut next = 0;
        while let Some(first) = batches.front() {
            next = first.count_below(from);
            if next < first.len() {
                break;
            }
            batches.pop_front();
            next = 0;
        }
        CompletedFetch { batches, next, with: Some(with) }
    }

    fn is_empty(&self) -> bool {
        self.batches.is_empty()
    }

    fn len(&self) -> usize {
        self.batches.iter().map(BatchRecords::len).sum::<usize>() - self.next
    }

    fn clear(&mut self) {
        *self = CompletedFetch::default();
    }

    /// The next record, who wrote it (the checker's tag), and what its fetch said.
    fn pop_front(&mut self) -> Option<(Record, Option<crate::protocol::record::RecordOrigin>, FetchedWith)> {
        let first = self.batches.front()?;
        let (record, origin) = (first.get(self.next)?, first.origin(self.next));
        self.next += 1;
        if self.next == first.len() {
            self.batches.pop_front();
            self.next = 0;
        }
        Some((record, origin, self.with?))
    }
}

/// What a fetch answer said of the records it brought, kept with each for the history.
#[derive(Clone, Copy, Debug)]
struct FetchedWith {
    high_watermark: Offset,
    leader_epoch: LeaderEpoch,
    topic_id: Option<crate::types::TopicId>,
}

/// A commit in progress: what to store, as which member of which generation (-1 and no member id with
/// `assign`).
#[derive(Clone, Debug)]
struct PendingCommit {
    offsets: Vec<(TopicPartition, Offset)>,
    generation: i32,
    member_id: String,
    in_flight: bool,
    retry_at_ms: u64,
    deadline_ms: u64,
    kind: CommitKind,
    /// `commitSync(offsets)`: offsets the application chose, not its positions.
    explicit: bool,
    /// When the last attempt was sent.
    sent_ms: u64,
    /// When the positions it carries were taken (the commit began).
    started_ms: u64,
}

#[derive(Clone, Debug)]
pub struct Consumer {
    id: NodeId,
    config: ConsumerConfig,
    bootstrap: Bootstrap,
    metadata: MetadataCache,
    assignment: VecMap<TopicPartition, PartitionState>,
    in_flight: InFlight<Pending>,
    /// An error `poll` must throw (e.g. `OFFSET_OUT_OF_RANGE` with `auto.offset.reset=none`).
    error: Option<FranzError>,
    /// After a Metadata request failed (no answer, or its broker down), no other before this time (Kafka's
    /// `retry.backoff.ms`), so that a consumer whose only bootstrap broker is down does not spin.
    metadata_retry_at_ms: Option<u64>,
    /// The group's coordinator, once found; no FindCoordinator before the backoff time.
    coordinator: Option<NodeId>,
    coordinator_backoff_until_ms: u64,
    commits: VecMap<u64, PendingCommit>,
    next_commit_id: u64,
    commit_results: VecMap<u64, Result<()>>,
    last_auto_commit_ms: u64,
    /// Set by `subscribe`: the group membership.
    membership: Option<Membership>,
    /// The application is inside `poll` (Kafka's consumer does its group work there, not in the background).
    in_poll: bool,
    /// `close()`: the auto-commit goes first; once it is answered the group is left.
    closing: Option<Closing>,
    /// Why `close()`'s commit failed, if it did.
    close_commit_failed: Option<ErrorCode>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Closing {
    /// Waiting for the commit of the positions (with auto-commit).
    Committing,
    /// LeaveGroup sent (for a dynamic member); done once it is answered.
    Left,
}

impl Consumer {
    /// A consumer made at `now_ms` (its auto-commit timer starts then, as Kafka's).
    pub fn new(id: NodeId, config: ConsumerConfig, bootstrap: Vec<NodeId>, now_ms: u64) -> Consumer {
        Consumer {
            id,
            config,
            bootstrap: Bootstrap::new(bootstrap),
            metadata: MetadataCache::default(),
            assignment: VecMap::new(),
            in_flight: InFlight::with_connections(),
            error: None,
            coordinator: None,
            metadata_retry_at_ms: None,
            coordinator_backoff_until_ms: 0,
            commits: VecMap::new(),
            next_commit_id: 1,
            commit_results: VecMap::new(),
            last_auto_commit_ms: now_ms,
            membership: None,
            in_poll: false,
            closing: None,
            close_commit_failed: None,
        }
    }

    /// `KafkaConsumer.subscribe`: the group assigns the partitions. Needs a group id.
    pub fn subscribe(&mut self, now_ms: u64, topics: Vec<String>, out: &mut Outbox) -> Result<()> {
        if self.config.group_id.is_none() {
            return Err(franz_err!(InvalidGroupId, "To subscribe the consumer needs a group id (groupId / group.id)"));
        }
        if topics.is_empty() {
            // Kafka reads `subscribe([])` as `unsubscribe()`.
            self.unsubscribe(now_ms, out);
            return Ok(());
        }
        if self.membership.is_none() && !self.assignment.is_empty() {
            // Kafka's IllegalStateException (adversary 50: the manual assignment was dropped without a word).
            return Err(franz_err!(
                InvalidRequest,
                "Subscription to topics and manual assignment are mutually exclusive: this consumer is assigned \
                 partitions (assign([]) or subscribe([]) first)"
            ));
        }
        if topics.len() > ASSIGNED_PARTITIONS_MAX {
            return Err(franz_err!(InvalidRequest, "Subscribe to at most {ASSIGNED_PARTITIONS_MAX} topics"));
        }
        for t in &topics {
            crate::types::validate_topic_name(t)?;
        }
        self.check_not_fenced()?;
        let mut topics = topics;
        crate::collect::sort(&mut topics);
        topics.dedup();
        if self.membership.is_some() {
            self.change_subscription(now_ms, topics, out);
            return Ok(());
        }
        let member_id = String::new();
        self.membership = Some(Membership {
            topics,
            member_id,
            generation: -1,
            phase: Phase::NeedJoin,
            rejoin_at_ms: now_ms,
            next_heartbeat_ms: 0,
            session_ok_ms: 0,
            last_poll_ms: now_ms,
            owned: Vec::new(),
            owned_generation: -1,
            rejoin_requested: false,
            assigned_counts: None,
            metadata_checked_ms: 0,
            follow_up: false,
        });
        self.revoke_all(now_ms, true, RevokeReason::Rebalance, out);
        self.fill(now_ms, out);
        Ok(())
    }

    /// `subscribe` again, as a member (Kafka's `changeSubscription`): the same topics change nothing; others
    /// make the member join again at its next poll, committing first with auto-commit and, eager, giving up
    /// its partitions then, as a rebalance does (adversary 34: it had given them up at once, with a commit
    /// that never landed, and read everything again). A cooperative member gives up at once only the
    /// partitions of topics it no longer subscribes to (Kafka's `onJoinPrepare`, and the buffered records
    /// its `subscribe` clears).
    fn change_subscription(&mut self, now_ms: u64, topics: Vec<String>, out: &mut Outbox) {
        let Some(m) = self.membership.as_mut() else { return };
        if m.topics == topics {
            return;
        }
        let stable = m.phase == Phase::Stable;
        let between_generations = matches!(m.phase, Phase::NeedJoin | Phase::LeftUntilPoll);
        // A join under way goes on with the old subscription (Kafka's client never has two JoinGroups out);
        // its generation done, the member joins again at its next poll, as Kafka's `rejoinNeededOrPending`
        // finds the subscription it joined with is not the current one (adversary 69).
        let joining = matches!(m.phase, Phase::Joining | Phase::Assigning(_) | Phase::Syncing);
        m.rejoin_requested |= joining;
        m.topics = topics;
        if self.cooperative() {
            let subscribed = self.subscription();
            let kept: Vec<TopicPartition> =
                self.assignment.keys().filter(|tp| subscribed.contains(&tp.topic)).cloned().collect();
            if kept.len() < self.assignment.len() {
                if stable && self.config.enable_auto_commit {
                    let positions = self.positions();
                    self.start_commit(now_ms, positions, CommitKind::Revocation);
                }
                self.revoke_moved(&kept, out);
            }
        }
        if !between_generations && !joining {
            let error = franz_err!(RebalanceInProgress, "The subscription changed: joining the group again");
            self.rejoin(now_ms, &error, out);
        }
        self.fill(now_ms, out);
    }

    /// Whether this consumer's partitions come from a group (`subscribe`).
    pub fn is_subscribed(&self) -> bool {
        self.membership.is_some()
    }

    /// The topics it subscribed to (`subscription()`), none with `assign`.
    pub fn subscription(&self) -> Vec<String> {
        self.membership.as_ref().map_or_else(Vec::new, |m| m.topics.clone())
    }

    /// `close()`: commits the positions (with auto-commit) and leaves the group, so that the others need not
    /// wait for its session to expire. A static member does not leave (Kafka's rule): the group keeps its
    /// place for `session.timeout.ms`, so that a restart gets it back without a rebalance.
    ///
    /// As Kafka's `close()` (`maybeAutoCommitOffsetsSync`, then `maybeLeaveGroup`, then waiting for pending
    /// requests), the LeaveGroup goes only once the commit is answered: otherwise the next generation's
    /// OffsetFetch could overtake the commit and hand out records already returned. [`Consumer::is_closed`]
    /// says when it is done; the world waits for it up to Kafka's default close timeout.
    pub fn close(&mut self, now_ms: u64, out: &mut Outbox) {
        if self.closing.is_some() {
            return;
        }
        self.closing = Some(Closing::Committing);
        let stable = self.membership.as_ref().is_some_and(|m| m.phase == Phase::Stable);
        let assigned = self.membership.is_none() && !self.assignment.is_empty();
        if self.config.group_id.is_some() && self.config.enable_auto_commit && (stable || assigned) {
            let positions = self.positions();
            self.start_commit(now_ms, positions, CommitKind::Revocation);
            self.fill(now_ms, out);
        } else if self.config.group_id.is_some() && self.config.enable_auto_commit && !self.positions().is_empty() {
            // Kafka's close commits as a member of a stable generation only: mid-rebalance (a cooperative member
            // keeps its partitions) the commit fails with RebalanceInProgressException, logged (adversary 61).
            self.fail_close_commit(ErrorCode::RebalanceInProgress, out);
        }
        self.maybe_finish_close(now_ms, out);
    }

    /// Leaves the group once the closing commit is answered (or given up).
    fn maybe_finish_close(&mut self, now_ms: u64, out: &mut Outbox) {
        if self.closing != Some(Closing::Committing) || self.commits.values().any(|c| c.kind == CommitKind::Revocation)
        {
            return;
        }
        self.closing = Some(Closing::Left);
        self.leave_group(now_ms, out);
        self.revoke_all(now_ms, false, RevokeReason::Closed, out);
    }

    /// While `close()` waits for its commit, a Stable member goes on heartbeating, as Kafka's heartbeat thread
    /// runs until the commit is answered: it stays in the group, and its session timer finds a silent
    /// coordinator again, so the commit goes to the new one (adversary 60: without it, the new coordinator
    /// removed the member and refused its commit, and `close()` lost the positions).
    fn heartbeats_while_closing(&self, m: &Membership) -> bool {
        self.closing == Some(Closing::Committing) && m.phase == Phase::Stable
    }

    /// `close()`'s time is up (Kafka's 30 s): its commit, still unanswered, failed (adversary 61: it went
    /// unsaid).
    pub fn close_timed_out(&mut self, out: &mut Outbox) {
        if self.closing == Some(Closing::Committing) && self.commits.values().any(|c| c.kind == CommitKind::Revocation)
        {
            self.fail_close_commit(ErrorCode::RequestTimedOut, out);
        }
    }

    /// The closing commit failed: Kafka logs it ("Synchronous auto-commit of offsets failed") and leaves.
    fn fail_close_commit(&mut self, error: ErrorCode, out: &mut Outbox) {
        self.close_commit_failed = Some(error);
        let group = self.config.group_id.clone().unwrap_or_default();
        out.trace(TraceKind::ConsumerCloseCommitFailed { group, error });
    }

    /// After `close()`: why its commit of the positions failed, if it did (it left the group anyway).
    pub fn close_commit_failed(&self) -> Option<ErrorCode> {
        self.close_commit_failed
    }

    /// After `close()`: the commit answered and the LeaveGroup too (nothing left out to the coordinator).
    pub fn is_closed(&self) -> bool {
        self.closing == Some(Closing::Left)
            && !self.in_flight.any(|p| matches!(p, Pending::LeaveGroup | Pending::OffsetCommit(_)))
    }

    /// `unsubscribe()`: the partitions are given up and the group left; the consumer may subscribe or assign
    /// again. As Kafka's, it also clears a manual assignment.
    pub fn unsubscribe(&mut self, now_ms: u64, out: &mut Outbox) {
        if self.membership.is_none() {
            if !self.assignment.is_empty() {
                let _ = self.assign(now_ms, Vec::new(), out);
            }
            return;
        }
        // As Kafka's `unsubscribe()` (`onLeavePrepare`, then `maybeLeaveGroup`): the partitions are given up
        // and the group left, with no commit (adversary 34: Franz committed first).
        self.leave_group(now_ms, out);
        self.revoke_all(now_ms, false, RevokeReason::Unsubscribed, out);
        self.membership = None;
    }

    pub fn id(&self) -> NodeId {
        self.id
    }

    pub fn config(&self) -> &ConsumerConfig {
        &self.config
    }

    /// Manual assignment (`KafkaConsumer.assign`): replaces the assignment; kept partitions keep their
    /// positions.
    pub fn assign(&mut self, now_ms: u64, partitions: Vec<TopicPartition>, out: &mut Outbox) -> Result<()> {
        // Kafka's `assign([])` is `unsubscribe()`, a subscribed consumer's too (adversary 53).
        if partitions.is_empty() && self.membership.is_some() {
            self.unsubscribe(now_ms, out);
            return Ok(());
        }
        if self.membership.is_some() {
            return Err(franz_err!(
                InvalidRequest,
                "Subscription to topics and manual assignment are mutually exclusive: this consumer subscribed"
            ));
        }
        if partitions.len() > ASSIGNED_PARTITIONS_MAX {
            return Err(franz_err!(
                InvalidRequest,
                "A consumer is assigned at most {ASSIGNED_PARTITIONS_MAX} partitions; got {}",
                partitions.len()
            ));
        }
        for tp in &partitions {
            crate::types::validate_topic_name(&tp.topic)?;
        }
        let mut old = core::mem::take(&mut self.assignment);
        for tp in partitions {
            let state = old.remove(&tp).unwrap_or_default();
            self.assignment.insert(tp, state);
        }
        self.forget_requests_for(|tp| old.contains_key(tp));
        self.error = None;
        let partitions = self.assignment.keys().cloned().collect();
        out.history(Op::PositionReset { consumer: self.id, partitions, reason: ResetReason::Assign });
        self.fill(now_ms, out);
        Ok(())
    }

    pub fn assignment(&self) -> Vec<TopicPartition> {
        self.assignment.keys().cloned().collect()
    }

    /// `KafkaConsumer.seek`: the next poll returns records from `offset`.
    pub fn seek(&mut self, now_ms: u64, tp: &TopicPartition, offset: i64, out: &mut Outbox) -> Result<()> {
        if offset < 0 {
            return Err(franz_err!(OffsetOutOfRange, "Seek offset must not be a negative number, got {offset}"));
        }
        if offset as Offset > crate::types::OFFSET_MAX {
            return Err(franz_err!(
                InvalidRequest,
                "Cannot seek to {offset}: offsets go up to 2^53 - 1 ({})",
                crate::types::OFFSET_MAX
            ));
        }
        let Some(state) = self.assignment.get_mut(tp) else {
            return Err(not_assigned(tp));
        };
        // Kafka keeps what it fetched from the position sought (its next fetch offset is still the position).
        let moved = state.position != Some(offset as Offset);
        state.position = Some(offset as Offset);
        state.no_offset = false;
        if moved {
            state.buffer.clear();
            // An answer to a request made before the seek must not move the position.
            state.request_in_flight = false;
        }
        // The checker judges polls from here: going back or skipping ahead is the user's doing.
        out.history(Op::PositionReset {
            consumer: self.id,
            partitions: alloc::vec![tp.clone()],
            reason: ResetReason::Seek,
        });
        let still_undefined = self.assignment.values().any(|s| s.no_offset && s.position.is_none());
        if !still_undefined && self.error.as_ref().is_some_and(|e| e.code == ErrorCode::NoOffsetForPartition) {
            self.error = None;
        }
        if moved {
            self.forget_requests_for(|t| t == tp);
        }
        self.fill(now_ms, out);
        Ok(())
    }

    /// The offset of the next record `poll` would return, if known.
    pub fn position(&self, tp: &TopicPartition) -> Result<Option<Offset>> {
        match self.assignment.get(tp) {
            Some(state) if state.no_offset && state.position.is_none() => Err(no_offset_error(tp)),
            Some(state) => Ok(state.position),
            None => Err(not_assigned(tp)),
        }
    }

    /// `poll` begins: the group work that waited for it (a rebalance a heartbeat learned of) happens now.
    pub fn begin_poll(&mut self, now_ms: u64, out: &mut Outbox) {
        self.in_poll = true;
        if let Some(m) = self.membership.as_mut() {
            m.last_poll_ms = now_ms;
        }
        if self.membership.as_ref().is_some_and(|m| m.rejoin_requested && m.phase == Phase::Stable) {
            let error = franz_err!(RebalanceInProgress, "The group is rebalancing");
            self.rejoin(now_ms, &error, out);
        }
        // Kafka's `refreshCommittedOffsetsIfNeeded` at every poll: a partition left without a position
        // (`auto.offset.reset=none`, nothing committed) asks the coordinator again, so that an offset
        // committed since (by this consumer or another of its group) is where it starts (adversary 50: it
        // threw for ever).
        if self.config.group_id.is_some() {
            let mut asked_again = false;
            for state in self.assignment.values_mut().filter(|s| s.no_offset && s.position.is_none()) {
                state.committed_checked = false;
                asked_again = true;
            }
            // The answer decides anew (an error found between polls would be the last answer's).
            if asked_again && self.error.as_ref().is_some_and(|e| e.code == ErrorCode::NoOffsetForPartition) {
                self.error = None;
            }
        }
        self.maybe_auto_commit(now_ms);
        self.fill(now_ms, out);
    }

    /// Kafka's `maybeAutoCommitOffsetsAsync`, run as `poll` begins, while it waits (its wait ends at the
    /// auto-commit deadline: a consumer blocked in a long poll still commits every `auto.commit.interval.ms`)
    /// and as it ends: once the interval has passed, the positions as they are before this poll hands out
    /// records (what earlier polls returned counts as processed).
    fn maybe_auto_commit(&mut self, now_ms: u64) {
        if self.auto_commit_due_ms().is_some_and(|due_ms| now_ms >= due_ms) {
            self.last_auto_commit_ms = now_ms;
            let positions = self.positions();
            self.start_commit(now_ms, positions, CommitKind::Auto);
        }
    }

    /// When auto-commit is next due, if this consumer auto-commits now (in a generation, or assigned).
    fn auto_commit_due_ms(&self) -> Option<u64> {
        let in_generation = self.membership.as_ref().is_none_or(|m| m.phase == Phase::Stable);
        (self.config.group_id.is_some() && self.config.enable_auto_commit && in_generation)
            .then(|| self.last_auto_commit_ms.saturating_add(self.config.auto_commit_interval_ms))
    }

    /// Whether `poll` has something to return now: records, or an error.
    pub fn has_poll_result(&self) -> bool {
        self.error.is_some()
            || self.is_fenced()
            || (!self.settling_positions() && self.assignment.values().any(|s| !s.paused && !s.buffer.is_empty()))
    }

    /// Kafka's `poll` settles every assigned partition's position first (`updateFetchPositions`, paused ones
    /// too): while the coordinator is asked again for the committed offset of one without
    /// (`auto.offset.reset=none`), no records are handed out, and then either it starts there or `poll`
    /// throws (adversary 53: the other partitions' records came out meanwhile).
    fn settling_positions(&self) -> bool {
        self.config.group_id.is_some()
            && self.assignment.values().any(|s| s.no_offset && s.position.is_none() && !s.committed_checked)
    }

    /// `pause(partitions)` / `resume(partitions)`: a paused partition is not fetched and `poll` returns none of
    /// its records; its position stays.
    pub fn set_paused(
        &mut self,
        now_ms: u64,
        partitions: &[TopicPartition],
        paused: bool,
        out: &mut Outbox,
    ) -> Result<()> {
        if let Some(tp) = partitions.iter().find(|tp| !self.assignment.contains_key(tp)) {
            return Err(not_assigned(tp));
        }
        for tp in partitions {
            if let Some(state) = self.assignment.get_mut(tp) {
                state.paused = paused;
            }
        }
        self.fill(now_ms, out);
        Ok(())
    }

    /// The partitions `pause`d now.
    pub fn paused(&self) -> Vec<TopicPartition> {
        self.assignment.iter().filter(|(_, s)| s.paused).map(|(tp, _)| tp.clone()).collect()
    }

    /// Takes up to `max.poll.records` buffered records, partition by partition in order, advancing
    /// positions; or the pending error.
    pub fn take_records(&mut self, now_ms: u64, out: &mut Outbox) -> Result<Vec<ConsumerRecord>> {
        self.in_poll = false;
        if let Some(mut error) = self.error.take() {
            if error.code == ErrorCode::NoOffsetForPartition {
                // Kafka's exception names every partition without an offset.
                let undefined: Vec<String> = self
                    .assignment
                    .iter()
                    .filter(|(_, s)| s.no_offset && s.position.is_none())
                    .map(|(tp, _)| alloc::format!("{tp}"))
                    .collect();
                if undefined.len() > 1 {
                    error = no_offset_error_for(&undefined.join(", "));
                }
            }
            return Err(error);
        }
        if self.settling_positions() {
            return Ok(Vec::new()); // the poll's time ran out while the coordinator was asked
        }
        self.check_not_fenced()?;
        if let Some(m) = self.membership.as_mut() {
            m.last_poll_ms = now_ms;
            if m.phase == Phase::LeftUntilPoll {
                m.phase = Phase::NeedJoin;
                m.rejoin_at_ms = now_ms;
            }
        }
        self.maybe_auto_commit(now_ms);
        let buffered: usize = self.assignment.values().filter(|s| !s.paused).map(|s| s.buffer.len()).sum();
        let mut records = Vec::with_capacity(buffered.min(self.config.max_poll_records));
        let mut polled = Vec::with_capacity(records.capacity());
        for (tp, state) in self.assignment.iter_mut().filter(|(_, s)| !s.paused && !s.buffer.is_empty()) {
            while records.len() < self.config.max_poll_records {
                let Some((record, origin, FetchedWith { high_watermark, leader_epoch, topic_id })) =
                    state.buffer.pop_front()
                else {
                    break;
                };
                polled.push(PolledRecord {
                    topic: tp.topic.clone(),
                    partition: tp.partition,
                    offset: record.offset,
                    key: record.key.clone(),
                    value: record.value.clone(),
                    high_watermark,
                    leader_epoch,
                    topic_id,
                    origin,
                });
                debug_assert!(
                    state.position.is_some_and(|p| record.offset >= p),
                    "poll returns records in offset order"
                );
                state.position = Some(record.offset + 1);
                records.push(ConsumerRecord {
                    topic: tp.topic.clone(),
                    partition: tp.partition,
                    offset: record.offset,
                    timestamp_ms: record.timestamp_ms,
                    key: record.key,
                    value: record.value,
                    headers: record.headers,
                });
            }
        }
        if !polled.is_empty() {
            out.history(Op::Polled { consumer: self.id, records: polled });
        }
        self.fill(now_ms, out);
        Ok(records)
    }

    fn request(
        &mut self,
        now_ms: u64,
        to: NodeId,
        pending: Pending,
        make: impl FnOnce(CorrelationId) -> Message,
        out: &mut Outbox,
    ) {
        let deadline_ms = now_ms.saturating_add(self.config.request_timeout_ms);
        let correlation_id = self.in_flight.start(now_ms, to, deadline_ms, pending);
        out.send(to, make(correlation_id));
    }

    /// `node`'s process is down (its host refused the connection): what was out to it is lost now, as
    /// Kafka's NetworkClient sees a disconnect, rather than after `request.timeout.ms`.
    fn on_disconnected(&mut self, now_ms: u64, node: NodeId, refused: Option<CorrelationId>, out: &mut Outbox) {
        // Only the request refused is lost: one sent since went out on a new connection, and gets its own
        // answer (or refusal).
        self.in_flight.disconnected(now_ms, node, refused, |_| {});
        self.on_timer(now_ms, out);
    }
}

impl Actor for Consumer {
    fn awaits_answer_from(&self, node: NodeId) -> bool {
        self.in_flight.count_to(node, |_| true) > 0
    }

    fn connection(&self, node: NodeId) -> Option<(u32, bool)> {
        self.in_flight.connection(node)
    }

    fn on_message(&mut self, now_ms: u64, from: NodeId, message: Message, out: &mut Outbox) {
        if let Message::Disconnected { correlation_id } = message {
            return self.on_disconnected(now_ms, from, correlation_id, out);
        }
        self.in_flight.heard_from(from, message.correlation_id());
        let correlation_id = match &message {
            Message::MetadataResponse { correlation_id, .. }
            | Message::FetchResponse { correlation_id, .. }
            | Message::ListOffsetsResponse { correlation_id, .. }
            | Message::FindCoordinatorResponse { correlation_id, .. }
            | Message::OffsetFetchResponse { correlation_id, .. }
            | Message::OffsetCommitResponse { correlation_id, .. }
            | Message::JoinGroupResponse { correlation_id, .. }
            | Message::SyncGroupResponse { correlation_id, .. }
            | Message::HeartbeatResponse { correlation_id, .. }
            | Message::LeaveGroupResponse { correlation_id, .. } => *correlation_id,
            _ => return,
        };
        let Some(InFlightRequest { pending, .. }) = self.in_flight.take(correlation_id) else {
            return;
        };
        // A member fenced while a group request was out takes no answer to it: fenced is for good (Kafka's
        // fatal FencedInstanceIdException). Soak seed 10,022,128: it joined again by itself 90 s later.
        if self.is_fenced() && matches!(pending, Pending::JoinGroup | Pending::SyncGroup | Pending::Heartbeat(..)) {
            return;
        }
        match (pending, message) {
            (Pending::Metadata, Message::MetadataResponse { topics, .. }) => {
                for t in &topics {
                    if let Err(e) = &t.partitions {
                        let assigned: Vec<TopicPartition> =
                            self.assignment.keys().filter(|tp| tp.topic == t.name).cloned().collect();
                        for tp in assigned {
                            self.back_off(now_ms, &tp, e);
                        }
                    }
                }
                if self.metadata.update(now_ms, topics) {
                    self.bootstrap.rotate(); // that broker has not learned of a newer leader yet
                }
                self.check_assignment_snapshot(now_ms, out);
            }
            (Pending::Fetch(asked), Message::FetchResponse { partitions, .. }) => {
                self.on_fetch_response(now_ms, asked, partitions, out)
            }
            (Pending::ListOffsets(asked), Message::ListOffsetsResponse { partitions, .. }) => {
                self.on_list_offsets_response(now_ms, asked, partitions, out)
            }
            (Pending::FindCoordinator, Message::FindCoordinatorResponse { result, .. }) => match result {
                Ok(node) => {
                    self.coordinator = Some(node);
                    if let Some(m) = self.membership.as_mut() {
                        m.session_ok_ms = now_ms; // Kafka's resetSessionTimeout on a coordinator found
                    }
                }
                Err(_) => {
                    self.bootstrap.rotate();
                    self.lose_coordinator(now_ms);
                }
            },
            (Pending::OffsetFetch(asked, requested_ms), Message::OffsetFetchResponse { result, .. }) => {
                for tp in &asked {
                    if let Some(state) = self.assignment.get_mut(tp) {
                        state.request_in_flight = false;
                    }
                }
                match result {
                    Ok(committed) => {
                        let offsets = committed
                            .iter()
                            .map(|(tp, offset)| FetchedCommittedOffset {
                                topic: tp.topic.clone(),
                                partition: tp.partition,
                                offset: *offset,
                            })
                            .collect();
                        let group = self.config.group_id.clone().unwrap_or_default();
                        out.history(Op::CommittedOffsetsFetched {
                            consumer: self.id,
                            group,
                            requested_ms,
                            offsets,
                            coordinator: from,
                            stale_coordinator: false,
                        });
                        for (tp, offset) in committed {
                            // Only a partition still waiting for its start (a seek may have come meanwhile).
                            if let Some(state) = self.assignment.get_mut(&tp).filter(|s| s.position.is_none()) {
                                state.committed_checked = true;
                                state.position = offset;
                            }
                        }
                    }
                    Err(_) => self.lose_coordinator(now_ms),
                }
            }
            (Pending::OffsetCommit(id), Message::OffsetCommitResponse { result, topic_ids, .. }) => {
                self.on_commit_result(now_ms, id, result.map(|()| topic_ids), out)
            }
            (Pending::JoinGroup, Message::JoinGroupResponse { member_id, result: Err(e), .. })
                if e.code == ErrorCode::MemberIdRequired =>
            {
                if let Some(m) = self.membership.as_mut() {
                    m.member_id = member_id;
                    m.phase = Phase::NeedJoin;
                    m.rejoin_at_ms = now_ms;
                }
            }
            (Pending::JoinGroup, Message::JoinGroupResponse { result: Err(e), .. })
                if matches!(e.code, ErrorCode::InconsistentGroupProtocol | ErrorCode::InvalidSessionTimeout) =>
            {
                // Kafka's InconsistentGroupProtocolException or InvalidSessionTimeoutException: thrown from
                // poll, which tries to join again.
                if let Some(m) = self.membership.as_mut() {
                    m.phase = Phase::LeftUntilPoll;
                }
                self.error = Some(e);
            }
            (Pending::JoinGroup, Message::JoinGroupResponse { result, .. }) => match result {
                Ok(join) => {
                    let leader = join.leader == join.member_id && !join.skip_assignment;
                    if join.skip_assignment {
                        self.keep_assignment_snapshot(now_ms, &join);
                    }
                    if let Some(m) = self.membership.as_mut() {
                        m.member_id = join.member_id.clone();
                        m.generation = join.generation;
                        m.phase = Phase::Assigning(join.clone());
                    }
                    if !leader {
                        if let (Some(coordinator), Some(group_id)) = (self.coordinator, self.config.group_id.clone()) {
                            self.send_sync(now_ms, coordinator, group_id, join.generation, Vec::new(), out);
                        }
                    }
                }
                Err(e) => self.rejoin(now_ms, &e, out),
            },
            (Pending::SyncGroup, Message::SyncGroupResponse { result, .. }) => match result {
                Ok(partitions) => self.adopt(now_ms, partitions, out),
                Err(e) => self.rejoin(now_ms, &e, out),
            },
            (Pending::Heartbeat(..), Message::HeartbeatResponse { result: Ok(_), .. }) => {
                if let Some(m) = self.membership.as_mut() {
                    m.session_ok_ms = now_ms;
                }
            }
            (Pending::Heartbeat(generation, member_id), Message::HeartbeatResponse { result: Err(e), .. })
                if self.membership.as_ref().is_some_and(|m| {
                    m.phase == Phase::Stable && m.generation == generation && m.member_id == member_id
                }) =>
            {
                self.on_heartbeat_error(now_ms, &e, out)
            }
            _ => {}
        }
        self.fill(now_ms, out);
    }

    fn on_timer(&mut self, now_ms: u64, out: &mut Outbox) {
        for correlation_id in self.in_flight.due(now_ms, |_| true) {
            if let Some(InFlightRequest { pending, .. }) = self.in_flight.take(correlation_id) {
                match pending {
                    Pending::Metadata => {
                        self.bootstrap.rotate();
                        self.metadata_retry_at_ms = Some(now_ms + RETRY_BACKOFF_MS);
                    }
                    Pending::FindCoordinator => {
                        self.bootstrap.rotate();
                        self.lose_coordinator(now_ms);
                    }
                    Pending::OffsetFetch(asked, _) => {
                        for tp in &asked {
                            if let Some(state) = self.assignment.get_mut(tp) {
                                state.request_in_flight = false;
                            }
                        }
                        self.lose_coordinator(now_ms);
                    }
                    Pending::OffsetCommit(id) => {
                        let e = franz_err!(RequestTimedOut, "No answer to OffsetCommit within request.timeout.ms");
                        self.on_commit_result(now_ms, id, Err(e), out);
                    }
                    Pending::Heartbeat(..) => {
                        let e = franz_err!(RequestTimedOut, "The group coordinator did not answer the heartbeat");
                        self.on_heartbeat_error(now_ms, &e, out);
                    }
                    Pending::JoinGroup | Pending::SyncGroup => {
                        let e = franz_err!(RequestTimedOut, "The group coordinator did not answer");
                        self.rejoin(now_ms, &e, out);
                    }
                    Pending::LeaveGroup => {}
                    Pending::ListOffsets(asked) => {
                        for tp in &asked {
                            self.request_lost(now_ms, tp);
                        }
                    }
                    Pending::Fetch(asked) => {
                        for (tp, _) in &asked {
                            self.request_lost(now_ms, tp);
                        }
                    }
                }
            }
        }
        if self.in_poll {
            self.maybe_auto_commit(now_ms);
        }
        self.fill(now_ms, out);
    }

    fn timers(&self, timers: &mut Timers) {
        timers.set_all(TimerName::RequestTimeout, self.in_flight.deadlines_ms());
        let backoffs = self
            .assignment
            .values()
            .filter(|s| !s.request_in_flight && s.buffer.is_empty())
            .map(|s| s.backoff_until_ms)
            .filter(|&t| t > 0);
        timers.set_all(TimerName::RetryBackoff, backoffs);
        timers.set(TimerName::RetryBackoff, self.metadata_retry_at_ms);
        if self.in_poll {
            timers.set(TimerName::AutoCommitInterval, self.auto_commit_due_ms());
        }
        if self.config.group_id.is_some() {
            self.group_timers(timers);
        }
    }
}

impl Consumer {
    /// Commits to send, the member's heartbeat, poll interval and metadata check; without a coordinator,
    /// all of it waits for FindCoordinator (whose deadline, if asked, is a request timeout).
    fn group_timers(&self, timers: &mut Timers) {
        let work_ms = |t: u64| if self.coordinator.is_some() { t } else { t.max(self.coordinator_backoff_until_ms) };
        if self.coordinator.is_none() {
            if self.in_flight.any(|p| matches!(p, Pending::FindCoordinator)) {
                return;
            }
            if self.assignment.values().any(|s| s.position.is_none() && !s.committed_checked) {
                return timers.set(TimerName::RetryBackoff, work_ms(0));
            }
        }
        let commits = self.commits.values().filter(|c| !c.in_flight).map(|c| work_ms(c.retry_at_ms));
        timers.set_all(TimerName::RetryBackoff, commits);
        // (Closing, the member does no group work but its commit, its heartbeat until the commit is answered,
        // and its LeaveGroup: a heartbeat timer left set fired every millisecond while the LeaveGroup waited.)
        let Some(m) = self.membership.as_ref().filter(|m| self.closing.is_none() || self.heartbeats_while_closing(m))
        else {
            return;
        };
        match m.phase {
            Phase::NeedJoin if self.commit_before_join() => {}
            Phase::NeedJoin => timers.set(TimerName::RetryBackoff, work_ms(m.rejoin_at_ms)),
            Phase::Stable => {
                let session_ms = m.session_ok_ms.saturating_add(self.config.session_timeout_ms);
                let heartbeat_ms = if self.in_flight.any(|p| matches!(p, Pending::Heartbeat(..))) {
                    session_ms
                } else {
                    m.next_heartbeat_ms.min(session_ms)
                };
                timers.set(TimerName::HeartbeatInterval, work_ms(heartbeat_ms));
                // (Not while a metadata request is out or backs off: past due then, it fired every millisecond.)
                if !self.in_flight.any(|p| matches!(p, Pending::Metadata)) {
                    if let Some(at_ms) = self.assigned_metadata_due_ms() {
                        let at_ms = at_ms.max(self.metadata_retry_at_ms.unwrap_or(0));
                        timers.set(TimerName::MetadataMaxAge, work_ms(at_ms));
                    }
                }
                // (Not during a poll, which is no lapse: past due there, it fired every millisecond, and a
                // member's hour-long poll cost 20 times an hour of runFor: audit 94.)
                if !self.in_poll && self.closing.is_none() {
                    timers.set(TimerName::MaxPollInterval, work_ms(m.last_poll_ms + self.config.max_poll_interval_ms));
                }
            }
            Phase::Syncing if !self.in_flight.any(|p| matches!(p, Pending::Heartbeat(..))) => {
                timers.set(TimerName::HeartbeatInterval, work_ms(m.next_heartbeat_ms));
            }
            _ => {}
        }
    }
}

/// `seek`, `position`, `pause` or `resume` of a partition the consumer is not assigned: Kafka's
/// `IllegalStateException` (a caller's mistake, not to retry; adversary 34 saw a retriable
/// UNKNOWN_TOPIC_OR_PARTITION), as `INVALID_REQUEST`.
fn not_assigned(tp: &TopicPartition) -> FranzError {
    franz_err!(InvalidRequest, "No current assignment for partition {tp}")
}

/// Kafka's `NoOffsetForPartitionException`, as `poll` and `position` throw it.
fn no_offset_error(tp: &TopicPartition) -> FranzError {
    no_offset_error_for(&alloc::format!("{tp}"))
}

fn no_offset_error_for(partitions: &str) -> FranzError {
    franz_err!(
        NoOffsetForPartition,
        "NoOffsetForPartitionException: Undefined offset with no reset policy for partitions: [{partitions}] (auto.offset.reset=none): seek first"
    )
}

/// The errors that mean "find the coordinator again".
fn is_coordinator_error(code: ErrorCode) -> bool {
    matches!(code, ErrorCode::NotCoordinator | ErrorCode::CoordinatorNotAvailable | ErrorCode::RequestTimedOut)
}

#[cfg(test)]
mod tests;
