//! Time you can move through: the marks the scrubber draws (crashes, elections, ISR changes, rebalances,
//! checker violations), going back to an earlier moment while the run's present is kept ("back to now"),
//! and forking: acting in the past discards the kept present.
//!
//! Going back replays the run's scenario from its seed up to that moment (`World::replay`), so the past is
//! exactly what happened. The present is kept whole (its world and the page's clients beside it) until the
//! user acts in the past; then it is dropped and the action is recorded on the new branch.

use franz_core::check::{CheckReport, ViolationKind};
use franz_core::sim::Replay;
use franz_core::trace::group_thousands;
use franz_core::trace::{TraceEvent, TraceKind};
use franz_core::World;

use super::{Action, EventKind, Notice, Outcome, Playground, PolledRecord};

/// Franz's bound on the marks the scrubber keeps (the oldest go first).
const MARKS_MAX: usize = 1_000;
/// Franz's bound on the important trace lines the page keeps beyond the trace's own window (the oldest go
/// first): the event log still lists them when a stream's routine lines have pushed them out of the trace.
const IMPORTANT_EVENTS_MAX: usize = 1_000;

/// What a mark on the timeline stands for; each kind has its colour and shape on the page.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum MarkKind {
    Crash,
    ControllerElection,
    LeaderElection,
    IsrChange,
    UncleanElection,
    Rebalance,
    Violation,
}

impl MarkKind {
    pub const ALL: [MarkKind; 7] = [
        MarkKind::Crash,
        MarkKind::ControllerElection,
        MarkKind::LeaderElection,
        MarkKind::IsrChange,
        MarkKind::UncleanElection,
        MarkKind::Rebalance,
        MarkKind::Violation,
    ];

    /// Its CSS class and test name.
    pub fn name(self) -> &'static str {
        match self {
            MarkKind::Crash => "crash",
            MarkKind::ControllerElection => "controller-election",
            MarkKind::LeaderElection => "leader-election",
            MarkKind::IsrChange => "isr-change",
            MarkKind::UncleanElection => "unclean-election",
            MarkKind::Rebalance => "rebalance",
            MarkKind::Violation => "violation",
        }
    }

    /// Its name in the legend.
    pub fn label(self) -> &'static str {
        match self {
            MarkKind::Crash => "crash (broker or controller)",
            MarkKind::ControllerElection => "controller election",
            MarkKind::LeaderElection => "leader election",
            MarkKind::IsrChange => "leader or ISR change",
            MarkKind::UncleanElection => "unclean election",
            MarkKind::Rebalance => "rebalance",
            MarkKind::Violation => "checker violation",
        }
    }

    /// The mark a trace event makes, if it makes one.
    fn of(kind: &TraceKind) -> Option<MarkKind> {
        Some(match kind {
            TraceKind::BrokerCrashed { .. } => MarkKind::Crash,
            TraceKind::ControllerElected { .. } => MarkKind::ControllerElection,
            // Epoch 0 is a new partition's first leader, not an election after a failure.
            TraceKind::LeaderElected { leader_epoch, .. } if *leader_epoch > 0 => MarkKind::LeaderElection,
            TraceKind::PartitionChanged { unclean: true, .. } => MarkKind::UncleanElection,
            TraceKind::PartitionChanged { .. } => MarkKind::IsrChange,
            TraceKind::GroupRebalanced { .. } => MarkKind::Rebalance,
            _ => return None,
        })
    }
}

/// One mark: when, what, and the line the page shows on hover.
#[derive(Clone, PartialEq, Debug)]
pub struct Mark {
    /// The trace event's sequence number (for a violation: the last event before the check).
    pub seq: u64,
    pub time_ms: u64,
    pub kind: MarkKind,
    pub label: String,
}

/// What the scrubber draws.
#[derive(Clone, PartialEq, Debug)]
pub struct TimelineView {
    /// The moment the page shows.
    pub now_ms: u64,
    /// The run's present (later than `now_ms` while the page shows the past).
    pub end_ms: u64,
    pub marks: Vec<Mark>,
}

impl TimelineView {
    pub fn in_past(&self) -> bool {
        self.now_ms < self.end_ms
    }
}

/// The run's present, kept while the page shows an earlier moment: its world and the page's own state
/// beside it, restored whole by "back to now".
pub(super) struct Present {
    world: World,
    playing: bool,
    polled: Vec<PolledRecord>,
    report: Option<CheckReport>,
}

/// A time travel under way: the run replayed from its seed a slice a frame, so that the page keeps drawing
/// (replayed whole, a run of a minute at 1,000 records/s blocked the page for half a second).
pub(super) struct Replaying {
    replay: Replay,
    /// Whether the present played when the user went back from it (kept for "back to now").
    was_playing: bool,
    /// A shared run being opened (its seed and number of actions), rather than the past of this one.
    shared: Option<(u64, usize)>,
}

impl Replaying {
    pub(super) fn new(replay: Replay, was_playing: bool, shared: Option<(u64, usize)>) -> Replaying {
        Replaying { replay, was_playing, shared }
    }
}

/// Adds the marks (and the event log's lines) of `world`'s trace events since `marks_seq`, the trace's length
/// at the last look.
fn read_marks(world: &World, marks: &mut Vec<Mark>, marks_seq: &mut u64, important: &mut Vec<TraceEvent>) {
    if world.trace().len() == *marks_seq {
        return;
    }
    for event in world.trace().since(*marks_seq) {
        if let Some(kind) = MarkKind::of(&event.kind) {
            let label = event.text();
            marks.push(Mark { seq: event.seq, time_ms: event.time_ms, kind, label });
        }
        if EventKind::of(&event.kind) != EventKind::Routine {
            important.push(event);
        }
    }
    *marks_seq = world.trace().len();
    marks.drain(..marks.len().saturating_sub(MARKS_MAX));
    important.drain(..important.len().saturating_sub(IMPORTANT_EVENTS_MAX));
}

/// The wall time a frame spends replaying: the page is paused meanwhile, so more than when it plays, and
/// well within the 50 ms a task may take.
const REPLAY_FRAME_MS: f64 = 20.0;

/// The actions that leave a time travel under way: those that change the world (playing included), and
/// those that go elsewhere (back to now, another cluster or lesson). Anything else (a click beside a menu,
/// the checker, a filter, another moment to go back to) lets it go on.
pub(super) fn leaves_replay(action: &Action) -> bool {
    super::changes_world(action, false)
        || matches!(
            action,
            Action::BackToNow
                | Action::NewCluster(_)
                | Action::NewClusterText(_)
                | Action::OpenLesson(_)
                | Action::LessonNext
                | Action::LessonBack
                | Action::ConfirmFork(_)
        )
}

/// Previous or next mark.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Toward {
    Previous,
    Next,
}

impl Playground {
    /// What the scrubber draws now.
    pub fn timeline(&self) -> TimelineView {
        TimelineView { now_ms: self.world.now_ms(), end_ms: self.end_ms(), marks: self.marks.clone() }
    }

    /// The run's present: the kept one while the page shows the past.
    pub(super) fn end_ms(&self) -> u64 {
        self.run_world().now_ms()
    }

    /// The world of the run, at its present (kept aside while the page shows its past).
    pub(super) fn run_world(&self) -> &World {
        self.present.as_ref().map_or(&self.world, |p| &p.world)
    }

    /// Adds the marks of the trace events recorded since the last look (only the present makes marks: the
    /// past's are already there; a shared run's come from its replay, as it goes).
    pub(super) fn scan_marks(&mut self) {
        if self.present.is_none() && self.replaying.is_none() {
            read_marks(&self.world, &mut self.marks, &mut self.marks_seq, &mut self.important);
        }
    }

    /// Pins the checker's violations where they happened: a record lost, at the truncation or the power loss
    /// that took it from the log (the latest such event of its partition at or below its offset); a record
    /// held where it should not be (a duplicate, one out of order), at the append that wrote it. Violations
    /// without an offset, or whose event the trace no longer keeps, are pinned at the check. One mark per
    /// moment, naming the kinds found then.
    pub(super) fn mark_violations(&mut self, report: &CheckReport) {
        if report.ok || self.present.is_some() {
            return;
        }
        let trace = self.world.trace();
        let (check_seq, now) = (trace.len(), self.world.now_ms());
        // (seq, time) → the kinds found then; a few moments at most, so a list.
        let mut moments: Vec<((u64, u64), Vec<String>)> = Vec::new();
        for v in &report.violations {
            let at = v.offset.and_then(|offset| {
                let lost = v.kind == ViolationKind::LostWrite;
                let same = |topic: &str, partition: u32| topic == v.topic && partition == v.partition;
                trace.kept().rev().find(|e| match &e.kind {
                    TraceKind::LogTruncated { topic, partition, to_offset, .. } => {
                        lost && same(topic, *partition) && *to_offset <= offset
                    }
                    TraceKind::RecordsLostOnPowerLoss { topic, partition, .. } => lost && same(topic, *partition),
                    TraceKind::RecordsAppended { topic, partition, base_offset, count, .. } => {
                        !lost && same(topic, *partition) && (*base_offset..base_offset + count).contains(&offset)
                    }
                    _ => false,
                })
            });
            let key = at.map_or((check_seq, now), |e| (e.seq, e.time_ms));
            let kind = format!("{:?}", v.kind);
            match moments.iter_mut().find(|(k, _)| *k == key) {
                Some((_, kinds)) if !kinds.contains(&kind) => kinds.push(kind),
                Some(_) => {}
                None => moments.push((key, vec![kind])),
            }
        }
        for ((seq, time_ms), kinds) in moments {
            let label = format!(
                "t={} ms: {} (the checker found it at t={} ms)",
                group_thousands(time_ms),
                kinds.join(", "),
                group_thousands(now)
            );
            // Marks stay oldest first: a violation may be pinned before later marks.
            let at = self.marks.partition_point(|m| (m.time_ms, m.seq) <= (time_ms, seq));
            self.marks.insert(at, Mark { seq, time_ms, kind: MarkKind::Violation, label });
        }
    }

    /// A new world (a new cluster, a lesson): its marks start from nothing, and no present is kept.
    pub(super) fn reset_timeline(&mut self) {
        self.present = None;
        self.marks.clear();
        self.important.clear();
        self.marks_seq = 0;
    }

    /// Shows the run at `until_ms` (replayed from its seed), keeping its present for "back to now". The
    /// replay runs a slice now and the rest a slice a frame ([`Playground::advance_replay`]); a replay under
    /// way that has not reached either moment goes on to the new one.
    pub(super) fn go_back(&mut self, until_ms: u64, outcome: &mut Outcome) -> Result<String, String> {
        if self.replaying_shared() {
            return Err(String::from("The shared run is still being replayed: go back in time once it is."));
        }
        let end = self.end_ms();
        if until_ms >= end {
            self.cancel_replay();
            return match self.present.is_some() {
                true => Ok(self.back_to_now()),
                false => Err(format!(
                    "t = {} ms is not in the past: the run is at t = {} ms.",
                    group_thousands(until_ms),
                    group_thousands(end)
                )),
            };
        }
        let retargeted = self.replaying.as_mut().is_some_and(|r| r.replay.retarget(until_ms));
        if !retargeted {
            let present = self.present.as_ref().map_or(&self.world, |p| &p.world);
            let scenario = present.scenario().map_err(|e| e.to_string())?;
            let replay = Replay::start(&scenario, Some(until_ms)).map_err(|e| e.to_string())?;
            let was_playing = self.replaying.take().map_or(self.playing, |r| r.was_playing);
            self.replaying = Some(Box::new(Replaying::new(replay, was_playing, None)));
        }
        self.playing = false;
        match self.advance_replay() {
            Some(text) => {
                outcome.world_replaced = true;
                Ok(text)
            }
            None => Ok(format!(
                "Going back to t = {} ms: the run is replayed from its seed, a slice a frame …",
                group_thousands(until_ms)
            )),
        }
    }

    /// Replays a frame's slice of the time travel under way; once done, shows the past it reached (the
    /// present kept) and says so.
    pub(super) fn advance_replay(&mut self) -> Option<String> {
        self.advance_replay_for(self.clock.clone())
    }

    /// [`Self::advance_replay`] for as long as `clock` allows (without one, to its end).
    fn advance_replay_for(&mut self, clock: Option<super::Clock>) -> Option<String> {
        let Playground { replaying, marks, marks_seq, important, .. } = self;
        let replaying = replaying.as_mut()?;
        let deadline_ms = clock.as_ref().map(|c| c() + REPLAY_FRAME_MS);
        // A shared run's marks are read as its replay goes: its trace keeps only the latest events, and read at
        // the end, a long stream's run lost its first crash and election (adversary 55).
        let shared = replaying.shared.is_some();
        let done = replaying.replay.advance_while(|world| {
            if shared {
                read_marks(world, marks, marks_seq, important);
            }
            clock.as_ref().zip(deadline_ms).is_none_or(|(c, d)| c() < d)
        });
        self.replayed_last_frame = true;
        if !done {
            return None;
        }
        let Replaying { replay, was_playing, shared } = *self.replaying.take()?;
        if let Some((seed, actions)) = shared {
            self.world = replay.finish();
            self.known_groups = self.members().into_iter().map(|m| m.group).collect();
            self.playing = false;
            let streams = self.world.streams().len();
            return Some(format!(
                "Replayed the shared run: seed {seed}, {actions} action(s).{}",
                if streams > 0 { " Its stream goes on when you press Play." } else { "" }
            ));
        }
        let past = replay.finish();
        let until_ms = past.now_ms();
        let world = std::mem::replace(&mut self.world, past);
        if self.present.is_none() {
            self.present = Some(Box::new(Present {
                world,
                playing: was_playing,
                polled: std::mem::take(&mut self.polled),
                report: self.report.take(),
            }));
        } else {
            self.polled.clear();
            self.report = None;
        }
        self.playing = false;
        let end = self.end_ms();
        Some(format!(
            "Replayed from the seed to t = {} ms (paused). The run up to t = {} ms is kept: \"Back to now\" returns \
             to it; playing or acting here forks the run and discards everything after t = {} ms.",
            group_thousands(until_ms),
            group_thousands(end),
            group_thousands(until_ms)
        ))
    }

    /// Leaves a time travel under way: the page stays where it was (playing again if it was the present);
    /// a shared run being opened is finished instead.
    pub(super) fn cancel_replay(&mut self) {
        if self.replaying_shared() {
            // A shared run being opened is the page's world: it is finished first, then the action done.
            if let Some(text) = self.advance_replay_for(None) {
                self.notice = Some(Notice::info(text));
            }
            self.replayed_last_frame = false; // not a frame's work
            return;
        }
        if let Some(replaying) = self.replaying.take() {
            self.playing = match self.present.is_none() {
                true => replaying.was_playing,
                false => false,
            };
            // The "Going back …" notice is no longer true (the action's own notice, if any, follows).
            let at = group_thousands(self.world.now_ms());
            self.notice = Some(Notice::info(format!("Stayed at t = {at} ms: the time travel under way was left.")));
        }
    }

    /// The shared run being opened, as replayed so far.
    pub(super) fn shared_replay_world(&self) -> Option<&World> {
        self.replaying.as_deref().filter(|r| r.shared.is_some()).map(|r| r.replay.world())
    }

    /// Whether the replay under way opens a shared run.
    pub(super) fn replaying_shared(&self) -> bool {
        self.replaying.as_ref().is_some_and(|r| r.shared.is_some())
    }

    /// The moment a time travel under way goes to, if one is.
    pub(super) fn replaying_to_ms(&self) -> Option<u64> {
        self.replaying.as_ref().map(|r| r.replay.end_ms())
    }

    /// Back to the kept present, as it was left.
    pub(super) fn back_to_now(&mut self) -> String {
        self.cancel_replay();
        let Some(present) = self.present.take() else { return String::from("This is the run's present.") };
        let Present { world, playing, polled, report } = *present;
        (self.world, self.playing, self.polled, self.report) = (world, playing, polled, report);
        format!("Back to now: t = {} ms.", group_thousands(self.world.now_ms()))
    }

    /// The user acts while the page shows the past: the kept present is discarded, and the run goes on
    /// from here. The page's group members that exist here keep polling.
    pub(super) fn fork(&mut self) -> Option<Notice> {
        let present = self.present.take()?;
        let world = &self.world;
        let seq = world.trace().len();
        self.marks.retain(|m| m.seq <= seq && m.time_ms <= world.now_ms());
        self.important.retain(|e| e.seq <= seq);
        self.marks_seq = seq;
        Some(Notice::info(format!(
            "Forked at t = {} ms: the run after it (to t = {} ms) is discarded.",
            group_thousands(world.now_ms()),
            group_thousands(present.world.now_ms())
        )))
    }

    /// Goes to the previous or next moment with a mark.
    pub(super) fn jump_to_mark(&mut self, toward: Toward, outcome: &mut Outcome) -> Result<String, String> {
        if self.replaying_shared() {
            return Err(String::from("The shared run is still being replayed: its marks come once it is."));
        }
        let now = self.replaying_to_ms().unwrap_or(self.world.now_ms());
        let target = match toward {
            Toward::Previous => self.marks.iter().map(|m| m.time_ms).filter(|&t| t < now).max(),
            Toward::Next => self.marks.iter().map(|m| m.time_ms).filter(|&t| t > now).min(),
        };
        match (target, toward) {
            (Some(t), _) => self.go_back(t, outcome),
            (None, Toward::Previous) => Err("No mark before this moment.".into()),
            (None, Toward::Next) if self.present.is_some() || self.replaying.is_some() => Ok(self.back_to_now()),
            (None, Toward::Next) => Err("No mark after this moment.".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{create_topic, frames, record};
    use super::super::{Action, BrokerAction, MapAction, Place, TopicAction};
    use super::*;

    fn kinds(p: &Playground) -> Vec<MarkKind> {
        let mut kinds: Vec<MarkKind> = p.timeline().marks.iter().map(|m| m.kind).collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }

    /// A run with a failover: a topic, a record, its leader crashed and fenced, 20 s of virtual time.
    fn failover() -> (Playground, NodeId) {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "orders", 1);
        p.reduce(Action::Send(record("orders", "a", "all")));
        let leader = p.world().describe_topic("orders").unwrap().partitions[0].leader.unwrap();
        p.reduce(Action::SetSpeed(100.0));
        p.reduce(Action::Broker(leader, BrokerAction::Crash));
        frames(&mut p, 20, 100.0);
        (p, leader)
    }

    use franz_core::types::NodeId;

    /// A clock that moves 1 ms each time it is read (once per 100 ms of virtual time replayed).
    fn ticking_clock() -> super::super::Clock {
        let ticks = std::cell::Cell::new(0.0);
        std::rc::Rc::new(move || {
            ticks.set(ticks.get() + 1.0);
            ticks.get()
        })
    }

    #[test]
    fn a_failover_leaves_marks_of_each_kind_with_its_line() {
        let (mut p, leader) = failover();
        assert_eq!(
            kinds(&p),
            [MarkKind::Crash, MarkKind::ControllerElection, MarkKind::LeaderElection, MarkKind::IsrChange]
        );
        let marks = p.timeline().marks;
        let crash = marks.iter().find(|m| m.kind == MarkKind::Crash).unwrap();
        assert!(crash.label.contains(&format!("broker {leader}: crashed")), "{}", crash.label);
        assert!(marks.windows(2).all(|w| w[0].time_ms <= w[1].time_ms && w[0].seq < w[1].seq), "oldest first");

        // A lost write found by the checker is pinned where it was found.
        create_single_replica_topic(&mut p);
        p.reduce(Action::Send(record("single", "b", "all")));
        let single = p.world().describe_topic("single").unwrap().partitions[0].leader.unwrap();
        p.reduce(Action::Broker(single, BrokerAction::PowerLoss));
        let lost_at = p.world().now_ms();
        p.reduce(Action::Broker(single, BrokerAction::Restart));
        for _ in 0..300 {
            p.reduce(Action::Step);
        }
        assert!(p.world().now_ms() > lost_at, "time passed before the check");
        p.reduce(Action::Check);
        // Pinned at the power loss that erased it, not at the check (found by an adversary).
        let pin = p.timeline().marks.iter().find(|m| m.kind == MarkKind::Violation).cloned().unwrap();
        assert_eq!(pin.time_ms, lost_at, "{}", pin.label);
        assert!(pin.label.contains(": LostWrite (the checker found it at t="), "{}", pin.label);
        assert!(p.timeline().marks.windows(2).all(|w| w[0].time_ms <= w[1].time_ms), "oldest first");
    }

    /// Topic `single`: one partition, one replica (a power loss on its broker loses what it had not flushed).
    fn create_single_replica_topic(p: &mut Playground) {
        p.reduce(Action::Topic(TopicAction::Create {
            name: "single".into(),
            partitions: 1,
            replication_factor: Some(1),
            config: Default::default(),
        }));
    }

    /// "Check this run" while a time travel replays waits for it and judges the moment travelled to (it judged
    /// the present, and the verdict went with it: adversary 55).
    #[test]
    fn a_check_during_a_time_travel_judges_the_past_reached() {
        let mut p = Playground::from_fragment("#play");
        p.reduce(Action::TogglePlay);
        create_single_replica_topic(&mut p);
        p.reduce(Action::Send(record("single", "a", "all")));
        p.world.run_for(30_000);
        let before_loss_ms = p.world().now_ms();
        p.reduce(Action::Send(record("single", "b", "all")));
        let single = p.world().describe_topic("single").unwrap().partitions[0].leader.unwrap();
        p.reduce(Action::Broker(single, BrokerAction::PowerLoss));
        p.reduce(Action::Broker(single, BrokerAction::Restart));
        assert!(!p.world().check().ok, "the present lost acknowledged writes");
        // A slow clock: a chunk or two of the replay a frame.
        let ticks = std::cell::Cell::new(0.0);
        p.set_clock(std::rc::Rc::new(move || {
            ticks.set(ticks.get() + 8.0);
            ticks.get()
        }));
        p.reduce(Action::TimeTravel(before_loss_ms));
        assert!(p.replaying_to_ms().is_some());
        p.reduce(Action::Check);
        assert!(p.report().is_none(), "no verdict yet");
        let mut t = 0.0;
        while p.replaying_to_ms().is_some() || !p.queued.is_empty() || p.work_under_way() {
            t += 16.0;
            p.reduce(Action::Frame(t));
            assert!(
                t < 16.0 * 5_000.0,
                "replaying {:?} queued {} working {}",
                p.replaying_to_ms(),
                p.queued.len(),
                p.work_under_way()
            );
        }
        assert_eq!(p.world().now_ms(), before_loss_ms);
        assert!(p.report().is_some_and(|r| r.ok), "the past reached lost nothing: {:?}", p.report());
        let text = &p.notice().unwrap().text;
        assert!(
            text.starts_with("Replayed from the seed") && text.ends_with(" Then: Checker: no anomaly in this run.")
        );
    }

    /// Going back replays the run a slice a frame, as the frames' cost allows: the page draws meanwhile, a
    /// later moment asked midway goes on from there, anything else leaves the time travel, and the past
    /// reached is the one a replay done whole reaches.
    #[test]
    fn going_back_replays_a_slice_a_frame_and_reaches_the_same_past() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "orders", 3);
        p.reduce(Action::Stream(Some(crate::playground::state::tests::stream_request("orders", 50))));
        p.reduce(Action::SetSpeed(10.0));
        frames(&mut p, 20, 100.0);
        let (end, hash) = (p.world().now_ms(), p.world().trace().hash());
        let whole = World::replay(&p.world().scenario().unwrap(), Some(end / 2)).unwrap();
        p.set_clock(ticking_clock());

        let notice = p.reduce(Action::TimeTravel(end / 4)).notice.unwrap();
        assert!(notice.text.starts_with("Going back to t = "), "{}", notice.text);
        assert_eq!((p.world().now_ms(), p.playing()), (end, false), "the present shown, paused, meanwhile");
        assert_eq!(p.replaying_to_ms(), Some(end / 4));
        p.reduce(Action::Frame(0.0));
        let speed_share = p.frame_virtual_ms_max;
        p.reduce(Action::FrameCost(40.0));
        assert_eq!(p.frame_virtual_ms_max, speed_share, "a replaying frame's cost is the replay's");
        p.reduce(Action::TimeTravel(end / 2));
        assert_eq!(p.replaying_to_ms(), Some(end / 2), "the same replay, on to the later moment");
        let mut frames_taken = 0;
        let outcome = loop {
            frames_taken += 1;
            let outcome = p.reduce(Action::Frame(frames_taken as f64 * 16.0));
            if outcome.world_replaced {
                break outcome;
            }
            assert!(frames_taken < 10_000);
        };
        assert!(frames_taken >= 2, "in slices: {frames_taken}");
        assert!(outcome
            .notice
            .unwrap()
            .text
            .starts_with(&format!("Replayed from the seed to t = {}", group_thousands(end / 2))));
        assert_eq!(p.world().trace().hash(), whole.trace().hash(), "the past a whole replay reaches");
        assert_eq!(p.timeline().end_ms, end, "the present kept");
        assert_eq!(
            p.reduce(Action::BackToNow).notice.unwrap().text,
            format!("Back to now: t = {} ms.", group_thousands(end))
        );
        assert_eq!(p.world().trace().hash(), hash);
        assert!(p.playing(), "it played before going back");

        // What does not change the world (a click beside a menu, the checker) lets it go on; acting leaves
        // it where it was, and says so.
        p.reduce(Action::TimeTravel(end / 3));
        p.reduce(Action::Map(MapAction::CloseMenu));
        p.reduce(Action::Check);
        assert!(p.replaying_to_ms().is_some());
        let outcome = p.reduce(Action::Topic(TopicAction::Create {
            name: "more".into(),
            partitions: 1,
            replication_factor: None,
            config: String::new(),
        }));
        assert!(outcome.changed && p.replaying_to_ms().is_none() && p.present.is_none());
        assert!(p.world().describe_topic("more").is_ok(), "done on the present");
        // Play while going back from the present: the page plays on (not a toggle back to paused).
        p.reduce(Action::TimeTravel(end / 3));
        assert!(!p.playing());
        let outcome = p.reduce(Action::TogglePlay);
        assert!(outcome.changed && p.playing() && p.replaying_to_ms().is_none());
        assert!(outcome.notice.unwrap().text.starts_with("Stayed at t = "));
        // ← then → at once: back to now, as it was.
        p.reduce(Action::JumpToMark(Toward::Previous));
        let notice = p.reduce(Action::JumpToMark(Toward::Next)).notice.unwrap();
        assert!(!notice.error, "{}", notice.text);
        assert!(p.replaying_to_ms().is_none() && p.present.is_none() && p.playing());
    }

    /// With the page's clock, a slice ends by wall time (20 ms of it), whatever the events cost: here a
    /// clock that moves 1 ms each time it is read, once per 100 ms of virtual time replayed.
    #[test]
    fn with_a_clock_a_replay_slice_ends_by_wall_time() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "orders", 1);
        p.reduce(Action::SetSpeed(100.0));
        frames(&mut p, 40, 100.0);
        let end = p.world().now_ms();
        let whole = World::replay(&p.world().scenario().unwrap(), Some(end - 1)).unwrap();
        let ticks = std::rc::Rc::new(std::cell::Cell::new(0.0));
        let clock = ticks.clone();
        p.set_clock(std::rc::Rc::new(move || {
            clock.set(clock.get() + 1.0);
            clock.get()
        }));
        p.reduce(Action::TimeTravel(end - 1));
        let mut slices = 1;
        while p.replaying_to_ms().is_some() {
            let before = ticks.get();
            p.reduce(Action::Frame(slices as f64 * 16.0));
            assert!(ticks.get() - before <= REPLAY_FRAME_MS + 2.0, "a slice reads the clock until 20 ms passed");
            slices += 1;
            assert!(slices < 1_000);
        }
        // About 1.9 s of virtual time a slice: 100 ms per clock reading, 20 readings.
        let expected = end / 1_900;
        assert!(slices + 2 >= expected as usize && slices <= expected as usize + 3, "{slices} slices for {end} ms");
        assert_eq!(p.world().trace().hash(), whole.trace().hash());
    }

    /// A shared run opens a slice a frame too (a page load, or a link pasted into an open page); acting
    /// before it is done finishes it first, then acts on it.
    #[test]
    fn a_shared_run_opens_a_slice_a_frame() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "orders", 3);
        p.reduce(Action::Stream(Some(crate::playground::state::tests::stream_request("orders", 50))));
        p.reduce(Action::SetSpeed(10.0));
        frames(&mut p, 20, 100.0);
        let link = p.reduce(Action::Share).fragment.unwrap();
        let hash = World::replay(&p.world().scenario().unwrap(), None).unwrap().trace().hash();

        let mut opened = Playground::open(&link, Ok(Vec::new()), Some(ticking_clock()));
        assert!(opened.replaying_to_ms().is_some() && !opened.playing());
        assert!(
            opened.notice().unwrap().text.starts_with("Replaying the shared run (seed 1, "),
            "{:?}",
            opened.notice()
        );
        let mut n = 0;
        while opened.replaying_to_ms().is_some() {
            n += 1;
            opened.reduce(Action::Frame(n as f64 * 16.0));
            assert!(n < 10_000);
        }
        assert!(n > 1, "in slices: {n}");
        assert_eq!(opened.world().trace().hash(), hash);
        let notice = opened.notice().unwrap();
        assert!(
            notice.text.starts_with("Replayed the shared run: seed 1, ")
                && notice.text.ends_with("when you press Play.")
        );
        assert!(opened.timeline().end_ms == opened.world().now_ms(), "no past kept: this is the run's present");

        let mut early = Playground::open(&link, Ok(Vec::new()), Some(ticking_clock()));
        let notice = early.reduce(Action::TimeTravel(1_000)).notice.unwrap();
        assert!(notice.error && notice.text.starts_with("The shared run is still being replayed"), "{}", notice.text);
        assert!(early.replaying_to_ms().is_some(), "it goes on");

        let mut hurried = Playground::open(&link, Ok(Vec::new()), Some(ticking_clock()));
        let notice =
            hurried.reduce(Action::Send(crate::playground::state::tests::record("orders", "now", "all"))).notice;
        assert!(hurried.replaying_to_ms().is_none());
        let text = notice.unwrap().text;
        assert!(text.starts_with("Acknowledged: orders-"), "sent on the shared run, finished first: {text}");
        assert!(hurried.world().now_ms() >= opened.world().now_ms());
    }

    /// A shared run's marks are the run's, from its start: its trace keeps only the latest events, and read at
    /// the replay's end, a long stream's run lost its first crash and election (adversary 55).
    #[test]
    fn a_shared_run_keeps_the_marks_of_its_start_past_the_trace_s_window() {
        let (mut p, _) = failover();
        p.reduce(Action::Stream(Some(crate::playground::state::tests::stream_request("orders", 50))));
        frames(&mut p, 14, 100.0);
        let crash = p.timeline().marks.iter().find(|m| m.kind == MarkKind::Crash).unwrap().seq;
        let oldest_kept = p.world().trace().len() - franz_core::trace::TRACE_EVENTS_KEPT_MAX as u64;
        assert!(crash < oldest_kept, "the crash ({crash}) left the trace's window ({oldest_kept})");
        let link = p.reduce(Action::Share).fragment.unwrap();
        for clock in [Some(ticking_clock()), None] {
            let mut opened = Playground::open(&link, Ok(Vec::new()), clock);
            for n in 1..10_000 {
                if opened.replaying_to_ms().is_none() {
                    break;
                }
                opened.reduce(Action::Frame(n as f64 * 16.0));
            }
            assert_eq!(opened.world().trace().hash(), p.world().trace().hash());
            assert_eq!(opened.timeline().marks, p.timeline().marks);
        }
    }

    #[test]
    fn a_rebalance_and_an_unclean_election_leave_their_marks() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "jobs", 1);
        p.reduce(Action::AddMember("g".into(), "jobs".into()));
        p.reduce(Action::SetSpeed(100.0));
        frames(&mut p, 5, 100.0);
        assert!(kinds(&p).contains(&MarkKind::Rebalance), "{:?}", kinds(&p));

        // unclean.leader.election.enable: the last ISR member dies, an out-of-sync replica takes over.
        p.reduce(Action::Topic(TopicAction::Create {
            name: "risky".into(),
            partitions: 1,
            replication_factor: Some(2),
            config: "unclean.leader.election.enable=true".into(),
        }));
        frames(&mut p, 2, 100.0);
        let replicas = p.world().describe_topic("risky").unwrap().partitions[0].replicas.clone();
        let (leader, follower) = (replicas[0], replicas[1]);
        p.reduce(Action::Broker(follower, BrokerAction::Crash));
        frames(&mut p, 20, 100.0);
        p.reduce(Action::Broker(leader, BrokerAction::Crash));
        p.reduce(Action::Broker(follower, BrokerAction::Restart));
        frames(&mut p, 30, 100.0);
        assert!(kinds(&p).contains(&MarkKind::UncleanElection), "{:?}", p.timeline().marks);
    }

    #[test]
    fn going_back_keeps_the_present_and_back_to_now_returns_to_it_whole() {
        let (mut p, _) = failover();
        create_topic(&mut p, "jobs", 2);
        p.reduce(Action::AddMember("g".into(), "jobs".into()));
        frames(&mut p, 2, 100.0);
        let (now, hash, marks) = (p.world().now_ms(), p.world().trace().hash(), p.timeline().marks);
        let crash = marks.iter().find(|m| m.kind == MarkKind::Crash).unwrap().time_ms;

        let outcome = p.reduce(Action::TimeTravel(crash));
        assert!(outcome.world_replaced);
        let view = p.timeline();
        assert_eq!((view.now_ms, view.end_ms, view.in_past()), (crash, now, true));
        assert_eq!(view.marks, marks, "the marks are the whole run's");
        assert!(!p.playing() && p.members().is_empty());
        assert!(p.world().list_topics().contains(&"orders".to_string()) && p.world().describe_topic("jobs").is_err());
        frames(&mut p, 5, 100.0);
        assert_eq!(p.world().now_ms(), crash, "the past stands still");

        // Another moment of the same run: still replayed from the kept present.
        p.reduce(Action::TimeTravel(crash / 2));
        assert_eq!(p.timeline().end_ms, now);

        let notice = p.reduce(Action::BackToNow).notice.unwrap();
        assert_eq!(notice.text, format!("Back to now: t = {} ms.", franz_core::trace::group_thousands(now)));
        assert_eq!((p.world().now_ms(), p.world().trace().hash()), (now, hash));
        assert!(p.playing(), "as it was left");
        assert_eq!(p.members().len(), 1, "the page's members came back with it");
        assert!(!p.timeline().in_past());
    }

    #[test]
    fn acting_in_the_past_forks_the_run_and_discards_its_future() {
        let (mut p, leader) = failover();
        let end = p.world().now_ms();
        let crash = p.timeline().marks.iter().find(|m| m.kind == MarkKind::Crash).unwrap().time_ms;
        p.reduce(Action::TimeTravel(crash - 1));
        assert_eq!(p.world().broker_status(leader).name(), "running", "before the crash");

        // Changing the speed, checking or sharing the past is not acting on it.
        p.reduce(Action::Check);
        p.reduce(Action::SetSpeed(10.0));
        assert!(p.timeline().in_past());

        // Acting asks first, where the user acted; cancelling keeps everything.
        let (at, to) = (franz_core::trace::group_thousands(crash - 1), franz_core::trace::group_thousands(end));
        let ask = create_topic(&mut p, "fork", 1).notice.unwrap();
        assert!(ask.confirm_fork && !ask.error, "{ask:?}");
        assert_eq!(
            ask.text,
            format!("This is t = {at} ms, in the past: doing this forks the run and discards everything after it (to t = {to} ms).")
        );
        assert_eq!(p.notice_place(), Place::Topics);
        assert!(p.timeline().in_past() && !p.world().list_topics().contains(&"fork".to_string()), "nothing done yet");
        p.reduce(Action::SetSpeed(10.0));
        let cancelled = p.reduce(Action::ConfirmFork(false)).notice.unwrap();
        assert!(!cancelled.confirm_fork && cancelled.text.starts_with("Not done"), "{}", cancelled.text);
        assert!(p.timeline().in_past() && !p.world().list_topics().contains(&"fork".to_string()));
        assert_eq!(p.reduce(Action::ConfirmFork(true)), Outcome::default(), "nothing is waiting any more");
        assert!(p.timeline().in_past());

        create_topic(&mut p, "fork", 1);
        let notice = p.reduce(Action::ConfirmFork(true)).notice.unwrap();
        assert_eq!(
            notice.text,
            format!("Forked at t = {at} ms: the run after it (to t = {to} ms) is discarded. Created topic fork with 1 partition(s).")
        );
        let view = p.timeline();
        assert!(!view.in_past());
        assert!(view.marks.iter().all(|m| m.time_ms < crash), "the discarded future's marks are gone");
        assert_eq!(p.reduce(Action::BackToNow).notice.unwrap().text, "This is the run's present.");
        assert!(p.world().list_topics().contains(&"fork".to_string()));

        // Play in the past forks too.
        p.reduce(Action::SetSpeed(100.0));
        frames(&mut p, 5, 100.0);
        p.reduce(Action::TimeTravel(crash / 2));
        assert!(p.reduce(Action::TogglePlay).notice.unwrap().confirm_fork);
        assert!(!p.playing(), "not before the user says so");
        // Going elsewhere in time drops the question.
        p.reduce(Action::TimeTravel(crash / 3));
        assert_eq!(p.reduce(Action::ConfirmFork(true)), Outcome::default());
        assert!(p.timeline().in_past() && !p.playing());
        p.reduce(Action::TogglePlay);
        let notice = p.reduce(Action::ConfirmFork(true)).notice.unwrap();
        assert!(notice.text.starts_with("Forked at t = "), "{}", notice.text);
        assert!(p.playing() && !p.timeline().in_past());
    }

    #[test]
    fn marks_step_to_the_previous_and_next_moment() {
        let (mut p, _) = failover();
        let times: Vec<u64> = {
            let mut t: Vec<u64> = p.timeline().marks.iter().map(|m| m.time_ms).collect();
            t.dedup();
            t
        };
        assert!(times.len() >= 3, "{times:?}");
        let last = *times.last().unwrap();
        p.reduce(Action::JumpToMark(Toward::Previous));
        assert_eq!(p.world().now_ms(), last);
        p.reduce(Action::JumpToMark(Toward::Previous));
        assert_eq!(p.world().now_ms(), times[times.len() - 2]);
        p.reduce(Action::JumpToMark(Toward::Next));
        assert_eq!(p.world().now_ms(), last);
        let notice = p.reduce(Action::JumpToMark(Toward::Next)).notice.unwrap();
        assert!(notice.text.starts_with("Back to now"), "past the last mark is the present: {}", notice.text);
        while p.world().now_ms() > times[0] {
            p.reduce(Action::JumpToMark(Toward::Previous));
        }
        let notice = p.reduce(Action::JumpToMark(Toward::Previous)).notice.unwrap();
        assert!(notice.error && notice.text == "No mark before this moment.", "{}", notice.text);
    }

    #[test]
    fn a_lesson_scrubbed_back_plays_on_from_now() {
        let mut p = Playground::from_fragment("");
        p.reduce(Action::LessonNext);
        p.reduce(Action::LessonNext);
        let hash = p.world().trace().hash();
        p.reduce(Action::TimeTravel(p.world().now_ms() - 100));
        assert!(p.timeline().in_past() && !p.lesson().unwrap().forked, "looking back is not acting");
        let notice = p.reduce(Action::LessonNext).notice.unwrap();
        assert!(notice.text.starts_with("Back to now: t = ") && notice.text.contains("Step 3 of"), "{}", notice.text);
        assert!(!p.timeline().in_past());
        assert_ne!(p.world().trace().hash(), hash);
        assert_eq!(p.lesson().unwrap().steps_done, 3);
    }
}
