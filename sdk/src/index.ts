// @shanliu/sdk: the client API and the verifiers in one entry. Every module is also importable on
// its own (`@shanliu/sdk/client/tx`, `@shanliu/sdk/verify/receipt`, ...); the package has no side
// effects, so a bundler keeps only what is used (the explorer imports the verify modules).
export { SdkError, type ErrorCode, type SdkOnlyCode } from './client/errors.js';
export { NODE_ERROR_CODES, type NodeErrorCode } from './client/node_codes.js';
export * from './client/schema.js';
export { encodeTxBody, encodePayload, txIdHex, txIdOf, type TxBodyInput, type TxHeader } from './client/tx.js';
export { parseTxBody } from './client/decode.js';
export { encodeEnvelope, openEnvelope, seedFromKeyFile, signBody, signerFromSeed, signingMessage, signTx, TX_SIGN_DOMAIN, verifyBodySignature, type Signer, type TxSignature } from './client/sign.js';
export {
  addSignature,
  checkNotExpired,
  cosign,
  isComplete,
  MAX_SIGNING_REQUEST_BYTES,
  missingSigners,
  newSigningRequest,
  parseSigningRequest,
  requestEnvelope,
  SIGNING_REQUEST_FORMAT,
  signingRequestJson,
  type Clock,
  type SignerSlot,
  type SigningRequest,
} from './client/request.js';
export { ShanliuClient, verifyReceiptAnswer, type ClientOptions, type CommittedTx, type InboxEntry, type PrepareOptions, type SubmitResult, type VerifiedReceipt } from './client/client.js';
export { base32Encode as receiptCodeOf } from './verify/base32.js';
export { fromHex, toHex } from './verify/bytes.js';
export { buildAnchor, AnchorError, type Anchor } from './verify/genesis.js';
export { verifyOriginKey, ORIGIN_KEY_ROW, type OriginKeyProblem, type OriginKeyVerification } from './verify/origin.js';
export { setAtHeight, setForHeader, TransitionError, type TransitionJson, type TransitionProblem } from './verify/transitions.js';
export { verifyAnswer, answerVerified } from './verify/answer.js';
export type { Donation, Receipt, Trace, TraceNode } from './verify/types.js';
