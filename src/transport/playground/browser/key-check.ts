/**
 * Proves a pasted key before the playground says "signed": one signed `{ me { id } }` through the
 * same fetcher every later request uses. Only the server knows which key a key id names (for an
 * Ed25519 key the page has the private half and nothing to compare it with), so a verified request
 * is the proof. Browser code (runs in Node too, for the tests).
 */
import type { ExecutionResult } from 'graphql';
import { createSignedFetcher, type SentRequest, type SignedFetcherOptions, type SigningIdentity } from './signed-fetcher';

/** Name of the operation that proves a key, so it is recognisable in server logs. */
export const KEY_CHECK_OPERATION = 'SignetPlaygroundKeyCheck';

/** The operation that proves a key: `me` needs a verified signature (and READ scope). */
export const KEY_CHECK_QUERY = `query ${KEY_CHECK_OPERATION} { me { id } }`;

/** What the check found. `message` is the panel's text for a refusal. */
export type KeyCheckResult =
  | { readonly verified: true; readonly accountId?: string; readonly note?: string }
  | { readonly verified: false; readonly message: string };

/** Options of {@link checkSigningKey}: where to send the probe (as for the playground fetcher). */
export type KeyCheckOptions = Pick<SignedFetcherOptions, 'url' | 'authority' | 'fetch'>;

/** Text for a request-level refusal of the probe. */
function refusalMessage(keyId: string, sent: SentRequest): string {
  if (!sent.refusal) return `Not checked (HTTP ${sent.status}): the server did not answer the check. Requests stay unsigned.`;
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
    return `Not checked (RATE_LIMITED): too many failed attempts for this key id or address; try again ${wait}. Requests stay unsigned.`;
  }
  return `Not checked (${code}${reason ? ` ${reason}` : ''}, HTTP ${sent.status}). Requests stay unsigned.`;
}

/**
 * Sends one signed `{ me { id } }` with `candidate` and says whether the server verified it.
 * Verified means the request got past signature verification: `me` resolved, or was refused only
 * for a missing READ scope (the signature itself verified).
 */
export async function checkSigningKey(candidate: SigningIdentity, options: KeyCheckOptions): Promise<KeyCheckResult> {
  let sent: SentRequest | undefined;
  const fetcher = createSignedFetcher({ ...options, identity: () => candidate, onSent: (s) => (sent = s) });
  let result: ExecutionResult;
  try {
    result = await fetcher({ query: KEY_CHECK_QUERY, operationName: KEY_CHECK_OPERATION });
  } catch (error) {
    return { verified: false, message: `Not checked: the request failed (${(error as Error).message}). Requests stay unsigned.` };
  }
  if (!sent || sent.status !== 200) return { verified: false, message: refusalMessage(candidate.keyId, sent ?? { status: 0 }) };
  const me = (result.data as { me?: { id?: unknown } | null } | null | undefined)?.me;
  if (me && typeof me.id === 'string') return { verified: true, accountId: me.id };
  const code = result.errors?.[0]?.extensions?.code;
  if (code === 'FORBIDDEN') return { verified: true, note: 'the key has no READ scope, so its account is not shown' };
  return { verified: false, message: `Not checked: the server answered without the account (${typeof code === 'string' ? code : 'no data'}). Requests stay unsigned.` };
}
