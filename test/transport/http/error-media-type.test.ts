/**
 * Every answer with a GraphQL `errors` body is in the media type the client asked for: whole-request
 * refusals of the HTTP layer, raw-socket 408s and refusals from inside GraphQL (admission) alike.
 */
import { connect } from 'node:net';
import type { DomainServices } from '../../../src/domain';
import { createSequentialAdmissionStore } from '../../../src/transport/admission';
import { buildSignetSchema } from '../../../src/transport/graphql/build-schema';
import { createHttpServer } from '../../../src/transport/http/create-http-server';
import { APPLICATION_JSON, GRAPHQL_RESPONSE_JSON, errorMediaType, negotiateGraphQLMediaType } from '../../../src/transport/http/error-media-type';
import type { SecurityStores } from '../../../src/transport/security-stores';
import type { TestDatabase } from '../../helpers/database';
import { directiveDepsFor } from '../../helpers/directives';
import { silentLogger } from '../../helpers/logger';
import { createTestKey, memoryStores, openSigningAccount, signedRequest, startSignet, type RunningSignet, type TestKey } from '../../helpers/signet-server';

/** What Apollo Client 4 and graphql-request 7 send, and what a legacy client sends. */
const ACCEPTS = [
  ['application/graphql-response+json,application/json;q=0.9', GRAPHQL_RESPONSE_JSON],
  ['application/json', APPLICATION_JSON],
] as const;
const ME = { query: '{ me { id } }' };

describe('the media type of an errors body follows Accept', () => {
  test.each([
    [undefined, APPLICATION_JSON],
    ['*/*', APPLICATION_JSON],
    ['application/graphql-response+json, application/json', GRAPHQL_RESPONSE_JSON],
    ['application/json, application/graphql-response+json', APPLICATION_JSON],
    ['application/graphql-response+json;q=0.5, application/json', APPLICATION_JSON],
    ['application/*, application/graphql-response+json', GRAPHQL_RESPONSE_JSON],
    ['application/json;q=0, */*', GRAPHQL_RESPONSE_JSON],
    ['text/html', null],
  ])('Accept %s negotiates %s', (accept, expected) => {
    expect(negotiateGraphQLMediaType(accept)).toBe(expected);
    // A refusal is never a 406: a client that accepts neither still gets application/json.
    expect(errorMediaType(accept)).toBe(expected ?? APPLICATION_JSON);
  });
});

describe.each(ACCEPTS)('whole-request errors for Accept: %s', (accept, expected) => {
  let db: TestDatabase;
  let services: DomainServices;
  let accountId: string;
  let key: TestKey;
  let server: RunningSignet;
  beforeAll(async () => {
    ({ db, services, accountId, key } = await openSigningAccount({ USD: '10' }, 'media'));
    server = await startSignet(services, memoryStores());
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  const expectErrorBody = (res: { status: number; headers: Headers; json: any }, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe(expected);
    expect(res.json.errors[0].extensions).toMatchObject({ code });
  };

  test('401 for a signature that does not verify', async () => {
    const other = await createTestKey(services, accountId);
    expectErrorBody(await signedRequest(server, key, ME, { sign: { privateKey: other.privateKey }, headers: { accept } }), 401, 'UNAUTHENTICATED');
  });

  test('401 NONCE_REUSED, refused inside GraphQL by the admission', async () => {
    const first = await signedRequest(server, key, ME);
    const replay = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept, ...first.signed.headers }, body: JSON.stringify(ME) });
    expectErrorBody({ status: replay.status, headers: replay.headers, json: await replay.json() }, 401, 'UNAUTHENTICATED');
  });

  test('400 for a malformed body, 404 for an unknown path, 413 for a body over the limit', async () => {
    const post = async (path: string, body: string) => {
      const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body });
      return { status: res.status, headers: res.headers, json: await res.json() };
    };
    expectErrorBody(await post('/graphql', '{"query":'), 400, 'BAD_REQUEST');
    expectErrorBody(await post('/nowhere', '{}'), 404, 'NOT_FOUND');
    expectErrorBody(await post('/graphql', JSON.stringify({ query: `{ markets { symbol } } #${'x'.repeat(70_000)}` })), 413, 'PAYLOAD_TOO_LARGE');
  });

  test("Apollo's own refusals agree: an unsigned GET without a preflight header (CSRF), a mutation over GET", async () => {
    const get = async (query: string, headers: Record<string, string> = {}) => {
      const res = await fetch(`${server.url}/graphql?query=${encodeURIComponent(query)}`, { headers: { accept, ...headers } });
      return { status: res.status, headers: res.headers, json: await res.json() };
    };
    expectErrorBody(await get('{ markets { symbol } }'), 400, 'BAD_REQUEST');
    expectErrorBody(await get('mutation { cancelOrder(id: "x") { order { id } } }', { 'apollo-require-preflight': 'true' }), 405, 'BAD_REQUEST');
  });

  test('400 for a forwarded client address that is not an IP address', async () => {
    const proxied = await startSignet(services, memoryStores(), { clientAddress: { trustProxy: { kind: 'hops', hops: 1 }, ipv6LimitPrefix: 64 } });
    try {
      const res = await fetch(`${proxied.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept, 'x-forwarded-for': 'junk' }, body: JSON.stringify({ query: '{ serverTime }' }) });
      expectErrorBody({ status: res.status, headers: res.headers, json: await res.json() }, 400, 'BAD_REQUEST');
    } finally {
      await proxied.close();
    }
  });

  test('429 when an address is over its request limit', async () => {
    const limited = await startSignet(services, memoryStores(), { requestLimits: { perIp: { max: 1, windowMs: 60_000 }, perAccount: { max: 100, windowMs: 60_000 } } });
    try {
      const send = async () => {
        const res = await fetch(`${limited.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify({ query: '{ markets { symbol } }' }) });
        return { status: res.status, headers: res.headers, json: await res.json() };
      };
      expect((await send()).status).toBe(200);
      expectErrorBody(await send(), 429, 'RATE_LIMITED');
    } finally {
      await limited.close();
    }
  });

  test('503 when signature verification or the admission store is unavailable', async () => {
    const lookups = jest.spyOn(services.apiKeys, 'loadVerificationMaterial').mockRejectedValueOnce(new Error('connection lost'));
    expectErrorBody(await signedRequest(server, key, ME, { headers: { accept } }), 503, 'SERVICE_UNAVAILABLE');
    lookups.mockRestore();
    const parts = { ...memoryStores(), nonces: { claim: async () => { throw new Error('ECONNREFUSED'); }, open: async () => undefined, supersede: async () => undefined } };
    const broken = await startSignet(services, { ...parts, admission: createSequentialAdmissionStore(parts) } as SecurityStores);
    try {
      expectErrorBody(await signedRequest(broken, key, ME, { headers: { accept } }), 503, 'SERVICE_UNAVAILABLE');
    } finally {
      await broken.close();
    }
  });

  test('408 when the body does not arrive in time (a raw socket answer)', async () => {
    const app = await createHttpServer({
      schema: buildSignetSchema(), services, logger: silentLogger, introspection: true, development: false, readiness: [],
      directives: directiveDepsFor(services), httpTimeouts: { requestMs: 300, connectionMs: 1_000, checkIntervalMs: 50 },
    });
    try {
      const port = Number(new URL(await app.listen({ host: '127.0.0.1', port: 0 })).port);
      const text = await new Promise<string>((resolve, reject) => {
        let received = '';
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(`POST /graphql HTTP/1.1\r\nHost: x\r\nAccept: ${accept}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":`);
        });
        socket.setEncoding('utf8');
        socket.on('data', (d) => (received += d));
        socket.on('error', reject);
        socket.on('close', () => resolve(received));
      });
      expect(text).toMatch(/^HTTP\/1\.1 408 /);
      expect(text).toContain(`Content-Type: ${expected}\r\n`);
    } finally {
      await app.close();
    }
  });
});
