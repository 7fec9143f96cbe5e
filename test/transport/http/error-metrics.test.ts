/**
 * `signet_graphql_errors_total{code}` counts every `errors` body by its codes, whoever wrote it:
 * the HTTP layer's refusals (401, 429, 503 before GraphQL), Apollo's answers (its own refusals
 * before any plugin runs included), and the raw-socket ones; each body once. Connection-level
 * refusals are also counted by status (`signet_http_client_errors_total`), and the server's own
 * body deadline is not a client's abort.
 */
import { connect } from 'node:net';
import { createMetrics, type SignetMetrics } from '../../../src/metrics';
import { buildSignetSchema } from '../../../src/transport/graphql/build-schema';
import { createHttpServer } from '../../../src/transport/http/create-http-server';
import { directiveDepsFor } from '../../helpers/directives';
import { silentLogger } from '../../helpers/logger';
import { memoryStores, openSigningAccount, signedRequest, startSignet, type RunningSignet, type SigningAccount } from '../../helpers/signet-server';

/** A counter's values by one label, read from the registry (a scrape would spend the per-IP limit). */
async function byLabel(metrics: SignetMetrics, name: 'graphqlErrors' | 'httpClientErrors' | 'httpRequestsAborted', label: string): Promise<Record<string, number>> {
  const values = (await metrics[name].get()).values;
  return Object.fromEntries(values.map((v) => [String(v.labels[label as never]), v.value]));
}

/** Sends raw bytes and resolves with everything the server answers before it closes the connection. */
function raw(url: string, bytes: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(bytes));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d) => (text += d));
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
  });
}

describe('every error body is counted once by its code', () => {
  let account: SigningAccount;
  let server: RunningSignet;
  beforeAll(async () => {
    account = await openSigningAccount({ USD: '10' }, 'error-metrics');
    server = await startSignet(account.services, memoryStores(), { requestLimits: { perIp: { max: 6, windowMs: 60_000 }, perAccount: { max: 1000, windowMs: 60_000 } } });
  });
  afterAll(async () => {
    await server?.close();
    await account?.db.close();
  });

  test('refusals of the HTTP layer, Apollo\'s own and the raw socket\'s are counted; an executed error once', async () => {
    const graphql = (body: unknown, headers: Record<string, string> = {}) => fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    // 401 from the signature check (the HTTP layer).
    expect((await signedRequest(server, account.key, { query: '{ me { id } }' }, { sign: { body: JSON.stringify({ query: '{ serverTime }' }) } })).status).toBe(401);
    // 503 from the signature check: the key store is down.
    const spy = jest.spyOn(account.services.apiKeys, 'loadVerificationMaterial').mockRejectedValueOnce(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    expect((await signedRequest(server, account.key, { query: '{ me { id } }' })).status).toBe(503);
    spy.mockRestore();
    // Apollo's CSRF refusal: written before any plugin runs.
    expect((await fetch(`${server.url}/graphql?query=%7BserverTime%7D`)).status).toBe(400);
    // An error from execution: once, not once per layer it passed.
    expect((await graphql({ query: 'mutation { cancelOrder(id: "00000000-0000-4000-8000-000000000000") { userErrors { code } } }' })).status).toBe(200);
    // A head over Node's limit: 431 on the raw socket.
    expect(await raw(server.url, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431/);
    // Over the per-IP limit (6 a minute): 429 from the HTTP layer.
    let status = 0;
    for (let i = 0; i < 6 && status !== 429; i += 1) status = (await graphql({ query: '{ serverTime }' })).status;
    expect(status).toBe(429);
    expect(await byLabel(server.metrics, 'graphqlErrors', 'code')).toEqual({ UNAUTHENTICATED: 2, SERVICE_UNAVAILABLE: 1, BAD_REQUEST: 2, RATE_LIMITED: 1 });
    expect(await byLabel(server.metrics, 'httpClientErrors', 'status')).toEqual({ 431: 1 });
  });
});

test('the server\'s own body deadline is a 408 counted by status, not a client abort', async () => {
  const account = await openSigningAccount({ USD: '1' }, 'error-metrics-deadline');
  const metrics = createMetrics();
  const app = await createHttpServer({
    schema: buildSignetSchema(), services: account.services, logger: silentLogger, introspection: false, development: false, readiness: [],
    directives: directiveDepsFor(account.services), metrics, httpTimeouts: { requestMs: 300, connectionMs: 20_000, checkIntervalMs: 50 },
  });
  try {
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    // Headers whole, half the body, then nothing.
    const answer = await raw(url, 'POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":');
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await byLabel(metrics, 'httpClientErrors', 'status')).toEqual({ 408: 1 });
    expect(await byLabel(metrics, 'graphqlErrors', 'code')).toEqual({ REQUEST_TIMEOUT: 1 });
    expect(await byLabel(metrics, 'httpRequestsAborted', 'route')).toEqual({});
  } finally {
    await app.close();
    await account.db.close();
  }
});
