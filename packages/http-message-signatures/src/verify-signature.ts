/**
 * The request signature check: RFC 9421 verification, RFC 9530 Content-Digest and the nonce
 * claim, in an order that never lets an unauthenticated or stale request touch shared state.
 *
 *   headers absent?            → absent
 *   size guard, strict parse   → MALFORMED_SIGNATURE / KEY_INVALID
 *   required coverage          → MALFORMED_SIGNATURE
 *   Idempotency-Key uncovered  → IDEMPOTENCY_KEY_NOT_COVERED
 *   created / expires          → SIGNATURE_EXPIRED
 *   signature base             → MALFORMED_SIGNATURE
 *   Content-Digest vs raw body → DIGEST_MISMATCH
 *   key lookup + crypto        → SIGNATURE_INVALID (unknown, revoked, wrong alg, bad bytes alike)
 *   nonce claim                → NONCE_REUSED, or unproven when the store may have forgotten it
 *   → verified
 *
 * `createDeferredClaimVerifier` stops before the nonce claim and answers `unclaimed` with the claim
 * to make: a status that is not `verified`, so a caller that forgets the claim accepts nothing. The
 * server uses it to claim the nonce in the request's admission, with its other shared-state checks.
 *
 * Anything derived from the request never throws (it becomes MALFORMED_SIGNATURE). Failures of our
 * own dependencies (crypto provider, key resolver, nonce store, clock, a corrupt key record) do throw, so the
 * caller answers 5xx and the request is never treated as verified.
 */
import { normalizeAuthority } from './authority';
import { CLAIM_LANDING_MARGIN_MS, DEFAULT_FUTURE_SKEW_SECONDS, IDEMPOTENCY_KEY_COMPONENT, REQUIRED_COMPONENTS, TARGET_URI_COMPONENTS } from './constants';
import { checkContentDigest } from './content-digest';
import { buildSignatureBase, componentValue, SignatureBaseError, type SignatureBaseMessage } from './signature-base';
import { exceedsHeaderLimit, parseSignatureFields, type ParsedSignature } from './signature-headers';
import type {
  ClaimingVerifierOptions,
  DeferredVerificationResult,
  SignatureFailureReason,
  SignedRequestParts,
  VerificationKey,
  VerificationResult,
  VerifierOptions,
} from './types';

type Rejection = Extract<DeferredVerificationResult, { status: 'rejected' }>;
type Prepared = { done: DeferredVerificationResult } | { signature: ParsedSignature; base: Uint8Array; digest: string; body: Uint8Array };

const encoder = new TextEncoder();

function reject(reason: SignatureFailureReason, keyId?: string): { done: Rejection } {
  return { done: keyId === undefined ? { status: 'rejected', reason } : { status: 'rejected', reason, keyId } };
}

/** The required components of a request with a query, when its URI is covered part by part. */
const REQUIRED_WITH_QUERY = Object.freeze([...REQUIRED_COMPONENTS, '@query']);

/** Whether a signature covering `covered` binds the request's method, URI and body: part by part, or through `@target-uri`. */
function coversRequired(parts: readonly string[], covered: readonly string[]): boolean {
  return parts.every((name) => covered.includes(name)) || TARGET_URI_COMPONENTS.every((name) => covered.includes(name));
}

/**
 * What a signature that leaves required components out is told (built only then): both sets, and
 * what is missing from the one it chose (`@target-uri`'s when it covers `@target-uri`).
 */
function uncoveredDetail(parts: readonly string[], covered: readonly string[]): string {
  const quoted = (names: readonly string[]) => names.map((name) => `"${name}"`).join(' ');
  const chosen: readonly string[] = covered.includes('@target-uri') ? TARGET_URI_COMPONENTS : parts;
  return `the signature must cover ${quoted(parts)}, or ${quoted(TARGET_URI_COMPONENTS)}; it does not cover ${quoted(chosen.filter((name) => !covered.includes(name)))}`;
}

/** MALFORMED_SIGNATURE, saying what is malformed (see `SignatureRejection.detail`). */
function malformed(detail: string): { done: Rejection } {
  return { done: { status: 'rejected', reason: 'MALFORMED_SIGNATURE', detail } };
}

function ownHeader(headers: SignedRequestParts['headers'], name: string): string | readonly string[] | undefined {
  return Object.prototype.hasOwnProperty.call(headers, name) ? headers[name] : undefined;
}

function checkOptions(options: VerifierOptions<unknown>): { maxAgeMs: number; retentionMs: number; skewMs: number; scheme: 'http' | 'https'; authority: string; accepted: ReadonlySet<string> } {
  if (options.scheme !== undefined && options.scheme !== 'https' && options.scheme !== 'http') throw new TypeError('scheme must be http or https');
  const scheme = options.scheme ?? 'https';
  // RFC 9421 §2.2.3: `@authority` never carries the scheme's default port, so neither may a name it is matched with.
  const names = [options.authority, ...(options.authorities ?? [])].map((name) => (typeof name === 'string' ? normalizeAuthority(name, scheme) : name));
  try {
    for (const name of names) componentValue('@authority', { method: 'GET', authority: name, path: '/', headers: {} });
  } catch {
    throw new TypeError('authority and authorities must be host[:port]');
  }
  const skew = options.futureSkewSeconds ?? DEFAULT_FUTURE_SKEW_SECONDS;
  if (!Number.isSafeInteger(options.maxAgeSeconds) || options.maxAgeSeconds <= 0) {
    throw new RangeError('maxAgeSeconds must be a positive integer');
  }
  if (!Number.isSafeInteger(skew) || skew < 0) throw new RangeError('futureSkewSeconds must be a non-negative integer');
  const retention = options.nonceRetentionSeconds ?? options.maxAgeSeconds;
  if (!Number.isSafeInteger(retention) || retention < options.maxAgeSeconds) {
    throw new RangeError('nonceRetentionSeconds must be an integer of at least maxAgeSeconds');
  }
  if (typeof options.now !== 'function' || typeof options.resolveKey !== 'function') {
    throw new TypeError('now and resolveKey are required');
  }
  if (typeof options.crypto?.verify !== 'function') throw new TypeError('crypto is required (nodeCrypto or webCrypto)');
  return { maxAgeMs: options.maxAgeSeconds * 1000, retentionMs: retention * 1000, skewMs: skew * 1000, scheme, authority: names[0], accepted: new Set(names) };
}

/** Everything up to the nonce claim, shared by both factories; `clock` and `skewMs` serve the claim. */
function createSignatureCheck<PublicKey>(options: VerifierOptions<PublicKey>): {
  check: (req: SignedRequestParts) => Promise<DeferredVerificationResult>;
  clock: () => number;
  skewMs: number;
} {
  const { maxAgeMs, retentionMs, skewMs, scheme, authority, accepted } = checkOptions(options);
  const { now, resolveKey, crypto } = options;
  /**
   * How long a nonce stays claimed: until its signature can no longer pass the freshness check
   * here (`created + maxAge` by this clock), nor on another verifier of the same store that
   * accepts older signatures (`created + retention`, retention ≥ maxAge), nor on one whose clock is
   * up to the skew behind this one, i.e. until `created + retention + skew`, counted from `nowMs`.
   * Counted from the claim instead, a signature created ahead of this clock would expire from the
   * store while a process with a slower clock still took it as fresh, and its bytes would run
   * there again. Plus {@link CLAIM_LANDING_MARGIN_MS}: a claim checked against its deadline
   * (`claimByMs`, `created + retention + skew`) lands in the store a little later (a round trip,
   * a retry), and an earlier claim of the same nonce must still be held when it does. At least
   * 1 ms: with no skew, no margin and a retention of `maxAge`, a signature exactly `maxAge` old
   * (still fresh) would otherwise be claimed for 0 ms (which stores refuse).
   */
  const nonceTtlMs = (signature: ParsedSignature, nowMs: number) => Math.max(1, signature.created * 1000 + retentionMs + skewMs + CLAIM_LANDING_MARGIN_MS - nowMs);

  function clock(): number {
    const ms = now();
    // NaN would make every freshness comparison false, i.e. "fresh": refuse to run on it.
    if (!Number.isFinite(ms)) throw new Error('signature verifier clock returned a non-finite time');
    return ms;
  }

  function isFresh(signature: ParsedSignature, nowMs: number): boolean {
    const createdMs = signature.created * 1000;
    if (createdMs < nowMs - maxAgeMs || createdMs > nowMs + skewMs) return false;
    if (signature.expires === undefined) return true;
    return signature.expires * 1000 > nowMs && signature.expires >= signature.created;
  }

  /** Everything decided by the request alone. Never throws. */
  function prepare(req: SignedRequestParts, nowMs: number): Prepared {
    const input = ownHeader(req.headers, 'signature-input');
    const sig = ownHeader(req.headers, 'signature');
    if (input === undefined && sig === undefined) return { done: { status: 'absent' } };
    // Only one of the pair, or a repeated line given as an array: there is no single signature to check.
    if (typeof input !== 'string' || typeof sig !== 'string') return malformed('Signature and Signature-Input must both be sent, each once');

    const parsed = parseSignatureFields(input, sig);
    if (!parsed.ok) return parsed.reason === 'MALFORMED_SIGNATURE' ? malformed(parsed.detail) : reject(parsed.reason);
    const signature = parsed.signature;
    const { keyId } = signature;

    const hasQuery = req.hasQuery || req.query !== '';
    // `@target-uri` is scheme + `@authority` + `@path` + `@query` (the `?` and query exactly when the
    // target has one), built from the same message below: it binds each of them (RFC 9421 §2.2.2).
    const parts: readonly string[] = hasQuery ? REQUIRED_WITH_QUERY : REQUIRED_COMPONENTS;
    if (!coversRequired(parts, signature.components)) return malformed(uncoveredDetail(parts, signature.components));
    // The key decides execute-or-replay: an uncovered one could be rewritten on captured bytes.
    if (ownHeader(req.headers, IDEMPOTENCY_KEY_COMPONENT) !== undefined && !signature.components.includes(IDEMPOTENCY_KEY_COMPONENT)) {
      return reject('IDEMPOTENCY_KEY_NOT_COVERED', keyId);
    }
    // Before the base: freshness needs only the parsed parameters, and a stale signature can never
    // pass, so it must not get the base's work (every covered header read and trimmed) for free.
    if (!isFresh(signature, nowMs)) return reject('SIGNATURE_EXPIRED', keyId);

    // The name the client used when it is one of ours (Host, or the authority of an absolute-form
    // target, which replaces it: RFC 9112 §3.2.2). Client input: only a configured name counts.
    const host = req.authority ?? ownHeader(req.headers, 'host');
    const named = typeof host === 'string' ? normalizeAuthority(host, scheme) : undefined;
    const message: SignatureBaseMessage = {
      method: req.method,
      authority: named !== undefined && accepted.has(named) ? named : authority,
      path: req.path,
      query: hasQuery ? req.query : undefined,
      scheme,
      headers: req.headers,
    };
    // Throws on unsupported, duplicate or absent components and on unsignable values.
    const base = encoder.encode(buildSignatureBase(signature.components, message, signature.signatureParams));

    // content-digest is covered (checked above), so the base builder has already seen it present.
    const digestField = ownHeader(req.headers, 'content-digest');
    const digest = typeof digestField === 'string' ? digestField : (digestField ?? []).join(', ');
    if (exceedsHeaderLimit(digest)) return malformed('Content-Digest is over 4096 bytes');
    if (!(req.rawBody instanceof Uint8Array)) return malformed('the request has no body to check Content-Digest against');

    return { signature, base, digest, body: req.rawBody };
  }

  async function check(req: SignedRequestParts): Promise<DeferredVerificationResult> {
    const nowMs = clock();
    let prepared: Prepared;
    try {
      prepared = prepare(req, nowMs);
    } catch (error) {
      // Base-builder errors on client input say what is wrong in safe words; anything else is not echoed.
      prepared = malformed(error instanceof SignatureBaseError ? error.detail : 'the signature base cannot be built from this request');
    }
    if ('done' in prepared) return prepared.done;
    const { signature, base } = prepared;
    const { keyId } = signature;

    // Client input is parsed inside (never throws for it); a failing digest is our dependency's error.
    const digestCheck = await checkContentDigest(crypto, prepared.digest, prepared.body);
    if (digestCheck === 'malformed') return malformed('Content-Digest must be an RFC 8941 dictionary of byte sequences, each algorithm once, e.g. sha-256=:<base64>:').done;
    if (digestCheck !== 'match') return reject('DIGEST_MISMATCH', keyId).done;

    const key: VerificationKey<PublicKey> | null = await resolveKey(keyId);
    if (key === null || key === undefined || key.revoked === true) {
      await crypto.dummyVerify(base, signature.signature);
      return reject('SIGNATURE_INVALID', keyId).done;
    }
    if (key.keyId !== keyId) throw new Error('signature key resolver returned a key for another key id');

    // Verify with the key's own algorithm even when `alg` disagrees, so timing is the same; the
    // `alg` check only ever turns a success into a failure (no algorithm confusion).
    const valid = (await crypto.verify(key, base, signature.signature)) === true;
    const algAgrees = signature.alg === undefined || signature.alg === key.algorithm;
    if (!valid || !algAgrees) return reject('SIGNATURE_INVALID', keyId).done;
    // A signature cannot predate its key by more than the clock skew. The key's creation is what
    // proves its nonces unused to a store that lost its data (notBeforeMs below), so a key whose
    // `createdAtMs` is later than a captured signature (restamped at a restart) must not vouch for it.
    if (key.createdAtMs !== undefined && signature.created * 1000 < key.createdAtMs - skewMs) return reject('SIGNATURE_EXPIRED', keyId).done;

    // The key lookup may have been slow: a request that went stale meanwhile must not claim.
    const checkedAtMs = clock();
    if (!isFresh(signature, checkedAtMs)) return reject('SIGNATURE_EXPIRED', keyId).done;
    // A previous use of these bytes can only have been claimed after `created - skew`, and after
    // the key existed: how far back the nonce store must be complete to prove the nonce unseen.
    const notBeforeMs = Math.max(signature.created * 1000 - skewMs, key.createdAtMs ?? Number.NEGATIVE_INFINITY);
    const ttlMs = nonceTtlMs(signature, checkedAtMs);
    return {
      status: 'unclaimed',
      keyId,
      accountId: key.accountId,
      scopes: Object.freeze([...key.scopes]),
      created: signature.created,
      ...(key.version === undefined ? {} : { keyVersion: key.version }),
      claim: Object.freeze({ keyId, nonce: signature.nonce, ttlMs, notBeforeMs, createdMs: signature.created * 1000, claimByMs: Math.max(checkedAtMs + 1, signature.created * 1000 + retentionMs + skewMs) }),
    };
  }

  return { check, clock, skewMs };
}

/**
 * Creates the verifier for one server configuration that claims each nonce through `nonces`:
 * `verified` only after the store answered `claimed`. The returned function resolves for any
 * request and rejects only when a dependency fails.
 */
export function createSignatureVerifier<PublicKey>(options: ClaimingVerifierOptions<PublicKey>): (req: SignedRequestParts) => Promise<VerificationResult> {
  const nonces = options.nonces;
  if (typeof nonces?.claim !== 'function') throw new TypeError('nonces.claim is required');
  const { check, clock, skewMs } = createSignatureCheck(options);

  return async function verifySignedRequest(req: SignedRequestParts): Promise<VerificationResult> {
    const result = await check(req);
    if (result.status !== 'unclaimed') return result;
    const { claim, ...signer } = result;
    // Nothing may be awaited between this reading of the clock and the claim (see PendingNonceClaim.claimByMs).
    if (clock() >= claim.claimByMs) return reject('SIGNATURE_EXPIRED', claim.keyId).done;
    const outcome = await nonces.claim(claim.keyId, claim.nonce, { ttlMs: claim.ttlMs, notBeforeMs: claim.notBeforeMs, createdMs: claim.createdMs });
    if (outcome.status === 'unproven') {
      // A fresh signature is accepted once it was created at least the skew after the store became
      // complete: counted on the signer's clock (its `created`), which is the clock that must advance.
      const retryAfterMs = Math.max(0, outcome.completeSinceMs + skewMs - signer.created * 1000);
      return { status: 'unproven', keyId: claim.keyId, completeSinceMs: outcome.completeSinceMs, retryAfterMs };
    }
    // `superseded` too: the host refused this key's requests of that second, and their bytes are used up.
    if (outcome.status !== 'claimed') return reject('NONCE_REUSED', claim.keyId).done;
    return { ...signer, status: 'verified', nonce: claim.nonce, nonceTtlMs: claim.ttlMs, notBeforeMs: claim.notBeforeMs };
  };
}

/**
 * Creates a verifier that leaves the nonce claim to its caller: a passing request resolves to
 * `unclaimed` with the claim to make, never to `verified`. For the server's admission path, which
 * claims the nonce in one round trip with its other shared-state checks.
 */
export function createDeferredClaimVerifier<PublicKey>(options: VerifierOptions<PublicKey>): (req: SignedRequestParts) => Promise<DeferredVerificationResult> {
  // A nonce store passed here would be silently unused: the caller meant createSignatureVerifier.
  if ('nonces' in options || 'claimNonce' in options) throw new TypeError('a deferred-claim verifier takes no nonce store; use createSignatureVerifier');
  return createSignatureCheck(options).check;
}
