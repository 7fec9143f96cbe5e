import { GraphQLError } from 'graphql';
import { ErrorCode, isRetryable, refusalStatus } from './error-codes.table';

export { ErrorCode, ERROR_CODES, isRetryable, refusalStatus, type ErrorCodeSpec } from './error-codes.table';

/** Base of Signet's own GraphQL errors: a registered code, a safe message, `retryable`. */
export class SignetError extends GraphQLError {
  constructor(readonly code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { code, retryable: isRetryable(code), ...extensions } });
  }
}

/** The request has no verified identity, or its signature failed. */
export class UnauthenticatedError extends SignetError {
  constructor(message = 'This field requires a signed request.', extensions: Record<string, unknown> = {}) {
    super(ErrorCode.UNAUTHENTICATED, message, extensions);
  }
}

/** The caller is known but lacks a permission. */
export class ForbiddenError extends SignetError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super(ErrorCode.FORBIDDEN, message, extensions);
  }
}

/** An argument is malformed in a way the schema cannot express (cursor, page size). */
export class BadUserInputError extends SignetError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super(ErrorCode.BAD_USER_INPUT, message, extensions);
  }
}

/** A dependency is down or overloaded; nothing was executed and the request may be retried. */
export class ServiceUnavailableError extends SignetError {
  constructor(message = 'Service temporarily unavailable; retry later.', extensions: Record<string, unknown> = {}) {
    super(ErrorCode.SERVICE_UNAVAILABLE, message, extensions);
  }
}

/** Prices cannot be had right now: valuations are null, everything else still arrives. */
export class PriceUnavailableGraphQLError extends SignetError {
  constructor() {
    super(ErrorCode.PRICE_UNAVAILABLE, 'Prices are temporarily unavailable; balances are unaffected. Retry later.', { retryAfter: 1 });
  }
}

/** A market data query named a market that is not listed; the field is null. */
export class UnknownMarketError extends SignetError {
  constructor(market: string) {
    super(ErrorCode.UNKNOWN_MARKET, `Unknown market "${market.slice(0, 32)}". See the markets query.`, { field: 'market' });
  }
}

/** A listing's `apiKeyId` filter names no key of the account (another account's key included: ids are not an oracle); the field is null. */
export class ApiKeyNotFoundError extends SignetError {
  constructor() {
    super(ErrorCode.API_KEY_NOT_FOUND, 'No API key of your account has this id. See me.apiKeys.', { field: 'apiKeyId' });
  }
}

/**
 * A whole request refused before anything of it executes (a replayed nonce, a request limit, the
 * admission store down), with its code's status from the error table. Apollo applies
 * `extensions.http` (status and headers) to the response and strips it; the client sees the
 * code, the message and the other extensions. Apollo takes any `Map` of headers (it copies them
 * into its own); the names are lower-cased here as its HeaderMap would, so this module, which
 * the CLI's client commands load too, does not load Apollo Server.
 */
export class RequestRefusedError extends SignetError {
  constructor(code: ErrorCode, message: string, headers: Record<string, string> = {}, extensions: Record<string, unknown> = {}) {
    super(code, message, { ...extensions, http: { status: refusalStatus(code), headers: new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])) } });
  }
}
