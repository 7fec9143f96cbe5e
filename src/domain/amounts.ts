import { ASSETS, type AssetCode } from './assets';
import { Dec, hasAtMostDecimals, parseDecimal } from './decimal';
import { UserErrorCode, userError, type UserError } from './user-errors';

/** Largest amount accepted for any single movement: far above any real balance, far below NUMERIC limits. */
export const MAX_AMOUNT = new Dec('1000000000000');

/**
 * Parses a positive money amount in an asset's precision.
 * Returns the decimal, or a user error naming `field` (sign, precision, range).
 */
export function parsePositiveAmount(text: string, asset: AssetCode, field: readonly string[], code = UserErrorCode.INVALID_AMOUNT): Dec | UserError {
  const value = parseDecimal(text);
  if (value === null) return userError(code, 'Amount must be a decimal string such as "10.50".', field);
  if (value.lte(0)) return userError(code, 'Amount must be greater than zero.', field);
  const decimals = ASSETS[asset].decimals;
  if (!hasAtMostDecimals(value, decimals)) return userError(code, `${asset} amounts have at most ${decimals} decimal places.`, field);
  if (value.gt(MAX_AMOUNT)) return userError(code, `Amount must not exceed ${MAX_AMOUNT.toFixed()}.`, field);
  return value;
}

/** Narrowing helper: true when a parse result is a user error. */
export function isUserError(value: unknown): value is UserError {
  return typeof value === 'object' && value !== null && 'code' in value && 'message' in value && !(value instanceof Dec);
}
