import { parseDictionary } from '../../helpers/structured-fields';
import { buildSignetSchema } from '../../../src/transport/graphql/build-schema';
import { describeRateLimit } from '@signet/directive-rate-limit';
import type { DomainServices } from '../../../src/domain';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { fundedAccount, servicesFor } from '../../helpers/domain';
import { createTestKey, memoryStores, signedRequest, startSignet } from '../../helpers/signet-server';
import * as sf from 'structured-headers';

/** RateLimit-Policy or RateLimit parsed as the draft defines them (an sf-list of named items), in order. */
function policies(value: string | null): Array<[string, Record<string, unknown>]> {
  return sf.parseList(value ?? '').map(([name, params]) => [String(name), Object.fromEntries(params)]);
}

const post = (url: string, body: string) => fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('rate-limit layers over HTTP', () => {
  let db: TestDatabase;
  let services: DomainServices;
  beforeAll(async () => {
    db = await openPgliteDatabase();
    services = servicesFor(db.driver);
  });
  afterAll(async () => db?.close());

  test('every mutation and the expensive reads carry a @rateLimit; money moves tighter than reads', () => {
    const schema = buildSignetSchema();
    for (const field of ['placeOrder', 'cancelOrder', 'createTransfer', 'createApiKey', 'revokeApiKey']) expect(describeRateLimit(schema, 'Mutation', field)).toBeDefined();
    for (const [type, field] of [['Query', 'me'], ['Query', 'order'], ['Account', 'orders'], ['Account', 'transfers']]) expect(describeRateLimit(schema, type, field)).toBeDefined();
    const perMinute = (type: string, field: string) => {
      const limit = describeRateLimit(schema, type, field)!;
      return limit.max / ({ '1m': 1, '10m': 10 } as Record<string, number>)[limit.window];
    };
    expect(perMinute('Mutation', 'placeOrder')).toBeLessThan(perMinute('Query', 'me'));
    expect(perMinute('Mutation', 'createTransfer')).toBeLessThan(perMinute('Mutation', 'placeOrder'));
    expect(perMinute('Mutation', 'createApiKey')).toBeLessThan(perMinute('Mutation', 'createTransfer'));
  });

  test('responses carry RateLimit-Policy and RateLimit for the tightest limit that applied', async () => {
    const server = await startSignet(services, memoryStores(), { directives: { rateLimitOverrides: { 'Query.markets': { max: 5, window: '1m' } } } });
    try {
      const res = await post(server.url, JSON.stringify({ query: '{ markets { symbol } serverTime }' }));
      expect(res.status).toBe(200);
      const policy = parseDictionary(res.headers.get('ratelimit-policy'));
      const limit = res.headers.get('ratelimit') as string;
      expect(policy).toEqual({ 'Query.markets': { q: 5, w: 60 }, 'Query.serverTime': { q: 300, w: 60 }, 'Request.ip': { q: 1200, w: 60 } });
      expect(limit.startsWith('"Query.markets";r=4;t=')).toBe(true);
    } finally {
      await server.close();
    }
  });

  test('the per-IP layer answers 429 with Retry-After before the body is even parsed', async () => {
    const server = await startSignet(services, memoryStores(), { requestLimits: { perIp: { max: 3, windowMs: 60_000 }, perAccount: { max: 1000, windowMs: 60_000 } } });
    try {
      for (let i = 0; i < 3; i += 1) expect((await post(server.url, '{"query":"{ serverTime }"}')).status).toBe(200);
      const refused = await post(server.url, '{ this is not json');
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.headers.get('ratelimit')).toMatch(/^"Request.ip";r=0;t=\d+$/);
      expect((await refused.json()).errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryable: true, limit: 3 });
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  test('the per-account layer limits a verified account across its keys', async () => {
    const server = await startSignet(services, memoryStores(), { requestLimits: { perIp: { max: 1000, windowMs: 60_000 }, perAccount: { max: 2, windowMs: 60_000 } } });
    try {
      const accountId = await fundedAccount(services, {}, 'busy');
      const [k1, k2] = [await createTestKey(services, accountId), await createTestKey(services, accountId)];
      const other = await createTestKey(services, await fundedAccount(services, {}, 'calm'));
      expect((await signedRequest(server, k1, { query: '{ me { id } }' })).status).toBe(200);
      expect((await signedRequest(server, k2, { query: '{ me { id } }' })).status).toBe(200);
      const refused = await signedRequest(server, k1, { query: '{ me { id } }' });
      expect(refused.status).toBe(429);
      expect(refused.json.errors[0].extensions.code).toBe('RATE_LIMITED');
      expect((await signedRequest(server, other, { query: '{ me { id } }' })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  describe('the request limits are announced on every response they applied to, named as configured', () => {
    const requestLimits = { perIp: { max: 3, windowMs: 60_000 }, perAccount: { max: 2, windowMs: 30_000 } };

    test('unsigned: Request.ip on each 200 with what is left, then on the 429 under the same name', async () => {
      const server = await startSignet(services, memoryStores(), { requestLimits });
      try {
        for (const left of [2, 1, 0]) {
          const res = await post(server.url, '{"query":"{ serverTime }"}');
          expect(res.status).toBe(200);
          expect(policies(res.headers.get('ratelimit-policy'))).toEqual([['Query.serverTime', { q: 300, w: 60 }], ['Request.ip', { q: 3, w: 60 }]]);
          const [tightest, ...rest] = policies(res.headers.get('ratelimit'));
          expect(tightest).toEqual(['Request.ip', { r: left, t: expect.any(Number) }]);
          expect(rest.map(([name]) => name)).toEqual(['Query.serverTime']);
        }
        const refused = await post(server.url, '{"query":"{ serverTime }"}');
        expect(refused.status).toBe(429);
        expect(policies(refused.headers.get('ratelimit-policy'))).toEqual([['Request.ip', { q: 3, w: 60 }]]);
        expect(policies(refused.headers.get('ratelimit'))).toEqual([['Request.ip', { r: 0, t: Number(refused.headers.get('retry-after')) }]]);
      } finally {
        await server.close();
      }
    });

    test('unsigned: a request refused before GraphQL still carries the limit it spent', async () => {
      const server = await startSignet(services, memoryStores(), { requestLimits });
      try {
        const res = await post(server.url, '{ this is not json');
        expect(res.status).toBe(400);
        expect(policies(res.headers.get('ratelimit-policy'))).toEqual([['Request.ip', { q: 3, w: 60 }]]);
        expect(policies(res.headers.get('ratelimit'))).toEqual([['Request.ip', { r: 2, t: expect.any(Number) }]]);
      } finally {
        await server.close();
      }
    });

    test('signed: Request.ip and Request.account on each 200, and on the per-account 429', async () => {
      const server = await startSignet(services, memoryStores(), { requestLimits: { perIp: { max: 1000, windowMs: 60_000 }, perAccount: requestLimits.perAccount } });
      try {
        const key = await createTestKey(services, await fundedAccount(services, {}, 'announced'));
        for (const left of [1, 0]) {
          const res = await signedRequest(server, key, { query: '{ me { id } }' });
          expect(res.status).toBe(200);
          expect(policies(res.headers.get('ratelimit-policy'))).toEqual([['Query.me', { q: 600, w: 60 }], ['Request.account', { q: 2, w: 30 }], ['Request.ip', { q: 1000, w: 60 }]]);
          expect(policies(res.headers.get('ratelimit'))[0]).toEqual(['Request.account', { r: left, t: expect.any(Number) }]);
        }
        const refused = await signedRequest(server, key, { query: '{ me { id } }' });
        expect(refused.status).toBe(429);
        expect(policies(refused.headers.get('ratelimit-policy'))).toEqual([['Request.account', { q: 2, w: 30 }], ['Request.ip', { q: 1000, w: 60 }]]);
        const limits = policies(refused.headers.get('ratelimit'));
        expect(limits[0]).toEqual(['Request.account', { r: 0, t: Number(refused.headers.get('retry-after')) }]);
        expect(limits.map(([name]) => name)).toEqual(['Request.account', 'Request.ip']);
      } finally {
        await server.close();
      }
    });

    /**
     * A request signed in the second its account's limit refused one of the key's is refused at
     * the key's floor (SIGNED_WHILE_LIMITED) before its admission reaches any limit. Its answer
     * once named only the address's limit (r=1192) with Retry-After: 1, although the account
     * stayed at r=0 for the rest of its window: a client pacing by the headers retried into
     * another 429. It names the account's limit as the per-account 429 does, and Retry-After
     * (counted from the signature's `created`) reaches at least the account's reset.
     */
    test('signed again at once after the per-account 429 (SIGNED_WHILE_LIMITED): Request.account r=0 until its reset, and Retry-After no sooner', async () => {
      const clock = { ms: 0 };
      const perAccount = { max: 6, windowMs: 20_000 };
      const server = await startSignet(services, memoryStores({ rateLimitClock: () => clock.ms }), { requestLimits: { perIp: { max: 1200, windowMs: 60_000 }, perAccount } });
      try {
        const key = await createTestKey(services, await fundedAccount(services, {}, 'announced-while-limited'));
        const me = (call = {}) => signedRequest(server, key, { query: '{ me { id } }' }, call);
        for (let i = 0; i < perAccount.max; i += 1) expect((await me()).status).toBe(200);
        const refused = await me();
        expect(refused.status).toBe(429);
        expect(policies(refused.headers.get('ratelimit'))[0]).toEqual(['Request.account', { r: 0, t: 20 }]);
        expect(refused.headers.get('retry-after')).toBe('20');
        // Signed in the second the account's refusal was signed in: at or before its key's floor.
        const sentAt = Date.now();
        const again = await me({ sign: { created: refused.signed.created } });
        const answeredAt = Date.now();
        expect(again.status).toBe(429);
        expect(again.json.errors[0].extensions.reason).toBe('SIGNED_WHILE_LIMITED');
        expect(policies(again.headers.get('ratelimit-policy'))).toEqual([['Request.account', { q: 6, w: 20 }], ['Request.ip', { q: 1200, w: 60 }]]);
        const limits = policies(again.headers.get('ratelimit'));
        expect(limits.map(([name]) => name)).toEqual(['Request.account', 'Request.ip']);
        // The limiter's clock has not moved: the account's window has all of its 20 s left.
        expect(limits[0]).toEqual(['Request.account', { r: 0, t: 20 }]);
        // Counted from `created`: the account's 20 s from when the server answered, so a client that
        // signs again that long after `created` is within the limit (and past the floor's second).
        const retryAfter = Number(again.headers.get('retry-after'));
        const fromCreated = (at: number) => Math.ceil((perAccount.windowMs + at - refused.signed.created * 1000) / 1000);
        expect(retryAfter).toBeGreaterThanOrEqual(Math.max(20, fromCreated(sentAt)));
        expect(retryAfter).toBeLessThanOrEqual(fromCreated(answeredAt));
        expect(again.json.errors[0].extensions.retryAfter).toBe(retryAfter);
        // Once the account's window has reset (and the floor's second has passed), a request signed again runs.
        clock.ms += perAccount.windowMs + 1;
        while (Math.floor(Date.now() / 1000) <= refused.signed.created) await new Promise((resolve) => setTimeout(resolve, 50));
        expect((await me()).status).toBe(200);
      } finally {
        await server.close();
      }
    }, 15_000);

    test('an exit signed again at once after its key\'s exit budget refused one (SIGNED_WHILE_LIMITED): Request.keyExits r=0 until its reset', async () => {
      const perKeyExits = { max: 2, windowMs: 20_000 };
      // The limits' windows on a clock that stands still: each has all of its length left.
      const server = await startSignet(services, memoryStores({ rateLimitClock: () => 0 }), { requestLimits: { perIp: { max: 1200, windowMs: 60_000 }, perAccount: { max: 1000, windowMs: 60_000 }, perKeyExits } });
      try {
        const key = await createTestKey(services, await fundedAccount(services, {}, 'announced-exits-limited'));
        const exit = (call = {}) => signedRequest(server, key, { query: 'mutation { cancelAllOrders { orders { id } } }' }, call);
        for (let i = 0; i < perKeyExits.max; i += 1) expect((await exit()).status).toBe(200);
        const refused = await exit();
        expect(refused.status).toBe(429);
        expect(policies(refused.headers.get('ratelimit'))[0]).toEqual(['Request.keyExits', { r: 0, t: 20 }]);
        const again = await exit({ sign: { created: refused.signed.created } });
        expect(again.status).toBe(429);
        expect(again.json.errors[0].extensions.reason).toBe('SIGNED_WHILE_LIMITED');
        expect(policies(again.headers.get('ratelimit-policy'))).toEqual([['Request.ip', { q: 1200, w: 60 }], ['Request.keyExits', { q: 2, w: 20 }]]);
        expect(policies(again.headers.get('ratelimit'))).toEqual([['Request.keyExits', { r: 0, t: 20 }], ['Request.ip', { r: 1200 - 4, t: 60 }]]);
        expect(Number(again.headers.get('retry-after'))).toBeGreaterThanOrEqual(20);
      } finally {
        await server.close();
      }
    });

    // Its admission runs as its answer is sent (no operation resolved): the answer once left without the limits it spent.
    test('signed: a request that fails validation carries Request.ip and Request.account too', async () => {
      const server = await startSignet(services, memoryStores(), { requestLimits: { perIp: { max: 1000, windowMs: 60_000 }, perAccount: requestLimits.perAccount } });
      try {
        const key = await createTestKey(services, await fundedAccount(services, {}, 'announced-invalid'));
        const res = await signedRequest(server, key, { query: '{ noSuchField }' });
        expect(res.status).toBe(400);
        expect(policies(res.headers.get('ratelimit-policy'))).toEqual([['Request.account', { q: 2, w: 30 }], ['Request.ip', { q: 1000, w: 60 }]]);
        expect(policies(res.headers.get('ratelimit'))).toEqual([['Request.account', { r: 1, t: expect.any(Number) }], ['Request.ip', { r: 999, t: expect.any(Number) }]]);
      } finally {
        await server.close();
      }
    });

    test('signed, refused before its admission (a body that is not JSON): Request.ip, counted as it is answered', async () => {
      const server = await startSignet(services, memoryStores(), { requestLimits: { perIp: { max: 3, windowMs: 60_000 }, perAccount: requestLimits.perAccount } });
      try {
        const key = await createTestKey(services, await fundedAccount(services, {}, 'announced-unparsed'));
        const res = await signedRequest(server, key, undefined, { body: '{ this is not json' });
        expect(res.status).toBe(400);
        expect(policies(res.headers.get('ratelimit-policy'))).toEqual([['Request.ip', { q: 3, w: 60 }]]);
        expect(policies(res.headers.get('ratelimit'))).toEqual([['Request.ip', { r: 2, t: expect.any(Number) }]]);
      } finally {
        await server.close();
      }
    });

    test('signed, counted before its body (its address\'s allowance spent) and failing validation: Request.ip once, beside Request.account', async () => {
      // The limits' windows on a clock the test moves: when it moves, the shared window starts
      // again but this process's allowance for the address is still spent.
      let limiterMs = 0;
      const server = await startSignet(services, memoryStores({ rateLimitClock: () => limiterMs }), { requestLimits: { perIp: { max: 2, windowMs: 60_000 }, perAccount: { max: 100, windowMs: 60_000 } } });
      try {
        const key = await createTestKey(services, await fundedAccount(services, {}, 'announced-first'));
        for (let i = 0; i < 2; i += 1) expect((await signedRequest(server, key, { query: '{ me { id } }' })).status).toBe(200);
        limiterMs += 60_001;
        const res = await signedRequest(server, key, { query: '{ noSuchField }' });
        expect(res.status).toBe(400);
        expect(policies(res.headers.get('ratelimit-policy'))).toEqual([['Request.account', { q: 100, w: 60 }], ['Request.ip', { q: 2, w: 60 }]]);
        expect(policies(res.headers.get('ratelimit'))).toEqual([['Request.ip', { r: 1, t: expect.any(Number) }], ['Request.account', { r: 99, t: expect.any(Number) }]]);
      } finally {
        await server.close();
      }
    });
  });
});
