import { getIntrospectionQuery } from 'graphql';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { servicesFor } from '../../helpers/domain';
import { postGraphQL, startTestHttpServer, type TestHttpServer } from '../../helpers/http-server';
import type { DomainServices } from '../../../src/domain';
import { ERROR_CODES } from '../../../src/errors';

describe('HTTP transport', () => {
  let db: TestDatabase;
  let services: DomainServices;
  let server: TestHttpServer;
  beforeAll(async () => {
    db = await openPgliteDatabase();
    services = servicesFor(db.driver);
    server = await startTestHttpServer(services);
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  const codeOf = (json: any) => json?.errors?.[0]?.extensions?.code;

  test('public fields resolve over HTTP and private ones need a signature: no unauthenticated path to account data', async () => {
    const res = await postGraphQL(server.url, { query: '{ serverTime me { id balances { asset } } }' });
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual({ serverTime: expect.any(String), me: null });
    expect(codeOf(res.json)).toBe('UNAUTHENTICATED');
  });

  test('headers that look like identity are ignored', async () => {
    const res = await postGraphQL(server.url, { query: '{ me { id } }' }, { 'x-account-id': '00000000-0000-4000-8000-000000000001', authorization: 'Bearer x', 'x-principal': 'alice' });
    expect(res.json.data.me).toBeNull();
    expect(codeOf(res.json)).toBe('UNAUTHENTICATED');
  });

  test('a body over 64 KiB is rejected with 413 before parsing', async () => {
    const res = await postGraphQL(server.url, { query: '{ serverTime }', variables: { pad: 'x'.repeat(70 * 1024) } });
    expect(res.status).toBe(413);
    expect(codeOf(res.json)).toBe('PAYLOAD_TOO_LARGE');
    expect(res.json.errors[0].extensions.requestId).toEqual(res.headers.get('x-request-id'));
  });

  test('an automatic persisted query (hash only) is answered as ERRORS.md says: PERSISTED_QUERY_NOT_SUPPORTED, with the status the error table gives', async () => {
    const res = await postGraphQL(server.url, { extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } });
    expect(codeOf(res.json)).toBe('PERSISTED_QUERY_NOT_SUPPORTED');
    expect(res.status).toBe(ERROR_CODES.PERSISTED_QUERY_NOT_SUPPORTED.status);
  });

  test('batched (array) bodies are rejected', async () => {
    const res = await postGraphQL(server.url, [{ query: '{ serverTime }' }, { query: '{ serverTime }' }]);
    expect(res.status).toBe(400);
    expect(codeOf(res.json)).toBe('BAD_REQUEST');
  });

  test('malformed JSON is a 400 with a structured error', async () => {
    const res = await postGraphQL(server.url, '{"query": "{ serverTime }"');
    expect(res.status).toBe(400);
    expect(codeOf(res.json)).toBe('BAD_REQUEST');
    expect(res.text).not.toMatch(/Unexpected end|SyntaxError|at JSON/);
  });

  test('a prototype-poisoning body is refused', async () => {
    const res = await postGraphQL(server.url, '{"query": "{ serverTime }", "__proto__": {"admin": true}}');
    expect(res.status).toBe(400);
  });

  test('mutations over GET are 405', async () => {
    const query = encodeURIComponent('mutation { cancelOrder(id: "x") { userErrors { code } } }');
    const res = await fetch(`${server.url}/graphql?query=${query}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(405);
    expect(codeOf(await res.json())).toBe('BAD_REQUEST');
  });

  test('PUT, DELETE and PATCH on /graphql are 405 METHOD_NOT_ALLOWED with Allow, not 404', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const res = await fetch(`${server.url}/graphql`, { method });
      expect({ method, status: res.status, allow: res.headers.get('allow') }).toEqual({ method, status: 405, allow: 'GET, HEAD, POST, OPTIONS' });
      expect(codeOf(await res.json())).toBe('METHOD_NOT_ALLOWED');
    }
  });

  test('CSRF prevention: a simple GET request without a preflight header is refused', async () => {
    const res = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ serverTime }')}`);
    expect(res.status).toBe(400);
    expect(codeOf(await res.json())).toBe('BAD_REQUEST');
  });

  test('a text/plain POST (a CSRF-able simple request) is 415 like any body that is not JSON, signed or not (a signed one is never checked against no body)', async () => {
    const body = JSON.stringify({ query: '{ serverTime }' });
    const signed: Record<string, string> = { signature: 'sig1=:AAAA:', 'signature-input': 'sig1=("@method");created=1;keyid="key_x";nonce="nnnnnnnnnnnnnnnn"' };
    for (const headers of [{}, signed]) {
      const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'text/plain', ...headers }, body });
      expect(res.status).toBe(415);
      expect(codeOf(await res.json())).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
  });

  test('a compressed body (any Content-Encoding but identity) is 415: nothing here inflates it', async () => {
    const body = JSON.stringify({ query: '{ serverTime }' });
    for (const encoding of ['gzip', 'br', 'x-bogus']) {
      const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body });
      expect([encoding, res.status, codeOf(await res.json())]).toEqual([encoding, 415, 'UNSUPPORTED_MEDIA_TYPE']);
    }
    const plain = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'identity' }, body });
    expect(plain.status).toBe(200);
  });

  test('OPTIONS /graphql is 204 with Allow; a known path with another method is 405 with Allow, an unknown one 404', async () => {
    const options = await fetch(`${server.url}/graphql`, { method: 'OPTIONS' });
    expect([options.status, options.headers.get('allow')]).toEqual([204, 'GET, HEAD, POST, OPTIONS']);
    const health = await fetch(`${server.url}/healthz`, { method: 'POST' });
    expect([health.status, health.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    expect(codeOf(await health.json())).toBe('METHOD_NOT_ALLOWED');
    const missing = await fetch(`${server.url}/nowhere`, { method: 'POST' });
    expect(missing.status).toBe(404);
  });

  test('queries deeper than the limit are rejected before execution', async () => {
    const ok = await postGraphQL(server.url, { query: '{ me { orders { nodes { id } pageInfo { hasNextPage } } } }' });
    expect(ok.status).toBe(200);
    let nested = 'name';
    for (let i = 0; i < 8; i += 1) nested = `ofType { ${nested} }`;
    const tooDeep = `{ __type(name: "Query") { fields { type { ${nested} } } } }`;
    const res = await postGraphQL(server.url, { query: tooDeep });
    expect(res.status).toBe(400);
    expect(codeOf(res.json)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.json.errors[0].message).toMatch(/depth/i);
  });

  test('documents over the token limit are rejected by the parser', async () => {
    const res = await postGraphQL(server.url, { query: `{ ${'serverTime '.repeat(2100)} }` });
    expect(res.status).toBe(400);
    expect(codeOf(res.json)).toBe('GRAPHQL_PARSE_FAILED');
  });

  test('too many aliases are rejected', async () => {
    const aliases = Array.from({ length: 16 }, (_, i) => `t${i}: serverTime`).join(' ');
    const res = await postGraphQL(server.url, { query: `{ ${aliases} }` });
    expect(res.status).toBe(400);
    expect(res.json.errors[0].message).toMatch(/alias/i);
  });

  test('a document graphql-js stops validating (one field repeated hundreds of times) is refused with a message that says what to change', async () => {
    const res = await postGraphQL(server.url, { query: `{ ${'__typename '.repeat(750)}}` });
    expect(res.status).toBe(400);
    expect(res.json.errors).toEqual([expect.objectContaining({ message: expect.stringContaining('the same field many times'), extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }) })]);
  });

  test('queries over the cost budget are rejected', async () => {
    const fields = Array.from({ length: 14 }, (_, i) => `m${i}: markets { symbol baseAsset quoteAsset tickSize lotSize minQuantity maxQuantity maxPrice }`).join(' ');
    const res = await postGraphQL(server.url, { query: `{ ${fields} ${Array.from({ length: 14 }, (_, i) => `n${i}: me { orders(first: 100) { nodes { id price quantity status market side } } }`).join(' ')} }` });
    expect(res.status).toBe(400);
    expect(codeOf(res.json)).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  test('a well-formed client X-Request-Id is kept; a malformed one is replaced', async () => {
    const kept = await postGraphQL(server.url, { query: '{ me { id } }' }, { 'x-request-id': 'client-req-12345' });
    expect(kept.headers.get('x-request-id')).toBe('client-req-12345');
    expect(kept.json.errors[0].extensions.requestId).toBe('client-req-12345');
    const replaced = await postGraphQL(server.url, { query: '{ serverTime }' }, { 'x-request-id': 'bad id\twith tab' });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('parse errors keep their code and carry the request id', async () => {
    const res = await postGraphQL(server.url, { query: '{ serverTime ' });
    expect(res.status).toBe(400);
    expect(res.json.errors[0].extensions).toEqual({ code: 'GRAPHQL_PARSE_FAILED', retryable: false, requestId: res.headers.get('x-request-id') });
  });

  test('introspection returns the full schema', async () => {
    const res = await postGraphQL(server.url, { query: getIntrospectionQuery() });
    expect(res.status).toBe(200);
    const names = res.json.data.__schema.types.map((t: { name: string }) => t.name);
    expect(names).toEqual(expect.arrayContaining(['Query', 'Mutation', 'Account', 'Order', 'PlaceOrderPayload', 'UserError', 'Decimal']));
  });

  test('introspection can be switched off', async () => {
    const closed = await startTestHttpServer(services, { introspection: false });
    try {
      const res = await postGraphQL(closed.url, { query: getIntrospectionQuery() });
      expect(res.status).toBe(400);
      expect(codeOf(res.json)).toBe('GRAPHQL_VALIDATION_FAILED');
    } finally {
      await closed.close();
    }
  });

  test('health, readiness, landing page and unknown paths', async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const page = await fetch(`${server.url}/`);
    expect(await page.text()).toContain('/graphql');
    const missing = await fetch(`${server.url}/nope`);
    expect(missing.status).toBe(404);
    expect(codeOf(await missing.json())).toBe('NOT_FOUND');
  });

  test('/readyz is 503 while a dependency is unreachable', async () => {
    let up = false;
    const probe = await startTestHttpServer(services, { readiness: [{ name: 'database', check: async () => { if (!up) throw new Error('down'); } }] });
    try {
      const down = await fetch(`${probe.url}/readyz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ status: 'not ready', checks: { database: 'unavailable' } });
      up = true;
      expect((await fetch(`${probe.url}/readyz`)).status).toBe(200);
    } finally {
      await probe.close();
    }
  });
});
