// Long-poll: a parked consumer Fetch must be answered as soon as data below its bound arrives; acks=all
// produces answered as soon as the HW passes them. Measures consumer receipt latency after HW advance and
// produce ack latency after HW advance, under several producers and consumers.
const { franz, Watch, rng, HwHist } = require('../lib2.js');
const seed = +(process.argv[2] || 1);
const P = 12;
const c = new franz.Cluster({ seed, brokers: 4, config: { "min.insync.replicas": "2" } });
c.createTopic("a", { partitions: P, replicationFactor: 3 });
c.createTopic("b", { partitions: 4, replicationFactor: 2 });
c.runFor(1000);
const w = new Watch(c), hh = new HwHist(w);
const r = rng(seed);
const prods = [0, 1, 2].map(i => c.producer({ clientId: "p" + i, lingerMs: r(3), acks: i === 2 ? "1" : "all" }));
const cons = [0, 1, 2].map(i => c.consumer({ clientId: "c" + i, autoOffsetReset: "earliest", fetchMaxWaitMs: 500 }));
cons[0].assign([...Array(P).keys()].filter(p => p % 3 === 0).map(p => ({ topic: "a", partition: p })));
cons[1].assign([...Array(P).keys()].filter(p => p % 3 !== 0).map(p => ({ topic: "a", partition: p })).concat([{ topic: "b", partition: 0 }]));
cons[2].assign([...Array(4).keys()].map(p => ({ topic: "b", partition: p })).concat([{ topic: "a", partition: 5 }]));
for (const k of cons) k.poll(200);
const late = []; let n = 0; const ackLate = [];
const sent = new Map();
const tEnd = c.now() + 20000;
while (c.now() < tEnd) {
  if (r(4) === 0) { const pi = r(3), tp = r(3) ? "a" : "b"; const part = r(tp === "a" ? P : 4); const id = prods[pi].sendAsync(tp, [{ value: "v" + n++, partition: part }]); sent.set(pi + ":" + id, { tp, part, t: c.now() }); }
  for (const k of cons) {
    const recs = k.poll(1 + r(30)); w.poll(); hh.poll();
    for (const rec of recs) { const t = hh.when(rec.topic, rec.partition, rec.offset); if (t !== undefined && c.now() - t >= 60) late.push(`${rec.topic}-${rec.partition}@${rec.offset} hw@${t} got@${c.now()}`); }
  }
  prods.forEach((p, pi) => { for (const x of p.results()) { const s = sent.get(pi + ":" + x.requestId); if (!x.ok) ackLate.push("failed " + x.code); else if (pi < 2) { const t = hh.when(s.tp, x.partition, x.offset); if (t !== undefined && c.now() - t > 100) ackLate.push(`ack p${pi} ${s.tp}-${x.partition}@${x.offset} hw@${t} acked-seen@${c.now()}`); } } });
  if (r(200) === 0) c.runFor(r(700));
}
console.log(`seed ${seed} records ${n} late consumer receipts(>=60ms after HW) ${late.length} ${late.slice(0, 3)} ack problems ${ackLate.length} ${ackLate.slice(0, 3)} HW gaps>=100 ${w.big(100).length} ${JSON.stringify(w.summary())}`);
const chk = c.check(); console.log("check", chk.ok, chk.ok ? "" : JSON.stringify(chk.violations.slice(0, 2)));
