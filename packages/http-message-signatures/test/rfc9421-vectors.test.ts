/**
 * RFC 9421 Appendix B.2.5 / B.2.6 and RFC 9530 vectors, byte for byte. These signatures do not
 * follow our profile (no nonce, no content-digest), so the base builder and the crypto primitives
 * are checked directly, and the verifier is shown to refuse them for the profile reasons.
 */
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import sf from '../src/structured-fields';
import {
  buildSignatureBase,
  computeContentDigest,
  createSignatureVerifier,
  type SignatureBaseMessage,
} from '../src';
import { nodeCrypto } from '../src/node';
import { loadVectors } from './helpers';

const vectors = loadVectors();
const target = new URL(vectors.request.targetUri);
const message: SignatureBaseMessage = {
  method: vectors.request.method,
  authority: target.host,
  path: target.pathname,
  query: target.search.slice(1),
  headers: vectors.request.headers,
};
const hmacSecret = Buffer.from(vectors.keys['test-shared-secret'].secretBase64, 'base64');
const edPublic = createPublicKey(vectors.keys['test-key-ed25519'].publicKeyPem);
const edPrivate = createPrivateKey(vectors.keys['test-key-ed25519'].privateKeyPem);

function vectorCase(name: string) {
  const found = vectors.cases.find((c) => c.name.startsWith(name));
  if (found === undefined) throw new Error(`vector ${name} missing`);
  const [label, member] = [...sf.parseDictionary(found.signatureInput)][0];
  if (!sf.isInnerList(member)) throw new Error('vector Signature-Input is not an inner list');
  const components = member[0].map(([value]) => value as string);
  const [sigItem] = sf.parseDictionary(found.signature).get(label) as [ArrayBuffer, unknown];
  return { ...found, components, signatureParams: sf.serializeInnerList(member), signatureBytes: Buffer.from(sigItem) };
}

describe('RFC 9421 Appendix B.2.5 (hmac-sha256)', () => {
  const vector = vectorCase('B.2.5');

  it('re-serializes @signature-params exactly as the vector wrote it', () => {
    expect(`sig-b25=${vector.signatureParams}`).toBe(vector.signatureInput);
  });

  it('builds the signature base byte for byte', () => {
    expect(buildSignatureBase(vector.components, message, vector.signatureParams)).toBe(vector.signatureBase);
  });

  it('verifies the vector signature with the shared secret', () => {
    const key = { keyId: 'test-shared-secret', accountId: 'a', scopes: [], algorithm: 'hmac-sha256' as const, secret: hmacSecret };
    expect(nodeCrypto.verify(key, Buffer.from(vector.signatureBase), vector.signatureBytes)).toBe(true);
    expect(nodeCrypto.verify(key, Buffer.from(`${vector.signatureBase} `), vector.signatureBytes)).toBe(false);
  });
});

describe('RFC 9421 Appendix B.2.6 (ed25519)', () => {
  const vector = vectorCase('B.2.6');

  it('re-serializes @signature-params exactly as the vector wrote it', () => {
    expect(`sig-b26=${vector.signatureParams}`).toBe(vector.signatureInput);
  });

  it('builds the signature base byte for byte', () => {
    expect(buildSignatureBase(vector.components, message, vector.signatureParams)).toBe(vector.signatureBase);
  });

  it('verifies the vector signature with the public key', () => {
    const key = { keyId: 'test-key-ed25519', accountId: 'a', scopes: [], algorithm: 'ed25519' as const, publicKey: edPublic };
    expect(nodeCrypto.verify(key, Buffer.from(vector.signatureBase), vector.signatureBytes)).toBe(true);
    expect(verify(null, Buffer.from(vector.signatureBase), edPublic, vector.signatureBytes)).toBe(true);
    const flipped = Buffer.from(vector.signatureBytes);
    flipped[0] ^= 1;
    expect(nodeCrypto.verify(key, Buffer.from(vector.signatureBase), flipped)).toBe(false);
  });

  it('reproduces the vector signature when signing the vector base (ed25519 is deterministic)', () => {
    expect(sign(null, Buffer.from(vector.signatureBase), edPrivate).toString('base64')).toBe(
      vector.signatureBytes.toString('base64'),
    );
  });
});

describe('RFC 9530 Content-Digest of the vector body', () => {
  it('matches the sha-256 value', () => {
    expect(computeContentDigest(nodeCrypto, vectors.request.body)).toBe(vectors.request.contentDigestSha256);
    expect(computeContentDigest(nodeCrypto, Buffer.from(vectors.request.body), 'sha-256')).toBe(vectors.request.contentDigestSha256);
  });

  it('matches the sha-512 header of the vector request', () => {
    expect(computeContentDigest(nodeCrypto, vectors.request.body, 'sha-512')).toBe(vectors.request.headers['content-digest']);
  });
});

describe('the Node provider\'s signing primitive (the one signRequest uses) over the vector bases', () => {
  it('reproduces the B.2.5 hmac-sha256 signature', () => {
    const vector = vectorCase('B.2.5');
    const signature = nodeCrypto.sign('hmac-sha256', { secret: hmacSecret }, Buffer.from(vector.signatureBase));
    expect(Buffer.from(signature).toString('base64')).toBe(vector.signatureBytes.toString('base64'));
  });

  it('reproduces the B.2.6 ed25519 signature from the PEM private key', () => {
    const vector = vectorCase('B.2.6');
    const pem = vectors.keys['test-key-ed25519'].privateKeyPem;
    const signature = nodeCrypto.sign('ed25519', { privateKey: pem }, Buffer.from(vector.signatureBase));
    expect(Buffer.from(signature).toString('base64')).toBe(vector.signatureBytes.toString('base64'));
  });

  it('refuses to sign with key material of the other algorithm', () => {
    expect(() => nodeCrypto.sign('hmac-sha256', { privateKey: edPrivate }, Buffer.from('x'))).toThrow(TypeError);
    expect(() => nodeCrypto.sign('ed25519', { secret: hmacSecret }, Buffer.from('x'))).toThrow(TypeError);
  });
});

describe('the vector requests under the Signet profile', () => {
  it.each(['B.2.5', 'B.2.6'])('%s is refused as malformed: it covers no content-digest and has no nonce', async (name) => {
    const vector = vectorCase(name);
    const resolveKey = jest.fn();
    const verifyRequest = createSignatureVerifier({
      crypto: nodeCrypto,
      authority: 'example.com',
      maxAgeSeconds: 30,
      now: () => vector.created * 1000,
      resolveKey,
      nonces: { claim: jest.fn() },
    });
    const result = await verifyRequest({
      method: message.method,
      path: message.path,
      query: message.query ?? '',
      hasQuery: true,
      headers: { ...vectors.request.headers, 'signature-input': vector.signatureInput, signature: vector.signature },
      rawBody: Buffer.from(vectors.request.body),
    });
    expect(result).toEqual({ status: 'rejected', reason: 'MALFORMED_SIGNATURE', detail: expect.any(String) });
    expect(resolveKey).not.toHaveBeenCalled();
  });
});
