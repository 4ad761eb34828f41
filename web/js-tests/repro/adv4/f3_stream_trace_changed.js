// The refactor commits (1163b61, 6d0d3e5) say "Trace hashes unchanged". A run with producer streams (the
// playground's `stream` action: records due at the same ms as other batches' linger ends) replays to a different
// trace in the current build than in the pre-refactor build (target/pkg-node, built 14:51 after 012a466; a copy in
// /tmp/adv4/old-pkg). Non-stream runs (sendAsync, faults, close, timeouts) replay identically.
// Usage: node f3_stream_trace_changed.js <seed> [old-pkg-dir]
const NEW = require(require('node:path').resolve(__dirname, '../../../../pkg/node/franz_web.js'));
const OLD = require((process.argv[3] || '/tmp/adv4/old-pkg') + '/franz_web.js');
const seed = +(process.argv[2] || 2);
const c = new NEW.Cluster({ seed, brokers: 3, config: { "min.insync.replicas": "2" } });
c.createTopic("s", { partitions: 7, replicationFactor: 3 });
c.runFor(500);
["rot", "fix", "none"].forEach((n, i) => c.producer({ clientId: n, lingerMs: [0, 7, 30][i], batchSize: [16384, 300, 1000][i] }));
const sc = JSON.parse(c.scenario());
const id = Object.fromEntries(c.events().filter(e => e.kind === "client_started").map(e => [e.clientId, e.node]));
const at = c.now();
sc.actions.push({ atMs: at, action: { type: "stream", producer: id.rot, topic: "s", recordsPerSec: 3000, key: { mode: "rotating", prefix: "k", keys: 13 }, value: "r" } });
sc.actions.push({ atMs: at, action: { type: "stream", producer: id.fix, topic: "s", recordsPerSec: 777, key: { mode: "fixed", key: "ké" }, value: "f" } });
sc.actions.push({ atMs: at, action: { type: "stream", producer: id.none, topic: "s", recordsPerSec: 2500, key: { mode: "none" }, value: "n" } });
sc.actions.push({ atMs: at, action: { type: "runFor", ms: 3000 } });
const json = JSON.stringify(sc);
const a = OLD.Cluster.replay(json), b = NEW.Cluster.replay(json);
const ea = a.events(), eb = b.events();
let i = 0; while (i < Math.min(ea.length, eb.length) && ea[i].text === eb[i].text) i++;
console.log(`seed ${seed}: trace hash old ${a.traceHash()} new ${b.traceHash()}; events ${ea.length} vs ${eb.length}; first difference at event ${i === ea.length && i === eb.length ? "none" : i}`);
if (i < Math.max(ea.length, eb.length)) { console.log("  old:", ea[i] && ea[i].text); console.log("  new:", eb[i] && eb[i].text); }
const ca = a.check(), cb = b.check(); console.log(`  check old ${ca.ok} new ${cb.ok}`);
