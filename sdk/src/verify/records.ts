// State records a flow proof carries, rebuilt from their bytes: the binary fund-flow records of
// docs/tracing.md ("a/", "f/o/", "f/i/", "f/t/", "f/x/") and the protobuf records of
// ledger/proto/state.proto (GiftRecord, OrgRecord, ProjectRecord, TrustRecord). Keys are built
// here too, so a verifier asks for exactly the key the ledger writes.
import { concat, FormatError, u64, utf8 } from './bytes.js';
import { readFields, type Field } from './protobuf.js';

const RECORD_VERSION = 1;
const INT64_MAX = 0x7fffffffffffffffn;

// ---------------------------------------------------------------- keys

const NUL = Uint8Array.of(0);
export const giftKey = (txId: Uint8Array): Uint8Array => concat(utf8('g/'), txId);
export const accountKey = (account: string): Uint8Array => concat(utf8('a/'), utf8(account));
export const orgKey = (id: string): Uint8Array => concat(utf8('o/'), utf8(id));
export const projectKey = (id: string): Uint8Array => concat(utf8('p/'), utf8(id));
export const trustKey = (id: string): Uint8Array => concat(utf8('t/'), utf8(id));
export const attestationKey = (txId: Uint8Array): Uint8Array => concat(utf8('r/a/'), txId); // -> the co-signing bank's id
export const streamPrefix = (tag: 'o' | 'i', account: string): Uint8Array => concat(utf8(`f/${tag}/`), utf8(account), NUL);
export const consumedKey = (account: string, end: bigint): Uint8Array => concat(streamPrefix('o', account), u64(end));
export const inflowKey = (account: string, end: bigint): Uint8Array => concat(streamPrefix('i', account), u64(end));
export const outflowKey = (leaf: bigint): Uint8Array => concat(utf8('f/t/'), u64(leaf));
export const pieceKey = (leaf: bigint, endOffset: bigint): Uint8Array => concat(utf8('f/x/'), u64(leaf), u64(endOffset));
// In-kind goods (issue 19): a goods donation's record, a distribution's record, a registered item.
export const goodsGiftKey = (txId: Uint8Array): Uint8Array => concat(utf8('r/gg/'), txId);
export const goodsDistributionKey = (txId: Uint8Array): Uint8Array => concat(utf8('r/gd/'), txId);
// A corrected tx's link to its Correction (CorrectionRecord).
export const correctionKey = (txId: Uint8Array): Uint8Array => concat(utf8('r/c/'), txId);

// ---------------------------------------------------------------- binary records

// Reads fields front to back; a shortfall, a leftover byte or another version is an error.
class Reader {
  private at = 0;
  constructor(private readonly data: Uint8Array, private readonly what: string) {
    if (this.u8() !== RECORD_VERSION) throw new FormatError(`${what}: unknown version`);
  }
  u8(): number {
    this.need(1);
    return this.data[this.at++];
  }
  u64(): bigint {
    this.need(8);
    const v = new DataView(this.data.buffer, this.data.byteOffset + this.at, 8).getBigUint64(0, false);
    this.at += 8;
    return v;
  }
  // Positions, lengths and money totals all stay within int64 (docs/tracing.md).
  position(): bigint {
    const v = this.u64();
    if (v > INT64_MAX) throw new FormatError(`${this.what}: a position beyond int64`);
    return v;
  }
  str(): string {
    this.need(2);
    const n = (this.data[this.at] << 8) | this.data[this.at + 1];
    this.at += 2;
    this.need(n);
    const s = new TextDecoder('utf-8', { fatal: true }).decode(this.data.subarray(this.at, this.at + n));
    this.at += n;
    return s;
  }
  end(): void {
    if (this.at !== this.data.length) throw new FormatError(`${this.what}: trailing bytes`);
  }
  private need(n: number): void {
    if (this.at + n > this.data.length) throw new FormatError(`${this.what}: truncated`);
  }
}

export interface AccountRecord {
  balance: bigint;
  inPos: bigint;
  outPos: bigint;
  inflow: bigint;
  received: bigint;
  sent: bigint;
  spent: bigint;
  refunded: bigint;
  holeCount: bigint;
}

export function decodeAccount(value: Uint8Array): AccountRecord {
  const r = new Reader(value, 'account record');
  const a: AccountRecord = {
    balance: r.position(),
    inPos: r.position(),
    outPos: r.position(),
    inflow: r.position(),
    received: r.position(),
    sent: r.position(),
    spent: r.position(),
    refunded: r.position(),
    holeCount: r.u64(),
  };
  r.end();
  // The identities of docs/tracing.md: a record breaking them is not an account the ledger wrote.
  if (a.outPos > a.inPos || a.inPos !== a.inflow + a.received) throw new FormatError('account record: inconsistent cursors');
  if (a.balance !== a.inflow + a.received - a.sent - a.spent - a.refunded) throw new FormatError('account record: inconsistent balance');
  return a;
}

// 'corrected': a transfer or spend piece a Correction reversed (leaf: that outflow; target: the
// account itself, where the money came back); 'withdrawn': taken out of order by a Correction.
export type ConsumedKind = 'transfer' | 'spend' | 'refund' | 'corrected' | 'withdrawn';
const CONSUMED_KINDS: Record<number, ConsumedKind> = { 1: 'transfer', 2: 'spend', 3: 'refund', 4: 'corrected', 5: 'withdrawn' };

export interface ConsumedRange {
  kind: ConsumedKind;
  leaf: bigint; // log leaf of the transfer, spend or refund
  length: bigint;
  offset: bigint;
  targetStart: bigint;
  target: string;
}

export function decodeConsumed(value: Uint8Array): ConsumedRange {
  const r = new Reader(value, 'consumed range');
  const kind = CONSUMED_KINDS[r.u8()];
  if (!kind) throw new FormatError('consumed range: unknown kind');
  const c: ConsumedRange = { kind, leaf: r.u64(), length: r.position(), offset: r.position(), targetStart: r.position(), target: r.str() };
  r.end();
  if (c.length <= 0n) throw new FormatError('consumed range: empty');
  if ((kind === 'transfer' || kind === 'corrected') !== (c.target !== '')) throw new FormatError('consumed range: a target only for transfers and corrected ranges');
  return c;
}

// 'correction': money a Correction brought back (leaf: the reversed outflow; source: this account).
export type InflowKind = 'donation' | 'trust_deposit' | 'transfer' | 'correction';
const INFLOW_KINDS: Record<number, InflowKind> = { 1: 'donation', 2: 'trust_deposit', 3: 'transfer', 4: 'correction' };

export interface InflowEntry {
  kind: InflowKind;
  leaf: bigint;
  length: bigint;
  source: string;
}

export function decodeInflow(value: Uint8Array): InflowEntry {
  const r = new Reader(value, 'inflow entry');
  const kind = INFLOW_KINDS[r.u8()];
  if (!kind) throw new FormatError('inflow entry: unknown kind');
  const e: InflowEntry = { kind, leaf: r.u64(), length: r.position(), source: r.str() };
  r.end();
  if (e.length <= 0n) throw new FormatError('inflow entry: empty');
  if ((kind === 'transfer' || kind === 'correction') !== (e.source !== '')) throw new FormatError('inflow entry: a source only for transfers and corrections');
  return e;
}

export interface OutflowHeader {
  kind: 'transfer' | 'spend';
  amount: bigint;
  pieceCount: bigint;
  targetStart: bigint;
  source: string;
  target: string;
}

export function decodeOutflow(value: Uint8Array): OutflowHeader {
  const r = new Reader(value, 'outflow header');
  const k = r.u8();
  if (k !== 1 && k !== 2) throw new FormatError('outflow header: unknown kind');
  const o: OutflowHeader = {
    kind: k === 1 ? 'transfer' : 'spend',
    amount: r.position(),
    pieceCount: r.u64(),
    targetStart: r.position(),
    source: r.str(),
    target: r.str(),
  };
  r.end();
  return o;
}

export interface OutflowPiece {
  sourceStart: bigint;
  length: bigint;
}

export function decodePiece(value: Uint8Array): OutflowPiece {
  const r = new Reader(value, 'outflow piece');
  const p = { sourceStart: r.position(), length: r.position() };
  r.end();
  if (p.length <= 0n) throw new FormatError('outflow piece: empty');
  return p;
}

// ---------------------------------------------------------------- protobuf records

const text = (f: Field): string => new TextDecoder('utf-8', { fatal: true }).decode(bytesOf(f));

function bytesOf(f: Field): Uint8Array {
  if (f.wire !== 2 || !f.bytes) throw new FormatError(`field ${f.number}: expected bytes`);
  return f.bytes;
}

function varintOf(f: Field): bigint {
  if (f.wire !== 0 || f.varint === undefined) throw new FormatError(`field ${f.number}: expected a varint`);
  return f.varint;
}

const int64Of = (f: Field): bigint => BigInt.asIntN(64, varintOf(f));

export interface GiftRecord {
  leaf: bigint;
  height: bigint;
  timeMs: bigint;
  account: string;
  amountFen: bigint;
  intervalStart: bigint;
  trustDeposit: boolean;
  donorDisplayName: string;
  attested: boolean;
  attestingBank: string;
  channel: number;
  pointsEarned: bigint;
  refundedFen: bigint;
  refundLeaf: bigint;
  recordedBy: string;
  correctedLeaf: bigint; // non-zero: withdrawn whole by the Correction at this leaf
}

export function decodeGift(value: Uint8Array): GiftRecord {
  const g: GiftRecord = {
    leaf: 0n, height: 0n, timeMs: 0n, account: '', amountFen: 0n, intervalStart: 0n, trustDeposit: false,
    donorDisplayName: '', attested: false, attestingBank: '', channel: 0, pointsEarned: 0n, refundedFen: 0n,
    refundLeaf: 0n, recordedBy: '', correctedLeaf: 0n,
  };
  for (const f of readFields(value)) {
    switch (f.number) {
      case 1: g.leaf = varintOf(f); break;
      case 2: g.height = varintOf(f); break;
      case 3: g.timeMs = varintOf(f); break;
      case 4: g.account = text(f); break;
      case 5: g.amountFen = int64Of(f); break;
      case 6: g.intervalStart = varintOf(f); break;
      case 7: g.trustDeposit = varintOf(f) !== 0n; break;
      case 9: g.donorDisplayName = text(f); break;
      case 10: g.attested = varintOf(f) !== 0n; break;
      case 11: g.attestingBank = text(f); break;
      case 12: g.channel = Number(varintOf(f)); break;
      case 14: g.pointsEarned = varintOf(f); break;
      case 15: g.refundedFen = int64Of(f); break;
      case 16: g.refundLeaf = varintOf(f); break;
      case 17: g.recordedBy = text(f); break;
      case 18: g.correctedLeaf = varintOf(f); break;
      default: break; // donor_ref, points_holder and later fields are not shown
    }
  }
  if (g.amountFen <= 0n || g.refundedFen < 0n || g.refundedFen > g.amountFen) throw new FormatError('gift record: bad amounts');
  if (g.correctedLeaf !== 0n && (g.refundedFen !== 0n || g.correctedLeaf <= g.leaf)) throw new FormatError('gift record: corrected and refunded');
  return g;
}

// "r/c/<tx id>": the Correction that reversed that tx.
export interface CorrectionRecord {
  correctionTxId: Uint8Array;
  correctionLeaf: bigint;
  correctedLeaf: bigint;
}

export function decodeCorrection(value: Uint8Array): CorrectionRecord {
  const c: CorrectionRecord = { correctionTxId: new Uint8Array(0), correctionLeaf: 0n, correctedLeaf: 0n };
  for (const f of readFields(value)) {
    if (f.number === 1) c.correctionTxId = bytesOf(f);
    else if (f.number === 2) c.correctionLeaf = varintOf(f);
    else if (f.number === 3) c.correctedLeaf = varintOf(f);
  }
  if (c.correctionTxId.length !== 32) throw new FormatError('correction record: no correction tx id');
  return c;
}

export const ORG_KINDS = ['unspecified', 'bureau', 'federation', 'bank', 'charity', 'trustee', 'merchant'] as const;
export const ORG_STATUSES = ['unspecified', 'active', 'suspended'] as const;

export interface OrgRecord {
  orgId: string;
  kind: string;
  nameZh: string;
  nameEn: string;
  publicKeys: Uint8Array[];
  status: string;
}

export function decodeOrg(value: Uint8Array): OrgRecord {
  const o: OrgRecord = { orgId: '', kind: 'unspecified', nameZh: '', nameEn: '', publicKeys: [], status: 'unspecified' };
  for (const f of readFields(value)) {
    switch (f.number) {
      case 1: o.orgId = text(f); break;
      case 2: o.kind = ORG_KINDS[Number(varintOf(f))] ?? 'unknown'; break;
      case 3: o.nameZh = text(f); break;
      case 4: o.nameEn = text(f); break;
      case 6: o.publicKeys.push(bytesOf(f)); break;
      case 7: o.status = ORG_STATUSES[Number(varintOf(f))] ?? 'unknown'; break;
      default: break;
    }
  }
  return o;
}

// Names (and owner) of a project or trust: the `spec` (field 1) of ProjectRecord / TrustRecord,
// whose OpenProject / OpenTrust messages hold the names at fields 3, 4 (project) and 2, 3 (trust).
export interface NamedRecord {
  id: string;
  nameZh: string;
  nameEn: string;
  owner: string; // project: owner_org; trust: trustee_org
  custodianBank: string; // trust only
}

export function decodeProject(value: Uint8Array): NamedRecord {
  const out: NamedRecord = { id: '', nameZh: '', nameEn: '', owner: '', custodianBank: '' };
  for (const f of readFields(value)) {
    if (f.number !== 1) continue;
    for (const g of readFields(bytesOf(f))) {
      if (g.number === 1) out.id = text(g);
      else if (g.number === 2) out.owner = text(g);
      else if (g.number === 3) out.nameZh = text(g);
      else if (g.number === 4) out.nameEn = text(g);
    }
  }
  return out;
}

export function decodeTrust(value: Uint8Array): NamedRecord {
  const out: NamedRecord = { id: '', nameZh: '', nameEn: '', owner: '', custodianBank: '' };
  for (const f of readFields(value)) {
    if (f.number !== 1) continue;
    for (const g of readFields(bytesOf(f))) {
      if (g.number === 1) out.id = text(g);
      else if (g.number === 2) out.nameZh = text(g);
      else if (g.number === 3) out.nameEn = text(g);
      else if (g.number === 4) out.owner = text(g);
      else if (g.number === 5) out.custodianBank = text(g);
    }
  }
  return out;
}

// ---------------------------------------------------------------- goods (issue 19)

const GOODS_MAX_QUANTITY = 1_000_000_000_000n;

// "r/gg/<tx id>": GoodsGiftRecord (ledger/proto/state.proto). Quantities are units of the item.
export interface GoodsGiftRecord {
  leaf: bigint;
  height: bigint;
  timeMs: bigint;
  account: string; // goods:<org>/<item> or goods:project:<p>/<item>
  itemCode: string;
  quantity: bigint;
  intervalStart: bigint;
  valueFen: bigint;
  donorDisplayName: string;
  lotNumber: string;
  expiresOn: number;
  recordedBy: string;
  notaryOrg: string;
}

export function decodeGoodsGift(value: Uint8Array): GoodsGiftRecord {
  const g: GoodsGiftRecord = {
    leaf: 0n, height: 0n, timeMs: 0n, account: '', itemCode: '', quantity: 0n, intervalStart: 0n, valueFen: 0n,
    donorDisplayName: '', lotNumber: '', expiresOn: 0, recordedBy: '', notaryOrg: '',
  };
  for (const f of readFields(value)) {
    switch (f.number) {
      case 1: g.leaf = varintOf(f); break;
      case 2: g.height = varintOf(f); break;
      case 3: g.timeMs = varintOf(f); break;
      case 4: g.account = text(f); break;
      case 5: g.itemCode = text(f); break;
      case 6: g.quantity = varintOf(f); break;
      case 7: g.intervalStart = varintOf(f); break;
      case 8: g.valueFen = int64Of(f); break;
      case 10: g.donorDisplayName = text(f); break;
      case 11: g.lotNumber = text(f); break;
      case 12: g.expiresOn = Number(varintOf(f)); break;
      case 13: g.recordedBy = text(f); break;
      case 14: g.notaryOrg = text(f); break;
      default: break; // donor_ref is not shown
    }
  }
  if (g.quantity <= 0n || g.quantity > GOODS_MAX_QUANTITY) throw new FormatError('goods donation record: quantity out of range');
  if (g.intervalStart > INT64_MAX - g.quantity) throw new FormatError('goods donation record: position beyond int64');
  return g;
}

// "r/gd/<tx id>": GoodsDistributionRecord, with the Beijing block date and the expired units.
export interface GoodsDistributionRecord {
  leaf: bigint;
  account: string;
  itemCode: string;
  quantity: bigint;
  expiredQuantity: bigint;
  blockDate: number; // YYYYMMDD
}

export function decodeGoodsDistribution(value: Uint8Array): GoodsDistributionRecord {
  const d: GoodsDistributionRecord = { leaf: 0n, account: '', itemCode: '', quantity: 0n, expiredQuantity: 0n, blockDate: 0 };
  for (const f of readFields(value)) {
    switch (f.number) {
      case 1: d.leaf = varintOf(f); break;
      case 2: d.account = text(f); break;
      case 3: d.itemCode = text(f); break;
      case 4: d.quantity = varintOf(f); break;
      case 5: d.expiredQuantity = varintOf(f); break;
      case 6: d.blockDate = Number(varintOf(f)); break;
      default: break;
    }
  }
  if (d.expiredQuantity > d.quantity) throw new FormatError('goods distribution record: more expired than handed out');
  return d;
}

// The goods account of a holder and an item (goods::AccountFor): "org:x" -> "goods:x/<item>",
// "project:p" -> "goods:project:p/<item>"; '' for anything else.
export function goodsAccountFor(holder: string, item: string): string {
  if (holder.startsWith('org:')) return `goods:${holder.slice(4)}/${item}`;
  if (holder.startsWith('project:')) return `goods:${holder}/${item}`;
  return '';
}

// The holder of a goods account (goods::HolderOf), or '' if it is not one.
export function goodsHolderOf(account: string): string {
  if (!account.startsWith('goods:') || !account.includes('/')) return '';
  const inner = account.slice('goods:'.length, account.lastIndexOf('/'));
  return inner.startsWith('project:') ? inner : `org:${inner}`;
}
