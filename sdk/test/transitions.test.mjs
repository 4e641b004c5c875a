// Following validator-set changes (src/verify/transitions.ts): a chain whose set changes twice
// (4 -> 5 -> 4) is built here with real Ed25519 keys, and every way a node could lie about the
// changes — a minority-signed change, a forged next set, a change left out, reordered or
// relabelled, another chain's — must fail with its own problem code.
import test from 'node:test';
import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { load } from './load.mjs';
import { newValidator, setOf as setOfChain } from './validators.mjs';

const chain = await load('verify/chain.js');
const { setAtHeight, setForHeader, TransitionError } = await load('verify/transitions.js');
const { toHex } = await load('verify/bytes.js');

const CHAIN = 'transitions-test';

const setOf = (vs) => setOfChain(CHAIN, vs);

async function header(height, signing, next) {
  return {
    chain_id: CHAIN, height, time_ms: 1_700_000_000_000 + height, prev_block_hash: '00'.repeat(32),
    txs_root: '11'.repeat(32), log_size: height, log_root: '22'.repeat(32), state_root: '33'.repeat(32),
    validators_hash: toHex((await setOf(signing)).hash), next_validators_hash: toHex((await setOf(next)).hash), proposer_index: 0,
  };
}

async function certified(h, signers, signing) {
  const hash = await chain.blockHash(h);
  const message = chain.voteSignBytes(CHAIN, chain.PRECOMMIT, h.height, 0, hash);
  const signatures = signers.map((v) => ({ validator_index: signing.indexOf(v), signature: toHex(new Uint8Array(sign(null, message, v.privateKey))) }));
  return { header: h, block_hash: toHex(hash), commit: { height: h.height, round: 0, block_hash: toHex(hash), signatures } };
}

const listOf = (vs) => vs.map((v) => ({ public_key: toHex(v.publicKey), voting_power: v.power, org_id: v.org }));

async function transition(e, signing, signers, next) {
  const c = await certified(await header(e - 1, signing, next), signers, signing);
  return { effective_height: e, ...c, next_validators: listOf(next) };
}

// genesis: 4 validators; from 10 a new bank joins (5); from 20 the first leaves (4).
const g = [newValidator('bureau'), newValidator('federation'), newValidator('bank-a'), newValidator('bank-b')];
const joined = [...g, newValidator('bank-c')];
const left = joined.slice(1);
const genesis = await setOf(g);
const t10 = await transition(10, g, g.slice(0, 3), joined);
const t20 = await transition(20, joined, joined.slice(1), left);
const at25 = await certified(await header(25, left, left), left.slice(0, 3), left);

async function problem(run) {
  try {
    await run();
  } catch (e) {
    assert.ok(e instanceof TransitionError, `expected a TransitionError, got ${e}`);
    return e.problem;
  }
  assert.fail('expected the changes to be refused');
}

test('a header after two changes verifies against the set reached from genesis', async () => {
  const set = await setForHeader(genesis, at25.header, [t10, t20]);
  assert.equal(set.validators.length, 4);
  assert.equal(toHex(set.hash), at25.header.validators_hash);
  const r = await chain.verifyCommit(at25.header, await chain.blockHash(at25.header), at25.commit, set);
  assert.ok(r.ok);
  // before the first change the genesis set signs; between the changes, the five.
  assert.equal(toHex((await setAtHeight(genesis, [t10, t20], 9)).hash), toHex(genesis.hash));
  assert.equal((await setAtHeight(genesis, [t10, t20], 10)).validators.length, 5);
  assert.equal((await setAtHeight(genesis, [t10, t20], 19)).validators.length, 5);
});

test('a change signed by no more than 2/3 of the set before it is refused', async () => {
  const weak = await transition(10, g, g.slice(0, 2), joined);
  assert.equal(await problem(() => setAtHeight(genesis, [weak], 10)), 'commit');
});

test('a next set that is not the one the header names is refused', async () => {
  const forged = { ...t10, next_validators: listOf([...g, newValidator('bank-evil')]) };
  assert.equal(await problem(() => setAtHeight(genesis, [forged], 10)), 'next_set');
});

test('a change left out is caught by the header', async () => {
  assert.equal(await problem(() => setForHeader(genesis, at25.header, [t10])), 'missing');
  assert.equal(await problem(() => setForHeader(genesis, at25.header, [])), 'missing');
  // without the first, the second is signed by a set the chain had not reached
  assert.equal(await problem(() => setForHeader(genesis, at25.header, [t20])), 'validators');
});

test('changes out of order, relabelled or from another chain are refused', async () => {
  assert.equal(await problem(() => setAtHeight(genesis, [t20, t10], 30)), 'validators'); // t20 is not signed by genesis
  assert.equal(await problem(() => setAtHeight(genesis, [t10, t20, t10], 30)), 'order');
  assert.equal(await problem(() => setAtHeight(genesis, [t10, t10], 30)), 'order');
  assert.equal(await problem(() => setAtHeight(genesis, [{ ...t10, effective_height: 11 }], 30)), 'header');
  const other = { ...t10, header: { ...t10.header, chain_id: 'another' } };
  assert.equal(await problem(() => setAtHeight(genesis, [other], 30)), 'header'); // its hash no longer matches
  assert.equal(await problem(() => setAtHeight(genesis, [{ ...t10, next_validators: [] }], 30)), 'malformed');
  assert.equal(await problem(() => setAtHeight(genesis, [{ ...t10, next_validators: [{ ...listOf(joined)[0], voting_power: 0 }] }], 30)), 'malformed');
  await assert.rejects(() => setAtHeight(genesis, [{ ...t10, effective_height: 2 ** 60 }], 30)); // not a safe integer
  await assert.rejects(() => setAtHeight(genesis, [null], 30));
});

test('checked changes are cached by block hash and reused', async () => {
  const cache = new Map();
  await setAtHeight(genesis, [t10, t20], 25, cache);
  assert.equal(cache.size, 2);
  // a cached entry is keyed by the set it started from and the block hash, so a forged list
  // reusing the hash of a checked change still has to match its header.
  const set = await setForHeader(genesis, at25.header, [t10, t20], cache);
  assert.equal(toHex(set.hash), at25.header.validators_hash);
});
