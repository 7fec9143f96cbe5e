import { createBookPriceSource, type DomainServices } from '../../../src/domain';
import { createHttpPriceSource, type HttpPriceSource } from '../../../src/stores/price-feed/http-price-source';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { fundedAccount, servicesFor } from '../../helpers/domain';
import { startFakePriceFeed, type FakePriceFeed } from '../../helpers/fake-price-feed';
import { createTestGraphQL, principalFor } from '../../helpers/graphql';

// A slow answer takes far longer than the timeout, so "answered before the feed did" is a
// behaviour a loaded machine cannot miss.
const FEED_SLOW_MS = 10_000;
const QUERY = '{ me { balances { asset available valueUsd } valuation { totalUsd asOf } } }';

describe('valuations degrade to null, balances never do', () => {
  let db: TestDatabase;
  let feed: FakePriceFeed;
  beforeAll(async () => {
    db = await openPgliteDatabase();
    feed = await startFakePriceFeed(FEED_SLOW_MS);
  });
  afterAll(async () => {
    await feed?.close();
    await db?.close();
  });

  const servicesWith = (prices: 'book' | HttpPriceSource) =>
    servicesFor(db.driver, { prices: (sql) => (prices === 'book' ? createBookPriceSource({ book: sql.orderBook, table: { BTC: '30000', ETH: '2000' } }) : prices) });
  const run = async (services: DomainServices, accountId: string) => {
    const api = await createTestGraphQL(services);
    try {
      return await api.execute(QUERY, {}, principalFor(accountId));
    } finally {
      await api.stop();
    }
  };

  test('the embedded source prices from the table, then from the mid of resting orders', async () => {
    const services = servicesWith('book');
    const id = await fundedAccount(services, { USD: '100', BTC: '0.5' }, 'val');
    const before = await run(services, id);
    expect(before.errors).toBeUndefined();
    expect(before.data).toMatchObject({ me: { valuation: { totalUsd: '15100' } } });
    await services.orders.placeOrder(id, { market: 'BTC-USD', side: 'SELL', type: 'LIMIT', price: '41000', quantity: '0.1' });
    await services.orders.placeOrder(id, { market: 'BTC-USD', side: 'BUY', type: 'LIMIT', price: '39000', quantity: '0.001' });
    const after = await run(services, id);
    const btc = (after.data as any).me.balances.find((b: { asset: string }) => b.asset === 'BTC');
    expect(btc.valueUsd).toBe('20000');
  });

  test('a healthy HTTP feed values balances', async () => {
    feed.mode = 'ok';
    // Generous timeout: a healthy first fetch on a busy CI machine can take several hundred ms.
    const source = createHttpPriceSource({ url: feed.url, timeoutMs: 3_000, freshMs: 0, staleMs: 0 });
    try {
      const services = servicesWith(source);
      const id = await fundedAccount(services, { BTC: '2' }, 'feed');
      const result = await run(services, id);
      expect(result.errors).toBeUndefined();
      expect((result.data as any).me.valuation.totalUsd).toBe('60000');
    } finally {
      source.close();
    }
  });

  test('a slow or failing feed nulls valueUsd and valuation with PRICE_UNAVAILABLE; balances arrive; an open breaker answers at once', async () => {
    const source = createHttpPriceSource({ url: feed.url, timeoutMs: 200, freshMs: 0, staleMs: 0, volumeThreshold: 2, resetTimeoutMs: 60_000 });
    try {
      const services = servicesWith(source);
      const id = await fundedAccount(services, { USD: '10', ETH: '1' }, 'down');
      feed.mode = 'slow';
      const answered = feed.answered;
      const slow = await run(services, id);
      // Answered while the feed's slow answer was still on its way: the request did not wait for it.
      expect(feed.answered).toBe(answered);
      const me = (slow.data as any).me;
      expect(me.balances).toEqual(expect.arrayContaining([{ asset: 'USD', available: '10', valueUsd: '10' }, { asset: 'ETH', available: '1', valueUsd: null }]));
      // A USD balance needs no price: no error at its path.
      expect((slow.errors ?? []).map((e) => e.path)).not.toContainEqual(['me', 'balances', me.balances.findIndex((b: { asset: string }) => b.asset === 'USD'), 'valueUsd']);
      expect(me.valuation).toBeNull();
      const codes = new Set((slow.errors ?? []).map((e) => e.extensions?.code));
      expect(codes).toEqual(new Set(['PRICE_UNAVAILABLE']));
      expect(slow.errors).toContainEqual(expect.objectContaining({ path: ['me', 'valuation'], extensions: expect.objectContaining({ retryable: true }) }));
      feed.mode = 'fail';
      await run(services, id);
      expect(source.breakerState()).toBe('open');
      // Open: the answer does not wait for the feed at all (a slow feed now would be seen as a hit;
      // what it checks is that no call is made, not how long a loaded machine takes to answer).
      feed.mode = 'slow';
      const hits = feed.hits;
      const open = await run(services, id);
      expect(feed.hits).toBe(hits);
      expect(source.breakerState()).toBe('open');
      expect(new Set((open.errors ?? []).map((e) => e.extensions?.code))).toEqual(new Set(['PRICE_UNAVAILABLE']));
      expect((open.data as any).me.balances).toHaveLength(3);
    } finally {
      source.close();
    }
  });
});
