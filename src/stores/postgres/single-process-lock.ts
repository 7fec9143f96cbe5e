import { Client } from 'pg';
import { endPgClient } from './end-pg-client';

/**
 * One `signet serve` at a time on a PostgreSQL database served without Redis: its nonces, rate
 * limits and idempotency leases live in the process's memory, so a second process (another
 * replica, a deploy's new process beside the old one, or a server with Redis beside it) would
 * accept a signed request the first already ran, and each would admit its own share of every
 * limit. A session advisory lock on a connection of its own, keyed by the database and the schema
 * the URL's search_path names (current_schema()), held for the process's life: PostgreSQL releases
 * it when that connection ends, so a process that died frees it at once. The connection must reach
 * PostgreSQL directly or through a session-mode pooler: a transaction-mode pooler would hold the
 * lock on whichever backend ran the statement (every start refuses one first: session-check.ts).
 *
 * A server without Redis takes it exclusively (`alone`); a server with Redis takes it shared
 * (`shared`): any number of those run together, and a server without Redis is refused beside them,
 * as they are beside it.
 *
 * Loss is noticed from the connection's own errors and end, and by a check every 30 s that the
 * lock is still held by this connection's backend (a connection dropped without a word by a NAT,
 * a load balancer or `idle_session_timeout`; TCP keepalive starts after 10 s idle).
 *
 * Taking and checking the lock never wait forever on a PostgreSQL (or pooler) that accepts the
 * connection and never answers: connecting gives up after 5 s, as the pool's connections do, and
 * each statement (the lock's, the check's) after 10 s, so start-up fails, a holder is told, and a
 * retake tries again. Ending the connection (a release, a loss, a failed take) is bounded too: pg's
 * end waits for the server's side of the close, so after 2 s the socket is destroyed instead
 * (end-pg-client.ts); the server's session, and with it the lock, then ends when the server notices.
 */
export interface SingleProcessLock {
  /** Ends the connection, which releases the lock; resolves within 2 s even when PostgreSQL went silent. */
  release(): Promise<void>;
}

/** `alone`: a server without Redis, the only one on the database. `shared`: a server with Redis, beside others like it. */
export type ServingMode = 'alone' | 'shared';

/** Thrown when the URL's search_path names no schema that exists: there is nothing to guard, and no server is to blame. */
export class NoSchemaSelected extends Error {
  constructor(searchPath: string, database: string) {
    super(`DATABASE_URL selects no schema: its search_path ("${searchPath}") names no schema that exists in database "${database}". Create the schema, or correct the search_path in DATABASE_URL's options (e.g. ?options=-c%20search_path%3Dmyschema)`);
    this.name = 'NoSchemaSelected';
  }
}

/** Thrown when PostgreSQL does not answer the lock's connection in time (a hung server or pooler, or no route to it). */
export class PostgresNotAnswering extends Error {
  constructor(host: string, port: number, timeoutMs: number, cause: unknown) {
    super(`PostgreSQL at ${host}:${port} (DATABASE_URL) did not answer within ${timeoutMs / 1_000} s: the server, or a pooler in front of it, is hung or unreachable`, { cause });
    this.name = 'PostgresNotAnswering';
  }
}

/** Thrown when the lock cannot be had in this mode: start-up stops with this message. */
export class SingleProcessLockHeld extends Error {
  constructor(schema: string, mode: ServingMode) {
    super(mode === 'alone'
      ? `another Signet server uses this PostgreSQL database (schema "${schema}"), with REDIS_URL or without. Without Redis each process keeps its nonces, rate limits and idempotency leases in its own memory, so two would accept the same signed request: stop the other one, or set REDIS_URL on every process to run several`
      : `a Signet server without REDIS_URL uses this PostgreSQL database (schema "${schema}"): it keeps its nonces, rate limits and idempotency leases in its own memory, so a server beside it would accept the same signed request again. Stop it, or set REDIS_URL on it too`);
    this.name = 'SingleProcessLockHeld';
  }
}

/** What the lock reports, besides its loss for good (`onLost`). */
export interface SingleProcessLockOptions {
  readonly mode?: ServingMode;
  /** Told when the lock is gone for good: the caller must stop serving. */
  readonly onLost: (error: Error) => void;
  /** A shared holder lost its connection and is taking the lock again, or an attempt failed. */
  readonly onRetaking?: (error: Error, attempt: number) => void;
  /** A shared holder holds the lock again. */
  readonly onRetaken?: () => void;
  /** Tests only. */
  readonly checkIntervalMs?: number;
  readonly queryTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
}

/** How long connecting may take: the pool's `connectionTimeoutMillis` (pg-driver.ts), so the lock gives up as the pool does. */
const CONNECT_TIMEOUT_MS = 5_000;

/** Waits before a shared holder's attempts to take its lock again: at once, then backing off to 2 s. */
const RETAKE_DELAYS_MS = [0, 250, 500, 1_000, 2_000] as const;
/** The lock's two keys: its key space, and the database and schema it guards. */
const LOCK_SPACE = "hashtext('signet: one server without Redis')";
const LOCK_TARGET = "hashtext(current_database() || '.' || current_schema())";

interface LockConnection { readonly schema: string; readonly locked: boolean; end(): Promise<void> }

/** Connects `client`, a connection that does not answer in time named as such (pg says only "timeout expired"). */
export async function connectWithin(client: Client, timeoutMs: number): Promise<void> {
  let timedOut = false;
  // Set before pg's own timer of the same length (created inside connect()), so it has fired when pg gives up.
  const timer = setTimeout(() => { timedOut = true; }, timeoutMs);
  timer.unref();
  try {
    await client.connect();
  } catch (error) {
    throw timedOut ? new PostgresNotAnswering(client.host, client.port, timeoutMs, error) : error;
  } finally {
    clearTimeout(timer);
  }
}

/** One connection trying to hold the lock in `mode`; `onConnectionLost` once it fails, ends or no longer holds it. */
async function lockOn(url: string, mode: ServingMode, options: SingleProcessLockOptions, onConnectionLost: (error: Error) => void): Promise<LockConnection> {
  const connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
  const client = new Client({
    connectionString: url, keepAlive: true, keepAliveInitialDelayMillis: 10_000,
    connectionTimeoutMillis: connectTimeoutMs, query_timeout: options.queryTimeoutMs ?? 10_000,
  });
  let ending = false;
  let lost = false;
  let check: NodeJS.Timeout | undefined;
  const end = async () => {
    ending = true;
    clearInterval(check);
    await endPgClient(client);
  };
  const lose = (error: Error) => {
    if (ending || lost) return;
    lost = true;
    clearInterval(check);
    endPgClient(client).catch(() => undefined);
    onConnectionLost(error);
  };
  client.on('error', lose);
  client.on('end', () => lose(new Error('the connection holding the single-process lock ended')));
  try {
    await connectWithin(client, connectTimeoutMs);
    // The two-key form: a key space apart from the one-key locks of migrations, markets and accounts.
    // With no schema selected the key is NULL and so is the answer: no lock taken, and no holder to blame.
    const take = mode === 'alone' ? 'pg_try_advisory_lock' : 'pg_try_advisory_lock_shared';
    const [row] = (await client.query<{ locked: boolean | null; schema: string | null; search_path: string; database: string }>(
      `SELECT ${take}(${LOCK_SPACE}, ${LOCK_TARGET}) AS locked, current_schema() AS schema, current_setting('search_path') AS search_path, current_database() AS database`,
    )).rows;
    if (row.schema === null) throw new NoSchemaSelected(row.search_path, row.database);
    if (row.locked) {
      check = setInterval(() => {
        client.query<{ held: boolean }>(
          `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
             AND classid = (${LOCK_SPACE})::oid AND objid = (${LOCK_TARGET})::oid) AS held`,
        ).then((result) => {
          if (!result.rows[0]?.held) lose(new Error('the single-process lock is no longer held by its connection (a pooler in transaction mode, or the session was ended)'));
        }, (error: Error) => lose(error));
      }, options.checkIntervalMs ?? 30_000);
      check.unref();
    }
    return { schema: row.schema, locked: row.locked === true, end };
  } catch (error) {
    ending = true;
    await endPgClient(client).catch(() => undefined);
    throw error;
  }
}

/**
 * Takes the lock or throws {@link SingleProcessLockHeld}. `onLost` is told when the lock is gone
 * for good and the caller must stop serving:
 * - `alone`: the lock's connection failed, ended or no longer holds it (PostgreSQL restarted, the
 *   connection was cut): another process may take the lock meanwhile;
 * - `shared`: the lock could not be taken again after such a loss because a server without Redis
 *   took it meanwhile. It is taken again at once, then with a backoff up to every 2 s while
 *   PostgreSQL is unreachable or does not answer (each attempt gives up after the connect and
 *   statement timeouts): a restart of PostgreSQL must not stop every server that has Redis.
 */
export async function acquireSingleProcessLock(url: string, options: SingleProcessLockOptions): Promise<SingleProcessLock> {
  const mode = options.mode ?? 'alone';
  let released = false;
  let current: LockConnection | null = null;
  let retaking = false;
  const retake = async (cause: Error): Promise<void> => {
    let failure = cause;
    for (let attempt = 1; !released; attempt += 1) {
      options.onRetaking?.(failure, attempt);
      const delay = RETAKE_DELAYS_MS[Math.min(attempt - 1, RETAKE_DELAYS_MS.length - 1)];
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay).unref());
      if (released) return;
      let next: LockConnection;
      try {
        next = await lockOn(url, mode, options, connectionLost);
      } catch (error) {
        failure = error as Error; // PostgreSQL still unreachable: try again.
        continue;
      }
      if (released || !next.locked) {
        await next.end().catch(() => undefined);
        if (!released) options.onLost(new SingleProcessLockHeld(next.schema, mode));
        return;
      }
      current = next;
      options.onRetaken?.();
      return;
    }
  };
  // Only once the first lock is held: a failure while taking it is start-up's error, not a loss.
  let holding = false;
  function connectionLost(error: Error): void {
    if (released || !holding) return;
    if (mode === 'alone') return options.onLost(error);
    current = null;
    if (retaking) return;
    retaking = true;
    void retake(error).finally(() => { retaking = false; });
  }
  const first = await lockOn(url, mode, options, connectionLost);
  if (!first.locked) {
    await first.end().catch(() => undefined);
    throw new SingleProcessLockHeld(first.schema, mode);
  }
  current = first;
  holding = true;
  return {
    async release() {
      // A retake in progress ends whatever connection it opens once it sees this.
      released = true;
      await current?.end();
    },
  };
}
