#!/usr/bin/env node
// Receipt page on a phone over a slow link (issue 16 targets: amount ≤ 1.2 s, badge ≤ 1.5 s,
// flow diagram ≤ 2 s on a 4×-throttled CPU at 1.6 Mbps).
//
//   node bench/explorer_phone_bench.mjs                     # own devnet with the demo
//   node bench/explorer_phone_bench.mjs --runs 5 --throttle 4 --kbps 1600 --rtt 150
//   node bench/explorer_phone_bench.mjs --node URL CODE     # a receipt of a running node
//   node bench/explorer_phone_bench.mjs --waterfall         # also print each request of the median run
//
// Each run loads /r/<code> cold (browser cache disabled) in Debian's chromium with CDP network
// throttling (download --kbps, upload half of it, --rtt ms) and CPU throttling (--throttle),
// and reads when the amount, the verified badge and the flow diagram first appear, counted from
// the navigation's start (in the page: the first animation frame after each appeared). Printed
// beside them, measured in the same run: the bytes the page fetched (as sent, i.e. compressed) and
// the network floor — the time those bytes need at the emulated rate plus one round trip per
// request wave the page cannot avoid — so a machine's figures can be read against what its link
// alone would allow. --waterfall prints, for the run whose badge time is the
// median, every request in start order: when it was sent, when its first byte and its last byte
// arrived (ms from the navigation's start), its compressed size, its priority and what started it —
// and the marks of the amount, badge and diagram on the same time line.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const opts = { runs: 5, throttle: 4, kbps: 1600, rtt: 150, node: null, code: null, waterfall: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') opts.runs = Number(argv[++i]);
    else if (a === '--throttle') opts.throttle = Number(argv[++i]);
    else if (a === '--kbps') opts.kbps = Number(argv[++i]);
    else if (a === '--rtt') opts.rtt = Number(argv[++i]);
    else if (a === '--node') opts.node = argv[++i];
    else if (a === '--waterfall') opts.waterfall = true;
    else if (a === '--help') {
      console.log('usage: explorer_phone_bench.mjs [--runs N] [--throttle RATE] [--kbps K] [--rtt MS] [--node URL CODE] [--waterfall]');
      process.exit(0);
    } else opts.code = a;
  }
  return opts;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const SELECTORS = { amount: '.amount', badge: '.badge[data-state="verified"]', flow: '.sankey[data-ready="true"]' };

// Runs in the page before its own scripts: notes, for each selector, the frame in which it first
// matched (the animation frame after the DOM change, i.e. just before that frame is painted), in
// ms from the navigation's start. Read in the page, so the figures do not include the time the
// test driver takes to notice (a round trip through the throttled page per poll).
function installMarks(selectors) {
  const marks = {};
  window.__benchMarks = marks;
  const pending = new Set();
  const check = () => {
    for (const [key, selector] of Object.entries(selectors)) {
      if (key in marks || pending.has(key) || !document.querySelector(selector)) continue;
      pending.add(key);
      requestAnimationFrame(() => {
        marks[key] = performance.now();
      });
    }
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true });
}

// Milliseconds from the navigation's start until `key`'s selector was first in a painted frame.
async function firstSeen(page, key) {
  await page.locator(SELECTORS[key]).first().waitFor({ timeout: 120000 });
  await page.waitForFunction((k) => window.__benchMarks && k in window.__benchMarks, key, { timeout: 120000 });
  return page.evaluate((k) => window.__benchMarks[k], key);
}

// One request's life from CDP's Network events; times are CDP monotonic seconds.
function recorder(cdp) {
  const requests = new Map(); // requestId -> row
  const handlers = {
    'Network.requestWillBeSent': (e) => {
      if (requests.has(e.requestId)) return; // a redirect keeps the first row
      const initiator = e.initiator?.type === 'script' ? 'script' : e.initiator?.type ?? '';
      requests.set(e.requestId, { url: e.request.url, sent: e.timestamp, priority: e.request.initialPriority, type: e.type ?? '', initiator, first: null, end: null, bytes: 0 });
    },
    'Network.responseReceived': (e) => {
      const r = requests.get(e.requestId);
      if (r) r.first = e.timestamp;
    },
    'Network.loadingFinished': (e) => {
      const r = requests.get(e.requestId);
      if (!r) return;
      r.end = e.timestamp;
      r.bytes = e.encodedDataLength;
    },
  };
  for (const [ev, fn] of Object.entries(handlers)) cdp.on(ev, fn);
  return {
    requests,
    stop: () => {
      for (const [ev, fn] of Object.entries(handlers)) cdp.off(ev, fn);
    },
  };
}

async function oneRun(page, cdp, url, code) {
  await page.goto('about:blank');
  const rec = recorder(cdp);
  await page.goto(`${url}/r/${code}`, { waitUntil: 'commit' });
  const amount = await firstSeen(page, 'amount');
  const badge = await firstSeen(page, 'badge');
  const flow = await firstSeen(page, 'flow');
  // Requests still open (the live event streams) count once they have sent their headers.
  rec.stop();
  const finished = [...rec.requests.values()].filter((r) => r.end !== null);
  const bytes = finished.reduce((a, r) => a + r.bytes, 0);
  return { amount, badge, flow, bytes, requests: finished.length, log: [...rec.requests.values()] };
}

// The requests of one run against the page's own marks, as a text time line.
function printWaterfall(run, origin) {
  const doc = run.log.find((r) => r.type === 'Document') ?? run.log[0];
  const t0 = doc.sent;
  const ms = (t) => (t === null ? '   open' : ((t - t0) * 1000).toFixed(0).padStart(7));
  const scale = 40 / Math.max(run.flow, 1); // columns per ms for the bar
  console.log(`\nwaterfall of the median run (ms from the navigation's start; amount ${run.amount.toFixed(0)}, badge ${run.badge.toFixed(0)}, flow ${run.flow.toFixed(0)})`);
  console.log(`${'sent'.padStart(7)}${'first'.padStart(7)}${'last'.padStart(7)}${'bytes'.padStart(8)}  ${'priority'.padEnd(9)}${'by'.padEnd(8)}${'timeline'.padEnd(42)}request`);
  for (const r of [...run.log].sort((a, b) => a.sent - b.sent)) {
    const from = Math.max(0, Math.round((r.sent - t0) * 1000 * scale));
    const to = r.end === null ? 41 : Math.max(from + 1, Math.round((r.end - t0) * 1000 * scale));
    const bar = `${' '.repeat(Math.min(from, 41))}${'='.repeat(Math.max(0, Math.min(to, 41) - Math.min(from, 41)))}`.padEnd(42);
    const name = r.url.startsWith(origin) ? r.url.slice(origin.length) : r.url;
    console.log(`${ms(r.sent)}${ms(r.first)}${ms(r.end)}${String(r.bytes).padStart(8)}  ${(r.priority ?? '').padEnd(9)}${r.initiator.padEnd(8)}${bar}${name.length > 60 ? `${name.slice(0, 57)}...` : name}`);
  }
  const marks = [['amount', run.amount], ['badge', run.badge], ['flow', run.flow]]
    .map(([k, v]) => `${k} ${v.toFixed(0)}`)
    .join(' · ');
  console.log(`marks: ${marks}`);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  process.env.SHANLIU_E2E_DONATIONS ??= '20';
  const { Network } = await import(path.join(repo, 'tests', 'e2e', 'harness.mjs'));
  const net = new Network();
  let url = opts.node;
  let code = opts.code;
  try {
    if (!url) {
      await net.start();
      url = net.url;
      code = net.codes[0];
    } else {
      const { chromium } = await import(path.join(repo, 'tests', 'e2e', 'node_modules', 'playwright-core', 'index.mjs'));
      net.browser = await chromium.launch({ executablePath: process.env.SHANLIU_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
    }
    const page = await net.page();
    await page.addInitScript(installMarks, SELECTORS);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const bytesPerSecond = (opts.kbps * 1000) / 8;
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: opts.rtt, downloadThroughput: bytesPerSecond, uploadThroughput: bytesPerSecond / 2 });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: opts.throttle });

    const runs = [];
    for (let i = 0; i < opts.runs; i++) runs.push(await oneRun(page, cdp, url, code));
    const bytes = median(runs.map((r) => r.bytes));
    // Two waves at least: the document, then everything its bootstrap and entry script request
    // together (entry, the page's chunks, the receipt and genesis API calls). Until the bootstrap
    // (index.html) the page needed five: document, entry, page chunks, receipt, then genesis.
    const floorMs = (bytes / bytesPerSecond) * 1000 + 2 * opts.rtt;
    console.log(`chromium, CPU throttle ${opts.throttle}×, ${opts.kbps} kbit/s down, ${opts.rtt} ms RTT, cold cache, receipt ${code.slice(0, 12)}, ${opts.runs} runs`);
    console.log('| figure | median ms | min ms | target ms |');
    console.log('|---|---|---|---|');
    for (const [key, label, target] of [['amount', 'amount shown', 1200], ['badge', 'badge verified', 1500], ['flow', 'flow diagram drawn', 2000]]) {
      const xs = runs.map((r) => r[key]);
      console.log(`| ${label} | ${median(xs).toFixed(0)} | ${Math.min(...xs).toFixed(0)} | ${target} |`);
    }
    console.log(`| each run (amount / badge / flow) | ${runs.map((r) => `${r.amount.toFixed(0)}/${r.badge.toFixed(0)}/${r.flow.toFixed(0)}`).join(' ')} | | |`);
    console.log(`| bytes fetched (compressed) | ${bytes.toLocaleString('en-US')} B in ${median(runs.map((r) => r.requests))} requests | | |`);
    console.log(`| network floor for those bytes (+ 2 round trips) | ${floorMs.toFixed(0)} | | |`);
    if (opts.waterfall) {
      const byBadge = [...runs].sort((a, b) => a.badge - b.badge);
      printWaterfall(byBadge[Math.floor((byBadge.length - 1) / 2)], new URL(url).origin);
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
