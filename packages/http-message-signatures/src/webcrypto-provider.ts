/**
 * The WebCrypto provider (`globalThis.crypto.subtle`): asynchronous, for browsers, workers and
 * Node alike. Signing keys are CryptoKeys (HMAC secrets may also be bytes); verification takes an
 * Ed25519 public CryptoKey or the HMAC secret bytes, like the Node provider.
 */
import { constantTimeEqual, plainBytes } from './bytes';
import { MIN_HMAC_SECRET_BYTES, SIGNATURE_LENGTHS } from './constants';
import type { CryptoProvider, DigestAlgorithm, SigningMaterial, VerificationKeyMaterial } from './crypto-provider';
import { ed25519PublicKeyProblem } from './ed25519-public-key';

/** The attributes of a CryptoKey this provider and the SDK read (every Web Crypto key has them). */
export interface CryptoKeyAttributes {
  readonly algorithm: { readonly name: string };
  readonly type: string;
  readonly extractable: boolean;
  readonly usages: readonly string[];
}

/**
 * A CryptoKey as the consumer's own types name it: the key its `crypto.subtle.sign` takes. That
 * is the DOM lib's `CryptoKey` in a browser project and node:crypto's `webcrypto.CryptoKey` in a
 * Node project without the DOM lib, which has no global `CryptoKey` (naming it here failed such
 * projects' compilation) and which this browser-safe entry cannot import from node:crypto. So the
 * host's keys go in, and the keys the SDK's `importSigningKey` returns are the host's own type. A
 * project with no WebCrypto types at all gets the attributes read.
 */
export type WebCryptoKey = typeof globalThis extends { crypto: { subtle: { sign(algorithm: never, key: infer Key, data: never): unknown } } }
  ? Key
  : CryptoKeyAttributes;

/** WebCrypto as a provider: keys are CryptoKeys; HMAC secrets may also be given as bytes. */
export type WebCryptoProvider = CryptoProvider<WebCryptoKey, WebCryptoKey | Uint8Array, WebCryptoKey>;

const SUBTLE_HASH: Readonly<Record<DigestAlgorithm, string>> = { 'sha-256': 'SHA-256', 'sha-512': 'SHA-512' };
const HMAC_PARAMS = { name: 'HMAC', hash: 'SHA-256' } as const;

function subtle(): SubtleCrypto {
  const api = globalThis.crypto?.subtle;
  // Browsers expose SubtleCrypto only in secure contexts (https or localhost).
  if (!api) throw new Error('WebCrypto (crypto.subtle) is not available here: use Node 20+ or a secure browser context');
  return api;
}

async function hmac(secret: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const key = await subtle().importKey('raw', plainBytes(secret), HMAC_PARAMS, false, ['sign']);
  return new Uint8Array(await subtle().sign('HMAC', key, plainBytes(data)));
}

/** Duck-typed: a CryptoKey from another realm (a test VM, an iframe) fails `instanceof`. */
function isCryptoKey(value: unknown, name: string, type: KeyType): value is CryptoKey {
  const key = value as Partial<CryptoKey> | null;
  return typeof key === 'object' && key !== null && key.algorithm?.name === name && key.type === type;
}

/** Public keys already checked for weakness (see the Node provider for why). */
const weakKeys = new WeakMap<CryptoKey, boolean>();

async function isWeakKey(publicKey: CryptoKey): Promise<boolean> {
  let weak = weakKeys.get(publicKey);
  if (weak === undefined) {
    // Public CryptoKeys are extractable unless imported otherwise; one that is not cannot be checked, so it is unusable.
    weak = ed25519PublicKeyProblem(new Uint8Array(await subtle().exportKey('raw', publicKey))) !== null;
    weakKeys.set(publicKey, weak);
  }
  return weak;
}

async function verifyEd25519(publicKey: CryptoKey, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (signature.length !== SIGNATURE_LENGTHS.ed25519) return false;
  if (await isWeakKey(publicKey)) return false;
  try {
    return (await subtle().verify('Ed25519', publicKey, plainBytes(signature), plainBytes(data))) === true;
  } catch {
    return false;
  }
}

async function verifyHmac(secret: Uint8Array, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (signature.length !== SIGNATURE_LENGTHS['hmac-sha256']) return false;
  return constantTimeEqual(await hmac(secret, data), signature);
}

function assertUsable(key: VerificationKeyMaterial<CryptoKey>): void {
  const usable =
    key.algorithm === 'ed25519'
      ? isCryptoKey(key.publicKey, 'Ed25519', 'public') && key.publicKey.extractable
      : key.algorithm === 'hmac-sha256'
        ? key.secret instanceof Uint8Array && key.secret.length >= MIN_HMAC_SECRET_BYTES
        : false;
  if (!usable) throw new Error(`signature key ${JSON.stringify(key.keyId)} has no usable ${String(key.algorithm)} key material`);
}

async function sign(algorithm: string, material: SigningMaterial<CryptoKey, CryptoKey | Uint8Array>, data: Uint8Array): Promise<Uint8Array> {
  if (algorithm === 'ed25519') {
    if (!('privateKey' in material) || !isCryptoKey(material.privateKey, 'Ed25519', 'private')) throw new TypeError('ed25519 signing needs an Ed25519 private CryptoKey');
    return new Uint8Array(await subtle().sign('Ed25519', material.privateKey, plainBytes(data)));
  }
  if (algorithm === 'hmac-sha256') {
    if (!('secret' in material)) throw new TypeError('hmac-sha256 signing needs a secret');
    const { secret } = material;
    if (secret instanceof Uint8Array) return hmac(secret, data);
    if (!isCryptoKey(secret, 'HMAC', 'secret')) throw new TypeError('hmac-sha256 signing needs an HMAC CryptoKey or secret bytes');
    return new Uint8Array(await subtle().sign('HMAC', secret, plainBytes(data)));
  }
  throw new TypeError('unsupported signature algorithm');
}

/** Throwaway keys for dummyVerify, made on first use. */
let dummyKeys: Promise<{ secret: Uint8Array; publicKey: CryptoKey }> | undefined;

function throwawayKeys(): Promise<{ secret: Uint8Array; publicKey: CryptoKey }> {
  dummyKeys ??= (async () => {
    const pair = (await subtle().generateKey('Ed25519', true, ['sign', 'verify'])) as CryptoKeyPair;
    return { secret: globalThis.crypto.getRandomValues(new Uint8Array(32)), publicKey: pair.publicKey };
  })();
  return dummyKeys;
}

/** The WebCrypto provider. */
export const webCrypto: WebCryptoProvider = {
  sync: false,
  digest: async (algorithm, data) => new Uint8Array(await subtle().digest(SUBTLE_HASH[algorithm], plainBytes(data))),
  sign,
  async verify(key, data, signature) {
    assertUsable(key);
    if (key.algorithm === 'ed25519') return verifyEd25519(key.publicKey as CryptoKey, data, signature);
    return verifyHmac(key.secret as Uint8Array, data, signature);
  },
  async dummyVerify(data, signature) {
    const keys = await throwawayKeys();
    if (signature.length === SIGNATURE_LENGTHS.ed25519) await verifyEd25519(keys.publicKey, data, signature);
    else await verifyHmac(keys.secret, data, new Uint8Array(SIGNATURE_LENGTHS['hmac-sha256']));
  },
  randomBytes: (length) => globalThis.crypto.getRandomValues(new Uint8Array(length)),
};
