// max.block.ms for a send to a partition beyond the topic's count (waits for createPartitions), with brokers
// reachable, and with the client cut off from every broker; and a send to a missing topic while cut off.
const franz = require(require('node:path').resolve(__dirname, '../../../../pkg/node/franz_web.js'));
const seed = +(process.argv[2] || 1);
const c = new franz.Cluster({ seed, brokers: 3 });
c.createTopic("t", { partitions: 1, replicationFactor: 3 });
c.runFor(1000);
function one(label, cut, topic, part, grow) {
  const p = c.producer({ clientId: label, maxBlockMs: 2000, requestTimeoutMs: 10000, deliveryTimeoutMs: 30000 });
  p.send("t", [{ value: "warm" }]);
  if (cut) c.partitionNetwork([[1, 2, 3, 1001, 1002, 1003]]);
  const t0 = c.now(); const id = p.sendAsync(topic, [{ value: "x", partition: part }]);
  const id2 = p.sendAsync(topic, [{ value: "y" }]);
  const res = {};
  for (let i = 0; i < 3000 && Object.keys(res).length < 2; i++) { c.runFor(10); if (grow && i === 100) c.createPartitions("t", 4); for (const x of p.results()) res[x.requestId] = { ...x, at: c.now() - t0 }; }
  if (cut) c.healNetwork();
  const f = (x) => x ? `${x.ok ? "ok" : x.code} at +${x.at}` : "none in 30 s";
  console.log(`seed ${seed} ${label}: send(partition ${part}) -> ${f(res[id])}; next send same topic -> ${f(res[id2])}`);
  p.close();
}
one("beyond-count", false, "t", 5, false);
one("beyond-count-cut", true, "t", 5, false);
one("missing-topic-cut", true, "nope", undefined, false);
one("grows", false, "t", 3, true);
