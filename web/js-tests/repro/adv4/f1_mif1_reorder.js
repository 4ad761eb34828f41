// Non-idempotent producer, max.in.flight.requests.per.connection=1: Kafka then guarantees per-partition order
// (the accumulator mutes a partition while one of its batches is in flight, whoever leads it). Franz only
// limits requests per broker: once the producer learns a new leader, the next batch goes to it while the
// previous batch of the same partition is still out to the old leader, and the old batch's retry lands after.
const franz = require(require('node:path').resolve(__dirname, '../../../../pkg/node/franz_web.js'));
const seed = +(process.argv[2] || 1);
const c = new franz.Cluster({ seed, brokers: 3 });
c.createTopic("t", { partitions: 1, replicationFactor: 3 });
c.runFor(1000);
const prod = c.producer({ clientId: "p", idempotent: false, acks: "1", maxInFlightRequestsPerConnection: 1,
  lingerMs: 0, requestTimeoutMs: 20000, deliveryTimeoutMs: 60000, metadataMaxAgeMs: 1000 });
prod.send("t", [{ value: "warm" }]);
const L = c.describeTopic("t").partitions[0].leader;
c.partitionNetwork([[L]]);               // the leader alone: B1's request is lost, the controller moves leadership
const id1 = prod.sendAsync("t", [{ value: "B1" }]);
let moved = false; for (let i = 0; i < 300 && !moved; i++) { c.runFor(100); const d = c.describeTopic("t").partitions[0]; moved = d.leader !== L && d.leader !== null; }
c.runFor(1500);                            // metadata.max.age.ms passes: the producer relearns the leader
const id2 = prod.sendAsync("t", [{ value: "B2" }]);
c.runFor(500);
c.healNetwork();
const res = {}; for (let i = 0; i < 600 && Object.keys(res).length < 2; i++) { c.runFor(100); for (const x of prod.results()) res[x.requestId] = x; }
const d = c.describeTopic("t").partitions[0];
const log = c.readLog(d.leader, "t", 0, { maxRecords: 100 }).map(r => `${r.offset}:${r.value}`);
const ord = log.map(s => s.split(":")[1]).filter(v => v !== "warm");
console.log(`seed ${seed}: old leader ${L}, new leader ${d.leader}; B1 -> ${JSON.stringify(res[id1] && (res[id1].ok ? res[id1].offset : res[id1].code))}, B2 -> ${JSON.stringify(res[id2] && (res[id2].ok ? res[id2].offset : res[id2].code))}; log ${JSON.stringify(log)}`);
console.log(ord.indexOf("B2") !== -1 && ord.indexOf("B1") > ord.indexOf("B2") ? "VIOLATION: B2 (sent after B1) is before B1 in the log; Kafka with max.in.flight=1 keeps send order" : "order kept");
console.log(c.events().filter(e => e.nodeName === "p" || e.node >= 10000).slice(-8).map(e => e.text).join("\n"));
