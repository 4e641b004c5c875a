// The verification badge: what the browser checked, and who signed.
import { h } from '../dom';
import { lang, t } from '../i18n';
import type { MessageKey } from '../messages';
import type { Validator } from '@shanliu/sdk/verify/chain';
import type { ReceiptVerification, Step } from '@shanliu/sdk/verify/receipt';
import { shortHash, yuan } from '../format';
import type { Mismatch } from '@shanliu/sdk/verify/consistency';
import { FLOW_CHECKS, type FlowResult } from '@shanliu/sdk/verify/flow';

export function validatorName(v: Validator): string {
  const n = lang() === 'zh' ? v.nameZh || v.nameEn : v.nameEn || v.nameZh;
  return n || v.orgId || t('verify.validator_n', { n: v.index });
}

// "Signed by k of n validators" with the names as a list: organisation names may themselves
// contain commas or 、, so joining them into one string would blur where one ends.
export function signersBlock(k: number, n: number, names: string[]): HTMLElement {
  return h('div', { class: 'badge-signers' }, h('span', t('verify.signed_by_head', { k, n })), names.length ? h('ul', { class: 'signer-list' }, names.map((x) => h('li', x))) : null);
}

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
  // After a validator-set change the set is not the genesis one: say how it was reached.
  if (s.id === 'validators' && Number(s.facts.changes ?? 0) > 0) return t('verify.step.validators_changed', f);
  return t(`verify.step.${s.id}` as MessageKey, f);
}

// The evidence behind a step (hashes, amounts), beneath its sentence.
function stepDetail(s: Step): string {
  const f = s.facts;
  const parts: string[] = [];
  if (f.tx_id) parts.push(String(f.tx_id));
  if (f.amount_fen !== undefined && f.account !== undefined) parts.push(`${yuan(BigInt(f.amount_fen))} → ${f.account}`);
  if (f.quantity !== undefined && f.account !== undefined) parts.push(`${f.quantity} → ${f.account}`); // goods: units, never fen
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
  const signedLine = signersBlock(v.signers.length, v.validatorCount, signers);
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
        ? signedLine
        : h('p', t('verify.failed_steps', { steps: failed.map(stepText).join(lang() === 'zh' ? '；' : '; ') }), ' ', t('verify.failed_advice')),
      v.ok ? h('p', { class: 'fine' }, t('verify.block', { height: v.height, hash: shortHash(v.blockHash) })) : null,
      details,
    ),
  );
}

// ---------------------------------------------------------------- the receipt's whole proof

// What the receipt page proved: the gift (receipt proof), where it went (flow proof), and
// whether the node's own JSON agrees with both.
export interface ReceiptOutcome {
  receipt: ReceiptVerification;
  flow: FlowResult | null; // null: the node sent no flow proof
  mismatch: Mismatch | null;
}

export type OutcomeState = 'verified' | 'partial' | 'failed';

export function outcomeState(o: ReceiptOutcome): OutcomeState {
  if (!o.receipt.ok || o.mismatch || (o.flow && !o.flow.ok)) return 'failed';
  return o.flow ? 'verified' : 'partial';
}

// The first thing that failed, by name: a receipt step, a flow check, or a page value.
function failure(o: ReceiptOutcome): { check: string; text: string } | null {
  const step = o.receipt.steps.find((s) => !s.ok);
  if (step) return { check: step.id, text: stepText(step) };
  if (o.flow && !o.flow.ok) return { check: o.flow.check, text: `${o.flow.check}: ${o.flow.message}` };
  if (o.mismatch) return { check: o.mismatch.check, text: `${o.mismatch.check}: ${o.mismatch.message}` };
  return null;
}

function flowChecks(o: ReceiptOutcome): HTMLElement {
  const passed = new Set<string>(o.flow?.passed ?? []);
  const failedAt = o.flow && !o.flow.ok ? FLOW_CHECKS[o.flow.passed.length] : null;
  const items: HTMLElement[] = FLOW_CHECKS.map((c) => {
    const state = passed.has(c) ? 'ok' : c === failedAt ? 'bad' : 'skip';
    return checkItem(c, state, t(`verify.flow.${c}` as MessageKey), state === 'bad' && o.flow && !o.flow.ok ? `${o.flow.check}: ${o.flow.message}` : '');
  });
  const consistency = !o.flow?.ok ? 'skip' : o.mismatch ? 'bad' : 'ok';
  items.push(checkItem('consistency', consistency, t('verify.flow.consistency'), o.mismatch ? `${o.mismatch.check}: ${o.mismatch.message}` : ''));
  return h('ol', { class: 'checks flow-checks' }, items);
}

function checkItem(id: string, state: 'ok' | 'bad' | 'skip', text: string, detail: string): HTMLElement {
  const mark = state === 'ok' ? '✓' : state === 'bad' ? '✗' : '–';
  return h(
    'li',
    { class: `check-${state}`, 'data-step': id },
    h('span', { class: 'check-mark', 'aria-hidden': 'true' }, mark),
    h('span', { class: 'visually-hidden' }, state === 'ok' ? t('verify.passed') : state === 'bad' ? t('verify.not_passed') : t('verify.not_run')),
    h('span', { class: 'check-text' }, text, detail ? h('small', detail) : null),
  );
}

// Donor language: who confirmed the money arrived, how many hops were checked, who signed.
function provedLines(o: ReceiptOutcome): HTMLElement[] {
  const lines: HTMLElement[] = [];
  const f = o.flow?.ok ? o.flow.value : null;
  if (f) {
    const bank = f.bank ? (lang() === 'zh' ? f.bank.nameZh || f.bank.nameEn : f.bank.nameEn || f.bank.nameZh) || f.bank.orgId : '';
    lines.push(h('p', { class: 'badge-bank' }, f.bank ? t('verify.bank_signed', { bank }) : t('verify.self_reported')));
    lines.push(h('p', { class: 'badge-hops' }, f.truncated ? t('verify.hops_some', { n: f.nodeCount }) : t('verify.hops_all', { n: f.nodeCount })));
  }
  const signers = o.receipt.signers.map(validatorName);
  lines.push(signersBlock(o.receipt.signers.length, o.receipt.validatorCount, signers));
  if (!f) lines.push(h('p', { class: 'badge-partial' }, t('verify.partial_detail')));
  return lines;
}

// Blocks and hashes: for whoever checks by hand, inside the folded details rather than on top.
function blockLines(o: ReceiptOutcome): HTMLElement[] {
  const f = o.flow?.ok ? o.flow.value : null;
  const lines: HTMLElement[] = [];
  if (f) lines.push(h('p', { class: 'fine' }, t('verify.flow_signed', { height: f.height, k: f.signers.length, n: f.validatorCount, hash: shortHash(f.blockHash) })));
  lines.push(h('p', { class: 'fine' }, t('verify.block', { height: o.receipt.height, hash: shortHash(o.receipt.blockHash) })));
  return lines;
}

export function receiptBadge(o: ReceiptOutcome): HTMLElement {
  const state = outcomeState(o);
  const failed = failure(o);
  const badge = verificationBadge(o.receipt);
  const body = badge.querySelector('.badge-body')!;
  const details = badge.querySelector('.badge-details')!;
  badge.className = `badge badge-${state}`;
  badge.dataset.state = state;
  badge.setAttribute('role', state === 'failed' ? 'alert' : 'status');
  if (failed) badge.dataset.check = failed.check;
  badge.querySelector('.badge-icon')!.textContent = state === 'verified' ? '✓' : state === 'partial' ? '!' : '✗';
  const title = state === 'verified' ? t('verify.ok') : state === 'partial' ? t('verify.partial') : t('verify.failed');
  const head = failed
    ? [h('p', { class: 'badge-failure' }, t('verify.failed_steps', { steps: failed.text }), ' ', t('verify.failed_advice'))]
    : provedLines(o);
  if (!failed) details.prepend(details.firstElementChild!, ...blockLines(o));
  details.append(h('p', { class: 'checks-title' }, t('verify.flow_title')), flowChecks(o));
  if (o.flow?.ok) details.append(h('p', { class: 'fine' }, t('verify.proof_size', { bytes: o.flow.value.proofBytes, nodes: o.flow.value.nodeCount })));
  (details as HTMLDetailsElement).open = state === 'failed';
  body.replaceChildren(h('strong', { class: 'badge-title' }, title), ...head, details);
  return badge;
}
