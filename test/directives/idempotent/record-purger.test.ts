import { startRecordPurger } from '@signet/idempotency';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { idempotencyRecordsOf, servicesFor } from '../../helpers/domain';

describe('expired idempotency records are purged in the background', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openPgliteDatabase();
  });
  afterAll(async () => db?.close());

  test('a purge pass removes every expired record in batches and keeps live ones', async () => {
    const services = servicesFor(db.driver);
    const records = idempotencyRecordsOf(services);
    const base = Date.parse('2030-01-01T00:00:00Z');
    for (let i = 0; i < 25; i += 1) {
      await records.save({ scopeKey: `old-${i}`, fingerprint: 'f', outcome: '{}', createdAt: new Date(base - 2 * 86_400_000), expiresAt: new Date(base - 86_400_000) });
    }
    await records.save({ scopeKey: 'live', fingerprint: 'f', outcome: '{}', createdAt: new Date(base), expiresAt: new Date(base + 86_400_000) });
    const purger = startRecordPurger({ records, now: () => base, batchSize: 10, intervalMs: 3_600_000 });
    try {
      expect(await purger.runOnce()).toBe(25);
      expect(await purger.runOnce()).toBe(0);
      expect(await records.find('live', new Date(base))).not.toBeNull();
      expect(await records.find('old-3', new Date(base - 2 * 86_400_000))).toBeNull();
    } finally {
      await purger.stop();
    }
  });

  test('a pass that stops at its batch cap, with more left, is followed by the next one soon, not an interval later', async () => {
    const services = servicesFor(db.driver);
    const records = idempotencyRecordsOf(services);
    const base = Date.parse('2031-01-01T00:00:00Z');
    for (let i = 0; i < 55; i += 1) {
      await records.save({ scopeKey: `backlog-${i}`, fingerprint: 'f', outcome: '{}', createdAt: new Date(base - 2 * 86_400_000), expiresAt: new Date(base - 86_400_000) });
    }
    const expiredLeft = async () => Number((await db.driver.query<{ n: string }>("SELECT count(*) AS n FROM idempotency_records WHERE scope_key LIKE 'backlog-%'"))[0].n);
    // 2 batches of 10 a pass, a pass an hour: without the follow-up, 35 would wait an hour, and the next 15 another.
    const purger = startRecordPurger({ records, now: () => base, batchSize: 10, maxBatches: 2, intervalMs: 3_600_000, backlogDelayMs: 20 });
    try {
      expect(await purger.runOnce()).toBe(20);
      for (let waited = 0; waited < 5_000 && (await expiredLeft()) > 0; waited += 50) await new Promise((r) => setTimeout(r, 50));
      expect(await expiredLeft()).toBe(0);
    } finally {
      await purger.stop();
    }
  });

  test('stop() waits for the pass under way, and no pass starts after it', async () => {
    let release!: () => void;
    let calls = 0;
    const records = {
      purgeExpired: async () => {
        calls += 1;
        await new Promise<void>((resolve) => { release = resolve; });
        return 10;
      },
    } as unknown as Parameters<typeof startRecordPurger>[0]['records'];
    const purger = startRecordPurger({ records, now: () => 0, batchSize: 10, maxBatches: 1, intervalMs: 3_600_000, backlogDelayMs: 1 });
    const pass = purger.runOnce();
    let stopped = false;
    const stopping = purger.stop().then(() => { stopped = true; });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(await pass).toBe(10);
    // The pass was full (a backlog), but the purger is stopped: nothing more runs.
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(calls).toBe(1);
    expect(await purger.runOnce()).toBe(0);
  });
});
