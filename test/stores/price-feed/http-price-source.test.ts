import { PriceUnavailableError } from '../../../src/domain';
import { createHttpPriceSource, type HttpPriceSource } from '../../../src/stores/price-feed/http-price-source';
import { startFakePriceFeed, type FakePriceFeed } from '../../helpers/fake-price-feed';

describe('HTTP price feed adapter (timeout, circuit breaker, stale-while-error)', () => {
  let feed: FakePriceFeed;
  let source: HttpPriceSource | undefined;
  let clock = 1_000_000;
  beforeEach(async () => {
    feed = await startFakePriceFeed(2_000);
    clock = 1_000_000;
  });
  afterEach(async () => {
    source?.close();
    await feed.close();
  });
  const make = (extra: Record<string, number> = {}) => (source = createHttpPriceSource({ url: feed.url, timeoutMs: 200, freshMs: 0, staleMs: 0, volumeThreshold: 3, resetTimeoutMs: 300, now: () => clock, ...extra }));

  test('a healthy feed gives USD prices', async () => {
    const quote = await make().current();
    expect(quote.usd.get('BTC')?.toFixed()).toBe('30000');
    expect(quote.usd.get('USD')?.toFixed()).toBe('1');
  });

  test('a slow feed costs at most the timeout, and is reported as unavailable', async () => {
    const prices = make();
    feed.mode = 'slow';
    const started = Date.now();
    await expect(prices.current()).rejects.toBeInstanceOf(PriceUnavailableError);
    expect(Date.now() - started).toBeLessThan(200 + 150);
  });

  test('a failing feed opens the breaker, which then answers at once without calling the feed; it recovers half-open', async () => {
    const prices = make();
    feed.mode = 'fail';
    for (let i = 0; i < 3; i += 1) await expect(prices.current()).rejects.toBeInstanceOf(PriceUnavailableError);
    expect(prices.breakerState()).toBe('open');
    const hits = feed.hits;
    const started = Date.now();
    await expect(prices.current()).rejects.toMatchObject({ reason: 'circuit_open' });
    expect(Date.now() - started).toBeLessThan(20);
    expect(feed.hits).toBe(hits);
    feed.mode = 'ok';
    await new Promise((r) => setTimeout(r, 350));
    expect(prices.breakerState()).toBe('half-open');
    expect((await prices.current()).usd.get('ETH')?.toFixed()).toBe('2000');
    expect(prices.breakerState()).toBe('closed');
  });

  test('a malformed answer is not a price', async () => {
    const prices = make();
    feed.mode = 'garbage';
    await expect(prices.current()).rejects.toMatchObject({ reason: 'bad_response' });
    feed.mode = 'ok';
    feed.prices = { BTC: '-1', ETH: '2000' };
    await expect(prices.current()).rejects.toMatchObject({ reason: 'bad_response' });
  });

  test('the last good quote is served for a short while during errors, then no longer', async () => {
    const prices = make({ staleMs: 10_000 });
    const good = await prices.current();
    feed.mode = 'fail';
    clock += 5_000;
    expect(await prices.current()).toBe(good);
    clock += 6_000;
    await expect(prices.current()).rejects.toBeInstanceOf(PriceUnavailableError);
  });

  test('a stopped feed is unreachable', async () => {
    const prices = make();
    await feed.close();
    await expect(prices.current()).rejects.toMatchObject({ reason: 'unreachable' });
    feed = await startFakePriceFeed();
  });
});
