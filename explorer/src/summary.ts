// The receipt's one-sentence answer ("your ¥48,000: ¥18,057.70 paid for 2 spends that reached
// 409 people; ¥29,942.30 is still in project X"), computed from a trace. The receipt page passes
// the proven trace once verification holds, so every number in the sentence is a proven figure.
// Pure (no DOM, no i18n) so node tests check the arithmetic.
import type { Trace, TraceNode } from './api';

export interface Place {
  account: string;
  name_zh: string;
  name_en: string;
  amount_fen: number;
}

export interface PlainSummary {
  amount_fen: number;
  spent_fen: number;
  spend_count: number; // distinct spend transactions the gift paid into
  beneficiaries: number; // people those spends reached (each spend's signed count, once)
  unspent_fen: number;
  places: Place[]; // where the unspent money is, largest first
  refunded_fen: number;
  withdrawn_fen: number;
  untraced_fen: number; // moved on past what the trace followed
}

export function plainSummary(trace: Trace): PlainSummary {
  const spends = new Map<string, number>();
  const places = new Map<string, Place>();
  const walk = (n: TraceNode) => {
    if (n.fate === 'spent' && n.tx) spends.set(n.tx.id, n.tx.beneficiary_count ?? 0);
    if (n.fate === 'unspent') {
      const p = places.get(n.account) ?? { account: n.account, name_zh: n.account_name_zh, name_en: n.account_name_en, amount_fen: 0 };
      p.amount_fen += n.amount_fen;
      places.set(n.account, p);
    }
    n.children.forEach(walk);
  };
  trace.nodes.forEach(walk);
  const t = trace.totals;
  return {
    amount_fen: trace.amount_fen,
    spent_fen: t.spent_fen,
    spend_count: spends.size,
    beneficiaries: [...spends.values()].reduce((a, b) => a + b, 0),
    unspent_fen: t.unspent_fen,
    places: [...places.values()].sort((a, b) => b.amount_fen - a.amount_fen || a.account.localeCompare(b.account)),
    refunded_fen: t.refunded_fen,
    withdrawn_fen: t.withdrawn_fen ?? 0,
    untraced_fen: t.untraced_fen,
  };
}
