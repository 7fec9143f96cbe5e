import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { balancesOf, fundedAccount } from '../helpers/domain';
import { spawnSignet, type SignetProcess } from '../helpers/processes';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../helpers/services';
import { openSharedSchema, sendSigned, untilReady, type SharedSchema } from '../helpers/shared-schema';
import { createTestKey, type TestKey } from '../helpers/signet-server';

const gate = TEST_DATABASE_URL && TEST_REDIS_URL ? describe : describe.skip;
const PLACE = JSON.stringify({
  query: 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id status } userErrors { code } } }',
  variables: { i: { market: 'BTC-USD', side: 'BUY', price: '100', quantity: '0.01' } },
});

/**
 * Exactly once across real process deaths: a `signet serve` child with test-only fault injection
 * SIGKILLs itself around the commit of a placeOrder, and the client retries on a fresh process.
 */
gate(`@idempotent survives SIGKILL (PostgreSQL + Redis)${TEST_DATABASE_URL && TEST_REDIS_URL ? '' : ' (skipped: TEST_DATABASE_URL and TEST_REDIS_URL are both needed)'}`, () => {
  let shared: SharedSchema;
  let healthy: SignetProcess;

  beforeAll(async () => {
    shared = await openSharedSchema(TEST_DATABASE_URL as string, TEST_REDIS_URL as string);
    healthy = await spawnSignet(shared.env());
    await untilReady(healthy);
  }, 60_000);

  afterAll(async () => {
    await healthy?.stop();
    await shared?.close();
  });

  /** Sends the order to a process that kills itself at `point`; the client sees the connection drop. */
  async function crashDuring(point: 'kill-before-commit' | 'kill-after-commit', key: TestKey, idempotencyKey: string): Promise<void> {
    const doomed = await spawnSignet(shared.env({ NODE_ENV: 'test', SIGNET_FAULT_INJECTION: `${point}:placeOrder` }));
    try {
      expect(doomed.output()).toMatch(/FAULT INJECTION ENABLED/);
      await untilReady(doomed);
      await expect(sendSigned(doomed, key, PLACE, { 'idempotency-key': idempotencyKey })).rejects.toThrow();
    } finally {
      await doomed.kill();
    }
    expect(doomed.child.signalCode).toBe('SIGKILL');
  }

  /** Retries with fresh signatures and the same key, waiting out IN_PROGRESS (the dead process's lease), until an outcome arrives. */
  async function retryUntilOutcome(key: TestKey, idempotencyKey: string) {
    for (let attempt = 0; attempt < 30; attempt++) {
      const res = await sendSigned(healthy, key, PLACE, { 'idempotency-key': idempotencyKey });
      const code = res.json.errors?.[0]?.extensions?.code;
      if (code !== 'IDEMPOTENCY_IN_PROGRESS') return res;
      await sleep(res.json.errors[0].extensions.retryAfter * 1000);
    }
    throw new Error('still in progress after 30 attempts');
  }

  const clean = { balanceMismatches: [], unbalancedAssets: [], heldMismatches: [], orderMismatches: [], feeMismatches: [], depositMismatches: [], volumeMismatches: [] };

  test('killed after the commit, before the response: the retry on a fresh process gets the replay', async () => {
    const accountId = await fundedAccount(shared.services, { USD: '1000' }, 'crash-after');
    const key = await createTestKey(shared.services, accountId, 'ed25519');
    const idempotencyKey = `after-${randomBytes(4).toString('hex')}`;
    await crashDuring('kill-after-commit', key, idempotencyKey);
    expect(await shared.orderCount(accountId)).toBe(1);
    const [committed] = (await shared.services.orders.listOrders(accountId, { limit: 1 })).items;

    const retry = await retryUntilOutcome(key, idempotencyKey);
    expect(retry.replayed).toBe(true);
    expect(retry.json.data.placeOrder.order).toEqual({ id: committed.id, status: 'OPEN' });
    expect(await shared.orderCount(accountId)).toBe(1);
    expect(await shared.holdCount(accountId)).toBe(1);
    expect(await balancesOf(shared.services, accountId)).toMatchObject({ USD: { available: '999', held: '1' } });
    expect(await shared.services.uow.repo.reconcile()).toEqual(clean);
  }, 60_000);

  test('killed before the commit: nothing was kept, and the retry on a fresh process executes once', async () => {
    const accountId = await fundedAccount(shared.services, { USD: '1000' }, 'crash-before');
    const key = await createTestKey(shared.services, accountId, 'ed25519');
    const idempotencyKey = `before-${randomBytes(4).toString('hex')}`;
    await crashDuring('kill-before-commit', key, idempotencyKey);
    expect(await shared.orderCount(accountId)).toBe(0);
    expect(await balancesOf(shared.services, accountId)).toMatchObject({ USD: { available: '1000', held: '0' } });

    const retry = await retryUntilOutcome(key, idempotencyKey);
    expect(retry.replayed).toBe(false);
    expect(retry.json.data.placeOrder.order.status).toBe('OPEN');
    const again = await sendSigned(healthy, key, PLACE, { 'idempotency-key': idempotencyKey });
    expect(again.replayed).toBe(true);
    expect(again.json.data.placeOrder.order.id).toBe(retry.json.data.placeOrder.order.id);
    expect(await shared.orderCount(accountId)).toBe(1);
    expect(await shared.holdCount(accountId)).toBe(1);
    expect(await shared.services.uow.repo.reconcile()).toEqual(clean);
  }, 60_000);

  test('fault injection is ignored (with a warning) unless NODE_ENV=test', async () => {
    const accountId = await fundedAccount(shared.services, { USD: '1000' }, 'no-fault');
    const key = await createTestKey(shared.services, accountId, 'ed25519');
    const server = await spawnSignet(shared.env({ NODE_ENV: 'production', SIGNET_FAULT_INJECTION: 'kill-before-commit:placeOrder' }));
    try {
      expect(server.output()).toMatch(/SIGNET_FAULT_INJECTION is set but IGNORED/);
      await untilReady(server);
      const res = await sendSigned(server, key, PLACE, { 'idempotency-key': 'prod-1' });
      expect(res.json.data.placeOrder.order.status).toBe('OPEN');
      expect(server.child.exitCode).toBeNull();
    } finally {
      await server.stop();
    }
  }, 60_000);
});
