import { AsyncLocalStorage } from 'node:async_hooks';
import type { UnitOfWork } from '../../domain';
import type { SqlDriver, SqlExecutor } from './sql-driver';
import { createSqlTradingRepository } from './sql-trading-repository';

interface Ambient { readonly tx: SqlExecutor; savepoints: number }

/**
 * Unit of work over a SQL driver. The open transaction travels in AsyncLocalStorage, so a
 * nested `transaction()` (a service called by the idempotency layer) becomes a savepoint of
 * the outer one, and reads made inside a transaction use its connection.
 */
export function createSqlUnitOfWork(driver: SqlDriver): UnitOfWork {
  const ambient = new AsyncLocalStorage<Ambient>();
  const current: SqlExecutor = {
    query: (text, params) => (ambient.getStore()?.tx ?? driver).query(text, params),
  };
  const repo = createSqlTradingRepository(current);

  return {
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
}
