import { AsyncLocalStorage } from 'node:async_hooks';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { defineIdempotencyRecordStoreContract, type IdempotencyRecordStoreHarness } from '@signet/idempotency/testing';
import { createSqlIdempotencyRecordStore, idempotencyRecordsDdl, type SqlExecutor } from '../src';

/**
 * The adapter on its own, as another host would wire it: a PGlite database with the exported
 * DDL, an executor that routes to the transaction of the async context, and transactions that
 * nested calls join flat. (Signet runs the same contract over its own drivers and migrations,
 * on PGlite and PostgreSQL: test/stores/postgres.)
 */
async function openHarness(table?: string): Promise<IdempotencyRecordStoreHarness> {
  const db = await PGlite.create();
  await db.exec(idempotencyRecordsDdl(table));
  await db.exec('CREATE TABLE effects (id text PRIMARY KEY)');
  const ambient = new AsyncLocalStorage<Transaction>();
  const executor: SqlExecutor = {
    async query<R>(text: string, params: readonly unknown[] = []) {
      return (await (ambient.getStore() ?? db).query<R>(text, params as unknown[])).rows;
    },
  };
  const transaction = <T>(work: () => Promise<T>): Promise<T> =>
    ambient.getStore() ? work() : db.transaction((tx) => ambient.run(tx, work));
  return {
    store: createSqlIdempotencyRecordStore(executor, { table }),
    transaction,
    effect: {
      async write(id) { await executor.query('INSERT INTO effects (id) VALUES ($1)', [id]); },
      async exists(id) { return (await executor.query('SELECT 1 FROM effects WHERE id = $1', [id])).length === 1; },
    },
    close: () => db.close(),
  };
}

defineIdempotencyRecordStoreContract('PGlite, default table', () => openHarness());
defineIdempotencyRecordStoreContract('PGlite, a table of the host\'s naming', () => openHarness('host_idempotency'));

describe('the records table', () => {
  test('the DDL names the table and its expiry index after the table', () => {
    expect(idempotencyRecordsDdl()).toMatch(/^CREATE TABLE idempotency_records \(/);
    expect(idempotencyRecordsDdl('keys_seen')).toContain('CREATE INDEX keys_seen_expires_at ON keys_seen (expires_at);');
  });

  test('a table name that is not a plain lowercase identifier is refused before any SQL is written', () => {
    for (const table of ['Records', 'records; DROP TABLE x', 'a.b', '', 'x'.repeat(53)]) {
      expect(() => idempotencyRecordsDdl(table)).toThrow(/lowercase SQL identifier/);
      expect(() => createSqlIdempotencyRecordStore({ query: async () => [] }, { table })).toThrow(/lowercase SQL identifier/);
    }
  });
});

describe('prepared statements', () => {
  test('save and find, which run on every guarded call, ask to be prepared; the purge (in batches, off the request path) does not', async () => {
    const sent: Array<{ text: string; prepared: boolean }> = [];
    const store = createSqlIdempotencyRecordStore({
      async query<R>(text: string, _params?: readonly unknown[], options?: { readonly prepared?: boolean }) {
        sent.push({ text: text.trim().split(/\s+/).slice(0, 2).join(' '), prepared: options?.prepared === true });
        return (text.startsWith('INSERT') ? [{ scope_key: 'k' }] : text.includes('count') ? [{ n: 0 }] : []) as R[];
      },
    });
    const now = new Date('2026-01-01T00:00:00Z');
    await store.save({ scopeKey: 'k', fingerprint: 'f', outcome: '{}', createdAt: now, expiresAt: new Date(now.getTime() + 60_000) });
    await store.find('k', now);
    await store.purgeExpired(now, 10);
    expect(sent.slice(0, 2)).toEqual([{ text: 'INSERT INTO', prepared: true }, { text: 'SELECT scope_key,', prepared: true }]);
    expect(sent.length).toBeGreaterThan(2);
    expect(sent.slice(2).every((s) => !s.prepared)).toBe(true);
  });
});
