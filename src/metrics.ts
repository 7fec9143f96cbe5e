import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Counters of security and reliability events, and of requests and their latency, exposed at GET /metrics (Prometheus text format). */
export interface SignetMetrics {
  /** What /metrics may show on the public port to allowed clients: everything but build details. */
  readonly registry: Registry;
  /** What the operator listener shows: `registry` plus the exact runtime version (`nodejs_version_info`); merged per call, so metrics registered later are included. */
  operatorView(): Registry;
  /** Signed requests, by outcome: `verified` or a rejection reason (SIGNATURE_INVALID, NONCE_REUSED…). */
  readonly signatureChecks: Counter<'outcome'>;
  /** Requests refused by a rate limit, by layer (ip, account, field, auth_failures). */
  readonly rateLimited: Counter<'layer'>;
  /** Idempotent calls, by outcome (executed, replayed, in_progress, key_reused, key_required). */
  readonly idempotency: Counter<'outcome'>;
  /** Connections closed at once by a connection cap, by cap (`per-address`, `total`): every one, where the log shows only some. */
  readonly connectionsRefused: Counter<'cap'>;
  /** Idle connections closed at the total cap to admit a newcomer from a peer holding fewer. */
  readonly connectionsEvicted: Counter;
  /**
   * Answered HTTP requests on the public port, by method, route (the route's pattern, `unmatched`
   * for unknown paths: never the path a client sent) and status: its count is the request rate.
   */
  readonly httpRequests: Histogram<'method' | 'route' | 'status'>;
  /** Requests whose client went away before the answer was sent, by route. */
  readonly httpRequestsAborted: Counter<'route'>;
  /** GraphQL operations that resolved (passed validation), by type and root field (the schema's name, not the alias). */
  readonly graphqlOperations: Counter<'type' | 'field'>;
  /**
   * Errors in `errors` bodies by code (their `extensions.code`), whoever wrote the body: Apollo
   * (those beside partial data included), the HTTP layer's refusals (401, 429, 503 before GraphQL)
   * and the raw-socket ones; each body once.
   */
  readonly graphqlErrors: Counter<'code'>;
  /**
   * Requests refused on the connection before Fastify had them whole (client-errors.ts: 400 garbled,
   * 408 not received in time, 414, 431), by status: only those statuses, so a client adds no series.
   */
  readonly httpClientErrors: Counter<'status'>;
  /** Failures of a shared store, by store and by what the server was doing (both closed sets: dependency-warnings.ts). */
  readonly dependencyErrors: Counter<'dependency' | 'operation'>;
}

/** Latency buckets (seconds) of `signet_http_request_duration_seconds`: 5 ms to 10 s. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Default metrics that name the exact runtime build: a vulnerability lookup key, kept off the public port. */
const OPERATOR_ONLY = ['nodejs_version_info'];

/** Creates a fresh registry (one per server, so tests do not share counters). */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): SignetMetrics {
  const registry = new Registry();
  const operatorOnly = new Registry();
  if (options.defaultMetrics) {
    collectDefaultMetrics({ register: registry });
    for (const name of OPERATOR_ONLY) {
      const metric = registry.getSingleMetric(name);
      if (!metric) continue;
      registry.removeSingleMetric(name);
      operatorOnly.registerMetric(metric);
    }
  }
  const metrics = {
    registry,
    signatureChecks: new Counter({ name: 'signet_signature_checks_total', help: 'Signed requests by outcome', labelNames: ['outcome'], registers: [registry] }),
    rateLimited: new Counter({ name: 'signet_rate_limited_total', help: 'Requests refused by a rate limit, by layer', labelNames: ['layer'], registers: [registry] }),
    idempotency: new Counter({ name: 'signet_idempotency_total', help: 'Idempotent calls by outcome', labelNames: ['outcome'], registers: [registry] }),
    connectionsRefused: new Counter({ name: 'signet_connections_refused_total', help: 'Connections closed at once by a connection cap, by cap', labelNames: ['cap'], registers: [registry] }),
    connectionsEvicted: new Counter({ name: 'signet_connections_evicted_total', help: 'Idle connections closed at the total connection cap to admit a newcomer from a peer holding fewer', registers: [registry] }),
    httpRequests: new Histogram({ name: 'signet_http_request_duration_seconds', help: 'Answered HTTP requests by method, route and status, and how long each took', labelNames: ['method', 'route', 'status'], buckets: HTTP_DURATION_BUCKETS, registers: [registry] }),
    httpRequestsAborted: new Counter({ name: 'signet_http_requests_aborted_total', help: 'Requests whose client went away before the answer, by route', labelNames: ['route'], registers: [registry] }),
    graphqlOperations: new Counter({ name: 'signet_graphql_operations_total', help: 'GraphQL operations that passed validation, by type and root field', labelNames: ['type', 'field'], registers: [registry] }),
    graphqlErrors: new Counter({ name: 'signet_graphql_errors_total', help: 'Errors in GraphQL-shaped error bodies (Apollo answers and HTTP-layer refusals) by code', labelNames: ['code'], registers: [registry] }),
    dependencyErrors: new Counter({ name: 'signet_dependency_errors_total', help: 'Failures of a shared store (Redis, the database), by store and operation', labelNames: ['dependency', 'operation'], registers: [registry] }),
    httpClientErrors: new Counter({ name: 'signet_http_client_errors_total', help: 'Requests refused on the connection before they arrived whole (garbled, too large, not received in time), by status', labelNames: ['status'], registers: [registry] }),
  };
  return { ...metrics, operatorView: () => Registry.merge([registry, operatorOnly]) };
}
