// Redemption requests (docs/data-format.md, "Redemption request"): base64url, without padding,
// of a Tx envelope (ledger/proto/shanliu.proto) whose TxBody holds a RedeemPoints and which
// carries zero or one signature. The body is the one the node will see, so the wallet shows
// the very bytes it signs; the request lapses at the body's expires_at_ms. Mirrors
// ledger/src/redeem_request.cc; each failure is a RequestError with the ledger's error code.
import { concat, equal, toHex, utf8 } from './bytes.js';
import { readFields, type Field } from './protobuf.js';

export const MAX_REQUEST_CHARS = 1000; // kMaxRedeemRequestChars: refused before any parsing
const MAX_POINTS = 1_000_000_000_000n; // TxLimits::kMaxPoints
const MAX_ITEM_CHARS = 200; // TxLimits::kMaxShortText
export const TX_SIGN_DOMAIN = utf8('shanliu/tx/v1\0');
const REDEEM_FIELD = 23; // TxBody.redeem_points

export type RequestErrorCode = 'malformed' | 'wrong_kind' | 'too_many_signatures' | 'bad_signature' | 'expired' | 'wrong_chain';

export class RequestError extends Error {
  constructor(
    public readonly code: RequestErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface RedeemBody {
  chainId: string;
  expiresAtHeight: bigint;
  nonce: bigint;
  createdAtMs: bigint;
  expiresAtMs: bigint;
  holder: Uint8Array; // 32 bytes
  merchantOrg: string;
  points: bigint;
  item: string;
  catalogueItem: string; // RedeemPoints.catalogue_item: the merchant's catalogue item ('' if none)
}

export type RedeemRequest = SignedRequest<RedeemBody>;

// ------------------------------------------------------------------ base64url (RFC 4648 section 5)

export function toBase64Url(data: Uint8Array): string {
  let binary = '';
  for (const b of data) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// Rejects padding, other alphabets, impossible lengths and non-zero trailing bits, so every
// byte string has exactly one encoding (as libsodium's decoder does on the merchant's side).
export function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new RequestError('malformed', 'not base64url without padding');
  const std = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const binary = atob(std);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  if (toBase64Url(out) !== text) throw new RequestError('malformed', 'base64url with non-zero trailing bits');
  return out;
}

// ------------------------------------------------------------------ protobuf writing (canonical)

function varint(v: bigint): Uint8Array {
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Uint8Array.from(out);
}

const key = (field: number, wire: number): Uint8Array => varint(BigInt((field << 3) | wire));
export const lenField = (field: number, data: Uint8Array): Uint8Array => concat(key(field, 2), varint(BigInt(data.length)), data);
// proto3 leaves default values out: an empty string, empty bytes or zero is not written.
export const bytesField = (field: number, data: Uint8Array): Uint8Array => (data.length ? lenField(field, data) : new Uint8Array(0));
export const intField = (field: number, v: bigint): Uint8Array => (v ? concat(key(field, 0), varint(v)) : new Uint8Array(0));

// A TxBody: the fields every request kind shares, then its one payload field `payloadField`
// (encoded by the kind's own encoder). In one place for redemptions, volunteer records and
// honour names, so their bodies cannot be written differently.
export function encodeTxBody(b: Omit<BodyHeader, 'holder'>, payloadField: number, payload: Uint8Array): Uint8Array {
  return concat(
    bytesField(1, utf8(b.chainId)),
    intField(2, b.expiresAtHeight),
    intField(3, b.nonce),
    intField(4, b.createdAtMs),
    intField(5, b.expiresAtMs),
    lenField(payloadField, payload),
  );
}

export function encodeRedeemBody(b: RedeemBody): Uint8Array {
  const redeem = concat(
    bytesField(1, b.holder),
    bytesField(2, utf8(b.merchantOrg)),
    intField(3, b.points),
    bytesField(4, utf8(b.item)),
    bytesField(5, utf8(b.catalogueItem)),
  );
  return encodeTxBody(b, REDEEM_FIELD, redeem);
}

export function encodeEnvelope(body: Uint8Array, sigs: { publicKey: Uint8Array; sig: Uint8Array }[]): Uint8Array {
  return concat(lenField(1, body), ...sigs.map((s) => lenField(2, concat(lenField(1, s.publicKey), lenField(2, s.sig)))));
}

// ------------------------------------------------------------------ decoding

export function malformed(message: string): never {
  throw new RequestError('malformed', message);
}

export function fields(data: Uint8Array): Field[] {
  try {
    return readFields(data);
  } catch (e) {
    return malformed((e as Error).message);
  }
}

export function text(f: Field): string {
  if (f.wire !== 2) malformed(`field ${f.number}: expected a string`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(f.bytes);
  } catch {
    return malformed(`field ${f.number}: not UTF-8`);
  }
}

export function uint(f: Field): bigint {
  if (f.wire !== 0) malformed(`field ${f.number}: expected a number`);
  return f.varint!;
}

// The TxBody fields every request kind shares (a redemption here, a volunteer record in
// verify/volunteer.ts), so both read and check them in one place and cannot drift apart.
export interface BodyHeader {
  chainId: string;
  expiresAtHeight: bigint;
  nonce: bigint;
  createdAtMs: bigint;
  expiresAtMs: bigint;
  holder: Uint8Array;
}

// Reads the shared TxBody fields of `bytes` into `b` and returns the bytes of its payload field
// `payloadField`. Any other payload kind (fields 10 to 40) is `wrong_kind`, with `notThisKind`.
export function readBodyHeader(bytes: Uint8Array, b: BodyHeader, payloadField: number, notThisKind: string): Uint8Array {
  let payload: Uint8Array | null = null;
  for (const f of fields(bytes)) {
    if (f.number === 1) b.chainId = text(f);
    else if (f.number === 2) b.expiresAtHeight = uint(f);
    else if (f.number === 3) b.nonce = uint(f);
    else if (f.number === 4) b.createdAtMs = uint(f);
    else if (f.number === 5) b.expiresAtMs = uint(f);
    else if (f.number === payloadField && f.wire === 2) payload = f.bytes!;
    else if (f.number >= 10 && f.number <= 40) throw new RequestError('wrong_kind', notThisKind);
    else malformed(`unknown body field ${f.number}`);
  }
  if (!payload) throw new RequestError('wrong_kind', notThisKind);
  return payload;
}

// The checks every decoded body passes before its kind's own: `reencoded` (the body encoded
// again from `b`) must be `bytes` exactly, so there are no repeated, out-of-order or padded fields
// that two parsers could read differently (the node refuses them too); both expiries are set; the
// holder is a key.
export function checkBodyHeader(b: BodyHeader, reencoded: Uint8Array, bytes: Uint8Array): void {
  if (!equal(reencoded, bytes)) malformed('the body is not canonically encoded');
  if (b.expiresAtHeight === 0n || b.expiresAtMs === 0n) malformed('both expiries are required');
  if (b.holder.length !== 32) malformed('the holder must be a 32-byte key');
}

function decodeBody(bytes: Uint8Array): RedeemBody {
  const b: RedeemBody = { chainId: '', expiresAtHeight: 0n, nonce: 0n, createdAtMs: 0n, expiresAtMs: 0n, holder: new Uint8Array(0), merchantOrg: '', points: 0n, item: '', catalogueItem: '' };
  const redeem = readBodyHeader(bytes, b, REDEEM_FIELD, 'this is not a redemption request');
  for (const f of fields(redeem)) {
    if (f.number === 1 && f.wire === 2) b.holder = f.bytes!;
    else if (f.number === 2) b.merchantOrg = text(f);
    else if (f.number === 3) b.points = uint(f);
    else if (f.number === 4) b.item = text(f);
    else if (f.number === 5) b.catalogueItem = text(f);
    else malformed(`unknown redeem_points field ${f.number}`);
  }
  checkBodyHeader(b, encodeRedeemBody(b), bytes);
  if (!/^[a-z0-9-]{3,40}$/.test(b.merchantOrg)) malformed('the merchant is not an organisation id');
  if (b.catalogueItem && !/^[a-z0-9-]{3,40}$/.test(b.catalogueItem)) malformed('the catalogue item is not an item id');
  if (b.points < 1n || b.points > MAX_POINTS) malformed('points must be between 1 and 10^12');
  const itemChars = [...b.item].length;
  if (itemChars < 1 || itemChars > MAX_ITEM_CHARS || /\p{Cc}/u.test(b.item)) malformed('the item must be 1 to 200 printable characters');
  return b;
}

// The payload inside a scanned or pasted text: the bare payload, or a link whose fragment or
// query has r=<payload>.
export function payloadFromText(input: string): string {
  const s = input.trim();
  if (!s) malformed('empty');
  if (!s.includes('://')) return s;
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return malformed('not a link');
  }
  const fromHash = new URLSearchParams(url.hash.replace(/^#/, '')).get('r');
  const r = fromHash ?? url.searchParams.get('r');
  if (!r) malformed('the link has no r= parameter');
  return r;
}

export type Verify = (publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array) => Promise<boolean>;

// A request's envelope, generic over the payload it carries: a redemption here, a volunteer
// record in verify/volunteer.ts (the same format, docs/data-format.md "Redemption request").
export interface RequestBody {
  chainId: string;
  expiresAtMs: bigint;
  holder: Uint8Array;
}
export interface SignedRequest<B extends RequestBody> {
  bodyBytes: Uint8Array; // exactly as signed
  body: B;
  signer: Uint8Array | null; // at most one, its signature verified
  signature: Uint8Array | null;
}

// Decodes and checks a request for chain `chainId` at `nowMs`; `decodeBody` reads and checks the
// body. Whether a non-holder signer is a key of the organisation is ledger state: the caller
// checks it against GET /v1/orgs/{id}.
export async function decodeSignedRequest<B extends RequestBody>(
  payload: string,
  chainId: string,
  nowMs: number,
  verify: Verify,
  decodeBody: (bytes: Uint8Array) => B,
): Promise<SignedRequest<B>> {
  if (!payload) malformed('empty');
  if (payload.length > MAX_REQUEST_CHARS) malformed(`${payload.length} characters; the limit is ${MAX_REQUEST_CHARS}`);
  const envelope = fromBase64Url(payload);
  let bodyBytes: Uint8Array | null = null;
  const sigs: { publicKey: Uint8Array; sig: Uint8Array }[] = [];
  for (const f of fields(envelope)) {
    if (f.number === 1 && f.wire === 2 && !bodyBytes) bodyBytes = f.bytes!;
    else if (f.number === 2 && f.wire === 2) {
      let publicKey: Uint8Array = new Uint8Array(0);
      let sig: Uint8Array = new Uint8Array(0);
      for (const g of fields(f.bytes!)) {
        if (g.number === 1 && g.wire === 2) publicKey = g.bytes!;
        else if (g.number === 2 && g.wire === 2) sig = g.bytes!;
        else malformed('unknown field in a signature');
      }
      sigs.push({ publicKey, sig });
    } else malformed('not a Tx envelope');
  }
  if (!bodyBytes) malformed('the envelope has no body');
  if (!equal(encodeEnvelope(bodyBytes, sigs), envelope)) malformed('the envelope is not canonically encoded');
  if (sigs.length > 1) throw new RequestError('too_many_signatures', 'a request carries at most one signature');
  const body = decodeBody(bodyBytes);
  if (body.chainId !== chainId) throw new RequestError('wrong_chain', `the request is for chain '${body.chainId}', this is '${chainId}'`);
  let signer: Uint8Array | null = null;
  let signature: Uint8Array | null = null;
  if (sigs.length === 1) {
    const s = sigs[0];
    if (s.publicKey.length !== 32 || s.sig.length !== 64) malformed('a signature entry needs a 32-byte key and a 64-byte signature');
    if (!(await verify(s.publicKey, s.sig, concat(TX_SIGN_DOMAIN, bodyBytes)))) throw new RequestError('bad_signature', 'the signature is not over this body');
    signer = s.publicKey;
    signature = s.sig;
  }
  if (BigInt(Math.floor(nowMs)) > body.expiresAtMs) throw new RequestError('expired', `the request expired at ${body.expiresAtMs} ms`);
  return { bodyBytes, body, signer, signature };
}

export function decodeRedeemRequest(payload: string, chainId: string, nowMs: number, verify: Verify): Promise<RedeemRequest> {
  return decodeSignedRequest(payload, chainId, nowMs, verify, decodeBody);
}

export const signedByHolder = (r: SignedRequest<RequestBody>): boolean => r.signer !== null && equal(r.signer, r.body.holder);

// The bytes an Ed25519 signature over this request's body covers (domain-separated, DESIGN 4).
export const signingMessage = (r: SignedRequest<RequestBody>): Uint8Array => concat(TX_SIGN_DOMAIN, r.bodyBytes);

// The envelope with `publicKey`'s signature added after the one already there.
export function cosigned(r: SignedRequest<RequestBody>, publicKey: Uint8Array, sig: Uint8Array): Uint8Array {
  const sigs = r.signer && r.signature ? [{ publicKey: r.signer, sig: r.signature }] : [];
  return encodeEnvelope(r.bodyBytes, [...sigs, { publicKey, sig }]);
}

export const holderHex = (r: SignedRequest<RequestBody>): string => toHex(r.body.holder);
