// The HTTP client of a Shanliu node (docs/api.md): chain info, submit with retries, wait for
// commit, receipts verified against the genesis validators' signatures, and the co-signing
// inbox. It talks HTTP only (fetch), so it runs in Node.js ≥ 18 and in browsers alike.
//
// Retries: only where repeating is harmless. POST /v1/txs is idempotent (the same tx again is
// `pending` again, or `committed` with where it is), so a submit is retried on no answer and on
// the node's retryable codes; so are GETs. Posting a signing request merges signatures (safe).
import { answerVerified, verifyAnswer, type AnswerVerification } from '../verify/answer.js';
import { AnchorError, buildAnchor, type Anchor } from '../verify/genesis.js';
import type { Donation, Receipt, Trace } from '../verify/types.js';
import { fromNodeCode, SdkError } from './errors.js';
import { cosign, parseSigningRequest, signingRequestJson, type SigningRequest } from './request.js';
import type { PayloadInput, PayloadKind } from './schema.js';
import { signTx, type Signer } from './sign.js';
import { encodeTxBody, type TxBodyInput } from './tx.js';

export interface ClientOptions {
  baseUrl: string; // e.g. http://127.0.0.1:8080 (no trailing /v1)
  fetch?: typeof fetch; // default: globalThis.fetch
  retries?: number; // extra attempts after the first (default 4)
  retryDelayMs?: number; // first back-off, doubled each retry (default 200)
  requestTimeoutMs?: number; // one HTTP exchange (default 15 000, the node's own request limit)
  sleep?: (ms: number) => Promise<void>; // injectable for tests
  now?: () => number; // ms since the epoch; injectable for tests
}

export interface SubmitResult {
  id: string;
  code: string; // the receipt code (base32 of the id)
  status: 'pending' | 'committed';
  height?: number; // committed only
  leaf?: number;
  resubmitted?: boolean; // it was already committed: the node said where
}

export interface CommittedTx {
  id: string;
  code: string;
  status: 'committed';
  kind: string;
  height: number;
  leaf: number;
  time_ms: number;
  [field: string]: unknown;
}

export interface InboxEntry {
  id: string;
  state: 'collecting' | 'submitting' | 'pending' | 'committed' | 'rejected';
  missing: { role: string; org_id: string | null }[];
  tx: { id: string; code: string; location: string; height?: number; error?: { code: string; message: string } } | null;
  location: string;
  request: Record<string, unknown>;
}

export interface VerifiedReceipt {
  donation: Donation; // as the receipt and flow proofs prove it
  trace: Trace; // where the money went, as the flow proof proves it
  answer: Receipt; // the node's JSON, which agreed with the proofs everywhere they reach
  verification: AnswerVerification;
}

export interface PrepareOptions {
  nonce?: number | bigint; // default: random; a fixed nonce makes a retry the same tx (same id)
  expiresInMs?: number; // default 1 h, as the CLI (at most the genesis max_tx_expiry_ms)
  expiresInBlocks?: number; // default 100, as the CLI
}

const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function base64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function randomNonce(): bigint {
  const b = new Uint8Array(8);
  globalThis.crypto.getRandomValues(b);
  return new DataView(b.buffer).getBigUint64(0, false);
}

export class ShanliuClient {
  private readonly base: string;
  private readonly doFetch: typeof fetch;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly requestTimeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private anchorPromise: Promise<Anchor> | undefined;

  constructor(options: ClientOptions) {
    if (!/^https?:\/\/[^/]+/.test(options.baseUrl ?? '')) throw new SdkError('invalid_url', 'baseUrl must be an http:// or https:// URL');
    this.base = options.baseUrl.replace(/\/+$/, '');
    const f = options.fetch ?? globalThis.fetch;
    if (typeof f !== 'function') throw new SdkError('invalid_argument', 'no fetch: use Node.js 18 or later, or pass one');
    this.doFetch = f;
    this.retries = options.retries ?? 4;
    this.retryDelayMs = options.retryDelayMs ?? 200;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
    this.sleep = options.sleep ?? sleepMs;
    this.now = options.now ?? Date.now;
    if (!Number.isInteger(this.retries) || this.retries < 0 || this.retries > 20) throw new SdkError('invalid_argument', 'retries: 0..20');
  }

  // One exchange: the parsed JSON answer, or a typed error (the node's code when it sent one).
  private async once<T>(method: string, path: string, body?: string): Promise<T> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.requestTimeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await this.doFetch(this.base + path, {
        method,
        headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
        body,
        signal: abort.signal,
      });
      text = await response.text();
    } catch (e) {
      throw new SdkError('network', `${method} ${path}: no answer (${(e as Error).message})`);
    } finally {
      clearTimeout(timer);
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const err = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      if (!err) throw new SdkError(response.status >= 500 ? 'unavailable' : 'bad_response', `${method} ${path}: HTTP ${response.status}`, { status: response.status });
      throw fromNodeCode(err.code, String(err.message ?? ''), response.status, err as Record<string, unknown>);
    }
    if (json === undefined || json === null || typeof json !== 'object') throw new SdkError('bad_response', `${method} ${path}: the answer is not a JSON object`, { status: response.status });
    return json as T;
  }

  // Repeats `once` on the retryable failures, backing off; the last failure is thrown.
  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once<T>(method, path, text);
      } catch (e) {
        if (!(e instanceof SdkError) || !e.retryable || attempt >= this.retries) throw e;
        await this.sleep(this.retryDelayMs * 2 ** attempt);
      }
    }
  }

  // The chain id and head height the node reports (GET /v1/stats).
  async chain(): Promise<{ chainId: string; height: number }> {
    const s = await this.call<{ chain_id?: unknown; head?: { height?: unknown } }>('GET', '/v1/stats');
    if (typeof s.chain_id !== 'string' || typeof s.head?.height !== 'number') throw new SdkError('bad_response', '/v1/stats has no chain_id and head height');
    return { chainId: s.chain_id, height: s.head.height };
  }

  // A tx ready to encode: this chain, a nonce, and expiry by time and by height as the CLI sets them.
  async prepare<K extends PayloadKind>(kind: K, payload: PayloadInput<K>, options: PrepareOptions = {}): Promise<TxBodyInput<K>> {
    const { chainId, height } = await this.chain();
    const now = this.now();
    return {
      chain_id: chainId,
      nonce: options.nonce ?? randomNonce(),
      created_at_ms: now,
      expires_at_ms: now + (options.expiresInMs ?? 3_600_000),
      expires_at_height: height + (options.expiresInBlocks ?? 100),
      kind,
      payload,
    };
  }

  // POST /v1/txs with one envelope. A ledger rule's refusal is thrown with the rule's code.
  async submit(envelope: Uint8Array): Promise<SubmitResult> {
    const answer = await this.call<{ results?: unknown }>('POST', '/v1/txs', { tx: base64(envelope) });
    const r = (Array.isArray(answer.results) ? answer.results[0] : undefined) as Record<string, unknown> | undefined;
    if (!r || typeof r.status !== 'string') throw new SdkError('bad_response', 'POST /v1/txs answered no result');
    if (r.status === 'rejected') {
      const err = (r.error ?? {}) as { code?: unknown; message?: unknown };
      throw fromNodeCode(err.code, String(err.message ?? 'rejected'), 200, { id: r.id ?? null });
    }
    if (r.status !== 'pending' && r.status !== 'committed') throw new SdkError('bad_response', `POST /v1/txs: unknown status ${r.status}`);
    return { id: String(r.id), code: String(r.code), status: r.status, height: r.height as number | undefined, leaf: r.leaf as number | undefined, resubmitted: r.resubmitted === true };
  }

  // Builds, signs with every signer, submits and (unless wait is false) waits for the commit.
  async send<K extends PayloadKind>(kind: K, payload: PayloadInput<K>, signers: readonly Signer[], options: PrepareOptions & { wait?: boolean; timeoutMs?: number } = {}): Promise<SubmitResult | CommittedTx> {
    const body = encodeTxBody(await this.prepare(kind, payload, options));
    const sent = await this.submit(await signTx(body, signers));
    return options.wait === false ? sent : this.waitForCommit(sent.id, { timeoutMs: options.timeoutMs });
  }

  // Polls GET /v1/txs/{id} until committed; `rejected` is thrown with the rule's code, and a tx
  // still not committed at the deadline is `timeout` (it may still commit: wait again).
  async waitForCommit(id: string, options: { timeoutMs?: number; pollMs?: number } = {}): Promise<CommittedTx> {
    if (!/^[0-9a-f]{64}$/.test(id)) throw new SdkError('invalid_hex', 'a tx id is 64 lowercase hex digits');
    const deadline = this.now() + (options.timeoutMs ?? 60_000);
    for (;;) {
      let status: Record<string, unknown> | undefined;
      try {
        status = await this.call<Record<string, unknown>>('GET', `/v1/txs/${id}`);
      } catch (e) {
        if (!(e instanceof SdkError) || e.code !== 'not_found') throw e; // not seen yet by this node
      }
      if (status?.status === 'committed') return status as CommittedTx;
      if (status?.status === 'rejected') {
        const err = (status.error ?? {}) as { code?: unknown; message?: unknown };
        throw fromNodeCode(err.code, String(err.message ?? 'rejected'), 200, { id });
      }
      if (this.now() >= deadline) throw new SdkError('timeout', `tx ${id} was not committed in time (it may still be)`);
      await this.sleep(options.pollMs ?? 250);
    }
  }

  // The genesis validator set, checked against the genesis block (cached: it never changes).
  anchor(): Promise<Anchor> {
    this.anchorPromise ??= buildAnchor(<T>(path: string) =>
      this.call<T>('GET', path).catch((e) => {
        if (e instanceof SdkError && e.code === 'not_found') return undefined;
        throw e;
      }),
    ).catch((e) => {
      this.anchorPromise = undefined; // a later call tries again
      if (!(e instanceof AnchorError)) throw e;
      // The node publishes no usable validator set: nothing it says can be verified.
      throw new SdkError(e.reason === 'unavailable' ? 'unavailable' : 'verification_failed', `genesis anchor: ${e.message}`);
    });
    return this.anchorPromise;
  }

  // GET /v1/receipts/{code}, verified: the receipt proof and the flow proof against the genesis
  // validators' signatures, and the node's JSON against both. Any failure: verification_failed.
  async receipt(code: string): Promise<VerifiedReceipt> {
    if (typeof code !== 'string' || !/^[a-z2-7]{52}$/i.test(code)) throw new SdkError('invalid_code', 'a receipt code is 52 base32 characters');
    const lower = code.toLowerCase();
    const answer = await this.call<Receipt>('GET', `/v1/receipts/${lower}`);
    return verifyReceiptAnswer(lower, answer, await this.anchor());
  }

  // Where a gift's money went, as the flow proof proves it (GET /v1/trace has no proof; the
  // receipt answer carries the flow proof of the same trace).
  async trace(code: string): Promise<Trace> {
    return (await this.receipt(code)).trace;
  }

  // ---------------------------------------------------------------- co-signing inbox

  async postSigningRequest(r: SigningRequest): Promise<InboxEntry> {
    return this.call<InboxEntry>('POST', '/v1/signing-requests', signingRequestJson(r));
  }

  async listSigningRequests(signer?: string, limit = 20): Promise<InboxEntry[]> {
    const q = new URLSearchParams({ limit: String(limit) });
    if (signer !== undefined) q.set('signer', signer);
    const answer = await this.call<{ requests?: unknown }>('GET', `/v1/signing-requests?${q}`);
    if (!Array.isArray(answer.requests)) throw new SdkError('bad_response', 'the inbox answered no requests list');
    return answer.requests as InboxEntry[];
  }

  async getSigningRequest(id: string): Promise<InboxEntry> {
    if (!/^[0-9a-f]{64}$/.test(id)) throw new SdkError('invalid_hex', 'a request id is a 64-hex tx id');
    return this.call<InboxEntry>('GET', `/v1/signing-requests/${id}`);
  }

  // Reads a request from the inbox, checks it here (every signature, expiry by the local clock and
  // the chain's height, that `signer` is still needed), then adds the signature. The node submits
  // the tx when this was the last one missing.
  async cosignInInbox(id: string, signer: Signer): Promise<InboxEntry> {
    const [entry, { chainId, height }] = await Promise.all([this.getSigningRequest(id), this.chain()]);
    const request = await parseSigningRequest(entry.request, chainId);
    if (request.id !== id) throw new SdkError('bad_response', 'the inbox answered another request');
    const signed = await cosign(request, signer, { nowMs: this.now(), headHeight: height });
    const mine = signed.signatures[signed.signatures.length - 1];
    try {
      return await this.call<InboxEntry>('POST', `/v1/signing-requests/${id}/signatures`, {
        public_key: signer.publicKeyHex,
        signature: Array.from(mine.signature, (b) => b.toString(16).padStart(2, '0')).join(''),
      });
    } catch (e) {
      // The request held no signature of this key when read above, so the node saying it has one
      // means an earlier attempt whose answer was lost did land: that is this call's success.
      if (e instanceof SdkError && e.code === 'duplicate_signature') return this.getSigningRequest(id);
      throw e;
    }
  }

  // The maker's side: sign a new request with the maker's own key and post it to the inbox.
  async postSigned(r: SigningRequest, maker: Signer): Promise<InboxEntry> {
    const { height } = await this.chain();
    const signed = await cosign(r, maker, { nowMs: this.now(), headHeight: height });
    return this.postSigningRequest(signed);
  }
}

// The whole check of one receipt answer, thrown as verification_failed with what failed.
export async function verifyReceiptAnswer(code: string, answer: Receipt, anchor: Anchor): Promise<VerifiedReceipt> {
  let verification: AnswerVerification;
  try {
    verification = await verifyAnswer(code, answer, anchor);
  } catch (e) {
    throw new SdkError('verification_failed', `the receipt answer could not be checked: ${(e as Error).message}`);
  }
  if (!answerVerified(verification) || !verification.proven) {
    const why = verification.mismatch
      ? `${verification.mismatch.check}: ${verification.mismatch.message}`
      : !verification.receipt.ok
        ? 'the receipt proof does not verify'
        : 'the flow proof does not verify';
    throw new SdkError('verification_failed', why, { details: { receipt: verification.receipt.ok, flow: verification.flow?.ok ?? null } });
  }
  return { donation: verification.proven.donation, trace: verification.proven.trace, answer, verification };
}

