// The wallet page that signs a request someone else made (the redemption of /points/approve, the
// volunteer record of /points/confirm): both pages run the same flow and differ only in their
// messages, how the request is checked against the ledger, its summary and what the committed
// result shows, so the flow lives here once and each page is a SignRequestSpec.
// The flow: no wallet, no signing; without a request in the fragment (#r=, which browsers never
// send to a server) a paste form; else check the request and show its summary with confirm and
// decline buttons. Confirming signs the request's own body with the wallet key. If the other party
// signed first, the wallet submits the finished tx and waits for its commit; otherwise it shows its
// signed request as a QR code for the other party to complete. Nothing is signed on decline or on
// any error.
import { ApiError, get, type TxStatus } from '../api';
import { h, replace, type Child } from '../dom';
import { num, shortHash } from '../format';
import { t } from '../i18n';
import type { MessageKey } from '../messages';
import type { PageContext } from '../router';
import { copyButton, errorBox, kv, loading, notice, pageHeader, section } from './common';
import { qrSvg } from './qr';
import { fromHex } from '@shanliu/sdk/verify/bytes';
import { ed25519Sign } from '@shanliu/sdk/verify/crypto';
import { cosigned, payloadFromText, RequestError, signedByHolder, signingMessage, toBase64Url, type RequestBody, type SignedRequest } from '@shanliu/sdk/verify/redeem';
import { loadWallet, type Wallet } from '../pages/wallet';

const COMMIT_WAIT_MS = 60_000;
const POLL_MS = 500;

// A refusal before anything is signed: what is wrong, in the reader's language.
export class Refusal extends Error {
  constructor(
    public readonly key: MessageKey,
    public readonly params: Record<string, string | number> = {},
  ) {
    super(key);
  }
}

// The page's own messages; the ones both pages share (decline, submit, back, ...) are approve.*.
export interface SignRequestMessages {
  title: MessageKey;
  subtitle: MessageKey;
  noWallet: MessageKey;
  pasteTitle: MessageKey;
  pasteLabel: MessageKey;
  confirmTitle: MessageKey;
  confirm: MessageKey; // the button that signs
  alreadySigned: MessageKey;
  nothingSigned: MessageKey;
  errPrefix: string; // `${errPrefix}.${RequestError code}` names each decoding error's message
  signedShow: MessageKey;
  signedHint: MessageKey;
  qrLabel: MessageKey;
  committed: MessageKey; // with {height}
}

export interface SignRequestSpec<C extends { request: SignedRequest<RequestBody> }> {
  path: string; // the page's route, for the link of a signed request handed back as a QR code
  messages: SignRequestMessages;
  // Decodes the request and checks it against the ledger; a Refusal or RequestError says why not.
  check(payload: string, wallet: Wallet, signal: AbortSignal): Promise<C>;
  summary(c: C): HTMLElement;
  // Rows shown above the tx link once the tx is committed (e.g. the new balance).
  committedRows?(wallet: Wallet, signal: AbortSignal): Promise<[string, Child][]>;
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

function refusalBox(m: SignRequestMessages, e: unknown): HTMLElement {
  if (e instanceof Refusal) return notice('error', h('strong', t(e.key, e.params)), h('p', t(m.nothingSigned)));
  if (e instanceof RequestError) {
    return notice('error', h('strong', t(`${m.errPrefix}.${e.code}` as MessageKey)), h('p', { class: 'fine' }, e.message), h('p', t(m.nothingSigned)));
  }
  return errorBox(e, h('p', t(m.nothingSigned)));
}

// The holder confirmed: sign, then either submit (the other party signed first) or hand back a QR code.
async function sign<C extends { request: SignedRequest<RequestBody> }>(spec: SignRequestSpec<C>, c: C, wallet: Wallet, out: HTMLElement, signal: AbortSignal): Promise<void> {
  const m = spec.messages;
  // Re-checked at the moment of signing: a screen left open past the expiry signs nothing.
  if (BigInt(Date.now()) > c.request.body.expiresAtMs) throw new RequestError('expired', 'the request expired while it was open');
  const sig = await ed25519Sign(fromHex(wallet.secret, 32), signingMessage(c.request));
  const envelope = cosigned(c.request, fromHex(wallet.public, 32), sig);
  if (!c.request.signer) {
    const link = `${location.origin}${spec.path}#r=${toBase64Url(envelope)}`;
    replace(
      out,
      notice('ok', h('strong', t(m.signedShow))),
      h('div', { class: 'share' }, qrSvg(link, t(m.qrLabel), 260), h('div', h('p', t(m.signedHint)), h('p', h('code', { class: 'mono wrap', 'data-field': 'signed-request' }, link)), copyButton(link, t('approve.copy_request')))),
    );
    return;
  }
  replace(out, loading(t('approve.submitting')));
  const first = await submit(envelope, signal);
  if (first.status === 'rejected') throw new ApiError(422, first.error?.code ?? 'rejected', first.error?.message ?? '');
  const st = await waitCommitted(first, signal);
  if (st.status !== 'committed') throw new ApiError(0, st.status === 'rejected' ? st.error?.code ?? 'rejected' : 'timeout', st.error?.message ?? t('approve.not_committed'));
  const rows = spec.committedRows ? await spec.committedRows(wallet, signal) : [];
  replace(
    out,
    notice('ok', h('strong', { 'data-field': 'committed' }, t(m.committed, { height: num(st.height ?? 0) }))),
    kv([...rows, [t('approve.tx'), h('a', { href: `/tx/${st.id}` }, shortHash(st.id, 12))]]),
    h('p', h('a', { href: '/points', class: 'btn' }, t('approve.back'))),
  );
}

function pasteForm(m: SignRequestMessages): HTMLElement {
  const input = h('textarea', { id: 'request-input', rows: 3, spellcheck: 'false', autocomplete: 'off' });
  const form = h('form', { class: 'field' }, h('label', { for: 'request-input' }, t(m.pasteLabel)), input, h('button', { type: 'submit', class: 'btn btn-primary' }, t('approve.open')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    try {
      location.hash = `r=${payloadFromText(input.value)}`;
    } catch (e) {
      form.append(refusalBox(m, e));
    }
  });
  return form;
}

export async function signRequestPage<C extends { request: SignedRequest<RequestBody> }>(ctx: PageContext, spec: SignRequestSpec<C>): Promise<void> {
  const m = spec.messages;
  ctx.setTitle(t(m.title));
  ctx.root.append(pageHeader(t(m.title), t(m.subtitle)));
  const onHash = () => location.reload();
  window.addEventListener('hashchange', onHash);
  ctx.onCleanup(() => window.removeEventListener('hashchange', onHash));
  const wallet = loadWallet();
  if (!wallet) {
    ctx.root.append(notice('warn', t(m.noWallet)), h('p', h('a', { href: '/points', class: 'btn btn-primary' }, t('approve.create_wallet'))));
    return;
  }
  const payload = new URLSearchParams(location.hash.replace(/^#/, '')).get('r');
  if (!payload) {
    ctx.root.append(section(t(m.pasteTitle), pasteForm(m)));
    return;
  }
  const body = h('div', { 'aria-live': 'polite' }, loading());
  ctx.root.append(body);
  let checked: C;
  try {
    checked = await spec.check(payload, wallet, ctx.signal);
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    replace(body, refusalBox(m, e));
    return;
  }
  if (signedByHolder(checked.request)) {
    replace(body, spec.summary(checked), notice('info', t(m.alreadySigned)));
    return;
  }
  const yes = h('button', { type: 'button', class: 'btn btn-primary' }, t(m.confirm));
  const no = h('button', { type: 'button', class: 'btn btn-ghost' }, t('approve.decline'));
  const out = h('div');
  yes.addEventListener('click', async () => {
    yes.disabled = no.disabled = true;
    try {
      await sign(spec, checked, wallet, out, ctx.signal);
    } catch (e) {
      if ((e as Error).name === 'AbortError') return;
      replace(out, e instanceof RequestError ? refusalBox(m, e) : errorBox(e));
    }
  });
  no.addEventListener('click', () => {
    yes.disabled = no.disabled = true;
    replace(out, notice('info', h('strong', { 'data-field': 'declined' }, t('approve.declined'))));
  });
  replace(body, section(t(m.confirmTitle), spec.summary(checked), h('p', { class: 'row-actions' }, yes, ' ', no), out));
}
