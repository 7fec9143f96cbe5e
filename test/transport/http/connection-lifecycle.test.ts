import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { DomainServices } from '../../../src/domain';
import { createMetrics } from '../../../src/metrics';
import { buildSignetSchema } from '../../../src/transport/graphql/build-schema';
import { createHttpServer } from '../../../src/transport/http/create-http-server';
import { createMetricsListener } from '../../../src/transport/http/metrics-routes';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { directiveDepsFor } from '../../helpers/directives';
import { servicesFor } from '../../helpers/domain';
import { silentLogger } from '../../helpers/logger';

/** A keep-alive client on a raw socket: what it received, and when the server closed the connection. */
interface RawClient { received(): string; closed: Promise<number>; write(text: string): void; destroy(): void }

function rawClient(port: number): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let text = '';
    const socket = connect(port, '127.0.0.1', () => resolve({
      received: () => text,
      closed: new Promise<number>((done) => socket.once('close', () => done(Date.now() - started))),
      write: (chunk) => socket.write(chunk),
      destroy: () => socket.destroy(),
    }));
    socket.setEncoding('utf8');
    socket.on('data', (d) => (text += d));
    socket.once('error', reject);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const portOf = (url: string) => Number(new URL(url).port);

describe('HTTP connections', () => {
  let db: TestDatabase;
  let services: DomainServices;
  const apps: FastifyInstance[] = [];
  const clients: RawClient[] = [];
  const start = async (httpTimeouts?: { connectionMs: number }) => {
    const app = await createHttpServer({
      schema: buildSignetSchema(), services, logger: silentLogger, introspection: false, development: false, readiness: [],
      directives: directiveDepsFor(services), httpTimeouts,
    });
    // A handler that takes a while, standing in for a slow resolver.
    app.get('/slow', async () => {
      await sleep(500);
      return { ok: true };
    });
    apps.push(app);
    return { app, port: portOf(await app.listen({ host: '127.0.0.1', port: 0 })) };
  };
  const client = async (port: number) => {
    const c = await rawClient(port);
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    db = await openPgliteDatabase();
    services = servicesFor(db.driver);
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  afterAll(async () => {
    await db?.close();
  });

  test('a keep-alive connection idle after its response is closed after 30 s, as a stalled one is (not Fastify\'s 72 s)', async () => {
    const { port } = await start();
    const c = await client(port);
    c.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(200);
    expect(c.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(c.received()).toMatch(/\r\nkeep-alive: timeout=30\r\n/i);
  });

  test('the idle timeout is the connection timeout: a shorter one closes an idle keep-alive connection that soon', async () => {
    const { port } = await start({ connectionMs: 1_000 });
    const c = await client(port);
    c.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const closedAfterMs = await c.closed;
    expect(c.received()).toMatch(/\r\nkeep-alive: timeout=1\r\n/i);
    expect(closedAfterMs).toBeGreaterThanOrEqual(900);
    expect(closedAfterMs).toBeLessThan(5_000);
  });

  test('close() answers the request in flight with Connection: close and returns without waiting for the keep-alive client to leave', async () => {
    const { app, port } = await start();
    const c = await client(port);
    c.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(100);
    const closing = Date.now();
    await app.close();
    const closeMs = Date.now() - closing;
    await c.closed;
    expect(c.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(c.received()).toMatch(/\r\nconnection: close\r\n/i);
    expect(closeMs).toBeLessThan(3_000);
  });

  test('close() also closes a keep-alive connection that was idle when it began', async () => {
    const { app, port } = await start();
    const c = await client(port);
    c.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(200);
    await app.close();
    await c.closed;
  });

  test('the operator listener closes the same way and starts without a deprecation warning', async () => {
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const app = createMetricsListener(createMetrics(), silentLogger);
      apps.push(app);
      const port = portOf(await app.listen({ host: '127.0.0.1', port: 0 }));
      expect(emitWarning).not.toHaveBeenCalled();
      const c = await client(port);
      c.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
      await sleep(300);
      const closing = Date.now();
      await app.close();
      await c.closed;
      expect(Date.now() - closing).toBeLessThan(3_000);
    } finally {
      emitWarning.mockRestore();
    }
  });
});
