// Receipt codes the browser derives itself (hop and refund txs): the CLI printed this pair.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from './load.mjs';

it('encodes a tx id as its receipt code and back', async () => {
  const m = await load('verify/base32.js');
  const id = Buffer.from('ebffa6426fcc3f48a27285ca2c3c73f92d1b5107cf1ff5e661ea8bd8c3a2033a', 'hex');
  const code = '5p72mqtpzq7uritsqxfcypdt7ewrwuihz4p7lztb5kf5rq5cam5a';
  assert.equal(m.base32Encode(new Uint8Array(id)), code);
  assert.deepEqual(Buffer.from(m.base32Decode(code)), id);
});
