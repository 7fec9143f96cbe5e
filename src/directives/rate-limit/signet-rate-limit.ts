import type { GraphQLDirective, GraphQLSchema } from 'graphql';
import {
  accountIdentity,
  apiKeyIdentity,
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
import { createDependencyWarnings } from '../../dependency-warnings';

/**
 * The mutations an account's owner needs when something is wrong: stop a key, take orders off the
 * book. Their field limits count per API key, not per account, so a key that spends them (leaked,
 * or a runaway bot) cannot stop another key of the account from getting out; the account's cap on
 * keys bounds what its keys spend together. The request admission also lets an operation of these
 * alone past the account's request budget (admission-plan.ts).
 */
export const EXIT_MUTATIONS: ReadonlySet<string> = new Set(['cancelOrder', 'cancelAllOrders', 'revokeApiKey']);

/** Whether a field's limit counts per API key: an exit ({@link EXIT_MUTATIONS}) of the Mutation type. */
const countsPerKey = (typeName: string, fieldName: string): boolean => typeName === 'Mutation' && EXIT_MUTATIONS.has(fieldName);

/**
 * Who a field limit counts: the verified key for an exit ({@link EXIT_MUTATIONS}), the verified
 * account for any other field, else the client's limit key (its IPv4 address or IPv6 /64). The
 * admission plan counts signed root fields with the same identity.
 */
export function rateLimitIdentity(principal: Principal | null, http: Pick<HttpExchange, 'clientLimitKey'>, field: { typeName: string; fieldName: string }): string {
  if (!principal) return ipIdentity(http.clientLimitKey);
  return countsPerKey(field.typeName, field.fieldName) ? apiKeyIdentity(principal.keyId) : accountIdentity(principal.accountId);
}

/** `@rateLimit` as Signet's schema declares it: who "a caller" is, in its description. */
export function signetRateLimitDirective(): GraphQLDirective {
  return rateLimitDirective({ description: 'At most `max` calls per `window` per caller (the account for signed requests, or the API key for the exits cancelOrder, cancelAllOrders and revokeApiKey; the client IP otherwise).' });
}

/**
 * Adds "Rate limit: N per W …" to each limited field's description. A field that never runs
 * unsigned (`signedOnly`) is only ever counted per account (an exit: per API key), so its note says just that.
 */
export function describeSignetRateLimits(schema: GraphQLSchema, signedOnly: (typeName: string, fieldName: string) => boolean): GraphQLSchema {
  return describeRateLimitedFields(schema, {
    identity: (typeName, fieldName) => {
      const signed = countsPerKey(typeName, fieldName) ? 'per API key' : 'per account';
      return signedOnly(typeName, fieldName) ? signed : `${signed} (per IP when unsigned)`;
    },
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
  // Every field of every request meets the same outage: counted each time, logged once a minute.
  const warnings = deps.dependencyWarnings ?? createDependencyWarnings({ logger: deps.logger, metrics: deps.metrics });
  return {
    identify: (context, info) => rateLimitIdentity(context.principal, context.http, { typeName: info.parentType.name, fieldName: info.fieldName }),
    store: (context, info) => admittedRateLimitStore(deps.rateLimits, admittedRootField(context, info)),
    fallback: deps.fallbackRateLimits,
    overrides: deps.rateLimitOverrides,
    onDecision(context, entry) {
      context.http.rateLimits.push(entry);
      if (!entry.decision.allowed) deps.metrics.rateLimited.inc({ layer: 'field' });
    },
    onStoreError(context, error, policy) {
      warnings.failed({ dependency: 'rate-limit-store', operation: 'field-limit', error, reqId: context.requestId, fields: { policy } }, 'rate-limit store unavailable');
    },
    limited: (_decision, { message, retryAfter, max, window }) => new RateLimitedError(message, { retryAfter, limit: max, window }),
    unavailable: () => new ServiceUnavailableError('Rate limiting is temporarily unavailable; nothing was executed. Retry later.', { retryAfter: 1 }),
  };
}

/** Wraps Signet's `@rateLimit` fields (see {@link rateLimitOptions}). */
export function signetRateLimitTransformer(schema: GraphQLSchema, deps: DirectiveDeps): GraphQLSchema {
  return rateLimitTransformer(schema, rateLimitOptions(deps));
}
