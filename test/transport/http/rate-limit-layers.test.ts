import { parseDictionary } from '../../helpers/structured-fields';
import { buildSignetSchema } from '../../../src/transport/graphql/build-schema';
import { describeRateLimit } from '@signet/directive-rate-limit';
import type { DomainServices } from '../../../src/domain';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { fundedAccount, servicesFor } from '../../helpers/domain';
import { createTestKey, memoryStores, signedRequest, startSignet } from '../../helpers/signet-server';

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
      expect(policy).toEqual({ 'Query.markets': { q: 5, w: 60 }, 'Query.serverTime': { q: 300, w: 60 } });
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
      expect(refused.headers.get('ratelimit')).toMatch(/^"ip";r=0;t=\d+$/);
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
});
