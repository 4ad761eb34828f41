//! The playground's state and its one way to change: [`Playground::reduce`] takes an [`Action`] (a click, a
//! form, an animation frame), calls the world, and returns an [`Outcome`]: whether to draw again, the notice
//! it posted, the URL fragment to write, whether the world was replaced. No DOM, no Yew here: the reducer
//! runs natively (`cargo test -p franz-web --features playground --lib`), and `app.rs` only schedules frames,
//! writes the URL and renders [`Playground::snapshot`].
//!
//! Beside the world it keeps the lesson the page follows (`state/lessons.rs`: Next, Back, forking, lesson
//! drafts) and the timeline (`state/timeline.rs`: marks, going back while the present is kept, forking).

use std::collections::BTreeMap;

use franz_core::check::CheckReport;
use franz_core::client::{AutoOffsetReset, ConsumerConfig, ConsumerRecord, ProducerConfig};
use franz_core::lesson::{library, Lesson};
use franz_core::message::Acks;
use franz_core::sim::network::NetworkConfig;
use franz_core::sim::Node;
use franz_core::trace::TraceEvent;
use franz_core::types::{NodeId, ProducerRecord, TopicPartition};
use franz_core::view::{ClusterView, GroupDescription, GroupOffset, RecordView, SegmentView};
use franz_core::{ClusterConfig, World};

use super::format::bytes;
use super::share::{self, Link};

mod lessons;
mod timeline;

pub use lessons::{Chapter, LessonView};
pub use timeline::{Mark, MarkKind, TimelineView, Toward};

/// Records per partition the log strip shows (the newest).
const LOG_STRIP_RECORDS_MAX: u64 = 40;
/// Trace lines the timeline shows (the newest).
const TIMELINE_EVENTS_MAX: usize = 200;
/// Records the consumer panel keeps (the newest).
const POLLED_RECORDS_MAX: usize = 50;
/// A frame never advances the world by more than this much wall time (a background tab, a breakpoint).
const FRAME_WALL_MS_MAX: f64 = 100.0;
/// How long the playground's "Pause" button stops a broker.
const PAUSE_BUTTON_MS: u64 = 5_000;
/// The page polls its group members once per this much virtual time (each poll is an action in the scenario).
const MEMBER_POLL_INTERVAL_MS: u64 = 1_000;
/// The playground's group members leave after this long without a poll (Kafka: 300000), so "Slow" shows.
const MEMBER_MAX_POLL_INTERVAL_MS: u64 = 10_000;
/// Messages in flight the map draws (the first to arrive).
const FLIGHTS_DRAWN_MAX: usize = 200;
/// Franz's bound on the records a stream sends in one frame, so that a high rate at a high speed cannot
/// freeze the page.
const STREAM_RECORDS_PER_FRAME_MAX: u64 = 200;

/// Everything the page can ask of the playground.
#[derive(Clone, PartialEq, Debug)]
pub enum Action {
    /// An animation frame at this wall-clock time (ms): run the world for the virtual time it is worth.
    Frame(f64),
    TogglePlay,
    /// Run the next event (and pause).
    Step,
    /// Virtual milliseconds per wall millisecond.
    SetSpeed(f64),
    Topic(TopicAction),
    Send(SendRequest),
    Poll {
        topic: String,
        partition: u32,
    },
    Broker(NodeId, BrokerAction),
    /// Start a stream at this many records per second of virtual time, or stop it (`None`).
    Stream(Option<(SendRequest, f64)>),
    /// (group id, topic): start one more member subscribed to the topic.
    AddMember(String, String),
    Member(NodeId, MemberAction),
    HealNetwork,
    SetNetwork(NetworkConfig),
    Check,
    /// Put this run into the URL.
    Share,
    /// Replay this run from its seed up to this virtual time, and pause there. The run's present is kept
    /// ("back to now") until the user plays or acts in the past, which forks the run.
    TimeTravel(u64),
    /// Go to the previous or next moment with a mark on the timeline.
    JumpToMark(Toward),
    /// Back to the run's present, kept while the page showed the past.
    BackToNow,
    /// A fresh cluster with this seed, in free play.
    NewCluster(u64),
    /// Open the library's lesson with this id, at its start.
    OpenLesson(String),
    /// Play the lesson's next step and judge its claims.
    LessonNext,
    /// Back to the end of the lesson's previous step (in a forked lesson: of the step it forked from).
    LessonBack,
    /// Download this run as a lesson draft (JSON).
    SaveDraft,
}

/// Whether an action changes the world the page shows (so that, in the past or in a lesson, it forks).
fn changes_world(action: &Action, playing: bool) -> bool {
    match action {
        Action::TogglePlay => !playing,
        Action::Step
        | Action::Topic(_)
        | Action::Send(_)
        | Action::Poll { .. }
        | Action::Broker(..)
        | Action::Stream(_)
        | Action::AddMember(..)
        | Action::Member(..)
        | Action::HealNetwork
        | Action::SetNetwork(_) => true,
        _ => false,
    }
}

/// What the user asks of a topic.
#[derive(Clone, PartialEq, Debug)]
pub enum TopicAction {
    /// `replication_factor: None` is Kafka's default, min(3, brokers).
    Create {
        name: String,
        partitions: u32,
        replication_factor: Option<u32>,
        config: BTreeMap<String, String>,
    },
    Delete(String),
    AddPartition {
        name: String,
        total: u32,
    },
    SetConfig {
        name: String,
        key: String,
        value: Option<String>,
    },
}

/// What the buttons on a broker (or controller) card do.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BrokerAction {
    Stop,
    Crash,
    Restart,
    PowerLoss,
    Isolate,
    Pause,
    CrashController,
    RestartController,
    AddBroker,
}

impl BrokerAction {
    pub fn done_text(self, id: NodeId) -> String {
        match self {
            BrokerAction::Stop => {
                format!("Broker {id} stopped cleanly: its leaderships moved to other replicas first, then it flushed and exited.")
            }
            BrokerAction::Crash => format!("Broker {id} crashed: its memory is gone, its disk is kept."),
            BrokerAction::Restart => format!("Broker {id} restarted and recovered from its disk."),
            BrokerAction::PowerLoss => format!("Broker {id} lost power: what it had not flushed is gone."),
            BrokerAction::Isolate => format!("Node {id} is cut off from every other node. Heal the network to undo."),
            BrokerAction::Pause => format!("Node {id} is paused (a long GC): alive but silent for a while."),
            BrokerAction::CrashController => {
                format!("Controller {id} crashed. If it was active, the others elect a new one within the election timeout.")
            }
            BrokerAction::RestartController => format!("Controller {id} restarted from its Raft log on disk."),
            BrokerAction::AddBroker => format!("Broker {id} joined: it registers, then is unfenced once caught up."),
        }
    }
}

/// What the producer form asks for: a record, and the producer settings to send it with.
#[derive(Clone, PartialEq, Debug)]
pub struct SendRequest {
    pub topic: String,
    pub key: String,
    pub value: String,
    /// "all", "1" or "0".
    pub acks: String,
    pub idempotent: bool,
}

/// A steady stream of records from the playground's producer, as virtual time passes.
#[derive(Clone, PartialEq, Debug)]
pub struct StreamStatus {
    pub topic: String,
    pub records_per_sec: f64,
    pub sent: u64,
    pub acknowledged: u64,
    pub failed: u64,
}

/// A record a playground consumer polled, ready to show.
#[derive(Clone, PartialEq, Debug)]
pub struct PolledRecord {
    pub partition: String,
    pub offset: u64,
    pub key: String,
    pub value: String,
}

impl From<ConsumerRecord> for PolledRecord {
    fn from(r: ConsumerRecord) -> Self {
        PolledRecord {
            partition: format!("{}-{}", r.topic, r.partition),
            offset: r.offset,
            key: bytes(&r.key),
            value: bytes(&r.value),
        }
    }
}

/// A playground group member, as the page runs it.
#[derive(Clone, PartialEq, Debug)]
pub struct MemberUi {
    pub id: NodeId,
    pub name: String,
    pub group: String,
    /// Not polling: it will exceed `max.poll.interval.ms` and be removed from the group.
    pub slow: bool,
    pub consumed: u64,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MemberAction {
    Close,
    Crash,
    ToggleSlow,
}

/// What a log strip shows of one partition: from where, the records, the segments.
#[derive(Clone, PartialEq, Default, Debug)]
pub struct PartitionLogView {
    pub from_offset: u64,
    pub records: Vec<RecordView>,
    pub segments: Vec<SegmentView>,
    /// Each group's committed offset on this partition.
    pub committed: Vec<(String, u64)>,
}

/// The line above the page saying what the last action did, or why it failed (with Kafka's error name).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Notice {
    pub error: bool,
    pub text: String,
}

impl Notice {
    fn info(text: impl Into<String>) -> Notice {
        Notice { error: false, text: text.into() }
    }

    fn error(text: impl Into<String>) -> Notice {
        Notice { error: true, text: text.into() }
    }
}

/// What one [`Playground::reduce`] did, for the component to act on.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct Outcome {
    /// The page must be drawn again.
    pub changed: bool,
    /// The notice the action posted (the state keeps it too), if it posted one.
    pub notice: Option<Notice>,
    /// The URL fragment to write: a share link, a lesson and its step, free play.
    pub fragment: Option<String>,
    /// The world was replaced (time travel, a new cluster, a lesson): the page's clients, polled records,
    /// stream, members and checker report belonged to the old one and are gone.
    pub world_replaced: bool,
    /// A file for the browser to download.
    pub download: Option<Download>,
}

/// A file the page hands to the browser (a lesson draft).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Download {
    pub file_name: String,
    pub text: String,
}

impl Outcome {
    fn changed() -> Outcome {
        Outcome { changed: true, ..Outcome::default() }
    }
}

/// The producer stream: which producer, where, how fast, and how it went.
#[derive(Debug)]
struct Stream {
    producer: NodeId,
    key: String,
    value: String,
    /// Records due but not yet sent (fractions carry over between frames).
    carry: f64,
    status: StreamStatus,
}

/// The playground's whole state: the world and what the page did with it.
pub struct Playground {
    world: World,
    playing: bool,
    /// Virtual milliseconds per wall millisecond.
    speed: f64,
    last_frame_ms: Option<f64>,
    /// Fractions of a virtual millisecond not yet run.
    carry_ms: f64,
    polled: Vec<PolledRecord>,
    report: Option<CheckReport>,
    notice: Option<Notice>,
    stream: Option<Stream>,
    /// Group members the page started, and when it last polled them.
    members: Vec<MemberUi>,
    last_member_poll_ms: u64,
    /// The lessons that ship with Franz, parsed once.
    library: Vec<Lesson>,
    /// The lesson the page follows, if any.
    lesson: Option<lessons::LessonMode>,
    /// The run's present, kept while the page shows an earlier moment of it.
    present: Option<Box<timeline::Present>>,
    /// The timeline's marks, oldest first, and the trace sequence number they were read up to.
    marks: Vec<Mark>,
    marks_seq: u64,
}

/// What one render of the page shows: the world's views and what the page keeps beside them.
pub struct Snapshot {
    pub view: ClusterView,
    /// The groups of the page's members, each with its committed offsets.
    pub groups: Vec<(GroupDescription, Vec<GroupOffset>)>,
    /// Each partition's log strip, by (topic, partition).
    pub logs: BTreeMap<(String, u32), PartitionLogView>,
    /// The newest trace events, newest first.
    pub events: Vec<TraceEvent>,
    /// Topics but the internal ones (`__consumer_offsets`).
    pub user_topics: Vec<String>,
    /// Messages on their way, for the map.
    pub flights: Vec<Flight>,
}

/// A message on its way, as the map draws it: a dot `progress` of the way from its sender to its receiver.
#[derive(Clone, PartialEq, Debug)]
pub struct Flight {
    pub from: NodeId,
    pub to: NodeId,
    /// Kafka's API name (`Produce`, `Fetch`, `Vote` ...).
    pub api: &'static str,
    /// 0 at the sender, 1 at the receiver; estimated from the link's latency (the jitter is not known).
    pub progress: f64,
}

/// The playground's cluster: Kafka's defaults, but retention and the log cleaner look every 5 s of virtual
/// time (Kafka: 5 min and 15 s) so that a person sees them work, and `__consumer_offsets` has 3 partitions
/// (Kafka: 50) so that its log strips fit the page. The README says so.
pub fn new_world(seed: u64) -> World {
    let broker_config = [
        ("log.retention.check.interval.ms", "5000"),
        ("log.cleaner.backoff.ms", "5000"),
        ("offsets.topic.num.partitions", "3"),
    ]
    .map(|(k, v)| (k.into(), v.into()))
    .into();
    match World::new(ClusterConfig { seed, broker_config, ..ClusterConfig::default() }) {
        Ok(world) => world,
        // The default cluster is always valid; a panic here would be a bug in Franz, shown in the console.
        Err(e) => panic!("Franz bug: the default cluster was refused: {e}"),
    }
}

impl Playground {
    /// A playground on this world, playing, with nothing done yet.
    pub fn new(world: World) -> Playground {
        Playground {
            world,
            playing: true,
            speed: 1.0,
            last_frame_ms: None,
            carry_ms: 0.0,
            polled: Vec::new(),
            report: None,
            notice: None,
            stream: None,
            members: Vec::new(),
            last_member_poll_ms: 0,
            library: library(),
            lesson: None,
            present: None,
            marks: Vec::new(),
            marks_seq: 0,
        }
    }

    /// The page opened with this URL fragment: a first visit (no fragment) opens the first lesson, a
    /// lesson link opens that lesson (at its step), `#play` plays a new cluster, a shared run is replayed
    /// (and paused, with a notice); a damaged link or an unknown lesson says why it cannot be used.
    pub fn from_fragment(fragment: &str) -> Playground {
        let mut playground = Playground::new(lessons::parked_world());
        let (lesson, steps) = match share::parse(fragment) {
            Link::FirstVisit => (playground.library.first().map(|l| l.id.clone()), 0),
            Link::Lesson { id, steps } => (Some(id), steps),
            Link::FreePlay => (None, 0),
            Link::Shared(shared) => {
                let replayed = shared.map_err(|e| format!("The shared link cannot be read: {e}")).and_then(|s| {
                    let world = World::replay(&s, None);
                    world.map(|w| (w, s)).map_err(|e| format!("The shared run cannot be replayed: {e}"))
                });
                let (world, notice) = match replayed {
                    Ok((world, scenario)) => {
                        let text = format!(
                            "Replayed the shared run: seed {}, {} action(s).",
                            scenario.seed,
                            scenario.actions.len()
                        );
                        (world, Notice::info(text))
                    }
                    Err(e) => (new_world(1), Notice::error(e)),
                };
                playground.world = world;
                playground.playing = notice.error;
                playground.notice = Some(notice);
                playground.scan_marks();
                return playground;
            }
        };
        if let Some(id) = lesson {
            let mut outcome = Outcome::default();
            if let Err(e) = playground.open_lesson(&id, steps, &mut outcome) {
                let first = playground.library.first().map(|l| l.id.clone());
                let opened = first.is_some_and(|f| playground.open_lesson(&f, 0, &mut outcome).is_ok());
                let instead = if opened { " Here is the first lesson." } else { "" };
                playground.notice = Some(Notice::error(format!("{e}{instead}")));
            }
        }
        if playground.lesson.is_none() {
            playground.world = new_world(1);
        }
        playground.scan_marks();
        playground
    }

    pub fn world(&self) -> &World {
        &self.world
    }

    pub fn playing(&self) -> bool {
        self.playing
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    /// The records the consumer panel polled, newest first.
    pub fn polled(&self) -> &[PolledRecord] {
        &self.polled
    }

    pub fn report(&self) -> Option<&CheckReport> {
        self.report.as_ref()
    }

    pub fn stream(&self) -> Option<&StreamStatus> {
        self.stream.as_ref().map(|s| &s.status)
    }

    pub fn members(&self) -> &[MemberUi] {
        &self.members
    }

    /// The one way the state changes.
    pub fn reduce(&mut self, action: Action) -> Outcome {
        // Acting on the past or on a lesson's world forks it: say so before what the action did.
        let mut forks = Vec::new();
        if changes_world(&action, self.playing) {
            forks.extend(self.fork());
            forks.extend(self.fork_lesson());
        }
        let mut outcome = self.run(action);
        if !forks.is_empty() {
            let mut text: Vec<String> = forks.into_iter().map(|n| n.text).collect();
            text.extend(outcome.notice.as_ref().map(|n| n.text.clone()).filter(|t| !t.is_empty()));
            let error = outcome.notice.as_ref().is_some_and(|n| n.error);
            outcome.notice = Some(self.post(Notice { error, text: text.join(" ") }));
            outcome.changed = true;
        }
        self.scan_marks();
        outcome
    }

    fn run(&mut self, action: Action) -> Outcome {
        match action {
            Action::Frame(now_wall_ms) => Outcome { changed: self.advance(now_wall_ms), ..Outcome::default() },
            Action::TogglePlay => {
                self.playing = !self.playing;
                Outcome::changed()
            }
            Action::Step => {
                self.playing = false;
                let mut outcome = Outcome::changed();
                if !self.world.step() {
                    outcome.notice = Some(self.post(Notice::info("Nothing is scheduled: the cluster is idle.")));
                }
                outcome
            }
            Action::SetSpeed(s) => {
                self.speed = s;
                Outcome::changed()
            }
            action => {
                let mut outcome = Outcome::changed();
                let notice = match self.act(action, &mut outcome) {
                    Ok(text) => Notice::info(text),
                    Err(text) => Notice::error(text),
                };
                outcome.notice = Some(self.post(notice));
                outcome
            }
        }
    }

    fn post(&mut self, notice: Notice) -> Notice {
        self.notice = Some(notice.clone());
        notice
    }

    /// The actions that call the world and post a notice: what was done, or why not.
    fn act(&mut self, action: Action, outcome: &mut Outcome) -> Result<String, String> {
        let w = &mut self.world;
        match action {
            Action::Topic(TopicAction::Create { name, partitions, replication_factor, config }) => {
                w.create_topic(&name, partitions, replication_factor, config).map_err(|e| e.to_string())?;
                Ok(format!("Created topic {name} with {partitions} partition(s)."))
            }
            Action::Topic(TopicAction::Delete(name)) => {
                w.delete_topic(&name).map_err(|e| e.to_string())?;
                Ok(format!("Deleted topic {name}."))
            }
            Action::Topic(TopicAction::AddPartition { name, total }) => {
                w.create_partitions(&name, total).map_err(|e| e.to_string())?;
                Ok(format!("Topic {name} now has {total} partitions."))
            }
            Action::Topic(TopicAction::SetConfig { name, key, value }) => {
                let text = match &value {
                    Some(v) => format!("Set {key}={v} on topic {name}."),
                    None => format!("Set {key} of topic {name} back to its default."),
                };
                w.alter_topic_config(&name, [(key, value)].into()).map_err(|e| e.to_string())?;
                Ok(text)
            }
            Action::Send(SendRequest { topic, key, value, acks, idempotent }) => {
                let producer = self.producer(&acks, idempotent)?;
                let record = ProducerRecord {
                    key: (!key.is_empty()).then(|| key.into_bytes().into()),
                    value: Some(value.into_bytes().into()),
                    ..Default::default()
                };
                let meta = self.world.send(producer, &topic, vec![record]).map_err(|e| e.to_string())?;
                let m = meta.first().ok_or("the send returned no record")?;
                Ok(match m.offset {
                    Some(offset) => format!("Acknowledged: {topic}-{} at offset {offset}.", m.partition),
                    None => format!("Sent to {topic}-{} with acks=0: no acknowledgement, no offset.", m.partition),
                })
            }
            Action::AddMember(group, topic) => {
                let n = self.members.iter().filter(|m| m.group == group).count() + 1;
                let name = format!("{group}-member-{n}");
                let config = ConsumerConfig {
                    group_id: Some(group.clone()),
                    auto_offset_reset: AutoOffsetReset::Earliest,
                    max_poll_interval_ms: MEMBER_MAX_POLL_INTERVAL_MS,
                    ..ConsumerConfig::named(name.clone())
                };
                let id = self.world.add_consumer(config).map_err(|e| e.to_string())?;
                self.world.subscribe(id, vec![topic.clone()]).map_err(|e| e.to_string())?;
                self.members.push(MemberUi { id, name: name.clone(), group: group.clone(), slow: false, consumed: 0 });
                Ok(format!("{name} joins group {group} on {topic}: watch the rebalance."))
            }
            Action::Member(id, action) => {
                let name = self.members.iter().find(|m| m.id == id).map(|m| m.name.clone()).unwrap_or_default();
                match action {
                    MemberAction::ToggleSlow => {
                        let m = self.members.iter_mut().find(|m| m.id == id).ok_or("no such member")?;
                        m.slow = !m.slow;
                        Ok(if m.slow {
                            format!("{name} stops polling: after max.poll.interval.ms it leaves the group.")
                        } else {
                            format!("{name} polls again and rejoins the group.")
                        })
                    }
                    MemberAction::Close | MemberAction::Crash => {
                        let crash = action == MemberAction::Crash;
                        let r = if crash { self.world.crash_client(id) } else { self.world.close_client(id) };
                        r.map_err(|e| e.to_string())?;
                        self.members.retain(|m| m.id != id);
                        Ok(if crash {
                            format!("{name} crashed: the coordinator notices after session.timeout.ms (45 s).")
                        } else {
                            format!("{name} closed: it committed and left, the others rebalance now.")
                        })
                    }
                }
            }
            Action::Stream(None) => {
                self.stream = None;
                Ok("Stream stopped.".into())
            }
            Action::Stream(Some((SendRequest { topic, key, value, acks, idempotent }, records_per_sec))) => {
                if !(records_per_sec > 0.0 && records_per_sec <= 10_000.0) {
                    return Err("A stream sends 1 to 10000 records per second of virtual time.".into());
                }
                let producer = self.producer(&acks, idempotent)?;
                let status = StreamStatus { topic, records_per_sec, sent: 0, acknowledged: 0, failed: 0 };
                let text = format!("Streaming {records_per_sec} records/s to {} with acks={acks}.", status.topic);
                self.stream = Some(Stream { producer, key, value, carry: 0.0, status });
                Ok(text)
            }
            Action::Poll { topic, partition } => {
                let tp = TopicPartition::new(topic, partition);
                let consumer = self.consumer(&tp)?;
                let records = self.world.poll(consumer, 1_000).map_err(|e| e.to_string())?;
                let n = records.len();
                self.polled = records
                    .into_iter()
                    .map(PolledRecord::from)
                    .rev()
                    .chain(self.polled.drain(..))
                    .take(POLLED_RECORDS_MAX)
                    .collect();
                Ok(format!("Polled {n} record(s) from {tp}."))
            }
            Action::Broker(id, action) => {
                let result = match action {
                    BrokerAction::Stop => w.stop_broker(id),
                    BrokerAction::Crash => w.crash_broker(id),
                    BrokerAction::Restart => w.restart_broker(id),
                    BrokerAction::PowerLoss => w.power_loss(id),
                    BrokerAction::Isolate => w.partition_network(vec![vec![id]]),
                    BrokerAction::Pause => w.pause_node(id, PAUSE_BUTTON_MS),
                    BrokerAction::CrashController => w.crash_controller(id),
                    BrokerAction::RestartController => w.restart_controller(id),
                    BrokerAction::AddBroker => {
                        let id = w.add_broker().map_err(|e| e.to_string())?;
                        return Ok(action.done_text(id));
                    }
                };
                result.map_err(|e| e.to_string())?;
                Ok(action.done_text(id))
            }
            Action::HealNetwork => w.heal_network().map(|_| "Network healed.".into()).map_err(|e| e.to_string()),
            Action::SetNetwork(config) => {
                w.set_network(config).map(|_| "Network settings applied.".into()).map_err(|e| e.to_string())
            }
            Action::Check => {
                let report = w.check();
                let text = if report.ok {
                    "Checker: no anomaly in this run.".to_string()
                } else {
                    format!("Checker: {} violation(s).", report.violations.len())
                };
                self.mark_violations(&report);
                self.report = Some(report);
                Ok(text)
            }
            Action::Share => {
                outcome.fragment = Some(share::encode(&w.scenario().map_err(|e| e.to_string())?));
                Ok("The link in the address bar now replays this run: copy it to share.".into())
            }
            Action::TimeTravel(until_ms) => self.go_back(until_ms, outcome),
            Action::JumpToMark(toward) => self.jump_to_mark(toward, outcome),
            Action::BackToNow => Ok(self.back_to_now()),
            Action::NewCluster(seed) => {
                self.replace_world(new_world(seed), outcome);
                self.reset_timeline();
                self.lesson = None;
                self.playing = true;
                outcome.fragment = Some(share::FREE_PLAY.into());
                Ok(format!("A new cluster with seed {seed}, in free play."))
            }
            Action::OpenLesson(id) => self.open_lesson(&id, 0, outcome),
            Action::LessonNext => self.lesson_next(outcome),
            Action::LessonBack => self.lesson_back(outcome),
            Action::SaveDraft => self.save_draft(outcome),
            Action::Frame(_) | Action::TogglePlay | Action::Step | Action::SetSpeed(_) => Ok(String::new()),
        }
    }

    fn replace_world(&mut self, world: World, outcome: &mut Outcome) {
        self.world = world;
        self.polled.clear();
        self.report = None;
        self.stream = None; // its producer belongs to the world that is gone
        self.members.clear();
        outcome.world_replaced = true;
    }

    /// Runs the world for the virtual time this frame is worth (at the chosen speed); false while paused.
    fn advance(&mut self, now_wall_ms: f64) -> bool {
        let dt = self.last_frame_ms.map_or(0.0, |last| (now_wall_ms - last).clamp(0.0, FRAME_WALL_MS_MAX));
        self.last_frame_ms = Some(now_wall_ms);
        if !self.playing {
            return false;
        }
        self.carry_ms += dt * self.speed;
        let whole = self.carry_ms.floor();
        self.carry_ms -= whole;
        if whole >= 1.0 {
            self.send_stream(whole);
            self.world.run_for(whole as u64);
        }
        self.poll_members();
        if let Some(stream) = &mut self.stream {
            for result in self.world.producer_results(stream.producer).unwrap_or_default() {
                match result.result {
                    Ok(_) => stream.status.acknowledged += 1,
                    Err(_) => stream.status.failed += 1,
                }
            }
        }
        true
    }

    /// Group members poll (without waiting) once per `MEMBER_POLL_INTERVAL_MS`, except the slow ones.
    fn poll_members(&mut self) {
        let now = self.world.now_ms();
        if now < self.last_member_poll_ms + MEMBER_POLL_INTERVAL_MS {
            return;
        }
        self.last_member_poll_ms = now;
        for m in self.members.iter_mut().filter(|m| !m.slow) {
            if let Ok(records) = self.world.poll(m.id, 0) {
                m.consumed += records.len() as u64;
            }
        }
    }

    /// Sends what the stream owes for `virtual_ms` more of virtual time (asynchronously: the sends complete
    /// as time runs).
    fn send_stream(&mut self, virtual_ms: f64) {
        let Some(stream) = &mut self.stream else { return };
        stream.carry += stream.status.records_per_sec * virtual_ms / 1000.0;
        let due = (stream.carry.floor() as u64).min(STREAM_RECORDS_PER_FRAME_MAX);
        stream.carry -= stream.carry.floor();
        for _ in 0..due {
            let n = stream.status.sent;
            let record = ProducerRecord {
                key: (!stream.key.is_empty()).then(|| stream.key.clone().into_bytes().into()),
                value: Some(format!("{}-{n}", stream.value).into_bytes().into()),
                ..Default::default()
            };
            if self.world.send_async(stream.producer, &stream.status.topic, vec![record]).is_err() {
                stream.status.failed += 1;
            }
            stream.status.sent += 1;
        }
    }

    /// The playground's producer for these settings, started on first use (found by its name, which says its
    /// settings, so it survives a replay).
    fn producer(&mut self, acks: &str, idempotent: bool) -> Result<NodeId, String> {
        let name = format!("playground-producer-acks-{acks}{}", if idempotent { "-idempotent" } else { "" });
        if let Some(id) = self.world.client_by_name(&name) {
            return Ok(id);
        }
        let acks = Acks::parse(acks).ok_or("acks must be all, 1 or 0")?;
        let config = ProducerConfig { acks, enable_idempotence: idempotent, ..ProducerConfig::named(name) };
        self.world.add_producer(config).map_err(|e| e.to_string())
    }

    /// One consumer per partition polled, assigned to it, reading from the earliest offset.
    fn consumer(&mut self, tp: &TopicPartition) -> Result<NodeId, String> {
        let name = format!("playground-consumer-{tp}");
        if let Some(id) = self.world.client_by_name(&name) {
            return Ok(id);
        }
        let config = ConsumerConfig { auto_offset_reset: AutoOffsetReset::Earliest, ..ConsumerConfig::named(name) };
        let id = self.world.add_consumer(config).map_err(|e| e.to_string())?;
        self.world.assign(id, vec![tp.clone()]).map_err(|e| e.to_string())?;
        Ok(id)
    }

    /// What the page draws now, read from the world.
    pub fn snapshot(&self) -> Snapshot {
        let world = &self.world;
        let view = world.view();
        // The page's members' groups, and those of every consumer in the world (a lesson's, a shared run's).
        let consumer_groups = world.nodes().filter_map(|(_, node)| match node {
            Node::Consumer(c) => c.config().group_id.clone(),
            _ => None,
        });
        let mut group_ids: Vec<String> = self.members.iter().map(|m| m.group.clone()).chain(consumer_groups).collect();
        group_ids.sort();
        group_ids.dedup();
        let groups = group_ids.iter().map(|g| (world.describe_group(g), world.group_offsets(g))).collect::<Vec<_>>();
        let mut logs: BTreeMap<(String, u32), PartitionLogView> = BTreeMap::new();
        for t in &view.topics {
            for p in &t.partitions {
                // The leader's log (or, while there is none, the first replica's).
                let Some(broker) = p.leader.or(p.replicas.first().copied()) else { continue };
                let leo = p.log_end_offsets.get(&broker.to_string()).copied().unwrap_or(0);
                let from = leo.saturating_sub(LOG_STRIP_RECORDS_MAX);
                let records = world
                    .read_log(broker, &t.name, p.partition, from, LOG_STRIP_RECORDS_MAX as usize)
                    .unwrap_or_default();
                let segments = world.segments(broker, &t.name, p.partition);
                let committed = groups
                    .iter()
                    .flat_map(|(d, offsets)| offsets.iter().map(move |o| (d, o)))
                    .filter(|(_, o)| o.topic == t.name && o.partition == p.partition)
                    .map(|(d, o)| (d.group_id.clone(), o.committed))
                    .collect();
                let log = PartitionLogView { from_offset: from, records, segments, committed };
                logs.insert((t.name.clone(), p.partition), log);
            }
        }
        let mut events = world.trace().since(world.trace().len().saturating_sub(TIMELINE_EVENTS_MAX as u64));
        events.reverse();
        let user_topics = view.topics.iter().map(|t| t.name.clone()).filter(|t| !t.starts_with("__")).collect();
        Snapshot { view, groups, logs, events, user_topics, flights: self.flights() }
    }

    /// The messages in flight, each placed along its link.
    fn flights(&self) -> Vec<Flight> {
        let world = &self.world;
        let now = world.now_ms();
        let flights = world.messages_in_flight(FLIGHTS_DRAWN_MAX).into_iter().map(|m| {
            let latency_ms = world.network().link_config(m.from, m.to).latency_ms.max(1);
            let left_ms = m.arrives_ms.saturating_sub(now);
            let progress = (1.0 - left_ms as f64 / latency_ms as f64).clamp(0.0, 1.0);
            Flight { from: m.from, to: m.to, api: m.api, progress }
        });
        flights.collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use franz_core::view::{BrokerStatus, ConsumerGroupState};

    pub(super) fn create_topic(p: &mut Playground, name: &str, partitions: u32) -> Outcome {
        p.reduce(Action::Topic(TopicAction::Create {
            name: name.into(),
            partitions,
            replication_factor: None,
            config: BTreeMap::new(),
        }))
    }

    pub(super) fn record(topic: &str, value: &str, acks: &str) -> SendRequest {
        SendRequest {
            topic: topic.into(),
            key: "user-1".into(),
            value: value.into(),
            acks: acks.into(),
            idempotent: acks == "all",
        }
    }

    pub(super) fn info(text: &str) -> Option<Notice> {
        Some(Notice::info(text))
    }

    /// Animation frames `wall_ms` apart, `n` of them after the last one.
    pub(super) fn frames(p: &mut Playground, n: usize, wall_ms: f64) {
        let mut t = p.last_frame_ms.unwrap_or(0.0);
        p.reduce(Action::Frame(t));
        for _ in 0..n {
            t += wall_ms;
            p.reduce(Action::Frame(t));
        }
    }

    #[test]
    fn a_free_play_link_plays_a_new_cluster() {
        let p = Playground::from_fragment("#play");
        assert!(p.lesson().is_none());
        assert!(p.playing());
        assert_eq!(p.speed(), 1.0);
        assert_eq!(p.notice(), None);
        assert_eq!(p.world().config().seed, 1);
        assert!(p.snapshot().user_topics.is_empty());
    }

    #[test]
    fn creating_a_topic_says_so_and_draws_its_log_strips() {
        let mut p = Playground::from_fragment("#play");
        let outcome = create_topic(&mut p, "orders", 2);
        assert_eq!(
            outcome,
            Outcome { changed: true, notice: info("Created topic orders with 2 partition(s)."), ..Outcome::default() }
        );
        assert_eq!(p.notice(), outcome.notice.as_ref(), "the state keeps the notice it posted");
        assert_eq!(p.world().list_topics(), ["orders"]);
        let snapshot = p.snapshot();
        assert_eq!(snapshot.user_topics, ["orders"]);
        assert!(snapshot.logs.contains_key(&("orders".to_string(), 0)));
        assert!(snapshot.logs.contains_key(&("orders".to_string(), 1)));
        assert!(
            snapshot.events.iter().any(|e| e.text.contains("created topic orders")),
            "newest first, in the timeline"
        );
    }

    #[test]
    fn a_send_is_acknowledged_with_its_offset() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "orders", 1);
        let outcome = p.reduce(Action::Send(record("orders", "apple", "all")));
        assert_eq!(outcome.notice, info("Acknowledged: orders-0 at offset 0."));
        let outcome = p.reduce(Action::Send(record("orders", "banana", "all")));
        assert_eq!(outcome.notice, info("Acknowledged: orders-0 at offset 1."));
        let outcome = p.reduce(Action::Send(record("orders", "and-forget", "0")));
        assert_eq!(outcome.notice, info("Sent to orders-0 with acks=0: no acknowledgement, no offset."));
        let clients = p.snapshot().view.clients;
        assert!(clients.iter().any(|c| c.client_id == "playground-producer-acks-all-idempotent"));
        assert!(clients.iter().any(|c| c.client_id == "playground-producer-acks-0"));
        let log = &p.snapshot().logs[&("orders".to_string(), 0)];
        assert_eq!(log.records.iter().map(|r| bytes(&r.value)).collect::<Vec<_>>()[..2], ["apple", "banana"]);

        let outcome = p.reduce(Action::Poll { topic: "orders".into(), partition: 0 });
        assert!(outcome.notice.as_ref().is_some_and(|n| !n.error && n.text.ends_with("record(s) from orders-0.")));
        assert_eq!(p.polled().last().map(|r| (r.offset, r.value.as_str())), Some((0, "apple")), "newest first");
    }

    #[test]
    fn bad_input_posts_an_error_with_kafkas_error_name() {
        let mut p = Playground::from_fragment("#play");
        let outcome = create_topic(&mut p, "bad name!", 1);
        let notice = outcome.notice.unwrap();
        assert!(notice.error);
        assert!(notice.text.starts_with("INVALID_TOPIC_EXCEPTION: "), "{}", notice.text);
        assert_eq!(p.notice(), Some(&notice));

        let notice = create_topic(&mut p, "zero", 0).notice.unwrap();
        assert!(notice.error && notice.text.starts_with("INVALID_PARTITIONS: "), "{}", notice.text);
        let notice = p.reduce(Action::Send(record("nowhere", "v", "all"))).notice.unwrap();
        assert!(notice.error && notice.text.starts_with("UNKNOWN_TOPIC_OR_PARTITION: "), "{}", notice.text);
        let config = NetworkConfig { drop_rate: 7.0, ..NetworkConfig::default() };
        let notice = p.reduce(Action::SetNetwork(config)).notice.unwrap();
        assert!(
            notice.error && notice.text.starts_with("INVALID_CONFIG: dropRate must be between 0 and 1"),
            "{}",
            notice.text
        );
        let notice = p.reduce(Action::Send(record("orders", "v", "2"))).notice.unwrap();
        assert_eq!(notice, Notice::error("acks must be all, 1 or 0"));

        // The page keeps working: the next good action posts its own notice.
        assert_eq!(create_topic(&mut p, "good", 1).notice, info("Created topic good with 1 partition(s)."));
    }

    #[test]
    fn two_group_members_get_two_names_and_share_the_partitions() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "jobs", 2);
        let first = p.reduce(Action::AddMember("g".into(), "jobs".into()));
        let second = p.reduce(Action::AddMember("g".into(), "jobs".into()));
        assert_eq!(first.notice, info("g-member-1 joins group g on jobs: watch the rebalance."));
        assert_eq!(second.notice, info("g-member-2 joins group g on jobs: watch the rebalance."));
        let names: Vec<&str> = p.members().iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["g-member-1", "g-member-2"]);
        assert_ne!(p.members()[0].id, p.members()[1].id);

        // Frames run the world (10 s of virtual time each at 100x) and poll the members.
        p.reduce(Action::SetSpeed(100.0));
        frames(&mut p, 5, 100.0);
        let (group, _) = &p.snapshot().groups[0];
        assert_eq!(group.group_id, "g");
        assert_eq!(group.state, ConsumerGroupState::Stable);
        assert_eq!(group.members.len(), 2);
        assert!(group.members.iter().all(|m| m.assignment.len() == 1), "{:?}", group.members);

        let id = p.members()[1].id;
        let outcome = p.reduce(Action::Member(id, MemberAction::ToggleSlow));
        assert_eq!(outcome.notice, info("g-member-2 stops polling: after max.poll.interval.ms it leaves the group."));
        assert!(p.members()[1].slow);
        let outcome = p.reduce(Action::Member(id, MemberAction::Close));
        assert_eq!(outcome.notice, info("g-member-2 closed: it committed and left, the others rebalance now."));
        assert_eq!(p.members().len(), 1);
    }

    #[test]
    fn a_stream_sends_as_virtual_time_passes() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "clicks", 1);
        let bad = p.reduce(Action::Stream(Some((record("clicks", "c", "all"), 0.0))));
        assert_eq!(bad.notice, Some(Notice::error("A stream sends 1 to 10000 records per second of virtual time.")));
        assert!(p.stream().is_none());

        let outcome = p.reduce(Action::Stream(Some((record("clicks", "c", "all"), 100.0))));
        assert_eq!(outcome.notice, info("Streaming 100 records/s to clicks with acks=all."));
        // 20 frames 100 ms apart at 1x: 2 s of virtual time, 10 records a frame.
        frames(&mut p, 20, 100.0);
        let status = p.stream().unwrap().clone();
        assert_eq!(status.sent, 200);
        assert!(status.acknowledged > 150, "{status:?}");
        assert_eq!(status.failed, 0);
        let log = &p.snapshot().logs[&("clicks".to_string(), 0)];
        assert_eq!(log.records.last().map(|r| bytes(&r.value)), Some(format!("c-{}", status.acknowledged - 1)));

        // Paused, frames send nothing and draw nothing.
        p.reduce(Action::TogglePlay);
        let now = p.world().now_ms();
        assert!(!p.reduce(Action::Frame(1_000_000.0)).changed);
        assert_eq!((p.world().now_ms(), p.stream().unwrap().sent), (now, 200));

        assert_eq!(p.reduce(Action::Stream(None)).notice, info("Stream stopped."));
        assert!(p.stream().is_none());
    }

    #[test]
    fn frames_run_virtual_time_at_the_speed_and_step_pauses() {
        let mut p = Playground::from_fragment("#play");
        let t0 = p.world().now_ms();
        frames(&mut p, 2, 50.0);
        assert_eq!(p.world().now_ms(), t0 + 100);
        p.reduce(Action::SetSpeed(10.0));
        // A long gap between frames (a background tab) is worth at most 100 ms of wall time.
        let last = p.last_frame_ms.unwrap();
        assert!(p.reduce(Action::Frame(last + 60_000.0)).changed);
        assert_eq!(p.world().now_ms(), t0 + 100 + 1_000);

        let outcome = p.reduce(Action::Step);
        assert!(outcome.changed && !p.playing());
        p.reduce(Action::TogglePlay);
        assert!(p.playing());
    }

    #[test]
    fn time_travel_replays_to_an_earlier_time_and_pauses() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "orders", 1);
        let before_send = p.world().now_ms() + 50;
        frames(&mut p, 1, 100.0);
        p.reduce(Action::Send(record("orders", "apple", "all")));
        p.reduce(Action::Poll { topic: "orders".into(), partition: 0 });
        p.reduce(Action::Check);
        assert!(p.report().is_some_and(|r| r.ok));
        assert_eq!(p.snapshot().logs[&("orders".to_string(), 0)].records.len(), 1);

        let outcome = p.reduce(Action::TimeTravel(before_send));
        let notice = outcome.notice.unwrap();
        let t = franz_core::trace::group_thousands(before_send);
        assert!(notice.text.starts_with(&format!("Replayed from the seed to t = {t} ms (paused).")), "{}", notice.text);
        assert!(notice.text.contains("\"Back to now\" returns to it"), "{}", notice.text);
        assert!(outcome.world_replaced && outcome.fragment.is_none());
        assert_eq!(p.world().now_ms(), before_send);
        assert!(!p.playing());
        assert_eq!(p.world().list_topics(), ["orders"], "the topic was created before");
        assert!(p.snapshot().logs[&("orders".to_string(), 0)].records.is_empty(), "the record was sent after");
        assert!(p.polled().is_empty() && p.report().is_none(), "what the page had beside the present is set aside");

        let notice = p.reduce(Action::BackToNow).notice.unwrap();
        assert!(notice.text.starts_with("Back to now"), "{}", notice.text);
        assert_eq!(p.snapshot().logs[&("orders".to_string(), 0)].records.len(), 1, "the present was kept");
        assert!(p.report().is_some_and(|r| r.ok), "and what the page had beside it");
        let later = p.world().now_ms() + 1_000_000_000_000;
        let notice = p.reduce(Action::TimeTravel(later)).notice.unwrap();
        assert!(notice.error && notice.text.contains("is not in the past"), "{}", notice.text);
    }

    #[test]
    fn a_new_cluster_replaces_the_world_in_free_play() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "jobs", 1);
        p.reduce(Action::AddMember("g".into(), "jobs".into()));
        p.reduce(Action::Stream(Some((record("jobs", "j", "all"), 10.0))));
        p.reduce(Action::Check);
        let outcome = p.reduce(Action::NewCluster(7));
        assert_eq!(
            outcome,
            Outcome {
                changed: true,
                notice: info("A new cluster with seed 7, in free play."),
                fragment: Some("#play".into()),
                world_replaced: true,
                download: None,
            }
        );
        assert_eq!(p.world().config().seed, 7);
        assert!(p.world().list_topics().is_empty());
        assert!(p.members().is_empty() && p.stream().is_none() && p.report().is_none());
        assert!(p.snapshot().groups.is_empty());
    }

    #[test]
    fn a_share_link_replays_the_same_run() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "shared", 1);
        p.reduce(Action::Send(record("shared", "x", "all")));
        let outcome = p.reduce(Action::Share);
        assert_eq!(outcome.notice, info("The link in the address bar now replays this run: copy it to share."));
        assert!(!outcome.world_replaced);
        let fragment = outcome.fragment.unwrap();
        assert!(fragment.starts_with("#s="));

        let replayed = Playground::from_fragment(&fragment);
        let notice = replayed.notice().unwrap();
        assert!(!notice.error && notice.text.starts_with("Replayed the shared run: seed 1, "), "{}", notice.text);
        assert!(!replayed.playing(), "a replayed run starts paused");
        assert_eq!(replayed.world().now_ms(), p.world().now_ms());
        assert_eq!(replayed.snapshot().logs, p.snapshot().logs);

        let damaged = Playground::from_fragment("#s=garbage!");
        let notice = damaged.notice().unwrap();
        assert!(notice.error && notice.text.starts_with("The shared link cannot be read: "), "{}", notice.text);
        assert_eq!(damaged.world().config().seed, 1);
    }

    #[test]
    fn the_map_places_messages_in_flight_along_their_links() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "orders", 1);
        p.reduce(Action::Stream(Some((record("orders", "v", "all"), 1_000.0))));
        p.reduce(Action::SetSpeed(0.1));
        frames(&mut p, 5, 16.0);
        let nodes: Vec<NodeId> = p.world().nodes().map(|(id, _)| *id).collect();
        let mut seen = Vec::new();
        for _ in 0..200 {
            p.reduce(Action::Step);
            for f in p.snapshot().flights {
                assert!((0.0..=1.0).contains(&f.progress), "{f:?}");
                assert!(nodes.contains(&f.from) && nodes.contains(&f.to), "{f:?}");
                seen.push(f.api);
            }
        }
        for api in ["Produce", "Fetch", "AppendEntries", "BrokerHeartbeat"] {
            assert!(seen.contains(&api), "{api} in flight at some step: {seen:?}");
        }
    }

    #[test]
    fn broker_buttons_crash_and_restart() {
        let mut p = Playground::from_fragment("#play");
        p.reduce(Action::SetSpeed(100.0));
        frames(&mut p, 1, 100.0);
        let outcome = p.reduce(Action::Broker(1, BrokerAction::Crash));
        assert_eq!(outcome.notice, info("Broker 1 crashed: its memory is gone, its disk is kept."));
        assert_eq!(p.snapshot().view.brokers[0].state, BrokerStatus::Crashed);
        let outcome = p.reduce(Action::Broker(1, BrokerAction::Restart));
        assert_eq!(outcome.notice, info("Broker 1 restarted and recovered from its disk."));
        let outcome = p.reduce(Action::Broker(0, BrokerAction::AddBroker));
        assert_eq!(outcome.notice, info("Broker 4 joined: it registers, then is unfenced once caught up."));
        let notice = p.reduce(Action::Broker(99, BrokerAction::Crash)).notice.unwrap();
        assert!(notice.error && notice.text.starts_with("INVALID_REQUEST: "), "{}", notice.text);
    }
}
