#!/usr/bin/env node
// In-browser verification time of flow proofs (DESIGN 5.1 targets: a typical trace of ≤ 10 hops
// verified in ≤ 100 ms on a desktop, ≤ 1 s on a 4×-throttled phone profile; proof ≤ 16 KB).
//
//   node bench/browser_verify_bench.mjs                       # own devnet, chains of 1, 10, 100 hops
//   node bench/browser_verify_bench.mjs --hops 1,10 --runs 10 --throttle 4
//   node bench/browser_verify_bench.mjs --node URL CODE...    # receipts of a running node
//
// Without --node it starts a one-validator devnet (build/bin, explorer/dist, as the browser
// tests do), then for each hop count donates ¥100 to a charity (attested by bank-1) and moves it
// N times between two charities with `shanliu tx transfer`. Each receipt page is loaded --runs
// times in Debian's chromium; the page's own performance measure "shanliu:flow-verify" (the
// whole of docs/flow-proof.md checks 1–8) is read back. Printed beside it: the proof's bytes and
// the page's SHA-256 rate (WebCrypto, sequential 64-byte digests, as the Merkle checks use it)
// measured in the same run, so figures from different machines can be compared. "Proof bytes"
// counts every hex field of flow_proof as the bytes it encodes (the JSON is about twice that).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const opts = { hops: [1, 10, 100], runs: 15, throttle: 1, node: null, dir: null, codes: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--hops') opts.hops = argv[++i].split(',').map(Number);
    else if (a === '--runs') opts.runs = Number(argv[++i]);
    else if (a === '--throttle') opts.throttle = Number(argv[++i]);
    else if (a === '--node') opts.node = argv[++i];
    else if (a === '--help') {
      console.log('usage: browser_verify_bench.mjs [--hops 1,10,100] [--runs N] [--throttle RATE] [--node URL CODE...]');
      process.exit(0);
    } else opts.codes.push(a);
  }
  return opts;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// ---------------------------------------------------------------- building the chains

class Chains {
  constructor(net) {
    this.net = net;
    this.cli = path.join(process.env.SHANLIU_BIN_DIR ?? path.join(repo, 'build', 'bin'), 'shanliu');
  }

  async tx(kind, key, args) {
    const { stdout } = await run(this.cli, ['tx', kind, '--key', path.join(this.net.dir, 'keys', `${key}.key`), '--node', this.net.url, '--wait', ...args]);
    if (!/status\s+committed/.test(stdout)) throw new Error(`shanliu tx ${kind} was not committed:\n${stdout}`);
    return stdout.match(/^code\s+([a-z2-7]{52})$/m)?.[1];
  }

  async balance(org) {
    const d = await (await fetch(`${this.net.url}/v1/orgs/${org}`)).json();
    return d.accounts.find((a) => a.account === `org:${org}`).flow.balance_fen;
  }

  // Two charities whose keys the devnet folder holds.
  async pair(index) {
    const r = await (await fetch(`${this.net.url}/v1/orgs?kind=charity&limit=100`)).json();
    const ids = r.orgs.map((o) => o.org_id).sort();
    if (ids.length < 2 * (index + 1)) throw new Error('not enough charities in the devnet');
    return [ids[2 * index], ids[2 * index + 1]];
  }

  // A gift of ¥100 to A, then `hops` transfers of the whole balance back and forth: FIFO carries
  // the gift through every one of them, so its trace is `hops` deep.
  async build(hops, index) {
    const [a, b] = await this.pair(index);
    const donorRef = 'ab'.repeat(32);
    const code = await this.tx('donation', 'bank-1', ['--to', `org:${a}`, '--amount-fen', '10000', '--json', JSON.stringify({ donor_ref: donorRef, channel: 'bank_transfer', attesting_bank: 'bank-1', donor_display_name: '基准测试' })]);
    for (let i = 0; i < hops; i++) {
      const [from, to] = i % 2 === 0 ? [a, b] : [b, a];
      const amount = await this.balance(from);
      await this.tx('transfer', from, ['--from', `org:${from}`, '--to', `org:${to}`, '--amount-fen', String(amount), '--purpose', `hop ${i + 1}`]);
    }
    return code;
  }
}

// ---------------------------------------------------------------- measuring in the page

async function sha256Rate(page) {
  return page.evaluate(async () => {
    const data = new Uint8Array(64);
    let n = 0;
    const end = performance.now() + 1000;
    while (performance.now() < end) {
      for (let i = 0; i < 100; i++) await crypto.subtle.digest('SHA-256', data);
      n += 100;
    }
    return n;
  });
}

// The proof's bytes as bytes (not hex): every hex string of the JSON, halved.
function binaryBytes(value) {
  if (typeof value === 'string') return /^(?:[0-9a-f]{2})+$/.test(value) ? value.length / 2 : 0;
  if (Array.isArray(value)) return value.reduce((a, v) => a + binaryBytes(v), 0);
  if (value && typeof value === 'object') return Object.values(value).reduce((a, v) => a + binaryBytes(v), 0);
  return 0;
}

async function measure(page, url, code, runs) {
  const receipt = await (await fetch(`${url}/v1/receipts/${code}`)).json();
  if (!receipt.flow_proof) throw new Error(`the node sent no flow_proof for ${code}`);
  const fp = receipt.flow_proof;
  const times = [];
  let hops = 0;
  for (let i = 0; i < runs; i++) {
    await page.goto(`${url}/r/${code}`);
    const badge = page.locator('.badge[data-state="verified"], .badge[data-state="failed"]');
    await badge.first().waitFor({ timeout: 120000 });
    if ((await badge.first().getAttribute('data-state')) !== 'verified') throw new Error(`${code} did not verify: ${await badge.first().innerText()}`);
    times.push(await page.evaluate(() => performance.getEntriesByName('shanliu:flow-verify').at(-1)?.duration ?? NaN));
    hops = Number((await page.locator('.badge-hops').innerText()).match(/\d+/)?.[0] ?? 0);
  }
  return {
    code: code.slice(0, 12),
    nodes: hops,
    stateProofBytes: fp.state_proof.length / 2,
    records: fp.records.length,
    txs: fp.txs.length,
    jsonBytes: JSON.stringify(fp).length,
    binary: binaryBytes(fp),
    medianMs: median(times),
    minMs: Math.min(...times),
  };
}

// ---------------------------------------------------------------- main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  process.env.SHANLIU_E2E_DONATIONS ??= '20';
  const { Network } = await import(path.join(repo, 'tests', 'e2e', 'harness.mjs'));
  const net = new Network();
  let url = opts.node;
  let codes = opts.codes.map((c) => ({ code: c, hops: '?' }));
  try {
    if (!url) {
      await net.start();
      url = net.url;
      const chains = new Chains(net);
      codes = [];
      for (const [i, hops] of opts.hops.entries()) {
        const t0 = Date.now();
        codes.push({ code: await chains.build(hops, i), hops });
        console.error(`built a chain of ${hops} hops in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      }
    } else {
      const { chromium } = await import(path.join(repo, 'tests', 'e2e', 'node_modules', 'playwright-core', 'index.mjs'));
      net.browser = await chromium.launch({ executablePath: process.env.SHANLIU_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
    }
    const page = await net.page({ viewport: { width: 1280, height: 900 }, isMobile: false, hasTouch: false, deviceScaleFactor: 1 });
    if (opts.throttle > 1) await (await page.context().newCDPSession(page)).send('Emulation.setCPUThrottlingRate', { rate: opts.throttle });
    await page.goto(`${url}/`);
    const rate = await sha256Rate(page);
    console.log(`chromium, CPU throttle ${opts.throttle}×; in-page SHA-256 (WebCrypto, 64 B, sequential): ${rate.toLocaleString('en-US')}/s`);
    console.log('| hops | receipt | trace nodes | records | txs | state proof B | proof bytes (binary) | flow_proof JSON B | verify median ms | min ms | verify time in digests |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const { code, hops } of codes) {
      const m = await measure(page, url, code, opts.runs);
      console.log(`| ${hops} | ${m.code} | ${m.nodes} | ${m.records} | ${m.txs} | ${m.stateProofBytes.toLocaleString('en-US')} | ${m.binary.toLocaleString('en-US')} | ${m.jsonBytes.toLocaleString('en-US')} | ${m.medianMs.toFixed(1)} | ${m.minMs.toFixed(1)} | ${Math.round((m.medianMs * rate) / 1000).toLocaleString('en-US')} |`);
    }
    await page.context().close();
  } finally {
    await net.stop(false);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
