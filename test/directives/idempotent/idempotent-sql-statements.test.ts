import { Redis } from 'ioredis';
import { createMemoryIdempotencyStore, declareCompleteIfNoLiveRecords, type IdempotencyStore } from '@signet/idempotency';
import { createRedisIdempotencyStore } from '@signet/idempotency-redis';
import type { DomainServices, PlaceOrderInput } from '../../../src/domain';
import { openPgliteDatabase, openPostgresDatabase, type TestDatabase } from '../../helpers/database';
import { directiveDepsFor } from '../../helpers/directives';
import { balancesOf, fundedAccount, idempotencyRecordsOf, servicesFor } from '../../helpers/domain';
import { createTestGraphQL, principalFor, type TestGraphQL } from '../../helpers/graphql';
import { WIDE_FIELD_LIMITS } from '../../helpers/idempotency';
import { describeWithPostgres } from '../../helpers/services';
import { loggedDriver, type LoggedDriver } from '../../helpers/statement-log';
import { PLACE, buy } from './fixture';

const CANCEL = 'mutation($id: ID!, $key: String) { cancelOrder(id: $id) @idempotent(key: $key) { order { id status } userErrors { code } } }';
const RECORD_INSERT = /^INSERT INTO idempotency_records /;
/** The order of `buy()`, as the service takes it. */
const ORDER: PlaceOrderInput = { market: 'BTC-USD', side: 'BUY', type: 'LIMIT', price: '100', quantity: '0.01' };

/**
 * What `@idempotent` adds to a mutation in SQL statements, counted through the driver (each is a
 * round trip), as `bench/request-cost.ts` does: a keyed success is the bare mutation plus the
 * record insert, inside the same BEGIN … COMMIT. That is the steady state: a fast path whose view
 * has been complete for a whole retention (its completeness marker is old; here a memory store
 * that vouches for the fresh database's whole history). In the first retention window after the
 * fast path started empty (FLUSHALL, a restart of the memory store) one lookup comes first,
 * unless it started beside a database with no live record: then the host declared it complete
 * since 0 (`declareCompleteIfNoLiveRecords`, as `openRuntime` does at start-up).
 */
const TEST_REDIS_URL = process.env.TEST_REDIS_URL;
function defineStatementSuite(name: string, open: () => Promise<TestDatabase>): void {
  describe(`@idempotent SQL statements on ${name}`, () => {
    let db: TestDatabase;
    let driver: LoggedDriver;
    let services: DomainServices;
    let api: TestGraphQL;
    /** Fast paths started empty before any record existed, as at a fresh deployment's start-up, and what the declaration said. */
    const startedFresh: Array<{ name: string; store: IdempotencyStore; declaration: string }> = [];
    let redis: Redis | undefined;
    const redisPrefix = `signet:test:${process.pid}-${Date.now().toString(36)}:sqlcount:`;
    const apiOver = (idempotency: IdempotencyStore) => createTestGraphQL(services, { directives: directiveDepsFor(services, { idempotency, rateLimitOverrides: WIDE_FIELD_LIMITS }) });
    const startFresh = async (name: string, store: IdempotencyStore) => {
      startedFresh.push({ name, store, declaration: await declareCompleteIfNoLiveRecords(store, idempotencyRecordsOf(services), Date.now) });
    };
    beforeAll(async () => {
      db = await open();
      driver = loggedDriver(db.driver);
      services = servicesFor(driver);
      await startFresh('a new memory store', createMemoryIdempotencyStore());
      if (TEST_REDIS_URL) {
        redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
        await startFresh('Redis under a prefix with no marker', createRedisIdempotencyStore(redis, { prefix: redisPrefix }));
      }
      const idempotency = createMemoryIdempotencyStore({ completeSinceMs: 0 });
      api = await apiOver(idempotency);
    }, 60_000);
    afterAll(async () => {
      await api?.stop();
      await db?.close();
      if (redis) {
        const keys = await redis.keys(`${redisPrefix}*`);
        if (keys.length > 0) await redis.del(...keys);
        await redis.quit();
      }
    });

    test('a keyed placeOrder costs one statement more than the bare service call: the record insert, before COMMIT (no advisory lock, lookup or SAVEPOINT)', async () => {
      const id = await fundedAccount(services, { USD: '1000' });
      const bare = await driver.statementsOf(() => services.orders.placeOrder(id, ORDER));
      const keyed = await driver.statementsOf(() => api.execute(PLACE, { input: buy(), key: 'cost-1' }, principalFor(id)));
      expect(keyed).toEqual([...bare.slice(0, -1), expect.stringMatching(RECORD_INSERT), 'COMMIT']);
      expect({ bare: bare.length, keyed: keyed.length }).toEqual({ bare: bare.length, keyed: bare.length + 1 });
      // The market's own lock is an advisory lock (in `bare` too); the record adds none of its own.
      expect(keyed.filter((s) => !bare.includes(s) && /advisory|SAVEPOINT|FROM idempotency_records/i.test(s))).toEqual([]);
    });

    test('a keyed cancelOrder costs one statement more than the same mutation unkeyed', async () => {
      const id = await fundedAccount(services, { USD: '1000' });
      const place = async (key: string) => (await api.execute<any, Record<string, unknown>>(PLACE, { input: buy(), key }, principalFor(id))).data.placeOrder.order.id;
      const [a, b] = [await place('cancel-a'), await place('cancel-b')];
      const unkeyed = await driver.statementsOf(() => api.execute(CANCEL, { id: a }, principalFor(id)));
      const keyed = await driver.statementsOf(() => api.execute(CANCEL, { id: b, key: 'cancel-1' }, principalFor(id)));
      expect(keyed).toEqual([...unkeyed.slice(0, -1), expect.stringMatching(RECORD_INSERT), 'COMMIT']);
      expect(keyed.filter((s) => !unkeyed.includes(s) && /advisory|SAVEPOINT|FROM idempotency_records/i.test(s))).toEqual([]);
    });

    test('a keyed refusal rolls its partial writes back whole, then records the refusal alone: BEGIN, INSERT, COMMIT', async () => {
      const id = await fundedAccount(services, { USD: '0.5' });
      const bare = await driver.statementsOf(() => services.orders.placeOrder(id, ORDER));
      expect(bare.at(-1)).toBe('ROLLBACK');
      const keyed = await driver.statementsOf(() => api.execute(PLACE, { input: buy(), key: 'poor-1' }, principalFor(id)));
      expect(keyed).toEqual([...bare, 'BEGIN', expect.stringMatching(RECORD_INSERT), 'COMMIT']);
      expect(await balancesOf(services, id)).toMatchObject({ USD: { available: '0.5', held: '0' } });
    });

    test('in the first retention window after the fast path started empty, a keyed placeOrder costs one statement more: the record lookup, before BEGIN', async () => {
      const id = await fundedAccount(services, { USD: '1000' });
      const emptied = await createTestGraphQL(services, { directives: directiveDepsFor(services, { idempotency: createMemoryIdempotencyStore(), rateLimitOverrides: WIDE_FIELD_LIMITS }) });
      try {
        const steady = await driver.statementsOf(() => api.execute(PLACE, { input: buy(), key: 'window-a' }, principalFor(id)));
        const first = await driver.statementsOf(() => emptied.execute(PLACE, { input: buy(), key: 'window-b' }, principalFor(id)));
        expect(first).toEqual([expect.stringMatching(/FROM idempotency_records/), ...steady]);
      } finally {
        await emptied.stop();
      }
    });

    test(`a fast path started beside a database with no live record is declared complete: its first keyed placeOrder costs the steady state (${TEST_REDIS_URL ? 'memory and Redis' : 'memory; Redis skipped: TEST_REDIS_URL is not set'})`, async () => {
      const id = await fundedAccount(services, { USD: '1000' });
      expect(startedFresh.map((s) => [s.name, s.declaration])).toEqual(startedFresh.map((s) => [s.name, 'declared']));
      const steady = await driver.statementsOf(() => api.execute(PLACE, { input: buy(), key: 'declared-steady' }, principalFor(id)));
      for (const [i, { store }] of startedFresh.entries()) {
        const fresh = await apiOver(store);
        try {
          const first = await driver.statementsOf(() => fresh.execute(PLACE, { input: buy(), key: `declared-${i}` }, principalFor(id)));
          expect(first).toEqual(steady);
          expect(first.filter((s) => /FROM idempotency_records/.test(s))).toEqual([]);
        } finally {
          await fresh.stop();
        }
      }
    });

    test('a fast path started while a record is live is not declared: its first keyed placeOrder looks the record up (one statement more)', async () => {
      const id = await fundedAccount(services, { USD: '1000' });
      const steady = await driver.statementsOf(() => api.execute(PLACE, { input: buy(), key: 'live-steady' }, principalFor(id))); // a live record now
      const store = createMemoryIdempotencyStore();
      expect(await declareCompleteIfNoLiveRecords(store, idempotencyRecordsOf(services), Date.now)).toBe('live-records');
      const restarted = await apiOver(store);
      try {
        const first = await driver.statementsOf(() => restarted.execute(PLACE, { input: buy(), key: 'live-first' }, principalFor(id)));
        expect(first).toEqual([expect.stringMatching(/FROM idempotency_records/), ...steady]);
        expect(first).toHaveLength(steady.length + 1);
      } finally {
        await restarted.stop();
      }
    });

    test('a retry answered from the cache runs no SQL statement beyond re-resolving the order', async () => {
      const id = await fundedAccount(services, { USD: '1000' });
      await api.execute(PLACE, { input: buy(), key: 'cached-1' }, principalFor(id));
      const retry = await driver.statementsOf(() => api.execute(PLACE, { input: buy(), key: 'cached-1' }, principalFor(id)));
      expect(retry).toEqual([expect.stringMatching(/^SELECT .* FROM orders WHERE id = \$1/)]);
    });
  });
}

defineStatementSuite('PGlite', openPgliteDatabase);
describeWithPostgres('PostgreSQL', (url) => defineStatementSuite('PostgreSQL', () => openPostgresDatabase(url)));
