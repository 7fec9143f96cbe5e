import { Redis } from 'ioredis';
import { createRedisIdempotencyStore } from '@signet/idempotency-redis';
import { DEFAULT_CLOCK_TOLERANCE_MS, markNonceStoreComplete } from '@signet/http-message-signatures-redis';
import { createRedisAdmissionStore, createRedisKeyVersionStore, createRedisNonceStore, createRedisRateLimitStore } from '../../../src/stores/redis';
import { describeWithRedis } from '../../helpers/services';
import { defineAdmissionStoreContract } from '../admission-store.contract';
import { recordRedisCommands } from '../../helpers/redis-commands';

describeWithRedis('redis admission store', (url) => {
  const prefix = `signet:test:${process.pid}-${Date.now().toString(36)}:`;
  const prefixes = { rateLimitPrefix: `${prefix}rl:`, noncePrefix: `${prefix}nonce:`, idempotencyPrefix: `${prefix}idem:`, keyVersionPrefix: `${prefix}keyver:` };
  let redis: Redis;
  let observer: Redis;

  beforeAll(() => {
    redis = new Redis(url, { maxRetriesPerRequest: 1 });
    observer = new Redis(url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    const keys = await observer.keys(`${prefix}*`);
    if (keys.length > 0) await observer.del(...keys);
    await Promise.all([redis.quit(), observer.quit()]);
  });

  // One clock in the contract: a missing nonce marker records the stores' own now (the tolerance for
  // other processes' clocks is the loss case below, and the nonce store's own tests).
  defineAdmissionStoreContract('redis (one script)', () => ({
    admission: createRedisAdmissionStore(redis, { ...prefixes, clockToleranceMs: 0 }),
    rateLimits: createRedisRateLimitStore(redis, { prefix: prefixes.rateLimitPrefix }),
    nonces: createRedisNonceStore(redis, { prefix: prefixes.noncePrefix, clockToleranceMs: 0 }),
    idempotency: createRedisIdempotencyStore(redis, { prefix: prefixes.idempotencyPrefix }),
    keyVersions: createRedisKeyVersionStore(redis, { prefix: prefixes.keyVersionPrefix }),
  }));

  it('writes key versions with a TTL, in the admission (a verified key that had none) and in the store\'s renewal', async () => {
    const keyVersions = createRedisKeyVersionStore(redis, { prefix: prefixes.keyVersionPrefix });
    const admission = createRedisAdmissionStore(redis, prefixes);
    const [admitted, renewed] = [`key_admit_${Date.now()}`, `key_renew_${Date.now()}`];
    await admission.admit([{ kind: 'keyVersion', keyId: admitted, expected: 'x' }]);
    await keyVersions.current(renewed);
    await keyVersions.renew(renewed);
    for (const id of [admitted, renewed]) {
      const ttl = await observer.pttl(`${prefixes.keyVersionPrefix}{${id}}`);
      expect(ttl).toBeGreaterThan(86_000_000);
      expect(ttl).toBeLessThanOrEqual(86_400_000);
    }
  });

  it('answers a whole request in one round trip, and re-loads its script when Redis answers NOSCRIPT', async () => {
    const admission = createRedisAdmissionStore(redis, prefixes);
    const { sent, restore } = recordRedisCommands(redis);
    try {
      const list = [
        { kind: 'limit', key: `ip:rt-${Date.now()}`, rule: { max: 10, windowMs: 60_000 }, gate: true },
        { kind: 'nonce', keyId: 'rt-key', nonce: `rt-${Date.now()}`, ttlMs: 35_000, notBeforeMs: Date.now(), createdMs: Date.now() },
        { kind: 'limit', key: `field:rt-${Date.now()}`, rule: { max: 10, windowMs: 60_000 }, gate: false },
        { kind: 'lease', scopeKey: `rt-${Date.now()}`, fingerprint: 'fp', leaseMs: 10_000, after: 2 },
      ] as const;
      const outcomes = await admission.admit(list);
      expect(outcomes.map((o) => o.kind)).toEqual(['limit', 'nonce', 'limit', 'lease']);
      expect(sent).toEqual(['evalsha']);
      // As after a restart or SCRIPT FLUSH (not sent for real: other suites share this server).
      const lost = jest.spyOn(redis, 'evalsha').mockRejectedValueOnce(new Error('NOSCRIPT No matching script. Please use EVAL.'));
      sent.length = 0;
      await expect(admission.admit([{ kind: 'nonce', keyId: 'rt-key', nonce: `rt2-${Date.now()}`, ttlMs: 35_000, notBeforeMs: Date.now(), createdMs: Date.now() }]))
        .resolves.toEqual([{ kind: 'nonce', claim: { status: 'claimed' } }]);
      expect(lost).toHaveBeenCalledTimes(1);
      expect(sent).toEqual(['eval']);
      lost.mockRestore();
    } finally {
      restore();
    }
  });

  it('rejects when Redis is unreachable, so the request fails closed', async () => {
    const dead = new Redis({ port: 1, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    dead.on('error', () => undefined);
    try {
      await expect(createRedisAdmissionStore(dead).admit([{ kind: 'nonce', keyId: 'k', nonce: 'n-unreachable', ttlMs: 1000, notBeforeMs: Date.now(), createdMs: Date.now() }])).rejects.toThrow();
    } finally {
      dead.disconnect();
    }
  });

  it('after Redis lost its keys, refuses a nonce signed before as unproven (up to now plus the processes\' clock tolerance), and accepts one signed after', async () => {
    const lossPrefixes = { ...prefixes, noncePrefix: `${prefix}loss-nonce:` };
    const admission = createRedisAdmissionStore(redis, lossPrefixes);
    // A store complete since the epoch: it has seen every claim until the loss below.
    await markNonceStoreComplete(redis, 0, { prefix: lossPrefixes.noncePrefix });
    const signedAt = Date.now();
    const check = (nonce: string, notBeforeMs: number) => [{ kind: 'nonce', keyId: 'loss-key', nonce, ttlMs: 35_000, notBeforeMs, createdMs: notBeforeMs }] as const;
    await expect(admission.admit(check('captured-0123456789', signedAt))).resolves.toEqual([{ kind: 'nonce', claim: { status: 'claimed' } }]);
    // Some time passes; then what a restart without persistence or FLUSHALL does to this store's keys (only ours: the server is shared).
    await new Promise((resolve) => setTimeout(resolve, 20));
    await observer.del(...(await observer.keys(`${lossPrefixes.noncePrefix}*`)));
    const beforeReplay = Date.now();
    const [replay] = await admission.admit(check('captured-0123456789', signedAt));
    expect(replay).toMatchObject({ kind: 'nonce', claim: { status: 'unproven' } });
    const since = replay.kind === 'nonce' && replay.claim.status === 'unproven' ? replay.claim.completeSinceMs : 0;
    // The marker the admission wrote: its now plus the tolerance (another process's clock may be that far ahead).
    expect(since).toBeGreaterThanOrEqual(beforeReplay + DEFAULT_CLOCK_TOLERANCE_MS);
    expect(since).toBeLessThanOrEqual(Date.now() + DEFAULT_CLOCK_TOLERANCE_MS);
    await expect(admission.admit(check('fresh-0123456789ab', since))).resolves.toEqual([{ kind: 'nonce', claim: { status: 'claimed' } }]);
  });
});
