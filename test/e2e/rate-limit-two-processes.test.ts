import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createPgDriver, migrate } from '../../src/stores/postgres';
import { TEST_MASTER_KEY, WIDE_REQUEST_LIMITS, spawnSignet, type SignetProcess } from '../helpers/processes';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../helpers/services';

const gate = TEST_DATABASE_URL && TEST_REDIS_URL ? describe : describe.skip;

gate(`a per-field limit across two processes sharing Redis${TEST_DATABASE_URL && TEST_REDIS_URL ? '' : ' (skipped: TEST_DATABASE_URL and TEST_REDIS_URL are both needed)'}`, () => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  let admin: Client;
  let servers: SignetProcess[] = [];

  beforeAll(async () => {
    admin = new Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    const driver = createPgDriver({ url: TEST_DATABASE_URL as string, schema });
    await migrate(driver);
    await driver.close();
    const url = new URL(TEST_DATABASE_URL as string);
    url.searchParams.set('options', `-c search_path=${schema}`);
    // A unique field window per run: the limit key (client IP) is shared with other runs on this Redis.
    const env = {
      DATABASE_URL: url.toString(), REDIS_URL: TEST_REDIS_URL as string, SIGNET_MASTER_KEY: TEST_MASTER_KEY, SIGNET_PUBLIC_AUTHORITY: 'signet.test',
      SIGNET_RATE_LIMITS: JSON.stringify({ ...WIDE_REQUEST_LIMITS, 'Query.markets': { max: 10, window: `${3_600_000 + Math.floor(Math.random() * 1_000_000)}ms` } }),
    };
    servers = await Promise.all([spawnSignet(env), spawnSignet(env)]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await admin?.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin?.end();
  });

  test('200 concurrent calls with max 10, split across both processes, admit exactly 10', async () => {
    const body = JSON.stringify({ query: `{ markets { symbol } t${randomBytes(3).toString('hex')}: serverTime }` });
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => fetch(`${servers[i % 2].url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.json())));
    const admitted = results.filter((r) => Array.isArray(r.data?.markets));
    expect(admitted).toHaveLength(10);
    const limited = results.filter((r) => r.data?.markets === null);
    expect(limited).toHaveLength(190);
    expect(limited[0].errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 10 });
    // The sibling field still resolved in every limited response.
    expect(limited.every((r) => typeof Object.values(r.data).find((v) => typeof v === 'string') === 'string')).toBe(true);
  });
});
