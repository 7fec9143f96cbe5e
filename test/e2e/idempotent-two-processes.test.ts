import { randomBytes } from 'node:crypto';
import { balancesOf, fundedAccount } from '../helpers/domain';
import { spawnSignet, type SignetProcess } from '../helpers/processes';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../helpers/services';
import { openSharedSchema, sendSigned, untilReady, type SharedSchema } from '../helpers/shared-schema';
import { createTestKey } from '../helpers/signet-server';

const gate = TEST_DATABASE_URL && TEST_REDIS_URL ? describe : describe.skip;
const PLACE = JSON.stringify({
  query: 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id status } userErrors { code } } }',
  variables: { i: { market: 'BTC-USD', side: 'BUY', price: '100', quantity: '0.01' } },
});

gate(`@idempotent across two signet processes sharing PostgreSQL and Redis${TEST_DATABASE_URL && TEST_REDIS_URL ? '' : ' (skipped: TEST_DATABASE_URL and TEST_REDIS_URL are both needed)'}`, () => {
  let shared: SharedSchema;
  let servers: SignetProcess[] = [];

  beforeAll(async () => {
    shared = await openSharedSchema(TEST_DATABASE_URL as string, TEST_REDIS_URL as string);
    servers = await Promise.all([spawnSignet(shared.env()), spawnSignet(shared.env())]);
    await Promise.all(servers.map((s) => untilReady(s)));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await shared?.close();
  });

  test('50 concurrent identical placeOrder requests, freshly signed, split across both: one order, one hold; then every retry replays', async () => {
    const accountId = await fundedAccount(shared.services, { USD: '1000' }, 'burst');
    const key = await createTestKey(shared.services, accountId, 'ed25519');
    const headers = { 'idempotency-key': `burst-${randomBytes(4).toString('hex')}` };
    const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => sendSigned(servers[i % 2], key, PLACE, headers)));

    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    const outcomes = responses.filter((r) => r.json.data.placeOrder !== null);
    const busy = responses.filter((r) => r.json.data.placeOrder === null);
    expect(outcomes.filter((r) => !r.replayed)).toHaveLength(1);
    const orderId = outcomes[0].json.data.placeOrder.order.id;
    expect(outcomes.every((r) => r.json.data.placeOrder.order.id === orderId)).toBe(true);
    for (const r of busy) expect(r.json.errors[0].extensions).toMatchObject({ code: 'IDEMPOTENCY_IN_PROGRESS', retryable: true, retryAfter: expect.any(Number) });
    expect(outcomes.length + busy.length).toBe(50);

    expect(await shared.orderCount(accountId)).toBe(1);
    expect(await shared.holdCount(accountId)).toBe(1);
    expect(await balancesOf(shared.services, accountId)).toMatchObject({ USD: { available: '999', held: '1' } });

    const retries = await Promise.all(Array.from({ length: 20 }, (_, i) => sendSigned(servers[i % 2], key, PLACE, headers)));
    for (const r of retries) {
      expect(r.replayed).toBe(true);
      expect(r.json.data.placeOrder.order.id).toBe(orderId);
      expect(r.json.extensions.idempotentReplay).toEqual({ placeOrder: true });
    }
    expect(await shared.orderCount(accountId)).toBe(1);
    expect(await shared.services.uow.repo.reconcile()).toEqual({ balanceMismatches: [], unbalancedAssets: [], heldMismatches: [], orderMismatches: [], feeMismatches: [], depositMismatches: [], volumeMismatches: [] });
  }, 60_000);
});
