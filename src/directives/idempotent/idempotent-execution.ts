import type { DirectiveDeps } from '../deps';
import type { GraphQLContext } from '../../transport/graphql/context';
import { ServiceUnavailableError } from '../../transport/graphql/errors';
import { IdempotencyInProgressError, IdempotencyKeyReusedError } from './idempotency-errors';
import type { IdempotencyRecord } from './idempotency-record-store';
import { DEFAULT_IDEMPOTENCY_LEASE_MS } from './idempotency-store';
import { parseOutcome, replayPayload, serializeOutcome, type EntityKind } from './idempotent-outcome';

/** Longest retry hint given to a concurrent duplicate, in seconds. */
const IN_PROGRESS_POLL_SECONDS = 1;

/**
 * Test-only crash points (SIGNET_FAULT_INJECTION, honoured by main.ts only with NODE_ENV=test):
 * called with the field name just before the durable record commits with the effect, and just
 * after the commit, before the response. The crash tests make them SIGKILL the process.
 */
export interface IdempotencyFaults {
  beforeCommit?(field: string): void;
  afterCommit?(field: string): void;
}

/** One keyed call, with everything the flow needs. */
export interface IdempotentCall {
  readonly deps: DirectiveDeps;
  readonly context: GraphQLContext;
  readonly accountId: string;
  /** The mutation field name (part of the scope) and the response key (alias or name) a replay is reported under. */
  readonly field: string;
  readonly responseKey: string;
  readonly kind: EntityKind;
  readonly scopeKey: string;
  readonly fingerprint: string;
  /** Runs the wrapped resolver: the effect. */
  readonly execute: () => Promise<unknown>;
}

/** Thrown inside the transaction to roll back an effect whose record lost the race to another execution. */
class RecordConflict extends Error {}

/**
 * Executes a keyed call at most once per scope, or replays its outcome.
 *
 * 1. Fast path (Redis or memory): `claim` answers completed → replay, mismatch → KEY_REUSED,
 *    in progress → IN_PROGRESS; acquired → go on. A store that throws fails closed: nothing runs.
 * 2. Durable path, one transaction: advisory lock on the scope, look for a committed record
 *    (the cache may have forgotten it: FLUSHALL, eviction, a lease that expired mid-call), else
 *    run the effect and insert the record, so both commit or neither does.
 * 3. After commit: cache the outcome; on a durable replay, re-populate the cache.
 */
export async function executeIdempotent(call: IdempotentCall): Promise<unknown> {
  const { deps, scopeKey, fingerprint } = call;
  let claim;
  try {
    claim = await deps.idempotency.claim(scopeKey, fingerprint, DEFAULT_IDEMPOTENCY_LEASE_MS);
  } catch (error) {
    // Without the lease two instances could both reach the database; the advisory lock would
    // still keep them apart, but the fast path is part of the contract: fail closed, say so.
    deps.logger.warn({ err: { message: (error as Error).message }, requestId: call.context.requestId }, 'idempotency store unavailable; refusing keyed mutation');
    throw new ServiceUnavailableError('Idempotency store unavailable; nothing was executed. Retry later with the same key.', { retryAfter: 1 });
  }
  if (claim.kind === 'completed') return replay(call, claim.outcome, 'cache');
  if (claim.kind === 'mismatch') throw keyReused(call, 'cache');
  if (claim.kind === 'in_progress') {
    deps.metrics.idempotency.inc({ outcome: 'in_progress' });
    deps.logger.info({ event: 'idempotency_in_progress', requestId: call.context.requestId, scope: scopeKey }, 'idempotent call already in progress');
    // A poll hint, not the lease: the first call usually finishes in milliseconds, while the
    // remaining lease (up to 10 s) only matters if its process died. Retrying sooner is harmless.
    throw new IdempotencyInProgressError(call.field, Math.min(IN_PROGRESS_POLL_SECONDS, Math.max(1, Math.ceil(claim.retryAfterMs / 1000))));
  }

  const token = claim.token;
  let decided: { kind: 'found'; record: IdempotencyRecord } | { kind: 'executed'; result: unknown; outcome: string };
  try {
    decided = await deps.uow.transaction(async () => {
      await deps.idempotencyRecords.lock(scopeKey);
      const existing = await deps.idempotencyRecords.find(scopeKey, new Date(deps.now()));
      if (existing) return { kind: 'found' as const, record: existing };
      const result = await call.execute();
      const outcome = serializeOutcome(call.kind, result);
      const createdAt = deps.now();
      const saved = await deps.idempotencyRecords.save({
        scopeKey, fingerprint, outcome, createdAt: new Date(createdAt), expiresAt: new Date(createdAt + deps.idempotencyTtlMs),
      });
      if (saved === 'conflict') throw new RecordConflict();
      deps.faults?.beforeCommit?.(call.field);
      return { kind: 'executed' as const, result, outcome };
    });
  } catch (error) {
    // Rolled back: nothing of this call was committed, so the key stays unused and a retry runs.
    await quietly(deps, 'release', () => deps.idempotency.release(scopeKey, token));
    if (!(error instanceof RecordConflict)) throw error;
    const winner = await deps.idempotencyRecords.find(scopeKey, new Date(deps.now()));
    if (!winner) throw new Error(`idempotency record of ${scopeKey} conflicted, then vanished`);
    deps.logger.info({ event: 'idempotency_record_conflict', requestId: call.context.requestId, scope: scopeKey }, 'another execution committed first; replaying it');
    decided = { kind: 'found', record: winner };
  }

  if (decided.kind === 'found') {
    const { record } = decided;
    // The durable record is the truth: put it back in the cache (replacing our lease), so the
    // next duplicate is answered without a transaction.
    const remainingMs = record.expiresAt.getTime() - deps.now();
    if (remainingMs > 0) await quietly(deps, 'remember', () => deps.idempotency.remember(scopeKey, record.fingerprint, record.outcome, remainingMs));
    else await quietly(deps, 'release', () => deps.idempotency.release(scopeKey, token));
    if (record.fingerprint !== fingerprint) throw keyReused(call, 'durable');
    return replay(call, record.outcome, 'durable');
  }

  deps.faults?.afterCommit?.(call.field);
  const stored = await quietly(deps, 'complete', () => deps.idempotency.complete(scopeKey, token, fingerprint, decided.outcome, deps.idempotencyTtlMs));
  if (stored === false) {
    // Harmless: the lease expired during the call; the durable record still answers retries.
    deps.logger.warn({ event: 'idempotency_lease_lost', requestId: call.context.requestId, scope: scopeKey }, 'lease expired before completion; outcome not cached');
  }
  deps.metrics.idempotency.inc({ outcome: 'executed' });
  return decided.result;
}

/** Builds the replayed payload and marks the response as a replay (header and per-field extension). */
async function replay(call: IdempotentCall, outcome: string, source: 'cache' | 'durable'): Promise<unknown> {
  const payload = await replayPayload(call.kind, parseOutcome(outcome), call.accountId, call.context);
  const http = call.context.http;
  http.responseHeaders.set('idempotent-replayed', 'true');
  const prior = http.responseExtensions.idempotentReplay;
  http.responseExtensions.idempotentReplay = { ...(typeof prior === 'object' && prior !== null ? prior : {}), [call.responseKey]: true };
  call.deps.metrics.idempotency.inc({ outcome: 'replayed' });
  call.deps.logger.info({ event: 'idempotent_replay', requestId: call.context.requestId, scope: call.scopeKey, source }, 'idempotent call replayed');
  return payload;
}

function keyReused(call: IdempotentCall, source: 'cache' | 'durable'): IdempotencyKeyReusedError {
  call.deps.metrics.idempotency.inc({ outcome: 'key_reused' });
  call.deps.logger.info({ event: 'idempotency_key_reused', requestId: call.context.requestId, scope: call.scopeKey, source }, 'idempotency key reused with other arguments');
  return new IdempotencyKeyReusedError(call.field);
}

/**
 * Runs a fast-path write whose failure must not change the answer: after a commit the effect
 * happened and the client must hear so; the cache only saves work. Logged, never thrown.
 */
async function quietly<T>(deps: DirectiveDeps, what: string, work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    deps.logger.warn({ err: { message: (error as Error).message } }, `idempotency store ${what} failed; the durable record still decides`);
    return undefined;
  }
}
