/**
 * The client follows the server's clock from the `Date` of any Signet answer, not only after a
 * SIGNATURE_EXPIRED: a clock a few seconds behind is otherwise refused for long after a server
 * restart (503 REPLAY_PROTECTION_RECOVERING), though well inside the signature window. Such a
 * refusal ran nothing, so its retries do not use up `maxAttempts`.
 */
import { createSignetClient, MeDocument, type SignetClientOptions } from '@signet/sdk';
import { answer, hmacKey, scriptedFetch, signatureParams, virtualTime, type RecordedCall, type Script } from './helpers';

const key = hmacKey();
const ME = { data: { me: { id: 'a', name: 'alice', balances: [] } } };

/** The skew the server allows into the future, and so how long after a restart it refuses older signatures. */
const SKEW_S = 5;

/**
 * A server on the virtual clock whose nonce store came back empty at `completeSinceMs`: as Signet
 * does (src/transport/http/request-admission.ts), it refuses a signature whose `created` − 5 s is
 * before that, with a Retry-After saying how far `created` must advance.
 */
function restartedServer(now: () => number, completeSinceMs: number) {
  return (call: RecordedCall) => {
    const date = { date: new Date(now()).toUTCString() };
    if (signatureParams(call).created - SKEW_S < completeSinceMs / 1000) {
      const retryAfter = Math.max(1, Math.ceil((completeSinceMs + SKEW_S * 1000 - signatureParams(call).created * 1000) / 1000));
      return answer({ errors: [{ message: 'recovering', extensions: { code: 'SERVICE_UNAVAILABLE', reason: 'REPLAY_PROTECTION_RECOVERING', retryAfter } }] }, 503,
        { ...date, 'retry-after': String(retryAfter) });
    }
    return answer(ME, 200, date);
  };
}

function client(scripts: (time: ReturnType<typeof virtualTime>) => Script[], skewMs: number, overrides: Partial<SignetClientOptions> = {}) {
  const time = virtualTime();
  const { fetch, calls } = scriptedFetch(...scripts(time));
  const sdk = createSignetClient({
    url: 'http://api.example.test', keyId: key.keyId, secret: key.secretBase64, fetch, clock: () => time.clock() + skewMs, sleep: time.sleep,
    random: () => 0.5, ...overrides,
  });
  return { sdk, calls, time };
}

describe('after a server restart', () => {
  test.each([
    ['whose clock is right', 0],
    ['12 s behind', -12_000],
    ['25 s behind', -25_000],
  ])('a client %s is admitted 5 s after the restart, as a right clock is: it follows the server\'s clock from the first 503', async (_name, skewMs) => {
    const { sdk, calls, time } = client((t) => [restartedServer(t.clock, t.clock())], skewMs);
    const reasons: string[] = [];
    const result = await sdk.request(MeDocument, {}, { onRetry: (info) => reasons.push(`${info.reason}/${info.delayMs}`) });
    expect(result.status).toBe(200);
    expect(result.attempts).toBe(2);
    // The server asked for `created` to advance by 5 s plus the skew; the corrected clock already made up the skew.
    expect(reasons).toEqual(['REPLAY_PROTECTION_RECOVERING/5000']);
    expect(Math.abs(sdk.clockOffsetMs + skewMs)).toBeLessThan(1_000);
    expect(Math.abs(signatureParams(calls[1]).created * 1000 - time.clock())).toBeLessThanOrEqual(1_000);
  });

  test('REPLAY_PROTECTION_RECOVERING retries do not use up maxAttempts: nothing ran', async () => {
    const recovering = answer({ errors: [{ message: 'recovering', extensions: { code: 'SERVICE_UNAVAILABLE', reason: 'REPLAY_PROTECTION_RECOVERING' } }] }, 503, { 'retry-after': '1' });
    const { sdk, calls } = client(() => [recovering, recovering, answer(ME)], 0, { retry: { maxAttempts: 2 } });
    const result = await sdk.request(MeDocument, {});
    expect(result.status).toBe(200);
    expect(calls).toHaveLength(3);
  });

  test('a server that keeps refusing is not retried past 2 × maxAttempts − 1 sends', async () => {
    const recovering = answer({ errors: [{ message: 'recovering', extensions: { code: 'SERVICE_UNAVAILABLE', reason: 'REPLAY_PROTECTION_RECOVERING' } }] }, 503, { 'retry-after': '1' });
    const { sdk, calls } = client(() => [recovering], 0, { retry: { maxAttempts: 3, maxTotalMs: 600_000 } });
    expect((await sdk.request(MeDocument, {})).status).toBe(503);
    expect(calls).toHaveLength(5);
    const once = client(() => [recovering], 0, { retry: { maxAttempts: 1 } });
    expect((await once.sdk.request(MeDocument, {})).attempts).toBe(1);
  });
});

describe('any answer\'s Date', () => {
  test('an offset of more than 2 s is corrected; the next request is signed on the server\'s time', async () => {
    const { sdk, calls, time } = client((t) => [(_call) => answer(ME, 200, { date: new Date(t.clock()).toUTCString() })], -8_000);
    await sdk.request(MeDocument, {});
    expect(Math.abs(sdk.clockOffsetMs - 8_000)).toBeLessThan(1_000);
    await sdk.request(MeDocument, {});
    expect(Math.abs(signatureParams(calls[1]).created * 1000 - time.clock())).toBeLessThanOrEqual(1_000);
  });

  test('within 2 s it is left alone (the header has whole seconds)', async () => {
    const { sdk } = client((t) => [(_call) => answer(ME, 200, { date: new Date(t.clock()).toUTCString() })], 1_500);
    await sdk.request(MeDocument, {});
    expect(sdk.clockOffsetMs).toBe(0);
  });

  test('a proxy\'s error page is not the server: its Date is ignored', async () => {
    const { sdk } = client((t) => [new Response('<html>bad gateway</html>', { status: 502, headers: { date: new Date(t.clock() + 60_000).toUTCString() } })], 0, { retry: { maxAttempts: 1 } });
    await expect(sdk.request(MeDocument, {})).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
    expect(sdk.clockOffsetMs).toBe(0);
  });
});
