#!/usr/bin/env python3
"""Chaos testnet (issue 15 part 6): real shanliu-node processes on loopback under a seeded schedule
of kill -9, SIGSTOP/SIGCONT, partitions, clock skew, disk full, a wiped observer and a lying peer,
while clients submit signed txs and read heads, txs and receipts. Every acknowledged write and
every read is recorded; checker.py then looks for lost txs, forks, non-monotonic reads, failed
audits and crashes. docs/testing.md describes the model and how to replay a seed.

  chaos.py BIN_DIR --seed S [--validators N] [--observers M] [--kills K] [--partitions P]
           [--runs R] [--clients C] [--plant all|FAULT] [--keep DIR] [--summary FILE]
  chaos.py --check HISTORY.json [--plant FAULT]   re-check a saved history

Exit 0: no violation (and, with --plant, every planted fault caught); 1: violations; 2: the run
could not be carried out (setup, a node that never came up).
"""
import argparse
import copy
import heapq
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Failure, free_port_block, http  # noqa: E402

import checker  # noqa: E402
import links  # noqa: E402
import schedule  # noqa: E402


class NodeProc:
    def __init__(self, index, validator):
        self.index = index
        self.validator = validator
        self.proc = None
        self.up = False  # clients may pick it (a paused node stays "up": its clients time out)
        self.epoch = 0  # data wipes so far
        self.incarnation = 0
        self.expect_exit = False  # the harness is about to end it
        self.disk_quota = False  # running under RLIMIT_FSIZE: a storage-error exit (3) is expected


class Testnet:
    def __init__(self, bin_dir, workdir, topo, seed, log):
        self.bin = bin_dir
        self.dir = workdir
        self.topo = topo
        self.seed = seed
        self.log = log
        self.t0 = time.time()
        self.nodes = [NodeProc(i, i < topo.validators) for i in range(topo.nodes)]
        self.lock = threading.Lock()
        self.history = []
        self.exits = []
        self.links = None
        n = topo.nodes
        self.base = free_port_block(10 * n + n * n + 4)
        self.liar_port = self.base + 10 * n - 1  # never listened on: the liar dials in, nobody dials it

    def now(self):
        return time.time() - self.t0

    def record(self, rec):
        with self.lock:
            rec.setdefault("t", self.now())
            self.history.append(rec)

    def api(self, i):
        return f"http://127.0.0.1:{self.base + 10 * i}"

    def p2p_port(self, i):
        return self.base + 10 * i + 1

    def proxy_port(self, src, dst):
        n = self.topo.nodes
        return self.base + 10 * n + src * n + dst

    def node_dir(self, i):
        return os.path.join(self.dir, f"node{i}")

    def cli(self, *args, timeout=600):
        return subprocess.run([os.path.join(self.bin, args[0]), *args[1:]], capture_output=True, text=True,
                              timeout=timeout)

    # --- setup -------------------------------------------------------------------------------
    def setup(self):
        r = self.cli("shanliu", "devnet", "--dir", self.dir, "--validators", str(self.topo.validators), "--observers",
                     str(self.topo.observers), "--base-port", str(self.base), "--explorer-dir", "")
        if r.returncode != 0:
            raise Failure(f"devnet: {r.stderr}")
        with open(os.path.join(self.dir, "genesis.json")) as f:
            genesis = json.load(f)
        for v, power in zip(genesis["validators"], self.topo.powers):
            v["voting_power"] = power
        with open(os.path.join(self.dir, "genesis.json"), "w") as f:
            json.dump(genesis, f, indent=2)
        self.chain_id = genesis["chain_id"]
        liar_key = os.path.join(self.dir, "liar.key")
        r = self.cli("shanliu", "keygen", "--out", liar_key)
        self.liar_public = r.stdout.strip().split()[-1]
        self.links = links.LinkProxies()
        by_port = {f"127.0.0.1:{self.p2p_port(j)}": j for j in range(self.topo.nodes)}
        self.public_keys = {}
        for i in range(self.topo.nodes):
            cfg = self.config(i)
            for peer in cfg["p2p"]["peers"]:
                j = by_port[peer["address"]]
                self.public_keys[j] = peer["public_key"]
                peer["address"] = f"127.0.0.1:{self.proxy_port(i, j)}"
                self.links.add(i, j, self.proxy_port(i, j), self.p2p_port(j))
            if not self.nodes[i].validator:  # the lying peer's identity is known to observers only
                cfg["p2p"]["peers"].append({"public_key": self.liar_public, "address": f"127.0.0.1:{self.liar_port}"})
            # Idle chains make no blocks (DESIGN 7): a one-second heartbeat keeps heads moving.
            cfg.setdefault("blocks", {})["heartbeat_ms"] = 1000
            cfg["api"]["max_connections_per_ip"] = 0  # every client shares 127.0.0.1
            self.write_config(i, cfg, self.topo.skews_ms[i])

    def config(self, i):
        with open(os.path.join(self.node_dir(i), "config.json")) as f:
            return json.load(f)

    def write_config(self, i, cfg, skew_ms):
        if skew_ms:
            cfg["test_only"] = {"clock_offset_ms": skew_ms}
        else:
            cfg.pop("test_only", None)
        with open(os.path.join(self.node_dir(i), "config.json"), "w") as f:
            json.dump(cfg, f, indent=2)

    # --- node lifecycle ----------------------------------------------------------------------
    def start(self, i, wait=True):
        node = self.nodes[i]
        node.incarnation += 1
        os.makedirs(os.path.join(self.node_dir(i), "logs"), exist_ok=True)
        log = open(os.path.join(self.node_dir(i), "logs", f"{node.incarnation:04d}.log"), "wb")

        def limit():
            # Ignored from the start, so a file-size limit set later on the live process (disk_full)
            # makes writes past it fail with EFBIG instead of killing the node.
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

        node.expect_exit = False
        node.proc = subprocess.Popen([os.path.join(self.bin, "shanliu-node"), "--config",
                                      os.path.join(self.node_dir(i), "config.json")], stdout=log, stderr=log,
                                     preexec_fn=limit)
        log.close()
        if not wait:
            node.up = True
            return True
        deadline = time.time() + 60
        while time.time() < deadline:
            if node.proc.poll() is not None:
                return False
            try:
                if http("GET", self.api(i) + "/healthz", timeout=2)[0] == 200:
                    node.up = True
                    return True
            except OSError:
                pass
            time.sleep(0.05)
        raise Failure(f"node {i} did not become healthy; see {self.node_dir(i)}/logs")

    def kill(self, i, why, sig=signal.SIGKILL):
        node = self.nodes[i]
        node.up = False
        node.expect_exit = True
        if node.proc is not None and node.proc.poll() is None:
            node.proc.send_signal(sig)
            if sig == signal.SIGKILL:
                try:
                    node.proc.send_signal(signal.SIGCONT)
                except ProcessLookupError:
                    pass
            node.proc.wait(timeout=60)
        self.record({"type": "restart", "node": i, "why": why})

    def watch_exits(self):
        """Records every exit nobody asked for (a disk-full node's storage-error exit is expected)."""
        for node in self.nodes:
            if node.proc is None or node.expect_exit:
                continue
            code = node.proc.poll()
            if code is None:
                continue
            node.up = False
            node.expect_exit = True
            if node.disk_quota and code in (1, 3):
                self.record({"type": "restart", "node": node.index, "why": "disk_full_exit", "code": code})
                continue
            self.record({"type": "restart", "node": node.index, "why": "crash", "code": code})
            self.exits.append({"node": node.index, "t": self.now(), "code": code,
                               "why": f"unexpected exit; see {self.node_dir(node.index)}/logs/{node.incarnation:04d}.log"})

    def stop_all(self):
        for node in self.nodes:
            if node.proc is not None and node.proc.poll() is None:
                node.expect_exit = True
                node.proc.send_signal(signal.SIGCONT)
                node.proc.send_signal(signal.SIGTERM)
        for node in self.nodes:
            if node.proc is not None:
                try:
                    code = node.proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    node.proc.kill()
                    code = node.proc.wait()
                if code != 0 and not node.disk_quota:
                    self.exits.append({"node": node.index, "t": self.now(), "code": code, "why": "exit on SIGTERM"})
            node.up = False

    def close(self):
        for node in self.nodes:
            if node.proc is not None and node.proc.poll() is None:
                node.proc.send_signal(signal.SIGCONT)
                node.proc.kill()
                node.proc.wait()
        if self.links is not None:
            self.links.close()


# --- perturbations ---------------------------------------------------------------------------
class Faults:
    """Applies one planned event and returns the action that ends it."""

    def __init__(self, net):
        self.net = net
        self.liars = []
        self.partition = None
        self.stats = {k: 0 for k in schedule.KINDS}

    def height(self, i):
        try:
            status, _, body = http("GET", self.net.api(i) + "/v1/stats", timeout=3)
            return json.loads(body)["head"]["height"] if status == 200 else None
        except (OSError, ValueError):
            return None

    def apply(self, ev):
        net, p = self.net, ev.params
        self.stats[ev.kind] += 1
        if ev.kind == "kill":
            net.kill(p["node"], "kill")
            return lambda: self.restart(p["node"], p["new_skew_ms"])
        if ev.kind == "skew":
            net.kill(p["node"], "skew", sig=signal.SIGTERM)
            return lambda: self.restart(p["node"], p["new_skew_ms"])
        if ev.kind == "pause":
            net.nodes[p["node"]].proc.send_signal(signal.SIGSTOP)
            return lambda: net.nodes[p["node"]].proc.send_signal(signal.SIGCONT)
        if ev.kind == "partition":
            self.partition = (p["side_a"], p["side_b"])
            for a in p["side_a"]:
                for b in p["side_b"]:
                    net.links.cut_pair(a, b, p["mode"])
            return self.heal
        if ev.kind == "disk_full":
            # The live process may write no file past the quota (RLIMIT_FSIZE via prlimit): files
            # already larger, such as LevelDB's log, fail on their next append, as on a full disk.
            i = p["node"]
            node = net.nodes[i]
            node.disk_quota = True
            quota = p["quota_kib"] * 1024
            # Only the soft limit: lowering the hard one could not be undone without CAP_SYS_RESOURCE.
            resource.prlimit(node.proc.pid, resource.RLIMIT_FSIZE, (quota, resource.RLIM_INFINITY))
            return lambda: self.free_disk(i)
        if ev.kind == "wipe_observer":
            i = p["node"]
            net.kill(i, "wipe")
            shutil.rmtree(os.path.join(net.node_dir(i), "data"), ignore_errors=True)
            net.nodes[i].epoch += 1
            net.start(i)
            return lambda: None
        if ev.kind == "lying_peer":
            return self.lie(ev)
        raise ValueError(ev.kind)

    def restart(self, i, skew_ms):
        cfg = self.net.config(i)
        self.net.write_config(i, cfg, skew_ms)
        if not self.net.start(i):
            self.net.watch_exits()

    def heal(self):
        self.net.links.heal_all()
        self.partition = None

    def free_disk(self, i):
        """Space comes back. A node that exited on its storage error is restarted; one still running
        gets its limit lifted and must carry on (or have stopped itself: a node that neither
        recovers nor exits is caught as not converging)."""
        node = self.net.nodes[i]
        self.net.watch_exits()
        if node.proc.poll() is None:
            resource.prlimit(node.proc.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
            node.disk_quota = False
            self.net.record({"type": "disk_freed", "node": i, "running": True})
            return
        node.disk_quota = False
        self.net.record({"type": "disk_freed", "node": i, "running": False, "code": node.proc.returncode})
        if not self.net.start(i):
            self.net.watch_exits()

    def lie(self, ev):
        net, i = self.net, ev.params["node"]
        validator = 0
        h0 = (self.height(i), self.height(validator))
        partitioned = self.partition is not None
        proc = subprocess.Popen(
            [os.path.join(net.bin, "shanliu-p2p-probe"), "--key", os.path.join(net.dir, "liar.key"), "--chain-id",
             net.chain_id, "--connect", f"127.0.0.1:{net.p2p_port(i)}", "--peer-key", net.public_keys[i], "--mode",
             "lying-head", "--claim", str(ev.params["claim"]), "--seconds", str(max(1, int(ev.duration_s)))],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        def end():
            out, err = proc.communicate(timeout=60)
            h1 = (self.height(i), self.height(validator))
            net.record({"type": "lie", "node": i, "claim": ev.params["claim"], "observer_heights": [h0[0], h1[0]],
                        "validator_heights": [h0[1], h1[1]], "partitioned": partitioned or self.partition is not None,
                        "probe_exit": proc.returncode, "probe_out": (out + err).strip()[-200:]})
        return end

    def run(self, events, stop_at_end=True):
        """Runs the timeline: starts each event at its time and ends it after its duration."""
        ends = []  # (time, seq, action)
        seq = 0
        start = time.time()
        pending = list(events)
        while pending or ends:
            next_start = pending[0].start_s if pending else float("inf")
            next_end = ends[0][0] if ends else float("inf")
            wait = min(next_start, next_end) - (time.time() - start)
            while wait > 0:
                self.net.watch_exits()
                time.sleep(min(wait, 0.2))
                wait = min(next_start, next_end) - (time.time() - start)
            self.net.watch_exits()
            if next_end <= next_start:
                _, _, action = heapq.heappop(ends)
                action()
            else:
                ev = pending.pop(0)
                self.net.log(f"  {ev.describe()}")
                action = self.apply(ev)
                heapq.heappush(ends, (ev.end_s, seq, action))
                seq += 1

    def heal_everything(self):
        self.net.links.heal_all()
        for node in self.net.nodes:
            if node.proc is not None and node.proc.poll() is None:
                node.proc.send_signal(signal.SIGCONT)
        self.net.watch_exits()
        for node in self.net.nodes:
            if not node.up:
                if node.disk_quota:
                    node.disk_quota = False
                self.net.start(node.index)


# --- clients -------------------------------------------------------------------------------
class Client(threading.Thread):
    """Submits signed txs (donations from the banks, spends by the federation) to random nodes and
    reads heads, its own txs and receipts back, recording each ack and each read."""

    def __init__(self, net, cid, seed, stop):
        super().__init__(name=f"client-{cid}", daemon=True)
        self.net, self.cid, self.stop = net, cid, stop
        self.rng = random.Random(f"{seed}/client/{cid}")
        self.height = 1
        self.acked = []  # (tx_id, code, kind)
        self.error = None

    def pick_node(self):
        up = [n.index for n in self.net.nodes if n.up]
        return self.rng.choice(up) if up else None

    def run(self):
        try:
            while not self.stop.is_set():
                node = self.pick_node()
                if node is None:
                    time.sleep(0.1)
                    continue
                roll = self.rng.random()
                if roll < 0.45:
                    self.write(node)
                elif roll < 0.75 or not self.acked:
                    self.read_head(node)
                else:
                    self.read_tx(node, *self.rng.choice(self.acked))
        except Exception as e:  # a client bug must fail the run, not vanish with its thread
            self.error = repr(e)

    def build(self):
        kind = self.rng.choice(["donation", "donation", "donation", "spend"])
        keys = os.path.join(self.net.dir, "keys")
        # Expiry 1000 heights past the newest head this client has seen: a node still catching up
        # (restarted, wiped) may be further behind than the chain's height window and refuse it as
        # expiry_too_far — a correct refusal, counted in the summary's rejected_by_code.
        common = ["--dry-run", "--chain-id", self.net.chain_id, "--height", str(self.height), "--expires-in", "1000",
                  "--expires-in-ms", "1800000"]
        if kind == "donation":
            bank = self.rng.choice(["bank-1", "bank-2", "bank-3"])
            payload = {"donor_ref": "%064x" % self.rng.getrandbits(256), "channel": "bank_transfer",
                       "attesting_bank": bank, "donor_display_name": f"捐赠人{self.rng.randrange(1000)}"}
            args = ["tx", "donation", "--key", os.path.join(keys, f"{bank}.key"), "--node", "http://127.0.0.1:1",
                    "--to", "org:federation", "--amount-fen", str(self.rng.randint(100, 500000)),
                    "--json", json.dumps(payload, ensure_ascii=False)]
        else:
            payload = {"payee_kind": "vendor", "payee_name": "杭州联华华商集团有限公司", "beneficiary_count": 1,
                       "invoice_hash": "%064x" % self.rng.getrandbits(256), "description": "长者食堂食材采购"}
            args = ["tx", "spend", "--key", os.path.join(keys, "federation.key"), "--node", "http://127.0.0.1:1",
                    "--from", "org:federation", "--amount-fen", str(self.rng.randint(100, 20000)), "--category",
                    "material", "--json", json.dumps(payload, ensure_ascii=False)]
        r = self.net.cli("shanliu", *args, *common, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"shanliu tx {kind} --dry-run failed: {r.stdout}{r.stderr}")
        fields = dict(line.split(None, 1) for line in r.stdout.splitlines() if " " in line.strip())
        return kind, fields["id"].strip(), fields["code"].strip(), fields["envelope"].strip()

    def write(self, node):
        kind, tx_id, code, envelope = self.build()
        epoch = self.net.nodes[node].epoch
        rec = {"type": "write", "client": self.cid, "node": node, "epoch": epoch, "t": self.net.now(), "tx_id": tx_id,
               "code": code, "kind": kind}
        try:
            status, _, body = http("POST", self.net.api(node) + "/v1/txs", json.dumps({"tx": envelope}), timeout=5)
            if status != 200:
                rec.update(result="error", error=f"HTTP {status}: {body[:200]!r}")
            else:
                res = json.loads(body)["results"][0]
                if res["status"] == "pending":
                    rec.update(result="acked")
                    self.acked.append((tx_id, code, kind))
                else:
                    rec.update(result="rejected", error=res.get("error", {}).get("code"))
        except (OSError, ValueError) as e:
            rec.update(result="error", error=repr(e)[:200])
        self.net.record(rec)

    def read_head(self, node):
        epoch, t = self.net.nodes[node].epoch, self.net.now()
        try:
            status, _, body = http("GET", self.net.api(node) + "/v1/stats", timeout=5)
        except OSError:
            return
        if status == 200:
            head = json.loads(body)["head"]
            self.height = max(self.height, head["height"])
            self.net.record({"type": "head", "client": self.cid, "node": node, "epoch": epoch, "t": t,
                             "height": head["height"], "block_hash": head["block_hash"]})

    def read_tx(self, node, tx_id, code, kind):
        epoch, t = self.net.nodes[node].epoch, self.net.now()
        try:
            if kind == "donation" and self.rng.random() < 0.5:
                status, _, body = http("GET", f"{self.net.api(node)}/v1/receipts/{code}", timeout=5)
                if status == 200:
                    d = json.loads(body)["donation"]
                    self.net.record({"type": "receipt", "client": self.cid, "node": node, "epoch": epoch, "t": t,
                                     "code": code, "tx_id": d["id"], "height": d["height"], "leaf": d["leaf"],
                                     "amount_fen": d["amount_fen"]})
                return
            status, _, body = http("GET", f"{self.net.api(node)}/v1/txs/{tx_id}", timeout=5)
        except (OSError, ValueError):
            return
        rec = {"type": "tx", "client": self.cid, "node": node, "epoch": epoch, "t": t, "tx_id": tx_id}
        if status == 404:
            rec.update(status="absent")
        elif status == 200:
            got = json.loads(body)
            rec.update(status=got["status"], height=got.get("height"), leaf=got.get("leaf"))
        else:
            return
        self.net.record(rec)


# --- the end of a run ----------------------------------------------------------------------
def get(net, i, path, timeout=10):
    status, _, body = http("GET", net.api(i) + path, timeout=timeout)
    if status != 200:
        raise Failure(f"GET {path} on node {i}: {status} {body[:200]!r}")
    return json.loads(body)


def wait_converged(net, timeout_s):
    deadline = time.time() + timeout_s
    last = None
    while time.time() < deadline:
        net.watch_exits()
        try:
            heads = [get(net, n.index, "/v1/stats", timeout=3)["head"] for n in net.nodes]
            last = [(h["height"], h["block_hash"][:12]) for h in heads]
            if len(set(last)) == 1:
                return True, last
        except (OSError, Failure, ValueError) as e:
            last = repr(e)
        time.sleep(0.5)
    return False, last


def freeze(net, timeout_s):
    """Converged, then every link cut so heartbeats stop moving the heads while the final views
    are read (no node alone holds a quorum). A block certified at some nodes just before the cut
    makes the heads differ by one: heal, converge again and retry."""
    for _ in range(10):
        ok, heads = wait_converged(net, timeout_s)
        if not ok:
            return ok, heads
        for a in range(net.topo.nodes):
            for b in range(a + 1, net.topo.nodes):
                net.links.cut_pair(a, b, "reset")
        time.sleep(1.5)
        ok, heads = wait_converged(net, 3)
        if ok:
            return ok, heads
        net.links.heal_all()
    return False, heads


def wait_acked_settled(net, timeout_s):
    """Gives each acked tx time to leave its node's mempool (committed, or refused when built)."""
    acked = [r for r in net.history if r["type"] == "write" and r["result"] == "acked"]
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        pending = 0
        for r in acked:
            try:
                status, _, body = http("GET", f"{net.api(r['node'])}/v1/txs/{r['tx_id']}", timeout=3)
                if status == 200 and json.loads(body)["status"] == "pending":
                    pending += 1
            except (OSError, ValueError):
                pending += 1
        if pending == 0:
            return
        time.sleep(1)


def final_view(net, i, acked_ids):
    stats = get(net, i, "/v1/stats")
    height = stats["head"]["height"]
    hashes, txs = {}, {}
    before = None
    while True:
        page = get(net, i, "/v1/blocks?limit=100" + (f"&before={before}" if before is not None else ""))
        for b in page["blocks"]:
            hashes[b["height"]] = b["block_hash"]
        if page.get("next") is None or not page["blocks"]:
            break
        before = page["next"]
    for h in range(1, height + 1):
        cursor = None
        while True:
            block = get(net, i, f"/v1/blocks/{h}?limit=1000" + (f"&cursor={cursor}" if cursor else ""))
            for tx in block["txs"]:
                txs[tx["id"]] = {"status": "committed", "height": h, "leaf": tx["leaf"]}
            cursor = block.get("next")
            if not cursor:
                break
    for tx_id in acked_ids:
        if tx_id not in txs:
            status, _, body = http("GET", f"{net.api(i)}/v1/txs/{tx_id}", timeout=10)
            txs[tx_id] = {"status": json.loads(body)["status"] if status == 200 else "absent", "height": None,
                          "leaf": None}
    return {"height": height, "hashes": hashes, "txs": txs, "stats": stats["stats"]}


def audit_node(net, i):
    genesis = os.path.join(net.dir, "genesis.json")
    data = os.path.join(net.node_dir(i), "data")
    a = net.cli("shanliu", "audit", "--data-dir", data, "--genesis", genesis, timeout=900)
    v = net.cli("shanliu-node", "--config", os.path.join(net.node_dir(i), "config.json"), "--verify-state",
                timeout=900)
    return {"audit_ok": a.returncode == 0, "verify_state_ok": v.returncode == 0,
            "detail": (a.stdout + a.stderr)[-600:] + (v.stdout + v.stderr)[-300:]}


def lie_violations(history):
    out = []
    for r in history:
        if r["type"] != "lie" or r["partitioned"] or None in r["observer_heights"] + r["validator_heights"]:
            continue
        (o0, o1), (v0, v1) = r["observer_heights"], r["validator_heights"]
        if v1 - v0 >= 3 and o1 <= o0:
            out.append(checker.Violation("stalled_by_liar", f"observer {r['node']} stayed at {o0} while validators went "
                                                            f"{v0} -> {v1} and a peer claimed {r['claim']}"))
    return out


def run_once(args, seed, log):
    kinds = tuple(args.kinds.split(",")) if args.kinds else schedule.KINDS
    topo, events = schedule.make_plan(seed, args.validators, args.observers, args.kills, args.partitions, kinds)
    workdir = tempfile.mkdtemp(prefix=f"shanliu-chaos-{seed}-")
    net = Testnet(args.bin_dir, workdir, topo, seed, log)
    summary = {"seed": seed, "topology": topo.describe(), "planned": schedule.counts(events)}
    log(f"seed {seed}: {topo.describe()}; {len(events)} events {summary['planned']}")
    clients = []
    try:
        net.setup()
        for i in range(topo.nodes):
            if not net.start(i):
                raise Failure(f"node {i} exited at start; see {net.node_dir(i)}/logs")
        ok, heads = wait_converged(net, 120)
        if not ok:
            raise Failure(f"the network never formed: {heads}")
        stop = threading.Event()
        clients = [Client(net, c, seed, stop) for c in range(args.clients)]
        for c in clients:
            c.start()
        faults = Faults(net)
        faults.run(events)
        faults.heal_everything()
        time.sleep(2)  # writes against the healed network too
        stop.set()
        for c in clients:
            c.join(timeout=60)
        ok, heads = wait_converged(net, args.converge_s)
        if ok:
            wait_acked_settled(net, 60)
            ok, heads = freeze(net, args.converge_s)
        acked_ids = sorted({r["tx_id"] for r in net.history if r["type"] == "write" and r["result"] == "acked"})
        final = {n.index: final_view(net, n.index, acked_ids) for n in net.nodes}
        net.stop_all()
        audits = {n.index: audit_node(net, n.index) for n in net.nodes}
        result = {"seed": seed, "history": net.history, "final": final, "audits": audits, "exits": net.exits,
                  "client_errors": [c.error for c in clients if c.error], "converged": ok, "heads": heads}
        with open(os.path.join(workdir, "history.json"), "w") as f:
            json.dump(result, f)
        summary.update(applied=faults.stats, **tally(net.history, final), links_opened=net.links.opened())
        return result, summary, workdir
    finally:
        for c in clients:
            c.stop.set()
        net.close()


def tally(history, final):
    writes = [r for r in history if r["type"] == "write"]
    acked = {r["tx_id"] for r in writes if r["result"] == "acked"}
    any_view = next(iter(final.values()))
    committed = {t for t in acked if any_view["txs"].get(t, {}).get("status") == "committed"}
    # What became of acked txs that did not commit: refused when a block was built (a spend the
    # federation could no longer cover), or forgotten with the acking node's mempool (a restart).
    refused = {r["tx_id"] for r in writes if r["result"] == "acked" and r["tx_id"] not in committed
               and final.get(r["node"], {}).get("txs", {}).get(r["tx_id"], {}).get("status") == "rejected"}
    return {"writes": len(writes), "acked": len(acked), "acked_committed": len(committed),
            "acked_refused_later": len(refused), "acked_forgotten_by_restart": len(acked) - len(committed) - len(refused),
            "rejected": sum(r["result"] == "rejected" for r in writes),
            "rejected_by_code": dict(sorted(Counter(str(r.get("error")) for r in writes
                                                    if r["result"] == "rejected").items())),
            "write_errors": sum(r["result"] == "error" for r in writes),
            "reads": sum(r["type"] in ("head", "tx", "receipt") for r in history),
            "restarts": sum(r["type"] == "restart" for r in history), "final_height": any_view["height"]}


def violations_of(result):
    for view in result["final"].values():  # JSON keys are strings; heights are numbers
        view["hashes"] = {int(h): v for h, v in view["hashes"].items()}
    found = checker.check(result["history"], result["final"], result["audits"], result["exits"])
    found += lie_violations(result["history"])
    if not result.get("converged", True):
        found.append(checker.Violation("diverged", f"no convergence after healing: {result.get('heads')}"))
    found += [checker.Violation("client", e) for e in result.get("client_errors", [])]
    return found


def check_plants(result, faults, seed, log):
    """Each planted fault must be caught; returns the ones that were not."""
    missed = []
    for fault in faults:
        r = copy.deepcopy(result)
        r["final"] = {int(k): v for k, v in r["final"].items()}
        r["audits"] = {int(k): v for k, v in r["audits"].items()}
        what = checker.plant(fault, r["history"], r["final"], r["audits"], random.Random(f"{seed}/{fault}"))
        if what is None:
            log(f"plant {fault}: nothing to corrupt in this history")
            missed.append(fault)
            continue
        found = violations_of(r)
        log(f"plant {fault} ({what}): " + (f"caught as {found[0]}" if found else "NOT CAUGHT"))
        if not found:
            missed.append(fault)
    return missed


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bin_dir", nargs="?")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=1, help="seeds seed .. seed+runs-1")
    ap.add_argument("--validators", type=int, default=None, help="default: 4-7 chosen by the seed")
    ap.add_argument("--observers", type=int, default=None, help="default: 1-2 chosen by the seed")
    ap.add_argument("--kills", type=int, default=3)
    ap.add_argument("--partitions", type=int, default=1)
    ap.add_argument("--clients", type=int, default=3)
    ap.add_argument("--kinds", default=None, help="perturbations to plan, comma-separated (default: all of "
                    + ",".join(schedule.KINDS) + ")")
    ap.add_argument("--converge-s", type=float, default=180)
    ap.add_argument("--plant", default=None, help="'all' or one of " + ", ".join(checker.PLANTS))
    ap.add_argument("--check", default=None, help="re-check a saved history.json instead of running")
    ap.add_argument("--keep", action="store_true", help="keep every run's directory (failed runs are always kept)")
    ap.add_argument("--summary", default=None, help="append one JSON line per run to this file")
    args = ap.parse_args()

    def log(msg):
        print(msg, flush=True)

    plants = list(checker.PLANTS) if args.plant == "all" else [args.plant] if args.plant else []
    if args.check:
        with open(args.check) as f:
            result = json.load(f)
        found = violations_of(copy.deepcopy(result))
        for v in found:
            log(f"VIOLATION seed {result['seed']}: {v}")
        missed = check_plants(result, plants, result["seed"], log)
        return 1 if found or missed else 0
    if not args.bin_dir:
        ap.error("BIN_DIR is required unless --check")
    bad = 0
    for seed in range(args.seed, args.seed + args.runs):
        started = time.time()
        try:
            result, summary, workdir = run_once(args, seed, log)
        except Failure as e:
            log(f"seed {seed}: the run could not be carried out: {e}")
            return 2
        found = violations_of(copy.deepcopy(result))
        missed = check_plants(result, plants, seed, log)
        summary.update(violations=len(found), seconds=round(time.time() - started, 1))
        log("seed %d: %s" % (seed, json.dumps(summary, ensure_ascii=False)))
        for v in found:
            log(f"VIOLATION seed {seed}: {v}")
        if found:
            log(f"replay: {sys.argv[0]} {args.bin_dir} --seed {seed} --kills {args.kills} --partitions {args.partitions}"
                + (f" --kinds {args.kinds}" if args.kinds else "")
                + (f" --validators {args.validators}" if args.validators else "")
                + (f" --observers {args.observers}" if args.observers else "") + f"   (history: {workdir}/history.json)")
        if args.summary:
            with open(args.summary, "a") as f:
                f.write(json.dumps(summary, ensure_ascii=False) + "\n")
        if found or missed:
            bad += 1
        elif not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
