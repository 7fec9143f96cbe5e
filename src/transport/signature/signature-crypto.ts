/**
 * The two signature primitives (RFC 9421 §3.3.6 ed25519, §3.3.3 hmac-sha256), for signing and
 * verifying. The key record alone decides the algorithm: nothing here picks one from the request,
 * so an HMAC can never be computed with a public key.
 */
import {
  createHmac,
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  sign as cryptoSign,
  timingSafeEqual,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto';
import { weakEd25519KeyProblem } from '../../domain';
import { SIGNATURE_LENGTHS } from './constants';
import type { SignatureAlgorithm, VerificationKey } from './types';

/** Smallest HMAC secret accepted (DESIGN: secret >= 32 bytes). */
export const MIN_HMAC_SECRET_BYTES = 32;

function hmac(secret: Uint8Array, data: Uint8Array): Buffer {
  return createHmac('sha256', secret).update(data).digest();
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
function assertUsable(key: VerificationKey): void {
  const usable =
    key.algorithm === 'ed25519'
      ? key.publicKey !== undefined && key.publicKey.type === 'public' && key.publicKey.asymmetricKeyType === 'ed25519'
      : key.algorithm === 'hmac-sha256'
        ? key.secret instanceof Uint8Array && key.secret.length >= MIN_HMAC_SECRET_BYTES
        : false;
  if (!usable) throw new Error(`signature key ${JSON.stringify(key.keyId)} has no usable ${String(key.algorithm)} key material`);
}

/** Verifies `signature` over `data` with the key's own algorithm; true only for a valid signature. */
export function verifyWithKey(key: VerificationKey, data: Uint8Array, signature: Uint8Array): boolean {
  assertUsable(key);
  if (key.algorithm === 'ed25519') return verifyEd25519(key.publicKey as KeyObject, data, signature);
  return verifyHmac(key.secret as Uint8Array, data, signature);
}

// Throwaway keys for dummyVerify, made once at load so the first unknown key costs no extra
// key generation (which would itself be a timing signal).
const DUMMY_KEYS = { secret: randomBytes(32), publicKey: generateKeyPairSync('ed25519').publicKey };
// Its weak-key check is done now too, for the same reason.
isWeakKey(DUMMY_KEYS.publicKey);

/**
 * Does the work a real verification would, with throwaway keys, and discards the answer. Used for
 * unknown and revoked keys so response timing does not reveal whether a key id exists.
 */
export function dummyVerify(data: Uint8Array, signature: Uint8Array): void {
  if (signature.length === SIGNATURE_LENGTHS.ed25519) verifyEd25519(DUMMY_KEYS.publicKey, data, signature);
  else verifyHmac(DUMMY_KEYS.secret, data, new Uint8Array(SIGNATURE_LENGTHS['hmac-sha256']));
}

/** Key material for signing: an Ed25519 private key (KeyObject or PKCS#8 PEM) or an HMAC secret. */
export type SigningMaterial = { privateKey: KeyObject | string } | { secret: Uint8Array };

/** Signs `data` with the given algorithm; refuses material of the wrong kind. */
export function signBytes(algorithm: SignatureAlgorithm, material: SigningMaterial, data: Uint8Array): Buffer {
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
