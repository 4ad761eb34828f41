// `make bench`: the playground's frame rate in headless Chromium while a loaded cluster runs. The page opens a
// shared run (a link, as a user would): 9 brokers, one topic of 200 partitions replicated 3 times, a producer
// streaming keyed records and a consumer group member polling in a loop; then it plays at 10× and the page's
// own requestAnimationFrame callbacks time every frame. Long tasks (the main thread blocked > 50 ms) are
// counted by a PerformanceObserver. Prints one table; exits 1 if the budgets (median ≥ 50 fps, no task
// over 50 ms) are not met when FRANZ_BENCH_STRICT=1.
// Usage: node web/bench/frames.mjs   (after `trunk build --release`). To see where the page's time goes:
// FRANZ_CPU_PROFILE=page.cpuprofile writes Chromium's CPU profile of the measured 20 s (open it in DevTools;
// for Rust names, build the page with `data-wasm-opt-params="--converge -g"` into another folder and point
// FRANZ_DIST at it).
import zlib from "node:zlib";
import fs from "node:fs";
import path from "node:path";
import { openBrowser, root } from "../js-tests/browser.mjs";

const PLAYGROUND_WASM_GZIP_BUDGET_KB = 450;
const wasm = fs.readdirSync(path.join(root, "dist")).find((f) => f.endsWith(".wasm"));
const bytes = fs.readFileSync(path.join(root, "dist", wasm));
const gzipKb = zlib.gzipSync(bytes, { level: 9 }).length / 1000;
console.log(`\nPlayground wasm: ${(bytes.length / 1000).toFixed(0)} KB, ${gzipKb.toFixed(0)} KB gzip (budget ${PLAYGROUND_WASM_GZIP_BUDGET_KB} KB gzip)`);

const SPEED = 10;
const MEASURE_MS = 20_000;
const RECORDS_PER_SEC = 200;

const consumer = { groupId: "bench", autoOffsetReset: "earliest" };
const scenario = {
  version: 1, seed: 7, brokers: 9, controllers: 3,
  network: { latencyMs: 1, jitterMs: 1, dropRate: 0 }, config: {},
  actions: [
    { atMs: 3000, action: { type: "createTopic", name: "load", partitions: 200, replicationFactor: 3, config: {} } },
    { atMs: 3000, action: { type: "addProducer", config: { acks: "all", lingerMs: 5 } } },
    { atMs: 3000, action: { type: "addConsumer", config: consumer } },
    { atMs: 3000, action: { type: "subscribe", consumer: 10003, topics: ["load"] } },
    { atMs: 3000, action: { type: "pollLoop", consumer: 10003, intervalMs: 100 } },
    { atMs: 3000, action: { type: "stream", producer: 10002, topic: "load", recordsPerSec: RECORDS_PER_SEC,
      key: { mode: "rotating", prefix: "k", keys: 1000 }, value: "0123456789".repeat(10) } },
    { atMs: 3000, action: { type: "runFor", ms: 5000 } },
  ],
};
const fragment = "#s=" + zlib.deflateRawSync(Buffer.from(JSON.stringify(scenario)), { level: 9 }).toString("base64url");

const { browser, baseUrl, close } = await openBrowser();
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
const errors = [];
page.on("pageerror", (e) => errors.push(String(e)));
await page.goto(baseUrl + fragment);
await page.waitForSelector('[data-testid="log-load-199"], [data-testid="broker-9"]');
await page.selectOption('[data-testid="speed"]', String(SPEED));
const clockMs = async () => Number((await page.locator('[data-testid="clock"]').innerText()).replace(/[^\d]/g, ""));
if ((await page.locator('[data-testid="play"]').innerText()) === "Play") await page.click('[data-testid="play"]');
await page.waitForTimeout(2000); // warm up: the JIT, the first renders at speed
const cdp = process.env.FRANZ_CPU_PROFILE && await page.context().newCDPSession(page);
if (cdp) {
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.start");
}
const virtualStart = await clockMs();
const result = await page.evaluate((measureMs) => new Promise((done) => {
  const frames = [];
  const longTasks = [];
  const observer = new PerformanceObserver((list) => list.getEntries().forEach((e) => longTasks.push(e.duration)));
  observer.observe({ type: "longtask" });
  const start = performance.now();
  let last = start;
  const frame = (now) => {
    frames.push(now - last);
    last = now;
    if (now - start < measureMs) requestAnimationFrame(frame);
    else { observer.disconnect(); done({ frames, longTasks, wallMs: now - start }); }
  };
  requestAnimationFrame((now) => { last = now; requestAnimationFrame(frame); });
}), MEASURE_MS);
const virtualMs = (await clockMs()) - virtualStart;
if (cdp) fs.writeFileSync(process.env.FRANZ_CPU_PROFILE, JSON.stringify((await cdp.send("Profiler.stop")).profile));
const partitions = await page.locator('[data-testid^="log-load-"]').count();
await close();

const sorted = [...result.frames].sort((a, b) => a - b);
const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
const medianFps = 1000 / pct(0.5);
const longest = Math.max(0, ...result.longTasks);
console.log(`\nPlayground frames in headless Chromium (9 brokers, 1 topic × 200 partitions RF 3, a stream of ${RECORDS_PER_SEC} records/s, a polling group member, ${SPEED}× for ${MEASURE_MS / 1000} s; ${partitions} log strips drawn):`);
console.log(`${"frames".padStart(8)}${"median fps".padStart(12)}${"p95 frame ms".padStart(14)}${"max frame ms".padStart(14)}${"tasks > 50 ms".padStart(15)}${"longest task ms".padStart(17)}${"virtual × real".padStart(16)}`);
console.log(`${String(sorted.length).padStart(8)}${medianFps.toFixed(1).padStart(12)}${pct(0.95).toFixed(1).padStart(14)}${sorted[sorted.length - 1].toFixed(1).padStart(14)}${String(result.longTasks.length).padStart(15)}${longest.toFixed(0).padStart(17)}${(virtualMs / result.wallMs).toFixed(1).padStart(16)}`);
if (errors.length) {
  console.error("page errors:", errors);
  process.exit(1);
}
if (process.env.FRANZ_BENCH_STRICT === "1" && (medianFps < 50 || longest > 50 || gzipKb > PLAYGROUND_WASM_GZIP_BUDGET_KB)) {
  console.error("over budget: median fps must be ≥ 50, no task may block the main thread > 50 ms, and the wasm must fit its budget");
  process.exit(1);
}
