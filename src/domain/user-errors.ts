/**
 * Business outcomes a client should branch on. They are data (`userErrors` in payloads),
 * not GraphQL errors: the request succeeded, the business rule said no. Public API: never rename.
 */
export enum UserErrorCode {
  UNKNOWN_MARKET = 'UNKNOWN_MARKET',
  UNKNOWN_ASSET = 'UNKNOWN_ASSET',
  INVALID_PRICE = 'INVALID_PRICE',
  INVALID_QUANTITY = 'INVALID_QUANTITY',
  INVALID_AMOUNT = 'INVALID_AMOUNT',
  INSUFFICIENT_FUNDS = 'INSUFFICIENT_FUNDS',
  DUPLICATE_CLIENT_ORDER_ID = 'DUPLICATE_CLIENT_ORDER_ID',
  ORDER_NOT_FOUND = 'ORDER_NOT_FOUND',
  ORDER_NOT_OPEN = 'ORDER_NOT_OPEN',
  ACCOUNT_NOT_FOUND = 'ACCOUNT_NOT_FOUND',
  ACCOUNT_NAME_TAKEN = 'ACCOUNT_NAME_TAKEN',
  INVALID_NAME = 'INVALID_NAME',
  SELF_TRANSFER = 'SELF_TRANSFER',
  INVALID_MEMO = 'INVALID_MEMO',
  INVALID_PUBLIC_KEY = 'INVALID_PUBLIC_KEY',
  INVALID_LABEL = 'INVALID_LABEL',
  INVALID_SCOPES = 'INVALID_SCOPES',
  API_KEY_NOT_FOUND = 'API_KEY_NOT_FOUND',
  API_KEY_ALREADY_REVOKED = 'API_KEY_ALREADY_REVOKED',
  INVALID_ORDER_OPTIONS = 'INVALID_ORDER_OPTIONS',
  POST_ONLY_WOULD_TAKE = 'POST_ONLY_WOULD_TAKE',
  TOO_MANY_OPEN_ORDERS = 'TOO_MANY_OPEN_ORDERS',
  TOO_MANY_API_KEYS = 'TOO_MANY_API_KEYS',
  INVALID_REFERENCE = 'INVALID_REFERENCE',
  DEPOSIT_REFERENCE_MISMATCH = 'DEPOSIT_REFERENCE_MISMATCH',
  DUPLICATE_CLIENT_TRANSFER_ID = 'DUPLICATE_CLIENT_TRANSFER_ID',
}

/** One business error: a code, a human message, and the input path it concerns. */
export interface UserError { readonly code: UserErrorCode; readonly message: string; readonly field: readonly string[] | null }

/** Outcome of a domain operation: a value, or the user errors that prevented it. */
export type DomainResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: readonly UserError[] };

/** Builds a user error. */
export function userError(code: UserErrorCode, message: string, field: readonly string[] | null = null): UserError {
  return { code, message, field };
}

/** Wraps a value as a successful result. */
export function ok<T>(value: T): DomainResult<T> {
  return { ok: true, value };
}

/** Wraps user errors as a failed result. */
export function fail<T>(...errors: UserError[]): DomainResult<T> {
  return { ok: false, errors };
}

/**
 * Thrown inside a transaction to roll it back and report user errors instead
 * (for example when a balance would go negative after earlier writes in the same transaction).
 */
export class RollbackWithUserErrors extends Error {
  constructor(readonly errors: readonly UserError[]) {
    super('transaction rolled back: ' + errors.map((e) => e.code).join(', '));
  }
}
