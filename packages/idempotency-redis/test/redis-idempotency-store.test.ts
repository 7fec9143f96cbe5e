import { Cluster, Redis } from 'ioredis';
import { defineIdempotencyStoreContract } from '@signet/idempotency/testing';
import { slotOfKey } from '@signet/redis-scripts';
import { createRedisIdempotencyStore, idempotencyMarkerKey } from '../src/redis-idempotency-store';

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
  const prefix = `signet:test:${process.pid}-${Date.now().toString(36)}:idem:`;
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
  /** The answering Redis process's run id, which the store's markers name. */
  const runId = async (): Promise<string> => /run_id:([0-9a-f]+)/.exec(await redis.info('server'))![1];
  afterAll(async () => {
    await deleteKeys(redis, `${prefix}*`);
    await Promise.all(clients.map((client) => client.quit()));
  });

  defineIdempotencyStoreContract(
    'redis',
    () => ({ store: createRedisIdempotencyStore(redis, { prefix }), advance: sleep }),
    { shortLeaseMs: REAL_TIME_TTL_MS },
  );

  describe('redis specifics', () => {
    it('keeps one hash per scope under a Cluster hash tag, expiring with the lease', async () => {
      const store = createRedisIdempotencyStore(redis, { prefix });
      await store.claim('acct:placeOrder:layout', 'fp', 5_000);
      // The owner (an account) is the hash tag: one account's leases share a Cluster slot with its counters.
      const key = `${prefix}{acct}:placeOrder:layout`;
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

    it('after losing all its data the store acquires again, complete only since the loss, and old tokens do nothing', async () => {
      const clock = { now: 1_700_000_000_000 };
      const store = createRedisIdempotencyStore(redis, { prefix, now: () => clock.now });
      await deleteKeys(redis, `${prefix}*`);
      const first = await store.claim('lost', 'fp', 10_000);
      if (first.kind !== 'acquired') throw new Error(`expected acquired, got ${first.kind}`);
      expect(first.completeSinceMs).toBe(1_700_000_000_000);
      clock.now += 60_000;
      expect(await store.claim('other', 'fp', 10_000)).toMatchObject({ kind: 'acquired', completeSinceMs: 1_700_000_000_000 });
      await deleteKeys(redis, `${prefix}*`); // what FLUSHALL or a failover does to this store
      clock.now += 1_000;
      const second = await store.claim('lost', 'fp', 10_000);
      expect(second).toEqual({ kind: 'acquired', token: expect.any(String), completeSinceMs: 1_700_000_061_000 });
      expect(await redis.get(`${prefix}complete-since`)).toBe(`1700000061000:${await runId()}`);
      expect(await redis.pttl(`${prefix}complete-since`)).toBe(-1); // never expires
      expect(await store.complete('lost', first.token, 'fp', '"stale"', 60_000)).toBe(false);
      expect((await store.claim('lost', 'fp', 10_000)).kind).toBe('in_progress');
    });

    it('trusts only a marker of the Redis process answering: one kept from another (a restart from a snapshot, a promoted replica) or of the older bare format speaks for nothing', async () => {
      const own = `${prefix}kept:`;
      const clock = { now: 1_700_000_000_000 };
      const store = createRedisIdempotencyStore(redis, { prefix: own, now: () => clock.now });
      for (const kept of ['1600000000000:0123456789abcdef0123456789abcdef01234567', '1600000000000']) {
        await redis.set(`${own}complete-since`, kept);
        clock.now += 1_000;
        // The outcomes and leases written after the snapshot are gone: complete only from now on.
        expect(await store.claim(`scope-${kept.length}`, 'fp', 10_000)).toMatchObject({ kind: 'acquired', completeSinceMs: clock.now });
        expect(await redis.get(`${own}complete-since`)).toBe(`${clock.now}:${await runId()}`);
      }
      await redis.set(`${own}complete-since`, '1600000000000:0123456789abcdef0123456789abcdef01234567');
      expect(await store.declareCompleteSince?.(0)).toBe(true); // another process's marker is no marker
      expect(await redis.get(`${own}complete-since`)).toBe(`0:${await runId()}`);
    });

    it('a peek writes nothing: no marker in an emptied store, no TTL change on the outcome it reads', async () => {
      const own = `${prefix}peek:`;
      const store = createRedisIdempotencyStore(redis, { prefix: own });
      expect(await store.peekCompleted('acct:createTransfer:k', 'fp')).toBeUndefined();
      expect(await redis.keys(`${own}*`)).toEqual([]);
      await store.remember('acct:createTransfer:k', 'fp', '"done"', 60_000);
      await redis.pexpire(`${own}{acct}:createTransfer:k`, 30_000);
      expect(await store.peekCompleted('acct:createTransfer:k', 'fp')).toBe('"done"');
      expect(await redis.pttl(`${own}{acct}:createTransfer:k`)).toBeLessThanOrEqual(30_000);
      expect(await redis.keys(`${own}*`)).toEqual([`${own}{acct}:createTransfer:k`]);
    });

    it('a declaration writes a missing marker and keeps one of the answering process', async () => {
      const own = `${prefix}declare:`;
      const clock = { now: 1_700_000_000_000 };
      const store = createRedisIdempotencyStore(redis, { prefix: own, now: () => clock.now });
      expect(await store.declareCompleteSince?.(0)).toBe(true);
      expect(await redis.get(`${own}complete-since`)).toBe(`0:${await runId()}`);
      expect(await redis.pttl(`${own}complete-since`)).toBe(-1);
      expect(await store.claim('fresh', 'fp', 10_000)).toMatchObject({ kind: 'acquired', completeSinceMs: 0 });

      await deleteKeys(redis, `${own}*`); // a loss after the declaration: a claim writes "now" again
      expect(await store.claim('after-loss', 'fp', 10_000)).toMatchObject({ kind: 'acquired', completeSinceMs: 1_700_000_000_000 });
      expect(await store.declareCompleteSince?.(0)).toBe(false); // the store's own marker stands
      expect(await redis.get(`${own}complete-since`)).toBe(`1700000000000:${await runId()}`);
      expect(await store.claim('later', 'fp', 10_000)).toMatchObject({ kind: 'acquired', completeSinceMs: 1_700_000_000_000 });
      await expect(store.declareCompleteSince?.(Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
      await expect(store.declareCompleteSince?.(-1)).rejects.toThrow(RangeError);
    });

    it('exactly one of 60 claims over 6 connections acquires', async () => {
      const stores = Array.from({ length: 6 }, () => createRedisIdempotencyStore(connect(), { prefix }));
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
          return ['acquired', '1700000000000'];
        },
      } as unknown as Redis;
      const result = await createRedisIdempotencyStore(fake).claim('s', 'fp', 1_000);
      expect(result).toMatchObject({ kind: 'acquired', completeSinceMs: 1_700_000_000_000 });
      expect(evalCalls).toHaveLength(1);
      expect(evalCalls[0]?.slice(1, 4)).toEqual([2, 'signet:idem:{s}', 'signet:idem:complete-since']);
    });

    it('refuses a reply it does not know, and a prefix with hash-tag braces', async () => {
      const fake = { evalsha: async () => ['acquired'] } as unknown as Redis;
      await expect(createRedisIdempotencyStore(fake).claim('s', 'fp', 1_000)).rejects.toThrow(/unexpected claim reply/);
      expect(() => createRedisIdempotencyStore(redis, { prefix: 'a{b}:' })).toThrow(/braces/);
    });

    it('on a Cluster, the marker that speaks for a scope lives in its slot', () => {
      const key = `${prefix}{acct-7}:placeOrder:k`;
      expect(slotOfKey(idempotencyMarkerKey(key, prefix, true))).toBe(slotOfKey(key));
      expect(idempotencyMarkerKey(key, prefix, false)).toBe(`${prefix}complete-since`);
    });
  });
});

describe('redis idempotency store on a Cluster', () => {
  it('offers no declaration: its completeness is one marker per slot', () => {
    const cluster = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true });
    const single = new Redis({ lazyConnect: true });
    try {
      expect(createRedisIdempotencyStore(cluster).declareCompleteSince).toBeUndefined();
      expect(createRedisIdempotencyStore(single).declareCompleteSince).toBeInstanceOf(Function);
    } finally {
      cluster.disconnect();
      single.disconnect();
    }
  });
});

describe('redis idempotency store on a Cluster client of another copy of ioredis', () => {
  // A host's own ioredis is not the module instance this package resolves, so `instanceof Cluster`
  // would answer false and a claim would send keys from two slots (CROSSSLOT on a real cluster).
  it('is recognised as a Cluster: no declaration, and a claim\'s keys share one slot', async () => {
    let HostCluster!: typeof Cluster;
    jest.isolateModules(() => { HostCluster = (require('ioredis') as typeof import('ioredis')).Cluster; });
    expect(HostCluster).not.toBe(Cluster);
    const cluster = new HostCluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true });
    const sent: unknown[][] = [];
    (cluster as unknown as { evalsha(...args: unknown[]): Promise<unknown> }).evalsha = async (...args) => { sent.push(args); throw new Error('not connected'); };
    try {
      const store = createRedisIdempotencyStore(cluster);
      expect(store.declareCompleteSince).toBeUndefined();
      await expect(store.claim('acct-7:placeOrder:k', 'fp', 1_000)).rejects.toThrow('not connected');
      const [, numKeys, ...rest] = sent[0] as [string, number, ...string[]];
      const keys = rest.slice(0, numKeys);
      expect(keys).toHaveLength(2);
      expect(slotOfKey(keys[1])).toBe(slotOfKey(keys[0]));
    } finally {
      cluster.disconnect();
    }
  });
});
