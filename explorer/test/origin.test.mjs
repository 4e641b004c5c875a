// The log's origin signature checked in the browser (src/witness.ts checkOrigin): a plain Ed25519
// signed-note line (key type 0x01) under the origin name, against the genesis origin_key, with the
// node's listed origin_vkey only compared. First the shared vectors (tests/vectors/checkpoint.json,
// made by the C++ code with a real FROST group signature), then every state with keys made here.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { load } from './load.mjs';

const vectors = JSON.parse(readFileSync(new URL('../../tests/vectors/checkpoint.json', import.meta.url), 'utf8'));
const origin = 'shanliu/shanliu-devnet/0123456789abcdef';
const body = `${origin}\n42\n${Buffer.alloc(32, 7).toString('base64')}\n`;
const cosignature = `\u2014 shanliu/shanliu-devnet/v0-bureau ${Buffer.alloc(76, 1).toString('base64')}\n`;

function originKey(name = origin) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
  const keyId = createHash('sha256').update(Buffer.concat([Buffer.from(`${name}\n`), Buffer.of(1), raw])).digest().subarray(0, 4);
  const vkey = `${name}+${keyId.toString('hex')}+${Buffer.concat([Buffer.of(1), raw]).toString('base64')}`;
  const line = (text) => `\u2014 ${name} ${Buffer.concat([keyId, sign(null, Buffer.from(text), privateKey)]).toString('base64')}\n`;
  return { raw: new Uint8Array(raw), vkey, line };
}

// One base64 character of the line's signature changed (clear of the padding).
const flip = (line) => line.slice(0, -6) + (line.at(-6) === 'A' ? 'B' : 'A') + line.slice(-5);

it('agrees with the shared vectors: a FROST origin line verifies, a changed byte and another key do not', async () => {
  const { checkOrigin } = await load('witness.ts');
  const o = vectors.origin_signed;
  const key = new Uint8Array(Buffer.from(o.origin_key.verifying_key, 'hex'));
  const valid = await checkOrigin(o.valid.note, vectors.origin, key, o.vkey);
  assert.equal(valid.status, 'verified');
  assert.equal(valid.vkey, o.vkey, 'the genesis key formats to the vkey the node serves');
  for (const r of o.rejected) assert.equal((await checkOrigin(r.note, vectors.origin, key, o.vkey)).status, 'bad_signature', r.name);
  const other = await checkOrigin(o.other_key.note, vectors.origin, key, o.vkey);
  assert.deepEqual([other.status, other.reason], ['key_differs', 'line_key']);
  // Without the key in genesis the same note is not shown as verified.
  assert.equal((await checkOrigin(o.valid.note, vectors.origin, null, null)).status, 'absent');
});

it('names every state of the origin signature, never calling a failed or absent one verified', async () => {
  const { checkOrigin } = await load('witness.ts');
  const k = originKey();
  const note = `${body}\n${cosignature}${k.line(body)}`;
  const good = await checkOrigin(note, origin, k.raw, k.vkey);
  assert.deepEqual([good.status, good.vkey], ['verified', k.vkey]);
  assert.equal((await checkOrigin(note, origin, k.raw, undefined)).status, 'key_differs', 'the node lists no key although genesis has one');

  // A changed signature byte, a line cut short, a valid line followed by a bad one: refused.
  assert.equal((await checkOrigin(`${body}\n${flip(k.line(body))}`, origin, k.raw, k.vkey)).status, 'bad_signature');
  const short = `\u2014 ${origin} ${Buffer.from(k.line(body).split(' ').at(-1), 'base64').subarray(0, 40).toString('base64')}\n`;
  assert.equal((await checkOrigin(`${body}\n${short}`, origin, k.raw, k.vkey)).status, 'bad_signature');
  assert.equal((await checkOrigin(`${note}${flip(k.line(body))}`, origin, k.raw, k.vkey)).status, 'bad_signature');
  // The line signs another checkpoint text than the note's.
  const otherBody = body.replace('\n42\n', '\n43\n');
  assert.equal((await checkOrigin(`${body}\n${k.line(otherBody)}`, origin, k.raw, k.vkey)).status, 'bad_signature');

  // The line is made by another key under the origin name, or the node lists another key.
  const stranger = originKey();
  const byStranger = await checkOrigin(`${body}\n${stranger.line(body)}`, origin, k.raw, k.vkey);
  assert.deepEqual([byStranger.status, byStranger.reason], ['key_differs', 'line_key']);
  const listed = await checkOrigin(note, origin, k.raw, stranger.vkey);
  assert.deepEqual([listed.status, listed.reason], ['key_differs', 'node_vkey']);
  assert.equal((await checkOrigin(note, origin, k.raw, originKey('example.com/log').vkey)).status, 'key_differs');
  assert.equal((await checkOrigin(note, origin, k.raw, k.vkey.replace(/\+[0-9a-f]{8}\+/, '+00000000+'))).status, 'key_differs');
  assert.equal((await checkOrigin(note, origin, null, k.vkey)).status, 'key_differs', 'the node lists a key the genesis does not have');

  // Absent: no key in genesis, no origin line, no note, a note for another origin.
  const noKey = await checkOrigin(`${body}\n${cosignature}`, origin, null, null);
  assert.deepEqual([noKey.status, noKey.reason, noKey.vkey], ['absent', 'no_key', null]);
  const noLine = await checkOrigin(`${body}\n${cosignature}`, origin, k.raw, k.vkey);
  assert.deepEqual([noLine.status, noLine.reason], ['absent', 'no_line']);
  assert.equal((await checkOrigin(null, origin, k.raw, k.vkey)).status, 'absent');
  const foreign = 'example.com/log\n42\n' + Buffer.alloc(32, 7).toString('base64') + '\n';
  assert.equal((await checkOrigin(`${foreign}\n${k.line(foreign)}`, origin, k.raw, k.vkey)).status, 'absent');
});

// proveOriginKey: a line that verifies under the genesis document's key is 'verified' only when a
// certified state proof holds that key (the SDK's independent test ledger builds the proofs).
it('shows a verified origin line as verified only when certified state proves the genesis key', async () => {
  const { checkOrigin, proveOriginKey } = await load('witness.ts');
  const { chain } = await import('../../sdk/test/ledgerref.mjs');
  const k = originKey();
  const row = Buffer.from('r/origin_key');
  const c = chain({ txs: [], state: [[row, Buffer.from(k.raw)]] });
  const anchor = { ...c.anchor, followed: new Map(), names: () => undefined, originKey: k.raw };
  const line = await checkOrigin(`${body}\n${k.line(body)}`, origin, k.raw, k.vkey);
  const proven = await proveOriginKey(line, c.proof([row], []), anchor);
  assert.deepEqual([proven.status, proven.provenAt], ['verified', 9]);

  // The node's genesis document carries a key of its own making, signing lines with it: the line
  // verifies under that key, but the chain's state holds the real one.
  const fake = originKey();
  const fakeAnchor = { ...anchor, originKey: fake.raw };
  const fakeLine = await checkOrigin(`${body}\n${fake.line(body)}`, origin, fake.raw, fake.vkey);
  assert.equal(fakeLine.status, 'verified');
  const refused = await proveOriginKey(fakeLine, c.proof([row], []), fakeAnchor);
  assert.equal(refused.status, 'key_unproven');
  assert.match(refused.problem, /not the genesis document's/);

  // No proof served, or one whose value was changed: unproven, never verified.
  assert.equal((await proveOriginKey(line, null, anchor)).status, 'key_unproven');
  const tampered = { ...c.proof([row], []), records: [{ key: row.toString('hex'), value: Buffer.from(fake.raw).toString('hex') }] };
  assert.equal((await proveOriginKey(line, tampered, anchor)).status, 'key_unproven');
  // Other states are not touched by the key's proof.
  const bad = await checkOrigin(`${body}\n${flip(k.line(body))}`, origin, k.raw, k.vkey);
  assert.equal((await proveOriginKey(bad, c.proof([row], []), anchor)).status, 'bad_signature');
});
