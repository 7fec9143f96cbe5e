import { MapperKind, getDirective, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, type GraphQLSchema } from 'graphql';
import type { DirectiveDeps } from '../deps';
import type { DirectiveContext } from '../directive-context';
import { ServiceUnavailableError } from '../../errors';
import { RateLimitedError } from './rate-limit-errors';
import { RATE_LIMIT, type RateLimitArgs } from './rate-limit.directive';
import { toDelaySeconds } from './ratelimit-headers';
import type { RateLimitDecision } from '@signet/rate-limit';
import { accountIdentity, fieldLimitCheck, ipIdentity, limitedField } from './field-limit';
import { admittedRootField } from '../admitted-fields';

/**
 * Wraps each `@rateLimit` field with one atomic check (identity: the verified account, else
 * the client IP). Aliases call the resolver once each, so `a: f b: f` counts twice. When the
 * shared store is unreachable, mutations fail closed (SERVICE_UNAVAILABLE, nothing runs) and
 * queries fall back to this instance's memory limiter.
 */
export function rateLimitTransformer(schema: GraphQLSchema, deps: DirectiveDeps): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const applied = getDirective(schema, field, RATE_LIMIT)?.[0] as RateLimitArgs | undefined;
      if (!applied) return field;
      const limited = limitedField(typeName, fieldName, applied, deps.rateLimitOverrides);
      const failClosed = typeName === 'Mutation';
      const resolve = field.resolve ?? defaultFieldResolver;
      return {
        ...field,
        async resolve(source, args, context: DirectiveContext, info) {
          const identity = context.principal ? accountIdentity(context.principal.accountId) : ipIdentity(context.http.clientLimitKey);
          const { policy, key, rule, max, window } = fieldLimitCheck(limited, args, identity);
          // A root field of a signed request was already checked by the request's admission.
          const admitted = admittedRootField(context, info)?.limit;
          let decision: RateLimitDecision;
          try {
            decision = admitted?.key === key ? admitted.decision : await deps.rateLimits.consume(key, rule);
          } catch (error) {
            deps.logger.warn({ err: { message: (error as Error).message }, policy, requestId: context.requestId }, 'rate-limit store unavailable');
            if (failClosed) throw new ServiceUnavailableError('Rate limiting is temporarily unavailable; nothing was executed. Retry later.', { retryAfter: 1 });
            decision = await deps.fallbackRateLimits.consume(key, rule);
          }
          context.http.rateLimits.push({ policy, rule: { max, windowMs: rule.windowMs }, decision });
          if (!decision.allowed) {
            deps.metrics.rateLimited.inc({ layer: 'field' });
            throw new RateLimitedError(applied.message ?? `Too many ${info.fieldName} calls: at most ${max} per ${window}.`, {
              retryAfter: toDelaySeconds(decision.retryAfterMs), limit: max, window,
            });
          }
          return resolve(source, args, context, info);
        },
      };
    },
  });
}

/** The `@rateLimit` of a field definition, for docs and tests. */
export function describeRateLimit(schema: GraphQLSchema, typeName: string, fieldName: string): RateLimitArgs | undefined {
  const type = schema.getType(typeName);
  const field = type && 'getFields' in type ? (type.getFields() as Record<string, { astNode?: unknown }>)[fieldName] : undefined;
  return field ? (getDirective(schema, field as never, RATE_LIMIT)?.[0] as RateLimitArgs | undefined) : undefined;
}

/**
 * Adds "Rate limit: N per W per …" to each limited field's description (docs, playground,
 * codegen). The identity is the account for a signed request, the client IP otherwise; a
 * field that never runs unsigned (`signedOnly`) is only ever counted per account, so its note
 * says just that.
 */
export function describeRateLimitedFields(schema: GraphQLSchema, signedOnly: (typeName: string, fieldName: string) => boolean): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const applied = getDirective(schema, field, RATE_LIMIT)?.[0] as RateLimitArgs | undefined;
      if (!applied) return field;
      const identity = signedOnly(typeName, fieldName) ? 'per account' : 'per account (per IP when unsigned)';
      const note = `Rate limit: ${applied.max} per ${applied.window} ${identity}.`;
      return { ...field, description: field.description ? `${field.description}\n\n${note}` : note };
    },
  });
}
