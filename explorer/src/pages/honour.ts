// The opt-in honour list (/honour?year=YYYY, issue 17 part 4): residents who chose a display name
// in their wallet, ranked by the points they earned that calendar year (Asia/Shanghai). Nobody is
// listed without having signed a name; the name is all the list says about a person.
import { get, type Honour, type Stats } from '../api';
import { h, replace } from '../dom';
import { num } from '../format';
import { t } from '../i18n';
import { navigate, type PageContext } from '../router';
import { emptyState, errorBox, loading, pageHeader, section } from '../ui/common';
import { hoursText } from '../ui/timebank';

const LIMIT = 50;

// Calendar year in Shanghai (UTC+8, no daylight saving) of a block time.
const shanghaiYear = (ms: number): number => new Date(ms + 8 * 3_600_000).getUTCFullYear();

function table(list: Honour, mine: string | null): HTMLElement {
  if (list.items.length === 0) return emptyState('honour.empty');
  return h(
    'table',
    { class: 'honour-table' },
    h('caption', { class: 'visually-hidden' }, t('honour.caption', { year: String(list.year) })),
    h('thead', h('tr', h('th', { scope: 'col' }, t('honour.rank')), h('th', { scope: 'col' }, t('honour.name')), h('th', { scope: 'col' }, t('honour.points')), h('th', { scope: 'col' }, t('honour.hours')))),
    h(
      'tbody',
      list.items.map((e) =>
        h(
          'tr',
          { 'data-holder': e.holder, class: e.holder === mine ? 'honour-mine' : null },
          h('td', num(e.rank)),
          h('th', { scope: 'row', 'data-field': 'honour-name' }, e.display_name, e.holder === mine ? ` (${t('honour.you')})` : ''),
          h('td', { 'data-field': 'honour-points' }, num(e.points)),
          h('td', hoursText(e.minutes)),
        ),
      ),
    ),
  );
}

export default async function honourPage(ctx: PageContext): Promise<void> {
  ctx.setTitle(t('honour.title'));
  const body = h('div', { 'aria-live': 'polite' }, loading());
  ctx.root.append(pageHeader(t('honour.title'), t('honour.subtitle')), body);
  let stats: Stats;
  try {
    stats = await get<Stats>('/v1/stats', ctx.signal);
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    replace(body, errorBox(e));
    return;
  }
  const current = shanghaiYear(stats.head.time_ms);
  const asked = Number(ctx.query.get('year') ?? current);
  const year = Number.isInteger(asked) && asked >= 2000 && asked <= current ? asked : current;
  const select = h('select', { id: 'honour-year' }, Array.from({ length: Math.min(10, current - 1999) }, (_, i) => current - i).map((y) => h('option', { value: String(y), selected: y === year ? '' : null }, String(y))));
  select.addEventListener('change', () => navigate(`/honour?year=${select.value}`));
  let list: Honour;
  try {
    list = await get<Honour>(`/v1/honour?year=${year}&limit=${LIMIT}`, ctx.signal);
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    replace(body, errorBox(e));
    return;
  }
  let mine: string | null = null;
  try {
    mine = (JSON.parse(localStorage.getItem('shanliu.wallet.v1') ?? 'null') as { public?: string } | null)?.public ?? null;
  } catch {
    mine = null;
  }
  replace(
    body,
    h('p', { class: 'field' }, h('label', { for: 'honour-year' }, t('honour.year')), ' ', select),
    section(t('honour.caption', { year: String(list.year) }), table(list, mine), h('p', { class: 'fine' }, t('honour.how'))),
    h('p', h('a', { href: '/points', class: 'btn btn-ghost' }, t('honour.set_mine'))),
  );
}
