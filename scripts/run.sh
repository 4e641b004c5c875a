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
# A devnet from before the network had four validators is replaced.
if [ -f "$dir/genesis.json" ] && [ ! -f "$dir/node4/config.json" ]; then rm -rf "$dir"; fi
# So is one an older build wrote, when the ledger's store format or rules changed since: its
# validators would refuse the store (store_format_old) or its blocks would not replay. Bump this
# with any such change; it is demo data, made again in a minute.
devnet_format="2026-12-07 store format 3 (state map pages), OrgYear transparency counters, key recovery (TxBody 35-37), region figures, org regions, streets and populations, validator set changes (TxBody 40, r/vs/ rows, headers name set(h) and set(h+1)), state sync (c/base history base, snapshot frames 7-10), history backfill (c/backfill progress record, blocks answers echo from_height), genesis origin_key and node<i>/origin.share (FROST origin signature), checkpoints cosigned by the set of their block (CheckpointCosignature public_key 6, origin commitments 7-8), genesis state row r/origin_key (multi-validator genesis state root changes)"
if [ -f "$dir/genesis.json" ] && [ "$(cat "$dir/DEVNET_FORMAT" 2>/dev/null)" != "$devnet_format" ]; then
  echo "run.sh: ./devnet was made by an older build of Shanliu; starting a new one"
  rm -rf "$dir"
fi
new_network=0
# Validators: the bureau (民政局), the federation (慈善总会) and two banks, on API ports
# 8040..8070; the observer serves the API and the explorer on 8080.
if [ ! -f "$dir/genesis.json" ]; then
  build/bin/shanliu devnet --dir "$dir" --validators 4 --observers 1 --base-port 8040 "${explorer_args[@]}"
  printf '%s\n' "$devnet_format" > "$dir/DEVNET_FORMAT"
  new_network=1
fi

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

wait_healthy() {  # url pid log
  for _ in $(seq 1 150); do
    if curl -fsS "$1/healthz" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$2" 2>/dev/null; then echo "shanliu-node failed to start; see $3" >&2; exit 1; fi
    sleep 0.1
  done
  echo "shanliu-node did not become healthy; see $3" >&2
  exit 1
}

for i in 0 1 2 3 4; do
  log="$dir/node$i/node.log"
  build/bin/shanliu-node --config "$dir/node$i/config.json" 2>>"$log" &
  pids+=($!)
done
for i in 0 1 2 3 4; do wait_healthy "http://127.0.0.1:$((8040 + 10 * i))" "${pids[$i]}" "$dir/node$i/node.log"; done

url="http://127.0.0.1:8080"
if [ "$new_network" = 1 ]; then
  # Loaded through the bureau's validator; the observer follows by block sync.
  build/bin/shanliu demo --node "http://127.0.0.1:8040" --dir "$dir" --donations "$donations"
fi

echo
echo "Shanliu is running: 4 validators (bureau, federation, two banks) and 1 observer."
echo "  API:        $url/v1/stats   (the observer; validators on :8040 :8050 :8060 :8070)"
echo "  Explorer:   $url/"
echo "  Node logs:  $dir/node*/node.log"
echo "Press Ctrl-C to stop (the ledgers stay in $dir)."
wait "${pids[@]}"
