// index.html's bootstrap hands the receipt page requests it sent before the bundle ran
// (src/early.ts); get() (src/api.ts) must use each at most once, only at the address it was sent
// from, and treat a failed or garbled one like a failed request of its own.
import { it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { load } from './load.mjs';

const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
let fetched;

beforeEach(() => {
  fetched = [];
  globalThis.window = globalThis;
  globalThis.location = { pathname: '/r/abcdefgh' };
  globalThis.fetch = async (path) => {
    fetched.push(path);
    return json(200, { from: 'network', path });
  };
  delete globalThis.__shanliuEarly;
});

it('answers from the early request once, then from the network', async () => {
  const { get } = await load('api.ts');
  globalThis.__shanliuEarly = { path: '/r/abcdefgh', responses: { '/v1/genesis': Promise.resolve(json(200, { from: 'early' })) } };
  assert.deepEqual(await get('/v1/genesis'), { from: 'early' });
  assert.deepEqual(fetched, []);
  assert.deepEqual(await get('/v1/genesis'), { from: 'network', path: '/v1/genesis' }); // taken once
  assert.deepEqual(await get('/v1/blocks/0'), { from: 'network', path: '/v1/blocks/0' }); // never sent early
  assert.deepEqual(fetched, ['/v1/genesis', '/v1/blocks/0']);
});

it('drops early requests after a navigation', async () => {
  const { get } = await load('api.ts');
  globalThis.__shanliuEarly = { path: '/r/abcdefgh', responses: { '/v1/genesis': Promise.resolve(json(200, { from: 'early' })) } };
  globalThis.location = { pathname: '/' };
  assert.deepEqual(await get('/v1/genesis'), { from: 'network', path: '/v1/genesis' });
  assert.equal(globalThis.__shanliuEarly, undefined);
  globalThis.location = { pathname: '/r/abcdefgh' };
  await get('/v1/genesis'); // gone for good, not revived by coming back
  assert.deepEqual(fetched, ['/v1/genesis', '/v1/genesis']);
});

it('reports an early request that failed or answered an error like its own request', async () => {
  const { get, ApiError } = await load('api.ts');
  const refused = Promise.reject(new TypeError('Failed to fetch'));
  refused.catch(() => {});
  globalThis.__shanliuEarly = {
    path: '/r/abcdefgh',
    responses: {
      '/v1/receipts/abcdefgh': refused,
      '/v1/genesis': Promise.resolve(json(404, { error: { code: 'not_found', message: 'no genesis' } })),
    },
  };
  await assert.rejects(get('/v1/receipts/abcdefgh'), (e) => e instanceof ApiError && e.code === 'network' && e.status === 0);
  await assert.rejects(get('/v1/genesis'), (e) => e instanceof ApiError && e.code === 'not_found' && e.status === 404);
  assert.deepEqual(fetched, []);
});

it('ignores what is not the bootstrap\'s and never reads inherited names', async () => {
  const { get } = await load('api.ts');
  for (const garbage of [null, 42, 'x', { path: 7, responses: {} }, { path: '/r/abcdefgh' }, { path: '/r/abcdefgh', responses: null }]) {
    globalThis.__shanliuEarly = garbage;
    assert.deepEqual(await get('/v1/genesis'), { from: 'network', path: '/v1/genesis' });
  }
  // A value that is not a response promise is dropped; a path named like an Object method is not found.
  globalThis.__shanliuEarly = { path: '/r/abcdefgh', responses: { '/v1/blocks/0': { then: 'no' } } };
  assert.deepEqual(await get('/v1/blocks/0'), { from: 'network', path: '/v1/blocks/0' });
  assert.deepEqual(await get('toString'), { from: 'network', path: 'toString' });
});

it('is aborted with the page even when the early answer arrives', async () => {
  const { get } = await load('api.ts');
  globalThis.__shanliuEarly = { path: '/r/abcdefgh', responses: { '/v1/genesis': Promise.resolve(json(200, { from: 'early' })) } };
  const c = new AbortController();
  c.abort();
  await assert.rejects(get('/v1/genesis', c.signal), (e) => e.name === 'AbortError');
});
