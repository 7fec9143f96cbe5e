/**
 * The refusals written on the raw socket, before Fastify has a request (408, 414, 431, 400), are
 * answers like any other: a Date header (RFC 9110 §6.6.1), Signet's error body, and a request
 * target too long by itself gets 414, which tells a GET client to use POST.
 */
import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildSignetSchema } from '../../../src/transport/graphql/build-schema';
import { createHttpServer } from '../../../src/transport/http/create-http-server';
import type { TestDatabase } from '../../helpers/database';
import { directiveDepsFor } from '../../helpers/directives';
import { silentLogger } from '../../helpers/logger';
import { openSigningAccount } from '../../helpers/signet-server';

/** Writes `text` on a new connection and resolves with everything received until the server closes it. */
function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    socket.setEncoding('utf8');
    socket.on('data', (d) => (received += d));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

/** Status, the Date header and the error code of a raw answer. */
function parse(text: string) {
  const [head, body] = text.split('\r\n\r\n');
  const date = /\r\nDate: ([^\r]+)\r\n/i.exec(head)?.[1];
  return { status: Number(head.slice(9, 12)), date: date === undefined ? undefined : Date.parse(date), code: JSON.parse(body).errors[0].extensions.code as string };
}

describe('raw-socket refusals', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let port: number;
  beforeAll(async () => {
    const account = await openSigningAccount({}, 'raw');
    db = account.db;
    app = await createHttpServer({
      schema: buildSignetSchema(), services: account.services, logger: silentLogger, introspection: false, development: false, readiness: [],
      directives: directiveDepsFor(account.services), httpTimeouts: { requestMs: 300, connectionMs: 1_000, checkIntervalMs: 50 },
    });
    port = Number(new URL(await app.listen({ host: '127.0.0.1', port: 0 })).port);
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  test.each([
    ['a body that never arrives', 408, 'REQUEST_TIMEOUT', 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":'],
    ['a header field over the limit', 431, 'BAD_REQUEST', `GET /graphql HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`],
    ['garbled HTTP', 400, 'BAD_REQUEST', 'NOT HTTP AT ALL\r\n\r\n'],
    ['a request target over the limit by itself (a long GET query)', 414, 'BAD_REQUEST', `GET /graphql?query=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`],
  ])('%s: %i %s with a Date header', async (_name, status, code, request) => {
    const before = Date.now();
    const answer = parse(await exchange(port, request));
    expect({ status: answer.status, code: answer.code }).toEqual({ status, code });
    // Date has one-second resolution.
    expect(answer.date).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(answer.date).toBeLessThanOrEqual(Date.now());
  });

  test.each([
    ['a Host that is no host', 'POST /graphql HTTP/1.1\r\nHost: a b\r\n'],
    ['a Host that is a lone bracket', 'POST /graphql HTTP/1.1\r\nHost: [\r\n'],
    ['an empty Host', 'POST /graphql HTTP/1.1\r\nHost:\r\n'],
    ['HTTP/1.0 without a Host', 'POST /graphql HTTP/1.0\r\n'],
  ])('%s: the query is answered, not a 500 (Apollo built a URL from it and threw)', async (_name, head) => {
    const body = '{"query":"{ serverTime }"}';
    const answer = await exchange(port, `${head}Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    expect(answer.slice(9, 12)).toBe('200');
    expect(answer).toContain('"serverTime"');
  });

  describe('Expect: 100-continue (RFC 9110 §10.1.1)', () => {
    test('a body declared over the limit is not invited: the answer is 413 at once, never 100 Continue (Java client review)', async () => {
      // The client waits for 100 before sending its body: nothing more is written.
      const answer = await exchange(port, 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 70000\r\nExpect: 100-continue\r\n\r\n');
      expect(answer).not.toContain('100 Continue');
      expect(parse(answer)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    });

    test('a body within the limit is invited with 100 Continue, then answered', async () => {
      const body = '{"query":"{ serverTime }"}';
      const answer = await new Promise<string>((resolve, reject) => {
        let received = '';
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(`POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`);
        });
        socket.setEncoding('utf8');
        socket.on('data', (d) => {
          const invited = !received.includes('100 Continue');
          received += d;
          if (invited && received.includes('100 Continue')) socket.write(body);
        });
        socket.on('error', reject);
        socket.on('close', () => resolve(received));
      });
      expect(answer.startsWith('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200')).toBe(true);
      expect(answer).toContain('"serverTime"');
    });
  });

  test('a long target plus headers that only together pass the limit stays 431 (the headers are what to cut)', async () => {
    const answer = parse(await exchange(port, `GET /graphql?query=${'a'.repeat(9_000)} HTTP/1.1\r\nHost: x\r\nX-Pad: ${'b'.repeat(9_000)}\r\n\r\n`));
    expect(answer.status).toBe(431);
  });
});
