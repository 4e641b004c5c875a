"""Four validators and an observer as real processes on loopback (issue 6).

Scenario, in order (each step depends on the network the previous one left):
  network   4 validators come up, connect and commit the demo loaded through validator 1
  kill9     under that load a validator is killed with SIGKILL and restarted: it catches up
  proposer  a second validator is killed mid-round: the other three go on committing
  refused   a peer with an unknown key is refused at the handshake
  garbage   a validator's identity sending garbage frames is disconnected; the others carry on
  observer  an observer started late catches up and serves receipts that verify
  liar      a peer announcing heads it does not have (the observer's head + 1, then 10^15) and
            never serving a block cannot stop the observer following the validators (issue 15)
  agree     every node has the same blocks (so the same state digests) and every tx
  audit     the validators' cosigned checkpoint verifies; `shanliu audit` replays the network's
            chain from a node's API and from a stopped validator's data directory, and proves the
            log only grew since the checkpoint saved earlier
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

from harness import (DevnetNet, Failure, Workspace, check, free_port_block, get_json, height, http, run_steps,
                     set_blocks_setting, wait_for)

VALIDATORS = 4


def block_hash(url, h):
    return get_json(f"{url}/v1/blocks/{h}")["block_hash"]


class Net(DevnetNet):
    def peers(self, i):
        return get_json(self.url(i) + "/v1/stats")["node"]["peers"]


def step_network(net):
    for i in range(VALIDATORS):
        net.start(i)
    # Full mesh among the validators (the observer is not up yet).
    wait_for("validators to connect", lambda: all(net.peers(i) >= VALIDATORS - 1 for i in range(VALIDATORS)))
    h0 = height(net.url(0))
    wait_for("blocks to be committed", lambda: height(net.url(2)) > h0 + 1)


def step_kill9_and_proposer(net, demo_proc):
    url1 = net.url(1)
    h = height(url1)
    wait_for("the demo to be under way", lambda: height(url1) >= h + 3)
    net.kill(3)
    time.sleep(2)
    net.start(3)
    wait_for("validator 3 to catch up after kill -9",
             lambda: height(net.url(3)) >= height(url1) - 1, timeout=120)
    # Kill the proposer of the coming heights: rounds led by it must time out and move on.
    h = height(url1)
    # With equal powers the proposer of (height, round) is table[(height + round) % 4] (docs/consensus.md).
    table = {}
    for x in range(max(1, h - 11), h + 1):
        block = get_json(f"{url1}/v1/blocks/{x}")
        table[(x + block["commit"]["round"]) % VALIDATORS] = block["header"]["proposer_index"]
    check(sorted(table) == list(range(VALIDATORS)) and sorted(table.values()) == list(range(VALIDATORS)),
          f"proposers rotate through all validators: {table}")
    proposer_of = {x: table[x % VALIDATORS] for x in range(h, h + 20)}
    victim = proposer_of[h + 1]
    if victim == 1:  # the demo talks to validator 1: take the next height's proposer instead
        victim = proposer_of[h + 2]
    net.kill(victim)
    url = net.url(next(i for i in range(VALIDATORS) if i != victim))
    wait_for(f"progress without validator {victim}", lambda: height(url) >= h + 6, timeout=120)
    for x in range(h + 3, h + 7):
        if proposer_of[x] != victim:
            continue
        block = get_json(f"{url}/v1/blocks/{x}")
        check(block["header"]["proposer_index"] != victim and block["commit"]["round"] >= 1,
              f"height {x}, the dead validator's turn, was decided in a later round by another: "
              f"proposer {block['header']['proposer_index']}, round {block['commit']['round']}")
    check(demo_proc.poll() is None or demo_proc.returncode == 0, "the demo survives validator failures")
    net.start(victim)
    wait_for(f"validator {victim} to catch up", lambda: height(net.url(victim)) >= height(url1) - 1, timeout=120)


def probe(net, *args):
    return subprocess.run([os.path.join(net.ws.bin, "shanliu-p2p-probe"), *args], capture_output=True, text=True,
                          timeout=60)


def chain_id(net):
    with open(os.path.join(net.dir, "genesis.json")) as f:
        return json.load(f)["chain_id"]


def node_public_key(net, i):
    with open(net.config((i + 1) % VALIDATORS)) as f:
        peers = json.load(f)["p2p"]["peers"]
    wanted = net.p2p(i)
    return next(p["public_key"] for p in peers if p["address"] == wanted)


def step_refused(net):
    key = os.path.join(net.ws.dir, "stranger.key")
    net.ws.run("shanliu", "keygen", "--out", key)
    r = probe(net, "--key", key, "--chain-id", chain_id(net), "--connect", net.p2p(0),
              "--peer-key", node_public_key(net, 0), "--mode", "handshake", "--seconds", "10")
    check(r.returncode == 3, f"an unknown key is refused at the handshake (exit {r.returncode}): {r.stderr}")


def step_garbage(net):
    # Validator 3's identity, its node stopped, talks garbage to validator 0.
    net.kill(3, signal.SIGTERM)
    key = os.path.join(net.dir, "node3", "node.key")
    r = probe(net, "--key", key, "--chain-id", chain_id(net), "--connect", net.p2p(0),
              "--peer-key", node_public_key(net, 0), "--mode", "garbage-frames", "--seconds", "10")
    check(r.returncode == 0, f"garbage frames get the sender disconnected (exit {r.returncode}): {r.stderr}")
    r = probe(net, "--key", key, "--chain-id", chain_id(net), "--connect", net.p2p(1),
              "--peer-key", node_public_key(net, 1), "--mode", "raw-garbage", "--seconds", "10")
    check(r.returncode == 0, f"raw garbage gets the sender disconnected (exit {r.returncode}): {r.stderr}")
    for i in (0, 1, 2):
        check(net.procs[i].poll() is None, f"validator {i} survived the garbage")
    net.start(3)
    url = net.url(0)
    wait_for("validator 3 back in step", lambda: height(net.url(3)) >= height(url) - 1, timeout=120)


def step_observer(net, codes):
    obs = VALIDATORS
    net.start(obs)
    target = height(net.url(1))
    wait_for("the observer to catch up", lambda: height(net.url(obs)) >= target, timeout=180)
    stats = get_json(net.url(obs) + "/v1/stats")
    check(stats["node"]["role"] == "observer", "the late node is an observer")
    for code in codes[:3]:
        r = net.ws.run("shanliu", "verify", code, "--node", net.url(obs), "--genesis",
                       os.path.join(net.dir, "genesis.json"), check_exit=False)
        check(r.returncode == 0, f"receipt {code} verifies against the observer: {r.stdout}{r.stderr}")


def step_liar(net):
    # Validator 3's identity, its node stopped, plays the liar towards the observer; validators
    # 0-2 keep committing (one-second heartbeat). Sync used to ask the highest claimant only, so
    # one such peer froze the observer for as long as it kept lying.
    obs = VALIDATORS
    net.kill(3, signal.SIGTERM)
    key = os.path.join(net.dir, "node3", "node.key")
    for claim in ("0", str(10**15)):  # 0: always the observer's own head + 1
        liar = subprocess.Popen(
            [os.path.join(net.ws.bin, "shanliu-p2p-probe"), "--key", key, "--chain-id", chain_id(net),
             "--connect", net.p2p(obs), "--peer-key", node_public_key(net, obs), "--mode", "lying-head",
             "--claim", claim, "--seconds", "20"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(4)  # the lie is told and believed before the observer's progress is measured
        h = height(net.url(1))
        wait_for(f"the observer to follow the validators while a peer claims {claim or 'head + 1'}",
                 lambda: height(net.url(obs)) >= h + 3, timeout=60)
        check(liar.poll() is None, "the liar was still lying while the observer progressed")
        out, err = liar.communicate(timeout=60)
        heads = re.search(r"lied heads=(\d+)", out)
        check(liar.returncode == 0 and heads and int(heads.group(1)) >= 5,
              f"the liar lied throughout (exit {liar.returncode}): {out}{err}")
    net.start(3)
    wait_for("validator 3 back in step", lambda: height(net.url(3)) >= height(net.url(0)) - 1, timeout=120)


def step_agree(net, codes):
    urls = [net.url(i) for i in sorted(net.procs)]
    # Let the nodes settle on one head, then compare every node's blocks.
    wait_for("all nodes at one height", lambda: len({height(u) for u in urls}) == 1, timeout=120)
    h = min(height(u) for u in urls)
    for probe_height in sorted({1, h // 2, h}):
        hashes = {block_hash(u, probe_height) for u in urls}
        check(len(hashes) == 1, f"nodes agree on block {probe_height}: {hashes}")
    totals = {json.dumps(get_json(u + "/v1/stats")["stats"], sort_keys=True) for u in urls}
    check(len(totals) == 1, f"every node has the same totals: {totals}")
    for code in codes:
        for u in urls:
            status, _, body = http("GET", f"{u}/v1/receipts/{code}")
            check(status == 200, f"receipt {code} committed on {u}: {status} {body[:200]!r}")


def step_audit(net):
    genesis = os.path.join(net.dir, "genesis.json")
    saved = os.path.join(net.ws.dir, "saved.note")
    wait_for("the observer to hold a cosigned checkpoint",
             lambda: http("GET", net.url(VALIDATORS) + "/v1/checkpoint/note")[0] == 200, timeout=30)
    r = net.ws.run("shanliu", "checkpoint", "--node", net.url(VALIDATORS), "--out", saved, "--genesis", genesis,
                   check_exit=False)
    check(r.returncode == 0, f"the observer serves a checkpoint cosigned by > 2/3 of the validators: {r.stderr}")
    with open(saved, encoding="utf-8") as f:
        cosigners = [line for line in f if line.startswith("\u2014 ")]
    check(len(cosigners) >= 3, f"at least 3 of 4 validators cosigned: {cosigners}")
    # More blocks on top of the saved checkpoint, so the audit proves growth, not equality.
    h = height(net.url(1))
    wait_for("blocks after the checkpoint", lambda: height(net.url(1)) >= h + 2)
    r = net.ws.run("shanliu", "audit", "--node", net.url(1), "--genesis", genesis, "--since-checkpoint", saved,
                   check_exit=False, timeout=600)
    check(r.returncode == 0, f"audit through the API passes: {r.stdout[-1500:]}{r.stderr[-500:]}")
    net.kill(2, signal.SIGTERM)
    r = net.ws.run("shanliu", "audit", "--data-dir", os.path.join(net.dir, "node2", "data"), "--genesis", genesis,
                   "--since-checkpoint", saved, check_exit=False, timeout=600)
    check(r.returncode == 0, f"audit of a stopped validator's data passes: {r.stdout[-1500:]}{r.stderr[-500:]}")


def main(bin_dir):
    ws = Workspace(bin_dir)
    passed, failed = 0, 0
    try:
        base = free_port_block(60)
        net = Net(ws, base)
        ws.run("shanliu", "devnet", "--dir", net.dir, "--validators", str(VALIDATORS), "--observers", "1",
               "--base-port", str(base), "--explorer-dir", "")
        # Idle chains make no blocks (DESIGN 7); a one-second heartbeat keeps heights moving
        # between the steps that submit nothing, and exercises the heartbeat itself.
        for i in range(VALIDATORS + 1):
            set_blocks_setting(net.config(i), "heartbeat_ms", 1000)
        step_network(net)
        print("ok   network")
        passed += 1
        demo_log = open(os.path.join(ws.dir, "demo.log"), "w")
        demo = subprocess.Popen([os.path.join(bin_dir, "shanliu"), "demo", "--node", net.url(1), "--dir", net.dir,
                                 "--donations", "600", "--seed", "11"], stdout=subprocess.PIPE, stderr=demo_log,
                                text=True)
        codes = []
        steps = [
            ("kill9+proposer", lambda: step_kill9_and_proposer(net, demo)),
            ("refused", lambda: step_refused(net)),
            ("garbage", lambda: step_garbage(net)),
        ]
        p, f = run_steps(steps)
        passed, failed = passed + p, failed + f
        out, _ = demo.communicate(timeout=600)
        if demo.returncode != 0:
            failed += 1
            print(f"FAIL demo exited {demo.returncode}; see {demo_log.name}")
        codes = list(dict.fromkeys(re.findall(r"\b[a-z2-7]{52}\b", out)))
        check(len(codes) >= 3, "the demo printed receipt codes")
        p, f = run_steps([("observer", lambda: step_observer(net, codes)), ("liar", lambda: step_liar(net)),
                          ("agree", lambda: step_agree(net, codes)),
                          ("audit", lambda: step_audit(net))])
        passed, failed = passed + p, failed + f
    except Failure as e:
        failed += 1
        print(f"FAIL setup: {e}")
    finally:
        if failed and os.environ.get("SHANLIU_KEEP_FAILED"):
            import shutil
            shutil.copytree(os.path.join(ws.dir, "net"), os.environ["SHANLIU_KEEP_FAILED"], dirs_exist_ok=True)
        if failed:
            for name in sorted(os.listdir(os.path.join(ws.dir, "net"))) if os.path.isdir(os.path.join(ws.dir, "net")) else []:
                log = os.path.join(ws.dir, "net", name, "config.json.log")
                if os.path.exists(log):
                    with open(log, errors="replace") as f:
                        tail = f.readlines()[-15:]
                    print(f"--- {name} log tail ---\n" + "".join(tail))
        ws.close()
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
