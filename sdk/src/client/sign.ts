// Keys and signatures: a shanliu key file (what `shanliu keygen` writes), Ed25519 over the
// domain-separated body ("shanliu/tx/v1\0" ‖ body, docs/data-format.md), and the Tx envelope.
import { concat, equal, FormatError, fromHex, toHex, utf8 } from '../verify/bytes.js';
import { ed25519Sign, ed25519Verify, publicKeyOf } from '../verify/crypto.js';
import { parseEnvelope } from '../verify/protobuf.js';
import { SdkError } from './errors.js';
import { lengthDelimited } from './wire.js';

export const TX_SIGN_DOMAIN = utf8('shanliu/tx/v1\0');
const KEY_FILE_MAGIC = 'shanliu-ed25519-secret-v1';
const MAX_SIGNATURES = 4; // ledger TxLimits::kMaxSignatures

export interface Signer {
  publicKey: Uint8Array; // 32 bytes
  publicKeyHex: string;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

export interface TxSignature {
  publicKey: Uint8Array;
  signature: Uint8Array;
}

// A signer from a 32-byte Ed25519 seed. The seed stays inside the closure.
export async function signerFromSeed(seed: Uint8Array): Promise<Signer> {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new SdkError('invalid_argument', 'an Ed25519 seed is 32 bytes');
  const own = seed.slice();
  const publicKey = await publicKeyOf(own);
  return { publicKey, publicKeyHex: toHex(publicKey), sign: (message) => ed25519Sign(own, message) };
}

// The text of a key file: the magic line, then the seed as 64 lowercase hex digits.
export function seedFromKeyFile(text: string): Uint8Array {
  const lines = typeof text === 'string' ? text.split('\n') : [];
  if (lines[0] !== KEY_FILE_MAGIC || !/^[0-9a-f]{64}$/.test(lines[1] ?? '') || lines.slice(2).some((l) => l !== '')) {
    throw new SdkError('invalid_key_file', 'not a shanliu key file (shanliu-ed25519-secret-v1, then 64 hex digits)');
  }
  return fromHex(lines[1], 32);
}

export const signingMessage = (body: Uint8Array): Uint8Array => concat(TX_SIGN_DOMAIN, body);

export async function signBody(body: Uint8Array, signer: Signer): Promise<TxSignature> {
  return { publicKey: signer.publicKey, signature: await signer.sign(signingMessage(body)) };
}

export const verifyBodySignature = (body: Uint8Array, s: TxSignature): Promise<boolean> =>
  ed25519Verify(s.publicKey, s.signature, signingMessage(body));

// Tx { body = 1; repeated Signature sigs = 2 } with Signature { public_key = 1; sig = 2 }.
export function encodeEnvelope(body: Uint8Array, sigs: readonly TxSignature[]): Uint8Array {
  if (body.length === 0) throw new SdkError('invalid_argument', 'an empty body');
  if (sigs.length === 0 || sigs.length > MAX_SIGNATURES) throw new SdkError('invalid_argument', `a tx carries 1 to ${MAX_SIGNATURES} signatures`);
  const parts = [lengthDelimited(1, body)];
  for (const s of sigs) {
    if (s.publicKey.length !== 32 || s.signature.length !== 64) throw new SdkError('invalid_argument', 'a signature is a 32-byte key and 64 bytes');
    if (sigs.filter((o) => equal(o.publicKey, s.publicKey)).length > 1) throw new SdkError('duplicate_signature', 'a key signs a tx once');
    parts.push(lengthDelimited(2, concat(lengthDelimited(1, s.publicKey), lengthDelimited(2, s.signature))));
  }
  return concat(...parts);
}

// Signs the body with every signer (in order) and wraps it: the bytes POST /v1/txs takes.
export async function signTx(body: Uint8Array, signers: readonly Signer[]): Promise<Uint8Array> {
  const sigs: TxSignature[] = [];
  for (const s of signers) sigs.push(await signBody(body, s));
  return encodeEnvelope(body, sigs);
}

// Reads an envelope and checks every signature over its body: a typed error for each failure.
export async function openEnvelope(envelope: Uint8Array): Promise<{ body: Uint8Array; sigs: TxSignature[] }> {
  let parsed;
  try {
    parsed = parseEnvelope(envelope);
  } catch (e) {
    if (e instanceof FormatError) throw new SdkError('malformed', `not a Tx envelope: ${e.message}`);
    throw e;
  }
  if (parsed.sigs.length === 0) throw new SdkError('missing_signature', 'the envelope carries no signature');
  const sigs = parsed.sigs.map((s) => ({ publicKey: s.publicKey, signature: s.sig }));
  for (const s of sigs) {
    if (!(await verifyBodySignature(parsed.body, s))) throw new SdkError('bad_signature', `the signature of ${toHex(s.publicKey)} does not verify over the body`);
  }
  return { body: parsed.body, sigs };
}
