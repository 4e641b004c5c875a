// Resolves what someone typed or scanned: receipt code or prefix, tx id, block height,
// organisation or project (id or name), or a pasted receipt URL.
import { ApiError, enc, get, type Org, type ProjectSummary, type TxStatus } from './api';
import { name } from './format';
import { t } from './i18n';

export interface Hit {
  href: string;
  label: string;
  kind: string;
}

export { codeFromText, normalizeCode } from './code';
import { codeFromText, normalizeCode } from './code';

const isNotFound = (e: unknown): boolean => e instanceof ApiError && (e.status === 404 || e.status === 400);

async function txHit(id: string): Promise<Hit | null> {
  try {
    const tx = await get<TxStatus>(`/v1/txs/${enc(id)}`);
    const gift = tx.kind === 'donation' || tx.kind === 'trust_deposit';
    return { href: gift ? `/r/${tx.code}` : `/tx/${tx.id}`, label: tx.code, kind: gift ? t('search.kind.receipt') : t('search.kind.tx') };
  } catch (e) {
    if (isNotFound(e)) return null;
    throw e;
  }
}

async function allPages<T>(path: string, key: string, cap = 10): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < cap; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const page: Record<string, unknown> = await get(`${path}${sep}limit=100${cursor ? `&cursor=${enc(cursor)}` : ''}`);
    out.push(...((page[key] as T[]) ?? []));
    cursor = (page.next as string | null) ?? null;
    if (!cursor) break;
  }
  return out;
}

export async function resolve(query: string): Promise<Hit[]> {
  const q = query.trim();
  if (!q) return [];
  const code = codeFromText(q);
  if (code && code.length === 52) {
    const hit = await txHit(code);
    return hit ? [hit] : [];
  }
  const lower = q.toLowerCase();
  if (/^[0-9a-f]{64}$/.test(lower)) {
    const hit = await txHit(lower);
    return hit ? [hit] : [];
  }
  if (/^#?\d{1,15}$/.test(q)) {
    return [{ href: `/blocks/${q.replace('#', '')}`, label: `#${q.replace('#', '')}`, kind: t('search.kind.block') }];
  }
  const hits: Hit[] = [];
  const tasks: Promise<void>[] = [];
  if (/^[a-z0-9-]{3,40}$/.test(lower)) {
    const byId = async (path: string, href: string, kind: string, pick: (b: Record<string, unknown>) => { name_zh?: string; name_en?: string }) => {
      try {
        const body = await get<Record<string, unknown>>(path);
        hits.push({ href, label: `${name(pick(body), lower)} (${lower})`, kind });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    };
    tasks.push(byId(`/v1/orgs/${enc(lower)}?limit=1`, `/orgs/${lower}`, t('search.kind.org'), (b) => b.org as Org));
    tasks.push(byId(`/v1/projects/${enc(lower)}?limit=1`, `/projects/${lower}`, t('search.kind.project'), (b) => (b.project as { spec: ProjectSummary }).spec));
    tasks.push(byId(`/v1/trusts/${enc(lower)}?limit=1`, `/trusts/${lower}`, t('search.kind.trust'), (b) => (b.trust as { spec: ProjectSummary }).spec));
  }
  const prefix = normalizeCode(q);
  if (prefix && prefix.length < 52) {
    tasks.push(
      (async () => {
        try {
          const r = await get<{ donation: { code: string; amount_fen: number } }>(`/v1/trace/${enc(prefix)}`);
          hits.push({ href: `/r/${r.donation.code}`, label: r.donation.code, kind: t('search.kind.receipt') });
        } catch (e) {
          if (e instanceof ApiError && e.code === 'ambiguous_code') {
            for (const c of (e.details.candidates as string[]) ?? []) hits.push({ href: `/r/${c}`, label: c, kind: t('search.kind.receipt') });
          } else if (!isNotFound(e)) throw e;
        }
      })(),
    );
  }
  await Promise.all(tasks);
  if (hits.length > 0) return dedupe(hits);
  // Nothing by id or code: names (Chinese or English, any part) of organisations and projects.
  const [orgs, projects] = await Promise.all([allPages<Org>('/v1/orgs', 'orgs'), allPages<ProjectSummary>('/v1/projects', 'projects')]);
  const match = (s: string) => s.toLowerCase().includes(lower);
  for (const o of orgs) {
    if (match(o.name_zh) || match(o.name_en)) hits.push({ href: `/orgs/${o.org_id}`, label: name(o, o.org_id), kind: t('search.kind.org') });
  }
  for (const p of projects) {
    if (match(p.name_zh) || match(p.name_en)) hits.push({ href: `/projects/${p.project_id}`, label: name(p, p.project_id), kind: t('search.kind.project') });
  }
  return dedupe(hits);
}

function dedupe(hits: Hit[]): Hit[] {
  const seen = new Set<string>();
  return hits.filter((x) => (seen.has(x.href) ? false : (seen.add(x.href), true)));
}
