import { PGlite } from '@electric-sql/pglite';
import type { SqlDriver } from './sql-driver';

/**
 * PGlite: PostgreSQL compiled to WebAssembly, in process. One connection: PGlite queues
 * every query and transaction behind one lock, so a query issued outside a running
 * transaction waits for it (the unit of work routes queries inside a transaction to it).
 * @param dataDir a directory for files, or undefined for an in-memory database (tests).
 */
export async function createPgliteDriver(dataDir?: string): Promise<SqlDriver> {
  const db = await PGlite.create(dataDir ? { dataDir } : {});
  return {
    kind: 'pglite',
    async query<R>(text: string, params: readonly unknown[] = []) {
      const result = await db.query<R>(text, params as unknown[]);
      return result.rows;
    },
    async begin(work) {
      return db.transaction(async (tx) => work({
        async query<R>(text: string, params: readonly unknown[] = []) {
          return (await tx.query<R>(text, params as unknown[])).rows;
        },
      }));
    },
    async ping() {
      await db.query('SELECT 1');
    },
    async close() {
      await db.close();
    },
  };
}
