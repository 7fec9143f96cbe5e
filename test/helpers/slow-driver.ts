import type { QueryOptions, SqlDriver, SqlExecutor } from '../../src/stores/postgres';

/** A driver that, while armed, runs `SELECT pg_sleep(…)` inside the transaction just before a matching statement. */
export interface SlowDriver extends SqlDriver {
  /** Makes the next transactions sleep `seconds` before statements matching `pattern`; `disarm` stops it. */
  arm(pattern: RegExp, seconds: number): void;
  disarm(): void;
}

/**
 * Wraps `driver` so a test can make one statement of a real transaction slow: the trap lowers the
 * transaction's statement timeout to half the sleep (SET LOCAL) and sleeps, so the sleep fails
 * with SQLSTATE 57014 after the earlier statements of the same transaction have run, which is
 * exactly a timeout mid-transaction. The transaction's other statements keep the driver's own
 * timeout: a lock wait behind another suite sharing the database does not time them out.
 */
export function slowDriver(driver: SqlDriver): SlowDriver {
  let trap: { pattern: RegExp; seconds: number } | null = null;
  const slowed = (tx: SqlExecutor): SqlExecutor => ({
    async query<R>(text: string, params?: readonly unknown[], options?: QueryOptions) {
      if (trap && trap.pattern.test(text)) {
        await tx.query(`SET LOCAL statement_timeout = ${Math.round(trap.seconds * 500)}`);
        await tx.query('SELECT pg_sleep($1)', [trap.seconds]);
      }
      return tx.query<R>(text, params, options);
    },
  });
  return {
    ...driver,
    query: (text, params, options) => driver.query(text, params, options),
    begin: (work) => driver.begin((tx) => work(slowed(tx))),
    ping: () => driver.ping(),
    close: () => driver.close(),
    arm(pattern, seconds) {
      trap = { pattern, seconds };
    },
    disarm() {
      trap = null;
    },
  };
}
