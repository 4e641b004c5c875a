// The node's JSON answers the verifiers read (GET /v1/receipts/{code}, /v1/trace/{code},
// /v1/spends/{id}/sources; docs/api.md). Shapes only: nothing here is trusted until a proof says so.
import type { CommitJson, HeaderJson } from './chain.js';
import type { TransitionJson } from './transitions.js';
import type { SourcesProofJson } from './envelope.js';
import type { FlowProofJson } from './flow.js';

export interface NameRef {
  org_id?: string;
  account?: string;
  type?: string;
  id?: string;
  kind?: string;
  name_zh?: string;
  name_en?: string;
  owner_org?: string;
}

export interface Donation {
  id: string;
  code: string;
  kind: 'donation' | 'trust_deposit';
  leaf: number;
  height: number;
  time_ms: number;
  account: string;
  amount_fen: number;
  donor_display_name: string;
  anonymous: boolean;
  attested: boolean;
  attesting_bank: string;
  attesting_bank_org: NameRef | null;
  channel: string;
  points_holder: string;
  points_earned: number;
  refunded_fen: number;
  refund_tx: string | null;
  corrected_by?: CorrectionRef | null; // the correction that withdrew this gift
  recorded_by: string;
  recorded_by_org: NameRef;
  restricted: boolean;
  to: NameRef;
  memo: string;
}

export interface HopTx {
  id: string;
  code: string;
  leaf: number;
  height: number;
  time_ms: number;
  kind: string;
  from_account?: string;
  to_account?: string;
  to_name_zh?: string;
  to_name_en?: string;
  to_owner_org?: string;
  amount_fen?: number;
  purpose?: string;
  category?: string;
  category_name_zh?: string;
  category_name_en?: string;
  payee_kind?: string;
  payee_name?: string;
  beneficiary_count?: number;
  invoice_hash?: string;
  description?: string;
  occurred_at_ms?: number;
  donation_tx_id?: string;
  reason?: string;
  attested_by?: string | null; // spend / refund: the bank that co-signed it (its account bank), else null
  attested_by_name_zh?: string; // filled from the proven bank record (not sent by the server)
  attested_by_name_en?: string;
  corrects?: string; // a correction: the id of the tx it reverses
  corrected_by?: CorrectionRef | null; // the correction that reversed this tx
}

// The pairing of a Correction with the entry it reverses (GET /v1/txs/{id}, trace hops).
export interface CorrectionRef {
  id: string;
  code?: string;
  leaf: number;
  reason?: string;
}

// 'corrected': spent or moved on, then reversed by a correction (children: the money back in the
// same account); 'withdrawn': a corrected gift, taken out whole by its correction.
export type Fate = 'spent' | 'moved_on' | 'unspent' | 'refunded' | 'corrected' | 'withdrawn';

export interface TraceNode {
  account: string;
  account_name_zh: string;
  account_name_en: string;
  amount_fen: number;
  fate: Fate;
  tx: HopTx | null;
  children: TraceNode[];
  // Set by the browser on a proven tree: a moved-on node the flow proof did not expand.
  unexpanded?: boolean;
}

export interface Trace {
  account: string;
  amount_fen: number;
  truncated: boolean;
  totals: { spent_fen: number; unspent_fen: number; refunded_fen: number; withdrawn_fen?: number; untraced_fen: number };
  nodes: TraceNode[];
}

export interface ReceiptProof {
  tx: string;
  tx_id: string;
  leaf_index: number;
  log_size: number;
  inclusion_path: string[];
  header: HeaderJson;
  block_hash: string;
  commit: CommitJson;
  // Every validator-set change effective at or before the header's height (docs/flow-proof.md);
  // absent from nodes that predate validator-set changes, which is the same as none.
  validator_transitions?: TransitionJson[];
}

export interface Receipt {
  donation: Donation;
  trace: Trace;
  proof: ReceiptProof;
  flow_proof?: FlowProofJson | null; // docs/flow-proof.md; absent from nodes that predate it
}

// A goods donation's trace in units (GET /v1/goods/{id}/trace; "goods" in a goods receipt).
export interface GoodsHopTx {
  tx_id: string;
  leaf: number;
  height: number;
  time_ms: number;
  date: string; // YYYY-MM-DD (Beijing) of the block
  kind: 'goods_transfer' | 'goods_distribution';
  to_account?: string;
  to_name_zh?: string;
  purpose?: string;
  place_name?: string;
  region?: string;
  region_name?: string | null;
  beneficiary_count?: number;
  evidence_hash?: string | null;
  occurred_at_ms?: number;
  expired_quantity?: number;
}

export interface GoodsTraceNode {
  account: string;
  holder: string;
  holder_name_zh: string;
  holder_name_en: string;
  quantity: number;
  fate: 'distributed' | 'moved_on' | 'unspent';
  tx: GoodsHopTx | null;
  children: GoodsTraceNode[];
  unexpanded?: boolean; // set by the browser on a proven tree
}

export interface GoodsTrace {
  id: string;
  code: string;
  item: { item_code: string; name_zh: string; name_en: string; unit: string; category: string; category_zh: string; perishable: boolean };
  quantity: number;
  value_fen: number;
  lot_number: string;
  expires_on: string;
  donor_display_name: string;
  account: string;
  holder: string;
  holder_name_zh: string;
  recorded_by: string;
  notary_org: string | null;
  height: number;
  time_ms: number;
  truncated: boolean;
  totals: { distributed: number; held: number; untraced: number };
  nodes: GoodsTraceNode[];
}

export interface GoodsReceipt {
  goods: GoodsTrace;
  proof: ReceiptProof;
  flow_proof?: FlowProofJson | null;
}

export interface SourcesPage {
  outflow: { id: string; code: string; kind: string; leaf: number; time_ms: number; from_account: string; from_name_zh: string; to_account: string | null; amount_fen: number };
  sources: {
    origin: { id: string; code: string; kind: string; leaf: number; time_ms: number; account?: string; amount_fen?: number; donor_display_name?: string; attested?: boolean };
    amount_fen: number;
    path: string[];
  }[];
  next: number | null;
  proof?: SourcesProofJson | null; // docs/flow-proof.md "The reverse walk"
}
