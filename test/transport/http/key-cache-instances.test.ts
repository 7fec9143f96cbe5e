/**
 * Verification material cached per server process over one PostgreSQL and one Redis (issue 14):
 * two in-process servers, each with its own services and so its own key cache, play two
 * instances. Revocation on one is instant on the other, also inside an @idempotent mutation and
 * across a Redis that lost its data; a cached key costs no SQL read and no extra Redis round trip.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { markNonceStoreComplete } from '@signet/http-message-signatures-redis';
import type { DomainServices } from '../../../src/domain';
import { openPostgresDatabase, type TestDatabase } from '../../helpers/database';
import { fundedAccount, servicesFor } from '../../helpers/domain';
import { describeWithPostgres, describeWithRedis } from '../../helpers/services';
import { createTestKey, redisStores, signedRequest, startSignet, type RunningSignet, type TestKey } from '../../helpers/signet-server';
import { loggedDriver, type LoggedDriver } from '../../helpers/statement-log';
import { startOwnRedis, type OwnRedis } from '../../helpers/redis-server';
import { commandsOf } from '../../helpers/redis-commands';
import { keyVersionRedisKey } from '../../../src/stores/redis/redis-key-version-store';

const ME = { query: '{ me { id } }' };
const REVOKE = 'mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { id revokedAt } userErrors { code } } }';
const KEY_READ = /FROM api_keys WHERE id = \$1/;
/** The one api_keys statement of a signed mutation with a cached key: its row held against a revocation. */
const KEY_HOLD = 'SELECT 1 FROM api_keys WHERE id = $1 AND revoked_at IS NULL FOR KEY SHARE';
const PLACE = (key: string) => ({
  query: 'mutation($i: PlaceOrderInput!, $k: String) { placeOrder(input: $i) @idempotent(key: $k) { order { id status } userErrors { code } } }',
  variables: { i: { market: 'BTC-USD', side: 'BUY', price: '100', quantity: '0.01', clientOrderId: key }, k: key },
});

/** Two servers over one database and one Redis state (`run` prefix), each with its own key cache. */
interface Instances {
  readonly a: RunningSignet;
  readonly b: RunningSignet;
  readonly services: DomainServices;
  readonly driverB: LoggedDriver;
  readonly redisB: Redis;
  /** Where both instances keep key versions (`redisStores`' prefix for this run). */
  readonly keyVersionPrefix: string;
  close(): Promise<void>;
}

async function openInstances(db: TestDatabase, redisUrl: string): Promise<Instances> {
  const run = randomUUID().slice(0, 8);
  const masterKey = randomBytes(32);
  const storesA = redisStores(redisUrl, { run });
  const storesB = redisStores(redisUrl, { run });
  const driverB = loggedDriver(db.driver);
  const services = servicesFor(db.driver, { keyVersions: storesA.keyVersions, masterKey });
  const servicesB = servicesFor(driverB, { keyVersions: storesB.keyVersions, masterKey });
  const a = await startSignet(services, storesA.stores);
  const b = await startSignet(servicesB, storesB.stores);
  return {
    a, b, services, driverB, redisB: storesB.redis, keyVersionPrefix: `t${run}:keyver:`,
    async close() {
      await Promise.all([a.close(), b.close()]);
      await Promise.all([storesA.close(), storesB.close()]);
    },
  };
}

const expectRevokedKeyRefused = (res: { status: number; json: any }) => {
  expect(res.status).toBe(401);
  expect(res.json.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'SIGNATURE_INVALID' });
};

describeWithPostgres('key material cached per instance (PostgreSQL + Redis)', (pgUrl) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openPostgresDatabase(pgUrl);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });

  describeWithRedis('on the shared Redis', (redisUrl) => {
    let it2: Instances;
    let accountId: string;
    let manager: TestKey;
    beforeAll(async () => {
      it2 = await openInstances(db, redisUrl);
      accountId = await fundedAccount(it2.services, {}, 'keycache');
      manager = await createTestKey(it2.services, accountId);
    }, 60_000);
    afterAll(async () => {
      await it2?.close();
    });

    test('a key cached on B reads no key row and makes one Redis round trip per signed query', async () => {
      const key = await createTestKey(it2.services, accountId);
      expect((await signedRequest(it2.b, key, ME)).status).toBe(200);
      let statements: string[] = [];
      const sent = await commandsOf(it2.redisB, async () => {
        statements = await it2.driverB.statementsOf(async () => {
          const res = await signedRequest(it2.b, key, ME);
          expect(res.json).toEqual({ data: { me: { id: accountId } } });
        });
      });
      expect(statements.filter((s) => KEY_READ.test(s))).toEqual([]);
      expect(sent).toEqual(['evalsha']);
    });

    test('a signed keyed placeOrder with a cached key: two Redis round trips as before, and no key row read', async () => {
      const trader = await fundedAccount(it2.services, { USD: '10000' }, 'keycache-trader');
      const key = await createTestKey(it2.services, trader);
      // Caches the key on B and loads both scripts (a script's first use after a Redis restart or
      // SCRIPT FLUSH is EVALSHA, NOSCRIPT, then EVAL).
      expect((await signedRequest(it2.b, key, PLACE(`warm-${Date.now()}`))).json.data.placeOrder.order.status).toBe('OPEN');
      let statements: string[] = [];
      const sent = await commandsOf(it2.redisB, async () => {
        statements = await it2.driverB.statementsOf(async () => {
          const res = await signedRequest(it2.b, key, PLACE(`cached-${Date.now()}`));
          expect(res.json.data.placeOrder.order.status).toBe('OPEN');
        });
      });
      expect(sent).toEqual(['evalsha', 'evalsha']);
      // The key's material is not read; the mutation's transaction holds the key's row against a
      // revocation (domain/acting-key.ts), once.
      expect(statements.filter((s) => KEY_READ.test(s))).toEqual([KEY_HOLD]);
    });

    test.each([
      ['a plain revokeApiKey', {}],
      ['revokeApiKey under an Idempotency-Key (the UPDATE joins the @idempotent transaction)', { 'idempotency-key': 'revoke-1' }],
    ])('a key revoked on A by %s is refused on B at the very next request', async (_name, headers: Record<string, string>) => {
      const key = await createTestKey(it2.services, accountId);
      expect((await signedRequest(it2.b, key, ME)).status).toBe(200);
      expect((await signedRequest(it2.b, key, ME)).status).toBe(200); // now from B's cache
      const revoked = await signedRequest(it2.a, manager, { query: REVOKE, variables: { id: key.keyId } }, { headers });
      expect(revoked.json.data.revokeApiKey).toEqual({ apiKey: { id: key.keyId, revokedAt: expect.any(String) }, userErrors: [] });
      expectRevokedKeyRefused(await signedRequest(it2.b, key, ME));
      expectRevokedKeyRefused(await signedRequest(it2.a, key, ME));
      // The manager key, cached on B too, still works: the version is per key.
      expect((await signedRequest(it2.b, manager, ME)).status).toBe(200);
    });

    test('a key revoked by B itself (its own cache) is refused on B and on A', async () => {
      const key = await createTestKey(it2.services, accountId);
      expect((await signedRequest(it2.a, key, ME)).status).toBe(200);
      expect((await signedRequest(it2.b, key, ME)).status).toBe(200);
      const revoked = await signedRequest(it2.b, key, { query: REVOKE, variables: { id: key.keyId } });
      expect(revoked.json.data.revokeApiKey.userErrors).toEqual([]);
      expectRevokedKeyRefused(await signedRequest(it2.a, key, ME));
      expectRevokedKeyRefused(await signedRequest(it2.b, key, ME));
    });

    test('signed requests with key ids that have no key row are refused and leave no key version on Redis', async () => {
      const before = (await it2.redisB.keys(`${it2.keyVersionPrefix}*`)).sort();
      // Made-up key ids, sent at once to both instances (a concurrent burst all gets past the guessing guard).
      const guessed = Array.from({ length: 12 }, () => ({ ...manager, keyId: `key_${randomBytes(12).toString('hex')}` }));
      const responses = await Promise.all(guessed.map((key, i) => signedRequest(i % 2 === 0 ? it2.a : it2.b, key, ME)));
      for (const res of responses) {
        expect(res.status).toBe(401);
        expect(res.json.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'SIGNATURE_INVALID' });
      }
      for (const key of guessed) expect(await it2.redisB.exists(`${it2.keyVersionPrefix}{${key.keyId}}`)).toBe(0);
      expect((await it2.redisB.keys(`${it2.keyVersionPrefix}*`)).sort()).toEqual(before);
      // A key that exists still gets its version at its first use, and works.
      const real = await createTestKey(it2.services, accountId);
      expect((await signedRequest(it2.b, real, ME)).status).toBe(200);
      expect(await it2.redisB.exists(`${it2.keyVersionPrefix}{${real.keyId}}`)).toBe(1);
    });
  });

  describe('on a Redis of its own that loses its data (FLUSHALL)', () => {
    let own: OwnRedis;
    let it2: Instances;
    let admin: Redis;
    let accountId: string;
    let manager: TestKey;
    beforeAll(async () => {
      own = await startOwnRedis();
      admin = new Redis(own.url, { maxRetriesPerRequest: 1 });
      it2 = await openInstances(db, own.url);
      accountId = await fundedAccount(it2.services, {}, 'keyflush');
      manager = await createTestKey(it2.services, accountId);
    }, 60_000);
    afterAll(async () => {
      await it2?.close();
      await admin?.quit();
      await own?.close();
    });

    /** FLUSHALL, then restore the nonce completeness markers the test prefix starts with (as `redisStores` does). */
    const flush = async () => {
      const markers = await admin.keys('t*:nonce:nonce-complete-since');
      await admin.flushall();
      for (const marker of markers) await markNonceStoreComplete(admin, 0, { prefix: marker.slice(0, -'nonce-complete-since'.length) });
    };

    test('a key cached on B before a FLUSHALL and revoked after it is refused on B', async () => {
      const key = await createTestKey(it2.services, accountId);
      expect((await signedRequest(it2.b, key, ME)).status).toBe(200);
      await flush();
      // Revoked straight in the database as of before the flush is not what happens here: through A.
      const revoked = await signedRequest(it2.a, manager, { query: REVOKE, variables: { id: key.keyId } });
      expect(revoked.json.data.revokeApiKey.userErrors).toEqual([]);
      expectRevokedKeyRefused(await signedRequest(it2.b, key, ME));
    });

    test('a key cached on B, revoked on A, then the store flushed (its versions gone) is still refused on B', async () => {
      const key = await createTestKey(it2.services, accountId);
      expect((await signedRequest(it2.b, key, ME)).status).toBe(200);
      const revoked = await signedRequest(it2.a, manager, { query: REVOKE, variables: { id: key.keyId } });
      expect(revoked.json.data.revokeApiKey.userErrors).toEqual([]);
      await flush();
      expectRevokedKeyRefused(await signedRequest(it2.b, key, ME));
    });

    test('a key cached on B, revoked on A, then Redis back to before the revocation (restarted from its snapshot, or failed over to a replica that missed it) is refused on B', async () => {
      const key = await createTestKey(it2.services, accountId);
      expect((await signedRequest(it2.b, key, ME)).status).toBe(200);
      const versionKey = keyVersionRedisKey(key.keyId, it2.keyVersionPrefix);
      const before = await admin.get(versionKey);
      expect(before).toEqual(expect.any(String));
      const revoked = await signedRequest(it2.a, manager, { query: REVOKE, variables: { id: key.keyId } });
      expect(revoked.json.data.revokeApiKey.userErrors).toEqual([]);
      expect(await admin.get(versionKey)).not.toBe(before);
      // Redis goes back: the version the revocation replaced is current again, and its clients'
      // connections drop, as a restart or a failover drops them (B's, here; it reconnects).
      await admin.set(versionKey, before!, 'PX', 86_400_000);
      const reconnected = new Promise((resolve) => it2.redisB.once('ready', resolve));
      await admin.client('KILL', 'ID', String(await it2.redisB.client('ID')));
      await reconnected;
      expectRevokedKeyRefused(await signedRequest(it2.b, key, ME));
    });

    test('a key cached on B whose version was lost, but not revoked, goes on working (one reload)', async () => {
      const key = await createTestKey(it2.services, accountId);
      expect((await signedRequest(it2.b, key, ME)).status).toBe(200);
      await flush();
      const reloaded = await it2.driverB.statementsOf(async () => {
        expect((await signedRequest(it2.b, key, ME)).status).toBe(200);
      });
      expect(reloaded.filter((s) => KEY_READ.test(s))).toHaveLength(1);
      const cached = await it2.driverB.statementsOf(async () => {
        expect((await signedRequest(it2.b, key, ME)).status).toBe(200);
      });
      expect(cached.filter((s) => KEY_READ.test(s))).toEqual([]);
    });

    test('a keyed placeOrder on stale material: the admission stops after the nonce, the key is reloaded, the rest runs once (lease and all)', async () => {
      const trader = await fundedAccount(it2.services, { USD: '10000' }, 'keyflush-trader');
      const key = await createTestKey(it2.services, trader);
      // Cached on B, and every script loaded (FLUSHALL keeps scripts): only round trips are counted below.
      expect((await signedRequest(it2.b, key, PLACE(`warm-${Date.now()}`))).json.data.placeOrder.order.status).toBe('OPEN');
      await flush();
      const payload = PLACE(`stale-${Date.now()}`);
      let first: any;
      const sent = await commandsOf(it2.redisB, async () => {
        first = (await signedRequest(it2.b, key, payload)).json;
      });
      expect(first.data.placeOrder.order.status).toBe('OPEN');
      // Admission up to the stale version, the rest of it, the outcome cached.
      expect(sent).toEqual(['evalsha', 'evalsha', 'evalsha']);
      // The lease was taken in the second call: a retry replays the outcome.
      const retry = (await signedRequest(it2.b, key, payload)).json;
      expect(retry.data.placeOrder.order.id).toBe(first.data.placeOrder.order.id);
      expect(retry.extensions.idempotentReplay).toEqual({ placeOrder: true });
    });
  });
});
