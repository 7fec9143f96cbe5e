import type { RateLimitDecision, RateLimitHeaderEntry, RateLimitRule, RateLimitStore } from '@signet/rate-limit';
import type { AdmissionCheck } from '../admission';
import type { LocalBlocks } from './local-blocks';

/** How many failed signature checks a source may make before it is refused outright. */
export const AUTH_FAILURE_LIMITS = Object.freeze({
  /** Per client source (an address, or an IPv6 /64): 30 failures a minute. */
  perIp: { max: 30, windowMs: 60_000 } as RateLimitRule,
});

/**
 * The guard's policy name in RateLimit-Policy / RateLimit, beside the request layers' (`Request.ip`,
 * `Request.account`): its limit is fixed, not a SIGNET_RATE_LIMITS key.
 */
export const AUTH_FAILURE_POLICY = 'Request.failedSignatures';

/**
 * Brute-force guard: refuses a source (client address) with too many recent signature failures.
 *
 * Failures cost the source that made them, never a key: a key id travels in clear, so counting
 * failures per key id would let anyone who saw one lock its owner out (ten junk requests naming
 * it). A request whose signature verifies is refused only if its own source is over its budget.
 * Guessing a key gains nothing anyway (Ed25519 and 256-bit HMAC keys); the guard exists so a
 * source that keeps failing stops costing crypto.
 *
 * The counters are shared (the rate-limit engine; Redis with several instances) and only
 * failures are counted: valid traffic never spends this budget. Where they are read:
 * - before any crypto, from this process's memo of sources it has seen blocked (no round trip);
 * - in a verified request's admission, from the shared counter (`admissionCheck`), so a source
 *   blocked through another instance is refused there, before any budget is spent;
 * - when a failure is counted, which also tells whether the source was already blocked.
 */
export interface AuthFailureGuard {
  /** Milliseconds this process knows the source is blocked for, or 0. No I/O. */
  knownBlockedFor(source: string): number;
  /**
   * Counts one failure. Returns `blockedMs`: how long the source is refused when this failure
   * crossed the limit or it was already over it (0 otherwise), `alreadyBlocked` when it was
   * over the limit before this failure (the request deserves 429, not another 401), and the
   * guard's RateLimit entry after it (r=0 once blocked).
   */
  recordFailure(source: string): Promise<{ blockedMs: number; alreadyBlocked: boolean; rateLimit: RateLimitHeaderEntry }>;
  /** The read-only check of a verified request's admission. */
  admissionCheck(source: string): AdmissionCheck & { kind: 'blocked' };
  /** The admission's check refused: remember it, return how long to wait. */
  noteBlocked(key: string, decision: RateLimitDecision): number;
  /** The guard's RateLimit entry (AUTH_FAILURE_POLICY) for a source refused for `blockedMs` more: r=0 until then. */
  blockedEntry(blockedMs: number): RateLimitHeaderEntry;
}

/** Builds the guard on the rate-limit engine and this process's memo of blocks. */
export function createAuthFailureGuard(store: RateLimitStore, blocks: LocalBlocks, limits = AUTH_FAILURE_LIMITS): AuthFailureGuard {
  // The source is the hash tag: on a Cluster it shares a slot with the address's request counter.
  const keyOf = (source: string): string => `authfail:ip:{${source}}`;
  const entry = (decision: RateLimitDecision): RateLimitHeaderEntry => ({ policy: AUTH_FAILURE_POLICY, rule: limits.perIp, decision });
  return {
    knownBlockedFor: (source) => blocks.remaining(keyOf(source)),
    async recordFailure(source) {
      const key = keyOf(source);
      const decision = await store.consume(key, { ...limits.perIp, countRejected: false });
      // Refused: it was over before. Remaining 0: this failure used the last unit.
      const blockedMs = !decision.allowed ? decision.retryAfterMs : decision.remaining === 0 ? decision.resetMs : 0;
      blocks.block(key, blockedMs);
      return { blockedMs, alreadyBlocked: !decision.allowed, rateLimit: entry(decision) };
    },
    admissionCheck: (source) => ({ kind: 'blocked', key: keyOf(source), rule: limits.perIp }),
    noteBlocked(key, decision) {
      blocks.block(key, decision.retryAfterMs);
      return decision.retryAfterMs;
    },
    blockedEntry: (blockedMs) => entry({ allowed: false, limit: limits.perIp.max, remaining: 0, resetMs: blockedMs, retryAfterMs: blockedMs }),
  };
}
