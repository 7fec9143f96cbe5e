/**
 * A data directory without a database starts from the build's dump of a new one
 * (pglite-new-database.ts) instead of PGlite's initdb, where the dump exists; anywhere else PGlite
 * opens what is there. The dumps here carry a marker table, so which one a database came from shows.
 */
import { PGlite } from '@electric-sql/pglite';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgliteDriver, type SqlDriver } from '../../../src/stores/postgres';
import { holdsNoDatabase, newDatabaseDumpPath, readNewDatabaseDump, writeNewDatabaseDump } from '../../../src/stores/postgres/pglite-new-database';

describe('a new PGlite data directory and the dump of a new database', () => {
  let dir: string;
  let markedDump: string;
  const drivers: SqlDriver[] = [];
  const open = async (dataDir: string, newDatabaseDump: string) => {
    const driver = await createPgliteDriver(dataDir, { vacuum: null, newDatabaseDump });
    drivers.push(driver);
    return driver;
  };
  const marked = async (driver: SqlDriver) => (await driver.query<{ found: string | null }>(`SELECT to_regclass('from_the_dump')::text AS found`))[0].found !== null;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'signet-new-database-'));
    markedDump = join(dir, 'marked.tgz');
    await writeNewDatabaseDump(markedDump, async () => {
      const db = await PGlite.create();
      await db.exec('CREATE TABLE from_the_dump (n int)');
      return db;
    });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(drivers.splice(0).map((driver) => driver.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('a missing or empty directory starts from the dump, and opens again from its files', async () => {
    const missing = join(dir, 'missing');
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect([holdsNoDatabase(missing), holdsNoDatabase(empty)]).toEqual([true, true]);
    for (const dataDir of [missing, empty]) {
      const driver = await open(dataDir, markedDump);
      expect(await marked(driver)).toBe(true);
      await driver.query('INSERT INTO from_the_dump VALUES (1)');
      await driver.close();
      drivers.splice(drivers.indexOf(driver), 1);
      expect(holdsNoDatabase(dataDir)).toBe(false);
      // Opened again, it is that database, not a new one.
      expect(await (await open(dataDir, join(dir, 'no-such-dump.tgz'))).query('SELECT n FROM from_the_dump')).toEqual([{ n: 1 }]);
    }
  }, 60_000);

  test('without a dump the directory gets a new database another way (PGlite\'s initdb; in the tests, the setup\'s dump of one); a directory with a database is never given one', async () => {
    const fresh = join(dir, 'fresh');
    expect(await marked(await open(fresh, join(dir, 'no-such-dump.tgz')))).toBe(false);
    const other = join(dir, 'other');
    const first = await open(other, join(dir, 'no-such-dump.tgz'));
    await first.close();
    drivers.splice(drivers.indexOf(first), 1);
    expect(await marked(await open(other, markedDump))).toBe(false);
  }, 60_000);

  test('a damaged dump reads as none, and the directory gets a new database another way (loaded, it ended the process)', async () => {
    const cut = join(dir, 'cut.tgz');
    const whole = readFileSync(markedDump);
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const flipped = join(dir, 'flipped.tgz');
    const changed = Buffer.from(whole);
    changed[Math.floor(changed.length / 2)] ^= 0xff;
    writeFileSync(flipped, changed);
    expect([readNewDatabaseDump(cut), readNewDatabaseDump(flipped)]).toEqual([undefined, undefined]);
    expect(readNewDatabaseDump(markedDump)).toBeInstanceOf(Blob);
    expect(await marked(await open(join(dir, 'after-a-cut-dump'), cut))).toBe(false);
  }, 60_000);

  test('the dump is named by PGlite\'s version; a missing one reads as none; a directory with anything in it holds a database', async () => {
    expect(existsSync(markedDump)).toBe(true);
    expect(readNewDatabaseDump(join(dir, 'no-such-dump.tgz'))).toBeUndefined();
    expect(newDatabaseDumpPath(dir)).toMatch(new RegExp(`^${dir}/pglite-\\d+\\.\\d+\\.\\d+\\.tgz$`));
    writeFileSync(join(dir, 'left.txt'), 'x');
    expect(holdsNoDatabase(dir)).toBe(false);
  });
});
