import type { DomainServices, PlaceOrderInput } from '../../src/domain';
import { openPgliteDatabase, openPostgresDatabase, type TestDatabase } from '../helpers/database';
import { balancesOf, fundedAccount, servicesFor } from '../helpers/domain';
import { CLEAN_RECONCILIATION } from '../helpers/ledger-checks';
import { describeWithPostgres } from '../helpers/services';
import { loggedDriver, type LoggedDriver } from '../helpers/statement-log';

/**
 * An account may have at most `maxOpenOrders` live orders in one market (SIGNET_MAX_OPEN_ORDERS,
 * default 500). Without it one account could rest orders without end, and one placement walking
 * them held the market lock and the event loop for seconds (12,000 own orders canceled by
 * self-trade prevention: 5.6 s), minutes with a day's worth.
 */
const bid = (price: string, more: Partial<PlaceOrderInput> = {}): PlaceOrderInput => ({ market: 'BTC-USD', side: 'BUY', type: 'LIMIT', price, quantity: '0.001', ...more });

describe('the open-order limit per account and market', () => {
  let db: TestDatabase;
  let services: DomainServices;
  beforeAll(async () => {
    db = await openPgliteDatabase();
    services = servicesFor(db.driver, { maxOpenOrders: 3 });
  });
  afterAll(async () => db?.close());

  test('the order that would rest past the limit is TOO_MANY_OPEN_ORDERS and holds nothing; orders that do not rest, other markets and a freed slot are not limited', async () => {
    const account = await fundedAccount(services, { USD: '10000', ETH: '10' }, 'limit');
    const seller = await fundedAccount(services, { BTC: '1' }, 'limit-seller');
    const placed = [];
    for (const price of ['100', '101', '102']) {
      const result = await services.orders.placeOrder(account, bid(price));
      if (!result.ok) throw new Error(JSON.stringify(result.errors));
      placed.push(result.value);
    }
    const before = await balancesOf(services, account);

    const refused = await services.orders.placeOrder(account, bid('103'));
    expect(refused).toEqual({ ok: false, errors: [expect.objectContaining({ code: 'TOO_MANY_OPEN_ORDERS', field: ['input', 'market'], message: expect.stringContaining('3 open orders in BTC-USD') })] });
    expect(await balancesOf(services, account)).toEqual(before);
    expect((await services.orders.listOrders(account, { limit: 10, live: true })).items).toHaveLength(3);

    // An IOC that does not trade rests nothing; a crossing order that fills at once neither.
    expect(await services.orders.placeOrder(account, bid('104', { timeInForce: 'IOC' }))).toMatchObject({ ok: true, value: { status: 'EXPIRED' } });
    const ask = await services.orders.placeOrder(seller, { market: 'BTC-USD', side: 'SELL', type: 'LIMIT', price: '105', quantity: '0.001' });
    expect(ask.ok).toBe(true);
    expect(await services.orders.placeOrder(account, bid('105'))).toMatchObject({ ok: true, value: { status: 'FILLED' } });
    // Another market has its own limit.
    expect(await services.orders.placeOrder(account, { market: 'ETH-USD', side: 'SELL', type: 'LIMIT', price: '9000', quantity: '0.01' })).toMatchObject({ ok: true, value: { status: 'OPEN' } });
    // A canceled order frees its slot.
    expect((await services.orders.cancelOrder(account, placed[0].id)).ok).toBe(true);
    expect(await services.orders.placeOrder(account, bid('103'))).toMatchObject({ ok: true, value: { status: 'OPEN' } });
    expect(await services.orders.placeOrder(account, bid('106'))).toMatchObject({ ok: false, errors: [{ code: 'TOO_MANY_OPEN_ORDERS' }] });
    expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
  });

  test('a retried clientOrderId at the limit is still DUPLICATE_CLIENT_ORDER_ID (a retry learns its order exists)', async () => {
    const account = await fundedAccount(services, { USD: '10000' }, 'limit-retry');
    for (const id of ['a', 'b', 'c']) expect((await services.orders.placeOrder(account, bid('50', { clientOrderId: id }))).ok).toBe(true);
    expect(await services.orders.placeOrder(account, bid('50', { clientOrderId: 'c' }))).toMatchObject({ ok: false, errors: [{ code: 'DUPLICATE_CLIENT_ORDER_ID' }] });
    expect(await services.orders.placeOrder(account, bid('50', { clientOrderId: 'd' }))).toMatchObject({ ok: false, errors: [{ code: 'TOO_MANY_OPEN_ORDERS' }] });
  });

  test('own orders the placement cancels by self-trade prevention do not count: at the limit, a BUY that cancels the own resting SELL still rests', async () => {
    const account = await fundedAccount(services, { USD: '10000', BTC: '1' }, 'limit-stp');
    for (const price of ['90', '91']) expect((await services.orders.placeOrder(account, bid(price))).ok).toBe(true);
    const ownAsk = await services.orders.placeOrder(account, { market: 'BTC-USD', side: 'SELL', type: 'LIMIT', price: '30000', quantity: '0.001' });
    if (!ownAsk.ok) throw new Error(JSON.stringify(ownAsk.errors));
    for (const mode of ['CANCEL_OLDEST', 'CANCEL_BOTH'] as const) {
      const result = await services.orders.placeOrder(account, bid('30000', { selfTradePrevention: mode }));
      if (mode === 'CANCEL_OLDEST') {
        expect(result).toMatchObject({ ok: true, value: { status: 'OPEN' } });
        expect((await services.orders.listOrders(account, { limit: 10 })).items.find((o) => o.id === ownAsk.value.id)).toMatchObject({ status: 'CANCELED', statusReason: 'SELF_TRADE_PREVENTION' });
        // Back at the limit: one own SELL again in place of the BUY just placed.
        expect((await services.orders.cancelOrder(account, result.ok ? result.value.id : '')).ok).toBe(true);
        expect((await services.orders.placeOrder(account, { market: 'BTC-USD', side: 'SELL', type: 'LIMIT', price: '30000', quantity: '0.001' })).ok).toBe(true);
      } else {
        // CANCEL_BOTH ends the own SELL and the new BUY: nothing rests, nothing is refused.
        expect(result).toMatchObject({ ok: true, value: { status: 'CANCELED', statusReason: 'SELF_TRADE_PREVENTION' } });
      }
    }
    expect((await services.orders.listOrders(account, { limit: 10, live: true })).items).toHaveLength(2);
    expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
  });
});

describe('a sweep reads the book in batches that grow', () => {
  let db: TestDatabase;
  let driver: LoggedDriver;
  let services: DomainServices;
  beforeAll(async () => {
    db = await openPgliteDatabase();
    driver = loggedDriver(db.driver);
    services = servicesFor(driver, { maxOpenOrders: null });
  });
  afterAll(async () => db?.close());

  test('an order taking 400 resting orders reads them in 5 statements (2, 50, 100, 200, 400 rows asked), not 10 of 50: planning stays linear in what it walks', async () => {
    const maker = await fundedAccount(services, { BTC: '1' }, 'sweep-maker');
    const taker = await fundedAccount(services, { USD: '100000' }, 'sweep-taker');
    for (let i = 0; i < 400; i += 1) {
      const ask = await services.orders.placeOrder(maker, { market: 'BTC-USD', side: 'SELL', type: 'LIMIT', price: '100', quantity: '0.001' });
      if (!ask.ok) throw new Error(JSON.stringify(ask.errors));
    }
    const queries = await driver.queriesOf(() => services.orders.placeOrder(taker, { market: 'BTC-USD', side: 'BUY', type: 'MARKET', quantity: '0.4' }));
    const bookReads = queries.filter((q) => /FROM orders/.test(q.text) && /ORDER BY price/.test(q.text));
    expect(bookReads.map((q) => q.params?.[1])).toEqual([2, 50, 100, 200, 400]);
    expect((await services.orders.listOrders(taker, { limit: 1 })).items[0]).toMatchObject({ status: 'FILLED', filledQuantity: '0.4' });
    expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
  }, 60_000);
});

describeWithPostgres('the open-order limit is exact under concurrent placements (PostgreSQL)', (url) => {
  let db: TestDatabase;
  let services: DomainServices;
  beforeAll(async () => {
    db = await openPostgresDatabase(url);
    services = servicesFor(db.driver, { maxOpenOrders: 5 });
  });
  afterAll(async () => db?.close());

  test('12 concurrent resting placements of one account with room for 5: exactly 5 rest, 7 are TOO_MANY_OPEN_ORDERS, the ledger reconciles', async () => {
    const account = await fundedAccount(services, { USD: '10000' }, 'limit-race');
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => services.orders.placeOrder(account, bid(String(100 + i)))));
    const codes = results.map((r) => (r.ok ? r.value.status : r.errors.map((e) => e.code).join(',')));
    expect(codes.filter((c) => c === 'OPEN')).toHaveLength(5);
    expect(codes.filter((c) => c === 'TOO_MANY_OPEN_ORDERS')).toHaveLength(7);
    expect((await services.orders.listOrders(account, { limit: 20, live: true })).items).toHaveLength(5);
    expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
  }, 30_000);
});
