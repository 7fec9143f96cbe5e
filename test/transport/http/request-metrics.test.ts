import { connect } from 'node:net';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { servicesFor } from '../../helpers/domain';
import { eventually } from '../../helpers/eventually';
import { memoryStores, startSignet, type RunningSignet } from '../../helpers/signet-server';

/** The value of one series in a Prometheus text exposition, or undefined when it is absent. */
function series(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('request and GraphQL metrics', () => {
  let db: TestDatabase;
  let server: RunningSignet;
  let url: string;

  beforeAll(async () => {
    db = await openPgliteDatabase();
    // As `signet serve` outside production: loopback clients scrape /metrics on the public port.
    server = await startSignet(servicesFor(db.driver), memoryStores());
    url = server.url;
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  const scrape = async () => (await fetch(`${url}/metrics`)).text();
  const graphql = (body: unknown) => fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  test('every answered request is observed by method, route pattern and status, never by the path a client sent', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/no-such/path-4711`)).status).toBe(404);
    expect((await fetch(`${url}/graphql`, { method: 'DELETE' })).status).toBe(405);
    expect((await graphql({ query: '{ serverTime }' })).status).toBe(200);
    const text = await scrape();
    expect(series(text, 'signet_http_request_duration_seconds_count', 'method="GET",route="/healthz",status="200"')).toBe(2);
    expect(series(text, 'signet_http_request_duration_seconds_count', 'method="GET",route="unmatched",status="404"')).toBe(1);
    expect(series(text, 'signet_http_request_duration_seconds_count', 'method="DELETE",route="/graphql",status="405"')).toBe(1);
    expect(series(text, 'signet_http_request_duration_seconds_count', 'method="POST",route="/graphql",status="200"')).toBe(1);
    // Latency lands in buckets: the +Inf bucket holds every observation.
    expect(series(text, 'signet_http_request_duration_seconds_bucket', 'le="+Inf",method="GET",route="/healthz",status="200"')).toBe(2);
    expect(text).not.toContain('path-4711');
  });

  test('operations count by root field under its schema name (aliases and fragments followed), errors by code', async () => {
    const before = await scrape();
    const count = (text: string, name: string, labels: string) => series(text, name, labels) ?? 0;
    await graphql({ query: 'query { a: serverTime b: serverTime ...M } fragment M on Query { markets { symbol } }' });
    await graphql({ query: '{ serverTime' });
    await graphql({ query: '{ noSuchField }' });
    // A mutation without a signature is refused by @signed in execution: its error is counted too.
    await graphql({ query: 'mutation { cancelOrder(id: "00000000-0000-4000-8000-000000000000") { userErrors { code } } }' });
    const after = await scrape();
    const delta = (name: string, labels: string) => count(after, name, labels) - count(before, name, labels);
    expect(delta('signet_graphql_operations_total', 'type="query",field="serverTime"')).toBe(1);
    expect(delta('signet_graphql_operations_total', 'type="query",field="markets"')).toBe(1);
    expect(delta('signet_graphql_operations_total', 'type="mutation",field="cancelOrder"')).toBe(1);
    expect(after).not.toMatch(/field="[ab]"/);
    expect(after).not.toContain('noSuchField');
    expect(delta('signet_graphql_errors_total', 'code="GRAPHQL_PARSE_FAILED"')).toBe(1);
    expect(delta('signet_graphql_errors_total', 'code="GRAPHQL_VALIDATION_FAILED"')).toBe(1);
    expect(delta('signet_graphql_errors_total', 'code="UNAUTHENTICATED"')).toBe(1);
  });

  test('a request its client abandons counts as aborted under its route', async () => {
    const { port } = new URL(url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    // Half a body, then gone: no answer is ever sent.
    socket.write('POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":');
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    await eventually(async () => expect(series(await scrape(), 'signet_http_requests_aborted_total', 'route="/graphql"')).toBe(1), 5000);
  });
});
