import { ErrorCode, SignetError } from '../../errors';

/** A field over its limit: the field is null, siblings still resolve. No HTTP status: the response may be partial. */
export class RateLimitedError extends SignetError {
  constructor(message: string, details: { retryAfter: number; limit: number; window: string }) {
    super(ErrorCode.RATE_LIMITED, message, details);
  }
}
