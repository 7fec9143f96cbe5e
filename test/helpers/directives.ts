import type { DirectiveDeps } from '../../src/directives';
import type { DomainServices } from '../../src/domain';
import { createMemoryIdempotencyStore } from '@signet/idempotency';
import { createMemoryRateLimitStore } from '@signet/rate-limit';
import { createMetrics } from '../../src/metrics';
import type { SecurityStores } from '../../src/transport/security-stores';
import { idempotencyRecordsOf } from './domain';
import { silentLogger } from './logger';

/** Directive deps over `services` (built by servicesFor) and the given security stores (memory by default). */
export function directiveDepsFor(services: DomainServices, overrides: Partial<DirectiveDeps> & { security?: SecurityStores } = {}): DirectiveDeps {
  const { security, ...rest } = overrides;
  return {
    rateLimits: security?.rateLimits ?? createMemoryRateLimitStore(),
    fallbackRateLimits: createMemoryRateLimitStore(),
    idempotency: security?.idempotency ?? createMemoryIdempotencyStore(),
    idempotencyRecords: idempotencyRecordsOf(services),
    uow: services.uow,
    now: Date.now,
    idempotencyTtlMs: 24 * 3_600_000,
    metrics: createMetrics(),
    logger: silentLogger,
    ...rest,
  };
}
