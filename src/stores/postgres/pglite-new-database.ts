import { PGlite } from '@electric-sql/pglite';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/**
 * A new PGlite database from the dump of one, instead of initdb. PGlite runs initdb when it opens a
 * data directory without a database: 3-4 s of CPU on a 2-core machine, most of a first start
 * (`npm start`, and every server a test starts on a new directory). Loading the dump of a new
 * database (PGlite's `loadDataDir`) costs about 1 s and writes the same files with the same modes
 * (test/pglite-template.test.ts compares them). The build makes the dump once per PGlite version
 * (scripts/build.js); without it, PGlite runs initdb as before.
 */

/** The installed PGlite's version: a dump is only ever loaded by the version that made it. */
export const PGLITE_VERSION: string = (() => {
  // Its package.json is not in the package's exports: found from the entry point, read by path.
  let dir = dirname(require.resolve('@electric-sql/pglite'));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
})();

/** Where the build keeps the dumps (dist/, from src/ and from dist/ alike), one per PGlite version. */
export const DEFAULT_NEW_DATABASE_DUMPS = join(__dirname, '..', '..', '..', 'dist', 'pglite-new-database');

/** The dump of a new database for the installed PGlite, under `dir`. */
export function newDatabaseDumpPath(dir: string = DEFAULT_NEW_DATABASE_DUMPS): string {
  return join(dir, `pglite-${PGLITE_VERSION}.tgz`);
}

/**
 * Makes the dump of a new database at `path` (initdb in memory, then PGlite's own dump), written
 * whole and then renamed, so a reader (another process starting, a parallel test worker) never
 * reads half of it. Returns it. `create` opens the new database (the tests' setup passes PGlite's
 * own, which it redirects for everyone else).
 */
export async function writeNewDatabaseDump(path: string, create: () => Promise<PGlite> = () => PGlite.create()): Promise<Blob> {
  const db = await create();
  let dump: Blob;
  try {
    dump = await db.dumpDataDir('gzip');
  } finally {
    await db.close();
  }
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}.partial`;
  writeFileSync(partial, new Uint8Array(await dump.arrayBuffer()));
  renameSync(partial, path);
  return dump;
}

/**
 * The dump at `path`, unpacked (a tar, which PGlite loads as it is), or undefined where there is
 * none or it is damaged. Unpacked here, not by PGlite: its gunzip reports a damaged file as an
 * 'error' event no caller can catch, which ends the process; gzip's checksum and length tell a
 * damaged or cut file, which then reads as none (PGlite runs initdb).
 */
export function readNewDatabaseDump(path: string): Blob | undefined {
  try {
    return new Blob([gunzipSync(readFileSync(path))], { type: 'application/x-tar' });
  } catch {
    return undefined;
  }
}

/** Whether PGlite would run initdb in `dataDir`: it is missing or empty. */
export function holdsNoDatabase(dataDir: string): boolean {
  return !existsSync(dataDir) || readdirSync(dataDir).length === 0;
}
