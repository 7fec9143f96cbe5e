import { createPrivateKey, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { signRequest } from '@signet/http-message-signatures';
import { nodeCrypto } from '@signet/http-message-signatures/node';
import { parseConfig } from '../../../src/config';
import { openRuntime } from '../../../src/runtime';
import type { CliDeps } from '../../../src/transport/cli/cli-deps';
import { runCli } from '../../../src/transport/cli/program';
import { startFakePriceFeed, type FakePriceFeed } from '../../helpers/fake-price-feed';
import { openScratchSchema } from '../../helpers/database';
import { describeWithPostgres } from '../../helpers/services';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `signet serve` in this process: its log lines, its stdout, and SIGTERM through `signals`. */
function serveInProcess(env: Record<string, string>, shutdown: { graceMs?: number } = {}) {
  const logs: string[] = [];
  const stdout: string[] = [];
  const signals = new EventEmitter();
  let exited: (code: number) => void = () => undefined;
  /** Resolves with the code `exit` was called with, when it is. */
  const exitCalled = new Promise<number>((resolve) => { exited = resolve; });
  const exit = jest.fn((exitCode: number) => exited(exitCode));
  const sink = new Writable({ write(chunk, _encoding, done) { logs.push(String(chunk)); done(); } });
  const deps: CliDeps = {
    openRuntime: (config, logger, options) => openRuntime(config, logger, options),
    createLogger: (level) => pino({ level }, sink),
    shutdown: { signals, exit, forcedExitMs: 200, ...shutdown },
  };
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { stdout.push(String(chunk)); return true; });
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { stdout.push(String(chunk)); return true; });
  const code = runCli(['node', 'signet', 'serve'], parseConfig({ PORT: '0', HOST: '127.0.0.1', ...env }), deps).finally(() => {
    write.mockRestore();
    stderr.mockRestore();
  });
  const listening = async (): Promise<string> => {
    for (let i = 0; i < 600; i++) {
      const match = /Signet listening: (http:\/\/[^/\s]+)\/graphql/.exec(logs.join(''));
      if (match) return match[1];
      await Promise.race([code, sleep(50)]);
    }
    throw new Error(`serve did not listen:\n${logs.join('')}`);
  };
  /** Resolves once the server has logged `count` requests: at LOG_LEVEL=debug, one is logged as soon as its headers are parsed. */
  const requestsArrived = async (count: number): Promise<void> => {
    while ((logs.join('').match(/"msg":"incoming request"/g) ?? []).length < count) await Promise.race([code, sleep(20)]);
  };
  return { code, logs: () => logs.join(''), stdout: () => stdout.join(''), signals, exit, exitCalled, listening, requestsArrived };
}

/** Resolves once connecting to `url` is refused: the server closed its listening socket, so its close() has begun. */
async function untilRefused(url: string): Promise<void> {
  for (;;) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(Number(new URL(url).port), '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(false); });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
    });
    if (refused) return;
    await sleep(20);
  }
}

/** A signed POST /graphql as raw HTTP/1.1 (keep-alive), split in two so the body can arrive late. */
function signedRequest(url: string, credentials: { keyId: string; privateKey: string }, query: string): [string, string] {
  const body = JSON.stringify({ query });
  const { host } = new URL(url);
  const signed = signRequest(nodeCrypto, {
    method: 'POST', authority: host, path: '/graphql', body, keyId: credentials.keyId, algorithm: 'ed25519',
    privateKey: createPrivateKey({ key: Buffer.from(credentials.privateKey, 'base64'), format: 'der', type: 'pkcs8' }),
  });
  const headers = Object.entries({ host, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...signed.headers })
    .map(([name, value]) => `${name}: ${value}\r\n`).join('');
  const half = Math.floor(body.length / 2);
  return [`POST /graphql HTTP/1.1\r\n${headers}\r\n${body.slice(0, half)}`, body.slice(half)];
}

/** A raw client: sends `first`, then whatever the test writes; resolves what it received when the server closes. */
function rawClient(url: string, first: string) {
  let text = '';
  const socket = connect(Number(new URL(url).port), '127.0.0.1', () => socket.write(first));
  socket.setEncoding('utf8');
  socket.on('data', (d) => (text += d));
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(text)));
  socket.on('error', () => undefined);
  return { write: (chunk: string) => socket.write(chunk), closed, destroy: () => socket.destroy() };
}

/**
 * A keep-alive connection from 127.0.0.1 that sends `GET /healthz`: 'answered' once the response
 * head arrives (the connection stays open), 'closed' when the server closes it before that.
 */
function healthzConnection(url: string): Promise<{ outcome: 'answered' | 'closed'; destroy: () => void }> {
  return new Promise((resolve) => {
    const socket = connect({ port: Number(new URL(url).port), host: '127.0.0.1', localAddress: '127.0.0.1' }, () => {
      socket.write(`GET /healthz HTTP/1.1\r\nHost: ${new URL(url).host}\r\n\r\n`);
    });
    const destroy = () => socket.destroy();
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('\r\n\r\n')) resolve({ outcome: 'answered', destroy });
    });
    // A connection destroyed by the server may reach the client as a reset.
    socket.on('error', () => undefined);
    // After an answer this settles nothing: the promise has resolved.
    socket.once('close', () => resolve({ outcome: 'closed', destroy }));
  });
}

/**
 * A keep-alive connection taking one answer at a time: `send` writes a request and resolves its
 * answer once whole (by Content-Length); `closed` resolves when the server ends the connection.
 */
function keepAliveConnection(url: string) {
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  socket.setEncoding('utf8');
  socket.on('error', () => undefined);
  let text = '';
  let waiting: ((answer: string) => void) | null = null;
  const take = () => {
    const head = text.indexOf('\r\n\r\n');
    if (!waiting || head < 0) return;
    const length = Number(/\r\ncontent-length: (\d+)/i.exec(text.slice(0, head))?.[1] ?? 0);
    if (text.length < head + 4 + length) return;
    const answer = text.slice(0, head + 4 + length);
    text = text.slice(head + 4 + length);
    const resolve = waiting;
    waiting = null;
    resolve(answer);
  };
  socket.on('data', (chunk: string) => {
    text += chunk;
    take();
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => {
    // An answer cut short (or none): what arrived, so the expectations say what went wrong.
    waiting?.(text);
    resolve();
  }));
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return {
    closed,
    async send(request: string): Promise<string> {
      await connected;
      const answer = new Promise<string>((resolve) => { waiting = resolve; });
      socket.write(request);
      return answer;
    },
    destroy: () => socket.destroy(),
  };
}

const credentialsOf = (dataDir: string, name: string) =>
  (JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8')).credentials as Array<{ name: string; keyId: string; privateKey: string }>).find((c) => c.name === name)!;

describe('signet serve', () => {
  let dataDir: string;
  let feed: FakePriceFeed;
  beforeAll(async () => {
    feed = await startFakePriceFeed(2_000);
  });
  afterAll(async () => {
    await feed?.close();
  });
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'signet-serve-'));
    feed.mode = 'ok';
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  test('on SIGTERM, requests in flight are answered (a signed one still verified), each response closes its connection, and serve returns 0', async () => {
    const server = serveInProcess({ SIGNET_DATA_DIR: dataDir, SIGNET_PRICE_FEED_URL: feed.url, SIGNET_PRICE_FEED_TIMEOUT_MS: '5000', LOG_LEVEL: 'debug' });
    const url = await server.listening();
    const alice = credentialsOf(dataDir, 'alice');
    feed.mode = 'slow';
    const [valuation, valuationRest] = signedRequest(url, alice, '{ me { valuation { totalUsd } } }');
    // Both bodies complete after SIGTERM: the first signature this server checks comes after close() began.
    const slow = rawClient(url, valuation);
    const [name, nameRest] = signedRequest(url, alice, '{ me { name } }');
    const dripped = rawClient(url, name);
    // Both requests are in flight (their headers parsed, their bodies not yet sent) when SIGTERM comes.
    await server.requestsArrived(2);
    server.signals.emit('SIGTERM');
    await untilRefused(url);
    slow.write(valuationRest);
    dripped.write(nameRest);
    const [slowText, drippedText] = await Promise.all([slow.closed, dripped.closed]);
    // 0: every connection ended by itself, before the grace period (10 s) would have cut it.
    expect(await server.code).toBe(0);
    expect(drippedText).toMatch(/^HTTP\/1\.1 200 /);
    expect(drippedText).toContain('{"data":{"me":{"name":"alice"}}}');
    expect(slowText).toMatch(/^HTTP\/1\.1 200 /);
    expect(slowText).toContain('"totalUsd"');
    expect(slowText).toMatch(/\r\nconnection: close\r\n/i);
    expect(server.logs()).not.toContain('not listening');
    expect(server.logs()).toContain('"msg":"stopped"');
    expect(existsSync(join(dataDir, 'signet.lock'))).toBe(false);
    expect(server.exit).not.toHaveBeenCalled();
  }, 60_000);

  test('with SIGNET_DRAIN_SECONDS, a stopping server first drains: it still serves, new connections included, /readyz answers 503, each answer closes its connection; then it stops and returns 0', async () => {
    const server = serveInProcess({ SIGNET_DATA_DIR: dataDir, SIGNET_DRAIN_SECONDS: '2' });
    const url = await server.listening();
    const { host } = new URL(url);
    const alice = credentialsOf(dataDir, 'alice');
    // A pooled connection, as a proxy keeps one: open before the signal, idle when it comes.
    const pooled = keepAliveConnection(url);
    const before = await pooled.send(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    expect(before).toMatch(/^HTTP\/1\.1 200 /);
    expect(before).not.toMatch(/\r\nconnection: close\r\n/i);
    server.signals.emit('SIGTERM');
    while (!server.logs().includes('draining before shutdown')) await sleep(20);
    // The pooled connection is answered, not ended under the proxy's request: the answer says close.
    const onPooled = await pooled.send(signedRequest(url, alice, '{ me { name } }').join(''));
    expect(onPooled).toMatch(/^HTTP\/1\.1 200 /);
    expect(onPooled).toContain('{"data":{"me":{"name":"alice"}}}');
    expect(onPooled).toMatch(/\r\nconnection: close\r\n/i);
    await pooled.closed;
    // New connections are still accepted and served (a signed mutation runs), each closed after its answer.
    const fresh = keepAliveConnection(url);
    const mutation = signedRequest(url, alice, 'mutation { placeOrder(input: { market: "BTC-USD", side: BUY, type: LIMIT, price: "100", quantity: "0.001" }) @idempotent(key: "drain-order-1") { order { status } userErrors { code } } }');
    const placed = await fresh.send(mutation.join(''));
    expect(placed).toMatch(/^HTTP\/1\.1 200 /);
    expect(placed).toContain('"status":"OPEN"');
    expect(placed).toMatch(/\r\nconnection: close\r\n/i);
    // A load balancer polling readiness sees this instance leave, while it still answers.
    const probe = keepAliveConnection(url);
    const ready = await probe.send(`GET /readyz HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    expect(ready).toMatch(/^HTTP\/1\.1 503 /);
    expect(ready).toContain('"status":"stopping"');
    // Then it closes as without a drain: no new connections, and serve returns 0.
    await untilRefused(url);
    expect(await server.code).toBe(0);
    expect(server.logs()).toContain('"msg":"stopped"');
    expect(server.logs()).not.toContain('SHUTTING_DOWN');
  }, 60_000);

  test('a second signal while draining ends the drain at once', async () => {
    const server = serveInProcess({ SIGNET_DATA_DIR: dataDir, SIGNET_DRAIN_SECONDS: '300' });
    const url = await server.listening();
    server.signals.emit('SIGINT');
    while (!server.logs().includes('draining before shutdown')) await sleep(20);
    const probe = keepAliveConnection(url);
    expect(await probe.send(`GET /readyz HTTP/1.1\r\nHost: ${new URL(url).host}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 503 /);
    // Ctrl-C again: the 300 s drain ends now (the test's own timeout is 60 s).
    server.signals.emit('SIGINT');
    await untilRefused(url);
    expect(await server.code).toBe(0);
    expect(server.exit).not.toHaveBeenCalled();
    expect(server.signals.listenerCount('SIGINT')).toBe(0);
  }, 60_000);

  test('past the grace period, the connections left are closed, serve returns 1 and the process is made to exit', async () => {
    const server = serveInProcess({ SIGNET_DATA_DIR: dataDir, SIGNET_PRICE_FEED_URL: feed.url, SIGNET_PRICE_FEED_TIMEOUT_MS: '5000' }, { graceMs: 300 });
    const url = await server.listening();
    feed.mode = 'slow';
    const [request, rest] = signedRequest(url, credentialsOf(dataDir, 'alice'), '{ me { valuation { totalUsd } } }');
    const hits = feed.hits;
    const client = rawClient(url, request + rest);
    // The request is in flight: its resolver is waiting for the slow feed (2 s, far past the 300 ms grace).
    while (feed.hits === hits) await sleep(20);
    server.signals.emit('SIGTERM');
    expect(await server.code).toBe(1);
    // Cut without waiting for the feed: the connection closed with nothing written to it.
    expect(await client.closed).toBe('');
    expect(server.logs()).toContain('shutdown grace period exceeded');
    // Then, forcedExitMs later, the process is made to exit (whatever may still hold its event loop).
    expect(await server.exitCalled).toBe(1);
  }, 60_000);

  test('a port already in use fails start-up with exit 1 naming HOST and PORT, releases the data directory and prints no private key', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = String((taken.address() as { port: number }).port);
      const server = serveInProcess({ SIGNET_DATA_DIR: dataDir, PORT: port });
      expect(await server.code).toBe(1);
      expect(server.stdout()).toContain(`signet: HOST=127.0.0.1, PORT=${port}: cannot listen: `);
      expect(server.stdout()).toContain('EADDRINUSE');
      expect(server.stdout()).not.toContain('privateKey');
      expect(existsSync(join(dataDir, 'signet.lock'))).toBe(false);
      // The demo accounts were created in the new database; where their credentials are is said.
      expect(server.logs()).toContain(join(dataDir, 'demo-credentials.json'));
    } finally {
      taken.close();
    }
  }, 60_000);

  test('a metrics port already in use fails start-up with exit 1 naming SIGNET_METRICS_LISTEN', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as { port: number }).port;
      const server = serveInProcess({ SIGNET_DATA_DIR: dataDir, PORT: '0', SIGNET_METRICS_LISTEN: `127.0.0.1:${port}` });
      expect(await server.code).toBe(1);
      expect(server.stdout()).toContain(`signet: SIGNET_METRICS_LISTEN=127.0.0.1:${port}: cannot listen: `);
      expect(server.stdout()).toContain('EADDRINUSE');
      expect(existsSync(join(dataDir, 'signet.lock'))).toBe(false);
    } finally {
      taken.close();
    }
  }, 60_000);

  test('SIGNET_MAX_CONNECTIONS_PER_ADDRESS reaches the server: a third connection from one address is closed at once', async () => {
    const server = serveInProcess({ SIGNET_DATA_DIR: dataDir, SIGNET_PRICE_FEED_URL: feed.url, SIGNET_MAX_CONNECTIONS_PER_ADDRESS: '2' });
    const url = await server.listening();
    const connections: Array<Awaited<ReturnType<typeof healthzConnection>>> = [];
    try {
      // One after the other: each is open (answered, kept alive) before the next one connects.
      for (let i = 0; i < 3; i += 1) connections.push(await healthzConnection(url));
      expect(connections.map((c) => c.outcome)).toEqual(['answered', 'answered', 'closed']);
      expect(server.logs()).toContain('"event":"connections_refused"');
    } finally {
      for (const connection of connections) connection.destroy();
      server.signals.emit('SIGTERM');
    }
    expect(await server.code).toBe(0);
  }, 60_000);

  test('a SIGNET_RATE_LIMITS key that names no rate-limited field is refused (exit 2) before anything is opened', async () => {
    const limits = JSON.stringify({ 'Mutation.placeOrdr': { max: 5, window: '1m' }, 'Request.ip': { max: 5, window: '1m' }, 'Query.markets': { max: 5, window: '1m' } });
    const server = serveInProcess({ SIGNET_DATA_DIR: join(dataDir, 'never'), SIGNET_RATE_LIMITS: limits });
    expect(await server.code).toBe(2);
    expect(server.stdout()).toContain('SIGNET_RATE_LIMITS names "Mutation.placeOrdr"');
    expect(server.stdout()).not.toContain('Query.markets');
    expect(existsSync(join(dataDir, 'never'))).toBe(false);
  }, 60_000);
});

describeWithPostgres('signet serve on PostgreSQL', (pgUrl) => {
  test('a single-process lock lost while draining still exits 1, not 0 (review: the first signal decided the code)', async () => {
    const scratch = await openScratchSchema(pgUrl);
    try {
      // Without Redis: the lock is exclusive, and losing it must stop the server as a failure.
      const server = serveInProcess({ DATABASE_URL: scratch.url, SIGNET_MASTER_KEY: randomBytes(32).toString('base64'), SIGNET_DRAIN_SECONDS: '60' });
      await server.listening();
      server.signals.emit('SIGTERM');
      while (!server.logs().includes('draining before shutdown')) await sleep(20);
      // The lock's connection ends (PostgreSQL restarted, a cut): the backend holding Signet's lock on this schema.
      const { rows } = await scratch.admin.query<{ pid: number }>(
        `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = (hashtext('signet: one server without Redis'))::oid
           AND objid = (hashtext(current_database() || '.' || $1))::oid`, [scratch.schema]);
      expect(rows).toHaveLength(1);
      await scratch.admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
      // The drain ends at once (not in 60 s), and the code says the stop was a failure.
      expect(await server.code).toBe(1);
      expect(server.logs()).toContain('lost the single-process lock');
    } finally {
      await scratch.drop();
    }
  }, 60_000);
});
