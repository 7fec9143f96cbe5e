/**
 * Sending a request its caller builds and signs itself (the CLI's `call` sends a GraphQL document
 * exactly as given, which `request()` cannot), with the retries every signed request needs and
 * `request()` makes: a refusal that ran nothing (503 REPLAY_PROTECTION_RECOVERING or
 * SHUTTING_DOWN) is signed again on the server's clock (learned from its `Date`) and re-sent after
 * the wait the server asks for, within the retry bounds; a SIGNATURE_EXPIRED that shows the clock
 * off is signed again once. Every other answer, and every failure to get one, is the caller's.
 */
import type { SignetRetryInfo } from './client';
import { judge, readResponse } from './response';
import { abortError, createRetryBudget, resolveRetry, sleep as realSleep, type RetryOptions } from './retry-policy';
import { createServerClock } from './server-clock';

/** Timing of {@link sendSigned}: as the client's options, with the same defaults. */
export interface SendSignedOptions {
  /** Milliseconds since the epoch; defaults to `Date.now`. */
  clock?: () => number;
  /** Uniform [0, 1) source for backoff jitter; defaults to `Math.random`. */
  random?: () => number;
  /** Waits between attempts; defaults to a timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Retry bounds; see {@link RetryOptions} for the defaults. */
  retry?: Partial<RetryOptions>;
  /** Aborting rejects with an AbortError before the next attempt is sent or during a wait between attempts (an attempt in flight is the caller's to abort). */
  signal?: AbortSignal;
  /** Called before each wait between attempts. */
  onRetry?(info: SignetRetryInfo): void;
}

/** The last answer {@link sendSigned} got. */
export interface SignedAnswer {
  status: number;
  headers: Headers;
  /** The body as received. */
  text: string;
  /** Sends made. */
  attempts: number;
  /** The answer is still a refusal that ran nothing (503 REPLAY_PROTECTION_RECOVERING or SHUTTING_DOWN): the bounds ran out. */
  notRun: boolean;
}

/**
 * Sends `attempt(created)`, where `created` is the signature's `created` in seconds on the server's
 * clock and every call must sign afresh (a new nonce: the server refuses one it has seen), until
 * the answer is not a refusal that ran nothing or the bounds are spent. A rejection of `attempt`
 * (a network failure) rejects as it is: only the caller knows what it may have started.
 */
export async function sendSigned(attempt: (created: number) => Promise<Response>, options: SendSignedOptions = {}): Promise<SignedAnswer> {
  const clock = options.clock ?? Date.now;
  const wait = options.sleep ?? realSleep;
  const policy = resolveRetry(options.retry);
  const serverClock = createServerClock(clock);
  const budget = createRetryBudget(policy, clock, options.random ?? Math.random);
  let skewCorrected = false;
  for (let attempts = 1; ; attempts += 1) {
    // Nothing is sent once the caller has given up, not even the first attempt.
    if (options.signal?.aborted) throw abortError(options.signal);
    const created = Math.floor(serverClock.now() / 1000);
    const answer = await readResponse(await attempt(created));
    serverClock.follow(answer);
    const verdict = serverClock.untilCreatedAdvances(judge(answer, clock()), created * 1000);
    if (verdict.kind === 'skew' && !skewCorrected) {
      // A 401 means nothing ran: signed once more on the server's clock.
      skewCorrected = true;
      serverClock.adopt(verdict.serverTimeMs);
      continue;
    }
    const notRun = verdict.kind === 'transient' && verdict.notRun === true;
    if (verdict.kind === 'transient' && notRun) {
      const retry = budget.next(verdict);
      if (retry) {
        options.onRetry?.({ attempt: retry.attempt, maxAttempts: policy.maxAttempts, delayMs: retry.delayMs, reason: verdict.reason });
        await wait(retry.delayMs, options.signal);
        continue;
      }
    }
    return { status: answer.status, headers: answer.headers, text: answer.text, attempts, notRun };
  }
}
