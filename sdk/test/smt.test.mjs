// The state-map verifier (src/verify/smt.ts) against an independent reference (smtref.mjs):
// valid proofs of present and absent keys verify; every kind of damage is refused.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from './load.mjs';
import { H, entries, prove, root } from './smtref.mjs';

let smt;
const enc = (s) => Buffer.from(s, 'utf8');
const pairs = Array.from({ length: 300 }, (_, i) => [enc(`o/org-${i}`), enc(`value ${i}`)]);
const items = entries(pairs);
const stateRoot = root(items);
const claim = (key, value) => ({ key: new Uint8Array(key), value: value === null ? null : new Uint8Array(value) });
const u8 = (b) => new Uint8Array(b);

function refused(proof, rootHash, claims, pattern) {
  assert.throws(() => smt.verifyMultiProof(u8(proof), u8(rootHash), claims), (e) => e instanceof smt.ProofError && pattern.test(e.message));
}

describe('state map multi-proofs', () => {
  before(async () => {
    smt = await load('verify/smt.js');
  });

  it('hashes leaves and nodes as the reference does', () => {
    const k = H('a');
    const v = H('b');
    assert.deepEqual(Buffer.from(smt.nodeHash({ tag: 'leaf', k: u8(k), v: u8(v) })), H([2], k, v));
    const leaf = { tag: 'leaf', k: u8(k), v: u8(v) };
    assert.deepEqual(Buffer.from(smt.nodeHash({ tag: 'internal', left: leaf, right: { tag: 'empty' } })), H([3], H([2], k, v), Buffer.alloc(32)));
    assert.equal(smt.pathBit(u8([0b10000000]), 0), 1);
    assert.equal(smt.pathBit(u8([0b00000001]), 7), 1);
    assert.equal(smt.pathBit(u8([0, 0b01000000]), 9), 1);
  });

  it('proves present keys, absent keys and both at once', () => {
    const present = [pairs[0], pairs[17], pairs[299]];
    const absent = [enc('o/nobody'), enc('g/'), enc('a/org:x')];
    const proof = prove(items, [...present.map((p) => p[0]), ...absent]);
    const claims = [...present.map(([k, v]) => claim(k, v)), ...absent.map((k) => claim(k, null))];
    smt.verifyMultiProof(u8(proof), u8(stateRoot), claims);
    // One key of 300: about log2(300) levels of 33 bytes.
    const single = prove(items, [pairs[5][0]]);
    assert.ok(single.length < 20 * 33 + 65, `one key's proof is ${single.length} bytes`);
  });

  it('handles the empty map and a one-leaf map', () => {
    smt.verifyMultiProof(u8([0]), u8(Buffer.alloc(32)), [claim(enc('x'), null)]);
    const one = entries([[enc('k'), enc('v')]]);
    smt.verifyMultiProof(u8(prove(one, [enc('k')])), u8(root(one)), [claim(enc('k'), enc('v'))]);
    smt.verifyMultiProof(u8(prove(one, [enc('other')])), u8(root(one)), [claim(enc('other'), null)]);
  });

  it('refuses a wrong value, a false absence and a false presence', () => {
    const [k, v] = pairs[3];
    const proof = prove(items, [k, enc('missing')]);
    refused(proof, stateRoot, [claim(k, enc('value 4'))], /not the proven one/);
    refused(proof, stateRoot, [claim(k, null)], /claimed absent/);
    refused(proof, stateRoot, [claim(enc('missing'), v)], /is absent/);
  });

  it('refuses a key the proof does not cover', () => {
    const proof = prove(items, [pairs[3][0]]);
    refused(proof, stateRoot, [claim(pairs[4][0], pairs[4][1])], /does not cover/);
  });

  it('refuses a tampered sibling, a wrong root, trailing and missing bytes, unknown tags', () => {
    const proof = prove(items, [pairs[3][0]]);
    const at = proof.indexOf(1) + 1; // inside the first opaque sibling's hash
    const tampered = Buffer.from(proof);
    tampered[at] ^= 1;
    const ok = [claim(...pairs[3])];
    refused(tampered, stateRoot, ok, /state_root/);
    refused(proof, H('another root'), ok, /state_root/);
    refused(Buffer.concat([proof, Buffer.from([0])]), stateRoot, ok, /trailing/);
    refused(proof.subarray(0, proof.length - 1), stateRoot, ok, /truncated/);
    refused(Buffer.from([7]), stateRoot, ok, /unknown node tag/);
  });

  it('refuses a leaf off its path', () => {
    // Swap the two children of the root: the hashes change too, but the leaf check comes first.
    const two = entries([[enc('left'), enc('1')], [enc('right'), enc('2')]]);
    const [a, b] = two;
    const first = smt.pathBit(u8(a.k), 0) === 0 ? a : b;
    const second = first === a ? b : a;
    if (smt.pathBit(u8(second.k), 0) === 1) {
      const swapped = Buffer.concat([Buffer.from([3, 2]), second.k, second.v, Buffer.from([2]), first.k, first.v]);
      refused(swapped, root(two), [claim(enc('left'), enc('1'))], /off its path/);
    }
    // Directly: a leaf whose first bit is 1 placed on the left of the root.
    const k = Buffer.alloc(32, 0xff);
    refused(Buffer.concat([Buffer.from([3, 2]), k, Buffer.alloc(32), Buffer.from([0])]), stateRoot, [], /off its path/);
  });

  it('bounds depth and node count', () => {
    const deep = Buffer.concat([Buffer.alloc(257, 3), Buffer.alloc(258, 0)]);
    refused(deep, stateRoot, [], /deeper than 256/);
    // 256 internal levels are allowed (then only the root check fails).
    const max = Buffer.concat([Buffer.alloc(256, 3), Buffer.alloc(257, 0)]);
    refused(max, stateRoot, [], /state_root/);
    // A wide tree of 65 537 nodes: internal nodes with empty children, 16 levels deep.
    const parts = [];
    const wide = (d) => {
      if (d === 16) return parts.push(0);
      parts.push(3);
      wide(d + 1);
      wide(d + 1);
    };
    wide(0);
    parts.push(0);
    refused(Buffer.from(parts.slice(0, -1)), stateRoot, [], /more than 65536 nodes/);
  });
});
