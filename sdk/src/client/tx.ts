// Canonical TxBody and Tx envelope bytes, as the C++ encoder (protobuf SerializeAsString) writes
// them: fields in number order, proto3 zero values left out, repeated fields one entry each. The
// ledger refuses a body that is not canonical (a decode and re-encode must give the same bytes),
// so this is also the check decodeTxBody applies (sdk/test/tx.test.mjs runs tests/vectors).
import { concat, fromHex, toHex, utf8 } from '../verify/bytes.js';
import { txIdOf } from '../verify/txbody.js';
import { SdkError } from './errors.js';
import { lengthDelimited, tag, varint } from './wire.js';
import { PAYLOADS, type FieldSpec, type FieldType, type Int64, type MessageType, type PayloadInput, type PayloadKind } from './schema.js';

export interface TxHeader {
  chain_id: string;
  nonce: Int64; // makes otherwise identical txs distinct; derive it from a key to make retries safe
  created_at_ms: Int64;
  expires_at_ms: Int64; // the tx (and a signing request of it) is void after this instant
  expires_at_height: Int64; // ... or once the chain reaches this height
}

export type TxBodyInput<K extends PayloadKind = PayloadKind> = TxHeader & { kind: K; payload: PayloadInput<K> };

const U64_MAX = (1n << 64n) - 1n;
// TextEncoder would silently turn a lone surrogate into U+FFFD: a signer would sign other text.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const invalid = (message: string): SdkError => new SdkError('invalid_argument', message);

function integer(v: unknown, name: string, min: bigint, max: bigint): bigint {
  let big: bigint;
  if (typeof v === 'bigint') big = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) big = BigInt(v);
  else throw invalid(`${name}: expected an integer (a safe number or a bigint)`);
  if (big < min || big > max) throw invalid(`${name}: ${big} is out of range`);
  return big;
}

function bytesOf(v: unknown, name: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string' && /^(?:[0-9a-f]{2})*$/.test(v)) return fromHex(v);
  throw invalid(`${name}: expected lowercase hex or a Uint8Array`);
}

function text(v: unknown, name: string): Uint8Array {
  if (typeof v !== 'string') throw invalid(`${name}: expected a string`);
  if (LONE_SURROGATE.test(v)) throw invalid(`${name}: not valid Unicode (a lone surrogate)`);
  return utf8(v);
}

function list(v: unknown, name: string): readonly unknown[] {
  if (!Array.isArray(v)) throw invalid(`${name}: expected an array`);
  return v;
}

const isMessage = (type: FieldType): type is MessageType => typeof type === 'object' && !Array.isArray(type) && 'message' in type;

// The fields of one message in number order; a key the table does not name is refused, since a
// misspelt field would otherwise be signed as its zero value.
function encodeFields(fields: readonly FieldSpec[], v: unknown, where: string): Uint8Array {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalid(`${where}: expected an object`);
  for (const key of Object.keys(v)) {
    if (!fields.some((f) => f[1] === key)) throw invalid(`${where}: unknown field ${JSON.stringify(key)}`);
  }
  const values = v as Record<string, unknown>;
  return concat(...fields.map((f) => encodeField(f, values[f[1]])));
}

// One field's bytes; empty when it holds its zero value (proto3 leaves those out).
function encodeField([number, name, type]: FieldSpec, v: unknown): Uint8Array {
  if (v === undefined) return new Uint8Array(0);
  if (isMessage(type)) return lengthDelimited(number, encodeFields(type.message, v, name));
  if (Array.isArray(type)) {
    const index = (type as readonly string[]).indexOf(v as string);
    if (typeof v !== 'string' || index < 0) throw invalid(`${name}: expected one of ${type.join(', ')}`);
    return index === 0 ? new Uint8Array(0) : concat(tag(number, 0), varint(BigInt(index)));
  }
  switch (type as Exclude<FieldType, readonly string[] | MessageType>) {
    case 'string': {
      const b = text(v, name);
      return b.length === 0 ? b : lengthDelimited(number, b);
    }
    case 'bytes': {
      const b = bytesOf(v, name);
      return b.length === 0 ? b : lengthDelimited(number, b);
    }
    case 'int64': {
      const x = integer(v, name, -(1n << 63n), (1n << 63n) - 1n);
      return x === 0n ? new Uint8Array(0) : concat(tag(number, 0), varint(BigInt.asUintN(64, x)));
    }
    case 'uint64':
    case 'uint32': {
      const x = integer(v, name, 0n, type === 'uint32' ? 0xffffffffn : U64_MAX);
      return x === 0n ? new Uint8Array(0) : concat(tag(number, 0), varint(x));
    }
    case 'bool':
      if (typeof v !== 'boolean') throw invalid(`${name}: expected true or false`);
      return v ? concat(tag(number, 0), varint(1n)) : new Uint8Array(0);
    case 'strings':
      return concat(...list(v, name).map((s, i) => lengthDelimited(number, text(s, `${name}[${i}]`))));
    case 'byteses':
      return concat(...list(v, name).map((b, i) => lengthDelimited(number, bytesOf(b, `${name}[${i}]`))));
    case 'bank_list': {
      if (v === null) return new Uint8Array(0);
      const inner = concat(...list(v, name).map((s, i) => lengthDelimited(1, text(s, `${name}[${i}]`))));
      return lengthDelimited(number, inner); // present even when empty: "no account banks"
    }
  }
  throw invalid(`${name}: unsupported field type`);
}

export function encodePayload<K extends PayloadKind>(kind: K, payload: PayloadInput<K>): Uint8Array {
  const spec = PAYLOADS[kind];
  if (!spec) throw invalid(`unknown payload kind ${JSON.stringify(kind)}`);
  if (payload === null || typeof payload !== 'object') throw invalid(`${kind}: the payload must be an object`);
  return encodeFields(spec.fields as readonly FieldSpec[], payload, kind);
}

// The exact bytes every signer signs and the tx id hashes.
export function encodeTxBody<K extends PayloadKind>(tx: TxBodyInput<K>): Uint8Array {
  if (tx === null || typeof tx !== 'object') throw invalid('the tx must be an object');
  if (typeof tx.chain_id !== 'string' || tx.chain_id === '') throw invalid('chain_id is required');
  const header = concat(
    encodeField([1, 'chain_id', 'string'], tx.chain_id),
    encodeField([2, 'expires_at_height', 'uint64'], tx.expires_at_height),
    encodeField([3, 'nonce', 'uint64'], tx.nonce),
    encodeField([4, 'created_at_ms', 'uint64'], tx.created_at_ms),
    encodeField([5, 'expires_at_ms', 'uint64'], tx.expires_at_ms),
  );
  if (!Object.prototype.hasOwnProperty.call(PAYLOADS, tx.kind)) throw invalid(`unknown payload kind ${JSON.stringify(tx.kind)}`);
  // A oneof member is present even when all its fields are zero: the tag says which payload.
  return concat(header, lengthDelimited(PAYLOADS[tx.kind].number, encodePayload(tx.kind, tx.payload)));
}

export { txIdOf };
export const txIdHex = (body: Uint8Array): string => toHex(txIdOf(body));
