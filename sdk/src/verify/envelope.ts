// The envelope every flow proof shares (docs/flow-proof.md): one certified v2 header, a state
// multi-proof of records against its state_root, and txs proven against its log_root. Checks
// 1–3 of the flow proof; the receipt walk (flow.ts) and the reverse walk (sources.ts) build on
// the proven records and txs this returns.
import type { CommitJson, HeaderJson, Validator } from './chain.js';
import { blockHash, verifyCommit } from './chain.js';
import { equal, fromHex, safeInteger, toHex } from './bytes.js';
import type { Anchor } from './genesis.js';
import { leafHash, verifyInclusion } from './merkle.js';
import { parseEnvelope, type Envelope } from './protobuf.js';
import { printableKey, verifyMultiProof, type Claim } from './smt.js';
import { decodeTxBody, txIdOf, type TxBody } from './txbody.js';
import { setForHeader, type TransitionJson } from './transitions.js';

export interface ProofEnvelopeJson {
  version: number;
  header: HeaderJson;
  block_hash: string;
  commit: CommitJson;
  state_proof: string;
  records: { key: string; value: string | null }[];
  txs: { leaf: number; tx: string; inclusion_path: string[] }[];
  max_nodes?: number;
  validator_transitions?: TransitionJson[]; // changes effective at or before the header's height
}

// GET /v1/spends/{id}/sources -> proof: one page [cursor, next) of the reverse walk.
export interface SourcesProofJson extends ProofEnvelopeJson {
  outflow_leaf: number;
  cursor: number;
  limit: number;
}

// Names of the checks, in the order they run; the first that fails is reported.
export type FlowCheck =
  | 'flow_header'
  | 'state_proof'
  | 'missing_record'
  | 'tx_inclusion'
  | 'gift'
  | 'walk' // check 5 as a whole; it fails as one of the next four
  | 'not_contiguous'
  | 'wrong_account'
  | 'sum_mismatch'
  | 'hop_tx'
  | 'names'
  | 'bank'
  | 'outflow'
  | 'sources'; // a reverse-walk page whose listed values differ from the proven ones

export class FlowFailure extends Error {
  constructor(
    public readonly check: FlowCheck,
    message: string,
  ) {
    super(message);
  }
}

export const fail = (check: FlowCheck, message: string): never => {
  throw new FlowFailure(check, message);
};

// The records the multi-proof proved, by key. A key not here was never proven either way.
export class RecordSet {
  private readonly byKey = new Map<string, Uint8Array | null>();

  constructor(claims: Claim[]) {
    for (const c of claims) this.byKey.set(toHex(c.key), c.value);
  }

  has(key: Uint8Array): boolean {
    return this.byKey.has(toHex(key));
  }

  // The proven value (null: proven absent); a key the proof lacks fails as missing_record.
  need(key: Uint8Array): Uint8Array | null {
    const hex = toHex(key);
    if (!this.byKey.has(hex)) fail('missing_record', `the proof lacks the record ${printableKey(key)}`);
    return this.byKey.get(hex)!;
  }

  // Present records whose key starts with `prefix` and has `tail` more bytes (-1: any number):
  // (tail, value).
  withPrefix(prefix: Uint8Array, tail: number): { tail: Uint8Array; value: Uint8Array }[] {
    const out: { tail: Uint8Array; value: Uint8Array }[] = [];
    const p = toHex(prefix);
    for (const [k, v] of this.byKey) {
      if (v === null || !k.startsWith(p) || (tail >= 0 && k.length !== p.length + 2 * tail)) continue;
      out.push({ tail: fromHex(k.slice(p.length)), value: v });
    }
    return out;
  }
}

export interface ProvenTx {
  leaf: bigint;
  id: string; // hex, recomputed from the body
  envelope: Envelope;
  body: TxBody;
}

export interface ProvenEnvelope {
  header: HeaderJson;
  height: number;
  blockHash: string;
  signers: Validator[];
  validatorCount: number; // of the set that signs this height
  records: RecordSet;
  txs: Map<bigint, ProvenTx>;
  proofBytes: number;
}

// Check 1: the header hashes to block_hash, names the validator set reached from genesis through
// the proof's validator-set changes, and is certified by more than 2/3 of that set's power, at or
// above `minHeight`.
async function checkHeader(p: ProofEnvelopeJson, anchor: Anchor, minHeight: number): Promise<{ hash: Uint8Array; signers: Validator[]; validatorCount: number }> {
  const hash = await blockHash(p.header);
  if (!equal(hash, fromHex(p.block_hash, 32))) fail('flow_header', 'the header does not hash to block_hash');
  if (p.header.chain_id !== anchor.set.chainId) fail('flow_header', `the header is for chain ${p.header.chain_id}`);
  const set = await setForHeader(anchor.set, p.header, p.validator_transitions, anchor.followed, anchor.names);
  const commit = await verifyCommit(p.header, hash, p.commit, set);
  if (!commit.ok) fail('flow_header', `the commit certificate does not hold (${commit.problem ?? 'invalid'})`);
  if (p.header.height < minHeight) fail('flow_header', `the header (height ${p.header.height}) is older than the receipt (height ${minHeight})`);
  return { hash, signers: commit.signers, validatorCount: set.validators.length };
}

// Check 2: every record (present with its value, or absent) against the header's state_root.
function checkState(p: ProofEnvelopeJson): { records: RecordSet; bytes: number } {
  const proof = fromHex(p.state_proof);
  if (!Array.isArray(p.records)) fail('state_proof', 'the proof has no records');
  const claims: Claim[] = p.records.map((r) => ({ key: fromHex(r.key), value: r.value === null ? null : fromHex(r.value) }));
  try {
    verifyMultiProof(proof, fromHex(p.header.state_root, 32), claims);
  } catch (e) {
    fail('state_proof', (e as Error).message);
  }
  return { records: new RecordSet(claims), bytes: proof.length };
}

// Check 3: each tx's RFC 9162 inclusion at its leaf in the log of log_size leaves.
async function checkTxs(p: ProofEnvelopeJson): Promise<Map<bigint, ProvenTx>> {
  const size = safeInteger(p.header.log_size);
  const root = fromHex(p.header.log_root, 32);
  const txs = new Map<bigint, ProvenTx>();
  for (const t of p.txs ?? []) {
    const leaf = safeInteger(t.leaf);
    const bytes = fromHex(t.tx);
    const path = t.inclusion_path.map((h) => fromHex(h, 32));
    if (!(await verifyInclusion(leaf, size, await leafHash(bytes), path, root))) {
      fail('tx_inclusion', `the tx at log entry ${t.leaf} is not in the log at size ${p.header.log_size}`);
    }
    const envelope = parseEnvelope(bytes);
    txs.set(leaf, { leaf, id: toHex(txIdOf(envelope.body)), envelope, body: decodeTxBody(envelope.body) });
  }
  return txs;
}

// Malformed input (bad hex, truncated bytes) fails the check that was reading it.
async function within<T>(check: FlowCheck, run: () => Promise<T> | T): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof FlowFailure) throw e;
    return fail(check, (e as Error).message);
  }
}

export async function verifyEnvelope(p: ProofEnvelopeJson, anchor: Anchor, minHeight: number): Promise<ProvenEnvelope> {
  if (!p || p.version !== 1) fail('flow_header', `unsupported flow proof version ${String(p?.version)}`);
  const { hash, signers, validatorCount } = await within('flow_header', () => checkHeader(p, anchor, minHeight));
  const { records, bytes } = await within('state_proof', () => checkState(p));
  const txs = await within('tx_inclusion', () => checkTxs(p));
  return { header: p.header, height: p.header.height, blockHash: toHex(hash), signers, validatorCount, records, txs, proofBytes: bytes };
}
