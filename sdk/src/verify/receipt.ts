// Verifies a receipt proof (DESIGN 6.2) in the browser, step by step, against the validator set
// reached from the genesis set through the proof's validator-set changes (transitions.ts). Each
// step records whether it held; the receipt is verified only if all did.
import type { Donation, ReceiptProof } from './types.js';
import { concat, equal, fromHex, toHex, utf8, safeInteger } from './bytes.js';
import { base32Decode } from './base32.js';
import { blockHash, verifyCommit, type Validator, type ValidatorSet } from './chain.js';
import { ed25519Verify, engines, sha256, type Engines } from './crypto.js';
import type { Anchor } from './genesis.js';
import { leafHash, verifyInclusion } from './merkle.js';
import { giftFacts, parseEnvelope, type Envelope } from './protobuf.js';
import { setForHeader, TransitionError } from './transitions.js';

export type StepId =
  | 'envelope'
  | 'txid'
  | 'tx_signatures'
  | 'contents'
  | 'inclusion'
  | 'header'
  | 'validators'
  | 'commit';

export interface Step {
  id: StepId;
  ok: boolean;
  // Facts for the step's message (counts, heights, short hashes), shown in the UI.
  facts: Record<string, string | number>;
}

export interface ReceiptVerification {
  ok: boolean;
  steps: Step[];
  signers: Validator[];
  validatorCount: number;
  signedPower: string;
  totalPower: string;
  engines: Engines;
  anchorSource: Anchor['source'];
  genesisBlockHash: string;
  blockHash: string;
  height: number;
}

const TXID_DOMAIN = utf8('shanliu/txid/v1\0');
const TXSIG_DOMAIN = utf8('shanliu/tx/v1\0');

// What the node says the receipt is about, checked against the signed bytes: a Donation, or a
// goods donation as { kind: 'goods_donation', account: its holder, amount_fen: its quantity }.
export type ReceiptSubject = Pick<Donation, 'id' | 'code' | 'account' | 'amount_fen'> & { kind: string };

export const short = (hex: string): string => (hex.length > 16 ? `${hex.slice(0, 8)}…${hex.slice(-8)}` : hex);

export async function verifyReceipt(
  code: string,
  proof: ReceiptProof,
  donation: ReceiptSubject,
  anchor: Anchor,
): Promise<ReceiptVerification> {
  const steps: Step[] = [];
  const step = async (id: StepId, run: (facts: Step['facts']) => Promise<boolean> | boolean): Promise<boolean> => {
    const facts: Step['facts'] = {};
    let ok = false;
    try {
      ok = await run(facts);
    } catch (e) {
      facts.error = (e as Error).message;
      ok = false;
    }
    steps.push({ id, ok, facts });
    return ok;
  };

  let envelope: Envelope | undefined;
  let txBytes: Uint8Array = new Uint8Array(0);
  await step('envelope', (f) => {
    txBytes = fromHex(proof.tx);
    envelope = parseEnvelope(txBytes);
    f.bytes = txBytes.length;
    f.signatures = envelope.sigs.length;
    return true;
  });

  // The tx id is recomputed from the signed body and must be the one the receipt code names.
  let txId: Uint8Array = new Uint8Array(0);
  await step('txid', async (f) => {
    if (!envelope) return false;
    txId = await sha256(concat(TXID_DOMAIN, envelope.body));
    f.tx_id = short(toHex(txId));
    const fromCode = code.length === 52 ? base32Decode(code) : null;
    const named = fromCode ?? fromHex(donation.id, 32);
    // A 12-character prefix identifies the donation through the node's index: it must match too.
    const prefixOk = code.length === 52 || donation.code.startsWith(code);
    return prefixOk && equal(txId, named) && equal(txId, fromHex(proof.tx_id, 32));
  });

  await step('tx_signatures', async (f) => {
    if (!envelope || envelope.sigs.length === 0) return false;
    const message = concat(TXSIG_DOMAIN, envelope.body);
    let valid = 0;
    for (const s of envelope.sigs) if (await ed25519Verify(s.publicKey, s.sig, message)) valid++;
    f.valid = valid;
    f.total = envelope.sigs.length;
    return valid === envelope.sigs.length;
  });

  // What the page shows (amount, recipient, chain) must be what was signed.
  await step('contents', (f) => {
    if (!envelope) return false;
    const facts = giftFacts(envelope.body);
    if (facts.kind === 'goods_donation') f.quantity = facts.amountFen.toString(); // units of the item
    else f.amount_fen = facts.amountFen.toString();
    f.account = facts.account;
    return (
      facts.kind === donation.kind &&
      facts.amountFen === BigInt(donation.amount_fen) &&
      facts.account === donation.account &&
      facts.chainId === anchor.set.chainId
    );
  });

  await step('inclusion', async (f) => {
    const index = safeInteger(proof.leaf_index);
    const size = safeInteger(proof.log_size);
    f.leaf = proof.leaf_index;
    f.size = proof.log_size;
    f.path = proof.inclusion_path.length;
    if (size !== safeInteger(proof.header.log_size)) return false;
    const leaf = await leafHash(txBytes);
    const path = proof.inclusion_path.map((h) => fromHex(h, 32));
    return verifyInclusion(index, size, leaf, path, fromHex(proof.header.log_root, 32));
  });

  let hash: Uint8Array = new Uint8Array(0);
  await step('header', async (f) => {
    hash = await blockHash(proof.header);
    f.height = proof.header.height;
    f.block_hash = short(toHex(hash));
    return equal(hash, fromHex(proof.block_hash, 32)) && proof.header.chain_id === anchor.set.chainId;
  });

  // The set that signs this height: the genesis set, or the one reached by following each
  // certified change since genesis (each signed by more than 2/3 of the set before it).
  let set: ValidatorSet = anchor.set;
  await step('validators', async (f) => {
    f.changes = (proof.validator_transitions ?? []).filter((t) => t.effective_height <= proof.header.height).length;
    try {
      set = await setForHeader(anchor.set, proof.header, proof.validator_transitions, anchor.followed, anchor.names);
    } catch (e) {
      if (e instanceof TransitionError) f.problem = e.problem;
      throw e;
    }
    f.count = set.validators.length;
    f.hash = short(toHex(set.hash));
    return true;
  });

  let signers: Validator[] = [];
  let signedPower = 0n;
  await step('commit', async (f) => {
    if (hash.length !== 32) return false;
    const r = await verifyCommit(proof.header, hash, proof.commit, set);
    signers = r.signers;
    signedPower = r.signedPower;
    f.signed = r.signers.length;
    f.total = set.validators.length;
    if (r.problem) f.problem = r.problem;
    return r.ok;
  });

  return {
    ok: steps.every((s) => s.ok),
    steps,
    signers,
    validatorCount: set.validators.length,
    signedPower: signedPower.toString(),
    totalPower: set.totalPower.toString(),
    engines: await engines(),
    anchorSource: anchor.source,
    genesisBlockHash: anchor.genesisBlockHash,
    blockHash: hash.length === 32 ? toHex(hash) : '',
    height: proof.header.height,
  };
}
