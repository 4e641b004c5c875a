// A charity back office and two other institutions, each using only the SDK (sdk/dist) and only
// its own key, against a real devnet node: the bureau registers a trustee and opens a trust, a
// bank records an attested donation and a trust deposit, the federation spends and registers a
// goods item (a nested message: register_goods_item), the trustee and
// the custodian bank complete a trust disbursement through the co-signing inbox, a resubmission is
// answered as success, and the donation's and the deposit's receipts are verified against the
// genesis validators' signatures. Hostile requests come back as typed errors.
// Usage: node sdk_client.mjs <node url> <devnet dir> <sdk dist index.js> <work dir>
// Leaves in <work dir> the trustee's key file and a request the trustee signed (sdk-request.json)
// for sdk_test.py to hand to the CLI.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [url, net, sdkEntry, work] = process.argv.slice(2);
const sdk = await import(pathToFileURL(sdkEntry).href);
const { ShanliuClient, SdkError, encodeTxBody, signTx, signerFromSeed, seedFromKeyFile, newSigningRequest, parseSigningRequest, signingRequestJson, receiptCodeOf, fromHex } = sdk;

const step = (name) => console.log(`-- ${name}`);
const keyOf = (name) => signerFromSeed(seedFromKeyFile(readFileSync(path.join(net, 'keys', `${name}.key`), 'utf8')));
const sha256Hex = (text) => createHash('sha256').update(text).digest('hex');

async function expectCode(promise, code, what) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof SdkError, `${what}: a typed SdkError, not ${e}`);
    assert.equal(e.code, code, `${what}: ${e.message}`);
    console.log(`   ${what}: ${e.code} (${e.message})`);
    return e;
  }
  assert.fail(`${what}: expected ${code}`);
}

const client = new ShanliuClient({ baseUrl: url });
const [bureau, bank, federation] = await Promise.all(['bureau', 'bank-1', 'federation'].map(keyOf));
const trusteeSeed = new Uint8Array(randomBytes(32)); // the trustee's own key, made here
const trustee = await signerFromSeed(trusteeSeed);
const stranger = await signerFromSeed(new Uint8Array(randomBytes(32)));
const TRUST = 'sdk-elder-trust';

step('the bureau registers a trustee and opens a trust at bank-1');
await client.send('register_org', { org_id: 'sdk-trustee', kind: 'trustee', name_zh: '西湖信托受托人', name_en: 'SDK Trustee', credit_code: '92330100MA0000015R', public_keys: [trustee.publicKeyHex] }, [bureau]);
await client.send('open_trust', { trust_id: TRUST, name_zh: '敬老慈善信托', name_en: 'Elder Trust', trustee_org: 'sdk-trustee', custodian_bank: 'bank-1', purpose: 'elder care', filing_number: 'ZJ-2026-SDK' }, [bureau]);

step('bank-1 records an attested donation to the federation (yuan 1,000.00)');
const salt = 'federation-donor-salt';
const donationBody = encodeTxBody(await client.prepare('donation', {
  to_account: 'org:federation',
  amount_fen: 100_000,
  donor_ref: sha256Hex(salt + 'donor-0001'),
  donor_display_name: '张三',
  channel: 'bank_transfer',
  attesting_bank: 'bank-1',
  bank_ref_hash: sha256Hex('BANK-REF-20260101-0001'),
}));
const donationEnvelope = await signTx(donationBody, [bank]);
const sent = await client.submit(donationEnvelope);
const committed = await client.waitForCommit(sent.id);
assert.equal(committed.kind, 'donation');
const code = receiptCodeOf(fromHex(sent.id));
assert.equal(sent.code, code);

step('a resubmission of the committed donation is success, with where it is');
const again = await client.submit(donationEnvelope);
assert.equal(again.status, 'committed');
assert.equal(again.resubmitted, true);
assert.equal(again.height, committed.height);

step('the federation spends yuan 300.00 of it');
await client.send('spend', { from_account: 'org:federation', amount_fen: 30_000, category: 'material', payee_kind: 'vendor', payee_name: '杭州某食品有限公司', invoice_hash: sha256Hex('invoice 0001'), description: '米面粮油', occurred_at_ms: Date.now() - 60_000 }, [federation]);

step('the federation registers a goods item with the SDK, and a stranger cannot');
const tent = { item_code: 'sdk-family-tent', name_zh: '家庭帐篷（SDK）', name_en: 'Family tent (SDK)', unit: '顶', category: 'daily_necessities', perishable: false };
await client.send('register_goods_item', { item: tent }, [federation]);
const catalogue = await (await fetch(`${url}/v1/goods/items`)).json();
const listed = catalogue.items.find((i) => i.item_code === tent.item_code);
assert.ok(listed, 'the registered item is in the catalogue');
assert.equal(listed.source, 'registered');
assert.equal(listed.registered_by, 'federation');
assert.equal(listed.category, 'daily-necessities');
await expectCode(client.send('register_goods_item', { item: { ...tent, item_code: 'sdk-stranger-item' } }, [stranger]), 'wrong_signer', 'an item registered by a stranger');
await expectCode(client.send('register_goods_item', { item: tent }, [federation]), 'duplicate_item', 'the same item code again');

step('bank-1 deposits yuan 5,000.00 into the trust');
const deposit = await client.send('trust_deposit', { trust_id: TRUST, amount_fen: 500_000, settlor_ref: sha256Hex('settlor-1'), settlor_display_name: '李四' }, [bank]);

step('the trustee makes a disbursement request and posts it to the inbox, signed with its key');
const disbursement = encodeTxBody(await client.prepare('trust_disbursement', { trust_id: TRUST, to_account: 'org:federation', amount_fen: 200_000, purpose: 'meals for the elderly' }));
const request = newSigningRequest(disbursement, [
  { role: 'trustee', orgId: 'sdk-trustee', publicKeys: [trustee.publicKey] },
  { role: 'custodian_bank', orgId: 'bank-1', publicKeys: [bank.publicKey] },
]);
const posted = await client.postSigned(request, trustee);
assert.equal(posted.state, 'collecting');
assert.deepEqual(posted.missing.map((m) => [m.role, m.org_id]), [['custodian_bank', 'bank-1']]);

step('the bank finds it in the inbox; a stranger and the trustee again are refused');
const waiting = await client.listSigningRequests('bank-1');
const mine = waiting.find((e) => e.id === request.id);
assert.ok(mine, 'the request waits for bank-1');
const read = await parseSigningRequest(mine.request, (await client.chain()).chainId);
assert.equal(read.body.payload.amount_fen, 200_000);
await expectCode(client.cosignInInbox(request.id, stranger), 'signer_not_required', 'a stranger co-signs');
await expectCode(client.cosignInInbox(request.id, trustee), 'duplicate_signature', 'the trustee signs twice');
assert.equal((await client.listSigningRequests('sdk-trustee')).some((e) => e.id === request.id), false);

step('the bank co-signs: the node submits the complete tx, and it commits');
const done = await client.cosignInInbox(request.id, bank);
assert.notEqual(done.state, 'collecting');
const disbursed = await client.waitForCommit(request.id);
assert.equal(disbursed.kind, 'trust_disbursement');
await expectCode(client.cosignInInbox(request.id, bank), 'duplicate_signature', 'the bank signs the completed request again');

step('hostile requests through the node come back typed');
const strangerSlots = newSigningRequest(encodeTxBody(await client.prepare('trust_disbursement', { trust_id: TRUST, to_account: 'org:federation', amount_fen: 100, purpose: 'x' })), [
  { role: 'trustee', orgId: 'sdk-trustee', publicKeys: [stranger.publicKey] },
]);
await expectCode(client.postSigned(strangerSlots, stranger), 'signer_not_required', 'a request signed by a key the node does not require');
const now = Date.now();
const late = newSigningRequest(encodeTxBody({ ...(await client.prepare('trust_disbursement', { trust_id: TRUST, to_account: 'org:federation', amount_fen: 100, purpose: 'late' })), created_at_ms: now - 7_200_000, expires_at_ms: now - 3_600_000 }), [
  { role: 'trustee', orgId: 'sdk-trustee', publicKeys: [trustee.publicKey] },
  { role: 'custodian_bank', orgId: 'bank-1', publicKeys: [bank.publicKey] },
]);
await expectCode(client.postSigned(late, trustee), 'expired', 'the SDK refuses to sign an expired request');
const lateSigned = { ...late, signatures: [{ publicKey: trustee.publicKey, signature: await trustee.sign(new Uint8Array([...new TextEncoder().encode('shanliu/tx/v1\0'), ...late.bodyBytes])) }] };
await expectCode(client.postSigningRequest(lateSigned), 'expired', 'the node refuses an expired request');
await expectCode(client.submit(new Uint8Array([0x0a, 0x05, 1, 2])), 'malformed', 'a truncated envelope');
assert.ok(signingRequestJson(lateSigned).signatures.length === 1);

step('the donation\'s receipt is verified against the genesis validators: amount and where it went');
const receipt = await client.receipt(code);
assert.equal(receipt.donation.amount_fen, 100_000);
assert.equal(receipt.donation.attesting_bank, 'bank-1');
assert.equal(receipt.trace.totals.spent_fen + receipt.trace.totals.unspent_fen, 100_000);
assert.ok(receipt.trace.totals.spent_fen > 0, 'part of the gift is proven spent');
console.log(`   receipt ${code}: spent ${receipt.trace.totals.spent_fen} fen, unspent ${receipt.trace.totals.unspent_fen} fen (proven)`);

step('the trust deposit\'s receipt shows the disbursement, proven');
const depositReceipt = await client.receipt(receiptCodeOf(fromHex(deposit.id)));
assert.equal(depositReceipt.donation.kind, 'trust_deposit');
const hops = JSON.stringify(depositReceipt.trace.nodes);
assert.ok(hops.includes('trust_disbursement'), 'the disbursement is a proven hop of the deposit');

step('for the CLI: the trustee\'s key file and a request it signed, written by the SDK');
writeFileSync(path.join(work, 'trustee.key'), `shanliu-ed25519-secret-v1\n${Buffer.from(trusteeSeed).toString('hex')}\n`, { mode: 0o600 });
const forCli = newSigningRequest(encodeTxBody(await client.prepare('trust_disbursement', { trust_id: TRUST, to_account: 'org:federation', amount_fen: 3_000, purpose: 'by file' })), [
  { role: 'trustee', orgId: 'sdk-trustee', publicKeys: [trustee.publicKey] },
  { role: 'custodian_bank', orgId: 'bank-1', publicKeys: [bank.publicKey] },
]);
const { cosign } = sdk;
writeFileSync(path.join(work, 'sdk-request.json'), JSON.stringify(signingRequestJson(await cosign(forCli, trustee, { nowMs: Date.now() })), null, 2));

console.log('sdk client: all steps passed');
