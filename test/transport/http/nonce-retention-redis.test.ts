/**
 * A Redis nonce store is shared by every process and outlives their restarts, which may run with
 * another SIGNET_SIGNATURE_MAX_AGE (5-120 s). A nonce claimed by a process that accepts 30 s old
 * signatures must stay claimed for a process that accepts 120 s old ones: kept only 35 s, the
 * captured request ran again there between 35 and 125 s after it was signed. A memory store lives
 * and dies with its one process and keeps nonces for that process's own max age.
 */
import { randomUUID } from 'node:crypto';
import { nonceRedisKey } from '@signet/http-message-signatures-redis';
import { nonceRetentionFor } from '../../../src/transport/http/create-signet-server';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { fundedAccount, servicesFor } from '../../helpers/domain';
import { describeWithRedis } from '../../helpers/services';
import { createTestKey, redisStores, signedRequest, startSignet, type RunningSignet } from '../../helpers/signet-server';

const ME = { query: '{ me { id } }' };

describe('nonce retention by store', () => {
  it('keeps nonces in a shared Redis store for the largest max age a process may run with, in memory for its own', () => {
    expect(nonceRetentionFor('redis', 30)).toBe(120);
    expect(nonceRetentionFor('redis', 120)).toBe(120);
    expect(nonceRetentionFor('memory', 30)).toBe(30);
  });
});

describeWithRedis('nonce retention on a shared Redis', (url) => {
  const run = randomUUID().slice(0, 8);
  let db: TestDatabase;
  let stores: ReturnType<typeof redisStores>;
  let short: RunningSignet;
  let long: RunningSignet;
  const clock = { now: Date.now() };
  beforeAll(async () => {
    db = await openPgliteDatabase();
    stores = redisStores(url, { run });
    const services = servicesFor(db.driver);
    // Two processes behind one public name, as behind a load balancer.
    const publicUrl = { scheme: 'http' as const, authority: 'api.signet.test' };
    short = await startSignet(services, stores.stores, { maxAgeSeconds: 30, now: () => clock.now, publicUrl });
    long = await startSignet(services, stores.stores, { maxAgeSeconds: 120, now: () => clock.now, publicUrl });
  });
  afterAll(async () => {
    await short?.close();
    await long?.close();
    await stores?.redis.del(...await stores.redis.keys(`t${run}:*`)).catch(() => undefined);
    await stores?.close();
    await db?.close();
  });

  it('a request verified by the 30 s process is refused by the 120 s one 40 s later, its nonce kept for 120 s + the skew', async () => {
    const services = servicesFor(db.driver);
    const key = await createTestKey(services, await fundedAccount(services, {}, 'retention'));
    // The servers' clock is the key's (its createdAt is read from the real clock): a signature cannot predate its key.
    clock.now = Date.now();
    const created = Math.floor(clock.now / 1000);
    const nonce = `retained-nonce-${run}-0000000001`;
    // Signed for the public name both processes answer to.
    const first = await signedRequest({ ...short, authority: 'api.signet.test' }, key, ME, { sign: { created, nonce } });
    expect(first.status).toBe(200);
    // Kept for created + 120 s + 5 s of skew + 5 s for a late claim's landing (about 130 s from
    // now), not created + 30 s + 5 s + 5 s.
    const ttl = await stores.redis.pttl(nonceRedisKey(key.keyId, nonce, `t${run}:nonce:`));
    expect(ttl).toBeGreaterThan(105_000);
    expect(ttl).toBeLessThanOrEqual(130_000);

    clock.now += 40_000; // stale for the short process, fresh for the long one
    const replay = await fetch(`${long.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...first.signed.headers }, body: JSON.stringify(ME) });
    expect(replay.status).toBe(401);
    expect((await replay.json()).errors[0].extensions.reason).toBe('NONCE_REUSED');
  });
});
