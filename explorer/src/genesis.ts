// The explorer's one copy of the genesis anchor (@shanliu/sdk/verify/genesis), read through the
// page's same-origin API and kept for the page's lifetime: the genesis set never changes (later
// sets are reached from it by setForHeader below).
import { ApiError, get } from './api';
import { buildAnchor, type Anchor } from '@shanliu/sdk/verify/genesis';
import { equal, fromHex } from '@shanliu/sdk/verify/bytes';
import type { HeaderJson, ValidatorSet } from '@shanliu/sdk/verify/chain';
import { setForHeader as followTo, type TransitionJson } from '@shanliu/sdk/verify/transitions';

export { AnchorError, type Anchor } from '@shanliu/sdk/verify/genesis';

let cached: Promise<Anchor> | undefined;

async function getOrAbsent<T>(path: string): Promise<T | undefined> {
  try {
    return await get<T>(path);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return undefined;
    throw e;
  }
}

export function loadAnchor(): Promise<Anchor> {
  cached ??= buildAnchor(getOrAbsent).catch((e) => {
    cached = undefined; // retry next time
    throw e;
  });
  return cached;
}

// The validator set that signs `header`: the genesis set while the header names it, otherwise the
// set reached by following the chain's validator-set changes up to its height (fetched from the
// node, each change checked against the signatures of the set before it; checked changes are kept
// in the anchor). Throws TransitionError when the changes do not hold or do not reach the set the
// header names.
export async function setForHeader(anchor: Anchor, header: HeaderJson, signal?: AbortSignal): Promise<ValidatorSet> {
  if (equal(fromHex(header.validators_hash, 32), anchor.set.hash)) return anchor.set;
  const { transitions } = await get<{ transitions: TransitionJson[] }>(`/v1/validators/transitions?to_height=${header.height}`, signal);
  return followTo(anchor.set, header, transitions, anchor.followed, anchor.names);
}
