import type { DomainServices } from '../../../src/domain';
import type { SqlDriver } from '../../../src/stores/postgres';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { balancesOf, fundedAccount, servicesFor } from '../../helpers/domain';
import { createTestKey, memoryStores, signedRequest, startSignet, type RunningSignet } from '../../helpers/signet-server';

/**
 * A signed mutation whose key is revoked after its signature verified and before its transaction
 * began writes nothing and answers UNAUTHENTICATED (the revocation answered first, so nothing of
 * the key may take effect after it). The driver holds the request's transaction at BEGIN while
 * the test revokes the key.
 */
function gatedDriver(driver: SqlDriver): SqlDriver & { holdNextBegin(): { reached: Promise<void>; release(): void } } {
  let gate: { reached: () => void; released: Promise<void> } | null = null;
  return {
    ...driver,
    query: (text, params, options) => driver.query(text, params, options),
    ping: () => driver.ping(),
    close: () => driver.close(),
    async begin(work) {
      const held = gate;
      gate = null;
      if (held) {
        held.reached();
        await held.released;
      }
      return driver.begin(work);
    },
    holdNextBegin() {
      let reached!: () => void;
      const reachedP = new Promise<void>((resolve) => { reached = resolve; });
      let release!: () => void;
      const released = new Promise<void>((resolve) => { release = resolve; });
      gate = { reached, released };
      return { reached: reachedP, release };
    },
  };
}

const PLACE = (key: string) => ({
  query: 'mutation($i: PlaceOrderInput!, $k: String) { placeOrder(input: $i) @idempotent(key: $k) { order { id status } userErrors { code } } }',
  variables: { i: { market: 'BTC-USD', side: 'BUY', price: '100', quantity: '0.01', clientOrderId: key }, k: key },
});

describe('a key revoked while its signed mutation is in flight', () => {
  let db: TestDatabase;
  let driver: ReturnType<typeof gatedDriver>;
  let services: DomainServices;
  let server: RunningSignet;
  beforeAll(async () => {
    db = await openPgliteDatabase();
    driver = gatedDriver(db.driver);
    services = servicesFor(driver);
    server = await startSignet(services, memoryStores());
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  test('placeOrder verified before the revocation, transaction after it: UNAUTHENTICATED, no order, no hold; a live key places', async () => {
    const account = await fundedAccount(services, { USD: '1000' }, 'in-flight');
    const key = await createTestKey(services, account);
    const before = await balancesOf(services, account);
    const gate = driver.holdNextBegin();
    const answer = signedRequest(server, key, PLACE('in-flight-1'));
    await gate.reached; // verified and admitted; its transaction not begun
    expect((await services.apiKeys.revokeApiKey(account, key.keyId)).ok).toBe(true);
    gate.release();
    const res = await answer;
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual({ placeOrder: null });
    expect(res.json.errors).toEqual([expect.objectContaining({
      path: ['placeOrder'], message: expect.stringContaining('was revoked while the request ran'),
      extensions: expect.objectContaining({ code: 'UNAUTHENTICATED', retryable: false }),
    })]);
    expect((await services.orders.listOrders(account, { limit: 5 })).items).toEqual([]);
    expect(await balancesOf(services, account)).toEqual(before);
    // The revoked key is refused at the door from now on; another key of the account still places.
    expect((await signedRequest(server, key, PLACE('in-flight-2'))).status).toBe(401);
    const live = await createTestKey(services, account);
    expect((await signedRequest(server, live, PLACE('in-flight-3'))).json.data.placeOrder.order.status).toBe('OPEN');
  });
});
