// The SDK's typed errors: one closed set of codes. Where a failure comes from the node (an HTTP
// error or a rejected tx) the code is the node's own (node_codes.ts, from error_codes.def); the
// few the node cannot produce are the SDK's: `network` (no answer at all) and
// `verification_failed` (a receipt or flow proof the validators' signatures do not back).
import { NODE_ERROR_CODES, type NodeErrorCode } from './node_codes.js';

export type SdkOnlyCode = 'network' | 'verification_failed';
export type ErrorCode = NodeErrorCode | SdkOnlyCode;

export class SdkError extends Error {
  readonly code: ErrorCode;
  readonly status: number; // the HTTP status the node answered; 0 when none
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: { status?: number; details?: Record<string, unknown> } = {}) {
    super(message);
    this.name = 'SdkError';
    this.code = code;
    this.status = options.status ?? 0;
    this.retryable = code === 'network' || (isNodeErrorCode(code) && NODE_ERROR_CODES[code][1]);
    this.details = options.details ?? {};
  }
}

export function isNodeErrorCode(code: string): code is NodeErrorCode {
  return Object.prototype.hasOwnProperty.call(NODE_ERROR_CODES, code);
}

// A node's code as the SDK's: a code outside the closed set (a newer node) is `bad_response`, so
// callers can switch exhaustively; the node's text is kept in the message.
export function fromNodeCode(code: unknown, message: string, status: number, details: Record<string, unknown> = {}): SdkError {
  if (typeof code === 'string' && isNodeErrorCode(code)) return new SdkError(code, message, { status, details });
  return new SdkError('bad_response', `unknown error code ${JSON.stringify(code)}: ${message}`, { status, details });
}
