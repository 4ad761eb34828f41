//! The playground's state and its one way to change: [`Playground::reduce`] takes an [`Action`] (a click, a
//! form, an animation frame), calls the world, and returns an [`Outcome`]: whether to draw again, the notice
//! it posted, the URL fragment to write, whether the world was replaced. No DOM, no Yew here: the reducer
//! runs natively (`cargo test -p franz-web --features playground --lib`), and `app.rs` only schedules frames,
//! writes the URL and renders [`Playground::snapshot`].
//!
//! Beside the world it keeps the lesson the page follows (`state/lessons.rs`: Next, Back, forking, lesson
//! drafts), the timeline (`state/timeline.rs`: marks, going back while the present is kept, forking), the
//! page's clients (`state/clients.rs`: the producer, its stream, the consumer panel; `state/groups.rs`: group
//! members), and reads the world for what the panels explain (`state/explain.rs`: the network, broker cards,
//! countdowns, topic warnings; `state/events.rs`: the filtered event log), and keeps what the cluster map
//! does beside the world (`state/map.rs`: a node's menu of actions, choosing sides to cut the network, the
//! kinds of message drawn, and the page's keyboard shortcuts). What the user types is read by
//! `state/input.rs`, strictly.

use std::collections::BTreeSet;

use franz_core::vec_map::VecMap;

use franz_core::check::CheckReport;
use franz_core::lesson::Lesson;
use franz_core::sim::network::NetworkConfig;
use franz_core::sim::scenario::Action as ScenarioAction;
use franz_core::sim::Replay;
use franz_core::types::NodeId;
use franz_core::view::{ClusterView, PartitionDescription, RecordView, SegmentView, TopicDescription};
use franz_core::{ClusterConfig, World};

/// The page's clock, in ms (`performance.now()`).
pub type Clock = std::rc::Rc<dyn Fn() -> f64>;

use super::share::{self, Link};
use super::shared::Shared;

mod calls;
mod clients;
mod events;
mod explain;
mod groups;
mod input;
mod lessons;
mod map;
mod timeline;

pub use clients::{speed_limit_text, ConsumerPanel, KeyMode, PolledRecord, SendRequest, StreamRequest, StreamStatus};
pub use events::{EventFilter, EventKind, EventLine};
pub use explain::{state_text, BrokerCard, Countdown, NetworkSummary};
pub use groups::{GroupCard, MemberAction, MemberUi};
pub use lessons::{Chapter, LessonView};
pub use map::{MapAction, MapPartition, MapPicture, MapView, MenuItem, MessageKind, SHORTCUTS, SHORTCUT_KEYS};
pub use timeline::{Mark, MarkKind, TimelineView, Toward};

/// Records per partition the log strip shows (the newest).
const LOG_STRIP_RECORDS_MAX: u64 = 40;
/// Log strips a topic shows until the user asks for all its partitions: a topic of hundreds of partitions
/// would otherwise fill the page, and cost every frame.
pub const LOG_STRIPS_PER_TOPIC: usize = 12;
/// Fewer frames a second than this, and the page says so.
const FRAMES_PER_SEC_LOW: f64 = 20.0;
/// A frame never advances the world by more than this much wall time (a background tab, a breakpoint).
const FRAME_WALL_MS_MAX: f64 = 100.0;
/// The wall time a frame's simulation may take: with the drawing, a frame stays within one 60 Hz refresh.
/// Measured (`make bench`, frames.mjs): a 10 ms share gave 30 fps (frames missed every other refresh), 5 ms
/// gives 60 fps at 70% of that share's virtual speed. Again after the panels stopped rendering every frame
/// (2026-12-02): 8 ms ran the 200-partition bench 1.8x faster, but with 5x the tasks over 50 ms (p95 frame
/// 67-83 ms against 33).
const FRAME_SIMULATION_MS_MAX: f64 = 5.0;
/// A frame's simulation that took less than this has room for more.
const FRAME_SIMULATION_MS_ROOMY: f64 = 3.0;
/// How long the playground's "Pause" button stops a broker.
const PAUSE_BUTTON_MS: u64 = 5_000;
/// Messages in flight the map draws (the first to arrive).
const FLIGHTS_DRAWN_MAX: usize = 200;

/// Everything the page can ask of the playground.
#[derive(Clone, PartialEq, Debug)]
pub enum Action {
    /// An animation frame at this wall-clock time (ms): run the world for the virtual time it is worth.
    Frame(f64),
    /// How long (wall ms) the last frame's simulation took, as the page measured it.
    FrameCost(f64),
    TogglePlay,
    /// Run the next event (and pause).
    Step,
    /// Virtual milliseconds per wall millisecond.
    SetSpeed(f64),
    Topic(TopicAction),
    Send(SendRequest),
    /// The consumer panel's topic and partition, as typed.
    SetPollTarget {
        topic: String,
        partition: String,
    },
    Poll {
        topic: String,
        partition: u32,
    },
    Broker(NodeId, BrokerAction),
    /// Start a stream (with the producer form's settings), or stop it (`None`).
    Stream(Option<StreamRequest>),
    /// (group id, topic): start one more member subscribed to the topic.
    AddMember(String, String),
    Member(NodeId, MemberAction),
    HealNetwork,
    SetNetwork(NetworkConfig),
    /// The network form as typed: latency ms, jitter ms, drop rate.
    SetNetworkText {
        latency: String,
        jitter: String,
        drop_rate: String,
    },
    Check,
    /// Put this run into the URL, and copy the link.
    Share,
    /// Whether the browser copied the link to the clipboard.
    LinkCopied(bool),
    /// Replay this run from its seed up to this virtual time, and pause there. The run's present is kept
    /// ("back to now") until the user plays or acts in the past, which forks the run.
    TimeTravel(u64),
    /// "Go back to" with the time as typed.
    TimeTravelText(String),
    /// Go to the previous or next moment with a mark on the timeline.
    JumpToMark(Toward),
    /// Back to the run's present, kept while the page showed the past.
    BackToNow,
    /// A fresh cluster with this seed, in free play.
    NewCluster(u64),
    /// "New cluster" with the seed as typed.
    NewClusterText(String),
    /// Open the library's lesson with this id, at its start.
    OpenLesson(String),
    /// Open what a URL fragment links to, as a page load would (the browser's Back, a link pasted into the
    /// address bar of an open page).
    OpenLink(String),
    /// Play the lesson's next step and judge its claims.
    LessonNext,
    /// Back to the end of the lesson's previous step (in a forked lesson: of the step it forked from).
    LessonBack,
    /// Download this run as a lesson draft (JSON).
    SaveDraft,
    /// Which lines the event log shows.
    FilterEvents(EventFilter),
    /// The answer to "this discards the run's future": fork and do the action that asked (`true`), or not.
    ConfirmFork(bool),
    /// Show the log strips of every partition of this topic (`true`), or the first few.
    ShowAllPartitions(String, bool),
    /// On the cluster map: a node's menu, choosing sides and cutting the network, the kinds drawn.
    Map(MapAction),
    /// Open (or close) the list of keyboard shortcuts.
    Help(bool),
    /// A key pressed outside a text field (as the browser names it): the shortcut's action, if it is one.
    Shortcut(String),
}

/// Whether an action puts another world in the page's place (a new cluster, a lesson).
fn replaces_the_world(action: &Action) -> bool {
    matches!(action, Action::NewCluster(_) | Action::NewClusterText(_) | Action::OpenLesson(_))
}

/// Whether a question pending about `action` is whether to replace the run (not to fork its past).
fn asks_to_replace(action: &Action) -> bool {
    replaces_the_world(action) || matches!(action, Action::OpenLink(_))
}

/// The user's own actions in a run (letting time pass is not one).
fn user_actions(scenario: &franz_core::sim::scenario::Scenario) -> usize {
    let time = |a: &ScenarioAction| matches!(a, ScenarioAction::RunFor { .. } | ScenarioAction::Step);
    scenario.actions.iter().filter(|e| !time(&e.action)).count()
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
        | Action::SetNetwork(_)
        | Action::SetNetworkText { .. } => true,
        Action::Map(m) => m.changes_world(),
        _ => false,
    }
}

/// Said of the actions taken while long work plays over frames (they wait for it).
const QUEUED_ACTIONS_TEXT: &str =
    "What you do meanwhile waits for it, and acts once it ends (the simulation cannot act in the middle of a call).";

/// Whether an action only changes what the page shows (not the world, nor what it reads of the run): it
/// acts at once while long work plays over frames, where others wait for it.
fn only_changes_the_view(action: &Action) -> bool {
    match action {
        Action::SetSpeed(_)
        | Action::SetPollTarget { .. }
        | Action::FilterEvents(_)
        | Action::ShowAllPartitions(..)
        | Action::Help(_)
        | Action::LinkCopied(_) => true,
        Action::Map(m) => !m.changes_world(),
        _ => false,
    }
}

/// The panel an action came from: its notice is shown there, where the user is looking.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Place {
    /// The top bar, or no panel in particular.
    #[default]
    Top,
    Lesson,
    Timeline,
    /// The cluster map (its menus, its partition tools).
    Map,
    Cluster,
    Network,
    Replay,
    Topics,
    Producer,
    Consumer,
    Groups,
    Checker,
}

impl Place {
    fn of(action: &Action) -> Place {
        match action {
            Action::Frame(_)
            | Action::FrameCost(_)
            | Action::TogglePlay
            | Action::Step
            | Action::SetSpeed(_)
            | Action::Help(_)
            | Action::Shortcut(_) => Place::Top,
            Action::Map(_) => Place::Map,
            Action::Topic(_) | Action::ShowAllPartitions(..) => Place::Topics,
            Action::Send(_) | Action::Stream(_) => Place::Producer,
            Action::SetPollTarget { .. } | Action::Poll { .. } => Place::Consumer,
            Action::Broker(..) => Place::Cluster,
            Action::AddMember(..) | Action::Member(..) => Place::Groups,
            Action::HealNetwork | Action::SetNetwork(_) | Action::SetNetworkText { .. } => Place::Network,
            Action::Check => Place::Checker,
            Action::Share | Action::LinkCopied(_) | Action::TimeTravelText(_) | Action::NewClusterText(_) => {
                Place::Replay
            }
            Action::TimeTravel(_)
            | Action::JumpToMark(_)
            | Action::BackToNow
            | Action::FilterEvents(_)
            | Action::ConfirmFork(_) => Place::Timeline,
            Action::NewCluster(_)
            | Action::OpenLesson(_)
            | Action::LessonNext
            | Action::LessonBack
            | Action::OpenLink(_)
            | Action::SaveDraft => Place::Lesson,
        }
    }
}

/// What the user asks of a topic.
#[derive(Clone, PartialEq, Debug)]
pub enum TopicAction {
    /// `replication_factor: None` is Kafka's default, min(3, brokers); `config` as typed
    /// (`retention.ms=60000, cleanup.policy=compact`).
    Create {
        name: String,
        partitions: u32,
        replication_factor: Option<u32>,
        config: String,
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

/// The partitions broker `id` leads in the committed metadata, as (topic, partition).
fn led_partitions(world: &World, id: NodeId) -> Vec<(String, u32)> {
    let view = world.view();
    let led = view
        .topics
        .iter()
        .flat_map(|t| t.partitions.iter().filter(|p| p.leader == Some(id)).map(|p| (t.name.clone(), p.partition)));
    led.collect()
}

/// What a controlled shutdown did with the leaderships of the partitions `led`: moved to another in-sync
/// replica, or, with none (replication factor 1, or an ISR of the broker alone), left without a leader.
fn stop_text(world: &World, id: NodeId, led: &[(String, u32)]) -> String {
    // With no controller to approve it (the quorum lost), it stopped when its wait ran out, its leaderships
    // unmoved (adversary 57: the page said they had moved, to it).
    if world.stop_was_controlled(id) == Some(false) {
        let names: Vec<String> = led.iter().map(|(t, p)| format!("{t}-{p}")).collect();
        let shutdown_wait = format!("{} minutes", franz_core::sim::CONTROLLED_SHUTDOWN_TIMEOUT_MS / 60_000);
        return match led.len() {
            0 => format!(
                "Broker {id} stopped without the controller's approval: no controller answered its controlled \
                 shutdown within {} (the quorum is lost). It flushed and exited.",
                shutdown_wait
            ),
            _ => format!(
                "Broker {id} stopped without the controller's approval: no controller answered its controlled \
                 shutdown within {}, so its leaderships were not moved. The metadata still names it leader of {}: \
                 no working leader there until a controller fences it and elects another.",
                shutdown_wait,
                explain::first_names(&names)
            ),
        };
    }
    let view = world.view();
    let leader = |topic: &str, partition: u32| {
        let t = view.topics.iter().find(|t| t.name == topic)?;
        t.partitions.iter().find(|p| p.partition == partition)?.leader
    };
    let offline: Vec<String> =
        led.iter().filter(|(t, p)| leader(t, *p).is_none()).map(|(t, p)| format!("{t}-{p}")).collect();
    let mut to: Vec<NodeId> = led.iter().filter_map(|(t, p)| leader(t, *p)).collect();
    franz_core::collect::sort(&mut to);
    to.dedup();
    let names = |ids: &[NodeId]| ids.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(", ");
    let moved = led.len() - offline.len();
    let mut text = match moved {
        0 => format!("Broker {id} stopped cleanly (a controlled shutdown): it flushed and exited."),
        n => format!(
            "Broker {id} stopped cleanly: the controller moved its leadership of {n} partition(s) to other in-sync \
             replicas first (broker {}), then it flushed and exited.",
            names(&to)
        ),
    };
    // A crashed broker the controller has not fenced yet is still in the ISR, and may be elected.
    let down: Vec<NodeId> = to.iter().copied().filter(|&b| world.is_crashed(b)).collect();
    if !down.is_empty() {
        text.push_str(&format!(
            " Broker {} is down, but the controller does not know it yet (it fences a silent broker after \
             broker.session.timeout.ms): what it now leads has no working leader until then.",
            names(&down)
        ));
    }
    if !offline.is_empty() {
        text.push_str(&format!(
            " {} partition(s) it led had no other in-sync replica ({}): they have no leader until it restarts, and \
             sends to them wait.",
            offline.len(),
            explain::first_names(&offline)
        ));
    }
    text
}

/// "Broker 2" or "Controller 1001": the map's label, to begin a sentence.
fn node_label(id: NodeId) -> String {
    let label = map::node_label(id);
    format!("{}{}", label[..1].to_uppercase(), &label[1..])
}

impl BrokerAction {
    pub fn done_text(self, id: NodeId) -> String {
        match self {
            BrokerAction::Stop => format!("Broker {id} stopped cleanly (a controlled shutdown)."),
            BrokerAction::Crash => format!("Broker {id} crashed: its memory is gone, its disk is kept."),
            BrokerAction::Restart => format!("Broker {id} restarted and recovered from its disk."),
            BrokerAction::PowerLoss => format!("Broker {id} lost power: what it had not flushed is gone."),
            BrokerAction::Isolate => {
                format!(
                    "{} is cut off from every other node (nodes cut off before stay cut off). Heal (on its \
                     card, or in Network) reconnects every node.",
                    node_label(id)
                )
            }
            BrokerAction::Pause => {
                format!("{} is paused (a long GC): alive but silent for a while.", node_label(id))
            }
            BrokerAction::CrashController => {
                format!("Controller {id} crashed. If it was active, the others elect a new one within the election timeout.")
            }
            BrokerAction::RestartController => format!("Controller {id} restarted from its Raft log on disk."),
            BrokerAction::AddBroker => format!("Broker {id} joined: it registers, then is unfenced once caught up."),
        }
    }
}

/// What a log strip shows of one partition: from where, the records, the segments.
#[derive(Clone, PartialEq, Default, Debug)]
pub struct PartitionLogView {
    pub from_offset: u64,
    pub records: Vec<RecordView>,
    pub segments: Vec<SegmentView>,
    /// Each group's committed offset on this partition.
    pub committed: Vec<(String, u64)>,
    /// The checker's violations at an offset of this partition, by offset.
    pub violations: Vec<ViolationPin>,
    /// Its offline replicas whose broker runs (fenced: cut off from the controller), not down.
    pub fenced: Vec<NodeId>,
}

/// The checker's violations at one offset of a partition, pinned on its log strip.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ViolationPin {
    pub offset: u64,
    /// Each violation's kind and sentence, one a line.
    pub text: String,
}

/// A link put in the address bar, until the browser says whether it copied it.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
struct SharedLink {
    /// What it holds ("3 action(s), 120 characters; it replays this run").
    described: String,
    /// The notice's sentence until then, which the answer replaces.
    copying_text: String,
}

/// The line saying what the last action did, or why it failed (with Kafka's error name).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Notice {
    pub error: bool,
    pub text: String,
    /// The notice asks the user to confirm (or cancel) an action that discards the run's future.
    pub confirm_fork: bool,
    /// What it would discard is the whole free-play run (a lesson or a new cluster replaces it).
    pub discards_run: bool,
}

impl Notice {
    /// This notice, then `next`'s: what ended, then what a waiting action did.
    fn then(&self, next: Notice) -> Notice {
        Notice { error: self.error || next.error, text: format!("{} Then: {}", self.text, next.text), ..next }
    }

    fn info(text: impl Into<String>) -> Notice {
        Notice { error: false, text: text.into(), confirm_fork: false, discards_run: false }
    }

    fn error(text: impl Into<String>) -> Notice {
        Notice { error: true, text: text.into(), confirm_fork: false, discards_run: false }
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
    /// The link of the run the action replaced, to write in place of the history entry it was on (before
    /// `fragment`, a new one), so that the browser's Back replays it.
    pub left_run: Option<String>,
    /// Copy the page's address (with the fragment just written) to the clipboard.
    pub copy_link: bool,
    /// The world was replaced (time travel, a new cluster, a lesson): the page's clients, polled records,
    /// members and checker report belonged to the old one and are gone.
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

/// The playground's whole state: the world and what the page did with it.
pub struct Playground {
    world: World,
    playing: bool,
    /// Virtual milliseconds per wall millisecond, as chosen.
    speed: f64,
    last_frame_ms: Option<f64>,
    /// Fractions of a virtual millisecond not yet run.
    carry_ms: f64,
    /// The most virtual time one frame runs: it shrinks while a frame's simulation takes longer than
    /// [`FRAME_SIMULATION_MS_MAX`] and grows back while it takes less, so the page stays responsive.
    frame_virtual_ms_max: f64,
    /// The virtual time the last frame ran.
    frame_virtual_ms_last: f64,
    /// The speed frames actually ran at lately (virtual ms per wall ms), averaged.
    speed_run: f64,
    /// The wall time between frames lately (ms), averaged: the page says when it draws few frames a second.
    frame_interval_ms: f64,
    polled: Vec<PolledRecord>,
    /// The consumer panel's topic and partition, as typed.
    poll_target: (String, String),
    report: Option<CheckReport>,
    notice: Option<Notice>,
    /// Where the notice was asked for.
    notice_place: Place,
    /// Topics whose every partition's log strip the page shows.
    all_partitions_shown: BTreeSet<String>,
    /// Groups the page has shown: kept (Empty, with their offsets and lag) after their last member leaves.
    known_groups: Vec<String>,
    /// The lessons that ship with Franz, parsed once (fetched by the page: `app.rs`).
    library: Vec<Lesson>,
    /// The lesson the page follows, if any.
    lesson: Option<lessons::LessonMode>,
    /// The run's present, kept while the page shows an earlier moment of it.
    present: Option<Box<timeline::Present>>,
    /// The lesson address the page last wrote (it writes it again when the lesson moves on without it).
    lesson_fragment_written: Option<String>,
    /// A time travel under way, replayed a slice per frame.
    replaying: Option<Box<timeline::Replaying>>,
    /// The last frame replayed: its cost is the replay's, not the simulation's.
    replayed_last_frame: bool,
    /// The page's clock (ms), where there is one: a replay's slice ends by wall time, whatever the events
    /// cost. Without one (most tests), a replay is done in one slice.
    clock: Option<Clock>,
    /// The timeline's marks, oldest first, and the trace sequence number they were read up to.
    marks: Vec<Mark>,
    marks_seq: u64,
    /// The run's important trace lines (all but appends and high watermarks), oldest first: the event log
    /// lists them beyond the trace's own window of recent events.
    important: Vec<franz_core::trace::TraceEvent>,
    events_filter: EventFilter,
    /// The last link shared: its size, as the notice says it, and the notice's words while it is copied.
    shared_link: Option<SharedLink>,
    /// The user's actions in the run that a link holds (the link it was opened from, or the last one copied):
    /// a run with more would be lost if replaced.
    saved_actions: usize,
    /// An action taken in the past, waiting for the user to confirm that it discards the run's future.
    pending_fork: Option<(Box<Action>, Place)>,
    /// The cluster map's menu, sides and filter.
    map: map::MapState,
    /// The list of keyboard shortcuts is open.
    help: bool,
    /// A blocking call of the user's waiting for its answer, played a slice a frame.
    call: Option<calls::CallUnderWay>,
    /// "Check this run" under way, a pass a frame (the world waits meanwhile: its history is what is judged).
    checking: Option<Box<franz_core::check::Checking>>,
    /// The user's actions waiting for long work (a lesson step, a call, a check) to end.
    queued: std::collections::VecDeque<Action>,
    /// The notice of work that ended while a waiting action began more: said again with that work's.
    earlier_notice: Option<Notice>,
}

/// What one render of the page shows: the world's views and what the page keeps beside them. Taken at a
/// refresh (or after an action); between refreshes only `now_ms` and `flights` change, and the panels,
/// whose parts are [`Shared`], are not rendered again.
#[derive(Clone)]
pub struct Snapshot {
    /// The world's clock (it moves every frame; `view.now_ms` is the refresh's).
    pub now_ms: u64,
    pub view: Shared<ClusterView>,
    /// Topics in the order the page lists them: the user's, then the internal ones.
    pub topics: Shared<Vec<TopicDescription>>,
    /// The groups the page shows, each with its committed offsets and its members' countdowns.
    pub groups: Shared<Vec<GroupCard>>,
    /// Each partition's log strip, by (topic, partition).
    pub logs: Shared<VecMap<(String, u32), PartitionLogView>>,
    /// The event log, newest first, filtered.
    pub events: Shared<Vec<EventLine>>,
    /// Topics but the internal ones (`__consumer_offsets`).
    pub user_topics: Shared<Vec<String>>,
    /// Messages on their way, for the map.
    pub flights: Shared<Vec<Flight>>,
    /// The map's nodes and where the replicas are.
    pub map: Shared<MapPicture>,
    pub brokers: Shared<Vec<BrokerCard>>,
    pub network: Shared<NetworkSummary>,
    /// Warnings on each topic's settings and partitions, by topic.
    pub topic_warnings: Shared<VecMap<String, Vec<String>>>,
    pub consumer: Shared<ConsumerPanel>,
    /// What the page's producers wait for, as countdowns (a request, a delivery timeout, metadata).
    pub producer_waits: Shared<Vec<Countdown>>,
    /// The group members the page started, with their poll loops.
    pub members: Shared<Vec<MemberUi>>,
    /// The records the page's consumer polled, oldest first.
    pub polled: Shared<Vec<PolledRecord>>,
    /// Every node, with its name, for the event log's node filter.
    pub nodes: Shared<Vec<(NodeId, String)>>,
    pub chapters: Shared<Vec<Chapter>>,
    pub lesson: Shared<Option<LessonView>>,
}

impl Snapshot {
    /// `fresh`, where each part equal to `shown`'s is `shown`'s own allocation: the panels given it compare one
    /// pointer, and their components see no change.
    pub fn keep_unchanged(shown: &Snapshot, fresh: Snapshot) -> Snapshot {
        fn keep<T: PartialEq>(old: &Shared<T>, new: Shared<T>) -> Shared<T> {
            if *old == new {
                old.clone()
            } else {
                new
            }
        }
        Snapshot {
            now_ms: fresh.now_ms,
            view: keep(&shown.view, fresh.view),
            topics: keep(&shown.topics, fresh.topics),
            groups: keep(&shown.groups, fresh.groups),
            logs: keep(&shown.logs, fresh.logs),
            events: keep(&shown.events, fresh.events),
            user_topics: keep(&shown.user_topics, fresh.user_topics),
            flights: keep(&shown.flights, fresh.flights),
            map: keep(&shown.map, fresh.map),
            brokers: keep(&shown.brokers, fresh.brokers),
            network: keep(&shown.network, fresh.network),
            topic_warnings: keep(&shown.topic_warnings, fresh.topic_warnings),
            consumer: keep(&shown.consumer, fresh.consumer),
            producer_waits: keep(&shown.producer_waits, fresh.producer_waits),
            members: keep(&shown.members, fresh.members),
            polled: keep(&shown.polled, fresh.polled),
            nodes: keep(&shown.nodes, fresh.nodes),
            chapters: keep(&shown.chapters, fresh.chapters),
            lesson: keep(&shown.lesson, fresh.lesson),
        }
    }
}

/// A message on its way, as the map draws it: a dot `progress` of the way from its sender to its receiver;
/// or a message the network lost lately, drawn where it died.
#[derive(Clone, PartialEq, Debug)]
pub struct Flight {
    pub from: NodeId,
    pub to: NodeId,
    /// Kafka's API name (`Produce`, `Fetch`, `Vote` ...).
    pub api: &'static str,
    pub kind: MessageKind,
    /// 0 at the sender, 1 at the receiver; estimated from the link's latency (the jitter is not known).
    pub progress: f64,
    /// Why the network lost it, if it did.
    pub lost: Option<franz_core::sim::network::LossCause>,
}

/// Topics Kafka keeps for itself (`__consumer_offsets`): listed last, folded, never deleted from the page.
pub fn is_internal(topic: &str) -> bool {
    franz_core::types::is_internal_topic(topic)
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
    pub fn new(world: World, library: Vec<Lesson>) -> Playground {
        Playground {
            world,
            playing: true,
            speed: 1.0,
            last_frame_ms: None,
            carry_ms: 0.0,
            frame_virtual_ms_max: f64::INFINITY,
            frame_virtual_ms_last: 0.0,
            speed_run: 1.0,
            frame_interval_ms: 1000.0 / 60.0,
            polled: Vec::new(),
            poll_target: (String::new(), String::from("0")),
            report: None,
            notice: None,
            notice_place: Place::Top,
            all_partitions_shown: BTreeSet::new(),
            known_groups: Vec::new(),
            library,
            lesson: None,
            present: None,
            lesson_fragment_written: None,
            replaying: None,
            replayed_last_frame: false,
            clock: None,
            marks: Vec::new(),
            marks_seq: 0,
            important: Vec::new(),
            events_filter: EventFilter::default(),
            shared_link: None,
            saved_actions: 0,
            pending_fork: None,
            map: map::MapState::default(),
            help: false,
            call: None,
            checking: None,
            queued: Default::default(),
            earlier_notice: None,
        }
    }

    /// The page opened with this URL fragment: a first visit (no fragment) opens the first lesson, a
    /// lesson link opens that lesson (at its step), `#play` plays a new cluster, a shared run is replayed
    /// (and paused, with a notice; its group members poll again and its stream goes on when played); a
    /// damaged link or an unknown lesson says why it cannot be used. `library` is the lessons as fetched,
    /// or why they could not be: the page then says so and plays a new cluster (a shared run still replays).
    /// `clock` is the page's (`performance.now()`): a shared run's first slice is already timed by it.
    pub fn open(fragment: &str, library: Result<Vec<Lesson>, String>, clock: Option<Clock>) -> Playground {
        let (library, unloaded) = match library {
            Ok(library) => (library, None),
            Err(e) => (Vec::new(), Some(e)),
        };
        let mut playground = Playground::new(lessons::parked_world(), library);
        playground.clock = clock;
        let (lesson, steps) = match share::parse(fragment) {
            Link::FirstVisit => (playground.library.first().map(|l| l.id.clone()), Ok(0)),
            Link::Lesson { id, steps } => (Some(id), steps),
            Link::FreePlay => (None, Ok(0)),
            Link::Shared(shared) => {
                // Replayed a slice at a time, as going back in time is: a long run would block the page.
                let replay = shared.map_err(|e| format!("The shared link cannot be read: {e}")).and_then(|s| {
                    let replay = Replay::start(&s, None);
                    replay.map(|r| (r, s)).map_err(|e| format!("The shared run cannot be replayed: {e}"))
                });
                match replay {
                    Ok((replay, scenario)) => {
                        playground.saved_actions = user_actions(&scenario);
                        let shared = Some((scenario.seed, scenario.actions.len()));
                        playground.replaying = Some(Box::new(timeline::Replaying::new(replay, false, shared)));
                        playground.playing = false;
                        let text = playground.advance_replay().unwrap_or_else(|| {
                            format!(
                                "Replaying the shared run (seed {}, {} action(s)) …",
                                scenario.seed,
                                scenario.actions.len()
                            )
                        });
                        playground.notice = Some(Notice::info(text));
                    }
                    Err(e) => {
                        playground.world = new_world(1);
                        playground.playing = true;
                        playground.notice = Some(Notice::error(e));
                    }
                }
                playground.scan_marks();
                return playground;
            }
        };
        if let Some(id) = lesson {
            let mut outcome = Outcome::default();
            match playground.open_lesson(&id, *steps.as_ref().unwrap_or(&0), &mut outcome) {
                Err(e) => {
                    let first = playground.library.first().map(|l| l.id.clone());
                    let opened = first.is_some_and(|f| playground.open_lesson(&f, 0, &mut outcome).is_ok());
                    let instead = if opened { " Here is the first lesson." } else { "" };
                    playground.notice = Some(Notice::error(format!("{e}{instead}")));
                }
                // A link's step that cannot be played is said, not silently changed.
                Ok(_) => {
                    let total = playground.lesson.as_ref().map_or(0, |m| m.steps_total());
                    playground.notice = match steps {
                        Err(written) => Some(Notice::error(format!(
                            "The link's step {:?} is not a step number: the lesson opens at its start.",
                            share::excerpt(&written)
                        ))),
                        Ok(n) if n > total => Some(Notice::error(format!(
                            "The link asks for step {n}, and this lesson has {total}: it opens at the end of step {total}."
                        ))),
                        Ok(_) => None,
                    };
                }
            }
        }
        playground.lesson_fragment_written = playground.lesson_fragment();
        if let Some(e) = unloaded {
            playground.notice = Some(Notice::error(format!("The lessons could not be loaded ({e}): free play.")));
        }
        if playground.lesson.is_none() {
            playground.world = new_world(1);
        }
        playground.scan_marks();
        playground
    }

    /// [`Playground::open`] with the library as the core ships it (the page fetches the same files).
    #[cfg(test)]
    pub fn from_fragment(fragment: &str) -> Playground {
        // Without a clock, replays (a shared run, going back in time) are done at once (the time-travel tests
        // hand one in, to replay in slices as a page does).
        Playground::open(fragment, Ok(franz_core::lesson::library()), None)
    }

    /// The world the page shows: while a shared run replays, the run as replayed so far (found by an
    /// adversary: the page showed a made-up cluster of one controller and one broker meanwhile).
    pub fn world(&self) -> &World {
        self.shared_replay_world().unwrap_or(&self.world)
    }

    pub fn playing(&self) -> bool {
        self.playing
    }

    /// The speed chosen (virtual ms per wall ms).
    pub fn speed(&self) -> f64 {
        self.speed
    }

    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    /// Where the notice belongs: the panel whose action posted it.
    /// Topics whose every partition's log strip the page shows.
    pub fn all_partitions_shown(&self) -> &BTreeSet<String> {
        &self.all_partitions_shown
    }

    pub fn notice_place(&self) -> Place {
        self.notice_place
    }

    /// The records the consumer panel polled, oldest first.
    #[cfg(test)]
    pub fn polled(&self) -> &[PolledRecord] {
        &self.polled
    }

    pub fn report(&self) -> Option<&CheckReport> {
        self.report.as_ref()
    }

    pub fn events_filter(&self) -> &EventFilter {
        &self.events_filter
    }

    /// A clock for a test to time replay slices by.
    #[cfg(test)]
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = Some(clock);
    }

    /// The one way the state changes.
    pub fn reduce(&mut self, action: Action) -> Outcome {
        if let Action::Shortcut(key) = &action {
            return self.shortcut(key).map_or_else(Outcome::default, |a| self.reduce(a));
        }
        // Long work played a slice a frame (a lesson step, a call of the user's waiting for its answer, a check):
        // an action that only changes the view acts now; any other waits, in order, until the work ended (as at
        // once: the same run). Ending the work at once held the main thread up to 400 ms (adversary 55).
        // So does "Check this run" while a time travel replays: it judges the moment travelled to (it judged the
        // present, and its verdict went with it: adversary 55).
        // (Next while a step plays does nothing: its button only looks off, to keep the focus.)
        if action == Action::LessonNext && self.lesson_step_under_way() {
            return Outcome::default();
        }
        let waits = !matches!(action, Action::Frame(_) | Action::FrameCost(_)) && !only_changes_the_view(&action);
        let check_in_travel = matches!(action, Action::Check) && self.replaying.is_some();
        if (waits && self.long_work_under_way()) || check_in_travel {
            self.queued.push_back(action);
            // Said once: what the user does meanwhile waits (adversary 57: a restart clicked to rescue a waiting
            // send ran after the send expired, and nothing said it would).
            let mut outcome = Outcome::changed();
            if let Some(current) = self.notice.clone().filter(|n| self.queued.len() == 1 && !n.confirm_fork) {
                let text = format!("{} {QUEUED_ACTIONS_TEXT}", current.text);
                outcome.notice = Some(self.post(Notice { text, ..current }));
            }
            return outcome;
        }
        if waits {
            self.earlier_notice = None; // (the user acted since)
        }
        let idle = !self.long_work_under_way() && self.replaying.is_none();
        if matches!(action, Action::Frame(_)) && !self.queued.is_empty() && idle {
            return self.run_queued();
        }
        // (The browser's Back or Forward from a run that no link holds asks first, as replacing it does.)
        if let Action::OpenLink(fragment) = &action {
            // (The history entry the page went back to itself, for the lesson's Back: it shows that already.)
            if self.present.is_none() && self.lesson_link().is_some_and(|(shown, _)| shown == *fragment) {
                return Outcome::default();
            }
            if !self.run_would_be_lost() {
                return self.open_link(fragment);
            }
        }
        let mut left_replay = false;
        if self.replaying.is_some() && timeline::leaves_replay(&action) {
            // Play while going back from the present: stay there, playing (not a toggle back to paused).
            if action == Action::TogglePlay && self.present.is_none() && !self.replaying_shared() {
                self.cancel_replay();
                self.playing = true;
                return Outcome { changed: true, notice: self.notice.clone(), ..Outcome::default() };
            }
            self.cancel_replay();
            left_replay = true;
        }
        let was_past = self.present.is_some();
        let mut outcome = self.dispatch(action);
        if left_replay {
            outcome.changed = true;
            outcome.notice = outcome.notice.or_else(|| self.notice.clone());
        }
        self.keep_lesson_address(was_past, &mut outcome);
        outcome
    }

    /// Whether long work is played a slice a frame: a lesson step, a call of the user's, a check.
    fn long_work_under_way(&self) -> bool {
        self.lesson_step_under_way() || self.work_under_way()
    }

    /// The actions that waited for long work to end, in order (until one begins long work again): their
    /// notices said together, the work's answer first where it ended in the frame before.
    fn run_queued(&mut self) -> Outcome {
        let ended = self.notice.clone();
        let mut outcome = Outcome::changed();
        while let Some(action) = self.queued.pop_front() {
            let next = self.reduce(action);
            let busy = self.long_work_under_way() || self.replaying.is_some();
            outcome = Outcome {
                changed: true,
                notice: next.notice.or(outcome.notice),
                fragment: next.fragment.or(outcome.fragment),
                left_run: next.left_run.or(outcome.left_run),
                copy_link: next.copy_link || outcome.copy_link,
                world_replaced: next.world_replaced || outcome.world_replaced,
                download: next.download.or(outcome.download),
            };
            if busy {
                break; // (the rest wait for the work this action began)
            }
        }
        let ended = ended.filter(|n| !n.confirm_fork);
        if let (Some(ended), Some(notice)) = (&ended, outcome.notice.clone()) {
            outcome.notice = Some(self.post(ended.then(notice)));
        }
        // What ended is said again once work a waiting action began ends too (a call's answer was lost when a
        // check followed it: adversary 55).
        self.earlier_notice = ended.filter(|_| self.work_under_way());
        outcome
    }

    /// The address follows the lesson open: a fork keeps the steps that had ended (a reload opens the
    /// lesson there), and back from the past (where a link may have been shared) it names the lesson again.
    fn keep_lesson_address(&mut self, was_past: bool, outcome: &mut Outcome) {
        if let Some(fragment) = self.lesson_fragment().filter(|_| self.present.is_none() && outcome.fragment.is_none())
        {
            if was_past || self.lesson_fragment_written.as_ref() != Some(&fragment) {
                outcome.fragment = Some(fragment);
            }
        }
        if let Some(fragment) = outcome.fragment.as_ref().filter(|f| f.starts_with(share::LESSON_PREFIX)) {
            self.lesson_fragment_written = Some(fragment.clone());
        }
    }

    fn dispatch(&mut self, action: Action) -> Outcome {
        let place = self.place_of(&action);
        match action {
            // Acting in the past discards the run's kept future: the page asks first, where the user acted.
            _ if self.present.is_some() && changes_world(&action, self.playing) => {
                let end = self.end_ms();
                let notice = self.post(Notice {
                    error: false,
                    text: format!(
                        "This is t = {} ms, in the past: doing this forks the run and discards everything after \
                         it (to t = {} ms).",
                        franz_core::trace::group_thousands(self.world.now_ms()),
                        franz_core::trace::group_thousands(end)
                    ),
                    confirm_fork: true,
                    discards_run: false,
                });
                self.pending_fork = Some((Box::new(action), place));
                self.notice_place = place;
                Outcome { changed: true, notice: Some(notice), ..Outcome::default() }
            }
            // A lesson, a new cluster or the browser's Back would replace a run the user acted in (free play,
            // a forked lesson): the page asks first (found by an adversary: the run was gone without a word).
            _ if self.replaces_a_played_run(&action) => {
                let run = match self.lesson.is_some() {
                    true => "your run of the forked lesson",
                    false => "your free-play run",
                };
                let end = franz_core::trace::group_thousands(self.end_ms());
                let text = match action {
                    // The address already names what the browser went to: the run is in no history entry.
                    Action::OpenLink(_) => format!(
                        "The address now names another run: opening it replaces {run} (to t = {end} ms), which no \
                         link holds. Cancel keeps yours, its link in the address."
                    ),
                    _ => format!(
                        "This replaces {run} (to t = {end} ms): the browser's Back then replays it, from a link."
                    ),
                };
                let notice = self.post(Notice { error: false, text, confirm_fork: true, discards_run: true });
                self.pending_fork = Some((Box::new(action), place));
                self.notice_place = place;
                Outcome { changed: true, notice: Some(notice), ..Outcome::default() }
            }
            Action::ConfirmFork(confirmed) => match self.pending_fork.take() {
                Some((action, _)) if confirmed => match *action {
                    Action::OpenLink(fragment) => self.open_link(&fragment),
                    action => {
                        // The run goes into the history entry it was on, so that Back replays it.
                        let left_run = self.run_link().filter(|_| replaces_the_world(&action));
                        let outcome = self.reduce_forking(action);
                        Outcome { left_run: left_run.filter(|_| outcome.world_replaced), ..outcome }
                    }
                },
                Some((action, place)) if matches!(*action, Action::OpenLink(_)) => {
                    // (A forked lesson's address names its lesson at the steps that had ended, as before.)
                    let fragment = match self.lesson.is_some() {
                        true => self.lesson_fragment(),
                        false => self.run_link(),
                    };
                    self.saved_actions = self.run_world().scenario().map_or(0, |s| user_actions(&s));
                    let notice = self.post(Notice::info("Not done: your run is kept, and the address names it."));
                    self.notice_place = place;
                    Outcome { changed: true, notice: Some(notice), fragment, ..Outcome::default() }
                }
                Some((action, place)) if replaces_the_world(&action) => {
                    let notice = self.post(Notice::info("Not done: your run is kept."));
                    self.notice_place = place;
                    Outcome { changed: true, notice: Some(notice), ..Outcome::default() }
                }
                Some((_, place)) => {
                    let notice = self.post(Notice::info("Not done: the run's future is kept (\"Back to now\")."));
                    self.notice_place = place;
                    Outcome { changed: true, notice: Some(notice), ..Outcome::default() }
                }
                None => Outcome::default(),
            },
            _ => {
                let outcome = self.reduce_forking(action);
                // The moment a question about forking the past was about is gone (a question about replacing
                // the run stands while the run goes on: found by an adversary, frames dropped it at once).
                let replacing = self.pending_fork.as_ref().is_some_and(|(a, _)| asks_to_replace(a));
                if (self.present.is_none() && !replacing) || outcome.world_replaced {
                    self.pending_fork = None;
                }
                outcome
            }
        }
    }

    /// Whether `action` would replace a run that [`Playground::run_would_be_lost`] (a new cluster with a seed
    /// that reads, a lesson, a link the browser went to).
    fn replaces_a_played_run(&self, action: &Action) -> bool {
        let replaces = match action {
            Action::NewClusterText(text) => input::seed(text).is_ok(),
            Action::OpenLink(_) => true,
            other => replaces_the_world(other),
        };
        replaces && self.run_would_be_lost()
    }

    /// Whether replacing the run loses something the user did that no link holds: a lesson they forked, a
    /// free-play run they acted in since it was opened (or its link copied). Letting time pass is no act.
    /// (The page asks the browser to confirm a reload or a closed tab then.)
    pub fn run_would_be_lost(&self) -> bool {
        match &self.lesson {
            Some(mode) => mode.forked(),
            None => self.run_world().scenario().is_ok_and(|s| user_actions(&s) > self.saved_actions),
        }
    }

    /// A link that replays the run to its present.
    fn run_link(&self) -> Option<String> {
        self.run_world().scenario().ok().map(|s| share::encode(&s))
    }

    /// Where an action's notice shows: on the map for an item of a node's menu there, else its panel's.
    fn place_of(&self, action: &Action) -> Place {
        if self.is_menu_item(action) {
            Place::Map
        } else {
            Place::of(action)
        }
    }

    /// Does the action; acting on the past or on a lesson's world forks it.
    fn reduce_forking(&mut self, action: Action) -> Outcome {
        // An item of a node's menu on the map: its notice shows there, and the menu closes.
        let place = self.place_of(&action);
        if self.is_menu_item(&action) {
            self.close_map_menu();
        }
        // Say that it forked before what the action did.
        let mut forks = Vec::new();
        if changes_world(&action, self.playing) {
            forks.extend(self.fork());
            forks.extend(self.fork_lesson());
        }
        let is_frame = matches!(action, Action::Frame(_));
        let mut outcome = self.run(action);
        if !forks.is_empty() {
            let mut text: Vec<String> = forks.into_iter().map(|n| n.text).collect();
            text.extend(outcome.notice.as_ref().map(|n| n.text.clone()).filter(|t| !t.is_empty()));
            let error = outcome.notice.as_ref().is_some_and(|n| n.error);
            let notice = Notice { error, text: text.join(" "), confirm_fork: false, discards_run: false };
            outcome.notice = Some(self.post(notice));
            outcome.changed = true;
        }
        // (A frame's notice ends work asked for elsewhere, and shows there: a lesson step's verdict in the
        // lesson, a call's answer in its panel, a time travel's on the timeline; they showed at the top.)
        if outcome.notice.is_some() && !is_frame {
            self.notice_place = place;
        }
        if outcome.world_replaced {
            self.reset_map();
        }
        self.scan_marks();
        outcome
    }

    fn run(&mut self, action: Action) -> Outcome {
        match action {
            Action::Frame(now_wall_ms) if self.replaying.is_some() => {
                self.last_frame_ms = Some(now_wall_ms);
                let place = if self.replaying_shared() { self.notice_place } else { Place::Timeline };
                match self.advance_replay() {
                    Some(text) => {
                        let notice = self.post(Notice::info(text));
                        self.notice_place = place;
                        Outcome { changed: true, world_replaced: true, notice: Some(notice), ..Outcome::default() }
                    }
                    None => Outcome::default(),
                }
            }
            Action::Frame(now_wall_ms) if self.lesson_step_under_way() => {
                self.last_frame_ms = Some(now_wall_ms);
                let mut outcome = Outcome::changed();
                match self.advance_lesson_step(self.clock.clone(), &mut outcome) {
                    Ok(Some(text)) => outcome.notice = Some(self.post(Notice::info(text))),
                    Ok(None) => {}
                    Err(e) => outcome.notice = Some(self.post(Notice::error(e))),
                }
                if outcome.notice.is_some() {
                    self.notice_place = Place::Lesson;
                }
                outcome
            }
            Action::Frame(now_wall_ms) if self.work_under_way() => {
                self.last_frame_ms = Some(now_wall_ms);
                let mut outcome = self.advance_work();
                if let (false, Some(notice)) = (self.work_under_way(), outcome.notice.clone()) {
                    if let Some(earlier) = self.earlier_notice.take() {
                        outcome.notice = Some(self.post(earlier.then(notice)));
                    }
                }
                outcome
            }
            Action::Frame(now_wall_ms) => Outcome { changed: self.advance(now_wall_ms), ..Outcome::default() },
            // A replay's slice is timed by the clock itself: its cost does not size the simulation's share.
            Action::FrameCost(_) if std::mem::take(&mut self.replayed_last_frame) => Outcome::default(),
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
            Action::FrameCost(simulation_ms) => {
                self.frame_virtual_ms_max = match simulation_ms {
                    ms if ms > FRAME_SIMULATION_MS_MAX => {
                        self.frame_virtual_ms_max.min(self.frame_virtual_ms_last) * FRAME_SIMULATION_MS_MAX / ms
                    }
                    ms if ms < FRAME_SIMULATION_MS_ROOMY => self.frame_virtual_ms_max * 1.1,
                    _ => self.frame_virtual_ms_max,
                };
                Outcome::default()
            }
            Action::SetSpeed(s) => {
                self.speed = s;
                // Measured afresh at the new speed.
                (self.frame_virtual_ms_max, self.speed_run) = (f64::INFINITY, self.effective_speed());
                Outcome::changed()
            }
            Action::SetPollTarget { topic, partition } => {
                self.poll_target = (topic, partition);
                Outcome::changed()
            }
            Action::FilterEvents(filter) => {
                self.events_filter = filter;
                Outcome::changed()
            }
            Action::ShowAllPartitions(topic, true) => {
                self.all_partitions_shown.insert(topic);
                Outcome::changed()
            }
            Action::ShowAllPartitions(topic, false) => {
                self.all_partitions_shown.remove(&topic);
                Outcome::changed()
            }
            Action::Map(m) if !m.changes_world() => Outcome { changed: self.map_ui(m), ..Outcome::default() },
            Action::Help(open) => {
                self.help = open;
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
        // In a lesson followed step by step, the link to share is the lesson's own at its step.
        let lesson_link = matches!(action, Action::Share).then(|| self.lesson_link()).flatten();
        // In the past a lesson's link cannot say the moment: the run's link does, without the lesson.
        let lesson_left_out = lesson_link.is_some() && self.present.is_some();
        let lesson_link = lesson_link.filter(|_| self.present.is_none());
        let w = &mut self.world;
        match action {
            Action::Topic(topic) => self.topic(topic),
            Action::Send(request) => self.send(request),
            Action::Stream(request) => self.stream_action(request),
            Action::Poll { topic, partition } => self.poll(topic, partition),
            Action::AddMember(group, topic) => self.add_member(group, topic),
            Action::Member(id, action) => self.member(id, action),
            Action::Broker(id, action) => {
                let result = match action {
                    BrokerAction::Stop => {
                        let led = led_partitions(w, id);
                        let waiting = format!("Stopping broker {id}: the controller moves its leaderships away first");
                        return self.call(
                            ScenarioAction::StopBroker { id },
                            &waiting,
                            Box::new(move |p, stopped| {
                                stopped.map_err(|e| e.to_string())?;
                                Ok(stop_text(&p.world, id, &led))
                            }),
                        );
                    }
                    BrokerAction::Crash => w.crash_broker(id),
                    BrokerAction::Restart => w.restart_broker(id),
                    BrokerAction::PowerLoss => w.power_loss(id),
                    BrokerAction::Isolate => w.partition_network(w.network().sides_isolating(id)),
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
            Action::HealNetwork => match w.network().is_partitioned() {
                true => w.heal_network().map(|_| "Network healed: every node reaches every other again.".into()),
                false => Ok("The network is not partitioned: nothing to heal.".into()),
            }
            .map_err(|e| e.to_string()),
            Action::SetNetwork(config) => {
                w.set_network(config).map(|_| "Network settings applied.".into()).map_err(|e| e.to_string())
            }
            Action::SetNetworkText { latency, jitter, drop_rate } => {
                let config = NetworkConfig {
                    latency_ms: input::milliseconds("latency", &latency)?,
                    jitter_ms: input::milliseconds("jitter", &jitter)?,
                    drop_rate: input::drop_rate(&drop_rate)?,
                };
                w.set_network(config).map(|_| "Network settings applied.".into()).map_err(|e| e.to_string())
            }
            Action::Check => Ok(self.check_run()),
            Action::Share if lesson_link.is_some() => {
                let (link, step) = lesson_link.unwrap_or_default();
                let at = match step {
                    0 => String::from("at its start"),
                    n => format!("at step {n}"),
                };
                let text = format!("The link to this lesson {at} is in the address bar; copying it …");
                let described = format!("the lesson {at}; it opens there");
                self.shared_link = Some(SharedLink { described, copying_text: text.clone() });
                outcome.fragment = Some(link);
                outcome.copy_link = true;
                Ok(text)
            }
            Action::Share => {
                let scenario = w.scenario().map_err(|e| e.to_string())?;
                let fragment = share::encode(&scenario);
                let link = format!(
                    "{} action(s), {} characters",
                    scenario.actions.len(),
                    franz_core::trace::group_thousands(fragment.len() as u64)
                );
                outcome.fragment = Some(fragment);
                outcome.copy_link = true;
                self.saved_actions = user_actions(&scenario);
                let text = format!("The link to this run ({link}) is in the address bar; copying it …");
                let described = match lesson_left_out {
                    // (Adversary 40: the lesson was dropped without a word.)
                    true => format!(
                        "{link}; it replays this run to this moment as free play, without the lesson: a lesson's link \
                         opens at the end of a step, so go back to now to share one"
                    ),
                    // (Adversary 57: from the past, the link said it replays "this run", and stopped at the moment.)
                    false if self.present.is_some() => format!(
                        "{link}; it replays this run to t = {} ms, the moment shown: what followed, to t = {} ms, is \
                         not in it",
                        franz_core::trace::group_thousands(self.world.now_ms()),
                        franz_core::trace::group_thousands(self.end_ms())
                    ),
                    false => format!("{link}; it replays this run"),
                };
                self.shared_link = Some(SharedLink { described, copying_text: text.clone() });
                Ok(text)
            }
            Action::LinkCopied(copied) => {
                let SharedLink { described: link, copying_text } = self.shared_link.clone().unwrap_or_default();
                let said = match copied {
                    true => Ok(format!("Link copied ({link}). It is in the address bar too.")),
                    false => Err(format!(
                        "The browser did not let the page copy the link ({link}): copy it from the address bar."
                    )),
                };
                // A link asked for while a call waited follows its answer ("… Then: The link …"): the answer stays
                // said (adversary 57: "Link copied" replaced a REQUEST_TIMED_OUT).
                let copying = self.notice.as_ref().and_then(|n| {
                    let before = n.text.strip_suffix(copying_text.as_str())?.strip_suffix(" Then: ")?;
                    Some((format!("{before} Then: "), n.error))
                });
                match (copying, said) {
                    (Some((before, false)), Ok(text)) => Ok(before + &text),
                    (Some((before, _)), Ok(text) | Err(text)) => Err(before + &text),
                    (None, said) => said,
                }
            }
            Action::TimeTravel(until_ms) => self.go_back(until_ms, outcome),
            Action::TimeTravelText(text) => {
                let until_ms = input::time_to_go_back_to(&text, self.timeline().end_ms)?;
                self.go_back(until_ms, outcome)
            }
            Action::JumpToMark(toward) => self.jump_to_mark(toward, outcome),
            Action::BackToNow => Ok(self.back_to_now()),
            Action::NewCluster(seed) => Ok(self.new_cluster(seed, outcome)),
            Action::NewClusterText(text) => {
                let seed = input::seed(&text)?;
                Ok(self.new_cluster(seed, outcome))
            }
            Action::OpenLesson(id) => self.open_lesson(&id, 0, outcome),
            Action::LessonNext => self.lesson_next(outcome),
            Action::LessonBack => self.lesson_back(outcome),
            Action::SaveDraft => self.save_draft(outcome),
            Action::Map(m) => self.map_act(m, outcome),
            Action::Frame(_)
            | Action::FrameCost(_)
            | Action::Help(_)
            | Action::Shortcut(_)
            | Action::TogglePlay
            | Action::Step
            | Action::SetSpeed(_)
            | Action::SetPollTarget { .. }
            | Action::FilterEvents(_)
            | Action::ConfirmFork(_)
            | Action::OpenLink(_)
            | Action::ShowAllPartitions(..) => Ok(String::new()),
        }
    }

    fn new_cluster(&mut self, seed: u64, outcome: &mut Outcome) -> String {
        self.replace_world(new_world(seed), outcome);
        self.reset_timeline();
        self.lesson = None;
        self.playing = true;
        outcome.fragment = Some(share::FREE_PLAY.into());
        format!("A new cluster with seed {seed}, in free play.")
    }

    /// Creates, deletes, grows or configures a topic. Internal topics are not deleted from the page; a
    /// setting Kafka accepts but that cannot work (min.insync.replicas above the replication factor) is
    /// accepted with a warning. The admin call waits for the controller's answer (a minute while the quorum is
    /// lost).
    fn topic(&mut self, action: TopicAction) -> Result<String, String> {
        let (call, name, waiting, done) = match action {
            TopicAction::Create { name, partitions, replication_factor, config } => {
                let config = input::topic_config(&config)?;
                let done = format!("Created topic {name} with {partitions} partition(s).");
                let waiting = format!("Creating topic {name}");
                (
                    ScenarioAction::CreateTopic { name: name.clone(), partitions, replication_factor, config },
                    name,
                    waiting,
                    done,
                )
            }
            TopicAction::Delete(name) if is_internal(&name) => {
                return Err(format!(
                    "{name} is an internal topic: Kafka keeps it for itself (kafka-topics.sh --delete refuses: \
                     \"Topic {name} is a kafka internal topic and is not allowed to be marked for deletion\")."
                ));
            }
            TopicAction::Delete(name) => {
                let (done, waiting) = (format!("Deleted topic {name}."), format!("Deleting topic {name}"));
                (ScenarioAction::DeleteTopic { name: name.clone() }, name, waiting, done)
            }
            TopicAction::AddPartition { name, total } => {
                let done = format!("Topic {name} now has {total} partitions.");
                let waiting = format!("Growing topic {name} to {total} partitions");
                (ScenarioAction::CreatePartitions { name: name.clone(), total_count: total }, name, waiting, done)
            }
            TopicAction::SetConfig { name, key, value } => {
                let done = match &value {
                    Some(v) => format!("Set {key}={v} on topic {name}."),
                    None => format!("Set {key} of topic {name} back to its default."),
                };
                let waiting = format!("Setting {key} of topic {name}");
                let config = [(key, value)].into();
                (ScenarioAction::AlterTopicConfig { name: name.clone(), config }, name, waiting, done)
            }
        };
        let waiting = format!("{waiting}: waiting for the controller's answer");
        self.call(
            call,
            &waiting,
            Box::new(move |p, outcome| {
                outcome.map_err(|e| e.to_string())?;
                let warnings = p.world.describe_topic(&name).map(|t| explain::topic_warnings(&t)).unwrap_or_default();
                match warnings.iter().find(|w| w.starts_with("min.insync.replicas=")) {
                    Some(warning) => Ok(format!("{done} Warning: {warning}")),
                    None => Ok(done),
                }
            }),
        )
    }

    fn replace_world(&mut self, world: World, outcome: &mut Outcome) {
        self.world = world;
        self.polled.clear();
        self.report = None;
        self.known_groups.clear();
        outcome.world_replaced = true;
    }

    /// Runs the world for the virtual time this frame is worth (at the speed, or the stream's limit on
    /// it); false while paused.
    fn advance(&mut self, now_wall_ms: f64) -> bool {
        let dt = self.last_frame_ms.map_or(0.0, |last| (now_wall_ms - last).clamp(0.0, FRAME_WALL_MS_MAX));
        self.last_frame_ms = Some(now_wall_ms);
        if !self.playing {
            return false;
        }
        let speed = self.effective_speed();
        self.carry_ms += dt * speed;
        // Never slower than real time (or the speed chosen, if slower), whatever a frame costs.
        let most_ms = self.frame_virtual_ms_max.max(dt * speed.min(1.0));
        if self.carry_ms > most_ms {
            self.carry_ms = most_ms;
        }
        let whole = self.carry_ms.floor();
        self.frame_virtual_ms_last = whole;
        self.carry_ms -= whole;
        if whole >= 1.0 {
            self.world.run_for(whole as u64);
        }
        if dt > 0.0 {
            self.speed_run = 0.9 * self.speed_run + 0.1 * (whole / dt);
            self.frame_interval_ms = 0.9 * self.frame_interval_ms + 0.1 * dt;
        }
        true
    }

    /// The frames a second the page draws lately, while it runs and they are fewer than 20 (a cluster too large
    /// to draw smoothly: found by an adversary, 30,000 partitions drew 8 frames a second without a word).
    pub fn frames_per_sec_low(&self) -> Option<f64> {
        let fps = 1000.0 / self.frame_interval_ms;
        (self.playing && fps < FRAMES_PER_SEC_LOW).then_some(fps)
    }

    /// The speed the page runs at when the simulation cannot keep up with the one asked for (its events
    /// cost more wall time than frames have): measured over the last frames.
    pub fn speed_lag(&self) -> Option<f64> {
        let asked = self.effective_speed();
        (self.playing && self.frame_virtual_ms_max.is_finite() && self.speed_run < asked * 0.9)
            .then_some(self.speed_run)
    }

    /// What the page draws now, read from the world.
    pub fn snapshot(&self) -> Snapshot {
        let world = self.world();
        let view = world.view();
        let groups = self.group_cards();
        let mut logs: VecMap<(String, u32), PartitionLogView> = VecMap::new();
        for t in &view.topics {
            let shown = match self.all_partitions_shown.contains(&t.name) {
                true => usize::MAX,
                false => LOG_STRIPS_PER_TOPIC,
            };
            for p in t.partitions.iter().take(shown) {
                if let Some(log) = self.log_strip(&t.name, p, &groups) {
                    logs.insert((t.name.clone(), p.partition), log);
                }
            }
        }
        let mut topics = view.topics.clone();
        franz_core::collect::sort_by(&mut topics, |a, b| {
            (is_internal(&a.name), &a.name).cmp(&(is_internal(&b.name), &b.name))
        });
        let user_topics: Vec<String> = topics.iter().map(|t| t.name.clone()).filter(|t| !is_internal(t)).collect();
        let topic_warnings: VecMap<_, _> =
            topics.iter().map(|t| (t.name.clone(), explain::topic_warnings(t))).collect();
        Snapshot {
            now_ms: world.now_ms(),
            brokers: explain::broker_cards(world, &view).into(),
            network: explain::network_summary(world, &view).into(),
            consumer: self.consumer_panel(&view).into(),
            producer_waits: self.producer_waits().into(),
            events: events::event_lines(world, &self.events_filter, &self.important).into(),
            flights: self.flights().into(),
            map: MapPicture::new(&view, &topics).into(),
            topics: topics.into(),
            view: view.into(),
            groups: groups.into(),
            logs: logs.into(),
            user_topics: user_topics.into(),
            topic_warnings: topic_warnings.into(),
            members: self.members().into(),
            polled: self.polled.clone().into(),
            nodes: world.nodes().map(|(&id, _)| (id, world.node_name(id))).collect::<Vec<_>>().into(),
            chapters: self.chapters().into(),
            lesson: self.lesson().into(),
        }
    }

    /// One partition's log strip: the newest records of its leader's log (or, while it has none or it is
    /// down, of the replica its HW is read from), its segments and the groups' committed offsets on it.
    fn log_strip(&self, topic: &str, p: &PartitionDescription, groups: &[GroupCard]) -> Option<PartitionLogView> {
        // The leader's log even before it is known (a topic just created); leaderless, the replica the HW is
        // read from.
        let leader = p.leader.filter(|l| !p.offline_replicas.contains(l));
        let broker = leader.or_else(|| p.shown_replica()).or_else(|| p.replicas.first().copied())?;
        let leo = p.log_end_offsets.get(&broker.to_string()).copied().unwrap_or(0);
        let from = leo.saturating_sub(LOG_STRIP_RECORDS_MAX);
        let records =
            self.world.read_log(broker, topic, p.partition, from, LOG_STRIP_RECORDS_MAX as usize).unwrap_or_default();
        let segments = self.world.segments(broker, topic, p.partition);
        let committed = groups
            .iter()
            .flat_map(|g| g.offsets.iter().map(move |o| (g, o)))
            .filter(|(_, o)| o.topic == topic && o.partition == p.partition)
            .map(|(g, o)| (g.description.group_id.clone(), o.committed))
            .collect();
        let violations = self.violation_pins(topic, p.partition);
        let fenced = p.offline_replicas.iter().copied().filter(|&b| !self.world.is_crashed(b)).collect();
        Some(PartitionLogView { from_offset: from, records, segments, committed, violations, fenced })
    }

    /// The checker's last report, as pins on one partition's log strip: its violations that name an
    /// offset there, one pin per offset.
    fn violation_pins(&self, topic: &str, partition: u32) -> Vec<ViolationPin> {
        let mut by_offset: VecMap<u64, Vec<String>> = VecMap::new();
        let report = self.report.iter().flat_map(|r| &r.violations);
        for v in report.filter(|v| v.topic == topic && v.partition == partition) {
            if let Some(offset) = v.offset {
                by_offset.entry(offset).or_default().push(format!("{:?} at offset {offset}: {}", v.kind, v.detail));
            }
        }
        by_offset.into_iter().map(|(offset, lines)| ViolationPin { offset, text: lines.join("\n") }).collect()
    }

    /// The messages in flight of the kinds the map shows, each placed along its link, then those lost lately.
    pub fn flights(&self) -> Vec<Flight> {
        let world = &self.world;
        let now = world.now_ms();
        let flights = world.messages_in_flight(FLIGHTS_DRAWN_MAX).into_iter().map(|m| {
            let latency_ms = world.network().link_config(m.from, m.to).latency_ms.max(1);
            let left_ms = m.arrives_ms.saturating_sub(now);
            let progress = (1.0 - left_ms as f64 / latency_ms as f64).clamp(0.0, 1.0);
            let kind = MessageKind::of(m.api, m.from, m.to, world.brokers());
            Flight { from: m.from, to: m.to, api: m.api, kind, progress, lost: None }
        });
        let mut flights: Vec<Flight> = flights.filter(|f| self.shows(f.kind)).collect();
        flights.extend(self.lost_flights());
        flights
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playground::format::bytes;
    use franz_core::view::{BrokerStatus, ConsumerGroupState};

    pub(super) fn create_topic(p: &mut Playground, name: &str, partitions: u32) -> Outcome {
        p.reduce(Action::Topic(TopicAction::Create {
            name: name.into(),
            partitions,
            replication_factor: None,
            config: String::new(),
        }))
    }

    /// A stream of the form's record at this rate, without a key.
    pub(super) fn stream_request(topic: &str, records_per_sec: u32) -> StreamRequest {
        StreamRequest {
            send: record(topic, "c", "all"),
            records_per_sec: records_per_sec.to_string(),
            key: KeyMode::None,
        }
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
    fn stop_says_which_leaderships_moved_and_which_partitions_it_left_without_a_leader() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "wide", 3);
        p.reduce(Action::Topic(TopicAction::Create {
            name: "single".into(),
            partitions: 1,
            replication_factor: Some(1),
            config: String::new(),
        }));
        frames(&mut p, 30, 100.0);
        let leaders = |p: &Playground, t: &str| -> Vec<Option<NodeId>> {
            p.world().describe_topic(t).unwrap().partitions.iter().map(|d| d.leader).collect()
        };
        let alone = leaders(&p, "single")[0].unwrap();
        let other = leaders(&p, "wide").into_iter().flatten().find(|&b| b != alone).unwrap();
        let led: Vec<usize> = (0..3).filter(|&i| leaders(&p, "wide")[i] == Some(other)).collect();
        let notice = p.reduce(Action::Broker(other, BrokerAction::Stop)).notice.unwrap();
        let mut to: Vec<NodeId> = led.iter().filter_map(|&i| leaders(&p, "wide")[i]).collect();
        to.dedup();
        assert_eq!(to.len(), 1, "{to:?}");
        assert_eq!(
            notice.text,
            format!(
                "Broker {other} stopped cleanly: the controller moved its leadership of {} partition(s) to other \
                 in-sync replicas first (broker {}), then it flushed and exited.",
                led.len(),
                to[0]
            )
        );
        let card = |p: &Playground, id: NodeId| p.snapshot().brokers.iter().find(|b| b.id == id).cloned().unwrap();
        assert_eq!((card(&p, other).state, card(&p, other).status_text()), (BrokerStatus::Crashed, "stopped".into()));
        p.reduce(Action::Broker(other, BrokerAction::Restart));
        assert_eq!(card(&p, other).status_text(), "fenced", "restarted, not yet caught up");

        let notice = p.reduce(Action::Broker(alone, BrokerAction::Stop)).notice.unwrap();
        assert!(
            notice.text.ends_with(
                " 1 partition(s) it led had no other in-sync replica (single-0): they have no leader until it restarts, \
                 and sends to them wait."
            ),
            "{}",
            notice.text
        );
        assert_eq!(leaders(&p, "single"), [None]);
        assert_eq!(card(&p, alone).status_text(), "stopped");
        p.reduce(Action::Broker(alone, BrokerAction::Restart));
        p.reduce(Action::Broker(alone, BrokerAction::Crash));
        assert_eq!(card(&p, alone).status_text(), "crashed", "a crash after a restart is a crash");

        // Stopped while another replica is down but not yet fenced: the controller may hand it leaderships.
        frames(&mut p, 30, 100.0);
        p.reduce(Action::Broker(alone, BrokerAction::Restart));
        frames(&mut p, 100, 100.0);
        let wide_leader = leaders(&p, "wide")[0].unwrap();
        let other_isr: Vec<NodeId> = p.world().describe_topic("wide").unwrap().partitions[0].isr.clone();
        let down = *other_isr.iter().find(|&&b| b != wide_leader).unwrap();
        p.reduce(Action::Broker(down, BrokerAction::Crash));
        let notice = p.reduce(Action::Broker(wide_leader, BrokerAction::Stop)).notice.unwrap();
        assert_eq!(leaders(&p, "wide")[0], Some(down), "moved to the crashed replica, still in the ISR");
        assert!(
            notice.text.ends_with(&format!(
                " Broker {down} is down, but the controller does not know it yet (it fences a silent broker after \
                 broker.session.timeout.ms): what it now leads has no working leader until then."
            )),
            "{}",
            notice.text
        );
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
        assert_eq!(*snapshot.user_topics, ["orders"]);
        assert!(snapshot.logs.contains_key(&("orders".to_string(), 0)));
        assert!(snapshot.logs.contains_key(&("orders".to_string(), 1)));
        assert!(
            snapshot.events.iter().any(|e| e.text().contains("created topic orders")),
            "newest first, in the timeline"
        );
    }

    #[test]
    fn a_refresh_keeps_the_parts_that_did_not_change() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "orders", 1);
        p.reduce(Action::Send(record("orders", "apple", "all"))); // the page's producer joins the map
        let before = p.snapshot();
        p.reduce(Action::Send(record("orders", "banana", "all")));
        let after = Snapshot::keep_unchanged(&before, p.snapshot());
        let same = |a: &Shared<MapPicture>, b: &Shared<MapPicture>| std::ptr::eq(&**a, &**b);
        assert!(same(&before.map, &after.map), "an append moves no node, leader or ISR: the map is kept");
        assert!(std::ptr::eq(&*before.chapters, &*after.chapters), "the lessons are kept");
        assert_ne!(before.logs, after.logs, "the log strip shows the record");
        assert!(!std::ptr::eq(&*before.topics, &*after.topics), "the offsets moved");
        p.reduce(Action::Broker(1, BrokerAction::Crash));
        let crashed = Snapshot::keep_unchanged(&after, p.snapshot());
        assert!(!same(&after.map, &crashed.map), "a crash changes the map");
        assert_eq!(crashed.map.brokers[0].state, BrokerStatus::Crashed);
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
        let clients = p.snapshot().view.clients.clone();
        assert!(clients.iter().any(|c| c.client_id == "playground-producer-acks-all-idempotent"));
        assert!(clients.iter().any(|c| c.client_id == "playground-producer-acks-0"));
        let log = &p.snapshot().logs[&("orders".to_string(), 0)];
        assert_eq!(log.records.iter().map(|r| bytes(&r.value)).collect::<Vec<_>>()[..2], ["apple", "banana"]);

        let outcome = p.reduce(Action::Poll { topic: "orders".into(), partition: 0 });
        let notice = outcome.notice.unwrap();
        assert!(
            !notice.error && notice.text.ends_with("record(s) from orders-0. Its position is now 3."),
            "{}",
            notice.text
        );
        assert_eq!(p.polled().first().map(|r| (r.offset, r.value.as_str())), Some((0, "apple")), "oldest first");
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
        let names: Vec<String> = p.members().into_iter().map(|m| m.name).collect();
        assert_eq!(names, ["g-member-1", "g-member-2"]);
        assert_ne!(p.members()[0].id, p.members()[1].id);

        // Frames run the world (10 s of virtual time each at 100x) and poll the members.
        p.reduce(Action::SetSpeed(100.0));
        frames(&mut p, 5, 100.0);
        let group = &p.snapshot().groups[0].description;
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
        let bad = p.reduce(Action::Stream(Some(stream_request("clicks", 0)))).notice.unwrap();
        assert!(bad.error && bad.text.starts_with("A stream sends 1 to 10000 records per second"), "{}", bad.text);
        assert!(p.stream().is_none());

        let outcome = p.reduce(Action::Stream(Some(stream_request("clicks", 100))));
        assert_eq!(outcome.notice, info("Streaming 100 records/s to clicks with acks=all, no key."));
        // 20 frames 100 ms apart at 1x: 2 s of virtual time, records due at 0, 10 ... 2000 ms.
        frames(&mut p, 20, 100.0);
        let status = p.stream().unwrap();
        assert_eq!(status.sent, 201);
        assert!(status.acknowledged > 150, "{status:?}");
        assert_eq!((status.failed, status.speed_limit), (0, None));
        assert_eq!(status.acknowledged + status.pending, 201);
        let log = &p.snapshot().logs[&("clicks".to_string(), 0)];
        let last = log.records.last().unwrap();
        assert_eq!(bytes(&last.value), format!("c-{}", last.offset), "record n of the stream is c-n");

        // Paused, frames send nothing and draw nothing.
        p.reduce(Action::TogglePlay);
        let now = p.world().now_ms();
        assert!(!p.reduce(Action::Frame(1_000_000.0)).changed);
        assert_eq!((p.world().now_ms(), p.stream().unwrap().sent), (now, 201));

        assert_eq!(p.reduce(Action::Stream(None)).notice, info("Stream stopped."));
        assert!(p.stream().is_none());
        assert!(p.reduce(Action::Stream(None)).notice.unwrap().error, "no stream to stop");
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
        p.reduce(Action::Stream(Some(stream_request("jobs", 10))));
        p.reduce(Action::Check);
        // A run the user acted in is not dropped without asking (found by an adversary); Cancel keeps it.
        let asked = p.reduce(Action::NewCluster(7)).notice.unwrap();
        assert!(asked.confirm_fork && asked.discards_run, "{asked:?}");
        assert!(asked.text.starts_with("This replaces your free-play run"), "{}", asked.text);
        assert_eq!(p.world().list_topics(), ["jobs"], "nothing replaced yet");
        // Escape answers Cancel (adversary 40).
        assert_eq!(p.shortcut("Escape"), Some(Action::ConfirmFork(false)));
        p.reduce(Action::Shortcut("Escape".into()));
        assert_eq!(p.notice().unwrap().text, "Not done: your run is kept.");
        assert_eq!(p.world().list_topics(), ["jobs"]);
        p.reduce(Action::NewCluster(7));
        // The run goes on while the question stands (a frame does not drop it).
        frames(&mut p, 3, 16.0);
        let outcome = p.reduce(Action::ConfirmFork(true));
        // The run goes into the history entry it was on: the browser's Back replays it.
        let left_run = outcome.left_run.clone().unwrap();
        assert!(left_run.starts_with("#s="), "{left_run}");
        assert_eq!(
            outcome,
            Outcome {
                changed: true,
                notice: info("A new cluster with seed 7, in free play."),
                fragment: Some("#play".into()),
                left_run: Some(left_run.clone()),
                copy_link: false,
                world_replaced: true,
                download: None,
            }
        );
        let mut back = Playground::from_fragment(&left_run);
        frames(&mut back, 1, 16.0);
        assert!(back.world().list_topics().contains(&String::from("jobs")));
        assert!(back.members().len() == 1 && back.stream().is_some(), "its members and stream go on");
        assert_eq!(p.world().config().seed, 7);
        assert!(p.world().list_topics().is_empty());
        // A run where only time passed is replaced at once.
        p.reduce(Action::Step);
        assert!(p.reduce(Action::NewCluster(8)).world_replaced);
        assert!(p.members().is_empty() && p.stream().is_none() && p.report().is_none());
        assert!(p.world().poll_loops().is_empty());
        assert!(p.snapshot().groups.is_empty());
    }

    /// Found by an adversary: the browser's Back from a run (free play acted in, a forked lesson) dropped it.
    #[test]
    fn the_browsers_back_from_a_run_no_link_holds_asks_first() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "mine", 1);
        let asked = p.reduce(Action::OpenLink("#lesson=leader-failover".into())).notice.unwrap();
        assert!(asked.confirm_fork && asked.text.starts_with("The address now names another run"), "{asked:?}");
        assert_eq!(p.world().list_topics(), ["mine"], "nothing replaced yet");
        frames(&mut p, 3, 16.0);
        // Cancel keeps the run, and the address names it (a new entry: the one gone to stays in history).
        let kept = p.reduce(Action::ConfirmFork(false));
        assert!(kept.fragment.as_ref().is_some_and(|f| f.starts_with("#s=")), "{kept:?}");
        assert_eq!(p.world().list_topics(), ["mine"]);
        // Its link in the address, the run is no longer lost by leaving it.
        assert!(p.reduce(Action::OpenLink("#play".into())).world_replaced);
        // A run opened from a link is kept by it, until the user acts.
        let mut p = Playground::from_fragment(&kept.fragment.unwrap());
        frames(&mut p, 1, 16.0);
        assert_eq!(p.world().list_topics(), ["mine"]);
        assert!(p.reduce(Action::OpenLesson("leader-failover".into())).world_replaced, "no question");
        // A forked lesson asks; Replace it opens what the browser went to.
        let mut p = Playground::from_fragment("#lesson=leader-failover&step=1");
        create_topic(&mut p, "mine", 1);
        let asked = p.reduce(Action::OpenLink("#lesson=leader-failover".into())).notice.unwrap();
        assert!(asked.text.contains("your run of the forked lesson"), "{}", asked.text);
        let replaced = p.reduce(Action::ConfirmFork(true));
        assert!(replaced.world_replaced && replaced.left_run.is_none(), "the entry it was on is gone already");
        assert!(!p.world().list_topics().contains(&String::from("mine")));
        // Cancel in a forked lesson names the lesson at the steps that had ended, as its address did.
        let mut p = Playground::from_fragment("#lesson=leader-failover&step=1");
        create_topic(&mut p, "mine", 1);
        p.reduce(Action::OpenLink("#play".into()));
        let kept = p.reduce(Action::ConfirmFork(false));
        assert_eq!(kept.fragment.as_deref(), Some("#lesson=leader-failover&step=1"));
    }

    #[test]
    fn a_share_link_replays_the_same_run() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "shared", 1);
        p.reduce(Action::Send(record("shared", "x", "all")));
        let outcome = p.reduce(Action::Share);
        let notice = outcome.notice.unwrap();
        assert!(
            notice.text.starts_with("The link to this run (") && notice.text.ends_with("copying it …"),
            "{}",
            notice.text
        );
        assert!(outcome.copy_link && !outcome.world_replaced);
        let copied = p.reduce(Action::LinkCopied(true)).notice.unwrap();
        assert!(
            copied.text.starts_with("Link copied (") && copied.text.ends_with("in the address bar too."),
            "{}",
            copied.text
        );
        let refused = p.reduce(Action::LinkCopied(false)).notice.unwrap();
        assert!(refused.error && refused.text.ends_with("copy it from the address bar."), "{}", refused.text);
        let fragment = outcome.fragment.unwrap();
        // From the past, the link says it stops at the moment shown (adversary 57: it said "this run").
        let mut past = Playground::from_fragment("#play");
        create_topic(&mut past, "shared", 1);
        let end_ms = past.world().now_ms();
        past.reduce(Action::TimeTravel(1_000));
        past.reduce(Action::Share);
        let copied = past.reduce(Action::LinkCopied(true)).notice.unwrap();
        assert!(
            copied.text.contains(&format!(
                "it replays this run to t = 1,000 ms, the moment shown: what followed, to t = {} ms, is not in it",
                franz_core::trace::group_thousands(end_ms)
            )),
            "{}",
            copied.text
        );
        assert!(fragment.starts_with("#s="));

        let replayed = Playground::from_fragment(&fragment);
        let notice = replayed.notice().unwrap();
        assert!(!notice.error && notice.text.starts_with("Replayed the shared run: seed 1, "), "{}", notice.text);
        assert!(!replayed.playing(), "a replayed run starts paused");
        assert_eq!(replayed.world().now_ms(), p.world().now_ms());
        assert_eq!(replayed.snapshot().logs, p.snapshot().logs);

        // Replayed a slice a frame (a page's clock), the page shows the run as replayed so far, not a
        // placeholder (found by an adversary: one controller and one broker, for the replay's seconds).
        p.reduce(Action::Broker(0, BrokerAction::AddBroker));
        frames(&mut p, 400, 16.0);
        let long = p.reduce(Action::Share).fragment.unwrap();
        let ticks = std::rc::Rc::new(std::cell::Cell::new(0.0));
        let clock: Clock = {
            let ticks = ticks.clone();
            std::rc::Rc::new(move || {
                ticks.set(ticks.get() + 7.0);
                ticks.get()
            })
        };
        let mut opening = Playground::open(&long, Ok(franz_core::lesson::library()), Some(clock));
        assert!(opening.replaying_shared(), "a slice, not the whole run");
        assert_eq!(opening.world().view().brokers.len(), 4, "the shared cluster, as replayed so far");
        assert_eq!(opening.snapshot().map.brokers.len(), 4);
        while opening.replaying_shared() {
            opening.reduce(Action::Frame(ticks.get()));
        }
        assert_eq!(opening.world().now_ms(), p.world().now_ms());

        let damaged = Playground::from_fragment("#s=garbage!");
        let notice = damaged.notice().unwrap();
        assert!(notice.error && notice.text.starts_with("The shared link cannot be read: "), "{}", notice.text);
        assert_eq!(damaged.world().config().seed, 1);
    }

    #[test]
    fn the_map_places_messages_in_flight_along_their_links() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "orders", 1);
        p.reduce(Action::Stream(Some(stream_request("orders", 20))));
        p.reduce(Action::SetSpeed(0.1));
        frames(&mut p, 5, 16.0);
        let nodes: Vec<NodeId> = p.world().nodes().map(|(id, _)| *id).collect();
        let mut seen = std::collections::BTreeSet::new();
        let apis = ["Produce", "Fetch", "AppendEntries", "BrokerHeartbeat"];
        for _ in 0..2_000 {
            p.reduce(Action::Step);
            for f in p.snapshot().flights.iter() {
                assert!((0.0..=1.0).contains(&f.progress), "{f:?}");
                assert!(nodes.contains(&f.from) && nodes.contains(&f.to), "{f:?}");
                seen.insert(f.api);
            }
            if apis.iter().all(|a| seen.contains(a)) {
                break;
            }
        }
        for api in apis {
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

    #[test]
    fn an_acknowledged_write_lost_is_pinned_on_its_partitions_log_strip() {
        // The acks=1 lesson, played to the end of its fourth step: broker 2 acknowledged offset 1 alone and
        // crashed; the new leader wrote another record there.
        let mut p = Playground::from_fragment("#lesson=acks-1-loses-writes&step=4");
        let events = ("events".to_string(), 0);
        // The step's claim is the checker's: its verdict is pinned at once (adversary 40), as a check does.
        let shown = p.snapshot().logs[&events].violations.clone();
        assert!(!shown.is_empty(), "the step's checker claim is on the page");
        p.reduce(Action::Check);
        let pins = p.snapshot().logs[&events].violations.clone();
        assert_eq!(pins, shown, "a check finds the same");
        let lost = pins.iter().find(|v| v.text.contains("LostWrite")).expect("the lost write is pinned");
        assert_eq!(lost.offset, 1, "{pins:?}");
        assert!(lost.text.contains("LostWrite at offset 1: "), "{}", lost.text);
        assert!(pins.windows(2).all(|w| w[0].offset < w[1].offset), "one pin per offset: {pins:?}");
        let report = p.report().unwrap();
        let named = report.violations.iter().filter(|v| v.topic == "events" && v.offset.is_some()).count();
        assert_eq!(pins.iter().map(|v| v.text.lines().count()).sum::<usize>(), named, "every violation at an offset");
        let logs = p.snapshot().logs;
        let others = logs.iter().filter(|(k, _)| **k != events);
        assert!(others.into_iter().all(|(_, log)| log.violations.is_empty()));
        p.reduce(Action::TimeTravel(p.world().now_ms() / 2));
        assert!(p.snapshot().logs.values().all(|log| log.violations.is_empty()), "the report was the present's");
    }

    #[test]
    fn internal_topics_come_last_and_are_not_deleted_from_the_page() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "zebra", 1);
        p.reduce(Action::AddMember("g".into(), "zebra".into()));
        p.reduce(Action::SetSpeed(10.0));
        frames(&mut p, 5, 100.0);
        create_topic(&mut p, "apple", 1);
        let names: Vec<String> = p.snapshot().topics.iter().map(|t| t.name.clone()).collect();
        assert_eq!(names, ["apple", "zebra", "__consumer_offsets"]);
        assert_eq!(*p.snapshot().user_topics, ["apple", "zebra"]);
        let notice = p.reduce(Action::Topic(TopicAction::Delete("__consumer_offsets".into()))).notice.unwrap();
        assert!(notice.error && notice.text.starts_with("__consumer_offsets is an internal topic"), "{}", notice.text);
        assert!(p.world().list_topics().contains(&"__consumer_offsets".to_string()));
    }

    #[test]
    fn slow_frames_run_less_simulation_and_say_so_until_frames_are_fast_again() {
        let mut p = Playground::from_fragment("#play");
        p.reduce(Action::SetSpeed(100.0));
        let mut wall = 0.0;
        // A frame 16 ms after the last, whose simulation took `cost_ms` (as the page measured it).
        let mut frame = |p: &mut Playground, cost_ms: f64| {
            wall += 16.0;
            let before = p.world().now_ms();
            p.reduce(Action::Frame(wall));
            p.reduce(Action::FrameCost(cost_ms));
            p.world().now_ms() - before
        };
        frame(&mut p, 0.0);
        assert_eq!(frame(&mut p, 1.0), 1_600, "a cheap frame runs all it is worth");
        assert_eq!(p.speed_lag(), None);
        // Each frame's simulation took 40 ms, 8 times its share: the next runs an eighth of it, and never less
        // than real time.
        let ran: Vec<u64> = (0..8).map(|_| frame(&mut p, 40.0)).collect();
        assert_eq!(FRAME_SIMULATION_MS_MAX, 5.0);
        assert_eq!(ran[..3], [1_600, 200, 25], "{ran:?}");
        assert_eq!(*ran.last().unwrap(), 16, "never slower than real time");
        let lag = p.speed_lag().expect("the page says it runs slower than asked");
        assert!((1.0..90.0).contains(&lag), "{lag}");
        // Cheap frames again: back to the speed asked, and the notice goes.
        for _ in 0..200 {
            frame(&mut p, 1.0);
        }
        assert_eq!(frame(&mut p, 1.0), 1_600);
        assert_eq!(p.speed_lag(), None);
        assert_eq!(p.frames_per_sec_low(), None, "60 frames a second");
    }

    #[test]
    fn few_frames_a_second_are_said_while_the_page_runs() {
        let mut p = Playground::from_fragment("#play");
        frames(&mut p, 50, 16.0);
        assert_eq!(p.frames_per_sec_low(), None);
        frames(&mut p, 50, 125.0);
        let fps = p.frames_per_sec_low().expect("the page says it draws few frames");
        assert!((9.0..11.0).contains(&fps), "{fps}");
        p.reduce(Action::TogglePlay);
        assert_eq!(p.frames_per_sec_low(), None, "paused, nothing to say");
        p.reduce(Action::TogglePlay);
        frames(&mut p, 50, 16.0);
        assert_eq!(p.frames_per_sec_low(), None, "smooth again");
    }

    #[test]
    fn isolating_a_second_node_keeps_the_first_cut_off() {
        let mut p = Playground::from_fragment("#play");
        p.reduce(Action::Broker(2, BrokerAction::Isolate));
        let notice = p.reduce(Action::Broker(1003, BrokerAction::Isolate)).notice.unwrap();
        assert!(!notice.error && notice.text.contains("nodes cut off before stay cut off"), "{}", notice.text);
        let network = p.world().network();
        assert!(!network.connected(2, 1) && !network.connected(1003, 1) && !network.connected(2, 1003));
        assert!(network.connected(1, 3) && network.connected(1001, 1));
    }

    #[test]
    fn a_topic_of_many_partitions_shows_the_first_strips_until_asked_for_all() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "wide", 30);
        let strips = |p: &Playground| p.snapshot().logs.keys().filter(|(t, _)| t == "wide").count();
        assert_eq!(strips(&p), LOG_STRIPS_PER_TOPIC);
        assert_eq!(p.snapshot().topics.iter().find(|t| t.name == "wide").unwrap().partitions.len(), 30);
        p.reduce(Action::ShowAllPartitions("wide".into(), true));
        assert_eq!(strips(&p), 30);
        // Looking at more of the past is not acting on it.
        p.reduce(Action::TimeTravel(p.world().now_ms() - 1));
        let outcome = p.reduce(Action::ShowAllPartitions("wide".into(), false));
        assert!(outcome.notice.is_none() && p.timeline().in_past());
        assert_eq!(strips(&p), LOG_STRIPS_PER_TOPIC);
    }

    #[test]
    fn typed_input_is_read_strictly_and_says_what_is_wrong() {
        let mut p = Playground::from_fragment("#play");
        let end = p.world().now_ms();
        for (text, starts) in [
            ("", "Type the virtual time to go back to"),
            ("abc", "\"abc\" is not a time"),
            ("-5", "\"-5\" is not a time"),
        ] {
            let notice = p.reduce(Action::TimeTravelText(text.into())).notice.unwrap();
            assert!(notice.error && notice.text.starts_with(starts), "{text:?}: {}", notice.text);
            assert_eq!(p.world().now_ms(), end, "and nothing moved");
            assert!(!p.timeline().in_past());
        }
        let later = p.reduce(Action::TimeTravelText("999999999".into())).notice.unwrap();
        assert!(later.error && later.text.contains("is not in the past"), "{}", later.text);
        let back = p.reduce(Action::TimeTravelText((end / 2).to_string())).notice.unwrap();
        assert!(!back.error && p.timeline().in_past(), "{}", back.text);
        p.reduce(Action::BackToNow);

        let seed = p.reduce(Action::NewClusterText("abc".into())).notice.unwrap();
        assert!(seed.error && seed.text.starts_with("A seed is a whole number"), "{}", seed.text);
        assert_eq!(p.world().now_ms(), end, "the cluster was not replaced");
        let latency = |l: &str| Action::SetNetworkText { latency: l.into(), jitter: "1".into(), drop_rate: "0".into() };
        for bad in ["abc", "-5"] {
            let notice = p.reduce(latency(bad)).notice.unwrap();
            assert!(
                notice.error && notice.text.starts_with("latency is a whole number of milliseconds"),
                "{}",
                notice.text
            );
            assert!(!notice.text.contains("18446744073709551615"));
        }
        assert!(!p.reduce(latency("20")).notice.unwrap().error);
        assert_eq!(p.world().network().config().latency_ms, 20);

        let create = |config: &str| {
            Action::Topic(TopicAction::Create {
                name: "t".into(),
                partitions: 1,
                replication_factor: None,
                config: config.into(),
            })
        };
        let notice = p.reduce(create("retention.ms=60000, foo")).notice.unwrap();
        assert!(notice.error && notice.text.starts_with("Topic config \"foo\" is not key=value"), "{}", notice.text);
        assert!(p.world().describe_topic("t").is_err(), "nothing created");
        let notice = p.reduce(create("min.insync.replicas=4")).notice.unwrap();
        assert!(!notice.error, "accepted, as Kafka does");
        assert!(
            notice.text.starts_with("Created topic t with 1 partition(s). Warning: min.insync.replicas=4 is more than the replication factor 3"),
            "{}",
            notice.text
        );
        let set =
            TopicAction::SetConfig { name: "t".into(), key: "min.insync.replicas".into(), value: Some("2".into()) };
        assert_eq!(p.reduce(Action::Topic(set)).notice, info("Set min.insync.replicas=2 on topic t."));
    }

    #[test]
    fn a_notice_belongs_to_the_panel_whose_action_posted_it() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "orders", 1);
        assert_eq!(p.notice_place(), Place::Topics);
        p.reduce(Action::Send(record("orders", "a", "all")));
        assert_eq!(p.notice_place(), Place::Producer);
        p.reduce(Action::Broker(1, BrokerAction::Pause));
        assert_eq!(p.notice_place(), Place::Cluster);
        p.reduce(Action::AddMember("g".into(), "orders".into()));
        assert_eq!(p.notice_place(), Place::Groups);
        p.reduce(Action::TimeTravelText("x".into()));
        assert_eq!(p.notice_place(), Place::Replay);
        frames(&mut p, 3, 16.0);
        assert_eq!(p.notice_place(), Place::Replay, "frames post nothing and move nothing");
    }

    #[test]
    fn a_long_session_with_a_stream_and_a_group_shares_as_a_short_link_that_goes_on() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "clicks", 2);
        p.reduce(Action::Stream(Some(StreamRequest {
            send: record("clicks", "c", "all"),
            records_per_sec: "20".into(),
            key: KeyMode::Rotating(4),
        })));
        p.reduce(Action::AddMember("g".into(), "clicks".into()));
        p.reduce(Action::AddMember("g".into(), "clicks".into()));
        p.reduce(Action::SetSpeed(100.0));
        // A minute of virtual time in frames of 16 ms at 100×, as the page runs. The stream and the members'
        // poll loops are an action each, and the frames' runs merge into one: the link does not grow with time
        // (the page's own sends and polls made 125 KB for ten minutes).
        let start = p.world().now_ms();
        while p.world().now_ms() < start + 60_000 {
            frames(&mut p, 60, 16.0);
        }
        let sent = p.stream().unwrap().sent;
        assert!(sent >= 1_200, "20 a second for a minute: {sent}");
        let outcome = p.reduce(Action::Share);
        let notice = outcome.notice.unwrap().text;
        // A topic, a producer and its stream, two members (each: a consumer, its subscription, its poll
        // loop), and one run.
        assert!(notice.starts_with("The link to this run (10 action(s), "), "{notice}");
        let fragment = outcome.fragment.unwrap();
        assert!(fragment.len() < 1_000, "{} characters", fragment.len());

        let mut replayed = Playground::from_fragment(&fragment);
        let notice = replayed.notice().unwrap().text.clone();
        assert!(notice.ends_with("Its stream goes on when you press Play."), "{notice}");
        assert_eq!(replayed.world().trace().hash(), p.world().trace().hash(), "the same run");
        let names: Vec<String> = replayed.members().into_iter().map(|m| m.name).collect();
        assert_eq!(names, ["g-member-1", "g-member-2"], "its members poll again");
        assert!(replayed.members().iter().all(|m| !m.slow));
        replayed.reduce(Action::TogglePlay);
        frames(&mut replayed, 10, 100.0);
        assert!(replayed.stream().unwrap().sent > sent, "the stream goes on");
        let group = &replayed.snapshot().groups[0].description;
        assert_eq!((group.state, group.members.len()), (ConsumerGroupState::Stable, 2));
    }
}
