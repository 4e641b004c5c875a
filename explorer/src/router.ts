// History-API routing. Each navigation gets a fresh AbortController; pages register cleanups
// (event streams, cameras, charts) that run when the user leaves or the language changes.
export interface PageContext {
  params: string[];
  query: URLSearchParams;
  signal: AbortSignal;
  root: HTMLElement;
  onCleanup(fn: () => void): void;
  setTitle(title: string): void;
}

export type Page = (ctx: PageContext) => Promise<void> | void;

interface Route {
  pattern: RegExp;
  page: () => Promise<Page>;
}

const routes: Route[] = [];
let notFound: () => Promise<Page>;
let renderError: (root: HTMLElement, error: unknown) => void;
let root: HTMLElement;
let active: { controller: AbortController; cleanups: (() => void)[] } | undefined;
let onNavigate: (path: string) => void = () => {};

export function route(pattern: RegExp, page: () => Promise<Page>): void {
  routes.push({ pattern, page });
}

export function startRouter(options: {
  root: HTMLElement;
  notFound: () => Promise<Page>;
  renderError: (root: HTMLElement, error: unknown) => void;
  onNavigate: (path: string) => void;
}): void {
  root = options.root;
  notFound = options.notFound;
  renderError = options.renderError;
  onNavigate = options.onNavigate;
  window.addEventListener('popstate', () => void render(false));
  document.addEventListener('click', (ev) => {
    if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    const a = (ev.target as Element | null)?.closest?.('a');
    if (!a || a.target || a.hasAttribute('download') || a.getAttribute('rel') === 'external') return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/v1/')) return;
    if (url.pathname === location.pathname && url.search === location.search && url.hash) return; // in-page anchor
    ev.preventDefault();
    navigate(url.pathname + url.search + url.hash);
  });
  void render(false);
}

export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  void render(true);
}

// Re-renders the current route (language switch).
export const refresh = (): Promise<void> => render(false, true);

async function render(moveFocus: boolean, keepScroll = false): Promise<void> {
  if (active) {
    active.controller.abort();
    for (const fn of active.cleanups.splice(0)) {
      try {
        fn();
      } catch {
        // a failing cleanup must not block navigation
      }
    }
  }
  const controller = new AbortController();
  const mine = { controller, cleanups: [] as (() => void)[] };
  active = mine;
  const path = decodeURI(location.pathname);
  let params: string[] = [];
  let loader = notFound;
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (m) {
      params = m.slice(1);
      loader = r.page;
      break;
    }
  }
  onNavigate(path);
  const scrollY = window.scrollY;
  root.setAttribute('aria-busy', 'true');
  const fresh = document.createElement('div');
  fresh.className = 'page';
  try {
    const page = await loader();
    if (active !== mine) return;
    root.replaceChildren(fresh);
    await page({
      params,
      query: new URLSearchParams(location.search),
      signal: controller.signal,
      root: fresh,
      onCleanup: (fn) => mine.cleanups.push(fn),
      setTitle: (title) => {
        document.title = title ? `${title} · 善流 Shanliu` : '善流 Shanliu';
      },
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError' || active !== mine) return;
    root.replaceChildren(fresh);
    renderError(fresh, e);
  } finally {
    if (active === mine) root.removeAttribute('aria-busy');
  }
  if (active !== mine) return;
  if (keepScroll) window.scrollTo(0, scrollY);
  else if (moveFocus) {
    window.scrollTo(0, 0);
    const heading = root.querySelector('h1');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
  }
}
