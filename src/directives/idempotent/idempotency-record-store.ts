/**
 * The durable port of `@idempotent`: the authoritative record of each completed idempotent call.
 *
 * The fast-path `IdempotencyStore` (Redis or memory) may forget anything at any time; this
 * record may not. It is written in the SAME database transaction as the mutation's effect, so
 * either both commit or neither does: a lost cache or a process killed mid-request can never
 * lead to a second execution, and a rolled-back effect never leaves a record that would replay
 * an outcome that did not happen.
 *
 * Intended use inside one transaction (READ COMMITTED, the PostgreSQL default):
 *
 * ```
 *   lock(scope) -> find(scope, now) -> record?  replay it (and `remember` it in the fast path)
 *                                   -> none?    execute the effect, save(record), commit
 * ```
 */

/** A completed idempotent call as stored durably. */
export interface IdempotencyRecord {
  /** The scope, as built by `idempotencyScopeKey` (account, mutation field, client key). */
  scopeKey: string;
  /** Fingerprint of the arguments the call executed with; another fingerprint is a key reuse. */
  fingerprint: string;
  /** The outcome to replay: opaque JSON, produced and parsed by the directive. */
  outcome: string;
  /** When the call completed; also the instant `save` uses to decide whether an old record has expired. */
  createdAt: Date;
  /** From this instant on the record is expired: not found, replaceable, purgeable. */
  expiresAt: Date;
}

/**
 * Durable idempotency records. `lock` and `save` must run inside the same transaction as the
 * effect (adapters are built over the unit of work's ambient executor, so "inside" means inside
 * `uow.transaction(...)`); `find` may run anywhere.
 */
export interface IdempotencyRecordStore {
  /**
   * Serializes executions of `scopeKey` across processes until the enclosing transaction ends
   * (commit or rollback), even when the fast-path store is gone. After the lock, `find` sees
   * the record of any execution that committed before, so at most one execution per key saves.
   *
   * Must be called inside a transaction, before `find`: outside one, the lock would be released
   * as soon as it is taken (adapters that can tell reject that call). Hash collisions between
   * different keys only make them wait for each other, never share a record.
   */
  lock(scopeKey: string): Promise<void>;

  /** The record for scopeKey if present and not expired at `now` (`expiresAt > now`). */
  find(scopeKey: string, now: Date): Promise<IdempotencyRecord | null>;

  /**
   * Inserts the record. Returns 'conflict' (and writes nothing) when a record for scopeKey is
   * still live at `record.createdAt`: another execution won the race, so the caller must roll
   * back its effect and replay the winner's record instead. An expired record is replaced.
   */
  save(record: IdempotencyRecord): Promise<'saved' | 'conflict'>;

  /**
   * Deletes records expired at `now`, at most `limit` (a positive integer) rows, so a purge
   * never holds a long transaction; call it repeatedly until it returns less than `limit`.
   * Returns how many rows it deleted.
   */
  purgeExpired(now: Date, limit: number): Promise<number>;
}
