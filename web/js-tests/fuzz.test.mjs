// Hostile values from plain JS never reach wasm unchecked: a property-based fuzz test of the whole JS API
// (every method of Cluster, Producer, Consumer and the pure helpers) with random calls and random values:
// strings, numbers (NaN, ±Infinity, huge, negative, fractional), objects, arrays, undefined, null, BigInts,
// Uint8Arrays, and near-valid arguments so that calls also get past the first check. Each call either
// returns or throws an `Error` with a string `code` (Kafka's error name); never a `WebAssembly.RuntimeError`
// (a trap, a panic) nor a bare `TypeError` from the glue; and the module keeps working afterwards.
//
// FRANZ_FUZZ_RUNS (default 2,000 runs of 5 to 60 calls) and FRANZ_FUZZ_SEED replay or widen a run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const pkgDir = process.env.FRANZ_PKG ?? path.join(root, "target", "pkg-node");
const require = createRequire(import.meta.url);
const franz = require(path.join(pkgDir, "franz_web.js"));

const RUNS = Number(process.env.FRANZ_FUZZ_RUNS ?? 2000);
const SEED = process.env.FRANZ_FUZZ_SEED === undefined ? undefined : Number(process.env.FRANZ_FUZZ_SEED);

/** The methods a JS user can call on an instance: everything on the prototype but the constructor and the
 * wasm-bindgen plumbing (`free` and `Symbol.dispose` end the object's life, which is a use-after-free test
 * of wasm-bindgen's own, not of Franz). */
function methodsOf(cls) {
  return Object.getOwnPropertyNames(cls.prototype)
    .filter((name) => name !== "constructor" && name !== "free" && !name.startsWith("__"))
    .filter((name) => typeof Object.getOwnPropertyDescriptor(cls.prototype, name).value === "function")
    .sort();
}

const clusterMethods = methodsOf(franz.Cluster);
const producerMethods = methodsOf(franz.Producer);
const consumerMethods = methodsOf(franz.Consumer);
const helpers = {
  replay: (...args) => franz.Cluster.replay(...args),
  murmur2: (...args) => franz.murmur2(...args),
  partitionForKey: (...args) => franz.partitionForKey(...args),
  assignPartitions: (...args) => franz.assignPartitions(...args),
  newCluster: (...args) => new franz.Cluster(...args),
};

// Numbers a fuzzer should try, not only what fc.double() happens to draw.
const specialNumber = fc.constantFrom(
  NaN, Infinity, -Infinity, -0, -1, 0.5, -0.5, 1e308, -1e308, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 53,
  2 ** 53 + 2, 2 ** 64, Number.MIN_VALUE, 1001, 1002, 10001, 10002, 10003,
);
const smallInt = fc.integer({ min: -2, max: 6 });
const number = fc.oneof(
  { weight: 4, arbitrary: smallInt },
  { weight: 2, arbitrary: specialNumber },
  { weight: 1, arbitrary: fc.integer({ min: -1000, max: 5000 }) },
  { weight: 1, arbitrary: fc.double() },
);
const topicName = fc.constantFrom("t", "orders", "missing", "", " ", "__consumer_offsets", "a".repeat(300), "t.x");
const configKey = fc.constantFrom("min.insync.replicas", "retention.ms", "cleanup.policy", "segment.bytes", "flush.messages", "no.such");
const optionKey = fc.constantFrom(
  "partitions", "replicationFactor", "config", "clientId", "acks", "idempotent", "batchSize", "batchSizeBytes",
  "lingerMs", "deliveryTimeoutMs", "requestTimeoutMs", "maxBlockMs", "groupId", "autoOffsetReset", "assignor",
  "sessionTimeoutMs", "heartbeatIntervalMs", "maxPollRecords", "isolationLevel", "groupInstanceId", "brokers",
  "controllers", "seed", "network", "latencyMs", "jitterMs", "dropRate", "fromOffset", "maxRecords", "oneWay",
  "members", "previous", "topic", "partition", "offset", "key", "value", "headers", "timestamp", "__proto__", "toJSON",
);

const value = fc.letrec((tie) => ({
  any: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 3, arbitrary: number },
    { weight: 2, arbitrary: topicName },
    { weight: 1, arbitrary: fc.string() },
    { weight: 1, arbitrary: fc.constantFrom(undefined, null, true, false, "all", "earliest", "range", "read_committed", "-1") },
    { weight: 1, arbitrary: fc.bigInt() },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 8 }) },
    { weight: 2, arbitrary: tie("options") },
    { weight: 2, arbitrary: tie("list") },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
  ),
  options: fc.dictionary(fc.oneof(optionKey, configKey, fc.string()), tie("any"), { maxKeys: 4 }),
  list: fc.oneof(
    fc.array(tie("any"), { maxLength: 4 }),
    fc.array(fc.record({ topic: topicName, partition: number, offset: number }, { requiredKeys: [] }), { maxLength: 3 }),
    fc.array(fc.record({ key: tie("any"), value: tie("any"), partition: number }, { requiredKeys: [] }), { maxLength: 3 }),
    fc.array(fc.array(number, { maxLength: 3 }), { maxLength: 3 }),
  ),
})).any;

const call = fc.record({
  target: fc.nat(),
  method: fc.nat(),
  args: fc.array(value, { maxLength: 5 }),
});

/** A thrown value is acceptable when it is one of Franz's errors: an Error with Kafka's name in `code`. */
function assertFranzError(e, what) {
  if (e instanceof WebAssembly.RuntimeError) assert.fail(`${what()} trapped: ${e.stack}`);
  if (!(e instanceof Error)) assert.fail(`${what()} threw a non-Error: ${fc.stringify(e)}`);
  if (typeof e.code !== "string" || !/^[A-Z_]+$/.test(e.code)) {
    assert.fail(`${what()} threw an Error without Kafka's code: ${e.name}: ${e.message}`);
  }
}

/** A fresh world per run: a topic, a producer, a consumer with a group and one without. */
function world() {
  const cluster = new franz.Cluster({ seed: 5 });
  cluster.createTopic("t", { partitions: 2 });
  const targets = [
    { kind: "cluster", object: cluster, methods: clusterMethods },
    { kind: "producer", object: cluster.producer(), methods: producerMethods },
    { kind: "consumer", object: cluster.consumer({ groupId: "g" }), methods: consumerMethods },
    { kind: "consumer", object: cluster.consumer(), methods: consumerMethods },
    { kind: "helpers", object: helpers, methods: Object.keys(helpers) },
  ];
  return { cluster, targets };
}

/** The module works: a new cluster sends and reads a record back. */
function assertStillUsable() {
  const cluster = new franz.Cluster({ seed: 1, brokers: 1 });
  cluster.createTopic("ok");
  cluster.producer().send("ok", [{ value: "v" }]);
  const consumer = cluster.consumer({ autoOffsetReset: "earliest" });
  consumer.assign([{ topic: "ok", partition: 0 }]);
  assert.deepEqual(consumer.poll(1000).map((r) => r.value), ["v"]);
}

test("the fuzzer reaches every method of the API", () => {
  for (const name of ["createTopic", "describeGroup", "groupOffsets", "readLog", "setLink", "events", "check", "scenario"]) {
    assert.ok(clusterMethods.includes(name), name);
  }
  for (const name of ["send", "sendAsync", "results", "close", "crash"]) assert.ok(producerMethods.includes(name), name);
  for (const name of ["assign", "poll", "seek", "position", "commitSync", "subscribe", "pause"]) {
    assert.ok(consumerMethods.includes(name), name);
  }
});

test("the issue's traps are Kafka errors now", () => {
  const cluster = new franz.Cluster();
  assert.throws(() => cluster.describeGroup(2), { code: "INVALID_GROUP_ID" });
  assert.throws(() => cluster.groupOffsets({}), { code: "INVALID_GROUP_ID" });
  assert.throws(() => franz.Cluster.replay(42), { code: "INVALID_REQUEST" });
  assert.throws(() => franz.assignPartitions(7, { members: [], partitions: {} }), { code: "INVALID_CONFIG" });
  assert.throws(() => cluster.runFor("100"), { code: "INVALID_REQUEST" }, "a string is not coerced to a number");
  assert.throws(() => cluster.runFor(10n), { code: "INVALID_REQUEST" });
  assert.throws(() => cluster.consumer().poll(Symbol("x")), { code: "INVALID_REQUEST" });
  assertStillUsable();
});

test("random calls with random values: Kafka errors or results, never a trap", () => {
  let calls = 0;
  let returned = 0;
  const started = Date.now();
  fc.assert(
    fc.property(fc.array(call, { minLength: 5, maxLength: 60, size: "medium" }), (script) => {
      const { cluster, targets } = world();
      for (const { target, method, args } of script) {
        const t = targets[target % targets.length];
        const name = t.methods[method % t.methods.length];
        const what = () => `${t.kind}.${name}(${args.map((a) => fc.stringify(a)).join(", ")})`;
        calls += 1;
        let result;
        try {
          result = t.object[name](...args);
        } catch (e) {
          assertFranzError(e, what);
          continue;
        }
        returned += 1;
        // New clients join the pool, so that later calls use them too.
        if (result instanceof franz.Producer) targets.push({ kind: "producer", object: result, methods: producerMethods });
        if (result instanceof franz.Consumer) targets.push({ kind: "consumer", object: result, methods: consumerMethods });
        if (result instanceof franz.Cluster) targets.push({ kind: "cluster", object: result, methods: clusterMethods });
      }
      // The world the script ran in still answers.
      assert.equal(typeof cluster.now(), "number");
      assert.equal(typeof cluster.check().ok, "boolean");
      assertStillUsable();
      // Give the wasm memory back now rather than at some later garbage collection.
      for (const t of targets) if (t.kind !== "helpers") t.object.free();
    }),
    // No shrinking: after a trap the module's state is undefined (a panic aborts mid-call), so every smaller
    // script would fail too and the report would name the wrong calls. The first failing script is the one.
    { numRuns: RUNS, seed: SEED, endOnFailure: true },
  );
  const seconds = (Date.now() - started) / 1000;
  console.log(`fuzz: ${calls} calls (${returned} returned, the rest threw Kafka errors) in ${RUNS} runs, ${seconds.toFixed(1)} s`);
  assert.ok(returned > calls / 20, "enough calls get past the argument checks to reach the cluster");
});
