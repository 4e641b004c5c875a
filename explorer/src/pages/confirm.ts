// The wallet's confirmation of volunteer service (/points/confirm#r=<request>, issue 17 part 5): the
// organising charity shows a QR code of a volunteer record (`shanliu volunteer request`); the
// volunteer's phone opens it here and reads "I served N h at ORG on DATE" before confirming.
// Confirming signs the request's own body with the wallet key. If the charity signed first, the
// wallet submits the finished tx; otherwise it shows its signed request as a QR code for the
// charity's `shanliu volunteer complete`. Nothing is signed on decline or on any error.
import { ApiError, enc, get, type OrgDetail, type Stats } from '../api';
import { h, replace } from '../dom';
import { date, dateTime, name, num, shortHash } from '../format';
import { t } from '../i18n';
import type { MessageKey } from '../messages';
import type { PageContext } from '../router';
import { copyButton, errorBox, kv, loading, notice, pageHeader, section } from '../ui/common';
import { qrSvg } from '../ui/qr';
import { equal, fromHex, toHex } from '@shanliu/sdk/verify/bytes';
import { ed25519Sign, ed25519Verify } from '@shanliu/sdk/verify/crypto';
import { cosigned, payloadFromText, RequestError, signedByHolder, signingMessage, toBase64Url } from '@shanliu/sdk/verify/redeem';
import { decodeVolunteerRequest, type VolunteerRequest } from '@shanliu/sdk/verify/volunteer';
import { submit, waitCommitted } from './approve';
import { loadWallet, type Wallet } from './wallet';

class Refusal extends Error {
  constructor(
    public readonly key: MessageKey,
    public readonly params: Record<string, string | number> = {},
  ) {
    super(key);
  }
}

function refusalBox(e: unknown): HTMLElement {
  if (e instanceof Refusal) return notice('error', h('strong', t(e.key, e.params)), h('p', t('confirm.nothing_signed')));
  if (e instanceof RequestError) {
    return notice('error', h('strong', t(`confirm.err.${e.code}` as MessageKey)), h('p', { class: 'fine' }, e.message), h('p', t('confirm.nothing_signed')));
  }
  return errorBox(e, h('p', t('confirm.nothing_signed')));
}

interface Checked {
  request: VolunteerRequest;
  orgName: string;
}

// What the ledger must confirm before the volunteer is asked: the organiser exists, is an active
// charity or the federation, and a first signature is by one of its keys.
async function check(payload: string, wallet: Wallet, signal: AbortSignal): Promise<Checked> {
  const stats = await get<Stats>('/v1/stats', signal);
  const request = await decodeVolunteerRequest(payload, stats.chain_id, Date.now(), ed25519Verify);
  if (toHex(request.body.holder) !== wallet.public) throw new Refusal('confirm.err.wrong_holder', { holder: shortHash(toHex(request.body.holder), 12) });
  const orgId = request.body.charityOrg;
  let org: OrgDetail;
  try {
    org = await get<OrgDetail>(`/v1/orgs/${enc(orgId)}`, signal);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) throw new Refusal('confirm.err.unknown_org', { org: orgId });
    throw e;
  }
  if (!['charity', 'federation'].includes(org.org.kind) || org.org.status !== 'active') throw new Refusal('confirm.err.not_charity', { org: orgId });
  if (request.signer && !signedByHolder(request) && !org.org.public_keys.some((k) => equal(fromHex(k), request.signer!))) {
    throw new Refusal('confirm.err.wrong_signer');
  }
  return { request, orgName: name(org.org, orgId) };
}

// Hours with one decimal, as the record is read aloud: 90 minutes is "1.5".
const hours = (minutes: bigint): string => (Math.floor(Number(minutes) / 6) / 10).toFixed(1);

function summary(c: Checked): HTMLElement {
  const b = c.request.body;
  const order = c.request.signer ? (signedByHolder(c.request) ? 'confirm.order_done' : 'confirm.order_org') : 'confirm.order_holder';
  return h(
    'div',
    h('p', { class: 'lead', 'data-field': 'statement' }, t('confirm.statement', { h: hours(b.minutes), org: c.orgName, date: date(Number(b.occurredAtMs)) })),
    kv([
      [t('confirm.org'), h('span', { 'data-field': 'org' }, c.orgName)],
      [t('confirm.activity'), h('span', { 'data-field': 'activity' }, b.activity)],
      [t('confirm.minutes'), h('strong', { 'data-field': 'minutes' }, num(Number(b.minutes)))],
      [t('confirm.date'), h('span', { 'data-field': 'date' }, dateTime(Number(b.occurredAtMs)))],
      [t('approve.expires'), h('span', { 'data-field': 'expires' }, dateTime(Number(b.expiresAtMs)))],
      [t('approve.order'), t(order)],
    ]),
  );
}

async function confirmService(c: Checked, wallet: Wallet, out: HTMLElement, signal: AbortSignal): Promise<void> {
  // Re-checked at the moment of signing: a screen left open past the expiry signs nothing.
  if (BigInt(Date.now()) > c.request.body.expiresAtMs) throw new RequestError('expired', 'the request expired while it was open');
  const sig = await ed25519Sign(fromHex(wallet.secret, 32), signingMessage(c.request));
  const envelope = cosigned(c.request, fromHex(wallet.public, 32), sig);
  if (!c.request.signer) {
    const link = `${location.origin}/points/confirm#r=${toBase64Url(envelope)}`;
    replace(
      out,
      notice('ok', h('strong', t('confirm.signed_show'))),
      h('div', { class: 'share' }, qrSvg(link, t('confirm.qr_label'), 260), h('div', h('p', t('confirm.signed_hint')), h('p', h('code', { class: 'mono wrap', 'data-field': 'signed-request' }, link)), copyButton(link, t('approve.copy_request')))),
    );
    return;
  }
  replace(out, loading(t('approve.submitting')));
  const first = await submit(envelope, signal);
  if (first.status === 'rejected') throw new ApiError(422, first.error?.code ?? 'rejected', first.error?.message ?? '');
  const st = await waitCommitted(first, signal);
  if (st.status !== 'committed') throw new ApiError(0, st.status === 'rejected' ? st.error?.code ?? 'rejected' : 'timeout', st.error?.message ?? t('approve.not_committed'));
  replace(
    out,
    notice('ok', h('strong', { 'data-field': 'committed' }, t('confirm.committed', { height: num(st.height ?? 0) }))),
    kv([[t('approve.tx'), h('a', { href: `/tx/${st.id}` }, shortHash(st.id, 12))]]),
    h('p', h('a', { href: '/points', class: 'btn' }, t('approve.back'))),
  );
}

function pasteForm(): HTMLElement {
  const input = h('textarea', { id: 'request-input', rows: 3, spellcheck: 'false', autocomplete: 'off' });
  const form = h('form', { class: 'field' }, h('label', { for: 'request-input' }, t('confirm.paste_label')), input, h('button', { type: 'submit', class: 'btn btn-primary' }, t('approve.open')));
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

export default async function confirmPage(ctx: PageContext): Promise<void> {
  ctx.setTitle(t('confirm.title'));
  ctx.root.append(pageHeader(t('confirm.title'), t('confirm.subtitle')));
  const onHash = () => location.reload();
  window.addEventListener('hashchange', onHash);
  ctx.onCleanup(() => window.removeEventListener('hashchange', onHash));
  const wallet = loadWallet();
  if (!wallet) {
    ctx.root.append(notice('warn', t('confirm.no_wallet')), h('p', h('a', { href: '/points', class: 'btn btn-primary' }, t('approve.create_wallet'))));
    return;
  }
  const payload = new URLSearchParams(location.hash.replace(/^#/, '')).get('r');
  if (!payload) {
    ctx.root.append(section(t('confirm.paste_title'), pasteForm()));
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
    replace(body, summary(checked), notice('info', t('confirm.already_signed')));
    return;
  }
  const yes = h('button', { type: 'button', class: 'btn btn-primary' }, t('confirm.confirm'));
  const no = h('button', { type: 'button', class: 'btn btn-ghost' }, t('approve.decline'));
  const out = h('div');
  yes.addEventListener('click', async () => {
    yes.disabled = no.disabled = true;
    try {
      await confirmService(checked, wallet, out, ctx.signal);
    } catch (e) {
      if ((e as Error).name === 'AbortError') return;
      replace(out, e instanceof RequestError ? refusalBox(e) : errorBox(e));
    }
  });
  no.addEventListener('click', () => {
    yes.disabled = no.disabled = true;
    replace(out, notice('info', h('strong', { 'data-field': 'declined' }, t('approve.declined'))));
  });
  replace(body, section(t('confirm.confirm_title'), summary(checked), h('p', { class: 'row-actions' }, yes, ' ', no), out));
}
