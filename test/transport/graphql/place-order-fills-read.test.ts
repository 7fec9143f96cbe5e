import { randomUUID } from 'node:crypto';
import type { DomainServices } from '../../../src/domain';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { fundedAccount, servicesFor } from '../../helpers/domain';
import { createTestKey, memoryStores, signedRequest, startSignet, type RunningSignet, type TestKey } from '../../helpers/signet-server';

const PLACE = `mutation Place($input: PlaceOrderInput!) {
  placeOrder(input: $input) { order { id status filledQuantity } fills { price quantity } userErrors { code } }
}`;

/**
 * `PlaceOrderPayload.fills` is read after the placement commits. A read that fails then must not
 * take the order with it: the client would see a filled order as a failure, without its id.
 */
describe('placeOrder: the fills read failing after the commit', () => {
  let db: TestDatabase;
  let services: DomainServices;
  let server: RunningSignet;
  let taker: TestKey;
  let failFillsRead = false;

  beforeAll(async () => {
    db = await openPgliteDatabase();
    services = servicesFor(db.driver);
    // The read after the commit times out (PostgreSQL's statement timeout) while the switch is on.
    const read = services.orders.listOrderFills.bind(services.orders);
    services.orders.listOrderFills = async (order, query) => {
      if (failFillsRead) throw Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' });
      return read(order, query);
    };
    server = await startSignet(services, memoryStores());
    const maker = await fundedAccount(services, { BTC: '1' }, 'maker');
    const resting = await services.orders.placeOrder(maker, { market: 'BTC-USD', side: 'SELL', type: 'LIMIT', price: '30000', quantity: '0.5' });
    expect(resting.ok).toBe(true);
    taker = await createTestKey(services, await fundedAccount(services, { USD: '100000' }, 'taker'));
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  test('the order still arrives, FILLED, with fills null and the error at their path', async () => {
    failFillsRead = true;
    const idempotencyKey = randomUUID();
    const input = { market: 'BTC-USD', side: 'BUY', type: 'MARKET', quantity: '0.1' };
    const res = await signedRequest(server, taker, { query: PLACE, variables: { input } }, { headers: { 'idempotency-key': idempotencyKey } });
    const placed = res.json.data.placeOrder;
    expect(placed).toEqual({ order: { id: expect.any(String), status: 'FILLED', filledQuantity: '0.1' }, fills: null, userErrors: [] });
    expect(res.json.errors).toEqual([expect.objectContaining({ path: ['placeOrder', 'fills'], extensions: expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', retryable: true }) })]);

    // The retry with the same key replays that order with its fill; nothing runs twice.
    failFillsRead = false;
    const retry = await signedRequest(server, taker, { query: PLACE, variables: { input } }, { headers: { 'idempotency-key': idempotencyKey } });
    expect(retry.json.errors).toBeUndefined();
    expect(retry.json.data.placeOrder).toEqual({ order: placed.order, fills: [{ price: '30000', quantity: '0.1' }], userErrors: [] });
    expect((await services.orders.listOrders(taker.accountId, { limit: 10 })).items).toHaveLength(1);
  });
});
