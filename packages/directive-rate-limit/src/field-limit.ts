import { getDirective } from '@graphql-tools/utils';
import type { GraphQLField, GraphQLSchema } from 'graphql';
import { parseWindow, type RateLimitRule } from '@signet/rate-limit';
import { DEFAULT_RATE_LIMIT_DIRECTIVE, type RateLimitArgs } from './rate-limit.directive';

/** Operator overrides of fields' limits, by `Type.field`; they win over the directive's own `max`/`window`. */
export type RateLimitOverrides = Readonly<Record<string, { readonly max: number; readonly window: string }>>;

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
 * An identity for a signed-in caller. The id is the key's hash tag, so on Redis Cluster a
 * caller's field counters share a slot with any other key tagged with it (user-supplied
 * `identityArgs` values come after it and never choose the tag).
 */
export const accountIdentity = (accountId: string): string => `account:{${accountId}}`;
/** The identity of an anonymous caller: its address (see {@link accountIdentity}). */
export const ipIdentity = (ip: string): string => `ip:{${ip}}`;

/** Reads a dotted path ("input.market") out of resolver arguments. */
function valueAt(args: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), args);
}

/** The effective limit of a field: its directive, or an operator override by `Type.field`. */
function fieldLimitOf(typeName: string, fieldName: string, applied: RateLimitArgs, overrides: RateLimitOverrides | undefined) {
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
export function limitedField(typeName: string, fieldName: string, applied: RateLimitArgs, overrides?: RateLimitOverrides): LimitedField {
  return { policy: `${typeName}.${fieldName}`, applied, limit: fieldLimitOf(typeName, fieldName, applied, overrides) };
}

/** Where to find a field's directive and its overrides. */
export interface LimitedFieldOptions {
  /** The directive's name; defaults to `rateLimit`. */
  readonly directiveName?: string;
  readonly overrides?: RateLimitOverrides;
}

/**
 * The `@rateLimit` a field definition carries, resolved as the directive's transformer resolves
 * it ({@link limitedField}), or undefined when the field has none. For hosts that check a field
 * before execution (a request admission): they build the same {@link fieldLimitCheck} from it.
 */
export function limitedFieldOf(schema: GraphQLSchema, typeName: string, field: GraphQLField<unknown, unknown>, options: LimitedFieldOptions = {}): LimitedField | undefined {
  const applied = getDirective(schema, field, options.directiveName ?? DEFAULT_RATE_LIMIT_DIRECTIVE)?.[0] as RateLimitArgs | undefined;
  return applied ? limitedField(typeName, field.name, applied, options.overrides) : undefined;
}

/**
 * The check one call of a limited field makes, given its coerced arguments and the caller's
 * identity (e.g. {@link accountIdentity} or {@link ipIdentity}). The `@rateLimit` transformer
 * builds it here, and so does any host that checks a field ahead of execution, so both always
 * spend the same counter.
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
