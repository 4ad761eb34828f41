//! The user's blocking calls (a send waiting for its acknowledgement, an admin call, a controlled shutdown, a
//! close) played a slice a frame, as a lesson step is: a create-topic call waiting a minute for a lost quorum
//! held the page's main thread ~80 ms in a 9-broker cluster at once. The call runs the same either way; the
//! page says it waits meanwhile, and its notice says what it did once it ended.

use franz_core::error::FranzError;
use franz_core::sim::scenario::Action as ScenarioAction;
use franz_core::sim::Outcome as CallOutcome;

use super::{Notice, Outcome, Playground};

/// The wall time a frame spends on a call under way (as on a lesson step).
const CALL_FRAME_MS: f64 = 8.0;
/// Virtual time a call runs between looks at the clock.
const CALL_SLICE_MS: u64 = 200;

/// What the page says once a call ended, from its outcome.
type Then = Box<dyn FnOnce(&mut Playground, Result<CallOutcome, FranzError>) -> Result<String, String>>;

/// A call of the user's under way: what its notice will say.
pub(super) struct CallUnderWay {
    then: Then,
}

impl Playground {
    /// Makes a blocking call: at once without a clock (tests), else for a frame's share of wall time and then
    /// a slice a frame. `waiting` says what it waits for meanwhile; `then` what it did, once it ended.
    pub(super) fn call(
        &mut self,
        action: ScenarioAction,
        waiting: &str,
        then: impl FnOnce(&mut Playground, Result<CallOutcome, FranzError>) -> Result<String, String> + 'static,
    ) -> Result<String, String> {
        let Some(clock) = self.clock.clone() else {
            let outcome = self.world.apply(action);
            return then(self, outcome);
        };
        let deadline_ms = clock() + CALL_FRAME_MS;
        let mut outcome = self.world.apply_for(action, CALL_SLICE_MS);
        while outcome.is_none() && clock() < deadline_ms {
            outcome = self.world.continue_call(CALL_SLICE_MS);
        }
        match outcome {
            Some(outcome) => then(self, outcome),
            None => {
                self.call = Some(CallUnderWay { then: Box::new(then) });
                Ok(format!("{waiting} (virtual time runs on until the answer comes) …"))
            }
        }
    }

    /// Whether a call of the user's waits for its answer, a slice a frame.
    pub fn call_under_way(&self) -> bool {
        self.call.is_some()
    }

    /// Plays the call under way for a frame's share of wall time (to its end without a clock); once it ended,
    /// its notice, where the call was asked for.
    pub(super) fn advance_call(&mut self) -> Outcome {
        let Some(call) = self.call.take() else { return Outcome::default() };
        let outcome = match self.clock.clone() {
            Some(clock) => {
                // Its frames are timed by the clock itself: their cost does not size the simulation's share.
                self.replayed_last_frame = true;
                let deadline_ms = clock() + CALL_FRAME_MS;
                loop {
                    match self.world.continue_call(CALL_SLICE_MS) {
                        None if clock() < deadline_ms => continue,
                        outcome => break outcome,
                    }
                }
            }
            None => self.world.continue_call(u64::MAX),
        };
        let Some(outcome) = outcome else {
            self.call = Some(call);
            return Outcome::changed();
        };
        let notice = match (call.then)(self, outcome) {
            Ok(text) => Notice::info(text),
            Err(text) => Notice::error(text),
        };
        Outcome { notice: Some(self.post(notice)), ..Outcome::changed() }
    }

    /// Ends the call under way at once (before anything else acts on the world), posting its notice.
    pub(super) fn end_call(&mut self) -> Option<Notice> {
        let clock = self.clock.take();
        let ended = self.call.is_some().then(|| self.advance_call()).and_then(|o| o.notice);
        self.clock = clock;
        ended
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{create_topic, record};
    use super::super::{Action, BrokerAction, Playground};

    /// A clock that moves a millisecond each time it is read.
    fn ticking() -> super::super::Clock {
        let ticks = std::cell::Cell::new(0.0);
        std::rc::Rc::new(move || {
            ticks.set(ticks.get() + 1.0);
            ticks.get()
        })
    }

    fn quorum_lost(clock: bool) -> Playground {
        let mut p = Playground::from_fragment("#play");
        p.reduce(Action::TogglePlay);
        let controllers = p.world().controllers().to_vec();
        for &id in &controllers[1..] {
            p.reduce(Action::Broker(id, BrokerAction::CrashController));
        }
        if clock {
            p.set_clock(ticking());
        }
        p
    }

    /// A create-topic call waiting a minute for a lost quorum held the page's main thread ~80 ms at once. With
    /// a clock it waits a slice a frame, saying so, and ends where it ends at once, with the same notice.
    #[test]
    fn a_long_call_waits_a_slice_a_frame_and_ends_as_at_once() {
        let mut at_once = quorum_lost(false);
        let answer = create_topic(&mut at_once, "orders", 3).notice.unwrap();
        assert!(answer.error && answer.text.contains("REQUEST_TIMED_OUT"), "{}", answer.text);
        assert!(!at_once.call_under_way());

        let mut p = quorum_lost(true);
        let waiting = create_topic(&mut p, "orders", 3).notice.unwrap();
        assert!(
            waiting.text.starts_with("Creating topic orders: waiting for the controller's answer"),
            "{}",
            waiting.text
        );
        assert!(!waiting.error && p.call_under_way());
        let mut frames = 0;
        let mut t = 0.0;
        while p.call_under_way() {
            t += 16.0;
            let outcome = p.reduce(Action::Frame(t));
            frames += 1;
            assert_eq!(outcome.notice.is_some(), !p.call_under_way(), "the notice comes once the call ended");
        }
        assert!(frames > 5, "the minute's wait took {frames} frames");
        assert_eq!(p.notice(), Some(&answer));
        assert_eq!(p.world().trace().hash(), at_once.world().trace().hash());
        assert_eq!(p.world().scenario().unwrap(), at_once.world().scenario().unwrap());
    }

    /// Another action while a call waits: the call ends first, and the notice says what both did.
    #[test]
    fn an_action_while_a_call_waits_ends_it_first() {
        let mut p = quorum_lost(true);
        create_topic(&mut p, "orders", 3);
        assert!(p.call_under_way());
        let controller = p.world().controllers()[1];
        let notice = p.reduce(Action::Broker(controller, BrokerAction::RestartController)).notice.unwrap();
        assert!(!p.call_under_way());
        assert!(notice.error, "{}", notice.text);
        assert!(notice.text.starts_with("REQUEST_TIMED_OUT"), "the call's answer first: {}", notice.text);
        assert!(notice.text.contains(&controller.to_string()), "then the restart's: {}", notice.text);
        let mut at_once = quorum_lost(false);
        create_topic(&mut at_once, "orders", 3);
        at_once.reduce(Action::Broker(controller, BrokerAction::RestartController));
        // A send to the topic the lost quorum never created: a call too, waiting max.block.ms for its metadata.
        p.reduce(Action::Send(record("orders", "v", "all")));
        at_once.reduce(Action::Send(record("orders", "v", "all")));
        let mut t = 0.0;
        while p.call_under_way() {
            t += 16.0;
            p.reduce(Action::Frame(t));
        }
        assert_eq!(p.notice(), at_once.notice());
        let text = &p.notice().unwrap().text;
        assert!(text.starts_with("UNKNOWN_TOPIC_OR_PARTITION") && text.contains("waited 60,000 ms"), "{text}");
        assert_eq!(p.world().trace().hash(), at_once.world().trace().hash());
    }
}
