/**
 * Shapes shared by the verifier, the signer and their callers. No runtime code lives here.
 */
import type { SIGNATURE_FAILURE_REASONS } from './constants';
import type { CryptoProvider, VerificationKeyMaterial } from './crypto-provider';
import type { NonceStore } from './nonce-store';

/**
 * Why a signed request was refused. The HTTP layer maps these to 400/401 answers; note that an
 * unknown or revoked key deliberately yields `SIGNATURE_INVALID`, the same as a bad signature.
 */
export type SignatureFailureReason = (typeof SIGNATURE_FAILURE_REASONS)[number];

/** The parts of an incoming HTTP request the verifier reads, as received (nothing normalized). */
export interface SignedRequestParts {
  /** Request method as received (Node gives it uppercase). */
  method: string;
  /** Raw path as received, without the query; never normalized (`/a/../b` stays as is). */
  path: string;
  /** Raw query without the leading `?`; `''` when there is none. */
  query: string;
  /** Whether the request target had a `?` at all (distinguishes `/p?` from `/p`). */
  hasQuery: boolean;
  /**
   * The authority of a request target sent in absolute form (`POST http://host:port/p HTTP/1.1`),
   * as received. It replaces the Host header (RFC 9112 §3.2.2). Absent for the origin form: Host is used.
   */
  authority?: string;
  /** Node-style headers: lowercased names, repeated lines joined with `, ` or given as arrays. */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The body bytes exactly as received; Content-Digest is recomputed over these. */
  rawBody: Uint8Array;
}

/** A verification key as the key store knows it; `PublicKey` is the crypto provider's type (Node: `KeyObject`). */
export interface VerificationKey<PublicKey = unknown> extends VerificationKeyMaterial<PublicKey> {
  /** Account the key acts for. */
  accountId: string;
  /** Scopes granted to the key (least privilege). */
  scopes: readonly string[];
  /** A revoked key verifies nothing and is reported exactly like an unknown key. */
  revoked?: boolean;
  /**
   * When the key was created (ms since the epoch): its real, persisted creation time, never the
   * time the key was loaded. No nonce of the key can have been used before it, so a nonce store
   * that lost its data still vouches for keys created after that; and a signature whose `created`
   * is earlier (beyond the clock skew) is refused as SIGNATURE_EXPIRED.
   */
  createdAtMs?: number;
  /**
   * An opaque version of this key's material, echoed as the outcome's `keyVersion`: lets a caller
   * that resolves keys from a cache tell which entry verified the request (and check it was current).
   */
  version?: string;
}

/** The signer the request proves to be, once its signature and freshness checks passed. */
interface VerifiedSigner {
  keyId: string;
  accountId: string;
  scopes: readonly string[];
  /** The signature's `created`, in seconds since the epoch. */
  created: number;
  /** The resolved key's `version`, when it had one. */
  keyVersion?: string;
}

/** A nonce claim a caller still has to make (see `NonceStore.claim`) before anything of the request runs. */
export interface PendingNonceClaim {
  readonly keyId: string;
  readonly nonce: string;
  /** How long the nonce must stay claimed: the freshness window plus the allowed skew. */
  readonly ttlMs: number;
  /** The earliest instant this nonce could have been used before (see `NonceClaimRequest.notBeforeMs`). */
  readonly notBeforeMs: number;
  /** The signature's `created`, in ms since the epoch (see `NonceClaimRequest.createdMs`). */
  readonly createdMs: number;
  /**
   * The instant (ms since the epoch, the verifier's clock) the claim must be made before:
   * `created` + retention + skew, when an earlier claim of the same nonce may have expired. A
   * claim made later (the process stalled between the check and the claim) could succeed on a
   * nonce already used: the caller refuses the request as SIGNATURE_EXPIRED instead. `ttlMs`
   * outlasts it by `CLAIM_LANDING_MARGIN_MS`, the time a claim checked just before it may take to land.
   */
  readonly claimByMs: number;
}

/** Outcome of verifying one request with {@link createSignatureVerifier}: `verified` means the nonce is claimed. */
export type VerificationResult =
  | { status: 'absent' }
  | (VerifiedSigner & {
      status: 'verified';
      nonce: string;
      /** How long the nonce is claimed: the freshness window plus the allowed skew. */
      nonceTtlMs: number;
      /** The earliest instant this nonce could have been used before (see `NonceClaimRequest.notBeforeMs`). */
      notBeforeMs: number;
    })
  /** Valid, but the nonce store cannot prove the nonce unseen (it is complete only since `completeSinceMs`). */
  | { status: 'unproven'; keyId: string; completeSinceMs: number; retryAfterMs: number }
  | SignatureRejection;

/**
 * Outcome of {@link createDeferredClaimVerifier}: never `verified`. `unclaimed` means the signature
 * and freshness checks passed and the nonce is NOT claimed; the request is not authenticated until
 * the caller claims `claim` and the store answers `claimed`.
 */
export type DeferredVerificationResult =
  | { status: 'absent' }
  | (VerifiedSigner & { status: 'unclaimed'; claim: PendingNonceClaim })
  | SignatureRejection;

/**
 * A refused signature. `detail`, on a `MALFORMED_SIGNATURE`, says what is wrong with the headers in
 * words safe to show their sender (the fields' form, a missing component): it names no key.
 */
export interface SignatureRejection { status: 'rejected'; reason: SignatureFailureReason; keyId?: string; detail?: string }

/** Dependencies and policy of a verifier; see {@link createSignatureVerifier} and {@link createDeferredClaimVerifier}. */
export interface VerifierOptions<PublicKey = unknown> {
  /** The crypto to verify with: `nodeCrypto` (`@signet/http-message-signatures/node`) or `webCrypto`. */
  crypto: CryptoProvider<unknown, unknown, PublicKey>;
  /**
   * The configured public authority (`host[:port]`) this server answers as: `@authority` when the
   * request's Host is not one of this server's names. Normalized as `@authority` is (RFC 9421
   * §2.2.3): lowercase, without the scheme's default port (`api.example.com:443` over https is
   * `api.example.com`).
   */
  authority: string;
  /**
   * Other configured names of this server (`host[:port]`, e.g. `localhost:4000` beside
   * `127.0.0.1:4000`), normalized the same way. When the Host header, normalized too, is
   * `authority` or one of these, `@authority` is that name (the one the client used); any other
   * Host is never used, so a signature made for another server cannot verify here. Defaults to none.
   */
  authorities?: readonly string[];
  /** The public scheme, used for `@scheme` and `@target-uri`. Defaults to `'https'`. */
  scheme?: 'https' | 'http';
  /** Oldest accepted `created`, in seconds before now. */
  maxAgeSeconds: number;
  /**
   * How long after its `created` a verified request's nonce stays claimed, in seconds (the future
   * skew is added). Defaults to `maxAgeSeconds`. Verifiers that share one nonce store must all
   * keep nonces at least as long as the largest `maxAgeSeconds` any of them accepts: a nonce
   * claimed by a verifier with a shorter one would expire while another (or the same store's next
   * process, started with a larger max age) still took its signature as fresh, and the captured
   * request would run again. At least `maxAgeSeconds`.
   */
  nonceRetentionSeconds?: number;
  /** Newest accepted `created`, in seconds after now. Defaults to 5. */
  futureSkewSeconds?: number;
  /** Clock, in milliseconds since the epoch (injectable for tests). */
  now: () => number;
  /** Looks a key up by id; `null` when unknown. Errors propagate (the caller answers 503/500). */
  resolveKey(keyId: string): Promise<VerificationKey<PublicKey> | null>;
}

/** Options of {@link createSignatureVerifier}: a verifier that claims each nonce itself. */
export interface ClaimingVerifierOptions<PublicKey = unknown> extends VerifierOptions<PublicKey> {
  /** Claims a nonce once per key; its errors propagate (the caller answers 5xx). */
  nonces: Pick<NonceStore, 'claim'>;
}
