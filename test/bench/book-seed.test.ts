/**
 * The bench's bulk seeding (a million historical orders in one statement) runs without a statement
 * timeout on PostgreSQL, and the driver must wait for its statements' answers however long they
 * take: with the driver's read timeout (statement timeout + 2 s) applied to them, `npm run bench`
 * on PostgreSQL stopped at the history seed with "Query read timeout".
 */
import { bulk } from '../../bench/book-seed';
import { createPgDriver } from '../../src/stores/postgres';
import { openScratchSchema } from '../helpers/database';
import { describeWithPostgres } from '../helpers/services';

describeWithPostgres('the bench\'s bulk seeding on PostgreSQL', (url) => {
  test('a statement longer than the driver\'s statement timeout and read timeout runs to its end', async () => {
    const scratch = await openScratchSchema(url);
    // Statement timeout 100 ms: the driver gives up on an ordinary statement's answer after 2.1 s.
    const driver = createPgDriver({ url: scratch.url, statementTimeoutMs: 100 });
    try {
      await expect(driver.query('SELECT pg_sleep(0.5)')).rejects.toMatchObject({ code: '57014' });
      const rows: unknown[] = [];
      await bulk(driver, async (tx) => {
        rows.push(...(await tx.query<{ n: number }>('SELECT pg_sleep(2.5), 1 AS n')));
      });
      expect(rows).toEqual([{ pg_sleep: '', n: 1 }]);
    } finally {
      await driver.close();
      await scratch.drop();
    }
  }, 30_000);
});
