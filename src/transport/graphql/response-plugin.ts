import type { ApolloServerPlugin } from '@apollo/server';
import { rateLimitHeaders } from '../../directives/rate-limit';
import type { GraphQLContext } from './context';

/**
 * Copies what the directives collected during execution onto the HTTP response: extra
 * headers, top-level extensions, and the RateLimit-Policy / RateLimit fields of the tightest
 * limit that applied (draft-ietf-httpapi-ratelimit-headers).
 */
export function responsePlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
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
        },
      };
    },
  };
}
