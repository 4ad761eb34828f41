//! Scenarios: the run as data (seed, cluster, every action with its virtual time), and replaying one,
//! up to a moment if asked (time travel).

use super::*;
use crate::sim::ScenarioEntry;

impl World {
    /// The run so far as a scenario: seed, cluster and every action with its time.
    pub fn scenario(&self) -> Result<Scenario> {
        if self.now_ms - self.config.clock_start_ms > SCENARIO_VIRTUAL_MS_MAX {
            return Err(franz_err!(
                PolicyViolation,
                "This run is longer than a scenario covers (30 days of virtual time)"
            ));
        }
        if self.actions_overflowed {
            return Err(franz_err!(
                PolicyViolation,
                "This run took more actions than a scenario holds ({} actions, {} bytes of JSON: its actions carry their arguments, sends their records)",
                crate::sim::scenario::SCENARIO_ACTIONS_MAX,
                crate::sim::scenario::SCENARIO_JSON_BYTES_MAX
            ));
        }
        let ClusterConfig { seed, brokers, controllers, network, broker_config, clock_start_ms } = self.config.clone();
        Ok(Scenario {
            version: SCENARIO_VERSION,
            seed,
            brokers,
            controllers,
            network,
            config: broker_config,
            clock_start_ms,
            actions: self.actions.clone(),
        })
    }

    /// Rebuilds a run from its scenario, up to `until_ms` of virtual time if given (time travel: nothing runs
    /// past it, not even the rest of an action in progress then). Actions that failed when recorded fail the
    /// same way again, and are part of the same trace.
    pub fn replay(scenario: &Scenario, until_ms: Option<u64>) -> Result<World> {
        let mut replay = Replay::start(scenario, until_ms)?;
        while !replay.advance(u64::MAX) {}
        Ok(replay.finish())
    }

    // The typed conveniences.
}

/// Virtual time a budgeted replay runs between looks at its budget.
const REPLAY_CHUNK_MS: u64 = 100;

/// A replay run a slice at a time ([`World::replay`] in steps), so that a page going back in time can
/// draw frames meanwhile rather than block for the whole run. Sliced or not, it runs the same events.
pub struct Replay {
    world: World,
    actions: Vec<ScenarioEntry>,
    /// The next action to apply.
    next: usize,
    /// What is left to run of the `runFor` being replayed.
    run_left_ms: u64,
    /// The instant replayed to, if not the scenario's end.
    until_ms: Option<u64>,
}

impl Replay {
    pub fn start(scenario: &Scenario, until_ms: Option<u64>) -> Result<Replay> {
        let last_ms = scenario.clock_start_ms.saturating_add(SCENARIO_VIRTUAL_MS_MAX);
        if until_ms.is_some_and(|u| u > last_ms) {
            return Err(franz_err!(InvalidRequest, "untilMs is at most {last_ms} (30 days after the clock's start)"));
        }
        let horizon = until_ms.unwrap_or(last_ms);
        let world = World::form(scenario.cluster_config(), Some(horizon))?;
        Ok(Replay { world, actions: scenario.actions.clone(), next: 0, run_left_ms: 0, until_ms })
    }

    fn horizon_ms(&self) -> u64 {
        self.until_ms.unwrap_or(self.last_ms())
    }

    /// The latest instant a scenario reaches: 30 days after its clock's start.
    fn last_ms(&self) -> u64 {
        self.world.config.clock_start_ms.saturating_add(SCENARIO_VIRTUAL_MS_MAX)
    }

    /// The world as replayed so far (a page shows it while it replays).
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The virtual time replayed so far.
    pub fn now_ms(&self) -> u64 {
        self.world.now_ms
    }

    /// The virtual time the replay ends at.
    pub fn end_ms(&self) -> u64 {
        let start = self.world.config.clock_start_ms;
        let last = self.actions.iter().rev().map(|e| e.at_ms).find(|&t| t <= self.horizon_ms()).unwrap_or(start);
        self.until_ms.unwrap_or(last)
    }

    /// Replays on until about `events_max` more events ran (an action due runs whole, but a `runFor` or a
    /// blocking call's wait runs in steps), or to the end; returns whether it is done.
    pub fn advance(&mut self, events_max: u64) -> bool {
        let first = self.world.events_dispatched();
        match events_max {
            u64::MAX => self.run_slices(RUN_FOR_MS_MAX, |_| true, &mut |_, _| true).is_ok_and(|done| done),
            _ => self
                .run_slices(REPLAY_CHUNK_MS, |w| w.events_dispatched() - first < events_max, &mut |_, _| true)
                .is_ok_and(|done| done),
        }
    }

    /// Replays on while `more` says so, asked before each 100 ms of virtual time or of a call's wait:
    /// a page hands in its own clock, since what an event costs varies a hundredfold (a broker down under a
    /// stream costs a few events, each walking the producer's whole backlog). Returns whether it is done.
    pub fn advance_while(&mut self, more: impl FnMut(&World) -> bool) -> bool {
        self.run_slices(REPLAY_CHUNK_MS, more, &mut |_, _| true).is_ok_and(|done| done)
    }

    /// Replays to the end, asking `allowed` before each action other than a wait whether it may run; stops
    /// before the first it refuses and returns that action's index. (The explorer's shrinker: a history cut
    /// down must stay one the explorer could have made, e.g. no power loss where Kafka's own rules lose
    /// acknowledged records.)
    pub fn run_checking(
        &mut self,
        mut allowed: impl FnMut(&World, &Action) -> bool,
    ) -> core::result::Result<(), usize> {
        while !self.run_slices(RUN_FOR_MS_MAX, |_| true, &mut allowed)? {}
        Ok(())
    }

    /// Ok(whether it is done); Err(the index of an action `allowed` refused, not applied).
    fn run_slices(
        &mut self,
        chunk_ms: u64,
        mut more: impl FnMut(&World) -> bool,
        allowed: &mut dyn FnMut(&World, &Action) -> bool,
    ) -> core::result::Result<bool, usize> {
        let horizon = self.horizon_ms();
        // Still forming at the instant replayed to (`form` stopped there, and a replay that reached its instant
        // is not moved): it acts on nothing. What the scenario does next comes after the formation, an action
        // stamped earlier (a hand-made scenario) too, as in a whole replay.
        if self.world.formation_cut && self.world.horizon_ms.is_some() {
            self.next = self.actions.len();
            self.world.horizon_ms = None;
            return Ok(true);
        }
        loop {
            // A blocking call replayed a chunk at a time (a minute's wait for a lost quorum's answer is one action).
            if self.world.call_under_way() {
                if !more(&self.world) {
                    return Ok(false);
                }
                if self.world.continue_call(chunk_ms).is_some() {
                    self.world.horizon_ms = Some(horizon);
                    self.next += 1;
                    self.stop_if_cut_at(horizon);
                }
                continue;
            }
            let due = self.actions.get(self.next).filter(|e| e.at_ms <= horizon);
            // Time to run: to the next action, the rest of a runFor being replayed, or to the instant asked.
            let run_to_ms = match (self.run_left_ms, due) {
                (0, Some(entry)) => entry.at_ms,
                (0, None) => self.until_ms.unwrap_or(0),
                (left, _) => self.world.now_ms.saturating_add(left).min(horizon),
            };
            if self.world.now_ms < run_to_ms {
                if !more(&self.world) {
                    return Ok(false);
                }
                let ms = (run_to_ms - self.world.now_ms).min(chunk_ms);
                let _ = self.world.apply(Action::RunFor { ms });
                self.run_left_ms = self.run_left_ms.saturating_sub(ms);
                continue;
            }
            self.run_left_ms = 0;
            let Some(entry) = due else { break };
            match entry.action {
                // Running a then b is running a + b (the world records them merged): run it in steps.
                Action::RunFor { ms } if ms > 0 => self.run_left_ms = ms,
                _ => {
                    if !allowed(&self.world, &entry.action) {
                        return Err(self.next);
                    }
                    let action = entry.action.clone();
                    self.world.horizon_ms = Some(entry.cut_at_ms.map_or(horizon, |cut_ms| cut_ms.min(horizon)));
                    if self.world.apply_for(action, chunk_ms).is_none() {
                        continue; // under way: on at the loop's head
                    }
                    self.world.horizon_ms = Some(horizon);
                    self.next += 1;
                    self.stop_if_cut_at(horizon);
                    continue;
                }
            }
            self.next += 1;
        }
        self.world.horizon_ms = None;
        Ok(true)
    }

    /// A blocking call cut at the instant replayed to (not at a cut the scenario recorded) ends the replay:
    /// the actions after it run once it returns in a whole replay, later than that instant, even those
    /// stamped earlier (a hand-made scenario; adversary 59: a broker added during a minute's createTopic
    /// had joined in a replay to a moment inside that minute).
    fn stop_if_cut_at(&mut self, horizon: u64) {
        if self.world.call_cut && self.world.now_ms >= horizon && self.until_ms.is_some() {
            self.next = self.actions.len();
        }
    }

    /// Replays to another instant, if this replay has not reached either yet (nothing was cut at the old
    /// one); returns whether it could.
    pub fn retarget(&mut self, until_ms: u64) -> bool {
        let now = self.world.now_ms;
        if self.world.horizon_ms.is_none() || now >= self.horizon_ms() || now > until_ms {
            return false;
        }
        self.until_ms = Some(until_ms.min(self.last_ms()));
        self.world.horizon_ms = Some(self.call_horizon_ms());
        true
    }

    /// How far the world may run: to the instant replayed to, and in a blocking call recorded as cut off,
    /// not past its cut.
    fn call_horizon_ms(&self) -> u64 {
        let cut_ms = self.actions.get(self.next).filter(|_| self.world.call_under_way()).and_then(|e| e.cut_at_ms);
        cut_ms.map_or(self.horizon_ms(), |cut_ms| cut_ms.min(self.horizon_ms()))
    }

    /// The world replayed (the rest of the replay run first, if any).
    pub fn finish(mut self) -> World {
        while !self.advance(u64::MAX) {}
        self.world
    }
}
