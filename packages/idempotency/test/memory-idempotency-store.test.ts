import {
  createMemoryIdempotencyStore,
  type MemoryIdempotencyStoreOptions,
} from '../src/memory-idempotency-store';
import { defineIdempotencyStoreContract } from '../src/testing';

/** A store on a hand-driven clock, so expiry tests never wait. */
function storeOnFakeClock(options: Omit<MemoryIdempotencyStoreOptions, 'now'> = {}) {
  const clock = { now: 1_700_000_000_000 };
  const store = createMemoryIdempotencyStore({ ...options, now: () => clock.now });
  return { store, clock };
}

defineIdempotencyStoreContract(
  'memory',
  () => {
    const { store, clock } = storeOnFakeClock();
    return {
      store,
      advance: async (ms) => {
        clock.now += ms;
      },
      close: () => store.close(),
    };
  },
  { shortLeaseMs: 1_000 },
);

describe('memory idempotency store completeness', () => {
  it('is complete since its creation unless told otherwise', async () => {
    const { store, clock } = storeOnFakeClock();
    const created = clock.now;
    clock.now += 5_000;
    expect(await store.claim('a', 'fp', 1_000)).toMatchObject({ kind: 'acquired', completeSinceMs: created });
    store.close();
    const vouched = createMemoryIdempotencyStore({ completeSinceMs: 0 });
    expect(await vouched.claim('a', 'fp', 1_000)).toMatchObject({ kind: 'acquired', completeSinceMs: 0 });
    vouched.close();
  });

  it('dropping a live entry at the cap makes the store complete only from then on', async () => {
    const { store, clock } = storeOnFakeClock({ maxEntries: 2, completeSinceMs: 0 });
    try {
      await store.claim('a', 'fp', 60_000);
      expect(await store.claim('b', 'fp', 60_000)).toMatchObject({ completeSinceMs: 0 });
      const dropAt = clock.now;
      expect(await store.claim('c', 'fp', 60_000)).toMatchObject({ completeSinceMs: dropAt }); // 'a' was dropped to make room
    } finally {
      store.close();
    }
  });

  it('a declaration moves completeness back to the declared instant, never forward', async () => {
    const { store, clock } = storeOnFakeClock();
    const created = clock.now;
    try {
      expect(await store.declareCompleteSince(created + 1)).toBe(false); // later than its own: nothing to record
      expect(await store.claim('a', 'fp', 1_000)).toMatchObject({ kind: 'acquired', completeSinceMs: created });
      expect(await store.declareCompleteSince(0)).toBe(true);
      expect(await store.claim('b', 'fp', 1_000)).toMatchObject({ kind: 'acquired', completeSinceMs: 0 });
      expect(await store.declareCompleteSince(0)).toBe(false); // already complete since then
      await expect(store.declareCompleteSince(Number.NaN)).rejects.toThrow(RangeError);
    } finally {
      store.close();
    }
  });

  it('a store that dropped a live entry at the cap refuses a declaration', async () => {
    const { store, clock } = storeOnFakeClock({ maxEntries: 1 });
    try {
      await store.claim('a', 'fp', 60_000);
      clock.now += 1_000;
      const dropAt = clock.now;
      await store.claim('b', 'fp', 60_000); // drops the live 'a'
      expect(await store.declareCompleteSince(0)).toBe(false);
      expect(await store.claim('c', 'fp', 60_000)).toMatchObject({ kind: 'acquired', completeSinceMs: dropAt });
    } finally {
      store.close();
    }
  });
});

describe('memory idempotency store bounds', () => {
  it('100,000 expired claims are swept on the next access after the sweep interval', async () => {
    const { store, clock } = storeOnFakeClock({ sweepIntervalMs: 1_000 });
    try {
      for (let i = 0; i < 100_000; i++) await store.claim(`scope-${i}`, 'fp', 500);
      expect(store.size()).toBe(100_000);
      clock.now += 1_000;
      await store.claim('after-expiry', 'fp', 500);
      expect(store.size()).toBe(1);
    } finally {
      store.close();
    }
  });

  it('completed outcomes are swept after their retention, not after the lease', async () => {
    const { store, clock } = storeOnFakeClock({ sweepIntervalMs: 100 });
    try {
      const claim = await store.claim('kept', 'fp', 100);
      if (claim.kind !== 'acquired') throw new Error(`expected acquired, got ${claim.kind}`);
      await store.complete('kept', claim.token, 'fp', '"outcome"', 10_000);
      clock.now += 5_000;
      await store.claim('other', 'fp', 100);
      expect(store.size()).toBe(2);
      expect(await store.claim('kept', 'fp', 100)).toEqual({ kind: 'completed', outcome: '"outcome"' });
    } finally {
      store.close();
    }
  });

  it('an idle store frees expired entries on its own timer', async () => {
    // The clock is hand-driven so nothing expires while the entries are written, however slow
    // the machine; only the sweep timer itself is real (that timer is what this test is about).
    const { store, clock } = storeOnFakeClock({ sweepIntervalMs: 20 });
    try {
      for (let i = 0; i < 1_000; i++) await store.claim(`scope-${i}`, 'fp', 10);
      expect(store.size()).toBe(1_000);
      clock.now += 11;
      const deadline = Date.now() + 5_000;
      while (store.size() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(store.size()).toBe(0);
    } finally {
      store.close();
    }
  });

  it('never holds more than maxEntries, dropping the least recently written entry', async () => {
    const { store } = storeOnFakeClock({ maxEntries: 3 });
    try {
      for (const scope of ['a', 'b', 'c', 'd']) await store.claim(scope, 'fp', 10_000);
      expect(store.size()).toBe(3);
      // 'a' was dropped, so it can be acquired again; 'd' is still held.
      expect((await store.claim('a', 'fp', 10_000)).kind).toBe('acquired');
      expect((await store.claim('d', 'fp', 10_000)).kind).toBe('in_progress');
    } finally {
      store.close();
    }
  });

  it('holds at most 100,000 entries by default (about 50-100 MB), not a million (0.5 GB and more)', async () => {
    const store = createMemoryIdempotencyStore();
    try {
      for (let i = 0; i <= 100_000; i += 1) await store.claim(`scope-${i}`, 'fp', 60_000);
      expect(store.size()).toBe(100_000);
    } finally {
      store.close();
    }
  });

  it('refuses nonsensical options', () => {
    expect(() => createMemoryIdempotencyStore({ maxEntries: 0 })).toThrow(RangeError);
    expect(() => createMemoryIdempotencyStore({ sweepIntervalMs: -1 })).toThrow(RangeError);
  });
});
