import { Redis } from 'ioredis';
import { defineIdempotencyStoreContract } from '@signet/idempotency/testing';
import { createRedisIdempotencyStore } from '../src/redis-idempotency-store';

/** The suite runs against the Redis at TEST_REDIS_URL, and is reported as skipped without one. */
const TEST_REDIS_URL = process.env.TEST_REDIS_URL;
function describeWithRedis(name: string, fn: (url: string) => void): void {
  if (TEST_REDIS_URL) describe(name, () => fn(TEST_REDIS_URL));
  else describe.skip(`${name} (skipped: TEST_REDIS_URL is not set)`, () => fn(''));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Deletes this run's keys only: other suites share the Redis server, so never FLUSHALL it. */
async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

describeWithRedis('redis idempotency store', (url) => {
  const keyPrefix = `signet:test:${process.pid}-${Date.now().toString(36)}:idem:`;
  const clients: Redis[] = [];
  let redis: Redis;
  const connect = (): Redis => {
    const client = new Redis(url, { maxRetriesPerRequest: 1 });
    clients.push(client);
    return client;
  };

  beforeAll(() => {
    redis = connect();
  });
  afterAll(async () => {
    await deleteKeys(redis, `${keyPrefix}*`);
    await Promise.all(clients.map((client) => client.quit()));
  });

  defineIdempotencyStoreContract(
    'redis',
    () => ({ store: createRedisIdempotencyStore(redis, { keyPrefix }), advance: sleep }),
    { shortLeaseMs: 300 },
  );

  describe('redis specifics', () => {
    it('keeps one hash per scope under a Cluster hash tag, expiring with the lease', async () => {
      const store = createRedisIdempotencyStore(redis, { keyPrefix });
      await store.claim('acct:placeOrder:layout', 'fp', 5_000);
      // The owner (an account) is the hash tag: one account's leases share a Cluster slot with its counters.
      const key = `${keyPrefix}{acct}:placeOrder:layout`;
      expect(await redis.hget(key, 'state')).toBe('in_progress');
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(5_000);
    });

    it('uses the documented default prefix', async () => {
      const store = createRedisIdempotencyStore(redis);
      const scope = `${process.pid}-${Date.now()}-default-prefix`;
      try {
        await store.claim(scope, 'fp', 5_000);
        expect(await redis.exists(`signet:idem:{${scope}}`)).toBe(1);
      } finally {
        await redis.del(`signet:idem:{${scope}}`);
      }
    });

    it('after losing all its data the store acquires again and old tokens do nothing', async () => {
      const store = createRedisIdempotencyStore(redis, { keyPrefix });
      const first = await store.claim('lost', 'fp', 10_000);
      if (first.kind !== 'acquired') throw new Error(`expected acquired, got ${first.kind}`);
      await deleteKeys(redis, `${keyPrefix}*`); // what FLUSHALL or a failover does to this store
      const second = await store.claim('lost', 'fp', 10_000);
      expect(second.kind).toBe('acquired');
      expect(await store.complete('lost', first.token, 'fp', '"stale"', 60_000)).toBe(false);
      expect((await store.claim('lost', 'fp', 10_000)).kind).toBe('in_progress');
    });

    it('exactly one of 60 claims over 6 connections acquires', async () => {
      const stores = Array.from({ length: 6 }, () => createRedisIdempotencyStore(connect(), { keyPrefix }));
      const results = await Promise.all(
        stores.flatMap((store) => Array.from({ length: 10 }, () => store.claim('many-connections', 'fp', 10_000))),
      );
      expect(results.filter((r) => r.kind === 'acquired')).toHaveLength(1);
      expect(results.filter((r) => r.kind === 'in_progress')).toHaveLength(59);
    });

    it('loads its scripts with EVAL when the server answers NOSCRIPT', async () => {
      const evalCalls: unknown[][] = [];
      const fake = {
        evalsha: async () => {
          throw new Error('NOSCRIPT No matching script. Please use EVAL.');
        },
        eval: async (...args: unknown[]) => {
          evalCalls.push(args);
          return ['acquired'];
        },
      } as unknown as Redis;
      const result = await createRedisIdempotencyStore(fake).claim('s', 'fp', 1_000);
      expect(result.kind).toBe('acquired');
      expect(evalCalls).toHaveLength(1);
      expect(evalCalls[0]?.slice(1, 3)).toEqual([1, 'signet:idem:{s}']);
    });
  });
});
