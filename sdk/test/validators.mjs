// Validator sets with real Ed25519 keys for the tests that follow set changes
// (transitions.test.mjs, note_sets.test.mjs).
import { generateKeyPairSync } from 'node:crypto';
import { load } from './load.mjs';

const chain = await load('verify/chain.js');

export function newValidator(org, power = 1) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
  return { org, power, publicKey: new Uint8Array(raw), privateKey };
}

// The SDK's ValidatorSet of `vs`, in order, for chain `chainId`.
export async function setOf(chainId, vs) {
  const validators = vs.map((v, index) => ({ index, orgId: v.org, publicKey: v.publicKey, power: BigInt(v.power), nameZh: '', nameEn: '' }));
  return { chainId, validators, totalPower: validators.reduce((a, v) => a + v.power, 0n), hash: await chain.validatorsHash(validators) };
}
