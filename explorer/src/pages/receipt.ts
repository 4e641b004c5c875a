// /r/<code> — the donor's page: what was given, where it went, and proof that it is on the ledger.
// /r/<code>/print — the same receipt laid out for printing.
import { ApiError, enc, get, type Donation, type Receipt, type TraceNode } from '../api';
import { h, replace, svg } from '../dom';
import { date, dateTime, groupCode, name, num, shortHash, yuan } from '../format';
import { lang, t, tEnum } from '../i18n';
import type { PageContext } from '../router';
import { pendingBadge, unavailableBadge, verificationBadge } from '../ui/badge';
import { accountLink, bar, blockLink, copyButton, errorBox, hash, kv, loading, notice, pageHeader, pill, section } from '../ui/common';
import { qrSvg } from '../ui/qr';
import { AnchorError, loadAnchor } from '../verify/genesis';
import { verifyReceipt, type ReceiptVerification } from '../verify/receipt';

export default async function receiptPage(ctx: PageContext): Promise<void> {
  const code = ctx.params[0].toLowerCase();
  const print = ctx.params[1] === 'print';
  ctx.setTitle(t('receipt.title'));
  ctx.root.append(loading(t('receipt.loading')));

  let receipt: Receipt;
  try {
    receipt = await get<Receipt>(`/v1/receipts/${enc(code)}`, ctx.signal);
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    replace(ctx.root, pageHeader(t('receipt.title'), groupCode(code)), receiptError(e, code));
    return;
  }
  const { donation, trace } = receipt;
  const badgeSlot = h('div', { class: 'badge-slot' }, pendingBadge());
  const verification = runVerification(code, receipt, badgeSlot, ctx);

  if (print) {
    document.body.classList.add('print-mode');
    ctx.onCleanup(() => document.body.classList.remove('print-mode'));
    replace(ctx.root, printView(donation, receipt, badgeSlot));
    await verification;
    return;
  }

  const flowBox = h('div', { class: 'sankey', role: 'img', 'aria-label': t('receipt.flow_loading') });
  replace(
    ctx.root,
    pageHeader(t('receipt.title'), h('span', { class: 'mono code-line' }, groupCode(donation.code))),
    badgeSlot,
    summaryCard(donation, receipt),
    section(
      t('receipt.where'),
      totals(receipt),
      trace.truncated ? notice('warn', t('receipt.truncated')) : null,
      flowBox,
      h('p', { class: 'fine' }, t('receipt.flow_hint')),
    ),
    section(t('receipt.hops'), hopList(trace.nodes)),
    unspentCard(trace.nodes),
    shareCard(donation),
  );

  // ECharts is loaded only here, after the text is on screen.
  try {
    const { renderSankey, graphSummary } = await import('../ui/sankey');
    if (ctx.signal.aborted) return;
    flowBox.setAttribute('aria-label', graphSummary(donation, trace));
    const dispose = renderSankey(flowBox, trace);
    ctx.onCleanup(dispose);
    flowBox.dataset.ready = 'true';
  } catch (e) {
    flowBox.replaceWith(errorBox(e));
  }
  await verification;
}

async function runVerification(code: string, receipt: Receipt, slot: HTMLElement, ctx: PageContext): Promise<ReceiptVerification | null> {
  try {
    const anchor = await loadAnchor();
    const result = await verifyReceipt(code, receipt.proof, receipt.donation, anchor);
    if (!ctx.signal.aborted) replace(slot, verificationBadge(result));
    return result;
  } catch (e) {
    if (ctx.signal.aborted) return null;
    const reason = e instanceof AnchorError ? t(`verify.anchor.${e.reason}`) : (e as Error).message;
    replace(slot, unavailableBadge(reason));
    return null;
  }
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

function summaryCard(d: Donation, r: Receipt): HTMLElement {
  const attested = d.attested
    ? pill(t('receipt.attested_by', { bank: name(d.attesting_bank_org, d.attesting_bank) }), 'ok')
    : pill(t('receipt.self_reported'), 'warn', t('receipt.self_reported_hint'));
  return h(
    'section',
    { class: 'card summary', 'aria-label': t('receipt.summary') },
    h('p', { class: 'amount-label' }, d.kind === 'trust_deposit' ? t('receipt.trust_deposit') : t('receipt.donation')),
    h('p', { class: 'amount' }, yuan(d.amount_fen)),
    h('p', { class: 'summary-line' }, donorName(d), ' → ', accountLink(d.account, name(d.to, d.account)), ' ', d.restricted ? pill(t('receipt.restricted'), 'info', t('receipt.restricted_hint')) : null),
    h('p', attested),
    kv([
      [t('receipt.time'), dateTime(d.time_ms)],
      [t('receipt.channel'), tEnum('channel', d.channel || 'unspecified')],
      [t('receipt.recorded_by'), accountLink(`org:${d.recorded_by}`, name(d.recorded_by_org, d.recorded_by))],
      [t('receipt.block'), h('span', blockLink(d.height), ' · ', t('receipt.leaf', { n: num(d.leaf) }))],
      [t('receipt.points'), d.points_earned ? t('points.count', { n: num(d.points_earned) }) : null],
      [t('receipt.refunded'), d.refunded_fen ? h('span', yuan(d.refunded_fen), d.refund_tx ? [' · ', h('a', { href: `/tx/${d.refund_tx}` }, t('receipt.refund_tx'))] : null) : null],
      [t('receipt.memo'), d.memo || null],
      [t('receipt.code'), h('span', { class: 'code-cell' }, h('code', { class: 'mono code-full' }, groupCode(d.code)), copyButton(d.code, t('receipt.copy_code')))],
      [t('receipt.tx_id'), hash(r.proof.tx_id, 10)],
    ]),
  );
}

function totals(r: Receipt): HTMLElement {
  const tt = r.trace.totals;
  const moved = Math.max(0, r.trace.amount_fen - tt.spent_fen - tt.unspent_fen - tt.refunded_fen - tt.untraced_fen);
  const parts = [
    { key: 'spent', value: tt.spent_fen, className: 'seg-spent', label: t('receipt.spent') },
    { key: 'unspent', value: tt.unspent_fen, className: 'seg-unspent', label: t('receipt.unspent') },
    { key: 'refunded', value: tt.refunded_fen, className: 'seg-refunded', label: t('receipt.refunded') },
    { key: 'untraced', value: tt.untraced_fen + moved, className: 'seg-untraced', label: t('receipt.untraced') },
  ];
  const spentPct = r.trace.amount_fen > 0 ? Math.round((tt.spent_fen / r.trace.amount_fen) * 1000) / 10 : 0;
  return h(
    'div',
    { class: 'totals' },
    h('p', { class: 'totals-head' }, t('receipt.spent_pct', { pct: spentPct })),
    bar(parts, r.trace.amount_fen, parts.map((p) => `${p.label} ${yuan(p.value)}`).join(', ')),
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

function hopList(nodes: TraceNode[]): HTMLElement {
  const rows = flatten(nodes);
  if (rows.length === 0) return h('p', { class: 'empty' }, t('receipt.no_hops'));
  return h(
    'ol',
    { class: 'hops' },
    rows.map(({ node, depth }) => {
      const tx = node.tx;
      const when = tx?.kind === 'spend' && tx.occurred_at_ms ? tx.occurred_at_ms : tx?.time_ms;
      let title: string;
      let counterparty: (Node | string)[] = [];
      const facts: [string, Node | string | null][] = [];
      switch (node.fate) {
        case 'moved_on':
          title = tEnum('kind', tx?.kind ?? 'transfer');
          counterparty = [
            accountLink(node.account, accountName(node)),
            ' → ',
            tx?.to_account ? accountLink(tx.to_account, (lang() === 'zh' ? tx.to_name_zh || tx.to_name_en : tx.to_name_en || tx.to_name_zh) || tx.to_account) : '—',
          ];
          if (tx?.purpose) facts.push([t('hop.purpose'), tx.purpose]);
          break;
        case 'spent': {
          const cat = (lang() === 'zh' ? tx?.category_name_zh : tx?.category_name_en) || tEnum('category', tx?.category ?? 'unspecified');
          title = `${t('kind.spend')} · ${cat}`;
          const payee =
            tx?.payee_kind === 'individuals'
              ? t('hop.individuals', { n: num(tx?.beneficiary_count ?? 0) })
              : tx?.payee_name || tEnum('payee', tx?.payee_kind ?? 'unspecified');
          counterparty = [accountLink(node.account, accountName(node)), ' → ', payee];
          facts.push([t('hop.category'), cat]);
          if (tx?.beneficiary_count && tx.payee_kind !== 'individuals') facts.push([t('hop.beneficiaries'), num(tx.beneficiary_count)]);
          if (tx?.description) facts.push([t('hop.description'), tx.description]);
          facts.push([t('hop.invoice'), tx?.invoice_hash ? hash(tx.invoice_hash, 10) : '—']);
          break;
        }
        case 'refunded':
          title = t('kind.refund');
          counterparty = [accountLink(node.account, accountName(node)), ' → ', t('receipt.donor')];
          if (tx?.reason) facts.push([t('hop.reason'), tx.reason]);
          break;
        default:
          title = t('receipt.unspent');
          counterparty = [t('receipt.held_in'), ' ', accountLink(node.account, accountName(node))];
      }
      if (tx?.amount_fen && tx.amount_fen !== node.amount_fen) facts.push([t('hop.tx_total'), yuan(tx.amount_fen)]);
      const li = h(
        'li',
        { class: `hop hop-${node.fate}`, 'data-depth': depth },
        h(
          'div',
          { class: 'hop-head' },
          h('span', { class: 'hop-title' }, title),
          h('span', { class: 'hop-amount' }, yuan(node.amount_fen)),
        ),
        h('p', { class: 'hop-party' }, counterparty),
        h(
          'p',
          { class: 'hop-meta' },
          when ? h('time', { datetime: new Date(when).toISOString() }, date(when)) : null,
          tx ? [' · ', h('a', { href: `/tx/${tx.id}` }, t('hop.view_tx'))] : null,
          tx?.kind === 'spend' ? [' · ', h('a', { href: `/tx/${tx.id}#sources` }, t('hop.sources'))] : null,
        ),
        facts.length ? kv(facts) : null,
      );
      li.style.setProperty('--depth', String(Math.min(depth, 4)));
      return li;
    }),
  );
}

function unspentCard(nodes: TraceNode[]): HTMLElement | null {
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
      ? h('p', { class: 'empty' }, t('receipt.all_used'))
      : h(
          'ul',
          { class: 'list' },
          rows.map((u) =>
            h('li', { class: 'list-item' }, h('div', { class: 'list-main' }, accountLink(u.node.account, accountName(u.node))), h('strong', yuan(u.amount))),
          ),
        ),
  );
}

function receiptUrl(code: string): string {
  return `${location.origin}/r/${code}`;
}

function shareCard(d: Donation): HTMLElement {
  return section(
    t('receipt.share'),
    h(
      'div',
      { class: 'share' },
      qrSvg(receiptUrl(d.code), t('receipt.qr_label'), 160),
      h(
        'div',
        h('p', t('receipt.share_hint')),
        h('p', { class: 'mono code-short' }, d.code.slice(0, 12)),
        h('p', h('a', { class: 'btn', href: `/r/${d.code}/print` }, t('receipt.print_view')), ' ', copyButton(receiptUrl(d.code), t('receipt.copy_link'))),
      ),
    ),
  );
}

function printView(d: Donation, r: Receipt, badgeSlot: HTMLElement): HTMLElement {
  const tt = r.trace.totals;
  return h(
    'article',
    { class: 'print-receipt' },
    h(
      'div',
      { class: 'print-actions no-print' },
      h('a', { href: `/r/${d.code}`, class: 'btn btn-ghost' }, t('receipt.back')),
      h('button', { type: 'button', class: 'btn', onclick: () => window.print() }, t('receipt.print')),
    ),
    h('header', h('p', { class: 'print-brand' }, '善流 Shanliu'), h('h1', t('receipt.print_title'))),
    h('p', { class: 'amount' }, yuan(d.amount_fen)),
    kv([
      [t('receipt.donor'), donorName(d)],
      [t('receipt.to'), name(d.to, d.account)],
      [t('receipt.time'), dateTime(d.time_ms)],
      [t('receipt.channel'), tEnum('channel', d.channel || 'unspecified')],
      [t('receipt.recorded_by'), name(d.recorded_by_org, d.recorded_by)],
      [t('receipt.attestation'), d.attested ? t('receipt.attested_by', { bank: name(d.attesting_bank_org, d.attesting_bank) }) : t('receipt.self_reported')],
      [t('receipt.block'), `#${d.height}`],
      [t('receipt.spent'), yuan(tt.spent_fen)],
      [t('receipt.unspent'), yuan(tt.unspent_fen)],
      [t('receipt.tx_id'), shortHash(r.proof.tx_id, 16)],
    ]),
    h(
      'div',
      { class: 'print-qr' },
      nodeQr(d.code),
      h('div', h('p', { class: 'code-short mono' }, d.code.slice(0, 12)), h('p', { class: 'mono code-full' }, groupCode(d.code)), h('p', { class: 'fine' }, t('receipt.print_hint'))),
    ),
    badgeSlot,
  );
}

// The printed QR comes from the node (GET /v1/receipts/{code}/qr.svg, libqrencode, level M), so
// every paper copy shows the same code whatever browser printed it. Only the path and viewBox of
// the node's SVG are copied into an element built here (nothing else of the response enters the
// page); if the request fails the code is drawn in the browser instead.
function nodeQr(code: string): HTMLElement {
  const label = t('receipt.qr_label');
  const slot = h('div', { class: 'qr-slot' });
  const fallback = () => {
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
      fallback();
    }
  })();
  return slot;
}
