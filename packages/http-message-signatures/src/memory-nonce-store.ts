/**
 * In-process nonce store: the embedded default for a single server process. Not shared between
 * processes, so a multi-instance deployment must use the Redis adapter. It starts empty with
 * every process, so it is complete only since it was created: a signature that could have been
 * used before that (by the previous process) is `unproven`.
 */
import { MAIN_FLOOR, checkFloorName, floorsToRaise, type NonceClaim, type NonceClaimRequest, type NonceStore, type NonceSupersedeRequest } from './nonce-store';

/** Options of {@link createMemoryNonceStore}. */
export interface MemoryNonceStoreOptions {
  /** Clock in milliseconds since the epoch. Defaults to `Date.now`. */
  now?: () => number;
  /**
   * A clock that never steps, in milliseconds from any origin. An entry is dropped only once both
   * clocks have passed its expiry: the wall clock alone would drop live nonces during a forward
   * excursion (a bad time source, a VM resumed with a wrong clock), and the verifier, reading the
   * wall clock, takes their bytes as fresh again once it is set back. Defaults to
   * `performance.now`, or, when `now` is given and this is not, to `now` (one injected clock, as in
   * a test, drives both).
   */
  monotonicNow?: () => number;
  /**
   * Most live nonces held at once; defaults to 100_000. Beyond it claims fail closed (reject).
   * Size it for peak signed requests per second × (maxAge + skew) seconds.
   */
  maxEntries?: number;
  /**
   * Since when the store holds every claim, in ms since the epoch, fixed. Without it the store is
   * complete since its creation: the later of the wall clock read then and the instant of its
   * creation on the wall clock as it reads now (`now()` less the monotonic time elapsed since), so
   * neither a clock stepped forward after the start (it was behind) nor one set back makes
   * signatures used before the start look new. Only a store that provably saw every claim of its
   * keys (a test's) may give an instant.
   */
  completeSinceMs?: number;
  /**
   * Without `completeSinceMs`: not complete before this instant either (ms since the epoch), e.g.
   * the latest use a predecessor recorded, when the clock now reads earlier than that.
   */
  notCompleteBeforeMs?: number;
}

/** The memory adapter, plus `size()` so tests can see that expired entries are swept. */
export interface MemoryNonceStore extends NonceStore {
  /** Number of live (unexpired) entries, nonces and key floors, after sweeping expired ones. */
  size(): number;
}

/**
 * Creates a bounded in-memory {@link NonceStore}. Claims are atomic because each runs to
 * completion on the event loop with no await in between the check and the write.
 */
export function createMemoryNonceStore(options: MemoryNonceStoreOptions = {}): MemoryNonceStore {
  const now = options.now ?? Date.now;
  const monotonicNow = options.monotonicNow ?? (options.now ?? (() => performance.now()));
  const maxEntries = options.maxEntries ?? 100_000;
  if (!Number.isSafeInteger(maxEntries) || maxEntries <= 0) throw new RangeError('maxEntries must be a positive integer');
  const instant = (): Instant => ({ wallMs: now(), monotonicMs: monotonicNow() });
  const created = instant();
  // Never earlier than the wall clock read at creation either: a clock set back since (it was ahead,
  // and clients signed on it) must not make the store vouch for signatures from before its start.
  // The estimate from the current instant is floored: the wall clock reads whole milliseconds and
  // the monotonic one fractions, so unfloored it lands up to 1 ms after the creation's reading and
  // refused a signature made in the store's first millisecond. Floored, it is at most that reading
  // while the clock is not stepped, and a step still moves it by whole milliseconds.
  const completeSince = (at: Instant): number => options.completeSinceMs
    ?? Math.max(options.notCompleteBeforeMs ?? Number.NEGATIVE_INFINITY, created.wallMs, Math.floor(at.wallMs - (at.monotonicMs - created.monotonicMs)));
  // Map keeps insertion order; a claim re-inserts its key, so the oldest claims come first.
  const expiries = new Map<string, Expiry>();
  // Each key's floors (see NonceStore.supersede): its signatures created at or before one are
  // refused. Kept in `expiries` too (the main floor under the key id alone, a one-element JSON
  // array; a named one as [keyId, 0, name]: never a claim's [keyId, nonce]), so they are swept,
  // and counted against maxEntries, like claims.
  const floors = new Map<string, number>();
  const floorEntry = (keyId: string, name: string): string => JSON.stringify(name === MAIN_FLOOR ? [keyId] : [keyId, 0, name]);
  const makeRoom = (at: Instant): void => {
    if (expiries.size < maxEntries) return;
    sweep(at, true);
    // Evicting a live nonce would reopen it to replay, so a full store refuses instead (→ 503).
    if (expiries.size >= maxEntries) throw new Error('memory nonce store is full');
  };

  /**
   * Drops expired entries from the front, stopping at the first live one. Insertion order is only
   * roughly expiry order: a claim holds until its signature's `created` + max age + skew, so its
   * ttl depends on `created` (up to max age + skew for a verified signature, about twice that for
   * a retired one created ahead of the clock), and an expired entry behind a live one stays until
   * a full sweep. `full` sweeps everything, and runs before a claim is refused for lack of room:
   * such entries cost memory within `maxEntries`, never a refused claim.
   */
  function sweep(at: Instant, full = false): void {
    for (const [key, expiry] of expiries) {
      if (!isLive(expiry, at)) {
        expiries.delete(key);
        floors.delete(key);
      } else if (!full) break;
    }
  }

  return {
    async claim(keyId: string, nonce: string, { ttlMs, notBeforeMs, createdMs, floor: floorName }: NonceClaimRequest): Promise<NonceClaim> {
      if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError('ttlMs must be a positive number');
      if (Number.isNaN(notBeforeMs)) throw new RangeError('notBeforeMs must be a number');
      if (!Number.isFinite(createdMs)) throw new RangeError('createdMs must be a finite number');
      checkFloorName(floorName);
      const at = instant();
      const completeSinceMs = completeSince(at);
      if (notBeforeMs < completeSinceMs) return { status: 'unproven', completeSinceMs };
      sweep(at);
      // JSON of the pair: unambiguous whatever characters the key id or nonce contain.
      const key = JSON.stringify([keyId, nonce]);
      const existing = expiries.get(key);
      // A replay of a claimed nonce is `reused` first, floor or not: it reads as the replay it is.
      if (existing !== undefined && isLive(existing, at)) return { status: 'reused' };
      if (floorName !== null) {
        const floorKey = floorEntry(keyId, floorName ?? MAIN_FLOOR);
        const floor = floors.get(floorKey);
        const held = expiries.get(floorKey);
        if (floor !== undefined && held !== undefined && isLive(held, at) && createdMs <= floor) return { status: 'superseded', upToMs: floor };
      }
      expiries.delete(key);
      makeRoom(at);
      expiries.set(key, expiryAfter(at, ttlMs));
      return { status: 'claimed' };
    },
    async supersede(keyId: string, nonce: string, { createdMs, ttlMs, floors: names }: NonceSupersedeRequest): Promise<void> {
      if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError('ttlMs must be a positive number');
      if (!Number.isFinite(createdMs)) throw new RangeError('createdMs must be a finite number');
      const at = instant();
      sweep(at);
      const raised = floorsToRaise(names).map((name) => {
        const floorKey = floorEntry(keyId, name);
        const heldUntil = expiries.get(floorKey);
        return { floorKey, heldUntil, live: heldUntil !== undefined && isLive(heldUntil, at) };
      });
      const nonceKey = JSON.stringify([keyId, nonce]);
      // New floors take the place of the claim they replace, if that is still held; beyond it they
      // need room of their own (checked before anything changes, so a full store changes nothing).
      const needed = raised.filter((floor) => !floor.live).length - (expiries.has(nonceKey) ? 1 : 0);
      if (needed > 0 && expiries.size + needed > maxEntries) {
        sweep(at, true);
        if (expiries.size + needed > maxEntries) throw new Error('memory nonce store is full');
      }
      // One synchronous step: no claim can run between the floors and the claim's removal.
      for (const { floorKey, heldUntil, live } of raised) {
        floors.set(floorKey, live ? Math.max(floors.get(floorKey) ?? createdMs, createdMs) : createdMs);
        expiries.delete(floorKey);
        // Re-inserted: the oldest entries stay first for the sweep.
        const until = expiryAfter(at, ttlMs);
        expiries.set(floorKey, live && heldUntil ? { wallMs: Math.max(heldUntil.wallMs, until.wallMs), monotonicMs: Math.max(heldUntil.monotonicMs, until.monotonicMs) } : until);
      }
      expiries.delete(nonceKey);
    },
    async open(): Promise<void> {
      // Complete since its creation; nothing to record.
    },
    size(): number {
      sweep(instant(), true);
      return expiries.size;
    },
  };
}

/** A moment on both clocks. */
interface Instant {
  readonly wallMs: number;
  readonly monotonicMs: number;
}

/** When an entry may go: once both clocks are past it. */
type Expiry = Instant;

function expiryAfter(at: Instant, ttlMs: number): Expiry {
  const ms = Math.ceil(ttlMs);
  return { wallMs: at.wallMs + ms, monotonicMs: at.monotonicMs + ms };
}

/** Held while either clock has not reached the entry's expiry. */
function isLive(expiry: Expiry, at: Instant): boolean {
  return expiry.wallMs > at.wallMs || expiry.monotonicMs > at.monotonicMs;
}
