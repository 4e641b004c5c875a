// Browser verification on a four-validator devnet (equal power): a receipt is proven only by
// precommits of more than 2/3 of the genesis voting power from distinct genesis validators. The
// node's JSON is rewritten in flight (page.route) to remove, duplicate or forge signatures and to
// swap a validator in the published genesis; each must turn the badge red at the right step,
// and three honest signatures of four must still verify. The regulator page shows the log's
// origin signature (the validators' FROST key, 3 of 4) verified against the genesis origin_key,
// and a forged line, another listed key or another genesis key as failures. A verified line also
// needs its key proven by certified state (GET /v1/genesis/origin_key): a genesis document with a
// key of the node's own making, whose origin lines it signed itself, is refused.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Network, artifacts } from './harness.mjs';

const net = new Network({ validators: 4, donations: 60 });
const T = { timeout: 240000 };
const receiptJson = (url) => /^\/v1\/receipts\/[A-Za-z2-7]+$/.test(url.pathname);

async function shot(page, name) {
  await mkdir(path.join(artifacts, 'quorum'), { recursive: true });
  await page.screenshot({ path: path.join(artifacts, 'quorum', `${name}.png`), fullPage: true });
}

// A new page on which each route `match` serves the node's JSON with `rewrite` applied.
async function pageWith(routes) {
  const page = await net.page();
  page.on('pageerror', () => {});
  for (const [match, rewrite] of routes) {
    await page.route(match, async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      rewrite(body);
      await route.fulfill({ response, json: body });
    });
  }
  return page;
}

// Opens the first demo receipt with `rewrite` applied to the JSON of the routes it matches.
async function open(label, routes) {
  const page = await pageWith(routes);
  await page.goto(`${net.url}/r/${net.codes[0]}`);
  const badge = page.locator('.badge[data-state="verified"], .badge[data-state="failed"]');
  await badge.first().waitFor({ timeout: 90000 });
  await shot(page, label);
  return { page, state: await badge.first().getAttribute('data-state'), text: await badge.first().innerText() };
}

// Opens the regulator page with `rewrite` applied to the JSON of the routes it matches and waits
// for the origin signature's verdict.
async function openRegulator(label, routes) {
  const page = await pageWith(routes);
  await page.goto(`${net.url}/regulator`);
  const origin = page.locator('.origin-signature');
  await origin.waitFor({ timeout: 90000 });
  await page.locator('.cosigned:not([data-state="pending"])').waitFor({ timeout: 60000 });
  await shot(page, label);
  return { page, status: await origin.getAttribute('data-status'), text: await origin.innerText() };
}

// The node serves a note carrying the origin line once the FROST round after a checkpoint's
// cosignatures has completed: wait for it (bounded) instead of assuming it already has.
async function originSignedCheckpoint() {
  for (let i = 0; i < 120; i++) {
    const cp = await (await fetch(`${net.url}/v1/checkpoint`)).json();
    if (cp.note_checkpoint?.origin_signed) return cp;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the node never served a note carrying the origin signature');
}

const checkpointJson = (url) => url.pathname === '/v1/checkpoint';
const genesisJson = (url) => url.pathname === '/v1/genesis';

const keep = (n) => (r) => (r.proof.commit.signatures = r.proof.commit.signatures.slice(0, n));

describe('a four-validator devnet', () => {
  before(async () => {
    await net.start();
  }, { timeout: 900000 });

  after(async () => {
    await net.stop(true);
  });

  it('verifies an honest receipt, naming each signer on its own line', T, async () => {
    const receipt = await (await fetch(`${net.url}/v1/receipts/${net.codes[0]}`)).json();
    const signed = receipt.proof.commit.signatures.length;
    assert.ok(signed >= 3 && signed <= 4, `the commit carries ${signed} of 4 precommits`);
    const { page, state, text } = await open('honest', []);
    assert.equal(state, 'verified', text);
    assert.match(text, new RegExp(`由 ${signed}/4 个验证节点签署`));
    assert.equal(await page.locator('.badge .signer-list li').count(), signed);
    await page.context().close();
  });

  it('still verifies with three signatures of four (3 × 3 > 2 × 4)', T, async () => {
    const { page, state, text } = await open('three-of-four', [[receiptJson, keep(3)]]);
    assert.equal(state, 'verified', text);
    assert.match(text, /由 3\/4 个验证节点签署/);
    await page.context().close();
  });

  it('fails at the commit step with two signatures of four (below the 2/3 quorum)', T, async () => {
    const { page, state, text } = await open('two-of-four', [[receiptJson, keep(2)]]);
    assert.equal(state, 'failed', text);
    assert.equal(await page.locator('.checks li[data-step="commit"].check-bad').count(), 1, text);
    await page.context().close();
  });

  it('fails when one validator signature is repeated to reach the quorum', T, async () => {
    const duplicate = (r) => {
      const s = r.proof.commit.signatures;
      r.proof.commit.signatures = [s[0], s[1], { ...s[1] }];
    };
    const { page, state, text } = await open('duplicated-signer', [[receiptJson, duplicate]]);
    assert.equal(state, 'failed', text);
    assert.equal(await page.locator('.checks li[data-step="commit"].check-bad').count(), 1, text);
    await page.context().close();
  });

  it('fails when a signature is moved to another validator index', T, async () => {
    const moved = (r) => {
      const s = r.proof.commit.signatures.slice(0, 3);
      const used = new Set(s.map((x) => x.validator_index));
      const free = [0, 1, 2, 3].find((i) => !used.has(i)) ?? (s[0].validator_index + 1) % 4;
      s[2] = { ...s[2], validator_index: free };
      r.proof.commit.signatures = s;
    };
    const { page, state, text } = await open('moved-signature', [[receiptJson, moved]]);
    assert.equal(state, 'failed', text);
    assert.equal(await page.locator('.checks li[data-step="commit"].check-bad').count(), 1, text);
    await page.context().close();
  });

  it('fails the flow proof when its commit falls below the quorum', T, async () => {
    const flowBelow = (r) => (r.flow_proof.commit.signatures = r.flow_proof.commit.signatures.slice(0, 2));
    const { page, state, text } = await open('flow-two-of-four', [[receiptJson, flowBelow]]);
    assert.equal(state, 'failed', text);
    assert.equal(await page.locator('.badge[data-check="flow_header"]').count(), 1, text);
    await page.context().close();
  });

  it('refuses a published validator set that was tampered with', T, async () => {
    // Validator 3's key swapped for validator 0's: the set no longer hashes to the genesis block's.
    const swap = (body) => {
      const g = body.genesis ?? body;
      g.validators[3].public_key = g.validators[0].public_key;
    };
    const { page, state, text } = await open('tampered-validator-set', [[(url) => url.pathname === '/v1/genesis', swap]]);
    assert.equal(state, 'failed', text);
    assert.match(text, /节点提供的验证节点列表与创世区块不符/);
    assert.equal(await page.locator('.badge[data-state="verified"]').count(), 0);
    await page.context().close();
  });

  it('refuses a re-weighted validator set (one validator given the power of all)', T, async () => {
    const reweight = (body) => {
      const g = body.genesis ?? body;
      g.validators[0].voting_power = 100;
    };
    const { page, state, text } = await open('reweighted-validator-set', [[(url) => url.pathname === '/v1/genesis', reweight]]);
    assert.equal(state, 'failed', text);
    assert.match(text, /节点提供的验证节点列表与创世区块不符/);
    await page.context().close();
  });

  it('shows the origin signature verified against the genesis origin key', T, async () => {
    const cp = await originSignedCheckpoint();
    const genesis = await (await fetch(`${net.url}/v1/genesis`)).json();
    const g = genesis.genesis ?? genesis;
    assert.equal(g.origin_key.min_signers, 3);
    const { page, status, text } = await openRegulator('origin-verified', []);
    assert.equal(status, 'verified', text);
    assert.match(text, /来源签名有效：由创世来源密钥签署/);
    assert.ok(text.includes(cp.origin_vkey), `shows the vkey ${cp.origin_vkey}: ${text}`);
    assert.equal(await page.locator('.origin-signature[data-state="verified"]').count(), 1);
    // The cosigned note still verifies, its origin line listed as the origin signature.
    assert.equal(await page.locator('.cosigned[data-state="verified"]').count(), 1);
    assert.equal(await page.locator('.note-lines li[data-status="origin"].check-ok').count(), 1);
    // The key is the one the certified state holds (the genesis row r/origin_key).
    assert.match(text, /来源公钥由该高度的认证状态证明/);
    const proof = await (await fetch(`${net.url}/v1/genesis/origin_key`)).json();
    assert.deepEqual(proof.records, [{ key: Buffer.from('r/origin_key').toString('hex'), value: g.origin_key.verifying_key }]);
    await page.locator('.origin-signature').screenshot({ path: path.join(artifacts, 'quorum', 'origin-verified-block.png') });
    await page.context().close();
  });

  it('refuses a forged origin line, another listed key and another genesis origin key', T, async () => {
    const cp = await originSignedCheckpoint();
    const flipOrigin = (body) => {
      const lines = body.note.split('\n');
      const i = lines.findIndex((l) => l.startsWith(`\u2014 ${cp.origin} `));
      const at = lines[i].length - 20; // inside the Ed25519 signature, clear of the base64 padding
      lines[i] = lines[i].slice(0, at) + (lines[i][at] === 'A' ? 'B' : 'A') + lines[i].slice(at + 1);
      body.note = lines.join('\n');
    };
    const forged = await openRegulator('origin-forged', [[checkpointJson, flipOrigin]]);
    assert.equal(forged.status, 'bad_signature', forged.text);
    assert.match(forged.text, /来源签名无效/);
    assert.equal(await forged.page.locator('.cosigned[data-state="failed"]').count(), 1, 'the whole note is refused');
    assert.equal(await forged.page.locator('.origin-signature [role="alert"]').count(), 1);
    await forged.page.locator('.origin-signature').screenshot({ path: path.join(artifacts, 'quorum', 'origin-forged-block.png') });
    await forged.page.context().close();

    // The node lists another well-formed key under the origin name: compared with genesis, refused.
    const otherKey = (body) => {
      const key = Buffer.concat([Buffer.of(1), Buffer.alloc(32, 9)]);
      const id = createHash('sha256').update(Buffer.concat([Buffer.from(`${cp.origin}\n`), key])).digest().subarray(0, 4);
      body.origin_vkey = `${cp.origin}+${id.toString('hex')}+${key.toString('base64')}`;
    };
    const listed = await openRegulator('origin-other-listed-key', [[checkpointJson, otherKey]]);
    assert.equal(listed.status, 'key_differs', listed.text);
    assert.match(listed.text, /节点所列的来源公钥与创世文件不符/);
    assert.equal(await listed.page.locator('.origin-signature[data-state="verified"]').count(), 0);
    await listed.page.context().close();

    // The genesis document's origin key swapped for validator 0's key: the line is not its.
    const swapGenesisKey = (body) => {
      const g = body.genesis ?? body;
      g.origin_key.verifying_key = g.validators[0].public_key;
    };
    const swapped = await openRegulator('origin-other-genesis-key', [[genesisJson, swapGenesisKey]]);
    assert.equal(swapped.status, 'key_differs', swapped.text);
    assert.equal(await swapped.page.locator('.origin-signature[data-state="verified"]').count(), 0);
    await swapped.page.context().close();
  });

  it('refuses a genesis origin key of the node\'s own making even when its lines verify', T, async () => {
    const cp = await originSignedCheckpoint();
    // The dishonest node: another group key in its genesis document, listed as origin_vkey, and
    // the note's origin line re-signed with it. Every check of the line itself passes.
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
    const blob = Buffer.concat([Buffer.of(1), raw]);
    const keyId = createHash('sha256').update(Buffer.concat([Buffer.from(`${cp.origin}\n`), blob])).digest().subarray(0, 4);
    const resign = (body) => {
      const split = body.note.lastIndexOf('\n\n');
      const text = body.note.slice(0, split + 1);
      const line = `\u2014 ${cp.origin} ${Buffer.concat([keyId, sign(null, Buffer.from(text), privateKey)]).toString('base64')}`;
      body.note = body.note.split('\n').map((l) => (l.startsWith(`\u2014 ${cp.origin} `) ? line : l)).join('\n');
      body.origin_vkey = `${cp.origin}+${keyId.toString('hex')}+${blob.toString('base64')}`;
    };
    const swapKey = (body) => {
      (body.genesis ?? body).origin_key.verifying_key = raw.toString('hex');
    };
    const forged = await openRegulator('origin-unproven-key', [[checkpointJson, resign], [genesisJson, swapKey]]);
    assert.equal(forged.status, 'key_unproven', forged.text);
    assert.match(forged.text, /链上状态未能证明该公钥属于本链/);
    assert.match(forged.text, /not the genesis document's/);
    assert.equal(await forged.page.locator('.origin-signature[data-state="verified"]').count(), 0);
    assert.equal(await forged.page.locator('.origin-signature [role="alert"]').count(), 1);
    await forged.page.locator('.origin-signature').screenshot({ path: path.join(artifacts, 'quorum', 'origin-unproven-block.png') });
    await forged.page.context().close();

    // The honest note and genesis, but the key's proof tampered with: its state proof fails.
    const tamperProof = (body) => {
      body.records[0].value = raw.toString('hex');
    };
    const originKeyJson = (url) => url.pathname === '/v1/genesis/origin_key';
    const tampered = await openRegulator('origin-tampered-key-proof', [[originKeyJson, tamperProof]]);
    assert.equal(tampered.status, 'key_unproven', tampered.text);
    assert.match(tampered.text, /state_proof/);
    assert.equal(await tampered.page.locator('.origin-signature[data-state="verified"]').count(), 0);
    await tampered.page.context().close();
  });
});
