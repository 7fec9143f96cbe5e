import type { Logger } from 'pino';
import type { KeyUsageRecorder } from '../../domain';
import { isFailedGate, type AdmissionCheck, type AdmissionOutcome, type AdmissionStore, type RequestAdmission } from '../admission';
import { ErrorCode, RequestRefusedError } from '../graphql/errors';
import type { SignetMetrics } from '../metrics';
import type { AuthFailureGuard } from './auth-failure-guard';
import type { RequestLimiter } from './request-limits';
import { SIGNATURE_REASON_TEXT } from './signature-reason-text';

/** A verified request whose shared-state checks have not run yet. */
export interface VerifiedRequest {
  readonly requestId: string;
  readonly ip: string;
  readonly keyId: string;
  readonly accountId: string;
  readonly nonce: string;
  readonly nonceTtlMs: number;
}

/** What every admission of a server shares. */
export interface RequestAdmissionDeps {
  readonly store: AdmissionStore;
  readonly limiter: RequestLimiter;
  readonly guard: AuthFailureGuard;
  readonly usage: KeyUsageRecorder;
  readonly metrics: SignetMetrics;
  readonly logger: Logger;
  readonly now: () => number;
}

/** Builds the admission of each verified request. */
export function createRequestAdmissions(deps: RequestAdmissionDeps): (request: VerifiedRequest) => RequestAdmission {
  return (request) => {
    let settled = false;
    const ipGate = deps.limiter.admissionCheck('ip', request.ip);
    const gates: AdmissionCheck[] = [
      ipGate,
      ...deps.guard.admissionChecks(request.ip, request.keyId),
      { kind: 'nonce', keyId: request.keyId, nonce: request.nonce, ttlMs: request.nonceTtlMs },
      deps.limiter.admissionCheck('account', request.accountId),
    ];
    const refuse = (check: AdmissionCheck, outcome: AdmissionOutcome): RequestRefusedError => {
      if (check.kind === 'nonce') {
        deps.metrics.signatureChecks.inc({ outcome: 'NONCE_REUSED' });
        deps.logger.warn({ event: 'signature_rejected', reason: 'NONCE_REUSED', keyId: request.keyId, ip: request.ip, requestId: request.requestId }, 'signed request rejected');
        return new RequestRefusedError(401, ErrorCode.UNAUTHENTICATED, SIGNATURE_REASON_TEXT.NONCE_REUSED, {}, { reason: 'NONCE_REUSED' });
      }
      if (check.kind === 'blocked' && outcome.kind === 'blocked') {
        deps.metrics.rateLimited.inc({ layer: 'auth_failures' });
        const retryAfter = Math.ceil(deps.guard.noteBlocked(check.key, outcome.decision) / 1000);
        return new RequestRefusedError(429, ErrorCode.RATE_LIMITED, 'Too many failed signature attempts; retry later.', { 'retry-after': String(retryAfter) }, { retryAfter });
      }
      if (check.kind === 'limit' && outcome.kind === 'limit') {
        const layer = check === ipGate ? 'ip' : 'account';
        const refused = deps.limiter.refusal(layer, layer === 'ip' ? request.ip : request.accountId, outcome.decision);
        return new RequestRefusedError(429, ErrorCode.RATE_LIMITED, refused.message, refused.headers, refused.extensions);
      }
      throw new Error(`admission gate ${check.kind} refused with ${outcome.kind}`);
    };
    return {
      get settled() {
        return settled;
      },
      async admit(fieldChecks) {
        if (settled) throw new Error('a request is admitted once');
        settled = true;
        // A lease's `after` points into fieldChecks; in the whole list it sits behind the gates.
        const shifted = fieldChecks.map((c) => (c.kind === 'lease' && c.after !== undefined ? { ...c, after: c.after + gates.length } : c));
        let outcomes: AdmissionOutcome[];
        try {
          outcomes = await deps.store.admit([...gates, ...shifted]);
        } catch (error) {
          // Nothing was admitted, nothing runs; the client may retry with a fresh signature.
          deps.logger.error({ err: error, requestId: request.requestId }, 'request admission unavailable');
          throw new RequestRefusedError(503, ErrorCode.SERVICE_UNAVAILABLE, 'Signature verification is temporarily unavailable; retry later.', { 'retry-after': '1' }, { retryAfter: 1 });
        }
        for (let i = 0; i < gates.length; i += 1) {
          const outcome = outcomes[i];
          if (isFailedGate(gates[i], outcome)) throw refuse(gates[i], outcome);
        }
        deps.metrics.signatureChecks.inc({ outcome: 'verified' });
        deps.usage.record(request.keyId, new Date(deps.now()));
        return outcomes.slice(gates.length);
      },
    };
  };
}
