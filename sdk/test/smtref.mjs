// An independent reference of the state map (docs/data-format.md "State map") with node:crypto:
// builds the canonical tree from (key, value) pairs and serializes multi-proofs, so the
// SDK's verifier (sdk/src/verify/smt.ts) is tested against bytes it did not produce.
import { createHash } from 'node:crypto';

export const H = (...parts) => createHash('sha256').update(Buffer.concat(parts.map((p) => Buffer.from(p)))).digest();
const bit = (k, i) => (k[i >> 3] >> (7 - (i & 7))) & 1;
const ZERO = Buffer.alloc(32);

export function entries(pairs) {
  return pairs.map(([key, value]) => ({ key: Buffer.from(key), value: Buffer.from(value), k: H(key), v: H(value) }));
}

export function root(items, depth = 0) {
  if (items.length === 0) return ZERO;
  if (items.length === 1) return H([2], items[0].k, items[0].v);
  const [l, r] = [items.filter((e) => bit(e.k, depth) === 0), items.filter((e) => bit(e.k, depth) === 1)];
  return H([3], root(l, depth + 1), root(r, depth + 1));
}

// Pre-order pruned tree: expanded only where a requested path passes.
export function prove(items, requestedKeys, depth = 0) {
  const paths = requestedKeys.map((key) => H(key));
  return Buffer.concat(serialize(items, paths, depth));
}

function serialize(items, paths, depth) {
  if (items.length === 0) return [Buffer.from([0])];
  if (paths.length === 0) return [Buffer.from([1]), root(items, depth)];
  if (items.length === 1) return [Buffer.from([2]), items[0].k, items[0].v];
  const side = (b) => [items.filter((e) => bit(e.k, depth) === b), paths.filter((p) => bit(p, depth) === b)];
  const [li, lp] = side(0);
  const [ri, rp] = side(1);
  return [Buffer.from([3]), ...serialize(li, lp, depth + 1), ...serialize(ri, rp, depth + 1)];
}
