import { createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import type { Ed25519KeyProblem } from '@signet/http-message-signatures';
import { weakEd25519KeyProblem } from '@signet/http-message-signatures/node';
import { ActingKeyRevokedError, actingAs, currentActingKey } from './acting-key';
import { findOwnedApiKey } from './owned-api-key';
import type { Clock, KeyVersionStore, TradingRepository, UnitOfWork } from './ports';
import { SealedSecretNotOpenedError, type SecretBox } from './secret-box';
import { MASTER_KEY_REPLACED, assertSealingKeyIsTheDatabases, isTheDatabasesMasterKey } from './master-key-check';
import { isPlainText } from './text';
import { transact } from './transactions';
import { createVerificationKeyCache, createVersionedKeyCache } from './verification-key-cache';
import { ALL_SCOPES, type ApiKey, type KeyAlgorithm, type Scope } from './types';
import { RollbackWithUserErrors, UserErrorCode, fail, ok, userError, type DomainResult } from './user-errors';

/** HMAC secrets are 32 random bytes (the profile's minimum is 32). */
export const HMAC_SECRET_BYTES = 32;

/** Longest key label, in characters (code points; the GraphQL input checks the same way: isPlainText). */
export const MAX_LABEL_LENGTH = 64;

/**
 * Most unrevoked keys one account may hold (Binance Spot allows 30 too). A key that can create keys
 * could otherwise mint them without end: rows, sealed secrets and a start-up check that reads
 * every live key. Revoked keys do not count.
 */
export const MAX_ACTIVE_API_KEYS = 30;

/** What a caller asks for when creating a key. */
export interface CreateApiKeyInput {
  readonly label: string;
  readonly scopes: readonly Scope[];
  readonly algorithm: KeyAlgorithm;
  /** Ed25519 only: the client's own public key (SPKI DER base64 or PEM); when absent the server generates a pair. */
  readonly publicKey?: string | null;
}

/** A newly created key and, once only, the material the client needs to sign. */
export interface CreatedApiKey {
  readonly apiKey: ApiKey;
  /** Ed25519 private key (PKCS#8 DER, base64) when the server generated the pair; never stored. */
  readonly privateKey: string | null;
  /** HMAC secret (base64); stored only encrypted. */
  readonly secret: string | null;
}

/**
 * Key material ready for signature verification. `version`: the shared version it was loaded
 * under (only with a `KeyVersionStore`); a request verified with it is admitted only while it is
 * still the key's current version (the admission checks it).
 */
export interface VerificationMaterial { readonly apiKey: ApiKey; readonly publicKey: KeyObject | null; readonly secret: Buffer | null; readonly version?: string }

/** Creates, lists and revokes API keys; the server never keeps a private key or a plaintext secret. */
export interface ApiKeyService {
  /**
   * `grantable` bounds the scopes: a key can never mint a key with more power than its own.
   * `createdBy`: the key whose signed request creates it, recorded for the account's audit (null: an operator).
   */
  createApiKey(accountId: string, input: CreateApiKeyInput, grantable?: readonly Scope[], createdBy?: string | null): Promise<DomainResult<CreatedApiKey>>;
  /** `revokedBy`: the key whose signed request revokes it, recorded beside revokedAt (null: an operator). */
  revokeApiKey(accountId: string, keyId: string, revokedBy?: string | null): Promise<DomainResult<ApiKey>>;
  listApiKeys(accountId: string): Promise<ApiKey[]>;
  /** The account's key an `ID` argument names, revoked keys included; null for any other text, another account's key included. */
  findOwnedApiKey(accountId: string, keyIdText: string): Promise<ApiKey | null>;
  /**
   * Loads a key with its decrypted verification material; null when unknown, and null for an
   * Ed25519 key whose stored public key is weak (see {@link ApiKeyService.findWeakKeys}).
   */
  loadVerificationMaterial(keyId: string): Promise<VerificationMaterial | null>;
  /**
   * Reads the key row again and caches it stamped with `version`, the key's current version as
   * the caller read it just before (the admission found a cached entry's version stale). Without
   * a `KeyVersionStore`, the same as loadVerificationMaterial.
   */
  reloadVerificationMaterial(keyId: string, version: string): Promise<VerificationMaterial | null>;
  /**
   * How many times the shared key cache was emptied because the version store may have gone back
   * (a Redis reconnect: `KeyVersionStore.onReset`); always 0 without one. Material loaded after
   * reading one count and admitted while the count is another may have been stamped with a version
   * the store made current again: read it again (`reloadVerificationMaterial`) before acting.
   */
  keyCacheGeneration(): number;
  /**
   * Active Ed25519 keys whose stored public key would be refused today (small order, non-canonical,
   * off the curve): registered before the check existed, or written to the table by hand. They never
   * authenticate (loadVerificationMaterial answers as for an unknown key); start-up lists them so an
   * operator can revoke them.
   */
  findWeakKeys(): Promise<Array<{ keyId: string; problem: Ed25519KeyProblem | 'unparseable' }>>;
}

/** Key ids: a readable prefix and 96 random bits. */
export function newKeyId(): string {
  return 'key_' + randomBytes(12).toString('hex');
}

function parsePublicKey(text: string): KeyObject | null {
  try {
    const key = text.includes('BEGIN PUBLIC KEY')
      ? createPublicKey(text)
      : createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' });
    return key.asymmetricKeyType === 'ed25519' ? key : null;
  } catch {
    return null;
  }
}

const KEY_PROBLEM_TEXT: Readonly<Record<Ed25519KeyProblem, string>> = {
  'length': 'is not 32 bytes',
  'non-canonical': 'is not in canonical encoding',
  'not-on-curve': 'is not a point of the curve',
  'small-order': 'is a small-order point, which would accept forged signatures',
};

/** Parsed public keys kept by {@link createApiKeyService}; beyond this the memo starts over. */
const MAX_PARSED_PUBLIC_KEYS = 10_000;

/**
 * Parses stored SPKI DER (base64) into a KeyObject, or 'weak' for a key that must never verify,
 * remembering the result by the bytes themselves. Parsing (and the weak-key check) costs about as
 * much as an Ed25519 verification and ran on every signed request. Only the parse is memoized
 * here: the key row, `revokedAt` included, is read from the database on every request unless the
 * service caches verification material (`cacheVerificationKeys`, embedded PGlite only).
 */
function publicKeyParser(): (der: string) => KeyObject | 'weak' {
  const parsed = new Map<string, KeyObject | 'weak'>();
  return (der) => {
    let key = parsed.get(der);
    if (!key) {
      const object = createPublicKey({ key: Buffer.from(der, 'base64'), format: 'der', type: 'spki' });
      key = weakEd25519KeyProblem(object) === null ? object : 'weak';
      if (parsed.size >= MAX_PARSED_PUBLIC_KEYS) parsed.clear();
      parsed.set(der, key);
    }
    return key;
  };
}

/** A key created or revoked, as it committed: what an operator replays after a database restore. */
export type ApiKeyEvent =
  | { readonly event: 'api_key_created'; readonly keyId: string; readonly accountId: string; readonly scopes: readonly Scope[]; readonly by: string | null }
  | { readonly event: 'api_key_revoked'; readonly keyId: string; readonly accountId: string; readonly by: string | null };

/** Creates the API key service. */
export function createApiKeyService(deps: {
  uow: UnitOfWork; clock: Clock; secretBox: SecretBox; cacheVerificationKeys?: boolean;
  /** Shared key versions (Redis): material is cached per process and checked by each request's admission. */
  keyVersions?: KeyVersionStore;
  /**
   * Told each key created or revoked once it committed (the runtime logs it): a database restored
   * from a backup forgets revocations made since, and this record outside it says which keys to
   * revoke again. Never given key material. Told after the outermost COMMIT, and also (perhaps
   * twice) when its outcome was unknown: the event may then name a change that did not commit.
   */
  onKeyEvent?: (event: ApiKeyEvent) => void;
}): ApiKeyService {
  const { uow, clock, secretBox, keyVersions } = deps;
  const verificationKeyOf = publicKeyParser();
  // See verification-key-cache.ts for when this is sound (the caller decides: one process, PGlite).
  const cache = !keyVersions && deps.cacheVerificationKeys ? createVerificationKeyCache<VerificationMaterial>() : null;
  // Several processes over PostgreSQL: entries stamped with the shared version they were read under.
  const versioned = keyVersions ? createVersionedKeyCache<VerificationMaterial>(keyVersions, { verifies: (m) => m.apiKey.revokedAt === null }) : null;
  if (versioned) keyVersions?.onReset?.(() => versioned.forgetAll());
  const stamped = (entry: { value: VerificationMaterial; version: string } | null): VerificationMaterial | null =>
    entry && { ...entry.value, version: entry.version };
  const loadMaterial = async (keyId: string): Promise<VerificationMaterial | null> => {
    const apiKey = await uow.repo.findApiKey(keyId);
    if (!apiKey) return null;
    if (apiKey.algorithm === 'ed25519') {
      const publicKey = verificationKeyOf(apiKey.publicKey ?? '');
      // Answered like an unknown key: the verifier then does its dummy work and says SIGNATURE_INVALID.
      return publicKey === 'weak' ? null : { apiKey, publicKey, secret: null };
    }
    // A revoked key verifies nothing (the verifier does its dummy work): its secret is not opened.
    // It may be sealed under a master key this process no longer has (a regenerated master.key,
    // revoked secrets a rotation could not open), which must not turn its requests into 503s that
    // skip the failed-signature guard and tell revoked keys from unknown ones.
    if (apiKey.revokedAt !== null) return { apiKey, publicKey: null, secret: null };
    let secret: Buffer;
    try {
      secret = secretBox.open(apiKey.secretCiphertext ?? '', apiKey.id);
    } catch (error) {
      // A process with no master key that fits (operator commands) opens none: that error stands.
      if (!(error instanceof SealedSecretNotOpenedError)) throw error;
      // This process's key is no longer the database's (another adopted or rotated to since it
      // started): it opens no secret sealed since, so every HMAC request would fail here. The
      // server's fault, not the client's: 503 with the reason in the log, not counted against it.
      if (!(await isTheDatabasesMasterKey(uow, secretBox))) throw new Error(MASTER_KEY_REPLACED, { cause: error });
      // A live secret sealed under a key the database no longer names (a lost master.key generated
      // again; start-up names such keys in a warning): answered like an unknown key,
      // SIGNATURE_INVALID, since no request of it can verify.
      return null;
    }
    return { apiKey, publicKey: null, secret };
  };
  // With shared versions, the second renewal waits for the outermost commit (an @idempotent
  // mutation joins this UPDATE into its own transaction): only then can other processes read it.
  // A revocation holds the key that signed it live, as every other signed mutation does
  // (acting-key.ts), so a key revoked meanwhile revokes nothing: a stolen key racing its owner's
  // revocation cannot also revoke the owner's keys. The two rows are locked in key-id order (the
  // signing key's hold, the target's FOR UPDATE), so two keys revoking each other at once never
  // deadlock: one waits for the other's commit, then finds its own key revoked. A key revoking
  // itself holds nothing more.
  const revokeIn = (keyId: string, accountId: string, revokedBy: string | null) => {
    const signer = currentActingKey();
    const holdSigner = async (repo: TradingRepository) => {
      if (signer !== null && !(await repo.holdLiveApiKey(signer))) throw new ActingKeyRevokedError();
    };
    return actingAs(null, () => transact(uow, async (repo, scope) => {
      if (keyVersions) scope.afterCommit(() => keyVersions.renew(keyId));
      const signerFirst = signer !== null && signer !== keyId && signer < keyId;
      if (signerFirst) await holdSigner(repo);
      const revoked = await repo.revokeApiKey(keyId, accountId, clock, revokedBy);
      if (signer !== null && signer !== keyId && !signerFirst) await holdSigner(repo);
      if (revoked) {
        scope.afterCommit(async () => deps.onKeyEvent?.({ event: 'api_key_revoked', keyId, accountId, by: revokedBy }));
        return revoked;
      }
      const existing = await repo.findApiKey(keyId);
      if (!existing || existing.accountId !== accountId) throw new RollbackWithUserErrors([userError(UserErrorCode.API_KEY_NOT_FOUND, 'No such API key.', ['id'])]);
      throw new RollbackWithUserErrors([userError(UserErrorCode.API_KEY_ALREADY_REVOKED, 'The key is already revoked.', ['id'])]);
    }));
  };
  return {
    async createApiKey(accountId, input, grantable = ALL_SCOPES, createdBy = null) {
      if (!isPlainText(input.label, 1, MAX_LABEL_LENGTH)) {
        return fail(userError(UserErrorCode.INVALID_LABEL, `A label is 1-${MAX_LABEL_LENGTH} characters, not only spaces, with no control, invisible or bidirectional-formatting characters.`, ['input', 'label']));
      }
      const scopes = [...new Set(input.scopes)];
      if (scopes.length === 0) return fail(userError(UserErrorCode.INVALID_SCOPES, 'A key needs at least one scope.', ['input', 'scopes']));
      const excess = scopes.filter((s) => !grantable.includes(s));
      if (excess.length > 0) return fail(userError(UserErrorCode.INVALID_SCOPES, `This key cannot grant scopes it does not hold: ${excess.join(', ')}.`, ['input', 'scopes']));
      const id = newKeyId();
      let publicKey: string | null = null;
      let privateKey: string | null = null;
      let secret: string | null = null;
      let secretCiphertext: string | null = null;
      if (input.algorithm === 'ed25519') {
        if (input.publicKey) {
          const parsed = parsePublicKey(input.publicKey);
          if (!parsed) return fail(userError(UserErrorCode.INVALID_PUBLIC_KEY, 'publicKey must be an Ed25519 public key (SPKI DER base64 or PEM).', ['input', 'publicKey']));
          const problem = weakEd25519KeyProblem(parsed);
          if (problem) return fail(userError(UserErrorCode.INVALID_PUBLIC_KEY, `publicKey ${KEY_PROBLEM_TEXT[problem]}; generate a new Ed25519 key pair.`, ['input', 'publicKey']));
          publicKey = parsed.export({ format: 'der', type: 'spki' }).toString('base64');
        } else {
          const pair = generateKeyPairSync('ed25519');
          publicKey = pair.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
          privateKey = pair.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
        }
      } else {
        if (input.publicKey) return fail(userError(UserErrorCode.INVALID_PUBLIC_KEY, 'HMAC keys take no publicKey; the server generates the secret.', ['input', 'publicKey']));
        const raw = randomBytes(HMAC_SECRET_BYTES);
        secret = raw.toString('base64');
        secretCiphertext = secretBox.seal(raw, id);
      }
      const apiKey: ApiKey = {
        id, accountId, label: input.label, scopes: ALL_SCOPES.filter((s) => scopes.includes(s)), algorithm: input.algorithm,
        publicKey, secretCiphertext, createdAt: clock(), lastUsedAt: null, revokedAt: null,
        createdByApiKeyId: createdBy, revokedByApiKeyId: null,
      };
      const saved = await transact(uow, async (repo, scope) => {
        if (secretCiphertext !== null) await assertSealingKeyIsTheDatabases(repo, secretBox);
        // After the outermost COMMIT (an @idempotent call commits the key with its record), never on a rollback.
        scope.afterCommit(async () => deps.onKeyEvent?.({ event: 'api_key_created', keyId: id, accountId, scopes: apiKey.scopes, by: createdBy }));
        if (!(await repo.insertApiKey(apiKey, MAX_ACTIVE_API_KEYS))) {
          throw new RollbackWithUserErrors([userError(UserErrorCode.TOO_MANY_API_KEYS, `The account already holds ${MAX_ACTIVE_API_KEYS} unrevoked keys, the most it may; revoke one it no longer uses first.`)]);
        }
        return apiKey;
      });
      return saved.ok ? ok({ apiKey: saved.value, privateKey, secret }) : saved;
    },

    async revokeApiKey(accountId, keyIdText, revokedBy = null) {
      // Another account's key (its owner never changes) is answered as an unknown one, before its
      // cached material or shared version is touched: one account must not make another's key
      // reload (enough renewals during one request answer it 503).
      const owned = await findOwnedApiKey(uow.repo, accountId, keyIdText);
      if (!owned) return fail(userError(UserErrorCode.API_KEY_NOT_FOUND, 'No such API key.', ['id']));
      const keyId = owned.id;
      // Before the UPDATE and once it returned: no material read before the revocation outlives it.
      cache?.forget(keyId);
      versioned?.forget(keyId);
      // Shared versions: renewed before the UPDATE and after its commit (see createVersionedKeyCache).
      // Redis unreachable here: the call throws before anything is written.
      if (keyVersions) await keyVersions.renew(keyId);
      try {
        const result = await revokeIn(keyId, accountId, revokedBy);
        // A revocation whose renewal after commit failed is answered as done (the unit of work
        // reports the failure and resolves with what committed); an entry another process read
        // between the two renewals then lasts until its maximum age, 60 s (see
        // createVersionedKeyCache), for reads only: a mutation holds the key's row, which is
        // revoked. Revoking it again lands here as ALREADY_REVOKED, and renews before answering.
        if (keyVersions && !result.ok && result.errors.some((e) => e.code === UserErrorCode.API_KEY_ALREADY_REVOKED)) await keyVersions.renew(keyId);
        return result;
      } finally {
        cache?.forget(keyId);
        versioned?.forget(keyId);
      }
    },

    listApiKeys: (accountId) => uow.repo.listApiKeys(accountId),
    findOwnedApiKey: (accountId, keyIdText) => findOwnedApiKey(uow.repo, accountId, keyIdText),

    async findWeakKeys() {
      const weak: Array<{ keyId: string; problem: Ed25519KeyProblem | 'unparseable' }> = [];
      for (const { id, publicKey } of await uow.repo.listActiveEd25519PublicKeys()) {
        let problem: Ed25519KeyProblem | 'unparseable' | null;
        try {
          problem = weakEd25519KeyProblem(createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' }));
        } catch {
          problem = 'unparseable';
        }
        if (problem) weak.push({ keyId: id, problem });
      }
      return weak;
    },

    async loadVerificationMaterial(keyId) {
      if (versioned) return stamped(await versioned.get(keyId, () => loadMaterial(keyId)));
      return cache ? cache.get(keyId, () => loadMaterial(keyId)) : loadMaterial(keyId);
    },

    async reloadVerificationMaterial(keyId, version) {
      if (versioned) return stamped(await versioned.reload(keyId, version, () => loadMaterial(keyId)));
      return cache ? cache.get(keyId, () => loadMaterial(keyId)) : loadMaterial(keyId);
    },

    keyCacheGeneration: () => versioned?.generation() ?? 0,
  };
}
