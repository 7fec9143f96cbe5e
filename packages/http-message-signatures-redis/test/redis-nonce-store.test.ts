import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { defineNonceStoreContract } from '@signet/http-message-signatures/testing';
import { slotOfKey } from '@signet/redis-scripts';
import { createRedisNonceStore } from '../src/redis-nonce-store';

/** The test Redis (CI always sets it); without it the suite is reported as skipped, with the reason in its title. */
const TEST_REDIS_URL = process.env.TEST_REDIS_URL || undefined;
const describeWithRedis = (name: string, fn: (url: string) => void): void =>
  TEST_REDIS_URL ? describe(name, () => fn(TEST_REDIS_URL)) : describe.skip(`${name} (skipped: TEST_REDIS_URL is not set)`, () => fn(''));

describeWithRedis('redis nonce store', (url) => {
  // A unique prefix per run: parallel runs and leftovers never collide.
  const prefix = `signet-test:${process.pid}:${randomBytes(6).toString('hex')}:nonce:`;
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  /** Deletes every key of this run's prefix: what a restart without persistence or FLUSHALL does to them. */
  const forgetAll = async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  };

  defineNonceStoreContract('redis nonce store', () => ({
    store: createRedisNonceStore(redis, { prefix }),
    elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: Date.now,
    shortTtlMs: 1_000,
    loseData: async () => {
      await forgetAll();
      return createRedisNonceStore(redis, { prefix });
    },
  }));

  const fresh = (ttlMs: number) => ({ ttlMs, notBeforeMs: Date.now(), createdMs: Date.now() });

  it('keeps its completeness marker beside the nonces, never expiring', async () => {
    const store = createRedisNonceStore(redis, { prefix });
    await store.open();
    const [since, runId] = String(await redis.get(`${prefix}nonce-complete-since`)).split(':').map((part, i) => (i === 0 ? Number(part) : part)) as [number, string];
    expect(runId).toBe(/run_id:([0-9a-f]+)/.exec(await redis.info('server'))![1]);
    expect(since).toBeGreaterThan(Date.now() - 600_000);
    expect(since).toBeLessThanOrEqual(Date.now());
    await expect(redis.pttl(`${prefix}nonce-complete-since`)).resolves.toBe(-1);
  });

  it('trusts only a marker of the Redis process answering: one kept from another (a restart from a snapshot, a promoted replica) is replaced, and older signatures are unproven', async () => {
    const store = createRedisNonceStore(redis, { prefix });
    for (const kept of ['1700000000000:0123456789abcdef0123456789abcdef01234567', '1700000000000']) {
      await redis.set(`${prefix}nonce-complete-since`, kept);
      const before = Date.now();
      const claim = await store.claim('key-1', `nonce-${kept.length}-0123456789abcdef`, { ttlMs: 1_000, notBeforeMs: before - 5_000, createdMs: before - 5_000 });
      expect(claim).toMatchObject({ status: 'unproven' });
      const [since, runId] = String(await redis.get(`${prefix}nonce-complete-since`)).split(':');
      expect(Number(since)).toBeGreaterThanOrEqual(before);
      expect(runId).toBe(/run_id:([0-9a-f]+)/.exec(await redis.info('server'))![1]);
    }
  });

  it('does not read the idempotency store\'s marker: a host that gave both stores one prefix is not vouched for by the other store', async () => {
    await forgetAll();
    const store = createRedisNonceStore(redis, { prefix });
    // What @signet/idempotency-redis writes under the same prefix when it is declared complete since 0.
    const runId = /run_id:([0-9a-f]+)/.exec(await redis.info('server'))![1];
    await redis.set(`${prefix}complete-since`, `0:${runId}`);
    // A signature made before the loss: this store cannot prove its nonce unseen.
    await expect(store.claim('key-1', 'nonce-captured-before-the-loss', { ttlMs: 1_000, notBeforeMs: Date.now() - 60_000, createdMs: Date.now() - 60_000 })).resolves.toMatchObject({ status: 'unproven' });
  });

  it('stores one key per claim, hash-tagged on the key id, expiring with the ttl', async () => {
    const store = createRedisNonceStore(redis, { prefix });
    await store.claim('key-tagged', 'nonce-0123456789abcdef', fresh(30_000));
    const key = `${prefix}{key-tagged}:nonce-0123456789abcdef`;
    await expect(redis.get(key)).resolves.toBe('1');
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(25_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });

  it('keeps a key id containing braces inside its own hash tag', async () => {
    const store = createRedisNonceStore(redis, { prefix });
    await expect(store.claim('a}b', 'nonce-0123456789abcdef', fresh(30_000))).resolves.toEqual({ status: 'claimed' });
    await expect(redis.exists(`${prefix}{a%7Db}:nonce-0123456789abcdef`)).resolves.toBe(1);
  });

  it('takes only the exact replies of its script as answers; anything else is an error, never a claim', async () => {
    for (const reply of ['OK', ['1'], [2], [2, 'soon'], null]) {
      const fake = { evalsha: jest.fn().mockResolvedValue(reply) } as unknown as Redis;
      await expect(createRedisNonceStore(fake).claim('k', 'nonce-0123456789abcdef', fresh(1000))).rejects.toThrow('unexpected reply');
    }
  });

  it('surfaces a Redis failure as a rejection, never as a successful claim', async () => {
    const fake = { evalsha: jest.fn().mockRejectedValue(new Error('connection lost')) } as unknown as Redis;
    await expect(createRedisNonceStore(fake).claim('k', 'nonce-0123456789abcdef', fresh(1000))).rejects.toThrow('connection lost');
  });
});

describe('redis nonce store on a Cluster client of another copy of ioredis', () => {
  // A host's own ioredis is not the module instance this package resolves, so `instanceof Cluster`
  // would answer false and a claim would send keys from two slots (CROSSSLOT on a real cluster).
  it('is recognised as a Cluster: a claim reads the marker and the floor of the nonce\'s own slot', async () => {
    let HostCluster!: typeof Cluster;
    jest.isolateModules(() => { HostCluster = (require('ioredis') as typeof import('ioredis')).Cluster; });
    expect(HostCluster).not.toBe(Cluster);
    const cluster = new HostCluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true });
    const sent: unknown[][] = [];
    (cluster as unknown as { evalsha(...args: unknown[]): Promise<unknown> }).evalsha = async (...args) => { sent.push(args); throw new Error('not connected'); };
    try {
      await expect(createRedisNonceStore(cluster).claim('key-1', 'nonce-0123456789abcdef', { ttlMs: 1_000, notBeforeMs: Date.now(), createdMs: Date.now() })).rejects.toThrow('not connected');
      const [, numKeys, ...rest] = sent[0] as [string, number, ...string[]];
      const keys = rest.slice(0, numKeys);
      // The nonce, its slot's completeness marker and its key's floor: one slot.
      expect(keys).toHaveLength(3);
      expect(slotOfKey(keys[1])).toBe(slotOfKey(keys[0]));
      expect(slotOfKey(keys[2])).toBe(slotOfKey(keys[0]));
    } finally {
      cluster.disconnect();
    }
  });
});
