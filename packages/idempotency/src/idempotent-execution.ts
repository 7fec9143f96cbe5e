import type { IdempotencyRecord, IdempotencyRecordStore } from './idempotency-record-store';
import { DEFAULT_IDEMPOTENCY_LEASE_MS, type IdempotencyStore } from './idempotency-store';
import type { OutcomeCodec } from './outcome-codec';
import type { TransactionRunner } from './transaction-runner';

/** Longest retry hint given to a concurrent duplicate, in seconds. */
const IN_PROGRESS_POLL_SECONDS = 1;

/**
 * Test-only crash points: called with the field name just before the durable record commits
 * with the effect, and just after the commit, before the answer. Crash tests make them kill
 * the process; a host never sets them in production.
 */
export interface IdempotencyFaults {
  beforeCommit?(field: string): void;
  afterCommit?(field: string): void;
}

/** The host's errors for the refusals of the executor; each is thrown as is, nothing having run. */
export interface IdempotencyErrors {
  /** The fast-path store failed: nothing ran, retry later with the same key. */
  unavailable(): Error;
  /** The key was already used for `field` with other arguments. */
  keyReused(field: string): Error;
  /** A call with this key is executing right now; retry after `retryAfterSeconds`. */
  inProgress(field: string, retryAfterSeconds: number): Error;
  /**
   * The transaction runner itself failed, not the call (connecting, BEGIN, COMMIT): its error, in
   * the driver's words, is the host's log's, never the client's. Defaults to `unavailable()`. A
   * host whose own error formatting classifies driver errors (a COMMIT whose outcome is unknown,
   * say) may return `error` as it is.
   */
  transactionFailed?(error: unknown): Error;
}

/**
 * What happened to a call, for the host's metrics and logs (reported through `onEvent`). The
 * first four are outcomes; the rest are diagnostics of the fast path, which never change the
 * answer. None carries the call's arguments.
 */
export type IdempotencyEvent =
  | { readonly kind: 'executed' }
  | { readonly kind: 'replayed'; readonly source: 'cache' | 'durable' }
  | { readonly kind: 'key_reused'; readonly source: 'cache' | 'durable' }
  | { readonly kind: 'in_progress' }
  /** The claim failed: the call is refused with `errors.unavailable()`. */
  | { readonly kind: 'store_unavailable'; readonly error: unknown }
  /** A durable record's read or insert failed: nothing of the call committed, and it is refused with `errors.unavailable()`. */
  | { readonly kind: 'records_unavailable'; readonly error: unknown }
  /** The transaction runner failed (connecting, BEGIN, COMMIT): the call is refused with `errors.transactionFailed(error)`. */
  | { readonly kind: 'transaction_failed'; readonly error: unknown }
  /** A fast-path write after the decision failed; the durable record still decides. */
  | { readonly kind: 'store_write_failed'; readonly operation: 'complete' | 'release' | 'remember'; readonly error: unknown }
  /** Another execution committed its record first; its outcome is replayed. */
  | { readonly kind: 'record_conflict' }
  /** The lease expired before completion, so the outcome was not cached. */
  | { readonly kind: 'lease_lost' };

/** What an executor is built over (once per server). */
export interface IdempotentExecutorOptions {
  /** Durable records, committed with the effect: the authority. */
  readonly records: IdempotencyRecordStore;
  /** Runs the effect and the record's insert in one transaction. */
  readonly transactions: TransactionRunner;
  /** How long a completed outcome is kept, in ms (in the record and the cache). */
  readonly retentionMs: number;
  /** Lease of an in-progress claim, in ms. Defaults to {@link DEFAULT_IDEMPOTENCY_LEASE_MS}. */
  readonly leaseMs?: number;
  /** Clock in ms since the epoch. Defaults to `Date.now`. */
  readonly now?: () => number;
  /**
   * When an acquired claim reads the durable record before executing (and replays it if found):
   * - `'when-incomplete'` (default): only while the store's view is not complete for the
   *   retention window (`completeSinceMs > now - retentionMs`, or the store did not say), i.e.
   *   during the first retention window after the store started empty (FLUSHALL, a restart, a
   *   new memory store). Afterwards an acquired claim means no live outcome exists: no lookup.
   * - `'always'`: before every execution, one indexed read more per call; for a fast path that
   *   may drop single entries while keeping its marker (Redis under an evicting
   *   `maxmemory-policy`, a store of your own that cannot tell).
   */
  readonly lookupRecordFirst?: 'when-incomplete' | 'always';
  readonly errors: IdempotencyErrors;
  /** TEST ONLY crash points. */
  readonly faults?: IdempotencyFaults;
}

/** One keyed call. */
export interface IdempotentCall {
  /** The fast path to claim with (shared, or a request-scoped wrapper that already holds the claim). */
  readonly store: IdempotencyStore;
  /** From `idempotencyScopeKey`. */
  readonly scopeKey: string;
  /** From `fingerprintArguments` of the call's arguments. */
  readonly fingerprint: string;
  /** The operation's name, for errors and fault hooks (e.g. the mutation field). */
  readonly field: string;
  /** Runs the effect, once at most per decision. */
  readonly execute: () => Promise<unknown>;
  /** Encodes this call's results and replays stored outcomes. */
  readonly codec: OutcomeCodec;
  /** Told what happened, for metrics and logs. */
  readonly onEvent?: (event: IdempotencyEvent) => void;
}

/** The answer: the effect's own result, or a replay of the committed one. */
export type IdempotentResult = { readonly kind: 'executed' | 'replayed'; readonly value: unknown };

/** Executes keyed calls at most once per scope; see {@link createIdempotentExecutor}. */
export type IdempotentExecutor = (call: IdempotentCall) => Promise<IdempotentResult>;

/** Thrown inside the transaction to roll back an effect whose record lost the race to another execution. */
class RecordConflict extends Error {}

/** Thrown inside the transaction when the record's insert failed (its `cause`): rolled back, answered as unavailable. */
class RecordsFailure extends Error {
  constructor(override readonly cause: unknown) {
    super('the idempotency record could not be saved');
  }
}

/** Thrown out of the effect's transaction to roll back a refusal (a nested transaction failed) before recording it. */
class RolledBackRefusal extends Error {
  constructor(readonly result: unknown, readonly outcome: string) {
    super('refusal rolled back before it is recorded');
  }
}

type Decision = { kind: 'found'; record: IdempotencyRecord } | { kind: 'executed'; result: unknown; outcome: string };

/**
 * Builds the executor: each keyed call runs at most once per scope, or its outcome is replayed.
 *
 * 1. Fast path: `claim` answers completed → replay, mismatch → `keyReused`, in progress →
 *    `inProgress`; acquired → go on. A store that throws fails closed: nothing runs.
 *    Acquired while the store's view is incomplete (it lost its data less than a retention ago,
 *    see `lookupRecordFirst`): read the durable record first; found → `remember` it and replay
 *    (or `keyReused`), without running the effect. This is what makes a call execute once across
 *    a FLUSHALL or a restart, not just commit once.
 * 2. Durable path, one transaction: BEGIN, effect, INSERT record, COMMIT: one statement more
 *    than the bare effect (no lock, no savepoint; no lookup once the store's view is complete). Still exactly-once under READ
 *    COMMITTED: an effect commits only with a record its own `save` inserted, and the record's
 *    primary key lets one live record per scope commit (the record port's doc has the argument).
 *    - Concurrent duplicates past the cache: the later insert waits until the earlier
 *      transaction ends; committed → 'conflict' → RecordConflict rolls the later effect back
 *      and the winner, read after the rollback, is replayed; rolled back → the later one saves.
 *    - A retry the lookup of step 1 did not catch (the cache lost an outcome its marker does
 *      not account for: eviction, a lease that expired mid-call, a `complete` that failed): the
 *      effect runs, its insert conflicts at once, it rolls back, and the record is replayed. It
 *      ran twice; it committed once.
 *    - Nested transactions join this one flat. A refusal (a nested failure turned into a
 *      result) leaves it rollback-only: roll it all back, then record the refusal in a second,
 *      short transaction (a conflict there replays the winner, as above). A refusal has no
 *      effect to keep, so recording it after the rollback keeps the guarantee; a crash in
 *      between only lets the retry execute.
 * 3. After commit: cache the outcome; on a durable replay, re-populate the cache.
 */
export function createIdempotentExecutor(options: IdempotentExecutorOptions): IdempotentExecutor {
  const { records, transactions, retentionMs, errors, faults } = options;
  const now = options.now ?? Date.now;
  const leaseMs = options.leaseMs ?? DEFAULT_IDEMPOTENCY_LEASE_MS;
  const lookupAlways = options.lookupRecordFirst === 'always';
  if (options.lookupRecordFirst !== undefined && !lookupAlways && options.lookupRecordFirst !== 'when-incomplete') {
    throw new RangeError(`lookupRecordFirst must be 'when-incomplete' or 'always', got ${String(options.lookupRecordFirst)}`);
  }

  /**
   * Whether the store may have forgotten a live outcome of this scope: it started empty less than
   * a retention ago (a record created before that start would still be live), or cannot say.
   */
  const viewIncomplete = (completeSinceMs: number | undefined): boolean =>
    lookupAlways || completeSinceMs === undefined || !(completeSinceMs <= now() - retentionMs);

  /** Inserts the record of an outcome inside the running transaction; a live record of the scope → RecordConflict. */
  const saveRecord = async (call: IdempotentCall, result: unknown, outcome: string): Promise<Decision> => {
    const createdAt = now();
    let saved: Awaited<ReturnType<IdempotencyRecordStore['save']>>;
    try {
      saved = await records.save({
        scopeKey: call.scopeKey, fingerprint: call.fingerprint, outcome, createdAt: new Date(createdAt), expiresAt: new Date(createdAt + retentionMs),
      });
    } catch (error) {
      throw new RecordsFailure(error);
    }
    if (saved === 'conflict') throw new RecordConflict();
    faults?.beforeCommit?.(call.field);
    return { kind: 'executed', result, outcome };
  };

  return async function executeIdempotent(call) {
    const { store, scopeKey, fingerprint } = call;
    const report = (event: IdempotencyEvent): void => call.onEvent?.(event);
    let claim;
    try {
      claim = await store.claim(scopeKey, fingerprint, leaseMs);
    } catch (error) {
      // Without the lease two instances could both reach the database; the record's primary key
      // would still let only one effect commit, but the fast path is part of the contract: fail
      // closed, say so.
      report({ kind: 'store_unavailable', error });
      throw errors.unavailable();
    }
    if (claim.kind === 'completed') return replay(call, claim.outcome, 'cache');
    if (claim.kind === 'mismatch') throw keyReused(call, 'cache');
    if (claim.kind === 'in_progress') {
      report({ kind: 'in_progress' });
      // A poll hint, not the lease: the first call usually finishes in milliseconds, while the
      // remaining lease (up to 10 s) only matters if its process died. Retrying sooner is harmless.
      throw errors.inProgress(call.field, Math.min(IN_PROGRESS_POLL_SECONDS, Math.max(1, Math.ceil(claim.retryAfterMs / 1000))));
    }

    const token = claim.token;
    /** Gives the key back (once): nothing of this call committed, so a retry runs. */
    let released = false;
    const releaseLease = async (): Promise<void> => {
      if (released) return;
      released = true;
      await quietly(call, 'release', () => store.release(scopeKey, token));
    };
    /** The record store failed: nothing of this call committed. Its driver's message is the host's log's, never the client's. */
    const recordsDown = async (error: unknown): Promise<never> => {
      await releaseLease();
      report({ kind: 'records_unavailable', error });
      throw errors.unavailable();
    };
    if (viewIncomplete(claim.completeSinceMs)) {
      let found: IdempotencyRecord | null;
      try {
        found = await records.find(scopeKey, new Date(now()));
      } catch (error) {
        return recordsDown(error);
      }
      if (found) return answerFromRecord(call, found, token);
    }

    let decided: Decision;
    // What the work inside a transaction threw (the call's own errors, the record's insert): any
    // other error came from the runner itself, and is not the call's to show.
    let thrownInside: { readonly error: unknown } | undefined;
    const inside = async <T>(work: () => Promise<T>): Promise<T> => {
      try {
        return await work();
      } catch (error) {
        thrownInside = { error };
        throw error;
      }
    };
    try {
      decided = await transactions.runInTransaction((tx) => inside(async () => {
        const result = await call.execute();
        const outcome = call.codec.encode(result);
        if (tx.rollbackOnly) throw refusalOf(call, result, outcome);
        return saveRecord(call, result, outcome);
      })).catch((error: unknown) => {
        // The refusal's partial writes are rolled back and it has no effect to keep: record it alone.
        if (error instanceof RolledBackRefusal) return transactions.runInTransaction(() => inside(() => saveRecord(call, error.result, error.outcome)));
        throw error;
      });
    } catch (error) {
      // Rolled back: nothing of this call was committed, so the key stays unused and a retry runs.
      if (error instanceof RecordsFailure) return recordsDown(error.cause);
      await releaseLease();
      if (thrownInside?.error !== error) {
        report({ kind: 'transaction_failed', error });
        throw errors.transactionFailed ? errors.transactionFailed(error) : errors.unavailable();
      }
      if (!(error instanceof RecordConflict)) throw error;
      let winner: IdempotencyRecord | null;
      try {
        winner = await records.find(scopeKey, new Date(now()));
      } catch (findError) {
        return recordsDown(findError);
      }
      // Expired between the conflict and this read (a retention shorter than a transaction): a retry runs anew.
      if (!winner) return recordsDown(new Error('the record that won the conflict expired before it could be read'));
      report({ kind: 'record_conflict' });
      decided = { kind: 'found', record: winner };
    }

    if (decided.kind === 'found') return answerFromRecord(call, decided.record, token);

    faults?.afterCommit?.(call.field);
    const stored = await quietly(call, 'complete', () => store.complete(scopeKey, token, fingerprint, decided.outcome, retentionMs));
    // Harmless: the lease expired during the call; the durable record still answers retries.
    if (stored === false) report({ kind: 'lease_lost' });
    report({ kind: 'executed' });
    return { kind: 'executed', value: decided.result };
  };

  /** Answers from a committed record, holding the lease `token`: re-caches it, then replays it or refuses the other fingerprint. */
  async function answerFromRecord(call: IdempotentCall, record: IdempotencyRecord, token: string): Promise<IdempotentResult> {
    const { store, scopeKey } = call;
    // The durable record is the truth: put it back in the cache (replacing our lease), so the
    // next duplicate is answered without a transaction.
    const remainingMs = record.expiresAt.getTime() - now();
    if (remainingMs > 0) await quietly(call, 'remember', () => store.remember(scopeKey, record.fingerprint, record.outcome, remainingMs));
    else await quietly(call, 'release', () => store.release(scopeKey, token));
    if (record.fingerprint !== call.fingerprint) throw keyReused(call, 'durable');
    return replay(call, record.outcome, 'durable');
  }

  /** The replayed result, reported as such. */
  async function replay(call: IdempotentCall, outcome: string, source: 'cache' | 'durable'): Promise<IdempotentResult> {
    const value = await call.codec.replay(outcome);
    call.onEvent?.({ kind: 'replayed', source });
    return { kind: 'replayed', value };
  }

  function keyReused(call: IdempotentCall, source: 'cache' | 'durable'): Error {
    call.onEvent?.({ kind: 'key_reused', source });
    return errors.keyReused(call.field);
  }
}

/**
 * The signal that rolls back a rollback-only transaction so its refusal can be recorded alone.
 * Only a refusal (by the codec) qualifies; anything else means a nested failure was swallowed,
 * and recording it would replay an outcome whose effect never committed.
 */
function refusalOf(call: IdempotentCall, result: unknown, outcome: string): Error {
  if (call.codec.isRefusal(outcome)) return new RolledBackRefusal(result, outcome);
  return new Error(`idempotent ${call.field}: a nested transaction failed, yet it returned no refusal; rolled back, not recorded`);
}

/**
 * Runs a fast-path write whose failure must not change the answer: after a commit the effect
 * happened and the client must hear so; the cache only saves work. Reported, never thrown.
 */
async function quietly<T>(call: IdempotentCall, operation: 'complete' | 'release' | 'remember', work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    call.onEvent?.({ kind: 'store_write_failed', operation, error });
    return undefined;
  }
}
