import Decimal from 'decimal.js';

/**
 * Exact decimal arithmetic for money. Amounts travel as strings and are never floats:
 * 38 significant digits is enough for any balance and any price × quantity we allow.
 */
export const Dec = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -40, toExpPos: 40 });
/** A decimal value (decimal.js instance configured for money). */
export type Dec = Decimal;

/** Plain decimal notation only: no exponent, no leading '+', no spaces, at most 40 characters. */
const DECIMAL_PATTERN = /^-?(0|[1-9]\d{0,29})(\.\d{1,18})?$/;

/** Parses a decimal string in plain notation; returns null for anything else (never throws). */
export function parseDecimal(text: string): Dec | null {
  if (typeof text !== 'string' || text.length > 40 || !DECIMAL_PATTERN.test(text)) return null;
  return new Dec(text);
}

/** True when `value` has no more than `places` digits after the point. */
export function hasAtMostDecimals(value: Dec, places: number): boolean {
  return value.decimalPlaces() <= places;
}

/** True when `value` is a whole multiple of `step` (tick size, lot size). */
export function isMultipleOf(value: Dec, step: Dec): boolean {
  return value.mod(step).isZero();
}
