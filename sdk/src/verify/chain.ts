// Block headers, vote sign bytes, validator-set hashes and commit certificates (DESIGN 6.1,
// docs/data-format.md). Everything here rebuilds bytes from JSON and checks them; nothing trusts
// a hash the node computed.
import { concat, equal, fromHex, str, u32, u64, u8, utf8, safeInteger, FormatError } from './bytes.js';
import { ed25519Verify, sha256 } from './crypto.js';

export interface HeaderJson {
  chain_id: string;
  height: number;
  time_ms: number;
  prev_block_hash: string;
  txs_root: string;
  log_size: number;
  log_root: string;
  state_root: string; // root of the state map after the block (docs/data-format.md "State map")
  validators_hash: string;
  next_validators_hash: string;
  proposer_index: number;
}

export interface CommitJson {
  height: number;
  round: number;
  block_hash: string;
  signatures: { validator_index: number; signature: string }[];
}

export interface Validator {
  index: number;
  orgId: string;
  publicKey: Uint8Array;
  power: bigint;
  nameZh: string;
  nameEn: string;
}

export interface ValidatorSet {
  chainId: string;
  validators: Validator[];
  totalPower: bigint;
  hash: Uint8Array; // validators hash computed from the list
}

const HEADER_DOMAIN = utf8('shanliu/header/v2\0');
const VOTE_DOMAIN = utf8('shanliu/vote/v1\0');
const VALIDATORS_DOMAIN = utf8('shanliu/validators/v1\0');
export const PRECOMMIT = 2;

// Header bytes v2 (docs/data-format.md "Blocks"); chains start with v2, so v1 is not rebuilt.
export function headerBytes(h: HeaderJson): Uint8Array {
  if (typeof h.chain_id !== 'string') throw new FormatError('header.chain_id is missing');
  return concat(
    HEADER_DOMAIN,
    str(h.chain_id),
    u64(safeInteger(h.height)),
    u64(safeInteger(h.time_ms)),
    fromHex(h.prev_block_hash, 32),
    fromHex(h.txs_root, 32),
    u64(safeInteger(h.log_size)),
    fromHex(h.log_root, 32),
    fromHex(h.state_root, 32),
    fromHex(h.validators_hash, 32),
    fromHex(h.next_validators_hash, 32),
    u32(h.proposer_index),
  );
}

export const blockHash = (h: HeaderJson): Promise<Uint8Array> => sha256(headerBytes(h));

export function voteSignBytes(chainId: string, type: number, height: number, round: number, hash: Uint8Array): Uint8Array {
  return concat(VOTE_DOMAIN, str(chainId), u8(type), u64(safeInteger(height)), u32(round), hash);
}

export async function validatorsHash(validators: { publicKey: Uint8Array; power: bigint }[]): Promise<Uint8Array> {
  const parts: Uint8Array[] = [VALIDATORS_DOMAIN, u32(validators.length)];
  for (const v of validators) parts.push(v.publicKey, u64(v.power));
  return sha256(...parts);
}

export interface CommitResult {
  ok: boolean;
  signers: Validator[];
  signedPower: bigint;
  totalPower: bigint;
  badSignatures: number[]; // validator indexes whose signature failed
  problem?: 'height' | 'hash' | 'duplicate' | 'unknown_validator' | 'bad_signature' | 'quorum';
}

// Checks a commit certificate for the block whose (recomputed) hash is `hash`: precommits from
// distinct genesis validators, each signature valid over the vote sign bytes, and more than 2/3
// of the voting power (3·signed > 2·total).
export async function verifyCommit(
  header: HeaderJson,
  hash: Uint8Array,
  commit: CommitJson,
  set: ValidatorSet,
): Promise<CommitResult> {
  const result: CommitResult = { ok: false, signers: [], signedPower: 0n, totalPower: set.totalPower, badSignatures: [] };
  if (commit.height !== header.height) return { ...result, problem: 'height' };
  if (!equal(fromHex(commit.block_hash, 32), hash)) return { ...result, problem: 'hash' };
  const message = voteSignBytes(set.chainId, PRECOMMIT, commit.height, commit.round, hash);
  const seen = new Set<number>();
  for (const s of commit.signatures ?? []) {
    if (seen.has(s.validator_index)) return { ...result, problem: 'duplicate' };
    seen.add(s.validator_index);
    const v = set.validators[s.validator_index];
    if (!v) return { ...result, problem: 'unknown_validator' };
    let sig: Uint8Array;
    try {
      sig = fromHex(s.signature, 64);
    } catch {
      result.badSignatures.push(s.validator_index);
      continue;
    }
    if (await ed25519Verify(v.publicKey, sig, message)) {
      result.signers.push(v);
      result.signedPower += v.power;
    } else {
      result.badSignatures.push(s.validator_index);
    }
  }
  if (result.badSignatures.length > 0) return { ...result, problem: 'bad_signature' };
  if (3n * result.signedPower <= 2n * set.totalPower) return { ...result, problem: 'quorum' };
  return { ...result, ok: true };
}
