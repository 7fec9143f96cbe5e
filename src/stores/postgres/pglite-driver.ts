import { PGlite, parse, protocol } from '@electric-sql/pglite';
import type { QueryOptions, SqlDriver, SqlExecutor } from './sql-driver';
import { DEFAULT_VACUUM_POLICY, createVacuumScheduler, type VacuumPolicy } from './pglite-vacuum';

/** A statement PGlite has parsed under a name: what binding it needs. */
interface NamedStatement { readonly name: string; readonly paramTypes: readonly number[] }

/** Switches a transaction to generic plans for every statement it then binds (see namedStatements). */
const GENERIC_PLANS = 'SET LOCAL plan_cache_mode = force_generic_plan';
/** Gives a transaction back PostgreSQL's own choice between custom and generic plans. */
const CHOSEN_PLANS = 'SET LOCAL plan_cache_mode TO DEFAULT';

/**
 * Prepared statements over PGlite's wire protocol: `PGlite.query` parses (and so plans) its text
 * on every call, in five calls into the WebAssembly module. A named statement is parsed once per
 * database; each run is then one call (Bind, Describe, Execute, Sync). A call's messages go in one
 * buffer, which PGlite runs in turn. Only inside a transaction, where PGlite's own lock is already
 * held.
 *
 * A prepared statement's plan does not depend on its values (QueryOptions.prepared), so it runs
 * with its generic plan, planned once. PostgreSQL's own choice would plan it again on every run
 * whenever the generic plan's estimate (10 rows for every `unnest` of an array parameter) costs
 * more than a custom plan plus its planning: the crossing placement statement did, on every
 * execution, once it took no row locks (PGlite's serialized writes), about 0.6 ms of the one
 * thread each time. `run` with `generic` sends `GENERIC_PLANS` in the same call, first.
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

  return async function run<R>(text: string, params: readonly unknown[], generic: boolean): Promise<R[]> {
    const switchPlans = generic ? await prepare(GENERIC_PLANS) : null;
    const statement = await prepare(text);
    const values = params.map((value, i) => {
      if (value == null) return null;
      const serializer = db.serializers[statement.paramTypes[i]];
      return serializer ? serializer(value) : String(value);
    });
    const results = await db.execProtocolStream(
      Buffer.concat([
        ...(switchPlans ? [serialize.bind({ statement: switchPlans.name, values: [] }), serialize.execute({})] : []),
        serialize.bind({ statement: statement.name, values }), serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync(),
      ]),
      { syncToFs: false },
    );
    const parsed = parse.parseResults(results, db.parsers);
    return parsed[parsed.length - 1].rows as R[];
  };
}

/**
 * Which plans a transaction's statements get: generic for prepared statements, PostgreSQL's choice
 * for the others. The switch is `SET LOCAL` (the transaction's end undoes it), sent only when a
 * statement of the other kind comes: the hot transactions (a placement) run only prepared
 * statements, so they pay one switch, in their first statement's call. A statement without
 * parameters has one plan whatever the mode, so it never switches (nor can a `ROLLBACK TO` in a
 * failed transaction, which runs no other statement). A rollback to a savepoint may undo a switch
 * made after the savepoint, so the mode is unknown after one and the next statement switches.
 */
function planModeTracker() {
  let mode: 'generic' | 'chosen' | 'unknown' = 'chosen';
  return {
    /** Whether a prepared statement must switch to generic plans first (it then has). */
    genericNeeded(): boolean {
      const needed = mode !== 'generic';
      mode = 'generic';
      return needed;
    },
    /** Whether another statement must switch back to PostgreSQL's choice first (it then has). */
    chosenNeeded(text: string, params: readonly unknown[]): boolean {
      if (/^\s*rollback\s+to\b/i.test(text)) mode = 'unknown';
      if (params.length === 0 || mode === 'chosen') return false;
      mode = 'chosen';
      return true;
    },
  };
}

/** How the PGlite driver vacuums (pglite-vacuum.ts). */
export interface PgliteDriverOptions {
  /** When to vacuum; `null` never does (PGlite has no autovacuum). Default DEFAULT_VACUUM_POLICY. */
  readonly vacuum?: VacuumPolicy | null;
  /** A vacuum that failed (the next check tries again). Default: a process warning. */
  readonly onVacuumError?: (error: Error) => void;
}

/**
 * PGlite: PostgreSQL compiled to WebAssembly, in process. One connection: PGlite queues
 * every query and transaction behind one lock, so a query issued outside a running
 * transaction waits for it (the unit of work routes queries inside a transaction to it).
 * It vacuums as autovacuum would (pglite-vacuum.ts), checking after every few hundred commits.
 * @param dataDir a directory for files, or undefined for an in-memory database (tests).
 */
export async function createPgliteDriver(dataDir?: string, options: PgliteDriverOptions = {}): Promise<SqlDriver> {
  const db = await PGlite.create(dataDir ? { dataDir } : {});
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
      const result = await db.transaction(async (tx) => {
        const plans = planModeTracker();
        return work({
          async query<R>(text: string, params: readonly unknown[] = [], options?: QueryOptions) {
            if (options?.prepared) return runNamed<R>(text, params, plans.genericNeeded());
            if (plans.chosenNeeded(text, params)) await tx.query(CHOSEN_PLANS);
            return (await tx.query<R>(text, params as unknown[])).rows;
          },
        } satisfies SqlExecutor);
      });
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
