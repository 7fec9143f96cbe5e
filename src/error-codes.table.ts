/**
 * The registry of GraphQL error codes and, for each, how it reaches clients: HTTP status,
 * `retryable`, what it means and what to do. The code that sends an error looks its status and
 * `retryable` up here, and `npm run errors-doc` writes ERRORS.md's table from it, so the three
 * cannot drift apart.
 */

/**
 * Codes of GraphQL errors (security, limits, infrastructure, malformed requests). Public API:
 * clients branch on them, `ERRORS.md` documents each from {@link ERROR_CODES}.
 * Business outcomes are not here: they are `UserErrorCode`s inside mutation payloads.
 */
export enum ErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  RATE_LIMITED = 'RATE_LIMITED',
  IDEMPOTENCY_KEY_REQUIRED = 'IDEMPOTENCY_KEY_REQUIRED',
  IDEMPOTENCY_KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED',
  IDEMPOTENCY_IN_PROGRESS = 'IDEMPOTENCY_IN_PROGRESS',
  IDEMPOTENCY_OUTCOME_LOST = 'IDEMPOTENCY_OUTCOME_LOST',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  BAD_REQUEST = 'BAD_REQUEST',
  GRAPHQL_PARSE_FAILED = 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED = 'GRAPHQL_VALIDATION_FAILED',
  OPERATION_RESOLUTION_FAILURE = 'OPERATION_RESOLUTION_FAILURE',
  PERSISTED_QUERY_NOT_SUPPORTED = 'PERSISTED_QUERY_NOT_SUPPORTED',
  METHOD_NOT_ALLOWED = 'METHOD_NOT_ALLOWED',
  NOT_FOUND = 'NOT_FOUND',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  REQUEST_TIMEOUT = 'REQUEST_TIMEOUT',
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  PRICE_UNAVAILABLE = 'PRICE_UNAVAILABLE',
  UNKNOWN_MARKET = 'UNKNOWN_MARKET',
  API_KEY_NOT_FOUND = 'API_KEY_NOT_FOUND',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

/** How one error code reaches clients. */
export interface ErrorCodeSpec {
  /** Status of a whole-request rejection with this code; null when the code only ever nulls a field. */
  readonly status: number | null;
  /** Whole-request statuses besides `status`, chosen where the code says why (Apollo, the raw-socket handler). */
  readonly otherStatuses: readonly number[];
  /** True when the code can null a single field in an HTTP 200 response. */
  readonly field: boolean;
  /** True when the same operation may succeed later, signed again (a fresh nonce) with the same idempotency key (`extensions.retryable`, ERRORS.md). */
  readonly retryable: boolean;
  /** ERRORS.md's HTTP column: the statuses above, in words (a test checks they agree). */
  readonly http: string;
  /** ERRORS.md's "meaning" column (Markdown). */
  readonly meaning: string;
  /** ERRORS.md's "what to do" column (Markdown). */
  readonly whatToDo: string;
}

/** Every GraphQL error code, in ERRORS.md's order. */
export const ERROR_CODES: Readonly<Record<ErrorCode, ErrorCodeSpec>> = Object.freeze({
  [ErrorCode.UNAUTHENTICATED]: {
    status: 401, otherStatuses: [], field: true, retryable: false, http: '200 (field) / 401 (request)',
    meaning: 'The field needs a signed request, or the request\'s signature failed a check (`extensions.reason` says which), or (a field error) the key that signed the request was revoked after its signature verified and before the field\'s transaction began: nothing of that field was written. Once `revokeApiKey` answers, no effect of the key commits.',
    whatToDo: 'Sign the request; see the README.',
  },
  [ErrorCode.RATE_LIMITED]: {
    status: 429, otherStatuses: [], field: true, retryable: true, http: '429 (request) / 200 (field)',
    meaning: 'Too many requests, or too many failed signature attempts from this client address. `extensions.retryAfter` (seconds) says when to retry, and on a 429 the `Retry-After` header too, beside a `RateLimit` header that names the limit which refused with `r=0` (too many failed signatures: `"Request.failedSignatures"`). A field-level refusal comes in a 200 with `limit` and `window`, so its siblings still arrive.',
    whatToDo: 'Wait, then retry.',
  },
  [ErrorCode.IDEMPOTENCY_KEY_REQUIRED]: {
    status: null, otherStatuses: [], field: true, retryable: false, http: '200 (field)',
    meaning: 'The mutation requires an idempotency key (`placeOrder`, `createTransfer`) and none was given; nothing ran.',
    whatToDo: 'Send an `Idempotency-Key` header or `@idempotent(key: "…")` on the field.',
  },
  [ErrorCode.IDEMPOTENCY_KEY_REUSED]: {
    status: null, otherStatuses: [], field: true, retryable: false, http: '200 (field)',
    meaning: 'The key was already used for this mutation with different arguments; nothing ran.',
    whatToDo: 'Use a new key for a new operation.',
  },
  [ErrorCode.IDEMPOTENCY_IN_PROGRESS]: {
    status: null, otherStatuses: [], field: true, retryable: true, http: '200 (field)',
    meaning: 'The same key is executing right now (a concurrent duplicate); nothing ran. `extensions.retryAfter` says when to retry.',
    whatToDo: 'Retry with the same key: you will get the original outcome.',
  },
  [ErrorCode.IDEMPOTENCY_OUTCOME_LOST]: {
    status: null, otherStatuses: [], field: true, retryable: false, http: '200 (field)',
    meaning: 'The key\'s recorded outcome names an order, transfer or API key the database no longer has: it was restored from a backup taken before that call. The call is not in effect now, and nothing ran now.',
    whatToDo: 'Check your orders, transfers or keys; to do it again, send it with a new key. Tell the operator (see the README, "Backups and restores").',
  },
  [ErrorCode.FORBIDDEN]: {
    status: null, otherStatuses: [], field: true, retryable: false, http: '200 (field)',
    meaning: 'The signing key lacks a scope the field requires (`extensions.missingScopes`).',
    whatToDo: 'Use a key with that scope.',
  },
  [ErrorCode.BAD_USER_INPUT]: {
    // 400: Apollo's answer to variables that do not coerce.
    status: 400, otherStatuses: [], field: true, retryable: false, http: '200 or 400',
    meaning: 'An argument is malformed: wrong type, a Decimal that is not a plain decimal string (at most 30 digits before the point and 18 after; written inline in the document instead of a variable, the same check is a 400 `GRAPHQL_VALIDATION_FAILED` naming the value and its location), a string over its maximum length or a `memo`/`label` with control, invisible, bidirectional-formatting or lone-surrogate characters (`extensions.fields`), a bad page size or cursor (`extensions.field`); an idempotency key that is malformed (not 1–255 printable ASCII), used by two fields of one document, or sent as a header with several keyed mutations.',
    whatToDo: 'Fix the argument or the key.',
  },
  [ErrorCode.BAD_REQUEST]: {
    // 405: Apollo's answer to a mutation over GET; 406: transport/http/graphql-route.ts; 414 and 431: a request target or headers too large (transport/http/client-errors.ts).
    status: 400, otherStatuses: [405, 406, 414, 431], field: false, retryable: false, http: '400, 405, 406, 414, 431',
    meaning: 'The HTTP request is not a valid GraphQL request: malformed JSON, a body that is not UTF-8, a batched (array) body, a GET without the CSRF preflight header, a mutation over GET (405), an `Accept` on `/graphql` that allows neither `application/graphql-response+json` nor `application/json` (406, answered before anything runs), a forwarded client address that is not an IP address (a proxy misconfiguration: see README, "Behind a proxy"), more than one `Host` field line (RFC 9112 §3.2, answered before anything runs), a path whose percent-encoding does not decode (`/graphql%`, answered before anything runs); or not valid HTTP at all, a request target too long (414: send the operation in a POST body) or headers too large (431), when the connection is then closed.',
    whatToDo: 'Send one JSON operation per POST with `Content-Type: application/json`.',
  },
  [ErrorCode.GRAPHQL_PARSE_FAILED]: {
    status: 400, otherStatuses: [], field: false, retryable: false, http: '400',
    meaning: 'The document does not parse, or has more tokens than allowed.',
    whatToDo: 'Fix the query.',
  },
  [ErrorCode.GRAPHQL_VALIDATION_FAILED]: {
    status: 400, otherStatuses: [], field: false, retryable: false, http: '400',
    meaning: 'The document does not validate against the schema (including any `subscription` operation: there is no subscription root), or exceeds the depth, cost, alias or directive limits; one field selected more than 30 times at one place of the response, more than 30 fragment spreads at one place, more than 2000 selections once fragments are expanded, or a fragment cycle; introspection when it is off; more than one `__schema` or five `__type` fields in one document, an alias below `__schema` or `__type`, or introspection over its cost budget (the message says which).',
    whatToDo: 'Simplify or fix the query; send one introspection query per request.',
  },
  [ErrorCode.OPERATION_RESOLUTION_FAILURE]: {
    status: 400, otherStatuses: [], field: false, retryable: false, http: '400',
    meaning: '`operationName` does not name an operation in the document.',
    whatToDo: 'Send a matching `operationName`.',
  },
  [ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED]: {
    status: 200, otherStatuses: [], field: false, retryable: false, http: '200',
    meaning: 'Automatic persisted queries are off. Answered with 200, as Apollo does, so that persisted-query clients fall back to sending the full query.',
    whatToDo: 'Send the full query.',
  },
  [ErrorCode.METHOD_NOT_ALLOWED]: {
    status: 405, otherStatuses: [], field: false, retryable: false, http: '405',
    meaning: 'The HTTP method is not allowed on that path (any but GET, HEAD, POST and OPTIONS on `/graphql`, POST on `/healthz`; the `Allow` header lists the methods that are). `OPTIONS /graphql` answers 204 with `Allow`.',
    whatToDo: 'Use a method the `Allow` header lists: GET or POST on `/graphql`.',
  },
  [ErrorCode.NOT_FOUND]: {
    status: 404, otherStatuses: [], field: false, retryable: false, http: '404',
    meaning: 'No such HTTP path.',
    whatToDo: 'Use `/graphql`, `/healthz` or `/readyz`.',
  },
  [ErrorCode.PAYLOAD_TOO_LARGE]: {
    status: 413, otherStatuses: [], field: false, retryable: false, http: '413',
    meaning: 'The body is over 64 KiB.',
    whatToDo: 'Send a smaller request.',
  },
  [ErrorCode.UNSUPPORTED_MEDIA_TYPE]: {
    status: 415, otherStatuses: [], field: false, retryable: false, http: '415',
    meaning: 'The body\'s content type is not supported (anything but `application/json`, `text/plain` included), or it is compressed (a `Content-Encoding` other than `identity`), or its `charset` is not UTF-8 (JSON is UTF-8, RFC 8259).',
    whatToDo: 'Send `application/json` in UTF-8, uncompressed.',
  },
  [ErrorCode.REQUEST_TIMEOUT]: {
    status: 408, otherStatuses: [], field: false, retryable: true, http: '408',
    meaning: 'The request did not arrive in time: headers not complete within 10 s, or the body not complete within 10 s after them, or its headers were still arriving when the server began shutting down. Nothing ran; the connection is closed.',
    whatToDo: 'Send the whole request promptly, on a new connection.',
  },
  [ErrorCode.SERVICE_UNAVAILABLE]: {
    status: 503, otherStatuses: [], field: true, retryable: true, http: '503 or 200 (field)',
    meaning: 'A dependency (PostgreSQL, Redis) is down, slow or overloaded: a lost connection, a statement over the 5 s statement timeout, a Redis command over 2 s. The transaction rolled back, so nothing was executed; the exceptions: a database connection lost during the commit itself, when the outcome is unknown (`extensions.reason: COMMIT_OUTCOME_UNKNOWN`), and an error whose `path` goes below a mutation\'s payload (`["placeOrder", "fills"]`): that read ran after the mutation committed, so the mutation ran and only that part of its answer is missing (the payload\'s other fields, `order` among them, still arrive). `extensions.retryAfter` (seconds) hints when to retry.',
    whatToDo: 'Retry with backoff; for mutations retry with the same idempotency key (a commit that did land is then replayed, never repeated).',
  },
  [ErrorCode.PRICE_UNAVAILABLE]: {
    status: null, otherStatuses: [], field: true, retryable: true, http: '200 (field)',
    meaning: 'The price feed is slow, failing or its circuit breaker is open: `valueUsd` / `valuation` are null; balances and every other field still arrive.',
    whatToDo: 'Retry later; use the balances meanwhile.',
  },
  [ErrorCode.UNKNOWN_MARKET]: {
    status: null, otherStatuses: [], field: true, retryable: false, http: '200 (field)',
    meaning: 'A query names a market that is not listed: `orderBook`, `trades`, `ticker`, or the `market` filter of `me.orders` / `me.fills` (`extensions.field` is `market`). Mutations report the same code as a `userErrors` entry instead.',
    whatToDo: 'Use a symbol from the `markets` query.',
  },
  [ErrorCode.API_KEY_NOT_FOUND]: {
    status: null, otherStatuses: [], field: true, retryable: false, http: '200 (field)',
    meaning: 'The `apiKeyId` filter of `me.orders` / `me.transfers` names no API key of your account (revoked keys count as yours; another account\'s key is answered the same way as a key that does not exist). `extensions.field` is `apiKeyId`. Mutations (`revokeApiKey`, `cancelAllOrders`) report the same code as a `userErrors` entry instead.',
    whatToDo: 'Use an `id` from `me.apiKeys`.',
  },
  [ErrorCode.INTERNAL_SERVER_ERROR]: {
    status: 500, otherStatuses: [], field: true, retryable: false, http: '200 (field) / 500',
    meaning: 'Unexpected error. Details are logged with the request id, never sent.',
    whatToDo: 'Report the `requestId`. For a mutation, the outcome is unknown: retry only with an idempotency key.',
  },
});

/** True when a client may retry a request that failed with `code` (false for a code Signet does not define). */
export function isRetryable(code: string): boolean {
  return Object.hasOwn(ERROR_CODES, code) && ERROR_CODES[code as ErrorCode].retryable;
}

/** The HTTP status of a whole request refused with `code`; throws for a code that only ever nulls a field. */
export function refusalStatus(code: ErrorCode): number {
  const { status } = ERROR_CODES[code];
  if (status === null) throw new Error(`${code} is a field error: no whole-request status`);
  return status;
}
