/**
 * `nodeCryptoThreadPool`: the same answers as `nodeCrypto`, Ed25519 ones later (from libuv's
 * thread pool), and the verifiers work over it exactly as over the synchronous provider.
 */
import { createPublicKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import fc from 'fast-check';
import { nodeCrypto, nodeCryptoThreadPool } from '../src/node';
import { ED25519, HMAC, setup, setupDeferred, signedRequest } from './helpers';

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const IDENTITY = Buffer.from('01'.padEnd(64, '0'), 'hex');
const weakKey = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, IDENTITY]), format: 'der', type: 'spki' });
/** R = the identity's encoding, S = 0: valid for every message under the small-order key above. */
const FORGED = Buffer.concat([IDENTITY, Buffer.alloc(32)]);

const edKey = { keyId: ED25519.keyId, algorithm: 'ed25519' as const, publicKey: ED25519.publicKey };
const hmacKey = { keyId: HMAC.keyId, algorithm: 'hmac-sha256' as const, secret: HMAC.secret };

describe('nodeCryptoThreadPool', () => {
  const message = Buffer.from('"@method": POST\n"@signature-params": ("@method");created=1700000000');
  const signature = sign(null, message, ED25519.privateKey);

  it('answers an Ed25519 verification later (a promise), with the right answer', async () => {
    const pending = nodeCryptoThreadPool.verify(edKey, message, signature);
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).resolves.toBe(true);
    const flipped = Buffer.from(signature);
    flipped[10] ^= 1;
    await expect(nodeCryptoThreadPool.verify(edKey, message, flipped)).resolves.toBe(false);
    await expect(nodeCryptoThreadPool.verify(edKey, Buffer.concat([message, Buffer.from(' ')]), signature)).resolves.toBe(false);
  });

  it('refuses a signature of the wrong length and a small-order key before any curve arithmetic', async () => {
    await expect(nodeCryptoThreadPool.verify(edKey, message, signature.subarray(0, 63))).resolves.toBe(false);
    await expect(nodeCryptoThreadPool.verify(edKey, message, Buffer.concat([signature, Buffer.alloc(1)]))).resolves.toBe(false);
    await expect(nodeCryptoThreadPool.verify({ keyId: 'weak', algorithm: 'ed25519', publicKey: weakKey }, Buffer.from('transfer everything'), FORGED)).resolves.toBe(false);
  });

  it('throws on unusable key material, as nodeCrypto does (a server-side data error)', () => {
    expect(() => nodeCryptoThreadPool.verify({ keyId: 'k', algorithm: 'ed25519' }, message, signature)).toThrow('has no usable ed25519 key material');
    expect(() => nodeCryptoThreadPool.verify({ keyId: 'k', algorithm: 'hmac-sha256', secret: Buffer.alloc(8) }, message, signature)).toThrow('has no usable hmac-sha256 key material');
  });

  it('verifies HMAC-SHA256 inline, as nodeCrypto does', () => {
    const mac = nodeCrypto.sign('hmac-sha256', { secret: HMAC.secret }, message);
    expect(nodeCryptoThreadPool.verify(hmacKey, message, mac)).toBe(true);
    expect(nodeCryptoThreadPool.verify(hmacKey, message, Buffer.alloc(32))).toBe(false);
  });

  it('gives nodeCrypto\'s answer for any key, message and signature, many in flight at once', async () => {
    const other = generateKeyPairSync('ed25519');
    const keys = [edKey, { keyId: 'other', algorithm: 'ed25519' as const, publicKey: other.publicKey }];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ key: fc.nat({ max: 1 }), message: fc.uint8Array({ maxLength: 400 }), tamper: fc.constantFrom('none', 'message', 'signature', 'random') }), { minLength: 1, maxLength: 40 }),
        async (cases) => {
          const inputs = cases.map((c) => {
            const data = Buffer.from(c.message);
            let sig: Buffer = sign(null, data, ED25519.privateKey);
            let signed = data;
            if (c.tamper === 'message') signed = Buffer.concat([data, Buffer.from([1])]);
            if (c.tamper === 'signature') sig = Buffer.from(sig.map((b, i) => (i === 0 ? b ^ 0x80 : b)));
            if (c.tamper === 'random') sig = randomBytes(64);
            return { key: keys[c.key], data: signed, sig };
          });
          // All dispatched before any is awaited: each job keeps its own inputs.
          const answers = await Promise.all(inputs.map((i) => nodeCryptoThreadPool.verify(i.key, i.data, i.sig)));
          expect(answers).toEqual(inputs.map((i) => nodeCrypto.verify(i.key, i.data, i.sig)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('does the dummy verification of an unknown key on the same path, answering later', async () => {
    const pending = nodeCryptoThreadPool.dummyVerify(message, signature);
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).resolves.toBeUndefined();
    await expect(nodeCryptoThreadPool.dummyVerify(message, Buffer.alloc(32))).resolves.toBeUndefined();
  });

  it('signs and digests as nodeCrypto does', () => {
    expect(Buffer.from(nodeCryptoThreadPool.sign('ed25519', { privateKey: ED25519.privateKey }, message) as Uint8Array)).toEqual(signature);
    expect(nodeCryptoThreadPool.digest('sha-256', message)).toEqual(nodeCrypto.digest('sha-256', message));
  });

  describe('under the request verifiers', () => {
    it('verifies a signed request, refuses a tampered body and an unknown key (after the same dummy work)', async () => {
      const { verify, claimNonce } = setup({ crypto: nodeCryptoThreadPool });
      await expect(verify(signedRequest())).resolves.toMatchObject({ status: 'verified', keyId: ED25519.keyId });
      await expect(verify(signedRequest({ key: 'hmac' }))).resolves.toMatchObject({ status: 'verified', keyId: HMAC.keyId });
      await expect(verify(signedRequest({ sentBody: '{"query":"mutation { cancelAll }"}' }))).resolves.toMatchObject({ status: 'rejected' });
      await expect(verify(signedRequest({ keyId: 'nobody' }))).resolves.toMatchObject({ status: 'rejected', reason: 'SIGNATURE_INVALID' });
      expect(claimNonce).toHaveBeenCalledTimes(2);
    });

    it('leaves the nonce claim to the caller in the deferred verifier, as with nodeCrypto', async () => {
      const { verify } = setupDeferred({ crypto: nodeCryptoThreadPool });
      await expect(verify(signedRequest())).resolves.toMatchObject({ status: 'unclaimed' });
    });
  });
});
