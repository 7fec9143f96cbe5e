/**
 * Transactions over the example's in-memory state: the `TransactionRunner` port of
 * `@signet/idempotency`, which commits an idempotency record together with the effect it guards.
 *
 * One transaction runs at a time (a queue), as in an embedded database. A change made inside one
 * registers how to undo it (`onRollback`); when the work throws, the changes are undone newest
 * first. A transaction opened inside another joins it (found through AsyncLocalStorage, so
 * concurrent requests never see each other's). Outside any transaction a change simply stands.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { TransactionRunner, TransactionState } from '@signet/idempotency';

/** The undo log of the running transaction. */
interface Transaction {
  readonly undo: Array<() => void>;
}

/** A transaction runner over in-memory state that registers its own undo actions. */
export class MemoryTransactions implements TransactionRunner {
  readonly #current = new AsyncLocalStorage<Transaction>();
  #queue: Promise<unknown> = Promise.resolve();

  /** Runs `work` in a transaction (joining the running one, if any): all of its changes stand, or none. */
  async runInTransaction<T>(work: (tx: TransactionState) => Promise<T>): Promise<T> {
    if (this.#current.getStore() !== undefined) return work({ rollbackOnly: false });
    const run = this.#queue.then(() => this.#run(work));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Registers how to undo a change just made; a no-op outside a transaction. */
  onRollback(undo: () => void): void {
    this.#current.getStore()?.undo.push(undo);
  }

  async #run<T>(work: (tx: TransactionState) => Promise<T>): Promise<T> {
    const tx: Transaction = { undo: [] };
    try {
      return await this.#current.run(tx, () => work({ rollbackOnly: false }));
    } catch (error) {
      for (const undo of tx.undo.reverse()) undo();
      throw error;
    }
  }
}
