// Regulator (/regulator): the latest checkpoint verified against the genesis validators, the
// validators' C2SP cosigned checkpoint note verified line by line, an RFC 9162 consistency check
// between the logs of two signed blocks, and compliance indicators.
import {
  enc,
  get,
  type Block,
  type Checkpoint,
  type Compliance,
  type ComplianceRow,
  type Consistency,
  type DisclosureSchedule,
  type OverBudgetProjects,
  type RestrictedFunds,
} from '../api';
import { h, replace, type Child } from '../dom';
import { date, dateTime, name, num, pct, shortHash, yuan } from '../format';
import { lang, t } from '../i18n';
import type { MessageKey } from '../messages';
import type { PageContext } from '../router';
import { joinNames, validatorName } from '../ui/badge';
import { blockLink, errorBox, hash, kv, loading, notice, pageHeader, pill, section } from '../ui/common';
import { equal, fromHex, toHex } from '../verify/bytes';
import { blockHash, verifyCommit, type CommitJson, type HeaderJson } from '../verify/chain';
import { AnchorError, loadAnchor, type Anchor } from '../verify/genesis';
import { verifyConsistency } from '../verify/merkle';
import { verifyCheckpointNote, type NoteVerification } from '../verify/note';

interface Signed {
  ok: boolean;
  signers: string[];
  reason?: string;
}

// A header is trusted when it hashes to its block hash, names the genesis validator set, and
// carries a commit certificate with more than 2/3 of the genesis voting power (height 0 is the
// genesis block itself).
async function checkSigned(anchor: Anchor, header: HeaderJson, blockHashHex: string, commit: CommitJson | null): Promise<Signed> {
  const computed = await blockHash(header);
  if (!equal(computed, fromHex(blockHashHex, 32))) return { ok: false, signers: [], reason: t('verify.step.header', { height: header.height }) };
  if (!equal(fromHex(header.validators_hash, 32), anchor.set.hash)) return { ok: false, signers: [], reason: t('verify.step.validators', {}) };
  if (header.height === 0) return { ok: toHex(computed) === anchor.genesisBlockHash, signers: [] };
  if (!commit) return { ok: false, signers: [], reason: t('block.no_commit') };
  const r = await verifyCommit(header, computed, commit, anchor.set);
  return { ok: r.ok, signers: r.signers.map(validatorName), reason: r.problem ? t(`verify.problem.${r.problem}`) : undefined };
}

function checkpointSection(anchorP: Promise<Anchor>, signal: AbortSignal): HTMLElement {
  const body = h('div', loading());
  const el = section(t('reg.checkpoint'), body);
  (async () => {
    const [cp, anchor] = await Promise.all([get<Checkpoint>('/v1/checkpoint', signal), anchorP]);
    const signed = await checkSigned(anchor, cp.header, cp.block_hash, cp.commit);
    const rootOk = cp.log_size === cp.header.log_size && cp.log_root === cp.header.log_root;
    const ok = signed.ok && rootOk;
    const note = cp.note ?? cp.checkpoint;
    replace(
      body,
      h(
        'div',
        { class: 'checkpoint-state', 'data-state': ok ? 'verified' : 'failed' },
        ok
          ? notice('ok', h('strong', t('reg.checkpoint_ok')), ' ', t('verify.signed_by', { k: signed.signers.length, n: anchor.set.validators.length, names: joinNames(signed.signers) }))
          : notice('error', h('strong', t('reg.checkpoint_bad')), ' ', signed.reason ?? t('reg.root_mismatch')),
      ),
      kv([
        [t('reg.log_size'), num(cp.log_size)],
        [t('reg.log_root'), hash(cp.log_root, 8)],
        [t('reg.height'), blockLink(cp.height)],
        [t('reg.time'), dateTime(cp.time_ms)],
        [t('reg.chain'), cp.chain_id],
        [t('reg.genesis'), hash(anchor.genesisBlockHash, 8)],
      ]),
    );
    const cosigned = h('div', { class: 'cosigned', 'data-state': 'pending', 'aria-live': 'polite' }, loading(t('reg.checking')));
    body.append(h('h3', t('reg.cosigned')), h('p', { class: 'fine' }, t('reg.cosigned_hint')), cosigned);
    replace(cosigned, ...(await cosignedNote(cp, note ?? null, anchor, cosigned, signal)));
  })().catch((e) => {
    if ((e as Error).name !== 'AbortError') replace(body, errorBox(e instanceof AnchorError ? new Error(t(`verify.anchor.${e.reason}`)) : e));
  });
  return el;
}

type NoteMatch = 'match' | 'behind' | 'mismatch';

// Does the note cover the checkpoint shown above? Equal size and root, or (while cosignatures are
// still arriving) an earlier size whose root an RFC 9162 consistency proof ties to the head's.
async function noteMatch(cp: Checkpoint, v: NoteVerification, signal: AbortSignal): Promise<NoteMatch> {
  if (v.size === null || v.rootHex === null) return 'mismatch';
  const head = BigInt(cp.header.log_size);
  if (v.size === head) return v.rootHex === cp.header.log_root && cp.log_root === cp.header.log_root ? 'match' : 'mismatch';
  if (v.size === 0n || v.size > head) return 'mismatch';
  const c = await get<Consistency>(`/v1/proofs/consistency?from=${v.size}&to=${head}`, signal);
  const ok = await verifyConsistency(v.size, head, fromHex(v.rootHex, 32), fromHex(cp.header.log_root, 32), c.proof.map((x) => fromHex(x, 32)));
  return ok ? 'behind' : 'mismatch';
}

async function cosignedNote(cp: Checkpoint, note: string | null, anchor: Anchor, el: HTMLElement, signal: AbortSignal): Promise<Child[]> {
  if (!note) {
    el.dataset.state = 'none';
    return [notice('info', t('reg.cosigned_none'))];
  }
  const v = await verifyCheckpointNote(note, anchor.set);
  const match = v.size !== null ? await noteMatch(cp, v, signal) : 'mismatch';
  const ok = v.ok && match !== 'mismatch';
  el.dataset.state = ok ? 'verified' : 'failed';
  const n = anchor.set.validators.length;
  const signers = v.signers.map(validatorName);
  const signedLine = signers.length ? t('reg.cosigned_by', { k: signers.length, n, names: joinNames(signers) }) : t('reg.cosigned_nobody');
  const powerLine = t(v.supermajority ? 'reg.supermajority' : 'reg.no_supermajority', { s: String(v.signedPower), t: String(v.totalPower) });
  const size = v.size !== null ? num(Number(v.size)) : '—';
  const matchLine =
    match === 'match'
      ? t('reg.note_matches', { size, root: shortHash(v.rootHex) })
      : match === 'behind'
        ? t('reg.note_behind', { size, head: num(cp.header.log_size) })
        : t('reg.note_mismatch');
  const ignored = v.lines.filter((l) => l.status !== 'verified').length;
  // 'quorum' is already said by the voting-power line below.
  const problem = v.problem && v.problem !== 'quorum'
    ? t(`reg.note_problem.${v.problem}` as MessageKey, { found: v.origin, expected: v.expectedOrigin })
    : null;
  const headline = ok
    ? notice('ok', h('strong', t('reg.cosigned_ok')), h('p', { class: 'cosigners' }, signedLine), h('p', powerLine), h('p', matchLine), ignored ? h('p', t('reg.ignored_lines', { n: ignored })) : null)
    : notice(
        'error',
        h('strong', t('reg.cosigned_bad')),
        problem ? h('p', problem) : null,
        v.size !== null ? [h('p', { class: 'cosigners' }, signedLine), h('p', powerLine), h('p', matchLine)] : null,
        ignored ? h('p', t('reg.ignored_lines', { n: ignored })) : null,
      );
  const lines = h(
    'ul',
    { class: 'note-lines' },
    v.lines.map((l) =>
      h(
        'li',
        { class: l.status === 'verified' ? 'check-ok' : 'check-bad', 'data-status': l.status },
        h('span', { class: 'check-mark', 'aria-hidden': 'true' }, l.status === 'verified' ? '✓' : '✗'),
        h(
          'span',
          { class: 'check-text' },
          l.validator ? h('strong', validatorName(l.validator), ' ') : null,
          h('code', { class: 'mono' }, l.name),
          h('small', t(`reg.line.${l.status}` as MessageKey), l.timestamp !== undefined ? [' · ', t('reg.line.at', { time: dateTime(l.timestamp * 1000) })] : null),
        ),
      ),
    ),
  );
  return [
    headline,
    kv([
      [t('reg.note_origin'), h('code', { class: 'mono' }, v.origin || '—')],
      [t('reg.note_size'), size],
      [t('reg.note_root'), hash(v.rootHex, 8)],
    ]),
    v.lines.length ? h('details', { class: 'note-details', open: !ok }, h('summary', t('reg.note_lines'), ` (${v.lines.length})`), lines) : null,
    h('details', h('summary', t('reg.note')), h('pre', { class: 'note' }, note)),
  ];
}

function consistencySection(anchorP: Promise<Anchor>, signal: AbortSignal): HTMLElement {
  const from = h('input', { id: 'c-from', type: 'number', min: '0', step: '1', inputmode: 'numeric', required: true });
  const to = h('input', { id: 'c-to', type: 'number', min: '0', step: '1', inputmode: 'numeric', required: true });
  const out = h('div', { class: 'consistency-result', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'consistency' },
    h('p', { class: 'fine' }, t('reg.consistency_hint')),
    h('div', { class: 'two' }, h('div', { class: 'field' }, h('label', { for: 'c-from' }, t('reg.from_height')), from), h('div', { class: 'field' }, h('label', { for: 'c-to' }, t('reg.to_height')), to)),
    h('button', { type: 'submit', class: 'btn' }, t('reg.check')),
  );
  get<Block>('/v1/blocks/latest?limit=1', signal).then(
    (b) => {
      to.value = String(b.height);
      from.value = String(Math.floor(b.height / 2));
      to.max = from.max = String(b.height);
    },
    () => {},
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const a = Number(from.value);
    const b = Number(to.value);
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || a < 0 || a > b) {
      replace(out, notice('error', t('reg.bad_range')));
      return;
    }
    replace(out, loading(t('reg.checking')));
    try {
      const anchor = await anchorP;
      const [ba, bb] = await Promise.all([get<Block>(`/v1/blocks/${a}?limit=1`, signal), get<Block>(`/v1/blocks/${b}?limit=1`, signal)]);
      const [sa, sb] = await Promise.all([checkSigned(anchor, ba.header, ba.block_hash, ba.commit), checkSigned(anchor, bb.header, bb.block_hash, bb.commit)]);
      const m = ba.header.log_size;
      const n = bb.header.log_size;
      const rows: [string, Node | string][] = [
        [t('reg.size_from', { h: a }), `${num(m)} · ${shortHash(ba.header.log_root)}`],
        [t('reg.size_to', { h: b }), `${num(n)} · ${shortHash(bb.header.log_root)}`],
      ];
      let ok = sa.ok && sb.ok;
      let detail = ok ? '' : t('reg.unsigned_block');
      let proofLen = 0;
      if (ok && m > 0) {
        const c = await get<Consistency>(`/v1/proofs/consistency?from=${enc(String(m))}&to=${enc(String(n))}`, signal);
        proofLen = c.proof.length;
        ok = await verifyConsistency(BigInt(m), BigInt(n), fromHex(ba.header.log_root, 32), fromHex(bb.header.log_root, 32), c.proof.map((x) => fromHex(x, 32)));
        if (!ok) detail = t('reg.proof_failed');
      }
      rows.push([t('reg.proof_len'), m === 0 ? t('reg.empty_prefix') : num(proofLen)]);
      replace(
        out,
        h(
          'div',
          { 'data-state': ok ? 'verified' : 'failed' },
          ok ? notice('ok', h('strong', t('reg.consistent', { m: num(m), n: num(n) }))) : notice('error', h('strong', t('reg.inconsistent')), ' ', detail),
          kv(rows),
        ),
      );
    } catch (e) {
      replace(out, errorBox(e instanceof AnchorError ? new Error(t(`verify.anchor.${e.reason}`)) : e));
    }
  });
  return section(t('reg.consistency'), form, out);
}

function meets(v: boolean | null | undefined): HTMLElement {
  if (v === null || v === undefined) return pill(t('reg.na'), 'neutral');
  return v ? pill(t('reg.meets'), 'ok') : pill(t('reg.misses'), 'bad');
}

const AR_KIND: Record<string, 'ok' | 'bad' | 'neutral' | 'warn'> = { on_time: 'ok', late: 'bad', missing: 'bad', not_yet_due: 'neutral', not_required: 'neutral' };
const sep = (): string => (lang() === 'zh' ? '，' : ', ');

// The annual report and project reports of `disclosures_on_schedule` (docs/api.md): a status pill
// each, with due and filing dates (or counts) beneath on a second, wrapping line.
function scheduleIndicators(s: DisclosureSchedule | boolean | null | undefined, year: number): HTMLElement[] | HTMLElement | null {
  if (s === undefined) return null;
  if (s === null || typeof s === 'boolean') return h('div', h('dt', t('reg.annual_report', { y: year - 1 })), h('dd', meets(s)));
  const ar = s.annual_report;
  const arKey = `reg.ar.${ar.status}` as MessageKey;
  const arLabel = arKey.slice(7) in AR_KIND ? t(arKey) : ar.status;
  const arDetail = [t('reg.ar.due', { date: date(ar.due_ms) }), ar.filed_at_ms ? t('reg.ar.filed', { date: date(ar.filed_at_ms) }) : null].filter(Boolean).join(' · ');
  const pr = s.project_reports;
  const prPills: HTMLElement[] = [];
  if (pr.due_count === 0) prPills.push(pill(t('reg.pr.none_due'), 'neutral'));
  else prPills.push(pill(t('reg.pr.summary', { due: num(pr.due_count), on_time: num(pr.on_time) }), pr.late || pr.missing_count ? 'warn' : 'ok'));
  if (pr.late) prPills.push(pill(t('reg.pr.late', { n: num(pr.late) }), 'bad'));
  if (pr.missing_count) prPills.push(pill(t('reg.pr.missing', { n: num(pr.missing_count) }), 'bad'));
  if (pr.not_yet_due) prPills.push(pill(t('reg.pr.not_yet_due', { n: num(pr.not_yet_due) }), 'neutral'));
  const listed = pr.late_projects.length || pr.missing.length ? t('reg.pr.projects', { late: pr.late_projects.join(sep()) || '—', missing: pr.missing.join(sep()) || '—' }) : null;
  return [
    h(
      'div',
      { class: 'ind-annual', 'data-status': ar.status },
      h('dt', t('reg.annual_report', { y: ar.covers_year })),
      h('dd', pill(arLabel, AR_KIND[ar.status] ?? 'neutral'), h('small', { class: 'ind-detail' }, arDetail)),
    ),
    h(
      'div',
      { class: 'ind-projects' },
      h('dt', t('reg.project_reports')),
      h('dd', h('span', { class: 'pills' }, prPills), listed ? h('small', { class: 'ind-detail' }, listed) : null, s.complete ? null : h('small', { class: 'ind-detail' }, t('reg.incomplete'))),
    ),
  ];
}

function restrictedIndicator(rf: RestrictedFunds | undefined): HTMLElement | null {
  if (!rf) return null;
  const detail = [t('reg.rf.detail', { p: num(rf.projects_checked), r: num(rf.ranges_checked) }), rf.enforced_by_state_machine ? t('reg.rf.enforced') : null, rf.complete ? null : t('reg.incomplete')]
    .filter(Boolean)
    .join(' · ');
  const shown = rf.violations.map((x) => `${x.project_id} → ${x.to_account} ${yuan(x.amount_fen)}`).join(sep());
  return h(
    'div',
    { class: 'ind-restricted', 'data-ok': String(rf.ok) },
    h('dt', t('reg.restricted')),
    h(
      'dd',
      rf.ok && rf.violation_count === 0 ? pill(t('reg.rf.ok'), 'ok') : pill(t('reg.rf.violations', { n: num(rf.violation_count || rf.violations.length) }), 'bad'),
      h('small', { class: 'ind-detail' }, detail),
      shown ? h('small', { class: 'ind-detail' }, shown) : null,
    ),
  );
}

function overBudgetIndicator(ob: OverBudgetProjects | undefined): HTMLElement | null {
  if (!ob) return null;
  const shown = ob.projects.map((x) => `${x.name_zh || x.project_id}: ${yuan(x.received_fen)} / ${yuan(x.budget_fen)} (+${yuan(x.over_fen)})`).join(sep());
  return h(
    'div',
    { class: 'ind-over-budget', 'data-count': String(ob.count) },
    h('dt', t('reg.over_budget')),
    h('dd', ob.count === 0 ? pill(t('reg.ob.none'), 'ok') : pill(t('reg.ob.count', { n: num(ob.count) }), 'warn'), shown ? h('small', { class: 'ind-detail' }, shown) : null),
  );
}

function complianceSection(signal: AbortSignal): HTMLElement {
  const body = h('div', loading());
  const yearSel = h('select', { id: 'c-year' });
  const head = h('div', { class: 'field' }, h('label', { for: 'c-year' }, t('reg.year')), yearSel);
  const render = async (year?: number) => {
    replace(body, loading());
    try {
      const rows: ComplianceRow[] = [];
      let cursor: string | null = null;
      let meta: Compliance | undefined;
      for (let i = 0; i < 20; i++) {
        const r: Compliance = await get(`/v1/compliance?limit=100${year ? `&year=${year}` : ''}${cursor ? `&cursor=${enc(cursor)}` : ''}`, signal);
        meta ??= r;
        rows.push(...r.orgs);
        cursor = r.next;
        if (!cursor) break;
      }
      if (!meta) return;
      if (yearSel.childElementCount === 0) {
        for (let y = meta.year; y >= meta.year - 5; y--) yearSel.append(h('option', { value: y, selected: y === meta.year }, String(y)));
      }
      const th = meta.thresholds;
      replace(
        body,
        h('p', { class: 'fine' }, t('reg.indicators_only'), ' ', t('reg.thresholds', { min: th.min_charitable_spending_pct, max: th.max_admin_pct, m: th.annual_report_due_month, d: th.annual_report_due_day })),
        rows.length === 0
          ? h('p', { class: 'empty' }, t('reg.no_orgs'))
          : h(
              'ul',
              { class: 'list compliance' },
              rows.map((r) =>
                h(
                  'li',
                  { class: 'compliance-row' },
                  h('a', { href: `/orgs/${r.org_id}`, class: 'list-title' }, name(r, r.org_id)),
                  h('p', { class: 'list-detail' }, t('reg.income'), ' ', yuan(r.income_fen), ' · ', t('reg.prev_income'), ' ', yuan(r.previous_year_income_fen)),
                  h(
                    'dl',
                    { class: 'indicators' },
                    h('div', h('dt', t('reg.charitable_pct')), h('dd', pct(r.charitable_spending_pct_of_previous_income), ' ', meets(r.meets_min_charitable_spending))),
                    h('div', h('dt', t('reg.admin_pct')), h('dd', pct(r.admin_pct_of_spending), ' ', meets(r.meets_max_admin))),
                    h('div', h('dt', t('reg.disclosures')), h('dd', num(r.disclosures))),
                    scheduleIndicators(r.disclosures_on_schedule, r.year),
                    restrictedIndicator(r.restricted_funds),
                    overBudgetIndicator(r.over_budget_projects),
                  ),
                ),
              ),
            ),
      );
    } catch (e) {
      if ((e as Error).name !== 'AbortError') replace(body, errorBox(e));
    }
  };
  yearSel.addEventListener('change', () => void render(Number(yearSel.value)));
  void render();
  return section(t('reg.compliance'), head, body);
}

export default function regulatorPage(ctx: PageContext): void {
  ctx.setTitle(t('reg.title'));
  const anchor = loadAnchor();
  anchor.catch(() => {});
  ctx.root.append(pageHeader(t('reg.title'), t('reg.subtitle')), checkpointSection(anchor, ctx.signal), consistencySection(anchor, ctx.signal), complianceSection(ctx.signal));
}
