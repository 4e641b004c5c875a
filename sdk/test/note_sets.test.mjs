// Checkpoint notes after a validator-set change (src/verify/note.ts, docs/audit.md#checkpoints):
// the origin and names come from genesis, the lines count against the set of the checkpoint's
// block. A validator added later is named by its key, a genesis one keeps its genesis name, a
// removed validator's line is an unknown key, and a note judged by the wrong set fails.
import test from 'node:test';
import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { load } from './load.mjs';
import { newValidator, setOf as setOfChain } from './validators.mjs';

const chain = await load('verify/chain.js');
const note = await load('verify/note.js');
const { toHex } = await load('verify/bytes.js');

const CHAIN = 'note-sets-test';

const setOf = (vs) => setOfChain(CHAIN, vs);

// genesis: 4 validators; later the first leaves and bank-c's joins with power 4.
const g = [newValidator('bureau'), newValidator('federation'), newValidator('bank-a'), newValidator('bank-b')];
const added = newValidator('bank-c', 4);
const later = [...g.slice(1), added];
const genesis = await setOf(g);
const current = await setOf(later);
const body = `${note.checkpointOrigin(genesis)}\n42\n${Buffer.alloc(32, 7).toString('base64')}\n`;

async function line(v, set) {
  const member = set.validators.find((x) => toHex(x.publicKey) === toHex(v.publicKey));
  const name = note.cosignerName(CHAIN, member, genesis);
  const time = Buffer.alloc(8);
  time.writeBigUInt64BE(1_767_300_000n);
  const signature = sign(null, Buffer.concat([Buffer.from('cosignature/v1\ntime 1767300000\n'), Buffer.from(body)]), v.privateKey);
  const blob = Buffer.concat([Buffer.from(await note.cosignatureKeyId(name, v.publicKey)), time, signature]);
  return `\u2014 ${name} ${blob.toString('base64')}\n`;
}

test('names follow the key: genesis validators keep theirs, an added one is named by its key', () => {
  const [first] = current.validators; // federation: genesis index 1, index 0 in the later set
  assert.equal(note.cosignerName(CHAIN, first, genesis), `shanliu/${CHAIN}/v1-federation`);
  const last = current.validators[3];
  assert.equal(note.cosignerName(CHAIN, last, genesis), `shanliu/${CHAIN}/k${toHex(added.publicKey).slice(0, 16)}-bank-c`);
  assert.equal(note.cosignerName(CHAIN, genesis.validators[2]), `shanliu/${CHAIN}/v2-bank-a`); // no genesis given: a genesis validator
});

test("a note cosigned by the current set verifies against it, not against genesis, and a removed validator's line does not count", async () => {
  const text = body + '\n' + (await line(g[1], current)) + (await line(added, current)) + (await line(g[0], genesis));
  const r = await note.verifyCheckpointNote(text, genesis, current);
  assert.ok(r.ok, r.problem);
  assert.equal(r.signedPower, 5n); // federation 1 + bank-c 4 of 7
  assert.equal(r.totalPower, 7n);
  assert.deepEqual(r.lines.map((l) => l.status), ['verified', 'verified', 'unknown_name']);
  const wrong = await note.verifyCheckpointNote(text, genesis);
  assert.equal(wrong.ok, false);
  assert.equal(wrong.problem, 'quorum'); // bureau 1 + federation 1 of 4; bank-c unknown
});
