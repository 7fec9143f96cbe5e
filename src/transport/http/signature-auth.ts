import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { ApiKeyService, Principal, Scope } from '../../domain';
import type { KeyObject } from 'node:crypto';
import { createDeferredClaimVerifier, normalizeAuthority, WANT_CONTENT_DIGEST, type DeferredVerificationResult, type SignatureFailureReason, type VerificationKey } from '@signet/http-message-signatures';
import { nodeCrypto } from '@signet/http-message-signatures/node';
import { ErrorCode, refusalStatus } from '../../errors';
import type { SignetMetrics } from '../../metrics';
import type { AuthFailureGuard } from './auth-failure-guard';
import { authChallengeHeaders } from './auth-challenge';
import { sendError } from './http-errors';
import type { SigningTarget } from './signing-target';
import { requestTargetParts, type RequestTargetParts } from './request-target';
import { signedFieldLines } from './field-lines';
import type { RequestAdmission } from '../admission';
import { AUTH_FAILURES_TEXT, SIGNATURE_CHECK_UNAVAILABLE, type VerifiedRequest } from './request-admission';
import { rateLimitHeaderFields } from './request-limits';
import type { RateLimitHeaderEntry } from '@signet/rate-limit';
import { REFUSAL_REASONS } from './refusal-reasons.table';
import { SIGNATURE_REASON_TEXT, signatureRefusalText } from './signature-reason-text';
import { createDependencyWarnings, type DependencyWarnings } from '../../dependency-warnings';
import { isStoreFailure } from '../graphql/infrastructure-errors';

/** What signature authentication needs. */
export interface SignatureAuthOptions {
  /** The scheme and `host[:port]` names clients sign for; resolved on first use (the port may be ephemeral). */
  readonly target: () => SigningTarget;
  /** Oldest accepted `created`, in seconds. */
  readonly maxAgeSeconds: number;
  /** How long a nonce stays claimed after its `created`, in seconds (nonceRetentionFor); defaults to maxAgeSeconds. */
  readonly nonceRetentionSeconds?: number;
  /** Clock in ms since the epoch. */
  readonly now: () => number;
  readonly apiKeys: ApiKeyService;
  readonly failureGuard: AuthFailureGuard;
  /** Builds the admission of a verified request: its nonce claim and limits, run later in one round trip. */
  readonly admissions: (request: VerifiedRequest) => RequestAdmission;
  /** Claims the nonce of a request refused before its admission, so its bytes never run later. */
  readonly retireSignature: (request: FastifyRequest) => Promise<void>;
  /** The request's client source for limits and the guard (address, or IPv6 /64). */
  readonly sourceOf: (request: FastifyRequest) => string;
  /** Ends a request's uncounted pass once its admission has counted its address (request-limits.ts `endPass`). */
  readonly endAddressPass: (request: FastifyRequest) => void;
  /**
   * Spends one request of the address's budget now (request-limits.ts `countIp`), for an answer
   * that names the failed-signature guard beside it: counted only as the answer left, the
   * address's fields would replace the guard's.
   */
  readonly countAddress: (request: FastifyRequest) => Promise<RateLimitHeaderEntry>;
  readonly metrics: SignetMetrics;
  readonly logger: Logger;
  /** Where a store failure is counted and logged (at most once a minute); defaults to one over `logger` and `metrics`. */
  readonly warnings?: DependencyWarnings;
}

/**
 * Outcome for the route: the principal (null when unsigned) with, for a verified request, the
 * admission that must pass before anything runs; or `replied` when the request was refused.
 */
export type AuthOutcome = {
  readonly principal: Principal | null;
  readonly admission?: RequestAdmission;
  /**
   * The key whose signature verified: the request's transactions hold it live, so none of them
   * commits after its revocation answered (domain/acting-key.ts). Absent when nothing verified.
   */
  readonly actingKeyId?: string;
} | 'replied';

/**
 * Failures that count towards the brute-force guard: the ones an attacker gets while guessing.
 * NONCE_REUSED needs a valid signature and SIGNATURE_EXPIRED is decided before any crypto, so
 * counting them would only let a replayed capture lock a key out.
 */
const GUESSING_FAILURES: ReadonlySet<SignatureFailureReason> = new Set(['SIGNATURE_INVALID', 'KEY_INVALID', 'MALFORMED_SIGNATURE', 'DIGEST_MISMATCH']);

/**
 * An `Idempotency-Key` header value no signature can cover: RFC 9421 signature bases hold ASCII
 * field values only (anything else needs `;bs`, which the profile refuses), so such a request
 * could never verify. It is told what is wrong with the key instead of MALFORMED_SIGNATURE.
 */
const UNSIGNABLE_HEADER_VALUE = /[^\x20-\x7E\t]/;

/** Whether the request carries signature headers (verified or not): a signature attempt. */
export function hasSignatureHeaders(request: FastifyRequest): boolean {
  return request.headers['signature'] !== undefined || request.headers['signature-input'] !== undefined;
}

/** What the signature check of a request needs: the server's names, the time window, the keys. */
export type RequestSignatureCheckOptions = Pick<SignatureAuthOptions, 'target' | 'maxAgeSeconds' | 'nonceRetentionSeconds' | 'now' | 'apiKeys'>;

/**
 * The signature check of one request, with no side effect: its fields parsed, its base built, its
 * body's digest and its signature checked against the key. The nonce is left unclaimed (the
 * admission claims it). Its outcome rejects only when the key store fails. Built once per server;
 * the signing target is resolved on the first request (the port may be ephemeral).
 */
export function createRequestSignatureCheck(options: RequestSignatureCheckOptions) {
  const resolveKey = async (keyId: string): Promise<VerificationKey<KeyObject> | null> => {
    const material = await options.apiKeys.loadVerificationMaterial(keyId);
    if (!material) return null;
    const { apiKey } = material;
    return {
      keyId: apiKey.id, accountId: apiKey.accountId, scopes: apiKey.scopes, algorithm: apiKey.algorithm,
      publicKey: material.publicKey ?? undefined, secret: material.secret ?? undefined, revoked: apiKey.revokedAt !== null,
      createdAtMs: apiKey.createdAt.getTime(), version: material.version,
    };
  };
  let verifier: { verify: ReturnType<typeof createDeferredClaimVerifier>; target: SigningTarget } | undefined;
  const verifierFor = () => {
    if (!verifier) {
      const target = options.target();
      const [authority, ...authorities] = target.authorities;
      // Deferred: the nonce is claimed in the request's admission, with its other checks.
      const verify = createDeferredClaimVerifier({ crypto: nodeCrypto, authority, authorities, scheme: target.scheme, maxAgeSeconds: options.maxAgeSeconds, nonceRetentionSeconds: options.nonceRetentionSeconds, now: options.now, resolveKey });
      verifier = { verify, target };
    }
    return verifier;
  };
  /** Starts the check: its outcome (`result`), with the target it read and the names it checked against. */
  return function checkRequestSignature(request: FastifyRequest): { result: Promise<DeferredVerificationResult>; requestTarget: RequestTargetParts; target: SigningTarget } {
    // Origin form (`/graphql`) or absolute form (`http://host/graphql`, RFC 9112 §3.2.2), as sent.
    const requestTarget = requestTargetParts(request.raw.url ?? '/');
    const { verify, target } = verifierFor();
    // Every line of a covered field, not just the first Node keeps (RFC 9421 §2.1).
    const result = verify({ method: request.raw.method ?? 'GET', ...requestTarget, headers: signedFieldLines(request.raw), rawBody: request.rawBody ?? new Uint8Array(0) });
    return { result, requestTarget, target };
  };
}

/**
 * Verifies a request's RFC 9421 signature once, before GraphQL runs. Unsigned requests pass
 * with no principal (public fields still work); a signature that fails any check is refused
 * with 401 and nothing executes; a source this process knows to be blocked gets 429 before any
 * crypto. A verified request comes back with its admission (nonce claim, limits, guard
 * counter), which GraphQL runs with the root fields' checks in one round trip. Every request
 * refused here has its nonce claimed anyway (`retireSignature`): most could still verify later,
 * at another time (blocked source, `created` ahead, key store down) or with a part the signature
 * does not cover put right (Host, the query, an uncovered Idempotency-Key, the body's bytes), and
 * a refused request never runs later from its captured bytes.
 */
export function createSignatureAuth(options: SignatureAuthOptions) {
  const signatureCheck = createRequestSignatureCheck(options);
  const warnings = options.warnings ?? createDependencyWarnings({ logger: options.logger, metrics: options.metrics });

  const refuse = (reply: FastifyReply, code: ErrorCode, message: string, extra: Record<string, unknown> = {}): AuthOutcome => {
    if (refusalStatus(code) === 401) {
      const { raw, headers } = reply.request;
      reply.headers(authChallengeHeaders({ hasQuery: requestTargetParts(raw.url ?? '/').hasQuery, hasIdempotencyKey: headers['idempotency-key'] !== undefined }, extra.reason));
    }
    void sendError(reply, code, message, extra);
    return 'replied';
  };
  /**
   * A signature that does not verify on a request whose Host is none of this server's names was
   * most likely signed for that name: say which name to sign (public information), never echo the Host.
   * The name is the one the verifier used: an absolute-form target's authority, else Host, normalized.
   */
  const invalidSignature = (reply: FastifyReply, target: SigningTarget, named: string | undefined): AuthOutcome => {
    const host = named === undefined ? undefined : normalizeAuthority(named, target.scheme);
    const { code } = REFUSAL_REASONS.SIGNATURE_INVALID;
    if (host !== undefined && target.authorities.includes(host)) {
      return refuse(reply, code, SIGNATURE_REASON_TEXT.SIGNATURE_INVALID, { reason: 'SIGNATURE_INVALID' });
    }
    const expectedAuthority = target.authorities[0];
    const message = `${SIGNATURE_REASON_TEXT.SIGNATURE_INVALID} This request's Host is not a name of this server (behind a proxy: is it forwarding the client's Host, port included?); sign @authority as "${expectedAuthority}".`;
    return refuse(reply, code, message, { reason: 'SIGNATURE_INVALID', expectedAuthority });
  };
  /**
   * Names the failed-signature guard in the answer's RateLimit fields, beside the address's limit
   * (counted now if it was not before the body), as the request layers are named on theirs.
   */
  const announceGuard = async (request: FastifyRequest, reply: FastifyReply, guard: RateLimitHeaderEntry): Promise<void> => {
    let address: readonly RateLimitHeaderEntry[] = request.requestRateLimits ?? [];
    if (!request.addressCounted) address = await options.countAddress(request).then((entry) => [entry], () => []);
    reply.headers(rateLimitHeaderFields([...address, guard]));
  };
  const tooManyFailures = async (request: FastifyRequest, reply: FastifyReply, blockedMs: number): Promise<AuthOutcome> => {
    options.metrics.rateLimited.inc({ layer: 'auth_failures' });
    const retryAfter = Math.ceil(blockedMs / 1000);
    await announceGuard(request, reply, options.failureGuard.blockedEntry(blockedMs));
    reply.header('retry-after', String(retryAfter));
    return refuse(reply, ErrorCode.RATE_LIMITED, AUTH_FAILURES_TEXT, { retryAfter });
  };

  return async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<AuthOutcome> {
    if (!hasSignatureHeaders(request)) return { principal: null };
    const idempotencyKey = request.headers['idempotency-key'];
    if (idempotencyKey !== undefined && UNSIGNABLE_HEADER_VALUE.test(String(idempotencyKey))) {
      // Not a guess at a signature: not counted by the guard. Its signature cannot cover this
      // header, so the same bytes without it may verify: retired first.
      await options.retireSignature(request);
      return refuse(reply, ErrorCode.BAD_USER_INPUT, 'Invalid idempotency key: the Idempotency-Key header must be 1–255 printable ASCII characters.', { field: 'Idempotency-Key' });
    }
    const source = options.sourceOf(request);
    try {
      const knownBlockedMs = options.failureGuard.knownBlockedFor(source);
      if (knownBlockedMs > 0) {
        await options.retireSignature(request);
        return await tooManyFailures(request, reply, knownBlockedMs);
      }
      // Read before the key material is: see VerifiedRequest.keyCacheGeneration.
      const keyCacheGeneration = options.apiKeys.keyCacheGeneration();
      const check = signatureCheck(request);
      const { requestTarget, target } = check;
      const result = await check.result;
      if (result.status === 'absent') return { principal: null };
      if (result.status === 'unclaimed') {
        // Not authenticated yet: the principal only acts once the admission has claimed the nonce.
        const { claim } = result;
        const admission = options.admissions({
          requestId: request.id, source, remoteAddress: request.clientIp, keyId: claim.keyId, accountId: result.accountId, nonce: claim.nonce, nonceTtlMs: claim.ttlMs,
          notBeforeMs: claim.notBeforeMs, createdMs: result.created * 1000, claimByMs: claim.claimByMs, keyVersion: result.keyVersion, keyCacheGeneration, addressCounted: request.addressCounted === true,
          onAddressCounted: () => options.endAddressPass(request),
        });
        return { principal: { accountId: result.accountId, keyId: result.keyId, scopes: result.scopes as Scope[] }, admission, actingKeyId: result.keyId };
      }
      options.metrics.signatureChecks.inc({ outcome: result.reason });
      // A guess at a signature is a warning (the guard bounds them per source); a client's own
      // mistake (a stale clock, an uncovered Idempotency-Key) is not, and costs nothing to make: info.
      const level = GUESSING_FAILURES.has(result.reason) ? 'warn' : 'info';
      request.log[level]({ event: 'signature_rejected', reason: result.reason, keyId: result.keyId, detail: result.detail, remoteAddress: request.clientIp }, 'signed request rejected');
      // Whatever the reason, the same bytes may pass later: `created` ahead of our clock, Host
      // another name, the query or an uncovered Idempotency-Key left out, the body's bytes sent
      // right. None is NONCE_REUSED: this verifier leaves the claim to the admission.
      await options.retireSignature(request);
      if (GUESSING_FAILURES.has(result.reason)) {
        const failure = await options.failureGuard.recordFailure(source);
        // Blocked through another instance before this attempt: the answer is the block, as it would have been there.
        if (failure.alreadyBlocked) return await tooManyFailures(request, reply, failure.blockedMs);
        // The guard applied to this answer: named with what it has left (r=0 from the failure that spends it).
        await announceGuard(request, reply, failure.rateLimit);
        if (failure.blockedMs > 0) reply.header('retry-after', String(Math.ceil(failure.blockedMs / 1000)));
      }
      if (result.reason === 'SIGNATURE_INVALID') return invalidSignature(reply, target, requestTarget.authority ?? request.headers.host);
      // RFC 9530 §4: which digests count, for a client that sent none of them (or a wrong one).
      if (result.reason === 'DIGEST_MISMATCH') reply.header('want-content-digest', WANT_CONTENT_DIGEST);
      return refuse(reply, REFUSAL_REASONS[result.reason].code, signatureRefusalText(result.reason, result.detail), { reason: result.reason });
    } catch (error) {
      // A store or the database failed: nothing was verified, nothing runs; the client may retry.
      options.metrics.signatureChecks.inc({ outcome: SIGNATURE_CHECK_UNAVAILABLE });
      // Every signed request of an outage meets it: counted each time, logged once a minute. Any
      // other error is this server's own, logged each time, never counted as a store's outage.
      if (isStoreFailure(error)) warnings.failed({ dependency: 'key-store', operation: 'verify-signature', error, reqId: request.id, level: 'error' }, 'signature verification unavailable');
      else options.logger.error({ err: error, reqId: request.id }, 'signature verification failed: an error of this server, not of a store');
      await options.retireSignature(request);
      reply.header('retry-after', '1');
      return refuse(reply, ErrorCode.SERVICE_UNAVAILABLE, 'Signature verification is temporarily unavailable; retry later.', { retryAfter: 1 });
    }
  };
}
