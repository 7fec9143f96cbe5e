/**
 * In-process nonce store: the embedded default for a single server process. Not shared between
 * processes, so a multi-instance deployment must use the Redis adapter. It starts empty with
 * every process, so it is complete only since it was created: a signature that could have been
 * used before that (by the previous process) is `unproven`.
 */
import type { NonceClaim, NonceClaimRequest, NonceStore } from './nonce-store';

/** Options of {@link createMemoryNonceStore}. */
export interface MemoryNonceStoreOptions {
  /** Clock in milliseconds since the epoch. Defaults to `Date.now`. */
  now?: () => number;
  /**
   * Most live nonces held at once; defaults to 100_000. Beyond it claims fail closed (reject).
   * Size it for peak signed requests per second × (maxAge + skew) seconds.
   */
  maxEntries?: number;
  /**
   * Since when the store holds every claim, in ms since the epoch. Defaults to its creation
   * (`now()`): a new process cannot know the nonces its predecessor accepted. Only a store that
   * provably saw every claim of its keys (a test's) may say earlier.
   */
  completeSinceMs?: number;
}

/** The memory adapter, plus `size()` so tests can see that expired entries are swept. */
export interface MemoryNonceStore extends NonceStore {
  /** Number of live (unexpired) entries, after sweeping expired ones. */
  size(): number;
}

/**
 * Creates a bounded in-memory {@link NonceStore}. Claims are atomic because each runs to
 * completion on the event loop with no await in between the check and the write.
 */
export function createMemoryNonceStore(options: MemoryNonceStoreOptions = {}): MemoryNonceStore {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 100_000;
  if (!Number.isSafeInteger(maxEntries) || maxEntries <= 0) throw new RangeError('maxEntries must be a positive integer');
  const completeSinceMs = options.completeSinceMs ?? now();
  // Map keeps insertion order; a claim re-inserts its key, so the oldest claims come first.
  const expiries = new Map<string, number>();

  /**
   * Drops expired entries from the front, stopping at the first live one. Insertion order is only
   * roughly expiry order: a claim holds until its signature's `created` + max age + skew, so its
   * ttl depends on `created` (up to max age + skew for a verified signature, about twice that for
   * a retired one created ahead of the clock), and an expired entry behind a live one stays until
   * a full sweep. `full` sweeps everything, and runs before a claim is refused for lack of room:
   * such entries cost memory within `maxEntries`, never a refused claim.
   */
  function sweep(at: number, full = false): void {
    for (const [key, expiresAt] of expiries) {
      if (expiresAt <= at) expiries.delete(key);
      else if (!full) break;
    }
  }

  return {
    async claim(keyId: string, nonce: string, { ttlMs, notBeforeMs }: NonceClaimRequest): Promise<NonceClaim> {
      if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError('ttlMs must be a positive number');
      if (Number.isNaN(notBeforeMs)) throw new RangeError('notBeforeMs must be a number');
      if (notBeforeMs < completeSinceMs) return { status: 'unproven', completeSinceMs };
      const at = now();
      sweep(at);
      // JSON of the pair: unambiguous whatever characters the key id or nonce contain.
      const key = JSON.stringify([keyId, nonce]);
      const existing = expiries.get(key);
      if (existing !== undefined && existing > at) return { status: 'reused' };
      expiries.delete(key);
      if (expiries.size >= maxEntries) {
        sweep(at, true);
        // Evicting a live nonce would reopen it to replay, so a full store refuses instead (→ 503).
        if (expiries.size >= maxEntries) throw new Error('memory nonce store is full');
      }
      expiries.set(key, at + Math.ceil(ttlMs));
      return { status: 'claimed' };
    },
    async open(): Promise<void> {
      // Complete since its creation; nothing to record.
    },
    size(): number {
      sweep(now(), true);
      return expiries.size;
    },
  };
}
