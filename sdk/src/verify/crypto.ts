// SHA-256 and Ed25519 for in-browser verification.
//
// WebCrypto first: SHA-256 everywhere, Ed25519 where the browser ships it (Chromium ≥ 137,
// Firefox ≥ 129, Safari ≥ 17). WebCrypto exists only in secure contexts (https, localhost), and
// older phone browsers lack Ed25519, so the audited @noble implementations are the fallback,
// loaded on demand. Ed25519 is checked strictly (RFC 8032 / libsodium semantics).
import { concat } from './bytes.js';

export interface Engines {
  sha256: 'WebCrypto' | '@noble/hashes';
  ed25519: 'WebCrypto' | '@noble/ed25519';
}

const subtle: SubtleCrypto | undefined =
  typeof globalThis.crypto !== 'undefined' && globalThis.crypto.subtle ? globalThis.crypto.subtle : undefined;

function buf(x: Uint8Array): ArrayBuffer {
  return x.buffer.slice(x.byteOffset, x.byteOffset + x.byteLength) as ArrayBuffer;
}

type NobleHashes = typeof import('@noble/hashes/sha2');
type NobleEd = typeof import('@noble/ed25519');
let nobleHashes: Promise<NobleHashes> | undefined;
let nobleEd: Promise<NobleEd> | undefined;

function loadNobleHashes(): Promise<NobleHashes> {
  nobleHashes ??= import('@noble/hashes/sha2');
  return nobleHashes;
}

function loadNobleEd(): Promise<NobleEd> {
  nobleEd ??= Promise.all([import('@noble/ed25519'), loadNobleHashes()]).then(([ed, h]) => {
    ed.etc.sha512Sync = (...m: Uint8Array[]) => h.sha512(ed.etc.concatBytes(...m));
    return ed;
  });
  return nobleEd;
}

export async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  const data = parts.length === 1 ? parts[0] : concat(...parts);
  if (subtle) return new Uint8Array(await subtle.digest('SHA-256', buf(data)));
  return (await loadNobleHashes()).sha256(data);
}

// RFC 8032 test vector 1 (empty message): used to probe WebCrypto's Ed25519 support once.
const PROBE_KEY = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const PROBE_SIG =
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';

let webEd: Promise<boolean> | undefined;

function hexBytes(h: string): Uint8Array {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.substr(i * 2, 2), 16);
  return out;
}

function webCryptoEd25519(): Promise<boolean> {
  webEd ??= (async () => {
    if (!subtle) return false;
    try {
      const key = await subtle.importKey('raw', buf(hexBytes(PROBE_KEY)), { name: 'Ed25519' }, false, ['verify']);
      return await subtle.verify({ name: 'Ed25519' }, key, buf(hexBytes(PROBE_SIG)), new ArrayBuffer(0));
    } catch {
      return false;
    }
  })();
  return webEd;
}

export async function ed25519Verify(publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array): Promise<boolean> {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  if (await webCryptoEd25519()) {
    try {
      const key = await subtle!.importKey('raw', buf(publicKey), { name: 'Ed25519' }, false, ['verify']);
      return await subtle!.verify({ name: 'Ed25519' }, key, buf(signature), buf(message));
    } catch {
      return false; // a malformed key is a failed check, not a crash
    }
  }
  const ed = await loadNobleEd();
  try {
    return ed.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

export async function engines(): Promise<Engines> {
  return { sha256: subtle ? 'WebCrypto' : '@noble/hashes', ed25519: (await webCryptoEd25519()) ? 'WebCrypto' : '@noble/ed25519' };
}

// Ed25519 key generation and signing for the points wallet (the holder key stays in the browser).
export async function generateHolderKey(): Promise<{ secret: Uint8Array; publicKey: Uint8Array }> {
  const ed = await loadNobleEd();
  const secret = ed.utils.randomPrivateKey();
  return { secret, publicKey: ed.getPublicKey(secret) };
}

export async function publicKeyOf(secret: Uint8Array): Promise<Uint8Array> {
  const ed = await loadNobleEd();
  return ed.getPublicKey(secret);
}

// PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410), the only private-key form WebCrypto imports.
const PKCS8_ED25519_PREFIX = hexBytes('302e020100300506032b657004220420');

// Ed25519 signature of `message` by the wallet's seed: WebCrypto where the browser has it, the
// audited @noble/ed25519 otherwise (plain-http LAN access, older phones). Ed25519 is
// deterministic, so both give the same 64 bytes.
export async function ed25519Sign(secret: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  if (secret.length !== 32) throw new Error('an Ed25519 seed is 32 bytes');
  if (await webCryptoEd25519()) {
    try {
      const key = await subtle!.importKey('pkcs8', buf(concat(PKCS8_ED25519_PREFIX, secret)), { name: 'Ed25519' }, false, ['sign']);
      return new Uint8Array(await subtle!.sign({ name: 'Ed25519' }, key, buf(message)));
    } catch {
      // a browser that verifies but will not sign with Ed25519 falls through to noble
    }
  }
  const ed = await loadNobleEd();
  return ed.sign(message, secret);
}
