/**
 * The one thing the adapter needs of a database driver: run SQL with positional parameters
 * (`$1`, `$2` …) and return the rows. A `pg` pool or client, PGlite, or a host's executor that
 * routes to the transaction running in its async context all fit in a few lines.
 */
export interface SqlExecutor {
  /**
   * `options.prepared` marks the statements every guarded call runs (`save`, `find`): their text
   * is fixed and their plan depends on no value, so an executor may run them as named prepared
   * statements (parsed and planned once per connection), or ignore the option. Do not hand the
   * store a `pg` client's own `query`, whose third argument is a callback: wrap it.
   */
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: { readonly prepared?: boolean }): Promise<R[]>;
}
