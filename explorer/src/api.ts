// The node's HTTP API (same origin; every path under /v1). Errors come back as
// {"error": {"code", "message", ...}} with a proper status and are thrown as ApiError.
import type { CommitJson, HeaderJson } from '@shanliu/sdk/verify/chain';
import type { CorrectionRef, NameRef } from '@shanliu/sdk/verify/types';
import { takeEarly } from './early';

export class ApiError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
    public readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export async function get<T>(path: string, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    // A request index.html's bootstrap already sent (receipt pages) is answered from that one.
    const early = takeEarly(path);
    response = await (early ?? fetch(path, { headers: { Accept: 'application/json' }, signal }));
    if (signal?.aborted) throw new DOMException('the page was left', 'AbortError');
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network', (e as Error).message);
  }
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const err = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(response.status, err?.code ?? `http_${response.status}`, err?.message ?? response.statusText, (err ?? {}) as Record<string, unknown>);
  }
  if (body === undefined) throw new ApiError(response.status, 'bad_response', 'the node answered with something that is not JSON');
  return body as T;
}

export const enc = encodeURIComponent;

// ---------------------------------------------------------------- shapes

// The receipt, trace and sources shapes live beside their verifiers in the SDK.
export type { CorrectionRef, Donation, Fate, GoodsReceipt, GoodsTrace, GoodsTraceNode, HopTx, NameRef, Receipt, ReceiptProof, SourcesPage, Trace, TraceNode } from '@shanliu/sdk/verify/types';

export interface TxSummary {
  id: string;
  code: string;
  kind: string;
  leaf: number;
  height: number;
  index: number;
  time_ms: number;
  payload: Record<string, unknown>;
  points?: number;
  minutes?: number; // GET /v1/points history: banked minutes this tx moved for the holder
  entry?: string; // earned | spent | exchanged | revoked | moved_in | moved_out
}

export interface Page<T> {
  items: T[];
  next: number | string | null;
}

export interface Stats {
  chain_id: string;
  head: { height: number; block_hash: string; time_ms: number; log_size: number; log_root: string };
  stats: {
    donation_count: number;
    donated_fen: number;
    trust_deposit_count: number;
    trust_deposited_fen: number;
    spend_count: number;
    spent_fen: number;
    refunded_fen: number;
    transfer_count: number;
    transferred_fen: number;
    points_issued: number;
    points_redeemed: number;
    volunteer_minutes: number;
    org_count: number;
    project_count: number;
    trust_count: number;
    disclosure_count: number;
    tx_count: number;
  };
  node: { node_id: string; role: string; mempool_txs: number; peers: number } | null;
  // A node started from a snapshot: how far its history backfill is (null: it holds the whole
  // history; absent from nodes older than state sync).
  history?: StatsHistory | null;
}

export interface StatsHistory {
  snapshot_height: number;
  backfilled_height: number; // blocks 1 .. this are held again
  missing_blocks: number; // snapshot_height - backfilled_height
}

export interface BlockTx {
  id: string;
  code: string;
  kind: string;
  leaf: number;
  index: number;
  payload?: Record<string, unknown>; // absent from nodes older than the block lists with amounts
}

export interface Block {
  height: number;
  block_hash: string;
  header: HeaderJson;
  commit: CommitJson | null;
  tx_count: number;
  first_leaf: number;
  txs: BlockTx[];
  next: number | null;
}

export interface BlockRow {
  height: number;
  block_hash: string;
  time_ms: number;
  tx_count: number;
  log_size: number;
  proposer_index: number;
}

export interface TxStatus {
  id: string;
  code: string;
  status: 'committed' | 'pending' | 'rejected';
  kind?: string;
  height?: number;
  leaf?: number;
  index?: number;
  time_ms?: number;
  size_bytes?: number;
  body?: Record<string, unknown>;
  signers?: string[];
  corrected_by?: CorrectionRef | null; // the correction that reversed this tx
  corrects?: string | null; // a correction: the id of the tx it reverses
  error?: { code: string; message: string };
}

export interface Org {
  org_id: string;
  kind: string;
  name_zh: string;
  name_en: string;
  credit_code: string;
  public_keys: string[];
  status: string;
  registered_height: number;
  status_reason: string;
  account_banks: string[]; // banks holding its accounts (开户银行), filed with the bureau
  pending_recovery?: PendingKeyRecovery; // absent: no key recovery is pending
}

// GET /v1/orgs/{id}: the open RequestKeyRecovery (docs/rules.md "Key recovery").
export interface PendingKeyRecovery {
  request_tx_id: string;
  requested_leaf?: number;
  deadline_ms: number; // block time from which it may complete; the old key may veto before it
}

// One RequestKeyRecovery and how it ended (fields at their zero value are left out).
export interface KeyRecovery {
  request: { org_id: string; old_public_keys: string[]; new_public_key: string; reason: string };
  request_tx_id: string;
  bureau_org: string;
  requested_height?: number;
  requested_time_ms: number;
  deadline_ms: number;
  status: 'pending' | 'vetoed' | 'completed';
  closed_tx_id?: string;
  closed_height?: number;
  closed_time_ms?: number;
  vetoed_by_key?: string;
  veto_reason?: string;
}

export interface AccountFlow {
  balance_fen: number;
  inflow_fen: number;
  received_fen: number;
  sent_fen: number;
  spent_fen: number;
  refunded_fen: number;
}

export interface AccountInfo extends NameRef {
  flow: AccountFlow;
}

export interface OrgYear {
  year: number;
  income_fen: number;
  charitable_spent_fen: number;
  admin_spent_fen: number;
  granted_out_fen: number;
  disclosures: number;
}

// GET /v1/orgs/{id}/transparency (method shanliu-transparency/1, docs/transparency.md).
export interface TransparencyComponent {
  name: string;
  weight: number;
  state: 'scored' | 'not_applicable';
  points: number | null;
  points_milli: number | null;
  rule: string;
  inputs: Record<string, unknown>;
  evidence: { api: string; explorer: string };
}

export interface TransparencyScore {
  method: string;
  org_id: string;
  year: number;
  status: 'scored' | 'no_data';
  score: number | null;
  applicable_weight: number;
  components: TransparencyComponent[];
  complete: boolean;
}

// A merchant's catalogue item as the federation listed it (GET /v1/merchants/{org}/catalogue).
export interface CatalogueItem {
  item_id: string;
  name_zh: string;
  name_en: string;
  points: number;
  active: boolean;
  revision: number;
  created_height: number;
  updated_height: number;
  last_tx_id: string;
  listed_by: string;
}

export interface CataloguePage {
  items: CatalogueItem[];
  next: string | null;
}

export interface OrgDetail {
  org: Org;
  catalogue: CataloguePage | null; // merchants only
  accounts: AccountInfo[];
  years: OrgYear[];
  projects: { items: { project_id: string; name_zh: string; name_en: string; category: string; budget_fen: number; closed: boolean }[]; next: string | null };
  trusts: { trust_id: string; name_zh: string; name_en?: string; role: string }[];
  key_recoveries: KeyRecovery[]; // newest first
  activity: Page<TxSummary>;
}

export interface ProjectSummary {
  project_id: string;
  owner_org: string;
  owner_name_zh: string;
  owner_name_en: string;
  name_zh: string;
  name_en: string;
  category: string;
  region: string;
  region_name: string | null;
  budget_fen: number;
  donated_fen: number;
  allocated_fen: number;
  raised_fen: number;
  spent_fen: number;
  balance_fen: number;
  closed: boolean;
  opened_time_ms: number;
}

export interface ProjectUpdate {
  leaf: number;
  time_ms: number;
  reason: string;
  description_changed: boolean;
  old_description: string;
  new_description: string;
  ends_changed: boolean;
  old_ends_at_ms: number;
  new_ends_at_ms: number;
  budget_changed: boolean;
  old_budget_fen: number;
  new_budget_fen: number;
  tx_id: string | null;
}

export interface ProjectDetail {
  project: {
    spec: {
      project_id: string;
      owner_org: string;
      name_zh: string;
      name_en: string;
      category: string;
      region: string;
      budget_fen: number;
      starts_at_ms: number;
      ends_at_ms: number;
      description: string;
    };
    closed: boolean;
    closing_summary: string;
    closed_time_ms: number;
  };
  summary: ProjectSummary;
  owner: NameRef;
  budget_fen: number;
  donated_fen: number;
  donation_count: number;
  allocated_fen: number;
  raised_fen: number;
  spent_fen: number;
  refunded_fen: number;
  balance_fen: number;
  raised_pct_of_budget: number | null;
  over_budget: boolean;
  over_budget_fen: number;
  history: ProjectUpdate[];
  history_count: number;
  spent_pct_of_raised: number | null;
  spending_by_category: { category: string; name_zh: string; name_en: string; amount_fen: number }[];
  flow: AccountFlow;
  activity: Page<TxSummary>;
}

export interface TrustRecord {
  spec: {
    trust_id: string;
    name_zh: string;
    name_en: string;
    trustee_org: string;
    custodian_bank: string;
    purpose: string;
    filing_number: string;
    term_ends_at_ms: number;
  };
  opened_height: number;
  opened_time_ms: number;
  deposited_fen: number;
  disbursed_fen: number;
  deposit_count: number;
}

export interface TrustDetail {
  trust: TrustRecord;
  trustee: NameRef;
  custodian_bank: NameRef;
  flow: AccountFlow;
  activity: Page<TxSummary>;
}

export interface Points {
  holder: string;
  balance: number;
  earned: number;
  redeemed: number;
  shortfall?: number;
  revoked?: number;
  points_exchanged?: number;
  minutes?: { balance: number; earned: number; spent: number; moved_in: number; moved_out: number };
  moved_to?: string | null;
  honour_name?: string | null; // the holder's honour-list name (null: not on the list)
  // Points expiry (genesis points_expiry_years; 0: never): unexpired lots as of the head block.
  points_expiry_years?: number;
  expired?: number;
  expiring?: { points: number; earned_at_ms: number; expires_at_ms: number }[];
  history: Page<TxSummary>;
}

// GET /v1/honour: named holders ranked by points earned in one year (Asia/Shanghai).
export interface HonourEntry {
  rank: number;
  display_name: string;
  holder: string;
  points: number;
  minutes: number;
  hours: number;
}
export interface Honour {
  year: number;
  time_zone: string;
  limit: number;
  items: HonourEntry[];
}

export interface Checkpoint {
  chain_id: string;
  log_size: number;
  log_root: string;
  height: number;
  block_hash: string;
  time_ms: number;
  header: HeaderJson;
  commit: CommitJson | null;
  // The validators' newest cosigned checkpoint as a C2SP signed note (null until there is one; it
  // may lag the head by a block), what the node says it covers, and who cosigned it. The browser
  // verifies the note itself (verify/note.ts); the other fields are only shown for comparison.
  note?: string | null;
  checkpoint?: string;
  origin?: string;
  note_checkpoint?: {
    origin: string;
    log_size: number;
    log_root: string;
    cosigned_power: number;
    total_power: number;
    supermajority: boolean;
    // The lowest block carrying the note's log size, whose set's lines count (absent from nodes
    // older than checkpoints cosigned by the current set).
    height?: number;
    block_hash?: string;
    header?: HeaderJson;
    commit?: CommitJson | null;
    // The node's word that the note carries a valid origin line (not relied on: witness.ts checks it).
    origin_signed?: boolean;
  } | null;
  // The origin key as a signed-note verifier key, what a standard witness is configured with (null
  // when the genesis has none). Only compared with the genesis origin_key, never trusted.
  origin_vkey?: string | null;
  cosigners?: { validator_index: number; org_id?: string; name: string; timestamp: number }[];
  // C2SP witnesses the node's operator configured and what each cosigned last (docs/witness.md):
  // the browser checks signature_line against vkey over checkpoint (witness.ts).
  witnesses?: CheckpointWitness[];
}

export interface CheckpointWitness {
  name: string;
  vkey: string;
  log_size: number | null;
  timestamp: number | null;
  checkpoint: string | null;
  signature_line: string | null;
  failing: boolean;
}

// GET /v1/audit: the node's own scheduled audit — its claim, not verified in the browser.
export interface AuditRun {
  result: 'ok' | 'failed' | 'error';
  started_ms: number;
  finished_ms: number;
  duration_ms: number;
  error: { code: string; message: string } | null;
  audited_height?: number;
  head_hash?: string;
  log_size?: number;
  log_root?: string;
  blocks_checked?: number;
  txs_checked?: number;
  signatures_checked?: number;
  checks_passed?: string[];
  failure?: { check: string; height: number; tx_index: number | null; tx_id: string | null; expected: string; found: string; message: string } | null;
}

export interface AuditStatus {
  claim: 'node';
  note: string;
  enabled: boolean;
  running: boolean;
  runs: number;
  schedule: { every_blocks: number; every_ms: number };
  head_height: number;
  last: AuditRun | null;
}

// GET /v1/checkpoints: the blocks that grew the log, newest first.
export interface CheckpointEntry {
  height: number;
  block_hash: string;
  time_ms: number;
  log_size: number;
  log_root: string;
  tx_count: number;
  signers: { validator_index: number; org_id: string; cosigner_name: string | null }[];
  signed_power: number;
  total_power: number;
}

export interface CheckpointHistory {
  checkpoints: CheckpointEntry[];
  scanned_blocks: number;
  next: number | null;
}

export interface Consistency {
  from: number;
  to: number;
  from_root: string;
  to_root: string;
  proof: string[];
}

export interface ComplianceRow {
  org_id: string;
  name_zh: string;
  name_en: string;
  kind: string;
  year: number;
  income_fen: number;
  previous_year_income_fen: number;
  charitable_spent_fen: number;
  granted_out_fen: number;
  admin_spent_fen: number;
  charitable_spending_pct_of_previous_income: number | null;
  meets_min_charitable_spending: boolean | null;
  admin_pct_of_spending: number | null;
  meets_max_admin: boolean | null;
  disclosures: number;
  disclosures_on_schedule?: DisclosureSchedule;
  restricted_funds?: RestrictedFunds;
  over_budget_projects?: OverBudgetProjects;
  expired_goods_distributed?: { distributions: number; units: number; complete: boolean };
  expired_goods_held?: ExpiredGoodsHeld;
}

// Lots past their expiry date still held, judged on the head block's Beijing date.
export interface ExpiredGoodsHeld {
  units: number;
  lot_count: number;
  lots: { holder: string; item_code: string; lot_number: string; expires_on: string; units: number; gift_leaf: number }[];
  listed_max: number;
  judged_on: string;
  complete: boolean;
}

// GET /v1/orgs/{id}/goods and /v1/projects/{id}/goods: stock by item (docs/api.md).
export interface GoodsStockItem {
  item_code: string;
  name_zh: string;
  name_en: string;
  unit: string;
  category: string;
  category_zh: string;
  perishable: boolean;
  account: string;
  held: number;
  donated: number;
  received: number;
  transferred_out: number;
  distributed: number;
  held_value_fen: number; // a report figure, never part of a cash balance
  held_value_complete: boolean;
}
export interface GoodsStock {
  account: string;
  items: GoodsStockItem[];
}

// GET /v1/{orgs|projects}/{id}/goods/history: one goods tx of the holder.
export interface GoodsHistoryRow {
  kind: 'goods_donation' | 'goods_transfer' | 'goods_distribution';
  direction: 'in' | 'out';
  tx_id: string;
  code: string;
  leaf: number;
  height: number;
  time_ms: number;
  date: string;
  item: { item_code: string; name_zh: string; name_en: string; unit: string };
  quantity: number;
  value_fen: number;
  value_complete: boolean;
  lots: string[];
  expires_on?: string;
  donor_display_name?: string;
  from_account?: string;
  from_name_zh?: string;
  to_account?: string;
  to_name_zh?: string;
  region?: string;
  region_name?: string | null;
  place_name?: string;
  beneficiary_count?: number;
  expired_quantity?: number;
}
export interface GoodsHistory {
  account: string;
  items: GoodsHistoryRow[];
  scanned: number;
  next_before: number | null;
}

export interface OverBudgetProjects {
  count: number;
  projects: { project_id: string; name_zh: string; budget_fen: number; received_fen: number; over_fen: number }[];
  listed_max: number;
}

export interface DisclosureSchedule {
  annual_report: {
    covers_year: number;
    due: string;
    due_ms: number;
    filed_at: string | null;
    filed_at_ms: number | null;
    filed_code: string | null;
    on_time: boolean | null;
    status: 'on_time' | 'late' | 'missing' | 'not_yet_due' | 'not_required' | string;
  };
  project_reports: {
    closed_count: number;
    due_count: number;
    on_time: number;
    late: number;
    late_projects: string[];
    not_yet_due: number;
    missing_count: number;
    missing: string[];
    listed_max: number;
  };
  complete: boolean;
}

export interface RestrictedFunds {
  ok: boolean;
  violations: { project_id: string; leaf: number; to_account: string; amount_fen: number }[];
  violation_count: number;
  projects_checked: number;
  ranges_checked: number;
  complete: boolean;
  enforced_by_state_machine: boolean;
  note?: string;
}

export interface Compliance {
  indicators_only: boolean;
  note: string;
  year: number;
  thresholds: {
    min_charitable_spending_pct: number;
    max_admin_pct: number;
    annual_report_due_month: number;
    annual_report_due_day: number;
    project_report_months: number;
  };
  orgs: ComplianceRow[];
  next: string | null;
}

export interface Disclosure {
  id: string;
  code: string;
  org_id: string;
  type: string;
  title: string;
  period: string;
  document_sha256: string;
  url: string;
  project_id: string;
  height: number;
  time_ms: number;
}


// GET /v1/activity: recent money movements, newest first (docs/api.md).
export interface ActivityItem {
  id: string;
  code: string;
  kind: 'donation' | 'trust_deposit' | 'spend' | 'transfer' | 'trust_disbursement' | 'refund';
  leaf: number;
  height: number;
  time_ms: number;
  amount_fen: number;
  account: NameRef;
  to: NameRef | null;
  project: { project_id: string; name_zh: string; name_en: string } | null;
  org: NameRef | null;
  beneficiary_count: number | null;
  category: string | null;
  category_name_zh: string | null;
  category_name_en: string | null;
  payee_kind: string | null;
  payee_name: string | null;
  donor_display_name: string | null;
  attested: boolean | null;
}

export interface ActivityPage {
  items: ActivityItem[];
  next: number | null;
  log_size: number;
}

// Region dashboards (GET /v1/regions/{code}/stats and GET /v1/regions; docs/regions.md).
export interface RegionRef {
  code: string;
  standard_code: string;
  level: 'province' | 'city' | 'county' | 'street';
  name: string | null;
  parent: string | null;
}

export interface RegionPerCapita {
  population: number | null;
  population_height?: number;
  per_capita_fen: number | null;
  reason: 'no_population' | null;
  note?: string;
}

export interface RegionFigures {
  raised_fen: number;
  donation_count: number;
  spent_fen: number;
  spend_count: number;
  refunded_fen: number;
  attested_raised_pct: number | null;
  attested_outflow_pct: number | null;
  invoiced_spent_pct: number | null;
  projects: { opened: number; closed: number; closed_with_report: number; closed_with_report_pct: number | null };
  region: RegionRef;
  per_capita: RegionPerCapita;
  flags: RegionFlag[]; // counts above zero, largest first
}

export interface RegionFlag {
  flag: string;
  count: number;
}

export interface RegionStats extends RegionFigures {
  method: string;
  year: number;
  status: 'ok' | 'no_data';
  by_month: { month: number; raised_fen: number; donation_count: number; spent_fen: number; spend_count: number }[];
  by_category: { raised: { category: string | null; fen: number }[]; spent: { category: string; fen: number }[] };
  flags: RegionFlag[];
  rows_read: number;
}

export interface RegionList {
  method: string;
  year: number;
  parent: RegionRef | null;
  level: string;
  regions: RegionFigures[];
  rows_read: number;
}
