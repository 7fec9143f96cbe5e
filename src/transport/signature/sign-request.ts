/**
 * Signing a request the way the verifier expects: the public helper that builds test fixtures,
 * examples and SDK requests (STYLE rule 8). It deliberately does not enforce the verifier's policy
 * (nonce or keyid shape, freshness, required components), so tests can build every negative case
 * with it; the verifier is the only judge.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { IDEMPOTENCY_KEY_COMPONENT, REQUIRED_COMPONENTS } from './constants';
import { computeContentDigest } from './content-digest';
import { buildSignatureBase, type SignatureBaseMessage } from './signature-base';
import { signBytes, type SigningMaterial } from './signature-crypto';
import sf, { type BareItem, type InnerList, type Item } from './structured-fields';
import type { DigestAlgorithm, SignatureAlgorithm } from './types';

/** What to sign and with which key. Times are seconds since the epoch. */
export interface SignRequestOptions {
  /** HTTP method, as it will be sent. */
  method: string;
  /** The server's public authority, `host[:port]`. */
  authority: string;
  /** Raw path, e.g. `/graphql`. */
  path: string;
  /** Raw query without `?`; omit when the URL has none (then `@query` is not covered by default). */
  query?: string;
  /** The exact body bytes that will be sent (strings are UTF-8). */
  body: Buffer | Uint8Array | string;
  /** The `keyid` parameter. */
  keyId: string;
  /** Algorithm of the key; must match `privateKey` / `secret`. */
  algorithm: SignatureAlgorithm;
  /** Ed25519 private key (KeyObject or PKCS#8 PEM), for `ed25519`. */
  privateKey?: KeyObject | string;
  /** HMAC secret, for `hmac-sha256`. */
  secret?: Uint8Array;
  /** Defaults to now (from `now`, else the system clock). */
  created?: number;
  /** Defaults to 24 random bytes in base64url (32 characters); `null` omits it (negative tests). */
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

/** The signed headers plus the exact signature base that was signed (handy when debugging). */
export interface SignedRequest {
  headers: SignedRequestHeaders;
  signatureBase: string;
}

function signingMaterial(options: SignRequestOptions): SigningMaterial {
  if (options.algorithm === 'ed25519') {
    if (options.privateKey === undefined) throw new TypeError('ed25519 signing needs privateKey');
    return { privateKey: options.privateKey };
  }
  if (options.secret === undefined) throw new TypeError('hmac-sha256 signing needs secret');
  return { secret: options.secret };
}

/**
 * Signs a request per RFC 9421 with Content-Digest (RFC 9530) and returns the headers to send.
 * Parameters are written in the order created, expires, nonce, keyid, alg, tag.
 */
export function signRequest(options: SignRequestOptions): SignedRequest {
  const contentDigest = options.headers?.['content-digest'] ?? computeContentDigest(options.body, options.digestAlgorithm);
  const components = options.components ?? [
    ...REQUIRED_COMPONENTS,
    ...(options.query === undefined ? [] : ['@query']),
    ...(options.headers?.[IDEMPOTENCY_KEY_COMPONENT] === undefined ? [] : [IDEMPOTENCY_KEY_COMPONENT]),
  ];
  const created = options.created ?? Math.floor((options.now ?? Date.now)() / 1000);
  const nonce = options.nonce === undefined ? randomBytes(24).toString('base64url') : options.nonce;

  const params = new Map<string, BareItem>([['created', created]]);
  if (options.expires !== undefined) params.set('expires', options.expires);
  if (nonce !== null) params.set('nonce', nonce);
  params.set('keyid', options.keyId);
  if (options.alg !== undefined) params.set('alg', options.alg);
  if (options.tag !== undefined) params.set('tag', options.tag);
  const innerList: InnerList = [components.map((name) => [name, new Map()]), params];

  const message: SignatureBaseMessage = {
    method: options.method,
    authority: options.authority,
    path: options.path,
    query: options.query,
    headers: { ...options.headers, 'content-digest': contentDigest },
  };
  const signatureBase = buildSignatureBase(components, message, sf.serializeInnerList(innerList));
  const signature = signBytes(options.algorithm, signingMaterial(options), new TextEncoder().encode(signatureBase));
  const label = options.label ?? 'sig1';

  return {
    headers: {
      'content-digest': contentDigest,
      'signature-input': sf.serializeDictionary(new Map([[label, innerList]])),
      signature: sf.serializeDictionary(new Map<string, Item>([[label, [new Uint8Array(signature), new Map()]]])),
    },
    signatureBase,
  };
}
