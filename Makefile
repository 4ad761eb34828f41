# The README's commands. Each runs the idempotent setup first (it installs only what is missing).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

# npm's wasm-opt (binaryen 132) before Debian's; cargo-installed tools on PATH.
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export TRUNK_SKIP_VERSION_CHECK := true
export CHROMEDRIVER := /usr/bin/chromedriver
export WASM_BINDGEN_TEST_TIMEOUT := 120

NOSTD_TARGET := thumbv7em-none-eabihf

.PHONY: setup play test bench soak pkg lint native nostd wasm-node wasm-browser package-test dist browser-test clean

setup:
	@./scripts/setup.sh

## make play: build the playground and serve it on http://127.0.0.1:8080
play: setup
	trunk serve --release

## make test: every test, in the order CI runs them
test: setup lint native nostd wasm-node wasm-browser package-test dist browser-test
	@echo "make test: all passed"

lint:
	cargo fmt --all --check
	# Each mutant (scripts/mutants.sh) still applies to today's code: a stale one would prove nothing.
	for p in tests/mutants/*.patch; do git apply --check "$$p" || { echo "$$p no longer applies"; exit 1; }; done
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p franz-web --all-targets --features playground -- -D warnings
	cargo clippy -p franz-web --lib --bins --no-default-features --features playground -- -D warnings

native:
	cargo test --workspace -- --skip explorer_
	cargo test -p franz-web --features playground --lib
	cargo test --profile explore -p franz-tests --test explorer -- --nocapture

# The core is no_std + alloc: it must build for a bare-metal target without std.
nostd:
	cargo build -p franz-core --no-default-features --target $(NOSTD_TARGET)

wasm-node:
	cd web && wasm-pack test --node -- --test node

wasm-browser:
	cd web && wasm-pack test --headless --chrome -- --test browser

# The npm package as Node users load it: tested from plain JS, fuzzed with hostile values (fast-check), and
# its generated TypeScript types checked with a strict example (tsc --strict, web/js-tests/tsconfig.json).
package-test:
	cd web && wasm-pack build --profile npm --target nodejs --out-dir ../target/pkg-node --out-name franz_web
	node web/js/guard-freed.mjs target/pkg-node/franz_web.js
	node --test web/js-tests/package.test.mjs web/js-tests/fuzz.test.mjs
	tsc --noEmit --strict -p web/js-tests

dist:
	trunk build --release

browser-test:
	node --test web/js-tests/playground.test.mjs

## make pkg: the npm package (no Yew inside), for bundlers/browsers (pkg/web) and for Node (pkg/node), built with
## the `npm` profile (opt-level "s": see Cargo.toml)
pkg: setup
	cd web && wasm-pack build --profile npm --target web --out-dir ../pkg/web --out-name franz_web
	cd web && wasm-pack build --profile npm --target nodejs --out-dir ../pkg/node --out-name franz_web
	node web/js/guard-freed.mjs pkg/web/franz_web.js pkg/node/franz_web.js
	@ls -l pkg/web/*.wasm pkg/node/*.wasm

## make bench: criterion benchmarks (native); the benchmark workloads natively and in wasm as one table (speed,
## dilation, log reads against a raw copy, memory per record, wasm sizes); the playground's frame rate in headless
## Chromium
bench: setup
	cargo bench -p franz-tests
	cd web && wasm-pack build --profile npm --target web --out-dir ../pkg/web --out-name franz_web
	cd web && wasm-pack build --profile npm --target nodejs --out-dir ../target/pkg-bench --out-name franz_web -- --features bench
	trunk build --release
	# V8 compiles the whole wasm with its optimizing tier at load (rather than function by function as each gets
	# hot, which on 2 cores takes ~10 s of a run): the table compares steady states (see sim_speed.mjs).
	node --no-wasm-dynamic-tiering web/bench/sim_speed.mjs target/pkg-bench \
		"$$(cargo run --quiet --profile bench -p franz-tests --example sim_speed)" \
		"$$(cargo run --quiet --profile bench -p franz-tests --example log_memory)"
	node web/bench/frames.mjs

## make soak: the long seeded sweeps kept out of CI
soak: setup
	FRANZ_SOAK=1 cargo test --profile explore -p franz-tests -- --include-ignored --nocapture

clean:
	cargo clean
	rm -rf dist pkg
