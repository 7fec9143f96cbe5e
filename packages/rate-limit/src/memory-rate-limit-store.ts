/**
 * In-process `RateLimitStore` for the embedded single-process default. Same algorithm and
 * decisions as the Redis adapter (see `rate-limit-store.ts`); exact because each check runs
 * synchronously, so no other check can interleave between the read and the write.
 */
import { performance } from 'node:perf_hooks';
import {
  decisionFrom,
  normalizeRateLimitRule,
  type RateLimitDecision,
  type RateLimitRule,
  type RateLimitStore,
} from './rate-limit-store';

/** Options for `createMemoryRateLimitStore`. */
export interface MemoryRateLimitStoreOptions {
  /**
   * Clock in milliseconds. Defaults to `performance.now()`, which is monotonic: a wall-clock
   * step backwards must not stretch a window. Tests inject a fake clock to roll windows over.
   */
  now?: () => number;
  /** How often (clock ms) a check also sweeps expired windows out of the table. Defaults to 10_000. */
  sweepIntervalMs?: number;
  /**
   * Most keys kept at once. Defaults to 100_000. When full after a sweep, the oldest window is
   * dropped: memory stays bounded under a flood of distinct keys, at the cost of giving the
   * dropped key a fresh window early. Size it above the keys live within your longest window.
   */
  maxKeys?: number;
}

interface Window {
  count: number;
  endsAt: number;
}

/** Fixed-window counters in a `Map`; expired windows are swept lazily and on `sweep()`. */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, Window>();
  private readonly now: () => number;
  private readonly sweepIntervalMs: number;
  private readonly maxKeys: number;
  private nextSweepAt: number;

  /** Prefer `createMemoryRateLimitStore`. */
  constructor(options: MemoryRateLimitStoreOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    this.sweepIntervalMs = options.sweepIntervalMs ?? 10_000;
    this.maxKeys = options.maxKeys ?? 100_000;
    if (!Number.isSafeInteger(this.maxKeys) || this.maxKeys < 1) {
      throw new RangeError(`maxKeys must be a positive integer, got ${String(options.maxKeys)}`);
    }
    this.nextSweepAt = this.now() + this.sweepIntervalMs;
  }

  /** See `RateLimitStore.consume`. */
  async consume(key: string, rule: RateLimitRule): Promise<RateLimitDecision> {
    const r = normalizeRateLimitRule(rule);
    const now = this.now();
    if (now >= this.nextSweepAt) this.sweep();

    let window = this.windows.get(key);
    if (window !== undefined && window.endsAt <= now) {
      this.windows.delete(key);
      window = undefined;
    }
    const count = window?.count ?? 0;
    const allowed = count + r.cost <= r.max;
    if (!allowed && !r.countRejected) {
      return decisionFrom({ allowed, count, ttlMs: window ? window.endsAt - now : 0 }, r);
    }
    if (window === undefined) {
      if (this.windows.size >= this.maxKeys) this.makeRoom();
      // Re-inserting keeps the Map in window-opening order, which `makeRoom` relies on.
      window = { count: 0, endsAt: now + r.windowMs };
      this.windows.set(key, window);
    }
    window.count += r.cost;
    return decisionFrom({ allowed, count: window.count, ttlMs: window.endsAt - now }, r);
  }

  /** See `RateLimitStore.peek`. */
  async peek(key: string, rule: RateLimitRule): Promise<RateLimitDecision> {
    const r = normalizeRateLimitRule(rule);
    const now = this.now();
    const window = this.windows.get(key);
    const live = window !== undefined && window.endsAt > now ? window : undefined;
    const count = live?.count ?? 0;
    return decisionFrom({ allowed: count + r.cost <= r.max, count, ttlMs: live ? live.endsAt - now : 0 }, r);
  }

  /** Drops every expired window now; returns how many were dropped. */
  sweep(): number {
    const now = this.now();
    this.nextSweepAt = now + this.sweepIntervalMs;
    let dropped = 0;
    for (const [key, window] of this.windows) {
      if (window.endsAt <= now) {
        this.windows.delete(key);
        dropped += 1;
      }
    }
    return dropped;
  }

  /** Number of keys holding a window (expired ones included until swept); for tests and metrics. */
  size(): number {
    return this.windows.size;
  }

  private makeRoom(): void {
    this.sweep();
    // Map iteration follows insertion order, so the first key opened its window first.
    while (this.windows.size >= this.maxKeys) {
      const oldest = this.windows.keys().next().value as string;
      this.windows.delete(oldest);
    }
  }
}

/** Creates the embedded, single-process rate-limit store. */
export function createMemoryRateLimitStore(options: MemoryRateLimitStoreOptions = {}): MemoryRateLimitStore {
  return new MemoryRateLimitStore(options);
}
