/**
 * Public surface of the Signet SDK: a typed, signing, retrying GraphQL client for Node 20 and
 * browsers. Nothing here imports `node:` modules; crypto is WebCrypto (`globalThis.crypto`).
 * Add exports on purpose: everything else in this folder is internal.
 */
export {
  DEFAULT_TIMEOUT_MS,
  createSignetClient,
  type SignetClient,
  type SignetClientOptions,
  type SignetRequestOptions,
  type SignetResult,
  type SignetRetryInfo,
} from './client';
/** Base64 and byte helpers that run unchanged in Node and browsers (key material is printed in base64). */
export { fromBase64, plainBytes, toBase64 } from './bytes';
export { IDEMPOTENT_MUTATION_FIELDS, describeOperation, type DescribeOptions, type OperationInfo } from './operations';
export { SignetAbortError, SignetRequestError, type RequestErrorCode, type RequestOutcome } from './request-error';
export type { SignetRateLimit } from './rate-limit-headers';
export { TRANSIENT_CODES, type SignetGraphQLError, type SignetUserError } from './response';
/** For callers that send themselves (the CLI's `call`): whether a fetch failure proves the request never left (connection refused, name not resolved), and what a redirect answer says. */
export { provesNotSent, redirectText } from './response';
/** Whether an answer is, as a whole, a replay of stored outcomes (the client's rule; the playground reads answers with it too). */
export { isReplay, type ReplayEvidence } from './response';
export { DEFAULT_RETRY, type RetryOptions } from './retry-policy';
/** For callers that build and sign each request themselves (the CLI's `call`): the client's re-sending of refusals that ran nothing. */
export { sendSigned, type SendSignedOptions, type SignedAnswer } from './send-signed';
/** The signal one such attempt runs under: the caller's, and the per-attempt timer the client uses (`timeoutMs`; 0 or Infinity: none). */
export { attemptSignal } from './retry-policy';
export {
  contentDigest,
  importSigningKey,
  randomNonce,
  signRequestWebCrypto,
  type SignetAlgorithm,
  type SigningKeyMaterial,
  type WebCryptoSignOptions,
  type WebCryptoSignedRequest,
} from './web-crypto-signer';
/** The typed documents and schema types generated from `schema/operations/*.graphql` (`npm run codegen`). */
export * from './generated/graphql';
/** The GraphQL error codes and refusal reasons this release sends, generated from the server's tables (`npm run errors-doc`). */
export { SIGNET_ERROR_CODES, SIGNET_REFUSAL_REASONS, type SignetErrorCode, type SignetRefusalReason } from './generated/error-codes';
