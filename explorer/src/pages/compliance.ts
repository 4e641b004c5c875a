// The regulator page's compliance table (GET /v1/compliance): one row per organisation, a
// "who is flagged" summary above it, flagged organisations first, every column sortable with a
// keyboard-reachable header button (aria-sort says the order). Indicators only: the chain does
// not enforce them (DESIGN 8).
import { enc, get, type Compliance, type ComplianceRow, type DisclosureSchedule } from '../api';
import { h, replace, type Child } from '../dom';
import { date, name, num, pct, yuan } from '../format';
import { t } from '../i18n';
import type { MessageKey } from '../messages';
import { errorBox, loading, pill, section } from '../ui/common';

// Why an organisation is flagged; the order is the order of the summary.
export const FLAGS = ['charitable', 'admin', 'annual_report', 'project_reports', 'restricted', 'over_budget', 'expired_goods'] as const;
export type Flag = (typeof FLAGS)[number];

export function flagsOf(r: ComplianceRow): Flag[] {
  const out: Flag[] = [];
  if (r.meets_min_charitable_spending === false) out.push('charitable');
  if (r.meets_max_admin === false) out.push('admin');
  const s = r.disclosures_on_schedule;
  if (s && (s.annual_report.status === 'late' || s.annual_report.status === 'missing')) out.push('annual_report');
  if (s && (s.project_reports.late > 0 || s.project_reports.missing_count > 0)) out.push('project_reports');
  if (r.restricted_funds && (!r.restricted_funds.ok || r.restricted_funds.violation_count > 0)) out.push('restricted');
  if (r.over_budget_projects && r.over_budget_projects.count > 0) out.push('over_budget');
  if ((r.expired_goods_distributed?.units ?? 0) > 0 || (r.expired_goods_held?.units ?? 0) > 0) out.push('expired_goods');
  return out;
}

// Beijing calendar year of a time, as the node counts years (UTC+8).
export const beijingYear = (ms: number): number => new Date(ms + 8 * 3600_000).getUTCFullYear();

interface Column {
  key: string;
  label: MessageKey;
  value: (r: ComplianceRow, flags: Flag[]) => number | string;
  cell: (r: ComplianceRow, flags: Flag[]) => Child;
  cls?: string;
}

function meets(v: boolean | null | undefined): HTMLElement {
  if (v === null || v === undefined) return pill(t('reg.na'), 'neutral');
  return v ? pill(t('reg.meets'), 'ok') : pill(t('reg.misses'), 'bad');
}

const AR_KIND: Record<string, 'ok' | 'bad' | 'neutral'> = { on_time: 'ok', late: 'bad', missing: 'bad', not_yet_due: 'neutral', not_required: 'neutral' };
const AR_ORDER: Record<string, number> = { missing: 0, late: 1, not_yet_due: 2, on_time: 3, not_required: 4 };

// The annual report: a status pill and the dates that status makes meaningful. "Not required"
// never shows a due date (nothing was due); a filing is then shown as voluntary.
export function annualCell(s: DisclosureSchedule | undefined): Child {
  if (!s) return '—';
  const ar = s.annual_report;
  const key = `reg.ar.${ar.status}` as MessageKey;
  const label = ar.status in AR_KIND ? t(key) : ar.status;
  let detail: string[] = [];
  if (ar.status === 'not_required') {
    detail = [t('reg.ar.not_required_why', { y: ar.covers_year })];
    if (ar.filed_at_ms) detail.push(t('reg.ar.filed_voluntarily', { date: date(ar.filed_at_ms) }));
  } else {
    detail.push(t('reg.ar.due', { date: date(ar.due_ms) }));
    if (ar.filed_at_ms) detail.push(t('reg.ar.filed', { date: date(ar.filed_at_ms) }));
  }
  return h('div', { class: 'ind-annual', 'data-status': ar.status }, h('small', { class: 'ind-detail' }, t('reg.annual_report', { y: ar.covers_year })), pill(label, AR_KIND[ar.status] ?? 'neutral'), detail.map((d) => h('small', { class: 'ind-detail' }, d)));
}

function projectsCell(s: DisclosureSchedule | undefined): Child {
  if (!s) return '—';
  const pr = s.project_reports;
  const pills: HTMLElement[] = [];
  if (pr.due_count === 0) pills.push(pill(t('reg.pr.none_due'), 'neutral'));
  else pills.push(pill(t('reg.pr.summary', { due: num(pr.due_count), on_time: num(pr.on_time) }), pr.late || pr.missing_count ? 'warn' : 'ok'));
  if (pr.late) pills.push(pill(t('reg.pr.late', { n: num(pr.late) }), 'bad'));
  if (pr.missing_count) pills.push(pill(t('reg.pr.missing', { n: num(pr.missing_count) }), 'bad'));
  if (pr.not_yet_due) pills.push(pill(t('reg.pr.not_yet_due', { n: num(pr.not_yet_due) }), 'neutral'));
  // Project ids one per item: never joined into one string.
  const listed = [...pr.late_projects.map((p) => [p, 'reg.pr.late_one'] as const), ...pr.missing.map((p) => [p, 'reg.pr.missing_one'] as const)];
  return h(
    'div',
    { class: 'ind-projects' },
    h('span', { class: 'pills' }, pills),
    listed.length ? h('ul', { class: 'plain-list' }, listed.map(([p, k]) => h('li', h('small', t(k, { p }))))) : null,
    s.complete ? null : h('small', { class: 'ind-detail' }, t('reg.incomplete')),
  );
}

function restrictedCell(r: ComplianceRow): Child {
  const rf = r.restricted_funds;
  if (!rf) return '—';
  const ok = rf.ok && rf.violation_count === 0;
  return h(
    'div',
    { class: 'ind-restricted', 'data-ok': String(rf.ok) },
    ok ? pill(t('reg.rf.ok'), 'ok') : pill(t('reg.rf.violations', { n: num(rf.violation_count || rf.violations.length) }), 'bad'),
    h('small', { class: 'ind-detail' }, t('reg.rf.detail', { p: num(rf.projects_checked), r: num(rf.ranges_checked) })),
    rf.enforced_by_state_machine ? h('small', { class: 'ind-detail' }, t('reg.rf.enforced')) : null,
    rf.violations.length ? h('ul', { class: 'plain-list' }, rf.violations.map((x) => h('li', h('small', `${x.project_id} → ${x.to_account} ${yuan(x.amount_fen)}`)))) : null,
  );
}

function overBudgetCell(r: ComplianceRow): Child {
  const ob = r.over_budget_projects;
  if (!ob) return '—';
  return h(
    'div',
    { class: 'ind-over-budget', 'data-count': String(ob.count) },
    ob.count === 0 ? pill(t('reg.ob.none'), 'ok') : pill(t('reg.ob.count', { n: num(ob.count) }), 'warn'),
    ob.projects.length
      ? h('ul', { class: 'plain-list' }, ob.projects.map((x) => h('li', h('small', `${x.name_zh || x.project_id}: ${yuan(x.received_fen)} / ${yuan(x.budget_fen)} (+${yuan(x.over_fen)})`))))
      : null,
  );
}

// Goods handed out from expired lots, and expired lots still held (judged on the latest block's
// date, never this browser's clock: the node says which date in judged_on).
function goodsCell(r: ComplianceRow): Child {
  const out = r.expired_goods_distributed;
  const held = r.expired_goods_held;
  if (!out && !held) return '—';
  const pills: HTMLElement[] = [];
  if (out && out.units > 0) pills.push(pill(t('reg.goods.distributed', { n: num(out.units), d: num(out.distributions) }), 'bad'));
  if (held && held.units > 0) pills.push(pill(t('reg.goods.held', { n: num(held.units), k: num(held.lot_count) }), 'bad'));
  if (!pills.length) pills.push(pill(t('reg.goods.none'), 'ok'));
  return h(
    'div',
    { class: 'ind-goods', 'data-held': String(held?.units ?? 0), 'data-distributed': String(out?.units ?? 0) },
    h('span', { class: 'pills' }, pills),
    held && held.lots.length
      ? h('ul', { class: 'plain-list' }, held.lots.map((l) => h('li', h('small', t('reg.goods.lot', { item: l.item_code, lot: l.lot_number || '—', date: l.expires_on, n: num(l.units) })))))
      : null,
    held ? h('small', { class: 'ind-detail' }, t('reg.goods.judged', { date: held.judged_on })) : null,
    (out && !out.complete) || (held && !held.complete) ? h('small', { class: 'ind-detail' }, t('reg.incomplete')) : null,
  );
}

const COLUMNS: Column[] = [
  { key: 'org', label: 'reg.org', value: (r) => name(r, r.org_id), cell: (r) => h('a', { href: `/orgs/${r.org_id}` }, name(r, r.org_id)), cls: 'c-org' },
  {
    key: 'flags',
    label: 'reg.flags',
    value: (_r, f) => f.length,
    cell: (_r, f) => (f.length ? h('ul', { class: 'plain-list flag-list' }, f.map((x) => h('li', pill(t(`reg.flag.${x}` as MessageKey), 'bad')))) : pill(t('reg.flag.none'), 'ok')),
  },
  { key: 'income', label: 'reg.income', value: (r) => r.income_fen, cell: (r) => [yuan(r.income_fen), h('small', { class: 'ind-detail' }, t('reg.prev_income'), ' ', yuan(r.previous_year_income_fen))], cls: 'num' },
  {
    key: 'charitable',
    label: 'reg.charitable_pct',
    value: (r) => r.charitable_spending_pct_of_previous_income ?? -1,
    cell: (r) => [pct(r.charitable_spending_pct_of_previous_income), ' ', meets(r.meets_min_charitable_spending)],
  },
  { key: 'admin', label: 'reg.admin_pct', value: (r) => r.admin_pct_of_spending ?? -1, cell: (r) => [pct(r.admin_pct_of_spending), ' ', meets(r.meets_max_admin)] },
  { key: 'annual', label: 'reg.annual_report_col', value: (r) => AR_ORDER[r.disclosures_on_schedule?.annual_report.status ?? ''] ?? 9, cell: (r) => annualCell(r.disclosures_on_schedule) },
  {
    key: 'projects',
    label: 'reg.project_reports',
    value: (r) => -((r.disclosures_on_schedule?.project_reports.late ?? 0) + (r.disclosures_on_schedule?.project_reports.missing_count ?? 0)),
    cell: (r) => projectsCell(r.disclosures_on_schedule),
  },
  { key: 'restricted', label: 'reg.restricted', value: (r) => -(r.restricted_funds?.violation_count ?? 0), cell: restrictedCell },
  { key: 'over_budget', label: 'reg.over_budget', value: (r) => -(r.over_budget_projects?.count ?? 0), cell: overBudgetCell },
  { key: 'goods', label: 'reg.goods', value: (r) => -((r.expired_goods_distributed?.units ?? 0) + (r.expired_goods_held?.units ?? 0)), cell: goodsCell },
  { key: 'disclosures', label: 'reg.disclosures', value: (r) => r.disclosures, cell: (r) => num(r.disclosures), cls: 'num' },
];

// Flagged first (most flags first), then by name: the default order.
function byFlags(a: [ComplianceRow, Flag[]], b: [ComplianceRow, Flag[]]): number {
  return b[1].length - a[1].length || name(a[0], a[0].org_id).localeCompare(name(b[0], b[0].org_id));
}

function compareValues(x: number | string, y: number | string): number {
  return typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
}

export function summary(rows: [ComplianceRow, Flag[]][]): HTMLElement {
  const flagged = rows.filter(([, f]) => f.length > 0);
  const counts = FLAGS.map((f) => [f, rows.filter(([, fl]) => fl.includes(f)).length] as const).filter(([, n]) => n > 0);
  return h(
    'div',
    { class: 'flag-summary', 'data-flagged': String(flagged.length), 'aria-live': 'polite' },
    h('p', h('strong', flagged.length ? t('reg.flagged_count', { k: num(flagged.length), n: num(rows.length) }) : t('reg.flagged_none', { n: num(rows.length) }))),
    counts.length ? h('ul', { class: 'flag-counts' }, counts.map(([f, n]) => h('li', { 'data-flag': f }, t(`reg.flag.${f}` as MessageKey), ' ', h('strong', num(n))))) : null,
    flagged.length ? h('p', { class: 'fine' }, t('reg.flagged_who')) : null,
    flagged.length ? h('ul', { class: 'flagged-orgs' }, flagged.map(([r, f]) => h('li', h('a', { href: `/orgs/${r.org_id}` }, name(r, r.org_id)), h('small', ' · ', f.map((x) => t(`reg.flag.${x}` as MessageKey)).join(' · '))))) : null,
  );
}

// The table, re-rendered in place when a header button changes the order.
export function complianceTable(rows: [ComplianceRow, Flag[]][]): HTMLElement {
  let sortKey = 'flags';
  let ascending = false;
  const table = h('table', { class: 'compliance' });
  const render = () => {
    const col = COLUMNS.find((c) => c.key === sortKey)!;
    const sorted = [...rows].sort((a, b) => {
      if (sortKey === 'flags') return ascending ? -byFlags(a, b) : byFlags(a, b);
      const d = compareValues(col.value(a[0], a[1]), col.value(b[0], b[1]));
      return (ascending ? d : -d) || byFlags(a, b);
    });
    const head = h(
      'tr',
      COLUMNS.map((c) => {
        const active = c.key === sortKey;
        const button = h('button', { type: 'button', class: 'sort', 'data-key': c.key }, t(c.label), h('span', { 'aria-hidden': 'true' }, active ? (ascending ? ' ▲' : ' ▼') : ' ↕'));
        button.addEventListener('click', () => {
          if (sortKey === c.key) ascending = !ascending;
          else {
            sortKey = c.key;
            ascending = c.key === 'org';
          }
          render();
          (table.querySelector(`button[data-key="${c.key}"]`) as HTMLButtonElement | null)?.focus();
        });
        return h('th', { scope: 'col', class: c.cls ?? null, 'aria-sort': active ? (ascending ? 'ascending' : 'descending') : 'none' }, button);
      }),
    );
    const body = sorted.map(([r, f]) =>
      h(
        'tr',
        { class: f.length ? 'flagged' : null, 'data-org': r.org_id, 'data-flags': f.join(' ') },
        COLUMNS.map((c, i) => (i === 0 ? h('th', { scope: 'row', class: c.cls ?? null }, c.cell(r, f)) : h('td', { class: c.cls ?? null }, c.cell(r, f)))),
      ),
    );
    replace(table, h('caption', { class: 'visually-hidden' }, t('reg.table_caption')), h('thead', head), h('tbody', body));
  };
  render();
  return table;
}

async function fetchAll(year: number | undefined, signal: AbortSignal): Promise<{ meta: Compliance; rows: ComplianceRow[] }> {
  const rows: ComplianceRow[] = [];
  let cursor: string | null = null;
  let meta: Compliance | undefined;
  for (let i = 0; i < 20; i++) {
    const r: Compliance = await get(`/v1/compliance?limit=100${year ? `&year=${year}` : ''}${cursor ? `&cursor=${enc(cursor)}` : ''}`, signal);
    meta ??= r;
    rows.push(...r.orgs);
    cursor = r.next;
    if (!cursor) break;
  }
  return { meta: meta!, rows };
}

// `onYear` tells the page which year is shown (the export links follow it).
export function complianceSection(signal: AbortSignal, genesisYear: Promise<number | null>, onYear: (year: number) => void): HTMLElement {
  const body = h('div', loading());
  const yearSel = h('select', { id: 'c-year' });
  const head = h('div', { class: 'field' }, h('label', { for: 'c-year' }, t('reg.year')), yearSel);
  const render = async (year?: number) => {
    replace(body, loading());
    try {
      const [{ meta, rows }, first] = await Promise.all([fetchAll(year, signal), genesisYear]);
      if (yearSel.childElementCount === 0) {
        // Only years the chain existed in: from the genesis block's year to the head's.
        const lowest = Math.max(first ?? meta.year, meta.year - 50);
        for (let y = meta.year; y >= lowest; y--) yearSel.append(h('option', { value: y, selected: y === meta.year }, String(y)));
      }
      onYear(meta.year);
      const th = meta.thresholds;
      const flagged = rows.map((r) => [r, flagsOf(r)] as [ComplianceRow, Flag[]]).sort(byFlags);
      replace(
        body,
        h('p', { class: 'fine' }, t('reg.indicators_only'), ' ', t('reg.thresholds', { min: th.min_charitable_spending_pct, max: th.max_admin_pct, m: th.annual_report_due_month, d: th.annual_report_due_day })),
        rows.length === 0 ? h('p', { class: 'empty' }, t('reg.no_orgs')) : [summary(flagged), h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': t('reg.table_caption') }, complianceTable(flagged))],
      );
    } catch (e) {
      if ((e as Error).name !== 'AbortError') replace(body, errorBox(e));
    }
  };
  yearSel.addEventListener('change', () => void render(Number(yearSel.value)));
  void render();
  return section(t('reg.compliance'), head, body);
}
