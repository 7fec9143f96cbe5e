import type { ApolloServerPlugin } from '@apollo/server';
import { rateLimitHeaders } from '@signet/rate-limit';
import { authChallengeHeaders } from '../http/auth-challenge';
import { errorMediaType } from '../http/error-media-type';
import { isWholeReplay } from '@signet/directive-idempotent';
import { replayedResponseKeys } from '../../directives';
import type { GraphQLContext } from './context';

/**
 * Copies what the directives collected during execution onto the HTTP response: extra
 * headers, top-level extensions, `Idempotent-Replayed: true` when every root field was a replay,
 * and the RateLimit-Policy / RateLimit fields of the tightest limit that applied
 * (draft-ietf-httpapi-ratelimit-headers). Sets the media type with the HTTP
 * layer's negotiation (the same choice as its own refusals), and gives a 401 (a replayed
 * nonce refused in admission) the authentication challenge.
 */
export function responsePlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response, request }) {
          // Always set: Apollo answers 406 after executing when it is not. An Accept that allows
          // neither type was refused with 406 by the /graphql route before anything ran.
          const mediaType = errorMediaType(request.http?.headers.get('accept'));
          if (response.body.kind === 'single') response.http.headers.set('content-type', mediaType);
          if (response.http.status === 401) {
            const challenged = { hasQuery: Boolean(request.http?.search), hasIdempotencyKey: request.http?.headers.has('idempotency-key') === true };
            const reason = response.body.kind === 'single' ? response.body.singleResult.errors?.[0]?.extensions?.reason : undefined;
            for (const [name, value] of Object.entries(authChallengeHeaders(challenged, reason))) response.http.headers.set(name, value);
          }
          const exchange = contextValue.http;
          for (const [name, value] of exchange.responseHeaders) response.http.headers.set(name, value);
          const limits = rateLimitHeaders(exchange.rateLimits);
          if (limits) {
            response.http.headers.set('ratelimit-policy', limits['RateLimit-Policy']);
            response.http.headers.set('ratelimit', limits.RateLimit);
          }
          if (response.body.kind === 'single' && Object.keys(exchange.responseExtensions).length > 0) {
            response.body.singleResult.extensions = { ...response.body.singleResult.extensions, ...exchange.responseExtensions };
          }
          if (response.body.kind === 'single' && isWholeReplay(response.body.singleResult.data, replayedResponseKeys(exchange))) {
            response.http.headers.set('idempotent-replayed', 'true');
          }
        },
      };
    },
  };
}
