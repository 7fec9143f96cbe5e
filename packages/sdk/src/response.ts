/**
 * Reading a Signet HTTP answer and deciding what it means for a retry. Whole-request refusals
 * (401, 413, 429, 503) carry a GraphQL-shaped body too, so every answer parses one way.
 */
import type { SignetErrorCode, SignetRefusalReason } from './generated/error-codes';
import type { UserErrorCode } from './generated/graphql';
import { parseRetryAfter } from './retry-policy';

/** Codes whose condition passes by itself: retrying later with the same idempotency key is safe. */
export const TRANSIENT_CODES: ReadonlySet<string> = new Set(['IDEMPOTENCY_IN_PROGRESS', 'SERVICE_UNAVAILABLE']);

/**
 * A GraphQL error as Signet sends it (`extensions.code` and `extensions.reason` are listed in
 * ERRORS.md). Both are typed with the codes of this SDK's release plus `'%future added value'`:
 * a later server can send one this SDK does not know.
 */
export interface SignetGraphQLError {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: {
    code?: SignetErrorCode;
    retryable?: boolean;
    /** Seconds to wait before retrying, when the server knows. */
    retryAfter?: number;
    /** Why a request or a field was refused (`SIGNATURE_EXPIRED`, `NONCE_REUSED`, …). */
    reason?: SignetRefusalReason;
    requestId?: string;
    [key: string]: unknown;
  };
}

/** A business outcome from a mutation payload's `userErrors`, with the root field it came from. */
export interface SignetUserError {
  /** A `UserErrorCode` of this SDK's schema, or `'%future added value'`: one a later server adds. */
  code: UserErrorCode | '%future added value';
  message: string;
  field?: readonly string[] | null;
  /** Response key of the root field whose payload held it (e.g. `placeOrder`). */
  path: string;
}

/** One HTTP answer, read. `body` is undefined when it was not a GraphQL JSON response. */
export interface ReadResponse {
  status: number;
  headers: Headers;
  /** The body as received. */
  text: string;
  body?: { data?: Record<string, unknown> | null; errors?: SignetGraphQLError[]; extensions?: Record<string, unknown> };
}

/** What an answer means for the attempt loop. */
export type Verdict =
  | { kind: 'final' }
  /**
   * `notRun`: the server says nothing of the request ran, so even an unkeyed mutation may be re-sent.
   * `waiting`: every error is IDEMPOTENCY_IN_PROGRESS (the key's first call is still running, or its process died with the key leased).
   */
  | { kind: 'transient'; reason: string; retryAfterMs?: number; notRun?: boolean; waiting?: boolean }
  | { kind: 'skew'; serverTimeMs: number };

/** Reads the body as JSON; a proxy's HTML error page yields `body: undefined`, not an exception. */
export async function readResponse(response: Response): Promise<ReadResponse> {
  const text = await response.text();
  let body: ReadResponse['body'];
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && ('data' in parsed || 'errors' in parsed)) body = parsed as ReadResponse['body'];
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body };
}

/**
 * What a redirect answer says, or undefined for any other: Signet never redirects, so one comes
 * from in front of it (typically `http://` to an https-only host). Where it points is named so the
 * caller can fix its URL; a browser hides it (`opaqueredirect`, status 0).
 */
export function redirectText(answer: { status: number; headers: Headers }): string | undefined {
  if (answer.status === 0) return 'a redirect (the browser does not say where to); a signed request is never sent on: call the URL it points to';
  if (answer.status < 300 || answer.status > 399) return undefined;
  const location = answer.headers.get('location');
  return `a redirect${location ? ` to ${location}` : ''}; a signed request is never sent on: if you trust it, call that URL instead`;
}

/** Decides whether an answer is final, transient (retry later) or a clock-skew refusal. */
export function judge(answer: ReadResponse, now: number): Verdict {
  const errors = answer.body?.errors ?? [];
  const first = errors[0]?.extensions;
  const hinted = (): number | undefined => {
    const fromHeader = parseRetryAfter(answer.headers.get('retry-after'), now);
    const fromBody = errors.map((e) => e.extensions?.retryAfter).filter((s): s is number => typeof s === 'number' && Number.isFinite(s));
    const candidates = [...(fromHeader === undefined ? [] : [fromHeader]), ...fromBody.map((s) => s * 1000)];
    return candidates.length === 0 ? undefined : Math.max(...candidates);
  };
  if (answer.status === 401 && first?.reason === 'SIGNATURE_EXPIRED') {
    const serverTimeMs = serverDate(answer);
    return serverTimeMs === undefined ? { kind: 'final' } : { kind: 'skew', serverTimeMs };
  }
  if (answer.status === 429) {
    // Without Retry-After we would only be guessing how long the limit lasts.
    const retryAfterMs = parseRetryAfter(answer.headers.get('retry-after'), now);
    if (retryAfterMs === undefined) return { kind: 'final' };
    // Signed while the account was over its limit: nothing ran, and a request signed after
    // Retry-After (counted from its `created`) is accepted once the account is within its limit.
    if (first?.reason === 'SIGNED_WHILE_LIMITED') return { kind: 'transient', reason: first.reason, retryAfterMs: hinted(), notRun: true };
    return { kind: 'transient', reason: first?.code ?? 'HTTP 429', retryAfterMs };
  }
  // Refusals that say nothing ran: the server's replay protection restarted (this signature could
  // not be proven unused), or the request arrived while the server was shutting down.
  if (answer.status === 503 && (first?.reason === 'REPLAY_PROTECTION_RECOVERING' || first?.reason === 'SHUTTING_DOWN')) {
    return { kind: 'transient', reason: first.reason, retryAfterMs: hinted(), notRun: true };
  }
  if (answer.status >= 500) return { kind: 'transient', reason: first?.code ?? `HTTP ${answer.status}`, retryAfterMs: hinted() };
  if (answer.status === 200 && errors.length > 0) {
    const codes = errors.map((e) => e.extensions?.code ?? '');
    // One non-transient error (a real refusal) makes the whole answer final: never retried.
    if (codes.every((code) => TRANSIENT_CODES.has(code))) {
      return { kind: 'transient', reason: codes[0], retryAfterMs: hinted(), ...(codes.every((code) => code === 'IDEMPOTENCY_IN_PROGRESS') ? { waiting: true } : {}) };
    }
  }
  return { kind: 'final' };
}

/** The server's time from the answer's `Date` header (whole seconds), or undefined when it has none. */
export function serverDate(answer: ReadResponse): number | undefined {
  const ms = Date.parse(answer.headers.get('date') ?? '');
  return Number.isNaN(ms) ? undefined : ms;
}

/** Every `userErrors` entry of the root payloads, tagged with its root field. */
export function collectUserErrors(data: Record<string, unknown> | null | undefined): SignetUserError[] {
  const found: SignetUserError[] = [];
  for (const [path, payload] of Object.entries(data ?? {})) {
    const list = payload !== null && typeof payload === 'object' ? (payload as { userErrors?: unknown }).userErrors : undefined;
    if (!Array.isArray(list)) continue;
    for (const e of list as Array<Omit<SignetUserError, 'path'>>) found.push({ code: e.code, message: e.message, field: e.field, path });
  }
  return found;
}

/**
 * Error codes after which a mutation may have run, or may still complete (ERRORS.md): an unexpected
 * error, a dependency that failed (a COMMIT whose outcome is unknown among them), or the same key
 * executing right now.
 */
const OUTCOME_UNKNOWN_CODES: ReadonlySet<string> = new Set(['INTERNAL_SERVER_ERROR', 'SERVICE_UNAVAILABLE', 'IDEMPOTENCY_IN_PROGRESS']);

/**
 * Whether this answer leaves it open that the mutation ran: a 5xx that does not say nothing ran,
 * an answer that is not GraphQL, or an error whose code leaves the outcome unknown.
 */
export function leavesOutcomeOpen(answer: ReadResponse, verdict: Verdict): boolean {
  if (verdict.kind === 'transient' && verdict.notRun === true) return false;
  if (answer.status >= 500 || !answer.body) return true;
  return (answer.body.errors ?? []).some((e) => OUTCOME_UNKNOWN_CODES.has(e.extensions?.code ?? ''));
}

/** Whether no root field of the answer has a value: nothing in it shows the mutation's outcome. */
export function noRootFieldAnswered(data: Record<string, unknown> | null | undefined): boolean {
  return Object.values(data ?? {}).every((value) => value === null || value === undefined);
}

/** What {@link isReplay} reads of an answer: its headers and its parsed body. */
export interface ReplayEvidence {
  readonly headers: { get(name: string): string | null };
  readonly body?: { readonly data?: Record<string, unknown> | null; readonly extensions?: Record<string, unknown> } | null;
}

/**
 * True when the server answered with stored outcomes instead of running anything again: the
 * `Idempotent-Replayed: true` header (exactly `true`, the only value the server sends), or (a
 * proxy may drop headers) `extensions.idempotentReplay` naming every root field of the answer. A
 * document whose other fields ran is not a replay. The server decides with `isWholeReplay` of
 * @signet/directive-idempotent (not browser-safe, so not imported here); the playground uses this one.
 */
export function isReplay(answer: ReplayEvidence): boolean {
  if (answer.headers.get('idempotent-replayed') === 'true') return true;
  const replays = answer.body?.extensions?.idempotentReplay;
  const fields = Object.keys(answer.body?.data ?? {}).filter((responseKey) => responseKey !== '__typename');
  return typeof replays === 'object' && replays !== null && fields.length > 0 && fields.every((responseKey) => (replays as Record<string, unknown>)[responseKey] === true);
}

/**
 * True when a fetch failure proves the request never left: the connection was refused or the name
 * did not resolve. Anything else (reset, timeout) may have reached the server after all.
 */
export function provesNotSent(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : (error as { code?: unknown } | null)?.code;
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
}
