// A goods receipt (issue 19: GET /v1/receipts/{code} answering "goods") checked like a money
// receipt: the receipt proof of the signed GoodsDonation, then the flow proof walked in units of
// its item, then the node's JSON compared with what both prove. `provenGoods` rebuilds the
// node's GoodsTrace shape from the proofs alone, so the page renders proven values only; the few
// values no proof reaches are copied from the node and listed in GOODS_NOT_PROVEN.
import { base32Encode } from './base32.js';
import { fromHex } from './bytes.js';
import { Differ, type Mismatch } from './consistency.js';
import { verifyFlow, type FlowResult, type FlowVerification, type ProvenHop } from './flow.js';
import type { Anchor } from './genesis.js';
import { goodsHolderOf } from './records.js';
import { verifyReceipt, type ReceiptVerification } from './receipt.js';
import type { GoodsDistributionBody, GoodsTransferBody } from './txbody.js';
import type { GoodsHopTx, GoodsReceipt, GoodsTrace, GoodsTraceNode } from './types.js';

// Shown as the node says, labelled "not proven": the item's names and category (a genesis item
// is not in the state map, and the browser holds only the genesis validators), a hop's block
// height and time (and a transfer's block date), a region's name (the node's GB/T 2260 table).
export const GOODS_NOT_PROVEN = ['item.name_zh', 'item.name_en', 'item.category', 'tx.height', 'tx.time_ms', 'transfer date', 'region_name'] as const;

export interface GoodsAnswerVerification {
  receipt: ReceiptVerification;
  flow: FlowResult | null; // null: no flow proof, or the receipt proof failed
  proven: GoodsTrace | null; // the flow proof held
  mismatch: Mismatch | null; // the first value where the node's JSON differs from the proofs
}

export const goodsVerified = (a: GoodsAnswerVerification): boolean => a.receipt.ok && a.flow?.ok === true && a.mismatch === null;

const dateText = (yyyymmdd: number): string =>
  yyyymmdd === 0 ? '' : `${Math.floor(yyyymmdd / 10000)}-${String(Math.floor(yyyymmdd / 100) % 100).padStart(2, '0')}-${String(yyyymmdd % 100).padStart(2, '0')}`;

export async function verifyGoodsAnswer(code: string, answer: GoodsReceipt, anchor: Anchor): Promise<GoodsAnswerVerification> {
  const g = answer.goods;
  const subject = { id: g.id, code: g.code, kind: 'goods_donation', account: g.holder, amount_fen: g.quantity };
  const receipt = await verifyReceipt(code, answer.proof, subject, anchor);
  if (!receipt.ok || !answer.flow_proof) return { receipt, flow: null, proven: null, mismatch: null };
  const flow = await verifyFlow(answer.flow_proof, answer.proof, anchor);
  if (!flow.ok) return { receipt, flow, proven: null, mismatch: null };
  if (!flow.value.goods) {
    return { receipt, flow, proven: null, mismatch: { check: 'kind mismatch', message: 'the node answers goods for a money gift' } };
  }
  const proven = provenGoods(flow.value, g);
  return { receipt, flow, proven, mismatch: compareGoods(g, proven) };
}

// The node's GoodsTrace rebuilt from a verified goods flow proof.
export function provenGoods(flow: FlowVerification, server: GoodsTrace): GoodsTrace {
  const goods = flow.goods!;
  const r = goods.record;
  const holder = goodsHolderOf(r.account);
  const t = flow.totals;
  return {
    id: flow.txId,
    code: base32Encode(fromHex(flow.txId, 32)),
    item: { ...server.item, item_code: r.itemCode, unit: goods.body.unit },
    quantity: Number(r.quantity),
    value_fen: Number(r.valueFen),
    lot_number: r.lotNumber,
    expires_on: dateText(r.expiresOn),
    donor_display_name: r.donorDisplayName === '' ? '匿名' : r.donorDisplayName,
    account: r.account,
    holder,
    holder_name_zh: flow.names.get(r.account)?.nameZh ?? '',
    recorded_by: r.recordedBy,
    notary_org: flow.bank ? r.notaryOrg : null,
    height: Number(r.height),
    time_ms: Number(r.timeMs),
    truncated: flow.truncated,
    totals: { distributed: Number(t.spent), held: Number(t.unspent), untraced: Number(t.untraced) },
    nodes: flow.roots.map((h, i) => goodsNode(h, flow, server.nodes[i])),
  };
}

function goodsNode(h: ProvenHop, flow: FlowVerification, server: GoodsTraceNode | undefined): GoodsTraceNode {
  const n = flow.names.get(h.account);
  return {
    account: h.account,
    holder: goodsHolderOf(h.account),
    holder_name_zh: n?.nameZh ?? '',
    holder_name_en: n?.nameEn ?? '',
    quantity: Number(h.amountFen),
    fate: h.fate === 'spent' ? 'distributed' : h.fate === 'moved_on' ? 'moved_on' : 'unspent',
    tx: goodsTx(h, flow, server?.tx ?? null),
    children: h.children.map((c, i) => goodsNode(c, flow, server?.children[i])),
    unexpanded: h.fate === 'moved_on' && !h.expanded,
  };
}

function goodsTx(h: ProvenHop, flow: FlowVerification, server: GoodsHopTx | null): GoodsHopTx | null {
  if (!h.tx || !h.payload) return null;
  const base = { tx_id: h.tx.id, leaf: Number(h.tx.leaf), height: server?.height ?? 0, time_ms: server?.time_ms ?? 0 };
  if (h.payload.kind === 'goods_transfer') {
    const p = h.payload as GoodsTransferBody;
    const to = flow.names.get(h.target);
    return { ...base, kind: 'goods_transfer', date: server?.date ?? '', to_account: p.toAccount, to_name_zh: to?.nameZh ?? '', purpose: p.purpose };
  }
  const p = h.payload as GoodsDistributionBody;
  const record = flow.goods!.distributions.get(h.leaf!)!;
  return {
    ...base, kind: 'goods_distribution', date: dateText(record.blockDate), place_name: p.placeName, region: p.region,
    region_name: server?.region_name ?? null, beneficiary_count: p.beneficiaryCount, evidence_hash: p.evidenceHash || null,
    occurred_at_ms: p.occurredAtMs, expired_quantity: Number(record.expiredQuantity),
  };
}

// Every proven value the page shows, node against proof; the first difference is reported.
export function compareGoods(node: GoodsTrace, proven: GoodsTrace): Mismatch | null {
  const d = new Differ();
  d.same('quantity mismatch', 'quantity', node.quantity, proven.quantity);
  d.same('item mismatch', 'item', node.item?.item_code, proven.item.item_code);
  d.same('item mismatch', 'unit', node.item?.unit, proven.item.unit);
  d.same('recipient mismatch', 'recipient account', node.account, proven.account);
  d.same('recipient mismatch', 'recipient name', node.holder_name_zh, proven.holder_name_zh);
  d.same('donor name mismatch', 'donor display name', node.donor_display_name, proven.donor_display_name);
  d.same('lot mismatch', 'lot', node.lot_number, proven.lot_number);
  d.same('lot mismatch', 'expiry', node.expires_on, proven.expires_on);
  d.same('value mismatch', 'valued amount', node.value_fen, proven.value_fen);
  d.same('notary mismatch', 'notary', node.notary_org, proven.notary_org);
  d.same('time mismatch', 'time', node.time_ms, proven.time_ms);
  d.same('time mismatch', 'block height', node.height, proven.height);
  d.same('tx id mismatch', 'code', node.code, proven.code);
  d.same('totals mismatch', 'distributed', node.totals?.distributed, proven.totals.distributed);
  d.same('totals mismatch', 'held', node.totals?.held, proven.totals.held);
  d.same('truncated mismatch', 'truncated', node.truncated, proven.truncated);
  compareNodes(d, node.nodes ?? [], proven.nodes, 'node');
  return d.found;
}

function compareNodes(d: Differ, node: GoodsTraceNode[], proven: GoodsTraceNode[], where: string): void {
  d.same('hop count mismatch', `${where}s`, node.length, proven.length);
  proven.forEach((p, i) => {
    const n = node[i];
    if (!n) return;
    const at = `${where} ${i + 1}`;
    d.same('hop account mismatch', `${at} account`, n.account, p.account);
    d.same('hop name mismatch', `${at} holder name`, n.holder_name_zh, p.holder_name_zh);
    d.same('hop quantity mismatch', `${at} quantity`, n.quantity, p.quantity);
    d.same('hop fate mismatch', `${at} fate`, n.fate, p.fate);
    if (p.tx) {
      d.same('hop tx mismatch', `${at} tx`, n.tx?.tx_id, p.tx.tx_id);
      d.same('hop kind mismatch', `${at} kind`, n.tx?.kind, p.tx.kind);
      d.same('hop place mismatch', `${at} place`, n.tx?.place_name, p.tx.place_name);
      d.same('hop place mismatch', `${at} region`, n.tx?.region, p.tx.region);
      d.same('hop date mismatch', `${at} date`, p.tx.kind === 'goods_distribution' ? n.tx?.date : p.tx.date, p.tx.date);
      d.same('hop beneficiaries mismatch', `${at} beneficiaries`, n.tx?.beneficiary_count, p.tx.beneficiary_count);
      d.same('hop expiry mismatch', `${at} expired units`, n.tx?.expired_quantity, p.tx.expired_quantity);
      d.same('hop target mismatch', `${at} to`, n.tx?.to_account, p.tx.to_account);
      d.same('hop purpose mismatch', `${at} purpose`, n.tx?.purpose, p.tx.purpose);
    }
    compareNodes(d, n.children ?? [], p.children, at);
  });
}
