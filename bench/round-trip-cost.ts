/**
 * What one round trip to the stores costs the process that sends it, measured in the bench's own
 * run, so the report can say what the security layer's round trips alone cost (its floor, with the
 * verification) beside what the layer costs in the servers. CPU time of this process (user +
 * system: the socket writes and reads are system time) per round trip, measured while no load
 * runs, two ways: one at a time, and 10 in flight at once, as the requests of a loaded server
 * overlap (the reads and wake-ups are then shared, so each round trip costs less).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { fingerprintArguments, idempotencyScopeKey, type IdempotencyRecord } from '@signet/idempotency';
import { createSqlIdempotencyRecordStore } from '@signet/idempotency-postgres';
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
  /**
   * The statement a keyed mutation sends that no other does: its durable idempotency record's
   * insert (`save` of @signet/idempotency-postgres, the record of a placed order), written in a
   * transaction that already writes, as the record joins the placement's. Its marginal cost:
   * transactions writing two records less transactions writing one. Embedded, PGlite's work for it
   * (the row, its two index entries and their share of the commit's WAL) runs in the server's
   * process, which a primary-key `SELECT` standing in for it would leave out. Absent in older runs.
   */
  readonly recordWriteMs?: RoundTripCost;
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

/** Scope keys of the records {@link measureRecordWrite} writes (deleted when it is done). */
const RECORD_SCOPE = 'signet-bench-record-write';

/**
 * The marginal cost of one idempotency record's insert in a transaction that writes: transactions
 * of two records less transactions of one, in alternating blocks so a drift of the machine falls on
 * both. Records as a keyed `placeOrder` leaves them (scope key, argument fingerprint, the stored
 * outcome naming the order, a 24 h expiry); every row written is deleted afterwards.
 */
async function measureRecordWrite(driver: SqlDriver, iterations: number): Promise<RoundTripCost> {
  const record = (): IdempotencyRecord => {
    const createdAt = new Date();
    return {
      scopeKey: idempotencyScopeKey({ scope: RECORD_SCOPE, field: 'placeOrder', key: randomUUID() }),
      fingerprint: fingerprintArguments({ input: { market: 'BTC-USD', side: 'BUY', price: '29999.00', quantity: '0.001', clientOrderId: randomUUID() } }),
      outcome: JSON.stringify({ entity: { kind: 'order', id: randomUUID() }, userErrors: [] }),
      createdAt, expiresAt: new Date(createdAt.getTime() + 24 * 3600_000),
    };
  };
  const transactionOf = (records: number) => () => driver.begin(async (tx) => {
    const store = createSqlIdempotencyRecordStore(tx);
    for (let i = 0; i < records; i += 1) {
      if (await store.save(record()) !== 'saved') throw new Error('round-trip cost: a fresh idempotency record was not saved');
    }
  });
  const blocks = 5;
  const perBlock = Math.max(1, Math.round(iterations / blocks));
  const sum = { sequential: 0, concurrent: 0 };
  try {
    for (let block = 0; block < blocks; block += 1) {
      const [one, two] = [await both(perBlock, transactionOf(1)), await both(perBlock, transactionOf(2))];
      sum.sequential += two.sequential - one.sequential;
      sum.concurrent += two.concurrent - one.concurrent;
    }
  } finally {
    await driver.query('DELETE FROM idempotency_records WHERE scope_key LIKE $1', [`${RECORD_SCOPE}:%`]);
  }
  return { sequential: round4(sum.sequential / blocks), concurrent: round4(sum.concurrent / blocks) };
}

/**
 * Measures the round trips on `driver` (a database of the bench's mode, migrated: the statement
 * reads the fee account's row; the record writes go to its idempotency records, and are deleted)
 * and, with `redisUrl`, on a Redis client of its own (one key under a random name, deleted
 * afterwards).
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
  const recordWriteMs = await measureRecordWrite(driver, iterations);
  if (!redisUrl) return { iterations, inFlight: ROUND_TRIPS_IN_FLIGHT, sqlStatementMs, recordWriteMs };
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const key = `signet-bench:round-trip:${randomBytes(8).toString('hex')}`;
  try {
    await redis.connect();
    const sha = String(await redis.script('LOAD', "return redis.call('INCR', KEYS[1])"));
    const redisRoundTripMs = await both(iterations, () => redis.evalsha(sha, 1, key));
    return { iterations, inFlight: ROUND_TRIPS_IN_FLIGHT, sqlStatementMs, recordWriteMs, redisRoundTripMs };
  } finally {
    await redis.del(key).catch(() => undefined);
    redis.disconnect();
  }
}
