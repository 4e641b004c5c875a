#!/usr/bin/env node
// Receipt page on a phone over a slow link (issue 16 targets: amount ≤ 1.2 s, badge ≤ 1.5 s,
// flow diagram ≤ 2 s on a 4×-throttled CPU at 1.6 Mbps).
//
//   node bench/explorer_phone_bench.mjs                     # own devnet with the demo
//   node bench/explorer_phone_bench.mjs --runs 5 --throttle 4 --kbps 1600 --rtt 150
//   node bench/explorer_phone_bench.mjs --node URL CODE     # a receipt of a running node
//
// Each run loads /r/<code> cold (browser cache disabled) in Debian's chromium with CDP network
// throttling (download --kbps, upload half of it, --rtt ms) and CPU throttling (--throttle),
// and reads when the amount, the verified badge and the flow diagram first appear, counted from
// the navigation's start. Printed beside them, measured in the same run: the bytes the page
// fetched (as sent, i.e. compressed) and the network floor — the time those bytes need at the
// emulated rate plus one round trip per request wave — so a machine's figures can be read
// against what its link alone would allow.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const opts = { runs: 5, throttle: 4, kbps: 1600, rtt: 150, node: null, code: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') opts.runs = Number(argv[++i]);
    else if (a === '--throttle') opts.throttle = Number(argv[++i]);
    else if (a === '--kbps') opts.kbps = Number(argv[++i]);
    else if (a === '--rtt') opts.rtt = Number(argv[++i]);
    else if (a === '--node') opts.node = argv[++i];
    else if (a === '--help') {
      console.log('usage: explorer_phone_bench.mjs [--runs N] [--throttle RATE] [--kbps K] [--rtt MS] [--node URL CODE]');
      process.exit(0);
    } else opts.code = a;
  }
  return opts;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// Milliseconds from the navigation's start until `selector` is in the page.
async function firstSeen(page, selector) {
  await page.locator(selector).first().waitFor({ timeout: 120000 });
  return page.evaluate(() => performance.now());
}

async function oneRun(page, cdp, url, code) {
  let bytes = 0;
  let requests = 0;
  const onFinished = (e) => {
    bytes += e.encodedDataLength;
    requests += 1;
  };
  cdp.on('Network.loadingFinished', onFinished);
  await page.goto('about:blank');
  await page.goto(`${url}/r/${code}`, { waitUntil: 'commit' });
  const amount = await firstSeen(page, '.amount');
  const badge = await firstSeen(page, '.badge[data-state="verified"]');
  const flow = await firstSeen(page, '.sankey[data-ready="true"]');
  cdp.off('Network.loadingFinished', onFinished);
  return { amount, badge, flow, bytes, requests };
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
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const bytesPerSecond = (opts.kbps * 1000) / 8;
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: opts.rtt, downloadThroughput: bytesPerSecond, uploadThroughput: bytesPerSecond / 2 });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: opts.throttle });

    const runs = [];
    for (let i = 0; i < opts.runs; i++) runs.push(await oneRun(page, cdp, url, code));
    const bytes = median(runs.map((r) => r.bytes));
    // Document, then entry script, then the page's chunks, then the API: four waves at least.
    const floorMs = (bytes / bytesPerSecond) * 1000 + 4 * opts.rtt;
    console.log(`chromium, CPU throttle ${opts.throttle}×, ${opts.kbps} kbit/s down, ${opts.rtt} ms RTT, cold cache, receipt ${code.slice(0, 12)}, ${opts.runs} runs`);
    console.log('| figure | median ms | min ms | target ms |');
    console.log('|---|---|---|---|');
    for (const [key, label, target] of [['amount', 'amount shown', 1200], ['badge', 'badge verified', 1500], ['flow', 'flow diagram drawn', 2000]]) {
      const xs = runs.map((r) => r[key]);
      console.log(`| ${label} | ${median(xs).toFixed(0)} | ${Math.min(...xs).toFixed(0)} | ${target} |`);
    }
    console.log(`| bytes fetched (compressed) | ${bytes.toLocaleString('en-US')} B in ${median(runs.map((r) => r.requests))} requests | | |`);
    console.log(`| network floor for those bytes | ${floorMs.toFixed(0)} | | |`);
    await page.context().close();
  } finally {
    await net.stop(false);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
