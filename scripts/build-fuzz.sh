#!/usr/bin/env bash
# Configures and builds the libFuzzer targets (tests/fuzz) with clang, ASan and UBSan into
# build-fuzz/ (programs in build-fuzz/bin/). The normal build (scripts/build.sh, gcc) is separate.
set -euo pipefail
cd "$(dirname "$0")/.."
clang=$(command -v clang++-14 || command -v clang++ || true)
if [ -z "$clang" ]; then
  echo "clang++ is missing: run scripts/install-deps.sh (Debian packages clang-14 and libclang-rt-14-dev)" >&2
  exit 1
fi
launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$clang" -DSHANLIU_FUZZ=ON \
  "${launcher[@]}" >/dev/null
cmake --build build-fuzz -j "$(nproc)" --target shanliu_fuzz_all
