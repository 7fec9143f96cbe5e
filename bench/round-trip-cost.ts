/**
 * What one round trip to the stores costs the process that sends it, measured in the bench's own
 * run, so the report can say what the security layer's round trips alone cost (its floor, with the
 * verification) beside what the layer costs in the servers. CPU time of this process (user +
 * system: the socket writes and reads are system time) per round trip, measured while no load
 * runs, two ways: one at a time, and 10 in flight at once, as the requests of a loaded server
 * overlap (the reads and wake-ups are then shared, so each round trip costs less).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { FEE_ACCOUNT_ID } from '../src/domain';
import type { SqlDriver } from '../src/stores/postgres';

/** CPU ms per round trip, sent one at a time and with {@link ROUND_TRIPS_IN_FLIGHT} in flight. */
export interface RoundTripCost {
  readonly sequential: number;
  readonly concurrent: number;
}

/** The round trips' costs of one run. */
export interface RoundTripCosts {
  /** Round trips timed per figure (after as many warm-up ones). */
  readonly iterations: number;
  /** Round trips in flight at once for the `concurrent` figures. */
  readonly inFlight: number;
  /**
   * A prepared primary-key `SELECT` inside a transaction, through the driver the servers use (as a
   * protected mutation's extra statements run): on PostgreSQL the client's side of it (pg);
   * embedded, PGlite runs in process, so it includes the database's own work. The marginal cost of
   * one more statement: transactions of 21 statements less transactions of 1, over 20.
   */
  readonly sqlStatementMs: RoundTripCost;
  /** An `EVALSHA` of a one-command script through ioredis (absent without Redis). */
  readonly redisRoundTripMs?: RoundTripCost;
}

/** Round trips in flight for the concurrent figures: the connections the bench drives each server with. */
export const ROUND_TRIPS_IN_FLIGHT = 10;

/** Statements in the long transaction the marginal statement cost is measured with. */
const STATEMENTS_PER_TRANSACTION = 21;

const round4 = (ms: number) => Math.round(ms * 10_000) / 10_000;

/** CPU ms per call of `op`, `iterations` calls spread over `inFlight` loops, after as many warm-up calls. */
async function cpuMsPerRoundTrip(iterations: number, inFlight: number, op: () => Promise<unknown>): Promise<number> {
  const loops = async (total: number) => {
    const each = Math.ceil(total / inFlight);
    await Promise.all(Array.from({ length: inFlight }, async () => {
      for (let i = 0; i < each; i += 1) await op();
    }));
    return each * inFlight;
  };
  await loops(iterations);
  const before = process.cpuUsage();
  const done = await loops(iterations);
  const used = process.cpuUsage(before);
  return round4((used.user + used.system) / 1000 / done);
}

async function both(iterations: number, op: () => Promise<unknown>): Promise<RoundTripCost> {
  return { sequential: await cpuMsPerRoundTrip(iterations, 1, op), concurrent: await cpuMsPerRoundTrip(iterations, ROUND_TRIPS_IN_FLIGHT, op) };
}

/**
 * Measures the round trips on `driver` (a database of the bench's mode, migrated: the statement
 * reads the fee account's row) and, with `redisUrl`, on a Redis client of its own (one key under a
 * random name, deleted afterwards).
 */
export async function measureRoundTrips(driver: SqlDriver, redisUrl?: string, iterations = 2000): Promise<RoundTripCosts> {
  const transactionOf = (statements: number) => () => driver.begin(async (tx) => {
    for (let i = 0; i < statements; i += 1) {
      const rows = await tx.query('SELECT 1 AS one FROM accounts WHERE id = $1', [FEE_ACCOUNT_ID], { prepared: true });
      if (rows.length !== 1) throw new Error('round-trip cost: the fee account row is missing');
    }
  });
  const extra = STATEMENTS_PER_TRANSACTION - 1;
  const transactions = Math.max(1, Math.round(iterations / extra));
  const [one, many] = [await both(transactions, transactionOf(1)), await both(transactions, transactionOf(STATEMENTS_PER_TRANSACTION))];
  const sqlStatementMs = { sequential: round4((many.sequential - one.sequential) / extra), concurrent: round4((many.concurrent - one.concurrent) / extra) };
  if (!redisUrl) return { iterations, inFlight: ROUND_TRIPS_IN_FLIGHT, sqlStatementMs };
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const key = `signet-bench:round-trip:${randomBytes(8).toString('hex')}`;
  try {
    await redis.connect();
    const sha = String(await redis.script('LOAD', "return redis.call('INCR', KEYS[1])"));
    const redisRoundTripMs = await both(iterations, () => redis.evalsha(sha, 1, key));
    return { iterations, inFlight: ROUND_TRIPS_IN_FLIGHT, sqlStatementMs, redisRoundTripMs };
  } finally {
    await redis.del(key).catch(() => undefined);
    redis.disconnect();
  }
}
