// Signing requests (docs/data-format.md "Signing requests", version 1): the JSON a tx travels in
// between institutions that each hold only their own key. Read strictly, like the ledger's
// ParseSigningRequest: authoritative fields are body_base64, required_signers and signatures;
// everything else is derived and, when present, checked (`id`) or ignored (`summary`, `body`).
import { equal, FormatError, fromBase64, fromHex, toHex } from '../verify/bytes.js';
import { SdkError } from './errors.js';
import { parseTxBody } from './decode.js';
import { encodeEnvelope, signBody, verifyBodySignature, type Signer, type TxSignature } from './sign.js';
import { txIdHex, type TxBodyInput } from './tx.js';

export const SIGNING_REQUEST_FORMAT = 'shanliu-signing-request/1';
export const MAX_SIGNING_REQUEST_BYTES = 64 * 1024;
const MAX_BODY_BYTES = 8 * 1024; // TxLimits::kMaxEnvelopeBytes
const MAX_SLOTS = 4;
const MAX_SLOT_KEYS = 4; // TxLimits::kMaxOrgKeys
const MAX_SIGNATURES = 4;
const ORG_ID = /^[a-z0-9-]{3,40}$/;
const TOP_FIELDS = ['format', 'id', 'chain_id', 'kind', 'body_base64', 'body', 'summary', 'expires_at_ms', 'expires_at_height', 'required_signers', 'signatures', 'complete'];

export interface SignerSlot {
  role: string; // trustee, custodian_bank, attesting_bank, holder, ... (docs/data-format.md)
  orgId: string | null; // null: a wallet key (a volunteer's or a points holder's)
  publicKeys: Uint8Array[]; // a signature by any one of them fills the slot
}

export interface SigningRequest {
  id: string; // the tx id, hex
  bodyBytes: Uint8Array;
  body: TxBodyInput;
  required: SignerSlot[];
  signatures: TxSignature[]; // in the order they were added (the envelope's order)
}

const invalid = (message: string): SdkError => new SdkError('invalid_signing_request', message);

function onlyKeys(j: unknown, allowed: string[], where: string): Record<string, unknown> {
  if (j === null || typeof j !== 'object' || Array.isArray(j)) throw invalid(`${where} must be an object`);
  for (const key of Object.keys(j)) if (!allowed.includes(key)) throw invalid(`${where}: unknown field '${key.slice(0, 40)}'`);
  return j as Record<string, unknown>;
}

function fixedHex(v: unknown, bytes: number, where: string): Uint8Array {
  if (typeof v !== 'string' || v.length !== bytes * 2 || !/^[0-9a-f]*$/.test(v)) throw new SdkError('invalid_hex', `${where} must be ${bytes * 2} lowercase hex digits`);
  return fromHex(v, bytes);
}

function slotFromJson(j: unknown, index: number): SignerSlot {
  const where = `required_signers[${index}]`;
  const o = onlyKeys(j, ['role', 'org_id', 'public_keys', 'signed'], where);
  if (typeof o.role !== 'string' || o.role.length === 0 || o.role.length > 40) throw invalid(`${where}.role must be a name of 1 to 40 characters`);
  if (o.org_id !== undefined && o.org_id !== null && (typeof o.org_id !== 'string' || !ORG_ID.test(o.org_id))) {
    throw invalid(`${where}.org_id must be an organisation id or null`);
  }
  const keys = o.public_keys;
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_SLOT_KEYS) throw invalid(`${where}.public_keys must list 1 to ${MAX_SLOT_KEYS} keys`);
  return { role: o.role, orgId: typeof o.org_id === 'string' ? o.org_id : null, publicKeys: keys.map((k, i) => fixedHex(k, 32, `${where}.public_keys[${i}]`)) };
}

const slotHas = (slot: SignerSlot, key: Uint8Array): boolean => slot.publicKeys.some((k) => equal(k, key));
const slotFilled = (r: SigningRequest, slot: SignerSlot): boolean => r.signatures.some((s) => slotHas(slot, s.publicKey));
const slotName = (slot: SignerSlot): string => (slot.orgId ? `${slot.role} ${slot.orgId}` : slot.role);

export const missingSigners = (r: SigningRequest): SignerSlot[] => r.required.filter((slot) => !slotFilled(r, slot));
export const isComplete = (r: SigningRequest): boolean => missingSigners(r).length === 0;

// The slot `key` would fill, with the ledger's checks in its order: a key signs once, at most
// four signatures, and the key must fill a slot no other signature fills.
function openSlotFor(r: SigningRequest, key: Uint8Array): SignerSlot {
  if (r.signatures.some((o) => equal(o.publicKey, key))) throw new SdkError('duplicate_signature', 'this key has already signed the request');
  if (r.signatures.length >= MAX_SIGNATURES) throw new SdkError('too_many_signatures', `a tx carries at most ${MAX_SIGNATURES} signatures`);
  const holding = r.required.filter((slot) => slotHas(slot, key));
  const open = holding.find((slot) => !slotFilled(r, slot));
  if (!open) {
    throw new SdkError(
      'signer_not_required',
      holding.length > 0 ? `${slotName(holding[0])} has already signed this request` : `key ${toHex(key)} is not one the request still needs`,
    );
  }
  return open;
}

// Adds one signature: it must fill an open slot and verify over the body.
export async function addSignature(r: SigningRequest, s: TxSignature): Promise<SigningRequest> {
  const open = openSlotFor(r, s.publicKey);
  if (!(await verifyBodySignature(r.bodyBytes, s))) {
    throw new SdkError('bad_signature', `the signature of ${slotName(open)} does not verify over this request's body (a different body?)`);
  }
  return { ...r, signatures: [...r.signatures, s] };
}

function bodyOf(o: Record<string, unknown>): Uint8Array {
  if (typeof o.body_base64 !== 'string') throw invalid('body_base64 is required');
  let body: Uint8Array;
  try {
    body = fromBase64(o.body_base64);
  } catch (e) {
    if (e instanceof FormatError) throw invalid('body_base64 is not standard padded base64');
    throw e;
  }
  if (body.length === 0 || body.length > MAX_BODY_BYTES) throw invalid('body_base64 is empty or too long');
  return body;
}

// Reads a request (its JSON text or the parsed object) and verifies every signature in it.
// `chainId`: the chain the caller works on; a request for another is `wrong_chain`.
export async function parseSigningRequest(input: string | unknown, chainId?: string): Promise<SigningRequest> {
  let j = input;
  if (typeof input === 'string') {
    if (new TextEncoder().encode(input).length > MAX_SIGNING_REQUEST_BYTES) throw new SdkError('too_large', 'a signing request is at most 64 KiB');
    try {
      j = JSON.parse(input);
    } catch {
      throw invalid('the request is not valid JSON'); // the ledger's code for it, too
    }
  }
  const o = onlyKeys(j, TOP_FIELDS, 'the signing request');
  if (o.format !== SIGNING_REQUEST_FORMAT) throw invalid(`format must be "${SIGNING_REQUEST_FORMAT}"`);
  const bodyBytes = bodyOf(o);
  const body = parseTxBody(bodyBytes);
  if (chainId !== undefined && body.chain_id !== chainId) throw new SdkError('wrong_chain', `the request is for chain ${body.chain_id}, not ${chainId}`);
  const id = txIdHex(bodyBytes);
  if (o.id !== undefined && o.id !== id) throw invalid('id is not the tx id of body_base64 (was the body edited?)');
  if (!Array.isArray(o.required_signers) || o.required_signers.length === 0 || o.required_signers.length > MAX_SLOTS) {
    throw invalid(`required_signers must list 1 to ${MAX_SLOTS} signers`);
  }
  const sigs = o.signatures ?? [];
  if (!Array.isArray(sigs)) throw invalid('signatures must be an array');
  let r: SigningRequest = { id, bodyBytes, body, required: o.required_signers.map(slotFromJson), signatures: [] };
  for (let i = 0; i < sigs.length; i++) {
    const s = onlyKeys(sigs[i], ['public_key', 'signature'], `signatures[${i}]`);
    r = await addSignature(r, { publicKey: fixedHex(s.public_key, 32, `signatures[${i}].public_key`), signature: fixedHex(s.signature, 64, `signatures[${i}].signature`) });
  }
  return r;
}

// A new request of a body the maker built, with the slots the maker believes must sign. The node
// re-derives the slots from its own state when the request is posted to its inbox; this list
// only has to name the maker's own slot truthfully.
export function newSigningRequest(bodyBytes: Uint8Array, required: SignerSlot[]): SigningRequest {
  if (!Array.isArray(required) || required.length === 0 || required.length > MAX_SLOTS) throw invalid(`required_signers must list 1 to ${MAX_SLOTS} signers`);
  // The same checks as a file's slots get, so a request made here is one every reader accepts.
  const slots = required.map((slot, i) => slotFromJson({ role: slot.role, org_id: slot.orgId, public_keys: (slot.publicKeys ?? []).map((k) => (k instanceof Uint8Array ? toHex(k) : k)) }, i));
  return { id: txIdHex(bodyBytes), bodyBytes, body: parseTxBody(bodyBytes), required: slots, signatures: [] };
}

export interface Clock {
  nowMs: number; // the signer's clock
  headHeight?: number; // the chain's height, when known: a request is void once it is reached
}

// The ledger's CheckNotExpired: void when expires_at_ms is past or the chain reached expires_at_height.
export function checkNotExpired(r: SigningRequest, clock: Clock): void {
  const atMs = BigInt(r.body.expires_at_ms);
  if (atMs < BigInt(clock.nowMs)) throw new SdkError('expired', `the request expired at ${atMs} ms; the time is ${clock.nowMs} ms: ask its maker for a new one`);
  const atHeight = BigInt(r.body.expires_at_height);
  if (clock.headHeight !== undefined && BigInt(clock.headHeight) >= atHeight) {
    throw new SdkError('expired', `the request expired at height ${atHeight}; the chain is at ${clock.headHeight}`);
  }
}

// Co-signs: refuses an expired request and a signer the request does not (or no longer) need.
export async function cosign(r: SigningRequest, signer: Signer, clock: Clock): Promise<SigningRequest> {
  checkNotExpired(r, clock);
  openSlotFor(r, signer.publicKey); // before signing: never make a signature the request cannot take
  return addSignature(r, await signBody(r.bodyBytes, signer));
}

function toBase64(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
}

const jsonInt = (v: number | bigint): number | string => (typeof v === 'bigint' ? v.toString() : v);

// The request as JSON in the documented form (without the derived `body` and `summary`, which
// every reader regenerates from body_base64).
export function signingRequestJson(r: SigningRequest): Record<string, unknown> {
  return {
    format: SIGNING_REQUEST_FORMAT,
    id: r.id,
    chain_id: r.body.chain_id,
    kind: r.body.kind,
    body_base64: toBase64(r.bodyBytes),
    expires_at_ms: jsonInt(r.body.expires_at_ms),
    expires_at_height: jsonInt(r.body.expires_at_height),
    required_signers: r.required.map((slot) => ({ role: slot.role, org_id: slot.orgId, public_keys: slot.publicKeys.map(toHex), signed: slotFilled(r, slot) })),
    signatures: r.signatures.map((s) => ({ public_key: toHex(s.publicKey), signature: toHex(s.signature) })),
    complete: isComplete(r),
  };
}

// The Tx envelope of a complete request (signatures in the order they were added).
export function requestEnvelope(r: SigningRequest): Uint8Array {
  const missing = missingSigners(r);
  if (missing.length > 0) throw new SdkError('incomplete_request', `still waiting for the signature of ${missing.map(slotName).join(', ')}`);
  return encodeEnvelope(r.bodyBytes, r.signatures);
}
