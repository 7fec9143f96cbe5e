import { createVerificationKeyCache, createVersionedKeyCache } from '../../src/domain/verification-key-cache';
import { createMemoryKeyVersionStore } from '../../src/domain';

describe('verification key cache', () => {
  test('loads once, then answers from memory; unknown keys are loaded every time', async () => {
    const cache = createVerificationKeyCache<string>();
    const load = jest.fn(async () => 'material');
    expect(await cache.get('k1', load)).toBe('material');
    expect(await cache.get('k1', load)).toBe('material');
    expect(load).toHaveBeenCalledTimes(1);
    const unknown = jest.fn(async () => null);
    await cache.get('k2', unknown);
    await cache.get('k2', unknown);
    expect(unknown).toHaveBeenCalledTimes(2);
  });

  test('forget drops the key: the next get loads it again', async () => {
    const cache = createVerificationKeyCache<string>();
    await cache.get('k1', async () => 'before');
    cache.forget('k1');
    expect(await cache.get('k1', async () => 'after')).toBe('after');
  });

  test('a load that started before a forget is answered but not kept (it may have read the row before the revocation)', async () => {
    const cache = createVerificationKeyCache<string>();
    let finish: (value: string) => void = () => undefined;
    const slow = cache.get('k1', () => new Promise<string>((resolve) => { finish = resolve; }));
    cache.forget('k1');
    finish('stale');
    expect(await slow).toBe('stale');
    expect(await cache.get('k1', async () => 'fresh')).toBe('fresh');
  });

  test('holds at most maxEntries, dropping the oldest', async () => {
    const cache = createVerificationKeyCache<string>(2);
    for (const id of ['a', 'b', 'c']) await cache.get(id, async () => id);
    const load = jest.fn(async () => 'a again');
    expect(await cache.get('a', load)).toBe('a again');
    expect(await cache.get('c', async () => 'not loaded')).toBe('c');
    expect(load).toHaveBeenCalledTimes(1);
  });
});

/** A shared store whose every key already has version `v` (peek finds it, nothing is created). */
const fixedVersion = (v: string) => ({ peek: async () => v, current: async () => v });

describe('versioned key cache (several processes: entries stamped with the shared version)', () => {
  test('a miss reads the version before the row, and stamps the entry with it; hits read neither', async () => {
    const order: string[] = [];
    const cache = createVersionedKeyCache<string>({
      peek: async () => {
        order.push('version');
        return 'v1';
      },
      current: async () => {
        throw new Error('a key with a version never creates one');
      },
    });
    const load = jest.fn(async () => {
      order.push('row');
      return 'material';
    });
    expect(await cache.get('k1', load)).toEqual({ value: 'material', version: 'v1' });
    expect(await cache.get('k1', load)).toEqual({ value: 'material', version: 'v1' });
    expect(order).toEqual(['version', 'row']);
  });

  test('a key with no version yet: its row is read, the version created, and the row read again under it', async () => {
    const store = createMemoryKeyVersionStore();
    const order: string[] = [];
    const cache = createVersionedKeyCache<string>({
      peek: async (id) => {
        order.push('peek');
        return store.peek(id);
      },
      current: async (id) => {
        order.push('create');
        return store.current(id);
      },
    });
    let reads = 0;
    const entry = await cache.get('k1', async () => {
      order.push('row');
      reads += 1;
      return `material-${reads}`;
    });
    expect(order).toEqual(['peek', 'row', 'create', 'row']);
    // The second read is the one stamped: the first may predate a revocation that renewed nothing.
    expect(entry).toEqual({ value: 'material-2', version: await store.peek('k1') });
  });

  test('an unknown or revoked key with no version gets none, and nothing is kept', async () => {
    const store = createMemoryKeyVersionStore();
    const created = jest.spyOn(store, 'current');
    const cache = createVersionedKeyCache<{ revoked: boolean } | null>(store, { verifies: (row) => row !== null && !row.revoked });
    const unknown = jest.fn(async () => null);
    const revoked = jest.fn(async () => ({ revoked: true }));
    for (let i = 0; i < 3; i++) {
      expect(await cache.get('guessed', unknown)).toBeNull();
      expect(await cache.get('revoked', revoked)).toBeNull();
    }
    expect([unknown.mock.calls.length, revoked.mock.calls.length]).toEqual([3, 3]);
    expect(created).not.toHaveBeenCalled();
    expect([await store.peek('guessed'), await store.peek('revoked')]).toEqual([null, null]);
  });

  test('a revocation committed between the first row read and the version creation: the entry says revoked, or is stale', async () => {
    const store = createMemoryKeyVersionStore();
    let revokedRow = false;
    // revokeApiKey's steps: renew, UPDATE + commit, renew; run here right before the version is created.
    const revoke = async () => {
      await store.renew('k');
      revokedRow = true;
      await store.renew('k');
    };
    const cache = createVersionedKeyCache<{ revoked: boolean }>({
      peek: (id) => store.peek(id),
      current: async (id) => {
        await revoke();
        return store.current(id);
      },
    }, { verifies: (row) => !row.revoked });
    const entry = await cache.get('k', async () => ({ revoked: revokedRow }));
    expect(entry?.value.revoked).toBe(true);
    expect(entry?.version).toBe(await store.peek('k'));
  });

  test('unknown keys are never kept; reload stamps with the version given, and drops a key gone meanwhile', async () => {
    const cache = createVersionedKeyCache<string>(fixedVersion('v1'));
    const unknown = jest.fn(async () => null);
    expect(await cache.get('k1', unknown)).toBeNull();
    expect(await cache.get('k1', unknown)).toBeNull();
    expect(unknown).toHaveBeenCalledTimes(2);
    await cache.get('k2', async () => 'old');
    expect(await cache.reload('k2', 'v2', async () => 'new')).toEqual({ value: 'new', version: 'v2' });
    expect(await cache.get('k2', async () => 'unused')).toEqual({ value: 'new', version: 'v2' });
    expect(await cache.reload('k2', 'v3', async () => null)).toBeNull();
    expect(await cache.get('k2', async () => 'again')).toEqual({ value: 'again', version: 'v1' });
  });

  test('forget drops the entry; past its size the oldest entry goes', async () => {
    const cache = createVersionedKeyCache<string>(fixedVersion('v'), { maxEntries: 2 });
    await cache.get('a', async () => 'a1');
    await cache.get('b', async () => 'b1');
    await cache.get('c', async () => 'c1');
    expect(await cache.get('a', async () => 'a2')).toEqual({ value: 'a2', version: 'v' });
    cache.forget('c');
    expect(await cache.get('c', async () => 'c2')).toEqual({ value: 'c2', version: 'v' });
  });

  test('an entry older than maxAgeMs is read again (a revocation that bypassed the versions shows within it)', async () => {
    let nowMs = 1_000;
    const cache = createVersionedKeyCache<string>(fixedVersion('v'), { maxAgeMs: 60_000, now: () => nowMs });
    await cache.get('k', async () => 'first');
    nowMs += 59_999;
    expect(await cache.get('k', async () => 'second')).toEqual({ value: 'first', version: 'v' });
    nowMs += 1;
    expect(await cache.get('k', async () => 'second')).toEqual({ value: 'second', version: 'v' });
  });

  test('an entry\'s age is real time: the wall clock set back an hour does not keep it an hour longer (clock review)', async () => {
    jest.useFakeTimers({ now: 1_700_000_000_000 });
    try {
      const cache = createVersionedKeyCache<string>(fixedVersion('v'));
      await cache.get('k', async () => 'live row');
      jest.setSystemTime(Date.now() - 3_600_000); // NTP steps the wall clock back an hour
      jest.advanceTimersByTime(60_000); // a minute of real time
      expect(await cache.get('k', async () => 'revoked row')).toEqual({ value: 'revoked row', version: 'v' });
    } finally {
      jest.useRealTimers();
    }
  });
});
