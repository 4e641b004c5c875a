#!/usr/bin/env bash
# Installs whatever the build and tests need from Debian 12's archive. Idempotent: does
# nothing (and needs no network) when everything is already installed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libsodium-dev libssl-dev libleveldb-dev libsnappy-dev
  libboost-dev libboost-system-dev
  libprotobuf-dev protobuf-compiler
  nlohmann-json3-dev doctest-dev
  libqrencode-dev
  # gzip and brotli content codings for the explorer's files and large JSON responses
  zlib1g-dev libbrotli-dev
  # tests parse the Atom feeds the API writes
  libxml2-dev
  curl python3
  # The libFuzzer targets (tests/fuzz): clang with its sanitizer and libFuzzer runtimes.
  clang-14 libclang-rt-14-dev
  # The explorer (TypeScript built with Vite from npm packages) and its browser tests
  # (playwright-core drives Debian's chromium; a CJK font so pages render Chinese text).
  nodejs chromium fonts-wqy-microhei
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm ships inside some nodejs builds (e.g. NodeSource's); Debian packages it separately.
if ! command -v npm >/dev/null 2>&1; then
  dpkg-query -W -f='${Status}' npm 2>/dev/null | grep -q "install ok installed" || missing+=(npm)
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing missing packages: ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
