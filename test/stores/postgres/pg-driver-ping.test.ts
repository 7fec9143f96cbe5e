import { openPostgresDatabase, type TestDatabase } from '../../helpers/database';
import { describeWithPostgres } from '../../helpers/services';

/** What "answered at once" allows: far below the pool's 5 s connect wait, which a ping through it waited out. */
const ANSWER_WITHIN_MS = 3_000;

/**
 * The readiness probe asks whether PostgreSQL answers, not whether a pooled connection is free:
 * with every pooled connection busy (requests queued behind one market's lock, a burst), the
 * ping still answers, so /readyz does not take every instance out of a load balancer at once.
 */
describeWithPostgres('the PostgreSQL readiness ping', (url) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openPostgresDatabase(url, { maxConnections: 2 });
  });
  afterAll(async () => db?.close());

  test('answers while every pooled connection is held by a transaction', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    const busy = [0, 1].map(() => db.driver.begin(async (tx) => {
      await tx.query('SELECT 1');
      started += 1;
      await held;
    }));
    try {
      while (started < 2) await new Promise((resolve) => setTimeout(resolve, 10));
      const answer = await Promise.race([
        db.driver.ping().then(() => 'answered', (error: Error) => `failed: ${error.message}`),
        new Promise<string>((resolve) => setTimeout(() => resolve('still waiting for a pooled connection'), ANSWER_WITHIN_MS)),
      ]);
      expect(answer).toBe('answered');
    } finally {
      release();
      await Promise.all(busy);
    }
  });
});
