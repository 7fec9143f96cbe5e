/**
 * Verifiers that share one nonce store but accept signatures of different ages (another process's
 * max age, or the store's next process started with a larger one): a nonce must stay claimed as
 * long as any of them would still take its signature as fresh, or the captured bytes run again.
 */
import { createMemoryNonceStore, createSignatureVerifier, signatureToRetire } from '../src';
import { nodeCrypto } from '../src/node';
import { AUTHORITY, NOW_MS, defaultKeys, signedRequest } from './helpers';

/** Two verifiers over one store and one clock: `short` accepts 30 s old signatures, `long` 120 s. */
function sharedStore(shortRetentionSeconds?: number) {
  const clock = { now: NOW_MS };
  const keys = defaultKeys();
  const store = createMemoryNonceStore({ now: () => clock.now, completeSinceMs: 0 });
  const verifier = (maxAgeSeconds: number, nonceRetentionSeconds?: number) => createSignatureVerifier({
    crypto: nodeCrypto, authority: AUTHORITY, maxAgeSeconds, nonceRetentionSeconds, now: () => clock.now,
    resolveKey: async (keyId) => keys.get(keyId) ?? null, nonces: store,
  });
  return { clock, short: verifier(30, shortRetentionSeconds), long: verifier(120, 120) };
}

describe('nonce retention across verifiers of one store', () => {
  it('keeps a nonce claimed by a 30 s verifier for the 120 s one when told to retain it 120 s', async () => {
    const { clock, short, long } = sharedStore(120);
    const request = signedRequest({ nonce: 'retained-for-the-longest-max-age' });
    await expect(short(request)).resolves.toMatchObject({ status: 'verified', nonceTtlMs: 130_000 });
    clock.now = NOW_MS + 40_000; // stale for the short verifier, still fresh for the long one
    await expect(long(request)).resolves.toMatchObject({ status: 'rejected', reason: 'NONCE_REUSED' });
  });

  it('lets the same bytes run again on the 120 s verifier when the 30 s one keeps nonces only for its own max age', async () => {
    // The default (retention = maxAge): what a store shared by both would do without the option.
    const { clock, short, long } = sharedStore();
    const request = signedRequest({ nonce: 'kept-only-for-the-short-max-age' });
    await expect(short(request)).resolves.toMatchObject({ status: 'verified', nonceTtlMs: 40_000 });
    clock.now = NOW_MS + 45_000;
    await expect(long(request)).resolves.toMatchObject({ status: 'verified' });
  });

  it('refuses a retention shorter than the max age, or not a whole number', () => {
    const options = { crypto: nodeCrypto, authority: AUTHORITY, maxAgeSeconds: 30, now: () => NOW_MS, resolveKey: async () => null, nonces: createMemoryNonceStore() };
    expect(() => createSignatureVerifier({ ...options, nonceRetentionSeconds: 29 })).toThrow('nonceRetentionSeconds must be an integer of at least maxAgeSeconds');
    expect(() => createSignatureVerifier({ ...options, nonceRetentionSeconds: 30.5 })).toThrow('nonceRetentionSeconds');
  });

  it('retires a refused signature for the retention, also one already stale for this verifier\'s own max age', () => {
    const { headers } = signedRequest({ nonce: 'refused-then-retired' });
    expect(signatureToRetire(headers, NOW_MS, 30, 120)?.claim).toEqual({ ttlMs: 130_000, notBeforeMs: NOW_MS + 5_000, createdMs: NOW_MS, floor: null });
    // 40 s old: too old here, but a verifier of the store with a 120 s max age would take it.
    expect(signatureToRetire(headers, NOW_MS + 40_000, 30, 120)?.claim.ttlMs).toBe(90_000);
    expect(signatureToRetire(headers, NOW_MS + 40_000, 30)).toBeUndefined();
    expect(signatureToRetire(headers, NOW_MS + 120_000, 30, 120)).toBeUndefined();
  });

  it('retires a signature in a store complete only since a recent loss: a key created after the loss never runs the refused bytes', async () => {
    // The store came up empty at NOW_MS (a new process); the key was created just after it.
    const store = createMemoryNonceStore({ now: () => NOW_MS + 1_000, completeSinceMs: NOW_MS });
    const { headers } = signedRequest({ nonce: 'refused-just-after-a-loss' });
    const retired = signatureToRetire(headers, NOW_MS + 1_000, 30)!;
    await expect(store.claim(retired.keyId, retired.nonce, retired.claim)).resolves.toEqual({ status: 'claimed' });
    // The verifier's claim of the same bytes reaches back to the key's creation (after the loss).
    await expect(store.claim(retired.keyId, retired.nonce, { ttlMs: 35_000, notBeforeMs: NOW_MS + 500, createdMs: NOW_MS })).resolves.toEqual({ status: 'reused' });
  });
});

