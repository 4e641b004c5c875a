// The explorer's one copy of the genesis anchor (@shanliu/sdk/verify/genesis), read through the
// page's same-origin API and kept for the page's lifetime: the genesis set never changes.
import { ApiError, get } from './api';
import { buildAnchor, type Anchor } from '@shanliu/sdk/verify/genesis';

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
