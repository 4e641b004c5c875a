// The charity points wallet (/points): a holder key generated and kept in this browser, its
// balance and history, and a QR code of the public key for the merchant or charity to scan.
import { enc, get, type Points, type TxSummary } from '../api';
import { h, replace } from '../dom';
import { date, num } from '../format';
import { t } from '../i18n';
import { refresh, type PageContext } from '../router';
import { copyButton, errorBox, loading, notice, pageHeader, pager, section } from '../ui/common';
import { qrSvg } from '../ui/qr';
import { honourForm } from '../ui/honourname';
import { historySide, walletFigures } from '../ui/timebank';
import { txItem } from '../ui/txdesc';
import { fromHex, toHex } from '@shanliu/sdk/verify/bytes';
import { generateHolderKey, publicKeyOf } from '@shanliu/sdk/verify/crypto';

const STORAGE_KEY = 'shanliu.wallet.v1';

export interface Wallet {
  secret: string; // 32-byte Ed25519 seed, hex
  public: string; // hex
  created_ms: number;
}

export function loadWallet(): Wallet | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const w = JSON.parse(raw) as Wallet;
    return /^[0-9a-f]{64}$/.test(w.secret) && /^[0-9a-f]{64}$/.test(w.public) ? w : null;
  } catch {
    return null;
  }
}

function saveWallet(w: Wallet): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(w));
}

function setupView(): HTMLElement {
  const status = h('div', { 'aria-live': 'polite' });
  const create = h('button', { type: 'button', class: 'btn btn-primary btn-block' }, t('wallet.create'));
  create.addEventListener('click', async () => {
    create.disabled = true;
    try {
      const k = await generateHolderKey();
      saveWallet({ secret: toHex(k.secret), public: toHex(k.publicKey), created_ms: Date.now() });
      void refresh();
    } catch (e) {
      replace(status, errorBox(e));
      create.disabled = false;
    }
  });
  const input = h('input', { id: 'import-key', type: 'password', autocomplete: 'off', spellcheck: 'false', inputmode: 'text', 'aria-describedby': 'import-hint' });
  const form = h(
    'form',
    { class: 'field' },
    h('label', { for: 'import-key' }, t('wallet.import_label')),
    h('div', { class: 'search-row' }, input, h('button', { type: 'submit', class: 'btn btn-ghost' }, t('wallet.import'))),
    h('p', { id: 'import-hint', class: 'fine' }, t('wallet.import_hint')),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    // The 64 hex digits of the seed, alone or as the last line of a `shanliu keygen` key file.
    const m = /(?:^|[^0-9a-f])([0-9a-f]{64})$/.exec(input.value.trim().toLowerCase());
    if (!m) {
      replace(status, notice('error', t('wallet.import_invalid')));
      return;
    }
    const v = m[1];
    const pub = await publicKeyOf(fromHex(v, 32));
    saveWallet({ secret: v, public: toHex(pub), created_ms: Date.now() });
    void refresh();
  });
  return h('div', section(t('wallet.none_title'), h('p', t('wallet.none_text')), create, h('p', { class: 'fine' }, t('wallet.privacy'))), section(t('wallet.import_title'), form), status);
}

export default async function walletPage(ctx: PageContext): Promise<void> {
  ctx.setTitle(t('wallet.title'));
  const wallet = loadWallet();
  if (!wallet) {
    ctx.root.append(pageHeader(t('wallet.title'), t('wallet.subtitle')), setupView());
    return;
  }
  const figures = h('div', { class: 'figures figures-3' }, loading());
  const history = h('div');
  const honour = h('div');
  const secretBox = h('div', { hidden: true });
  const reveal = h('button', { type: 'button', class: 'btn btn-ghost btn-small', 'aria-expanded': 'false' }, t('wallet.backup'));
  reveal.addEventListener('click', () => {
    secretBox.hidden = !secretBox.hidden;
    reveal.setAttribute('aria-expanded', String(!secretBox.hidden));
  });
  secretBox.append(notice('warn', t('wallet.backup_warning')), h('p', h('code', { class: 'mono wrap' }, wallet.secret), ' ', copyButton(wallet.secret, t('wallet.copy_secret'))));
  const remove = h('button', { type: 'button', class: 'btn btn-danger btn-small' }, t('wallet.remove'));
  remove.addEventListener('click', () => {
    if (window.confirm(t('wallet.remove_confirm'))) {
      localStorage.removeItem(STORAGE_KEY);
      void refresh();
    }
  });

  ctx.root.append(
    pageHeader(t('wallet.title'), t('wallet.subtitle')),
    section(t('wallet.balance'), figures),
    section(
      t('wallet.my_key'),
      h(
        'div',
        { class: 'share' },
        qrSvg(wallet.public, t('wallet.qr_label'), 200),
        h('div', h('p', t('wallet.qr_hint')), h('p', h('code', { class: 'mono wrap' }, wallet.public)), copyButton(wallet.public, t('wallet.copy_key'))),
      ),
    ),
    section(t('wallet.history'), history),
    section(t('honour.wallet_title'), honour),
    section(t('wallet.manage'), h('p', { class: 'fine' }, t('wallet.privacy')), h('p', { class: 'row-actions' }, reveal, ' ', remove), secretBox),
  );

  let first: Points;
  try {
    first = await get<Points>(`/v1/points/${wallet.public}?limit=20`, ctx.signal);
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    replace(figures, errorBox(e));
    return;
  }
  replace(figures, ...walletFigures(first));
  replace(honour, honourForm(wallet, first.honour_name ?? null, ctx.signal));
  // When the chain's points expire: the soonest lots, so the resident can spend them in time.
  const expiring = (first.expiring ?? []).slice(0, 3);
  if (expiring.length) {
    figures.after(h('ul', { class: 'fine', 'data-field': 'expiring' }, expiring.map((lot) => h('li', t('wallet.expiring', { points: num(lot.points), date: date(lot.expires_at_ms) })))));
  }
  pager<TxSummary>(
    history,
    async (next) => (next === null ? first.history : (await get<Points>(`/v1/points/${enc(wallet.public)}?limit=20&before=${next}`, ctx.signal)).history),
    (tx) => txItem(tx, historySide(tx)),
    'wallet.no_history',
  );
}
