// The regulator page's sections that show what the node says rather than what the browser
// proves: its own audit (GET /v1/audit), the checkpoint history (GET /v1/checkpoints) and the
// links to the CSV and IATI exports of a year.
import { get, type AuditRun, type AuditStatus, type CheckpointEntry, type CheckpointHistory } from '../api';
import { h, replace, type Child } from '../dom';
import { dateTime, num } from '../format';
import { t } from '../i18n';
import type { MessageKey } from '../messages';
import { signersBlock, validatorName } from '../ui/badge';
import { blockLink, errorBox, hash, kv, loading, notice, pager, pill, section } from '../ui/common';
import type { Anchor } from '../genesis';

function runLines(run: AuditRun): [string, Child][] {
  return [
    [t('reg.audit.height'), run.audited_height !== undefined ? blockLink(run.audited_height) : null],
    [t('reg.audit.finished'), dateTime(run.finished_ms)],
    [t('reg.audit.duration'), t('reg.audit.ms', { ms: num(run.duration_ms) })],
    [t('reg.audit.checked'), run.txs_checked !== undefined ? t('reg.audit.counts', { b: num(run.blocks_checked ?? 0), t: num(run.txs_checked), s: num(run.signatures_checked ?? 0) }) : null],
    [t('reg.log_root'), run.log_root ? hash(run.log_root, 8) : null],
  ];
}

function auditHeadline(s: AuditStatus): HTMLElement {
  const run = s.last;
  if (!s.enabled) return notice('info', t('reg.audit.disabled'));
  if (!run) return notice('info', s.running ? t('reg.audit.first_running') : t('reg.audit.never'));
  if (run.result === 'ok') return notice('ok', h('strong', t('reg.audit.ok', { h: num(run.audited_height ?? 0) })));
  if (run.result === 'failed' && run.failure) {
    const f = run.failure;
    return notice(
      'error',
      h('strong', t('reg.audit.failed', { h: num(f.height) })),
      h('p', t('reg.audit.failed_check', { check: f.check })),
      f.message ? h('p', f.message) : null,
      f.expected || f.found ? h('p', t('reg.audit.expected_found', { e: f.expected || '—', f: f.found || '—' })) : null,
    );
  }
  return notice('warn', h('strong', t('reg.audit.error')), ' ', run.error ? `${run.error.code}: ${run.error.message}` : null);
}

export function auditSection(signal: AbortSignal): HTMLElement {
  const body = h('div', { class: 'audit-status', 'data-state': 'loading' }, loading());
  (async () => {
    const s = await get<AuditStatus>('/v1/audit', signal);
    body.dataset.state = !s.enabled ? 'disabled' : s.last ? s.last.result : 'never';
    const schedule = [
      s.schedule.every_blocks ? t('reg.audit.every_blocks', { n: num(s.schedule.every_blocks) }) : null,
      s.schedule.every_ms ? t('reg.audit.every_hours', { n: num(Math.round((s.schedule.every_ms / 3_600_000) * 10) / 10) }) : null,
    ].filter(Boolean) as string[];
    replace(
      body,
      // The label first: nothing in this section is verified by the browser.
      h('p', { class: 'claim' }, pill(t('reg.audit.claim_pill'), 'info'), ' ', t('reg.audit.claim')),
      auditHeadline(s),
      s.last && s.last.result !== 'error' ? kv(runLines(s.last)) : null,
      s.enabled && schedule.length ? h('p', { class: 'fine' }, t('reg.audit.schedule'), ' ', schedule.join(' · '), s.running ? [' · ', t('reg.audit.running')] : null) : null,
      h('p', { class: 'fine' }, t('reg.audit.yourself'), ' ', h('code', { class: 'mono' }, 'shanliu audit --node <URL> --genesis genesis.json')),
    );
  })().catch((e) => {
    if ((e as Error).name !== 'AbortError') replace(body, errorBox(e));
  });
  return section(t('reg.audit.title'), body);
}

function checkpointItem(c: CheckpointEntry, anchor: Anchor | null): Node {
  // Signers by organisation name when the genesis document names it, one per list item (names
  // may contain commas or 、). The list is the node's (this history is not proven here), and after
  // a validator-set change the indexes are not the genesis set's, so names go by organisation.
  const names = c.signers.map((s) => {
    const org = anchor?.names(s.org_id);
    return org ? validatorName({ index: s.validator_index, orgId: s.org_id, publicKey: new Uint8Array(0), power: 0n, ...org }) : s.org_id;
  });
  // "k of n": n is the size of the set that signed, known here only while it is the genesis set
  // (its power total still matches); otherwise the node's power figures say it.
  const genesisSet = anchor && BigInt(c.total_power) === anchor.set.totalPower && c.signers.every((s) => anchor.set.validators[s.validator_index]?.orgId === s.org_id);
  return h(
    'li',
    { class: 'checkpoint-item', 'data-height': String(c.height) },
    h('p', { class: 'list-title' }, blockLink(c.height), ' · ', t('reg.history.size', { n: num(c.log_size) }), ' · ', dateTime(c.time_ms)),
    kv([
      [t('reg.log_root'), hash(c.log_root, 8)],
      [t('reg.history.txs'), num(c.tx_count)],
    ]),
    genesisSet
      ? signersBlock(c.signers.length, anchor.set.validators.length, names)
      : h('div', { class: 'badge-signers' }, h('span', t(3 * c.signed_power > 2 * c.total_power ? 'reg.supermajority' : 'reg.no_supermajority', { s: String(c.signed_power), t: String(c.total_power) })), h('ul', { class: 'signer-list' }, names.map((x) => h('li', x)))),
  );
}

export function historySection(anchorP: Promise<Anchor>, signal: AbortSignal): HTMLElement {
  const body = h('div', { class: 'checkpoint-history' });
  const anchor = anchorP.catch(() => null);
  let resolved: Anchor | null = null; // set before each page's items are drawn
  pager<CheckpointEntry>(
    body,
    async (next) => {
      const [page, a] = await Promise.all([get<CheckpointHistory>(`/v1/checkpoints?limit=10${next !== null ? `&before=${next}` : ''}`, signal), anchor]);
      resolved = a;
      return { items: page.checkpoints, next: page.next };
    },
    (c) => checkpointItem(c, resolved),
    'reg.history.empty',
  );
  return section(t('reg.history.title'), h('p', { class: 'fine' }, t('reg.history.hint')), body);
}

// Links to a year's exports (at most 366 days each: a calendar year fits).
export function exportsSection(): { el: HTMLElement; setYear: (year: number) => void } {
  const list = h('ul', { class: 'export-links' });
  const setYear = (year: number) => {
    const q = `from=${year}-01-01&to=${year}-12-31&limit=10000`;
    const link = (href: string, key: MessageKey, type: string) => h('li', h('a', { href, download: '', 'data-format': type }, t(key, { y: year })));
    replace(
      list,
      link(`/v1/exports/movements.csv?${q}`, 'reg.exports.csv', 'csv'),
      link(`/v1/exports/movements.csv?${q}&bom=true`, 'reg.exports.csv_bom', 'csv-bom'),
      link(`/v1/exports/iati.xml?${q}`, 'reg.exports.iati', 'iati'),
      link(`/v1/exports/movements.csv?${q}&only=goods&bom=true`, 'reg.exports.goods_csv', 'goods-csv'),
      // Rows per organisation and project, not per movement: the disclosure takes no limit.
      link(`/v1/exports/disclosure.csv?from=${year}-01-01&to=${year}-12-31&bom=true`, 'reg.exports.disclosure_csv', 'disclosure-csv'),
    );
  };
  const el = section(t('reg.exports.title'), h('p', { class: 'fine' }, t('reg.exports.hint')), list);
  return { el, setYear };
}
