import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import type { RateLimitRule } from '@signet/rate-limit';
import { defineRateLimitStoreContract } from '@signet/rate-limit/testing';
import {
  createRedisRateLimitStore,
  DEFAULT_RATE_LIMIT_PREFIX,
  type RedisScriptClient,
} from '../src/redis-rate-limit-store';

/**
 * Leases, retentions and windows the contract cases wait out on Redis's own clock. The cases assert
 * between two round trips that the entry is still there: a stall of the test process (a collection,
 * both cores busy) as long as this would fail them; 300 ms left too little room on a loaded 2-core machine.
 */
const REAL_TIME_TTL_MS = 1_000;

/** The suite runs against the Redis at TEST_REDIS_URL, and is reported as skipped without one. */
const TEST_REDIS_URL = process.env.TEST_REDIS_URL;
function describeWithRedis(name: string, fn: (url: string) => void): void {
  if (TEST_REDIS_URL) describe(name, () => fn(TEST_REDIS_URL));
  else describe.skip(`${name} (skipped: TEST_REDIS_URL is not set)`, () => fn(''));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describeWithRedis('RedisRateLimitStore', (url) => {
  // A prefix per run: parallel runs and other suites on the same Redis never share keys.
  const prefix = `signet:test:${randomUUID()}:rl:`;
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  const store = () => createRedisRateLimitStore(redis, { prefix });

  defineRateLimitStoreContract('redis', store, {
    shortWindowMs: REAL_TIME_TTL_MS,
    advance: sleep,
    isGone: async (key) => (await redis.exists(store().redisKey(key))) === 0,
  });

  /** Wraps the real client, counting the commands the store sends. */
  function countingClient(failFirstEvalsha = false) {
    const calls: string[] = [];
    let fail = failFirstEvalsha;
    const client: RedisScriptClient = {
      evalsha: async (...args) => {
        calls.push('evalsha');
        if (fail) {
          fail = false;
          throw new Error('NOSCRIPT No matching script. Please use EVAL.');
        }
        return redis.evalsha(...args);
      },
      eval: async (...args) => {
        calls.push('eval');
        return redis.eval(...args);
      },
    };
    return { client, calls };
  }

  const rule: RateLimitRule = { max: 5, windowMs: 60_000 };

  it('stores one counter per caller key under signet:rl:{key}, expiring with its window', async () => {
    const key = `placeOrder:${randomUUID()}`;
    const defaultStore = createRedisRateLimitStore(redis);
    const redisKey = `${DEFAULT_RATE_LIMIT_PREFIX}{${key}}`;
    try {
      await defaultStore.consume(key, { ...rule, cost: 2 });
      expect(await redis.get(redisKey)).toBe('2');
      const pttl = await redis.pttl(redisKey);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(60_000);
    } finally {
      await redis.del(redisKey);
    }
  });

  it('keeps a hash tag the caller key names itself, and never confuses the two layouts', async () => {
    const id = randomUUID();
    const s = createRedisRateLimitStore(redis, { prefix });
    expect(s.redisKey(`account:{${id}}`)).toBe(`${prefix}account:{${id}}`);
    expect(s.redisKey(`{${id}}`)).toBe(`${prefix}{{${id}}}`); // starts with "{": wrapped, so it cannot equal the plain key's form
    expect(s.redisKey(id)).toBe(`${prefix}{${id}}`);
    expect(s.redisKey(`a{}b`)).toBe(`${prefix}{a{}b}`); // an empty tag is no tag to Redis either
    await s.consume(`account:{${id}}`, rule);
    expect(await redis.get(`${prefix}account:{${id}}`)).toBe('1');
  });

  it('sets the expiry when the window opens and never extends it', async () => {
    const s = store();
    const key = randomUUID();
    await s.consume(key, { max: 5, windowMs: 1_000 });
    await sleep(300);
    await s.consume(key, { max: 5, windowMs: 1_000 });
    expect(await redis.pttl(s.redisKey(key))).toBeLessThanOrEqual(700);
  });

  it('keeps the count at max when rejected calls are not counted', async () => {
    const s = store();
    const key = randomUUID();
    for (let i = 0; i < 5; i += 1) await s.consume(key, { max: 3, windowMs: 60_000, countRejected: false });
    expect(await redis.get(s.redisKey(key))).toBe('3');
  });

  it('keeps its counts in Redis only: counts lost with Redis start the window afresh (the README\'s 2 × max across a loss)', async () => {
    const s = store();
    const key = randomUUID();
    const limit = { max: 3, windowMs: 60_000 };
    for (let i = 0; i < 3; i += 1) expect((await s.consume(key, limit)).allowed).toBe(true);
    expect((await s.consume(key, limit)).allowed).toBe(false);
    await redis.del(s.redisKey(key)); // what a Redis restarted empty, or flushed, holds of it
    const afterLoss = [];
    for (let i = 0; i < 4; i += 1) afterLoss.push((await s.consume(key, limit)).allowed);
    expect(afterLoss).toEqual([true, true, true, false]);
  });

  it('checks in one round trip once Redis has the script cached', async () => {
    const { client, calls } = countingClient();
    const s = createRedisRateLimitStore(client, { prefix });
    await s.consume(randomUUID(), rule);
    calls.length = 0;
    await s.consume(randomUUID(), rule);
    await s.consume(randomUUID(), rule);
    expect(calls).toEqual(['evalsha', 'evalsha']);
  });

  it('falls back to EVAL once when Redis has lost its script cache (NOSCRIPT)', async () => {
    const { client, calls } = countingClient(true);
    const s = createRedisRateLimitStore(client, { prefix });
    expect(await s.consume(randomUUID(), rule)).toMatchObject({ allowed: true, remaining: 4 });
    expect(calls).toEqual(['evalsha', 'eval']);
  });

  it('passes other Redis errors through instead of admitting the call', async () => {
    const client: RedisScriptClient = {
      evalsha: async () => {
        throw new Error('READONLY You can not write against a read only replica.');
      },
      eval: async () => {
        throw new Error('unreachable');
      },
    };
    await expect(createRedisRateLimitStore(client).consume('k', rule)).rejects.toThrow(/READONLY/);
  });

  it('refuses a prefix that would break the hash tag', () => {
    expect(() => createRedisRateLimitStore(redis, { prefix: 'rl:{x}:' })).toThrow(/must not contain/);
  });
});
