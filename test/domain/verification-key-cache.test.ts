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

describe('versioned key cache (several processes: entries stamped with the shared version)', () => {
  test('a miss reads the version before the row, and stamps the entry with it; hits read neither', async () => {
    const order: string[] = [];
    const cache = createVersionedKeyCache<string>(async () => {
      order.push('version');
      return 'v1';
    });
    const load = jest.fn(async () => {
      order.push('row');
      return 'material';
    });
    expect(await cache.get('k1', load)).toEqual({ value: 'material', version: 'v1' });
    expect(await cache.get('k1', load)).toEqual({ value: 'material', version: 'v1' });
    expect(order).toEqual(['version', 'row']);
  });

  test('unknown keys are never kept; reload stamps with the version given, and drops a key gone meanwhile', async () => {
    const cache = createVersionedKeyCache<string>(async () => 'v1');
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
    const cache = createVersionedKeyCache<string>(async () => 'v', { maxEntries: 2 });
    await cache.get('a', async () => 'a1');
    await cache.get('b', async () => 'b1');
    await cache.get('c', async () => 'c1');
    expect(await cache.get('a', async () => 'a2')).toEqual({ value: 'a2', version: 'v' });
    cache.forget('c');
    expect(await cache.get('c', async () => 'c2')).toEqual({ value: 'c2', version: 'v' });
  });

  test('an entry older than maxAgeMs is read again (a revocation that bypassed the versions shows within it)', async () => {
    let nowMs = 1_000;
    const cache = createVersionedKeyCache<string>(async () => 'v', { maxAgeMs: 60_000, now: () => nowMs });
    await cache.get('k', async () => 'first');
    nowMs += 59_999;
    expect(await cache.get('k', async () => 'second')).toEqual({ value: 'first', version: 'v' });
    nowMs += 1;
    expect(await cache.get('k', async () => 'second')).toEqual({ value: 'second', version: 'v' });
  });
});

describe('memory key versions', () => {
  test('a key gets a random version on first read, kept until renewed; stores never share versions', async () => {
    const store = createMemoryKeyVersionStore();
    const first = await store.current('k');
    expect(first).toMatch(/^[\w-]{16,}$/);
    expect(await store.current('k')).toBe(first);
    await store.renew('k');
    expect(await store.current('k')).not.toBe(first);
    expect(await createMemoryKeyVersionStore().current('k')).not.toBe(first);
  });
});
