// The wallet's confirmation of volunteer service (/points/confirm#r=<request>, issue 17 part 5): the
// organising charity shows a QR code of a volunteer record (`shanliu volunteer request`); the
// volunteer's phone opens it here and reads "I served N h at ORG on DATE" before confirming.
// Confirming signs the request's own body with the wallet key. If the charity signed first, the
// wallet submits the finished tx; otherwise it shows its signed request as a QR code for the
// charity's `shanliu volunteer complete`. Nothing is signed on decline or on any error. The page's
// flow is ui/signrequest.ts, shared with the redemption approval (/points/approve).
import { ApiError, enc, get, type OrgDetail, type Stats } from '../api';
import { h } from '../dom';
import { date, dateTime, name, num, shortHash } from '../format';
import { t } from '../i18n';
import type { PageContext } from '../router';
import { kv } from '../ui/common';
import { Refusal, signRequestPage } from '../ui/signrequest';
import { equal, fromHex, toHex } from '@shanliu/sdk/verify/bytes';
import { ed25519Verify } from '@shanliu/sdk/verify/crypto';
import { signedByHolder } from '@shanliu/sdk/verify/redeem';
import { decodeVolunteerRequest, type VolunteerRequest } from '@shanliu/sdk/verify/volunteer';
import type { Wallet } from './wallet';

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

export default function confirmPage(ctx: PageContext): Promise<void> {
  return signRequestPage<Checked>(ctx, {
    path: '/points/confirm',
    messages: {
      title: 'confirm.title',
      subtitle: 'confirm.subtitle',
      noWallet: 'confirm.no_wallet',
      pasteTitle: 'confirm.paste_title',
      pasteLabel: 'confirm.paste_label',
      confirmTitle: 'confirm.confirm_title',
      confirm: 'confirm.confirm',
      alreadySigned: 'confirm.already_signed',
      nothingSigned: 'confirm.nothing_signed',
      errPrefix: 'confirm.err',
      signedShow: 'confirm.signed_show',
      signedHint: 'confirm.signed_hint',
      qrLabel: 'confirm.qr_label',
      committed: 'confirm.committed',
    },
    check,
    summary,
  });
}
