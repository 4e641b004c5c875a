"""A damaged store is detected and rebuilt from peers (issue 15), with real processes on loopback.

Four validators and an observer. Each scenario stops a node, flips bytes in its `.ldb` table
files (where the block records sort first), and checks:
  detect     the observer, with storage.auto_repair off, refuses to start or answers 500
             storage_corrupt and records REPAIR_NEEDED
  manual     `shanliu-node repair` rebuilds it from its peers and keeps the damaged directory byte
             for byte; the repaired observer serves the validators' certified block bytes and
             state roots
  automatic  with auto_repair (the observer default) the node stops with exit status 4 on the
             damage (or repairs at once at startup), and its restart rebuilds the store itself
  live       bytes flipped under a running observer: a read while it serves meets the damage
             (500 storage_corrupt, never the altered bytes), it stops with status 4 and its
             restart repairs
  no-peer    repair with no reachable peer fails with repair_no_peers and changes nothing
  validator  a damaged validator (auto_repair off by default) stops with status 4 and will not
             start again on that store; `repair` brings it back and it keeps up with the others
"""
import hashlib
import json
import os
import sys

from harness import (DevnetNet, Failure, Workspace, check, free_port_block, get_json, height, http, run_steps,
                     set_blocks_setting, wait_for)

VALIDATORS = 4
OBS = VALIDATORS
EXIT_STORAGE_DAMAGED = 4


def tree(path):
    """Every file under `path`: relative name -> SHA-256."""
    out = {}
    for root, _, files in os.walk(path):
        for name in files:
            full = os.path.join(root, name)
            with open(full, "rb") as f:
                out[os.path.relpath(full, path)] = hashlib.sha256(f.read()).hexdigest()
    return out


class Net(DevnetNet):
    def healthy_or_exit(self, i, proc, timeout=120):
        """True once node i answers /healthz; False if it exited first (its code in proc.returncode)."""
        def state():
            if proc.poll() is not None:
                return "exited"
            try:
                return "up" if http("GET", self.url(i) + "/healthz", timeout=2)[0] == 200 else None
            except OSError:
                return None
        return wait_for(f"node {i} to come up or exit", state, timeout=timeout) == "up"

    def set_storage(self, i, **settings):
        with open(self.config(i), encoding="utf-8") as f:
            config = json.load(f)
        config["storage"] = settings
        with open(self.config(i), "w", encoding="utf-8") as f:
            json.dump(config, f, indent=2)


def damage(net, i):
    """Flips one byte near the start of every table file of node i's store (stopped)."""
    db = os.path.join(net.data(i), "ledger")
    tables = [n for n in os.listdir(db) if n.endswith(".ldb")]
    check(tables, f"node {i} has table files to damage: {sorted(os.listdir(db))}")
    for name in tables:
        with open(os.path.join(db, name), "r+b") as f:
            f.seek(100)
            b = f.read(1)
            f.seek(100)
            f.write(bytes([b[0] ^ 0x5A]))


def damage_everywhere(net, i):
    """Flips one byte in every 4 KiB of every table file of node i's store, whether it runs or not:
    LevelDB's block cache may hold a few blocks the node read already, never all of them."""
    db = os.path.join(net.data(i), "ledger")
    tables = [n for n in os.listdir(db) if n.endswith(".ldb")]
    check(tables, f"node {i} has table files to damage: {sorted(os.listdir(db))}")
    for name in tables:
        path = os.path.join(db, name)
        size = os.path.getsize(path)
        with open(path, "r+b") as f:
            for at in range(100, max(size - 64, 101), 4096):
                f.seek(at)
                b = f.read(1)
                f.seek(at)
                f.write(bytes([b[0] ^ 0x5A]))
            f.flush()
            os.fsync(f.fileno())


def settle_into_tables(net, i):
    """Restarts node i once, so LevelDB moves its log into table files, and stops it again."""
    net.start(i)
    net.stop(i)


def probe_reads(net, i, head):
    """Reads every block of node i; the first 500 storage_corrupt, or None if all read back."""
    for h in range(1, head + 1):
        status, _, body = http("GET", f"{net.url(i)}/v1/blocks/{h}/raw")
        if status == 500:
            check(b"storage_corrupt" in body, f"a failed read is storage_corrupt: {body[:200]!r}")
            return h
        check(status == 200, f"block {h}: {status} {body[:200]!r}")
    return None


def same_as_validators(net, i, repaired_to):
    """Node i serves certified block bytes a validator serves up to `repaired_to` (the blocks its
    repair fetched), and validator 0's headers (so state roots) at every common height. Validators
    may hold different (equally valid) certificates for one block, so the bytes are compared with
    every running validator's; a validator that votes again assembles certificates of its own for
    the blocks after its repair, so only their headers are compared."""
    target = height(net.url(0))
    wait_for(f"node {i} to catch up", lambda: height(net.url(i)) >= target, timeout=180)
    validators = [v for v in sorted(net.procs) if v < VALIDATORS and v != i]
    for h in range(1, target + 1):
        status, _, mine = http("GET", f"{net.url(i)}/v1/blocks/{h}/raw")
        check(status == 200, f"block {h} on node {i}: {status}")
        if i >= VALIDATORS or h <= repaired_to:
            theirs = [http("GET", f"{net.url(v)}/v1/blocks/{h}/raw")[2] for v in validators]
            check(mine in theirs, f"block {h} bytes on node {i} are a validator's")
        a = get_json(f"{net.url(i)}/v1/blocks/{h}")
        b = get_json(f"{net.url(0)}/v1/blocks/{h}")
        check(a["block_hash"] == b["block_hash"] and a["header"] == b["header"],
              f"block {h} on node {i}: {a['block_hash']} {a['header']['state_root']} vs "
              f"{b['block_hash']} {b['header']['state_root']}")


def damaged_copies(net, i):
    parent = os.path.dirname(net.data(i))
    return sorted(n for n in os.listdir(parent) if n.startswith("data.damaged-"))


def step_detect(net, state):
    settle_into_tables(net, OBS)
    damage(net, OBS)
    net.set_storage(OBS, auto_repair=False)
    proc = net.launch(OBS)
    if net.healthy_or_exit(OBS, proc):
        hit = probe_reads(net, OBS, state["head"])
        check(hit is not None, "a damaged block is refused with 500 storage_corrupt")
        print(f"     detect: block {hit} refused while serving")
        check(proc.poll() is None, "an observer without auto_repair keeps serving what reads back intact")
        net.ws.stop_node(proc)
    else:
        check(proc.returncode == EXIT_STORAGE_DAMAGED, f"refused at start with status 4, not {proc.returncode}")
        net.ws.nodes.remove(proc)
        print("     detect: refused at start")
    check('"storage_corrupt"' in net.log(OBS), "the damage is logged as storage_corrupt")
    check(os.path.exists(os.path.join(net.data(OBS), "REPAIR_NEEDED")), "the damage is recorded in REPAIR_NEEDED")


def step_manual(net, state):
    before = tree(net.data(OBS))
    r = net.ws.run("shanliu-node", "repair", "--config", net.config(OBS), check_exit=False, timeout=300)
    check(r.returncode == 0, f"repair succeeds: {r.stdout}{r.stderr}")
    print("     " + r.stdout.replace("\n", "\n     ").rstrip())
    check("repaired " in r.stdout and "fetched from peers" in r.stdout, f"a summary: {r.stdout}")
    copies = damaged_copies(net, OBS)
    check(len(copies) == 1, f"the damaged store is kept: {copies}")
    kept = os.path.join(os.path.dirname(net.data(OBS)), copies[0])
    check(tree(kept) == before, "the damaged copy is byte for byte what was there")
    check(not os.path.exists(os.path.join(net.data(OBS), "REPAIR_NEEDED")), "the damage record went with it")
    net.start(OBS)
    same_as_validators(net, OBS, state["head"])


def step_automatic(net, state):
    net.stop(OBS)
    settle_into_tables(net, OBS)
    damage(net, OBS)
    net.set_storage(OBS)  # the observer default: auto_repair on
    proc = net.launch(OBS)
    restarts = 0
    while not net.healthy_or_exit(OBS, proc) or probe_reads(net, OBS, height(net.url(OBS))) is not None:
        # Met while serving: the node stops itself with status 4, as a supervisor would see it.
        code = proc.wait(timeout=60)
        check(code == EXIT_STORAGE_DAMAGED, f"the node stops with status 4 on damage, not {code}")
        net.ws.nodes.remove(proc)
        restarts += 1
        check(restarts <= 2, "one restart repairs the store")
        proc = net.launch(OBS)
    net.procs[OBS] = proc
    print(f"     automatic: repaired after {restarts} stop(s) with status 4")
    log = net.log(OBS)
    check('"store_repaired"' in log, "the node repaired its store itself")
    check(len(damaged_copies(net, OBS)) == 2, f"the second damaged store is kept too: {damaged_copies(net, OBS)}")
    same_as_validators(net, OBS, state["head"])


def step_live(net, state):
    """The disk goes bad under a running observer: the damage is met by a read while it serves,
    never served (500 storage_corrupt), and with auto_repair the node stops with status 4 and its
    restart rebuilds the store from its peers."""
    net.stop(OBS)
    settle_into_tables(net, OBS)
    net.start(OBS)
    proc = net.procs.pop(OBS)
    copies_before = len(damaged_copies(net, OBS))
    damage_everywhere(net, OBS)
    hit = None
    try:
        hit = probe_reads(net, OBS, state["head"])
    except OSError:
        pass  # it met the damage elsewhere first (a peer's sync request) and stopped
    if hit is not None:
        print(f"     live: block {hit} refused with 500 storage_corrupt while serving")
    code = proc.wait(timeout=60)
    check(code == EXIT_STORAGE_DAMAGED, f"the running observer stops with status 4 on damage, not {code}")
    net.ws.nodes.remove(proc)
    log = net.log(OBS)
    check('"storage_corrupt"' in log, "the damage met while serving is logged as storage_corrupt")
    check(os.path.exists(os.path.join(net.data(OBS), "REPAIR_NEEDED")), "the damage is recorded in REPAIR_NEEDED")
    proc = net.launch(OBS)
    check(net.healthy_or_exit(OBS, proc, timeout=300), f"its restart repairs and serves (exit {proc.returncode})")
    net.procs[OBS] = proc
    check(len(damaged_copies(net, OBS)) == copies_before + 1, "the damaged store is kept")
    check(probe_reads(net, OBS, state["head"]) is None, "every block reads back after the repair")
    same_as_validators(net, OBS, state["head"])


def step_no_peer(net, state):
    net.stop(OBS)
    settle_into_tables(net, OBS)
    damage(net, OBS)
    with open(net.config(OBS), encoding="utf-8") as f:
        config = json.load(f)
    for p in config["p2p"]["peers"]:
        p["address"] = "127.0.0.1:9"  # discard port: nothing listens
    lonely = os.path.join(os.path.dirname(net.config(OBS)), "config-no-peers.json")
    with open(lonely, "w", encoding="utf-8") as f:
        json.dump(config, f)
    before = tree(net.data(OBS))
    copies_before = len(damaged_copies(net, OBS))
    r = net.ws.run("shanliu-node", "repair", "--config", lonely, check_exit=False, timeout=300)
    check(r.returncode == 1 and "repair_no_peers" in r.stderr, f"repair fails typed: {r.returncode} {r.stderr}")
    check(tree(net.data(OBS)) == before, "the data directory is untouched")
    check(not os.path.exists(net.data(OBS) + ".repair"), "no rebuild is left behind")
    check(len(damaged_copies(net, OBS)) == copies_before, "no damaged copy is made")
    r = net.ws.run("shanliu-node", "repair", "--config", net.config(OBS), check_exit=False, timeout=300)
    check(r.returncode == 0, f"with its peers back the same repair succeeds: {r.stdout}{r.stderr}")
    net.start(OBS)
    same_as_validators(net, OBS, state["head"])


def step_validator(net, state):
    v = 3
    net.stop(v)
    settle_into_tables(net, v)
    damage(net, v)
    proc = net.launch(v)
    if net.healthy_or_exit(v, proc):
        hit = probe_reads(net, v, height(net.url(v)))
        check(hit is not None, "the validator refuses a damaged block")
        check(proc.wait(timeout=60) == EXIT_STORAGE_DAMAGED, "the validator stops at once with status 4")
    else:
        check(proc.returncode == EXIT_STORAGE_DAMAGED, f"refused at start with status 4, not {proc.returncode}")
    net.ws.nodes.remove(proc)
    # It knows its store is damaged: it will not start (and so sign) on it again.
    proc = net.launch(v)
    check(proc.wait(timeout=60) == EXIT_STORAGE_DAMAGED, "a validator with REPAIR_NEEDED refuses to start")
    net.ws.nodes.remove(proc)
    r = net.ws.run("shanliu-node", "repair", "--config", net.config(v), check_exit=False, timeout=300)
    check(r.returncode == 0, f"validator repair succeeds: {r.stdout}{r.stderr}")
    repaired_to = int(r.stdout.split(" at height ")[1].split()[0])
    net.start(v)
    same_as_validators(net, v, repaired_to)
    h = height(net.url(0))
    wait_for("the network to go on with the repaired validator", lambda: height(net.url(v)) >= h + 3, timeout=120)


def main(bin_dir):
    ws = Workspace(bin_dir)
    passed, failed = 0, 0
    net = None
    try:
        base = free_port_block(60)
        net = Net(ws, base)
        ws.run("shanliu", "devnet", "--dir", net.dir, "--validators", str(VALIDATORS), "--observers", "1",
               "--base-port", str(base), "--explorer-dir", "")
        for i in range(VALIDATORS + 1):
            set_blocks_setting(net.config(i), "heartbeat_ms", 1000)
        for i in range(VALIDATORS + 1):
            net.start(i)
        ws.run("shanliu", "demo", "--node", net.url(1), "--dir", net.dir, "--donations", "120", "--seed", "5",
               timeout=600)
        state = {"head": height(net.url(1))}
        wait_for("the observer to catch up", lambda: height(net.url(OBS)) >= state["head"], timeout=180)
        net.stop(OBS)
        p, f = run_steps([("detect", lambda: step_detect(net, state)), ("manual", lambda: step_manual(net, state)),
                          ("automatic", lambda: step_automatic(net, state)),
                          ("live", lambda: step_live(net, state)),
                          ("no-peer", lambda: step_no_peer(net, state)),
                          ("validator", lambda: step_validator(net, state))])
        passed, failed = passed + p, failed + f
    except Failure as e:
        failed += 1
        print(f"FAIL setup: {e}")
    finally:
        if failed and net is not None:
            net.print_log_tails(VALIDATORS + 1)
        ws.close()
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
