import { ErrorCode } from '../../errors';
import type { SignatureFailureReason } from '@signet/http-message-signatures';

/**
 * The `extensions.reason`s of whole-request refusals: the code (and so the HTTP status, from the
 * error table) each comes with, and what it means. The refusing code takes the code from here,
 * and `npm run errors-doc` writes ERRORS.md's reason tables from it.
 */

/**
 * `extensions.reason` of a 503 for a signature the nonce store cannot prove unused (it lost its
 * data after the signature could have been used); documented in ERRORS.md.
 */
export const REPLAY_PROTECTION_RECOVERING = 'REPLAY_PROTECTION_RECOVERING';

/**
 * `extensions.reason` of a 429 for a signature made at or before the second in which its account's
 * limit refused a request of its key (its key's floor in the nonce store); documented in ERRORS.md.
 */
export const SIGNED_WHILE_LIMITED = 'SIGNED_WHILE_LIMITED';

/** `extensions.reason` of a 503 for a request that arrived after the server began shutting down; documented in ERRORS.md. */
export const SHUTTING_DOWN = 'SHUTTING_DOWN';

/**
 * `extensions.reason` of a SERVICE_UNAVAILABLE at a mutation's field whose transaction lost its
 * database connection while committing: it may have committed; documented in ERRORS.md.
 */
export const COMMIT_OUTCOME_UNKNOWN = 'COMMIT_OUTCOME_UNKNOWN';

/** Every `extensions.reason` a refusal (or a field's error) can carry. */
export type RefusalReason = SignatureFailureReason | typeof REPLAY_PROTECTION_RECOVERING | typeof SIGNED_WHILE_LIMITED | typeof SHUTTING_DOWN | typeof COMMIT_OUTCOME_UNKNOWN;

/** How one reason reaches clients. */
export interface RefusalReasonSpec {
  /** The error code the reason comes with; the response's status is that code's. */
  readonly code: ErrorCode;
  /** True when the response carries `Retry-After`. */
  readonly retryAfter: boolean;
  /** Where it arrives: a whole-request refusal (the code's HTTP status), or one field's error in a 200. Default 'request'. */
  readonly at?: 'request' | 'field';
  /** ERRORS.md's "meaning" column (Markdown). */
  readonly meaning: string;
}

/** Every refusal reason: the signature rejections first, in ERRORS.md's order. */
export const REFUSAL_REASONS: Readonly<Record<RefusalReason, RefusalReasonSpec>> = Object.freeze({
  SIGNATURE_INVALID: {
    code: ErrorCode.UNAUTHENTICATED, retryAfter: false,
    meaning: 'The signature does not verify: wrong key or secret, altered method/authority/path, an `alg` parameter that disagrees with the key, or an unknown, revoked or weak (small-order) key id (all answered alike on purpose). When the request\'s `Host` (or the authority of a request target in absolute form, which replaces it) is not one of the server\'s names (`SIGNET_PUBLIC_URL`, `SIGNET_PUBLIC_AUTHORITIES`; compared in lowercase and without the scheme\'s default port), `extensions.expectedAuthority` and the message name the `@authority` to sign.',
  },
  SIGNATURE_EXPIRED: {
    code: ErrorCode.UNAUTHENTICATED, retryAfter: false,
    meaning: '`created` is older than the allowed age or more than 5 s ahead, or earlier than the key\'s creation, or `expires` has passed. Compare your clock with the response\'s `Date` header. Rarely, the server stalled between checking a signature made near the end of its window and admitting it: nothing ran, sign the request again.',
  },
  NONCE_REUSED: {
    code: ErrorCode.UNAUTHENTICATED, retryAfter: false,
    meaning: 'This key already used this nonce within the window: a replay, a client reusing nonces, or the same bytes sent twice by a client or proxy that resends a request whose answer it lost (Java\'s `HttpURLConnection` does so by default for a POST; `-Dsun.net.http.retryPost=false` stops it). Then the first copy may have run: for a mutation, sign it again with the same `Idempotency-Key` to learn its outcome (an unkeyed one cannot be told apart: list your orders or transfers).',
  },
  DIGEST_MISMATCH: {
    code: ErrorCode.UNAUTHENTICATED, retryAfter: false,
    meaning: '`Content-Digest` does not match the body bytes received, or lists only unsupported algorithms (only `sha-256` and `sha-512` count). The 401 carries `Want-Content-Digest: sha-256=10, sha-512=5` (RFC 9530 §4): the algorithms accepted, sha-256 preferred.',
  },
  MALFORMED_SIGNATURE: {
    code: ErrorCode.UNAUTHENTICATED, retryAfter: false,
    meaning: 'Headers that do not parse strictly (`Signature-Input` and `Signature` in anything but RFC 8941\'s canonical serialization included), several signatures, duplicate headers, headers over 4 KiB, a missing required component or parameter, an unsupported component, or a nonce outside 16–64 characters. The message says which (`The signature headers are malformed: the nonce must be 16-64 characters …`).',
  },
  KEY_INVALID: {
    code: ErrorCode.UNAUTHENTICATED, retryAfter: false,
    meaning: 'The `keyid` is not a well-formed key id.',
  },
  IDEMPOTENCY_KEY_NOT_COVERED: {
    code: ErrorCode.UNAUTHENTICATED, retryAfter: false,
    meaning: 'The request carries an `Idempotency-Key` header but the signature\'s covered components do not include `"idempotency-key"` (the message names it). The key decides execute-or-replay, so it must be signed; nothing ran. Add it to `Signature-Input` (the SDK, CLI and `signRequest` do).',
  },
  [REPLAY_PROTECTION_RECOVERING]: {
    code: ErrorCode.SERVICE_UNAVAILABLE, retryAfter: true,
    meaning: 'The nonce store lost its data (Redis restarted empty or was flushed, a new embedded process) after this signature could have been used, so it cannot be proven unused. Nothing ran. Sign the request again and retry after `Retry-After`: it says how far the signature\'s `created` must advance (on the signer\'s clock), about 5 s after the loss for a clock in step with the server\'s (10 s on Redis, whose processes\' clocks may differ by 5 s), longer for one behind it. The captured bytes themselves are never accepted.',
  },
  [SIGNED_WHILE_LIMITED]: {
    code: ErrorCode.RATE_LIMITED, retryAfter: true,
    meaning: 'The signature was created (its `created`, a whole second) at or before a second in which the account\'s request limit refused a request signed with the same key (for an operation of exits only: in which that key\'s exit budget refused one of its exits). A refused request\'s bytes must never run later, so instead of remembering each one the server refuses every signature of that key up to that second, for as long as such a signature could be fresh. Nothing ran. Sign the request again and retry after `Retry-After`, counted from the refused signature\'s `created` (on the signer\'s clock): the later of the second after that floor and the reset of the limit behind it while that limit is still spent (what the request took to arrive added), so the request signed again is past the floor and within the limit. The `RateLimit` header names that limit as its own 429 does (`"Request.account"`, for exits `"Request.keyExits"`, with `r=0` and `t` its reset, or, once its window has reset, the floor\'s wait) beside `"Request.ip"`. A client meets this when its account was over its limit moments before (for up to a second after the window resets, or as far as a signer\'s clock was ahead of the server\'s, up to 5 s), when a request it signed earlier arrives after such a refusal (a slow upload, a queued request: `Retry-After` then counts from its `created` and may be longer), or when replaying a refused request; a replay of a request that ran is `NONCE_REUSED`. Operations of exits only (`cancelOrder`, `cancelAllOrders`, `revokeApiKey`) get it the same way from their key\'s exit budget (`Request.keyExits`) and its own floor, and from the account\'s limit only in a second in which it refused a request of the same key whose operation never resolved (a parse or validation error: nobody can tell which kind those bytes are, so both floors rise).',
  },
  [SHUTTING_DOWN]: {
    code: ErrorCode.SERVICE_UNAVAILABLE, retryAfter: true,
    meaning: 'The request arrived after this server began shutting down (SIGTERM): the requests already running are finished, new ones are refused and the connection is closed. Nothing ran; retry after `Retry-After` (on another instance, or once it is back).',
  },
  [COMMIT_OUTCOME_UNKNOWN]: {
    code: ErrorCode.SERVICE_UNAVAILABLE, retryAfter: false, at: 'field',
    meaning: 'The connection to PostgreSQL was lost while the mutation\'s transaction committed: it **may have run** (every other `SERVICE_UNAVAILABLE` of a mutation\'s field means it did not). Retry with the same idempotency key: a mutation that committed is replayed, never repeated. Without a key, read before acting again (`order(clientOrderId:)`, `transfer(clientTransferId:)`), or send the same `clientOrderId` / `clientTransferId` again: a second use is refused, never run. `extensions.retryAfter` is 1.',
  },
});
