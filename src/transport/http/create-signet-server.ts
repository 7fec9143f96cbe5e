import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DirectiveDeps } from '../../directives';
import { startRecordPurger } from '@signet/idempotency';
import type { Logger } from 'pino';
import { createKeyUsageRecorder, type ApiKeyService, type DomainServices, type KeyUsageRecorder } from '../../domain';
import type { RateLimitStore } from '@signet/rate-limit';
import type { GraphQLSchema } from 'graphql';
import { buildSignetSchema } from '../graphql/build-schema';
import type { SignetMetrics } from '../../metrics';
import type { SecurityStores } from '../security-stores';
import { AUTH_FAILURE_LIMITS, createAuthFailureGuard } from './auth-failure-guard';
import { createHttpServer, type HttpServerDeps } from './create-http-server';
import type { ReadinessCheck } from './health';
import { createSignatureAuth } from './signature-auth';
import { createRequestLimiter, type RequestLimits } from './request-limits';
import { createLocalBlocks } from './local-blocks';
import { createRequestAdmissions } from './request-admission';
import { createSignatureRetirement } from './signature-retirement';
import type { ClientAddressOptions } from './client-address';
import type { ConnectionLimits } from './connection-limits';
import { createMetricsListener } from './metrics-routes';
import type { MetricsExposure } from '../../network-config';
import { signingTargetFor, type SigningTarget } from './signing-target';
import { SIGNATURE_MAX_AGE_BOUNDS, type PublicUrl } from '../../config';
import { ERROR_SERIALIZERS } from '../../error-log';
import { createDependencyWarnings, type DependencyWarnings } from '../../dependency-warnings';

/** Everything a Signet server is built from. */
export interface SignetServerDeps {
  /** The schema as `buildSignetSchema` returns it, when the caller has built it already; built here otherwise. */
  readonly schema?: GraphQLSchema;
  readonly services: DomainServices;
  readonly security: SecurityStores;
  /** Directive stores and policy (built from `security` by the composition root). */
  readonly directives: DirectiveDeps;
  readonly logger: Logger;
  readonly metrics: SignetMetrics;
  readonly readiness: readonly ReadinessCheck[];
  readonly introspection: boolean;
  readonly development: boolean;
  /** The public origin clients sign for (SIGNET_PUBLIC_URL); null → plain http at the address listened on (and localhost/127.0.0.1 at its port). */
  readonly publicUrl: PublicUrl | null;
  /** More `host[:port]` names clients may sign as `@authority` (SIGNET_PUBLIC_AUTHORITIES). Defaults to none. */
  readonly publicAuthorities?: readonly string[];
  readonly signatureMaxAgeSeconds: number;
  /** Which proxies name the client (SIGNET_TRUST_PROXY) and the IPv6 limit prefix; defaults: none, /64. */
  readonly clientAddress?: ClientAddressOptions;
  /** Where /metrics is served (SIGNET_METRICS_LISTEN / SIGNET_METRICS_ALLOW); absent: nowhere. */
  readonly metricsExposure?: MetricsExposure;
  /** Connections open at once per TCP peer and in all (SIGNET_MAX_CONNECTIONS_PER_ADDRESS / SIGNET_MAX_CONNECTIONS); defaults to CONNECTION_LIMITS. */
  readonly connectionLimits?: ConnectionLimits;
  /** Per-IP, per-account and per-key exit limits; defaults to REQUEST_LIMITS. */
  readonly requestLimits?: RequestLimits;
  /** Brute-force guard limits; defaults to AUTH_FAILURE_LIMITS. */
  readonly authFailureLimits?: typeof AUTH_FAILURE_LIMITS;
  /** Clock in ms (injectable for tests). */
  readonly now?: () => number;
}

/** A built server; `close` stops it (and the operator listener) and flushes key-usage times. */
export interface SignetServer {
  readonly app: FastifyInstance;
  /** Starts the operator listener of `metricsExposure.listen`; its address, or null when none is configured. */
  listenOperations(): Promise<string | null>;
  /**
   * Starts draining, before `close`: requests are still accepted and served, /readyz answers 503,
   * and each connection's last answer closes it, so a proxy or load balancer moves to other
   * instances while this one still answers. Only `close` ends it.
   */
  drain(): void;
  /** Stops accepting connections, waits for the requests in flight (each response then ends its connection), flushes key-usage times. */
  close(): Promise<void>;
  /** Destroys every open connection of both listeners, requests in flight included: for when the shutdown grace is over. */
  closeAllConnections(): void;
}

/** What the HTTP security layers are built from. */
export interface SecurityLayerDeps {
  /** The scheme and `host[:port]` names clients sign for, resolved on first use (the port may be ephemeral). */
  readonly target: () => SigningTarget;
  readonly now: () => number;
  readonly security: SecurityStores;
  readonly apiKeys: ApiKeyService;
  readonly usage: KeyUsageRecorder;
  /** Local limiter the per-IP layer falls back to when the shared store is down. */
  readonly fallbackRateLimits: RateLimitStore;
  readonly maxAgeSeconds: number;
  readonly requestLimits?: RequestLimits;
  readonly authFailureLimits?: typeof AUTH_FAILURE_LIMITS;
  readonly metrics: SignetMetrics;
  readonly logger: Logger;
  /** Where the layers' store failures are reported; one of its own over `logger` and `metrics` when absent. */
  readonly warnings?: DependencyWarnings;
}

/**
 * How long a verified nonce stays claimed, in seconds after its `created`. A Redis nonce store is
 * shared by every process and outlives their restarts, which may run with another
 * SIGNET_SIGNATURE_MAX_AGE: it keeps every nonce for the largest max age a process may accept, so
 * no process finds a nonce gone while it still takes the signature as fresh. A memory store lives
 * and dies with its process and that process's one max age.
 */
export function nonceRetentionFor(kind: SecurityStores['kind'], maxAgeSeconds: number): number {
  return kind === 'redis' ? Math.max(maxAgeSeconds, SIGNATURE_MAX_AGE_BOUNDS.max) : maxAgeSeconds;
}

/**
 * The layers in front of GraphQL: signature verification, whose verified requests carry their
 * admission (address and account limits, failed-signature guard, nonce: one store call with
 * the root fields' checks), and the per-IP limit of every other request but the probes.
 */
export function createSecurityLayers(deps: SecurityLayerDeps): Required<Pick<HttpServerDeps, 'authenticate' | 'requestLimiter' | 'retireSignature'>> {
  // What this process has seen refused, so a known-blocked source is refused before any work.
  const blocks = createLocalBlocks();
  // One reporter for the layers' store failures: each (store, operation) logs at most once a minute.
  const warnings = deps.warnings ?? createDependencyWarnings({ logger: deps.logger, metrics: deps.metrics });
  const failureGuard = createAuthFailureGuard(deps.security.rateLimits, blocks, deps.authFailureLimits);
  const requestLimiter = createRequestLimiter({
    store: deps.security.rateLimits, fallback: deps.fallbackRateLimits, metrics: deps.metrics, logger: deps.logger, blocks, limits: deps.requestLimits, warnings,
  });
  const admissions = createRequestAdmissions({
    store: deps.security.admission, nonces: deps.security.nonces, limiter: requestLimiter, guard: failureGuard, usage: deps.usage, metrics: deps.metrics, logger: deps.logger, now: deps.now,
    apiKeys: deps.apiKeys, warnings,
  });
  const sourceOf = (request: FastifyRequest): string => request.clientLimitKey;
  const nonceRetentionSeconds = nonceRetentionFor(deps.security.kind, deps.maxAgeSeconds);
  const retireSignature = createSignatureRetirement({ nonces: deps.security.nonces, maxAgeSeconds: deps.maxAgeSeconds, nonceRetentionSeconds, now: deps.now, logger: deps.logger, sourceOf, warnings });
  const authenticate = createSignatureAuth({
    target: deps.target, maxAgeSeconds: deps.maxAgeSeconds, nonceRetentionSeconds, now: deps.now, apiKeys: deps.apiKeys, failureGuard, admissions, metrics: deps.metrics, logger: deps.logger, warnings,
    retireSignature, sourceOf, endAddressPass: (request) => requestLimiter.endPass(request), countAddress: (request) => requestLimiter.countIp(request),
  });
  return { authenticate, requestLimiter, retireSignature };
}

/** The whole HTTP stack with signature authentication wired to the stores. Not yet listening. */
export async function createSignetServer(options: SignetServerDeps): Promise<SignetServer> {
  // Whatever logger the caller built, a driver's error is logged without the command it carried (error-log.ts).
  const deps: SignetServerDeps = { ...options, logger: options.logger.child({}, { serializers: ERROR_SERIALIZERS }) };
  const now = deps.now ?? Date.now;
  const usage = createKeyUsageRecorder({ uow: deps.services.uow, onError: (err) => deps.logger.warn({ err }, 'could not record API key use') });
  let app: FastifyInstance | undefined;
  // Resolved once, when the server listens (or by the first request, if that comes first), and
  // kept: after close() the address is gone, but a request still in flight must verify as before.
  let resolvedTarget: SigningTarget | undefined;
  const target = (): SigningTarget => {
    if (resolvedTarget) return resolvedTarget;
    const address = app?.server.address();
    if (!address || typeof address === 'string') throw new Error('the server is not listening yet');
    resolvedTarget = signingTargetFor(deps.publicUrl, deps.publicAuthorities ?? [], address);
    return resolvedTarget;
  };
  let draining = false;
  // One reporter for every store failure this server meets (its layers, GraphQL's fields and hooks),
  // so each (dependency, operation, kind) writes at most one line a minute in all.
  const warnings = deps.directives.dependencyWarnings ?? createDependencyWarnings({ logger: deps.logger, metrics: deps.metrics });
  const directives = { ...deps.directives, dependencyWarnings: warnings };
  const { authenticate, requestLimiter, retireSignature } = createSecurityLayers({
    target, now, security: deps.security, apiKeys: deps.services.apiKeys, usage, fallbackRateLimits: deps.directives.fallbackRateLimits,
    maxAgeSeconds: deps.signatureMaxAgeSeconds, requestLimits: deps.requestLimits, authFailureLimits: deps.authFailureLimits, metrics: deps.metrics, logger: deps.logger, warnings,
  });
  app = await createHttpServer({
    schema: deps.schema ?? buildSignetSchema(), services: deps.services, logger: deps.logger, introspection: deps.introspection,
    development: deps.development, readiness: deps.readiness, authenticate, metrics: deps.metrics, directives, clientAddress: deps.clientAddress,
    metricsAllow: deps.metricsExposure?.allow, requestLimiter, retireSignature, connectionLimits: deps.connectionLimits,
    draining: () => draining,
  });
  const built = app;
  built.addHook('onListen', async () => {
    target();
  });
  const listen = deps.metricsExposure?.listen ?? null;
  const operations = listen ? createMetricsListener(deps.metrics, deps.logger) : null;
  // Durable idempotency records past their retention are reclaimed in the background.
  const purger = startRecordPurger({
    records: deps.directives.idempotencyRecords, now: deps.directives.now,
    onError: (err) => deps.logger.warn({ err }, 'could not purge expired idempotency records'),
  });
  return {
    app: built,
    async listenOperations() {
      return operations && listen ? operations.listen({ host: listen.host, port: listen.port }) : null;
    },
    drain() {
      draining = true;
    },
    closeAllConnections() {
      built.server.closeAllConnections();
      operations?.server.closeAllConnections();
    },
    async close() {
      await purger.stop();
      await Promise.all([built.close(), operations?.close()]);
      await usage.close();
    },
  };
}
