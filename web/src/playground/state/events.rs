//! The event log: the trace's lines, newest first, filtered by kind and by node, with the routine lines
//! (records appended, high watermarks advancing, which a stream or a group's commits make by the hundred)
//! collapsed into one line per run so that elections, fencing, ISR changes and rebalances stay in view.

use franz_core::trace::{group_thousands, TraceEvent, TraceKind};
use franz_core::types::NodeId;
use franz_core::World;

/// Lines the event log shows (a collapsed run counts as one).
pub const EVENT_LINES_MAX: usize = 200;

/// The kinds of line the filter offers.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum EventKind {
    /// Crashes, restarts, pauses, the network.
    Faults,
    /// Controller and leader elections, fencing, ISR changes, truncation.
    Elections,
    /// Rebalances, assignments, members removed or fenced.
    Groups,
    /// Topics, partitions, configs, retention, compaction.
    Topics,
    /// Clients starting and stopping, retries and failed sends.
    Clients,
    /// Records appended and high watermarks advancing.
    Routine,
}

impl EventKind {
    pub const ALL: [EventKind; 6] = [
        EventKind::Faults,
        EventKind::Elections,
        EventKind::Groups,
        EventKind::Topics,
        EventKind::Clients,
        EventKind::Routine,
    ];

    /// Its value in the filter and in tests.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Faults => "faults",
            EventKind::Elections => "elections",
            EventKind::Groups => "groups",
            EventKind::Topics => "topics",
            EventKind::Clients => "clients",
            EventKind::Routine => "routine",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EventKind::Faults => "crashes, pauses, network",
            EventKind::Elections => "elections, fencing, ISR",
            EventKind::Groups => "consumer groups",
            EventKind::Topics => "topics and logs",
            EventKind::Clients => "clients, retries, failures",
            EventKind::Routine => "appends and high watermarks",
        }
    }

    pub fn parse(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The kind of a trace line.
    pub fn of(kind: &TraceKind) -> EventKind {
        use TraceKind as T;
        match kind {
            T::RecordsAppended { .. } | T::HighWatermarkAdvanced { .. } => EventKind::Routine,
            T::BrokerStopped { .. }
            | T::BrokerCrashed { .. }
            | T::RecordsLostOnPowerLoss { .. }
            | T::BrokerRestarted
            | T::NodePaused { .. }
            | T::NetworkPartitioned { .. }
            | T::NetworkHealed
            | T::NetworkChanged { .. }
            | T::LinkChanged { .. }
            | T::NodeAdded { .. } => EventKind::Faults,
            T::ControllerElected { .. }
            | T::LeaderElected { .. }
            | T::ControlledShutdown { .. }
            | T::BrokerRegistered { .. }
            | T::BrokerFenced { .. }
            | T::BrokerUnfenced { .. }
            | T::PartitionChanged { .. }
            | T::BecameFollower { .. }
            | T::LogTruncated { .. }
            | T::AlterPartitionRefused { .. } => EventKind::Elections,
            T::GroupRebalanced { .. }
            | T::GroupAssigned { .. }
            | T::GroupLoaded { .. }
            | T::OffsetsExpired { .. }
            | T::GroupMemberRemoved { .. }
            | T::ConsumerFenced { .. }
            | T::ConsumerCloseCommitFailed { .. }
            | T::GroupAssignmentNotStored { .. }
            | T::OffsetsTopicNotCreated { .. }
            | T::ConsumerOffsetReset { .. } => EventKind::Groups,
            T::TopicCreated { .. }
            | T::TopicDeleted { .. }
            | T::PartitionsCreated { .. }
            | T::TopicConfigChanged { .. }
            | T::SegmentsDeleted { .. }
            | T::LogCompacted { .. }
            | T::StrayLogDeleted { .. }
            | T::ReassignmentStarted { .. } => EventKind::Topics,
            T::ClientStarted { .. }
            | T::ClientStopped { .. }
            | T::ProduceRetry { .. }
            | T::ProduceFailed { .. }
            | T::ProduceBatchSplit { .. }
            | T::ProducerEpochBumped { .. }
            | T::UnknownProducerSequenceTaken { .. }
            | T::ConsumerRetry { .. } => EventKind::Clients,
        }
    }
}

/// Which lines the log shows.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct EventFilter {
    /// One kind only; `None`: every kind.
    pub kind: Option<EventKind>,
    /// Lines by this node or about it (a broker fenced, a leader elected, an ISR naming it); `None`: all.
    pub node: Option<NodeId>,
    /// Show routine lines one by one rather than collapsed.
    pub routine: bool,
}

/// One line of the log.
#[derive(Clone, PartialEq, Debug)]
pub enum EventLine {
    Event(TraceEvent),
    /// A run of routine lines, folded into one: how many, and when.
    Collapsed {
        count: usize,
        from_ms: u64,
        to_ms: u64,
    },
    /// Where the trace's window of recent lines ends: older lines are the important ones the page kept.
    Older,
}

impl EventLine {
    pub fn text(&self) -> String {
        match self {
            EventLine::Event(e) => e.text(),
            EventLine::Collapsed { count, from_ms, to_ms } => format!(
                "… {count} routine line(s), t={} to {} ms: records appended, high watermarks advanced",
                group_thousands(*from_ms),
                group_thousands(*to_ms)
            ),
            EventLine::Older => {
                String::from("… older: only the important lines are kept (appends and high watermarks are not)")
            }
        }
    }
}

/// Whether the line is by `node` or about it.
fn involves(e: &TraceEvent, node: NodeId) -> bool {
    use TraceKind as T;
    e.node == node
        || match &e.kind {
            T::BrokerFenced { broker, .. }
            | T::BrokerUnfenced { broker }
            | T::BrokerRegistered { broker, .. }
            | T::ControlledShutdown { broker } => *broker == node,
            T::LeaderElected { leader, .. } | T::BecameFollower { leader, .. } => *leader == node,
            T::PartitionChanged { leader, isr, .. } => *leader == node || isr.contains(&node),
            T::NetworkPartitioned { sides } => sides.iter().flatten().any(|&n| n == node),
            T::LinkChanged { a, b, .. } => *a == node || *b == node,
            _ => false,
        }
}

/// Whether the filter shows the line, and whether it folds into a run of routine lines.
fn shown(filter: &EventFilter, e: &TraceEvent) -> Option<bool> {
    let kind = EventKind::of(&e.kind);
    if filter.kind.is_some_and(|k| k != kind) || filter.node.is_some_and(|n| !involves(e, n)) {
        return None;
    }
    Some(kind == EventKind::Routine && !filter.routine && filter.kind != Some(EventKind::Routine))
}

/// The log's lines, newest first: at most `EVENT_LINES_MAX`, from the events the trace still keeps, then
/// the older important lines the page kept (`important`, oldest first).
pub fn event_lines(world: &World, filter: &EventFilter, important: &[TraceEvent]) -> Vec<EventLine> {
    let mut lines: Vec<EventLine> = Vec::new();
    let first_kept = world.trace().kept().next().map_or(world.trace().len() + 1, |e| e.seq);
    for e in world.trace().kept().rev() {
        let Some(fold) = shown(filter, e) else { continue };
        let full = lines.len() >= EVENT_LINES_MAX;
        match lines.last_mut() {
            Some(EventLine::Collapsed { count, from_ms, .. }) if fold => {
                *count += 1;
                *from_ms = e.time_ms;
                continue;
            }
            _ if full => return lines,
            _ if fold => lines.push(EventLine::Collapsed { count: 1, from_ms: e.time_ms, to_ms: e.time_ms }),
            _ => lines.push(EventLine::Event(e.clone())),
        }
    }
    let mut older = important.iter().rev().filter(|e| e.seq < first_kept && shown(filter, e).is_some()).peekable();
    if older.peek().is_some() && lines.len() < EVENT_LINES_MAX {
        lines.push(EventLine::Older);
    }
    lines.extend(older.take(EVENT_LINES_MAX.saturating_sub(lines.len())).cloned().map(EventLine::Event));
    lines
}

#[cfg(test)]
mod tests {
    use super::super::tests::{create_topic, frames, record};
    use super::super::{Action, BrokerAction, Playground};
    use super::*;

    fn texts(lines: &[EventLine]) -> Vec<String> {
        lines.iter().map(EventLine::text).collect()
    }

    /// A stream's routine lines around a leader's crash and failover.
    fn busy_failover() -> (Playground, NodeId) {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "orders", 1);
        p.reduce(Action::Send(record("orders", "a", "all")));
        let leader = p.world().describe_topic("orders").unwrap().partitions[0].leader.unwrap();
        p.reduce(Action::Stream(Some(super::super::tests::stream_request("orders", 200))));
        p.reduce(Action::SetSpeed(10.0));
        frames(&mut p, 10, 100.0);
        p.reduce(Action::Broker(leader, BrokerAction::Crash));
        frames(&mut p, 15, 100.0);
        (p, leader)
    }

    #[test]
    fn routine_lines_fold_and_the_important_ones_stay() {
        let (p, leader) = busy_failover();
        let lines = event_lines(p.world(), &EventFilter::default(), &[]);
        assert!(lines.len() <= EVENT_LINES_MAX);
        assert!(
            lines.windows(2).all(|w| !matches!(w, [EventLine::Collapsed { .. }, EventLine::Collapsed { .. }])),
            "a run of routine lines is one line"
        );
        let all = texts(&lines).join("\n");
        assert!(all.contains(&format!("broker {leader}: crashed")), "{all}");
        assert!(all.contains("fenced broker"), "{all}");
        assert!(all.contains("routine line(s), t="), "{all}");
        // Shown one by one, the same stretch is mostly routine, and the crash is further back than 200 lines.
        let open = event_lines(p.world(), &EventFilter { routine: true, ..EventFilter::default() }, &[]);
        assert_eq!(open.len(), EVENT_LINES_MAX);
        assert!(open.iter().all(|l| matches!(l, EventLine::Event(_))));
    }

    #[test]
    fn the_filter_keeps_one_kind_or_one_node() {
        let (p, leader) = busy_failover();
        let elections =
            event_lines(p.world(), &EventFilter { kind: Some(EventKind::Elections), ..Default::default() }, &[]);
        assert!(!elections.is_empty());
        for line in &elections {
            let EventLine::Event(e) = line else { panic!("no routine line under elections") };
            assert_eq!(EventKind::of(&e.kind), EventKind::Elections, "{}", e.text());
        }
        let node = event_lines(p.world(), &EventFilter { node: Some(leader), ..Default::default() }, &[]);
        let text = texts(&node).join("\n");
        assert!(text.contains(&format!("fenced broker {leader}")), "by the controller, about it: {text}");
        for line in &node {
            if let EventLine::Event(e) = line {
                assert!(involves(e, leader), "{}", e.text());
            }
        }
        assert_eq!(EventKind::parse("groups"), Some(EventKind::Groups));
        assert_eq!(EventKind::parse("nope"), None);
    }

    #[test]
    fn important_lines_outlive_the_traces_window() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "orders", 1);
        p.reduce(Action::Broker(3, BrokerAction::Crash));
        // Small batches make many lines: a record or two per batch at 200/s.
        p.reduce(Action::Stream(Some(super::super::tests::stream_request("orders", 200))));
        p.reduce(Action::SetSpeed(10.0));
        while p.world().trace().len() < franz_core::trace::TRACE_EVENTS_KEPT_MAX as u64 + 2_000 {
            frames(&mut p, 10, 100.0);
        }
        assert!(!p.world().trace().kept().any(|e| e.text().contains("broker 3: crashed")), "out of the trace's window");
        let lines = p.snapshot().events;
        let text = texts(&lines).join("\n");
        assert!(lines.contains(&EventLine::Older), "{text}");
        assert!(text.contains("broker 3: crashed"), "kept by the page: {text}");
        assert!(text.contains("created topic orders"), "{text}");
    }
}
