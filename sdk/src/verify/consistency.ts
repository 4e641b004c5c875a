// Compares what the node's JSON says (donation, trace) with what the proofs prove, value by
// value, for every value the receipt page shows. The first difference is reported by name
// ("hop amount mismatch: …"): a node whose JSON contradicts its own proof is not to be trusted,
// even though the page then shows only the proven values.
import type { Donation, HopTx, NameRef, Trace, TraceNode } from './types.js';

export interface Mismatch {
  check: string; // e.g. "hop amount mismatch"
  message: string; // where, what the node says, what the proof says
}

type Value = string | number | boolean | null | undefined;

export class Differ {
  found: Mismatch | null = null;

  // Records the first difference only: later ones follow from it as often as not.
  same(check: string, where: string, node: Value, proven: Value, show: (v: Value) => string = plain): boolean {
    if (this.found) return false;
    if (norm(node) === norm(proven)) return true;
    this.found = { check, message: `${where}: node ${show(node)}, proof ${show(proven)}` };
    return false;
  }
}

const plain = (v: Value): string => (v === undefined || v === null || v === '' ? '∅' : JSON.stringify(v));
const money = (v: Value): string => (typeof v === 'number' ? yuan(v) : plain(v));

// Locale-free on purpose: a mismatch message reads the same in a browser, a log or a test.
function yuan(fen: number): string {
  const v = BigInt(fen);
  const abs = v < 0n ? -v : v;
  return `${v < 0n ? '-' : ''}¥${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}
const time = (v: Value): string => (typeof v === 'number' ? new Date(v).toISOString() : plain(v));
// Absent, null and empty are one value in JSON the node fills with protobuf defaults.
const norm = (v: Value): string => (v === undefined || v === null || v === '' ? '' : String(v));

function sameName(d: Differ, check: string, where: string, node: NameRef | null | undefined, proven: NameRef | null | undefined): void {
  d.same(check, `${where} (zh)`, node?.name_zh, proven?.name_zh);
  d.same(check, `${where} (en)`, node?.name_en, proven?.name_en);
}

// Values the receipt proof alone proves (the signed body, the block, the log position).
export function compareGift(node: Donation, proven: Donation): Mismatch | null {
  const d = new Differ();
  d.same('amount mismatch', 'amount', node.amount_fen, proven.amount_fen, money);
  d.same('recipient mismatch', 'recipient account', node.account, proven.account);
  d.same('donor name mismatch', 'donor display name', node.donor_display_name, proven.donor_display_name);
  d.same('donor name mismatch', 'anonymous', node.anonymous, proven.anonymous);
  d.same('time mismatch', 'time', node.time_ms, proven.time_ms, time);
  d.same('time mismatch', 'block height', node.height, proven.height);
  d.same('time mismatch', 'log entry', node.leaf, proven.leaf);
  d.same('restricted flag mismatch', 'restricted', node.restricted, proven.restricted);
  d.same('channel mismatch', 'channel', node.channel, proven.channel);
  d.same('memo mismatch', 'memo', node.memo, proven.memo);
  d.same('tx id mismatch', 'code', node.code, proven.code);
  return d.found;
}

// Values the flow proof adds: attestation, names, points, refunds.
export function compareDonation(node: Donation, proven: Donation, recordedByProven: boolean): Mismatch | null {
  const d = new Differ();
  d.same('bank mismatch', 'attested by a bank', node.attested, proven.attested);
  d.same('bank mismatch', 'attesting bank', node.attested ? node.attesting_bank : '', proven.attesting_bank);
  if (proven.attested) sameName(d, 'bank mismatch', 'bank name', node.attesting_bank_org, proven.attesting_bank_org);
  sameName(d, 'name mismatch', `name of ${proven.account}`, node.to, proven.to);
  d.same('recorded by mismatch', 'recorded by', node.recorded_by, proven.recorded_by);
  if (recordedByProven) sameName(d, 'recorded by mismatch', 'name of the recording organisation', node.recorded_by_org, proven.recorded_by_org);
  d.same('points mismatch', 'points earned', node.points_earned, proven.points_earned);
  d.same('refund mismatch', 'refunded', node.refunded_fen, proven.refunded_fen, money);
  if (proven.refunded_fen > 0) d.same('refund mismatch', 'refund tx', node.refund_tx, proven.refund_tx);
  return d.found;
}

function compareTx(d: Differ, where: string, node: HopTx | null, proven: HopTx | null): void {
  if (!d.same('hop tx mismatch', `${where} tx`, node?.id, proven?.id) || !node || !proven) return;
  d.same('hop tx mismatch', `${where} kind`, node.kind, proven.kind);
  if (proven.kind === 'spend') {
    d.same('spend category mismatch', `${where} category`, node.category, proven.category);
    d.same('spend payee mismatch', `${where} payee kind`, node.payee_kind, proven.payee_kind);
    d.same('spend payee mismatch', `${where} payee`, node.payee_name, proven.payee_name);
    d.same('spend beneficiaries mismatch', `${where} beneficiaries`, node.beneficiary_count, proven.beneficiary_count);
    d.same('spend invoice mismatch', `${where} invoice hash`, node.invoice_hash, proven.invoice_hash);
    d.same('spend description mismatch', `${where} description`, node.description, proven.description);
    d.same('spend date mismatch', `${where} date`, node.occurred_at_ms, proven.occurred_at_ms, time);
    d.same('hop tx mismatch', `${where} whole record`, node.amount_fen, proven.amount_fen, money);
    d.same('bank mismatch', `${where} attesting bank`, node.attested_by ?? null, proven.attested_by ?? null);
  } else if (proven.kind === 'refund') {
    d.same('bank mismatch', `${where} attesting bank`, node.attested_by ?? null, proven.attested_by ?? null);
    d.same('refund mismatch', `${where} refunded gift`, node.donation_tx_id, proven.donation_tx_id);
    d.same('refund mismatch', `${where} reason`, node.reason, proven.reason);
  } else {
    d.same('hop account mismatch', `${where} target`, node.to_account, proven.to_account);
    d.same('name mismatch', `${where} target name (zh)`, node.to_name_zh, proven.to_name_zh);
    d.same('name mismatch', `${where} target name (en)`, node.to_name_en, proven.to_name_en);
    d.same('hop tx mismatch', `${where} whole record`, node.amount_fen, proven.amount_fen, money);
    d.same('hop tx mismatch', `${where} purpose`, node.purpose, proven.purpose);
  }
}

function compareNodes(d: Differ, path: string, node: TraceNode[], proven: TraceNode[]): void {
  d.same('hop count mismatch', `hops under ${path}`, node.length, proven.length);
  for (let i = 0; i < proven.length && !d.found; i++) {
    const n = node[i];
    const p = proven[i];
    const where = `hop ${path}${i + 1} (${p.account})`;
    d.same('hop account mismatch', `${where} account`, n.account, p.account);
    d.same('hop fate mismatch', `${where} fate`, n.fate, p.fate);
    d.same(p.fate === 'unspent' ? 'unspent mismatch' : 'hop amount mismatch', `${where} amount`, n.amount_fen, p.amount_fen, money);
    d.same('name mismatch', `${where} name (zh)`, n.account_name_zh, p.account_name_zh);
    d.same('name mismatch', `${where} name (en)`, n.account_name_en, p.account_name_en);
    if (p.fate !== 'unspent') compareTx(d, where, n.tx, p.tx);
    // Below a node the proof did not expand, the node's further hops are shown as not proven.
    if (!p.unexpanded) compareNodes(d, `${path}${i + 1}.`, n.children ?? [], p.children);
  }
}

export function compareTrace(node: Trace, proven: Trace): Mismatch | null {
  const d = new Differ();
  d.same('hop account mismatch', 'traced account', node.account, proven.account);
  d.same('sum mismatch', 'traced amount', node.amount_fen, proven.amount_fen, money);
  compareNodes(d, '', node.nodes ?? [], proven.nodes);
  const [nt, pt] = [node.totals, proven.totals];
  d.same('spent total mismatch', 'total spent', nt?.spent_fen, pt.spent_fen, money);
  d.same('unspent mismatch', 'total unspent', nt?.unspent_fen, pt.unspent_fen, money);
  d.same('refund mismatch', 'total refunded', nt?.refunded_fen, pt.refunded_fen, money);
  if (!proven.truncated) d.same('untraced mismatch', 'not followed', nt?.untraced_fen, pt.untraced_fen, money);
  return d.found;
}
