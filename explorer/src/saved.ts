// "My receipts": receipts this phone has opened or scanned, kept in localStorage only — there is
// no account and nothing about the donor is sent anywhere. Each entry remembers the figures the
// donor saw on the last visit to the receipt, so the list can say what changed since.
// Pure: the storage is passed in, so node tests run it against a fake.
export const SAVED_KEY = 'shanliu.receipts.v1';
export const MAX_SAVED = 100; // oldest visits drop off beyond this

export interface Figures {
  spent_fen: number;
  unspent_fen: number;
  refunded_fen: number;
  withdrawn_fen: number;
  height: number; // the block the figures are as of
}

export interface SavedReceipt {
  code: string; // 52 characters, lowercase base32
  kind: 'donation' | 'trust_deposit';
  amount_fen: number;
  to_zh: string;
  to_en: string;
  added_ms: number; // first opened on this phone
  seen_ms: number; // last visit to the receipt page
  seen: Figures; // what that visit showed
  seen_proven: boolean; // those figures were verified in the browser
}

type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

const CODE = /^[a-z2-7]{52}$/;
const MAX_NAME = 200;
const fen = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const text = (v: unknown): v is string => typeof v === 'string' && v.length <= MAX_NAME;

function validFigures(f: unknown): f is Figures {
  if (typeof f !== 'object' || f === null) return false;
  const o = f as Record<string, unknown>;
  return fen(o.spent_fen) && fen(o.unspent_fen) && fen(o.refunded_fen) && fen(o.withdrawn_fen) && fen(o.height);
}

// Storage another script (or an older version) wrote is not trusted: anything malformed is dropped.
export function validSaved(x: unknown): x is SavedReceipt {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return (
    typeof o.code === 'string' && CODE.test(o.code) &&
    (o.kind === 'donation' || o.kind === 'trust_deposit') &&
    fen(o.amount_fen) && text(o.to_zh) && text(o.to_en) && fen(o.added_ms) && fen(o.seen_ms) &&
    validFigures(o.seen) && typeof o.seen_proven === 'boolean'
  );
}

export function loadSaved(storage: StorageLike | null): SavedReceipt[] {
  let raw: string | null = null;
  try {
    raw = storage?.getItem(SAVED_KEY) ?? null;
  } catch {
    return []; // storage disabled
  }
  if (!raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const seen = new Set<string>();
  const out: SavedReceipt[] = [];
  for (const item of parsed) {
    if (!validSaved(item) || seen.has(item.code)) continue;
    seen.add(item.code);
    out.push(item);
    if (out.length >= MAX_SAVED) break;
  }
  return out;
}

function store(storage: StorageLike | null, list: SavedReceipt[]): boolean {
  try {
    storage?.setItem(SAVED_KEY, JSON.stringify(list.slice(0, MAX_SAVED)));
    return !!storage;
  } catch {
    return false; // full or disabled: the page still works, it just is not remembered
  }
}

// Records a visit: the newest visit first; the first-seen time is kept.
export function rememberVisit(storage: StorageLike | null, visit: Omit<SavedReceipt, 'added_ms'>): boolean {
  if (!CODE.test(visit.code)) return false;
  const list = loadSaved(storage);
  const old = list.find((r) => r.code === visit.code);
  const entry: SavedReceipt = {
    ...visit,
    to_zh: visit.to_zh.slice(0, MAX_NAME),
    to_en: visit.to_en.slice(0, MAX_NAME),
    added_ms: old?.added_ms ?? visit.seen_ms,
  };
  if (!validSaved(entry)) return false;
  return store(storage, [entry, ...list.filter((r) => r.code !== visit.code)]);
}

export function forget(storage: StorageLike | null, code: string): boolean {
  return store(storage, loadSaved(storage).filter((r) => r.code !== code));
}

// What changed since the visit: more spent, refunded or withdrawn (never negative: a smaller
// figure, e.g. after a correction, is reported as a change with no "more spent").
export interface Change {
  more_spent_fen: number;
  more_refunded_fen: number;
  changed: boolean;
}

export function changeSince(seen: Figures, now: Omit<Figures, 'height'>): Change {
  const more_spent_fen = Math.max(0, now.spent_fen - seen.spent_fen);
  const more_refunded_fen = Math.max(0, now.refunded_fen + now.withdrawn_fen - seen.refunded_fen - seen.withdrawn_fen);
  const changed =
    now.spent_fen !== seen.spent_fen ||
    now.unspent_fen !== seen.unspent_fen ||
    now.refunded_fen !== seen.refunded_fen ||
    now.withdrawn_fen !== seen.withdrawn_fen;
  return { more_spent_fen, more_refunded_fen, changed };
}
