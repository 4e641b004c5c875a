// After `vite build`: writes precompressed siblings (.gz, .br) of every text file in dist/ the
// node serves by content negotiation, and prints the bundle-size report — for each page, the
// JavaScript it loads before anything renders (its static import closure), raw, gzip and brotli.
// Fails the build if the receipt or wallet page would load the QR decoder (jsQR): they only
// draw QR codes, and the decoder is 130 KB a phone on a slow link should never fetch for them;
// or if what a receipt needs before its badge and diagram exceeds its budget (see the end).
import { readFileSync, readdirSync, statSync, writeFileSync, unlinkSync } from 'node:fs';
import { join, relative, extname } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dist = new URL('../dist/', import.meta.url).pathname;
const compressible = new Set(['.js', '.mjs', '.css', '.html', '.svg', '.json', '.txt', '.xml', '.webmanifest']);
const minBytes = 1024; // the same threshold as the node's on-the-fly compression

function walk(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('.')) continue; // .vite/manifest.json is never served
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else out.push(path);
  }
  return out;
}

const sizes = new Map(); // dist-relative path -> { raw, gz, br }
for (const path of walk(dist)) {
  if (path.endsWith('.gz') || path.endsWith('.br')) {
    unlinkSync(path); // stale from an earlier build; rewritten below if still wanted
    continue;
  }
  if (!compressible.has(extname(path))) continue;
  const raw = readFileSync(path);
  const gz = gzipSync(raw, { level: 9 });
  const br = brotliCompressSync(raw, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
  });
  if (raw.length >= minBytes) {
    if (gz.length < raw.length) writeFileSync(`${path}.gz`, gz);
    if (br.length < raw.length) writeFileSync(`${path}.br`, br);
  }
  sizes.set(relative(dist, path), { raw: raw.length, gz: gz.length, br: br.length });
}

const manifest = JSON.parse(readFileSync(join(dist, '.vite', 'manifest.json'), 'utf8'));
function closure(key, seen = new Set()) {
  if (seen.has(key)) return seen;
  seen.add(key);
  for (const dep of manifest[key].imports ?? []) closure(dep, seen);
  return seen;
}
const entry = Object.keys(manifest).find((k) => manifest[k].isEntry);
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`.padStart(10);
const rows = [];
const failures = [];
for (const key of [entry, ...Object.keys(manifest).filter((k) => k.startsWith('src/pages/')).sort()]) {
  const files = new Set();
  for (const k of new Set([...closure(entry), ...closure(key)])) files.add(manifest[k].file);
  const total = { raw: 0, gz: 0, br: 0 };
  for (const f of files) {
    const s = sizes.get(f);
    total.raw += s.raw; total.gz += s.gz; total.br += s.br;
  }
  const decoder = [...files].some((f) => /\/qrdecode-/.test(f));
  rows.push(`${key.padEnd(26)}${kb(total.raw)}${kb(total.gz)}${kb(total.br)}  ${decoder ? 'loads jsQR' : ''}`);
  if (decoder && /pages\/(receipt|wallet)\.ts$/.test(key)) failures.push(key);
}
console.log('\nBundle report: JavaScript each page loads before it renders (entry + static imports)');
console.log(`${'page'.padEnd(26)}${'raw'.padStart(10)}${'gzip'.padStart(10)}${'brotli'.padStart(10)}`);
for (const row of rows) console.log(row);
console.log('\nLargest files');
for (const [f, s] of [...sizes].sort((a, b) => b[1].raw - a[1].raw).slice(0, 8)) {
  console.log(`${f.padEnd(40)}${kb(s.raw)}${kb(s.gz)}${kb(s.br)}`);
}
if (failures.length > 0) {
  console.error(`\nThe QR decoder (jsQR) is in the static imports of ${failures.join(', ')}: keep it in the scan page only.`);
  process.exit(1);
}

// A receipt opened on a phone: what index.html and its bootstrap fetch before the verified badge
// and the flow diagram can show (document, styles, entry, the preloaded receipt and diagram
// chunks), against a budget. At 1.6 Mbit/s 1 KiB costs 5 ms, and the issue 16 target for the
// badge is 1.5 s with two round trips of 150 ms and a 4×-throttled CPU: 72 KiB is 0.37 s, a
// quarter of it, leaving the rest to the API answers, the round trips and verification. Over
// budget fails the build, like the decoder above.
const receiptBudgetBrotli = 72 * 1024;
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const preloaded = JSON.parse(html.match(/var chunks = (\[[^\]]*\]);/)?.[1] ?? 'null');
if (!Array.isArray(preloaded) || preloaded.length === 0) {
  console.error('\nindex.html has no receipt bootstrap chunk list (vite.config.ts receiptPreload)');
  process.exit(1);
}
// The document itself is index.html in dist/; the manifest's entry key is also 'index.html' but
// names the entry script.
const critical = new Set(['index.html', ...[...closure(entry)].map((k) => manifest[k].file)]);
for (const c of manifest[entry].css ?? []) critical.add(c);
for (const f of preloaded) critical.add(f.replace(/^\//, ''));
const receiptBytes = { raw: 0, gz: 0, br: 0 };
for (const f of critical) {
  const s = sizes.get(f);
  if (!s) {
    console.error(`\nthe receipt bootstrap names ${f}, which is not in dist/`);
    process.exit(1);
  }
  receiptBytes.raw += s.raw; receiptBytes.gz += s.gz; receiptBytes.br += s.br;
}
console.log(`\nReceipt page before its badge and diagram (${critical.size} files: document, styles, entry, preloaded chunks)`);
console.log(`${''.padEnd(26)}${kb(receiptBytes.raw)}${kb(receiptBytes.gz)}${kb(receiptBytes.br)}  budget ${(receiptBudgetBrotli / 1024).toFixed(0)} KiB brotli`);
if (receiptBytes.br > receiptBudgetBrotli) {
  console.error(`\nThe receipt page needs ${kb(receiptBytes.br).trim()} brotli before its badge, over the ${(receiptBudgetBrotli / 1024).toFixed(0)} KiB budget: a phone at 1.6 Mbit/s would miss issue 16's targets.`);
  process.exit(1);
}
