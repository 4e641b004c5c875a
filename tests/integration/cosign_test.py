"""Co-signing across institutions with real processes: a trustee and a custodian bank, each holding
only its own key file and running its own CLI, complete a trust disbursement through the node's
co-signing inbox (and another through a request file passed between them); the committed txs are
visible through the API. Also the inbox's typed errors for hostile input."""
import json
import os
import sys
import time

from harness import Failure, Workspace, check, free_port_block, get_json, http, run_steps

TRUSTEE = "xihu-trustee"
TRUST = "xihu-elder-trust"
BANK = "bank-1"


def error_code(body):
    try:
        return json.loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def committed(url, tx_id, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status, _, body = http("GET", f"{url}/v1/txs/{tx_id}")
        if status == 200 and json.loads(body).get("status") == "committed":
            return json.loads(body)
        time.sleep(0.2)
    raise Failure(f"tx {tx_id} was not committed within {timeout} s")


class Institutions:
    """The bureau sets up a trustee and a trust at bank-1, and bank-1 deposits into it."""

    def __init__(self, ws, url, net):
        self.ws, self.url, self.net = ws, url, net
        self.bureau_key = os.path.join(net, "keys", "bureau.key")
        self.bank_key = os.path.join(net, "keys", f"{BANK}.key")
        self.trustee_key = os.path.join(ws.dir, "trustee-office", "trustee.key")
        os.makedirs(os.path.dirname(self.trustee_key))
        self.trustee_pub = ws.run("shanliu", "keygen", "--out", self.trustee_key).stdout.strip()
        self.requests = os.path.join(ws.dir, "requests")
        os.makedirs(self.requests)

    def tx(self, kind, key, payload):
        self.ws.run("shanliu", "tx", kind, "--key", key, "--node", self.url, "--json", json.dumps(payload), "--wait")

    def setup(self):
        self.tx("register_org", self.bureau_key,
                {"org_id": TRUSTEE, "kind": "trustee", "name_zh": "西湖信托受托人", "name_en": "Xihu Trustee",
                 "credit_code": "92330100MA0000015R", "public_keys": [self.trustee_pub]})
        self.tx("open_trust", self.bureau_key,
                {"trust_id": TRUST, "name_zh": "西湖敬老慈善信托", "name_en": "Xihu Elder Trust",
                 "trustee_org": TRUSTEE, "custodian_bank": BANK, "purpose": "elder care",
                 "filing_number": "ZJ-2026-001"})
        self.tx("trust_deposit", self.bank_key,
                {"trust_id": TRUST, "amount_fen": 1_000_000, "settlor_ref": "11" * 32})

    def request(self, name, amount_fen, *key):
        """The trustee's office: a disbursement request, signed with the trustee's key if given."""
        out = os.path.join(self.requests, name)
        args = ["shanliu", "tx", "trust_disbursement", "--unsigned", "--node", self.url, "--out", out,
                "--trust", TRUST, "--to", "org:federation", "--amount-fen", str(amount_fen),
                "--purpose", "meals for the elderly"]
        if key:
            args += ["--key", key[0]]
        proc = self.ws.run(*args)
        check("missing  custodian_bank bank-1" in proc.stdout, "the request says the bank must sign:\n" + proc.stdout)
        return out


def test_inbox_flow(ws, url, inst, state):
    req = inst.request("disbursement-1.json", 250_000, inst.trustee_key)
    with open(req, encoding="utf-8") as f:
        request = json.load(f)
    check(request["format"] == "shanliu-signing-request/1", "format version")
    check([s["org_id"] for s in request["required_signers"]] == [TRUSTEE, BANK], "trustee and bank must sign")
    check(request["required_signers"][0]["signed"] and not request["required_signers"][1]["signed"],
          "the trustee has signed, the bank has not")
    check("信托资金拨付" in request["summary"]["zh"] and "¥2,500.00" in request["summary"]["en"], "summaries")
    posted = ws.run("shanliu", "inbox", "--node", url, "--post", req)
    check("state    collecting" in posted.stdout, posted.stdout)
    tx_id = request["id"]
    # Nothing is on the ledger until the request is complete.
    check(http("GET", f"{url}/v1/txs/{tx_id}")[0] == 404, "an incomplete request is not a tx")

    # The bank's office: only its own key and its own CLI.
    waiting = ws.run("shanliu", "inbox", "--node", url, "--signer", BANK)
    check(tx_id in waiting.stdout and "missing custodian_bank bank-1" in waiting.stdout, waiting.stdout)
    check(tx_id not in ws.run("shanliu", "inbox", "--node", url, "--signer", TRUSTEE).stdout,
          "the trustee has nothing left to sign")
    signed = ws.run("shanliu", "sign", "--node", url, "--request", tx_id, "--key", inst.bank_key)
    check("summary  trust_disbursement" in signed.stdout, "the bank is shown the summary:\n" + signed.stdout)
    tx = committed(url, tx_id)
    check(tx["kind"] == "trust_disbursement", "kind")
    check(sorted(tx["signers"]) == sorted([inst.trustee_pub, request["required_signers"][1]["public_keys"][0]]),
          "both institutions signed")
    check(tx["body"]["trust_disbursement"]["amount_fen"] == 250_000, "amount")
    entry = get_json(f"{url}/v1/signing-requests/{tx_id}")
    check(entry["state"] == "committed" and entry["tx"]["height"] == tx["height"], f"inbox shows the tx: {entry}")
    check(entry["missing"] == [], "nothing missing")
    # Signing again is refused with a typed error, and the CLI says so.
    again = ws.run("shanliu", "sign", "--node", url, "--request", tx_id, "--key", inst.bank_key, check_exit=False)
    check(again.returncode == 1 and "duplicate_signature" in again.stderr, again.stderr)
    trust = get_json(f"{url}/v1/trusts/{TRUST}")
    check(trust["trust"]["disbursed_fen"] == 250_000, f"the trust paid out: {trust['trust']}")
    state["first_tx"] = tx_id


def test_file_flow(ws, url, inst, state):
    req = inst.request("disbursement-2.json", 1_000)  # nobody has signed yet
    not_ready = ws.run("shanliu", "submit", req, "--node", url, check_exit=False)
    check(not_ready.returncode == 1 and "incomplete_request" in not_ready.stderr, not_ready.stderr)
    wrong = ws.run("shanliu", "sign", req, "--key", os.path.join(inst.net, "keys", "federation.key"), check_exit=False)
    check(wrong.returncode == 1 and "signer_not_required" in wrong.stderr, wrong.stderr)
    ws.run("shanliu", "sign", req, "--key", inst.trustee_key, "--node", url)
    bank_copy = os.path.join(inst.requests, "disbursement-2-bank.json")
    signed = ws.run("shanliu", "sign", req, "--key", inst.bank_key, "--out", bank_copy)
    check("complete" in signed.stdout, signed.stdout)
    first = ws.run("shanliu", "submit", bank_copy, "--node", url, "--wait")
    check("committed at height" in first.stdout, first.stdout)
    # Safe to repeat: the committed tx is answered as committed, not booked twice.
    second = ws.run("shanliu", "submit", bank_copy, "--node", url)
    check("accepted" in second.stdout, second.stdout)
    trust = get_json(f"{url}/v1/trusts/{TRUST}")
    check(trust["trust"]["disbursed_fen"] == 251_000, f"booked once: {trust['trust']}")


def test_tampered_file(ws, url, inst, state):
    req = inst.request("disbursement-3.json", 2_000, inst.trustee_key)
    with open(req, encoding="utf-8") as f:
        request = json.load(f)
    other = inst.request("disbursement-4.json", 9_999)
    with open(other, encoding="utf-8") as f:
        request["body_base64"] = json.load(f)["body_base64"]  # the trustee's signature, another body
    del request["id"]
    with open(req, "w", encoding="utf-8") as f:
        json.dump(request, f)
    bad = ws.run("shanliu", "sign", req, "--key", inst.bank_key, check_exit=False)
    check(bad.returncode == 1 and "bad_signature" in bad.stderr, bad.stderr)


def test_hostile(ws, url, inst, state):
    post = lambda body: http("POST", f"{url}/v1/signing-requests", body)
    status, _, body = post("{not json")
    check(status == 400 and error_code(body) == "invalid_signing_request", f"{status} {body[:200]!r}")
    status, _, body = post(json.dumps({"format": "shanliu-signing-request/1"}))
    check(status == 400 and error_code(body) == "invalid_signing_request", f"{status} {body[:200]!r}")
    status, _, body = post("x" * (64 * 1024 + 1))
    check(status == 413 and error_code(body) == "too_large", f"{status} {body[:200]!r}")
    unsigned = inst.request("unsigned.json", 3_000)
    with open(unsigned, encoding="utf-8") as f:
        text = f.read()
    status, _, body = post(text)
    check(status == 400 and error_code(body) == "unsigned_request", f"{status} {body[:200]!r}")
    tx_id = json.loads(text)["id"]
    check(http("GET", f"{url}/v1/signing-requests/{tx_id}")[0] == 404, "a refused request is not held")
    check(http("GET", f"{url}/v1/signing-requests/nothex")[0] == 400, "bad id")
    check(http("GET", f"{url}/v1/signing-requests?signer=Bad!")[0] == 400, "bad signer")
    check(http("GET", f"{url}/v1/signing-requests?limit=101")[0] == 400, "limit")
    # A signature from an organisation the tx does not need.
    req = inst.request("disbursement-5.json", 4_000, inst.trustee_key)
    ws.run("shanliu", "inbox", "--node", url, "--post", req)
    with open(req, encoding="utf-8") as f:
        rid = json.load(f)["id"]
    fed = ws.run("shanliu", "sign", "--node", url, "--request", rid, "--key",
                 os.path.join(inst.net, "keys", "federation.key"), check_exit=False)
    check(fed.returncode == 1 and "signer_not_required" in fed.stderr, fed.stderr)
    status, _, body = http("POST", f"{url}/v1/signing-requests/{rid}/signatures",
                           json.dumps({"public_key": "00" * 32, "signature": "00" * 64}))
    check(status == 400 and error_code(body) == "signer_not_required", f"{status} {body[:200]!r}")
    status, _, body = http("POST", f"{url}/v1/signing-requests/{rid}/signatures", json.dumps({"public_key": "zz"}))
    check(status == 400 and error_code(body) == "invalid_json", f"{status} {body[:200]!r}")
    status, _, body = http("POST", f"{url}/v1/signing-requests/{'ab' * 32}/signatures",
                           json.dumps({"public_key": "00" * 32, "signature": "00" * 64}))
    check(status == 404 and error_code(body) == "not_found", f"{status} {body[:200]!r}")
    entry = get_json(f"{url}/v1/signing-requests/{rid}")
    check(entry["state"] == "collecting" and len(entry["request"]["signatures"]) == 1, "still waiting for the bank")


def main(bin_dir):
    ws = Workspace(bin_dir)
    passed, failed = 0, 0
    try:
        base = free_port_block()
        net = os.path.join(ws.dir, "net")
        ws.run("shanliu", "devnet", "--dir", net, "--validators", "1", "--base-port", str(base))
        url = f"http://127.0.0.1:{base}"
        config = os.path.join(net, "node0", "config.json")
        ws.start_node(config, url)
        inst = Institutions(ws, url, net)
        inst.setup()
        state = {}
        passed, failed = run_steps([
            ("inbox flow", lambda: test_inbox_flow(ws, url, inst, state)),
            ("file flow", lambda: test_file_flow(ws, url, inst, state)),
            ("tampered file", lambda: test_tampered_file(ws, url, inst, state)),
            ("hostile input", lambda: test_hostile(ws, url, inst, state)),
        ])
    except Failure as e:
        failed += 1
        print(f"FAIL setup: {e}")
    finally:
        ws.close()
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
