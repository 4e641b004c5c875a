// /r/<code> for a goods donation (issue 19): "您捐赠的 1,000 只口罩：600 只已发放至 XX 医院
// （2026-12-06），400 只在 XX 仓库", verified in the browser like a money receipt — the receipt
// proof of the signed GoodsDonation, then the flow proof walked in units of the item. Once
// verified, every figure shown is the proven one; the few values no proof reaches (the item's
// names, a region's name, a hop's block) carry the "not proven" mark. Loaded only for goods
// receipts, so the money receipt's first load does not carry it.
import type { GoodsReceipt, GoodsTrace, GoodsTraceNode } from '../api';
import { h, replace } from '../dom';
import { dateTime, groupCode, num } from '../format';
import { lang, t } from '../i18n';
import type { PageContext } from '../router';
import { pendingBadge, receiptBadge, unavailableBadge } from '../ui/badge';
import { accountLink, copyButton, hash, kv, notice, pageHeader, pill, section } from '../ui/common';
import { AnchorError, loadAnchor } from '../genesis';
import { verifyGoodsAnswer } from '@shanliu/sdk/verify/goods';

interface GoodsView {
  goods: GoodsTrace;
  pending: boolean; // verification still running: nothing is marked yet
  proven: boolean; // the flow proof held: the figures are the proven ones
}

export async function goodsReceiptPage(ctx: PageContext, code: string, answer: GoodsReceipt): Promise<void> {
  ctx.setTitle(t('goods.title'));
  const badgeSlot = h('div', { class: 'badge-slot' }, pendingBadge());
  const body = h('div', { class: 'receipt-body goods-receipt' });
  replace(ctx.root, pageHeader(t('goods.title')), badgeSlot, body);
  replace(body, ...sections({ goods: answer.goods, pending: true, proven: false }));
  try {
    const v = await verifyGoodsAnswer(code, answer, await loadAnchor());
    if (ctx.signal.aborted) return;
    replace(badgeSlot, receiptBadge({ receipt: v.receipt, flow: v.flow, mismatch: v.mismatch }));
    // The proven values replace the node's even when the node's JSON disagrees with them.
    replace(body, ...sections({ goods: v.proven ?? answer.goods, pending: false, proven: v.proven !== null }));
  } catch (e) {
    if (ctx.signal.aborted) return;
    replace(badgeSlot, unavailableBadge(e instanceof AnchorError ? t(`verify.anchor.${e.reason}`) : (e as Error).message));
    replace(body, ...sections({ goods: answer.goods, pending: false, proven: false }));
  }
}

function mark(view: GoodsView, proven: boolean): HTMLElement | null {
  if (view.pending || proven) return null;
  return h('span', { class: 'pill pill-warn not-proven', title: t('proof.not_proven_hint') }, t('proof.not_proven'));
}

const units = (g: GoodsTrace, n: number): string => `${num(n)} ${g.item.unit}`;
const itemName = (g: GoodsTrace): string => (lang() === 'zh' ? g.item.name_zh || g.item.name_en : g.item.name_en || g.item.name_zh) || g.item.item_code;
const holderName = (n: GoodsTraceNode): string => (lang() === 'zh' ? n.holder_name_zh || n.holder_name_en : n.holder_name_en || n.holder_name_zh) || n.holder;

function flatten(nodes: GoodsTraceNode[], depth = 0, out: { node: GoodsTraceNode; depth: number }[] = []) {
  for (const n of nodes) {
    out.push({ node: n, depth });
    flatten(n.children, depth + 1, out);
  }
  return out;
}

// Units handed out per place and date, held per holder, in trace order: the sentence's parts.
function summary(g: GoodsTrace): { handed: { place: string; date: string; n: number }[]; held: { account: string; name: string; n: number }[] } {
  const handed = new Map<string, { place: string; date: string; n: number }>();
  const held = new Map<string, { account: string; name: string; n: number }>();
  for (const { node } of flatten(g.nodes)) {
    if (node.fate === 'distributed' && node.tx) {
      const key = `${node.tx.place_name}\u0000${node.tx.date}`;
      const row = handed.get(key) ?? { place: node.tx.place_name ?? '', date: node.tx.date, n: 0 };
      row.n += node.quantity;
      handed.set(key, row);
    } else if (node.fate === 'unspent') {
      const row = held.get(node.holder) ?? { account: node.holder, name: holderName(node), n: 0 };
      row.n += node.quantity;
      held.set(node.holder, row);
    }
  }
  return { handed: [...handed.values()], held: [...held.values()] };
}

function plainCard(view: GoodsView): HTMLElement {
  const g = view.goods;
  const s = summary(g);
  const parts: (Node | string)[][] = [
    ...s.handed.map((p) => [h('strong', { class: 'plain-spent' }, units(g, p.n)), t('goods.handed_at', { place: p.place, date: p.date })]),
    ...s.held.map((p) => [h('strong', { class: 'plain-unspent' }, units(g, p.n)), t('goods.held_by'), accountLink(p.account, p.name)]),
  ];
  if (g.totals.untraced > 0) parts.push([h('strong', units(g, g.totals.untraced)), t('plain.untraced')]);
  return h(
    'section',
    { class: 'card plain goods-plain', 'aria-label': t('plain.label'), 'data-proven': String(view.proven), 'data-distributed': g.totals.distributed, 'data-held': g.totals.held },
    view.pending ? h('p', { class: 'fine proof-pending' }, t('proof.trace_pending')) : null,
    h(
      'p',
      { class: 'plain-sentence' },
      t('goods.your', { quantity: units(g, g.quantity), item: itemName(g) }),
      parts.map((p, i) => [i ? t('goods.sep') : '', ...p]),
      parts.length ? t('plain.end') : t('plain.nothing'),
      ' ',
      mark(view, view.proven),
    ),
    view.proven ? h('p', { class: 'fine goods-item-name' }, t('goods.item_name_hint')) : null,
  );
}

function summaryCard(view: GoodsView): HTMLElement {
  const g = view.goods;
  return h(
    'section',
    { class: 'card summary', 'aria-label': t('receipt.summary') },
    h('p', { class: 'amount-label' }, t('goods.donation')),
    h('p', { class: 'amount goods-quantity' }, units(g, g.quantity), ' ', h('span', { class: 'goods-item' }, itemName(g)), ' ', mark(view, view.proven)),
    h('p', { class: 'summary-line' }, h('span', { class: 'donor-name' }, g.donor_display_name), ' → ', accountLink(g.holder, g.nodes[0] ? holderName(g.nodes[0]) : g.holder_name_zh || g.holder), ' ', mark(view, view.proven)),
    h('p', g.notary_org ? pill(t('goods.witnessed_by', { org: g.notary_org }), 'ok') : pill(t('goods.self_reported'), 'warn'), ' ', mark(view, view.proven)),
    kv([
      [t('receipt.time'), h('span', dateTime(g.time_ms), ' ', mark(view, view.proven))],
      [t('goods.lot'), g.lot_number ? h('span', g.lot_number, g.expires_on ? ` · ${t('goods.expires', { date: g.expires_on })}` : '', ' ', mark(view, view.proven)) : null],
      [t('goods.category'), h('span', lang() === 'zh' ? g.item.category_zh : g.item.category, ' ', mark(view, false))],
    ]),
  );
}

function hopList(view: GoodsView): HTMLElement {
  const g = view.goods;
  return h(
    'ol',
    { class: 'hops goods-hops' },
    flatten(g.nodes).map(({ node, depth }) => {
      const tx = node.tx;
      const what =
        node.fate === 'distributed' && tx
          ? [
              t('goods.handed_out_at', { place: tx.place_name ?? '' }),
              h('small', ` · ${tx.region}`, tx.region_name ? [' ', tx.region_name, ' ', mark(view, false)] : null),
              ` · ${tx.date}`,
              tx.beneficiary_count ? ` · ${t('goods.beneficiaries', { n: num(tx.beneficiary_count) })}` : '',
              tx.expired_quantity ? [' ', pill(t('goods.expired', { n: units(g, tx.expired_quantity) }), 'warn')] : null,
            ]
          : node.fate === 'moved_on' && tx
            ? [t('goods.moved_to'), ' ', accountLink(tx.to_account ?? '', node.children[0] ? holderName(node.children[0]) : tx.to_name_zh || tx.to_account), tx.purpose ? ` · ${tx.purpose}` : '']
            : [t('goods.held_at'), ' ', accountLink(node.holder, holderName(node))];
      return h(
        'li',
        { class: `hop hop-${node.fate}`, style: `margin-inline-start: ${depth * 1.25}rem`, 'data-fate': node.fate, 'data-quantity': node.quantity },
        h('strong', units(g, node.quantity)), ' ', h('span', { class: 'hop-holder' }, holderName(node)), ' · ', ...what.flat(), ' ',
        node.unexpanded ? pill(t('receipt.untraced'), 'warn') : null, mark(view, view.proven),
      );
    }),
  );
}

function sections(view: GoodsView): HTMLElement[] {
  const g = view.goods;
  const flowBox = h('div', { class: 'sankey', role: 'img', 'aria-label': t('goods.flow_label', { quantity: units(g, g.quantity), item: itemName(g) }) });
  if (!view.pending) void drawFlow(flowBox, view);
  return [
    plainCard(view),
    summaryCard(view),
    section(
      t('goods.where'),
      view.pending ? h('p', { class: 'fine proof-pending' }, t('proof.trace_pending')) : view.proven ? null : notice('warn', mark(view, false), ' ', t('proof.trace_failed')),
      g.truncated ? notice('warn', t('receipt.truncated')) : null,
      flowBox,
    ),
    section(t('receipt.hops'), hopList(view)),
    h(
      'details',
      { class: 'card tech-details' },
      h('summary', h('h2', { class: 'details-title' }, t('receipt.details'))),
      kv([
        [t('receipt.code'), h('span', { class: 'code-cell' }, h('code', { class: 'mono code-full' }, groupCode(g.code)), copyButton(g.code, t('receipt.copy_code')))],
        [t('receipt.tx_id'), hash(g.id, 10)],
        [t('goods.account'), h('code', { class: 'mono' }, g.account)],
      ]),
    ),
  ];
}

// The diagram in units of the item (the money receipt's Sankey code, loaded on demand).
async function drawFlow(flowBox: HTMLElement, view: GoodsView): Promise<void> {
  const { buildGoodsGraph, renderGraph } = await import('../ui/sankey');
  renderGraph(flowBox, buildGoodsGraph(view.goods), (v) => units(view.goods, v));
  flowBox.dataset.ready = 'true';
  flowBox.dataset.proven = String(view.proven);
}
