import { randomUUID } from 'node:crypto';
import {
  retryAfterFor,
  toPositiveMs,
  type ClaimResult,
  type IdempotencyStore,
} from './idempotency-store';

/**
 * In-process idempotency store: the embedded default for a single server process.
 *
 * Atomicity comes from the event loop: each method reads and writes the map without awaiting in
 * between, so no other claim can interleave. It is NOT shared between processes; scale-out uses
 * the Redis adapter. Memory stays bounded: expired entries are swept at most every
 * `sweepIntervalMs`, amortized on access and also from an `unref()`ed timer so an idle process
 * still frees them, and `maxEntries` caps the map outright. Dropping an entry early is safe
 * (the durable record is the authority), just slower for the duplicate that follows: the cap
 * moves the store's `completeSinceMs` to now, so the executor reads the record first again.
 *
 * Completeness: a claim that acquires reports `completeSinceMs`, the store's creation (or the
 * `completeSinceMs` option, or the last time the cap dropped a live entry). A restarted process
 * has a new store, so for one retention window its keyed calls read the durable record first,
 * unless the host declares it complete earlier (`declareCompleteSince`, e.g. after finding no
 * live record at start-up): honoured only while the cap has dropped no live entry.
 */

/** Options of {@link createMemoryIdempotencyStore}. */
export interface MemoryIdempotencyStoreOptions {
  /** Clock in epoch milliseconds, injectable so tests can expire leases without waiting. Defaults to `Date.now`. */
  now?: () => number;
  /** Minimum time between two sweeps of expired entries. Defaults to 1_000 ms. */
  sweepIntervalMs?: number;
  /**
   * Most entries held; beyond it the least recently written entry is dropped. Defaults to
   * {@link DEFAULT_MAX_ENTRIES} (100,000). An entry costs about 0.5 KB of heap plus its outcome's
   * text, so the default bounds the store near 50–100 MB; at the cap, keyed calls read the durable
   * record first (see above) instead of the process growing.
   */
  maxEntries?: number;
  /**
   * Since when this store has seen every claim whose outcome the durable records may hold (see
   * `ClaimResult`). Defaults to its creation: a new process starts with an empty store while the
   * records (a database) may hold outcomes of the previous one. Set it earlier only for a store
   * created before any record existed (e.g. `0` beside records that live in the same process).
   */
  completeSinceMs?: number;
}

/** The memory adapter: the {@link IdempotencyStore} port plus test and shutdown hooks. */
export interface MemoryIdempotencyStore extends IdempotencyStore {
  /** Always present here: see {@link IdempotencyStore.declareCompleteSince}. */
  declareCompleteSince(sinceMs: number): Promise<boolean>;
  /** Entries currently held, including expired ones not yet swept (what the memory bound is about). */
  size(): number;
  /** Stops the sweep timer. The store keeps answering; only the idle-time sweep stops. */
  close(): void;
}

type Entry =
  | { state: 'in_progress'; fingerprint: string; token: string; expiresAt: number }
  | { state: 'completed'; fingerprint: string; outcome: string; expiresAt: number };

/** Entries an in-process store holds unless told otherwise. */
export const DEFAULT_MAX_ENTRIES = 100_000;

/** Creates an in-process {@link IdempotencyStore}; call `close()` on shutdown. */
export function createMemoryIdempotencyStore(options: MemoryIdempotencyStoreOptions = {}): MemoryIdempotencyStore {
  const now = options.now ?? Date.now;
  const sweepIntervalMs = toPositiveMs('sweepIntervalMs', options.sweepIntervalMs ?? 1_000);
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);

  // Map iteration order is insertion order; `put` re-inserts, so the first key is the least
  // recently written one, which is what the `maxEntries` cap drops.
  const entries = new Map<string, Entry>();
  let lastSweep = now();
  let completeSinceMs = options.completeSinceMs ?? lastSweep;
  if (Number.isNaN(completeSinceMs)) throw new RangeError('completeSinceMs must be a number');
  // Once the cap has forgotten a live outcome, no declaration can make the view whole again.
  let droppedLive = false;

  function sweep(at: number): void {
    lastSweep = at;
    for (const [scopeKey, entry] of entries) if (entry.expiresAt <= at) entries.delete(scopeKey);
  }

  const timer = setInterval(() => sweep(now()), sweepIntervalMs);
  timer.unref(); // a cache must never keep the process alive

  /** The live entry for a scope, after the amortized sweep; an expired entry counts as absent. */
  function read(scopeKey: string, at: number): Entry | undefined {
    if (at - lastSweep >= sweepIntervalMs) sweep(at);
    const entry = entries.get(scopeKey);
    if (entry === undefined || entry.expiresAt > at) return entry;
    entries.delete(scopeKey);
    return undefined;
  }

  function put(scopeKey: string, entry: Entry): void {
    entries.delete(scopeKey);
    entries.set(scopeKey, entry);
    if (entries.size > maxEntries) {
      const oldest = entries.entries().next();
      if (!oldest.done) {
        entries.delete(oldest.value[0]);
        // A live outcome is forgotten: the store's view is whole only from now on.
        const at = now();
        if (oldest.value[1].expiresAt > at) {
          droppedLive = true;
          completeSinceMs = Math.max(completeSinceMs, at);
        }
      }
    }
  }

  /** The in-progress entry `token` owns, if it still owns one. */
  function owned(scopeKey: string, token: string, at: number): Entry | undefined {
    const entry = read(scopeKey, at);
    return entry?.state === 'in_progress' && entry.token === token ? entry : undefined;
  }

  return {
    async claim(scopeKey, fingerprint, leaseMs): Promise<ClaimResult> {
      const lease = toPositiveMs('leaseMs', leaseMs);
      const at = now();
      const entry = read(scopeKey, at);
      if (entry === undefined) {
        const token = randomUUID();
        put(scopeKey, { state: 'in_progress', fingerprint, token, expiresAt: at + lease });
        return { kind: 'acquired', token, completeSinceMs };
      }
      if (entry.fingerprint !== fingerprint) return { kind: 'mismatch' };
      if (entry.state === 'completed') return { kind: 'completed', outcome: entry.outcome };
      return { kind: 'in_progress', retryAfterMs: retryAfterFor(entry.expiresAt - at, lease) };
    },

    async complete(scopeKey, token, fingerprint, outcome, ttlMs) {
      const ttl = toPositiveMs('ttlMs', ttlMs);
      const at = now();
      const entry = owned(scopeKey, token, at);
      if (entry === undefined || entry.fingerprint !== fingerprint) return false;
      put(scopeKey, { state: 'completed', fingerprint, outcome, expiresAt: at + ttl });
      return true;
    },

    async release(scopeKey, token) {
      if (owned(scopeKey, token, now()) === undefined) return false;
      entries.delete(scopeKey);
      return true;
    },

    async remember(scopeKey, fingerprint, outcome, ttlMs) {
      const ttl = toPositiveMs('ttlMs', ttlMs);
      const at = now();
      read(scopeKey, at); // keeps the amortized sweep running on this path too
      put(scopeKey, { state: 'completed', fingerprint, outcome, expiresAt: at + ttl });
    },

    async peekCompleted(scopeKey, fingerprint) {
      const entry = read(scopeKey, now());
      return entry?.state === 'completed' && entry.fingerprint === fingerprint ? entry.outcome : undefined;
    },

    /** Moves completeness back to `sinceMs` (never forward), unless a live entry was ever dropped. */
    async declareCompleteSince(sinceMs) {
      if (!Number.isFinite(sinceMs)) throw new RangeError(`sinceMs must be a finite number, got ${sinceMs}`);
      if (droppedLive || sinceMs >= completeSinceMs) return false;
      completeSinceMs = sinceMs;
      return true;
    },

    size: () => entries.size,

    close() {
      clearInterval(timer);
    },
  };
}
