/**
 * The port the signature check needs for replay protection. Adapters live in
 * `memory-nonce-store.ts` here and `@signet/http-message-signatures-redis`; the contract suite
 * (`@signet/http-message-signatures/testing`) pins them.
 *
 * A nonce store can forget (a Redis restart without persistence, FLUSHALL, a failover, a new
 * embedded process). It must never answer "unseen" for a nonce it may have forgotten, so every
 * store knows since when it is complete (`completeSinceMs`: it holds every claim made since
 * then) and a claim says how far back its nonce could have been used (`notBeforeMs`). A claim
 * reaching back before the store's completeness is `unproven` and refused; a client signs
 * again and is accepted once its fresh signature starts after that point.
 */

/** One claim: what is claimed, for how long, and how far back the nonce could have been used. */
export interface NonceClaimRequest {
  /** How long the claim is kept, in ms: the signature's freshness window plus the allowed skew. */
  readonly ttlMs: number;
  /**
   * The earliest instant (ms since the epoch) at which this nonce could have been claimed
   * before: the signature's `created` minus the allowed clock skew, or the key's creation if
   * later. The store refuses the claim (`unproven`) when it is not complete that far back.
   */
  readonly notBeforeMs: number;
}

/** What a claim answered. */
export type NonceClaim =
  /** First use: the nonce is now held for `ttlMs`. */
  | { readonly status: 'claimed' }
  /** Already claimed within its ttl: a replay. */
  | { readonly status: 'reused' }
  /**
   * The store may have forgotten claims made before `completeSinceMs`, and this nonce could have
   * been used then: it cannot be proven unseen. Nothing was written; a signature created later
   * than `completeSinceMs` plus the skew is accepted.
   */
  | { readonly status: 'unproven'; readonly completeSinceMs: number };

/** Remembers which nonces each key has used. */
export interface NonceStore {
  /**
   * Claims `nonce` for `keyId`. Resolves `claimed` exactly once per (keyId, nonce) within the
   * ttl and `reused` for every other claim, atomically, including under concurrent calls (and
   * across processes for shared adapters); `unproven` when `notBeforeMs` reaches back before
   * the store is complete. Rejects when the store cannot answer; callers must treat that as a
   * failure, never as a successful claim.
   */
  claim(keyId: string, nonce: string, request: NonceClaimRequest): Promise<NonceClaim>;
  /**
   * Records, where the store has no record of it (it is new, or it lost its data), that it is
   * complete from now on. Called once at start-up so that keys created after it are never
   * refused as `unproven`; a store that loses its data later records the instant it notices.
   */
  open(): Promise<void>;
}
