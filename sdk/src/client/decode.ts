// TxBody bytes back into the builder's input form (hex for bytes, short enum names), strictly:
// known fields with their wire types only, one payload, and canonical (re-encoding gives the
// same bytes) — what the ledger's DecodeTx demands, so a body the SDK accepts here is one the
// node can accept too. Used to read a signing request's body before signing it.
import { equal, FormatError, toHex } from '../verify/bytes.js';
import { readFields, type Field } from '../verify/protobuf.js';
import { SdkError } from './errors.js';
import { PAYLOADS, type FieldSpec, type MessageType, type PayloadKind } from './schema.js';
import { encodeTxBody, type TxBodyInput } from './tx.js';

const malformed = (message: string): SdkError => new SdkError('malformed', message);
const HEADER: readonly FieldSpec[] = [[1, 'chain_id', 'string'], [2, 'expires_at_height', 'uint64'], [3, 'nonce', 'uint64'], [4, 'created_at_ms', 'uint64'], [5, 'expires_at_ms', 'uint64']];

const safe = (v: bigint): number | bigint => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);

function utf8Text(b: Uint8Array, name: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    throw malformed(`${name} is not valid UTF-8`);
  }
}

function fieldValue(spec: FieldSpec, f: Field): unknown {
  const [, name, type] = spec;
  const varintTyped = Array.isArray(type) || type === 'int64' || type === 'uint64' || type === 'uint32' || type === 'bool';
  if (f.wire !== (varintTyped ? 0 : 2)) throw malformed(`${name}: wrong wire type ${f.wire}`);
  if (Array.isArray(type)) return (type as readonly string[])[Number(f.varint!)] ?? `unknown_${f.varint}`;
  // A nested message: its own fields, as strictly (the re-encoding check covers it too).
  if (typeof type === 'object') return decodeFields(f.bytes!, (type as MessageType).message, name);
  switch (type) {
    case 'bool':
      // Anything but 1 for true does not re-encode to the same bytes: refused as not canonical.
      return f.varint! !== 0n;
    case 'string':
    case 'strings':
      return utf8Text(f.bytes!, name);
    case 'bytes':
    case 'byteses':
      return toHex(f.bytes!);
    case 'int64':
      return safe(BigInt.asIntN(64, f.varint!));
    case 'uint64':
      return safe(BigInt.asUintN(64, f.varint!));
    case 'uint32':
      if (f.varint! > 0xffffffffn) throw malformed(`${name}: over 32 bits`);
      return Number(f.varint!);
    case 'bank_list':
      return readFields(f.bytes!).map((g) => {
        if (g.number !== 1 || g.wire !== 2) throw malformed(`${name}: unknown field ${g.number}`);
        return utf8Text(g.bytes!, name);
      });
  }
  throw malformed(`${name}: unsupported field type`);
}

function decodeFields(data: Uint8Array, specs: readonly FieldSpec[], where: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of readFields(data)) {
    const spec = specs.find((s) => s[0] === f.number);
    if (!spec) throw malformed(`${where}: unknown field ${f.number}`);
    const value = fieldValue(spec, f);
    if (spec[2] === 'strings' || spec[2] === 'byteses') ((out[spec[1]] ??= []) as unknown[]).push(value);
    else if (spec[1] in out) throw malformed(`${where}: field ${spec[1]} appears twice`);
    else out[spec[1]] = value;
  }
  return out;
}

export function parseTxBody(body: Uint8Array): TxBodyInput {
  try {
    return decodeStrict(body);
  } catch (e) {
    if (e instanceof FormatError) throw malformed(`not a TxBody: ${e.message}`);
    throw e;
  }
}

function decodeStrict(body: Uint8Array): TxBodyInput {
  const header: Record<string, unknown> = { chain_id: '', expires_at_height: 0, nonce: 0, created_at_ms: 0, expires_at_ms: 0 };
  let kind: PayloadKind | undefined;
  let payload: Record<string, unknown> = {};
  for (const f of readFields(body)) {
    const h = HEADER.find((s) => s[0] === f.number);
    if (h) {
      header[h[1]] = fieldValue(h, f);
      continue;
    }
    const k = (Object.keys(PAYLOADS) as PayloadKind[]).find((name) => PAYLOADS[name].number === f.number);
    if (!k) throw malformed(`TxBody: unknown field ${f.number}`);
    if (kind) throw malformed('TxBody: more than one payload');
    if (f.wire !== 2) throw malformed(`${k}: wrong wire type ${f.wire}`);
    kind = k;
    payload = decodeFields(f.bytes!, PAYLOADS[k].fields as readonly FieldSpec[], k);
  }
  if (!kind) throw malformed('TxBody: no payload');
  const tx = { ...header, kind, payload } as unknown as TxBodyInput;
  let again: Uint8Array;
  try {
    again = encodeTxBody(tx);
  } catch (e) {
    throw malformed(`TxBody does not re-encode: ${(e as Error).message}`);
  }
  if (!equal(again, body)) throw malformed('TxBody is not canonically encoded');
  return tx;
}
