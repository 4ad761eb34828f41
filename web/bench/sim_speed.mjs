// `make bench`: times the standard workload in wasm under Node and prints it beside the native numbers.
// Usage: node web/bench/sim_speed.mjs <pkg dir built with --features bench> '<native JSON line>'
import { createRequire } from "node:module";
import path from "node:path";
import { performance } from "node:perf_hooks";

const [pkgDir, nativeJson] = process.argv.slice(2);
const franz = createRequire(import.meta.url)(path.resolve(pkgDir, "franz_web.js"));
const runs = 20;
const first = franz.benchStandardWorkload(1);
const start = performance.now();
for (let i = 0; i < runs; i++) franz.benchStandardWorkload(1);
const wallS = (performance.now() - start) / 1000 / runs;
const wasm = {
  where: "wasm (Node " + process.versions.node + ")",
  ...first,
  wallMs: +(wallS * 1000).toFixed(3),
  eventsPerSecond: Math.round(first.events / wallS),
  recordsPerSecond: Math.round(first.records / wallS),
  dilation: +((first.virtualMs / 1000) / wallS).toFixed(1),
};
const native = JSON.parse(nativeJson);
if (native.events !== wasm.events || native.virtualMs !== wasm.virtualMs) {
  console.error("native and wasm ran different workloads:", native, wasm);
  process.exit(1);
}
console.log("\nStandard workload (3 controllers, 3 brokers, 4 partitions replicated 3 times, 2,000 records of 100 B, acks=all, then consumed):");
console.log(`${"".padEnd(22)}${"wall ms/run".padStart(12)}${"events/s".padStart(14)}${"records/s".padStart(14)}${"dilation".padStart(12)}`);
for (const r of [native, wasm]) {
  console.log(`${r.where.padEnd(22)}${String(r.wallMs).padStart(12)}${r.eventsPerSecond.toLocaleString("en").padStart(14)}${r.recordsPerSecond.toLocaleString("en").padStart(14)}${(r.dilation.toLocaleString("en") + "×").padStart(12)}`);
}
console.log(`(${native.events} events and ${native.virtualMs} ms of virtual time per run; dilation = virtual seconds per wall second)`);
