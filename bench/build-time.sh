#!/usr/bin/env bash
# npm run bench:build — how long a clean clone takes to install and to build, as CI would see it.
#
# Clones this checkout into a temporary directory, installs its dependencies there with the
# project's own step, scripts/ensure-deps.mjs (npm takes what it has from its local cache), then
# `npm run build` (which clears
# the data-loader cache first, so every loader runs), and prints both durations. Target: the build
# ≤ 90 s on a 2-core machine; the install is reported apart, since it depends on the cache and network.
#
# Only committed work is measured: `git clone` copies HEAD, not the working tree, so commit first
# (the script says when the checkout has uncommitted changes). --keep leaves the clone and its logs.
# If the install fails, the script shows why and exits 1.
set -euo pipefail

keep=0
case "${1:-}" in
  --keep) keep=1 ;;
  "") ;;
  *) echo "usage: bench/build-time.sh [--keep]" >&2; exit 2 ;;
esac

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/heapforge-build-time-XXXXXX")"
cleanup() { if [ "$keep" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT

now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
run_logged() {  # run_logged LOG COMMAND...: quiet unless the command fails
  local log="$1"; shift
  if ! "$@" > "$log" 2>&1; then
    echo "failed: $* (last lines of $log):" >&2
    tail -n 40 "$log" >&2
    keep=1
    exit 1
  fi
}

if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
  echo "note: the checkout has uncommitted changes; they are not part of the clone measured here" >&2
fi

t0=$(now)
git clone --quiet --no-hardlinks "$repo" "$work/heapforge"
t1=$(now)
cd "$work/heapforge"
commit="$(git rev-parse --short HEAD)"
load_before="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")"

echo "clone of $commit in $(seconds "$t0" "$t1") s; installing dependencies …" >&2
t2=$(now)
# The project's own install step (npm install from the lock; see scripts/ensure-deps.mjs for why not npm ci).
if ! node scripts/ensure-deps.mjs > "$work/install.log" 2>&1; then
  echo "installing dependencies FAILED on the clean clone:" >&2
  tail -n 20 "$work/install.log" >&2
  exit 1
fi
t3=$(now)
ci="$(seconds "$t2" "$t3") s"
echo "dependencies in $ci; npm run build …" >&2
t4=$(now)
run_logged "$work/build.log" npm run build
t5=$(now)
load_after="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")"

build="$(seconds "$t4" "$t5")"
verdict="$(awk -v s="$build" 'BEGIN { print (s <= 90 ? "✓ (target ≤ 90 s)" : "✗ (target ≤ 90 s)") }')"
pages="$(grep -o 'check-build: [0-9]* pages' "$work/build.log" | grep -o '[0-9]*' || echo "?")"

echo
echo "| commit | cores | node | npm | install | npm run build | pages | load average before → after |"
echo "|---|---:|---|---|---|---:|---:|---|"
echo "| $commit | $(nproc) | $(node --version) | $(npm --version) | $ci | $build s $verdict | $pages | $load_before → $load_after |"
echo
echo "slowest data loaders (run one after another during the build):"
# Framework logs "copy … → load /data/x.arrow → …", the loader's stderr, then "success … in 1234ms".
sed -e 's/\x1b\[[0-9;]*m//g' "$work/build.log" \
  | awk 'match($0, /load \/data\/[^ ]+/) { file = substr($0, RSTART + 5, RLENGTH - 5) }
         file != "" && match($0, /(success|error).* in [0-9]+ms/) { n = $0; sub(/ms.*$/, "", n); sub(/.* in /, "", n); print n, file; file = "" }' \
  > "$work/loaders.txt" || true
sort -rn "$work/loaders.txt" | head -n 8 | awk '{ printf "%8d ms  %s\n", $1, $2 }'
awk '{ total += $1; n++ } END { printf "%8d ms  all %d loaders together\n", total, n }' "$work/loaders.txt"
# A clean clone that cannot install is a failure even when the build itself was timed.
if [ "${ci_failed:-0}" = 1 ]; then exit 1; fi
