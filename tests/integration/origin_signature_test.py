"""The validators' FROST origin signature, all real processes: a 4-validator devnet (3-of-4 origin
key dealt by `shanliu devnet`) signs its checkpoints under the origin name over P2P; the note at
/v1/checkpoint carries the origin line, which verifies as plain Ed25519 (Python's `cryptography`,
not our code) under genesis `origin_key.verifying_key` with the C2SP signed-note key ID; and a
`shanliu witness serve` that knows only the origin vkey (no genesis) cosigns it, while refusing the
same note with the origin line's signature altered. With one validator stopped (3 of 4 left, still
the threshold) the origin line keeps coming."""
import base64
import hashlib
import json
import os
import signal
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from harness import DevnetNet, Failure, Workspace, check, free_port_block, get_json, http, run_steps, wait_for

WITNESS = "uni.example/witness"


class Net(DevnetNet):
    def __init__(self, ws, base):
        super().__init__(ws, base)
        self.genesis_path = os.path.join(self.dir, "genesis.json")
        self.donations = 0
        self.witness = None

    def genesis(self):
        with open(self.genesis_path, encoding="utf-8") as f:
            return json.load(f)

    def donate(self, node=0):
        self.ws.run("shanliu", "tx", "donation", "--key", os.path.join(self.dir, "keys", "bank-1.key"), "--node",
                    self.url(node), "--to", "org:federation", "--amount-fen", "1000", "--wait", "--json",
                    '{"donor_ref":"%064x","channel":"bank_transfer","attesting_bank":"bank-1"}' % (self.donations + 1))
        self.donations += 1

    def origin_signed(self, node=0, above=0):
        """The /v1/checkpoint answer once its note carries a valid origin line past log size `above`."""
        def ready():
            cp = get_json(self.url(node) + "/v1/checkpoint")
            nc = cp["note_checkpoint"]
            return cp if nc and nc["origin_signed"] and nc["log_size"] > above else None
        return wait_for("an origin-signed checkpoint", ready, timeout=90)


def verify_ed25519(key, signature, message):
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(signature, message)
    except InvalidSignature:
        raise Failure("the origin line does not verify as Ed25519 under the genesis group key")


def origin_line(note, origin):
    body, sigs = note.split("\n\n", 1)
    lines = [l for l in sigs.split("\n") if l.startswith("\u2014 " + origin + " ")]
    check(len(lines) == 1, f"exactly one line under the origin name:\n{note}")
    return body + "\n", lines[0]


def test_note_verifies_with_plain_ed25519(net):
    net.donate()
    cp = net.origin_signed()
    genesis = net.genesis()
    key = bytes.fromhex(genesis["origin_key"]["verifying_key"])
    check(genesis["origin_key"]["min_signers"] == 3 and len(genesis["origin_key"]["verifying_shares"]) == 4,
          json.dumps(genesis["origin_key"]))
    origin = cp["origin"]
    body, line = origin_line(cp["note"], origin)
    blob = base64.b64decode(line.rsplit(" ", 1)[1])
    check(len(blob) == 68, f"key ID and a 64-byte signature: {len(blob)} bytes")
    key_id = hashlib.sha256(origin.encode() + b"\n" + b"\x01" + key).digest()[:4]
    check(blob[:4] == key_id, "the key ID is SHA-256(origin || 0x0A || 0x01 || key)[:4]")
    verify_ed25519(key, blob[4:], body.encode())
    vkey = origin + "+" + key_id.hex() + "+" + base64.b64encode(b"\x01" + key).decode()
    check(cp["origin_vkey"] == vkey, f"origin_vkey {cp['origin_vkey']} != {vkey}")
    check(cp["note_checkpoint"]["supermajority"], "the validators' lines verify beside it")
    net.note, net.vkey, net.origin = cp["note"], vkey, origin
    # The CLI's verifier (VerifyCheckpointNote against genesis) accepts the note with the line.
    ok = net.ws.run("shanliu", "checkpoint", "--node", net.url(0), "--genesis", net.genesis_path)
    check(ok.returncode == 0 and f"checkpoint: origin key signed ({vkey})" in ok.stderr, ok.stderr)


def start_witness(net):
    port = net.base + 90
    key = os.path.join(net.ws.dir, "witness.key")
    net.ws.run("shanliu", "keygen", "--out", key)
    net.witness, net.witness_url = net.ws.start_witness(WITNESS, key, os.path.join(net.ws.dir, "witness-state"), port,
                                                       "--log-vkey", f"{net.origin}={net.vkey}")


def test_witness_with_only_the_origin_key_cosigns(net):
    start_witness(net)
    body, line = origin_line(net.note, net.origin)
    forged_blob = bytearray(base64.b64decode(line.rsplit(" ", 1)[1]))
    forged_blob[-1] ^= 1
    forged = body + "\n" + line.rsplit(" ", 1)[0] + " " + base64.b64encode(bytes(forged_blob)).decode() + "\n"
    status, _, text = http("POST", net.witness_url + "/add-checkpoint", "old 0\n\n" + forged, "text/plain")
    check(status == 403, f"a forged origin line is refused: {status} {text!r}")
    without = body + "\n" + "".join(l + "\n" for l in net.note.split("\n\n", 1)[1].split("\n")
                                    if l and not l.startswith("\u2014 " + net.origin + " "))
    status, _, text = http("POST", net.witness_url + "/add-checkpoint", "old 0\n\n" + without, "text/plain")
    check(status == 403, f"without the origin line the witness (no genesis) refuses: {status} {text!r}")
    status, _, text = http("POST", net.witness_url + "/add-checkpoint", "old 0\n\n" + net.note, "text/plain")
    check(status == 200 and text.decode().startswith("\u2014 " + WITNESS + " "), f"cosigned: {status} {text!r}")


def test_three_of_four_still_sign(net):
    size = get_json(net.url(0) + "/v1/checkpoint")["note_checkpoint"]["log_size"]
    net.stop(3)
    net.donate()
    net.donate()
    cp = net.origin_signed(above=size)
    body, line = origin_line(cp["note"], cp["origin"])
    key = bytes.fromhex(net.genesis()["origin_key"]["verifying_key"])
    verify_ed25519(key, base64.b64decode(line.rsplit(" ", 1)[1])[4:], body.encode())


def main(bin_dir):
    ws = Workspace(bin_dir)
    passed, failed = 0, 0
    net = None
    try:
        base = free_port_block(width=100)
        net = Net(ws, base)
        ws.run("shanliu", "devnet", "--dir", net.dir, "--validators", "4", "--base-port", str(base))
        for i in range(4):
            check(oct(os.stat(os.path.join(net.dir, f"node{i}", "origin.share")).st_mode & 0o777) == "0o600",
                  "the share file is 0600")
        for i in range(4):
            net.start(i)
        passed, failed = run_steps([
            ("the note's origin line verifies as plain Ed25519 under the genesis group key",
             lambda: test_note_verifies_with_plain_ed25519(net)),
            ("a witness holding only the origin vkey cosigns it and refuses a forged line",
             lambda: test_witness_with_only_the_origin_key_cosigns(net)),
            ("with one validator down the other three still sign", lambda: test_three_of_four_still_sign(net)),
        ])
    except Failure as e:
        print(f"FAIL setup: {e}")
        failed += 1
    finally:
        if failed and net:
            net.print_log_tails(4)
        ws.close()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
