// The shared test vectors (tests/vectors/) for the SDK's tests.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const vector = (name) => JSON.parse(readFileSync(path.join(repo, 'tests/vectors', name), 'utf8'));
export const hex = (b) => Buffer.from(b).toString('hex');
export const unhex = (h) => new Uint8Array(Buffer.from(h, 'hex'));
