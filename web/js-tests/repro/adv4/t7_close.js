// close(): lingering batches go at once; sends that cannot complete fail at delivery.timeout.ms / max.block.ms,
// and close returns then. Results of every send are reported after close.
const franz = require(require('node:path').resolve(__dirname, '../../../../pkg/node/franz_web.js'));
const seed = +(process.argv[2] || 1);
const c = new franz.Cluster({ seed, brokers: 3, config: { "min.insync.replicas": "2" } });
c.createTopic("t", { partitions: 3, replicationFactor: 3 });
c.runFor(1000);
function trial(label, setup) {
  const p = c.producer({ clientId: label, lingerMs: 5000, batchSize: 400, deliveryTimeoutMs: 9000, requestTimeoutMs: 2000, maxBlockMs: 3000 });
  p.send("t", [{ value: "warm", partition: 0 }]);
  const ids = [];
  for (let i = 0; i < 30; i++) ids.push(p.sendAsync("t", [{ value: "v" + i + "-".repeat(30), partition: i % 3 }]));
  const extra = setup(p, ids);
  c.runFor(20);
  const t0 = c.now(); let err = null; try { p.close(); } catch (e) { err = e.code; }
  const took = c.now() - t0;
  const res = p.results(); const codes = {};
  for (const r of res) codes[r.ok ? "ok" : r.code] = (codes[r.ok ? "ok" : r.code] || 0) + 1;
  const missing = ids.filter(id => !res.some(r => r.requestId === id));
  console.log(`seed ${seed} ${label}: close ${err || "ok"} took ${took} ms; results ${JSON.stringify(codes)}; missing ${missing.length}`);
  c.healNetwork(); c.runFor(500);
}
trial("plain", () => {});
trial("missing-topic", (p, ids) => { ids.push(p.sendAsync("nope", [{ value: "n" }])); });
trial("cut", () => { c.partitionNetwork([[1, 2, 3, 1001, 1002, 1003]]); });
trial("followers-down", () => { const d = c.describeTopic("t").partitions[1]; for (const f of d.replicas.filter(b => b !== d.leader)) c.setLink(d.leader, f, { dropRate: 1 }); });
for (let a = 1; a <= 3; a++) for (let b = 1; b <= 3; b++) if (a !== b) c.setLink(a, b, null);
const chk = c.check(); console.log("check", chk.ok, chk.ok ? "" : JSON.stringify(chk.violations.slice(0, 2)));
