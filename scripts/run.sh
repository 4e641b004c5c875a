#!/usr/bin/env bash
# The README's run command: install what is missing, build, create a local network with
# demo data, and serve the API (and the explorer, when built) until Ctrl-C.
#
#   ./scripts/run.sh [--fresh] [--donations N]
#
# State lives in ./devnet (kept between runs; --fresh starts over).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

fresh=0
donations=3000
while [ $# -gt 0 ]; do
  case "$1" in
    --fresh) fresh=1 ;;
    --donations) donations="$2"; shift ;;
    *) echo "usage: $0 [--fresh] [--donations N]" >&2; exit 2 ;;
  esac
  shift
done

./scripts/install-deps.sh
./scripts/build.sh

dir="$root/devnet"
explorer_args=()
if [ -f "$root/explorer/dist/index.html" ]; then explorer_args=(--explorer-dir "$root/explorer/dist"); fi
if [ "$fresh" = 1 ]; then rm -rf "$dir"; fi
new_network=0
if [ ! -f "$dir/genesis.json" ]; then
  build/bin/shanliu devnet --dir "$dir" --validators 1 "${explorer_args[@]}"
  new_network=1
fi

url="http://127.0.0.1:8080"
log="$dir/node0/node.log"
build/bin/shanliu-node --config "$dir/node0/config.json" 2>>"$log" &
node_pid=$!
trap 'kill $node_pid 2>/dev/null; wait $node_pid 2>/dev/null' EXIT INT TERM

for _ in $(seq 1 100); do
  if curl -fsS "$url/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 $node_pid 2>/dev/null; then echo "shanliu-node failed to start; see $log" >&2; exit 1; fi
  sleep 0.1
done

if [ "$new_network" = 1 ]; then
  build/bin/shanliu demo --node "$url" --dir "$dir" --donations "$donations"
fi

echo
echo "Shanliu is running."
echo "  API:       $url/v1/stats"
echo "  Explorer:  $url/"
echo "  Node log:  $log"
echo "Press Ctrl-C to stop (the ledger stays in $dir)."
wait $node_pid
