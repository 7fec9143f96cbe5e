/**
 * The Node crypto provider (node:crypto): synchronous and fast, for servers, tools and test
 * fixtures. The key record alone decides the algorithm: nothing here picks one from the request,
 * so an HMAC can never be computed with a public key. Its own entry point
 * (`@signet/http-message-signatures/node`) keeps node:crypto out of browser bundles.
 */
import {
  createHash,
  createHmac,
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  sign as cryptoSign,
  timingSafeEqual,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto';
import { MIN_HMAC_SECRET_BYTES, SIGNATURE_LENGTHS } from '../constants';
import type { DigestAlgorithm, SigningMaterial, SyncCryptoProvider, VerificationKeyMaterial } from '../crypto-provider';
import { ed25519PublicKeyProblem, type Ed25519KeyProblem } from '../ed25519-public-key';

/** node:crypto as a provider: Ed25519 keys are KeyObjects (private ones also PKCS#8 PEM), HMAC secrets bytes. */
export type NodeCryptoProvider = SyncCryptoProvider<KeyObject | string, Uint8Array, KeyObject>;

const NODE_HASH: Readonly<Record<DigestAlgorithm, string>> = { 'sha-256': 'sha256', 'sha-512': 'sha512' };

function hmac(secret: Uint8Array, data: Uint8Array): Buffer {
  return createHmac('sha256', secret).update(data).digest();
}

/** Why an Ed25519 KeyObject must not verify anything, or null when it is an ordinary key. */
export function weakEd25519KeyProblem(key: KeyObject): Ed25519KeyProblem | null {
  const { x } = key.export({ format: 'jwk' });
  return ed25519PublicKeyProblem(Buffer.from(x ?? '', 'base64url'));
}

/** Keys already checked for weakness; KeyObjects are memoized upstream, so this is one check per key. */
const weakKeys = new WeakMap<KeyObject, boolean>();

/**
 * True for a small-order, non-canonical or off-curve public key. OpenSSL verifies with such keys,
 * and a small-order one accepts R = identity, S = 0 for every message. Registration refuses them and
 * the key service never hands out a stored one; this is the last line, whoever resolves the key.
 */
function isWeakKey(publicKey: KeyObject): boolean {
  let weak = weakKeys.get(publicKey);
  if (weak === undefined) {
    weak = weakEd25519KeyProblem(publicKey) !== null;
    weakKeys.set(publicKey, weak);
  }
  return weak;
}

function verifyEd25519(publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_LENGTHS.ed25519) return false;
  if (isWeakKey(publicKey)) return false;
  try {
    // Explicit === true: only a real boolean true is success, never a truthy or missing value.
    return cryptoVerify(null, data, publicKey, signature) === true;
  } catch {
    return false;
  }
}

function verifyHmac(secret: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_LENGTHS['hmac-sha256']) return false;
  const expected = hmac(secret, data);
  return timingSafeEqual(expected, signature) === true;
}

/**
 * Throws when a key record cannot be used as stored (wrong key type, short secret). That is a
 * server-side data error, not the client's: the caller answers 500, never "verified". The message
 * names the key id only, never key material.
 */
function assertUsable(key: VerificationKeyMaterial<KeyObject>): void {
  const usable =
    key.algorithm === 'ed25519'
      ? key.publicKey !== undefined && key.publicKey.type === 'public' && key.publicKey.asymmetricKeyType === 'ed25519'
      : key.algorithm === 'hmac-sha256'
        ? key.secret instanceof Uint8Array && key.secret.length >= MIN_HMAC_SECRET_BYTES
        : false;
  if (!usable) throw new Error(`signature key ${JSON.stringify(key.keyId)} has no usable ${String(key.algorithm)} key material`);
}

// Throwaway keys for dummyVerify, made once at load so the first unknown key costs no extra
// key generation (which would itself be a timing signal).
const DUMMY_KEYS = { secret: randomBytes(32), publicKey: generateKeyPairSync('ed25519').publicKey };
// Its weak-key check is done now too, for the same reason.
isWeakKey(DUMMY_KEYS.publicKey);

function signWith(algorithm: string, material: SigningMaterial<KeyObject | string, Uint8Array>, data: Uint8Array): Buffer {
  if (algorithm === 'ed25519') {
    if (!('privateKey' in material)) throw new TypeError('ed25519 signing needs a privateKey');
    const key = typeof material.privateKey === 'string' ? createPrivateKey(material.privateKey) : material.privateKey;
    if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519') throw new TypeError('privateKey is not an Ed25519 private key');
    return cryptoSign(null, data, key);
  }
  if (algorithm === 'hmac-sha256') {
    if (!('secret' in material) || !(material.secret instanceof Uint8Array)) throw new TypeError('hmac-sha256 signing needs a secret');
    return hmac(material.secret, data);
  }
  throw new TypeError('unsupported signature algorithm');
}

/**
 * The node:crypto provider. A plain object: tests may spy on its methods (e.g. that a malformed
 * request never reaches `verify`); production code treats it as read-only.
 */
export const nodeCrypto: NodeCryptoProvider = {
  sync: true,
  digest: (algorithm, data) => createHash(NODE_HASH[algorithm]).update(data).digest(),
  sign: signWith,
  verify(key, data, signature) {
    assertUsable(key);
    if (key.algorithm === 'ed25519') return verifyEd25519(key.publicKey as KeyObject, data, signature);
    return verifyHmac(key.secret as Uint8Array, data, signature);
  },
  dummyVerify(data, signature) {
    if (signature.length === SIGNATURE_LENGTHS.ed25519) verifyEd25519(DUMMY_KEYS.publicKey, data, signature);
    else verifyHmac(DUMMY_KEYS.secret, data, new Uint8Array(SIGNATURE_LENGTHS['hmac-sha256']));
  },
  randomBytes: (length) => randomBytes(length),
};
