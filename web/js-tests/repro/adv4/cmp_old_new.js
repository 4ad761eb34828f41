// Replays a scenario in the pre-refactor build (target/pkg-node, built 14:51 from 012a466) and the current
// pkg/node build; compares trace text event by event and the trace hash.
const fs = require('fs');
const NEW = require(require('node:path').resolve(__dirname, '../../../../pkg/node/franz_web.js'));
const OLD = require(process.env.OLD || '/tmp/adv4/old-pkg/franz_web.js');
const sc = fs.readFileSync(process.argv[2], 'utf8');
const a = OLD.Cluster.replay(sc), b = NEW.Cluster.replay(sc);
const ea = a.events(), eb = b.events();
let diff = -1;
for (let i = 0; i < Math.max(ea.length, eb.length); i++) { if (!ea[i] || !eb[i] || ea[i].text !== eb[i].text) { diff = i; break; } }
console.log(`${process.argv[2]}: events old ${ea.length} new ${eb.length}; hash old ${a.traceHash()} new ${b.traceHash()}; first differing event ${diff}`);
if (diff >= 0) { for (let i = Math.max(0, diff - 3); i < diff + 4; i++) console.log(i, "OLD", ea[i] && ea[i].text, "\n", i, "NEW", eb[i] && eb[i].text); }
