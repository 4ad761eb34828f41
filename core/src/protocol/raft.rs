//! The messages of Raft, as the controller quorum replicates the metadata log with it (the algorithm is in
//! `controller::raft`).

use alloc::vec::Vec;

/// Raft's term number.
pub type Term = u64;
/// A position in the Raft log, from 1; 0 means "before the first entry".
pub type LogIndex = u64;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry<E> {
    pub term: Term,
    /// `None`: the entry a new leader writes at the start of its term (KRaft's LeaderChange record), which
    /// lets it commit what earlier terms left uncommitted (§5.4.2).
    pub payload: Option<E>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RaftMessage<E> {
    /// `pre_vote` (KIP-996): "would you vote for me at `term`?", asked before a real election; it changes
    /// nobody's term or vote, so a node cut off from the quorum cannot disturb it with ever higher terms.
    RequestVote {
        term: Term,
        last_log_index: LogIndex,
        last_log_term: Term,
        pre_vote: bool,
    },
    /// A granted pre-vote carries the term asked for; a refusal, the voter's own term.
    VoteResponse {
        term: Term,
        granted: bool,
        pre_vote: bool,
    },
    AppendEntries {
        term: Term,
        prev_log_index: LogIndex,
        prev_log_term: Term,
        entries: Vec<Entry<E>>,
        leader_commit: LogIndex,
    },
    AppendResponse {
        term: Term,
        success: bool,
        match_index: LogIndex,
    },
}

impl<E> RaftMessage<E> {
    pub fn term(&self) -> Term {
        match self {
            RaftMessage::RequestVote { term, .. }
            | RaftMessage::VoteResponse { term, .. }
            | RaftMessage::AppendEntries { term, .. }
            | RaftMessage::AppendResponse { term, .. } => *term,
        }
    }
}
