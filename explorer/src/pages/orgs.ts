// Organisations: the list (/orgs) and one organisation (/orgs/<id>).
import { enc, get, type CataloguePage, type Disclosure, type KeyRecovery, type Org, type OrgDetail, type TransparencyScore, type TxSummary } from '../api';
import { h, replace } from '../dom';
import { date, dateTime, name, num, yuan } from '../format';
import { t, tEnum } from '../i18n';
import type { PageContext } from '../router';
import { accountLink, blockLink, errorBox, flowSum, hash, kv, loading, pageHeader, pager, pill, section } from '../ui/common';
import { goodsSections } from '../ui/goods';
import { txItem } from '../ui/txdesc';

const KINDS = ['bureau', 'federation', 'bank', 'charity', 'trustee', 'merchant'];

export async function orgList(ctx: PageContext): Promise<void> {
  ctx.setTitle(t('org.list_title'));
  const kind = ctx.query.get('kind') ?? '';
  const select = h(
    'select',
    { id: 'kind', name: 'kind' },
    h('option', { value: '' }, t('org.all_kinds')),
    KINDS.map((k) => h('option', { value: k, selected: k === kind }, tEnum('org_kind', k))),
  );
  select.addEventListener('change', () => {
    const v = select.value;
    history.replaceState(null, '', v ? `/orgs?kind=${v}` : '/orgs');
    renderList(v);
  });
  const body = h('div');
  ctx.root.append(
    pageHeader(t('org.list_title'), t('org.list_subtitle')),
    h('section', { class: 'card' }, h('div', { class: 'field' }, h('label', { for: 'kind' }, t('org.kind')), select), body),
  );
  const renderList = (k: string) => {
    body.replaceChildren();
    pager<Org>(
      body,
      async (next) => {
        const r = await get<{ orgs: Org[]; next: string | null }>(`/v1/orgs?limit=50${k ? `&kind=${k}` : ''}${next ? `&cursor=${enc(String(next))}` : ''}`, ctx.signal);
        return { items: r.orgs, next: r.next };
      },
      (o) =>
        h(
          'li',
          { class: 'list-item' },
          h('div', { class: 'list-main' }, h('a', { href: `/orgs/${o.org_id}`, class: 'list-title' }, name(o, o.org_id)), h('span', { class: 'list-detail' }, o.org_id)),
          h('div', { class: 'list-side' }, pill(tEnum('org_kind', o.kind)), o.status === 'suspended' ? pill(tEnum('status', o.status), 'bad') : null),
        ),
      'org.none',
    );
  };
  renderList(kind);
}

// The Beijing (UTC+8) calendar month `now_ms` falls in, as YYYY-MM: the settlement report's month.
function beijingMonth(nowMs: number): string {
  return new Date(nowMs + 8 * 3_600_000).toISOString().slice(0, 7);
}

// What a merchant's points buy, as the federation listed it, and its monthly settlement report.
function catalogueSection(orgId: string, c: CataloguePage): HTMLElement {
  const month = beijingMonth(Date.now());
  const report = (format: string) => `/v1/merchants/${enc(orgId)}/settlement?month=${month}&format=${format}`;
  return section(
    t('org.catalogue'),
    c.items.length
      ? h(
          'ul',
          { class: 'list', 'data-field': 'catalogue' },
          c.items.map((it) =>
            h(
              'li',
              { class: 'list-item', 'data-item': it.item_id },
              h('div', { class: 'list-main' }, h('span', { class: 'list-title' }, name(it, it.item_id)), h('span', { class: 'list-detail' }, h('code', { class: 'mono' }, it.item_id))),
              h('div', { class: 'list-side' }, h('strong', t('points.count', { n: num(it.points) })), it.active ? null : pill(t('org.catalogue_withdrawn'), 'bad')),
            ),
          ),
        )
      : h('p', { class: 'fine' }, t('org.catalogue_empty')),
    c.next ? h('p', h('a', { href: `/v1/merchants/${enc(orgId)}/catalogue?limit=100` }, t('common.all'))) : null,
    h('p', { class: 'fine' }, t('org.settlement', { month }), ' ', h('a', { href: report('csv') }, 'CSV'), ' · ', h('a', { href: report('json') }, 'JSON')),
  );
}

function txRef(id: string | undefined): HTMLElement | null {
  return id ? h('a', { href: `/tx/${id}` }, hash(id, 10)) : null;
}

function keyList(keys: string[] | undefined): HTMLElement {
  return h('span', { class: 'stack' }, (keys ?? []).map((k) => hash(k, 10)));
}

// A pending key recovery, at the top of the page: anyone who holds the old key must see it in time.
function pendingRecoveryNotice(o: Org, recoveries: KeyRecovery[]): HTMLElement | null {
  const p = o.pending_recovery;
  if (!p) return null;
  const rec = recoveries.find((r) => r.request_tx_id === p.request_tx_id);
  return h(
    'div',
    { class: 'notice notice-warn', role: 'status', 'data-field': 'pending-recovery' },
    h('strong', t('org.recovery_pending')),
    h('p', t('org.recovery_pending_text')),
    kv([
      [t('org.recovery_deadline'), h('strong', { 'data-field': 'recovery-deadline' }, dateTime(p.deadline_ms))],
      [t('org.recovery_old_keys'), rec ? keyList(rec.request.old_public_keys) : null],
      [t('org.recovery_new_key'), rec ? hash(rec.request.new_public_key, 10) : null],
      [t('org.recovery_reason'), rec?.request.reason ?? null],
      [t('org.recovery_bureau'), rec ? rec.bureau_org : null],
      [t('org.recovery_request_tx'), txRef(p.request_tx_id)],
    ]),
  );
}

// Every recovery the bureau asked for, and how it ended: a bureau that keeps asking is visible.
function recoveryHistory(recoveries: KeyRecovery[]): HTMLElement | null {
  if (!recoveries.length) return null;
  const tone = (s: string) => (s === 'completed' ? 'ok' : s === 'vetoed' ? 'bad' : 'warn');
  return section(
    t('org.recovery_history'),
    h(
      'ul',
      { class: 'list', 'data-field': 'key-recoveries' },
      recoveries.map((r) =>
        h(
          'li',
          { class: 'list-item', 'data-status': r.status },
          h(
            'div',
            { class: 'list-main' },
            kv([
              [t('org.recovery_requested'), dateTime(r.requested_time_ms)],
              [t('org.recovery_deadline'), dateTime(r.deadline_ms)],
              [t('org.recovery_old_keys'), keyList(r.request.old_public_keys)],
              [t('org.recovery_new_key'), hash(r.request.new_public_key, 10)],
              [t('org.recovery_reason'), r.request.reason],
              [t('org.recovery_request_tx'), txRef(r.request_tx_id)],
              [t('org.recovery_closed'), r.closed_time_ms ? dateTime(r.closed_time_ms) : null],
              [t('org.recovery_closed_tx'), txRef(r.closed_tx_id)],
              [t('org.recovery_veto_key'), r.vetoed_by_key ? hash(r.vetoed_by_key, 10) : null],
              [t('org.recovery_veto_reason'), r.veto_reason || null],
            ]),
          ),
          h('div', { class: 'list-side' }, pill(tEnum('recovery_status', r.status), tone(r.status))),
        ),
      ),
    ),
  );
}

export async function orgPage(ctx: PageContext): Promise<void> {
  const id = ctx.params[0];
  ctx.root.append(loading());
  let d: OrgDetail;
  try {
    d = await get<OrgDetail>(`/v1/orgs/${enc(id)}?limit=20`, ctx.signal);
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    replace(ctx.root, pageHeader(t('org.title')), errorBox(e));
    return;
  }
  const o = d.org;
  ctx.setTitle(name(o, o.org_id));
  const activity = h('div');
  const disclosures = h('div');
  replace(
    ctx.root,
    pageHeader(name(o, o.org_id), h('span', pill(tEnum('org_kind', o.kind), 'info'), ' ', pill(tEnum('status', o.status), o.status === 'active' ? 'ok' : 'bad'))),
    pendingRecoveryNotice(o, d.key_recoveries ?? []),
    section(
      t('org.details'),
      kv([
        [t('org.name_zh'), o.name_zh],
        [t('org.name_en'), o.name_en],
        [t('org.id'), h('code', { class: 'mono' }, o.org_id)],
        [t('org.credit_code'), h('code', { class: 'mono' }, o.credit_code)],
        [t('org.registered'), blockLink(o.registered_height)],
        [t('org.status_reason'), o.status_reason || null],
        [t('org.account_banks'), (o.account_banks ?? []).length ? h('span', { class: 'stack' }, (o.account_banks ?? []).map((b) => accountLink('org:' + b, b))) : null],
        [t('org.keys'), h('span', { class: 'stack' }, (o.public_keys ?? []).map((k) => hash(k, 10)))],
      ]),
    ),
    section(
      t('org.accounts'),
      h(
        'ul',
        { class: 'list' },
        d.accounts.map((a) =>
          h(
            'li',
            { class: 'list-item' },
            h('div', { class: 'list-main' }, accountLink(a.account ?? '', name(a, a.account)), h('span', { class: 'list-detail' }, tEnum('account', a.type ?? ''), ' · ', flowSum(a.flow))),
            h('div', { class: 'list-side' }, h('strong', yuan(a.flow.balance_fen)), h('span', { class: 'fine' }, t('flow.balance'))),
          ),
        ),
      ),
    ),
    d.years.length
      ? section(
          t('org.years'),
          d.years.map((y) =>
            h(
              'div',
              { class: 'year' },
              h('h3', String(y.year)),
              kv([
                [t('org.income'), yuan(y.income_fen)],
                [t('org.charitable'), yuan(y.charitable_spent_fen)],
                [t('org.granted'), yuan(y.granted_out_fen)],
                [t('org.admin'), yuan(y.admin_spent_fen)],
                [t('org.disclosures'), num(y.disclosures)],
              ]),
            ),
          ),
        )
      : null,
    d.projects.items.length
      ? section(
          t('org.projects'),
          h(
            'ul',
            { class: 'list' },
            d.projects.items.map((p) =>
              h('li', { class: 'list-item' }, h('div', { class: 'list-main' }, h('a', { href: `/projects/${p.project_id}`, class: 'list-title' }, name(p, p.project_id)), h('span', { class: 'list-detail' }, t('project.budget'), ' ', yuan(p.budget_fen))), p.closed ? pill(t('project.closed')) : pill(t('project.open'), 'ok')),
            ),
          ),
          d.projects.next ? h('p', h('a', { href: `/projects?owner=${o.org_id}` }, t('common.all'))) : null,
        )
      : null,
    d.catalogue ? catalogueSection(o.org_id, d.catalogue) : null,
    d.trusts.length
      ? section(t('org.trusts'), h('ul', { class: 'list' }, d.trusts.map((tr) => h('li', { class: 'list-item' }, h('a', { href: `/trusts/${tr.trust_id}`, class: 'list-title' }, name(tr, tr.trust_id)), pill(tEnum('trust_role', tr.role))))))
      : null,
    o.kind === 'charity' || o.kind === 'federation' || o.kind === 'trustee' ? transparencySection(o.org_id, ctx.signal) : null,
    // Goods are shown for every organisation that can hold them; a bank or merchant never does.
    o.kind === 'charity' || o.kind === 'federation' || o.kind === 'trustee' ? goodsSections('orgs', o.org_id, ctx.signal) : null,
    recoveryHistory(d.key_recoveries ?? []),
    section(t('org.disclosure_list'), disclosures),
    section(t('org.activity'), activity),
  );
  pager<TxSummary>(
    activity,
    async (next) => (next === null ? d.activity : (await get<OrgDetail>(`/v1/orgs/${enc(id)}?limit=20&before=${next}`, ctx.signal)).activity),
    (tx) => txItem(tx),
    'common.no_activity',
  );
  pager<Disclosure>(
    disclosures,
    async (next) => {
      const r = await get<{ disclosures: Disclosure[]; next: number | null }>(`/v1/disclosures?org=${enc(id)}&limit=10${next !== null ? `&before=${next}` : ''}`, ctx.signal);
      return { items: r.disclosures, next: r.next };
    },
    (x) => disclosureItem(x),
    'org.no_disclosures',
  );
}

export function disclosureItem(x: Disclosure): HTMLElement {
  const safeUrl = /^https?:\/\//i.test(x.url) ? x.url : null;
  return h(
    'li',
    { class: 'list-item' },
    h(
      'div',
      { class: 'list-main' },
      h('span', { class: 'list-title' }, x.title || tEnum('disclosure', x.type)),
      h('span', { class: 'list-detail' }, tEnum('disclosure', x.type), x.period ? ` · ${x.period}` : '', ' · SHA-256 ', hash(x.document_sha256)),
      safeUrl ? h('a', { href: safeUrl, rel: 'external noopener noreferrer', target: '_blank' }, t('org.open_document')) : null,
    ),
    h('div', { class: 'list-side' }, h('a', { href: `/tx/${x.id}` }, date(x.time_ms))),
  );
}

// The transparency score of the head block's year, each component with its inputs and the link
// that shows them (docs/transparency.md). Loaded after the page so a slow score never delays it.
function transparencySection(orgId: string, signal: AbortSignal): HTMLElement {
  const body = h('div', { 'data-section': 'transparency' }, loading());
  get<TransparencyScore>(`/v1/orgs/${enc(orgId)}/transparency`, signal).then(
    (s) => replace(body, transparencyView(s)),
    (e) => body.replaceChildren(errorBox(e)),
  );
  return section(t('transparency.section'), body);
}

function inputsText(inputs: Record<string, unknown>): string {
  return Object.entries(inputs)
    .filter(([, v]) => v !== null && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`)
    .join(' · ');
}

function transparencyView(s: TransparencyScore): HTMLElement {
  const heading = h('h3', t('transparency.title', { year: s.year }));
  if (s.status === 'no_data' || s.score === null) {
    return h('div', heading, h('p', { 'data-score': 'none' }, t('transparency.no_data', { year: s.year })));
  }
  const rows = s.components.map((c) =>
    h(
      'tr',
      { 'data-component': c.name },
      h('td', tEnum('transparency', c.name)),
      h('td', c.state === 'scored' && c.points !== null ? `${num(c.points)} / ${c.weight}` : t('transparency.not_applicable')),
      h('td', { class: 'fine' }, inputsText(c.inputs)),
      h('td', h('a', { href: c.evidence.explorer }, t('transparency.evidence')), ' · ', h('a', { href: c.evidence.api, rel: 'nofollow' }, t('transparency.api_link'))),
    ),
  );
  return h(
    'div',
    heading,
    h('p', h('strong', { 'data-score': String(s.score) }, t('transparency.score', { score: s.score }))),
    h('p', { class: 'fine' }, t('transparency.applicable', { weight: s.applicable_weight })),
    s.complete ? null : h('p', { class: 'fine' }, t('transparency.incomplete')),
    h(
      'table',
      { class: 'table' },
      h('thead', h('tr', h('th', t('transparency.component')), h('th', t('transparency.points')), h('th', t('transparency.inputs')), h('th', t('transparency.evidence')))),
      h('tbody', rows),
    ),
    h('p', { class: 'fine' }, t('transparency.method', { method: s.method })),
  );
}
