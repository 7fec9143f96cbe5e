import type { GraphQLResolveInfo } from 'graphql';
import type { IdempotencyStore } from '@signet/idempotency';
import { admittedRootField } from '../admitted-fields';
import type { DirectiveContext } from '../directive-context';

/**
 * The store `@idempotent` claims with for one call: the shared store, primed with the lease the
 * request's admission already took for this root field. The first claim of the same scope and
 * fingerprint gets that lease (and marks it taken, so it is not released after the response);
 * anything else goes to the shared store. This is how the admission saves a round trip without
 * the directive knowing of it.
 */
export function admittedLeaseStore(shared: IdempotencyStore, context: DirectiveContext, info: GraphQLResolveInfo): IdempotencyStore {
  const lease = admittedRootField(context, info)?.lease;
  if (!lease) return shared;
  return {
    claim(scopeKey, fingerprint, leaseMs) {
      if (lease.taken || lease.scopeKey !== scopeKey || lease.fingerprint !== fingerprint) return shared.claim(scopeKey, fingerprint, leaseMs);
      lease.taken = true;
      return Promise.resolve(lease.claim);
    },
    complete: (...args) => shared.complete(...args),
    release: (...args) => shared.release(...args),
    remember: (...args) => shared.remember(...args),
  };
}
