// The wallet's approval of a redemption (/points/approve#r=<request>): a merchant's counter shows
// a QR code of a redemption request (`shanliu redeem request`); the resident's phone opens it
// here, sees what is being redeemed, and approves or declines. Approval signs the request's own
// body with the wallet key. If the merchant signed first, the wallet submits the finished tx and
// shows the committed result; otherwise it shows its signed request as a QR code for the
// merchant's `shanliu redeem complete`. Nothing is signed on decline or on any error.
// The request sits in the fragment, which browsers never send to a server. The page's flow is
// ui/signrequest.ts, shared with the volunteer confirmation (/points/confirm).
import { ApiError, enc, get, type CatalogueItem, type CataloguePage, type OrgDetail, type Points, type Stats } from '../api';
import { h } from '../dom';
import { dateTime, name, num, shortHash } from '../format';
import { t } from '../i18n';
import type { PageContext } from '../router';
import { kv } from '../ui/common';
import { Refusal, signRequestPage } from '../ui/signrequest';
import { equal, fromHex, toHex } from '@shanliu/sdk/verify/bytes';
import { ed25519Verify } from '@shanliu/sdk/verify/crypto';
import { decodeRedeemRequest, signedByHolder, type RedeemRequest } from '@shanliu/sdk/verify/redeem';
import type { Wallet } from './wallet';

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

export default function approvePage(ctx: PageContext): Promise<void> {
  return signRequestPage<Checked>(ctx, {
    path: '/points/approve',
    messages: {
      title: 'approve.title',
      subtitle: 'approve.subtitle',
      noWallet: 'approve.no_wallet',
      pasteTitle: 'approve.paste_title',
      pasteLabel: 'approve.paste_label',
      confirmTitle: 'approve.confirm_title',
      confirm: 'approve.approve',
      alreadySigned: 'approve.already_signed',
      nothingSigned: 'approve.nothing_signed',
      errPrefix: 'approve.err',
      signedShow: 'approve.signed_show',
      signedHint: 'approve.signed_hint',
      qrLabel: 'approve.qr_label',
      committed: 'approve.committed',
    },
    check,
    summary,
    // The balance after the redemption, as the ledger now has it.
    committedRows: async (wallet, signal) => {
      const points = await get<Points>(`/v1/points/${wallet.public}?limit=1`, signal);
      return [[t('approve.new_balance'), h('strong', { 'data-field': 'new-balance' }, num(points.balance))]];
    },
  });
}
