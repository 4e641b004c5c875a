// The wallet's honour-list name (issue 17 part 4): shows the name this wallet chose (or that it is
// not on the list), and sets or clears it by signing an HonourName with the wallet key alone.
import { ApiError, get, type Stats } from '../api';
import { h, replace } from '../dom';
import { t } from '../i18n';
import type { MessageKey } from '../messages';
import { refresh } from '../router';
import { submit, waitCommitted } from './signrequest';
import { concat, fromHex } from '@shanliu/sdk/verify/bytes';
import { ed25519Sign } from '@shanliu/sdk/verify/crypto';
import { encodeHonourNameBody, honourNameProblem, MAX_HONOUR_NAME_BYTES } from '@shanliu/sdk/verify/honour';
import { encodeEnvelope, TX_SIGN_DOMAIN } from '@shanliu/sdk/verify/redeem';
import { errorBox, loading, notice } from './common';

// Valid for 100 blocks and ten minutes: long enough to commit, short enough not to linger.
const EXPIRES_IN_BLOCKS = 100n;
const EXPIRES_IN_MS = 600_000;

function randomU64(): bigint {
  const b = crypto.getRandomValues(new Uint8Array(8));
  return b.reduce((v, x) => (v << 8n) | BigInt(x), 0n);
}

async function signAndSubmit(wallet: { secret: string; public: string }, name: string, signal: AbortSignal): Promise<void> {
  const stats = await get<Stats>('/v1/stats', signal);
  const now = Date.now();
  const body = encodeHonourNameBody({
    chainId: stats.chain_id,
    expiresAtHeight: BigInt(stats.head.height) + EXPIRES_IN_BLOCKS,
    nonce: randomU64(),
    createdAtMs: BigInt(now),
    expiresAtMs: BigInt(now + EXPIRES_IN_MS),
    holder: fromHex(wallet.public, 32),
    displayName: name,
  });
  const sig = await ed25519Sign(fromHex(wallet.secret, 32), concat(TX_SIGN_DOMAIN, body));
  const first = await submit(encodeEnvelope(body, [{ publicKey: fromHex(wallet.public, 32), sig }]), signal);
  if (first.status === 'rejected') throw new ApiError(422, first.error?.code ?? 'rejected', first.error?.message ?? '');
  const st = await waitCommitted(first, signal);
  if (st.status !== 'committed') throw new ApiError(0, st.status === 'rejected' ? st.error?.code ?? 'rejected' : 'timeout', st.error?.message ?? t('approve.not_committed'));
}

export function honourForm(wallet: { secret: string; public: string }, current: string | null, signal: AbortSignal): HTMLElement {
  const status = h('div', { 'aria-live': 'polite' });
  const input = h('input', { id: 'honour-name', type: 'text', autocomplete: 'off', maxlength: String(MAX_HONOUR_NAME_BYTES), value: current ?? '', 'aria-describedby': 'honour-hint' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, t('honour.save'));
  const clear = h('button', { type: 'button', class: 'btn btn-ghost', disabled: current === null ? '' : null }, t('honour.clear'));
  const run = async (name: string) => {
    save.disabled = clear.disabled = true;
    replace(status, loading(t('approve.submitting')));
    try {
      await signAndSubmit(wallet, name, signal);
      void refresh();
    } catch (e) {
      if ((e as Error).name === 'AbortError') return;
      replace(status, errorBox(e));
      save.disabled = false;
      clear.disabled = current === null;
    }
  };
  const form = h(
    'form',
    { class: 'field' },
    h('p', { 'data-field': 'honour-current' }, current === null ? t('honour.not_listed') : t('honour.listed_as', { name: current })),
    h('label', { for: 'honour-name' }, t('honour.name_label')),
    h('div', { class: 'search-row' }, input, save),
    h('p', { id: 'honour-hint', class: 'fine' }, t('honour.name_hint')),
    h('p', { class: 'row-actions' }, clear, ' ', h('a', { href: '/honour', 'data-link': 'honour' }, t('honour.link'))),
    status,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const name = input.value.trim();
    const problem = name ? honourNameProblem(name) : 'empty';
    if (problem) {
      replace(status, notice('error', t(`honour.err.${problem}` as MessageKey)));
      return;
    }
    void run(name);
  });
  clear.addEventListener('click', () => void run(''));
  return form;
}
