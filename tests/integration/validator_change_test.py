"""Validator set changes with real processes (issue 20 part 1): 4 -> 5 -> 4 while donations flow.

`shanliu devnet --validators 4 --observers 1 --standby 1`: node4 is a standby validator run by a
bank of its own (bank-4), following without voting. A background thread submits donations to the
validators the whole time and keeps every acknowledged one. Steps, in order:
  network   4 validators and the standby come up and commit
  add       a ValidatorSetChange (bureau + all four validators) adds node4's key for bank-4 at E1;
            from E1 the set has 5 validators, certificates carry node4's signatures (never before
            E1) and the chain keeps committing
  remove    a second change (bureau + 4 of the 5) removes node3 at E2; from E2 no certificate
            carries node3's signature, the chain keeps committing, and node3 keeps following
  end       every acknowledged donation is committed; `shanliu audit` passes against every node;
            a receipt committed before the first change verifies with `shanliu verify` after both
After each change the checkpoint note of a block in the new set verifies with `shanliu checkpoint
--genesis` (which follows the transitions to that block's set), cosigned by node4 after it joined
and never by node3 after it left.

Each change also hands the origin key over (docs/operator.md "Handing the origin key to a new
set"): before it, the validators run `shanliu-node frost-reshare part1|part2` over files, each new
participant installs its new share beside its node key, and the change carries the hand-over file
(`--origin-key`). After each change the note of a block in the new set carries an origin line that
verifies as plain Ed25519 (Python's `cryptography`, not our code) under the GENESIS group key: the
same key a standard witness was configured with at genesis. After the second change a witness
configured with genesis.json alone cosigns such a note on its origin line (two validators' lines
beside it, not 2/3 of the genesis power) and refuses it without that line.
"""
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from harness import DevnetNet, Failure, Workspace, check, free_port_block, get_json, http, run_steps, wait_for

VALIDATORS = 4
HERE = os.path.dirname(os.path.abspath(__file__))
SDK_ENTRY = os.path.join(HERE, "..", "..", "sdk", "dist", "index.js")
STANDBY = 4  # node index of the standby validator
CHAIN_ID = "shanliu-devnet"


class Net(DevnetNet):
    def __init__(self, ws, base):
        super().__init__(ws, base)
        self.shares = {}  # node index -> its newest hand-over share file's name

    def key_file(self, i):
        return os.path.join(self.dir, f"node{i}", "node.key")

    def public_key(self, i):
        r = self.ws.run("shanliu", "key", "show", self.key_file(i))
        return re.search(r"[0-9a-f]{64}", r.stdout).group(0)

    def height(self, i):
        return get_json(self.url(i) + "/v1/stats")["head"]["height"]

    def signers(self, i, h):
        """The public keys (hex) whose precommits certify block h, read through node i."""
        block = get_json(f"{self.url(i)}/v1/blocks/{h}")
        validators = get_json(f"{self.url(i)}/v1/validators?height={h}")["validators"]
        by_index = {v["index"]: v["public_key"] for v in validators}
        return {by_index[s["validator_index"]] for s in block["commit"]["signatures"]}


class Donor(threading.Thread):
    """Submits donations to the validators in turn until stopped; keeps what was acknowledged."""

    def __init__(self, net):
        super().__init__(daemon=True)
        self.net = net
        self.stop = threading.Event()
        self.acked = []  # (tx id, receipt code)
        self.errors = []
        self.seq = 0

    def run(self):
        while not self.stop.is_set():
            try:
                self.donate_once()
            except (OSError, Failure, KeyError, ValueError) as e:
                self.errors.append(repr(e)[:200])
            self.stop.wait(0.3)

    def donate_once(self):
        self.seq += 1
        node = self.seq % VALIDATORS
        head = self.net.height(0)
        payload = {"donor_ref": "%064x" % self.seq, "channel": "bank_transfer", "attesting_bank": "bank-1"}
        r = self.net.ws.run("shanliu", "tx", "donation", "--key", os.path.join(self.net.dir, "keys", "bank-1.key"),
                            "--node", "http://127.0.0.1:1", "--to", "org:federation", "--amount-fen",
                            str(100 + self.seq), "--json", json.dumps(payload), "--dry-run", "--chain-id", CHAIN_ID,
                            "--height", str(head), "--expires-in", "1000", "--expires-in-ms", "1800000",
                            check_exit=False, timeout=60)
        if r.returncode != 0:
            raise Failure(f"dry run: {r.stdout}{r.stderr}")
        fields = dict(line.split(None, 1) for line in r.stdout.splitlines() if " " in line.strip())
        status, _, body = http("POST", self.net.url(node) + "/v1/txs", json.dumps({"tx": fields["envelope"].strip()}),
                               timeout=10)
        if status == 200 and json.loads(body)["results"][0]["status"] == "pending":
            self.acked.append((fields["id"].strip(), fields["code"].strip()))


def reshare(net, name, dealers, participants, current=None):
    """Runs the resharing ceremony from `dealers` (node indexes holding a share of the set in force;
    `current` its hand-over file, None for genesis) to `participants` (node indexes, in the new
    set's order), each validator in a folder of its own with only the files it was handed. Puts
    each new share beside its node key and returns the hand-over file's path."""
    root = os.path.join(net.dir, "reshare-" + name)
    os.makedirs(root)
    next_file = os.path.join(root, "next.json")
    with open(next_file, "w", encoding="utf-8") as f:
        json.dump({"validators": [net.public_key(i) for i in participants]}, f)
    common = ["--genesis", os.path.join(net.dir, "genesis.json"), "--next", next_file]
    if current:
        common += ["--current", current]
    folder = {i: os.path.join(root, f"node{i}") for i in set(dealers) | set(participants)}
    for d in folder.values():
        os.makedirs(d)
    for i in dealers:
        share = sorted(f for f in os.listdir(os.path.join(net.dir, f"node{i}")) if f.startswith("origin") and
                       f.endswith(".share"))
        check(share, f"node{i} holds a share")
        # The newest file of the set in force: genesis "origin.share" first, then the hand-over's.
        path = os.path.join(net.dir, f"node{i}", "origin.share" if not current else state_share(net, i))
        r = net.ws.run("shanliu-node", "frost-reshare", "part1", "--key", net.key_file(i), "--dir", folder[i],
                       "--share", path, *common, check_exit=False)
        check(r.returncode == 0, f"part1 of node{i}: {r.stdout}{r.stderr}")
    for i in participants:  # hand the files on: every dealing, and the shares sealed to i
        tag = "-to-k" + net.public_key(i)[:16] + ".json"
        for d in dealers:
            for f in os.listdir(folder[d]):
                if (f.startswith("reshare1-") or f.endswith(tag)) and folder[d] != folder[i]:
                    shutil.copy(os.path.join(folder[d], f), folder[i])
    hashes = set()
    for i in participants:
        r = net.ws.run("shanliu-node", "frost-reshare", "part2", "--key", net.key_file(i), "--dir", folder[i],
                       *common, check_exit=False)
        check(r.returncode == 0, f"part2 of node{i}: {r.stdout}{r.stderr}")
        hashes.add(r.stdout.strip().split()[-1])
        made = [f for f in os.listdir(folder[i]) if f.startswith("origin-") and f.endswith(".share")]
        check(len(made) == 1, f"part2 of node{i} wrote one share file: {made}")
        shutil.move(os.path.join(folder[i], made[0]), os.path.join(net.dir, f"node{i}", made[0]))
        net.shares[i] = made[0]
    check(len(hashes) == 1, f"every participant saw the same dealings: {hashes}")
    handovers = {open(os.path.join(folder[i], "origin_handover.json"), encoding="utf-8").read() for i in participants}
    check(len(handovers) == 1, "every participant wrote the same hand-over file")
    return os.path.join(folder[participants[0]], "origin_handover.json")


def state_share(net, i):
    return net.shares[i]


def origin_signed_from(net, from_height):
    """Waits until node 0 serves a note of a block at or above from_height with a valid origin
    line, and checks that line as plain Ed25519 under the genesis group key."""
    with open(os.path.join(net.dir, "genesis.json"), encoding="utf-8") as f:
        key = bytes.fromhex(json.load(f)["origin_key"]["verifying_key"])
    seen = {}

    def ready():
        cp = get_json(f"{net.url(0)}/v1/checkpoint")
        nc = cp.get("note_checkpoint")
        seen["cp"] = cp
        return nc and nc["height"] >= from_height and nc["origin_signed"]

    wait_for(f"an origin-signed checkpoint of a block at or above {from_height}", ready, timeout=120, interval=1)
    cp = seen["cp"]
    body, sigs = cp["note"].split("\n\n", 1)
    lines = [l for l in sigs.split("\n") if l.startswith("\u2014 " + cp["origin"] + " ")]
    check(len(lines) == 1, f"one origin line: {cp['note']}")
    blob = base64.b64decode(lines[0].rsplit(" ", 1)[1])
    check(blob[:4] == hashlib.sha256(cp["origin"].encode() + b"\n\x01" + key).digest()[:4], "the genesis key's ID")
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(blob[4:], (body + "\n").encode())
    except InvalidSignature:
        raise Failure("the origin line does not verify under the genesis group key")
    print(f"     the note of block {cp['note_checkpoint']['height']} carries an origin line that verifies under "
          f"the genesis group key")
    return cp


def genesis_witness_follows(net, cp):
    """A `shanliu witness serve --log genesis.json` (configured with the genesis file alone, no
    vkey) is given the note of a block in the set after both changes, cut down to two validators'
    lines: not 2/3 of the genesis power, so only the origin line can carry it. It cosigns that
    note, and refuses the same note without its origin line (403)."""
    body, sigs = cp["note"].split("\n\n", 1)
    origin_prefix = "\u2014 " + cp["origin"] + " "
    lines = [l for l in sigs.split("\n") if l]
    origin = [l for l in lines if l.startswith(origin_prefix)]
    others = [l for l in lines if not l.startswith(origin_prefix)][:2]
    check(len(origin) == 1 and len(others) == 2, f"an origin line and two cosignatures: {cp['note']}")
    key = os.path.join(net.ws.dir, "witness.key")
    net.ws.run("shanliu", "keygen", "--out", key)
    port = net.base + 57  # the devnet's six nodes use base .. base + 51
    _, url = net.ws.start_witness("witness.example/w", key, os.path.join(net.ws.dir, "witness-state"), port,
                                  "--log", os.path.join(net.dir, "genesis.json"))
    without = body + "\n\n" + "".join(l + "\n" for l in others)
    status, _, text = http("POST", url + "/add-checkpoint", "old 0\n\n" + without, "text/plain")
    check(status == 403, f"two validators' lines without the origin line are refused: {status} {text!r}")
    with_origin = body + "\n\n" + "".join(l + "\n" for l in others + origin)
    status, _, text = http("POST", url + "/add-checkpoint", "old 0\n\n" + with_origin, "text/plain")
    check(status == 200 and text.decode().startswith("\u2014 witness.example/w "),
          f"the genesis-configured witness cosigns on the origin line: {status} {text!r}")
    print(f"     a witness configured with genesis.json alone cosigned the note of block "
          f"{cp['note_checkpoint']['height']} on its origin line (and refused it without)")


def change_validators(net, update, signers, effective_height, origin_key=None):
    """Submits a ValidatorSetChange signed by the bureau and the given validators' node keys and
    waits for it to commit. update: {"public_key": hex, "voting_power": n, "org_id": org} (power 0
    removes); origin_key: a hand-over file to carry."""
    keys = ["--key", os.path.join(net.dir, "keys", "bureau.key")]
    for i in signers:
        keys += ["--key", net.key_file(i)]
    if update["voting_power"] == 0:
        flags = ["--remove", update["public_key"]]
    else:
        flags = ["--add", f"{update['public_key']}:{update['voting_power']}:{update['org_id']}"]
    if origin_key:
        flags += ["--origin-key", origin_key]
    r = net.ws.run("shanliu", "validators", "change", *flags, "--effective-height", str(effective_height), *keys,
                   "--node", net.url(0), "--wait", check_exit=False, timeout=120)
    check(r.returncode == 0, f"validator set change {update}: {r.stdout}{r.stderr}")
    print("     " + r.stdout.strip().replace("\n", "\n     "))


def step_network(net, state):
    for i in range(VALIDATORS + 1):
        net.start(i)
    wait_for("the validators to commit", lambda: net.height(0) >= 2, timeout=120)
    state["donor"] = Donor(net)
    state["donor"].start()
    wait_for("a donation to commit", lambda: state["donor"].acked and http(
        "GET", f"{net.url(0)}/v1/receipts/{state['donor'].acked[0][1]}")[0] == 200, timeout=120)
    state["early_receipt"] = state["donor"].acked[0][1]
    wait_for("the standby to follow", lambda: net.height(STANDBY) >= net.height(0) - 1, timeout=60)
    check(len(get_json(net.url(0) + "/v1/validators")["validators"]) == VALIDATORS, "4 validators at the start")


def step_add(net, state):
    new_key = net.public_key(STANDBY)
    state["keys"] = {i: net.public_key(i) for i in range(VALIDATORS + 1)}
    origin_signed_from(net, 1)  # the genesis set signs
    handover = reshare(net, "add", dealers=[0, 1, 2], participants=[0, 1, 2, 3, STANDBY])
    state["handover"] = handover
    e1 = net.height(0) + 5
    change_validators(net, {"public_key": new_key, "voting_power": 1, "org_id": "bank-4"}, range(VALIDATORS), e1,
                      origin_key=handover)
    wait_for(f"height {e1 + 8}", lambda: net.height(0) >= e1 + 8, timeout=180)
    validators = get_json(f"{net.url(0)}/v1/validators?height={e1}")["validators"]
    check(len(validators) == 5 and new_key in {v["public_key"] for v in validators}, f"set({e1}) holds node4")
    before = get_json(f"{net.url(0)}/v1/validators?height={e1 - 1}")["validators"]
    check(len(before) == 4, f"set({e1 - 1}) is still the genesis set")
    for h in range(max(1, e1 - 4), e1):
        check(new_key not in net.signers(0, h), f"block {h} (before E1={e1}) carries no signature of node4")
    signed = [h for h in range(e1, e1 + 8) if new_key in net.signers(0, h)]
    check(signed, f"certificates of blocks {e1}..{e1 + 7} carry node4's signature")
    state["e1"] = e1
    print(f"     E1={e1}: node4 signed the certificates of blocks {signed}")
    checkpoint_verifies(net, e1, signer=new_key)
    origin_signed_from(net, e1)


def step_remove(net, state):
    removed = state["keys"][3]
    # The 5-set hands the key on to the 4 that stay (4 of 5 deal, node3 among them).
    handover = reshare(net, "remove", dealers=[1, 2, 3, STANDBY], participants=[0, 1, 2, STANDBY],
                       current=state["handover"])
    e2 = net.height(0) + 5
    change_validators(net, {"public_key": removed, "voting_power": 0}, [0, 1, 2, STANDBY], e2, origin_key=handover)
    wait_for(f"height {e2 + 8}", lambda: net.height(0) >= e2 + 8, timeout=180)
    validators = get_json(f"{net.url(0)}/v1/validators?height={e2}")["validators"]
    check(len(validators) == 4 and removed not in {v["public_key"] for v in validators}, f"set({e2}) lacks node3")
    for h in range(e2, net.height(0) + 1):
        check(removed not in net.signers(0, h), f"block {h} (from E2={e2}) carries no signature of node3")
    head = net.height(0)
    wait_for("node3 to keep following", lambda: net.height(3) >= head, timeout=120)
    check(net.procs[3].poll() is None, "node3 still runs")
    state["e2"] = e2
    print(f"     E2={e2}: no signature of node3 in blocks {e2}..{head}; node3 follows at {net.height(3)}")
    checkpoint_verifies(net, e2, signer=state["keys"][STANDBY], not_signer=removed)
    genesis_witness_follows(net, origin_signed_from(net, e2))


def checkpoint_verifies(net, from_height, signer=None, not_signer=None):
    """Waits until node 0 serves a note of a block at or above from_height cosigned by more than 2/3
    of that block's set (with `signer` among the cosigners, if given), checks `not_signer` is not,
    then verifies it from genesis with `shanliu checkpoint --genesis`."""
    seen = {}

    def ready():
        cp = get_json(f"{net.url(0)}/v1/checkpoint")
        nc = cp.get("note_checkpoint")
        if not nc or nc["height"] < from_height or not nc["supermajority"]:
            return False
        keys = {nc["validators"][c["validator_index"]]["public_key"] for c in cp["cosigners"]}
        seen.update(cp=cp, keys=keys)
        return signer is None or signer in keys

    wait_for(f"a cosigned checkpoint of a block at or above {from_height}", ready, timeout=120, interval=1)
    nc = seen["cp"]["note_checkpoint"]
    check(not_signer is None or not_signer not in seen["keys"],
          f"the note of block {nc['height']} carries no line of the removed validator: {seen['cp']['note']}")
    r = net.ws.run("shanliu", "checkpoint", "--node", net.url(0), "--genesis", os.path.join(net.dir, "genesis.json"),
                   "--out", os.path.join(net.dir, f"checkpoint-{from_height}.note"), check_exit=False)
    check(r.returncode == 0, f"shanliu checkpoint --genesis verifies the note: {r.stdout}{r.stderr}")
    print(f"     checkpoint of block {nc['height']} (log size {nc['log_size']}) verified from genesis: "
          f"{r.stderr.strip().splitlines()[0]}")


def sdk_verifies(net, early, late):
    """The SDK, as a donor's browser, verifies both receipts from genesis alone: the early one's
    receipt proof is signed by the genesis set (no change followed) and its flow proof, made at the
    head, by the set reached through both changes; the late one's receipt proof follows both."""
    node = shutil.which("node")
    check(node is not None, "node (Debian package nodejs) is not installed")
    check(os.path.exists(SDK_ENTRY), f"{SDK_ENTRY} is missing: run scripts/build.sh")
    proc = subprocess.run([node, os.path.join(HERE, "sdk_verify_receipts.mjs"), net.url(STANDBY), SDK_ENTRY, early,
                           late], capture_output=True, text=True, timeout=300)
    check(proc.returncode == 0, f"the SDK verifies the receipts: {proc.stdout}{proc.stderr}")
    first, last = (json.loads(line) for line in proc.stdout.splitlines()[:2])
    check(first["receipt_changes_followed"] == 0 and first["receipt_validator_count"] == VALIDATORS,
          f"the early receipt is signed by the genesis set: {first}")
    check(first["flow_validator_count"] == VALIDATORS and first["flow_height"] > first["receipt_height"],
          f"its flow proof, at the head, is signed by the set after both changes: {first}")
    check(last["receipt_changes_followed"] == 2 and last["receipt_validator_count"] == VALIDATORS,
          f"the late receipt follows both changes: {last}")
    print(f"     the SDK verified both receipts from genesis (late one through 2 changes): {proc.stdout.strip()}")


def step_end(net, state):
    donor = state["donor"]
    donor.stop.set()
    donor.join(timeout=120)
    check(len(donor.acked) >= 20, f"donations flowed the whole time ({len(donor.acked)} acknowledged)")

    def all_committed():
        return all(http("GET", f"{net.url(0)}/v1/receipts/{code}")[0] == 200 for _, code in donor.acked)

    wait_for("every acknowledged donation to commit", all_committed, timeout=180, interval=1)
    head = net.height(0)
    for i in range(VALIDATORS + 1):
        wait_for(f"node {i} at {head}", lambda i=i: net.height(i) >= head, timeout=120)
        r = net.ws.run("shanliu", "audit", "--node", net.url(i), "--genesis", os.path.join(net.dir, "genesis.json"),
                       check_exit=False, timeout=600)
        check(r.returncode == 0, f"audit of node {i}: {r.stdout[-800:]}{r.stderr[-800:]}")
    r = net.ws.run("shanliu", "verify", state["early_receipt"], "--node", net.url(STANDBY), "--genesis",
                   os.path.join(net.dir, "genesis.json"), check_exit=False)
    check(r.returncode == 0, f"the receipt from before E1 verifies after both changes: {r.stdout}{r.stderr}")
    sdk_verifies(net, state["early_receipt"], donor.acked[-1][1])
    print(f"     {len(donor.acked)} donations acknowledged and committed ({len(donor.errors)} submit errors); "
          f"audit passed on 5 nodes at height {head}")


def main(bin_dir):
    ws = Workspace(bin_dir)
    try:
        net = Net(ws, free_port_block(60))
        ws.run("shanliu", "devnet", "--dir", net.dir, "--validators", str(VALIDATORS), "--observers", "1",
               "--standby", "1", "--base-port", str(net.base), "--explorer-dir", "")
        state = {}
        passed, failed = 0, 0
        for name, step in [("network", step_network), ("add", step_add), ("remove", step_remove),
                           ("end", step_end)]:
            p, f = run_steps([(name, lambda step=step: step(net, state))])
            passed, failed = passed + p, failed + f
            if f:
                break  # each step needs the network the previous one left
        if "donor" in state:
            state["donor"].stop.set()
        print(f"{passed} passed, {failed} failed")
        return 1 if failed else 0
    finally:
        ws.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
