import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';

/**
 * Codes of GraphQL errors (security, limits, infrastructure, malformed requests). Public API:
 * clients branch on them, `ERRORS.md` documents each, and a test fails when one is missing.
 * Business outcomes are not here: they are `UserErrorCode`s inside mutation payloads.
 */
export enum ErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  RATE_LIMITED = 'RATE_LIMITED',
  IDEMPOTENCY_KEY_REQUIRED = 'IDEMPOTENCY_KEY_REQUIRED',
  IDEMPOTENCY_KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED',
  IDEMPOTENCY_IN_PROGRESS = 'IDEMPOTENCY_IN_PROGRESS',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  BAD_REQUEST = 'BAD_REQUEST',
  GRAPHQL_PARSE_FAILED = 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED = 'GRAPHQL_VALIDATION_FAILED',
  OPERATION_RESOLUTION_FAILURE = 'OPERATION_RESOLUTION_FAILURE',
  PERSISTED_QUERY_NOT_SUPPORTED = 'PERSISTED_QUERY_NOT_SUPPORTED',
  METHOD_NOT_ALLOWED = 'METHOD_NOT_ALLOWED',
  NOT_FOUND = 'NOT_FOUND',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  REQUEST_TIMEOUT = 'REQUEST_TIMEOUT',
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  PRICE_UNAVAILABLE = 'PRICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

/** Codes whose condition may pass: a client can retry the same request later. */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.SERVICE_UNAVAILABLE, ErrorCode.RATE_LIMITED, ErrorCode.IDEMPOTENCY_IN_PROGRESS, ErrorCode.PRICE_UNAVAILABLE, ErrorCode.REQUEST_TIMEOUT,
]);

/** True when a client may retry a request that failed with `code`. */
export function isRetryable(code: string): boolean {
  return RETRYABLE.has(code as ErrorCode);
}

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

/**
 * A whole request refused before anything of it executes (a replayed nonce, a request limit, the
 * admission store down). Apollo applies `extensions.http` (status and headers) to the response
 * and strips it; the client sees the code, the message and the other extensions.
 */
export class RequestRefusedError extends SignetError {
  constructor(status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}, extensions: Record<string, unknown> = {}) {
    super(code, message, { ...extensions, http: { status, headers: new HeaderMap(Object.entries(headers)) } });
  }
}
