/**
 * A result that does not show a mutation's outcome says whether the mutation may have run
 * (`mayHaveRun`): after an attempt whose answer was lost, a retry refused before running (a 429,
 * a spent field limit) proves nothing about the first attempt. And a key that is still executing
 * (IDEMPOTENCY_IN_PROGRESS, up to the server's 10 s lease when the process running it died) is
 * waited for within `maxTotalMs`, not given up on after `maxAttempts`.
 */
import { MeDocument, PlaceOrderDocument, type SignetClientOptions } from '@signet/sdk';
import { answer, connectionRefused, connectionReset, ed25519Key, fieldError, INPUT, ORDER, PLACED, scriptedClient, type Script } from './helpers';

const key = ed25519Key();
const client = (scripts: Script[], overrides: Partial<SignetClientOptions> = {}) =>
  scriptedClient(key, scripts, { retry: { maxAttempts: 5, maxTotalMs: 30_000, baseDelayMs: 100, maxDelayMs: 1_000 }, ...overrides });

const fieldLimited = answer({ data: { placeOrder: null }, errors: [fieldError('RATE_LIMITED', { retryAfter: 59 })] });
const requestLimited = answer({ errors: [{ message: 'slow down', extensions: { code: 'RATE_LIMITED' } }] }, 429, { 'retry-after': '59' });
const commitUnknown = answer({ data: { placeOrder: null }, errors: [fieldError('SERVICE_UNAVAILABLE', { reason: 'COMMIT_OUTCOME_UNKNOWN' })] });
const inProgress = answer({ data: { placeOrder: null }, errors: [fieldError('IDEMPOTENCY_IN_PROGRESS', { retryAfter: 1 })] });
const replayed = answer({ data: { placeOrder: { order: ORDER, userErrors: [] } } }, 200, { 'idempotent-replayed': 'true' });

describe('mayHaveRun', () => {
  test.each([
    ['a lost answer, then a field limit spent', [connectionReset(), fieldLimited]],
    ['a lost answer, then a 429 with a longer Retry-After than the client waits', [connectionReset(), requestLimited]],
    ['a COMMIT whose outcome is unknown, then a field limit spent', [commitUnknown, fieldLimited]],
  ] as Array<[string, Script[]]>)('%s: the refusal of the retry does not say the mutation did not run', async (_name, scripts) => {
    const { sdk, calls } = client(scripts, { retry: { maxAttempts: 5, maxTotalMs: 30_000, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 10_000 } });
    const result = await sdk.request(PlaceOrderDocument, INPUT);
    expect(calls).toHaveLength(2);
    expect(result.errors.map((e) => e.extensions?.code)).toEqual(['RATE_LIMITED']);
    expect(result).toMatchObject({ mayHaveRun: true, replayed: false, attempts: 2 });
  });

  test('the refusal of a first attempt is a refusal: nothing ran', async () => {
    const result = await client([fieldLimited]).sdk.request(PlaceOrderDocument, INPUT);
    expect(result).toMatchObject({ mayHaveRun: false, attempts: 1 });
  });

  test('a refused connection proves nothing was sent: a refusal after it is a refusal', async () => {
    const result = await client([connectionRefused(), fieldLimited]).sdk.request(PlaceOrderDocument, INPUT);
    expect(result).toMatchObject({ mayHaveRun: false, attempts: 2 });
  });

  test('an answer that leaves the outcome open is one, retried or not', async () => {
    const result = await client([commitUnknown], { retry: { maxAttempts: 1 } }).sdk.request(PlaceOrderDocument, INPUT);
    expect(result).toMatchObject({ mayHaveRun: true, attempts: 1 });
  });

  test('an answer that shows the outcome settles it: a replay, or the mutation run now', async () => {
    expect(await client([connectionReset(), replayed]).sdk.request(PlaceOrderDocument, INPUT)).toMatchObject({ mayHaveRun: false, replayed: true });
    expect(await client([connectionReset(), PLACED]).sdk.request(PlaceOrderDocument, INPUT)).toMatchObject({ mayHaveRun: false, replayed: false });
  });

  test('a query never has', async () => {
    const refused = answer({ data: { me: null }, errors: [{ message: 'x', path: ['me'], extensions: { code: 'RATE_LIMITED' } }] });
    expect(await client([connectionReset(), refused]).sdk.request(MeDocument, {})).toMatchObject({ mayHaveRun: false });
  });
});

describe('IDEMPOTENCY_IN_PROGRESS is waited for within maxTotalMs, not counted against maxAttempts', () => {
  test('a key leased by a process that died (10 s of IN_PROGRESS at 1 s polls) is waited out, and the call then runs', async () => {
    const { sdk, calls, time } = client([...Array.from({ length: 11 }, () => inProgress), PLACED]);
    const result = await sdk.request(PlaceOrderDocument, INPUT);
    expect(result.data?.placeOrder?.order?.id).toBe('o-1');
    expect(calls).toHaveLength(12);
    expect(result).toMatchObject({ attempts: 12, mayHaveRun: false });
    expect(time.state.sleeps.every((ms) => ms >= 1_000)).toBe(true);
  });

  test('still in progress when maxTotalMs runs out: the answer is returned, and the mutation may have run', async () => {
    const { sdk, calls } = client([inProgress], { retry: { maxAttempts: 5, maxTotalMs: 8_000, baseDelayMs: 100, maxDelayMs: 1_000 } });
    const result = await sdk.request(PlaceOrderDocument, INPUT);
    expect(calls.length).toBeGreaterThan(5);
    expect(calls.length).toBeLessThanOrEqual(9);
    expect(result.errors.map((e) => e.extensions?.code)).toEqual(['IDEMPOTENCY_IN_PROGRESS']);
    expect(result.mayHaveRun).toBe(true);
  });

  test('the IN_PROGRESS cases of the transient failures: the same key and a fresh signature on every attempt', async () => {
    const { sdk, calls } = client([inProgress, inProgress, PLACED]);
    const onRetry = jest.fn();
    const result = await sdk.request(PlaceOrderDocument, INPUT, { onRetry });
    expect(result.data?.placeOrder?.order?.id).toBe('o-1');
    expect(new Set(calls.map((c) => c.headers['idempotency-key'])).size).toBe(1);
    expect(new Set(calls.map((c) => c.headers.signature)).size).toBe(3);
    expect(onRetry.mock.calls.map(([info]) => [info.reason, info.delayMs >= 1_000])).toEqual([['IDEMPOTENCY_IN_PROGRESS', true], ['IDEMPOTENCY_IN_PROGRESS', true]]);
  });

  test('without a retryAfter, a wait is still at least 1 s (uncounted waits must not spin)', async () => {
    const bare = answer({ data: { placeOrder: null }, errors: [fieldError('IDEMPOTENCY_IN_PROGRESS')] });
    const { sdk, time } = client([bare, bare, PLACED], { random: () => 0 });
    await sdk.request(PlaceOrderDocument, INPUT);
    expect(time.state.sleeps).toEqual([1_000, 1_000]);
  });

  test('other failures still count: in-progress waits do not lengthen the attempts a lost connection gets', async () => {
    const { sdk, calls } = client([inProgress, inProgress, connectionReset()]);
    await expect(sdk.request(PlaceOrderDocument, INPUT)).rejects.toMatchObject({ code: 'NETWORK_ERROR', outcome: 'unknown' });
    expect(calls).toHaveLength(2 + 5);
  });
});
