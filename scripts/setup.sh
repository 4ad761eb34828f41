#!/usr/bin/env bash
# Idempotent setup: installs only what is missing, from the package registries this machine reaches
# (crates.io, rustup, Debian, npm). See ../shared/TOOLCHAIN.md for why each version is pinned.
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
WASM_PACK_VERSION=0.15.1
# wasm-bindgen-cli must equal the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/"/, "", $3); print $3; exit}' Cargo.lock 2>/dev/null || true)
WASM_BINDGEN_VERSION=${WASM_BINDGEN_VERSION:-0.2.130}

say() { printf '[setup] %s\n' "$*"; }

installed_targets=$(rustup target list --installed)
for target in wasm32-unknown-unknown thumbv7em-none-eabihf; do
  if ! grep -qx "$target" <<<"$installed_targets"; then
    say "rustup target add $target"
    rustup target add "$target"
  fi
done

have_version() { # command, expected version
  command -v "$1" >/dev/null 2>&1 && "$1" --version 2>/dev/null | grep -qF "$2"
}

if ! have_version wasm-bindgen "$WASM_BINDGEN_VERSION"; then
  say "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: its lockfile pins a webpki-roots version missing from the registry.
  cargo install wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION" --force
fi
if ! have_version trunk "$TRUNK_VERSION"; then
  say "cargo install trunk $TRUNK_VERSION"
  cargo install trunk --version "=$TRUNK_VERSION" --locked --force
fi
if ! have_version wasm-pack "$WASM_PACK_VERSION"; then
  say "cargo install wasm-pack $WASM_PACK_VERSION"
  cargo install wasm-pack --version "=$WASM_PACK_VERSION" --locked --force
fi

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  say "apt-get install chromium chromium-driver"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver fonts-liberation >/dev/null
fi

# wasm-opt (binaryen 132, not Debian's 108), playwright-core, typescript (tsc checks the package's types) and
# fast-check (the JS API's fuzz test) come from npm, pinned in package-lock.json.
if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/playwright-core ] \
   || [ ! -x node_modules/.bin/tsc ] || [ ! -d node_modules/fast-check ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci (binaryen, playwright-core, typescript, fast-check)"
  npm ci --no-audit --no-fund --loglevel=error
fi
say "toolchain ready"
