const franz = require(require('node:path').resolve(__dirname, '../../../pkg/node/franz_web.js'));
// Watches the trace: for every leader append, the time until the leader's HW covers it.
class Watch {
  constructor(c) { this.c = c; this.seq = 0; this.pending = new Map(); this.gaps = []; this.hwAt = new Map(); this.log = []; }
  key(t, p) { return t + "/" + p; }
  poll() {
    const ev = this.c.events(this.seq);
    for (const e of ev) {
      this.seq = Math.max(this.seq, e.seq);
      if (e.kind === "records_appended") {
        const k = this.key(e.topic, e.partition);
        if (!this.pending.has(k)) this.pending.set(k, []);
        this.pending.get(k).push({ t: e.timeMs, end: e.baseOffset + e.count, node: e.node });
      } else if (e.kind === "high_watermark_advanced") {
        const k = this.key(e.topic, e.partition);
        this.hwAt.set(k + "@" + e.highWatermark, e.timeMs);
        const l = this.pending.get(k) || [];
        while (l.length && l[0].end <= e.highWatermark && l[0].node === e.node) {
          const a = l.shift();
          this.gaps.push({ k, gap: e.timeMs - a.t, at: a.t, end: a.end });
        }
      } else if (["leader_elected", "topic_deleted", "topic_created", "became_follower", "partition_changed", "broker_crashed", "log_truncated", "stray_log_deleted"].includes(e.kind)) {
        if (e.topic !== undefined && e.partition !== undefined) this.pending.delete(this.key(e.topic, e.partition));
        else if (e.topic !== undefined) { for (const k of [...this.pending.keys()]) if (k.startsWith(e.topic + "/")) this.pending.delete(k); }
        else this.pending.clear();
      }
    }
  }
  big(th = 100) { return this.gaps.filter(g => g.gap >= th); }
  summary() {
    const g = this.gaps.map(x => x.gap).sort((a, b) => a - b);
    return { n: g.length, med: g[g.length >> 1], p99: g[Math.floor(g.length * 0.99)], max: g[g.length - 1], over100: g.filter(x => x >= 100).length };
  }
}
module.exports = { franz, Watch };
function rng(seed) { let a = seed >>> 0; return (n) => { a = (a + 0x6D2B79F5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return (((t ^ (t >>> 14)) >>> 0) % n); }; }
module.exports.rng = rng;
