/**
 * The port of request admission: the shared-state checks a signed request must pass before
 * anything of it runs, taken together so that an adapter can answer them in one round trip.
 *
 * A request's checks form one ordered list (see `admission-plan.ts`):
 *
 * ```
 *   nonce → keyVersion (shared key cache only) → limit(ip) → blocked(ip failures) → limit(account)   request gates
 *   → for each root field: limit(field) → lease(idempotency scope: taken if that limit allowed,
 *                                               else only looked at for a completed outcome)
 * ```
 *
 * Semantics every adapter keeps:
 * - checks run in list order, each one as atomic as its own store's operation;
 * - a *gate* that fails (a `limit` with `gate: true` over its limit, a `blocked` source, a nonce
 *   already claimed or not provably unseen, a key version other than the expected one) stops the list: every later check is `skipped` and
 *   changes nothing, so a refused request never spends a budget or takes a key (the nonce comes
 *   first: a request refused by a later gate has used its signature up, and never runs later);
 * - a `lease` whose `after` names a `limit` that refused the call takes nothing (a refused call
 *   must not take the idempotency key) but is looked at (`IdempotencyStore.peekCompleted`): a
 *   completed outcome of the same fingerprint is answered `completed`, as a claim would answer it,
 *   since replaying it runs nothing; anything else (free, in progress, another fingerprint) is
 *   `skipped`. A lease a failed gate stopped is `skipped` without a look;
 * - a store failure rejects the whole call; what ran before it stays done (as with separate calls).
 *
 * The same key names and values as the single-purpose stores (rate-limit, nonce, idempotency)
 * are used, so a field checked here and a field checked by its own directive share counters.
 */
import type { ClaimResult } from '@signet/idempotency';
import type { RateLimitDecision, RateLimitRule } from '@signet/rate-limit';
import type { NonceClaim } from '@signet/http-message-signatures';

/** One check of an admission list. */
export type AdmissionCheck =
  /** Consume one call of a fixed-window limit (`RateLimitStore.consume`); with `gate`, refusal stops the list. */
  | { readonly kind: 'limit'; readonly key: string; readonly rule: RateLimitRule; readonly gate: boolean }
  /** A brute-force guard counter, read only (`RateLimitStore.peek`); over its limit it is a failed gate. */
  | { readonly kind: 'blocked'; readonly key: string; readonly rule: RateLimitRule }
  /**
   * Claim a signature nonce once per key (`NonceStore.claim`); anything but `claimed` (a replay,
   * a signature the store cannot prove unused, one at or before its key's floor) is a failed gate.
   */
  | { readonly kind: 'nonce'; readonly keyId: string; readonly nonce: string; readonly ttlMs: number; readonly notBeforeMs: number; readonly createdMs: number; readonly floor?: string | null }
  /**
   * Read the API key's shared version (`KeyVersionStore.current`, giving it one when it has none);
   * any other than `expected` (the version of the cached material that verified the request) is
   * a failed gate, and the outcome says which version is current.
   */
  | { readonly kind: 'keyVersion'; readonly keyId: string; readonly expected: string }
  /**
   * Take the idempotency lease of a scope (`IdempotencyStore.claim`); `after` is the index of the
   * `limit` check that must have allowed the call first (refused: only a completed outcome is
   * answered, see above).
   */
  | { readonly kind: 'lease'; readonly scopeKey: string; readonly fingerprint: string; readonly leaseMs: number; readonly after?: number };

/** What one check answered, index for index with the list. */
export type AdmissionOutcome =
  | { readonly kind: 'skipped' }
  | { readonly kind: 'limit'; readonly decision: RateLimitDecision }
  | { readonly kind: 'blocked'; readonly decision: RateLimitDecision }
  | { readonly kind: 'nonce'; readonly claim: NonceClaim }
  | { readonly kind: 'keyVersion'; readonly current: string }
  | { readonly kind: 'lease'; readonly claim: ClaimResult };

/** Runs admission lists. */
export interface AdmissionStore {
  /** Runs `checks` with the semantics above; resolves one outcome per check. */
  admit(checks: readonly AdmissionCheck[]): Promise<AdmissionOutcome[]>;
}

/** Whether an outcome is a failed gate, i.e. the one that stopped the list. */
export function isFailedGate(check: AdmissionCheck, outcome: AdmissionOutcome): boolean {
  if (outcome.kind === 'limit') return check.kind === 'limit' && check.gate && !outcome.decision.allowed;
  if (outcome.kind === 'blocked') return !outcome.decision.allowed;
  if (outcome.kind === 'nonce') return outcome.claim.status !== 'claimed';
  if (outcome.kind === 'keyVersion') return check.kind === 'keyVersion' && outcome.current !== check.expected;
  return false;
}

/**
 * What a `lease` check does, given the outcomes so far: `claim` the lease (no `after` limit, or
 * it allowed the call), only `look` for a completed outcome (its limit refused the call), or
 * nothing (`skip`: its limit did not run).
 */
export function leaseStep(check: Extract<AdmissionCheck, { kind: 'lease' }>, outcomes: readonly AdmissionOutcome[]): 'claim' | 'look' | 'skip' {
  if (check.after === undefined) return 'claim';
  const limit = outcomes[check.after];
  if (limit?.kind !== 'limit') return 'skip';
  return limit.decision.allowed ? 'claim' : 'look';
}

/** The outcome of a `lease` check that only looked: the completed outcome found, else `skipped`. */
export function lookedAtLease(outcome: string | undefined): AdmissionOutcome {
  return outcome === undefined ? { kind: 'skipped' } : { kind: 'lease', claim: { kind: 'completed', outcome } };
}
