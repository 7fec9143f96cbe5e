/**
 * `signet call` and whole-request refusals that say nothing ran (503 REPLAY_PROTECTION_RECOVERING
 * after a restart, SHUTTING_DOWN): like the SDK, it signs the request again (new nonce, `created`
 * on the server's clock) and sends it after Retry-After, within the SDK's bounds. When the server
 * keeps refusing, nothing ran: exit 1 with outcome "refused", never "outcome unknown". And
 * `call --json`: stdout holds one JSON document, the answer or the error object holding it (an
 * answer that is not JSON goes to stderr). Ctrl-C is reported as for the trading commands.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RETRY } from '@signet/sdk';
import { parseConfig } from '../../../src/config';
import type { DomainServices } from '../../../src/domain';
import type { CliDeps } from '../../../src/transport/cli/cli-deps';
import { runCli } from '../../../src/transport/cli/program';
import { capturedRun } from '../../helpers/cli';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { fundedAccount, servicesFor } from '../../helpers/domain';
import { silentLogger } from '../../helpers/logger';
import { freePort } from '../../helpers/ports';
import { createTestKey, memoryStores, startSignet, type RunningSignet } from '../../helpers/signet-server';

const TIMEOUT = 60_000;

/**
 * The server's clock, which jumps forward whenever `call` waits between attempts (its waits are
 * recorded), and `call`'s own, `skewMs` off the server's. `duringWait` runs at the start of each
 * wait; like a timer, a wait whose signal aborts rejects with an AbortError.
 */
function virtualTime() {
  const state = { advancedMs: 0, skewMs: 0, waits: [] as number[], duringWait: undefined as (() => void) | undefined };
  return {
    state,
    clock: () => Date.now() + state.advancedMs,
    callClock: () => Date.now() + state.advancedMs + state.skewMs,
    sleep: async (ms: number, signal?: AbortSignal) => {
      state.duringWait?.();
      if (signal?.aborted) throw new DOMException('The operation was aborted.', 'AbortError');
      state.waits.push(ms);
      state.advancedMs += ms;
    },
    random: () => 0.5,
  };
}

/** One request as the front received it: the signature's `created` and nonce. */
interface Received { created: number; nonce: string; forwarded: boolean }

function signatureParams(headers: IncomingHttpHeaders): { created: number; nonce: string } {
  const input = String(headers['signature-input'] ?? '');
  return { created: Number(/;created=(\d+)/.exec(input)?.[1]), nonce: /;nonce="([^"]+)"/.exec(input)?.[1] ?? '' };
}

/**
 * An HTTP front for the server: it answers the first `refusals` requests itself with a whole-request
 * refusal, by default a 503 whose `reason` says nothing ran (as Signet's admission does, `Date` on the
 * test's clock), or with `page` as text/html when set (a proxy's error page), and forwards the
 * others, Host and all, to the server. With `holdAnswers` it never passes on the server's answer.
 */
interface RefusingFront {
  url: string;
  refusals: number;
  status: number;
  code: string;
  reason: string;
  /** Retry-After, in seconds. */
  retryAfter: number;
  page?: string;
  holdAnswers: boolean;
  received: Received[];
  /** Resolves when the server has answered a request the front forwarded. */
  answered(): Promise<void>;
  close(): Promise<void>;
}

async function startRefusingFront(port: number, upstreamPort: number, clock: () => number): Promise<RefusingFront> {
  let onAnswer: (() => void) | undefined;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const forwarded = front.received.length >= front.refusals;
      front.received.push({ ...signatureParams(req.headers), forwarded });
      if (!forwarded && front.page !== undefined) {
        res.writeHead(front.status, { 'content-type': 'text/html' });
        res.end(front.page);
        return;
      }
      if (!forwarded) {
        const body = JSON.stringify({ errors: [{
          message: 'Refused without running it; nothing ran.',
          extensions: { code: front.code, retryable: front.status === 503, reason: front.reason, retryAfter: front.retryAfter },
        }] });
        res.writeHead(front.status, { 'content-type': 'application/json', 'retry-after': String(front.retryAfter), date: new Date(clock()).toUTCString() });
        res.end(body);
        return;
      }
      const upstream = request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        onAnswer?.();
        if (front.holdAnswers) return void answer.resume();
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const front: RefusingFront = {
    url: `http://127.0.0.1:${port}`, refusals: 0, status: 503, code: 'SERVICE_UNAVAILABLE', reason: 'REPLAY_PROTECTION_RECOVERING', retryAfter: 1, holdAnswers: false, received: [],
    answered: () => new Promise<void>((resolve) => (onAnswer = resolve)),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  return front;
}

/** `signet <args>` in process with `call` on `time`'s clock: its exit code, stdout and stderr. */
function signetOn(time: ReturnType<typeof virtualTime>, ...args: string[]) {
  const deps: CliDeps = {
    openRuntime: () => Promise.reject(new Error('call opens no runtime')),
    createLogger: () => silentLogger,
    callTiming: { clock: time.callClock, sleep: time.sleep, random: time.random },
  };
  return capturedRun(() => runCli(['node', 'signet', ...args], parseConfig({}), deps));
}

describe('signet call', () => {
  let db: TestDatabase;
  let services: DomainServices;
  let server: RunningSignet;
  let front: RefusingFront;
  let time: ReturnType<typeof virtualTime>;
  let dir: string;
  let aliceId: string;
  let credentials: string[];

  beforeAll(async () => {
    db = await openPgliteDatabase();
    services = servicesFor(db.driver);
    time = virtualTime();
    const frontPort = await freePort();
    // The front forwards the Host it was sent, so the server takes the front's name as its own; it
    // keeps the test's clock, which moves as `call` waits.
    server = await startSignet(services, memoryStores(), { publicAuthorities: [`127.0.0.1:${frontPort}`], now: time.clock });
    front = await startRefusingFront(frontPort, Number(new URL(server.url).port), time.clock);
    aliceId = await fundedAccount(services, { USD: '1000' }, 'alice');
    const key = await createTestKey(services, aliceId, 'ed25519');
    dir = mkdtempSync(join(tmpdir(), 'signet-call-retry-'));
    const file = join(dir, 'creds.json');
    writeFileSync(file, JSON.stringify({ keyId: key.keyId, algorithm: 'ed25519', privateKey: key.privateKey!.export({ format: 'der', type: 'pkcs8' }).toString('base64') }));
    credentials = ['--credentials', file, '--url', front.url];
  }, TIMEOUT);
  afterAll(async () => {
    await front?.close();
    await server?.close();
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    front.received = [];
    front.refusals = 0;
    front.status = 503;
    front.code = 'SERVICE_UNAVAILABLE';
    front.reason = 'REPLAY_PROTECTION_RECOVERING';
    front.retryAfter = 1;
    front.page = undefined;
    front.holdAnswers = false;
    time.state.waits = [];
    time.state.duringWait = undefined;
    time.state.skewMs = 0;
  });

  const ordersAt = async (price: string) => (await services.orders.listOrders(aliceId, { limit: 100 })).items.filter((o) => o.price === price);
  const placeAt = (price: string, quantity = '0.001') =>
    `mutation { placeOrder(input: { market: "BTC-USD", side: BUY, price: "${price}", quantity: "${quantity}" }) { order { id } userErrors { code } } }`;

  describe('after a refusal that ran nothing', () => {
    test('a mutation refused with REPLAY_PROTECTION_RECOVERING is signed again and sent after Retry-After: it runs once, exit 0', async () => {
      front.refusals = 1;
      const run = await signetOn(time, 'call', ...credentials, '--idempotency-key', 'after-restart', '--query', placeAt('20101'));
      expect(run).toMatchObject({ code: 0, stderr: '' });
      // One document on stdout: the answer of the attempt that ran, not the refusal.
      const placed = await ordersAt('20101');
      expect(placed).toHaveLength(1);
      expect(JSON.parse(run.stdout)).toEqual({ data: { placeOrder: { order: { id: placed[0].id }, userErrors: [] } } });
      const [refused, admitted] = front.received;
      expect(front.received.map((r) => r.forwarded)).toEqual([false, true]);
      // Signed afresh: a new nonce, and `created` advanced by the Retry-After the server counts from the refused one.
      expect(admitted.nonce).not.toBe(refused.nonce);
      expect(admitted.created).toBeGreaterThanOrEqual(refused.created + 1);
      expect(time.state.waits).toHaveLength(1);
      expect(time.state.waits[0]).toBeLessThanOrEqual(1_000);
    }, TIMEOUT);

    test('a clock 12 s behind is corrected from the refusal\'s Date: the retry is signed on the server\'s time, without waiting out the skew', async () => {
      time.state.skewMs = -12_000;
      front.refusals = 1;
      const run = await signetOn(time, 'call', ...credentials, '--idempotency-key', 'slow-clock', '--query', placeAt('20104'));
      expect(run.code).toBe(0);
      const [refused, admitted] = front.received;
      expect(refused.created * 1000).toBeLessThan(time.clock() - 10_000);
      expect(Math.abs(admitted.created * 1000 - time.clock())).toBeLessThanOrEqual(1_500);
      // Retry-After counts from the refused `created`, which the corrected clock has already passed.
      expect(time.state.waits).toEqual([expect.any(Number)]);
      expect(time.state.waits[0]).toBeLessThan(1_000);
      expect(await ordersAt('20104')).toHaveLength(1);
    }, TIMEOUT);

    test('a SIGNATURE_EXPIRED whose Date shows the clock a minute behind is signed again once, on the server\'s time', async () => {
      time.state.skewMs = -60_000;
      front.refusals = 1;
      front.status = 401;
      front.code = 'UNAUTHENTICATED';
      front.reason = 'SIGNATURE_EXPIRED';
      const run = await signetOn(time, 'call', ...credentials, '--query', '{ me { id } }');
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(run.stdout)).toEqual({ data: { me: { id: aliceId } } });
      expect(front.received).toHaveLength(2);
      expect(Math.abs(front.received[1].created * 1000 - time.clock())).toBeLessThanOrEqual(1_500);
      expect(time.state.waits).toEqual([]);
    }, TIMEOUT);

    test.each(['REPLAY_PROTECTION_RECOVERING', 'SHUTTING_DOWN'])('a mutation the server keeps refusing with %s ran nothing: exit 1, outcome "refused", within the SDK\'s bounds', async (reason) => {
      front.refusals = Infinity;
      front.reason = reason;
      front.retryAfter = 5;
      const run = await signetOn(time, 'call', ...credentials, '--idempotency-key', `refused-${reason}`, '--query', placeAt('20102'), '--json');
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout)).toEqual({
        error: { code: 'SERVICE_UNAVAILABLE', message: expect.stringMatching(new RegExp(`^SERVICE_UNAVAILABLE \\(${reason}\\): .*\\nnothing ran`)), outcome: 'refused', idempotencyKey: `refused-${reason}` },
        response: { errors: [expect.objectContaining({ extensions: expect.objectContaining({ reason }) })] },
      });
      expect(run.stderr).toMatch(new RegExp(`^signet: SERVICE_UNAVAILABLE \\(${reason}\\): `));
      expect(run.stderr).not.toContain('outcome unknown');
      // Retried, each attempt signed afresh, never sooner than asked, and no attempt later than 30 s after the first.
      expect(front.received.length).toBeGreaterThan(2);
      expect(front.received.length).toBeLessThanOrEqual(2 * DEFAULT_RETRY.maxAttempts - 1);
      expect(new Set(front.received.map((r) => r.nonce)).size).toBe(front.received.length);
      for (let i = 1; i < front.received.length; i += 1) expect(front.received[i].created - front.received[i - 1].created).toBeGreaterThanOrEqual(5);
      expect(time.state.waits.reduce((sum, ms) => sum + ms, 0)).toBeLessThanOrEqual(DEFAULT_RETRY.maxTotalMs);
      expect(await ordersAt('20102')).toEqual([]);
    }, TIMEOUT);

    test('a query the server keeps refusing exits 1 with no outcome (a read changed nothing)', async () => {
      front.refusals = Infinity;
      const run = await signetOn(time, 'call', ...credentials, '--query', '{ me { id } }');
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^signet: SERVICE_UNAVAILABLE \(REPLAY_PROTECTION_RECOVERING\): /);
      expect(front.received.length).toBeGreaterThan(1);
      // Without --json stdout holds the last answer, as for any refusal.
      expect(JSON.parse(run.stdout).errors[0].extensions.reason).toBe('REPLAY_PROTECTION_RECOVERING');
    }, TIMEOUT);

    test('a mutation\'s 503 that does not say nothing ran is sent once and stays an unknown outcome: exit 3', async () => {
      front.refusals = Infinity;
      front.reason = 'SOMETHING_ELSE';
      const run = await signetOn(time, 'call', ...credentials, '--idempotency-key', 'maybe-ran', '--query', placeAt('20103'), '--json');
      expect(run.code).toBe(3);
      expect(JSON.parse(run.stdout).error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', outcome: 'unknown', idempotencyKey: 'maybe-ran' });
      expect(front.received).toHaveLength(1);
    }, TIMEOUT);
  });

  describe('--json', () => {
    test('stdout holds the answer when it succeeds', async () => {
      const run = await signetOn(time, 'call', ...credentials, '--query', '{ me { id } }', '--json');
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(run.stdout)).toEqual({ data: { me: { id: aliceId } } });
    }, TIMEOUT);

    test('a GraphQL error answer is one document on stdout: the error object, with the answer in "response"', async () => {
      const invalid = await signetOn(time, 'call', ...credentials, '--query', '{ me { nope } }', '--json');
      expect(invalid.code).toBe(1);
      expect(invalid.stderr).toMatch(/^signet: GRAPHQL_VALIDATION_FAILED: /);
      expect(JSON.parse(invalid.stdout)).toEqual({
        error: { code: 'GRAPHQL_VALIDATION_FAILED', message: expect.stringMatching(/^GRAPHQL_VALIDATION_FAILED: /) },
        response: { errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }) })] },
      });
      // A mutation's business refusal: nothing changed, and the key it was sent with.
      const poor = await signetOn(time, 'call', ...credentials, '--idempotency-key', 'too-big', '--query', placeAt('2900000', '1'), '--json');
      expect(poor.code).toBe(1);
      expect(JSON.parse(poor.stdout)).toEqual({
        error: { code: 'INSUFFICIENT_FUNDS', message: expect.stringMatching(/^INSUFFICIENT_FUNDS/), outcome: 'refused', idempotencyKey: 'too-big' },
        response: { data: { placeOrder: { order: null, userErrors: [{ code: 'INSUFFICIENT_FUNDS' }] } } },
      });
    }, TIMEOUT);

    test('an answer that is not JSON (a proxy\'s error page) is shown on stderr, cut to 2,000 characters; stdout holds the error object alone', async () => {
      front.refusals = Infinity;
      front.status = 502;
      front.page = '<html><body><h1>502 Bad Gateway</h1></body></html>';
      const read = await signetOn(time, 'call', ...credentials, '--query', '{ me { id } }', '--json');
      expect(read.code).toBe(1);
      expect(JSON.parse(read.stdout)).toEqual({ error: { code: 'BAD_RESPONSE', message: 'HTTP 502: not a GraphQL response' } });
      expect(read.stderr).toBe(`${front.page}\nsignet: HTTP 502: not a GraphQL response\n`);

      front.page = `<html>${'x'.repeat(5_000)}</html>`;
      const long = await signetOn(time, 'call', ...credentials, '--idempotency-key', 'behind-proxy', '--query', placeAt('20105'), '--json');
      expect(long.code).toBe(3);
      expect(JSON.parse(long.stdout)).toEqual({ error: { code: 'BAD_RESPONSE', message: expect.stringMatching(/^BAD_RESPONSE: HTTP 502, not a GraphQL response\n/), outcome: 'unknown', idempotencyKey: 'behind-proxy' } });
      expect(long.stderr).toMatch(/^signet: BAD_RESPONSE: /m);
      expect(long.stderr.slice(0, long.stderr.indexOf('\nsignet: ') + 1)).toBe(`${front.page.slice(0, 2_000)}… (${front.page.length - 2_000} more characters)\n`);
    }, TIMEOUT);

    test('a server it cannot reach is the usual error object', async () => {
      const closed = `http://127.0.0.1:${await freePort()}`;
      const run = await signetOn(time, 'call', '--credentials', credentials[1], '--url', closed, '--query', '{ me { id } }', '--json');
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout)).toEqual({ error: { code: 'NETWORK_ERROR', message: expect.stringMatching(/^cannot reach http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/) } });
    }, TIMEOUT);
  });

  describe('--timeout', () => {
    test('a mutation whose answer does not come in time: exit 3, outcome "unknown" with its key, which then returns the order placed', async () => {
      front.holdAnswers = true;
      const answered = front.answered();
      const started = Date.now();
      const run = await signetOn(time, 'call', ...credentials, '--timeout', '300', '--idempotency-key', 'timeout-flight', '--query', placeAt('20114'), '--json');
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(run.code).toBe(3);
      expect(JSON.parse(run.stdout)).toEqual({ error: {
        code: 'NETWORK_ERROR', message: expect.stringMatching(new RegExp(`^no answer from ${front.url} within 300 ms \\(--timeout\\)\n`)), outcome: 'unknown', idempotencyKey: 'timeout-flight',
      } });
      expect(front.received).toHaveLength(1);
      await answered;
      front.holdAnswers = false;
      const placed = await ordersAt('20114');
      expect(placed).toHaveLength(1);
      const again = await signetOn(time, 'call', ...credentials, '--idempotency-key', 'timeout-flight', '--query', placeAt('20114'));
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout).data.placeOrder.order.id).toBe(placed[0].id);
    }, TIMEOUT);

    test('a read whose answer does not come in time: exit 1, NETWORK_ERROR naming the limit; a malformed value is a usage error', async () => {
      front.holdAnswers = true;
      const run = await signetOn(time, 'call', ...credentials, '--timeout', '200', '--query', '{ me { id } }');
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`no answer from ${front.url} within 200 ms (--timeout)`);
      for (const bad of ['soon', '-1', '1.5']) {
        const refused = await signetOn(time, 'call', ...credentials, '--timeout', bad, '--query', '{ me { id } }');
        expect(refused.code).toBe(2);
        expect(refused.stderr).toContain('--timeout must be a whole number of milliseconds, 0 for no limit');
      }
    }, TIMEOUT);
  });

  describe('Ctrl-C', () => {
    /** Ctrl-C, delivered to the handlers `call` added since `before` only (a real SIGINT would reach the test runner too). */
    const interrupt = (before: ReadonlySet<unknown>) => {
      for (const listener of process.listeners('SIGINT').filter((l) => !before.has(l))) (listener as () => void)();
    };

    test('during a wait after a refusal that ran nothing: exit 130, outcome "refused", nothing sent again', async () => {
      front.refusals = Infinity;
      const before = new Set<unknown>(process.listeners('SIGINT'));
      time.state.duringWait = () => interrupt(before);
      const run = await signetOn(time, 'call', ...credentials, '--idempotency-key', 'ctrl-c-wait', '--query', placeAt('20111'), '--json');
      expect(run.code).toBe(130);
      expect(JSON.parse(run.stdout)).toEqual({ error: { code: 'ABORTED', message: 'ABORTED: interrupted while waiting to retry: nothing ran', outcome: 'refused', idempotencyKey: 'ctrl-c-wait' } });
      expect(run.stderr).toBe('signet: ABORTED: interrupted while waiting to retry: nothing ran\n');
      expect(front.received).toHaveLength(1);
      expect(time.state.waits).toEqual([]);
      expect(await ordersAt('20111')).toEqual([]);
      // The handler lives only as long as the call.
      expect(process.listeners('SIGINT')).toHaveLength(before.size);
    }, TIMEOUT);

    test('while a mutation is in flight: exit 130, outcome "unknown" with its key, which returns the order placed meanwhile', async () => {
      front.holdAnswers = true;
      const before = new Set<unknown>(process.listeners('SIGINT'));
      const answered = front.answered();
      const running = signetOn(time, 'call', ...credentials, '--idempotency-key', 'ctrl-c-flight', '--query', placeAt('20112'), '--json');
      await answered;
      interrupt(before);
      const run = await running;
      expect(run.code).toBe(130);
      expect(JSON.parse(run.stdout)).toEqual({ error: { code: 'ABORTED', message: expect.stringMatching(/^ABORTED: interrupted; the call may still complete\n/), outcome: 'unknown', idempotencyKey: 'ctrl-c-flight' } });
      expect(run.stderr).toContain('--idempotency-key ctrl-c-flight to get its original outcome');
      const placed = await ordersAt('20112');
      expect(placed).toHaveLength(1);
      front.holdAnswers = false;
      const again = await signetOn(time, 'call', ...credentials, '--idempotency-key', 'ctrl-c-flight', '--query', placeAt('20112'));
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout).data.placeOrder.order.id).toBe(placed[0].id);
      expect(await ordersAt('20112')).toHaveLength(1);
    }, TIMEOUT);

    test('while a mutation without --idempotency-key is in flight: outcome "unknown", and how to learn it', async () => {
      front.holdAnswers = true;
      const before = new Set<unknown>(process.listeners('SIGINT'));
      const answered = front.answered();
      const running = signetOn(time, 'call', ...credentials, '--query', placeAt('20113'), '--json');
      await answered;
      interrupt(before);
      const run = await running;
      expect(run.code).toBe(130);
      expect(JSON.parse(run.stdout)).toEqual({ error: { code: 'ABORTED', message: expect.stringMatching(/^ABORTED: interrupted\noutcome unknown: /), outcome: 'unknown' } });
      expect(run.stderr).toContain('@idempotent(key:)');
    }, TIMEOUT);
  });
});
