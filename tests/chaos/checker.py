"""The chaos testnet's history checker. Pure: it reads a recorded history and the nodes' final
views and returns violations; it talks to no node, so it can be tested on made-up histories
(checker_test.py) and re-run on a saved one (`chaos.py --check FILE`).

History records (dicts; `t` is seconds since the run began, `node` the node index, `epoch` how
many times that node's data was wiped before the read — a wiped observer is a new replica):
  write       client, node, epoch, t, tx_id, code, kind, result: acked | rejected | error, error
  head        client, node, epoch, t, height, block_hash
  tx          client, node, epoch, t, tx_id, status: committed | pending | rejected | absent, height, leaf
  receipt     client, node, epoch, t, code, tx_id, height, leaf, amount_fen
  restart     node, t, why: kill | disk_full | skew | wipe | crash (the node's memory was lost at t)
Final views (after every fault is healed and the nodes are given time to converge):
  final[node] = {height, hashes: {height: block_hash}, txs: {tx_id: {status, height, leaf}},
                 stats: the /v1/stats totals}
  audits[node] = {audit_ok, verify_state_ok, detail}
  exits = [{node, t, code, why}] node exits nobody asked for

Properties (each violation names one):
  fork            two nodes (final views or reads during the run) hold different blocks at one height
  diverged        the nodes did not converge on one head, or their totals differ
  lost_committed  a tx some read saw committed is missing from a final view, or at another height/leaf
  lost_acked      a tx acked by a node that kept its memory until the end never committed or was rejected
  nonmonotonic    one client saw one node (same epoch) go back: a lower head, or a committed tx gone
  audit           `shanliu audit --data-dir` or `shanliu-node --verify-state` failed on a node
  crash           a node exited without being told to
"""
from collections import defaultdict


class Violation:
    def __init__(self, prop, message):
        self.prop = prop
        self.message = message

    def __repr__(self):
        return f"{self.prop}: {self.message}"


def check_forks(history, final):
    seen = defaultdict(dict)  # height -> block_hash -> first witness
    for node, view in final.items():
        for h, block_hash in view["hashes"].items():
            seen[int(h)].setdefault(block_hash, f"node {node} final")
    for r in history:
        if r["type"] == "head" and r.get("block_hash"):
            seen[r["height"]].setdefault(r["block_hash"], f"node {r['node']} read by client {r['client']} at t={r['t']:.2f}")
    out = []
    for h in sorted(seen):
        if len(seen[h]) > 1:
            witnesses = "; ".join(f"{bh[:16]} ({who})" for bh, who in seen[h].items())
            out.append(Violation("fork", f"height {h} has {len(seen[h])} blocks: {witnesses}"))
    return out


def check_converged(final):
    out = []
    heads = {node: (v["height"], v["hashes"].get(v["height"]) or v["hashes"].get(str(v["height"])))
             for node, v in final.items()}
    if len(set(heads.values())) > 1:
        out.append(Violation("diverged", f"final heads differ: {sorted(heads.items())}"))
    totals = {node: repr(sorted(v.get("stats", {}).items())) for node, v in final.items()}
    if len(set(totals.values())) > 1 and len(set(heads.values())) == 1:
        out.append(Violation("diverged", f"one head but different totals: {totals}"))
    return out


def _committed_reads(history):
    """tx_id -> (height, leaf, witness) of the first read that saw it committed."""
    seen = {}
    for r in history:
        if r["type"] == "tx" and r["status"] == "committed":
            seen.setdefault(r["tx_id"], (r["height"], r.get("leaf"), f"client {r['client']} on node {r['node']} at t={r['t']:.2f}"))
        elif r["type"] == "receipt":
            seen.setdefault(r["tx_id"], (r["height"], r.get("leaf"), f"receipt read by client {r['client']} on node {r['node']} at t={r['t']:.2f}"))
    return seen


def check_committed_kept(history, final):
    out = []
    for tx_id, (height, leaf, witness) in sorted(_committed_reads(history).items()):
        for node, view in sorted(final.items()):
            got = view["txs"].get(tx_id)
            if got is None or got["status"] != "committed":
                out.append(Violation("lost_committed", f"tx {tx_id[:16]} seen committed at height {height} ({witness}) "
                                                       f"is {got['status'] if got else 'not looked up'} on node {node} at the end"))
            elif got["height"] != height or (leaf is not None and got.get("leaf") != leaf):
                out.append(Violation("lost_committed", f"tx {tx_id[:16]} seen at height {height} leaf {leaf} ({witness}) is at "
                                                       f"height {got['height']} leaf {got.get('leaf')} on node {node}"))
    return out


def check_acked_outcome(history, final):
    """An ack is a node's promise to carry the tx to a block or a typed rejection, as long as it
    keeps its memory (the mempool is not durable: a kill or wipe of the acking node forgets it)."""
    last_restart = {}
    for r in history:
        if r["type"] == "restart":
            last_restart[r["node"]] = max(r["t"], last_restart.get(r["node"], r["t"]))
    out = []
    for r in history:
        if r["type"] != "write" or r["result"] != "acked":
            continue
        if r["t"] <= last_restart.get(r["node"], -1.0):
            continue
        got = final.get(r["node"], {}).get("txs", {}).get(r["tx_id"])
        if got is None or got["status"] not in ("committed", "rejected"):
            out.append(Violation("lost_acked", f"tx {r['tx_id'][:16]} ({r['kind']}) acked by node {r['node']} at t={r['t']:.2f}, "
                                               f"which never restarted, is {got['status'] if got else 'not looked up'} at the end"))
    return out


def check_monotonic(history):
    out = []
    last_head = {}
    committed = {}
    for r in history:
        key = (r.get("client"), r.get("node"), r.get("epoch"))
        if r["type"] == "head":
            prev = last_head.get(key)
            if prev is not None and r["height"] < prev[0]:
                out.append(Violation("nonmonotonic", f"client {key[0]} read node {key[1]} (epoch {key[2]}) at height {prev[0]} "
                                                     f"(t={prev[1]:.2f}), then {r['height']} (t={r['t']:.2f})"))
            last_head[key] = (max(r["height"], prev[0]) if prev else r["height"], r["t"])
        elif r["type"] == "tx":
            k = key + (r["tx_id"],)
            if r["status"] == "committed":
                committed.setdefault(k, (r["height"], r["t"]))
            elif k in committed:
                out.append(Violation("nonmonotonic", f"client {key[0]} saw tx {r['tx_id'][:16]} committed on node {key[1]} (epoch "
                                                     f"{key[2]}) at t={committed[k][1]:.2f}, then {r['status']} at t={r['t']:.2f}"))
    return out


def check_audits(audits):
    out = []
    for node, a in sorted(audits.items()):
        if not a["audit_ok"]:
            out.append(Violation("audit", f"node {node}: shanliu audit failed: {a['detail'][-400:]}"))
        if not a["verify_state_ok"]:
            out.append(Violation("audit", f"node {node}: shanliu-node --verify-state failed: {a['detail'][-400:]}"))
    return out


def check_exits(exits):
    return [Violation("crash", f"node {e['node']} exited with {e['code']} at t={e['t']:.2f} ({e['why']})") for e in exits]


def check(history, final, audits, exits):
    """Every property over one run; [] means the run is clean."""
    return (check_forks(history, final) + check_converged(final) + check_committed_kept(history, final) +
            check_acked_outcome(history, final) + check_monotonic(history) + check_audits(audits) +
            check_exits(exits))


# Planted faults: each corrupts what one node reported, as a buggy node would, so a run shows the
# checker catching it (a checker that cannot fail is a defect). Returns what was planted, or None
# when the history has nothing to corrupt in that way.
def plant(fault, history, final, audits, rng):
    nodes = sorted(final)
    if fault == "drop-committed-tx":  # a node loses a committed tx (its view no longer has it)
        candidates = sorted(_committed_reads(history))
        if not candidates:
            return None
        tx_id, node = rng.choice(candidates), rng.choice(nodes)
        final[node]["txs"][tx_id] = {"status": "absent", "height": None, "leaf": None}
        return f"node {node} forgets committed tx {tx_id[:16]}"
    if fault == "fork-block":  # a node reports another block at a past height
        node = rng.choice(nodes)
        heights = sorted(int(h) for h in final[node]["hashes"] if int(h) >= 1)
        if not heights:
            return None
        h = rng.choice(heights)
        key = h if h in final[node]["hashes"] else str(h)
        final[node]["hashes"][key] = "f" * 64
        return f"node {node} reports block {'f' * 8}… at height {h}"
    if fault == "stale-read":  # a node answers one head read from an older state
        reads = [r for r in history if r["type"] == "head" and r["height"] >= 2]
        if not reads:
            return None
        r = rng.choice(reads[len(reads) // 2:])
        stale = dict(r, height=r["height"] - 1 - rng.randrange(r["height"] - 1), block_hash=None, t=r["t"] + 0.001)
        history.insert(history.index(r) + 1, stale)
        return f"client {r['client']} reads height {stale['height']} from node {r['node']} after {r['height']}"
    if fault == "drop-acked-tx":  # a node acks a tx and silently drops it
        last_restart = {}
        for x in history:
            if x["type"] == "restart":
                last_restart[x["node"]] = max(x["t"], last_restart.get(x["node"], x["t"]))
        acked = [r for r in history if r["type"] == "write" and r["result"] == "acked"
                 and r["t"] > last_restart.get(r["node"], -1.0)]
        if not acked:
            return None
        r = rng.choice(acked)
        final[r["node"]]["txs"][r["tx_id"]] = {"status": "absent", "height": None, "leaf": None}
        # and nobody ever saw it committed (the reads that did are taken out with it)
        history[:] = [x for x in history if not (x["type"] in ("tx", "receipt") and x.get("tx_id") == r["tx_id"])]
        return f"node {r['node']} drops tx {r['tx_id'][:16]} after acking it"
    if fault == "audit-fails":
        node = rng.choice(nodes)
        audits[node] = dict(audits.get(node, {}), audit_ok=False, verify_state_ok=True, detail="planted: FAILED")
        return f"node {node}'s audit reports FAILED"
    raise ValueError(f"unknown fault {fault}")


PLANTS = ("drop-committed-tx", "fork-block", "stale-read", "drop-acked-tx", "audit-fails")
