/** How a statement runs. */
export interface QueryOptions {
  /**
   * The statement's plan does not depend on its parameters' values (no `$n IS NULL OR …`, no
   * choice between indexes by value): each PostgreSQL connection parses and plans it once, then
   * only binds and runs it (a prepared statement, which PostgreSQL may run with a generic plan).
   * For the hot statements of placements. PGlite prepares it too inside a transaction (where every
   * hot statement runs); outside one it runs it as any other statement.
   */
  readonly prepared?: boolean;
  /**
   * The statement may run past the connection's statement timeout (its transaction set
   * `statement_timeout = 0`, as a migration does): the driver waits for its answer however long it
   * takes, instead of giving up on a PostgreSQL that stopped answering (see pg-driver.ts).
   */
  readonly unbounded?: boolean;
}

/** Runs SQL with positional parameters ($1, $2 …) and returns the rows. */
export interface SqlExecutor {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<R[]>;
}

/**
 * A connection to PostgreSQL or PGlite (same dialect). Adapters: `pg-driver.ts`, `pglite-driver.ts`.
 * Owned here because only the SQL stores use it.
 */
export interface SqlDriver extends SqlExecutor {
  /** Which engine this is, for start-up logs. */
  readonly kind: 'postgres' | 'pglite';
  /** Runs `work` on one connection between BEGIN and COMMIT (ROLLBACK when it throws). */
  begin<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Resolves when the database answers a trivial query (on PostgreSQL over a connection of its own: a busy pool is not an unhealthy database). */
  ping(): Promise<void>;
  /** Closes connections; in-flight work finishes first. On PostgreSQL a connection whose server does not let it end within 2 s is dropped. */
  close(): Promise<void>;
}

/**
 * Whether no two transactions of `driver` ever overlap and no other process writes its database:
 * PGlite (one connection: every query and transaction waits behind one lock; its data directory
 * is locked to one process). Wrappers that keep `kind` keep the property.
 */
export const transactionsNeverOverlap = (driver: Pick<SqlDriver, 'kind'>): boolean => driver.kind === 'pglite';
