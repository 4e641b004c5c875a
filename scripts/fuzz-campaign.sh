#!/usr/bin/env bash
# A long fuzzing campaign over the libFuzzer targets of tests/fuzz (docs/testing.md "Fuzzing").
#
#   scripts/fuzz-campaign.sh [-t TOTAL_SECONDS] [-j JOBS] [-w WORK_DIR] [--no-build] [TARGET...]
#   scripts/fuzz-campaign.sh --summary [-w WORK_DIR] [TARGET...]   (the table of a finished campaign)
#
# Runs every target (or those named) for an equal share of TOTAL_SECONDS x JOBS CPU-seconds,
# JOBS at a time, under nice -n 19 (the machine is shared). Each target starts from the
# committed seeds plus whatever earlier campaigns in WORK_DIR found; new corpus entries stay in
# WORK_DIR/<target>/corpus (never the repository), crashes go to WORK_DIR/<target>/crashes with
# a replay command in WORK_DIR/summary.txt (inputs slower than 60 s are kept there as slow-unit-*,
# which is not a failure; the per-input timeout is 120 s of wall time for the same reason). A run that crashes is restarted for the rest of its
# time, so one bug does not end the campaign. Exit status 1 if any target crashed.
# Defaults: -t 3600 -j 1 -w /tmp/shanliu-fuzz-campaign.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

total=3600 jobs=1 work=/tmp/shanliu-fuzz-campaign build=1 summary_only=0 targets=()
while [ $# -gt 0 ]; do
  case $1 in
    -t) total=$2; shift 2 ;;
    -j) jobs=$2; shift 2 ;;
    -w) work=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --summary) summary_only=1 build=0; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if [ ${#targets[@]} -eq 0 ]; then
  targets=(tx_envelope consensus_message wal_record p2p_frame sync_response checkpoint_note receipt_code query json_tx)
fi
if [ "$build" = 1 ]; then ./scripts/build-fuzz.sh; fi
bin="$root/build-fuzz/bin"
share=$(( total * jobs / ${#targets[@]} ))
mkdir -p "$work"
[ "$summary_only" = 1 ] || echo "campaign: ${#targets[@]} targets, ${share}s each, $jobs at a time, work dir $work"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# Fuzzes one target for its share; restarts after a crash until the time is used up.
run_target() {
  local target=$1 dir="$work/$1" deadline runs=0
  mkdir -p "$dir/corpus" "$dir/crashes" "$dir/logs"
  local dict=()
  if [ -f "$root/tests/fuzz/dict/$target.dict" ]; then dict=(-dict="$root/tests/fuzz/dict/$target.dict"); fi
  deadline=$(( $(date +%s) + share ))
  while :; do
    local left=$(( deadline - $(date +%s) ))
    [ "$left" -ge 5 ] || break
    runs=$((runs + 1))
    nice -n 19 "$bin/fuzz_$target" -max_total_time="$left" -timeout=120 -rss_limit_mb=2048 -print_final_stats=1 \
      -report_slow_units=60 -artifact_prefix="$dir/crashes/" "${dict[@]}" "$dir/corpus" "$root/tests/fuzz/corpus/$target" \
      >"$dir/logs/run-$runs.log" 2>&1 || true
  done
  echo "$runs" >"$dir/runs"
  # CPU-seconds (user + system) of this target's fuzzer runs: on a shared machine a niced job
  # gets less CPU than wall time, and the CPU is what the campaign is worth.
  # (`times` itself runs in this shell, not in a pipeline's subshell, which would count nothing.)
  times >"$dir/times"
  tail -1 "$dir/times" | awk '{ n = 0; for (i = 1; i <= 2; i++) { split($i, t, "m"); n += t[1] * 60 + t[2] } printf "%d\n", n }' \
    >"$dir/cpu_seconds"
}

running=0
[ "$summary_only" = 1 ] && targets_to_run=() || targets_to_run=("${targets[@]}")
for target in "${targets_to_run[@]}"; do
  run_target "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
done
wait

# Summary: per target the runs, executions, coverage (edges) and features of the last run,
# corpus size and crashes, with the command that replays each crash.
summary="$work/summary.txt"
{
  printf '%-18s %5s %8s %12s %7s %7s %7s %8s\n' target runs cpu_s execs cov ft corpus crashes
  crashed=0 cpu_total=0
  for target in "${targets[@]}"; do
    dir="$work/$target"
    execs=$(grep -h '^stat::number_of_executed_units' "$dir"/logs/*.log 2>/dev/null | awk '{s += $2} END {print s + 0}')
    last=$(ls -t "$dir"/logs/*.log | head -1)
    cov=$(grep -Eo 'cov: [0-9]+' "$last" | tail -1 | awk '{print $2}')
    ft=$(grep -Eo 'ft: [0-9]+' "$last" | tail -1 | awk '{print $2}')
    corpus=$(ls "$dir/corpus" | wc -l)
    # Slow units are saved beside crashes but are no failure (on a loaded machine any input can be).
    crashes=$(ls "$dir/crashes" | grep -vc '^slow-unit-' || true)
    crashed=$((crashed + crashes))
    cpu=$(cat "$dir/cpu_seconds")
    cpu_total=$((cpu_total + cpu))
    printf '%-18s %5s %8s %12s %7s %7s %7s %8s\n' "$target" "$(cat "$dir/runs")" "$cpu" "$execs" "${cov:-?}" "${ft:-?}" "$corpus" "$crashes"
  done
  echo "total: ${cpu_total} CPU-seconds, $crashed crash(es)"
  if [ "$crashed" -gt 0 ]; then
    echo
    echo "crashes (replay each with the command shown):"
    for target in "${targets[@]}"; do
      for f in "$work/$target"/crashes/*; do
        case $(basename "$f") in slow-unit-*) continue ;; esac
        [ -e "$f" ] && echo "  $bin/fuzz_$target $f"
      done
    done
  fi
} | tee "$summary"
for target in "${targets[@]}"; do
  if ls "$work/$target/crashes" | grep -vq '^slow-unit-'; then exit 1; fi
done
