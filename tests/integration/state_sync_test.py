"""State sync (issue 20 part 3) with real processes on loopback.

Four validators and two observers from `shanliu devnet`. The validators commit the demo's
donations and a ValidatorSetChange (validator 0's power 1 -> 2), so the snapshot block is signed
by a set that is not genesis's and its manifest carries the change; observer 5 never runs until
then, and starts with `--state-sync` on its empty data directory. Checks:
  restore    it restores from the validators' snapshot (typed log line `state_synced`, at a height
             above the donations), comes up and follows the chain by block sync
  state      it serves the same organisation page, accounts and stats as a validator at one height
  receipts   a donation committed after its snapshot: the same receipt (donation, proof, the
             change in validator_transitions) as a validator's, which `shanliu verify` accepts
             offline from genesis; a donation at or below the
             snapshot: 404 not_backfilled, never another answer
  follow     new donations after the restore reach it and their receipts are served
  backfill   restarted with the history backfill on (the first start had it off, so the checks
             above see the history base), it fetches blocks 1 .. snapshot from its peers; /v1/stats
             shows the progress, and it ends up serving the receipt of the donation from below the
             snapshot (the validator's receipt, which `shanliu verify` accepts), those blocks
             (raw bytes equal to the validator's), consistency proofs from old sizes, and it turns
             its audit on
  refused    a second start with --state-sync on a data directory that now holds a store keeps
             the store (logged state_sync_skipped); with no reachable peer a new observer fails
             typed (state_sync_no_peers) and leaves no store behind
"""
import json
import os
import subprocess
import sys
import time

from harness import (DevnetNet, Failure, Workspace, check, free_port_block, get_json, height, http, receipt_code,
                     run_steps, set_blocks_setting, wait_for)

VALIDATORS = 4
OBS = VALIDATORS + 1  # the second observer: the one that starts from a snapshot
DONATIONS = int(os.environ.get("SHANLIU_STATE_SYNC_DONATIONS", "300"))


def donate(net, amount_fen, ref):
    """One bank-attested donation through validator 0, committed; returns its tx id."""
    r = net.ws.run("shanliu", "tx", "donation", "--key", os.path.join(net.dir, "keys", "bank-1.key"),
                   "--node", net.url(0), "--to", "org:federation", "--amount-fen", str(amount_fen), "--wait",
                   "--json", json.dumps({"donor_ref": ref * 32, "channel": "bank_transfer",
                                         "attesting_bank": "bank-1"}))
    for line in r.stdout.splitlines():
        if line.startswith("id "):
            return line.split()[1]
    raise Failure(f"no tx id in: {r.stdout}")


def synced_event(net):
    for line in net.log(OBS).splitlines():
        if '"state_synced"' in line:
            return json.loads(line)
    return None


def at_same_height(net, a, b, fetch):
    """fetch(url) on nodes a and b while both are at one height (heartbeat blocks keep coming)."""
    for _ in range(50):
        ha = height(net.url(a))
        wait_for(f"node {b} at {ha}", lambda: height(net.url(b)) >= ha, timeout=60)
        ra, rb = fetch(net.url(a)), fetch(net.url(b))
        if height(net.url(a)) == ha and height(net.url(b)) == ha:
            return ra, rb
    raise Failure("the two nodes never stood at one height")


def set_backfill(net, on):
    """state_sync.backfill in the observer's config (the first start keeps the history base)."""
    with open(net.config(OBS), encoding="utf-8") as f:
        config = json.load(f)
    config.setdefault("state_sync", {})["backfill"] = on
    with open(net.config(OBS), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)


def step_restore(net, state):
    check(not os.path.exists(os.path.join(net.data(OBS), "ledger")), "the new observer's data directory holds no store")
    set_backfill(net, False)
    started = time.time()
    net.start(OBS, extra=("--state-sync",), timeout=300)
    state["restore_s"] = time.time() - started
    event = synced_event(net)
    check(event is not None, "the observer logged state_synced")
    check(event["height"] >= state["donated_height"],
          f"the snapshot ({event['height']}) covers the donations (height {state['donated_height']})")
    state["snapshot"] = event["height"]
    print(f"     restored at height {event['height']}: {event['chunks']} chunks, {event['rows']} rows, "
          f"up in {state['restore_s']:.1f} s")
    # Logged just after the API comes up (node/main.cc), so it may follow the start by a moment.
    wait_for("its audit (a replay from genesis) to be off: it holds no history",
             lambda: '"audit_off"' in net.log(OBS), timeout=30)
    check('"backfill_off"' in net.log(OBS), "the backfill is off as configured")
    history = get_json(net.url(OBS) + "/v1/stats")["history"]
    check(history == {"snapshot_height": event["height"], "backfilled_height": 0, "missing_blocks": event["height"]},
          f"/v1/stats names the missing history: {history}")
    check(get_json(net.url(0) + "/v1/stats")["history"] is None, "a validator holds its whole history")
    target = height(net.url(0))
    wait_for("the observer to follow by block sync", lambda: height(net.url(OBS)) >= target, timeout=120)


def step_state(net, state):
    for path in ["/v1/orgs/federation", "/v1/orgs/bureau"]:
        a, b = at_same_height(net, 0, OBS, lambda u: get_json(u + path))
        # The activity list names txs below the snapshot without their bodies (not_backfilled).
        for page in (a, b):
            page.pop("activity")
        check(a == b, f"{path}: the same on the validator and the restored observer")
    a, b = at_same_height(net, 0, OBS, lambda u: get_json(u + "/v1/stats"))
    check(a["head"] == b["head"] and a["stats"] == b["stats"], f"/v1/stats: the same: {a} vs {b}")
    print(f"     organisations, accounts and stats equal at height {b['head']['height']}")


def step_receipts(net, state):
    new_id = donate(net, 4242, "ab")
    state["new_ids"] = [new_id]
    wait_for("the new donation on the observer",
             lambda: http("GET", f"{net.url(OBS)}/v1/receipts/{receipt_code(new_id)}")[0] == 200, timeout=60)
    mine = get_json(f"{net.url(OBS)}/v1/receipts/{receipt_code(new_id)}")
    theirs = get_json(f"{net.url(0)}/v1/receipts/{receipt_code(new_id)}")
    check(mine["donation"] == theirs["donation"], "the same donation on both")
    for field in ("tx", "tx_id", "leaf_index", "log_size", "inclusion_path", "header", "block_hash"):
        check(mine["proof"][field] == theirs["proof"][field], f"the same proof {field} on both")
    transitions = [t["effective_height"] for t in mine["proof"]["validator_transitions"]]
    check(transitions == [state["change_height"]],
          f"the restored observer's proof carries the set change at {state['change_height']}: {transitions}")
    path = os.path.join(net.ws.dir, "receipt.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(mine, f)
    net.ws.run("shanliu", "verify", receipt_code(new_id), "--proof", path, "--genesis",
               os.path.join(net.dir, "genesis.json"))
    old = state["old_id"]
    status, _, body = http("GET", f"{net.url(OBS)}/v1/receipts/{receipt_code(old)}")
    check(status == 404 and json.loads(body)["error"]["code"] == "not_backfilled",
          f"an old receipt is 404 not_backfilled: {status} {body[:200]!r}")
    check(http("GET", f"{net.url(0)}/v1/receipts/{receipt_code(old)}")[0] == 200, "the validator serves it")
    status, _, body = http("GET", f"{net.url(OBS)}/v1/txs/{old}")
    check(status == 404 and b"not_backfilled" in body, f"the old tx is 404 not_backfilled: {status} {body[:200]!r}")
    for path in (f"/v1/blocks/{state['snapshot']}", f"/v1/blocks/1/raw", f"/v1/blocks/raw?from=1"):
        status, _, body = http("GET", net.url(OBS) + path)
        check(status == 404 and b"not_backfilled" in body, f"{path} is 404 not_backfilled: {status} {body[:200]!r}")
    check(http("GET", f"{net.url(OBS)}/v1/blocks/{state['snapshot'] + 1}")[0] == 200, "the block after it is served")


def step_follow(net, state):
    for i in range(3):
        state["new_ids"].append(donate(net, 100 + i, "c%d" % i))
    target = height(net.url(0))
    wait_for("the observer to follow", lambda: height(net.url(OBS)) >= target, timeout=60)
    for tx_id in state["new_ids"]:
        a = get_json(f"{net.url(OBS)}/v1/receipts/{receipt_code(tx_id)}")
        b = get_json(f"{net.url(0)}/v1/receipts/{receipt_code(tx_id)}")
        check(a["proof"]["inclusion_path"] == b["proof"]["inclusion_path"], f"receipt of {tx_id[:12]} equal")
    print(f"     followed to height {target}; {len(state['new_ids'])} new receipts equal")


def step_backfill(net, state):
    net.stop(OBS)
    set_backfill(net, True)
    started = time.time()
    net.start(OBS)
    check('"backfill_started"' in net.log(OBS), "the backfill starts")
    old = state["old_id"]
    code = receipt_code(old)
    wait_for("the old receipt on the observer", lambda: http("GET", f"{net.url(OBS)}/v1/receipts/{code}")[0] == 200,
             timeout=300)
    wait_for("the backfill to complete", lambda: get_json(net.url(OBS) + "/v1/stats")["history"] is None, timeout=300)
    state["backfill_s"] = time.time() - started  # from the start command: includes the node's start
    check('"backfill_complete"' in net.log(OBS), "it logged backfill_complete")
    mine = get_json(f"{net.url(OBS)}/v1/receipts/{code}")
    theirs = get_json(f"{net.url(0)}/v1/receipts/{code}")
    check(mine["proof"]["header"]["height"] <= state["snapshot"], "the old donation lies below the snapshot")
    # The commit certificate is whichever valid one the serving peer stored (validators may hold
    # different precommit subsets); `shanliu verify` below checks it against the validator set.
    for field in ("tx", "tx_id", "leaf_index", "log_size", "inclusion_path", "header", "block_hash"):
        check(mine["proof"][field] == theirs["proof"][field], f"the same old proof {field} on both")
    path = os.path.join(net.ws.dir, "old-receipt.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(mine, f)
    net.ws.run("shanliu", "verify", code, "--proof", path, "--genesis", os.path.join(net.dir, "genesis.json"))
    check(http("GET", f"{net.url(OBS)}/v1/txs/{old}")[0] == 200, "the old tx is served")
    for path in ("/v1/blocks/1/raw", f"/v1/blocks/{state['snapshot']}/raw", f"/v1/blocks/{state['snapshot'] // 2}/raw"):
        a = http("GET", net.url(OBS) + path)
        theirs = [http("GET", net.url(v) + path)[2] for v in range(VALIDATORS)]
        check(a[0] == 200 and a[2] in theirs, f"{path}: the same bytes as one validator's (block and the certificate it stored)")
    size = mine["proof"]["log_size"]
    head = get_json(net.url(OBS) + "/v1/stats")["head"]["log_size"]
    for old_size in (1, size):
        q = f"/v1/proofs/consistency?from={old_size}&to={head}"
        a, b = get_json(net.url(OBS) + q), get_json(net.url(0) + q)
        check(a == b, f"{q}: the same consistency proof as the validator's")
    wait_for("the audit to turn on", lambda: '"audit_on"' in net.log(OBS), timeout=60)
    print(f"     backfilled blocks 1..{state['snapshot']} in {state['backfill_s']:.1f} s from the start "
          f"({state['snapshot'] / state['backfill_s']:.0f} blocks/s; the configured bound is 160); the old receipt "
          f"(height {mine['proof']['header']['height']}) equals the validator's and verifies")


def step_refused(net, state):
    net.stop(OBS)
    net.start(OBS, extra=("--state-sync",))
    check('"state_sync_skipped"' in net.log(OBS), "a store already there is kept, not restored over")
    check(height(net.url(OBS)) >= state["snapshot"], "and it serves from it")
    net.stop(OBS)
    # A fresh observer whose peers cannot be reached: typed failure, no store.
    with open(net.config(OBS), encoding="utf-8") as f:
        config = json.load(f)
    for p in config["p2p"]["peers"]:
        p["address"] = "127.0.0.1:9"
    config["data_dir"] = os.path.join(os.path.dirname(net.config(OBS)), "data-lonely")
    config["state_sync"] = {"enabled": True, "timeout_ms": 300}
    lonely = os.path.join(os.path.dirname(net.config(OBS)), "config-lonely.json")
    with open(lonely, "w", encoding="utf-8") as f:
        json.dump(config, f)
    proc = subprocess.run([os.path.join(net.ws.bin, "shanliu-node"), "--config", lonely], capture_output=True,
                          text=True, timeout=300)
    check(proc.returncode == 1 and "state_sync_no_peers" in proc.stderr,
          f"no peers: exit 1 with state_sync_no_peers: {proc.returncode} {proc.stderr[-300:]}")
    check(not os.path.exists(os.path.join(config["data_dir"], "ledger")), "no store is left behind")
    check(not os.path.exists(os.path.join(config["data_dir"], "state-sync.partial")), "nor a partial one")


def main(bin_dir):
    ws = Workspace(bin_dir)
    passed, failed = 0, 0
    net = None
    try:
        base = free_port_block(80)
        net = DevnetNet(ws, base)
        ws.run("shanliu", "devnet", "--dir", net.dir, "--validators", str(VALIDATORS), "--observers", "2",
               "--base-port", str(base), "--explorer-dir", "")
        for i in range(VALIDATORS + 2):
            set_blocks_setting(net.config(i), "heartbeat_ms", 1000)
        for i in range(VALIDATORS + 1):
            net.start(i)
        state = {"old_id": donate(net, 999, "aa")}
        ws.run("shanliu", "demo", "--node", net.url(1), "--dir", net.dir, "--donations", str(DONATIONS), "--seed", "5",
               timeout=900)
        # A set change before the snapshot: the restore must follow it from genesis.
        state["change_height"] = height(net.url(0)) + 4
        keys = ["--key", os.path.join(net.dir, "keys", "bureau.key")]
        for i in range(VALIDATORS):
            keys += ["--key", os.path.join(net.dir, f"node{i}", "node.key")]
        key0 = ws.run("shanliu", "key", "show", os.path.join(net.dir, "node0", "node.key")).stdout
        key0 = next(w for w in key0.split() if len(w) == 64 and all(c in "0123456789abcdef" for c in w))
        ws.run("shanliu", "validators", "change", "--reweight", f"{key0}:2", "--effective-height",
               str(state["change_height"]), *keys, "--node", net.url(0), "--wait", timeout=120)
        wait_for("the set change to take effect", lambda: height(net.url(1)) >= state["change_height"] + 1, timeout=120)
        state["donated_height"] = height(net.url(1))
        wait_for("observer 4 to catch up", lambda: height(net.url(VALIDATORS)) >= state["donated_height"], timeout=180)
        p, f = run_steps([("restore", lambda: step_restore(net, state)), ("state", lambda: step_state(net, state)),
                          ("receipts", lambda: step_receipts(net, state)), ("follow", lambda: step_follow(net, state)),
                          ("backfill", lambda: step_backfill(net, state)),
                          ("refused", lambda: step_refused(net, state))])
        passed, failed = passed + p, failed + f
    except Failure as e:
        failed += 1
        print(f"FAIL setup: {e}")
    finally:
        if failed and net is not None:
            net.print_log_tails(VALIDATORS + 2)
        ws.close()
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
