/**
 * The fast-path port of idempotent execution: a shared, expiring record per idempotency scope
 * that lets exactly one request execute while duplicates wait or replay.
 *
 * This store is a cache, not the authority. The durable record (`IdempotencyRecordStore`)
 * commits in the same transaction as the effect, so an adapter may lose everything at any time
 * (Redis FLUSHALL, a restart of the memory store). It says so: an `acquired` claim carries
 * `completeSinceMs`, since when its view is whole (a missing completeness marker means the data
 * is new or lost, and the adapter records "now"). While that instant is younger than the
 * retention, the executor reads the durable record before executing and replays it if present
 * (then `remember`s it here); once it is older, no live outcome can be missing and a claim costs
 * no lookup. An adapter that may drop single entries while keeping its marker (Redis with an
 * evicting `maxmemory-policy`) needs the executor's `lookupRecordFirst: 'always'`.
 *
 * Record life cycle for one scope key:
 *
 * ```
 *   (none) --claim--> in_progress(fp, token) --complete(token)--> completed(fp, outcome)
 *            ^             |  lease expires / release(token)             | retention TTL expires
 *            +-------------+---------------------------------------------+
 *   remember(fp, outcome) puts any state into completed(fp, outcome): the durable record wins.
 *   peekCompleted(fp) reads completed(fp, outcome) and changes no state.
 * ```
 */

/** Default lease of an in-progress claim: long enough for a mutation, short enough that a crashed process frees the key quickly. */
export const DEFAULT_IDEMPOTENCY_LEASE_MS = 10_000;

/** Default retention of a completed outcome (24 h, as Stripe keeps its keys). */
export const DEFAULT_IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * Smallest `retryAfterMs` an adapter reports (unless the lease itself is shorter): a lease that
 * is about to expire still deserves a retry hint a client can act on, not "retry in 2 ms".
 */
export const MIN_IDEMPOTENCY_RETRY_AFTER_MS = 100;

/** Answer of {@link IdempotencyStore.claim}. */
export type ClaimResult =
  /**
   * Nobody holds the scope: the caller must execute, then `complete()` or `release()` with `token`.
   * `completeSinceMs` (ms since the epoch): since when the store has seen every claim and kept
   * every outcome, i.e. when it last started empty (created, restarted, flushed). An outcome
   * completed before it may be committed in the durable record yet unknown here, so the executor
   * reads the record first while that instant is within the retention window. Absent: the
   * store cannot tell, which the executor treats as "just now".
   */
  | { kind: 'acquired'; token: string; completeSinceMs?: number }
  /** Another request with the same fingerprint is executing; retry after `retryAfterMs` (> 0). */
  | { kind: 'in_progress'; retryAfterMs: number }
  /** Already executed with the same fingerprint: replay `outcome` (the opaque string the caller stored). */
  | { kind: 'completed'; outcome: string }
  /** The scope key is in use (in progress or completed) with a different fingerprint. */
  | { kind: 'mismatch' };

/**
 * Shared idempotency state, keyed by an opaque scope key (see {@link idempotencyScopeKey}).
 * Every method is a single atomic operation on the adapter: under any concurrency exactly one
 * `claim` per scope returns `acquired` until that claim is completed, released or expires.
 * Durations are milliseconds; non-integers are rounded up, and non-positive or non-finite
 * durations throw a RangeError (see {@link toPositiveMs}).
 */
export interface IdempotencyStore {
  /**
   * Atomically claims `scopeKey` for a request with `fingerprint`, as a lease of `leaseMs`.
   * Returns `in_progress` / `completed` only for the same fingerprint; any other fingerprint
   * gets `mismatch`, whatever the state.
   */
  claim(scopeKey: string, fingerprint: string, leaseMs: number): Promise<ClaimResult>;

  /**
   * Stores `outcome` as completed for `ttlMs`, only if `token` still owns the in-progress lease
   * and `fingerprint` is the one it claimed with. Returns whether it was stored: `false` means
   * the lease expired (and maybe someone else claimed), which is worth logging but harmless,
   * because the durable record is authoritative.
   */
  complete(scopeKey: string, token: string, fingerprint: string, outcome: string, ttlMs: number): Promise<boolean>;

  /**
   * Frees the scope (e.g. the execution failed before committing anything), only if `token`
   * still owns the in-progress lease. Returns whether it did.
   */
  release(scopeKey: string, token: string): Promise<boolean>;

  /**
   * Unconditionally records `completed(fingerprint, outcome)` for `ttlMs`, replacing whatever is
   * there (including someone's lease): it re-populates the cache from the durable record, which
   * is the truth. `ttlMs` should be the durable record's remaining retention.
   */
  remember(scopeKey: string, fingerprint: string, outcome: string, ttlMs: number): Promise<void>;

  /**
   * The outcome completed under `scopeKey` with `fingerprint`, if the store holds one; otherwise
   * (free, in progress, another fingerprint, expired, forgotten) `undefined`. Reads only: it
   * takes no lease, extends no TTL and writes no completeness marker. A host that refuses a call
   * before claiming (a rate limit) uses it to replay a retry anyway, since a replay runs nothing;
   * `undefined` says nothing about the durable record, which may still hold the outcome.
   */
  peekCompleted(scopeKey: string, fingerprint: string): Promise<string | undefined>;

  /**
   * Optional. Records that the store's view is complete since `sinceMs` (ms since the epoch), but
   * only if it has no completeness yet of its own (no marker: a new or emptied store) or, for
   * an adapter that knows it has dropped nothing, one that is later. Returns whether it did. Only
   * a host that knows no live durable record predates the store may call it (e.g. it found none
   * at start-up: see `declareCompleteIfNoLiveRecords`); otherwise a retry of a call completed
   * before could run without the record lookup that would replay it. An adapter whose
   * completeness is not one value (Redis Cluster: one marker per slot) leaves it out or answers
   * false.
   */
  declareCompleteSince?(sinceMs: number): Promise<boolean>;
}

/**
 * Builds the scope key for (scope, mutation field, client key); `scope` is whom the key belongs
 * to (an account, a principal): two callers' equal keys never meet. Each part is
 * percent-encoded, so the `:` separators are unambiguous (scope `a:b` + field `c` never equals
 * scope `a` + field `b:c`) and a key cannot contain the `{`/`}` of a Redis Cluster hash tag.
 */
export function idempotencyScopeKey(parts: { scope: string; field: string; key: string }): string {
  return [parts.scope, parts.field, parts.key].map(encodeURIComponent).join(':');
}

/**
 * Normalizes a duration argument for adapters, so every adapter treats odd durations the same
 * way: rounded up to whole milliseconds (Redis PX takes integers, and rounding down could make a
 * 0.5 ms lease "already expired"), and a RangeError for zero, negative or non-finite values,
 * which are always caller bugs (a zero lease would let every duplicate execute).
 */
export function toPositiveMs(name: string, ms: number): number {
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`${name} must be a positive number of milliseconds, got ${ms}`);
  return Math.ceil(ms);
}

/** The retry hint for a lease with `remainingMs` left: never below the minimum, unless the lease itself is shorter. */
export function retryAfterFor(remainingMs: number, leaseMs: number): number {
  return Math.max(remainingMs, Math.min(MIN_IDEMPOTENCY_RETRY_AFTER_MS, leaseMs));
}
