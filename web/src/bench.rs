//! `make bench` only: the benchmark workloads (`franz_core::sim::workload`), run in wasm so Node can time
//! them beside the native runs.

use wasm_bindgen::prelude::*;

use franz_core::sim::workload::{self, LoadedCluster};
use franz_core::sim::World;

use crate::convert::{js_error, to_js};

/// Runs `standard_workload` once: `{ records, events, virtualMs }`.
#[wasm_bindgen(js_name = benchStandardWorkload)]
pub fn bench_standard_workload(seed: u32) -> Result<JsValue, JsValue> {
    to_js(&workload::standard_workload(u64::from(seed)).map_err(js_error)?)
}

/// Runs `bulk_workload` once: `{ records, events, virtualMs }`.
#[wasm_bindgen(js_name = benchBulkWorkload)]
pub fn bench_bulk_workload(seed: u32) -> Result<JsValue, JsValue> {
    to_js(&workload::bulk_workload(u64::from(seed)).map_err(js_error)?)
}

/// The loaded cluster, started; `runMs` runs it on and returns `{ sent, acknowledged, consumed, events,
/// virtualMs }` so far.
#[wasm_bindgen(js_name = BenchLoadedCluster)]
pub struct BenchLoadedCluster(LoadedCluster);

#[wasm_bindgen(js_class = BenchLoadedCluster)]
impl BenchLoadedCluster {
    #[wasm_bindgen(constructor)]
    pub fn new(seed: u32) -> Result<BenchLoadedCluster, JsValue> {
        Ok(BenchLoadedCluster(LoadedCluster::new(u64::from(seed)).map_err(js_error)?))
    }

    #[wasm_bindgen(js_name = runMs)]
    pub fn run_ms(&mut self, ms: u32) -> Result<JsValue, JsValue> {
        to_js(&self.0.run_ms(u64::from(ms)))
    }
}

/// An idle cluster, formed; `runMs` idles it and returns `{ events, virtualMs }` of that run.
#[wasm_bindgen(js_name = BenchIdleCluster)]
pub struct BenchIdleCluster(World);

#[wasm_bindgen(js_class = BenchIdleCluster)]
impl BenchIdleCluster {
    #[wasm_bindgen(constructor)]
    pub fn new(seed: u32, brokers: u32, partitions: u32) -> Result<BenchIdleCluster, JsValue> {
        Ok(BenchIdleCluster(workload::idle_cluster(u64::from(seed), brokers, partitions).map_err(js_error)?))
    }

    #[wasm_bindgen(js_name = runMs)]
    pub fn run_ms(&mut self, ms: u32) -> Result<JsValue, JsValue> {
        to_js(&workload::run_idle(&mut self.0, u64::from(ms)))
    }
}
