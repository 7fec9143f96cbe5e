import { Client } from 'pg';

/**
 * One `signet serve` at a time on a PostgreSQL database served without Redis: its nonces, rate
 * limits and idempotency leases live in the process's memory, so a second process (another
 * replica, a deploy's new process beside the old one, or a server with Redis beside it) would
 * accept a signed request the first already ran, and each would admit its own share of every
 * limit. A session advisory lock on a connection of its own, keyed by the database and the schema
 * the URL's search_path names (current_schema()), held for the process's life: PostgreSQL releases
 * it when that connection ends, so a process that died frees it at once.
 *
 * A server without Redis takes it exclusively (`alone`); a server with Redis takes it shared
 * (`shared`): any number of those run together, and a server without Redis is refused beside them,
 * as they are beside it.
 */
export interface SingleProcessLock {
  /** Ends the connection, which releases the lock. */
  release(): Promise<void>;
}

/** `alone`: a server without Redis, the only one on the database. `shared`: a server with Redis, beside others like it. */
export type ServingMode = 'alone' | 'shared';

/** Thrown when the lock cannot be had in this mode: start-up stops with this message. */
export class SingleProcessLockHeld extends Error {
  constructor(schema: string, mode: ServingMode) {
    super(mode === 'alone'
      ? `another Signet server uses this PostgreSQL database (schema "${schema}"), with REDIS_URL or without. Without Redis each process keeps its nonces, rate limits and idempotency leases in its own memory, so two would accept the same signed request: stop the other one, or set REDIS_URL on every process to run several`
      : `a Signet server without REDIS_URL uses this PostgreSQL database (schema "${schema}"): it keeps its nonces, rate limits and idempotency leases in its own memory, so a server beside it would accept the same signed request again. Stop it, or set REDIS_URL on it too`);
    this.name = 'SingleProcessLockHeld';
  }
}

/** How long a shared holder waits between attempts to take its lock again after losing its connection. */
const RETAKE_INTERVAL_MS = 2_000;

/** One connection holding the lock in `mode`: the schema it is for, or null when another holder's mode conflicts. */
async function lockOn(url: string, mode: ServingMode, onConnectionLost: (error: Error) => void): Promise<{ client: Client; schema: string; locked: boolean; end(): Promise<void> }> {
  const client = new Client({ connectionString: url, keepAlive: true });
  let ending = false;
  let lost = false;
  const lose = (error: Error) => {
    if (ending || lost) return;
    lost = true;
    onConnectionLost(error);
  };
  client.on('error', lose);
  client.on('end', () => lose(new Error('the connection holding the single-process lock ended')));
  const end = async () => {
    ending = true;
    await client.end();
  };
  try {
    await client.connect();
    // The two-key form: a key space apart from the one-key locks of migrations, markets and accounts.
    const take = mode === 'alone' ? 'pg_try_advisory_lock' : 'pg_try_advisory_lock_shared';
    const [row] = (await client.query<{ locked: boolean; schema: string }>(
      `SELECT ${take}(hashtext('signet: one server without Redis'), hashtext(current_database() || '.' || current_schema())) AS locked, current_schema() AS schema`,
    )).rows;
    return { client, schema: row.schema, locked: row.locked, end };
  } catch (error) {
    await end().catch(() => undefined);
    throw error;
  }
}

/**
 * Takes the lock in `mode` or throws {@link SingleProcessLockHeld}. `onLost` is told when the lock
 * is gone for good and the caller must stop serving:
 * - `alone`: the lock's connection failed or ended other than by `release` (PostgreSQL restarted,
 *   the connection was cut): another process may take the lock meanwhile;
 * - `shared`: the lock could not be taken again after such a loss because a server without Redis
 *   took it meanwhile (while PostgreSQL is unreachable it keeps trying, every 2 s: a restart of
 *   PostgreSQL must not stop every server that has Redis).
 */
export async function acquireSingleProcessLock(url: string, onLost: (error: Error) => void, mode: ServingMode = 'alone'): Promise<SingleProcessLock> {
  let released = false;
  let current: Awaited<ReturnType<typeof lockOn>> | null = null;
  let retaking: Promise<void> | null = null;
  const retake = async (): Promise<void> => {
    while (!released) {
      await new Promise((resolve) => setTimeout(resolve, RETAKE_INTERVAL_MS).unref());
      if (released) return;
      let next: Awaited<ReturnType<typeof lockOn>>;
      try {
        next = await lockOn(url, mode, connectionLost);
      } catch {
        continue; // PostgreSQL still unreachable: try again.
      }
      if (released || !next.locked) {
        await next.end().catch(() => undefined);
        if (!released) onLost(new SingleProcessLockHeld(next.schema, mode));
        return;
      }
      current = next;
      return;
    }
  };
  function connectionLost(error: Error): void {
    if (released) return;
    if (mode === 'alone') return onLost(error);
    current = null;
    retaking ??= retake().finally(() => { retaking = null; });
  }
  const first = await lockOn(url, mode, connectionLost);
  if (!first.locked) {
    await first.end().catch(() => undefined);
    throw new SingleProcessLockHeld(first.schema, mode);
  }
  current = first;
  return {
    async release() {
      // A retake in progress ends whatever connection it opens once it sees this.
      released = true;
      await current?.end();
    },
  };
}
