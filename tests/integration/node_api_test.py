#!/usr/bin/env python3
"""A real shanliu-node on loopback, loaded with the demo through the real CLI; every endpoint
queried; receipts verified offline with `shanliu verify`, and a tampered proof refused."""
import base64
import json
import os
import re
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Failure, Workspace, check, free_port_block, get_json, http, run_steps,  # noqa: E402
                     set_blocks_setting)


def test_reads(url, codes, state):
    stats = get_json(url + "/v1/stats")
    check(json.dumps(stats).count("donat") > 0, "stats mention donations")
    latest = get_json(url + "/v1/blocks/latest")
    height = latest["header"]["height"]
    check(height >= 1, "blocks were committed")
    state["height"] = height
    state["log_size"] = latest["header"]["log_size"]
    first = get_json(url + "/v1/blocks/1")
    check(first["header"]["height"] == 1, "block 1 by height")
    get_json(url + "/v1/blocks/999999999", expect=404)
    orgs = get_json(url + "/v1/orgs")
    check("bureau" in json.dumps(orgs), "the bureau is listed")
    get_json(url + "/v1/orgs/bureau")
    get_json(url + "/v1/orgs/no-such-org", expect=404)
    get_json(url + "/v1/checkpoint")
    get_json(url + "/v1/compliance")
    ranked = get_json(url + "/v1/transparency")
    check(ranked.get("method") == "shanliu-transparency/1", "transparency scores name their method")
    get_json(url + "/v1/orgs/bureau/transparency", expect=400)  # a bureau is not scored
    spec = get_json(url + "/v1/openapi.json")
    check(spec.get("openapi", "").startswith("3."), "OpenAPI 3 document")
    for path in ["/v1/txs", "/v1/receipts/{code}", "/v1/trace/{code}", "/v1/blocks/latest", "/v1/stream"]:
        check(path in spec.get("paths", {}), f"OpenAPI documents {path}")
    status, ctype, body = http("GET", url + "/metrics")
    check(status == 200 and b"shanliu_height" in body, "Prometheus metrics")
    status, _, body = http("GET", url + "/healthz")
    check(status == 200, "healthz")


def test_receipts(url, codes, state):
    for code in codes[:3]:
        receipt = get_json(url + "/v1/receipts/" + code)
        for key in ["donation", "trace", "proof"]:
            check(key in receipt, f"receipt has {key}")
        proof = receipt["proof"]
        for key in ["tx", "tx_id", "leaf_index", "log_size", "inclusion_path", "header", "block_hash", "commit"]:
            check(key in proof, f"proof has {key} (DESIGN 6.2)")
        get_json(url + "/v1/trace/" + code)
        tx = get_json(url + "/v1/txs/" + proof["tx_id"])
        check(tx.get("status") == "committed", "the donation is committed")
        # The 12-character prefix printed under the QR code resolves too.
        get_json(url + "/v1/receipts/" + code[:12])
    # The same committed tx posted again (a client retrying after a timeout) is answered with
    # where it is, not as an error.
    proof = get_json(url + "/v1/receipts/" + codes[0])["proof"]
    envelope = base64.b64encode(bytes.fromhex(proof["tx"])).decode()
    status, _, body = http("POST", url + "/v1/txs", json.dumps({"txs": [envelope]}))
    again = json.loads(body)["results"][0] if status == 200 else {}
    check(again.get("status") == "committed" and again.get("resubmitted") is True
          and again.get("id") == proof["tx_id"] and again.get("code") == codes[0]
          and again.get("location") == "/v1/txs/" + proof["tx_id"] and again.get("height") == proof["header"]["height"],
          f"a resubmitted committed tx is answered as committed with its place, got {status} {body[:300]!r}")
    size = state["log_size"]
    consistency = get_json(url + f"/v1/proofs/consistency?from=1&to={size}")
    check("proof" in consistency, "consistency proof")
    get_json(url + "/v1/receipts/" + "a" * 52, expect=404)
    get_json(url + "/v1/receipts/not-base32!", expect=400)
    get_json(url + f"/v1/proofs/consistency?from={size}&to=1", expect=400)


def test_verify(ws, url, net, codes):
    genesis = os.path.join(net, "genesis.json")
    for code in codes[:3]:
        ws.run("shanliu", "verify", code, "--node", url, "--genesis", genesis)
    receipt = get_json(url + "/v1/receipts/" + codes[0])
    proof = receipt["proof"]
    tampered = dict(proof)
    tx_hex = proof["tx"]
    flipped = format(int(tx_hex[-2:], 16) ^ 1, "02x")
    tampered["tx"] = tx_hex[:-2] + flipped
    for name, bad in [("tx", tampered)]:
        path = os.path.join(ws.dir, f"tampered-{name}.json")
        with open(path, "w") as f:
            json.dump(bad, f)
        proc = ws.run("shanliu", "verify", codes[0], "--proof", path, "--genesis", genesis, check_exit=False)
        check(proc.returncode != 0, f"verify must fail on a tampered {name}")
    good = os.path.join(ws.dir, "good.json")
    with open(good, "w") as f:
        json.dump(proof, f)
    ws.run("shanliu", "verify", codes[0], "--proof", good, "--genesis", genesis)


def error_code(body):
    """The typed error code of a JSON error answer, or None if the body is not one."""
    try:
        return json.loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def raw_exchange(url, request, timeout=10):
    """Sends raw bytes, reads until the server closes; returns everything it sent."""
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        chunks = []
        while True:
            data = s.recv(65536)
            if not data:
                return b"".join(chunks)
            chunks.append(data)


def test_hostile(url, state):
    status, _, body = http("POST", url + "/v1/txs", "{not json")
    check(status == 400 and error_code(body) == "invalid_json", f"malformed JSON is 400 invalid_json, got {status} {body[:200]!r}")
    status, _, body = http("POST", url + "/v1/txs", json.dumps({"txs": ["!!!notbase64"]}))
    check(status == 400 and error_code(body) == "invalid_base64",
          f"invalid base64 is refused with 400 invalid_base64, got {status} {body[:200]!r}")
    status, _, body = http("POST", url + "/v1/txs", b"x" * (5 << 20))
    check(status == 413 and error_code(body) == "too_large", f"a huge body is 413 too_large, got {status}")
    for path in ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/v1/../../etc/passwd"]:
        status, _, body = http("GET", url + path)
        check(b"root:" not in body, f"no path traversal via {path}")
        check(status in (400, 404) and error_code(body) in ("invalid_path", "not_found"),
              f"{path} is refused with a typed error, got {status} {body[:200]!r}")
    # Issue 15: a Transfer-Encoding other than chunked is 400 and close; the body that follows is
    # never answered as a request of its own (no request smuggling).
    answer = raw_exchange(url, b"POST /v1/txs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                               b"Transfer-Encoding: gzip\r\n\r\nGET /v1/stats HTTP/1.1\r\nHost: x\r\n\r\n")
    check(answer.startswith(b"HTTP/1.1 400 "), f"Transfer-Encoding: gzip is 400, got {answer[:100]!r}")
    check(answer.count(b"HTTP/1.1 ") == 1, "exactly one response: the smuggled request was not served")
    # Issue 15: a tx whose string field is not UTF-8 is a typed 400, not a protobuf stderr line.
    body_bytes = b"\x0a\x04\xff\xfe\xfd\xfc"  # TxBody.chain_id = 4 bytes that are not UTF-8
    envelope = b"\x0a" + bytes([len(body_bytes)]) + body_bytes
    status, _, body = http("POST", url + "/v1/txs", envelope, content_type="application/x-protobuf")
    check(status == 400 and error_code(body) == "invalid_utf8",
          f"invalid UTF-8 in a string field is 400 invalid_utf8, got {status} {body[:200]!r}")
    # Issue 15: the receipt QR code's link comes from the node's configuration, not the Host header.
    code = state["codes"][0]
    plain = raw_exchange(url, f"GET /v1/receipts/{code}/qr.svg HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    forged = raw_exchange(url, f"GET /v1/receipts/{code}/qr.svg HTTP/1.1\r\nHost: evil.example\r\n"
                               f"X-Forwarded-Proto: https\r\nConnection: close\r\n\r\n".encode())
    check(plain.startswith(b"HTTP/1.1 200 "), f"qr.svg is served, got {plain[:100]!r}")
    check(plain.split(b"\r\n\r\n", 1)[1] == forged.split(b"\r\n\r\n", 1)[1], "a forged Host does not change the QR code")
    # A client that sends half a request and stalls must not block others.
    with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1]))) as s:
        s.sendall(b"GET /v1/stats HTTP/1.1\r\nHost: x\r\n")
        get_json(url + "/v1/stats")
    latest = get_json(url + "/v1/blocks/latest")
    check(latest["header"]["height"] == state["height"], "hostile input wrote nothing")


def test_stream(url):
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"GET /v1/stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
        data = s.recv(4096)
        check(b"200" in data.split(b"\r\n", 1)[0], "stream answers 200")
        check(b"text/event-stream" in data, "stream is server-sent events")


def test_restart(ws, node, config, url, state):
    check(ws.stop_node(node) == 0, "node stops cleanly on SIGTERM")
    # The stopped node's state map, recomputed from every state row, is the head's state_root.
    verified = ws.run("shanliu-node", "--config", config, "--verify-state")
    check(f"state map verified at height {state['height']}" in verified.stdout,
          "--verify-state recomputes the head's root:\n" + verified.stdout)
    node = ws.start_node(config, url)
    latest = get_json(url + "/v1/blocks/latest")
    check(latest["header"]["height"] == state["height"], "the ledger survives a restart")
    return node


def all_pages(url, path, key, cursor_param, limit=100):
    """Every item of a paged list (the node's `next` passed back as `cursor_param`)."""
    items, nxt = [], None
    for _ in range(1000):
        sep = "&" if "?" in path else "?"
        page = get_json(f"{url}{path}{sep}limit={limit}" + (f"&{cursor_param}={nxt}" if nxt is not None else ""))
        items += page[key]
        nxt = page.get("next")
        if nxt is None:
            return items
    raise Failure(f"{path} never ended")


def test_demo_data(url):
    """The demo's data a donor would believe: unique project names, no project raised beyond its
    budget, spends dated after the gifts that paid them, disclosure links the node serves with
    the hash the ledger records."""
    import hashlib
    projects = all_pages(url, "/v1/projects", "projects", "cursor")
    check(len(projects) >= 40, f"the demo opens its projects ({len(projects)})")
    names = [p["name_zh"] for p in projects]
    check(len(names) == len(set(names)), "project names are unique: " +
          ", ".join(sorted(n for n in set(names) if names.count(n) > 1)))
    for p in projects:
        check(p["raised_fen"] <= p["budget_fen"], f"{p['project_id']} raised {p['raised_fen']} of {p['budget_fen']}")
    compliance = get_json(url + "/v1/compliance?limit=100")
    for row in compliance["orgs"]:
        check(row["over_budget_projects"]["count"] == 0, f"{row['org_id']} has no project over budget")

    spends = get_json(url + "/v1/activity?kinds=spend&limit=100")["items"]
    check(len(spends) > 0, "the demo spends")
    for item in spends[:30]:
        spend = get_json(f"{url}/v1/txs/{item['id']}")["body"]["spend"]
        occurred = spend.get("occurred_at_ms", spend.get("occurredAtMs"))
        check(occurred is not None, f"spend {item['code']} carries its date")
        sources = get_json(f"{url}/v1/spends/{item['id']}/sources?limit=200")
        latest_gift = max(s["origin"]["time_ms"] for s in sources["sources"])
        spend_time = int(occurred)
        check(spend_time >= latest_gift, f"spend {item['code']} is dated {spend_time}, before a gift of {latest_gift}")

    orgs = [o["org_id"] for o in all_pages(url, "/v1/orgs", "orgs", "cursor")]
    seen = 0
    for org in orgs:
        for d in get_json(f"{url}/v1/disclosures?org={org}&limit=100")["disclosures"]:
            check(d["url"].startswith(url + "/documents/"), f"the disclosure links to this node: {d['url']}")
            status, _, body = http("GET", d["url"])
            check(status == 200, f"{d['url']} is served ({status})")
            check(hashlib.sha256(body).hexdigest() == d["document_sha256"], f"{d['url']} hashes to the ledger's value")
            seen += 1
    check(seen >= 20, f"the demo files its disclosures ({seen})")
    status, _, _ = http("GET", url + "/documents/../genesis.json")
    check(status == 400, f"no path out of the documents folder ({status})")
    status, _, _ = http("GET", url + "/documents/no-such-org/none.txt")
    check(status == 404, f"a missing document is 404 ({status})")


def test_audit(url):
    """The node audits itself and says so at /v1/audit; the checkpoint history pages."""
    for _ in range(600):
        audit = get_json(url + "/v1/audit")
        if audit["runs"] >= 1 and not audit["running"]:
            break
        time.sleep(0.5)
    check(audit["enabled"] is True and audit["claim"] == "node", "the devnet node audits itself")
    last = audit["last"]
    check(last is not None and last["result"] == "ok", f"the node's audit passed: {last}")
    check(last["audited_height"] <= audit["head_height"], "it audited a committed height")
    check(audit["schedule"]["every_blocks"] == 20, "the devnet's schedule")
    history = get_json(url + "/v1/checkpoints?limit=5")
    check(len(history["checkpoints"]) == 5, "the checkpoint history has pages")
    latest = get_json(url + "/v1/checkpoint")
    check(history["checkpoints"][0]["log_size"] == latest["log_size"], "the newest checkpoint is the head's log")
    older = get_json(url + f"/v1/checkpoints?limit=5&before={history['next']}")
    check(older["checkpoints"][0]["height"] < history["checkpoints"][-1]["height"], "the next page is older")
    get_json(url + "/v1/checkpoints?before=0", expect=400)
    get_json(url + "/v1/checkpoints?limit=1000", expect=400)


def main(bin_dir):
    ws = Workspace(bin_dir)
    passed, failed = 0, 0
    try:
        base = free_port_block()
        net = os.path.join(ws.dir, "net")
        ws.run("shanliu", "devnet", "--dir", net, "--validators", "1", "--base-port", str(base))
        url = f"http://127.0.0.1:{base}"
        config = os.path.join(net, "node0", "config.json")
        # Steps compare the head height before and after (hostile input, restart): no heartbeat
        # block may land in between, however slow the machine.
        set_blocks_setting(config, "heartbeat_ms", 86_400_000)
        node = ws.start_node(config, url)
        demo = ws.run("shanliu", "demo", "--node", url, "--dir", net, "--donations", "400", "--seed", "7")
        codes = list(dict.fromkeys(re.findall(r"\b[a-z2-7]{52}\b", demo.stdout)))
        check(len(codes) >= 3, "the demo prints receipt codes:\n" + demo.stdout)
        state = {"codes": codes}
        steps = [
            ("reads", lambda: test_reads(url, codes, state)),
            ("receipts", lambda: test_receipts(url, codes, state)),
            ("verify", lambda: test_verify(ws, url, net, codes)),
            ("hostile", lambda: test_hostile(url, state)),
            ("stream", lambda: test_stream(url)),
            ("demo data", lambda: test_demo_data(url)),
            ("audit", lambda: test_audit(url)),
        ]
        steps.append(("restart", lambda: test_restart(ws, node, config, url, state)))
        passed, failed = run_steps(steps)
    except Failure as e:
        failed += 1
        print(f"FAIL setup: {e}")
    finally:
        ws.close()
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
