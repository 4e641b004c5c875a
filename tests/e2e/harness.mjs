// A real Shanliu network for the browser tests: a devnet (one validator unless asked) in a temporary folder,
// shanliu-node serving the built explorer, the demo loaded through the API, and Debian's
// chromium driven by playwright-core. Everything started here is stopped in stop().
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm, mkdir, copyFile, access } from 'node:fs/promises';
import { createServer } from 'node:net';
import { openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '../..');
export const artifacts = path.join(here, 'artifacts');
const binDir = process.env.SHANLIU_BIN_DIR ?? path.join(repo, 'build', 'bin');
const explorerDist = process.env.SHANLIU_EXPLORER_DIST ?? path.join(repo, 'explorer', 'dist');
const chromiumPath = process.env.SHANLIU_CHROMIUM ?? '/usr/bin/chromium';
const donations = process.env.SHANLIU_E2E_DONATIONS ?? '300';

async function mustExist(file, hint) {
  try {
    await access(file);
  } catch {
    throw new Error(`${file} is missing: ${hint}`);
  }
}

// Free TCP ports for `nodes` devnet nodes: node i uses P+10i for the API and P+10i+1 for p2p.
async function freePortPair(nodes = 1) {
  const tryPort = (port) =>
    new Promise((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
  for (let i = 0; i < 200; i++) {
    // Below the kernel's ephemeral range (32768+), so outgoing connections cannot take it.
    const p = 20000 + Math.floor(Math.random() * 12000);
    let free = true;
    for (let i = 0; i < nodes && free; i++) free = (await tryPort(p + 10 * i)) && (await tryPort(p + 10 * i + 1));
    if (free) return p;
  }
  throw new Error('no free port pair found');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Network {
  dir = '';
  url = '';
  node = null;
  codes = [];
  browser = null;
  extraBrowsers = [];
  demoOutput = '';
  validators = 1;
  others = []; // validators 1..N-1: { process, exit }

  // `validators`: how many validators the devnet has (node 0 serves the API and the explorer).
  // `donations`: how many the demo makes (default SHANLIU_E2E_DONATIONS, else 300).
  constructor({ validators = 1, donations: count = donations } = {}) {
    this.validators = validators;
    this.donations = String(count);
  }

  async start() {
    await mustExist(path.join(binDir, 'shanliu'), 'build the C++ tree (scripts/build.sh)');
    await mustExist(path.join(binDir, 'shanliu-node'), 'build the C++ tree (scripts/build.sh)');
    await mustExist(path.join(explorerDist, 'index.html'), 'build the explorer (scripts/build.sh runs npm ci && npm run build in explorer/)');
    await mustExist(chromiumPath, 'install Debian\'s chromium (scripts/install-deps.sh)');
    await mkdir(artifacts, { recursive: true });

    this.dir = await mkdtemp(path.join(tmpdir(), 'shanliu-e2e-'));
    const port = await freePortPair(this.validators);
    this.url = `http://127.0.0.1:${port}`;
    await run(path.join(binDir, 'shanliu'), ['devnet', '--dir', this.dir, '--validators', String(this.validators), '--base-port', String(port), '--explorer-dir', explorerDist]);
    for (let i = 1; i < this.validators; i++) {
      const other = openSync(path.join(this.dir, `node${i}.log`), 'a');
      const process = spawn(path.join(binDir, 'shanliu-node'), ['--config', path.join(this.dir, `node${i}`, 'config.json')], { stdio: ['ignore', other, other] });
      closeSync(other);
      this.others.push({ process, exit: new Promise((resolve) => process.once('exit', resolve)) });
    }

    const log = openSync(path.join(this.dir, 'node.log'), 'a');
    this.node = spawn(path.join(binDir, 'shanliu-node'), ['--config', path.join(this.dir, 'node0', 'config.json')], {
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.nodeExit = new Promise((resolve) => this.node.once('exit', (code, signal) => resolve({ code, signal })));
    await this.waitHealthy();

    const demo = await run(path.join(binDir, 'shanliu'), ['demo', '--node', this.url, '--dir', this.dir, '--donations', this.donations], {
      maxBuffer: 64 * 1024 * 1024,
    });
    this.demoOutput = demo.stdout;
    // Receipt codes: 52 characters of lowercase RFC 4648 base32.
    this.codes = [...new Set(demo.stdout.match(/\b[a-z2-7]{52}\b/g) ?? [])];
    if (this.codes.length === 0) throw new Error(`shanliu demo printed no receipt codes:\n${demo.stdout}`);

    this.browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      // Root (CI containers) cannot use chromium's sandbox.
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    });
  }

  async waitHealthy() {
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline) {
      if (this.node.exitCode !== null) throw new Error(`shanliu-node exited (${this.node.exitCode}); see ${this.dir}/node.log`);
      try {
        const r = await fetch(`${this.url}/healthz`);
        if (r.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error('shanliu-node did not become healthy within 30 s');
  }

  // Another chromium with extra command-line switches (fake camera, host mapping).
  async extraBrowser(extraArgs) {
    const args = [...extraArgs];
    if (process.getuid?.() === 0) args.push('--no-sandbox');
    const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args });
    this.extraBrowsers.push(browser);
    return browser;
  }

  // A chromium whose camera shows `videoFile` (Y4M), for the scan page's camera path.
  cameraBrowser(videoFile) {
    return this.extraBrowser(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${videoFile}`]);
  }

  // A fresh browser context per test: phone-sized, zh-CN, nothing remembered.
  async page(options = {}, browser = this.browser) {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
      ...options,
    });
    const page = await context.newPage();
    page.errors = [];
    page.on('pageerror', (e) => page.errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      // API answers such as 404 for a search probe are expected; the browser still logs them.
      const expected = /^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()) && (m.location().url ?? '').includes('/v1/');
      if (!expected) page.errors.push(m.text());
    });
    return page;
  }

  async stop(keepLogs) {
    for (const b of [this.browser, ...this.extraBrowsers]) if (b) await b.close().catch(() => {});
    for (const o of this.others) {
      if (o.process.exitCode === null && o.process.signalCode === null) o.process.kill('SIGTERM');
      if (!(await Promise.race([o.exit.then(() => true), sleep(10000).then(() => false)]))) {
        o.process.kill('SIGKILL');
        await o.exit;
      }
    }
    if (this.node && this.node.exitCode === null && this.node.signalCode === null) {
      this.node.kill('SIGTERM');
      const done = await Promise.race([this.nodeExit, sleep(10000).then(() => null)]);
      if (!done) {
        this.node.kill('SIGKILL');
        await this.nodeExit;
      }
    }
    if (this.dir) {
      if (keepLogs) await copyFile(path.join(this.dir, 'node.log'), path.join(artifacts, 'node.log')).catch(() => {});
      await rm(this.dir, { recursive: true, force: true });
    }
  }
}
