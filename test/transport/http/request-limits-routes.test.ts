import type { DomainServices } from '../../../src/domain';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { servicesFor } from '../../helpers/domain';
import { memoryStores, startSignet, type RunningSignet } from '../../helpers/signet-server';

const THREE_A_MINUTE = { perIp: { max: 3, windowMs: 60_000 }, perAccount: { max: 1000, windowMs: 60_000 } };

const get = (server: RunningSignet, path: string) => fetch(`${server.url}${path}`);
const postQuery = (server: RunningSignet) => fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ serverTime }"}' });

describe('the per-IP limit counts every route but the probes', () => {
  let db: TestDatabase;
  let services: DomainServices;
  let server: RunningSignet | undefined;
  beforeAll(async () => {
    db = await openPgliteDatabase();
    services = servicesFor(db.driver);
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  afterAll(async () => db?.close());

  test('unknown paths, the landing page and the playground\'s files spend the budget GraphQL spends', async () => {
    server = await startSignet(services, memoryStores(), { requestLimits: THREE_A_MINUTE });
    const spent = [await get(server, '/no-such-path'), await get(server, '/'), await get(server, '/playground/no-such-file.js')];
    expect(spent.map((r) => r.status)).toEqual([404, 200, 404]);
    expect(spent.map((r) => r.headers.get('ratelimit'))).toEqual([0, 1, 2].map((used) => expect.stringMatching(new RegExp(`^"Request.ip";r=${2 - used};t=\\d+$`))));
    const refused = await get(server, '/no-such-path');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await refused.json()).errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 3 });
    // One budget: the address is over for GraphQL too.
    expect((await postQuery(server)).status).toBe(429);
  });

  test('the liveness and readiness probes neither spend the budget nor are refused by it', async () => {
    server = await startSignet(services, memoryStores(), { requestLimits: THREE_A_MINUTE });
    for (let i = 0; i < 10; i += 1) {
      const [health, ready] = [await get(server, '/healthz'), await get(server, '/readyz')];
      expect([health.status, ready.status]).toEqual([200, 200]);
      expect([health.headers.get('ratelimit'), ready.headers.get('ratelimit')]).toEqual([null, null]);
    }
    for (let i = 0; i < 3; i += 1) expect((await postQuery(server)).status).toBe(200);
    expect((await postQuery(server)).status).toBe(429);
    // Over the limit, the probes still answer.
    expect((await get(server, '/healthz')).status).toBe(200);
    expect((await get(server, '/readyz')).status).toBe(200);
  });
});
