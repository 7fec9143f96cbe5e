/**
 * The one thing the adapter needs of a database driver: run SQL with positional parameters
 * (`$1`, `$2` …) and return the rows. A `pg` pool or client, PGlite, or a host's executor that
 * routes to the transaction running in its async context all fit in a few lines.
 */
export interface SqlExecutor {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
}
