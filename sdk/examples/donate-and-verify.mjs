// A charity back office's daily job, in one file: record a bank-attested donation, wait until the
// ledger commits it, and check the donor's receipt against the validators' signatures before the
// receipt code is sent to the donor. Copy it into your own Node.js (≥ 18) project after
// `npm install @shanliu/sdk` (or a path to this repository's sdk/ directory).
//
//   node donate-and-verify.mjs http://127.0.0.1:8080 ./bank-1.key 1000.00 donor-0001
//
// Arguments: the node's URL, the attesting bank's key file (`shanliu keygen` writes it), the
// amount in yuan with at most two decimals, and the donor's id in your own records (it never
// leaves this process: only SHA-256(salt ‖ id) goes on the ledger).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeTxBody, receiptCodeOf, SdkError, seedFromKeyFile, ShanliuClient, signerFromSeed, signTx, fromHex } from '@shanliu/sdk';

const [url, keyFile, yuan, donorId] = process.argv.slice(2);
if (!url || !keyFile || !/^\d{1,12}(\.\d{1,2})?$/.test(yuan ?? '') || !donorId) {
  console.error('usage: donate-and-verify.mjs NODE_URL BANK_KEY_FILE YUAN DONOR_ID');
  process.exit(2);
}
// Yuan to fen exactly, as text: 1000.5 → 100050 (never through floating point).
const [whole, cents = ''] = yuan.split('.');
const amountFen = BigInt(whole) * 100n + BigInt(cents.padEnd(2, '0'));
const SALT = process.env.DONOR_SALT ?? 'replace-with-your-organisation-salt';
const sha256Hex = (text) => createHash('sha256').update(text).digest('hex');

const client = new ShanliuClient({ baseUrl: url });
const bank = await signerFromSeed(seedFromKeyFile(readFileSync(keyFile, 'utf8')));

// Safe to run again after a crash or a timeout: the signed envelope is journalled under the bank
// reference before it is sent, and a rerun sends those same bytes, which the node answers as
// "committed" with where it is (never a second entry). Keep the journal with your books.
const JOURNAL = process.env.SHANLIU_JOURNAL ?? './shanliu-journal';

async function signedOnce(bankRef) {
  const file = path.join(JOURNAL, `${sha256Hex(bankRef)}.tx`);
  if (existsSync(file)) return fromHex(readFileSync(file, 'utf8').trim());
  const tx = await client.prepare('donation', {
    to_account: 'org:federation',
    amount_fen: amountFen,
    donor_ref: sha256Hex(SALT + donorId),
    channel: 'bank_transfer',
    attesting_bank: 'bank-1',
    bank_ref_hash: sha256Hex(bankRef), // the ledger refuses a second tx with it (duplicate_bank_ref)
  });
  const envelope = await signTx(encodeTxBody(tx), [bank]);
  mkdirSync(JOURNAL, { recursive: true });
  writeFileSync(`${file}.new`, Buffer.from(envelope).toString('hex'));
  renameSync(`${file}.new`, file); // whole or not at all
  return envelope;
}

try {
  const envelope = await signedOnce(`BANK-${donorId}-${yuan}`);
  const sent = await client.submit(envelope); // retried on a busy node or a dropped connection
  const committed = await client.waitForCommit(sent.id);
  const code = receiptCodeOf(fromHex(sent.id));
  console.log(`committed at height ${committed.height}: receipt code ${code}`);

  // Verified from the genesis validator set alone; a node that lied would fail here.
  const receipt = await client.receipt(code);
  const t = receipt.trace.totals;
  console.log(`verified: ${receipt.donation.amount_fen} fen to ${receipt.donation.account}; spent ${t.spent_fen}, unspent ${t.unspent_fen}`);
  console.log(`donor's link: ${url}/r/${code}`);
} catch (e) {
  if (!(e instanceof SdkError)) throw e;
  // e.code is one closed set: the node's error codes (a ledger rule's refusal among them) or
  // network / verification_failed. e.retryable says whether trying again later may help.
  console.error(`failed: ${e.code}${e.retryable ? ' (retry later)' : ''}: ${e.message}`);
  process.exit(1);
}
