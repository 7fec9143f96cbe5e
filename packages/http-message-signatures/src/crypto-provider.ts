/**
 * The crypto the signer and the verifier need, behind one interface (as stripe-node's
 * `CryptoProvider`): digests, signing, verification and random bytes. Two implementations ship:
 * `nodeCrypto` (`@signet/http-message-signatures/node`, node:crypto, synchronous) and
 * `webCrypto` (`globalThis.crypto.subtle`, asynchronous, for browsers, workers and Node alike).
 *
 * A provider marked `sync: true` answers every call at once; the signer and the digest helper
 * then answer synchronously too (see their overloads). Key material is the provider's own type:
 * `KeyObject` for Node, `CryptoKey` for WebCrypto.
 */
/** Signature algorithms a key can be registered with; one algorithm per key. */
export type SignatureAlgorithm = 'ed25519' | 'hmac-sha256';

/** Content-Digest algorithms computed and accepted (RFC 9530). */
export type DigestAlgorithm = 'sha-256' | 'sha-512';

/** The part of a verification key the crypto reads; `PublicKey` is the provider's type. */
export interface VerificationKeyMaterial<PublicKey = unknown> {
  /** Named in errors about unusable material (never the material itself). */
  keyId: string;
  /** The one algorithm this key may be used with. */
  algorithm: SignatureAlgorithm;
  /** Ed25519 public key; required when `algorithm` is `ed25519`. */
  publicKey?: PublicKey;
  /** HMAC secret (at least 32 bytes); required when `algorithm` is `hmac-sha256`. */
  secret?: Uint8Array;
}

/** A value now (synchronous provider) or later (asynchronous provider). */
export type MaybePromise<T> = T | Promise<T>;

/** What to sign with: an Ed25519 private key or an HMAC secret, in the provider's key type. */
export type SigningMaterial<PrivateKey = unknown, Secret = unknown> = { readonly privateKey: PrivateKey } | { readonly secret: Secret };

/** The crypto primitives of RFC 9421 (ed25519, hmac-sha256) and RFC 9530 (sha-256, sha-512). */
export interface CryptoProvider<PrivateKey = unknown, Secret = unknown, PublicKey = unknown> {
  /** True when every method answers synchronously (see {@link SyncCryptoProvider}). */
  readonly sync: boolean;
  /** The digest of `data` (RFC 9530 algorithm names). */
  digest(algorithm: DigestAlgorithm, data: Uint8Array): MaybePromise<Uint8Array>;
  /** Signs `data`; throws a TypeError when the material is not of `algorithm`'s kind. */
  sign(algorithm: SignatureAlgorithm, material: SigningMaterial<PrivateKey, Secret>, data: Uint8Array): MaybePromise<Uint8Array>;
  /**
   * True only for a valid signature of `data` by `key`, with the key's own algorithm; a weak
   * (small-order, non-canonical, off-curve) Ed25519 key verifies nothing. Throws when the key
   * record has no usable material (a server-side data error: the caller answers 5xx).
   */
  verify(key: VerificationKeyMaterial<PublicKey>, data: Uint8Array, signature: Uint8Array): MaybePromise<boolean>;
  /**
   * Does the work of a verification with throwaway keys and discards the answer: for unknown and
   * revoked keys, so timing does not tell whether a key id exists.
   */
  dummyVerify(data: Uint8Array, signature: Uint8Array): MaybePromise<void>;
  /** `length` cryptographically random bytes. */
  randomBytes(length: number): Uint8Array;
}

/** A provider whose every answer is immediate: signing and digests through it are synchronous. */
export interface SyncCryptoProvider<PrivateKey = unknown, Secret = unknown, PublicKey = unknown> extends CryptoProvider<PrivateKey, Secret, PublicKey> {
  readonly sync: true;
  digest(algorithm: DigestAlgorithm, data: Uint8Array): Uint8Array;
  sign(algorithm: SignatureAlgorithm, material: SigningMaterial<PrivateKey, Secret>, data: Uint8Array): Uint8Array;
  verify(key: VerificationKeyMaterial<PublicKey>, data: Uint8Array, signature: Uint8Array): boolean;
  dummyVerify(data: Uint8Array, signature: Uint8Array): void;
}

/** Runs `next` on `value` at once when it is not a promise, else after it: one code path for both kinds of provider. */
export function andThen<T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/** The result as the provider's kind promises it: a promise for an asynchronous provider, even if it answered at once. */
export function settle<T>(crypto: CryptoProvider, value: MaybePromise<T>): MaybePromise<T> {
  return crypto.sync || value instanceof Promise ? value : Promise.resolve(value);
}
