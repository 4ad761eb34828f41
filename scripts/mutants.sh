#!/usr/bin/env bash
# Mutation checks: each patch in tests/mutants/ reverts one safety rule. A rule counts only if breaking it is
# caught, so for each patch this applies it to a scratch copy of the tree and runs the explorer's CI sweep
# (and the scenario tests); it must FAIL. Prints one line per mutant; exits 1 if one survived.
# (The trace-hash test is skipped: any change of behaviour changes a hash, which says nothing of safety.)
# Usage: scripts/mutants.sh [patch ...]   (FRANZ_EXPLORE_HISTORIES sizes the sweep; 1,000 by default)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'git -C "$top" worktree remove --force "$scratch/tree" >/dev/null 2>&1; rm -rf "$scratch"' EXIT
git -C "$top" worktree add --detach "$scratch/tree" HEAD >/dev/null 2>&1
# Local changes too, so that the mutants run against the tree as it is (committed in the scratch tree, which
# each mutant's checkout below goes back to). Binary too: a changed regression (.json.gz) made the whole
# diff fail to apply, and the mutants ran silently against HEAD.
git -C "$top" diff --binary HEAD | (cd "$scratch/tree" && git apply --allow-empty) ||
  { echo "mutants: the local changes do not apply to a copy of HEAD"; exit 1; }
(cd "$scratch/tree" && git add -A &&
  git -c user.name=mutants -c user.email=mutants@localhost commit -qm "local changes" --allow-empty)
export CARGO_TARGET_DIR="$top/target/mutants"
patches=("$@")
[ ${#patches[@]} -gt 0 ] || patches=("$top"/tests/mutants/*.patch)
survived=0
for patch in "${patches[@]}"; do
  name=$(basename "$patch" .patch)
  (cd "$scratch/tree" && git checkout -q -- . && git apply "$patch") || { echo "$name: does not apply"; survived=1; continue; }
  start=$(date +%s)
  if (cd "$scratch/tree" && FRANZ_EXPLORE_HISTORIES=${FRANZ_EXPLORE_HISTORIES:-1000} FRANZ_EXPLORE_SHRINK=0 \
      cargo test -q --profile explore -p franz-tests --test explorer -- explorer_ --skip explorer_trace_hashes_are_known \
      >"$scratch/$name.log" 2>&1); then
    if (cd "$scratch/tree" && cargo test -q --profile explore -p franz-tests --test safety --test groups --test cluster --test checker \
        >>"$scratch/$name.log" 2>&1 && cargo test -q --profile explore -p franz-core --lib >>"$scratch/$name.log" 2>&1); then
      echo "$name: SURVIVED ($(( $(date +%s) - start )) s): neither the explorer nor the scenario tests noticed"
    else
      echo "$name: missed by the explorer, caught by a scenario or unit test ($(( $(date +%s) - start )) s)"
    fi
    survived=1
  else
    caught=$(grep -m1 -E "seed [0-9]+ failed" "$scratch/$name.log" | cut -c1-160)
    echo "$name: caught by the explorer ($(( $(date +%s) - start )) s): $caught"
  fi
done
(cd "$scratch/tree" && git checkout -q -- .)
exit $survived
