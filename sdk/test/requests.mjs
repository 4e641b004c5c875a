// What the request tests (redeem.test.mjs, volunteer.test.mjs) share: keys made as the C++ tests
// make them, an independent node:crypto verifier, a signed request envelope and the typed-error
// assertion. In one place so both test files sign and check requests the same way.
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { load } from './load.mjs';

export const CHAIN = 'shanliu-vector';
export const EXPIRES = 1767226200000;
const DOMAIN = Buffer.from('shanliu/tx/v1\0');

const r = await load('verify/redeem.js');

// Keys as the C++ tests make them (TestKey: seed = SHA-256(name)).
export function key(name) {
  const seed = createHash('sha256').update(name).digest();
  const k = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(k).export({ format: 'der', type: 'spki' });
  return { seed: new Uint8Array(seed), k, pub: new Uint8Array(spki.subarray(spki.length - 32)) };
}

export const nodeVerify = async (pub, sig, msg) => {
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pub]);
  return verify(null, msg, createPublicKey({ key: spki, format: 'der', type: 'spki' }), sig);
};

// The request (base64url envelope) of the encoded body `b`, signed by each of `signers` with node:crypto.
export function signedRequest(b, signers) {
  const msg = Buffer.concat([DOMAIN, b]);
  return r.toBase64Url(r.encodeEnvelope(b, signers.map((s) => ({ publicKey: s.pub, sig: new Uint8Array(sign(null, msg, s.k)) }))));
}

export async function rejects(promise, code) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.code, code, e.message);
    return true;
  });
}
