import type { KeyVersionStore } from './ports';

/**
 * Verification material by key id, kept in memory so a signed request does not read its key row.
 *
 * Only sound where this process is the only writer of the keys table and its database runs one
 * statement at a time with no reads of uncommitted work from outside a transaction (embedded
 * PGlite: one process holds the data directory, one connection serializes every query and
 * transaction). There, revocation goes through this process's key service, which calls `forget`
 * before its UPDATE and again once the revocation has returned (committed, or joined into an outer
 * transaction: a read issued after that waits for that transaction to end and sees its outcome).
 * A load that started before a `forget` and ends after it is not kept, so no entry read before a
 * revocation survives it: the next request after `revokeApiKey` resolves reads the row again.
 * Unknown keys are never cached (a key created later must be found).
 */
export interface VerificationKeyCache<T> {
  /** The cached value, else `load()`'s, kept when not null and no `forget` happened meanwhile. */
  get(keyId: string, load: () => Promise<T | null>): Promise<T | null>;
  /** Drops `keyId` and disowns every load in flight (any key: revocations are rare). */
  forget(keyId: string): void;
}

/** Entries kept at most; past it the oldest goes. */
export const MAX_CACHED_VERIFICATION_KEYS = 10_000;

/** Creates an empty cache. */
export function createVerificationKeyCache<T>(maxEntries = MAX_CACHED_VERIFICATION_KEYS): VerificationKeyCache<T> {
  const entries = new Map<string, T>();
  let generation = 0;
  return {
    async get(keyId, load) {
      const cached = entries.get(keyId);
      if (cached !== undefined) return cached;
      const startedAt = generation;
      const loaded = await load();
      if (loaded !== null && startedAt === generation) {
        if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
        entries.set(keyId, loaded);
      }
      return loaded;
    },
    forget(keyId) {
      generation += 1;
      entries.delete(keyId);
    },
  };
}

/** A cached value and the shared version it was loaded under. */
export interface VersionedEntry<T> {
  readonly value: T;
  readonly version: string;
}

/**
 * Verification material by key id for several processes over one database (PostgreSQL), each
 * entry stamped with the key's shared version (`KeyVersionStore`, on Redis) observed current
 * BEFORE the row was read: a row read after the version means the entry holds what the database
 * said at or after that version was current. Whoever uses an entry must check, atomically with the
 * request's admission, that the stamp is still the key's current version (the admission script
 * does), and else `reload` it under the version it found.
 *
 * A miss writes a version only for a key whose row exists (a guessed key id must cost the shared
 * store nothing: under `noeviction` a full Redis refuses every signed request):
 *   1. `peek` the version (no write). Found: read the row, stamp it with that version. Done.
 *   2. None: read the row. None, or one that `verifies` nothing (revoked): answer null, as for an
 *      unknown key (the verifier refuses both alike); nothing written, nothing kept.
 *   3. A live row: `current` creates the version (only if still absent; the answer is the version
 *      stored), then the row is read AGAIN and stamped with that version. The first read is never
 *      stamped or returned: it only decides whether a version may be created.
 *
 * Why this keeps revocation instant everywhere: `revokeApiKey` renews the version (R1) before its
 * UPDATE, commits (C), renews again (R3) once the UPDATE is committed, and answers only after R3.
 * A renewal replaces an existing version and creates none; a version that was lost never comes
 * back (its successor is random). So after R3, no version observed before R3 is current. Every
 * stamped entry (steps 1 and 3, and `reload`) had its version observed current before its row
 * read began. The admission passes an entry only if its stamp is current at admission, after R3:
 * then the stamp was observed after R3, so its row was read after C and says revoked. Step 3's
 * interleavings with the revocation, the miss being P (peek: none), L1 (first row read),
 * V (create the version), L2 (second row read, stamped):
 *   - C before L1: L1 sees the revocation, step 2 answers null, nothing is written.
 *   - L1 before C, V before R3 (before R1, or between R1 and R3: V then answers R1's version, or a
 *     fresh one if it was lost, since it only sets an absent one): R3 replaces the stamp; the
 *     admission finds it stale and reloads under the new version, after R3 and so after C: revoked.
 *     L2 may see the row live or revoked, either is safe.
 *   - L1 before C, V after R3: L2 is after V, after R3, after C: it reads the revocation, and the
 *     stamped entry says revoked.
 * V must set only an absent version and answer the one stored: an unconditional write after R3
 * would be harmless here but would make every other process's entry stale for nothing, and
 * answering our own candidate when another writer's version is stored would stamp entries with a
 * version that never was current (a reload each time, never a stale admission).
 * The admission's own `key_version` step creates a version when the key has none: it runs only
 * for a key a request was verified with, so its row existed.
 *
 * A store that lost its versions (FLUSHALL, restart) hands out fresh random ones, which match no
 * entry. A store that went back in time (restarted from a snapshot, failed over to a replica that
 * missed the last renewals) can make a version that R3 replaced current again: it says so
 * (`KeyVersionStore.onReset`, on reconnecting) and the cache is emptied (`forgetAll`), every load
 * in flight disowned, so entries are stamped again with versions observed after the reset.
 * Unknown keys are never cached (a key created later must be found).
 *
 * A revocation that bypasses the versions (an UPDATE by hand, `signet keys revoke` run without
 * REDIS_URL) cannot be seen that way: entries are also read again once they are
 * `maxAgeMs` old (default {@link MAX_VERSIONED_ENTRY_AGE_MS}), which bounds how long such a
 * revocation takes. That costs one version read and one row read per key and process per period
 * (two of each, the first time a key is used after its version expired or was lost).
 */
export interface VersionedKeyCache<T> {
  /** The cached entry, else the row read under the key's current version (see above; kept when not null). */
  get(keyId: string, load: () => Promise<T | null>): Promise<VersionedEntry<T> | null>;
  /** `load()`'s value stamped with `version`, which the caller read before calling (kept when not null, else the entry goes). */
  reload(keyId: string, version: string, load: () => Promise<T | null>): Promise<VersionedEntry<T> | null>;
  /** Drops `keyId` (this process's own revocation: saves the next request a stale round trip). */
  forget(keyId: string): void;
  /**
   * Drops every entry and disowns every load in flight: the versions store may have gone back
   * (`KeyVersionStore.onReset`), bringing back a version a revocation had replaced, which would
   * make an entry read before that revocation current again.
   */
  forgetAll(): void;
  /**
   * How many times `forgetAll` ran. An entry handed out under an earlier count may carry a version
   * that the store, gone back, made current again: a caller that read the count before it took
   * the entry and finds another one after its admission must read the row again before acting.
   */
  generation(): number;
}

/** How long a versioned entry is used before its row is read again (revocations that bypass the versions). */
export const MAX_VERSIONED_ENTRY_AGE_MS = 60_000;

/** Options of {@link createVersionedKeyCache}. */
export interface VersionedKeyCacheOptions<T> {
  /** Entries kept at most; past it the oldest goes. Defaults to {@link MAX_CACHED_VERIFICATION_KEYS}. */
  readonly maxEntries?: number;
  /** Age in ms after which an entry is read again. Defaults to {@link MAX_VERSIONED_ENTRY_AGE_MS}. */
  readonly maxAgeMs?: number;
  /**
   * A clock in ms that never steps (an entry's age is a duration); defaults to `performance.now`.
   * The wall clock set back an hour would keep a row revoked past the versions for an hour more.
   */
  readonly now?: () => number;
  /** Whether a value can verify anything (false for a revoked key: no version is created for it). Defaults to always. */
  readonly verifies?: (value: T) => boolean;
}

/** Creates an empty versioned cache over the shared key versions (`peek` on a miss, `current` only for a live row). */
export function createVersionedKeyCache<T>(versions: Pick<KeyVersionStore, 'peek' | 'current'>, options: VersionedKeyCacheOptions<T> = {}): VersionedKeyCache<T> {
  const { maxEntries = MAX_CACHED_VERIFICATION_KEYS, maxAgeMs = MAX_VERSIONED_ENTRY_AGE_MS, now = () => performance.now(), verifies = () => true } = options;
  const entries = new Map<string, VersionedEntry<T> & { readonly loadedAtMs: number }>();
  // Bumped by forgetAll: a load that began before it stamps a version observed before the reset.
  let generation = 0;
  const keep = (keyId: string, entry: VersionedEntry<T> | null, loadedAtMs: number, startedIn: number) => {
    entries.delete(keyId);
    if (!entry || startedIn !== generation) return;
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
    entries.set(keyId, { ...entry, loadedAtMs });
  };
  const reload = async (keyId: string, version: string, load: () => Promise<T | null>, startedIn = generation): Promise<VersionedEntry<T> | null> => {
    const startedAtMs = now();
    const value = await load();
    const entry = value === null ? null : { value, version };
    keep(keyId, entry, startedAtMs, startedIn);
    return entry;
  };
  return {
    async get(keyId, load) {
      const cached = entries.get(keyId);
      if (cached !== undefined && now() - cached.loadedAtMs < maxAgeMs) return { value: cached.value, version: cached.version };
      // The version first: the row read after it is at least as new as the version says.
      const startedIn = generation;
      const version = await versions.peek(keyId);
      if (version !== null) return reload(keyId, version, load, startedIn);
      // No version: one is created only for a live row, and the row is read again after it (see above).
      const first = await load();
      if (first === null || !verifies(first)) {
        entries.delete(keyId);
        return null;
      }
      return reload(keyId, await versions.current(keyId), load, startedIn);
    },
    reload: (keyId, version, load) => reload(keyId, version, load),
    forget(keyId) {
      entries.delete(keyId);
    },
    forgetAll() {
      generation += 1;
      entries.clear();
    },
    generation: () => generation,
  };
}
