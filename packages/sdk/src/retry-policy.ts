/**
 * How long the client waits between attempts: exponential backoff with full jitter (AWS
 * Architecture Blog, "Exponential Backoff And Jitter"), never sooner than the server asked,
 * bounded in attempts and total time, and cancellable.
 */

/** Retry bounds of a client. */
export interface RetryOptions {
  /**
   * Attempts in total, the first included (1 disables retries). Defaults to 5. A 503
   * REPLAY_PROTECTION_RECOVERING or SHUTTING_DOWN ran nothing and is not counted (at most `maxAttempts` − 1 of them).
   */
  maxAttempts: number;
  /** No attempt starts later than this many ms after the first one. Defaults to 30 000. */
  maxTotalMs: number;
  /** Backoff before retry n is a random delay up to `baseDelayMs × 2^(n-1)`. Defaults to 250. */
  baseDelayMs: number;
  /** Cap on one computed backoff (a server's `Retry-After` may be longer). Defaults to 8 000. */
  maxDelayMs: number;
  /**
   * The longest wait the server may ask for (`Retry-After`, `extensions.retryAfter`) that the client
   * will sleep: a longer one ends the retries and the answer (a 429 RATE_LIMITED, say) is returned
   * at once. Defaults to Infinity (only `maxTotalMs` bounds it).
   */
  maxRetryAfterMs: number;
}

/** The defaults: a few attempts within 30 s, which fits the server's 30 s signature window. */
export const DEFAULT_RETRY: Readonly<RetryOptions> = Object.freeze({ maxAttempts: 5, maxTotalMs: 30_000, baseDelayMs: 250, maxDelayMs: 8_000, maxRetryAfterMs: Infinity });

/** Merges overrides onto the defaults; refuses bounds that would retry forever or not at all. */
export function resolveRetry(overrides: Partial<RetryOptions> = {}): RetryOptions {
  const policy = { ...DEFAULT_RETRY, ...overrides };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) throw new RangeError('retry.maxAttempts must be an integer >= 1');
  for (const name of ['maxTotalMs', 'baseDelayMs', 'maxDelayMs'] as const) {
    if (!Number.isFinite(policy[name]) || policy[name] < 0) throw new RangeError(`retry.${name} must be a finite number >= 0`);
  }
  if (typeof policy.maxRetryAfterMs !== 'number' || !(policy.maxRetryAfterMs >= 0)) throw new RangeError('retry.maxRetryAfterMs must be a number >= 0 (Infinity for no cap)');
  return policy;
}

/**
 * Backoff before retry number `retry` (1 for the first retry): uniform in [0, min(cap, base·2^(retry-1))).
 * Full jitter spreads a crowd of clients that failed together, so they do not retry together.
 */
export function backoffDelay(policy: RetryOptions, retry: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(ceiling * r);
}

/** A transient failure as the retry bounds see it. */
export interface RetryableFailure {
  /** The least the server asked to wait (`Retry-After`), in ms. */
  retryAfterMs?: number;
  /** The server ran nothing and the condition passes by itself (REPLAY_PROTECTION_RECOVERING, SHUTTING_DOWN). */
  notRun?: boolean;
  /**
   * The same key is executing elsewhere (IDEMPOTENCY_IN_PROGRESS): waiting is how its outcome is
   * learnt, and it can take as long as the server's lease on the key when the process running it
   * died (10 s). Not counted against `maxAttempts` at all; `maxTotalMs` bounds it.
   */
  waiting?: boolean;
}

/** The shortest wait before asking again about a key in progress: the server's own poll hint (1 s). */
const IN_PROGRESS_MIN_WAIT_MS = 1_000;

/** One logical call's retries, counted against a policy. */
export interface RetryBudget {
  /**
   * Whether another attempt may start after this failure, and after how long: never sooner than
   * the server asked, undefined once the attempts or the total time are spent or the server asks
   * for a longer wait than `maxRetryAfterMs`. A `notRun` failure does not use up an attempt (at
   * most `maxAttempts` − 1 of them are free, so a server that keeps refusing is not hammered), nor
   * does a `waiting` one (only `maxTotalMs` bounds those, at one every second or more).
   * A retry it allows is counted; `attempt` is the failed attempts counted so far.
   */
  next(failure: RetryableFailure): { attempt: number; delayMs: number } | undefined;
}

/** The retries of one logical call that starts now (by `clock`), with `random` for the backoff's jitter. */
export function createRetryBudget(policy: RetryOptions, clock: () => number, random: () => number): RetryBudget {
  const started = clock();
  /** Failed attempts counted against maxAttempts. */
  let failures = 0;
  /** Waits taken, for the backoff's exponent; `uncounted` of them after a refusal that ran nothing. */
  let waits = 0;
  let uncounted = 0;
  return {
    next({ retryAfterMs, notRun, waiting }) {
      // A wait the caller will not take: the answer is theirs now (a 429 RATE_LIMITED, say).
      if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) return undefined;
      const free = waiting === true || (notRun === true && uncounted < policy.maxAttempts - 1);
      const counted = free ? failures : failures + 1;
      // A wait on a key in progress is never shorter than the server's poll hint, even without one: uncounted waits must not spin.
      const delayMs = Math.max(backoffDelay(policy, waits + 1, random), retryAfterMs ?? 0, waiting === true ? IN_PROGRESS_MIN_WAIT_MS : 0);
      if (counted >= policy.maxAttempts || clock() - started + delayMs > policy.maxTotalMs) return undefined;
      failures = counted;
      waits += 1;
      if (free && waiting !== true) uncounted += 1;
      return { attempt: failures, delayMs };
    },
  };
}

/** The error an aborted request rejects with: a DOMException named `AbortError`, as `fetch` uses. */
export function abortError(signal?: AbortSignal): Error {
  const error = new DOMException('The request was aborted.', 'AbortError');
  // Keep the caller's reason reachable without changing the error's type.
  if (signal?.reason !== undefined) Object.defineProperty(error, 'cause', { value: signal.reason });
  return error;
}

/**
 * The signal one attempt runs under: the caller's, and a timer when `timeoutMs` is finite and
 * positive. `timedOut()` tells an expired attempt (a transient failure) from the caller's abort.
 */
export function attemptSignal(signal: AbortSignal | undefined, timeoutMs: number): { signal?: AbortSignal; timedOut(): boolean } {
  if (!(timeoutMs > 0 && Number.isFinite(timeoutMs))) return { signal, timedOut: () => false };
  const timer = AbortSignal.timeout(timeoutMs);
  return { signal: signal ? AbortSignal.any([signal, timer]) : timer, timedOut: () => timer.aborted && !signal?.aborted };
}

/** Waits `ms`, or rejects with an AbortError as soon as `signal` aborts (the timer is cleared). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Parses `Retry-After` (delta-seconds or an HTTP date) into ms from `now`; undefined when absent or bad. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
