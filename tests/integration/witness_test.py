"""A C2SP tlog-witness next to a devnet, all real processes: `shanliu witness serve` configured with
the devnet's genesis, the node configured to push to it. The note the node serves carries the
witness's valid line (checked by `shanliu checkpoint --witness`); a restarted witness keeps its
state and refuses an older checkpoint (409, text/x.tlog.size); a forged note is refused (403), a bad
proof too (422), malformed requests are 400; and a good proof from the held size is cosigned."""
import base64
import json
import os
import signal
import sys
import time

from harness import Failure, Workspace, check, free_port_block, get_json, http, run_steps

WITNESS = "news.example/witness"


class Ctx:
    def __init__(self, ws, base):
        self.ws = ws
        self.net = os.path.join(ws.dir, "net")
        self.url = f"http://127.0.0.1:{base}"
        self.witness_url = f"http://127.0.0.1:{base + 30}"
        self.witness_port = base + 30
        self.key = os.path.join(ws.dir, "witness.key")
        self.state = os.path.join(ws.dir, "witness-state")
        self.genesis = os.path.join(self.net, "genesis.json")
        self.witness = None
        self.node = None
        self.donations = 0
        self.saved = {}  # log size -> note

    def start_witness(self):
        self.witness, _ = self.ws.start_witness(WITNESS, self.key, self.state, self.witness_port, "--log", self.genesis)

    def stop_witness(self):
        self.witness.send_signal(signal.SIGTERM)
        check(self.witness.wait(timeout=30) == 0, "the witness stops cleanly on SIGTERM")
        self.witness = None

    def donate(self):
        self.ws.run("shanliu", "tx", "donation", "--key", os.path.join(self.net, "keys", "bank-1.key"), "--node",
                    self.url, "--to", "org:federation", "--amount-fen", "1000", "--wait", "--json",
                    '{"donor_ref":"%064x","channel":"bank_transfer","attesting_bank":"bank-1"}' % (self.donations + 1))
        self.donations += 1

    def witnessed(self, timeout=60):
        """Waits until the node's newest note carries the witness's line; returns (size, note)."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            cp = get_json(self.url + "/v1/checkpoint")
            last = cp
            covered = cp["note_checkpoint"] and cp["note_checkpoint"]["log_size"] == cp["log_size"]
            w = cp["witnesses"][0] if cp["witnesses"] else None
            if covered and w and w["log_size"] == cp["log_size"] and ("— " + WITNESS + " ") in cp["note"]:
                self.saved[cp["log_size"]] = cp["note"]
                return cp["log_size"], cp["note"]
            time.sleep(0.2)
        raise Failure(f"the note was not witnessed within {timeout} s: {json.dumps(last)[:800]}")


def add_checkpoint(ctx, old_size, proof_hex, note):
    body = f"old {old_size}\n" + "".join(base64.b64encode(bytes.fromhex(h)).decode() + "\n" for h in proof_hex)
    return http("POST", ctx.witness_url + "/add-checkpoint", body + "\n" + note, content_type="text/plain")


def proof(ctx, old_size, new_size):
    return get_json(f"{ctx.url}/v1/proofs/consistency?from={old_size}&to={new_size}")["proof"]


def test_node_pushes(ctx):
    ctx.donate()
    size1, _ = ctx.witnessed()
    ctx.donate()
    ctx.donate()
    size2, note2 = ctx.witnessed()
    check(size2 > size1, f"the log grew: {size1} -> {size2}")
    cp = get_json(ctx.url + "/v1/checkpoint")
    w = cp["witnesses"][0]
    check(w["name"] == WITNESS and w["vkey"] == ctx.vkey and not w["failing"], json.dumps(w))
    check(w["signature_line"] in note2 and w["checkpoint"] == note2.split("\n\n")[0] + "\n", json.dumps(w))
    check(cp["note_checkpoint"]["supermajority"], "validators' lines still verify with the witness line beside them")
    status, _, body = http("GET", ctx.witness_url + "/")
    check(status == 200 and f"cosigned size {size2} " in body.decode(), body.decode())
    ctx.size2 = size2


def test_cli_verifies_witness(ctx):
    ok = ctx.ws.run("shanliu", "checkpoint", "--node", ctx.url, "--genesis", ctx.genesis, "--witness", ctx.vkey)
    check(f"witness {WITNESS} cosigned at" in ok.stderr, ok.stderr)
    other = ctx.ws.run("shanliu", "witness", "vkey", "--name", WITNESS, "--key",
                       os.path.join(ctx.net, "keys", "bank-2.key")).stdout.strip()
    bad = ctx.ws.run("shanliu", "checkpoint", "--node", ctx.url, "--genesis", ctx.genesis, "--witness", other,
                     check_exit=False)
    check(bad.returncode == 3 and "NOT VERIFIED" in bad.stderr, bad.stderr)


def test_restart_keeps_state(ctx):
    # The witness goes away; the node's log grows without it; then the node stops, so only this
    # test's requests reach the witness from here on.
    ctx.stop_witness()
    ctx.donate()
    deadline = time.time() + 60
    while get_json(ctx.url + "/v1/checkpoint")["note_checkpoint"]["log_size"] <= ctx.size2:
        check(time.time() < deadline, "the log grew past the witnessed size")
        time.sleep(0.2)
    cp = get_json(ctx.url + "/v1/checkpoint")
    ctx.size3, ctx.note3 = cp["note_checkpoint"]["log_size"], cp["note"]
    ctx.proof_2_3 = proof(ctx, ctx.size2, ctx.size3)
    ctx.proof_1_3 = proof(ctx, 1, ctx.size3)
    ctx.ws.stop_node(ctx.node)
    ctx.start_witness()
    oldest = min(ctx.saved)
    status, ctype, body = add_checkpoint(ctx, 0, [], ctx.saved[oldest])
    check(status == 409 and ctype.startswith("text/x.tlog.size") and body == f"{ctx.size2}\n".encode(),
          f"older checkpoint after restart: {status} {ctype} {body!r}")
    status, _, body = add_checkpoint(ctx, ctx.size2, [], ctx.saved[oldest])
    check(status == 400, f"old size above the checkpoint's: {status} {body!r}")


def test_forged_and_bad_proofs(ctx):
    body, sigs = ctx.note3.split("\n\n", 1)
    line = sigs.split("\n")[0]
    # Same validator name and key ID, a changed signature byte.
    name, blob = line.rsplit(" ", 1)
    raw = bytearray(base64.b64decode(blob))
    raw[-1] ^= 1
    forged = body + "\n\n" + name + " " + base64.b64encode(bytes(raw)).decode() + "\n"
    status, _, text = add_checkpoint(ctx, ctx.size2, ctx.proof_2_3, forged)
    check(status == 403, f"forged validator line: {status} {text!r}")
    status, _, text = add_checkpoint(ctx, ctx.size2, ctx.proof_2_3, body + "\n\n")
    check(status == 403, f"note without signatures: {status} {text!r}")
    tampered = list(ctx.proof_2_3)
    tampered[0] = ("0" if tampered[0][0] != "0" else "1") + tampered[0][1:]
    status, _, text = add_checkpoint(ctx, ctx.size2, tampered, ctx.note3)
    check(status == 422, f"tampered proof: {status} {text!r}")
    status, _, text = add_checkpoint(ctx, ctx.size2, ctx.proof_1_3, ctx.note3)
    check(status == 422, f"proof from another size: {status} {text!r}")
    status, _, text = add_checkpoint(ctx, ctx.size2, ["00" * 32] * 64, ctx.note3)
    check(status == 400, f"64 proof lines: {status} {text!r}")
    status, _, text = http("POST", ctx.witness_url + "/add-checkpoint", "old 01\n\n" + ctx.note3, "text/plain")
    check(status == 400, f"leading zero: {status} {text!r}")
    try:
        status, _, _ = http("POST", ctx.witness_url + "/add-checkpoint", "x" * (70 * 1024), "text/plain")
        check(status == 413, f"over 64 KiB: {status}")
    except ConnectionError:
        pass  # the witness answered 413 and closed before reading the rest: the client saw a reset
    check(ctx.witness.poll() is None, "the witness survives an oversized body")
    status, _, _ = http("GET", ctx.witness_url + "/add-checkpoint")
    check(status == 405, f"GET add-checkpoint: {status}")
    status, _, text = http("GET", ctx.witness_url + "/")
    check(f"cosigned size {ctx.size2} " in text.decode(), "nothing refused changed the state:\n" + text.decode())
    # The honest request: cosigned, and the state moves on.
    status, _, text = add_checkpoint(ctx, ctx.size2, ctx.proof_2_3, ctx.note3)
    check(status == 200 and text.decode().startswith("— " + WITNESS + " "), f"good proof: {status} {text!r}")
    status, ctype, text = add_checkpoint(ctx, 0, [], ctx.note3)
    check(status == 409 and text == f"{ctx.size3}\n".encode(), f"after growth: {status} {text!r}")


def main(bin_dir):
    ws = Workspace(bin_dir)
    passed, failed = 0, 0
    ctx = None
    try:
        base = free_port_block()
        ctx = Ctx(ws, base)
        ws.run("shanliu", "devnet", "--dir", ctx.net, "--validators", "1", "--base-port", str(base))
        ws.run("shanliu", "keygen", "--out", ctx.key)
        ctx.vkey = ws.run("shanliu", "witness", "vkey", "--name", WITNESS, "--key", ctx.key).stdout.strip()
        config = os.path.join(ctx.net, "node0", "config.json")
        with open(config, encoding="utf-8") as f:
            node_config = json.load(f)
        node_config["witnesses"] = [{"url": ctx.witness_url, "vkey": ctx.vkey}]
        with open(config, "w", encoding="utf-8") as f:
            json.dump(node_config, f, indent=2)
        ctx.start_witness()
        ctx.node = ws.start_node(config, ctx.url)
        passed, failed = run_steps([
            ("the node pushes and serves the witness line", lambda: test_node_pushes(ctx)),
            ("shanliu checkpoint --witness verifies it", lambda: test_cli_verifies_witness(ctx)),
            ("a restarted witness keeps its state (409)", lambda: test_restart_keeps_state(ctx)),
            ("forged notes 403, bad proofs 422, malformed 400", lambda: test_forged_and_bad_proofs(ctx)),
        ])
    except Failure as e:
        failed += 1
        print(f"FAIL setup: {e}")
    finally:
        if ctx and ctx.witness:
            ctx.witness.kill()
            ctx.witness.wait()
        ws.close()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
