/**
 * The NonceStore contract: every adapter (memory here, Redis in its own package, a host's own)
 * runs these same cases as a Jest suite.
 */
import { randomBytes } from 'node:crypto';
import type { NonceClaimRequest, NonceStore } from '../nonce-store';

/** What an adapter's test gives the contract: the store, and a way to let `ms` pass for it. */
export interface NonceStoreHarness {
  store: NonceStore;
  /** Lets `ms` milliseconds pass: a fake clock for memory, a real wait for Redis. */
  elapse(ms: number): Promise<void>;
  /** The store's clock, in ms since the epoch. */
  now(): number;
  /** The ttl used by the expiry case (short for real waits). */
  shortTtlMs: number;
  /** The store as it is after losing all its data (a new process, a Redis restart or FLUSHALL). */
  loseData(): Promise<NonceStore>;
}

function freshNonce(): string {
  return randomBytes(18).toString('base64url');
}

/** A key id no other case used: a shared store (Redis) keeps a key's floor across cases. */
function freshKeyId(): string {
  return `key-${randomBytes(6).toString('hex')}`;
}

/** Defines the contract suite for one adapter; `makeStore` is called before each case. */
export function defineNonceStoreContract(name: string, makeStore: () => NonceStoreHarness | Promise<NonceStoreHarness>): void {
  describe(`${name} (NonceStore contract)`, () => {
    let harness: NonceStoreHarness;
    /** A claim of a signature made just now, with `ttlMs` (default 30 s). */
    const now = (ttlMs = 30_000): NonceClaimRequest => ({ ttlMs, notBeforeMs: harness.now(), createdMs: harness.now() });
    /** A claim of a signature created at `createdMs`. */
    const createdAt = (createdMs: number, ttlMs = 30_000): NonceClaimRequest => ({ ttlMs, notBeforeMs: harness.now(), createdMs });
    const claimed = { status: 'claimed' };
    const reused = { status: 'reused' };
    beforeEach(async () => {
      harness = await makeStore();
      await harness.store.open();
    });

    it('accepts the first claim of a nonce', async () => {
      await expect(harness.store.claim('key-a', freshNonce(), now())).resolves.toEqual(claimed);
    });

    it('refuses a second claim of the same nonce for the same key', async () => {
      const nonce = freshNonce();
      await harness.store.claim('key-a', nonce, now(30_000));
      await expect(harness.store.claim('key-a', nonce, now(30_000))).resolves.toEqual(reused);
      await expect(harness.store.claim('key-a', nonce, now(30_000))).resolves.toEqual(reused);
    });

    it('keeps nonces of different key ids apart', async () => {
      const nonce = freshNonce();
      await expect(harness.store.claim('key-a', nonce, now(30_000))).resolves.toEqual(claimed);
      await expect(harness.store.claim('key-b', nonce, now(30_000))).resolves.toEqual(claimed);
      await expect(harness.store.claim('key-b', nonce, now(30_000))).resolves.toEqual(reused);
    });

    it('does not confuse a key id and nonce that concatenate to the same text', async () => {
      await expect(harness.store.claim('ab', 'c:nonce-0123456789', now(30_000))).resolves.toEqual(claimed);
      await expect(harness.store.claim('a', 'bc:nonce-0123456789', now(30_000))).resolves.toEqual(claimed);
    });

    it('lets a nonce be claimed again once its ttl has passed', async () => {
      const nonce = freshNonce();
      const ttl = harness.shortTtlMs;
      await expect(harness.store.claim('key-a', nonce, now(ttl))).resolves.toEqual(claimed);
      await expect(harness.store.claim('key-a', nonce, now(ttl))).resolves.toEqual(reused);
      await harness.elapse(ttl + 250);
      await expect(harness.store.claim('key-a', nonce, now(ttl))).resolves.toEqual(claimed);
    });

    it('admits exactly one of 50 concurrent claims of the same nonce', async () => {
      const nonce = freshNonce();
      const results = await Promise.all(Array.from({ length: 50 }, () => harness.store.claim('key-a', nonce, now(30_000))));
      expect(results.filter((r) => r.status === 'claimed')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'reused')).toHaveLength(49);
    });

    it('refuses as unproven a nonce that could have been used before the store became complete, writing nothing', async () => {
      const nonce = freshNonce();
      const anHourAgo = harness.now() - 3_600_000;
      const answer = await harness.store.claim('key-a', nonce, { ttlMs: 30_000, notBeforeMs: anHourAgo, createdMs: anHourAgo });
      expect(answer.status).toBe('unproven');
      expect((answer as { completeSinceMs: number }).completeSinceMs).toBeGreaterThan(anHourAgo);
      // Nothing was claimed: the same nonce from a signature made after the store was complete passes.
      await expect(harness.store.claim('key-a', nonce, now())).resolves.toEqual(claimed);
    });

    it('after losing its data, refuses every signature that could have been used before, and accepts fresh ones', async () => {
      const nonce = freshNonce();
      const signedAt = harness.now();
      await expect(harness.store.claim('key-a', nonce, { ttlMs: 30_000, notBeforeMs: signedAt, createdMs: signedAt })).resolves.toEqual(claimed);
      await harness.elapse(20);
      const emptied = await harness.loseData();
      // The replay of the same bytes: its nonce is forgotten, but it cannot be proven unseen.
      const replay = await emptied.claim('key-a', nonce, { ttlMs: 30_000, notBeforeMs: signedAt, createdMs: signedAt });
      expect(replay.status).toBe('unproven');
      const since = (replay as { completeSinceMs: number }).completeSinceMs;
      expect(since).toBeGreaterThan(signedAt);
      // A signature made after the loss (notBefore at or after the recorded point) is accepted once.
      const fresh = freshNonce();
      await expect(emptied.claim('key-a', fresh, { ttlMs: 30_000, notBeforeMs: since, createdMs: since })).resolves.toEqual(claimed);
      await expect(emptied.claim('key-a', fresh, { ttlMs: 30_000, notBeforeMs: since, createdMs: since })).resolves.toEqual(reused);
    });

    it('supersede: the key\'s signatures created at or before the floor are refused, its later ones and other keys\' are not', async () => {
      const keyA = freshKeyId();
      const nonce = freshNonce();
      const t = harness.now();
      await expect(harness.store.claim(keyA, nonce, createdAt(t))).resolves.toEqual(claimed);
      await harness.store.supersede(keyA, nonce, { createdMs: t, ttlMs: 30_000 });
      const floor = { status: 'superseded', upToMs: t };
      // The superseded request's own bytes, and any other signature of that key made no later.
      await expect(harness.store.claim(keyA, nonce, createdAt(t))).resolves.toEqual(floor);
      await expect(harness.store.claim(keyA, freshNonce(), createdAt(t))).resolves.toEqual(floor);
      await expect(harness.store.claim(keyA, freshNonce(), createdAt(t - 10_000))).resolves.toEqual(floor);
      await expect(harness.store.claim(keyA, freshNonce(), createdAt(t + 1_000))).resolves.toEqual(claimed);
      await expect(harness.store.claim(freshKeyId(), freshNonce(), createdAt(t))).resolves.toEqual(claimed);
    });

    it('supersede: a nonce claimed before the floor is still answered reused, not superseded', async () => {
      const keyA = freshKeyId();
      const t = harness.now();
      const admitted = freshNonce();
      await expect(harness.store.claim(keyA, admitted, createdAt(t))).resolves.toEqual(claimed);
      await harness.store.supersede(keyA, freshNonce(), { createdMs: t, ttlMs: 30_000 });
      await expect(harness.store.claim(keyA, admitted, createdAt(t))).resolves.toEqual(reused);
    });

    it('supersede: the floor only rises, and is kept for the longest ttl it was given', async () => {
      const keyA = freshKeyId();
      const t = harness.now();
      const ttl = harness.shortTtlMs;
      await harness.store.supersede(keyA, freshNonce(), { createdMs: t + 1_000, ttlMs: ttl });
      await harness.store.supersede(keyA, freshNonce(), { createdMs: t, ttlMs: 30_000 });
      await expect(harness.store.claim(keyA, freshNonce(), createdAt(t + 1_000))).resolves.toEqual({ status: 'superseded', upToMs: t + 1_000 });
      await harness.elapse(ttl + 250);
      await expect(harness.store.claim(keyA, freshNonce(), createdAt(t + 1_000))).resolves.toEqual({ status: 'superseded', upToMs: t + 1_000 });
    });

    it('supersede: a later supersede with a shorter ttl does not cut the floor short (a request created earlier, refused later)', async () => {
      const keyA = freshKeyId();
      const t = harness.now();
      const ttl = harness.shortTtlMs;
      await harness.store.supersede(keyA, freshNonce(), { createdMs: t + 1_000, ttlMs: 30_000 });
      await harness.store.supersede(keyA, freshNonce(), { createdMs: t, ttlMs: ttl });
      await harness.elapse(ttl + 250);
      // The refused request of the first supersede is still fresh: its bytes must stay refused.
      await expect(harness.store.claim(keyA, freshNonce(), createdAt(t + 1_000))).resolves.toEqual({ status: 'superseded', upToMs: t + 1_000 });
    });

    it('supersede: the floor goes once its ttl has passed', async () => {
      const keyA = freshKeyId();
      const t = harness.now();
      const ttl = harness.shortTtlMs;
      await harness.store.supersede(keyA, freshNonce(), { createdMs: t, ttlMs: ttl });
      await expect(harness.store.claim(keyA, freshNonce(), createdAt(t))).resolves.toEqual({ status: 'superseded', upToMs: t });
      await harness.elapse(ttl + 250);
      await expect(harness.store.claim(keyA, freshNonce(), createdAt(t))).resolves.toEqual(claimed);
    });

    it('supersede: a claim that reaches back before the store was complete is unproven, floor or not', async () => {
      const keyA = freshKeyId();
      const t = harness.now();
      await harness.store.supersede(keyA, freshNonce(), { createdMs: t, ttlMs: 30_000 });
      const answer = await harness.store.claim(keyA, freshNonce(), { ttlMs: 30_000, notBeforeMs: t - 3_600_000, createdMs: t - 3_600_000 });
      expect(answer.status).toBe('unproven');
    });

    it('supersede: refuses bad numbers', async () => {
      const keyA = freshKeyId();
      await expect(harness.store.supersede(keyA, freshNonce(), { createdMs: harness.now(), ttlMs: 0 })).rejects.toThrow(RangeError);
      await expect(harness.store.supersede(keyA, freshNonce(), { createdMs: Number.NaN, ttlMs: 1_000 })).rejects.toThrow(RangeError);
      await expect(harness.store.claim(keyA, freshNonce(), { ttlMs: 1_000, notBeforeMs: harness.now(), createdMs: Number.NaN })).rejects.toThrow(RangeError);
    });

    it('supersede: a key\'s floors are apart: a claim answers only to its own, and to none with floor null', async () => {
      const keyA = freshKeyId();
      const t = harness.now();
      await harness.store.supersede(keyA, freshNonce(), { createdMs: t, ttlMs: 30_000 });
      await harness.store.supersede(keyA, freshNonce(), { createdMs: t + 1_000, ttlMs: 30_000, floors: ['exit'] });
      // The main floor stops main claims only; the exit floor exit claims only.
      await expect(harness.store.claim(keyA, freshNonce(), createdAt(t))).resolves.toEqual({ status: 'superseded', upToMs: t });
      await expect(harness.store.claim(keyA, freshNonce(), createdAt(t + 1_000))).resolves.toEqual(claimed);
      await expect(harness.store.claim(keyA, freshNonce(), { ...createdAt(t + 1_000), floor: 'exit' })).resolves.toEqual({ status: 'superseded', upToMs: t + 1_000 });
      await expect(harness.store.claim(keyA, freshNonce(), { ...createdAt(t + 2_000), floor: 'exit' })).resolves.toEqual(claimed);
      // A claim that answers to no floor is written whatever stands; still once.
      const nonce = freshNonce();
      await expect(harness.store.claim(keyA, nonce, { ...createdAt(t), floor: null })).resolves.toEqual(claimed);
      await expect(harness.store.claim(keyA, nonce, { ...createdAt(t), floor: null })).resolves.toEqual(reused);
      await expect(harness.store.claim(keyA, nonce, { ...createdAt(t), floor: 'exit' })).resolves.toEqual(reused);
    });

    it('supersede: raises several floors at once, and the main one by name', async () => {
      const keyA = freshKeyId();
      const t = harness.now();
      const nonce = freshNonce();
      await expect(harness.store.claim(keyA, nonce, { ...createdAt(t), floor: null })).resolves.toEqual(claimed);
      await harness.store.supersede(keyA, nonce, { createdMs: t, ttlMs: 30_000, floors: ['main', 'exit'] });
      await expect(harness.store.claim(keyA, nonce, createdAt(t))).resolves.toEqual({ status: 'superseded', upToMs: t });
      await expect(harness.store.claim(keyA, nonce, { ...createdAt(t), floor: 'main' })).resolves.toEqual({ status: 'superseded', upToMs: t });
      await expect(harness.store.claim(keyA, nonce, { ...createdAt(t), floor: 'exit' })).resolves.toEqual({ status: 'superseded', upToMs: t });
    });

    it('supersede: refuses a floor name that is not one', async () => {
      await expect(harness.store.supersede(freshKeyId(), freshNonce(), { createdMs: harness.now(), ttlMs: 1_000, floors: ['Exit:1'] })).rejects.toThrow(RangeError);
      await expect(harness.store.supersede(freshKeyId(), freshNonce(), { createdMs: harness.now(), ttlMs: 1_000, floors: [] })).rejects.toThrow(RangeError);
      await expect(harness.store.claim(freshKeyId(), freshNonce(), { ...createdAt(harness.now()), floor: '' })).rejects.toThrow(RangeError);
    });

    it('open() records completeness once: opening again does not move it', async () => {
      const before = await harness.store.claim('key-a', freshNonce(), { ttlMs: 30_000, notBeforeMs: harness.now() - 3_600_000, createdMs: harness.now() - 3_600_000 });
      await harness.elapse(20);
      await harness.store.open();
      const after = await harness.store.claim('key-a', freshNonce(), { ttlMs: 30_000, notBeforeMs: harness.now() - 3_600_000, createdMs: harness.now() - 3_600_000 });
      expect(after).toEqual(before);
    });
  });
}
