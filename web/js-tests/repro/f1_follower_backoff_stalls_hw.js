// One partition's reassignment stalls acks=all on OTHER partitions for ~1 s (replica.fetch.backoff.ms).
const franz = require(require('node:path').resolve(__dirname, '../../../pkg/node/franz_web.js'));
const seed = +(process.argv[2] || 1);
const c = new franz.Cluster({ seed, brokers: 4, config: { "min.insync.replicas": "2" } });
c.createTopic("a", { partitions: 8, replicationFactor: 3 });
c.runFor(1000);
const d = c.describeTopic("a").partitions;
const p0 = d[0];
// Move partition 0 off one of its followers onto the broker that does not host it.
const spare = [1, 2, 3, 4].find(b => !p0.replicas.includes(b));
const target = [p0.replicas[0], p0.replicas[1], spare];
const prod = c.producer({ lingerMs: 0 });
const others = d.filter(x => x.partition !== 0 && x.leader === p0.leader).map(x => x.partition);
function probe(label) {
  let worst = 0;
  for (const part of others) { const t0 = c.now(); prod.send("a", [{ value: "v", partition: part }]); worst = Math.max(worst, c.now() - t0); }
  return worst;
}
console.log("before: worst acks=all latency on other partitions led by", p0.leader, "=", probe(), "ms");
prod.send("a", [{ value: "x", partition: 0 }]);
c.reassignPartitions("a", { 0: target });
let worst = 0; const t0 = c.now();
while (c.now() - t0 < 3000) worst = Math.max(worst, probe());
console.log("seed", seed, "reassign a-0", p0.replicas, "->", target, "; worst acks=all latency on other partitions during the next 3 s =", worst, "ms");
console.log(c.events().filter(e => e.kind === "consumer_retry" || e.text.includes("a-0")).slice(-6).map(e => e.text).join("\n"));
