// The signed TxBody fields the receipt page shows (ledger/proto/shanliu.proto): the gift, and
// every hop's transfer, trust disbursement, spend or refund (goods: the goods donation, transfer
// and distribution). Values shown for a hop are read
// from these bytes, never from the node's JSON.
import { concat, FormatError, toHex, utf8 } from './bytes.js';
import { readFields, type Field } from './protobuf.js';
import { sha256 } from '@noble/hashes/sha2';

const TXID_DOMAIN = utf8('shanliu/txid/v1\0');
export const txIdOf = (body: Uint8Array): Uint8Array => sha256(concat(TXID_DOMAIN, body));

export const CHANNELS = ['unspecified', 'bank_transfer', 'online_platform', 'mobile_payment', 'cash', 'in_kind_valued', 'other'];
export const CATEGORIES = ['unspecified', 'material', 'cash_aid', 'service', 'admin', 'other'];
export const PAYEE_KINDS = ['unspecified', 'vendor', 'individuals', 'organisation'];

export interface GiftBody {
  kind: 'donation' | 'trust_deposit';
  account: string; // Donation.to_account, or trust:<TrustDeposit.trust_id>
  amountFen: bigint;
  donorDisplayName: string;
  channel: string;
  attestingBank: string; // Donation.attesting_bank (empty: self-reported); trust deposits: none
  memo: string;
}

export interface MoveBody {
  kind: 'transfer' | 'trust_disbursement';
  fromAccount: string;
  toAccount: string;
  amountFen: bigint;
  purpose: string;
}

export interface SpendBody {
  kind: 'spend';
  fromAccount: string;
  amountFen: bigint;
  category: string;
  payeeKind: string;
  payeeName: string;
  beneficiaryCount: number;
  invoiceHash: string; // hex
  description: string;
  occurredAtMs: number;
}

export interface RefundBody {
  kind: 'refund';
  donationTxId: string; // hex
  reason: string;
}

export interface CorrectionBody {
  kind: 'correction';
  correctedTxId: string; // hex
  reason: string;
}

// 时间银行 (docs/rules.md "Time bank"): service time paid from banked minutes or in points.
export interface ServiceExchangeBody {
  kind: 'service_exchange';
  holder: string; // hex
  providerOrg: string;
  minutes: number;
  service: string;
  points: bigint; // 0: paid from banked minutes
}

// A holder's whole balance moved to a fresh key of their own.
export interface MovePointsBody {
  kind: 'move_points';
  fromHolder: string; // hex
  toHolder: string; // hex
}

// 光荣榜: the display name a holder chose (empty: cleared).
export interface HonourNameBody {
  kind: 'honour_name';
  holder: string; // hex
  displayName: string;
}

// In-kind goods (issue 19): quantities are units of the item, never fen.
export interface GoodsDonationBody {
  kind: 'goods_donation';
  toAccount: string; // "org:<org>" or "project:<project>"
  itemCode: string;
  unit: string; // the validators checked it is the item's unit
  quantity: bigint;
  valueFen: bigint;
  donorDisplayName: string;
  lotNumber: string;
  expiresOn: number; // YYYYMMDD, 0: none
  notaryOrg: string; // empty: self-reported by the receiving organisation
  memo: string;
}

export interface GoodsTransferBody {
  kind: 'goods_transfer';
  fromAccount: string; // holders ("org:x"), not goods accounts
  toAccount: string;
  itemCode: string;
  unit: string;
  quantity: bigint;
  purpose: string;
}

export interface GoodsDistributionBody {
  kind: 'goods_distribution';
  fromAccount: string;
  itemCode: string;
  unit: string;
  quantity: bigint;
  region: string; // GB/T 2260 county-level code
  placeName: string;
  beneficiaryCount: number;
  evidenceHash: string; // hex
  occurredAtMs: number;
  description: string;
}

export type Payload =
  | GiftBody
  | GoodsDonationBody
  | GoodsTransferBody
  | GoodsDistributionBody
  | MoveBody
  | SpendBody
  | RefundBody
  | CorrectionBody
  | ServiceExchangeBody
  | MovePointsBody
  | HonourNameBody
  | { kind: 'other'; field: number };

export interface TxBody {
  chainId: string;
  createdAtMs: number;
  payload: Payload;
}

const str = (f: Field): string => new TextDecoder('utf-8', { fatal: true }).decode(bytes(f));

function bytes(f: Field): Uint8Array {
  if (f.wire !== 2 || !f.bytes) throw new FormatError(`field ${f.number}: expected bytes`);
  return f.bytes;
}

function varint(f: Field): bigint {
  if (f.wire !== 0 || f.varint === undefined) throw new FormatError(`field ${f.number}: expected a varint`);
  return f.varint;
}

const int64 = (f: Field): bigint => BigInt.asIntN(64, varint(f));
const enumName = (names: string[], f: Field): string => names[Number(varint(f))] ?? `unknown_${varint(f)}`;

function fieldsByNumber(data: Uint8Array): Map<number, Field> {
  const m = new Map<number, Field>();
  for (const f of readFields(data)) m.set(f.number, f); // protobuf: the last occurrence wins
  return m;
}

function decodeDonation(data: Uint8Array, trust: boolean): GiftBody {
  const m = fieldsByNumber(data);
  const s = (n: number): string => (m.has(n) ? str(m.get(n)!) : '');
  return {
    kind: trust ? 'trust_deposit' : 'donation',
    account: trust ? `trust:${s(1)}` : s(1),
    amountFen: m.has(2) ? int64(m.get(2)!) : 0n,
    donorDisplayName: s(4),
    // A trust deposit has no channel field: the custodian bank signs it, and the ledger records its
    // gift as a bank transfer (docs/rules.md, TrustDeposit), so that is what the signed body means.
    channel: trust ? 'bank_transfer' : m.has(8) ? enumName(CHANNELS, m.get(8)!) : 'unspecified',
    attestingBank: trust ? '' : s(9),
    memo: trust ? '' : s(10),
  };
}

function decodeMove(data: Uint8Array, trust: boolean): MoveBody {
  const m = fieldsByNumber(data);
  const s = (n: number): string => (m.has(n) ? str(m.get(n)!) : '');
  return {
    kind: trust ? 'trust_disbursement' : 'transfer',
    fromAccount: trust ? `trust:${s(1)}` : s(1),
    toAccount: s(2),
    amountFen: m.has(3) ? int64(m.get(3)!) : 0n,
    purpose: s(4),
  };
}

function decodeSpend(data: Uint8Array): SpendBody {
  const m = fieldsByNumber(data);
  const s = (n: number): string => (m.has(n) ? str(m.get(n)!) : '');
  return {
    kind: 'spend',
    fromAccount: s(1),
    amountFen: m.has(2) ? int64(m.get(2)!) : 0n,
    category: m.has(3) ? enumName(CATEGORIES, m.get(3)!) : 'unspecified',
    payeeKind: m.has(4) ? enumName(PAYEE_KINDS, m.get(4)!) : 'unspecified',
    payeeName: s(5),
    beneficiaryCount: m.has(6) ? Number(varint(m.get(6)!)) : 0,
    invoiceHash: m.has(7) ? toHex(bytes(m.get(7)!)) : '',
    description: s(8),
    occurredAtMs: m.has(9) ? Number(varint(m.get(9)!)) : 0,
  };
}

function decodeRefund(data: Uint8Array): RefundBody {
  const m = fieldsByNumber(data);
  return { kind: 'refund', donationTxId: m.has(1) ? toHex(bytes(m.get(1)!)) : '', reason: m.has(2) ? str(m.get(2)!) : '' };
}

function decodeCorrection(data: Uint8Array): CorrectionBody {
  const m = fieldsByNumber(data);
  return { kind: 'correction', correctedTxId: m.has(1) ? toHex(bytes(m.get(1)!)) : '', reason: m.has(2) ? str(m.get(2)!) : '' };
}

function decodeServiceExchange(data: Uint8Array): ServiceExchangeBody {
  const m = fieldsByNumber(data);
  return {
    kind: 'service_exchange',
    holder: m.has(1) ? toHex(bytes(m.get(1)!)) : '',
    providerOrg: m.has(2) ? str(m.get(2)!) : '',
    minutes: m.has(3) ? Number(varint(m.get(3)!)) : 0,
    service: m.has(4) ? str(m.get(4)!) : '',
    points: m.has(5) ? varint(m.get(5)!) : 0n,
  };
}

function decodeMovePoints(data: Uint8Array): MovePointsBody {
  const m = fieldsByNumber(data);
  return { kind: 'move_points', fromHolder: m.has(1) ? toHex(bytes(m.get(1)!)) : '', toHolder: m.has(2) ? toHex(bytes(m.get(2)!)) : '' };
}

function decodeHonourName(data: Uint8Array): HonourNameBody {
  const m = fieldsByNumber(data);
  return { kind: 'honour_name', holder: m.has(1) ? toHex(bytes(m.get(1)!)) : '', displayName: m.has(2) ? str(m.get(2)!) : '' };
}

function decodeGoodsDonation(data: Uint8Array): GoodsDonationBody {
  const m = fieldsByNumber(data);
  const s = (n: number): string => (m.has(n) ? str(m.get(n)!) : '');
  return {
    kind: 'goods_donation', toAccount: s(1), itemCode: s(2), unit: s(3),
    quantity: m.has(4) ? varint(m.get(4)!) : 0n,
    valueFen: m.has(5) ? int64(m.get(5)!) : 0n,
    donorDisplayName: s(7), lotNumber: s(8),
    expiresOn: m.has(9) ? Number(varint(m.get(9)!)) : 0,
    notaryOrg: s(11), memo: s(12),
  };
}

function decodeGoodsTransfer(data: Uint8Array): GoodsTransferBody {
  const m = fieldsByNumber(data);
  const s = (n: number): string => (m.has(n) ? str(m.get(n)!) : '');
  return {
    kind: 'goods_transfer', fromAccount: s(1), toAccount: s(2), itemCode: s(3), unit: s(4),
    quantity: m.has(5) ? varint(m.get(5)!) : 0n, purpose: s(6),
  };
}

function decodeGoodsDistribution(data: Uint8Array): GoodsDistributionBody {
  const m = fieldsByNumber(data);
  const s = (n: number): string => (m.has(n) ? str(m.get(n)!) : '');
  return {
    kind: 'goods_distribution', fromAccount: s(1), itemCode: s(2), unit: s(3),
    quantity: m.has(4) ? varint(m.get(4)!) : 0n,
    region: s(5), placeName: s(6),
    beneficiaryCount: m.has(7) ? Number(varint(m.get(7)!)) : 0,
    evidenceHash: m.has(8) ? toHex(bytes(m.get(8)!)) : '',
    occurredAtMs: m.has(9) ? Number(varint(m.get(9)!)) : 0,
    description: s(10),
  };
}

function decodePayload(f: Field): Payload {
  const data = bytes(f);
  switch (f.number) {
    case 15: return decodeDonation(data, false);
    case 16: return decodeMove(data, false);
    case 18: return decodeDonation(data, true);
    case 19: return decodeMove(data, true);
    case 20: return decodeSpend(data);
    case 21: return decodeRefund(data);
    case 25: return decodeCorrection(data);
    case 27: return decodeServiceExchange(data);
    case 28: return decodeMovePoints(data);
    case 30: return decodeHonourName(data);
    case 31: return decodeGoodsDonation(data);
    case 32: return decodeGoodsTransfer(data);
    case 33: return decodeGoodsDistribution(data);
    default: return { kind: 'other', field: f.number };
  }
}

export function decodeTxBody(body: Uint8Array): TxBody {
  const out: TxBody = { chainId: '', createdAtMs: 0, payload: { kind: 'other', field: 0 } };
  for (const f of readFields(body)) {
    if (f.number === 1) out.chainId = str(f);
    else if (f.number === 4) out.createdAtMs = Number(varint(f));
    else if (f.number >= 10 && f.number <= 40) out.payload = decodePayload(f);
  }
  return out;
}
