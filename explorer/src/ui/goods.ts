// In-kind goods on an organisation's or project's page: stock by item (with its valued amount as
// a report figure, never added to a cash balance), distribution points grouped by GB/T 2260
// region, and the goods history in and out (docs/api.md "Goods history").
import { enc, get, type GoodsHistory, type GoodsHistoryRow, type GoodsStock, type GoodsStockItem } from '../api';
import { h, replace, type Child } from '../dom';
import { date, name, num, yuan } from '../format';
import { groupByRegion } from '../goods_regions';
import { t } from '../i18n';
import { errorBox, loading, pager, pill, section } from './common';

// Distribution rows read for the region list: 5 pages of 100, newest first.
const REGION_PAGES = 5;
const PAGE = 100;

export type Holder = 'orgs' | 'projects';

function stockTable(stock: GoodsStock): Child {
  if (!stock.items.length) return h('p', { class: 'empty' }, t('goods.stock_none'));
  const head = ['goods.item', 'goods.stock_held', 'goods.value', 'goods.donated', 'goods.received', 'goods.moved_out', 'goods.distributed'] as const;
  const row = (it: GoodsStockItem) =>
    h(
      'tr',
      { 'data-item': it.item_code },
      h('th', { scope: 'row' }, name(it, it.item_code), h('small', { class: 'ind-detail' }, it.category_zh)),
      h('td', { class: 'num' }, h('strong', { 'data-field': 'held' }, num(it.held)), ' ', it.unit),
      h('td', { class: 'num', 'data-field': 'value' }, yuan(it.held_value_fen), it.held_value_complete ? null : h('small', ' ', t('goods.value_floor'))),
      h('td', { class: 'num' }, num(it.donated)),
      h('td', { class: 'num' }, num(it.received)),
      h('td', { class: 'num' }, num(it.transferred_out)),
      h('td', { class: 'num' }, num(it.distributed)),
    );
  return [
    h(
      'div',
      { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': t('goods.stock_table') },
      h('table', { class: 'table', 'data-field': 'goods-stock' }, h('thead', h('tr', head.map((k) => h('th', { scope: 'col' }, t(k))))), h('tbody', stock.items.map(row))),
    ),
    h('p', { class: 'fine' }, t('goods.value_note')),
  ];
}

function quantity(r: GoodsHistoryRow): Record<string, string> {
  return { qty: num(r.quantity), unit: r.item.unit, item: name(r.item, r.item.item_code) };
}

function historyItem(r: GoodsHistoryRow): HTMLElement {
  let title: string;
  if (r.kind === 'goods_donation') title = t('goods.in_donation', { ...quantity(r), donor: r.donor_display_name ?? '' });
  else if (r.kind === 'goods_transfer' && r.direction === 'in') title = t('goods.in_transfer', { ...quantity(r), from: r.from_name_zh || r.from_account || '' });
  else if (r.kind === 'goods_transfer') title = t('goods.out_transfer', { ...quantity(r), to: r.to_name_zh || r.to_account || '' });
  else title = t('goods.out_distribution', { ...quantity(r), place: r.place_name ?? '' });
  const details: Child[] = [t('goods.valued', { v: yuan(r.value_fen) })];
  if (r.lots.length) details.push(' · ', t('goods.lots', { lot: r.lots.join(' ') }));
  if (r.kind === 'goods_distribution') details.push(' · ', `${r.region} ${r.region_name ?? ''}`, ' · ', t('goods.beneficiaries', { n: num(r.beneficiary_count ?? 0) }));
  return h(
    'li',
    { class: 'list-item', 'data-kind': r.kind },
    h('div', { class: 'list-main' }, h('span', { class: 'list-title' }, title), h('span', { class: 'list-detail' }, details)),
    h(
      'div',
      { class: 'list-side' },
      (r.expired_quantity ?? 0) > 0 ? pill(t('goods.expired_units', { n: num(r.expired_quantity ?? 0), unit: r.item.unit }), 'bad') : null,
      h('a', { href: `/tx/${r.tx_id}` }, date(r.time_ms)),
    ),
  );
}

function regionList(rows: GoodsHistoryRow[], partial: boolean): Child {
  const groups = groupByRegion(rows);
  if (!groups.length) return h('p', { class: 'empty' }, t('goods.points_none'));
  return [
    h(
      'ul',
      { class: 'plain-list goods-regions', 'data-field': 'goods-regions' },
      groups.map((g) =>
        h(
          'li',
          { 'data-region': g.region },
          h('h3', h('span', { class: 'region-name' }, g.name), ' ', h('code', { class: 'mono' }, g.region), ' ', h('small', t('goods.region_total', { n: num(g.rows.length) }))),
          h('ul', { class: 'list' }, g.rows.map(historyItem)),
        ),
      ),
    ),
    partial ? h('p', { class: 'fine' }, t('goods.points_partial', { n: num(rows.length) })) : null,
  ];
}

async function distributions(base: string, signal: AbortSignal): Promise<{ rows: GoodsHistoryRow[]; partial: boolean }> {
  const rows: GoodsHistoryRow[] = [];
  let before: number | null = null;
  for (let page = 0; page < REGION_PAGES; page++) {
    const r: GoodsHistory = await get<GoodsHistory>(`${base}/goods/history?kind=goods_distribution&limit=${PAGE}${before !== null ? `&before=${before}` : ''}`, signal);
    rows.push(...r.items);
    before = r.next_before;
    if (before === null) return { rows, partial: false };
  }
  return { rows, partial: true };
}

// The three goods sections; each loads on its own and shows its own error.
export function goodsSections(holder: Holder, id: string, signal: AbortSignal): HTMLElement[] {
  const base = `/v1/${holder}/${enc(id)}`;
  const stock = h('div', { 'data-section': 'goods-stock' }, loading());
  const points = h('div', { 'data-section': 'goods-regions' }, loading());
  const history = h('div', { 'data-section': 'goods-history' });
  get<GoodsStock>(`${base}/goods`, signal).then(
    (s) => replace(stock, stockTable(s)),
    (e) => stock.replaceChildren(errorBox(e)),
  );
  distributions(base, signal).then(
    ({ rows, partial }) => replace(points, regionList(rows, partial)),
    (e) => points.replaceChildren(errorBox(e)),
  );
  pager<GoodsHistoryRow>(
    history,
    async (next) => {
      const r = await get<GoodsHistory>(`${base}/goods/history?limit=20${next !== null ? `&before=${next}` : ''}`, signal);
      return { items: r.items, next: r.next_before };
    },
    historyItem,
    'common.no_activity',
  );
  return [section(t('goods.stock'), stock), section(t('goods.points'), points), section(t('goods.history'), history)];
}
