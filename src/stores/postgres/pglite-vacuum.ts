import type { SqlExecutor } from './sql-driver';

/**
 * When PGlite vacuums a table: what autovacuum decides on a PostgreSQL server. PGlite runs
 * PostgreSQL in single-user mode, with no autovacuum worker, so without this nothing ever
 * vacuums. An order that fills or is canceled leaves its previous row version, and that
 * version's entry in the live-order indexes (`orders_live_*`), until VACUUM removes them; every
 * book read and open-order listing walks past those entries. Measured on PGlite, one market
 * crossing one lot at a time: the book read went from 0.115 to 0.192 ms over 18,000 trades, and
 * back to its first cost after one VACUUM of `orders` (12 ms at 36,000 rows).
 */
export interface VacuumPolicy {
  /** Read the table statistics after this many committed transactions. */
  readonly checkEveryCommits: number;
  /** Vacuum a table once its dead rows exceed `deadRowsBase + deadRowsFraction × live rows`. */
  readonly deadRowsBase: number;
  readonly deadRowsFraction: number;
}

/**
 * Stricter than autovacuum's default (50 + 20%): a book read's extra cost is bounded by the dead
 * entries allowed, and a vacuum of a table of 40,000 orders costs about 12 ms, so it stays a small
 * share of the work that made the dead rows. Migration 4 gives PostgreSQL's autovacuum the same
 * thresholds for `orders`.
 */
export const DEFAULT_VACUUM_POLICY: VacuumPolicy = { checkEveryCommits: 500, deadRowsBase: 1000, deadRowsFraction: 0.02 };

/** Counts commits and, every `checkEveryCommits`, vacuums the tables past the policy's threshold. */
export interface VacuumScheduler {
  /** A transaction committed (called by the driver after each commit). */
  committed(): void;
  /** Resolves when no vacuum is running (before closing, and in tests). */
  settled(): Promise<void>;
}

/**
 * A scheduler over `db`: PGlite's own connection, outside any transaction (VACUUM cannot run in
 * one; PGlite queues it behind the running transaction, and the next ones wait for it). One check
 * at a time; a failure goes to `onError` and the next check tries again.
 */
export function createVacuumScheduler(db: SqlExecutor, policy: VacuumPolicy, onError: (error: Error) => void): VacuumScheduler {
  let commits = 0;
  let running: Promise<void> | null = null;

  async function vacuumWhatNeedsIt(): Promise<void> {
    // A backend publishes its table statistics at most once a second, so without this the check
    // reads counts up to a second old and lets that second's dead rows pile up past the threshold.
    await db.query('SELECT pg_stat_force_next_flush()');
    const tables = await db.query<{ name: string }>(
      `SELECT format('%I.%I', schemaname, relname) AS name FROM pg_stat_user_tables
       WHERE n_dead_tup > $1::bigint + $2::float8 * n_live_tup ORDER BY n_dead_tup DESC`,
      [policy.deadRowsBase, policy.deadRowsFraction],
    );
    for (const { name } of tables) await db.query(`VACUUM ${name}`);
  }

  return {
    committed() {
      commits += 1;
      if (commits < policy.checkEveryCommits || running) return;
      commits = 0;
      running = vacuumWhatNeedsIt()
        .catch((error: Error) => onError(error))
        .finally(() => { running = null; });
    },
    async settled() {
      while (running) await running;
    },
  };
}
