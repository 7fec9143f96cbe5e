import { Client } from 'pg';

/**
 * One `signet serve` at a time on a PostgreSQL database served without Redis: its nonces, rate
 * limits and idempotency leases live in the process's memory, so a second process (another
 * replica, or a deploy's new process beside the old one) would accept a signed request the first
 * already ran, and each would admit its own share of every limit. A session advisory lock on a
 * connection of its own, keyed by the database and the schema the URL's search_path names
 * (current_schema()), held for the process's life: PostgreSQL releases it when that connection
 * ends, so a process that died frees it at once.
 */
export interface SingleProcessLock {
  /** Ends the connection, which releases the lock. */
  release(): Promise<void>;
}

/** Thrown when another process holds the lock: start-up stops with this message. */
export class SingleProcessLockHeld extends Error {
  constructor(schema: string) {
    super(`another Signet server uses this PostgreSQL database (schema "${schema}") without REDIS_URL. Without Redis each process keeps its nonces, rate limits and idempotency leases in its own memory, so two would accept the same signed request: stop the other one, or set REDIS_URL on every process to run several`);
    this.name = 'SingleProcessLockHeld';
  }
}

/**
 * Takes the lock or throws {@link SingleProcessLockHeld}. `onLost` is told when the lock's
 * connection fails or ends other than by `release` (PostgreSQL restarted, the connection was cut):
 * the lock is gone and another process may take it, so the caller must stop serving.
 */
export async function acquireSingleProcessLock(url: string, onLost: (error: Error) => void): Promise<SingleProcessLock> {
  const client = new Client({ connectionString: url, keepAlive: true });
  let releasing = false;
  let lost = false;
  const lose = (error: Error) => {
    if (releasing || lost) return;
    lost = true;
    onLost(error);
  };
  client.on('error', lose);
  client.on('end', () => lose(new Error('the connection holding the single-process lock ended')));
  await client.connect();
  try {
    // The two-key form: a key space apart from the one-key locks of migrations, markets and accounts.
    const [row] = (await client.query<{ locked: boolean; schema: string }>(
      "SELECT pg_try_advisory_lock(hashtext('signet: one server without Redis'), hashtext(current_database() || '.' || current_schema())) AS locked, current_schema() AS schema",
    )).rows;
    if (!row.locked) throw new SingleProcessLockHeld(row.schema);
  } catch (error) {
    releasing = true;
    await client.end().catch(() => undefined);
    throw error;
  }
  return {
    async release() {
      releasing = true;
      await client.end();
    },
  };
}
