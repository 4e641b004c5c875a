// The HTTP client against a scripted node (fetch replaced): retries only where they are safe,
// typed errors, waiting for a commit, and receipts verified from the shared vectors' answers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { vector } from './vectors.mjs';

const { ShanliuClient, SdkError } = await import('../dist/index.js');

const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

// A node answering from a list of (method path → answer) steps, recording every request.
function scripted(steps) {
  const seen = [];
  const fetch = async (url, init = {}) => {
    const u = new URL(url);
    seen.push(`${init.method ?? 'GET'} ${u.pathname}${u.search}`);
    const step = steps.shift();
    if (!step) throw new Error(`unexpected request ${u.pathname}`);
    if (step instanceof Error) throw step;
    return step(u, init);
  };
  const slept = [];
  let now = 1_000_000;
  const client = new ShanliuClient({ baseUrl: 'http://node.invalid:8080/', fetch, retryDelayMs: 100, sleep: async (ms) => { slept.push(ms); now += ms; }, now: () => now });
  return { client, seen, slept };
}

const ENVELOPE = new Uint8Array([10, 1, 1]);
const ID = 'ab'.repeat(32);

async function rejects(promise, wantCode) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof SdkError, `a typed error, not ${e}`);
    assert.equal(e.code, wantCode, e.message);
    return true;
  });
}

describe('submit', () => {
  it('retries a busy node and a dropped connection, backing off, then succeeds', async () => {
    const { client, seen, slept } = scripted([
      () => json(503, { error: { code: 'unavailable', message: 'busy' } }),
      new TypeError('fetch failed'),
      () => json(200, { results: [{ id: ID, code: 'c', status: 'pending' }] }),
    ]);
    const r = await client.submit(ENVELOPE);
    assert.equal(r.status, 'pending');
    assert.deepEqual(slept, [100, 200]);
    assert.deepEqual(seen, ['POST /v1/txs', 'POST /v1/txs', 'POST /v1/txs']);
  });

  it('takes a resubmitted committed tx as success, with where it is', async () => {
    const { client } = scripted([(u, init) => {
      assert.deepEqual(JSON.parse(init.body), { tx: Buffer.from(ENVELOPE).toString('base64') });
      return json(200, { results: [{ id: ID, code: 'c', status: 'committed', resubmitted: true, location: `/v1/txs/${ID}`, height: 7, leaf: 12 }] });
    }]);
    assert.deepEqual(await client.submit(ENVELOPE), { id: ID, code: 'c', status: 'committed', height: 7, leaf: 12, resubmitted: true });
  });

  it('throws a ledger rule\'s refusal with the rule\'s code, and never retries it', async () => {
    const { client, seen } = scripted([() => json(200, { results: [{ id: ID, status: 'rejected', error: { code: 'insufficient_funds', message: 'no' } }] })]);
    await rejects(client.submit(ENVELOPE), 'insufficient_funds');
    assert.equal(seen.length, 1);
  });

  it('does not retry a final HTTP error, and gives up after the retries on a retryable one', async () => {
    const { client, seen } = scripted([() => json(413, { error: { code: 'too_large', message: 'big' } })]);
    await rejects(client.submit(ENVELOPE), 'too_large');
    assert.equal(seen.length, 1);
    const down = scripted(Array(5).fill(new TypeError('fetch failed')));
    await rejects(down.client.submit(ENVELOPE), 'network');
    assert.equal(down.seen.length, 5);
  });

  it('types what is not the API: HTML errors, non-JSON answers, unknown statuses', async () => {
    // bad_response is retryable (a proxy's page in between): five attempts, then the error
    const five = (step) => Array(5).fill(step);
    const html = scripted(five(() => new Response('<html>', { status: 404 })));
    await rejects(html.client.submit(ENVELOPE), 'bad_response');
    assert.equal(html.seen.length, 5);
    await rejects(scripted(five(() => new Response('<html>', { status: 502 }))).client.submit(ENVELOPE), 'unavailable');
    await rejects(scripted(five(() => new Response('ok', { status: 200 }))).client.submit(ENVELOPE), 'bad_response');
    await rejects(scripted([() => json(200, { results: [{ id: ID, status: 'queued' }] })]).client.submit(ENVELOPE), 'bad_response');
    await rejects(scripted([() => json(200, { results: [] })]).client.submit(ENVELOPE), 'bad_response');
    assert.throws(() => new ShanliuClient({ baseUrl: 'node:8080' }), (e) => e.code === 'invalid_url');
  });
});

describe('waitForCommit', () => {
  it('polls through not-yet-seen and pending to committed', async () => {
    const { client, seen } = scripted([
      () => json(404, { error: { code: 'not_found', message: 'no' } }),
      () => json(200, { id: ID, status: 'pending' }),
      () => json(200, { id: ID, status: 'committed', height: 9, leaf: 3, kind: 'donation' }),
    ]);
    const tx = await client.waitForCommit(ID, { pollMs: 50 });
    assert.equal(tx.height, 9);
    assert.equal(seen.length, 3);
  });

  it('throws the rule code of a rejected tx, and timeout at the deadline', async () => {
    await rejects(scripted([() => json(200, { id: ID, status: 'rejected', error: { code: 'expired', message: 'late' } })]).client.waitForCommit(ID), 'expired');
    const pending = scripted(Array(20).fill(() => json(200, { id: ID, status: 'pending' })));
    await rejects(pending.client.waitForCommit(ID, { timeoutMs: 1000, pollMs: 250 }), 'timeout');
    assert.equal(pending.seen.length, 5); // at 0, 250, 500, 750 and 1000 ms of the injected clock
    await rejects(pending.client.waitForCommit('xyz'), 'invalid_hex');
  });
});

describe('receipts', () => {
  const { responses, receipts } = vector('receipts.json');
  const node = (change = () => {}) => {
    const answers = structuredClone(responses);
    change(answers);
    const fetch = async (url) => {
      const u = new URL(url);
      const body = answers[u.pathname + u.search];
      return body === undefined ? json(404, { error: { code: 'not_found', message: u.pathname } }) : json(200, body);
    };
    return new ShanliuClient({ baseUrl: 'http://node.invalid', fetch });
  };

  it('verifies each vector receipt against the genesis validators and returns what the proofs prove', async () => {
    const client = node();
    for (const r of receipts) {
      const v = await client.receipt(r.code.toUpperCase());
      assert.equal(v.donation.amount_fen, responses[`/v1/receipts/${r.code}`].donation.amount_fen);
      assert.equal(v.trace.nodes.length, responses[`/v1/receipts/${r.code}`].trace.nodes.length);
    }
  });

  it('refuses a changed amount, a changed hop and a flipped proof byte with verification_failed', async () => {
    const { code } = receipts[0];
    const path = `/v1/receipts/${code}`;
    await rejects(node((a) => (a[path].donation.amount_fen += 1)).receipt(code), 'verification_failed');
    await rejects(node((a) => (a[path].trace.nodes[0].amount_fen += 1)).receipt(code), 'verification_failed');
    await rejects(node((a) => {
      const sp = a[path].flow_proof.state_proof;
      a[path].flow_proof.state_proof = sp.slice(0, 200) + (sp[200] === '0' ? '1' : '0') + sp.slice(201);
    }).receipt(code), 'verification_failed');
    await rejects(node((a) => (a[path].proof.commit.signatures = [])).receipt(code), 'verification_failed');
    await rejects(node().receipt('short'), 'invalid_code');
  });

  it('refuses a node whose published validator set does not match its genesis block', async () => {
    const client = node((a) => {
      const g = a['/v1/genesis'].genesis ?? a['/v1/genesis'];
      g.validators[0].public_key = 'cd'.repeat(32);
    });
    await rejects(client.receipt(receipts[0].code), 'verification_failed');
  });
});

describe('co-signing through the inbox', () => {
  it('checks the request before signing, and takes a lost answer\'s duplicate_signature as done', async () => {
    const { encodeTxBody, newSigningRequest, cosign, signingRequestJson, signerFromSeed } = await import('../dist/index.js');
    const [trustee, bank, stranger] = await Promise.all([1, 2, 3].map((n) => signerFromSeed(new Uint8Array(32).fill(n))));
    const nowMs = 1_000_000;
    const body = encodeTxBody({ chain_id: 'c', nonce: 1, created_at_ms: nowMs, expires_at_ms: nowMs + 60_000, expires_at_height: 50, kind: 'trust_disbursement', payload: { trust_id: 't1', to_account: 'org:x', amount_fen: 5 } });
    const slots = [{ role: 'trustee', orgId: 'trustee-1', publicKeys: [trustee.publicKey] }, { role: 'custodian_bank', orgId: 'bank-1', publicKeys: [bank.publicKey] }];
    const r = await cosign(newSigningRequest(body, slots), trustee, { nowMs });
    const entry = { id: r.id, state: 'collecting', missing: [], tx: null, location: '', request: signingRequestJson(r) };
    const stats = (height) => () => json(200, { chain_id: 'c', head: { height } });
    const inbox = (steps) => {
      const s = scripted(steps);
      return s;
    };
    // a stranger: refused here, nothing posted
    const a = inbox([() => json(200, entry), stats(10)]);
    await rejects(a.client.cosignInInbox(r.id, stranger), 'signer_not_required');
    assert.deepEqual(a.seen, [`GET /v1/signing-requests/${r.id}`, 'GET /v1/stats']);
    // the chain reached the request's height: expired, nothing posted
    await rejects(inbox([() => json(200, entry), stats(50)]).client.cosignInInbox(r.id, bank), 'expired');
    // a request for another chain
    await rejects(inbox([() => json(200, entry), () => json(200, { chain_id: 'other', head: { height: 1 } })]).client.cosignInInbox(r.id, bank), 'wrong_chain');
    // the POST's answer is lost, the retry finds the signature there
    const b = inbox([
      () => json(200, entry),
      stats(10),
      (u, init) => {
        const sig = JSON.parse(init.body);
        assert.equal(sig.public_key, bank.publicKeyHex);
        throw new TypeError('connection reset');
      },
      () => json(400, { error: { code: 'duplicate_signature', message: 'already' } }),
      () => json(200, { ...entry, state: 'committed' }),
    ]);
    assert.equal((await b.client.cosignInInbox(r.id, bank)).state, 'committed');
    assert.equal(b.seen.filter((x) => x.startsWith('POST')).length, 2);
  });
});
