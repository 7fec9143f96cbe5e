/**
 * Durable idempotency records in process memory, written in the transactions of a
 * {@link MemoryTransactionRunner}: a record and the in-memory effect it guards stand or fall
 * together. "Durable" here means as long as the process: enough for a server whose data is in
 * memory too (a record outlives any loss of the fast-path cache, e.g. a Redis FLUSHALL), never
 * for one with a database, whose records must live in that database (`@signet/idempotency-postgres`).
 */
import type { IdempotencyRecord, IdempotencyRecordStore } from './idempotency-record-store';
import type { MemoryTransactionRunner } from './memory-transaction-runner';

/** The memory record store: the port, plus its size for tests and bounds. */
export interface MemoryIdempotencyRecordStore extends IdempotencyRecordStore {
  /** Records held, expired ones included until purged. */
  size(): number;
}

/** Creates the record store over `transactions`; `save` registers its undo with the running transaction. */
export function createMemoryIdempotencyRecordStore(transactions: MemoryTransactionRunner): MemoryIdempotencyRecordStore {
  const records = new Map<string, IdempotencyRecord>();
  return {
    async find(scopeKey, now) {
      const record = records.get(scopeKey);
      return record !== undefined && record.expiresAt > now ? record : null;
    },

    /** Transactions run one at a time, so no uncommitted record of another can be in the way. */
    async save(record) {
      const previous = records.get(record.scopeKey);
      if (previous !== undefined && previous.expiresAt > record.createdAt) return 'conflict';
      records.set(record.scopeKey, record);
      transactions.onRollback(() => {
        if (previous === undefined) records.delete(record.scopeKey);
        else records.set(record.scopeKey, previous);
      });
      return 'saved';
    },

    async purgeExpired(now, limit) {
      if (!Number.isSafeInteger(limit) || limit <= 0) throw new RangeError('limit must be a positive integer');
      let purged = 0;
      for (const [scopeKey, record] of records) {
        if (purged === limit) break;
        if (record.expiresAt <= now) {
          records.delete(scopeKey);
          purged += 1;
        }
      }
      return purged;
    },

    async hasLive(now) {
      for (const record of records.values()) if (record.expiresAt > now) return true;
      return false;
    },

    size: () => records.size,
  };
}
