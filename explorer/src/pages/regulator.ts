// Regulator (/regulator): the latest checkpoint verified against the genesis validators, an
// RFC 9162 consistency check between the logs of two signed blocks, and compliance indicators.
import { enc, get, type Block, type Checkpoint, type Compliance, type ComplianceRow, type Consistency } from '../api';
import { h, replace } from '../dom';
import { dateTime, name, num, pct, shortHash, yuan } from '../format';
import { t } from '../i18n';
import type { PageContext } from '../router';
import { joinNames, validatorName } from '../ui/badge';
import { blockLink, errorBox, hash, kv, loading, notice, pageHeader, pill, section } from '../ui/common';
import { equal, fromHex, toHex } from '../verify/bytes';
import { blockHash, verifyCommit, type CommitJson, type HeaderJson } from '../verify/chain';
import { AnchorError, loadAnchor, type Anchor } from '../verify/genesis';
import { verifyConsistency } from '../verify/merkle';

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
      note ? h('details', h('summary', t('reg.note')), h('pre', { class: 'note' }, note)) : null,
    );
  })().catch((e) => {
    if ((e as Error).name !== 'AbortError') replace(body, errorBox(e instanceof AnchorError ? new Error(t(`verify.anchor.${e.reason}`)) : e));
  });
  return el;
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
                    h('div', h('dt', t('reg.disclosures')), h('dd', num(r.disclosures), r.disclosures_on_schedule !== undefined ? [' ', meets(r.disclosures_on_schedule)] : null)),
                    r.restricted_funds_ok !== undefined ? h('div', h('dt', t('reg.restricted')), h('dd', meets(r.restricted_funds_ok))) : null,
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
