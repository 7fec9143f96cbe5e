/**
 * The verifier's behaviour on well-formed requests: acceptance, freshness, body binding, keys,
 * algorithm confusion, replay, and failures of its own dependencies.
 */
import { createMemoryNonceStore } from '../src/memory-nonce-store';
import { createHmac } from 'node:crypto';
import { computeContentDigest, signRequest } from '../src';
import { nodeCrypto } from '../src/node';
import { AUTHORITY, BODY, ED25519, HMAC, NOW_MS, NOW_S, setup, signedRequest } from './helpers';

afterEach(() => jest.restoreAllMocks());

describe('a correctly signed request', () => {
  it('is verified with an ed25519 key, and its nonce is claimed once for window + skew', async () => {
    const { verify, claimNonce } = setup();
    const req = signedRequest({ nonce: 'nonce-ed25519-0000000001' });
    await expect(verify(req)).resolves.toEqual({
      status: 'verified',
      keyId: ED25519.keyId,
      accountId: 'acct-ed',
      scopes: ['TRADE'],
      created: NOW_S,
      nonce: 'nonce-ed25519-0000000001',
      // created + max age (30 s) + skew (5 s) + the claim's landing margin (5 s), from NOW.
      nonceTtlMs: 40_000,
      // A previous use of these bytes can only have been claimed from `created` minus the skew on.
      notBeforeMs: NOW_S * 1000 - 5_000,
    });
    expect(claimNonce).toHaveBeenCalledTimes(1);
    expect(claimNonce).toHaveBeenCalledWith(ED25519.keyId, 'nonce-ed25519-0000000001', { ttlMs: 40_000, notBeforeMs: NOW_S * 1000 - 5_000, createdMs: NOW_S * 1000 });
  });

  it('holds its nonce until created + max age + skew, so a process whose clock is up to the skew behind never finds it free while it still takes the signature as fresh', async () => {
    const { verify, claimNonce } = setup();
    // Signed 4 s ahead of this clock: a process 3 s behind takes it as fresh until NOW + 37 s (each
    // claim held the 5 s landing margin longer).
    await expect(verify(signedRequest({ created: NOW_S + 4, nonce: 'nonce-ahead-000000000001' }))).resolves.toMatchObject({ status: 'verified', nonceTtlMs: 44_000 });
    // Signed 20 s ago: fresh here for 10 s more, on a process 5 s behind for 15 s.
    await expect(verify(signedRequest({ created: NOW_S - 20, nonce: 'nonce-behind-00000000001' }))).resolves.toMatchObject({ status: 'verified', nonceTtlMs: 20_000 });
    expect(claimNonce.mock.calls.map(([, , claim]) => claim.ttlMs)).toEqual([44_000, 20_000]);
  });

  it('is verified with an hmac-sha256 key', async () => {
    const { verify } = setup();
    await expect(verify(signedRequest({ key: 'hmac' }))).resolves.toMatchObject({
      status: 'verified',
      keyId: HMAC.keyId,
      accountId: 'acct-hmac',
      scopes: ['READ', 'TRANSFER'],
    });
  });

  it('is verified with a sha-512 Content-Digest', async () => {
    const { verify } = setup();
    await expect(verify(signedRequest({ digestAlgorithm: 'sha-512' }))).resolves.toMatchObject({ status: 'verified' });
  });

  it('is verified when the digest also lists a deprecated algorithm next to sha-256', async () => {
    const { verify } = setup();
    const digest = `md5=:${Buffer.alloc(16).toString('base64')}:, ${computeContentDigest(nodeCrypto, BODY)}`;
    await expect(verify(signedRequest({ headers: { 'content-digest': digest } }))).resolves.toMatchObject({ status: 'verified' });
  });

  it('is verified with an optional expires, alg and tag, and extra covered headers', async () => {
    const { verify } = setup();
    const req = signedRequest({
      expires: NOW_S + 60,
      alg: 'ed25519',
      tag: 'signet',
      components: ['@method', '@authority', '@path', 'content-digest', 'content-type', '@target-uri'],
      headers: { 'content-type': 'application/json' },
    });
    await expect(verify(req)).resolves.toMatchObject({ status: 'verified' });
  });

  it('is verified when its query is covered by @query', async () => {
    const { verify } = setup();
    await expect(verify(signedRequest({ query: 'op=placeOrder&x=%20' }))).resolves.toMatchObject({ status: 'verified' });
  });

  it('ignores the Host header: @authority is always the configured public authority', async () => {
    const { verify } = setup();
    const req = signedRequest({ edit: { host: 'evil.example' } });
    await expect(verify(req)).resolves.toMatchObject({ status: 'verified' });
  });

  it('is answered "absent" when it carries neither Signature nor Signature-Input', async () => {
    const { verify, resolveKey } = setup();
    const req = signedRequest({ edit: { signature: undefined, 'signature-input': undefined } });
    await expect(verify(req)).resolves.toEqual({ status: 'absent' });
    expect(resolveKey).not.toHaveBeenCalled();
  });
});

describe('body binding (Content-Digest over the raw bytes)', () => {
  it('rejects a tampered body whose digest was left unchanged as DIGEST_MISMATCH, before any key lookup', async () => {
    const { verify, resolveKey, claimNonce } = setup();
    const req = signedRequest({ sentBody: BODY.replace('BTC', 'ETH') });
    await expect(verify(req)).resolves.toEqual({ status: 'rejected', reason: 'DIGEST_MISMATCH', keyId: ED25519.keyId });
    expect(resolveKey).not.toHaveBeenCalled();
    expect(claimNonce).not.toHaveBeenCalled();
  });

  it('rejects a tampered body with a recomputed digest but the old signature as SIGNATURE_INVALID', async () => {
    const { verify, claimNonce } = setup();
    const forged = BODY.replace('BTC', 'ETH');
    const req = signedRequest({ sentBody: forged, edit: { 'content-digest': computeContentDigest(nodeCrypto, forged) } });
    await expect(verify(req)).resolves.toEqual({ status: 'rejected', reason: 'SIGNATURE_INVALID', keyId: ED25519.keyId });
    expect(claimNonce).not.toHaveBeenCalled();
  });

  it('treats a digest listing only deprecated algorithms (md5, sha) as DIGEST_MISMATCH: it binds nothing', async () => {
    const { verify } = setup();
    for (const digest of [`md5=:${Buffer.alloc(16).toString('base64')}:`, `sha=:${Buffer.alloc(20).toString('base64')}:`]) {
      const req = signedRequest({ headers: { 'content-digest': digest } });
      await expect(verify(req)).resolves.toMatchObject({ status: 'rejected', reason: 'DIGEST_MISMATCH' });
    }
  });

  it('rejects a digest of the right algorithm but wrong length as DIGEST_MISMATCH', async () => {
    const { verify } = setup();
    const req = signedRequest({ headers: { 'content-digest': `sha-256=:${Buffer.alloc(16).toString('base64')}:` } });
    await expect(verify(req)).resolves.toMatchObject({ status: 'rejected', reason: 'DIGEST_MISMATCH' });
  });

  it('rejects when one of two listed digests does not match', async () => {
    const { verify } = setup();
    const digest = `${computeContentDigest(nodeCrypto, BODY)}, ${computeContentDigest(nodeCrypto, 'other', 'sha-512')}`;
    await expect(verify(signedRequest({ headers: { 'content-digest': digest } }))).resolves.toMatchObject({
      reason: 'DIGEST_MISMATCH',
    });
  });

  it('rejects a Content-Digest that is not a dictionary of byte sequences, or repeats an algorithm, as malformed', async () => {
    const { verify } = setup();
    const good = computeContentDigest(nodeCrypto, BODY);
    for (const digest of ['sha-256=abc', 'sha-256', 'not a dictionary', `${good}, ${good}`, `${good};p=1`]) {
      const req = signedRequest({ headers: { 'content-digest': digest } });
      await expect(verify(req)).resolves.toEqual({ status: 'rejected', reason: 'MALFORMED_SIGNATURE', detail: expect.any(String) });
    }
  });
});

describe('freshness (maxAge 30 s, future skew 5 s)', () => {
  it.each([
    ['exactly 30 s old', NOW_S - 30],
    ['5 s in the future', NOW_S + 5],
  ])('accepts a signature created %s', async (_label, created) => {
    const { verify } = setup();
    await expect(verify(signedRequest({ created }))).resolves.toMatchObject({ status: 'verified' });
  });

  it.each([
    ['31 s ago', NOW_S - 31],
    ['10 s in the future', NOW_S + 10],
    ['6 s in the future', NOW_S + 6],
  ])('rejects a signature created %s as SIGNATURE_EXPIRED, without looking up the key or claiming the nonce', async (_l, created) => {
    const { verify, resolveKey, claimNonce } = setup();
    await expect(verify(signedRequest({ created }))).resolves.toEqual({
      status: 'rejected',
      reason: 'SIGNATURE_EXPIRED',
      keyId: ED25519.keyId,
    });
    expect(resolveKey).not.toHaveBeenCalled();
    expect(claimNonce).not.toHaveBeenCalled();
  });

  it('rejects a signature whose expires has passed (or is now)', async () => {
    const { verify } = setup();
    for (const expires of [NOW_S - 1, NOW_S]) {
      await expect(verify(signedRequest({ created: NOW_S - 10, expires }))).resolves.toMatchObject({ reason: 'SIGNATURE_EXPIRED' });
    }
  });

  it('rejects a signature that expires before it was created', async () => {
    const { verify } = setup();
    await expect(verify(signedRequest({ created: NOW_S + 3, expires: NOW_S + 2 }))).resolves.toMatchObject({
      reason: 'SIGNATURE_EXPIRED',
    });
  });

  it('does not claim the nonce of a request that went stale while its key was being looked up', async () => {
    const { verify, resolveKey, claimNonce, clock, keys } = setup();
    resolveKey.mockImplementationOnce(async (keyId) => {
      clock.now += 31_000;
      return keys.get(keyId) ?? null;
    });
    await expect(verify(signedRequest())).resolves.toMatchObject({ reason: 'SIGNATURE_EXPIRED' });
    expect(claimNonce).not.toHaveBeenCalled();
  });

  it('honours a configured future skew', async () => {
    const { verify } = setup({ futureSkewSeconds: 0 });
    await expect(verify(signedRequest({ created: NOW_S + 1 }))).resolves.toMatchObject({ reason: 'SIGNATURE_EXPIRED' });
  });

  it('with no future skew, a signature exactly maxAge old verifies and its nonce stays claimed (it was claimed for 0 ms, which the store refused)', async () => {
    const { verify } = setup({ futureSkewSeconds: 0 });
    const req = signedRequest({ created: NOW_S - 30 });
    await expect(verify(req)).resolves.toMatchObject({ status: 'verified' });
    await expect(verify(req)).resolves.toMatchObject({ reason: 'NONCE_REUSED' });
  });
});

describe('keys and algorithms', () => {
  it('answers an unknown key exactly like a bad signature, after doing the same crypto work', async () => {
    const { verify } = setup();
    const dummy = jest.spyOn(nodeCrypto, 'dummyVerify');
    const unknown = await verify(signedRequest({ keyId: 'no-such-key' }));
    expect(unknown).toEqual({ status: 'rejected', reason: 'SIGNATURE_INVALID', keyId: 'no-such-key' });
    expect(dummy).toHaveBeenCalledTimes(1);
  });

  it('answers a revoked key exactly like a bad signature', async () => {
    const { verify, keys, claimNonce } = setup();
    keys.set(ED25519.keyId, { ...keys.get(ED25519.keyId)!, revoked: true });
    const revoked = await verify(signedRequest());
    const badSignature = await setup().verify(signedRequest({ edit: { signature: `sig1=:${Buffer.alloc(64).toString('base64')}:` } }));
    expect(revoked).toEqual({ status: 'rejected', reason: 'SIGNATURE_INVALID', keyId: ED25519.keyId });
    expect(revoked).toEqual(badSignature);
    expect(claimNonce).not.toHaveBeenCalled();
  });

  it('rejects an alg parameter that disagrees with the key record', async () => {
    const { verify } = setup();
    await expect(verify(signedRequest({ alg: 'hmac-sha256' }))).resolves.toMatchObject({ reason: 'SIGNATURE_INVALID' });
    await expect(verify(signedRequest({ key: 'hmac', alg: 'ed25519' }))).resolves.toMatchObject({ reason: 'SIGNATURE_INVALID' });
    await expect(verify(signedRequest({ alg: 'rsa-pss-sha512' }))).resolves.toMatchObject({ reason: 'SIGNATURE_INVALID' });
  });

  it('never computes an HMAC with a public key (algorithm confusion)', async () => {
    const { verify } = setup();
    // The attacker knows the Ed25519 public key and "signs" with it as an HMAC secret.
    const encodings = [
      ED25519.publicKey.export({ format: 'der', type: 'spki' }),
      Buffer.from(ED25519.publicKey.export({ format: 'pem', type: 'spki' })),
    ];
    for (const secret of encodings) {
      for (const alg of ['hmac-sha256', undefined]) {
        const req = signedRequest({ key: 'hmac', keyId: ED25519.keyId, secret, alg });
        await expect(verify(req)).resolves.toMatchObject({ reason: 'SIGNATURE_INVALID' });
      }
    }
  });

  it('rejects a signature of the other algorithm\'s length for this key as SIGNATURE_INVALID', async () => {
    const { verify } = setup();
    const req = signedRequest({ edit: { signature: `sig1=:${Buffer.alloc(32).toString('base64')}:` } });
    await expect(verify(req)).resolves.toMatchObject({ reason: 'SIGNATURE_INVALID' });
  });

  it('rejects a valid signature presented under another key id', async () => {
    const { verify, keys } = setup();
    keys.set('ed-key-2', { ...keys.get(ED25519.keyId)!, keyId: 'ed-key-2' });
    const req = signedRequest();
    const input = (req.headers['signature-input'] as string).replace(`keyid="${ED25519.keyId}"`, 'keyid="ed-key-2"');
    await expect(verify({ ...req, headers: { ...req.headers, 'signature-input': input } })).resolves.toMatchObject({
      reason: 'SIGNATURE_INVALID',
    });
  });
});

describe('what the signature binds', () => {
  it('rejects a signature replayed on another path', async () => {
    const { verify } = setup();
    await expect(verify(signedRequest({ sentPath: '/graphql/admin' }))).resolves.toMatchObject({ reason: 'SIGNATURE_INVALID' });
  });

  it('does not normalize the path: /graphql and /./graphql are different requests', async () => {
    const { verify } = setup();
    await expect(verify(signedRequest({ sentPath: '/./graphql' }))).resolves.toMatchObject({ reason: 'SIGNATURE_INVALID' });
  });

  it('rejects a signature made for another authority', async () => {
    const { verify } = setup();
    await expect(verify(signedRequest({ authority: 'staging.signet.test' }))).resolves.toMatchObject({
      reason: 'SIGNATURE_INVALID',
    });
  });

  it('rejects a signature replayed with another method', async () => {
    const { verify } = setup();
    const req = signedRequest();
    await expect(verify({ ...req, method: 'PUT' })).resolves.toMatchObject({ reason: 'SIGNATURE_INVALID' });
  });

  it('rejects a changed query', async () => {
    const { verify } = setup();
    await expect(verify(signedRequest({ query: 'a=1', sentQuery: 'a=2' }))).resolves.toMatchObject({ reason: 'SIGNATURE_INVALID' });
  });

  it('rejects a change to an extra covered header', async () => {
    const { verify } = setup();
    const req = signedRequest({
      components: ['@method', '@authority', '@path', 'content-digest', 'x-client'],
      headers: { 'x-client': 'bot-1' },
      edit: { 'x-client': 'bot-2' },
    });
    await expect(verify(req)).resolves.toMatchObject({ reason: 'SIGNATURE_INVALID' });
  });

  it('serializes a repeated covered header as its values joined with ", "', async () => {
    const { verify } = setup();
    const req = signedRequest({
      components: ['@method', '@authority', '@path', 'content-digest', 'x-tags'],
      headers: { 'x-tags': 'a, b' },
      edit: { 'x-tags': ['  a ', 'b'] },
    });
    await expect(verify(req)).resolves.toMatchObject({ status: 'verified' });
  });

  it('ignores a client header literally named @method: derived components never read headers', async () => {
    const { verify } = setup();
    // Honest request with a junk "@method" header: still verified on the real method.
    await expect(verify(signedRequest({ edit: { '@method': 'GET' } }))).resolves.toMatchObject({ status: 'verified' });
    // A GET signature sent as POST with "@method: GET" does not become valid.
    const req = signedRequest({ method: 'GET', edit: { '@method': 'GET' } });
    await expect(verify({ ...req, method: 'POST' })).resolves.toMatchObject({ reason: 'SIGNATURE_INVALID' });
  });
});

describe('@target-uri in place of @authority, @path and @query (RFC 9421 §2.2.2: the whole target URI)', () => {
  const BY_TARGET_URI = ['@method', '@target-uri', 'content-digest'];
  /** A GET query, signed as a client library signs it: the empty body's digest, the query as sent. */
  const GET_QUERY = { method: 'GET', body: '', query: 'query=%7B%20me%20%7B%20id%20%7D%20%7D', components: BY_TARGET_URI };

  it('verifies a POST whose signature covers "@method" "@target-uri" "content-digest"', async () => {
    const { verify } = setup();
    const req = signedRequest({ components: BY_TARGET_URI });
    expect(req.headers['signature-input']).toMatch(/^sig1=\("@method" "@target-uri" "content-digest"\);/);
    await expect(verify(req)).resolves.toMatchObject({ status: 'verified', keyId: ED25519.keyId });
  });

  it('verifies a GET with a query whose signature covers "@method" "@target-uri" "content-digest", without "@query"', async () => {
    const { verify } = setup();
    await expect(verify(signedRequest(GET_QUERY))).resolves.toMatchObject({ status: 'verified' });
    await expect(verify(signedRequest({ ...GET_QUERY, key: 'hmac' }))).resolves.toMatchObject({ status: 'verified' });
  });

  it.each([
    ['another path', () => signedRequest({ components: BY_TARGET_URI, sentPath: '/graphql/admin' })],
    ['another query', () => signedRequest({ ...GET_QUERY, sentQuery: 'query=%7B%20me%20%7B%20balances%20%7D%20%7D' })],
    ['a query added', () => signedRequest({ components: BY_TARGET_URI, sentQuery: 'a=1' })],
    ['its query emptied ("/graphql?")', () => signedRequest({ ...GET_QUERY, sentQuery: '' })],
    ['its query taken off', () => ({ ...signedRequest(GET_QUERY), query: '', hasQuery: false })],
    ['another authority', () => signedRequest({ components: BY_TARGET_URI, authority: 'staging.signet.test' })],
    ['another scheme', () => signedRequest({ components: BY_TARGET_URI, scheme: 'http' })],
  ])('rejects a signature whose @target-uri differs from the request\'s (%s) as SIGNATURE_INVALID', async (_case, request) => {
    const { verify, claimNonce } = setup();
    await expect(verify(request())).resolves.toEqual({ status: 'rejected', reason: 'SIGNATURE_INVALID', keyId: ED25519.keyId });
    expect(claimNonce).not.toHaveBeenCalled();
  });

  it('still requires "@method", "content-digest" and a sent Idempotency-Key', async () => {
    const { verify } = setup();
    await expect(verify(signedRequest({ components: ['@target-uri', 'content-digest'] }))).resolves.toMatchObject({ reason: 'MALFORMED_SIGNATURE' });
    await expect(verify(signedRequest({ components: ['@method', '@target-uri'] }))).resolves.toMatchObject({ reason: 'MALFORMED_SIGNATURE' });
    await expect(verify(signedRequest({ components: BY_TARGET_URI, headers: { 'idempotency-key': 'k-1' } }))).resolves.toMatchObject({ reason: 'IDEMPOTENCY_KEY_NOT_COVERED' });
    await expect(verify(signedRequest({ components: [...BY_TARGET_URI, 'idempotency-key'], headers: { 'idempotency-key': 'k-1' } }))).resolves.toMatchObject({ status: 'verified' });
  });
});

describe('the Idempotency-Key is covered whenever it is sent', () => {
  const WITHOUT_KEY = ['@method', '@authority', '@path', 'content-digest'];

  it('verifies a request whose signature covers its Idempotency-Key (the fixture signer covers it by default)', async () => {
    const { verify } = setup();
    const req = signedRequest({ headers: { 'idempotency-key': '"order-1"' } });
    expect(req.headers['signature-input']).toContain('"idempotency-key"');
    await expect(verify(req)).resolves.toMatchObject({ status: 'verified' });
  });

  it('refuses an Idempotency-Key the signature does not cover, before any key lookup or nonce claim', async () => {
    const { verify, resolveKey, claimNonce } = setup();
    const req = signedRequest({ components: WITHOUT_KEY, headers: { 'idempotency-key': '"order-1"' } });
    await expect(verify(req)).resolves.toEqual({ status: 'rejected', reason: 'IDEMPOTENCY_KEY_NOT_COVERED', keyId: ED25519.keyId });
    expect(resolveKey).not.toHaveBeenCalled();
    expect(claimNonce).not.toHaveBeenCalled();
  });

  it('refuses an Idempotency-Key added to a request signed without one', async () => {
    const { verify } = setup();
    await expect(verify(signedRequest({ edit: { 'idempotency-key': 'added-1' } }))).resolves.toMatchObject({ reason: 'IDEMPOTENCY_KEY_NOT_COVERED' });
  });

  it('refuses an empty Idempotency-Key that is not covered: present is present', async () => {
    const { verify } = setup();
    await expect(verify(signedRequest({ edit: { 'idempotency-key': '' } }))).resolves.toMatchObject({ reason: 'IDEMPOTENCY_KEY_NOT_COVERED' });
  });

  it('rejects a rewritten Idempotency-Key: the signature no longer verifies', async () => {
    const { verify, claimNonce } = setup();
    const req = signedRequest({ headers: { 'idempotency-key': '"order-1"' }, edit: { 'idempotency-key': '"order-2"' } });
    await expect(verify(req)).resolves.toMatchObject({ reason: 'SIGNATURE_INVALID' });
    expect(claimNonce).not.toHaveBeenCalled();
  });

  it('covers the RFC 9421 value: surrounding whitespace is not part of it, repeated lines join with ", "', async () => {
    const { verify } = setup();
    await expect(verify(signedRequest({ headers: { 'idempotency-key': 'k-1' }, edit: { 'idempotency-key': '  k-1 ' } }))).resolves.toMatchObject({ status: 'verified' });
    // Two lines verify as their joined value; the idempotency layer then refuses the pair (BAD_USER_INPUT).
    await expect(verify(signedRequest({ headers: { 'idempotency-key': 'k-1, k-2' }, edit: { 'idempotency-key': ['k-1', 'k-2'] } }))).resolves.toMatchObject({ status: 'verified' });
    await expect(verify(signedRequest({ headers: { 'idempotency-key': 'k-1' }, edit: { 'idempotency-key': ['k-1', 'k-2'] } }))).resolves.toMatchObject({ reason: 'SIGNATURE_INVALID' });
  });

  it('a missing required component is still MALFORMED_SIGNATURE, whatever else is missing', async () => {
    const { verify } = setup();
    const req = signedRequest({ components: ['@method', '@authority', 'content-digest'], headers: { 'idempotency-key': 'k-1' } });
    await expect(verify(req)).resolves.toMatchObject({ reason: 'MALFORMED_SIGNATURE' });
  });
});

describe('replay protection', () => {
  it('rejects a replayed nonce', async () => {
    const { verify } = setup();
    const req = signedRequest();
    await expect(verify(req)).resolves.toMatchObject({ status: 'verified' });
    await expect(verify(req)).resolves.toEqual({ status: 'rejected', reason: 'NONCE_REUSED', keyId: ED25519.keyId });
  });

  it('does not claim the nonce when the signature is bad, so the honest request still goes through', async () => {
    const { verify, claimNonce } = setup();
    const honest = signedRequest();
    const forged = { ...honest, headers: { ...honest.headers, signature: `sig1=:${Buffer.alloc(64, 7).toString('base64')}:` } };
    await expect(verify(forged)).resolves.toMatchObject({ reason: 'SIGNATURE_INVALID' });
    expect(claimNonce).toHaveBeenCalledTimes(0);
    await expect(verify(honest)).resolves.toMatchObject({ status: 'verified' });
  });

  it('treats anything but a claimed answer from the nonce store as a reused nonce', async () => {
    const claimNonce = jest.fn().mockResolvedValue({ status: 'yes' });
    const { verify } = setup({ nonces: { claim: claimNonce } });
    await expect(verify(signedRequest())).resolves.toMatchObject({ reason: 'NONCE_REUSED' });
  });

  it('never verifies a signature its key\'s floor supersedes (the host refused that key\'s requests of that second)', async () => {
    const { verify, store } = setup();
    await store.supersede(ED25519.keyId, 'nonce-of-a-refused-request-01', { createdMs: NOW_S * 1000, ttlMs: 35_000 });
    await expect(verify(signedRequest())).resolves.toEqual({ status: 'rejected', reason: 'NONCE_REUSED', keyId: ED25519.keyId });
    await expect(verify(signedRequest({ created: NOW_S + 1, nonce: 'nonce-of-the-next-second-01' }))).resolves.toMatchObject({ status: 'verified' });
  });

  it('never verifies a signature the nonce store cannot prove unseen (it lost its data after the signature was made)', async () => {
    // A store complete since the epoch vouches for the request: the signature itself is good.
    const { verify, clock } = setup();
    const store = createMemoryNonceStore({ now: () => clock.now });
    const req = signedRequest();
    const afterLoss = setup({ nonces: store });
    await expect(verify(req)).resolves.toMatchObject({ status: 'verified' });
    // The store came up empty at NOW_MS: the same bytes (created at NOW_S) could have been used before.
    await expect(afterLoss.verify(req)).resolves.toEqual({ status: 'unproven', keyId: ED25519.keyId, completeSinceMs: NOW_MS, retryAfterMs: 5_000 });
    // Signed again once the skew has passed, it verifies.
    afterLoss.clock.now = NOW_MS + 5_000;
    await expect(afterLoss.verify(signedRequest({ created: NOW_S + 5, nonce: 'nonce-after-the-loss-0001' }))).resolves.toMatchObject({ status: 'verified' });
  });

  it('counts the wait for an unproven signature on the signer\'s clock: a signer 12 s behind waits 12 s longer', async () => {
    const { clock } = setup();
    const store = createMemoryNonceStore({ now: () => clock.now });
    const afterLoss = setup({ nonces: store });
    const behind = signedRequest({ created: NOW_S - 12, nonce: 'nonce-of-a-clock-12s-behind' });
    await expect(afterLoss.verify(behind)).resolves.toEqual({ status: 'unproven', keyId: ED25519.keyId, completeSinceMs: NOW_MS, retryAfterMs: 17_000 });
    // After 16 s its clock reads NOW_S + 4: still too early; after 17 s it verifies.
    afterLoss.clock.now = NOW_MS + 16_000;
    await expect(afterLoss.verify(signedRequest({ created: NOW_S + 4, nonce: 'nonce-of-a-clock-12s-behind-2' }))).resolves.toMatchObject({ status: 'unproven' });
    afterLoss.clock.now = NOW_MS + 17_000;
    await expect(afterLoss.verify(signedRequest({ created: NOW_S + 5, nonce: 'nonce-of-a-clock-12s-behind-3' }))).resolves.toMatchObject({ status: 'verified' });
  });

  it('vouches for a key created after the store became complete: its nonces cannot predate the store', async () => {
    const { clock, keys } = setup();
    const store = createMemoryNonceStore({ now: () => clock.now });
    const key = keys.get(ED25519.keyId);
    keys.set(ED25519.keyId, { ...key!, createdAtMs: NOW_MS + 1 });
    const { verify } = setup({ nonces: store, resolveKey: async (id) => keys.get(id) ?? null });
    await expect(verify(signedRequest())).resolves.toMatchObject({ status: 'verified', notBeforeMs: NOW_MS + 1 });
  });

  it('refuses a signature made before its key existed (beyond the skew): a key restamped at a restart cannot vouch for a captured request', async () => {
    const { verify, clock, keys } = setup();
    const captured = signedRequest({ nonce: 'nonce-captured-before-restart' });
    await expect(verify(captured)).resolves.toMatchObject({ status: 'verified' });
    // The host restarts 10 s later with an empty memory store and loads the key with createdAtMs: now.
    clock.now = NOW_MS + 10_000;
    const restarted = setup({ nonces: createMemoryNonceStore({ now: () => clock.now }), resolveKey: async (id) => keys.get(id) ?? null, now: () => clock.now });
    keys.set(ED25519.keyId, { ...keys.get(ED25519.keyId)!, createdAtMs: clock.now });
    await expect(restarted.verify(captured)).resolves.toMatchObject({ status: 'rejected', reason: 'SIGNATURE_EXPIRED', keyId: ED25519.keyId });
    // Within the skew of the key's creation, a signature still verifies (a client clock slightly behind).
    const justBehind = signedRequest({ created: NOW_S + 6, nonce: 'nonce-signed-4s-behind-the-key' });
    await expect(restarted.verify(justBehind)).resolves.toMatchObject({ status: 'verified' });
  });

  it('echoes the resolved key\'s version as keyVersion, and adds none for a key without one', async () => {
    const { verify, keys } = setup();
    const without = await verify(signedRequest());
    expect(without).toMatchObject({ status: 'verified' });
    expect(without).not.toHaveProperty('keyVersion');
    const key = keys.get(ED25519.keyId);
    keys.set(ED25519.keyId, { ...key!, version: 'v-7' });
    await expect(verify(signedRequest({ nonce: 'nonce-with-a-key-version-01' }))).resolves.toMatchObject({ status: 'verified', keyVersion: 'v-7' });
  });
});

describe('failures of the verifier\'s own dependencies', () => {
  it('rejects the promise when the key resolver throws (the caller answers 5xx, never "verified")', async () => {
    const { verify, claimNonce } = setup({ resolveKey: jest.fn().mockRejectedValue(new Error('db down')) });
    await expect(verify(signedRequest())).rejects.toThrow('db down');
    expect(claimNonce).not.toHaveBeenCalled();
  });

  it('rejects the promise when the nonce store throws', async () => {
    const { verify } = setup({ nonces: { claim: jest.fn().mockRejectedValue(new Error('redis down')) } });
    await expect(verify(signedRequest())).rejects.toThrow('redis down');
  });

  it('rejects the promise when the resolver answers with another key\'s record', async () => {
    const other = setup().keys.get(HMAC.keyId)!;
    const { verify } = setup({ resolveKey: jest.fn().mockResolvedValue(other) });
    await expect(verify(signedRequest())).rejects.toThrow('another key id');
  });

  it('rejects the promise for a key record without usable key material, without echoing secrets', async () => {
    const { verify, keys } = setup();
    keys.set(ED25519.keyId, { ...keys.get(ED25519.keyId)!, publicKey: undefined });
    keys.set(HMAC.keyId, { ...keys.get(HMAC.keyId)!, secret: Buffer.from('short-secret') });
    await expect(verify(signedRequest())).rejects.toThrow(/no usable ed25519 key material/);
    const error = await verify(signedRequest({ key: 'hmac' })).catch((e: Error) => e);
    expect(String(error)).not.toContain('short-secret');
  });

  it('refuses to run on a clock that returns NaN', async () => {
    const { verify } = setup({ now: () => Number.NaN });
    await expect(verify(signedRequest())).rejects.toThrow('non-finite');
  });

  it('validates its options up front', () => {
    expect(() => setup({ authority: 'https://api.signet.test/' })).toThrow(TypeError);
    expect(() => setup({ maxAgeSeconds: 0 })).toThrow(RangeError);
    expect(() => setup({ futureSkewSeconds: -1 })).toThrow(RangeError);
  });
});

describe('signRequest (the public fixture signer)', () => {
  it('returns the exact base it signed, verifiable with node:crypto', () => {
    const signed = signRequest(nodeCrypto, {
      method: 'POST',
      authority: AUTHORITY,
      path: '/graphql',
      body: BODY,
      keyId: HMAC.keyId,
      algorithm: 'hmac-sha256',
      secret: HMAC.secret,
      nonce: 'fixed-nonce-0123456789',
      now: () => NOW_MS,
    });
    expect(signed.signatureBase).toBe(
      [
        '"@method": POST',
        `"@authority": ${AUTHORITY}`,
        '"@path": /graphql',
        `"content-digest": ${computeContentDigest(nodeCrypto, BODY)}`,
        `"@signature-params": ("@method" "@authority" "@path" "content-digest");created=${NOW_S};nonce="fixed-nonce-0123456789";keyid="${HMAC.keyId}"`,
      ].join('\n'),
    );
    const mac = createHmac('sha256', HMAC.secret).update(signed.signatureBase).digest('base64');
    expect(signed.headers.signature).toBe(`sig1=:${mac}:`);
  });
});
