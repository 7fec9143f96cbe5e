/**
 * RFC 9421 request signing with WebCrypto only (`globalThis.crypto.subtle`), so the SDK, the CLI
 * and the browser playground sign exactly the same way. The signature base comes from the
 * server's own pure `buildSignatureBase`: one implementation of the bytes that get verified. It is
 * imported from its file, not from the folder's index, because the index also loads `node:crypto`.
 */
import { IDEMPOTENCY_KEY_COMPONENT, REQUIRED_COMPONENTS } from '../transport/signature/constants';
import { buildSignatureBase } from '../transport/signature/signature-base';
import { fromBase64, plainBytes, toBase64, utf8 } from './bytes';

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

function subtle(): SubtleCrypto {
  const api = globalThis.crypto?.subtle;
  // Browsers expose SubtleCrypto only in secure contexts (https or localhost).
  if (!api) throw new Error('WebCrypto (crypto.subtle) is not available here: use Node 20+ or a secure browser context');
  return api;
}

/** A fresh nonce: 24 random bytes, base64url without padding (32 characters, within the server's 16–64). */
export function randomNonce(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(24));
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
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
export async function contentDigest(body: string | Uint8Array): Promise<string> {
  const bytes = typeof body === 'string' ? utf8(body) : body;
  return `sha-256=:${toBase64(await subtle().digest('SHA-256', plainBytes(bytes)))}:`;
}

/** An RFC 8941 sf-string; refuses what the format cannot carry rather than escaping it wrongly. */
function sfString(value: string, what: string): string {
  if (!/^[\x20-\x7e]*$/.test(value)) throw new TypeError(`${what} must be printable ASCII`);
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
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
  // `fetch` sends a URL with an empty query without the `?`, so an empty search means no @query.
  const query = url.search === '' ? undefined : url.search.slice(1);
  const idempotencyKey = idempotencyKeyField(options.headers);
  const components = [
    ...REQUIRED_COMPONENTS,
    ...(query === undefined ? [] : ['@query']),
    ...(idempotencyKey === undefined ? [] : [IDEMPOTENCY_KEY_COMPONENT]),
  ];
  const digest = await contentDigest(options.body);
  const covered: Record<string, string> = { 'content-digest': digest };
  if (idempotencyKey !== undefined) covered[IDEMPOTENCY_KEY_COMPONENT] = idempotencyKey;
  const params =
    `(${components.map((c) => `"${c}"`).join(' ')});created=${created};nonce=${sfString(nonce, 'nonce')};keyid=${sfString(options.keyId, 'keyId')}`;
  const signatureBase = buildSignatureBase(
    components,
    { method: options.method, authority: options.authority ?? url.host, path: url.pathname, query, headers: covered },
    params,
  );
  const key = checkCryptoKey(options.key, options.alg);
  const algorithm = options.alg === 'ed25519' ? { name: 'Ed25519' } : { name: 'HMAC' };
  const signature = await subtle().sign(algorithm, key, plainBytes(utf8(signatureBase)));
  const label = options.label ?? 'sig1';
  return {
    headers: { 'content-digest': digest, 'signature-input': `${label}=${params}`, signature: `${label}=:${toBase64(signature)}:` },
    signatureBase,
    created,
    nonce,
  };
}
