//! Lessons: a guided story about one Kafka behaviour, as data. A lesson has a title, the question it
//! answers, a starting cluster and steps; each step has narration (what to do or watch, and why Kafka does
//! it), the actions it performs, and expectations about the world afterwards. The runner plays a step and
//! checks every expectation against the simulation, so a lesson's claims are tested (`make test` plays the
//! whole library) and the page shows each one met or not.
//!
//! Lessons are JSON (`core/lessons/*.json`), parsed as untrusted input like scenarios, so a run saved as a
//! lesson draft can join the library.

use alloc::collections::BTreeSet;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::check::ViolationKind;
use crate::config::ConfigMap;
use crate::error::{ErrorCode, Result};
use crate::json;
use crate::protocol::history::Op;
use crate::protocol::trace::TraceKind;
use crate::sim::network::NetworkConfig;
use crate::sim::scenario::Action;
use crate::sim::Outcome;
use crate::sim::{ClusterConfig, World};
use crate::types::NodeId;

/// Franz's bound on a lesson's JSON text.
pub const LESSON_JSON_BYTES_MAX: usize = 256 * 1024;
/// Franz's bound on a lesson's steps.
pub const LESSON_STEPS_MAX: usize = 100;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Lesson {
    /// The lesson's name in links (`#lesson=<id>`).
    pub id: String,
    /// Where the picker groups it.
    pub chapter: String,
    pub title: String,
    /// The question it answers.
    pub question: String,
    /// What the learner will have seen, in one line.
    pub promise: String,
    pub cluster: LessonCluster,
    pub steps: Vec<LessonStep>,
}

/// The cluster a lesson starts from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LessonCluster {
    pub seed: u64,
    pub brokers: u32,
    #[serde(default = "default_controllers")]
    pub controllers: u32,
    #[serde(default)]
    pub network: NetworkConfig,
    /// Broker defaults for topic configs.
    #[serde(default)]
    pub config: ConfigMap,
}

fn default_controllers() -> u32 {
    ClusterConfig::default().controllers
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LessonStep {
    pub narration: String,
    #[serde(default)]
    pub actions: Vec<LessonAction>,
    #[serde(default)]
    pub expect: Vec<Expectation>,
}

/// One action of a step, and what its own outcome must be.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LessonAction {
    #[serde(rename = "do")]
    pub action: Action,
    /// It fails with this error (otherwise it must succeed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fails: Option<ErrorCode>,
    /// A send's records went to these partitions, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_to: Option<Vec<u32>>,
    /// A poll returned this many records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub polled: Option<usize>,
}

/// A claim about the world after a step.
///
/// Read by hand (`Deserialize` below, with [`crate::json::Object`]) in the format this derive writes.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Expectation {
    /// The partition's leader (`null`: it has none).
    Leader {
        topic: String,
        partition: u32,
        is: Option<NodeId>,
    },
    /// The leader is some broker other than `not` (it moved).
    LeaderNot {
        topic: String,
        partition: u32,
        not: NodeId,
    },
    /// The ISR, in any order.
    Isr {
        topic: String,
        partition: u32,
        is: Vec<NodeId>,
    },
    HighWatermark {
        topic: String,
        partition: u32,
        is: u64,
    },
    /// Retention or compaction removed the log's start (the log start offset is at least this).
    LogStartOffsetAtLeast {
        topic: String,
        partition: u32,
        at_least: u64,
    },
    /// Records one replica holds (compaction keeps the latest per key).
    RecordsInLog {
        broker: NodeId,
        topic: String,
        partition: u32,
        is: usize,
    },
    /// "running", "fenced" or "crashed".
    BrokerState {
        broker: NodeId,
        is: String,
    },
    /// The active controller (`null`: none, the quorum is lost).
    ActiveController {
        is: Option<NodeId>,
    },
    ActiveControllerNot {
        not: NodeId,
    },
    PartitionCount {
        topic: String,
        is: u32,
    },
    /// The group's state, Kafka's name ("Stable", "Empty" ...).
    GroupState {
        group: String,
        is: String,
    },
    GroupMembers {
        group: String,
        count: usize,
    },
    /// Which member (by client.id) owns the partition; `null`: nobody.
    Owner {
        group: String,
        topic: String,
        partition: u32,
        client_id: Option<String>,
    },
    Committed {
        group: String,
        topic: String,
        partition: u32,
        is: u64,
    },
    /// The group's lag summed over its partitions.
    Lag {
        group: String,
        is: i64,
    },
    /// The checker reports exactly these kinds of violation (none: every promise kept).
    Violations {
        kinds: Vec<ViolationKind>,
    },
    /// The checker reports this many violations of one kind.
    ViolationCount {
        kind: ViolationKind,
        count: usize,
    },
    /// During the step, a trace event of this kind happened (its `kind` in the trace: `leader_elected` ...).
    Happened {
        event: String,
    },
    NotHappened {
        event: String,
    },
    /// A consumer's position in a partition: the offset of the next record its poll returns.
    Position {
        consumer: NodeId,
        topic: String,
        partition: u32,
        is: u64,
    },
    /// The group's generation (each completed rebalance adds one).
    Generation {
        group: String,
        is: i32,
    },
    /// Exactly the partitions of `topic` the member (by client.id) owns, in any order (`[]`: none).
    Owns {
        group: String,
        client_id: String,
        topic: String,
        partitions: Vec<u32>,
    },
    /// Sends of this producer acknowledged so far, over the whole run (a `sendAsync` counts once it is).
    SendsAcknowledged {
        producer: NodeId,
        count: usize,
    },
    /// During the step, a producer retried a send after this error (a `produce_retry` trace event).
    ProduceRetried {
        error: ErrorCode,
    },
    /// The partition's replicas, in assignment order (the first is the preferred leader).
    Replicas {
        topic: String,
        partition: u32,
        is: Vec<NodeId>,
    },
    /// The partition's leader epoch (it grows by one with each new leader).
    LeaderEpoch {
        topic: String,
        partition: u32,
        is: crate::types::LeaderEpoch,
    },
}

const EXPECTATIONS: &[&str] = &[
    "leader",
    "leaderNot",
    "isr",
    "highWatermark",
    "logStartOffsetAtLeast",
    "recordsInLog",
    "brokerState",
    "activeController",
    "activeControllerNot",
    "partitionCount",
    "groupState",
    "groupMembers",
    "owner",
    "committed",
    "lag",
    "violations",
    "violationCount",
    "happened",
    "notHappened",
    "position",
    "generation",
    "owns",
    "sendsAcknowledged",
    "produceRetried",
    "replicas",
    "leaderEpoch",
];

impl<'de> Deserialize<'de> for Expectation {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> core::result::Result<Self, D::Error> {
        let (name, object) = json::Object::read_tagged(deserializer, "type")?;
        Expectation::from_object(&name, object).map_err(serde::de::Error::custom)
    }
}

impl Expectation {
    /// The claim named `name` (its `type`), from the object's other fields.
    fn from_object(name: &str, mut o: json::Object) -> json::Result<Expectation> {
        use Expectation::*;
        let expectation = match name {
            "leader" => Leader { topic: o.req("topic")?, partition: o.req("partition")?, is: o.opt("is")? },
            "leaderNot" => LeaderNot { topic: o.req("topic")?, partition: o.req("partition")?, not: o.req("not")? },
            "isr" => Isr { topic: o.req("topic")?, partition: o.req("partition")?, is: o.req("is")? },
            "highWatermark" => {
                HighWatermark { topic: o.req("topic")?, partition: o.req("partition")?, is: o.req("is")? }
            }
            "logStartOffsetAtLeast" => LogStartOffsetAtLeast {
                topic: o.req("topic")?,
                partition: o.req("partition")?,
                at_least: o.req("atLeast")?,
            },
            "recordsInLog" => RecordsInLog {
                broker: o.req("broker")?,
                topic: o.req("topic")?,
                partition: o.req("partition")?,
                is: o.req("is")?,
            },
            "brokerState" => BrokerState { broker: o.req("broker")?, is: o.req("is")? },
            "activeController" => ActiveController { is: o.opt("is")? },
            "activeControllerNot" => ActiveControllerNot { not: o.req("not")? },
            "partitionCount" => PartitionCount { topic: o.req("topic")?, is: o.req("is")? },
            "groupState" => GroupState { group: o.req("group")?, is: o.req("is")? },
            "groupMembers" => GroupMembers { group: o.req("group")?, count: o.req("count")? },
            "owner" => Owner {
                group: o.req("group")?,
                topic: o.req("topic")?,
                partition: o.req("partition")?,
                client_id: o.opt("clientId")?,
            },
            "committed" => Committed {
                group: o.req("group")?,
                topic: o.req("topic")?,
                partition: o.req("partition")?,
                is: o.req("is")?,
            },
            "lag" => Lag { group: o.req("group")?, is: o.req("is")? },
            "violations" => Violations { kinds: o.req("kinds")? },
            "violationCount" => ViolationCount { kind: o.req("kind")?, count: o.req("count")? },
            "happened" => Happened { event: o.req("event")? },
            "notHappened" => NotHappened { event: o.req("event")? },
            "position" => Position {
                consumer: o.req("consumer")?,
                topic: o.req("topic")?,
                partition: o.req("partition")?,
                is: o.req("is")?,
            },
            "generation" => Generation { group: o.req("group")?, is: o.req("is")? },
            "owns" => Owns {
                group: o.req("group")?,
                client_id: o.req("clientId")?,
                topic: o.req("topic")?,
                partitions: o.req("partitions")?,
            },
            "sendsAcknowledged" => SendsAcknowledged { producer: o.req("producer")?, count: o.req("count")? },
            "produceRetried" => ProduceRetried { error: o.req("error")? },
            "replicas" => Replicas { topic: o.req("topic")?, partition: o.req("partition")?, is: o.req("is")? },
            "leaderEpoch" => LeaderEpoch { topic: o.req("topic")?, partition: o.req("partition")?, is: o.req("is")? },
            _ => return Err(json::unknown_variant(name, EXPECTATIONS)),
        };
        o.end(expectation)
    }
}

impl Lesson {
    /// Parses and checks a lesson (untrusted: a draft someone sent).
    pub fn parse(json: &str) -> Result<Lesson> {
        if json.len() > LESSON_JSON_BYTES_MAX {
            return Err(franz_err!(InvalidRequest, "A lesson is at most {LESSON_JSON_BYTES_MAX} bytes of JSON"));
        }
        let lesson: Lesson = serde_json::from_str(json).map_err(|e| franz_err!(InvalidRequest, "Not a lesson: {e}"))?;
        if lesson.id.is_empty() || !lesson.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(franz_err!(InvalidRequest, "A lesson id is letters, digits and '-', got {:?}", lesson.id));
        }
        if lesson.steps.is_empty() || lesson.steps.len() > LESSON_STEPS_MAX {
            return Err(franz_err!(InvalidRequest, "A lesson has 1 to {LESSON_STEPS_MAX} steps"));
        }
        Ok(lesson)
    }

    /// Indented, for an author to edit. (Written compact and indented by [`json::pretty`]: the page then
    /// carries one serializer of the actions, the one scenarios use.)
    pub fn to_json(&self) -> String {
        json::pretty(&serde_json::to_string(self).unwrap_or_default())
    }

    pub fn cluster_config(&self) -> ClusterConfig {
        let LessonCluster { seed, brokers, controllers, network, config } = self.cluster.clone();
        ClusterConfig { seed, brokers, controllers, network, broker_config: config, clock_start_ms: 0 }
    }
}

/// One claim's verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub struct Verdict {
    /// The claim, as the page shows it.
    pub claim: String,
    pub met: bool,
    /// What the world shows, when the claim is not met.
    pub actual: String,
}

/// What one step did and whether its claims held.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
pub struct StepReport {
    pub step: usize,
    /// The virtual time when the step ended.
    pub ended_ms: u64,
    pub verdicts: Vec<Verdict>,
}

impl StepReport {
    pub fn all_met(&self) -> bool {
        self.verdicts.iter().all(|v| v.met)
    }
}

/// A lesson being played: its world, and how many steps have run.
pub struct LessonRun {
    pub world: World,
    steps_done: usize,
    /// The step begun and not yet ended ([`LessonRun::play_step_for`]).
    playing: Option<StepProgress>,
}

/// How far a step has been played: its actions done, and of the `runFor` under way, the time run.
struct StepProgress {
    action: usize,
    ran_ms: u64,
    since_seq: u64,
    verdicts: Vec<Verdict>,
}

impl LessonRun {
    pub fn start(lesson: &Lesson) -> Result<LessonRun> {
        Ok(LessonRun { world: World::new(lesson.cluster_config())?, steps_done: 0, playing: None })
    }

    pub fn steps_done(&self) -> usize {
        self.steps_done
    }

    /// Whether a step was begun by [`LessonRun::play_step_for`] and has not ended.
    pub fn step_under_way(&self) -> bool {
        self.playing.is_some()
    }

    /// Runs the next step's actions and judges its claims.
    pub fn play_step(&mut self, lesson: &Lesson) -> Result<StepReport> {
        loop {
            if let Some(report) = self.play_step_for(lesson, u64::MAX)? {
                return Ok(report);
            }
        }
    }

    /// Plays the next step (or the one under way) for at most `virtual_ms` of its `runFor`s and blocking calls'
    /// waits, so that a page can spread a long step over frames (adversary 51: a step of 300 virtual seconds
    /// held the page's main thread ~100 ms, an admin call waiting out a lost quorum 74 ms). Its report once it
    /// ends. A step run in slices is the same run: the world stops at each slice's end as it would at any
    /// instant, and the scenario records one `runFor` or call.
    pub fn play_step_for(&mut self, lesson: &Lesson, virtual_ms: u64) -> Result<Option<StepReport>> {
        let step = lesson
            .steps
            .get(self.steps_done)
            .ok_or_else(|| franz_err!(InvalidRequest, "The lesson has no step {}", self.steps_done + 1))?;
        let since_seq = self.world.trace().len();
        let progress =
            self.playing.get_or_insert_with(|| StepProgress { action: 0, ran_ms: 0, since_seq, verdicts: Vec::new() });
        let mut budget_ms = virtual_ms;
        while let Some(lesson_action) = step.actions.get(progress.action) {
            let outcome = match lesson_action.action {
                Action::RunFor { ms } if ms > progress.ran_ms => {
                    if budget_ms == 0 {
                        return Ok(None);
                    }
                    let slice_ms = (ms - progress.ran_ms).min(budget_ms);
                    let outcome = self.world.apply(Action::RunFor { ms: slice_ms });
                    (progress.ran_ms, budget_ms) = (progress.ran_ms + slice_ms, budget_ms - slice_ms);
                    if progress.ran_ms < ms && outcome.is_ok() {
                        continue;
                    }
                    outcome
                }
                // A blocking call (an admin call waiting out a lost quorum) plays its wait in slices too.
                _ => {
                    let started_ms = self.world.now_ms();
                    let outcome = match self.world.call_under_way() {
                        true => self.world.continue_call(budget_ms),
                        false => self.world.apply_for(lesson_action.action.clone(), budget_ms),
                    };
                    budget_ms = budget_ms.saturating_sub(self.world.now_ms() - started_ms);
                    match outcome {
                        Some(outcome) => outcome,
                        None => return Ok(None),
                    }
                }
            };
            progress.verdicts.extend(judge_action(lesson_action, &outcome));
            (progress.action, progress.ran_ms) = (progress.action + 1, 0);
        }
        let Some(mut progress) = self.playing.take() else { return Ok(None) };
        for expectation in &step.expect {
            progress.verdicts.push(expectation.judge(&self.world, progress.since_seq));
        }
        self.steps_done += 1;
        Ok(Some(StepReport { step: self.steps_done - 1, ended_ms: self.world.now_ms(), verdicts: progress.verdicts }))
    }
}

/// Plays a whole lesson: the world at its end and every step's report.
pub fn play(lesson: &Lesson) -> Result<(World, Vec<StepReport>)> {
    let mut run = LessonRun::start(lesson)?;
    let mut reports = Vec::new();
    while run.steps_done() < lesson.steps.len() {
        reports.push(run.play_step(lesson)?);
    }
    Ok((run.world, reports))
}

fn judge_action(expected: &LessonAction, outcome: &Result<Outcome>) -> Vec<Verdict> {
    let name = expected.action.name();
    let mut verdicts = Vec::new();
    let actual = match outcome {
        Ok(_) => String::from("it succeeded"),
        Err(e) => format!("it failed: {e}"),
    };
    match (expected.fails, outcome) {
        (Some(code), Err(e)) => verdicts.push(Verdict {
            claim: format!("{name} fails with {}", code.name()),
            met: e.code == code,
            actual: actual.clone(),
        }),
        (Some(code), Ok(_)) => verdicts.push(Verdict {
            claim: format!("{name} fails with {}", code.name()),
            met: false,
            actual: actual.clone(),
        }),
        (None, Err(_)) => {
            verdicts.push(Verdict { claim: format!("{name} succeeds"), met: false, actual: actual.clone() })
        }
        (None, Ok(_)) => {}
    }
    if let Some(partitions) = &expected.sent_to {
        let sent: Option<Vec<u32>> = match outcome {
            Ok(Outcome::Sent(meta)) => Some(meta.iter().map(|m| m.partition).collect()),
            _ => None,
        };
        verdicts.push(Verdict {
            claim: format!("the records go to partitions {partitions:?}"),
            met: sent.as_ref() == Some(partitions),
            actual: sent.map_or(actual.clone(), |s| format!("they went to {s:?}")),
        });
    }
    if let Some(count) = expected.polled {
        let polled = match outcome {
            Ok(Outcome::Polled(records)) => Some(records.len()),
            _ => None,
        };
        verdicts.push(Verdict {
            claim: format!("poll returns {count} record(s)"),
            met: polled == Some(count),
            actual: polled.map_or(actual, |n| format!("it returned {n}")),
        });
    }
    verdicts
}

fn name_of(broker: Option<NodeId>) -> String {
    broker.map_or(String::from("none"), |b| format!("broker {b}"))
}

impl Expectation {
    /// The claim in words.
    pub fn claim(&self) -> String {
        match self {
            Expectation::Leader { topic, partition, is } => format!("{topic}-{partition}'s leader is {}", name_of(*is)),
            Expectation::LeaderNot { topic, partition, not } => {
                format!("{topic}-{partition}'s leader is no longer broker {not}")
            }
            Expectation::Isr { topic, partition, is } => {
                // (An ISR is a set: the panels show it in the controller's order, which may differ.)
                format!("{topic}-{partition}'s ISR is {is:?}, in any order")
            }
            Expectation::HighWatermark { topic, partition, is } => {
                format!("{topic}-{partition}'s high watermark is {is}")
            }
            Expectation::LogStartOffsetAtLeast { topic, partition, at_least } => {
                format!("{topic}-{partition}'s log starts at offset {at_least} or later")
            }
            Expectation::RecordsInLog { broker, topic, partition, is } => {
                format!("broker {broker} holds {is} record(s) of {topic}-{partition}")
            }
            Expectation::BrokerState { broker, is } => format!("broker {broker} is {is}"),
            Expectation::ActiveController { is: Some(c) } => format!("controller {c} is the active controller"),
            Expectation::ActiveController { is: None } => String::from("no controller is active"),
            Expectation::ActiveControllerNot { not } => format!("the active controller is one other than {not}"),
            Expectation::PartitionCount { topic, is } => format!("{topic} has {is} partition(s)"),
            Expectation::GroupState { group, is } => format!("group {group} is {is}"),
            Expectation::GroupMembers { group, count } => format!("group {group} has {count} member(s)"),
            Expectation::Owner { group, topic, partition, client_id: Some(c) } => {
                format!("{c} owns {topic}-{partition} in group {group}")
            }
            Expectation::Owner { group, topic, partition, client_id: None } => {
                format!("nobody in group {group} owns {topic}-{partition}")
            }
            Expectation::Committed { group, topic, partition, is } => {
                format!("group {group}'s committed offset for {topic}-{partition} is {is}")
            }
            Expectation::Lag { group, is } => format!("group {group}'s lag is {is}"),
            Expectation::Violations { kinds } if kinds.is_empty() => {
                String::from("the checker finds every promise kept")
            }
            Expectation::Violations { kinds } => format!("the checker reports exactly: {}", kind_names(kinds)),
            Expectation::ViolationCount { kind, count } => {
                format!("the checker reports {count} {}", kind_names(core::slice::from_ref(kind)))
            }
            Expectation::Happened { event } => format!("{} happens", event.replace('_', " ")),
            Expectation::NotHappened { event } => format!("no {} happens", event.replace('_', " ")),
            Expectation::Position { consumer, topic, partition, is } => {
                format!("consumer {consumer}'s position in {topic}-{partition} is {is}")
            }
            Expectation::Generation { group, is } => format!("group {group} is at generation {is}"),
            Expectation::Owns { group, client_id, topic, partitions } if partitions.is_empty() => {
                format!("{client_id} is a member of group {group} and owns no partition of {topic}")
            }
            Expectation::Owns { group, client_id, topic, partitions } => {
                format!("{client_id} owns exactly {topic} partitions {partitions:?} in group {group}")
            }
            Expectation::SendsAcknowledged { producer, count } => {
                format!("{count} send(s) of producer {producer} are acknowledged")
            }
            Expectation::ProduceRetried { error } => format!("a producer retries a send after {}", error.name()),
            Expectation::Replicas { topic, partition, is } => format!("{topic}-{partition}'s replicas are {is:?}"),
            Expectation::LeaderEpoch { topic, partition, is } => format!("{topic}-{partition}'s leader epoch is {is}"),
        }
    }

    /// Judges the claim against `world`; the step's trace events are those after `since_seq`.
    pub fn judge(&self, world: &World, since_seq: u64) -> Verdict {
        let (met, actual) = self.evaluate(world, since_seq);
        Verdict { claim: self.claim(), met, actual: if met { String::new() } else { actual } }
    }

    fn evaluate(&self, world: &World, since_seq: u64) -> (bool, String) {
        let partition_of = |topic: &str, partition: u32| {
            world.describe_topic(topic).ok().and_then(|d| d.partitions.into_iter().nth(partition as usize))
        };
        let missing = |topic: &str, partition: u32| (false, format!("{topic}-{partition} does not exist"));
        match self {
            Expectation::Leader { topic, partition, is } => match partition_of(topic, *partition) {
                Some(p) => (p.leader == *is, format!("the leader is {}", name_of(p.leader))),
                None => missing(topic, *partition),
            },
            Expectation::LeaderNot { topic, partition, not } => match partition_of(topic, *partition) {
                Some(p) => (p.leader.is_some_and(|l| l != *not), format!("the leader is {}", name_of(p.leader))),
                None => missing(topic, *partition),
            },
            Expectation::Isr { topic, partition, is } => match partition_of(topic, *partition) {
                Some(p) => {
                    let (mut isr, mut want) = (p.isr.clone(), is.clone());
                    crate::collect::sort(&mut isr);
                    crate::collect::sort(&mut want);
                    (isr == want, format!("the ISR is {:?}", p.isr))
                }
                None => missing(topic, *partition),
            },
            Expectation::HighWatermark { topic, partition, is } => match partition_of(topic, *partition) {
                Some(p) => (p.high_watermark == *is, format!("it is {}", p.high_watermark)),
                None => missing(topic, *partition),
            },
            Expectation::LogStartOffsetAtLeast { topic, partition, at_least } => {
                match partition_of(topic, *partition) {
                    Some(p) => (p.log_start_offset >= *at_least, format!("it starts at {}", p.log_start_offset)),
                    None => missing(topic, *partition),
                }
            }
            Expectation::RecordsInLog { broker, topic, partition, is } => {
                let held =
                    world.broker(*broker).and_then(|b| b.partition(topic, *partition)).map(|p| p.log.iter().count());
                match held {
                    Some(n) => (n == *is, format!("it holds {n}")),
                    None => (false, format!("broker {broker} holds no replica of {topic}-{partition}")),
                }
            }
            Expectation::BrokerState { broker, is } => {
                let state = world.broker_status(*broker).name();
                (state == is, format!("it is {state}"))
            }
            Expectation::ActiveController { is } => {
                let leader = world.describe_cluster().controller.leader_id;
                (leader == *is, format!("the active controller is {}", controller_name(leader)))
            }
            Expectation::ActiveControllerNot { not } => {
                let leader = world.describe_cluster().controller.leader_id;
                (leader.is_some_and(|l| l != *not), format!("the active controller is {}", controller_name(leader)))
            }
            Expectation::PartitionCount { topic, is } => match world.describe_topic(topic) {
                Ok(d) => (d.partitions.len() as u32 == *is, format!("it has {}", d.partitions.len())),
                Err(e) => (false, e.to_string()),
            },
            Expectation::GroupState { group, is } => {
                let state = world.describe_group(group).state.name();
                (state == *is, format!("it is {state}"))
            }
            Expectation::GroupMembers { group, count } => {
                let members = world.describe_group(group).members.len();
                (members == *count, format!("it has {members}"))
            }
            Expectation::Owner { group, topic, partition, client_id } => {
                let owner = world
                    .describe_group(group)
                    .members
                    .into_iter()
                    .find(|m| m.assignment.iter().any(|tp| tp.topic == *topic && tp.partition == *partition))
                    .map(|m| m.client_id);
                (owner == *client_id, format!("the owner is {}", owner.as_deref().unwrap_or("nobody")))
            }
            Expectation::Committed { group, topic, partition, is } => {
                let committed = world
                    .group_offsets(group)
                    .into_iter()
                    .find(|o| o.topic == *topic && o.partition == *partition)
                    .map(|o| o.committed);
                (
                    committed == Some(*is),
                    committed.map_or(String::from("nothing is committed"), |c| format!("it is {c}")),
                )
            }
            Expectation::Lag { group, is } => {
                let lag: i64 = world.group_offsets(group).iter().map(|o| o.lag).sum();
                (lag == *is, format!("it is {lag}"))
            }
            Expectation::Violations { kinds } => {
                let report = world.check();
                let found: BTreeSet<&str> = report.violations.iter().map(|v| v.kind.name()).collect();
                let want: BTreeSet<&str> = kinds.iter().map(|k| k.name()).collect();
                let actual = if found.is_empty() {
                    String::from("the checker finds none")
                } else {
                    format!("the checker reports {}", found.iter().cloned().collect::<Vec<_>>().join(", "))
                };
                (found == want, actual)
            }
            Expectation::ViolationCount { kind, count } => {
                let found = world.check().violations.iter().filter(|v| v.kind == *kind).count();
                (found == *count, format!("it reports {found}"))
            }
            Expectation::Happened { event } | Expectation::NotHappened { event } => {
                let seen = world.trace().since(since_seq).iter().filter(|e| e.kind.kind_name() == event).count();
                let want_seen = matches!(self, Expectation::Happened { .. });
                ((seen > 0) == want_seen, format!("{seen} {} event(s) during the step", event.replace('_', " ")))
            }
            Expectation::Position { consumer, topic, partition, is } => {
                let tp = crate::types::TopicPartition::new(topic.as_str(), *partition);
                match world.node(*consumer) {
                    Some(crate::sim::Node::Consumer(c)) => match c.position(&tp) {
                        Ok(Some(p)) => (p == *is, format!("it is {p}")),
                        Ok(None) => (false, String::from("it has no position yet")),
                        Err(e) => (false, e.to_string()),
                    },
                    _ => (false, format!("{consumer} is not a running consumer")),
                }
            }
            Expectation::Generation { group, is } => {
                let generation = world.describe_group(group).generation;
                (generation == *is, format!("it is at generation {generation}"))
            }
            Expectation::Owns { group, client_id, topic, partitions } => {
                let member = world.describe_group(group).members.into_iter().find(|m| m.client_id == *client_id);
                match member {
                    Some(m) => {
                        let mut owned: Vec<u32> =
                            m.assignment.iter().filter(|tp| tp.topic == *topic).map(|tp| tp.partition).collect();
                        let mut want = partitions.clone();
                        crate::collect::sort(&mut owned);
                        crate::collect::sort(&mut want);
                        (owned == want, format!("it owns {owned:?}"))
                    }
                    None => (false, format!("{client_id} is not a member")),
                }
            }
            Expectation::SendsAcknowledged { producer, count } => {
                let acked = world
                    .history()
                    .entries()
                    .filter(|e| matches!(&e.op, Op::SendAcked { producer: p, .. } if p == producer))
                    .count();
                (acked == *count, format!("{acked} are"))
            }
            Expectation::ProduceRetried { error } => {
                let errors: Vec<&str> = world
                    .trace()
                    .since(since_seq)
                    .iter()
                    .filter_map(|e| match &e.kind {
                        TraceKind::ProduceRetry { error, .. } => Some(error.name()),
                        _ => None,
                    })
                    .collect();
                let actual = if errors.is_empty() {
                    String::from("no produce retry during the step")
                } else {
                    format!("retries after {}", errors.join(", "))
                };
                (errors.contains(&error.name()), actual)
            }
            Expectation::Replicas { topic, partition, is } => match partition_of(topic, *partition) {
                Some(p) => (p.replicas == *is, format!("they are {:?}", p.replicas)),
                None => missing(topic, *partition),
            },
            Expectation::LeaderEpoch { topic, partition, is } => match partition_of(topic, *partition) {
                Some(p) => (p.leader_epoch == *is, format!("it is {}", p.leader_epoch)),
                None => missing(topic, *partition),
            },
        }
    }
}

fn controller_name(id: Option<NodeId>) -> String {
    id.map_or(String::from("none"), |c| format!("controller {c}"))
}

fn kind_names(kinds: &[ViolationKind]) -> String {
    kinds.iter().map(|k| k.name()).collect::<Vec<_>>().join(", ")
}

/// The lessons that ship with Franz, in the picker's order: each file's name and its JSON. The playground
/// does not carry them in its wasm: it fetches `lessons/index.json` (these names, in this order) and the
/// files beside it (`www/index.html` copies the folder), so that the page's code loads without 160 KB of
/// narration. A test keeps the index and this list the same.
macro_rules! lesson_files {
    ($($name:literal),* $(,)?) => { &[$(($name, include_str!(concat!("../lessons/", $name)))),*] };
}
const LIBRARY: &[(&str, &str)] = lesson_files![
    "01-partitions-and-keys.json",
    "02-retention-and-slow-consumers.json",
    "03-leader-failover.json",
    "04-acks-1-loses-writes.json",
    "05-unclean-leader-election.json",
    "06-isr-shrink.json",
    "07-controller-quorum.json",
    "08-idempotent-producer.json",
    "09-power-loss.json",
    "10-reassignment-and-preferred-leaders.json",
    "11-compaction-and-tombstones.json",
    "12-offsets-and-the-high-watermark.json",
    "13-groups-share-partitions.json",
    "14-consumer-crash.json",
    "15-auto-commit-duplicates.json",
    "16-eager-versus-cooperative.json",
    "17-static-membership.json",
    "18-slow-consumer.json",
    "19-adding-partitions-moves-keys.json",
    "20-hot-partition.json",
];

/// Every lesson of the library (each is checked by `make test`, so none fails to parse).
pub fn library() -> Vec<Lesson> {
    LIBRARY.iter().filter_map(|(_, json)| Lesson::parse(json).ok()).collect()
}

/// The library's lesson `id`.
pub fn lesson(id: &str) -> Result<Lesson> {
    library().into_iter().find(|l| l.id == id).ok_or_else(|| franz_err!(InvalidRequest, "No lesson {id:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A claim of each type: what `to_json` writes reads back the same (claims are read by hand).
    const EVERY_EXPECTATION: &str = r#"{"id":"every-claim","chapter":"c","title":"t","question":"q","promise":"p",
        "cluster":{"seed":1,"brokers":3,"controllers":1,"network":{"latencyMs":2},"config":{"min.insync.replicas":"2"}},
        "steps":[{"narration":"n","actions":[
            {"do":{"type":"createTopic","name":"t","partitions":1},"fails":"INVALID_REPLICATION_FACTOR"},
            {"do":{"type":"send","producer":10004,"topic":"t","records":[{"value":"v"}],"wait":true},"sentTo":[0]},
            {"do":{"type":"poll","consumer":10006,"timeoutMs":100},"polled":3}
        ],"expect":[
            {"type":"leader","topic":"t","partition":0,"is":1},
            {"type":"leader","topic":"t","partition":0,"is":null},
            {"type":"leader","topic":"t","partition":0},
            {"type":"leaderNot","topic":"t","partition":0,"not":1},
            {"type":"isr","topic":"t","partition":0,"is":[1,2]},
            {"type":"highWatermark","topic":"t","partition":0,"is":3},
            {"type":"logStartOffsetAtLeast","topic":"t","partition":0,"atLeast":3},
            {"type":"recordsInLog","broker":1,"topic":"t","partition":0,"is":3},
            {"type":"brokerState","broker":1,"is":"running"},
            {"type":"activeController","is":9001},
            {"type":"activeController"},
            {"type":"activeControllerNot","not":9001},
            {"type":"partitionCount","topic":"t","is":2},
            {"type":"groupState","group":"g","is":"Stable"},
            {"type":"groupMembers","group":"g","count":2},
            {"type":"owner","group":"g","topic":"t","partition":0,"clientId":"c"},
            {"type":"owner","group":"g","topic":"t","partition":0,"clientId":null},
            {"type":"committed","group":"g","topic":"t","partition":0,"is":4},
            {"type":"lag","group":"g","is":0},
            {"type":"violations","kinds":["lost_write","duplicate"]},
            {"type":"violations","kinds":[]},
            {"type":"violationCount","kind":"two_owners","count":1},
            {"type":"happened","event":"leader_elected"},
            {"type":"notHappened","event":"leader_elected"},
            {"type":"position","consumer":10006,"topic":"t","partition":0,"is":5},
            {"type":"generation","group":"g","is":-1},
            {"type":"owns","group":"g","clientId":"c","topic":"t","partitions":[0,1]},
            {"type":"sendsAcknowledged","producer":10004,"count":3},
            {"type":"produceRetried","error":"NOT_LEADER_OR_FOLLOWER"},
            {"type":"replicas","topic":"t","partition":0,"is":[1,2,3]},
            {"type":"leaderEpoch","topic":"t","partition":0,"is":2}
        ]}]}"#;

    #[test]
    fn every_claim_reads_back_what_to_json_wrote() {
        let lesson = Lesson::parse(EVERY_EXPECTATION).unwrap();
        assert_eq!(Lesson::parse(&lesson.to_json()).unwrap(), lesson, "round trip");
        assert_eq!(lesson.to_json(), serde_json::to_string_pretty(&lesson).unwrap(), "serde_json's indented JSON");
        let expect = &lesson.steps[0].expect;
        let written: BTreeSet<String> =
            expect.iter().map(|e| serde_json::to_value(e).unwrap()["type"].as_str().unwrap().into()).collect();
        let read: BTreeSet<String> = EXPECTATIONS.iter().map(|&n| n.into()).collect();
        assert_eq!(written, read, "one claim of each type, and every type the reader knows is one the writer writes");
        assert_eq!(expect[2], Expectation::Leader { topic: "t".into(), partition: 0, is: None }, "absent is null");
        assert_eq!(expect[28], Expectation::ProduceRetried { error: ErrorCode::NotLeaderOrFollower });
        assert_eq!(lesson.steps[0].actions[0].fails, Some(ErrorCode::InvalidReplicationFactor));
        let unknown = EVERY_EXPECTATION.replace(r#""atLeast":3"#, r#""atLeast":3,"atMost":4"#);
        let e = Lesson::parse(&unknown).unwrap_err().message;
        assert!(e.contains("unknown field `atMost`, expected one of `topic`, `partition`, `atLeast`"), "{e}");
        let missing = EVERY_EXPECTATION.replace(r#","count":3}"#, "}");
        assert!(Lesson::parse(&missing).unwrap_err().message.contains("missing field `count`"));
    }
}
