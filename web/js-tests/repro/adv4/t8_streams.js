// Streams (scenario actions, replayed): records of one send share one buffer. Every record in the logs must
// have value "<value>-<n>", key per mode, and land on murmur2(key)'s partition; n's unique and complete.
const franz = require(require('node:path').resolve(__dirname, '../../../../pkg/node/franz_web.js'));
const seed = +(process.argv[2] || 1);
const c = new franz.Cluster({ seed, brokers: 3, config: { "min.insync.replicas": "2" } });
c.createTopic("s", { partitions: 7, replicationFactor: 3 });
c.runFor(500);
const names = ["rot", "fix", "none"];
const ps = names.map((n, i) => c.producer({ clientId: n, lingerMs: [0, 7, 30][i], batchSize: [16384, 300, 1000][i] }));
const sc = JSON.parse(c.scenario());
const ids = sc.actions.filter(a => a.action.type === "addProducer").map((a, i) => 10001 + i);
// find producers' node ids from the trace
const started = c.events().filter(e => e.kind === "client_started").map(e => [e.clientId, e.node]);
const idOf = Object.fromEntries(started);
const at = c.now();
const V = ["välue", "x".repeat(200), ""][seed % 3];
sc.actions.push({ atMs: at, action: { type: "stream", producer: idOf.rot, topic: "s", recordsPerSec: 3000, key: { mode: "rotating", prefix: "k", keys: 13 }, value: "r" + V } });
sc.actions.push({ atMs: at, action: { type: "stream", producer: idOf.fix, topic: "s", recordsPerSec: 777, key: { mode: "fixed", key: "ké" }, value: "f" + V } });
sc.actions.push({ atMs: at, action: { type: "stream", producer: idOf.none, topic: "s", recordsPerSec: 2500, key: { mode: "none" }, value: "n" } });
sc.actions.push({ atMs: at, action: { type: "runFor", ms: 1500 } });
sc.actions.push({ atMs: at + 1500, action: { type: "crashBroker", id: 1 + (seed % 3) } });
sc.actions.push({ atMs: at + 1500, action: { type: "runFor", ms: 700 } });
sc.actions.push({ atMs: at + 2200, action: { type: "restartBroker", id: 1 + (seed % 3) } });
sc.actions.push({ atMs: at + 2200, action: { type: "runFor", ms: 1000 } });
for (const n of names) sc.actions.push({ atMs: at + 3200, action: { type: "stopStream", producer: idOf[n] } });
sc.actions.push({ atMs: at + 3200, action: { type: "runFor", ms: 20000 } });
const r = franz.Cluster.replay(JSON.stringify(sc));
const problems = []; const seen = { r: new Set(), f: new Set(), n: new Set() };
const dec = (x) => x === null ? null : (typeof x === "string" ? x : Buffer.from(x).toString());
for (const p of r.describeTopic("s").partitions) {
  const log = r.readLog(p.leader, "s", p.partition, { maxRecords: 1e6 });
  for (const rec of log) {
    const v = dec(rec.value), k = dec(rec.key);
    const m = /^([rfn])(.*)-(\d+)$/s.exec(v);
    if (!m) { problems.push(`bad value ${JSON.stringify(v)} key ${JSON.stringify(k)} at s-${p.partition}@${rec.offset}`); continue; }
    const [, kind, text, num] = m; const n = +num;
    if (kind !== "n" && text !== V) problems.push(`value text ${JSON.stringify(text)} != ${JSON.stringify(V)}`);
    const wantKey = kind === "r" ? "k-" + (n % 13) : kind === "f" ? "ké" : null;
    if (k !== wantKey) problems.push(`record ${v} key ${JSON.stringify(k)} want ${JSON.stringify(wantKey)}`);
    if (wantKey !== null && franz.partitionForKey(wantKey, 7) !== p.partition) problems.push(`record ${v} on partition ${p.partition}, key says ${franz.partitionForKey(wantKey, 7)}`);
    if (seen[kind].has(n)) problems.push(`dup ${v}`); seen[kind].add(n);
  }
}
const counts = Object.fromEntries(Object.entries(seen).map(([k, s]) => [k, [s.size, Math.max(-1, ...s)]]));
const chk = r.check();
console.log(`seed ${seed} value ${JSON.stringify(V.slice(0, 10))} records per stream [distinct, max n] ${JSON.stringify(counts)} problems ${problems.length} ${problems.slice(0, 4)} check ${chk.ok} ${chk.ok ? "" : JSON.stringify(chk.violations.slice(0, 2))}`);
if (process.env.V) { const ev = r.events().filter(e => (e.kind === "produce_failed" || e.kind === "produce_retry") ); console.log(ev.length, ev.slice(0, 10).map(e => e.text).join("\n")); console.log(r.events().filter(e=>e.kind==="client_stopped"||e.kind.startsWith("broker")).map(e=>e.text).join("\n")); }
