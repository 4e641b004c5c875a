// A tiny independent ledger for unit tests of the flow verifier: protobuf and binary records,
// the state map (smtref.mjs), an RFC 9162 log, a v2 header and a commit certificate signed with
// node:crypto's Ed25519. Scenarios state their records explicitly, so tests can also build
// states the real ledger would never write (gaps, missing accounts) with valid proofs.
import { generateKeyPairSync, sign } from 'node:crypto';
import { H, entries, prove, root } from './smtref.mjs';

// ---------------------------------------------------------------- encodings

export const hex = (b) => Buffer.from(b).toString('hex');
const utf8 = (s) => Buffer.from(s, 'utf8');
export const u64 = (v) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(v));
  return b;
};
const u32 = (v) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v);
  return b;
};
const str = (s) => {
  const b = utf8(s);
  const n = Buffer.alloc(2);
  n.writeUInt16BE(b.length);
  return Buffer.concat([n, b]);
};

function varint(v) {
  let x = BigInt.asUintN(64, BigInt(v));
  const out = [];
  while (x >= 0x80n) {
    out.push(Number((x & 0x7fn) | 0x80n));
    x >>= 7n;
  }
  out.push(Number(x));
  return Buffer.from(out);
}

// Protobuf message from [field, value] pairs: numbers/bigints/booleans as varints, strings and
// buffers as length-delimited; defaults omitted, fields in the order given.
export function pb(fields) {
  const parts = [];
  for (const [n, v] of fields) {
    if (v === undefined || v === null || v === 0 || v === 0n || v === false || v === '') continue;
    if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') parts.push(varint((n << 3) | 0), varint(typeof v === 'boolean' ? 1 : v));
    else {
      const b = typeof v === 'string' ? utf8(v) : Buffer.from(v);
      parts.push(varint((n << 3) | 2), varint(b.length), b);
    }
  }
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------- keys and records

export const keys = {
  gift: (id) => Buffer.concat([utf8('g/'), id]),
  account: (a) => utf8(`a/${a}`),
  consumed: (a, end) => Buffer.concat([utf8(`f/o/${a}`), Buffer.from([0]), u64(end)]),
  inflow: (a, end) => Buffer.concat([utf8(`f/i/${a}`), Buffer.from([0]), u64(end)]),
  outflow: (leaf) => Buffer.concat([utf8('f/t/'), u64(leaf)]),
  piece: (leaf, end) => Buffer.concat([utf8('f/x/'), u64(leaf), u64(end)]),
  org: (id) => utf8(`o/${id}`),
  project: (id) => utf8(`p/${id}`),
  trust: (id) => utf8(`t/${id}`),
  attestation: (txId) => Buffer.concat([utf8('r/a/'), txId]), // -> the co-signing bank's org id
  correction: (id) => Buffer.concat([utf8('r/c/'), id]),
};

export function account({ inflow = 0, received = 0, sent = 0, spent = 0, refunded = 0, outPos, holes = 0 }) {
  const inPos = inflow + received;
  const balance = inflow + received - sent - spent - refunded;
  return Buffer.concat([Buffer.from([1]), u64(balance), u64(inPos), u64(outPos), u64(inflow), u64(received), u64(sent), u64(spent), u64(refunded), u64(holes)]);
}

const KIND = { transfer: 1, spend: 2, refund: 3, corrected: 4, withdrawn: 5 };
export const consumed = ({ kind, leaf, length, offset = 0, targetStart = 0, target = '' }) =>
  Buffer.concat([Buffer.from([1, KIND[kind]]), u64(leaf), u64(length), u64(offset), u64(targetStart), str(target)]);
export const inflow = ({ kind, leaf, length, source = '' }) =>
  Buffer.concat([Buffer.from([1, { donation: 1, trust_deposit: 2, transfer: 3, correction: 4 }[kind]]), u64(leaf), u64(length), str(source)]);
export const outflowHeader = ({ kind, amount, pieces, targetStart = 0, source, target = '' }) =>
  Buffer.concat([Buffer.from([1, kind === 'transfer' ? 1 : 2]), u64(amount), u64(pieces), u64(targetStart), str(source), str(target)]);
export const piece = ({ sourceStart, length }) => Buffer.concat([Buffer.from([1]), u64(sourceStart), u64(length)]);

export const orgRecord = ({ id, kind, zh, en, keys: pks = [] }) =>
  pb([[1, id], [2, { bureau: 1, federation: 2, bank: 3, charity: 4, trustee: 5, merchant: 6 }[kind]], [3, zh], [4, en], ...pks.map((k) => [6, k]), [7, 1]]);
export const projectRecord = ({ id, owner, zh, en }) => pb([[1, pb([[1, id], [2, owner], [3, zh], [4, en]])]]);

export const giftRecord = (g) =>
  pb([[1, g.leaf], [2, g.height], [3, g.timeMs], [4, g.account], [5, g.amount], [6, g.intervalStart], [7, g.trust ?? false], [9, g.donor ?? ''],
    [10, g.attested ?? false], [11, g.bank ?? ''], [12, g.channel ?? 0], [14, g.points ?? 0], [15, g.refunded ?? 0], [16, g.refundLeaf ?? 0], [17, g.recordedBy ?? ''], [18, g.correctedLeaf ?? 0]]);
// "r/c/<tx id>": the Correction that reversed that tx (CorrectionRecord).
export const correctionRecord = ({ correctionTxId, correctionLeaf, correctedLeaf, amount = 0 }) =>
  pb([[1, correctionTxId], [2, correctionLeaf], [3, correctedLeaf], [5, amount]]);

// ---------------------------------------------------------------- txs

export const CHAIN = 'shanliu-unit';
const TXSIG = utf8('shanliu/tx/v1\0');
const TXID = utf8('shanliu/txid/v1\0');

export function keypair() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
  return { publicKey: raw, privateKey };
}

// A signed Tx envelope around a TxBody with the given payload field and message.
export function tx(payloadField, payload, signers, createdAtMs = 1767225600000) {
  const body = pb([[1, CHAIN], [2, 100], [3, 7], [4, createdAtMs], [payloadField, payload]]);
  const sigs = signers.map((k) => pb([[1, k.publicKey], [2, sign(null, Buffer.concat([TXSIG, body]), k.privateKey)]]));
  return { body, envelope: pb([[1, body], ...sigs.map((s) => [2, s])]), id: H(TXID, body) };
}

// ---------------------------------------------------------------- RFC 9162 log

const leafHash = (e) => H([0], e);
const split = (n) => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};
function mth(leaves) {
  if (leaves.length === 0) return H();
  if (leaves.length === 1) return leafHash(leaves[0]);
  const k = split(leaves.length);
  return H([1], mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}
function path(m, leaves) {
  if (leaves.length <= 1) return [];
  const k = split(leaves.length);
  return m < k ? [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))] : [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

// ---------------------------------------------------------------- header and commit

export function validatorSet(validator) {
  const hash = H(utf8('shanliu/validators/v1\0'), u32(1), validator.publicKey, u64(1));
  return {
    set: {
      chainId: CHAIN,
      validators: [{ index: 0, orgId: 'bureau', publicKey: new Uint8Array(validator.publicKey), power: 1n, nameZh: '民政局', nameEn: 'Bureau' }],
      totalPower: 1n,
      hash: new Uint8Array(hash),
    },
    genesisBlockHash: '00'.repeat(32),
    source: 'genesis',
  };
}

export function certify(anchor, validator, fields) {
  const header = {
    chain_id: CHAIN, height: fields.height, time_ms: fields.timeMs ?? 1767225700000 + fields.height, prev_block_hash: '11'.repeat(32),
    txs_root: '22'.repeat(32), log_size: fields.logSize, log_root: hex(fields.logRoot), state_root: hex(fields.stateRoot),
    validators_hash: hex(anchor.set.hash), next_validators_hash: hex(anchor.set.hash), proposer_index: 0,
  };
  const bytes = Buffer.concat([
    utf8('shanliu/header/v2\0'), str(header.chain_id), u64(header.height), u64(header.time_ms), Buffer.from(header.prev_block_hash, 'hex'),
    Buffer.from(header.txs_root, 'hex'), u64(header.log_size), fields.logRoot, fields.stateRoot, Buffer.from(anchor.set.hash), Buffer.from(anchor.set.hash), u32(0),
  ]);
  const blockHash = H(bytes);
  const vote = Buffer.concat([utf8('shanliu/vote/v1\0'), str(CHAIN), Buffer.from([2]), u64(header.height), u32(0), blockHash]);
  const commit = { height: header.height, round: 0, block_hash: hex(blockHash), signatures: [{ validator_index: 0, signature: hex(sign(null, vote, validator.privateKey)) }] };
  return { header, block_hash: hex(blockHash), commit };
}

// A whole chain: `txs` (in log order), `state` ([key, value] pairs of the whole map), a flow
// proof of `records` (keys; value read from `state`, or null when absent) and `hopLeaves`.
export function chain({ txs, state }) {
  const validator = keypair();
  const anchor = validatorSet(validator);
  const envelopes = txs.map((t) => t.envelope);
  const items = entries(state);
  const logRoot = mth(envelopes);
  const stateRoot = root(items);
  const head = certify(anchor, validator, { height: 9, logSize: envelopes.length, logRoot, stateRoot });
  const value = (key) => {
    const found = state.find(([k]) => Buffer.compare(Buffer.from(k), key) === 0);
    return found ? found[1] : null;
  };
  const receiptProof = (leaf, height = 3) => ({
    tx: hex(envelopes[leaf]), tx_id: hex(txs[leaf].id), leaf_index: leaf, log_size: envelopes.length,
    inclusion_path: path(leaf, envelopes).map(hex), header: { ...head.header, height }, block_hash: head.block_hash, commit: head.commit,
  });
  const proof = (recordKeys, hopLeaves, extra = {}) => ({
    version: 1,
    ...head,
    state_proof: hex(prove(items, recordKeys)),
    records: recordKeys.map((k) => ({ key: hex(k), value: value(k) === null ? null : hex(value(k)) })),
    txs: hopLeaves.map((leaf) => ({ leaf, tx: hex(envelopes[leaf]), inclusion_path: path(leaf, envelopes).map(hex) })),
    max_nodes: 10000,
    ...extra,
  });
  return { anchor, validator, receiptProof, proof, value };
}
