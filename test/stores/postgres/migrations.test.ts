/**
 * Migrations as an upgrade meets them: one that outlasts the connections' statement timeout (a
 * request's bound) still applies, each is announced before it runs, one that cannot get a table
 * lock backs off instead of queueing requests behind it, and a database a newer release migrated
 * is run on as it is (a rollout, a rollback) and said so.
 */
import { Client } from 'pg';
import { MIGRATION_COUNT, createPgDriver, createPgliteDriver, migrate, schemaState, type Migration } from '../../../src/stores/postgres';
import { openScratchSchema, type ScratchSchema } from '../../helpers/database';
import { describeWithPostgres } from '../../helpers/services';

/**
 * Two small migrations, the second slower than the statement timeout the test gives its driver
 * (1 s: the test's other statements must finish within it on a loaded machine too), and slower
 * than the driver's wait for an answer (the statement timeout + 2 s), which a migration goes without.
 */
const SLOW: readonly Migration[] = [
  { version: 1, sql: 'CREATE TABLE upgraded (id int PRIMARY KEY)' },
  { version: 2, sql: 'SELECT pg_sleep(3.5);\nINSERT INTO upgraded (id) VALUES (1)' },
];

describeWithPostgres('migrations on PostgreSQL', (url) => {
  let scratch: ScratchSchema;
  let schema: string;
  beforeAll(async () => {
    scratch = await openScratchSchema(url);
    schema = scratch.schema;
  });
  afterAll(async () => scratch?.drop());

  test('a migration longer than the statement timeout applies; each is announced; the timeout still bounds requests after', async () => {
    const driver = createPgDriver({ url, schema, statementTimeoutMs: 1_000 });
    try {
      const announced: number[] = [];
      expect(await migrate(driver, { migrations: SLOW, onApply: (version) => announced.push(version) })).toBe(2);
      expect(announced).toEqual([1, 2]);
      expect(await driver.query('SELECT id FROM upgraded')).toEqual([{ id: 1 }]);
      expect(await schemaState(driver, { migrations: SLOW })).toEqual({ exists: true, pending: [], unknown: [] });
      // Only the migration's transaction was exempt: a request's statement is still bounded.
      await expect(driver.query('SELECT pg_sleep(1.5)')).rejects.toMatchObject({ code: '57014' });
      // Nothing left to do: nothing announced.
      expect(await migrate(driver, { migrations: SLOW, onApply: (version) => announced.push(version) })).toBe(0);
      expect(announced).toEqual([1, 2]);
    } finally {
      await driver.close();
    }
  });

  test('a database with a migration this release does not know (a newer release\'s) is run on as it is, and said so', async () => {
    const driver = createPgDriver({ url, schema });
    try {
      const older = SLOW.slice(0, 1);
      expect(await schemaState(driver, { migrations: older })).toEqual({ exists: true, pending: [], unknown: [2] });
      const unknown: Array<readonly number[]> = [];
      expect(await migrate(driver, { migrations: older, onUnknown: (versions) => unknown.push(versions) })).toBe(0);
      expect(unknown).toEqual([[2]]);
    } finally {
      await driver.close();
    }
  });

  test('a migration that cannot get its table lock (a long reader holds the table) backs off instead of queueing requests behind it, then applies', async () => {
    const driver = createPgDriver({ url, schema, statementTimeoutMs: 1_000 });
    const reader = new Client({ connectionString: url });
    await reader.connect();
    try {
      // A long transaction that read the table: an ALTER TABLE must wait for it.
      await reader.query('BEGIN');
      await reader.query(`SELECT * FROM ${schema}.upgraded`);
      const alter: readonly Migration[] = [...SLOW, { version: 3, sql: 'ALTER TABLE upgraded ADD COLUMN note text' }];
      const busy: number[] = [];
      let backingOff!: () => void;
      const backedOff = new Promise<void>((resolve) => { backingOff = resolve; });
      const migrating = migrate(driver, { migrations: alter, lockTimeoutMs: 200, retryDelaysMs: [300], onLockBusy: (attempt) => { busy.push(attempt); backingOff(); } });
      // It gave up its place in the lock queue (not a fixed wait: another suite's migration of its
      // own schema can hold the migrations' advisory lock for seconds before this one even tries).
      await backedOff;
      // Meanwhile requests on the table still run: the migration does not sit in the lock queue.
      for (let i = 0; i < 5; i += 1) {
        expect(await driver.query('SELECT count(*)::int AS n FROM upgraded')).toEqual([{ n: 1 }]);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(busy.length).toBeGreaterThanOrEqual(1);
      await reader.query('COMMIT');
      expect(await migrating).toBe(1);
      expect(await driver.query("SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'upgraded' AND column_name = 'note'", [schema])).toHaveLength(1);
    } finally {
      await reader.query('ROLLBACK').catch(() => undefined);
      await reader.end();
      await driver.close();
    }
  });
});

describe('migrations on PGlite', () => {
  test('an empty database: no schema; after migrate, every migration and none pending', async () => {
    const driver = await createPgliteDriver();
    try {
      expect(await schemaState(driver)).toEqual({ exists: false, pending: expect.any(Array), unknown: [] });
      expect((await schemaState(driver)).pending).toHaveLength(MIGRATION_COUNT);
      expect(await migrate(driver)).toBe(MIGRATION_COUNT);
      expect(await schemaState(driver)).toEqual({ exists: true, pending: [], unknown: [] });
    } finally {
      await driver.close();
    }
  });
});
