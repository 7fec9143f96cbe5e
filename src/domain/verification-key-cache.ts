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
 * entry stamped with the key's shared version (`KeyVersionStore`, on Redis) read BEFORE the row
 * was: a row read after the version means the entry holds what the database said at or after
 * that version was current. Whoever uses an entry must check, atomically with the request's
 * admission, that the stamp is still the key's current version (the admission script does), and
 * else `reload` it under the version it found.
 *
 * Why this keeps revocation instant everywhere: `revokeApiKey` renews the version before its
 * UPDATE and again once the UPDATE is committed, and answers only after the second renewal. An
 * entry stamped with the final version was read after it, so after the commit: it says revoked.
 * Any entry read earlier carries an earlier version, which no longer matches. A store that lost
 * its versions (FLUSHALL, restart) hands out fresh random ones, which match no entry either.
 * Unknown keys are never cached (a key created later must be found).
 *
 * A revocation that bypasses the versions (an UPDATE by hand, `signet keys revoke` run without
 * REDIS_URL) cannot be seen that way: entries are also read again once they are
 * `maxAgeMs` old (default {@link MAX_VERSIONED_ENTRY_AGE_MS}), which bounds how long such a
 * revocation takes. That costs one version read and one row read per key and process per period.
 */
export interface VersionedKeyCache<T> {
  /** The cached entry, else the key's current version then `load()`'s value (kept when not null). */
  get(keyId: string, load: () => Promise<T | null>): Promise<VersionedEntry<T> | null>;
  /** `load()`'s value stamped with `version`, which the caller read before calling (kept when not null, else the entry goes). */
  reload(keyId: string, version: string, load: () => Promise<T | null>): Promise<VersionedEntry<T> | null>;
  /** Drops `keyId` (this process's own revocation: saves the next request a stale round trip). */
  forget(keyId: string): void;
}

/** How long a versioned entry is used before its row is read again (revocations that bypass the versions). */
export const MAX_VERSIONED_ENTRY_AGE_MS = 60_000;

/** Creates an empty versioned cache over `currentVersion` (the shared store's `current`); `now` in ms. */
export function createVersionedKeyCache<T>(currentVersion: (keyId: string) => Promise<string>, options: { maxEntries?: number; maxAgeMs?: number; now?: () => number } = {}): VersionedKeyCache<T> {
  const { maxEntries = MAX_CACHED_VERIFICATION_KEYS, maxAgeMs = MAX_VERSIONED_ENTRY_AGE_MS, now = Date.now } = options;
  const entries = new Map<string, VersionedEntry<T> & { readonly loadedAtMs: number }>();
  const keep = (keyId: string, entry: VersionedEntry<T> | null, loadedAtMs: number) => {
    entries.delete(keyId);
    if (!entry) return;
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
    entries.set(keyId, { ...entry, loadedAtMs });
  };
  const reload = async (keyId: string, version: string, load: () => Promise<T | null>): Promise<VersionedEntry<T> | null> => {
    const startedAtMs = now();
    const value = await load();
    const entry = value === null ? null : { value, version };
    keep(keyId, entry, startedAtMs);
    return entry;
  };
  return {
    async get(keyId, load) {
      const cached = entries.get(keyId);
      if (cached !== undefined && now() - cached.loadedAtMs < maxAgeMs) return { value: cached.value, version: cached.version };
      // The version first: the row read after it is at least as new as the version says.
      return reload(keyId, await currentVersion(keyId), load);
    },
    reload,
    forget(keyId) {
      entries.delete(keyId);
    },
  };
}
