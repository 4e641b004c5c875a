#!/usr/bin/env bash
# The README's test command: install what is missing, build, run every test through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
cd build
# --no-tests=error: a filter or configuration that selects no test fails instead of passing.
ctest --output-on-failure --no-tests=error -j "$(nproc)" --timeout 900
