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
  /**
   * The signature's `created`, in ms since the epoch: a signature created at or before its key's
   * floor (see `NonceStore.supersede`) is refused as `superseded`.
   */
  readonly createdMs: number;
  /**
   * Which of its key's floors the claim answers to (see `supersede`): `'main'` when absent; another
   * name (1-32 of a-z 0-9 -, starting with a letter) for a class of requests the host refuses by a
   * budget of their own (Signet's exits: the account limit never refuses them, so the main floor
   * must not either); `null` for none, for a claim that must be written whatever floors stand (a
   * retirement: nobody classified its bytes). A floor stands for requests of one class the host
   * refused; the same bytes always make a request of the same class, so a claim of another class
   * cannot be one of them.
   */
  readonly floor?: string | null;
}

/** What {@link NonceStore.supersede} is told: the refused signature's `created` and how long its nonce would be held. */
export interface NonceSupersedeRequest {
  /** The refused signature's `created`, in ms since the epoch. */
  readonly createdMs: number;
  /** How long its nonce would have been held (its claim's `ttlMs`): the floor is kept at least that long. */
  readonly ttlMs: number;
  /**
   * The floors to raise, all in the same step as the claim's removal: the class the refused
   * request's claim answered to (`['main']` when absent), or several for bytes nobody classified.
   */
  readonly floors?: readonly string[];
}

/** The floor a claim answers to, and a supersede raises, when it names none. */
export const MAIN_FLOOR = 'main';

/** A floor's name: 1-32 of a-z 0-9 -, starting with a letter (it becomes part of a store key). */
export const FLOOR_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** Checks a claim's `floor` (absent and null are fine). */
export function checkFloorName(floor: string | null | undefined): void {
  if (floor !== undefined && floor !== null && (typeof floor !== 'string' || !FLOOR_NAME.test(floor))) {
    throw new RangeError('floor must be 1-32 of a-z 0-9 -, starting with a letter');
  }
}

/** A supersede's floors, checked and without repeats (`['main']` when absent). */
export function floorsToRaise(floors: readonly string[] | undefined): string[] {
  if (floors === undefined) return [MAIN_FLOOR];
  if (!Array.isArray(floors) || floors.length === 0) throw new RangeError('floors must name at least one floor');
  for (const floor of floors) if (floor === null || floor === undefined) throw new RangeError('floors must be names'); else checkFloorName(floor);
  return [...new Set(floors)];
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
  | { readonly status: 'unproven'; readonly completeSinceMs: number }
  /**
   * The signature was created at or before its key's floor (`upToMs`, see `supersede`): refused,
   * nothing written. A signature of the key created after `upToMs` can be claimed.
   */
  | { readonly status: 'superseded'; readonly upToMs: number };

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
   * Turns the claim of a request the host refused after verifying it (an account over its limit)
   * into a floor on its key: from now on every signature of `keyId` created at or before
   * `createdMs` is `superseded`, for at least `ttlMs`, and the claim of `nonce` itself may be
   * dropped. One entry per key however many of its requests are refused, where a claim each would
   * let one key's flood fill the store. Raising the floor never lowers it or shortens it; the floor
   * is lost with the store's data like any claim, and `unproven` covers it as it covers them.
   *
   * Only for a request whose signature verified: anyone may send a signature naming any key id,
   * and a floor refuses that key's other signatures of the same second.
   */
  supersede(keyId: string, nonce: string, request: NonceSupersedeRequest): Promise<void>;
  /**
   * Records, where the store has no record of it (it is new, or it lost its data), that it is
   * complete from now on. Called once at start-up so that keys created after it are never
   * refused as `unproven`; a store that loses its data later records the instant it notices.
   */
  open(): Promise<void>;
}
