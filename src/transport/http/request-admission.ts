import type { Logger } from 'pino';
import type { ApiKeyService, KeyUsageRecorder } from '../../domain';
import { isFailedGate, type AdmissionCheck, type AdmissionOutcome, type AdmissionStore, type RequestAdmission } from '../admission';
import { ErrorCode, RequestRefusedError } from '../../errors';
import type { SignetMetrics } from '../../metrics';
import type { AuthFailureGuard } from './auth-failure-guard';
import { rateLimitHeaderFields, type RequestLayer, type RequestLimiter } from './request-limits';
import { toDelaySeconds, type RateLimitDecision, type RateLimitHeaderEntry } from '@signet/rate-limit';
import { REFUSAL_REASONS, REPLAY_PROTECTION_RECOVERING, SIGNED_WHILE_LIMITED } from './refusal-reasons.table';
import { SIGNATURE_REASON_TEXT } from './signature-reason-text';
import { DEFAULT_FUTURE_SKEW_SECONDS, MAIN_FLOOR, type NonceStore } from '@signet/http-message-signatures';
import { createDependencyWarnings, type DependencyOperation, type DependencyWarnings, type Dependency } from '../../dependency-warnings';

/** A verified request whose shared-state checks have not run yet. */
export interface VerifiedRequest {
  readonly requestId: string;
  /** The client's limit subject: its address, or its IPv6 /64 (`request.clientLimitKey`). */
  readonly source: string;
  /** The client's address (`request.clientIp`), as log lines name it (`remoteAddress`, as the request's own line does). */
  readonly remoteAddress?: string;
  readonly keyId: string;
  readonly accountId: string;
  readonly nonce: string;
  readonly nonceTtlMs: number;
  /** How far back the nonce store must be complete to prove the nonce unseen. */
  readonly notBeforeMs: number;
  /** The signature's `created`, ms since the epoch: the signer's clock. */
  readonly createdMs: number;
  /**
   * The nonce must be claimed before this instant (`PendingNonceClaim.claimByMs`): a request that
   * reaches its admission later (the process stalled since its signature was checked) is refused
   * as SIGNATURE_EXPIRED, since an earlier claim of its nonce may have expired by then.
   */
  readonly claimByMs: number;
  /**
   * The shared version of the cached key material that verified the request (shared key cache
   * only): the admission goes on only while it is the key's current version.
   */
  readonly keyVersion?: string;
  /**
   * The key cache's generation (`ApiKeyService.keyCacheGeneration`) read before the key material
   * was: when it changed by the end of the admission, the shared versions may have gone back under
   * the request (a Redis reconnect), and the key's row is read again before the request acts.
   */
  readonly keyCacheGeneration?: number;
  /** Already counted against its address before its body was read (request-limits.ts): the admission leaves the address out. */
  readonly addressCounted?: boolean;
  /** Called once the admission's count of the address has landed: the request's uncounted pass ends (request-limits.ts `endPass`). */
  readonly onAddressCounted?: () => void;
}

/**
 * `signet_signature_checks_total`'s outcome for a signed request refused with 503 because a store
 * or the database failed while checking it (nothing ran): an outage shows in the metrics, not only
 * in /readyz and the logs.
 */
export const SIGNATURE_CHECK_UNAVAILABLE = 'UNAVAILABLE';

/** Times a request's key material may turn out stale in a row (each time reloaded) before the request gets 503. */
export const MAX_KEY_VERSION_RELOADS = 3;

/** The nonce store floor an operation of exits only answers to (its key's exit budget's refusals). */
export const EXIT_FLOOR = 'exit';

/** What every admission of a server shares. */
export interface RequestAdmissionDeps {
  readonly store: AdmissionStore;
  /** The nonce store the admission claims in: a request the account limit or its key's exit budget refuses is superseded there (its key's floor). */
  readonly nonces: Pick<NonceStore, 'supersede'>;
  readonly limiter: RequestLimiter;
  readonly guard: AuthFailureGuard;
  readonly usage: KeyUsageRecorder;
  readonly metrics: SignetMetrics;
  readonly logger: Logger;
  readonly now: () => number;
  /** Where a store failure is counted and logged (at most once a minute per operation); defaults to one over `logger` and `metrics`. */
  readonly warnings?: DependencyWarnings;
  /** Reloads a key whose cached material the admission found stale (needed with `keyVersion`). */
  readonly apiKeys?: Pick<ApiKeyService, 'reloadVerificationMaterial' | 'keyCacheGeneration'>;
}

/**
 * Builds the admission of each verified request.
 *
 * A request verified with cached key material (`keyVersion`) has its key's shared version checked
 * right after its nonce claim, in the same store call. A stale version stops the list there (the
 * nonce is spent, as for any refusal after it; no budget is): the key row is read again under the
 * version the store answered, and a key revoked (or gone) meanwhile is refused as a revoked key is
 * at verification (401 SIGNATURE_INVALID); a key still valid runs the rest of the list again,
 * behind the new version (one more round trip, only when the material was stale). The key's
 * material never changes but for its revocation (no statement updates it), so the signature
 * checked with the cached material holds with the reloaded one.
 */
export function createRequestAdmissions(deps: RequestAdmissionDeps): (request: VerifiedRequest) => RequestAdmission {
  const warnings = deps.warnings ?? createDependencyWarnings({ logger: deps.logger, metrics: deps.metrics });
  return (request) => {
    let settled = false;
    let addressCounted = false;
    let rateLimits: readonly RateLimitHeaderEntry[] = [];
    const ipGate = deps.limiter.admissionCheck('ip', request.source);
    const accountGate = deps.limiter.admissionCheck('account', request.accountId);
    // An operation of exits only takes the key's exit budget in place of the account's.
    const exitGate = deps.limiter.admissionCheck('keyExits', request.keyId);
    // The nonce comes first: whatever refuses the request after it, its signature is used up
    // and its captured bytes never run later, from any address.
    const nonceGate: AdmissionCheck = {
      kind: 'nonce', keyId: request.keyId, nonce: request.nonce, ttlMs: request.nonceTtlMs, notBeforeMs: request.notBeforeMs, createdMs: request.createdMs,
    };
    const versionGate = (expected: string): AdmissionCheck => ({ kind: 'keyVersion', keyId: request.keyId, expected });
    const otherGates: AdmissionCheck[] = request.addressCounted
      ? [deps.guard.admissionCheck(request.source), accountGate]
      : [ipGate, deps.guard.admissionCheck(request.source), accountGate];
    /** The request layers' decisions in `outcomes` (of `list`), as RateLimit header entries. */
    const layerDecisions = (list: readonly AdmissionCheck[], outcomes: readonly AdmissionOutcome[]): RateLimitHeaderEntry[] => {
      const entries: RateLimitHeaderEntry[] = [];
      for (const [layer, gate] of [['ip', ipGate], ['account', accountGate], ['keyExits', exitGate]] as const) {
        const index = list.indexOf(gate);
        const outcome = index === -1 ? undefined : outcomes[index];
        if (outcome?.kind === 'limit') entries.push(deps.limiter.headerEntry(layer, outcome.decision));
      }
      return entries;
    };
    const firstGates: AdmissionCheck[] = request.keyVersion === undefined ? [nonceGate, ...otherGates] : [nonceGate, versionGate(request.keyVersion), ...otherGates];
    const refuse = (check: AdmissionCheck, outcome: AdmissionOutcome): RequestRefusedError => {
      if (check.kind === 'nonce' && outcome.kind === 'nonce' && outcome.claim.status === 'unproven') {
        return replayProtectionRecovering(outcome.claim.completeSinceMs, request, deps);
      }
      if (check.kind === 'nonce') {
        deps.metrics.signatureChecks.inc({ outcome: 'NONCE_REUSED' });
        deps.logger.warn({ event: 'signature_rejected', reason: 'NONCE_REUSED', keyId: request.keyId, remoteAddress: request.remoteAddress, reqId: request.requestId }, 'signed request rejected');
        return new RequestRefusedError(REFUSAL_REASONS.NONCE_REUSED.code, SIGNATURE_REASON_TEXT.NONCE_REUSED, {}, { reason: 'NONCE_REUSED' });
      }
      if (check.kind === 'blocked' && outcome.kind === 'blocked') {
        deps.metrics.rateLimited.inc({ layer: 'auth_failures' });
        const retryAfter = Math.ceil(deps.guard.noteBlocked(check.key, outcome.decision) / 1000);
        // Named beside the address's limit, as a layer's 429 names its own (r=0).
        rateLimits = [...rateLimits, deps.guard.blockedEntry(outcome.decision.retryAfterMs)];
        return new RequestRefusedError(ErrorCode.RATE_LIMITED, AUTH_FAILURES_TEXT, { 'retry-after': String(retryAfter), ...rateLimitHeaderFields(rateLimits) }, { retryAfter });
      }
      if (check.kind === 'limit' && outcome.kind === 'limit') {
        const [layer, id] = check === ipGate ? ['ip', request.source] as const : check === accountGate ? ['account', request.accountId] as const : ['keyExits', request.keyId] as const;
        // With the other layer's decision, if it ran (the headers name each policy once).
        const refused = deps.limiter.refusal(layer, id, outcome.decision, rateLimits);
        return new RequestRefusedError(ErrorCode.RATE_LIMITED, refused.message, refused.headers, refused.extensions);
      }
      throw new Error(`admission gate ${check.kind} refused with ${outcome.kind}`);
    };
    const unavailable = (error: unknown, message: string, failed?: { dependency: Dependency; operation: DependencyOperation }): RequestRefusedError => {
      // Nothing was admitted, nothing runs; the client may retry with a fresh signature.
      deps.metrics.signatureChecks.inc({ outcome: SIGNATURE_CHECK_UNAVAILABLE });
      // A store's failure meets every signed request of an outage: counted each time, logged once a minute.
      if (failed) warnings.failed({ ...failed, error, reqId: request.requestId, level: 'error' }, message);
      else deps.logger.error({ err: error, reqId: request.requestId }, message);
      return new RequestRefusedError(ErrorCode.SERVICE_UNAVAILABLE, 'Signature verification is temporarily unavailable; retry later.', { 'retry-after': '1' }, { retryAfter: 1 });
    };
    /** The cached material was stale: reload it under `version`; false when the key no longer verifies anything. */
    const stillValid = async (version: string): Promise<boolean> => {
      if (!deps.apiKeys) throw new Error('a keyVersion admission needs apiKeys');
      let material;
      try {
        material = await deps.apiKeys.reloadVerificationMaterial(request.keyId, version);
      } catch (error) {
        throw unavailable(error, 'key store unavailable', { dependency: 'key-store', operation: 'reload-key' });
      }
      return material !== null && material.apiKey.revokedAt === null && material.apiKey.accountId === request.accountId;
    };
    const revokedKey = async (): Promise<RequestRefusedError> => {
      deps.metrics.signatureChecks.inc({ outcome: 'SIGNATURE_INVALID' });
      deps.logger.warn({ event: 'signature_rejected', reason: 'SIGNATURE_INVALID', keyId: request.keyId, remoteAddress: request.remoteAddress, reqId: request.requestId }, 'signed request rejected');
      // Counted as a failure of its source, as the same request is when verification reads the revoked row,
      // and answered the same way: the guard named beside the address's limit.
      const failure = await deps.guard.recordFailure(request.source).catch(() => undefined);
      const headers: Record<string, string> = {};
      if (failure) {
        const { address } = await countAddressWith([]);
        rateLimits = [...(address ? [deps.limiter.headerEntry('ip', address)] : []), failure.rateLimit];
        Object.assign(headers, rateLimitHeaderFields(rateLimits));
        if (failure.blockedMs > 0) headers['retry-after'] = String(Math.ceil(failure.blockedMs / 1000));
      }
      return new RequestRefusedError(REFUSAL_REASONS.SIGNATURE_INVALID.code, SIGNATURE_REASON_TEXT.SIGNATURE_INVALID, headers, { reason: 'SIGNATURE_INVALID' });
    };
    /**
     * The account limit (or, for exits, the key's exit budget) refused a request whose nonce the
     * list claimed: the claim gives way to the key's floor of that class (the main one, or
     * EXIT_FLOOR), so the request's bytes stay refused (`superseded`) without an entry of their
     * own, and a key flooding past its budget holds one entry, not one per request. A store failure
     * leaves the claim in place (as safe, only larger); the refusal stands either way.
     */
    const supersede = async (floors: readonly string[]): Promise<void> => {
      try {
        await deps.nonces.supersede(request.keyId, request.nonce, { createdMs: request.createdMs, ttlMs: request.nonceTtlMs, floors });
      } catch (error) {
        warnings.failed({ dependency: 'nonce-store', operation: 'supersede-nonce', error, reqId: request.requestId }, 'could not supersede a refused request\'s nonce (its claim stays)');
      }
    };
    /**
     * A refusal whose list stopped before the address's limit ran, answered with fields that name
     * another limit: the address is counted now, in one call with `reads` (checks that change
     * nothing), since the request owes that count anyway and, counted only as its answer leaves,
     * the address's fields would replace the others. Answers the address's decision (none when
     * counted before its body, or the store failed: it is then counted as the answer leaves) and
     * the outcomes of `reads` (none on a store failure: the refusal stands either way).
     */
    const countAddressWith = async (reads: readonly AdmissionCheck[]): Promise<{ address?: RateLimitDecision; reads: readonly AdmissionOutcome[] }> => {
      // Not a gate: counted whatever it answers, and the reads run after it either way.
      const count: AdmissionCheck = { ...ipGate, gate: false };
      const checks = request.addressCounted ? [...reads] : [count, ...reads];
      let outcomes: AdmissionOutcome[];
      try {
        outcomes = await deps.store.admit(checks);
      } catch (error) {
        warnings.failed({ dependency: 'admission-store', operation: 'count-address', error, reqId: request.requestId }, 'could not count a refused request\'s address in its admission');
        return { reads: [] };
      }
      const ipOutcome = outcomes[checks.indexOf(count)];
      if (ipOutcome?.kind !== 'limit') return { reads: outcomes };
      addressCounted = true;
      deps.limiter.observeAddress(request.source, ipOutcome.decision);
      request.onAddressCounted?.();
      return { address: ipOutcome.decision, reads: outcomes.slice(1) };
    };
    /**
     * The nonce was at or before its key's floor (SIGNED_WHILE_LIMITED): the list stopped there,
     * before any limit ran. The limit whose refusals raise that floor (the account's; for exits, the
     * key's exit budget) is read, without counting, as the address is counted: the answer names
     * that limit as its own 429 does, and Retry-After waits for it as well as for the floor.
     */
    const whileLimited = async (gate: AdmissionCheck & { kind: 'nonce' }, upToMs: number): Promise<RequestRefusedError> => {
      const layer: RequestLayer = gate.floor === EXIT_FLOOR ? 'keyExits' : 'account';
      const limit = layer === 'keyExits' ? exitGate : accountGate;
      const { address, reads: [read] } = await countAddressWith([{ kind: 'blocked', key: limit.key, rule: limit.rule }]);
      const refused = signedWhileLimited(upToMs, request, deps, { layer, decision: read?.kind === 'blocked' ? read.decision : undefined, address });
      rateLimits = refused.rateLimits;
      return refused.error;
    };
    return {
      get settled() {
        return settled;
      },
      get addressCounted() {
        return addressCounted;
      },
      get rateLimits() {
        return rateLimits;
      },
      accountLimit: { key: accountGate.key, rule: accountGate.rule },
      async admit(fieldChecks, options = {}) {
        if (settled) throw new Error('a request is admitted once');
        settled = true;
        // Exits pass the account's budget and spend the key's exit budget: their claim answers to
        // the key's exit floor, not its main one (see NonceClaimRequest.floor).
        const exitNonceGate: AdmissionCheck = { ...nonceGate, floor: EXIT_FLOOR };
        const unclassifiedNonceGate: AdmissionCheck = { ...nonceGate, floor: null };
        const swapForExits = (gate: AdmissionCheck): AdmissionCheck => (gate === nonceGate ? exitNonceGate : gate === accountGate ? exitGate : gate);
        const active = (list: AdmissionCheck[]) => (options.exemptFromAccountLimit
          ? list.map(swapForExits)
          : options.unclassified ? list.map((gate) => (gate === nonceGate ? unclassifiedNonceGate : gate)) : list);
        let gates = active(firstGates);
        let outcomes: AdmissionOutcome[];
        // The version the admission last checked the cached material against.
        let checkedVersion = request.keyVersion;
        for (let reloads = 0; ; reloads += 1) {
          // A lease's `after` points into fieldChecks; in the whole list it sits behind the gates.
          const shift = gates.length;
          const shifted = fieldChecks.map((c) => (c.kind === 'lease' && c.after !== undefined ? { ...c, after: c.after + shift } : c));
          // Read with nothing awaited before the store call: the claim is sent while an earlier claim
          // of the nonce still holds (only the first list claims it; a reload's list does not).
          if (reloads === 0 && deps.now() >= request.claimByMs) throw expiredBeforeAdmission(request, deps);
          try {
            outcomes = await deps.store.admit([...gates, ...shifted]);
          } catch (error) {
            throw unavailable(error, 'request admission unavailable', { dependency: 'admission-store', operation: 'admit' });
          }
          const ipOutcome = outcomes[gates.indexOf(ipGate)];
          addressCounted = ipOutcome?.kind === 'limit';
          if (ipOutcome?.kind === 'limit') {
            deps.limiter.observeAddress(request.source, ipOutcome.decision);
            request.onAddressCounted?.();
          }
          rateLimits = layerDecisions(gates, outcomes);
          const failed = gates.findIndex((gate, i) => isFailedGate(gate, outcomes[i]));
          if (failed === -1) break;
          const gate = gates[failed];
          const outcome = outcomes[failed];
          if (gate === accountGate) await supersede(options.unclassified ? [MAIN_FLOOR, EXIT_FLOOR] : [MAIN_FLOOR]);
          if (gate === exitGate) await supersede([EXIT_FLOOR]);
          if (gate.kind === 'nonce' && outcome.kind === 'nonce' && outcome.claim.status === 'superseded') throw await whileLimited(gate, outcome.claim.upToMs);
          if (gate.kind !== 'keyVersion' || outcome.kind !== 'keyVersion') throw refuse(gate, outcome);
          if (!(await stillValid(outcome.current))) throw await revokedKey();
          if (reloads + 1 >= MAX_KEY_VERSION_RELOADS) throw unavailable(new Error('key version kept changing'), 'key material kept going stale');
          // The nonce is claimed already: the rest of the list, behind the version just read.
          checkedVersion = outcome.current;
          gates = active([versionGate(outcome.current), ...otherGates]);
        }
        // The key cache was emptied while this request was verified or admitted: Redis may have
        // come back with a version a revocation had replaced (a restart from its snapshot, a
        // failover), the very one this request's material was stamped with. Its row is read again,
        // under that version, before anything runs (a reset is rare: one read then).
        if (checkedVersion !== undefined && request.keyCacheGeneration !== undefined && deps.apiKeys?.keyCacheGeneration() !== request.keyCacheGeneration) {
          if (!(await stillValid(checkedVersion))) throw await revokedKey();
        }
        deps.metrics.signatureChecks.inc({ outcome: 'verified' });
        deps.usage.record(request.keyId, new Date(deps.now()));
        return outcomes.slice(gates.length);
      },
    };
  };
}

/**
 * The nonce store lost its data (restart, flush, failover, eviction) after this signature could have been
 * used: it cannot be proven unseen, so it never runs. Nothing ran; a request signed again once
 * the skew has passed since the store became complete is accepted (retry-after says when, counted
 * on the signer's clock: a client a few seconds behind ours must wait that much longer).
 */
function replayProtectionRecovering(completeSinceMs: number, request: VerifiedRequest, deps: RequestAdmissionDeps): RequestRefusedError {
  const retryAfter = Math.max(1, Math.ceil((completeSinceMs + DEFAULT_FUTURE_SKEW_SECONDS * 1000 - request.createdMs) / 1000));
  deps.metrics.signatureChecks.inc({ outcome: REPLAY_PROTECTION_RECOVERING });
  deps.logger.warn({ event: 'signature_unproven', keyId: request.keyId, remoteAddress: request.remoteAddress, reqId: request.requestId, completeSince: new Date(completeSinceMs).toISOString() },
    'signed request refused: the nonce store is complete only since a recent restart, flush, failover or eviction (a Redis evicting keys reopens this window at every eviction: set maxmemory-policy noeviction)');
  return new RequestRefusedError(REFUSAL_REASONS[REPLAY_PROTECTION_RECOVERING].code, REPLAY_PROTECTION_RECOVERING_TEXT, { 'retry-after': String(retryAfter) },
    { reason: REPLAY_PROTECTION_RECOVERING, retryAfter });
}

/**
 * The request's signature was checked in time, but its admission came later than its nonce's
 * earliest possible expiry (a stall of the process): claimed now, the nonce could be one whose
 * first claim has just lapsed, and its bytes would run twice. Nothing was sent to the stores and
 * nothing ran; the signature is stale on every verifier by now, so nothing needs retiring.
 */
function expiredBeforeAdmission(request: VerifiedRequest, deps: RequestAdmissionDeps): RequestRefusedError {
  deps.metrics.signatureChecks.inc({ outcome: 'SIGNATURE_EXPIRED' });
  deps.logger.warn({ event: 'signature_rejected', reason: 'SIGNATURE_EXPIRED', keyId: request.keyId, remoteAddress: request.remoteAddress, reqId: request.requestId, late: true },
    'signed request rejected: it reached its admission after its nonce could have expired (the process stalled)');
  return new RequestRefusedError(REFUSAL_REASONS.SIGNATURE_EXPIRED.code, SIGNATURE_REASON_TEXT.SIGNATURE_EXPIRED, {}, { reason: 'SIGNATURE_EXPIRED' });
}

/** What the admission read of a floor's limit for a SIGNED_WHILE_LIMITED answer (undefined: the read failed). */
interface FloorLimits {
  /** The request layer whose refusals raise the floor the signature answered to. */
  readonly layer: RequestLayer;
  /** That layer's window, read without counting. */
  readonly decision?: RateLimitDecision;
  /** The address's window, counted by the same call (absent when counted before, or the call failed). */
  readonly address?: RateLimitDecision;
}

/**
 * The signature was created at or before its key's floor: the account limit (for exits, the key's
 * exit budget) refused this key's requests of that second, and their bytes (this may be one of
 * them) are used up. Nothing ran; a request signed again runs once it is past the floor and the
 * limits admit it. Retry-After, counted from the signature's `created` on the signer's clock, is
 * the latest of: the floor's second passed, and the reset of each limit still at zero (the floor's
 * layer, the address), a reset being measured from now, so what this request spent between its
 * `created` and its arrival is added to it. The RateLimit fields name the floor's layer with r=0,
 * as its own 429 does: t is its window's reset while it is spent, else (its window has reset since)
 * the floor's wait, for which this key's requests are still refused.
 */
function signedWhileLimited(upToMs: number, request: VerifiedRequest, deps: RequestAdmissionDeps, limits: FloorLimits): { error: RequestRefusedError; rateLimits: RateLimitHeaderEntry[] } {
  const floorWait = Math.max(1, Math.ceil((upToMs + 1000 - request.createdMs) / 1000));
  const sinceCreatedMs = Math.max(0, deps.now() - request.createdMs);
  const spentWait = (decision: RateLimitDecision | undefined): number => (decision && !decision.allowed ? toDelaySeconds(decision.resetMs + sinceCreatedMs) : 0);
  const retryAfter = Math.max(floorWait, spentWait(limits.decision), spentWait(limits.address));
  const rateLimits: RateLimitHeaderEntry[] = [];
  if (limits.address) rateLimits.push(deps.limiter.headerEntry('ip', limits.address));
  if (limits.decision) {
    const floorMs = floorWait * 1000;
    const decision = limits.decision.allowed ? { ...limits.decision, allowed: false, remaining: 0, resetMs: floorMs, retryAfterMs: floorMs } : limits.decision;
    rateLimits.push(deps.limiter.headerEntry(limits.layer, decision));
  }
  deps.metrics.signatureChecks.inc({ outcome: SIGNED_WHILE_LIMITED });
  deps.logger.debug({ event: 'signature_superseded', keyId: request.keyId, remoteAddress: request.remoteAddress, reqId: request.requestId }, 'signed request refused: signed while its budget (account, or the key\'s exits) was spent');
  const headers = { 'retry-after': String(retryAfter), ...rateLimitHeaderFields(rateLimits) };
  return { error: new RequestRefusedError(REFUSAL_REASONS[SIGNED_WHILE_LIMITED].code, SIGNED_WHILE_LIMITED_TEXT, headers, { reason: SIGNED_WHILE_LIMITED, retryAfter }), rateLimits };
}

/** What a client reads when its signature was made while its account (or, for exits, its key) was over its limit. */
export const SIGNED_WHILE_LIMITED_TEXT =
  'This signature was made while the account (for cancels and key revocations: this key) was over its request limit, and requests of that second are no longer accepted; nothing ran. Sign the request again and retry after Retry-After.';

/** What a client reads when its address is over its failed-signature budget. */
export const AUTH_FAILURES_TEXT = 'Too many failed signature attempts; retry later.';

/** What a client reads when its signature predates the nonce store's recovery. */
export const REPLAY_PROTECTION_RECOVERING_TEXT =
  'Replay protection restarted and cannot prove this signature unused; nothing ran. Sign the request again and retry after Retry-After.';
