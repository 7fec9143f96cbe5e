/**
 * The methods of /graphql as RFC 9110 has them: HEAD is answered as GET without content, a 405's
 * Allow lists exactly the methods the path serves, and a GET's empty optional parameters are
 * absent ones (GraphQL over HTTP).
 */
import { request as httpRequest } from 'node:http';
import { signRequest } from '@signet/http-message-signatures';
import { nodeCrypto } from '@signet/http-message-signatures/node';
import type { TestDatabase } from '../../helpers/database';
import { memoryStores, openSigningAccount, startSignet, type RunningSignet, type TestKey } from '../../helpers/signet-server';

const ALLOW = 'GET, HEAD, POST, OPTIONS';
const PREFLIGHT = { 'apollo-require-preflight': 'true' };
const SERVER_TIME = `/graphql?query=${encodeURIComponent('query A { serverTime }')}`;

/** One request over node:http, which sends any method (fetch refuses TRACE and the like). */
function rawRequest(url: string, method: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('methods on /graphql', () => {
  let db: TestDatabase;
  let key: TestKey;
  let server: RunningSignet;
  beforeAll(async () => {
    const account = await openSigningAccount({}, 'methods');
    ({ db, key } = account);
    server = await startSignet(account.services, memoryStores());
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });
  /** A signed GET or HEAD of /graphql with this query string, its `@query` covered as sent. */
  const signedQuery = (method: 'GET' | 'HEAD', query: string) => {
    const signed = signRequest(nodeCrypto, { method, authority: server.authority, path: '/graphql', query, body: '', keyId: key.keyId, algorithm: key.algorithm, privateKey: key.privateKey, secret: key.secret });
    return rawRequest(`${server.url}/graphql?${query}`, method, { ...signed.headers });
  };

  test('HEAD is answered as the GET it mirrors: same status and header fields, no content', async () => {
    for (const [path, headers] of [[SERVER_TIME, PREFLIGHT], [SERVER_TIME, {}], [`/graphql?query=${encodeURIComponent('mutation { cancelOrder(id: "x") { userErrors { code } } }')}`, PREFLIGHT]] as const) {
      const get = await rawRequest(`${server.url}${path}`, 'GET', headers);
      const head = await rawRequest(`${server.url}${path}`, 'HEAD', headers);
      const fields = (res: typeof get) => ({ status: res.status, type: res.headers['content-type'], allow: res.headers.allow, vary: res.headers.vary, cache: res.headers['cache-control'], length: res.headers['content-length'] });
      expect(fields(head)).toEqual(fields(get));
      expect(head.body).toBe('');
      expect(get.body).not.toBe('');
    }
    expect((await rawRequest(`${server.url}${SERVER_TIME}`, 'HEAD', PREFLIGHT)).status).toBe(200);
  });

  test('a signed HEAD verifies over its own method, and is answered as its GET', async () => {
    const query = `query=${encodeURIComponent('{ me { id } }')}`;
    const [get, head] = [await signedQuery('GET', query), await signedQuery('HEAD', query)];
    expect([get.status, head.status, head.body, head.headers['content-length']]).toEqual([200, 200, '', get.headers['content-length']]);
  });

  test('every 405 and the OPTIONS answer list the same methods, each of which /graphql serves', async () => {
    // QUERY (RFC 10008, a safe method with content: what a GraphQL client may try next) needs a Content-Type.
    const query: [Record<string, string>, string] = [{ 'content-type': 'application/json' }, JSON.stringify({ query: '{ serverTime }' })];
    for (const method of ['QUERY', 'TRACE', 'PROPFIND', 'PUT', 'DELETE', 'PATCH']) {
      const res = method === 'QUERY' ? await rawRequest(`${server.url}/graphql`, method, ...query) : await rawRequest(`${server.url}/graphql`, method);
      expect({ method, status: res.status, allow: res.headers.allow }).toEqual({ method, status: 405, allow: ALLOW });
      expect(JSON.parse(res.body).errors[0].extensions.code).toBe('METHOD_NOT_ALLOWED');
    }
    const options = await rawRequest(`${server.url}/graphql`, 'OPTIONS');
    expect([options.status, options.headers.allow]).toEqual([204, ALLOW]);
    for (const method of ALLOW.split(', ')) {
      const res = method === 'POST' ? await rawRequest(`${server.url}/graphql`, method, ...query) : await rawRequest(`${server.url}${SERVER_TIME}`, method, PREFLIGHT);
      expect({ method, status: res.status }).toEqual({ method, status: method === 'OPTIONS' ? 204 : 200 });
    }
    const health = await rawRequest(`${server.url}/healthz`, 'QUERY', ...query);
    expect([health.status, health.headers.allow]).toEqual([405, 'GET, HEAD']);
  });

  test.each(['operationName=', 'variables=', 'extensions=', 'operationName=&variables=&extensions='])('a GET with an empty %s reads it as absent', async (empty) => {
    const res = await fetch(`${server.url}${SERVER_TIME}&${empty}`, { headers: PREFLIGHT });
    expect(res.status).toBe(200);
    expect((await res.json()).data.serverTime).toEqual(expect.any(String));
  });

  test('a signed GET with empty optional parameters verifies over its query as sent', async () => {
    const res = await signedQuery('GET', `query=${encodeURIComponent('query Me { me { id } }')}&operationName=&variables=`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).data.me.id).toEqual(expect.any(String));
  });

  test('non-empty parameters are still read, and still refused when malformed', async () => {
    const named = await fetch(`${server.url}/graphql?query=${encodeURIComponent('query A { serverTime } query B { markets { symbol } }')}&operationName=B`, { headers: PREFLIGHT });
    expect(Object.keys((await named.json()).data)).toEqual(['markets']);
    const malformed = await fetch(`${server.url}${SERVER_TIME}&variables=%7B`, { headers: PREFLIGHT });
    expect(malformed.status).toBe(400);
    const unknown = await fetch(`${server.url}${SERVER_TIME}&operationName=Nope`, { headers: PREFLIGHT });
    expect(unknown.status).toBe(400);
  });
  test('a WebSocket handshake (a subscriptions client) is told WebSocket is not served, not refused as CSRF; a signed one is retired', async () => {
    const handshake = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-protocol': 'graphql-transport-ws' };
    const refused = await rawRequest(`${server.url}/graphql`, 'GET', handshake);
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body)).toEqual({ errors: [{ message: expect.stringContaining('WebSocket is not served'), extensions: { code: 'BAD_REQUEST', retryable: false, requestId: expect.any(String) } }] });
    // Before, Apollo's answer: its CSRF refusal.
    expect(refused.body).not.toMatch(/CSRF/i);
    // The same with other cases and a list (RFC 9110 §7.8).
    expect((await rawRequest(`${server.url}/graphql`, 'GET', { ...handshake, upgrade: 'h2c, WebSocket' })).status).toBe(400);

    // Signed: refused the same way, and the same bytes without Upgrade (it is not signed) never run.
    const query = `query=${encodeURIComponent('{ serverTime }')}`;
    const signed = signRequest(nodeCrypto, { method: 'GET', authority: server.authority, path: '/graphql', query, body: '', keyId: key.keyId, algorithm: key.algorithm, privateKey: key.privateKey, secret: key.secret });
    const signedHandshake = await rawRequest(`${server.url}/graphql?${query}`, 'GET', { ...signed.headers, ...handshake });
    expect(signedHandshake.status).toBe(400);
    const replayed = await rawRequest(`${server.url}/graphql?${query}`, 'GET', { ...signed.headers });
    expect(replayed.status).toBe(401);
    expect(JSON.parse(replayed.body).errors[0].extensions.reason).toBe('NONCE_REUSED');
  });
  test('a mutation over GET is Apollo\'s 405 BAD_REQUEST with Allow: POST, the one method that may carry it (as the README says)', async () => {
    const res = await rawRequest(`${server.url}/graphql?query=${encodeURIComponent('mutation { cancelAllOrders { orders { id } } }')}`, 'GET', PREFLIGHT);
    expect({ status: res.status, allow: res.headers.allow, code: JSON.parse(res.body).errors[0].extensions.code }).toEqual({ status: 405, allow: 'POST', code: 'BAD_REQUEST' });
  });
});
