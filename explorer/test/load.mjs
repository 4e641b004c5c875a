// Loads explorer TypeScript modules into node for unit tests: esbuild (vite's own dependency)
// bundles one entry into a temporary ES module, which is then imported.
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');

export async function load(entry) {
  const dir = mkdtempSync(path.join(tmpdir(), 'shanliu-explorer-test-'));
  const out = path.join(dir, 'bundle.mjs');
  try {
    await build({ entryPoints: [path.join(src, entry)], bundle: true, format: 'esm', platform: 'neutral', outfile: out, logLevel: 'error', mainFields: ['module', 'main'] });
    return await import(pathToFileURL(out).href);
  } finally {
    setTimeout(() => rmSync(dir, { recursive: true, force: true }), 1000).unref();
  }
}
