import { postgresSuite } from '../../helpers/database';
import { fundedAccount } from '../../helpers/domain';
import { describeWithPostgres } from '../../helpers/services';

/**
 * Every process flushes its batched key last-use times (`touchApiKeys`) on a timer, so two
 * processes can flush overlapping keys at the same moment. Each flush must lock its rows in one
 * order (by id), or two flushes that met the same rows in opposite orders deadlock and one of them
 * fails. The flush here meets its rows in descending order both ways a plan could take them (the
 * batch lists the higher id first, and the higher id's row comes first in the table); a second
 * transaction holds the higher id. A flush in id order holds the lower id while it waits; a flush
 * in the batch's or the table's order holds nothing yet, and the lower id is free.
 */
describeWithPostgres('batched key last-use updates lock their rows in id order (PostgreSQL)', (url) => {
  const suite = postgresSuite(url);

  async function twoKeys(): Promise<{ low: string; high: string }> {
    const account = await fundedAccount(suite.services, {}, 'touch');
    const ids: string[] = [];
    for (const label of ['first', 'second']) {
      const created = await suite.services.apiKeys.createApiKey(account, { label, scopes: ['READ'], algorithm: 'hmac-sha256' });
      if (!created.ok) throw new Error(JSON.stringify(created.errors));
      ids.push(created.value.apiKey.id);
    }
    const [low, high] = [...ids].sort();
    // A new row version goes to the end of the table: the higher id's row now comes first in a scan.
    await suite.db.driver.query('UPDATE api_keys SET label = label WHERE id = $1', [low]);
    return { low: low as string, high: high as string };
  }

  /** Resolves once another backend waits for a lock that `holder` (a backend pid) holds. */
  async function blockedBy(holder: number): Promise<void> {
    for (;;) {
      const rows = await suite.db.driver.query('SELECT 1 FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [holder]);
      if (rows.length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  test('a flush waiting for the higher id already holds the lower one', async () => {
    const { low, high } = await twoKeys();
    const at = new Date('2026-12-02T12:00:00Z');
    let lowWasFree: boolean | undefined;
    let flush: Promise<void> | undefined;
    await suite.db.driver.begin(async (tx) => {
      const [{ pid }] = await tx.query('SELECT pg_backend_pid() AS pid');
      await tx.query('SELECT 1 FROM api_keys WHERE id = $1 FOR NO KEY UPDATE', [high]);
      flush = suite.services.uow.repo.touchApiKeys(new Map([[high, at], [low, at]]));
      await blockedBy(Number(pid));
      await tx.query('SAVEPOINT probe');
      try {
        await tx.query('SELECT 1 FROM api_keys WHERE id = $1 FOR NO KEY UPDATE NOWAIT', [low]);
        lowWasFree = true;
      } catch (error) {
        if ((error as { code?: string }).code !== '55P03') throw error;
        lowWasFree = false;
        await tx.query('ROLLBACK TO SAVEPOINT probe');
      }
    });
    await flush;
    expect(lowWasFree).toBe(false);
    for (const id of [low, high]) expect((await suite.services.uow.repo.findApiKey(id))?.lastUsedAt).toEqual(at);
  }, 20_000);
});
