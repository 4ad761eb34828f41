//! Raft, as the controller quorum's replication: terms, randomized election timeouts (from the seeded RNG),
//! the vote rules, log replication with the consistency check, the commit index, and followers truncating
//! to the leader. Sans-IO like every actor: messages in, messages and timers out.
//!
//! Kept to the algorithm of the Raft paper (§5), with KRaft's numbers: election timeout 1000 ms plus a
//! random part, a leader that steps down when it has not heard from a majority within the fetch timeout
//! (2000 ms), and heartbeats (empty AppendEntries) well inside the election timeout.

use crate::vec_map::VecMap;
use alloc::vec::Vec;
use rand_core::RngCore;
use rand_pcg::Pcg32;

use crate::protocol::message::Outbox;
pub use crate::protocol::raft::{Entry, LogIndex, RaftMessage, Term};
use crate::types::NodeId;

/// Kafka's `controller.quorum.election.timeout.ms`.
pub const ELECTION_TIMEOUT_MS: u64 = 1_000;
/// Kafka's `controller.quorum.fetch.timeout.ms`: a leader that hears from no majority this long steps down.
pub const FETCH_TIMEOUT_MS: u64 = 2_000;
/// How often a leader sends AppendEntries even with nothing new.
pub const HEARTBEAT_INTERVAL_MS: u64 = 500;
/// Franz's bound on entries in one AppendEntries.
pub const ENTRIES_PER_APPEND_MAX: usize = 256;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Follower,
    /// KIP-996: asking for pre-votes before becoming a candidate.
    Prospective,
    Candidate,
    Leader,
}

/// Survives a crash: Raft's persistent state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RaftDisk<E> {
    pub term: Term,
    pub voted_for: Option<NodeId>,
    pub log: Vec<Entry<E>>,
}

#[derive(Clone, Debug)]
pub struct RaftNode<E> {
    id: NodeId,
    voters: Vec<NodeId>,
    disk: RaftDisk<E>,
    role: Role,
    leader: Option<NodeId>,
    commit_index: LogIndex,
    rng: Pcg32,
    /// Follower/candidate: when to start an election. Leader: when to send heartbeats.
    deadline_ms: u64,
    votes: Vec<NodeId>,
    next_index: VecMap<NodeId, LogIndex>,
    match_index: VecMap<NodeId, LogIndex>,
    /// Leader: the last index the latest append to each follower carried. While its answer is awaited, new
    /// entries wait for it, one append in flight per follower, as a KRaft follower's next fetch waits for its
    /// last: an append per proposal and another per answer made chains that grew with each proposal (a restarted
    /// broker's 2,000 ISR changes made 65,000 appends, adversary 56). A lost one is sent again by the heartbeat.
    sent_through: VecMap<NodeId, LogIndex>,
    /// Leader: when each follower last answered, for stepping down without a majority.
    last_heard_ms: VecMap<NodeId, u64>,
    /// When a current leader was last heard from (a follower refuses pre-votes while it has one).
    leader_heard_ms: Option<u64>,
    became_leader_ms: u64,
}

impl<E: Clone> RaftNode<E> {
    /// A node starting (or restarting) from its disk; it begins as a follower with a fresh election timer.
    pub fn new(id: NodeId, voters: Vec<NodeId>, disk: RaftDisk<E>, rng: Pcg32, now_ms: u64) -> RaftNode<E> {
        let mut node = RaftNode {
            id,
            voters,
            disk,
            role: Role::Follower,
            leader: None,
            commit_index: 0,
            rng,
            deadline_ms: 0,
            votes: Vec::new(),
            next_index: VecMap::new(),
            match_index: VecMap::new(),
            sent_through: VecMap::new(),
            last_heard_ms: VecMap::new(),
            leader_heard_ms: None,
            became_leader_ms: 0,
        };
        node.reset_election_timer(now_ms);
        node
    }

    pub fn id(&self) -> NodeId {
        self.id
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn term(&self) -> Term {
        self.disk.term
    }

    pub fn leader(&self) -> Option<NodeId> {
        self.leader
    }

    pub fn commit_index(&self) -> LogIndex {
        self.commit_index
    }

    pub fn disk(&self) -> &RaftDisk<E> {
        &self.disk
    }

    pub fn last_log_index(&self) -> LogIndex {
        self.disk.log.len() as LogIndex
    }

    fn term_at(&self, index: LogIndex) -> Term {
        if index == 0 {
            0
        } else {
            self.disk.log.get(index as usize - 1).map_or(0, |e| e.term)
        }
    }

    fn last_log_term(&self) -> Term {
        self.term_at(self.last_log_index())
    }

    /// The term of the entry at `index` (0 before the first or past the end).
    pub fn entry_term(&self, index: LogIndex) -> Term {
        self.term_at(index)
    }

    /// Entries from index `from` (1-based) to the end of the log, committed or not.
    pub fn entries_from(&self, from: LogIndex) -> &[Entry<E>] {
        let start = (from.max(1) as usize - 1).min(self.disk.log.len());
        &self.disk.log[start..]
    }

    /// Committed entries, from index 1.
    pub fn committed(&self) -> &[Entry<E>] {
        &self.disk.log[..self.commit_index as usize]
    }

    fn majority(&self) -> usize {
        self.voters.len() / 2 + 1
    }

    fn others(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.voters.iter().copied().filter(move |&v| v != self.id)
    }

    fn reset_election_timer(&mut self, now_ms: u64) {
        let jitter = u64::from(self.rng.next_u32()) % ELECTION_TIMEOUT_MS;
        self.deadline_ms = now_ms + ELECTION_TIMEOUT_MS + jitter;
    }

    fn become_follower(&mut self, now_ms: u64, term: Term, leader: Option<NodeId>) {
        if term > self.disk.term {
            self.disk.term = term;
            self.disk.voted_for = None;
        }
        self.role = Role::Follower;
        self.leader = leader;
        self.votes.clear();
        self.reset_election_timer(now_ms);
    }

    /// The leader adds entries to replicate; returns the index of the last, or `None` if this node is not
    /// the leader.
    pub fn propose(&mut self, now_ms: u64, payloads: Vec<E>, out: &mut Outbox<RaftMessage<E>>) -> Option<LogIndex> {
        if self.role != Role::Leader {
            return None;
        }
        let term = self.disk.term;
        self.disk.log.extend(payloads.into_iter().map(|payload| Entry { term, payload: Some(payload) }));
        let index = self.last_log_index();
        self.match_index.insert(self.id, index);
        self.advance_commit();
        self.broadcast_append(now_ms, false, out);
        Some(index)
    }

    pub fn next_timer_ms(&self) -> Option<u64> {
        Some(self.deadline_ms)
    }

    pub fn on_timer(&mut self, now_ms: u64, out: &mut Outbox<RaftMessage<E>>) {
        if now_ms < self.deadline_ms {
            return;
        }
        match self.role {
            Role::Leader => {
                let heard = self
                    .others()
                    .filter(|v| self.last_heard_ms.get(v).is_some_and(|&t| now_ms.saturating_sub(t) < FETCH_TIMEOUT_MS))
                    .count()
                    + 1;
                let settled = now_ms.saturating_sub(self.became_leader_ms) >= FETCH_TIMEOUT_MS;
                if settled && heard < self.majority() {
                    self.become_follower(now_ms, self.disk.term, None); // lost the quorum: step down
                } else {
                    self.broadcast_append(now_ms, true, out);
                }
            }
            Role::Follower | Role::Prospective | Role::Candidate => self.start_pre_vote(now_ms, out),
        }
    }

    /// KIP-996: before a real election, ask whether a majority would vote for this node at the next term.
    fn start_pre_vote(&mut self, now_ms: u64, out: &mut Outbox<RaftMessage<E>>) {
        self.role = Role::Prospective;
        self.leader = None;
        self.votes = alloc::vec![self.id];
        self.reset_election_timer(now_ms);
        if self.votes.len() >= self.majority() {
            return self.start_election(now_ms, out);
        }
        let (term, last_log_index, last_log_term) = (self.disk.term + 1, self.last_log_index(), self.last_log_term());
        let others: Vec<NodeId> = self.others().collect();
        for v in others {
            out.send(v, RaftMessage::RequestVote { term, last_log_index, last_log_term, pre_vote: true });
        }
    }

    fn start_election(&mut self, now_ms: u64, out: &mut Outbox<RaftMessage<E>>) {
        self.disk.term += 1;
        self.disk.voted_for = Some(self.id);
        self.role = Role::Candidate;
        self.leader = None;
        self.votes = alloc::vec![self.id];
        self.reset_election_timer(now_ms);
        if self.votes.len() >= self.majority() {
            self.become_leader(now_ms, out);
            return;
        }
        let (term, last_log_index, last_log_term) = (self.disk.term, self.last_log_index(), self.last_log_term());
        let others: Vec<NodeId> = self.others().collect();
        for v in others {
            out.send(v, RaftMessage::RequestVote { term, last_log_index, last_log_term, pre_vote: false });
        }
    }

    fn become_leader(&mut self, now_ms: u64, out: &mut Outbox<RaftMessage<E>>) {
        self.role = Role::Leader;
        self.leader = Some(self.id);
        self.became_leader_ms = now_ms;
        let next = self.last_log_index() + 1;
        let voters = self.voters.clone();
        self.next_index = voters.iter().map(|&v| (v, next)).collect();
        self.match_index = voters.iter().map(|&v| (v, 0)).collect();
        self.sent_through = VecMap::new();
        self.match_index.insert(self.id, self.last_log_index());
        self.last_heard_ms.clear();
        self.disk.log.push(Entry { term: self.disk.term, payload: None });
        self.match_index.insert(self.id, self.last_log_index());
        self.advance_commit();
        self.broadcast_append(now_ms, true, out);
    }

    /// An append to every follower (`all`: a heartbeat, or a new leader's first), or to those with none in
    /// flight (new entries). The heartbeat is due an interval after the last append that reached every one.
    fn broadcast_append(&mut self, now_ms: u64, all: bool, out: &mut Outbox<RaftMessage<E>>) {
        let others: Vec<NodeId> = self.others().collect();
        let mut every_one = true;
        for v in others {
            if all || !self.append_in_flight(v) {
                self.send_append(v, out);
            } else {
                every_one = false;
            }
        }
        if every_one {
            self.deadline_ms = now_ms + HEARTBEAT_INTERVAL_MS;
        }
    }

    /// Whether an append to `to` carried entries it has not acknowledged yet.
    fn append_in_flight(&self, to: NodeId) -> bool {
        let matched = self.match_index.get(&to).copied().unwrap_or(0);
        self.sent_through.get(&to).is_some_and(|&sent| sent > matched)
    }

    fn send_append(&mut self, to: NodeId, out: &mut Outbox<RaftMessage<E>>) {
        let next = self.next_index.get(&to).copied().unwrap_or(1).max(1);
        let prev_log_index = next - 1;
        let prev_log_term = self.term_at(prev_log_index);
        let entries: Vec<Entry<E>> =
            self.disk.log.iter().skip(prev_log_index as usize).take(ENTRIES_PER_APPEND_MAX).cloned().collect();
        self.sent_through.insert(to, prev_log_index + entries.len() as LogIndex);
        let message = RaftMessage::AppendEntries {
            term: self.disk.term,
            prev_log_index,
            prev_log_term,
            entries,
            leader_commit: self.commit_index,
        };
        out.send(to, message);
    }

    /// The leader commits an index once a majority has it and it is from the current term (§5.4.2).
    fn advance_commit(&mut self) {
        let mut matched: Vec<LogIndex> =
            self.voters.iter().map(|v| self.match_index.get(v).copied().unwrap_or(0)).collect();
        // The majority-th highest.
        crate::collect::sort(&mut matched);
        let candidate = matched.len().checked_sub(self.majority()).map_or(0, |i| matched[i]);
        if candidate > self.commit_index && self.term_at(candidate) == self.disk.term {
            assert!(candidate <= self.last_log_index(), "a leader commits only what it has");
            self.commit_index = candidate;
        }
    }

    pub fn on_message(&mut self, now_ms: u64, from: NodeId, message: RaftMessage<E>, out: &mut Outbox<RaftMessage<E>>) {
        if !self.voters.contains(&from) {
            return;
        }
        // Pre-vote requests and granted pre-votes name a term nobody is in yet: they move no term.
        let hypothetical = matches!(
            message,
            RaftMessage::RequestVote { pre_vote: true, .. }
                | RaftMessage::VoteResponse { pre_vote: true, granted: true, .. }
        );
        if !hypothetical && message.term() > self.disk.term {
            let leader = matches!(message, RaftMessage::AppendEntries { .. }).then_some(from);
            self.become_follower(now_ms, message.term(), leader);
        }
        let term = self.disk.term;
        match message {
            RaftMessage::RequestVote { term: t, last_log_index, last_log_term, pre_vote: true } => {
                let up_to_date = (last_log_term, last_log_index) >= (self.last_log_term(), self.last_log_index());
                // A follower that hears from its leader refuses: the quorum works, no election is needed.
                let leader_alive = self.role == Role::Leader
                    || (self.leader.is_some()
                        && self.leader_heard_ms.is_some_and(|h| now_ms.saturating_sub(h) < ELECTION_TIMEOUT_MS));
                let granted = t > term && up_to_date && !leader_alive;
                let answer_term = if granted { t } else { term };
                out.send(from, RaftMessage::VoteResponse { term: answer_term, granted, pre_vote: true });
            }
            RaftMessage::RequestVote { term: t, last_log_index, last_log_term, pre_vote: false } => {
                let up_to_date = (last_log_term, last_log_index) >= (self.last_log_term(), self.last_log_index());
                let granted = t == term && up_to_date && self.disk.voted_for.is_none_or(|v| v == from);
                if granted {
                    self.disk.voted_for = Some(from);
                    self.reset_election_timer(now_ms);
                }
                out.send(from, RaftMessage::VoteResponse { term, granted, pre_vote: false });
            }
            RaftMessage::VoteResponse { term: t, granted, pre_vote: true } => {
                if self.role == Role::Prospective && t == term + 1 && granted && !self.votes.contains(&from) {
                    self.votes.push(from);
                    if self.votes.len() >= self.majority() {
                        self.start_election(now_ms, out);
                    }
                }
            }
            RaftMessage::VoteResponse { term: t, granted, pre_vote: false } => {
                if self.role == Role::Candidate && t == term && granted && !self.votes.contains(&from) {
                    self.votes.push(from);
                    if self.votes.len() >= self.majority() {
                        self.become_leader(now_ms, out);
                    }
                }
            }
            RaftMessage::AppendEntries { term: t, prev_log_index, prev_log_term, entries, leader_commit } => {
                if t < term {
                    out.send(from, RaftMessage::AppendResponse { term, success: false, match_index: 0 });
                    return;
                }
                // A current-term AppendEntries: `from` is the leader.
                self.role = Role::Follower;
                self.leader = Some(from);
                self.leader_heard_ms = Some(now_ms);
                self.reset_election_timer(now_ms);
                if prev_log_index > self.last_log_index() || self.term_at(prev_log_index) != prev_log_term {
                    let hint = prev_log_index.saturating_sub(1).min(self.last_log_index());
                    out.send(from, RaftMessage::AppendResponse { term, success: false, match_index: hint });
                    return;
                }
                let mut index = prev_log_index;
                for entry in entries {
                    index += 1;
                    if self.term_at(index) != entry.term || index > self.last_log_index() {
                        // A conflict (or the end): drop our suffix, take the leader's (§5.3).
                        assert!(index > self.commit_index, "a follower never truncates a committed entry");
                        self.disk.log.truncate(index as usize - 1);
                        self.disk.log.push(entry);
                    }
                }
                // Never backwards: a stale AppendEntries may carry an older leader_commit.
                self.commit_index = self.commit_index.max(leader_commit.min(index));
                out.send(from, RaftMessage::AppendResponse { term, success: true, match_index: index });
            }
            RaftMessage::AppendResponse { term: t, success, match_index } => {
                if self.role != Role::Leader || t != term {
                    return;
                }
                self.last_heard_ms.insert(from, now_ms);
                if success {
                    let known = self.match_index.get(&from).copied().unwrap_or(0);
                    self.match_index.insert(from, known.max(match_index));
                    self.next_index.insert(from, known.max(match_index) + 1);
                    self.advance_commit();
                    // More to send, once the latest append's answer came (an older one's: the latest's will).
                    let matched = known.max(match_index);
                    if matched < self.last_log_index() && !self.append_in_flight(from) {
                        self.send_append(from, out);
                    }
                } else {
                    let next = self.next_index.get(&from).copied().unwrap_or(1);
                    let matched = self.match_index.get(&from).copied().unwrap_or(0);
                    // Back off, but never below what the follower is known to hold (a stale rejection).
                    self.next_index.insert(from, (match_index + 1).min(next.saturating_sub(1)).max(matched + 1).max(1));
                    self.send_append(from, out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream_rng, Stream};
    use alloc::collections::BTreeSet;

    /// A little world for Raft alone: nodes, a message queue with random delays and drops, crashes and
    /// partitions from a seeded RNG; invariants checked after every event.
    struct Harness {
        nodes: VecMap<NodeId, Option<RaftNode<u64>>>,
        disks: VecMap<NodeId, RaftDisk<u64>>,
        queue: Vec<(u64, u64, NodeId, NodeId, RaftMessage<u64>)>,
        seq: u64,
        now_ms: u64,
        rng: Pcg32,
        cut: BTreeSet<NodeId>,
        drop_rate: u32,
        leaders_by_term: VecMap<Term, NodeId>,
        committed: Vec<Entry<u64>>,
        next_payload: u64,
    }

    impl Harness {
        fn new(n: i32, seed: u64) -> Harness {
            let voters: Vec<NodeId> = (1001..1001 + n).collect();
            let disk = RaftDisk { term: 0, voted_for: None, log: Vec::new() };
            let nodes = voters
                .iter()
                .map(|&id| {
                    (id, Some(RaftNode::new(id, voters.clone(), disk.clone(), stream_rng(seed, Stream::Actor(id)), 0)))
                })
                .collect();
            Harness {
                nodes,
                disks: VecMap::new(),
                queue: Vec::new(),
                seq: 0,
                now_ms: 0,
                rng: stream_rng(seed, Stream::Faults),
                cut: BTreeSet::new(),
                drop_rate: 0,
                leaders_by_term: VecMap::new(),
                committed: Vec::new(),
                next_payload: 1,
            }
        }

        fn send(&mut self, from: NodeId, mut out: Outbox<RaftMessage<u64>>) {
            for (to, m) in out.take_messages() {
                let lost =
                    self.cut.contains(&from) != self.cut.contains(&to) || self.rng.next_u32() % 100 < self.drop_rate;
                if !lost {
                    let at = self.now_ms + 1 + u64::from(self.rng.next_u32() % 20);
                    self.seq += 1;
                    self.queue.push((at, self.seq, from, to, m));
                }
            }
        }

        /// Runs until `until_ms`: deliveries and timers in time order.
        fn run_until(&mut self, until_ms: u64) {
            loop {
                let next_msg = self.queue.iter().map(|q| (q.0, q.1)).min();
                let next_timer =
                    self.nodes.iter().filter_map(|(&id, n)| Some((n.as_ref()?.next_timer_ms()?, id))).min();
                let msg_time = next_msg.map_or(u64::MAX, |m| m.0);
                let timer_time = next_timer.map_or(u64::MAX, |t| t.0);
                if msg_time.min(timer_time) > until_ms {
                    self.now_ms = until_ms;
                    return;
                }
                let mut out = Outbox::default();
                let from;
                if msg_time <= timer_time {
                    let i = self.queue.iter().position(|q| (q.0, q.1) == next_msg.unwrap_or_default()).unwrap_or(0);
                    let (at, _, sender, to, m) = self.queue.swap_remove(i);
                    self.now_ms = at;
                    from = to;
                    if let Some(Some(node)) = self.nodes.get_mut(&to) {
                        node.on_message(at, sender, m, &mut out);
                    }
                } else {
                    let (at, id) = next_timer.unwrap_or_default();
                    self.now_ms = at;
                    from = id;
                    if let Some(Some(node)) = self.nodes.get_mut(&id) {
                        node.on_timer(at, &mut out);
                    }
                }
                self.send(from, out);
                self.check();
            }
        }

        /// Committed proposals (without the leaders' own entries).
        fn committed_payloads(&self) -> usize {
            self.committed.iter().filter(|e| e.payload.is_some()).count()
        }

        fn leader(&self) -> Option<NodeId> {
            self.nodes
                .iter()
                .filter_map(|(&id, n)| n.as_ref().filter(|n| n.role() == Role::Leader).map(|_| id))
                .max_by_key(|&id| self.nodes[&id].as_ref().map_or(0, |n| n.term()))
        }

        fn propose(&mut self) {
            let Some(id) = self.leader() else { return };
            let payload = self.next_payload;
            self.next_payload += 1;
            let mut out = Outbox::default();
            if let Some(Some(node)) = self.nodes.get_mut(&id) {
                node.propose(self.now_ms, alloc::vec![payload], &mut out);
            }
            self.send(id, out);
        }

        fn crash(&mut self, id: NodeId) {
            if let Some(slot) = self.nodes.get_mut(&id) {
                if let Some(node) = slot.take() {
                    self.disks.insert(id, node.disk().clone());
                }
            }
        }

        fn restart(&mut self, id: NodeId, seed: u64) {
            let all: Vec<NodeId> = self.nodes.keys().copied().collect();
            if let (Some(slot), Some(disk)) = (self.nodes.get_mut(&id), self.disks.remove(&id)) {
                *slot =
                    Some(RaftNode::new(id, all, disk, stream_rng(seed ^ self.now_ms, Stream::Actor(id)), self.now_ms));
            }
        }

        /// Election safety, log matching and committed entries never lost, after every event.
        fn check(&mut self) {
            for (&id, node) in &self.nodes {
                let Some(node) = node else { continue };
                if node.role() == Role::Leader {
                    let previous = *self.leaders_by_term.entry(node.term()).or_insert(id);
                    assert_eq!(previous, id, "two leaders in term {}", node.term());
                }
                let committed = node.committed();
                let common = committed.len().min(self.committed.len());
                assert_eq!(committed[..common], self.committed[..common], "node {id} disagrees on a committed entry");
                if committed.len() > self.committed.len() {
                    self.committed = committed.to_vec();
                }
            }
            let logs: Vec<&Vec<Entry<u64>>> = self.nodes.values().flatten().map(|n| &n.disk().log).collect();
            for (i, a) in logs.iter().enumerate() {
                for b in &logs[i + 1..] {
                    // Log matching: same index and term ⇒ same prefix.
                    if let Some(last) = (0..a.len().min(b.len())).rev().find(|&k| a[k].term == b[k].term) {
                        assert_eq!(a[..=last], b[..=last], "logs match up to an index with the same term");
                    }
                }
            }
        }
    }

    /// Raft §5.4.2 (the paper's Figure 8; KRaft's `LeaderState` moves its HW only past its epoch start): a
    /// leader never commits an earlier term's entry by counting its replicas, which a later leader could
    /// still overwrite; it commits it with the first entry of its own term a majority holds.
    #[test]
    fn a_leader_never_commits_an_earlier_terms_entry_by_counting_its_replicas() {
        let log = alloc::vec![Entry { term: 1, payload: Some(1u64) }, Entry { term: 2, payload: Some(2) }];
        let disk = RaftDisk { term: 3, voted_for: Some(1), log };
        let mut node = RaftNode::new(1, alloc::vec![1, 2, 3], disk, stream_rng(7, Stream::Actor(1)), 0);
        let mut out = Outbox::default();
        node.become_leader(0, &mut out); // its own term's no-op at index 3
        node.on_message(1, 2, RaftMessage::AppendResponse { term: 3, success: true, match_index: 2 }, &mut out);
        assert_eq!(node.commit_index(), 0, "index 2 is on a majority, but of term 2");
        node.on_message(2, 2, RaftMessage::AppendResponse { term: 3, success: true, match_index: 3 }, &mut out);
        assert_eq!(node.commit_index(), 3, "the no-op of term 3 commits, and everything before it");
    }

    #[test]
    fn a_leader_emerges_and_entries_commit_on_every_node() {
        let mut h = Harness::new(3, 1);
        h.run_until(3_000);
        let leader = h.leader().expect("a leader within 3 s");
        for _ in 0..5 {
            h.propose();
        }
        h.run_until(4_000);
        assert_eq!(h.committed_payloads(), 5);
        let committed = h.committed.len() as LogIndex;
        for node in h.nodes.values().flatten() {
            assert_eq!(node.commit_index(), committed, "node {} caught up", node.id());
            assert_eq!(node.leader(), Some(leader));
        }
    }

    #[test]
    fn a_crashed_leader_is_replaced_and_loses_nothing_committed() {
        let mut h = Harness::new(3, 2);
        h.run_until(3_000);
        for _ in 0..3 {
            h.propose();
        }
        h.run_until(3_500);
        let old = h.leader().expect("a leader");
        h.crash(old);
        h.run_until(6_500);
        let new = h.leader().expect("a new leader within the election timeout");
        assert_ne!(new, old);
        h.propose();
        h.run_until(7_000);
        assert_eq!(h.committed_payloads(), 4, "the three committed before the crash survive");
        h.restart(old, 99);
        h.run_until(9_000);
        let committed = h.committed.len() as LogIndex;
        assert_eq!(h.nodes[&old].as_ref().map(|n| n.commit_index()), Some(committed), "the old leader catches up");
    }

    #[test]
    fn without_a_majority_nothing_commits_and_the_leader_steps_down() {
        let mut h = Harness::new(3, 3);
        h.run_until(3_000);
        let leader = h.leader().expect("a leader");
        let others: Vec<NodeId> = h.nodes.keys().copied().filter(|&id| id != leader).collect();
        for id in others {
            h.crash(id);
        }
        h.propose();
        h.run_until(8_000);
        assert_eq!(h.committed_payloads(), 0, "no majority, no commit");
        assert_ne!(h.nodes[&leader].as_ref().map(|n| n.role()), Some(Role::Leader), "it stepped down");
    }

    #[test]
    fn raft_stays_safe_under_random_faults_and_recovers_when_they_stop() {
        for seed in 0..40u64 {
            let n = 3 + 2 * (seed % 2) as i32; // 3 or 5 voters
            let mut h = Harness::new(n, seed);
            h.drop_rate = 10;
            let ids: Vec<NodeId> = h.nodes.keys().copied().collect();
            let mut t = 0;
            while t < 30_000 {
                t += 200;
                h.run_until(t);
                let (dice, id) = (h.rng.next_u32() % 12, ids[h.rng.next_u32() as usize % ids.len()]);
                match dice {
                    0 => h.crash(id),
                    1 | 2 => h.restart(id, seed),
                    3 => {
                        h.cut.clear();
                        h.cut.insert(id);
                    }
                    4 => h.cut.clear(),
                    _ => h.propose(),
                }
            }
            // Faults stop: everyone restarts, the network heals, drops end. A leader must emerge and commit.
            for &id in &ids {
                h.restart(id, seed);
            }
            h.cut.clear();
            h.drop_rate = 0;
            h.run_until(t + 5_000);
            let before = h.committed_payloads();
            h.propose();
            h.run_until(t + 7_000);
            assert!(h.leader().is_some(), "seed {seed}: a leader once a majority can talk");
            assert!(h.committed_payloads() > before, "seed {seed}: a proposal commits after the faults");
        }
    }
}
