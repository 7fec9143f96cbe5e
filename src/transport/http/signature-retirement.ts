import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { performance } from 'node:perf_hooks';
import { signatureToRetire, type NonceStore } from '@signet/http-message-signatures';
import { createDependencyWarnings, type DependencyWarnings } from '../../dependency-warnings';
import type { SignetMetrics } from '../../metrics';

/** How many refused signatures may be retired in a window. */
export interface RetirementBound { readonly max: number; readonly windowMs: number }

/** How many refused signatures one source may have retired per minute; past it they are refused without a store write. */
export const RETIREMENTS_PER_SOURCE: RetirementBound = Object.freeze({ max: 120, windowMs: 60_000 });

/**
 * How many refused signatures this process retires per minute from all sources together. A
 * retirement claims a nonce for a request nobody verified, so without this bound many sources
 * (an IPv6 /54 holds 1,024 /64s) could fill the embedded nonce store (100,000 live nonces, each
 * held up to about 70 s) and every signed request would get 503. 10,000 a minute keeps retired
 * nonces to about a quarter of it.
 */
export const RETIREMENTS_PER_PROCESS: RetirementBound = Object.freeze({ max: 10_000, windowMs: 60_000 });

/** What retiring a refused request's signature needs. */
export interface SignatureRetirementDeps {
  readonly nonces: NonceStore;
  readonly maxAgeSeconds: number;
  /** How long the verifier keeps a nonce after its `created`, in seconds; defaults to maxAgeSeconds. */
  readonly nonceRetentionSeconds?: number;
  /** Clock in ms since the epoch (the verifier's). */
  readonly now: () => number;
  readonly logger: Logger;
  /** Where a nonce store failure is counted and logged (at most once a minute); defaults to one over `logger` and `metrics`. */
  readonly warnings?: DependencyWarnings;
  /** Counts failures when no `warnings` is given; without either they are only logged. */
  readonly metrics?: SignetMetrics;
  /** The request's rate-limit source (client address or IPv6 /64). */
  readonly sourceOf: (request: FastifyRequest) => string;
  readonly limits?: RetirementBound;
  readonly totalLimits?: RetirementBound;
}

/**
 * Retires the signature of a signed request refused before its admission claimed its nonce (a
 * source this process knows to be blocked, a failed signature check, a header the signature does
 * not cover, the key store down): the nonce is claimed anyway, so the captured bytes never run
 * later, from another address or with that header put right.
 *
 * One store write per refused request, bounded per source and per process: a source flooding
 * while blocked spends its own allowance (120 a minute) and then costs nothing more, and all
 * sources together get 10,000 a minute, so refusals can neither fill the nonce store nor turn
 * back into work. Past either bound the request is still refused, without a claim (logged once
 * per minute). Store failures are logged, never thrown: the refusal stands either way.
 */
export function createSignatureRetirement(deps: SignatureRetirementDeps): (request: FastifyRequest) => Promise<void> {
  const limits = deps.limits ?? RETIREMENTS_PER_SOURCE;
  const warnings = deps.warnings ?? createDependencyWarnings({ logger: deps.logger, metrics: deps.metrics });
  const totalLimits = deps.totalLimits ?? RETIREMENTS_PER_PROCESS;
  const total = { count: 0, resetAt: 0 };
  const allowTotal = (): boolean => {
    const at = performance.now();
    if (total.resetAt <= at) {
      total.count = 0;
      total.resetAt = at + totalLimits.windowMs;
    }
    total.count += 1;
    if (total.count === totalLimits.max + 1) deps.logger.warn({ max: totalLimits.max }, 'refused signatures are no longer retired until the minute ends: over the per-process bound (many sources refused at once)');
    return total.count <= totalLimits.max;
  };
  const spent = new Map<string, { count: number; resetAt: number }>();
  const allow = (source: string): boolean => {
    const at = performance.now();
    const entry = spent.get(source);
    if (!entry || entry.resetAt <= at) {
      spent.delete(source);
      spent.set(source, { count: 1, resetAt: at + limits.windowMs });
      // Bounded: the oldest sources go first.
      if (spent.size > 10_000) spent.delete(spent.keys().next().value as string);
      return true;
    }
    entry.count += 1;
    return entry.count <= limits.max;
  };
  return async (request) => {
    const target = signatureToRetire(request.headers, deps.now(), deps.maxAgeSeconds, deps.nonceRetentionSeconds);
    if (!target || !allow(deps.sourceOf(request)) || !allowTotal()) return;
    try {
      await deps.nonces.claim(target.keyId, target.nonce, target.claim);
    } catch (error) {
      warnings.failed({ dependency: 'nonce-store', operation: 'retire-signature', error, reqId: request.id }, 'could not retire a refused signature (nonce store unavailable)');
    }
  };
}
