import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DomainServices } from '../../src/domain';
import { createPgDriver, createPgliteDriver, migrate, type SqlDriver } from '../../src/stores/postgres';
import { servicesFor } from './domain';

/** A migrated database for one test file, and how to dispose of it. */
export interface TestDatabase { readonly driver: SqlDriver; close(): Promise<void> }

/** An in-memory PGlite, migrated. Opening PGlite takes seconds: share one per test file. */
export async function openPgliteDatabase(): Promise<TestDatabase> {
  const driver = await createPgliteDriver();
  await migrate(driver);
  return { driver, close: () => driver.close() };
}

/**
 * A fresh PostgreSQL schema on the test server, migrated; dropped on close. Test files
 * run in parallel, so each gets its own schema instead of sharing tables.
 */
export async function openPostgresDatabase(url: string, options: { maxConnections?: number } = {}): Promise<TestDatabase> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const driver = createPgDriver({ url, schema, maxConnections: options.maxConnections ?? 20 });
  await migrate(driver);
  return {
    driver,
    async close() {
      await driver.close();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}

/** A fresh PostgreSQL schema and domain services over it, shared by the tests of one describe block. */
export interface PostgresSuite { readonly db: TestDatabase; readonly services: DomainServices }

/** Opens a {@link PostgresSuite} before the block's tests and drops its schema after them; read its fields inside tests. */
export function postgresSuite(url: string): PostgresSuite {
  const suite = {} as { db: TestDatabase; services: DomainServices };
  beforeAll(async () => {
    suite.db = await openPostgresDatabase(url);
    suite.services = servicesFor(suite.db.driver);
  });
  afterAll(async () => suite.db?.close());
  return suite;
}

/** A fresh, empty PostgreSQL schema (not migrated): its name, a URL whose search_path names it, and an admin connection; `drop` removes it. */
export interface ScratchSchema { readonly schema: string; readonly url: string; readonly admin: Client; drop(): Promise<void> }

/** Creates a {@link ScratchSchema} on the test server at `url`. */
export async function openScratchSchema(url: string): Promise<ScratchSchema> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const scoped = new URL(url);
  scoped.searchParams.set('options', `-c search_path=${schema}`);
  return {
    schema, url: scoped.toString(), admin,
    async drop() {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}
