/**
 * The client asks for GraphQL over HTTP's media type (falling back to application/json, as the
 * spec recommends for a server of unknown vintage) and reads an answer in either type alike.
 */
import { createSignetClient, MeDocument, PlaceOrderDocument } from '@signet/sdk';
import { ed25519Key, fieldError, scriptedFetch, virtualTime } from './helpers';

const key = ed25519Key();
const ME = { me: { id: 'acct-1', name: 'alice', balances: [] } };
const ORDER = { id: 'o-1', market: 'BTC-USD', side: 'BUY', type: 'LIMIT', price: '30000', quantity: '0.01', clientOrderId: null, status: 'OPEN', holdAsset: 'USD', holdAmount: '300', createdAt: 'x', updatedAt: 'x' };
const INPUT = { input: { market: 'BTC-USD', side: 'BUY' as const, price: '30000', quantity: '0.01' } };

function inType(type: string, body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': type, ...headers } });
}

function client(...scripts: Response[]) {
  const time = virtualTime();
  const { fetch, calls } = scriptedFetch(...scripts);
  const sdk = createSignetClient({ url: 'http://127.0.0.1:4000', keyId: key.keyId, privateKey: key.privateKeyBase64, fetch, clock: time.clock, sleep: time.sleep, random: () => 0.5 });
  return { sdk, calls };
}

describe('Accept and the media types the SDK reads', () => {
  test('every request accepts application/graphql-response+json first, application/json after it', async () => {
    const { sdk, calls } = client(inType('application/json; charset=utf-8', { data: ME }));
    await sdk.request(MeDocument, {});
    expect(calls[0].headers.accept).toBe('application/graphql-response+json, application/json;q=0.9');
  });

  test.each(['application/graphql-response+json; charset=utf-8', 'application/json; charset=utf-8'])('an answer in %s is read: data, and a transient error retried', async (type) => {
    const { sdk, calls } = client(
      inType(type, { errors: [{ message: 'busy', extensions: { code: 'SERVICE_UNAVAILABLE', retryAfter: 1 } }] }, 503, { 'retry-after': '1' }),
      inType(type, { data: { placeOrder: null }, errors: [fieldError('IDEMPOTENCY_IN_PROGRESS', { retryAfter: 1 })] }),
      inType(type, { data: { placeOrder: { order: ORDER, userErrors: [] } } }),
    );
    const placed = await sdk.request(PlaceOrderDocument, INPUT);
    expect(placed.data?.placeOrder?.order?.id).toBe('o-1');
    expect(calls).toHaveLength(3);
  });

  test.each(['application/graphql-response+json; charset=utf-8', 'application/json; charset=utf-8'])('a refusal in %s reaches the caller with its code and reason', async (type) => {
    const { sdk } = client(inType(type, { errors: [{ message: 'no', extensions: { code: 'UNAUTHENTICATED', reason: 'SIGNATURE_INVALID', retryable: false } }] }, 401));
    const refused = await sdk.request(MeDocument, {});
    expect(refused).toMatchObject({ status: 401, data: null, errors: [{ extensions: { code: 'UNAUTHENTICATED', reason: 'SIGNATURE_INVALID' } }] });
  });
});
