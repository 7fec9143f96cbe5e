import {
  createMemoryIdempotencyRecordStore,
  createMemoryIdempotencyStore,
  createMemoryTransactionRunner,
  declareCompleteIfNoLiveRecords,
  type IdempotencyStore,
} from '../src';

const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;

function setUp() {
  const transactions = createMemoryTransactionRunner();
  const records = createMemoryIdempotencyRecordStore(transactions);
  const store = createMemoryIdempotencyStore({ now: () => NOW });
  const save = (expiresAt: number) => transactions.runInTransaction(() => records.save({
    scopeKey: `acct:placeOrder:${expiresAt}`, fingerprint: 'fp', outcome: '"o"', createdAt: new Date(expiresAt - HOUR), expiresAt: new Date(expiresAt),
  }));
  return { records, store, save };
}

describe('declareCompleteIfNoLiveRecords', () => {
  it('declares a store complete since 0 when no record is live', async () => {
    const { records, store, save } = setUp();
    try {
      await save(NOW); // expired at NOW: does not count
      expect(await declareCompleteIfNoLiveRecords(store, records, () => NOW)).toBe('declared');
      expect(await store.claim('acct:placeOrder:k', 'fp', 1_000)).toMatchObject({ kind: 'acquired', completeSinceMs: 0 });
      expect(await declareCompleteIfNoLiveRecords(store, records, () => NOW)).toBe('kept');
    } finally {
      store.close();
    }
  });

  it('declares nothing while a record is live', async () => {
    const { records, store, save } = setUp();
    try {
      await save(NOW + 1);
      expect(await declareCompleteIfNoLiveRecords(store, records, () => NOW)).toBe('live-records');
      expect(await store.claim('acct:placeOrder:k', 'fp', 1_000)).toMatchObject({ kind: 'acquired', completeSinceMs: NOW });
    } finally {
      store.close();
    }
  });

  it('leaves a store without declarations alone, without asking the records', async () => {
    const { records, store } = setUp();
    store.close();
    const bare: IdempotencyStore = { claim: store.claim, complete: store.complete, release: store.release, remember: store.remember, peekCompleted: store.peekCompleted };
    const hasLive = jest.spyOn(records, 'hasLive');
    expect(await declareCompleteIfNoLiveRecords(bare, records, () => NOW)).toBe('unsupported');
    expect(hasLive).not.toHaveBeenCalled();
  });
});
