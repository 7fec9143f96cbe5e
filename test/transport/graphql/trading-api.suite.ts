import {
  CancelAllOrdersDocument, MyFillsDocument, MyOrdersDocument, OrderBookDocument, OrderDocument, OrderFillsDocument, PlaceOrderDocument, TickerDocument, TradesDocument,
  type PlaceOrderInput,
} from '@signet/sdk';
import type { DomainServices } from '../../../src/domain';
import type { TestDatabase } from '../../helpers/database';
import { directiveDepsFor } from '../../helpers/directives';
import { balancesOf, fundedAccount, servicesFor } from '../../helpers/domain';
import { createTestGraphQL, principalFor, type TestGraphQL } from '../../helpers/graphql';
import { CLEAN_RECONCILIATION } from '../../helpers/ledger-checks';
import { loggedDriver } from '../../helpers/statement-log';

/** Trading through GraphQL: orders that fill, their fills, cancelAllOrders, lookups and public market data. */
export function defineTradingApiSuite(name: string, open: () => Promise<TestDatabase>): void {
  describe(`trading through GraphQL on ${name}`, () => {
    let db: TestDatabase;
    let services: DomainServices;
    let api: TestGraphQL;
    let keys = 0;
    let accounts: string[] = [];
    beforeAll(async () => {
      db = await open();
      services = servicesFor(db.driver);
      api = await createTestGraphQL(services);
    });
    afterAll(async () => {
      await api?.stop();
      await db?.close();
    });
    // Each test leaves the books empty, so the next one's orders meet only its own, and the ledger clean.
    afterEach(async () => {
      for (const id of accounts) await services.orders.cancelAllOrders(id, null);
      accounts = [];
      expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
    });

    /** A funded account whose live orders are canceled after the test. */
    const account = async (deposits: Record<string, string>, prefix: string) => {
      const id = await fundedAccount(services, deposits, prefix);
      accounts.push(id);
      return id;
    };

    /** placeOrder with a fresh idempotency key (or the given one). */
    const place = (accountId: string, input: PlaceOrderInput, idempotencyKey = `key-${++keys}`) =>
      api.execute(PlaceOrderDocument, { input, idempotencyKey }, principalFor(accountId));
    const codes = (result: { data?: { placeOrder?: { userErrors: Array<{ code: string }> } | null } | null }) => result.data?.placeOrder?.userErrors.map((e) => e.code);

    test('a MARKET BUY fills against the asks, best price first, and its payload carries the fills in the order they executed', async () => {
      const seller = await account({ BTC: '1' }, 'seller');
      const buyer = await account({ USD: '1000' }, 'buyer');
      const cheap = await place(seller, { market: 'BTC-USD', side: 'SELL', price: '30000', quantity: '0.01' });
      await place(seller, { market: 'BTC-USD', side: 'SELL', price: '30100', quantity: '0.01' });

      const bought = await place(buyer, { market: 'BTC-USD', side: 'BUY', type: 'MARKET', quantity: '0.015' });
      expect(bought.errors).toBeUndefined();
      const { order, fills: placedFills, userErrors } = bought.data!.placeOrder!;
      const fills = placedFills!;
      expect(userErrors).toEqual([]);
      expect(order).toMatchObject({
        type: 'MARKET', price: null, quantity: '0.015', timeInForce: 'IOC', status: 'FILLED', statusReason: null, filledQuantity: '0.015', remainingQuantity: '0',
        // (300 + 150.5) / 0.015, half-even to 10 places.
        averagePrice: '30033.3333333333', holdAsset: 'USD', holdAmount: '450.5', holdRemaining: '0',
      });
      expect(fills.map((f) => [f.price, f.quantity, f.quoteAmount, f.fee, f.feeAsset, f.liquidity, f.side, f.orderId])).toEqual([
        ['30000', '0.01', '300', '0.00002', 'BTC', 'TAKER', 'BUY', order!.id],
        ['30100', '0.005', '150.5', '0.00001', 'BTC', 'TAKER', 'BUY', order!.id],
      ]);
      expect(fills[1].sequence).toBeGreaterThan(fills[0].sequence);
      expect(await balancesOf(services, buyer)).toMatchObject({ USD: { available: '549.5', held: '0' }, BTC: { available: '0.01497', held: '0' } });

      // The maker's side: its fills (fee in USD at the maker rate) share the trade ids; the order is FILLED.
      const makerFills = await api.execute(MyFillsDocument, { market: 'BTC-USD' }, principalFor(seller));
      expect(makerFills.data?.me?.fills?.nodes.map((f) => [f.price, f.quantity, f.fee, f.feeAsset, f.liquidity, f.side])).toEqual([
        ['30100', '0.005', '0.15', 'USD', 'MAKER', 'SELL'],
        ['30000', '0.01', '0.3', 'USD', 'MAKER', 'SELL'],
      ]);
      expect(new Set(makerFills.data?.me?.fills?.nodes.map((f) => f.tradeId))).toEqual(new Set(fills.map((f) => f.tradeId)));
      const first = await api.execute(OrderDocument, { id: cheap.data!.placeOrder!.order!.id }, principalFor(seller));
      expect(first.data?.order).toMatchObject({ status: 'FILLED', filledQuantity: '0.01', averagePrice: '30000', remainingQuantity: '0' });

      // Order.fills pages newest first.
      const page1 = await api.execute(OrderFillsDocument, { id: order!.id, first: 1 }, principalFor(buyer));
      expect(page1.data?.order?.fills?.nodes.map((f) => f.price)).toEqual(['30100']);
      expect(page1.data?.order?.fills?.pageInfo.hasNextPage).toBe(true);
      const page2 = await api.execute(OrderFillsDocument, { id: order!.id, first: 1, after: page1.data?.order?.fills?.pageInfo.endCursor }, principalFor(buyer));
      expect(page2.data?.order?.fills?.nodes.map((f) => f.price)).toEqual(['30000']);
      expect(page2.data?.order?.fills?.pageInfo.hasNextPage).toBe(false);
    });

    test('a MARKET BUY by quoteQuantity spends at most its budget and reports what it bought', async () => {
      const seller = await account({ BTC: '1' }, 'seller');
      const buyer = await account({ USD: '100' }, 'buyer');
      await place(seller, { market: 'BTC-USD', side: 'SELL', price: '30000', quantity: '0.01' });
      const bought = await place(buyer, { market: 'BTC-USD', side: 'BUY', type: 'MARKET', quoteQuantity: '100' });
      expect(bought.data?.placeOrder?.order).toMatchObject({ quoteQuantity: '100', quantity: '0.00333', filledQuantity: '0.00333', status: 'FILLED', holdAmount: '100', holdRemaining: '0' });
      expect(bought.data?.placeOrder?.fills?.map((f) => f.quoteAmount)).toEqual(['99.9']);
      expect(await balancesOf(services, buyer)).toMatchObject({ USD: { available: '0.1', held: '0' } });
    });

    test('an idempotent replay of a placeOrder that filled returns the same order and the same fills', async () => {
      const seller = await account({ BTC: '1' }, 'seller');
      const buyer = await account({ USD: '1000' }, 'buyer');
      await place(seller, { market: 'BTC-USD', side: 'SELL', price: '30000', quantity: '0.01' });
      await place(seller, { market: 'BTC-USD', side: 'SELL', price: '30050', quantity: '0.01' });
      const input: PlaceOrderInput = { market: 'BTC-USD', side: 'BUY', price: '30050', quantity: '0.02', timeInForce: 'IOC' };
      const first = await place(buyer, input, 'fill-once');
      expect(first.data?.placeOrder?.fills).toHaveLength(2);
      const retry = await place(buyer, input, 'fill-once');
      expect(retry.errors).toBeUndefined();
      expect(retry.extensions?.idempotentReplay).toEqual({ placeOrder: true });
      expect(retry.data).toEqual(first.data);
      const orders = await api.execute(MyOrdersDocument, {}, principalFor(buyer));
      expect(orders.data?.me?.orders?.nodes).toHaveLength(1);
      expect(await balancesOf(services, buyer)).toMatchObject({ BTC: { available: '0.01996' } });
    });

    test('cancelAllOrders cancels the live orders of one market, then of every market, and a replay returns the same orders', async () => {
      const id = await account({ USD: '1000', ETH: '1' }, 'trader');
      const me = principalFor(id);
      const b1 = await place(id, { market: 'BTC-USD', side: 'BUY', price: '100', quantity: '0.01' });
      const b2 = await place(id, { market: 'BTC-USD', side: 'BUY', price: '101', quantity: '0.01' });
      const e1 = await place(id, { market: 'ETH-USD', side: 'SELL', price: '5000', quantity: '0.1' });
      const btcIds = [b1, b2].map((r) => r.data!.placeOrder!.order!.id);

      const canceled = await api.execute(CancelAllOrdersDocument, { market: 'BTC-USD', idempotencyKey: 'all-btc' }, me);
      expect(canceled.errors).toBeUndefined();
      expect(canceled.data?.cancelAllOrders?.userErrors).toEqual([]);
      expect(canceled.data?.cancelAllOrders?.orders.map((o) => o.id).sort()).toEqual([...btcIds].sort());
      for (const o of canceled.data!.cancelAllOrders!.orders) expect(o).toMatchObject({ status: 'CANCELED', statusReason: 'CANCELED_BY_USER', holdRemaining: '0', remainingQuantity: '0.01' });
      expect(await balancesOf(services, id)).toMatchObject({ USD: { available: '1000', held: '0' }, ETH: { held: '0.1' } });

      const replay = await api.execute(CancelAllOrdersDocument, { market: 'BTC-USD', idempotencyKey: 'all-btc' }, me);
      expect(replay.extensions?.idempotentReplay).toEqual({ cancelAllOrders: true });
      expect(replay.data).toEqual(canceled.data);

      const live = await api.execute(MyOrdersDocument, { live: true }, me);
      expect(live.data?.me?.orders?.nodes.map((o) => o.id)).toEqual([e1.data!.placeOrder!.order!.id]);
      const everywhere = await api.execute(CancelAllOrdersDocument, {}, me);
      expect(everywhere.data?.cancelAllOrders?.orders.map((o) => o.market)).toEqual(['ETH-USD']);
      const nothingLeft = await api.execute(CancelAllOrdersDocument, {}, me);
      expect(nothingLeft.data?.cancelAllOrders).toEqual({ orders: [], userErrors: [] });
      const unknown = await api.execute(CancelAllOrdersDocument, { market: 'DOGE-USD' }, me);
      expect(unknown.data?.cancelAllOrders).toEqual({ orders: [], userErrors: [{ code: 'UNKNOWN_MARKET', message: expect.any(String), field: ['market'] }] });
    });

    test('order looks an order up by id or by clientOrderId; asking with both or neither is BAD_USER_INPUT', async () => {
      const owner = await account({ USD: '100' }, 'lookup');
      const other = await account({}, 'stranger');
      const placed = await place(owner, { market: 'BTC-USD', side: 'BUY', price: '100', quantity: '0.01', clientOrderId: 'grid-7' });
      const orderId = placed.data!.placeOrder!.order!.id;
      expect((await api.execute(OrderDocument, { clientOrderId: 'grid-7' }, principalFor(owner))).data?.order).toMatchObject({ id: orderId, clientOrderId: 'grid-7' });
      expect((await api.execute(OrderDocument, { id: orderId }, principalFor(owner))).data?.order?.clientOrderId).toBe('grid-7');
      expect((await api.execute(OrderDocument, { clientOrderId: 'grid-7' }, principalFor(other))).data?.order).toBeNull();
      // Ids placement refuses name no order, including one with a NUL the database could not even compare.
      for (const impossible of ['x'.repeat(65), 'grid\u00007', 'grid 7']) {
        const lookup = await api.execute(OrderDocument, { clientOrderId: impossible }, principalFor(owner));
        expect(lookup).toMatchObject({ data: { order: null } });
        expect(lookup.errors).toBeUndefined();
      }
      for (const variables of [{ id: orderId, clientOrderId: 'grid-7' }, {}]) {
        const refused = await api.execute(OrderDocument, variables, principalFor(owner));
        expect(refused.data?.order).toBeNull();
        expect(refused.errors?.[0]).toMatchObject({ path: ['order'], extensions: { code: 'BAD_USER_INPUT' } });
      }
    });

    test('me.orders filters by live and market; me.fills by market; an unknown market filter is UNKNOWN_MARKET', async () => {
      const owner = await account({ USD: '1000', ETH: '1' }, 'filters');
      const me = principalFor(owner);
      const btc = await place(owner, { market: 'BTC-USD', side: 'BUY', price: '100', quantity: '0.01' });
      await place(owner, { market: 'ETH-USD', side: 'SELL', price: '5000', quantity: '0.1' });
      await api.execute(CancelAllOrdersDocument, { market: 'ETH-USD' }, me);
      const liveBtc = await api.execute(MyOrdersDocument, { live: true, market: 'BTC-USD' }, me);
      expect(liveBtc.data?.me?.orders?.nodes.map((o) => o.id)).toEqual([btc.data!.placeOrder!.order!.id]);
      expect((await api.execute(MyOrdersDocument, { live: true, market: 'ETH-USD' }, me)).data?.me?.orders?.nodes).toEqual([]);
      expect((await api.execute(MyOrdersDocument, { market: 'ETH-USD' }, me)).data?.me?.orders?.nodes.map((o) => o.status)).toEqual(['CANCELED']);
      expect((await api.execute(MyFillsDocument, { market: 'ETH-USD' }, me)).data?.me?.fills?.nodes).toEqual([]);
      for (const document of [MyOrdersDocument, MyFillsDocument]) {
        const typo = await api.execute(document, { market: 'BTCUSD' }, me);
        expect(typo.errors?.[0]).toMatchObject({ extensions: { code: 'UNKNOWN_MARKET', field: 'market', retryable: false } });
      }
    });

    test('me.orders { fills } reads the fills of every order in the list in one statement, each order its own page', async () => {
      const seller = await account({ BTC: '1' }, 'batched');
      const buyer = await account({ USD: '10000' }, 'batched-buyer');
      const asks = [];
      for (let i = 0; i < 3; i += 1) asks.push((await place(seller, { market: 'BTC-USD', side: 'SELL', price: '30000', quantity: '0.02' })).data!.placeOrder!.order!.id);
      // Five one-trade buys: the first two asks get two fills each, the third one.
      for (let i = 0; i < 5; i += 1) await place(buyer, { market: 'BTC-USD', side: 'BUY', price: '30000', quantity: '0.01' });

      const logged = loggedDriver(db.driver);
      const counted = await createTestGraphQL(servicesFor(logged));
      try {
        const query = '{ me { orders(first: 10) { nodes { id fills(first: 1) { nodes { id orderId } pageInfo { hasNextPage } } } } } }';
        let result: Awaited<ReturnType<typeof counted.execute>> | undefined;
        const statements = await logged.queriesOf(async () => { result = await counted.execute(query, {}, principalFor(seller)); });
        expect(result?.errors).toBeUndefined();
        const nodes = (result?.data as { me: { orders: { nodes: Array<{ id: string; fills: { nodes: Array<{ id: string; orderId: string }>; pageInfo: { hasNextPage: boolean } } }> } } }).me.orders.nodes;
        expect(statements.filter((s) => /\bFROM fills\b/.test(s.text))).toHaveLength(1);
        // Each order's page is its own newest fill, as the order's own listing gives it.
        expect(nodes.map((n) => n.id).sort()).toEqual([...asks].sort());
        for (const node of nodes) {
          const own = await services.orders.listOrderFills((await services.orders.findOrder(seller, node.id))!, { limit: 1 });
          expect(node.fills.nodes).toEqual(own.items.map((f) => ({ id: f.id, orderId: node.id })));
          expect(node.fills.pageInfo.hasNextPage).toBe(node.id !== asks[2]);
        }
      } finally {
        await counted.stop();
      }
    });

    test('time in force, self-trade prevention and their statuses through GraphQL', async () => {
      const maker = await account({ BTC: '1', USD: '1000' }, 'maker');
      const taker = await account({ USD: '1000' }, 'taker');
      await place(maker, { market: 'BTC-USD', side: 'SELL', price: '30000', quantity: '0.01' });
      const ioc = await place(taker, { market: 'BTC-USD', side: 'BUY', price: '30000', quantity: '0.02', timeInForce: 'IOC' });
      expect(ioc.data?.placeOrder?.order).toMatchObject({ status: 'EXPIRED', statusReason: 'IOC_REMAINDER', filledQuantity: '0.01', remainingQuantity: '0.01', holdRemaining: '0' });
      await place(maker, { market: 'BTC-USD', side: 'SELL', price: '30000', quantity: '0.01' });
      const fok = await place(taker, { market: 'BTC-USD', side: 'BUY', price: '30000', quantity: '0.02', timeInForce: 'FOK' });
      expect(fok.data?.placeOrder).toMatchObject({ order: { status: 'EXPIRED', statusReason: 'FOK_NOT_FILLABLE', filledQuantity: '0', averagePrice: null }, fills: [] });
      const self = await place(maker, { market: 'BTC-USD', side: 'BUY', price: '30000', quantity: '0.01' });
      expect(self.data?.placeOrder).toMatchObject({ order: { status: 'CANCELED', statusReason: 'SELF_TRADE_PREVENTION' }, fills: [] });
      const rests = await place(taker, { market: 'BTC-USD', side: 'BUY', price: '30000', quantity: '0.02' });
      expect(rests.data?.placeOrder?.order).toMatchObject({ status: 'PARTIALLY_FILLED', filledQuantity: '0.01', remainingQuantity: '0.01', holdRemaining: '300' });
    });

    test('every new business refusal reaches the client as a userError', async () => {
      const owner = await account({ USD: '1000', BTC: '1' }, 'refusals');
      await place(owner, { market: 'BTC-USD', side: 'SELL', price: '30000', quantity: '0.01' });
      const cases: Array<[PlaceOrderInput, string[]]> = [
        [{ market: 'BTC-USD', side: 'BUY', type: 'MARKET', price: '30000', quantity: '0.01' }, ['INVALID_PRICE']],
        [{ market: 'BTC-USD', side: 'BUY', quantity: '0.01' }, ['INVALID_PRICE']],
        [{ market: 'BTC-USD', side: 'BUY', type: 'MARKET' }, ['INVALID_QUANTITY']],
        [{ market: 'BTC-USD', side: 'BUY', type: 'MARKET', quantity: '0.01', quoteQuantity: '10' }, ['INVALID_QUANTITY']],
        // A SELL by budget is refused for the budget and, having no quantity, for that too (every problem at once).
        [{ market: 'BTC-USD', side: 'SELL', type: 'MARKET', quoteQuantity: '10' }, ['INVALID_ORDER_OPTIONS', 'INVALID_QUANTITY']],
        [{ market: 'BTC-USD', side: 'BUY', type: 'MARKET', quantity: '0.01', postOnly: true }, ['INVALID_ORDER_OPTIONS']],
        [{ market: 'BTC-USD', side: 'BUY', type: 'MARKET', quoteQuantity: '10', timeInForce: 'FOK' }, ['INVALID_ORDER_OPTIONS']],
        [{ market: 'BTC-USD', side: 'BUY', price: '30000', quantity: '0.01', postOnly: true }, ['POST_ONLY_WOULD_TAKE']],
        [{ market: 'BTC-USD', side: 'BUY', type: 'MARKET', quoteQuantity: '5000' }, ['INSUFFICIENT_FUNDS']],
      ];
      for (const [input, expected] of cases) {
        const result = await place(owner, input);
        expect([input, result.errors, codes(result)]).toEqual([input, undefined, expected]);
        expect(result.data?.placeOrder).toMatchObject({ order: null, fills: [] });
      }
      const postOnly = await place(owner, { market: 'BTC-USD', side: 'BUY', price: '29999.99', quantity: '0.01', postOnly: true });
      expect(postOnly.data?.placeOrder?.order).toMatchObject({ status: 'OPEN', postOnly: true });
    });
  });

  describe(`public market data on ${name}`, () => {
    let db: TestDatabase;
    let services: DomainServices;
    let api: TestGraphQL;
    let keys = 0;
    beforeAll(async () => {
      db = await open();
      services = servicesFor(db.driver);
      api = await createTestGraphQL(services, { directives: directiveDepsFor(services, { rateLimitOverrides: { 'Query.ticker': { max: 2, window: '1m' } } }) });
    });
    afterAll(async () => {
      await api?.stop();
      await db?.close();
    });
    const place = (accountId: string, input: PlaceOrderInput) => api.execute(PlaceOrderDocument, { input, idempotencyKey: `md-${++keys}` }, principalFor(accountId));

    test('orderBook aggregates live orders by price, trades page newest first, ticker sums the last 24 h; none needs a signature', async () => {
      const a = await fundedAccount(services, { ETH: '10', USD: '10000' }, 'mm-a');
      const b = await fundedAccount(services, { ETH: '10', USD: '10000' }, 'mm-b');
      await place(a, { market: 'ETH-USD', side: 'SELL', price: '2000', quantity: '0.1' });
      await place(a, { market: 'ETH-USD', side: 'SELL', price: '2001', quantity: '0.1' });
      await place(b, { market: 'ETH-USD', side: 'SELL', price: '2001', quantity: '0.2' });
      await place(b, { market: 'ETH-USD', side: 'SELL', price: '2002', quantity: '0.3' });
      await place(a, { market: 'ETH-USD', side: 'BUY', price: '1990', quantity: '0.5' });
      const taken = await place(b, { market: 'ETH-USD', side: 'BUY', type: 'MARKET', quantity: '0.15' });
      const takerFills = taken.data!.placeOrder!.fills!;
      expect(takerFills.map((f) => [f.price, f.quantity])).toEqual([['2000', '0.1'], ['2001', '0.05']]);

      const book = await api.execute(OrderBookDocument, { market: 'ETH-USD' });
      expect(book.errors).toBeUndefined();
      expect(book.data?.orderBook).toEqual({
        market: 'ETH-USD', sequence: expect.any(Number), lastTradeSequence: takerFills[1].sequence,
        bids: [{ price: '1990', quantity: '0.5', orderCount: 1 }],
        asks: [{ price: '2001', quantity: '0.25', orderCount: 2 }, { price: '2002', quantity: '0.3', orderCount: 1 }],
      });
      const shallow = await api.execute(OrderBookDocument, { market: 'ETH-USD', depth: 1 });
      expect(shallow.data?.orderBook?.asks).toEqual([{ price: '2001', quantity: '0.25', orderCount: 2 }]);
      await place(a, { market: 'ETH-USD', side: 'BUY', price: '1980', quantity: '0.1' });
      expect((await api.execute(OrderBookDocument, { market: 'ETH-USD' })).data!.orderBook!.sequence).toBeGreaterThan(book.data!.orderBook!.sequence);

      const page1 = await api.execute(TradesDocument, { market: 'ETH-USD', first: 1 });
      expect(page1.data?.trades?.nodes).toEqual([
        { id: takerFills[1].id, tradeId: takerFills[1].tradeId, sequence: takerFills[1].sequence, price: '2001', quantity: '0.05', takerSide: 'BUY', createdAt: expect.any(String) },
      ]);
      // The maker finds its side of a public trade by tradeId.
      const makerFills = await services.orders.listAccountFills(a, { limit: 10, market: 'ETH-USD' });
      expect(makerFills.items.filter((f) => f.tradeId === page1.data?.trades?.nodes[0].tradeId).map((f) => [f.liquidity, f.price, f.quantity])).toEqual([['MAKER', '2001', '0.05']]);
      const page2 = await api.execute(TradesDocument, { market: 'ETH-USD', first: 1, after: page1.data?.trades?.pageInfo.endCursor });
      expect(page2.data?.trades?.nodes.map((t) => t.id)).toEqual([takerFills[0].id]);
      expect(page2.data?.trades?.pageInfo.hasNextPage).toBe(false);
      expect((await api.execute(TradesDocument, { market: 'BTC-USD' })).data?.trades?.nodes).toEqual([]);

      const ticker = await api.execute(TickerDocument, { market: 'ETH-USD' });
      expect(ticker.data?.ticker).toEqual({ market: 'ETH-USD', lastPrice: '2001', bestBid: '1990', bestAsk: '2001', volume24h: '0.15' });
      const empty = await api.execute(TickerDocument, { market: 'BTC-USD' }, null, {}, '203.0.113.9');
      expect(empty.data?.ticker).toEqual({ market: 'BTC-USD', lastPrice: null, bestBid: null, bestAsk: null, volume24h: '0' });
    });

    test('an unknown market is UNKNOWN_MARKET on the field, and a depth outside 1-100 is BAD_USER_INPUT', async () => {
      for (const [document, field] of [[OrderBookDocument, 'orderBook'], [TradesDocument, 'trades']] as const) {
        const result = await api.execute(document, { market: 'DOGE-USD' });
        expect(result.data).toEqual({ [field]: null });
        expect(result.errors).toEqual([expect.objectContaining({ path: [field], extensions: expect.objectContaining({ code: 'UNKNOWN_MARKET', field: 'market', retryable: false }) })]);
      }
      const ticker = await api.execute(TickerDocument, { market: 'DOGE-USD' }, null, {}, '198.51.100.1');
      expect(ticker.errors?.[0]?.extensions?.code).toBe('UNKNOWN_MARKET');
      for (const depth of [0, 101]) {
        const result = await api.execute(OrderBookDocument, { market: 'ETH-USD', depth });
        expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'depth' });
      }
    });

    test('unsigned market data is rate-limited per client IP', async () => {
      const ip = '192.0.2.10';
      for (let i = 0; i < 2; i += 1) expect((await api.execute(TickerDocument, { market: 'BTC-USD' }, null, {}, ip)).errors).toBeUndefined();
      const limited = await api.execute(TickerDocument, { market: 'BTC-USD' }, null, {}, ip);
      expect(limited.data?.ticker).toBeNull();
      expect(limited.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryable: true, limit: 2 });
      // Another address has its own allowance.
      expect((await api.execute(TickerDocument, { market: 'BTC-USD' }, null, {}, '192.0.2.11')).errors).toBeUndefined();
    });
  });
}
