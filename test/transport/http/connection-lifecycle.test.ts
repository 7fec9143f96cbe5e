import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DomainServices } from '../../../src/domain';
import { createMetrics } from '../../../src/metrics';
import { buildSignetSchema } from '../../../src/transport/graphql/build-schema';
import { createHttpServer } from '../../../src/transport/http/create-http-server';
import { HTTP_TIMEOUTS } from '../../../src/transport/http/client-errors';
import { createMetricsListener } from '../../../src/transport/http/metrics-routes';
import type { RequestLimiter } from '../../../src/transport/http/request-limits';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { directiveDepsFor } from '../../helpers/directives';
import { servicesFor } from '../../helpers/domain';
import { eventually } from '../../helpers/eventually';
import { silentLogger } from '../../helpers/logger';

/** A keep-alive client on a raw socket: what it received, and whether the server closed the connection. */
interface RawClient {
  received(): string;
  /** Resolves, with everything received, once what was received passes `done`. */
  until(done: (received: string) => boolean): Promise<string>;
  /** Resolves when the connection closes; the client itself never closes it before the test ends. */
  closed: Promise<void>;
  write(text: string): void;
  destroy(): void;
  /** The client side's port: the server's socket for this connection has it as its remote port. */
  readonly localPort: number;
}

function rawClient(port: number): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = connect(port, '127.0.0.1', () => resolve({
      received: () => text,
      until: (done) => new Promise<string>((resolveText) => {
        const check = () => {
          if (!done(text)) return;
          socket.off('data', check);
          resolveText(text);
        };
        socket.on('data', check);
        check();
      }),
      closed: new Promise<void>((done) => socket.once('close', () => done())),
      write: (chunk) => socket.write(chunk),
      destroy: () => socket.destroy(),
      localPort: socket.localPort ?? -1,
    }));
    socket.setEncoding('utf8');
    socket.on('data', (d) => (text += d));
    socket.once('error', reject);
  });
}

const portOf = (url: string) => Number(new URL(url).port);
/** `count` response heads (status line and headers) have arrived. */
const responses = (count: number) => (received: string) => received.split('\r\n\r\n').length > count && received.split('HTTP/1.1 ').length > count;
/**
 * Fails a test that waited for the default keep-alive timeout (30 s): what these tests pin is that
 * nothing waits for it, and a wait shows as this timeout, not as a slower pass.
 */
const BEFORE_THE_KEEP_ALIVE_TIMEOUT = HTTP_TIMEOUTS.connectionMs / 2;
/**
 * Far under `serve`'s 10 s shutdown grace, and under the 10 s header deadline: a close() that
 * waits on a connection with no request in flight shows as a failed assertion after this long.
 */
const PROMPTLY_MS = 2_000;
/** Whether `promise` settles within `ms` (it is left running either way). */
const settlesWithin = (promise: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([promise.then(() => true, () => true), sleep(ms, false, { ref: false })]);

/** One HTTP/1.1 response as read off a raw socket. */
interface RawResponse {
  status: number;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: string;
}

/** A signed-looking POST /graphql (its signature is never verified here) with the nonce given, as one write. */
function signedPost(nonce: string): string {
  const body = '{"query":"{ serverTime }"}';
  return `POST /graphql HTTP/1.1\r\nHost: x\r\nsignature-input: sig1=("@method");created=1;nonce="${nonce}";keyid="k"\r\nsignature: sig1=:AAAA:\r\n`
    + `content-type: application/json\r\naccept: application/graphql-response+json\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
}

/** The responses in what a connection received, in order (each body as long as its Content-Length; a cut one is left out). */
function parseResponses(received: string): RawResponse[] {
  const parsed: RawResponse[] = [];
  let rest = received;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const [statusLine, ...fields] = rest.slice(0, end).split('\r\n');
    const headers = Object.fromEntries(fields.map((field) => {
      const colon = field.indexOf(':');
      return [field.slice(0, colon).trim().toLowerCase(), field.slice(colon + 1).trim()];
    }));
    const length = Number(headers['content-length'] ?? 0);
    if (rest.length < end + 4 + length) break;
    parsed.push({ status: Number(statusLine.split(' ')[1]), headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return parsed;
}

describe('HTTP connections', () => {
  let db: TestDatabase;
  let services: DomainServices;
  const apps: FastifyInstance[] = [];
  const clients: RawClient[] = [];
  /** Releases of drains a test held, so a failed test's server still closes. */
  const drains: Array<() => void> = [];
  const start = async (httpTimeouts?: { connectionMs: number }, retireSignature?: (request: FastifyRequest) => Promise<void>, requestLimiter?: RequestLimiter) => {
    const app = await createHttpServer({
      schema: buildSignetSchema(), services, logger: silentLogger, introspection: false, development: false, readiness: [],
      directives: directiveDepsFor(services), httpTimeouts, retireSignature, requestLimiter,
    });
    // A handler standing in for a slow resolver: it signals that it started, and answers only once
    // close() has begun (a preClose hook added after the server's own, so it runs after it).
    let started: () => void = () => undefined;
    const slowStarted = new Promise<void>((resolve) => { started = resolve; });
    let release: () => void = () => undefined;
    const closeBegan = new Promise<void>((resolve) => { release = resolve; });
    app.get('/slow', async () => {
      started();
      await closeBegan;
      return { ok: true };
    });
    app.addHook('preClose', async () => release());
    // A handler the test answers when it chooses: a request in flight for as long as a test needs.
    let heldStarted: () => void = () => undefined;
    const held = new Promise<void>((resolve) => { heldStarted = resolve; });
    let answerHeld: () => void = () => undefined;
    const heldMayAnswer = new Promise<void>((resolve) => { answerHeld = resolve; });
    app.get('/held', async () => {
      heldStarted();
      await heldMayAnswer;
      return { ok: true };
    });
    // Stands in for /graphql's settling of a signed request in its own onSend, which runs after the
    // global one has decided whether the answer closes its connection: a request in flight when
    // close() begins, whose answer then waits in its onSend until the test lets it go.
    let toSendStarted: () => void = () => undefined;
    const slowToSendStarted = new Promise<void>((resolve) => { toSendStarted = resolve; });
    let sending: () => void = () => undefined;
    const sendStarted = new Promise<void>((resolve) => { sending = resolve; });
    let endSend: () => void = () => undefined;
    const sendMayEnd = new Promise<void>((resolve) => { endSend = resolve; });
    app.get('/slow-to-send', {
      onSend: async (_request, _reply, payload) => {
        sending();
        await sendMayEnd;
        return payload;
      },
    }, async () => {
      toSendStarted();
      await closeBegan;
      return { ok: true };
    });
    // Keeps close() in its drain (after the server's own preClose, before it stops listening) until released.
    let drainHeld: Promise<void> | undefined;
    app.addHook('preClose', async () => drainHeld);
    const holdDrain = (): (() => void) => {
      let endDrain: () => void = () => undefined;
      drainHeld = new Promise<void>((resolve) => { endDrain = resolve; });
      drains.push(endDrain);
      return endDrain;
    };
    apps.push(app);
    const port = portOf(await app.listen({ host: '127.0.0.1', port: 0 }));
    // The server's side of each connection, by the client's port.
    const serverSides = new Map<number, Socket>();
    app.server.on('connection', (socket: Socket) => { if (socket.remotePort !== undefined) serverSides.set(socket.remotePort, socket); });
    /** Resolves once the server has read what `c` sent (bytes, not a parsed request). */
    const readByServer = (c: RawClient) => eventually(async () => {
      if (!(Number(serverSides.get(c.localPort)?.bytesRead) > 0)) throw new Error('the server has not read from this connection yet');
    }, 10_000, 10);
    /** Resolves once the server has accepted `c`'s connection. */
    const acceptedByServer = (c: RawClient) => eventually(async () => {
      if (!serverSides.has(c.localPort)) throw new Error('the server has not accepted this connection yet');
    }, 10_000, 10);
    /** Resolves once the server has parsed `count` requests in all (a pipelined one is parsed while the one before it runs). */
    let parsed = 0;
    app.server.on('request', () => { parsed += 1; });
    const requestsParsed = (count: number) => eventually(async () => {
      if (parsed < count) throw new Error(`the server has parsed ${parsed} of ${count} requests`);
    }, 10_000, 10);
    return { app, port, slowStarted, closeBegan, readByServer, acceptedByServer, held, answerHeld, holdDrain, requestsParsed, slowToSendStarted, sendStarted, endSend };
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
    for (const endDrain of drains.splice(0)) endDrain();
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  afterAll(async () => {
    await db?.close();
  });

  test('a keep-alive connection idle after its response is closed after 30 s, as a stalled one is (not Fastify\'s 72 s)', async () => {
    const { port } = await start();
    const c = await client(port);
    c.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const head = await c.until(responses(1));
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(head).toMatch(/\r\nkeep-alive: timeout=30\r\n/i);
  });

  test('the idle timeout is the connection timeout: a shorter one closes an idle keep-alive connection that soon', async () => {
    const { port } = await start({ connectionMs: 1_000 });
    const c = await client(port);
    c.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await c.until(responses(1))).toMatch(/\r\nkeep-alive: timeout=1\r\n/i);
    // Kept alive after its response: a second request on the same connection is served.
    c.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await c.until(responses(2))).split('HTTP/1.1 200 ')).toHaveLength(3);
    // Then, idle, it is closed by the server (this client never closes it), long before 30 s.
    await c.closed;
  }, BEFORE_THE_KEEP_ALIVE_TIMEOUT);

  test('close() answers the request in flight with Connection: close and returns without waiting for the keep-alive client to leave', async () => {
    const { app, port, slowStarted } = await start();
    const c = await client(port);
    c.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await slowStarted;
    await app.close();
    await c.closed;
    expect(c.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(c.received()).toMatch(/\r\nconnection: close\r\n/i);
  }, BEFORE_THE_KEEP_ALIVE_TIMEOUT);

  // The /graphql route's onSend settles a signed request (its address count) before its answer,
  // after the global onSend looked at whether the server is closing: a close() that began during
  // that wait once sent the answer without Connection: close.
  test('an answer whose signed request was still being settled when close() began says Connection: close', async () => {
    let counting: () => void = () => undefined;
    const countStarted = new Promise<void>((resolve) => { counting = resolve; });
    let endCount: () => void = () => undefined;
    const countMayEnd = new Promise<void>((resolve) => { endCount = resolve; });
    // Only what a signed request refused before its admission uses: no count before its body, one as it is answered.
    const limiter = {
      checkIp: async () => false,
      countIp: async () => {
        counting();
        await countMayEnd;
      },
      endPass: () => undefined,
    } as unknown as RequestLimiter;
    const { app, port, closeBegan } = await start(undefined, async () => undefined, limiter);
    const c = await client(port);
    // A body that parses (Fastify closes the connection after a body it could not parse anyway).
    // This server verifies nothing: the request runs unsigned, and is counted as it is answered.
    const body = '{"query":"{ serverTime }"}';
    c.write('POST /graphql HTTP/1.1\r\nHost: x\r\nsignature-input: sig1=("@method");created=1;nonce="settle-nonce-00001";keyid="k"\r\nsignature: sig1=:AAAA:\r\n');
    c.write(`content-type: application/json\r\naccept: application/graphql-response+json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
    await countStarted;
    const closing = app.close();
    await closeBegan;
    endCount();
    await c.closed;
    await closing;
    const [head] = c.received().split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(head).toMatch(/\r\nconnection: close\r\n/i);
  }, BEFORE_THE_KEEP_ALIVE_TIMEOUT);

  test('close() ends at once a connection on which nothing was sent, with no answer', async () => {
    const { app, port, acceptedByServer } = await start();
    const silent = await client(port);
    await acceptedByServer(silent);
    expect(await settlesWithin(app.close(), PROMPTLY_MS)).toBe(true);
    await silent.closed;
    expect(silent.received()).toBe('');
  }, BEFORE_THE_KEEP_ALIVE_TIMEOUT);

  test('a connection accepted a moment before close() began is given the time to send its request, which is answered 503 SHUTTING_DOWN, not reset (behind nginx: its new connection\'s request was cut, a 502)', async () => {
    const { app, port, acceptedByServer } = await start();
    const fresh = await client(port);
    await acceptedByServer(fresh);
    const closing = app.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    fresh.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await fresh.closed;
    expect(await settlesWithin(closing, PROMPTLY_MS)).toBe(true);
    expect(fresh.received()).toMatch(/^HTTP\/1\.1 503 /);
    expect(fresh.received()).toContain('"reason":"SHUTTING_DOWN"');
  }, BEFORE_THE_KEEP_ALIVE_TIMEOUT);

  test('close() ends at once a connection whose request headers only partly arrived: 408 REQUEST_TIMEOUT in the error format, nothing ran', async () => {
    const { app, port, readByServer } = await start();
    const half = await client(port);
    half.write('POST /graphql HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n');
    await readByServer(half);
    expect(await settlesWithin(app.close(), PROMPTLY_MS)).toBe(true);
    await half.closed;
    const [head, answer] = half.received().split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 408 /);
    expect(head).toMatch(/\r\nconnection: close(\r\n|$)/i);
    const requestId = /\r\nx-request-id: ([^\r]+)\r\n/i.exec(head)?.[1];
    expect(requestId).toBeTruthy();
    expect(JSON.parse(answer)).toEqual({ errors: [{ message: expect.stringContaining('shutting down'), extensions: { code: 'REQUEST_TIMEOUT', retryable: true, requestId } }] });
  }, BEFORE_THE_KEEP_ALIVE_TIMEOUT);

  test('close() lets a slow request in flight finish and resolves only after its answer, while connections with no request are ended at once', async () => {
    const { app, port, held, answerHeld, acceptedByServer, readByServer } = await start();
    const busy = await client(port);
    busy.write('GET /held HTTP/1.1\r\nHost: x\r\n\r\n');
    await held;
    const silent = await client(port);
    await acceptedByServer(silent);
    const half = await client(port);
    half.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    await readByServer(half);
    const closing = app.close();
    expect(await settlesWithin(Promise.all([silent.closed, half.closed]), PROMPTLY_MS)).toBe(true);
    // The request in flight holds close(): nothing of its connection is cut.
    expect(await settlesWithin(closing, 300)).toBe(false);
    expect(busy.received()).toBe('');
    answerHeld();
    await busy.closed;
    expect(await settlesWithin(closing, PROMPTLY_MS)).toBe(true);
    const [head, answer] = busy.received().split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(head).toMatch(/\r\nconnection: close\r\n/i);
    expect(JSON.parse(answer)).toEqual({ ok: true });
  }, BEFORE_THE_KEEP_ALIVE_TIMEOUT);

  test('a connection opened during the drain that sends nothing is ended too, with no answer', async () => {
    const { app, port, closeBegan, holdDrain } = await start();
    const endDrain = holdDrain();
    const closing = app.close();
    await closeBegan;
    const silent = await client(port);
    expect(await settlesWithin(silent.closed, PROMPTLY_MS)).toBe(true);
    expect(silent.received()).toBe('');
    endDrain();
    await closing;
  }, BEFORE_THE_KEEP_ALIVE_TIMEOUT);

  test('a request that arrives during the drain is refused in the error format: 503 SHUTTING_DOWN with Retry-After and its request id, nothing run, its signature used up', async () => {
    const retired: string[] = [];
    // Retired within its own address's allowance: the client address is known by then.
    const { app, port, slowStarted, closeBegan, holdDrain } = await start(undefined, async (request) => { retired.push(`${request.clientLimitKey} ${String(request.headers['signature-input'])}`); });
    const inFlight = await client(port);
    inFlight.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await slowStarted;
    const endDrain = holdDrain();
    const closing = app.close();
    await closeBegan;
    // The server still listens while it drains; this client sends its whole request at once.
    const late = await client(port);
    const body = '{"query":"{ serverTime }"}';
    // Signed (the headers are all the refusal reads): its nonce must be claimed, so the captured bytes never run elsewhere.
    late.write('POST /graphql HTTP/1.1\r\nHost: x\r\nsignature-input: sig1=("@method");created=1;nonce="late-nonce-0000001";keyid="k"\r\nsignature: sig1=:AAAA:\r\n'
      + `content-type: application/json\r\naccept: application/graphql-response+json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
    await late.closed;
    endDrain();
    await closing;
    const [head, answer] = late.received().split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 503 /);
    expect(head).toMatch(/\r\nretry-after: 1\r\n/i);
    expect(head).toMatch(/\r\nconnection: close\r\n/i);
    expect(head).toMatch(/\r\ncontent-type: application\/graphql-response\+json/i);
    const requestId = /\r\nx-request-id: ([^\r]+)\r\n/i.exec(head)?.[1];
    expect(requestId).toBeTruthy();
    expect(JSON.parse(answer)).toEqual({ errors: [{ message: expect.stringContaining('shutting down'), extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true, requestId, reason: 'SHUTTING_DOWN', retryAfter: 1 } }] });
    expect(inFlight.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(retired).toEqual(['127.0.0.1 sig1=("@method");created=1;nonce="late-nonce-0000001";keyid="k"']);
  }, BEFORE_THE_KEEP_ALIVE_TIMEOUT);

  // HTTP/1.1 pipelining: a client may write its next request before the answer to the one before
  // it. Node reads it at once and queues its answer behind; an answer that says Connection: close
  // ends the connection after itself, and the answers queued behind it were never sent.
  // The second case: Node's own sweep of idle connections takes one whose answer has been written
  // whole, not yet sent, for idle, and the answers queued behind it went with it.
  test.each([
    ['the first in flight when close() begins', true],
    ['close() beginning as the first is answered', false],
  ])('two requests written back to back, %s: both are answered, in order, then the connection closes', async (_when, inFlight) => {
    const { app, port, held, answerHeld, closeBegan, requestsParsed } = await start();
    const c = await client(port);
    c.write('GET /held HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await held;
    // Both read: the second answered already, its answer queued behind the first's.
    await requestsParsed(2);
    const closing = app.close();
    if (inFlight) await closeBegan;
    answerHeld();
    expect(await settlesWithin(c.closed, PROMPTLY_MS)).toBe(true);
    await closing;
    const answers = parseResponses(c.received());
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(answers.map((answer) => answer.body)).toEqual(['{"ok":true}', '{"status":"ok"}']);
    // Not the one closing the connection: an answer is still to come on it.
    if (inFlight) expect(answers[0].headers.connection).not.toBe('close');
  }, BEFORE_THE_KEEP_ALIVE_TIMEOUT);

  test('a request pipelined behind one in flight and refused during the drain gets its 503 SHUTTING_DOWN after the first answer, and its signature is used up once', async () => {
    const retired: string[] = [];
    const { app, port, held, answerHeld, closeBegan, holdDrain, requestsParsed } = await start(undefined, async (request) => { retired.push(String(request.headers['signature-input'])); });
    const c = await client(port);
    c.write('GET /held HTTP/1.1\r\nHost: x\r\n\r\n');
    await held;
    const endDrain = holdDrain();
    const closing = app.close();
    await closeBegan;
    // Written before the client has the first answer: the second request waits behind it on this connection.
    c.write(signedPost('piped-nonce-000001'));
    await requestsParsed(2);
    await eventually(async () => expect(retired).toHaveLength(1), 10_000, 10);
    answerHeld();
    expect(await settlesWithin(c.closed, PROMPTLY_MS)).toBe(true);
    endDrain();
    await closing;
    const answers = parseResponses(c.received());
    expect(answers.map((answer) => answer.status)).toEqual([200, 503]);
    const [first, second] = answers;
    expect(first.body).toBe('{"ok":true}');
    // Not the one closing the connection: an answer is still to come on it.
    expect(first.headers.connection).not.toBe('close');
    expect(second.headers).toMatchObject({ 'retry-after': '1', connection: 'close' });
    expect(JSON.parse(second.body)).toEqual({ errors: [{ message: expect.stringContaining('shutting down'), extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true, requestId: second.headers['x-request-id'], reason: 'SHUTTING_DOWN', retryAfter: 1 } }] });
    expect(retired).toEqual(['sig1=("@method");created=1;nonce="piped-nonce-000001";keyid="k"']);
  }, BEFORE_THE_KEEP_ALIVE_TIMEOUT);

  // RFC 9112 §9.6: a server that sends "close" must not process any further request on that
  // connection; its client knows from the "close" that the request went unprocessed, and may send
  // it again, the same bytes, elsewhere. So its signature must not be used up.
  test('a request pipelined after the answer closing its connection was decided is not processed: no answer, its signature not used up', async () => {
    const retired: string[] = [];
    const { app, port, slowToSendStarted, sendStarted, endSend, requestsParsed } = await start(undefined, async (request) => { retired.push(String(request.headers['signature-input'])); });
    const c = await client(port);
    c.write('GET /slow-to-send HTTP/1.1\r\nHost: x\r\n\r\n');
    await slowToSendStarted;
    const closing = app.close();
    // The answer has passed the global onSend (closing: Connection: close) and waits in its route's.
    await sendStarted;
    c.write(signedPost('after-close-000001'));
    await requestsParsed(2);
    endSend();
    expect(await settlesWithin(c.closed, PROMPTLY_MS)).toBe(true);
    await closing;
    expect(retired).toEqual([]);
    const answers = parseResponses(c.received());
    expect(answers.map((answer) => answer.status)).toEqual([200]);
    expect(answers[0].headers.connection).toBe('close');
    expect(answers[0].body).toBe('{"ok":true}');
  }, BEFORE_THE_KEEP_ALIVE_TIMEOUT);

  test('close() also closes a keep-alive connection that was idle when it began', async () => {
    const { app, port } = await start();
    const c = await client(port);
    c.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.until(responses(1));
    await app.close();
    await c.closed;
  }, BEFORE_THE_KEEP_ALIVE_TIMEOUT);

  test('the operator listener closes the same way and starts without a deprecation warning', async () => {
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const app = createMetricsListener(createMetrics(), silentLogger);
      apps.push(app);
      const port = portOf(await app.listen({ host: '127.0.0.1', port: 0 }));
      expect(emitWarning).not.toHaveBeenCalled();
      const c = await client(port);
      c.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
      await c.until(responses(1));
      await app.close();
      await c.closed;
    } finally {
      emitWarning.mockRestore();
    }
  }, BEFORE_THE_KEEP_ALIVE_TIMEOUT);
});
