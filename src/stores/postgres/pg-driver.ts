import { createHash } from 'node:crypto';
import { DatabaseError, Pool, type ClientBase, type PoolClient, type QueryConfig } from 'pg';
import { CommitOutcomeUnknownError } from '../../domain';
import { endPgPool, trackOpenClients } from './end-pg-client';
import type { QueryOptions, SqlDriver, SqlExecutor } from './sql-driver';

/** Options of the PostgreSQL driver. */
export interface PgDriverOptions {
  /** postgres:// connection string. */
  readonly url: string;
  /** Connections in the pool. Defaults to 10. */
  readonly maxConnections?: number;
  /** Server-side statement timeout in ms; a statement over it fails and its transaction rolls back. Defaults to 5_000. */
  readonly statementTimeoutMs?: number;
  /** PostgreSQL schema to use (search_path). Defaults to the server's default (public). */
  readonly schema?: string;
  /** How long a pooled connection may sit idle before it is closed, in ms. Defaults to 10 minutes. */
  readonly idleTimeoutMs?: number;
}

/**
 * Pooled connections are kept through ordinary lulls (pg's own default closes them after 10 s):
 * each connection holds the hot statements prepared (see QueryOptions), so a reopened one pays
 * its connection set-up and prepares them again on the requests that follow a quiet spell.
 */
const DEFAULT_IDLE_TIMEOUT_MS = 600_000;

/**
 * How long past the statement timeout the driver waits for a statement's answer before giving up
 * on the connection. PostgreSQL ends a statement at its timeout and answers with an error; a
 * PostgreSQL that answers nothing at all (its host gone dark in a failover, a NAT or firewall that
 * dropped the connection without a reset) would otherwise hold the request, and its pooled
 * connection, until TCP gives up: many minutes, or for good. The margin covers the network.
 */
const READ_TIMEOUT_MARGIN_MS = 2_000;

/** A statement with pg's per-statement read timeout (`query_timeout`, which pg's typings leave out); undefined: none. */
function timed(text: string, readTimeoutMs: number | undefined, rest: Omit<QueryConfig, 'text'> = {}): QueryConfig {
  const config: QueryConfig & { query_timeout?: number } = { ...rest, text, query_timeout: readTimeoutMs };
  return config;
}

/** pg's message for a statement whose answer did not come within its read timeout: the connection is not reused. */
const isReadTimeout = (error: unknown): boolean => error instanceof Error && error.message === 'Query read timeout';

/** The readiness probe's connect and statement timeout: a probe that waits longer has its answer (the readiness check gives up at 2 s). */
const PROBE_TIMEOUT_MS = 2_000;

const preparedNames = new Map<string, string>();
/** The name of a prepared statement: one per text (the repository's fixed SQL, so few), the same on every connection. */
function preparedName(text: string): string {
  let name = preparedNames.get(text);
  if (name === undefined) {
    name = `signet_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
    preparedNames.set(text, name);
  }
  return name;
}

/** What each new connection sets for its session before its first statement. */
interface SessionSettings {
  readonly statementTimeoutMs: number;
  readonly idleInTransactionMs?: number;
  readonly schema?: string;
}

/** The one simple-protocol statement (one round trip) that applies `settings` to a connection's session. */
function sessionSettings(settings: SessionSettings): string {
  const statements = [`SET statement_timeout = ${settings.statementTimeoutMs}`];
  if (settings.idleInTransactionMs !== undefined) statements.push(`SET idle_in_transaction_session_timeout = ${settings.idleInTransactionMs}`);
  if (settings.schema) statements.push(`SET search_path = ${settings.schema}`);
  return statements.join('; ');
}

/**
 * pg-pool's `onConnect` hook: the connection's session settings, run once per new connection
 * before the pool hands it out (a connection whose settings fail is ended, and its waiter gets the
 * error, so no statement ever runs without them). They are not startup parameters: PgBouncer
 * refuses connections that send `statement_timeout` or `idle_in_transaction_session_timeout` in
 * the startup packet ("unsupported startup parameter"), and told to ignore them it drops them, so
 * statements ran with no server-side bound. A `SET` is forwarded like any statement, and a
 * session-mode pooler resets it (`server_reset_query`) before another client gets the backend.
 */
function settingUp(text: string, readTimeoutMs: number | undefined): (client: ClientBase) => Promise<void> {
  return async (client) => {
    await client.query(timed(text, readTimeoutMs));
  };
}

/** PostgreSQL through a `pg` pool. */
export function createPgDriver(options: PgDriverOptions): SqlDriver {
  if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) throw new Error('schema must be a lowercase SQL identifier');
  const statementTimeout = options.statementTimeoutMs ?? 5_000;
  if (!Number.isSafeInteger(statementTimeout) || statementTimeout < 0) throw new Error('statementTimeoutMs must be a whole number of ms, 0 or more');
  // Per statement (pg's query_timeout), so a statement that runs unbounded on purpose can go without (QueryOptions.unbounded).
  const readTimeout = statementTimeout > 0 ? statementTimeout + READ_TIMEOUT_MARGIN_MS : undefined;
  const pool = new Pool({
    connectionString: options.url,
    // Finds idle connections that died without a word (what the read timeout cannot see: no statement waits on them).
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    onConnect: settingUp(sessionSettings({ statementTimeoutMs: statementTimeout, idleInTransactionMs: statementTimeout * 2, schema: options.schema }), readTimeout),
  });
  // An idle client that loses its connection emits here; without a listener the process would crash.
  pool.on('error', () => undefined);
  const poolClients = trackOpenClients(pool);
  // The readiness probe's own connection: `ping` asks whether PostgreSQL answers, not whether a
  // pooled connection is free. Through the request pool, requests queued behind one market's lock
  // (or any burst) made every instance's /readyz fail at once while PostgreSQL was healthy, and a
  // load balancer would then drop every backend, public queries included.
  const probe = new Pool({
    connectionString: options.url,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    max: 1,
    connectionTimeoutMillis: PROBE_TIMEOUT_MS,
    idleTimeoutMillis: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    onConnect: settingUp(sessionSettings({ statementTimeoutMs: PROBE_TIMEOUT_MS, schema: options.schema }), PROBE_TIMEOUT_MS),
  });
  probe.on('error', () => undefined);
  const probeClients = trackOpenClients(probe);

  const executor = (client: Pool | PoolClient): SqlExecutor => ({
    async query<R>(text: string, params: readonly unknown[] = [], options?: QueryOptions) {
      const statement = timed(text, options?.unbounded ? undefined : readTimeout, { values: params as unknown[], ...(options?.prepared ? { name: preparedName(text) } : {}) });
      const result = await client.query(statement);
      return result.rows as R[];
    },
  });

  return {
    kind: 'postgres',
    ...executor(pool),
    async begin(work) {
      const client = await pool.connect();
      let broken: Error | undefined;
      // A checked-out client whose connection drops between statements emits 'error'; the pool
      // only listens while the client is idle, so without this the process would crash. The
      // statement in flight (or the next one) fails on its own and the transaction rolls back.
      const onConnectionError = (error: Error) => {
        broken = error;
      };
      client.on('error', onConnectionError);
      let committing = false;
      try {
        await client.query(timed('BEGIN', readTimeout));
        const result = await work(executor(client));
        committing = true;
        await client.query(timed('COMMIT', readTimeout));
        return result;
      } catch (error) {
        if (isReadTimeout(error)) {
          // PostgreSQL did not answer: a ROLLBACK would queue behind the statement it never answered. The
          // connection is destroyed instead, which ends the transaction on the server's side.
          broken = error as Error;
        } else {
          try {
            await client.query(timed('ROLLBACK', readTimeout));
          } catch (rollbackError) {
            broken = rollbackError as Error; // the connection is unusable: destroy it instead of pooling it
          }
        }
        // A COMMIT the server answered with an error (a deferred constraint, a serialization
        // failure) rolled back. One that got no answer (the connection dropped, a read timeout)
        // may have committed: say so, rather than "nothing ran".
        if (committing && !(error instanceof DatabaseError)) throw new CommitOutcomeUnknownError(error);
        throw error;
      } finally {
        client.off('error', onConnectionError);
        client.release(broken);
      }
    },
    async ping() {
      // Bounded on the client's side too: a probe connection left waiting on a silent PostgreSQL would hold the probe's only connection for good.
      await probe.query(timed('SELECT 1', PROBE_TIMEOUT_MS));
    },
    async close() {
      // Bounded: connections a silent PostgreSQL never lets end are dropped after 2 s (end-pg-client.ts).
      await Promise.all([endPgPool(pool, poolClients), endPgPool(probe, probeClients)]);
    },
  };
}
