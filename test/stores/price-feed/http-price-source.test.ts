import { PriceUnavailableError } from '../../../src/domain';
import { createHttpPriceSource, type HttpPriceSource } from '../../../src/stores/price-feed/http-price-source';
import { startFakePriceFeed, type FakePriceFeed } from '../../helpers/fake-price-feed';

describe('HTTP price feed adapter (timeout, circuit breaker, stale-while-error)', () => {
  let feed: FakePriceFeed;
  let source: HttpPriceSource | undefined;
  let clock = 1_000_000;
  // A slow answer takes far longer than any timeout below, so "answered before the feed did"
  // is a behaviour, not a timing bound a loaded machine can miss.
  const FEED_SLOW_MS = 10_000;
  beforeEach(async () => {
    feed = await startFakePriceFeed(FEED_SLOW_MS);
    clock = 1_000_000;
  });
  afterEach(async () => {
    source?.close();
    await feed.close();
  });
  // A healthy call gets a generous timeout: the first fetch of a process on a busy CI machine can
  // take several hundred ms (CI once saw a healthy feed reported as a timeout with 200 ms).
  const make = (extra: Record<string, number> = {}) => (source = createHttpPriceSource({ url: feed.url, timeoutMs: 3_000, freshMs: 0, staleMs: 0, volumeThreshold: 3, resetTimeoutMs: 300, now: () => clock, ...extra }));

  test('a healthy feed gives USD prices', async () => {
    const quote = await make().current();
    expect(quote.usd.get('BTC')?.toFixed()).toBe('30000');
    expect(quote.usd.get('USD')?.toFixed()).toBe('1');
  });

  test('a slow feed is cut off by the timeout, not waited for, and is reported as unavailable', async () => {
    const prices = make({ timeoutMs: 200 });
    feed.mode = 'slow';
    await expect(prices.current()).rejects.toMatchObject({ reason: 'timeout' });
    // The feed has not answered (it would after 10 s): the rejection did not wait for it. At most
    // the one call reached it; on a loaded machine the timeout can cut the call before the feed
    // read it (CI saw 0), which is still a timeout, not a call never made: `reason` says so.
    expect(feed.answered).toBe(0);
    expect(feed.hits).toBeLessThanOrEqual(1);
  });

  test('a failing feed opens the breaker, which then answers at once without calling the feed; it recovers half-open', async () => {
    const prices = make();
    feed.mode = 'fail';
    for (let i = 0; i < 3; i += 1) await expect(prices.current()).rejects.toBeInstanceOf(PriceUnavailableError);
    expect(prices.breakerState()).toBe('open');
    // Open: no call reaches the feed (what "answers at once" means, whatever the machine's load).
    feed.mode = 'slow';
    const hits = feed.hits;
    await expect(prices.current()).rejects.toMatchObject({ reason: 'circuit_open' });
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

  test('a feed URL with user:password@ sends them as HTTP Basic authentication (fetch refuses such a URL: every call was unreachable)', async () => {
    feed.requireAuthorization = `Basic ${Buffer.from('svc:p@ss word', 'utf8').toString('base64')}`;
    try {
      const url = new URL(feed.url);
      url.username = 'svc';
      url.password = encodeURIComponent('p@ss word');
      const prices = createHttpPriceSource({ url: url.href, timeoutMs: 3_000 });
      try {
        const quote = await prices.current();
        expect(quote.usd.get('BTC')?.toFixed()).toBe('30000');
        expect(feed.lastAuthorization).toBe(feed.requireAuthorization);
      } finally {
        prices.close();
      }
      // Without them the feed refuses: the header is what let the call through.
      const anonymous = createHttpPriceSource({ url: feed.url, timeoutMs: 3_000 });
      try {
        await expect(anonymous.current()).rejects.toMatchObject({ reason: 'bad_response' });
      } finally {
        anonymous.close();
      }
    } finally {
      feed.requireAuthorization = undefined;
    }
  });
});
