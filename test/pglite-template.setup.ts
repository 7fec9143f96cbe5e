/**
 * Jest setup (every project): a new PGlite database starts from a dump of a new database instead
 * of running initdb again. PGlite's initdb costs about 2.5 s of CPU per database in memory and
 * 3.3–4.7 s on disk on this project's 2-core machines (5 s and more each under a full test run):
 * about two thirds of the in-process HTTP suites' time. Starting from the dump (PGlite's own
 * `loadDataDir`) costs about 1 s in memory and 1.2 s on disk, and gives the same new database (on
 * disk: the same files with the same modes).
 *
 * The dump is made once, by the first test file that needs it, from `PGlite.create()` with no
 * options, and kept in `node_modules/.cache/` under PGlite's version (written whole, then renamed,
 * so parallel workers never read half a file; delete the folder to make it again), as the build
 * makes the one `signet serve` starts a new data directory from (pglite-new-database.ts). Only two calls
 * are redirected: `PGlite.create()` / `PGlite.create({})` (a new in-memory database) and
 * `PGlite.create({ dataDir })` for a directory that does not exist yet or is empty. A data
 * directory with anything in it, a dump of the test's own, or any other option runs PGlite as it
 * is; the server processes a test starts load the build's dump themselves.
 * `test/pglite-template.test.ts` checks that a database started this way is a new one.
 */
import { PGlite } from '@electric-sql/pglite';
import { join } from 'node:path';
import { holdsNoDatabase, newDatabaseDumpPath, readNewDatabaseDump, writeNewDatabaseDump } from '../src/stores/postgres/pglite-new-database';

/** Where the dump of a new database is kept, per PGlite version (not dist/: only the e2e tests build). */
export const PGLITE_TEMPLATE_PATH = newDatabaseDumpPath(join(__dirname, '..', 'node_modules', '.cache', 'signet-tests'));

/** PGlite's own `create`, both of its forms: `(options?)` and `(dataDir?, options?)`. */
const create = PGlite.create.bind(PGlite) as (...args: unknown[]) => ReturnType<typeof PGlite.create>;
let template: Promise<Blob> | undefined;

async function newDatabaseDump(): Promise<Blob> {
  return readNewDatabaseDump(PGLITE_TEMPLATE_PATH) ?? writeNewDatabaseDump(PGLITE_TEMPLATE_PATH, () => create());
}

/**
 * The options to start PGlite with from the dump, for a call that would run initdb on a new
 * database and do nothing else; undefined for any other call.
 */
function fromDumpOptions(args: readonly unknown[]): { dataDir?: string } | undefined {
  if (args.length > 1) return undefined;
  const [options] = args;
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) return undefined;
  const keys = Object.keys(options);
  if (keys.length === 0) return {};
  const { dataDir } = options as { dataDir?: unknown };
  const isNewDirectory = keys.length === 1 && typeof dataDir === 'string' && !dataDir.includes('://') && holdsNoDatabase(dataDir);
  return isNewDirectory ? { dataDir } : undefined;
}

PGlite.create = (async (...args: unknown[]) => {
  const options = fromDumpOptions(args);
  if (!options) return create(...args);
  template ??= newDatabaseDump();
  return create({ ...options, loadDataDir: await template });
}) as typeof PGlite.create;
