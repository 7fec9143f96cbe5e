/**
 * The example's durable idempotency records meet `@signet/idempotency`'s record-store contract,
 * with its in-memory transactions: the same suite the PostgreSQL adapter passes.
 */
import { defineIdempotencyRecordStoreContract } from '@signet/idempotency/testing';
import { MemoryIdempotencyRecords } from '../src/idempotency-records';
import { MemoryTransactions } from '../src/transactions';

defineIdempotencyRecordStoreContract('payments example (memory records, memory transactions)', async () => {
  const transactions = new MemoryTransactions();
  const effects = new Set<string>();
  return {
    store: new MemoryIdempotencyRecords(transactions),
    transaction: (work) => transactions.runInTransaction(() => work()),
    effect: {
      async write(id) {
        effects.add(id);
        transactions.onRollback(() => effects.delete(id));
      },
      exists: async (id) => effects.has(id),
    },
    close: async () => undefined,
  };
});
