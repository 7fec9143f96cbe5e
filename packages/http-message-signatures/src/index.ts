/**
 * @signet/http-message-signatures: RFC 9421 HTTP Message Signatures with RFC 9530 Content-Digest,
 * for any HTTP stack (no GraphQL, no HTTP framework). One signer and one verifier over a crypto
 * provider: `webCrypto` here, `nodeCrypto` in `@signet/http-message-signatures/node` (kept apart so
 * this entry bundles for browsers). Replay protection is a required `NonceStore` claim; the
 * in-memory store is here, Redis in `@signet/http-message-signatures-redis`, the contract suite in
 * `@signet/http-message-signatures/testing`. Add exports on purpose; everything else is internal.
 */
export { normalizeAuthority } from './authority';
export {
  CLAIM_LANDING_MARGIN_MS,
  DEFAULT_FUTURE_SKEW_SECONDS,
  IDEMPOTENCY_KEY_COMPONENT,
  KEY_ID_PATTERN,
  MAX_NONCE_LENGTH,
  MAX_SIGNATURE_HEADER_BYTES,
  MIN_HMAC_SECRET_BYTES,
  NONCE_PATTERN,
  REQUIRED_COMPONENTS,
  SIGNATURE_FAILURE_REASONS,
} from './constants';
export { checkContentDigest, computeContentDigest, WANT_CONTENT_DIGEST, type ContentDigestCheck } from './content-digest';
export type {
  CryptoProvider,
  DigestAlgorithm,
  MaybePromise,
  SignatureAlgorithm,
  SigningMaterial,
  SyncCryptoProvider,
  VerificationKeyMaterial,
} from './crypto-provider';
export { ed25519PublicKeyProblem, type Ed25519KeyProblem } from './ed25519-public-key';
export { createMemoryNonceStore, type MemoryNonceStore, type MemoryNonceStoreOptions } from './memory-nonce-store';
export type { NonceClaim, NonceClaimRequest, NonceStore, NonceSupersedeRequest } from './nonce-store';
export { FLOOR_NAME, MAIN_FLOOR, checkFloorName, floorsToRaise } from './nonce-store';
export { signatureToRetire, type SignatureToRetire } from './refused-signature';
export { buildSignatureBase, SignatureBaseError, type SignatureBaseMessage } from './signature-base';
export { newNonce, signRequest, type SignedRequest, type SignedRequestHeaders, type SignRequestOptions } from './sign-request';
export type {
  ClaimingVerifierOptions,
  DeferredVerificationResult,
  PendingNonceClaim,
  SignatureFailureReason,
  SignatureRejection,
  SignedRequestParts,
  VerificationKey,
  VerificationResult,
  VerifierOptions,
} from './types';
export { createDeferredClaimVerifier, createSignatureVerifier } from './verify-signature';
export { webCrypto, type WebCryptoKey, type WebCryptoProvider } from './webcrypto-provider';
