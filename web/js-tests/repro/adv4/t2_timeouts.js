// Producer timeouts: max.block.ms for a missing topic; delivery.timeout.ms with leaders unreachable;
// sends after those still succeed; close() flushes lingering batches at once.
const franz = require(require('node:path').resolve(__dirname, '../../../../pkg/node/franz_web.js'));
const seed = +(process.argv[2] || 1);
const out = [];
function waitAll(p, ids, maxMs, step = 5) {
  const got = new Map(); const t0 = c.now();
  while (got.size < ids.length && c.now() - t0 < maxMs) { c.runFor(step); for (const r of p.results()) got.set(r.requestId, { ...r, at: c.now() }); }
  return got;
}
const c = new franz.Cluster({ seed, brokers: 3, config: { "min.insync.replicas": "2" } });
c.createTopic("t", { partitions: 3, replicationFactor: 3 });
c.runFor(1000);
// A: missing topic, max.block.ms 2000; interleaved sends to t must not be held.
{
  const p = c.producer({ clientId: "A", maxBlockMs: 2000, lingerMs: 0 });
  p.send("t", [{ value: "warm" }]);
  const t0 = c.now();
  const ids = [];
  for (let i = 0; i < 5; i++) { ids.push(["nope", p.sendAsync("nope", [{ value: "x" + i }]), c.now()]); ids.push(["t", p.sendAsync("t", [{ value: "y" + i }]), c.now()]); c.runFor(100); }
  const got = waitAll(p, ids.map(x => x[1]), 10000);
  for (const [tp, id, ts] of ids) { const g = got.get(id); out.push(`A ${tp} #${id} sent+${ts - t0} -> ${g ? (g.ok ? "ok" : g.code) + " after " + (g.at - ts) : "NO ANSWER"}`); }
  const after = p.send("t", [{ value: "after" }]); out.push("A later send ok " + JSON.stringify(after));
}
// B: leader unreachable (network partition isolates all brokers from clients), delivery.timeout 3000.
{
  const p = c.producer({ clientId: "B", deliveryTimeoutMs: 3000, requestTimeoutMs: 1000, lingerMs: 0 });
  p.send("t", [{ value: "warm", partition: 0 }]);
  c.partitionNetwork([[1, 2, 3, 1001, 1002, 1003]]); // clients on their own side
  const t0 = c.now(); const ids = [];
  for (let i = 0; i < 10; i++) { ids.push([p.sendAsync("t", [{ value: "b" + i, partition: i % 3 }]), c.now()]); c.runFor(150); }
  const got = waitAll(p, ids.map(x => x[0]), 8000);
  let worst = 0, unanswered = 0; const codes = {};
  for (const [id, ts] of ids) { const g = got.get(id); if (!g) { unanswered++; continue; } worst = Math.max(worst, g.at - ts); codes[g.ok ? "ok" : g.code] = (codes[g.ok ? "ok" : g.code] || 0) + 1; }
  out.push(`B unreachable: answers ${JSON.stringify(codes)} unanswered ${unanswered} worst answer after ${worst} ms (delivery.timeout 3000)`);
  c.healNetwork(); c.runFor(200);
  const t1 = c.now(); let ok = null; try { ok = p.send("t", [{ value: "after", partition: 1 }]); } catch (e) { ok = e.code; }
  out.push(`B after heal: ${JSON.stringify(ok)} in ${c.now() - t1} ms`);
}
// C: close() flushes lingering batches at once.
{
  const p = c.producer({ clientId: "C", lingerMs: 20000, deliveryTimeoutMs: 60000 });
  p.send("t", [{ value: "warm" }]); // waits 20 s linger
  const ids = []; for (let i = 0; i < 5; i++) ids.push(p.sendAsync("t", [{ value: "c" + i, partition: i % 3 }]));
  c.runFor(50);
  const t0 = c.now(); p.close(); const dt = c.now() - t0;
  const res = p.results();
  out.push(`C close() took ${dt} ms; results ${JSON.stringify(res.map(r => r.ok ? "ok" : r.code))}`);
}
// D: delivery.timeout < time the topic takes to appear (Kafka: the delivery clock starts after send() returns).
{
  const p = c.producer({ clientId: "D", deliveryTimeoutMs: 2000, requestTimeoutMs: 1000, maxBlockMs: 10000 });
  p.send("t", [{ value: "warm" }]);
  const t0 = c.now();
  const id = p.sendAsync("later", [{ value: "d" }]);
  c.runFor(3000);
  c.createTopic("later", { partitions: 1, replicationFactor: 3 });
  const got = waitAll(p, [id], 15000);
  const g = got.get(id);
  out.push(`D send to a topic created ${3000}ms+ later (max.block 10000, delivery.timeout 2000): ${g ? (g.ok ? "ok" : g.code) + " after " + (g.at - t0) : "NO ANSWER"}`);
}
console.log("seed " + seed + "\n" + out.join("\n"));
