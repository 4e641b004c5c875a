// Signing requests as the SDK reads, co-signs and writes them (docs/data-format.md "Signing
// requests"): a trustee and a custodian bank each holding only its own key, and every refusal
// the ledger's ParseSigningRequest / AddSignature / CheckNotExpired makes, with the same codes.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, verify as nodeVerify, createPublicKey } from 'node:crypto';

const sdk = await import('../dist/index.js');
const { encodeTxBody, newSigningRequest, parseSigningRequest, signingRequestJson, cosign, requestEnvelope, openEnvelope, signerFromSeed, SdkError, isComplete, missingSigners, seedFromKeyFile } = sdk;

const seed = (name) => new Uint8Array(createHash('sha256').update(name).digest());
const EXPIRES_MS = 1_767_312_000_000;
const body = encodeTxBody({
  chain_id: 'test-chain',
  nonce: 42,
  created_at_ms: EXPIRES_MS - 3_600_000,
  expires_at_ms: EXPIRES_MS,
  expires_at_height: 200,
  kind: 'trust_disbursement',
  payload: { trust_id: 'xihu-trust', to_account: 'org:federation', amount_fen: 250000, purpose: 'meals' },
});
const clock = { nowMs: EXPIRES_MS - 1000, headHeight: 150 };

async function rejects(promise, wantCode) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof SdkError, `a typed error, not ${e}`);
    assert.equal(e.code, wantCode, e.message);
    return true;
  });
}

let trustee, trustee2, bank, stranger, slots;
before(async () => {
  [trustee, trustee2, bank, stranger] = await Promise.all(['trustee', 'trustee-2', 'bank-1', 'stranger'].map((n) => signerFromSeed(seed(n))));
  slots = [
    { role: 'trustee', orgId: 'xihu-trustee', publicKeys: [trustee.publicKey, trustee2.publicKey] },
    { role: 'custodian_bank', orgId: 'bank-1', publicKeys: [bank.publicKey] },
  ];
});

// The request as a file: JSON text, as another institution would receive it.
const asText = (r) => JSON.stringify(signingRequestJson(r));
const edit = (r, change) => {
  const j = signingRequestJson(r);
  change(j);
  return JSON.stringify(j);
};

describe('signing requests', () => {
  it('passes between two institutions and ends as an envelope whose signatures verify', async () => {
    const made = await cosign(newSigningRequest(body, slots), trustee, clock);
    assert.equal(missingSigners(made).length, 1);
    const atBank = await parseSigningRequest(asText(made), 'test-chain');
    assert.equal(atBank.id, made.id);
    assert.equal(atBank.body.kind, 'trust_disbursement');
    assert.equal(atBank.body.payload.amount_fen, 250000);
    const done = await cosign(atBank, bank, clock);
    assert.ok(isComplete(done));
    const j = signingRequestJson(done);
    assert.equal(j.complete, true);
    assert.deepEqual(j.required_signers.map((s) => s.signed), [true, true]);
    const env = await openEnvelope(requestEnvelope(done));
    assert.deepEqual(env.sigs.map((s) => Buffer.from(s.publicKey).toString('hex')), [trustee.publicKeyHex, bank.publicKeyHex]);
    // independently: node:crypto verifies the bank's signature over the domain-separated body
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), bank.publicKey]);
    const msg = Buffer.concat([Buffer.from('shanliu/tx/v1\0'), body]);
    assert.ok(nodeVerify(null, msg, createPublicKey({ key: spki, format: 'der', type: 'spki' }), env.sigs[1].signature));
  });

  it('checks the slots a maker gives as a file\'s slots are checked', () => {
    for (const bad of [[], Array(5).fill({ role: 'trustee', orgId: 'xihu-trustee', publicKeys: [new Uint8Array(32)] }), [{ role: '', orgId: 'xihu-trustee', publicKeys: [new Uint8Array(32)] }], [{ role: 'trustee', orgId: 'x', publicKeys: [new Uint8Array(32)] }], [{ role: 'trustee', orgId: null, publicKeys: [] }]]) {
      assert.throws(() => newSigningRequest(body, bad), (e) => e.code === 'invalid_signing_request');
    }
    assert.throws(() => newSigningRequest(body, [{ role: 'trustee', orgId: null, publicKeys: [new Uint8Array(31)] }]), (e) => e.code === 'invalid_hex');
    assert.throws(() => newSigningRequest(body.subarray(1), slots), (e) => e.code === 'malformed');
  });

  it('refuses an incomplete request as an envelope', async () => {
    const made = await cosign(newSigningRequest(body, slots), trustee, clock);
    assert.throws(() => requestEnvelope(made), (e) => e.code === 'incomplete_request');
  });

  it('refuses a request past its expiry: the instant after expires_at_ms, and at expires_at_height', async () => {
    const r = newSigningRequest(body, slots);
    await cosign(r, trustee, { nowMs: EXPIRES_MS }); // the last instant it is valid
    await rejects(cosign(r, trustee, { nowMs: EXPIRES_MS + 1 }), 'expired');
    await cosign(r, trustee, { nowMs: 0, headHeight: 199 });
    await rejects(cosign(r, trustee, { nowMs: 0, headHeight: 200 }), 'expired');
  });

  it('refuses a signer the request does not need, and a second key of an organisation that signed', async () => {
    const r = newSigningRequest(body, slots);
    await rejects(cosign(r, stranger, clock), 'signer_not_required');
    const signed = await cosign(r, trustee, clock);
    await rejects(cosign(signed, trustee2, clock), 'signer_not_required');
    await rejects(cosign(signed, trustee, clock), 'duplicate_signature');
  });

  it('refuses a signature over another body, a tampered id and an edited body', async () => {
    const signed = await cosign(newSigningRequest(body, slots), trustee, clock);
    const other = encodeTxBody({ ...(await parseSigningRequest(asText(signed))).body, nonce: 43 });
    const foreign = await cosign(newSigningRequest(other, slots), bank, clock);
    const moved = edit(signed, (j) => j.signatures.push(signingRequestJson(foreign).signatures[0]));
    await rejects(parseSigningRequest(moved), 'bad_signature');
    await rejects(parseSigningRequest(edit(signed, (j) => (j.id = '00'.repeat(32)))), 'invalid_signing_request');
    await rejects(parseSigningRequest(edit(signed, (j) => (j.body_base64 = Buffer.from(other).toString('base64')))), 'invalid_signing_request'); // id no longer matches
    await rejects(parseSigningRequest(edit(signed, (j) => { delete j.id; j.body_base64 = Buffer.from(other).toString('base64'); })), 'bad_signature');
    const flipped = edit(signed, (j) => (j.signatures[0].signature = (j.signatures[0].signature[0] === 'a' ? 'b' : 'a') + j.signatures[0].signature.slice(1)));
    await rejects(parseSigningRequest(flipped), 'bad_signature');
  });

  it('refuses malformed files with typed codes', async () => {
    const r = await cosign(newSigningRequest(body, slots), trustee, clock);
    const cases = [
      ['not json', '{', 'invalid_signing_request'],
      ['an array', '[]', 'invalid_signing_request'],
      ['another format', edit(r, (j) => (j.format = 'shanliu-signing-request/2')), 'invalid_signing_request'],
      ['an unknown field', edit(r, (j) => (j.note = 'x')), 'invalid_signing_request'],
      ['no body', edit(r, (j) => delete j.body_base64), 'invalid_signing_request'],
      ['base64 with whitespace', edit(r, (j) => (j.body_base64 = ' ' + j.body_base64)), 'invalid_signing_request'],
      ['a truncated body', edit(r, (j) => (j.body_base64 = Buffer.from(body.subarray(0, body.length - 3)).toString('base64'))), 'malformed'],
      ['another chain', edit(r, (j) => j), 'wrong_chain', 'other-chain'],
      ['no signer slots', edit(r, (j) => (j.required_signers = [])), 'invalid_signing_request'],
      ['five signer slots', edit(r, (j) => (j.required_signers = Array(5).fill(j.required_signers[0]))), 'invalid_signing_request'],
      ['a slot of five keys', edit(r, (j) => (j.required_signers[1].public_keys = Array(5).fill(j.required_signers[1].public_keys[0]))), 'invalid_signing_request'],
      ['a bad org id', edit(r, (j) => (j.required_signers[1].org_id = 'Bank 1')), 'invalid_signing_request'],
      ['a short key', edit(r, (j) => (j.required_signers[1].public_keys = ['abcd'])), 'invalid_hex'],
      ['uppercase hex', edit(r, (j) => (j.signatures[0].public_key = j.signatures[0].public_key.toUpperCase())), 'invalid_hex'],
      ['a signature twice', edit(r, (j) => j.signatures.push(j.signatures[0])), 'duplicate_signature'],
      ['signatures not a list', edit(r, (j) => (j.signatures = {})), 'invalid_signing_request'],
    ];
    for (const [name, text, want, chain] of cases) await rejects(parseSigningRequest(text, chain), want).catch((e) => assert.fail(`${name}: ${e.message}`));
    await rejects(parseSigningRequest('{"format":"' + 'x'.repeat(64 * 1024) + '"}'), 'too_large');
  });

  it('reads key files as shanliu keygen writes them, and refuses anything else', async () => {
    const text = `shanliu-ed25519-secret-v1\n${'11'.repeat(32)}\n`;
    assert.equal(Buffer.from(seedFromKeyFile(text)).toString('hex'), '11'.repeat(32));
    for (const bad of ['', `shanliu-ed25519-secret-v1\n${'11'.repeat(31)}\n`, `shanliu-ed25519-secret-v2\n${'11'.repeat(32)}\n`, `shanliu-ed25519-secret-v1\n${'AB'.repeat(32)}\n`, `${text}extra\n`]) {
      assert.throws(() => seedFromKeyFile(bad), (e) => e.code === 'invalid_key_file');
    }
  });
});
