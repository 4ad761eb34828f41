//! Prints the standard workload's speed natively as JSON, for `make bench`'s side-by-side table with wasm.

use std::time::Instant;

use franz_core::sim::workload::standard_workload;

fn main() {
    let runs = 20;
    let first = standard_workload(1).expect("the standard workload runs");
    let start = Instant::now();
    for _ in 0..runs {
        std::hint::black_box(standard_workload(1).expect("the standard workload runs"));
    }
    let wall_s = start.elapsed().as_secs_f64() / runs as f64;
    println!(
        "{{\"where\":\"native\",\"records\":{},\"events\":{},\"virtualMs\":{},\"wallMs\":{:.3},\"eventsPerSecond\":{:.0},\"recordsPerSecond\":{:.0},\"dilation\":{:.1}}}",
        first.records,
        first.events,
        first.virtual_ms,
        wall_s * 1000.0,
        first.events as f64 / wall_s,
        first.records as f64 / wall_s,
        first.virtual_ms as f64 / 1000.0 / wall_s,
    );
}
