// verifyOriginKey (src/verify/origin.ts) on small certified states built independently
// (ledgerref.mjs): the genesis origin key row proven present, tampered, proven absent, or not
// covered, against anchors with and without the key.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from './load.mjs';
import { H } from './smtref.mjs';
import { chain, hex } from './ledgerref.mjs';

let origin;
before(async () => {
  origin = await load('verify/origin.js');
});

const ROW = Buffer.from('r/origin_key');
const KEY = H('the validators group key');
const OTHER = H('a key the node made up');

// A certified state with the row (or not) beside another state row, and an anchor that has
// `anchorKey` as its genesis origin key.
function setup({ rowKey = KEY, anchorKey = KEY } = {}) {
  const state = [[Buffer.from('s/stats'), Buffer.from([8, 1])]];
  if (rowKey) state.push([ROW, rowKey]);
  const c = chain({ txs: [], state });
  const anchor = { ...c.anchor, followed: new Map(), names: () => undefined, originKey: anchorKey ? new Uint8Array(anchorKey) : null };
  return { proof: c.proof([ROW], []), anchor, c };
}

const check = (s, proof = s.proof) => origin.verifyOriginKey(proof, s.anchor);

describe('verifyOriginKey', () => {
  it('accepts the row proven equal to the genesis key', async () => {
    const s = setup();
    const v = await check(s);
    assert.equal(v.ok, true);
    assert.equal(hex(v.key), hex(KEY));
    assert.equal(v.height, 9);
  });

  it('accepts a proven-absent row when the genesis has no key', async () => {
    const v = await check(setup({ rowKey: null, anchorKey: null }));
    assert.deepEqual([v.ok, v.key], [true, null]);
  });

  it('refuses a genesis document whose key differs from the proven row', async () => {
    const v = await check(setup({ anchorKey: OTHER }));
    assert.deepEqual([v.ok, v.problem], [false, 'mismatch']);
    assert.match(v.message, new RegExp(hex(KEY)));
  });

  it('refuses a tampered row value (the state proof no longer holds)', async () => {
    const s = setup();
    const proof = { ...s.proof, records: [{ key: hex(ROW), value: hex(OTHER) }] };
    const v = await check({ ...s, anchor: { ...s.anchor, originKey: new Uint8Array(OTHER) } }, proof);
    assert.deepEqual([v.ok, v.problem], [false, 'envelope']);
    assert.match(v.message, /^state_proof: /);
  });

  it('refuses a tampered state proof', async () => {
    const s = setup();
    const bytes = Buffer.from(s.proof.state_proof, 'hex');
    bytes[bytes.length - 1] ^= 1;
    const v = await check(s, { ...s.proof, state_proof: hex(bytes) });
    assert.deepEqual([v.ok, v.problem], [false, 'envelope']);
  });

  it('refuses a header the genesis validators did not certify', async () => {
    const s = setup();
    const other = setup();
    const v = await check(s, { ...s.proof, commit: other.proof.commit });
    assert.deepEqual([v.ok, v.problem], [false, 'envelope']);
    assert.match(v.message, /^flow_header: /);
  });

  it('refuses a row proven absent while the genesis document has a key', async () => {
    const v = await check(setup({ rowKey: null }));
    assert.deepEqual([v.ok, v.problem], [false, 'absent']);
  });

  it('refuses a row proven present while the genesis document has none', async () => {
    const v = await check(setup({ anchorKey: null }));
    assert.deepEqual([v.ok, v.problem], [false, 'unexpected']);
  });

  it('refuses a proof that does not cover the row, and input that is no proof', async () => {
    const s = setup();
    const uncovered = s.c.proof([Buffer.from('s/stats')], []);
    assert.deepEqual([(await check(s, uncovered)).problem], ['missing_record']);
    assert.equal((await check(s, null)).problem, 'envelope');
    assert.equal((await check(s, { ...s.proof, version: 2 })).problem, 'envelope');
  });
});
