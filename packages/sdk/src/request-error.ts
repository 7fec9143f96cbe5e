/** Failures where the server gave no GraphQL answer at all. GraphQL errors are results, not exceptions. */

/** Why no GraphQL answer arrived: the network failed, or the answer was not a GraphQL response. */
export type RequestErrorCode = 'NETWORK_ERROR' | 'BAD_RESPONSE';

/** Thrown by `request()` when no GraphQL answer arrived (after any retries). Aborts throw an AbortError instead. */
export class SignetRequestError extends Error {
  override readonly name = 'SignetRequestError';
  constructor(
    /** `NETWORK_ERROR` or `BAD_RESPONSE`. */
    readonly code: RequestErrorCode,
    message: string,
    /** Attempts made, the failing one included. */
    readonly attempts: number,
    /** HTTP status, when an answer arrived. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
