// The validators' cosigned checkpoint: a C2SP signed note (https://c2sp.org/signed-note) whose body
// is a C2SP tlog-checkpoint and whose signatures are C2SP tlog-cosignature `cosignature/v1`
// (Ed25519) made by the validators of the checkpoint's set: the set of the lowest block carrying
// its log size (docs/audit.md#checkpoints), the genesis set on a chain that never changed it.
// Mirrors ledger::VerifyCheckpointNote: the same limits, unknown names ignored but listed, a
// line of a validator of that set that fails rejecting the whole note, and more than 2/3 of that
// set's voting power required. SHA-256 and Ed25519 come from ./crypto (WebCrypto,
// or the audited @noble fallbacks); nothing here trusts a value the node computed.
import { concat, equal, fromBase64, toHex, utf8 } from './bytes.js';
import { ed25519Verify, sha256 } from './crypto.js';
import type { Validator, ValidatorSet } from './chain.js';

const MAX_NOTE_BYTES = 64 * 1024;
const MAX_LINE_BYTES = 1024;
const MAX_SIGNATURES = 100;
const SIG_PREFIX = '\u2014 '; // "— " (U+2014 em dash, space)

export type LineStatus = 'verified' | 'unknown_name' | 'malformed' | 'bad_key_id' | 'bad_signature' | 'bad_cosignature' | 'duplicate';

export interface NoteLine {
  name: string;
  status: LineStatus;
  validator?: Validator;
  timestamp?: number; // POSIX seconds, from the cosignature
}

export type NoteProblem = 'note_malformed' | 'checkpoint_malformed' | 'wrong_origin' | 'bad_cosignature' | 'quorum';

export interface NoteVerification {
  ok: boolean; // well-formed, right origin, and cosigned by more than 2/3 of the voting power
  problem?: NoteProblem;
  origin: string;
  expectedOrigin: string;
  size: bigint | null;
  rootHex: string | null;
  lines: NoteLine[];
  signers: Validator[];
  signedPower: bigint;
  totalPower: bigint;
  supermajority: boolean;
}

// A validator's cosigner name follows its key and organisation, never its place in a set:
// `shanliu/<chain_id>/v<i>-<org_id>` for the key of genesis validator i with its genesis
// organisation, otherwise `shanliu/<chain_id>/k<first 16 hex of the key>-<org_id>`
// (ledger::CosignerName). Without `genesis`, `v` is taken to be a genesis validator.
export function cosignerName(chainId: string, v: Validator, genesis?: ValidatorSet): string {
  if (!genesis) return `shanliu/${chainId}/v${v.index}-${v.orgId}`;
  const g = genesis.validators.find((x) => x.orgId === v.orgId && equal(x.publicKey, v.publicKey));
  return g ? `shanliu/${chainId}/v${g.index}-${g.orgId}` : `shanliu/${chainId}/k${toHex(v.publicKey).slice(0, 16)}-${v.orgId}`;
}

// `shanliu/<chain_id>/<first 16 hex digits of the validators hash>`.
export const checkpointOrigin = (set: ValidatorSet): string => `shanliu/${set.chainId}/${toHex(set.hash).slice(0, 16)}`;

// Key ID = first 4 bytes of SHA-256(name || "\n" || 0x04 || 32-byte Ed25519 public key).
export async function cosignatureKeyId(name: string, publicKey: Uint8Array): Promise<Uint8Array> {
  return (await sha256(utf8(name), Uint8Array.of(0x0a, 0x04), publicKey)).slice(0, 4);
}

// Printable UTF-8 without control characters (newlines are the only ones a note may hold).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f]/;

// `set` is the genesis set (it fixes the origin and the names); `signers` the set whose lines
// count, when the checkpoint's block is signed by another (setForHeader on the
// /v1/checkpoint note_checkpoint header); by default the genesis set.
export async function verifyCheckpointNote(note: string, set: ValidatorSet, signers: ValidatorSet = set): Promise<NoteVerification> {
  const expectedOrigin = checkpointOrigin(set);
  const result: NoteVerification = {
    ok: false,
    origin: '',
    expectedOrigin,
    size: null,
    rootHex: null,
    lines: [],
    signers: [],
    signedPower: 0n,
    totalPower: signers.totalPower,
    supermajority: false,
  };
  const fail = (problem: NoteProblem): NoteVerification => ({ ...result, ok: false, problem });

  if (typeof note !== 'string' || utf8(note).length > MAX_NOTE_BYTES || CONTROL.test(note) || !note.endsWith('\n')) return fail('note_malformed');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return fail('note_malformed');
  const body = note.slice(0, split + 1);
  const sigLines = note.slice(split + 2, -1).split('\n');
  if (sigLines.length === 0 || sigLines.length > MAX_SIGNATURES) return fail('note_malformed');
  if (note.split('\n').some((l) => utf8(l).length > MAX_LINE_BYTES)) return fail('note_malformed');
  if (sigLines.some((l) => !l.startsWith(SIG_PREFIX))) return fail('note_malformed');

  // tlog-checkpoint body: origin, decimal size, base64 root; Shanliu writes no extension lines.
  const bodyLines = body.slice(0, -1).split('\n');
  if (bodyLines.length !== 3) return fail('checkpoint_malformed');
  const [origin, sizeText, rootText] = bodyLines;
  result.origin = origin;
  if (!/^(0|[1-9][0-9]{0,19})$/.test(sizeText)) return fail('checkpoint_malformed');
  const size = BigInt(sizeText);
  if (size > 0xffffffffffffffffn) return fail('checkpoint_malformed');
  let root: Uint8Array;
  try {
    root = fromBase64(rootText);
  } catch {
    return fail('checkpoint_malformed');
  }
  if (root.length !== 32) return fail('checkpoint_malformed');
  result.size = size;
  result.rootHex = toHex(root);
  if (origin !== expectedOrigin) return fail('wrong_origin');

  const byName = new Map<string, Validator>();
  for (const v of signers.validators) byName.set(cosignerName(set.chainId, v, set), v);
  const seen = new Set<number>();
  let rejected = false;
  const bodyBytes = utf8(body);
  for (const line of sigLines) {
    const rest = line.slice(SIG_PREFIX.length);
    const space = rest.lastIndexOf(' ');
    const name = space > 0 ? rest.slice(0, space) : rest;
    if (space <= 0 || name.includes(' ') || name.includes('+')) {
      result.lines.push({ name, status: 'malformed' });
      continue;
    }
    const v = byName.get(name);
    if (!v) {
      result.lines.push({ name, status: 'unknown_name' }); // signed-note: ignore unknown keys
      continue;
    }
    let sig: Uint8Array;
    try {
      sig = fromBase64(rest.slice(space + 1));
    } catch {
      result.lines.push({ name, validator: v, status: 'malformed' });
      continue;
    }
    if (sig.length < 5) {
      result.lines.push({ name, validator: v, status: 'malformed' });
      continue;
    }
    if (!equal(sig.slice(0, 4), await cosignatureKeyId(name, v.publicKey))) {
      result.lines.push({ name, validator: v, status: 'bad_key_id' }); // not this validator's key: ignored
      continue;
    }
    // The first line of a validator's key decides; a repeat is skipped unverified (as Go's note.Open).
    if (seen.has(v.index)) {
      result.lines.push({ name, validator: v, status: 'duplicate' });
      continue;
    }
    seen.add(v.index);
    // From here a failure rejects the whole note: signed-note says a verifier SHOULD reject a note
    // whose known key's signature does not verify, and tlog-cosignature that a timestamp of 2^63
    // or more MUST NOT be accepted.
    if (sig.length !== 4 + 8 + 64) {
      result.lines.push({ name, validator: v, status: 'bad_cosignature' });
      rejected = true;
      continue;
    }
    const timestamp = new DataView(sig.buffer, sig.byteOffset + 4, 8).getBigUint64(0, false);
    const entry: NoteLine = { name, validator: v, status: 'verified', timestamp: Number(timestamp) };
    if (timestamp >= 1n << 63n) {
      result.lines.push({ ...entry, status: 'bad_cosignature' });
      rejected = true;
      continue;
    }
    const message = concat(utf8(`cosignature/v1\ntime ${timestamp.toString()}\n`), bodyBytes);
    if (!(await ed25519Verify(v.publicKey, sig.slice(12), message))) {
      result.lines.push({ ...entry, status: 'bad_signature' });
      rejected = true;
      continue;
    }
    seen.add(v.index);
    result.lines.push(entry);
    result.signers.push(v);
    result.signedPower += v.power;
  }
  result.signers.sort((a, b) => a.index - b.index);
  result.supermajority = 3n * result.signedPower > 2n * signers.totalPower;
  if (rejected) return fail('bad_cosignature');
  if (!result.supermajority) return fail('quorum');
  return { ...result, ok: true };
}
