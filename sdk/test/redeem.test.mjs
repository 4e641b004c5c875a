// Redemption requests as the phone wallet reads them (src/verify/redeem.ts): the vector the C++
// side encodes (tests/unit/redeem_request_test.cc), both orders of signing, and malformed,
// foreign, re-bodied, over-signed and expired requests as typed errors. Signatures are made and
// checked independently with node:crypto; the wallet's own signer (src/verify/crypto.ts) must
// produce what node:crypto verifies.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from './load.mjs';
import { CHAIN, EXPIRES, key, nodeVerify, rejects, signedRequest } from './requests.mjs';

const VECTOR =
  'Cl4KDnNoYW5saXUtdmVjdG9yEMwIGAcggNDqtrczKMCfj7e3M7oBOAognU7CqNsp3LtJ-wvGgl961yicQDPXKK6nUJsf5gs2eUoSBHNob3AYBCIM55CG5Y-R5LiA5qyhEmQKILlq7GdgSYJgyQ0ohCJBVoUTzV1pTW0AV3Oa3e8fY1BlEkCJgpe89BDlPQx04b-QwLfSb3TZOY6qlxCHqmNKeCMgNixzVQfXBA5xEq9zaParS2nHw3KBQ9d3juFaaHNBCjgG';
const shop = key('shop');
const resident = key('resident');
const stranger = key('stranger');

const r = await load('verify/redeem.js');
const { ed25519Sign } = await load('verify/crypto.js');

function body(over = {}) {
  return { chainId: CHAIN, expiresAtHeight: 1100n, nonce: 7n, createdAtMs: 1767225600000n, expiresAtMs: BigInt(EXPIRES), holder: resident.pub, merchantOrg: 'shop', points: 4n, item: '理发一次', catalogueItem: '', ...over };
}
const request = (signers, over = {}) => signedRequest(r.encodeRedeemBody(body(over)), signers);
const decode = (payload, now = EXPIRES - 1000, chain = CHAIN) => r.decodeRedeemRequest(payload, chain, now, nodeVerify);

it('decodes the request the C++ side encodes, byte for byte', async () => {
  assert.equal(request([shop]), VECTOR);
  const q = await decode(VECTOR);
  assert.deepEqual(q.signer, shop.pub);
  assert.equal(r.signedByHolder(q), false);
  assert.equal(q.body.item, '理发一次');
  assert.equal(q.body.points, 4n);
  assert.equal(q.body.merchantOrg, 'shop');
  assert.equal(r.holderHex(q), Buffer.from(resident.pub).toString('hex'));
});

it('merchant first: the wallet co-signs with its own signer and node:crypto accepts both signatures', async () => {
  const q = await decode(VECTOR);
  const sig = await ed25519Sign(resident.seed, r.signingMessage(q));
  assert.ok(await nodeVerify(resident.pub, sig, r.signingMessage(q)));
  const full = r.cosigned(q, resident.pub, sig);
  // Two signatures make a transaction, no longer a request.
  await rejects(decode(r.toBase64Url(full)), 'too_many_signatures');
});

it('holder first: the unsigned request comes back signed by its holder', async () => {
  const asked = await decode(request([]));
  assert.equal(asked.signer, null);
  const sig = await ed25519Sign(resident.seed, r.signingMessage(asked));
  const back = await decode(r.toBase64Url(r.cosigned(asked, resident.pub, sig)));
  assert.ok(r.signedByHolder(back));
  assert.deepEqual(back.bodyBytes, asked.bodyBytes);
});

it('expires at expires_at_ms, not a millisecond later', async () => {
  await decode(VECTOR, EXPIRES);
  await rejects(decode(VECTOR, EXPIRES + 1), 'expired');
});

it('refuses a signature over a different body', async () => {
  const signed = r.fromBase64Url(request([shop]));
  const other = r.encodeRedeemBody(body({ points: 9n }));
  const sig = signed.subarray(signed.length - 64);
  await rejects(decode(r.toBase64Url(r.encodeEnvelope(other, [{ publicKey: shop.pub, sig }]))), 'bad_signature');
  // A stranger's signature is valid Ed25519 but says nothing about the merchant: the page checks
  // the signer against the merchant's keys on the ledger; the codec reports who signed.
  assert.deepEqual((await decode(request([stranger]))).signer, stranger.pub);
});

it('refuses malformed and hostile payloads with typed errors', async () => {
  await rejects(decode(''), 'malformed');
  await rejects(decode(`${VECTOR}=`), 'malformed'); // padding
  await rejects(decode(`${VECTOR.slice(0, -1)}+`), 'malformed'); // the standard alphabet
  await rejects(decode(VECTOR.slice(0, 41)), 'malformed'); // truncated (length 1 mod 4)
  await rejects(decode(VECTOR.slice(0, 40)), 'malformed'); // truncated inside a field
  await rejects(decode('A'.repeat(r.MAX_REQUEST_CHARS + 1)), 'malformed');
  await rejects(decode(r.toBase64Url(new TextEncoder().encode('not a protobuf at all'))), 'malformed');
  // Non-zero trailing bits: a second spelling of the same bytes.
  assert.deepEqual(r.fromBase64Url('AA'), new Uint8Array([0]));
  assert.throws(() => r.fromBase64Url('AB'), (e) => e.code === 'malformed');
  assert.equal(r.toBase64Url(new Uint8Array([0xfb, 0xff, 0x00, 0x7e])), '-_8Afg'); // as in the C++ test
  // A body that repeats a field is not canonical, so two parsers could read it differently.
  const b = r.encodeRedeemBody(body());
  const doubled = new Uint8Array([...b, 0x0a, 0x01, 0x78]);
  await rejects(decode(r.toBase64Url(r.encodeEnvelope(doubled, []))), 'malformed');
  await rejects(decode(request([], { points: 0n })), 'malformed');
  await rejects(decode(request([], { points: 1000000000001n })), 'malformed');
  await decode(request([], { points: 1000000000000n }));
  await rejects(decode(request([], { item: '' })), 'malformed');
  await rejects(decode(request([], { item: 'x'.repeat(201) })), 'malformed');
  await decode(request([], { item: '好'.repeat(200) }));
  await rejects(decode(request([], { item: 'bad\u0007bell' })), 'malformed');
  await rejects(decode(request([], { merchantOrg: 'Shop!' })), 'malformed');
  await rejects(decode(request([], { holder: resident.pub.subarray(0, 31) })), 'malformed');
  await rejects(decode(request([], { expiresAtMs: 0n })), 'malformed');
  // A signature entry of the wrong size.
  await rejects(decode(r.toBase64Url(r.encodeEnvelope(b, [{ publicKey: shop.pub, sig: new Uint8Array(63) }]))), 'malformed');
  // Another kind of transaction (a Donation, TxBody field 15) carried as a request.
  const gift = new Uint8Array([0x0a, CHAIN.length, ...new TextEncoder().encode(CHAIN), 0x10, 0x01, 0x28, 0x01, 0x7a, 0x00]);
  await rejects(decode(r.toBase64Url(r.encodeEnvelope(gift, []))), 'wrong_kind');
  await rejects(decode(VECTOR, EXPIRES - 1000, 'another-chain'), 'wrong_chain');
});

it('reads a catalogue item reference (RedeemPoints field 5) and refuses a malformed one', async () => {
  const q = await decode(request([shop], { catalogueItem: 'haircut' }));
  assert.equal(q.body.catalogueItem, 'haircut');
  // Field 5 follows the item on the wire: 0x2a, length 7, "haircut".
  const bytes = r.encodeRedeemBody(body({ catalogueItem: 'haircut' }));
  assert.ok(Buffer.from(bytes).includes(Buffer.from([0x2a, 0x07, ...Buffer.from('haircut')])));
  assert.equal((await decode(VECTOR)).body.catalogueItem, ''); // absent: a free-form redemption
  await rejects(decode(request([], { catalogueItem: 'ab' })), 'malformed');
  await rejects(decode(request([], { catalogueItem: 'Hair Cut' })), 'malformed');
  await rejects(decode(request([], { catalogueItem: 'x'.repeat(41) })), 'malformed');
  await decode(request([], { catalogueItem: 'x'.repeat(40) }));
});

it('finds the payload in a bare string or a wallet link', () => {
  assert.equal(r.payloadFromText(` ${VECTOR}\n`), VECTOR);
  assert.equal(r.payloadFromText(`http://127.0.0.1:8080/points/approve#r=${VECTOR}`), VECTOR);
  assert.equal(r.payloadFromText(`https://x.example/points/approve?r=${VECTOR}&x=1`), VECTOR);
  assert.throws(() => r.payloadFromText('https://x.example/points/approve#x=1'), (e) => e.code === 'malformed');
  assert.throws(() => r.payloadFromText('   '), (e) => e.code === 'malformed');
});

it('signs the same bytes with the noble fallback as with WebCrypto (a browser without Ed25519)', async () => {
  const msg = new TextEncoder().encode('shanliu/tx/v1\0 a body');
  const web = await ed25519Sign(resident.seed, msg);
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
  Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true });
  let noble;
  try {
    const fallback = await load('verify/crypto.js', { fresh: true }); // a fresh module: it sees no WebCrypto
    assert.deepEqual(await fallback.engines(), { sha256: '@noble/hashes', ed25519: '@noble/ed25519' });
    noble = await fallback.ed25519Sign(resident.seed, msg);
  } finally {
    Object.defineProperty(globalThis, 'crypto', saved);
  }
  assert.deepEqual(noble, web);
  assert.ok(await nodeVerify(resident.pub, noble, msg));
  await assert.rejects(ed25519Sign(resident.seed.subarray(0, 31), msg));
});
