// Shared pieces of every page: loading and error states, key/value lists, links, amounts.
import { ApiError, get, type AccountFlow } from '../api';
import { h, svg, type Child } from '../dom';
import { name, shortHash, yuan } from '../format';
import { lang, t } from '../i18n';
import { messages, type MessageKey } from '../messages';

export function loading(label?: string): HTMLElement {
  return h('div', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), label ?? t('common.loading'));
}

export function errorMessage(error: unknown): { title: string; detail: string } {
  if (error instanceof ApiError) {
    if (error.status === 0) return { title: t('error.network'), detail: error.message };
    // The node's messages are English; the title is chosen by the stable error code so a zh
    // reader sees Chinese, and the node's own words stay below for whoever reports a problem.
    const key = `apierr.${error.code}` as MessageKey;
    const title = key in messages ? t(key) : t('error.api', { code: error.code });
    return { title, detail: lang() === 'en' || !(key in messages) ? error.message : t('error.code', { code: error.code }) };
  }
  return { title: t('error.unexpected'), detail: (error as Error)?.message ?? String(error) };
}

export function errorBox(error: unknown, extra?: Child): HTMLElement {
  const { title, detail } = errorMessage(error);
  return h('div', { class: 'notice notice-error', role: 'alert' }, h('strong', title), detail ? h('p', detail) : null, extra);
}

export function notice(kind: 'info' | 'warn' | 'error' | 'ok', ...children: Child[]): HTMLElement {
  return h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'note' }, children);
}

export function pageHeader(title: string, subtitle?: Child, ...extra: Child[]): HTMLElement {
  return h('header', { class: 'page-header' }, h('h1', title), subtitle ? h('p', { class: 'subtitle' }, subtitle) : null, extra);
}

export function section(title: string, ...children: Child[]): HTMLElement {
  const id = `s-${Math.random().toString(36).slice(2, 9)}`;
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), children);
}

export function kv(rows: [string, Child][]): HTMLElement {
  return h(
    'dl',
    { class: 'kv' },
    rows.filter(([, v]) => v !== null && v !== undefined && v !== '').map(([k, v]) => h('div', { class: 'kv-row' }, h('dt', k), h('dd', v))),
  );
}

export function mono(text: string, title?: string): HTMLElement {
  return h('code', { class: 'mono', title: title ?? text }, text);
}

export function hash(hex: string | null | undefined, n = 8): HTMLElement {
  return hex ? h('code', { class: 'mono hash', title: hex }, shortHash(hex, n)) : h('span', '—');
}

// `visible`: the button's own words (then also its accessible name); else "Copy" with `label`
// as the name, which contains the visible word so speech users can say what they see.
export function copyButton(text: string, label: string, visible?: string): HTMLElement {
  const idle = () => visible ?? t('common.copy');
  const btn = h('button', { type: 'button', class: 'btn btn-small btn-ghost', 'aria-label': visible ? null : label }, idle());
  btn.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      btn.textContent = t('common.copied');
    } catch {
      btn.textContent = t('common.copy_failed');
    }
    setTimeout(() => (btn.textContent = idle()), 1500);
  });
  return btn;
}

export function accountHref(account: string): string | null {
  const [type, id] = [account.slice(0, account.indexOf(':')), account.slice(account.indexOf(':') + 1)];
  if (!id) return null;
  if (type === 'org') return `/orgs/${encodeURIComponent(id)}`;
  if (type === 'project') return `/projects/${encodeURIComponent(id)}`;
  if (type === 'trust') return `/trusts/${encodeURIComponent(id)}`;
  return null;
}

const accountNames = new Map<string, Promise<{ name_zh?: string; name_en?: string } | null>>();

// The display names of an account's owner (organisation, project or trust), fetched once.
function lookupAccount(account: string): Promise<{ name_zh?: string; name_en?: string } | null> {
  let p = accountNames.get(account);
  if (!p) {
    const i = account.indexOf(':');
    const type = account.slice(0, i);
    const id = encodeURIComponent(account.slice(i + 1));
    const path = type === 'org' ? `/v1/orgs/${id}?limit=1` : type === 'project' ? `/v1/projects/${id}?limit=1` : type === 'trust' ? `/v1/trusts/${id}?limit=1` : null;
    p = path
      ? get<Record<string, { name_zh?: string; name_en?: string; spec?: { name_zh?: string; name_en?: string } }>>(path).then(
          (b) => (type === 'org' ? b.org : type === 'project' ? b.project?.spec : b.trust?.spec) ?? null,
          () => null,
        )
      : Promise.resolve(null);
    accountNames.set(account, p);
  }
  return p;
}

// A link to an account's page; without a label, the owner's name replaces the raw id once known.
export function accountLink(account: string, label?: string): HTMLElement {
  const href = accountHref(account);
  const el = href ? h('a', { href }, label || account) : h('span', label || account);
  if (!label && href) {
    void lookupAccount(account).then((ref) => {
      const n = name(ref);
      if (n) {
        el.textContent = n;
        el.title = account;
      }
    });
  }
  return el;
}

export const orgLink = (orgId: string, ref?: { name_zh?: string; name_en?: string } | null): HTMLElement =>
  h('a', { href: `/orgs/${encodeURIComponent(orgId)}` }, name(ref, orgId));

export const txLink = (id: string, label?: string): HTMLElement => h('a', { href: `/tx/${id}`, class: 'mono' }, label ?? shortHash(id));

export const blockLink = (height: number): HTMLElement => h('a', { href: `/blocks/${height}` }, `#${height}`);

export function pill(text: string, kind: 'ok' | 'warn' | 'bad' | 'neutral' | 'info' = 'neutral', title?: string): HTMLElement {
  return h('span', { class: `pill pill-${kind}`, title }, text);
}

export function bar(parts: { value: number; className: string; label: string }[], total: number, ariaLabel: string): HTMLElement {
  const wrap = h('div', { class: 'bar', role: 'img', 'aria-label': ariaLabel });
  const sum = Math.max(total, parts.reduce((a, p) => a + p.value, 0));
  for (const p of parts) {
    if (p.value <= 0 || sum <= 0) continue;
    const seg = h('span', { class: `bar-seg ${p.className}`, title: p.label });
    seg.style.width = `${Math.max(0.8, (p.value / sum) * 100)}%`;
    wrap.appendChild(seg);
  }
  return wrap;
}

export function progress(value: number, max: number, label: string): HTMLElement {
  const ratio = max > 0 ? Math.min(1, Math.max(0, value / max)) : 0;
  const fill = h('span', { class: 'meter-fill' });
  fill.style.width = `${ratio * 100}%`;
  return h(
    'div',
    { class: 'meter-track', role: 'progressbar', 'aria-label': label, 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(ratio * 100) },
    fill,
  );
}

export function emptyState(key: MessageKey): HTMLElement {
  return h('p', { class: 'empty' }, t(key));
}

// "Load more" paging over an API list whose response carries `next`.
export function pager<T>(
  container: HTMLElement,
  fetchPage: (next: number | string | null) => Promise<{ items: T[]; next: number | string | null }>,
  renderItem: (item: T) => Node,
  emptyKey: MessageKey,
  first?: { items: T[]; next: number | string | null },
): void {
  const list = h('ul', { class: 'list' });
  const more = h('button', { type: 'button', class: 'btn btn-ghost btn-block' }, t('common.more'));
  const status = h('div');
  container.append(list, status);
  let next: number | string | null = null;
  const show = (page: { items: T[]; next: number | string | null }) => {
    for (const item of page.items) list.appendChild(renderItem(item));
    next = page.next;
    if (list.childElementCount === 0) status.replaceChildren(emptyState(emptyKey));
    else if (next !== null && next !== undefined) status.replaceChildren(more);
    else status.replaceChildren();
  };
  more.addEventListener('click', async () => {
    more.disabled = true;
    more.textContent = t('common.loading');
    try {
      show(await fetchPage(next));
    } catch (e) {
      status.replaceChildren(errorBox(e));
    } finally {
      more.disabled = false;
      more.textContent = t('common.more');
    }
  });
  if (first) show(first);
  else {
    status.replaceChildren(loading());
    fetchPage(null).then(show, (e) => status.replaceChildren(errorBox(e)));
  }
}

// A scan-frame icon (decorative).
export function scanIcon(): SVGElement {
  const path = (d: string) => svg('path', { d, fill: 'none', stroke: 'currentColor', 'stroke-width': 2, 'stroke-linecap': 'round' });
  return svg(
    'svg',
    { viewBox: '0 0 24 24', width: 20, height: 20, 'aria-hidden': 'true', focusable: 'false' },
    path('M3 8V5a2 2 0 0 1 2-2h3M16 3h3a2 2 0 0 1 2 2v3M21 16v3a2 2 0 0 1-2 2h-3M8 21H5a2 2 0 0 1-2-2v-3'),
    path('M7 12h10'),
  );
}

// An account's money, every term shown so the figures add up on the page: what came in
// (donations, deposits and transfers received), what was moved on by transfer (to projects,
// as grants), spent and refunded, and the balance. The sum is computed here from the terms and
// compared with the node's balance; a mismatch is shown, never hidden.
export function flowSum(f: AccountFlow): HTMLElement {
  const inFen = f.inflow_fen + f.received_fen;
  const sum = inFen - f.sent_fen - f.spent_fen - f.refunded_fen;
  const term = (key: MessageKey, fen: number, role: string) =>
    h('span', { class: 'flow-term', 'data-term': role, 'data-fen': String(fen) }, t(key), ' ', yuan(fen));
  return h(
    'span',
    { class: 'flow-sum', 'data-adds-up': String(sum === f.balance_fen) },
    term('flow.in', inFen, 'in'),
    ' − ',
    term('flow.moved', f.sent_fen, 'moved'),
    ' − ',
    term('flow.spent', f.spent_fen, 'spent'),
    ' − ',
    term('flow.refunded', f.refunded_fen, 'refunded'),
    ' = ',
    term('flow.balance', f.balance_fen, 'balance'),
    sum === f.balance_fen ? null : h('strong', { class: 'flow-mismatch' }, ' ', t('flow.mismatch', { sum: yuan(sum) })),
  );
}
