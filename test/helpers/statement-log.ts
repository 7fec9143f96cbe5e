import type { SqlDriver, SqlExecutor } from '../../src/stores/postgres';

/** One statement as the driver was asked to send it. */
export interface LoggedStatement { readonly text: string; readonly params: readonly unknown[] }

/** A driver that records every statement it sends, BEGIN and COMMIT / ROLLBACK included. */
export interface LoggedDriver extends SqlDriver {
  /** The statements sent while `work` ran, whitespace collapsed, in order. */
  statementsOf(work: () => Promise<unknown>): Promise<string[]>;
  /** The same, with the parameters each was sent with (BEGIN, COMMIT and ROLLBACK have none). */
  queriesOf(work: () => Promise<unknown>): Promise<LoggedStatement[]>;
}

/**
 * Wraps `driver` to log its statements, as `bench/bench-env.ts` counts them: each one is a round
 * trip. Only for work that runs alone on the driver (one test at a time).
 */
export function loggedDriver(driver: SqlDriver): LoggedDriver {
  const log: LoggedStatement[] = [];
  const logged = (executor: SqlExecutor): SqlExecutor => ({
    query: (text, params, options) => {
      log.push({ text: text.replace(/\s+/g, ' ').trim(), params: params ?? [] });
      return executor.query(text, params, options);
    },
  });
  const queriesOf = async (work: () => Promise<unknown>) => {
    const from = log.length;
    await work();
    return log.slice(from);
  };
  return {
    ...logged(driver), kind: driver.kind, ping: () => driver.ping(), close: () => driver.close(),
    async begin(work) {
      log.push({ text: 'BEGIN', params: [] });
      try {
        const result = await driver.begin((tx) => work(logged(tx)));
        log.push({ text: 'COMMIT', params: [] });
        return result;
      } catch (error) {
        log.push({ text: 'ROLLBACK', params: [] });
        throw error;
      }
    },
    queriesOf,
    statementsOf: async (work) => (await queriesOf(work)).map((s) => s.text),
  };
}
