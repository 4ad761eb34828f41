//! The page's consumer-group members (added, slowed, closed, crashed; each with a name never used before
//! in its group), each polling in a poll loop of the core (one `pollLoop` action, so that a share link does
//! not grow with time and a replayed member goes on polling; "Slow" stops the loop), and the groups the page
//! shows: kept after their last member leaves (Empty, with their committed offsets and a lag that grows),
//! with each member's countdowns (its session at the coordinator, `session.timeout.ms`; a slow member's
//! `max.poll.interval.ms`). The members are the world's consumers named as the page names them, so that
//! time travel and replays need no bookkeeping.

use franz_core::vec_map::VecMap;

use franz_core::client::{AutoOffsetReset, ConsumerConfig};
use franz_core::protocol::actor::TimerName;
use franz_core::sim::scenario::Action as ScenarioAction;
use franz_core::sim::Node;
use franz_core::types::NodeId;
use franz_core::view::{ConsumerGroupState, GroupDescription, GroupOffset};
use franz_core::ErrorCode;

use super::explain::Countdown;
use super::Playground;

/// The page's group members poll once per this much virtual time (their poll loop).
const MEMBER_POLL_INTERVAL_MS: u64 = 1_000;
/// The playground's group members leave after this long without a poll (Kafka: 300000), so "Slow" shows.
const MEMBER_MAX_POLL_INTERVAL_MS: u64 = 10_000;

/// A playground group member, as the page runs it.
#[derive(Clone, PartialEq, Debug)]
pub struct MemberUi {
    pub id: NodeId,
    pub name: String,
    pub group: String,
    /// Not polling: it will exceed `max.poll.interval.ms` and be removed from the group.
    pub slow: bool,
    /// Records its poll loop got (since its loop last started).
    pub consumed: u64,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MemberAction {
    Close,
    Crash,
    ToggleSlow,
}

/// A group as the page shows it.
#[derive(Clone, PartialEq, Debug)]
pub struct GroupCard {
    pub description: GroupDescription,
    pub offsets: Vec<GroupOffset>,
    /// Each member's session at the coordinator, by member id: it expires unless a heartbeat comes.
    pub sessions: VecMap<String, Countdown>,
    /// The page's slow members (not polling), by client id: when they leave the group.
    pub leaving: VecMap<String, Countdown>,
    /// Its coordinator is down, not yet replaced: the group is unknown until another broker loads it.
    pub coordinator_down: bool,
}

/// The number in a member's name, `{group}-member-{n}`.
fn member_number(group: &str, name: &str) -> Option<u32> {
    name.strip_prefix(group)?.strip_prefix("-member-")?.parse().ok()
}

/// What a member's `close()` did in the `took_ms` it took: Kafka's waits up to 30 s
/// (`CONSUMER_CLOSE_TIMEOUT_MS`) for its commit and LeaveGroup, through a coordinator's failover.
fn close_text(name: &str, took_ms: u64, coordinator_down: Option<NodeId>, commit_failed: Option<ErrorCode>) -> String {
    let took = franz_core::trace::group_thousands(took_ms);
    if let Some(error) = commit_failed {
        return format!(
            "{name} closed after {took} ms, its commit failed ({error}). Unless it landed after all, its \
             partitions' next owners start from the offsets committed before and read again what it had read."
        );
    }
    if took_ms >= franz_core::sim::CONSUMER_CLOSE_TIMEOUT_MS {
        return format!(
            "{name} closed after {took} ms, close()'s limit: its commit or LeaveGroup got no answer. The coordinator \
             removes it after session.timeout.ms (45 s), then the others rebalance."
        );
    }
    match coordinator_down {
        Some(broker) => format!(
            "{name} closed after {took} ms: its coordinator, broker {broker}, was down, so close() waited for the \
             controller to fence it and for the group's new coordinator; then it committed and left, and the others \
             rebalance now."
        ),
        None => format!("{name} closed: it committed and left, the others rebalance now."),
    }
}

impl Playground {
    /// The page's group members: the world's consumers named `{group}-member-{n}`, polling or not.
    pub fn members(&self) -> Vec<MemberUi> {
        let loops = self.world.poll_loops();
        self.world
            .nodes()
            .filter_map(|(&id, node)| {
                let Node::Consumer(c) = node else { return None };
                let group = c.config().group_id.clone()?;
                let name = self.world.node_name(id);
                member_number(&group, &name)?;
                let poll_loop = loops.iter().find(|l| l.consumer == id);
                let consumed = poll_loop.map_or(0, |l| l.records);
                Some(MemberUi { id, name, group, slow: poll_loop.is_none(), consumed })
            })
            .collect()
    }

    /// A new member of `group`, subscribed to `topic`, named with a number no member of the group had, and
    /// polling every second.
    pub(super) fn add_member(&mut self, group: String, topic: String) -> Result<String, String> {
        let name = format!("{group}-member-{}", self.highest_member_number(&group) + 1);
        let config = ConsumerConfig {
            group_id: Some(group.clone()),
            auto_offset_reset: AutoOffsetReset::Earliest,
            max_poll_interval_ms: MEMBER_MAX_POLL_INTERVAL_MS,
            ..ConsumerConfig::named(name.clone())
        };
        let w = &mut self.world;
        let id = w.add_consumer(config).map_err(|e| e.to_string())?;
        w.subscribe(id, vec![topic.clone()]).map_err(|e| e.to_string())?;
        w.poll_loop(id, MEMBER_POLL_INTERVAL_MS).map_err(|e| e.to_string())?;
        if !self.known_groups.contains(&group) {
            self.known_groups.push(group.clone());
        }
        Ok(format!("{name} joins group {group} on {topic}: watch the rebalance."))
    }

    /// The highest number in the names of the group's members: the world's consumers, and those the
    /// coordinator still lists (a crashed member stays until its session expires).
    fn highest_member_number(&self, group: &str) -> u32 {
        let world = self.world.nodes().map(|(&id, _)| self.world.node_name(id));
        let coordinator = self.world.describe_group(group).members.into_iter().map(|m| m.client_id);
        world.chain(coordinator).filter_map(|n| member_number(group, &n)).max().unwrap_or(0)
    }

    pub(super) fn member(&mut self, id: NodeId, action: MemberAction) -> Result<String, String> {
        let m = self.members().into_iter().find(|m| m.id == id).ok_or("No such member: it was closed or crashed.")?;
        let name = m.name;
        let w = &mut self.world;
        match action {
            MemberAction::ToggleSlow if m.slow => {
                w.poll_loop(id, MEMBER_POLL_INTERVAL_MS).map_err(|e| e.to_string())?;
                Ok(format!("{name} polls again and rejoins the group."))
            }
            MemberAction::ToggleSlow => {
                w.stop_poll_loop(id).map_err(|e| e.to_string())?;
                Ok(format!("{name} stops polling: after max.poll.interval.ms it leaves the group."))
            }
            MemberAction::Crash => {
                w.crash_client(id).map_err(|e| e.to_string())?;
                Ok(format!("{name} crashed: the coordinator notices after session.timeout.ms (45 s)."))
            }
            MemberAction::Close => {
                let waiting = format!("Closing {name}: it commits, then leaves its group");
                // (Adversary 57: a close that waited out its coordinator's failover said nothing of the wait.)
                let coordinator = w.describe_group(&m.group).coordinator;
                let coordinator_down = coordinator.filter(|&c| w.is_crashed(c));
                let start_ms = w.now_ms();
                self.call(
                    ScenarioAction::CloseClient { id },
                    &waiting,
                    Box::new(move |p, closed| {
                        closed.map_err(|e| e.to_string())?;
                        let commit_failed = p.world.close_commit_failed(id);
                        Ok(close_text(&name, p.world.now_ms() - start_ms, coordinator_down, commit_failed))
                    }),
                )
            }
        }
    }

    /// The groups the page shows: those it has shown (kept while the coordinator knows them or they have
    /// committed offsets) and those of every consumer in the world (a lesson's, a shared run's).
    pub(super) fn group_cards(&self) -> Vec<GroupCard> {
        let world = &self.world;
        let consumer_groups = world.nodes().filter_map(|(_, node)| match node {
            Node::Consumer(c) => c.config().group_id.clone(),
            _ => None,
        });
        let mut ids: Vec<String> = self.known_groups.iter().cloned().chain(consumer_groups).collect();
        franz_core::collect::sort(&mut ids);
        ids.dedup();
        ids.iter()
            .map(|g| (world.describe_group(g), world.group_offsets(g)))
            .filter(|(d, offsets)| d.state != ConsumerGroupState::Dead || !offsets.is_empty())
            .map(|(description, offsets)| {
                let sessions = self.sessions(&description);
                let leaving = self.leaving(&description.group_id);
                let coordinator_down = description.coordinator.is_some_and(|c| world.is_crashed(c));
                GroupCard { description, offsets, sessions, leaving, coordinator_down }
            })
            .collect()
    }

    /// Each member's session at the group's coordinator.
    fn sessions(&self, group: &GroupDescription) -> VecMap<String, Countdown> {
        let now = self.world.now_ms();
        let Some(timers) = group.coordinator.and_then(|c| self.world.timers(c).ok()) else { return VecMap::new() };
        group
            .members
            .iter()
            .filter_map(|m| {
                let t = timers.iter().find(|t| {
                    t.name == TimerName::SessionTimeout && t.about.as_deref() == Some(m.member_id.as_str())
                })?;
                let countdown = Countdown {
                    what: String::from("session expires"),
                    in_ms: t.at_ms.saturating_sub(now),
                    config_key: t.name.config_key(),
                };
                Some((m.member_id.clone(), countdown))
            })
            .collect()
    }

    /// The page's slow members of `group`: when `max.poll.interval.ms` runs out for them.
    fn leaving(&self, group: &str) -> VecMap<String, Countdown> {
        let now = self.world.now_ms();
        self.members()
            .into_iter()
            .filter(|m| m.slow && m.group == group)
            .filter_map(|m| {
                let timers = self.world.timers(m.id).ok()?;
                let t = timers.iter().find(|t| t.name == TimerName::MaxPollInterval)?;
                let countdown = Countdown {
                    what: String::from("leaves the group (no poll)"),
                    in_ms: t.at_ms.saturating_sub(now),
                    config_key: t.name.config_key(),
                };
                Some((m.name.clone(), countdown))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{create_topic, frames, record};
    use super::super::{Action, Playground};
    use super::*;

    #[test]
    fn member_names_are_never_used_twice_in_a_group() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "jobs", 2);
        p.reduce(Action::AddMember("g".into(), "jobs".into()));
        p.reduce(Action::AddMember("g".into(), "jobs".into()));
        p.reduce(Action::SetSpeed(100.0));
        frames(&mut p, 3, 100.0);
        let first = p.members()[0].id;
        p.reduce(Action::Member(first, MemberAction::Crash));
        let notice = p.reduce(Action::AddMember("g".into(), "jobs".into())).notice.unwrap();
        assert_eq!(notice.text, "g-member-3 joins group g on jobs: watch the rebalance.");
        frames(&mut p, 3, 100.0);
        let card = &p.snapshot().groups[0];
        let mut names: Vec<&str> = card.description.members.iter().map(|m| m.client_id.as_str()).collect();
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before, "no two members share a name: {names:?}");
        // Another group numbers its own.
        let notice = p.reduce(Action::AddMember("h".into(), "jobs".into())).notice.unwrap();
        assert!(notice.text.starts_with("h-member-1 joins"), "{}", notice.text);
    }

    /// Topic jobs (one partition, three records) and group g's first member on it, `frames` frames of 100 ms
    /// at `speed` later.
    fn a_member_of_jobs_with_three_records(speed: f64, frames_run: usize) -> Playground {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "jobs", 1);
        for v in ["a", "b", "c"] {
            p.reduce(Action::Send(record("jobs", v, "all")));
        }
        p.reduce(Action::AddMember("g".into(), "jobs".into()));
        p.reduce(Action::SetSpeed(speed));
        frames(&mut p, frames_run, 100.0);
        p
    }

    #[test]
    fn a_group_whose_last_member_left_stays_empty_with_its_offsets_and_growing_lag() {
        let mut p = a_member_of_jobs_with_three_records(100.0, 15);
        let id = p.members()[0].id;
        p.reduce(Action::Member(id, MemberAction::Close));
        frames(&mut p, 2, 100.0);
        let groups = p.snapshot().groups;
        assert_eq!(groups.len(), 1, "the group is still shown");
        let g = &groups[0];
        assert_eq!(g.description.state, ConsumerGroupState::Empty);
        assert!(g.description.members.is_empty());
        assert_eq!((g.offsets[0].committed, g.offsets[0].lag), (3, 0), "{:?}", g.offsets);
        assert!(p.snapshot().logs[&("jobs".to_string(), 0)].committed.contains(&("g".to_string(), 3)));
        p.reduce(Action::Send(record("jobs", "d", "all")));
        let lag = p.snapshot().groups[0].offsets[0].lag;
        assert_eq!(lag, 1, "records sent since are the group's lag");
    }

    #[test]
    fn a_group_whose_coordinator_is_down_says_so_and_keeps_its_committed_offsets() {
        let mut p = a_member_of_jobs_with_three_records(10.0, 60);
        let card = p.snapshot().groups[0].clone();
        assert!(!card.coordinator_down && card.offsets[0].committed == 3, "{card:?}");
        let coordinator = card.description.coordinator.unwrap();
        p.reduce(Action::Broker(coordinator, super::super::BrokerAction::Crash));
        let card = p.snapshot().groups[0].clone();
        assert!(card.coordinator_down);
        assert_eq!(card.description.state, ConsumerGroupState::Dead);
        assert_eq!(card.offsets[0].committed, 3, "the live replicas' committed offsets");
        frames(&mut p, 60, 100.0);
        let card = p.snapshot().groups[0].clone();
        assert!(!card.coordinator_down && card.description.coordinator != Some(coordinator), "{card:?}");
        assert_eq!(card.description.state, ConsumerGroupState::Stable, "the member joined the new coordinator");
    }

    /// A close while the group's coordinator is down waits for its failover, and says so (adversary 57).
    #[test]
    fn a_member_closed_while_its_coordinator_is_down_says_it_waited_for_the_new_one() {
        let mut p = a_member_of_jobs_with_three_records(10.0, 60);
        let coordinator = p.snapshot().groups[0].description.coordinator.unwrap();
        p.reduce(Action::Broker(coordinator, super::super::BrokerAction::Crash));
        let (id, start_ms) = (p.members()[0].id, p.world().now_ms());
        p.reduce(Action::Member(id, MemberAction::Close));
        let mut t = 0.0;
        while p.work_under_way() {
            t += 16.0;
            p.reduce(Action::Frame(t));
        }
        let took_ms = p.world().now_ms() - start_ms;
        assert!(took_ms > 9_000, "broker.session.timeout.ms before a new coordinator: {took_ms}");
        let text = p.notice().unwrap().text.clone();
        let took = franz_core::trace::group_thousands(took_ms);
        assert!(
            text.starts_with(&format!(
                "g-member-1 closed after {took} ms: its coordinator, broker {coordinator}, was down"
            )),
            "{text}"
        );
        let card = p.snapshot().groups[0].clone();
        assert_eq!(card.description.state, ConsumerGroupState::Empty, "it left the new coordinator's group");
        assert_eq!(card.offsets[0].committed, 3, "and committed there");
        assert!(close_text("m", 30_000, None, None).contains("close()'s limit"));
        let refused = close_text("m", 20, None, Some(ErrorCode::UnknownMemberId));
        assert!(refused.starts_with("m closed after 20 ms, its commit failed (UNKNOWN_MEMBER_ID)"), "{refused}");
    }

    #[test]
    fn members_show_their_session_and_a_slow_member_when_it_leaves() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "jobs", 1);
        p.reduce(Action::AddMember("g".into(), "jobs".into()));
        p.reduce(Action::SetSpeed(10.0));
        frames(&mut p, 10, 100.0);
        let card = p.snapshot().groups[0].clone();
        let member = &card.description.members[0];
        let session = &card.sessions[&member.member_id];
        assert_eq!(session.config_key, "session.timeout.ms");
        assert!(session.in_ms > 30_000 && session.in_ms <= 45_000, "heartbeats keep it near 45 s: {session:?}");

        let id = p.members()[0].id;
        p.reduce(Action::Member(id, MemberAction::ToggleSlow));
        frames(&mut p, 3, 100.0);
        let card = p.snapshot().groups[0].clone();
        let leaving = &card.leaving["g-member-1"];
        assert_eq!(leaving.config_key, "max.poll.interval.ms");
        assert!(leaving.in_ms < 10_000, "{leaving:?}");
        assert!(leaving.text().starts_with("leaves the group (no poll) in "), "{}", leaving.text());
    }
}
