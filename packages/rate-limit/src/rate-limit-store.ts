/**
 * The port `@rateLimit` needs from a store: one atomic "check and count" per call.
 *
 * Algorithm: fixed window counter. Each key has at most one open window holding a single
 * integer. The first counted call on a key opens the window, which then lasts `windowMs`
 * and expires on its own (state is O(1) per key and disappears with the window). A check
 * with cost `c` against limit `max`, with the window's count at `n`:
 *   - is allowed when `n + c <= max`, and then adds `c`;
 *   - otherwise is rejected, and adds `c` anyway when `countRejected` is true
 *     (graphql-rate-limit's default: a client hammering a closed limit stays closed),
 *     or leaves `n` untouched when it is false (graphql-rate-limit's `uncountRejected`).
 * A check whose cost alone exceeds `max` can never pass and is always rejected.
 * The read, the decision and the write happen as one atomic step (one Lua script on Redis;
 * synchronous code in memory), so concurrent checks can never over-admit.
 *
 * Guarantee: for every key, the checks admitted within one window add up to at most `max`
 * (cost units). Windows are not sliding: a client that spends `max` at the end of one window
 * and `max` at the start of the next gets up to 2 x max within a span shorter than one
 * window. That burst is the price of O(1) state and one round trip per check.
 *
 * `resetMs` is the time until the key's current window ends and its count returns to zero.
 * When no window is open (a rejected, uncounted check on an idle key), it is `windowMs`:
 * the length of a window opened now. It is always within (0, windowMs].
 */
import { checkWindowMs } from './window';

/** What one rate-limited call costs and what it may spend per window. */
export interface RateLimitRule {
  /** Units (calls, or list items) admitted per window per key; a positive integer. */
  max: number;
  /** Window length in milliseconds; a positive integer up to 24 h (see `parseWindow`). */
  windowMs: number;
  /**
   * Units this call spends. Defaults to 1. With `arrayLengthField` the directive passes the
   * list length; 0 (an empty list) is charged as 1, like graphql-rate-limit's `length || 1`.
   */
  cost?: number;
  /**
   * Whether a rejected call still spends its cost. Defaults to true (graphql-rate-limit's
   * default); graphql-rate-limit's `uncountRejected: true` maps to false.
   */
  countRejected?: boolean;
}

/** The outcome of one check, with what a client needs to pace itself. */
export interface RateLimitDecision {
  /** Whether the call may run. */
  allowed: boolean;
  /** The rule's `max`, echoed for headers and error messages. */
  limit: number;
  /** Units still available in the current window, never negative. */
  remaining: number;
  /** Milliseconds until the current window ends (see the top of this file); in (0, windowMs]. */
  resetMs: number;
  /** Milliseconds to wait before retrying; 0 when allowed, otherwise equal to `resetMs`. */
  retryAfterMs: number;
}

/** Atomic fixed-window counter shared by every server process (Redis) or local (memory). */
export interface RateLimitStore {
  /**
   * Checks `key` against `rule` and counts the call as the rule says, atomically.
   * Rejects with a RangeError when the rule is invalid (see `normalizeRateLimitRule`).
   */
  consume(key: string, rule: RateLimitRule): Promise<RateLimitDecision>;
  /**
   * What `consume` would decide for `rule.cost`, without counting anything. Guards use it to
   * refuse a blocked caller before doing expensive work (the brute-force guard checks it
   * before verifying a signature, and counts only failures).
   */
  peek(key: string, rule: RateLimitRule): Promise<RateLimitDecision>;
}

/** A rule with its defaults filled in and its numbers checked. */
export type NormalizedRateLimitRule = Required<RateLimitRule>;

/**
 * Validates a rule and fills in its defaults. Adapters call it on every check so that a bad
 * rule fails loudly instead of, say, admitting everything through a NaN comparison.
 *
 * @throws RangeError when `max` is not a positive integer, `windowMs` is out of bounds, or
 *   `cost` is not a non-negative integer
 */
export function normalizeRateLimitRule(rule: RateLimitRule): NormalizedRateLimitRule {
  const { max, windowMs, cost = 1, countRejected = true } = rule;
  if (!Number.isSafeInteger(max) || max < 1) {
    throw new RangeError(`Invalid rate-limit max ${String(max)}: it must be a positive integer`);
  }
  try {
    checkWindowMs(windowMs);
  } catch (error) {
    throw new RangeError((error as Error).message);
  }
  if (!Number.isSafeInteger(cost) || cost < 0) {
    throw new RangeError(`Invalid rate-limit cost ${String(cost)}: it must be a non-negative integer`);
  }
  return { max, windowMs, cost: Math.max(cost, 1), countRejected: countRejected !== false };
}

/** What an adapter observed in its atomic step, before it is turned into a decision. */
export interface RateLimitObservation {
  /** Whether the check passed. */
  allowed: boolean;
  /** The window's count after the step (0 when no window is open). */
  count: number;
  /** Milliseconds left in the window as the store reports it; <= 0 when no window is open. */
  ttlMs: number;
}

/**
 * Turns an adapter's observation into the public decision, so every adapter reports
 * `remaining`, `resetMs` and `retryAfterMs` the same way. `resetMs` is clamped into
 * (0, windowMs]: a store may report 0 ms in the instant before expiry, or nothing at all
 * when no window is open, and clients must never be told to retry "now" while rejected.
 */
export function decisionFrom(observation: RateLimitObservation, rule: NormalizedRateLimitRule): RateLimitDecision {
  const { allowed, count, ttlMs } = observation;
  const resetMs = ttlMs > 0 ? Math.min(Math.max(Math.ceil(ttlMs), 1), rule.windowMs) : rule.windowMs;
  return {
    allowed,
    limit: rule.max,
    remaining: Math.max(rule.max - count, 0),
    resetMs,
    retryAfterMs: allowed ? 0 : resetMs,
  };
}
