// Receipt codes: lowercase RFC 4648 base32 without padding of the 32-byte tx id (52 characters).
// Decoding only: the browser checks that the code it was given names the id it recomputed.
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export function base32Decode(text: string): Uint8Array | null {
  const s = text.toLowerCase();
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of s) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return null;
    buffer = (buffer << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    buffer &= (1 << bits) - 1;
  }
  if (buffer !== 0) return null; // non-canonical trailing bits
  return Uint8Array.from(out);
}

// Encoding, for the receipt codes of txs the browser identified itself (hop and refund txs).
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}
