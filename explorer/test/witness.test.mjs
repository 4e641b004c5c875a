// Witness cosignatures checked in the browser (src/witness.ts): a real Ed25519 cosignature/v1 line
// made here with node:crypto verifies; every way of getting it wrong is named.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { load } from './load.mjs';

const origin = 'shanliu/shanliu-devnet/0123456789abcdef';
const checkpoint = `${origin}\n42\n${Buffer.alloc(32, 7).toString('base64')}\n`;
const name = 'news.example/witness';

function witness(keyName = name) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
  const keyId = createHash('sha256').update(Buffer.concat([Buffer.from(`${keyName}\n`), Buffer.of(4), raw])).digest().subarray(0, 4);
  const vkey = `${keyName}+${keyId.toString('hex')}+${Buffer.concat([Buffer.of(4), raw]).toString('base64')}`;
  const line = (body, timestamp = 1767225700n) => {
    const ts = Buffer.alloc(8);
    ts.writeBigUInt64BE(timestamp);
    const sig = sign(null, Buffer.from(`cosignature/v1\ntime ${timestamp}\n${body}`), privateKey);
    return `\u2014 ${keyName} ${Buffer.concat([keyId, ts, sig]).toString('base64')}\n`;
  };
  return { vkey, line };
}

it('verifies a witness line and refuses tampered lines, wrong keys, other logs and bad vkeys', async () => {
  const { checkWitness } = await load('witness.ts');
  const w = witness();
  const good = await checkWitness(origin, w.vkey, checkpoint, w.line(checkpoint));
  assert.equal(good.status, 'verified');
  assert.equal(good.size, 42n);
  assert.equal(good.timestamp, 1767225700);

  const other = witness();
  assert.equal((await checkWitness(origin, other.vkey, checkpoint, w.line(checkpoint))).status, 'bad_signature');
  const otherBody = checkpoint.replace('\n42\n', '\n43\n');
  assert.equal((await checkWitness(origin, w.vkey, otherBody, w.line(checkpoint))).status, 'bad_signature');
  assert.equal((await checkWitness(origin, w.vkey, checkpoint, w.line(checkpoint, 0n))).status, 'bad_signature');
  const line = w.line(checkpoint);
  const flipped = line.slice(0, -6) + (line.at(-6) === 'A' ? 'B' : 'A') + line.slice(-5);
  assert.equal((await checkWitness(origin, w.vkey, checkpoint, flipped)).status, 'bad_signature');
  assert.equal((await checkWitness(origin, w.vkey, checkpoint, line.trimEnd())).status, 'bad_signature');

  const foreign = `example.com/other-log\n42\n${Buffer.alloc(32, 7).toString('base64')}\n`;
  assert.equal((await checkWitness(origin, w.vkey, foreign, w.line(foreign))).status, 'other_log');

  const [n, id] = w.vkey.split('+');
  const key = w.vkey.slice(n.length + id.length + 2);
  for (const bad of ['', n, `${n}+${id}`, `${n}+00000000+${key}`, `${n}+${id.toUpperCase()}+${key}`, `x y+${id}+${key}`, `${n}+${id}+${key.slice(4)}`]) {
    if (bad === w.vkey) continue;
    assert.equal((await checkWitness(origin, bad, checkpoint, w.line(checkpoint))).status, 'bad_vkey', bad);
  }
  assert.equal((await checkWitness(origin, w.vkey, null, null)).status, 'none');
});
