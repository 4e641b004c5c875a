// The flow proof of a goods donation (issue 19; docs/flow-proof.md "Goods traces") in the SDK's
// verifier, on a small ledger built independently (ledgerref.mjs): an honest proof verifies in
// units of the item, and each forged or missing goods record fails by the check's name.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from './load.mjs';
import { H } from './smtref.mjs';
import { account, chain, consumed, giftRecord, hex, keypair, keys, orgRecord, pb, tx } from './ledgerref.mjs';

let flow;
let records;
const relief = keypair();
const clinic = keypair();
const bank = keypair();
const utf8 = (s) => Buffer.from(s, 'utf8');
const goodsGiftKey = (id) => Buffer.concat([utf8('r/gg/'), id]);
const distributionKey = (id) => Buffer.concat([utf8('r/gd/'), id]);
const RELIEF = 'goods:relief/mask-medical';
const CLINIC = 'goods:clinic/mask-medical';

const goodsGift = (g) =>
  pb([[1, g.leaf ?? 0], [2, 3], [3, 1767225700003], [4, g.account ?? RELIEF], [5, g.item ?? 'mask-medical'], [6, g.quantity ?? 1000], [7, 0],
    [8, 80000], [10, g.donor ?? '某口罩厂'], [13, g.recordedBy ?? 'relief'], [14, g.notary ?? 'bank1']]);
const distribution = (d) =>
  pb([[1, d.leaf ?? 2], [2, d.account ?? CLINIC], [3, d.item ?? 'mask-medical'], [4, d.quantity ?? 600], [5, d.expired ?? 0], [6, d.date ?? 20261206]]);

// relief is given 1 000 masks (witnessed by bank1), sends 700 to clinic, which hands 600 out at a
// hospital; a money spend of relief's sits at leaf 3.
function scenario(edit = (s) => s) {
  const gift = tx(31, pb([[1, 'org:relief'], [2, 'mask-medical'], [3, '只'], [4, 1000], [5, 80000], [6, H('donor')], [7, '某口罩厂'], [11, 'bank1']]), [relief, bank]);
  const move = tx(32, pb([[1, 'org:relief'], [2, 'org:clinic'], [3, 'mask-medical'], [4, '只'], [5, 700], [6, '调拨']]), [relief, clinic]);
  const handOut = tx(33, pb([[1, 'org:clinic'], [2, 'mask-medical'], [3, '只'], [4, 600], [5, '330106'], [6, '西湖区人民医院'], [7, 600]]), [clinic]);
  const spend = tx(20, pb([[1, 'org:relief'], [2, 500], [3, 1], [4, 1], [5, '超市']]), [relief]);
  const txs = [gift, move, handOut, spend];
  const s = {
    giftKey: goodsGiftKey(gift.id),
    giftRecord: goodsGift({}),
    distribution: distribution({}),
    clinicRange: consumed({ kind: 'spend', leaf: 2, length: 600 }),
    bankRecord: orgRecord({ id: 'bank1', kind: 'bank', zh: '某银行', en: 'Some Bank', keys: [bank.publicKey] }),
    hopLeaves: [1, 2],
  };
  edit(s, { gift, spend });
  const state = [
    [s.giftKey, s.giftRecord],
    [keys.account(RELIEF), account({ inflow: 1000, sent: 700, outPos: 700 })],
    [keys.consumed(RELIEF, 700), consumed({ kind: 'transfer', leaf: 1, length: 700, target: CLINIC })],
    [keys.account(CLINIC), account({ received: 700, spent: 600, outPos: 600 })],
    [keys.consumed(CLINIC, 600), s.clinicRange],
    ...(s.distribution ? [[distributionKey(handOut.id), s.distribution]] : []),
    [keys.org('relief'), orgRecord({ id: 'relief', kind: 'charity', zh: '救助会', en: 'Relief', keys: [relief.publicKey] })],
    [keys.org('clinic'), orgRecord({ id: 'clinic', kind: 'charity', zh: '诊所', en: 'Clinic', keys: [clinic.publicKey] })],
    [keys.org('bank1'), s.bankRecord],
    ...Array.from({ length: 20 }, (_, i) => [Buffer.from(`x/filler-${i}`), Buffer.from(`v${i}`)]),
  ];
  const c = chain({ txs, state });
  const recordKeys = s.recordKeys ?? [s.giftKey, keys.account(RELIEF), keys.consumed(RELIEF, 700), keys.account(CLINIC), keys.consumed(CLINIC, 600),
    distributionKey(handOut.id), keys.org('relief'), keys.org('clinic'), keys.org('bank1')];
  return { ...c, fp: c.proof(recordKeys, s.hopLeaves, { tx_id: hex(gift.id) }), receipt: c.receiptProof(0), gift, handOut };
}

const verify = (s) => flow.verifyFlow(s.fp, s.receipt, s.anchor);

async function fails(s, check, pattern) {
  const r = await verify(s);
  assert.equal(r.ok, false, `expected ${check} to fail`);
  assert.equal(r.check, check, `failed at ${r.check}: ${r.message}`);
  if (pattern) assert.match(r.message, pattern);
}

const shape = (hops) => hops.map((h) => [h.fate, h.account, Number(h.amountFen), h.leaf === null ? null : Number(h.leaf), shape(h.children)]);

describe('goods flow proofs', () => {
  before(async () => {
    flow = await load('verify/flow.js');
    records = await load('verify/records.js');
  });

  it('rebuilds a goods donation in units: moved on, handed out at a place on a date, held', async () => {
    const r = await verify(scenario());
    assert.equal(r.ok, true, r.message);
    const v = r.value;
    assert.deepEqual(shape(v.roots), [
      ['moved_on', RELIEF, 700, 1, [['spent', CLINIC, 600, 2, []], ['unspent', CLINIC, 100, null, []]]],
      ['unspent', RELIEF, 300, null, []],
    ]);
    assert.deepEqual(v.totals, { spent: 600n, unspent: 400n, refunded: 0n, withdrawn: 0n, untraced: 0n });
    assert.equal(v.goods.record.quantity, 1000n);
    assert.equal(v.goods.body.unit, '只');
    assert.equal(v.goods.distributions.get(2n).blockDate, 20261206);
    assert.equal(v.roots[0].children[0].payload.placeName, '西湖区人民医院');
    assert.equal(v.bank.orgId, 'bank1');
    assert.equal(v.names.get(CLINIC).nameZh, '诊所');
    assert.deepEqual(r.passed, flow.FLOW_CHECKS);
  });

  it('gift: the record off by one unit either way, another item, another donor name, proven absent', async () => {
    await fails(scenario((s) => (s.giftRecord = goodsGift({ quantity: 1001 }))), 'gift', /1001 of mask-medical/);
    await fails(scenario((s) => (s.giftRecord = goodsGift({ quantity: 999 }))), 'gift', /999 of mask-medical/);
    await fails(scenario((s) => (s.giftRecord = goodsGift({ item: 'rice-10kg', account: 'goods:relief/rice-10kg' }))), 'gift', /rice-10kg/);
    await fails(scenario((s) => (s.giftRecord = goodsGift({ donor: '别人' }))), 'gift', /donor name/);
    await fails(scenario((s) => (s.giftRecord = goodsGift({ leaf: 1 }))), 'gift', /log entry 1/);
    await fails(scenario((s) => (s.giftRecord = goodsGift({ quantity: 0 }))), 'gift', /quantity out of range/);
  });

  it('a money gift record where the goods record belongs is missing, never read as goods', async () => {
    await fails(
      scenario((s, { gift }) => {
        s.giftKey = keys.gift(gift.id);
        s.giftRecord = giftRecord({ leaf: 0, height: 3, timeMs: 1, account: RELIEF, amount: 1000, intervalStart: 0, recordedBy: 'relief' });
      }),
      'missing_record',
      /r\/gg\//,
    );
  });

  it('hop_tx: a goods range at a money spend, a distribution record of another quantity, account or leaf, or proven absent', async () => {
    await fails(scenario((s) => {
      s.clinicRange = consumed({ kind: 'spend', leaf: 3, length: 600 });
      s.hopLeaves = [1, 3];
    }), 'hop_tx', /not a goods distribution of mask-medical/);
    await fails(scenario((s) => (s.distribution = distribution({ quantity: 601 }))), 'hop_tx', /r\/gd\//);
    await fails(scenario((s) => (s.distribution = distribution({ account: RELIEF }))), 'hop_tx', /r\/gd\//);
    await fails(scenario((s) => (s.distribution = distribution({ leaf: 3 }))), 'hop_tx', /r\/gd\//);
    await fails(scenario((s) => (s.distribution = distribution({ date: 20260230 }))), 'hop_tx', /r\/gd\//);
    await fails(scenario((s) => (s.distribution = null)), 'hop_tx', /r\/gd\//);
    await fails(scenario((s) => s.hopLeaves.pop()), 'hop_tx', /not in the proof/);
  });

  it('missing_record: the distribution record, an account or a range left out of the proof', async () => {
    // Every record the honest proof carries but `left` (the distribution record is not among them).
    const leaveOut = (left) => (s, { gift }) => {
      s.recordKeys = [goodsGiftKey(gift.id), keys.account(RELIEF), keys.consumed(RELIEF, 700), keys.account(CLINIC), keys.consumed(CLINIC, 600),
        keys.org('relief'), keys.org('clinic'), keys.org('bank1')].filter((k) => !k.equals(left));
    };
    await fails(scenario(leaveOut(Buffer.from('-'))), 'missing_record', /r\/gd\//);
    await fails(scenario(leaveOut(keys.account(CLINIC))), 'missing_record');
    await fails(scenario(leaveOut(keys.consumed(CLINIC, 600))), 'missing_record', /position 0/);
  });

  it('bank: a notary that is no bank, federation or bureau; names: recorded by another organisation', async () => {
    await fails(scenario((s) => (s.bankRecord = orgRecord({ id: 'bank1', kind: 'charity', zh: '某银行', en: 'Some Bank', keys: [bank.publicKey] }))), 'bank', /bank, federation or bureau/);
    await fails(scenario((s) => (s.bankRecord = orgRecord({ id: 'bank1', kind: 'bank', zh: '某银行', en: 'Some Bank', keys: [keypair().publicKey] }))), 'bank', /no signature/);
    await fails(scenario((s) => (s.giftRecord = goodsGift({ recordedBy: 'clinic' }))), 'names', /recorded by 'clinic'/);
  });

  it('decoders: a quantity of 10^12 passes and 10^12 + 1 or 0 fails; more expired than handed out fails', () => {
    assert.equal(records.decodeGoodsGift(goodsGift({ quantity: 1_000_000_000_000 })).quantity, 1_000_000_000_000n);
    assert.throws(() => records.decodeGoodsGift(goodsGift({ quantity: 1_000_000_000_001 })), /quantity out of range/);
    assert.throws(() => records.decodeGoodsGift(goodsGift({ quantity: 0 })), /quantity out of range/);
    assert.throws(() => records.decodeGoodsGift(Buffer.from([0x32, 0x05, 0x61])), /./); // truncated field
    assert.equal(records.decodeGoodsDistribution(distribution({ expired: 600 })).expiredQuantity, 600n);
    assert.throws(() => records.decodeGoodsDistribution(distribution({ expired: 601 })), /more expired/);
    assert.equal(records.goodsAccountFor('project:p1', 'quilt'), 'goods:project:p1/quilt');
    assert.equal(records.goodsAccountFor('trust:t', 'quilt'), '');
    assert.equal(records.goodsHolderOf('goods:project:p1/quilt'), 'project:p1');
    assert.equal(records.goodsHolderOf('goods:relief/mask-medical'), 'org:relief');
    assert.equal(records.goodsHolderOf('org:relief'), '');
  });
});
