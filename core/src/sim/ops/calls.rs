//! Blocking calls as Kafka's clients make them: a call starts its work on a client actor, then virtual time
//! runs until its answer is there or its timeout passes. A page plays such a call a slice at a time
//! ([`World::apply_for`]) so that a minute-long wait (an admin call while the quorum is lost) does not hold
//! its main thread at once; sliced or not, it is the same run.

use super::*;

/// What an action does: its outcome at once, or a wait (for what, until when) before it.
pub(in crate::sim) enum Call {
    Now(Outcome),
    Wait(Waiting, u64),
}

/// What a blocking call waits for, with its answer once it came.
pub(in crate::sim) enum Waiting {
    Admin { admin: NodeId, request: u64, result: Option<Result<()>> },
    Send { producer: NodeId, request: u64, result: Option<Result<Vec<RecordMetadata>>> },
    Position { consumer: NodeId, tp: TopicPartition, found: Option<Result<Offset>> },
    Poll { consumer: NodeId },
    Commit { consumer: NodeId, id: u64, result: Option<Result<()>> },
    Close { id: NodeId },
    ControlledShutdown { broker: NodeId },
}

/// A blocking call under way, and what `apply` ends it with.
pub(in crate::sim) struct PendingCall {
    waiting: Waiting,
    deadline_ms: u64,
    applied: Applied,
}

/// An action begun by `apply`: what it needs to know at the end to record it as it ran.
pub(in crate::sim) struct Applied {
    pub recorded: usize,
    pub before: [u64; 6],
    pub checked_first: bool,
    pub run: bool,
    pub step: bool,
}

impl World {
    /// Whether the call waited for is answered (its answer, taken, kept in `waiting`).
    fn answered(&mut self, waiting: &mut Waiting) -> bool {
        match waiting {
            Waiting::Admin { admin, request, result } => {
                if let Some(Node::Admin(a)) = self.nodes.get_mut(admin) {
                    *result = result.take().or_else(|| a.take_result(*request));
                }
                result.is_some()
            }
            Waiting::Send { producer, request, result } => {
                if let Ok(p) = self.producer_mut(*producer) {
                    *result = result.take().or_else(|| p.take_result(*request).map(|r| r.result));
                }
                result.is_some()
            }
            Waiting::Position { consumer, tp, found } => {
                if let Ok(c) = self.consumer_mut(*consumer) {
                    *found = found.take().or_else(|| c.position(tp).transpose());
                }
                found.is_some()
            }
            Waiting::Poll { consumer } => self.consumer_mut(*consumer).is_ok_and(|c| c.has_poll_result()),
            Waiting::Commit { consumer, id, result } => {
                if let Ok(c) = self.consumer_mut(*consumer) {
                    *result = result.take().or_else(|| c.take_commit_result(*id));
                }
                result.is_some()
            }
            Waiting::Close { .. } | Waiting::ControlledShutdown { .. } => self.closed_or_stopped(waiting),
        }
    }

    /// The call's outcome once it was answered or its wait ended.
    fn end_call(&mut self, waiting: Waiting) -> Result<Outcome> {
        match waiting {
            Waiting::Admin { result, .. } => result
                .unwrap_or_else(|| Err(franz_err!(RequestTimedOut, "The admin request got no answer in time")))
                .map(|_| Outcome::Done),
            Waiting::Send { result, .. } => result
                .unwrap_or_else(|| {
                    Err(franz_err!(RequestTimedOut, "No outcome for the send within delivery.timeout.ms"))
                })
                .map(Outcome::Sent),
            Waiting::Position { tp, found, .. } => found
                .unwrap_or_else(|| {
                    Err(franz_err!(RequestTimedOut, "No position for {tp} within default.api.timeout.ms"))
                })
                .map(Outcome::Position),
            Waiting::Poll { consumer } => self
                .command(consumer, |node, now, out| match node {
                    Node::Consumer(c) => c.take_records(now, out),
                    _ => Ok(Vec::new()),
                })
                .unwrap_or_else(|| Ok(Vec::new()))
                .map(Outcome::Polled),
            Waiting::Commit { result, .. } => result
                .unwrap_or_else(|| {
                    Err(franz_err!(RequestTimedOut, "The commit got no answer within default.api.timeout.ms"))
                })
                .map(|_| Outcome::Done),
            Waiting::Close { .. } | Waiting::ControlledShutdown { .. } => {
                self.end_close_or_stop(waiting);
                Ok(Outcome::Done)
            }
        }
    }

    /// A close done (its commit, LeaveGroup or sends answered) or a stop approved: what `answered` asks of
    /// one, whether a call waits for it or it goes on after a cut. (Shared by the two, not `answered` whole:
    /// a second caller made the compiler keep every wait's checks apart, 0.3 KB of the npm wasm.)
    #[inline(never)]
    fn closed_or_stopped(&self, waiting: &Waiting) -> bool {
        match waiting {
            Waiting::Close { id } => match self.nodes.get(id) {
                Some(Node::Consumer(c)) => c.is_closed(),
                Some(Node::Producer(p)) => p.is_closed(),
                _ => true,
            },
            Waiting::ControlledShutdown { broker } => self.broker(*broker).is_none_or(|b| b.controlled_shutdown_done()),
            _ => true,
        }
    }

    /// The client's close ends (a closing commit still unanswered failed), or the broker stops.
    #[inline(never)]
    fn end_close_or_stop(&mut self, waiting: Waiting) {
        match waiting {
            Waiting::Close { id } => {
                self.command(id, |node, _, out| {
                    if let Node::Consumer(c) = node {
                        c.close_timed_out(out);
                    }
                });
                self.end_client(id, false);
            }
            Waiting::ControlledShutdown { broker } => self.end_stopped_broker(broker),
            _ => {}
        }
    }

    /// Records and runs one user action, for at most `virtual_ms` of the wait of a blocking call: `None` while
    /// the call is under way ([`World::continue_call`] plays on). A call under way ends first.
    pub fn apply_for(&mut self, action: Action, virtual_ms: u64) -> Option<Result<Outcome>> {
        self.end_call_under_way();
        let (applied, call) = match self.begin_action(action) {
            Ok(begun) => begun,
            Err(refused) => return Some(Err(refused)),
        };
        match call {
            Ok(Call::Wait(waiting, deadline_ms)) => {
                self.pending_call = Some(PendingCall { waiting, deadline_ms, applied });
                self.continue_call(virtual_ms)
            }
            Ok(Call::Now(outcome)) => Some(self.end_action(applied, Ok(outcome))),
            Err(e) => Some(self.end_action(applied, Err(e))),
        }
    }

    /// Plays the call under way for at most `virtual_ms` more: its outcome once it ended, `None` while it
    /// waits on. A run cut in slices is the same run: it stops at each slice's end as at any instant.
    pub fn continue_call(&mut self, virtual_ms: u64) -> Option<Result<Outcome>> {
        let Some(mut call) = self.pending_call.take() else {
            return Some(Err(franz_err!(InvalidRequest, "No blocking call is under way")));
        };
        let until_ms = call.deadline_ms.min(self.now_ms.saturating_add(virtual_ms));
        let answered = self.run_until(until_ms, |w| w.answered(&mut call.waiting));
        let at_horizon = self.horizon_ms.is_some_and(|h| self.now_ms >= h);
        if !answered && self.now_ms < call.deadline_ms && !at_horizon {
            self.pending_call = Some(call);
            return None;
        }
        self.call_cut = !answered && self.now_ms < call.deadline_ms;
        if self.call_cut && matches!(call.waiting, Waiting::Close { .. } | Waiting::ControlledShutdown { .. }) {
            // Cut (time travel to an instant inside it): the close or stop goes on, and ends as it would have.
            self.calls_finishing.push((call.waiting, call.deadline_ms));
            return Some(self.end_action(call.applied, Ok(Outcome::Done)));
        }
        let outcome = self.end_call(call.waiting);
        Some(self.end_action(call.applied, outcome))
    }

    /// The first deadline of a close or stop going on: it ends there after everything else at that instant, as
    /// a call does ([`World::nothing_due_by`]).
    pub(in crate::sim) fn finishing_deadline_ms(&self) -> Option<u64> {
        self.calls_finishing.iter().map(|&(_, t)| t).min()
    }

    /// No client loop and no event due by `at_ms`.
    pub(in crate::sim) fn nothing_due_by(&self, at_ms: u64) -> bool {
        let by = |next: Option<u64>| next.is_some_and(|n| n <= at_ms);
        !by(self.next_client_loop_ms()) && !by(self.next_event_ms())
    }

    /// Ends each close or stop going on that is answered or at its deadline. One whose client or broker went
    /// down meanwhile (crashed, or restarted from a crash) is over.
    pub(in crate::sim) fn finish_calls(&mut self) {
        for (waiting, deadline_ms) in core::mem::take(&mut self.calls_finishing) {
            if !self.going_on(&waiting) {
                continue;
            }
            if self.closed_or_stopped(&waiting) || self.now_ms >= deadline_ms {
                self.end_close_or_stop(waiting);
            } else {
                self.calls_finishing.push((waiting, deadline_ms));
            }
        }
    }

    /// Whether a close or stop going on still is: its client not crashed, its broker not crashed or restarted
    /// from a crash since.
    fn going_on(&self, waiting: &Waiting) -> bool {
        match waiting {
            Waiting::Close { id } => self.nodes.contains_key(id),
            Waiting::ControlledShutdown { broker } => {
                !self.crashed.contains(broker)
                    && self.broker(*broker).is_some_and(|b| b.controlled_shutdown_requested())
            }
            _ => false,
        }
    }

    /// `id`'s close or stop going on, as a call to wait for (a second close or stop of the same). One that is
    /// over is dropped (adversary 62: after a crash and a restart at the cut's instant, it took a new stop
    /// over, and the broker stopped unapproved at the old deadline).
    #[inline(never)]
    pub(in crate::sim) fn take_call_finishing(&mut self, id: NodeId) -> Option<Call> {
        let i = self.calls_finishing.iter().position(|(w, _)| of(w, id))?;
        let (waiting, deadline_ms) = self.calls_finishing.swap_remove(i);
        self.going_on(&waiting).then_some(Call::Wait(waiting, deadline_ms))
    }

    /// `id` paused until `until_ms`: its close or stop going on ends no earlier (a paused process does
    /// nothing).
    pub(in crate::sim) fn pause_call_finishing(&mut self, id: NodeId, until_ms: u64) {
        for (waiting, deadline_ms) in &mut self.calls_finishing {
            if of(waiting, id) {
                *deadline_ms = (*deadline_ms).max(until_ms);
            }
        }
    }

    /// Whether `id` has a close or stop going on.
    pub(in crate::sim) fn closing_or_stopping(&self, id: NodeId) -> bool {
        self.calls_finishing.iter().any(|(w, _)| of(w, id))
    }

    /// Whether a blocking call begun by [`World::apply_for`] waits on. (Its action is recorded already: a
    /// scenario taken meanwhile replays it whole, so a page ends the call before it shares or travels.)
    pub fn call_under_way(&self) -> bool {
        self.pending_call.is_some()
    }

    /// Plays a call under way to its end (before anything else acts on the world).
    pub(in crate::sim) fn end_call_under_way(&mut self) {
        while self.pending_call.is_some() {
            let _ = self.continue_call(u64::MAX);
        }
    }
}

/// Whether `waiting` is `id`'s close or stop.
fn of(waiting: &Waiting, id: NodeId) -> bool {
    matches!(waiting, Waiting::Close { id: n } | Waiting::ControlledShutdown { broker: n } if *n == id)
}
