// District dashboard (/regulator/regions/<code>?year=, issue 21 part 2): a region's year from
// GET /v1/regions/{code}/stats — headline figures, raised and spent by month and by category, the
// top flags — and the divisions below it from GET /v1/regions?parent=, each with its flags, with
// links down (province → city → district → street) and breadcrumbs up. Without a code: the
// provinces. Every table downloads as CSV built here from the same data; the page prints.
// The figures are the node's aggregate, not browser-verified, and the page says so.
import { ApiError, enc, get, type RegionFigures, type RegionFlag, type RegionList, type RegionStats, type Stats } from '../api';
import { csvFileName, decimal, toCsv, type CsvCell } from '../csv';
import { h, replace, type Child } from '../dom';
import { num, pct, yuan, yuanCompact } from '../format';
import { lang, t, tEnum } from '../i18n';
import type { MessageKey } from '../messages';
import { ancestors, beijingYear, childLevel, fenToYuan, parseRegionCode, parseYear, perCapitaYuan, type Level } from '../region_code';
import { navigate, type PageContext } from '../router';
import type { ChartSpec } from '../ui/charts';
import { errorBox, loading, notice, pageHeader, pill, section } from '../ui/common';

const BASE = '/regulator/regions';

export const regionHref = (code: string | null, year: number | null): string => `${code ? `${BASE}/${code}` : BASE}${year ? `?year=${year}` : ''}`;

// "浙江省杭州市西湖区" under "浙江省杭州市" reads "西湖区": the API names a division in full.
function shortName(full: string | null, parentFull: string | null, fallback: string): string {
  if (!full) return fallback;
  return parentFull && full.startsWith(parentFull) && full.length > parentFull.length ? full.slice(parentFull.length) : full;
}

// A table whose cells and CSV fields come from one list of columns, so the file always holds
// exactly what the page shows.
interface Column<R> {
  label: string;
  cell: (row: R) => Child;
  csv: (row: R) => CsvCell;
  num?: boolean;
}

function downloadCsv(fileName: string, text: string): void {
  // A byte-order mark so spreadsheet programs read the Chinese names as UTF-8.
  const url = URL.createObjectURL(new Blob(['\ufeff', text], { type: 'text/csv;charset=utf-8' }));
  const a = h('a', { href: url, download: fileName, class: 'visually-hidden' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function csvButton(table: string, fileName: string, build: () => string): HTMLElement {
  const button = h('button', { type: 'button', class: 'btn btn-small btn-ghost csv-download', 'aria-label': t('regions.csv_label', { table }), 'data-file': fileName }, t('regions.csv'));
  button.addEventListener('click', () => downloadCsv(fileName, build()));
  return button;
}

function dataTable<R>(caption: string, fileName: string, columns: Column<R>[], rows: R[], rowAttrs?: (row: R) => Record<string, string>): HTMLElement {
  const table = h(
    'table',
    { class: 'regions-table' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', h('tr', columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : null }, c.label)))),
    h('tbody', rows.map((r) => h('tr', rowAttrs?.(r) ?? {}, columns.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c.cell(r)) : h('td', { class: c.num ? 'num' : null }, c.cell(r))))))),
  );
  const build = () => toCsv(columns.map((c) => c.label), rows.map((r) => columns.map((c) => c.csv(r))));
  return h('div', { class: 'regions-table-block' }, h('div', { class: 'table-tools' }, csvButton(caption, fileName, build)), h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': t('regions.table_region', { table: caption }) }, table));
}

const money = (fen: number) => decimal(fenToYuan(fen));
const pctCsv = (p: number | null) => (p === null ? null : decimal(String(p)));

function perCapitaCell(f: RegionFigures): Child {
  const y = perCapitaYuan(f.per_capita.per_capita_fen);
  return y === null ? h('small', t('regions.no_population_short')) : `¥${y}`;
}

const flagText = (flags: RegionFlag[]): string => flags.map((f) => `${tEnum('regions.flag', f.flag)} ${f.count}`).join(' · ');

// The columns of a region row: the child table, and the region's own totals as a one-row CSV.
function figureColumns(year: number, parentName: string | null, withFlags = false): Column<RegionFigures>[] {
  const cols: Column<RegionFigures>[] = [
    {
      label: t('regions.col.region'),
      cell: (f) => h('a', { href: regionHref(f.region.code, year), 'data-region': f.region.code }, shortName(f.region.name, parentName, f.region.code)),
      csv: (f) => f.region.name ?? f.region.code,
    },
    { label: t('regions.col.code'), cell: (f) => h('code', f.region.code), csv: (f) => f.region.code },
    { label: t('regions.col.raised'), cell: (f) => yuan(f.raised_fen), csv: (f) => money(f.raised_fen), num: true },
    { label: t('regions.col.donations'), cell: (f) => num(f.donation_count), csv: (f) => f.donation_count, num: true },
    { label: t('regions.col.spent'), cell: (f) => yuan(f.spent_fen), csv: (f) => money(f.spent_fen), num: true },
    { label: t('regions.col.spends'), cell: (f) => num(f.spend_count), csv: (f) => f.spend_count, num: true },
    { label: t('regions.col.refunded'), cell: (f) => yuan(f.refunded_fen), csv: (f) => money(f.refunded_fen), num: true },
    { label: t('regions.col.population'), cell: (f) => num(f.per_capita.population), csv: (f) => f.per_capita.population, num: true },
    { label: t('regions.col.per_capita'), cell: perCapitaCell, csv: (f) => { const y = perCapitaYuan(f.per_capita.per_capita_fen); return y === null ? t('regions.no_population_short') : decimal(y); }, num: true },
    { label: t('regions.col.attested_raised'), cell: (f) => pct(f.attested_raised_pct), csv: (f) => pctCsv(f.attested_raised_pct), num: true },
    { label: t('regions.col.attested_outflow'), cell: (f) => pct(f.attested_outflow_pct), csv: (f) => pctCsv(f.attested_outflow_pct), num: true },
    { label: t('regions.col.invoiced'), cell: (f) => pct(f.invoiced_spent_pct), csv: (f) => pctCsv(f.invoiced_spent_pct), num: true },
    { label: t('regions.col.closed'), cell: (f) => num(f.projects.closed), csv: (f) => f.projects.closed, num: true },
    { label: t('regions.col.reported'), cell: (f) => num(f.projects.closed_with_report), csv: (f) => f.projects.closed_with_report, num: true },
    { label: t('regions.col.reported_pct'), cell: (f) => pct(f.projects.closed_with_report_pct), csv: (f) => pctCsv(f.projects.closed_with_report_pct), num: true },
  ];
  if (withFlags) {
    cols.push({
      label: t('regions.col.flags'),
      cell: (f) => {
        if (f.flags.length === 0) return '—';
        return h('ul', { class: 'plain-list region-flags' }, f.flags.map((x) => h('li', { 'data-flag': x.flag }, pill(`${tEnum('regions.flag', x.flag)} ${num(x.count)}`, 'warn'))));
      },
      csv: (f) => flagText(f.flags),
    });
  }
  return cols;
}

// Up the hierarchy: 全国 › 浙江省 › 杭州市 › 西湖区, each a link; names arrive as the node gives them.
function breadcrumbs(code: string | null, year: number | null, signal: AbortSignal, current: string): HTMLElement {
  const items: HTMLElement[] = [h('li', code ? h('a', { href: regionHref(null, year) }, t('regions.country')) : h('span', { 'aria-current': 'page' }, t('regions.country')))];
  const up = code ? ancestors(code) : [];
  let previous: Promise<string | null> = Promise.resolve(null);
  for (const a of up) {
    const link = h('a', { href: regionHref(a, year), 'data-region': a }, a);
    items.push(h('li', link));
    const parentName = previous;
    previous = get<RegionStats>(`/v1/regions/${enc(a)}/stats${year ? `?year=${year}` : ''}`, signal).then(
      async (s) => {
        link.textContent = shortName(s.region.name, await parentName, a);
        return s.region.name;
      },
      () => null,
    );
  }
  if (code) items.push(h('li', h('span', { 'aria-current': 'page' }, current)));
  return h('nav', { class: 'breadcrumbs', 'aria-label': t('regions.breadcrumb') }, h('ol', items));
}

// Years the node answers for: the genesis block's Beijing year to the head block's.
async function yearRange(signal: AbortSignal): Promise<{ first: number; last: number }> {
  const [g, s] = await Promise.all([get<{ genesis_time_ms?: number }>('/v1/genesis', signal), get<Stats>('/v1/stats', signal)]);
  const last = beijingYear(s.head.time_ms);
  const first = typeof g.genesis_time_ms === 'number' ? Math.min(beijingYear(g.genesis_time_ms), last) : last;
  return { first: Math.max(first, last - 50), last };
}

function controls(code: string | null, year: number, range: { first: number; last: number }): HTMLElement {
  const select = h('select', { id: 'region-year' });
  for (let y = range.last; y >= range.first; y--) select.append(h('option', { value: y, selected: y === year }, String(y)));
  if (year < range.first || year > range.last) select.append(h('option', { value: year, selected: true }, String(year)));
  select.addEventListener('change', () => navigate(regionHref(code, Number(select.value))));
  const print = h('button', { type: 'button', class: 'btn btn-small' }, t('regions.print'));
  print.addEventListener('click', () => window.print());
  return h('div', { class: 'regions-controls no-print' }, h('div', { class: 'field' }, h('label', { for: 'region-year' }, t('regions.year')), select), print);
}

function figure(key: string, label: string, value: Child, detail?: Child, data?: string | number | null): HTMLElement {
  return h('div', { class: 'region-figure', 'data-figure': key, 'data-value': data === undefined || data === null ? null : String(data) }, h('span', { class: 'region-figure-label' }, label), h('strong', { class: 'region-figure-value' }, value), detail ? h('small', detail) : null);
}

function headline(s: RegionStats): HTMLElement {
  const pc = s.per_capita;
  const pcYuan = perCapitaYuan(pc.per_capita_fen);
  const p = s.projects;
  const grid = h(
    'div',
    { class: 'region-figures' },
    figure('raised_fen', t('regions.raised'), yuan(s.raised_fen), t('regions.donations_n', { n: num(s.donation_count) }), s.raised_fen),
    figure('spent_fen', t('regions.spent'), yuan(s.spent_fen), [t('regions.spends_n', { n: num(s.spend_count) }), ' · ', t('regions.refunded'), ' ', yuan(s.refunded_fen)], s.spent_fen),
    pcYuan === null
      ? figure('per_capita', t('regions.per_capita'), '—', t('regions.no_population', { year: s.year }), 'no_population')
      : figure('per_capita', t('regions.per_capita'), `¥${pcYuan}`, t('regions.per_capita_detail', { population: num(pc.population), year: s.year }), pcYuan),
    figure('attested_raised_pct', t('regions.attested_raised'), pct(s.attested_raised_pct), null, s.attested_raised_pct),
    figure('attested_outflow_pct', t('regions.attested_outflow'), pct(s.attested_outflow_pct), t('regions.invoiced') + ' ' + pct(s.invoiced_spent_pct), s.attested_outflow_pct),
    p.closed === 0
      ? figure('closed_with_report_pct', t('regions.closing_reports'), '—', t('regions.no_closed'), null)
      : figure('closed_with_report_pct', t('regions.closing_reports'), pct(p.closed_with_report_pct), t('regions.closing_detail', { reported: num(p.closed_with_report), closed: num(p.closed) }), p.closed_with_report_pct),
    figure('projects_opened', t('regions.projects_opened'), num(p.opened), null, p.opened),
  );
  const name = s.region.name ?? s.region.code;
  return section(
    t('regions.headline', { year: s.year }),
    s.status === 'no_data' ? notice('info', h('span', { class: 'region-no-data' }, t('regions.no_data', { name, year: s.year }))) : null,
    grid,
    dataTable(t('regions.figures'), csvFileName('region', s.region.code, s.year, 'totals'), figureColumns(s.year, null), [s]),
  );
}

const monthName = (m: number): string => new Intl.DateTimeFormat(lang() === 'zh' ? 'zh-CN' : 'en-GB', { month: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(2000, m - 1, 1)));

function chartBox(ctx: PageContext, label: string, spec: ChartSpec, tall = false): HTMLElement {
  const el = h('div', { class: `chart${tall ? ' chart-tall' : ''}`, role: 'img', 'aria-label': label });
  // ECharts (its own chunk, ~160 KiB brotli) loads after the figures and tables are on the page;
  // the chart is drawn once its element is in the page and has a width.
  import('../ui/charts').then(
    ({ drawChart }) => {
      if (ctx.signal.aborted || !el.isConnected) return;
      ctx.onCleanup(drawChart(el, spec));
      el.setAttribute('data-drawn', 'true');
    },
    () => el.append(h('small', t('error.network'))),
  );
  return el;
}

function byMonth(ctx: PageContext, s: RegionStats): HTMLElement {
  let raised = 0;
  let spent = 0;
  const cumRaised = s.by_month.map((m) => (raised += m.raised_fen));
  const cumSpent = s.by_month.map((m) => (spent += m.spent_fen));
  const spec: ChartSpec = {
    categories: s.by_month.map((m) => monthName(m.month)),
    format: yuanCompact,
    series: [
      { name: t('regions.raised'), type: 'bar', values: s.by_month.map((m) => m.raised_fen), color: '#9f1d20' },
      { name: t('regions.spent'), type: 'bar', values: s.by_month.map((m) => m.spent_fen), color: '#1a7f37' },
      { name: t('regions.cum_raised'), type: 'line', values: cumRaised, color: '#e0787a' },
      { name: t('regions.cum_spent'), type: 'line', values: cumSpent, color: '#6fba85' },
    ],
  };
  type Month = RegionStats['by_month'][number];
  const columns: Column<Month>[] = [
    { label: t('regions.month'), cell: (m) => monthName(m.month), csv: (m) => m.month },
    { label: t('regions.col.raised'), cell: (m) => yuan(m.raised_fen), csv: (m) => money(m.raised_fen), num: true },
    { label: t('regions.col.donations'), cell: (m) => num(m.donation_count), csv: (m) => m.donation_count, num: true },
    { label: t('regions.col.spent'), cell: (m) => yuan(m.spent_fen), csv: (m) => money(m.spent_fen), num: true },
    { label: t('regions.col.spends'), cell: (m) => num(m.spend_count), csv: (m) => m.spend_count, num: true },
  ];
  return section(
    t('regions.by_month'),
    chartBox(ctx, t('regions.by_month_chart', { year: s.year }), spec),
    dataTable(t('regions.by_month'), csvFileName('region', s.region.code, s.year, 'by-month'), columns, s.by_month),
  );
}

interface CategoryRow {
  kind: 'raised' | 'spent';
  label: string;
  fen: number;
  share: number | null;
}

function categoryRows(s: RegionStats): CategoryRow[] {
  const share = (fen: number, total: number) => (total > 0 ? Math.round((fen * 1000) / total) / 10 : null);
  const raised = s.by_category.raised.map((c) => ({ kind: 'raised' as const, label: c.category === null ? t('regions.general_funds') : tEnum('project_category', c.category), fen: c.fen, share: share(c.fen, s.raised_fen) }));
  const spent = s.by_category.spent.map((c) => ({ kind: 'spent' as const, label: tEnum('category', c.category), fen: c.fen, share: share(c.fen, s.spent_fen) }));
  return [...raised.sort((a, b) => b.fen - a.fen), ...spent.sort((a, b) => b.fen - a.fen)];
}

function byCategory(ctx: PageContext, s: RegionStats): HTMLElement {
  const rows = categoryRows(s);
  if (rows.length === 0) return section(t('regions.by_category'), h('p', { class: 'empty' }, t('regions.no_categories')));
  const chart = (kind: 'raised' | 'spent', key: MessageKey, color: string) => {
    const part = rows.filter((r) => r.kind === kind);
    if (part.length === 0) return null;
    const spec: ChartSpec = { categories: part.map((r) => r.label), horizontal: true, format: yuanCompact, series: [{ name: t(key), type: 'bar', values: part.map((r) => r.fen), color }] };
    return h('div', { class: 'chart-half' }, h('h3', t(key)), chartBox(ctx, t(key), spec, part.length > 5));
  };
  const columns: Column<CategoryRow>[] = [
    { label: t('regions.col.kind'), cell: (r) => t(r.kind === 'raised' ? 'regions.raised' : 'regions.spent'), csv: (r) => t(r.kind === 'raised' ? 'regions.raised' : 'regions.spent') },
    { label: t('regions.col.category'), cell: (r) => r.label, csv: (r) => r.label },
    { label: t('regions.col.amount'), cell: (r) => yuan(r.fen), csv: (r) => money(r.fen), num: true },
    { label: t('regions.col.share'), cell: (r) => pct(r.share), csv: (r) => pctCsv(r.share), num: true },
  ];
  return section(
    t('regions.by_category'),
    h('div', { class: 'chart-pair' }, chart('raised', 'regions.raised_by_category', '#9f1d20'), chart('spent', 'regions.spent_by_category', '#1a7f37')),
    dataTable(t('regions.by_category'), csvFileName('region', s.region.code, s.year, 'by-category'), columns, rows),
  );
}

// Each row carries its own flags (GET /v1/regions reads them with the figures).
function childrenSection(list: RegionList, level: Level): HTMLElement {
  const title = t(`regions.children.${level}` as MessageKey);
  const hint = h('p', { class: 'fine' }, t('regions.children_hint'));
  if (list.regions.length === 0) return section(title, hint, h('p', { class: 'empty' }, t('regions.no_children')));
  const code = list.parent?.code ?? 'cn';
  const table = dataTable(title, csvFileName('region', code, list.year, level), figureColumns(list.year, list.parent?.name ?? null, true), list.regions, (f) => ({
    'data-code': f.region.code,
    'data-flagged': String(f.flags.length > 0),
  }));
  return section(title, hint, table);
}

function flagsSection(s: RegionStats): HTMLElement {
  const year = s.year;
  const links = h(
    'p',
    { class: 'fine region-evidence' },
    t('regions.evidence'),
    ': ',
    h('a', { href: `/v1/regions/${enc(s.region.code)}/stats?year=${year}`, rel: 'external' }, t('regions.evidence_json')),
    ' · ',
    h('a', { href: `/v1/compliance?year=${year}`, rel: 'external' }, t('regions.evidence_compliance', { year })),
    ' · ',
    h('a', { href: '/regulator' }, t('regions.evidence_regulator')),
  );
  if (s.flags.length === 0) return section(t('regions.flags'), h('p', { class: 'fine' }, t('regions.flags_hint')), h('p', { class: 'empty' }, t('regions.no_flags')), links);
  const columns: Column<RegionFlag>[] = [
    { label: t('regions.col.flag'), cell: (f) => h('span', { 'data-flag': f.flag }, tEnum('regions.flag', f.flag)), csv: (f) => tEnum('regions.flag', f.flag) },
    { label: t('regions.col.code'), cell: (f) => h('code', f.flag), csv: (f) => f.flag },
    { label: t('regions.col.count'), cell: (f) => num(f.count), csv: (f) => f.count, num: true },
  ];
  return section(t('regions.flags'), h('p', { class: 'fine' }, t('regions.flags_hint')), dataTable(t('regions.flags'), csvFileName('region', s.region.code, year, 'flags'), columns, s.flags), links);
}

function failure(e: unknown, code: string | null): HTMLElement {
  if (e instanceof ApiError && e.code === 'unknown_region') {
    return h('div', { class: 'region-error', 'data-error': e.code }, notice('error', h('strong', t('regions.unknown', { code: code ?? '' })), h('p', t('regions.unknown_hint'))), h('p', h('a', { href: BASE, class: 'btn' }, t('regions.to_country'))));
  }
  const extra = e instanceof ApiError && e.code === 'out_of_range' ? h('p', h('a', { href: regionHref(code, null) }, t('regions.to_default_year'))) : null;
  return h('div', { class: 'region-error', 'data-error': e instanceof ApiError ? e.code : 'unexpected' }, errorBox(e, extra));
}

function badInput(ctx: PageContext, message: string, code: string | null): void {
  ctx.root.append(
    pageHeader(t('regions.title'), t('regions.subtitle')),
    h('div', { class: 'region-error', 'data-error': 'invalid_input' }, notice('error', h('strong', message)), h('p', h('a', { href: regionHref(code, null), class: 'btn' }, code ? t('regions.to_default_year') : t('regions.to_country')))),
  );
}

export default async function regionsPage(ctx: PageContext): Promise<void> {
  ctx.setTitle(t('regions.title'));
  const raw = ctx.params[0];
  const parsed = raw === undefined ? null : parseRegionCode(raw);
  if (raw !== undefined && !parsed) return badInput(ctx, t('regions.bad_code', { code: raw }), null);
  const code = parsed?.code ?? null;
  const askedYear = parseYear(ctx.query.get('year'));
  if (askedYear === 'invalid') return badInput(ctx, t('regions.bad_year', { year: ctx.query.get('year') ?? '' }), code);
  const header = pageHeader(t('regions.title'), t('regions.subtitle'));
  const body = h('div', loading());
  ctx.root.append(header, body);
  const q = askedYear ? `year=${askedYear}` : '';
  const below = childLevel(parsed?.level ?? null);
  try {
    const [stats, list, range] = await Promise.all([
      code ? get<RegionStats>(`/v1/regions/${enc(code)}/stats${q ? `?${q}` : ''}`, ctx.signal) : Promise.resolve(null),
      below ? get<RegionList>(`/v1/regions?${code ? `parent=${enc(code)}&` : ''}level=${below}${q ? `&${q}` : ''}`, ctx.signal) : Promise.resolve(null),
      yearRange(ctx.signal),
    ]);
    const year = stats?.year ?? list?.year ?? range.last;
    const name = stats ? stats.region.name ?? stats.region.code : t('regions.country');
    ctx.setTitle(stats ? t('regions.title_of', { name }) : t('regions.title'));
    replace(header, h('h1', stats ? t('regions.title_of', { name }) : t('regions.title')), h('p', { class: 'subtitle' }, t('regions.subtitle')), breadcrumbs(code, askedYear, ctx.signal, name), controls(code, year, range));
    replace(
      body,
      notice('info', pill(t('reg.audit.claim_pill'), 'info'), ' ', h('span', { class: 'regions-told' }, t('regions.told'))),
      stats ? headline(stats) : null,
      stats ? byMonth(ctx, stats) : null,
      stats ? byCategory(ctx, stats) : null,
      list && below ? childrenSection(list, below) : section(t('regions.children.street'), h('p', { class: 'empty' }, t('regions.street_leaf'))),
      stats ? flagsSection(stats) : null,
    );
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    replace(body, failure(e, code));
  }
}
