/**
 * The Jest setup that starts every new in-memory PGlite from a dump of a new database
 * (test/pglite-template.setup.ts) gives the tests what `PGlite.create()` gives without it: a new,
 * empty database with the same settings, and one database per call.
 */
import { PGlite } from '@electric-sql/pglite';
import { existsSync } from 'node:fs';
import { PGLITE_TEMPLATE_PATH } from './pglite-template.setup';

/** What tells two new databases apart, if anything does: their settings, objects and identity. */
async function describeDatabase(db: PGlite): Promise<unknown> {
  const one = async (text: string) => (await db.query(text)).rows;
  return {
    database: await one(`SELECT current_database() AS name, current_user AS "user", pg_encoding_to_char(encoding) AS encoding, datcollate, datctype
      FROM pg_database WHERE datname = current_database()`),
    settings: await one(`SELECT name, setting FROM pg_settings WHERE name NOT IN ('application_name') ORDER BY name`),
    relations: await one(`SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1, 2`),
    schemas: await one(`SELECT nspname FROM pg_namespace ORDER BY 1`),
    databases: await one(`SELECT datname FROM pg_database ORDER BY 1`),
  };
}

describe('new in-memory PGlite databases in the tests', () => {
  test('start from the kept dump and are what initdb makes', async () => {
    const fromDump = await PGlite.create();
    expect(existsSync(PGLITE_TEMPLATE_PATH)).toBe(true);
    // Two arguments are passed through to PGlite as they are: initdb runs.
    const fresh = await PGlite.create(undefined, {});
    try {
      expect(await describeDatabase(fromDump)).toEqual(await describeDatabase(fresh));
      expect(await describeDatabase(fromDump)).toMatchObject({ relations: [], database: [{ name: 'postgres', user: 'postgres' }] });
    } finally {
      await fromDump.close();
      await fresh.close();
    }
  }, 60_000);

  test('each call is a database of its own: what one writes, the next does not see', async () => {
    const first = await PGlite.create();
    const second = await PGlite.create({});
    try {
      await first.exec('CREATE TABLE written (n int); INSERT INTO written VALUES (1)');
      expect((await first.query('SELECT n FROM written')).rows).toEqual([{ n: 1 }]);
      expect((await second.query(`SELECT to_regclass('written') AS found`)).rows).toEqual([{ found: null }]);
    } finally {
      await first.close();
      await second.close();
    }
    const third = await PGlite.create();
    try {
      expect((await third.query(`SELECT to_regclass('written') AS found`)).rows).toEqual([{ found: null }]);
    } finally {
      await third.close();
    }
  }, 60_000);
});
