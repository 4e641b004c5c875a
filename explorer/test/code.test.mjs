// Receipt codes as people type them: spaced groups of four, capitals, dashes, full-width spaces.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from './load.mjs';

const full = '5p72mqtpzq7uritsqxfcypdt7ewrwuihz4p7lztb5kf5rq5cam5a';

it('normalizes spaced, upper-case and dashed codes and refuses what is not base32', async () => {
  const { normalizeCode } = await load('code.ts');
  assert.equal(normalizeCode('by7l y5pa o4ly'), 'by7ly5pao4ly');
  assert.equal(normalizeCode('  BY7L Y5PA O4LY '), 'by7ly5pao4ly');
  assert.equal(normalizeCode('by7l-y5pa-o4ly'), 'by7ly5pao4ly');
  assert.equal(normalizeCode('by7l\u3000y5pa\to4ly'), 'by7ly5pao4ly');
  assert.equal(normalizeCode('by7ly5pa'), 'by7ly5pa'); // 8: the shortest prefix
  assert.equal(normalizeCode('by7ly5p'), null); // 7
  assert.equal(normalizeCode(full), full); // 52
  assert.equal(normalizeCode(`${full}a`), null); // 53
  assert.equal(normalizeCode('by7l y5pa o4l1'), null); // 1 is not base32
  assert.equal(normalizeCode('by7l y5pa o4l8'), null);
  assert.equal(normalizeCode('by7l.y5pa.o4ly'), null);
  assert.equal(normalizeCode(''), null);
  assert.equal(normalizeCode('收据 y5pa o4ly'), null);
});

it('reads a full code or a receipt URL from scanned text, and nothing else', async () => {
  const { codeFromText } = await load('code.ts');
  assert.equal(codeFromText(full.toUpperCase()), full);
  assert.equal(codeFromText(full.match(/.{1,4}/g).join(' ')), full);
  assert.equal(codeFromText(`https://shanliu.example/r/${full}?lang=en`), full);
  assert.equal(codeFromText('https://shanliu.example/r/by7ly5pa/print'), 'by7ly5pa');
  assert.equal(codeFromText('by7l y5pa o4ly'), null); // a prefix is not a scanned receipt
  assert.equal(codeFromText('https://example.com/'), null);
  assert.equal(codeFromText(`${full}x`), null);
});
