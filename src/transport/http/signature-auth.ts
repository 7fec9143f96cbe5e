import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { ApiKeyService, KeyUsageRecorder, Principal, Scope } from '../../domain';
import { createSignatureVerifier, type NonceStore, type SignatureFailureReason, type VerificationKey } from '../signature';
import { ErrorCode } from '../graphql/errors';
import type { SignetMetrics } from '../metrics';
import type { AuthFailureGuard } from './auth-failure-guard';
import { errorBody } from './http-errors';

/** What signature authentication needs. */
export interface SignatureAuthOptions {
  /** The public authority (`host[:port]`) clients sign for; resolved on first use (the port may be ephemeral). */
  readonly authority: () => string;
  /** Oldest accepted `created`, in seconds. */
  readonly maxAgeSeconds: number;
  /** Clock in ms since the epoch. */
  readonly now: () => number;
  readonly apiKeys: ApiKeyService;
  readonly nonces: NonceStore;
  readonly failureGuard: AuthFailureGuard;
  readonly usage: KeyUsageRecorder;
  readonly metrics: SignetMetrics;
  readonly logger: Logger;
}

/** Outcome for the route: the principal (null when unsigned), or `replied` when the request was refused. */
export type AuthOutcome = { readonly principal: Principal | null } | 'replied';

/** Client-facing text per reason; none reveals whether a key exists. */
const REASON_TEXT: Record<SignatureFailureReason, string> = {
  SIGNATURE_INVALID: 'The signature does not verify.',
  SIGNATURE_EXPIRED: 'The signature is outside the accepted time window; check your clock against the Date header.',
  NONCE_REUSED: 'The nonce was already used; sign every request with a fresh nonce.',
  DIGEST_MISMATCH: 'Content-Digest does not match the body.',
  MALFORMED_SIGNATURE: 'The signature headers are malformed or do not cover the required components.',
  KEY_INVALID: 'The keyid is not a valid key id.',
};

/**
 * Failures that count towards the brute-force guard: the ones an attacker gets while guessing.
 * NONCE_REUSED needs a valid signature and SIGNATURE_EXPIRED is decided before any crypto, so
 * counting them would only let a replayed capture lock a key out.
 */
const GUESSING_FAILURES: ReadonlySet<SignatureFailureReason> = new Set(['SIGNATURE_INVALID', 'KEY_INVALID', 'MALFORMED_SIGNATURE', 'DIGEST_MISMATCH']);

/** A cheap, untrusted read of `keyid` for the brute-force guard only (verification parses strictly). */
function guardKeyId(request: FastifyRequest): string | undefined {
  const input = request.headers['signature-input'];
  const match = typeof input === 'string' ? /keyid="([A-Za-z0-9._-]{1,128})"/.exec(input.slice(0, 4096)) : null;
  return match?.[1];
}

/**
 * Verifies a request's RFC 9421 signature once, before GraphQL runs. Unsigned requests pass
 * with no principal (public fields still work); a signature that fails any check is refused
 * with 401 and nothing executes; a source with too many failures gets 429 before any crypto.
 */
export function createSignatureAuth(options: SignatureAuthOptions) {
  const resolveKey = async (keyId: string): Promise<VerificationKey | null> => {
    const material = await options.apiKeys.loadVerificationMaterial(keyId);
    if (!material) return null;
    const { apiKey } = material;
    return {
      keyId: apiKey.id, accountId: apiKey.accountId, scopes: apiKey.scopes, algorithm: apiKey.algorithm,
      publicKey: material.publicKey ?? undefined, secret: material.secret ?? undefined, revoked: apiKey.revokedAt !== null,
    };
  };
  let verifier: ReturnType<typeof createSignatureVerifier> | undefined;
  const verify = (...args: Parameters<ReturnType<typeof createSignatureVerifier>>) => {
    verifier ??= createSignatureVerifier({
      authority: options.authority(), maxAgeSeconds: options.maxAgeSeconds, now: options.now, resolveKey,
      claimNonce: (keyId, nonce, ttlMs) => options.nonces.claim(keyId, nonce, ttlMs),
    });
    return verifier(...args);
  };

  const refuse = (reply: FastifyReply, status: number, code: ErrorCode, message: string, extra: Record<string, unknown> = {}): AuthOutcome => {
    void reply.status(status).send(errorBody(code, message, reply.request.id, extra));
    return 'replied';
  };

  return async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<AuthOutcome> {
    const signed = request.headers['signature'] !== undefined || request.headers['signature-input'] !== undefined;
    if (!signed) return { principal: null };
    const keyId = guardKeyId(request);
    try {
      const blockedMs = await options.failureGuard.blockedFor(request.ip, keyId);
      if (blockedMs > 0) {
        options.metrics.rateLimited.inc({ layer: 'auth_failures' });
        reply.header('retry-after', String(Math.ceil(blockedMs / 1000)));
        return refuse(reply, 429, ErrorCode.RATE_LIMITED, 'Too many failed signature attempts; retry later.', { retryAfter: Math.ceil(blockedMs / 1000) });
      }
      const url = request.raw.url ?? '/';
      const q = url.indexOf('?');
      const result = await verify({
        method: request.raw.method ?? 'GET', path: q === -1 ? url : url.slice(0, q), query: q === -1 ? '' : url.slice(q + 1), hasQuery: q !== -1,
        headers: request.headers, rawBody: request.rawBody ?? new Uint8Array(0),
      });
      if (result.status === 'absent') return { principal: null };
      if (result.status === 'verified') {
        options.metrics.signatureChecks.inc({ outcome: 'verified' });
        options.usage.record(result.keyId, new Date(options.now()));
        return { principal: { accountId: result.accountId, keyId: result.keyId, scopes: result.scopes as Scope[] } };
      }
      options.metrics.signatureChecks.inc({ outcome: result.reason });
      request.log.warn({ event: 'signature_rejected', reason: result.reason, keyId: result.keyId, ip: request.ip, requestId: request.id }, 'signed request rejected');
      const waitMs = GUESSING_FAILURES.has(result.reason) ? await options.failureGuard.recordFailure(request.ip, keyId) : 0;
      if (waitMs > 0) reply.header('retry-after', String(Math.ceil(waitMs / 1000)));
      return refuse(reply, 401, ErrorCode.UNAUTHENTICATED, REASON_TEXT[result.reason], { reason: result.reason });
    } catch (error) {
      // A store or the database failed: nothing was verified, nothing runs; the client may retry.
      options.logger.error({ err: error, requestId: request.id }, 'signature verification unavailable');
      reply.header('retry-after', '1');
      return refuse(reply, 503, ErrorCode.SERVICE_UNAVAILABLE, 'Signature verification is temporarily unavailable; retry later.', { retryAfter: 1 });
    }
  };
}
