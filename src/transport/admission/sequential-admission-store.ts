import type { IdempotencyStore } from '@signet/idempotency';
import type { RateLimitStore } from '@signet/rate-limit';
import type { NonceStore } from '@signet/http-message-signatures';
import type { KeyVersionStore } from '../../domain';
import { isFailedGate, leaseStep, lookedAtLease, type AdmissionCheck, type AdmissionOutcome, type AdmissionStore } from './admission-store';

/** The single-purpose stores an admission list is made of. */
export interface AdmissionParts {
  readonly rateLimits: RateLimitStore;
  readonly nonces: NonceStore;
  readonly idempotency: IdempotencyStore;
  /** Needed only by lists with a `keyVersion` check (a shared key cache). */
  readonly keyVersions?: KeyVersionStore;
}

/**
 * An {@link AdmissionStore} that runs each check on its own store, one after the other. It is
 * the embedded default (memory stores answer without I/O, so one call per check costs nothing)
 * and a reference for the one-script Redis adapter: both pass the same contract suite.
 */
export function createSequentialAdmissionStore(parts: AdmissionParts): AdmissionStore {
  const run = async (check: AdmissionCheck): Promise<AdmissionOutcome> => {
    switch (check.kind) {
      case 'limit':
        return { kind: 'limit', decision: await parts.rateLimits.consume(check.key, check.rule) };
      case 'blocked':
        return { kind: 'blocked', decision: await parts.rateLimits.peek(check.key, check.rule) };
      case 'nonce':
        return { kind: 'nonce', claim: await parts.nonces.claim(check.keyId, check.nonce, check) };
      case 'lease':
        return { kind: 'lease', claim: await parts.idempotency.claim(check.scopeKey, check.fingerprint, check.leaseMs) };
      case 'keyVersion':
        if (!parts.keyVersions) throw new Error('a keyVersion check needs a key version store');
        return { kind: 'keyVersion', current: await parts.keyVersions.current(check.keyId) };
    }
  };
  return {
    async admit(checks) {
      const outcomes: AdmissionOutcome[] = [];
      let stopped = false;
      for (const check of checks) {
        const step = stopped ? 'skip' : check.kind === 'lease' ? leaseStep(check, outcomes) : 'run';
        if (step === 'skip') {
          outcomes.push({ kind: 'skipped' });
          continue;
        }
        if (step === 'look' && check.kind === 'lease') {
          outcomes.push(lookedAtLease(await parts.idempotency.peekCompleted(check.scopeKey, check.fingerprint)));
          continue;
        }
        const outcome = await run(check);
        outcomes.push(outcome);
        stopped = isFailedGate(check, outcome);
      }
      return outcomes;
    },
  };
}
