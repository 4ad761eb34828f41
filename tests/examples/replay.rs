//! Replays a scenario file and prints what the checker says (and the trace's hash, to compare with wasm's
//! `traceHash()`): `cargo run --profile explore -p franz-tests
//! --example replay -- path/to/scenario.json [until_ms [client <name> | <broker> <topic> <partition>]]`.
//! `FRANZ_REPLAY_TRACE=1` prints the whole trace first; `FRANZ_REPLAY_HISTORY=<text>` the history ops holding it. `FRANZ_REPLAY_JUDGE=1`: judged as the explorer
//! judges (then every fault healed and the cluster asked to serve), printing its verdict and trace (and the
//! history ops `FRANZ_REPLAY_HISTORY` names).
//! `FRANZ_REPLAY_SHRINK=<attempts>`: judged, and if it fails, shrunk as the explorer shrinks a failing
//! history (a saved history whose seed the explorer no longer draws the same), printing the shrunk JSON.
use franz_core::sim::scenario::Scenario;
use franz_core::World;

fn main() {
    let path = std::env::args().nth(1).expect("a scenario file");
    let json = std::fs::read_to_string(&path).expect("readable");
    let scenario = Scenario::parse(&json).expect("a scenario");
    if let Some(attempts) = std::env::var("FRANZ_REPLAY_SHRINK").ok().and_then(|s| s.parse().ok()) {
        let Err(reason) = franz_tests::explorer::judge(&scenario) else {
            println!("judged: Ok(()), nothing to shrink");
            return;
        };
        println!("judged: {reason}");
        let failure = franz_tests::explorer::Failure { seed: scenario.seed, reason, scenario };
        let shrunk = franz_tests::explorer::shrink(&failure, attempts);
        println!("shrunk to {} actions (from {}):", shrunk.actions.len(), failure.scenario.actions.len());
        println!("{}", shrunk.to_json());
        return;
    }
    if std::env::var("FRANZ_REPLAY_JUDGE").is_ok() {
        let (world, verdict) = franz_tests::explorer::judge_keeping(&scenario);
        for e in world.iter().flat_map(|w| w.trace().since(0)) {
            println!("{}", e.text());
        }
        if let Ok(needle) = std::env::var("FRANZ_REPLAY_HISTORY") {
            for e in world.iter().flat_map(|w| w.history().entries()) {
                let text = format!("{e:?}");
                if text.contains(&needle) {
                    println!("{text}");
                }
            }
        }
        println!("judged: {verdict:?}");
        return;
    }
    let started = std::time::Instant::now();
    let until: Option<u64> = std::env::args().nth(2).and_then(|s| s.parse().ok());
    let w = World::replay(&scenario, until).expect("replayed");
    // `replay file until client <name>`: that client's whole state then (its requests out, its metadata).
    if std::env::args().nth(3).as_deref() == Some("client") {
        let name = std::env::args().nth(4).expect("a client name");
        let node = w.client_by_name(&name).and_then(|id| w.node(id));
        match node {
            Some(franz_core::sim::Node::Consumer(c)) => println!("{c:#?}"),
            Some(franz_core::sim::Node::Producer(p)) => println!("{p:#?}"),
            None if name.parse::<i32>().is_ok() => match w.node(name.parse().unwrap()) {
                Some(node) => println!("{node:#?}"),
                None => println!("no node {name}"),
            },
            _ => println!("no client named {name}"),
        }
        return;
    }
    // `replay file until broker topic partition`: that replica as its broker holds it, then.
    if let (Some(b), Some(t), Some(p)) = (std::env::args().nth(3), std::env::args().nth(4), std::env::args().nth(5)) {
        let (b, p): (i32, u32) = (b.parse().unwrap(), p.parse().unwrap());
        if let Some(r) = w.broker(b).and_then(|x| x.partition(&t, p)) {
            println!(
                "broker {b} {t}-{p}: leader {} epoch {} isr {:?} pending {:?} hw {} leo {} followers {:?}",
                r.leader,
                r.leader_epoch,
                r.isr,
                r.pending_isr,
                r.high_watermark,
                r.log.log_end_offset(),
                r.followers
            );
        }
    }
    if std::env::var("FRANZ_REPLAY_TRACE").is_ok() {
        for e in w.trace().since(0) {
            println!("{}", e.text());
        }
    }
    // The history ops whose debug text holds this (a client id, a topic name).
    if let Ok(needle) = std::env::var("FRANZ_REPLAY_HISTORY") {
        for e in w.history().entries() {
            let text = format!("{e:?}");
            if text.contains(&needle) {
                println!("{text}");
            }
        }
    }
    let report = w.check();
    println!(
        "{} actions, {} ms of virtual time, {} events, replayed in {:?}: ok={} historyComplete={} traceHash={:016x}",
        scenario.actions.len(),
        w.now_ms(),
        w.events_dispatched(),
        started.elapsed(),
        report.ok,
        report.history_complete,
        w.trace().hash()
    );
    let mut kinds = std::collections::BTreeMap::new();
    for v in &report.violations {
        *kinds.entry(format!("{:?}", v.kind)).or_insert(0) += 1;
    }
    println!("{kinds:?}");
    for v in report.violations.iter().take(5) {
        println!("{:?} {}-{} {:?}: {}", v.kind, v.topic, v.partition, v.offset, v.detail);
    }
}
