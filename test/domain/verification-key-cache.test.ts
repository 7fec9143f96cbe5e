import { createVerificationKeyCache } from '../../src/domain/verification-key-cache';

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
