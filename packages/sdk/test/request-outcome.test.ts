/**
 * When request() gives up (network failure, a non-GraphQL answer, the caller's abort) the caller
 * learns the idempotency key the attempts carried and whether the call may have run, so a retry
 * with that key resolves a "maybe executed" order instead of placing a second one.
 */
import { MeDocument, PlaceOrderDocument, SignetAbortError, SignetRequestError, type SignetClientOptions } from '@signet/sdk';
import {
  answer, connectionRefused, connectionReset, ed25519Key, INPUT, ORDER, scriptedClient, UNKEYED, type RecordedCall, type Script,
} from './helpers';

const key = ed25519Key();
/** A client over scripted answers (helpers.ts), with this file's retry bounds. */
const client = (scripts: Script[], overrides: Partial<SignetClientOptions> = {}) => scriptedClient(key, scripts, { retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 }, ...overrides });

/** The key a recorded call carried, unquoted. */
const sentKey = (call: RecordedCall) => call.headers['idempotency-key']?.slice(1, -1);

/** What `promise` rejected with (fails the test when it resolved). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then((value) => { throw new Error(`expected a rejection, got ${JSON.stringify(value)}`); }, (error: unknown) => error);
}

describe('a mutation whose answer was lost', () => {
  test('the NETWORK_ERROR names the generated key, says the outcome is unknown, and a call with that key sends it again', async () => {
    const lost = client([connectionReset()]);
    const error = await rejection(lost.sdk.request(PlaceOrderDocument, INPUT));
    expect(error).toBeInstanceOf(SignetRequestError);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', attempts: 3, outcome: 'unknown' });
    const { idempotencyKey } = error as SignetRequestError;
    expect(idempotencyKey).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(lost.calls.map(sentKey)).toEqual([idempotencyKey, idempotencyKey, idempotencyKey]);

    // The bot resolves it: the same key, so the server answers with the stored outcome.
    const replay = answer({ data: { placeOrder: { order: ORDER, userErrors: [] } } }, 200, { 'idempotent-replayed': 'true' });
    const again = client([replay]);
    const resolved = await again.sdk.request(PlaceOrderDocument, INPUT, { idempotencyKey });
    expect(sentKey(again.calls[0])).toBe(idempotencyKey);
    expect(resolved.replayed).toBe(true);
  });

  test('a key the caller gave is the one reported', async () => {
    const { sdk } = client([connectionReset()]);
    await expect(sdk.request(PlaceOrderDocument, INPUT, { idempotencyKey: 'bot-order-7' })).rejects.toMatchObject({ idempotencyKey: 'bot-order-7', outcome: 'unknown' });
  });

  test('a BAD_RESPONSE (a proxy\'s HTML 502 after the retries) carries the key, an unknown outcome and the answer\'s headers', async () => {
    const { sdk, calls } = client([new Response('<html>bad gateway</html>', { status: 502, headers: { 'x-proxy': 'edge-1' } })]);
    const error = await rejection(sdk.request(PlaceOrderDocument, INPUT));
    expect(error).toMatchObject({ name: 'SignetRequestError', code: 'BAD_RESPONSE', status: 502, attempts: 3, outcome: 'unknown', idempotencyKey: sentKey(calls[0]) });
    expect((error as SignetRequestError).headers?.get('x-proxy')).toBe('edge-1');
  });

  test('refused connections on every attempt prove nothing was sent: outcome not-sent, with the key', async () => {
    const { sdk, calls } = client([connectionRefused()]);
    const error = await rejection(sdk.request(PlaceOrderDocument, INPUT));
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', attempts: 3, outcome: 'not-sent', idempotencyKey: sentKey(calls[0]) });
  });

  test('one attempt that may have arrived makes the outcome unknown, whatever the others did', async () => {
    const { sdk } = client([connectionReset(), connectionRefused()]);
    await expect(sdk.request(PlaceOrderDocument, INPUT)).rejects.toMatchObject({ code: 'NETWORK_ERROR', attempts: 3, outcome: 'unknown' });
  });

  test('an unkeyed mutation has no key to report, and its outcome after a reset is unknown', async () => {
    const { sdk } = client([connectionReset()]);
    const error = await rejection(sdk.request(UNKEYED, {}));
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', attempts: 1, outcome: 'unknown' });
    expect((error as SignetRequestError).idempotencyKey).toBeUndefined();
  });

  test('reads carry no key and the same outcome rule', async () => {
    await expect(client([connectionReset()]).sdk.request(MeDocument, {})).rejects.toMatchObject({ outcome: 'unknown', idempotencyKey: undefined });
    await expect(client([connectionRefused()]).sdk.request(MeDocument, {})).rejects.toMatchObject({ outcome: 'not-sent', idempotencyKey: undefined });
  });
});

describe('the caller\'s abort', () => {
  /** A fetch that hangs until its signal aborts, aborting `controller` once the request is out. */
  function abortedInFlight(controller: AbortController) {
    return (call: RecordedCall) => new Promise<Response>((_resolve, reject) => {
      call.signal?.addEventListener('abort', () => reject(call.signal?.reason), { once: true });
      setTimeout(() => controller.abort(new Error('bot shutting down')), 5);
    });
  }

  test('an abort in flight is still an AbortError, and carries the key and an unknown outcome', async () => {
    const controller = new AbortController();
    const { sdk, calls } = client([abortedInFlight(controller)]);
    const error = await rejection(sdk.request(PlaceOrderDocument, INPUT, { signal: controller.signal }));
    expect(error).toBeInstanceOf(DOMException);
    expect(error).toBeInstanceOf(SignetAbortError);
    expect(error).toMatchObject({ name: 'AbortError', attempts: 1, outcome: 'unknown', idempotencyKey: sentKey(calls[0]) });
    expect((error as Error).cause).toEqual(new Error('bot shutting down'));
    expect(calls).toHaveLength(1);
  });

  test('an abort before the first send: outcome not-sent, with the key the call would have used', async () => {
    const { sdk, calls } = client([connectionReset()]);
    const error = await rejection(sdk.request(PlaceOrderDocument, INPUT, { signal: AbortSignal.abort(), idempotencyKey: 'k-1' }));
    expect(error).toMatchObject({ name: 'AbortError', attempts: 0, outcome: 'not-sent', idempotencyKey: 'k-1' });
    expect(calls).toHaveLength(0);
  });

  test('an abort during the wait after a lost answer: outcome unknown', async () => {
    const controller = new AbortController();
    const sleep = (_ms: number, signal?: AbortSignal) => new Promise<void>((_resolve, reject) => {
      signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), { once: true });
      controller.abort();
    });
    const { sdk, calls } = client([connectionReset()], { sleep });
    const error = await rejection(sdk.request(PlaceOrderDocument, INPUT, { signal: controller.signal }));
    expect(error).toMatchObject({ name: 'AbortError', attempts: 1, outcome: 'unknown', idempotencyKey: sentKey(calls[0]) });
  });
});
