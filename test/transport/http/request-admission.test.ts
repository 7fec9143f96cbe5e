/**
 * A signed request's shared-state checks (address and account limits, failed-signature guard,
 * nonce, root-field limits, idempotency leases) run as ONE admission: one Redis round trip
 * before anything executes, plus one after a keyed mutation commits to cache its outcome.
 */
import type { Redis } from 'ioredis';
import type { RateLimitStore } from '@signet/rate-limit';
import type { DomainServices } from '../../../src/domain';
import type { AdmissionStore } from '../../../src/transport/admission';
import type { SecurityStores } from '../../../src/transport/security-stores';
import type { TestDatabase } from '../../helpers/database';
import { describeWithRedis } from '../../helpers/services';
import { memoryStores, openSigningAccount, redisStores, signedRequest, startSignet, type RunningSignet, type TestKey } from '../../helpers/signet-server';
import { recordRedisCommands } from '../../helpers/redis-commands';

const PLACE = (key: string) => ({
  query: 'mutation($i: PlaceOrderInput!, $k: String) { placeOrder(input: $i) @idempotent(key: $k) { order { id status } userErrors { code } } }',
  variables: { i: { market: 'BTC-USD', side: 'BUY', price: '100', quantity: '0.01', clientOrderId: key }, k: key },
});
const ME = { query: '{ me { id } }' };

let db: TestDatabase;
let services: DomainServices;
let key: TestKey;

beforeAll(async () => {
  ({ db, services, key } = await openSigningAccount({ USD: '100000' }, 'admission'));
});
afterAll(async () => {
  await db?.close();
});

describeWithRedis('request admission on Redis', (url) => {
  let redis: Redis;
  let close: () => Promise<void>;
  let server: RunningSignet;
  let sent: string[] = [];

  beforeAll(async () => {
    const opened = redisStores(url);
    redis = opened.redis;
    close = opened.close;
    await redis.ping(); // the connection's own handshake is not a request's round trip
    sent = recordRedisCommands(redis).sent;
    server = await startSignet(services, opened.stores);
    // Every script counted below is loaded first, as on a server that has run a while: the first
    // use of a script after a Redis restart or SCRIPT FLUSH is EVALSHA, NOSCRIPT, then EVAL.
    expect((await signedRequest(server, key, PLACE(`warm-${Date.now()}`))).json.data.placeOrder.order.status).toBe('OPEN');
    expect((await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ serverTime }"}' })).status).toBe(200);
  });
  afterAll(async () => {
    await server?.close();
    await close?.();
  });

  /** The Redis commands one signed request sends, in order. */
  async function commandsOf(payload: unknown): Promise<{ status: number; json: any; commands: string[] }> {
    sent.length = 0;
    const res = await signedRequest(server, key, payload);
    return { status: res.status, json: res.json, commands: [...sent] };
  }

  test('a signed, keyed, rate-limited placeOrder costs two round trips: its admission, then its cached outcome', async () => {
    const { status, json, commands } = await commandsOf(PLACE(`two-trips-${Date.now()}`));
    expect(status).toBe(200);
    expect(json.data.placeOrder.order.status).toBe('OPEN');
    expect(commands).toEqual(['evalsha', 'evalsha']);
  });

  test('its retry costs one: the admission finds the completed outcome and the replay needs nothing more', async () => {
    const payload = PLACE(`replay-trip-${Date.now()}`);
    const first = await commandsOf(payload);
    const retry = await commandsOf(payload);
    expect(retry.json.data.placeOrder.order.id).toBe(first.json.data.placeOrder.order.id);
    expect(retry.json.extensions.idempotentReplay).toEqual({ placeOrder: true });
    expect(retry.commands).toEqual(['evalsha']);
  });

  test('a signed query costs one round trip; an unsigned one spends its address limit before its body is read, then its field limit', async () => {
    expect((await commandsOf(ME)).commands).toEqual(['evalsha']);
    sent.length = 0;
    const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ serverTime }"}' });
    expect(res.status).toBe(200);
    expect(sent).toEqual(['evalsha', 'evalsha']);
  });
});

describe('request admission (memory stores)', () => {
  /** Memory stores whose admission calls are counted. */
  function countedStores(): { stores: SecurityStores; admissions: () => number; counts: () => number } {
    const base = memoryStores();
    let calls = 0;
    let consumed = 0;
    const admission: AdmissionStore = { admit: (checks) => { calls += 1; return base.admission.admit(checks); } };
    const rateLimits: RateLimitStore = { peek: (key, rule) => base.rateLimits.peek(key, rule), consume: (key, rule) => { consumed += 1; return base.rateLimits.consume(key, rule); } };
    return { stores: { ...base, admission, rateLimits }, admissions: () => calls, counts: () => consumed };
  }

  test('a signed request that fails validation still spends its account budget (its admission runs before its answer is sent)', async () => {
    const server = await startSignet(services, memoryStores(), { requestLimits: { perIp: { max: 1000, windowMs: 60_000 }, perAccount: { max: 1, windowMs: 60_000 } } });
    try {
      const invalid = await signedRequest(server, key, { query: '{ noSuchField }' });
      expect(invalid.status).toBe(400);
      const next = await signedRequest(server, key, ME);
      expect(next.status).toBe(429);
      expect(next.json.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 1 });
      expect(next.headers.get('retry-after')).toEqual(expect.stringMatching(/^\d+$/));
    } finally {
      await server.close();
    }
  });

  test('an address this process has seen spend its budget is counted before verification, and once refused is refused without asking the store', async () => {
    const { stores, admissions, counts } = countedStores();
    const server = await startSignet(services, stores, { requestLimits: { perIp: { max: 2, windowMs: 60_000 }, perAccount: { max: 1000, windowMs: 60_000 } } });
    try {
      expect((await signedRequest(server, key, ME)).status).toBe(200);
      expect((await signedRequest(server, key, ME)).status).toBe(200);
      expect([admissions(), counts()]).toEqual([2, 0]);
      // Its admissions left the address nothing: the next is counted before its body, and refused there.
      const refused = await signedRequest(server, key, ME);
      expect(refused.status).toBe(429);
      expect(refused.json.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 2 });
      expect([admissions(), counts()]).toEqual([2, 1]);
      const again = await signedRequest(server, key, ME);
      expect(again.status).toBe(429);
      expect(again.headers.get('retry-after')).toEqual(expect.stringMatching(/^\d+$/));
      expect([admissions(), counts()]).toEqual([2, 1]);
    } finally {
      await server.close();
    }
  });
});
