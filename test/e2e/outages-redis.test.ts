import { randomBytes } from 'node:crypto';
import { eventually } from '../helpers/eventually';
import { CLEAN_RECONCILIATION } from '../helpers/ledger-checks';
import type { SignetProcess } from '../helpers/processes';
import type { OwnRedis } from '../helpers/redis-server';
import { TEST_DATABASE_URL } from '../helpers/services';
import { startSignetOnOwnRedis, type SignetOnOwnRedis } from '../helpers/signet-on-own-redis';
import { sendSigned, type SharedSchema } from '../helpers/shared-schema';
import type { TestKey } from '../helpers/signet-server';

const gate = TEST_DATABASE_URL ? describe : describe.skip;
const PLACE = JSON.stringify({
  query: 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id status } userErrors { code } } }',
  variables: { i: { market: 'BTC-USD', side: 'BUY', price: '100', quantity: '0.01' } },
});
const PUBLIC = JSON.stringify({ query: '{ serverTime markets { symbol } }' });

/** POSTs an unsigned body and parses the answer. */
async function postPublic(server: SignetProcess, body: string) {
  const res = await fetch(`${server.url}/graphql`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  return { status: res.status, json: await res.json() as any };
}

/** GET /readyz: status and the per-dependency checks. */
async function readiness(server: SignetProcess) {
  const res = await fetch(`${server.url}/readyz`);
  return { status: res.status, json: await res.json() as any };
}

/**
 * Redis is the shared security store (nonces, idempotency leases, rate limits). This suite runs
 * its own redis-server, kills it under a live `signet serve`, and brings it back on the same port.
 */
gate(`Redis outage: fail closed, recover by itself${TEST_DATABASE_URL ? '' : ' (skipped: TEST_DATABASE_URL is not set)'}`, () => {
  let suite: SignetOnOwnRedis | undefined;
  let redis: OwnRedis;
  let shared: SharedSchema;
  let signet: SignetProcess;
  let accountId: string;
  let key: TestKey;
  const newKey = () => `redis-outage-${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    suite = await startSignetOnOwnRedis(TEST_DATABASE_URL as string, { name: 'redis-outage', deposits: { USD: '10000' } });
    ({ redis, shared, signet, accountId, key } = suite);
  }, 60_000);

  afterAll(async () => {
    await suite?.close();
  });

  test('with Redis up: ready (once its connection is up), and a signed order executes', async () => {
    const ready = await eventually(async () => {
      const r = await readiness(signet);
      if (r.status !== 200) throw new Error(`not ready yet: ${JSON.stringify(r.json)}`);
      return r;
    }, 10_000);
    expect(ready.json).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok' } });
    const res = await sendSigned(signet, key, PLACE, { 'idempotency-key': newKey() });
    expect(res.json.data.placeOrder.order.status).toBe('OPEN');
  });

  describe('with Redis killed', () => {
    beforeAll(async () => {
      await redis.kill();
    });

    test('a signed mutation fails closed: HTTP 503 SERVICE_UNAVAILABLE, retryable, and nothing executes', async () => {
      const before = await shared.orderCount(accountId);
      // Each answer comes back (a hang would run into the test's timeout): the Redis client queues
      // nothing while disconnected and a command waits at most its timeout.
      for (let i = 0; i < 3; i++) {
        const res = await sendSigned(signet, key, PLACE, { 'idempotency-key': newKey() });
        expect(res.status).toBe(503);
        expect(res.json.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', retryable: true }) })]);
        expect(res.json.data).toBeUndefined();
      }
      expect(await shared.orderCount(accountId)).toBe(before);
      expect(await shared.services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
    });

    test('a signed read fails closed the same way: the nonce cannot be claimed, so the request is not trusted', async () => {
      const res = await sendSigned(signet, key, JSON.stringify({ query: '{ me { id } }' }));
      expect(res.status).toBe(503);
      expect(res.json.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
    });

    test('public queries keep working (their rate limit falls back to this process)', async () => {
      const res = await postPublic(signet, PUBLIC);
      expect(res.status).toBe(200);
      expect(res.json.errors).toBeUndefined();
      expect(res.json.data.markets).toEqual(expect.arrayContaining([{ symbol: 'BTC-USD' }]));
    });

    test('/readyz reports not ready, naming Redis', async () => {
      expect(await readiness(signet)).toEqual({ status: 503, json: { status: 'not ready', checks: { database: 'ok', redis: 'unavailable' } } });
    });

    test('/healthz still says the process is alive (a restart would not help)', async () => {
      expect((await fetch(`${signet.url}/healthz`)).status).toBe(200);
    });
  });

  describe('when Redis returns on the same port', () => {
    beforeAll(async () => {
      await redis.start();
    });

    test('the same process becomes ready again, without a restart', async () => {
      const ready = await eventually(async () => {
        const r = await readiness(signet);
        if (r.status !== 200) throw new Error(`still ${r.status}: ${JSON.stringify(r.json)}`);
        return r;
      }, 15_000);
      expect(ready.json.checks).toEqual({ database: 'ok', redis: 'ok' });
      expect(signet.child.exitCode).toBeNull();
    }, 20_000);

    test('signed mutations execute again, exactly once per key, once the emptied nonce store vouches for fresh signatures', async () => {
      const before = await shared.orderCount(accountId);
      const idempotencyKey = newKey();
      // Redis came back empty: for the skew after it noticed, no signature can be proven unused.
      // Each refusal is kept and checked after the retries (a failed expect inside the probe would
      // only be retried), so a refusal for any other reason fails the test.
      const refusals: unknown[] = [];
      const first = await eventually(async () => {
        const answer = await sendSigned(signet, key, PLACE, { 'idempotency-key': idempotencyKey });
        if (answer.status === 503) {
          refusals.push(answer.json.errors?.[0]?.extensions);
          throw new Error('replay protection still recovering');
        }
        return answer;
      }, 15_000, 250);
      // The first signature after the restart predates the store's completeness by less than the skew.
      expect(refusals.length).toBeGreaterThan(0);
      for (const refusal of refusals) expect(refusal).toMatchObject({ code: 'SERVICE_UNAVAILABLE', reason: 'REPLAY_PROTECTION_RECOVERING' });
      expect(first.status).toBe(200);
      expect(first.json.data.placeOrder.order.status).toBe('OPEN');
      const again = await sendSigned(signet, key, PLACE, { 'idempotency-key': idempotencyKey });
      expect(again.replayed).toBe(true);
      expect(again.json.data.placeOrder.order.id).toBe(first.json.data.placeOrder.order.id);
      expect(await shared.orderCount(accountId)).toBe(before + 1);
      expect(await shared.services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
    }, 30_000);
  });
});
