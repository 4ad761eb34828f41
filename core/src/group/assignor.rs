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
pub const ASSIGNOR_TOPICS_MAX: usize = 10_000;
/// Topics in one member's subscription: as many as a consumer may subscribe to (`ASSIGNED_PARTITIONS_MAX`).
pub const ASSIGNOR_SUBSCRIPTION_MAX: usize = crate::config::CLUSTER_PARTITIONS_MAX as usize;
/// Topics in all members' subscriptions together (adversary 61: 1,000 members of 20,000 topics each took
/// 10 to 21 s).
pub const ASSIGNOR_SUBSCRIPTIONS_MAX: usize = 1_000_000;

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
    /// The generation its previous partitions are from (the sticky assignors' `MemberData.generation`; -1
    /// unknown): of two members claiming one partition, the later generation keeps it.
    pub generation: i32,
}

/// Kafka's `DEFAULT_GENERATION`: a member whose generation is unknown.
pub const NO_GENERATION: i32 = -1;

/// Java's `String.compareTo` (UTF-16 code units), which Kafka's assignors sort member ids by: UTF-8 bytes
/// order characters beyond the BMP differently (adversary 39: 'Ａ' U+FF21 and '😀' U+1F600).
fn java_cmp(a: &str, b: &str) -> core::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// The order a Java `HashMap<String, _>` iterates `keys` inserted in this order: by bucket (Java's
/// `String.hashCode`, spread, masked to the table's size once they are all in, from 16 doubling past a load
/// of 0.75), colliding keys in insertion order. Kafka's sticky assignor walks its members in this order, and
/// it decides which of the members that owned more than their share keep one more (Java turns a bucket of
/// more than 8 keys into a tree, whose order Franz does not follow).
fn java_hash_map_order(keys: &[&str]) -> Vec<usize> {
    let mut capacity = 16usize;
    while keys.len() > capacity / 4 * 3 {
        capacity *= 2;
    }
    let bucket = |key: &str| {
        let hash = key.encode_utf16().fold(0u32, |h, unit| h.wrapping_mul(31).wrapping_add(u32::from(unit)));
        ((hash ^ (hash >> 16)) as usize) & (capacity - 1)
    };
    let mut order: Vec<usize> = (0..keys.len()).collect();
    crate::collect::sort_by(&mut order, |&a, &b| (bucket(keys[a]), a).cmp(&(bucket(keys[b]), b)));
    order
}

/// Kafka's `AbstractPartitionAssignor.MemberInfo` order, which range and roundrobin deal partitions in:
/// static members first, by `group.instance.id` (so that their share survives a restart, which gives them
/// a new member id), then dynamic ones by member id.
fn member_order(a: &Member, b: &Member) -> core::cmp::Ordering {
    match (&a.group_instance_id, &b.group_instance_id) {
        (Some(x), Some(y)) => java_cmp(x, y),
        (Some(_), None) => core::cmp::Ordering::Less,
        (None, Some(_)) => core::cmp::Ordering::Greater,
        (None, None) => java_cmp(&a.member_id, &b.member_id),
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
    // (Topics of no partitions cost nothing in the total, but a row each in the sticky assignor's tables of
    // members by topics: a million of them ran wasm out of memory.)
    if partitions.len() > ASSIGNOR_TOPICS_MAX {
        return Err(franz_err!(InvalidRequest, "At most {ASSIGNOR_TOPICS_MAX} topics, got {}", partitions.len()));
    }
    let total: u64 = partitions.values().map(|&c| u64::from(c)).sum();
    if total > ASSIGNOR_PARTITIONS_MAX {
        return Err(franz_err!(InvalidRequest, "At most {ASSIGNOR_PARTITIONS_MAX} partitions, got {total}"));
    }
    if let Some(m) = members.iter().find(|m| m.topics.len() > ASSIGNOR_SUBSCRIPTION_MAX) {
        let n = m.topics.len();
        return Err(franz_err!(
            InvalidRequest,
            "Member {} subscribes to {n} topics: at most {ASSIGNOR_SUBSCRIPTION_MAX}",
            m.member_id
        ));
    }
    let n: usize = members.iter().map(|m| m.topics.len()).sum();
    if n > ASSIGNOR_SUBSCRIPTIONS_MAX {
        return Err(franz_err!(
            InvalidRequest,
            "At most {ASSIGNOR_SUBSCRIPTIONS_MAX} subscribed topics in all, got {n}"
        ));
    }
    let claimed: usize = previous.values().map(Vec::len).sum();
    if claimed as u64 > ASSIGNOR_PARTITIONS_MAX {
        return Err(franz_err!(
            InvalidRequest,
            "At most {ASSIGNOR_PARTITIONS_MAX} previously owned partitions, got {claimed}"
        ));
    }
    let mut ids = VecSet::new();
    if let Some(dup) = members.iter().find(|m| !ids.insert(m.member_id.as_str())) {
        return Err(franz_err!(InvalidRequest, "Member id {} appears twice", dup.member_id));
    }
    // Each subscription sorted once, so that asking it is a binary search (adversary 60: scans made 100
    // members of 10,000 topics take 43 s).
    let members: Vec<Member> = members
        .iter()
        .map(|m| {
            let mut topics = m.topics.clone();
            crate::collect::sort(&mut topics);
            topics.dedup();
            Member { topics, ..m.clone() }
        })
        .collect();
    let in_join_order: Vec<&Member> = members.iter().collect();
    let mut members = in_join_order.clone();
    match assignor {
        Assignor::Range | Assignor::RoundRobin => crate::collect::sort_by(&mut members, |a, b| member_order(a, b)),
        Assignor::Sticky | Assignor::CooperativeSticky => {
            crate::collect::sort_by(&mut members, |a, b| java_cmp(&a.member_id, &b.member_id))
        }
    }
    let mut out: Assignment = members.iter().map(|m| (m.member_id.clone(), Vec::new())).collect();
    match assignor {
        Assignor::Range => range(&members, partitions, &mut out),
        Assignor::RoundRobin => round_robin(&members, partitions, &mut out),
        Assignor::Sticky | Assignor::CooperativeSticky => {
            let claims = owned_partitions(&in_join_order, partitions, previous);
            let same_topics = members.windows(2).all(|w| w[0].topics == w[1].topics);
            if same_topics && !members.is_empty() {
                // (Kafka's question names only the topics members subscribe to.)
                let subscribed: VecMap<String, u32> = partitions
                    .iter()
                    .filter(|(t, _)| subscribed(members[0], t))
                    .map(|(t, &c)| (t.clone(), c))
                    .collect();
                let transferring = sticky_constrained(&claims, &subscribed, &mut out);
                if assignor == Assignor::CooperativeSticky {
                    for (tp, member_id) in &transferring {
                        if let Some(list) = out.get_mut(member_id) {
                            list.retain(|p| p != tp);
                        }
                    }
                }
            } else {
                let owner = claims.owner;
                sticky(&members, partitions, &owner, &mut out);
                if assignor == Assignor::CooperativeSticky {
                    withhold_moving(previous, &mut out);
                }
            }
        }
    }
    for list in out.values_mut() {
        crate::collect::sort(list);
    }
    Ok(out)
}

/// (Its topics are sorted: `assign` sorts them first.)
fn subscribed(m: &Member, topic: &str) -> bool {
    m.topics.binary_search_by(|t| t.as_str().cmp(topic)).is_ok()
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

/// What each member may keep of what it owned, as Kafka's `AbstractStickyAssignor.allSubscriptionsEqual`
/// judges the claims: of two members claiming one partition, the later generation keeps it; two of one
/// generation both lose it (`multiple`). Members in Java's `HashMap` order (which the constrained
/// assignment walks them in).
struct Claims {
    /// Each member and what it keeps, in that order.
    kept: Vec<(String, Vec<TopicPartition>)>,
    owner: VecMap<TopicPartition, String>,
    multiple: VecSet<TopicPartition>,
}

fn owned_partitions(members: &[&Member], partitions: &VecMap<String, u32>, previous: &Assignment) -> Claims {
    let ids: Vec<&str> = members.iter().map(|m| m.member_id.as_str()).collect();
    let order = java_hash_map_order(&ids);
    let exists = |tp: &TopicPartition| partitions.get(&tp.topic).is_some_and(|&c| tp.partition < c);
    let claims = |i: usize| {
        let m: &Member = members[i];
        previous.get(&m.member_id).into_iter().flatten().filter(move |tp| exists(tp) && subscribed(m, &tp.topic))
    };
    let index_of: VecMap<&str, usize> = ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    let generation = |id: &str| index_of.get(id).map_or(NO_GENERATION, |&i| members[i].generation);
    // Each partition's claimant as the claims come, then what each keeps: what it still owns. (Taking a
    // partition from another member's list at each clash cost that list's length: adversary 60.)
    let mut owner: VecMap<TopicPartition, String> = VecMap::new();
    let mut multiple: VecSet<TopicPartition> = VecSet::new();
    for &i in &order {
        let m = members[i];
        for tp in claims(i) {
            let other_generation = owner.get(tp).map(|other| generation(other));
            if other_generation.is_some_and(|g| m.generation < g) {
                continue;
            }
            if other_generation == Some(m.generation) {
                multiple.insert(tp.clone());
            }
            owner.insert(tp.clone(), m.member_id.clone());
        }
    }
    let kept = order
        .iter()
        .map(|&i| {
            // (A partition a member names twice is among `multiple`: it clashed with itself.)
            let id = &members[i].member_id;
            let mine = claims(i).filter(|tp| owner.get(*tp) == Some(id) && !multiple.contains(*tp)).cloned();
            (id.clone(), mine.collect())
        })
        .collect();
    // A partition both members of one generation claimed is nobody's (the last claimant is only its
    // bookkeeping owner).
    for tp in multiple.iter() {
        owner.remove(tp);
    }
    Claims { kept, owner, multiple }
}

/// Kafka's `ConstrainedAssignmentBuilder` (every member subscribes to the same topics): each member keeps
/// what it owned up to its quota (its lowest partition numbers first), as many members as the remainder
/// allows keeping one more, in `HashMap` order; the rest go round-robin, in topic and partition order, to
/// the members under the minimum (by member id), then one each to those at it. Returns the partitions that
/// change owner (cooperative-sticky withholds them this round).
fn sticky_constrained(
    claims: &Claims,
    partitions: &VecMap<String, u32>,
    out: &mut Assignment,
) -> VecMap<TopicPartition, String> {
    let members = claims.kept.len();
    let total: usize = partitions.values().map(|&c| c as usize).sum();
    let (min_quota, max_quota) = (total / members, total.div_ceil(members));
    let expected_over = total % members;
    let mut current_over = 0;
    let mut under_min: Vec<String> = Vec::new();
    let mut at_min: alloc::collections::VecDeque<String> = alloc::collections::VecDeque::new();
    let mut maybe_revoked: VecMap<TopicPartition, String> = VecMap::new();
    let mut assigned: VecSet<TopicPartition> = VecSet::new();
    for (member_id, owned) in &claims.kept {
        let mut owned: Vec<TopicPartition> = owned.iter().filter(|tp| !claims.multiple.contains(tp)).cloned().collect();
        crate::collect::sort_by(&mut owned, |a, b| (a.partition, &a.topic).cmp(&(b.partition, &b.topic)));
        let keep = if owned.len() < min_quota {
            under_min.push(member_id.clone());
            owned.len()
        } else if owned.len() >= max_quota && current_over < expected_over {
            current_over += 1;
            if current_over == expected_over {
                at_min.clear();
            }
            max_quota
        } else {
            if current_over < expected_over {
                at_min.push_back(member_id.clone());
            }
            min_quota
        };
        for tp in owned.drain(keep..) {
            maybe_revoked.insert(tp, member_id.clone());
        }
        for tp in &owned {
            assigned.insert(tp.clone());
        }
        out.entry(member_id.clone()).or_default().extend(owned);
    }
    crate::collect::sort_by(&mut under_min, |a, b| java_cmp(a, b));
    let mut sorted: Vec<String> = at_min.into();
    crate::collect::sort_by(&mut sorted, |a, b| java_cmp(a, b));
    let mut at_min: alloc::collections::VecDeque<String> = sorted.into();
    let mut transferring: VecMap<TopicPartition, String> = VecMap::new();
    // Java's iterator over `under_min`: `next` is the index it returns next (a removal steps it back).
    let mut next = 0usize;
    for (topic, &count) in partitions {
        for tp in (0..count).map(|p| TopicPartition::new(topic.clone(), p)).filter(|tp| !assigned.contains(tp)) {
            let (member_id, from_under) = if next < under_min.len() {
                next += 1;
                (under_min[next - 1].clone(), true)
            } else if under_min.is_empty() {
                match at_min.pop_front() {
                    Some(m) => (m, false),
                    None => return transferring, // (Kafka throws: no member left below its quota)
                }
            } else {
                next = 1;
                (under_min[0].clone(), true)
            };
            let moves = maybe_revoked.get(&tp).is_some_and(|was| *was != member_id) || claims.multiple.contains(&tp);
            if moves {
                transferring.insert(tp.clone(), member_id.clone());
            }
            let list = out.entry(member_id.clone()).or_default();
            list.push(tp);
            if list.len() == min_quota && from_under {
                next -= 1;
                under_min.remove(next);
                at_min.push_back(member_id);
            }
        }
    }
    transferring
}

/// Sticky when members subscribe to different topics: balanced (no member has two more than another member
/// that could take one of its partitions), keeping as much of the previous assignment as that allows. (Not
/// Kafka's `GeneralAssignmentBuilder`: README, differences.) Members by index, with each one's rank in id
/// order and a table of who subscribes to which topic: by id, 1,000 members and 40,000 partitions took 20 s in
/// wasm (adversary 49).
fn sticky(
    members: &[&Member],
    partitions: &VecMap<String, u32>,
    owner: &VecMap<TopicPartition, String>,
    out: &mut Assignment,
) {
    let index_of: VecMap<&str, usize> = members.iter().enumerate().map(|(i, m)| (m.member_id.as_str(), i)).collect();
    let mut by_id: Vec<usize> = (0..members.len()).collect();
    crate::collect::sort_by(&mut by_id, |&a, &b| members[a].member_id.cmp(&members[b].member_id));
    let mut rank = alloc::vec![0; members.len()];
    for (r, &i) in by_id.iter().enumerate() {
        rank[i] = r;
    }
    let subscribes: Vec<Vec<bool>> =
        members.iter().map(|m| partitions.keys().map(|t| subscribed(m, t)).collect()).collect();
    // Each member's partitions, with their topic's index, in the order they were given.
    let mut lists: Vec<Vec<(usize, TopicPartition)>> = alloc::vec![Vec::new(); members.len()];
    // 1. Keep what each member still may own.
    for (tp, member_id) in owner {
        match (index_of.get(member_id.as_str()), partitions.index_of(tp.topic.as_str())) {
            (Some(&i), Some(t)) => lists[i].push((t, tp.clone())),
            _ => out.entry(member_id.clone()).or_default().push(tp.clone()),
        }
    }
    // 2. Give every unowned partition to the least-loaded subscribed member (ties: member id).
    for (t, (topic, &count)) in partitions.iter().enumerate() {
        let subscribers: Vec<usize> = (0..members.len()).filter(|&i| subscribes[i][t]).collect();
        for p in 0..count {
            let tp = TopicPartition::new(topic.clone(), p);
            if owner.contains_key(&tp) {
                continue;
            }
            if let Some(i) = subscribers.iter().copied().min_by_key(|&i| (lists[i].len(), rank[i])) {
                lists[i].push((t, tp));
            }
        }
    }
    // 3. Rebalance: move a partition from a member with two more than another that could take it. The most
    // loaded give first, to the least loaded: members at their fair share keep what they have. Whether one
    // could take any of another's is asked of bit sets (the topics each holds, those each subscribes to).
    let words = partitions.len().div_ceil(64);
    let bits = |topics: &mut dyn Iterator<Item = usize>| {
        let mut set = alloc::vec![0u64; words];
        topics.for_each(|t| set[t / 64] |= 1 << (t % 64));
        set
    };
    let subscribed_bits: Vec<Vec<u64>> =
        subscribes.iter().map(|row| bits(&mut row.iter().enumerate().filter(|(_, &s)| s).map(|(t, _)| t))).collect();
    let mut held = alloc::vec![alloc::vec![0u32; partitions.len()]; members.len()];
    for (i, list) in lists.iter().enumerate() {
        list.iter().for_each(|&(t, _)| held[i][t] += 1);
    }
    let mut held_bits: Vec<Vec<u64>> =
        held.iter().map(|row| bits(&mut row.iter().enumerate().filter(|(_, &n)| n > 0).map(|(t, _)| t))).collect();
    loop {
        let mut order: Vec<usize> = (0..members.len()).collect();
        crate::collect::sort_by(&mut order, |&a, &b| lists[b].len().cmp(&lists[a].len()).then(rank[a].cmp(&rank[b])));
        let mut moved = None;
        'search: for &heavy in &order {
            // The lightest first: once one is within one of the heavy member, so are the rest.
            for &light in order.iter().rev().take_while(|&&light| lists[heavy].len() >= lists[light].len() + 2) {
                if held_bits[heavy].iter().zip(&subscribed_bits[light]).all(|(h, s)| h & s == 0) {
                    continue;
                }
                if let Some(index) = lists[heavy].iter().rposition(|(t, _)| subscribes[light][*t]) {
                    moved = Some((heavy, index, light));
                    break 'search;
                }
            }
        }
        let Some((heavy, index, light)) = moved else { break };
        let (t, tp) = lists[heavy].remove(index);
        held[heavy][t] -= 1;
        if held[heavy][t] == 0 {
            held_bits[heavy][t / 64] &= !(1 << (t % 64));
        }
        held[light][t] += 1;
        held_bits[light][t / 64] |= 1 << (t % 64);
        lists[light].push((t, tp));
    }
    for (m, list) in members.iter().zip(lists) {
        out.entry(m.member_id.clone()).or_default().extend(list.into_iter().map(|(_, tp)| tp));
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

    /// The sticky assignment of different subscriptions as it was first written (by member id), which
    /// [`sticky`] must give exactly.
    /// Sticky when members subscribe to different topics: balanced (no member has two more than another member
    /// that could take one of its partitions), keeping as much of the previous assignment as that allows. (Not
    /// Kafka's `GeneralAssignmentBuilder`: README, differences.)
    fn sticky_by_id(
        members: &[&Member],
        partitions: &VecMap<String, u32>,
        owner: &VecMap<TopicPartition, String>,
        out: &mut Assignment,
    ) {
        let by_id: VecMap<&str, &Member> = members.iter().map(|m| (m.member_id.as_str(), *m)).collect();
        // 1. Keep what each member still may own.
        for (tp, member_id) in owner {
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
                    let movable =
                        out.get(heavy).and_then(|l| l.iter().rposition(|tp| subscribed(light_member, &tp.topic)));
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

    fn members(list: &[(&str, &[&str])]) -> Vec<Member> {
        list.iter()
            .map(|(id, topics)| Member {
                group_instance_id: None,
                member_id: id.to_string(),
                topics: topics.iter().map(|t| t.to_string()).collect(),
                generation: NO_GENERATION,
            })
            .collect()
    }

    fn counts(list: &[(&str, u32)]) -> VecMap<String, u32> {
        list.iter().map(|(t, c)| (t.to_string(), *c)).collect()
    }

    fn names(a: &Assignment, member: &str) -> Vec<String> {
        a[member].iter().map(|tp| alloc::format!("{}p{}", tp.topic, tp.partition)).collect()
    }

    /// Topics of no partitions are bounded too: a million of them ran the sticky assignor's tables out of
    /// wasm memory (an adversary).
    #[test]
    fn more_topics_than_franz_takes_are_refused() {
        let members = members(&[("a", &["t0"]), ("b", &["t1"])]);
        let mut partitions: VecMap<String, u32> = (0..=ASSIGNOR_TOPICS_MAX).map(|i| (format!("t{i}"), 0)).collect();
        let refused = assign(Assignor::Sticky, &members, &partitions, &Assignment::new()).unwrap_err();
        assert_eq!(refused.code, crate::error::ErrorCode::InvalidRequest);
        partitions.remove(&String::from("t10000"));
        assert!(assign(Assignor::Sticky, &members, &partitions, &Assignment::new()).is_ok());
    }

    /// Adversary 60: 100 members subscribing to 10,000 topics took 43 s (each subscription scanned for each
    /// topic), and claims scanned the claimant's list at each clash. Subscriptions in any order, a clash on
    /// every partition: each assignor deals every partition once, evenly; longer lists are refused.
    #[test]
    fn long_subscriptions_and_claims_cost_their_length_and_are_bounded() {
        let topics: Vec<String> = (0..ASSIGNOR_TOPICS_MAX).map(|i| format!("t{i}")).collect();
        let partitions: VecMap<String, u32> = topics.iter().map(|t| (t.clone(), 1)).collect();
        let members: Vec<Member> = (0..100)
            .map(|i| Member {
                member_id: format!("m{i:03}"),
                group_instance_id: None,
                topics: if i % 2 == 0 { topics.clone() } else { topics.iter().rev().cloned().collect() },
                generation: 1,
            })
            .collect();
        let everything: Vec<TopicPartition> = topics.iter().map(|t| TopicPartition::new(t.clone(), 0)).collect();
        let previous: Assignment = members.iter().take(10).map(|m| (m.member_id.clone(), everything.clone())).collect();
        for assignor in [Assignor::Range, Assignor::RoundRobin, Assignor::Sticky, Assignor::CooperativeSticky] {
            let out = assign(assignor, &members, &partitions, &previous).unwrap();
            let mut dealt: Vec<&TopicPartition> = out.values().flatten().collect();
            dealt.sort();
            dealt.dedup();
            if assignor == Assignor::CooperativeSticky {
                // Kafka's rule: a partition two members of one generation claimed changes hands only after
                // the follow-up rebalance.
                assert!(dealt.is_empty(), "{assignor:?}: every partition clashed, so each is withheld");
                continue;
            }
            assert_eq!(dealt.len(), ASSIGNOR_TOPICS_MAX, "{assignor:?}: each partition once");
            if assignor != Assignor::Range {
                assert!(out.values().all(|l| l.len() == 100), "{assignor:?}: evenly");
            }
        }
        let mut long = members[..2].to_vec();
        long[0].topics = (0..=ASSIGNOR_SUBSCRIPTION_MAX).map(|i| format!("t{i}")).collect();
        let refused = assign(Assignor::Range, &long, &partitions, &Assignment::new()).unwrap_err();
        assert!(refused.message.contains("subscribes to 20001 topics"), "{}", refused.message);
        let many: Vec<Member> = (0..101).map(|i| Member { member_id: format!("m{i}"), ..members[0].clone() }).collect();
        let refused = assign(Assignor::Range, &many, &partitions, &Assignment::new()).unwrap_err();
        assert!(refused.message.contains("subscribed topics in all, got 1010000"), "{}", refused.message);
        let previous: Assignment = members.iter().take(11).map(|m| (m.member_id.clone(), everything.clone())).collect();
        let refused = assign(Assignor::Sticky, &members, &partitions, &previous).unwrap_err();
        assert!(refused.message.contains("previously owned partitions, got 110000"), "{}", refused.message);
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
            generation: NO_GENERATION,
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

    /// Adversary 39, each checked against Kafka's `ConstrainedAssignmentBuilder` (a port of it agreed with
    /// this one on 8,000 random questions with previous owners and generations).
    #[test]
    fn sticky_with_one_subscription_is_kafkas_constrained_assignment() {
        let tp = |t: &str, p: u32| TopicPartition::new(t.to_string(), p);
        let owning = |list: &[(&str, &[(&str, u32)])]| -> Assignment {
            list.iter().map(|(m, tps)| (m.to_string(), tps.iter().map(|&(t, p)| tp(t, p)).collect())).collect()
        };
        // A member keeps its lowest partition numbers (then topics), not its first-listed ones.
        let two_topics = members(&[("A", &["t0", "t1"]), ("B", &["t0", "t1"])]);
        let a_owned = owning(&[("A", &[("t0", 0), ("t0", 1), ("t1", 0), ("t1", 1)])]);
        let out = assign(Assignor::Sticky, &two_topics, &counts(&[("t0", 2), ("t1", 2)]), &a_owned).unwrap();
        assert_eq!(
            (names(&out, "A"), names(&out, "B")),
            (vec!["t0p0".into(), "t1p0".into()], vec!["t0p1".into(), "t1p1".into()])
        );
        // The extra partition goes to a member already at the minimum that kept what it owned (C), from the
        // head of that list.
        let three = members(&[("A", &["t"]), ("B", &["t"]), ("C", &["t"])]);
        let out = assign(Assignor::Sticky, &three, &counts(&[("t", 5)]), &owning(&[("C", &[("t", 0)])])).unwrap();
        assert_eq!(
            [names(&out, "A"), names(&out, "B"), names(&out, "C")],
            [vec!["tp1", "tp4"], vec!["tp2"], vec!["tp0", "tp3"]]
        );
        // Two members of one generation claiming a partition both lose it (cooperative: it moves, so it is
        // withheld this round); of two generations, the later keeps it.
        let mut two = members(&[("A", &["t"]), ("B", &["t"])]);
        let both = owning(&[("A", &[("t", 0), ("t", 1)]), ("B", &[("t", 1)])]);
        let out = assign(Assignor::CooperativeSticky, &two, &counts(&[("t", 2)]), &both).unwrap();
        assert_eq!((names(&out, "A"), names(&out, "B")), (vec!["tp0".into()], vec![]));
        two[1].generation = 3;
        let out = assign(Assignor::CooperativeSticky, &two, &counts(&[("t", 2)]), &both).unwrap();
        assert_eq!((names(&out, "A"), names(&out, "B")), (vec!["tp0".into()], vec!["tp1".into()]));
        // Member ids in Java's order (UTF-16 code units): '😀' (U+1F600) before 'Ａ' (U+FF21), in every assignor.
        let ids = members(&[("Ａ", &["t"]), ("😀", &["t"])]);
        for (assignor, first) in [
            (Assignor::Range, vec!["tp0", "tp1"]),
            (Assignor::RoundRobin, vec!["tp0", "tp2"]),
            (Assignor::Sticky, vec!["tp0", "tp2"]),
        ] {
            assert_eq!(
                names(&assign(assignor, &ids, &counts(&[("t", 3)]), &Assignment::new()).unwrap(), "😀"),
                first,
                "{assignor:?}"
            );
        }
    }

    #[test]
    fn java_hash_map_order_is_javas() {
        // Java: new HashMap<>() with "b", "a", "c" put in that order iterates a, b, c (hashes 98, 97, 99);
        // "Aa" and "BB" collide (2112), so they keep their insertion order.
        assert_eq!(java_hash_map_order(&["b", "a", "c"]), [1, 0, 2]);
        assert_eq!(java_hash_map_order(&["BB", "Aa"]), [0, 1]);
        assert_eq!(java_hash_map_order(&["Aa", "BB"]), [0, 1]);
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
        /// The sticky assignment of different subscriptions by index gives exactly what it gave by member id,
        /// previous owners (subscribed or not, members or not) and all.
        #[test]
        fn sticky_by_index_is_sticky_by_id(
            subscriptions in proptest::collection::vec(proptest::collection::btree_set(0u8..4, 1..=4), 1..9),
            topic_counts in proptest::collection::vec(0u32..9, 4),
            owners in proptest::collection::vec((0u8..4, 0u32..9, 0usize..10), 0..24),
        ) {
            let m: Vec<Member> = subscriptions.iter().enumerate().map(|(i, topics)| Member {
                group_instance_id: None,
                member_id: alloc::format!("m{}", (i * 7) % 9),
                topics: topics.iter().map(|t| alloc::format!("t{t}")).collect(),
                generation: NO_GENERATION,
            }).collect();
            let mut ids = VecSet::new();
            prop_assume!(m.iter().all(|x| ids.insert(x.member_id.clone())));
            let p: VecMap<String, u32> = topic_counts.iter().enumerate().map(|(i, &c)| (alloc::format!("t{i}"), c)).collect();
            let owner: VecMap<TopicPartition, String> = owners
                .iter()
                .filter(|(t, q, _)| *q < topic_counts[usize::from(*t)])
                .map(|(t, q, who)| (TopicPartition::new(alloc::format!("t{t}"), *q), alloc::format!("m{who}")))
                .collect();
            let mut sorted: Vec<&Member> = m.iter().collect();
            crate::collect::sort_by(&mut sorted, |a, b| java_cmp(&a.member_id, &b.member_id));
            let empty = || -> Assignment { sorted.iter().map(|x| (x.member_id.clone(), Vec::new())).collect() };
            let (mut by_index, mut by_id) = (empty(), empty());
            sticky(&sorted, &p, &owner, &mut by_index);
            sticky_by_id(&sorted, &p, &owner, &mut by_id);
            prop_assert_eq!(by_index, by_id);
        }

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
                generation: NO_GENERATION,
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
            let m: Vec<Member> = (0..n_members).map(|i| Member { member_id: alloc::format!("m{i}"), group_instance_id: None, topics: vec!["t".into()], generation: NO_GENERATION }).collect();
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
