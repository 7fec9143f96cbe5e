import {
  createIdempotentExecutor, createMemoryIdempotencyStore,
  type IdempotencyEvent, type IdempotencyRecord, type IdempotencyRecordStore, type IdempotencyStore, type OutcomeCodec, type TransactionRunner,
} from '../src';

/**
 * The executor alone, on ports a test controls: records in a map that a transaction stages and
 * commits, and a runner whose nested failures make the transaction rollback-only on demand.
 * Signet's GraphQL suites (test/directives/idempotent) run it on real databases and stores.
 */
function harness(options: { nestedFailure?: boolean } = {}) {
  const committed = new Map<string, IdempotencyRecord>();
  let staged: Map<string, IdempotencyRecord> | undefined;
  const transactionsRun: string[] = [];
  const records: IdempotencyRecordStore = {
    find: async (scopeKey, now) => { const r = committed.get(scopeKey); return r && r.expiresAt > now ? r : null; },
    async save(record) {
      if (!staged) throw new Error('save outside a transaction');
      if (committed.has(record.scopeKey)) return 'conflict';
      staged.set(record.scopeKey, record);
      return 'saved';
    },
    purgeExpired: async () => 0,
  };
  let rollbackOnly = false;
  const transactions: TransactionRunner = {
    async runInTransaction(work) {
      staged = new Map();
      rollbackOnly = false;
      try {
        const result = await work({ get rollbackOnly() { return rollbackOnly; } });
        for (const [k, r] of staged) committed.set(k, r);
        transactionsRun.push('commit');
        return result;
      } catch (error) {
        transactionsRun.push('rollback');
        throw error;
      } finally {
        staged = undefined;
      }
    },
  };
  const events: IdempotencyEvent[] = [];
  const execute = createIdempotentExecutor({
    records, transactions, retentionMs: 60_000,
    errors: {
      unavailable: () => new Error('UNAVAILABLE'),
      keyReused: (field) => new Error(`KEY_REUSED ${field}`),
      inProgress: (field, seconds) => new Error(`IN_PROGRESS ${field} ${seconds}`),
    },
  });
  /** Results are `{ refused: true }` (no effect) or `{ id }`; the effect marks the transaction rollback-only when asked. */
  const codec: OutcomeCodec = {
    encode: (result) => JSON.stringify(result),
    isRefusal: (outcome) => (JSON.parse(outcome) as { refused?: boolean }).refused === true,
    replay: async (outcome) => JSON.parse(outcome),
  };
  const call = (store: IdempotencyStore, result: unknown, scopeKey = 'u1:pay:k1') => execute({
    store, scopeKey, fingerprint: 'fp', field: 'pay', codec, onEvent: (e) => events.push(e),
    execute: async () => {
      if (options.nestedFailure) rollbackOnly = true;
      return result;
    },
  });
  return { call, committed, events, transactionsRun };
}

describe('createIdempotentExecutor', () => {
  test('a refusal from a rollback-only transaction is rolled back, then recorded alone, and replayed', async () => {
    const h = harness({ nestedFailure: true });
    const store = createMemoryIdempotencyStore();
    expect(await h.call(store, { refused: true })).toEqual({ kind: 'executed', value: { refused: true } });
    expect(h.transactionsRun).toEqual(['rollback', 'commit']);
    expect(h.committed.get('u1:pay:k1')?.outcome).toBe('{"refused":true}');
    expect(await h.call(store, { refused: true })).toEqual({ kind: 'replayed', value: { refused: true } });
    store.close();
  });

  test('a rollback-only transaction whose result is no refusal is not recorded, and the key stays unused', async () => {
    const h = harness({ nestedFailure: true });
    const store = createMemoryIdempotencyStore();
    await expect(h.call(store, { id: 'p1' })).rejects.toThrow('a nested transaction failed, yet it returned no refusal');
    expect(h.committed.size).toBe(0);
    expect((await store.claim('u1:pay:k1', 'fp', 1_000)).kind).toBe('acquired');
    store.close();
  });

  test('a store that cannot claim refuses with the host\'s error and runs nothing', async () => {
    const h = harness();
    const down = new Error('connection refused');
    const store = { claim: async () => { throw down; } } as unknown as IdempotencyStore;
    await expect(h.call(store, { id: 'p1' })).rejects.toThrow('UNAVAILABLE');
    expect(h.transactionsRun).toEqual([]);
    expect(h.events).toEqual([{ kind: 'store_unavailable', error: down }]);
  });

  test('fast-path writes that fail after the commit change nothing in the answer; a lost lease is reported', async () => {
    const h = harness();
    const memory = createMemoryIdempotencyStore();
    const failing: IdempotencyStore = { ...memory, complete: async () => { throw new Error('timeout'); } };
    expect(await h.call(failing, { id: 'p1' })).toEqual({ kind: 'executed', value: { id: 'p1' } });
    const forgetful: IdempotencyStore = { ...memory, complete: async () => false };
    expect(await h.call(forgetful, { id: 'p2' }, 'u1:pay:k2')).toEqual({ kind: 'executed', value: { id: 'p2' } });
    expect(h.events.map((e) => e.kind)).toEqual(['store_write_failed', 'executed', 'lease_lost', 'executed']);
    memory.close();
  });
});
