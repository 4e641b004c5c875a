// The trust anchor of in-browser verification: the GENESIS validator set.
//
// The list comes from the node's genesis document (GET /v1/genesis: the genesis file of
// docs/data-format.md, or {"genesis": <that>}). It is accepted only if its validators hash —
// recomputed here — equals the validators_hash in the genesis block header (height 0), whose
// hash is also recomputed here. Receipts are then checked against exactly this set.
import { equal, fromHex, toHex } from './bytes.js';
import { blockHash, validatorsHash, type HeaderJson, type ValidatorSet, type Validator } from './chain.js';
import type { NameLookup, TransitionCache } from './transitions.js';

interface GenesisDoc {
  chain_id: string;
  validators: { org_id: string; public_key: string; voting_power: number }[];
  organisations?: { org_id: string; name_zh?: string; name_en?: string }[];
  origin_key?: { verifying_key?: unknown };
}

export interface Anchor {
  set: ValidatorSet; // the GENESIS set; later sets are reached by following transitions
  genesisBlockHash: string; // hex, recomputed from the height-0 header
  source: 'genesis' | 'node';
  // Sets reached from `set` through validator-set changes already checked (transitions.ts).
  followed: TransitionCache;
  // Names of genesis organisations, for validators that join later.
  names: NameLookup;
  // The validators' FROST group key (genesis `origin_key.verifying_key`) that signs checkpoint
  // notes under the origin name as plain Ed25519; null when the genesis has none. Unlike the
  // validator set, the genesis block does not commit to it: it is as trustworthy as the genesis
  // document the reader compares with the published one (docs/explorer.md).
  originKey: Uint8Array | null;
}

export class AnchorError extends Error {
  constructor(public readonly reason: 'unavailable' | 'mismatch' | 'malformed', message: string) {
    super(message);
  }
}

// How the anchor reads the node: `get` answers the parsed JSON of a path under /v1, or
// `undefined` when the node answers 404 (any other failure is thrown). The explorer passes its
// same-origin fetch, the SDK's client its own; the checks below are the same for both.
export type AnchorGet = <T>(path: string) => Promise<T | undefined>;

// Loads and checks the genesis validator set. Callers cache the result (it never changes for a chain).
export function buildAnchor(get: AnchorGet): Promise<Anchor> {
  return build(get);
}

async function genesisHeader(get: AnchorGet): Promise<HeaderJson> {
  const block = await get<{ header: HeaderJson; height: number }>('/v1/blocks/0');
  if (!block) throw new AnchorError('unavailable', 'the node has no genesis block');
  if (block.height !== 0 || block.header.height !== 0) throw new AnchorError('malformed', 'block 0 is not the genesis block');
  return block.header;
}

async function genesisDoc(get: AnchorGet): Promise<{ doc: GenesisDoc; source: Anchor['source'] } | null> {
  const body = await get<GenesisDoc | { genesis: GenesisDoc }>('/v1/genesis');
  if (body !== undefined) {
    if (body === null || typeof body !== 'object') throw new AnchorError('malformed', 'the genesis document is not an object');
    const doc = 'genesis' in body ? body.genesis : body;
    return { doc, source: 'genesis' };
  }
  // Nodes without /v1/genesis: a validator node states its own identity key in /v1/stats. On a
  // single-validator chain that is the whole set — accepted below only if it hashes to the
  // genesis block's validators_hash, so a wrong guess can never verify anything.
  const stats = await get<{ chain_id: string; node: { node_id: string; role: string } | null }>('/v1/stats');
  if (!stats || !stats.node || stats.node.role !== 'validator') return null;
  return {
    doc: { chain_id: stats.chain_id, validators: [{ org_id: '', public_key: stats.node.node_id, voting_power: 1 }] },
    source: 'node',
  };
}

async function build(get: AnchorGet): Promise<Anchor> {
  const [header, found] = await Promise.all([genesisHeader(get), genesisDoc(get)]);
  if (!found) throw new AnchorError('unavailable', 'the node publishes no genesis validator set');
  const { doc, source } = found;
  if (!doc || typeof doc.chain_id !== 'string' || !Array.isArray(doc.validators) || doc.validators.length === 0) {
    throw new AnchorError('malformed', 'the genesis document has no validators');
  }
  const names = new Map((doc.organisations ?? []).map((o) => [o.org_id, o]));
  const validators: Validator[] = doc.validators.map((v, index) => {
    const power = v.voting_power ?? 1;
    if (!Number.isSafeInteger(power) || power <= 0) throw new AnchorError('malformed', 'a validator has no voting power');
    const org = names.get(v.org_id);
    return {
      index,
      orgId: v.org_id,
      publicKey: fromHex(v.public_key, 32),
      power: BigInt(power),
      nameZh: org?.name_zh ?? '',
      nameEn: org?.name_en ?? '',
    };
  });
  const hash = await validatorsHash(validators);
  if (!equal(hash, fromHex(header.validators_hash, 32))) {
    throw new AnchorError(source === 'node' ? 'unavailable' : 'mismatch', 'the validator set does not hash to the genesis block\'s validators_hash');
  }
  if (header.chain_id !== doc.chain_id) throw new AnchorError('mismatch', 'the genesis block names another chain');
  const totalPower = validators.reduce((a, v) => a + v.power, 0n);
  const originKey = parseOriginKey(doc);
  return {
    set: { chainId: doc.chain_id, validators, totalPower, hash },
    genesisBlockHash: toHex(await blockHash(header)),
    source,
    followed: new Map(),
    names: (orgId) => {
      const org = names.get(orgId);
      return org ? { nameZh: org.name_zh ?? '', nameEn: org.name_en ?? '' } : undefined;
    },
    originKey,
  };
}

// `origin_key.verifying_key`: 64 hex digits when present. A node whose genesis carries a malformed
// one was refused at load (ledger::ParseGenesis), so one served here was altered: refuse the anchor.
function parseOriginKey(doc: GenesisDoc): Uint8Array | null {
  if (doc.origin_key === undefined || doc.origin_key === null) return null;
  const hex = typeof doc.origin_key === 'object' ? doc.origin_key.verifying_key : undefined;
  if (typeof hex !== 'string' || !/^[0-9a-f]{64}$/.test(hex)) throw new AnchorError('malformed', 'the genesis origin_key has no valid verifying_key');
  return fromHex(hex, 32);
}
