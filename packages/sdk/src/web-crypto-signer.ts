/**
 * RFC 9421 request signing for the SDK and the browser playground: the one signer of
 * `@signet/http-message-signatures` with its WebCrypto provider (`globalThis.crypto.subtle`), the
 * signer the server's tools use with node:crypto. This file adds what a client holds: a URL,
 * headers in any case, and key material as text (imported into CryptoKeys).
 */
import { computeContentDigest, IDEMPOTENCY_KEY_COMPONENT, newNonce, signRequest, webCrypto } from '@signet/http-message-signatures';
import { fromBase64, plainBytes } from './bytes';

/** The signature algorithms a Signet key can use (one per key). */
export type SignetAlgorithm = 'ed25519' | 'hmac-sha256';

/** Key material as people hold it: what `signet keys create` prints, or a CryptoKey already imported. */
export type SigningKeyMaterial =
  | { alg: 'ed25519'; privateKey: string | CryptoKey }
  | { alg: 'hmac-sha256'; secret: string | Uint8Array | CryptoKey };

/** What {@link signRequestWebCrypto} signs. */
export interface WebCryptoSignOptions {
  /** HTTP method as it will be sent. */
  method: string;
  /** The full request URL; `@path` and `@query` are taken from it exactly as `fetch` will send them. */
  url: string | URL;
  /** The server's public `host[:port]`; defaults to the URL's host (override behind a proxy). */
  authority?: string;
  /** The exact body bytes that will be sent (strings are UTF-8). */
  body: string | Uint8Array;
  /** The `keyid` parameter. */
  keyId: string;
  /** Algorithm of `key`. */
  alg: SignetAlgorithm;
  /** A signing key from {@link importSigningKey}. */
  key: CryptoKey;
  /** `created`, in seconds since the epoch; defaults to the system clock. */
  created?: number;
  /** Defaults to 24 fresh random bytes in base64url (32 characters). Never reuse one. */
  nonce?: string;
  /** Dictionary label; defaults to `sig1`. */
  label?: string;
  /**
   * The other headers that will be sent (names in any case). An `Idempotency-Key` among them is
   * covered with its exact value: the server refuses a request that carries an uncovered one.
   */
  headers?: Readonly<Record<string, string | undefined>>;
}

/** The headers to add to the request, plus what was signed (useful when debugging a 401). */
export interface WebCryptoSignedRequest {
  headers: { 'content-digest': string; 'signature-input': string; signature: string };
  signatureBase: string;
  created: number;
  nonce: string;
}

/** A fresh nonce: 24 random bytes, base64url without padding (32 characters, within the server's 16–64). */
export function randomNonce(): string {
  return newNonce(webCrypto);
}

function subtle(): SubtleCrypto {
  const api = globalThis.crypto?.subtle;
  // Browsers expose SubtleCrypto only in secure contexts (https or localhost).
  if (!api) throw new Error('WebCrypto (crypto.subtle) is not available here: use Node 20+ or a secure browser context');
  return api;
}

/** Strips PEM armour if present; `keys create` prints bare base64 DER, but people paste PEM too. */
function derFromText(text: string): Uint8Array {
  const pem = /-----BEGIN PRIVATE KEY-----([\s\S]*?)-----END PRIVATE KEY-----/.exec(text);
  return fromBase64(pem ? pem[1] : text, 'privateKey');
}

function checkCryptoKey(key: CryptoKey, alg: SignetAlgorithm): CryptoKey {
  const expected = alg === 'ed25519' ? 'Ed25519' : 'HMAC';
  if (key.algorithm.name !== expected || !key.usages.includes('sign')) throw new TypeError(`the CryptoKey is not a ${expected} signing key`);
  return key;
}

/**
 * Imports signing material into a non-extractable CryptoKey: an Ed25519 private key as base64
 * PKCS#8 DER (or PEM), or an HMAC secret as base64 or bytes (at least 32 bytes, as the server requires).
 */
export async function importSigningKey(material: SigningKeyMaterial): Promise<CryptoKey> {
  if (material.alg === 'ed25519') {
    if (typeof material.privateKey !== 'string') return checkCryptoKey(material.privateKey, 'ed25519');
    try {
      return await subtle().importKey('pkcs8', plainBytes(derFromText(material.privateKey)), { name: 'Ed25519' }, false, ['sign']);
    } catch (error) {
      throw new TypeError(`privateKey is not an Ed25519 PKCS#8 key (${(error as Error).message})`);
    }
  }
  if (material.alg !== 'hmac-sha256') throw new TypeError('alg must be ed25519 or hmac-sha256');
  const { secret } = material;
  if (typeof secret !== 'string' && !(secret instanceof Uint8Array)) return checkCryptoKey(secret, 'hmac-sha256');
  const bytes = typeof secret === 'string' ? fromBase64(secret, 'secret') : secret;
  if (bytes.length < 32) throw new TypeError('an hmac-sha256 secret has at least 32 bytes');
  return subtle().importKey('raw', plainBytes(bytes), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

/** RFC 9530 `Content-Digest` (sha-256) of the exact body bytes. */
export function contentDigest(body: string | Uint8Array): Promise<string> {
  return computeContentDigest(webCrypto, body);
}

/** Refuses what an sf-string cannot carry, naming the option, rather than leaving it to the serializer. */
function checkPrintable(value: string, what: string): void {
  if (!/^[\x20-\x7e]*$/.test(value)) throw new TypeError(`${what} must be printable ASCII`);
}

/** The `Idempotency-Key` value among `headers`, whatever the case of its name. */
function idempotencyKeyField(headers: WebCryptoSignOptions['headers']): string | undefined {
  if (headers === undefined) return undefined;
  const values = Object.keys(headers)
    .filter((name) => name.toLowerCase() === IDEMPOTENCY_KEY_COMPONENT)
    .map((name) => headers[name])
    .filter((value): value is string => value !== undefined);
  // Two spellings of one header would be sent as two lines, which the server refuses anyway.
  if (values.length > 1) throw new TypeError('headers name Idempotency-Key more than once');
  return values[0];
}

/**
 * Signs a request per the Signet profile: Content-Digest over the body, covered components
 * `@method @authority @path content-digest` (+ `@query` when the URL has one, + `idempotency-key`
 * when `headers` has one), parameters `created`, `nonce`, `keyid`. Resolves to the headers to send
 * with exactly that body.
 */
export async function signRequestWebCrypto(options: WebCryptoSignOptions): Promise<WebCryptoSignedRequest> {
  const url = typeof options.url === 'string' ? new URL(options.url) : options.url;
  const created = options.created ?? Math.floor(Date.now() / 1000);
  if (!Number.isSafeInteger(created) || created < 0) throw new TypeError('created must be whole seconds since the epoch');
  const nonce = options.nonce ?? randomNonce();
  checkPrintable(nonce, 'nonce');
  checkPrintable(options.keyId, 'keyId');
  const idempotencyKey = idempotencyKeyField(options.headers);
  const key = checkCryptoKey(options.key, options.alg);
  const signed = await signRequest(webCrypto, {
    method: options.method,
    authority: options.authority ?? url.host,
    // The URL's scheme decides which default port `@authority` drops: http://host:443 keeps `:443`.
    scheme: url.protocol === 'http:' ? 'http' : 'https',
    path: url.pathname,
    // `fetch` sends a URL with an empty query without the `?`, so an empty search means no @query.
    query: url.search === '' ? undefined : url.search.slice(1),
    body: options.body,
    keyId: options.keyId,
    algorithm: options.alg,
    ...(options.alg === 'ed25519' ? { privateKey: key } : { secret: key }),
    created,
    nonce,
    label: options.label,
    headers: idempotencyKey === undefined ? {} : { [IDEMPOTENCY_KEY_COMPONENT]: idempotencyKey },
  });
  return { headers: signed.headers, signatureBase: signed.signatureBase, created, nonce };
}
