//! `make bench` only: the standard workload, run in wasm so Node can time it beside the native run.

use wasm_bindgen::prelude::*;

use crate::convert::{js_error, to_js};

/// Runs `franz_core::sim::workload::standard_workload` once: `{ records, events, virtualMs }`.
#[wasm_bindgen(js_name = benchStandardWorkload)]
pub fn bench_standard_workload(seed: u32) -> Result<JsValue, JsValue> {
    let stats = franz_core::sim::workload::standard_workload(u64::from(seed)).map_err(js_error)?;
    to_js(&stats)
}
