import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parseConfig } from '../src/config';
import { createLogger, openRuntime, type Runtime } from '../src/runtime';
import { startOwnRedis, type OwnRedis } from './helpers/redis-server';

const HOUR = 3_600_000;

/** What the runtime's idempotency store says on its next acquired claim. */
async function completeSinceOf(runtime: Runtime): Promise<number | undefined> {
  const claim = await runtime.security.idempotency.claim(`acct-${Date.now()}:placeOrder:k-${Math.random()}`, 'fp', 1_000);
  if (claim.kind !== 'acquired') throw new Error(`expected acquired, got ${claim.kind}`);
  return claim.completeSinceMs;
}

/** A committed idempotency record expiring at `expiresAt`. */
async function saveRecord(runtime: Runtime, expiresAt: number): Promise<void> {
  const saved = await runtime.idempotencyRecords.save({
    scopeKey: `acct:placeOrder:${expiresAt}`, fingerprint: 'fp', outcome: '"o"', createdAt: new Date(expiresAt - HOUR), expiresAt: new Date(expiresAt),
  });
  expect(saved).toBe('saved');
}

/**
 * At start-up the runtime declares its idempotency store complete since 0 when the database holds
 * no live record (a fresh deployment pays no record lookup for a retention window), and never
 * when one is live: a store that started empty beside it must read records first.
 */
describe('openRuntime: idempotency completeness at start-up', () => {
  jest.setTimeout(60_000);
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'signet-completeness-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  async function withRuntime<T>(env: Record<string, string>, work: (runtime: Runtime) => Promise<T>): Promise<T> {
    const runtime = await openRuntime(parseConfig({ SIGNET_DATA_DIR: dataDir, ...env }), createLogger('silent'));
    try {
      return await work(runtime);
    } finally {
      await runtime.close();
    }
  }

  test('memory store: declared on a fresh database and on a restart with expired records only, not with a live record', async () => {
    await withRuntime({}, async (runtime) => {
      expect(await completeSinceOf(runtime)).toBe(0);
      await saveRecord(runtime, Date.now() + HOUR);
    });
    const restartedAt = Date.now();
    await withRuntime({}, async (runtime) => {
      expect(await completeSinceOf(runtime)).toBeGreaterThanOrEqual(restartedAt);
      await runtime.driver.query('UPDATE idempotency_records SET expires_at = $1', [new Date(Date.now() - 1)]);
    });
    await withRuntime({}, async (runtime) => {
      expect(await completeSinceOf(runtime)).toBe(0);
    });
  });

  describe('Redis (a server of its own)', () => {
    let own: OwnRedis;
    let redis: Redis;
    beforeAll(async () => {
      own = await startOwnRedis();
      redis = new Redis(own.url, { maxRetriesPerRequest: 1 });
    });
    afterAll(async () => {
      await redis?.quit();
      await own?.close();
    });

    test('an empty Redis is declared complete since 0 beside a database without live records, and not after a loss beside a live one', async () => {
      await withRuntime({ REDIS_URL: own.url }, async (runtime) => {
        expect(await redis.get('signet:idem:complete-since')).toBe(`0:${/run_id:([0-9a-f]+)/.exec(await redis.info('server'))![1]}`);
        expect(await completeSinceOf(runtime)).toBe(0);
        await saveRecord(runtime, Date.now() + HOUR);
      });
      await redis.flushall(); // this test's own server: what a restart without persistence does
      const restartedAt = Date.now();
      await withRuntime({ REDIS_URL: own.url }, async (runtime) => {
        expect(await redis.get('signet:idem:complete-since')).toBeNull();
        expect(await completeSinceOf(runtime)).toBeGreaterThanOrEqual(restartedAt);
      });
    });
  });
});
