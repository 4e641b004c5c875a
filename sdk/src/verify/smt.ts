// State-map multi-proofs (docs/data-format.md "State map"): a sparse Merkle tree over
// SHA-256(key) with compressed single-leaf subtrees, pruned to the paths of the proven keys and
// serialized in pre-order. This file parses the bytes, recomputes the root, and answers each
// (key, claimed value) from the parsed tree alone.
//
// Hashing is synchronous (@noble/hashes): a proof holds hundreds of nodes, and one WebCrypto
// promise per 65-byte node would cost more in scheduling than in hashing.
import { sha256 } from '@noble/hashes/sha2';
import { equal, toHex } from './bytes.js';

export const MAX_LEVELS = 256; // internal levels: one per path bit
export const MAX_NODES = 65536;

const TAG_EMPTY = 0x00;
const TAG_OPAQUE = 0x01;
const TAG_LEAF = 0x02;
const TAG_INTERNAL = 0x03;
const EMPTY_HASH = new Uint8Array(32);

export type SmtNode =
  | { tag: 'empty' }
  | { tag: 'opaque'; hash: Uint8Array }
  | { tag: 'leaf'; k: Uint8Array; v: Uint8Array }
  | { tag: 'internal'; left: SmtNode; right: SmtNode };

export class ProofError extends Error {}

// Bit i of a 256-bit path: 0 goes left, 1 goes right.
export const pathBit = (k: Uint8Array, i: number): number => (k[i >> 3] >> (7 - (i & 7))) & 1;

export const keyPath = (key: Uint8Array): Uint8Array => sha256(key);

class Parser {
  private at = 0;
  private nodes = 0;
  constructor(private readonly data: Uint8Array) {}

  private take(n: number): Uint8Array {
    if (this.at + n > this.data.length) throw new ProofError('the state proof is truncated');
    const out = this.data.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  // `prefix` holds the path bits leading here (depth = prefix.length), to check leaves against.
  node(prefix: number[]): SmtNode {
    if (++this.nodes > MAX_NODES) throw new ProofError(`the state proof has more than ${MAX_NODES} nodes`);
    const tag = this.take(1)[0];
    switch (tag) {
      case TAG_EMPTY:
        return { tag: 'empty' };
      case TAG_OPAQUE:
        return { tag: 'opaque', hash: this.take(32) };
      case TAG_LEAF: {
        const k = this.take(32);
        const v = this.take(32);
        for (let i = 0; i < prefix.length; i++) {
          if (pathBit(k, i) !== prefix[i]) throw new ProofError(`a leaf (${toHex(k).slice(0, 16)}…) sits off its path at bit ${i}`);
        }
        return { tag: 'leaf', k, v };
      }
      case TAG_INTERNAL: {
        if (prefix.length >= MAX_LEVELS) throw new ProofError(`the state proof is deeper than ${MAX_LEVELS} levels`);
        const left = this.node([...prefix, 0]);
        const right = this.node([...prefix, 1]);
        return { tag: 'internal', left, right };
      }
      default:
        throw new ProofError(`unknown node tag 0x${tag.toString(16).padStart(2, '0')}`);
    }
  }

  done(): void {
    if (this.at !== this.data.length) throw new ProofError(`the state proof has ${this.data.length - this.at} trailing bytes`);
  }
}

export function parseProof(bytes: Uint8Array): SmtNode {
  const p = new Parser(bytes);
  const root = p.node([]);
  p.done();
  return root;
}

export function nodeHash(n: SmtNode): Uint8Array {
  switch (n.tag) {
    case 'empty':
      return EMPTY_HASH;
    case 'opaque':
      return n.hash;
    case 'leaf':
      return sha256(concat3(TAG_LEAF, n.k, n.v));
    case 'internal':
      return sha256(concat3(TAG_INTERNAL, nodeHash(n.left), nodeHash(n.right)));
  }
}

function concat3(tag: number, a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(65);
  out[0] = tag;
  out.set(a, 1);
  out.set(b, 33);
  return out;
}

// What the tree says about one key: present with value hash `v`, absent, or not covered.
export type Lookup = { state: 'present'; v: Uint8Array } | { state: 'absent' } | { state: 'not_covered' };

export function lookup(root: SmtNode, key: Uint8Array): Lookup {
  const k = keyPath(key);
  let n = root;
  for (let depth = 0; ; depth++) {
    switch (n.tag) {
      case 'empty':
        return { state: 'absent' };
      case 'opaque':
        return { state: 'not_covered' };
      case 'leaf':
        return equal(n.k, k) ? { state: 'present', v: n.v } : { state: 'absent' };
      case 'internal':
        n = pathBit(k, depth) === 0 ? n.left : n.right; // depth < 256: the parser bounds it
    }
  }
}

export interface Claim {
  key: Uint8Array;
  value: Uint8Array | null; // null claims the key is absent
}

// Checks the proof against `stateRoot` and every claim against the proof. Throws ProofError
// naming the first claim that does not hold; returns nothing, because a claim either holds
// exactly as stated or the whole proof is refused.
export function verifyMultiProof(proof: Uint8Array, stateRoot: Uint8Array, claims: Claim[]): void {
  const root = parseProof(proof);
  if (!equal(nodeHash(root), stateRoot)) throw new ProofError('the state proof does not hash to the header\'s state_root');
  for (const c of claims) checkClaim(root, c);
}

function checkClaim(root: SmtNode, c: Claim): void {
  const found = lookup(root, c.key);
  const name = printableKey(c.key);
  if (found.state === 'not_covered') throw new ProofError(`the state proof does not cover ${name}`);
  if (found.state === 'absent') {
    if (c.value !== null) throw new ProofError(`${name} is absent, but a value was given`);
    return;
  }
  if (c.value === null) throw new ProofError(`${name} is present, but was claimed absent`);
  if (!equal(sha256(c.value), found.v)) throw new ProofError(`the value given for ${name} is not the proven one`);
}

// Keys are ASCII prefixes and names, then binary tails (a NUL and a u64 end, a 32-byte id):
// shown as text up to the first non-printable byte, then hex.
export function printableKey(key: Uint8Array): string {
  let i = 0;
  while (i < key.length && key[i] >= 0x20 && key[i] < 0x7f) i++;
  const text = new TextDecoder().decode(key.subarray(0, i));
  if (i === key.length) return text;
  if (key[i] === 0) return `${text}␀${toHex(key.subarray(i + 1))}`;
  return text + toHex(key.subarray(i));
}
