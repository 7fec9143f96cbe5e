import {
  createIdempotentExecutor, createMemoryIdempotencyStore,
  type IdempotencyEvent, type IdempotencyRecord, type IdempotencyRecordStore, type IdempotencyStore, type OutcomeCodec, type TransactionRunner,
} from '../src';

/**
 * The executor alone, on ports a test controls: records in a map that a transaction stages and
 * commits, and a runner whose nested failures make the transaction rollback-only on demand.
 * Signet's GraphQL suites (test/directives/idempotent) run it on real databases and stores.
 */
const RETENTION_MS = 60_000;

function harness(options: { nestedFailure?: boolean; lookupRecordFirst?: 'when-incomplete' | 'always'; now?: () => number } = {}) {
  const committed = new Map<string, IdempotencyRecord>();
  let finds = 0;
  let executions = 0;
  let staged: Map<string, IdempotencyRecord> | undefined;
  const transactionsRun: string[] = [];
  const records: IdempotencyRecordStore = {
    find: async (scopeKey, now) => { finds += 1; const r = committed.get(scopeKey); return r && r.expiresAt > now ? r : null; },
    async save(record) {
      if (!staged) throw new Error('save outside a transaction');
      if (committed.has(record.scopeKey)) return 'conflict';
      staged.set(record.scopeKey, record);
      return 'saved';
    },
    purgeExpired: async () => 0,
    hasLive: async (now) => [...committed.values()].some((r) => r.expiresAt > now),
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
    records, transactions, retentionMs: RETENTION_MS, lookupRecordFirst: options.lookupRecordFirst, now: options.now,
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
  const call = (store: IdempotencyStore, result: unknown, scopeKey = 'u1:pay:k1', fingerprint = 'fp') => execute({
    store, scopeKey, fingerprint, field: 'pay', codec, onEvent: (e) => events.push(e),
    execute: async () => {
      executions += 1;
      if (options.nestedFailure) rollbackOnly = true;
      return result;
    },
  });
  return { call, committed, events, records, transactionsRun, finds: () => finds, executions: () => executions };
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

  test.each([
    ['the record lookup of an incomplete store', 'find'],
    ['the record insert in the effect\'s transaction', 'save'],
  ] as const)('%s failing refuses with the host\'s unavailable error, never the driver\'s message, and leaves the key unused', async (_name, failing) => {
    const h = harness({ lookupRecordFirst: 'always' });
    const down = new Error('relation "idempotency_records" does not exist');
    h.records[failing] = async () => { throw down; };
    const store = createMemoryIdempotencyStore();
    await expect(h.call(store, { id: 'p1' })).rejects.toThrow(/^UNAVAILABLE$/);
    expect(h.events).toEqual([{ kind: 'records_unavailable', error: down }]);
    expect(h.committed.size).toBe(0);
    expect(h.transactionsRun).toEqual(failing === 'save' ? ['rollback'] : []);
    // The lease was released: a retry claims the key at once.
    expect((await store.claim('u1:pay:k1', 'fp', 1_000)).kind).toBe('acquired');
    store.close();
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

describe('createIdempotentExecutor after the fast path lost its data', () => {
  const T0 = 1_700_000_000_000;

  test('a retry after the store started empty (FLUSHALL, a restart) replays the durable record: the effect runs once', async () => {
    const clock = { now: T0 };
    const h = harness({ now: () => clock.now });
    const before = createMemoryIdempotencyStore({ now: () => clock.now });
    expect(await h.call(before, { id: 'p1' })).toEqual({ kind: 'executed', value: { id: 'p1' } });
    before.close();
    clock.now += 1_000;
    const emptied = createMemoryIdempotencyStore({ now: () => clock.now }); // complete only from now on
    expect(await h.call(emptied, { id: 'p2' })).toEqual({ kind: 'replayed', value: { id: 'p1' } });
    expect(h.executions()).toBe(1);
    expect(h.transactionsRun).toEqual(['commit']);
    expect(h.events.map((e) => e.kind)).toEqual(['executed', 'replayed']);
    expect(h.events[1]).toEqual({ kind: 'replayed', source: 'durable' });
    // Put back in the cache: the next retry is answered without reading the record.
    expect(await emptied.claim('u1:pay:k1', 'fp', 1_000)).toEqual({ kind: 'completed', outcome: '{"id":"p1"}' });
    emptied.close();
  });

  test('the record found first refuses other arguments as a key reuse, running nothing', async () => {
    const h = harness();
    const first = createMemoryIdempotencyStore();
    await h.call(first, { id: 'p1' });
    first.close();
    const emptied = createMemoryIdempotencyStore();
    await expect(h.call(emptied, { id: 'p2' }, 'u1:pay:k1', 'other-fp')).rejects.toThrow('KEY_REUSED pay');
    expect(h.executions()).toBe(1);
    emptied.close();
  });

  test('once the store has been complete for a whole retention, an acquired claim reads no record (the fast path costs nothing more)', async () => {
    const clock = { now: T0 };
    const h = harness({ now: () => clock.now });
    const store = createMemoryIdempotencyStore({ now: () => clock.now, completeSinceMs: T0 - RETENTION_MS });
    expect(await h.call(store, { id: 'p1' })).toEqual({ kind: 'executed', value: { id: 'p1' } });
    expect(h.finds()).toBe(0);
    store.close();
  });

  test('within the retention after the store started, a new key costs one lookup, then executes', async () => {
    const clock = { now: T0 };
    const h = harness({ now: () => clock.now });
    const store = createMemoryIdempotencyStore({ now: () => clock.now, completeSinceMs: T0 - RETENTION_MS + 1 });
    expect(await h.call(store, { id: 'p1' })).toEqual({ kind: 'executed', value: { id: 'p1' } });
    expect({ finds: h.finds(), executions: h.executions() }).toEqual({ finds: 1, executions: 1 });
    store.close();
  });

  test("lookupRecordFirst: 'always' reads the record even from a store complete for ages; a store that does not say is read first too", async () => {
    const always = harness({ lookupRecordFirst: 'always' });
    const old = createMemoryIdempotencyStore({ completeSinceMs: 0 });
    await always.call(old, { id: 'p1' });
    expect(always.finds()).toBe(1);
    old.close();

    const unsaid = harness();
    const memory = createMemoryIdempotencyStore();
    const silent: IdempotencyStore = {
      ...memory,
      claim: async (...args) => {
        const claim = await memory.claim(...args);
        return claim.kind === 'acquired' ? { kind: 'acquired', token: claim.token } : claim;
      },
    };
    await unsaid.call(silent, { id: 'p1' });
    expect(unsaid.finds()).toBe(1);
    memory.close();
  });

  test('a lookup that fails releases the lease and refuses as unavailable: nothing ran, the key stays unused', async () => {
    const h = harness();
    const memory = createMemoryIdempotencyStore();
    const executor = createIdempotentExecutor({
      records: { find: async () => { throw new Error('db down'); }, save: async () => 'saved', purgeExpired: async () => 0, hasLive: async () => false },
      transactions: { runInTransaction: (work) => work({ rollbackOnly: false }) },
      retentionMs: RETENTION_MS,
      errors: { unavailable: () => new Error('U'), keyReused: () => new Error('R'), inProgress: () => new Error('I') },
    });
    let ran = false;
    await expect(executor({
      store: memory, scopeKey: 's', fingerprint: 'fp', field: 'pay',
      codec: { encode: String, isRefusal: () => false, replay: async (o) => o },
      execute: async () => { ran = true; return 1; },
    })).rejects.toThrow(/^U$/);
    expect(ran).toBe(false);
    expect((await memory.claim('s', 'fp', 1_000)).kind).toBe('acquired');
    expect(h.executions()).toBe(0);
    memory.close();
  });

  describe('a transaction runner that fails itself (connect, BEGIN, COMMIT): its words are never the client\'s', () => {
    const records: IdempotencyRecordStore = { find: async () => null, save: async () => 'saved', purgeExpired: async () => 0, hasLive: async () => false };
    const errors = { unavailable: () => new Error('U'), keyReused: () => new Error('R'), inProgress: () => new Error('I') };
    const codec: OutcomeCodec = { encode: String, isRefusal: () => false, replay: async (o) => o };
    /** Runners failing where a database would: before the work (connect, BEGIN) or after it (COMMIT). */
    const failing: Record<string, TransactionRunner> = {
      'before the work (connect)': { runInTransaction: async () => { throw new Error('connect ECONNREFUSED 10.0.0.5:5432'); } },
      'after the work (COMMIT)': { runInTransaction: async (work) => { await work({ rollbackOnly: false }); throw new Error('Connection terminated unexpectedly'); } },
    };

    test.each(Object.keys(failing))('failing %s: refused with unavailable() by default, reported, and the key stays unused', async (where) => {
      const memory = createMemoryIdempotencyStore();
      const events: IdempotencyEvent[] = [];
      const executor = createIdempotentExecutor({ records, transactions: failing[where], retentionMs: RETENTION_MS, errors });
      const answer = executor({ store: memory, scopeKey: 's', fingerprint: 'fp', field: 'pay', codec, onEvent: (e) => events.push(e), execute: async () => 1 });
      // Before, the driver's message itself (a database host and port) was the call's error.
      await expect(answer).rejects.toThrow(/^U$/);
      expect(events).toEqual([{ kind: 'transaction_failed', error: expect.objectContaining({ message: expect.stringMatching(/ECONNREFUSED|terminated/) }) }]);
      expect((await memory.claim('s', 'fp', 1_000)).kind).toBe('acquired');
      memory.close();
    });

    test('a host may answer it itself (transactionFailed); the call\'s own error still passes as it is', async () => {
      const memory = createMemoryIdempotencyStore();
      const executor = createIdempotentExecutor({
        records, transactions: failing['before the work (connect)'], retentionMs: RETENTION_MS,
        errors: { ...errors, transactionFailed: (error) => new Error(`classified: ${(error as Error).message.split(' ')[0]}`) },
      });
      await expect(executor({ store: memory, scopeKey: 's1', fingerprint: 'fp', field: 'pay', codec, execute: async () => 1 })).rejects.toThrow('classified: connect');
      const working = createIdempotentExecutor({ records, transactions: { runInTransaction: (work) => work({ rollbackOnly: false }) }, retentionMs: RETENTION_MS, errors });
      const own = new Error('the resolver\'s own refusal');
      await expect(working({ store: memory, scopeKey: 's2', fingerprint: 'fp', field: 'pay', codec, execute: async () => { throw own; } })).rejects.toBe(own);
      memory.close();
    });
  });

  test('an unknown lookupRecordFirst is refused when the executor is built', () => {
    expect(() => harness({ lookupRecordFirst: 'never' as 'always' })).toThrow(RangeError);
  });
});
