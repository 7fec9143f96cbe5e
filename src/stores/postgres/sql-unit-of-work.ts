import { AsyncLocalStorage } from 'node:async_hooks';
import type { IdempotencyRecordStore } from '@signet/idempotency';
import { createSqlIdempotencyRecordStore } from '@signet/idempotency-postgres';
import { CommitOutcomeUnknownError, type OrderBookReader, type TransactionScope, type UnitOfWork } from '../../domain';
import { transactionsNeverOverlap, type SqlDriver, type SqlExecutor } from './sql-driver';
import { createSqlOrderBook } from './sql-order-book';
import { createSqlTradingRepository } from './sql-trading-repository';
import { withSerializedKeyHolds } from './serialized-key-holds';

/** The open transaction of this async context. */
interface Ambient {
  readonly tx: SqlExecutor;
  /** How nested calls run, chosen by the top-level call. */
  readonly nested: 'savepoint' | 'join';
  savepoints: number;
  /** Set when a joined nested call failed: the transaction may run no statement and never commit. */
  rollbackOnly: boolean;  /** Run in order once the top-level transaction committed (TransactionScope.afterCommit). */
  readonly afterCommit: Array<() => Promise<void>>;
}

/** The SQL stores that must share one ambient transaction. */
export interface SqlStores {
  /** The unit of work; its transactions are the ones the other stores join. */
  readonly uow: UnitOfWork;
  /** Durable idempotency records, written in the transaction of `uow` that is running. */
  readonly idempotencyRecords: IdempotencyRecordStore;
  /** Best resting prices, for the embedded price source. */
  readonly orderBook: OrderBookReader;
}

/** How createSqlStores reports what cannot change a call's answer. */
export interface SqlStoresOptions {
  /** Rows a filtered history listing reads per page (history-scan.ts HISTORY_SCAN_ROWS); smaller in tests. */
  readonly historyScanRows?: number;
  /**
   * Told of a task after a commit that failed (TransactionScope.afterCommit): the call itself
   * resolves with its committed result. Default: a process warning.
   */
  readonly onAfterCommitFailure?: (error: unknown) => void;
  /**
   * How long after a COMMIT whose outcome is unknown its afterCommit tasks run a second time. The
   * client may have given up (its read timeout) while PostgreSQL was still committing, so the
   * commit can become visible after the first run. Default 10 s: past the statement timeout (5 s)
   * and the client's wait for an answer (2 s more); a commit later still is left to what the tasks
   * cover anyway (a key version's 60 s maximum age).
   */
  readonly commitSettleMs?: number;
}

/** See SqlStoresOptions.commitSettleMs. */
const COMMIT_SETTLE_MS = 10_000;

/**
 * Builds the unit of work and every store that must join its transactions. The open
 * transaction travels in AsyncLocalStorage, so a nested `transaction()` (a service called by
 * the idempotency layer) runs inside the outer one: as a savepoint by default, or joined flat
 * when the top-level call chose `nested: 'join'` (see `TransactionOptions`). Reads made inside
 * a transaction use its connection: that is how an idempotency record commits with its effect.
 */
export function createSqlStores(driver: SqlDriver, options: SqlStoresOptions = {}): SqlStores {
  const onAfterCommitFailure = options.onAfterCommitFailure
    ?? ((error: unknown) => process.emitWarning(`a task after a commit failed: ${error instanceof Error ? error.message : String(error)}`));
  const commitSettleMs = options.commitSettleMs ?? COMMIT_SETTLE_MS;
  const ambient = new AsyncLocalStorage<Ambient>();
  const current: SqlExecutor = {
    query: (text, params, options) => {
      const open = ambient.getStore();
      if (open?.rollbackOnly) return Promise.reject(new Error('transaction is rollback-only (a joined nested transaction failed); no statement may run in it'));
      return (open?.tx ?? driver).query(text, params, options);
    },
  };
  const sqlRepo = createSqlTradingRepository(current, { historyScanRows: options.historyScanRows });
  // Serialized transactions (PGlite) hold keys in memory: serialized-key-holds.ts.
  const repo = transactionsNeverOverlap(driver) ? withSerializedKeyHolds(sqlRepo, driver) : sqlRepo;
  const scopeOf = (open: Ambient): TransactionScope => ({
    get rollbackOnly() { return open.rollbackOnly; },
    afterCommit: (task) => { open.afterCommit.push(task); },
  });

  const uow: UnitOfWork = {
    repo,
    async transaction(work, options) {
      const outer = ambient.getStore();
      if (!outer) {
        const afterCommit: Array<() => Promise<void>> = [];
        // Outside the ambient transaction: a task's reads and writes are its own. A failed task is
        // reported, the others still run, and the call answers what committed (a rejection would
        // tell the caller, and the idempotency runner, that nothing did).
        const runAfterCommit = async () => {
          for (const task of afterCommit) {
            try {
              await task();
            } catch (error) {
              onAfterCommitFailure(error);
            }
          }
        };
        let result: Awaited<ReturnType<typeof work>>;
        try {
          result = await driver.begin((tx) => {
            const open: Ambient = { tx, nested: options?.nested ?? 'savepoint', savepoints: 0, rollbackOnly: false, afterCommit };
            return ambient.run(open, async () => {
              const result = await work(repo, scopeOf(open));
              // Committing now would keep the failed call's partial writes: roll back instead.
              if (open.rollbackOnly) throw new Error('a joined nested transaction failed, so this transaction was rolled back, not committed');
              return result;
            });
          });
        } catch (error) {
          // The COMMIT may have taken effect: the tasks run as after a commit (each must be
          // harmless if it did not, and if it runs twice), then the caller learns the outcome is unknown. A revocation
          // that committed unseen must still renew its key's shared version, or other processes
          // keep the revoked key's material for reads until its maximum age.
          if (error instanceof CommitOutcomeUnknownError) {
            await runAfterCommit();
            // And again once a COMMIT still under way when the connection gave up has landed.
            if (afterCommit.length > 0) setTimeout(() => void runAfterCommit(), commitSettleMs).unref();
          }
          throw error;
        }
        await runAfterCommit();
        return result;
      }
      if (options?.nested && options.nested !== outer.nested) {
        throw new Error(`a nested transaction cannot switch to nested: '${options.nested}'; the top-level transaction chose '${outer.nested}'`);
      }
      if (outer.nested === 'join') {
        try {
          return await work(repo, scopeOf(outer));
        } catch (error) {
          outer.rollbackOnly = true;
          throw error;
        }
      }
      const name = `sp_${++outer.savepoints}`;
      await outer.tx.query(`SAVEPOINT ${name}`);
      try {
        const result = await work(repo, scopeOf(outer));
        await outer.tx.query(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (error) {
        await outer.tx.query(`ROLLBACK TO SAVEPOINT ${name}`);
        throw error;
      }
    },
  };

  return { uow, idempotencyRecords: createSqlIdempotencyRecordStore(current), orderBook: createSqlOrderBook(current) };
}

/** Unit of work over a SQL driver (see {@link createSqlStores} for how transactions nest). */
export function createSqlUnitOfWork(driver: SqlDriver): UnitOfWork {
  return createSqlStores(driver).uow;
}
