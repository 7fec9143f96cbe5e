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
 * let through since; and in a new window, less the ones let through before it whose count has not
 * landed yet (they will be counted in it). Past that, a signed request is counted before its body
 * is read, as an unsigned one is (one more round trip, only for an address this process has seen
 * spend its budget). So one process reads and verifies at most twice the limit of a burst before
 * refusing it (the passes, and what the shared count allows before their counts land), whatever
 * the store's latency; N processes that have not heard of an address, up to N + 1 times. The
 * shared counter stays the authority and counts each request once.
 *
 * Only the shared store's decisions are observed: the local limiter that stands in while it is
 * unreachable counts on its own windows. The shadow can stay lower than the address's real
 * budget for up to a window (a window that ended early is taken for the same one), which costs
 * that address a round trip per request, never a refusal.
 */
export interface AddressAllowance {
  /** Takes one uncounted pass for `key` in its current window; false when none is left. */
  take(key: string, rule: RateLimitRule): boolean;
  /** A pass of `key` has been counted (or its request ended): it no longer holds back a new window. */
  settle(key: string): void;
  /** Learns from a shared decision on `key`: what is left of its window, and when the window ends. */
  observe(key: string, rule: RateLimitRule, decision: RateLimitDecision): void;
}

/** One address's window as this process knows it (the clock's ms), and its passes not yet counted. */
interface Shadow {
  endsAt: number;
  left: number;
  unsettled: number;
}

/**
 * A bounded memo (the least recently used address dropped first past `maxEntries`: it gets a fresh
 * window's allowance); the clock is monotonic unless injected.
 */
export function createAddressAllowance(options: { now?: () => number; maxEntries?: number } = {}): AddressAllowance {
  const now = options.now ?? (() => performance.now());
  const maxEntries = options.maxEntries ?? 10_000;
  const shadows = new Map<string, Shadow>();
  /** The shadow of `key`, most recently used from now on. */
  const use = (key: string, shadow: Shadow): Shadow => {
    shadows.delete(key);
    shadows.set(key, shadow);
    if (shadows.size > maxEntries) shadows.delete(shadows.keys().next().value as string);
    return shadow;
  };
  /** A new window for `key`, ending at `endsAt` with `remaining` left, less the passes still to be counted. */
  const open = (key: string, endsAt: number, remaining: number, unsettled: number): Shadow => use(key, { endsAt, left: remaining - unsettled, unsettled });
  return {
    take(key, rule) {
      const at = now();
      let shadow = shadows.get(key);
      if (shadow === undefined || at >= shadow.endsAt) shadow = open(key, at + rule.windowMs, rule.max, shadow?.unsettled ?? 0);
      else use(key, shadow);
      if (shadow.left <= 0) return false;
      shadow.left -= 1;
      shadow.unsettled += 1;
      return true;
    },
    settle(key) {
      const shadow = shadows.get(key);
      if (shadow !== undefined && shadow.unsettled > 0) shadow.unsettled -= 1;
    },
    observe(key, rule, decision) {
      const at = now();
      const endsAt = at + decision.resetMs;
      const shadow = shadows.get(key);
      // A window this process had not heard of (the first, or a later one: its end is at least
      // half a window past the known one; the same window's end differs by a round trip at most).
      if (shadow === undefined || at >= shadow.endsAt || endsAt >= shadow.endsAt + rule.windowMs / 2) {
        open(key, endsAt, decision.remaining, shadow?.unsettled ?? 0);
        return;
      }
      // The same window: passes taken since may not be counted yet, so the lower figure holds.
      shadow.left = Math.min(shadow.left, decision.remaining);
      shadow.endsAt = endsAt;
    },
  };
}
