import type { FastifyInstance } from 'fastify';
import type { DirectiveDeps } from '../../directives';
import { startRecordPurger } from '../../directives/idempotent';
import type { Logger } from 'pino';
import { createKeyUsageRecorder, type DomainServices } from '../../domain';
import { buildSignetSchema } from '../graphql/build-schema';
import type { SignetMetrics } from '../metrics';
import type { SecurityStores } from '../security-stores';
import { AUTH_FAILURE_LIMITS, createAuthFailureGuard } from './auth-failure-guard';
import { createHttpServer } from './create-http-server';
import type { ReadinessCheck } from './health';
import { createSignatureAuth } from './signature-auth';
import { createRequestLimiter, type REQUEST_LIMITS } from './request-limits';

/** Everything a Signet server is built from. */
export interface SignetServerDeps {
  readonly services: DomainServices;
  readonly security: SecurityStores;
  /** Directive stores and policy (built from `security` by the composition root). */
  readonly directives: DirectiveDeps;
  readonly logger: Logger;
  readonly metrics: SignetMetrics;
  readonly readiness: readonly ReadinessCheck[];
  readonly introspection: boolean;
  readonly development: boolean;
  /** `host[:port]` clients sign for; null → the address the server listens on. */
  readonly publicAuthority: string | null;
  readonly signatureMaxAgeSeconds: number;
  /** Take the client IP from X-Forwarded-For (SIGNET_TRUST_PROXY). */
  readonly trustProxy?: boolean;
  /** Per-IP and per-account limits; defaults to REQUEST_LIMITS. */
  readonly requestLimits?: typeof REQUEST_LIMITS;
  /** Brute-force guard limits; defaults to AUTH_FAILURE_LIMITS. */
  readonly authFailureLimits?: typeof AUTH_FAILURE_LIMITS;
  /** Clock in ms (injectable for tests). */
  readonly now?: () => number;
}

/** A built server; `close` stops it and flushes key-usage times. */
export interface SignetServer { readonly app: FastifyInstance; close(): Promise<void> }

/** The whole HTTP stack with signature authentication wired to the stores. Not yet listening. */
export async function createSignetServer(deps: SignetServerDeps): Promise<SignetServer> {
  const now = deps.now ?? Date.now;
  const usage = createKeyUsageRecorder({ uow: deps.services.uow, onError: (err) => deps.logger.warn({ err }, 'could not record API key use') });
  let app: FastifyInstance | undefined;
  const authority = () => {
    if (deps.publicAuthority) return deps.publicAuthority;
    const address = app?.server.address();
    if (!address || typeof address === 'string') throw new Error('the server is not listening yet');
    return address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
  };
  const authenticate = createSignatureAuth({
    authority, maxAgeSeconds: deps.signatureMaxAgeSeconds, now, apiKeys: deps.services.apiKeys, nonces: deps.security.nonces,
    failureGuard: createAuthFailureGuard(deps.security.rateLimits, deps.authFailureLimits), usage, metrics: deps.metrics, logger: deps.logger,
  });
  app = await createHttpServer({
    schema: buildSignetSchema(), services: deps.services, logger: deps.logger, introspection: deps.introspection,
    development: deps.development, readiness: deps.readiness, authenticate, metrics: deps.metrics, directives: deps.directives, trustProxy: deps.trustProxy,
    requestLimiter: createRequestLimiter({ store: deps.security.rateLimits, fallback: deps.directives.fallbackRateLimits, metrics: deps.metrics, logger: deps.logger, limits: deps.requestLimits }),
  });
  const built = app;
  // Durable idempotency records past their retention are reclaimed in the background.
  const purger = startRecordPurger({
    records: deps.directives.idempotencyRecords, now: deps.directives.now,
    onError: (err) => deps.logger.warn({ err }, 'could not purge expired idempotency records'),
  });
  return {
    app: built,
    async close() {
      purger.stop();
      await built.close();
      await usage.close();
    },
  };
}
