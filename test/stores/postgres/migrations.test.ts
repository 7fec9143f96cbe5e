/**
 * Migrations as an upgrade meets them: one that outlasts the connections' statement timeout (a
 * request's bound) still applies, each is announced before it runs, and a database a newer
 * release migrated is refused instead of being run by code that does not know its schema.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { MIGRATION_COUNT, SchemaTooNewError, createPgDriver, createPgliteDriver, migrate, schemaState, type Migration } from '../../../src/stores/postgres';
import { describeWithPostgres } from '../../helpers/services';

/** Two small migrations, the second slower than the statement timeout the test gives its driver. */
const SLOW: readonly Migration[] = [
  { version: 1, sql: 'CREATE TABLE upgraded (id int PRIMARY KEY)' },
  { version: 2, sql: 'SELECT pg_sleep(0.4);\nINSERT INTO upgraded (id) VALUES (1)' },
];

describeWithPostgres('migrations on PostgreSQL', (url) => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  let admin: Client;
  beforeAll(async () => {
    admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
  });
  afterAll(async () => {
    await admin?.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin?.end();
  });

  test('a migration longer than the statement timeout applies; each is announced; the timeout still bounds requests after', async () => {
    const driver = createPgDriver({ url, schema, statementTimeoutMs: 150 });
    try {
      const announced: number[] = [];
      expect(await migrate(driver, { migrations: SLOW, onApply: (version) => announced.push(version) })).toBe(2);
      expect(announced).toEqual([1, 2]);
      expect(await driver.query('SELECT id FROM upgraded')).toEqual([{ id: 1 }]);
      expect(await schemaState(driver, { migrations: SLOW })).toEqual({ exists: true, pending: [], unknown: [] });
      // Only the migration's transaction was exempt: a request's statement is still bounded.
      await expect(driver.query('SELECT pg_sleep(0.4)')).rejects.toMatchObject({ code: '57014' });
      // Nothing left to do: nothing announced.
      expect(await migrate(driver, { migrations: SLOW, onApply: (version) => announced.push(version) })).toBe(0);
      expect(announced).toEqual([1, 2]);
    } finally {
      await driver.close();
    }
  });

  test('a database with a migration this release does not know is refused, and nothing is applied', async () => {
    const driver = createPgDriver({ url, schema });
    try {
      const older = SLOW.slice(0, 1);
      expect(await schemaState(driver, { migrations: older })).toEqual({ exists: true, pending: [], unknown: [2] });
      await expect(migrate(driver, { migrations: older })).rejects.toThrow(SchemaTooNewError);
      await expect(migrate(driver, { migrations: older })).rejects.toThrow(/has migration 2, and this release of Signet knows migrations up to 1/);
    } finally {
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
