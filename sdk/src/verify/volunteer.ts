// Volunteer confirmation requests (issue 17 part 5, docs/data-format.md "Redemption request"):
// the same envelope as a redemption request, whose TxBody holds a VolunteerService the
// volunteer's wallet confirms. Mirrors DecodeRedeemRequest(..., kVolunteerService) in
// ledger/src/redeem_request.cc; each failure is a RequestError with the ledger's error code.
import { concat, utf8 } from './bytes.js';
import { bytesField, checkBodyHeader, decodeSignedRequest, encodeTxBody, fields, intField, malformed, readBodyHeader, text, uint, type SignedRequest, type Verify } from './redeem.js';

const VOLUNTEER_FIELD = 22; // TxBody.volunteer_service
const MAX_MINUTES = 1440n; // TxLimits::kMaxVolunteerMinutes
const MAX_ACTIVITY_CHARS = 200; // TxLimits::kMaxShortText

export interface VolunteerBody {
  chainId: string;
  expiresAtHeight: bigint;
  nonce: bigint;
  createdAtMs: bigint;
  expiresAtMs: bigint;
  charityOrg: string;
  holder: Uint8Array; // 32 bytes
  minutes: bigint;
  activity: string;
  occurredAtMs: bigint;
}

export type VolunteerRequest = SignedRequest<VolunteerBody>;

export function encodeVolunteerBody(b: VolunteerBody): Uint8Array {
  const service = concat(bytesField(1, utf8(b.charityOrg)), bytesField(2, b.holder), intField(3, b.minutes), bytesField(4, utf8(b.activity)), intField(5, b.occurredAtMs));
  return encodeTxBody(b, VOLUNTEER_FIELD, service);
}

function decodeBody(bytes: Uint8Array): VolunteerBody {
  const b: VolunteerBody = { chainId: '', expiresAtHeight: 0n, nonce: 0n, createdAtMs: 0n, expiresAtMs: 0n, charityOrg: '', holder: new Uint8Array(0), minutes: 0n, activity: '', occurredAtMs: 0n };
  const service = readBodyHeader(bytes, b, VOLUNTEER_FIELD, 'this is not a volunteer record');
  for (const f of fields(service)) {
    if (f.number === 1) b.charityOrg = text(f);
    else if (f.number === 2 && f.wire === 2) b.holder = f.bytes!;
    else if (f.number === 3) b.minutes = uint(f);
    else if (f.number === 4) b.activity = text(f);
    else if (f.number === 5) b.occurredAtMs = uint(f);
    else malformed(`unknown volunteer_service field ${f.number}`);
  }
  // Re-encoding must give the same bytes, as for redemptions: one reading only.
  checkBodyHeader(b, encodeVolunteerBody(b), bytes);
  if (!/^[a-z0-9-]{3,40}$/.test(b.charityOrg)) malformed('the charity is not an organisation id');
  if (b.minutes < 1n || b.minutes > MAX_MINUTES) malformed('minutes must be between 1 and 1440');
  const chars = [...b.activity].length;
  if (chars < 1 || chars > MAX_ACTIVITY_CHARS || /\p{Cc}/u.test(b.activity)) malformed('the activity must be 1 to 200 printable characters');
  if (b.occurredAtMs === 0n) malformed('the service date is required');
  return b;
}

export function decodeVolunteerRequest(payload: string, chainId: string, nowMs: number, verify: Verify): Promise<VolunteerRequest> {
  return decodeSignedRequest(payload, chainId, nowMs, verify, decodeBody);
}
