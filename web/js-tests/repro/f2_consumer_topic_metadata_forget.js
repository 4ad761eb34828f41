const { franz, Watch, rng, HwHist } = require('./lib2.js');
const seed = +(process.argv[2] || 1), bRate = +(process.argv[3] || 0);
const c = new franz.Cluster({ seed, brokers: 4, config: { "min.insync.replicas": "2" } });
c.createTopic("a", { partitions: 8, replicationFactor: 3 });
c.createTopic("b", { partitions: 8, replicationFactor: 3 });
c.runFor(1000);
const w = new Watch(c), hh = new HwHist(w);
const d = c.describeTopic("a").partitions;
const p0 = d[0];
const spare = [1, 2, 3, 4].find(b => !p0.replicas.includes(b));
const target = [p0.replicas[0], p0.replicas[1], spare];
const others = d.filter(x => x.partition !== 0 && x.leader === p0.leader).map(x => x.partition);
const bs = c.describeTopic("b").partitions.filter(x => x.leader === p0.leader).map(x => x.partition);
const prod = c.producer({ lingerMs: 0, acks: "1" });
const cons = c.consumer({ autoOffsetReset: "earliest" });
cons.assign([...d.map(x => ({ topic: "a", partition: x.partition })), ...[...Array(8).keys()].map(p => ({ topic: "b", partition: p }))]);
cons.poll(500);
prod.send("a", [{ value: "x", partition: 0 }]);
const r = rng(seed);
const late = [];
const t0 = c.now() + 300;
let reassigned = false;
while (c.now() < t0 + 2500) {
  if (!reassigned && c.now() >= t0) { c.reassignPartitions("a", { 0: target }); reassigned = true; }
  prod.sendAsync("a", [{ value: "o", partition: others[r(others.length)] }]);
  if (bRate && r(bRate) === 0 && bs.length) prod.sendAsync("b", [{ value: "b", partition: bs[r(bs.length)] }]);
  const recs = cons.poll(1 + r(10)); w.poll(); hh.poll();
  for (const rec of recs) { const t = hh.when(rec.topic, rec.partition, rec.offset); if (t !== undefined && c.now() - t >= 100) late.push([rec.topic + "-" + rec.partition + "@" + rec.offset, t, c.now()]); }
}
console.log("seed", seed, "leader", p0.leader, "others", others, "b on leader", bs, "reassign at", t0, "late", late.length, JSON.stringify(late.slice(0, 3)), "HWgaps>=100", w.big(100).length);
console.log(c.events().filter(e => e.kind === "consumer_retry").map(e => e.text).join("\n"));
if (process.env.DUMP) {
  const [f, t] = process.env.DUMP.split(",").map(Number);
  for (const e of c.events()) if (e.timeMs >= f && e.timeMs <= t && (e.topic === "b" || e.kind === "consumer_retry" || (e.topic === "a" && e.partition === 0))) console.log(e.text);
}
