import { openPostgresDatabase, type TestDatabase } from '../../helpers/database';
import { describeWithPostgres } from '../../helpers/services';

/** Longer than `pg`'s own idle timeout (10 s), which closed a pooled connection after a quiet spell. */
const QUIET_SPELL_MS = 10_500;

/**
 * A pooled connection outlives an ordinary lull: it holds the hot statements prepared, so closing
 * it after pg's default 10 s made the first requests after every quiet spell reconnect and prepare
 * again (seen in the bench as servers that sat idle through other scenarios' turns costing more).
 */
describeWithPostgres('the PostgreSQL pool keeps its connections through a quiet spell', (url) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openPostgresDatabase(url, { maxConnections: 1 });
  });
  afterAll(async () => db?.close());

  test('after 10.5 s idle, the same connection answers, with its prepared statement still prepared', async () => {
    const text = 'SELECT pg_backend_pid() AS pid, (SELECT count(*)::int FROM pg_prepared_statements) AS prepared WHERE $1::int = 1';
    const [before] = await db.driver.begin((tx) => tx.query<{ pid: number; prepared: number }>(text, [1], { prepared: true }));
    expect(before.prepared).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, QUIET_SPELL_MS));
    const [after] = await db.driver.begin((tx) => tx.query<{ pid: number; prepared: number }>(text, [1], { prepared: true }));
    expect(after.pid).toBe(before.pid);
    expect(after.prepared).toBe(before.prepared);
  }, 30_000);
});
