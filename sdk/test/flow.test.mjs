// The flow proof verifier (src/verify/flow.ts) on small ledgers built independently
// (ledgerref.mjs): honest proofs verify to the exact trace; each check of docs/flow-proof.md
// fails by its name when its part of the proof is wrong.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from './load.mjs';
import { H } from './smtref.mjs';
import { account, chain, consumed, correctionRecord, giftRecord, hex, inflow, keypair, keys, orgRecord, outflowHeader, pb, piece, projectRecord, tx } from './ledgerref.mjs';

let flow;
const bank = keypair();
const fed = keypair();
const invoice = H('invoice');

// Two donations to org:fed (500, then the gift of 1000 at stream [500, 1500)); 800 allocated to
// project:p1; 600 of that spent; optionally the gift's remaining 700 refunded.
function scenario({ refund = false, edit = (s) => s } = {}) {
  const d1 = tx(15, pb([[1, 'org:fed'], [2, 500], [8, 1], [9, 'bank1']]), [bank]);
  const gift = tx(15, pb([[1, 'org:fed'], [2, 1000], [4, '李四'], [8, 1], [9, 'bank1'], [10, '加油']]), [bank]);
  const transfer = tx(16, pb([[1, 'org:fed'], [2, 'project:p1'], [3, 800], [4, '拨付']]), [fed]);
  const spend = tx(20, pb([[1, 'project:p1'], [2, 600], [3, 1], [4, 1], [5, '超市'], [6, 12], [7, invoice], [8, '米面油'], [9, 1767225650000]]), [fed, bank]);
  const refundTx = tx(21, pb([[1, gift.id], [2, '捐赠人要求']]), [fed]);
  const txs = refund ? [d1, gift, transfer, spend, refundTx] : [d1, gift, transfer, spend];
  const s = {
    fedAccount: refund ? account({ inflow: 1500, sent: 800, refunded: 700, outPos: 1500 }) : account({ inflow: 1500, sent: 800, outPos: 800 }),
    ranges: [
      [keys.consumed('org:fed', 800), consumed({ kind: 'transfer', leaf: 2, length: 800, target: 'project:p1' })],
      [keys.consumed('project:p1', 600), consumed({ kind: 'spend', leaf: 3, length: 600 })],
      ...(refund ? [[keys.consumed('org:fed', 1500), consumed({ kind: 'refund', leaf: 4, length: 700 })]] : []),
    ],
    p1Account: account({ received: 800, spent: 600, outPos: 600 }),
    bankRecord: orgRecord({ id: 'bank1', kind: 'bank', zh: '某银行', en: 'Some Bank', keys: [bank.publicKey] }),
    spendAttestation: Buffer.from('bank1'), // r/a/<spend id>: bank1 co-signed the spend (null: none did)
    projectRecord: projectRecord({ id: 'p1', owner: 'fed', zh: '助学项目', en: 'School project' }),
    giftRecord: giftRecord({
      leaf: 1, height: 3, timeMs: 1767225700003, account: 'org:fed', amount: 1000, intervalStart: 500, attested: true, bank: 'bank1', channel: 1,
      donor: '李四', points: 100, recordedBy: 'fed', refunded: refund ? 700 : 0, refundLeaf: refund ? 4 : 0,
    }),
  };
  edit(s);
  s.reverse ??= [
    [keys.outflow(3), outflowHeader({ kind: 'spend', amount: 600, pieces: 1, source: 'project:p1' })],
    [keys.piece(3, 600), piece({ sourceStart: 0, length: 600 })],
    [keys.outflow(2), outflowHeader({ kind: 'transfer', amount: 800, pieces: 1, source: 'org:fed', target: 'project:p1' })],
    [keys.piece(2, 800), piece({ sourceStart: 0, length: 800 })],
    [keys.inflow('project:p1', 800), inflow({ kind: 'transfer', leaf: 2, length: 800, source: 'org:fed' })],
    [keys.inflow('org:fed', 500), inflow({ kind: 'donation', leaf: 0, length: 500 })],
    [keys.inflow('org:fed', 1500), inflow({ kind: 'donation', leaf: 1, length: 1000 })],
  ];
  const state = [
    ...s.reverse,
    [keys.gift(gift.id), s.giftRecord],
    [keys.account('org:fed'), s.fedAccount],
    ...(s.p1Account ? [[keys.account('project:p1'), s.p1Account]] : []),
    ...s.ranges,
    [keys.org('fed'), orgRecord({ id: 'fed', kind: 'federation', zh: '慈善总会', en: 'Charity Federation', keys: [fed.publicKey] })],
    [keys.org('bank1'), s.bankRecord],
    [keys.project('p1'), s.projectRecord],
    ...(s.spendAttestation ? [[keys.attestation(spend.id), s.spendAttestation]] : []),
    [keys.account('org:other'), account({ inflow: 5, outPos: 0 })],
    ...Array.from({ length: 60 }, (_, i) => [Buffer.from(`x/filler-${i}`), Buffer.from(`v${i}`)]),
  ];
  const c = chain({ txs, state });
  const recordKeys = [keys.gift(gift.id), keys.account('org:fed'), keys.account('project:p1'), ...s.ranges.map(([k]) => k), keys.org('fed'), keys.org('bank1'), keys.project('p1'),
    keys.attestation(spend.id), ...(refund ? [keys.attestation(refundTx.id)] : [])];
  const hopLeaves = refund ? [2, 3, 4] : [2, 3];
  return { ...c, gift, txs, s, recordKeys, hopLeaves, fp: c.proof(recordKeys, hopLeaves, { tx_id: hex(gift.id) }), receipt: c.receiptProof(1) };
}

const verify = (s, fp = s.fp, receipt = s.receipt) => flow.verifyFlow(fp, receipt, s.anchor);

async function fails(s, check, pattern, fp, receipt) {
  const r = await verify(s, fp, receipt);
  assert.equal(r.ok, false, `expected ${check} to fail`);
  assert.equal(r.check, check, `failed at ${r.check}: ${r.message}`);
  if (pattern) assert.match(r.message, pattern);
}

const shape = (hops) => hops.map((h) => [h.fate, h.account, Number(h.amountFen), h.leaf === null ? null : Number(h.leaf), shape(h.children)]);
const clone = (x) => JSON.parse(JSON.stringify(x));
const flip = (h) => (h[0] === '0' ? '1' : '0') + h.slice(1);

describe('flow proofs', () => {
  before(async () => {
    flow = await load('verify/flow.js');
  });

  it('rebuilds the trace of an honest proof', async () => {
    const s = scenario();
    const r = await verify(s);
    assert.equal(r.ok, true, r.message);
    const v = r.value;
    assert.deepEqual(shape(v.roots), [
      ['moved_on', 'org:fed', 300, 2, [['spent', 'project:p1', 100, 3, []], ['unspent', 'project:p1', 200, null, []]]],
      ['unspent', 'org:fed', 700, null, []],
    ]);
    assert.equal(v.nodeCount, 4);
    assert.equal(v.truncated, false);
    assert.deepEqual(v.totals, { spent: 100n, unspent: 900n, refunded: 0n, withdrawn: 0n, untraced: 0n });
    assert.equal(v.bank.orgId, 'bank1');
    assert.equal(v.names.get('project:p1').nameZh, '助学项目');
    assert.equal(v.names.get('org:fed').nameEn, 'Charity Federation');
    const spend = v.roots[0].children[0].payload;
    assert.equal(spend.category, 'material');
    assert.equal(spend.payeeName, '超市');
    assert.equal(spend.beneficiaryCount, 12);
    assert.equal(spend.invoiceHash, hex(invoice));
    assert.equal(v.giftBody.donorDisplayName, '李四');
    assert.equal(v.giftBody.memo, '加油');
    assert.deepEqual(r.passed, flow.FLOW_CHECKS);
  });

  it('rebuilds a refunded gift', async () => {
    const s = scenario({ refund: true });
    const r = await verify(s);
    assert.equal(r.ok, true, r.message);
    assert.deepEqual(shape(r.value.roots).map((n) => n.slice(0, 4)), [['moved_on', 'org:fed', 300, 2], ['refunded', 'org:fed', 700, 4]]);
    assert.equal(r.value.roots[1].payload.reason, '捐赠人要求');
  });

  it('flow_header: a changed header, a forged commit, an older header', async () => {
    const s = scenario();
    const a = clone(s.fp);
    a.header.time_ms += 1;
    await fails(s, 'flow_header', /block_hash/, a);
    const b = clone(s.fp);
    b.commit.signatures[0].signature = flip(b.commit.signatures[0].signature);
    await fails(s, 'flow_header', /commit/, b);
    await fails(s, 'flow_header', /older/, s.fp, { ...s.receipt, header: { ...s.receipt.header, height: 10 } });
  });

  it('state_proof: a tampered sibling, a changed value, an extra record of another account, a record of another state', async () => {
    const s = scenario();
    const a = clone(s.fp);
    a.state_proof = a.state_proof.slice(0, 10) + flip(a.state_proof.slice(10));
    await fails(s, 'state_proof', null, a);
    const b = clone(s.fp);
    const fedRecord = b.records.find((r) => r.key === hex(keys.account('org:fed')));
    fedRecord.value = hex(account({ inflow: 1500, sent: 900, outPos: 900 }));
    await fails(s, 'state_proof', /not the proven one/, b);
    const c = clone(s.fp);
    c.records.push({ key: hex(keys.account('org:other')), value: hex(account({ inflow: 5, outPos: 0 })) });
    await fails(s, 'state_proof', /does not cover a\/org:other/, c);
    // The same records from a later state (another donation arrived): not this header's.
    const later = scenario({ edit: (x) => (x.fedAccount = account({ inflow: 1600, sent: 800, outPos: 800 })) });
    const d = clone(s.fp);
    d.records = later.fp.records;
    d.state_proof = later.fp.state_proof;
    await fails(s, 'state_proof', /state_root/, d);
  });

  it('missing_record: a record the walk needs is not in the proof', async () => {
    const s = scenario();
    const without = s.recordKeys.filter((k) => !k.equals(keys.account('project:p1')));
    await fails(s, 'missing_record', /a\/project:p1/, s.proof(without, s.hopLeaves, { tx_id: hex(s.gift.id) }));
    const noRange = s.recordKeys.filter((k) => !k.equals(keys.consumed('project:p1', 600)));
    await fails(s, 'missing_record', /f\/o\/project:p1/, s.proof(noRange, s.hopLeaves, { tx_id: hex(s.gift.id) }));
  });

  it('tx_inclusion: a hop tx whose inclusion path is wrong', async () => {
    const s = scenario();
    const a = clone(s.fp);
    a.txs[0].inclusion_path[0] = flip(a.txs[0].inclusion_path[0]);
    await fails(s, 'tx_inclusion', /log entry 2/, a);
  });

  it('gift: the gift record of another log entry or another transaction', async () => {
    const s = scenario();
    await fails(s, 'gift', /log entry/, s.fp, { ...s.receipt, leaf_index: 0 });
    await fails(s, 'gift', /another transaction/, { ...s.fp, tx_id: hex(s.txs[0].id) });
  });

  it('not_contiguous: a gap between consumed ranges', async () => {
    const s = scenario({
      edit: (x) => {
        x.ranges[0] = [keys.consumed('org:fed', 600), consumed({ kind: 'transfer', leaf: 2, length: 600, target: 'project:p1' })];
        x.ranges.push([keys.consumed('org:fed', 800), consumed({ kind: 'transfer', leaf: 2, length: 150, target: 'project:p1', targetStart: 600 })]);
      },
    });
    await fails(s, 'not_contiguous', /\[600, 650\) of org:fed/);
  });

  it('wrong_account: a hop into an account that has no record', async () => {
    const s = scenario({ edit: (x) => (x.p1Account = null) });
    await fails(s, 'wrong_account', /project:p1 has no record/);
  });

  it('hop_tx: a hop tx missing from the proof, or of the wrong kind', async () => {
    const s = scenario();
    await fails(s, 'hop_tx', /log entry 3/, s.proof(s.recordKeys, [2], { tx_id: hex(s.gift.id) }));
    const t = scenario({ edit: (x) => (x.ranges[1] = [keys.consumed('project:p1', 600), consumed({ kind: 'spend', leaf: 0, length: 600 })]) });
    await fails(t, 'hop_tx', /not a spend from project:p1/, t.proof(t.recordKeys, [0, 2], { tx_id: hex(t.gift.id) }));
  });

  it('names: an account shown without its record', async () => {
    const s = scenario();
    const without = s.recordKeys.filter((k) => !k.equals(keys.project('p1')));
    await fails(s, 'names', /project:p1/, s.proof(without, s.hopLeaves, { tx_id: hex(s.gift.id) }));
  });

  it('bank: the attesting bank did not sign, or is not a bank, or is not proven', async () => {
    const other = keypair();
    const a = scenario({ edit: (x) => (x.bankRecord = orgRecord({ id: 'bank1', kind: 'bank', zh: '某银行', en: 'Some Bank', keys: [other.publicKey] })) });
    await fails(a, 'bank', /no signature/);
    const b = scenario({ edit: (x) => (x.bankRecord = orgRecord({ id: 'bank1', kind: 'charity', zh: '某银行', en: 'Some Bank', keys: [bank.publicKey] })) });
    await fails(b, 'bank', /not registered as a bank/);
    const c = scenario();
    const without = c.recordKeys.filter((k) => !k.equals(keys.org('bank1')));
    await fails(c, 'bank', /bank bank1/, c.proof(without, c.hopLeaves, { tx_id: hex(c.gift.id) }));
  });

  it('bank: a spend is attested only by its proven r/a/ record, and its absence is proven too', async () => {
    const s = scenario({ refund: true });
    const r = await verify(s);
    assert.equal(r.ok, true, r.message);
    const spend = r.value.roots[0].children[0];
    assert.equal(spend.fate, 'spent');
    assert.equal(spend.attestedBy.orgId, 'bank1');
    assert.equal(r.value.roots[1].fate, 'refunded');
    assert.equal(r.value.roots[1].attestedBy, null);
    const plain = scenario({ edit: (x) => (x.spendAttestation = null) });
    const p = await verify(plain);
    assert.equal(p.ok, true, p.message);
    assert.equal(p.value.roots[0].children[0].attestedBy, null);
    // A proof that leaves the record out cannot claim either way.
    const spendId = s.txs[3].id;
    const without = s.recordKeys.filter((k) => !k.equals(keys.attestation(spendId)));
    await fails(s, 'missing_record', /r\/a\//, s.proof(without, s.hopLeaves, { tx_id: hex(s.gift.id) }));
    // A record naming a non-bank is refused.
    const odd = scenario({ edit: (x) => (x.spendAttestation = Buffer.from('fed')) });
    await fails(odd, 'bank', /not a bank/);
  });

  it('stops at max_nodes and leaves the rest unexpanded', async () => {
    const s = scenario();
    const r = await verify(s, { ...s.fp, max_nodes: 2 });
    assert.equal(r.ok, true, r.message);
    assert.equal(r.value.truncated, true);
    assert.equal(r.value.roots[0].expanded, false);
    assert.deepEqual(r.value.totals, { spent: 0n, unspent: 700n, refunded: 0n, withdrawn: 0n, untraced: 300n });
  });
});

describe('reverse-walk proofs (sources of a spend)', () => {
  let sources;
  before(async () => {
    sources = await load('verify/sources.js');
  });

  // The node's page for offsets [cursor, next) of the spend at log entry 3.
  function page(sc, { cursor = 0, next = null, items, recordKeys = sc.s.reverse.map(([k]) => k), leaves = [0, 1, 3] } = {}) {
    const origin = (leaf, name) => ({ id: hex(sc.txs[leaf].id), code: 'x', kind: 'donation', leaf, time_ms: 0, account: 'org:fed', amount_fen: leaf === 0 ? 500 : 1000, donor_display_name: name });
    return {
      outflow: { id: hex(sc.txs[3].id), code: 'x', kind: 'spend', leaf: 3, time_ms: 0, from_account: 'project:p1', from_name_zh: '', to_account: null, amount_fen: 600 },
      sources: items ?? [
        { origin: origin(0, ''), amount_fen: 500, path: ['org:fed', 'project:p1'] },
        { origin: origin(1, '李四'), amount_fen: 100, path: ['org:fed', 'project:p1'] },
      ],
      next,
      proof: sc.proof(recordKeys, leaves, { outflow_leaf: 3, cursor, limit: 20 }),
      cursor,
    };
  }
  const check = (sc, p) => sources.verifySources(p, hex(sc.txs[3].id), BigInt(p.cursor), sc.anchor);

  it('verifies an honest page and a page from a cursor', async () => {
    const sc = scenario();
    const r = await check(sc, page(sc));
    assert.equal(r.ok, true, r.message);
    assert.deepEqual(r.value.sources.map((x) => [Number(x.originLeaf), Number(x.amountFen), x.path.join('>')]), [[0, 500, 'org:fed>project:p1'], [1, 100, 'org:fed>project:p1']]);
    const p = page(sc, { cursor: 450, next: 550 });
    p.sources = [{ ...p.sources[0], amount_fen: 50 }, { ...p.sources[1], amount_fen: 50 }];
    const r2 = await check(sc, p);
    assert.equal(r2.ok, true, r2.message);
    assert.equal(r2.value.next, 550n);
  });

  it('fails a page whose amounts, donors or paths differ from the proof', async () => {
    const sc = scenario();
    for (const [edit, pattern] of [
      [(p) => (p.sources[0].amount_fen = 400), /source 1 amount/],
      [(p) => (p.sources[1].origin.donor_display_name = '王五'), /source 2 donor name/],
      [(p) => (p.sources[0].path = ['project:p1']), /source 1 path/],
      [(p) => p.sources.pop(), /lists 1 sources, the proof 2/],
    ]) {
      const p = page(sc);
      edit(p);
      const r = await check(sc, p);
      assert.equal(r.ok, false);
      assert.equal(r.check, 'sources');
      assert.match(r.message, pattern);
    }
  });

  it('fails a proof without an inflow, without the outflow tx, or with a wrong sibling', async () => {
    const sc = scenario();
    const keysWithout = sc.s.reverse.map(([k]) => k).filter((k) => !k.equals(keys.inflow('org:fed', 1500)));
    const a = await check(sc, page(sc, { recordKeys: keysWithout }));
    assert.equal(a.check, 'missing_record', a.message);
    const b = await check(sc, page(sc, { leaves: [0, 1] }));
    assert.equal(b.check, 'outflow', b.message);
    const p = page(sc);
    p.proof.state_proof = p.proof.state_proof.slice(0, 4) + flip(p.proof.state_proof.slice(4));
    const c = await check(sc, p);
    assert.equal(c.check, 'state_proof', c.message);
  });
});

// The same ledger after the spend (log entry 3) was corrected at entry 4: its range of p1 is
// re-marked "corrected" and points at the 600 fen back in p1 at [800, 1400). Or, in the second
// shape, a gift of 1000 to org:fed corrected whole at entry 2 (withdrawn).
function correctedScenario({ editLink = (l) => l, leaves = [2, 3, 4], backAt = 800, backTo = 'project:p1' } = {}) {
  const d1 = tx(15, pb([[1, 'org:fed'], [2, 500], [8, 1], [9, 'bank1']]), [bank]);
  const gift = tx(15, pb([[1, 'org:fed'], [2, 1000], [4, '李四'], [8, 1], [9, 'bank1']]), [bank]);
  const transfer = tx(16, pb([[1, 'org:fed'], [2, 'project:p1'], [3, 800], [4, '拨付']]), [fed]);
  const spend = tx(20, pb([[1, 'project:p1'], [2, 600], [3, 1], [4, 1], [5, '超市'], [6, 12], [7, invoice], [8, '米面油']]), [fed]);
  const fix = tx(25, pb([[1, spend.id], [2, '重复入账'], [3, spend.body]]), [fed]);
  const link = editLink({ correctionTxId: fix.id, correctionLeaf: 4, correctedLeaf: 3, amount: 600 });
  const ranges = [
    [keys.consumed('org:fed', 800), consumed({ kind: 'transfer', leaf: 2, length: 800, target: 'project:p1' })],
    [keys.consumed('project:p1', 600), consumed({ kind: 'corrected', leaf: 3, length: 600, targetStart: backAt, target: backTo })],
  ];
  const state = [
    [keys.gift(gift.id), giftRecord({ leaf: 1, height: 3, timeMs: 1767225700003, account: 'org:fed', amount: 1000, intervalStart: 500, attested: true, bank: 'bank1', channel: 1, recordedBy: 'fed' })],
    [keys.account('org:fed'), account({ inflow: 1500, sent: 800, outPos: 800 })],
    [keys.account('project:p1'), account({ inflow: 600, received: 800, spent: 600, outPos: 600 })],
    ...ranges,
    [keys.correction(spend.id), correctionRecord(link)],
    [keys.org('fed'), orgRecord({ id: 'fed', kind: 'federation', zh: '慈善总会', en: 'Charity Federation', keys: [fed.publicKey] })],
    [keys.org('bank1'), orgRecord({ id: 'bank1', kind: 'bank', zh: '某银行', en: 'Some Bank', keys: [bank.publicKey] })],
    [keys.project('p1'), projectRecord({ id: 'p1', owner: 'fed', zh: '助学项目', en: 'School project' })],
  ];
  const c = chain({ txs: [d1, gift, transfer, spend, fix], state });
  // The corrected spend was co-signed by no bank: its r/a/ record is proven absent.
  const recordKeys = [...state.map(([k]) => k), keys.attestation(spend.id)];
  return { ...c, gift, spend, fix, recordKeys, fp: c.proof(recordKeys, leaves, { tx_id: hex(gift.id) }), receipt: c.receiptProof(1) };
}

function withdrawnScenario({ fixPayload } = {}) {
  const gift = tx(15, pb([[1, 'org:fed'], [2, 1000], [4, '李四'], [8, 1], [9, 'bank1']]), [bank]);
  const other = tx(15, pb([[1, 'org:fed'], [2, 5], [8, 1], [9, 'bank1']]), [bank]);
  const fix = tx(25, fixPayload ?? pb([[1, gift.id], [2, '金额录错'], [3, gift.body]]), [bank]);
  const state = [
    [keys.gift(gift.id), giftRecord({ leaf: 0, height: 2, timeMs: 1767225700002, account: 'org:fed', amount: 1000, intervalStart: 0, attested: true, bank: 'bank1', channel: 1, recordedBy: 'fed', correctedLeaf: 2 })],
    [keys.account('org:fed'), account({ inflow: 1005, refunded: 1000, outPos: 1000 })],
    [keys.consumed('org:fed', 1000), consumed({ kind: 'withdrawn', leaf: 2, length: 1000 })],
    [keys.org('fed'), orgRecord({ id: 'fed', kind: 'federation', zh: '慈善总会', en: 'Charity Federation', keys: [fed.publicKey] })],
    [keys.org('bank1'), orgRecord({ id: 'bank1', kind: 'bank', zh: '某银行', en: 'Some Bank', keys: [bank.publicKey] })],
  ];
  const c = chain({ txs: [gift, other, fix], state });
  return { ...c, gift, fix, fp: c.proof(state.map(([k]) => k), [2], { tx_id: hex(gift.id) }), receipt: c.receiptProof(0) };
}

describe('flow proofs across corrections', () => {
  before(async () => {
    flow = await load('verify/flow.js');
  });

  it('walks a corrected spend back into its account and binds the correction', async () => {
    const s = correctedScenario();
    const r = await verify(s);
    assert.equal(r.ok, true, r.message);
    assert.deepEqual(shape(r.value.roots), [
      ['moved_on', 'org:fed', 300, 2, [['corrected', 'project:p1', 100, 3, [['unspent', 'project:p1', 100, null, []]]], ['unspent', 'project:p1', 200, null, []]]],
      ['unspent', 'org:fed', 700, null, []],
    ]);
    const corrected = r.value.roots[0].children[0];
    assert.equal(corrected.payload.kind, 'spend');
    assert.equal(corrected.correction.body.reason, '重复入账');
    assert.equal(corrected.correction.tx.id, hex(s.fix.id));
    assert.deepEqual(r.value.totals, { spent: 0n, unspent: 1000n, refunded: 0n, withdrawn: 0n, untraced: 0n });
  });

  it('fails a corrected spend without its link, its correction tx, or with a link to another tx', async () => {
    const s = correctedScenario();
    const without = s.recordKeys.filter((k) => !k.equals(keys.correction(s.spend.id)));
    await fails(s, 'missing_record', /r\/c\//, s.proof(without, [2, 3, 4], { tx_id: hex(s.gift.id) }));
    await fails(s, 'hop_tx', /its correction at log entry 4 is not in the proof/, s.proof(s.recordKeys, [2, 3], { tx_id: hex(s.gift.id) }));
    const forged = correctedScenario({ editLink: (l) => ({ ...l, correctionLeaf: 2 }) });
    await fails(forged, 'hop_tx', /not the correction its record names/, forged.proof(forged.recordKeys, [2, 3, 4], { tx_id: hex(forged.gift.id) }));
  });

  it('refuses a corrected range that does not come back later in the same stream', async () => {
    // The money claimed back at p1's position 0: inside the range itself (a walk could loop).
    await fails(correctedScenario({ backAt: 0 }), 'wrong_account', /same stream/);
    await fails(correctedScenario({ backTo: 'org:fed' }), 'wrong_account', /same stream/);
  });

  it('walks a withdrawn gift to its correction', async () => {
    const s = withdrawnScenario();
    const r = await verify(s);
    assert.equal(r.ok, true, r.message);
    assert.deepEqual(shape(r.value.roots), [['withdrawn', 'org:fed', 1000, 2, []]]);
    assert.equal(r.value.roots[0].payload.kind, 'correction');
    assert.deepEqual(r.value.totals, { spent: 0n, unspent: 0n, refunded: 0n, withdrawn: 1000n, untraced: 0n });
    const other = withdrawnScenario({ fixPayload: pb([[1, Buffer.alloc(32, 7)], [2, '别的'], [3, Buffer.from('x')]]) });
    await fails(other, 'hop_tx', /not a correction of this gift/);
  });
});
