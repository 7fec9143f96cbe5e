/**
 * Clock-skew correction: after a 401 SIGNATURE_EXPIRED the client learns the offset from the
 * server's Date header, re-signs once, and keeps the offset for later requests.
 */
import { createSignetClient, MeDocument, PlaceOrderDocument } from '@signet/sdk';
import { answer, hmacKey, scriptedFetch, signatureParams, verifyCalls, type RecordedCall } from './helpers';

const SERVER_NOW = Date.UTC(2030, 5, 1, 12, 0, 0);
const key = hmacKey();
const ME = { data: { me: { id: 'a', name: 'alice', balances: [] } } };

/** A server at SERVER_NOW that refuses signatures outside its window, as Signet does (30 s old, 5 s ahead). */
function strictServer(dateHeader = true) {
  return (call: RecordedCall) => {
    const { created } = signatureParams(call);
    const now = SERVER_NOW / 1000;
    if (created < now - 30 || created > now + 5) {
      const headers: Record<string, string> = dateHeader ? { date: new Date(SERVER_NOW).toUTCString() } : {};
      return answer({ errors: [{ message: 'stale', extensions: { code: 'UNAUTHENTICATED', reason: 'SIGNATURE_EXPIRED' } }] }, 401, headers);
    }
    return answer(ME);
  };
}

function skewedClient(skewMs: number, dateHeader = true) {
  const { fetch, calls } = scriptedFetch(strictServer(dateHeader));
  const sdk = createSignetClient({ url: 'http://api.example.test', keyId: key.keyId, secret: key.secretBase64, fetch, clock: () => SERVER_NOW + skewMs });
  return { sdk, calls };
}

describe('clock skew', () => {
  test.each([
    ['two minutes behind', -120_000],
    ['one minute ahead', 60_000],
  ])('a client %s is corrected from the Date header and retries once', async (_name, skewMs) => {
    const { sdk, calls } = skewedClient(skewMs);
    const result = await sdk.request(MeDocument, {});
    expect(result.status).toBe(200);
    expect(result.attempts).toBe(2);
    expect(calls).toHaveLength(2);
    expect(Math.abs(signatureParams(calls[1]).created - SERVER_NOW / 1000)).toBeLessThanOrEqual(1);
    expect(Math.abs(sdk.clockOffsetMs + skewMs)).toBeLessThan(1_000);
    // The corrected attempt is a valid signature at the server's time (HMAC path, server verifier).
    const [, corrected] = await verifyCalls(calls, { keyId: key.keyId, accountId: 'a', scopes: ['READ'], algorithm: 'hmac-sha256', secret: key.secret }, () => SERVER_NOW);
    expect(corrected.status).toBe('verified');
  });

  test('the offset is kept: the next request is signed right the first time', async () => {
    const { sdk, calls } = skewedClient(-120_000);
    await sdk.request(MeDocument, {});
    await sdk.request(MeDocument, {});
    expect(calls).toHaveLength(3);
    expect(Math.abs(signatureParams(calls[2]).created - SERVER_NOW / 1000)).toBeLessThanOrEqual(1);
  });

  test('a keyed mutation keeps its idempotency key across the correction', async () => {
    const { fetch, calls } = scriptedFetch((call) => (signatureParams(call).created < SERVER_NOW / 1000 - 30
      ? answer({ errors: [{ message: 'stale', extensions: { code: 'UNAUTHENTICATED', reason: 'SIGNATURE_EXPIRED' } }] }, 401, { date: new Date(SERVER_NOW).toUTCString() })
      : answer({ data: { placeOrder: { order: null, userErrors: [] } } })));
    const sdk = createSignetClient({ url: 'http://api.example.test', keyId: key.keyId, secret: key.secretBase64, fetch, clock: () => SERVER_NOW - 300_000 });
    await sdk.request(PlaceOrderDocument, { input: { market: 'BTC-USD', side: 'BUY', price: '1', quantity: '1' } });
    expect(calls).toHaveLength(2);
    expect(calls[0].headers['idempotency-key']).toBe(calls[1].headers['idempotency-key']);
    expect(signatureParams(calls[0]).nonce).not.toBe(signatureParams(calls[1]).nonce);
  });

  test('only once per request: a second SIGNATURE_EXPIRED is returned, not retried', async () => {
    const stale = answer({ errors: [{ message: 'stale', extensions: { code: 'UNAUTHENTICATED', reason: 'SIGNATURE_EXPIRED' } }] }, 401, { date: new Date(SERVER_NOW).toUTCString() });
    const { fetch, calls } = scriptedFetch(stale);
    const sdk = createSignetClient({ url: 'http://api.example.test', keyId: key.keyId, secret: key.secretBase64, fetch, clock: () => SERVER_NOW });
    const result = await sdk.request(MeDocument, {});
    expect(calls).toHaveLength(2);
    expect(result.status).toBe(401);
    expect(result.errors[0].extensions?.reason).toBe('SIGNATURE_EXPIRED');
  });

  test('without a Date header there is nothing to correct from: the 401 is returned', async () => {
    const { sdk, calls } = skewedClient(-120_000, false);
    const result = await sdk.request(MeDocument, {});
    expect(result.status).toBe(401);
    expect(calls).toHaveLength(1);
    expect(sdk.clockOffsetMs).toBe(0);
  });
});
