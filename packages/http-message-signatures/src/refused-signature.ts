/**
 * A signed request refused before its nonce was claimed (its source known to be blocked, its
 * `created` ahead of our clock, a header its signature does not cover, our key store down) must
 * still never run later from its captured bytes, from any address. This reads, without
 * verifying, the nonce such a request would claim and how long it must stay claimed, so the
 * caller can claim it anyway. Claiming a nonce of a request we did not verify is harmless:
 * nonces are random, and a client signs each request with a fresh one.
 */
import { CLAIM_LANDING_MARGIN_MS, DEFAULT_FUTURE_SKEW_SECONDS } from './constants';
import type { NonceClaimRequest } from './nonce-store';
import { parseSignatureFields } from './signature-headers';
import type { SignedRequestParts } from './types';

/** The claim that retires a refused request's signature. */
export interface SignatureToRetire {
  readonly keyId: string;
  readonly nonce: string;
  readonly claim: NonceClaimRequest;
}

/**
 * What to claim so that the refused request's signature never passes later, or undefined when
 * it never can anyway (no strictly parseable signature, or `created` already too old for every
 * verifier of the store: older than `nonceRetentionSeconds`, which defaults to `maxAgeSeconds`
 * and must be the verifiers' own, see VerifierOptions). A signature created ahead of the clock is
 * held until it would go stale, but at most the retention plus the skew ahead: a client that far
 * off is refused until it corrects its clock.
 */
export function signatureToRetire(
  headers: SignedRequestParts['headers'], nowMs: number, maxAgeSeconds: number, nonceRetentionSeconds = maxAgeSeconds,
): SignatureToRetire | undefined {
  const retentionSeconds = Math.max(maxAgeSeconds, nonceRetentionSeconds);
  const input = headers['signature-input'];
  const signature = headers['signature'];
  if (typeof input !== 'string' || typeof signature !== 'string') return undefined;
  const parsed = parseSignatureFields(input, signature);
  if (!parsed.ok) return undefined;
  const { keyId, nonce, created } = parsed.signature;
  const skewMs = DEFAULT_FUTURE_SKEW_SECONDS * 1000;
  const staleAtMs = created * 1000 + retentionSeconds * 1000;
  if (staleAtMs <= nowMs || created * 1000 > nowMs + retentionSeconds * 1000 + skewMs) return undefined;
  // Retiring proves nothing unseen, it only uses the nonce up, so it is written whatever the store
  // holds:
  // - claimed as of now (plus the skew allowed between the clocks of a store's processes), so a
  //   store complete only since a recent loss records it too. Claimed as of its `created`, it was
  //   `unproven` there and nothing was written: a key created after the loss would later verify
  //   the same bytes (their claim reaches back only to the key's creation) and run them;
  // - answering to none of its key's floors: nobody has classified these bytes, and a floor stands
  //   only for requests of one class. Refused as `superseded` here (nothing written), the same
  //   bytes could later be a request of another class, which that floor does not stop, and run.
  // - held as a verified claim is, the landing margin included: the same bytes verified later
  //   must find it while their own claim is on its way.
  return { keyId, nonce, claim: { ttlMs: staleAtMs - nowMs + skewMs + CLAIM_LANDING_MARGIN_MS, notBeforeMs: nowMs + skewMs, createdMs: created * 1000, floor: null } };
}
