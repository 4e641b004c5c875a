#!/usr/bin/env bash
# The chaos testnet's long run (docs/testing.md): real shanliu-node processes on loopback under a
# seeded schedule with at least 100 random kills and 20 partitions per run (plus pauses, clock
# skew, disk full, wiped observers and a lying peer), a recording client load and the history
# checker. Runs one seed after another at the lowest priority (the machine is shared); each run's
# figures go to a summary file, each violation is printed with its seed and a replay command.
#
#   scripts/chaos.sh                          # 1 run, seed 1001, 100 kills, 20 partitions
#   scripts/chaos.sh --runs 3 --seed 2001     # seeds 2001..2003
#   scripts/chaos.sh --kills 300 --partitions 60
#
# Exit status: 0 when every run ended with no violation, 1 when any had one, 2 on bad usage or a
# run that could not be carried out.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=1
seed=1001
kills=100
partitions=20
clients=3
bin=build/bin

usage() {
  echo "usage: scripts/chaos.sh [--runs N] [--seed S] [--kills K] [--partitions P] [--clients C] [--bin DIR]" >&2
  exit 2
}
is_count() { [[ "$1" =~ ^[1-9][0-9]{0,6}$ ]]; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) is_count "${2:-}" || usage; runs=$2; shift 2 ;;
    --seed) is_count "${2:-}" || usage; seed=$2; shift 2 ;;
    --kills) is_count "${2:-}" || usage; kills=$2; shift 2 ;;
    --partitions) is_count "${2:-}" || usage; partitions=$2; shift 2 ;;
    --clients) is_count "${2:-}" || usage; clients=$2; shift 2 ;;
    --bin) [[ -n "${2:-}" ]] || usage; bin=$2; shift 2 ;;
    *) usage ;;
  esac
done
for tool in shanliu shanliu-node shanliu-p2p-probe; do
  [[ -x "$bin/$tool" ]] || { echo "scripts/chaos.sh: $bin/$tool is missing: build first (scripts/build.sh)" >&2; exit 2; }
done

logdir=$(mktemp -d "${TMPDIR:-/tmp}/shanliu-chaos-XXXXXX")
echo "chaos: $runs run(s) from seed $seed, $kills kills and $partitions partitions each; logs in $logdir"
status=0
nice -n 19 python3 tests/chaos/chaos.py "$bin" --seed "$seed" --runs "$runs" --kills "$kills" \
  --partitions "$partitions" --clients "$clients" --plant all --summary "$logdir/summary.jsonl" \
  2>&1 | tee "$logdir/chaos.log" || status=$?
echo
echo "summary ($logdir/summary.jsonl):"
python3 - "$logdir/summary.jsonl" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])] if __import__("os").path.exists(sys.argv[1]) else []
total = lambda key: sum(r.get(key, 0) for r in rows)
applied = lambda kind: sum(r.get("applied", {}).get(kind, 0) for r in rows)
print(f"  runs {len(rows)}, kills {applied('kill')}, partitions {applied('partition')}, pauses {applied('pause')}, "
      f"disk-full {applied('disk_full')}, wipes {applied('wipe_observer')}, liars {applied('lying_peer')}, "
      f"skews {applied('skew')}")
print(f"  txs written {total('writes')}, acked {total('acked')}, acked and committed {total('acked_committed')}, "
      f"reads {total('reads')}, violations {total('violations')}")
PY
exit "$status"
