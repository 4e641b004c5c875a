// The three protobuf wire primitives the encoders need (varint, tag, length-delimited field).
// Proto3 on the wire is this small; a full protobuf runtime would only add weight to the pages
// that verify receipts, and the bytes are checked against protoc in sdk/test/tx.test.mjs.
import { concat } from '../verify/bytes.js';

export function varint(v: bigint | number): Uint8Array {
  const out: number[] = [];
  let x = BigInt(v);
  while (x > 0x7fn) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return Uint8Array.from(out);
}

export const tag = (field: number, wire: number): Uint8Array => varint(BigInt(field) * 8n + BigInt(wire));

export const lengthDelimited = (field: number, data: Uint8Array): Uint8Array => concat(tag(field, 2), varint(data.length), data);
