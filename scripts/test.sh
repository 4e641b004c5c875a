#!/usr/bin/env bash
# The README's test command: install what is missing, build, run every test through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
# The libFuzzer targets: clang with ASan and UBSan, in build-fuzz/ (docs/testing.md "Fuzzing").
./scripts/build-fuzz.sh
# --no-tests=error: a filter or configuration that selects no test fails instead of passing.
(cd build && ctest --output-on-failure --no-tests=error -j "$(nproc)" --timeout 900)
# The fuzz smoke: each target ~20 s from its seeds, two at a time (about 2 minutes in all).
(cd build-fuzz && ctest --output-on-failure --no-tests=error -j 2 -L fuzz)
