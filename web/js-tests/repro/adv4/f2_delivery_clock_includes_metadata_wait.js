// Kafka's send() first waits for the topic's metadata (up to max.block.ms), and only then appends the record;
// delivery.timeout.ms counts from there ("after a call to send() returns"). Franz starts the delivery clock when
// send is called, so a send waiting for a topic that appears after delivery.timeout.ms (but well within
// max.block.ms) fails with REQUEST_TIMED_OUT, where Kafka would deliver it.
const franz = require(require('node:path').resolve(__dirname, '../../../../pkg/node/franz_web.js'));
const seed = +(process.argv[2] || 1);
const c = new franz.Cluster({ seed, brokers: 3 });
c.createTopic("t", { partitions: 1, replicationFactor: 3 });
c.runFor(1000);
const p = c.producer({ clientId: "D", deliveryTimeoutMs: 2000, requestTimeoutMs: 1000, maxBlockMs: 10000 });
p.send("t", [{ value: "warm" }]);
const t0 = c.now();
const id = p.sendAsync("later", [{ value: "d" }]);
let res = null;
for (let i = 0; i < 300; i++) { c.runFor(10); if (i === 250) c.createTopic("later", { partitions: 1, replicationFactor: 3 }); for (const x of p.results()) if (x.requestId === id && !res) res = { ...x, at: c.now() - t0 }; }
let created = c.events().find(e => e.kind === "topic_created" && e.topic === "later");
for (let i = 0; i < 500 && !res; i++) { c.runFor(10); for (const x of p.results()) if (x.requestId === id) res = { ...x, at: c.now() - t0 }; }
created = c.events().find(e => e.kind === "topic_created" && e.topic === "later");
console.log(`seed ${seed}: max.block.ms 10000, delivery.timeout.ms 2000; topic created at +${created ? created.timeMs - t0 : "?"} ms; send -> ${res ? (res.ok ? "ok" : res.code + " (" + res.message + ")") + " at +" + res.at + " ms" : "no answer"}`);
if (res && !res.ok) console.log("VIOLATION: Kafka would wait for the topic (max.block.ms), then deliver within delivery.timeout.ms");
