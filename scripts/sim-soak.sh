#!/usr/bin/env bash
# The consensus simulator's long soak (docs/consensus.md "Soak"): at least a million runs by
# default, each seed with 4, 7 and 10 validators and the powers the seed draws (equal in some
# runs, 1..3 each in the rest), half in the ordinary family and half in the "selective sender"
# family. Seeds are split into chunks run as separate processes, J at a time, at the lowest
# priority; every chunk counts its violations instead of stopping at the first, and each
# violation is printed with its seed so it can be replayed with --trace.
#
#   scripts/sim-soak.sh                          # 1,000,002 runs, one job per core
#   scripts/sim-soak.sh --runs 30000 --jobs 1    # a sample
#   scripts/sim-soak.sh --family selective --first 5000001
#   scripts/sim-soak.sh --family reconfig --runs 30000   # validator set changes (docs/consensus.md section 8)
#
# Every run also hosts the node around the cores (docs/consensus.md "The node in the simulator"):
# observers following by block sync, a lying peer in most runs, a slow peer, flipped bytes in
# stored blocks and torn block writes; the summary totals what those did. --fault takes the
# node switches too (sync-ask-highest-claimant, skip-block-check, ignore-read-checksum,
# repair-drop-above-gap).
#
# Exit status: 0 when every run kept every invariant, 1 when any violation was found, 2 on bad
# usage. Logs stay in the directory printed at the start.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=1000002
jobs=$(nproc)
first=1
family=both
chunk_seeds=5000
sim=build/bin/shanliu-sim
fault=none  # a test-only bug, to see the soak catch it

usage() {
  echo "usage: scripts/sim-soak.sh [--runs N] [--jobs J] [--first SEED] [--family ordinary|selective|reconfig|both|all]" \
       "[--chunk SEEDS] [--sim PATH] [--fault NAME]" >&2
  exit 2
}
is_count() { [[ "$1" =~ ^[1-9][0-9]{0,11}$ ]]; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) is_count "${2:-}" || usage; runs=$2; shift 2 ;;
    --jobs) is_count "${2:-}" || usage; jobs=$2; shift 2 ;;
    --first) is_count "${2:-}" || usage; first=$2; shift 2 ;;
    --chunk) is_count "${2:-}" || usage; chunk_seeds=$2; shift 2 ;;
    --family) [[ "${2:-}" =~ ^(ordinary|selective|reconfig|both|all)$ ]] || usage; family=$2; shift 2 ;;
    --sim) [[ -n "${2:-}" ]] || usage; sim=$2; shift 2 ;;
    --fault) [[ "${2:-}" =~ ^[a-z,-]+$ ]] || usage; fault=$2; shift 2 ;;
    *) usage ;;
  esac
done
[[ -x "$sim" ]] || { echo "sim-soak: $sim not built (cmake --build build --target shanliu-sim)" >&2; exit 2; }

# Three runs per seed (4, 7 and 10 validators).
families=()
case "$family" in
  both) families=(ordinary selective) ;;
  all) families=(ordinary selective reconfig) ;;
  *) families=("$family") ;;
esac
seeds_per_family=$(( (runs + 3 * ${#families[@]} - 1) / (3 * ${#families[@]}) ))

logs=$(mktemp -d /tmp/sim-soak.XXXXXX)
echo "sim-soak: $(( seeds_per_family * 3 * ${#families[@]} )) runs ($seeds_per_family seeds from $first per family:" \
     "${families[*]}; 4, 7 and 10 validators), $jobs jobs, chunks of $chunk_seeds seeds; logs in $logs"

# One line per chunk: family first-seed seed-count. The families alternate, so a soak stopped
# early has sampled both.
plan="$logs/plan"
: > "$plan"
for (( start = first; start < first + seeds_per_family; start += chunk_seeds )); do
  count=$(( first + seeds_per_family - start ))
  (( count > chunk_seeds )) && count=$chunk_seeds
  for fam in "${families[@]}"; do echo "$fam $start $count" >> "$plan"; done
done

started=$(date +%s)
export sim logs fault
# shellcheck disable=SC2016  # expanded by the inner shell
xargs -P "$jobs" -L 1 bash -c '
  fam=$0 start=$1 count=$2
  extra=(); [[ $fam == selective ]] && extra=(--selective)
  [[ $fam == reconfig ]] && extra=(--reconfig)
  [[ $fault != none ]] && extra+=(--fault "$fault")
  nice -n 19 "$sim" --seeds "$count" --first "$start" --validators 4,7,10 --count "${extra[@]}" \
    > "$logs/$fam-$start.log" 2>&1
' < "$plan"
elapsed=$(( $(date +%s) - started ))

total=0
violations=0
synced=0 refused=0 corrupt=0 torn=0 repairs=0
for log in "$logs"/*-*.log; do
  line=$(grep -E '^[0-9]+ of [0-9]+ runs found a violation' "$log" || true)
  [[ -n "$line" ]] || { echo "sim-soak: $log has no summary (the chunk did not finish)" >&2; violations=$((violations + 1)); continue; }
  read -r found _ done _ <<< "$line"
  total=$((total + done))
  violations=$((violations + found))
  node=$(grep -E '^node faults: ' "$log" || true)
  if [[ -n "$node" ]]; then
    read -r _ _ s _ _ r _ _ _ c _ _ _ t _ _ _ p _ <<< "$node"
    synced=$((synced + s)) refused=$((refused + r)) corrupt=$((corrupt + c)) torn=$((torn + t)) repairs=$((repairs + p))
  fi
  fam=$(basename "$log" | cut -d- -f1)
  grep -E '^seed [0-9]+ validators [0-9]+: ' "$log" | sed "s/^/  [$fam] /" || true
done
echo "sim-soak: $total runs, $violations with a violation, ${elapsed} s wall clock on $(nproc) cores ($jobs jobs)"
echo "sim-soak: node faults: $synced blocks synced, $refused forged blocks refused, $corrupt corrupt reads caught," \
     "$torn torn block writes, $repairs repairs"
echo "sim-soak: replay one with: $sim --seed S --validators N [--selective | --reconfig] --trace"
[[ $violations -eq 0 ]]
