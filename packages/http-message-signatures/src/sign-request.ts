/**
 * The one request signer, over any {@link CryptoProvider}: the Node provider for servers, tools
 * and test fixtures (synchronous), WebCrypto for the SDK, the CLI and the browser playground. It
 * deliberately does not enforce the verifier's policy (nonce or keyid shape, freshness, required
 * components), so tests can build every negative case with it; the verifier is the only judge.
 */
import { normalizeAuthority } from './authority';
import { plainBytes, toBase64Url, toBytes } from './bytes';
import { IDEMPOTENCY_KEY_COMPONENT, REQUIRED_COMPONENTS } from './constants';
import { computeContentDigest } from './content-digest';
import {
  andThen,
  settle,
  type CryptoProvider,
  type DigestAlgorithm,
  type MaybePromise,
  type SignatureAlgorithm,
  type SigningMaterial,
  type SyncCryptoProvider,
} from './crypto-provider';
import { buildSignatureBase, type SignatureBaseMessage } from './signature-base';
import sf, { type BareItem, type InnerList, type Item } from './structured-fields';

/**
 * What to sign and with which key. Times are seconds since the epoch. The key types are the
 * provider's: `KeyObject | string` (PKCS#8 PEM) and `Uint8Array` for Node, `CryptoKey` for WebCrypto.
 */
export interface SignRequestOptions<PrivateKey = unknown, Secret = unknown> {
  /** HTTP method, as it will be sent. */
  method: string;
  /** The server's public authority, `host[:port]`; signed as `@authority` is (RFC 9421 §2.2.3): lowercase, without the scheme's default port. */
  authority: string;
  /** The server's public scheme, for `@scheme` and `@target-uri` and the default port `authority` drops. Defaults to `'https'`. */
  scheme?: 'https' | 'http';
  /** Raw path, e.g. `/graphql`. */
  path: string;
  /** Raw query without `?`; omit when the URL has none (then `@query` is not covered by default). */
  query?: string;
  /** The exact body bytes that will be sent (strings are UTF-8). */
  body: Uint8Array | string;
  /** The `keyid` parameter. */
  keyId: string;
  /** Algorithm of the key; must match `privateKey` / `secret`. */
  algorithm: SignatureAlgorithm;
  /** Ed25519 private key, for `ed25519`. */
  privateKey?: PrivateKey;
  /** HMAC secret, for `hmac-sha256`. */
  secret?: Secret;
  /** Defaults to now (from `now`, else the system clock). */
  created?: number;
  /** Defaults to {@link newNonce}; `null` omits it (negative tests). */
  nonce?: string | null;
  /** Optional `expires` parameter. */
  expires?: number;
  /** `alg` parameter to send verbatim; omitted by default (the key decides the algorithm). */
  alg?: string;
  /** Optional `tag` parameter. */
  tag?: string;
  /** Dictionary label; defaults to `sig1`. */
  label?: string;
  /**
   * Covered components, in order; defaults to the required set, + `@query` when `query` is given,
   * + `idempotency-key` when `headers` has one (the server refuses a request whose key is uncovered).
   */
  components?: readonly string[];
  /** Other request headers (lowercased names) that covered field components read; pass the `idempotency-key` you send. */
  headers?: Readonly<Record<string, string>>;
  /** Content-Digest algorithm; defaults to `sha-256`. Ignored when `headers['content-digest']` is given. */
  digestAlgorithm?: DigestAlgorithm;
  /** Clock in milliseconds, used only when `created` is omitted. */
  now?: () => number;
}

/** Headers to add to the request, lowercased. */
export interface SignedRequestHeaders {
  'content-digest': string;
  'signature-input': string;
  signature: string;
}

/** The signed headers plus what was signed: the exact signature base (handy when debugging), `created` and the nonce. */
export interface SignedRequest {
  headers: SignedRequestHeaders;
  signatureBase: string;
  created: number;
  /** The nonce sent; null when the caller asked for none. */
  nonce: string | null;
}

/** A fresh nonce: 24 random bytes in base64url without padding (32 characters, within the verifier's 16–64). */
export function newNonce(crypto: Pick<CryptoProvider, 'randomBytes'>): string {
  return toBase64Url(crypto.randomBytes(24));
}

function signingMaterial<PrivateKey, Secret>(options: SignRequestOptions<PrivateKey, Secret>): SigningMaterial<PrivateKey, Secret> {
  if (options.algorithm === 'ed25519') {
    if (options.privateKey === undefined) throw new TypeError('ed25519 signing needs privateKey');
    return { privateKey: options.privateKey };
  }
  if (options.secret === undefined) throw new TypeError('hmac-sha256 signing needs secret');
  return { secret: options.secret };
}

/** Everything but the signature bytes: components, parameters and the base they make. */
function prepare(options: SignRequestOptions, contentDigest: string, nonce: string | null) {
  const components = options.components ?? [
    ...REQUIRED_COMPONENTS,
    ...(options.query === undefined ? [] : ['@query']),
    ...(options.headers?.[IDEMPOTENCY_KEY_COMPONENT] === undefined ? [] : [IDEMPOTENCY_KEY_COMPONENT]),
  ];
  const created = options.created ?? Math.floor((options.now ?? Date.now)() / 1000);

  const params = new Map<string, BareItem>([['created', created]]);
  if (options.expires !== undefined) params.set('expires', options.expires);
  if (nonce !== null) params.set('nonce', nonce);
  params.set('keyid', options.keyId);
  if (options.alg !== undefined) params.set('alg', options.alg);
  if (options.tag !== undefined) params.set('tag', options.tag);
  const innerList: InnerList = [components.map((name) => [name, new Map()]), params];

  const scheme = options.scheme ?? 'https';
  // The verifier's form of the name: `api.example.com:443` over https is signed as `api.example.com`.
  const message: SignatureBaseMessage = {
    method: options.method,
    authority: normalizeAuthority(options.authority, scheme),
    path: options.path,
    query: options.query,
    scheme,
    headers: { ...options.headers, 'content-digest': contentDigest },
  };
  const signatureBase = buildSignatureBase(components, message, sf.serializeInnerList(innerList));
  return { created, innerList, signatureBase };
}

/**
 * Signs a request per RFC 9421 with Content-Digest (RFC 9530) and returns the headers to send.
 * Parameters are written in the order created, expires, nonce, keyid, alg, tag. Synchronous with
 * a synchronous provider (Node), a promise otherwise (WebCrypto).
 */
export function signRequest<P, S>(crypto: SyncCryptoProvider<P, S>, options: SignRequestOptions<P, S>): SignedRequest;
export function signRequest<P, S>(crypto: CryptoProvider<P, S>, options: SignRequestOptions<P, S>): Promise<SignedRequest>;
export function signRequest<P, S>(crypto: CryptoProvider<P, S>, options: SignRequestOptions<P, S>): MaybePromise<SignedRequest> {
  const material = signingMaterial(options);
  const nonce = options.nonce === undefined ? newNonce(crypto) : options.nonce;
  const given = options.headers?.['content-digest'];
  const digest: MaybePromise<string> = given ?? computeContentDigest(crypto as CryptoProvider, options.body, options.digestAlgorithm);
  return settle(crypto, andThen(digest, (contentDigest) => {
    const { created, innerList, signatureBase } = prepare(options, contentDigest, nonce);
    return andThen(crypto.sign(options.algorithm, material, toBytes(signatureBase)), (signature): SignedRequest => {
      const label = options.label ?? 'sig1';
      return {
        headers: {
          'content-digest': contentDigest,
          'signature-input': sf.serializeDictionary(new Map([[label, innerList]])),
          signature: sf.serializeDictionary(new Map<string, Item>([[label, [plainBytes(signature), new Map()]]])),
        },
        signatureBase,
        created,
        nonce,
      };
    });
  }));
}
