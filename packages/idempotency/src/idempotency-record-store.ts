/**
 * The durable port of idempotent execution: the authoritative record of each completed call.
 *
 * The fast-path `IdempotencyStore` (Redis or memory) may forget anything at any time; this
 * record may not. It is written in the SAME database transaction as the mutation's effect, so
 * either both commit or neither does: a lost cache or a process killed mid-request can never
 * lead to a second committed execution, and a rolled-back effect never leaves a record that
 * would replay an outcome that did not happen.
 *
 * Intended use inside one transaction (READ COMMITTED, the PostgreSQL default):
 *
 * ```
 *   execute the effect -> save(record) -> 'saved'?    commit: effect and record together
 *                                      -> 'conflict'? roll back the effect, then find(scope)
 *                                                     after the rollback and replay that record
 * ```
 *
 * No lock and no lookup come first: the record's primary key decides. That stays exactly-once:
 *
 * - An effect commits only in the transaction whose `save` returned 'saved', and only one live
 *   record per scope can commit, so at most one effect per key commits within its retention.
 * - Concurrent duplicates (the fast path lost, or a lease that expired mid-call): both run their
 *   effect; the second `save` waits on the key until the first transaction ends. First
 *   committed: 'conflict' (the upsert looks at the latest committed row, not its snapshot), so
 *   the second rolls back and replays the first. First rolled back: the second saves and is
 *   the only one. (`save` is the last statement of both: the transaction waited for has run
 *   its whole effect and waits for nothing else, so this wait adds no lock cycle.)
 * - A retry after the fast path forgot a committed outcome: while the store's view is young
 *   (it says since when it is complete) the executor calls `find` first and replays, running
 *   nothing. Otherwise (a loss the store could not tell: a lease that expired mid-call) its
 *   effect runs, `save` conflicts at once, the effect rolls back, the committed record is
 *   replayed. Nothing commits twice; the cost is a wasted execution on that rare path instead of
 *   a lookup on every call.
 *   A refusal of that re-execution (e.g. INSUFFICIENT_FUNDS, the original having used the
 *   funds) has no effect to keep, so the executor may `save` it in a transaction of its own
 *   after rolling back; that `save` conflicts too and the original is replayed.
 */

/** A completed idempotent call as stored durably. */
export interface IdempotencyRecord {
  /** The scope, as built by `idempotencyScopeKey` (scope, mutation field, client key). */
  scopeKey: string;
  /** Fingerprint of the arguments the call executed with; another fingerprint is a key reuse. */
  fingerprint: string;
  /** The outcome to replay: opaque text, produced and read by the host's `OutcomeCodec`. */
  outcome: string;
  /** When the call completed; also the instant `save` uses to decide whether an old record has expired. */
  createdAt: Date;
  /** From this instant on the record is expired: not found, replaceable, purgeable. */
  expiresAt: Date;
}

/**
 * Durable idempotency records. `save` must run inside the same transaction as the effect
 * (adapters are built over the host's ambient executor, so "inside" means inside the
 * `TransactionRunner`'s `runInTransaction(...)`); `find` may run anywhere.
 */
export interface IdempotencyRecordStore {
  /** The record for scopeKey if present and not expired at `now` (`expiresAt > now`). */
  find(scopeKey: string, now: Date): Promise<IdempotencyRecord | null>;

  /**
   * Inserts the record. Returns 'conflict' (and writes nothing) when a record for scopeKey is
   * still live at `record.createdAt`: another execution won the race, so the caller must roll
   * back its effect and replay the winner's record instead. An expired record is replaced.
   * When another transaction holds an uncommitted record of scopeKey, waits until it ends and
   * answers by its outcome: the only arbiter of the race, so no lock needs to come first.
   */
  save(record: IdempotencyRecord): Promise<'saved' | 'conflict'>;

  /**
   * Deletes records expired at `now`, at most `limit` (a positive integer) rows, so a purge
   * never holds a long transaction; call it repeatedly until it returns less than `limit`.
   * Returns how many rows it deleted.
   */
  purgeExpired(now: Date, limit: number): Promise<number>;

  /**
   * Whether any record is live at `now` (`expiresAt > now`), committed ones as the caller's
   * transaction (or none) sees them. A host asks it at start-up: with no live record, a fast-path
   * store that has seen nothing yet has missed nothing (see `declareCompleteIfNoLiveRecords`).
   */
  hasLive(now: Date): Promise<boolean>;
}
