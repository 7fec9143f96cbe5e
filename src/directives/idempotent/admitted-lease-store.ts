import type { GraphQLResolveInfo } from 'graphql';
import type { IdempotencyStore } from '@signet/idempotency';
import { admittedRootField, replaysBehindSpentLimit } from '../admitted-fields';
import type { DirectiveContext } from '../directive-context';

/**
 * The store `@idempotent` claims with for one call: the shared store, primed with the lease the
 * request's admission already took for this root field. The first claim of the same scope and
 * fingerprint gets that lease (and marks it taken, so it is not released after the response);
 * anything else goes to the shared store. This is how the admission saves a round trip without
 * the directive knowing of it.
 *
 * A call `@rateLimit` let through its spent limit only because the admission found its key
 * completed gets that outcome (a replay); any other claim of it is refused, as the store being
 * unavailable (nothing runs), since claiming from the shared store could run it past its limit.
 * The admission plan derives the same scope and fingerprint as this directive, so that refusal
 * is a guard, not a path.
 */
export function admittedLeaseStore(shared: IdempotencyStore, context: DirectiveContext, info: GraphQLResolveInfo): IdempotencyStore {
  const admitted = admittedRootField(context, info);
  const lease = admitted?.lease;
  if (!lease) return shared;
  const replayOnly = replaysBehindSpentLimit(admitted);
  return {
    claim(scopeKey, fingerprint, leaseMs) {
      if (lease.taken || lease.scopeKey !== scopeKey || lease.fingerprint !== fingerprint) {
        if (replayOnly) return Promise.reject(new Error('a call let past its spent rate limit to be replayed claimed another scope or fingerprint'));
        return shared.claim(scopeKey, fingerprint, leaseMs);
      }
      lease.taken = true;
      return Promise.resolve(lease.claim);
    },
    complete: (...args) => shared.complete(...args),
    release: (...args) => shared.release(...args),
    remember: (...args) => shared.remember(...args),
    peekCompleted: (...args) => shared.peekCompleted(...args),
  };
}
