/**
 * A bot paces itself by the server's RateLimit headers: the result (and an error that had an
 * answer) carries them, parsed, with the raw headers; and `retry.maxRetryAfterMs` keeps the client
 * from sleeping on a Retry-After longer than the bot can afford.
 */
import { createSignetClient, MeDocument, PlaceOrderDocument, type SignetClientOptions, type SignetRequestError } from '@signet/sdk';
import { answer, ed25519Key, scriptedFetch, virtualTime, type Script } from './helpers';

const key = ed25519Key();
const ME = { data: { me: { id: 'a', name: 'alice', balances: [] } } };
const INPUT = { input: { market: 'BTC-USD', side: 'BUY' as const, price: '30000', quantity: '0.01' } };
/** As the server writes them (src/transport/http, @signet/rate-limit): RateLimit tightest first, RateLimit-Policy by name. */
const LIMITS = {
  ratelimit: '"Mutation.placeOrder";r=0;t=60, "Request.account";r=3;t=20',
  'ratelimit-policy': '"Mutation.placeOrder";q=2;w=60, "Request.account";q=6;w=20, "Request.ip";q=1200;w=60',
};

function client(scripts: Script[], overrides: Partial<SignetClientOptions> = {}) {
  const time = virtualTime();
  const { fetch, calls } = scriptedFetch(...scripts);
  const sdk = createSignetClient({
    url: 'http://127.0.0.1:4000', keyId: key.keyId, privateKey: key.privateKeyBase64, fetch, clock: time.clock, sleep: time.sleep, random: () => 0.5, ...overrides,
  });
  return { sdk, calls, time };
}

describe('the result carries the rate limits', () => {
  test('RateLimit and RateLimit-Policy, merged by policy name, tightest first, and the raw headers', async () => {
    const { sdk } = client([answer(ME, 200, { ...LIMITS, 'x-request-id': 'req-1' })]);
    const result = await sdk.request(MeDocument, {});
    expect(result.rateLimit).toEqual([
      { policy: 'Mutation.placeOrder', remaining: 0, resetSeconds: 60, quota: 2, windowSeconds: 60 },
      { policy: 'Request.account', remaining: 3, resetSeconds: 20, quota: 6, windowSeconds: 20 },
      { policy: 'Request.ip', quota: 1200, windowSeconds: 60 },
    ]);
    expect(result.headers.get('ratelimit')).toBe(LIMITS.ratelimit);
    expect(result.headers.get('x-request-id')).toBe('req-1');
  });

  test('none applied: an empty list', async () => {
    const { sdk } = client([answer(ME)]);
    expect((await sdk.request(MeDocument, {})).rateLimit).toEqual([]);
  });

  test('policy names with escapes and parameters it does not know are read; a malformed field is ignored', async () => {
    const { sdk } = client([
      answer(ME, 200, { ratelimit: '"odd \\"name\\"";r=1;t=2;pk=:AAA=:', 'ratelimit-policy': '"x";q=1;;w' }),
    ]);
    expect((await sdk.request(MeDocument, {})).rateLimit).toEqual([{ policy: 'odd "name"', remaining: 1, resetSeconds: 2 }]);
  });

  test('a BAD_RESPONSE error carries the answer\'s headers and limits', async () => {
    const { sdk } = client([new Response('<html>busy</html>', { status: 502, headers: LIMITS })], { retry: { maxAttempts: 1 } });
    const error = (await sdk.request(MeDocument, {}).catch((e: unknown) => e)) as SignetRequestError;
    expect(error.code).toBe('BAD_RESPONSE');
    expect(error.rateLimit?.map((limit) => limit.policy)).toEqual(['Mutation.placeOrder', 'Request.account', 'Request.ip']);
    expect(error.headers?.get('ratelimit-policy')).toBe(LIMITS['ratelimit-policy']);
  });
});

describe('retry.maxRetryAfterMs', () => {
  const limited = answer({ errors: [{ message: 'slow down', extensions: { code: 'RATE_LIMITED', retryAfter: 20 } }] }, 429,
    { 'retry-after': '20', ratelimit: '"Request.account";r=0;t=20', 'ratelimit-policy': '"Request.account";q=6;w=20' });

  test('a longer Retry-After is not slept: the RATE_LIMITED answer comes back at once, with its limits', async () => {
    const { sdk, calls, time } = client([limited, answer(ME)], { retry: { maxRetryAfterMs: 1_000 } });
    const result = await sdk.request(MeDocument, {});
    expect(result.status).toBe(429);
    expect(result.errors[0].extensions?.code).toBe('RATE_LIMITED');
    expect(result.rateLimit).toEqual([{ policy: 'Request.account', remaining: 0, resetSeconds: 20, quota: 6, windowSeconds: 20 }]);
    expect(calls).toHaveLength(1);
    expect(time.state.sleeps).toEqual([]);
  });

  test('a wait within it is taken, as before', async () => {
    const { sdk, time } = client([limited, answer(ME)], { retry: { maxRetryAfterMs: 20_000 } });
    expect((await sdk.request(MeDocument, {})).status).toBe(200);
    expect(time.state.sleeps).toEqual([20_000]);
  });

  test('it caps extensions.retryAfter too (a keyed mutation in progress elsewhere)', async () => {
    const inProgress = answer({ data: { placeOrder: null }, errors: [{ message: 'busy', path: ['placeOrder'], extensions: { code: 'IDEMPOTENCY_IN_PROGRESS', retryAfter: 5 } }] });
    const { sdk, calls } = client([inProgress], { retry: { maxRetryAfterMs: 2_000 } });
    expect((await sdk.request(PlaceOrderDocument, INPUT)).errors[0].extensions?.code).toBe('IDEMPOTENCY_IN_PROGRESS');
    expect(calls).toHaveLength(1);
  });

  test('must be a number >= 0', () => {
    expect(() => client([], { retry: { maxRetryAfterMs: -1 } })).toThrow(RangeError);
  });
});
