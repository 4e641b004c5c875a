// The wallet's time bank (时间银行): banked volunteer minutes beside points, and what each history
// entry did to both. Kept apart from pages/wallet.ts so the wallet page only places it.
import type { Points, TxSummary } from '../api';
import { h } from '../dom';
import { num } from '../format';
import { t, tEnum } from '../i18n';

const fig = (label: string, value: string): HTMLElement =>
  h('div', { class: 'figure' }, h('span', { class: 'figure-value' }, value), h('span', { class: 'figure-label' }, label));

// Hours with one decimal beside the exact minutes: "2.5 h (150 min)".
export function hoursText(minutes: number): string {
  return t('timebank.hours', { h: (Math.floor(minutes / 6) / 10).toFixed(1), n: num(minutes) });
}

// The balance figures: points as before, then the banked time (older nodes send no `minutes`).
export function walletFigures(p: Points): HTMLElement[] {
  const figures = [fig(t('wallet.points_balance'), num(p.balance)), fig(t('wallet.earned'), num(p.earned)), fig(t('wallet.redeemed'), num(p.redeemed))];
  if (p.minutes) {
    figures.push(fig(t('timebank.balance'), hoursText(p.minutes.balance)), fig(t('timebank.earned'), hoursText(p.minutes.earned)), fig(t('timebank.spent'), hoursText(p.minutes.spent)));
  }
  if (p.shortfall) figures.push(fig(t('timebank.shortfall'), num(p.shortfall)));
  return figures;
}

const signed = (v: number, text: string): HTMLElement => h('strong', { class: v >= 0 ? 'plus' : 'minus' }, `${v >= 0 ? '+' : ''}${text}`);

// The side of one history item: what kind of entry it was and its signed points and minutes.
export function historySide(tx: TxSummary): HTMLElement {
  const points = tx.points ?? 0;
  const minutes = tx.minutes ?? 0;
  const parts: (Node | string)[] = [];
  if (tx.entry) parts.push(h('span', { class: 'badge' }, tEnum('entry', tx.entry)), ' ');
  if (points !== 0 || minutes === 0) parts.push(signed(points, t('points.count', { n: num(Math.abs(points)) })));
  if (minutes !== 0) parts.push(points !== 0 ? ' ' : '', signed(minutes, t('points.minutes', { n: num(Math.abs(minutes)) })));
  return h('span', { class: 'timebank-side' }, parts);
}
