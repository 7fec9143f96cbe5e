/**
 * The signing panel's texts, as plain functions so the tests can pin them without a DOM: what the
 * key state is, and what the last request the user ran did.
 */
import type { SignetAlgorithm } from '@signet/sdk';
import type { SentRequest } from './signed-fetcher';

/** Where the signing key stands: only `signed` means requests are signed, and only after the server verified one. */
export type KeyState =
  | { readonly kind: 'none' }
  | { readonly kind: 'checking'; readonly keyId: string }
  | { readonly kind: 'refused'; readonly keyId: string; readonly message: string }
  | { readonly kind: 'signed'; readonly keyId: string; readonly alg: SignetAlgorithm; readonly accountId?: string; readonly note?: string; readonly publicKey?: string };

/** The key status line. */
export function describeKeyState(state: KeyState): string {
  switch (state.kind) {
    case 'none':
      return 'Unsigned: public fields (markets, serverTime) only. Paste a key to sign requests in this browser; it is never stored or sent.';
    case 'checking':
      return `Checking key ${state.keyId} with one signed { me { id } }… Requests stay unsigned until the server verifies it.`;
    case 'refused':
      return state.message;
    case 'signed': {
      const who = state.accountId ? `account ${state.accountId}` : state.note ?? 'verified';
      return `Signed as ${state.keyId} (${who}; ${state.alg}): every request is signed in this browser, mutations get a fresh Idempotency-Key. The key stays in this page's memory.`;
    }
  }
}

/** The last-request line; there is none until the user has run something. */
export function describeSent(sent: SentRequest): string {
  const parts = [sent.keyId ? `signed as ${sent.keyId}` : 'unsigned'];
  if (sent.idempotencyKey) parts.push(`Idempotency-Key ${sent.idempotencyKey}`);
  if (sent.status === 0) parts.push(`failed: ${sent.problem ?? 'no answer'}`);
  else if (sent.refusal) parts.push(`HTTP ${sent.status} ${sent.refusal.code}${sent.refusal.reason ? ` (${sent.refusal.reason})` : ''}`);
  else parts.push(`HTTP ${sent.status}`);
  // A replay did not execute: say so first-class, or a user retrying would think an order was placed twice.
  if (sent.replayed) parts.push('replay of an earlier request with this Idempotency-Key: the stored outcome, nothing ran again');
  return `Last request: ${parts.join(' · ')}`;
}
