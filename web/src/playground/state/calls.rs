//! Long work spread over frames, as a lesson step is: the user's blocking calls (a send waiting for its
//! acknowledgement, an admin call, a controlled shutdown, a close), and "Check this run". A create-topic call
//! waiting a minute for a lost quorum held the page's main thread ~80 ms in a 9-broker cluster, and a check
//! of a 90-second run ~200 ms, at once. The work is the same either way; the page says it is under way, and
//! what it did once it ended. Other actions wait for it (`Playground::reduce`), but those that only change
//! the view.

use franz_core::error::FranzError;
use franz_core::sim::scenario::Action as ScenarioAction;
use franz_core::sim::Outcome as CallOutcome;

use super::{Clock, Notice, Outcome, Playground};

/// The wall time a frame spends on long work under way: a call, a check, a lesson step.
const WORK_FRAME_MS: f64 = 8.0;
/// Virtual time a call or a step runs between looks at the clock.
pub(super) const WORK_SLICE_MS: u64 = 200;

/// The virtual time a slice of work runs: one slice between looks at the clock, or all of it without one.
pub(super) fn slice_ms(clock: Option<&Clock>) -> u64 {
    if clock.is_some() {
        WORK_SLICE_MS
    } else {
        u64::MAX
    }
}

/// Runs `slice` until it gives its answer or, with a clock, the frame's share of wall time is spent (at least
/// one slice); without a clock, to its answer.
pub(super) fn for_a_frame<T>(clock: Option<&Clock>, mut slice: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline_ms = clock.map(|c| c() + WORK_FRAME_MS);
    loop {
        if let Some(answer) = slice() {
            return Some(answer);
        }
        if clock.zip(deadline_ms).is_some_and(|(c, d)| c() >= d) {
            return None;
        }
    }
}

/// What the page says once a call ended, from its outcome.
pub(super) type Then = Box<dyn FnOnce(&mut Playground, Result<CallOutcome, FranzError>) -> Result<String, String>>;

/// A call of the user's under way: what its notice will say.
pub(super) struct CallUnderWay {
    then: Then,
}

impl Playground {
    /// Makes a blocking call: at once without a clock (tests), else for a frame's share of wall time and then
    /// a slice a frame. `waiting` says what it waits for meanwhile; `then` what it did, once it ended.
    pub(super) fn call(&mut self, action: ScenarioAction, waiting: &str, then: Then) -> Result<String, String> {
        let clock = self.clock.clone();
        let slice_ms = slice_ms(clock.as_ref());
        let (world, mut action) = (&mut self.world, Some(action));
        let outcome = for_a_frame(clock.as_ref(), || match action.take() {
            Some(action) => world.apply_for(action, slice_ms),
            None => world.continue_call(slice_ms),
        });
        match outcome {
            Some(outcome) => then(self, outcome),
            None => {
                self.call = Some(CallUnderWay { then });
                Ok(format!("{waiting} (virtual time runs on until the answer comes) …"))
            }
        }
    }

    /// Whether a call of the user's waits for its answer, or a check runs, a slice a frame.
    pub fn work_under_way(&self) -> bool {
        self.call.is_some() || self.checking.is_some()
    }

    /// Plays the work under way for a frame's share of wall time (to its end without a clock); once it
    /// ended, its notice, where it was asked for.
    pub(super) fn advance_work(&mut self) -> Outcome {
        if self.checking.is_some() {
            return self.advance_check();
        }
        let Some(call) = self.call.take() else { return Outcome::default() };
        let clock = self.clock.clone();
        let (world, slice_ms) = (&mut self.world, slice_ms(clock.as_ref()));
        let outcome = for_a_frame(clock.as_ref(), || world.continue_call(slice_ms));
        // Its frames are timed by the clock itself: their cost does not size the simulation's share.
        self.replayed_last_frame |= clock.is_some();
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

    /// "Check this run": the checker's passes for a frame's share of wall time, then a pass or more a frame.
    pub(super) fn check_run(&mut self) -> String {
        self.checking = Some(Box::new(self.world.start_check()));
        match self.advance_check().notice {
            Some(done) => done.text,
            None => String::from("Checking the run: the checker reads its whole history and every replica's log …"),
        }
    }

    /// Runs the check under way for a frame's share of wall time (to its end without a clock); its verdict
    /// once it ended, marked on the timeline and the log strips.
    fn advance_check(&mut self) -> Outcome {
        let Some(mut checking) = self.checking.take() else { return Outcome::default() };
        let clock = self.clock.clone();
        let report = for_a_frame(clock.as_ref(), || checking.advance(self.world.history()));
        self.replayed_last_frame |= clock.is_some();
        let Some(report) = report else {
            self.checking = Some(checking);
            return Outcome::changed();
        };
        let text = match report.ok {
            true => String::from("Checker: no anomaly in this run."),
            false => format!("Checker: {} violation(s).", report.violations.len()),
        };
        self.mark_violations(&report);
        self.report = Some(report);
        Outcome { notice: Some(self.post(Notice::info(text))), ..Outcome::changed() }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{create_topic, record};
    use super::super::{Action, BrokerAction, Playground};

    /// A clock that moves `step_ms` each time it is read.
    fn ticking_by(step_ms: f64) -> super::super::Clock {
        let ticks = std::cell::Cell::new(0.0);
        std::rc::Rc::new(move || {
            ticks.set(ticks.get() + step_ms);
            ticks.get()
        })
    }

    fn ticking() -> super::super::Clock {
        ticking_by(1.0)
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
        assert!(!at_once.work_under_way());

        let mut p = quorum_lost(true);
        let waiting = create_topic(&mut p, "orders", 3).notice.unwrap();
        assert!(
            waiting.text.starts_with("Creating topic orders: waiting for the controller's answer"),
            "{}",
            waiting.text
        );
        assert!(!waiting.error && p.work_under_way());
        let mut frames = 0;
        let mut t = 0.0;
        while p.work_under_way() {
            t += 16.0;
            let outcome = p.reduce(Action::Frame(t));
            frames += 1;
            assert_eq!(outcome.notice.is_some(), !p.work_under_way(), "the notice comes once the call ended");
        }
        assert!(frames > 5, "the minute's wait took {frames} frames");
        assert_eq!(p.notice(), Some(&answer));
        assert_eq!(p.notice_place(), super::super::Place::Topics, "where the call was asked for");
        assert_eq!(p.world().trace().hash(), at_once.world().trace().hash());
        assert_eq!(p.world().scenario().unwrap(), at_once.world().scenario().unwrap());
    }

    /// A broker stopped while the quorum is lost waits out its controlled shutdown (5 minutes) and stops with
    /// its leaderships unmoved: the page says so, where it said the controller had moved them, to the broker
    /// itself (adversary 57). Its card says the metadata still names it leader.
    #[test]
    fn a_stop_without_a_quorum_says_its_leaderships_were_not_moved() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "orders", 1);
        let leader = p.world().describe_topic("orders").unwrap().partitions[0].leader.unwrap();
        p.reduce(Action::TogglePlay);
        // The active controller stays, alone: it hears the request and proposes, but cannot commit.
        let active = p.world().view().controller.leader_id.unwrap();
        let controllers = p.world().controllers().to_vec();
        for &id in controllers.iter().filter(|&&c| c != active) {
            p.reduce(Action::Broker(id, BrokerAction::CrashController));
        }
        let notice = p.reduce(Action::Broker(leader, BrokerAction::Stop)).notice.unwrap();
        assert_eq!(
            notice.text,
            format!(
                "Broker {leader} stopped without the controller's approval: no controller answered its controlled \
                 shutdown within 5 minutes, so its leaderships were not moved. The metadata still names it leader of \
                 orders-0: no working leader there until a controller fences it and elects another."
            )
        );
        let card = p.snapshot().brokers.iter().find(|b| b.id == leader).cloned().unwrap();
        assert_eq!(card.still_named_leader_of, ["orders-0"]);
        let said = p.world().trace().since(0).into_iter().map(|e| e.text()).collect::<Vec<_>>().join("\n");
        assert!(said.contains(&format!("proposes broker {leader}'s controlled shutdown")), "{said}");
        // The aftermath: the quorum back, the controller fences the stopped broker, another leads, and the
        // topic serves with nothing lost.
        for &id in controllers.iter().filter(|&&c| c != active) {
            p.reduce(Action::Broker(id, BrokerAction::RestartController));
        }
        p.reduce(Action::TogglePlay);
        p.reduce(Action::SetSpeed(100.0));
        super::super::tests::frames(&mut p, 20, 100.0);
        let now = p.world().describe_topic("orders").unwrap().partitions[0].leader;
        assert!(now.is_some_and(|l| l != leader), "another broker leads: {now:?}");
        let sent = p.reduce(Action::Send(record("orders", "after", "all"))).notice.unwrap();
        assert!(sent.text.starts_with("Acknowledged"), "{}", sent.text);
        assert!(p.world().check().ok, "{:?}", p.world().check().violations);
    }

    /// Frames until no work plays and no action waits for it.
    fn until_idle(p: &mut Playground) -> usize {
        let (mut frames, mut t) = (0, p.last_frame_ms.unwrap_or(0.0));
        while p.work_under_way() || !p.queued.is_empty() {
            t += 16.0;
            p.reduce(Action::Frame(t));
            frames += 1;
        }
        frames
    }

    /// Another action while a call waits waits for it (ending the call at once held the main thread up to
    /// 400 ms: adversary 55), then acts; the notice says what both did. What changes only the view acts now.
    #[test]
    fn an_action_while_a_call_waits_waits_for_it() {
        let mut p = quorum_lost(true);
        create_topic(&mut p, "orders", 3);
        assert!(p.work_under_way());
        let controller = p.world().controllers()[1];
        let now_ms = p.world().now_ms();
        let restart = p.reduce(Action::Broker(controller, BrokerAction::RestartController));
        p.reduce(Action::SetSpeed(4.0));
        assert_eq!((p.world().now_ms(), p.speed()), (now_ms, 4.0), "the speed at once");
        // The notice says the restart waits (adversary 57: nothing said so), once.
        let said = restart.notice.unwrap().text;
        assert!(
            said.starts_with("Creating topic orders: waiting") && said.ends_with(super::super::QUEUED_ACTIONS_TEXT)
        );
        let again = p.reduce(Action::Broker(controller, BrokerAction::Crash)).notice;
        assert_eq!(again, None, "said once");
        p.queued.pop_back();
        assert!(until_idle(&mut p) > 2);
        let notice = p.notice().unwrap();
        assert!(notice.error, "{}", notice.text);
        assert!(notice.text.starts_with("REQUEST_TIMED_OUT"), "the call's answer first: {}", notice.text);
        assert!(notice.text.contains(&format!("Then: Controller {controller}")), "then the restart's: {}", notice.text);
        let mut at_once = quorum_lost(false);
        create_topic(&mut at_once, "orders", 3);
        at_once.reduce(Action::Broker(controller, BrokerAction::RestartController));
        assert_eq!(p.world().trace().hash(), at_once.world().trace().hash());
        // A send to the topic the lost quorum never created: a call too, waiting max.block.ms for its metadata.
        p.reduce(Action::Send(record("orders", "v", "all")));
        at_once.reduce(Action::Send(record("orders", "v", "all")));
        let mut t = 0.0;
        while p.work_under_way() {
            t += 16.0;
            p.reduce(Action::Frame(t));
        }
        assert_eq!(p.notice(), at_once.notice());
        let text = &p.notice().unwrap().text;
        assert!(text.starts_with("UNKNOWN_TOPIC_OR_PARTITION") && text.contains("waited 60,000 ms"), "{text}");
        assert_eq!(p.world().trace().hash(), at_once.world().trace().hash());

        // A link copied after a call's answer keeps the answer said ("Link copied" replaced it: adversary 57).
        let mut p = quorum_lost(true);
        create_topic(&mut p, "orders", 3);
        p.reduce(Action::Share);
        until_idle(&mut p);
        let copied = p.reduce(Action::LinkCopied(true)).notice.unwrap();
        assert!(copied.error, "the answer was a refusal");
        assert!(
            copied.text.starts_with("REQUEST_TIMED_OUT") && copied.text.contains(" Then: Link copied ("),
            "{}",
            copied.text
        );

        // A check asked meanwhile is long work itself: the call's answer is said again with its verdict.
        let mut p = quorum_lost(true);
        create_topic(&mut p, "orders", 3);
        p.reduce(Action::Check);
        until_idle(&mut p);
        let text = &p.notice().unwrap().text;
        assert!(text.starts_with("REQUEST_TIMED_OUT") && text.contains(" Then: Checker: "), "{text}");
    }

    /// "Check this run" of a long run held the main thread ~200 ms at once. With a clock it runs a pass or
    /// more a frame, the world waiting meanwhile, and gives the verdict it gives at once; an action meanwhile
    /// ends it first.
    #[test]
    fn a_check_runs_a_pass_a_frame_and_judges_as_at_once() {
        let run = || {
            let mut p = Playground::from_fragment("#play");
            create_topic(&mut p, "orders", 3);
            for value in ["a", "b", "c"] {
                p.reduce(Action::Send(record("orders", value, "all")));
            }
            p.reduce(Action::Poll { topic: "orders".into(), partition: 0 });
            p
        };
        let mut at_once = run();
        let verdict = at_once.reduce(Action::Check).notice.unwrap();
        assert_eq!(verdict.text, "Checker: no anomaly in this run.");

        let mut p = run();
        p.set_clock(ticking_by(10.0));
        let notice = p.reduce(Action::Check).notice.unwrap();
        assert!(notice.text.starts_with("Checking the run"), "{}", notice.text);
        assert!(p.work_under_way() && p.report().is_none());
        let (now_ms, mut frames) = (p.world().now_ms(), 0);
        let mut t = 0.0;
        while p.work_under_way() {
            t += 16.0;
            p.reduce(Action::Frame(t));
            frames += 1;
            assert_eq!(p.world().now_ms(), now_ms, "the world waits for the check");
        }
        assert!(frames >= 3, "a pass or so a frame: {frames} frames");
        assert_eq!(p.notice(), Some(&verdict));
        assert_eq!(p.report(), at_once.report());

        // An action meanwhile waits for the check: a pause, after the verdict.
        let mut p = run();
        p.set_clock(ticking_by(10.0));
        let playing = p.playing();
        p.reduce(Action::Check);
        p.reduce(Action::TogglePlay);
        assert_eq!(p.playing(), playing);
        until_idle(&mut p);
        assert!(p.report().is_some());
        assert_eq!((p.playing(), p.notice()), (!playing, Some(&verdict)));
    }
}
