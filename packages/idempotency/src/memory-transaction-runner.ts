/**
 * Transactions over in-process state: the `TransactionRunner` port for a host whose data lives
 * in memory (examples, tests, a prototype), so an idempotency record commits with the effect it
 * guards. A host with a database implements the port over its own unit of work instead.
 *
 * One transaction runs at a time (a queue), as in an embedded database. A change made inside one
 * registers how to undo it (`onRollback`); when the work throws, the changes are undone newest
 * first. A transaction opened inside another joins it flat (found through AsyncLocalStorage, so
 * concurrent callers never see each other's). Outside any transaction a change simply stands.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { TransactionRunner, TransactionState } from './transaction-runner';

/** The memory runner: the port, plus the undo log its callers write to. */
export interface MemoryTransactionRunner extends TransactionRunner {
  /** Registers how to undo a change just made; a no-op outside a transaction. */
  onRollback(undo: () => void): void;
}

/** Creates a {@link MemoryTransactionRunner}: all of a transaction's changes stand, or none. */
export function createMemoryTransactionRunner(): MemoryTransactionRunner {
  const current = new AsyncLocalStorage<Array<() => void>>();
  let queue: Promise<unknown> = Promise.resolve();

  const run = async <T>(work: (tx: TransactionState) => Promise<T>): Promise<T> => {
    const undo: Array<() => void> = [];
    try {
      return await current.run(undo, () => work({ rollbackOnly: false }));
    } catch (error) {
      for (const step of undo.reverse()) step();
      throw error;
    }
  };

  return {
    runInTransaction(work) {
      // Nested: joins the running transaction; its changes are undone with it.
      if (current.getStore() !== undefined) return work({ rollbackOnly: false });
      const next = queue.then(() => run(work));
      queue = next.catch(() => undefined);
      return next;
    },
    onRollback(undo) {
      current.getStore()?.push(undo);
    },
  };
}
