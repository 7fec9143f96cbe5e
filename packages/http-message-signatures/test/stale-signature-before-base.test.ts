/**
 * Freshness is decided from the parsed parameters before the signature base is built: a stale
 * signature, which can never pass, gets none of the base's work (every covered header read,
 * checked and trimmed), whatever its covered headers hold.
 */
import { REQUIRED_COMPONENTS, type SignedRequestParts } from '../src';
import { ED25519, NOW_S, finishingWithin, setup, setupDeferred, signedRequest, type SignedRequestFixture } from './helpers';

const COVERING_PAD = [...REQUIRED_COMPONENTS, 'x-pad'];
const EXPIRED = { status: 'rejected', reason: 'SIGNATURE_EXPIRED', keyId: ED25519.keyId } as const;

/** A request whose signature covers `x-pad`, with `x-pad` counting how often it is read. */
function paddedRequestCountingReads(fixture: SignedRequestFixture = {}): { req: SignedRequestParts; reads: () => number } {
  const req = signedRequest({ components: COVERING_PAD, headers: { 'x-pad': 'pad' }, ...fixture });
  let reads = 0;
  Object.defineProperty(req.headers, 'x-pad', { enumerable: true, get: () => (reads++, 'pad') });
  return { req, reads: () => reads };
}

/** A request whose signature covers `x-pad`, sent with `value` there instead of what was signed. */
function paddedRequestSending(value: string, fixture: SignedRequestFixture = {}): SignedRequestParts {
  return signedRequest({ components: COVERING_PAD, headers: { 'x-pad': 'a a' }, edit: { 'x-pad': value }, ...fixture });
}

describe('a stale signature is refused before its base is built', () => {
  it.each([
    ['created 31 s ago', { created: NOW_S - 31 }],
    ['created 10 s ahead', { created: NOW_S + 10 }],
    ['whose expires has passed', { created: NOW_S - 10, expires: NOW_S - 1 }],
  ])('a signature %s never has its covered headers read', async (_label, fixture) => {
    const { verify, resolveKey, claimNonce } = setup();
    const { req, reads } = paddedRequestCountingReads(fixture);
    await expect(verify(req)).resolves.toEqual(EXPIRED);
    expect(reads()).toBe(0);
    expect(resolveKey).not.toHaveBeenCalled();
    expect(claimNonce).not.toHaveBeenCalled();
  });

  it('so does the deferred-claim verifier', async () => {
    const { verify } = setupDeferred();
    const { req, reads } = paddedRequestCountingReads({ created: NOW_S - 31 });
    await expect(verify(req)).resolves.toEqual(EXPIRED);
    expect(reads()).toBe(0);
  });

  it('a fresh signature does have them read, and verifies (the counting above is not vacuous)', async () => {
    const { verify } = setup();
    const { req, reads } = paddedRequestCountingReads();
    await expect(verify(req)).resolves.toMatchObject({ status: 'verified' });
    expect(reads()).toBeGreaterThan(0);
  });

  it('a covered header that is absent is SIGNATURE_EXPIRED when stale, MALFORMED_SIGNATURE when fresh', async () => {
    const { verify } = setup();
    const withoutPad = { components: COVERING_PAD, headers: { 'x-pad': 'pad' }, edit: { 'x-pad': undefined } };
    await expect(verify(signedRequest({ ...withoutPad, created: NOW_S - 31 }))).resolves.toEqual(EXPIRED);
    await expect(verify(signedRequest(withoutPad))).resolves.toEqual({ status: 'rejected', reason: 'MALFORMED_SIGNATURE', detail: 'covered field "x-pad" is absent from the request' });
  });
});

// The base is built synchronously inside verify(), so the bound covers it; what follows (digest,
// crypto) is awaited outside. A backtracking trim took minutes on a million interior spaces.
describe('a covered header of a million interior spaces', () => {
  const padding = `a${' '.repeat(1_000_000)}a`;

  it('is refused at once as SIGNATURE_EXPIRED on a stale signature', async () => {
    const { verify } = setup();
    const req = paddedRequestSending(padding, { created: NOW_S - 31 });
    await expect(finishingWithin(5_000, () => verify(req))).resolves.toEqual(EXPIRED);
  });

  it('is built into the base at once on a fresh signature, which then fails to verify', async () => {
    const { verify, claimNonce } = setup();
    const req = paddedRequestSending(padding);
    await expect(finishingWithin(5_000, () => verify(req))).resolves.toEqual({ status: 'rejected', reason: 'SIGNATURE_INVALID', keyId: ED25519.keyId });
    expect(claimNonce).not.toHaveBeenCalled();
  });
});
