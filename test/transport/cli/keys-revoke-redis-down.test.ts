/**
 * `signet keys revoke` during a Redis outage (a compromised key, and Redis down): the revocation
 * tells the servers through Redis before it writes, so nothing is revoked. The operator is told
 * so and what to do, not shown the Redis client's own words.
 */
import { randomBytes } from 'node:crypto';
import { ALL_SCOPES } from '../../../src/domain';
import { createLogger, openRuntime } from '../../../src/runtime';
import { parseConfig } from '../../../src/config';
import { signet } from '../../helpers/cli';
import { openScratchSchema, type ScratchSchema } from '../../helpers/database';
import { freePort } from '../../helpers/ports';
import { describeWithPostgres } from '../../helpers/services';

describeWithPostgres('keys revoke with REDIS_URL unreachable', (url) => {
  let scratch: ScratchSchema;
  let env: Record<string, string>;
  let keyId: string;
  const revokedAt = async () => (await scratch.admin.query(`SELECT revoked_at FROM ${scratch.schema}.api_keys WHERE id = $1`, [keyId])).rows[0].revoked_at;
  beforeAll(async () => {
    scratch = await openScratchSchema(url);
    env = { DATABASE_URL: scratch.url, SIGNET_MASTER_KEY: randomBytes(32).toString('base64') };
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
  afterAll(async () => scratch?.drop());

  test('says nothing was revoked and what to do; the key stays live; without REDIS_URL it is revoked', async () => {
    const run = await signet({ ...env, REDIS_URL: `redis://127.0.0.1:${await freePort()}` }, 'keys', 'revoke', keyId);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^signet: Redis \(REDIS_URL\) did not answer, so nothing was revoked/m);
    expect(run.stderr).toContain('run it without REDIS_URL');
    expect(run.stderr).not.toContain("Stream isn't writeable");
    expect(await revokedAt()).toBeNull();

    const again = await signet(env, 'keys', 'revoke', keyId, '--json');
    expect(again.code).toBe(0);
    expect(await revokedAt()).not.toBeNull();
  }, 30_000);
});
