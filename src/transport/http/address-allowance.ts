import { performance } from 'node:perf_hooks';
import type { RateLimitDecision, RateLimitRule } from '@signet/rate-limit';

/**
 * How many signed /graphql requests this process may still let past the per-IP layer uncounted,
 * per address, in the address's current window.
 *
 * A signed request is counted against its address only once read: in its admission's round trip,
 * or, refused before it, as its answer is sent. Until a count lands, nothing stops the address's
 * next requests: a burst sent at once (parallel connections, pipelining) was parsed and verified
 * whole before the first count came back (60 of 60 at a limit of 20, with a store answering 30 ms
 * late). This shadow of the address's window lets requests through uncounted only while they fit
 * in what the address is known to have left: the rule's `max` in a window this process has heard
 * nothing of, else the lowest `remaining` a shared decision reported in the window, less the ones
 * let through since. Past that, a signed request is counted before its body is read, as an
 * unsigned one is (one more round trip, only for an address this process has seen spend its
 * budget). A burst therefore gets at most twice the limit parsed before its refusals, whatever the
 * store's latency; the shared counter stays the authority and counts each request once.
 */
export interface AddressAllowance {
  /** Takes one uncounted pass for `key` in its current window; false when none is left. */
  take(key: string, rule: RateLimitRule): boolean;
  /** Learns from a shared decision on `key`: what is left of its window, and when the window ends. */
  observe(key: string, rule: RateLimitRule, decision: RateLimitDecision): void;
}

/** One address's window as this process knows it (the clock's ms). */
interface Shadow {
  endsAt: number;
  left: number;
}

/** A bounded memo (oldest entries dropped first past `maxEntries`: a dropped address gets a fresh window's allowance); the clock is monotonic unless injected. */
export function createAddressAllowance(options: { now?: () => number; maxEntries?: number } = {}): AddressAllowance {
  const now = options.now ?? (() => performance.now());
  const maxEntries = options.maxEntries ?? 10_000;
  const shadows = new Map<string, Shadow>();
  const remember = (key: string, shadow: Shadow): Shadow => {
    shadows.delete(key);
    shadows.set(key, shadow);
    if (shadows.size > maxEntries) shadows.delete(shadows.keys().next().value as string);
    return shadow;
  };
  return {
    take(key, rule) {
      const at = now();
      let shadow = shadows.get(key);
      if (shadow === undefined || at >= shadow.endsAt) shadow = remember(key, { endsAt: at + rule.windowMs, left: rule.max });
      if (shadow.left <= 0) return false;
      shadow.left -= 1;
      return true;
    },
    observe(key, rule, decision) {
      const at = now();
      const endsAt = at + decision.resetMs;
      const shadow = shadows.get(key);
      // A window this process had not heard of (the first, or a later one: its end is at least
      // half a window past the known one; the same window's end differs by a round trip at most).
      if (shadow === undefined || at >= shadow.endsAt || endsAt >= shadow.endsAt + rule.windowMs / 2) {
        remember(key, { endsAt, left: decision.remaining });
        return;
      }
      // The same window: passes taken since may not be counted yet, so the lower figure holds.
      shadow.left = Math.min(shadow.left, decision.remaining);
      shadow.endsAt = endsAt;
    },
  };
}
