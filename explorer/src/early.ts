// Requests index.html's inline bootstrap started before any of the bundle had downloaded.
//
// On a phone over a slow link every wave of requests costs a round trip: the document, then the
// entry script, then the page's chunk, then the page's API calls. For a receipt (/r/<code>) the
// bootstrap sends the API calls — the receipt with its proofs, and the genesis block and document
// the verifier anchors on — together with the entry script, and preloads the page's chunks, so
// the page finds them in flight or done. It hands them over in one well-known property of
// window, written once by the bootstrap and only ever emptied here.
//
// Each response is taken at most once (a body can only be read once); any later request for the
// same path goes to the network as usual, so a re-render or a revisit is never served stale data.

interface EarlyRequests {
  path: string; // the location.pathname the bootstrap saw
  responses: Record<string, Promise<Response>>;
}

declare global {
  interface Window {
    __shanliuEarly?: EarlyRequests;
  }
}

// The response the bootstrap already requested for `path`, or undefined. Only while the page is
// still at the address the bootstrap started from: after a navigation the early answers are
// dropped, since the page that wanted them is gone.
export function takeEarly(path: string): Promise<Response> | undefined {
  const early = typeof window === 'undefined' ? undefined : window.__shanliuEarly;
  if (early === undefined) return undefined;
  // Only what the bootstrap writes is taken; anything else under that name (another script, an
  // older page) is dropped rather than trusted to be a response.
  const valid = typeof early === 'object' && early !== null && typeof early.path === 'string' && typeof early.responses === 'object' && early.responses !== null;
  if (!valid || early.path !== location.pathname) {
    window.__shanliuEarly = undefined;
    return undefined;
  }
  if (!Object.prototype.hasOwnProperty.call(early.responses, path)) return undefined;
  const response = early.responses[path];
  delete early.responses[path];
  return response instanceof Promise ? response : undefined;
}
