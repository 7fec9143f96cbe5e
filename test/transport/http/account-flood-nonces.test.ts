import type { DomainServices } from '../../../src/domain';
import { REQUEST_LIMITS } from '../../../src/transport/http/request-limits';
import { RETIREMENTS_PER_SOURCE } from '../../../src/transport/http/signature-retirement';
import type { TestDatabase } from '../../helpers/database';
import { memoryStores, openSigningAccount, signedRequest, startSignet, type RunningSignet, type TestKey } from '../../helpers/signet-server';

/**
 * An account over its request limit cannot grow the nonce store per request. Its requests are
 * refused, and each one's signature used up, but once this process knows the account is over
 * (until its window ends) the nonces are retired within the bounded allowance of each source,
 * not claimed one by one: one key sent from many addresses used to fill the embedded store
 * (100,000 nonces) and every account's signed requests got 503.
 */
describe('an account flooding past its limit', () => {
  let db: TestDatabase;
  let key: TestKey;
  let server: RunningSignet;
  const security = memoryStores();
  const liveNonces = () => (security.nonces as unknown as { size(): number }).size();
  beforeAll(async () => {
    let services: DomainServices;
    ({ db, key, services } = await openSigningAccount({ USD: '10' }, 'flood'));
    server = await startSignet(services, security, {
      requestLimits: { ...REQUEST_LIMITS, perIp: { max: 10_000, windowMs: 60_000 }, perAccount: { max: 3, windowMs: 60_000 } },
    });
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  test('claims no more nonces than the retirement allowance once the account is known to be over', async () => {
    const me = () => signedRequest(server, key, { query: '{ me { id } }' });
    expect([(await me()).status, (await me()).status, (await me()).status]).toEqual([200, 200, 200]);
    const refused = await me();
    expect([refused.status, refused.json.errors[0].extensions.code]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const before = liveNonces();
    const statuses = new Set<number>();
    for (let i = 0; i < RETIREMENTS_PER_SOURCE.max + 40; i += 1) statuses.add((await me()).status);
    expect([...statuses]).toEqual([429]);
    // One nonce per refused request before: 160 more.
    expect(liveNonces() - before).toBe(RETIREMENTS_PER_SOURCE.max);
  });
});
