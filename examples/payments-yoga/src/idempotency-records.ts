/**
 * The durable idempotency records of the example, in memory beside the payments, and written in the
 * same transactions (`MemoryTransactions`): a record and the payment it guards stand or fall
 * together. They live as long as the server process, which is what makes a key hold across a
 * FLUSHALL of the Redis that caches outcomes. A server with a database uses
 * `@signet/idempotency-postgres` (or its own adapter of the port) instead.
 */
import type { IdempotencyRecord, IdempotencyRecordStore } from '@signet/idempotency';
import type { MemoryTransactions } from './transactions';

/** The `IdempotencyRecordStore` port over a map, joining the running memory transaction. */
export class MemoryIdempotencyRecords implements IdempotencyRecordStore {
  readonly #records = new Map<string, IdempotencyRecord>();

  constructor(private readonly transactions: MemoryTransactions) {}

  async find(scopeKey: string, now: Date): Promise<IdempotencyRecord | null> {
    const record = this.#records.get(scopeKey);
    return record !== undefined && record.expiresAt > now ? record : null;
  }

  /** Transactions run one at a time, so no uncommitted record of another can be in the way. */
  async save(record: IdempotencyRecord): Promise<'saved' | 'conflict'> {
    const previous = this.#records.get(record.scopeKey);
    if (previous !== undefined && previous.expiresAt > record.createdAt) return 'conflict';
    this.#records.set(record.scopeKey, record);
    this.transactions.onRollback(() => {
      if (previous === undefined) this.#records.delete(record.scopeKey);
      else this.#records.set(record.scopeKey, previous);
    });
    return 'saved';
  }

  async purgeExpired(now: Date, limit: number): Promise<number> {
    if (!Number.isSafeInteger(limit) || limit <= 0) throw new RangeError('limit must be a positive integer');
    let purged = 0;
    for (const [scopeKey, record] of this.#records) {
      if (purged === limit) break;
      if (record.expiresAt <= now) {
        this.#records.delete(scopeKey);
        purged += 1;
      }
    }
    return purged;
  }
}
