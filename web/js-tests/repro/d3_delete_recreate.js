// Delete and recreate topic "x" (RF 3) many times under load; every replica of the newest x must hold only
// records sent to the newest x, and match its leader.
const franz = require(require('node:path').resolve(__dirname, '../../../pkg/node/franz_web.js'));
function rng(seed) { let a = seed >>> 0; return (n) => { a = (a + 0x6D2B79F5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return (((t ^ (t >>> 14)) >>> 0) % n); }; }
const seed = +(process.argv[2] || 1), ROUNDS = +(process.argv[3] || 30), gapMs = +(process.argv[4] || 0);
const c = new franz.Cluster({ seed, brokers: 3, config: { "min.insync.replicas": "2" }, network: { latencyMs: +(process.env.LAT||2), jitterMs: +(process.env.JIT||3) } });
c.createTopic("bg", { partitions: 30, replicationFactor: 3 });
c.createTopic("x", { partitions: 6, replicationFactor: 3 });
c.runFor(500);
const r = rng(seed);
const bgp = c.producer({ clientId: "bg", lingerMs: 1, acks: "all" });
let gen = 0; const problems = [];
for (let round = 0; round < ROUNDS; round++) {
  const px = c.producer({ clientId: "px" + round, lingerMs: 1, acks: "1" });
  const steps = 20 + r(60);
  for (let i = 0; i < steps; i++) {
    for (let k = 0; k < 3; k++) px.sendAsync("x", [{ value: `g${gen}-${i}-${k}`, partition: r(6) }]);
    bgp.sendAsync("bg", [{ value: "b", partition: r(30) }]);
    c.runFor(r(4));
  }
  px.results(); px.crash();
  if (process.env.PAUSE && r(2)) c.pauseNode(1 + r(3), 50 + r(300));
  const mode = process.env.MODE ? r(3) : -1; let victim = 1 + r(3);
  if (mode === 0) c.partitionNetwork([[victim]]);
  if (mode === 1) c.crashBroker(victim);
  c.deleteTopic("x"); gen++;
  if (gapMs) c.runFor(r(gapMs));
  try { c.createTopic("x", { partitions: 6, replicationFactor: mode === 1 ? 2 : 3 }); } catch (e) { console.log("create", e.code); c.runFor(1000); c.createTopic("x", { partitions: 6, replicationFactor: 2 }); }
  if (mode >= 0) { const px2 = c.producer({ clientId: "pm" + round, lingerMs: 1, acks: "1" }); for (let i = 0; i < 10; i++) { try { px2.sendAsync("x", [{ value: `g${gen}-m${i}`, partition: r(6) }]); } catch (e) {} c.runFor(r(5)); } px2.results(); px2.crash(); }
  if (mode === 0) { c.runFor(r(200)); c.healNetwork(); }
  if (mode === 1) { c.runFor(r(200)); c.restartBroker(victim); }
  c.runFor(r(300));
}
// final round of writes on the newest x
const px = c.producer({ clientId: "pfinal", lingerMs: 1 });
for (let i = 0; i < 50; i++) { px.sendAsync("x", [{ value: `g${gen}-f${i}`, partition: i % 6 }]); c.runFor(r(3)); }
c.runFor(3000);
bgp.results();
const dt = c.describeTopic("x");
for (const p of dt.partitions) {
  const logs = {};
  for (const b of p.replicas) logs[b] = c.readLog(b, "x", p.partition, { maxRecords: 100000 }).map(x => [x.offset, x.value].join(":"));
  for (const b of p.replicas) {
    const bad = logs[b].filter(s => !s.split(":")[1].startsWith(`g${gen}-`));
    if (bad.length) problems.push(`x-${p.partition} broker ${b}: ${bad.length} records of an older x, e.g. ${bad.slice(0, 3)}`);
    if (JSON.stringify(logs[b]) !== JSON.stringify(logs[p.leader])) problems.push(`x-${p.partition} broker ${b} differs from leader ${p.leader}: ${logs[b].length} vs ${logs[p.leader].length}`);
  }
  if (p.highWatermark !== logs[p.leader].length) problems.push(`x-${p.partition}: HW ${p.highWatermark} vs ${logs[p.leader].length} records`);
}
const chk = c.check();
console.log("seed", seed, "rounds", ROUNDS, "problems", problems.length, problems.slice(0, 4), "check", chk.ok, chk.ok ? "" : JSON.stringify(chk.violations.slice(0, 3)));
if (problems.length) { console.log(JSON.stringify(c.describeTopic("x").partitions.slice(0,3))); console.log(JSON.stringify(c.describeCluster().brokers)); console.log(c.events().filter(e => e.topic === "x" || e.kind.startsWith("broker")).slice(-25).map(e => e.text).join("\n")); }
if (problems.length) {
  console.log("now", c.now());
  let last = "";
  for (let i = 0; i < 600; i++) { const st = JSON.stringify(c.describeTopic("x").partitions.map(p => [p.partition, p.leader, p.isr, p.highWatermark, p.logEndOffsets])); if (st !== last) { console.log(c.now(), st); last = st; } c.runFor(100); }
  console.log("after 60 s more:", JSON.stringify(c.describeTopic("x").partitions.map(p => [p.partition, p.leader, p.isr, p.highWatermark, p.logEndOffsets])));
  console.log(c.events().filter(e => e.kind.startsWith("broker") || e.kind === "topic_created" || e.kind === "topic_deleted" || e.kind==="stray_log_deleted").slice(-40).map(e => e.text).join("\n"));
}
