/**
 * The Jest setup that starts every new PGlite database from a dump of a new database
 * (test/pglite-template.setup.ts) gives the tests what `PGlite.create()` gives without it: a new,
 * empty database with the same settings, and one database per call; in a new data directory, the
 * same files with the same modes, and a database that opens again from them.
 */
import { PGlite } from '@electric-sql/pglite';
import { existsSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

describe('new PGlite databases in the tests', () => {
  test('in memory, start from the kept dump and are what initdb makes', async () => {
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

  describe('in a new data directory', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'signet-pglite-template-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    /** Every entry under `root`: its path, whether it is a directory, and its mode. */
    function entries(root: string, below = ''): string[] {
      return readdirSync(join(root, below)).sort().flatMap((name) => {
        const path = join(below, name);
        const stat = lstatSync(join(root, path));
        const entry = `${(stat.mode & 0o7777).toString(8)} ${stat.isDirectory() ? 'd' : 'f'} ${path}`;
        return stat.isDirectory() ? [entry, ...entries(root, path)] : [entry];
      });
    }

    test('holds the files initdb writes there, with their modes, and opens again from them', async () => {
      const fromDump = await PGlite.create({ dataDir: join(dir, 'from-dump') });
      // Two arguments are passed through to PGlite as they are: initdb runs.
      const fresh = await PGlite.create(undefined, { dataDir: join(dir, 'fresh') });
      try {
        expect(await describeDatabase(fromDump)).toEqual(await describeDatabase(fresh));
      } finally {
        await fromDump.close();
        await fresh.close();
      }
      expect(entries(join(dir, 'from-dump'))).toEqual(entries(join(dir, 'fresh')));
      expect(entries(join(dir, 'from-dump')).filter((entry) => entry.endsWith(' f PG_VERSION'))).toHaveLength(1);

      // A data directory with a database in it is opened as it is, not replaced by the dump.
      const first = await PGlite.create({ dataDir: join(dir, 'from-dump') });
      await first.exec('CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)');
      await first.close();
      const again = await PGlite.create({ dataDir: join(dir, 'from-dump') });
      try {
        expect((await again.query('SELECT n FROM kept')).rows).toEqual([{ n: 7 }]);
      } finally {
        await again.close();
      }
    }, 90_000);
  });
});
