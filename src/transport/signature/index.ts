/**
 * Public surface of the request-signature check (RFC 9421 HTTP Message Signatures with RFC 9530
 * Content-Digest). Add exports here on purpose; everything else in this folder is internal.
 */
export {
  DEFAULT_FUTURE_SKEW_SECONDS,
  KEY_ID_PATTERN,
  MAX_NONCE_LENGTH,
  MAX_SIGNATURE_HEADER_BYTES,
  NONCE_PATTERN,
  REPLAY_PROTECTION_RECOVERING,
  REQUIRED_COMPONENTS,
  SIGNATURE_FAILURE_REASONS,
} from './constants';
export { computeContentDigest } from './content-digest';
export type { NonceClaim, NonceClaimRequest, NonceStore } from './nonce-store';
export { signatureToRetire, type SignatureToRetire } from './refused-signature';
export { buildSignatureBase, type SignatureBaseMessage } from './signature-base';
export { signRequest, type SignedRequest, type SignedRequestHeaders, type SignRequestOptions } from './sign-request';
export type {
  ClaimingVerifierOptions,
  DeferredVerificationResult,
  DigestAlgorithm,
  PendingNonceClaim,
  SignatureAlgorithm,
  SignatureFailureReason,
  SignedRequestParts,
  VerificationKey,
  VerificationResult,
  VerifierOptions,
} from './types';
export { createDeferredClaimVerifier, createSignatureVerifier } from './verify-signature';
