// The verification badge: what the browser checked, and who signed.
import { h } from '../dom';
import { lang, t } from '../i18n';
import type { MessageKey } from '../messages';
import type { Validator } from '../verify/chain';
import type { ReceiptVerification, Step } from '../verify/receipt';
import { shortHash, yuan } from '../format';

export function validatorName(v: Validator): string {
  const n = lang() === 'zh' ? v.nameZh || v.nameEn : v.nameEn || v.nameZh;
  return n || v.orgId || t('verify.validator_n', { n: v.index });
}

export const joinNames = (names: string[]): string => names.join(lang() === 'zh' ? '、' : ', ');

export function pendingBadge(): HTMLElement {
  return h(
    'div',
    { class: 'badge badge-pending', 'data-state': 'pending', role: 'status', 'aria-live': 'polite' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }),
    h('div', h('strong', t('verify.pending')), h('p', t('verify.pending_detail'))),
  );
}

export function unavailableBadge(reason: string): HTMLElement {
  return h(
    'div',
    { class: 'badge badge-failed', 'data-state': 'failed', role: 'alert' },
    h('span', { class: 'badge-icon', 'aria-hidden': 'true' }, '!'),
    h('div', h('strong', t('verify.unavailable')), h('p', reason)),
  );
}

function stepText(s: Step): string {
  const f = Object.fromEntries(Object.entries(s.facts).map(([k, v]) => [k, String(v)]));
  return t(`verify.step.${s.id}` as MessageKey, f);
}

// The evidence behind a step (hashes, amounts), beneath its sentence.
function stepDetail(s: Step): string {
  const f = s.facts;
  const parts: string[] = [];
  if (f.tx_id) parts.push(String(f.tx_id));
  if (f.amount_fen !== undefined && f.account !== undefined) parts.push(`${yuan(BigInt(f.amount_fen))} → ${f.account}`);
  if (f.path !== undefined) parts.push(t('verify.path_n', { n: f.path }));
  if (f.block_hash) parts.push(String(f.block_hash));
  if (f.hash) parts.push(String(f.hash));
  if (f.problem) parts.push(t(`verify.problem.${f.problem}` as MessageKey));
  if (f.error) parts.push(String(f.error));
  return parts.join(' · ');
}

export function verificationBadge(v: ReceiptVerification): HTMLElement {
  const signers = v.signers.map(validatorName);
  const headline = v.ok
    ? t('verify.ok')
    : t('verify.failed');
  const signedLine = t('verify.signed_by', { k: v.signers.length, n: v.validatorCount, names: joinNames(signers) });
  const failed = v.steps.filter((s) => !s.ok);
  const list = h(
    'ol',
    { class: 'checks' },
    v.steps.map((s) =>
      h(
        'li',
        { class: s.ok ? 'check-ok' : 'check-bad', 'data-step': s.id },
        h('span', { class: 'check-mark', 'aria-hidden': 'true' }, s.ok ? '✓' : '✗'),
        h('span', { class: 'visually-hidden' }, s.ok ? t('verify.passed') : t('verify.not_passed')),
        h('span', { class: 'check-text' }, stepText(s), h('small', stepDetail(s))),
      ),
    ),
  );
  const details = h(
    'details',
    { class: 'badge-details', open: !v.ok },
    h('summary', t('verify.what_checked')),
    list,
    h(
      'p',
      { class: 'fine' },
      t('verify.engines', { sha: v.engines.sha256, ed: v.engines.ed25519 }),
      ' ',
      t(v.anchorSource === 'genesis' ? 'verify.anchor_genesis' : 'verify.anchor_node', { hash: shortHash(v.genesisBlockHash) }),
    ),
  );
  return h(
    'div',
    {
      class: `badge ${v.ok ? 'badge-verified' : 'badge-failed'}`,
      'data-state': v.ok ? 'verified' : 'failed',
      role: v.ok ? 'status' : 'alert',
    },
    h('span', { class: 'badge-icon', 'aria-hidden': 'true' }, v.ok ? '✓' : '✗'),
    h(
      'div',
      { class: 'badge-body' },
      h('strong', { class: 'badge-title' }, headline),
      v.ok
        ? h('p', { class: 'badge-signers' }, signedLine)
        : h('p', t('verify.failed_steps', { steps: failed.map(stepText).join(lang() === 'zh' ? '；' : '; ') }), ' ', t('verify.failed_advice')),
      v.ok ? h('p', { class: 'fine' }, t('verify.block', { height: v.height, hash: shortHash(v.blockHash) })) : null,
      details,
    ),
  );
}
