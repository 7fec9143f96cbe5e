import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { DomainServices } from '../../../src/domain';
import { buildSignetSchema } from '../../../src/transport/graphql/build-schema';
import { createHttpServer } from '../../../src/transport/http/create-http-server';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { directiveDepsFor } from '../../helpers/directives';
import { servicesFor } from '../../helpers/domain';
import { silentLogger } from '../../helpers/logger';

/**
 * A short request deadline, so each test waits a fraction of a second for it, and a connection
 * deadline far from it: a connection closed before GIVE_UP_MS was closed by the request deadline
 * (which also writes the 408), never by the idle one, however loaded the machine.
 */
const TIMEOUTS = { requestMs: 300, connectionMs: 20_000, checkIntervalMs: 50 };
const GIVE_UP_MS = TIMEOUTS.connectionMs / 2;

/**
 * Writes `chunks` on a raw socket (then `drip`, if given, keeps sending) and collects everything
 * the server sends until it closes the connection; fails if it is still open at GIVE_UP_MS.
 */
function rawExchange(port: number, chunks: string[], drip?: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      for (const c of chunks) socket.write(c);
    });
    const dripping = drip && setInterval(() => socket.writable && socket.write(drip()), 50);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d) => (text += d));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A server that closes while a dripped byte is in flight resets the connection.
      if (!drip || error.code !== 'ECONNRESET') reject(error);
    });
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open; received: ${text.slice(0, 200)}`));
    }, GIVE_UP_MS);
    giveUp.unref();
    socket.on('close', () => {
      clearTimeout(giveUp);
      if (dripping) clearInterval(dripping);
      resolve(text);
    });
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
    const text = await rawExchange(port, [
      'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n', '{"query":',
    ]);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(bodyOf(text).errors[0].extensions).toMatchObject({ code: 'REQUEST_TIMEOUT', retryable: true, requestId: expect.any(String) });
  });

  test('headers that never finish get 408 too (slowloris)', async () => {
    const text = await rawExchange(port, ['POST /graphql HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n']);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(bodyOf(text).errors[0].extensions.code).toBe('REQUEST_TIMEOUT');
  });

  test('a garbled request line gets 400 BAD_REQUEST in the usual JSON shape', async () => {
    const text = await rawExchange(port, ['NOT HTTP AT ALL\r\n\r\n']);
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(bodyOf(text).errors[0]).toMatchObject({ message: 'Malformed HTTP request.', extensions: { code: 'BAD_REQUEST', retryable: false } });
  });

  test('a connection that sends nothing at all is answered 408 and closed at the request deadline', async () => {
    const text = await rawExchange(port, []);
    expect(bodyOf(text).errors[0].extensions.code).toBe('REQUEST_TIMEOUT');
  });

  test('a body dripped slowly is cut off at its deadline even though bytes keep coming', async () => {
    // 1,000 bytes at one per 50 ms would take 50 s: the connection is never idle, and the body never completes in time.
    const text = await rawExchange(port, ['POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n'], () => ' ');
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(bodyOf(text).errors[0].extensions.code).toBe('REQUEST_TIMEOUT');
  });

  test('a request that arrives in time is served normally', async () => {
    const body = JSON.stringify({ query: '{ serverTime }' });
    const text = await rawExchange(port, [
      `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`, body,
    ]);
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(bodyOf(text).data.serverTime).toEqual(expect.any(String));
  });
});
