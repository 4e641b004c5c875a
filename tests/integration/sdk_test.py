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
        proc = subprocess.run([node, os.path.join(HERE, "sdk_client.mjs"), url, net, SDK_ENTRY],
                              capture_output=True, text=True, timeout=500)
        print(proc.stdout)
        check(proc.returncode == 0, f"sdk_client.mjs exited {proc.returncode}\n{proc.stderr}")
        print("1 passed, 0 failed")
        return 0
    except Failure as e:
        print(f"FAIL sdk client: {e}")
        return 1
    finally:
        ws.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
