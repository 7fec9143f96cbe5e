import { createMemoryNonceStore } from '../src/memory-nonce-store';
import { defineNonceStoreContract } from '../src/testing';

function fakeClock(start = 1_700_000_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

defineNonceStoreContract('memory nonce store', () => {
  const clock = fakeClock();
  return {
    store: createMemoryNonceStore({ now: clock.now }),
    elapse: async (ms) => clock.advance(ms),
    now: clock.now,
    shortTtlMs: 1_000,
    // A new process: a new, empty store on the same clock.
    loseData: async () => createMemoryNonceStore({ now: clock.now }),
  };
});

/** A claim of a signature made at `at` (the store was complete long before). */
const at = (ms: number, ttlMs: number) => ({ ttlMs, notBeforeMs: ms, createdMs: ms });
const START = 1_700_000_000_000;

describe('memory nonce store', () => {
  it('forgets expired nonces, so its size returns to zero', async () => {
    const clock = fakeClock();
    const store = createMemoryNonceStore({ now: clock.now });
    for (let i = 0; i < 1_000; i++) await store.claim('key-a', `nonce-${i}-0123456789`, at(START, 35_000));
    expect(store.size()).toBe(1_000);
    clock.advance(35_000);
    expect(store.size()).toBe(0);
  });

  it('sweeps expired entries while claiming, without anyone calling size()', async () => {
    const clock = fakeClock();
    const store = createMemoryNonceStore({ now: clock.now, maxEntries: 10 });
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 10; i++) await expect(store.claim('key-a', `r${round}-n${i}-0123456789`, at(START, 1_000))).resolves.toEqual({ status: 'claimed' });
      clock.advance(1_000);
    }
  });

  it('refuses to claim when full of live nonces instead of evicting one (which would reopen a replay)', async () => {
    const clock = fakeClock();
    const store = createMemoryNonceStore({ now: clock.now, maxEntries: 3 });
    for (let i = 0; i < 3; i++) await store.claim('key-a', `nonce-${i}-0123456789`, at(START, 10_000));
    await expect(store.claim('key-a', 'nonce-3-0123456789', at(START, 10_000))).rejects.toThrow('full');
    await expect(store.claim('key-a', 'nonce-0-0123456789', at(START, 10_000))).resolves.toEqual({ status: 'reused' });
  });

  it('makes room from expired entries even when ttls differ', async () => {
    const clock = fakeClock();
    const store = createMemoryNonceStore({ now: clock.now, maxEntries: 2 });
    await store.claim('key-a', 'long-lived-0123456789', at(START, 60_000));
    await store.claim('key-a', 'short-lived-0123456789', at(START, 1_000));
    clock.advance(1_000);
    await expect(store.claim('key-a', 'newcomer-0123456789', at(START, 1_000))).resolves.toEqual({ status: 'claimed' });
    await expect(store.claim('key-a', 'long-lived-0123456789', at(START, 60_000))).resolves.toEqual({ status: 'reused' });
  });

  it('rejects a non-positive ttl rather than storing a nonce that never blocks anything', async () => {
    const store = createMemoryNonceStore();
    await expect(store.claim('key-a', 'nonce-0123456789ab', at(Date.now(), 0))).rejects.toThrow(RangeError);
    await expect(store.claim('key-a', 'nonce-0123456789ab', at(Date.now(), Number.NaN))).rejects.toThrow(RangeError);
    await expect(store.claim('key-a', 'nonce-0123456789ab', at(Number.NaN, 1_000))).rejects.toThrow(RangeError);
  });

  it('a key whose refused requests are superseded holds one entry, however many they were', async () => {
    const clock = fakeClock();
    const store = createMemoryNonceStore({ now: clock.now, maxEntries: 50 });
    // Far more refused requests than the store holds, 100 a second for 5 s: the first of each second
    // is claimed, then superseded by its key's floor; the others of that second meet the floor.
    const answers: string[] = [];
    for (let i = 0; i < 500; i++) {
      const nonce = `flood-${i}-0123456789`;
      const createdMs = START + 1_000 * Math.floor(i / 100);
      const answer = await store.claim('key-a', nonce, at(createdMs, 35_000));
      answers.push(answer.status);
      if (answer.status === 'claimed') await store.supersede('key-a', nonce, { createdMs, ttlMs: 35_000 });
    }
    expect(answers.filter((status) => status === 'claimed')).toHaveLength(5);
    expect(answers.filter((status) => status === 'superseded')).toHaveLength(495);
    expect(store.size()).toBe(1);
    await expect(store.claim('key-a', 'flood-0-0123456789', at(START, 35_000))).resolves.toEqual({ status: 'superseded', upToMs: START + 4_000 });
    await expect(store.claim('key-b', 'other-0123456789', at(START, 35_000))).resolves.toEqual({ status: 'claimed' });
  });

  it('a floor takes its claim\'s place in a full store, and a new one is refused when there is no room', async () => {
    const clock = fakeClock();
    const store = createMemoryNonceStore({ now: clock.now, maxEntries: 2 });
    await store.claim('key-a', 'nonce-a-0123456789', at(START, 10_000));
    await store.claim('key-b', 'nonce-b-0123456789', at(START, 10_000));
    await store.supersede('key-a', 'nonce-a-0123456789', { createdMs: START, ttlMs: 10_000 });
    expect(store.size()).toBe(2);
    // key-c's nonce was never claimed here: its floor would need room, and nothing changes.
    await expect(store.supersede('key-c', 'nonce-c-0123456789', { createdMs: START, ttlMs: 10_000 })).rejects.toThrow('full');
    await expect(store.claim('key-b', 'nonce-b-0123456789', at(START, 10_000))).resolves.toEqual({ status: 'reused' });
    await expect(store.claim('key-a', 'nonce-a-0123456789', at(START, 10_000))).resolves.toEqual({ status: 'superseded', upToMs: START });
  });

  it('expired floors are swept like claims', async () => {
    const clock = fakeClock();
    const store = createMemoryNonceStore({ now: clock.now });
    await store.supersede('key-a', 'nonce-a-0123456789', { createdMs: START, ttlMs: 1_000 });
    expect(store.size()).toBe(1);
    clock.advance(1_001);
    expect(store.size()).toBe(0);
  });
});
