// Idempotent producers (max.in.flight 5) under faults. Checks: every send answered within delivery.timeout.ms
// (+slack); acked records are in the final log at their offsets; no value twice; per producer+partition, acked
// sends' offsets follow send order; cluster.check().
const franz = require(require('node:path').resolve(__dirname, '../../../../pkg/node/franz_web.js'));
function rng(seed) { let a = seed >>> 0; return (n) => { a = (a + 0x6D2B79F5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return (((t ^ (t >>> 14)) >>> 0) % n); }; }
const seed = +(process.argv[2] || 1);
const MODE = process.env.MODE || "mix";
const DROP = +(process.env.DROP || 0);
const N = +(process.env.N || 3000);
const LINGER = +(process.env.LINGER || 5), BATCH = +(process.env.BATCH || 16384), DT = +(process.env.DT || 40000), RT = +(process.env.RT || 3000);
const PARTS = +(process.env.PARTS || 6);
const c = new franz.Cluster({ seed, brokers: 4, network: { latencyMs: 2, jitterMs: 2, dropRate: DROP }, config: { "min.insync.replicas": "2", "replica.lag.time.max.ms": 3000 } });
c.createTopic("t", { partitions: PARTS, replicationFactor: 3 });
c.runFor(1000);
const r = rng(seed * 7919);
const NP = 3;
const ps = [...Array(NP).keys()].map(i => c.producer({ clientId: "p" + i, lingerMs: LINGER, batchSize: BATCH, deliveryTimeoutMs: DT, requestTimeoutMs: RT, maxInFlightRequestsPerConnection: +(process.env.MIF || 5), idempotent: process.env.IDEM !== "0" }));
const sends = []; // {p, id, t, part, vals}
const byId = ps.map(() => new Map());
const res = ps.map(() => new Map());
let prevCollect = 0, lastCollect = 0;
function collect() { prevCollect = lastCollect; lastCollect = c.now(); ps.forEach((p, i) => { for (const x of p.results()) { if (res[i].has(x.requestId)) console.log("DOUBLE RESULT", i, x.requestId); res[i].set(x.requestId, { ...x, at: c.now(), prev: prevCollect }); } }); }
let faultLog = [];
function run(ms) { const end = c.now() + ms; while (c.now() < end) { c.runFor(Math.min(10, end - c.now())); collect(); } }
for (let i = 0; i < N; i++) {
  const pi = r(NP), part = r(PARTS), n = 1 + r(3);
  const vals = [...Array(n).keys()].map(k => `p${pi}-${i}-${k}`);
  const id = ps[pi].sendAsync("t", vals.map(v => ({ value: v, partition: part })));
  const s = { pi, id, t: c.now(), part, vals }; sends.push(s); byId[pi].set(id, s);
  if (i % 300 === 150) {
    const b = 1 + r(4);
    const op = MODE === "mix" ? r(6) : +MODE;
    faultLog.push(`${c.now()} op${op} b${b}`);
    try {
      if (op === 0) { c.crashBroker(b); run(100 + r(800)); c.restartBroker(b); }
      else if (op === 1) { c.partitionNetwork([[b]]); run(200 + r(4000)); c.healNetwork(); }
      else if (op === 2) { c.electPreferredLeaders(); }
      else if (op === 3) { c.pauseNode(b, 300 + r(4000)); run(r(2000)); }
      else if (op === 4) { c.setNetwork({ dropRate: 0.2 }); run(300 + r(1000)); c.setNetwork({ dropRate: DROP }); }
      else if (op === 5) { c.reassignPartitions("t", { [r(PARTS)]: [1, 2, 3, 4].sort(() => r(3) - 1).slice(0, 3) }); }
    } catch (e) { faultLog.push("fault err " + e.code); }
  }
  c.runFor(r(4));
  collect();
}
const tEnd = c.now();
run(DT + 10000);
const problems = [];
// unanswered / late
for (const s of sends) {
  const x = res[s.pi].get(s.id);
  if (!x) { problems.push(`unanswered p${s.pi} #${s.id} sent@${s.t}`); continue; }
  if (x.prev - s.t > DT + 600) problems.push(`late answer p${s.pi} #${s.id} sent@${s.t} answered in (${x.prev},${x.at}] (${x.at - s.t} ms > delivery.timeout ${DT}) ok=${x.ok} ${x.code || ""}`);
}
// logs
const d = c.describeTopic("t");
const logs = {};
for (const p of d.partitions) {
  const L = p.leader;
  logs[p.partition] = c.readLog(L, "t", p.partition, { maxRecords: 1e6 });
  const seen = new Map();
  for (const rec of logs[p.partition]) { if (seen.has(rec.value)) { if (process.env.IDEM !== "0") problems.push(`dup t-${p.partition} ${rec.value} at ${seen.get(rec.value)} and ${rec.offset}`); } else seen.set(rec.value, rec.offset); }
  for (const b of p.replicas) { const l2 = c.readLog(b, "t", p.partition, { maxRecords: 1e6 }); if (l2.length !== logs[p.partition].length) problems.push(`replica ${b} t-${p.partition} len ${l2.length} vs leader ${logs[p.partition].length}`); }
}
let ok = 0, failed = 0; const codes = {};
const lastOff = {};
for (const s of sends) {
  const x = res[s.pi].get(s.id); if (!x) continue;
  if (!x.ok) { failed++; codes[x.code] = (codes[x.code] || 0) + 1; continue; }
  ok++;
  x.records.forEach((m, k) => {
    const rec = logs[m.partition].find(q => q.offset === m.offset);
    if (!rec || rec.value !== s.vals[k]) problems.push(`acked p${s.pi} #${s.id} ${s.vals[k]} @${m.partition}/${m.offset} but log has ${rec && rec.value}`);
  });
  const key = s.pi + "/" + s.part; const off = x.records[0].offset;
  if (lastOff[key] !== undefined && off < lastOff[key].off) problems.push(`reorder p${s.pi} t-${s.part}: #${s.id} acked @${off} after #${lastOff[key].id} @${lastOff[key].off}`);
  lastOff[key] = { off, id: s.id };
}
// per producer order in log: values of a producer in a partition appear in increasing i order
for (const p of d.partitions) {
  const last = {};
  for (const rec of logs[p.partition]) { const [pp, i, k] = rec.value.split("-"); const v = +i * 10 + +k; if (last[pp] !== undefined && v < last[pp]) problems.push(`log order t-${p.partition} ${rec.value} after ${last[pp]}`); last[pp] = v; }
}
const chk = c.check();
console.log(`seed ${seed} mode ${MODE} drop ${DROP} sends ${sends.length} ok ${ok} failed ${failed} ${JSON.stringify(codes)} problems ${problems.length} check ${chk.ok} ${chk.ok ? "" : JSON.stringify(chk.violations.slice(0, 3))}`);
if (problems.length) console.log(problems.slice(0, 10).join("\n"));
if (process.env.V) console.log(faultLog.join("\n"));
if (process.env.SAVE) require("fs").writeFileSync(process.env.SAVE, c.scenario());
