//! Scenarios: the run as data (seed, cluster, every action with its virtual time), and replaying one,
//! up to a moment if asked (time travel).

use super::*;

impl World {
    /// The run so far as a scenario: seed, cluster and every action with its time.
    pub fn scenario(&self) -> Result<Scenario> {
        if self.now_ms > SCENARIO_VIRTUAL_MS_MAX {
            return Err(franz_err!(
                PolicyViolation,
                "This run is longer than a scenario covers (30 days of virtual time)"
            ));
        }
        if self.actions_overflowed {
            return Err(franz_err!(
                PolicyViolation,
                "This run took more than {} actions, more than a scenario holds",
                crate::sim::scenario::SCENARIO_ACTIONS_MAX
            ));
        }
        let ClusterConfig { seed, brokers, controllers, network, broker_config } = self.config.clone();
        Ok(Scenario {
            version: SCENARIO_VERSION,
            seed,
            brokers,
            controllers,
            network,
            config: broker_config,
            actions: self.actions.clone(),
        })
    }

    /// Rebuilds a run from its scenario, up to `until_ms` of virtual time if given (time travel: nothing runs
    /// past it, not even the rest of an action in progress then). Actions that failed when recorded fail the
    /// same way again, and are part of the same trace.
    pub fn replay(scenario: &Scenario, until_ms: Option<u64>) -> Result<World> {
        if until_ms.is_some_and(|u| u > SCENARIO_VIRTUAL_MS_MAX) {
            return Err(franz_err!(InvalidRequest, "untilMs is at most {SCENARIO_VIRTUAL_MS_MAX} (30 days)"));
        }
        let horizon = until_ms.unwrap_or(SCENARIO_VIRTUAL_MS_MAX);
        let mut world = World::form(scenario.cluster_config(), Some(horizon))?;
        for entry in &scenario.actions {
            if entry.at_ms > horizon {
                break;
            }
            while world.now_ms < entry.at_ms {
                let _ = world.apply(Action::RunFor { ms: (entry.at_ms - world.now_ms).min(RUN_FOR_MS_MAX) });
            }
            world.horizon_ms = Some(entry.cut_at_ms.map_or(horizon, |cut_ms| cut_ms.min(horizon)));
            let _ = world.apply(entry.action.clone());
            world.horizon_ms = Some(horizon);
        }
        if let Some(until) = until_ms {
            while world.now_ms < until {
                let _ = world.apply(Action::RunFor { ms: (until - world.now_ms).min(RUN_FOR_MS_MAX) });
            }
        }
        world.horizon_ms = None;
        Ok(world)
    }

    // The typed conveniences.
}
