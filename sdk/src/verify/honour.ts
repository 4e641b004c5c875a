// The HonourName tx the wallet signs alone (issue 17 part 4, ledger/proto/shanliu.proto field 30):
// the display name its holder chooses for the honour list; an empty name clears it.
import { concat, utf8 } from './bytes.js';
import { bytesField, encodeTxBody } from './redeem.js';

const HONOUR_NAME_FIELD = 30; // TxBody.honour_name
export const MAX_HONOUR_NAME_BYTES = 48; // TxLimits::kMaxHonourNameBytes

export interface HonourNameBody {
  chainId: string;
  expiresAtHeight: bigint;
  nonce: bigint;
  createdAtMs: bigint;
  expiresAtMs: bigint;
  holder: Uint8Array; // 32 bytes
  displayName: string;
}

// Why a name cannot be sent, checked as the node will (so the resident hears it before signing),
// or null. Organisation names and personal data are the node's to refuse.
export function honourNameProblem(name: string): 'too_long' | 'control' | 'spaces' | null {
  if (utf8(name).length > MAX_HONOUR_NAME_BYTES) return 'too_long';
  if (/[\p{Cc}\u0080-\u009f]/u.test(name)) return 'control';
  if (name !== name.replace(/^ +| +$/g, '')) return 'spaces';
  return null;
}

export function encodeHonourNameBody(b: HonourNameBody): Uint8Array {
  const payload = concat(bytesField(1, b.holder), bytesField(2, utf8(b.displayName)));
  return encodeTxBody(b, HONOUR_NAME_FIELD, payload);
}
