/**
 * Request logs are bounded: one line per request, with the method, the path without its query
 * string and the Host each cut short, whatever the client pads (probes, which no limit covers,
 * and 429s included). A probe that found the process well writes its line at debug.
 */
import { request as httpRequest } from 'node:http';
import type { TestDatabase } from '../../helpers/database';
import { captureLogger } from '../../helpers/logger';
import { memoryStores, openSigningAccount, startSignet, type RunningSignet } from '../../helpers/signet-server';

const PADDING = 'x'.repeat(15_000);
/** Generous for one JSON line of method, path, Host (256 characters each at most), address, status and times. */
const MAX_LINE_BYTES = 1_200;

/** GET over node:http, which lets the test choose Host. */
function get(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('request logs', () => {
  let db: TestDatabase;
  let server: RunningSignet;
  // Debug: the probes' lines are written there (and each request's "incoming request" line too).
  const log = captureLogger('debug');
  let ready = true;
  beforeAll(async () => {
    const account = await openSigningAccount({}, 'logs');
    db = account.db;
    // One request a minute per address: the third request of a test is a 429.
    const readiness = [{ name: 'database', check: async () => { if (!ready) throw new Error('down'); } }];
    server = await startSignet(account.services, memoryStores(), { logger: log.logger, readiness, requestLimits: { perIp: { max: 1, windowMs: 60_000 }, perAccount: { max: 100, windowMs: 60_000 } } });
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  /** The lines written for the request with this id. */
  const linesOf = (requestId: string) => log.text().split('\n').filter((line) => line.includes(requestId));

  const DEBUG = 20;
  const INFO = 30;

  /** Sends the request and answers the lines written for it, each short, none with the padding. */
  async function linesFor(path: string, headers: Record<string, string>, status: number): Promise<Array<Record<string, unknown> & { req: { host: string } }>> {
    const requestId = `log-test-${Math.random().toString(36).slice(2)}`;
    expect(await get(`${server.url}${path}`, { ...headers, 'x-request-id': requestId })).toBe(status);
    // Written once the response has finished; give the logger a moment.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const lines = linesOf(requestId);
    for (const line of lines) {
      expect(Buffer.byteLength(line)).toBeLessThan(MAX_LINE_BYTES);
      expect(line).not.toContain('pad=');
    }
    return lines.map((line) => ({ ...JSON.parse(line), requestId }));
  }

  test.each([
    ['a 15 KB query string on /healthz (no limit applies)', '/healthz', `?pad=${PADDING}`, {}, 200, DEBUG],
    ['a 14 KB Host on /healthz', '/healthz', '', { host: `h${'x'.repeat(14_000)}.example` }, 200, DEBUG],
    ['a 15 KB query string on an unknown path from an address over its limit (429)', '/nope', `?pad=${PADDING}`, {}, 429, INFO],
  ] as const)('%s: one short line when it ends, with the request id, the method and the path without its query', async (_name, path, query, headers, status, level) => {
    if (status === 429) await get(`${server.url}/nope`);
    const lines = await linesFor(`${path}${query}`, headers, status);
    // At debug, "incoming request" comes first: as short.
    expect(lines.map((l) => l.msg)).toEqual(['incoming request', 'request completed']);
    const line = lines[1];
    expect(line).toMatchObject({ reqId: line.requestId, level, req: { method: 'GET', path }, res: { statusCode: status } });
    expect(line.req.host.length).toBeLessThanOrEqual(257);
  });

  test('a probe that finds the process well is written at debug; one that does not, at info', async () => {
    const [, readyLine] = await linesFor('/readyz', {}, 200);
    expect(readyLine).toMatchObject({ msg: 'request completed', level: DEBUG, res: { statusCode: 200 } });
    ready = false;
    try {
      const notReady = await linesFor('/readyz', {}, 503);
      expect(notReady.find((l) => l.msg === 'request completed')).toMatchObject({ level: INFO, res: { statusCode: 503 } });
    } finally {
      ready = true;
    }
  });
});
