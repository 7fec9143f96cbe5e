import type { RateLimitDecision, RateLimitRule, RateLimitStore } from '../../directives/rate-limit';
import type { AdmissionCheck } from '../admission';
import type { LocalBlocks } from './local-blocks';

/** How many failed signature checks are tolerated before a source is refused outright. */
export const AUTH_FAILURE_LIMITS = Object.freeze({
  /** Per client IP: 30 failures a minute. */
  perIp: { max: 30, windowMs: 60_000 } as RateLimitRule,
  /** Per key id: 10 failures a minute (a leaked key id under attack). */
  perKey: { max: 10, windowMs: 60_000 } as RateLimitRule,
});

/**
 * Brute-force guard: refuses an IP or key id with too many recent signature failures.
 *
 * The counters are shared (the rate-limit engine; Redis with several instances) and only
 * failures are counted: valid traffic never spends this budget. Where they are read:
 * - before any crypto, from this process's memo of sources it has seen blocked (no round trip);
 * - in a verified request's admission, from the shared counters (`admissionChecks`), so a source
 *   blocked through another instance is refused there, before its nonce or any budget is spent;
 * - when a failure is counted, which also tells whether the source was already blocked.
 */
export interface AuthFailureGuard {
  /** Milliseconds this process knows the source is blocked for, or 0. No I/O. */
  knownBlockedFor(ip: string, keyId: string | undefined): number;
  /**
   * Counts one failure. Returns `blockedMs`: how long the source is refused when this failure
   * crossed a limit or it was already over one (0 otherwise), and `alreadyBlocked` when it was
   * over a limit before this failure (the request deserves 429, not another 401).
   */
  recordFailure(ip: string, keyId: string | undefined): Promise<{ blockedMs: number; alreadyBlocked: boolean }>;
  /** The read-only checks of a verified request's admission. */
  admissionChecks(ip: string, keyId: string): Array<AdmissionCheck & { kind: 'blocked' }>;
  /** A blocked check of the admission refused: remember it, return how long to wait. */
  noteBlocked(key: string, decision: RateLimitDecision): number;
}

/** Builds the guard on the rate-limit engine and this process's memo of blocks. */
export function createAuthFailureGuard(store: RateLimitStore, blocks: LocalBlocks, limits = AUTH_FAILURE_LIMITS): AuthFailureGuard {
  const keys = (ip: string, keyId: string | undefined): Array<[string, RateLimitRule]> => [
    // Hash tags: the address (with its request counter), the key id (with its nonces).
    [`authfail:ip:{${ip}}`, limits.perIp],
    ...(keyId ? [[`authfail:key:{${keyId}}`, limits.perKey] as [string, RateLimitRule]] : []),
  ];
  return {
    knownBlockedFor(ip, keyId) {
      return Math.max(0, ...keys(ip, keyId).map(([key]) => blocks.remaining(key)));
    },
    async recordFailure(ip, keyId) {
      const counted = await Promise.all(keys(ip, keyId).map(async ([key, rule]) => [key, await store.consume(key, { ...rule, countRejected: false })] as const));
      let blockedMs = 0;
      for (const [key, decision] of counted) {
        // Refused: it was over before. Remaining 0: this failure used the last unit.
        const ms = !decision.allowed ? decision.retryAfterMs : decision.remaining === 0 ? decision.resetMs : 0;
        blocks.block(key, ms);
        blockedMs = Math.max(blockedMs, ms);
      }
      return { blockedMs, alreadyBlocked: counted.some(([, d]) => !d.allowed) };
    },
    admissionChecks: (ip, keyId) => keys(ip, keyId).map(([key, rule]) => ({ kind: 'blocked' as const, key, rule })),
    noteBlocked(key, decision) {
      blocks.block(key, decision.retryAfterMs);
      return decision.retryAfterMs;
    },
  };
}
