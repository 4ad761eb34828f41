// A consumer Fetch parked (fetch.max.wait.ms 20000) at a leader that loses leadership (preferred election /
// reassignment / controlled stop) must be answered then (Kafka's DelayedFetch completes on "no longer the
// leader"), so records produced to the new leader reach the consumer promptly.
const { franz, Watch, rng, HwHist } = require('../lib2.js');
const seed = +(process.argv[2] || 1), how = process.argv[3] || "reassign";
const c = new franz.Cluster({ seed, brokers: 4, config: { "min.insync.replicas": "2" } });
c.createTopic("a", { partitions: 4, replicationFactor: 3 });
c.runFor(1000);
const w = new Watch(c), hh = new HwHist(w);
const prod = c.producer({ clientId: "p", lingerMs: 0 });
for (let p = 0; p < 4; p++) prod.send("a", [{ value: "init", partition: p }]);
const cons = c.consumer({ clientId: "c", autoOffsetReset: "earliest", fetchMaxWaitMs: 20000, requestTimeoutMs: 30000 });
cons.assign([{ topic: "a", partition: 0 }]);
let got = 0; while (got < 1) got += cons.poll(100).length;
cons.poll(300); // now parked
const d0 = c.describeTopic("a").partitions[0];
const old = d0.leader;
if (how === "reassign") { const spare = [1, 2, 3, 4].find(b => !d0.replicas.includes(b)); c.reassignPartitions("a", { 0: [spare, ...d0.replicas.filter(b => b !== old)] }); }
else if (how === "stop") c.stopBroker(old);
const t0 = c.now();
let moved = false; for (let i = 0; i < 200 && !moved; i++) { c.runFor(50); moved = c.describeTopic("a").partitions[0].leader !== old; cons.poll(0); }
const tm = c.now();
prod.send("a", [{ value: "after", partition: 0 }]);
const ts = c.now();
let recv = null; while (c.now() - ts < 25000) { const rs = cons.poll(50); w.poll(); hh.poll(); if (rs.some(x => x.value === "after")) { recv = c.now(); break; } }
console.log(`seed ${seed} ${how}: leader ${old} -> ${c.describeTopic("a").partitions[0].leader} (moved after ${tm - t0} ms); 'after' acked ${ts - tm} ms later; consumer got it ${recv === null ? "NEVER (25 s)" : (recv - ts) + " ms after ack"}`);
