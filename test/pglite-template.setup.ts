/**
 * Jest setup (every project): an in-memory PGlite starts from a dump of a new database instead of
 * running initdb again. PGlite's initdb costs about 2.5 s of CPU per database on this project's
 * 2-core machines (5 s each under a full test run), about two thirds of the in-process HTTP
 * suites' time; starting from the dump (PGlite's own `loadDataDir`) costs about 1 s and gives the
 * same new, empty database.
 *
 * The dump is made once, by the first test file that needs it, from `PGlite.create()` with no
 * options, and kept in `node_modules/.cache/` under PGlite's version (written whole, then renamed,
 * so parallel workers never read half a file; delete the folder to make it again). Only `PGlite.create()` / `PGlite.create({})` is
 * redirected: a data directory on disk, a dump of the test's own, or any other option runs PGlite
 * as it is. `test/pglite-template.test.ts` checks that a database started this way is a new one.
 */
import { PGlite } from '@electric-sql/pglite';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const modules = join(__dirname, '..', 'node_modules');
// (Its package.json is not in the package's exports, so it is read by path.)
const pgliteVersion = (JSON.parse(readFileSync(join(modules, '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string }).version;

/** Where the dump of a new database is kept, per PGlite version. */
export const PGLITE_TEMPLATE_PATH = join(modules, '.cache', 'signet-tests', `pglite-${pgliteVersion}-new-database.tgz`);

/** PGlite's own `create`, both of its forms: `(options?)` and `(dataDir?, options?)`. */
const create = PGlite.create.bind(PGlite) as (...args: unknown[]) => ReturnType<typeof PGlite.create>;
let template: Promise<Blob> | undefined;

async function newDatabaseDump(): Promise<Blob> {
  try {
    return new Blob([readFileSync(PGLITE_TEMPLATE_PATH)]);
  } catch {
    const db = await create();
    const dump = await db.dumpDataDir('gzip');
    await db.close();
    mkdirSync(dirname(PGLITE_TEMPLATE_PATH), { recursive: true });
    const partial = `${PGLITE_TEMPLATE_PATH}.${process.pid}.partial`;
    writeFileSync(partial, new Uint8Array(await dump.arrayBuffer()));
    renameSync(partial, PGLITE_TEMPLATE_PATH);
    return dump;
  }
}

/** True for the calls that would run initdb on a new in-memory database and nothing else. */
function isNewInMemoryDatabase(options: unknown): boolean {
  return options === undefined || (typeof options === 'object' && options !== null && Object.keys(options).length === 0);
}

PGlite.create = (async (...args: unknown[]) => {
  if (args.length > 1 || !isNewInMemoryDatabase(args[0])) return create(...args);
  template ??= newDatabaseDump();
  return create({ loadDataDir: await template });
}) as typeof PGlite.create;
