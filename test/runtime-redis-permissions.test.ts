import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { parseConfig } from '../src/config';
import { createLogger, openRuntime } from '../src/runtime';
import { startOwnRedis, type OwnRedis } from './helpers/redis-server';

/**
 * A REDIS_URL user Redis refuses a command Signet's scripts run stops start-up, as a wrong password
 * does: started, the server would answer 503 to every signed request while /readyz said ready.
 */
describe('the ACL of the REDIS_URL user at start-up', () => {
  let dataDir: string;
  let redis: OwnRedis;
  // Each opens an embedded runtime in a new data directory (PGlite's initdb and the migrations):
  // 8–15 s alone on 2 cores, and past 30 s under the full suite's parallel load.
  const OPEN_RUNTIME_MS = 120_000;

  beforeAll(async () => {
    redis = await startOwnRedis();
    const admin = new Redis(redis.port, '127.0.0.1');
    await admin.call('ACL', 'SETUSER', 'hardened', 'on', '>hardened-pw-7', '~*', '+@all', '-@dangerous');
    await admin.call('ACL', 'SETUSER', 'signet', 'on', '>signet-pw-7', '~signet:*', '+@all', '-@dangerous', '+info');
    // Every command, but keys that leave out the idempotency prefix (signet:idem:).
    await admin.call('ACL', 'SETUSER', 'noidem', 'on', '>noidem-pw-7', '~signet:nonce:*', '~signet:rl:*', '~signet:keyver:*', '+@all', '-@dangerous', '+info');
    admin.disconnect();
  });
  afterAll(async () => {
    await redis?.close();
  });
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'signet-redis-acl-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  test('the hardened `+@all -@dangerous` (no INFO) stops start-up, naming the ACL Signet needs, without the password', async () => {
    const config = parseConfig({ SIGNET_DATA_DIR: dataDir, REDIS_URL: `redis://hardened:hardened-pw-7@127.0.0.1:${redis.port}/0` });
    const failure = openRuntime(config, createLogger('silent'));
    await expect(failure).rejects.toThrow(/^Redis refused a command Signet needs to the REDIS_URL user \(.*can't run this command.*\).*~signet:\* \+@all -@dangerous \+info/);
    await expect(failure).rejects.not.toThrow(/hardened-pw-7/);
    // Nothing is left open: the data directory is free again.
    expect(existsSync(join(dataDir, 'signet.lock'))).toBe(false);
  }, OPEN_RUNTIME_MS);

  test('key patterns that leave out a prefix Signet writes (the idempotency store\'s) stop start-up too', async () => {
    const config = parseConfig({ SIGNET_DATA_DIR: dataDir, REDIS_URL: `redis://noidem:noidem-pw-7@127.0.0.1:${redis.port}/0` });
    await expect(openRuntime(config, createLogger('silent'))).rejects.toThrow(/^Redis refused a command Signet needs to the REDIS_URL user \(NOPERM.*keys.*\).*~signet:\*/);
    expect(existsSync(join(dataDir, 'signet.lock'))).toBe(false);
  }, OPEN_RUNTIME_MS);

  test('the ACL the README names starts, and /readyz checks it', async () => {
    const config = parseConfig({ SIGNET_DATA_DIR: dataDir, REDIS_URL: `redis://signet:signet-pw-7@127.0.0.1:${redis.port}/0` });
    const runtime = await openRuntime(config, createLogger('silent'));
    try {
      await expect(runtime.readiness.find((r) => r.name === 'redis')?.check()).resolves.toBeUndefined();
    } finally {
      await runtime.close();
    }
  }, OPEN_RUNTIME_MS);
});
