import { PGlite, parse, protocol } from '@electric-sql/pglite';
import type { QueryOptions, SqlDriver, SqlExecutor } from './sql-driver';
import { holdsNoDatabase, newDatabaseDumpPath, readNewDatabaseDump } from './pglite-new-database';
import { DEFAULT_VACUUM_POLICY, createVacuumScheduler, type VacuumPolicy } from './pglite-vacuum';

/** A statement PGlite has parsed under a name: what binding it needs. */
interface NamedStatement { readonly name: string; readonly paramTypes: readonly number[] }

/**
 * Prepared statements over PGlite's wire protocol: `PGlite.query` parses (and so plans) its text
 * on every call, in five calls into the WebAssembly module. A named statement is parsed once per
 * database; each run is then one call (Bind, Describe, Execute, Sync) and PostgreSQL's plan cache
 * may reuse a generic plan. A call's messages go in one buffer, which PGlite runs in turn. Only
 * inside a transaction, where PGlite's own lock is already held.
 */
function namedStatements(db: PGlite) {
  const statements = new Map<string, NamedStatement>();
  const { serialize } = protocol;

  async function prepare(text: string): Promise<NamedStatement> {
    const known = statements.get(text);
    if (known) return known;
    const name = `signet_${statements.size + 1}`;
    const described = await db.execProtocolStream(
      Buffer.concat([serialize.parse({ name, text, types: [] }), serialize.describe({ type: 'S', name }), serialize.sync()]),
      { syncToFs: false },
    );
    const statement = { name, paramTypes: parse.parseDescribeStatementResults(described) };
    statements.set(text, statement);
    return statement;
  }

  return async function run<R>(text: string, params: readonly unknown[]): Promise<R[]> {
    const statement = await prepare(text);
    const values = params.map((value, i) => {
      if (value == null) return null;
      const serializer = db.serializers[statement.paramTypes[i]];
      return serializer ? serializer(value) : String(value);
    });
    const results = await db.execProtocolStream(
      Buffer.concat([serialize.bind({ statement: statement.name, values }), serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync()]),
      { syncToFs: false },
    );
    return parse.parseResults(results, db.parsers)[0].rows as R[];
  };
}

/** How the PGlite driver vacuums (pglite-vacuum.ts). */
export interface PgliteDriverOptions {
  /** When to vacuum; `null` never does (PGlite has no autovacuum). Default DEFAULT_VACUUM_POLICY. */
  readonly vacuum?: VacuumPolicy | null;
  /** A vacuum that failed (the next check tries again). Default: a process warning. */
  readonly onVacuumError?: (error: Error) => void;
  /**
   * The dump a data directory without a database starts from (pglite-new-database.ts); default the
   * build's, for the installed PGlite. Where there is none, PGlite runs initdb.
   */
  readonly newDatabaseDump?: string;
}

/**
 * PGlite: PostgreSQL compiled to WebAssembly, in process. One connection: PGlite queues
 * every query and transaction behind one lock, so a query issued outside a running
 * transaction waits for it (the unit of work routes queries inside a transaction to it).
 * It vacuums as autovacuum would (pglite-vacuum.ts), checking after every few hundred commits.
 * A data directory without a database starts from the dump of a new one where the build made it.
 * @param dataDir a directory for files, or undefined for an in-memory database (tests).
 */
export async function createPgliteDriver(dataDir?: string, options: PgliteDriverOptions = {}): Promise<SqlDriver> {
  const dump = dataDir && holdsNoDatabase(dataDir) ? readNewDatabaseDump(options.newDatabaseDump ?? newDatabaseDumpPath()) : undefined;
  const db = await PGlite.create(dataDir ? { dataDir, ...(dump && { loadDataDir: dump }) } : {});
  const runNamed = namedStatements(db);
  const policy = options.vacuum === undefined ? DEFAULT_VACUUM_POLICY : options.vacuum;
  const onVacuumError = options.onVacuumError ?? ((error: Error) => process.emitWarning(`PGlite vacuum failed: ${error.message}`));
  const outsideTransactions: SqlExecutor = {
    async query<R>(text: string, params: readonly unknown[] = []) {
      return (await db.query<R>(text, params as unknown[])).rows;
    },
  };
  const vacuum = policy ? createVacuumScheduler(outsideTransactions, policy, onVacuumError) : null;
  return {
    kind: 'pglite',
    query: outsideTransactions.query,
    async begin(work) {
      const result = await db.transaction(async (tx) => work({
        async query<R>(text: string, params: readonly unknown[] = [], options?: QueryOptions) {
          if (options?.prepared) return runNamed<R>(text, params);
          return (await tx.query<R>(text, params as unknown[])).rows;
        },
      } satisfies SqlExecutor));
      vacuum?.committed();
      return result;
    },
    async ping() {
      await outsideTransactions.query('SELECT 1');
    },
    async close() {
      await vacuum?.settled();
      await db.close();
    },
  };
}
