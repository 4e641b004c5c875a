#!/usr/bin/env bash
# Configures and builds Release into build/ (programs in build/bin/), then the explorer into
# explorer/dist/ (after the SDK into sdk/dist/, whose verification code it imports) and the
# browser tests' npm packages. Idempotent and quick when nothing changed:
# npm packages are installed only when a package-lock.json changed, and the explorer is rebuilt
# only when one of its sources is newer than the last build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)"

if ! command -v npm >/dev/null 2>&1; then
  echo "npm is missing: run scripts/install-deps.sh (Debian packages nodejs and npm)" >&2
  exit 1
fi

# npm ci into DIR/node_modules when DIR/package-lock.json differs from the last install.
npm_install() {
  local dir=$1
  local stamp="$dir/node_modules/.shanliu-lock.sha256"
  local want
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  echo "Installing npm packages in ${dir#"$root"/} (npm ci)"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" >"$stamp"
}

# The SDK first: the explorer imports its verification code from sdk/dist (a file: dependency).
npm_install "$root/sdk"
sdk_stamp="$root/sdk/.shanliu-build"
if [ ! -f "$sdk_stamp" ] ||
   [ -n "$(find "$root/sdk/src" "$root/sdk/package-lock.json" "$root/sdk/tsconfig.json" \
             -newer "$sdk_stamp" -print -quit 2>/dev/null)" ]; then
  echo "Building the SDK into sdk/dist"
  (cd "$root/sdk" && npm run --silent build)
  touch "$sdk_stamp"
fi
npm_install "$root/explorer"
npm_install "$root/tests/e2e"

dist_stamp="$root/explorer/dist/.shanliu-build"
if [ ! -f "$dist_stamp" ] || [ ! -f "$root/explorer/dist/index.html" ] ||
   [ -n "$(find "$root/explorer/src" "$root/explorer/public" "$root/sdk/.shanliu-build" "$root/explorer/index.html" \
             "$root/explorer/package-lock.json" "$root/explorer/vite.config.ts" \
             "$root/explorer/tsconfig.json" -newer "$dist_stamp" -print -quit 2>/dev/null)" ]; then
  echo "Building the explorer into explorer/dist"
  (cd "$root/explorer" && npm run --silent build)
  touch "$dist_stamp"
fi
