/**
 * Every attempt is bounded in time (`timeoutMs`): a connection that never answers is abandoned as
 * a network failure and retried where a retry is safe, within the total time budget, while the
 * caller's own abort still stops at once. Real timers: the timeouts here are tens of ms.
 */
import { MeDocument, PlaceOrderDocument, type SignetClientOptions } from '@signet/sdk';
import {
  answer, ed25519Key, INPUT, neverAnswers, PLACED, scriptedClient, UNKEYED, type RecordedCall, type Script,
} from './helpers';

const key = ed25519Key();
/** A client over scripted answers (helpers.ts), with this file's retry bounds. */
const client = (scripts: Script[], overrides: Partial<SignetClientOptions> = {}) => scriptedClient(key, scripts, { retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 }, timeoutMs: 30, ...overrides });

afterEach(() => jest.restoreAllMocks());

describe('an attempt that gets no answer in time', () => {
  test('is abandoned and retried with the same idempotency key', async () => {
    const { sdk, calls } = client([neverAnswers, PLACED]);
    const onRetry = jest.fn();
    const result = await sdk.request(PlaceOrderDocument, INPUT, { onRetry });
    expect(result.data?.placeOrder?.order?.id).toBe('o-1');
    expect(result.attempts).toBe(2);
    expect(calls[0].headers['idempotency-key']).toBe(calls[1].headers['idempotency-key']);
    expect(onRetry.mock.calls[0][0]).toMatchObject({ attempt: 1, reason: 'TIMEOUT', idempotencyKey: result.idempotencyKey });
  });

  test('timing out on every attempt rejects with NETWORK_ERROR, the key and an unknown outcome', async () => {
    const { sdk, calls } = client([neverAnswers]);
    const error: unknown = await sdk.request(PlaceOrderDocument, INPUT).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'SignetRequestError', code: 'NETWORK_ERROR', attempts: 3, outcome: 'unknown', idempotencyKey: calls[0].headers['idempotency-key'].slice(1, -1) });
    expect((error as Error).message).toMatch(/no answer within 30 ms/);
    expect((error as Error).cause).toMatchObject({ name: 'TimeoutError' });
  });

  test('a body that stalls after the headers is bounded too', async () => {
    const stalledBody = (call: RecordedCall) => new Response(new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"data":'));
        // As fetch does: the response body errors with the signal's reason once the signal aborts.
        call.signal?.addEventListener('abort', () => controller.error(call.signal?.reason), { once: true });
      },
    }), { status: 200, headers: { 'content-type': 'application/json' } });
    const { sdk, calls } = client([stalledBody, answer({ data: { me: { id: 'a', name: 'alice', balances: [] } } })]);
    expect((await sdk.request(MeDocument, {})).data?.me?.name).toBe('alice');
    expect(calls).toHaveLength(2);
  });

  test('an unkeyed mutation is not re-sent: it may have run', async () => {
    const { sdk, calls } = client([neverAnswers, answer({ data: { legacyTransfer: true } })]);
    await expect(sdk.request(UNKEYED, {})).rejects.toMatchObject({ code: 'NETWORK_ERROR', attempts: 1, outcome: 'unknown' });
    expect(calls).toHaveLength(1);
  });

  test('the time spent waiting for answers counts within maxTotalMs', async () => {
    const { sdk, calls } = client([neverAnswers], { clock: Date.now, sleep: undefined, retry: { maxAttempts: 100, maxTotalMs: 100, baseDelayMs: 0 } });
    await expect(sdk.request(MeDocument, {})).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
    // Attempts start at 0, 30, 60 and 90 ms at the most; none may start past 100 ms.
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls.length).toBeLessThanOrEqual(4);
  });

  test('a per-request timeoutMs replaces the client\'s', async () => {
    const { sdk } = client([neverAnswers], { timeoutMs: 60_000, retry: { maxAttempts: 1 } });
    await expect(sdk.request(MeDocument, {}, { timeoutMs: 20 })).rejects.toThrow(/no answer within 20 ms/);
  });
});

describe('the timeout option', () => {
  test('defaults to 10 s per attempt', async () => {
    const timeout = jest.spyOn(AbortSignal, 'timeout');
    const { sdk } = client([answer({ data: { me: null } })], { timeoutMs: undefined });
    await sdk.request(MeDocument, {});
    expect(timeout).toHaveBeenCalledWith(10_000);
  });

  test.each([0, Infinity])('%p turns it off: fetch gets the caller\'s signal as it is', async (timeoutMs) => {
    const timeout = jest.spyOn(AbortSignal, 'timeout');
    const controller = new AbortController();
    const { sdk, calls } = client([answer({ data: { me: null } })], { timeoutMs });
    await sdk.request(MeDocument, {});
    await sdk.request(MeDocument, {}, { signal: controller.signal });
    expect(timeout).not.toHaveBeenCalled();
    expect(calls.map((c) => c.signal)).toEqual([undefined, controller.signal]);
  });

  test('a negative or NaN timeoutMs is refused', () => {
    expect(() => client([], { timeoutMs: -1 })).toThrow(RangeError);
    expect(() => client([], { timeoutMs: Number.NaN })).toThrow(RangeError);
  });

  test('the caller\'s abort still stops at once: an AbortError, not a retry', async () => {
    const controller = new AbortController();
    const abortOnceSent = (call: RecordedCall) => {
      setTimeout(() => controller.abort(), 10);
      return neverAnswers(call);
    };
    const { sdk, calls } = client([abortOnceSent], { timeoutMs: 60_000 });
    await expect(sdk.request(PlaceOrderDocument, INPUT, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError', outcome: 'unknown' });
    expect(calls).toHaveLength(1);
  });
});
