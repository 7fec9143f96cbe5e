/**
 * `signet keys revoke` during a Redis outage (a compromised key, and Redis down): the revocation
 * tells the servers through Redis before it writes, so nothing is revoked. The operator is told
 * so and what to do, not shown the Redis client's own words.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ALL_SCOPES } from '../../../src/domain';
import { createLogger, openRuntime } from '../../../src/runtime';
import { parseConfig } from '../../../src/config';
import { signet } from '../../helpers/cli';
import { freePort } from '../../helpers/ports';
import { describeWithPostgres } from '../../helpers/services';

describeWithPostgres('keys revoke with REDIS_URL unreachable', (url) => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const databaseUrl = (() => {
    const u = new URL(url);
    u.searchParams.set('options', `-c search_path=${schema}`);
    return u.toString();
  })();
  const env = { DATABASE_URL: databaseUrl, SIGNET_MASTER_KEY: randomBytes(32).toString('base64') };
  let admin: Client;
  let keyId: string;
  beforeAll(async () => {
    admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    const runtime = await openRuntime(parseConfig(env), createLogger('silent'));
    try {
      const account = await runtime.services.accounts.createAccount('revoke-redis-down');
      if (!account.ok) throw new Error('account');
      const key = await runtime.services.apiKeys.createApiKey(account.value.id, { label: 'stolen', scopes: ALL_SCOPES, algorithm: 'ed25519' });
      if (!key.ok) throw new Error('key');
      keyId = key.value.apiKey.id;
    } finally {
      await runtime.close();
    }
  }, 30_000);
  afterAll(async () => {
    await admin?.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin?.end();
  });

  test('says nothing was revoked and what to do; the key stays live; without REDIS_URL it is revoked', async () => {
    const run = await signet({ ...env, REDIS_URL: `redis://127.0.0.1:${await freePort()}` }, 'keys', 'revoke', keyId);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^signet: Redis \(REDIS_URL\) did not answer, so nothing was revoked/m);
    expect(run.stderr).toContain('run it without REDIS_URL');
    expect(run.stderr).not.toContain("Stream isn't writeable");
    expect((await admin.query(`SELECT revoked_at FROM ${schema}.api_keys WHERE id = $1`, [keyId])).rows[0].revoked_at).toBeNull();

    const again = await signet(env, 'keys', 'revoke', keyId, '--json');
    expect(again.code).toBe(0);
    expect((await admin.query(`SELECT revoked_at FROM ${schema}.api_keys WHERE id = $1`, [keyId])).rows[0].revoked_at).not.toBeNull();
  }, 30_000);
});
