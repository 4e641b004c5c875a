import './styles.css';
import { get, type Stats } from './api';
import { h, replace } from './dom';
import { num } from './format';
import { lang, onLangChange, setLang, t } from './i18n';
import type { MessageKey } from './messages';
import { refresh, route, startRouter, type Page } from './router';
import { errorBox, pageHeader } from './ui/common';

const lazy = <K extends string>(load: () => Promise<Record<K, Page>>, key: K) => () => load().then((m) => m[key]);

route(/^\/$/, lazy(() => import('./pages/home'), 'default'));
route(/^\/scan\/?$/, lazy(() => import('./pages/scan'), 'default'));
route(/^\/r\/([A-Za-z2-7]{8,52})(?:\/(print))?\/?$/, lazy(() => import('./pages/receipt'), 'default'));
route(/^\/orgs\/?$/, lazy(() => import('./pages/orgs'), 'orgList'));
route(/^\/orgs\/([a-z0-9-]{3,40})\/?$/, lazy(() => import('./pages/orgs'), 'orgPage'));
route(/^\/projects\/?$/, lazy(() => import('./pages/projects'), 'projectList'));
route(/^\/projects\/([a-z0-9-]{3,40})\/?$/, lazy(() => import('./pages/projects'), 'projectPage'));
route(/^\/trusts\/?$/, lazy(() => import('./pages/projects'), 'trustList'));
route(/^\/trusts\/([a-z0-9-]{3,40})\/?$/, lazy(() => import('./pages/projects'), 'trustPage'));
route(/^\/blocks\/?$/, lazy(() => import('./pages/blocks'), 'blockList'));
route(/^\/blocks\/(\d{1,15}|latest)\/?$/, lazy(() => import('./pages/blocks'), 'blockPage'));
route(/^\/tx\/([0-9a-fA-F]{64}|[A-Za-z2-7]{52})\/?$/, lazy(() => import('./pages/blocks'), 'txPage'));
route(/^\/mine\/?$/, lazy(() => import('./pages/mine'), 'default'));
route(/^\/points\/?$/, lazy(() => import('./pages/wallet'), 'default'));
route(/^\/points\/approve\/?$/, lazy(() => import('./pages/approve'), 'default'));
route(/^\/points\/confirm\/?$/, lazy(() => import('./pages/confirm'), 'default'));
route(/^\/honour\/?$/, lazy(() => import('./pages/honour'), 'default'));
route(/^\/regulator\/?$/, lazy(() => import('./pages/regulator'), 'default'));
// District dashboards: the country's provinces, or one region (any text reaches the page, which
// says what is wrong with a malformed code instead of a not-found page).
route(/^\/regulator\/regions\/?$/, lazy(() => import('./pages/regions'), 'default'));
route(/^\/regulator\/regions\/([^/]{1,64})\/?$/, lazy(() => import('./pages/regions'), 'default'));

const NAV: [string, MessageKey][] = [
  ['/', 'nav.home'],
  ['/scan', 'nav.scan'],
  ['/mine', 'nav.mine'],
  ['/projects', 'nav.projects'],
  ['/trusts', 'nav.trusts'],
  ['/orgs', 'nav.orgs'],
  ['/blocks', 'nav.blocks'],
  ['/points', 'nav.points'],
  ['/regulator', 'nav.regulator'],
];

const app = document.getElementById('app')!;
const main = h('main', { id: 'main', tabindex: '-1' });
const nav = h('nav', { class: 'nav', 'aria-label': '' });
const langBtn = h('button', { type: 'button', class: 'lang-toggle', id: 'lang-toggle' });
const footerInfo = h('span');
const live = h('div', { id: 'live', class: 'visually-hidden', 'aria-live': 'polite' });
let currentPath = location.pathname;

function renderChrome(): void {
  nav.setAttribute('aria-label', t('nav.label'));
  replace(
    nav,
    h(
      'ul',
      NAV.map(([href, key]) => {
        const active = href === '/' ? currentPath === '/' : currentPath.startsWith(href);
        return h('li', h('a', { href, 'aria-current': active ? 'page' : null }, t(key)));
      }),
    ),
  );
  // The button's name is its visible text (the other language's own name, in that language), so
  // what a speech user sees is what they say (WCAG 2.5.3); the hint is only a tooltip.
  langBtn.textContent = lang() === 'zh' ? 'English' : '中文';
  langBtn.removeAttribute('aria-label');
  langBtn.title = t('nav.switch_lang');
  langBtn.setAttribute('lang', lang() === 'zh' ? 'en' : 'zh-CN');
  skip.textContent = t('nav.skip');
  brandSub.textContent = t('brand.tagline');
}

const skip = h('a', { href: '#main', class: 'skip-link' });
skip.addEventListener('click', (ev) => {
  ev.preventDefault();
  main.focus();
});
const brandSub = h('span', { class: 'brand-sub' });
app.append(
  skip,
  h(
    'header',
    { class: 'topbar' },
    h('div', { class: 'topbar-inner' }, h('a', { href: '/', class: 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '善'), h('span', h('span', { class: 'brand-name' }, '善流 Shanliu'), brandSub)), langBtn),
    nav,
  ),
  main,
  h('footer', { class: 'footer' }, footerInfo, ' · ', h('a', { href: '/v1/openapi.json', rel: 'external' }, 'API')),
  live,
);

langBtn.addEventListener('click', () => setLang(lang() === 'zh' ? 'en' : 'zh'));
onLangChange(() => {
  renderChrome();
  void refresh();
  void loadFooter();
});

async function loadFooter(): Promise<void> {
  try {
    const s = await get<Stats>('/v1/stats');
    const chain = t('footer.chain', { chain: s.chain_id, height: num(s.head.height) });
    // Old receipts and blocks answer "not backfilled" from such a node until it is done.
    const backfill = s.history ? t('footer.backfill', { snapshot: num(s.history.snapshot_height), missing: num(s.history.missing_blocks) }) : null;
    footerInfo.textContent = backfill ? `${chain} · ${backfill}` : chain;
  } catch {
    footerInfo.textContent = t('footer.offline');
  }
}

renderChrome();
void loadFooter();
startRouter({
  root: main,
  notFound: async () => (ctx) => {
    ctx.setTitle(t('notfound.title'));
    ctx.root.append(pageHeader(t('notfound.title'), t('notfound.text')), h('p', h('a', { href: '/', class: 'btn' }, t('notfound.home'))));
  },
  renderError: (root, error) => root.append(errorBox(error)),
  onNavigate: (path) => {
    currentPath = path;
    renderChrome();
  },
});
