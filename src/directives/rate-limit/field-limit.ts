import type { DirectiveDeps } from '../deps';
import type { RateLimitArgs } from './rate-limit.directive';
import type { RateLimitRule } from '@signet/rate-limit';
import { parseWindow } from '@signet/rate-limit';

/** One call's check of a `@rateLimit` field: the counter it spends and the rule it is held to. */
export interface FieldLimitCheck {
  /** `Type.field`: the policy name in RateLimit headers and logs. */
  readonly policy: string;
  /** The counter key: policy, window, identity and the values of `identityArgs`. */
  readonly key: string;
  readonly rule: RateLimitRule;
  /** The effective limit and window (after operator overrides), for messages. */
  readonly max: number;
  readonly window: string;
}

/**
 * The identity part of a field key. The id is the key's hash tag, so on Redis Cluster a caller's
 * field counters share a slot with its request counters (user-supplied `identityArgs` values come
 * after it and never choose the tag).
 */
export const accountIdentity = (accountId: string): string => `account:{${accountId}}`;
/** The identity of an unsigned caller: its address (see {@link accountIdentity}). */
export const ipIdentity = (ip: string): string => `ip:{${ip}}`;

/** Reads a dotted path ("input.market") out of resolver arguments. */
function valueAt(args: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), args);
}

/** The effective limit of a field: its directive, or an operator override by `Type.field`. */
function fieldLimitOf(typeName: string, fieldName: string, applied: RateLimitArgs, overrides: DirectiveDeps['rateLimitOverrides']) {
  const override = overrides?.[`${typeName}.${fieldName}`];
  const max = override?.max ?? applied.max;
  const window = override?.window ?? applied.window;
  return { max, window, windowMs: parseWindow(window) };
}

/** A limited field, resolved once (at schema build or first use): its policy, directive and effective limit. */
export interface LimitedField {
  readonly policy: string;
  readonly applied: RateLimitArgs;
  readonly limit: { readonly max: number; readonly window: string; readonly windowMs: number };
}

/** Resolves a limited field once; a bad window (directive or override) throws here, at start-up. */
export function limitedField(typeName: string, fieldName: string, applied: RateLimitArgs, overrides: DirectiveDeps['rateLimitOverrides']): LimitedField {
  return { policy: `${typeName}.${fieldName}`, applied, limit: fieldLimitOf(typeName, fieldName, applied, overrides) };
}

/**
 * The check one call of a limited field makes, given its coerced arguments and the caller's
 * identity ({@link accountIdentity} when signed, else {@link ipIdentity}). The `@rateLimit`
 * wrapper and the request admission (which checks root fields before execution) both build it
 * here, so they always spend the same counter.
 */
export function fieldLimitCheck(field: LimitedField, args: Record<string, unknown>, identity: string): FieldLimitCheck {
  const { policy, applied, limit: { max, window, windowMs } } = field;
  const argPart = applied.identityArgs?.length ? `:${JSON.stringify(applied.identityArgs.map((p) => valueAt(args, p) ?? null))}` : '';
  const list = applied.arrayLengthField ? valueAt(args, applied.arrayLengthField) : undefined;
  const rule: RateLimitRule = {
    max, windowMs, countRejected: !applied.uncountRejected,
    // graphql-rate-limit charges a list argument by its length, an empty or absent one as 1.
    cost: Array.isArray(list) && list.length > 0 ? list.length : 1,
  };
  // The window is part of the key: changing a limit's window starts fresh counters.
  return { policy, key: `field:${policy}:${windowMs}:${identity}${argPart}`, rule, max, window };
}
