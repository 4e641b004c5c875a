// The SDK's tx builders against the C++ encoder: the shared vectors' bodies (built by the ledger's
// protobuf code), protoc's own encoding of a sample of every payload kind, and hostile input.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { hex, repo, unhex, vector } from './vectors.mjs';

const sdk = await import('../dist/index.js');
const { encodeTxBody, parseTxBody, txIdHex, SdkError, PAYLOAD_KINDS, signTx, signerFromSeed, openEnvelope, receiptCodeOf } = sdk;

const code = (fn) => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SdkError, `a typed error, not ${e}`);
    return e.code;
  }
  assert.fail('expected an error');
};

const header = { chain_id: 'test-chain', created_at_ms: 1767225600000, nonce: 3, expires_at_ms: 1767312002000, expires_at_height: 102 };

describe('tx bodies', () => {
  it('builds the vectors\' bodies byte for byte from typed input', () => {
    const f = vector('txs.json');
    const byName = (n) => f.txs.find((t) => t.name === n);
    const donation = byName('bank-attested-donation-to-project');
    const built = encodeTxBody({
      ...header,
      kind: 'donation',
      payload: {
        to_account: 'project:school-meals',
        amount_fen: 1200000,
        donor_ref: donation.body.slice(donation.body.indexOf('1a20') + 4, donation.body.indexOf('1a20') + 68),
        channel: 'mobile_payment',
        attesting_bank: 'bank-1',
      },
    });
    assert.equal(hex(built), donation.body);
    assert.equal(txIdHex(built), donation.tx_id);
    assert.equal(receiptCodeOf(unhex(donation.tx_id)), donation.code);
    const spend = byName('spend-from-project');
    const spendBody = encodeTxBody({
      ...header,
      nonce: 6n,
      expires_at_height: 104,
      expires_at_ms: 1767312004000,
      kind: 'spend',
      payload: { from_account: 'project:school-meals', amount_fen: 432109n, category: 'material', payee_kind: 'vendor', payee_name: '杭州某某食品有限公司', beneficiary_count: 10, description: '米面粮油', occurred_at_ms: 1767225600000 },
    });
    assert.equal(hex(spendBody), spend.body);
    const transfer = byName('transfer-charity-to-project');
    const transferBody = encodeTxBody({ ...header, nonce: 5, expires_at_height: 103, expires_at_ms: 1767312003000, kind: 'transfer', payload: { from_account: 'org:charity-v', to_account: 'project:school-meals', amount_fen: 100000, purpose: 'allocation' } });
    assert.equal(hex(transferBody), transfer.body);
  });

  it('decodes every vector body and re-encodes it to the same bytes', () => {
    for (const t of vector('txs.json').txs) {
      const tx = parseTxBody(unhex(t.body));
      assert.equal(tx.kind, t.kind, t.name);
      assert.equal(hex(encodeTxBody(tx)), t.body, t.name);
      assert.equal(txIdHex(unhex(t.body)), t.tx_id, t.name);
    }
  });

  it('signs the vectors\' bodies into their exact envelopes (Ed25519 is deterministic)', async () => {
    // tests/support TestKey(name): seed = SHA-256(name)
    const names = ['vectors-charity', 'vectors-resident', 'vectors-resident-2027', 'bank-1', 'bureau', 'federation', 'charity-v'];
    const keys = new Map();
    for (const n of names) {
      const s = await signerFromSeed(new Uint8Array(createHash('sha256').update(n).digest()));
      keys.set(s.publicKeyHex, s);
    }
    let rebuilt = 0;
    for (const t of vector('txs.json').txs) {
      const signers = t.signatures.map((s) => keys.get(s.public_key));
      if (signers.some((s) => !s)) continue;
      assert.equal(hex(await signTx(unhex(t.body), signers)), t.envelope, t.name);
      rebuilt++;
    }
    assert.ok(rebuilt >= 3, `rebuilt ${rebuilt} envelopes`);
  });

  it('opens every valid vector envelope and refuses every invalid one with a typed code', async () => {
    const f = vector('txs.json');
    for (const t of f.txs) assert.equal(hex((await openEnvelope(unhex(t.envelope))).body), t.body);
    const codes = {};
    for (const t of f.invalid) {
      const e = await openEnvelope(unhex(t.envelope)).then(() => null, (err) => err);
      assert.ok(e instanceof SdkError, t.name);
      codes[t.name] = e.code;
    }
    assert.equal(codes['signature-last-bit-flipped'], 'bad_signature');
    assert.equal(codes['body-changed-after-signing'], 'bad_signature');
    assert.equal(codes['no-signature'], 'missing_signature');
    assert.equal(codes['truncated-by-one-byte'], 'malformed');
  });
});

// One sample per payload kind, every field set to a non-zero value, in protobuf text format too.
const K = 'ab'.repeat(32);
const SAMPLES = {
  register_org: [{ org_id: 'charity-x', kind: 'charity', name_zh: '甲', name_en: 'X', credit_code: '12330100MA0000015R', public_keys: [K, 'cd'.repeat(32)], account_banks: ['bank-1', 'bank-2'], region: '330106001' }, 'org_id:"charity-x" kind:ORG_KIND_CHARITY name_zh:"甲" name_en:"X" credit_code:"12330100MA0000015R" public_keys:"KEY" public_keys:"KEY2" account_banks:"bank-1" account_banks:"bank-2" region:"330106001"'],
  update_org: [{ org_id: 'charity-x', status: 'suspended', reason: 'audit', account_banks: [], region: '330108' }, 'org_id:"charity-x" status:ORG_STATUS_SUSPENDED reason:"audit" account_banks {} region:"330108"'],
  rotate_key: [{ org_id: 'charity-x', old_public_key: K, new_public_key: 'cd'.repeat(32) }, 'org_id:"charity-x" old_public_key:"KEY" new_public_key:"KEY2"'],
  open_project: [{ project_id: 'p-1', owner_org: 'charity-x', name_zh: '甲', name_en: 'P', category: 'elder-care', region: '330106', budget_fen: 5000000, starts_at_ms: 1, ends_at_ms: 2, description: 'd' }, 'project_id:"p-1" owner_org:"charity-x" name_zh:"甲" name_en:"P" category:"elder-care" region:"330106" budget_fen:5000000 starts_at_ms:1 ends_at_ms:2 description:"d"'],
  close_project: [{ project_id: 'p-1', summary: 'done' }, 'project_id:"p-1" summary:"done"'],
  donation: [{ to_account: 'org:x', amount_fen: -5, donor_ref: K, donor_display_name: 'A', points_holder: K, bank_ref_hash: K, receipt_number_hash: K, channel: 'other', attesting_bank: 'bank-1', memo: 'm' }, 'to_account:"org:x" amount_fen:-5 donor_ref:"KEY" donor_display_name:"A" points_holder:"KEY" bank_ref_hash:"KEY" receipt_number_hash:"KEY" channel:DONATION_CHANNEL_OTHER attesting_bank:"bank-1" memo:"m"'],
  transfer: [{ from_account: 'org:x', to_account: 'project:p-1', amount_fen: 9223372036854775807n, purpose: 'p' }, 'from_account:"org:x" to_account:"project:p-1" amount_fen:9223372036854775807 purpose:"p"'],
  open_trust: [{ trust_id: 't-1', name_zh: '甲', name_en: 'T', trustee_org: 'tr', custodian_bank: 'bank-1', purpose: 'p', filing_number: 'f', term_ends_at_ms: 18446744073709551615n }, 'trust_id:"t-1" name_zh:"甲" name_en:"T" trustee_org:"tr" custodian_bank:"bank-1" purpose:"p" filing_number:"f" term_ends_at_ms:18446744073709551615'],
  trust_deposit: [{ trust_id: 't-1', amount_fen: 1, settlor_ref: K, settlor_display_name: 's', bank_ref_hash: K }, 'trust_id:"t-1" amount_fen:1 settlor_ref:"KEY" settlor_display_name:"s" bank_ref_hash:"KEY"'],
  trust_disbursement: [{ trust_id: 't-1', to_account: 'org:x', amount_fen: 2, purpose: 'p' }, 'trust_id:"t-1" to_account:"org:x" amount_fen:2 purpose:"p"'],
  spend: [{ from_account: 'org:x', amount_fen: 3, category: 'admin', payee_kind: 'organisation', payee_name: 'n', beneficiary_count: 4294967295, invoice_hash: K, description: 'd', occurred_at_ms: 5 }, 'from_account:"org:x" amount_fen:3 category:SPEND_CATEGORY_ADMIN payee_kind:PAYEE_KIND_ORGANISATION payee_name:"n" beneficiary_count:4294967295 invoice_hash:"KEY" description:"d" occurred_at_ms:5'],
  refund: [{ donation_tx_id: K, reason: 'r' }, 'donation_tx_id:"KEY" reason:"r"'],
  volunteer_service: [{ charity_org: 'c', holder: K, minutes: 90, activity: 'a', occurred_at_ms: 7 }, 'charity_org:"c" holder:"KEY" minutes:90 activity:"a" occurred_at_ms:7'],
  redeem_points: [{ holder: K, merchant_org: 'm', points: 300, item: 'i' }, 'holder:"KEY" merchant_org:"m" points:300 item:"i"'],
  disclosure: [{ org_id: 'o', type: 'fundraising_plan', title: 't', period: '2025', document_sha256: K, url: 'https://x', project_id: 'p-1' }, 'org_id:"o" type:DISCLOSURE_TYPE_FUNDRAISING_PLAN title:"t" period:"2025" document_sha256:"KEY" url:"https://x" project_id:"p-1"'],
  correction: [{ corrected_tx_id: K, reason: 'r', corrected_tx_body: '0a01' }, 'corrected_tx_id:"KEY" reason:"r" corrected_tx_body:"\\n\\001"'],
  update_project: [{ project_id: 'p-1', description: 'd', ends_at_ms: 9, budget_fen: 10, reason: 'r' }, 'project_id:"p-1" description:"d" ends_at_ms:9 budget_fen:10 reason:"r"'],
  service_exchange: [{ holder: K, provider_org: 'c', minutes: 60, service: 's', points: 100 }, 'holder:"KEY" provider_org:"c" minutes:60 service:"s" points:100'],
  move_points: [{ from_holder: K, to_holder: 'cd'.repeat(32) }, 'from_holder:"KEY" to_holder:"KEY2"'],
  goods_donation: [{ to_account: 'org:x', item_code: 'rice-10kg', unit: '袋', quantity: 1000000000000n, value_fen: 4800000, donor_ref: K, donor_display_name: '某粮油集团', lot_number: 'L1', expires_on: 20270630, receipt_number_hash: K, notary_org: 'bank-1', memo: 'm' }, 'to_account:"org:x" item_code:"rice-10kg" unit:"袋" quantity:1000000000000 value_fen:4800000 donor_ref:"KEY" donor_display_name:"某粮油集团" lot_number:"L1" expires_on:20270630 receipt_number_hash:"KEY" notary_org:"bank-1" memo:"m"'],
  goods_transfer: [{ from_account: 'org:x', to_account: 'org:y', item_code: 'quilt', unit: '床', quantity: 300, purpose: 'p' }, 'from_account:"org:x" to_account:"org:y" item_code:"quilt" unit:"床" quantity:300 purpose:"p"'],
  goods_distribution: [{ from_account: 'project:p-1', item_code: 'mask-medical', unit: '只', quantity: 600, region: '330106', place_name: '医院', beneficiary_count: 600, evidence_hash: K, occurred_at_ms: 8, description: 'd' }, 'from_account:"project:p-1" item_code:"mask-medical" unit:"只" quantity:600 region:"330106" place_name:"医院" beneficiary_count:600 evidence_hash:"KEY" occurred_at_ms:8 description:"d"'],
  honour_name: [{ holder: K, display_name: '小雨点' }, 'holder:"KEY" display_name:"小雨点"'],
  register_goods_item: [{ item: { item_code: 'tent-family', name_zh: '家庭帐篷', name_en: 'Family tent', unit: '顶', category: 'daily_necessities', perishable: true } }, 'item { item_code:"tent-family" name_zh:"家庭帐篷" name_en:"Family tent" unit:"顶" category:GOODS_CATEGORY_DAILY_NECESSITIES perishable:true }'],
  region_population: [{ region: '330106', year: 2026, population: 1135000 }, 'region:"330106" year:2026 population:1135000'],
  register_street: [{ code: '330106001', name_zh: '北山街道' }, 'code:"330106001" name_zh:"北山街道"'],
};

const octal = (h) => [...Buffer.from(h, 'hex')].map((b) => '\\' + b.toString(8).padStart(3, '0')).join('');
const protoc = process.env.SHANLIU_PROTOC || '/usr/bin/protoc';

describe('every payload kind', () => {
  it('has a sample here (a new payload needs one)', () => {
    assert.deepEqual(Object.keys(SAMPLES).sort(), [...PAYLOAD_KINDS].sort());
  });

  it('encodes exactly as protoc (the C++ protobuf library) does, and decodes back', { skip: !process.env.SHANLIU_PROTOC && !existsSync(protoc) && 'protoc not found (CTest passes SHANLIU_PROTOC)' }, () => {
    for (const [kind, [payload, text]] of Object.entries(SAMPLES)) {
      const tx = { ...header, kind, payload };
      const textFormat = `chain_id:"test-chain" expires_at_height:102 nonce:3 created_at_ms:1767225600000 expires_at_ms:1767312002000 ${kind} { ${text.replaceAll('KEY2', octal('cd'.repeat(32))).replaceAll('KEY', octal(K))} }`;
      const want = execFileSync(protoc, ['--encode=shanliu.pb.TxBody', `-I${path.join(repo, 'ledger/proto')}`, 'shanliu.proto'], { input: textFormat });
      const got = encodeTxBody(tx);
      assert.equal(hex(got), want.toString('hex'), kind);
      assert.equal(hex(encodeTxBody(parseTxBody(got))), hex(got), kind);
    }
  });

  it('writes a payload whose fields are all zero as an empty oneof member', () => {
    const body = encodeTxBody({ ...header, kind: 'close_project', payload: {} });
    assert.ok(hex(body).endsWith('7200')); // field 14, wire 2, length 0
    assert.equal(parseTxBody(body).kind, 'close_project');
  });
});

describe('register_goods_item (a nested GoodsItem)', () => {
  const item = { item_code: 'tent-family', name_zh: '家庭帐篷', unit: '顶', category: 'daily_necessities' };
  const at = (payload) => () => encodeTxBody({ ...header, kind: 'register_goods_item', payload });

  it('writes the item even when empty, leaves perishable false out, and reads back what it wrote', () => {
    // Field 34 (tag 0x92 0x02), then item (field 1) of length 0: present, as C++ writes a set message.
    assert.ok(hex(at({ item: {} })()).endsWith('9202020a00'));
    assert.ok(hex(at({})()).endsWith('920200')); // no item at all: the ledger refuses it as malformed
    const plain = at({ item: { ...item, perishable: false } })();
    assert.equal(hex(plain), hex(at({ item })()));
    const perishable = at({ item: { ...item, perishable: true } })();
    assert.ok(hex(perishable).endsWith('3001')); // field 6, varint 1
    assert.deepEqual(parseTxBody(perishable).payload, { item: { ...item, perishable: true } });
    for (const category of ['epidemic_prevention', 'food', 'clothing', 'medicine', 'school_supplies', 'daily_necessities', 'other']) {
      assert.equal(parseTxBody(at({ item: { ...item, category } })()).payload.item.category, category);
    }
  });

  it('refuses malformed builder input with invalid_argument', () => {
    assert.equal(code(at({ item: 'tent' })), 'invalid_argument');
    assert.equal(code(at({ item: null })), 'invalid_argument');
    assert.equal(code(at({ item: [item] })), 'invalid_argument');
    assert.equal(code(at({ item: { ...item, colour: 'green' } })), 'invalid_argument'); // unknown nested field
    assert.equal(code(at({ item: { ...item, category: 'food-aid' } })), 'invalid_argument');
    assert.equal(code(at({ item: { ...item, category: 'epidemic-prevention' } })), 'invalid_argument'); // the API's spelling, not the enum's
    assert.equal(code(at({ item: { ...item, perishable: 1 } })), 'invalid_argument');
    assert.equal(code(at({ item: { ...item, perishable: 'true' } })), 'invalid_argument');
    assert.equal(code(at({ item: { ...item, unit: '\ud800' } })), 'invalid_argument');
    assert.equal(code(at({ item, extra: 1 })), 'invalid_argument');
  });

  it('refuses hostile bodies with malformed', () => {
    const good = hex(at({ item: { ...item, perishable: true } })());
    // perishable written as 2: decodes as true but does not re-encode to the same bytes.
    assert.equal(code(() => parseTxBody(unhex(good.replace(/3001$/, '3002')))), 'malformed');
    // perishable with a length-delimited wire type (field 6, wire 2).
    const lenPrefix = good.slice(0, good.length - 4);
    assert.equal(code(() => parseTxBody(unhex(lenPrefix + '3201' + '01'))), 'malformed');
    // An unknown field (7) inside the item.
    assert.equal(code(() => parseTxBody(unhex(hex(at({ item: {} })()).replace(/0a00$/, '0a023801')))), 'malformed');
  });
});

describe('hostile input', () => {
  const ok = { ...header, kind: 'transfer', payload: { from_account: 'org:a', to_account: 'org:b', amount_fen: 1 } };
  const body = encodeTxBody(ok);

  it('refuses bad builder input with invalid_argument and writes nothing', () => {
    assert.equal(code(() => encodeTxBody({ ...ok, payload: { ...ok.payload, amonut_fen: 1 } })), 'invalid_argument');
    assert.equal(code(() => encodeTxBody({ ...ok, kind: 'mint' })), 'invalid_argument');
    assert.equal(code(() => encodeTxBody({ ...ok, chain_id: '' })), 'invalid_argument');
    assert.equal(code(() => encodeTxBody({ ...ok, payload: { amount_fen: 1.5 } })), 'invalid_argument');
    assert.equal(code(() => encodeTxBody({ ...ok, payload: { amount_fen: '100' } })), 'invalid_argument');
    assert.equal(code(() => encodeTxBody({ ...ok, payload: { amount_fen: Number.MAX_SAFE_INTEGER + 1 } })), 'invalid_argument');
    assert.equal(code(() => encodeTxBody({ ...ok, payload: { from_account: 'a\ud800' } })), 'invalid_argument');
    assert.equal(code(() => encodeTxBody({ ...ok, nonce: -1 })), 'invalid_argument');
    assert.equal(code(() => encodeTxBody({ ...header, kind: 'spend', payload: { category: 'food' } })), 'invalid_argument');
    assert.equal(code(() => encodeTxBody({ ...header, kind: 'refund', payload: { donation_tx_id: 'XYZ' } })), 'invalid_argument');
    assert.equal(code(() => encodeTxBody({ ...header, kind: 'refund', payload: { donation_tx_id: 'abc' } })), 'invalid_argument');
  });

  it('takes each integer up to its boundary and refuses one past it', () => {
    const at = (kind, payload) => () => encodeTxBody({ ...header, kind, payload });
    at('transfer', { amount_fen: (1n << 63n) - 1n })();
    at('transfer', { amount_fen: -(1n << 63n) })();
    assert.equal(code(at('transfer', { amount_fen: 1n << 63n })), 'invalid_argument');
    assert.equal(code(at('transfer', { amount_fen: -(1n << 63n) - 1n })), 'invalid_argument');
    at('redeem_points', { points: (1n << 64n) - 1n })();
    assert.equal(code(at('redeem_points', { points: 1n << 64n })), 'invalid_argument');
    at('spend', { beneficiary_count: 0xffffffff })();
    assert.equal(code(at('spend', { beneficiary_count: 0x100000000 })), 'invalid_argument');
  });

  it('refuses truncated, non-canonical and foreign bodies with malformed', () => {
    // The payload is the last field: every prefix either cuts a field or has no payload.
    for (let n = 0; n < body.length; n++) assert.equal(code(() => parseTxBody(body.subarray(0, n))), 'malformed', `cut at ${n}`);
    assert.equal(code(() => parseTxBody(new Uint8Array(0))), 'malformed'); // no payload
    const tail = hex(body);
    assert.equal(code(() => parseTxBody(unhex(tail + '08'))), 'malformed'); // truncated varint
    assert.equal(code(() => parseTxBody(unhex(tail + '9803' + '01'))), 'malformed'); // unknown field 51
    assert.equal(code(() => parseTxBody(unhex(tail + '8201' + '00'))), 'malformed'); // a second payload (16)
    assert.equal(code(() => parseTxBody(unhex('1800' + tail))), 'malformed'); // nonce 0 written out: not canonical
    assert.equal(code(() => parseTxBody(unhex(tail + '0a0178'))), 'malformed'); // chain_id again, after the payload
    assert.equal(code(() => parseTxBody(unhex('0a02c328' + tail.slice(tail.indexOf('10'))))), 'malformed'); // invalid UTF-8
    assert.equal(code(() => parseTxBody(unhex('0d00000000' + tail))), 'malformed'); // chain_id with a fixed32 wire type
  });
});
