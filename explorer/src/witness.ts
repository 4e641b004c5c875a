// C2SP witness cosignatures (tlog-cosignature cosignature/v1) checked in the browser against the
// verifier keys the node lists in GET /v1/checkpoint. Which witnesses appear is the node
// operator's configuration, not something the validators proved: the page says so, and a reader
// checks the keys against what each witness publishes (docs/witness.md).
//
// Also the log's own origin signature: the validators' FROST group key signs the checkpoint text
// under the origin name as a plain Ed25519 signed-note line (key type 0x01), the signature a
// standard C2SP witness checks. It is checked here against the genesis `origin_key`, never against
// the `origin_vkey` the node lists (which is only compared with it).
import { concat, equal, fromBase64, toHex, utf8 } from '@shanliu/sdk/verify/bytes';
import { ed25519Verify, sha256 } from '@shanliu/sdk/verify/crypto';
import type { ProofEnvelopeJson } from '@shanliu/sdk/verify/envelope';
import type { Anchor } from '@shanliu/sdk/verify/genesis';
import { verifyOriginKey } from '@shanliu/sdk/verify/origin';

export interface WitnessKey {
  name: string;
  keyId: Uint8Array;
  publicKey: Uint8Array;
}

export type WitnessStatus = 'verified' | 'bad_vkey' | 'bad_signature' | 'other_log' | 'none';

export interface WitnessCheck {
  status: WitnessStatus;
  size?: bigint; // from the checkpoint text the line signs
  timestamp?: number; // POSIX seconds, from the cosignature
}

const COSIGNATURE_V1 = 0x04;
const SIG_PREFIX = '\u2014 ';

const ED25519_NOTE = 0x01;

// Signed-note key ID: the first 4 bytes of SHA-256(name || "\n" || key type || public key).
const noteKeyId = async (name: string, type: number, publicKey: Uint8Array): Promise<Uint8Array> =>
  (await sha256(utf8(name), Uint8Array.of(0x0a, type), publicKey)).slice(0, 4);

// `<name>+<8 hex key ID>+<base64(type || 32-byte Ed25519 key)>`, the key ID matching the rest.
async function parseNoteVkey(vkey: string, type: number): Promise<WitnessKey | null> {
  // The base64 key may itself hold '+': only the first two separate fields.
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (second < 0) return null;
  const [name, idHex, keyText] = [vkey.slice(0, first), vkey.slice(first + 1, second), vkey.slice(second + 1)];
  if (!name || /\s/.test(name) || !/^[0-9a-f]{8}$/.test(idHex)) return null;
  let key: Uint8Array;
  try {
    key = fromBase64(keyText);
  } catch {
    return null;
  }
  if (key.length !== 33 || key[0] !== type) return null;
  const publicKey = key.slice(1);
  const keyId = await noteKeyId(name, type, publicKey);
  return toHex(keyId) === idHex ? { name, keyId, publicKey } : null;
}

// A witness's cosignature/v1 verifier key.
export const parseWitnessVkey = (vkey: string): Promise<WitnessKey | null> => parseNoteVkey(vkey, COSIGNATURE_V1);

// One witness's line over `checkpoint` (the tlog-checkpoint text, ending in a newline) for the
// log `origin`: the witness's name and key ID, a timestamp in [1, 2^63), and a valid signature over
// "cosignature/v1\ntime <t>\n" || checkpoint.
export async function checkWitness(
  origin: string,
  vkey: string,
  checkpoint: string | null,
  line: string | null,
): Promise<WitnessCheck> {
  if (checkpoint === null || line === null) return { status: 'none' };
  const key = await parseWitnessVkey(vkey);
  if (!key) return { status: 'bad_vkey' };
  const body = checkpoint.split('\n');
  if (body.length !== 4 || body[3] !== '' || !/^(0|[1-9][0-9]{0,19})$/.test(body[1])) return { status: 'bad_signature' };
  if (body[0] !== origin) return { status: 'other_log' };
  const prefix = `${SIG_PREFIX}${key.name} `;
  if (!line.startsWith(prefix) || !line.endsWith('\n')) return { status: 'bad_signature' };
  let sig: Uint8Array;
  try {
    sig = fromBase64(line.slice(prefix.length, -1));
  } catch {
    return { status: 'bad_signature' };
  }
  if (sig.length !== 4 + 8 + 64 || !equal(sig.slice(0, 4), key.keyId)) return { status: 'bad_signature' };
  const timestamp = new DataView(sig.buffer, sig.byteOffset + 4, 8).getBigUint64(0, false);
  if (timestamp === 0n || timestamp >= 1n << 63n) return { status: 'bad_signature' };
  const message = concat(utf8(`cosignature/v1\ntime ${timestamp.toString()}\n`), utf8(checkpoint));
  const ok = await ed25519Verify(key.publicKey, sig.slice(12), message);
  return ok ? { status: 'verified', size: BigInt(body[1]), timestamp: Number(timestamp) } : { status: 'bad_signature' };
}

// verified: a line under the origin name with the genesis key's ID verifies over the note's text.
// bad_signature: such a line does not verify (ledger::VerifyCheckpointNote refuses the note).
// key_differs: the node lists another origin_vkey than the genesis key's, or the only origin lines
// are under another key. absent: the genesis has no origin key (no_key) or the note has no origin
// line (no_line: e.g. after a validator-set change that did not hand the origin key over).
// key_unproven: the line verifies under the genesis document's key, but certified state does not
// prove that key (proveOriginKey below): the document may not be the chain's.
export type OriginStatus = 'verified' | 'bad_signature' | 'key_differs' | 'key_unproven' | 'absent';

export interface OriginCheck {
  status: OriginStatus;
  reason?: 'no_key' | 'no_line' | 'node_vkey' | 'line_key';
  vkey: string | null; // the genesis key as a signed-note verifier key, what witnesses are given
  provenAt?: number; // verified: the certified height whose state holds the genesis key
  problem?: string; // key_unproven: what the key's proof failed on
}

// The verifier key string of `publicKey` under `origin` (ledger::OriginVerifierKey).
export async function originVerifierKey(origin: string, publicKey: Uint8Array): Promise<string> {
  const id = await noteKeyId(origin, ED25519_NOTE, publicKey);
  const blob = Uint8Array.of(ED25519_NOTE, ...publicKey);
  return `${origin}+${toHex(id)}+${btoa(String.fromCharCode(...blob))}`;
}

// Does the node's listed vkey name the genesis key under this origin? Null (not listed) agrees
// only when the genesis has no key.
async function nodeVkeyAgrees(origin: string, genesisKey: Uint8Array | null, nodeVkey: string | null | undefined): Promise<boolean> {
  if (nodeVkey === null || nodeVkey === undefined || nodeVkey === '') return genesisKey === null;
  const listed = await parseNoteVkey(nodeVkey, ED25519_NOTE);
  return genesisKey !== null && listed !== null && listed.name === origin && equal(listed.publicKey, genesisKey);
}

// The origin lines of `note` checked against `genesisKey`: every line under the origin name with
// the key's ID must verify (as ledger::VerifyCheckpointNote: one that does not refuses the note);
// lines under other key IDs are not the genesis key's.
async function originLine(note: string, origin: string, genesisKey: Uint8Array): Promise<OriginStatus> {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) return 'absent';
  const body = note.slice(0, split + 1);
  if (body.slice(0, body.indexOf('\n')) !== origin) return 'absent';
  const keyId = await noteKeyId(origin, ED25519_NOTE, genesisKey);
  const prefix = `${SIG_PREFIX}${origin} `;
  let found: OriginStatus = 'absent';
  for (const line of note.slice(split + 2, -1).split('\n')) {
    if (!line.startsWith(prefix)) continue;
    let sig: Uint8Array;
    try {
      sig = fromBase64(line.slice(prefix.length));
    } catch {
      continue; // garbled: ignored, as a verifier ignores what it cannot parse
    }
    if (sig.length < 4) continue;
    if (!equal(sig.slice(0, 4), keyId)) {
      if (found === 'absent') found = 'key_differs';
      continue;
    }
    if (sig.length !== 4 + 64 || !(await ed25519Verify(genesisKey, sig.slice(4), utf8(body)))) return 'bad_signature';
    found = 'verified';
  }
  return found;
}

// The origin signature of `note` (null: none served) for the log `origin`, against the genesis
// key; `nodeVkey` is GET /v1/checkpoint's origin_vkey, only compared. A bad line outranks a
// differing key, which outranks a verified line: a node listing another key misleads witnesses.
export async function checkOrigin(
  note: string | null,
  origin: string,
  genesisKey: Uint8Array | null,
  nodeVkey: string | null | undefined,
): Promise<OriginCheck> {
  const vkey = genesisKey ? await originVerifierKey(origin, genesisKey) : null;
  const agrees = await nodeVkeyAgrees(origin, genesisKey, nodeVkey);
  if (!genesisKey) return agrees ? { status: 'absent', reason: 'no_key', vkey } : { status: 'key_differs', reason: 'node_vkey', vkey };
  const line = note === null ? 'absent' : await originLine(note, origin, genesisKey);
  if (line === 'bad_signature') return { status: line, vkey };
  if (!agrees) return { status: 'key_differs', reason: 'node_vkey', vkey };
  if (line === 'key_differs') return { status: line, reason: 'line_key', vkey };
  return line === 'absent' ? { status: line, reason: 'no_line', vkey } : { status: line, vkey };
}

// A verified origin line stays 'verified' only when `proof` (GET /v1/genesis/origin_key, null when
// the node served none) proves the genesis key in the state of a header the genesis validators
// certified: the genesis block header does not cover origin_key itself. Other states stand as
// they are (a bad line or a differing key already refuses the signature).
export async function proveOriginKey(c: OriginCheck, proof: ProofEnvelopeJson | null, anchor: Anchor): Promise<OriginCheck> {
  if (c.status !== 'verified') return c;
  if (proof === null) return { status: 'key_unproven', vkey: c.vkey, problem: 'the node serves no proof of the origin key' };
  const v = await verifyOriginKey(proof, anchor);
  if (!v.ok) return { status: 'key_unproven', vkey: c.vkey, problem: v.message };
  return { ...c, provenAt: v.height };
}
