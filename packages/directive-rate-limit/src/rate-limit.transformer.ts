import { MapperKind, getDirective, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, type GraphQLFieldResolver, type GraphQLObjectType, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { toDelaySeconds, type RateLimitDecision, type RateLimitHeaderEntry, type RateLimitStore } from '@signet/rate-limit';
import { fieldLimitCheck, limitedField, type RateLimitOverrides } from './field-limit';
import { refuseInterfaceFieldLimits } from './interface-limits';
import { refuseUnknownOverrideKeys } from './override-keys';
import { DEFAULT_RATE_LIMIT_DIRECTIVE, type RateLimitArgs } from './rate-limit.directive';

/** What a refused call's error may say; the host turns it into its own error. */
export interface RateLimitedDetails {
  /** `Type.field`. */
  readonly policy: string;
  /** The directive's `message`, else "Too many <field> calls: at most <max> per <window>." */
  readonly message: string;
  /** The effective limit and window (after overrides). */
  readonly max: number;
  readonly window: string;
  /** Whole seconds to wait before retrying (`retryAfterMs` rounded up). */
  readonly retryAfter: number;
}

/**
 * What the `@rateLimit` transformer needs from its host. It never sees the host's context type,
 * errors or metrics: it asks these functions.
 */
export interface RateLimitDirectiveOptions<TContext> {
  /** The directive's name in the schema; defaults to `rateLimit`. */
  readonly directiveName?: string;
  /**
   * The caller's identity, part of every counter key: e.g. `accountIdentity(user.id)` when
   * signed in, else `ipIdentity(clientIp)`.
   */
  identify(context: TContext, info: GraphQLResolveInfo): string;
  /**
   * The store this call is checked on: the shared store, or a request-scoped wrapper of it (a
   * host that already decided some calls before execution answers those from the wrapper).
   */
  store(context: TContext, info: GraphQLResolveInfo): RateLimitStore;
  /**
   * Where a query field is counted when `store` fails (e.g. a per-process memory store). Fields
   * of the mutation type never fall back: they fail closed with `unavailable`, as does a query
   * without a fallback.
   */
  readonly fallback?: RateLimitStore;
  /** The error a refused call throws (the field resolves to null with it; siblings still run). */
  limited(decision: RateLimitDecision, details: RateLimitedDetails): Error;
  /** The error thrown when the store failed and the call may not fall back; nothing ran. */
  unavailable(details: { readonly policy: string }): Error;
  /** Every decision taken, allowed or not: for RateLimit response headers, metrics, logs. */
  onDecision?(context: TContext, entry: RateLimitHeaderEntry): void;
  /** Called with the store's error before falling back or failing closed (log it; do not echo it to clients). */
  onStoreError?(context: TContext, error: unknown, policy: string): void;
  /** Limits that replace the directive's `max`/`window`, by `Type.field`. */
  readonly overrides?: RateLimitOverrides;
}

/**
 * Wraps each `@rateLimit` field with one atomic check on the store the host names, keyed by the
 * caller's identity (see `fieldLimitCheck`). Aliases call the resolver once each, so `a: f b: f`
 * counts twice. A refused call never runs its resolver. On a Subscription field the call is the
 * subscription (its `subscribe`): a refused one opens no source stream, and events are not counted. Every limit is checked here (window and
 * `max`, directive or override; `identityArgs` and `arrayLengthField` paths against the field's
 * arguments; an `overrides` key that names no field with the directive), so a bad one fails when
 * the schema is built, not on the first request. A
 * `@rateLimit` on an interface field throws here too: declare it on each implementing field.
 */
export function rateLimitTransformer<TContext>(schema: GraphQLSchema, options: RateLimitDirectiveOptions<TContext>): GraphQLSchema {
  const directiveName = options.directiveName ?? DEFAULT_RATE_LIMIT_DIRECTIVE;
  // A name the schema does not declare would limit nothing, silently.
  if (!schema.getDirective(directiveName)) throw new Error(`rateLimitTransformer: the schema declares no @${directiveName} directive; add rateLimitTypeDefs({ name: '${directiveName}' }) to its typeDefs, or pass the name its typeDefs use as directiveName`);
  refuseInterfaceFieldLimits(schema, directiveName);
  refuseUnknownOverrideKeys(schema, directiveName, options.overrides);
  const mutationType = schema.getMutationType()?.name;
  const subscriptionType = schema.getSubscriptionType()?.name;
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const applied = getDirective(schema, field, directiveName)?.[0] as RateLimitArgs | undefined;
      if (!applied) return field;
      // The field as the schema defines it (its argument types), for checking identityArgs paths.
      const defined = (schema.getType(typeName) as GraphQLObjectType).getFields()[fieldName];
      const limited = limitedField(typeName, defined, applied, options.overrides);
      const fallback = typeName === mutationType ? undefined : options.fallback;
      const check = async (args: Record<string, unknown>, context: TContext, info: GraphQLResolveInfo): Promise<void> => {
        const { policy, key, rule, max, window } = fieldLimitCheck(limited, args, options.identify(context, info));
        let decision: RateLimitDecision;
        try {
          decision = await options.store(context, info).consume(key, rule);
        } catch (error) {
          options.onStoreError?.(context, error, policy);
          if (!fallback) throw options.unavailable({ policy });
          decision = await fallback.consume(key, rule);
        }
        options.onDecision?.(context, { policy, rule: { max, windowMs: rule.windowMs }, decision });
        if (!decision.allowed) {
          const message = applied.message ?? `Too many ${info.fieldName} calls: at most ${max} per ${window}.`;
          throw options.limited(decision, { policy, message, max, window, retryAfter: toDelaySeconds(decision.retryAfterMs) });
        }
      };
      const limit = (next: GraphQLFieldResolver<unknown, TContext>): GraphQLFieldResolver<unknown, TContext> => async (source, args, context, info) => {
        await check(args, context, info);
        return next(source, args, context, info);
      };
      // A subscription's call is its `subscribe` (the source stream is opened once); its `resolve`
      // runs once per event, which is not a call and is never charged.
      if (typeName === subscriptionType) return { ...field, subscribe: limit(field.subscribe ?? defaultFieldResolver) };
      return { ...field, resolve: limit(field.resolve ?? defaultFieldResolver) };
    },
  });
}
