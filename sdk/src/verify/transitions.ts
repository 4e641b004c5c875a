// Following validator-set changes from genesis (DESIGN 7, docs/flow-proof.md "Validator
// transitions"), as CometBFT's light client does: the set that signs block E is announced by
// block E-1's next_validators_hash, and block E-1 is certified by the set before the change. So
// starting from the genesis set, each transition is accepted only when more than 2/3 of the set
// already trusted signed the header that names the next set's hash. A node cannot invent a set,
// skip a change or reorder them: the header being verified must name the set reached here.
import { equal, fromHex, safeInteger, toHex } from './bytes.js';
import { blockHash, validatorsHash, verifyCommit, type CommitJson, type HeaderJson, type Validator, type ValidatorSet } from './chain.js';

export interface NextValidatorJson {
  public_key: string;
  voting_power: number;
  org_id: string;
}

// One change, as the API serves it (GET /v1/validators/transitions and every proof's
// `validator_transitions`): block E-1's header and certificate and the set that signs from E.
export interface TransitionJson {
  effective_height: number;
  header: HeaderJson;
  block_hash: string;
  commit: CommitJson;
  next_validators: NextValidatorJson[];
}

export type TransitionProblem = 'malformed' | 'order' | 'header' | 'chain' | 'validators' | 'commit' | 'next_set' | 'missing';

export class TransitionError extends Error {
  constructor(
    public readonly problem: TransitionProblem,
    message: string,
    public readonly effectiveHeight?: number,
  ) {
    super(message);
  }
}

// Sets already reached from a genesis set, keyed by the transition's block hash: checking a
// transition costs a certificate, and every proof of a chain carries the same ones.
export type TransitionCache = Map<string, ValidatorSet>;

// Names for validators that joined after genesis (the genesis document names only its own).
export type NameLookup = (orgId: string) => { nameZh: string; nameEn: string } | undefined;

const MAX_VALIDATORS = 1000;

function nextSet(chainId: string, list: NextValidatorJson[], names: NameLookup | undefined): Omit<ValidatorSet, 'hash'> {
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_VALIDATORS) {
    throw new TransitionError('malformed', 'a transition names no validators (or too many)');
  }
  const validators: Validator[] = list.map((v, index) => {
    const power = Number(safeInteger(v.voting_power));
    if (power <= 0) throw new TransitionError('malformed', 'a validator of a transition has no voting power');
    if (typeof v.org_id !== 'string') throw new TransitionError('malformed', 'a validator of a transition has no organisation');
    const name = names?.(v.org_id);
    return { index, orgId: v.org_id, publicKey: fromHex(v.public_key, 32), power: BigInt(power), nameZh: name?.nameZh ?? '', nameEn: name?.nameEn ?? '' };
  });
  const totalPower = validators.reduce((a, v) => a + v.power, 0n);
  return { chainId, validators, totalPower };
}

async function follow(set: ValidatorSet, t: TransitionJson, names: NameLookup | undefined): Promise<ValidatorSet> {
  const e = Number(safeInteger(t.effective_height));
  const at = `the change effective at height ${e}`;
  if (!t.header || Number(safeInteger(t.header.height)) !== e - 1) throw new TransitionError('header', `${at} is not announced by block ${e - 1}`, e);
  const hash = await blockHash(t.header);
  if (!equal(hash, fromHex(t.block_hash, 32))) throw new TransitionError('header', `${at}: the header does not hash to its block hash`, e);
  if (t.header.chain_id !== set.chainId) throw new TransitionError('chain', `${at} is for chain ${t.header.chain_id}`, e);
  if (!equal(fromHex(t.header.validators_hash, 32), set.hash)) {
    throw new TransitionError('validators', `${at}: block ${e - 1} names a validator set this chain had not reached`, e);
  }
  const commit = await verifyCommit(t.header, hash, t.commit, set);
  if (!commit.ok) throw new TransitionError('commit', `${at}: the certificate of block ${e - 1} does not hold (${commit.problem ?? 'invalid'})`, e);
  const next = nextSet(set.chainId, t.next_validators, names);
  const nextHash = await validatorsHash(next.validators);
  if (!equal(nextHash, fromHex(t.header.next_validators_hash, 32))) {
    throw new TransitionError('next_set', `${at}: the new set does not hash to block ${e - 1}'s next_validators_hash`, e);
  }
  return { ...next, hash: nextHash };
}

// The set that signs block `height`, reached from `genesis` through `transitions` (ordered by
// effective height; those effective after `height` are ignored). Throws TransitionError when a
// transition does not hold. The caller still checks the header's validators_hash against the
// answer: that is what catches a missing transition.
export async function setAtHeight(
  genesis: ValidatorSet,
  transitions: TransitionJson[] | undefined,
  height: number,
  cache?: TransitionCache,
  names?: NameLookup,
): Promise<ValidatorSet> {
  let set = genesis;
  let last = 1;
  for (const t of transitions ?? []) {
    if (!t || typeof t !== 'object') throw new TransitionError('malformed', 'a transition is not an object');
    const e = Number(safeInteger(t.effective_height));
    if (e <= last) throw new TransitionError('order', `the changes are not in increasing order of height (${e} after ${last})`, e);
    if (e > height) break;
    last = e;
    const key = `${toHex(set.hash)}:${e}:${t.block_hash}`;
    const known = cache?.get(key);
    if (known) {
      set = known;
      continue;
    }
    set = await follow(set, t, names);
    cache?.set(key, set);
  }
  return set;
}

// As setAtHeight, then checks that `header` names the set reached; a proof that leaves a change
// out reaches an older set and fails here.
export async function setForHeader(
  genesis: ValidatorSet,
  header: HeaderJson,
  transitions: TransitionJson[] | undefined,
  cache?: TransitionCache,
  names?: NameLookup,
): Promise<ValidatorSet> {
  const set = await setAtHeight(genesis, transitions, Number(safeInteger(header.height)), cache, names);
  if (!equal(fromHex(header.validators_hash, 32), set.hash)) {
    const reason = (transitions ?? []).length === 0 ? 'the header names another validator set and the proof carries no changes' : 'the header names another validator set than the changes reach';
    throw new TransitionError('missing', reason);
  }
  return set;
}
