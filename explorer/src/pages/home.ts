// Home: search, live figures, a live feed of donations and spending, and the latest blocks
// with runs of empty blocks collapsed (all refreshed from the server-sent block events).
import { get, type ActivityItem, type ActivityPage, type BlockRow, type Stats } from '../api';
import { h, replace, announce } from '../dom';
import { ago, dateTime, name, num, yuan, yuanCompact } from '../format';
import { lang, t } from '../i18n';
import { navigate, type PageContext } from '../router';
import { resolve } from '../search';
import { subscribeBlocks, type BlockEvent } from '../ui/sse';
import { accountLink, errorBox, loading, notice, pill, scanIcon } from '../ui/common';

export default async function homePage(ctx: PageContext): Promise<void> {
  ctx.setTitle('');
  const input = h('input', {
    id: 'q',
    name: 'q',
    type: 'search',
    inputmode: 'search',
    autocomplete: 'off',
    autocapitalize: 'off',
    spellcheck: 'false',
    enterkeyhint: 'search',
    placeholder: t('home.search_placeholder'),
    'aria-describedby': 'q-hint',
  });
  const results = h('div', { class: 'search-results', 'aria-live': 'polite' });
  const form = h(
    'form',
    { role: 'search', class: 'search', 'aria-label': t('home.search_label') },
    h('label', { for: 'q', class: 'visually-hidden' }, t('home.search_label')),
    h('div', { class: 'search-row' }, input, h('button', { type: 'submit', class: 'btn' }, t('home.search'))),
    h('p', { id: 'q-hint', class: 'fine' }, t('home.search_hint')),
  );
  // The query lives in the URL (/?q=...) so results can be shared, reloaded and returned to.
  // A search opened from the URL lists its hit instead of jumping to it, so Back from the hit
  // lands on the list rather than bouncing forward again.
  const run = async (q: string, fromUrl: boolean) => {
    replace(results, loading(t('home.searching')));
    try {
      const hits = await resolve(q);
      if (ctx.signal.aborted) return;
      if (hits.length === 1 && !fromUrl) {
        navigate(hits[0].href);
        return;
      }
      if (hits.length === 0) {
        replace(results, notice('info', t('home.no_results', { q: q.trim() })));
        announce(t('home.no_results', { q: q.trim() }));
        return;
      }
      replace(
        results,
        h('p', t('home.results', { n: hits.length })),
        h('ul', { class: 'list' }, hits.map((x) => h('li', { class: 'list-item' }, h('a', { href: x.href, class: 'list-title' }, x.label), h('span', { class: 'pill pill-neutral' }, x.kind)))),
      );
      announce(t('home.results', { n: hits.length }));
    } catch (e) {
      replace(results, errorBox(e));
    }
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = input.value.trim();
    if (!q) return;
    history.replaceState(null, '', `/?q=${encodeURIComponent(q)}`);
    void run(q, false);
  });
  const initial = ctx.query.get('q')?.trim();
  if (initial) {
    input.value = initial;
    void run(initial, true);
  }

  const live = h('span', { class: 'live-dot', 'data-live': 'false' }, t('home.connecting'));
  const figures = h('div', { class: 'figures', 'aria-live': 'off' }, loading());
  const feed = h('ol', { class: 'list feed', 'aria-label': t('home.latest_blocks') });
  const activity = h('ol', { class: 'list activity', 'aria-label': t('home.activity') }, h('li', loading()));

  ctx.root.append(
    h(
      'section',
      { class: 'hero' },
      h('h1', t('home.title')),
      h('p', { class: 'subtitle' }, t('home.subtitle')),
      form,
      results,
      h('a', { href: '/scan', class: 'btn btn-primary btn-block scan-cta' }, scanIcon(), t('home.scan')),
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'act-h' },
      h('div', { class: 'card-head' }, h('h2', { id: 'act-h' }, t('home.activity')), live),
      h('p', { class: 'fine' }, t('home.activity_hint')),
      activity,
    ),
    h('section', { class: 'card', 'aria-labelledby': 'figs-h' }, h('div', { class: 'card-head' }, h('h2', { id: 'figs-h' }, t('home.figures')), h('a', { href: '/honour', 'data-link': 'honour' }, t('honour.link'))), figures),
    h('section', { class: 'card', 'aria-labelledby': 'feed-h' }, h('div', { class: 'card-head' }, h('h2', { id: 'feed-h' }, t('home.latest_blocks')), h('a', { href: '/blocks' }, t('common.all'))), feed),
  );

  const renderStats = (s: Stats) => {
    const st = s.stats;
    const fig = (label: string, value: string, title?: string) => h('div', { class: 'figure', title }, h('span', { class: 'figure-value' }, value), h('span', { class: 'figure-label' }, label));
    replace(
      figures,
      fig(t('home.fig.donated'), yuanCompact(st.donated_fen + st.trust_deposited_fen), yuan(st.donated_fen + st.trust_deposited_fen)),
      fig(t('home.fig.donations'), num(st.donation_count + st.trust_deposit_count)),
      fig(t('home.fig.spent'), yuanCompact(st.spent_fen), yuan(st.spent_fen)),
      fig(t('home.fig.projects'), num(st.project_count)),
      fig(t('home.fig.orgs'), num(st.org_count)),
      fig(t('home.fig.points'), num(st.points_issued)),
      fig(t('home.fig.height'), num(s.head.height)),
      fig(t('home.fig.txs'), num(s.head.log_size)),
    );
  };

  const feedItem = (b: { height: number; time_ms: number; tx_count: number }, fresh = false) =>
    h(
      'li',
      { class: `list-item${fresh ? ' fresh' : ''}`, 'data-height': b.height },
      h('div', { class: 'list-main' }, h('a', { href: `/blocks/${b.height}`, class: 'list-title' }, t('block.title_n', { n: num(b.height) })), h('span', { class: 'list-detail' }, t('block.txs', { n: num(b.tx_count) }))),
      h('time', { datetime: new Date(b.time_ms).toISOString(), title: dateTime(b.time_ms) }, ago(b.time_ms)),
    );
  // Blocks newest first; a run of empty blocks (the idle heartbeat) becomes one quiet row.
  let blocks: BlockRow[] = [];
  const renderBlocks = (freshHeight?: number) => {
    const rows: HTMLElement[] = [];
    for (let i = 0; i < blocks.length; ) {
      if (blocks[i].tx_count > 0) {
        rows.push(feedItem(blocks[i], blocks[i].height === freshHeight));
        i++;
        continue;
      }
      let j = i;
      while (j + 1 < blocks.length && blocks[j + 1].tx_count === 0) j++;
      const [hi, lo] = [blocks[i], blocks[j]];
      const label = i === j ? t('home.empty_block', { h: num(hi.height) }) : t('home.empty_blocks', { n: j - i + 1, from: num(lo.height), to: num(hi.height) });
      rows.push(h('li', { class: 'list-item empty-run', 'data-empty': j - i + 1 }, h('span', { class: 'list-detail' }, label), h('time', { datetime: new Date(hi.time_ms).toISOString(), title: dateTime(hi.time_ms) }, ago(hi.time_ms))));
      i = j + 1;
    }
    replace(feed, rows);
  };

  // Newest activity first; `newest` is the highest leaf shown, so live updates add only new rows.
  let newest = -1;
  const showActivity = (page: ActivityPage, mode: 'replace' | 'prepend') => {
    const items = mode === 'prepend' ? page.items.filter((i) => i.leaf > newest) : page.items;
    const rows = items.map((i) => activityItem(i, mode === 'prepend'));
    if (mode === 'replace') replace(activity, rows.length ? rows : h('li', { class: 'empty' }, t('home.act.empty')));
    else if (mode === 'prepend') {
      activity.querySelector('.empty')?.remove();
      activity.prepend(...rows);
      while (activity.childElementCount > ACTIVITY_SHOWN) activity.lastElementChild?.remove();
    }
    for (const i of page.items) newest = Math.max(newest, i.leaf);
    if (rows.length && mode === 'prepend') announce(activityText(items[0]));
  };

  try {
    const [stats, blockPage, act] = await Promise.all([
      get<Stats>('/v1/stats', ctx.signal),
      get<{ blocks: BlockRow[] }>('/v1/blocks?limit=12', ctx.signal),
      get<ActivityPage>(`/v1/activity?limit=${ACTIVITY_SHOWN}`, ctx.signal),
    ]);
    renderStats(stats);
    blocks = blockPage.blocks;
    renderBlocks();
    showActivity(act, 'replace');
  } catch (e) {
    if ((e as Error).name === 'AbortError') return;
    replace(figures, errorBox(e));
  }
  const known = new Set(blocks.map((b) => b.height));

  // Live: each committed block is prepended to the feed; figures refresh at most once a second.
  let statsTimer: number | undefined;
  const refreshStats = () => {
    if (statsTimer !== undefined) return;
    statsTimer = window.setTimeout(async () => {
      statsTimer = undefined;
      try {
        renderStats(await get<Stats>('/v1/stats', ctx.signal));
      } catch {
        // the next block retries
      }
    }, 1000);
  };
  // Activity is fetched again only for blocks that carry transactions, and at most once at a time.
  let activityBusy = false;
  const refreshActivity = async () => {
    if (activityBusy) return;
    activityBusy = true;
    try {
      showActivity(await get<ActivityPage>(`/v1/activity?limit=${ACTIVITY_SHOWN}`, ctx.signal), 'prepend');
    } catch {
      // the next block with transactions retries
    } finally {
      activityBusy = false;
    }
  };
  const onBlock = (b: BlockEvent) => {
    if (known.has(b.height)) return;
    known.add(b.height);
    blocks = [{ ...b, proposer_index: -1 }, ...blocks].slice(0, 12);
    renderBlocks(b.height);
    refreshStats();
    if (b.tx_count > 0) void refreshActivity();
  };
  const close = subscribeBlocks(onBlock, (on) => {
    live.dataset.live = String(on);
    live.textContent = on ? t('home.live') : t('home.offline');
  });
  const ticker = window.setInterval(() => {
    for (const el of ctx.root.querySelectorAll('.feed time, .activity time')) el.textContent = ago(Date.parse(el.getAttribute('datetime')!));
  }, 10000);
  ctx.onCleanup(() => {
    close();
    window.clearInterval(ticker);
    if (statsTimer !== undefined) window.clearTimeout(statsTimer);
  });
}

const ACTIVITY_SHOWN = 10;

const refName = (r: { name_zh?: string; name_en?: string } | null | undefined, fallback: string): string => name(r, fallback);

// "¥500.00 given to Meals for elders · from Sunshine Charity" / "¥700.00 spent on Material · reached 15 people".
function activityText(i: ActivityItem): string {
  const amount = yuan(i.amount_fen);
  const target = i.project ? refName(i.project, i.project.project_id) : refName(i.to ?? i.account, (i.to ?? i.account).account ?? '');
  switch (i.kind) {
    case 'spend':
      return `${t('home.act.spend', { amount, category: (lang() === 'zh' ? i.category_name_zh : i.category_name_en) ?? '' })} · ${target}`;
    case 'donation':
      return `${t('home.act.donation', { amount })} ${target}`;
    case 'trust_deposit':
      return `${t('home.act.trust_deposit', { amount })} ${target}`;
    case 'refund':
      return t('home.act.refund', { amount });
    default:
      return `${t('home.act.transfer', { amount })} ${target}`;
  }
}

function activityItem(i: ActivityItem, fresh: boolean): HTMLElement {
  const gift = i.kind === 'donation' || i.kind === 'trust_deposit';
  const href = gift ? `/r/${i.code}` : `/tx/${i.id}`;
  const amount = yuan(i.amount_fen);
  const target = i.project
    ? accountLink(`project:${i.project.project_id}`, refName(i.project, i.project.project_id))
    : accountLink((i.to ?? i.account).account ?? '', refName(i.to ?? i.account, (i.to ?? i.account).account ?? ''));
  let headline: (Node | string)[];
  if (i.kind === 'spend') {
    const category = (lang() === 'zh' ? i.category_name_zh : i.category_name_en) ?? '';
    headline = [h('a', { href, class: 'list-title' }, t('home.act.spend', { amount, category })), ' · ', target];
  } else if (i.kind === 'refund') {
    headline = [h('a', { href, class: 'list-title' }, t('home.act.refund', { amount }))];
  } else {
    const key = gift ? (i.kind === 'donation' ? 'home.act.donation' : 'home.act.trust_deposit') : 'home.act.transfer';
    headline = [h('a', { href, class: 'list-title' }, t(key, { amount })), ' ', target];
  }
  const facts: (Node | string | null)[] = [];
  if (i.kind === 'spend' && i.beneficiary_count) facts.push(pill(t('home.act.people', { n: num(i.beneficiary_count) }), 'ok'));
  if (i.org && i.project) facts.push(h('span', { class: 'list-detail' }, t('home.act.by'), ' ', refName(i.org, i.org.org_id ?? '')));
  if (gift && i.attested !== null) facts.push(pill(i.attested ? t('receipt.attestation') : t('receipt.self_reported'), i.attested ? 'ok' : 'warn'));
  return h(
    'li',
    { class: `list-item act act-${i.kind}${fresh ? ' fresh' : ''}`, 'data-leaf': i.leaf, 'data-kind': i.kind },
    h('div', { class: 'list-main' }, h('p', { class: 'act-line' }, headline), facts.length ? h('p', { class: 'act-facts' }, facts.map((f, k) => [k ? ' ' : '', f])) : null),
    h('time', { datetime: new Date(i.time_ms).toISOString(), title: dateTime(i.time_ms) }, ago(i.time_ms)),
  );
}
