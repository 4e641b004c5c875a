// Volunteer confirmation requests as the phone wallet reads them (src/verify/volunteer.ts) and
// the HonourName body it signs (src/verify/honour.ts): both signing orders, a redemption offered
// as a volunteer record, malformed minutes, activity, holder and date, a changed body and expiry
// as typed errors; honour-name limits at the boundary that passes and the one that fails.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from './load.mjs';
import { CHAIN, EXPIRES, key, nodeVerify, rejects, signedRequest } from './requests.mjs';

const charity = key('sunshine');
const resident = key('resident');

const v = await load('verify/volunteer.js');
const r = await load('verify/redeem.js');
const hn = await load('verify/honour.js');

function body(over = {}) {
  return { chainId: CHAIN, expiresAtHeight: 1100n, nonce: 7n, createdAtMs: 1767225600000n, expiresAtMs: BigInt(EXPIRES), charityOrg: 'sunshine', holder: resident.pub, minutes: 180n, activity: '助老送餐', occurredAtMs: 1767200000000n, ...over };
}
const request = (signers, over = {}, encode = v.encodeVolunteerBody) => signedRequest(encode(body(over)), signers);
const decode = (payload, now = EXPIRES - 1000) => v.decodeVolunteerRequest(payload, CHAIN, now, nodeVerify);

it('decodes a charity-signed and an unsigned volunteer record', async () => {
  const first = await decode(request([charity]));
  assert.deepEqual(first.signer, charity.pub);
  assert.equal(r.signedByHolder(first), false);
  assert.equal(first.body.minutes, 180n);
  assert.equal(first.body.activity, '助老送餐');
  assert.equal(first.body.charityOrg, 'sunshine');
  const unsigned = await decode(request([]));
  assert.equal(unsigned.signer, null);
  const byHolder = await decode(request([resident]));
  assert.equal(r.signedByHolder(byHolder), true);
});

it('refuses a redemption offered as a volunteer record, and the reverse', async () => {
  const redeem = r.encodeRedeemBody({ chainId: CHAIN, expiresAtHeight: 1100n, nonce: 7n, createdAtMs: 1n, expiresAtMs: BigInt(EXPIRES), holder: resident.pub, merchantOrg: 'shop', points: 4n, item: '理发一次' });
  await rejects(decode(r.toBase64Url(r.encodeEnvelope(redeem, []))), 'wrong_kind');
  await rejects(r.decodeRedeemRequest(request([]), CHAIN, EXPIRES - 1000, nodeVerify), 'wrong_kind');
});

it('refuses malformed minutes, activity, holder and date, at the boundaries', async () => {
  await decode(request([], { minutes: 1n }));
  await decode(request([], { minutes: 1440n }));
  await rejects(decode(request([], { minutes: 0n })), 'malformed');
  await rejects(decode(request([], { minutes: 1441n })), 'malformed');
  await decode(request([], { activity: '好'.repeat(200) }));
  await rejects(decode(request([], { activity: '好'.repeat(201) })), 'malformed');
  await rejects(decode(request([], { activity: '' })), 'malformed');
  await rejects(decode(request([], { activity: '送餐\n转账' })), 'malformed');
  await rejects(decode(request([], { holder: resident.pub.subarray(0, 31) })), 'malformed');
  await rejects(decode(request([], { occurredAtMs: 0n })), 'malformed');
  await rejects(decode(request([], { charityOrg: 'No Such Org' })), 'malformed');
});

it('refuses a changed body, a second signature and an expired request', async () => {
  const signed = request([charity]);
  const bytes = Buffer.from(signed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  const i = bytes.indexOf(Buffer.from([180, 1])); // minutes = 180 as a varint
  assert.ok(i > 0);
  bytes[i] = 181;
  await rejects(decode(r.toBase64Url(new Uint8Array(bytes))), 'bad_signature');
  await rejects(decode(request([charity, resident])), 'too_many_signatures');
  await decode(request([charity]), EXPIRES);
  await rejects(decode(request([charity]), EXPIRES + 1), 'expired');
  await rejects(v.decodeVolunteerRequest(request([charity]), 'other-chain', EXPIRES - 1000, nodeVerify), 'wrong_chain');
});

it('checks honour names as the node does and encodes field 30', () => {
  assert.equal(hn.honourNameProblem('a'.repeat(48)), null);
  assert.equal(hn.honourNameProblem('a'.repeat(49)), 'too_long');
  assert.equal(hn.honourNameProblem('善'.repeat(16)), null);
  assert.equal(hn.honourNameProblem('善'.repeat(17)), 'too_long');
  assert.equal(hn.honourNameProblem('小雨\n点'), 'control');
  assert.equal(hn.honourNameProblem('a\u0085b'), 'control');
  assert.equal(hn.honourNameProblem(' 小雨点'), 'spaces');
  assert.equal(hn.honourNameProblem('小雨 点'), null);
  const b = hn.encodeHonourNameBody({ chainId: CHAIN, expiresAtHeight: 5n, nonce: 1n, createdAtMs: 2n, expiresAtMs: 3n, holder: resident.pub, displayName: 'Rain' });
  // Field 30, wire type 2: the key 30 << 3 | 2 = 242 is the varint F2 01.
  const at = Buffer.from(b).indexOf(Buffer.from([0xf2, 0x01]));
  assert.ok(at > 0);
  assert.equal(b[at + 2], 2 + 32 + 2 + 4);
});
