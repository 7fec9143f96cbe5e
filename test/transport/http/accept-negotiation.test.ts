/**
 * /graphql negotiates Accept once, before anything runs: an Accept that allows neither GraphQL
 * media type is refused with 406 and nothing executes (no order, no idempotency key used, no
 * resolver called); every other answer to the same Accept, Apollo's own refusals included, comes
 * in one media type, and varies with Accept.
 */
import type { DomainServices } from '../../../src/domain';
import { APPLICATION_JSON, GRAPHQL_RESPONSE_JSON } from '../../../src/transport/http/error-media-type';
import type { TestDatabase } from '../../helpers/database';
import { balancesOf } from '../../helpers/domain';
import { startTestHttpServer, type TestHttpServer } from '../../helpers/http-server';
import { memoryStores, openSigningAccount, signedRequest, startSignet, type RunningSignet, type TestKey } from '../../helpers/signet-server';

const PLACE = {
  query: 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id status } userErrors { code } } }',
  variables: { i: { market: 'BTC-USD', side: 'BUY', price: '100', quantity: '0.01' } },
};
const BOOK = { query: '{ orderBook(market: "BTC-USD") { bids { price } } }' };
const GRAPHQL_ACCEPT = 'application/graphql-response+json, application/json;q=0.9';

describe('an Accept that allows neither GraphQL media type is refused with 406 before anything runs', () => {
  let db: TestDatabase;
  let services: DomainServices;
  let accountId: string;
  let key: TestKey;
  let server: RunningSignet;
  beforeAll(async () => {
    ({ db, services, accountId, key } = await openSigningAccount({ USD: '10' }, 'accept'));
    server = await startSignet(services, memoryStores());
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });
  const ordersOf = async () => (await services.orders.listOrders(accountId, { limit: 100 })).items;

  test('a signed keyed placeOrder with Accept: text/plain places nothing, and its key and bytes never run later', async () => {
    const refused = await signedRequest(server, key, PLACE, { headers: { accept: 'text/plain', 'idempotency-key': 'accept-406-1' } });
    expect(refused.status).toBe(406);
    expect(await ordersOf()).toEqual([]);
    expect((await balancesOf(services, accountId)).USD).toEqual({ available: '10', held: '0' });
    expect(refused.headers.get('content-type')).toBe(APPLICATION_JSON);
    expect(refused.headers.get('vary')).toMatch(/\bAccept\b/i);
    expect(refused.json).toEqual({ errors: [{ message: expect.stringContaining('Nothing was run'), extensions: { code: 'BAD_REQUEST', retryable: false, requestId: refused.headers.get('x-request-id') } }] });

    // The same bytes with an acceptable Accept (Accept is not signed): refused, not run, since the
    // client was told they were not.
    const replayed = await fetch(`${server.url}/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json', accept: GRAPHQL_ACCEPT, 'idempotency-key': 'accept-406-1', ...refused.signed.headers }, body: JSON.stringify(PLACE),
    });
    expect(replayed.status).toBe(401);
    expect((await replayed.json()).errors[0].extensions.reason).toBe('NONCE_REUSED');
    expect(await ordersOf()).toEqual([]);

    // Signed afresh with the same idempotency key: it runs now, for the first time (not a replay).
    const placed = await signedRequest(server, key, PLACE, { headers: { accept: GRAPHQL_ACCEPT, 'idempotency-key': 'accept-406-1' } });
    expect(placed.status).toBe(200);
    expect(placed.json.data.placeOrder.order.status).toBe('OPEN');
    expect(placed.headers.get('idempotent-replayed')).not.toBe('true');
    expect(placed.json.extensions?.idempotentReplay).toBeUndefined();
    expect(await ordersOf()).toHaveLength(1);
  });

  test.each(['text/plain', 'text/event-stream', 'application/xml, text/*;q=0.5', 'application/json;q=0, application/graphql-response+json;q=0'])(
    'an unsigned query with Accept: %s calls no resolver', async (accept) => {
      const book = jest.spyOn(services.marketData, 'orderBook');
      try {
        const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify(BOOK) });
        expect(res.status).toBe(406);
        expect((await res.json()).errors[0].extensions.code).toBe('BAD_REQUEST');
        const get = await fetch(`${server.url}/graphql?query=${encodeURIComponent(BOOK.query)}`, { headers: { accept, 'apollo-require-preflight': 'true' } });
        expect(get.status).toBe(406);
        expect(book).not.toHaveBeenCalled();
        // The control: the same query with an acceptable Accept runs.
        const ok = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(BOOK) });
        expect(ok.status).toBe(200);
        expect(book).toHaveBeenCalledTimes(1);
      } finally {
        book.mockRestore();
      }
    },
  );

  test('a replayed nonce sent with Accept: text/plain is refused before its admission too, as 406 (nothing ran either way)', async () => {
    const first = await signedRequest(server, key, { query: '{ me { id } }' });
    expect(first.status).toBe(200);
    const again = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/plain', ...first.signed.headers }, body: JSON.stringify({ query: '{ me { id } }' }) });
    expect(again.status).toBe(406);
  });
});

describe('one media type per Accept value on every /graphql answer, and Vary: Accept', () => {
  let db: TestDatabase;
  let services: DomainServices;
  let server: TestHttpServer;
  beforeAll(async () => {
    ({ db, services } = await openSigningAccount({}, 'vary'));
    server = await startTestHttpServer(services, { introspection: false });
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  // Apollo's negotiator requires media-type parameters to match; Signet's ignores all but q.
  test.each([
    ['application/graphql-response+json;charset=utf-16, application/json;q=0.9', GRAPHQL_RESPONSE_JSON],
    ['application/json;charset=utf-16', APPLICATION_JSON],
    ['application/graphql-response+json, application/json;q=0.9', GRAPHQL_RESPONSE_JSON],
    [undefined, APPLICATION_JSON],
  ])('Accept %s: Apollo\'s refusals, the HTTP layer\'s and GraphQL answers are all %s', async (accept, expected) => {
    const headers: Record<string, string> = accept === undefined ? {} : { accept };
    const answers = {
      csrf: await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ serverTime }')}`, { headers }),
      getMutation: await fetch(`${server.url}/graphql?query=${encodeURIComponent('mutation { cancelOrder(id: "x") { userErrors { code } } }')}`, { headers: { ...headers, 'apollo-require-preflight': 'true' } }),
      notFound: await fetch(`${server.url}/nowhere`, { headers }),
      validation: await fetch(`${server.url}/graphql`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ nope }' }) }),
      data: await fetch(`${server.url}/graphql`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ serverTime }' }) }),
      wrongMethod: await fetch(`${server.url}/graphql`, { method: 'PUT', headers }),
    };
    const seen = Object.fromEntries(Object.entries(answers).map(([name, res]) => [name, [res.status, res.headers.get('content-type'), /\bAccept\b/i.test(res.headers.get('vary') ?? '')]]));
    expect(seen).toEqual({
      csrf: [400, expected, true], getMutation: [405, expected, true], notFound: [404, expected, true],
      validation: [400, expected, true], data: [200, expected, true], wrongMethod: [405, expected, true],
    });
  });

  test('the playground page a browser gets on GET /graphql (or HEAD) varies with Accept too', async () => {
    const withPlayground = await startTestHttpServer(services, { introspection: true });
    try {
      for (const method of ['GET', 'HEAD']) {
        // 200, or 503 with instructions when the bundle is not built: an HTML page either way.
        const page = await fetch(`${withPlayground.url}/graphql`, { method, headers: { accept: 'text/html' } });
        expect([method, page.headers.get('content-type'), /\bAccept\b/i.test(page.headers.get('vary') ?? '')]).toEqual([method, 'text/html; charset=utf-8', true]);
      }
    } finally {
      await withPlayground.close();
    }
  });

  test('a browser Accept without the playground is answered in JSON, text/html alone with 406', async () => {
    const browser = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ serverTime }')}`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8', 'apollo-require-preflight': 'true' } });
    expect([browser.status, browser.headers.get('content-type')]).toEqual([200, APPLICATION_JSON]);
    const html = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ serverTime }')}`, { headers: { accept: 'text/html', 'apollo-require-preflight': 'true' } });
    expect([html.status, html.headers.get('content-type')]).toEqual([406, APPLICATION_JSON]);
  });
});
