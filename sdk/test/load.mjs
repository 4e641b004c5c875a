// Imports a compiled SDK module (dist/, made by `npm run build`) for the tests. `fresh` gives a
// new instance of the module itself (its own module-level state, e.g. the WebCrypto probe), which
// is how a test sees the code as a browser without Ed25519 in WebCrypto would.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');
let instance = 0;

export function load(module, { fresh = false } = {}) {
  const url = pathToFileURL(path.join(dist, module)).href;
  return import(fresh ? `${url}?instance=${++instance}` : url);
}
