"""Process harness for integration tests: temp dirs, free ports, nodes that always get cleaned up."""
import base64
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def free_port_block(width=40):
    """A base port such that base .. base+width are free right now.

    Chosen below the kernel's ephemeral range (net.ipv4.ip_local_port_range), so the many
    outgoing connections a test makes cannot take a node's port between runs of a node."""
    low, high = 20000, 32000
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            ephemeral_low = int(f.read().split()[0])
        high = min(high, ephemeral_low)
        low = min(low, high - 2000)
    except (OSError, ValueError, IndexError):
        pass
    rng = random.Random(os.getpid() ^ int(time.time() * 1000))
    for _ in range(200):
        base = rng.randrange(low, high - width)
        ok = True
        for p in range(base, base + width):
            with socket.socket() as t:
                try:
                    t.bind(("127.0.0.1", p))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise Failure("no free port block")


def http(method, url, body=None, content_type="application/json", timeout=30):
    """Returns (status, content_type, body bytes); never raises on HTTP error statuses."""
    data = body if isinstance(body, (bytes, type(None))) else body.encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def get_json(url, expect=200):
    status, ctype, body = http("GET", url)
    check(status == expect, f"GET {url}: expected {expect}, got {status}: {body[:300]!r}")
    check("application/json" in ctype, f"GET {url}: content type {ctype}")
    return json.loads(body)


def set_blocks_setting(config_path, name, value):
    """Changes one `blocks` setting of a node config the devnet wrote."""
    with open(config_path, encoding="utf-8") as f:
        config = json.load(f)
    config.setdefault("blocks", {})[name] = value
    with open(config_path, "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)


def run_steps(steps):
    """Runs (name, callable) steps in order, printing ok/FAIL for each; returns (passed, failed)."""
    passed, failed = 0, 0
    for name, step in steps:
        try:
            step()
            passed += 1
            print(f"ok   {name}")
        except Failure as e:
            failed += 1
            print(f"FAIL {name}: {e}")
    return passed, failed


class Workspace:
    def __init__(self, bin_dir):
        self.bin = bin_dir
        self.dir = tempfile.mkdtemp(prefix="shanliu-it-")
        self.nodes = []

    def run(self, *args, check_exit=True, timeout=300):
        proc = subprocess.run([os.path.join(self.bin, args[0]), *args[1:]], capture_output=True, text=True,
                              timeout=timeout)
        if check_exit and proc.returncode != 0:
            raise Failure(f"{' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
        return proc

    def start_node(self, config, url):
        log = open(config + ".log", "ab")
        proc = subprocess.Popen([os.path.join(self.bin, "shanliu-node"), "--config", config], stdout=log,
                                stderr=log)
        self.nodes.append(proc)
        deadline = time.time() + 30
        while time.time() < deadline:
            if proc.poll() is not None:
                raise Failure(f"node exited with {proc.returncode}; log {config}.log")
            try:
                if http("GET", url + "/healthz", timeout=2)[0] == 200:
                    return proc
            except OSError:
                pass
            time.sleep(0.1)
        raise Failure("node did not become healthy")

    def start_witness(self, name, key, state, port, *policy):
        """Starts `shanliu witness serve` on 127.0.0.1:port with the policy options given (--log
        FILE, --log-vkey O=VKEY) and waits until it serves GET /; returns (process, url)."""
        log = open(os.path.join(self.dir, "witness.log"), "ab")
        proc = subprocess.Popen([os.path.join(self.bin, "shanliu"), "witness", "serve", "--name", name, "--key", key,
                                 "--state", state, "--listen", f"127.0.0.1:{port}", *policy], stdout=log, stderr=log)
        self.nodes.append(proc)
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 30
        while time.time() < deadline:
            check(proc.poll() is None, f"the witness exited with {proc.returncode}; log {self.dir}/witness.log")
            try:
                if http("GET", url + "/", timeout=2)[0] == 200:
                    return proc, url
            except OSError:
                pass
            time.sleep(0.1)
        raise Failure("the witness did not start")

    def stop_node(self, proc, sig=signal.SIGTERM):
        proc.send_signal(sig)
        try:
            return proc.wait(timeout=30)
        finally:
            if proc in self.nodes:
                self.nodes.remove(proc)

    def close(self):
        for proc in self.nodes:
            proc.kill()
            proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def receipt_code(tx_id_hex):
    """The 52-character base32 receipt code of a tx id (hex)."""
    return base64.b32encode(bytes.fromhex(tx_id_hex)).decode().lower().rstrip("=")


def height(url):
    """The node's committed head height."""
    return get_json(url + "/v1/stats")["head"]["height"]


def wait_for(what, predicate, timeout=120, interval=0.2):
    """Polls `predicate` until it answers something true (returned); network errors and Failures
    count as "not yet". Raises Failure naming `what` and the last answer after `timeout` seconds."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except (OSError, Failure) as e:
            last = e
        time.sleep(interval)
    raise Failure(f"timed out waiting for {what} (last: {last!r})")


class DevnetNet:
    """The nodes `shanliu devnet --dir <ws>/net --base-port base` wrote: node i serves its API at
    base + 10 i and P2P at base + 10 i + 1. Tests subclass it for their own steps."""

    def __init__(self, ws, base):
        self.ws = ws
        self.base = base
        self.dir = os.path.join(ws.dir, "net")
        self.procs = {}

    def url(self, i):
        return f"http://127.0.0.1:{self.base + 10 * i}"

    def p2p(self, i):
        return f"127.0.0.1:{self.base + 10 * i + 1}"

    def config(self, i, name="config.json"):
        return os.path.join(self.dir, f"node{i}", name)

    def data(self, i):
        return os.path.join(self.dir, f"node{i}", "data")

    def launch(self, i, config=None, extra=()):
        """Starts node i without requiring it to come up; returns the process."""
        config = config or self.config(i)
        log = open(config + ".log", "ab")
        proc = subprocess.Popen([os.path.join(self.ws.bin, "shanliu-node"), "--config", config, *extra],
                                stdout=log, stderr=log)
        self.ws.nodes.append(proc)
        return proc

    def start(self, i, config=None, extra=(), timeout=60):
        """Starts node i and waits until it answers /healthz (a Failure if it exits first)."""
        config = config or self.config(i)
        proc = self.launch(i, config, extra)
        wait_for(f"node {i} to serve", lambda: proc.poll() is not None or
                 http("GET", self.url(i) + "/healthz", timeout=2)[0] == 200, timeout=timeout)
        check(proc.poll() is None, f"node {i} exited with {proc.returncode}; see {config}.log")
        self.procs[i] = proc

    def stop(self, i):
        """SIGTERM, and the node must exit cleanly."""
        code = self.ws.stop_node(self.procs.pop(i), signal.SIGTERM)
        check(code == 0, f"node {i} stopped cleanly (exit {code})")

    def kill(self, i, sig=signal.SIGKILL):
        self.ws.stop_node(self.procs.pop(i), sig)

    def log(self, i):
        with open(self.config(i) + ".log", errors="replace") as f:
            return f.read()

    def print_log_tails(self, count, lines=12):
        """The last lines of nodes 0..count-1's logs, for a failed run's output."""
        for i in range(count):
            log = self.config(i) + ".log"
            if os.path.exists(log):
                with open(log, errors="replace") as f:
                    tail = f.readlines()[-lines:]
                print(f"--- node{i} log tail ---\n" + "".join(tail))
