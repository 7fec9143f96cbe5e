/** Runs SQL with positional parameters ($1, $2 …) and returns the rows. */
export interface SqlExecutor {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
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
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** Closes connections; in-flight work finishes first. */
  close(): Promise<void>;
}
