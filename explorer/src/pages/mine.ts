// /mine — "My receipts": the receipts this device opened or scanned (localStorage, no account),
// each with its latest status from the node and what changed since the donor's last visit to it.
// While the page is open, every committed block with transactions refreshes the status (the
// block event stream); the figures here are the node's word and say so — the receipt page is
// where they are verified.
import { enc, get, type Trace } from '../api';
import { h, replace, announce } from '../dom';
import { dateTime, groupCode, yuan } from '../format';
import { lang, t } from '../i18n';
import type { PageContext } from '../router';
import { changeSince, forget, loadSaved, type SavedReceipt } from '../saved';
import { subscribeBlocks } from '../ui/sse';
import { emptyState, errorBox, notice, pageHeader, pill } from '../ui/common';

// Status requests per refresh run a few at a time, so a long list does not flood the node.
const PARALLEL = 4;

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export default async function minePage(ctx: PageContext): Promise<void> {
  ctx.setTitle(t('mine.title'));
  const store = storage();
  const list = h('ul', { class: 'list mine-list' });
  const live = h('span', { class: 'live-dot', 'data-live': 'false' }, t('home.connecting'));
  ctx.root.append(pageHeader(t('mine.title'), t('mine.subtitle')));
  if (!store) {
    ctx.root.append(notice('warn', t('mine.storage_off')));
    return;
  }
  const saved = loadSaved(store);
  if (saved.length === 0) {
    ctx.root.append(emptyState('mine.empty'), h('p', h('a', { href: '/scan', class: 'btn btn-primary' }, t('home.scan'))));
    return;
  }
  ctx.root.append(h('section', { class: 'card' }, h('div', { class: 'card-head' }, h('p', { class: 'fine' }, t('mine.unproven')), live), list));

  const rows = new Map<string, { status: HTMLElement; change: HTMLElement }>();
  const render = (items: SavedReceipt[]) => {
    rows.clear();
    replace(
      list,
      items.map((r) => {
        const status = h('p', { class: 'mine-status', role: 'status' }, t('mine.checking'));
        const change = h('p', { class: 'mine-change' });
        rows.set(r.code, { status, change });
        const remove = h('button', { type: 'button', class: 'btn btn-small btn-ghost', 'aria-label': t('mine.forget_label', { code: r.code.slice(0, 12) }) }, t('mine.forget'));
        remove.addEventListener('click', () => {
          forget(store, r.code);
          const rest = loadSaved(store);
          if (rest.length === 0) replace(list, h('li', emptyState('mine.empty')));
          else render(rest);
          void refreshAll(rest);
        });
        const to = (lang() === 'zh' ? r.to_zh || r.to_en : r.to_en || r.to_zh) || '—';
        return h(
          'li',
          { class: 'list-item mine-item', 'data-code': r.code },
          h(
            'div',
            { class: 'list-main' },
            h('a', { href: `/r/${r.code}`, class: 'list-title' }, `${yuan(r.amount_fen)} → ${to}`),
            h('span', { class: 'list-detail mono' }, groupCode(r.code.slice(0, 12))),
            status,
            change,
            h('p', { class: 'fine' }, t('mine.last_visit', { time: dateTime(r.seen_ms) })),
          ),
          remove,
        );
      }),
    );
  };

  const refreshOne = async (r: SavedReceipt) => {
    const row = rows.get(r.code);
    if (!row) return;
    try {
      const { trace } = await get<{ trace: Trace }>(`/v1/trace/${enc(r.code)}`, ctx.signal);
      const tt = trace.totals;
      const now = { spent_fen: tt.spent_fen, unspent_fen: tt.unspent_fen, refunded_fen: tt.refunded_fen, withdrawn_fen: tt.withdrawn_fen ?? 0 };
      replace(row.status, t('mine.status', { spent: yuan(now.spent_fen), unspent: yuan(now.unspent_fen) }));
      const c = changeSince(r.seen, now);
      const before = row.change.dataset.moreSpent;
      row.change.dataset.moreSpent = String(c.more_spent_fen);
      row.change.dataset.changed = String(c.changed);
      if (c.more_spent_fen > 0) replace(row.change, pill(t('mine.more_spent', { amount: yuan(c.more_spent_fen) }), 'info'));
      else if (c.changed) replace(row.change, pill(t('mine.changed'), 'info'));
      else replace(row.change, h('span', { class: 'fine' }, t('mine.no_change')));
      if (before !== undefined && before !== row.change.dataset.moreSpent && c.more_spent_fen > 0) {
        announce(t('mine.more_spent', { amount: yuan(c.more_spent_fen) }));
      }
    } catch (e) {
      if ((e as Error).name === 'AbortError') return;
      replace(row.status, errorBox(e));
    }
  };

  let running = false;
  let again = false;
  const refreshAll = async (items: SavedReceipt[]) => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      for (let i = 0; i < items.length && !ctx.signal.aborted; i += PARALLEL) {
        await Promise.all(items.slice(i, i + PARALLEL).map(refreshOne));
      }
    } finally {
      running = false;
    }
    if (again && !ctx.signal.aborted) {
      again = false;
      void refreshAll(loadSaved(store));
    }
  };

  render(saved);
  await refreshAll(saved);
  list.dataset.ready = 'true';
  // One block stream for the whole list (a stream per receipt would exhaust the browser's six
  // connections per host); only blocks with transactions can change a gift's flow.
  const close = subscribeBlocks(
    (b, kind) => {
      if (kind === 'block' && b.tx_count > 0) void refreshAll(loadSaved(store));
    },
    (on) => {
      live.dataset.live = String(on);
      live.textContent = on ? t('home.live') : t('home.offline');
    },
  );
  ctx.onCleanup(close);
}
