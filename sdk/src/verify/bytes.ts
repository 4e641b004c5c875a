// Byte helpers for rebuilding the fixed binary layouts of docs/data-format.md:
// unsigned big-endian integers, `str` = u16 length + UTF-8, hashes as 32 raw bytes.

export class FormatError extends Error {}

const HEX = /^(?:[0-9a-f]{2})*$/;

export function fromHex(hex: string, expectLength?: number): Uint8Array {
  if (typeof hex !== 'string' || !HEX.test(hex)) throw new FormatError('not lowercase hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  if (expectLength !== undefined && out.length !== expectLength) {
    throw new FormatError(`expected ${expectLength} bytes, got ${out.length}`);
  }
  return out;
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export function u8(v: number): Uint8Array {
  if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new FormatError('u8 out of range');
  return Uint8Array.of(v);
}

export function u16(v: number): Uint8Array {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new FormatError('u16 out of range');
  return Uint8Array.of(v >>> 8, v & 0xff);
}

export function u32(v: number): Uint8Array {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new FormatError('u32 out of range');
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, v, false);
  return out;
}

// JSON numbers are exact up to 2^53; larger values cannot be rebuilt faithfully and are refused.
export function u64(v: number | bigint): Uint8Array {
  const big = typeof v === 'bigint' ? v : safeInteger(v);
  if (big < 0n || big > 0xffffffffffffffffn) throw new FormatError('u64 out of range');
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, big, false);
  return out;
}

export function safeInteger(v: unknown): bigint {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new FormatError('expected a non-negative integer');
  }
  return BigInt(v);
}

// `str`: u16 length, then UTF-8 bytes.
export function str(s: string): Uint8Array {
  const b = utf8(s);
  return concat(u16(b.length), b);
}

// Standard base64 with padding (RFC 4648 §4), strictly: anything that does not re-encode to the
// same text is refused, as signed notes require a canonical encoding.
const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function fromBase64(text: string): Uint8Array {
  if (typeof text !== 'string' || !B64.test(text)) throw new FormatError('not base64');
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  let back = '';
  for (const b of out) back += String.fromCharCode(b);
  if (btoa(back) !== text) throw new FormatError('non-canonical base64');
  return out;
}
