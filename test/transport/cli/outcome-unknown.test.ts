/**
 * When a mutation's answer never arrives, the CLI cannot know whether it ran. It chose the
 * idempotency key before sending, so every such failure names it (exit 3, or 130 after Ctrl-C),
 * and the same command with `--idempotency-key <that key>` returns the original outcome: one
 * order, never two. A definite refusal exits 1. With `--json` a failure is a JSON object on stdout.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DomainServices } from '../../../src/domain';
import { refusalOf } from '../../../src/transport/cli/call-command';
import { failureOf } from '../../../src/transport/cli/trade-client';
import { CliError } from '../../../src/transport/cli/cli-error';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { balancesOf, fundedAccount, servicesFor } from '../../helpers/domain';
import { createTestKey, memoryStores, startSignet, type RunningSignet } from '../../helpers/signet-server';
import { signet, type CliRun } from '../../helpers/cli';
import { freePort } from '../../helpers/ports';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIMEOUT = 60_000;

/**
 * A TCP proxy in front of the server. `drop`: forwards the request and closes the client's
 * connection once the server has answered (the request ran, its answer is lost). `hold`: forwards
 * it and never answers. `bad-gateway`: answers every request with an HTML 502, as a proxy does.
 * `drop-first`: as `drop` for the first answer, then it passes answers on (a retry gets its answer).
 */
interface FaultyProxy {
  mode: 'drop' | 'drop-first' | 'drop-then-pass' | 'hold' | 'bad-gateway';
  /** Resolves when the server has answered a request the proxy forwarded. */
  answered(): Promise<void>;
  close(): Promise<void>;
}

async function startFaultyProxy(port: number, upstreamPort: number): Promise<FaultyProxy> {
  const sockets = new Set<Socket>();
  let onAnswer: (() => void) | undefined;
  const proxy: FaultyProxy = {
    mode: 'drop',
    answered: () => new Promise<void>((resolve) => (onAnswer = resolve)),
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const badGateway = (client: Socket) => {
    let received = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      const length = Number(/content-length:\s*(\d+)/i.exec(received.subarray(0, end).toString('latin1'))?.[1] ?? 0);
      if (end < 0 || received.length < end + 4 + length) return;
      const html = '<html><body><h1>502 Bad Gateway</h1></body></html>';
      client.end(`HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/html\r\ncontent-length: ${html.length}\r\nconnection: close\r\n\r\n${html}`);
    });
  };
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    if (proxy.mode === 'bad-gateway') return badGateway(client);
    const upstream = createConnection(upstreamPort, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      onAnswer?.();
      if (proxy.mode === 'drop') client.destroy();
      else if (proxy.mode === 'drop-first') {
        proxy.mode = 'drop-then-pass';
        client.destroy();
      } else if (proxy.mode === 'drop-then-pass') client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return proxy;
}

/** The `--json` error object a failed run printed on stdout. */
function jsonError(run: CliRun): { code: string; message: string; outcome?: string; idempotencyKey?: string } {
  return JSON.parse(run.stdout).error;
}

describe('signet mutations whose outcome is unknown', () => {
  let db: TestDatabase;
  let services: DomainServices;
  let server: RunningSignet;
  let proxy: FaultyProxy;
  let dir: string;
  let aliceId: string;
  let bobId: string;
  let direct: string[];
  let proxied: string[];

  beforeAll(async () => {
    db = await openPgliteDatabase();
    services = servicesFor(db.driver);
    const proxyPort = await freePort();
    // The proxy forwards the Host it was sent, so the server must take the proxy's name as its own.
    server = await startSignet(services, memoryStores(), { publicAuthorities: [`127.0.0.1:${proxyPort}`] });
    proxy = await startFaultyProxy(proxyPort, Number(new URL(server.url).port));
    aliceId = await fundedAccount(services, { USD: '1000', BTC: '1' }, 'alice');
    bobId = await fundedAccount(services, {}, 'bob');
    const key = await createTestKey(services, aliceId, 'ed25519');
    dir = mkdtempSync(join(tmpdir(), 'signet-unknown-'));
    const file = join(dir, 'creds.json');
    writeFileSync(file, JSON.stringify({ keyId: key.keyId, algorithm: 'ed25519', privateKey: key.privateKey!.export({ format: 'der', type: 'pkcs8' }).toString('base64') }));
    direct = ['--credentials', file, '--url', server.url];
    proxied = ['--credentials', file, '--url', `http://127.0.0.1:${proxyPort}`];
  }, TIMEOUT);
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    proxy.mode = 'drop';
  });

  const ordersAt = async (price: string) => (await services.orders.listOrders(aliceId, { limit: 100 })).items.filter((o) => o.price === price);

  test('order place whose answer is lost exits 3 with the key; the same command with that key returns the one order', async () => {
    const place = ['order', 'place', '--market', 'BTC-USD', '--side', 'BUY', '--price', '20003', '--quantity', '0.001'];
    const lost = await signet({}, ...place, ...proxied, '--json');
    expect(lost.code).toBe(3);
    const error = jsonError(lost);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', outcome: 'unknown', idempotencyKey: expect.stringMatching(UUID) });
    expect(lost.stderr).toMatch(/^signet: NETWORK_ERROR: request to .* failed: /);
    expect(lost.stderr).toContain(`Run the same command again with --idempotency-key ${error.idempotencyKey} to get its original outcome`);
    // It ran on the server.
    const placed = await ordersAt('20003');
    expect(placed).toHaveLength(1);

    const again = await signet({}, ...place, '--idempotency-key', error.idempotencyKey as string, ...direct, '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ replayed: true, replayOf: 'earlier-run', idempotencyKey: error.idempotencyKey, order: { id: placed[0].id, status: 'OPEN' } });
    expect(await ordersAt('20003')).toHaveLength(1);
  }, TIMEOUT);

  test('an order whose first answer is lost and whose retry reads it back says this command placed it, not "used before" (CLI review)', async () => {
    proxy.mode = 'drop-first';
    const place = ['order', 'place', '--market', 'BTC-USD', '--side', 'BUY', '--price', '20012', '--quantity', '0.001'];
    const run = await signet({}, ...place, ...proxied, '--json');
    expect(run.code).toBe(0);
    const placed = await ordersAt('20012');
    expect(placed).toHaveLength(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ replayed: true, replayOf: 'this-run', order: { id: placed[0].id } });
    proxy.mode = 'drop-first';
    const text = await signet({}, 'order', 'place', '--market', 'BTC-USD', '--side', 'BUY', '--price', '20013', '--quantity', '0.001', ...proxied);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^replayed\s+yes: done by this command \(its first answer was lost/m);
    expect(text.stdout).not.toContain('used before');
    // With a key given, the lost answer may be this run's or an earlier run's: it says so.
    proxy.mode = 'drop-first';
    const given = await signet({}, 'order', 'place', '--market', 'BTC-USD', '--side', 'BUY', '--price', '20014', '--quantity', '0.001', '--idempotency-key', 'lost-first-given-1', ...proxied, '--json');
    expect(JSON.parse(given.stdout)).toMatchObject({ replayed: true, replayOf: 'this-or-earlier-run', idempotencyKey: 'lost-first-given-1' });
  }, TIMEOUT);

  test('a key given with --idempotency-key is the one a lost answer names', async () => {
    const lost = await signet({}, 'order', 'place', '--market', 'BTC-USD', '--side', 'BUY', '--price', '20005', '--quantity', '0.001', '--idempotency-key', 'my-order-5', ...proxied);
    expect(lost.code).toBe(3);
    expect(lost.stdout).toBe('');
    expect(lost.stderr).toContain('--idempotency-key my-order-5 ');
  }, TIMEOUT);

  /** A resting BUY of alice's, placed directly. */
  async function restingOrder(price: string): Promise<string> {
    const placed = await services.orders.placeOrder(aliceId, { market: 'BTC-USD', side: 'BUY', type: 'LIMIT', price, quantity: '0.001' });
    if (!placed.ok) throw new Error(JSON.stringify(placed.errors));
    return placed.value.id;
  }
  const statusOf = async (id: string) => (await services.orders.findOrder(aliceId, id))?.status;

  test.each([
    ['order cancel', async () => {
      const id = await restingOrder('20010');
      return { args: ['order', 'cancel', id], ran: async () => expect(await statusOf(id)).toBe('CANCELED') };
    }],
    ['order cancel-all', async () => {
      const id = await restingOrder('20011');
      return { args: ['order', 'cancel-all', '--market', 'BTC-USD'], ran: async () => expect(await statusOf(id)).toBe('CANCELED') };
    }],
    ['transfer', async () => {
      const before = (await balancesOf(services, bobId)).USD?.available ?? '0';
      // Once, however many attempts the SDK made: each retry replayed the first.
      return { args: ['transfer', '--to', bobId, '--asset', 'USD', '--amount', '1'], ran: async () => expect(Number((await balancesOf(services, bobId)).USD.available)).toBe(Number(before) + 1) };
    }],
  ])('%s whose answer is lost exits 3 with its key, and that key replays its outcome', async (_name, prepare) => {
    const { args, ran } = await prepare();
    const lost = await signet({}, ...args, ...proxied);
    expect(lost.code).toBe(3);
    const key = /--idempotency-key (\S+) to get its original outcome/.exec(lost.stderr)?.[1] as string;
    expect(key).toMatch(UUID);
    await ran();
    const again = await signet({}, ...args, '--idempotency-key', key, ...direct);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^replayed\s+yes/m);
    await ran();
  }, TIMEOUT);

  test('an HTML 502 from a proxy (not a GraphQL answer) is BAD_RESPONSE with an unknown outcome: exit 3', async () => {
    proxy.mode = 'bad-gateway';
    const run = await signet({}, 'order', 'place', '--market', 'BTC-USD', '--side', 'BUY', '--price', '20006', '--quantity', '0.001', ...proxied, '--json');
    expect(run.code).toBe(3);
    expect(jsonError(run)).toMatchObject({ code: 'BAD_RESPONSE', outcome: 'unknown', idempotencyKey: expect.stringMatching(UUID) });
  }, TIMEOUT);

  test('Ctrl-C while the answer is awaited exits 130 and names the key; that key returns the order placed meanwhile', async () => {
    proxy.mode = 'hold';
    const before = new Set(process.listeners('SIGINT'));
    const answered = proxy.answered();
    const place = ['order', 'place', '--market', 'BTC-USD', '--side', 'BUY', '--price', '20004', '--quantity', '0.001'];
    const running = signet({}, ...place, ...proxied, '--json');
    await answered;
    // Ctrl-C, delivered to the CLI's own handler only (a real SIGINT would reach the test runner too).
    for (const listener of process.listeners('SIGINT').filter((l) => !before.has(l))) (listener as () => void)();
    const run = await running;
    expect(run.code).toBe(130);
    const error = jsonError(run);
    expect(error).toMatchObject({ code: 'ABORTED', outcome: 'unknown', idempotencyKey: expect.stringMatching(UUID) });
    expect(run.stderr).toContain(`--idempotency-key ${error.idempotencyKey}`);
    const placed = await ordersAt('20004');
    expect(placed).toHaveLength(1);
    const again = await signet({}, ...place, '--idempotency-key', error.idempotencyKey as string, ...direct, '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ replayed: true, order: { id: placed[0].id } });
  }, TIMEOUT);

  test('call: a mutation whose answer is lost exits 3 and names its key; a query exits 1', async () => {
    const mutation = 'mutation { placeOrder(input: { market: "BTC-USD", side: BUY, price: "20007", quantity: "0.001" }) { order { id } } }';
    const lost = await signet({}, 'call', ...proxied, '--idempotency-key', 'call-lost-1', '--query', mutation);
    expect(lost.code).toBe(3);
    expect(lost.stderr).toContain('--idempotency-key call-lost-1 to get its original outcome');
    expect(await ordersAt('20007')).toHaveLength(1);
    const replayed = await signet({}, 'call', ...direct, '--idempotency-key', 'call-lost-1', '--query', mutation);
    expect(replayed.code).toBe(0);
    expect(JSON.parse(replayed.stdout).extensions).toEqual({ idempotentReplay: { placeOrder: true } });

    proxy.mode = 'bad-gateway';
    const gateway = await signet({}, 'call', ...proxied, '--idempotency-key', 'call-lost-2', '--query', mutation.replace('20007', '20008'));
    expect(gateway.code).toBe(3);
    expect(gateway.stderr).toMatch(/^signet: BAD_RESPONSE: HTTP 502, not a GraphQL response\n/);
    const read = await signet({}, 'call', ...proxied, '--query', '{ me { id } }');
    expect(read).toMatchObject({ code: 1, stderr: 'signet: HTTP 502: not a GraphQL response\n' });
  }, TIMEOUT);

  test('a definite refusal exits 1: --json prints its code, the key and outcome "refused" on stdout, and no retry advice', async () => {
    const run = await signet({}, 'order', 'place', '--market', 'BTC-USD', '--side', 'BUY', '--price', '2900000', '--quantity', '1', ...direct, '--json');
    expect(run.code).toBe(1);
    expect(jsonError(run)).toEqual({ code: 'INSUFFICIENT_FUNDS', message: expect.stringMatching(/^INSUFFICIENT_FUNDS: /), outcome: 'refused', idempotencyKey: expect.stringMatching(UUID) });
    expect(run.stderr).toMatch(/^signet: INSUFFICIENT_FUNDS: /);
    expect(run.stderr).not.toContain('outcome unknown');
  });

  test('a mutation whose connection was refused was never sent: exit 1, outcome "refused", no retry advice', async () => {
    const closed = await freePort();
    const run = await signet({}, 'order', 'place', '--market', 'BTC-USD', '--side', 'BUY', '--price', '20031', '--quantity', '0.001', '--credentials', direct[1], '--url', `http://127.0.0.1:${closed}`, '--json');
    expect(run.code).toBe(1);
    expect(jsonError(run)).toMatchObject({ code: 'NETWORK_ERROR', outcome: 'refused', idempotencyKey: expect.stringMatching(UUID) });
    expect(run.stderr).not.toContain('outcome unknown');
    expect(await ordersAt('20031')).toEqual([]);
  }, TIMEOUT);

  test('a read whose answer is lost changed nothing: exit 1, a JSON error with no key or outcome', async () => {
    const run = await signet({}, 'balances', ...proxied, '--json');
    expect(run.code).toBe(1);
    expect(jsonError(run)).toEqual({ code: 'NETWORK_ERROR', message: expect.stringMatching(/^NETWORK_ERROR: /) });
  }, TIMEOUT);

  test('usage errors keep exit 2 and, with --json, are JSON too', async () => {
    const run = await signet({}, 'order', 'place', '--market', 'BTC-USD', '--side', 'HOLD', '--price', '1', '--quantity', '1', ...direct, '--json');
    expect(run.code).toBe(2);
    expect(jsonError(run)).toEqual({ code: 'USAGE_ERROR', message: expect.stringMatching(/--side must be one of BUY, SELL/) });
  });

  test('Ctrl-C before anything was sent (the SDK says not-sent) is no unknown outcome: exit 130, outcome refused, no retry advice', () => {
    const early = Object.assign(new DOMException('The request was aborted.', 'AbortError'), { outcome: 'not-sent', idempotencyKey: 'k-1', attempts: 0 });
    const failure = failureOf(early, { idempotencyKey: 'k-1' }) as CliError;
    expect(failure.exitCode).toBe(130);
    expect(failure.toJSON()).toEqual({ error: { code: 'ABORTED', message: 'ABORTED: interrupted before anything was sent', outcome: 'refused', idempotencyKey: 'k-1' } });
    const late = Object.assign(new DOMException('The request was aborted.', 'AbortError'), { outcome: 'unknown', idempotencyKey: 'k-1', attempts: 1 });
    expect((failureOf(late, { idempotencyKey: 'k-1' }) as CliError).toJSON().error).toMatchObject({ outcome: 'unknown', message: expect.stringContaining('--idempotency-key k-1 ') });
  });
});

describe('signet call: a mutation that ran is never reported as nothing changed', () => {
  test('a root payload without userErrors beside an error (a nested field refused) exits 3; a refused payload alone exits 1 or 2', () => {
    const nested = JSON.stringify({
      data: { placeOrder: { order: { id: 'o-1', fills: null }, userErrors: [] } },
      errors: [{ message: 'first must be at most 100', path: ['placeOrder', 'order', 'fills'], extensions: { code: 'BAD_USER_INPUT' } }],
    });
    expect(refusalOf(200, nested, true, 'k-1')).toMatchObject({ exitCode: 3, details: { outcome: 'unknown', idempotencyKey: 'k-1' } });
    // Two root mutations: one ran, one was refused with userErrors.
    const half = JSON.stringify({ data: { a: { order: { id: 'o-2' }, userErrors: [] }, b: { order: null, userErrors: [{ code: 'INSUFFICIENT_FUNDS', message: 'poor' }] } } });
    expect(refusalOf(200, half, true)?.exitCode).toBe(3);
    // Nothing ran: the refusal's own code decides.
    expect(refusalOf(200, JSON.stringify({ data: { placeOrder: { order: null, userErrors: [{ code: 'INSUFFICIENT_FUNDS', message: 'poor' }] } } }), true)?.exitCode).toBe(1);
    expect(refusalOf(200, JSON.stringify({ data: { placeOrder: null }, errors: [{ message: 'bad', extensions: { code: 'BAD_USER_INPUT' } }] }), true)?.exitCode).toBe(2);
    // A query changed nothing, whatever came back.
    expect(refusalOf(200, nested, false)?.exitCode).toBe(2);
  });
});
