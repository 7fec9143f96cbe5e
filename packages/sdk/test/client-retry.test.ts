/**
 * The client's retry rules, driven by a scripted fetch and a virtual clock: what is retried, with
 * which key and signature, how long it waits, and what is never retried.
 */
import { parse } from 'graphql';
import { createSignetClient, MeDocument, PlaceOrderDocument, type SignetClientOptions } from '@signet/sdk';
import {
  answer, connectionRefused, connectionReset, ed25519Key, fieldError, INPUT, ORDER, PLACED, scriptedClient, scriptedFetch, signatureParams, UNKEYED, verifyCalls, type Script,
} from './helpers';

const key = ed25519Key();
/** A client over scripted answers (helpers.ts), with this file's retry bounds. */
const client = (scripts: Script[], overrides: Partial<SignetClientOptions> = {}) => scriptedClient(key, scripts, { retry: { maxAttempts: 5, maxTotalMs: 30_000, baseDelayMs: 100, maxDelayMs: 1_000 }, ...overrides });

const verificationKey = { keyId: key.keyId, accountId: 'acct', scopes: ['TRADE'], algorithm: 'ed25519' as const, publicKey: key.publicKey };

describe('transient failures of an @idempotent mutation are retried with the same key and a fresh signature', () => {
  test.each([
    ['SERVICE_UNAVAILABLE (field error)', answer({ data: { placeOrder: null }, errors: [fieldError('SERVICE_UNAVAILABLE')] })],
    ['HTTP 503', answer({ errors: [{ message: 'down', extensions: { code: 'SERVICE_UNAVAILABLE', retryAfter: 1 } }] }, 503)],
    ['HTTP 502 with an HTML body', new Response('<html>bad gateway</html>', { status: 502 })],
    ['HTTP 429 with Retry-After', answer({ errors: [{ message: 'slow down', extensions: { code: 'RATE_LIMITED' } }] }, 429, { 'retry-after': '2' })],
    ['a network error', connectionReset()],
  ])('%s', async (_name, failure) => {
    const { sdk, calls, time } = client([failure, failure, PLACED]);
    const onRetry = jest.fn();
    const result = await sdk.request(PlaceOrderDocument, INPUT, { onRetry });

    expect(result.data?.placeOrder?.order?.id).toBe('o-1');
    expect(result.attempts).toBe(3);
    expect(calls).toHaveLength(3);
    const keys = calls.map((c) => c.headers['idempotency-key']);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"$/);
    expect(result.idempotencyKey).toBe(keys[0].slice(1, -1));
    expect(new Set(calls.map((c) => signatureParams(c).nonce)).size).toBe(3);
    expect(new Set(calls.map((c) => c.headers.signature)).size).toBe(3);
    // Every attempt verifies on its own with the server's verifier (fresh nonce, right digest).
    const verdicts = await verifyCalls(calls, verificationKey, time.clock);
    expect(verdicts.map((v) => v.status)).toEqual(['verified', 'verified', 'verified']);
    expect(onRetry).toHaveBeenCalledTimes(2);
    expect(onRetry.mock.calls[0][0]).toMatchObject({ attempt: 1, maxAttempts: 5, idempotencyKey: result.idempotencyKey });
  });

  test('waits at least what the server asked (Retry-After header or extensions.retryAfter)', async () => {
    const inProgress = answer({ data: { placeOrder: null }, errors: [fieldError('IDEMPOTENCY_IN_PROGRESS', { retryAfter: 3 })] });
    const limited = answer({ errors: [{ message: 'x', extensions: { code: 'RATE_LIMITED' } }] }, 429, { 'retry-after': '4' });
    const { sdk, time } = client([inProgress, limited, PLACED]);
    await sdk.request(PlaceOrderDocument, INPUT);
    expect(time.state.sleeps).toEqual([3000, 4000]);
  });

  test('a given idempotency key (option or $idempotencyKey variable) is the one sent on every attempt', async () => {
    const busy = answer({ data: { placeOrder: null }, errors: [fieldError('SERVICE_UNAVAILABLE')] });
    const first = client([busy, PLACED]);
    await first.sdk.request(PlaceOrderDocument, INPUT, { idempotencyKey: 'bot-step-7' });
    expect(first.calls.map((c) => c.headers['idempotency-key'])).toEqual(['"bot-step-7"', '"bot-step-7"']);

    const second = client([PLACED]);
    await second.sdk.request(PlaceOrderDocument, { ...INPUT, idempotencyKey: 'k-var' });
    expect(second.calls[0].headers['idempotency-key']).toBe('"k-var"');
    await expect(second.sdk.request(PlaceOrderDocument, { ...INPUT, idempotencyKey: 'a' }, { idempotencyKey: 'b' })).rejects.toThrow(/disagree/);
    await expect(second.sdk.request(PlaceOrderDocument, INPUT, { idempotencyKey: ' padded' })).rejects.toThrow(/printable ASCII/);
  });

  test('each logical call gets its own generated key; queries get none', async () => {
    const { sdk, calls } = client([PLACED]);
    await sdk.request(PlaceOrderDocument, INPUT);
    await sdk.request(PlaceOrderDocument, INPUT);
    await sdk.request(MeDocument, {});
    expect(calls[0].headers['idempotency-key']).not.toBe(calls[1].headers['idempotency-key']);
    expect(calls[2].headers['idempotency-key']).toBeUndefined();
  });

  test('a key that could not protect the call is refused before anything is sent', async () => {
    const { sdk, calls } = client([PLACED]);
    const two = parse('mutation { a: placeOrder(input: {market: "BTC-USD", side: BUY, price: "1", quantity: "1"}) { order { id } } b: cancelOrder(id: "x") { order { id } } }');
    await expect(sdk.request(MeDocument, {}, { idempotencyKey: 'k' })).rejects.toThrow(/one @idempotent mutation \(this one has 0\)/);
    await expect(sdk.request(two as typeof UNKEYED, {}, { idempotencyKey: 'k' })).rejects.toThrow(/this one has 2/);
    expect(calls).toHaveLength(0);
  });
});

describe('what is never retried', () => {
  test.each([
    ['FORBIDDEN', answer({ data: { placeOrder: null }, errors: [fieldError('FORBIDDEN')] })],
    ['IDEMPOTENCY_KEY_REUSED', answer({ data: { placeOrder: null }, errors: [fieldError('IDEMPOTENCY_KEY_REUSED')] })],
    ['RATE_LIMITED as a field error', answer({ data: { placeOrder: null }, errors: [fieldError('RATE_LIMITED', { retryAfter: 10 })] })],
    ['a transient error next to a non-retryable one', answer({ data: null, errors: [fieldError('IDEMPOTENCY_IN_PROGRESS'), fieldError('FORBIDDEN')] })],
    ['401 SIGNATURE_INVALID', answer({ errors: [{ message: 'no', extensions: { code: 'UNAUTHENTICATED', reason: 'SIGNATURE_INVALID' } }] }, 401)],
    ['400 BAD_REQUEST', answer({ errors: [{ message: 'no', extensions: { code: 'BAD_REQUEST' } }] }, 400)],
    ['429 without Retry-After', answer({ errors: [{ message: 'no', extensions: { code: 'RATE_LIMITED' } }] }, 429)],
    ['a business userError', answer({ data: { placeOrder: { order: null, userErrors: [{ code: 'INSUFFICIENT_FUNDS', message: 'poor', field: ['input'] }] } } })],
  ])('%s: one attempt, the answer is returned', async (_name, response) => {
    const { sdk, calls } = client([response, PLACED]);
    const result = await sdk.request(PlaceOrderDocument, INPUT);
    expect(calls).toHaveLength(1);
    expect(result.attempts).toBe(1);
    expect(result.errors.length + result.userErrors.length).toBeGreaterThan(0);
  });

  test('userErrors are collected from the payload with their root field', async () => {
    const poor = answer({ data: { placeOrder: { order: null, userErrors: [{ code: 'INSUFFICIENT_FUNDS', message: 'poor', field: ['input', 'quantity'] }] } } });
    const { sdk } = client([poor]);
    const result = await sdk.request(PlaceOrderDocument, INPUT);
    expect(result.userErrors).toEqual([{ code: 'INSUFFICIENT_FUNDS', message: 'poor', field: ['input', 'quantity'], path: 'placeOrder' }]);
  });

  test('an unkeyed mutation is not re-sent once the request may have reached the server', async () => {
    const reset = client([connectionReset(), answer({ data: { legacyTransfer: true } })]);
    await expect(reset.sdk.request(UNKEYED, {})).rejects.toMatchObject({ name: 'SignetRequestError', code: 'NETWORK_ERROR', attempts: 1 });
    expect(reset.calls).toHaveLength(1);
    expect(reset.calls[0].headers['idempotency-key']).toBeUndefined();

    const unavailable = client([answer({ errors: [{ message: 'down', extensions: { code: 'SERVICE_UNAVAILABLE' } }] }, 503), answer({ data: { legacyTransfer: true } })]);
    expect((await unavailable.sdk.request(UNKEYED, {})).status).toBe(503);
    expect(unavailable.calls).toHaveLength(1);
  });

  test.each([
    ['ECONNRESET', 'read ECONNRESET'],
    ['EPIPE', 'write EPIPE'],
    ['UND_ERR_SOCKET', 'other side closed'],
    ['ETIMEDOUT', 'read ETIMEDOUT'],
  ])('a connection that failed with %s may have delivered the request: an unkeyed mutation is not re-sent, its outcome unknown', async (code, message) => {
    const failure = new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code }) });
    const { sdk, calls } = client([failure, answer({ data: { legacyTransfer: true } })]);
    await expect(sdk.request(UNKEYED, {})).rejects.toMatchObject({ code: 'NETWORK_ERROR', attempts: 1 });
    expect(calls).toHaveLength(1);
  });

  test('a keyed document with another root field the key does not cover is not re-sent: that field would run again', async () => {
    const MIXED = parse('mutation Mixed($k: String) { cancelAllOrders @idempotent(key: $k) { userErrors { code } } legacyTransfer }');
    const { sdk, calls } = client([answer({ errors: [{ message: 'down', extensions: { code: 'SERVICE_UNAVAILABLE' } }] }, 503), answer({ data: { cancelAllOrders: { userErrors: [] }, legacyTransfer: true } })]);
    expect((await sdk.request(MIXED, { k: 'mixed-1' })).status).toBe(503);
    expect(calls).toHaveLength(1);
  });

  test('an unkeyed mutation is re-sent when the connection was refused (proof nothing was sent)', async () => {
    const { sdk, calls } = client([connectionRefused(), answer({ data: { legacyTransfer: true } })]);
    expect((await sdk.request(UNKEYED, {})).data).toEqual({ legacyTransfer: true });
    expect(calls).toHaveLength(2);
  });

  test('an unkeyed mutation is re-sent after a 503 SHUTTING_DOWN: the server says nothing of it ran', async () => {
    const shuttingDown = answer({ errors: [{ message: 'shutting down', extensions: { code: 'SERVICE_UNAVAILABLE', reason: 'SHUTTING_DOWN', retryable: true } }] }, 503, { 'retry-after': '1' });
    const { sdk, calls } = client([shuttingDown, answer({ data: { legacyTransfer: true } })]);
    expect((await sdk.request(UNKEYED, {})).data).toEqual({ legacyTransfer: true });
    expect(calls).toHaveLength(2);
  });

  test('reads are retried: they are safe to repeat', async () => {
    const me = answer({ data: { me: { id: 'a', name: 'alice', balances: [] } } });
    const { sdk, calls } = client([answer({ errors: [{ message: 'x', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }, 500), me]);
    expect((await sdk.request(MeDocument, {})).data?.me?.name).toBe('alice');
    expect(calls).toHaveLength(2);
  });
});

describe('bounds', () => {
  // Counted against maxAttempts (IDEMPOTENCY_IN_PROGRESS is not: may-have-run.test.ts).
  const busy = answer({ data: { placeOrder: null }, errors: [fieldError('SERVICE_UNAVAILABLE')] });

  test('stops after maxAttempts and returns the last answer', async () => {
    const { sdk, calls } = client([busy], { retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000, maxTotalMs: 60_000 } });
    const result = await sdk.request(PlaceOrderDocument, INPUT);
    expect(calls).toHaveLength(4);
    expect(result.errors[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
  });

  test('backoff is exponential with full jitter, capped per wait and by the total time', async () => {
    const { sdk, time } = client([busy], { random: () => 0.999, retry: { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1_000, maxTotalMs: 3_000 } });
    await sdk.request(PlaceOrderDocument, INPUT);
    expect(time.state.sleeps).toEqual([99, 199, 399, 799, 999]);
    expect(time.state.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(3_000);
  });

  test('jitter spreads waits between 0 and the ceiling', async () => {
    const { sdk, time } = client([busy], { random: () => 0, retry: { maxAttempts: 3 } });
    await sdk.request(PlaceOrderDocument, INPUT);
    expect(time.state.sleeps).toEqual([0, 0]);
  });

  test('a Retry-After beyond the time budget ends the retries at once', async () => {
    const long = answer({ errors: [{ message: 'x', extensions: { code: 'RATE_LIMITED' } }] }, 429, { 'retry-after': '120' });
    const { sdk, calls, time } = client([long, PLACED]);
    expect((await sdk.request(PlaceOrderDocument, INPUT)).status).toBe(429);
    expect(calls).toHaveLength(1);
    expect(time.state.sleeps).toEqual([]);
  });

  test('network errors that outlast the budget reject with NETWORK_ERROR', async () => {
    const { sdk, calls } = client([connectionReset()], { retry: { maxAttempts: 3 } });
    await expect(sdk.request(PlaceOrderDocument, INPUT)).rejects.toMatchObject({ code: 'NETWORK_ERROR', attempts: 3 });
    expect(calls).toHaveLength(3);
  });
});

describe('AbortSignal', () => {
  test('aborting during a backoff wait rejects with an AbortError while the wait is pending, and sends nothing more', async () => {
    const { fetch, calls } = scriptedFetch(answer({ data: { placeOrder: null }, errors: [fieldError('IDEMPOTENCY_IN_PROGRESS', { retryAfter: 30 })] }));
    // A wait that never ends by itself: only its signal can end it, as the default timer's does.
    const waits: number[] = [];
    let waiting: () => void = () => undefined;
    const waitStarted = new Promise<void>((resolve) => { waiting = resolve; });
    const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((_resolve, reject) => {
      waits.push(ms);
      signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), { once: true });
      waiting();
    });
    const sdk = createSignetClient({ url: 'http://127.0.0.1:4000', keyId: key.keyId, privateKey: key.privateKeyBase64, fetch, sleep, retry: { maxTotalMs: 60_000 } });
    const controller = new AbortController();
    const pending = sdk.request(PlaceOrderDocument, INPUT, { signal: controller.signal });
    await waitStarted;
    expect(waits).toEqual([30_000]);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls).toHaveLength(1);
  });

  test('an already aborted signal sends nothing', async () => {
    const { sdk, calls } = client([PLACED]);
    await expect(sdk.request(PlaceOrderDocument, INPUT, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls).toHaveLength(0);
  });

  test('the signal reaches fetch, and an abort in flight is an AbortError, not a retry', async () => {
    const controller = new AbortController();
    const hang = (call: { signal?: AbortSignal }) => new Promise<Response>((_resolve, reject) => {
      call.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      setTimeout(() => controller.abort(), 10);
    });
    const { sdk, calls } = client([hang]);
    await expect(sdk.request(PlaceOrderDocument, INPUT, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls).toHaveLength(1);
  });
});

describe('replays', () => {
  test('an Idempotent-Replayed answer is reported as replayed', async () => {
    const replay = answer({ data: { placeOrder: { order: ORDER, userErrors: [] } }, extensions: { idempotentReplay: { placeOrder: true } } }, 200, { 'idempotent-replayed': 'true' });
    const { sdk } = client([replay]);
    const result = await sdk.request(PlaceOrderDocument, INPUT);
    expect(result.replayed).toBe(true);
    const fresh = await client([PLACED]).sdk.request(PlaceOrderDocument, INPUT);
    expect(fresh.replayed).toBe(false);
  });

  test('without the header (a proxy dropped it), the extension makes a replay only when it names every root field', async () => {
    const TWO = parse('mutation Two($a: PlaceOrderInput!, $b: PlaceOrderInput!) { __typename a: placeOrder(input: $a) @idempotent(key: "k1") { order { id } } b: placeOrder(input: $b) @idempotent(key: "k2") { order { id } } }');
    const data = { __typename: 'Mutation', a: { order: ORDER }, b: { order: { ...ORDER, id: 'o-2' } } };
    const vars = { a: INPUT.input, b: INPUT.input };
    const whole = await client([answer({ data, extensions: { idempotentReplay: { a: true, b: true } } })]).sdk.request(TWO, vars);
    expect(whole.replayed).toBe(true);
    // b ran: a new order. Read as a replay, a bot would not count the order it just placed.
    const mixed = await client([answer({ data, extensions: { idempotentReplay: { a: true } } })]).sdk.request(TWO, vars);
    expect(mixed.replayed).toBe(false);
  });
});
