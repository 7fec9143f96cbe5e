import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config';
import { createLogger, openRuntime } from '../src/runtime';
import { describeWithRedis } from './helpers/services';

describeWithRedis('the Redis database REDIS_URL names', (redisUrl) => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'signet-redis-db-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));
  const withDatabase = (n: number) => `${redisUrl.replace(/\/\d*$/, '')}/${n}`;
  // Each opens an embedded runtime in a new data directory (PGlite's initdb and the migrations):
  // 8–15 s alone on 2 cores, and past 30 s under the full suite's parallel load.
  const OPEN_RUNTIME_MS = 120_000;

  test('a database Redis refuses (past its `databases`) stops start-up naming REDIS_URL, instead of running on database 0', async () => {
    const config = parseConfig({ SIGNET_DATA_DIR: dataDir, REDIS_URL: withDatabase(9999) });
    await expect(openRuntime(config, createLogger('silent'))).rejects.toThrow(/REDIS_URL names database 9999, which Redis refused \(ERR DB index is out of range\)/);
    // Nothing is left open: the data directory is free again.
    expect(existsSync(join(dataDir, 'signet.lock'))).toBe(false);
  }, OPEN_RUNTIME_MS);

  test('credentials Redis refuses (WRONGPASS) stop start-up naming REDIS_URL, without echoing the password', async () => {
    const url = new URL(withDatabase(0));
    url.username = 'no-such-user';
    url.password = 'not-the-password-42';
    const config = parseConfig({ SIGNET_DATA_DIR: dataDir, REDIS_URL: url.toString() });
    const failure = openRuntime(config, createLogger('silent'));
    await expect(failure).rejects.toThrow(/^Redis refused the credentials in REDIS_URL \(WRONGPASS/);
    await expect(failure).rejects.not.toThrow(/not-the-password-42/);
    expect(existsSync(join(dataDir, 'signet.lock'))).toBe(false);
  }, OPEN_RUNTIME_MS);

  test('a database Redis has is used, and /readyz checks it', async () => {
    const runtime = await openRuntime(parseConfig({ SIGNET_DATA_DIR: dataDir, REDIS_URL: withDatabase(3) }), createLogger('silent'));
    try {
      const redis = runtime.readiness.find((r) => r.name === 'redis');
      await expect(redis?.check()).resolves.toBeUndefined();
    } finally {
      await runtime.close();
    }
  }, OPEN_RUNTIME_MS);
});
