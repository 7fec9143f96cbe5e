import type { RateLimitRule, RateLimitStore } from '../../directives/rate-limit';

/** How many failed signature checks are tolerated before a source is refused outright. */
export const AUTH_FAILURE_LIMITS = Object.freeze({
  /** Per client IP: 30 failures a minute. */
  perIp: { max: 30, windowMs: 60_000 } as RateLimitRule,
  /** Per key id: 10 failures a minute (a leaked key id under attack). */
  perKey: { max: 10, windowMs: 60_000 } as RateLimitRule,
});

/** Brute-force guard: refuses an IP or key id with too many recent signature failures. */
export interface AuthFailureGuard {
  /** Milliseconds to wait when the source is blocked now, or 0. Counts nothing. */
  blockedFor(ip: string, keyId: string | undefined): Promise<number>;
  /** Counts one failure; returns milliseconds to wait when this failure crossed a limit, or 0. */
  recordFailure(ip: string, keyId: string | undefined): Promise<number>;
}

/**
 * Builds the guard on the rate-limit engine (one store shared by every instance with Redis).
 * Only failures are counted: valid traffic never spends this budget. A blocked source is
 * refused before any crypto, so guessing a secret costs one attempt per failure budget.
 */
export function createAuthFailureGuard(store: RateLimitStore, limits = AUTH_FAILURE_LIMITS): AuthFailureGuard {
  const keys = (ip: string, keyId: string | undefined): Array<[string, RateLimitRule]> => [
    [`authfail:ip:${ip}`, limits.perIp],
    ...(keyId ? [[`authfail:key:${keyId}`, limits.perKey] as [string, RateLimitRule]] : []),
  ];
  return {
    async blockedFor(ip, keyId) {
      const decisions = await Promise.all(keys(ip, keyId).map(([key, rule]) => store.peek(key, rule)));
      return Math.max(0, ...decisions.filter((d) => !d.allowed).map((d) => d.retryAfterMs));
    },
    async recordFailure(ip, keyId) {
      const decisions = await Promise.all(keys(ip, keyId).map(([key, rule]) => store.consume(key, { ...rule, countRejected: false })));
      // This failure used the last unit: the next attempt from this source is refused.
      return Math.max(0, ...decisions.map((d) => (d.remaining === 0 ? d.resetMs : d.retryAfterMs)));
    },
  };
}
