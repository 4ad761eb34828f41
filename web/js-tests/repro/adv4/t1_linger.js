// linger.ms 1000, small batch.size: a batch that fills must go at once; one that does not, at linger.
const franz = require(require('node:path').resolve(__dirname, '../../../../pkg/node/franz_web.js'));
const seed = +(process.argv[2] || 1);
const c = new franz.Cluster({ seed, brokers: 3 });
c.createTopic("t", { partitions: 3, replicationFactor: 3 });
c.runFor(1000);
const p = c.producer({ lingerMs: 1000, batchSize: 200, acks: "1", idempotent: false });
// warm up metadata
p.send("t", [{ value: "w", partition: 0 }]);
const out = [];
// small records onto partition 0, one at a time: ~each record maybe 20-70 bytes
const t0 = c.now(); const ids = [];
for (let i = 0; i < 12; i++) { ids.push([p.sendAsync("t", [{ value: "v" + String(i).padStart(30, "x"), partition: 0 }]), c.now()]); c.runFor(5); }
const done = {};
for (let k = 0; k < 300; k++) { c.runFor(10); for (const r of p.results()) done[r.requestId] = [c.now(), r.ok, r.offset]; }
for (const [id, t] of ids) out.push(`${id}: sent@${t - t0} done@${done[id] ? done[id][0] - t0 : "never"} ok=${done[id] && done[id][1]} off=${done[id] && done[id][2]}`);
console.log(out.join("\n"));
