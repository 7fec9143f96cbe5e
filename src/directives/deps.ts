import type { Logger } from 'pino';
import type { UnitOfWork } from '../domain';
import type { SignetMetrics } from '../metrics';
import type { DependencyWarnings } from '../dependency-warnings';
import type { IdempotencyFaults, IdempotencyRecordStore, IdempotencyStore } from '@signet/idempotency';
import type { RateLimitStore } from '@signet/rate-limit';
import type { RateLimitOverrides } from '@signet/directive-rate-limit';

/** What the directive transformers need at run time. */
export interface DirectiveDeps {
  /** Shared rate-limit counters (Redis or memory). */
  readonly rateLimits: RateLimitStore;
  /** Per-instance fallback for reads when the shared store is down. */
  readonly fallbackRateLimits: RateLimitStore;
  /** Fast path of idempotency (Redis or memory): leases and cached outcomes. */
  readonly idempotency: IdempotencyStore;
  /** Durable idempotency records, committed with the effect. */
  readonly idempotencyRecords: IdempotencyRecordStore;
  /** The unit of work the records and the effect share. */
  readonly uow: UnitOfWork;
  /** Clock in ms since the epoch (injectable). */
  readonly now: () => number;
  /** How long a completed outcome is kept (SIGNET_IDEMPOTENCY_TTL). */
  readonly idempotencyTtlMs: number;
  /** Field limit overrides by `Type.field` (operators, benchmarks). */
  readonly rateLimitOverrides?: RateLimitOverrides;
  readonly metrics: SignetMetrics;
  readonly logger: Logger;
  /** Where a store failure is counted and logged (at most once a minute per operation); defaults to one over `logger` and `metrics`. */
  readonly dependencyWarnings?: DependencyWarnings;
  /**
   * TEST ONLY crash points of @idempotent (SIGNET_FAULT_INJECTION, honoured by main.ts only with
   * NODE_ENV=test; the crash tests make them SIGKILL the process); main.ts never sets it otherwise.
   */
  readonly faults?: IdempotencyFaults;
}
