/**
 * The Signet client: typed documents in, typed results out; every request signed (RFC 9421),
 * `@idempotent` mutations keyed, transient failures retried with the same key and a fresh
 * signature, every attempt bounded in time, and the clock corrected from the server's `Date`.
 * When it gives up it says which key it used and whether the call may have run.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { KEY_ID_PATTERN, type WebCryptoKey } from '@signet/http-message-signatures';
import { utf8 } from './bytes';
import { checkKeyMaterial, importCheckedKey, subtle, type CheckedKeyMaterial } from './key-material';
import { describeOperation, type OperationInfo } from './operations';
import { parseRateLimits, type SignetRateLimit } from './rate-limit-headers';
import { SignetAbortError, SignetRequestError, type RequestOutcome } from './request-error';
import {
  collectUserErrors, isReplay, judge, leavesOutcomeOpen, noRootFieldAnswered, provesNotSent, readResponse, redirectText, type ReadResponse, type SignetGraphQLError, type SignetUserError, type Verdict,
} from './response';
import { attemptSignal, createRetryBudget, resolveRetry, sleep as realSleep, type RetryOptions } from './retry-policy';
import { createServerClock } from './server-clock';
import { signRequestWebCrypto, type SignetAlgorithm } from './web-crypto-signer';

/**
 * How to reach and authenticate to a Signet server. Without `keyId` (and without key material)
 * requests are unsigned (public fields only). {@link createSignetClient} checks the key material
 * and throws a TypeError for a bad one, so a request never fails over it.
 */
export interface SignetClientOptions {
  /** Server URL, e.g. `http://127.0.0.1:4000` (`/graphql` is added when the path is empty) or the full endpoint. */
  url: string;
  /** The API key id (`keyid`), e.g. `key_0123456789abcdef01234567`; needs `privateKey` or `secret`. */
  keyId?: string | undefined;
  /** Ed25519 private key: base64 PKCS#8 DER as `signet keys create` prints it, PEM, or a CryptoKey. */
  privateKey?: string | WebCryptoKey | undefined;
  /** HMAC-SHA256 secret: base64 as printed, bytes, or a CryptoKey. */
  secret?: string | Uint8Array | WebCryptoKey | undefined;
  /** Defaults to `ed25519` with `privateKey`, `hmac-sha256` with `secret`. */
  alg?: SignetAlgorithm | undefined;
  /** The `@authority` the server expects, when it differs from the URL's host (behind a proxy). */
  authority?: string | undefined;
  /** Defaults to `globalThis.fetch`. */
  fetch?: typeof fetch | undefined;
  /** Milliseconds since the epoch; defaults to `Date.now`. */
  clock?: (() => number) | undefined;
  /**
   * Milliseconds one attempt may take, answer body included, before it is abandoned as a network
   * failure (retried like one; see the README). 0 or Infinity: no limit. Defaults to 10 000.
   */
  timeoutMs?: number | undefined;
  /** Retry bounds; see {@link RetryOptions} for the defaults. */
  retry?: Partial<RetryOptions> | undefined;
  /** Uniform [0, 1) source for backoff jitter; defaults to `Math.random`. */
  random?: (() => number) | undefined;
  /** Waits between attempts; defaults to a timer. Injected by tests that drive a virtual clock. */
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
}

/** What a caller passes per request. */
export interface SignetRequestOptions {
  /** The idempotency key of this logical call; generated (UUID v4) for `@idempotent` mutations when omitted. */
  idempotencyKey?: string | undefined;
  /** Aborting rejects the request promptly with a {@link SignetAbortError} (an AbortError; during a wait too). */
  signal?: AbortSignal | undefined;
  /** This call's per-attempt timeout, instead of the client's `timeoutMs`. */
  timeoutMs?: number | undefined;
  /** Called before each wait between attempts, e.g. to show progress. */
  onRetry?: ((info: SignetRetryInfo) => void) | undefined;
}

/** Why and how long the client is about to wait. */
export interface SignetRetryInfo {
  /**
   * Failed attempts so far, counted against `maxAttempts` (1 = the first send failed). A
   * refusal that ran nothing and passes by itself (REPLAY_PROTECTION_RECOVERING, SHUTTING_DOWN) is not counted (so this can be 0).
   */
  attempt: number;
  /** The attempt budget. */
  maxAttempts: number;
  delayMs: number;
  /** An error code (`IDEMPOTENCY_IN_PROGRESS`), a refusal's reason (`REPLAY_PROTECTION_RECOVERING`, `SHUTTING_DOWN`), `HTTP 502`, `NETWORK_ERROR` or `TIMEOUT`. */
  reason: string;
  idempotencyKey?: string;
}

/** The answer to one logical request. GraphQL and user errors are data here; only transport failures throw. */
export interface SignetResult<TData> {
  data: TData | null;
  /** GraphQL errors (`extensions.code` tells them apart); empty when none. */
  errors: readonly SignetGraphQLError[];
  /** Business outcomes collected from every root payload's `userErrors`. */
  userErrors: readonly SignetUserError[];
  /** True when the server returned a stored outcome of an earlier attempt (the effect did not run again). */
  replayed: boolean;
  /**
   * True when this mutation may have run although this answer does not show it: no root field has
   * a value, it is not a replay, and an attempt may have run (this one's error leaves the outcome
   * open: `SERVICE_UNAVAILABLE`, `INTERNAL_SERVER_ERROR`, `IDEMPOTENCY_IN_PROGRESS`, a 5xx; or an
   * earlier attempt's answer was lost or left it open, and this retry was refused before running,
   * by a 429 say). Call again with `idempotencyKey` to learn the outcome; never resend without it.
   * Always false for queries, a replay, and an answer that shows the mutation's payload.
   */
  mayHaveRun: boolean;
  /** HTTP status of the last answer. */
  status: number;
  /** The key sent as `Idempotency-Key`, when the document is keyed. */
  idempotencyKey?: string;
  /** Sends made, retries and the clock-skew correction included. */
  attempts: number;
  /** The server's request id (`X-Request-Id`), for support. */
  requestId?: string;
  /** The last answer's headers. */
  headers: Headers;
  /** The last answer's `RateLimit` / `RateLimit-Policy` entries, tightest first; empty when none applied. */
  rateLimit: readonly SignetRateLimit[];
}

/** A configured client. */
export interface SignetClient {
  /**
   * Sends one operation; resolves to its typed result. Rejects only with a {@link SignetRequestError}
   * (network failure or timeout, a non-GraphQL answer) or a {@link SignetAbortError}, both carrying
   * the idempotency key and whether the call may have run (`outcome`). Two exceptions, both mistakes
   * to fix rather than failures to handle, thrown before anything is sent: a TypeError or RangeError
   * for this call's own arguments (a document that is not one operation, an `idempotencyKey` the
   * document contradicts or the server would refuse, a negative `timeoutMs`), and a TypeError when
   * this runtime's WebCrypto has no Ed25519.
   * Bad key material never reaches here: {@link createSignetClient} throws for it.
   */
  request<TData, TVars extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVars>,
    variables: TVars,
    options?: SignetRequestOptions,
  ): Promise<SignetResult<TData>>;
  /** Current correction added to the clock, in ms (learned from the server's `Date` once it differs by more than 2 s). */
  readonly clockOffsetMs: number;
}

const KEY_CHARS = /^[\x20-\x7e]{1,255}$/;

/** An attempt that outlasts this is abandoned: long enough for a loaded server, short enough for a bot to act. */
export const DEFAULT_TIMEOUT_MS = 10_000;

function checkTimeout(timeoutMs: number): number {
  if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0)) throw new RangeError('timeoutMs must be a number >= 0 (0 or Infinity: no timeout)');
  return timeoutMs;
}

/** The Accept the GraphQL-over-HTTP spec recommends to a client that may meet servers of either media type. */
const GRAPHQL_ACCEPT = 'application/graphql-response+json, application/json;q=0.9';

function endpoint(url: string): URL {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError('url must be http(s)');
  if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = '/graphql';
  return parsed;
}

/** The one key of this call, checked like the server does so a bad key fails before anything is sent. */
function chooseKey(info: OperationInfo, variables: Record<string, unknown>, given?: string): string | undefined {
  if (info.keyedFields.length !== 1) {
    // The header names one keyed field; several need @idempotent(key:) each. A key we would drop
    // silently would look like protection it is not.
    if (given !== undefined) throw new TypeError(`idempotencyKey applies to a document with one @idempotent mutation (this one has ${info.keyedFields.length})`);
    return undefined;
  }
  // The document's own key (`@idempotent(key: "…")`, or the variable it names) is the call's key: a
  // header with another value would be refused by the server as a second key for the same call.
  const source = info.documentKey;
  const variable = source && 'variable' in source ? source.variable : 'idempotencyKey';
  const value = variables[variable];
  const fromDocument = source && 'literal' in source ? source.literal
    : typeof value === 'string' ? value
    : value === undefined && source && 'defaultValue' in source ? source.defaultValue : undefined;
  if (given !== undefined && fromDocument !== undefined && given !== fromDocument) {
    throw new TypeError(source && 'literal' in source
      ? 'idempotencyKey option and the document\'s @idempotent(key:) disagree; pass one key'
      : `idempotencyKey option and $${variable} variable disagree; pass one key`);
  }
  const key = given ?? fromDocument ?? globalThis.crypto.randomUUID();
  if (!KEY_CHARS.test(key) || key.trim() !== key) throw new TypeError('an idempotency key is 1-255 printable ASCII characters, no leading or trailing space');
  return key;
}

/**
 * What went wrong on the wire, in words: Node's fetch says only "fetch failed" and keeps the
 * reason (`connect ECONNREFUSED 127.0.0.1:4000`, a DNS failure, a reset) in its `cause`.
 */
function networkFailureText(error: unknown): string {
  // Duck-typed: fetch's errors may come from another realm (a test runner's VM), where instanceof fails.
  const messageOf = (value: unknown) => (typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string' ? (value as { message: string }).message : undefined);
  const message = messageOf(error) ?? String(error);
  const cause = messageOf((error as { cause?: unknown } | null)?.cause);
  return cause && cause !== message ? `${message} (${cause})` : message;
}

/**
 * The signing half of the options, checked whole so a misconfigured client fails here, at once,
 * and not on its first request: a key id and key material come together or not at all (unsigned),
 * and the material must be a key of `alg`. Each TypeError names the option, never its value.
 */
function signingOptions(options: SignetClientOptions): { keyId: string; alg: SignetAlgorithm; material: CheckedKeyMaterial } | undefined {
  const { keyId, privateKey, secret } = options;
  if (keyId === undefined) {
    // Without a key id nothing would be signed: key material left unused is a mistake, not a choice.
    if (privateKey !== undefined || secret !== undefined) {
      throw new TypeError(`${privateKey !== undefined ? 'privateKey' : 'secret'} given without keyId: pass the key's id too (or neither, for unsigned requests)`);
    }
    return undefined;
  }
  if (typeof keyId !== 'string' || !KEY_ID_PATTERN.test(keyId)) {
    throw new TypeError('keyId must be a key id such as key_0123456789abcdef01234567 (1-128 letters, digits, ".", "_" or "-")');
  }
  const alg = options.alg ?? (secret !== undefined ? 'hmac-sha256' : 'ed25519');
  if (alg === 'ed25519' && privateKey === undefined) throw new TypeError('an ed25519 client needs privateKey');
  if (alg === 'hmac-sha256' && secret === undefined) throw new TypeError('an hmac-sha256 client needs secret');
  const material = checkKeyMaterial(alg === 'ed25519' ? { alg, privateKey: privateKey! } : { alg, secret: secret! });
  subtle(); // Throws now, not on the first request, where WebCrypto is missing (an insecure browser context).
  return { keyId, alg, material };
}

/** Creates a client; throws a TypeError for a bad option (see {@link SignetClientOptions}). Key material is imported once, on the first signed request. */
export function createSignetClient(options: SignetClientOptions): SignetClient {
  const url = endpoint(options.url);
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const clock = options.clock ?? Date.now;
  const random = options.random ?? Math.random;
  const wait = options.sleep ?? realSleep;
  const policy = resolveRetry(options.retry);
  const defaultTimeoutMs = checkTimeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const signing = signingOptions(options);
  let key: Promise<WebCryptoKey> | undefined;
  const signingKey = (material: CheckedKeyMaterial) => (key ??= importCheckedKey(material));
  const serverClock = createServerClock(clock);

  /**
   * Headers for one attempt, and the signature's `created` in ms when signed. The key material was
   * checked at construction; a WebCrypto without Ed25519 is the one signing error left, and propagates.
   */
  async function headersFor(body: Uint8Array, idempotencyKey: string | undefined): Promise<{ headers: Record<string, string>; createdMs?: number }> {
    // GraphQL over HTTP: a client MUST accept application/graphql-response+json; application/json
    // for servers that predate it. Not signed: either answer is read the same way (response.ts).
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: GRAPHQL_ACCEPT };
    // Quoted: the IETF draft makes the header an sf-string; the server also takes bare tokens.
    if (idempotencyKey !== undefined) headers['idempotency-key'] = `"${idempotencyKey.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
    if (signing) {
      // A fresh nonce and `created` on every attempt: the server refuses a nonce it has seen.
      const created = Math.floor(serverClock.now() / 1000);
      // The Idempotency-Key is among `headers`, so the signature covers it (the server insists).
      const { keyId, alg, material } = signing;
      const signed = await signRequestWebCrypto({ method: 'POST', url, authority: options.authority, body, keyId, alg, key: await signingKey(material), created, headers });
      Object.assign(headers, signed.headers);
      return { headers, createdMs: created * 1000 };
    }
    return { headers };
  }

  async function request<TData, TVars extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVars>,
    variables: TVars,
    requestOptions: SignetRequestOptions = {},
  ): Promise<SignetResult<TData>> {
    const { signal, onRetry } = requestOptions;
    const timeoutMs = requestOptions.timeoutMs === undefined ? defaultTimeoutMs : checkTimeout(requestOptions.timeoutMs);
    const info = describeOperation(document, { variables: variables ?? {} });
    const idempotencyKey = chooseKey(info, variables ?? {}, requestOptions.idempotencyKey);
    // Safe to resend: reads, and mutations whose every root field is covered by the one key.
    const safe = info.kind === 'query' || (idempotencyKey !== undefined && info.unkeyedFields.length === 0);
    const body = utf8(JSON.stringify({ query: info.query, operationName: info.operationName, variables: variables ?? {} }));
    const budget = createRetryBudget(policy, clock, random);
    let attempts = 0;
    let skewCorrected = false;
    /** Whether an attempt may have reached the server; false only while every failure proves it never left. */
    let reached = false;
    /** Whether an attempt before this one may have run the mutation (its answer lost, or one that left the outcome open). */
    let earlierMayHaveRun = false;
    const outcome = (): RequestOutcome => (reached ? 'unknown' : 'not-sent');
    const aborted = () => new SignetAbortError(signal?.reason, { idempotencyKey, outcome: outcome(), attempts });

    for (;;) {
      if (signal?.aborted) throw aborted();
      const { headers, createdMs } = await headersFor(body, idempotencyKey);
      if (signal?.aborted) throw aborted();
      attempts += 1;
      let answer: ReadResponse | undefined;
      let networkError: unknown;
      let timedOut = false;
      const attempt = attemptSignal(signal, timeoutMs);
      try {
        // A redirect is never followed: it would hand the signed request (a fresh nonce, for this
        // target) to whatever the redirect names, which could replay it here or answer for us.
        // 'manual', not 'error': the 3xx is an answer to report (where it points), not a network
        // failure to retry.
        answer = await readResponse(await fetchImpl(url.href, { method: 'POST', headers, body: body as Uint8Array<ArrayBuffer>, signal: attempt.signal, redirect: 'manual' }));
      } catch (error) {
        // Whatever ended it, a request in flight may have reached the server, unless the failure proves it never left.
        if (signal?.aborted) {
          reached = true;
          throw aborted();
        }
        networkError = error;
        timedOut = attempt.timedOut();
        if (timedOut || !provesNotSent(error)) reached = true;
      }
      if (answer) {
        reached = true;
        serverClock.follow(answer);
      }
      const judged: Verdict = answer ? judge(answer, clock()) : { kind: 'transient', reason: timedOut ? 'TIMEOUT' : 'NETWORK_ERROR' };
      const verdict = serverClock.untilCreatedAdvances(judged, createdMs);
      if (verdict.kind === 'skew' && !skewCorrected) {
        // A 401 means nothing ran, so even an unkeyed mutation may be re-sent once with a corrected clock.
        skewCorrected = true;
        serverClock.adopt(verdict.serverTimeMs);
        continue;
      }
      const retryable = verdict.kind === 'transient'
        && (safe || verdict.notRun === true || (networkError !== undefined && provesNotSent(networkError)));
      if (verdict.kind === 'transient' && retryable) {
        // The bounds (attempts, total time, the longest Retry-After the caller takes) and the wait, never sooner than asked.
        const retry = budget.next(verdict);
        if (retry) {
          if (info.kind === 'mutation' && (answer ? leavesOutcomeOpen(answer, verdict) : !provesNotSent(networkError) || timedOut)) earlierMayHaveRun = true;
          const { delayMs } = retry;
          onRetry?.({ attempt: retry.attempt, maxAttempts: policy.maxAttempts, delayMs, reason: verdict.reason, idempotencyKey });
          try {
            await wait(delayMs, signal);
          } catch (error) {
            if (signal?.aborted) throw aborted();
            throw error;
          }
          continue;
        }
      }
      if (!answer) {
        const why = timedOut ? `no answer within ${timeoutMs} ms` : networkFailureText(networkError);
        throw new SignetRequestError('NETWORK_ERROR', `request to ${url.origin} failed: ${why}`, attempts, undefined, { cause: networkError, idempotencyKey, outcome: outcome() });
      }
      const rateLimit = parseRateLimits(answer.headers);
      if (!answer.body) {
        throw new SignetRequestError('BAD_RESPONSE', `HTTP ${answer.status}: ${redirectText(answer) ?? 'the answer is not a GraphQL response'}`, attempts, answer.status,
          { idempotencyKey, outcome: outcome(), headers: answer.headers, rateLimit });
      }
      const data = (answer.body.data ?? null) as Record<string, unknown> | null;
      const replayed = isReplay(answer);
      const mayHaveRun = info.kind === 'mutation' && !replayed && noRootFieldAnswered(data) && (earlierMayHaveRun || leavesOutcomeOpen(answer, verdict));
      return {
        data: data as TData | null, errors: answer.body.errors ?? [], userErrors: collectUserErrors(data), replayed, mayHaveRun,
        status: answer.status, idempotencyKey, attempts, requestId: answer.headers.get('x-request-id') ?? undefined, headers: answer.headers, rateLimit,
      };
    }
  }

  return {
    request,
    get clockOffsetMs() {
      return serverClock.offsetMs;
    },
  };
}
