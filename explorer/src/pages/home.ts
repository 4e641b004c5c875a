// Home: search, live figures and a live feed of committed blocks (server-sent events).
import { get, type BlockRow, type Stats } from '../api';
import { h, replace, announce } from '../dom';
import { ago, dateTime, num, yuan, yuanCompact } from '../format';
import { t } from '../i18n';
import { navigate, type PageContext } from '../router';
import { resolve } from '../search';
import { subscribeBlocks, type BlockEvent } from '../ui/sse';
import { errorBox, loading, notice, scanIcon } from '../ui/common';

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
    h('section', { class: 'card', 'aria-labelledby': 'figs-h' }, h('div', { class: 'card-head' }, h('h2', { id: 'figs-h' }, t('home.figures')), live), figures),
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
      { class: `list-item${fresh ? ' fresh' : ''}` },
      h('div', { class: 'list-main' }, h('a', { href: `/blocks/${b.height}`, class: 'list-title' }, t('block.title_n', { n: num(b.height) })), h('span', { class: 'list-detail' }, t('block.txs', { n: num(b.tx_count) }))),
      h('time', { datetime: new Date(b.time_ms).toISOString(), title: dateTime(b.time_ms) }, ago(b.time_ms)),
    );

  let known = new Set<number>();
  try {
    const [stats, blocks] = await Promise.all([get<Stats>('/v1/stats', ctx.signal), get<{ blocks: BlockRow[] }>('/v1/blocks?limit=8', ctx.signal)]);
    renderStats(stats);
    replace(feed, blocks.blocks.map((b) => feedItem(b)));
    known = new Set(blocks.blocks.map((b) => b.height));
  } catch (e) {
    if ((e as Error).name === 'AbortError') return;
    replace(figures, errorBox(e));
  }

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
  const onBlock = (b: BlockEvent) => {
    if (known.has(b.height)) return;
    known.add(b.height);
    feed.insertBefore(feedItem(b, true), feed.firstChild);
    while (feed.childElementCount > 8) feed.lastElementChild?.remove();
    refreshStats();
  };
  const close = subscribeBlocks(onBlock, (on) => {
    live.dataset.live = String(on);
    live.textContent = on ? t('home.live') : t('home.offline');
  });
  const ticker = window.setInterval(() => {
    for (const el of feed.querySelectorAll('time')) el.textContent = ago(Date.parse(el.getAttribute('datetime')!));
  }, 10000);
  ctx.onCleanup(() => {
    close();
    window.clearInterval(ticker);
    if (statsTimer !== undefined) window.clearTimeout(statsTimer);
  });
}
