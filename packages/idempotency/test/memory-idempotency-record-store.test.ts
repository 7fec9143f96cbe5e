/**
 * The memory record store and transaction runner meet the record-store contract, the same suite
 * the PostgreSQL adapter passes; the effect is a set whose writes register their undo.
 */
import { createMemoryIdempotencyRecordStore, createMemoryTransactionRunner } from '../src';
import { defineIdempotencyRecordStoreContract } from '../src/testing';

defineIdempotencyRecordStoreContract('memory records over memory transactions', async () => {
  const transactions = createMemoryTransactionRunner();
  const effects = new Set<string>();
  return {
    store: createMemoryIdempotencyRecordStore(transactions),
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

describe('memory transaction runner', () => {
  test('a nested transaction joins the running one: its changes are undone with it, newest first', async () => {
    const transactions = createMemoryTransactionRunner();
    const log: string[] = [];
    await expect(transactions.runInTransaction(async () => {
      log.push('a');
      transactions.onRollback(() => log.push('undo a'));
      await transactions.runInTransaction(async () => {
        log.push('b');
        transactions.onRollback(() => log.push('undo b'));
      });
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(log).toEqual(['a', 'b', 'undo b', 'undo a']);
  });

  test('top-level transactions run one at a time, and a failed one does not stop the queue', async () => {
    const transactions = createMemoryTransactionRunner();
    const order: string[] = [];
    const slow = transactions.runInTransaction(async () => { order.push('slow start'); await new Promise((r) => setTimeout(r, 20)); order.push('slow end'); throw new Error('x'); });
    const fast = transactions.runInTransaction(async () => { order.push('fast'); return 1; });
    await expect(slow).rejects.toThrow('x');
    await expect(fast).resolves.toBe(1);
    expect(order).toEqual(['slow start', 'slow end', 'fast']);
  });
});
