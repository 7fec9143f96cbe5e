import type { Logger } from 'pino';
import type { SignetMetrics } from './metrics';
import { serializeErrorForLog } from './error-log';

/**
 * The stores whose failures are counted and logged here (labels of `signet_dependency_errors_total`):
 * the security layers' stores by role, the idempotency cache (`idempotency-store`, Redis or memory)
 * and its durable records (`idempotency-records`, the database), and, for a failure met anywhere
 * else while serving a request, what the failure was classified as (`database`, `redis`, `network`:
 * infrastructure-errors.ts).
 */
export type Dependency =
  | 'rate-limit-store' | 'nonce-store' | 'admission-store' | 'key-store' | 'idempotency-store' | 'idempotency-records'
  | 'database' | 'redis' | 'network';

/**
 * What the server was doing when the dependency failed (labels of `signet_dependency_errors_total`):
 * `resolve-field` is a GraphQL field's work, `before-graphql` a hook's before GraphQL ran;
 * `claim`, `record`, `complete`, `release` and `remember` are @idempotent's.
 */
export type DependencyOperation =
  | 'request-ip-limit' | 'field-limit' | 'retire-signature' | 'supersede-nonce' | 'count-address' | 'admit' | 'reload-key' | 'verify-signature'
  | 'resolve-field' | 'before-graphql' | 'claim' | 'record' | 'complete' | 'release' | 'remember';

/** How often one (dependency, operation) writes a line while it keeps failing: once a minute. */
export const DEPENDENCY_LOG_INTERVAL_MS = 60_000;

/** One failure of a dependency, as the code that met it reports it. */
export interface DependencyFailure {
  readonly dependency: Dependency;
  readonly operation: DependencyOperation;
  readonly error: unknown;
  /** The request it happened to (its `reqId`), when there is one. */
  readonly reqId?: string;
  /** Whether the request was refused for it (503: `error`) or served another way (a local limiter: `warn`). */
  readonly level?: 'warn' | 'error';
  /** More fields of the line (never a secret or a client's text). */
  readonly fields?: Readonly<Record<string, unknown>>;
  /**
   * What kind of failure it was, when one (dependency, operation) can fail in kinds an operator
   * must tell apart (a deadlock beside a statement timeout: `sqlstate 40P01`, `sqlstate 57014`):
   * each kind gets its own line a minute. Not a metric label; from a closed set (the classifier's reasons).
   */
  readonly kind?: string;
}

/**
 * Failures of a shared store, each counted (`signet_dependency_errors_total{dependency,operation}`)
 * and logged at most once per interval per (dependency, operation): during an outage every
 * request meets the same failure, and a line each tripled the log of anonymous traffic. A line
 * written after others were left out says how many (`suppressed`); the counter has every one.
 */
export interface DependencyWarnings {
  failed(failure: DependencyFailure, message: string): void;
}

/** Builds the reporter (counting only when given `metrics`); `now` (ms, monotonic or wall) is injectable for tests. */
export function createDependencyWarnings(deps: { logger: Logger; metrics?: SignetMetrics; now?: () => number; intervalMs?: number }): DependencyWarnings {
  const now = deps.now ?? (() => performance.now());
  const intervalMs = deps.intervalMs ?? DEPENDENCY_LOG_INTERVAL_MS;
  // Bounded: one entry per (dependency, operation, kind), closed sets.
  const last = new Map<string, { loggedAt: number; suppressed: number }>();
  return {
    failed(failure, message) {
      const { dependency, operation } = failure;
      deps.metrics?.dependencyErrors.inc({ dependency, operation });
      const key = `${dependency}\u0000${operation}\u0000${failure.kind ?? ''}`;
      const at = now();
      const entry = last.get(key);
      if (entry && at - entry.loggedAt < intervalMs) {
        entry.suppressed += 1;
        return;
      }
      const suppressed = entry?.suppressed ?? 0;
      last.set(key, { loggedAt: at, suppressed: 0 });
      deps.logger[failure.level ?? 'warn']({
        event: 'dependency_error', dependency, operation, err: serializeErrorForLog(failure.error), ...(failure.reqId === undefined ? {} : { reqId: failure.reqId }), ...failure.fields,
        ...(suppressed > 0 ? { suppressed, suppressedSinceMs: Math.round(at - (entry?.loggedAt ?? at)) } : {}),
      }, message);
    },
  };
}
