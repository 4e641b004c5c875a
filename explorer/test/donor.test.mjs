// "My receipts" storage and the receipt's one-sentence figures, in node against a fake storage.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from './load.mjs';

const code = (c) => c.repeat(52);

class FakeStorage {
  constructor(initial = {}) {
    this.map = new Map(Object.entries(initial));
    this.failWrites = false;
  }
  getItem(k) {
    return this.map.has(k) ? this.map.get(k) : null;
  }
  setItem(k, v) {
    if (this.failWrites) throw new Error('QuotaExceededError');
    this.map.set(k, String(v));
  }
  removeItem(k) {
    this.map.delete(k);
  }
}

const visit = (c, spent, extra = {}) => ({
  code: c,
  kind: 'donation',
  amount_fen: 10000,
  to_zh: '长者助餐',
  to_en: 'Meals',
  seen_ms: 1000,
  seen: { spent_fen: spent, unspent_fen: 10000 - spent, refunded_fen: 0, withdrawn_fen: 0, height: 5 },
  seen_proven: true,
  ...extra,
});

it('remembers visits newest first, keeps the first-seen time and drops what is malformed', async () => {
  const s = await load('saved.ts');
  const st = new FakeStorage();
  assert.deepEqual(s.loadSaved(st), []);
  assert.equal(s.rememberVisit(st, visit(code('a'), 0)), true);
  assert.equal(s.rememberVisit(st, visit(code('b'), 0, { seen_ms: 2000 })), true);
  assert.equal(s.rememberVisit(st, visit(code('a'), 500, { seen_ms: 3000 })), true);
  const list = s.loadSaved(st);
  assert.deepEqual(list.map((r) => r.code), [code('a'), code('b')]);
  assert.equal(list[0].added_ms, 1000);
  assert.equal(list[0].seen_ms, 3000);
  assert.equal(list[0].seen.spent_fen, 500);
  // Refused: a code that is not 52 base32 characters, negative or fractional figures.
  assert.equal(s.rememberVisit(st, visit('<script>', 0)), false);
  assert.equal(s.rememberVisit(st, visit(code('c'), -1)), false);
  assert.equal(s.rememberVisit(st, visit(code('c'), 0.5)), false);
  assert.equal(s.rememberVisit(st, visit(code('c'), 0, { kind: 'spend' })), false);
  assert.equal(s.loadSaved(st).length, 2);
  // Names longer than 200 characters are cut, not refused.
  assert.equal(s.rememberVisit(st, visit(code('d'), 0, { to_zh: '名'.repeat(500) })), true);
  assert.equal(s.loadSaved(st)[0].to_zh.length, 200);
  assert.equal(s.forget(st, code('d')), true);
  assert.deepEqual(s.loadSaved(st).map((r) => r.code), [code('a'), code('b')]);
});

it('survives hostile or broken storage', async () => {
  const s = await load('saved.ts');
  for (const raw of ['not json', '{}', '42', 'null', JSON.stringify([null, 1, 'x', { code: code('a') }])]) {
    assert.deepEqual(s.loadSaved(new FakeStorage({ [s.SAVED_KEY]: raw })), [], raw);
  }
  // Duplicates keep the first; valid entries among garbage survive.
  const good = { ...visit(code('e'), 0), added_ms: 1 };
  const st = new FakeStorage({ [s.SAVED_KEY]: JSON.stringify([good, { ...good, amount_fen: 1 }, { code: 'x' }]) });
  assert.deepEqual(s.loadSaved(st).map((r) => r.amount_fen), [10000]);
  // A full storage: the visit is not remembered, nothing throws.
  st.failWrites = true;
  assert.equal(s.rememberVisit(st, visit(code('f'), 0)), false);
  assert.equal(s.rememberVisit(null, visit(code('f'), 0)), false);
  const throwing = { getItem() { throw new Error('SecurityError'); }, setItem() { throw new Error('SecurityError'); }, removeItem() {} };
  assert.deepEqual(s.loadSaved(throwing), []);
});

it('keeps at most 100 receipts, dropping the oldest visits', async () => {
  const s = await load('saved.ts');
  const st = new FakeStorage();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  for (let i = 0; i < 101; i++) {
    const c = (alphabet[i % 32] + alphabet[Math.floor(i / 32)]).repeat(26);
    assert.equal(s.rememberVisit(st, visit(c, 0, { seen_ms: i })), true);
  }
  const list = s.loadSaved(st);
  assert.equal(list.length, s.MAX_SAVED);
  assert.equal(list[0].seen_ms, 100);
  assert.equal(list.at(-1).seen_ms, 1); // visit 0 dropped
});

it('tells what changed since the last visit', async () => {
  const s = await load('saved.ts');
  const seen = { spent_fen: 100, unspent_fen: 900, refunded_fen: 0, withdrawn_fen: 0, height: 3 };
  assert.deepEqual(s.changeSince(seen, { spent_fen: 100, unspent_fen: 900, refunded_fen: 0, withdrawn_fen: 0 }), { more_spent_fen: 0, more_refunded_fen: 0, changed: false });
  assert.deepEqual(s.changeSince(seen, { spent_fen: 350, unspent_fen: 650, refunded_fen: 0, withdrawn_fen: 0 }), { more_spent_fen: 250, more_refunded_fen: 0, changed: true });
  // A correction can lower what is spent: a change, but never "more spent".
  assert.deepEqual(s.changeSince(seen, { spent_fen: 0, unspent_fen: 1000, refunded_fen: 0, withdrawn_fen: 0 }), { more_spent_fen: 0, more_refunded_fen: 0, changed: true });
  assert.deepEqual(s.changeSince(seen, { spent_fen: 100, unspent_fen: 0, refunded_fen: 900, withdrawn_fen: 0 }), { more_spent_fen: 0, more_refunded_fen: 900, changed: true });
});

it('sums a trace into the one-sentence figures, counting each spend and its beneficiaries once', async () => {
  const { plainSummary } = await load('summary.ts');
  const spend = (id, amount, people) => ({ account: 'project:p', account_name_zh: '项目', account_name_en: 'P', amount_fen: amount, fate: 'spent', tx: { id, beneficiary_count: people }, children: [] });
  const unspent = (account, amount) => ({ account, account_name_zh: account, account_name_en: '', amount_fen: amount, fate: 'unspent', tx: null, children: [] });
  const trace = {
    account: 'org:c',
    amount_fen: 4800000,
    truncated: false,
    totals: { spent_fen: 1805770, unspent_fen: 2994230, refunded_fen: 0, withdrawn_fen: 0, untraced_fen: 0 },
    nodes: [
      {
        account: 'org:c', account_name_zh: '慈善会', account_name_en: 'Charity', amount_fen: 3000000, fate: 'moved_on', tx: { id: 't' },
        children: [spend('s1', 1000000, 400), spend('s1', 5770, 400), spend('s2', 800000, 9), unspent('project:p', 1194230)],
      },
      unspent('org:c', 1800000),
    ],
  };
  const s = plainSummary(trace);
  assert.equal(s.spent_fen, 1805770);
  assert.equal(s.spend_count, 2);
  assert.equal(s.beneficiaries, 409);
  assert.equal(s.unspent_fen, 2994230);
  assert.deepEqual(s.places.map((p) => [p.account, p.amount_fen]), [['org:c', 1800000], ['project:p', 1194230]]);
  // Nothing moved yet: no spends, one place.
  const idle = plainSummary({ account: 'org:c', amount_fen: 5, truncated: false, totals: { spent_fen: 0, unspent_fen: 5, refunded_fen: 0, untraced_fen: 0 }, nodes: [unspent('org:c', 5)] });
  assert.equal(idle.spend_count, 0);
  assert.equal(idle.beneficiaries, 0);
  assert.equal(idle.withdrawn_fen, 0);
  assert.equal(idle.places.length, 1);
});
