import type { SqlDriver, SqlExecutor } from '../../src/stores/postgres';

/** A driver that records every statement it sends, BEGIN and COMMIT / ROLLBACK included. */
export interface LoggedDriver extends SqlDriver {
  /** The statements sent while `work` ran, whitespace collapsed, in order. */
  statementsOf(work: () => Promise<unknown>): Promise<string[]>;
}

/**
 * Wraps `driver` to log its statements, as `bench/bench-env.ts` counts them: each one is a round
 * trip. Only for work that runs alone on the driver (one test at a time).
 */
export function loggedDriver(driver: SqlDriver): LoggedDriver {
  const log: string[] = [];
  const logged = (executor: SqlExecutor): SqlExecutor => ({
    query: (text, params) => {
      log.push(text.replace(/\s+/g, ' ').trim());
      return executor.query(text, params);
    },
  });
  return {
    ...logged(driver), kind: driver.kind, ping: () => driver.ping(), close: () => driver.close(),
    async begin(work) {
      log.push('BEGIN');
      try {
        const result = await driver.begin((tx) => work(logged(tx)));
        log.push('COMMIT');
        return result;
      } catch (error) {
        log.push('ROLLBACK');
        throw error;
      }
    },
    async statementsOf(work) {
      const from = log.length;
      await work();
      return log.slice(from);
    },
  };
}
