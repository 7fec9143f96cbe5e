import { Redis } from 'ioredis';
import { createRedisKeyVersionStore } from '../../../src/stores/redis';
import { describeWithRedis } from '../../helpers/services';
import { defineKeyVersionStoreContract } from '../key-version-store.contract';

describeWithRedis('redis key version store', (url) => {
  const prefix = `signet:test:${process.pid}-${Date.now().toString(36)}:keyver:`;
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  defineKeyVersionStoreContract('redis', () => createRedisKeyVersionStore(redis, { prefix }));

  it('peek and renew of a key id without a version write no Redis key; current writes one, hash-tagged by the key id, for a day', async () => {
    const store = createRedisKeyVersionStore(redis, { prefix });
    const keyId = `key_guess_${Date.now()}`;
    await store.peek(keyId);
    await store.renew(keyId);
    expect(await redis.exists(`${prefix}{${keyId}}`)).toBe(0);
    await store.current(keyId);
    const ttl = await redis.pttl(`${prefix}{${keyId}}`);
    expect(ttl).toBeGreaterThan(86_000_000);
    expect(ttl).toBeLessThanOrEqual(86_400_000);
  });
});
