// One line for a committed transaction in activity lists, from its kind and payload.
import type { TxSummary } from '../api';
import { h } from '../dom';
import { ago, dateTime, name, num, yuan } from '../format';
import { t, tEnum } from '../i18n';
import { accountLink } from './common';

type P = Record<string, unknown>;
const s = (p: P, k: string): string => (typeof p[k] === 'string' ? (p[k] as string) : '');
const n = (p: P, k: string): number => (typeof p[k] === 'number' ? (p[k] as number) : 0);
const units = (p: P): string => (typeof p['quantity'] === 'string' || typeof p['quantity'] === 'number' ? String(p['quantity']) : '');
// The payload's name in the reader's language (English mode falls back to Chinese, then the id).
const named = (p: P, idKey: string): string => name({ name_zh: s(p, 'name_zh'), name_en: s(p, 'name_en') }, s(p, idKey));

export function txTitle(kind: string): string {
  return tEnum('kind', kind);
}

export function txDetail(kind: string, p: P): (Node | string)[] {
  switch (kind) {
    case 'donation':
      return [yuan(n(p, 'amount_fen')), ' → ', accountLink(s(p, 'to_account')), s(p, 'donor_display_name') ? ` · ${s(p, 'donor_display_name')}` : ''];
    case 'transfer':
      return [yuan(n(p, 'amount_fen')), ' ', accountLink(s(p, 'from_account')), ' → ', accountLink(s(p, 'to_account'))];
    case 'trust_deposit':
      return [yuan(n(p, 'amount_fen')), ' → ', accountLink(`trust:${s(p, 'trust_id')}`)];
    case 'trust_disbursement':
      return [yuan(n(p, 'amount_fen')), ' ', accountLink(`trust:${s(p, 'trust_id')}`), ' → ', accountLink(s(p, 'to_account'))];
    case 'spend':
      return [
        yuan(n(p, 'amount_fen')),
        ' ',
        accountLink(s(p, 'from_account')),
        ' · ',
        tEnum('category', s(p, 'category') || 'unspecified'),
        s(p, 'payee_name') ? ` · ${s(p, 'payee_name')}` : '',
        n(p, 'beneficiary_count') ? ` · ${t('spend.beneficiaries', { n: num(n(p, 'beneficiary_count')) })}` : '',
      ];
    case 'refund':
      return [s(p, 'reason')];
    case 'correction':
      return [t('tx.corrects'), ' ', s(p, 'corrected_tx_id').slice(0, 12), s(p, 'reason') ? ` · ${s(p, 'reason')}` : ''];
    case 'volunteer_service':
      return [t('points.minutes', { n: num(n(p, 'minutes')) }), s(p, 'activity') ? ` · ${s(p, 'activity')}` : ''];
    case 'redeem_points':
      return [t('points.count', { n: num(n(p, 'points')) }), s(p, 'item') ? ` · ${s(p, 'item')}` : ''];
    case 'service_exchange':
      return [
        t('points.minutes', { n: num(n(p, 'minutes')) }),
        ' · ',
        s(p, 'provider_org'),
        s(p, 'service') ? ` · ${s(p, 'service')}` : '',
        n(p, 'points') ? ` · ${t('timebank.paid_points', { n: num(n(p, 'points')) })}` : '',
      ];
    case 'goods_donation':
    case 'goods_transfer':
      // uint64 quantities arrive as JSON strings (protobuf's JSON mapping): shown as given.
      return [units(p), ' ', s(p, 'unit'), ' · ', s(p, 'item_code')];
    case 'goods_distribution':
      return [units(p), ' ', s(p, 'unit'), ' · ', s(p, 'item_code'), ' · ', s(p, 'place_name')];
    case 'move_points':
      return [t('timebank.moved_to', { key: s(p, 'to_holder').slice(0, 12) })];
    case 'honour_name':
      return [s(p, 'display_name') || '—'];
    case 'catalogue_entry':
      return [
        named(p, 'item_id'),
        ' · ',
        s(p, 'merchant_org'),
        ' · ',
        t('points.count', { n: num(n(p, 'points')) }),
        p['active'] === true ? '' : ` · ${t('org.catalogue_withdrawn')}`,
      ];
    case 'disclosure':
      return [tEnum('disclosure', s(p, 'type') || 'unspecified'), ' · ', s(p, 'title')];
    case 'register_org':
      return [named(p, 'org_id')];
    case 'open_project':
      return [named(p, 'project_id'), n(p, 'budget_fen') ? ` · ${t('project.budget')} ${yuan(n(p, 'budget_fen'))}` : ''];
    case 'close_project':
    case 'update_project':
      return [s(p, 'project_id')];
    case 'open_trust':
      return [named(p, 'trust_id')];
    case 'update_org':
      return [s(p, 'org_id'), ' · ', tEnum('status', s(p, 'status'))];
    case 'rotate_key':
    case 'request_key_recovery':
    case 'veto_key_recovery':
    case 'complete_key_recovery':
      return [s(p, 'org_id')];
    case 'validator_set_change': {
      const updates = Array.isArray(p.updates) ? (p.updates as P[]) : [];
      const orgs = updates.map((u) => `${s(u, 'org_id')} ${n(u, 'voting_power') === 0 ? '−' : `+${n(u, 'voting_power')}`}`);
      const handover = p.origin_key && typeof p.origin_key === 'object' ? ` · ${t('tx.origin_key_handed_over')}` : '';
      return [t('tx.validators_from', { height: num(n(p, 'effective_height')) }), orgs.length ? ` · ${orgs.join(', ')}` : '', handover];
    }
    default:
      return [];
  }
}

export function txItem(tx: TxSummary, extra?: Node): HTMLElement {
  return h(
    'li',
    { class: 'list-item' },
    h(
      'div',
      { class: 'list-main' },
      h('a', { href: tx.kind === 'donation' || tx.kind === 'trust_deposit' ? `/r/${tx.code}` : `/tx/${tx.id}`, class: 'list-title' }, txTitle(tx.kind)),
      h('span', { class: 'list-detail' }, txDetail(tx.kind, tx.payload ?? {})),
    ),
    h('div', { class: 'list-side' }, extra ?? null, h('time', { datetime: new Date(tx.time_ms).toISOString(), title: dateTime(tx.time_ms) }, ago(tx.time_ms))),
  );
}
