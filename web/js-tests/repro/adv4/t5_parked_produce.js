// acks=all Produce parked at a leader whose followers cannot fetch (links cut), then:
//  elect: leadership moves to the preferred replica -> Kafka answers the parked produce NOT_LEADER_OR_FOLLOWER at once
//  shrink: the ISR shrinks to the leader alone (replica.lag.time.max.ms 3000) -> HW frozen -> REQUEST_TIMED_OUT at request.timeout.ms
// Every parked produce must get an answer; afterwards the records must be in the log once.
const franz = require(require('node:path').resolve(__dirname, '../../../../pkg/node/franz_web.js'));
const seed = +(process.argv[2] || 1), how = process.argv[3] || "elect";
const c = new franz.Cluster({ seed, brokers: 3, config: { "min.insync.replicas": "2", "replica.lag.time.max.ms": how === "shrink" ? 3000 : 30000 } });
c.createTopic("a", { partitions: 1, replicationFactor: 3 });
c.runFor(1000);
let d = c.describeTopic("a").partitions[0];
const pref = d.replicas[0];
c.crashBroker(pref); c.runFor(500); c.restartBroker(pref);
for (let i = 0; i < 100 && (c.describeTopic("a").partitions[0].isr.length < 3 || c.describeTopic("a").partitions[0].leader === pref); i++) c.runFor(200);
d = c.describeTopic("a").partitions[0];
const L = d.leader;
const prod = c.producer({ clientId: "p", lingerMs: 0, requestTimeoutMs: 10000, deliveryTimeoutMs: 60000 });
prod.send("a", [{ value: "warm" }]);
const followers = d.replicas.filter(b => b !== L);
for (const f of followers) c.setLink(L, f, { dropRate: 1 });
const seq0 = c.events().slice(-1)[0].seq;
const t0 = c.now();
const ids = []; for (let i = 0; i < 8; i++) { ids.push(prod.sendAsync("a", [{ value: "v" + i }])); c.runFor(3); }
c.runFor(200);
if (how === "elect") c.electPreferredLeaders("a");
const tAct = c.now();
const res = new Map();
for (let i = 0; i < 4000 && res.size < ids.length; i++) { c.runFor(10); if (i === 300) for (const f of followers) c.setLink(L, f, null); for (const x of prod.results()) res.set(x.requestId, { ...x, at: c.now() - t0 }); }
const ev = c.events(seq0).filter(e => e.kind === "produce_retry" || e.kind === "produce_failed" || e.kind === "partition_changed" || e.kind === "leader_elected" || e.kind === "became_follower" || e.kind.startsWith("broker"));
console.log(`seed ${seed} ${how}: leader ${L} (preferred ${pref}), action at +${tAct - t0} ms; now leader ${c.describeTopic("a").partitions[0].leader}`);
console.log(ev.slice(0, 12).map(e => `  +${e.timeMs - t0} ${e.text}`).join("\n"));
console.log("  results:", ids.map(id => { const x = res.get(id); return x ? `${x.ok ? "ok@" + x.offset : x.code}(+${x.at})` : "NONE"; }).join(" "));
c.runFor(3000);
const log = c.readLog(c.describeTopic("a").partitions[0].leader, "a", 0, { maxRecords: 1000 }).map(r => r.value);
const dups = log.filter((v, i) => log.indexOf(v) !== i);
const chk = c.check();
console.log(`  log ${JSON.stringify(log)} dups ${dups.length} check ${chk.ok} ${chk.ok ? "" : JSON.stringify(chk.violations.slice(0, 2))}`);
