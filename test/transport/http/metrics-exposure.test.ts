import { parseConfig } from '../../../src/config';
import type { DomainServices } from '../../../src/domain';
import type { ClientAddressOptions } from '../../../src/transport/http/client-address';
import { createSignetServer, type SignetServer } from '../../../src/transport/http/create-signet-server';
import { createMetrics } from '../../../src/metrics';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { directiveDepsFor } from '../../helpers/directives';
import { servicesFor } from '../../helpers/domain';
import { silentLogger } from '../../helpers/logger';
import { memoryStores } from '../../helpers/signet-server';

const NO_PROXY: ClientAddressOptions = { trustProxy: { kind: 'none' }, ipv6LimitPrefix: 64 };
/** The test plays the proxy on 127.0.0.1. */
const BEHIND_PROXY: ClientAddressOptions = { trustProxy: { kind: 'ranges', ranges: ['127.0.0.1'] }, ipv6LimitPrefix: 64 };

/** A started server: its public URL and the server, to reach the operator listener and close both. */
interface Started { readonly url: string; readonly server: SignetServer }

describe('GET /metrics exposure', () => {
  let db: TestDatabase;
  let services: DomainServices;
  const started: SignetServer[] = [];

  beforeAll(async () => {
    db = await openPgliteDatabase();
    services = servicesFor(db.driver);
  });
  afterEach(async () => {
    for (const server of started.splice(0)) await server.close();
  });
  afterAll(async () => db?.close());

  /** A server built from `env` as `signet serve` would (process metrics included), on 127.0.0.1:0. */
  async function start(env: Record<string, string>, clientAddress: ClientAddressOptions = NO_PROXY): Promise<Started> {
    const config = parseConfig(env, '/srv/signet');
    const security = memoryStores();
    const metrics = createMetrics({ defaultMetrics: true });
    const server = await createSignetServer({
      services, security, directives: directiveDepsFor(services, { security, metrics }), logger: silentLogger, metrics, readiness: [],
      introspection: false, development: false, publicUrl: null, publicAuthorities: [], signatureMaxAgeSeconds: 30, clientAddress, metricsExposure: config.metrics,
    });
    started.push(server);
    return { url: await server.app.listen({ host: '127.0.0.1', port: 0 }), server };
  }
  const scrape = (url: string, xff?: string) => fetch(`${url}/metrics`, { headers: xff ? { 'x-forwarded-for': xff } : {} });

  test('in production the public port answers 404 by default, exactly as for an unknown path', async () => {
    const { url } = await start({ NODE_ENV: 'production' });
    const res = await scrape(url);
    expect(res.status).toBe(404);
    const body = await res.json();
    expect(body.errors[0].extensions.code).toBe('NOT_FOUND');
    const unknown = await (await fetch(`${url}/no-such-path`)).json();
    expect({ ...body.errors[0], extensions: { ...body.errors[0].extensions, requestId: 'x' } })
      .toEqual({ ...unknown.errors[0], extensions: { ...unknown.errors[0].extensions, requestId: 'x' } });
  });

  test('the operator listener serves every metric, the runtime version included; the public port does not', async () => {
    const { url, server } = await start({ NODE_ENV: 'production', SIGNET_METRICS_LISTEN: '127.0.0.1:0' });
    const operations = await server.listenOperations();
    expect(operations).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await scrape(operations!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain('# TYPE signet_signature_checks_total counter');
    expect(text).toMatch(/^nodejs_version_info\{version="v\d+\.\d+\.\d+"/m);
    expect(text).toContain('process_resident_memory_bytes');
    // Nothing else lives there, and the public port still hides /metrics.
    expect((await fetch(`${operations}/graphql`)).status).toBe(404);
    expect((await scrape(url)).status).toBe(404);
  });

  test('the operator listener closes with the server', async () => {
    const { server } = await start({ NODE_ENV: 'production', SIGNET_METRICS_LISTEN: '127.0.0.1:0' });
    const operations = (await server.listenOperations())!;
    expect((await scrape(operations)).status).toBe(200);
    await server.close();
    await expect(scrape(operations)).rejects.toThrow();
  });

  test('without SIGNET_METRICS_LISTEN there is no operator listener', async () => {
    const { server } = await start({ NODE_ENV: 'production' });
    expect(await server.listenOperations()).toBeNull();
  });

  test('outside production loopback clients may scrape the public port, without the runtime version', async () => {
    const { url } = await start({});
    const res = await scrape(url);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('signet_rate_limited_total');
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).not.toContain('nodejs_version_info');
    expect(text).not.toContain(process.version);
  });

  test('an allowlist is matched on the canonical client address, never on a spoofed entry or the proxy', async () => {
    const { url } = await start({ NODE_ENV: 'production', SIGNET_METRICS_ALLOW: '203.0.113.0/24' }, BEHIND_PROXY);
    expect((await scrape(url, '203.0.113.5')).status).toBe(200);
    expect((await scrape(url, '::ffff:203.0.113.9')).status).toBe(200);
    // A client outside the list that writes an allowed address on the left is still outside it.
    expect((await scrape(url, '203.0.113.5, 198.51.100.7')).status).toBe(404);
    // The proxy's own address is not in the list.
    expect((await scrape(url)).status).toBe(404);
  });

  test('SIGNET_METRICS_ALLOW=none keeps /metrics off the public port outside production too', async () => {
    const { url } = await start({ SIGNET_METRICS_ALLOW: 'none' });
    expect((await scrape(url)).status).toBe(404);
  });
});
