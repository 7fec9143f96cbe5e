import { createMemoryRateLimitStore, type MemoryRateLimitStore } from '../src/memory-rate-limit-store';
import { defineRateLimitStoreContract } from '../src/testing';

/** A store on a fake clock, so window rollover is instant and exact. */
function storeOnFakeClock(options: { maxKeys?: number; sweepIntervalMs?: number } = {}) {
  const clock = { now: 1_000 };
  const store = createMemoryRateLimitStore({ now: () => clock.now, ...options });
  return { clock, store };
}

let current = storeOnFakeClock();
defineRateLimitStoreContract(
  'memory',
  () => {
    current = storeOnFakeClock();
    return current.store;
  },
  {
    shortWindowMs: 1_000,
    advance: async (ms) => {
      current.clock.now += ms;
    },
    isGone: async () => {
      current.store.sweep();
      return current.store.size() === 0;
    },
  },
);

describe('MemoryRateLimitStore', () => {
  const rule = { max: 2, windowMs: 1_000 };

  it('resets at exactly the end of the window on its clock', async () => {
    const { clock, store } = storeOnFakeClock();
    await store.consume('k', rule);
    await store.consume('k', rule);
    clock.now += 999;
    expect(await store.consume('k', rule)).toMatchObject({ allowed: false, resetMs: 1, retryAfterMs: 1 });
    clock.now += 1;
    expect(await store.consume('k', rule)).toMatchObject({ allowed: true, remaining: 1, resetMs: 1_000 });
  });

  it('does not extend a window on later checks', async () => {
    const { clock, store } = storeOnFakeClock();
    await store.consume('k', rule);
    clock.now += 400;
    expect((await store.consume('k', rule)).resetMs).toBe(600);
  });

  it('sweep() drops expired windows and keeps live ones', async () => {
    const { clock, store } = storeOnFakeClock();
    await store.consume('short', { max: 1, windowMs: 1_000 });
    await store.consume('long', { max: 1, windowMs: 5_000 });
    clock.now += 1_000;
    expect(store.sweep()).toBe(1);
    expect(store.size()).toBe(1);
    clock.now += 4_000;
    store.sweep();
    expect(store.size()).toBe(0);
  });

  it('sweeps on its own during checks once the sweep interval has passed', async () => {
    const { clock, store } = storeOnFakeClock({ sweepIntervalMs: 10_000 });
    for (let i = 0; i < 50; i += 1) await store.consume(`caller-${i}`, rule);
    clock.now += 10_000;
    await store.consume('newcomer', rule);
    expect(store.size()).toBe(1);
  });

  it('stores nothing for a rejected, uncounted call on an idle key', async () => {
    const { store } = storeOnFakeClock();
    const d = await store.consume('k', { max: 1, windowMs: 1_000, cost: 2, countRejected: false });
    expect(d).toMatchObject({ allowed: false, resetMs: 1_000, retryAfterMs: 1_000 });
    expect(store.size()).toBe(0);
  });

  it('stays within maxKeys under a flood of distinct keys, dropping the oldest window', async () => {
    const { store } = storeOnFakeClock({ maxKeys: 3 });
    const one = { max: 1, windowMs: 60_000 };
    for (const key of ['a', 'b', 'c', 'd']) await store.consume(key, one);
    expect(store.size()).toBe(3);
    // 'a' was dropped, so it has a fresh window; 'd' is still exhausted.
    expect((await store.consume('a', one)).allowed).toBe(true);
    expect((await store.consume('d', one)).allowed).toBe(false);
  });

  it('rejects a non-positive maxKeys', () => {
    expect(() => createMemoryRateLimitStore({ maxKeys: 0 })).toThrow(RangeError);
  });

  it('defaults to a real monotonic clock', async () => {
    const store: MemoryRateLimitStore = createMemoryRateLimitStore();
    const d = await store.consume('k', { max: 1, windowMs: 60_000 });
    expect(d.allowed).toBe(true);
    expect(d.resetMs).toBeGreaterThan(59_000);
  });
});
