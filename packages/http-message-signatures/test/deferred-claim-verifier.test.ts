/**
 * The deferred-claim verifier (the server's admission path claims the nonce) can never be mistaken
 * for a verified request, at run time or in the types; the claiming verifier cannot be built without
 * a nonce store.
 */
import {
  createDeferredClaimVerifier,
  createSignatureVerifier,
  type DeferredVerificationResult,
  type VerificationResult,
} from '../src';
import { nodeCrypto } from '../src/node';
import { AUTHORITY, ED25519, HMAC, NOW_MS, NOW_S, setupDeferred, signedRequest } from './helpers';

describe('the deferred-claim verifier', () => {
  it('answers unclaimed with the claim to make: the nonce, how long to keep it and how far back it reaches', async () => {
    const { verify } = setupDeferred();
    const req = signedRequest({ nonce: 'nonce-claimed-by-the-caller-01' });
    await expect(verify(req)).resolves.toEqual({
      status: 'unclaimed',
      keyId: ED25519.keyId,
      accountId: 'acct-ed',
      scopes: ['TRADE'],
      created: NOW_S,
      claim: { keyId: ED25519.keyId, nonce: 'nonce-claimed-by-the-caller-01', ttlMs: 40_000, notBeforeMs: NOW_S * 1000 - 5_000, createdMs: NOW_S * 1000, claimByMs: NOW_S * 1000 + 35_000 },
    });
    // Nothing was claimed here: the same bytes pass again, and only the caller's claim decides.
    await expect(verify(req)).resolves.toMatchObject({ status: 'unclaimed' });
  });

  it('never answers verified, for good, replayed, bad or unsigned requests', async () => {
    const { verify, clock } = setupDeferred();
    const good = signedRequest();
    const requests = [
      good,
      good,
      signedRequest({ key: 'hmac' }),
      { ...good, headers: { ...good.headers, signature: `sig1=:${Buffer.alloc(64, 7).toString('base64')}:` } },
      { ...good, headers: { host: AUTHORITY } },
    ];
    const statuses = [];
    for (const req of requests) statuses.push((await verify(req)).status);
    clock.now = NOW_MS + 60_000;
    statuses.push((await verify(good)).status);
    expect(statuses).toEqual(['unclaimed', 'unclaimed', 'unclaimed', 'rejected', 'absent', 'rejected']);
    expect(statuses).not.toContain('verified');
  });

  it('is refused a nonce store: one given here would silently go unused', () => {
    const options = { crypto: nodeCrypto, authority: AUTHORITY, maxAgeSeconds: 30, now: () => NOW_MS, resolveKey: async () => null };
    // @ts-expect-error the deferred verifier takes no nonce store
    expect(() => createDeferredClaimVerifier({ ...options, nonces: { claim: jest.fn() } })).toThrow('takes no nonce store');
    // @ts-expect-error the former optional claimer is gone
    expect(() => createDeferredClaimVerifier({ ...options, claimNonce: jest.fn() })).toThrow('takes no nonce store');
  });

  it('cannot be mistaken for a verified result by the types', async () => {
    const { verify } = setupDeferred();
    const result: DeferredVerificationResult = await verify(signedRequest({ key: 'hmac' }));
    // @ts-expect-error an unclaimed result is not a VerificationResult: it carries no proof the nonce is unseen
    const misused: VerificationResult = result;
    // @ts-expect-error the deferred verifier has no 'verified' status to check for
    expect(result.status === 'verified').toBe(false);
    expect(misused).toMatchObject({ status: 'unclaimed', keyId: HMAC.keyId });
  });
});

describe('the claiming verifier', () => {
  it('cannot be built without a nonce store', () => {
    const options = { crypto: nodeCrypto, authority: AUTHORITY, maxAgeSeconds: 30, now: () => NOW_MS, resolveKey: async () => null };
    // @ts-expect-error nonces is required
    expect(() => createSignatureVerifier(options)).toThrow('nonces.claim is required');
    // @ts-expect-error a store without claim is no store
    expect(() => createSignatureVerifier({ ...options, nonces: {} })).toThrow('nonces.claim is required');
  });
});
