// Verifies receipts with the SDK alone (sdk/dist), as a donor's browser would: each receipt proof
// and flow proof against the validators' signatures, starting from the genesis set and following
// every validator-set change the proofs carry. Prints, per receipt, the height of its proof, the
// changes followed and the signers; exits non-zero on the first receipt that does not verify.
// Usage: node sdk_verify_receipts.mjs <node url> <sdk dist index.js> <receipt code>...
import { pathToFileURL } from 'node:url';

const [url, sdkEntry, ...codes] = process.argv.slice(2);
const { ShanliuClient } = await import(pathToFileURL(sdkEntry).href);
const client = new ShanliuClient({ baseUrl: url });
if (codes.length === 0) throw new Error('no receipt codes given');
for (const code of codes) {
  const r = await client.receipt(code); // throws verification_failed when anything does not hold
  const steps = r.verification.receipt.steps;
  const validators = steps.find((s) => s.id === 'validators');
  const flow = r.verification.flow?.ok ? r.verification.flow.value : null;
  console.log(
    JSON.stringify({
      code,
      receipt_height: r.verification.receipt.height,
      receipt_changes_followed: validators?.facts.changes ?? 0,
      receipt_signers: r.verification.receipt.signers.map((v) => v.orgId),
      receipt_validator_count: r.verification.receipt.validatorCount,
      flow_height: flow?.height ?? null,
      flow_signers: flow?.signers.map((v) => v.orgId) ?? null,
      flow_validator_count: flow?.validatorCount ?? null,
    }),
  );
}
