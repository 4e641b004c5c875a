// /r/<code> — the donor's page: what was given, where it went, and proof that it is on the ledger.
// /r/<code>/print — the same receipt laid out for printing.
import { ApiError, enc, get, type Donation, type GoodsReceipt, type Receipt, type Trace, type TraceNode } from '../api';
import { h, replace, svg } from '../dom';
import { date, dateTime, groupCode, name, num, shortHash, yuan } from '../format';
import { lang, t, tEnum } from '../i18n';
import { refresh, type PageContext } from '../router';
import { rememberVisit } from '../saved';
import { plainSummary } from '../summary';
import { pendingBadge, receiptBadge, unavailableBadge, type ReceiptOutcome } from '../ui/badge';
import { accountLink, bar, blockLink, copyButton, errorBox, hash, kv, loading, notice, pageHeader, pill, section } from '../ui/common';
import { AnchorError, loadAnchor } from '../genesis';
import { verifyAnswer } from '@shanliu/sdk/verify/answer';

// What the page shows, and which of it the browser proved. Values come from the proofs
// wherever a proof covers them; anything else is the node's word and is marked "not proven".
interface View {
  donation: Donation;
  trace: Trace;
  pending: boolean; // verification still running: nothing is marked yet
  gift: boolean; // the receipt proof held: the signed body, block and log position
  flow: boolean; // the flow proof held: trace, names, bank, points, refunds
  recordedBy: boolean; // the recording organisation's name came with the flow proof
  flowProblem: 'absent' | 'failed' | null;
  asOf: { height: number; time_ms: number }; // the block the figures are as of (the flow proof's header)
}

export default async function receiptPage(ctx: PageContext): Promise<void> {
  const code = ctx.params[0].toLowerCase();
  const print = ctx.params[1] === 'print';
  ctx.setTitle(t('receipt.title'));
  ctx.root.append(loading(t('receipt.loading')));

  // The verifier's trust anchor (genesis block and document) is fetched beside the receipt, not
  // after it: on a phone each wave of requests costs a round trip. Failures surface in the badge.
  loadAnchor().catch(() => undefined);
  let answer: Receipt | GoodsReceipt;
  try {
    answer = await get<Receipt | GoodsReceipt>(`/v1/receipts/${enc(code)}`, ctx.signal);
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    replace(ctx.root, pageHeader(t('receipt.title'), groupCode(code)), receiptError(e, code));
    return;
  }
  // A goods donation's code resolves here too (issue 19): its page is its own module, fetched
  // only for goods receipts so a money receipt's first load stays within its budget.
  if ('goods' in answer) {
    const { goodsReceiptPage } = await import('./goods_receipt');
    await goodsReceiptPage(ctx, code, answer);
    return;
  }
  const receipt: Receipt = answer;
  // The diagram's code (d3-sankey, preloaded by index.html's bootstrap) is fetched while the page
  // verifies, so drawing never waits for a download after verification.
  if (!print) loadSankey().catch(() => undefined);
  const badgeSlot = h('div', { class: 'badge-slot' }, pendingBadge());
  const plainSlot = h('div', { class: 'plain-slot' });
  const updateSlot = h('div', { class: 'update-slot', 'aria-live': 'polite' });
  const body = h('div', { class: 'receipt-body' });
  let dispose: (() => void) | null = null;
  let current: View | null = null;
  ctx.onCleanup(() => dispose?.());
  ctx.setTitle(titleOf(receipt.donation));
  const show = async (view: View): Promise<void> => {
    dispose?.();
    dispose = null;
    current = view;
    if (print) {
      replace(body, printView(view));
      return;
    }
    replace(plainSlot, plainCard(view));
    const flowBox = h('div', { class: 'sankey', role: 'img', 'aria-label': t('receipt.flow_loading') });
    replace(body, ...receiptSections(view, flowBox));
    // While verification runs the diagram's box says it is loading: drawing the node's version
    // first and the proven one a moment later would put a second drawing on a slow phone's main
    // thread before the badge can turn green.
    if (view.pending) return;
    dispose = await drawFlow(flowBox, view, ctx);
  };

  if (print) {
    document.body.classList.add('print-mode');
    ctx.onCleanup(() => document.body.classList.remove('print-mode'));
    replace(ctx.root, h('article', { class: 'print-receipt' }, printActions(receipt.donation), body, badgeSlot));
  } else {
    replace(ctx.root, pageHeader(titleOf(receipt.donation)), plainSlot, updateSlot, badgeSlot, body);
    watchReceipt(receipt.donation.code, () => current, updateSlot, ctx);
  }
  // The node's version is painted first ("verifying…", nothing marked either way), then verified;
  // the proven version replaces it. On a slow phone the amount is on screen before the proofs'
  // hashing and signature checks take the main thread.
  await show(serverView(receipt, true));
  await afterPaint();
  if (ctx.signal.aborted) return;
  const verified = await runVerification(code, receipt, badgeSlot, ctx);
  if (ctx.signal.aborted) return;
  const final = verified ?? serverView(receipt, false);
  await show(final);
  if (!print) remember(final);
}

// The page's title names what the receipt is: a gift, or property handed to a charity trust.
const titleOf = (d: Donation): string => t(d.kind === 'trust_deposit' ? 'receipt.title_trust' : 'receipt.title');

// Kept on this phone for "My receipts" (localStorage only), with the figures this visit showed.
function remember(view: View): void {
  const tt = view.trace.totals;
  const d = view.donation;
  let storage: Storage | null = null;
  try {
    storage = window.localStorage;
  } catch {
    return; // storage disabled
  }
  rememberVisit(storage, {
    code: d.code,
    kind: d.kind,
    amount_fen: d.amount_fen,
    to_zh: d.to?.name_zh || d.account,
    to_en: d.to?.name_en || d.to?.name_zh || d.account,
    seen_ms: Date.now(),
    seen: { spent_fen: tt.spent_fen, unspent_fen: tt.unspent_fen, refunded_fen: tt.refunded_fen, withdrawn_fen: tt.withdrawn_fen ?? 0, height: view.asOf.height },
    seen_proven: view.flow,
  });
}

// Live: GET /v1/receipts/{code}/stream says when a commit changed this gift's flow. The event's
// figures are the node's word, so the page only offers to reload — which verifies again.
function watchReceipt(code: string, shown: () => View | null, slot: HTMLElement, ctx: PageContext): void {
  if (typeof EventSource === 'undefined') return;
  const source = new EventSource(`/v1/receipts/${enc(code)}/stream`);
  ctx.onCleanup(() => source.close());
  source.addEventListener('flow', (ev) => {
    const view = shown();
    if (!view || view.pending) return;
    let e: { spent_fen: number; unspent_fen: number; refunded_fen: number; withdrawn_fen: number; height: number };
    try {
      e = JSON.parse((ev as MessageEvent).data as string);
    } catch {
      return;
    }
    const tt = view.trace.totals;
    const same = e.spent_fen === tt.spent_fen && e.unspent_fen === tt.unspent_fen && e.refunded_fen === tt.refunded_fen && e.withdrawn_fen === (tt.withdrawn_fen ?? 0);
    if (same || e.height <= view.asOf.height) return;
    const more = e.spent_fen - tt.spent_fen;
    const button = h('button', { type: 'button', class: 'btn btn-small', onclick: () => void refresh() }, t('receipt.update_reload'));
    replace(slot, notice('info', h('strong', more > 0 ? t('receipt.update_spent', { amount: yuan(more) }) : t('receipt.update_changed')), ' ', t('receipt.update_unproven'), ' ', button));
    slot.dataset.height = String(e.height);
  });
}

// The diagram's module is loaded only for the receipt page. A failed download is forgotten so
// the next drawing tries again.
let sankeyModule: Promise<typeof import('../ui/sankey')> | null = null;
function loadSankey(): Promise<typeof import('../ui/sankey')> {
  sankeyModule ??= import('../ui/sankey').catch((e) => {
    sankeyModule = null;
    throw e;
  });
  return sankeyModule;
}

async function drawFlow(flowBox: HTMLElement, view: View, ctx: PageContext): Promise<(() => void) | null> {
  try {
    const { renderSankey, graphSummary } = await loadSankey();
    if (ctx.signal.aborted || !flowBox.isConnected) return null;
    flowBox.setAttribute('aria-label', graphSummary(view.donation, view.trace));
    const dispose = renderSankey(flowBox, view.trace);
    flowBox.dataset.ready = 'true';
    flowBox.dataset.proven = String(view.flow);
    return dispose;
  } catch (e) {
    flowBox.replaceWith(errorBox(e));
    return null;
  }
}

function serverView(r: Receipt, pending: boolean): View {
  const head = r.flow_proof?.header ?? r.proof.header;
  return {
    donation: r.donation,
    trace: r.trace,
    pending,
    gift: false,
    flow: false,
    recordedBy: false,
    flowProblem: pending ? null : 'failed',
    asOf: { height: head.height, time_ms: head.time_ms },
  };
}

function receiptSections(view: View, flowBox: HTMLElement): (HTMLElement | null)[] {
  const { donation, trace } = view;
  return [
    summaryCard(view),
    section(
      t('receipt.where'),
      traceNotice(view),
      totals(view),
      trace.truncated ? notice('warn', t('receipt.truncated')) : null,
      flowBox,
      h('p', { class: 'fine' }, t('receipt.flow_hint')),
    ),
    section(t('receipt.hops'), hopList(trace.nodes, view)),
    unspentCard(trace.nodes, view),
    shareCard(donation),
    detailsCard(view),
  ];
}

// Marks a value the proofs do not cover (never while verification is still running).
function mark(view: View, proven: boolean): HTMLElement | null {
  if (view.pending || proven) return null;
  return h('span', { class: 'pill pill-warn not-proven', title: t('proof.not_proven_hint') }, t('proof.not_proven'));
}

function traceNotice(view: View): HTMLElement | null {
  if (view.pending) return h('p', { class: 'fine proof-pending' }, t('proof.trace_pending'));
  if (view.flow) return null;
  return notice('warn', mark(view, false), ' ', t(view.flowProblem === 'absent' ? 'proof.trace_not_proven' : 'proof.trace_failed'));
}

// Verifies the receipt proof, then the flow proof, then compares the node's JSON with both.
// Returns the proven view (null when nothing could be verified) and shows the badge.
async function runVerification(code: string, receipt: Receipt, slot: HTMLElement, ctx: PageContext): Promise<View | null> {
  try {
    const a = await verifyAnswer(code, receipt, await loadAnchor());
    let view: View | null = null;
    if (a.gift) {
      view = { ...serverView(receipt, false), donation: a.gift, gift: true, flowProblem: receipt.flow_proof ? 'failed' : 'absent' };
      if (a.proven) view = { ...view, ...a.proven, flow: true, flowProblem: null };
    }
    const outcome: ReceiptOutcome = { receipt: a.receipt, flow: a.flow, mismatch: a.mismatch };
    if (!ctx.signal.aborted) replace(slot, receiptBadge(outcome));
    return view;
  } catch (e) {
    if (ctx.signal.aborted) return null;
    const reason = e instanceof AnchorError ? t(`verify.anchor.${e.reason}`) : (e as Error).message;
    replace(slot, unavailableBadge(reason));
    return null;
  }
}

// Resolves once the browser has had a chance to paint what is in the DOM: after the next
// animation frame, or after 100 ms where frames are not running (a tab in the background).
function afterPaint(): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 100);
    requestAnimationFrame(() => {
      clearTimeout(timer);
      setTimeout(resolve, 0);
    });
  });
}

function receiptError(e: unknown, code: string): HTMLElement {
  if (e instanceof ApiError && e.code === 'ambiguous_code') {
    const candidates = Array.isArray(e.details.candidates) ? (e.details.candidates as string[]) : [];
    return h(
      'div',
      notice('info', t('receipt.ambiguous', { code })),
      h('ul', { class: 'list' }, candidates.map((c) => h('li', { class: 'list-item' }, h('a', { href: `/r/${c}`, class: 'mono' }, groupCode(c))))),
    );
  }
  if (e instanceof ApiError && e.code === 'not_found' && /^[a-z2-7]{52}$/.test(code) && / is an? /.test(e.message)) {
    // The code names a committed transaction that is not a donation: show it as a transaction.
    return errorBox(e, h('p', h('a', { href: `/tx/${code}` }, t('receipt.open_as_tx'))));
  }
  return errorBox(e, h('p', h('a', { href: '/scan' }, t('receipt.scan_again'))));
}

function donorName(d: Donation): string {
  return d.anonymous || !d.donor_display_name ? t('receipt.anonymous') : d.donor_display_name;
}

// A value with its "not proven" mark when the proof named by `proven` does not cover it.
const shown = (view: View, proven: boolean, value: Node | string | null): Node | string | null =>
  value === null ? null : mark(view, proven) ? h('span', value, ' ', mark(view, proven)) : value;

// Bank confirmation, or "self-reported" explained in words on the page (not only in a tooltip).
function attestation(view: View): HTMLElement {
  const d = view.donation;
  const p = d.attested
    ? pill(t('receipt.attested_by', { bank: name(d.attesting_bank_org, d.attesting_bank) }), 'ok')
    : pill(t('receipt.self_reported'), 'warn');
  return h(
    'div',
    { class: 'attestation', 'data-proven': String(view.flow) },
    h('p', p, ' ', mark(view, view.flow)),
    d.attested ? null : h('p', { class: 'fine self-reported-why' }, t('receipt.self_reported_hint')),
  );
}

// The one-sentence answer at the top, built from the trace the page shows: the proven one once
// verification holds (marked "not proven" otherwise), so its numbers are the proven figures.
function plainCard(view: View): HTMLElement {
  const s = plainSummary(view.trace);
  const zh = lang() === 'zh';
  const placeName = (p: { name_zh: string; name_en: string; account: string }) => (zh ? p.name_zh || p.name_en : p.name_en || p.name_zh) || p.account;
  const parts: (Node | string)[][] = [];
  if (s.spent_fen > 0) {
    parts.push([
      h('strong', { class: 'plain-spent' }, yuan(s.spent_fen)),
      t(s.beneficiaries > 0 ? 'plain.spent_people' : 'plain.spent', { n: num(s.spend_count), people: num(s.beneficiaries) }),
    ]);
  }
  if (s.unspent_fen > 0 && s.places.length > 0) {
    const first = s.places[0];
    parts.push([
      h('strong', { class: 'plain-unspent' }, yuan(s.unspent_fen)),
      t('plain.still_in'),
      accountLink(first.account, placeName(first)),
      s.places.length > 1 ? t('plain.and_more', { n: s.places.length - 1 }) : '',
    ]);
  }
  if (s.refunded_fen > 0) parts.push([h('strong', yuan(s.refunded_fen)), t('plain.refunded')]);
  if (s.withdrawn_fen > 0) parts.push([h('strong', yuan(s.withdrawn_fen)), t('plain.withdrawn')]);
  if (s.untraced_fen > 0) parts.push([h('strong', yuan(s.untraced_fen)), t('plain.untraced')]);
  const sentence = h(
    'p',
    { class: 'plain-sentence' },
    t('plain.your', { amount: yuan(s.amount_fen) }),
    parts.map((p, i) => [i ? t('plain.sep') : '', ...p]),
    parts.length ? t('plain.end') : t('plain.nothing'),
    ' ',
    mark(view, view.flow),
  );
  const asOf = h('p', { class: 'fine as-of' }, t('plain.as_of', { time: dateTime(view.asOf.time_ms), height: num(view.asOf.height) }));
  return h(
    'section',
    {
      class: 'card plain',
      'aria-label': t('plain.label'),
      'data-proven': String(view.flow),
      'data-spent-fen': s.spent_fen,
      'data-unspent-fen': s.unspent_fen,
      'data-spends': s.spend_count,
      'data-beneficiaries': s.beneficiaries,
    },
    view.pending ? h('p', { class: 'fine proof-pending' }, t('proof.trace_pending')) : null,
    sentence,
    asOf,
  );
}

function summaryCard(view: View): HTMLElement {
  const d = view.donation;
  const g = view.gift;
  return h(
    'section',
    { class: 'card summary', 'aria-label': t('receipt.summary') },
    h('p', { class: 'amount-label' }, d.kind === 'trust_deposit' ? t('receipt.trust_deposit') : t('receipt.donation')),
    h('p', { class: 'amount' }, yuan(d.amount_fen), ' ', mark(view, g)),
    h(
      'p',
      { class: 'summary-line' },
      h('span', { class: 'donor-name' }, donorName(d)), ' ', mark(view, g), ' → ',
      accountLink(d.account, name(d.to, d.account)), ' ', mark(view, view.flow), ' ',
      d.restricted ? pill(t('receipt.restricted'), 'info') : null,
    ),
    d.restricted ? h('p', { class: 'fine' }, t('receipt.restricted_hint')) : null,
    attestation(view),
    kv([
      [t('receipt.time'), shown(view, g, dateTime(d.time_ms))],
      [t('receipt.channel'), shown(view, g, tEnum('channel', d.channel || 'unspecified'))],
      [t('receipt.recorded_by'), shown(view, view.recordedBy, accountLink(`org:${d.recorded_by}`, name(d.recorded_by_org, d.recorded_by)))],
      [t('receipt.points'), d.points_earned ? shown(view, view.flow, t('points.count', { n: num(d.points_earned) })) : null],
      [t('receipt.refunded'), d.refunded_fen ? shown(view, view.flow, h('span', yuan(d.refunded_fen), d.refund_tx ? [' · ', h('a', { href: `/tx/${d.refund_tx}` }, t('receipt.refund_tx'))] : null)) : null],
      [t('receipt.withdrawn'), d.corrected_by ? shown(view, view.flow, h('a', { href: `/tx/${d.corrected_by.id}` }, t('tx.corrected_by'), ' ', d.corrected_by.id.slice(0, 12))) : null],
      [t('receipt.memo'), d.memo ? shown(view, g, d.memo) : null],
    ]),
  );
}

// Codes, hashes and ledger positions: for whoever checks by hand, folded away from the donor.
function detailsCard(view: View): HTMLElement {
  const d = view.donation;
  return h(
    'details',
    { class: 'card tech-details' },
    h('summary', h('h2', { class: 'details-title' }, t('receipt.details'))),
    kv([
      [t('receipt.code'), h('span', { class: 'code-cell' }, h('code', { class: 'mono code-full' }, groupCode(d.code)), copyButton(d.code, t('receipt.copy_code')))],
      [t('receipt.tx_id'), hash(d.id, 10)],
      [t('receipt.block'), shown(view, view.gift, h('span', blockLink(d.height), ' · ', t('receipt.leaf', { n: num(d.leaf) })))],
      [t('receipt.as_of_block'), shown(view, view.flow, blockLink(view.asOf.height))],
      [t('receipt.feed'), h('a', { href: `/v1/receipts/${d.code}/feed.atom${lang() === 'en' ? '?lang=en' : ''}`, rel: 'external', type: 'application/atom+xml' }, t('receipt.feed_link'))],
    ]),
  );
}

function totals(view: View): HTMLElement {
  const tr = view.trace;
  const tt = tr.totals;
  const withdrawn = tt.withdrawn_fen ?? 0;
  const moved = Math.max(0, tr.amount_fen - tt.spent_fen - tt.unspent_fen - tt.refunded_fen - withdrawn - tt.untraced_fen);
  const parts = [
    { key: 'spent', value: tt.spent_fen, className: 'seg-spent', label: t('receipt.spent') },
    { key: 'unspent', value: tt.unspent_fen, className: 'seg-unspent', label: t('receipt.unspent') },
    { key: 'refunded', value: tt.refunded_fen, className: 'seg-refunded', label: t('receipt.refunded') },
    { key: 'withdrawn', value: withdrawn, className: 'seg-refunded', label: t('receipt.withdrawn') },
    { key: 'untraced', value: tt.untraced_fen + moved, className: 'seg-untraced', label: t('receipt.untraced') },
  ];
  const spentPct = tr.amount_fen > 0 ? Math.round((tt.spent_fen / tr.amount_fen) * 1000) / 10 : 0;
  return h(
    'div',
    { class: 'totals', 'data-proven': String(view.flow) },
    h('p', { class: 'totals-head' }, t('receipt.spent_pct', { pct: spentPct }), ' ', mark(view, view.flow)),
    bar(parts, tr.amount_fen, parts.map((p) => `${p.label} ${yuan(p.value)}`).join(', ')),
    h(
      'ul',
      { class: 'legend' },
      parts
        .filter((p) => p.value > 0 || p.key === 'spent' || p.key === 'unspent')
        .map((p) => h('li', h('span', { class: `swatch ${p.className}`, 'aria-hidden': 'true' }), `${p.label} `, h('strong', yuan(p.value)))),
    ),
  );
}

interface HopRow {
  node: TraceNode;
  depth: number;
}

function flatten(nodes: TraceNode[], depth = 0, out: HopRow[] = []): HopRow[] {
  for (const n of nodes) {
    out.push({ node: n, depth });
    flatten(n.children, depth + 1, out);
  }
  return out;
}

const accountName = (n: TraceNode): string =>
  (lang() === 'zh' ? n.account_name_zh || n.account_name_en : n.account_name_en || n.account_name_zh) || n.account;

const targetName = (tx: NonNullable<TraceNode['tx']>): string =>
  (lang() === 'zh' ? tx.to_name_zh || tx.to_name_en : tx.to_name_en || tx.to_name_zh) || tx.to_account || '—';

interface HopText {
  title: string;
  counterparty: (Node | string)[];
  facts: [string, Node | string | null][];
}

// Money leaving is "attested by bank B" only when B, a bank holding the payer's account, co-signed it.
function hopAttestation(tx: TraceNode['tx']): [string, Node | string | null] {
  if (!tx?.attested_by) return [t('hop.attestation'), t('hop.not_attested')];
  const bank = (lang() === 'zh' ? tx.attested_by_name_zh || tx.attested_by_name_en : tx.attested_by_name_en || tx.attested_by_name_zh) || tx.attested_by;
  return [t('hop.attestation'), pill(t('hop.attested_by', { bank }), 'ok')];
}

function spendText(node: TraceNode): HopText {
  const tx = node.tx;
  const cat = tEnum('category', tx?.category ?? 'unspecified');
  const payee =
    tx?.payee_kind === 'individuals'
      ? t('hop.individuals', { n: num(tx?.beneficiary_count ?? 0) })
      : tx?.payee_name || tEnum('payee', tx?.payee_kind ?? 'unspecified');
  const facts: HopText['facts'] = [[t('hop.category'), cat]];
  if (tx?.beneficiary_count && tx.payee_kind !== 'individuals') facts.push([t('hop.beneficiaries'), num(tx.beneficiary_count)]);
  if (tx?.description) facts.push([t('hop.description'), tx.description]);
  facts.push([t('hop.invoice'), tx?.invoice_hash ? hash(tx.invoice_hash, 10) : '—']);
  facts.push(hopAttestation(tx));
  return { title: `${t('kind.spend')} · ${cat}`, counterparty: [accountLink(node.account, accountName(node)), ' → ', h('span', { class: 'payee' }, payee)], facts };
}

function hopText(node: TraceNode): HopText {
  const tx = node.tx;
  switch (node.fate) {
    case 'moved_on':
      return {
        title: tEnum('kind', tx?.kind ?? 'transfer'),
        counterparty: [accountLink(node.account, accountName(node)), ' → ', tx?.to_account ? accountLink(tx.to_account, targetName(tx)) : '—'],
        facts: tx?.purpose ? [[t('hop.purpose'), tx.purpose]] : [],
      };
    case 'spent':
      return spendText(node);
    case 'refunded':
      return { title: t('kind.refund'), counterparty: [accountLink(node.account, accountName(node)), ' → ', t('receipt.donor')], facts: [...(tx?.reason ? [[t('hop.reason'), tx.reason] as [string, string]] : []), hopAttestation(tx)] };
    case 'corrected': {
      // "spent by S — corrected by C — back in X": the reversed entry, then its correction.
      const reversed = tx?.kind === 'spend' ? spendText(node) : { title: tEnum('kind', tx?.kind ?? 'transfer'), counterparty: [accountLink(node.account, accountName(node)), ' → ', tx?.to_account ? accountLink(tx.to_account, targetName(tx)) : '—'], facts: [] as HopText['facts'] };
      const c = tx?.corrected_by;
      reversed.facts.push([t('hop.corrected_by'), c ? h('span', h('a', { href: `/tx/${c.id}`, class: 'mono' }, c.id.slice(0, 12)), c.reason ? ` — ${c.reason}` : '') : '—']);
      reversed.counterparty.push(' · ', t('hop.back_in'), ' ', accountLink(node.account, accountName(node)));
      return { ...reversed, title: `${reversed.title} · ${t('receipt.corrected')}` };
    }
    case 'withdrawn':
      return { title: t('receipt.withdrawn'), counterparty: [accountLink(node.account, accountName(node))], facts: [[t('hop.corrects'), tx?.corrects ? hash(tx.corrects, 10) : '—'], ...(tx?.reason ? [[t('hop.reason'), tx.reason] as [string, string]] : [])] };
    default:
      return { title: t('receipt.unspent'), counterparty: [t('receipt.held_in'), ' ', accountLink(node.account, accountName(node))], facts: [] };
  }
}

function hopItem(node: TraceNode, depth: number, view: View): HTMLElement {
  const tx = node.tx;
  const { title, counterparty, facts } = hopText(node);
  // Spends carry the signed date they happened; on proven hops other dates are the signing time.
  const when = tx?.kind === 'spend' && tx.occurred_at_ms ? tx.occurred_at_ms : tx?.time_ms;
  if (tx?.amount_fen && tx.amount_fen !== node.amount_fen) facts.push([t('hop.tx_total'), yuan(tx.amount_fen)]);
  const li = h(
    'li',
    { class: `hop hop-${node.fate}`, 'data-depth': depth, 'data-proven': String(view.flow) },
    h('div', { class: 'hop-head' }, h('span', { class: 'hop-title' }, title, ' ', mark(view, view.flow)), h('span', { class: 'hop-amount' }, yuan(node.amount_fen))),
    h('p', { class: 'hop-party' }, counterparty),
    h(
      'p',
      { class: 'hop-meta' },
      when ? h('time', { datetime: new Date(when).toISOString() }, date(when)) : null,
      tx ? [' · ', h('a', { href: `/tx/${tx.id}` }, t('hop.view_tx'))] : null,
      tx?.kind === 'spend' ? [' · ', h('a', { href: `/tx/${tx.id}#sources` }, t('hop.sources'))] : null,
    ),
    facts.length ? kv(facts) : null,
    node.unexpanded ? h('p', { class: 'hop-meta' }, pill(t('proof.unexpanded'), 'warn', t('proof.not_proven_hint'))) : null,
  );
  li.style.setProperty('--depth', String(Math.min(depth, 4)));
  return li;
}

function hopList(nodes: TraceNode[], view: View): HTMLElement {
  const rows = flatten(nodes);
  if (rows.length === 0) return h('p', { class: 'empty' }, t('receipt.no_hops'));
  return h('ol', { class: 'hops' }, rows.map(({ node, depth }) => hopItem(node, depth, view)));
}

function unspentCard(nodes: TraceNode[], view: View): HTMLElement | null {
  const unspent = new Map<string, { node: TraceNode; amount: number }>();
  for (const { node } of flatten(nodes)) {
    if (node.fate !== 'unspent') continue;
    const u = unspent.get(node.account);
    if (u) u.amount += node.amount_fen;
    else unspent.set(node.account, { node, amount: node.amount_fen });
  }
  const rows = [...unspent.values()];
  return section(
    t('receipt.still_unspent'),
    rows.length === 0
      ? h('p', { class: 'empty' }, t('receipt.all_used'), ' ', mark(view, view.flow))
      : h(
          'ul',
          { class: 'list unspent-list' },
          rows.map((u) =>
            h('li', { class: 'list-item' }, h('div', { class: 'list-main' }, accountLink(u.node.account, accountName(u.node)), ' ', mark(view, view.flow)), h('strong', yuan(u.amount))),
          ),
        ),
  );
}

function receiptUrl(code: string): string {
  return `${location.origin}/r/${code}`;
}

// Share: the system share sheet where the browser has one, copying the link everywhere.
function shareButton(d: Donation): HTMLElement | null {
  if (typeof navigator.share !== 'function') return null;
  return h(
    'button',
    {
      type: 'button',
      class: 'btn btn-primary share-system',
      onclick: () => {
        navigator.share({ title: titleOf(d), text: t('receipt.share_text', { amount: yuan(d.amount_fen) }), url: receiptUrl(d.code) }).catch(() => undefined);
      },
    },
    t('receipt.share_system'),
  );
}

function shareCard(d: Donation): HTMLElement {
  return section(
    t('receipt.share'),
    h(
      'div',
      { class: 'share' },
      lazyQr(receiptUrl(d.code), t('receipt.qr_label'), 160),
      h(
        'div',
        h('p', t('receipt.share_hint')),
        h('p', { class: 'mono code-short' }, d.code.slice(0, 12)),
        h('p', { class: 'share-actions' }, shareButton(d), ' ', copyButton(receiptUrl(d.code), t('receipt.copy_link'), t('receipt.copy_link')), ' ', h('a', { class: 'btn', href: `/r/${d.code}/print` }, t('receipt.print_view'))),
        h('p', { class: 'fine' }, t('receipt.saved_hint'), ' ', h('a', { href: '/mine' }, t('nav.mine'))),
      ),
    ),
  );
}

function printActions(d: Donation): HTMLElement {
  return h(
    'div',
    { class: 'print-actions no-print' },
    h('a', { href: `/r/${d.code}`, class: 'btn btn-ghost' }, t('receipt.back')),
    h('button', { type: 'button', class: 'btn', onclick: () => window.print() }, t('receipt.print')),
  );
}

function printView(view: View): HTMLElement {
  const d = view.donation;
  const tt = view.trace.totals;
  const g = view.gift;
  return h(
    'div',
    h('header', h('p', { class: 'print-brand' }, '善流 Shanliu'), h('h1', t(d.kind === 'trust_deposit' ? 'receipt.print_title_trust' : 'receipt.print_title'))),
    h('p', { class: 'amount' }, yuan(d.amount_fen)),
    h('p', { class: 'as-of print-as-of' }, t('plain.as_of', { time: dateTime(view.asOf.time_ms), height: num(view.asOf.height) }), ' ', mark(view, view.flow), ' · ', t('receipt.printed_at', { time: dateTime(Date.now()) })),
    kv([
      [t('receipt.donor'), shown(view, g, donorName(d))],
      [t('receipt.to'), shown(view, view.flow, name(d.to, d.account))],
      [t('receipt.time'), shown(view, g, dateTime(d.time_ms))],
      [t('receipt.channel'), shown(view, g, tEnum('channel', d.channel || 'unspecified'))],
      [t('receipt.recorded_by'), shown(view, view.recordedBy, name(d.recorded_by_org, d.recorded_by))],
      [t('receipt.attestation'), shown(view, view.flow, d.attested ? t('receipt.attested_by', { bank: name(d.attesting_bank_org, d.attesting_bank) }) : t('receipt.self_reported'))],
      [t('receipt.block'), shown(view, g, `#${d.height}`)],
      [t('receipt.spent'), shown(view, view.flow, yuan(tt.spent_fen))],
      [t('receipt.unspent'), shown(view, view.flow, yuan(tt.unspent_fen))],
      [t('receipt.tx_id'), shortHash(d.id, 16)],
    ]),
    h(
      'div',
      { class: 'print-qr' },
      nodeQr(d.code),
      h('div', h('p', { class: 'code-short mono' }, d.code.slice(0, 12)), h('p', { class: 'mono code-full' }, groupCode(d.code)), h('p', { class: 'fine' }, t('receipt.print_hint'))),
    ),
  );
}

// The printed QR comes from the node (GET /v1/receipts/{code}/qr.svg, libqrencode, level M), so
// every paper copy shows the same code whatever browser printed it. Only the path and viewBox of
// the node's SVG are copied into an element built here (nothing else of the response enters the
// page); if the request fails the code is drawn in the browser instead.
function nodeQr(code: string): HTMLElement {
  const label = t('receipt.qr_label');
  const slot = h('div', { class: 'qr-slot' });
  const fallback = async () => {
    const { qrSvg } = await import('../ui/qr');
    const el = qrSvg(receiptUrl(code), label, 180);
    el.setAttribute('data-source', 'browser');
    replace(slot, el);
  };
  void (async () => {
    try {
      const res = await fetch(`/v1/receipts/${enc(code)}/qr.svg`);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const doc = new DOMParser().parseFromString(await res.text(), 'image/svg+xml');
      const root = doc.documentElement;
      const d = doc.querySelector('path')?.getAttribute('d') ?? '';
      const viewBox = root.getAttribute('viewBox') ?? '';
      if (root.nodeName !== 'svg' || !/^[0-9MhvHVz -]+$/.test(d) || !/^0 0 \d{1,3} \d{1,3}$/.test(viewBox)) {
        throw new Error('unexpected QR image');
      }
      const [, , size] = viewBox.split(' ');
      const el = svg(
        'svg',
        {
          viewBox,
          width: 180,
          height: 180,
          role: 'img',
          'aria-label': label,
          class: 'qr node-qr',
          'shape-rendering': 'crispEdges',
          'data-source': 'node',
          'data-qr-modules': root.getAttribute('data-qr-modules') ?? '',
        },
        svg('rect', { width: size, height: size, fill: '#fff' }),
        svg('path', { d, fill: '#000' }),
      );
      replace(slot, el);
    } catch {
      await fallback().catch(() => undefined); // offline: the printed code's text is still there
    }
  })();
  return slot;
}

// The share card's QR code. The encoder (`qrcode`, 9 KB brotli) is not needed for the receipt's
// first paint, and the card sits below the fold, so it is loaded after the page has rendered and
// fills a slot of the code's size (nothing moves when it arrives).
function lazyQr(text: string, label: string, size: number): HTMLElement {
  const slot = h('span', { class: 'qr-wait' });
  slot.style.width = slot.style.height = `${size}px`;
  import('../ui/qr')
    .then(({ qrSvg }) => slot.replaceWith(qrSvg(text, label, size)))
    .catch(() => slot.remove()); // the link and its copy button beside it still share the receipt
  return slot;
}
