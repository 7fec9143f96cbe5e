/**
 * The signing panel's texts, as plain functions so the tests can pin them without a DOM: what the
 * key state is, and what the last request the user ran did.
 */
import type { SignetAlgorithm } from '@signet/sdk';
import type { Refusal, SentRequest } from './signed-fetcher';

/** A key check about to try again: the refusal it got, how long it waits, and which attempt comes next. */
export interface KeyCheckRetry {
  readonly sent: SentRequest;
  readonly delayMs: number;
  /** The attempt that follows the wait (2 for the first retry). */
  readonly attempt: number;
  readonly maxAttempts: number;
}

/** Where the signing key stands: only `signed` means requests are signed, and only after the server verified one. */
export type KeyState =
  | { readonly kind: 'none' }
  /** `retry`: the last answer was a passing refusal, and the check tries again after its Retry-After. */
  | { readonly kind: 'checking'; readonly keyId: string; readonly retry?: KeyCheckRetry }
  | { readonly kind: 'refused'; readonly keyId: string; readonly message: string }
  | { readonly kind: 'signed'; readonly keyId: string; readonly alg: SignetAlgorithm; readonly accountId?: string; readonly note?: string; readonly publicKey?: string };

/** The key status line. */
export function describeKeyState(state: KeyState): string {
  switch (state.kind) {
    case 'none':
      return 'Unsigned: public fields (markets, serverTime) only. Paste a key to sign requests in this browser; it is never stored or sent.';
    case 'checking': {
      const waiting = state.retry;
      if (!waiting) return `Checking key ${state.keyId} with one signed { me { id } }… Requests stay unsigned until the server verifies it.`;
      return `Checking key ${state.keyId}: the server answered ${describeAnswer(waiting.sent)}; trying again in ${Math.ceil(waiting.delayMs / 1000)} s `
        + `(attempt ${waiting.attempt} of ${waiting.maxAttempts}). Requests stay unsigned until the server verifies it.`;
    }
    case 'refused':
      return state.message;
    case 'signed': {
      const who = state.accountId ? `account ${state.accountId}` : state.note ?? 'verified';
      return `Signed as ${state.keyId} (${who}; ${state.alg}): every request is signed in this browser, mutations get a fresh Idempotency-Key. The key stays in this page's memory.`;
    }
  }
}

/**
 * What a new key attempt that failed before reaching the server leaves: a key that still signs
 * stays named (a bad paste does not unload it); anything else belonged to an earlier attempt, maybe
 * for another key id, and must not stand next to this attempt's problem.
 */
export function afterPasteProblem(state: KeyState): KeyState {
  return state.kind === 'signed' ? state : { kind: 'none' };
}

/** `CODE (REASON)`, as the status line and the key check name a refusal. */
export function refusalName(refusal: Refusal): string {
  return `${refusal.code}${refusal.reason ? ` (${refusal.reason})` : ''}`;
}

/** `HTTP 503 SERVICE_UNAVAILABLE (REPLAY_PROTECTION_RECOVERING)`, or just the status when no code came with it. */
export function describeAnswer(sent: Pick<SentRequest, 'status' | 'refusal'>): string {
  return sent.refusal ? `HTTP ${sent.status} ${refusalName(sent.refusal)}` : `HTTP ${sent.status}`;
}

/** The last-request line; there is none until the user has run something. */
export function describeSent(sent: SentRequest): string {
  const parts = [sent.keyId ? `signed as ${sent.keyId}` : 'unsigned'];
  if (sent.idempotencyKey) parts.push(`Idempotency-Key ${sent.idempotencyKey}`);
  if (sent.status === 0) parts.push(`failed: ${sent.problem ?? 'no answer'}`);
  else parts.push(describeAnswer(sent));
  if (sent.refusal?.retryAfter !== undefined) parts.push(`retry in ${sent.refusal.retryAfter} s`);
  // A replay did not execute: say so first-class, or a user retrying would think an order was placed twice.
  if (sent.replayed) parts.push('replay of an earlier request with this Idempotency-Key: the stored outcome, nothing ran again');
  return `Last request: ${parts.join(' · ')}`;
}
