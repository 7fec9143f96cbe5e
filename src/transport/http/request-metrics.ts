import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SignetMetrics } from '../../metrics';
import { endedByServer } from './client-errors';

/** Methods named as they are in the metric; anything else a client sends counts as `other` (bounded labels). */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

/** The route's pattern, never the path a client sent (each unknown path would be a new series). */
function routeLabel(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

/**
 * Every answered request on the public port is observed in `signet_http_request_duration_seconds`
 * (method, route, status: its count is the request rate, its buckets the latency), the codes of
 * its `errors` body, if any, in `signet_graphql_errors_total` (sent-errors.ts: noted by whoever
 * wrote it, counted here once), and every request its client abandoned counts in
 * `signet_http_requests_aborted_total` (not one the server cut off itself: its body deadline's
 * 408 is in `signet_http_client_errors_total`). Labels come from the server's own routes,
 * statuses and codes, so a client cannot grow the number of series.
 */
export function recordRequestMetrics(app: FastifyInstance, metrics: SignetMetrics): void {
  // Callback hooks: nothing here awaits.
  app.addHook('onResponse', (request, reply, done) => {
    const method = KNOWN_METHODS.has(request.method) ? request.method : 'other';
    metrics.httpRequests.observe({ method, route: routeLabel(request), status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    for (const code of request.errorCodesSent ?? []) metrics.graphqlErrors.inc({ code });
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    if (!endedByServer(request.raw)) metrics.httpRequestsAborted.inc({ route: routeLabel(request) });
    done();
  });
}
