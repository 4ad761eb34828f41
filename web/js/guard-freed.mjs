// Appends to wasm-bindgen's generated module (`node web/js/guard-freed.mjs <pkg>/franz_web.js`, run by the
// Makefile after each `wasm-pack build` of the package): a call on a Cluster, Producer or Consumer after its
// `free()` (or the end of its `using` block) throws as every refused call does, an Error with a Kafka `code`
// (INVALID_REQUEST, as a closed Kafka client's IllegalStateException), where wasm-bindgen's glue threw a
// bare "null pointer passed to rust"; and `free()` twice does nothing, as `close()` twice does in Kafka.
// Adversary 36. Both targets declare the classes at the module's top level, so the appended code sees them.
import { readFileSync, writeFileSync } from "node:fs";

const MARK = "// franz: calls after free()";
const GUARD = `
${MARK}
for (const C of [Cluster, Producer, Consumer]) {
    for (const name of Object.getOwnPropertyNames(C.prototype)) {
        const method = Object.getOwnPropertyDescriptor(C.prototype, name).value;
        if (name === "constructor" || name.startsWith("__") || typeof method !== "function") continue;
        C.prototype[name] = function (...args) {
            if (this.__wbg_ptr) return method.apply(this, args);
            if (name === "free") return undefined;
            const error = new Error(\`INVALID_REQUEST: this \${C.name} was freed (free(), or its using block ended); make a new one\`);
            error.code = "INVALID_REQUEST";
            error.retriable = false;
            throw error;
        };
    }
    if (Symbol.dispose) C.prototype[Symbol.dispose] = C.prototype.free;
}
`;

for (const file of process.argv.slice(2)) {
    const js = readFileSync(file, "utf8");
    if (!js.includes(MARK)) writeFileSync(file, js + GUARD);
}
