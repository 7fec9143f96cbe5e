/**
 * A Redis that evicts keys (`maxmemory` with an eviction policy: ElastiCache's default parameter
 * group evicts) drops nonce claims and idempotency leases while the completeness marker, read by
 * every claim, stays. Outside review (high): the captured bytes of an unkeyed cancelAllOrders ran
 * again once its nonce had been evicted. Each store now treats any eviction by the Redis process
 * since its marker was last checked as a loss: what was claimed before is unproven (nonces) or
 * looked up in the durable records (idempotency), never taken as new.
 */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { createRedisNonceStore, markNonceStoreComplete, nonceRedisKey } from '@signet/http-message-signatures-redis';
import { createRedisIdempotencyStore, idempotencyRedisKey } from '@signet/idempotency-redis';
import { startOwnRedis, type OwnRedis } from '../../helpers/redis-server';

/** Fills the server with volatile keys under a tight maxmemory until `gone` has been evicted; then lifts the limit. */
async function evictUntilGone(redis: Redis, gone: string): Promise<number> {
  const used = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
  await redis.config('SET', 'maxmemory', String(used + 512 * 1024));
  const filler = randomBytes(8 * 1024).toString('hex');
  for (let i = 0; i < 2_000 && (await redis.exists(gone)) === 1; i++) {
    await redis.set(`filler:${i}`, filler, 'PX', 600_000);
  }
  await redis.config('SET', 'maxmemory', '0');
  expect(await redis.exists(gone)).toBe(0);
  return Number(/evicted_keys:(\d+)/.exec(await redis.info('stats'))![1]);
}

describe('stores on a Redis that evicts keys', () => {
  let own: OwnRedis;
  let redis: Redis;
  beforeAll(async () => {
    own = await startOwnRedis();
    redis = new Redis(own.url, { maxRetriesPerRequest: 1 });
  }, 30_000);
  afterAll(async () => {
    await redis?.quit();
    await own?.close();
  });
  beforeEach(async () => {
    await redis.flushall();
    await redis.config('RESETSTAT');
    await redis.config('SET', 'maxmemory', '0');
    await redis.config('SET', 'maxmemory-policy', 'volatile-lru');
  });

  test('a nonce evicted while its marker stayed is unproven, never claimed anew: the captured request cannot run again', async () => {
    const prefix = 'ev:nonce:';
    const store = createRedisNonceStore(redis, { prefix, clockToleranceMs: 0 });
    await markNonceStoreComplete(redis, 0, { prefix });
    const signed = { ttlMs: 600_000, notBeforeMs: Date.now() - 1_000, createdMs: Date.now() };
    expect(await store.claim('key_a', 'nonce-evicted-0001', signed)).toEqual({ status: 'claimed' });
    expect(await store.claim('key_a', 'nonce-evicted-0001', signed)).toEqual({ status: 'reused' });
    const evictedAt = Date.now();
    expect(await evictUntilGone(redis, nonceRedisKey('key_a', 'nonce-evicted-0001', prefix))).toBeGreaterThan(0);
    expect(await redis.get(`${prefix}nonce-complete-since`)).toMatch(/^0:/);
    // The same bytes again: before, the marker still said "complete since 0" and the claim succeeded.
    const replay = await store.claim('key_a', 'nonce-evicted-0001', signed);
    expect(replay).toMatchObject({ status: 'unproven' });
    expect((replay as { completeSinceMs: number }).completeSinceMs).toBeGreaterThanOrEqual(evictedAt);
    // A request signed after the loss is taken, and no further eviction reopens anything.
    const later = { ttlMs: 600_000, notBeforeMs: Date.now() + 1_000, createdMs: Date.now() + 1_000 };
    expect(await store.claim('key_a', 'nonce-after-eviction-0001', later)).toEqual({ status: 'claimed' });
    expect(await store.claim('key_a', 'nonce-after-eviction-0002', later)).toEqual({ status: 'claimed' });
  }, 60_000);

  test('an eviction followed by CONFIG RESETSTAT (the eviction count back to what was recorded) is still noticed (review)', async () => {
    const prefix = 'ev:reset:';
    const store = createRedisNonceStore(redis, { prefix, clockToleranceMs: 0 });
    await markNonceStoreComplete(redis, 0, { prefix });
    const signed = { ttlMs: 600_000, notBeforeMs: Date.now() - 1_000, createdMs: Date.now() };
    expect(await store.claim('key_r', 'nonce-reset-000001', signed)).toEqual({ status: 'claimed' });
    expect(await evictUntilGone(redis, nonceRedisKey('key_r', 'nonce-reset-000001', prefix))).toBeGreaterThan(0);
    await redis.config('RESETSTAT');
    expect(/evicted_keys:(\d+)/.exec(await redis.info('stats'))![1]).toBe('0');
    expect(await store.claim('key_r', 'nonce-reset-000001', signed)).toMatchObject({ status: 'unproven' });
  }, 60_000);

  test('an idempotency lease evicted while its marker stayed: the next claim says the store is complete only since then, so the durable record is read first', async () => {
    const prefix = 'ev:idem:';
    const store = createRedisIdempotencyStore(redis, { prefix });
    await store.declareCompleteSince?.(0);
    const first = await store.claim('acct:order-1', 'fp', 600_000);
    expect(first).toMatchObject({ kind: 'acquired', completeSinceMs: 0 });
    const evictedAt = Date.now();
    expect(await evictUntilGone(redis, idempotencyRedisKey('acct:order-1', prefix))).toBeGreaterThan(0);
    const again = await store.claim('acct:order-1', 'fp', 600_000);
    // Before, `completeSinceMs: 0`: the executor ran the call again without reading its record.
    expect(again).toMatchObject({ kind: 'acquired' });
    expect((again as { completeSinceMs: number }).completeSinceMs).toBeGreaterThanOrEqual(evictedAt);
  }, 60_000);

  test('a Redis that never evicted keeps its marker believed, also one written before the eviction count was recorded', async () => {
    const prefix = 'ev:quiet:';
    const runId = /run_id:([0-9a-f]+)/.exec(await redis.info('server'))![1];
    // A marker as a release before this one wrote it: no eviction count beside it.
    await redis.set(`${prefix}nonce-complete-since`, `0:${runId}`);
    const store = createRedisNonceStore(redis, { prefix, clockToleranceMs: 0 });
    const old = { ttlMs: 600_000, notBeforeMs: 1_000, createdMs: 2_000 };
    expect(await store.claim('key_b', 'nonce-quiet-000001', old)).toEqual({ status: 'claimed' });
    expect(await redis.get(`${prefix}nonce-complete-since`)).toBe(`0:${runId}`);
  });
});
