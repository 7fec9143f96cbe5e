/**
 * `sendSigned`: the SDK's retry loop for a request the caller signs itself. A refusal that ran
 * nothing (503 REPLAY_PROTECTION_RECOVERING or SHUTTING_DOWN) is signed again with a fresh
 * `created` and re-sent after the server's wait, within the bounds; anything else is the caller's.
 * Time is virtual: sleeps advance the clock, nothing waits.
 */
import { sendSigned, type SendSignedOptions } from '@signet/sdk';
import { answer, connectionReset, virtualTime } from './helpers';

/** A whole-request refusal that says nothing ran, as Signet's admission answers it (its `Date` on `nowMs`). */
function notRun(reason: 'REPLAY_PROTECTION_RECOVERING' | 'SHUTTING_DOWN', retryAfterSeconds: number, nowMs: number): Response {
  return answer(
    { errors: [{ message: 'Refused without running it; nothing ran.', extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true, reason, retryAfter: retryAfterSeconds } }] },
    503,
    { 'retry-after': String(retryAfterSeconds), date: new Date(nowMs).toUTCString() },
  );
}

const OK = { data: { me: { id: 'a' } } };

/**
 * An `attempt` that records each `created` it is asked to sign with and answers with `scripts` in
 * order (the last repeats): a function of the time the attempt is made, or an error to reject with.
 */
function scriptedAttempts(time: ReturnType<typeof virtualTime>, ...scripts: Array<((nowMs: number) => Response) | Error>) {
  const created: number[] = [];
  const attempt = jest.fn(async (signedAt: number) => {
    created.push(signedAt);
    const script = scripts[Math.min(created.length - 1, scripts.length - 1)];
    if (script instanceof Error) throw script;
    return script(time.state.now);
  });
  return { attempt, created };
}

/** `sendSigned` on `time`'s clock and sleeps, with jitter fixed. */
function options(time: ReturnType<typeof virtualTime>, more: SendSignedOptions = {}): SendSignedOptions {
  return { clock: time.clock, sleep: time.sleep, random: () => 0.5, ...more };
}

describe('sendSigned', () => {
  test('a REPLAY_PROTECTION_RECOVERING refusal is signed again with a fresh created and re-sent after Retry-After', async () => {
    const time = virtualTime();
    const { attempt, created } = scriptedAttempts(time, (now) => notRun('REPLAY_PROTECTION_RECOVERING', 1, now), () => answer(OK));
    const sent = await sendSigned(attempt, options(time));
    expect(sent).toMatchObject({ status: 200, attempts: 2, notRun: false });
    expect(JSON.parse(sent.text)).toEqual(OK);
    // The server counts Retry-After from the refused `created`: the retry's is at least that much later.
    const first = Date.UTC(2030, 0, 1) / 1000;
    expect(created).toEqual([first, first + 1]);
    expect(time.state.sleeps).toEqual([1_000]);
  });

  test('a SIGNED_WHILE_LIMITED refusal (429: nothing ran) is signed again in a later second and re-sent after Retry-After', async () => {
    const time = virtualTime();
    const limited = (now: number) => answer(
      { errors: [{ message: 'This signature was made while the account was over its request limit; nothing ran.', extensions: { code: 'RATE_LIMITED', reason: 'SIGNED_WHILE_LIMITED', retryAfter: 1 } }] },
      429,
      { 'retry-after': '1', date: new Date(now).toUTCString() },
    );
    const { attempt, created } = scriptedAttempts(time, limited, () => answer(OK));
    const sent = await sendSigned(attempt, options(time));
    expect(sent).toMatchObject({ status: 200, attempts: 2, notRun: false });
    const first = Date.UTC(2030, 0, 1) / 1000;
    expect(created).toEqual([first, first + 1]);
    expect(time.state.sleeps).toEqual([1_000]);
  });

  test('a SHUTTING_DOWN refusal is re-sent after its Retry-After', async () => {
    const time = virtualTime();
    const { attempt } = scriptedAttempts(time, (now) => notRun('SHUTTING_DOWN', 2, now), () => answer(OK));
    const sent = await sendSigned(attempt, options(time));
    expect(sent).toMatchObject({ status: 200, attempts: 2, notRun: false });
    expect(time.state.sleeps).toEqual([2_000]);
  });

  test('when the bounds run out on refusals that ran nothing, the last one is returned with notRun true', async () => {
    const time = virtualTime();
    const { attempt, created } = scriptedAttempts(time, (now) => notRun('SHUTTING_DOWN', 1, now));
    const sent = await sendSigned(attempt, options(time, { retry: { maxAttempts: 3 } }));
    // maxAttempts − 1 refusals that ran nothing are free, then maxAttempts − 1 counted retries.
    expect(sent).toMatchObject({ status: 503, attempts: 5, notRun: true });
    expect(JSON.parse(sent.text).errors[0].extensions.reason).toBe('SHUTTING_DOWN');
    expect(attempt).toHaveBeenCalledTimes(5);
    expect(new Set(created).size).toBe(5);
  });

  test('a wait longer than maxRetryAfterMs is not taken: the refusal is returned at once', async () => {
    const time = virtualTime();
    const { attempt } = scriptedAttempts(time, (now) => notRun('SHUTTING_DOWN', 60, now), () => answer(OK));
    const sent = await sendSigned(attempt, options(time, { retry: { maxRetryAfterMs: 10_000 } }));
    expect(sent).toMatchObject({ status: 503, attempts: 1, notRun: true });
    expect(time.sleep).not.toHaveBeenCalled();
  });

  test('onRetry hears of each wait before it starts: the failures counted, the budget, the delay and the reason', async () => {
    const time = virtualTime();
    const heard: unknown[] = [];
    const { attempt } = scriptedAttempts(time, (now) => notRun('REPLAY_PROTECTION_RECOVERING', 1, now), (now) => notRun('SHUTTING_DOWN', 3, now), () => answer(OK));
    const onRetry = jest.fn((info: unknown) => heard.push({ info, sleptBefore: time.state.sleeps.length }));
    await sendSigned(attempt, options(time, { onRetry }));
    expect(heard).toEqual([
      { info: { attempt: 0, maxAttempts: 5, delayMs: 1_000, reason: 'REPLAY_PROTECTION_RECOVERING' }, sleptBefore: 0 },
      { info: { attempt: 0, maxAttempts: 5, delayMs: 3_000, reason: 'SHUTTING_DOWN' }, sleptBefore: 1 },
    ]);
    expect(time.state.sleeps).toEqual([1_000, 3_000]);
  });

  test('an already-aborted signal sends nothing: it rejects with an AbortError carrying the reason', async () => {
    const time = virtualTime();
    const { attempt } = scriptedAttempts(time, () => answer(OK));
    const controller = new AbortController();
    controller.abort('user gave up');
    const error: unknown = await sendSigned(attempt, options(time, { signal: controller.signal })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AbortError', cause: 'user gave up' });
    expect(attempt).not.toHaveBeenCalled();
  });

  test('a signal aborted during a wait sends no further attempt, even with a sleep that ignores it', async () => {
    const time = virtualTime();
    const controller = new AbortController();
    const { attempt } = scriptedAttempts(time, (now) => notRun('SHUTTING_DOWN', 1, now), () => answer(OK));
    const sleep = jest.fn(async () => controller.abort());
    const error: unknown = await sendSigned(attempt, options(time, { signal: controller.signal, sleep })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(sleep).toHaveBeenCalledTimes(1);
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  test('an attempt that rejects on a retry rejects sendSigned with that very error', async () => {
    const time = virtualTime();
    const lost = connectionReset();
    const { attempt } = scriptedAttempts(time, (now) => notRun('REPLAY_PROTECTION_RECOVERING', 1, now), lost);
    await expect(sendSigned(attempt, options(time))).rejects.toBe(lost);
    expect(attempt).toHaveBeenCalledTimes(2);
  });
});
