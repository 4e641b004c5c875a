// The SDK's error codes are the node's closed set (crypto/include/shanliu/error_codes.def) plus
// its own two: a code or retry flag that drifts from the .def fails here.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repo } from './vectors.mjs';

const { NODE_ERROR_CODES, SdkError } = await import('../dist/index.js');
const { fromNodeCode } = await import('../dist/client/errors.js');

it('mirrors error_codes.def exactly: codes, HTTP status and retryable', () => {
  const def = readFileSync(path.join(repo, 'crypto/include/shanliu/error_codes.def'), 'utf8');
  const want = {};
  for (const m of def.matchAll(/^SHANLIU_ERROR_CODE\(\w+, "([a-z0-9_]+)", (\d+), (true|false),/gm)) want[m[1]] = [Number(m[2]), m[3] === 'true'];
  assert.ok(Object.keys(want).length > 100);
  assert.deepEqual(JSON.parse(JSON.stringify(NODE_ERROR_CODES)), want);
});

it('maps a node code into the closed set, and an unknown one to bad_response', () => {
  const e = fromNodeCode('signing_inbox_full', 'full', 503);
  assert.ok(e instanceof SdkError);
  assert.equal(e.code, 'signing_inbox_full');
  assert.equal(e.retryable, true);
  assert.equal(fromNodeCode('insufficient_funds', 'no', 200).retryable, false);
  assert.equal(fromNodeCode('made_up_code', 'x', 400).code, 'bad_response');
  assert.equal(fromNodeCode(42, 'x', 400).code, 'bad_response');
  assert.equal(new SdkError('network', 'down').retryable, true);
  assert.equal(new SdkError('verification_failed', 'no').retryable, false);
});
