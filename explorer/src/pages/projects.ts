// Projects (/projects, /projects/<id>) and charity trusts (/trusts, /trusts/<id>).
import { enc, get, type ProjectDetail, type ProjectSummary, type ProjectUpdate, type TrustDetail, type TrustRecord, type TxSummary } from '../api';
import { h, replace } from '../dom';
import { date, name, pct, yuan } from '../format';
import { t, tEnum } from '../i18n';
import type { PageContext } from '../router';
import { blockLink, errorBox, flowSum, kv, loading, orgLink, pageHeader, pager, pill, progress, section } from '../ui/common';
import { goodsSections } from '../ui/goods';
import { txItem } from '../ui/txdesc';

// One UpdateProject: what changed, from what to what, and why (newest first on the page).
function historyItem(u: ProjectUpdate): HTMLElement {
  const changes: (string | HTMLElement)[] = [];
  if (u.ends_changed) changes.push(t('project.change_end', { from: date(u.old_ends_at_ms), to: date(u.new_ends_at_ms) }));
  if (u.budget_changed) changes.push(t('project.change_budget', { from: yuan(u.old_budget_fen), to: yuan(u.new_budget_fen) }));
  if (u.description_changed) changes.push(t('project.change_description'));
  return h(
    'li',
    { class: 'list-item project-change' },
    h(
      'div',
      { class: 'list-main' },
      h('span', { class: 'list-title' }, changes.join(' · ')),
      u.reason ? h('span', { class: 'list-detail' }, u.reason) : null,
      u.description_changed ? h('span', { class: 'list-detail' }, u.new_description) : null,
    ),
    h('span', { class: 'list-detail' }, date(u.time_ms), ' ', u.tx_id ? h('a', { href: `/tx/${u.tx_id}` }, shortId(u.tx_id)) : null),
  );
}

function shortId(hex: string): string {
  return `${hex.slice(0, 8)}…`;
}

function projectCard(p: ProjectSummary): HTMLElement {
  const raisedPct = p.budget_fen > 0 ? (p.raised_fen / p.budget_fen) * 100 : null;
  return h(
    'li',
    { class: 'list-item project-item' },
    h(
      'div',
      { class: 'list-main' },
      h('a', { href: `/projects/${p.project_id}`, class: 'list-title' }, name(p, p.project_id)),
      h('span', { class: 'list-detail' }, name({ name_zh: p.owner_name_zh, name_en: p.owner_name_en }, p.owner_org), p.region ? ` · ${p.region_name ?? p.region}` : ''),
      progress(p.raised_fen, p.budget_fen, t('project.raised_of_budget')),
      h('span', { class: 'list-detail' }, t('project.raised'), ' ', yuan(p.raised_fen), ' / ', t('project.budget'), ' ', yuan(p.budget_fen), raisedPct !== null ? ` (${pct(raisedPct)})` : '', ' · ', h('span', { class: 'project-spent' }, t('project.spent'), ' ', yuan(p.spent_fen)), ' · ', t('flow.balance'), ' ', yuan(p.balance_fen)),
    ),
    p.closed ? pill(t('project.closed')) : pill(t('project.open'), 'ok'),
  );
}

export function projectList(ctx: PageContext): void {
  ctx.setTitle(t('project.list_title'));
  const owner = ctx.query.get('owner');
  const body = h('div');
  ctx.root.append(pageHeader(t('project.list_title'), owner ? h('span', t('project.of_owner'), ' ', orgLink(owner)) : t('project.list_subtitle')), h('section', { class: 'card' }, body));
  pager<ProjectSummary>(
    body,
    async (next) => {
      const r = await get<{ projects: ProjectSummary[]; next: string | null }>(`/v1/projects?limit=50${owner ? `&owner=${enc(owner)}` : ''}${next ? `&cursor=${enc(String(next))}` : ''}`, ctx.signal);
      return { items: r.projects, next: r.next };
    },
    projectCard,
    'project.none',
  );
}

export async function projectPage(ctx: PageContext): Promise<void> {
  const id = ctx.params[0];
  ctx.root.append(loading());
  let d: ProjectDetail;
  try {
    d = await get<ProjectDetail>(`/v1/projects/${enc(id)}?limit=20`, ctx.signal);
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    replace(ctx.root, pageHeader(t('project.title')), errorBox(e));
    return;
  }
  const spec = d.project.spec;
  ctx.setTitle(name(spec, spec.project_id));
  const totalSpent = d.spending_by_category.reduce((a, c) => a + c.amount_fen, 0);
  const maxCat = Math.max(1, ...d.spending_by_category.map((c) => c.amount_fen));
  const activity = h('div');
  const fig = (label: string, value: string, cls = '') => h('div', { class: `figure ${cls}` }, h('span', { class: 'figure-value' }, value), h('span', { class: 'figure-label' }, label));
  replace(
    ctx.root,
    pageHeader(name(spec, spec.project_id), h('span', orgLink(spec.owner_org, d.owner), ' ', d.project.closed ? pill(t('project.closed')) : pill(t('project.open'), 'ok'))),
    section(
      t('project.money'),
      h('div', { class: 'figures figures-3' }, fig(t('project.budget'), yuan(d.budget_fen)), fig(t('project.raised'), yuan(d.raised_fen), 'fig-raised'), fig(t('project.spent'), yuan(d.spent_fen), 'fig-spent')),
      h('div', { class: 'meter' }, h('div', { class: 'meter-label' }, t('project.raised_of_budget'), h('strong', pct(d.raised_pct_of_budget))), progress(d.raised_fen, d.budget_fen, t('project.raised_of_budget'))),
      h('div', { class: 'meter' }, h('div', { class: 'meter-label' }, t('project.spent_of_raised'), h('strong', pct(d.spent_pct_of_raised))), progress(d.spent_fen, d.raised_fen, t('project.spent_of_raised'))),
      kv([
        [t('project.donated'), `${yuan(d.donated_fen)} · ${t('project.donations_n', { n: d.donation_count })}`],
        [t('project.allocated'), yuan(d.allocated_fen)],
        [t('project.refunded'), d.refunded_fen ? yuan(d.refunded_fen) : null],
        [t('flow.balance'), yuan(d.balance_fen)],
      ]),
      d.over_budget ? h('p', { class: 'over-budget' }, pill(t('project.over_budget', { amount: yuan(d.over_budget_fen) }), 'warn')) : null,
    ),
    section(
      t('project.by_category'),
      totalSpent === 0
        ? h('p', { class: 'empty' }, t('project.no_spending'))
        : h(
            'ul',
            { class: 'cat-bars' },
            d.spending_by_category.map((c) => {
              const fill = h('span', { class: `cat-fill cat-${c.category}` });
              fill.style.width = `${(c.amount_fen / maxCat) * 100}%`;
              return h(
                'li',
                h('div', { class: 'cat-label' }, h('span', name(c, c.category)), h('span', yuan(c.amount_fen), ' · ', pct(totalSpent ? (c.amount_fen / totalSpent) * 100 : 0))),
                h('div', { class: 'cat-track', 'aria-hidden': 'true' }, fill),
              );
            }),
          ),
    ),
    section(
      t('project.details'),
      kv([
        [t('project.id'), h('code', { class: 'mono' }, spec.project_id)],
        [t('project.category'), tEnum('project_category', spec.category)],
        [t('project.region'), d.summary.region_name ? `${d.summary.region_name} (${spec.region})` : spec.region],
        [t('project.period'), spec.starts_at_ms || spec.ends_at_ms ? `${date(spec.starts_at_ms)} – ${date(spec.ends_at_ms)}` : null],
        [t('project.description'), spec.description || null],
        [t('project.closing_summary'), d.project.closing_summary || null],
      ]),
    ),
    section(
      t('project.history'),
      d.history.length === 0 ? h('p', { class: 'empty' }, t('project.no_history')) : h('ul', { class: 'list' }, d.history.map(historyItem)),
    ),
    // Goods given to the project are restricted to it: they leave only by distribution.
    goodsSections('projects', spec.project_id, ctx.signal),
    section(t('project.activity'), activity),
  );
  pager<TxSummary>(
    activity,
    async (next) => (next === null ? d.activity : (await get<ProjectDetail>(`/v1/projects/${enc(id)}?limit=20&before=${next}`, ctx.signal)).activity),
    (tx) => txItem(tx),
    'common.no_activity',
  );
}

export function trustList(ctx: PageContext): void {
  ctx.setTitle(t('trust.list_title'));
  const body = h('div');
  ctx.root.append(pageHeader(t('trust.list_title'), t('trust.list_subtitle')), h('section', { class: 'card' }, body));
  pager<TrustRecord & { flow?: { balance_fen: number } }>(
    body,
    async (next) => {
      const r = await get<{ trusts: (TrustRecord & { flow?: { balance_fen: number } })[]; next: string | null }>(`/v1/trusts?limit=50${next ? `&cursor=${enc(String(next))}` : ''}`, ctx.signal);
      return { items: r.trusts, next: r.next };
    },
    (tr) =>
      h(
        'li',
        { class: 'list-item' },
        h('div', { class: 'list-main' }, h('a', { href: `/trusts/${tr.spec.trust_id}`, class: 'list-title' }, name(tr.spec, tr.spec.trust_id)), h('span', { class: 'list-detail' }, t('trust.deposited'), ' ', yuan(tr.deposited_fen))),
        tr.flow ? h('strong', yuan(tr.flow.balance_fen)) : null,
      ),
    'trust.none',
  );
}

export async function trustPage(ctx: PageContext): Promise<void> {
  const id = ctx.params[0];
  ctx.root.append(loading());
  let d: TrustDetail;
  try {
    d = await get<TrustDetail>(`/v1/trusts/${enc(id)}?limit=20`, ctx.signal);
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    replace(ctx.root, pageHeader(t('trust.title')), errorBox(e));
    return;
  }
  const s = d.trust.spec;
  ctx.setTitle(name(s, s.trust_id));
  const activity = h('div');
  const fig = (label: string, value: string) => h('div', { class: 'figure' }, h('span', { class: 'figure-value' }, value), h('span', { class: 'figure-label' }, label));
  replace(
    ctx.root,
    pageHeader(name(s, s.trust_id), t('trust.title')),
    section(
      t('trust.money'),
      h('div', { class: 'figures figures-3' }, fig(t('trust.deposited'), yuan(d.trust.deposited_fen)), fig(t('trust.disbursed'), yuan(d.trust.disbursed_fen)), fig(t('flow.balance'), yuan(d.flow.balance_fen))),
      kv([
        [t('trust.deposits'), String(d.trust.deposit_count)],
        [t('flow.spent'), yuan(d.flow.spent_fen)],
        [t('flow.sum'), flowSum(d.flow)],
      ]),
    ),
    section(
      t('trust.details'),
      kv([
        [t('trust.trustee'), orgLink(s.trustee_org, d.trustee)],
        [t('trust.custodian'), orgLink(s.custodian_bank, d.custodian_bank)],
        [t('trust.purpose'), s.purpose || null],
        [t('trust.filing'), s.filing_number ? h('code', { class: 'mono' }, s.filing_number) : null],
        [t('trust.opened'), h('span', date(d.trust.opened_time_ms), ' · ', blockLink(d.trust.opened_height))],
        [t('trust.term_ends'), s.term_ends_at_ms ? date(s.term_ends_at_ms) : null],
      ]),
    ),
    section(t('trust.activity'), activity),
  );
  pager<TxSummary>(
    activity,
    async (next) => (next === null ? d.activity : (await get<TrustDetail>(`/v1/trusts/${enc(id)}?limit=20&before=${next}`, ctx.signal)).activity),
    (tx) => txItem(tx),
    'common.no_activity',
  );
}
