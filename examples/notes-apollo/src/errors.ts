/**
 * The errors this server's directives raise, as GraphQL errors with a `code` clients branch on
 * and `retryable` when the same call may succeed later. The directive packages ask for them
 * through functions (see `directives.ts`); they have no error classes of their own.
 */
import { GraphQLError, type GraphQLResolveInfo } from 'graphql';

/** A `@signed` field called without a verified signature. */
export function unauthenticated(info: GraphQLResolveInfo): GraphQLError {
  return new GraphQLError(`${info.fieldName} requires a signed request.`, { extensions: { code: 'UNAUTHENTICATED' } });
}

/** A `@signed` field called with a key that lacks scopes. */
export function forbidden(missingScopes: readonly string[], info: GraphQLResolveInfo): GraphQLError {
  return new GraphQLError(`${info.fieldName} requires scope ${missingScopes.join(' and ')}; the signing key lacks it.`, {
    extensions: { code: 'FORBIDDEN', missingScopes },
  });
}

/** A call over its `@rateLimit`. */
export function rateLimited(details: { message: string; max: number; window: string; retryAfter: number }): GraphQLError {
  return new GraphQLError(details.message, { extensions: { code: 'RATE_LIMITED', retryable: true, retryAfter: details.retryAfter, limit: details.max, window: details.window } });
}

/** A store the call needs did not answer; nothing ran. */
export function unavailable(message: string, retryAfter = 1): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true, retryAfter } });
}
