import { getDirective } from '@graphql-tools/utils';
import { getNullableType, isListType, type GraphQLArgument, type GraphQLField, type GraphQLSchema } from 'graphql';
import { keyDigest, parseWindow, type RateLimitRule } from '@signet/rate-limit';
import { parseArgumentPath, typeAtPath, valueAtPath, type ArgumentPath } from './argument-path';
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
/**
 * An identity for one API key of a signed-in caller (see {@link accountIdentity}): for fields one
 * key must not spend for the others of its account, e.g. the exits an owner needs when another
 * key of theirs leaked (revoking it, cancelling its orders).
 */
export const apiKeyIdentity = (keyId: string): string => `apiKey:{${keyId}}`;
/** The identity of an anonymous caller: its address (see {@link accountIdentity}). */
export const ipIdentity = (ip: string): string => `ip:{${ip}}`;

/** The effective limit of a field: its directive, or an operator override by `Type.field`. */
function fieldLimitOf(policy: string, applied: RateLimitArgs, overrides: RateLimitOverrides | undefined) {
  const override = overrides?.[policy];
  const max = override?.max ?? applied.max;
  const window = override?.window ?? applied.window;
  // 0 or a negative max would refuse every call (and the store rejects it as an outage): refuse it at build.
  if (!Number.isSafeInteger(max) || max <= 0) {
    throw new RangeError(`@rateLimit on ${policy}${override?.max !== undefined ? ' (override)' : ''}: max must be a positive integer, got ${String(max)}`);
  }
  return { max, window, windowMs: parseWindow(window) };
}

/** Parses and checks one `identityArgs` or `arrayLengthField` path against the field's arguments. */
function argumentPathOf(policy: string, option: 'identityArgs' | 'arrayLengthField', path: string, args: readonly GraphQLArgument[]): ArgumentPath {
  const parsed = typeof path === 'string' ? parseArgumentPath(path) : undefined;
  const fail = (problem: string): never => {
    throw new Error(`@rateLimit on ${policy}: ${option} path ${JSON.stringify(path)} ${problem}`);
  };
  if (!parsed) return fail('is not a path: use argument and input field names joined by dots, and list indexes as [0] (e.g. "input.market", "items[0].id")');
  const found = typeAtPath(parsed, args);
  if ('problem' in found) return fail(found.problem);
  if (option === 'arrayLengthField' && !isListType(getNullableType(found.type))) fail('does not lead to a list');
  return parsed;
}

/** A limited field, resolved once (at schema build or first use): its policy, directive and effective limit. */
export interface LimitedField {
  readonly policy: string;
  readonly applied: RateLimitArgs;
  readonly limit: { readonly max: number; readonly window: string; readonly windowMs: number };
  /** `identityArgs` and `arrayLengthField`, parsed and checked against the field's arguments. */
  readonly paths: { readonly identity: readonly ArgumentPath[]; readonly arrayLength?: ArgumentPath };
}

/**
 * Resolves a limited field once. Everything that can be wrong with the directive throws here, at
 * start-up, naming the field: a bad window or a `max` that is not a positive integer (directive
 * or override), an `identityArgs` or `arrayLengthField` path that leads to no argument.
 */
export function limitedField(typeName: string, field: Pick<GraphQLField<unknown, unknown>, 'name' | 'args'>, applied: RateLimitArgs, overrides?: RateLimitOverrides): LimitedField {
  const policy = `${typeName}.${field.name}`;
  const limit = fieldLimitOf(policy, applied, overrides);
  const identity = (applied.identityArgs ?? []).map((path) => argumentPathOf(policy, 'identityArgs', path, field.args));
  const arrayLength = applied.arrayLengthField ? argumentPathOf(policy, 'arrayLengthField', applied.arrayLengthField, field.args) : undefined;
  return { policy, applied, limit, paths: arrayLength ? { identity, arrayLength } : { identity } };
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
  return applied ? limitedField(typeName, field, applied, options.overrides) : undefined;
}

/**
 * The check one call of a limited field makes, given its coerced arguments and the caller's
 * identity (e.g. {@link accountIdentity} or {@link ipIdentity}). The `@rateLimit` transformer
 * builds it here, and so does any host that checks a field ahead of execution, so both always
 * spend the same counter.
 */
export function fieldLimitCheck(field: LimitedField, args: Record<string, unknown>, identity: string): FieldLimitCheck {
  const { policy, applied, limit: { max, window, windowMs }, paths } = field;
  // The values' digest, not the values: a client chooses them, and a counter key as long as its
  // request body (each kept for its window) would let it fill the store's memory.
  const argPart = paths.identity.length > 0 ? `:${keyDigest(JSON.stringify(paths.identity.map((p) => valueAtPath(args, p) ?? null)))}` : '';
  const list = paths.arrayLength ? valueAtPath(args, paths.arrayLength) : undefined;
  const rule: RateLimitRule = {
    max, windowMs, countRejected: !applied.uncountRejected,
    // graphql-rate-limit charges a list argument by its length, an empty or absent one as 1.
    cost: Array.isArray(list) && list.length > 0 ? list.length : 1,
  };
  // The window is part of the key: changing a limit's window starts fresh counters.
  return { policy, key: `field:${policy}:${windowMs}:${identity}${argPart}`, rule, max, window };
}
