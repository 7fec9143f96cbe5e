import { importSigningKey } from '@signet/sdk';
import { createSignedFetcher, SCHEMA_QUERY_NAME, wantsIdempotencyKey, type SentRequest, type SigningIdentity } from '../../../src/transport/playground/browser/signed-fetcher';
import type { DomainServices } from '../../../src/domain';
import { createTestKey, openEmbeddedSignet, type EmbeddedSignet, type RunningSignet } from '../../helpers/signet-server';

/** A placeOrder selection, with `directives` (e.g. `@skip(if: true)`) where GraphQL puts them. */
const place = (directives = '') => `placeOrder(input: { market: "BTC-USD", side: BUY, price: "30000", quantity: "0.01" }) ${directives} { order { id status } userErrors { code } }`;
const PLACE = place();

describe('which playground operations get an Idempotency-Key', () => {
  test('a mutation with one @idempotent field gets one; queries do not', () => {
    expect(wantsIdempotencyKey(`mutation { ${PLACE} }`)).toBe(true);
    expect(wantsIdempotencyKey('{ markets { symbol } }')).toBe(false);
  });

  test('the operation chosen by operationName decides', () => {
    const document = `query Q { serverTime } mutation M { ${PLACE} }`;
    expect(wantsIdempotencyKey(document, 'M')).toBe(true);
    expect(wantsIdempotencyKey(document, 'Q')).toBe(false);
    expect(wantsIdempotencyKey(document)).toBe(false);
  });

  test('fields reached through fragments count', () => {
    expect(wantsIdempotencyKey(`mutation { ...F } fragment F on Mutation { ${PLACE} }`)).toBe(true);
  });

  test('two keyed fields get none (the header names one call), nor does a field with its own @idempotent(key:)', () => {
    expect(wantsIdempotencyKey(`mutation { a: ${PLACE} b: ${PLACE} }`)).toBe(false);
    expect(wantsIdempotencyKey(`mutation { placeOrder(input: { market: "BTC-USD", side: BUY, price: "1", quantity: "1" }) @idempotent(key: "k-1") { order { id } } }`)).toBe(false);
  });

  test('one keyed field selected twice under one response key (directly and through a fragment) gets one: the server counts one call', () => {
    expect(wantsIdempotencyKey(`mutation { ${PLACE} ...F } fragment F on Mutation { ${PLACE} }`)).toBe(true);
  });

  test('a keyed field @skip or @include leaves out with the variables sent does not count', () => {
    const document = `mutation ($second: Boolean!) { a: ${PLACE} b: ${place('@include(if: $second)')} }`;
    expect(wantsIdempotencyKey(document, undefined, { second: false })).toBe(true);
    expect(wantsIdempotencyKey(document, undefined, { second: true })).toBe(false);
    expect(wantsIdempotencyKey(`mutation { a: ${PLACE} b: ${place('@skip(if: true)')} }`)).toBe(true);
  });

  test('the fetcher reads the conditions with the variables it sends', async () => {
    const { calls, fetch } = recordingFetch();
    const fetcher = createSignedFetcher({ url: 'http://h/graphql', authority: 'h', identity: () => null, fetch, randomUUID: () => 'k-1' });
    await fetcher({ query: `mutation ($second: Boolean!) { a: ${PLACE} b: ${place('@include(if: $second)')} }`, variables: { second: false } });
    expect((calls[0].init.headers as Record<string, string>)['idempotency-key']).toBe('k-1');
  });

  test('an unparsable document gets none: the server reports the syntax error', () => {
    expect(wantsIdempotencyKey('mutation { placeOrder(')).toBe(false);
  });
});

/** A fetch that records what it was given and answers `answer` (with `headers`). */
function recordingFetch(answer = '{"data":{}}', status = 200, headers: Record<string, string> = {}) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(answer, { status, headers });
  }) as unknown as typeof globalThis.fetch;
  return { calls, fetch };
}

/** An HMAC identity over a fixed secret, for tests that only look at what is sent. */
async function hmacIdentity(): Promise<SigningIdentity> {
  return { keyId: 'key_test', alg: 'hmac-sha256', key: await importSigningKey({ alg: 'hmac-sha256', secret: new Uint8Array(32).fill(7) }) };
}

describe('the playground fetcher', () => {

  test('sends unsigned JSON POSTs (what CSRF prevention accepts) when no key is loaded', async () => {
    const { calls, fetch } = recordingFetch();
    const fetcher = createSignedFetcher({ url: 'http://127.0.0.1:4000/graphql', authority: '127.0.0.1:4000', identity: () => null, fetch });
    await fetcher({ query: '{ serverTime }' });
    const headers = calls[0].init.headers as Record<string, string>;
    expect(calls[0].init.method).toBe('POST');
    expect(headers['content-type']).toBe('application/json');
    expect(headers.signature).toBeUndefined();
    expect(calls[0].init.body).toBe('{"query":"{ serverTime }"}');
  });

  test('the headers editor cannot replace the signature or content type, but its Idempotency-Key wins', async () => {
    const { calls, fetch } = recordingFetch();
    const fetcher = createSignedFetcher({ url: 'http://h/graphql', authority: 'h', identity: () => null, fetch, randomUUID: () => 'generated' });
    await fetcher({ query: `mutation { ${PLACE} }` }, { headers: { 'Content-Type': 'text/plain', Signature: 'forged', 'Idempotency-Key': 'mine-1', 'X-Request-Id': 'req-12345678' } });
    expect(calls[0].init.headers).toMatchObject({ 'content-type': 'application/json', 'idempotency-key': 'mine-1', 'x-request-id': 'req-12345678' });
    expect((calls[0].init.headers as Record<string, string>).signature).toBeUndefined();
  });

  test('an answer that is not JSON shows as an error with its status', async () => {
    const { fetch } = recordingFetch('Too Many Requests', 429);
    const sent: SentRequest[] = [];
    const fetcher = createSignedFetcher({ url: 'http://h/graphql', authority: 'h', identity: () => null, fetch, onSent: (s) => sent.push(s) });
    const result = JSON.parse(JSON.stringify(await fetcher({ query: '{ serverTime }' })));
    expect(result).toEqual({ errors: [{ message: 'HTTP 429: Too Many Requests' }] });
    expect(sent).toEqual([{ keyId: undefined, idempotencyKey: undefined, status: 429 }]);
  });
});

describe('the Idempotency-Key the playground sends is covered by its signature', () => {
  test('a keyed mutation lists "idempotency-key" in Signature-Input, after the required components', async () => {
    const { calls, fetch } = recordingFetch();
    const identity = await hmacIdentity();
    const fetcher = createSignedFetcher({ url: 'http://h/graphql', authority: 'h', identity: () => identity, fetch, randomUUID: () => 'generated-1' });
    await fetcher({ query: `mutation { ${PLACE} }` });
    const headers = calls[0].init.headers as Record<string, string>;
    expect(headers['idempotency-key']).toBe('generated-1');
    expect(headers['signature-input']).toMatch(/^sig1=\("@method" "@authority" "@path" "content-digest" "idempotency-key"\);/);
  });

  test('a key typed into the headers editor is covered too, in any case', async () => {
    const { calls, fetch } = recordingFetch();
    const identity = await hmacIdentity();
    const fetcher = createSignedFetcher({ url: 'http://h/graphql', authority: 'h', identity: () => identity, fetch });
    await fetcher({ query: `mutation { ${PLACE} }` }, { headers: { 'IDEMPOTENCY-KEY': 'typed-1' } });
    const headers = calls[0].init.headers as Record<string, string>;
    expect(headers['idempotency-key']).toBe('typed-1');
    expect(headers['signature-input']).toContain('"idempotency-key"');
  });

  test('a request without an Idempotency-Key covers only the required components', async () => {
    const { calls, fetch } = recordingFetch();
    const identity = await hmacIdentity();
    const fetcher = createSignedFetcher({ url: 'http://h/graphql', authority: 'h', identity: () => identity, fetch });
    await fetcher({ query: '{ me { id } }' });
    expect((calls[0].init.headers as Record<string, string>)['signature-input']).toMatch(/^sig1=\("@method" "@authority" "@path" "content-digest"\);/);
  });
});

describe('what the playground fetcher reports to the status line', () => {
  test('GraphiQL\'s schema fetch is not reported: the user has not sent anything yet', async () => {
    const { calls, fetch } = recordingFetch('{"data":{"__schema":{}}}');
    const sent: SentRequest[] = [];
    const fetcher = createSignedFetcher({ url: 'http://h/graphql', authority: 'h', identity: () => null, fetch, onSent: (s) => sent.push(s) });
    await fetcher({ query: `query ${SCHEMA_QUERY_NAME} { __schema { queryType { name } } }`, operationName: SCHEMA_QUERY_NAME });
    expect(calls).toHaveLength(1);
    expect(sent).toEqual([]);
    await fetcher({ query: '{ serverTime }' });
    expect(sent).toEqual([{ keyId: undefined, idempotencyKey: undefined, status: 200 }]);
  });

  test('an answer with Idempotent-Replayed: true is reported as a replay', async () => {
    const { fetch } = recordingFetch('{"data":{"placeOrder":null}}', 200, { 'idempotent-replayed': 'true' });
    const sent: SentRequest[] = [];
    const fetcher = createSignedFetcher({ url: 'http://h/graphql', authority: 'h', identity: () => null, fetch, onSent: (s) => sent.push(s), randomUUID: () => 'k-1' });
    await fetcher({ query: `mutation { ${PLACE} }` });
    expect(sent).toEqual([{ keyId: undefined, idempotencyKey: 'k-1', status: 200, replayed: true }]);
  });

  test('Idempotent-Replayed with any value but exactly true (what the server sends) is not a replay', async () => {
    const { fetch } = recordingFetch('{"data":{"placeOrder":null}}', 200, { 'idempotent-replayed': 'TRUE' });
    const sent: SentRequest[] = [];
    const fetcher = createSignedFetcher({ url: 'http://h/graphql', authority: 'h', identity: () => null, fetch, onSent: (s) => sent.push(s) });
    await fetcher({ query: `mutation { ${PLACE} }` });
    expect(sent[0].replayed).toBeUndefined();
  });

  test('extensions.idempotentReplay alone (a proxy dropped the header) is reported as a replay too', async () => {
    const { fetch } = recordingFetch('{"data":{"placeOrder":null},"extensions":{"idempotentReplay":{"placeOrder":true}}}');
    const sent: SentRequest[] = [];
    const fetcher = createSignedFetcher({ url: 'http://h/graphql', authority: 'h', identity: () => null, fetch, onSent: (s) => sent.push(s) });
    await fetcher({ query: `mutation { ${PLACE} }` });
    expect(sent[0].replayed).toBe(true);
  });

  test('an extension that names only some root fields is not a replay: the others ran', async () => {
    const { fetch } = recordingFetch('{"data":{"a":{"order":{"id":"o-1"}},"b":{"order":{"id":"o-2"}}},"extensions":{"idempotentReplay":{"a":true}}}');
    const sent: SentRequest[] = [];
    const fetcher = createSignedFetcher({ url: 'http://h/graphql', authority: 'h', identity: () => null, fetch, onSent: (s) => sent.push(s) });
    await fetcher({ query: `mutation { a: ${PLACE} b: ${PLACE} }` });
    expect(sent[0].replayed).toBeUndefined();
  });

  test('a refused request reports its code and reason', async () => {
    const { fetch } = recordingFetch('{"errors":[{"message":"Unauthenticated","extensions":{"code":"UNAUTHENTICATED","reason":"SIGNATURE_INVALID"}}]}', 401);
    const sent: SentRequest[] = [];
    const fetcher = createSignedFetcher({ url: 'http://h/graphql', authority: 'h', identity: () => null, fetch, onSent: (s) => sent.push(s) });
    await fetcher({ query: '{ me { id } }' });
    expect(sent).toEqual([{ keyId: undefined, idempotencyKey: undefined, status: 401, refusal: { code: 'UNAUTHENTICATED', reason: 'SIGNATURE_INVALID' } }]);
  });

  test('a 503 refusal reports its code, reason and when to retry, like a 4xx one', async () => {
    const body = '{"errors":[{"message":"Replay protection restarted","extensions":{"code":"SERVICE_UNAVAILABLE","retryable":true,"reason":"REPLAY_PROTECTION_RECOVERING","retryAfter":5}}]}';
    const { fetch } = recordingFetch(body, 503, { 'retry-after': '5' });
    const sent: SentRequest[] = [];
    const fetcher = createSignedFetcher({ url: 'http://h/graphql', authority: 'h', identity: () => null, fetch, onSent: (s) => sent.push(s) });
    await fetcher({ query: '{ me { id } }' });
    expect(sent).toEqual([{ keyId: undefined, idempotencyKey: undefined, status: 503, refusal: { code: 'SERVICE_UNAVAILABLE', reason: 'REPLAY_PROTECTION_RECOVERING', retryable: true, retryAfter: 5 } }]);
  });

  test('an answer of 200 with errors is not a refusal: the request ran', async () => {
    const { fetch } = recordingFetch('{"data":{"me":null},"errors":[{"message":"no","extensions":{"code":"FORBIDDEN"}}]}');
    const sent: SentRequest[] = [];
    const fetcher = createSignedFetcher({ url: 'http://h/graphql', authority: 'h', identity: () => null, fetch, onSent: (s) => sent.push(s) });
    await fetcher({ query: '{ me { id } }' });
    expect(sent).toEqual([{ keyId: undefined, idempotencyKey: undefined, status: 200 }]);
  });
});

describe('the playground fetcher against a Signet server', () => {
  let fixture: EmbeddedSignet;
  let services: DomainServices;
  let server: RunningSignet;
  let accountId: string;
  beforeAll(async () => {
    fixture = await openEmbeddedSignet({ USD: '100000' }, 'playground');
    ({ services, server, accountId } = fixture);
  });
  afterAll(async () => fixture?.close());

  test('an HMAC-signed mutation from the playground is accepted, keyed, and not repeated when replayed with its key', async () => {
    const key = await createTestKey(services, accountId, 'hmac-sha256');
    const identity: SigningIdentity = { keyId: key.keyId, alg: 'hmac-sha256', key: await importSigningKey({ alg: 'hmac-sha256', secret: new Uint8Array(key.secret!) }) };
    const sent: SentRequest[] = [];
    const fetcher = createSignedFetcher({ url: `${server.url}/graphql`, authority: server.authority, identity: () => identity, onSent: (s) => sent.push(s) });
    const first: any = await fetcher({ query: `mutation { ${PLACE} }` });
    expect(first.errors).toBeUndefined();
    expect(first.data.placeOrder.order.status).toBe('OPEN');
    expect(sent[0]).toMatchObject({ keyId: key.keyId, status: 200, idempotencyKey: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    // The same key typed into the headers editor replays the outcome instead of placing a second order.
    expect(sent[0].replayed).toBeUndefined();
    const replay: any = await fetcher({ query: `mutation { ${PLACE} }` }, { headers: { 'idempotency-key': sent[0].idempotencyKey } });
    expect(replay.data.placeOrder.order.id).toBe(first.data.placeOrder.order.id);
    expect(sent[1]).toMatchObject({ status: 200, idempotencyKey: sent[0].idempotencyKey, replayed: true });
    const mine: any = await fetcher({ query: '{ me { orders { nodes { id } } } }' });
    expect(mine.data.me.orders.nodes).toEqual([{ id: first.data.placeOrder.order.id }]);
  });

  test('the server verifies the covered Idempotency-Key: one swapped after signing is refused and nothing runs', async () => {
    const key = await createTestKey(services, accountId, 'hmac-sha256');
    const identity: SigningIdentity = { keyId: key.keyId, alg: 'hmac-sha256', key: await importSigningKey({ alg: 'hmac-sha256', secret: new Uint8Array(key.secret!) }) };
    const sent: SentRequest[] = [];
    let signatureInput = '';
    // A man in the middle: forwards the signed request with another Idempotency-Key.
    const swapping = (async (url: string, init: RequestInit) => {
      const headers = init.headers as Record<string, string>;
      signatureInput = headers['signature-input'];
      return fetch(url, { ...init, headers: { ...headers, 'idempotency-key': 'swapped-in-transit' } });
    }) as unknown as typeof globalThis.fetch;
    const fetcher = createSignedFetcher({ url: `${server.url}/graphql`, authority: server.authority, identity: () => identity, fetch: swapping, onSent: (s) => sent.push(s) });
    const before = await services.orders.listOrders(accountId, { limit: 100 });
    const refused: any = await fetcher({ query: `mutation { ${PLACE} }` });
    expect(signatureInput).toContain('"idempotency-key"');
    expect(sent[0]).toMatchObject({ status: 401, refusal: { code: 'UNAUTHENTICATED', reason: 'SIGNATURE_INVALID' } });
    expect(refused.data ?? null).toBeNull();
    expect(await services.orders.listOrders(accountId, { limit: 100 })).toEqual(before);
  });
});
