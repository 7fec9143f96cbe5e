import type { RateLimitDecision, RateLimitStore } from '@signet/rate-limit';
import { replaysBehindSpentLimit, type AdmittedField } from '../admitted-fields';

/**
 * The store one `@rateLimit` call is checked on. When the request's admission already spent
 * this root field's counter (same key) before execution, the call gets that decision, once,
 * instead of spending the counter a second time; any other check goes to the shared store.
 * This is how the admission stays Signet's optimisation: the directive only asks a store.
 *
 * A call the admission's limit refused whose key it found completed (same arguments) is let
 * through, to be replayed by `@idempotent` from that outcome: a replay runs nothing, and a client
 * whose answer was lost must learn its outcome now, not after the window (it might otherwise send
 * the call again under a new key). Its decision is the refusal's numbers, allowed: nothing left,
 * the same reset; the admission counted it as the refusal it was, which in a spent window changes
 * neither. The `@idempotent` wrapper replays it or refuses it (`admittedLeaseStore`), never runs it.
 * A request the account's budget left out (exits only) spends one request of it here first
 * (`AdmittedField.replayCharge`): over it, the call stays refused.
 */
export function admittedRateLimitStore(shared: RateLimitStore, admitted: AdmittedField | undefined): RateLimitStore {
  if (!admitted?.limit) return shared;
  let primed: { readonly key: string; readonly decision: RateLimitDecision } | undefined = admitted.limit;
  return {
    async consume(key, rule) {
      if (primed?.key !== key) return shared.consume(key, rule);
      const { decision } = primed;
      primed = undefined;
      if (!replaysBehindSpentLimit(admitted)) return decision;
      const charge = admitted.replayCharge;
      if (charge && !(await shared.consume(charge.key, charge.rule)).allowed) return decision;
      return { ...decision, allowed: true, retryAfterMs: 0 };
    },
    peek: (key, rule) => shared.peek(key, rule),
  };
}
