import type { RateLimitDecision, RateLimitStore } from '@signet/rate-limit';

/**
 * The store one `@rateLimit` call is checked on. When the request's admission already spent
 * this root field's counter (same key) before execution, the call gets that decision, once,
 * instead of spending the counter a second time; any other check goes to the shared store.
 * This is how the admission stays Signet's optimisation: the directive only asks a store.
 */
export function admittedRateLimitStore(shared: RateLimitStore, admitted: { readonly key: string; readonly decision: RateLimitDecision } | undefined): RateLimitStore {
  if (!admitted) return shared;
  let primed: typeof admitted | undefined = admitted;
  return {
    async consume(key, rule) {
      if (primed?.key !== key) return shared.consume(key, rule);
      const { decision } = primed;
      primed = undefined;
      return decision;
    },
    peek: (key, rule) => shared.peek(key, rule),
  };
}
