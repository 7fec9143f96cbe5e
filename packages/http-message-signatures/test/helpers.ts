/**
 * Fixtures for the signature tests: keys, a verifier wired to counting fakes, and
 * `signedRequest(...)`, which signs through the public `signRequest` helper.
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import {
  createMemoryNonceStore,
  type NonceClaimRequest,
  createDeferredClaimVerifier,
  createSignatureVerifier,
  type ClaimingVerifierOptions,
  signRequest,
  type SignedRequestParts,
  type SignRequestOptions,
  type VerificationKey,
  type VerifierOptions,
} from '../src';
import { nodeCrypto } from '../src/node';

/** The server's configured public authority in these tests. */
export const AUTHORITY = 'api.signet.test';
/** A fixed "now" (ms): 2023-11-14T22:13:20Z. */
export const NOW_MS = 1_700_000_000_000;
/** NOW_MS in seconds, the unit of `created`. */
export const NOW_S = NOW_MS / 1000;
/** The GraphQL body the fixtures sign. */
export const BODY = '{"query":"mutation { placeOrder(market: \\"BTC-EUR\\") { id } }"}';

const ed = generateKeyPairSync('ed25519');
/** An Ed25519 key pair registered as `ed-key-1`. */
export const ED25519 = { keyId: 'ed-key-1', privateKey: ed.privateKey, publicKey: ed.publicKey };
/** A 32-byte HMAC secret registered as `hmac-key-1`. */
export const HMAC = { keyId: 'hmac-key-1', secret: randomBytes(32) };

/** The key records the fake resolver knows. */
export function defaultKeys(): Map<string, VerificationKey<KeyObject>> {
  return new Map<string, VerificationKey<KeyObject>>([
    [ED25519.keyId, { keyId: ED25519.keyId, accountId: 'acct-ed', scopes: ['TRADE'], algorithm: 'ed25519', publicKey: ED25519.publicKey }],
    [HMAC.keyId, { keyId: HMAC.keyId, accountId: 'acct-hmac', scopes: ['READ', 'TRANSFER'], algorithm: 'hmac-sha256', secret: HMAC.secret }],
  ]);
}

/**
 * A verifier with a movable clock, a real memory nonce store and jest.fn counters on both ports
 * (`claimNonce` is the spy behind `nonces.claim`).
 */
export function setup(overrides: Partial<ClaimingVerifierOptions<KeyObject>> = {}) {
  const clock = { now: NOW_MS };
  const keys = defaultKeys();
  // Its keys were never used with another store: complete since the epoch.
  const store = createMemoryNonceStore({ now: () => clock.now, completeSinceMs: 0 });
  const resolveKey = jest.fn(async (keyId: string) => keys.get(keyId) ?? null);
  const claimNonce = jest.fn((keyId: string, nonce: string, request: NonceClaimRequest) => store.claim(keyId, nonce, request));
  const verify = createSignatureVerifier({
    crypto: nodeCrypto,
    authority: AUTHORITY,
    maxAgeSeconds: 30,
    now: () => clock.now,
    resolveKey,
    nonces: { claim: claimNonce },
    ...overrides,
  });
  return { clock, keys, store, resolveKey, claimNonce, verify };
}

/** The server's deferred-claim verifier with a movable clock and a counting key resolver. */
export function setupDeferred(overrides: Partial<VerifierOptions<KeyObject>> = {}) {
  const clock = { now: NOW_MS };
  const keys = defaultKeys();
  const resolveKey = jest.fn(async (keyId: string) => keys.get(keyId) ?? null);
  const verify = createDeferredClaimVerifier({ crypto: nodeCrypto, authority: AUTHORITY, maxAgeSeconds: 30, now: () => clock.now, resolveKey, ...overrides });
  return { clock, keys, resolveKey, verify };
}

/** Options of {@link signedRequest}: signing options plus what actually goes on the wire. */
export type SignedRequestFixture = Partial<SignRequestOptions<KeyObject | string, Uint8Array>> & {
  key?: 'ed25519' | 'hmac';
  /** Body actually sent, when it should differ from the signed one. */
  sentBody?: string;
  /** Path / query actually sent, when they should differ from the signed ones. */
  sentPath?: string;
  sentQuery?: string;
  /** Header edits applied after signing (`undefined` deletes). */
  edit?: Record<string, string | string[] | undefined>;
};

/** A request as the HTTP layer would hand it to the verifier, signed with the test keys. */
export function signedRequest(fixture: SignedRequestFixture = {}): SignedRequestParts {
  const { key = 'ed25519', sentBody, sentPath, sentQuery, edit = {}, ...options } = fixture;
  const material =
    key === 'ed25519'
      ? { keyId: ED25519.keyId, algorithm: 'ed25519' as const, privateKey: ED25519.privateKey }
      : { keyId: HMAC.keyId, algorithm: 'hmac-sha256' as const, secret: HMAC.secret };
  const signOptions: SignRequestOptions<KeyObject | string, Uint8Array> = {
    method: 'POST',
    authority: AUTHORITY,
    path: '/graphql',
    body: BODY,
    created: NOW_S,
    ...material,
    ...options,
  };
  const signed = signRequest(nodeCrypto, signOptions);
  const headers: Record<string, string | string[] | undefined> = {
    host: AUTHORITY,
    'content-type': 'application/json',
    ...signOptions.headers,
    ...signed.headers,
  };
  for (const [name, value] of Object.entries(edit)) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  const query = sentQuery ?? signOptions.query;
  return {
    method: signOptions.method,
    path: sentPath ?? signOptions.path,
    query: query ?? '',
    hasQuery: query !== undefined,
    headers,
    rawBody: Buffer.from(sentBody ?? (signOptions.body as string)),
  };
}

/** The RFC 9421 / RFC 9530 vectors (`fixtures/rfc9421/rfc9421.json` beside this file; sources in its README). */
export interface Rfc9421Vectors {
  keys: {
    'test-shared-secret': { secretBase64: string };
    'test-key-ed25519': { publicKeyPem: string; privateKeyPem: string };
  };
  request: {
    method: string;
    targetUri: string;
    headers: Record<string, string>;
    body: string;
    contentDigestSha256: string;
  };
  cases: Array<{ name: string; created: number; signatureBase: string; signatureInput: string; signature: string }>;
}

/** Where the vendored vectors live: inside the repository, so a plain clone runs this suite. */
const RFC9421_VECTORS_FILE = join(__dirname, 'fixtures', 'rfc9421', 'rfc9421.json');

/** Loads the vendored RFC 9421 vectors. */
export function loadVectors(): Rfc9421Vectors {
  return JSON.parse(readFileSync(RFC9421_VECTORS_FILE, 'utf8')) as Rfc9421Vectors;
}

/**
 * `fn()`'s result, or a throw once it has run `ms` without returning. Jest's timeout cannot stop
 * a synchronous call (a quadratic one would hold the worker for minutes, then pass); node:vm's
 * watchdog terminates it. For bounds that are generous by orders of magnitude, never tight ones.
 */
export function finishingWithin<T>(ms: number, fn: () => T): T {
  return runInNewContext('fn()', { fn }, { timeout: ms }) as T;
}
