//! The explorer's sweeps: seeded whole-cluster histories, each checked for Kafka's safety and, once every
//! fault heals, for liveness (see `franz_tests::explorer`). CI explores 1,000 histories; `make soak` explores
//! 100,000 (`FRANZ_SOAK=1`, spread over every core). `FRANZ_EXPLORE_SEED=n` replays one history and prints
//! its trace. Every scenario in `tests/tests/fixtures/regressions/` (a shrunk failure, saved when its bug was
//! fixed) must pass.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use franz_core::sim::scenario::Scenario;
use franz_core::World;
use franz_tests::explorer::{explore, history_scenario, judge, judge_shrunk, report, shrink, Coverage, Failure, Size};

/// Explores `count` histories from `first` on every core; panics with the first failure, shrunk.
fn sweep(first: u64, count: u64, size: Size) -> Coverage {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
    let next = AtomicU64::new(first);
    let total = Mutex::new(Coverage::new());
    let failed: Mutex<Option<Box<Failure>>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let seed = next.fetch_add(1, Ordering::Relaxed);
                if seed >= first + count || failed.lock().unwrap().is_some() {
                    return;
                }
                match explore(seed, size) {
                    Ok(coverage) => {
                        let mut total = total.lock().unwrap();
                        for (k, v) in coverage {
                            *total.entry(k).or_default() += v;
                        }
                        *total.entry("histories").or_default() += 1;
                    }
                    Err(failure) if std::env::var("FRANZ_EXPLORE_ALL").is_ok() => {
                        // Survey mode: every failing seed, one line each, no shrinking.
                        println!("seed {} failed: {}", failure.seed, failure.reason);
                    }
                    Err(failure) => {
                        let mut slot = failed.lock().unwrap();
                        if slot.as_ref().is_none_or(|f| failure.seed < f.seed) {
                            *slot = Some(failure);
                        }
                    }
                }
            });
        }
    });
    if let Some(failure) = failed.into_inner().unwrap() {
        let attempts = std::env::var("FRANZ_EXPLORE_SHRINK").ok().and_then(|s| s.parse().ok()).unwrap_or(300);
        let shrunk = shrink(&failure, attempts);
        panic!("{}", report(&failure, &shrunk));
    }
    let total = total.into_inner().unwrap();
    println!("explored from seed {first}: {total:#?}");
    total
}

#[test]
fn explorer_1000_histories_keep_kafkas_promises() {
    if std::env::var("FRANZ_EXPLORE_SEED").is_ok() {
        return;
    }
    let count = std::env::var("FRANZ_EXPLORE_HISTORIES").ok().and_then(|s| s.parse().ok()).unwrap_or(1_000);
    let coverage = sweep(0, count, Size::CI);
    assert_eq!(coverage.get("histories"), Some(&count));
    println!("{coverage:#?}");
    // A sweep that does not reach these paths proves nothing about them.
    for op in [
        "send",
        "poll",
        "crashBroker",
        "powerLoss",
        "restartBroker",
        "crashController",
        "partitionNetwork",
        "addConsumer(subscribe, static)",
        "addConsumer(assign)",
        "addProducer(acks=0)",
        "addProducer(acks=1)",
        "recreateTopic",
        "reassignPartitions",
        "metadataChurn",
        "crashConsumer",
        "batch splits (trace)",
        "coordinatorCut",
        "pauseInRebalance",
        "pauseClient",
        "commitReplicatingThroughFailover",
    ] {
        assert!(coverage.get(op).copied().unwrap_or(0) > 10, "only {:?} of {op}", coverage.get(op));
    }
}

#[test]
#[ignore = "long: run with `make soak`"]
fn soak_explorer_100000_histories() {
    let count = std::env::var("FRANZ_SOAK_HISTORIES").ok().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let first = std::env::var("FRANZ_SOAK_FIRST").ok().and_then(|s| s.parse().ok()).unwrap_or(10_000_000);
    sweep(first, count, Size::SOAK);
}

/// `FRANZ_EXPLORE_SEED=n cargo test -p franz-tests --test explorer -- one_seed --nocapture`
#[test]
fn one_seed() {
    let Some(seed) = std::env::var("FRANZ_EXPLORE_SEED").ok().and_then(|s| s.parse().ok()) else { return };
    let size = if std::env::var("FRANZ_SOAK").is_ok() { Size::SOAK } else { Size::CI };
    match explore(seed, size) {
        Ok(coverage) => println!("seed {seed} passed: {coverage:#?}"),
        Err(failure) => {
            if let Ok(w) = World::replay(&failure.scenario, None) {
                for e in w.trace().since(0) {
                    println!("{}", e.text());
                }
            }
            let attempts = std::env::var("FRANZ_EXPLORE_SHRINK").ok().and_then(|s| s.parse().ok()).unwrap_or(300);
            let shrunk = shrink(&failure, attempts);
            panic!("{}", report(&failure, &shrunk));
        }
    }
}

/// Every saved regression scenario, by file name.
fn regression_scenarios() -> Vec<(String, Scenario)> {
    use std::io::Read;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/regressions");
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let scenarios = files.iter().filter(|p| {
        let name = p.to_string_lossy();
        name.ends_with(".json") || name.ends_with(".json.gz")
    });
    scenarios
        .map(|path| {
            let bytes = std::fs::read(path).unwrap();
            let json = if path.to_string_lossy().ends_with(".gz") {
                let mut text = String::new();
                flate2::read::GzDecoder::new(&bytes[..]).read_to_string(&mut text).unwrap();
                text
            } else {
                String::from_utf8(bytes).unwrap()
            };
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, Scenario::parse(&json).unwrap())
        })
        .collect()
}

/// Named `explorer_` so that it runs in the optimized profile only: some scenarios are long.
#[test]
fn explorer_every_saved_regression_scenario_passes() {
    for (name, scenario) in regression_scenarios() {
        if let Err(reason) = judge(&scenario) {
            panic!("{name} fails again: {reason}");
        }
    }
}

/// The shrinker's rules of a valid history (`judge_shrunk`'s `invalid`) hold for every history the explorer
/// makes: judged from its scenario, each of the first histories passes, as it did when the explorer ran it.
#[test]
fn explorer_generated_histories_are_valid_and_judged_as_they_ran() {
    use franz_core::sim::scenario::Action;
    let mut unflushed_power_losses = 0;
    for seed in 1..=60 {
        let scenario = history_scenario(seed, Size::CI).unwrap();
        if let Err(reason) = judge_shrunk(&scenario) {
            panic!("explorer seed {seed}, judged from its scenario: {reason}");
        }
        let unflushed = scenario.config.get("log.flush.interval.messages").is_none_or(|v| v != "1");
        let power_losses = scenario.actions.iter().filter(|e| matches!(e.action, Action::PowerLoss { .. })).count();
        unflushed_power_losses += if unflushed { power_losses } else { 0 };
    }
    assert!(unflushed_power_losses >= 3, "only {unflushed_power_losses} unflushed power losses were checked");
}

/// A replay a slice at a time (a page going back in time across frames: `runFor`s and blocking calls' waits cut
/// into chunks) is the replay whole, over the explorer's histories and every saved regression scenario.
#[test]
fn explorer_histories_replayed_in_slices_are_the_same_runs() {
    let mut scenarios = regression_scenarios();
    for seed in 1..=12 {
        scenarios.push((format!("explorer seed {seed}"), history_scenario(seed, Size::CI).unwrap()));
    }
    for (i, (name, scenario)) in scenarios.iter().enumerate() {
        let whole = World::replay(scenario, None).unwrap();
        let events = [1, 7, 40][i % 3];
        let mut replay = franz_core::sim::Replay::start(scenario, None).unwrap();
        while !replay.advance(events) {}
        let sliced = replay.finish();
        assert_eq!(sliced.trace().hash(), whole.trace().hash(), "{name} in slices of {events} events");
        assert_eq!(sliced.scenario().unwrap(), whole.scenario().unwrap(), "{name} recorded alike");
    }
}

/// A refactoring changes no behaviour: each saved scenario, the first explorer histories and every lesson
/// replay to the trace hashes in `fixtures/trace-hashes.txt`. A change that means to alter behaviour updates the file
/// (`FRANZ_BLESS=1`) and says why in its commit.
#[test]
fn explorer_trace_hashes_are_known() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/trace-hashes.txt");
    let mut scenarios = regression_scenarios();
    let basic = include_str!("fixtures/basic-scenario.json");
    scenarios.push((String::from("basic-scenario.json"), Scenario::parse(basic).unwrap()));
    for seed in 1..=6 {
        scenarios.push((format!("explorer seed {seed}"), history_scenario(seed, Size::CI).unwrap()));
    }
    let mut actual: String = scenarios
        .iter()
        .map(|(name, scenario)| {
            let world = World::replay(scenario, None).unwrap();
            format!("{:016x} {name}\n", world.trace().hash())
        })
        .collect();
    for lesson in franz_core::lesson::library() {
        let (world, _) = franz_core::lesson::play(&lesson).unwrap();
        actual += &format!("{:016x} lesson {}\n", world.trace().hash(), lesson.id);
    }
    if std::env::var("FRANZ_BLESS").is_ok() {
        std::fs::write(path, &actual).unwrap();
        return;
    }
    let known = std::fs::read_to_string(path).unwrap_or_default();
    assert_eq!(actual, known, "trace hashes changed (FRANZ_BLESS=1 records them, if the change means to)");
}
