import { randomBytes } from 'node:crypto';
import { CLEAN_RECONCILIATION } from '../helpers/ledger-checks';
import type { SignetProcess } from '../helpers/processes';
import type { OwnRedis } from '../helpers/redis-server';
import { TEST_DATABASE_URL } from '../helpers/services';
import { startSignetOnOwnRedis, type SignetOnOwnRedis } from '../helpers/signet-on-own-redis';
import { sendSigned, untilReady, type SharedSchema } from '../helpers/shared-schema';
import type { TestKey } from '../helpers/signet-server';

const gate = TEST_DATABASE_URL ? describe : describe.skip;
const PLACE = JSON.stringify({
  query: 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id status } userErrors { code } } }',
  variables: { i: { market: 'BTC-USD', side: 'BUY', price: '100', quantity: '0.01' } },
});
/** The Redis client's command timeout (runtime.ts): what one request waits for a Redis that does not answer. */
const COMMAND_TIMEOUT_MS = 2_000;
/** Requests sent one after another once the first has timed out. */
const FOLLOWING = 5;

/** Milliseconds `work` took, and its result. */
async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const start = performance.now();
  const result = await work();
  return { ms: performance.now() - start, result };
}

/**
 * A hung Redis (the process stopped, its connections open: a stalled host, a long fork, a debugger)
 * is not a dead one: the connection stays up and each command waits for its timeout. Once one
 * command has timed out, the server must stop sending requests into it: the rest are refused at
 * once (503, retryable) until Redis answers again, rather than each waiting out the timeout.
 */
gate(`Redis hung: refused at once after the first timeout, recovered by itself${TEST_DATABASE_URL ? '' : ' (skipped: TEST_DATABASE_URL is not set)'}`, () => {
  let suite: SignetOnOwnRedis | undefined;
  let redis: OwnRedis;
  let shared: SharedSchema;
  let signet: SignetProcess;
  let accountId: string;
  let key: TestKey;
  const newKey = () => `redis-hung-${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    suite = await startSignetOnOwnRedis(TEST_DATABASE_URL as string, { name: 'redis-hung', deposits: { USD: '10000' }, ready: true });
    ({ redis, shared, signet, accountId, key } = suite);
  }, 60_000);

  afterAll(async () => {
    await suite?.close();
  });

  test('while Redis is stopped: the first signed mutation waits out the timeout, the next ones are refused at once; nothing executes', async () => {
    const before = await shared.orderCount(accountId);
    redis.pause();
    try {
      const first = await timed(() => sendSigned(signet, key, PLACE, { 'idempotency-key': newKey() }));
      expect(first.result.status).toBe(503);
      expect(first.result.json.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', retryable: true }) })]);
      // It waited for Redis: the timeout is what detects the hang.
      expect(first.ms).toBeGreaterThanOrEqual(COMMAND_TIMEOUT_MS - 100);

      // Before the fix each of these waited out the timeout as well (FOLLOWING × 2 s in all).
      const following = await timed(async () => {
        const answers = [];
        for (let i = 0; i < FOLLOWING; i++) answers.push(await sendSigned(signet, key, PLACE, { 'idempotency-key': newKey() }));
        return answers;
      });
      for (const answer of following.result) {
        expect(answer.status).toBe(503);
        expect(answer.json.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', retryable: true }) })]);
      }
      expect(following.ms).toBeLessThan(COMMAND_TIMEOUT_MS);

      // Readiness says so without waiting for a Redis command either.
      const ready = await timed(async () => {
        const res = await fetch(`${signet.url}/readyz`);
        return { status: res.status, json: await res.json() as any };
      });
      expect(ready.result).toEqual({ status: 503, json: { status: 'not ready', checks: { database: 'ok', redis: 'unavailable' } } });
      expect(ready.ms).toBeLessThan(COMMAND_TIMEOUT_MS);
    } finally {
      redis.resume();
    }
    expect(await shared.orderCount(accountId)).toBe(before);
  }, 30_000);

  test('once Redis answers again: ready without a restart, and a signed mutation executes exactly once per key', async () => {
    await untilReady(signet, 15_000);
    const before = await shared.orderCount(accountId);
    const idempotencyKey = newKey();
    // Redis kept its data: no recovery window, the first request after readiness executes.
    const first = await sendSigned(signet, key, PLACE, { 'idempotency-key': idempotencyKey });
    expect(first.status).toBe(200);
    expect(first.json.data.placeOrder.order.status).toBe('OPEN');
    const again = await sendSigned(signet, key, PLACE, { 'idempotency-key': idempotencyKey });
    expect(again.replayed).toBe(true);
    expect(again.json.data.placeOrder.order.id).toBe(first.json.data.placeOrder.order.id);
    expect(await shared.orderCount(accountId)).toBe(before + 1);
    expect(await shared.services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
    expect(signet.child.exitCode).toBeNull();
  }, 40_000);
});
