/**
 * RFC 9421 request signing for the SDK and the browser playground: the one signer of
 * `@signet/http-message-signatures` with its WebCrypto provider (`globalThis.crypto.subtle`), the
 * signer the server's tools use with node:crypto. This file adds what a client holds: a URL,
 * headers in any case, and key material as text (imported into CryptoKeys).
 */
import { computeContentDigest, IDEMPOTENCY_KEY_COMPONENT, newNonce, signRequest, webCrypto, type WebCryptoKey } from '@signet/http-message-signatures';
import { checkKeyMaterial, importCheckedKey, isSigningCryptoKey, type SignetAlgorithm, type SigningKeyMaterial } from './key-material';

export type { SignetAlgorithm, SigningKeyMaterial } from './key-material';

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
  key: WebCryptoKey;
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

function checkCryptoKey(key: WebCryptoKey, alg: SignetAlgorithm): WebCryptoKey {
  const expected = alg === 'ed25519' ? 'Ed25519' : 'HMAC';
  if (!isSigningCryptoKey(key, expected)) throw new TypeError(`the CryptoKey is not a ${expected} signing key`);
  return key;
}

/**
 * Imports signing material into a non-extractable CryptoKey: an Ed25519 private key as base64
 * PKCS#8 DER (or PEM), or an HMAC secret as base64 or bytes (at least 32 bytes, as the server
 * requires). Rejects with a TypeError naming the option when the material is not such a key.
 */
export async function importSigningKey(material: SigningKeyMaterial): Promise<WebCryptoKey> {
  return importCheckedKey(checkKeyMaterial(material));
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
