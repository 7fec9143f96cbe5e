/** Failures where the server gave no GraphQL answer at all. GraphQL errors are results, not exceptions. */
import type { SignetRateLimit } from './rate-limit-headers';

/** Why no GraphQL answer arrived: the network failed (a timeout included), or the answer was not a GraphQL response. */
export type RequestErrorCode = 'NETWORK_ERROR' | 'BAD_RESPONSE';

/**
 * Whether the call can have taken effect. `not-sent`: proven that no attempt reached the server
 * (the connection was refused, the name did not resolve, or it was aborted before the first send),
 * so calling again cannot duplicate anything. `unknown`: an attempt may have reached the server and
 * run; for a keyed mutation call again with the same `idempotencyKey` to learn the outcome.
 */
export type RequestOutcome = 'not-sent' | 'unknown';

/** What every way of giving up tells the caller about the logical call. */
export interface GaveUpDetails {
  /** The `Idempotency-Key` every attempt carried (generated or given), when the document is keyed. */
  idempotencyKey?: string;
  outcome: RequestOutcome;
  /** Sends made. */
  attempts: number;
}

/** Thrown by `request()` when no GraphQL answer arrived (after any retries). Aborts throw a {@link SignetAbortError}. */
export class SignetRequestError extends Error {
  override readonly name = 'SignetRequestError';
  /** The key every attempt carried, when the document is keyed: call again with it to learn the outcome. */
  readonly idempotencyKey?: string;
  /** `unknown` when an attempt may have reached the server (it may have run), `not-sent` when none did. */
  readonly outcome: RequestOutcome;
  /** The last answer's headers, when an answer arrived (`BAD_RESPONSE`). */
  readonly headers?: Headers;
  /** The last answer's `RateLimit` / `RateLimit-Policy` entries, when an answer arrived. */
  readonly rateLimit?: readonly SignetRateLimit[];
  constructor(
    /** `NETWORK_ERROR` or `BAD_RESPONSE`. */
    readonly code: RequestErrorCode,
    message: string,
    /** Attempts made, the failing one included. */
    readonly attempts: number,
    /** HTTP status, when an answer arrived. */
    readonly status?: number,
    options: { cause?: unknown; idempotencyKey?: string; outcome?: RequestOutcome; headers?: Headers; rateLimit?: readonly SignetRateLimit[] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.idempotencyKey = options.idempotencyKey;
    // Unknown unless proven otherwise: the safe assumption for a caller deciding whether to resend.
    this.outcome = options.outcome ?? 'unknown';
    this.headers = options.headers;
    this.rateLimit = options.rateLimit;
  }
}

/**
 * Thrown by `request()` when the caller's signal aborts it. It is an `AbortError` DOMException,
 * as `fetch` throws (`name === 'AbortError'`, `cause` = the signal's reason), that also tells the
 * key and whether the aborted call may have run.
 */
export class SignetAbortError extends DOMException {
  /** The key every attempt carried, when the document is keyed: call again with it to learn the outcome. */
  readonly idempotencyKey?: string;
  /** `unknown` when an attempt may have reached the server before the abort, `not-sent` when none did. */
  readonly outcome: RequestOutcome;
  /** Sends made before the abort (0 when it came before the first). */
  readonly attempts: number;
  constructor(reason: unknown, details: GaveUpDetails) {
    super('The request was aborted.', 'AbortError');
    if (reason !== undefined) Object.defineProperty(this, 'cause', { value: reason, configurable: true, writable: true });
    this.idempotencyKey = details.idempotencyKey;
    this.outcome = details.outcome;
    this.attempts = details.attempts;
  }
}
