import type { GraphQLResolveInfo } from 'graphql';
import type { ClaimResult } from '@signet/idempotency';
import type { RateLimitDecision, RateLimitRule } from '@signet/rate-limit';

/**
 * What the request's admission already decided for one root field, before execution: the
 * `@rateLimit` check it spent and the idempotency lease it took. The field's directive wrappers
 * use these instead of asking the stores again (same key, same fingerprint, or they ask anyway).
 */
export interface AdmittedField {
  readonly limit?: { readonly key: string; readonly decision: RateLimitDecision };
  /**
   * What the lease check answered: a claim, or, behind a limit that refused the call, only a
   * `completed` outcome it found. `taken` is set by the `@idempotent` wrapper that uses it; an
   * untaken acquired lease is released after the response.
   */
  readonly lease?: { readonly scopeKey: string; readonly fingerprint: string; readonly claim: ClaimResult; taken: boolean };
  /**
   * The budget a replay behind the spent limit spends first (one request), when the admission
   * counted the request on no budget of the account's: an operation of exits, which the account's
   * request budget leaves out so its owner can always stop things. A replay stops nothing; it reads
   * an outcome (a cancelAllOrders one lists up to hundreds of orders), so it is a read like any
   * other and spends that budget; refused, the call stays refused by its limit.
   */
  readonly replayCharge?: { readonly key: string; readonly rule: RateLimitRule };
}

/**
 * Whether the admission refused this field's call by its limit yet found its key completed with
 * the same arguments: a replay, which runs nothing, so `@rateLimit` lets it through and
 * `@idempotent` must answer it from that outcome (or refuse it), never run it.
 */
export function replaysBehindSpentLimit(admitted: AdmittedField | undefined): boolean {
  return admitted?.limit?.decision.allowed === false && admitted.lease?.claim.kind === 'completed';
}

/** Admitted root fields by response key (alias or name). */
export type AdmittedFields = ReadonlyMap<string, AdmittedField>;

/** The admitted decisions of the root field being resolved, if the request's admission made any. */
export function admittedRootField(context: { admitted?: AdmittedFields }, info: GraphQLResolveInfo): AdmittedField | undefined {
  if (!context.admitted || info.path.prev !== undefined) return undefined;
  return context.admitted.get(String(info.path.key));
}
