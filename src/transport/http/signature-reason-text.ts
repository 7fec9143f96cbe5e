import type { SignatureFailureReason } from '@signet/http-message-signatures';

/** Client-facing text per reason; none reveals whether a key exists. */
export const SIGNATURE_REASON_TEXT: Record<SignatureFailureReason, string> = {
  SIGNATURE_INVALID: 'The signature does not verify.',
  SIGNATURE_EXPIRED: 'The signature is outside the accepted time window; check your clock against the Date header.',
  NONCE_REUSED: 'The nonce was already used; sign every request with a fresh nonce.',
  DIGEST_MISMATCH: 'Content-Digest does not match the body.',
  MALFORMED_SIGNATURE: 'The signature headers are malformed or do not cover the required components.',
  KEY_INVALID: 'The keyid is not a valid key id.',
  IDEMPOTENCY_KEY_NOT_COVERED: 'The request carries an Idempotency-Key header but the signature does not cover it: add "idempotency-key" to the covered components.',
};


/**
 * The refusal's message: the reason's text, and for MALFORMED_SIGNATURE what is malformed when the
 * verifier said (the fields' form, a component not covered: words safe for the sender, naming no key).
 */
export function signatureRefusalText(reason: SignatureFailureReason, detail?: string): string {
  return reason === 'MALFORMED_SIGNATURE' && detail !== undefined ? `The signature headers are malformed: ${detail}.` : SIGNATURE_REASON_TEXT[reason];
}
