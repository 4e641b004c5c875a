// The whole check of one receipt answer (GET /v1/receipts/{code}): the receipt proof, then the
// flow proof, then the node's JSON compared with what both prove. The receipt page shows the
// result; sdk/test/vectors.test.mjs runs it on the shared vectors (tests/vectors/).
import type { Donation, Receipt, Trace } from './types.js';
import { compareDonation, compareGift, compareTrace, type Mismatch } from './consistency.js';
import { verifyFlow, type FlowResult } from './flow.js';
import type { Anchor } from './genesis.js';
import { giftBodyOf, provenDonation, provenGift, provenTrace } from './proven.js';
import { verifyReceipt, type ReceiptVerification } from './receipt.js';

export interface AnswerVerification {
  receipt: ReceiptVerification;
  gift: Donation | null; // what the receipt proof alone proves (null: it failed, or not a gift)
  flow: FlowResult | null; // null: the answer carries no flow proof, or the gift was not proven
  proven: { donation: Donation; trace: Trace; recordedBy: boolean } | null; // the flow proof held
  mismatch: Mismatch | null; // the first field where the node's JSON differs from the proofs
}

// ok: every proof held and the node's JSON agrees with them everywhere they reach.
export const answerVerified = (a: AnswerVerification): boolean => a.receipt.ok && a.flow?.ok === true && a.mismatch === null;

export async function verifyAnswer(code: string, answer: Receipt, anchor: Anchor): Promise<AnswerVerification> {
  const receipt = await verifyReceipt(code, answer.proof, answer.donation, anchor);
  const body = receipt.ok ? giftBodyOf(answer.proof) : null;
  if (!body) return { receipt, gift: null, flow: null, proven: null, mismatch: null };
  const gift = provenGift(answer.proof, body, answer.donation);
  let mismatch = compareGift(answer.donation, gift);
  const flow = answer.flow_proof ? await timed('shanliu:flow-verify', () => verifyFlow(answer.flow_proof!, answer.proof, anchor)) : null;
  if (!flow?.ok) return { receipt, gift, flow, proven: null, mismatch };
  const donation = provenDonation(gift, flow.value);
  const trace = provenTrace(flow.value);
  const recordedBy = flow.value.orgs.has(flow.value.gift.recordedBy);
  mismatch ??= compareDonation(answer.donation, donation, recordedBy) ?? compareTrace(answer.trace, trace);
  return { receipt, gift, flow, proven: { donation, trace, recordedBy }, mismatch };
}

// A performance measure per verification, read by bench/browser_verify_bench.mjs.
async function timed<T>(name: string, run: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await run();
  } finally {
    performance.measure(name, { start, end: performance.now() });
  }
}
