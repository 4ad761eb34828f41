//! Kafka's partition assignors (`partition.assignment.strategy`): range, roundrobin, sticky and
//! cooperative-sticky. Each takes the members (with their subscriptions), the partition counts and, for the
//! sticky ones, the previous assignment, and says who owns what.

use crate::vec_map::{VecMap, VecSet};
use alloc::string::String;
use alloc::vec::Vec;

use crate::error::Result;
use crate::types::TopicPartition;

/// Franz's bounds on one assignment question.
pub const ASSIGNOR_MEMBERS_MAX: usize = 1_000;
pub const ASSIGNOR_PARTITIONS_MAX: u64 = 100_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Assignor {
    Range,
    RoundRobin,
    Sticky,
    CooperativeSticky,
}

impl Assignor {
    /// Kafka's short names, as in `partition.assignment.strategy`.
    pub fn parse(name: &str) -> Result<Assignor> {
        match name {
            "range" => Ok(Assignor::Range),
            "roundrobin" => Ok(Assignor::RoundRobin),
            "sticky" => Ok(Assignor::Sticky),
            "cooperative-sticky" => Ok(Assignor::CooperativeSticky),
            other => Err(franz_err!(
                InvalidConfig,
                "Unknown assignor {other:?}: use range, roundrobin, sticky or cooperative-sticky"
            )),
        }
    }
}

/// A group member as the assignor sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub topics: Vec<String>,
}

/// Kafka's `AbstractPartitionAssignor.MemberInfo` order, which range and roundrobin deal partitions in:
/// static members first, by `group.instance.id` (so that their share survives a restart, which gives them
/// a new member id), then dynamic ones by member id.
fn member_order(a: &Member, b: &Member) -> core::cmp::Ordering {
    match (&a.group_instance_id, &b.group_instance_id) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => core::cmp::Ordering::Less,
        (None, Some(_)) => core::cmp::Ordering::Greater,
        (None, None) => a.member_id.cmp(&b.member_id),
    }
}

pub type Assignment = VecMap<String, Vec<TopicPartition>>;

/// Assigns `partitions` (topic → count) to `members`. `previous` is what each member owned (sticky only).
pub fn assign(
    assignor: Assignor,
    members: &[Member],
    partitions: &VecMap<String, u32>,
    previous: &Assignment,
) -> Result<Assignment> {
    if members.len() > ASSIGNOR_MEMBERS_MAX {
        return Err(franz_err!(InvalidRequest, "At most {ASSIGNOR_MEMBERS_MAX} members, got {}", members.len()));
    }
    let total: u64 = partitions.values().map(|&c| u64::from(c)).sum();
    if total > ASSIGNOR_PARTITIONS_MAX {
        return Err(franz_err!(InvalidRequest, "At most {ASSIGNOR_PARTITIONS_MAX} partitions, got {total}"));
    }
    let mut ids = VecSet::new();
    if let Some(dup) = members.iter().find(|m| !ids.insert(m.member_id.as_str())) {
        return Err(franz_err!(InvalidRequest, "Member id {} appears twice", dup.member_id));
    }
    let mut members: Vec<&Member> = members.iter().collect();
    match assignor {
        Assignor::Range | Assignor::RoundRobin => crate::collect::sort_by(&mut members, |a, b| member_order(a, b)),
        Assignor::Sticky | Assignor::CooperativeSticky => {
            crate::collect::sort_by(&mut members, |a, b| a.member_id.cmp(&b.member_id))
        }
    }
    let mut out: Assignment = members.iter().map(|m| (m.member_id.clone(), Vec::new())).collect();
    match assignor {
        Assignor::Range => range(&members, partitions, &mut out),
        Assignor::RoundRobin => round_robin(&members, partitions, &mut out),
        Assignor::Sticky => sticky(&members, partitions, previous, &mut out),
        Assignor::CooperativeSticky => {
            sticky(&members, partitions, previous, &mut out);
            withhold_moving(previous, &mut out);
        }
    }
    for list in out.values_mut() {
        crate::collect::sort(list);
    }
    Ok(out)
}

fn subscribed(m: &Member, topic: &str) -> bool {
    m.topics.iter().any(|t| t == topic)
}

/// Range: per topic, the subscribed members in id order take consecutive ranges; the first `P % C` take one
/// more.
fn range(members: &[&Member], partitions: &VecMap<String, u32>, out: &mut Assignment) {
    for (topic, &count) in partitions {
        let takers: Vec<&&Member> = members.iter().filter(|m| subscribed(m, topic)).collect();
        if takers.is_empty() {
            continue;
        }
        let (c, p) = (takers.len() as u32, count);
        let (n, extra) = (p / c, p % c);
        for (i, m) in takers.iter().enumerate() {
            let i = i as u32;
            let start = i * n + i.min(extra);
            let len = n + u32::from(i < extra);
            let list = out.entry(m.member_id.clone()).or_default();
            list.extend((start..start + len).map(|q| TopicPartition::new(topic.clone(), q)));
        }
    }
}

/// RoundRobin: every partition in (topic, partition) order to the next member, circularly, skipping members
/// not subscribed to its topic.
fn round_robin(members: &[&Member], partitions: &VecMap<String, u32>, out: &mut Assignment) {
    if members.is_empty() {
        return;
    }
    let mut next = 0usize;
    for (topic, &count) in partitions {
        if !members.iter().any(|m| subscribed(m, topic)) {
            continue;
        }
        for p in 0..count {
            while !subscribed(members[next % members.len()], topic) {
                next += 1;
            }
            let m = members[next % members.len()];
            out.entry(m.member_id.clone()).or_default().push(TopicPartition::new(topic.clone(), p));
            next += 1;
        }
    }
}

/// Sticky: balanced (no member has two more than another member that could take one of its partitions),
/// keeping as much of the previous assignment as that allows.
fn sticky(members: &[&Member], partitions: &VecMap<String, u32>, previous: &Assignment, out: &mut Assignment) {
    let exists = |tp: &TopicPartition| partitions.get(&tp.topic).is_some_and(|&c| tp.partition < c);
    let by_id: VecMap<&str, &Member> = members.iter().map(|m| (m.member_id.as_str(), *m)).collect();
    // 1. Keep what each member still may own (first claim wins if two members claim one partition).
    let mut owner: VecMap<TopicPartition, String> = VecMap::new();
    for (member_id, owned) in previous {
        let Some(m) = by_id.get(member_id.as_str()) else { continue };
        for tp in owned {
            if exists(tp) && subscribed(m, &tp.topic) && !owner.contains_key(tp) {
                owner.insert(tp.clone(), member_id.clone());
            }
        }
    }
    for (tp, member_id) in &owner {
        out.entry(member_id.clone()).or_default().push(tp.clone());
    }
    // 2. Give every unowned partition to the least-loaded subscribed member (ties: member id).
    for (topic, &count) in partitions {
        for p in 0..count {
            let tp = TopicPartition::new(topic.clone(), p);
            if owner.contains_key(&tp) {
                continue;
            }
            let target = members
                .iter()
                .filter(|m| subscribed(m, topic))
                .min_by_key(|m| (out.get(&m.member_id).map_or(0, Vec::len), m.member_id.as_str()));
            if let Some(m) = target {
                out.entry(m.member_id.clone()).or_default().push(tp);
            }
        }
    }
    // 3. Rebalance: move a partition from a member with two more than another that could take it.
    loop {
        let mut moved = false;
        // The most loaded give first, to the least loaded: members at their fair share keep what they have.
        let mut loads: Vec<(usize, &str)> =
            members.iter().map(|m| (out.get(&m.member_id).map_or(0, Vec::len), m.member_id.as_str())).collect();
        crate::collect::sort_by(&mut loads, |a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        'search: for &(heavy_load, heavy) in &loads {
            for &(light_load, light) in loads.iter().rev() {
                if heavy_load < light_load + 2 {
                    continue;
                }
                let Some(light_member) = by_id.get(light) else { continue };
                let movable = out.get(heavy).and_then(|l| l.iter().rposition(|tp| subscribed(light_member, &tp.topic)));
                if let Some(index) = movable {
                    let tp = out.get_mut(heavy).map(|l| l.remove(index));
                    if let Some(tp) = tp {
                        out.entry(String::from(light)).or_default().push(tp);
                        moved = true;
                        break 'search;
                    }
                }
            }
        }
        if !moved {
            break;
        }
    }
}

/// Cooperative rebalancing (KIP-429): a partition moving from a member still in the group to another is
/// first revoked (given to nobody in this round) and assigned in the follow-up rebalance. Partitions of
/// members that left, and new ones, are assigned at once.
fn withhold_moving(previous: &Assignment, out: &mut Assignment) {
    let members: VecSet<String> = out.keys().cloned().collect();
    let mut previous_owner: VecMap<TopicPartition, String> = VecMap::new();
    for (member_id, owned) in previous {
        for tp in owned {
            previous_owner.entry(tp.clone()).or_insert_with(|| member_id.clone());
        }
    }
    for (member_id, list) in out.iter_mut() {
        list.retain(|tp| match previous_owner.get(tp) {
            Some(was) => was == member_id || !members.contains(was),
            None => true,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;
    use proptest::prelude::*;

    fn members(list: &[(&str, &[&str])]) -> Vec<Member> {
        list.iter()
            .map(|(id, topics)| Member {
                group_instance_id: None,
                member_id: id.to_string(),
                topics: topics.iter().map(|t| t.to_string()).collect(),
            })
            .collect()
    }

    fn counts(list: &[(&str, u32)]) -> VecMap<String, u32> {
        list.iter().map(|(t, c)| (t.to_string(), *c)).collect()
    }

    fn names(a: &Assignment, member: &str) -> Vec<String> {
        a[member].iter().map(|tp| alloc::format!("{}p{}", tp.topic, tp.partition)).collect()
    }

    /// Found by an adversary: Kafka's range and roundrobin deal in `MemberInfo` order, static members first
    /// by `group.instance.id`, then dynamic ones by member id; ordering by member id alone gave a dynamic
    /// member whose id sorts first the static member's share.
    #[test]
    fn range_and_roundrobin_deal_to_static_members_first_by_instance_id() {
        let member = |id: &str, instance: Option<&str>| Member {
            member_id: id.to_string(),
            group_instance_id: instance.map(|s| s.to_string()),
            topics: vec!["t".into()],
        };
        let ms = [member("aa-1", None), member("static-z-1", Some("static-z"))];
        let a = assign(Assignor::Range, &ms, &counts(&[("t", 3)]), &Assignment::new()).unwrap();
        assert_eq!(names(&a, "static-z-1"), ["tp0", "tp1"], "{a:?}");
        // Two static members: by instance id ("a" before "a-"), whatever their member ids.
        let ms = [member("a--1", Some("a-")), member("a-9", Some("a"))];
        let a = assign(Assignor::RoundRobin, &ms, &counts(&[("t", 3)]), &Assignment::new()).unwrap();
        assert_eq!(names(&a, "a-9"), ["tp0", "tp2"], "{a:?}");
    }

    /// KAFKA-SEMANTICS.md §4: C0, C1 on t0, t1 with 3 partitions each.
    #[test]
    fn range_matches_kafkas_example() {
        let m = members(&[("C0", &["t0", "t1"]), ("C1", &["t0", "t1"])]);
        let a = assign(Assignor::Range, &m, &counts(&[("t0", 3), ("t1", 3)]), &Assignment::new()).unwrap();
        assert_eq!(names(&a, "C0"), ["t0p0", "t0p1", "t1p0", "t1p1"]);
        assert_eq!(names(&a, "C1"), ["t0p2", "t1p2"]);
    }

    #[test]
    fn roundrobin_matches_kafkas_example() {
        let m = members(&[("C0", &["t0", "t1"]), ("C1", &["t0", "t1"])]);
        let a = assign(Assignor::RoundRobin, &m, &counts(&[("t0", 3), ("t1", 3)]), &Assignment::new()).unwrap();
        assert_eq!(names(&a, "C0"), ["t0p0", "t0p2", "t1p1"]);
        assert_eq!(names(&a, "C1"), ["t0p1", "t1p0", "t1p2"]);
    }

    #[test]
    fn roundrobin_skips_members_not_subscribed() {
        let m = members(&[("A", &["t0"]), ("B", &["t0", "t1"])]);
        let a = assign(Assignor::RoundRobin, &m, &counts(&[("t0", 2), ("t1", 2)]), &Assignment::new()).unwrap();
        assert_eq!(names(&a, "A"), ["t0p0"]);
        assert_eq!(names(&a, "B"), ["t0p1", "t1p0", "t1p1"]);
    }

    #[test]
    fn sticky_keeps_what_it_can_when_a_member_joins() {
        let before = members(&[("A", &["t"]), ("B", &["t"])]);
        let p = counts(&[("t", 6)]);
        let first = assign(Assignor::Sticky, &before, &p, &Assignment::new()).unwrap();
        let after = members(&[("A", &["t"]), ("B", &["t"]), ("C", &["t"])]);
        let second = assign(Assignor::Sticky, &after, &p, &first).unwrap();
        assert!(second.values().all(|l| l.len() == 2), "{second:?}");
        let kept =
            ["A", "B"].iter().map(|m| second[*m].iter().filter(|tp| first[*m].contains(tp)).count()).sum::<usize>();
        assert_eq!(kept, 4, "only the two partitions C needs move");
    }

    #[test]
    fn cooperative_sticky_revokes_first_then_assigns() {
        let p = counts(&[("t", 4)]);
        let first = assign(Assignor::CooperativeSticky, &members(&[("A", &["t"])]), &p, &Assignment::new()).unwrap();
        assert_eq!(first["A"].len(), 4);
        let two = members(&[("A", &["t"]), ("B", &["t"])]);
        let round1 = assign(Assignor::CooperativeSticky, &two, &p, &first).unwrap();
        assert_eq!((round1["A"].len(), round1["B"].len()), (2, 0), "A gives up two; nobody gets them yet");
        let round2 = assign(Assignor::CooperativeSticky, &two, &p, &round1).unwrap();
        assert_eq!((round2["A"].len(), round2["B"].len()), (2, 2), "the follow-up rebalance hands them to B");
        assert_eq!(round2["A"], round1["A"], "A kept its two throughout");
    }

    #[test]
    fn bad_questions_get_clear_errors() {
        assert!(Assignor::parse("fair").is_err());
        let twice = members(&[("A", &["t"]), ("A", &["t"])]);
        assert!(assign(Assignor::Range, &twice, &counts(&[("t", 1)]), &Assignment::new()).is_err());
        assert!(assign(Assignor::Range, &members(&[("A", &["t"])]), &counts(&[("t", 200_000)]), &Assignment::new())
            .is_err());
    }

    fn strategy() -> impl proptest::strategy::Strategy<Value = super::Assignor> {
        prop_oneof![Just(super::Assignor::Range), Just(super::Assignor::RoundRobin), Just(super::Assignor::Sticky),]
    }

    proptest! {
        /// Every subscribed partition owned by exactly one member (one subscribed to its topic), and, for
        /// roundrobin and sticky, balance within one among members that could swap.
        #[test]
        fn every_subscribed_partition_has_exactly_one_owner(
            s in strategy(),
            subscriptions in proptest::collection::vec(proptest::collection::btree_set(0u8..3, 1..=3), 1..6),
            topic_counts in proptest::collection::vec(0u32..7, 3),
        ) {
            let m: Vec<Member> = subscriptions.iter().enumerate().map(|(i, topics)| Member {
                group_instance_id: None,
                member_id: alloc::format!("m{i}"),
                topics: topics.iter().map(|t| alloc::format!("t{t}")).collect(),
            }).collect();
            let p: VecMap<String, u32> = topic_counts.iter().enumerate().map(|(i, &c)| (alloc::format!("t{i}"), c)).collect();
            let a = assign(s, &m, &p, &Assignment::new()).unwrap();
            for (topic, &count) in &p {
                let wanted = m.iter().any(|mm| mm.topics.contains(topic));
                for q in 0..count {
                    let tp = TopicPartition::new(topic.clone(), q);
                    let owners: Vec<&String> = a.iter().filter(|(_, l)| l.contains(&tp)).map(|(id, _)| id).collect();
                    prop_assert_eq!(owners.len(), usize::from(wanted), "{} owners {:?}", tp, owners);
                    for o in owners {
                        prop_assert!(m.iter().any(|mm| &mm.member_id == o && mm.topics.contains(topic)));
                    }
                }
            }
            if s == super::Assignor::Sticky {
                for (x, lx) in &a {
                    for (y, ly) in &a {
                        let my = m.iter().find(|mm| &mm.member_id == y).unwrap();
                        if lx.len() >= ly.len() + 2 {
                            prop_assert!(lx.iter().all(|tp| !my.topics.contains(&tp.topic)), "{} could give {} one", x, y);
                        }
                    }
                }
            }
        }

        /// Sticky with a previous assignment stays valid and balanced, and a member not above the smaller
        /// share keeps everything it had.
        #[test]
        fn sticky_from_any_previous_assignment_stays_balanced(
            n_members in 1usize..5,
            count in 0u32..12,
            previous_owner in proptest::collection::vec(0usize..6, 12),
        ) {
            let m: Vec<Member> = (0..n_members).map(|i| Member { member_id: alloc::format!("m{i}"), group_instance_id: None, topics: vec!["t".into()] }).collect();
            let p = counts(&[("t", count)]);
            let mut previous = Assignment::new();
            for q in 0..count {
                previous.entry(alloc::format!("m{}", previous_owner[q as usize])).or_default().push(TopicPartition::new("t", q));
            }
            let a = assign(super::Assignor::Sticky, &m, &p, &previous).unwrap();
            let loads: Vec<usize> = a.values().map(Vec::len).collect();
            prop_assert_eq!(loads.iter().sum::<usize>(), count as usize);
            prop_assert!(loads.iter().max().unwrap_or(&0) - loads.iter().min().unwrap_or(&0) <= 1, "{:?}", loads);
            // At most the smaller share: nothing it owns has to move (members with the larger share may have to
            // give one up when too many of them have it).
            let share = count as usize / n_members;
            for (id, owned) in &previous {
                if owned.len() <= share && a.contains_key(id) {
                    prop_assert!(owned.iter().all(|tp| a[id].contains(tp)), "{} kept all of {:?}", id, owned);
                }
            }
        }
    }
}
