import { AsyncLocalStorage } from 'node:async_hooks';
import type { IdempotencyRecord, IdempotencyRecordStore, TransactionRunner } from '@signet/idempotency';

/**
 * A toy database for the directive's tests: committed rows (notes and idempotency records) and
 * transactions that run one at a time (as PGlite's do), staging their writes until commit. Enough
 * to show the directive on a host that is not Signet; the real adapters have their own suites.
 */
export function inMemoryDatabase() {
  const notes = new Map<string, string>();
  const records = new Map<string, IdempotencyRecord>();
  interface Tx { readonly notes: Map<string, string>; readonly records: Map<string, IdempotencyRecord> }
  const ambient = new AsyncLocalStorage<Tx>();
  let queue: Promise<unknown> = Promise.resolve();

  const transactions: TransactionRunner = {
    runInTransaction(work) {
      const open = ambient.getStore();
      if (open) return work({ rollbackOnly: false }); // nested: joins flat
      const run = queue.then(async () => {
        const tx: Tx = { notes: new Map(), records: new Map() };
        const result = await ambient.run(tx, () => work({ rollbackOnly: false }));
        for (const [id, text] of tx.notes) notes.set(id, text);
        for (const [key, record] of tx.records) records.set(key, record);
        return result;
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };

  const recordStore: IdempotencyRecordStore = {
    async find(scopeKey, now) {
      const record = ambient.getStore()?.records.get(scopeKey) ?? records.get(scopeKey);
      return record && record.expiresAt > now ? record : null;
    },
    async save(record) {
      const tx = ambient.getStore();
      if (!tx) throw new Error('save outside a transaction');
      const live = tx.records.get(record.scopeKey) ?? records.get(record.scopeKey);
      if (live && live.expiresAt > record.createdAt) return 'conflict';
      tx.records.set(record.scopeKey, record);
      return 'saved';
    },
    async purgeExpired() {
      return 0;
    },
    async hasLive(now) {
      for (const record of records.values()) if (record.expiresAt > now) return true;
      return false;
    },
  };

  return {
    transactions,
    records: recordStore,
    /** Writes a note in the running transaction (the effect of the toy mutation). */
    writeNote(id: string, text: string): void {
      const tx = ambient.getStore();
      if (!tx) throw new Error('write outside a transaction');
      tx.notes.set(id, text);
    },
    /** Committed notes. */
    notes,
  };
}
