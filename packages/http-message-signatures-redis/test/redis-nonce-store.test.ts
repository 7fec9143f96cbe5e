import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { defineNonceStoreContract } from '@signet/http-message-signatures/testing';
import { slotOfKey } from '@signet/redis-scripts';
import { DEFAULT_CLOCK_TOLERANCE_MS, createRedisNonceStore } from '../src/redis-nonce-store';

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

  /**
   * The store of a test with one clock: no other process's clock to allow for, so a marker records
   * the store's own now (the tolerance for other processes' clocks has its own cases below).
   */
  const oneClock = { prefix, clockToleranceMs: 0 };

  defineNonceStoreContract('redis nonce store', () => ({
    store: createRedisNonceStore(redis, oneClock),
    elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: Date.now,
    shortTtlMs: 1_000,
    loseData: async () => {
      await forgetAll();
      return createRedisNonceStore(redis, oneClock);
    },
  }));

  const fresh = (ttlMs: number) => ({ ttlMs, notBeforeMs: Date.now(), createdMs: Date.now() });

  it('keeps its completeness marker beside the nonces, never expiring: a missing one records now plus the clock tolerance', async () => {
    await forgetAll();
    const store = createRedisNonceStore(redis, { prefix });
    const before = Date.now();
    await store.open();
    const after = Date.now();
    const [since, runId] = String(await redis.get(`${prefix}nonce-complete-since`)).split(':').map((part, i) => (i === 0 ? Number(part) : part)) as [number, string];
    expect(runId).toBe(/run_id:([0-9a-f]+)/.exec(await redis.info('server'))![1]);
    expect(since).toBeGreaterThanOrEqual(before + DEFAULT_CLOCK_TOLERANCE_MS);
    expect(since).toBeLessThanOrEqual(after + DEFAULT_CLOCK_TOLERANCE_MS);
    await expect(redis.pttl(`${prefix}nonce-complete-since`)).resolves.toBe(-1);
    await forgetAll();
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

  it('a marker written after a loss by a process whose clock is behind still refuses the replay of a claim another process made before the loss', async () => {
    // Two processes sharing this Redis, B's clock 4 s behind A's (within the 5 s they may differ).
    // The signer's clock is 5 s ahead of A's: A's verifier passes notBefore = created - 5 s = A's now.
    const t = Date.now();
    const storeA = createRedisNonceStore(redis, { prefix, now: () => t });
    const storeB = createRedisNonceStore(redis, { prefix, now: () => t - 4_000 });
    const captured = { ttlMs: 30_000, notBeforeMs: t, createdMs: t + 5_000 };
    await redis.set(`${prefix}nonce-complete-since`, `0:${/run_id:([0-9a-f]+)/.exec(await redis.info('server'))![1]}`);
    await expect(storeA.claim('key-skew', 'nonce-claimed-before-the-loss', captured)).resolves.toEqual({ status: 'claimed' });
    await forgetAll();
    // The first claim after the loss is B's: it writes the marker. Before, at B's now (t - 4 s), which
    // the captured bytes' notBefore (t) is after: the replay on A was claimed and would run again.
    await storeB.claim('key-other', 'nonce-unrelated-after-the-loss', { ttlMs: 30_000, notBeforeMs: t + 20_000, createdMs: t + 20_000 });
    const replay = await storeA.claim('key-skew', 'nonce-claimed-before-the-loss', captured);
    expect(replay).toEqual({ status: 'unproven', completeSinceMs: t - 4_000 + DEFAULT_CLOCK_TOLERANCE_MS });
    // The same on B: it is B's marker, whatever the process asking.
    await expect(storeB.claim('key-skew', 'nonce-claimed-before-the-loss', captured)).resolves.toMatchObject({ status: 'unproven' });
    // The marker is ahead of now: the cases after this one start from an empty store.
    await forgetAll();
  });

  it('refuses a clock tolerance that is not a non-negative integer of ms', () => {
    for (const clockToleranceMs of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => createRedisNonceStore(redis, { prefix, clockToleranceMs })).toThrow(RangeError);
    }
  });

  it('stores one key per claim, hash-tagged on the key id, expiring with the ttl', async () => {
    const store = createRedisNonceStore(redis, oneClock);
    // The case before this one left no marker: written now, it vouches only for signatures made from
    // now on. Without this, the claim below wrote it (at the script's instant, after the signature's
    // notBefore) and was refused as unproven whenever a millisecond passed between the two (CI load).
    await store.open();
    await new Promise((resolve) => setTimeout(resolve, 2));
    await expect(store.claim('key-tagged', 'nonce-0123456789abcdef', fresh(30_000))).resolves.toEqual({ status: 'claimed' });
    const key = `${prefix}{key-tagged}:nonce-0123456789abcdef`;
    await expect(redis.get(key)).resolves.toBe('1');
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(25_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });

  it('keeps a key id containing braces inside its own hash tag', async () => {
    const store = createRedisNonceStore(redis, oneClock);
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
