/**
 * The signature profile: the fixed parts of RFC 9421 the verifier accepts and the signer writes
 * by default, shared by both so a signer and a verifier of this package always agree.
 */

/**
 * Covered components every signed request must include (the set the signer covers by default);
 * `@query` is required too when the URL has a query. {@link TARGET_URI_COMPONENTS} is accepted
 * instead.
 */
export const REQUIRED_COMPONENTS = Object.freeze(['@method', '@authority', '@path', 'content-digest'] as const);

/**
 * The other accepted set: `@target-uri` is the whole target URI (RFC 9421 §2.2.2), derived from the
 * same scheme, `@authority`, `@path` and `@query` values, so covering it binds all of them at once.
 */
export const TARGET_URI_COMPONENTS = Object.freeze(['@method', '@target-uri', 'content-digest'] as const);

/**
 * The `Idempotency-Key` field component. It decides whether a mutation runs or replays, so a
 * request that carries the header must cover it: otherwise anyone holding the captured bytes
 * could rewrite the key and have a signed order executed twice.
 */
export const IDEMPOTENCY_KEY_COMPONENT = 'idempotency-key';

/** Derived components we can compute without trusting a request header (RFC 9421 §2.2). */
export const SUPPORTED_DERIVED_COMPONENTS: ReadonlySet<string> = new Set([
  '@method',
  '@authority',
  '@path',
  '@query',
  '@target-uri',
  '@scheme',
]);

/**
 * Largest Signature, Signature-Input or Content-Digest field accepted, in bytes. Checked before
 * any parsing or crypto so an attacker cannot make us parse or hash arbitrarily large input.
 */
export const MAX_SIGNATURE_HEADER_BYTES = 4096;

/** Longest nonce accepted, in characters (ASCII only, so also bytes). */
export const MAX_NONCE_LENGTH = 64;

/** A nonce: 16–64 characters of the base64 / base64url / unreserved alphabets (enough entropy, bounded store keys). */
export const NONCE_PATTERN = /^[A-Za-z0-9._~+/=-]{16,64}$/;

/** A key id: 1–128 characters that are safe in logs, Redis keys and Redis Cluster hash tags. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

/** Default tolerance for client clocks running ahead of ours, in seconds. */
export const DEFAULT_FUTURE_SKEW_SECONDS = 5;

/** Signature-Input parameters we understand; anything else is refused rather than ignored. */
export const ALLOWED_SIGNATURE_PARAMETERS: ReadonlySet<string> = new Set([
  'created',
  'expires',
  'nonce',
  'keyid',
  'alg',
  'tag',
]);

/** Smallest HMAC secret accepted, in bytes. */
export const MIN_HMAC_SECRET_BYTES = 32;

/** Exact signature lengths per algorithm, in bytes (RFC 9421 §3.3.6 and §3.3.3). */
export const SIGNATURE_LENGTHS = Object.freeze({ ed25519: 64, 'hmac-sha256': 32 } as const);

/** Every `extensions.reason` a signature rejection can carry (documented in ERRORS.md; a test checks). */
export const SIGNATURE_FAILURE_REASONS = ['SIGNATURE_INVALID', 'SIGNATURE_EXPIRED', 'NONCE_REUSED', 'DIGEST_MISMATCH', 'MALFORMED_SIGNATURE', 'KEY_INVALID', 'IDEMPOTENCY_KEY_NOT_COVERED'] as const;

/**
 * How much later than its deadline check a nonce claim may land in the store and still find an
 * earlier claim of the same nonce held: every claim, a retired signature's too, is kept this much
 * longer than the deadline (`PendingNonceClaim.claimByMs`) a claim is checked against. Covers a
 * store's round trip with its retries (Signet's Redis commands give up after 2 s, retried once); a
 * store slower than that answers an error, and the request does not run.
 */
export const CLAIM_LANDING_MARGIN_MS = 5_000;
