// The wallet's approval of a redemption (/points/approve#r=<request>): a merchant's counter shows
// a QR code of a redemption request (`shanliu redeem request`); the resident's phone opens it
// here, sees what is being redeemed, and approves or declines. Approval signs the request's own
// body with the wallet key. If the merchant signed first, the wallet submits the finished tx and
// shows the committed result; otherwise it shows its signed request as a QR code for the
// merchant's `shanliu redeem complete`. Nothing is signed on decline or on any error.
// The request sits in the fragment, which browsers never send to a server.
import { ApiError, enc, get, type CatalogueItem, type CataloguePage, type OrgDetail, type Points, type Stats, type TxStatus } from '../api';
import { h, replace } from '../dom';
import { dateTime, name, num, shortHash } from '../format';
import { t } from '../i18n';
import type { MessageKey } from '../messages';
import type { PageContext } from '../router';
import { copyButton, errorBox, kv, loading, notice, pageHeader, section } from '../ui/common';
import { qrSvg } from '../ui/qr';
import { equal, fromHex, toHex } from '@shanliu/sdk/verify/bytes';
import { ed25519Sign, ed25519Verify } from '@shanliu/sdk/verify/crypto';
import { cosigned, decodeRedeemRequest, payloadFromText, RequestError, signedByHolder, signingMessage, toBase64Url, type RedeemRequest } from '@shanliu/sdk/verify/redeem';
import { loadWallet, type Wallet } from './wallet';

const COMMIT_WAIT_MS = 60_000;
const POLL_MS = 500;

// A refusal before anything is signed: what is wrong, in the reader's language.
class Refusal extends Error {
  constructor(
    public readonly key: MessageKey,
    public readonly params: Record<string, string | number> = {},
  ) {
    super(key);
  }
}

function refusalBox(e: unknown): HTMLElement {
  if (e instanceof Refusal) return notice('error', h('strong', t(e.key, e.params)), h('p', t('approve.nothing_signed')));
  if (e instanceof RequestError) {
    return notice('error', h('strong', t(`approve.err.${e.code}` as MessageKey)), h('p', { class: 'fine' }, e.message), h('p', t('approve.nothing_signed')));
  }
  return errorBox(e, h('p', t('approve.nothing_signed')));
}

interface Checked {
  request: RedeemRequest;
  merchantName: string;
  balance: number;
  catalogue: CatalogueItem | null; // the catalogue item the request references, as listed now
}

const MAX_CATALOGUE_PAGES = 100; // a runaway cursor must not loop forever

// The merchant's catalogue item `id`: from the org page's first items, then page by page.
async function findCatalogueItem(merchant: string, first: CataloguePage | null, id: string, signal: AbortSignal): Promise<CatalogueItem | null> {
  let page = first;
  for (let i = 0; page && i < MAX_CATALOGUE_PAGES; i++) {
    const found = page.items.find((it) => it.item_id === id);
    if (found) return found;
    if (page.next === null) return null;
    page = await get<CataloguePage>(`/v1/merchants/${enc(merchant)}/catalogue?limit=100&cursor=${enc(page.next)}`, signal);
  }
  return null;
}

// A request naming a catalogue item must pay exactly its listed price while it is listed; the
// ledger refuses anything else, so the resident is not asked to sign it.
async function checkCatalogue(request: RedeemRequest, org: OrgDetail, signal: AbortSignal): Promise<CatalogueItem | null> {
  const id = request.body.catalogueItem;
  if (!id) return null;
  const item = await findCatalogueItem(request.body.merchantOrg, org.catalogue, id, signal);
  if (!item) throw new Refusal('approve.err.unknown_item', { item: id });
  if (!item.active) throw new Refusal('approve.err.item_withdrawn', { item: name(item, id) });
  if (BigInt(item.points) !== request.body.points) {
    throw new Refusal('approve.err.price_mismatch', { item: name(item, id), price: num(item.points), points: num(Number(request.body.points)) });
  }
  return item;
}

// Everything the ledger must confirm before the resident is even asked: the merchant exists, is
// active and a points merchant, a merchant signature is by one of its keys, and the balance covers it.
async function check(payload: string, wallet: Wallet, signal: AbortSignal): Promise<Checked> {
  const stats = await get<Stats>('/v1/stats', signal);
  const request = await decodeRedeemRequest(payload, stats.chain_id, Date.now(), ed25519Verify);
  if (toHex(request.body.holder) !== wallet.public) throw new Refusal('approve.err.wrong_holder', { holder: shortHash(toHex(request.body.holder), 12) });
  let org: OrgDetail;
  try {
    org = await get<OrgDetail>(`/v1/orgs/${enc(request.body.merchantOrg)}`, signal);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) throw new Refusal('approve.err.unknown_merchant', { org: request.body.merchantOrg });
    throw e;
  }
  if (org.org.kind !== 'merchant' || org.org.status !== 'active') throw new Refusal('approve.err.not_merchant', { org: request.body.merchantOrg });
  if (request.signer && !signedByHolder(request) && !org.org.public_keys.some((k) => equal(fromHex(k), request.signer!))) {
    throw new Refusal('approve.err.wrong_signer');
  }
  const catalogue = await checkCatalogue(request, org, signal);
  const points = await get<Points>(`/v1/points/${wallet.public}?limit=1`, signal);
  if (BigInt(points.balance) < request.body.points) {
    throw new Refusal('approve.err.over_balance', { balance: num(points.balance), points: num(Number(request.body.points)) });
  }
  return { request, merchantName: name(org.org, request.body.merchantOrg), balance: points.balance, catalogue };
}

export async function submit(envelope: Uint8Array, signal: AbortSignal): Promise<TxStatus> {
  const response = await fetch('/v1/txs', { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf', Accept: 'application/json' }, body: envelope as BodyInit, signal });
  const answer = (await response.json().catch(() => null)) as { results?: TxStatus[]; error?: { code: string; message: string } } | null;
  if (!response.ok || !answer?.results?.[0]) {
    throw new ApiError(response.status, answer?.error?.code ?? `http_${response.status}`, answer?.error?.message ?? response.statusText);
  }
  return answer.results[0];
}

export async function waitCommitted(first: TxStatus, signal: AbortSignal): Promise<TxStatus> {
  let st = first;
  const deadline = Date.now() + COMMIT_WAIT_MS;
  while (st.status === 'pending' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    st = await get<TxStatus>(`/v1/txs/${st.id}`, signal);
  }
  return st;
}

function summary(c: Checked): HTMLElement {
  const b = c.request.body;
  const after = c.balance - Number(b.points);
  const order = c.request.signer ? (signedByHolder(c.request) ? 'approve.order_done' : 'approve.order_merchant') : 'approve.order_holder';
  return kv([
    [t('approve.merchant'), h('span', { 'data-field': 'merchant' }, c.merchantName)],
    [t('approve.item'), h('span', { 'data-field': 'item' }, b.item)],
    // Only for a catalogue redemption (kv leaves out a null row).
    [t('approve.catalogue'), c.catalogue ? h('span', { 'data-field': 'catalogue-item' }, t('approve.catalogue_item', { name: name(c.catalogue, c.catalogue.item_id), points: num(c.catalogue.points) })) : null],
    [t('approve.points'), h('strong', { 'data-field': 'points' }, num(Number(b.points)))],
    [t('approve.balance'), h('span', { 'data-field': 'balance' }, t('approve.before_after', { before: num(c.balance), after: num(after) }))],
    [t('approve.expires'), h('span', { 'data-field': 'expires' }, dateTime(Number(b.expiresAtMs)))],
    [t('approve.order'), t(order)],
  ]);
}

// The resident approved: sign, then either submit (merchant signed first) or hand back a QR code.
async function approve(c: Checked, wallet: Wallet, out: HTMLElement, signal: AbortSignal): Promise<void> {
  // Re-checked at the moment of signing: a screen left open past the expiry signs nothing.
  if (BigInt(Date.now()) > c.request.body.expiresAtMs) throw new RequestError('expired', 'the request expired while it was open');
  const sig = await ed25519Sign(fromHex(wallet.secret, 32), signingMessage(c.request));
  const envelope = cosigned(c.request, fromHex(wallet.public, 32), sig);
  if (!c.request.signer) {
    const link = `${location.origin}/points/approve#r=${toBase64Url(envelope)}`;
    replace(
      out,
      notice('ok', h('strong', t('approve.signed_show'))),
      h('div', { class: 'share' }, qrSvg(link, t('approve.qr_label'), 260), h('div', h('p', t('approve.signed_hint')), h('p', h('code', { class: 'mono wrap', 'data-field': 'signed-request' }, link)), copyButton(link, t('approve.copy_request')))),
    );
    return;
  }
  replace(out, loading(t('approve.submitting')));
  const first = await submit(envelope, signal);
  if (first.status === 'rejected') throw new ApiError(422, first.error?.code ?? 'rejected', first.error?.message ?? '');
  const st = await waitCommitted(first, signal);
  if (st.status !== 'committed') throw new ApiError(0, st.status === 'rejected' ? st.error?.code ?? 'rejected' : 'timeout', st.error?.message ?? t('approve.not_committed'));
  const points = await get<Points>(`/v1/points/${wallet.public}?limit=1`, signal);
  replace(
    out,
    notice('ok', h('strong', { 'data-field': 'committed' }, t('approve.committed', { height: num(st.height ?? 0) }))),
    kv([
      [t('approve.new_balance'), h('strong', { 'data-field': 'new-balance' }, num(points.balance))],
      [t('approve.tx'), h('a', { href: `/tx/${st.id}` }, shortHash(st.id, 12))],
    ]),
    h('p', h('a', { href: '/points', class: 'btn' }, t('approve.back'))),
  );
}

function pasteForm(): HTMLElement {
  const input = h('textarea', { id: 'request-input', rows: 3, spellcheck: 'false', autocomplete: 'off' });
  const form = h('form', { class: 'field' }, h('label', { for: 'request-input' }, t('approve.paste_label')), input, h('button', { type: 'submit', class: 'btn btn-primary' }, t('approve.open')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    try {
      location.hash = `r=${payloadFromText(input.value)}`;
    } catch (e) {
      form.append(refusalBox(e));
    }
  });
  return form;
}

export default async function approvePage(ctx: PageContext): Promise<void> {
  ctx.setTitle(t('approve.title'));
  ctx.root.append(pageHeader(t('approve.title'), t('approve.subtitle')));
  const onHash = () => location.reload();
  window.addEventListener('hashchange', onHash);
  ctx.onCleanup(() => window.removeEventListener('hashchange', onHash));
  const wallet = loadWallet();
  if (!wallet) {
    ctx.root.append(notice('warn', t('approve.no_wallet')), h('p', h('a', { href: '/points', class: 'btn btn-primary' }, t('approve.create_wallet'))));
    return;
  }
  const payload = new URLSearchParams(location.hash.replace(/^#/, '')).get('r');
  if (!payload) {
    ctx.root.append(section(t('approve.paste_title'), pasteForm()));
    return;
  }
  const body = h('div', { 'aria-live': 'polite' }, loading());
  ctx.root.append(body);
  let checked: Checked;
  try {
    checked = await check(payload, wallet, ctx.signal);
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    replace(body, refusalBox(e));
    return;
  }
  if (signedByHolder(checked.request)) {
    replace(body, summary(checked), notice('info', t('approve.already_signed')));
    return;
  }
  const yes = h('button', { type: 'button', class: 'btn btn-primary' }, t('approve.approve'));
  const no = h('button', { type: 'button', class: 'btn btn-ghost' }, t('approve.decline'));
  const out = h('div');
  yes.addEventListener('click', async () => {
    yes.disabled = no.disabled = true;
    try {
      await approve(checked, wallet, out, ctx.signal);
    } catch (e) {
      if ((e as Error).name === 'AbortError') return;
      replace(out, e instanceof RequestError ? refusalBox(e) : errorBox(e));
    }
  });
  no.addEventListener('click', () => {
    yes.disabled = no.disabled = true;
    replace(out, notice('info', h('strong', { 'data-field': 'declined' }, t('approve.declined'))));
  });
  replace(body, section(t('approve.confirm_title'), summary(checked), h('p', { class: 'row-actions' }, yes, ' ', no), out));
}
