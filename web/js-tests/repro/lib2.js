const { franz, Watch, rng } = require('./lib.js');
// HW history per topic/partition (reset when the topic is created again), to time a consumer's receipt.
class HwHist {
  constructor(w) { this.w = w; this.h = new Map(); this.seq = 0; }
  poll() {
    for (const e of this.w.c.events(this.seq)) {
      this.seq = Math.max(this.seq, e.seq);
      if (e.kind === "high_watermark_advanced") {
        const k = e.topic + "/" + e.partition; if (!this.h.has(k)) this.h.set(k, []);
        const l = this.h.get(k); if (!l.length || l[l.length - 1].hw < e.highWatermark) l.push({ t: e.timeMs, hw: e.highWatermark, node: e.node });
      } else if (e.kind === "topic_created" || e.kind === "topic_deleted") {
        for (const k of [...this.h.keys()]) if (k.startsWith(e.topic + "/")) this.h.delete(k);
      }
    }
  }
  when(topic, partition, offset) {
    const l = this.h.get(topic + "/" + partition) || [];
    const x = l.find(x => x.hw > offset); return x ? x.t : undefined;
  }
}
module.exports = { franz, Watch, rng, HwHist };
