#!/usr/bin/env bash
# One fuzz target's smoke (CTest, tests/fuzz/CMakeLists.txt):
#   run_smoke.sh FUZZER TARGET FUZZ_SRC_DIR WORK_DIR SECONDS
# 1. replays every committed input of FUZZ_SRC_DIR/regressions/TARGET (inputs that once found a
#    bug: each must now run clean), 2. fuzzes for SECONDS from the committed seed corpus, with
#    the dictionary if there is one. New inputs go to WORK_DIR/TARGET/corpus, crashes to
#    WORK_DIR/TARGET/artifacts; the repository is only read. Exit 0 only if nothing failed.
set -euo pipefail
fuzzer=$1 target=$2 src=$3 work=$4 seconds=$5
corpus="$work/$target/corpus"
artifacts="$work/$target/artifacts/"
mkdir -p "$corpus" "$artifacts"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

regressions="$src/regressions/$target"
if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
  echo "== replaying $(ls "$regressions" | wc -l) regression input(s) of $target"
  "$fuzzer" -runs=1 "$regressions"/*
fi

dict=()
if [ -f "$src/dict/$target.dict" ]; then dict=(-dict="$src/dict/$target.dict"); fi
echo "== fuzzing $target for ${seconds}s from $src/corpus/$target"
"$fuzzer" -max_total_time="$seconds" -timeout=60 -rss_limit_mb=2048 -print_final_stats=1 -report_slow_units=60 \
  -artifact_prefix="$artifacts" "${dict[@]}" "$corpus" "$src/corpus/$target"
