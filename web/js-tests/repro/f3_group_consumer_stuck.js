// Fault mix over 150 partitions, acks=all, min.insync=2: nothing acknowledged lost, replicas converge, HW = LEO, group lag 0.
const franz = require(require('node:path').resolve(__dirname, '../../../pkg/node/franz_web.js'));
function rng(seed) { let a = seed >>> 0; return (n) => { a = (a + 0x6D2B79F5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return (((t ^ (t >>> 14)) >>> 0) % n); }; }
const seed = +(process.argv[2] || 1);
const c = new franz.Cluster({ seed, brokers: 4, config: { "min.insync.replicas": "2", "replica.lag.time.max.ms": 3000 } });
c.createTopic("a", { partitions: 100, replicationFactor: 3 });
c.createTopic("b", { partitions: 50, replicationFactor: 3, config: { "segment.bytes": 400, "retention.bytes": 800 } });
c.runFor(500);
const r = rng(seed);
const ps = [0, 1, 2].map(i => c.producer({ clientId: "p" + i, lingerMs: 2 }));
const cons = c.consumer({ groupId: "g", clientId: "c1", autoOffsetReset: "earliest" });
cons.subscribe(["a"]);
for (let i = 0; i < 4000; i++) {
  ps[r(3)].sendAsync(r(2) ? "a" : "b", [{ value: "v" + i, partition: r(r(2) ? 100 : 50) }]);
  if (i % 400 === 200) {
    const op = r(6), b = 1 + r(4);
    try {
      if (op === 0) { c.crashBroker(b); c.runFor(200 + r(800)); c.restartBroker(b); }
      else if (op === 1) { c.partitionNetwork([[b]]); c.runFor(200 + r(3000)); c.healNetwork(); }
      else if (op === 2) { c.powerLoss(b); c.runFor(r(500)); c.restartBroker(b); }
      else if (op === 3) c.electPreferredLeaders();
      else if (op === 4) c.reassignPartitions("a", { [r(100)]: [1, 2, 3, 4].sort(() => r(3) - 1).slice(0, 3) });
      else c.pauseNode(b, 300 + r(2000));
    } catch (e) { }
  }
  cons.poll(r(5));
}
for (const p of ps) p.results();
for (let i = 0; i < 200; i++) cons.poll(100);
const asg = cons.assignment(); const behind = [];
for (const tp of asg) { const hw = c.describeTopic(tp.topic).partitions[tp.partition].highWatermark; const pos = cons.position(tp.topic, tp.partition); if (pos !== hw) behind.push(`${tp.topic}-${tp.partition} pos ${pos} hw ${hw}`); }
const lead = {}; for (const b of behind) { const [t, p] = b.split(" ")[0].split("-"); const L = c.describeTopic(t).partitions[+p].leader; lead[L] = (lead[L] || 0) + 1; }
console.log("behind by leader", JSON.stringify(lead), "brokers", JSON.stringify(c.describeCluster().brokers), "now", c.now());
console.log(c.events().filter(e => e.node >= 10000 || e.kind.startsWith("broker") || e.kind==="node_paused" || e.kind.startsWith("network")).slice(-15).map(e => e.text).join("\n"));
console.log("assigned", asg.length, "behind", behind.length, behind.slice(0, 4), JSON.stringify(c.describeGroup("g").state));
try { cons.commitSync(); } catch (e) { console.log("commit", e.code); }
c.runFor(5000);
const issues = [];
for (const t of ["a", "b"]) for (const p of c.describeTopic(t).partitions) {
  const leos = Object.values(p.logEndOffsets);
  if (p.isr.length < 3) issues.push(`${t}-${p.partition} isr ${p.isr}`);
  if (leos.some(x => x !== p.highWatermark)) issues.push(`${t}-${p.partition} HW ${p.highWatermark} LEOs ${JSON.stringify(p.logEndOffsets)}`);
}
const lag = c.groupOffsets("g").filter(o => o.lag !== 0);
const chk = c.check();
console.log("seed", seed, "issues", issues.length, issues.slice(0, 4), "lag!=0", lag.length, JSON.stringify(lag.slice(0, 2)), "check", chk.ok, chk.ok ? "" : JSON.stringify(chk.violations.slice(0, 2)));
