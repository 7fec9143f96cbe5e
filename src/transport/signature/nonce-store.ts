/**
 * The port the signature check needs for replay protection. Adapters live in
 * `src/stores/{memory,redis}/*-nonce-store.ts`; `test/stores/nonce-store.contract.ts` pins them.
 */

/** Remembers which nonces each key has used. */
export interface NonceStore {
  /**
   * Claims `nonce` for `keyId` for `ttlMs` milliseconds. Resolves `true` exactly once per
   * (keyId, nonce) within the ttl and `false` for every other claim, atomically, including under
   * concurrent calls (and across processes for shared adapters). Rejects when the store cannot
   * answer; callers must treat that as a failure, never as a successful claim.
   */
  claim(keyId: string, nonce: string, ttlMs: number): Promise<boolean>;
}
