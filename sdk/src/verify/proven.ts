// The receipt page's data rebuilt from proofs alone, in the node's own JSON shapes (Donation,
// Trace), so the page renders proven values with the code that renders the node's, and so the
// node's JSON can be compared with them field by field (consistency.ts).
import type { Donation, HopTx, NameRef, ReceiptProof, Trace, TraceNode } from './types.js';
import { base32Encode } from './base32.js';
import { fromHex, toHex } from './bytes.js';
import type { FlowVerification, ProvenHop, ProvenName } from './flow.js';
import { parseEnvelope } from './protobuf.js';
import { decodeTxBody, txIdOf, type GiftBody } from './txbody.js';

// The signed gift body of a receipt proof (already verified by verifyReceipt).
export function giftBodyOf(proof: ReceiptProof): GiftBody | null {
  const p = decodeTxBody(parseEnvelope(fromHex(proof.tx)).body).payload;
  return p.kind === 'donation' || p.kind === 'trust_deposit' ? p : null;
}

const nameRef = (account: string, n: ProvenName | undefined): NameRef => {
  const colon = account.indexOf(':');
  return { account, type: account.slice(0, colon), id: account.slice(colon + 1), name_zh: n?.nameZh ?? '', name_en: n?.nameEn ?? '', owner_org: n?.owner ?? '' };
};

const orgRef = (id: string, flow: FlowVerification): NameRef | null => {
  const o = flow.orgs.get(id);
  return o ? { org_id: id, kind: o.kind, name_zh: o.nameZh, name_en: o.nameEn } : null;
};

// What the receipt proof alone proves: the signed body, the block and the log position.
export function provenGift(proof: ReceiptProof, body: GiftBody, server: Donation): Donation {
  const id = txIdOf(parseEnvelope(fromHex(proof.tx)).body);
  return {
    ...server, // fields only the flow proof can prove are replaced in provenDonation
    id: toHex(id),
    code: base32Encode(id),
    kind: body.kind,
    leaf: proof.leaf_index,
    height: proof.header.height,
    time_ms: proof.header.time_ms,
    account: body.account,
    amount_fen: Number(body.amountFen),
    donor_display_name: body.donorDisplayName,
    anonymous: body.donorDisplayName === '',
    channel: body.channel,
    restricted: body.account.startsWith('project:'),
    memo: body.memo,
  };
}

// Everything the flow proof adds: attestation, names, points, refunds.
export function provenDonation(gift: Donation, flow: FlowVerification): Donation {
  const g = flow.gift;
  const refund = g.refundedFen > 0n ? findTx(flow, g.refundLeaf) : null;
  const correction = g.correctedLeaf > 0n ? findTx(flow, g.correctedLeaf) : null;
  return {
    ...gift,
    attested: flow.bank !== null,
    attesting_bank: flow.bank ? g.attestingBank : '',
    attesting_bank_org: flow.bank ? orgRef(g.attestingBank, flow) : null,
    points_earned: Number(g.pointsEarned),
    refunded_fen: Number(g.refundedFen),
    refund_tx: refund,
    corrected_by: correction ? { id: correction, code: base32Encode(fromHex(correction, 32)), leaf: Number(g.correctedLeaf) } : null,
    recorded_by: g.recordedBy,
    recorded_by_org: orgRef(g.recordedBy, flow) ?? { org_id: g.recordedBy },
    to: nameRef(g.account, flow.names.get(g.account)),
  };
}

function findTx(flow: FlowVerification, leaf: bigint): string | null {
  let id: string | null = null;
  const stack = [...flow.roots];
  while (stack.length && id === null) {
    const h = stack.pop()!;
    if (h.leaf === leaf && h.tx) id = h.tx.id;
    stack.push(...h.children);
  }
  return id;
}

function hopTx(h: ProvenHop, flow: FlowVerification): HopTx | null {
  if (!h.tx || !h.payload) return null;
  const p = h.payload;
  const base: HopTx = {
    id: h.tx.id,
    code: base32Encode(fromHex(h.tx.id, 32)),
    leaf: Number(h.tx.leaf),
    height: 0, // not proven: the hop's block is not part of the proof
    time_ms: h.tx.body.createdAtMs, // the time its author signed, from the signed body
    kind: p.kind,
  };
  const bank = h.attestedBy;
  const attested = bank ? { attested_by: bank.orgId, attested_by_name_zh: bank.nameZh, attested_by_name_en: bank.nameEn } : { attested_by: null };
  if (p.kind === 'refund') return { ...base, donation_tx_id: p.donationTxId, reason: p.reason, ...attested };
  if (p.kind === 'correction') return { ...base, corrects: p.correctedTxId, reason: p.reason };
  // A reversed outflow is shown with its proven correction.
  const c = h.correction;
  const correctedBy = c ? { id: c.tx.id, code: base32Encode(fromHex(c.tx.id, 32)), leaf: Number(c.tx.leaf), reason: c.body.reason } : undefined;
  if (p.kind === 'goods_transfer' || p.kind === 'goods_distribution') return null; // never in a money walk (goods.ts shows goods)
  if (p.kind !== 'spend') {
    const n = flow.names.get(p.toAccount);
    return { ...base, from_account: p.fromAccount, to_account: p.toAccount, to_name_zh: n?.nameZh ?? '', to_name_en: n?.nameEn ?? '', to_owner_org: n?.owner ?? '', amount_fen: Number(p.amountFen), purpose: p.purpose, corrected_by: correctedBy };
  }
  return {
    ...base, from_account: p.fromAccount, amount_fen: Number(p.amountFen), category: p.category, payee_kind: p.payeeKind,
    payee_name: p.payeeName, beneficiary_count: p.beneficiaryCount, invoice_hash: p.invoiceHash, description: p.description,
    occurred_at_ms: p.occurredAtMs, corrected_by: correctedBy, ...attested,
  };
}

function traceNode(h: ProvenHop, flow: FlowVerification): TraceNode {
  const n = flow.names.get(h.account);
  return {
    account: h.account,
    account_name_zh: n?.nameZh ?? '',
    account_name_en: n?.nameEn ?? '',
    amount_fen: Number(h.amountFen),
    fate: h.fate,
    tx: hopTx(h, flow),
    children: h.children.map((c) => traceNode(c, flow)),
    unexpanded: (h.fate === 'moved_on' || h.fate === 'corrected') && !h.expanded,
  };
}

export function provenTrace(flow: FlowVerification): Trace {
  const t = flow.totals;
  return {
    account: flow.gift.account,
    amount_fen: Number(flow.gift.amountFen),
    truncated: flow.truncated,
    totals: { spent_fen: Number(t.spent), unspent_fen: Number(t.unspent), refunded_fen: Number(t.refunded), withdrawn_fen: Number(t.withdrawn), untraced_fen: Number(t.untraced) },
    nodes: flow.roots.map((h) => traceNode(h, flow)),
  };
}
