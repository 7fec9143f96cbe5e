/**
 * The bench's round-trip costs (bench/round-trip-cost.ts): measured on a real database and, when
 * the suite has one, a real Redis; a handful of round trips, so the figures are only checked for
 * shape (timings are the bench's business, not a test's).
 */
import { Redis } from 'ioredis';
import { measureRoundTrips, ROUND_TRIPS_IN_FLIGHT } from '../../bench/round-trip-cost';
import { createPgliteDriver } from '../../src/stores/postgres';
import { openPgliteDatabase, type TestDatabase } from '../helpers/database';
import { describeWithRedis } from '../helpers/services';

describe('round-trip costs on PGlite', () => {
  let db: TestDatabase;
  beforeAll(async () => { db = await openPgliteDatabase(); });
  afterAll(() => db.close());

  it('gives the SQL statement\'s CPU cost one at a time and in flight, and no Redis figure without Redis', async () => {
    const costs = await measureRoundTrips(db.driver, undefined, 40);
    expect(costs).toMatchObject({ iterations: 40, inFlight: ROUND_TRIPS_IN_FLIGHT });
    expect(Number.isFinite(costs.sqlStatementMs.sequential) && Number.isFinite(costs.sqlStatementMs.concurrent)).toBe(true);
    expect(Number.isFinite(costs.recordWriteMs?.sequential) && Number.isFinite(costs.recordWriteMs?.concurrent)).toBe(true);
    // The records it wrote to measure the write are gone.
    expect(await db.driver.query('SELECT 1 FROM idempotency_records')).toEqual([]);
    expect(costs.redisRoundTripMs).toBeUndefined();
  });

  it('refuses a database without the fee account rather than timing statements that find nothing', async () => {
    const empty = await createPgliteDriver();
    try {
      await empty.query('CREATE TABLE accounts (id uuid PRIMARY KEY)');
      await expect(measureRoundTrips(empty, undefined, 40)).rejects.toThrow('the fee account row is missing');
    } finally {
      await empty.close();
    }
  });
});

describeWithRedis('round-trip costs on Redis', (url) => {
  let db: TestDatabase;
  let redis: Redis;
  beforeAll(async () => {
    db = await openPgliteDatabase();
    redis = new Redis(url);
  });
  afterAll(async () => {
    await db.close();
    redis.disconnect();
  });

  it('gives the EVALSHA round trip\'s cost and leaves no key behind', async () => {
    const before = await redis.keys('signet-bench:round-trip:*');
    const costs = await measureRoundTrips(db.driver, url, 40);
    expect(costs.redisRoundTripMs).toEqual({ sequential: expect.any(Number), concurrent: expect.any(Number) });
    expect(await redis.keys('signet-bench:round-trip:*')).toEqual(before);
  });
});
