/**
 * Proves a pasted key before the playground says "signed": one signed `{ me { id } }` through the
 * same fetcher every later request uses. Only the server knows which key a key id names (for an
 * Ed25519 key the page has the private half and nothing to compare it with), so a verified request
 * is the proof. Browser code (runs in Node too, for the tests).
 */
import type { ExecutionResult } from 'graphql';
import { DEFAULT_RETRY } from '@signet/sdk';
import { createSignedFetcher, type SentRequest, type SignedFetcherOptions, type SigningIdentity } from './signed-fetcher';
import { describeAnswer, type KeyCheckRetry } from './status-line';

export type { KeyCheckRetry } from './status-line';

/** Name of the operation that proves a key, so it is recognisable in server logs. */
export const KEY_CHECK_OPERATION = 'SignetPlaygroundKeyCheck';

/** The operation that proves a key: `me` needs a verified signature (and READ scope). */
export const KEY_CHECK_QUERY = `query ${KEY_CHECK_OPERATION} { me { id } }`;

/** What the check found. `message` is the panel's text for a refusal. */
export type KeyCheckResult =
  | { readonly verified: true; readonly accountId?: string; readonly note?: string }
  | { readonly verified: false; readonly message: string };

/** Where the probe goes (as for the playground fetcher) and how its retries are told, waited and stopped. */
export interface KeyCheckOptions extends Pick<SignedFetcherOptions, 'url' | 'authority' | 'fetch'> {
  /** Told before each wait, so the panel can say why the check takes longer. */
  readonly onRetry?: (retry: KeyCheckRetry) => void;
  /** Stops a check waiting to retry (a newer paste, or Forget); it then proves nothing. */
  readonly signal?: AbortSignal;
  /** Waits between attempts; injectable for tests. Resolves early when `signal` aborts. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Clock for the total bound, in ms; defaults to Date.now. */
  readonly now?: () => number;
}

/** Waits `ms`, or less when `signal` aborts: the caller looks at the signal afterwards. */
function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * How long to wait before probing again, or undefined to stop. The SDK's and CLI's bounds
 * (DEFAULT_RETRY: a few attempts, none starting later than 30 s after the first), and only for a
 * server error the server calls retryable and says when to retry: a restarting server's replay
 * protection (503 REPLAY_PROTECTION_RECOVERING) refuses every signature for a few seconds, and
 * nothing ran. Each attempt is signed afresh (new nonce and `created`) by the fetcher. No jittered
 * backoff on top: one person's check does not stampede, and Retry-After is when it can pass.
 */
function retryDelay(sent: SentRequest, attempt: number, elapsedMs: number): number | undefined {
  const refusal = sent.refusal;
  if (sent.status < 500 || refusal?.retryable !== true || refusal.retryAfter === undefined) return undefined;
  const delayMs = refusal.retryAfter * 1000;
  if (attempt >= DEFAULT_RETRY.maxAttempts || elapsedMs + delayMs > DEFAULT_RETRY.maxTotalMs) return undefined;
  return delayMs;
}

/** Text for a request-level refusal of the probe. */
function refusalMessage(keyId: string, sent: SentRequest): string {
  // Something answered (a proxy's error page, a 502 from a load balancer) without a Signet error body.
  if (!sent.refusal) return `Not checked (HTTP ${sent.status}): the answer named no error code (a proxy in front of the server?). Requests stay unsigned.`;
  const { code, reason, retryAfter } = sent.refusal;
  if (code === 'UNAUTHENTICATED') {
    switch (reason) {
      case 'SIGNATURE_INVALID':
        // The server answers a wrong key and an unknown or revoked key id alike, on purpose.
        return `Refused (SIGNATURE_INVALID): this private key does not belong to key id ${keyId}, or that key id is unknown or revoked. Requests stay unsigned.`;
      case 'SIGNATURE_EXPIRED':
        return 'Refused (SIGNATURE_EXPIRED): this computer\'s clock differs from the server\'s by more than the allowed skew. Requests stay unsigned.';
      case 'KEY_INVALID':
        return `Refused (KEY_INVALID): ${keyId} is not a well-formed key id. Requests stay unsigned.`;
      default:
        return `Refused (${reason ?? 'UNAUTHENTICATED'}): the server did not accept the signature. Requests stay unsigned.`;
    }
  }
  if (code === 'RATE_LIMITED') {
    const wait = retryAfter === undefined ? 'later' : `in ${retryAfter} s`;
    return `Not checked (RATE_LIMITED): too many failed signature attempts from this address; try again ${wait}. Requests stay unsigned.`;
  }
  const retry = retryAfter === undefined ? '' : ` Retry in ${retryAfter} s.`;
  if (reason === 'REPLAY_PROTECTION_RECOVERING') {
    return `Not checked (${describeAnswer(sent)}): the server restarted and cannot yet prove a signature unused; nothing ran.${retry} Requests stay unsigned.`;
  }
  return retryAfter === undefined
    ? `Not checked (${describeAnswer(sent)}). Requests stay unsigned.`
    : `Not checked (${describeAnswer(sent)}): retry in ${retryAfter} s. Requests stay unsigned.`;
}

/**
 * Sends one signed `{ me { id } }` with `candidate` and says whether the server verified it.
 * Verified means the request got past signature verification: `me` resolved, or was refused only
 * for a missing READ scope (the signature itself verified).
 */
export async function checkSigningKey(candidate: SigningIdentity, options: KeyCheckOptions): Promise<KeyCheckResult> {
  const { signal, onRetry } = options;
  const sleep = options.sleep ?? sleepUnlessAborted;
  const now = options.now ?? Date.now;
  let sent: SentRequest | undefined;
  const fetcher = createSignedFetcher({ url: options.url, authority: options.authority, fetch: options.fetch, identity: () => candidate, onSent: (s) => (sent = s) });
  const started = now();
  let result: ExecutionResult;
  for (let attempt = 1; ; attempt++) {
    sent = undefined;
    try {
      result = await fetcher({ query: KEY_CHECK_QUERY, operationName: KEY_CHECK_OPERATION });
    } catch (error) {
      // Only here did the server not answer: the request itself failed (refused connection, offline…).
      return { verified: false, message: `Not checked: the request failed (${(error as Error).message}). Requests stay unsigned.` };
    }
    const answered: SentRequest = sent ?? { status: 0 };
    if (answered.status === 200) break;
    const delayMs = retryDelay(answered, attempt, now() - started);
    if (delayMs === undefined) return { verified: false, message: refusalMessage(candidate.keyId, answered) };
    onRetry?.({ sent: answered, delayMs, attempt: attempt + 1, maxAttempts: DEFAULT_RETRY.maxAttempts });
    if (!signal?.aborted) await sleep(delayMs, signal);
    if (signal?.aborted) return { verified: false, message: 'Not checked: cancelled.' };
  }
  const me = (result.data as { me?: { id?: unknown } | null } | null | undefined)?.me;
  if (me && typeof me.id === 'string') return { verified: true, accountId: me.id };
  const code = result.errors?.[0]?.extensions?.code;
  if (code === 'FORBIDDEN') return { verified: true, note: 'the key has no READ scope, so its account is not shown' };
  return { verified: false, message: `Not checked: the server answered without the account (${typeof code === 'string' ? code : 'no data'}). Requests stay unsigned.` };
}
