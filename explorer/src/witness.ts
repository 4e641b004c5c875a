// C2SP witness cosignatures (tlog-cosignature cosignature/v1) checked in the browser against the
// verifier keys the node lists in GET /v1/checkpoint. Which witnesses appear is the node
// operator's configuration, not something the validators proved: the page says so, and a reader
// checks the keys against what each witness publishes (docs/witness.md).
import { concat, equal, fromBase64, toHex, utf8 } from '@shanliu/sdk/verify/bytes';
import { ed25519Verify, sha256 } from '@shanliu/sdk/verify/crypto';

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

// `<name>+<8 hex key ID>+<base64(0x04 || 32-byte Ed25519 key)>`, the key ID matching the rest.
export async function parseWitnessVkey(vkey: string): Promise<WitnessKey | null> {
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
  if (key.length !== 33 || key[0] !== COSIGNATURE_V1) return null;
  const publicKey = key.slice(1);
  const keyId = (await sha256(utf8(name), Uint8Array.of(0x0a, COSIGNATURE_V1), publicKey)).slice(0, 4);
  return toHex(keyId) === idHex ? { name, keyId, publicKey } : null;
}

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
