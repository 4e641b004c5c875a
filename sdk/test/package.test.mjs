// The package as npm would publish it: compiled ESM and type declarations for every entry the
// exports map names, and nothing else (no sources, tests or stray build stamps).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

it('packs compiled JS and .d.ts for every module, and only those with the README', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const files = JSON.parse(out)[0].files.map((f) => f.path);
  for (const f of files) assert.match(f, /^(dist\/.*\.(js|d\.ts)|package\.json|README\.md)$/, f);
  for (const m of ['index', 'client/client', 'client/tx', 'client/request', 'verify/receipt', 'verify/flow']) {
    assert.ok(files.includes(`dist/${m}.js`) && files.includes(`dist/${m}.d.ts`), m);
  }
  assert.ok(files.includes('README.md'));
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  assert.equal(pkg.name, '@shanliu/sdk');
  assert.equal(pkg.type, 'module');
  assert.equal(pkg.sideEffects, false); // bundlers may drop what a page does not use
  for (const v of [...Object.values(pkg.dependencies), ...Object.values(pkg.devDependencies)]) assert.match(v, /^\d+\.\d+\.\d+$/, 'pinned');
  const explorer = JSON.parse(readFileSync(path.join(root, '../explorer/package.json'), 'utf8'));
  assert.equal(explorer.dependencies['@shanliu/sdk'], 'file:../sdk');
});

it('the example imports only what the package exports', async () => {
  const sdk = await import('../dist/index.js');
  const example = readFileSync(path.join(root, 'examples/donate-and-verify.mjs'), 'utf8');
  const names = example.match(/import \{([^}]+)\} from '@shanliu\/sdk'/)[1].split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) assert.ok(n in sdk, n);
});
