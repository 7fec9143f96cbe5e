/**
 * Request logs are bounded: one line per request, with the method, the path without its query
 * string and the Host each cut short, whatever the client pads (probes, which no limit covers,
 * and 429s included).
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
  const log = captureLogger();
  beforeAll(async () => {
    const account = await openSigningAccount({}, 'logs');
    db = account.db;
    // One request a minute per address: the third request of a test is a 429.
    server = await startSignet(account.services, memoryStores(), { logger: log.logger, requestLimits: { perIp: { max: 1, windowMs: 60_000 }, perAccount: { max: 100, windowMs: 60_000 } } });
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  /** The lines written for the request with this id. */
  const linesOf = (requestId: string) => log.text().split('\n').filter((line) => line.includes(requestId));

  test.each([
    ['a 15 KB query string on /healthz (no limit applies)', '/healthz', `?pad=${PADDING}`, {}, 200],
    ['a 14 KB Host on /healthz', '/healthz', '', { host: `h${'x'.repeat(14_000)}.example` }, 200],
    ['a 15 KB query string on an unknown path from an address over its limit (429)', '/nope', `?pad=${PADDING}`, {}, 429],
  ] as const)('%s: one short line, with the request id, the method and the path without its query', async (_name, path, query, headers, status) => {
    if (status === 429) await get(`${server.url}/nope`);
    const requestId = `log-test-${Math.random().toString(36).slice(2)}`;
    expect(await get(`${server.url}${path}${query}`, { ...headers, 'x-request-id': requestId })).toBe(status);
    // Written once the response has finished; give the logger a moment.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const lines = linesOf(requestId);
    expect(lines).toHaveLength(1);
    expect(Buffer.byteLength(lines[0])).toBeLessThan(MAX_LINE_BYTES);
    const line = JSON.parse(lines[0]);
    expect(line).toMatchObject({ reqId: requestId, msg: 'request completed', req: { method: 'GET', path }, res: { statusCode: status } });
    expect(line.req.host.length).toBeLessThanOrEqual(257);
    expect(lines[0]).not.toContain('pad=');
  });
});
