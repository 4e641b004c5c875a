"""The TypeScript client SDK (sdk/) from Node.js against a real devnet node: sdk_client.mjs builds,
signs, submits, co-signs through the inbox, waits for commits and verifies receipts with the SDK
alone (each institution with only its own key). Needs sdk/dist (scripts/build.sh builds it)."""
import os
import shutil
import subprocess
import sys

from harness import Failure, Workspace, check, free_port_block

HERE = os.path.dirname(os.path.abspath(__file__))
SDK_ENTRY = os.path.join(HERE, "..", "..", "sdk", "dist", "index.js")


def cli_interop(ws, node, url, net, work):
    """The signing-request file is one format: the CLI completes and submits a request the SDK made
    and signed, and the SDK completes and submits one the CLI made and signed."""
    bank_key = os.path.join(net, "keys", "bank-1.key")
    trustee_key = os.path.join(work, "trustee.key")
    sdk_made = os.path.join(work, "sdk-request.json")
    done = os.path.join(work, "sdk-request-signed.json")
    signed = ws.run("shanliu", "sign", sdk_made, "--key", bank_key, "--out", done)
    check("complete" in signed.stdout, "the CLI completes the SDK's request:\n" + signed.stdout)
    sent = ws.run("shanliu", "submit", done, "--node", url, "--wait")
    check("committed at height" in sent.stdout, sent.stdout)
    cli_made = os.path.join(work, "cli-request.json")
    ws.run("shanliu", "tx", "trust_disbursement", "--unsigned", "--node", url, "--out", cli_made, "--key", trustee_key,
           "--trust", "sdk-elder-trust", "--to", "org:federation", "--amount-fen", "4000", "--purpose", "by the CLI")
    cosign = lambda key: subprocess.run([node, os.path.join(HERE, "sdk_cosign_file.mjs"), url, cli_made, key, SDK_ENTRY],
                                        capture_output=True, text=True, timeout=200)
    stranger = cosign(os.path.join(net, "keys", "federation.key"))
    check(stranger.returncode == 1 and "signer_not_required" in stranger.stderr, stranger.stdout + stranger.stderr)
    proc = cosign(bank_key)
    check(proc.returncode == 0 and "committed" in proc.stdout, proc.stdout + proc.stderr)
    again = cosign(bank_key)
    check(again.returncode == 1 and "duplicate_signature" in again.stderr, again.stdout + again.stderr)


def run_example(node, url, net, journal):
    """sdk/examples/donate-and-verify.mjs as README.md tells a charity to run it, twice: the second
    run builds the same tx (nonce from the bank reference) and ends on the same receipt."""
    example = os.path.join(HERE, "..", "..", "sdk", "examples", "donate-and-verify.mjs")
    args = [node, example, url, os.path.join(net, "keys", "bank-1.key"), "1234.56", "donor-0042"]
    codes = []
    for _ in range(2):
        proc = subprocess.run(args, capture_output=True, text=True, timeout=200,
                              env=dict(os.environ, SHANLIU_JOURNAL=journal))
        print(proc.stdout)
        check(proc.returncode == 0, f"the example exited {proc.returncode}\n{proc.stderr}")
        check("verified: 123456 fen to org:federation" in proc.stdout, "the example verified the receipt")
        codes.append([line for line in proc.stdout.splitlines() if "receipt code" in line][0].split()[-1])
    check(codes[0] == codes[1], f"a rerun is the same tx: {codes}")
    bad = subprocess.run([node, example, url, os.path.join(net, "keys", "bank-1.key"), "1.005", "d"],
                         capture_output=True, text=True, timeout=60)
    check(bad.returncode == 2, "three decimals of yuan are refused")


def main(bin_dir):
    node = shutil.which("node") or shutil.which("nodejs")
    ws = Workspace(bin_dir)
    try:
        check(node is not None, "node (Debian package nodejs) is not installed")
        check(os.path.exists(SDK_ENTRY), f"{SDK_ENTRY} is missing: run scripts/build.sh")
        base = free_port_block()
        net = os.path.join(ws.dir, "net")
        ws.run("shanliu", "devnet", "--dir", net, "--validators", "1", "--base-port", str(base))
        url = f"http://127.0.0.1:{base}"
        ws.start_node(os.path.join(net, "node0", "config.json"), url)
        work = os.path.join(ws.dir, "work")
        os.makedirs(work)
        proc = subprocess.run([node, os.path.join(HERE, "sdk_client.mjs"), url, net, SDK_ENTRY, work],
                              capture_output=True, text=True, timeout=500)
        print(proc.stdout)
        check(proc.returncode == 0, f"sdk_client.mjs exited {proc.returncode}\n{proc.stderr}")
        print("ok   sdk client")
        cli_interop(ws, node, url, net, work)
        print("ok   CLI and SDK sign each other's request files")
        run_example(node, url, net, os.path.join(ws.dir, "journal"))
        print("ok   the README example, twice")
        print("3 passed, 0 failed")
        return 0
    except Failure as e:
        print(f"FAIL sdk client: {e}")
        return 1
    finally:
        ws.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
