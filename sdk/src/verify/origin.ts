// The genesis origin key proven by certified state (GET /v1/genesis/origin_key).
//
// The anchor (genesis.ts) reads `origin_key.verifying_key` from the genesis document, but the
// genesis block header covers only the validator set. Genesis writes the key into the state row
// `r/origin_key` (docs/data-format.md), which no transaction ever writes, so a state proof of
// that row against a certified header ties the key to the chain: a node serving another key in
// its genesis document cannot prove it.
import { equal, toHex } from './bytes.js';
import { FlowFailure, verifyEnvelope, type ProofEnvelopeJson } from './envelope.js';
import type { Anchor } from './genesis.js';

// The state key of the origin key row (ledger::kOriginKeyRow).
export const ORIGIN_KEY_ROW = new TextEncoder().encode('r/origin_key');

// Why the key is not proven:
// - envelope: the header, its certificate or the state proof does not hold (`message` says which);
// - missing_record: the proof does not cover the row at all;
// - absent: the row is proven absent while the anchor has a key (the genesis document added one);
// - unexpected: the row is proven present while the anchor has none (the document dropped it);
// - mismatch: the proven key differs from the anchor's (the document carries another key).
export type OriginKeyProblem = 'envelope' | 'missing_record' | 'absent' | 'unexpected' | 'mismatch';

export type OriginKeyVerification =
  | { ok: true; key: Uint8Array | null; height: number; blockHash: string }
  | { ok: false; problem: OriginKeyProblem; message: string };

const refuse = (problem: OriginKeyProblem, message: string): OriginKeyVerification => ({ ok: false, problem, message });

// Checks `envelope` (the flow proofs' envelope: certified header, state proof, records) against
// the anchor's genesis validator set, then that the proven row equals `anchor.originKey`. A
// proven-absent row agrees with an anchor without a key (key: null). Never throws on bad input.
export async function verifyOriginKey(envelope: ProofEnvelopeJson, anchor: Anchor): Promise<OriginKeyVerification> {
  let proven;
  try {
    if (!envelope || typeof envelope !== 'object') return refuse('envelope', 'the origin key proof is not an object');
    proven = await verifyEnvelope(envelope, anchor, 1);
  } catch (e) {
    const check = e instanceof FlowFailure ? `${e.check}: ` : '';
    return refuse('envelope', `${check}${(e as Error).message}`);
  }
  if (!proven.records.has(ORIGIN_KEY_ROW)) return refuse('missing_record', 'the proof does not cover the r/origin_key row');
  const row = proven.records.need(ORIGIN_KEY_ROW);
  const at = { height: proven.height, blockHash: proven.blockHash };
  if (anchor.originKey === null) {
    if (row === null) return { ok: true, key: null, ...at };
    return refuse('unexpected', `the chain's state holds origin key ${toHex(row)} but the genesis document has none`);
  }
  if (row === null) return refuse('absent', 'the chain\'s state holds no origin key but the genesis document has one');
  if (!equal(row, anchor.originKey)) {
    return refuse('mismatch', `the chain's state holds origin key ${toHex(row)}, not the genesis document's ${toHex(anchor.originKey)}`);
  }
  return { ok: true, key: row, ...at };
}
