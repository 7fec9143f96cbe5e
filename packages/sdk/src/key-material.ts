/**
 * Key material checked without WebCrypto, synchronously: WebCrypto imports only asynchronously, so
 * a client that left the check to its import would find a bad key on its first request and reject
 * that request with an error that is not about the request. Every message names the option and
 * never quotes the material.
 */
import type { WebCryptoKey } from '@signet/http-message-signatures';
import { fromBase64, plainBytes } from './bytes';

/** The signature algorithms a Signet key can use (one per key). */
export type SignetAlgorithm = 'ed25519' | 'hmac-sha256';

/** Key material as people hold it: what `signet keys create` prints, or a CryptoKey already imported. */
export type SigningKeyMaterial =
  | { alg: 'ed25519'; privateKey: string | WebCryptoKey }
  | { alg: 'hmac-sha256'; secret: string | Uint8Array | WebCryptoKey };

/** Material that passed {@link checkKeyMaterial}: a CryptoKey to use as is, or the exact bytes to import. */
export type CheckedKeyMaterial =
  | { alg: SignetAlgorithm; cryptoKey: WebCryptoKey }
  | { alg: 'ed25519'; pkcs8: Uint8Array<ArrayBuffer> }
  | { alg: 'hmac-sha256'; raw: Uint8Array<ArrayBuffer> };

/** The shortest HMAC secret the server accepts. */
const MIN_HMAC_SECRET_BYTES = 32;

/** PKCS#8 v1 of an Ed25519 key up to its 32-byte seed (RFC 8410 §7): what `signet keys create` prints. */
const ED25519_PKCS8_PREFIX = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20);
/** The AlgorithmIdentifier's contents: OID 1.3.101.112 (id-Ed25519), no parameters. */
const ED25519_OID = [0x06, 0x03, 0x2b, 0x65, 0x70];

const NOT_ED25519 = 'privateKey is not an Ed25519 private key: pass the base64 PKCS#8 DER (or PEM) that `signet keys create` prints, or an Ed25519 signing CryptoKey';

/** Whether `key` is a CryptoKey of `name` that may sign. Duck-typed: a key from another realm fails instanceof. */
export function isSigningCryptoKey(key: unknown, name: 'Ed25519' | 'HMAC'): key is WebCryptoKey {
  const candidate = key as Partial<CryptoKey> | null;
  return typeof candidate === 'object' && candidate !== null && candidate.algorithm?.name === name
    && Array.isArray(candidate.usages) && candidate.usages.includes('sign');
}

/** One DER element at `at`: its tag and where its contents start and end; undefined past the input. */
function derElement(der: Uint8Array, at: number): { tag: number; start: number; end: number } | undefined {
  if (at + 2 > der.length) return undefined;
  let length = der[at + 1];
  let start = at + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 2 || start + octets > der.length) return undefined;
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + der[start + i];
    start += octets;
  }
  const end = start + length;
  return end <= der.length ? { tag: der[at], start, end } : undefined;
}

/**
 * The 32-byte seed of an Ed25519 private key in PKCS#8 (RFC 5958 OneAsymmetricKey, v1 or v2:
 * optional attributes, optional public key), or undefined. The seed alone is the key, so it is
 * imported re-wrapped as v1, the form every WebCrypto that has Ed25519 takes (Node 20's refuses v2).
 */
function ed25519Seed(der: Uint8Array): Uint8Array | undefined {
  const outer = derElement(der, 0);
  if (outer?.tag !== 0x30 || outer.end !== der.length) return undefined;
  const version = derElement(der, outer.start);
  if (version?.tag !== 0x02 || version.end - version.start !== 1 || der[version.start] > 1) return undefined;
  const algorithm = derElement(der, version.end);
  if (algorithm?.tag !== 0x30 || algorithm.end - algorithm.start !== ED25519_OID.length
    || ED25519_OID.some((byte, i) => der[algorithm.start + i] !== byte)) return undefined;
  const privateKey = derElement(der, algorithm.end);
  const seed = privateKey?.tag === 0x04 ? derElement(der, privateKey.start) : undefined;
  if (seed?.tag !== 0x04 || seed.end !== privateKey!.end || seed.end - seed.start !== 32) return undefined;
  let at = privateKey!.end;
  // [0] attributes, then [1] publicKey (v2 only): neither changes the key.
  for (const tag of [0xa0, 0x81]) {
    const field = at < outer.end ? derElement(der, at) : undefined;
    if (field?.tag === tag && (tag !== 0x81 || der[version.start] === 1)) at = field.end;
  }
  return at === outer.end ? der.subarray(seed.start, seed.end) : undefined;
}

function checkEd25519(privateKey: unknown): CheckedKeyMaterial {
  if (typeof privateKey !== 'string') {
    if (!isSigningCryptoKey(privateKey, 'Ed25519')) throw new TypeError(NOT_ED25519);
    return { alg: 'ed25519', cryptoKey: privateKey };
  }
  // `keys create` prints bare base64 DER, but people paste PEM too.
  const pem = /-----BEGIN PRIVATE KEY-----([\s\S]*?)-----END PRIVATE KEY-----/.exec(privateKey);
  let seed: Uint8Array | undefined;
  try {
    seed = ed25519Seed(fromBase64(pem ? pem[1] : privateKey, 'privateKey'));
  } catch {
    seed = undefined;
  }
  if (!seed) throw new TypeError(NOT_ED25519);
  const pkcs8 = new Uint8Array(new ArrayBuffer(ED25519_PKCS8_PREFIX.length + seed.length));
  pkcs8.set(ED25519_PKCS8_PREFIX);
  pkcs8.set(seed, ED25519_PKCS8_PREFIX.length);
  return { alg: 'ed25519', pkcs8 };
}

function checkHmac(secret: unknown): CheckedKeyMaterial {
  if (typeof secret !== 'string' && !(secret instanceof Uint8Array)) {
    if (!isSigningCryptoKey(secret, 'HMAC')) throw new TypeError('secret must be the base64 text `signet keys create` prints, its bytes, or an HMAC signing CryptoKey');
    return { alg: 'hmac-sha256', cryptoKey: secret };
  }
  const bytes = typeof secret === 'string' ? fromBase64(secret, 'secret') : secret;
  if (bytes.length < MIN_HMAC_SECRET_BYTES) {
    throw new TypeError(`secret has ${bytes.length} bytes: an hmac-sha256 secret has at least ${MIN_HMAC_SECRET_BYTES}`);
  }
  return { alg: 'hmac-sha256', raw: plainBytes(bytes) };
}

/**
 * Checks key material as the import will need it, synchronously; throws a TypeError naming the
 * option (`privateKey`, `secret`, `alg`). What passes imports wherever WebCrypto has the algorithm.
 */
export function checkKeyMaterial(material: SigningKeyMaterial): CheckedKeyMaterial {
  if (material.alg === 'ed25519') return checkEd25519(material.privateKey);
  if (material.alg === 'hmac-sha256') return checkHmac(material.secret);
  throw new TypeError('alg must be ed25519 or hmac-sha256');
}

/** WebCrypto's SubtleCrypto (typed as the host's own: no global `SubtleCrypto` without the DOM lib), or an Error saying it is missing. */
export function subtle(): typeof globalThis.crypto.subtle {
  const api = globalThis.crypto?.subtle;
  // Browsers expose SubtleCrypto only in secure contexts (https or localhost).
  if (!api) throw new Error('WebCrypto (crypto.subtle) is not available here: use Node 20+ or a secure browser context');
  return api;
}

/** Imports checked material into a non-extractable signing CryptoKey. */
export async function importCheckedKey(material: CheckedKeyMaterial): Promise<WebCryptoKey> {
  if ('cryptoKey' in material) return material.cryptoKey;
  if ('raw' in material) return subtle().importKey('raw', material.raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  try {
    return await subtle().importKey('pkcs8', material.pkcs8, { name: 'Ed25519' }, false, ['sign']);
  } catch (error) {
    // The key is well formed (checked above): what failed is this runtime's WebCrypto.
    throw new TypeError(`WebCrypto here cannot import an Ed25519 key (${(error as Error).message}): use Node 20+ or a browser with Ed25519`);
  }
}
