// The JS API as a TypeScript user writes it, type-checked in `make test` (`tsc --noEmit --strict`) against
// the package's generated .d.ts: if a type drifts from what the Rust side returns or takes, this stops
// compiling. The `@ts-expect-error` lines prove the types are precise (no `any`, closed unions).
import * as franz from "franz-web";
import type {
  CheckReport, ClusterDescription, ConsumerRecord, FranzError, RecordMetadata, TopicDescription, TraceEvent,
  ViolationKind,
} from "franz-web";

/** What the example would print: it only needs to type-check, so it uses no console or DOM types. */
const lines: string[] = [];
function log(...parts: unknown[]): void {
  lines.push(parts.map(String).join(" "));
}

const cluster = new franz.Cluster({ brokers: 3, seed: 7, network: { latencyMs: 2 }, config: { "min.insync.replicas": 2 } });
cluster.createTopic("orders", { partitions: 3, replicationFactor: 3, config: { "retention.ms": 60_000 } });
// @ts-expect-error: a misspelt option is a type error (and INVALID_CONFIG at run time).
cluster.createTopic("typo", { partitons: 3 });

const producer = cluster.producer({ clientId: "checkout", acks: "all", idempotent: true, lingerMs: 5 });
const sent: RecordMetadata[] = producer.send("orders", [{ key: "alice", value: "apple", headers: { trace: "1" } }]);
const partition: number = sent[0].partition;
const offset: number | null = sent[0].offset;
const requestId: number = producer.sendAsync("orders", [{ value: new Uint8Array([0xff]) }]);
cluster.runFor(100);
for (const r of producer.results()) {
  if (r.requestId === requestId && !r.ok) log(r.code, r.message);
}

const consumer = cluster.consumer({ groupId: "billing", autoOffsetReset: "earliest", assignor: "cooperative-sticky" });
// @ts-expect-error: the assignors are a closed set.
cluster.consumer({ assignor: "fair" });
consumer.subscribe(["orders"]);
const records: ConsumerRecord[] = consumer.poll(5_000);
for (const r of records) {
  const value: string | number | null = typeof r.value === "string" ? r.value : r.value === null ? null : r.value.byteLength;
  log(r.topic, r.partition, r.offset, value);
}
consumer.commitSync();
consumer.commitSync([{ topic: "orders", partition, offset: (offset ?? 0) + 1 }]);
const group = cluster.describeGroup("billing");
if (group.state === "Stable") log(group.generation, group.members.map((m) => m.assignment));
for (const lag of cluster.groupOffsets("billing")) log(lag.topic, lag.partition, lag.lag);

const topic: TopicDescription = cluster.describeTopic("orders");
const leader: number | null = topic.partitions[partition].leader;
const source: "DYNAMIC_TOPIC_CONFIG" | "STATIC_BROKER_CONFIG" | "DEFAULT_CONFIG" = topic.configEntries[0].source;
log(topic.config["retention.ms"], source);

const description: ClusterDescription = cluster.describeCluster();
const states: ("running" | "fenced" | "crashed")[] = description.brokers.map((b) => b.state);
if (leader !== null) cluster.crashBroker(leader);
cluster.runFor(10_000);
log(states, cluster.readLog(1, "orders", 0, { fromOffset: 0, maxRecords: 10 }).map((r) => r.leaderEpoch));

const report: CheckReport = cluster.check();
for (const v of report.violations) {
  const kind: ViolationKind = v.kind;
  // @ts-expect-error: violation kinds are a closed union, so a misspelling cannot match silently.
  if (v.kind === "lost-write") log("never");
  log(kind, v.topic, v.partition, v.offset, v.detail);
}

// The trace: each kind narrows to its own fields.
const events: TraceEvent[] = cluster.events(0);
for (const e of events) {
  if (e.kind === "records_appended") {
    const base: number = e.baseOffset;
    log(e.seq, e.timeMs, e.nodeName, base, e.count);
  } else if (e.kind === "broker_fenced") {
    log(e.broker, e.silentMs);
  } else if (e.kind === "produce_failed") {
    const code: franz.ErrorCode = e.error;
    log(code, e.partition ?? "no partition");
  }
}

// Errors: an Error with Kafka's code.
try {
  producer.send("missing", [{ value: "x" }]);
} catch (err) {
  const e = err as FranzError;
  if (e.code === "UNKNOWN_TOPIC_OR_PARTITION" && e.retriable) log(e.message);
}

// Replay and the pure helpers.
const again = franz.Cluster.replay(cluster.scenario(), cluster.now());
log(again.traceHash() === cluster.traceHash());
const p: number = franz.partitionForKey("alice", 3);
const h: number = franz.murmur2(new Uint8Array([1, 2, 3]));
const plan = franz.assignPartitions("range", { members: [{ memberId: "a", topics: ["orders"] }], partitions: { orders: 3 } });
log(p, h, plan["a"].map((tp) => `${tp.topic}-${tp.partition}`));
cluster.setNetwork({ dropRate: 0.01 });
cluster.setLink(1, 2, { latencyMs: 50 }, { oneWay: true });
cluster.setLink(1, 2, null);
cluster.electPreferredLeaders();
producer.close();
consumer.close();
