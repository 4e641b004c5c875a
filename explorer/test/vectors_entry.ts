// The verifier functions explorer/test/vectors.test.mjs runs on the shared vectors, in one bundle.
export { base32Encode } from '../src/verify/base32';
export { concat, fromHex, toHex } from '../src/verify/bytes';
export { ed25519Verify } from '../src/verify/crypto';
export { parseEnvelope } from '../src/verify/protobuf';
export { decodeTxBody, txIdOf } from '../src/verify/txbody';
export { verifyConsistency, verifyInclusion } from '../src/verify/merkle';
export { verifyCheckpointNote } from '../src/verify/note';
export { loadAnchor } from '../src/verify/genesis';
export { answerVerified, verifyAnswer } from '../src/verify/answer';
