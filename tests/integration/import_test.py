#!/usr/bin/env python3
"""Issue 18, imports and safe retries, against a real node through the real CLI: a 10,000-row
bank statement imported twice (and once more with the journal lost) ends with exactly 10,000
donations; an import killed mid-way resumes; a GBK statement; a --dry-run with bad rows writes
nothing; a charity's spends export; `shanliu tx --idempotency-key` retried and misused."""
import csv
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Failure, Workspace, check, free_port_block, get_json, run_steps  # noqa: E402

HEADER = "交易日期,金额,流水号,付款账号,收款账户,付款人"
DONATION_MAP = """{"kind": "donations",
 "columns": {"amount_yuan": "金额", "bank_ref": "流水号", "donor_id": "付款账号", "to_account": "收款账户",
             "date": "交易日期", "donor_display_name": "付款人"},
 "values": {"attesting_bank": "bank-1"},
 "donor_salt_file": "salt.bin"}"""
SPEND_MAP = """{"kind": "spends",
 "columns": {"row_key": "凭证号", "amount_yuan": "金额", "date": "日期", "payee_name": "收款单位",
             "description": "摘要", "invoice_number": "发票号"},
 "values": {"from_account": "org:federation", "category": "material", "payee_kind": "vendor"}}"""


def statement(prefix, n, name=""):
    """n rows with unique bank references; amounts cycle through 0.01 .. 500.99 yuan."""
    rows = [HEADER]
    total_fen = 0
    for i in range(n):
        fen = (i % 500) * 100 + i % 100 + 1
        total_fen += fen
        rows.append(f"2026-03-14,{fen // 100}.{fen % 100:02d},{prefix}{i:07d},acct-{i % 997},org:federation,{name}")
    return rows, total_fen


def write(path, rows, encoding="utf-8", newline="\n"):
    with open(path, "w", encoding=encoding, newline="") as f:
        f.write(newline.join(rows) + newline)


def stats(url):
    return get_json(url + "/v1/stats")["stats"]


def result_rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


class Ctx:
    def __init__(self, ws, url, net):
        self.ws, self.url, self.net = ws, url, net
        self.dir = os.path.join(ws.dir, "import")
        os.makedirs(self.dir)
        with open(os.path.join(self.dir, "salt.bin"), "wb") as f:
            f.write(b"xihu-charity-donor-salt-2026-v1!")
        self.map = os.path.join(self.dir, "map.json")
        with open(self.map, "w", encoding="utf-8") as f:
            f.write(DONATION_MAP)
        self.bank_key = os.path.join(net, "keys", "bank-1.key")
        self.donations = 0

    def path(self, name):
        return os.path.join(self.dir, name)

    def import_args(self, csv_path, journal, *extra):
        return ["shanliu", "import", "donations", csv_path, "--bank-key", self.bank_key, "--map", self.map,
                "--node", self.url, "--journal", self.path(journal), *extra]

    def run_import(self, csv_path, journal, *extra, expect=0):
        proc = self.ws.run(*self.import_args(csv_path, journal, *extra), check_exit=False, timeout=900)
        check(proc.returncode == expect,
              f"import exited {proc.returncode}, expected {expect}\n{proc.stdout}\n{proc.stderr[-2000:]}")
        return proc


def count(stdout, status):
    m = re.search(rf"^{status} (\d+)$", stdout, re.M)
    return int(m.group(1)) if m else 0


def test_dry_run(ctx):
    rows = [HEADER,
            "2026-03-14,1.005,D1,a,org:federation,",        # three decimals
            "2026-03-14,-5.00,D2,a,org:federation,",        # negative
            '2026-03-14,"1,000.00",D3,a,org:federation,',   # thousands separator
            "2026-03-14,１００,D4,a,org:federation,",         # full-width digits
            "2026-03-14,5.00,D5,a,project:no-such-project,",  # unknown project
            "2026-03-14,5.00,D6,a,org:federation,",
            "2026-03-14,6.00,D6,a,org:federation,",         # duplicate bank reference
            "2026-03-14,7.00,D8,a,org:federation,"]
    path = ctx.path("bad.csv")
    write(path, rows)
    before = stats(ctx.url)
    proc = ctx.ws.run(*ctx.import_args(path, "journal-dry", "--dry-run"), check_exit=False)
    check(proc.returncode == 1, f"a dry run with bad rows exits 1, got {proc.returncode}\n{proc.stdout}{proc.stderr}")
    for row, code in [(1, "bad_amount"), (2, "bad_amount"), (3, "bad_amount"), (4, "bad_amount"),
                      (5, "unknown_project"), (7, "duplicate_row")]:
        check(re.search(rf"^row {row} \(line {row + 1}\): .*\[{code}\]$", proc.stderr, re.M),
              f"row {row} reported as {code}:\n{proc.stderr}")
    check(not re.search(r"^row [68] ", proc.stderr, re.M), "good rows are not reported")
    check("8 rows (utf-8), 2 valid" in proc.stdout, proc.stdout)
    # The wrong bank's key is caught before signing anything, on every row.
    good = ctx.path("good.csv")
    write(good, [HEADER, "2026-03-14,5.00,W1,a,org:federation,"])
    args = ctx.import_args(good, "journal-dry", "--dry-run")
    args[args.index("--bank-key") + 1] = os.path.join(ctx.net, "keys", "bank-2.key")
    wrong = ctx.ws.run(*args, check_exit=False)
    check(wrong.returncode == 1 and re.search(r"^row 1 \(line 2\): .*\[wrong_signer\]$", wrong.stderr, re.M), wrong.stderr)
    # A real run refuses the file as a whole.
    proc = ctx.run_import(path, "journal-dry", expect=1)
    check("invalid_rows" in proc.stderr, proc.stderr)
    check(stats(ctx.url) == before, "nothing reached the ledger")
    check(not os.path.exists(ctx.path("journal-dry")), "no journal was written")
    check(not os.path.exists(path + ".result.csv"), "no result file was written")


def test_ten_thousand_twice(ctx, figures):
    rows, total_fen = statement("S", 10_000)
    path = ctx.path("statement-10k.csv")
    write(path, rows, encoding="utf-8-sig", newline="\r\n")  # as a Windows bank export: BOM, CRLF
    before = stats(ctx.url)
    started = time.time()
    first = ctx.run_import(path, "journal")
    seconds = time.time() - started
    figures["10k rows/s"] = 10_000 / seconds
    check(count(first.stdout, "committed") == 10_000, first.stdout)
    check("submitted 10000/10000" in first.stderr, "progress is shown")
    second = ctx.run_import(path, "journal")
    check(count(second.stdout, "already_imported") == 10_000, second.stdout)
    # The journal lost (another machine, a wiped disk): the ledger's duplicate_bank_ref rule still
    # books nothing twice, and every row is reported with the tx that holds it.
    third = ctx.run_import(path, "journal-lost", "--result", ctx.path("third.csv"))
    check(count(third.stdout, "already_imported") == 10_000, third.stdout)
    after = stats(ctx.url)
    check(after["donation_count"] - before["donation_count"] == 10_000,
          f"exactly 10,000 donations, got {after['donation_count'] - before['donation_count']}")
    check(after["donated_fen"] - before["donated_fen"] == total_fen, "the amounts add up to the statement's total")
    first_ids = {r["row"]: r["tx_id"] for r in result_rows(path + ".result.csv")}
    third_rows = result_rows(ctx.path("third.csv"))
    check(len(third_rows) == 10_000 and all(r["status"] == "already_imported" and r["error_code"] == "" for r in third_rows),
          "every row already imported, none an error")
    check(all(first_ids[r["row"]] == r["tx_id"] for r in third_rows), "each row names the tx that first booked it")
    tx = get_json(ctx.url + "/v1/txs/" + third_rows[0]["tx_id"])
    check(tx["status"] == "committed" and tx["body"]["donation"]["amount_fen"] == 1, "row 1 is 0.01 yuan = 1 fen")
    ctx.donations += 10_000


def test_interrupted(ctx):
    rows, _ = statement("R", 1000)
    path = ctx.path("interrupted.csv")
    write(path, rows)
    before = stats(ctx.url)["donation_count"]
    args = ctx.import_args(path, "journal-r", "--batch", "50")
    proc = subprocess.Popen([os.path.join(ctx.ws.bin, args[0]), *args[1:]], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.startswith("submitted 300/"):
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=60)
    check(proc.returncode == -signal.SIGKILL, f"the import was killed mid-way: {seen[-3:]}")
    booked = stats(ctx.url)["donation_count"] - before
    check(booked < 1000, f"the kill came before the end ({booked} booked)")
    resumed = ctx.run_import(path, "journal-r", "--batch", "50")
    done = count(resumed.stdout, "committed") + count(resumed.stdout, "already_imported")
    check(done == 1000, f"every row booked after resuming:\n{resumed.stdout}")
    # Every row committed before the resume was journalled first, so it comes back as already
    # imported (rows still pending at the kill commit during the resume and read "committed").
    check(count(resumed.stdout, "already_imported") >= booked,
          f"the {booked} rows booked before the kill are already imported")
    check(stats(ctx.url)["donation_count"] - before == 1000, "exactly 1,000 donations after the resume")
    ids = [r["tx_id"] for r in result_rows(path + ".result.csv")]
    check(len(ids) == 1000 and len(set(ids)) == 1000, "one distinct tx per row")
    ctx.donations += 1000


def test_gbk(ctx):
    rows, _ = statement("G", 20, name="张女士")
    rows[1] = rows[1].replace("张女士", "李先生（北京）")
    path = ctx.path("gbk.csv")
    write(path, rows, encoding="gbk")
    raw = open(path, "rb").read()
    check("张".encode("gbk") in raw and "张".encode("utf-8") not in raw, "the file really is GBK")
    before = stats(ctx.url)["donation_count"]
    proc = ctx.run_import(path, "journal-gbk")
    check("20 rows (gbk)" in proc.stdout and count(proc.stdout, "committed") == 20, proc.stdout)
    first = result_rows(path + ".result.csv")[0]
    tx = get_json(ctx.url + "/v1/txs/" + first["tx_id"])
    check(tx["body"]["donation"]["donor_display_name"] == "李先生（北京）", f"GBK text converted exactly: {tx['body']}")
    # The same bytes declared as UTF-8 are refused with where.
    bad = ctx.ws.run(*ctx.import_args(path, "journal-gbk", "--encoding", "utf-8", "--dry-run"), check_exit=False)
    check(bad.returncode == 1 and "bad_encoding" in bad.stderr and "line 1" in bad.stderr, bad.stderr)
    check(stats(ctx.url)["donation_count"] - before == 20, "exactly 20 donations")
    ctx.donations += 20


def test_spends(ctx):
    spend_map = ctx.path("spend-map.json")
    with open(spend_map, "w", encoding="utf-8") as f:
        f.write(SPEND_MAP)
    path = ctx.path("spends.csv")
    write(path, ["凭证号,日期,金额,收款单位,摘要,发票号",
                 'V-001,2026-03-10,100.00,杭州联华华商集团有限公司,"食材采购, 三月",12345678',
                 "V-002,20260311,20.5,杭州联华华商集团有限公司,文具,",
                 "V-003,2026/03/12,0.01,杭州联华华商集团有限公司,邮费,"])
    key = os.path.join(ctx.net, "keys", "federation.key")
    args = ["shanliu", "import", "spends", path, "--key", key, "--map", spend_map, "--node", ctx.url,
            "--journal", ctx.path("journal-spends")]
    before = stats(ctx.url)
    first = ctx.ws.run(*args)
    check(count(first.stdout, "committed") == 3, first.stdout)
    again = ctx.ws.run(*args)
    check(count(again.stdout, "already_imported") == 3, again.stdout)
    after = stats(ctx.url)
    check(after["spend_count"] - before["spend_count"] == 3 and after["spent_fen"] - before["spent_fen"] == 12051,
          "three spends, 120.51 yuan, booked once")
    tx = get_json(ctx.url + "/v1/txs/" + result_rows(path + ".result.csv")[0]["tx_id"])
    check(tx["body"]["spend"]["description"] == "食材采购, 三月", "a quoted field with a comma survives")
    # A changed row under the same voucher number is a conflict, not a second spend.
    write(path, ["凭证号,日期,金额,收款单位,摘要,发票号", "V-001,2026-03-10,100.01,杭州联华华商集团有限公司,食材采购,12345678"])
    changed = ctx.ws.run(*args, check_exit=False)
    check(changed.returncode == 1 and count(changed.stdout, "conflict") == 1, changed.stdout + changed.stderr)
    check(stats(ctx.url)["spend_count"] == after["spend_count"], "nothing booked for the changed row")


def test_tx_idempotency_key(ctx):
    donor_ref = "ab" * 32
    base = ["shanliu", "tx", "donation", "--key", ctx.bank_key, "--node", ctx.url, "--to", "org:federation",
            "--json", '{"donor_ref":"%s","channel":"bank_transfer","attesting_bank":"bank-1"}' % donor_ref,
            "--idempotency-key", "order-2026-0001", "--journal", ctx.path("journal-tx")]
    before = stats(ctx.url)["donation_count"]
    first = ctx.ws.run(*base, "--amount-fen", "4200", "--wait")
    tx_id = re.search(r"^id\s+([0-9a-f]{64})$", first.stdout, re.M).group(1)
    check("(new)" in first.stdout and "committed" in first.stdout, first.stdout)
    # The retry after a "timeout": the same envelope, answered as committed; no second tx.
    retry = ctx.ws.run(*base, "--amount-fen", "4200", "--wait")
    check(re.search(r"^id\s+" + tx_id + "$", retry.stdout, re.M) and "submitted again" in retry.stdout
          and "status   committed" in retry.stdout, retry.stdout)
    misuse = ctx.ws.run(*base, "--amount-fen", "4300", check_exit=False)
    check(misuse.returncode == 1 and "idempotency_conflict" in misuse.stderr, misuse.stdout + misuse.stderr)
    check(stats(ctx.url)["donation_count"] - before == 1, "one donation for three runs")
    ctx.donations += 1


def test_expired_envelope_replaced(ctx):
    """A journalled tx that never committed (here: refused, to a project that does not exist) is
    resubmitted as it is until the chain passes its expiry, and only then replaced."""
    args = ["shanliu", "tx", "donation", "--key", ctx.bank_key, "--node", ctx.url, "--to", "project:not-yet-open",
            "--amount-fen", "100", "--expires-in", "1", "--idempotency-key", "order-expiring",
            "--journal", ctx.path("journal-expiry"),
            "--json", '{"donor_ref":"%s","channel":"bank_transfer","attesting_bank":"bank-1"}' % ("cd" * 32)]
    tx_id = lambda out: re.search(r"^id\s+([0-9a-f]{64})$", out, re.M).group(1)
    first = ctx.ws.run(*args, check_exit=False)
    check(first.returncode == 1 and "(new)" in first.stdout, first.stdout + first.stderr)
    again = ctx.ws.run(*args, check_exit=False)
    check(tx_id(again.stdout) == tx_id(first.stdout) and "submitted again" in again.stdout,
          "before its expiry the same envelope is resubmitted:\n" + again.stdout)
    # One committed block moves the head past expires_at_height (= head + 1 when signed).
    ctx.ws.run("shanliu", "tx", "donation", "--key", ctx.bank_key, "--node", ctx.url, "--to", "org:federation",
               "--amount-fen", "100", "--wait",
               "--json", '{"donor_ref":"%s","channel":"bank_transfer","attesting_bank":"bank-1"}' % ("ce" * 32))
    ctx.donations += 1
    later = ctx.ws.run(*args, check_exit=False)
    check(tx_id(later.stdout) != tx_id(first.stdout) and "expired unused" in later.stdout,
          "past its expiry a fresh envelope replaces it:\n" + later.stdout)
    with open(os.path.join(ctx.path("journal-expiry"), "shanliu-journal.jsonl"), encoding="utf-8") as f:
        check(len(f.readlines()) == 2, "the journal keeps both envelopes")


def main(bin_dir):
    ws = Workspace(bin_dir)
    passed, failed = 0, 0
    figures = {}
    try:
        base = free_port_block()
        net = os.path.join(ws.dir, "net")
        ws.run("shanliu", "devnet", "--dir", net, "--validators", "1", "--base-port", str(base))
        url = f"http://127.0.0.1:{base}"
        ws.start_node(os.path.join(net, "node0", "config.json"), url)
        ctx = Ctx(ws, url, net)
        steps = [
            ("dry run with bad rows writes nothing", lambda: test_dry_run(ctx)),
            ("10,000-row statement imported twice", lambda: test_ten_thousand_twice(ctx, figures)),
            ("interrupted import resumes", lambda: test_interrupted(ctx)),
            ("GBK statement", lambda: test_gbk(ctx)),
            ("spends export", lambda: test_spends(ctx)),
            ("tx --idempotency-key", lambda: test_tx_idempotency_key(ctx)),
            ("expired journalled envelope replaced", lambda: test_expired_envelope_replaced(ctx)),
            ("donation count is exact", lambda: check(stats(url)["donation_count"] == ctx.donations,
                                                      f"{stats(url)['donation_count']} != {ctx.donations}")),
        ]
        passed, failed = run_steps(steps)
    except Failure as e:
        failed += 1
        print(f"FAIL setup: {e}")
    finally:
        ws.close()
    for name, value in figures.items():
        print(f"figure {name}: {value:.0f} (first import, including the wait for commits; "
              f"this machine's load: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
