// The shared test vectors (tests/vectors/, made and checked by the C++ tests/unit/vectors_test.cc)
// run through the SDK's verifier (which the explorer uses): the same bytes, ids, signatures, Merkle proofs,
// checkpoint notes and receipt answers must pass here, and the invalid ones fail.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from './load.mjs';
import { pb } from './ledgerref.mjs';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../tests/vectors');
const vector = (name) => JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
const utf8 = (s) => new TextEncoder().encode(s);
const SIG_DOMAIN = utf8('shanliu/tx/v1\0');

let v; // the bundled verifier functions

// The explorer accepts an envelope when it parses, carries a signature and every one verifies.
async function accepts(envelopeHex) {
  let env;
  try {
    env = v.parseEnvelope(v.fromHex(envelopeHex));
  } catch {
    return false;
  }
  if (env.sigs.length === 0) return false;
  for (const s of env.sigs) {
    if (!(await v.ed25519Verify(s.publicKey, s.sig, v.concat(SIG_DOMAIN, env.body)))) return false;
  }
  return true;
}

// The node's answers, served to the anchor as the node served them (undefined: a 404).
let served = {};
const serve = (responses) => (served = responses);
const getServed = async (p) => (served[p] === undefined ? undefined : structuredClone(served[p]));

describe('shared vectors', () => {
  before(async () => {
    v = Object.assign(
      {},
      ...(await Promise.all(['base32', 'bytes', 'crypto', 'protobuf', 'txbody', 'merkle', 'note', 'genesis', 'answer', 'goods'].map((m) => load(`verify/${m}.js`)))),
    );
    v.loadAnchor = () => v.buildAnchor(getServed);
  });

  it('tx vectors: the body hashes to the tx id and code, and every signature verifies', async () => {
    const f = vector('txs.json');
    assert.ok(f.txs.length >= 4);
    for (const t of f.txs) {
      const env = v.parseEnvelope(v.fromHex(t.envelope));
      assert.equal(v.toHex(env.body), t.body, t.name);
      const id = v.txIdOf(env.body);
      assert.equal(v.toHex(id), t.tx_id, t.name);
      assert.equal(v.base32Encode(id), t.code, t.name);
      assert.equal(env.sigs.length, t.signatures.length, t.name);
      env.sigs.forEach((s, i) => assert.equal(v.toHex(s.publicKey), t.signatures[i].public_key, t.name));
      assert.ok(await accepts(t.envelope), t.name);
    }
  });

  it('tx vectors: the time bank kinds decode to their signed fields', () => {
    const f = vector('txs.json');
    const exchange = f.txs.find((t) => t.kind === 'service_exchange');
    const move = f.txs.find((t) => t.kind === 'move_points');
    assert.ok(exchange && move);
    const e = v.decodeTxBody(v.fromHex(exchange.body)).payload;
    assert.equal(e.kind, 'service_exchange');
    assert.equal(e.providerOrg, 'charity-v');
    assert.equal(e.minutes, 60);
    assert.equal(e.points, 0n);
    assert.equal(e.holder, exchange.signatures[0].public_key);
    const m = v.decodeTxBody(v.fromHex(move.body)).payload;
    assert.equal(m.kind, 'move_points');
    assert.equal(m.fromHolder, move.signatures[0].public_key);
    assert.equal(m.toHolder, move.signatures[1].public_key);
  });

  it('tx vectors: every invalid envelope is refused', async () => {
    const f = vector('txs.json');
    assert.ok(f.invalid.length >= 5);
    for (const t of f.invalid) assert.equal(await accepts(t.envelope), false, t.name);
  });

  it('merkle vectors: every inclusion path and consistency proof verifies, and fails when moved', async () => {
    const f = vector('merkle.json');
    const roots = new Map(f.roots.map((r) => [r.size, v.fromHex(r.root)]));
    const leaves = f.leaves.map((l) => v.fromHex(l.hash));
    let checked = 0;
    for (const p of f.inclusion) {
      const path = p.path.map((x) => v.fromHex(x));
      const ok = await v.verifyInclusion(BigInt(p.index), BigInt(p.size), leaves[p.index], path, roots.get(p.size));
      assert.ok(ok, `inclusion ${p.index} of ${p.size}`);
      if (p.size > 1) {
        const other = leaves[(p.index + 1) % p.size];
        assert.equal(await v.verifyInclusion(BigInt(p.index), BigInt(p.size), other, path, roots.get(p.size)), false);
      }
      checked++;
    }
    for (const p of f.consistency) {
      const proof = p.proof.map((x) => v.fromHex(x));
      const ok = await v.verifyConsistency(BigInt(p.old_size), BigInt(p.new_size), roots.get(p.old_size), roots.get(p.new_size), proof);
      assert.ok(ok, `consistency ${p.old_size} → ${p.new_size}`);
      if (p.old_size < p.new_size) {
        assert.equal(await v.verifyConsistency(BigInt(p.old_size), BigInt(p.new_size), roots.get(p.new_size), roots.get(p.old_size), proof), false);
      }
      checked++;
    }
    assert.equal(checked, 56);
  });

  describe('with the node answers of the vectors', () => {
    before(() => serve(vector('receipts.json').responses));

    it('checkpoint vectors: the cosigned note verifies, a changed signature rejects it, a stranger does not count', async () => {
      const f = vector('checkpoint.json');
      const { set } = await v.loadAnchor();
      for (const c of f.valid) {
        const r = await v.verifyCheckpointNote(c.note, set);
        assert.ok(r.ok, `${c.name}: ${r.problem}`);
        assert.equal(r.signers.length, c.cosigners);
        assert.equal(r.size, BigInt(f.log_size));
        assert.equal(r.rootHex, f.log_root);
      }
      const s = await v.verifyCheckpointNote(f.stranger_line_ignored.note, set);
      assert.ok(s.ok);
      assert.equal(s.signers.length, f.stranger_line_ignored.cosigners);
      for (const c of f.rejected) {
        const r = await v.verifyCheckpointNote(c.note, set);
        assert.equal(r.ok, false, c.name);
        assert.equal(r.problem, c.error, c.name);
      }
    });

    it('the anchor reads the genesis origin_key (the explorer checks origin lines against it), refusing a malformed one', async () => {
      const responses = vector('receipts.json').responses;
      assert.equal((await v.loadAnchor()).originKey, null, 'a one-validator genesis has none');
      const key = vector('checkpoint.json').origin_signed.origin_key;
      const withKey = (originKey) => {
        const doc = structuredClone(responses['/v1/genesis']);
        (doc.genesis ?? doc).origin_key = originKey;
        serve({ ...responses, '/v1/genesis': doc });
      };
      try {
        withKey(key);
        assert.equal(v.toHex((await v.loadAnchor()).originKey), key.verifying_key);
        for (const bad of [{}, { verifying_key: key.verifying_key.slice(2) }, { verifying_key: key.verifying_key.toUpperCase() }, 'x']) {
          withKey(bad);
          await assert.rejects(v.loadAnchor(), (e) => e.reason === 'malformed', JSON.stringify(bad));
        }
      } finally {
        serve(responses);
      }
    });

    it('receipt vectors: each answer is proven from genesis alone, the donation and its whole trace', async () => {
      const f = vector('receipts.json');
      const anchor = await v.loadAnchor();
      assert.equal(f.receipts.length, 2);
      for (const r of f.receipts) {
        const answer = f.responses[`/v1/receipts/${r.code}`];
        const a = await v.verifyAnswer(r.code, answer, anchor);
        assert.ok(v.answerVerified(a), `${r.name}: ${JSON.stringify({ receipt: a.receipt.ok, flow: a.flow?.ok, check: a.flow?.check, mismatch: a.mismatch })}`);
        assert.equal(a.proven.donation.amount_fen, answer.donation.amount_fen);
        assert.equal(a.proven.trace.nodes.length, answer.trace.nodes.length);
      }
    });

    it('receipt vectors: a changed amount, hop or proof byte is caught', async () => {
      const f = vector('receipts.json');
      const anchor = await v.loadAnchor();
      const { code } = f.receipts[0];
      const fresh = () => structuredClone(f.responses[`/v1/receipts/${code}`]);
      const amount = fresh();
      amount.donation.amount_fen += 1;
      assert.equal(v.answerVerified(await v.verifyAnswer(code, amount, anchor)), false, 'donation amount');
      const hop = fresh();
      hop.trace.nodes[0].amount_fen += 1;
      const hopResult = await v.verifyAnswer(code, hop, anchor);
      assert.equal(v.answerVerified(hopResult), false, 'hop amount');
      assert.ok(hopResult.mismatch, 'the changed hop is named as a mismatch');
      const proof = fresh();
      const sp = proof.flow_proof.state_proof;
      proof.flow_proof.state_proof = sp.slice(0, 200) + (sp[200] === '0' ? '1' : '0') + sp.slice(201);
      const proofResult = await v.verifyAnswer(code, proof, anchor);
      assert.equal(proofResult.flow.ok, false, 'a flipped state-proof byte fails the flow proof');
    });

    // Issue 19: a goods receipt, proven in units like money (the C++ verifier checks the same file).
    it('goods receipt vectors: the units, places and dates are proven from genesis alone', async () => {
      const f = vector('receipts.json');
      const anchor = await v.loadAnchor();
      assert.equal(f.goods_receipts.length, 1);
      const { code } = f.goods_receipts[0];
      const answer = f.responses[`/v1/receipts/${code}`];
      const a = await v.verifyGoodsAnswer(code, answer, anchor);
      assert.ok(v.goodsVerified(a), JSON.stringify({ receipt: a.receipt.ok, flow: a.flow?.ok, check: a.flow?.check, message: a.flow?.message, mismatch: a.mismatch }));
      assert.equal(a.proven.quantity, 1000);
      assert.equal(a.proven.item.unit, '只');
      assert.equal(a.proven.totals.distributed, 600);
      assert.equal(a.proven.totals.held, 400);
      const handed = a.proven.nodes[0].children[0];
      assert.equal(handed.fate, 'distributed');
      assert.equal(handed.quantity, 600);
      assert.equal(handed.tx.place_name, '西湖区人民医院');
      assert.match(handed.tx.date, /^\d{4}-\d{2}-\d{2}$/);
      assert.equal(a.flow.value.bank.orgId, 'bank-1');
      // A goods receipt is not a money receipt, and the reverse.
      assert.equal(v.answerVerified(await v.verifyAnswer(code, { ...answer, donation: { id: answer.goods.id, code, kind: 'donation', amount_fen: 1000, account: 'org:charity-v' } }, anchor)), false);
      const money = f.receipts[0].code;
      const asGoods = { goods: answer.goods, proof: f.responses[`/v1/receipts/${money}`].proof, flow_proof: f.responses[`/v1/receipts/${money}`].flow_proof };
      assert.equal(v.goodsVerified(await v.verifyGoodsAnswer(money, asGoods, anchor)), false);
    });

    it('goods receipt vectors: an altered quantity, place or removed signature is NOT verified', async () => {
      const f = vector('receipts.json');
      const anchor = await v.loadAnchor();
      const { code } = f.goods_receipts[0];
      const fresh = () => structuredClone(f.responses[`/v1/receipts/${code}`]);
      const quantity = fresh();
      quantity.goods.nodes[0].children[0].quantity += 1;
      const q = await v.verifyGoodsAnswer(code, quantity, anchor);
      assert.equal(v.goodsVerified(q), false, 'altered quantity');
      assert.equal(q.mismatch.check, 'hop quantity mismatch');
      const total = fresh();
      total.goods.quantity = 1001;
      assert.equal(v.goodsVerified(await v.verifyGoodsAnswer(code, total, anchor)), false, 'altered donated quantity');
      const place = fresh();
      place.goods.nodes[0].children[0].tx.place_name = '另一家医院';
      const p = await v.verifyGoodsAnswer(code, place, anchor);
      assert.equal(v.goodsVerified(p), false, 'altered place');
      assert.equal(p.mismatch.check, 'hop place mismatch');
      // A signature removed from the distribution's tx in the flow proof: its log leaf no longer matches.
      const unsigned = fresh();
      const leaf = unsigned.goods.nodes[0].children[0].tx.leaf;
      const t = unsigned.flow_proof.txs.find((x) => x.leaf === leaf);
      const env = v.parseEnvelope(v.fromHex(t.tx));
      t.tx = Buffer.from(pb([[1, env.body]])).toString('hex');
      const u = await v.verifyGoodsAnswer(code, unsigned, anchor);
      assert.equal(u.flow.ok, false, 'removed signature');
      assert.equal(u.flow.check, 'tx_inclusion');
      // ...and from the donation itself (the receipt proof).
      const unsignedGift = fresh();
      const genv = v.parseEnvelope(v.fromHex(unsignedGift.proof.tx));
      unsignedGift.proof.tx = Buffer.from(pb([[1, genv.body], ...genv.sigs.slice(1).map((g) => [2, pb([[1, g.publicKey], [2, g.sig]])])])).toString('hex');
      assert.equal((await v.verifyGoodsAnswer(code, unsignedGift, anchor)).receipt.ok, false, 'removed donation signature');
    });
  });
});
