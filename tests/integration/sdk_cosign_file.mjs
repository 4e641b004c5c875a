// One institution's step on a signing-request FILE with the SDK, for the CLI interop check in
// sdk_test.py: read the file (every signature verified), co-sign with KEY_FILE, write it back;
// when it is then complete, submit the envelope and wait for the commit.
// Usage: node sdk_cosign_file.mjs <node url> <request.json> <key file> <sdk dist index.js>
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [url, file, keyFile, sdkEntry] = process.argv.slice(2);
const { ShanliuClient, parseSigningRequest, cosign, signingRequestJson, isComplete, requestEnvelope, signerFromSeed, seedFromKeyFile, SdkError } = await import(pathToFileURL(sdkEntry).href);

const client = new ShanliuClient({ baseUrl: url });
try {
  const signer = await signerFromSeed(seedFromKeyFile(readFileSync(keyFile, 'utf8')));
  const { chainId, height } = await client.chain();
  const request = await parseSigningRequest(readFileSync(file, 'utf8'), chainId);
  const signed = await cosign(request, signer, { nowMs: Date.now(), headHeight: height });
  writeFileSync(file, JSON.stringify(signingRequestJson(signed), null, 2) + '\n');
  if (isComplete(signed)) {
    const sent = await client.submit(requestEnvelope(signed));
    const tx = await client.waitForCommit(sent.id);
    console.log(`committed ${tx.id} at height ${tx.height}`);
  } else {
    console.log(`signed ${signed.id}; still missing ${signingRequestJson(signed).required_signers.filter((s) => !s.signed).map((s) => s.role).join(', ')}`);
  }
} catch (e) {
  if (!(e instanceof SdkError)) throw e;
  console.error(`${e.code}: ${e.message}`);
  process.exit(1);
}
