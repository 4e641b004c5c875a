// zh-CN by default, English on request; the choice is remembered in localStorage.
import { messages, type MessageKey } from './messages';

export type Lang = 'zh' | 'en';
const STORAGE_KEY = 'shanliu.lang';
let current: Lang = load();
const listeners = new Set<() => void>();

function load(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'en' || saved === 'zh') return saved;
  } catch {
    // storage disabled: default language
  }
  return 'zh';
}

export const lang = (): Lang => current;

export function setLang(next: Lang): void {
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // not persisted; still switches for this page
  }
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
  for (const fn of listeners) fn();
}

export function onLangChange(fn: () => void): void {
  listeners.add(fn);
}

export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const entry = messages[key];
  let s = current === 'zh' ? entry[0] : entry[1];
  for (const [k, v] of Object.entries(params)) s = s.split(`{${k}}`).join(String(v));
  return s;
}

// A label that depends on an API-provided enum value; falls back to the raw value.
export function tEnum(group: string, value: string | null | undefined): string {
  if (!value) return '—';
  const key = `${group}.${value}` as MessageKey;
  return key in messages ? t(key) : value;
}

document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
