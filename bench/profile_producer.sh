#!/usr/bin/env bash
# Profiles the single validator's io thread — the one that plans, seals and commits blocks —
# while bench_network_bench loads it, and prints that thread's top self-time functions as a
# share of the thread's own samples. Needs perf (Debian package linux-perf); without it, says so
# and exits 0, since a profile is an aid and not a benchmark.
#
#   bench/profile_producer.sh [--txs N] [--top K]     (SHANLIU_BIN_DIR: default build/bin)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${SHANLIU_BIN_DIR:-build/bin}
txs=20000
top=5
while [ $# -gt 0 ]; do
  case "$1" in
    --txs) txs=$2; shift 2 ;;
    --top) top=$2; shift 2 ;;
    *) echo "usage: $0 [--txs N] [--top K]" >&2; exit 2 ;;
  esac
done
if ! command -v perf >/dev/null 2>&1; then
  echo "perf is not installed (apt-get install linux-perf): no profile taken"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
perf record -F 999 -o "$work/perf.data" -- "$bin/bench_network_bench" --txs "$txs" --validators 1 \
  --base-port 24100 >"$work/bench.txt" 2>"$work/perf.err"
grep -E "verify|committed txs/s" "$work/bench.txt" || true
# The validator starts before the observer, so its process has the lower pid; its io thread is
# the process's main thread (tid == pid).
pid=$(perf script -i "$work/perf.data" -F comm,pid,tid 2>/dev/null |
  awk '$1 == "shanliu-node" { split($2, p, "/"); if (p[1] == p[2] && (min == "" || p[1] + 0 < min + 0)) min = p[1] }
       END { print min }')
if [ -z "$pid" ]; then
  echo "no samples of a shanliu-node main thread" >&2
  exit 1
fi
echo
echo "Top $top self-time functions of the validator's io thread (share of that thread's samples):"
perf report -i "$work/perf.data" --tid "$pid" --no-children --percentage relative --sort dso,sym --stdio -g none \
  2>/dev/null | grep -E '^ +[0-9.]+%' | sed -n "1,${top}p" |
  sed -E 's/std::_Hashtable<.*>::(_M_[a-z_]+).*/std::unordered_map::\1/' | cut -c1-140
