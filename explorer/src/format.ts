// Numbers, money (integer fen), dates (Beijing time) and identifiers for display.
import { lang, t } from './i18n';

const locale = (): string => (lang() === 'zh' ? 'zh-CN' : 'en-GB');

export function yuan(fen: number | bigint | null | undefined): string {
  if (fen === null || fen === undefined) return '—';
  const v = BigInt(fen);
  const neg = v < 0n;
  const abs = neg ? -v : v;
  const whole = abs / 100n;
  const cents = (abs % 100n).toString().padStart(2, '0');
  const grouped = new Intl.NumberFormat(locale()).format(whole);
  return `${neg ? '−' : ''}¥${grouped}.${cents}`;
}

// Large totals, compact: ¥1.23万 / ¥12.3k.
export function yuanCompact(fen: number): string {
  const y = fen / 100;
  return '¥' + new Intl.NumberFormat(locale(), { notation: 'compact', maximumFractionDigits: 2 }).format(y);
}

export const num = (n: number | null | undefined): string => (n === null || n === undefined ? '—' : new Intl.NumberFormat(locale()).format(n));

export function pct(p: number | null | undefined): string {
  return p === null || p === undefined ? '—' : `${new Intl.NumberFormat(locale(), { maximumFractionDigits: 1 }).format(p)}%`;
}

const dateOpts: Intl.DateTimeFormatOptions = { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' };

export function date(ms: number | null | undefined): string {
  if (!ms) return '—';
  return new Intl.DateTimeFormat(locale(), dateOpts).format(new Date(ms));
}

export function dateTime(ms: number | null | undefined): string {
  if (!ms) return '—';
  return new Intl.DateTimeFormat(locale(), { ...dateOpts, hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(new Date(ms));
}

export function ago(ms: number): string {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return t('ago.seconds', { n: s });
  if (s < 3600) return t('ago.minutes', { n: Math.round(s / 60) });
  if (s < 86400) return t('ago.hours', { n: Math.round(s / 3600) });
  return date(ms);
}

export const shortHash = (hex: string | null | undefined, n = 8): string =>
  !hex ? '—' : hex.length > 2 * n + 1 ? `${hex.slice(0, n)}…${hex.slice(-n)}` : hex;

// Receipt codes in groups of four, so people can read them aloud and compare.
export const groupCode = (code: string): string => code.replace(/(.{4})(?=.)/g, '$1 ');

export function name(ref: { name_zh?: string; name_en?: string } | null | undefined, fallback = ''): string {
  if (!ref) return fallback;
  const zh = ref.name_zh ?? '';
  const en = ref.name_en ?? '';
  return (lang() === 'zh' ? zh || en : en || zh) || fallback;
}
