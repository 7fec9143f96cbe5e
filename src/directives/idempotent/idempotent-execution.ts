import type { DirectiveDeps, IdempotencyFaults } from '../deps';
import type { DirectiveContext } from '../directive-context';
import { ServiceUnavailableError } from '../../errors';
import { IdempotencyInProgressError, IdempotencyKeyReusedError } from './idempotency-errors';
import type { IdempotencyRecord } from './idempotency-record-store';
import { DEFAULT_IDEMPOTENCY_LEASE_MS, type ClaimResult } from './idempotency-store';
import { parseOutcome, replayPayload, serializeOutcome, type EntityKind } from './idempotent-outcome';

/** Longest retry hint given to a concurrent duplicate, in seconds. */
const IN_PROGRESS_POLL_SECONDS = 1;

/** One keyed call, with everything the flow needs. */
export interface IdempotentCall {
  readonly deps: DirectiveDeps;
  readonly context: DirectiveContext;
  readonly accountId: string;
  /** The mutation field name (part of the scope) and the response key (alias or name) a replay is reported under. */
  readonly field: string;
  readonly responseKey: string;
  readonly kind: EntityKind;
  readonly scopeKey: string;
  readonly fingerprint: string;
  /** Runs the wrapped resolver: the effect. */
  readonly execute: () => Promise<unknown>;
  /** The fast-path claim when the request's admission already made it (same scope and fingerprint). */
  readonly claimed?: ClaimResult;
}

/** Thrown inside the transaction to roll back an effect whose record lost the race to another execution. */
class RecordConflict extends Error {}

/** Thrown out of the effect's transaction to roll back a refusal (a nested transaction failed) before recording it. */
class RolledBackRefusal extends Error {
  constructor(readonly result: unknown, readonly outcome: string) {
    super('refusal rolled back before it is recorded');
  }
}

type Decision = { kind: 'found'; record: IdempotencyRecord } | { kind: 'executed'; result: unknown; outcome: string };

/**
 * Executes a keyed call at most once per scope, or replays its outcome.
 *
 * 1. Fast path (Redis or memory): `claim` answers completed → replay, mismatch → KEY_REUSED,
 *    in progress → IN_PROGRESS; acquired → go on. A store that throws fails closed: nothing runs.
 * 2. Durable path, one transaction: BEGIN, effect, INSERT record, COMMIT: one statement more
 *    than the bare mutation (no lock, no lookup, no savepoint). Still exactly-once under READ
 *    COMMITTED: an effect commits only with a record its own `save` inserted, and the record's
 *    primary key lets one live record per scope commit (the port's doc has the full argument).
 *    - Concurrent duplicates past the cache: the later insert waits until the earlier
 *      transaction ends; committed → 'conflict' → RecordConflict rolls the later effect back
 *      and the winner, read after the rollback, is replayed; rolled back → the later one saves.
 *    - A retry after the cache forgot a committed outcome (FLUSHALL, eviction, a lease that
 *      expired mid-call): the effect runs, its insert conflicts at once, it rolls back, and the
 *      record is replayed. It ran twice; it committed once.
 *    - The service's transaction joins this one flat (`nested: 'join'`). A refusal (userErrors)
 *      leaves it rollback-only: roll it all back, then record the refusal in a second, short
 *      transaction (a conflict there replays the winner, as above). A refusal has no effect to
 *      keep, so recording it after the rollback keeps the guarantee; a crash in between only
 *      lets the retry execute.
 * 3. After commit: cache the outcome; on a durable replay, re-populate the cache.
 */
export async function executeIdempotent(call: IdempotentCall): Promise<unknown> {
  const { deps, scopeKey, fingerprint } = call;
  let claim;
  try {
    claim = call.claimed ?? await deps.idempotency.claim(scopeKey, fingerprint, DEFAULT_IDEMPOTENCY_LEASE_MS);
  } catch (error) {
    // Without the lease two instances could both reach the database; the record's primary key
    // would still let only one effect commit, but the fast path is part of the contract: fail
    // closed, say so.
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
  let decided: Decision;
  try {
    decided = await deps.uow.transaction(async (_repo, tx) => {
      const result = await call.execute();
      const outcome = serializeOutcome(call.kind, result);
      if (tx.rollbackOnly) throw refusalOf(call, result, outcome);
      return saveRecord(call, result, outcome);
    }, { nested: 'join' }).catch((error: unknown) => {
      // The refusal's partial writes are rolled back and it has no effect to keep: record it alone.
      if (error instanceof RolledBackRefusal) return deps.uow.transaction(() => saveRecord(call, error.result, error.outcome));
      throw error;
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

/** Inserts the record of an outcome inside the running transaction; a live record of the scope → RecordConflict. */
async function saveRecord(call: IdempotentCall, result: unknown, outcome: string): Promise<Decision> {
  const { deps } = call;
  const createdAt = deps.now();
  const saved = await deps.idempotencyRecords.save({
    scopeKey: call.scopeKey, fingerprint: call.fingerprint, outcome, createdAt: new Date(createdAt), expiresAt: new Date(createdAt + deps.idempotencyTtlMs),
  });
  if (saved === 'conflict') throw new RecordConflict();
  deps.faults?.beforeCommit?.(call.field);
  return { kind: 'executed', result, outcome };
}

/**
 * The signal that rolls back a rollback-only transaction so its refusal can be recorded alone.
 * Only a payload with userErrors and no entity is a refusal; anything else means a nested
 * failure was swallowed, and recording it would replay an outcome whose effect never committed.
 */
function refusalOf(call: IdempotentCall, result: unknown, outcome: string): Error {
  const { entity, userErrors } = parseOutcome(outcome);
  if (entity === null && userErrors.length > 0) return new RolledBackRefusal(result, outcome);
  return new Error(`@idempotent: a nested transaction of ${call.field} failed, yet it returned no refusal; rolled back, not recorded`);
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
