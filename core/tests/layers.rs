//! The core's layers, bottom to top, each importing only from below (or, among actors, without a cycle):
//! a new actor event or message cannot make the simulator a dependency of the actors again.
//!
//! 1. types, errors, configs and limits, the seeded RNG streams;
//! 2. the protocol: messages, metadata records, Raft's messages, record batches, trace events and history;
//! 3. pure machinery: the log, the partitioner, the metadata image;
//! 4. actors: broker, clients, controller (with its Raft), group coordinator (with the assignors);
//! 5. the world: simulator, checker, views.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const LAYERS: &[(&str, u8)] = &[
    ("types", 1),
    ("error", 1),
    ("config", 1),
    ("rng", 1),
    ("json", 1),
    ("collect", 1),
    ("vec_map", 1),
    ("protocol", 2),
    ("log", 3),
    ("partitioner", 3),
    ("metadata", 3),
    ("broker", 4),
    ("client", 4),
    ("controller", 4),
    ("group", 4),
    ("sim", 5),
    ("check", 5),
    ("view", 5),
    ("lesson", 5),
];

/// Top-level module → the top-level modules its non-test code names through `crate::`.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(&src).unwrap();
            let first = relative.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
            let module = first.trim_end_matches(".rs").to_string();
            if module == "lib" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            // Unit tests sit at the end of each file; they may use anything.
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            let targets = graph.entry(module.clone()).or_default();
            for (i, _) in code.match_indices("crate::") {
                let name: String = code[i + 7..].chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
                if !name.is_empty() && name != module {
                    targets.insert(name);
                }
            }
        }
    }
    graph
}

fn layer(module: &str) -> u8 {
    LAYERS
        .iter()
        .find(|(m, _)| *m == module)
        .map(|(_, l)| *l)
        .unwrap_or_else(|| panic!("core/src/{module}: give the new top-level module a layer in core/tests/layers.rs"))
}

#[test]
fn every_module_imports_only_from_its_layer_or_below() {
    let mut upward = Vec::new();
    for (module, targets) in imports() {
        for target in targets {
            if layer(&target) > layer(&module) {
                upward.push(format!("{module} (layer {}) imports {target} (layer {})", layer(&module), layer(&target)));
            }
        }
    }
    assert!(upward.is_empty(), "imports that go up a layer:\n{}", upward.join("\n"));
}

#[test]
fn no_actor_imports_the_simulator_the_checker_or_the_views() {
    let graph = imports();
    for actor in ["broker", "client", "controller", "group"] {
        for world in ["sim", "check", "view"] {
            assert!(!graph[actor].contains(world), "{actor} imports {world}");
        }
    }
}

#[test]
fn no_import_cycle_between_top_level_modules() {
    let graph = imports();
    // Depth-first search; a back edge is a cycle, reported as its path.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        if let Some(cycle) = visit(module, &graph, &mut Vec::new(), &mut done) {
            panic!("import cycle: {}", cycle.join(" → "));
        }
    }
}

#[test]
fn the_check_sees_an_upward_import() {
    // The scanner itself: a module naming `crate::sim` is seen to.
    let graph = imports();
    assert!(graph["sim"].contains("broker"), "the simulator drives the brokers: {:?}", graph["sim"]);
    assert!(graph["broker"].contains("protocol"), "{:?}", graph["broker"]);
}
