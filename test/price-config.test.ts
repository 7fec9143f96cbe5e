import { ConfigError, parseConfig } from '../src/config';
import { DEFAULT_PRICE_TABLE } from '../src/domain';

/** The problems start-up would print for `env`; fails the test when start-up goes through. */
function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    parseConfig(env, '/srv/signet');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(Object.keys(env))}`);
}

describe('price source configuration', () => {
  test('without a feed URL the embedded source prices from the default table', () => {
    expect(parseConfig({}).prices).toEqual({ feedUrl: null, feedTimeoutMs: 500, table: DEFAULT_PRICE_TABLE });
  });

  test('SIGNET_PRICE_FEED_URL selects the HTTP feed, with its timeout', () => {
    const { prices } = parseConfig({ SIGNET_PRICE_FEED_URL: 'https://prices.example.com/usd', SIGNET_PRICE_FEED_TIMEOUT_MS: '250' });
    expect(prices).toMatchObject({ feedUrl: 'https://prices.example.com/usd', feedTimeoutMs: 250 });
  });

  test('SIGNET_PRICE_TABLE replaces the embedded fallback prices', () => {
    expect(parseConfig({ SIGNET_PRICE_TABLE: '{"BTC":"65000.5","ETH":"3100"}' }).prices.table).toEqual({ BTC: '65000.5', ETH: '3100' });
  });

  test('the price section is frozen like the rest of the config', () => {
    const { prices } = parseConfig({ SIGNET_PRICE_TABLE: '{"BTC":"1","ETH":"1"}' });
    expect(Object.isFrozen(prices)).toBe(true);
    expect(Object.isFrozen(prices.table)).toBe(true);
  });

  test.each([
    ['ftp://prices.example.com', /SIGNET_PRICE_FEED_URL must be an http/],
    ['not a url', /SIGNET_PRICE_FEED_URL must be an http/],
  ])('a feed URL %j is refused with a message naming the variable', (value, message) => {
    expect(problemsOf({ SIGNET_PRICE_FEED_URL: value })).toEqual([expect.stringMatching(message)]);
  });

  test('a refused feed URL is not echoed (it may carry a token)', () => {
    expect(problemsOf({ SIGNET_PRICE_FEED_URL: 'ftp://user:hunter2@prices' }).join('\n')).not.toMatch(/hunter2/);
  });

  test.each(['0', '9', '10001', '1.5', '-5', 'fast'])('a feed timeout of %j is refused', (value) => {
    expect(problemsOf({ SIGNET_PRICE_FEED_TIMEOUT_MS: value })).toEqual([expect.stringMatching(/SIGNET_PRICE_FEED_TIMEOUT_MS must be .* from 10 to 10000/)]);
  });

  test.each([
    ['not json', '{BTC: 1'],
    ['an array', '["30000"]'],
    ['a number price', '{"BTC":30000,"ETH":"2000"}'],
    ['a negative price', '{"BTC":"-1","ETH":"2000"}'],
    ['a zero price', '{"BTC":"0","ETH":"2000"}'],
    ['exponent notation', '{"BTC":"3e4","ETH":"2000"}'],
    ['an unknown asset', '{"BTC":"1","ETH":"1","DOGE":"0.1"}'],
    ['USD, which is 1 by definition', '{"BTC":"1","ETH":"1","USD":"1"}'],
    ['a missing asset', '{"BTC":"30000"}'],
  ])('a price table with %s is refused', (_what, value) => {
    expect(problemsOf({ SIGNET_PRICE_TABLE: value })).toEqual([expect.stringMatching(/SIGNET_PRICE_TABLE must be JSON giving each of BTC, ETH/)]);
  });

  test('a price table next to a feed URL is refused: the table would never be used', () => {
    expect(problemsOf({ SIGNET_PRICE_FEED_URL: 'http://127.0.0.1:9/prices', SIGNET_PRICE_TABLE: '{"BTC":"1","ETH":"1"}' }))
      .toEqual([expect.stringMatching(/SIGNET_PRICE_TABLE applies only to the embedded price source/)]);
  });
});
