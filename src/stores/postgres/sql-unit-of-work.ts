import { AsyncLocalStorage } from 'node:async_hooks';
import type { IdempotencyRecordStore } from '../../directives/idempotent';
import type { OrderBookReader, UnitOfWork } from '../../domain';
import type { SqlDriver, SqlExecutor } from './sql-driver';
import { createSqlIdempotencyRecordStore } from './sql-idempotency-record-store';
import { createSqlOrderBook } from './sql-order-book';
import { createSqlTradingRepository } from './sql-trading-repository';

interface Ambient { readonly tx: SqlExecutor; savepoints: number }

/** The SQL stores that must share one ambient transaction. */
export interface SqlStores {
  /** The unit of work; its transactions are the ones the other stores join. */
  readonly uow: UnitOfWork;
  /** Durable idempotency records, written in the transaction of `uow` that is running. */
  readonly idempotencyRecords: IdempotencyRecordStore;
  /** Best resting prices, for the embedded price source. */
  readonly orderBook: OrderBookReader;
}

/**
 * Builds the unit of work and every store that must join its transactions. The open
 * transaction travels in AsyncLocalStorage, so a nested `transaction()` (a service called by
 * the idempotency layer) becomes a savepoint of the outer one, and reads made inside a
 * transaction use its connection: that is how an idempotency record commits with its effect.
 */
export function createSqlStores(driver: SqlDriver): SqlStores {
  const ambient = new AsyncLocalStorage<Ambient>();
  const current: SqlExecutor = {
    query: (text, params) => (ambient.getStore()?.tx ?? driver).query(text, params),
  };
  const repo = createSqlTradingRepository(current);
  const records = createSqlIdempotencyRecordStore(current);

  const uow: UnitOfWork = {
    repo,
    async transaction(work) {
      const outer = ambient.getStore();
      if (!outer) return driver.begin((tx) => ambient.run({ tx, savepoints: 0 }, () => work(repo)));
      const name = `sp_${++outer.savepoints}`;
      await outer.tx.query(`SAVEPOINT ${name}`);
      try {
        const result = await work(repo);
        await outer.tx.query(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (error) {
        await outer.tx.query(`ROLLBACK TO SAVEPOINT ${name}`);
        throw error;
      }
    },
  };

  const idempotencyRecords: IdempotencyRecordStore = {
    ...records,
    // Outside a transaction the advisory lock would be released the moment it is taken and
    // silently protect nothing, so that call is a bug worth failing loudly.
    async lock(scopeKey) {
      if (!ambient.getStore()) throw new Error('IdempotencyRecordStore.lock must be called inside uow.transaction()');
      return records.lock(scopeKey);
    },
  };

  return { uow, idempotencyRecords, orderBook: createSqlOrderBook(current) };
}

/** Unit of work over a SQL driver (see {@link createSqlStores} for how transactions nest). */
export function createSqlUnitOfWork(driver: SqlDriver): UnitOfWork {
  return createSqlStores(driver).uow;
}
