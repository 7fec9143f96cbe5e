/**
 * The NonceStore contract (STYLE rule 4): every adapter runs these same cases.
 */
import { randomBytes } from 'node:crypto';
import type { NonceStore } from '../../src/transport/signature';

/** What an adapter's test gives the contract: the store, and a way to let `ms` pass for it. */
export interface NonceStoreHarness {
  store: NonceStore;
  /** Lets `ms` milliseconds pass: a fake clock for memory, a real wait for Redis. */
  elapse(ms: number): Promise<void>;
  /** The ttl used by the expiry case (short for real waits). */
  shortTtlMs: number;
}

function freshNonce(): string {
  return randomBytes(18).toString('base64url');
}

/** Defines the contract suite for one adapter; `makeStore` is called before each case. */
export function defineNonceStoreContract(name: string, makeStore: () => NonceStoreHarness | Promise<NonceStoreHarness>): void {
  describe(`${name} (NonceStore contract)`, () => {
    let harness: NonceStoreHarness;
    beforeEach(async () => {
      harness = await makeStore();
    });

    it('accepts the first claim of a nonce', async () => {
      await expect(harness.store.claim('key-a', freshNonce(), 30_000)).resolves.toBe(true);
    });

    it('refuses a second claim of the same nonce for the same key', async () => {
      const nonce = freshNonce();
      await harness.store.claim('key-a', nonce, 30_000);
      await expect(harness.store.claim('key-a', nonce, 30_000)).resolves.toBe(false);
      await expect(harness.store.claim('key-a', nonce, 30_000)).resolves.toBe(false);
    });

    it('keeps nonces of different key ids apart', async () => {
      const nonce = freshNonce();
      await expect(harness.store.claim('key-a', nonce, 30_000)).resolves.toBe(true);
      await expect(harness.store.claim('key-b', nonce, 30_000)).resolves.toBe(true);
      await expect(harness.store.claim('key-b', nonce, 30_000)).resolves.toBe(false);
    });

    it('does not confuse a key id and nonce that concatenate to the same text', async () => {
      await expect(harness.store.claim('ab', 'c:nonce-0123456789', 30_000)).resolves.toBe(true);
      await expect(harness.store.claim('a', 'bc:nonce-0123456789', 30_000)).resolves.toBe(true);
    });

    it('lets a nonce be claimed again once its ttl has passed', async () => {
      const nonce = freshNonce();
      const ttl = harness.shortTtlMs;
      await expect(harness.store.claim('key-a', nonce, ttl)).resolves.toBe(true);
      await expect(harness.store.claim('key-a', nonce, ttl)).resolves.toBe(false);
      await harness.elapse(ttl + 250);
      await expect(harness.store.claim('key-a', nonce, ttl)).resolves.toBe(true);
    });

    it('admits exactly one of 50 concurrent claims of the same nonce', async () => {
      const nonce = freshNonce();
      const results = await Promise.all(Array.from({ length: 50 }, () => harness.store.claim('key-a', nonce, 30_000)));
      expect(results.filter((r) => r === true)).toHaveLength(1);
      expect(results.filter((r) => r === false)).toHaveLength(49);
    });
  });
}
