"""Backup and restore of a running node (issue 20 part 4), with real processes on loopback.

One validator and one observer. Steps:
  running    `shanliu-node backup` while the validator runs and the demo keeps submitting txs: the
             copy is one committed height (its block hash and state root are the node's at that
             height), `backup --verify` proves it by replay, and a second backup into the same
             directory is refused with target_not_empty
  restore    the observer is restored from that backup into a new data directory (a second restore
             into it is refused), starts from it, serves the same blocks and receipts as the
             validator and catches up past the backup's height by sync
  tampered   a backup with one byte changed fails verify with backup_digest_mismatch and a restore
             from it leaves the target untouched
  validator  with the validator stopped, backup reads its store directly (stopped_store); restored
             over its data directory (--force keeps the old one aside), the validator refuses to
             start with status 5 until --restored-ok, then signs blocks again and the observer
             follows them
"""
import json
import os
import subprocess
import sys

from harness import (DevnetNet, Failure, Workspace, check, free_port_block, get_json, height, http, receipt_code,
                     run_steps, set_blocks_setting, wait_for)

EXIT_RESTORED_VALIDATOR = 5


def same_blocks(net, a, b, up_to):
    """Nodes a and b serve the same block bytes, headers and receipts for heights 1..up_to."""
    receipts = 0
    for h in range(1, up_to + 1):
        ra = http("GET", f"{net.url(a)}/v1/blocks/{h}/raw")
        rb = http("GET", f"{net.url(b)}/v1/blocks/{h}/raw")
        check(ra[0] == 200 and ra[2] == rb[2], f"block {h}: the same bytes on nodes {a} and {b}")
        block = get_json(f"{net.url(b)}/v1/blocks/{h}")
        donations = [tx for tx in block["txs"] if "donation" in tx.get("kind", "").lower()]
        for tx in donations[:3]:
            code = receipt_code(tx["id"])
            sa, _, pa = http("GET", f"{net.url(a)}/v1/receipts/{code}")
            sb, _, pb = http("GET", f"{net.url(b)}/v1/receipts/{code}")
            check(sa == sb, f"receipt {code}: status {sa} on node {a}, {sb} on node {b}")
            if sa != 200:
                continue
            check(json.loads(pa)["proof"] == json.loads(pb)["proof"], f"receipt {code}: the same proof on {a} and {b}")
            receipts += 1
    return receipts


def step_running(net, state):
    """A backup taken while txs keep flowing is one committed height, proven by replay."""
    demo_log = os.path.join(net.ws.dir, "demo.log")
    demo = subprocess.Popen([os.path.join(net.ws.bin, "shanliu"), "demo", "--node", net.url(0), "--dir", net.dir,
                             "--donations", "150", "--seed", "7"],
                            stdout=open(demo_log, "wb"), stderr=subprocess.STDOUT)
    state["demo"] = demo
    start = height(net.url(0))
    wait_for("txs to flow", lambda: height(net.url(0)) >= start + 3, timeout=120)
    out = os.path.join(net.ws.dir, "b-running")
    r = net.ws.run("shanliu-node", "backup", "--config", net.config(0), "--out", out, check_exit=False)
    check(r.returncode == 0, f"backup of the running node: {r.stdout}{r.stderr}")
    print("     " + r.stdout.replace("\n", "\n     ").rstrip())
    with open(os.path.join(out, "backup.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    check(manifest["source"] == "running_node", f"taken by the running node: {manifest['source']}")
    taken = manifest["height"]
    check(demo.poll() is None, "the demo was still submitting while the backup ran")
    block = get_json(f"{net.url(0)}/v1/blocks/{taken}")
    check(block["block_hash"] == manifest["block_hash"], "the manifest names the node's block at its height")
    check(block["header"]["state_root"] == manifest["state_root"], "and its state root")
    r = net.ws.run("shanliu-node", "backup", "--config", net.config(0), "--out", out, check_exit=False)
    check(r.returncode == 1 and "target_not_empty" in r.stderr, f"a second backup into it is refused: {r.stderr}")
    check('"backup_written"' in open(net.config(0) + ".log", errors="replace").read(), "the node logged it")
    check(demo.wait(timeout=600) == 0, f"the demo finished: {open(demo_log, errors='replace').read()[-500:]}")
    r = net.ws.run("shanliu-node", "backup", "--verify", out, "--config", net.config(0), check_exit=False)
    check(r.returncode == 0, f"verify: {r.stdout}{r.stderr}")
    check(f"height {taken}, block {manifest['block_hash']}, state root {manifest['state_root']}" in r.stdout,
          f"verify prints what it proved: {r.stdout}")
    check("stored_state" in r.stdout, f"every stored record was compared with the replay: {r.stdout}")
    state["backup"], state["taken"] = out, taken
    print(f"     backup at height {taken} while the head went on to {height(net.url(0))}")


def restored_config(net, i, data_name):
    with open(net.config(i), encoding="utf-8") as f:
        config = json.load(f)
    config["data_dir"] = data_name
    path = net.config(i, f"config-{data_name}.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
    return path


def step_restore(net, state):
    net.stop(1)
    config = restored_config(net, 1, "data-restored")
    r = net.ws.run("shanliu-node", "restore", "--from", state["backup"], "--config", config, check_exit=False)
    check(r.returncode == 0, f"restore: {r.stdout}{r.stderr}")
    check(f"height {state['taken']}," in r.stdout, f"restore proved the backup's height: {r.stdout}")
    data = os.path.join(os.path.dirname(config), "data-restored")
    check(os.path.exists(os.path.join(data, "RESTORED")), "the restored store is marked RESTORED")
    r = net.ws.run("shanliu-node", "restore", "--from", state["backup"], "--config", config, check_exit=False)
    check(r.returncode == 1 and "target_not_empty" in r.stderr, f"restoring over it is refused: {r.stderr}")
    net.start(1, config)  # an observer may run on a restored store
    check(height(net.url(1)) >= state["taken"], "it serves at least the backup's height at once")
    head = height(net.url(0))
    wait_for("the restored observer to catch up", lambda: height(net.url(1)) >= head, timeout=180)
    receipts = same_blocks(net, 0, 1, head)
    print(f"     restored observer at {height(net.url(1))}: blocks 1..{head} and {receipts} receipts as the validator's")


def step_tampered(net, state):
    bad = os.path.join(net.ws.dir, "b-tampered")
    r = net.ws.run("shanliu-node", "backup", "--config", net.config(0), "--out", bad, check_exit=False)
    check(r.returncode == 0, f"another backup: {r.stderr}")
    ledger = os.path.join(bad, "ledger")
    victim = max((os.path.join(ledger, n) for n in os.listdir(ledger) if n not in ("LOCK", "LOG")),
                 key=os.path.getsize)
    with open(victim, "r+b") as f:
        f.seek(os.path.getsize(victim) // 2)
        b = f.read(1)
        f.seek(os.path.getsize(victim) // 2)
        f.write(bytes([b[0] ^ 1]))
    r = net.ws.run("shanliu-node", "backup", "--verify", bad, "--config", net.config(0), check_exit=False)
    check(r.returncode == 1 and "backup_digest_mismatch" in r.stderr, f"verify refuses it: {r.stderr}")
    target = os.path.join(net.ws.dir, "never-restored")
    r = net.ws.run("shanliu-node", "restore", "--from", bad, "--data-dir", target, "--genesis",
                   os.path.join(net.dir, "genesis.json"), check_exit=False)
    check(r.returncode == 1 and "backup_digest_mismatch" in r.stderr, f"restore refuses it: {r.stderr}")
    check(not os.path.exists(target) and not os.path.exists(target + ".restore"), "nothing was written")


def step_validator(net, state):
    net.stop(0)
    out = os.path.join(net.ws.dir, "b-stopped")
    r = net.ws.run("shanliu-node", "backup", "--config", net.config(0), "--out", out, check_exit=False)
    check(r.returncode == 0 and "stopped store" in r.stdout, f"backup of the stopped validator: {r.stdout}{r.stderr}")
    r = net.ws.run("shanliu-node", "restore", "--from", out, "--config", net.config(0), check_exit=False)
    check(r.returncode == 1 and "target_not_empty" in r.stderr, f"not over its data without --force: {r.stderr}")
    r = net.ws.run("shanliu-node", "restore", "--from", out, "--config", net.config(0), "--force", check_exit=False)
    check(r.returncode == 0 and "kept in" in r.stdout, f"forced restore keeps the old data: {r.stdout}{r.stderr}")
    proc = subprocess.Popen([os.path.join(net.ws.bin, "shanliu-node"), "--config", net.config(0)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    net.ws.nodes.append(proc)
    code = proc.wait(timeout=60)
    net.ws.nodes.remove(proc)
    check(code == EXIT_RESTORED_VALIDATOR, f"a validator on a restored store refuses with 5, not {code}")
    check("restored_validator" in proc.stderr.read(), "and says why")
    net.start(0, extra=("--restored-ok",))
    check(not os.path.exists(os.path.join(net.dir, "node0", "data", "RESTORED")), "--restored-ok clears the record")
    before = height(net.url(0))
    # It signs again: heartbeat blocks (every second here) carry its commit certificates.
    head = wait_for("the restored validator to make blocks", lambda: height(net.url(0)) >= before + 3 and
                    height(net.url(0)), timeout=120)
    wait_for("the observer to follow", lambda: height(net.url(1)) >= head, timeout=120)
    same_blocks(net, 0, 1, head)


def main(bin_dir):
    ws = Workspace(bin_dir)
    passed, failed = 0, 0
    net = None
    state = {}
    try:
        base = free_port_block(30)
        net = DevnetNet(ws, base)
        ws.run("shanliu", "devnet", "--dir", net.dir, "--validators", "1", "--observers", "1",
               "--base-port", str(base), "--explorer-dir", "")
        for i in range(2):
            set_blocks_setting(net.config(i), "heartbeat_ms", 1000)
            net.start(i)
        p, f = run_steps([("running", lambda: step_running(net, state)),
                          ("restore", lambda: step_restore(net, state)),
                          ("tampered", lambda: step_tampered(net, state)),
                          ("validator", lambda: step_validator(net, state))])
        passed, failed = passed + p, failed + f
    except Failure as e:
        failed += 1
        print(f"FAIL setup: {e}")
    finally:
        demo = state.get("demo")
        if demo is not None and demo.poll() is None:
            demo.kill()
            demo.wait()
        if failed and net is not None:
            for i in range(2):
                for name in os.listdir(os.path.join(net.dir, f"node{i}")):
                    if name.endswith(".log"):
                        with open(os.path.join(net.dir, f"node{i}", name), errors="replace") as f:
                            tail = f.readlines()[-12:]
                        print(f"--- node{i} {name} tail ---\n" + "".join(tail))
        ws.close()
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
