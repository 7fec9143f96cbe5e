import type { GraphQLDirective, GraphQLSchema } from 'graphql';
import {
  accountIdentity,
  describeRateLimitedFields,
  ipIdentity,
  rateLimitDirective,
  rateLimitTransformer,
  type RateLimitDirectiveOptions,
} from '@signet/directive-rate-limit';
import type { Principal } from '../../domain';
import { ServiceUnavailableError } from '../../errors';
import { admittedRootField } from '../admitted-fields';
import type { DirectiveDeps } from '../deps';
import type { DirectiveContext, HttpExchange } from '../directive-context';
import { admittedRateLimitStore } from './admitted-rate-limit-store';
import { RateLimitedError } from './rate-limit-errors';

/**
 * Who a field limit counts: the verified account, else the client's limit key (its IPv4
 * address or IPv6 /64). The admission plan counts signed root fields with the same identity.
 */
export function rateLimitIdentity(principal: Principal | null, http: Pick<HttpExchange, 'clientLimitKey'>): string {
  return principal ? accountIdentity(principal.accountId) : ipIdentity(http.clientLimitKey);
}

/** `@rateLimit` as Signet's schema declares it: who "a caller" is, in its description. */
export function signetRateLimitDirective(): GraphQLDirective {
  return rateLimitDirective({ description: 'At most `max` calls per `window` per caller (the account for signed requests, the client IP otherwise).' });
}

/**
 * Adds "Rate limit: N per W …" to each limited field's description. A field that never runs
 * unsigned (`signedOnly`) is only ever counted per account, so its note says just that.
 */
export function describeSignetRateLimits(schema: GraphQLSchema, signedOnly: (typeName: string, fieldName: string) => boolean): GraphQLSchema {
  return describeRateLimitedFields(schema, {
    identity: (typeName, fieldName) => (signedOnly(typeName, fieldName) ? 'per account' : 'per account (per IP when unsigned)'),
  });
}

/**
 * What `@rateLimit` asks of Signet: the identity above; the shared store, or for an admitted
 * root field the admission's decision (a replay the admission found behind a spent limit passes);
 * this instance's memory limiter for queries when the shared store is down (mutations fail
 * closed); Signet's errors; the RateLimit headers and the `signet_rate_limited_total{layer="field"}`
 * counter for each decision.
 */
export function rateLimitOptions(deps: DirectiveDeps): RateLimitDirectiveOptions<DirectiveContext> {
  return {
    identify: (context) => rateLimitIdentity(context.principal, context.http),
    store: (context, info) => admittedRateLimitStore(deps.rateLimits, admittedRootField(context, info)),
    fallback: deps.fallbackRateLimits,
    overrides: deps.rateLimitOverrides,
    onDecision(context, entry) {
      context.http.rateLimits.push(entry);
      if (!entry.decision.allowed) deps.metrics.rateLimited.inc({ layer: 'field' });
    },
    onStoreError(context, error, policy) {
      deps.logger.warn({ err: { message: (error as Error).message }, policy, requestId: context.requestId }, 'rate-limit store unavailable');
    },
    limited: (_decision, { message, retryAfter, max, window }) => new RateLimitedError(message, { retryAfter, limit: max, window }),
    unavailable: () => new ServiceUnavailableError('Rate limiting is temporarily unavailable; nothing was executed. Retry later.', { retryAfter: 1 }),
  };
}

/** Wraps Signet's `@rateLimit` fields (see {@link rateLimitOptions}). */
export function signetRateLimitTransformer(schema: GraphQLSchema, deps: DirectiveDeps): GraphQLSchema {
  return rateLimitTransformer(schema, rateLimitOptions(deps));
}
