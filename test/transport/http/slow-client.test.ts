import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { DomainServices } from '../../../src/domain';
import { buildSignetSchema } from '../../../src/transport/graphql/build-schema';
import { createHttpServer } from '../../../src/transport/http/create-http-server';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { directiveDepsFor } from '../../helpers/directives';
import { servicesFor } from '../../helpers/domain';
import { silentLogger } from '../../helpers/logger';

/** Short deadlines so the test waits well under a second for each. */
const TIMEOUTS = { requestMs: 300, connectionMs: 1_000, checkIntervalMs: 50 };

/** Writes `chunks` on a raw socket and collects everything the server sends until it closes the connection. */
function rawExchange(port: number, chunks: string[]): Promise<{ text: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1', () => {
      for (const c of chunks) socket.write(c);
    });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d) => (text += d));
    socket.on('error', reject);
    socket.on('close', () => resolve({ text, closedAfterMs: Date.now() - started }));
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open; received: ${text.slice(0, 200)}`));
    }, 5_000).unref();
  });
}

/** The JSON body of a raw HTTP response. */
const bodyOf = (text: string) => JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));

describe('slow and broken clients meet a deadline and a structured error', () => {
  let db: TestDatabase;
  let services: DomainServices;
  let app: FastifyInstance;
  let port: number;
  beforeAll(async () => {
    db = await openPgliteDatabase();
    services = servicesFor(db.driver);
    app = await createHttpServer({
      schema: buildSignetSchema(), services, logger: silentLogger, introspection: true, development: false, readiness: [],
      directives: directiveDepsFor(services), httpTimeouts: TIMEOUTS,
    });
    port = new URL(await app.listen({ host: '127.0.0.1', port: 0 })).port as unknown as number;
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  test('a body that stalls half-way gets 408 REQUEST_TIMEOUT (retryable) and the connection closes', async () => {
    const { text, closedAfterMs } = await rawExchange(port, [
      'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n', '{"query":',
    ]);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(bodyOf(text).errors[0].extensions).toMatchObject({ code: 'REQUEST_TIMEOUT', retryable: true, requestId: expect.any(String) });
    expect(closedAfterMs).toBeLessThan(TIMEOUTS.requestMs + 700);
  });

  test('headers that never finish get 408 too (slowloris)', async () => {
    const { text } = await rawExchange(port, ['POST /graphql HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n']);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(bodyOf(text).errors[0].extensions.code).toBe('REQUEST_TIMEOUT');
  });

  test('a garbled request line gets 400 BAD_REQUEST in the usual JSON shape', async () => {
    const { text } = await rawExchange(port, ['NOT HTTP AT ALL\r\n\r\n']);
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(bodyOf(text).errors[0]).toMatchObject({ message: 'Malformed HTTP request.', extensions: { code: 'BAD_REQUEST', retryable: false } });
  });

  test('a connection that sends nothing at all is answered 408 and closed at the request deadline', async () => {
    const { text, closedAfterMs } = await rawExchange(port, []);
    expect(bodyOf(text).errors[0].extensions.code).toBe('REQUEST_TIMEOUT');
    expect(closedAfterMs).toBeLessThan(TIMEOUTS.requestMs + 700);
  });

  test('a body dripped slowly is cut off at its deadline even though bytes keep coming', async () => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    socket.write('POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n');
    const drip = setInterval(() => socket.writable && socket.write(' '), 50);
    let text = '';
    socket.on('data', (d) => (text += d));
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.on('close', resolve));
    clearInterval(drip);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - started).toBeLessThan(TIMEOUTS.requestMs + 700);
  });

  test('a request that arrives in time is served normally', async () => {
    const body = JSON.stringify({ query: '{ serverTime }' });
    const { text } = await rawExchange(port, [
      `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`, body,
    ]);
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(bodyOf(text).data.serverTime).toEqual(expect.any(String));
  });
});
