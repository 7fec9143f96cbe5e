import { performance } from 'node:perf_hooks';

/**
 * What this process has already been told is refused, and until when: an address over its
 * request limit, a source or key id over its failed-signature budget. The shared counters
 * (Redis) stay the authority and are checked in the request's admission; this memo only lets
 * the process refuse the *next* request of a known-blocked source before reading its body or
 * doing any crypto, without a round trip. It is exact for the time it keeps: a fixed window that
 * refused a caller keeps refusing it until the window ends, which is when the entry expires.
 */
export interface LocalBlocks {
  /** Remembers that `key` is refused for the next `ms` milliseconds. */
  block(key: string, ms: number): void;
  /** Milliseconds `key` is still refused for, or 0. */
  remaining(key: string): number;
}

/** A bounded memo (oldest entries dropped first past `maxEntries`); the clock is monotonic unless injected. */
export function createLocalBlocks(options: { now?: () => number; maxEntries?: number } = {}): LocalBlocks {
  const now = options.now ?? (() => performance.now());
  const maxEntries = options.maxEntries ?? 10_000;
  const until = new Map<string, number>();
  return {
    block(key, ms) {
      if (!(ms > 0)) return;
      until.delete(key);
      until.set(key, now() + ms);
      if (until.size > maxEntries) until.delete(until.keys().next().value as string);
    },
    remaining(key) {
      const end = until.get(key);
      if (end === undefined) return 0;
      const left = end - now();
      if (left > 0) return left;
      until.delete(key);
      return 0;
    },
  };
}
