// The flow proof of a receipt (docs/flow-proof.md, DESIGN 5.1): rebuilds the whole trace of a
// gift from proven state records alone, and reads every value the page shows for a hop from a
// proven tx. Checks run in the documented order; the first failure is returned by its name.
import type { ReceiptProof } from './types.js';
import { concat, equal, fromHex, safeInteger, toHex, utf8 } from './bytes.js';
import type { Validator } from './chain.js';
import { ed25519Verify } from './crypto.js';
import type { Anchor } from './genesis.js';
import { fail, FlowFailure, verifyEnvelope, type FlowCheck, type ProofEnvelopeJson, type ProvenEnvelope, type ProvenTx, type RecordSet } from './envelope.js';
import { parseEnvelope, type Envelope } from './protobuf.js';
import {
  accountKey, attestationKey, correctionKey, decodeAccount, decodeConsumed, decodeCorrection, decodeGift, decodeGoodsDistribution,
  decodeGoodsGift, decodeOrg, decodeProject, decodeTrust, giftKey, goodsAccountFor, goodsDistributionKey, goodsGiftKey, goodsHolderOf,
  orgKey, projectKey, trustKey, type AccountRecord, type ConsumedRange, type GiftRecord, type GoodsDistributionRecord,
  type GoodsGiftRecord, type OrgRecord,
} from './records.js';
import {
  txIdOf, decodeTxBody, type CorrectionBody, type GiftBody, type GoodsDistributionBody, type GoodsDonationBody, type GoodsTransferBody,
  type MoveBody, type RefundBody, type SpendBody,
} from './txbody.js';

export interface FlowProofJson extends ProofEnvelopeJson {
  tx_id: string;
  max_nodes: number;
}

export type { FlowCheck } from './envelope.js';
export const DEFAULT_MAX_NODES = 10000;
const INT64_MAX = 0x7fffffffffffffffn;
const TXSIG_DOMAIN = utf8('shanliu/tx/v1\0');

// 'corrected': spent or moved on by the outflow at `leaf`, which a Correction reversed: the
// children are the money back in the same account. 'withdrawn': a corrected gift, taken out
// whole by the Correction at `leaf`.
export type HopFate = 'spent' | 'moved_on' | 'unspent' | 'refunded' | 'corrected' | 'withdrawn';
const followed = (f: HopFate): boolean => f === 'moved_on' || f === 'corrected';

export interface ProvenHop {
  fate: HopFate;
  account: string;
  amountFen: bigint;
  leaf: bigint | null; // the spend, transfer, refund or correction that decided the fate
  target: string; // moved_on: the account the money moved to (corrected: the account itself)
  targetFrom: bigint; // moved_on, corrected: where it starts in the target's stream
  tx: ProvenTx | null; // filled by check 6
  payload: HopPayload | null;
  correction: { tx: ProvenTx; body: CorrectionBody } | null; // corrected: the reversing entry (check 6)
  children: ProvenHop[];
  expanded: boolean; // moved_on, corrected: false when the walk stopped at max_nodes (children not proven)
  attestedBy: OrgRecord | null; // spent / refunded: the bank that co-signed it (check 8), else null
}

export type HopPayload = MoveBody | SpendBody | RefundBody | CorrectionBody | GoodsTransferBody | GoodsDistributionBody;

// What a goods donation's proof proves beyond the walk (docs/flow-proof.md "Goods traces"); the
// walk's amounts (amountFen, totals) are then units of the item, never fen.
export interface GoodsVerification {
  record: GoodsGiftRecord; // r/gg/<tx id>
  body: GoodsDonationBody; // the signed GoodsDonation (unit: the item's, checked by the validators)
  distributions: Map<bigint, GoodsDistributionRecord>; // by leaf: each distribution's r/gd/ record
}

export interface ProvenName {
  nameZh: string;
  nameEn: string;
  kind: string; // org kind, or 'project' / 'trust'
  owner: string;
}

export interface FlowVerification {
  height: number;
  blockHash: string;
  signers: Validator[];
  validatorCount: number;
  txId: string;
  gift: GiftRecord; // goods: account, amountFen (= quantity), leaf, recordedBy and the notary as attestingBank
  giftBody: GiftBody | GoodsDonationBody;
  goods: GoodsVerification | null; // set exactly when the receipt's tx is a GoodsDonation
  roots: ProvenHop[];
  nodeCount: number;
  truncated: boolean;
  names: Map<string, ProvenName>; // by account ("org:x", "project:y", "trust:z")
  orgs: Map<string, OrgRecord>; // every proven org record, by id
  bank: OrgRecord | null; // the attesting bank (goods: the notary), when its signature was verified
  totals: { spent: bigint; unspent: bigint; refunded: bigint; withdrawn: bigint; untraced: bigint };
  proofBytes: number;
}

export type FlowResult =
  | { ok: true; value: FlowVerification; passed: FlowCheck[] }
  | { ok: false; check: FlowCheck; message: string; passed: FlowCheck[] };

export const FLOW_CHECKS: FlowCheck[] = ['flow_header', 'state_proof', 'tx_inclusion', 'gift', 'walk', 'hop_tx', 'names', 'bank'];

// ---------------------------------------------------------------- check 4: the gift

interface GiftContext {
  envelope: Envelope;
  body: GiftBody | GoodsDonationBody;
  txId: Uint8Array;
  gift: GiftRecord;
  goods: GoodsVerification | null;
}

// Check 4 for goods: r/gg/<tx id> is the signed GoodsDonation's account, item and quantity. The
// walk then runs over a GiftRecord view of it (no refunds or corrections exist for goods).
function checkGoodsGift(receipt: ReceiptProof, records: RecordSet, envelope: Envelope, txId: Uint8Array, body: GoodsDonationBody): GiftContext {
  const value = records.need(goodsGiftKey(txId));
  if (value === null) return fail('gift', 'the goods donation record is proven absent');
  const g = decodeGoodsGift(value);
  if (g.leaf !== BigInt(safeInteger(receipt.leaf_index))) fail('gift', `the goods donation record is at log entry ${g.leaf}, the receipt at ${receipt.leaf_index}`);
  const account = goodsAccountFor(body.toAccount, body.itemCode);
  if (g.account !== account || g.itemCode !== body.itemCode || g.quantity !== body.quantity) {
    fail('gift', `the goods donation record says ${g.quantity} of ${g.itemCode} to ${g.account}, the signed body ${body.quantity} of ${body.itemCode} to ${account}`);
  }
  if (g.notaryOrg !== body.notaryOrg || g.donorDisplayName !== body.donorDisplayName || g.lotNumber !== body.lotNumber || g.expiresOn !== body.expiresOn) {
    fail('gift', "the goods donation record's notary, donor name, lot or expiry is not the signed body's");
  }
  const gift: GiftRecord = {
    leaf: g.leaf, height: g.height, timeMs: g.timeMs, account: g.account, amountFen: g.quantity, intervalStart: g.intervalStart,
    trustDeposit: false, donorDisplayName: g.donorDisplayName, attested: g.notaryOrg !== '', attestingBank: g.notaryOrg, channel: 0,
    pointsEarned: 0n, refundedFen: 0n, refundLeaf: 0n, recordedBy: g.recordedBy, correctedLeaf: 0n,
  };
  return { envelope, body, txId, gift, goods: { record: g, body, distributions: new Map() } };
}

function checkGift(p: FlowProofJson, receipt: ReceiptProof, records: RecordSet): GiftContext {
  const envelope = parseEnvelope(fromHex(receipt.tx));
  const txId = txIdOf(envelope.body);
  if (!equal(txId, fromHex(p.tx_id, 32))) fail('gift', 'the flow proof is for another transaction');
  const decoded = decodeTxBody(envelope.body).payload;
  if (decoded.kind === 'goods_donation') return checkGoodsGift(receipt, records, envelope, txId, decoded);
  if (decoded.kind !== 'donation' && decoded.kind !== 'trust_deposit') return fail('gift', 'the receipt is not a donation');
  const value = records.need(giftKey(txId));
  if (value === null) return fail('gift', 'the gift record is proven absent');
  const gift = decodeGift(value);
  if (gift.leaf !== safeInteger(receipt.leaf_index)) fail('gift', `the gift record is at log entry ${gift.leaf}, the receipt at ${receipt.leaf_index}`);
  if (gift.account !== decoded.account) fail('gift', `the gift record credits ${gift.account}, the signed body ${decoded.account}`);
  if (gift.amountFen !== decoded.amountFen) fail('gift', `the gift record holds ${gift.amountFen} fen, the signed body ${decoded.amountFen}`);
  if (gift.trustDeposit !== (decoded.kind === 'trust_deposit')) fail('gift', 'the gift record is of another kind');
  return { envelope, body: decoded, txId, gift, goods: null };
}

// ---------------------------------------------------------------- check 5: the walk

interface Ranged {
  end: bigint;
  value: Uint8Array;
}

// The first entry (sorted by end) ending above p: the one holding p, if any (binary search).
function firstAbove<T extends { end: bigint }>(sorted: T[], p: bigint): T | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid].end > p) hi = mid;
    else lo = mid + 1;
  }
  return sorted[lo];
}

class Walker {
  private readonly accounts = new Map<string, AccountRecord>();
  private readonly ranges: Map<string, Ranged[]>; // proven consumed ranges by account, by end

  constructor(
    private readonly records: RecordSet,
    private readonly gift: GiftRecord,
  ) {
    this.ranges = indexRanges(records);
  }

  account(x: string): AccountRecord {
    let a = this.accounts.get(x);
    if (a) return a;
    const value = this.records.need(accountKey(x));
    if (value === null) return fail('wrong_account', `the account ${x} has no record`);
    a = decodeAccount(value);
    this.accounts.set(x, a);
    return a;
  }

  private rangeAt(x: string, p: bigint): { start: bigint; end: bigint; range: ConsumedRange } {
    const found = firstAbove(this.ranges.get(x) ?? [], p);
    if (!found) return fail('missing_record', `the proof lacks the consumed range of ${x} holding position ${p} (f/o/${x}␀…)`);
    const range = decodeConsumed(found.value);
    return { start: found.end - range.length, end: found.end, range };
  }

  private hop(fate: HopFate, account: string, amountFen: bigint, leaf: bigint | null, target = '', targetFrom = 0n): ProvenHop {
    return { fate, account, amountFen, leaf, target, targetFrom, tx: null, payload: null, correction: null, children: [], expanded: !followed(fate), attestedBy: null };
  }

  // The fates of [from, to) of account X, in stream order, at most `budget` of them: past it the
  // expansion stops (complete: false) before reading any further record, as the prover does.
  expand(x: string, from: bigint, to: bigint, root: boolean, budget: number): { hops: ProvenHop[]; complete: boolean } {
    const a = this.account(x);
    if (to > a.inPos) fail('wrong_account', `[${from}, ${to}) of ${x} lies beyond what it received (${a.inPos})`);
    const hops: ProvenHop[] = [];
    let p = from;
    const below = to < a.outPos ? to : a.outPos;
    while (p < below) {
      if (hops.length >= budget) return { hops, complete: false };
      const { start, end, range } = this.rangeAt(x, p);
      if (start > p) fail('not_contiguous', `positions [${p}, ${start}) of ${x} are consumed by no proven range`);
      if (p !== from && start !== p) fail('not_contiguous', `a consumed range of ${x} overlaps the previous one at ${start}`);
      const partEnd = end < to ? end : to;
      hops.push(this.piece(x, p, partEnd, start, range));
      p = partEnd;
    }
    for (const h of p < to ? this.rest(x, p, to, root) : []) {
      if (hops.length >= budget) return { hops, complete: false };
      hops.push(h);
    }
    return { hops, complete: true };
  }

  private piece(x: string, p: bigint, partEnd: bigint, start: bigint, r: ConsumedRange): ProvenHop {
    if (r.kind === 'spend') return this.hop('spent', x, partEnd - p, r.leaf);
    if (r.kind === 'refund') return this.hop('refunded', x, partEnd - p, r.leaf);
    if (r.kind === 'withdrawn') return this.hop('withdrawn', x, partEnd - p, r.leaf);
    if (r.kind === 'corrected') {
      // The money came back later in the same stream: anywhere else (or at itself) is forged.
      if (r.target !== x || r.targetStart < start + r.length || r.targetStart > INT64_MAX - r.length) {
        fail('wrong_account', `a corrected range of ${x} does not come back later in the same stream`);
      }
      return this.hop('corrected', x, partEnd - p, r.leaf, x, r.targetStart + (p - start));
    }
    if (r.target === x || !/^(org|project|trust|goods):./.test(r.target)) fail('wrong_account', `a transfer of ${x} moved on to '${r.target}', not another account`);
    if (r.targetStart > INT64_MAX - r.length) fail('wrong_account', `a transfer of ${x} moved on beyond any stream of ${r.target}`);
    return this.hop('moved_on', x, partEnd - p, r.leaf, r.target, r.targetStart + (p - start));
  }

  // At or above out_pos nothing is consumed but the gift's own refunded tail (or, for a
  // corrected gift, the whole gift, withdrawn by its correction).
  private rest(x: string, from: bigint, to: bigint, root: boolean): ProvenHop[] {
    const withdrawn = this.gift.correctedLeaf !== 0n;
    const tailFen = withdrawn ? this.gift.amountFen : this.gift.refundedFen;
    if (!root || tailFen === 0n) return [this.hop('unspent', x, to - from, null)];
    const tail = this.gift.intervalStart + this.gift.amountFen - tailFen;
    const out: ProvenHop[] = [];
    if (from < tail) out.push(this.hop('unspent', x, (to < tail ? to : tail) - from, null));
    const refundFrom = from > tail ? from : tail;
    if (refundFrom < to) {
      out.push(withdrawn ? this.hop('withdrawn', x, to - refundFrom, this.gift.correctedLeaf) : this.hop('refunded', x, to - refundFrom, this.gift.refundLeaf));
    }
    return out;
  }
}

// Every present "f/o/" ‖ account ‖ 0x00 ‖ u64 end record, grouped by account and sorted by end,
// so each lookup is a binary search (a proof may hold thousands of ranges).
function indexRanges(records: RecordSet): Map<string, Ranged[]> {
  const out = new Map<string, Ranged[]>();
  for (const { tail, value } of records.withPrefix(utf8('f/o/'), -1)) {
    if (tail.length < 10 || tail[tail.length - 9] !== 0) continue; // not a consumed-range key
    const account = new TextDecoder().decode(tail.subarray(0, tail.length - 9));
    const end = new DataView(tail.buffer, tail.byteOffset + tail.length - 8, 8).getBigUint64(0, false);
    const list = out.get(account) ?? [];
    list.push({ end, value });
    out.set(account, list);
  }
  for (const list of out.values()) list.sort((a, b) => (a.end < b.end ? -1 : a.end > b.end ? 1 : 0));
  return out;
}

const sum = (hops: ProvenHop[]): bigint => hops.reduce((a, h) => a + h.amountFen, 0n);

function walk(records: RecordSet, gift: GiftRecord, maxNodes: number): { roots: ProvenHop[]; nodes: number; truncated: boolean } {
  const w = new Walker(records, gift);
  const top = w.expand(gift.account, gift.intervalStart, gift.intervalStart + gift.amountFen, true, maxNodes);
  const roots = top.hops;
  // Roots past the budget: those shown are partial and none is expanded (as TraceForward).
  if (!top.complete) return { roots, nodes: roots.length, truncated: true };
  if (sum(roots) !== gift.amountFen) fail('sum_mismatch', `the pieces sum to ${sum(roots)} fen, the gift is ${gift.amountFen}`);
  let nodes = roots.length;
  const queue = roots.filter((h) => followed(h.fate));
  // Breadth first, as TraceForward: a long chain of hops never recurses.
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i];
    const next = w.expand(node.target, node.targetFrom, node.targetFrom + node.amountFen, false, maxNodes - nodes);
    if (!next.complete) return { roots, nodes, truncated: true }; // this and every later node keep no proven children
    node.children = next.hops;
    node.expanded = true;
    nodes += node.children.length;
    if (sum(node.children) !== node.amountFen) fail('sum_mismatch', `what moved on from ${node.account} to ${node.target} (${node.amountFen} fen) is traced as ${sum(node.children)} fen`);
    queue.push(...node.children.filter((h) => followed(h.fate)));
  }
  return { roots, nodes, truncated: false };
}

// ---------------------------------------------------------------- check 6: hop txs

function eachHop(roots: ProvenHop[], fn: (h: ProvenHop) => void): void {
  const stack = [...roots];
  while (stack.length) {
    const h = stack.pop()!;
    fn(h);
    stack.push(...h.children);
  }
}

// A reversed outflow's correction: the proven link row r/c/<outflow id> names a leaf whose tx is
// a Correction of that outflow.
function checkCorrection(h: ProvenHop, records: RecordSet, txs: Map<bigint, ProvenTx>): void {
  const outflowId = h.tx!.id;
  const where = `the corrected outflow at log entry ${h.leaf}`;
  const value = records.need(correctionKey(fromHex(outflowId, 32)));
  if (value === null) return fail('hop_tx', `${where} has no correction record`);
  const link = decodeCorrection(value);
  const tx = txs.get(link.correctionLeaf);
  if (!tx) return fail('hop_tx', `${where}: its correction at log entry ${link.correctionLeaf} is not in the proof`);
  const p = tx.body.payload;
  if (p.kind !== 'correction' || p.correctedTxId !== outflowId || link.correctedLeaf !== h.leaf || toHex(link.correctionTxId) !== tx.id) {
    fail('hop_tx', `${where}: the tx at log entry ${link.correctionLeaf} is not the correction its record names`);
  }
  h.correction = { tx, body: p as CorrectionBody };
}

// Goods move only by GoodsTransfer (moved on) and GoodsDistribution (spent: handed out), of the
// walk's item, between the goods accounts of the holders the signed body names.
function checkGoodsHop(h: ProvenHop, p: ProvenTx['body']['payload'], item: string, where: string): void {
  if (h.fate === 'spent') {
    if (p.kind !== 'goods_distribution' || p.itemCode !== item || goodsAccountFor(p.fromAccount, item) !== h.account) {
      fail('hop_tx', `${where} is not a goods distribution of ${item} from ${h.account}`);
    }
  } else if (h.fate === 'moved_on') {
    if (p.kind !== 'goods_transfer' || p.itemCode !== item || goodsAccountFor(p.fromAccount, item) !== h.account || goodsAccountFor(p.toAccount, item) !== h.target) {
      fail('hop_tx', `${where} is not a goods transfer of ${item} from ${h.account} to ${h.target}`);
    }
  } else {
    fail('hop_tx', `${where}: goods are only transferred or distributed, never ${h.fate}`);
  }
}

// A distributed node's proven r/gd/ record: the distribution the validators recorded at that
// leaf, from that account, of that item and quantity (its date and expired units are shown).
function checkDistribution(h: ProvenHop, records: RecordSet, goods: GoodsVerification): void {
  if (h.fate !== 'spent' || !h.tx || goods.distributions.has(h.leaf!)) return;
  const p = h.payload as GoodsDistributionBody;
  const value = records.need(goodsDistributionKey(fromHex(h.tx.id, 32)));
  const d = value === null ? null : decodeGoodsDistribution(value);
  if (!d || d.leaf !== h.leaf || d.account !== h.account || d.itemCode !== p.itemCode || d.quantity !== p.quantity || !validDate(d.blockDate)) {
    return fail('hop_tx', `the goods distribution at log entry ${h.leaf} has no record r/gd/ of that leaf, account, item and quantity`);
  }
  goods.distributions.set(h.leaf!, d);
}

function validDate(yyyymmdd: number): boolean {
  const y = Math.floor(yyyymmdd / 10000), m = Math.floor(yyyymmdd / 100) % 100, d = yyyymmdd % 100;
  const date = new Date(Date.UTC(y, m - 1, d));
  return y >= 1900 && y <= 9999 && date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function checkHop(h: ProvenHop, txs: Map<bigint, ProvenTx>, giftId: string, chainId: string, goodsItem: string): void {
  if (h.leaf === null) return;
  const tx = txs.get(h.leaf);
  if (!tx) return fail('hop_tx', `the tx at log entry ${h.leaf} (${h.fate} from ${h.account}) is not in the proof`);
  if (tx.body.chainId !== chainId) fail('hop_tx', `the tx at log entry ${h.leaf} is for another chain`);
  const p = tx.body.payload;
  const where = `the tx at log entry ${h.leaf}`;
  if (goodsItem !== '') {
    checkGoodsHop(h, p, goodsItem, where);
  } else if (h.fate === 'spent') {
    if (p.kind !== 'spend' || p.fromAccount !== h.account) fail('hop_tx', `${where} is not a spend from ${h.account}`);
  } else if (h.fate === 'refunded') {
    if (p.kind !== 'refund' || p.donationTxId !== giftId) fail('hop_tx', `${where} is not a refund of this gift`);
  } else if (h.fate === 'withdrawn') {
    if (p.kind !== 'correction' || p.correctedTxId !== giftId) fail('hop_tx', `${where} is not a correction of this gift`);
  } else if (h.fate === 'corrected') {
    const outflow = p.kind === 'spend' || p.kind === 'transfer';
    if (!outflow || p.fromAccount !== h.account) fail('hop_tx', `${where} is not a spend or transfer from ${h.account}`);
  } else {
    const move = p.kind === 'transfer' || p.kind === 'trust_disbursement';
    if (!move || p.fromAccount !== h.account || p.toAccount !== h.target) fail('hop_tx', `${where} is not a transfer from ${h.account} to ${h.target}`);
  }
  h.tx = tx;
  h.payload = p as HopPayload;
}

// ---------------------------------------------------------------- checks 7, 8: names, bank

function nameOf(records: RecordSet, named: string, orgs: Map<string, OrgRecord>): ProvenName {
  // A goods account is shown under its holder's names ("goods:x/i" -> org x).
  const account = named.startsWith('goods:') ? goodsHolderOf(named) || named : named;
  const colon = account.indexOf(':');
  const type = account.slice(0, colon);
  const id = account.slice(colon + 1);
  const key = type === 'org' ? orgKey(id) : type === 'project' ? projectKey(id) : type === 'trust' ? trustKey(id) : null;
  if (!key || colon < 0) return fail('names', `${account} is not an account name`);
  if (!records.has(key)) return fail('names', `the proof lacks the record naming ${account}`);
  const value = records.need(key);
  if (value === null) return fail('names', `${account} has no record`);
  if (type === 'org') {
    const o = decodeOrg(value);
    if (o.orgId !== id) fail('names', `the record of ${account} names ${o.orgId}`);
    orgs.set(id, o);
    return { nameZh: o.nameZh, nameEn: o.nameEn, kind: o.kind, owner: id };
  }
  const r = type === 'project' ? decodeProject(value) : decodeTrust(value);
  if (r.id !== id) fail('names', `the record of ${account} names ${r.id}`);
  return { nameZh: r.nameZh, nameEn: r.nameEn, kind: type, owner: r.owner };
}

function checkNames(records: RecordSet, gift: GiftRecord, roots: ProvenHop[]): { names: Map<string, ProvenName>; orgs: Map<string, OrgRecord> } {
  const names = new Map<string, ProvenName>();
  const orgs = new Map<string, OrgRecord>();
  const need = (account: string) => {
    if (!names.has(account)) names.set(account, nameOf(records, account, orgs));
  };
  need(gift.account);
  eachHop(roots, (h) => {
    need(h.account);
    if (h.fate === 'moved_on') need(h.target);
  });
  // The recording organisation is shown by name only when its record came with the proof.
  if (gift.recordedBy && records.has(orgKey(gift.recordedBy))) need(`org:${gift.recordedBy}`);
  return { names, orgs };
}

// A goods donation is recorded by the owner of the account it was given to.
function checkRecordedBy(gift: GiftRecord, names: Map<string, ProvenName>): void {
  const holder = goodsHolderOf(gift.account);
  const owner = names.get(gift.account)?.owner ?? '';
  if (!holder || owner === '' || owner !== gift.recordedBy) fail('names', `the goods donation is recorded by '${gift.recordedBy}', but ${holder} is owned by '${owner}'`);
}

// The bank a gift claims: a donation's attesting bank (in its signed body), a trust deposit's
// custodian bank (in its trust's proven record); empty for a self-reported donation.
function claimedBank(records: RecordSet, ctx: GiftContext): string {
  const { gift, body } = ctx;
  if (body.kind === 'goods_donation') return body.notaryOrg; // checked against the record by check 4
  let bank = body.attestingBank;
  if (body.kind === 'trust_deposit') {
    const id = body.account.slice('trust:'.length);
    if (!records.has(trustKey(id))) return fail('bank', `the proof lacks the record of the deposit's trust ${id}`);
    const value = records.need(trustKey(id));
    if (value === null) return fail('bank', `the trust ${id} has no record`);
    bank = decodeTrust(value).custodianBank;
  }
  if (bank !== gift.attestingBank || gift.attested === (bank === '')) fail('bank', `the gift record names bank '${gift.attestingBank}', the signed tx '${bank}'`);
  return bank;
}

// Check 8: "attested by bank B" = o/B is a bank and holds a key that signed the gift.
async function checkBank(records: RecordSet, ctx: GiftContext, orgs: Map<string, OrgRecord>): Promise<OrgRecord | null> {
  const bankId = claimedBank(records, ctx);
  if (bankId === '') return null;
  if (!records.has(orgKey(bankId))) return fail('bank', `the proof lacks the record of the bank ${bankId}`);
  const value = records.need(orgKey(bankId));
  if (value === null) return fail('bank', `${bankId} is not a registered organisation`);
  const bank = decodeOrg(value);
  // A goods notary may be a bank, the federation or a bureau (docs/rules.md "In-kind goods").
  const kinds = ctx.goods ? ['bank', 'federation', 'bureau'] : ['bank'];
  if (bank.orgId !== bankId || !kinds.includes(bank.kind)) fail('bank', `${bankId} is not registered as a ${ctx.goods ? 'bank, federation or bureau' : 'bank'}`);
  const message = concat(TXSIG_DOMAIN, ctx.envelope.body);
  for (const s of ctx.envelope.sigs) {
    if (!bank.publicKeys.some((k) => equal(k, s.publicKey))) continue;
    if (await ed25519Verify(s.publicKey, s.sig, message)) {
      orgs.set(bankId, bank);
      return bank;
    }
  }
  return fail('bank', `no signature on the donation verifies under a key of ${bankId}`);
}

// Check 8 for money leaving: a spend or refund is "attested by bank B" when its proven r/a/<tx id>
// record names B (the validators wrote it after checking B's co-signature against B's keys of the
// time) and o/B is a proven bank. The record's absence is proven too.
function checkHopBanks(records: RecordSet, roots: ProvenHop[], orgs: Map<string, OrgRecord>): void {
  eachHop(roots, (h) => {
    // A corrected spend's co-signature is shown too (the C++ verifier checks every spend hop).
    const leaving = h.fate === 'spent' || h.fate === 'refunded' || (h.fate === 'corrected' && h.payload?.kind === 'spend');
    if (!leaving || !h.tx) return;
    const value = records.need(attestationKey(fromHex(h.tx.id)));
    if (value === null) return;
    const bankId = new TextDecoder('utf-8', { fatal: true }).decode(value);
    const org = records.need(orgKey(bankId));
    if (org === null) return fail('bank', `the tx at log entry ${h.leaf} is attested by ${bankId}, which has no record`);
    const bank = decodeOrg(org);
    if (bank.orgId !== bankId || bank.kind !== 'bank') fail('bank', `the tx at log entry ${h.leaf} is attested by ${bankId}, which is not a bank`);
    orgs.set(bankId, bank);
    h.attestedBy = bank;
  });
}

// ---------------------------------------------------------------- all checks

function totalsOf(roots: ProvenHop[]): FlowVerification['totals'] {
  const t = { spent: 0n, unspent: 0n, refunded: 0n, withdrawn: 0n, untraced: 0n };
  eachHop(roots, (h) => {
    if (h.fate === 'spent') t.spent += h.amountFen;
    else if (h.fate === 'unspent') t.unspent += h.amountFen;
    else if (h.fate === 'refunded') t.refunded += h.amountFen;
    else if (h.fate === 'withdrawn') t.withdrawn += h.amountFen;
    else if (!h.expanded) t.untraced += h.amountFen;
  });
  return t;
}

async function run(p: FlowProofJson, receipt: ReceiptProof, anchor: Anchor, passed: FlowCheck[]): Promise<FlowVerification> {
  const env: ProvenEnvelope = await verifyEnvelope(p, anchor, receipt.header.height);
  passed.push('flow_header', 'state_proof', 'tx_inclusion');
  const ctx = guard('gift', () => checkGift(p, receipt, env.records));
  passed.push('gift');
  const maxNodes = Math.min(Number.isSafeInteger(p.max_nodes) && p.max_nodes > 0 ? p.max_nodes : DEFAULT_MAX_NODES, DEFAULT_MAX_NODES);
  const { roots, nodes, truncated } = guard('walk', () => walk(env.records, ctx.gift, maxNodes));
  passed.push('walk');
  const giftId = toHex(ctx.txId);
  const goodsItem = ctx.goods?.record.itemCode ?? '';
  guard('hop_tx', () => eachHop(roots, (h) => {
    checkHop(h, env.txs, giftId, anchor.set.chainId, goodsItem);
    if (h.fate === 'corrected') checkCorrection(h, env.records, env.txs);
    if (ctx.goods) checkDistribution(h, env.records, ctx.goods);
  }));
  passed.push('hop_tx');
  const { names, orgs } = guard('names', () => {
    const named = checkNames(env.records, ctx.gift, roots);
    if (ctx.goods) checkRecordedBy(ctx.gift, named.names);
    return named;
  });
  passed.push('names');
  const bank = await guardAsync('bank', () => checkBank(env.records, ctx, orgs));
  // Goods leaving are handed out, not paid: no bank co-signs a distribution (no r/a/ record).
  if (!ctx.goods) guard('bank', () => checkHopBanks(env.records, roots, orgs));
  passed.push('bank');
  return {
    height: env.height, blockHash: env.blockHash, signers: env.signers, validatorCount: env.validatorCount,
    txId: giftId, gift: ctx.gift, giftBody: ctx.body, goods: ctx.goods, roots, nodeCount: nodes, truncated, names, orgs, bank,
    totals: totalsOf(roots), proofBytes: env.proofBytes,
  };
}

// A decoding error inside a check (a truncated record, bad UTF-8) fails that check.
function guard<T>(check: FlowCheck, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FlowFailure) throw e;
    return fail(check, (e as Error).message);
  }
}

async function guardAsync<T>(check: FlowCheck, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof FlowFailure) throw e;
    return fail(check, (e as Error).message);
  }
}

export async function verifyFlow(p: FlowProofJson, receipt: ReceiptProof, anchor: Anchor): Promise<FlowResult> {
  const passed: FlowCheck[] = [];
  try {
    return { ok: true, value: await run(p, receipt, anchor, passed), passed };
  } catch (e) {
    if (e instanceof FlowFailure) return { ok: false, check: e.check, message: e.message, passed };
    return { ok: false, check: FLOW_CHECKS[passed.length] ?? 'flow_header', message: (e as Error).message, passed };
  }
}

export { eachHop };
