/**
 * The playground's GraphiQL fetcher: JSON POSTs to /graphql (the only form Apollo's CSRF
 * prevention accepts without a preflight header), signed in the browser with the SDK's WebCrypto
 * signer when a key is loaded, and with an `Idempotency-Key` (covered by the signature) on
 * mutations that can take one.
 * Browser code: bundled by scripts/build-playground.js, never loaded by the server.
 */
import { GraphQLError, parse, type DocumentNode, type ExecutionResult } from 'graphql';
import { describeOperation, isReplay, signRequestWebCrypto, type OperationInfo, type SignetAlgorithm } from '@signet/sdk';

/** A loaded key: the CryptoKey is non-extractable, so even this page's scripts cannot read it back. */
export interface SigningIdentity {
  readonly keyId: string;
  readonly alg: SignetAlgorithm;
  readonly key: CryptoKey;
}

/** A whole-request refusal as the server's error extensions name it. */
export interface Refusal {
  readonly code: string;
  readonly reason?: string;
  /** The server says the condition passes by itself (ERRORS.md): the same request may be signed again and re-sent. */
  readonly retryable?: boolean;
  /** Seconds to wait before retrying, when the server knows. */
  readonly retryAfter?: number;
}

/** What one request did, for the signing panel's status line. */
export interface SentRequest {
  /** The key id it was signed with; undefined when sent unsigned. */
  readonly keyId?: string;
  /** The Idempotency-Key sent, if any. */
  readonly idempotencyKey?: string;
  /** HTTP status, or 0 when the request never got an answer. */
  readonly status: number;
  /** True when the server answered with a stored outcome (`Idempotent-Replayed: true`): nothing ran again. */
  readonly replayed?: boolean;
  /** The first error's `extensions.code` (and `reason`, …) when the whole request was refused (HTTP 4xx or 5xx). */
  readonly refusal?: Refusal;
  /** Why it could not be signed or sent, if it could not. */
  readonly problem?: string;
}

/** The GraphiQL fetcher contract (structurally `Fetcher` from @graphiql/toolkit, for the cases we serve). */
export type PlaygroundFetcher = (
  params: { query: string; operationName?: string | null; variables?: unknown },
  opts?: { headers?: Record<string, unknown> },
) => Promise<ExecutionResult>;

/** Options of {@link createSignedFetcher}. */
export interface SignedFetcherOptions {
  /** Absolute URL of the GraphQL endpoint. */
  readonly url: string;
  /** `@authority` to sign: the page's `location.host`, which is the host the browser sends. */
  readonly authority: string;
  /** The key to sign with right now, or null for unsigned requests. Read per request. */
  readonly identity: () => SigningIdentity | null;
  /**
   * Told about every request the user ran (after it is answered or fails). GraphiQL's own schema
   * fetch ({@link SCHEMA_QUERY_NAME}) is not reported: the user has not sent anything yet.
   */
  readonly onSent?: (sent: SentRequest) => void;
  /** Defaults to the global fetch; injectable for tests. */
  readonly fetch?: typeof fetch;
  /** Idempotency keys; defaults to a random UUID v4. */
  readonly randomUUID?: () => string;
}

/**
 * Operation name GraphiQL gives its schema introspection (its `introspectionQueryName` prop), so
 * the fetcher can tell that fetch from the user's operations. Namespaced so no user query has it.
 */
export const SCHEMA_QUERY_NAME = 'SignetPlaygroundSchema';

/**
 * Whether to send an `Idempotency-Key` header with this operation. The server applies the header
 * to exactly one `@idempotent` field, so: only mutations with one such field among the root
 * fields that run (by response key, after @skip/@include with `variables`: the SDK's
 * `describeOperation`, which follows the server's rule), and not when that field already names its
 * key with `@idempotent(key:)` (two keys for one call are refused). Unparsable documents, and ones
 * whose operation cannot be chosen, get no key: the server will report the error.
 */
export function wantsIdempotencyKey(query: string, operationName?: string | null, variables?: unknown): boolean {
  let info: OperationInfo;
  try {
    const document: DocumentNode = parse(query);
    const sent = typeof variables === 'object' && variables !== null && !Array.isArray(variables) ? (variables as Record<string, unknown>) : {};
    info = describeOperation(document, { variables: sent, ...(operationName ? { operationName } : {}) });
  } catch {
    return false;
  }
  return info.kind === 'mutation' && info.keyedFields.length === 1 && info.documentKey === undefined;
}

/** Header values from GraphiQL's headers editor, as strings, minus anything this fetcher owns. */
function userHeaders(headers: Record<string, unknown> | undefined): Record<string, string> {
  const owned = new Set(['content-type', 'content-digest', 'signature', 'signature-input']);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined && value !== null && !owned.has(name.toLowerCase())) out[name.toLowerCase()] = String(value);
  }
  return out;
}

/** A UUID v4. `crypto.randomUUID` exists only in secure contexts; `getRandomValues` everywhere. */
function uuidV4(): string {
  if (typeof globalThis.crypto.randomUUID === 'function') return globalThis.crypto.randomUUID();
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The refusal an error status carries in its first error, for the status line. Signet refuses with
 * a GraphQL-shaped body at any status (401, 413, 429, 503 …): a 5xx is read like a 4xx, or a
 * restarting server's 503 would look like no answer at all.
 */
function refusalOf(status: number, result: ExecutionResult | undefined): Refusal | undefined {
  if (status < 400) return undefined;
  const extensions = result?.errors?.[0]?.extensions;
  if (!extensions || typeof extensions.code !== 'string') return undefined;
  return {
    code: extensions.code,
    ...(typeof extensions.reason === 'string' ? { reason: extensions.reason } : {}),
    ...(typeof extensions.retryable === 'boolean' ? { retryable: extensions.retryable } : {}),
    ...(typeof extensions.retryAfter === 'number' && Number.isFinite(extensions.retryAfter) && extensions.retryAfter >= 0 ? { retryAfter: extensions.retryAfter } : {}),
  };
}

/** Builds the fetcher GraphiQL calls for every operation, introspection included. */
export function createSignedFetcher(options: SignedFetcherOptions): PlaygroundFetcher {
  const send = options.fetch ?? globalThis.fetch.bind(globalThis);
  const uuid = options.randomUUID ?? uuidV4;
  return async (params, opts) => {
    const report = params.operationName === SCHEMA_QUERY_NAME ? undefined : options.onSent;
    // The exact bytes sent are the bytes signed: serialize once.
    const body = JSON.stringify({ query: params.query, operationName: params.operationName ?? undefined, variables: params.variables ?? undefined });
    const headers: Record<string, string> = { ...userHeaders(opts?.headers), 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
    // A key typed into the headers editor wins: the user may be replaying a call on purpose.
    if (headers['idempotency-key'] === undefined && wantsIdempotencyKey(params.query, params.operationName, params.variables)) headers['idempotency-key'] = uuid();
    const identity = options.identity();
    const sent = { keyId: identity?.keyId, idempotencyKey: headers['idempotency-key'] };
    try {
      if (identity) {
        // The headers go into the signer, which covers the Idempotency-Key: the server refuses an
        // uncovered one, since a key swapped in transit would turn a retry into a second order.
        const signed = await signRequestWebCrypto({ method: 'POST', url: options.url, authority: options.authority, body, keyId: identity.keyId, alg: identity.alg, key: identity.key, headers });
        Object.assign(headers, signed.headers);
      }
      const response = await send(options.url, { method: 'POST', headers, body, credentials: 'omit' });
      const text = await response.text();
      let result: ExecutionResult | undefined;
      try {
        result = JSON.parse(text) as ExecutionResult;
      } catch {
        result = undefined;
      }
      const refusal = refusalOf(response.status, result);
      report?.({ ...sent, status: response.status, ...(isReplay({ headers: response.headers, body: result }) ? { replayed: true } : {}), ...(refusal ? { refusal } : {}) });
      // 413, 429 from a proxy and the like answer without a GraphQL body: show them as errors.
      return result ?? { errors: [new GraphQLError(`HTTP ${response.status}: ${text.slice(0, 500)}`)] };
    } catch (error) {
      report?.({ ...sent, status: 0, problem: (error as Error).message });
      throw error;
    }
  };
}
